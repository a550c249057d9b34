-- 0012: OX traffic over HTTPS by default. The OX master password and every
-- mailbox password travel in these requests; plain HTTP to a host other
-- than this machine now needs ox_allow_plain_http (the replicator refuses
-- otherwise, and status warns).
ALTER TABLE settings ALTER COLUMN ox_use_https SET DEFAULT 1;

ALTER TABLE settings ADD COLUMN IF NOT EXISTS ox_allow_plain_http TINYINT(1) NOT NULL DEFAULT 0 AFTER ox_use_https;

-- The row 0001 made for a new install, never changed by anyone (no OX host,
-- no updated_at), takes the new default; a configured row keeps its value.
UPDATE settings SET ox_use_https = 1 WHERE id = 1 AND ox_host = '' AND updated_at IS NULL;
