-- 0151: the move queue's check of the caller's rows (lib/oxt_replog.c,
-- oxt_replog_moved_away: is a queued domain's log row still the
-- caller's?) read every row of the domain through the dom index (dom_id,
-- logged_at), each looked up by primary key for its owner, when none
-- named the caller: the usual case, a move between two other owners
-- (ANALYZE: r_rows the domain's rows per queued domain). With the owner
-- in the index the EXISTS is a seek of one entry, found or not.
CREATE INDEX IF NOT EXISTS dom_client ON replication_log (dom_id, client_id);
CREATE INDEX IF NOT EXISTS dom_reseller ON replication_log (dom_id, reseller_id);
