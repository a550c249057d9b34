"""Crash safety of the replicator (issue 4, "Proof"; issue 13, finding 7).

`oxtender-replicator run` and `daemon` are killed with SIGKILL again and
again while work is pending (at least 105 kills over the test, about a
third of them of a daemon), then a last run goes to the end, and the
emulator's state must equal the desired state computed from psa
(harness/oxexpect.py): every context and user exactly once with exactly
the desired attributes (the context admins' addresses included), nothing
left over, the oxtender state tables naming the same OX ids; and a
further run must send nothing.

Kills land in four kinds of places, chosen at random:
  - after a random delay (anywhere: reading psa, planning, writing state);
  - right after the emulator counted a new SOAP request: the emulator has
    applied the call and delays its answer (--latency-ms), so the process
    dies between OX's success and our database commit;
  - at a chosen SOAP call (the emulator's hang_call knob: applied, never
    answered): exactly between OX's success and our record, every time;
  - while a `daemon` works (it holds the lock and polls the queue).

Phase 1 creates ~300 users in ~30 contexts. Phase 2 (auto_delete on)
renames mailboxes and domains (one to an IDN name), changes passwords,
adds and removes mailbox aliases and domain aliases, changes the service
type, language and time zone of some domains, turns one domain off, one
on, and deletes mailboxes, including every mailbox of a domain (its
context goes too); half of it is announced by events. Phase 3 changes
Plesk between the kills, and back: mailbox aliases and domain aliases
toggled, mailboxes renamed and renamed back, passwords; a kill between
OX's success and our record followed by Plesk changing back is the case
a recorded-too-early state would never repair.

Duration: about two minutes on the shared 2-core machine (117 s alone,
111 s inside `make check SANITIZE=1`). The seed is printed;
OXT_CRASH_SEED=N repeats a run, and OXT_CRASH_KILLS=N asks for N kills
per phase instead of 35 (e.g. 300 for a long soak; the kills of phase 3
are half again as many).
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
from harness.oxdrift import writes_delta
from harness.oxsim import password_hash, user_password_is
from harness.plesk import PleskSetup, EVENT_VARS

SIZE = dict(resellers=2, clients=10, domains=44, mailboxes=460)
KILLS_PER_PHASE = int(os.environ.get("OXT_CRASH_KILLS") or 35)
# A call that hangs is closed by the emulator after this long.
HANG_MS = 3000


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
        self.modes = {}
        self.finished = 0
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

    def counter(self, name):
        return self.px.ox_counters()[name]

    def _wait(self, proc, mode):
        """Waits for the moment of mode; True when it came."""
        if mode == "delay":
            deadline = time.monotonic() + self.rng.uniform(0.02, 0.6)
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.005)
            return True
        # "request": the k-th request of this process was counted (OX
        # applied it, its answer is delayed by the latency); "call": the
        # emulator hangs the k-th call (hang_call), answerless for good.
        name = "requests" if mode == "request" else "injected_hangs"
        want = self.counter(name) + (self.rng.randint(1, 14)
                                     if mode == "request" else 1)
        deadline = time.monotonic() + 5
        while proc.poll() is None and time.monotonic() < deadline:
            if self.counter(name) >= want:
                return True
            time.sleep(0.001)
        return False

    def once(self):
        cmd = "daemon" if self.rng.random() < 0.35 else "run"
        mode = self.rng.choice(["delay", "request", "call", "call"])
        if mode == "call":
            self.px.ox_config(hang_call=self.rng.randint(1, 14))
        proc, err = self._start(cmd)
        try:
            came = self._wait(proc, mode)
            if proc.poll() is None and (came or cmd == "daemon"):
                proc.send_signal(signal.SIGKILL)
                self.kills += 1
                key = "%s/%s" % (cmd, mode if came else "idle")
                self.modes[key] = self.modes.get(key, 0) + 1
            proc.wait(HANG_MS / 1000.0 + 30)
            if proc.returncode == 0:
                self.finished += 1
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            err.close()
            if mode == "call":
                self.px.ox_config(hang_call=0)

    def loop(self, kills, between=None):
        """Until kills more kills (at most 3 tries each); between() runs
        before each try (Plesk changing meanwhile)."""
        target = self.kills + kills
        for _ in range(3 * kills):
            if self.kills >= target:
                break
            if between is not None:
                between()
            self.once()
        return self.kills - (target - kills)


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
    # and nothing is left to send
    before = px.ox_counters()
    px.run()
    sent = writes_delta(before, px.ox_counters())
    assert not sent, "%s: a run after convergence sent %s" % (label, sent)
    return state


def phase2_changes(px, want1, rng):
    """Renames, passwords, aliases, service/language/time zone, selection,
    domain renames and domain aliases, and deletes. Returns the events to
    fire [(name, env)] and a summary."""
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
    # domain renames (one to an IDN name) and domain aliases: every user
    # of those contexts changes its addresses, the contexts their names
    # and mappings, their admins their addresses
    live = [d for d in ctx_doms if d != gone_dom]
    ren_plain, ren_idn = live[1], live[2]
    # the generator's sym passwords name the domain (oxexpect): those of a
    # renamed domain become plain ones
    stmts.append("UPDATE accounts a JOIN mail m ON m.account_id = a.id"
                 " SET a.password = CONCAT('ren-pw-', m.id)"
                 " WHERE a.type = 'sym' AND m.dom_id IN (%d, %d);"
                 % (ren_plain, ren_idn))
    stmts.append("UPDATE accounts a JOIN mail m ON m.account_id = a.id"
                 " SET a.type = 'plain' WHERE a.type = 'sym'"
                 " AND m.dom_id IN (%d, %d);" % (ren_plain, ren_idn))
    stmts.append("UPDATE domains SET name = CONCAT('renamed-', name),"
                 " displayName = CONCAT('renamed-', displayName)"
                 " WHERE id = %d;" % ren_plain)
    stmts.append("UPDATE domains SET name = 'xn--bcher-kva.example',"
                 " displayName = 'b\u00fccher.example' WHERE id = %d;"
                 % ren_idn)
    aliased = [int(r[0]) for r in px.psa(
        "SELECT DISTINCT dom_id FROM domainaliases WHERE mail = 'true'"
        " AND status = 0 ORDER BY dom_id")]
    aliased = [d for d in aliased if d in live]
    stmts.append("DELETE FROM domainaliases WHERE dom_id IN (%s);"
                 % ",".join(str(d) for d in aliased[:2] or [0]))
    for d in live[3:6]:
        stmts.append("INSERT INTO domainaliases (dom_id, name, displayName,"
                     " mail, status) VALUES (%d, 'more-%d.example',"
                     " 'more-%d.example', 'true', 0);" % (d, d, d))
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
        events.append(("mailname_update", {"NEW_MAILNAME": addr[m]}))
    return events, dict(renamed=len(renamed), passwords=len(pw),
                        aliases_added=len(add_alias),
                        aliases_replaced=len(drop_alias),
                        deleted=len(deleted) + len(gone_dom_mails),
                        domain_gone=gone_dom, domain_off=off,
                        domains_renamed=[ren_plain, ren_idn],
                        domain_aliases_removed=aliased[:2],
                        domains_changed=len(changed))


class Flipper:
    """Phase 3: Plesk changes between the kills, and changes back."""

    def __init__(self, px, rng, want):
        self.px = px
        self.rng = rng
        self.mails = sorted(u["_mail_id"] for c in want.values()
                            for u in c["users"].values())
        self.doms = sorted(c["dom_id"] for c in want.values())
        self.renamed = {}            # mail id -> name before the flip
        self.changes = 0

    def _alias(self, m):
        if self.px.psa("SELECT 1 FROM mail_aliases WHERE mn_id = %d AND"
                       " alias = 'flip%d'" % (m, m)):
            return "DELETE FROM mail_aliases WHERE mn_id = %d AND" \
                   " alias = 'flip%d';" % (m, m)
        return "INSERT INTO mail_aliases (mn_id, alias) VALUES" \
               " (%d, 'flip%d');" % (m, m)

    def _domain_alias(self, d):
        if self.px.psa("SELECT 1 FROM domainaliases WHERE name ="
                       " 'flip-%d.example'" % d):
            return "DELETE FROM domainaliases WHERE name =" \
                   " 'flip-%d.example';" % d
        return "INSERT INTO domainaliases (dom_id, name, displayName, mail," \
               " status) VALUES (%d, 'flip-%d.example', 'flip-%d.example'," \
               " 'true', 0);" % (d, d, d)

    def _rename(self, m):
        if m in self.renamed:
            return "UPDATE mail SET mail_name = '%s' WHERE id = %d;" % (
                self.renamed.pop(m), m)
        name = self.px.psa("SELECT mail_name FROM mail WHERE id = %d" % m)
        self.renamed[m] = name[0][0]
        return "UPDATE mail SET mail_name = CONCAT('fl', mail_name)" \
               " WHERE id = %d;" % m

    def __call__(self):
        rng = self.rng
        stmts = []
        chosen = set()
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(["alias", "alias", "domain alias", "rename",
                               "password"])
            m = rng.choice(self.mails)
            # each change reads psa before any of the batch is applied, so
            # the same object twice in one batch would insert its alias
            # twice (or rename it twice): one change per object a batch
            d = rng.choice(self.doms) if kind == "domain alias" else None
            key = (kind, d if d is not None else m)
            if key in chosen:
                continue
            chosen.add(key)
            if kind == "alias":
                stmts.append(self._alias(m))
            elif kind == "domain alias":
                stmts.append(self._domain_alias(d))
            elif kind == "rename":
                stmts.append(self._rename(m))
            else:
                stmts.append("UPDATE accounts a JOIN mail m ON m.account_id"
                             " = a.id SET a.type = 'plain', a.password ="
                             " 'flip-pw-%d' WHERE m.id = %d;"
                             % (rng.randrange(10**6), m))
        self.px.exec("psa", "\n".join(stmts))
        self.changes += len(stmts)


@pytest.fixture
def crash_setup(mariadb):
    root = tempfile.mkdtemp(prefix="crash-", dir=os.path.dirname(mariadb.root))
    seed = _seed()
    print("\ncrash test seed %d (OXT_CRASH_SEED=%d repeats it)" % (seed, seed))
    px = PleskSetup(mariadb, root, size=SIZE, seed=1,
                    oxsim_args=["--latency-ms", "10", "--jitter-ms", "20",
                                "--hang-max-ms", str(HANG_MS),
                                "--seed", str(seed % 100000 + 1)])
    try:
        px.setup()
        yield px, seed, root
    finally:
        px.close()


def test_sigkill_at_random_points_converges(crash_setup):
    px, seed, root = crash_setup
    rng = random.Random(seed)
    t0 = time.monotonic()
    px.settings_set(auto_delete=1, soap_timeout_s=2)
    domain_prefs(px)
    want1 = oxexpect.desired(px)
    n1 = oxexpect.count_users(want1)
    print("phase 1: %d users in %d contexts to create" % (n1, len(want1)))
    assert n1 >= 250 and len(want1) >= 25, "data too small for the test"

    crasher = Crasher(px, rng, root)
    kills = crasher.loop(KILLS_PER_PHASE)
    print("phase 1: %d kills (%s), %d runs ended by themselves" % (
        kills, crasher.modes, crasher.finished))
    print("phase 1: final runs %s" % finish(px))
    check(px, want1, "phase 1")
    calls = px.ox_counters()["calls"]
    print("phase 1: OX calls %s" % calls)
    creates = sum(v for k, v in calls.items()
                  if k.startswith("OXUserService.create"))
    # every user was created at least once; the ones created again after
    # a kill were answered "exists" and adopted (getData), not duplicated
    assert creates >= n1

    # ---- phase 2: changes pending ----
    events, summary = phase2_changes(px, want1, rng)
    want2 = oxexpect.desired(px, ox_names=oxexpect.ox_names_of(want1))
    print("phase 2: %s; now %d users in %d contexts" % (
        summary, oxexpect.count_users(want2), len(want2)))
    for name, evenv in events:
        res = px.event(name, env=evenv)
        assert res.returncode == 0
    kills = crasher.loop(KILLS_PER_PHASE)
    print("phase 2: %d kills (%s)" % (kills, crasher.modes))
    print("phase 2: final runs %s" % finish(px))
    check(px, want2, "phase 2")
    gone = summary["domain_gone"]
    assert px.scalar("oxt", "SELECT COUNT(*) FROM mailbox_state WHERE"
                     " dom_id = %s", (gone,)) == "0"
    assert "xn--bcher-kva.example" in want2

    # ---- phase 3: Plesk changes between the kills, and back ----
    flip = Flipper(px, rng, want2)
    kills = crasher.loop(KILLS_PER_PHASE * 3 // 2, between=flip)
    want3 = oxexpect.desired(px, ox_names=oxexpect.ox_names_of(want2))
    print("phase 3: %d changes, %d kills (%s)" % (flip.changes, kills,
                                                  crasher.modes))
    print("phase 3: final runs %s" % finish(px))
    check(px, want3, "phase 3")

    # nothing failed for good: no parked items
    parked = px.queue_rows("parked = 1")
    assert not parked, parked
    leftover = px.queue_rows()
    print("queue after convergence: %d rows, %d still leased by killed"
          " processes" % (len(leftover),
                          sum(1 for r in leftover if r["lease_owner"])))
    print("total: %d SIGKILLs (%s) in %.0f s; OX calls %s" % (
        crasher.kills, crasher.modes, time.monotonic() - t0,
        px.ox_counters()["calls"]))
    assert crasher.kills >= 3 * KILLS_PER_PHASE
    assert sum(v for k, v in crasher.modes.items()
               if k.startswith("daemon/")) >= KILLS_PER_PHASE // 2
    assert sum(v for k, v in crasher.modes.items()
               if k.endswith("/call")) >= KILLS_PER_PHASE // 2


def test_compare_detects_differences():
    """The comparison used above can fail: a duplicate, a leftover, a
    missing user and a changed attribute are each reported."""
    want = {"d.example": dict(dom_id=1, quota=100, mappings={"d.example"},
                              users={"u": dict(name="u", password="p",
                                               aliases=["u@d.example"],
                                               _mail_id=7)})}
    admin = dict(id=2, name="oxadmin$", contextadmin=True,
                 primaryEmail="oxadmin$@d.example",
                 email1="oxadmin$@d.example",
                 defaultSenderAddress="oxadmin$@d.example",
                 aliases=["oxadmin$@d.example"])
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
    stale = dict(ctx, users=[dict(admin, primaryEmail="oxadmin$@old.example"),
                             user])
    assert any("context admin" in p for p in
               oxexpect.compare(want, state(stale)))
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
