-- 0106: room for the longest mailbox address psa can hold, everywhere we
-- store one. An address is "<mail_name>@<domain name>": psa's
-- mail.mail_name is VARCHAR(245) and domains.name VARCHAR(255), so up to
-- 501 characters (the mail RFCs' 254 bytes is not a limit psa enforces);
-- 255 refused a 246-character one with "Data too long" and stopped every
-- run and the directory's sync at that mailbox. The context admin's
-- address is "<admin_login>@<context name>", both up to 255: 511.
-- Widened in place (the 2-byte length prefix is unchanged); the indexes
-- that hold these columns stay under InnoDB's 3072-byte key limit
-- (501 utf8mb4 characters are 2004 bytes).
ALTER TABLE mailbox_state
  MODIFY COLUMN applied_address VARCHAR(501) NULL,
  MODIFY COLUMN ox_primary_email VARCHAR(501) NULL;

ALTER TABLE domain_state
  MODIFY COLUMN applied_admin_address VARCHAR(511) NULL;

ALTER TABLE replication_log
  MODIFY COLUMN address VARCHAR(501) NOT NULL;

ALTER TABLE dir_mailbox
  MODIFY COLUMN name VARCHAR(501) NOT NULL;

ALTER TABLE dir_mailbox_term
  MODIFY COLUMN term VARCHAR(501) NULL;

ALTER TABLE dir_mailbox_page
  MODIFY COLUMN k_str VARCHAR(501) NULL;
