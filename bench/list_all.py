#!/usr/bin/python3
""""All" (per_page=all: one page of at most OXT_LIST_ALL_MAX = 10,000
rows) on the Logs and the Mailboxes pages, for the admin, measured with
wrk against the real Apache with mod_oxtender (never part of
`make check`).

    /usr/bin/python3 bench/list_all.py [--rows 1000000] [--seconds 10]
        [--module OTHER.so] [--lock FILE] [--only PATTERN]

The data is bench/logs_page.py's --size 100k (bench/lists.py's psa of
100,000 mailboxes over 10,000 domains, --rows log rows over them), in
tests/gen/logs-bench-100k, made there by
`nice -n 19 /usr/bin/python3 bench/logs_page.py --size 100k --keep
--prepare` and reused. For each page, All's first page and a middle one
(the Logs page's 50 of 100 at 1,000,000 rows, the Mailboxes page's 5 of
10), HTML and the JSON twin: the body's bytes (one GET), then wrk -t1
-c1 for --seconds from an idle server: the client's p50 and p99, the
server-side p50 and p99 (Apache's %D), the requests, and the CPU time
per request of Apache and of MariaDB (bench/lists.py's measured way).
--module measures another build of the module (main's, say) on the same
data and the same servers' data, one after the other in one hold of
--lock. --owners measures instead the first Logs page (newest first, by
mailbox, a search 'user1') of the reseller and the client with the most
log rows.
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from harness import env                              # noqa: E402
from harness.apache import Apache                    # noqa: E402
import lists as lb                                   # noqa: E402
import logs_page as lp                               # noqa: E402
from lists import say                                # noqa: E402

URLS = (("logs All p1", "/oxtender/logs?per_page=all"),
        ("logs All p50", "/oxtender/logs?per_page=all&page=50"),
        ("logs All p1 json", "/oxtender/logs?per_page=all&format=json"),
        ("mailboxes All p1", "/oxtender/mailboxes?per_page=all"),
        ("mailboxes All p5", "/oxtender/mailboxes?per_page=all&page=5"),
        ("mailboxes All p1 json",
         "/oxtender/mailboxes?per_page=all&format=json"))


def pct(text, q):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\b" % q, text, re.M)
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return float(m.group(1)) * unit[m.group(2)] if m else None


def server_times(httpd, mark):
    with open(httpd.access_log_path) as f:
        f.seek(mark)
        times = sorted(int(line.rsplit(" ", 1)[1]) / 1000.0 for line in f
                       if line.strip())
    if not times:
        return None, None, 0
    at = lambda q: times[min(len(times) - 1, int(len(times) * q))]
    return at(0.5), at(0.99), len(times)


# --owners: the pages a reseller's and a client's list costs more since
# the domains psa moved away are asked first (oxt_replog.c, moved_away)
OWNER_URLS = (("logs p1", "/oxtender/logs"),
              ("logs p1 by mailbox", "/oxtender/logs?sort=mailbox&dir=asc"),
              ("logs search user1", "/oxtender/logs?q=user1"))


def measure(httpd, db, sessions, label, args):
    pids = lb.server_pids(httpd, db)
    web, sql = pids
    plan = [(n, p, sessions["admin"]) for n, p in URLS]
    if args.owners:
        plan = [("%s %s" % (role, n), p, sessions[role])
                for role in ("reseller", "client") for n, p in OWNER_URLS]
    for name, path, sess in plan:
        if args.only and not re.search(args.only, name):
            continue
        r = httpd.get(path, session=sess, timeout=120)
        assert r.status == 200, (name, r.status)
        size = len(r.body)
        lb.idle(httpd, db, pids)
        mark = os.path.getsize(httpd.access_log_path)
        w0, s0 = lb.cpu_ticks(web), lb.cpu_ticks(sql)
        res = subprocess.run(["wrk", "-t1", "-c1", "-d%ds" % args.seconds,
                              "--timeout", "30s", "--latency", "-H",
                              "Cookie: PHPSESSID=%s" % sess,
                              httpd.base_url + path], capture_output=True,
                             text=True, timeout=args.seconds + 120)
        lb.idle(httpd, db, pids)
        w1, s1 = lb.cpu_ticks(web), lb.cpu_ticks(sql)
        httpd.settle(0.2)
        sp50, sp99, n = server_times(httpd, mark)
        tick = 1000.0 / os.sysconf("SC_CLK_TCK")
        say("%-8s %-22s %9d bytes  client p50 %7.1f p99 %7.1f ms  server"
            " p50 %7.1f p99 %7.1f ms  (%d)  CPU/request: Apache %6.1f ms,"
            " MariaDB %6.1f ms  load %s" % (
                label, name, size, pct(res.stdout, 50) or -1,
                pct(res.stdout, 99) or -1, sp50 or -1, sp99 or -1, n,
                (w1 - w0) * tick / n if n else -1,
                (s1 - s0) * tick / n if n else -1,
                "%.2f" % os.getloadavg()[0]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--module", default=None,
                    help="measure this build of the module too (first)")
    ap.add_argument("--lock", default=None)
    ap.add_argument("--only", default=None)
    ap.add_argument("--owners", action="store_true",
                    help="the reseller's and the client's (most log rows)"
                    " Logs pages instead of All")
    args = ap.parse_args()
    root = os.path.join(env.TOP, "tests", "gen", "logs-bench-100k")
    os.makedirs(root, exist_ok=True)
    db, site = lp.build_sized(root, "100k", args.rows)
    builds = []
    if args.module:
        builds.append(("other", Apache(os.path.join(root, "apache-other"),
                                       site.config,
                                       module=os.path.abspath(args.module))))
    builds.append(("this", Apache(os.path.join(root, "apache-all"),
                                  site.config)))
    lock = lb.Lock(args.lock, 11 * 60)
    try:
        for _, httpd in builds:
            httpd.start()
        sessions = {role: site.add_session(login)
                    for role, login, _ in lp.callers(site)}
        lock.take()
        for label, httpd in builds:
            measure(httpd, db, sessions, label, args)
    finally:
        lock.give()
        for _, httpd in builds:
            httpd.stop()
        db.stop()


if __name__ == "__main__":
    main()
