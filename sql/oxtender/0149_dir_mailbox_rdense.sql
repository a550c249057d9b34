-- 0149: a reseller's dense searches on the Mailboxes page (issue 10). A
-- search that finds nearly all of a reseller's mailboxes ('u', 'user',
-- 'dom' in the bench's data: 10,270 and 10,260 of 10,270) was counted
-- from the reseller's range of the term index per request (COUNT DISTINCT
-- of about 10,000 entries, 6.5 ms of MariaDB at 100k) and a middle page
-- read every match once more to skip half of them (10.7 ms). What is
-- stored instead is what such a search does not find: for each reseller
-- and each stored wide prefix (dir_mailbox_wide) that finds at least
-- OXT_MBDIR_RDENSE_MIN of the reseller's mailboxes and misses at most
-- OXT_MBDIR_RDENSE_MISS_MAX of them when the prefixes are chosen, a row
-- in dir_mailbox_rdense, and in dir_mailbox_rmiss the reseller's
-- mailboxes the prefix does not find (10 for 'dom', none for 'u'). The
-- count is then the reseller's stored number of rows (dir_mailbox_count)
-- less its misses, and a page is the reseller's page without the search
-- (from its page index) with the misses left out (lib/oxt_mblist.c,
-- page_rdense). The replicator is the only writer: every sync batch that
-- writes terms finds its domains' misses again in its transaction; the
-- refresh chooses the prefixes again with the wide ones. A batch that
-- leaves a prefix more than OXT_MBDIR_RDENSE_MISS_MAX misses drops it
-- (a page binds every miss). A prefix not stored here is read as before:
-- slower, still exact.
CREATE TABLE IF NOT EXISTS dir_mailbox_rdense (
  reseller_id INT UNSIGNED NOT NULL,
  n SMALLINT UNSIGNED NOT NULL,
  prefix VARCHAR(64) NOT NULL,
  pattern VARCHAR(200) NOT NULL,
  PRIMARY KEY (reseller_id, n, prefix)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS dir_mailbox_rmiss (
  reseller_id INT UNSIGNED NOT NULL,
  n SMALLINT UNSIGNED NOT NULL,
  prefix VARCHAR(64) NOT NULL,
  id INT UNSIGNED NOT NULL,
  dom_id INT UNSIGNED NOT NULL,
  PRIMARY KEY (reseller_id, n, prefix, id),
  KEY dom (dom_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- When the prefixes were last chosen (one row, id 1; none: not since the
-- wide prefixes were), so that a choice that stored none is not made
-- again on every directory pass.
CREATE TABLE IF NOT EXISTS dir_mailbox_rdense_chosen (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  chosen_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
