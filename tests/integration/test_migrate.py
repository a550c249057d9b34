"""`oxtender-replicator -c CONF migrate` creates the oxtender database's
tables from sql/oxtender/NNNN_*.sql, records each in schema_version, is a
no-op the second time, and fails clearly without leaking the password.
"""
import glob
import json
import os
import re
import secrets

import pytest

from harness import env
from harness.mariadb import sql_quote


def migration_files():
    return sorted(glob.glob(os.path.join(env.SQL_DIR,
                                         "[0-9][0-9][0-9][0-9]_*.sql")))


def expected_tables():
    names = set()
    for path in migration_files():
        with open(path) as f:
            names.update(re.findall(
                r"CREATE TABLE IF NOT EXISTS `?(\w+)`?", f.read(), re.I))
    return names


@pytest.fixture
def empty_db(site):
    """A fresh, empty database the oxtender user may use, and a config
    file pointing at it."""
    name = "oxt_migrate_" + secrets.token_hex(4)
    site.db.create_database(name)
    site.db.sql("".join("GRANT ALL PRIVILEGES ON `%s`.* TO %s@%s;\n" % (
        name, sql_quote(site.db_user), sql_quote(h))
        for h in ("127.0.0.1", "localhost")))
    config = site.write_config(os.path.join(site.root, name + ".conf"),
                               oxtender_database=name)
    yield name, config
    site.db.drop_database(name)


def tables(site, db):
    return {r[0] for r in site.db.query(
        "SELECT TABLE_NAME FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = %s" % sql_quote(db))}


def snapshot(site, db):
    """Everything a second migrate must leave alone: columns, indexes,
    schema_version rows and the contents of every table."""
    cols = site.db.query(
        "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, "
        "COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE "
        "TABLE_SCHEMA = %s ORDER BY 1, ORDINAL_POSITION" % sql_quote(db))
    idx = site.db.query(
        "SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME FROM "
        "information_schema.STATISTICS WHERE TABLE_SCHEMA = %s "
        "ORDER BY 1, 2, 3" % sql_quote(db))
    sums = site.db.query("CHECKSUM TABLE %s" % ", ".join(
        "`%s`.`%s`" % (db, t) for t in sorted(tables(site, db))))
    versions = site.db.query("SELECT version, name, applied_at FROM "
                             "schema_version ORDER BY version", db)
    return cols, idx, sums, versions


def test_migrate_creates_tables_and_versions(site, empty_db):
    db, config = empty_db
    assert tables(site, db) == set()
    res = site.replicator("migrate", config=config)
    assert res.returncode == 0, res.stderr
    assert expected_tables() <= tables(site, db), \
        expected_tables() - tables(site, db)
    files = migration_files()
    rows = site.db.query("SELECT version, name FROM schema_version "
                         "ORDER BY version", db)
    assert [int(v) for v, _ in rows] == \
        [int(os.path.basename(f)[:4]) for f in files]
    for (_, name), path in zip(rows, files):
        stem = os.path.basename(path)[5:-4]          # 0001_settings.sql
        assert stem in name, (name, path)


def test_migrate_twice_changes_nothing(site, empty_db):
    db, config = empty_db
    first = site.replicator("--json", "migrate", config=config)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["applied"] == len(migration_files())
    before = snapshot(site, db)
    second = site.replicator("--json", "migrate", config=config)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == {"applied": 0, "database": db}
    assert snapshot(site, db) == before


def test_migrate_text_output(site, empty_db):
    db, config = empty_db
    res = site.replicator("migrate", config=config)
    assert res.returncode == 0, res.stderr
    assert db in res.stdout
    again = site.replicator("migrate", config=config)
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout and "0 migrations" in again.stdout, \
        again.stdout


def test_migrate_completes_a_partial_schema(site, empty_db):
    """A database where only the first migrations ran (or one was cut off
    half-way) is brought up to date by applying the rest."""
    db, config = empty_db
    assert site.replicator("migrate", config=config).returncode == 0
    last = int(os.path.basename(migration_files()[-1])[:4])
    site.db.sql("DELETE FROM schema_version WHERE version = %d" % last, db)
    res = site.replicator("--json", "migrate", config=config)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["applied"] == 1
    assert int(site.db.scalar("SELECT MAX(version) FROM schema_version",
                              db)) == last


def test_migrate_wrong_password(site, empty_db):
    db, _ = empty_db
    password = "wrong-" + secrets.token_hex(8)
    config = site.write_config(os.path.join(site.root, "badpw.conf"),
                               oxtender_database=db, db_password=password)
    res = site.replicator("migrate", config=config, timeout=60)
    assert res.returncode != 0
    assert res.stderr.strip(), "no message on stderr"
    assert re.search(r"denied|password|authenticat", res.stderr, re.I), \
        res.stderr
    assert password not in res.stdout + res.stderr
    assert site.db_password not in res.stdout + res.stderr
    assert tables(site, db) == set()


def test_migrate_no_server(site, empty_db):
    """Nothing listens on the port: a prompt failure that says so."""
    db, _ = empty_db
    port = env.free_port()
    config = site.write_config(os.path.join(site.root, "noserver.conf"),
                               oxtender_database=db, db_port=port,
                               db_connect_timeout=5)
    res = site.replicator("migrate", config=config, timeout=60)
    assert res.returncode != 0
    assert res.stderr.strip(), "no message on stderr"
    assert "127.0.0.1:%d" % port in res.stderr, res.stderr
    assert site.db_password not in res.stdout + res.stderr


def test_migrate_unknown_config_key(site, empty_db):
    db, _ = empty_db
    path = os.path.join(site.root, "badkey.conf")
    site.write_config(path, oxtender_database=db,
                      extra_lines=["no_such_key = 1"])
    res = site.replicator("migrate", config=path)
    assert res.returncode != 0
    assert "no_such_key" in res.stderr and path in res.stderr, res.stderr
    assert tables(site, db) == set()


def test_migrate_refuses_a_newer_database(site, empty_db):
    """A schema_version row above our newest file is a later release's
    database: migrate changes nothing and says so (exit 4), and the
    commands that write refuse too, so older binaries left in place by a
    refused package downgrade cannot damage it."""
    db, config = empty_db
    assert site.replicator("migrate", config=config).returncode == 0
    newer = int(os.path.basename(migration_files()[-1])[:4]) + 1
    site.db.sql("INSERT INTO schema_version (version, name, applied_at) "
                "VALUES (%d, '%04d_later.sql', NOW())" % (newer, newer), db)
    # A file missing in the middle would otherwise be applied now.
    site.db.sql("DELETE FROM schema_version WHERE version = 1", db)
    before = snapshot(site, db)
    res = site.replicator("migrate", config=config)
    assert res.returncode == 4, (res.returncode, res.stderr)
    assert "newer" in res.stderr and "%04d" % newer in res.stderr, res.stderr
    assert "downgrade" in res.stderr, res.stderr
    assert snapshot(site, db) == before
    for command in ("plan", "run"):
        res = site.replicator(command, config=config)
        assert res.returncode == 1, (command, res.returncode, res.stderr)
        assert "newer" in res.stderr, (command, res.stderr)
    assert snapshot(site, db) == before


def test_migrate_exit_code_when_unreachable(site, empty_db):
    """Exit 3 (try again later) only when the server cannot be reached or
    refuses the login; a bad configuration stays exit 1."""
    db, _ = empty_db
    config = site.write_config(os.path.join(site.root, "away.conf"),
                               oxtender_database=db,
                               db_port=env.free_port(), db_connect_timeout=5)
    assert site.replicator("migrate", config=config).returncode == 3
    config = site.write_config(os.path.join(site.root, "denied.conf"),
                               oxtender_database=db,
                               db_password="wrong-" + secrets.token_hex(4))
    assert site.replicator("migrate", config=config).returncode == 3
    path = os.path.join(site.root, "broken.conf")
    site.write_config(path, oxtender_database=db, extra_lines=["nonsense"])
    assert site.replicator("migrate", config=path).returncode == 1
