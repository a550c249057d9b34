#!/usr/bin/python3
"""The Replication Logs page at a million log rows, measured with wrk
against the real Apache with mod_oxtender (never part of `make check`).

    /usr/bin/python3 bench/logs_page.py [--size small|100k|1m]
        [--rows 1000000] [--seconds 5] [--keep] [--prepare]
        [--only PATTERN] [--slowlog]

--size small (the default) is a Plesk 9 psa of 2,000 domains and 20,000
mailboxes (oxt-gendata) in tests/gen/logs-page-bench; 100k and 1m are
bench/lists.py's 100,000 and 1,000,000 mailboxes (10,000 / 100,000
domains) in tests/gen/logs-bench-SIZE (a copy of bench/mailboxes.py's
data works: its marker "loaded" skips the psa). Then --rows
replication_log rows over the real mailboxes, one after the other in
mail id order (each row carries its domain, client and reseller as the
replicator records them; 5 % failures, 5 % scheduled by a person, three
service types, a row every 7 seconds back from now), and the per-owner
counts as the daily recount leaves them. --keep keeps the data for the
next run, which skips it.

Then Apache with the module, a Plesk session per caller (the admin, the
reseller, client and domain with the most log rows), and for each: every
sort both ways at the first page, at a middle page reached by the
page's own links (after= the last row of the page before it, before=
the first of the page after it: a seek) and at the last page; the middle
page by its number alone (a typed URL: from the page index the
replicator keeps, else rows counted from the nearer end) for every sort
both ways; 100 per page; searches (first page, page 3 by its link, by
mailbox, a narrow one) and the JSON twin. wrk -t1 -c2 for --seconds
each: the client's p99 and req/s, and the server-side p99 (Apache's %D
of those requests).

Before measuring, every middle page (by its links and by its number)
is checked: its rows are those of its position counted from the start
(SQL's LIMIT of the same order over the caller's subtree). --prepare
first builds the page index as the replicator's prunes do (oxt-corecli
prune, with limits that remove nothing and no budget: one chunk a call,
called until the build ends; what each call took is printed). The links' keyset rows and that check
are made by --prepare too (with the data, outside the benchmark lock:
`nice -n 19 ... --keep --prepare`, then the measuring run with --keep).

--slowlog logs every statement of the measured requests (MariaDB's slow
query log with long_query_time 0) and prints mariadb-dumpslow's summary
at the end: where a page's server time goes, statement by statement.
"""
import argparse
import json
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
import lists as lb                                   # noqa: E402
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

MAILS = """
CREATE TABLE bench_mail (n INT PRIMARY KEY, mail_id BIGINT,
  address VARCHAR(255), dom_id BIGINT, name VARCHAR(255), client_id BIGINT,
  reseller_id BIGINT);
INSERT INTO bench_mail
SELECT ROW_NUMBER() OVER (ORDER BY m.id) - 1, m.id,
  CONCAT(m.mail_name, '@', d.name), d.id, d.name,
  IF(c.type = 'client', c.id, 0),
  CASE c.type WHEN 'reseller' THEN c.id
       ELSE IF(o.type = 'reseller', o.id, 0) END
FROM `{psa}`.mail m JOIN `{psa}`.domains d ON d.id = m.dom_id
JOIN `{psa}`.clients c ON c.id = d.cl_id
LEFT JOIN `{psa}`.clients o ON o.id = c.parent_id;
"""

MAIL_ROWS = """
INSERT INTO replication_log (logged_at, mail_id, address, dom_id,
  domain_name, client_id, reseller_id, service_type, scheduled_by,
  operation, outcome, reason)
SELECT NOW() - INTERVAL ({n} - s.seq) * 7 SECOND, b.mail_id, b.address,
  b.dom_id, b.name, b.client_id, b.reseller_id,
  ELT(1 + s.seq % 3, 'webmail', 'groupware_standard', 'groupware_premium'),
  IF(s.seq % 20 = 0, 'Charles Dawson', 'Automatic'), 'update',
  IF(s.seq % 19 = 0, 'failure', 'success'),
  IF(s.seq % 19 = 0, 'OX: invalid data: the display name is taken', NULL)
FROM seq_{lo}_to_{hi} s JOIN bench_mail b ON b.n = s.seq % {nmail};
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


def build_sized(root, size, rows):
    """bench/lists.py's psa of size (reused when its marker is there),
    then rows log rows over its mailboxes, once (marker logs-loaded)."""
    t0 = time.monotonic()
    db, site = lb.build(root, size, True)
    say("psa %s: ready in %.0f s" % (size, time.monotonic() - t0))
    marker = os.path.join(root, "logs-loaded")
    if os.path.exists(marker):
        with open(marker) as f:
            say("data: reused %s log rows" % f.read().strip())
        return db, site
    t0 = time.monotonic()
    db.sql("DROP TABLE IF EXISTS bench_mail; DELETE FROM replication_log;",
           site.oxtender_db)
    db.sql(MAILS.format(psa=site.psa_db), site.oxtender_db)
    nmail = int(db.scalar("SELECT COUNT(*) FROM bench_mail",
                          site.oxtender_db))
    step = 100000
    for lo in range(1, rows + 1, step):
        db.sql(MAIL_ROWS.format(n=rows, lo=lo, hi=min(rows, lo + step - 1),
                                nmail=nmail), site.oxtender_db)
    db.sql(RECOUNT, site.oxtender_db)
    say("data: %d log rows over %d mailboxes in %.0f s" % (
        rows, nmail, time.monotonic() - t0))
    with open(marker, "w") as f:
        f.write("%d\n" % rows)
    return db, site


def callers(site):
    """(role, login, SQL condition of its subtree) measured: the admin,
    and the reseller, client and domain with the most log rows."""
    q = lambda sql: site.db.scalar(sql, site.oxtender_db)
    rid = q("SELECT id FROM replication_log_count WHERE level = 'reseller'"
            " AND id > 0 ORDER BY n DESC LIMIT 1")
    cid = q("SELECT id FROM replication_log_count WHERE level = 'client'"
            " AND id > 0 ORDER BY n DESC LIMIT 1")
    did = q("SELECT c.id FROM replication_log_count c JOIN `%s`.dom_level_usrs"
            " u ON u.dom_id = c.id WHERE c.level = 'domain' AND u.state ="
            " 'true' ORDER BY c.n DESC, c.id LIMIT 1" % site.psa_db)
    out = [("admin", "admin", "1 = 1")]
    for role, oid, col in (("reseller", rid, "reseller_id"),
                           ("client", cid, "client_id"),
                           ("domain", did, "dom_id")):
        site.grant(role, int(oid))
        login = site.psa_scalar(
            "SELECT name FROM domains WHERE id = %s" % oid if role == "domain"
            else "SELECT login FROM clients WHERE id = %s" % oid)
        out.append((role, login, "%s = %d" % (col, int(oid))))
    return out


ORDER = {"modified": "logged_at {d}, id {d}",
         "name": "address {d}, logged_at {d}, id {d}",
         "service": "service_type {d}, logged_at {d}, id {d}",
         "scheduled_by": "scheduled_by {d}, logged_at {d}, id {d}",
         "outcome": "outcome {d}, logged_at {d}, id {d}"}


def sql_page(site, where, sort, d, offset, n=25):
    return [int(r[0]) for r in site.oxt(
        "SELECT id FROM replication_log WHERE %s ORDER BY %s LIMIT %d, %d"
        % (where, ORDER[sort].format(d=d.upper()), offset, n))]


def linked(site, where, sort, d, page, q=None):
    """The two links to page (25 a page) that the page kit writes on the
    pages next to it, and the rows counted from the start."""
    cond = where + (" AND address LIKE '%s%%'" % q if q else "")
    dense = q and int(site.oxt(
        "SELECT COUNT(*) FROM (SELECT 1 FROM replication_log WHERE %s"
        " LIMIT 10001) m" % cond)[0][0]) > 10000
    if dense:
        # the pages of the first 10,000 matches by address, sorted
        # (oxt_replog.c, list_dense_sql)
        cond = ("id IN (SELECT id FROM (SELECT id FROM replication_log"
                " WHERE %s ORDER BY address, logged_at, id LIMIT 10000) m)"
                % cond)
    around = sql_page(site, cond, sort, d, (page - 1) * 25 - 1, 27)
    if len(around) < 2:
        return [], []
    base = "/oxtender/logs?sort=%s&dir=%s&page=%d%s" % (
        sort, d, page, "&q=" + q if q else "")
    links = [("after", "%s&after=%d&from=%d" % (base, around[0], page - 1))]
    if len(around) == 27:
        links.append(("before", "%s&before=%d&from=%d" % (
            base, around[-1], page + 1)))
    return links, around[1:26]


def prepare(site, httpd, roles):
    """The links of every middle page (and of a search's page 3), each
    checked: the rows it shows are those of its position counted from
    the start. In a file, for the measuring run."""
    out = {}
    for role, login, where in roles:
        sess = site.add_session(login)
        total = int(site.oxt("SELECT COUNT(*) FROM replication_log WHERE "
                             + where)[0][0])
        mid = max(2, (total + 24) // 25 // 2)
        got = []
        for sort in SORTS:
            for d in ("desc", "asc"):
                links, want = linked(site, where, sort, d, mid)
                for kind, url in links:
                    ids = [i["id"] for i in httpd.get(
                        url + "&format=json", session=sess).json()["items"]]
                    assert ids == want, (role, sort, d, kind, ids[:3],
                                         want[:3])
                    got.append(("%s p%d %s %s by link (%s)" % (
                        role, mid, sort, d, kind), url))
        for sort in SORTS:
            for d in ("desc", "asc"):
                if (mid - 1) * 25 >= total:
                    break     # past the end: the page kit shows the last
                # by its number alone: from the page index
                url = "/oxtender/logs?sort=%s&dir=%s&page=%d" % (sort, d, mid)
                ids = [i["id"] for i in httpd.get(
                    url + "&format=json", session=sess).json()["items"]]
                want = sql_page(site, where, sort, d, (mid - 1) * 25)
                assert ids == want, (role, sort, d, "number", ids[:3],
                                     want[:3])
        links, want = linked(site, where, "modified", "desc", 3, q="user1")
        for kind, url in links:
            ids = [i["id"] for i in httpd.get(
                url + "&format=json", session=sess).json()["items"]]
            assert ids == want, (role, "q", kind, ids[:3], want[:3])
            got.append(("%s search 'user1' p3 by link (%s)" % (role, kind),
                        url))
        say("%s: %d rows; the middle pages (page %d) of every sort both"
            " ways, by their links and by their number alone, and the"
            " search's page 3 hold the rows of their position"
            % (role, total, mid))
        out[role] = {"total": total, "mid": mid, "links": got}
    return out


def urls(role, info):
    """Every sort both ways: the first page, the middle one by both of
    its links, the last; the middle one by its number alone for two
    sorts; 100 per page; searches; the JSON twin."""
    total, mid = info["total"], info["mid"]
    last = max(1, (total + 24) // 25)
    links = dict(info["links"])
    out = []
    for sort in SORTS:
        for d in ("desc", "asc"):
            base = "/oxtender/logs?sort=%s&dir=%s" % (sort, d)
            out.append(("%s p1 %s %s" % (role, sort, d), base))
            out += [(name, url) for name, url in info["links"]
                    if " %s %s by link" % (sort, d) in name]
            if last > 1:
                out.append(("%s p%d %s %s" % (role, last, sort, d),
                            "%s&page=%d" % (base, last)))
    for sort in SORTS:
        for d in ("desc", "asc"):
            out.append(("%s p%d %s %s by number" % (role, mid, sort, d),
                        "/oxtender/logs?sort=%s&dir=%s&page=%d"
                        % (sort, d, mid)))
    out.append(("%s 100 per page" % role, "/oxtender/logs?per_page=100"))
    out.append(("%s search 'user1'" % role, "/oxtender/logs?q=user1"))
    out += [(name, url) for name, url in links.items() if "search" in name]
    out.append(("%s search 'user1' by name" % role,
                "/oxtender/logs?q=user1&sort=name&dir=asc"))
    out.append(("%s search 'user12345@'" % role,
                "/oxtender/logs?q=user12345@"))
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


def url_kind(name):
    """The kind of page a URL's name says (for the summary)."""
    if "by link" in name:
        return "search p3 by link" if "search" in name else "middle by link"
    if "by number" in name:
        return "middle by number"
    if "search" in name:
        return "search"
    if re.search(r" p1 ", name):
        return "first page"
    if re.search(r" p\d+ ", name):
        return "last page"
    return "other"


def run(httpd, site, args, plan):
    worst, n_ok, n_all, kinds = {}, 0, 0, {}
    bar = {"small": 20.0, "100k": 20.0, "1m": 50.0}[args.size]
    for role, login, _ in callers(site):
        sess = site.add_session(login)
        say("%s (%s): %d rows" % (role, login, plan[role]["total"]))
        for name, path in urls(role, plan[role]):
            if args.only and not re.search(args.only, name):
                continue
            mark = quiet_mark(httpd)
            p99, rps, _ = wrk(httpd.base_url + path, sess, args.seconds)
            httpd.settle(0.2)
            sp99, n = server_p99(httpd, mark)
            say("%-52s client p99 %7.2f ms  server p99 %7.2f ms  %7.1f"
                " req/s (%d)" % (name, p99 or -1, sp99 or -1, rps or -1, n))
            worst[role] = max(worst.get(role, (0, "")),
                              (sp99 or 0, name))
            n_all += 1
            n_ok += sp99 is not None and sp99 <= bar
            kinds.setdefault((role, url_kind(name)), []).append(
                sp99 if sp99 is not None else float("inf"))
    say("")
    for (role, kind), got in sorted(kinds.items()):
        got.sort()
        say("%-9s %-18s %3d URLs: server p99 best %7.2f, median %7.2f,"
            " worst %7.2f ms" % (role, kind, len(got), got[0],
                                 got[len(got) // 2], got[-1]))
    for role in worst:
        say("worst server-side p99 %-10s %7.2f ms (%s)" % (
            role, worst[role][0], worst[role][1]))
    say("%d of %d URLs at or under the bar of %.0f ms; load: %s" % (
        n_ok, n_all, bar, os.getloadavg()))


def prune_under_load(httpd, site, args, plan):
    """The replicator's pruning of the --prune oldest rows (a retention
    that just expires them; oxt_replog_prune, as `run` calls it, through
    oxt-corecli) while wrk asks the admin's first page, a linked middle
    page and a reseller's first page, one after the other until it is
    done: its time, and each page's server-side p99 meanwhile."""
    days = int(site.oxt(
        "SELECT DATEDIFF(NOW(), logged_at) FROM replication_log ORDER BY"
        " logged_at, id LIMIT %d, 1" % args.prune)[0][0])
    expired = int(site.oxt("SELECT COUNT(*) FROM replication_log WHERE"
                           " logged_at < NOW() - INTERVAL %d DAY"
                           % days)[0][0])
    roles = {r: (login, where) for r, login, where in callers(site)}
    mid = [u for n, u in plan["admin"]["links"] if "modified desc" in n][0]
    pages = [("admin p1", roles["admin"][0], "/oxtender/logs"),
             ("admin middle by link", roles["admin"][0], mid),
             ("reseller p1", roles["reseller"][0], "/oxtender/logs")]
    argv = [env.CORECLI, "-c", site.config, "prune", str(days), "100000000",
            "0", "600000"]
    say("prune: retention %d days expires %d rows" % (days, expired))
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    times = {name: [] for name, _, _ in pages}
    while proc.poll() is None:
        for name, login, path in pages:
            sess = site.add_session(login)
            mark = quiet_mark(httpd, quiet=0.2, longest=2)
            wrk(httpd.base_url + path, sess, 1)
            httpd.settle(0.2)
            p99, _ = server_p99(httpd, mark)
            if p99 is not None:
                times[name].append(p99)
    out = proc.stdout.read().strip()
    say("prune: %.1f s: %s" % (time.monotonic() - t0, out))
    for name, got in times.items():
        say("  %-24s server p99 during the prune, per second of wrk:"
            " worst %7.2f ms, median %7.2f ms (%d)" % (
                name, max(got or [-1]), sorted(got or [-1])[len(got) // 2],
                len(got)))


def build_index(site):
    """The page index, as the replicator's prunes leave it
    (oxt_replog_pages_refresh; nothing is old enough to go): prunes with
    no budget, each one chunk of the build (a build of 0135 on), called
    again while it says the build has chunks left, as the daemon does.
    What each call took is what a daemon's turn waits for it."""
    t0 = time.monotonic()
    took = []
    while True:
        t1 = time.monotonic()
        out = subprocess.run([env.CORECLI, "-c", site.config, "prune",
                              "3650", "100000000", "0", "0"],
                             capture_output=True, text=True, check=True)
        took.append(time.monotonic() - t1)
        res = json.loads(out.stdout)
        if not res.get("building") or len(took) > 100000:
            break
    took.sort()
    say("prune (page index): %.1f s in %d calls (each: median %.3f s,"
        " longest %.3f s): %s" % (time.monotonic() - t0, len(took),
                                  took[len(took) // 2], took[-1],
                                  out.stdout.strip()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=("small", "100k", "1m"),
                    default="small")
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--prepare", action="store_true")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--only", default=None)
    ap.add_argument("--slowlog", action="store_true")
    ap.add_argument("--prune", type=int, default=0,
                    help="then prune this many of the oldest rows while"
                    " pages are asked (changes the kept data: run"
                    " --prepare again afterwards)")
    args = ap.parse_args()
    if args.size == "small":
        root = os.path.join(env.TOP, "tests", "gen", "logs-page-bench")
        os.makedirs(root, exist_ok=True)
        db, site = build(root, args.rows, args.keep)
    else:
        root = os.path.join(env.TOP, "tests", "gen", "logs-bench-" + args.size)
        os.makedirs(root, exist_ok=True)
        db, site = build_sized(root, args.size, args.rows)
    httpd = Apache(os.path.join(root, "apache"), site.config)
    plan_path = os.path.join(root, "links.json")
    try:
        httpd.start()
        if args.prepare or not os.path.exists(plan_path):
            build_index(site)
            t0 = time.monotonic()
            plan = prepare(site, httpd, callers(site))
            with open(plan_path, "w") as f:
                json.dump(plan, f)
            say("links made and checked in %.0f s" % (time.monotonic() - t0))
        with open(plan_path) as f:
            plan = json.load(f)
        if args.prepare:
            return
        slow = os.path.join(root, "slow.log")
        if args.slowlog:
            if os.path.exists(slow):
                os.unlink(slow)
            db.sql("SET GLOBAL slow_query_log_file = '%s'; SET GLOBAL"
                   " long_query_time = 0; SET GLOBAL slow_query_log = 1;"
                   % slow)
        if args.prune:
            prune_under_load(httpd, site, args, plan)
        else:
            run(httpd, site, args, plan)
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
