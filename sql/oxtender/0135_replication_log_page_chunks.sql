-- 0135: the Logs page's page index (0117) is built in chunks, each its
-- own short transaction, so a build never holds one snapshot or the
-- replicator's turn for the whole walk (39.5 s at 1,000,000 rows in one
-- transaction before; docs/architecture.md, "Logs at scale").
--
-- replication_log_page: an entry is now numbered within its owner and
-- sort (n, the key), and carries the journal's newest row as of the
-- chunk that found it (seq): its position counts the rows of that
-- moment, and what left since is the journal's rows above its own seq.
-- Positions of one sort may then step back between chunks (a Clean Log
-- of a thousand rows meanwhile), so they are an index, not the key. The
-- table holds only what the next build writes again: it is made anew,
-- and the state row goes with it (pages walk until the next build).
--
-- replication_log_page_state: the build under way, if any (build_gen
-- > 0): what it counts (build_max_id: rows above it are "added since";
-- build_seq: the journal's newest row when it started) and where it is
-- (the owner and sort it walks; the owners and sorts before them are
-- done, the entries so far are those of gen build_gen).
DROP TABLE IF EXISTS replication_log_page;

CREATE TABLE IF NOT EXISTS replication_log_page (
  gen BIGINT UNSIGNED NOT NULL,
  level ENUM('all','reseller','client','domain') NOT NULL,
  owner INT UNSIGNED NOT NULL,
  sort TINYINT UNSIGNED NOT NULL,
  n INT UNSIGNED NOT NULL,
  pos BIGINT UNSIGNED NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  id BIGINT UNSIGNED NOT NULL,
  logged_at DATETIME NOT NULL,
  k_str VARCHAR(501) NULL,
  PRIMARY KEY (gen, level, owner, sort, n),
  KEY at_pos (gen, level, owner, sort, pos)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

DELETE FROM replication_log_page_state;

ALTER TABLE replication_log_page_state
  ADD COLUMN IF NOT EXISTS build_gen BIGINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS build_max_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS build_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS build_level ENUM('all','reseller','client','domain') NOT NULL DEFAULT 'all',
  ADD COLUMN IF NOT EXISTS build_owner INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS build_sort TINYINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS build_started_at DATETIME NULL;
