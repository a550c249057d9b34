-- 0137: the Mailboxes directory's page index (dir_mailbox_page) and the
-- syncs that run while it is rebuilt (lib/oxt_mbdir.c). A rebuild
-- (the end of a refresh) counts its points from one snapshot of
-- dir_mailbox; a sync batch keeps the points it finds exact by moving
-- them. A batch that ran during a rebuild of an empty index (as a
-- refresh's deferred batches leave it) found no point to move, and what
-- it wrote after the rebuild's snapshot was in no point either: a point
-- stood a row off per such change until some later rebuild
-- (tests/integration/test_mailboxes_directory_race.py). Every batch now
-- takes this row in share mode as its first statement, and a rebuild
-- takes it for update as its own first: a rebuild's snapshot follows
-- every batch before it, and a batch after it sees its points.
CREATE TABLE IF NOT EXISTS dir_mailbox_page_lock (
  id TINYINT UNSIGNED NOT NULL DEFAULT 1 PRIMARY KEY,
  CONSTRAINT dir_mailbox_page_lock_one_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO dir_mailbox_page_lock (id) VALUES (1);
