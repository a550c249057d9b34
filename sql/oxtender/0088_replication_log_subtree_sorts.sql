-- 0088: every sort of the Logs page inside a subtree in the order of an
-- index. A reseller, client or domain sees its rows through an equality on
-- the owner snapshot its rows carry (reseller_id, client_id, dom_id); the
-- subtree's own index (0005) orders them newest first only, so the other
-- orders and a search by mailbox walked the sort column's index and
-- filtered it by owner (a client's first page in another order took up to
-- 0.4 s at 1,000,000 rows) or sorted the whole subtree (seconds for a deep
-- page). With (owner, sort column, logged_at), and the id InnoDB adds, a
-- page is a walk of one index in its order, a deep page skips entries of
-- that index only (the page's ids are read in a subquery, then their
-- rows), and a search's count is a range of (owner, address) of exactly
-- the rows it matches. docs/architecture.md ("Logs at scale") has the
-- figures and the write cost.
CREATE INDEX IF NOT EXISTS reseller_address ON replication_log (reseller_id, address, logged_at);

CREATE INDEX IF NOT EXISTS reseller_service ON replication_log (reseller_id, service_type, logged_at);

CREATE INDEX IF NOT EXISTS reseller_scheduled ON replication_log (reseller_id, scheduled_by, logged_at);

CREATE INDEX IF NOT EXISTS reseller_outcome ON replication_log (reseller_id, outcome, logged_at);

CREATE INDEX IF NOT EXISTS client_address ON replication_log (client_id, address, logged_at);

CREATE INDEX IF NOT EXISTS client_service ON replication_log (client_id, service_type, logged_at);

CREATE INDEX IF NOT EXISTS client_scheduled ON replication_log (client_id, scheduled_by, logged_at);

CREATE INDEX IF NOT EXISTS client_outcome ON replication_log (client_id, outcome, logged_at);

CREATE INDEX IF NOT EXISTS dom_address ON replication_log (dom_id, address, logged_at);

CREATE INDEX IF NOT EXISTS dom_service ON replication_log (dom_id, service_type, logged_at);

CREATE INDEX IF NOT EXISTS dom_scheduled ON replication_log (dom_id, scheduled_by, logged_at);

CREATE INDEX IF NOT EXISTS dom_outcome ON replication_log (dom_id, outcome, logged_at);
