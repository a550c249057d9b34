#!/usr/bin/python3
"""The daemon under a burst of hints (never part of `make check`).

    make
    /usr/bin/python3 bench/burst.py [--mailboxes 10000] [--domains 1000]
        [--hints 10000] [--seconds 20] [--conns 16] [--latency-ms 20]
        [--workers 8] [--keep] [--lock /work/wt/bench.lock]

Starts its own MariaDB (tests/gen/bench-XXXX, removed at the end) and,
through the integration harness, a psa + oxtender database pair and a
tests/oxsim emulator answering after --latency-ms, with its change log
(`--change-log`: one line per user change that set a password, written
when the call is applied, with the password's salted digest).

1. Setup: N mailboxes in D domains, every one replicable and selected
   (as bench/replicate.py), replicated by one `run` with --conns
   connections; OX is checked against the desired state.
2. The burst: `daemon` runs (ox_connections --conns). A bulk password
   change across many domains: --hints mailboxes (shuffled, so the hints
   spread over the domains), in ticks of 100 ms over --seconds; in each
   tick the tick's passwords are written to psa.accounts (one client
   session, as Plesk writes them), then each mailbox's event is fired as
   Plesk's Event Manager runs a handler: `oxtender-replicator event
   mailname_update` with NEW_MAILNAME in the environment, a process per
   event, --workers at a time.
3. Measured: the handler's wall time per event (start of the process to
   its exit: what Plesk waits for); hint -> OX per mailbox (the start of
   its handler to the emulator applying the OXUserService.change that
   carries the new password, from the change log); the hints lost (the
   new password never arrived) and doubled (more than one change carrying
   a password for the mailbox); the emulator's state against the desired
   one; the daemon's CPU and RSS. Printed in one block at the end.

With --log-level debug the daemon logs each claimed hint's trail and each
mailbox's call (OXT04946, OXT04947), and the figures end with where the
hints waited, stage by stage from the handler's start to OX's applying
the change (p50/p95; print_trail).

With --lock FILE (a shared machine): start it niced (`nice -n 19`); the
setup runs so, and only the burst (step 2 and its measures) runs at
priority 0, this process, the database server and the emulator reniced
for it, while an exclusive flock on FILE is held. OXT_REPLICATOR names
the replicator measured (another build's, to compare).
"""
import argparse
import calendar
import contextlib
import hashlib
import os
import queue
import random
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)

import benchlib  # noqa: E402
from benchlib import RssSampler, db_status, proc_cpu  # noqa: E402
from harness import env, oxexpect  # noqa: E402
from harness.plesk import EVENT_VARS, PleskSetup  # noqa: E402


def pct(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


class SqlSession:
    """One `mariadb` client process fed statements on stdin; sync() waits
    until everything sent so far has run (autocommit: committed)."""

    def __init__(self, mariadb, database):
        self.proc = subprocess.Popen(
            mariadb.client_argv(database) + ["--unbuffered"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            bufsize=1)
        self.n = 0

    def run(self, text):
        self.n += 1
        self.proc.stdin.write(text + "\nSELECT 'sync-%d';\n" % self.n)
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit("the SQL session ended")
            if line.strip() == "sync-%d" % self.n:
                return

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)


def first_run(mariadb, root, args):
    size = dict(resellers=10, clients=200, domains=args.domains,
                mailboxes=args.mailboxes)
    changes = os.path.join(root, "oxsim-changes.log")
    px = PleskSetup(mariadb, os.path.join(root, "setup"), size=size, seed=1,
                    oxsim_args=["--latency-ms", str(args.latency_ms),
                                "--max-conns", "1024",
                                "--change-log", changes])

    def configure(px):
        px.change_log = changes
        px.write_config(ox_connections=args.conns, log_level="notice")
        if args.log_level != "notice":
            # the first run's own log stays quiet; the daemon's says more
            px.daemon_config = os.path.join(root, "daemon.conf")
            px.write_config(path=px.daemon_config, ox_connections=args.conns,
                            log_level=args.log_level)

    took = benchlib.first_replication(px, configure, 3600)
    print("setup: %d mailboxes in %d domains replicated in %.1f s" % (
        args.mailboxes, args.domains, took), flush=True)
    return px


def read_changes(path):
    """[(unix time, ctx id, user id, digest)] of the change log."""
    out = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 5 and parts[1] == "change":
                out.append((float(parts[0]), int(parts[2]), int(parts[3]),
                            parts[4].strip('"')))
    return out


def digest(salt, cid, uid, pw):
    return hashlib.sha256(("%s:%d:%d:%s" % (salt, cid, uid, pw))
                          .encode()).hexdigest()


class Firing:
    """Fires the events: a tick's passwords, then its events, a process
    each, --workers at a time."""

    def __init__(self, px, args, targets, mail_ids):
        self.px = px
        self.mail_ids = mail_ids
        self.args = args
        self.targets = targets            # [(address, account id, pw)]
        self.jobs = queue.Queue()
        self.handler = {}                 # address -> (start, end, rc)
        self.written = {}                 # address -> its password stored
        self.lock = threading.Lock()
        self.env = {k: v for k, v in os.environ.items()
                    if k not in EVENT_VARS}

    def worker(self):
        while True:
            addr = self.jobs.get()
            if addr is None:
                return
            t0 = time.time()
            rc = subprocess.call([env.REPLICATOR, "-c", self.px.config,
                                  "event", "mailname_update"],
                                 env=dict(self.env, NEW_MAILNAME=addr),
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            t1 = time.time()
            with self.lock:
                self.handler[addr] = (t0, t1, rc)

    def direct(self, sql, chunk):
        """--direct: the hints written as oxt_queue_push writes them, in
        one session (the daemon alone, without the handler's start)."""
        t0 = time.time()
        sql.run("\n".join(
            "INSERT INTO `%s`.queue (object_type, object_id, reason, detail,"
            " scheduled_by, enqueued_at, not_before) VALUES ('mailbox', %d,"
            " 'mailname_update', '%s', 'Automatic', NOW(3), NOW(3))"
            " ON DUPLICATE KEY UPDATE reason = VALUES(reason),"
            " enqueued_at = VALUES(enqueued_at), not_before ="
            " LEAST(not_before, VALUES(not_before));" % (
                self.px.oxt_db, int(self.mail_ids[a]), a)
            for a, _, _ in chunk))
        t1 = time.time()
        for addr, _, _ in chunk:
            self.handler[addr] = (t0, t1, 0)

    def fire(self):
        threads = [threading.Thread(target=self.worker, daemon=True)
                   for _ in range(self.args.workers)]
        for t in threads:
            t.start()
        sql = SqlSession(self.px.db, self.px.psa_db)
        ticks = max(1, int(self.args.seconds * 10))
        per = (len(self.targets) + ticks - 1) // ticks
        start = time.monotonic()
        for k in range(ticks):
            chunk = self.targets[k * per:(k + 1) * per]
            if not chunk:
                break
            delay = start + k * 0.1 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sql.run("\n".join(
                "UPDATE accounts SET type = 'plain', password = '%s'"
                " WHERE id = %s;" % (pw, acc) for _, acc, pw in chunk))
            t_written = time.time()
            for addr, _, _ in chunk:
                self.written[addr] = t_written
            if self.args.direct:
                self.direct(sql, chunk)
                continue
            for addr, _, _ in chunk:
                self.jobs.put(addr)
        for _ in threads:
            self.jobs.put(None)
        for t in threads:
            t.join()
        sql.close()
        return time.monotonic() - start


TRAIL = re.compile(
    r"hint trail: mailbox (\d+) domain (\d+) enqueued (\S+ \S+) claimed"
    r" (\S+) made (\S+) started (\S+) sent (\S+) answered (\S+) done"
    r" (\S+) committed (\S+)")
CALL = re.compile(r"call trail: mailbox (\d+) domain (\d+) made (\S+) sent"
                  r" (\S+) answered (\S+)")


def unix_time(text):
    """The database's NOW(3) text (the server's time zone: the harness's
    MariaDB runs in UTC, as this machine) as Unix seconds."""
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%d %H:%M:%S")) \
        + (float("0" + text[19:]) if len(text) > 19 else 0.0)


def print_trail(path, fire, first, mail_ids):
    """Where each hint's time went (--log-level debug: the daemon's hint
    trail, OXT04946 a line per claimed hint and OXT04947 per mailbox's
    call, joined with the handlers' clock and the emulator's change log).
    The call that carried a mailbox's new password is the one whose
    send..answer holds the emulator's applying it; per stage p50/p95 over
    the hints whose own domain task made that call. The others reached
    OX with another hint's domain task (a domain is planned whole)."""
    addr_of = {int(v): a for a, v in mail_ids.items()}
    items, tasks, calls = {}, {}, {}
    with open(path) as f:
        for line in f:
            m = TRAIL.search(line)
            if m is not None:
                g = m.groups()
                key = (g[1], g[4])                 # domain, made
                v = [float(x) for x in g[3:]]
                items.setdefault(int(g[0]), (key, unix_time(g[2]), v[0]))
                t = tasks.setdefault(key, list(v))
                t[0] = min(t[0], v[0])
                continue
            m = CALL.search(line)
            if m is not None:
                g = m.groups()
                calls.setdefault(int(g[0]), []).append(
                    ((g[1], g[2]), float(g[3]), float(g[4])))
    names = ["handler start -> enqueued (process, socket, INSERT)",
             "enqueued -> claimed (group commit, the engine noticing)",
             "claimed -> domain made (window, load and plan)",
             "made -> started (its first turn)",
             "started -> first call sent (that turn's commit)",
             "first call -> this mailbox's call (its domain's others)",
             "call sent -> OX applied (SOAP queue, the wire)",
             "OX applied -> answer's callback",
             "callback -> outcome committed"]
    stages = [[] for _ in names]
    own, before, sibling, untraced = [], [], [], 0
    for mid, a in addr_of.items():
        ox = first.get(a)
        if ox is None or a not in fire.handler:
            continue
        h0 = fire.handler[a][0]
        call = [c for c in calls.get(mid, ())
                if c[1] - 0.005 <= ox <= c[2] + 0.005]
        if ox < h0:
            before.append(0.0)
            continue
        if not call or call[0][0] not in tasks:
            untraced += 1
            continue
        key, sent, ans = call[0]
        mine = items.get(mid)
        if mine is None or mine[0] != key:
            sibling.append(ox - h0)
            continue
        own.append(ox - h0)
        cl, made, st, first_sent, _, _, com = tasks[key]
        pts = [h0, mine[1], mine[2], made, st, first_sent, sent, ox, ans,
               com]
        for i in range(len(names)):
            stages[i].append(pts[i + 1] - pts[i])

    def q(v):
        return "p50 %7.1f ms, p95 %7.1f ms" % (1000 * pct(v, 0.5),
                                               1000 * pct(v, 0.95))
    print("hint trail: %d hints sent by their own domain task (hint -> OX"
          " %s), %d by another hint's task after their handler started"
          " (%s), %d reached OX before their handler started, %d not"
          " traced" % (len(own), q(own), len(sibling), q(sibling),
                       len(before), untraced))
    for n, v in zip(names, stages):
        print("  %-58s %s" % (n, q(v)))


def burst(px, mariadb, args):  # noqa: C901
    state = px.ox_state()
    salt = state["password_salt"]
    ids = {}
    for c in state["contexts"]:
        for u in c["users"]:
            if u.get("primaryEmail"):
                ids[u["primaryEmail"].lower()] = (c["id"], u["id"])
    rows = px.sql("oxt", "SELECT s.applied_address, m.account_id, s.mail_id"
                  " FROM mailbox_state s JOIN %s.mail m ON m.id = s.mail_id"
                  " WHERE s.ox_user_id IS NOT NULL" % px.psa_db)
    rng = random.Random(7)
    rng.shuffle(rows)
    rows = rows[:args.hints]
    targets = [(a, acc, "burst-%d-%d" % (i, rng.randrange(10 ** 9)))
               for i, (a, acc, _) in enumerate(rows)]
    mail_ids = {a: mid for a, _, mid in rows}
    want = {a: digest(salt, ids[a.lower()][0], ids[a.lower()][1], pw)
            for a, _, pw in targets}
    key = {ids[a.lower()]: a for a, _, _ in targets}
    e = {k: v for k, v in os.environ.items() if k not in EVENT_VARS}
    log = open(os.path.join(px.root, "daemon.err"), "w")
    daemon = subprocess.Popen([env.REPLICATOR, "-c",
                               getattr(px, "daemon_config", px.config),
                               "daemon"],
                              stdout=subprocess.DEVNULL, stderr=log, env=e)
    sampler = RssSampler(daemon.pid)
    sampler.start()
    others = {"mariadbd": mariadb.pid(), "oxsim": px.sim.proc.pid}
    try:
        # the daemon's first full pass (nothing to do) is over when the
        # queue it polls is empty again after a probe hint
        time.sleep(2)
        st0 = db_status(mariadb)
        cpu0 = {k: proc_cpu(v) for k, v in others.items()}
        dcpu0 = proc_cpu(daemon.pid) or 0.0
        if args.general_log:
            mariadb.sql("SET GLOBAL general_log_file = '%s';"
                        " SET GLOBAL general_log = 1;" % args.general_log)
        fire = Firing(px, args, targets, mail_ids)
        t_fire = fire.fire()
        t_last = max(v[0] for v in fire.handler.values())
        deadline = time.time() + args.timeout
        while time.time() < deadline:
            got = {d for _, _, _, d in read_changes(px.change_log)}
            if all(w in got for w in want.values()):
                break
            time.sleep(0.2)
        t_done = time.time()
        dcpu1 = proc_cpu(daemon.pid) or 0.0
        cpu1 = {k: proc_cpu(v) for k, v in others.items()}
        st1 = db_status(mariadb)
        queue_left = px.scalar("oxt", "SELECT COUNT(*) FROM queue")
        if args.general_log:
            mariadb.sql("SET GLOBAL general_log = 0;")
    finally:
        env.terminate(daemon.pid, 60, proc=daemon)
        sampler.stop.set()
        sampler.join()
        log.close()
    changes = read_changes(px.change_log)
    first, count = {}, {}
    for t, cid, uid, d in changes:
        a = key.get((cid, uid))
        if a is None:
            continue
        count[a] = count.get(a, 0) + 1
        if d == want[a] and a not in first:
            first[a] = t
    # A domain is planned whole, so a change often reaches OX with the
    # hint of another mailbox of its domain, before its own handler ran:
    # hint -> OX is then 0. change -> OX counts from the password's write.
    lat = [max(0.0, first[a] - fire.handler[a][0]) for a in first]
    clat = [first[a] - fire.written[a] for a in first]
    hdur = [v[1] - v[0] for v in fire.handler.values()]
    bad_rc = sum(1 for v in fire.handler.values() if v[2] != 0)
    lost = [a for a in want if a not in first]
    doubled = [a for a, n in count.items() if n > 1]
    problems = oxexpect.compare(oxexpect.desired(px), px.ox_state())
    final = {a: None for a in want}
    for c in px.ox_state()["contexts"]:
        for u in c["users"]:
            a = key.get((c["id"], u["id"]))
            if a is not None:
                final[a] = u.get("password_sha256")
    wrong = [a for a in want if final[a] != want[a]]
    span = t_last - min(v[0] for v in fire.handler.values())
    rss = sampler.samples or [0]
    print()
    print("replicator: %s" % env.REPLICATOR)
    print("==== burst: %d hints (mailname_update, one process each, %d at a"
          " time) over %.1f s (firing took %.1f s), %d mailboxes in %d"
          " domains, daemon with ox_connections=%d, emulator %d ms ====" % (
              len(targets), args.workers, span, t_fire, args.mailboxes,
              args.domains, args.conns, args.latency_ms))
    print("hint -> OX (from the start of its handler; 0 when the change"
          " was there before): p50 %.3f s, p95 %.3f s (target <= 1 s), p99"
          " %.3f s (target <= 3 s), max %.3f s; the last change arrived"
          " %.1f s after the last hint" % (
              pct(lat, 0.5), pct(lat, 0.95), pct(lat, 0.99),
              max(lat) if lat else float("nan"),
              (max(first.values()) - t_last) if first else float("nan")))
    print("change -> OX (from the tick's write to psa): p50 %.3f s, p95"
          " %.3f s, p99 %.3f s, max %.3f s" % (
              pct(clat, 0.5), pct(clat, 0.95), pct(clat, 0.99),
              max(clat) if clat else float("nan")))
    print("event handler: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms (target"
          " <= 20 ms), max %.1f ms; %d exited non-zero" % (
              1000 * pct(hdur, 0.5), 1000 * pct(hdur, 0.95),
              1000 * pct(hdur, 0.99), 1000 * max(hdur), bad_rc))
    print("lost: %d (new password never reached OX), doubled: %d (more"
          " than one password change sent), final password wrong: %d;"
          " queue rows left: %s" % (len(lost), len(doubled), len(wrong),
                                    queue_left))
    print("desired state: %s" % ("OX matches" if not problems else
                                 "DIFFERENCES: " + "; ".join(problems[:5])))
    print("daemon: CPU %.1f s during the burst (%.1f s wall), RSS start"
          " %d kB, peak %d kB, end %d kB; %s" % (
              dcpu1 - dcpu0, t_done - (t_last - span), rss[0], max(rss),
              rss[-1], ", ".join("%s CPU %.1f s" % (k, cpu1[k] - cpu0[k])
                                 for k in sorted(cpu1))))
    print("SQL statements during the burst: %s" % ", ".join(
        "%s %d" % (k, int(st1[k]) - int(st0[k])) for k in sorted(st1)))
    if args.log_level != "notice":
        with open(os.path.join(px.root, "daemon.err")) as f:
            for line in f:
                if "profile" in line:
                    print("daemon: " + line.rstrip())
        print_batches(os.path.join(px.root, "daemon.err"))
    if args.log_level == "debug":
        print_trail(os.path.join(px.root, "daemon.err"), fire, first,
                    mail_ids)
    print("==== end of burst figures ====")
    return not (lost or doubled or wrong or problems)


BATCH_RE = re.compile(r"OXT04440: queue batch: (\d+) items in (\d+)"
                      r" domains, ([\d.]+) ms: .*\(loading and planning"
                      r" them ([\d.]+)\)")


def print_batches(path):
    """The queue's batches (OXT04440, level info): how many, and the time
    their domains' loading and planning took on the engine's thread."""
    b = []
    with open(path) as f:
        for line in f:
            m = BATCH_RE.search(line)
            if m:
                b.append(tuple(float(x) for x in m.groups()))
    if not b:
        return
    load = [x[3] for x in b if x[1] >= 8]
    print("queue batches: %d, %d items in %d domains; batch p50 %.0f ms;"
          " loading and planning %.2f s in all, p50 %.1f ms, max %.1f ms"
          " (batches of 8 domains or more: %d)" % (
              len(b), sum(x[0] for x in b), sum(x[1] for x in b),
              pct([x[2] for x in b], 0.5), sum(x[3] for x in b) / 1000,
              pct(load, 0.5) if load else 0, max(load) if load else 0,
              len(load)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mailboxes", type=int, default=10000)
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--hints", type=int, default=10000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--conns", type=int, default=16)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=120,
                    help="seconds to wait for the last change")
    ap.add_argument("--direct", action="store_true",
                    help="write the hints with SQL instead of the handler"
                    " (to time the daemon alone)")
    ap.add_argument("--general-log", default="",
                    help="FILE: the server's general log during the burst"
                    " (every statement, for a profile)")
    ap.add_argument("--log-level", default="notice",
                    help="the daemon's log_level (info: its engine profile,"
                    " OXT04350, printed with the figures)")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--replicators", default="",
                    help="A,B: each build's burst on its own data set, one"
                    " after the other (in one hold of --lock)")
    benchlib.add_lock_option(ap, "the bursts")
    args = ap.parse_args()
    reps = args.replicators.split(",") if args.replicators \
        else [env.REPLICATOR]
    sets = []
    with contextlib.ExitStack() as stack:
        # every build's own data set first (niced with --lock), then the
        # bursts one after the other in one hold of the lock
        for rep in reps:
            env.REPLICATOR = rep
            root, mariadb = stack.enter_context(
                benchlib.own_server(args.keep, "512M"))
            px = first_run(mariadb, root, args)
            stack.callback(benchlib.close, px)
            sets.append((rep, mariadb, px))
        pids = [p for _, m, px in sets for p in (m.pid(), px.sim.proc.pid)]
        ok = True
        with benchlib.measuring(args.lock, pids):
            for rep, mariadb, px in sets:
                env.REPLICATOR = rep
                ok = burst(px, mariadb, args) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
