-- 0040: what replication against a strict OX needs to remember.
--
-- domain_state.admin_user_id: the OX user id of the context's admin
-- (OXContextService.getAdminId), learned before the first change or
-- delete of a user in the context, so that no user operation ever writes
-- to or deletes the admin. NULL: not asked yet.
-- domain_state.applied_admin_address: the address last given to the
-- context admin (its primary address, email1, default sender and only
-- alias); it follows the domain's name. Contexts made before this
-- migration got admin_login@context_name at creation, which is what is
-- filled in here; a context renamed since kept its old address, which
-- reconcile now reports and repairs.
-- mailbox_state.ox_primary_email: the primary address OX keeps for a user
-- whose rename it refused (PRIMARY_MAIL_UNCHANGEABLE): the new address is
-- then one of the user's aliases, and applied_address says what Plesk
-- has. NULL: OX's primary address is applied_address.
-- run_summary: every OX operation counted per kind and outcome
-- (lib/oxt_replog.h, oxt_run_op_t), not only the mailbox operations per
-- service type.
ALTER TABLE domain_state ADD COLUMN IF NOT EXISTS admin_user_id INT UNSIGNED NULL AFTER admin_password_enc;

ALTER TABLE domain_state ADD COLUMN IF NOT EXISTS applied_admin_address VARCHAR(255) NULL AFTER admin_user_id;

UPDATE domain_state SET applied_admin_address = CONCAT(admin_login, '@', context_name) WHERE applied_admin_address IS NULL AND ox_context_id IS NOT NULL AND admin_login IS NOT NULL AND context_name IS NOT NULL;

ALTER TABLE mailbox_state ADD COLUMN IF NOT EXISTS ox_primary_email VARCHAR(255) NULL AFTER applied_address;

ALTER TABLE run_summary ADD COLUMN IF NOT EXISTS context_create_ok INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS context_create_failed INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS context_change_ok INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS context_change_failed INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS context_delete_ok INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS context_delete_failed INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS admin_change_ok INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS admin_change_failed INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS user_create_ok INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS user_create_failed INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS user_change_ok INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS user_change_failed INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS user_access_ok INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS user_access_failed INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS user_delete_ok INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS user_delete_failed INT UNSIGNED NOT NULL DEFAULT 0;
