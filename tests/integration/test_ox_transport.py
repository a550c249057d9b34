"""OX traffic defaults to HTTPS (issue 8, finding 10): the Settings default
and a new install say https, a configured install keeps its value, plain
HTTP to anything but this machine needs ox_allow_plain_http, the
replicator refuses to send credentials without it, and `status` (text and
JSON) and `settings` warn about it. The emulator speaks plain HTTP on
127.0.0.1, which stays allowed.
"""
import glob
import json
import os
import secrets
import shutil

import pytest

from harness import env
from harness.mariadb import sql_quote
from harness.plesk import make_plesk, plesk  # noqa: F401


@pytest.fixture
def fresh_db(site, tmp_path):
    """(database, config for a copy of sql/oxtender without 0012 and
    later, config for all of it)."""
    name = "oxt_https_" + secrets.token_hex(4)
    site.db.create_database(name)
    site.db.sql("".join("GRANT ALL PRIVILEGES ON `%s`.* TO %s@%s;\n" % (
        name, sql_quote(site.db_user), sql_quote(h))
        for h in ("127.0.0.1", "localhost")))
    old = tmp_path / "sql-before-0012"
    old.mkdir()
    for path in glob.glob(os.path.join(env.SQL_DIR, "[0-9]*.sql")):
        if int(os.path.basename(path)[:4]) < 12:
            shutil.copy(path, str(old))
    before = site.write_config(str(tmp_path / "before.conf"),
                               oxtender_database=name, sql_dir=str(old))
    after = site.write_config(str(tmp_path / "after.conf"),
                              oxtender_database=name)
    yield name, before, after
    site.db.drop_database(name)


def https_row(site, config):
    """The values in force (the core's table of settings fills what the
    row leaves NULL, see sql/oxtender/0008)."""
    res = site.replicator("--json", "settings", config=config)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    return got["ox_use_https"], got["ox_allow_plain_http"]


def test_a_new_install_uses_https(site, fresh_db):
    db, _, config = fresh_db
    assert site.replicator("migrate", config=config).returncode == 0
    assert https_row(site, config) == ("1", "0")


def test_an_existing_install_keeps_its_setting(site, fresh_db):
    db, before, after = fresh_db
    assert site.replicator("migrate", config=before).returncode == 0
    # what the release before 0012 wrote (today's replicator reads the
    # columns of every migration, so it does not write an older schema)
    site.db.sql("UPDATE settings SET ox_host = 'ox.example.test',"
                " ox_use_https = 0, updated_at = NOW() WHERE id = 1;", db)
    res = site.replicator("migrate", config=after)
    assert res.returncode == 0, res.stderr
    assert https_row(site, after) == ("0", "0")
    # ... and is told about it
    res = site.replicator("settings", config=after)
    assert "warning: OX traffic to ox.example.test is plain HTTP" \
        in res.stderr, res.stderr


def test_plain_http_to_another_host_is_refused_and_warned(plesk):
    plesk.set_pref("domain", 1, webmail_forever="on")
    # 0.0.0.0 is no loopback name, yet Linux delivers it to the local
    # emulator: the test never leaves this machine
    host = "0.0.0.0:%d" % plesk.sim.port
    plesk.settings_set(ox_host=host)
    res = plesk.repl("run")
    assert res.returncode == 1, plesk.describe(res)
    assert "Refusing to send OX credentials over plain HTTP: OX traffic" \
        " to %s is plain HTTP" % host in res.stderr, res.stderr
    assert "set ox_use_https 1" in res.stderr
    assert plesk.ox_counters()["requests"] == 0
    res = plesk.repl("status")
    assert "warning:  OX traffic to %s is plain HTTP" % host in res.stdout \
        and "replication refuses" in res.stdout, res.stdout
    doc = json.loads(plesk.repl("--json", "status").stdout)
    assert len(doc["warnings"]) == 1 and host in doc["warnings"][0], doc
    # allowed explicitly: replication works, the warning stays
    plesk.settings_set(ox_allow_plain_http=1)
    res = plesk.run()
    assert "5 operations done" in res.stdout, plesk.describe(res)
    doc = json.loads(plesk.repl("--json", "status").stdout)
    assert len(doc["warnings"]) == 1 and "allowed by ox_allow_plain_http" \
        in doc["warnings"][0], doc
    # loopback needs nothing and warns about nothing
    plesk.settings_set(ox_allow_plain_http=0,
                       ox_host="127.0.0.1:%d" % plesk.sim.port)
    doc = json.loads(plesk.repl("--json", "status").stdout)
    assert doc["warnings"] == [], doc
    assert plesk.run().returncode == 0
