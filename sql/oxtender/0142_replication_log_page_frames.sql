-- 0142: each entry of the Logs page's page index (0117, 0135) carries
-- the newest log id its position counts (max_id), the id frame of the
-- chunk that found it, as it carries that chunk's journal row (seq).
-- Before, one frame held for a whole build (the newest id when it
-- started), so the rows logged while it walked (for half a minute at a
-- million rows) were all "added since" when it ended, and under steady
-- logging a build was due again the moment it ended. Now each chunk
-- counts the rows up to its own newest id (every one of them committed
-- first: a row's id is given before it commits), and the build in force
-- (replication_log_page_state.max_id, gone_seq) is as of its last chunk.
-- The table holds only what the next build writes again: it is made
-- anew, and the state row goes with it (pages walk until the next build).
DROP TABLE IF EXISTS replication_log_page;

CREATE TABLE IF NOT EXISTS replication_log_page (
  gen BIGINT UNSIGNED NOT NULL,
  level ENUM('all','reseller','client','domain') NOT NULL,
  owner INT UNSIGNED NOT NULL,
  sort TINYINT UNSIGNED NOT NULL,
  n INT UNSIGNED NOT NULL,
  pos BIGINT UNSIGNED NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  max_id BIGINT UNSIGNED NOT NULL,
  id BIGINT UNSIGNED NOT NULL,
  logged_at DATETIME NOT NULL,
  k_str VARCHAR(501) NULL,
  PRIMARY KEY (gen, level, owner, sort, n),
  KEY at_pos (gen, level, owner, sort, pos)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

DELETE FROM replication_log_page_state;
