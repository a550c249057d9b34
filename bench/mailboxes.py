#!/usr/bin/python3
"""The Mailboxes page at scale, measured with wrk against the real Apache
with mod_oxtender (never part of `make check`).

    /usr/bin/python3 bench/mailboxes.py [--size 100k|1m] [--keep]
        [--seconds 3] [--only PATTERN] [--no-pass] [--module OTHER.so]
        [--lock FILE] [--hold MINUTES] [--no-rps] [--no-check]
        [--searches u,user,user1,dom]

The data is bench/lists.py's (oxt-gendata, Plesk 9, a third of the
mailboxes replicated in mailbox_state), in tests/gen/mailboxes-bench-SIZE
(kept with --keep and reused; migrated and a directory pass timed each
run). For the admin, the reseller and the client with the most domains
and a domain administrator: the first, the middle and the last page
sorted by every column both ways; the search 'user1' (a wide one: a
ninth of all mailboxes) first, middle and last page by every column
both ways;
a narrow search; ox=1 deep; for the admin also a domain filter and 100 a
page. Each with bench/lists.py's measured(): wrk -t1 -c1 for --seconds
(the client's p99, the server-side p99 from Apache's %D of those
requests, the CPU time per request of Apache and MariaDB), then wrk -t1
-c2 for half as long (req/s), each run from and to an idle server (at
1M the wide search's joined pages took longer than a run, and their
queued requests ran on into the next URLs' runs: the reseller's pages
measured 60 s p99 that were the admin's backlog). --module measures
another build of the module (say, the one before a change) on the same
data. --searches: the wide searches measured so (default user1), say
u,user,user1,dom: 'u' and 'user' find every mailbox of every scope,
'dom' all but the domains' own names' few. --lock is held around the
measuring only and, as bench/lists.py's, given back between two URLs
once held for --hold minutes (11 by default; the machine's rule is 12
a hold) and taken again, the servers and their caches kept: the whole
set at 1M with three searches is about 780 URLs. --no-rps: the latency
run only (the p99s and the CPU per request), no -c2 run per URL.
"""
import argparse
import os
import random
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import lists as lb                                   # noqa: E402
from harness import env                              # noqa: E402
from harness.apache import Apache                    # noqa: E402

SORTS = ("name", "mail", "service", "language", "timezone", "modified",
         "ox_service", "reason")


def domain_caller(site):
    row = site.psa("SELECT d.name, d.id FROM domains d JOIN dom_level_usrs u"
                   " ON u.dom_id = d.id AND u.state = 'true' JOIN mail m ON"
                   " m.dom_id = d.id GROUP BY d.id ORDER BY COUNT(*) DESC"
                   " LIMIT 1")[0]
    site.grant("domain", int(row[1]))
    return row[0]


def urls(role, total, dom_id, searches):
    """Every sort both ways at the first, the middle and the last page;
    searches (each wide one, sorted by every column, first, middle and
    last page; a narrow one); for the admin also ox=1 and a domain
    filter."""
    last = max(1, (total + 24) // 25)
    out = []
    for page in sorted({1, (last + 1) // 2, last}):
        for sort in SORTS:
            for d in ("asc", "desc"):
                out.append(("%s p%d %s %s" % (role, page, sort, d),
                            "/oxtender/mailboxes?sort=%s&dir=%s&page=%d"
                            % (sort, d, page)))
    for wide, wide_total in searches:
        wlast = max(1, (wide_total + 24) // 25)
        for page in sorted({1, (wlast + 1) // 2, wlast}):
            for sort in SORTS:
                for d in ("asc", "desc"):
                    out.append(("%s q=%s p%d %s %s"
                                % (role, wide, page, sort, d),
                                "/oxtender/mailboxes?q=%s&sort=%s&dir=%s"
                                "&page=%d" % (wide, sort, d, page)))
    out.append(("%s q=user12345" % role, "/oxtender/mailboxes?q=user12345"))
    out.append(("%s ox=1 by modified desc, last page" % role,
                "/oxtender/mailboxes?ox=1&sort=modified&dir=desc&page=%d"
                % max(1, last // 3)))
    if role == "admin":
        out += [("admin domain=%d" % dom_id,
                 "/oxtender/mailboxes?domain=%d" % dom_id),
                ("admin 100 a page, p10",
                 "/oxtender/mailboxes?per_page=100&page=10")]
    return out


# issue 9's bar, server side, per data set
TARGET_MS = {"100k": 20, "1m": 50}

COLS = {"name": "name", "mail": "mail_on", "service": "service",
        "language": "language", "timezone": "timezone",
        "modified": "sync_key", "ox_service": "tick", "reason": "reason"}


def check_wide(site):
    """The stored counts of the wide searches (dir_mailbox_wide) against
    a count of the terms by LIKE: every one, or 200 of them at random
    when there are more."""
    rows = site.oxt("SELECT pattern, cnt FROM dir_mailbox_wide")
    assert rows, "no wide search stored"
    random.seed(9)
    some = rows if len(rows) <= 200 else random.sample(rows, 200)
    for pattern, cnt in some:
        live = site.oxt("SELECT COUNT(DISTINCT id) FROM dir_mailbox_term"
                        " WHERE term LIKE '%s' ESCAPE '!'"
                        % pattern.replace("\\", "\\\\").replace(
                            "'", "''"))[0][0]
        assert int(live) == int(cnt), (pattern, cnt, live)
    lb.say("stored counts of wide searches: %d of %d checked against the"
           " terms" % (len(some), len(rows)))


def check_pages(httpd, site, sess, total):
    """The admin's middle and next-to-last pages by every sort both ways
    hold exactly the rows of that position in the directory (the page
    index's seek gives the same rows as counting from the start)."""
    last = (total + 24) // 25
    for page in (last // 2, last - 1):
        for sort, col in COLS.items():
            for d in ("asc", "desc"):
                got = [i["id"] for i in httpd.get(
                    "/oxtender/mailboxes?format=json&sort=%s&dir=%s&page=%d"
                    % (sort, d, page), session=sess).json()["items"]]
                want = [int(r[0]) for r in site.oxt(
                    "SELECT id FROM dir_mailbox ORDER BY %s %s, id %s"
                    " LIMIT %d, 25" % (col, d, d, (page - 1) * 25))]
                assert got == want, (sort, d, page, got[:3], want[:3])
    wide = httpd.get("/oxtender/mailboxes?format=json&q=user1",
                     session=sess).json()["total"]
    live = int(site.oxt("SELECT COUNT(DISTINCT id) FROM dir_mailbox_term"
                        " WHERE term LIKE 'user1%'")[0][0])
    assert wide == live, (wide, live)
    check_wide(site)
    wlast = (wide + 24) // 25
    for page in sorted({1, 2, 3, wlast // 2, wlast - 2, wlast - 1, wlast}):
        for sort in SORTS:
            for d in ("asc", "desc"):
                got = [i["id"] for i in httpd.get(
                    "/oxtender/mailboxes?format=json&q=user1&sort=%s&dir=%s"
                    "&page=%d" % (sort, d, page), session=sess).json()[
                    "items"]]
                want = [int(r[0]) for r in site.oxt(
                    "SELECT id FROM dir_mailbox WHERE id IN (SELECT id FROM"
                    " dir_mailbox_term WHERE term LIKE 'user1%%') ORDER BY"
                    " %s %s, id %s LIMIT %d, 25" % (COLS[sort], d, d,
                                                   (page - 1) * 25))]
                assert got == want, ("q", sort, d, page, got[:3], want[:3])
    lb.say("pages checked against the directory: middle and next-to-last,"
           " every sort both ways; a wide search, the first three, the"
           " middle and the last three pages, every sort both ways")


def run(httpd, db, site, args):
    callers = lb.callers(site) + [("domain", domain_caller(site))]
    dom_id = int(site.psa_scalar("SELECT MIN(dom_id) FROM mail"))
    worst = {}
    seen = []
    plan = []
    for role, login in callers:
        sess = site.add_session(login)
        r = httpd.get("/oxtender/mailboxes?format=json&per_page=10",
                      session=sess)
        assert r.status == 200, (role, r.status, r.text[:300])
        total = r.json()["total"]
        wide = []
        for q in args.searches.split(","):
            wide.append((q, httpd.get(
                "/oxtender/mailboxes?format=json&per_page=10&q=" + q,
                session=sess).json()["total"]))
        lb.say("%s (%s): %d mailboxes, found: %s" % (role, login, total,
               ", ".join("%d by '%s'" % (n, q) for q, n in wide)))
        if role == "admin" and not args.no_check:
            check_pages(httpd, site, sess, total)
        plan.append((role, sess, total, wide))
    # only the measuring holds the shared lock, at most --hold minutes
    lock = lb.Lock(args.lock, args.hold * 60)
    try:
        lock.take()
        measure(httpd, db, site, args, plan, dom_id, worst, seen, lock)
    finally:
        lock.give()


def measure(httpd, db, site, args, plan, dom_id, worst, seen, lock):
    for role, sess, total, wide in plan:
        for name, path in urls(role, total, dom_id, wide):
            if args.only and not re.search(args.only, name):
                continue
            lock.due()
            p99, rps, sp99, n, wcpu, scpu = lb.measured(
                httpd, db, httpd.base_url + path, sess, args.seconds,
                rps_run=not args.no_rps)
            lb.say("%-40s client p99 %8.2f ms  server p99 %8.2f ms  %7.1f"
                   " req/s (%d)  CPU/req Apache %.2f ms MariaDB %.2f ms"
                   % (name, p99 or -1, sp99 or -1, rps or -1, n, wcpu,
                      scpu))
            worst[role] = max(worst.get(role, 0), sp99 or 0)
            seen.append((sp99 if sp99 is not None else float("inf"), name,
                         wcpu + scpu))
    # the floor of this machine now: a static file's p99 from the same
    # Apache, and the same size as a Mailboxes page
    sess = site.add_session("admin")
    body = httpd.get("/oxtender/mailboxes?page=2", session=sess).body
    path = os.path.join(httpd.root, "htdocs", "same-size.html")
    with open(path, "wb") as f:
        f.write(body)
    os.chmod(path, 0o644)
    for name, url in (("static file, %d bytes" % len(body),
                       "/same-size.html"),
                      ("Domains list p2 (a list of the same kit)",
                       "/oxtender/domains?page=2")):
        lb.idle(httpd, db)
        mark = os.path.getsize(httpd.access_log_path)
        p99, _, _ = lb.wrk(httpd.base_url + url, sess, args.seconds, conns=1)
        lb.idle(httpd, db)
        httpd.settle(0.2)
        sp99, n = lb.server_p99(httpd, mark)
        _, rps, _ = lb.wrk(httpd.base_url + url, sess,
                           max(1, args.seconds // 2), conns=2)
        lb.say("%-40s client p99 %8.2f ms  server p99 %8.2f ms  %7.1f"
               " req/s (%d)" % (name, p99 or -1, sp99 or -1, rps or -1, n))
    lb.say("")
    for role in sorted(worst):
        lb.say("worst server-side p99 %-10s %8.2f ms" % (role, worst[role]))
    bar = TARGET_MS[args.size]
    met = [x for x in seen if x[0] <= bar]
    lb.say("server p99 <= %d ms: %d of %d URLs met, %d not met"
           % (bar, len(met), len(seen), len(seen) - len(met)))
    for sp99, name, cpu in sorted(seen, reverse=True)[:8]:
        lb.say("  worst: %-40s server p99 %8.2f ms  CPU/req %.2f ms"
               % (name, sp99, cpu))
    lb.say("load average: %s" % " ".join(
        "%.2f" % x for x in os.getloadavg()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=sorted(lb.SIZES), default="100k")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--only", default=None)
    ap.add_argument("--module", default=None,
                    help="another build's mod_oxtender.so (say, the one"
                    " before a change), on the same data")
    ap.add_argument("--no-pass", action="store_true",
                    help="kept data: no directory pass before measuring")
    ap.add_argument("--lock", default=None,
                    help="a lock file (flock) held while measuring only")
    ap.add_argument("--hold", type=float, default=11.0,
                    help="minutes to hold --lock before giving it back"
                    " between two URLs")
    ap.add_argument("--no-rps", action="store_true",
                    help="no -c2 throughput run per URL (the latency run"
                    " only)")
    ap.add_argument("--searches", default="user1",
                    help="the wide searches measured, comma-separated")
    ap.add_argument("--no-check", action="store_true",
                    help="no check of the pages against the directory")
    ap.add_argument("--root", default=None,
                    help="the data's directory (default tests/gen/"
                    "mailboxes-bench-SIZE); bench/lists.py's --root data"
                    " serves both")
    args = ap.parse_args()
    root = args.root or os.path.join(env.TOP, "tests", "gen",
                                     "mailboxes-bench-" + args.size)
    os.makedirs(root, exist_ok=True)
    reused = os.path.exists(os.path.join(root, "loaded"))
    db, site = lb.build(root, args.size, args.keep)
    if reused:
        # Kept data may predate the Mailboxes directory: migrate, then
        # time a directory pass (its first fill, or nothing changed).
        site.migrate()
        if not args.no_pass:
            wall, out = lb.timed([env.REPLICATOR, "-c", site.config,
                                  "directory"])
            lb.say("directory (lists and mailboxes): %.1f s wall: %s"
                   % (wall, out))
    httpd = Apache(os.path.join(root, "apache"), site.config,
                   module=os.path.abspath(args.module) if args.module
                   else None)
    try:
        httpd.start()
        run(httpd, db, site, args)
    finally:
        httpd.stop()
        db.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
