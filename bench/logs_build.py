#!/usr/bin/python3
"""The Logs page index's build at a million rows, on the data that
bench/logs_page.py --keep left in a checkout (tests/gen/logs-page-bench),
with that checkout's programs (never part of `make check`).

    /usr/bin/python3 bench/logs_build.py TREE whole|prune

whole: one `oxt-corecli logs-pages` (a forced build, to its end).
prune: the rows older than the 20,000th oldest's age in days expire,
then `oxt-corecli prune DAYS 100000000 0 500` (the daemon's budget) is
called until it says neither `more` nor `building`: the total, the rows
per second (the build included) and the longest call, which is what a
daemon's turn waits for. Changes the data (run --prepare of
bench/logs_page.py again afterwards). Measure main and a branch side by
side in one hold of the benchmark lock, each TREE its own checkout.
"""
import json, os, subprocess, sys, time
tree, mode = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(tree, "tests", "integration"))
from harness import env
from harness.mariadb import MariaDB
root = os.path.join(tree, "tests", "gen", "logs-page-bench")
db = MariaDB(os.path.join(root, "mariadb"), buffer_pool="2G")
db.start()
conf = os.path.join(root, "site", "oxtender.conf")
with open(conf) as f:
    text = [l for l in f.read().splitlines() if not l.startswith("db_port")]
with open(conf, "w") as f:
    f.write("\n".join(text + ["db_port = %d" % db.port]) + "\n")
try:
    print("%s %s: load %s" % (tree, mode, os.getloadavg()), flush=True)
    if mode == "whole":
        t0 = time.monotonic()
        out = subprocess.run([env.CORECLI, "-c", conf, "logs-pages"],
                             capture_output=True, text=True, check=True)
        print("  logs-pages: %.1f s %s" % (time.monotonic() - t0,
                                           out.stdout.strip()), flush=True)
    else:
        # the oldest rows expire (a retention of the 20,000th oldest's age
        # in days: about 24,700 rows), then prunes with the daemon's
        # budget (500 ms) until neither deletes nor a build are left:
        # each call is what a daemon turn waits for
        days = int(db.scalar("SELECT DATEDIFF(NOW(), logged_at) FROM"
                             " replication_log ORDER BY logged_at, id"
                             " LIMIT 20000, 1", "oxtender"))
        took = []
        expired = 0
        t0 = time.monotonic()
        while True:
            t1 = time.monotonic()
            out = subprocess.run([env.CORECLI, "-c", conf, "prune",
                                  str(days), "100000000", "0", "500"],
                                 capture_output=True, text=True, check=True)
            took.append(time.monotonic() - t1)
            res = json.loads(out.stdout)
            expired += res["expired"]
            if not res.get("more") and not res.get("building"):
                break
        total = time.monotonic() - t0
        longest = max(took)
        took.sort()
        print("  prune (retention %d days) with the daemon's 500 ms budget:"
              " %d rows in %.1f s (%.0f rows/s, page index build"
              " included), %d calls, each median %.3f s, longest %.3f s:"
              " %s" % (days, expired, total, expired / total, len(took),
                       took[len(took) // 2], longest, out.stdout.strip()),
              flush=True)
    print("  load %s" % (os.getloadavg(),), flush=True)
finally:
    db.stop()
