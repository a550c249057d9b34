-- 0012: OX traffic over HTTPS by default. The OX master password and every
-- mailbox password travel in these requests; plain HTTP to a host other
-- than this machine now needs ox_allow_plain_http (the replicator refuses
-- otherwise, and status warns). Defaults live in the core's table of
-- settings (0008): the new default of ox_use_https is 1 there, which every
-- row nobody configured (NULL) takes; a configured row keeps its value.
ALTER TABLE settings ADD COLUMN IF NOT EXISTS ox_allow_plain_http TINYINT(1) NULL DEFAULT NULL AFTER ox_use_https;
