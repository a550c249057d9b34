-- 0146: a reseller's Mailboxes page with ox=1 (the replicated ones) by
-- name or Modified. dir_mailbox had those two orders of the whole
-- server's replicated rows (o_name, o_modified) but none of a
-- reseller's: such a page read the reseller's own order (r_name,
-- r_modified) and looked up every entry's row for in_ox, so a page
-- whose replicated rows lie at the far end of that order (the bench's
-- 1M data: the last of 137 pages by Modified descending, read as the
-- first ascending, where the 6,859 rows never replicated sort first)
-- read about 6,880 rows for 21: 44 ms of MariaDB a request with the rows in
-- the buffer pool, 3.3 s when they were not (docs/architecture.md,
-- "The Mailboxes page at 1M, every role"). With the reseller and the
-- flag first the page is a range of the index in its order, at most half
-- of the reseller's replicated rows skipped and no row read. A first
-- fill parks these with the other secondary indexes (0094).
ALTER TABLE dir_mailbox
  ADD INDEX IF NOT EXISTS ro_name (reseller_id, in_ox, name, id),
  ADD INDEX IF NOT EXISTS ro_modified (reseller_id, in_ox, sync_key, id);
