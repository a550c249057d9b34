-- 0093: room for the longest display name a mailbox can have. The name
-- sent to OX is "<mail_name>@<domain displayName>" (lib/oxt_desired.c):
-- psa's mail.mail_name is VARCHAR(245) and domains.displayName
-- VARCHAR(255), both counted in characters, so up to 501 characters;
-- 255 refused a long domain name with "Data too long" and stopped the
-- run. The exact value is kept (not a digest), so the comparison with
-- the desired name stays a plain string compare and the pages can show
-- it. VARCHAR lengths count characters in utf8mb4; the 2-byte length
-- prefix is unchanged, so MariaDB widens the column in place.
ALTER TABLE mailbox_state
  MODIFY COLUMN applied_display_name VARCHAR(501) NULL;
