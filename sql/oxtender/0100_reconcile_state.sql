-- 0100: reconcile's rotation of the access combinations. OX gives a
-- user's access combination one user per call, so by default a reconcile
-- compares it for a fifth of the users: those whose mail id modulo 5 is
-- access_turn. A completed reconcile moves the turn on (turned_at: when),
-- so every user's access is compared at least once every five runs
-- (lib/oxt_reconcile.h).
CREATE TABLE IF NOT EXISTS reconcile_state (
  id TINYINT UNSIGNED NOT NULL DEFAULT 1 PRIMARY KEY,
  access_turn TINYINT UNSIGNED NOT NULL DEFAULT 0,
  turned_at DATETIME NULL,
  CONSTRAINT reconcile_state_one_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO reconcile_state (id) VALUES (1);
