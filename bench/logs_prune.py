#!/usr/bin/python3
"""Keeping the replication log bounded at a million rows: retention, the
row cap, Clean Log and Remove, and how long a writer (the replicator
logging its work) waits meanwhile (never part of `make check`).

    /usr/bin/python3 bench/logs_prune.py [--rows 1000000] [--expire 20000]
        [--base DIR] [--lock FILE] [--data DIR] [--batch 1000]
        [--profile N] [--cap-only]

It builds the data of bench/logs_at_scale.py (its own MariaDB under
tests/gen, removed at the end: reseller1 30 %, client1 11 %, dom1 1 % of
the rows, the rest over 10,000 domains and 1,000 clients), then with the
core's test client (oxt-corecli) measures: the daily recount of the
counts; a prune of --expire expired rows spread over every domain; a
prune of as many rows beyond the row cap; Remove of 1,000 selected rows;
a move of dom1 (10,000 rows: a domain moved to another owner, queued
as the directory's sync queues it, its rows moved by the prune, 0148);
Clean Log of dom1 (10,000 rows) and of client1 (100,000 rows after the
move). Each step prints its rows per second (a build of this tree
also the prune's own split: its batches' time, the page index's build
that follows, the longest batch). The retention, the cap and the move
are then made once more as the daemon makes them, a batch per call (no
budget), until the prune says it is done: the batches' rows per second
and the longest, then the page index's build, a chunk a call.
--profile N runs one delete batch and one move batch of N rows
statement by statement at the end (SHOW PROFILES). Meanwhile
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
import json
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
    try:
        out = json.loads(res.stdout)
    except ValueError:
        out = {}
    n = sum(out.get(k) or 0 for k in ("expired", "over_cap", "moved",
                                      "deleted"))
    rate = " %7.0f rows/s" % (n * 1000.0 / ms) if n and ms else ""
    print("  %-34s %9.0f ms%s  writer's worst wait %6.0f ms  %s" % (
        label, ms, rate, writer.take(), res.stdout.strip()[:110]),
        flush=True)
    # the prune's own split (oxt_replog_prune_t, where the build has it)
    part = []
    for key, rows in (("moves_ms", out.get("moved") or 0),
                      ("deletes_ms", (out.get("expired") or 0)
                       + (out.get("over_cap") or 0)), ("pages_ms", 0)):
        if out.get(key):
            part.append("%s %d ms%s" % (key[:-3], out[key],
                        " (%.0f rows/s)" % (rows * 1000.0 / out[key])
                        if rows else ""))
    if part:
        print("  %-34s %s; longest batch %s ms" % (
            "", ", ".join(part), out.get("longest_batch_ms")), flush=True)
    return res.stdout


def batched(label, writer, corecli, conf, *args):
    """The same prune called with no budget until it says it is done, as
    the daemon calls it: each call one batch (a process's start and the
    prune's first look included) while rows are left, then one chunk of
    the page index's build a call. The batches' rows per second, the
    longest batch call, and the build's calls apart."""
    writer.take()
    batches, chunks, rows = [], [], 0
    while True:
        t0 = time.monotonic()
        res = subprocess.run([corecli, "-c", conf] + [str(a) for a in args],
                             capture_output=True, text=True, check=True)
        took = time.monotonic() - t0
        out = json.loads(res.stdout)
        n = sum(out.get(k) or 0 for k in ("expired", "over_cap", "moved"))
        (batches if n else chunks).append(took)
        rows += n
        if not out.get("more"):
            break
    print("  %-34s %d rows in %d calls, %.1f s: %.0f rows/s; longest call"
          " %.0f ms, median %.0f ms; then the build: %d calls, %.1f s,"
          " longest %.0f ms; writer's worst wait %.0f ms" % (
              label + " (a batch a call)", rows, len(batches), sum(batches),
              rows / sum(batches) if batches else 0,
              max(batches or [0]) * 1000,
              sorted(batches or [0])[len(batches) // 2] * 1000, len(chunks),
              sum(chunks), max(chunks or [0]) * 1000, writer.take()),
          flush=True)


def in_process(label, writer, corecli, conf, mode, *args):
    """The same prune called in one process as the daemon calls it (no
    budget, a batch a call, until it says it is done; oxt-corecli
    prune-calls): mode "walk" finds the cap's boundary by a walk of
    max_rows entries every call (as before), "kept" remembers it between
    calls (oxt_replog_cap_t)."""
    writer.take()
    res = subprocess.run([corecli, "-c", conf, "prune-calls"]
                         + [str(a) for a in args] + ["100000", mode],
                         capture_output=True, text=True, check=True)
    out = json.loads(res.stdout)
    calls = [c for c in out["calls"] if c["over_cap"] or c["expired"]]
    ms = sorted(c["us"] / 1000.0 for c in calls) or [0]
    rows = sum(c["over_cap"] + c["expired"] for c in calls)
    print("  %-34s %d rows in %d calls, %.1f s: %.0f rows/s; median call"
          " %.0f ms, longest %.0f ms; %d walks; writer's worst wait %.0f ms"
          % (label + " (" + mode + ")", rows, len(calls), sum(ms) / 1000.0,
             rows * 1000.0 / sum(ms) if sum(ms) else 0, ms[len(ms) // 2],
             ms[-1], out.get("walks", 0), writer.take()), flush=True)


def measure_cap(tree, db, conf, writer, expire, batch=1000):
    """Only the row cap called as the daemon calls it: each tree's build
    a process a call; a tree with prune-calls also in one process, the
    boundary walked each call and remembered."""
    corecli = os.path.join(tree, "build", "default", "tests", "oxt-corecli")
    replicator = os.path.join(tree, "replicator", "oxtender-replicator")
    sql_dir = os.path.join(tree, "sql", "oxtender")
    with open(conf) as f:
        text = [l for l in f.read().splitlines()
                if not l.startswith("sql_dir")]
    with open(conf, "w") as f:
        f.write("\n".join(text + ["sql_dir = %s" % sql_dir]) + "\n")
    subprocess.run([replicator, "-c", conf, "-q", "migrate"], check=True)
    print("== %s (cap only, %s rows, load %s)" % (
        tree, db.scalar("SELECT COUNT(*) FROM replication_log", "oxtender"),
        os.getloadavg()), flush=True)
    subprocess.run([corecli, "-c", conf, "logs-pages"], check=True,
                   capture_output=True)
    db.sql("UPDATE replication_log_count SET counted_at = NULL;", "oxtender")
    step("daily recount", writer, corecli, conf, "prune", 3650, 100000000,
         1000, 600000)
    modes = [None]
    with open(os.path.join(tree, "tests", "corecli", "oxt_corecli.c")) as f:
        if '"prune-calls"' in f.read():
            modes += ["walk", "kept"]
    for mode in modes:
        total = int(db.scalar("SELECT n FROM replication_log_count WHERE"
                              " level = 'all'", "oxtender"))
        if mode is None:
            batched("prune %d beyond the cap" % expire, writer, corecli,
                    conf, "prune", 3650, total - expire, batch, 0)
        else:
            in_process("prune %d beyond the cap" % expire, writer, corecli,
                       conf, mode, 3650, total - expire, batch, 0)
        print("  load %s" % (os.getloadavg(),), flush=True)


def drift(db):
    """The stored total against the rows (the writer's and the
    re-inserted rows are counted by nobody but the recount)."""
    return db.scalar("SELECT CONCAT((SELECT n FROM replication_log_count"
                     " WHERE level = 'all'), ' counted, ', COUNT(*),"
                     " ' rows') FROM replication_log", "oxtender")


def measure(tree, db, conf, writer, expire, batch=1000):
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
         100000000, batch, 600000)
    db.sql("UPDATE replication_log SET logged_at = NOW() - INTERVAL 400 DAY"
           " WHERE id IN (SELECT id FROM (SELECT id FROM replication_log"
           " WHERE address <> 'writer@dom5.example' ORDER BY id"
           " LIMIT %d) t);" % expire, "oxtender")
    batched("prune %d expired" % expire, writer, corecli, conf, "prune",
            365, 100000000, batch, 0)
    total = int(db.scalar("SELECT n FROM replication_log_count WHERE"
                          " level = 'all'", "oxtender"))
    print("  before the cap: %s" % drift(db), flush=True)
    step("prune %d beyond the cap" % expire, writer, corecli, conf,
         "prune", 3650, total - expire, batch, 600000)
    total = int(db.scalar("SELECT n FROM replication_log_count WHERE"
                          " level = 'all'", "oxtender"))
    batched("prune %d beyond the cap" % expire, writer, corecli, conf,
            "prune", 3650, total - expire, batch, 0)
    print("  after the cap: %s" % drift(db), flush=True)
    # a domain moved to another owner (issue 10): the directory's sync
    # queues it, the prune moves its rows in batches (0148): dom1's (1 %
    # of the rows, a tenth of client1's) to an owner of their own
    dom = 1
    nrows = db.scalar("SELECT COUNT(*) FROM replication_log WHERE"
                      " dom_id = 1", "oxtender")
    if db.scalar("SELECT COUNT(*) FROM information_schema.tables WHERE"
                 " table_schema = 'oxtender' AND table_name ="
                 " 'replication_log_move'", "oxtender") != "0":
        db.sql("DELETE FROM replication_log_move; INSERT INTO"
               " replication_log_move VALUES (%s, 9000, 9001, NOW());"
               % dom, "oxtender")
        step("move of dom %s (%s rows)" % (dom, nrows), writer, corecli,
             conf, "prune", 3650, 100000000, batch, 600000)
        db.sql("INSERT INTO replication_log_move VALUES (%s, 9010, 9011,"
               " NOW());" % dom, "oxtender")
        batched("move of dom %s back" % dom, writer, corecli, conf,
                "prune", 3650, 100000000, batch, 0)
    ids = [r[0] for r in db.query(
        "SELECT id FROM replication_log WHERE dom_id > 1 ORDER BY id DESC"
        " LIMIT 1000", "oxtender")]
    step("remove 1000 rows", writer, corecli, conf, "logs-remove", "admin",
         *ids)
    step("clean log of dom1", writer, corecli, conf, "logs-clean",
         "dom1.example")
    step("clean log of client1", writer, corecli, conf, "logs-clean",
         "client1")


GONE = ("id, logged_at, address, dom_id, client_id, reseller_id,"
        " service_type, scheduled_by, outcome")
KEEP = ("logged_at, run_id, mail_id, address, dom_id, domain_name,"
        " {owner} service_type, scheduled_by, operation, outcome, reason,"
        " debug_request, debug_response")


def profile(db, batch):
    """Where a batch's time goes: the statements of one delete batch
    (replog_delete_batch: the oldest rows) and of one move batch
    (move_rows: dom1's rows to another owner) run by hand in one session
    of the server, each timed by the server (SHOW PROFILES), the ids
    written out as the prune binds them."""
    ids = ",".join(r[0] for r in db.query(
        "SELECT id FROM replication_log ORDER BY logged_at, id LIMIT %d"
        % batch, "oxtender"))
    mids = ",".join(r[0] for r in db.query(
        "SELECT id FROM replication_log WHERE dom_id = 1 ORDER BY dom_id,"
        " logged_at, id LIMIT %d" % batch, "oxtender"))
    cols = db.query("SHOW COLUMNS FROM replication_log", "oxtender")
    keep = KEEP.format(owner="client_id, reseller_id,")
    keep = ", ".join(c for c in keep.split(", ")
                     if c.strip() in [r[0] for r in cols])
    sel = keep.replace("client_id, reseller_id", "9002, 9003")
    script = (
        "SET profiling = 1; SET profiling_history_size = 100;"
        " SET TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN;"
        " SELECT COUNT(*) FROM (SELECT id, reseller_id, client_id,"
        " COALESCE(dom_id, 0) FROM replication_log ORDER BY logged_at, id"
        " LIMIT {n} FOR UPDATE) l;"
        " INSERT INTO replication_log_gone ({g}) SELECT {g} FROM"
        " replication_log WHERE id IN ({ids});"
        " DELETE FROM replication_log WHERE id IN ({ids}); COMMIT;"
        " SET TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN;"
        " SELECT COUNT(*) FROM (SELECT id FROM replication_log FORCE INDEX"
        " (dom) WHERE dom_id = 1 ORDER BY dom_id, logged_at, id LIMIT {n}"
        " FOR UPDATE) l;"
        " INSERT INTO replication_log ({keep}) SELECT {sel} FROM"
        " replication_log WHERE id IN ({mids}) ORDER BY id;"
        " INSERT INTO replication_log_gone ({g}) SELECT {g} FROM"
        " replication_log WHERE id IN ({mids});"
        " DELETE FROM replication_log WHERE id IN ({mids}); COMMIT;"
        " SHOW PROFILES;").format(n=batch, g=GONE, ids=ids, mids=mids,
                                  keep=keep, sel=sel)
    rows = db.query(script, "oxtender")
    print("one batch of %d, statement by statement (server time):" % batch)
    for r in rows:
        if len(r) >= 3 and not r[2].startswith("SET"):
            print("  %8.1f ms  %s" % (float(r[1]) * 1000, r[2][:90]))
    nidx = db.scalar("SELECT COUNT(DISTINCT index_name) FROM"
                     " information_schema.statistics WHERE table_schema ="
                     " 'oxtender' AND table_name = 'replication_log'",
                     "oxtender")
    print("  (replication_log has %s indexes, the primary key included)"
          % nidx, flush=True)


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
    ap.add_argument("--batch", type=int, default=1000,
                    help="the prune's batch (rows a transaction)")
    ap.add_argument("--profile", type=int, default=0,
                    help="at the end, one delete batch and one move batch"
                    " of this many rows statement by statement")
    ap.add_argument("--data", default=os.path.join(env.TOP, "tests", "gen"),
                    help="where the data's directory is made (removed at"
                    " the end)")
    ap.add_argument("--lock", default=None,
                    help="a lock file (flock) held around the measuring"
                    " only, not the data's build")
    ap.add_argument("--cap-only", action="store_true",
                    help="only the row cap as the daemon calls it (a"
                    " process a call; in one process, walked and"
                    " remembered, where the tree has prune-calls)")
    args = ap.parse_args()
    os.makedirs(args.data, exist_ok=True)
    root = tempfile.mkdtemp(prefix="prune-", dir=args.data)
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
            (measure_cap if args.cap_only else measure)(
                os.path.abspath(tree), db, conf, writer, args.expire,
                args.batch)
            # client1's rows again (dom1's are among them) for the next
            # tree's Clean Log
            if not args.cap_only:
                db.sql(scale.ROWS_SQL.format(n=args.rows).rstrip()
                       .rstrip(";") + " WHERE s.c = 4;", "oxtender")
        print("load %s" % (os.getloadavg(),), flush=True)
        for n in ([args.profile] if args.profile else []):
            profile(db, n)
            print("load %s" % (os.getloadavg(),), flush=True)
    finally:
        if writer is not None:
            writer.close()
        if db is not None:
            db.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
