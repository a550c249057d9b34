-- 0007: what the replicator needs beyond 0001-0006.
-- The IMAP and SMTP servers last sent to OX, so that a change on the
-- Settings page reaches every replicated user; and whether the OX server
-- accepts non-ASCII login mappings (the user guide's IDN note: off until
-- the admin has widened CHECK_CONTEXT_LOGIN_MAPPING_REGEX on OX).

ALTER TABLE mailbox_state ADD COLUMN IF NOT EXISTS applied_imap_server VARCHAR(300) NULL AFTER applied_password_fp;

ALTER TABLE mailbox_state ADD COLUMN IF NOT EXISTS applied_smtp_server VARCHAR(300) NULL AFTER applied_imap_server;

ALTER TABLE settings ADD COLUMN IF NOT EXISTS ox_unicode_mappings TINYINT(1) NOT NULL DEFAULT 0 AFTER ox_master_override;
