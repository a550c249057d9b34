-- 0140: the page index of the Mailboxes page's wide searches of the whole
-- server (the admin's page without a filter or ox=1; lib/oxt_mbdir.c,
-- "the wide searches' points"). For every stored wide prefix of
-- dir_mailbox_wide marked pts (one that finds at least
-- OXT_MBDIR_WIDE_POINTS_MIN mailboxes when the prefixes were chosen), for
-- every sort and every point of the server's page index in that sort
-- (dir_mailbox_page, scope 'all': about every 1,000th row), how many of
-- the prefix's matches come before the point's key (n). The key (k_int or
-- k_str, id) is the point's, copied: a point keeps its key while the
-- syncs move its position. A page of such a search is then the last point
-- whose n is at most the page's position, a seek there in the sort's own
-- index and a walk to the page's last match, each entry checked against
-- the mailbox's terms: bounded by the points' spacing, whatever the
-- matches' density or bunching, where the matches were joined and sorted
-- per request (111,112 for 'user1' at 1M). The replicator is the only
-- writer: every sync batch moves these counts in its transaction by the
-- rows that moved in an order or joined or left a prefix; every rebuild
-- of the page index, or of the prefixes, makes them again. A prefix
-- without rows here is read as before (window, else joined): slower,
-- still exact.
CREATE TABLE IF NOT EXISTS dir_mailbox_wide_page (
  sort_key VARCHAR(16) CHARACTER SET ascii NOT NULL,
  wn SMALLINT UNSIGNED NOT NULL,
  prefix VARCHAR(64) NOT NULL,
  id INT UNSIGNED NOT NULL,
  k_int BIGINT NULL,
  k_str VARCHAR(501) NULL,
  n INT NOT NULL,
  PRIMARY KEY (sort_key, wn, prefix, id),
  KEY at_n (sort_key, wn, prefix, n)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Which stored prefixes have points: chosen with the prefixes (by their
-- count), so that every batch knows them without reading the points.
ALTER TABLE dir_mailbox_wide
  ADD COLUMN IF NOT EXISTS pts TINYINT NOT NULL DEFAULT 0;
