"""Crash safety of the replicator (issue 4, "Proof").

A few hundred changes are pending; `oxtender-replicator run` and `daemon`
are killed with SIGKILL at random points many times and restarted; then a
last run goes to the end, and the emulator's state must equal the desired
state computed from psa (harness/oxexpect.py): every context and user
exactly once with exactly the desired attributes, nothing left over, and
the oxtender state tables naming the same OX ids.

Kills land in three kinds of places, chosen at random:
  - after a random delay (anywhere: reading psa, planning, writing state);
  - right after the emulator counted a new SOAP request: the emulator has
    applied the call and delays its answer (--latency-ms), so the process
    dies between OX's success and our database commit;
  - while a `daemon` works (it holds the lock and polls the queue).

Phase 1 creates ~300 users in ~30 contexts. Phase 2 (auto_delete on)
renames mailboxes, changes passwords, adds and removes mailbox aliases,
changes the service type, language and time zone of some domains, turns
one domain off, one on, and deletes mailboxes, including every mailbox of
a domain (its context goes too); half of it is announced by events.

The seed is printed; OXT_CRASH_SEED=N repeats a run.
"""
import os
import random
import signal
import subprocess
import tempfile
import time

import pytest

from harness import env
from harness import oxexpect
from harness.oxsim import password_hash, user_password_is
from harness.plesk import PleskSetup, EVENT_VARS

SIZE = dict(resellers=2, clients=10, domains=44, mailboxes=460)
KILLS_PER_PHASE = 15


def _seed():
    s = os.environ.get("OXT_CRASH_SEED")
    return int(s) if s else random.SystemRandom().randrange(1, 1 << 30)


def domain_prefs(px):
    """Select most domains; vary service type, language and time zone."""
    doms = [int(r[0]) for r in px.psa("SELECT id FROM domains ORDER BY id")]
    values = []
    for k in doms:
        if k % 9 == 4:
            continue                    # not selected
        svc = {1: "'groupware_standard'", 2: "'groupware_premium'"}.get(
            k % 4, "NULL")
        lang = "'de_DE'" if k % 5 == 1 else "NULL"
        tz = "'America/New_York'" if k % 6 == 1 else "NULL"
        values.append("('domain', %d, 'on', %s, %s, %s)" % (k, svc, lang, tz))
    px.exec("oxt", "INSERT INTO prefs (level, plesk_id, webmail_forever,"
            " service_type, language, timezone) VALUES " + ",\n".join(values))
    return doms


class Crasher:
    """Starts run/daemon and SIGKILLs it at random points."""

    def __init__(self, px, rng, logdir):
        self.px = px
        self.rng = rng
        self.logdir = logdir
        self.kills = 0
        self.finished = 0
        self.in_flight_kills = 0
        self.n = 0
        self.env = {k: v for k, v in os.environ.items()
                    if k not in EVENT_VARS}

    def _start(self, cmd):
        self.n += 1
        err = open(os.path.join(self.logdir, "%03d-%s.err" % (self.n, cmd)),
                   "w")
        argv = [env.REPLICATOR, "-c", self.px.config, cmd]
        return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err,
                                env=self.env), err

    def requests(self):
        return self.px.ox_counters()["requests"]

    def once(self):
        cmd = "daemon" if self.rng.random() < 0.3 else "run"
        mode = self.rng.choice(["delay", "request", "request"])
        proc, err = self._start(cmd)
        try:
            if mode == "delay":
                deadline = time.monotonic() + self.rng.uniform(0.02, 1.5)
                while time.monotonic() < deadline and proc.poll() is None:
                    time.sleep(0.005)
            else:
                # Kill right after the emulator counted the k-th request
                # of this process: OX has applied it, its answer is
                # delayed by the latency, our commit has not happened.
                base = self.requests()
                k = self.rng.randint(1, 40)
                deadline = time.monotonic() + 3
                while proc.poll() is None and time.monotonic() < deadline:
                    if self.requests() - base >= k:
                        break
                    time.sleep(0.001)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                self.kills += 1
                if mode == "request":
                    self.in_flight_kills += 1
            else:
                self.finished += 1
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            err.close()
        return mode

    def loop(self, kills):
        for _ in range(kills):
            self.once()


def finish(px):
    """Runs until a run does nothing more (at most 4 runs)."""
    outputs = []
    for _ in range(4):
        res = px.repl("--json", "run", timeout=120)
        assert res.returncode == 0, px.describe(res)
        outputs.append(res.stdout.strip())
        if '"operations_ok": 0, "operations_failed": 0' in res.stdout:
            return outputs
    return outputs


def check(px, want, label):
    state = px.ox_state()
    problems = oxexpect.compare(want, state)
    problems += oxexpect.compare_state_tables(px, state, want)
    assert not problems, "%s: OX differs from the desired state:\n  %s" % (
        label, "\n  ".join(problems))
    return state


def phase2_changes(px, want1, rng):
    """Renames, passwords, aliases, service/language/time zone, selection
    and deletes. Returns the events to fire [(name, NEW_MAILNAME)]."""
    users = sorted(((u["_mail_id"], ctx) for ctx, c in want1.items()
                    for u in c["users"].values()))
    ctx_doms = sorted({c["dom_id"] for c in want1.values()})
    rng.shuffle(users)
    mids = [m for m, _ in users]
    # whole domain deleted: its context must go
    gone_dom = ctx_doms[len(ctx_doms) // 2]
    gone_dom_mails = [int(r[0]) for r in px.psa(
        "SELECT id FROM mail WHERE dom_id = %d" % gone_dom)]
    mids = [m for m in mids if m not in gone_dom_mails]
    renamed, pw, add_alias, drop_alias, deleted = (
        mids[0:25], mids[25:60], mids[60:85], mids[85:100], mids[100:130])
    events = []
    addr = dict((int(r[0]), r[1]) for r in px.psa(
        "SELECT m.id, CONCAT(m.mail_name, '@', d.name) FROM mail m"
        " JOIN domains d ON d.id = m.dom_id"))
    stmts = []
    for m in renamed:
        stmts.append("UPDATE mail SET mail_name = CONCAT('rn', mail_name)"
                     " WHERE id = %d;" % m)
    for m in pw:
        stmts.append("UPDATE accounts a JOIN mail m ON m.account_id = a.id"
                     " SET a.type = 'plain', a.password = 'new-pw-%d-%d'"
                     " WHERE m.id = %d;" % (m, rng.randrange(10**6), m))
    for m in add_alias:
        stmts.append("INSERT INTO mail_aliases (mn_id, alias) VALUES"
                     " (%d, 'extra%d');" % (m, m))
    for m in drop_alias:
        stmts.append("DELETE FROM mail_aliases WHERE mn_id = %d;" % m)
        stmts.append("INSERT INTO mail_aliases (mn_id, alias) VALUES"
                     " (%d, 'other%d');" % (m, m))
    for m in deleted + gone_dom_mails:
        stmts.append("DELETE FROM mail_aliases WHERE mn_id = %d;" % m)
        stmts.append("DELETE FROM mail WHERE id = %d;" % m)
    px.exec("psa", "\n".join(stmts))
    # domain-level changes: service type, language, time zone, selection
    changed = ctx_doms[:len(ctx_doms) // 2]
    off = [d for d in ctx_doms if d != gone_dom][-1]
    px.exec("oxt", "\n".join(
        ["UPDATE prefs SET service_type = 'groupware_premium',"
         " language = 'fr_FR' WHERE level = 'domain' AND plesk_id = %d;" % d
         for d in changed[0::2]]
        + ["UPDATE prefs SET timezone = 'Asia/Tokyo', service_type = NULL"
           " WHERE level = 'domain' AND plesk_id = %d;" % d
           for d in changed[1::2]]
        + ["UPDATE prefs SET webmail_forever = 'off' WHERE level = 'domain'"
           " AND plesk_id = %d;" % off]))
    # turn on one domain that was not selected (if it has users to make)
    unselected = [int(r[0]) for r in px.psa(
        "SELECT id FROM domains ORDER BY id")
        if int(r[0]) % 9 == 4]
    if unselected:
        px.exec("oxt", "INSERT INTO prefs (level, plesk_id, webmail_forever)"
                " VALUES ('domain', %d, 'on') ON DUPLICATE KEY UPDATE"
                " webmail_forever = 'on';" % unselected[0])
    for m in (renamed + pw + add_alias + drop_alias + deleted)[::2]:
        events.append(("mailname_update", addr[m]))
    return events, dict(renamed=len(renamed), passwords=len(pw),
                        aliases_added=len(add_alias),
                        aliases_replaced=len(drop_alias),
                        deleted=len(deleted) + len(gone_dom_mails),
                        domain_gone=gone_dom, domain_off=off,
                        domains_changed=len(changed))


@pytest.fixture
def crash_setup(mariadb):
    root = tempfile.mkdtemp(prefix="crash-", dir=os.path.dirname(mariadb.root))
    seed = _seed()
    print("\ncrash test seed %d (OXT_CRASH_SEED=%d repeats it)" % (seed, seed))
    px = PleskSetup(mariadb, root, size=SIZE, seed=1,
                    oxsim_args=["--latency-ms", "50", "--jitter-ms", "50",
                                "--seed", str(seed % 100000 + 1)])
    try:
        px.setup()
        yield px, seed, root
    finally:
        px.close()


def test_sigkill_at_random_points_converges(crash_setup):
    px, seed, root = crash_setup
    rng = random.Random(seed)
    px.settings_set(auto_delete=1)
    domain_prefs(px)
    want1 = oxexpect.desired(px)
    n1 = oxexpect.count_users(want1)
    print("phase 1: %d users in %d contexts to create" % (n1, len(want1)))
    assert n1 >= 250 and len(want1) >= 25, "data too small for the test"

    crasher = Crasher(px, rng, root)
    crasher.loop(KILLS_PER_PHASE)
    print("phase 1: %d kills (%d right after an OX request), %d runs ended"
          " by themselves" % (crasher.kills, crasher.in_flight_kills,
                              crasher.finished))
    print("phase 1: final runs %s" % finish(px))
    check(px, want1, "phase 1")
    calls = px.ox_counters()["calls"]
    print("phase 1: OX calls %s" % calls)
    creates = sum(v for k, v in calls.items()
                  if k.startswith("OXUserService.create"))
    # every user was created at least once; the ones created again after
    # a kill were answered "exists" and adopted (getData), not duplicated
    assert creates >= n1

    # a run after convergence changes nothing in OX
    quiet = dict(px.ox_counters()["calls"])
    px.run()
    after = px.ox_counters()["calls"]
    writes = {k: after.get(k, 0) - quiet.get(k, 0) for k in after
              if not k.endswith(("getData", "exists", "list", "listAll"))
              and after.get(k, 0) != quiet.get(k, 0)}
    assert not writes, "a run after convergence sent %s" % writes

    # ---- phase 2 ----
    events, summary = phase2_changes(px, want1, rng)
    want2 = oxexpect.desired(px, ox_names=oxexpect.ox_names_of(want1))
    print("phase 2: %s; now %d users in %d contexts" % (
        summary, oxexpect.count_users(want2), len(want2)))
    for name, address in events:
        res = px.event(name, env={"NEW_MAILNAME": address})
        assert res.returncode == 0
    kills_before = crasher.kills
    inflight_before = crasher.in_flight_kills
    crasher.loop(KILLS_PER_PHASE)
    print("phase 2: %d kills (%d right after an OX request)" % (
        crasher.kills - kills_before,
        crasher.in_flight_kills - inflight_before))
    print("phase 2: final runs %s" % finish(px))
    check(px, want2, "phase 2")
    gone = summary["domain_gone"]
    assert px.scalar("oxt", "SELECT COUNT(*) FROM mailbox_state WHERE"
                     " dom_id = %s", (gone,)) == "0"
    # nothing failed for good: no parked items
    parked = px.queue_rows("parked = 1")
    assert not parked, parked
    leftover = px.queue_rows()
    print("queue after convergence: %d rows, %d still leased by killed"
          " processes" % (len(leftover),
                          sum(1 for r in leftover if r["lease_owner"])))
    print("total: %d SIGKILLs, %d right after an OX request; OX calls %s" % (
        crasher.kills, crasher.in_flight_kills, px.ox_counters()["calls"]))
    assert crasher.kills >= 20


def test_compare_detects_differences():
    """The comparison used above can fail: a duplicate, a leftover, a
    missing user and a changed attribute are each reported."""
    want = {"d.example": dict(dom_id=1, quota=100, mappings={"d.example"},
                              users={"u": dict(name="u", password="p",
                                               aliases=["u@d.example"],
                                               _mail_id=7)})}
    admin = dict(id=2, name="oxadmin", contextadmin=True)
    salt = "0123"
    user = dict(id=3, name="u", contextadmin=False,
                password_sha256=password_hash(salt, 1, 3, "p"),
                aliases=["u@d.example"])
    ctx = dict(id=1, name="d.example", maxQuota=100, enabled=True,
               loginMappings=["d.example", "1"], users=[admin, user])

    def state(*ctxs):
        return dict(password_salt=salt, contexts=list(ctxs))

    assert oxexpect.compare(want, state(ctx)) == []
    dup = dict(ctx, users=[admin, user, dict(user, id=4)])
    assert any("2 times" in p for p in oxexpect.compare(want, state(dup)))
    extra = dict(ctx, users=[admin, user, dict(user, id=4, name="v")])
    assert any("leftover user v" in p for p in
               oxexpect.compare(want, state(extra)))
    missing = dict(ctx, users=[admin])
    assert any("missing user u" in p for p in
               oxexpect.compare(want, state(missing)))
    changed = dict(ctx, users=[admin, dict(
        user, password_sha256=password_hash(salt, 1, 3, "q"))])
    assert any("password" in p for p in
               oxexpect.compare(want, state(changed)))
    moved = dict(ctx, users=[admin, dict(user, id=4)])   # same digest, id 4
    assert any("password" in p for p in
               oxexpect.compare(want, state(moved)))
    other = dict(ctx, id=5, name="e.example", loginMappings=["5"])
    assert any("leftover context e.example" in p for p in
               oxexpect.compare(want, state(ctx, other)))


@pytest.fixture
def small(mariadb):
    root = tempfile.mkdtemp(prefix="lease-", dir=os.path.dirname(mariadb.root))
    px = PleskSetup(mariadb, root)
    try:
        px.setup()
        yield px
    finally:
        px.close()


def _ox_password_is(px, address, password):
    state = px.ox_state()
    for c in state["contexts"]:
        for u in c["users"]:
            if u.get("primaryEmail") == address:
                return user_password_is(state, c, u, password)
    return False


def _in_ox(px, address):
    return any(u.get("primaryEmail") == address
               for c in px.ox_state()["contexts"] for u in c["users"])


def test_event_after_crash_is_not_stuck_behind_a_dead_lease(small):
    px = small
    px.exec("oxt", "INSERT INTO prefs (level, plesk_id, webmail_forever)"
            " SELECT 'domain', id, 'on' FROM %s.domains" % px.psa_db)
    px.run()
    mid, address, acc = px.psa(
        "SELECT m.id, CONCAT(m.mail_name, '@', d.name), m.account_id"
        " FROM mail m JOIN domains d ON d.id = m.dom_id"
        " JOIN accounts a ON a.id = m.account_id"
        " WHERE a.type = 'plain' AND a.password <> '' AND d.id = 1"
        " ORDER BY m.id LIMIT 1")[0]
    assert _in_ox(px, address), "mailbox %s not replicated" % address
    e = {k: v for k, v in os.environ.items() if k not in EVENT_VARS}
    # 1. a run claims the hint and dies while its OX call is in flight
    px.exec("psa", "UPDATE accounts SET password = 'first-change'"
            " WHERE id = %s" % acc)
    assert px.event("mailname_update", env={"NEW_MAILNAME": address}
                    ).returncode == 0
    px.ox_config(latency_ms=3000)
    proc = subprocess.Popen([env.REPLICATOR, "-c", px.config, "run"],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=e)
    try:
        leased = env.wait_until(lambda: px.queue_rows(
            "object_id = %s AND lease_owner IS NOT NULL" % mid), 10, 0.02)
        assert leased, "the run never claimed the hint"
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    px.ox_config(latency_ms=0)
    # 2. the daemon starts again (systemd), its first full pass repairs OX
    daemon = subprocess.Popen([env.REPLICATOR, "-c", px.config, "daemon"],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=e)
    try:
        assert env.wait_until(
            lambda: _ox_password_is(px, address, "first-change"), 10, 0.1)
        time.sleep(1)
        # 3. the next change of that mailbox, announced by its event
        px.exec("psa", "UPDATE accounts SET password = 'second-change'"
                " WHERE id = %s" % acc)
        assert px.event("mailname_update", env={"NEW_MAILNAME": address}
                        ).returncode == 0
        seen = env.wait_until(
            lambda: _ox_password_is(px, address, "second-change"), 5, 0.1)
        print("queue: %s" % px.queue_rows())
        assert seen, "the event's change did not reach OX within 5 s"
    finally:
        env.terminate(daemon.pid, 30, proc=daemon)
