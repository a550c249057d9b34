-- The secondary indexes of the Mailboxes page's directory (dir_mailbox,
-- dir_mailbox_term) that a first fill from empty drops while it writes
-- a million rows, and builds again once at its end (one sorted build per
-- index instead of a million random inserts into each). Recorded here
-- before they are dropped, so that a fill cut short (the replicator
-- killed) gets them back at the start of the next refresh. Empty
-- whenever no fill is under way. Written by lib/oxt_mbdir.c only.
CREATE TABLE IF NOT EXISTS dir_index_parked (
  tbl VARCHAR(64) NOT NULL,
  name VARCHAR(64) NOT NULL,
  is_unique TINYINT(1) NOT NULL DEFAULT 0,
  cols VARCHAR(1024) NOT NULL,
  PRIMARY KEY (tbl, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
