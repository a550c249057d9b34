-- 0122: points of the Mailboxes page index may share a position. A
-- point's position is the count of rows before its key; when a sync moves
-- every row between two points elsewhere in the order (a burst that
-- touches every mailbox's last sync does it to many), both keys have the
-- same count before them. With the position in the primary key that was
-- "Duplicate entry" and the directory's sync failed; with the point's id
-- added the two stand together, both exact (a page seeks from either).
-- The table holds one row per 1,000 mailboxes and sort: rebuilt at once.
ALTER TABLE dir_mailbox_page
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (scope, scope_id, sort_key, pos, id);
