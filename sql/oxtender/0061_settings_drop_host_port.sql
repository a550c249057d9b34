-- 0061: the separate host and port columns of the mail servers, replaced
-- by imap_server and smtp_server in 0060.

ALTER TABLE settings DROP COLUMN IF EXISTS imap_host, DROP COLUMN IF EXISTS imap_port, DROP COLUMN IF EXISTS smtp_host, DROP COLUMN IF EXISTS smtp_port;
