#!/usr/bin/python3
"""The Logs page's row queries at a million rows, without and with the
subtree indexes of migration 0088, side by side in one run (never part of
`make check`).

    /usr/bin/python3 bench/logs_page.py --rows 1000000 --keep --only x
    /usr/bin/python3 bench/logs_queries.py

It starts the database bench/logs_page.py kept (tests/gen/logs-page-bench)
and, for the busiest reseller, client and domain, runs the statements
lib/oxt_replog.c builds (first and middle page of every sort both ways,
two searches, the count of a search in full and bounded) under ANALYZE,
best of three, once with IGNORE INDEX of the 0088 indexes and once
without: the server time of each.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from harness import env                              # noqa: E402
from harness.mariadb import MariaDB                   # noqa: E402

root = os.path.join(env.TOP, "tests", "gen", "logs-page-bench")
db = MariaDB(os.path.join(root, "mariadb"), buffer_pool="2G")
db.start()
NEW = ",".join("%s_%s" % (l, s) for l in ("reseller", "client", "dom")
               for s in ("address", "service", "scheduled", "outcome"))
COLS = {"modified": "logged_at {d}, id {d}", "name": "address {d}, logged_at {d}, id {d}",
        "service": "service_type {d}, logged_at {d}, id {d}",
        "scheduled_by": "scheduled_by {d}, logged_at {d}, id {d}",
        "outcome": "outcome {d}, logged_at {d}, id {d}"}
ROW = ("SELECT id, UNIX_TIMESTAMP(logged_at), mail_id, address, dom_id, domain_name,"
       " service_type, scheduled_by, operation, outcome, reason FROM replication_log")
def page(where, order, off, hint=""):
    if off == 0:
        return "%s %s WHERE 1 = 1%s ORDER BY %s LIMIT 25" % (ROW, hint, where, order)
    return ("%s JOIN (SELECT id FROM replication_log %s WHERE 1 = 1%s ORDER BY %s LIMIT 25 OFFSET %d)"
            " page USING (id) ORDER BY %s" % (ROW, hint, where, order, off, order))
def t(stmt, dbn, reps=3):
    best = None
    for _ in range(reps):
        plan = json.loads(db.scalar("ANALYZE FORMAT=JSON " + stmt, dbn))
        ms = plan["query_block"].get("r_total_time_ms", 0)
        best = ms if best is None else min(best, ms)
    return best
try:
    dbn = [d for d in db.sql("SHOW DATABASES").split() if "oxt" in d][0]
    q = lambda s: db.scalar(s, dbn)
    rid = q("SELECT id FROM replication_log_count WHERE level='reseller' AND id>0 ORDER BY n DESC LIMIT 1")
    cid = q("SELECT id FROM replication_log_count WHERE level='client' AND id>0 ORDER BY n DESC LIMIT 1")
    did = q("SELECT id FROM replication_log_count WHERE level='domain' AND id>0 ORDER BY n DESC LIMIT 1")
    print("server time of the page's row query, best of 3 (ANALYZE), without / with the 0088 indexes")
    for role, where, n in (("reseller", " AND reseller_id = %s" % rid, int(q("SELECT n FROM replication_log_count WHERE level='reseller' AND id=%s" % rid))),
                           ("client", " AND client_id = %s" % cid, int(q("SELECT n FROM replication_log_count WHERE level='client' AND id=%s" % cid))),
                           ("domain", " AND dom_id = %s" % did, int(q("SELECT n FROM replication_log_count WHERE level='domain' AND id=%s" % did)))):
        for sort, cols in COLS.items():
            for d in ("DESC", "ASC"):
                order = cols.format(d=d)
                for label, off in (("p1", 0), ("middle", n // 2)):
                    a = t(page(where, order, off, "IGNORE INDEX (%s)" % NEW), dbn)
                    b = t(page(where, order, off), dbn)
                    print("%-8s %-13s %-4s %-6s %9.1f ms %9.1f ms" % (role, sort, d, label, a, b), flush=True)
        for label, srch in (("search user1", " AND address LIKE 'user1%'"), ("search user96@", " AND address LIKE 'user96@%'")):
            for order in (COLS["modified"].format(d="DESC"), COLS["name"].format(d="ASC")):
                a = t(page(where + srch, order, 0, "IGNORE INDEX (%s)" % NEW), dbn)
                b = t(page(where + srch, order, 0), dbn)
                print("%-8s %-13s %-11s %9.1f ms %9.1f ms" % (role, label, order.split()[0], a, b), flush=True)
            full = "SELECT COUNT(*) FROM replication_log %s WHERE 1 = 1%s"
            bound = "SELECT COUNT(*) FROM (SELECT 1 FROM replication_log WHERE 1 = 1%s LIMIT 10001) m"
            a = t(full % ("IGNORE INDEX (%s)" % NEW, where + srch), dbn)
            b = t(bound % (where + srch), dbn)
            print("%-8s %-13s count       %9.1f ms %9.1f ms (full count / bounded)" % (role, label, a, b), flush=True)
    for label, srch in (("search user1", " AND address LIKE 'user1%'"),):
        a = t("SELECT COUNT(*) FROM replication_log WHERE 1 = 1%s" % srch, dbn)
        b = t("SELECT COUNT(*) FROM (SELECT 1 FROM replication_log WHERE 1 = 1%s LIMIT 10001) m" % srch, dbn)
        print("admin    %-13s count       %9.1f ms %9.1f ms (full count / bounded)" % (label, a, b), flush=True)
    b = t("SELECT id FROM run_summary WHERE automatic = 1 ORDER BY started_at DESC, id DESC LIMIT 1", dbn)
    print("banner (last automatic run) %.2f ms" % b)
finally:
    db.stop()
