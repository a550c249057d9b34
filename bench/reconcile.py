#!/usr/bin/python3
"""`reconcile --dry-run` at scale (never part of `make check`).

    make
    /usr/bin/python3 bench/reconcile.py [--sizes 10000,100000]
        [--per-domain 10] [--conns 16] [--latency-ms 20] [--repeat 1]
        [--access rotate[,all,none]] [--setup-latency-ms 0]
        [--lock /work/wt/bench.lock]

Starts its own MariaDB (tests/gen/bench-XXXX and its tables on the RAM
disk, removed at the end; not durable: see main()) and, per
size, a psa + oxtender database pair and a tests/oxsim emulator
(harness: tests/integration/harness). N mailboxes in N / --per-domain
domains, every one replicable and selected (as bench/replicate.py), are
replicated by one `run` while the emulator answers at once
(--setup-latency-ms): at 20 ms the setup of 100,000 took longer than the
measurement could wait. Then the emulator answers after --latency-ms and
`oxtender-replicator reconcile --dry-run [--access A]` (ox_connections
--conns) runs, once per --access mode, with its standard error on a
pseudo-terminal, as a person would run it, and is timed: wall time,
CPU, peak RSS (VmHWM), the SOAP calls the emulator counted per operation,
the drift it reported (none is expected: nothing was changed in OX), and
how many times the progress bar was drawn. All figures are printed in one
block at the end, the sizes side by side (memory flat: the peak RSS at
each size), each with the load average when it ended.

With --lock FILE the setup may run niced (`nice -n 19 ... --lock FILE`)
and only the measurements hold FILE (flock): before them the bench, its
MariaDB and its emulator (every thread) go back to priority 0, so that
the figures are taken at normal priority, one benchmark at a time on the
machine, while the setup did not hold the lock (and after them, back to
the niceness the bench was started with).

With --serve the setups of every size are made first and kept (the
100,000 took 20 minutes on a loaded machine), then the bench reads
commands on its standard input, one a line, until `quit` or the end of
the input:

    measure SIZE MODES [REPLICATOR]

runs `migrate` and then the measurements of --access MODES (comma-
separated) at SIZE, with REPLICATOR (a build copied aside: the front
replicator/oxtender-replicator with oxtender-replicator-full beside it,
which the front runs) or the tree's one, under --lock as above, and prints their block. So one
setup serves the measurements of several builds side by side.
"""
import argparse
import os
import pty
import select
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)

import benchlib  # noqa: E402
from benchlib import proc_cpu, proc_status  # noqa: E402
from harness import env  # noqa: E402
from harness.plesk import EVENT_VARS, PleskSetup  # noqa: E402


def setup(mariadb, root, n, args):
    domains = max(1, n // args.per_domain)
    px = PleskSetup(mariadb, os.path.join(root, "s%d" % n),
                    size=dict(resellers=10, clients=max(4, domains // 5),
                              domains=domains, mailboxes=n),
                    seed=1,
                    oxsim_args=["--latency-ms", str(args.setup_latency_ms),
                                "--max-conns", "1024"])
    took = benchlib.first_replication(
        px, lambda px: px.write_config(ox_connections=args.conns,
                                       log_level="notice"), 7200)
    users = int(px.scalar("oxt", "SELECT COUNT(*) FROM mailbox_state"
                          " WHERE ox_user_id IS NOT NULL"))
    print("setup: %d mailboxes in %d domains, %d in OX, replicated in"
          " %.0f s (emulator at %d ms)" % (n, domains, users,
                                           took, args.setup_latency_ms),
          flush=True)
    px.ox_config(latency_ms=args.latency_ms)
    return px, domains, users


def reconcile(px, access):
    """reconcile --dry-run --access ACCESS with stderr on a pty: wall, CPU,
    peak RSS (MB), stdout, progress draws, exit code."""
    e = {k: v for k, v in os.environ.items() if k not in EVENT_VARS}
    master, slave = pty.openpty()
    out_path = os.path.join(px.root, "reconcile.out")
    with open(out_path, "w") as out:
        t0 = time.monotonic()
        proc = subprocess.Popen([env.REPLICATOR, "-c", px.config,
                                 "reconcile", "--dry-run", "--access",
                                 access],
                                stdout=out, stderr=slave, env=e)
        os.close(slave)
        tty, peak, cpu = b"", 0, 0.0
        while True:
            peak = max(peak, proc_status(proc.pid, "VmHWM") or 0)
            cpu = proc_cpu(proc.pid) or cpu
            r, _, _ = select.select([master], [], [], 0.05)
            if r:
                try:
                    tty += os.read(master, 65536)
                except OSError:
                    pass
            if proc.poll() is not None:
                break
        wall = time.monotonic() - t0
    try:
        while True:
            r, _, _ = select.select([master], [], [], 0.1)
            if not r:
                break
            chunk = os.read(master, 65536)
            if not chunk:
                break
            tty += chunk
    except OSError:
        pass
    os.close(master)
    with open(out_path) as f:
        text = f.read()
    draws = tty.count(b"\r[")
    return wall, cpu, peak / 1024.0, text, draws, tty, proc.returncode


def measure(px, args, access):
    """The best of --repeat runs; calls per operation and the emulator's
    CPU (its answers are large: a User is ~130 elements) in "calls"."""
    best = None
    for _ in range(args.repeat):
        before = px.ox_calls()
        sim0 = proc_cpu(px.sim.proc.pid) or 0.0
        r = reconcile(px, access)
        sim = (proc_cpu(px.sim.proc.pid) or 0.0) - sim0
        after = px.ox_calls()
        calls = {k: after.get(k, 0) - before.get(k, 0) for k in after
                 if after.get(k, 0) != before.get(k, 0)}
        if best is None or r[0] < best[0][0]:
            best = (r, dict(calls, sim_cpu=sim))
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--per-domain", type=int, default=10)
    ap.add_argument("--conns", type=int, default=16)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--access", default="rotate",
                    help="comma-separated --access modes to measure")
    ap.add_argument("--setup-latency-ms", type=int, default=0)
    benchlib.add_lock_option(ap, "the measurements")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--serve", action="store_true",
                    help="set up every size, then measure on commands")
    args = ap.parse_args()
    ok = True
    # The measured reconcile is a dry run: it reads our state and writes
    # one row, so the server's durability does not change its figures,
    # while the setup writes every replicated object: tables on the RAM
    # disk and no flush per commit, as the suite's server.
    with benchlib.own_server(args.keep, "1G", ram=True) as (root, mariadb):
        print("==== reconcile --dry-run, ox_connections=%d, emulator %d ms,"
              " best of %d (each size printed when measured) ====" % (
                  args.conns, args.latency_ms, args.repeat), flush=True)
        if args.serve:
            ok = serve(mariadb, root, args)
        for n in [] if args.serve else [int(s) for s in
                                          args.sizes.split(",")]:
            px, domains, users = setup(mariadb, root, n, args)
            try:
                with benchlib.measuring(args.lock,
                                        [mariadb.pid(), px.sim.proc.pid]):
                    for access in args.access.split(","):
                        (wall, cpu, peak, text, draws, tty, rc), calls = \
                            measure(px, args, access)
                        report(args, n, domains, users, access, wall, cpu,
                               peak, text, draws, tty, rc, calls)
                        ok = ok and rc == 0
            finally:
                px.close()
    print("==== end of reconcile figures ====")
    sys.exit(0 if ok else 1)


def serve(mariadb, root, args):
    """--serve: every size set up, then the commands of stdin."""
    setups, ok = {}, True
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            setups[n] = setup(mariadb, root, n, args)
        print("ready: measure SIZE MODES [REPLICATOR] | quit", flush=True)
        tree = env.REPLICATOR
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0] == "quit":
                break
            if words[0] != "measure" or len(words) not in (3, 4) or \
                    int(words[1]) not in setups:
                print("? %s" % line.strip(), flush=True)
                continue
            env.REPLICATOR = words[3] if len(words) == 4 else tree
            px, domains, users = setups[int(words[1])]
            res = px.repl("migrate")
            if res.returncode != 0:
                print("migrate failed: %s" % px.describe(res), flush=True)
                continue
            print("==== %s ====" % line.strip(), flush=True)
            with benchlib.measuring(args.lock,
                                        [mariadb.pid(), px.sim.proc.pid]):
                for access in words[2].split(","):
                    (wall, cpu, peak, text, draws, tty, rc), calls = \
                        measure(px, args, access)
                    report(args, int(words[1]), domains, users, access,
                           wall, cpu, peak, text, draws, tty, rc, calls)
                    ok = ok and rc == 0
    finally:
        for px, _, _ in setups.values():
            px.close()
    return ok


def report(args, n, domains, users, access, wall, cpu, peak, text, draws,
           tty, rc, calls):
    calls = dict(calls)
    sim_cpu = calls.pop("sim_cpu", 0.0)
    total = sum(calls.values())
    bound = args.conns * 1000.0 / max(1, args.latency_ms)
    print("%d mailboxes (%d in OX) in %d contexts, --access %s: %.1f s wall"
          " (target <= 60 s at 100,000), CPU %.1f s, peak RSS %.1f MB;"
          " %d SOAP calls (%.0f/s; bound %.0f/s, so at least %.1f s):"
          " %s; exit %d; load average %.2f %.2f %.2f" % (
              n, users, domains, access, wall, cpu, peak, total,
              total / wall, bound, total / bound,
              ", ".join("%s %d" % kv for kv in sorted(calls.items())), rc,
              *os.getloadavg()))
    last = tty.rsplit(b"\r[", 1)[-1].split(b"\r", 1)[0] if draws else b""
    print("  emulator CPU %.1f s; %.0f%% of the bound (the calls alone"
          " need %.1f s at it)" % (sim_cpu, 100.0 * total / bound
                                   / max(wall, 0.001), total / bound))
    print("  progress bar drawn %d times on the terminal; the last: %r" % (
        draws, ("[" + last.decode("utf-8", "replace"))[:80]))
    print("  report: %s" % " | ".join(text.strip().splitlines()[-3:]),
          flush=True)


if __name__ == "__main__":
    main()
