-- 0013: which format the stored secrets are in. Format 2: keys derived
-- per purpose from secret_key_file (sealing, password fingerprints), and
-- every sealed value (settings.ox_password_enc,
-- domain_state.admin_password_enc) bound to its row. Values of format 1
-- are converted by "oxtender-replicator migrate" right after the SQL
-- migrations (it needs the key file, which SQL cannot read); replication
-- waits until version is 2.
CREATE TABLE IF NOT EXISTS secrets_format (
  id TINYINT UNSIGNED NOT NULL DEFAULT 1 PRIMARY KEY,
  version TINYINT UNSIGNED NOT NULL DEFAULT 1,
  converted_at DATETIME NULL,
  CONSTRAINT secrets_format_one_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO secrets_format (id, version) VALUES (1, 1);
