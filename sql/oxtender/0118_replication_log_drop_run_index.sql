-- 0118: replication_log's index on run_id (0005) goes. No statement reads
-- the log by run (the banner reads run_summary), and every row written or
-- deleted paid for it: deleting 1,000 rows costs about as many index
-- entries per row as the table has indexes (22 before this, side by side
-- 0.38-0.99 s against 0.17-0.25 s for a copy with 9; docs/architecture.md,
-- "Logs at scale").
ALTER TABLE replication_log DROP INDEX IF EXISTS run;
