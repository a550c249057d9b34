#!/usr/bin/python3
"""Full-pass benchmark (never part of `make check`).

    make bench
    /usr/bin/python3 bench/full_pass.py [--mailboxes 1000000]
        [--domains 100000] [--clients 10000] [--resellers 100]
        [--repeat 3] [--transport tcp,socket] [--root DIR] [--plan-only]
        [--fill] [--replicated] [--both] [--rebuild]

Starts its own MariaDB (tests/gen/fullpass-XXXX, removed at the end unless
--root names a directory to keep and reuse: the generated data is loaded
once there; a --root that holds another size than the one asked is
refused, and --rebuild drops its data and generates the size asked),
generates the psa data (oxt-gendata, Plesk 10), creates the oxtender
database (migrate), and times what every cron run and every
daemon pass does at that size, with nothing selected for replication (so
OX is never called; its host is an address nobody listens on):

  floor   bench/bin/read_floor: one streamed query per table the pass
          reads, rows thrown away, the cheapest read of the same rows;
  plan    the dry run: every domain loaded and planned;
  run     first: the status rows of forward-only, suspended, mail-off
          mailboxes are written once (measured once);
  run     steady: the same pass again, the state of a cron run; both
          runs end, as every pass does, with the directories of the lists
          and the Mailboxes page brought in line (only the domains whose
          sources moved: the "directory:" line, OXT04360);
  fill    with --fill, once before the rest: `oxtender-replicator
          directory` on emptied directory tables (a new installation's
          first fill of both directories).

With --replicated the same psa is measured against a second oxtender
database (oxtender_rep) in which every domain is selected and every
mailbox has been replicated: the state rows are those the real
replicator wrote when it replicated the data into the emulator
(tests/oxsim, 0 ms latency, an unlimited license). That database is
built once under --root (niced: see replicate_build), and the build
then checks that a second `run` against the same emulator sends no OX
call and changes no state row. The measured runs point OX at the
unreachable address again: a steady run that needed OX would fail, and
the bench checks that each one did no operation. A steady run there is
what the daemon's pass and cron see on a replicated server: every
domain's context row and every mailbox's state row read and compared.
--both measures the unreplicated mode and the replicated one in one
run, side by side under the same load.
With --lock FILE the measuring alone holds an exclusive flock(2) on
FILE, the bench and its MariaDB at priority 0 for it (bench/benchlib.py:
the bench may be started niced).

Each of floor, plan and steady run is measured --repeat times per
transport (TCP to 127.0.0.1, the unix socket), floor and plan side by side
so that their ratio is taken under the same load; best and median are
printed. Wall time, the replicator's CPU time (user + system), its peak
RSS (VmHWM) and the SQL statements the server executed
(Questions: every statement the clients sent, of which Com_stmt_execute
the prepared ones) are given for each.
"""
import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import benchlib                                     # noqa: E402
from benchlib import proc_cpu, proc_status          # noqa: E402
from harness import env                             # noqa: E402
from harness import license as lic                   # noqa: E402
from harness.mariadb import MariaDB                  # noqa: E402
from harness.oxsim import OxSim                      # noqa: E402

FLOOR = os.path.join(env.TOP, "bench", "bin", "read_floor")
REP_STATE = os.path.join(env.TOP, "bench", "bin", "rep_state")
DB_PASSWORD = "bench-pw"
OX_MASTER = ("oxadminmaster", "secret")

# The two states a pass is measured in: the oxtender database, its
# account, the configs' name.
PLAIN = dict(name="nothing selected", db="oxtender", user="oxtender",
             tag="")
REPLICATED = dict(name="every mailbox replicated", db="oxtender_rep",
                  user="oxtrep", tag="rep-")


def statements(db):
    rows = dict(db.query("SHOW GLOBAL STATUS WHERE Variable_name IN"
                         " ('Com_stmt_execute', 'Questions')"))
    return int(rows["Com_stmt_execute"]), int(rows["Questions"])


def timed(argv, envp=None):
    """Runs argv: wall s, CPU s, peak RSS MB (VmHWM, sampled until it
    ends), stdout, the replicator's pass profile line (or None)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # (the profile line is read from stderr: OXT04351)
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=envp)
        peak, cpu = 0, 0.0
        while True:
            peak = max(peak, proc_status(proc.pid, "VmHWM") or 0)
            cpu = proc_cpu(proc.pid) or cpu
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        wall = time.monotonic() - t0
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError("%s failed: %s" % (" ".join(argv),
                                                  err.read().decode()))
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").splitlines()
        profile = [ln[ln.index("pass profile"):] for ln in lines
                   if "OXT04351" in ln]
        directory = [ln[ln.index("directory:"):] for ln in lines
                     if "OXT04360" in ln]
    return (wall, cpu, peak / 1024.0, text,
            profile[-1] if profile else None,
            directory[-1] if directory else None)


class Site:
    """The database server with psa and oxtender loaded, and the configs."""

    def __init__(self, root, args):
        self.root = root
        self.args = args
        self.db = MariaDB(os.path.join(root, "mariadb"), buffer_pool="2G")

    def size_tag(self):
        a = self.args
        return "%d-%d-%d-%d" % (a.resellers, a.clients, a.domains,
                                a.mailboxes)

    def held_tag(self, name):
        """The size tag the marker name under root holds (None: none)."""
        try:
            with open(os.path.join(self.root, name)) as f:
                return f.read().strip()
        except FileNotFoundError:
            return None

    def check_root(self, modes):
        """Refuses a --root that holds data of another size than asked:
        loading the asked size would drop it (hours to make at 1M), so
        only --rebuild replaces it."""
        what = dict(loaded="data", replicated="replicated state")
        for name in ["loaded"] + (["replicated"] if REPLICATED in modes
                                  else []):
            held = self.held_tag(name)
            if held is not None and held != self.size_tag() \
                    and not self.args.rebuild:
                raise SystemExit(
                    "--root %s: its %s is of the size %s, not of the %s"
                    " asked (resellers-clients-domains-mailboxes); ask for"
                    " its size, or pass --rebuild to drop it and generate"
                    " the size asked" % (self.root, what[name], held,
                                         self.size_tag()))

    def setup(self):
        self.db.start()
        if self.args.rebuild or self.held_tag("loaded") != self.size_tag():
            # none yet (or an interrupted load), or --rebuild: the old
            # replicated state was made of the data replaced here
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(self.root, "replicated"))
            self.load()
            with open(os.path.join(self.root, "loaded"), "w") as f:
                f.write(self.size_tag() + "\n")
        self.write_configs()

    def load(self):
        a = self.args
        for name in ("psa", "oxtender"):
            self.db.create_database(name, drop=True)
        self.db.load_file("psa", os.path.join(env.TOP, "sql", "psa",
                                              "psa-10.sql"))
        t0 = time.monotonic()
        self.db.load_from("psa", [env.GENDATA, "--plesk", "10",
                                  "--resellers", str(a.resellers),
                                  "--clients", str(a.clients),
                                  "--domains", str(a.domains),
                                  "--mailboxes", str(a.mailboxes),
                                  "--seed", "1", "--secret-key",
                                  os.path.join(self.root, "plesk.key")])
        print("data: %d mailboxes in %d domains loaded in %.1f s" % (
            a.mailboxes, a.domains, time.monotonic() - t0), flush=True)
        self.db.create_app_user("oxtender", DB_PASSWORD, "oxtender", "psa")
        secret = os.path.join(self.root, "secret.key")
        with open(secret, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(secret, 0o600)    # the replicator refuses readable keys

    def conf(self, transport, mode=PLAIN):
        return os.path.join(self.root, "oxtender-%s%s.conf" % (mode["tag"],
                                                               transport))

    def write_configs(self, mode=PLAIN, ox_host="127.0.0.1:9"):
        for transport in ("tcp", "socket"):
            lines = ["db_user = %s" % mode["user"],
                     "db_password = %s" % DB_PASSWORD,
                     "oxtender_database = %s" % mode["db"],
                     "psa_database = psa",
                     "sql_dir = %s/sql/oxtender" % env.TOP,
                     "secret_key_file = %s/secret.key" % self.root,
                     "plesk_secret_key_file = %s/plesk.key" % self.root,
                     "lock_file = %s/lock" % self.root,
                     "spool_dir = %s/spool" % self.root,
                     # info: the pass's profile (OXT04351)
                     "log_level = info"]
            if mode is REPLICATED:
                lines += ["license_public_key = %s"
                          % self.authority().public_key,
                          # what the key is issued for (older data has
                          # no main address in psa)
                          "server_ip = %s" % lic.SERVER_IP,
                          # bench/rep_state wants it; not the system's
                          "plesk_timezone = Etc/UTC",
                          "ox_connections = 16"]
            if transport == "socket":
                lines.append("db_socket = %s" % self.db.socket)
            else:
                lines += ["db_host = 127.0.0.1", "db_port = %d" % self.db.port]
            with open(self.conf(transport, mode), "w") as f:
                f.write("\n".join(lines) + "\n")
            os.chmod(self.conf(transport, mode), 0o600)
        repl = [env.REPLICATOR, "-c", self.conf("socket", mode)]
        subprocess.run(repl + ["-q", "migrate"], check=True)
        self.settings(mode, ox_host=ox_host, ox_use_https="0")

    def settings(self, mode, **values):
        repl = [env.REPLICATOR, "-c", self.conf("socket", mode)]
        # Setting a value it already holds fails ("Settings missing": the
        # UPDATE changes no row), as it does on a reused --root.
        for name, value in values.items():
            res = subprocess.run(repl + ["settings", "set", name, value],
                                 capture_output=True, text=True)
            if res.returncode != 0 and "Settings missing" not in res.stderr:
                raise SystemExit("settings set %s: %s" % (name, res.stderr))

    def authority(self):
        return lic.authority(os.path.join(self.root, "authority"))

    # ---- the replicated state ----------------------------------------------

    def setup_replicated(self):
        """oxtender_rep as the replicator leaves it after replicating every
        mailbox, built once per size under root."""
        if self.held_tag("replicated") == self.size_tag():
            self.write_configs(REPLICATED)
            return
        self.replicate_build()
        with open(os.path.join(self.root, "replicated"), "w") as f:
            f.write(self.size_tag() + "\n")

    def replicate_build(self):
        m = REPLICATED
        self.db.create_database(m["db"], drop=True)
        self.db.create_app_user(m["user"], DB_PASSWORD, m["db"], "psa")
        self.write_configs(m)
        repl = [env.REPLICATOR, "-c", self.conf("socket", m)]
        key = os.path.join(self.root, "license.key")
        with open(key, "w") as f:
            f.write(self.authority().mint(**lic.FREE))
        os.chmod(key, 0o600)
        subprocess.run(repl + ["-q", "license", "install", key], check=True)
        # every domain selected, as an administrator's Prefs would
        self.db.sql("INSERT INTO prefs (level, plesk_id, webmail_forever)"
                    " SELECT 'domain', id, 'on' FROM psa.domains", m["db"])
        self.settings(m, ox_username=OX_MASTER[0],
                      imap_server="imap.example.test",
                      smtp_server="smtp.example.test",
                      default_language="en_US",
                      default_timezone="Europe/Berlin")
        subprocess.run(repl + ["settings", "set-ox-password"],
                       input=OX_MASTER[1] + "\n", text=True, check=True)
        sim = OxSim("--latency-ms", "0", "--max-conns", "1024").start()
        try:
            self.settings(m, ox_host="127.0.0.1:%d" % sim.port)
            if self.args.rep_build == "emulator":
                self.replicate_into(sim, repl)
            else:
                self.replicate_by_store()
            self.check_steady(sim, repl)
        finally:
            sim.stop()
        self.settings(m, ox_host="127.0.0.1:9")

    def replicate_into(self, sim, repl):
        """The real replication, into the emulator."""
        first = self.measure("replicate", ["nice", "-n", "19"] + repl
                             + ["--json", "run"])
        print("replicated: %s in %.1f s wall; replicator CPU %.1f s, peak"
              " RSS %.1f MB; emulator peak RSS %.1f MB; %d OX calls; %d"
              " statements" % (
                  first["out"].strip(), first["wall"], first["cpu"],
                  first["rss"], (proc_status(sim.proc.pid, "VmHWM") or 0)
                  / 1024.0, sum(sim.counters()["calls"].values()),
                  first["stmts"]), flush=True)

    def replicate_by_store(self):
        """What the real replication would write, by the store's own code
        (bench/rep_state.c), without OX."""
        gen = self.measure("rep_state", ["nice", "-n", "19", REP_STATE,
                                         self.conf("socket", REPLICATED)])
        print("replicated (bench/rep_state): %s in %.1f s wall; CPU %.1f"
              " s, peak RSS %.1f MB; %d statements" % (
                  gen["out"].strip(), gen["wall"], gen["cpu"], gen["rss"],
                  gen["stmts"]), flush=True)

    def check_steady(self, sim, repl):
        """A run against the emulator now must send nothing and change no
        state row."""
        m = REPLICATED
        calls0 = sum(sim.counters()["calls"].values())
        sums0 = self.state_sums(m)
        second = self.measure("check", ["nice", "-n", "19"] + repl
                              + ["--json", "run"])
        calls = sum(sim.counters()["calls"].values()) - calls0
        sums1 = self.state_sums(m)
        done = json.loads(second["out"])
        print("replicated: a run against the emulator: %d operations,"
              " %d failed, %d OX calls; state %s (%s)" % (
                  done["operations_ok"], done["operations_failed"], calls,
                  "unchanged" if sums0 == sums1 else "CHANGED", sums1),
              flush=True)
        if calls or sums0 != sums1 or done["operations_ok"] \
                or done["operations_failed"]:
            raise SystemExit("the replicated state is not steady")

    def state_sums(self, mode):
        """Row counts and checksums of the state tables."""
        out = {}
        for table in ("domain_state", "mailbox_state"):
            out[table] = (self.db.scalar("SELECT COUNT(*) FROM %s" % table,
                                         mode["db"]),
                          self.db.query("CHECKSUM TABLE %s" % table,
                                        mode["db"])[0][1])
        return out

    def reset_state(self):
        """No status rows yet: the next run is a first one."""
        self.db.sql("DELETE FROM mailbox_state; DELETE FROM domain_state;"
                    " DELETE FROM replication_log; DELETE FROM run_summary;",
                    "oxtender")

    def floor_argv(self, transport, mode=PLAIN):
        argv = [FLOOR, "--user", mode["user"], "--psa", "psa",
                "--oxtender", mode["db"]]
        if transport == "socket":
            return argv + ["--socket", self.db.socket]
        return argv + ["--host", "127.0.0.1", "--port", str(self.db.port)]

    def measure(self, label, argv, envp=None):
        n0 = statements(self.db)
        s0 = proc_cpu(self.db.pid())
        wall, cpu, rss, out, profile, directory = timed(argv, envp)
        s1 = proc_cpu(self.db.pid())
        n1 = statements(self.db)
        # Questions counts every statement the clients sent, the prepared
        # executions (Com_stmt_execute) included, plus our SHOW. The
        # server is ours alone: its CPU time is what the pass cost it.
        return dict(label=label, wall=wall, cpu=cpu, rss=rss,
                    server=s1 - s0, prepared=n1[0] - n0[0],
                    stmts=n1[1] - n0[1] - 1, out=out, profile=profile,
                    directory=directory)

    def empty_directory(self):
        """The directories as a new installation has them: empty."""
        # TRUNCATE: a DELETE of four million term rows takes minutes.
        self.db.sql("TRUNCATE TABLE dir_mailbox;"
                    " TRUNCATE TABLE dir_mailbox_term;"
                    " TRUNCATE TABLE dir_mailbox_count;"
                    " TRUNCATE TABLE dir_mailbox_page;"
                    " TRUNCATE TABLE dir_domain; TRUNCATE TABLE dir_account;"
                    " TRUNCATE TABLE dir_term; TRUNCATE TABLE dir_page;"
                    " UPDATE dir_total SET n = 0;"
                    " TRUNCATE TABLE dir_source_sum;", "oxtender")


def best_median(values):
    return min(values), statistics.median(values)


def steady_checked(site, repl, mode):
    """A steady run; in the replicated state one that did any operation
    (it could only have failed: OX is unreachable) is not steady."""
    if mode is not REPLICATED:
        return site.measure("run (steady)", repl + ["run"])
    m = site.measure("run (steady)", repl + ["--json", "run"])
    done = json.loads(m["out"])
    if done["operations_ok"] != 0 or done["operations_failed"] != 0:
        raise SystemExit("a steady run in the replicated state did"
                         " operations: %s" % m["out"])
    return m


def transport_block(site, transport, args, mode=PLAIN):
    repl = [env.REPLICATOR, "-c", site.conf(transport, mode), "-q"]
    fenv = dict(os.environ, OXT_BENCH_DB_PASSWORD=DB_PASSWORD)
    floors, plans, ratios, steadies = [], [], [], []
    for _ in range(args.repeat):
        f = site.measure("floor", site.floor_argv(transport, mode), fenv)
        p = site.measure("plan", repl + ["plan"])
        floors.append(f)
        plans.append(p)
        ratios.append(p["wall"] / f["wall"])
    runs = []
    if not args.plan_only:
        if mode is not REPLICATED and not args.steady_only:
            site.reset_state()
            runs.append(("run (first)", [site.measure("run (first)",
                                                      repl + ["run"])]))
        for _ in range(args.repeat):
            steadies.append(steady_checked(site, repl, mode))
        runs.append(("run (steady)", steadies))
    lines = []
    for name, ms in [("floor", floors), ("plan", plans)] + runs:
        b, m = best_median([x["wall"] for x in ms])
        stmts = max(x["stmts"] for x in ms)
        per = args.domains / max(1, stmts)
        lines.append("%-6s %-13s best %6.2f s, median %6.2f s wall (n=%d);"
                     " CPU %5.1f s + server %4.1f s; peak RSS %5.1f MB;"
                     " %d statements, %d prepared (one per %.0f domains)" % (
                         transport, name, b, m, len(ms),
                         statistics.median([x["cpu"] for x in ms]),
                         statistics.median([x["server"] for x in ms]),
                         max(x["rss"] for x in ms),
                         stmts, max(x["prepared"] for x in ms), per))
    for name, ms in runs:
        best_run = min(ms, key=lambda x: x["wall"])
        if best_run["directory"]:
            lines.append("%-6s %s (best) %s" % (transport, name,
                                                best_run["directory"]))
    b, m = best_median(ratios)
    lines.append("%-6s pass/floor %.2f (best; median %.2f; plan %s s over"
                 " floor %s s, side by side)" % (
                     transport, b, m,
                     "/".join("%.2f" % x["wall"] for x in plans),
                     "/".join("%.2f" % x["wall"] for x in floors)))
    cpu = [(p["cpu"] + p["server"]) / max(0.01, f["cpu"] + f["server"])
           for p, f in zip(plans, floors)]
    lines.append("%-6s pass/floor in CPU time (ours + the server's, which"
                 " the load does not stretch) %s" % (
                     transport, "/".join("%.2f" % x for x in cpu)))
    best = min(plans, key=lambda x: x["wall"])
    if best["profile"]:
        lines.append("%-6s plan (best) %s" % (transport, best["profile"]))
    return lines


def measure_all(site, args, modes):
    load0 = os.getloadavg()
    lines = []
    if args.fill:
        site.empty_directory()
        transport = args.transport.split(",")[0]
        f = site.measure("fill", [env.REPLICATOR, "-c",
                                  site.conf(transport), "-q",
                                  "directory"])
        lines.append("%-6s directory (first fill) %.2f s wall; CPU %.1f"
                     " s + server %.1f s; peak RSS %.1f MB; %d"
                     " statements; %s" % (
                         transport, f["wall"], f["cpu"], f["server"],
                         f["rss"], f["stmts"], f["directory"]))
    blocks = []
    for mode in modes:
        mine = list(lines) if mode is modes[0] else []
        for transport in args.transport.split(","):
            mine += transport_block(site, transport, args, mode)
        blocks.append((mode, mine))
    load1 = os.getloadavg()
    for mode, mine in blocks:
        print("== full pass: %d mailboxes in %d domains (%d clients, %d"
              " resellers), Plesk 10, %s" % (
                  args.mailboxes, args.domains, args.clients,
                  args.resellers, mode["name"]))
        for line in mine:
            print(line)
    print("load average %.2f before, %.2f after (1 min), %d cores" % (
        load0[0], load1[0], os.cpu_count()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mailboxes", type=int, default=1000000)
    ap.add_argument("--domains", type=int, default=100000)
    ap.add_argument("--clients", type=int, default=10000)
    ap.add_argument("--resellers", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--transport", default="tcp,socket")
    ap.add_argument("--root", help="keep the server and data here (reused;"
                    " refused when it holds another size's)")
    ap.add_argument("--rebuild", action="store_true",
                    help="drop the data under --root and generate it again"
                    " at the sizes asked")
    ap.add_argument("--plan-only", action="store_true",
                    help="floor and plan only (no run)")
    ap.add_argument("--steady-only", action="store_true",
                    help="no first run (the state is kept as it is)")
    ap.add_argument("--fill", action="store_true",
                    help="first time a first fill of the directories"
                    " (`directory` on emptied tables)")
    ap.add_argument("--replicated", action="store_true",
                    help="measure the replicated state (oxtender_rep,"
                    " built once under --root)")
    ap.add_argument("--both", action="store_true",
                    help="measure nothing selected and replicated, one"
                    " after the other")
    ap.add_argument("--rep-build", choices=("store", "emulator"),
                    default="store", help="how the replicated state is"
                    " made: bench/rep_state (the store's writes for OX"
                    " saying yes to every call) or a real replication into"
                    " the emulator (over an hour at 1M niced)")
    ap.add_argument("--build-only", action="store_true",
                    help="load (and with --replicated or --both"
                    " replicate) the data, measure nothing; run it niced")
    benchlib.add_lock_option(ap, "the measuring (not while loading or"
                             " replicating)")
    args = ap.parse_args()
    modes = [PLAIN, REPLICATED] if args.both \
        else [REPLICATED] if args.replicated else [PLAIN]
    if not os.access(FLOOR, os.X_OK):
        raise SystemExit("build the benchmarks first: make bench")
    os.makedirs(os.path.join(env.TOP, "tests", "gen"), exist_ok=True)
    root = args.root or tempfile.mkdtemp(
        prefix="fullpass-", dir=os.path.join(env.TOP, "tests", "gen"))
    os.makedirs(root, exist_ok=True)
    site = Site(root, args)
    site.check_root(modes)
    try:
        site.setup()
        if REPLICATED in modes:
            site.setup_replicated()
        if args.build_only:
            return
        with benchlib.measuring(args.lock, [site.db.pid()]):
            measure_all(site, args, modes)
    finally:
        site.db.stop()
        if not args.root:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
