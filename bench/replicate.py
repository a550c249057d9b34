#!/usr/bin/python3
"""Replicator benchmarks (never part of `make check`).

    /usr/bin/python3 bench/replicate.py [--mailboxes 10000] [--domains 1000]
        [--conns 4,16] [--latency-ms 20] [--events 1000] [--skip-daemon]
        [--replicators PATH,PATH] [--oxsims PATH,PATH] [--lock FILE]

On a shared machine: `nice -n 19 /usr/bin/python3 bench/replicate.py
--lock /work/wt/bench.lock ...` builds every setup niced and outside the
lock, and takes the lock only for each measured run, with the
replicator, the database server and the emulator (every thread of them)
and the bench's samplers back at normal priority for it (lowering a
niceness needs root; without it they stay niced, and the bench says so).
--replicators runs the first run once per binary (each on a setup of its
own, the same data), one after the other for each --conns, so that two
builds (before and after a change) are measured side by side at the
same load. --oxsims does the same for emulators (each binary against
each emulator): the same build against two emulators side by side.

Starts its own MariaDB (in tests/gen/bench-XXXX, removed at the end) and,
per measurement, a fresh psa + oxtender database pair and a tests/oxsim
emulator on 127.0.0.1, through the integration harness
(tests/integration/harness: mariadb.py, plesk.py, oxexpect.py).

1. First run: N mailboxes in D domains (oxt-gendata, then normalised so
   that every mailbox can be replicated: no suspended domain or owner,
   mail on, postbox on, a plain password), every domain selected, and
   the directories filled by `directory` (niced, outside the lock), as a
   real server has them before its first replicating run
   (--empty-directory: left empty, so that the timed run does their first
   fill, as this bench did before). The
   first `oxtender-replicator run` creates every context and user with
   the emulator answering after --latency-ms. Printed per ox_connections:
   user creates/s, the bound (connections / latency), the percentage of
   it, and the replicator's RSS (VmRSS every 0.2 s: start, peak, end).
   The result is checked against the desired state (oxexpect).

2. Daemon latency: with `daemon` running on the last setup, --events
   password changes one after the other, each an SQL UPDATE of
   psa.accounts followed by `oxtender-replicator event mailname_update`
   with NEW_MAILNAME; the time from the start of the UPDATE (the daemon's
   own passes may see the change before the event does) to the
   emulator counting the OXUserService.change (it applies a call when it
   arrives; polled every 5 ms) gives p50/p95/max. The final passwords are
   then checked in /oxsim/state.
"""
import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import benchlib  # noqa: E402
from benchlib import DB_KEYS, db_status, proc_cpu  # noqa: E402
from harness import env, oxexpect  # noqa: E402
from harness.oxsim import binary as oxsim_binary  # noqa: E402
from harness.oxsim import user_password_is  # noqa: E402
from harness.plesk import EVENT_VARS, PleskSetup  # noqa: E402


def fill_directory(px, replicator):
    """The directories as a real server has them when its first
    replicating run starts: `run` and the daemon fill them while OX is not
    configured yet, and every pass keeps them. The bench's setups never
    ran `directory`, so its timed first run did the Mailboxes directory's
    first fill from empty (PARK_MIN: parked indexes built at its end),
    work no first run on a real server does; that run's own directory
    step (a comparison: every mailbox's state moved) stays in the wall."""
    e = {k: v for k, v in os.environ.items() if k not in EVENT_VARS}
    res = subprocess.run([replicator, "-c", px.config, "directory"],
                         capture_output=True, text=True, env=e,
                         timeout=3600)
    if res.returncode != 0:
        raise SystemExit("directory failed (%d): %s" % (
            res.returncode, res.stderr[-2000:]))


def prepare(mariadb, root, args, conns, label, replicator):
    """A setup of its own for one first run, and what OX should hold."""
    size = dict(resellers=10, clients=200, domains=args.domains,
                mailboxes=args.mailboxes)
    px = PleskSetup(mariadb, os.path.join(root, "c%d%s" % (conns, label)),
                    size=size,
                    seed=1, oxsim_args=["--latency-ms", str(args.latency_ms),
                                        "--max-conns", "1024"])
    px.setup()
    # info: the engine's profile line at the end of the run (OXT04350)
    px.write_config(ox_connections=conns, log_level="info")
    px.replicate_everything("bench-pw-")
    if not args.empty_directory:
        fill_directory(px, replicator)
    return px, oxexpect.desired(px)


def first_run(mariadb, px, want, args, conns, replicator, label):  # noqa: C901
    nusers = oxexpect.count_users(want)
    e = {k: v for k, v in os.environ.items() if k not in EVENT_VARS}
    argv = [replicator, "-c", px.config, "--json", "run"]
    if args.wrap:
        # e.g. --wrap "perf record -g -o /tmp/perf.data --": RSS and CPU
        # are then those of the wrapper
        argv = args.wrap.split() + argv
    others = {"mariadbd": mariadb.pid(), "oxsim": px.sim.proc.pid}
    load0 = os.getloadavg()[0]
    cpu0 = {k: proc_cpu(v) for k, v in others.items()}
    st0 = db_status(mariadb)
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=e)
    sampler = benchlib.RssSampler(proc.pid)
    sampler.start()
    out, err = proc.communicate(timeout=3600)
    wall = time.monotonic() - t0
    sampler.stop.set()
    sampler.join()
    cpu1 = {k: proc_cpu(v) for k, v in others.items()}
    st1 = db_status(mariadb)
    load1 = os.getloadavg()[0]
    if proc.returncode != 0:
        raise SystemExit("run failed (%d): %s" % (proc.returncode, err[-2000:]))
    counters = px.ox_counters()
    calls = counters["calls"]
    creates = sum(v for k, v in calls.items()
                  if k.startswith("OXUserService.create"))
    ctx_creates = sum(v for k, v in calls.items()
                      if k.startswith("OXContextService.create"))
    problems = oxexpect.compare(want, px.ox_state())
    bound = conns * 1000.0 / args.latency_ms
    rate = creates / wall
    rss = sampler.samples or [0]
    print("%sox_connections=%d: %d users + %d contexts in %.2f s: %.0f user"
          " creates/s (%.0f calls/s), bound %.0f/s -> %.0f%% (target >= 90%%)"
          % (label and label + " ", conns, creates, ctx_creates, wall, rate,
             (creates + ctx_creates) / wall, bound, 100.0 * rate / bound))
    print("  replicator %s, emulator %s; load average (1 min) %.2f before,"
          " %.2f after" % (replicator, px.bench_sim, load0, load1))
    print("  run output: %s" % out.strip())
    # other readings beside the target's (docs/replicator.md, "Performance")
    calls_all = creates + ctx_creates
    print("  every OX call (user and context creates): %.0f calls/s -> %.0f%%"
          " of the bound" % (calls_all / wall, 100.0 * calls_all / wall / bound))
    m = re.search(r"first send to last answer (\d+) ms", err)
    if m and int(m.group(1)) > 0:
        ox_wall = int(m.group(1)) / 1000.0
        print("  from the first call to the last answer (%.2f s): user creates"
              " %.0f%%, every call %.0f%% of the bound; outside it %.2f s"
              % (ox_wall, 100.0 * creates / ox_wall / bound,
                 100.0 * calls_all / ox_wall / bound, wall - ox_wall))
    m = re.search(r"on the wire ([\d.]+)", err)
    if m:
        # the SOAP client's time from a call's request written to its
        # answer read: what OX's latency is as this run saw it
        wire = float(m.group(1))
        print("  OX's answer time on the wire: %.2f ms a call against the"
              " emulator's --latency-ms %d (%+.2f ms; %.2f s of the wall"
              " over the calls back to back)" % (
                  wire, args.latency_ms, wire - args.latency_ms,
                  calls_all * (wire - args.latency_ms) / 1000.0 / conns))
    if counters.get("soap_answers"):
        # the emulator's own clock: from a request's arrival to its answer
        # handed to its HTTP server, and of it until the answer was ready
        n = counters["soap_answers"]
        print("  the emulator's answer time: %.2f ms a call from arrival to"
              " sent (its own work %.2f ms of it)" % (
                  counters["soap_answer_us"] / 1000.0 / n,
                  counters["soap_work_us"] / 1000.0 / n))
    ideal = (creates + ctx_creates) * args.latency_ms / 1000.0 / conns
    print("  every call back to back on every connection: %.2f s (%.0f%% of"
          " the wall; user creates then reach %.0f%% of the bound)"
          % (ideal, 100.0 * ideal / wall, 100.0 * creates / ideal / bound))
    for line in err.splitlines():
        if "OXT04350" in line:
            print("  " + line[line.index("engine profile"):])
        if "OXT04351" in line:
            print("  " + line[line.index("pass profile"):])
        if "OXT04560" in line:
            print("  " + line[line.index("run profile"):])
        if "OXT04360" in line:
            print("  " + line[line.index("directory:"):])
    print("  replicator RSS (VmRSS, %d samples): start %d kB, peak %d kB,"
          " end %d kB" % (len(rss), rss[0], max(rss), rss[-1]))
    print("  CPU seconds during the run (2 cores = %.0f available):"
          " replicator >= %.1f (last sample), %s" % (
              2 * wall, sampler.last_cpu, ", ".join(
                  "%s %.1f" % (k, cpu1[k] - cpu0[k]) for k in sorted(cpu1))))
    print("  SQL statements during the run: %s" % ", ".join(
        "%s %d" % (k, int(st1[k]) - int(st0[k])) for k in DB_KEYS))
    print("  desired state: %d users expected; %s" % (
        nusers, "OX matches" if not problems else
        "DIFFERENCES: " + "; ".join(problems[:5])))
    return px


def user_changes(px):
    return px.sim.counters()["calls"].get("OXUserService.change", 0)


def daemon_latency(px, args):
    """Sequential events: the emulator applies a call when it arrives, so
    OXUserService.change going up is our change reaching OX (getData
    does not return passwords; /oxsim/state is megabytes at this size).
    The passwords are checked in /oxsim/state once at the end."""
    rows = px.sql("oxt", "SELECT s.mail_id, s.applied_address, m.account_id,"
                  " s.ox_context_id FROM mailbox_state s"
                  " JOIN %s.mail m ON m.id = s.mail_id"
                  " WHERE s.ox_user_id IS NOT NULL" % px.psa_db)
    rng = random.Random(1)
    rng.shuffle(rows)
    e = {k: v for k, v in os.environ.items() if k not in EVENT_VARS}
    log = open(os.path.join(px.root, "daemon.err"), "w")
    daemon = subprocess.Popen([env.REPLICATOR, "-c", px.config, "daemon"],
                              stdout=subprocess.DEVNULL, stderr=log, env=e)
    lat, timeouts, last = [], [], {}
    t_start = time.monotonic()
    try:
        # its first full pass (nothing to do) is over when a change made
        # now goes through
        time.sleep(1)
        for i in range(args.events):
            mail_id, addr, acc, cid = rows[i % len(rows)]
            newpw = "evt-%d-%d" % (i, rng.randrange(10 ** 9))
            before = user_changes(px)
            t0 = time.monotonic()
            px.db.sql("UPDATE accounts SET type = 'plain', password = '%s'"
                      " WHERE id = %s" % (newpw, acc), px.psa_db)
            last[addr] = newpw
            subprocess.run([env.REPLICATOR, "-c", px.config, "event",
                            "mailname_update"], env=dict(e, NEW_MAILNAME=addr),
                           check=True)
            while user_changes(px) <= before:
                if time.monotonic() - t0 > 30:
                    timeouts.append(addr)
                    break
                time.sleep(0.005)
            else:
                lat.append(time.monotonic() - t0)
    finally:
        env.terminate(daemon.pid, 30, proc=daemon)
        log.close()
    wall = time.monotonic() - t_start
    # the emulator keeps a salted digest of each password, never the text
    state = px.ox_state()
    users = {u["primaryEmail"]: (c, u) for c in state["contexts"]
             for u in c["users"]}
    wrong = [a for a, pw in last.items() if a not in users
             or not user_password_is(state, *users[a], pw)]
    lat.sort()
    if lat:
        p50 = statistics.median(lat)
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        print("daemon: %d events in %.1f s, one at a time; change+event -> OX:"
              " p50 %.3f s, p95 %.3f s, max %.3f s (target p95 < 2 s);"
              " %d not seen within 30 s; %d of %d final passwords wrong in OX"
              % (len(lat), wall, p50, p95, lat[-1], len(timeouts),
                 len(wrong), len(last)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mailboxes", type=int, default=10000)
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--conns", default="4,16")
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--skip-daemon", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--empty-directory", action="store_true",
                    help="leave the directories empty before the first run"
                    " (its directory step is then their first fill, inside"
                    " the timed wall: how this bench measured before)")
    ap.add_argument("--wrap", default="",
                    help="command prefix for the first run (a profiler)")
    ap.add_argument("--replicators", default="",
                    help="comma-separated binaries to compare (default:"
                         " the build's)")
    ap.add_argument("--oxsims", default="",
                    help="comma-separated emulators to compare (default:"
                         " the build's, or OXT_OXSIM)")
    benchlib.add_lock_option(ap, "the measured runs")
    args = ap.parse_args()
    with benchlib.own_server(args.keep, "512M") as (root, mariadb):
        setups = []
        try:
            measure(mariadb, root, args, setups)
        finally:
            for px in setups:
                benchlib.close(px)


def measure(mariadb, root, args, setups):
    """Every setup (into setups), the first runs, the daemon's latency."""
    binaries = [b for b in args.replicators.split(",") if b] \
        or [env.REPLICATOR]
    sims = [b for b in args.oxsims.split(",") if b] or [""]
    runs = []
    # every setup first (niced, outside the lock), then the measured
    # runs one after the other under one hold of the lock
    for conns in [int(c) for c in args.conns.split(",")]:
        for i, binary in enumerate(binaries):
            for k, sim in enumerate(sims):
                label = "[%d]" % (i * len(sims) + k + 1) \
                    if len(binaries) * len(sims) > 1 else ""
                if sim:
                    # the harness starts tests/oxsim or OXT_OXSIM
                    os.environ["OXT_OXSIM"] = sim
                    print("%s emulator %s" % (label, sim))
                px, want = prepare(mariadb, root, args, conns, label,
                                   binary)
                px.bench_sim = oxsim_binary()
                setups.append(px)
                runs.append((px, want, conns, binary, label))
    with benchlib.measuring(args.lock, [mariadb.pid()]
                            + [px.sim.proc.pid for px in setups]):
        for px, want, conns, binary, label in runs:
            first_run(mariadb, px, want, args, conns, binary, label)
    if not args.skip_daemon and setups:
        daemon_latency(setups[-1], args)


if __name__ == "__main__":
    main()
