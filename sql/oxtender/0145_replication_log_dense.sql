-- 0145: the Logs page's dense searches. A search with more matches than
-- it counts (10,000, OXT_REPLOG_COUNT_MAX) counted them on every request:
-- a walk of 10,001 entries of the address index, about 3 ms of a page's
-- 12 at a million rows, before the walk of the same 10,000 that finds its
-- rows. replication_log_dense keeps, per search (its LIKE pattern) of the
-- whole log or of one owner, the matches counted once (up to 20,000,
-- OXT_REPLOG_DENSE_MARK) and the journal's newest row in the same
-- statement: the count now is at least that minus the journal rows after
-- it that match (rows added since only add), so while that stays above
-- 10,000 the page needs no count (lib/oxt_replog.c, "dense searches").
-- Written by the pages that count; a marker older than the page index's
-- build in force may have lost journal rows (a build drops the ones the
-- build before it saw) and is never used, and the build drops it.
CREATE TABLE IF NOT EXISTS replication_log_dense (
  level ENUM('all','reseller','client','domain') NOT NULL,
  owner INT UNSIGNED NOT NULL,
  pattern VARCHAR(511) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  n INT UNSIGNED NOT NULL,
  gone_seq BIGINT UNSIGNED NOT NULL,
  marked_at DATETIME NOT NULL,
  PRIMARY KEY (level, owner, pattern)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
