"""Tables of a shared site as its session fixture made them, put back after
every test file (tests/integration/conftest.py, _kept_state): under
pytest-xdist (--dist loadfile) the files that share a site meet in any
order, so no file may see what another one changed, and none may rely on
what another one left.

    kept = Kept(site.db, site.oxtender_db, ("prefs", "queue"))
    kept.restore()      # -> the tables that had changed, now as they were

The copies live in the database kept_<database> of the same server;
CHECKSUM TABLE says which tables changed, so an untouched site costs one
query. Only tables whose rows mean nothing outside the database belong
here: a table that mirrors what the emulator holds (our replication
state) would disagree with it once put back.
"""


class Kept:

    def __init__(self, db, database, tables):
        self.db, self.database = db, database
        self.tables = tuple(tables)
        self.copy = "kept_" + database
        stmts = ["CREATE DATABASE IF NOT EXISTS `%s`;" % self.copy]
        for t in self.tables:
            stmts.append(
                "DROP TABLE IF EXISTS `{c}`.`{t}`;\n"
                "CREATE TABLE `{c}`.`{t}` LIKE `{d}`.`{t}`;\n"
                "INSERT INTO `{c}`.`{t}` SELECT * FROM `{d}`.`{t}`;".format(
                    c=self.copy, d=database, t=t))
        db.sql("\n".join(stmts) + "\n")
        self.sums = self.checksums()

    def checksums(self):
        """{table: checksum} of the tables as they are now."""
        rows = self.db.query("CHECKSUM TABLE " + ", ".join(
            "`%s`.`%s`" % (self.database, t) for t in self.tables))
        return {name.split(".", 1)[1]: value for name, value in rows}

    def restore(self):
        """Puts back the tables changed since they were kept; returns
        their names."""
        now = self.checksums()
        changed = [t for t in self.tables if now[t] != self.sums[t]]
        if changed:
            self.db.sql("SET FOREIGN_KEY_CHECKS = 0;\n" + "".join(
                "DELETE FROM `{d}`.`{t}`;\n"
                "INSERT INTO `{d}`.`{t}` SELECT * FROM `{c}`.`{t}`;\n".format(
                    c=self.copy, d=self.database, t=t) for t in changed))
        return changed
