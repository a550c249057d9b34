-- 0005: the Logs page. One replication_log row per mailbox operation, with
-- a snapshot of the address and owner chain so that the row stays readable
-- after the mailbox is renamed or deleted, and so that a reseller, client
-- or domain sees only its own rows through an index.

CREATE TABLE IF NOT EXISTS run_summary (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  automatic TINYINT(1) NOT NULL DEFAULT 1,
  started_at DATETIME NOT NULL,
  finished_at DATETIME NULL,
  status ENUM('running','finished','aborted') NOT NULL DEFAULT 'running',
  webmail_ok INT UNSIGNED NOT NULL DEFAULT 0,
  webmail_failed INT UNSIGNED NOT NULL DEFAULT 0,
  standard_ok INT UNSIGNED NOT NULL DEFAULT 0,
  standard_failed INT UNSIGNED NOT NULL DEFAULT 0,
  premium_ok INT UNSIGNED NOT NULL DEFAULT 0,
  premium_failed INT UNSIGNED NOT NULL DEFAULT 0,
  KEY last_run (automatic, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- scheduled_by is 'Automatic' or the Plesk user's name who asked for it.
-- debug_request/debug_response hold the SOAP exchange with every password
-- masked, only when "Debug API requests" is on (NULL otherwise).
CREATE TABLE IF NOT EXISTS replication_log (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  logged_at DATETIME NOT NULL,
  run_id BIGINT UNSIGNED NULL,
  mail_id INT UNSIGNED NULL,
  address VARCHAR(255) NOT NULL,
  dom_id INT UNSIGNED NULL,
  domain_name VARCHAR(255) NOT NULL DEFAULT '',
  client_id INT UNSIGNED NOT NULL DEFAULT 0,
  reseller_id INT UNSIGNED NOT NULL DEFAULT 0,
  service_type ENUM('webmail','groupware_standard','groupware_premium') NULL,
  scheduled_by VARCHAR(255) NOT NULL DEFAULT 'Automatic',
  operation ENUM('create','update','rename','delete','enable','disable','adopt','skip') NOT NULL,
  outcome ENUM('success','failure') NOT NULL,
  reason TEXT NULL,
  debug_request MEDIUMTEXT NULL,
  debug_response MEDIUMTEXT NULL,
  KEY logged_at (logged_at),
  KEY address (address, logged_at),
  KEY mailbox (mail_id, logged_at),
  KEY dom (dom_id, logged_at),
  KEY client (client_id, logged_at),
  KEY reseller (reseller_id, logged_at),
  KEY run (run_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
