-- 0082: the directory behind the Mailboxes page (lib/oxt_mbdir.h). psa
-- cannot sort, count or search a million mailboxes by what the page
-- shows (service type, language, last replication, why not replicable)
-- and gets no index of ours, so the replicator copies what the page
-- orders, counts and searches by here (every full pass, the domains of
-- every hint it works, and the mailboxes of a Change Service at once).
-- What the page shows of each row, and whether the row is the caller's
-- at all, is still read from psa and mailbox_state with the page: these
-- tables only order, count and find.

-- One row per psa mailbox. The values are those of the page's columns
-- (lib/oxt_mblist.c): mail_on "Active", service the oxt_service_t in
-- effect (0-based), pending the one waiting for the replicator (NULL:
-- none), language the catalogue name and timezone the zone in OX ('':
-- not in OX, first like the page's NULL), sync_key the last replication
-- in seconds since 1970 (0: never), tick the OX Service tick in effect,
-- reason why it cannot be replicated ('': nothing stops it), in_ox
-- replicated (ox=1). The sort columns are NOT NULL so that a page can
-- start at a (value, id) of the page index below.
-- Owner chain: client_id (0: none) and reseller_id (0: none, always on
-- Plesk 8). Each sort has an index for the whole server and one per
-- reseller; a client's and a domain's few rows are sorted from theirs.
CREATE TABLE IF NOT EXISTS dir_mailbox (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  dom_id INT UNSIGNED NOT NULL,
  client_id INT UNSIGNED NOT NULL DEFAULT 0,
  reseller_id INT UNSIGNED NOT NULL DEFAULT 0,
  name VARCHAR(255) NOT NULL,
  mail_on TINYINT(1) NOT NULL DEFAULT 0,
  service TINYINT NOT NULL DEFAULT 0,
  pending TINYINT NULL,
  language VARCHAR(64) NOT NULL DEFAULT '',
  timezone VARCHAR(64) NOT NULL DEFAULT '',
  sync_key BIGINT UNSIGNED NOT NULL DEFAULT 0,
  tick TINYINT(1) NOT NULL DEFAULT 0,
  reason VARCHAR(32) NOT NULL DEFAULT '',
  in_ox TINYINT(1) NOT NULL DEFAULT 0,
  KEY a_name (name, id),
  KEY a_mail (mail_on, id),
  KEY a_service (service, id),
  KEY a_language (language, id),
  KEY a_timezone (timezone, id),
  KEY a_modified (sync_key, id),
  KEY a_tick (tick, id),
  KEY a_reason (reason, id),
  KEY o_name (in_ox, name, id),
  KEY o_modified (in_ox, sync_key, id),
  KEY r_name (reseller_id, name, id),
  KEY r_mail (reseller_id, mail_on, id),
  KEY r_service (reseller_id, service, id),
  KEY r_language (reseller_id, language, id),
  KEY r_timezone (reseller_id, timezone, id),
  KEY r_modified (reseller_id, sync_key, id),
  KEY r_tick (reseller_id, tick, id),
  KEY r_reason (reseller_id, reason, id),
  KEY c_name (client_id, name, id),
  KEY d_name (dom_id, name, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Search: the starts of a mailbox a person would type, matched with
-- LIKE 'typed%' on an index (case- and accent-insensitive): kind 0 the
-- address, 1 the domain part, 2 the local part after its first '.', '-'
-- or '_' ("smith" of john.smith@), 3 the domain's display name when it
-- differs (an IDN's Unicode form). term NULL: the kind does not apply.
-- The owner columns scope a reseller's, client's or domain's search.
CREATE TABLE IF NOT EXISTS dir_mailbox_term (
  id INT UNSIGNED NOT NULL,
  kind TINYINT UNSIGNED NOT NULL,
  term VARCHAR(255) NULL,
  dom_id INT UNSIGNED NOT NULL,
  client_id INT UNSIGNED NOT NULL DEFAULT 0,
  reseller_id INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (id, kind),
  KEY a_term (term, id),
  KEY r_term (reseller_id, term, id),
  KEY c_term (client_id, term, id),
  KEY d_term (dom_id, term, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The stored counts: mailboxes (n) and replicated ones (n_ox) of the
-- whole server (scope 'all', scope_id 0), of each reseller, client and
-- domain; kept by the sync with each batch's differences, recounted
-- exactly at the end of every full pass.
CREATE TABLE IF NOT EXISTS dir_mailbox_count (
  scope ENUM('all','reseller','client','domain') NOT NULL,
  scope_id INT UNSIGNED NOT NULL,
  n BIGINT NOT NULL DEFAULT 0,
  n_ox BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, scope_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The page index: for the long lists (the whole server, ox=1 of the
-- whole server, each reseller's), about every 1000th row in each sort
-- order (ascending, id the tie-break) with the number of rows before it,
-- so a deep page seeks to the nearest point below it and skips fewer
-- than 1000 rows instead of 99,975. k_int or k_str is the sort value of
-- the point. Kept exact by every sync (the batch's rows counted before
-- and after each point) and rebuilt, evenly spaced, after every full
-- pass (lib/oxt_mbdir.c).
CREATE TABLE IF NOT EXISTS dir_mailbox_page (
  scope ENUM('all','ox','reseller') NOT NULL,
  scope_id INT UNSIGNED NOT NULL,
  sort_key VARCHAR(16) CHARACTER SET ascii NOT NULL,
  pos INT UNSIGNED NOT NULL,
  k_int BIGINT NULL,
  k_str VARCHAR(255) NULL,
  id INT UNSIGNED NOT NULL,
  PRIMARY KEY (scope, scope_id, sort_key, pos)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
