#!/usr/bin/python3
"""What the license gate costs a page (mod_oxtender_page_license.c: one
query a request, the verified terms kept per process), measured with wrk
on the Domains list of the same site served by two Apaches side by side:
one with a module built without the gate (--before, e.g. main's build)
and one with this tree's. Never part of `make check`.

    /usr/bin/python3 bench/license_gate.py --before /path/to/mod_oxtender.so
        [--rounds 3] [--seconds 5] [--size small|1k]

Rounds alternate before/after (a busy machine drifts); for each module
the median of the rounds' req/s, p50 and p99 (wrk -t1 -c2, the admin's
session cookie, /oxtender/domains?per_page=25) and the server-side p50
of Apache's %D are printed, and the ratio after/before.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from harness import env                              # noqa: E402
from harness.apache import Apache                    # noqa: E402
from harness.mariadb import MariaDB                   # noqa: E402
from harness.site import Site                         # noqa: E402

SIZES = {"small": dict(resellers=3, clients=9, domains=24, mailboxes=90),
         "1k": dict(resellers=5, clients=100, domains=1000,
                    mailboxes=10000)}
PATH = "/oxtender/domains?per_page=25"
UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url, cookie, seconds):
    out = subprocess.run(["wrk", "-t1", "-c2", "-d%ds" % seconds,
                          "--latency", "-H", "Cookie: PHPSESSID=%s" % cookie,
                          url], capture_output=True, text=True,
                         timeout=seconds + 60).stdout

    def pct(p):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % p, out, re.M)
        return float(m.group(1)) * UNIT[m.group(2)]
    rps = float(re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit("%s: %s non-2xx answers" % (url, non2xx.group(1)))
    return rps, pct(50), pct(99)


def server_p50(httpd, mark):
    with open(httpd.access_log_path) as f:
        f.seek(mark)
        t = sorted(int(line.rsplit(" ", 1)[1]) / 1000.0 for line in f
                   if line.strip())
    return t[len(t) // 2] if t else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    args = ap.parse_args()
    root = os.path.join(env.TOP, "tests", "gen", "license-gate-bench")
    shutil.rmtree(root, ignore_errors=True)
    db = MariaDB(os.path.join(root, "mariadb"))
    servers = []
    try:
        db.start()
        site = Site(os.path.join(root, "site"), db, flavour=9)
        site.build(**SIZES[args.size])
        site.migrate()
        res = site.replicator("directory")
        assert res.returncode == 0, res.stderr
        for name, module in (("before", args.before), ("after", None)):
            httpd = Apache(os.path.join(root, name), site.config,
                           module=module)
            httpd.start()
            servers.append((name, httpd))
        sess = site.add_session("admin")
        seen = {name: [] for name, _ in servers}
        for _ in range(args.rounds):
            for name, httpd in servers:
                mark = os.path.getsize(httpd.access_log_path)
                rps, p50, p99 = wrk(httpd.base_url + PATH, sess,
                                    args.seconds)
                seen[name].append((rps, p50, p99,
                                   server_p50(httpd, mark)))
        med = {n: [statistics.median(x[i] for x in v) for i in range(4)]
               for n, v in seen.items()}
        for n in ("before", "after"):
            print("%-6s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  server p50"
                  " %6.2f ms   rounds: %s" % ((n,) + tuple(med[n]) + (
                      ", ".join("%.0f" % x[0] for x in seen[n]),)))
        b, a = med["before"], med["after"]
        print("after/before: req/s %.3f, p50 %+.2f ms, server p50 %+.2f ms"
              % (a[0] / b[0], a[1] - b[1], a[3] - b[3]))
    finally:
        for _, httpd in servers:
            httpd.stop()
        db.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
