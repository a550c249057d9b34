-- 0062: whether the replicator's daemon is running, for the pages: the
-- daemon writes beat_at every few seconds and stopped_at when it ends, so
-- "Change Service" can say whether a change reaches OX within seconds
-- (the daemon) or at the next cron run. The run lock cannot tell them:
-- it lives in a directory only root may read.
CREATE TABLE IF NOT EXISTS replicator_heartbeat (
  id TINYINT UNSIGNED NOT NULL DEFAULT 1 PRIMARY KEY,
  pid INT UNSIGNED NULL,
  host VARCHAR(255) NULL,
  started_at DATETIME NULL,
  beat_at DATETIME NULL,
  stopped_at DATETIME NULL,
  CONSTRAINT replicator_heartbeat_one_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO replicator_heartbeat (id) VALUES (1);
