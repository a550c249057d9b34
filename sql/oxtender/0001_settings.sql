-- 0001: migration bookkeeping, the Settings page and the OX language list.
-- Rules for every migration file: see README.md (idempotent, one statement
-- ends with ';' at the end of a line, no DELIMITER, InnoDB + utf8mb4).

CREATE TABLE IF NOT EXISTS schema_version (
  version INT NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  applied_at DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row (id = 1): typed columns, so every field is checked by the server
-- and read with one primary-key look-up per request.
-- Language and time zone hold an OX value ('en_US', 'Europe/Bucharest') or
-- the word 'plesk': "Plesk language on replicated accounts" / "Plesk server
-- time zone", resolved when a mailbox is replicated.
CREATE TABLE IF NOT EXISTS settings (
  id TINYINT UNSIGNED NOT NULL DEFAULT 1 PRIMARY KEY,
  ox_connection_type ENUM('standalone','reseller') NOT NULL DEFAULT 'standalone',
  ox_host VARCHAR(255) NOT NULL DEFAULT '',
  ox_use_https TINYINT(1) NOT NULL DEFAULT 0,
  ox_username VARCHAR(255) NOT NULL DEFAULT '',
  ox_password_enc VARBINARY(1024) NULL,
  ox_master_override TINYINT(1) NOT NULL DEFAULT 0,
  soap_timeout_s SMALLINT UNSIGNED NOT NULL DEFAULT 30,
  debug_api TINYINT(1) NOT NULL DEFAULT 0,
  imap_host VARCHAR(255) NOT NULL DEFAULT '',
  imap_port SMALLINT UNSIGNED NOT NULL DEFAULT 143,
  smtp_host VARCHAR(255) NOT NULL DEFAULT '',
  smtp_port SMALLINT UNSIGNED NOT NULL DEFAULT 25,
  default_quota_mb INT UNSIGNED NOT NULL DEFAULT 100,
  default_language VARCHAR(16) NOT NULL DEFAULT 'plesk',
  default_timezone VARCHAR(64) NOT NULL DEFAULT 'plesk',
  default_service_type ENUM('webmail','groupware_standard','groupware_premium') NOT NULL DEFAULT 'webmail',
  auto_delete TINYINT(1) NOT NULL DEFAULT 0,
  queue_max_attempts SMALLINT UNSIGNED NOT NULL DEFAULT 10,
  updated_at DATETIME NULL,
  updated_by VARCHAR(255) NULL,
  CONSTRAINT settings_one_row CHECK (id = 1),
  CONSTRAINT settings_ports CHECK (imap_port > 0 AND smtp_port > 0),
  CONSTRAINT settings_timeout CHECK (soap_timeout_s BETWEEN 1 AND 3600)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO settings (id) VALUES (1);

-- OX access combination (ModuleAccessDefinitions name) per service type,
-- editable on the Settings page.
CREATE TABLE IF NOT EXISTS service_type (
  code ENUM('webmail','groupware_standard','groupware_premium') NOT NULL PRIMARY KEY,
  label VARCHAR(64) NOT NULL,
  access_combination VARCHAR(64) NOT NULL,
  sort_order TINYINT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO service_type (code, label, access_combination, sort_order) VALUES
  ('webmail', 'Webmail', 'webmail', 1),
  ('groupware_standard', 'Groupware Standard', 'groupware_standard', 2),
  ('groupware_premium', 'Groupware Premium', 'groupware_premium', 3);

-- The OX languages an admin can allow ("OX languages" list); allowed = 1
-- marks the selection offered in every language drop-down.
CREATE TABLE IF NOT EXISTS ox_language (
  code VARCHAR(16) NOT NULL PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  allowed TINYINT(1) NOT NULL DEFAULT 0,
  KEY allowed (allowed, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO ox_language (code, name, allowed) VALUES
  ('ca_ES', 'Catalan (Spain)', 0),
  ('cs_CZ', 'Czech (Czech Republic)', 0),
  ('da_DK', 'Danish (Denmark)', 0),
  ('de_CH', 'German (Switzerland)', 0),
  ('de_DE', 'German (Germany)', 0),
  ('en_GB', 'English (United Kingdom)', 0),
  ('en_US', 'English (United States)', 1),
  ('es_ES', 'Spanish (Spain)', 0),
  ('es_MX', 'Spanish (Mexico)', 0),
  ('fi_FI', 'Finnish (Finland)', 0),
  ('fr_CA', 'French (Canada)', 0),
  ('fr_FR', 'French (France)', 0),
  ('hu_HU', 'Hungarian (Hungary)', 0),
  ('it_IT', 'Italian (Italy)', 0),
  ('ja_JP', 'Japanese (Japan)', 0),
  ('lv_LV', 'Latvian (Latvia)', 0),
  ('nl_NL', 'Dutch (Netherlands)', 0),
  ('pl_PL', 'Polish (Poland)', 0),
  ('pt_BR', 'Portuguese (Brazil)', 0),
  ('ro_RO', 'Romanian (Romania)', 0),
  ('ru_RU', 'Russian (Russia)', 0),
  ('sk_SK', 'Slovak (Slovakia)', 0),
  ('sv_SE', 'Swedish (Sweden)', 0),
  ('tr_TR', 'Turkish (Turkey)', 0),
  ('zh_CN', 'Chinese (China)', 0),
  ('zh_TW', 'Chinese (Taiwan)', 0);
