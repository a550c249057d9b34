"""The replicator's commands besides run/reconcile/daemon: `plan`,
`status`, `retry`, `settings`, the lock of `run`, `--help`
(replicator/oxt_repl_cmd_*.c, oxt_repl_main.c; docs/replicator.md).

Data: default PleskSetup size (harness/plesk.py, tools/gendata/README.md).
Webmail Forever on reseller1 (clients.id 2) selects dom1, dom2 (IDN),
dom7 and dom9 for OX (4 contexts, 14 users) and records a status for the
26 mailboxes of the other domains that cannot be replicated.
"""
import fcntl
import json
import os
import re

import pytest

from harness.oxdrift import calls_delta, is_write
from harness.plesk import OX_MASTER, RUN_OP_KINDS, make_plesk, plesk  # noqa: F401,E501

RESELLER1 = 2
STATE_TABLES = ("domain_state", "mailbox_state", "queue", "replication_log",
                "run_summary", "settings", "prefs")
COMMANDS = ("migrate", "event", "run", "daemon", "plan", "reconcile",
            "status", "settings", "retry", "buttons", "metrics", "health",
            "license", "directory")

# plan operation -> the emulator call the run makes for it
OP_CALL = {"create context": "OXContextService.createModuleAccessByName",
           "change context": "OXContextService.change",
           "change context admin": "OXUserService.change",
           "create user": "OXUserService.createByModuleAccessName",
           "change user": "OXUserService.change",
           "change service type": "OXUserService.changeByModuleAccessName",
           "delete user": "OXUserService.delete"}
# plan operation -> replication_log.operation of the run (user operations)
OP_LOG = {"create user": "create", "delete user": "delete"}


def tables(px):
    return {t: px.sql("oxt", "SELECT * FROM %s" % t) for t in STATE_TABLES}


def plan(px, *domains):
    """(text lines without the count line, count line, JSON list)."""
    res = px.repl("plan", *domains)
    assert res.returncode == 0, px.describe(res)
    lines = res.stdout.splitlines()
    jres = px.repl("--json", "plan", *domains)
    assert jres.returncode == 0, px.describe(jres)
    return lines[:-1], lines[-1], json.loads(jres.stdout)


def text_of(op):
    return "%-20s %s%s" % (op["operation"], op["target"],
                           " (%s)" % op["detail"] if op["detail"] else "")


def check_plan_then_run(px):
    """plan (text and JSON) agrees with itself, writes and sends nothing,
    and lists exactly what the following run does; returns the ops."""
    db_before = tables(px)
    counters = px.ox_counters()
    lines, count, ops = plan(px)
    assert count == "%d operation%s planned" % (
        len(ops), "" if len(ops) == 1 else "s"), count
    assert lines == [text_of(op) for op in ops]
    assert px.ox_counters()["requests"] == counters["requests"], \
        "plan sent requests to OX"
    assert tables(px) == db_before, "plan wrote to our database"
    log_before = len(px.log_rows())
    res = px.run()
    sent = [op for op in ops if op["operation"] != "record status"]
    assert re.search(r" %d operations done, 0 failed" % len(sent),
                     res.stdout), (res.stdout, sent)
    want_calls = {}
    for op in sent:
        call = OP_CALL[op["operation"]]
        want_calls[call] = want_calls.get(call, 0) + 1
    delta = calls_delta(counters, px.ox_counters())
    assert {k: v for k, v in delta.items() if is_write(k)} == want_calls
    # reads: only the context admin's id, asked once per context before
    # its first user change or delete (issue 13, finding 1)
    reads = {k: v for k, v in delta.items() if not is_write(k)}
    assert set(reads) <= {"OXContextService.getAdminId"}, reads
    assert sum(reads.values()) <= len({op["target"].rsplit("@", 1)[-1]
                                       for op in sent}), (reads, sent)
    # every user operation has its log row, and nothing else has
    logged = sorted((r["address"], r["operation"])
                    for r in px.log_rows()[log_before:])
    want_log = sorted((op["target"], OP_LOG.get(op["operation"], "?"))
                      for op in sent if "context" not in op["operation"])
    assert [a for a, _ in logged] == [a for a, _ in want_log], logged
    for (addr, got), (_, want) in zip(logged, want_log):
        if want != "?":
            assert got == want, (addr, got, want)
    # converged: the next plan is empty
    lines, count, again = plan(px)
    assert (lines, count, again) == ([], "0 operations planned", []), again
    return ops


def test_plan_lists_the_first_run(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on")
    ops = check_plan_then_run(plesk)
    kinds = {}
    for op in ops:
        kinds[op["operation"]] = kinds.get(op["operation"], 0) + 1
    assert kinds == {"create context": 4, "create user": 14,
                     "record status": 26}, kinds
    assert [op["target"] for op in ops if op["domain_id"] == 9] == [
        "dom9.example", "user9@dom9.example", "user19@dom9.example",
        "user29@dom9.example", "user39@dom9.example"]
    assert {op["target"]: op["detail"] for op in ops
            if op["operation"] == "record status" and op["domain_id"] in
            (3, 6, 9)} == {
        "user3@dom3.example": "forward_only",
        "user13@dom3.example": "suspended",
        "user23@dom3.example": "suspended",
        "user33@dom3.example": "suspended",
        "user6@dom6.example": "mail_off",
        "user16@dom6.example": "mail_off",
        "user26@dom6.example": "mail_off",
        "user36@dom6.example": "mail_off",
        "user19@dom9.example": "no_password",
        "user29@dom9.example": "no_password"}
    assert {op["detail"] for op in ops
            if op["operation"] == "create user"} == {"Webmail"}


def test_plan_lists_changes_and_deletes(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on")
    plesk.run()
    plesk.exec("psa", "UPDATE accounts a JOIN mail m ON m.account_id = a.id"
               " SET a.password = 'new-pw-1' WHERE m.id = 1")
    plesk.exec("psa", "INSERT INTO mail_aliases (mn_id, alias)"
               " VALUES (11, 'eleven')")
    plesk.set_pref("domain", 9, language="de_DE")
    plesk.set_pref("mailbox", 31, service_type="groupware_premium")
    plesk.settings_set(auto_delete=1)
    plesk.exec("psa", "DELETE FROM mail WHERE id = 21")
    ops = check_plan_then_run(plesk)
    assert sorted((op["operation"], op["target"], op["detail"])
                  for op in ops) == sorted([
        ("change user", "user1@dom1.example", "password"),
        ("change user", "user11@dom1.example", "addresses"),
        ("change service type", "user31@dom1.example", "Groupware Premium"),
        ("delete user", "user21@dom1.example", ""),
        ("change user", "user9@dom9.example", "language"),
        ("change user", "user39@dom9.example", "language")])
    users = plesk.ox_users("dom1.example")
    assert "user21" not in users
    assert plesk.ox_password_is("dom1.example", "user1", "new-pw-1")
    assert users["user31"]["access_combination"] == "groupware_premium"


def test_plan_needs_no_ox(make_plesk):
    """plan reads psa and our state only: it works before OX is set up."""
    px = make_plesk(configure_ox=False)
    px.set_pref("domain", 1, webmail_forever="on")
    lines, count, ops = plan(px)
    assert count == "29 operations planned", (lines, count)
    assert [(op["operation"], op["target"]) for op in ops
            if op["operation"] != "record status"] == [
        ("create context", "dom1.example"),
        ("create user", "user1@dom1.example"),
        ("create user", "user11@dom1.example"),
        ("create user", "user21@dom1.example"),
        ("create user", "user31@dom1.example")]
    assert px.ox_counters()["requests"] == 0
    res = px.repl("plan", "--extra")
    assert res.returncode == 2, px.describe(res)
    res = px.repl("plan", "nosuch.example")
    assert res.returncode == 1, px.describe(res)
    assert "No such domain: nosuch.example" in res.stderr
    # a named domain alone plans as in the full pass
    lines, count, ops1 = plan(px, "dom1.example")
    assert ops1 == [op for op in ops if op["domain_id"] == 1]


# ---- status and retry ------------------------------------------------------

def due_now(px):
    px.exec("oxt", "UPDATE queue SET not_before = NOW(3) WHERE parked = 0")


def status(px):
    res = px.repl("status")
    assert res.returncode == 0, px.describe(res)
    jres = px.repl("--json", "status")
    assert jres.returncode == 0, px.describe(jres)
    return res.stdout, json.loads(jres.stdout)


def park(px, mail_id, address):
    """A bad alias (OX refuses it) for mail_id, then runs until parked
    (queue_max_attempts = 2: one or two runs, as a run tries a hint again
    when its backoff, drawn from 0, passed before its next queue batch);
    returns the queue row."""
    px.exec("psa", "INSERT INTO mail_aliases (mn_id, alias) VALUES (%s,"
            " 'bad alias')", (mail_id,))
    res = px.event("mailname_update", env={"NEW_MAILNAME": address})
    assert res.returncode == 0, px.describe(res)
    for _ in range(2):
        due_now(px)
        px.run()
        rows = px.queue_rows("object_type = 'mailbox' AND object_id = %s",
                             (mail_id,))
        if rows and rows[0]["parked"] == "1":
            break
    assert len(rows) == 1 and rows[0]["parked"] == "1", rows
    assert rows[0]["attempts"] == "2", rows
    return rows[0]


def test_status_shows_queue_parked_items_and_last_run(plesk):
    out, doc = status(plesk)
    assert out == "queue:    0 waiting (0 due, 0 in progress), 0 parked\n" \
                  "last run: never\n" \
                  "lock:     free\n", out
    assert doc == {"queue": {"waiting": 0, "due": 0, "leased": 0,
                             "parked": 0, "oldest": None},
                   "last_run": None, "parked": [], "warnings": [],
                   "lock": {"state": "free", "pid": None, "holder": None,
                            "idle_s": None, "stale_after_s": 3600,
                            "problem": None}}, doc
    plesk.settings_set(queue_max_attempts=2)
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.run()
    item = park(plesk, 11, "user11@dom1.example")
    assert "Invalid email address" in item["last_error"], item
    # one hint due now, one backing off
    assert plesk.event("mailname_update", env={
        "NEW_MAILNAME": "user21@dom1.example"}).returncode == 0
    plesk.exec("oxt", "INSERT INTO queue (object_type, object_id, reason,"
               " scheduled_by, enqueued_at, not_before)"
               " VALUES ('mailbox', 31, 'test', 'test', NOW(3),"
               " NOW(3) + INTERVAL 1 HOUR)")
    oldest = plesk.scalar("oxt", "SELECT MIN(enqueued_at) FROM queue"
                          " WHERE parked = 0")
    run = plesk.run_summaries()[-1]
    out, doc = status(plesk)
    assert doc["queue"] == {"waiting": 2, "due": 1, "leased": 0,
                            "parked": 1, "oldest": oldest}, doc
    assert doc["parked"] == [{
        "id": int(item["id"]), "object": "mailbox", "object_id": 11,
        "attempts": 2, "parked_at": item["parked_at"],
        "error": item["last_error"]}], doc
    # every operation counts, per kind (issue 13, finding 5)
    kinds = {k: {"ok": int(run[k + "_ok"]), "failed": int(run[k + "_failed"])}
             for k in RUN_OP_KINDS}
    ok = sum(v["ok"] for v in kinds.values())
    failed = sum(v["failed"] for v in kinds.values())
    assert doc["last_run"] == {"started": run["started_at"],
                               "finished": run["finished_at"],
                               "status": run["status"],
                               "successful": ok, "failed": failed,
                               "operations": kinds}, doc
    # the run that parked it: its last attempt, or both (see park)
    assert (run["status"], ok, failed in (1, 2)) == ("finished", 0, True), run
    assert kinds["user_change"]["failed"] == failed, kinds
    # the banner counts a mailbox once per domain task: once, or once per
    # queue batch that tried it
    assert int(run["webmail_failed"]) in (1, failed), run
    assert out == (
        "queue:    2 waiting (1 due, 0 in progress), 1 parked\n"
        "oldest:   %s\n"
        "last run: %s to %s, finished, 0 successful, %d failed"
        " (user change %d)\n"
        "lock:     free\n"
        "parked:   #%s mailbox 11 after 2 attempts: %s\n" % (
            oldest, run["started_at"], run["finished_at"], failed, failed,
            item["id"], item["last_error"])), out
    res = plesk.repl("status", "extra")
    assert res.returncode == 2, plesk.describe(res)


def test_retry_unparks(plesk):
    plesk.settings_set(queue_max_attempts=2)
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.run()
    a = park(plesk, 11, "user11@dom1.example")
    b = park(plesk, 21, "user21@dom1.example")
    # usage and unknown ids
    for args, rc, text in [
            (("retry",), 2, "usage: retry"),
            (("retry", "abc"), 2, "'abc' is not a queue id"),
            (("retry", "0"), 2, "'0' is not a queue id"),
            (("retry", "12x"), 2, "'12x' is not a queue id"),
            (("retry", "1", "2"), 2, "usage: retry"),
            (("retry", "999999"), 1, "queue item 999999 is not parked")]:
        res = plesk.repl(*args)
        assert res.returncode == rc and text in res.stderr, (
            args, plesk.describe(res))
    assert [r["parked"] for r in plesk.queue_rows()] == ["1", "1"]
    res = plesk.repl("retry", a["id"])
    assert (res.returncode, res.stdout) == (0, "1 item(s) will be retried\n"), \
        plesk.describe(res)
    row = plesk.queue_rows("id = %s", (a["id"],))[0]
    assert (row["parked"], row["parked_at"], row["attempts"],
            row["scheduled_by"]) == ("0", None, "0", "oxtender-replicator"), row
    assert plesk.scalar("oxt", "SELECT not_before <= NOW(3) FROM queue"
                        " WHERE id = %s", (a["id"],)) == "1"
    # an item that is not parked is not retried again
    res = plesk.repl("retry", a["id"])
    assert res.returncode == 1, plesk.describe(res)
    _, doc = status(plesk)
    assert (doc["queue"]["parked"], doc["queue"]["due"],
            [p["id"] for p in doc["parked"]]) == (1, 1, [int(b["id"])]), doc
    res = plesk.repl("--json", "retry", "--all")
    assert (res.returncode, json.loads(res.stdout)) == (0, {"retried": 1}), \
        plesk.describe(res)
    _, doc = status(plesk)
    assert (doc["queue"]["parked"], doc["queue"]["due"]) == (0, 2), doc
    # fixed in Plesk: the retried items replicate
    plesk.exec("psa", "DELETE FROM mail_aliases WHERE alias = 'bad alias'")
    res = plesk.run()
    assert plesk.queue_rows() == [], plesk.queue_rows()
    assert plesk.repl("retry", "--all").stdout == "0 item(s) will be retried\n"


# ---- settings -----------------------------------------------------------------

def test_settings_never_show_the_password(make_plesk):
    px = make_plesk(configure_ox=False)
    res = px.repl("--json", "settings")
    assert res.returncode == 0, px.describe(res)
    doc = json.loads(res.stdout)
    assert doc["ox_password_set"] is False
    password = "Pw-%s-never-shown" % os.getpid()
    res = px.repl("settings", "set-ox-password", input=password + "\n")
    assert (res.returncode, res.stdout, res.stderr) == (0, "", ""), \
        px.describe(res)
    assert all(password not in a for a in res.args)
    sealed = px.scalar("oxt", "SELECT ox_password_enc FROM settings")
    assert sealed and password not in sealed
    text = px.repl("settings")
    doc = json.loads(px.repl("--json", "settings").stdout)
    assert doc["ox_password_set"] is True
    assert "ox_password_set = true\n" in text.stdout
    for out in (text.stdout, text.stderr, json.dumps(doc)):
        assert password not in out and "ox_password_enc" not in out
    assert sorted(doc) == sorted([
        "ox_password_set", "ox_connection_type", "ox_host", "ox_use_https",
        "ox_allow_plain_http", "ox_username", "ox_master_override", "ox_unicode_mappings",
        "soap_timeout_s", "debug_api", "imap_server", "smtp_server",
        "default_quota_mb", "ox_languages", "default_language",
        "default_timezone", "default_service_type", "auto_delete",
        "queue_max_attempts", "log_retention_days", "log_max_rows"]), doc
    assert [l.split(" = ")[0] for l in text.stdout.splitlines()] == list(doc)
    # the password set from stdin is the one the replicator uses
    px.settings_set(ox_host="127.0.0.1:%d" % px.sim.port, ox_use_https=0,
                    ox_username=OX_MASTER[0], imap_server="imap.example.test",
                    smtp_server="smtp.example.test")
    px.set_pref("domain", 1, webmail_forever="on")
    res = px.run()
    # the password set above is not OX's ("secret"): the context
    # create fails, its users wait for it
    assert "0 operations done, 1 failed" in res.stdout, res.stdout
    assert px.ox_contexts() == {}
    for text in [r.stdout + r.stderr for _, r in px.history]:
        assert password not in text
    px.set_ox_password(OX_MASTER[1])
    px.exec("oxt", "UPDATE queue SET not_before = NOW(3)")
    res = px.run()
    assert sorted(px.ox_users("dom1.example")) == [
        "user1", "user11", "user21", "user31"], px.describe(res)


def test_settings_set_checks_keys_and_values(plesk):
    before = plesk.sql("oxt", "SELECT * FROM settings")
    for key, value, rc in [("no_such_key", "1", 2),
                           ("ox_password_enc", "x", 2),
                           ("imap_server", "mail:0", 1),
                           ("smtp_server", "mail:0", 1),
                           ("imap_server", "mail:70000", 1),
                           ("imap_server", "2001:db8::1", 1),
                           ("imap_port", "993", 2),
                           ("soap_timeout_s", "0", 1),
                           ("soap_timeout_s", "3601", 1),
                           ("default_service_type", "bogus", 1),
                           ("ox_connection_type", "hosted", 1),
                           ("default_quota_mb", "-5", 1)]:
        res = plesk.repl("settings", "set", key, value)
        assert res.returncode == rc, (key, value, plesk.describe(res))
        assert res.stdout == "" and key in res.stderr, plesk.describe(res)
    assert plesk.sql("oxt", "SELECT * FROM settings") == before, \
        "a refused value was stored"
    for args in (("settings", "set", "imap_server"),
                 ("settings", "set-ox-password", "secret"),
                 ("settings", "bogus")):
        res = plesk.repl(*args)
        assert res.returncode == 2 and "usage: settings" in res.stderr, \
            plesk.describe(res)
    for stdin, text in (("", "no password on standard input"),
                        ("\n", "the password is empty")):
        res = plesk.repl("settings", "set-ox-password", input=stdin)
        assert res.returncode == 2 and text in res.stderr, \
            plesk.describe(res)
    assert plesk.sql("oxt", "SELECT * FROM settings") == before
    # good values are stored and shown
    res = plesk.repl("settings", "set", "imap_server", "[2001:db8::1]:993")
    assert res.returncode == 0, plesk.describe(res)
    res = plesk.repl("settings", "set", "soap_timeout_s", "3600")
    assert res.returncode == 0, plesk.describe(res)
    doc = json.loads(plesk.repl("--json", "settings").stdout)
    assert (doc["imap_server"], doc["soap_timeout_s"]) == (
        "[2001:db8::1]:993", "3600"), doc
    # the page's word for the connection type, kept as it always was
    res = plesk.repl("settings", "set", "ox_connection_type", "cloud")
    assert res.returncode == 0, plesk.describe(res)
    assert plesk.scalar("oxt", "SELECT ox_connection_type FROM settings") \
        == "reseller"
    assert json.loads(plesk.repl("--json", "settings").stdout)[
        "ox_connection_type"] == "reseller"
    res = plesk.repl("settings", "set", "ox_connection_type", "hosted")
    assert "or cloud (an OX reseller's account)" in res.stderr, \
        plesk.describe(res)
    assert plesk.repl("settings", "set", "ox_connection_type",
                      "standalone").returncode == 0
    assert plesk.scalar("oxt", "SELECT updated_by FROM settings") == \
        "oxtender-replicator"


def test_settings_set_refuses_a_language_ox_does_not_know(plesk):
    res = plesk.repl("settings", "set", "default_language", "xx")
    assert res.returncode == 1, plesk.describe(res)
    assert json.loads(plesk.repl("--json", "settings").stdout)[
        "default_language"] == "en_US"


# ---- the lock, usage ----------------------------------------------------------

def test_run_exits_at_once_when_the_lock_is_held(plesk):
    plesk.set_pref("domain", 1, webmail_forever="on")
    fd = os.open(plesk.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        res = plesk.repl("run", timeout=10)
        assert res.returncode == 0, plesk.describe(res)
        assert res.stdout == ""
        assert "OXT03020" in res.stderr and "Another replicator is running" \
            in res.stderr and "nothing to do" in res.stderr, res.stderr
        assert plesk.ox_counters()["requests"] == 0
        assert plesk.run_summaries() == []
        assert plesk.mailbox_state(1) is None
        # reconcile needs the lock too, and says so
        res = plesk.repl("reconcile", "--dry-run", timeout=10)
        assert res.returncode == 1 and "Another replicator is running" \
            in res.stderr, plesk.describe(res)
    finally:
        os.close(fd)
    res = plesk.run()
    assert "5 operations done" in res.stdout, res.stdout


def test_help_lists_every_command(plesk):
    res = plesk.repl("--help")
    assert res.returncode == 0, plesk.describe(res)
    listed = [l.split()[0] for l in res.stdout.splitlines()
              if l.startswith("  ")]
    assert sorted(listed) == sorted(COMMANDS), listed
    assert res.stdout.startswith(
        "usage: oxtender-replicator [-c CONFIG] [--json] [-q] COMMAND")
    res = plesk.repl()
    assert res.returncode == 2 and "usage:" in res.stderr, plesk.describe(res)
    res = plesk.repl("frobnicate")
    assert res.returncode == 2 and "unknown command 'frobnicate'" \
        in res.stderr, plesk.describe(res)
    res = plesk.repl("--no-such-option", "status")
    assert res.returncode == 2, plesk.describe(res)
