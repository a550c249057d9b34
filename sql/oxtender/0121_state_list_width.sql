-- 0121: room for long lists in the applied state. A mailbox's applied
-- aliases are every local name (its own and each psa alias) at the domain
-- and at each mail-enabled domain alias, newline-separated; a domain's
-- login mappings are its name and its aliases' names. As TEXT (64 KiB)
-- about 130 aliases of maximum length, or a few hundred of ordinary
-- length on a domain with aliases, were "Data too long": the turn's
-- commit failed and the run stopped for every mailbox after it.
-- MEDIUMTEXT holds 16 MiB. TEXT to MEDIUMTEXT changes the length prefix,
-- so MariaDB rebuilds both tables once.
ALTER TABLE mailbox_state
  MODIFY COLUMN applied_aliases MEDIUMTEXT NULL;

ALTER TABLE domain_state
  MODIFY COLUMN applied_login_mappings MEDIUMTEXT NULL;
