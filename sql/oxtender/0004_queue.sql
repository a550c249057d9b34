-- 0004: the work queue. One row per object (coalesced hints: a second
-- event for the same object updates the row instead of adding one).
-- Workers claim due rows with
--   SELECT ... WHERE parked = 0 AND not_before <= NOW(3)
--   ORDER BY not_before LIMIT n FOR UPDATE SKIP LOCKED
-- then set lease_owner/lease_until; an expired lease is due again
-- (not_before is moved to lease_until when leasing, so the same index
-- finds it). Failures bump attempts and push not_before (backoff with
-- jitter); after settings.queue_max_attempts the row is parked (dead letter)
-- and shown in Logs with a retry action.
-- object_type + object_id are Plesk ids (mail.id, domains.id, clients.id).

CREATE TABLE IF NOT EXISTS queue (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  object_type ENUM('mailbox','domain','client','reseller','all') NOT NULL,
  object_id INT UNSIGNED NOT NULL,
  reason VARCHAR(64) NOT NULL,
  detail VARCHAR(1024) NULL,
  scheduled_by VARCHAR(255) NOT NULL DEFAULT 'Automatic',
  enqueued_at DATETIME(3) NOT NULL,
  not_before DATETIME(3) NOT NULL,
  attempts SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  lease_owner VARCHAR(128) NULL,
  lease_until DATETIME(3) NULL,
  last_error TEXT NULL,
  parked TINYINT(1) NOT NULL DEFAULT 0,
  parked_at DATETIME NULL,
  UNIQUE KEY object (object_type, object_id),
  KEY due (parked, not_before),
  KEY parked (parked, parked_at),
  KEY lease (lease_owner)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
