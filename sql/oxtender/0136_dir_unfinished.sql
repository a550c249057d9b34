-- 0136: a refresh of the lists' directory that was cut short is finished
-- by the next one. A refresh writes its batches with OXT_DIR_DEFER (each
-- its own transaction: the rows and terms, while the owners' aggregates,
-- the exact totals and the page index wait for oxt_dir_sync_finish at its
-- end). A crash or an error between a batch that wrote and that end left
-- aggregates that lied and no page index, and the next refresh, finding
-- every row already in line and the totals agreeing, wrote nothing and
-- so never finished (lib/oxt_dir.c: only its own counters said so).
-- dir_unfinished (at most one row) is written by every deferred batch
-- that writes, in its transaction, and deleted by the finish, in its
-- own: while the row is there, a refresh finishes whatever it found.
CREATE TABLE IF NOT EXISTS dir_unfinished (
  id TINYINT UNSIGNED NOT NULL DEFAULT 1 PRIMARY KEY,
  since DATETIME NOT NULL,
  CONSTRAINT dir_unfinished_one_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
