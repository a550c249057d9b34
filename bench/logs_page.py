#!/usr/bin/python3
"""The Replication Logs page at a million log rows, measured with wrk
against the real Apache with mod_oxtender (never part of `make check`).

    /usr/bin/python3 bench/logs_page.py [--rows 1000000] [--seconds 5]
        [--keep] [--only PATTERN] [--slowlog]

It starts a private MariaDB in tests/gen/logs-page-bench (kept with
--keep, and then reused by the next run, which skips the data), a small
Plesk 9 psa (oxt-gendata) and the oxtender database (migrate), and writes
--rows replication_log rows spread over the real domains and their owners
(each domain's rows carry its client and reseller as the replicator
records them; 5 % failures, 5 % scheduled by a person, three service
types, 80 days of history), then the per-owner counts as the daily
recount leaves them. Then Apache with the module, a Plesk session per
caller (the admin, a reseller, a client, a domain administrator), and for
each: the first page in every sort both ways, a middle and the last page,
100 and 25 per page, a search, and the JSON twin. wrk -t1 -c2 for
--seconds each: the client's p99 and req/s, and the server-side p99
(Apache's %D of those requests). Helpers are bench/lists.py's.

--slowlog logs every statement of the measured requests (MariaDB's slow
query log with long_query_time 0) and prints mariadb-dumpslow's summary
at the end: where a page's server time goes, statement by statement.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from harness import env                              # noqa: E402
from harness.apache import Apache                    # noqa: E402
from harness.mariadb import MariaDB                   # noqa: E402
from harness.site import Site                         # noqa: E402
from lists import say, server_p99, wrk                # noqa: E402

SIZE = dict(resellers=10, clients=200, domains=2000, mailboxes=20000)

OWNERS = """
CREATE TABLE bench_dom (n INT PRIMARY KEY, dom_id BIGINT, name VARCHAR(255),
  client_id BIGINT, reseller_id BIGINT);
INSERT INTO bench_dom
SELECT ROW_NUMBER() OVER (ORDER BY d.id) - 1, d.id, d.name,
  IF(c.type = 'client', c.id, 0),
  CASE c.type WHEN 'reseller' THEN c.id
       ELSE IF(o.type = 'reseller', o.id, 0) END
FROM `{psa}`.domains d JOIN `{psa}`.clients c ON c.id = d.cl_id
LEFT JOIN `{psa}`.clients o ON o.id = c.parent_id;
"""

ROWS = """
INSERT INTO replication_log (logged_at, mail_id, address, dom_id,
  domain_name, client_id, reseller_id, service_type, scheduled_by,
  operation, outcome, reason)
SELECT NOW() - INTERVAL ({n} - s.seq) * 7 SECOND, s.seq % 200000 + 1,
  CONCAT('user', s.seq % 97, '@', b.name), b.dom_id, b.name, b.client_id,
  b.reseller_id,
  ELT(1 + s.seq % 3, 'webmail', 'groupware_standard', 'groupware_premium'),
  IF(s.seq % 20 = 0, 'Charles Dawson', 'Automatic'), 'update',
  IF(s.seq % 19 = 0, 'failure', 'success'),
  IF(s.seq % 19 = 0, 'OX: invalid data: the display name is taken', NULL)
FROM seq_1_to_{n} s JOIN bench_dom b ON b.n = s.seq % {ndom};
"""

RECOUNT = """
DELETE FROM replication_log_count;
INSERT INTO replication_log_count (level, id, n, counted_at)
  SELECT 'all', 0, COUNT(*), NOW() FROM replication_log;
INSERT INTO replication_log_count (level, id, n, counted_at)
  SELECT 'reseller', reseller_id, COUNT(*), NOW() FROM replication_log
  GROUP BY reseller_id;
INSERT INTO replication_log_count (level, id, n, counted_at)
  SELECT 'client', client_id, COUNT(*), NOW() FROM replication_log
  GROUP BY client_id;
INSERT INTO replication_log_count (level, id, n, counted_at)
  SELECT 'domain', COALESCE(dom_id, 0), COUNT(*), NOW() FROM replication_log
  GROUP BY COALESCE(dom_id, 0);
ANALYZE TABLE replication_log;
"""

SORTS = ("modified", "name", "service", "scheduled_by", "outcome")


def build(root, rows, keep):
    db = MariaDB(os.path.join(root, "mariadb"), buffer_pool="2G")
    db.start()
    site = Site(os.path.join(root, "site"), db, flavour=9,
                admin_password="bench-admin-pw", db_password="bench-db-pw")
    marker = os.path.join(root, "loaded")
    if keep and os.path.exists(marker):
        say("data: reused %s" % root)
        site.write_config()
        t0 = time.monotonic()
        site.migrate()                # a newer build's migrations
        say("migrate: %.0f s" % (time.monotonic() - t0))
        return db, site
    site.build(**SIZE)
    site.migrate()
    t0 = time.monotonic()
    db.sql(OWNERS.format(psa=site.psa_db), site.oxtender_db)
    ndom = int(db.scalar("SELECT COUNT(*) FROM bench_dom",
                         site.oxtender_db))
    db.sql(ROWS.format(n=rows, ndom=ndom), site.oxtender_db)
    db.sql(RECOUNT, site.oxtender_db)
    say("data: %d log rows over %d domains in %.0f s" % (
        rows, ndom, time.monotonic() - t0))
    with open(marker, "w") as f:
        f.write("1\n")
    return db, site


def callers(site):
    """(role, login) measured: the admin, the reseller, client and domain
    with the most log rows."""
    q = lambda sql: site.db.scalar(sql, site.oxtender_db)
    rid = q("SELECT id FROM replication_log_count WHERE level = 'reseller'"
            " AND id > 0 ORDER BY n DESC LIMIT 1")
    cid = q("SELECT id FROM replication_log_count WHERE level = 'client'"
            " AND id > 0 ORDER BY n DESC LIMIT 1")
    did = site.psa_scalar("SELECT d.id FROM domains d JOIN dom_level_usrs u"
                          " ON u.dom_id = d.id WHERE u.state = 'true'"
                          " ORDER BY d.id LIMIT 1")
    out = [("admin", "admin")]
    for role, oid in (("reseller", rid), ("client", cid), ("domain", did)):
        site.grant(role, int(oid))
        login = site.psa_scalar(
            "SELECT name FROM domains WHERE id = %s" % oid if role == "domain"
            else "SELECT login FROM clients WHERE id = %s" % oid)
        out.append((role, login))
    return out


def urls(role, total):
    """Every sort both ways: the first page, the middle and the last;
    100 per page; a search (first page, page 3, by mailbox, the last page
    of what it counts); the JSON twin."""
    last = max(1, (total + 24) // 25)
    mid = max(2, last // 2)
    out = []
    for sort in SORTS:
        for d in ("desc", "asc"):
            base = "/oxtender/logs?sort=%s&dir=%s" % (sort, d)
            out.append(("%s p1 %s %s" % (role, sort, d), base))
            for page in sorted({mid, last} - {1}):
                out.append(("%s p%d %s %s" % (role, page, sort, d),
                            "%s&page=%d" % (base, page)))
    out.append(("%s 100 per page" % role, "/oxtender/logs?per_page=100"))
    out.append(("%s search 'user1'" % role, "/oxtender/logs?q=user1"))
    out.append(("%s search 'user1' p3" % role,
                "/oxtender/logs?q=user1&page=3"))
    out.append(("%s search 'user1' by name" % role,
                "/oxtender/logs?q=user1&sort=name&dir=asc"))
    out.append(("%s search 'user1' last" % role,
                "/oxtender/logs?q=user1&page=400"))
    out.append(("%s search 'user96@'" % role, "/oxtender/logs?q=user96@"))
    out.append(("%s json p1" % role, "/oxtender/logs?format=json"))
    return out


def quiet_mark(httpd, quiet=0.5, longest=10.0):
    """The access log's size once it has stopped growing: requests the
    previous wrk left in flight (a slow page's, up to a second or two)
    are logged before it, so they never count as this URL's."""
    size, since = -1, time.monotonic()
    deadline = since + longest
    while time.monotonic() < deadline:
        now = os.path.getsize(httpd.access_log_path)
        if now != size:
            size, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
        time.sleep(0.05)
    return size


def run(httpd, site, args):
    worst = {}
    for role, login in callers(site):
        sess = site.add_session(login)
        total = httpd.get("/oxtender/logs?format=json&per_page=10",
                          session=sess).json()["total"]
        say("%s (%s): %d rows" % (role, login, total))
        for name, path in urls(role, total):
            if args.only and not re.search(args.only, name):
                continue
            mark = quiet_mark(httpd)
            p99, rps, _ = wrk(httpd.base_url + path, sess, args.seconds)
            httpd.settle(0.2)
            sp99, n = server_p99(httpd, mark)
            say("%-36s client p99 %7.2f ms  server p99 %7.2f ms  %7.1f"
                " req/s (%d)" % (name, p99 or -1, sp99 or -1, rps or -1, n))
            worst[role] = max(worst.get(role, 0), sp99 or 0)
    say("")
    for role in worst:
        say("worst server-side p99 %-10s %7.2f ms" % (role, worst[role]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--only", default=None)
    ap.add_argument("--slowlog", action="store_true")
    args = ap.parse_args()
    root = os.path.join(env.TOP, "tests", "gen", "logs-page-bench")
    os.makedirs(root, exist_ok=True)
    db, site = build(root, args.rows, args.keep)
    httpd = Apache(os.path.join(root, "apache"), site.config)
    try:
        httpd.start()
        slow = os.path.join(root, "slow.log")
        if args.slowlog:
            if os.path.exists(slow):
                os.unlink(slow)
            db.sql("SET GLOBAL slow_query_log_file = '%s'; SET GLOBAL"
                   " long_query_time = 0; SET GLOBAL slow_query_log = 1;"
                   % slow)
        run(httpd, site, args)
        if args.slowlog:
            db.sql("SET GLOBAL slow_query_log = 0;")
            say(subprocess.run(["mariadb-dumpslow", "-s", "t", "-t", "15",
                                slow], capture_output=True,
                               text=True).stdout)
    finally:
        httpd.stop()
        db.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
