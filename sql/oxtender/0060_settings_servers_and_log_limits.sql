-- 0060: the Settings page's mail servers as the page shows them, one text
-- column each ("host[:port]", an IPv6 address in brackets, the port left
-- out when it is the default: 143 for IMAP, 25 for SMTP), in place of
-- separate host and port columns; and how long replication logs are kept
-- (days, and a cap on rows), enforced by the replicator. NULL means the
-- default of the core's table of settings (0008).

ALTER TABLE settings ADD COLUMN IF NOT EXISTS imap_server VARCHAR(300) NULL DEFAULT NULL AFTER debug_api;

ALTER TABLE settings ADD COLUMN IF NOT EXISTS smtp_server VARCHAR(300) NULL DEFAULT NULL AFTER imap_server;

ALTER TABLE settings ADD COLUMN IF NOT EXISTS log_retention_days SMALLINT UNSIGNED NULL DEFAULT NULL AFTER queue_max_attempts;

ALTER TABLE settings ADD COLUMN IF NOT EXISTS log_max_rows INT UNSIGNED NULL DEFAULT NULL AFTER log_retention_days;

-- A configured host keeps its port (written only when it is not the
-- default); a port without a host meant nothing and is dropped. The old
-- columns go in 0061, so this file can run again if it is interrupted.
UPDATE settings SET imap_server = CONCAT(
    IF(imap_host LIKE '%:%:%', CONCAT('[', imap_host, ']'), imap_host),
    IF(imap_port IS NULL OR imap_port = 143, '', CONCAT(':', imap_port)))
  WHERE imap_server IS NULL AND imap_host IS NOT NULL AND imap_host <> '';

UPDATE settings SET smtp_server = CONCAT(
    IF(smtp_host LIKE '%:%:%', CONCAT('[', smtp_host, ']'), smtp_host),
    IF(smtp_port IS NULL OR smtp_port = 25, '', CONCAT(':', smtp_port)))
  WHERE smtp_server IS NULL AND smtp_host IS NOT NULL AND smtp_host <> '';
