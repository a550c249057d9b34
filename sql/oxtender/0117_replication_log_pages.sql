-- 0117: the Logs page's page index, so that a page asked by its number
-- alone (a typed URL, no keyset row to start from) is a seek at any
-- depth, not a walk of up to half the list (a middle page of a million
-- rows skipped 500,000 index entries: about a second).
--
-- replication_log_page: every OXT_REPLOG_PAGE_EVERY-th row of each sort
-- in ascending order, for the whole log and each owner with at least
-- OXT_REPLOG_PAGE_MIN rows, as of the build gen: its position from the
-- start (0-based) and its sort key (the time, the id and the sort
-- column's value as text), so the rows after it are a range of the
-- sort's index (lib/oxt_replog.c, "the page index").
--
-- replication_log_page_state (one row): the build in force, and what it
-- saw: the newest log id (rows above it were added since) and the newest
-- row of replication_log_gone.
--
-- replication_log_gone: the key of every row deleted (prune, Clean Log,
-- Remove), written in the deleting transaction, so a page counts what
-- left since the build exactly; rows a build saw deleted are dropped by
-- the build after it. The same column names as replication_log, so the
-- list's conditions apply to both.
CREATE TABLE IF NOT EXISTS replication_log_page (
  gen BIGINT UNSIGNED NOT NULL,
  level ENUM('all','reseller','client','domain') NOT NULL,
  owner INT UNSIGNED NOT NULL,
  sort TINYINT UNSIGNED NOT NULL,
  pos BIGINT UNSIGNED NOT NULL,
  id BIGINT UNSIGNED NOT NULL,
  logged_at DATETIME NOT NULL,
  k_str VARCHAR(501) NULL,
  PRIMARY KEY (gen, level, owner, sort, pos)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS replication_log_page_state (
  id TINYINT UNSIGNED NOT NULL DEFAULT 1 PRIMARY KEY,
  gen BIGINT UNSIGNED NOT NULL,
  max_id BIGINT UNSIGNED NOT NULL,
  gone_seq BIGINT UNSIGNED NOT NULL,
  built_at DATETIME NOT NULL,
  CONSTRAINT replication_log_page_state_one_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS replication_log_gone (
  seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id BIGINT UNSIGNED NOT NULL,
  logged_at DATETIME NOT NULL,
  address VARCHAR(501) NOT NULL,
  dom_id INT UNSIGNED NULL,
  client_id INT UNSIGNED NOT NULL DEFAULT 0,
  reseller_id INT UNSIGNED NOT NULL DEFAULT 0,
  service_type ENUM('webmail','groupware_standard','groupware_premium') NULL,
  scheduled_by VARCHAR(255) NOT NULL DEFAULT 'Automatic',
  outcome ENUM('success','failure') NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
