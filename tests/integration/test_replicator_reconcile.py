"""`oxtender-replicator reconcile` (replicator/oxt_repl_cmd_reconcile.c,
lib/oxt_reconcile.c) against drift made by hand in the emulator
(harness/oxdrift.py: SOAP calls as the master or the context admin).

Data: default PleskSetup size (harness/plesk.py). Webmail Forever on the
domains dom1 (users user1, user11, user21, user31), dom2 (IDN
xn--bcher2-3ya.example: user2, user12, user22, user32), dom7 (user7,
user17, user27, user37) and dom9 (user9, user39; user19/user29 have no
password): 4 contexts, 14 users. Domain-level prefs only, so
harness/oxexpect.py computes the desired OX state.

Drift kinds and targets (lib/oxt_reconcile.c): context_missing and
context_changed name the context, user_missing and user_changed the
mailbox address, user_unknown the unknown user's primaryEmail,
context_admin the context (or the mailbox recorded as its admin). The
detail of a change lists what differs, in the order of
lib/oxt_reconcile.c's comparison.
"""
import json
import os
import pty
import subprocess

import pytest

from harness import env

from harness import oxexpect
from harness.oxdrift import OxDrift, calls_delta, writes_delta
from harness.plesk import EVENT_VARS, make_plesk, plesk  # noqa: F401

DOMAINS = (1, 2, 7, 9)
IDN = "xn--bcher2-3ya.example"
USERS = 14
# the repair of make_drift(): dom7's context and its 4 users, dom9's
# quota, user11 again, and user21/user31 resent (a forgotten user gets its
# attributes and its access combination: two calls each)
REPAIR_WRITES = {"OXContextService.createModuleAccessByName": 1,
                 "OXContextService.change": 1,
                 "OXUserService.createByModuleAccessName": 5,
                 "OXUserService.change": 2,
                 "OXUserService.changeByModuleAccessName": 2}
REPAIR_OPS = sum(REPAIR_WRITES.values())

# every user's access combination compared (the default is a fifth:
# test_reconcile_access.py)
ALL = ("--access", "all")
ALL_LINE = "14 of 14 access combinations compared (--access all)\n"
NONE_LINE = "0 of 14 access combinations compared (--access none)\n"

STATE_TABLES = ("domain_state", "mailbox_state", "queue", "replication_log",
                "run_summary", "settings", "prefs")


def replicated(px):
    for dom_id in DOMAINS:
        px.set_pref("domain", dom_id, webmail_forever="on")
    px.run()
    want = oxexpect.desired(px)
    assert oxexpect.count_users(want) == USERS
    assert oxexpect.compare(want, px.ox_state()) == []
    return want


def tables(px):
    """Every row of our state tables, for 'nothing written'."""
    return {t: px.sql("oxt", "SELECT * FROM %s" % t) for t in STATE_TABLES}


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dups = sorted({k for k in keys if keys.count(k) > 1})
    if dups:
        raise ValueError("duplicate keys %s" % dups)
    return dict(pairs)


def strict_json(text):
    """json.loads that refuses duplicate object keys (JSON parsers keep
    only the last one, so the first is lost for every consumer)."""
    return json.loads(text, object_pairs_hook=_no_duplicates)


def report_json(text):
    """(drift list, counts) of `--json reconcile`, read tolerantly: the
    first "drifts" key is the list, every other key a count."""
    drifts = []

    def hook(pairs):
        if pairs and pairs[0][0] == "drifts" and isinstance(pairs[0][1],
                                                            list):
            drifts.extend(pairs[0][1])
            pairs = pairs[1:]
        return dict(pairs)

    counts = json.loads(text, object_pairs_hook=hook)
    return drifts, counts


def drift_lines(res):
    """The drift lines of the text report as (kind, target, detail)."""
    out = []
    for line in res.stdout.splitlines():
        if (" compared: " in line or " operations sent" in line
                or " access combinations compared" in line):
            continue
        kind, rest = line.split(None, 1)
        target, detail = rest.rsplit(" (", 1)
        out.append((kind, target, detail.rstrip(")")))
    return sorted(out)


def summary_line(res):
    lines = [l for l in res.stdout.splitlines() if " compared: " in l]
    assert len(lines) == 1, res.stdout
    return lines[0]


def make_drift(px):
    """Every kind of drift once; returns the expected report (sorted
    (kind, target, detail)) and the hand-made user's OX id."""
    d = OxDrift(px)
    d.delete_user("dom1.example", "user11")
    d.change_user("dom1.example", "user21", language="de_DE")
    d.change_user("dom1.example", "user31", aliases=[
        "user31@dom1.example", "user31@alias-dom1.example",
        "extra31@dom1.example"])
    d.delete_context("dom7.example")
    d.change_context_quota("dom9.example", 555)
    uid = d.create_user(IDN, "intruder")
    expect = sorted([
        ("context_missing", "dom7.example", "not in OX"),
        ("context_changed", "dom9.example", "maxQuota"),
        ("user_missing", "user11@dom1.example", "not in OX"),
        ("user_changed", "user21@dom1.example", "language"),
        ("user_changed", "user31@dom1.example", "aliases"),
        ("user_unknown", "intruder@%s" % IDN,
         "in OX, not created by OXtender"),
    ])
    return expect, uid


def reconcile_on_a_terminal(px, *args):
    """reconcile with standard error on a pseudo-terminal: (exit code,
    stdout, what the terminal showed)."""
    e = {k: v for k, v in os.environ.items() if k not in EVENT_VARS}
    master, slave = pty.openpty()
    proc = subprocess.Popen([env.REPLICATOR, "-c", px.config, "reconcile"]
                            + list(args), stdout=subprocess.PIPE,
                            stderr=slave, env=e)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:             # EIO: the other side is closed
            break
        if not chunk:
            break
        shown += chunk
    out = proc.stdout.read().decode()
    proc.wait(60)
    os.close(master)
    return proc.returncode, out, shown.decode("utf-8", "replace")


def test_clean_state_reports_nothing_and_never_the_context_admin(plesk):
    replicated(plesk)
    before = plesk.ox_counters()
    res = plesk.repl("reconcile", "--dry-run", *ALL)
    assert res.returncode == 0, plesk.describe(res)
    assert res.stdout == ("4 contexts and 14 users compared: 0 drifts,"
                          " 0 unknown users\n" + ALL_LINE), res.stdout
    assert "oxadmin$" not in res.stdout + res.stderr
    assert "\r[" not in res.stderr, "no progress bar without a terminal"
    # the four contexts in one list (ids 1 to 9: the pattern "_"), the
    # users of a context in one call, the context admin too
    assert calls_delta(before, plesk.ox_counters()) == {
        "OXContextService.list": 1, "OXUserService.list": 4,
        "OXUserService.getMultipleData": 4,
        "OXUserService.getAccessCombinationName": USERS}
    rc, out, shown = reconcile_on_a_terminal(plesk, "--dry-run", *ALL)
    assert (rc, out) == (0, res.stdout), shown
    assert "] 100% 4/4 contexts" in shown, repr(shown)
    assert shown.endswith("\r\x1b[K"), "the bar is wiped: %r" % shown
    # without --dry-run too: nothing to repair, nothing sent
    before = plesk.ox_counters()
    res = plesk.repl("reconcile", "--delete-unknown", "--force", "--access",
                     "none")
    assert res.returncode == 0, plesk.describe(res)
    assert res.stdout == ("4 contexts and 14 users compared: 0 drifts,"
                          " 0 unknown users\n" + NONE_LINE +
                          "0 operations sent to repair, 0 failed\n"), res.stdout
    assert writes_delta(before, plesk.ox_counters()) == {}
    for ctx in plesk.ox_state()["contexts"]:
        assert [u["name"] for u in ctx["users"] if u["contextadmin"]] == [
            "oxadmin$"], "the context admin of %s was deleted" % ctx["name"]


def test_dry_run_reports_every_drift_and_changes_nothing(plesk):
    replicated(plesk)
    expect, uid = make_drift(plesk)
    ox_before = plesk.ox_state()
    db_before = tables(plesk)
    counters = plesk.ox_counters()
    res = plesk.repl("reconcile", "--dry-run")
    assert res.returncode == 0, plesk.describe(res)
    assert drift_lines(res) == expect
    # dom7 is gone, so its 4 users are not read: 10 users compared
    assert summary_line(res) == ("4 contexts and 10 users compared:"
                                 " 6 drifts, 1 unknown user")
    assert "operations sent" not in res.stdout
    assert writes_delta(counters, plesk.ox_counters()) == {}, \
        "a dry run sent writes"
    reads = calls_delta(counters, plesk.ox_counters())
    # the contexts in one list; the one it lacks asked by itself
    assert (reads.get("OXContextService.list"),
            reads.get("OXContextService.getData")) == (1, 1), reads
    assert plesk.ox_state() == ox_before
    assert tables(plesk) == db_before, "a dry run wrote our state"
    # --delete-unknown with --dry-run deletes nothing either
    res = plesk.repl("reconcile", "--dry-run", "--delete-unknown", "--force")
    assert res.returncode == 0, plesk.describe(res)
    assert drift_lines(res) == expect
    assert writes_delta(counters, plesk.ox_counters()) == {}
    assert plesk.ox_state() == ox_before
    assert tables(plesk) == db_before


def test_json_report_has_unique_keys(plesk):
    replicated(plesk)
    make_drift(plesk)
    res = plesk.repl("--json", "reconcile", "--dry-run")
    assert res.returncode == 0, plesk.describe(res)
    doc = strict_json(res.stdout)
    assert isinstance(doc.get("drifts"), list), doc


def test_json_report_holds_the_same_drifts_and_counts(plesk):
    replicated(plesk)
    expect, uid = make_drift(plesk)
    text = plesk.repl("reconcile", "--dry-run", *ALL)
    res = plesk.repl("--json", "reconcile", "--dry-run", *ALL)
    assert res.returncode == 0, plesk.describe(res)
    drifts, counts = report_json(res.stdout)
    assert sorted((d["kind"], d["target"], d["detail"])
                  for d in drifts) == drift_lines(text) == expect
    ids = {d["target"]: (d["domain_id"], d["mail_id"], d["ox_id"])
           for d in drifts}
    assert ids == {
        "dom7.example": (7, 0, 0),
        "dom9.example": (9, 0, 0),
        "user11@dom1.example": (1, 11, int(plesk.mailbox_state(11)[
            "ox_user_id"])),
        "user21@dom1.example": (1, 21, int(plesk.mailbox_state(21)[
            "ox_user_id"])),
        "user31@dom1.example": (1, 31, int(plesk.mailbox_state(31)[
            "ox_user_id"])),
        "intruder@%s" % IDN: (2, 0, uid),
    }, ids
    assert counts == {"drift_count": 6, "contexts": 4, "users": 10,
                      "unknown_users": 1, "deleted": 0,
                      "deletes_refused": False, "repaired": 0,
                      "access_mode": "all", "access_checked": 9,
                      "access_total": 9}, counts
    # the repair in JSON: same drifts, the operations counted
    res = plesk.repl("--json", "reconcile")
    assert res.returncode == 0, plesk.describe(res)
    drifts, counts = report_json(res.stdout)
    assert sorted((d["kind"], d["target"], d["detail"])
                  for d in drifts) == expect
    assert (counts["repaired"], counts["deleted"]) == (REPAIR_OPS, 0), counts
    # a clean report afterwards (the unknown user stays)
    drifts, counts = report_json(
        plesk.repl("--json", "reconcile", "--dry-run").stdout)
    assert [(d["kind"], d["target"]) for d in drifts] == [
        ("user_unknown", "intruder@%s" % IDN)], drifts
    assert (counts["contexts"], counts["users"], counts["drift_count"],
            counts["unknown_users"]) == (4, 14, 1, 1), counts


def test_reconcile_repairs_the_drift(plesk):
    want = replicated(plesk)
    expect, uid = make_drift(plesk)
    before = plesk.ox_counters()
    res = plesk.repl("reconcile")
    assert res.returncode == 0, plesk.describe(res)
    assert writes_delta(before, plesk.ox_counters()) == REPAIR_WRITES
    assert drift_lines(res) == expect
    assert res.stdout.splitlines()[-1] == (
        "%d operations sent to repair, 0 failed" % REPAIR_OPS), res.stdout
    state = plesk.ox_state()
    # the unknown user is the only difference left
    assert oxexpect.compare(want, state) == [
        "%s: 5 users, want 4" % IDN, "%s: leftover user intruder" % IDN]
    assert oxexpect.compare_state_tables(plesk, state, want) == []
    ctx = plesk.ox_contexts()
    assert ctx["dom9.example"]["maxQuota"] == 100
    users = plesk.ox_users("dom1.example")
    assert users["user21"]["language"] == "en_US"
    assert sorted(users["user31"]["aliases"]) == plesk.expected_aliases(31)
    assert "user11" in users
    assert sorted(plesk.ox_users("dom7.example")) == [
        "user17", "user27", "user37", "user7"]
    assert plesk.domain_state(7)["ox_context_id"] == str(
        ctx["dom7.example"]["id"])
    # nothing left to repair; the unknown user is still reported
    res = plesk.repl("reconcile", "--dry-run")
    assert res.returncode == 0, plesk.describe(res)
    assert drift_lines(res) == [("user_unknown", "intruder@%s" % IDN,
                                 "in OX, not created by OXtender")]
    assert summary_line(res) == ("4 contexts and 14 users compared:"
                                 " 1 drift, 1 unknown user")
    # and a run has nothing to do either
    before = plesk.ox_counters()
    plesk.run()
    assert writes_delta(before, plesk.ox_counters()) == {}
    log = plesk.log_rows("scheduled_by = 'Reconcile'")
    assert sorted({int(r["mail_id"]) for r in log}) == [
        7, 11, 17, 21, 27, 31, 37], \
        "log rows of the repair: %r" % [(r["address"], r["operation"])
                                         for r in log]
    assert {r["outcome"] for r in log} == {"success"}


def add_unknown(px, n, ctx_name="dom1.example"):
    d = OxDrift(px)
    return [d.create_user(ctx_name, "hand%d" % i) for i in range(n)]


def unknown_names(px, ctx_name="dom1.example"):
    return sorted(n for n in px.ox_users(ctx_name) if n.startswith("hand"))


def test_delete_unknown_up_to_the_limit(plesk):
    replicated(plesk)
    add_unknown(plesk, 2)
    res = plesk.repl("reconcile", "--delete-unknown", "--max-deletes", "2")
    assert res.returncode == 0, plesk.describe(res)
    assert drift_lines(res) == [
        ("user_unknown", "hand%d@dom1.example" % i,
         "in OX, not created by OXtender") for i in range(2)]
    assert unknown_names(plesk) == []
    assert sorted(plesk.ox_users("dom1.example")) == [
        "user1", "user11", "user21", "user31"]
    drifts, counts = report_json(
        plesk.repl("--json", "reconcile", "--dry-run").stdout)
    assert (drifts, counts["drift_count"], counts["unknown_users"]) == (
        [], 0, 0), counts


def test_delete_unknown_refuses_more_than_the_limit(plesk):
    replicated(plesk)
    add_unknown(plesk, 3)
    before = plesk.ox_counters()
    res = plesk.repl("reconcile", "--delete-unknown", "--max-deletes", "2")
    assert res.returncode == 1, plesk.describe(res)
    assert summary_line(res) == (
        "4 contexts and 14 users compared: 3 drifts, 3 unknown users"
        " (too many to delete: none deleted; --force to override)")
    assert "OXT03043" in res.stderr and "none deleted" in res.stderr, \
        res.stderr
    assert unknown_names(plesk) == ["hand0", "hand1", "hand2"]
    assert calls_delta(before, plesk.ox_counters()).get(
        "OXUserService.delete", 0) == 0
    res = plesk.repl("--json", "reconcile", "--delete-unknown",
                     "--max-deletes", "2")
    assert res.returncode == 1, plesk.describe(res)
    doc = report_json(res.stdout)[1]
    assert (doc["unknown_users"], doc["deleted"], doc["deletes_refused"]) \
        == (3, 0, True), doc
    # --force deletes them all, and only them
    res = plesk.repl("reconcile", "--delete-unknown", "--max-deletes", "2",
                     "--force")
    assert res.returncode == 0, plesk.describe(res)
    assert unknown_names(plesk) == []
    assert calls_delta(before, plesk.ox_counters()).get(
        "OXUserService.delete", 0) == 3
    assert oxexpect.compare(oxexpect.desired(plesk), plesk.ox_state()) == []


def test_default_limit_is_ten(plesk):
    replicated(plesk)
    add_unknown(plesk, 6)
    add_unknown(plesk, 5, ctx_name="dom7.example")
    res = plesk.repl("reconcile", "--delete-unknown")
    assert res.returncode == 1, plesk.describe(res)
    assert "11 unknown users" in summary_line(res), res.stdout
    assert len(unknown_names(plesk)) == 6
    assert len(unknown_names(plesk, "dom7.example")) == 5
    # one fewer is within the default limit
    OxDrift(plesk).delete_user("dom7.example", "hand4")
    res = plesk.repl("--json", "reconcile", "--delete-unknown")
    assert res.returncode == 0, plesk.describe(res)
    doc = report_json(res.stdout)[1]
    assert (doc["unknown_users"], doc["deleted"], doc["deletes_refused"]) \
        == (10, 10, False), doc
    assert unknown_names(plesk) == [] \
        and unknown_names(plesk, "dom7.example") == []
    assert oxexpect.compare(oxexpect.desired(plesk), plesk.ox_state()) == []


def test_bad_option_is_a_usage_error(plesk):
    res = plesk.repl("reconcile", "--frobnicate")
    assert res.returncode == 2, plesk.describe(res)
    assert "unknown option '--frobnicate'" in res.stderr


# ---- every attribute we set (issue 13, finding 3) -----------------------------------

def aliases_of(px, ctx_name, user_name):
    return sorted(OxDrift(px).user(ctx_name, user_name)["aliases"])


def make_attribute_drift(px):
    """One attribute changed by hand per user and per context, for every
    attribute the replicator sets; returns the expected report."""
    d = OxDrift(px)
    cu = d.change_user
    cu("dom1.example", "user1", primaryEmail="user1@alias-dom1.example",
       email1="user1@alias-dom1.example",
       defaultSenderAddress="user1@alias-dom1.example")
    cu("dom1.example", "user11",
       defaultSenderAddress="user11@alias-dom1.example")
    cu("dom1.example", "user21", imapLogin="someone@dom1.example")
    cu("dom1.example", "user31", display_name="Display 31")
    cu(IDN, "user2", given_name="Someone")
    cu(IDN, "user12", sur_name="Else")
    cu(IDN, "user22", timezone="Asia/Tokyo")
    cu(IDN, "user32", imapServer="other.example.test")
    cu("dom7.example", "user7", imapPort=993)
    cu("dom7.example", "user17", smtpServer="smtp2.example.test")
    d.change_access("dom7.example", "user27", "groupware_premium")
    cu("dom7.example", "user37", aliases=aliases_of(
        px, "dom7.example", "user37") + ["extra37@dom7.example"])
    cu("dom9.example", "user9", language="de_DE")
    cu("dom9.example", "user39", smtpPort=587)
    d.change_context("dom1.example", loginMappings=[
        "dom1.example", "alias-dom1.example", "extra-map.example"])
    d.change_context(IDN, maxQuota=777)
    d.change_context("dom7.example", name="renamed7.example")
    changed = [
        ("user1@dom1.example", "primaryEmail email1 defaultSenderAddress"),
        ("user11@dom1.example", "defaultSenderAddress"),
        ("user21@dom1.example", "imapLogin"),
        ("user31@dom1.example", "display_name"),
        ("user2@%s" % IDN, "given_name"),
        ("user12@%s" % IDN, "sur_name"),
        ("user22@%s" % IDN, "timezone"),
        ("user32@%s" % IDN, "imapServer"),
        ("user7@dom7.example", "imapServer"),
        ("user17@dom7.example", "smtpServer"),
        ("user27@dom7.example", "access_combination"),
        ("user37@dom7.example", "aliases"),
        ("user9@dom9.example", "language"),
        ("user39@dom9.example", "smtpServer"),
    ]
    return sorted([("user_changed", t, what) for t, what in changed] + [
        ("context_changed", "dom1.example", "loginMappings"),
        ("context_changed", IDN, "maxQuota"),
        ("context_changed", "dom7.example", "name"),
    ])


def test_every_attribute_we_set_is_compared_and_repaired(plesk):
    want = replicated(plesk)
    expect = make_attribute_drift(plesk)
    assert len(expect) == 17
    # dry run: every drift named, nothing written anywhere
    ox_before = plesk.ox_state()
    db_before = tables(plesk)
    counters = plesk.ox_counters()
    res = plesk.repl("reconcile", "--dry-run", *ALL)
    assert res.returncode == 0, plesk.describe(res)
    assert drift_lines(res) == expect
    assert summary_line(res) == ("4 contexts and 14 users compared:"
                                 " 17 drifts, 0 unknown users")
    assert writes_delta(counters, plesk.ox_counters()) == {}
    reads = calls_delta(counters, plesk.ox_counters())
    assert reads.get("OXUserService.getAccessCombinationName") == USERS, reads
    assert plesk.ox_state() == ox_before
    assert tables(plesk) == db_before
    # repair: each drifted user is sent everything again, each context
    # its name, mappings and quota
    before = plesk.ox_counters()
    res = plesk.repl("reconcile", *ALL)
    assert res.returncode == 0, plesk.describe(res)
    assert drift_lines(res) == expect
    assert writes_delta(before, plesk.ox_counters()) == {
        "OXContextService.change": 3, "OXUserService.change": 14,
        "OXUserService.changeByModuleAccessName": 14}
    assert oxexpect.compare(want, plesk.ox_state()) == []
    assert oxexpect.compare_state_tables(plesk, plesk.ox_state(), want) == []
    res = plesk.repl("reconcile", "--dry-run", *ALL)
    assert res.stdout == ("4 contexts and 14 users compared: 0 drifts,"
                          " 0 unknown users\n" + ALL_LINE), res.stdout
    before = plesk.ox_counters()
    plesk.run()
    assert writes_delta(before, plesk.ox_counters()) == {}


def test_a_context_admin_that_is_no_longer_ours_is_reported(plesk):
    replicated(plesk)
    d = OxDrift(plesk)
    # dom7: someone set the admin's password in OX (or a mailbox took the
    # admin over): our credentials are refused
    d.change_user("dom7.example", "oxadmin$", password="set-by-hand")
    # dom9: a mailbox recorded with the admin's id (finding 1's aftermath)
    admin9 = d.admin("dom9.example")
    user9 = d.user("dom9.example", "user9")
    plesk.exec("oxt", "UPDATE mailbox_state SET ox_user_id = %s"
               " WHERE mail_id = 9", (admin9["id"],))
    expect = sorted([
        ("context_admin", "dom7.example",
         "OX refuses our context admin's credentials"),
        ("context_admin", "user9@dom9.example",
         "the mailbox is recorded as the context admin"),
        ("user_unknown", "user9@dom9.example",
         "in OX, not created by OXtender"),
    ])
    for args in (("--dry-run",), ()):
        before = plesk.ox_counters()
        db_before = tables(plesk)
        res = plesk.repl("reconcile", *args)
        assert res.returncode == 0, plesk.describe(res)
        assert drift_lines(res) == expect, args
        # dom7's four users cannot be read: 10 users compared
        assert summary_line(res) == ("4 contexts and 10 users compared:"
                                     " 3 drifts, 1 unknown user"), args
        assert "OXT03702" in res.stderr and "OXT03701" in res.stderr
        # nothing can be repaired from here: nothing sent, nothing written
        # but the run's bookkeeping
        assert writes_delta(before, plesk.ox_counters()) == {}, args
        assert tables(plesk)["mailbox_state"] == db_before["mailbox_state"]
        assert tables(plesk)["domain_state"] == db_before["domain_state"]
    assert d.admin("dom9.example")["id"] == admin9["id"]
    assert d.user("dom9.example", "user9")["id"] == user9["id"]
    assert plesk.ox_password_is("dom7.example", "oxadmin$", "set-by-hand")
    # with MASTER_ACCOUNT_OVERRIDE our admin's credentials are not used;
    # the admin must still be the one we created
    plesk.exec("oxt", "UPDATE mailbox_state SET ox_user_id = %s"
               " WHERE mail_id = 9", (user9["id"],))
    plesk.settings_set(ox_master_override=1)
    plesk.ox_config(master_override="on", username_changeable="on")
    d.change_user("dom1.example", "oxadmin$", name="boss")
    res = plesk.repl("reconcile", "--dry-run")
    assert res.returncode == 0, plesk.describe(res)
    assert drift_lines(res) == [
        ("context_admin", "dom1.example",
         "the context admin is 'boss', not 'oxadmin$'")]


# ---- the admin's address, a refused primary address (issue 13: 4, 8) --------

def test_the_context_admin_address_is_compared_and_repaired(plesk):
    """The admin's address follows the domain (finding 4): one changed by
    hand is drift, and the repair sends the admin one change."""
    want = replicated(plesk)
    d = OxDrift(plesk)
    other = "boss@dom9.example"
    admin = d.admin("dom9.example")
    d.change_user("dom9.example", admin["name"], primaryEmail=other,
                  email1=other, defaultSenderAddress=other,
                  aliases=sorted(admin["aliases"]) + [other])
    expect = [("context_changed", "dom9.example", "adminAddress")]
    res = plesk.repl("reconcile", "--dry-run")
    assert res.returncode == 0, plesk.describe(res)
    assert drift_lines(res) == expect
    before = plesk.ox_counters()
    res = plesk.repl("reconcile")
    assert res.returncode == 0, plesk.describe(res)
    assert drift_lines(res) == expect
    assert writes_delta(before, plesk.ox_counters()) == {
        "OXUserService.change": 1}
    assert d.admin("dom9.example")["primaryEmail"] == "oxadmin$@dom9.example"
    assert oxexpect.compare(want, plesk.ox_state()) == []
    res = plesk.repl("reconcile", "--dry-run", *ALL)
    assert res.stdout == ("4 contexts and 14 users compared: 0 drifts,"
                          " 0 unknown users\n" + ALL_LINE), res.stdout


def test_a_primary_address_ox_refused_is_no_drift(make_plesk):
    """PRIMARY_MAIL_UNCHANGEABLE (finding 8): the renamed user keeps OX's
    primary address, and reconcile compares with that one instead of
    asking for the refused change again; changed by hand, it is drift."""
    px = make_plesk(oxsim_args=["--primary-mail-unchangeable", "on"])
    replicated(px)
    px.exec("psa", "UPDATE mail SET mail_name = 'renamed11' WHERE id = 11")
    px.run()
    assert px.mailbox_state(11)["ox_primary_email"] == "user11@dom1.example"
    before = px.ox_counters()
    res = px.repl("reconcile")
    assert res.returncode == 0, px.describe(res)
    assert summary_line(res) == ("4 contexts and 14 users compared:"
                                 " 0 drifts, 0 unknown users")
    assert writes_delta(before, px.ox_counters()) == {}
    OxDrift(px).change_user("dom1.example", "user11",
                            display_name="By hand 11")
    res = px.repl("reconcile", "--dry-run")
    assert drift_lines(res) == [
        ("user_changed", "renamed11@dom1.example", "display_name")]
