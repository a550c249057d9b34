"""reconcile's access combinations (lib/oxt_reconcile.c): OX gives them
one user per call, so by default a run compares a fifth of the users
(mail id modulo 5 = the turn in reconcile_state) and moves the turn on;
`--access all` compares every user's, `--access none` none.

Data: the default PleskSetup with Webmail Forever on dom1, dom2, dom7 and
dom9 (4 contexts, 14 users, as test_replicator_reconcile.py). Every
user's access combination is then changed by hand, so each one compared
is a drift and the drift lines name exactly the users compared.
"""
import json

from harness import oxexpect
from harness.oxdrift import OxDrift, calls_delta, writes_delta
from harness.plesk import make_plesk, plesk  # noqa: F401

DOMAINS = (1, 2, 7, 9)
USERS = 14
ACCESS_CALL = "OXUserService.getAccessCombinationName"


def replicated(px):
    for dom_id in DOMAINS:
        px.set_pref("domain", dom_id, webmail_forever="on")
    px.run()
    want = oxexpect.desired(px)
    assert oxexpect.compare(want, px.ox_state()) == []
    return want


def users(px):
    """{mail id: (context name, user name, address)} of our users."""
    rows = px.sql("oxt", "SELECT m.mail_id, d.context_name,"
                  " m.applied_mail_name, m.applied_address"
                  " FROM mailbox_state m JOIN domain_state d"
                  " ON d.dom_id = m.dom_id WHERE m.ox_user_id IS NOT NULL")
    return {int(r[0]): (r[1], r[2], r[3]) for r in rows}


def change_every_access(px, mine):
    d = OxDrift(px)
    for ctx, name, _ in mine.values():
        d.change_access(ctx, name, "groupware_premium")


def access_drifts(text):
    return sorted(line.split()[1] for line in text.splitlines()
                  if line.startswith("user_changed ")
                  and "access_combination" in line)


def turn(px):
    return int(px.scalar("oxt", "SELECT access_turn FROM reconcile_state"))


def reconcile(px, *args):
    before = px.ox_counters()
    res = px.repl("reconcile", "--dry-run", *args)
    assert res.returncode == 0, px.describe(res)
    return res, calls_delta(before, px.ox_counters()).get(ACCESS_CALL, 0)


def test_a_fifth_each_run_every_user_once_in_five_runs(plesk):
    replicated(plesk)
    mine = users(plesk)
    assert len(mine) == USERS
    change_every_access(plesk, mine)
    assert turn(plesk) == 0
    seen = []
    for k in range(5):
        res, calls = reconcile(plesk)
        fifth = sorted(a for mail_id, (_, _, a) in mine.items()
                       if mail_id % 5 == k)
        assert access_drifts(res.stdout) == fifth, (k, res.stdout)
        assert calls == len(fifth)
        assert ("%d of 14 access combinations compared (a fifth of the"
                " users each run, turn %d of 5; --access all compares all)"
                % (len(fifth), k + 1)) in res.stdout.splitlines()
        assert turn(plesk) == (k + 1) % 5
        seen += fifth
    assert sorted(seen) == sorted(a for _, _, a in mine.values())
    # the sixth run is the first again, and --json says the same
    res = plesk.repl("--json", "reconcile", "--dry-run")
    doc = json.loads(res.stdout)
    fifth = sorted(a for m, (_, _, a) in mine.items() if m % 5 == 0)
    assert sorted(d["target"] for d in doc["drifts"]) == fifth
    assert (doc["access_mode"], doc["access_checked"], doc["access_total"],
            doc["access_turn"], doc["access_turns"]) == (
                "rotate", len(fifth), USERS, 1, 5), doc


def test_access_all_and_none(plesk):
    replicated(plesk)
    mine = users(plesk)
    change_every_access(plesk, mine)
    res, calls = reconcile(plesk, "--access", "all")
    assert access_drifts(res.stdout) == sorted(a for _, _, a in
                                               mine.values())
    assert calls == USERS
    assert res.stdout.splitlines()[-1] == (
        "14 of 14 access combinations compared (--access all)")
    res, calls = reconcile(plesk, "--access", "none")
    assert (access_drifts(res.stdout), calls) == ([], 0)
    assert res.stdout.splitlines() == [
        "4 contexts and 14 users compared: 0 drifts, 0 unknown users",
        "0 of 14 access combinations compared (--access none)"]
    # neither moves the rotation on
    assert turn(plesk) == 0
    res = plesk.repl("--json", "reconcile", "--dry-run", "--access", "none")
    doc = json.loads(res.stdout)
    assert (doc["access_mode"], doc["access_checked"], doc["access_total"],
            "access_turn" in doc) == ("none", 0, USERS, False), doc
    res = plesk.repl("reconcile", "--access", "some")
    assert res.returncode == 2, plesk.describe(res)
    assert "--access takes all, none or rotate" in res.stderr


def test_the_fifth_found_drifted_is_repaired(plesk):
    want = replicated(plesk)
    mine = users(plesk)
    change_every_access(plesk, mine)
    # the data's mail ids leave turn 1 (0-based) four users: that one
    plesk.exec("oxt", "UPDATE reconcile_state SET access_turn = 1")
    fifth = [m for m in mine if m % 5 == 1]
    assert len(fifth) == 4
    before = plesk.ox_counters()
    res = plesk.repl("reconcile")
    assert res.returncode == 0, plesk.describe(res)
    assert writes_delta(before, plesk.ox_counters()).get(
        "OXUserService.changeByModuleAccessName") == len(fifth)
    state = plesk.ox_state()
    for m, (ctx, name, _) in mine.items():
        user = [u for c in state["contexts"] if c["name"] == ctx
                for u in c["users"] if u["name"] == name][0]
        combo = user["access_combination"]
        assert (combo != "groupware_premium") == (m % 5 == 1), (m, combo)
    # the rest is found by --access all and repaired too
    res = plesk.repl("reconcile", "--access", "all")
    assert res.returncode == 0, plesk.describe(res)
    assert oxexpect.compare(want, plesk.ox_state()) == []
