-- 0002: per-level preferences (reseller, client, domain, mailbox), keyed by
-- level and Plesk id (clients.id for reseller/client, domains.id, mail.id).
-- A missing row, or NULL in a column, means "inherit from the level above"
-- (mailbox -> domain -> client -> reseller -> settings).

CREATE TABLE IF NOT EXISTS prefs (
  level ENUM('reseller','client','domain','mailbox') NOT NULL,
  plesk_id INT UNSIGNED NOT NULL,
  access TINYINT(1) NOT NULL DEFAULT 0,
  webmail_forever ENUM('inherit','on','off') NOT NULL DEFAULT 'inherit',
  default_quota_mb INT UNSIGNED NULL,
  max_quota_mb INT UNSIGNED NULL,
  language VARCHAR(16) NULL,
  timezone VARCHAR(64) NULL,
  service_type ENUM('webmail','groupware_standard','groupware_premium') NULL,
  webmail_now_at DATETIME NULL,
  webmail_now_by VARCHAR(255) NULL,
  updated_at DATETIME NULL,
  updated_by VARCHAR(255) NULL,
  PRIMARY KEY (level, plesk_id),
  KEY webmail_now (webmail_now_at),
  KEY forever (level, webmail_forever)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
