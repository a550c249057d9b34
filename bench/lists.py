#!/usr/bin/python3
"""The Resellers, Clients and Domains pages at scale, measured with wrk
against the real Apache with mod_oxtender (never part of `make check`).

    /usr/bin/python3 bench/lists.py --size 100k|1m [--keep] [--seconds 5]
        [--only PATTERN]

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
with and without a search: wrk -t1 -c2 for --seconds, the client's p99
and req/s, and the server-side p99 (Apache's %D of those requests). Last,
req/s of a static file of the same size as a list page, from the same
Apache.
"""
import argparse
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


def build(root, size, keep):
    db = MariaDB(os.path.join(root, "mariadb"), buffer_pool="4G")
    db.start()
    site = Site(os.path.join(root, "site"), db, flavour=9,
                admin_password="bench-admin-pw", db_password="bench-db-pw")
    marker = os.path.join(root, "loaded")
    if keep and os.path.exists(marker):
        say("data: reused %s" % root)
        site.write_config()
        return db, site
    t0 = time.monotonic()
    site.build(**SIZES[size])
    site.migrate()
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
    return out


def wrk(url, cookie, seconds):
    res = subprocess.run(["wrk", "-t1", "-c2", "-d%ds" % seconds,
                          "--latency", "-H", "Cookie: PHPSESSID=%s" % cookie,
                          url], capture_output=True, text=True,
                         timeout=seconds + 60)
    text = res.stdout
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", text, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return (float(p99.group(1)) * unit[p99.group(2)] if p99 else None,
            float(rps.group(1)) if rps else None, text)


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
    args = ap.parse_args()
    root = os.path.join(env.TOP, "tests", "gen", "lists-bench-" + args.size)
    os.makedirs(root, exist_ok=True)
    db, site = build(root, args.size, args.keep)
    httpd = Apache(os.path.join(root, "apache"), site.config)
    try:
        httpd.start()
        run(httpd, site, args)
    finally:
        httpd.stop()
        db.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def run(httpd, site, args):
    worst = {}
    rows = []
    for role, login in callers(site):
        sess = site.add_session(login)

        def total(name, _login=login, _sess=sess):
            r = httpd.get("/oxtender/%s?format=json&per_page=10" % name,
                          session=_sess)
            return r.json()["total"]
        for name, path in urls(httpd, role, sess, total):
            if args.only and not re.search(args.only, name):
                continue
            mark = os.path.getsize(httpd.access_log_path)
            p99, rps, text = wrk(httpd.base_url + path, sess, args.seconds)
            httpd.settle(0.2)
            sp99, n = server_p99(httpd, mark)
            rows.append((name, p99, sp99, rps, n))
            say("%-48s client p99 %7.2f ms  server p99 %7.2f ms  %7.1f"
                " req/s (%d)" % (name, p99 or -1, sp99 or -1, rps or -1, n))
            key = "%s %s" % (role, name.split()[1])
            worst[key] = max(worst.get(key, 0), sp99 or 0)
    say("")
    for key in sorted(worst):
        say("worst server-side p99 %-20s %7.2f ms" % (key, worst[key]))
    static_compare(httpd, site, args)


def static_compare(httpd, site, args):
    """req/s of a Domains page against a static file of its size."""
    sess = site.add_session("admin")
    page = httpd.get("/oxtender/domains?page=2", session=sess)
    path = os.path.join(httpd.root, "htdocs", "same-size.html")
    with open(path, "wb") as f:
        f.write(page.body)
    os.chmod(path, 0o644)
    _, rps_page, _ = wrk(httpd.base_url + "/oxtender/domains?page=2", sess,
                         args.seconds)
    _, rps_static, _ = wrk(httpd.base_url + "/same-size.html", sess,
                           args.seconds)
    say("Domains page 2 (%d bytes): %.0f req/s; a static file of the same"
        " size: %.0f req/s" % (len(page.body), rps_page or 0,
                               rps_static or 0))


if __name__ == "__main__":
    main()
