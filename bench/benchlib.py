"""What the replicator's benches share (full_pass.py, burst.py,
reconcile.py, replicate.py): a process's figures read in /proc, the
bench's own MariaDB, a first replication of every mailbox, and the
benchmark lock (--lock).

On a shared machine a bench is started niced (`nice -n 19 ... --lock
FILE`): its setup runs so, outside the lock, and only its measured part
holds an exclusive flock(2) on FILE, with the bench and the servers it
started (every thread of them) back at priority 0 for that time, so
that the figures are taken at normal priority, one benchmark at a time
on the machine. Lowering a niceness needs root: without it they stay
niced, and the bench says so.

The benches put tests/integration on sys.path (the harness) before they
import this.
"""
import contextlib
import fcntl
import os
import threading
import time

from harness import env
from harness.mariadb import MariaDB


def proc_status(pid, key):
    """The kB figure key (VmHWM, VmRSS) of pid's /proc status; None when
    pid is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def proc_cpu(pid):
    """utime + stime of pid (s), while it runs (a zombie still has it)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


class RssSampler(threading.Thread):
    """pid's VmRSS every interval s (samples, kB) and its CPU time at the
    last sample (last_cpu), until stop is set."""

    def __init__(self, pid, interval=0.2):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.samples = []
        self.last_cpu = 0.0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            v = proc_status(self.pid, "VmRSS")
            if v is not None:
                self.samples.append(v)
            c = proc_cpu(self.pid)
            if c is not None:
                self.last_cpu = c
            self.stop.wait(self.interval)


DB_KEYS = ("Questions", "Com_select", "Com_insert", "Com_update",
           "Com_delete", "Com_commit", "Com_stmt_execute",
           "Handler_read_key", "Handler_read_next")


def db_status(mariadb):
    """The server's counters of DB_KEYS (strings), to subtract."""
    return dict(mariadb.query("SHOW GLOBAL STATUS WHERE Variable_name IN (%s)"
                              % ", ".join("'%s'" % k for k in DB_KEYS)))


def renice(pids, value):
    """Every thread of pids to niceness value (Linux keeps one per thread:
    a server's threads made while it ran niced stay so); False when one
    was refused."""
    ok = True
    for pid in pids:
        try:
            tids = [int(t) for t in os.listdir("/proc/%d/task" % pid)]
        except OSError:
            continue
        for tid in tids:
            try:
                os.setpriority(os.PRIO_PROCESS, tid, value)
            except OSError:
                ok = False
    return ok


def add_lock_option(ap, part):
    ap.add_argument("--lock", default="", metavar="FILE",
                    help="hold an exclusive flock(2) on FILE for %s only, at"
                    " priority 0 (start the bench niced)" % part)


def _loadavg():
    return "%.2f %.2f %.2f" % os.getloadavg()


@contextlib.contextmanager
def measuring(path, pids=()):
    """With path (--lock): the block under an exclusive flock(2) on it, with
    this process (the programs it starts inherit its niceness) and every
    thread of pids at priority 0, then back at this process's niceness
    before; the wait and the load average said. Without: the block as it
    is."""
    if not path:
        yield
        return
    nice = os.getpriority(os.PRIO_PROCESS, 0)
    mine = [os.getpid()] + [p for p in pids if p]
    with open(path, "a") as f:
        t0 = time.monotonic()
        fcntl.flock(f, fcntl.LOCK_EX)
        print("lock %s taken after %.0f s; load average %s" % (
            path, time.monotonic() - t0, _loadavg()), flush=True)
        if not renice(mine, 0):
            print("  (could not renice to 0: measured at niceness %d)"
                  % nice, flush=True)
        try:
            yield
        finally:
            renice(mine, nice)
            print("lock %s released; load average %s" % (path, _loadavg()),
                  flush=True)


@contextlib.contextmanager
def own_server(keep, buffer_pool, ram=False):
    """(run dir, MariaDB) of the bench's own, started, in
    tests/gen/bench-XXXX; with ram its tables on the RAM disk (when there
    is one: env.ram_dir) and not durable. Stopped at the end, and its
    directories removed unless keep (then said)."""
    reason = MariaDB.available()
    if reason:
        raise SystemExit(reason)
    root = env.make_run_dir(prefix="bench-")
    ramdir = env.ram_dir("mariadb-") if ram else None
    mariadb = MariaDB(os.path.join(root, "mariadb"), buffer_pool=buffer_pool,
                      datadir=os.path.join(ramdir, "data") if ramdir
                      else None, durable=not ram)
    try:
        mariadb.start()
        yield root, mariadb
    finally:
        mariadb.stop()
        if not keep:
            env.remove_tree(root)
            if ramdir:
                env.remove_tree(ramdir)
        else:
            print("kept %s" % root)


def close(px):
    """px closed (its emulator stopped, its databases dropped); a failure
    said, so that the caller goes on stopping the rest."""
    try:
        px.close()
    except Exception as e:
        print("close: %s" % e)


def first_replication(px, configure, timeout):
    """px set up and configure(px) (its config files), every mailbox made
    replicable and selected, then replicated by one `run`: the seconds
    that run took. When any of it fails px is closed (its emulator too)
    and the error goes on."""
    try:
        px.setup()
        configure(px)
        px.replicate_everything("bench-pw-")
        t0 = time.monotonic()
        res = px.repl("--json", "run", timeout=timeout)
        if res.returncode != 0:
            raise SystemExit("first run failed: %s" % px.describe(res))
        return time.monotonic() - t0
    except BaseException:
        px.close()
        raise
