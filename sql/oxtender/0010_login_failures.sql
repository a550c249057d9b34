-- 0010: failed sign-ins, counted per login and per client address, so that
-- password guessing through HTTP Basic slows down for every Apache process
-- at once (lib/oxt_throttle.c). name is the login as typed or the address,
-- compared byte for byte. A count starts again after an hour without a
-- failure; rows older than a day are pruned by the failures themselves.

CREATE TABLE IF NOT EXISTS login_failures (
  kind ENUM('login','address') NOT NULL,
  name VARBINARY(255) NOT NULL,
  failures INT UNSIGNED NOT NULL DEFAULT 0,
  last_failure_at DATETIME NOT NULL,
  blocked_until DATETIME NULL,
  PRIMARY KEY (kind, name),
  KEY last_failure (last_failure_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
