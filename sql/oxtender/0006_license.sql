-- 0006: the License page. One row (id = 1). NULL limits mean unlimited.
-- mailbox_limit is the total number of Plesk mailboxes the product may see
-- (2,000 for the basic key, per the guide); non_webmail_limit caps
-- Groupware mailboxes when free_usage is 0 (50/150/250 by key type).

CREATE TABLE IF NOT EXISTS license (
  id TINYINT UNSIGNED NOT NULL DEFAULT 1 PRIMARY KEY,
  key_number VARCHAR(64) NULL,
  key_blob MEDIUMBLOB NULL,
  activation_code VARCHAR(255) NULL,
  status ENUM('none','valid','invalid','expired','wrong_ip') NOT NULL DEFAULT 'none',
  status_text VARCHAR(255) NULL,
  ownership ENUM('evaluation','owned','leased') NULL,
  issued_for_ip VARCHAR(45) NULL,
  max_domains INT UNSIGNED NULL,
  mailbox_limit INT UNSIGNED NULL DEFAULT 2000,
  non_webmail_limit INT UNSIGNED NULL,
  premium TINYINT(1) NOT NULL DEFAULT 0,
  free_usage TINYINT(1) NOT NULL DEFAULT 0,
  expires_on DATE NULL,
  sus_expires_on DATE NULL,
  renewed_on DATE NULL,
  last_server_answer TEXT NULL,
  last_server_query_at DATETIME NULL,
  updated_at DATETIME NULL,
  CONSTRAINT license_one_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO license (id) VALUES (1);
