-- 0003: what the replicator last applied in OX, per Plesk domain and
-- mailbox. Keys are Plesk ids (stable across renames); OX ids are stored
-- once OX has assigned them. The owner columns (client_id, reseller_id) are
-- a snapshot of the owner chain at the last sync so that the per-level
-- "N Total / M OX" and "Modified" columns are index range scans here,
-- without joining psa for a million rows. reseller_id is 0 when the owner is
-- the admin (or on Plesk 8, which has no resellers).

CREATE TABLE IF NOT EXISTS domain_state (
  dom_id INT UNSIGNED NOT NULL PRIMARY KEY,
  client_id INT UNSIGNED NOT NULL DEFAULT 0,
  reseller_id INT UNSIGNED NOT NULL DEFAULT 0,
  ox_context_id INT UNSIGNED NULL,
  context_name VARCHAR(255) NULL,
  admin_login VARCHAR(255) NULL,
  admin_password_enc VARBINARY(1024) NULL,
  applied_name VARCHAR(255) CHARACTER SET ascii COLLATE ascii_general_ci NULL,
  applied_display_name VARCHAR(255) NULL,
  applied_login_mappings TEXT NULL,
  applied_quota_mb INT UNSIGNED NULL,
  applied_enabled TINYINT(1) NULL,
  status ENUM('pending','ok','error','disabled','deleted') NOT NULL DEFAULT 'pending',
  last_error TEXT NULL,
  last_sync_at DATETIME NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY ox_context_id (ox_context_id),
  KEY client (client_id, last_sync_at),
  KEY reseller (reseller_id, last_sync_at),
  KEY status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- applied_* are the values last sent to OX: the replicator compares them
-- with the desired state to decide which calls to make. The password is
-- never stored: applied_password_fp is a keyed hash (HMAC-SHA-256 with the
-- stored-secrets key) of the password last set, only to detect a change.
-- service_type is the type chosen for the mailbox (what the pages show);
-- pending_service_type is a requested change not applied yet ("Update in
-- progress: ..."). status 'unreplicable' covers crypt/empty passwords and
-- forward-only addresses, with status_reason saying which.
CREATE TABLE IF NOT EXISTS mailbox_state (
  mail_id INT UNSIGNED NOT NULL PRIMARY KEY,
  dom_id INT UNSIGNED NOT NULL,
  client_id INT UNSIGNED NOT NULL DEFAULT 0,
  reseller_id INT UNSIGNED NOT NULL DEFAULT 0,
  ox_context_id INT UNSIGNED NULL,
  ox_user_id INT UNSIGNED NULL,
  applied_mail_name VARCHAR(245) CHARACTER SET ascii COLLATE ascii_general_ci NULL,
  applied_address VARCHAR(255) NULL,
  applied_display_name VARCHAR(255) NULL,
  applied_aliases TEXT NULL,
  applied_service_type ENUM('webmail','groupware_standard','groupware_premium') NULL,
  applied_language VARCHAR(16) NULL,
  applied_timezone VARCHAR(64) NULL,
  applied_quota_mb INT UNSIGNED NULL,
  applied_enabled TINYINT(1) NULL,
  applied_password_fp BINARY(32) NULL,
  service_type ENUM('webmail','groupware_standard','groupware_premium') NOT NULL DEFAULT 'webmail',
  pending_service_type ENUM('webmail','groupware_standard','groupware_premium') NULL,
  status ENUM('pending','replicated','error','unreplicable','disabled','deleted') NOT NULL DEFAULT 'pending',
  status_reason VARCHAR(64) NULL,
  last_error TEXT NULL,
  last_sync_at DATETIME NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY ox_user (ox_context_id, ox_user_id),
  KEY dom (dom_id, status, service_type),
  KEY client (client_id, status, service_type),
  KEY reseller (reseller_id, status, service_type),
  KEY dom_sync (dom_id, last_sync_at),
  KEY client_sync (client_id, last_sync_at),
  KEY reseller_sync (reseller_id, last_sync_at),
  KEY last_sync (last_sync_at),
  KEY status (status, service_type),
  KEY address (applied_address)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
