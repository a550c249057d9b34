-- 0132: the page index of the wide searches of the Resellers, Clients and
-- Domains lists (lib/oxt_dir.c, "the wide searches' points"). For every
-- stored prefix (dir_prefix) and every sort of its scope, and for every
-- point of that scope's page index in that sort (dir_page: about every
-- 1,000th row), how many rows the prefix finds before the point (n). A
-- page of such a search is then the last point with n at most the page's
-- position, a seek there in the sort's own index and a walk of the
-- entries up to the next point that holds the page's end, each checked
-- against the row's terms: bounded by the points' spacing, whatever the
-- matches' density or bunching. The replicator is the only writer: the
-- sync that moves a point's position moves these counts in the same
-- transaction (a row that joins or leaves a prefix's matches, or moves
-- in its order, moves the counts of the points after it), and every
-- rebuild of a group of dir_page, or of dir_prefix, makes them again. A
-- prefix or group without rows here is read as before (its matches
-- joined and sorted): slower, still exact.
CREATE TABLE IF NOT EXISTS dir_prefix_page (
  list ENUM('reseller','client','domain') NOT NULL,
  scope ENUM('all','reseller','client') NOT NULL,
  scope_id INT UNSIGNED NOT NULL DEFAULT 0,
  prefix VARBINARY(1020) NOT NULL,
  sort_key VARCHAR(16) CHARACTER SET ascii NOT NULL,
  id INT UNSIGNED NOT NULL,
  n INT NOT NULL,
  PRIMARY KEY (list, scope, scope_id, sort_key, prefix, id),
  KEY at_n (list, scope, scope_id, sort_key, prefix, n)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
