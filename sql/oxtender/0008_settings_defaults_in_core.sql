-- 0008: the Settings' defaults and rules are written once, in the core's
-- table of settings (lib/oxt_settings.c), which every front end uses to
-- load, check and save them. A NULL column now means "the default"; the
-- server keeps the columns' types and sizes only, so no default or range
-- of 0001 and 0007 is repeated here.

ALTER TABLE settings DROP CONSTRAINT IF EXISTS settings_ports;

ALTER TABLE settings DROP CONSTRAINT IF EXISTS settings_timeout;

ALTER TABLE settings
  MODIFY ox_connection_type VARCHAR(16) NULL DEFAULT NULL,
  MODIFY ox_host VARCHAR(255) NULL DEFAULT NULL,
  MODIFY ox_use_https TINYINT(1) NULL DEFAULT NULL,
  MODIFY ox_username VARCHAR(255) NULL DEFAULT NULL,
  MODIFY ox_master_override TINYINT(1) NULL DEFAULT NULL,
  MODIFY ox_unicode_mappings TINYINT(1) NULL DEFAULT NULL,
  MODIFY soap_timeout_s SMALLINT UNSIGNED NULL DEFAULT NULL,
  MODIFY debug_api TINYINT(1) NULL DEFAULT NULL,
  MODIFY imap_host VARCHAR(255) NULL DEFAULT NULL,
  MODIFY imap_port SMALLINT UNSIGNED NULL DEFAULT NULL,
  MODIFY smtp_host VARCHAR(255) NULL DEFAULT NULL,
  MODIFY smtp_port SMALLINT UNSIGNED NULL DEFAULT NULL,
  MODIFY default_quota_mb INT UNSIGNED NULL DEFAULT NULL,
  MODIFY default_language VARCHAR(16) NULL DEFAULT NULL,
  MODIFY default_timezone VARCHAR(64) NULL DEFAULT NULL,
  MODIFY default_service_type VARCHAR(32) NULL DEFAULT NULL,
  MODIFY auto_delete TINYINT(1) NULL DEFAULT NULL,
  MODIFY queue_max_attempts SMALLINT UNSIGNED NULL DEFAULT NULL;

-- A row nobody has changed holds only the old defaults: it now says
-- "defaults", so a default changed in the core reaches it. A row someone
-- changed keeps every value it has.
UPDATE settings SET ox_connection_type = NULL, ox_host = NULL,
  ox_use_https = NULL, ox_username = NULL, ox_master_override = NULL,
  ox_unicode_mappings = NULL, soap_timeout_s = NULL, debug_api = NULL,
  imap_host = NULL, imap_port = NULL, smtp_host = NULL, smtp_port = NULL,
  default_quota_mb = NULL, default_language = NULL, default_timezone = NULL,
  default_service_type = NULL, auto_delete = NULL, queue_max_attempts = NULL
  WHERE updated_at IS NULL;
