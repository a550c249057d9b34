-- 0113: the stored counts of wide searches of the Resellers, Clients and
-- Domains lists (lib/oxt_dirpre.h). A search's count is the number of
-- rows with a term that starts with what was typed (dir_term, LIKE
-- 'typed%'); for a prefix that finds many rows, counting them at every
-- request costs as much as the rows it finds, so the count is kept here.
-- prefix is the search as looked up: what was typed, its ASCII letters
-- in lower case, compared byte for byte; pat is its LIKE pattern (the
-- same one the page's own count would use), so that a sync batch moves
-- n by the rows it adds to or removes from that pattern's matches. The
-- set of prefixes (every one that finds more than dir_prefix_min.n rows
-- of its scope) is chosen again by `oxtender-replicator directory` and by
-- a pass after enough rows changed their terms; between, the counts are
-- moved by every sync batch.
CREATE TABLE IF NOT EXISTS dir_prefix (
  list ENUM('reseller','client','domain') NOT NULL,
  scope ENUM('all','reseller','client') NOT NULL,
  scope_id INT UNSIGNED NOT NULL DEFAULT 0,
  prefix VARBINARY(1020) NOT NULL,
  pat VARCHAR(520) NOT NULL,
  n INT NOT NULL DEFAULT 0,
  PRIMARY KEY (list, scope, scope_id, prefix)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row: how many rows a prefix must find to have its count kept (n;
-- a narrower search counts its rows at each request, which is cheap),
-- and how many rows had their terms rewritten (added, removed, renamed,
-- moved to another owner) since the prefixes were last chosen (moved: a
-- pass chooses them again once it exceeds n / 2, so that a prefix counted
-- live never finds more than about 1.5 n rows). The row is also the lock
-- a sync batch (its UPDATE of moved) and the rebuild take before they
-- touch dir_prefix, so that no batch moves a count the rebuild replaces.
CREATE TABLE IF NOT EXISTS dir_prefix_min (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  n INT UNSIGNED NOT NULL DEFAULT 2000,
  moved INT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO dir_prefix_min (id, n, moved) VALUES (1, 2000, 0);
