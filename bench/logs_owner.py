#!/usr/bin/python3
"""The Logs page's tenant scope after a domain moves, and the banner per
subtree (issue 10, migration 0148), on the 1m data that
`bench/logs_page.py --size 1m --keep --prepare` left in a checkout
(tests/gen/logs-bench-1m: 1,000,000 log rows over 1,000,000 mailboxes),
with that checkout's programs (never part of `make check`).

    /usr/bin/python3 bench/logs_owner.py TREE banner|statements|moves
        [1m|100k]

banner: a finished automatic run that counted every mailbox of psa once
(one in 20 failed) and its run_summary_owner rows, made by SQL, so the
Logs page's banner reads a real row for every role (then measure the
page with bench/logs_page.py --only 'p1 modified desc$|json p1').
statements: in the server (ANALYZE, best of five) the banner's row of
the busiest reseller and client, psa's check of a reseller's page,
Clean Log's first read of its domains, the daily recount's scan for
moved domains, the counts a prune's batch of the oldest rows takes off
(a CASE against IN lists), the question every list and banner of a
reseller or a
client asks first (moved_away in lib/oxt_replog.c: the owner's domains
in the directory and the move queue, each looked up in psa); and the end of a run that counted every mailbox: its
owners' rows written in statements of 64 rows (run_owners_write's
shape), then deleted in batches of 1,000 (on a copy of the table).
moves: the 30 busiest clients of the busiest reseller moved to another
reseller in psa, `oxt-corecli dir-sync --accounts` of them, then
`oxt-corecli prune 3650 100000000 0 500` (the daemon's budget) until it
says no `more`: the calls, their time, the longest, the counts after.
Changes the data (run bench/logs_page.py --prepare again afterwards).
Run under the benchmark lock.
"""
import json
import os
import subprocess
import sys
import time
top, mode = sys.argv[1], sys.argv[2]
size = sys.argv[3] if len(sys.argv) > 3 else "1m"
sys.path.insert(0, os.path.join(top, "tests", "integration"))
from harness.mariadb import MariaDB  # noqa: E402
from harness.site import Site  # noqa: E402
root = os.path.join(top, "tests", "gen", "logs-bench-" + size)
conf = os.path.join(root, "site", "oxtender.conf")
cli = os.path.join(top, "build", "default", "tests", "oxt-corecli")
BANNER = """
-- a finished automatic run that counted every mailbox of psa once, as
-- webmail ok (one in 20 failed), per domain, client and reseller
INSERT INTO run_summary (automatic, started_at, finished_at, status, webmail_ok, webmail_failed)
  SELECT 1, NOW(), NOW(), 'finished', SUM(m.id % 20 <> 0), SUM(m.id % 20 = 0)
  FROM psa.mail m WHERE m.postbox = 'true';
SET @run = LAST_INSERT_ID();
DELETE FROM run_summary_owner;
INSERT INTO run_summary_owner (run_id, level, owner, client_id, reseller_id, webmail_ok, webmail_failed)
  SELECT @run, 'domain', d.id, d.client_id, d.reseller_id, SUM(m.id % 20 <> 0), SUM(m.id % 20 = 0)
  FROM psa.mail m JOIN dir_domain d ON d.id = m.dom_id WHERE m.postbox = 'true' GROUP BY d.id;
INSERT INTO run_summary_owner (run_id, level, owner, webmail_ok, webmail_failed)
  SELECT @run, 'client', client_id, SUM(webmail_ok), SUM(webmail_failed) FROM run_summary_owner
  WHERE run_id = @run AND level = 'domain' AND client_id > 0 GROUP BY client_id;
INSERT INTO run_summary_owner (run_id, level, owner, webmail_ok, webmail_failed)
  SELECT @run, 'reseller', reseller_id, SUM(webmail_ok), SUM(webmail_failed) FROM run_summary_owner
  WHERE run_id = @run AND level = 'domain' AND reseller_id > 0 GROUP BY reseller_id;
SELECT level, COUNT(*), SUM(webmail_ok), SUM(webmail_failed) FROM run_summary_owner GROUP BY level;
"""

db = MariaDB(os.path.join(root, "mariadb"), buffer_pool="4G")
db.start()
site = Site(os.path.join(root, "site"), db, flavour=9,
            admin_password="bench-admin-pw", db_password="bench-db-pw")
site.write_config()
conf = site.config


def q(sql, dbname="oxtender"):
    return db.query(sql, dbname)


def analyze(sql, n=5):
    """Best of n: the server's r_total_time_ms of ANALYZE."""
    best = None
    for _ in range(n):
        out = q("ANALYZE FORMAT=JSON " + sql)[0][0]
        ms = json.loads(out)["query_block"].get("r_total_time_ms")
        best = ms if best is None or ms < best else best
    return best


def profiled(sql, n=5):
    """Best of n: the server's time of sql (SHOW PROFILES), for what
    ANALYZE's JSON does not time as a whole (a UNION)."""
    rows = q("SET profiling = 1; SET profiling_history_size = 100; "
             + (sql + "; ") * n + "SHOW PROFILES;")
    return min(float(r[1]) * 1000 for r in rows
               if len(r) >= 3 and r[2].startswith("SELECT"))


def core(*args):
    t0 = time.monotonic()
    res = subprocess.run([cli, "-c", conf] + [str(a) for a in args],
                         capture_output=True, text=True)
    return time.monotonic() - t0, res.stdout.strip()


try:
    print("load", os.getloadavg())
    only_moves = mode != "statements"
    if mode == "banner":
        print(db.sql(BANNER, "oxtender"))
    run = q("SELECT MAX(run_id) FROM run_summary_owner")[0][0]
    rid = q("SELECT owner FROM run_summary_owner WHERE level = 'reseller'"
            " ORDER BY webmail_ok DESC LIMIT 1")[0][0]
    cid = q("SELECT owner FROM run_summary_owner WHERE level = 'client'"
            " ORDER BY webmail_ok DESC LIMIT 1")[0][0]
    if mode == "statements":
        for level, oid in (("reseller", rid), ("client", cid)):
            print("banner read %s %s: %.3f ms" % (level, oid, analyze(
                "SELECT webmail_ok, webmail_failed, standard_ok, standard_failed,"
                " premium_ok, premium_failed FROM run_summary_owner WHERE run_id"
                " = %s AND level = '%s' AND owner = %s" % (run, level, oid))))
        doms = [r[0] for r in q("SELECT dom_id FROM replication_log FORCE INDEX"
                                " (reseller) WHERE reseller_id = %s ORDER BY"
                                " logged_at DESC LIMIT 25" % rid)]
        print("psa check of a page's 25 rows' domains (%d distinct): %.3f ms" % (
            len(set(doms)), analyze(
                "SELECT d.id FROM psa.domains d LEFT JOIN psa.clients c ON c.id ="
                " d.cl_id WHERE d.id IN (%s) AND d.cl_id <> %s AND"
                " COALESCE(c.parent_id, 0) <> %s" % (",".join(doms), rid, rid))))
        for col, oid, cond in (
                ("reseller_id", rid, " AND d.cl_id <> {o} AND"
                 " COALESCE(c.parent_id, 0) <> {o}"),
                ("client_id", cid, " AND d.cl_id <> {o}")):
            c = cond.format(o=oid)
            ndom = q("SELECT COUNT(*) FROM dir_domain WHERE %s = %s"
                     % (col, oid))[0][0]
            print("the domains moved away from %s %s (%s in the directory):"
                  " %.3f ms" % (col, oid, ndom, profiled(
                      "SELECT x.id FROM dir_domain x JOIN psa.domains d ON"
                      " d.id = x.id LEFT JOIN psa.clients c ON c.id ="
                      " d.cl_id WHERE x.%s = %s%s UNION SELECT m.dom_id"
                      " FROM replication_log_move m JOIN psa.domains d ON"
                      " d.id = m.dom_id LEFT JOIN psa.clients c ON c.id ="
                      " d.cl_id WHERE 1 = 1%s" % (col, oid, c, c))))
        # the counts a prune's batch of the oldest rows takes off (1,000
        # domains, one row each): one UPDATE with a CASE of a WHEN per
        # owner (before) against one with the IN list of those that lost
        # as many (replog_uncount_level now), each rolled back, twice
        ids = [r[0] for r in q("SELECT id FROM replication_log_count WHERE"
                               " level = 'domain' AND id > 0 ORDER BY"
                               " RAND() LIMIT 1000")]
        cases = " ".join("WHEN %s THEN 1" % i for i in ids)
        inl = ",".join(ids)
        by_case = ("BEGIN; UPDATE replication_log_count SET n ="
                   " GREATEST(CAST(n AS SIGNED) - CASE id %s ELSE 0 END, 0)"
                   " WHERE level = 'domain' AND id IN (%s); ROLLBACK;"
                   % (cases, inl))
        by_in = ("BEGIN; UPDATE replication_log_count SET n ="
                 " GREATEST(CAST(n AS SIGNED) - 1, 0) WHERE level = 'domain'"
                 " AND id IN (%s); ROLLBACK;" % inl)
        prof = q("SET profiling = 1; SET profiling_history_size = 100; "
                 + (by_case + by_in) * 2 + " SHOW PROFILES;")
        for r in prof:
            if len(r) >= 3 and r[2].startswith("UPDATE"):
                print("a batch's counts of %d domains taken off, %s: %.1f ms"
                      % (len(ids), "CASE" if "CASE" in r[2] else "IN list",
                         float(r[1]) * 1000))
        print("Clean Log's distinct domains of reseller %s: %.1f ms" % (rid, analyze(
            "SELECT DISTINCT dom_id FROM replication_log FORCE INDEX (reseller)"
            " WHERE reseller_id = %s AND dom_id IS NOT NULL" % rid, 3)))
        print("recount's scan for moved domains: %.0f ms" % analyze(
            "SELECT d.id, d.client_id, d.reseller_id FROM (SELECT DISTINCT"
            " dom_id, client_id, reseller_id FROM replication_log WHERE dom_id"
            " IS NOT NULL) l JOIN dir_domain d ON d.id = l.dom_id WHERE"
            " l.client_id <> d.client_id OR l.reseller_id <> d.reseller_id", 2))
        # the end of a run that counted every mailbox: its owners' rows in
        # statements of 64 rows, as oxt_rows writes them (a copy of the table)
        rows = q("SELECT level, owner, client_id, reseller_id, webmail_ok,"
                 " webmail_failed FROM run_summary_owner")
        db.sql("DROP TABLE IF EXISTS bench_owner_w; CREATE TABLE bench_owner_w"
               " LIKE run_summary_owner;", "oxtender")
        stmts = []
        for i in range(0, len(rows), 64):
            stmts.append("INSERT INTO bench_owner_w (run_id, level, owner,"
                         " client_id, reseller_id, webmail_ok, webmail_failed)"
                         " VALUES " + ",".join(
                             "(1, '%s', %s, %s, %s, %s, %s)" % r
                             for r in rows[i:i + 64]) + ";")
        t0 = time.monotonic()
        db.sql("\n".join(stmts), "oxtender")
        print("a run's owners' rows written: %d rows in %d statements, %.2f s"
              % (len(rows), len(stmts), time.monotonic() - t0))
        t0 = time.monotonic()
        n = 1
        while n:
            n = int(db.query("DELETE FROM bench_owner_w LIMIT 1000; SELECT"
                             " ROW_COUNT()", "oxtender")[-1][0])
        print("and the previous run's deleted in batches of 1000: %.2f s"
              % (time.monotonic() - t0))
        db.sql("DROP TABLE bench_owner_w;", "oxtender")
    if mode != "moves":
        raise SystemExit(0)
    # moves: the 30 busiest clients of the busiest reseller to another
    # reseller (each client's domains), as Plesk moves them
    r0 = q("SELECT id FROM replication_log_count WHERE level = 'reseller'"
           " AND id > 0 ORDER BY n DESC LIMIT 1")[0][0]
    mcs = [r[0] for r in q("SELECT c.id FROM replication_log_count c JOIN"
                           " dir_account a ON a.id = c.id WHERE c.level ="
                           " 'client' AND a.reseller_id = %s ORDER BY c.n"
                           " DESC LIMIT 30" % r0)]
    other = q("SELECT id FROM clients WHERE type = 'reseller' AND id <> %s"
              " ORDER BY id LIMIT 1" % r0, "psa")[0][0]
    nrows = q("SELECT COUNT(*) FROM replication_log WHERE client_id IN (%s)"
              % ",".join(mcs))[0][0]
    ndoms = q("SELECT COUNT(*) FROM dir_domain WHERE client_id IN (%s)"
              % ",".join(mcs))[0][0]
    db.sql("UPDATE clients SET parent_id = %s WHERE id IN (%s);"
           % (other, ",".join(mcs)), "psa")
    t, out = core("dir-sync", "--accounts", *mcs)
    print("%d clients of reseller %s (%s domains, %s rows) to reseller %s:"
          " dir-sync %.2f s: %s" % (len(mcs), r0, ndoms, nrows, other, t,
                                     out[:200]))
    print("queued:", q("SELECT COUNT(*) FROM replication_log_move")[0][0])
    total, longest, calls = 0.0, 0.0, 0
    moved = 0
    for i in range(200):
        t, out = core("prune", 3650, 100000000, 0, 500)
        total += t
        longest = max(longest, t)
        calls += 1
        res = json.loads(out)
        moved += res["moved"]
        if i < 3 or not res["more"]:
            print("prune %d: %.2f s: %s" % (i, t, out))
        if not res["more"] or (res["building"] and not res["moved"]):
            break
    print("%d rows moved in %.2f s, %d calls of the daemon's budget (500"
          " ms), the longest %.2f s" % (moved, total, calls, longest))
    print("left naming the old reseller:", q(
        "SELECT COUNT(*) FROM replication_log WHERE client_id IN (%s) AND"
        " reseller_id <> %s" % (",".join(mcs), other))[0][0])
    print("queued:", q("SELECT COUNT(*) FROM replication_log_move")[0][0])
    print("counts of the two resellers against the rows:", q(
        "SELECT c.id, c.n, (SELECT COUNT(*) FROM replication_log l WHERE"
        " l.reseller_id = c.id) FROM replication_log_count c WHERE c.level ="
        " 'reseller' AND c.id IN (%s, %s)" % (r0, other)))
    print("load", os.getloadavg())
finally:
    db.stop()
