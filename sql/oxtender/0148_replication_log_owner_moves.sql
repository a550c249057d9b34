-- 0148: the Logs page's rows follow a domain moved to another owner, and
-- the banner "Report on the last automatic replication" counts the
-- caller's subtree (issue 10).
--
-- replication_log_move: a domain whose owner changed in psa (another
-- client, or its client under another reseller), queued by the
-- directory's sync in the transaction that records the move
-- (lib/oxt_dir.c), with the owner it has now. The replicator's prune
-- (lib/oxt_replog.c, "a domain moved") gives the domain's log rows that
-- owner in batches and drops the entry with the last one. A row is moved
-- as a delete (journaled in replication_log_gone) and an insert (a new
-- id), so the counts, the page index's frames (0142) and the dense
-- markers (0145) stay exact by the rules they already keep.
CREATE TABLE IF NOT EXISTS replication_log_move (
  dom_id INT UNSIGNED NOT NULL PRIMARY KEY,
  client_id INT UNSIGNED NOT NULL DEFAULT 0,
  reseller_id INT UNSIGNED NOT NULL DEFAULT 0,
  queued_at DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- run_summary_owner: the banner's counts (mailboxes per service type,
-- successful and failed) of an automatic run per owner: one row per
-- domain, client and reseller with a mailbox counted, written by the run
-- at its end with run_summary's own counts. A domain's row keeps the
-- owner it was summed into (client_id, reseller_id), so a move takes its
-- counts from those owners to the new ones. Only the newest automatic
-- run's rows are kept: the banner shows no other.
CREATE TABLE IF NOT EXISTS run_summary_owner (
  run_id BIGINT UNSIGNED NOT NULL,
  level ENUM('reseller','client','domain') NOT NULL,
  owner INT UNSIGNED NOT NULL,
  client_id INT UNSIGNED NOT NULL DEFAULT 0,
  reseller_id INT UNSIGNED NOT NULL DEFAULT 0,
  webmail_ok INT UNSIGNED NOT NULL DEFAULT 0,
  webmail_failed INT UNSIGNED NOT NULL DEFAULT 0,
  standard_ok INT UNSIGNED NOT NULL DEFAULT 0,
  standard_failed INT UNSIGNED NOT NULL DEFAULT 0,
  premium_ok INT UNSIGNED NOT NULL DEFAULT 0,
  premium_failed INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, level, owner),
  KEY of_owner (level, owner)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The domains that moved before this release: their log rows' owners
-- against the directory's (one scan of the log; a domain psa no longer
-- has keeps the owner its rows name).
INSERT IGNORE INTO replication_log_move (dom_id, client_id, reseller_id,
  queued_at)
  SELECT d.id, d.client_id, d.reseller_id, NOW()
  FROM (SELECT DISTINCT dom_id, client_id, reseller_id FROM replication_log
        WHERE dom_id IS NOT NULL) l
  JOIN dir_domain d ON d.id = l.dom_id
  WHERE l.client_id <> d.client_id OR l.reseller_id <> d.reseller_id;
