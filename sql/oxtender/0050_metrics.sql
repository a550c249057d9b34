-- 0050: what monitoring reads (oxtender-replicator metrics and health,
-- the daemon's loopback endpoint, the admin's overview panel).
--
-- The counters are cumulative, so that a separate process can read them:
-- the engine adds to them in the same transaction as the records they
-- count (lib/oxt_store.c), so a crash that makes the next run repeat an
-- operation never counts it twice. kind and operation values are the
-- core's own words (lib/oxt_metrics.c), never text from outside.

CREATE TABLE IF NOT EXISTS metric_operations (
  kind VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  outcome ENUM('success','failure') NOT NULL,
  total BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, outcome)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS metric_soap_faults (
  kind VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  total BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per SOAP operation ("OXUserService.create"): the number of
-- calls, their total time on the wire in microseconds, and how many fell
-- into each bucket of the histogram (per bucket, not cumulative; b_inf
-- holds those above 60 s). The bounds are lib/oxt_metrics.c's.
CREATE TABLE IF NOT EXISTS metric_soap_calls (
  operation VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  calls BIGINT UNSIGNED NOT NULL DEFAULT 0,
  sum_us BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_10ms BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_25ms BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_50ms BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_100ms BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_250ms BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_500ms BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_1s BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_2500ms BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_5s BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_10s BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_30s BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_60s BIGINT UNSIGNED NOT NULL DEFAULT 0,
  b_inf BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row: the last full pass over every domain (a run, or one of the
-- daemon's periodic passes) and the last contact with OX, recorded by the
-- engine once per turn and by "health" when it asks OX itself. Pages show
-- OX as it was then instead of waiting for OX themselves.
CREATE TABLE IF NOT EXISTS replicator_activity (
  id TINYINT UNSIGNED NOT NULL DEFAULT 1 PRIMARY KEY,
  pass_started_at DATETIME NULL,
  pass_ok_at DATETIME NULL,
  pass_failed_at DATETIME NULL,
  ox_contact_at DATETIME(3) NULL,
  ox_reachable TINYINT(1) NULL,
  ox_answered_at DATETIME(3) NULL,
  ox_failure VARCHAR(255) NULL,
  ox_contact_by ENUM('replicator','health') NULL,
  CONSTRAINT replicator_activity_one_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO replicator_activity (id) VALUES (1);
