-- 0144: the stored prefixes' threshold (dir_prefix_min.n, 0113) from
-- 2,000 rows to 500. A search of about a ninth of the 10,000 domains of
-- a 100k server ('dom1', 1,101 matches) was under 2,000: no stored count
-- and no points, so each of its pages counted and joined and sorted every
-- match per request. At 500 such a search has a stored count, and points
-- where its scope has a page index (more than 2,000 rows); the admin's
-- Clients searched by 'c' (1,000 of 1,000) a stored count. What it costs
-- at 1M (docs/architecture.md, "The narrow searches"): 400 stored
-- prefixes instead of 19, 44,760 points instead of 5,080 (about 7 MB).
-- A value set by hand (anything but the old default) is kept. moved at
-- its ceiling makes the prefixes due (more than n / 2 rows rewritten):
-- the next pass chooses them at the new threshold. Without it, a server
-- with prefixes stored at 2,000 kept them until 250 rows had changed,
-- which a quiet one may never see.
UPDATE dir_prefix_min SET n = 500, moved = 4000000000 WHERE id = 1
  AND n = 2000;
