"""`oxtender-replicator health` (replicator/oxt_repl_cmd_health.c,
lib/oxt_health.c): a check in the monitoring-plugin convention, one line
and the exit code 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, for every
outcome: a healthy server, no full pass yet, a pass too old (limits from
the configuration and from -w/-c), parked items, OX unreachable or
refusing our account, the database unreachable, the lock held with no
progress, an unreadable configuration and wrong usage.

One PleskSetup for the module (dom1 replicated once); each test puts
back what it changes.
"""
import fcntl
import json
import os
import shutil
import tempfile
import time

import pytest

from harness import env as hxenv
from harness.plesk import OX_MASTER, PleskSetup

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3


@pytest.fixture(scope="module")
def px(mariadb):
    root = tempfile.mkdtemp(prefix="plesk-health-",
                            dir=os.path.dirname(mariadb.root))
    p = PleskSetup(mariadb, root)
    try:
        p.setup()
        p.set_pref("domain", 1, webmail_forever="on")
        p.run()
        yield p
    finally:
        p.close()
        shutil.rmtree(root, ignore_errors=True)


def health(px, *args, config=None):
    res = px.repl("health", *args, config=config)
    lines = res.stdout.splitlines()
    assert len(lines) == 1 and res.stderr == "", px.describe(res)
    assert lines[0].startswith("OXTENDER %s: " % (
        "OK", "WARNING", "CRITICAL", "UNKNOWN")[res.returncode]), \
        px.describe(res)
    return res.returncode, lines[0]


def test_a_healthy_server_is_ok(px):
    rc, line = health(px)
    assert rc == OK, line
    assert "last successful full pass" in line and "OX answers" in line \
        and "nothing parked" in line and "lock free" in line, line
    assert " | pass_age=" in line and ";3600;14400 parked=0;1 " in line
    # what OX answered is recorded for the pages
    assert px.sql("oxt", "SELECT ox_reachable, ox_contact_by FROM"
                  " replicator_activity") == [("1", "health")]


def test_no_full_pass_yet_is_a_warning(px):
    saved = px.sql("oxt", "SELECT pass_started_at, pass_ok_at FROM"
                   " replicator_activity")[0]
    px.exec("oxt", "UPDATE replicator_activity SET pass_ok_at = NULL,"
            " pass_started_at = NULL")
    try:
        rc, line = health(px)
        assert rc == WARNING and "no full pass has run yet" in line, line
    finally:
        px.exec("oxt", "UPDATE replicator_activity SET pass_started_at = %s,"
                " pass_ok_at = %s", saved)


@pytest.mark.parametrize("hours,args,rc,words", [
    (2, (), WARNING, "(warning after 60 min)"),
    (5, (), CRITICAL, "(critical after 4 h 0 min)"),
    (5, ("-w", "60", "-c", "100000"), WARNING, "(warning after"),
    (2, ("--warning", "10000", "--critical", "20000"), OK, "2 h 0 min ago"),
])
def test_an_old_full_pass_warns_then_is_critical(px, hours, args, rc, words):
    px.exec("oxt", "UPDATE replicator_activity SET pass_ok_at ="
            " NOW() - INTERVAL %s HOUR" % hours)
    try:
        got, line = health(px, *args)
        assert got == rc and words in line, line
    finally:
        px.exec("oxt", "UPDATE replicator_activity SET pass_ok_at = NOW()")


def test_the_limits_come_from_the_configuration(px, tmp_path):
    config = px.write_config(path=str(tmp_path / "limits.conf"),
                             health_pass_warning_s=10,
                             health_pass_critical_s=20)
    px.exec("oxt", "UPDATE replicator_activity SET pass_ok_at ="
            " NOW() - INTERVAL 30 SECOND")
    try:
        rc, line = health(px, config=config)
        assert rc == CRITICAL and "(critical after 20 s)" in line, line
        assert ";10;20 " in line, line
    finally:
        px.exec("oxt", "UPDATE replicator_activity SET pass_ok_at = NOW()")


def test_parked_items_are_a_warning(px):
    px.exec("oxt", "INSERT INTO queue (object_type, object_id, reason,"
            " enqueued_at, not_before, attempts, last_error, parked,"
            " parked_at) VALUES ('mailbox', 9001, 'test', NOW(3), NOW(3),"
            " 5, 'refused', 1, NOW()), ('mailbox', 9002, 'test', NOW(3),"
            " NOW(3), 5, 'refused', 1, NOW())")
    try:
        rc, line = health(px)
        assert rc == WARNING and "2 parked items wait for a retry" in line, \
            line
        assert "parked=2;1" in line
    finally:
        px.exec("oxt", "DELETE FROM queue WHERE object_id IN (9001, 9002)")


def test_ox_unreachable_is_critical(px):
    px.settings_set(ox_host="127.0.0.1:%d" % hxenv.free_port())
    try:
        t0 = time.monotonic()
        rc, line = health(px)
        assert rc == CRITICAL and "OX unreachable:" in line, line
        assert time.monotonic() - t0 < 20
        assert px.sql("oxt", "SELECT ox_reachable, ox_contact_by FROM"
                      " replicator_activity") == [("0", "health")]
    finally:
        px.settings_set(ox_host="127.0.0.1:%d" % px.sim.port)


def test_ox_refusing_our_account_is_critical(px):
    px.set_ox_password("wrong-" + OX_MASTER[1])
    try:
        rc, line = health(px)
        assert rc == CRITICAL and \
            "OX refuses the account of the Settings" in line, line
    finally:
        px.set_ox_password(OX_MASTER[1])
    assert health(px)[0] == OK


def test_the_database_unreachable_is_critical(px, tmp_path):
    config = px.write_config(path=str(tmp_path / "nodb.conf"),
                             db_port=hxenv.free_port(),
                             db_connect_timeout=2)
    rc, line = health(px, config=config)
    assert rc == CRITICAL and "the database cannot be reached" in line, line
    assert "OX: unknown without the database" in line and " | " not in line


def hold(path, text, age_s):
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.ftruncate(fd, 0)
    os.write(fd, text.encode())
    then = time.time() - age_s
    os.utime(path, (then, then))
    return fd


@pytest.mark.parametrize("age,rc,words", [
    (5, OK, "lock held by pid %d (tester), progress"),
    (4000, CRITICAL, "lock held by pid %d (tester) with no progress for"),
])
def test_the_lock_held_too_long_is_critical(px, age, rc, words):
    fd = hold(px.lock_file, "%d tester\n" % os.getpid(), age)
    try:
        got, line = health(px)
        assert got == rc and words % os.getpid() in line, line
    finally:
        os.close(fd)


def test_an_unreadable_configuration_is_unknown(px, tmp_path):
    rc, line = health(px, config=str(tmp_path / "missing.conf"))
    assert rc == UNKNOWN and "configuration" in line, line


@pytest.mark.parametrize("args", [
    ("--bogus",), ("-w",), ("-w", "abc"), ("-c", "0"),
    ("-w", "100", "-c", "10"),
])
def test_wrong_usage_is_unknown(px, args):
    rc, line = health(px, *args)
    assert rc == UNKNOWN and "usage: health" in line, line


def test_the_json_says_the_same(px):
    px.exec("oxt", "INSERT INTO queue (object_type, object_id, reason,"
            " enqueued_at, not_before, attempts, parked, parked_at) VALUES"
            " ('mailbox', 9003, 'test', NOW(3), NOW(3), 5, 1, NOW())")
    try:
        res = px.repl("--json", "health")
        assert res.returncode == WARNING, px.describe(res)
        doc = json.loads(res.stdout)
    finally:
        px.exec("oxt", "DELETE FROM queue WHERE object_id = 9003")
    assert doc["state"] == "warning"
    assert set(doc["checks"]) == {"database", "pass", "parked", "ox", "lock"}
    assert doc["checks"]["parked"]["state"] == "warning"
    assert doc["checks"]["ox"] == {"state": "ok", "text": "OX answers"}
    assert doc["queue"]["parked"] == 1
    assert doc["ox"]["live"] is True and doc["ox"]["reachable"] is True
    assert doc["last_run"]["status"] == "finished"
    assert doc["pass"]["warning_s"] == 3600 and doc["pass"]["last_ok"]
