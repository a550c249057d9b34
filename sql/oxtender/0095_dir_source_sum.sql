-- The sums of the source rows (psa's mail, domains, DomainServices and
-- clients, our mailbox_state, prefs and ox_language) that the
-- directories of the lists and the Mailboxes page were last brought in
-- line with, per bucket of domain ids (lib/oxt_dirsum.h); bucket -1 is
-- what every bucket depends on. A full pass compares only the buckets
-- whose sums moved. Written by lib/oxt_dirsum.c only; emptying it makes
-- the next pass compare everything.
CREATE TABLE IF NOT EXISTS dir_source_sum (
  bucket BIGINT NOT NULL PRIMARY KEY,
  x BIGINT UNSIGNED NOT NULL,
  s BIGINT UNSIGNED NOT NULL,
  n BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
