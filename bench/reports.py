#!/usr/bin/python3
"""The Service Utilization Reports of a reseller with 100,000 mailboxes,
measured against the real Apache with mod_oxtender (never part of `make
check`).

    /usr/bin/python3 bench/reports.py [--keep] [--seconds 5]
        [--against OTHER/mod_oxtender.so]

It starts a private MariaDB in tests/gen/reports-bench (kept with --keep,
and then reused by the next run, which skips the data), loads psa with
oxt-gendata (Plesk 9; one reseller, 1,250 customers of which 1,000 are the
reseller's, 12,500 domains, 125,000 mailboxes: about 100,000 of them in
the reseller's part), marks a third of the mailboxes replicated in
mailbox_state the way bench/lists.py does, and fills the directory
(`oxtender-replicator directory`). Then, with a Plesk session:

  - the reseller's report (HTML, JSON; default order, sorted by Webmail,
    the last page, a search), the biggest client's and the biggest
    domain's: wrk -t1 -c2 for --seconds, the client's p99 and req/s, the
    server's p99 (Apache's %D) and the CPU time per request of Apache
    and of MariaDB (as bench/lists.py); with --against, each URL right
    after on a second Apache with another build of the module;
  - Download Report of the reseller: the time of 20 downloads one after
    the other (min / median / max) and the resident memory of the Apache
    processes before and after them (VmRSS, and the peak VmHWM).
"""
import argparse
import os
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from harness import env                              # noqa: E402
import lists                                          # noqa: E402
from lists import measured, say                       # noqa: E402

SIZE = dict(resellers=1, clients=1250, domains=12500, mailboxes=125000)


def build(root, keep):
    """The data, as bench/lists.py builds its own (one size more)."""
    lists.SIZES["reseller-100k"] = SIZE
    return lists.build(root, "reseller-100k", keep)


def objects(site):
    """The reseller, the client with the most mailboxes, the domain with
    the most."""
    rid = int(site.psa_scalar("SELECT id FROM clients WHERE type ="
                              " 'reseller' ORDER BY id LIMIT 1"))
    cid = int(site.psa_scalar(
        "SELECT d.cl_id FROM mail m JOIN domains d ON d.id = m.dom_id JOIN"
        " clients c ON c.id = d.cl_id WHERE c.type = 'client' GROUP BY"
        " d.cl_id ORDER BY COUNT(*) DESC LIMIT 1"))
    did = int(site.psa_scalar("SELECT dom_id FROM mail GROUP BY dom_id"
                              " ORDER BY COUNT(*) DESC LIMIT 1"))
    return rid, cid, did


def pages(rid, cid, did):
    r = "/oxtender/report/reseller/%d" % rid
    return [
        ("reseller report", r),
        ("reseller report JSON", r + "?format=json"),
        ("reseller report by webmail desc", r + "?sort=webmail&dir=desc"),
        ("reseller report last page", r + "?page=100000"),
        ("reseller report search 'client 1'", r + "?q=client+1"),
        ("reseller report all rows", r + "?per_page=all"),
        ("client report", "/oxtender/report/client/%d" % cid),
        ("domain report", "/oxtender/report/domain/%d" % did),
    ]


def proc_status(pid):
    out = {}
    try:
        with open("/proc/%s/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.split()
    except OSError:
        pass
    return out


def apache_memory(httpd):
    """(sum of VmRSS, max VmHWM) in MiB over the Apache parent and its
    children, and how many processes."""
    parent = httpd.pid()
    pids = [str(parent)] + [d for d in os.listdir("/proc") if d.isdigit()
                            and proc_status(d).get("PPid") == [str(parent)]]
    rss = hwm = 0
    for p in pids:
        st = proc_status(p)
        rss += int(st.get("VmRSS", ["0"])[0])
        hwm = max(hwm, int(st.get("VmHWM", ["0"])[0]))
    return rss / 1024.0, hwm / 1024.0, len(pids)


def csv_runs(httpd, sess, rid, n=20):
    path = "/oxtender/report/reseller/%d?format=csv" % rid
    times, size, rows = [], 0, 0
    for _ in range(n):
        t0 = time.monotonic()
        r = httpd.get(path, session=sess)
        times.append(time.monotonic() - t0)
        assert r.status == 200, r.status
        size, rows = len(r.body), r.body.count(b"\r\n") - 1
    return times, size, rows


def run(servers, db, site, args):
    httpd = servers[0]
    rid, cid, did = objects(site)
    boxes = site.psa_scalar(
        "SELECT COUNT(*) FROM mail m JOIN domains d ON d.id = m.dom_id JOIN"
        " clients c ON c.id = d.cl_id WHERE m.postbox = 'true' AND (c.id ="
        " %d OR c.parent_id = %d)" % (rid, rid))
    say("reseller %d: %s mailboxes in its part" % (rid, boxes))
    sess = site.add_session("admin")
    say("load average at the start: %s" % open("/proc/loadavg").read()
        .split()[0])
    for name, path in pages(rid, cid, did):
        for i, server in enumerate(servers):
            p99, rps, sp99, n, wcpu, scpu = measured(
                server, db, server.base_url + path, sess, args.seconds)
            say("%-36s client p99 %7.2f ms  server p99 %7.2f ms  %7.1f"
                " req/s (%d)  CPU/req Apache %.2f ms MariaDB %.2f ms%s"
                % (name, p99 or -1, sp99 or -1, rps or -1, n, wcpu, scpu,
                   "  against" if i else ""))
    for i, server in enumerate(servers):
        download(server, sess, rid, "  against" if i else "")


def download(httpd, sess, rid, mark):
    """Download Report: the times, and Apache's memory around them."""
    before = apache_memory(httpd)
    times, size, rows = csv_runs(httpd, sess, rid)
    after = apache_memory(httpd)
    say("Download Report (reseller, %d rows, %d bytes): min %.0f ms,"
        " median %.0f ms, max %.0f ms over %d" % (
            rows, size, min(times) * 1000, statistics.median(times) * 1000,
            max(times) * 1000, len(times)) + mark)
    say("Apache (%d processes) VmRSS %.1f MiB before, %.1f MiB after;"
        " peak VmHWM %.1f MiB -> %.1f MiB" % (after[2], before[0],
                                              after[0], before[1],
                                              after[1]) + mark)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--against", default=None)
    args = ap.parse_args()
    root = os.path.join(env.TOP, "tests", "gen", "reports-bench")
    os.makedirs(root, exist_ok=True)
    db, site = build(root, args.keep)
    servers = lists.start_servers(root, site, args)
    try:
        run(servers, db, site, args)
    finally:
        for httpd in servers:
            httpd.stop()
        db.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
