-- 0020: the directory behind the Resellers, Clients and Domains lists
-- (lib/oxt_dir.h). psa is Plesk's and gets no index of ours, so what the
-- lists sort, count and search by is copied here by the replicator (every
-- full pass, and the domains and accounts of every hint it works) and
-- read by the pages. Names, suspension and ownership of the rows a page
-- shows are read from psa itself; these tables only order and count.
-- sync_key is the last synchronisation with OX in seconds since 1970 (0:
-- never), NOT NULL so that it can be sought in an index.

-- Resellers and clients (psa.clients). reseller_id: a client's reseller
-- (0 when the admin owns it, always on Plesk 8); a reseller's own id.
-- clients: a reseller's clients; domains: a reseller's own and its
-- clients' domains, a client's own. Mailbox counts are over the same
-- domains: mbox_total the psa mailboxes, mbox_ox those replicated, by
-- service type in ox_webmail, ox_standard, ox_premium.
CREATE TABLE IF NOT EXISTS dir_account (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  kind ENUM('reseller','client') NOT NULL,
  reseller_id INT UNSIGNED NOT NULL DEFAULT 0,
  name VARCHAR(255) NOT NULL,
  clients INT UNSIGNED NOT NULL DEFAULT 0,
  domains INT UNSIGNED NOT NULL DEFAULT 0,
  mbox_total INT UNSIGNED NOT NULL DEFAULT 0,
  mbox_ox INT UNSIGNED NOT NULL DEFAULT 0,
  ox_webmail INT UNSIGNED NOT NULL DEFAULT 0,
  ox_standard INT UNSIGNED NOT NULL DEFAULT 0,
  ox_premium INT UNSIGNED NOT NULL DEFAULT 0,
  sync_key BIGINT UNSIGNED NOT NULL DEFAULT 0,
  KEY a_name (kind, name, id),
  KEY a_modified (kind, sync_key, id),
  KEY a_clients (kind, clients, id),
  KEY a_domains (kind, domains, id),
  KEY a_mailboxes (kind, mbox_total, id),
  KEY r_name (reseller_id, kind, name, id),
  KEY r_modified (reseller_id, kind, sync_key, id),
  KEY r_domains (reseller_id, kind, domains, id),
  KEY r_mailboxes (reseller_id, kind, mbox_total, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Domains (psa.domains). owner_id is domains.cl_id; client_id the owning
-- client (0 when a reseller or the admin owns the domain itself);
-- reseller_id the reseller of the chain (0: none). name is the display
-- name (the Unicode form of an IDN).
CREATE TABLE IF NOT EXISTS dir_domain (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  owner_id INT UNSIGNED NOT NULL DEFAULT 0,
  client_id INT UNSIGNED NOT NULL DEFAULT 0,
  reseller_id INT UNSIGNED NOT NULL DEFAULT 0,
  name VARCHAR(255) NOT NULL,
  mail_off TINYINT(1) NOT NULL DEFAULT 0,
  mbox_total INT UNSIGNED NOT NULL DEFAULT 0,
  mbox_ox INT UNSIGNED NOT NULL DEFAULT 0,
  ox_webmail INT UNSIGNED NOT NULL DEFAULT 0,
  ox_standard INT UNSIGNED NOT NULL DEFAULT 0,
  ox_premium INT UNSIGNED NOT NULL DEFAULT 0,
  sync_key BIGINT UNSIGNED NOT NULL DEFAULT 0,
  KEY a_name (name, id),
  KEY a_mail (mail_off, id),
  KEY a_modified (sync_key, id),
  KEY a_mailboxes (mbox_total, id),
  KEY r_name (reseller_id, name, id),
  KEY r_mail (reseller_id, mail_off, id),
  KEY r_modified (reseller_id, sync_key, id),
  KEY r_mailboxes (reseller_id, mbox_total, id),
  KEY c_name (client_id, name, id),
  KEY c_mail (client_id, mail_off, id),
  KEY c_modified (client_id, sync_key, id),
  KEY c_mailboxes (client_id, mbox_total, id),
  KEY owner (owner_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Search: every start of a word of a row's name a person would type
-- ("Charles Watson": "Charles Watson", "Watson"; "shop.dom1.example":
-- itself and "dom1.example"), matched with LIKE 'typed%' on an index,
-- case- and accent-insensitive (the collation). reseller_id and client_id
-- are the row's scope, so a reseller's search reads its own part only.
CREATE TABLE IF NOT EXISTS dir_term (
  list ENUM('reseller','client','domain') NOT NULL,
  id INT UNSIGNED NOT NULL,
  term VARCHAR(255) NOT NULL,
  reseller_id INT UNSIGNED NOT NULL DEFAULT 0,
  client_id INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (list, id, term),
  KEY a_term (list, term, id),
  KEY r_term (list, reseller_id, term, id),
  KEY c_term (list, client_id, term, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- How many rows each list has in all (the admin's view without a filter);
-- a reseller's and a client's counts are the clients/domains columns of
-- dir_account.
CREATE TABLE IF NOT EXISTS dir_total (
  list ENUM('reseller','client','domain') NOT NULL PRIMARY KEY,
  n INT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO dir_total (list, n) VALUES ('reseller', 0), ('client', 0), ('domain', 0);

-- The page index: for a long list (one scope of one list in one sort
-- order), about every 1000th row with its exact position, so a deep page
-- starts with a seek in the list's index instead of skipping rows.
-- Positions are kept exact as rows come, go and move (lib/oxt_dir.c);
-- the spacing drifts until the next full pass rebuilds it. k_int or k_str
-- is the row's sort value (with id as the tie-break).
CREATE TABLE IF NOT EXISTS dir_page (
  list ENUM('reseller','client','domain') NOT NULL,
  scope ENUM('all','reseller','client') NOT NULL,
  scope_id INT UNSIGNED NOT NULL DEFAULT 0,
  sort_key VARCHAR(16) CHARACTER SET ascii NOT NULL,
  id INT UNSIGNED NOT NULL,
  pos INT UNSIGNED NOT NULL,
  k_int BIGINT NULL,
  k_str VARCHAR(255) NULL,
  PRIMARY KEY (list, scope, scope_id, sort_key, id),
  KEY pos (list, scope, scope_id, sort_key, pos)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
