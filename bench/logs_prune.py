#!/usr/bin/python3
"""Keeping the replication log bounded at a million rows: retention, the
row cap, Clean Log and Remove, and how long a writer (the replicator
logging its work) waits meanwhile (never part of `make check`).

    /usr/bin/python3 bench/logs_prune.py [--rows 1000000] [--expire 20000]
        [--base DIR] [--lock FILE]

It builds the data of bench/logs_at_scale.py (its own MariaDB under
tests/gen, removed at the end: reseller1 30 %, client1 11 %, dom1 1 % of
the rows, the rest over 10,000 domains and 1,000 clients), then with the
core's test client (oxt-corecli) measures: the daily recount of the
counts; a prune of --expire expired rows spread over every domain; a
prune of as many rows beyond the row cap; Remove of 1,000 selected rows;
Clean Log of dom1 (10,000 rows) and of client1 (110,000 rows). Meanwhile
a writer inserts a log row and its counts as the replicator does, in a
loop on its own connection; its worst wait is printed with each step.

--base DIR measures an older tree first on the same data (DIR holds its
built replicator and oxt-corecli and its sql/oxtender): its migrations,
then its steps; then this tree's migrations (new indexes included) and
its steps on fresh expired rows. The two runs share one database, so
they are side by side on the same machine load.
"""
import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from harness import env                               # noqa: E402
import logs_at_scale as scale                         # noqa: E402

WRITE = ("INSERT INTO replication_log (logged_at, mail_id, address, dom_id,"
         " domain_name, client_id, reseller_id, service_type, operation,"
         " outcome) VALUES (NOW(), 1, 'writer@dom5.example', 5,"
         " 'dom5.example', 104, 15, 'webmail', 'update', 'success');"
         " INSERT INTO replication_log_count (level, id, n) VALUES"
         " ('all', 0, 1), ('reseller', 15, 1), ('client', 104, 1),"
         " ('domain', 5, 1) ON DUPLICATE KEY UPDATE n = n + 1;")


class Writer(threading.Thread):
    """The replicator's log writes, one after another, each timed."""

    def __init__(self, db):
        super().__init__(daemon=True)
        self.db, self.worst, self.n, self.stop = db, 0.0, 0, False
        self.proc = subprocess.Popen(
            db.client_argv("oxtender") + ["--unbuffered"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self):
        while not self.stop:
            t0 = time.monotonic()
            self.proc.stdin.write(WRITE + " SELECT 1;\n")
            self.proc.stdin.flush()
            self.proc.stdout.readline()
            self.worst = max(self.worst, time.monotonic() - t0)
            self.n += 1
            time.sleep(0.01)

    def take(self):
        worst, self.worst = self.worst, 0.0
        return worst * 1000

    def close(self):
        self.stop = True
        self.join(5)
        self.proc.stdin.close()
        self.proc.wait(5)


def step(label, writer, corecli, conf, *args):
    writer.take()
    t0 = time.monotonic()
    res = subprocess.run([corecli, "-c", conf] + [str(a) for a in args],
                         capture_output=True, text=True)
    ms = (time.monotonic() - t0) * 1000
    print("  %-34s %9.0f ms  writer's worst wait %6.0f ms  %s" % (
        label, ms, writer.take(), res.stdout.strip()[:110]), flush=True)
    return res.stdout


def drift(db):
    """The stored total against the rows (the writer's and the
    re-inserted rows are counted by nobody but the recount)."""
    return db.scalar("SELECT CONCAT((SELECT n FROM replication_log_count"
                     " WHERE level = 'all'), ' counted, ', COUNT(*),"
                     " ' rows') FROM replication_log", "oxtender")


def measure(tree, db, conf, writer, expire):
    corecli = os.path.join(tree, "build", "default", "tests", "oxt-corecli")
    replicator = os.path.join(tree, "replicator", "oxtender-replicator")
    sql_dir = os.path.join(tree, "sql", "oxtender")
    with open(conf) as f:
        text = [l for l in f.read().splitlines()
                if not l.startswith("sql_dir")]
    with open(conf, "w") as f:
        f.write("\n".join(text + ["sql_dir = %s" % sql_dir]) + "\n")
    t0 = time.monotonic()
    subprocess.run([replicator, "-c", conf, "-q", "migrate"], check=True)
    print("== %s (migrate %.0f s, %s rows)" % (
        tree, time.monotonic() - t0,
        db.scalar("SELECT COUNT(*) FROM replication_log", "oxtender")),
        flush=True)
    paged = os.path.exists(os.path.join(sql_dir,
                                        "0117_replication_log_pages.sql"))
    if paged:
        # the page index as an earlier pass left it; then what one build
        # costs (each prune below that removes 2,500 rows or more builds
        # again at its end: its time includes one)
        step("page index (first build)", writer, corecli, conf,
             "logs-pages")
        step("page index build", writer, corecli, conf, "logs-pages")
    db.sql("UPDATE replication_log_count SET counted_at = NULL;", "oxtender")
    step("daily recount", writer, corecli, conf, "prune", 3650, 100000000,
         1000, 600000)
    db.sql("UPDATE replication_log SET logged_at = NOW() - INTERVAL 400 DAY"
           " WHERE id IN (SELECT id FROM (SELECT id FROM replication_log"
           " WHERE address <> 'writer@dom5.example' ORDER BY id"
           " LIMIT %d) t);" % expire, "oxtender")
    step("prune %d expired" % expire, writer, corecli, conf, "prune", 365,
         100000000, 1000, 600000)
    total = int(db.scalar("SELECT n FROM replication_log_count WHERE"
                          " level = 'all'", "oxtender"))
    print("  before the cap: %s" % drift(db), flush=True)
    step("prune %d beyond the cap" % expire, writer, corecli, conf,
         "prune", 3650, total - expire, 1000, 600000)
    print("  after the cap: %s" % drift(db), flush=True)
    ids = [r[0] for r in db.query(
        "SELECT id FROM replication_log WHERE dom_id > 1 ORDER BY id DESC"
        " LIMIT 1000", "oxtender")]
    step("remove 1000 rows", writer, corecli, conf, "logs-remove", "admin",
         *ids)
    step("clean log of dom1", writer, corecli, conf, "logs-clean",
         "dom1.example")
    step("clean log of client1", writer, corecli, conf, "logs-clean",
         "client1")


def normal_priority(db):
    """The data was built niced; the measuring runs at normal priority
    (this process, its children, every thread of the server: a thread's
    priority is its own on Linux). Needs the right to lower a nice value;
    without it, says so and measures as it is."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, 0)
        for tid in os.listdir("/proc/%d/task" % db.pid()):
            os.setpriority(os.PRIO_PROCESS, int(tid), 0)
    except (OSError, TypeError) as e:
        print("still niced (%s)" % e, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--expire", type=int, default=20000)
    ap.add_argument("--base", default=None)
    ap.add_argument("--lock", default=None,
                    help="a lock file (flock) held around the measuring"
                    " only, not the data's build")
    args = ap.parse_args()
    os.makedirs(os.path.join(env.TOP, "tests", "gen"), exist_ok=True)
    root = tempfile.mkdtemp(prefix="prune-", dir=os.path.join(env.TOP,
                                                               "tests", "gen"))
    db = writer = None
    try:
        if args.base:                 # the data under the base's schema
            top, repl = env.TOP, env.REPLICATOR
            env.TOP = os.path.abspath(args.base)
            env.REPLICATOR = os.path.join(env.TOP, "replicator",
                                          "oxtender-replicator")
            try:
                db, conf = scale.setup(root, args.rows)
            finally:
                env.TOP, env.REPLICATOR = top, repl
        else:
            db, conf = scale.setup(root, args.rows)
        if args.lock:
            lock = open(args.lock, "a")
            fcntl.flock(lock, fcntl.LOCK_EX)
            normal_priority(db)
            print("lock taken; load %s" % (os.getloadavg(),), flush=True)
        writer = Writer(db)
        writer.start()
        for tree in ([args.base] if args.base else []) + [env.TOP]:
            measure(os.path.abspath(tree), db, conf, writer, args.expire)
            # client1's rows again (dom1's are among them) for the next
            # tree's Clean Log
            db.sql(scale.ROWS_SQL.format(n=args.rows).rstrip().rstrip(";")
                   + " WHERE s.c = 4;", "oxtender")
        print("load %s" % (os.getloadavg(),), flush=True)
    finally:
        if writer is not None:
            writer.close()
        if db is not None:
            db.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
