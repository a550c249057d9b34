-- 0085: a reseller's own domains in the directory (client_id 0 within
-- its reseller_id), for the reseller's Service Utilization Report
-- (lib/oxt_report.c): its count and its page by name are an index range
-- of this key, where the per-scope keys of 0020 would read every domain
-- of the reseller (r_*) or every domain no client owns (c_*).
CREATE INDEX IF NOT EXISTS rc_name ON dir_domain (reseller_id, client_id, name, id);
