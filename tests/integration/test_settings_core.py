"""The Settings page's core (lib/oxt_settings.c, lib/oxt_oxlink.c) against
the real database and the emulator: a posted form checked field by field
with nothing saved unless every field is valid, the same table as the
replicator's `settings` command, the mail servers' migration to
host[:port], and Test connection (up, down, wrong password, a hang past
the wait, a TLS problem, plain HTTP to another machine) without saving
anything. tests/corecli calls the functions a page will.
"""
import json
import os
import shutil
import time

import pytest

from harness import env as hxenv
from harness.plesk import OX_MASTER, make_plesk, plesk  # noqa: F401


def form(px, **changes):
    """The Settings form as a page posts it, filled from what is stored
    (the password field empty), with changes applied (None drops a
    field: an unticked box)."""
    doc = json.loads(px.repl("--json", "settings").stdout)
    fields = {k: doc[k] for k in (
        "ox_connection_type", "ox_host", "ox_username", "soap_timeout_s",
        "imap_server", "smtp_server", "default_quota_mb", "ox_languages",
        "default_language", "default_timezone", "log_retention_days",
        "log_max_rows")}
    fields.update({k: "1" for k in ("ox_use_https", "debug_api",
                                    "auto_delete") if doc[k] == "1"})
    fields["ox_password"] = ""
    fields["csrf_token"] = "page field, not a setting"
    for k, v in changes.items():
        if v is None:
            fields.pop(k, None)
        else:
            fields[k] = str(v)
    return ["%s=%s" % kv for kv in fields.items()]


def stored(px):
    return (px.sql("oxt", "SELECT * FROM settings"),
            px.sql("oxt", "SELECT code, allowed FROM ox_language ORDER BY 1"))


def errors(out):
    return {e["key"]: e["message"] for e in out["errors"]}


def test_a_form_is_saved_only_when_every_field_is_valid(plesk):
    before = stored(plesk)
    cases = [
        (dict(ox_host=""), {"ox_host": "Enter the IP address or host name"
                            " of the OX server."}),
        (dict(ox_username=""), {"ox_username": "Enter the OX username."}),
        (dict(soap_timeout_s="0"), {"soap_timeout_s": "A number of seconds"
                                    " from 1 to 3600."}),
        (dict(imap_server="2001:db8::1"), {"imap_server": None}),
        (dict(imap_server="mail.example.com:0", smtp_server=""),
         {"imap_server": None, "smtp_server": "Enter the Plesk SMTP server"
          " for OX to connect to."}),
        (dict(default_quota_mb="-1"), {"default_quota_mb": None}),
        (dict(ox_languages="en_US,xx_XX"), {"ox_languages": None}),
        (dict(ox_languages="de_DE", default_language="en_US"),
         {"default_language": "Must be one of the OX languages chosen, or"
          " Plesk language on replicated accounts."}),
        (dict(ox_languages="", default_language="ro_RO"),
         {"default_language": None}),
        (dict(default_timezone="Europe/Atlantis"),
         {"default_timezone": None}),
        (dict(log_retention_days="0", log_max_rows="10"),
         {"log_retention_days": None, "log_max_rows": None}),
        (dict(ox_connection_type="hosted"), {"ox_connection_type": None}),
    ]
    for changes, want in cases:
        rc, out = plesk.core("settings-form", *form(plesk, **changes))
        assert rc == 1 and out["saved"] is False, (changes, out)
        got = errors(out)
        assert sorted(got) == sorted(want), (changes, got)
        for key, message in want.items():
            assert message is None or got[key] == message, (key, got)
        assert stored(plesk) == before, changes
    # no password stored and none entered: required
    plesk.exec("oxt", "UPDATE settings SET ox_password_enc = NULL")
    before = stored(plesk)
    rc, out = plesk.core("settings-form", *form(plesk))
    assert errors(out) == {"ox_password": "Enter the OX password."}, out
    assert stored(plesk) == before


def test_the_page_and_the_command_line_save_the_same_settings(plesk):
    rc, out = plesk.core(
        "settings-form", "--by", "Admin Person", *form(
            plesk, imap_server="[2001:db8::143]:993",
            smtp_server="smtp.example.test:25", ox_languages="de_DE,ro_RO",
            default_language="ro_RO", default_timezone="Europe/Bucharest",
            soap_timeout_s=12, debug_api=None, auto_delete=1,
            log_retention_days=30, log_max_rows=5000, default_quota_mb=102))
    assert (rc, out["saved"], out["errors"]) == (0, True, []), out
    doc = json.loads(plesk.repl("--json", "settings").stdout)
    assert {k: doc[k] for k in (
        "imap_server", "smtp_server", "ox_languages", "default_language",
        "default_timezone", "soap_timeout_s", "debug_api", "auto_delete",
        "log_retention_days", "log_max_rows", "default_quota_mb",
        "ox_password_set")} == {
        "imap_server": "[2001:db8::143]:993",
        "smtp_server": "smtp.example.test",       # 25 is the default
        "ox_languages": "de_DE,ro_RO", "default_language": "ro_RO",
        "default_timezone": "Europe/Bucharest", "soap_timeout_s": "12",
        "debug_api": "0", "auto_delete": "1", "log_retention_days": "30",
        "log_max_rows": "5000", "default_quota_mb": "102",
        "ox_password_set": True}, doc
    assert plesk.sql("oxt", "SELECT code FROM ox_language WHERE allowed = 1"
                     " ORDER BY code") == [("de_DE",), ("ro_RO",)]
    assert plesk.scalar("oxt", "SELECT updated_by FROM settings") == \
        "Admin Person"
    # the empty password kept the stored one: replication still works
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.run()
    u = plesk.ox_users("dom1.example")["user1"]
    assert (u["imapServer"], u["imapPort"], u["smtpPort"], u["language"]) == \
        ("[2001:db8::143]", "993", "25", "ro_RO"), u
    # the command line refuses what the page refuses
    res = plesk.repl("settings", "set", "default_language", "en_US")
    assert res.returncode == 1 and "default_language" in res.stderr, \
        plesk.describe(res)


def test_old_host_and_port_columns_become_host_port(site):
    """Migration 0060: a configured IMAP/SMTP host and port (0001-0059)
    are written as host[:port], IPv6 in brackets, the default port left
    out; 0061 drops the old columns."""
    name = "oxt_servers_%d" % os.getpid()
    sql_old = os.path.join(site.root, "sql-before-0060")
    shutil.rmtree(sql_old, ignore_errors=True)
    os.makedirs(sql_old)
    for f in os.listdir(hxenv.SQL_DIR):
        if f[:4].isdigit() and int(f[:4]) < 60:
            shutil.copy(os.path.join(hxenv.SQL_DIR, f), sql_old)
    site.db.create_database(name)
    try:
        site.db.sql("".join("GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'%s';\n"
                            % (name, site.db_user, h)
                            for h in ("127.0.0.1", "localhost")))
        old = site.write_config(os.path.join(site.root, name + "-old.conf"),
                                oxtender_database=name, sql_dir=sql_old)
        new = site.write_config(os.path.join(site.root, name + ".conf"),
                                oxtender_database=name)
        assert site.replicator("migrate", config=old).returncode == 0
        site.db.sql("UPDATE settings SET imap_host = '2001:db8::1',"
                    " imap_port = 10143, smtp_host = 'smtp.example.test',"
                    " smtp_port = 25, updated_at = NOW()", name)
        res = site.replicator("migrate", config=new)
        assert res.returncode == 0, res.stderr
        res = site.replicator("--json", "settings", config=new)
        doc = json.loads(res.stdout)
        assert (doc["imap_server"], doc["smtp_server"]) == (
            "[2001:db8::1]:10143", "smtp.example.test"), doc
        cols = {r[0] for r in site.db.query(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE"
            " TABLE_SCHEMA = '%s' AND TABLE_NAME = 'settings'" % name)}
        assert not cols & {"imap_host", "imap_port", "smtp_host",
                           "smtp_port"}, cols
    finally:
        site.db.drop_database(name)


# ---- Test connection ------------------------------------------------------

def run_test_connection(px, *fields):
    rc, out = px.core("test-connection", *fields)
    assert rc == (0 if out["ok"] else 1), out
    return out


def test_test_connection_says_what_it_found(plesk):
    before = stored(plesk)
    ok = run_test_connection(plesk)               # the stored settings
    assert (ok["ok"], ok["called"], ok["reached"], ok["credentials"],
            ok["http_status"], ok["tls_problem"]) == (
        True, True, True, 1, 200, False), ok
    assert ok["url"] == "http://127.0.0.1:%d/webservices" % plesk.sim.port
    assert 0 <= ok["elapsed_ms"] < 5000
    # entered values: a wrong password is OX's answer, with its text
    bad = run_test_connection(plesk, *form(plesk, ox_password="not-it"))
    assert (bad["ok"], bad["reached"], bad["credentials"]) == \
        (False, True, 0), bad
    assert bad["problem"] == "OX: authentication failed", bad
    assert "uthentication failed" in bad["detail"]
    assert "not-it" not in json.dumps(bad)
    # nothing listens there (another server: the password typed)
    port = hxenv.free_port()
    down = run_test_connection(plesk, *form(
        plesk, ox_host="127.0.0.1:%d" % port, ox_password=OX_MASTER[1]))
    assert (down["ok"], down["called"], down["reached"],
            down["credentials"], down["status"]) == (
        False, True, False, -1, "OX: cannot connect"), down
    # HTTPS to a server that speaks plain HTTP: the handshake fails
    tls = run_test_connection(plesk, *form(plesk, ox_use_https=1,
                                           ox_password=OX_MASTER[1]))
    assert (tls["ok"], tls["tls_problem"], tls["status"]) == \
        (False, True, "OX: TLS problem"), tls
    assert tls["url"].startswith("https://")
    # plain HTTP to another machine: refused before anything is sent
    far = run_test_connection(plesk, *form(plesk, ox_host="192.0.2.10",
                                           ox_use_https=None,
                                           ox_password=OX_MASTER[1]))
    assert (far["ok"], far["called"], far["reached"]) == \
        (False, False, False), far
    assert "plain" in (far["problem"] + far["detail"]).lower(), far
    assert stored(plesk) == before, "Test connection saved something"
    assert plesk.ox_contexts() == {}


def test_test_connection_checks_the_form_as_ok_does(plesk):
    """An invalid field, or the stored password for another OX server or
    account: the messages OK would give, and nothing is sent."""
    before = stored(plesk)
    calls = plesk.ox_calls()
    for changes, want in [
            (dict(ox_host="::bad::"), {"ox_host"}),
            (dict(ox_host="", imap_server="2001:db8::1"),
             {"ox_host", "imap_server"}),
            (dict(ox_languages="de_DE", default_language="en_US"),
             {"default_language"}),
            (dict(ox_languages="en_US,xx_XX", default_language="en_US"),
             {"ox_languages"}),
            (dict(ox_host="127.0.0.1:%d" % hxenv.free_port()),
             {"ox_password"}),
            (dict(ox_username="another"), {"ox_password"}),
            (dict(ox_connection_type="reseller"), {"ox_password"})]:
        out = run_test_connection(plesk, *form(plesk, **changes))
        assert (out["ok"], out["called"]) == (False, False), (changes, out)
        assert set(errors(out)) == want, (changes, out)
        rc, saved = plesk.core("settings-form", *form(plesk, **changes))
        assert errors(saved) == errors(out), (changes, saved, out)
    assert "the stored one is only sent to the OX server" in errors(out)[
        "ox_password"]
    assert plesk.ox_calls() == calls
    assert stored(plesk) == before


def test_a_hang_ends_at_the_wait(plesk):
    plesk.ox_config(hang_rate=1, hang_max_ms=20000)
    t0 = time.monotonic()
    out = run_test_connection(plesk, *form(plesk, soap_timeout_s=1))
    took = time.monotonic() - t0
    assert (out["ok"], out["status"], out["timeout_s"]) == \
        (False, "OX: timed out", 1), out
    assert "within 1 s" in out["detail"], out
    assert took < 8, took
    assert 900 <= out["elapsed_ms"] < 5000, out
