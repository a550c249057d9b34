-- 0070: signed license keys and the limits they impose (docs/license.md).
-- The row of 0006 now holds the key in force as uploaded (key_blob, the
-- exact signed text: the replicator and the module verify it again on
-- every load, so the parsed columns are only a copy for people), its tier,
-- who put it in force, and what the replicator last counted: Plesk
-- mailboxes (the 2,000-mailbox rule), Groupware users and domains in OX,
-- and the mailboxes it refused per reason, so the pages can tell the
-- restriction and a reached limit from one row.

ALTER TABLE license ADD COLUMN IF NOT EXISTS tier ENUM('10','100','unlimited') NULL AFTER free_usage;

ALTER TABLE license ADD COLUMN IF NOT EXISTS installed_by VARCHAR(255) NULL AFTER updated_at;

ALTER TABLE license ADD COLUMN IF NOT EXISTS last_server_ok TINYINT(1) NULL AFTER last_server_query_at;

ALTER TABLE license ADD COLUMN IF NOT EXISTS usage_plesk_mailboxes INT UNSIGNED NULL;

ALTER TABLE license ADD COLUMN IF NOT EXISTS usage_groupware INT UNSIGNED NULL;

ALTER TABLE license ADD COLUMN IF NOT EXISTS usage_domains INT UNSIGNED NULL;

ALTER TABLE license ADD COLUMN IF NOT EXISTS refused_restricted INT UNSIGNED NOT NULL DEFAULT 0;

ALTER TABLE license ADD COLUMN IF NOT EXISTS refused_domains INT UNSIGNED NOT NULL DEFAULT 0;

ALTER TABLE license ADD COLUMN IF NOT EXISTS refused_premium INT UNSIGNED NOT NULL DEFAULT 0;

ALTER TABLE license ADD COLUMN IF NOT EXISTS refused_groupware INT UNSIGNED NOT NULL DEFAULT 0;

ALTER TABLE license ADD COLUMN IF NOT EXISTS usage_at DATETIME NULL;

-- The replicator's seats (lib/oxt_seats.c): Groupware users in OX in
-- mailbox id order, and the mailboxes waiting for a seat or a domain
-- (status_reason license_*), by mailbox and by domain.
CREATE INDEX IF NOT EXISTS groupware_seat ON mailbox_state (applied_service_type, mail_id);

CREATE INDEX IF NOT EXISTS reason_mail ON mailbox_state (status_reason, mail_id);

CREATE INDEX IF NOT EXISTS reason_dom ON mailbox_state (status_reason, dom_id);
