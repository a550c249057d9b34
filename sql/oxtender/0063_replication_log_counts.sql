-- 0063: the Logs page's totals and sorts at a million rows. One row per
-- level of the owner snapshot ('all' 0, each reseller_id, client_id and
-- dom_id of replication_log; 0 where there is none) with its number of log
-- rows, kept by the core's writers (lib/oxt_replog.c: each insert adds,
-- each batch delete subtracts) and rebuilt by the replicator's pruning
-- once a day (counted_at), so a count that a crash left wrong does not
-- stay wrong. A COUNT(*) of a million rows takes a tenth of a second;
-- reading one of these rows does not.
CREATE TABLE IF NOT EXISTS replication_log_count (
  level ENUM('all','reseller','client','domain') NOT NULL,
  id INT UNSIGNED NOT NULL,
  n BIGINT UNSIGNED NOT NULL DEFAULT 0,
  counted_at DATETIME NULL,
  PRIMARY KEY (level, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The counts of what is there now (run again, the same counts).
INSERT INTO replication_log_count (level, id, n, counted_at)
  SELECT 'all', 0, COUNT(*), NOW() FROM replication_log
  ON DUPLICATE KEY UPDATE n = VALUES(n), counted_at = VALUES(counted_at);

INSERT INTO replication_log_count (level, id, n, counted_at)
  SELECT 'reseller', reseller_id, COUNT(*), NOW() FROM replication_log
  GROUP BY reseller_id
  ON DUPLICATE KEY UPDATE n = VALUES(n), counted_at = VALUES(counted_at);

INSERT INTO replication_log_count (level, id, n, counted_at)
  SELECT 'client', client_id, COUNT(*), NOW() FROM replication_log
  GROUP BY client_id
  ON DUPLICATE KEY UPDATE n = VALUES(n), counted_at = VALUES(counted_at);

INSERT INTO replication_log_count (level, id, n, counted_at)
  SELECT 'domain', COALESCE(dom_id, 0), COUNT(*), NOW() FROM replication_log
  GROUP BY COALESCE(dom_id, 0)
  ON DUPLICATE KEY UPDATE n = VALUES(n), counted_at = VALUES(counted_at);

-- The Logs page sorts by Type of Service, Scheduled By and Outcome too:
-- each in the order of an index (the column, then logged_at; InnoDB adds
-- the id), so the whole log's first and last pages, and a big subtree's
-- first pages, read 25 rows in order instead of sorting them all. The
-- subtrees' own indexes, (reseller_id|client_id|dom_id, logged_at), serve
-- the default order; docs/architecture.md ("Logs at scale") has the
-- figures.
CREATE INDEX IF NOT EXISTS service_sort ON replication_log (service_type, logged_at);

CREATE INDEX IF NOT EXISTS scheduled_sort ON replication_log (scheduled_by, logged_at);

CREATE INDEX IF NOT EXISTS outcome_sort ON replication_log (outcome, logged_at);
