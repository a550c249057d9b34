"""reconcile's bulk reads (lib/oxt_reconcile.c): the contexts of a page
in one OXContextService.list per hundred context ids, the users' data
sent with their list when the context admin's id is known, and what
happens when a list fails part-way. Data and drift as
test_replicator_reconcile.py (its helpers): 4 contexts (ids 1 to 4, one
list "_"), 14 users."""
from harness.oxdrift import calls_delta, writes_delta
from harness.plesk import make_plesk, plesk  # noqa: F401
from test_replicator_reconcile import (DOMAINS, drift_lines, make_drift,
                                       replicated, summary_line, tables)

NONE = ("--access", "none")
SUMMARY = "4 contexts and 10 users compared: 6 drifts, 1 unknown user"


def admin_ids(px):
    """{dom_id: the OX id of its context's admin}."""
    by_ctx = {c["id"]: c["admin_id"] for c in px.ox_state()["contexts"]}
    return {d: by_ctx[int(px.domain_state(d)["ox_context_id"])]
            for d in DOMAINS}


def set_admin_id(px, dom_id, ox_id):
    px.exec("oxt", "UPDATE domain_state SET admin_user_id = %s"
                   " WHERE dom_id = %s", (ox_id, dom_id))


def test_known_admins_read_with_the_list_and_every_drift_found(plesk):
    replicated(plesk)
    for dom_id, ox_id in admin_ids(plesk).items():
        set_admin_id(plesk, dom_id, ox_id)
    expect, _ = make_drift(plesk)
    db_before = tables(plesk)
    before = plesk.ox_counters()
    res = plesk.repl("reconcile", "--dry-run", *NONE)
    assert res.returncode == 0, plesk.describe(res)
    assert drift_lines(res) == expect
    assert summary_line(res) == SUMMARY
    calls = calls_delta(before, plesk.ox_counters())
    assert writes_delta(before, plesk.ox_counters()) == {}
    # one list for the contexts, getData for dom7's (gone); each of the
    # other three sends its list and its users' data (the admin among
    # them) at once, the intruder only after the list named it, and
    # dom1's data ("no such user(s) N": user11, whom OX names) again in
    # one call without user11 (its 3 other users and the admin), not
    # user by user
    assert calls == {"OXContextService.list": 1,
                     "OXContextService.getData": 1,
                     "OXUserService.list": 3,
                     "OXUserService.getMultipleData": 5}, calls
    assert tables(plesk) == db_before
    # a stale admin id is a user OX does not have: no drift, no admin
    # drift, the real admin found through the list
    set_admin_id(plesk, 9, 999)
    res = plesk.repl("reconcile", "--dry-run", *NONE)
    assert (drift_lines(res), summary_line(res)) == (expect, SUMMARY)


def test_a_failed_context_list_reads_each_context_alone(plesk):
    replicated(plesk)
    expect, _ = make_drift(plesk)
    # the first call from now, the contexts' list, never answers
    plesk.ox_config(hang_call=1, hang_max_ms=300)
    before = plesk.ox_counters()
    res = plesk.repl("reconcile", "--dry-run", *NONE)
    assert res.returncode == 0, plesk.describe(res)
    assert (drift_lines(res), summary_line(res)) == (expect, SUMMARY)
    assert "OXT04601" in res.stderr, res.stderr
    calls = calls_delta(before, plesk.ox_counters())
    assert (calls["OXContextService.list"],
            calls["OXContextService.getData"]) == (1, 4), calls
    # and repaired as ever once the list answers again
    res = plesk.repl("reconcile", *NONE)
    assert res.returncode == 0, plesk.describe(res)
    assert drift_lines(res) == expect
    res = plesk.repl("reconcile", "--dry-run", *NONE)
    assert [d[0] for d in drift_lines(res)] == ["user_unknown"], res.stdout


def test_every_call_failing_in_turn_is_survived(plesk):
    """Each of the calls of a reconcile in turn never answered (the
    connection closed after 300 ms), then a share of them faulted, in
    dry runs and repairing ones: every error path of the calls' and the
    tasks' pools runs, and none touches a pool that is gone (under
    SANITIZE=1 ASan would say so); each run ends with its report, in
    success or failure."""
    replicated(plesk)
    make_drift(plesk)

    def reconcile(*args):
        res = plesk.repl("reconcile", *(NONE + args), timeout=120)
        assert res.returncode in (0, 1), plesk.describe(res)
        assert "Sanitizer" not in res.stderr \
            and "runtime error" not in res.stderr, res.stderr
        assert "contexts and" in res.stdout, plesk.describe(res)
        return res

    hung = 0
    for n in range(1, 13):
        before = plesk.ox_counters().get("injected_hangs", 0)
        plesk.ox_config(hang_call=n, hang_max_ms=300)
        reconcile("--dry-run")
        hung += plesk.ox_counters().get("injected_hangs", 0) > before
    assert hung >= 8, hung           # the knob did reach the calls
    plesk.ox_config(hang_call=0, fault_rate=0.4)
    for _ in range(3):
        reconcile("--dry-run")
    for n in (1, 3, 6):
        plesk.ox_config(hang_call=n, hang_max_ms=300, fault_rate=0.2)
        reconcile()
