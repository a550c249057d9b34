-- 0140: the page index of the Mailboxes page's wide searches of the whole
-- server (the admin's page without a filter or ox=1; lib/oxt_mbdir.c,
-- "the wide searches' points"). For every stored wide prefix of
-- dir_mailbox_wide marked pts (one that finds at least
-- OXT_MBDIR_WIDE_POINTS_MIN mailboxes when the prefixes were chosen) and
-- every sort: a row per point of the server's page index in that sort
-- (dir_mailbox_page, scope 'all': about every 1,000th row) with the
-- point's key (k_int or k_str, id: copied; a point keeps its key while
-- the syncs move its position) and n, how many of the prefix's matches
-- lie from that key up to the next point's (or the end); and a head row
-- (id 0, no key): the matches before the first point. The matches before
-- a point are the head and the segments before it, summed by the page
-- (at most about a thousand small rows), so a sync that moves a row moves
-- two segments of each prefix it matches, not every point after it. A
-- page of such a search is then the last point with at most the page's
-- position before it, a seek there in the sort's own index and a walk to
-- the page's last match, each entry checked against the mailbox's terms:
-- bounded by the points' spacing, whatever the matches' density or
-- bunching, where the matches were joined and sorted per request
-- (111,112 for 'user1' at 1M). The replicator is the only writer: every
-- sync batch moves these counts in its transaction; every rebuild of the
-- page index, or of the prefixes, makes them again. A prefix without rows
-- here is read as before (window, else joined): slower, still exact.
CREATE TABLE IF NOT EXISTS dir_mailbox_wide_page (
  sort_key VARCHAR(16) CHARACTER SET ascii NOT NULL,
  wn SMALLINT UNSIGNED NOT NULL,
  prefix VARCHAR(64) NOT NULL,
  id INT UNSIGNED NOT NULL,
  k_int BIGINT NULL,
  k_str VARCHAR(501) NULL,
  n INT NOT NULL,
  PRIMARY KEY (sort_key, wn, prefix, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Which stored prefixes have points: chosen with the prefixes (by their
-- count), so that every batch knows them without reading the points.
ALTER TABLE dir_mailbox_wide
  ADD COLUMN IF NOT EXISTS pts TINYINT NOT NULL DEFAULT 0;
