#!/usr/bin/python3
"""The Resellers, Clients and Domains pages at scale, measured with wrk
against the real Apache with mod_oxtender (never part of `make check`).

    /usr/bin/python3 bench/lists.py --size 100k|1m [--keep] [--seconds 5]
        [--only PATTERN] [--against OTHER/mod_oxtender.so] [--lock FILE]
        [--root DIR] [--build-only] [--directory] [--hold MINUTES]
        [--no-rps]

  100k: 10 resellers, 1,000 clients, 10,000 domains, 100,000 mailboxes
  1m:   100 resellers, 10,000 clients, 100,000 domains, 1,000,000 mailboxes

It starts a private MariaDB in tests/gen/lists-bench-SIZE (kept with
--keep, and then reused by the next run, which skips the data), loads psa
(oxt-gendata, Plesk 9), marks a third of the mailboxes replicated in
mailbox_state (as a replicator would have: service types, sync times), and
times `oxtender-replicator directory` (the first fill, then a pass with
nothing changed). Then Apache with the module, a Plesk session per caller
(cookie sign-in: no password hashing per request), and for every list, at
the first, a middle and the last page, sorted by every column both ways,
with and without a search: wrk -t1 -c1 for --seconds (one request at a
time: the client's p99, the server-side p99 from Apache's %D of those
requests, and the CPU time per request of Apache's processes and of
MariaDB, user + system from /proc: what a request costs us, whatever
else the machine runs), then wrk -t1 -c2 for half as long (req/s). Each
run starts and ends with the server idle (its CPU time, reads from
storage and log still, no thread waiting on the disk):
with -c2 alone, a page slower than the run left requests queued into
the next URL's run, and every p99 after it measured that queue.
(--no-rps: the latency run only, so that every URL of both sizes fits
in fewer holds of the lock.) Last, req/s of a static file of the same size as a list page from the
same Apache, with its server-side p99 and CPU per request, right after
the page itself, so that the two share the machine's load.

--lock FILE is held around the measuring only, and given back between
two URLs once it has been held for --hold minutes (11 by default: the
machine's rule is at most 12 per hold), then taken again: a whole run
at either size takes longer than one hold, and each URL is measured
wholly inside one, with the servers and their caches kept between
holds.

--against starts a second Apache with another build of the module (say,
the one before a change) on the same data and measures every URL on
both, one right after the other, so that a before/after comparison on a
busy machine sees the same load on both sides (lines marked "against").
"""
import argparse
import fcntl
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from harness import env                              # noqa: E402
from harness.apache import Apache                    # noqa: E402
from harness.mariadb import MariaDB                   # noqa: E402
from harness.site import Site                         # noqa: E402

SIZES = {
    "100k": dict(resellers=10, clients=1000, domains=10000,
                 mailboxes=100000),
    "1m": dict(resellers=100, clients=10000, domains=100000,
               mailboxes=1000000),
}

SORTS = {
    "resellers": ("name", "modified", "clients", "domains", "mailboxes"),
    "clients": ("name", "modified", "domains", "mailboxes"),
    "domains": ("name", "mail", "modified", "mailboxes"),
}

# A third of the mailboxes replicated, as the replicator records it.
REPLICATED = """
INSERT IGNORE INTO mailbox_state (mail_id, dom_id, client_id, reseller_id,
  status, service_type, applied_service_type, last_sync_at)
SELECT m.id, m.dom_id, IF(c.type = 'client', c.id, 0),
  CASE c.type WHEN 'reseller' THEN c.id
       ELSE IF(o.type = 'reseller', o.id, 0) END,
  'replicated', ELT(1 + m.id % 3, 'webmail', 'groupware_standard',
                    'groupware_premium'),
  ELT(1 + m.id % 3, 'webmail', 'groupware_standard', 'groupware_premium'),
  NOW() - INTERVAL (m.id % 100000) MINUTE
FROM `{psa}`.mail m JOIN `{psa}`.domains d ON d.id = m.dom_id
JOIN `{psa}`.clients c ON c.id = d.cl_id
LEFT JOIN `{psa}`.clients o ON o.id = c.parent_id
WHERE m.postbox = 'true' AND m.id % 3 = 0;
"""


def say(msg):
    print(msg, flush=True)


def timed(argv):
    t0 = time.monotonic()
    res = subprocess.run(argv, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), res.stderr))
    return time.monotonic() - t0, res.stdout.strip()


def settle_psa(site):
    """psa's optimizer statistics as a live Plesk server has them: InnoDB
    retakes them in the background some seconds after a tenth of a table
    changed, and a bench that loads psa and stops its server at once
    kept the figures of a partial load (DomainServices, domains and
    clients at 1,000 rows of 10,000 at 100k), and a reseller's Domains
    page then joined DomainServices by a scan of all its rows (30 ms of
    MariaDB a page instead of 1). Sampling: milliseconds a table."""
    tables = [t for (t,) in site.psa(
        "SELECT table_name FROM information_schema.tables WHERE"
        " table_schema = DATABASE() AND engine = 'InnoDB'")]
    if tables:
        site.psa("ANALYZE TABLE " + ", ".join("`%s`" % t for t in tables))


def build(root, size, keep):
    db = MariaDB(os.path.join(root, "mariadb"), buffer_pool="4G")
    db.start()
    site = Site(os.path.join(root, "site"), db, flavour=9,
                admin_password="bench-admin-pw", db_password="bench-db-pw")
    marker = os.path.join(root, "loaded")
    if keep and os.path.exists(marker):
        say("data: reused %s" % root)
        site.write_config()
        site.migrate()
        # Tables of newer migrations filled (the stored counts of wide
        # searches, 0113) as an upgrade's first refresh would, once; and
        # the prefixes chosen again when a migration made them due (0144:
        # the threshold lowered), as the next pass of run would.
        if not site.oxt("SELECT 1 FROM dir_prefix LIMIT 1") or site.oxt(
                "SELECT 1 FROM dir_prefix_min WHERE moved > n DIV 2"):
            wall, out = timed([env.REPLICATOR, "-c", site.config,
                               "directory"])
            say("directory (reused data): %.1f s wall: %s" % (wall, out))
        settle_psa(site)
        return db, site
    t0 = time.monotonic()
    site.build(**SIZES[size])
    site.migrate()
    settle_psa(site)
    say("data: psa %s loaded in %.0f s" % (size, time.monotonic() - t0))
    t0 = time.monotonic()
    db.sql(REPLICATED.format(psa=site.psa_db), site.oxtender_db)
    say("data: a third of the mailboxes replicated in mailbox_state, %.0f s"
        % (time.monotonic() - t0))
    for label in ("first fill", "nothing changed"):
        wall, out = timed([env.REPLICATOR, "-c", site.config, "directory"])
        say("directory (%s): %.1f s wall: %s" % (label, wall, out))
    with open(marker, "w") as f:
        f.write("1\n")
    return db, site


def callers(site):
    """(label, login, scope) of the callers measured: the admin, the
    reseller with the most domains, the client with the most."""
    res = site.psa(
        "SELECT r.login FROM clients r JOIN clients c ON c.parent_id = r.id"
        " JOIN domains d ON d.cl_id = c.id WHERE r.type = 'reseller'"
        " GROUP BY r.id ORDER BY COUNT(*) DESC LIMIT 1")[0][0]
    cli = site.psa(
        "SELECT c.login FROM clients c JOIN domains d ON d.cl_id = c.id"
        " WHERE c.type = 'client' GROUP BY c.id ORDER BY COUNT(*) DESC"
        " LIMIT 1")[0][0]
    for login, level in ((res, "reseller"), (cli, "client")):
        oid = site.psa_scalar("SELECT id FROM clients WHERE login = '%s'"
                              % login)
        site.grant(level, int(oid))
    return [("admin", "admin"), ("reseller", res), ("client", cli)]


def urls(httpd, role, sess, total):
    """(name, path) of the pages to measure for a caller."""
    lists = {"admin": ("resellers", "clients", "domains"),
             "reseller": ("clients", "domains"),
             "client": ("domains",)}[role]
    out = []
    for name in lists:
        n = total(name)
        last = max(1, (n + 24) // 25)
        for page in sorted({1, max(1, last // 2), last}):
            for sort in SORTS[name]:
                for d in ("asc", "desc"):
                    out.append(("%s %s p%d %s %s" % (role, name, page, sort,
                                                     d),
                                "/oxtender/%s?sort=%s&dir=%s&page=%d"
                                % (name, sort, d, page)))
        out.append(("%s %s search 'dom1'" % (role, name),
                    "/oxtender/%s?q=dom1" % name))
        out.append(("%s %s search 'client 1' p2 by mailboxes" % (role, name),
                    "/oxtender/%s?q=client+1&sort=mailboxes&page=2" % name))
        out.append(("%s %s search 'd'" % (role, name),
                    "/oxtender/%s?q=d&page=3" % name))
        out += searched_pages(role, name, total)
    return out


# The searches measured at the first, a middle and the last page of every
# sort both ways: a wide one (nearly every row), a ninth, a narrow one.
DEEP_SEARCHES = {"domains": ("d", "dom1", "dom12"),
                 "clients": ("c", "client 1", "client 12"),
                 "resellers": ("r", "reseller 1")}


def searched_pages(role, name, total):
    out = []
    for q in DEEP_SEARCHES[name]:
        n = total(name, q)
        last = max(1, (n + 24) // 25)
        for page in sorted({1, max(1, last // 2), last}):
            for sort in SORTS[name]:
                for d in ("asc", "desc"):
                    out.append(("%s %s search '%s' p%d %s %s"
                                % (role, name, q, page, sort, d),
                                "/oxtender/%s?q=%s&sort=%s&dir=%s&page=%d"
                                % (name, q.replace(" ", "+"), sort, d,
                                   page)))
    return out


def wrk(url, cookie, seconds, conns=2):
    res = subprocess.run(["wrk", "-t1", "-c%d" % conns, "-d%ds" % seconds,
                          "--latency", "-H", "Cookie: PHPSESSID=%s" % cookie,
                          url], capture_output=True, text=True,
                         timeout=seconds + 60)
    text = res.stdout
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", text, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return (float(p99.group(1)) * unit[p99.group(2)] if p99 else None,
            float(rps.group(1)) if rps else None, text)


def cpu_ticks(pids):
    """utime + stime of pids, in clock ticks."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def server_pids(httpd, db):
    """Apache's parent and children, and MariaDB."""
    parent = httpd.pid()
    kids = env.pid_children(parent)
    return [parent] + kids, [db.pid()] if db.pid() else []


def read_bytes(pids):
    """Bytes read from storage by pids (/proc/PID/io, all their threads;
    counted when the read is issued), 0 for a process gone or not
    readable. Writes are left out: the server's background flushing
    goes on after the requests are answered."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/io" % pid) as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key == "read_bytes":
                        total += int(value)
        except (OSError, ValueError):
            pass
    return total


def waiting_on_disk(pids):
    """How many threads of pids are in uninterruptible sleep (state D: a
    read or write waiting for the disk), which uses no CPU time."""
    n = 0
    for pid in pids:
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            n += state == "D"
    return n


def idle(httpd, db, pids=None, timeout=300):
    """Waits until Apache and MariaDB have finished what was sent: their
    CPU time, their reads from storage and the access log all still for
    0.3 s, and none of their threads waiting on the disk. wrk stops sending at
    its deadline, not the server working: a page slower than the run
    left requests running into the next URL's run, whose p99 then
    measured that backlog. CPU time and the log alone took a request
    blocked on a read (no CPU, not yet logged) for idle."""
    web, sql = pids or server_pids(httpd, db)
    last = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = (cpu_ticks(web) + cpu_ticks(sql),
               os.path.getsize(httpd.access_log_path),
               read_bytes(web + sql))
        if last is not None and now[1] == last[1] and now[0] - last[0] <= 1 \
                and now[2] == last[2] and waiting_on_disk(web + sql) == 0:
            return
        last = now
        time.sleep(0.3)


def measured(httpd, db, url, cookie, seconds, rps_run=True):
    """url measured in two wrk runs, each after the server went idle:
    latency with one connection for seconds (one request at a time, so
    no request of the bench waits behind another: the p99s are the
    page's own on the machine as it is), then throughput with two (the
    machine's cores) for half as long. (client p99, req/s, server p99,
    requests, Apache CPU ms per request, MariaDB CPU ms per request):
    the p99s and the CPU of the latency run (its requests to the end),
    req/s of the throughput run (None without it: rps_run false)."""
    pids = server_pids(httpd, db)
    web, sql = pids
    idle(httpd, db, pids)
    mark = os.path.getsize(httpd.access_log_path)
    w0, s0 = cpu_ticks(web), cpu_ticks(sql)
    p99, _, _ = wrk(url, cookie, seconds, conns=1)
    idle(httpd, db, pids)
    w1, s1 = cpu_ticks(web), cpu_ticks(sql)
    httpd.settle(0.2)
    sp99, n = server_p99(httpd, mark)
    rps = None
    if rps_run:
        _, rps, _ = wrk(url, cookie, max(1, seconds // 2), conns=2)
    tick = 1000.0 / os.sysconf("SC_CLK_TCK")
    per = (lambda a, b: (b - a) * tick / n) if n else (lambda a, b: -1)
    return p99, rps, sp99, n, per(w0, w1), per(s0, s1)


def server_p99(httpd, mark):
    """The p99 of %D (us -> ms) of the requests logged after mark."""
    with open(httpd.access_log_path) as f:
        f.seek(mark)
        times = [int(line.rsplit(" ", 1)[1]) / 1000.0 for line in f
                 if line.strip()]
    if not times:
        return None, 0
    times.sort()
    return times[min(len(times) - 1, int(len(times) * 0.99))], len(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=sorted(SIZES), default="100k")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--only", default=None)
    ap.add_argument("--against", default=None)
    ap.add_argument("--lock", default=None,
                    help="a file to flock around the measuring only")
    ap.add_argument("--no-rps", action="store_true",
                    help="no -c2 throughput run per URL (the latency run"
                    " only; the static comparison still measures req/s)")
    ap.add_argument("--hold", type=float, default=11.0,
                    help="minutes to hold --lock before giving it back"
                    " between two URLs")
    ap.add_argument("--root", default=None,
                    help="the data's directory (default tests/gen/"
                    "lists-bench-SIZE); bench/mailboxes.py takes the same")
    ap.add_argument("--build-only", action="store_true",
                    help="make (or migrate) the data and stop: the set-up"
                    " part, to be run niced without the lock")
    ap.add_argument("--directory", action="store_true",
                    help="time `oxtender-replicator directory` on the"
                    " data first (kept data: what this build's directory"
                    " adds, e.g. tables of newer migrations)")
    args = ap.parse_args()
    root = args.root or os.path.join(env.TOP, "tests", "gen",
                                     "lists-bench-" + args.size)
    os.makedirs(root, exist_ok=True)
    db, site = build(root, args.size, args.keep)
    if args.directory:
        wall, out = timed([env.REPLICATOR, "-c", site.config, "directory"])
        say("directory: %.1f s wall: %s" % (wall, out))
    if args.build_only:
        db.stop()
        return
    servers = start_servers(root, site, args)
    lock = Lock(args.lock, args.hold * 60)
    try:
        lock.take()
        run(servers, db, site, args, lock)
    finally:
        lock.give()
        for httpd in servers:
            httpd.stop()
        db.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


class Lock:
    """The bench lock (none without a path), held at most `limit`
    seconds at a time: between two URLs, due() gives it back once the
    hold is that old and waits to take it again."""

    def __init__(self, path, limit):
        self.path, self.limit = path, limit
        self.f, self.since = None, 0.0

    def take(self):
        if self.path is None or self.f is not None:
            return
        self.f = open(self.path, "a")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        self.since = time.monotonic()
        say("lock taken: %s (load average %s)" % (
            self.path, open("/proc/loadavg").read().split()[0]))

    def give(self):
        if self.f is not None:
            self.f.close()
            self.f = None
            say("lock given back after %.0f s" % (
                time.monotonic() - self.since))

    def due(self):
        if self.f is not None and \
                time.monotonic() - self.since >= self.limit:
            self.give()
            self.take()


def start_servers(root, site, args):
    """Apache with this build, and with --against's module if given."""
    servers = [Apache(os.path.join(root, "apache"), site.config)]
    if args.against:
        servers.append(Apache(os.path.join(root, "apache-against"),
                              site.config,
                              module=os.path.abspath(args.against)))
    for httpd in servers:
        httpd.start()
    return servers


# Issue 9's bar: server-side p99 per URL.
BARS = {"100k": 20, "1m": 50}

COLS = {"name": "name", "mail": "mail_off", "modified": "sync_key",
        "mailboxes": "mbox_total"}


def check_searches(httpd, site, sess):
    """The admin's Domains searched by 'd' (nearly all of them) and
    'dom1' (a ninth): the first three, the middle and the last three
    pages by every sort both ways hold exactly the rows of that position
    among the matches in the directory (a window of the sort order from
    the nearer end, or the matches joined, against counting from the
    start)."""
    for q in ("d", "dom1"):
        total = httpd.get("/oxtender/domains?format=json&q=%s" % q,
                          session=sess).json()["total"]
        last = (total + 24) // 25
        for page in sorted({1, 2, 3, last // 2, last - 2, last - 1, last}):
            for sort, col in COLS.items():
                for d in ("asc", "desc"):
                    got = [i["id"] for i in httpd.get(
                        "/oxtender/domains?format=json&q=%s&sort=%s&dir=%s"
                        "&page=%d" % (q, sort, d, page), session=sess).json()[
                        "items"]]
                    want = [int(r[0]) for r in site.oxt(
                        "SELECT id FROM dir_domain WHERE id IN (SELECT id"
                        " FROM dir_term WHERE list = 'domain' AND term LIKE"
                        " '%s%%') ORDER BY %s %s, id %s LIMIT %d, 25"
                        % (q, col, d, d, (page - 1) * 25))]
                    assert got == want, (q, sort, d, page, got[:3], want[:3])
    say("searched pages checked against the directory: Domains by 'd' and"
        " 'dom1', the first three, the middle and the last three pages,"
        " every sort both ways")


def run(servers, db, site, args, lock):
    httpd = servers[0]
    worst = [{} for _ in servers]
    met = [[] for _ in servers]
    say("load average at the start: %s" % open("/proc/loadavg").read()
        .split()[0])
    for role, login in callers(site):
        sess = site.add_session(login)
        if role == "admin":
            check_searches(httpd, site, sess)

        def total(name, q="", _login=login, _sess=sess):
            r = httpd.get("/oxtender/%s?format=json&per_page=10&q=%s"
                          % (name, q.replace(" ", "+")), session=_sess)
            return r.json()["total"]
        for name, path in urls(httpd, role, sess, total):
            if args.only and not re.search(args.only, name):
                continue
            lock.due()
            for i, server in enumerate(servers):
                p99, rps, sp99, n, wcpu, scpu = measured(
                    server, db, server.base_url + path, sess, args.seconds,
                    not args.no_rps)
                say("%-48s client p99 %7.2f ms  server p99 %7.2f ms  %7.1f"
                    " req/s (%d)  CPU/req Apache %.2f ms MariaDB %.2f ms%s"
                    % (name, p99 or -1, sp99 or -1, rps or -1, n, wcpu,
                       scpu, "  against" if i else ""))
                key = "%s %s%s" % (role, name.split()[1],
                                   " searched" if "search" in name else "")
                worst[i][key] = max(worst[i].get(key, 0), sp99 or 0)
                met[i].append((sp99 if sp99 is not None else 1e9, name))
    say("")
    for i, w in enumerate(worst):
        for key in sorted(w):
            say("worst server-side p99 %-28s %7.2f ms%s"
                % (key, w[key], "  against" if i else ""))
    bar = BARS[args.size]
    for i, m in enumerate(met):
        for label, part in (("searched", [x for x in m if "search" in x[1]]),
                            ("not searched",
                             [x for x in m if "search" not in x[1]])):
            over = sorted((x for x in part if x[0] > bar), reverse=True)
            say("%s URLs at or under %d ms server-side p99: %d of %d%s"
                % (label, bar, len(part) - len(over), len(part),
                   "  against" if i else ""))
            for ms, name in over[:10]:
                say("  over: %-52s %7.2f ms" % (name, ms))
    say("load average at the end: %s" % open("/proc/loadavg").read()
        .split()[0])
    for i, server in enumerate(servers):
        lock.due()
        static_compare(server, db, site, args, "  against" if i else "")


def static_compare(httpd, db, site, args, mark=""):
    """req/s of a Domains page against a static file of its size, one
    right after the other (twice), so both see the same load."""
    sess = site.add_session("admin")
    page = httpd.get("/oxtender/domains?page=2", session=sess)
    path = os.path.join(httpd.root, "htdocs", "same-size.html")
    with open(path, "wb") as f:
        f.write(page.body)
    os.chmod(path, 0o644)
    for _ in range(2):
        for label, url in (("Domains page 2", "/oxtender/domains?page=2"),
                           ("static file", "/same-size.html")):
            _, rps, sp99, n, wcpu, scpu = measured(
                httpd, db, httpd.base_url + url, sess, args.seconds)
            say("%-15s (%d bytes): %7.0f req/s  server p99 %6.2f ms"
                "  CPU/req Apache %.2f ms MariaDB %.2f ms%s"
                % (label, len(page.body), rps or 0, sp99 or -1, wcpu,
                   scpu, mark))


if __name__ == "__main__":
    main()
