-- 0115: the stored count of every wide search of the whole server (the
-- admin's Mailboxes page: a prefix that finds more than
-- OXT_MBDIR_WIDE_MIN mailboxes, lib/oxt_mbdir.h), so that the page of
-- such a search does not count a range of dir_mailbox_term with
-- COUNT(DISTINCT) per request (a tenth of the server at 1M is 111,112
-- index entries). n is the prefix's length in characters, pattern its
-- LIKE pattern (the prefix escaped with '!', then '%'), cnt the number
-- of mailboxes with a term that matches it, exactly what the search
-- lists. Found again from the terms whenever the directory is recounted
-- (a first fill, bulk writes, drift) and kept exact in between by every
-- sync batch (the mailboxes whose terms changed, counted before and
-- after). A prefix that is not here is counted from the terms as
-- before. Written by lib/oxt_mbdir.c only.
CREATE TABLE IF NOT EXISTS dir_mailbox_wide (
  n SMALLINT UNSIGNED NOT NULL,
  prefix VARCHAR(64) NOT NULL,
  pattern VARCHAR(200) NOT NULL,
  cnt BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (n, prefix)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
