#!/usr/bin/python3
"""The Logs page's queries at a million log rows (never part of `make
check`).

    /usr/bin/python3 bench/logs_at_scale.py [--rows 1000000]

Starts its own MariaDB (tests/gen/logs-XXXX, removed at the end), a small
psa (oxt-gendata: the logins admin, reseller1, client1, dom1.example) and
the oxtender database (migrate), writes --rows replication_log rows
(reseller1 owns about 30 %, client1 11 %, dom1 1 %; 5 % failures, 5 %
scheduled by a person, three service types, 80 days of history), and asks
the core (build/default/tests/oxt-corecli) for what the Logs page shows:
first pages in every sort, the middle and the last page, a keyset page,
a search, a debug row, Remove, Clean Log of a domain and a prune batch.
The statements the core ran are taken from the server's general log; each
SELECT is then run again under ANALYZE FORMAT=JSON, which gives its server
time and the index it used. Prints one line per statement.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from harness import env                             # noqa: E402
from harness.mariadb import MariaDB                  # noqa: E402

CORECLI = os.environ.get("OXT_CORECLI") or os.path.join(
    env.TOP, "build", "default", "tests", "oxt-corecli")

ROWS_SQL = """
INSERT INTO replication_log (logged_at, mail_id, address, dom_id,
  domain_name, client_id, reseller_id, service_type, scheduled_by,
  operation, outcome, reason)
SELECT NOW() - INTERVAL ({n} - seq) * 7 SECOND, seq % 200000 + 1,
  CONCAT('user', seq % 200000 + 1, '@dom', d, '.example'), d,
  CONCAT('dom', d, '.example'), c, IF(seq % 10 < 3 OR c = 4, 2, 10 + d % 100),
  ELT(1 + seq % 3, 'webmail', 'groupware_standard', 'groupware_premium'),
  IF(seq % 20 = 0, 'Charles Dawson', 'Automatic'), 'update',
  IF(seq % 19 = 0, 'failure', 'success'),
  IF(seq % 19 = 0, 'OX: invalid data: the display name is taken', NULL)
FROM (SELECT seq, IF(seq % 100 = 0, 1, seq % 10000 + 2) AS d,
             IF(seq % 100 = 0 OR seq % 10 = 1, 4, 100 + seq % 1000) AS c
      FROM seq_1_to_{n}) s;
"""


def setup(root, rows):
    db = MariaDB(os.path.join(root, "mariadb"), buffer_pool="1G")
    db.start()
    db.create_database("psa")
    db.create_database("oxtender")
    db.load_file("psa", os.path.join(env.TOP, "sql", "psa", "psa-10.sql"))
    key = os.path.join(root, "plesk.key")
    db.load_from("psa", [env.GENDATA, "--plesk", "10", "--resellers", "2",
                         "--clients", "4", "--domains", "10", "--mailboxes",
                         "40", "--seed", "1", "--secret-key", key])
    db.create_app_user("oxtender", "bench-pw", "oxtender", "psa")
    secret = os.path.join(root, "secret.key")
    with open(secret, "wb") as f:
        f.write(os.urandom(32))
    os.chmod(secret, 0o600)
    conf = os.path.join(root, "oxtender.conf")
    with open(conf, "w") as f:
        f.write("\n".join([
            "db_user = oxtender", "db_password = bench-pw",
            "db_host = 127.0.0.1", "db_port = %d" % db.port,
            "oxtender_database = oxtender", "psa_database = psa",
            "sql_dir = %s/sql/oxtender" % env.TOP,
            "secret_key_file = %s" % secret,
            "plesk_secret_key_file = %s" % key,
            "lock_file = %s/lock" % root, "spool_dir = %s/spool" % root,
            "log_level = warn"]) + "\n")
    os.chmod(conf, 0o600)
    subprocess.run([env.REPLICATOR, "-c", conf, "-q", "migrate"], check=True)
    t0 = time.monotonic()
    db.sql(ROWS_SQL.format(n=rows), "oxtender")
    print("%d log rows written in %.1f s" % (rows, time.monotonic() - t0))
    db.sql("ANALYZE TABLE replication_log;", "oxtender")
    return db, conf


def core(conf, *args):
    res = subprocess.run([CORECLI, "-c", conf] + [str(a) for a in args],
                         capture_output=True, text=True)
    return json.loads(res.stdout) if res.stdout.strip() else {}


def general_log(db, on):
    path = os.path.join(db.root, "general.log")
    if on:
        if os.path.exists(path):
            os.unlink(path)
        db.sql("SET GLOBAL general_log_file = '%s'; SET GLOBAL"
               " general_log = 1;" % path)
    else:
        db.sql("SET GLOBAL general_log = 0;")
    return path


def executed(path):
    """The statements prepared statements ran, values in place."""
    out, cur = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"^(?:\d{6}\s+[\d:]+\s+)?\s*\d+\s+(\w+)\s+(.*)$",
                         line.rstrip("\n"))
            if m:
                if cur is not None:
                    out.append(cur)
                cur = m.group(2) if m.group(1) == "Execute" else None
            elif cur is not None:
                cur += " " + line.strip()
    if cur is not None:
        out.append(cur)
    return out


def indexes(plan):
    found = []

    def walk(node):
        if isinstance(node, dict):
            t = node.get("table")
            if isinstance(t, dict) and "table_name" in t:
                found.append("%s:%s" % (t["table_name"], t.get("key") or
                                        t.get("access_type")))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(plan)
    return ",".join(found)


def analyze(db, stmt):
    text = db.scalar("ANALYZE FORMAT=JSON " + stmt, "oxtender")
    plan = json.loads(text)
    return plan["query_block"].get("r_total_time_ms", 0.0), indexes(plan)


def measure(db, conf, label, *args):
    log = general_log(db, True)
    t0 = time.monotonic()
    out = core(conf, *args)
    wall = (time.monotonic() - t0) * 1000
    general_log(db, False)
    stmts = [s for s in executed(log) if s.upper().startswith("SELECT")
             and "replication_log" in s]
    print("%-34s %7.1f ms wall (process and all)" % (label, wall))
    for s in stmts:
        ms, idx = analyze(db, s)
        print("    %7.2f ms  %-42s %s" % (ms, idx, s[:150]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000000)
    args = ap.parse_args()
    os.makedirs(os.path.join(env.TOP, "tests", "gen"), exist_ok=True)
    root = tempfile.mkdtemp(prefix="logs-", dir=os.path.join(env.TOP,
                                                              "tests", "gen"))
    db = None
    try:
        db, conf = setup(root, args.rows)
        db.sql("UPDATE replication_log_count SET counted_at = NULL;",
               "oxtender")
        t0 = time.monotonic()
        out = core(conf, "prune", 3650, 100000000, 1000, 60000)
        print("counts rebuilt: %s in %.1f s" % (out, time.monotonic() - t0))
        for login in ("admin", "reseller1", "client1", "dom1.example"):
            total = core(conf, "logs", login, "--limit", 1)["total"]
            print("== %s: %d rows" % (login, total))
            first = measure(db, conf, "first page", "logs", login)
            measure(db, conf, "middle page", "logs", login, "--offset",
                    total // 2)
            measure(db, conf, "last page", "logs", login, "--offset",
                    total - 25)
            if first.get("rows"):
                measure(db, conf, "next page (keyset)", "logs", login,
                        "--after", first["rows"][-1]["id"])
            for key in ("mailbox", "service", "scheduled_by", "outcome"):
                measure(db, conf, "sort %s" % key, "logs", login, "--sort",
                        key)
                measure(db, conf, "sort %s, middle" % key, "logs", login,
                        "--sort", key, "--offset", total // 2)
            measure(db, conf, "search 'user12'", "logs", login, "--q",
                    "user12")
            measure(db, conf, "search 'user12', sort mailbox", "logs",
                    login, "--q", "user12", "--sort", "mailbox")
        one = core(conf, "logs", "admin", "--limit", 25)["rows"]
        measure(db, conf, "debug row", "logs-debug", "admin", one[0]["id"])
        t0 = time.monotonic()
        out = core(conf, "logs-remove", "admin", *[r["id"] for r in one])
        print("remove 25 rows: %s in %.1f ms" % (out, (time.monotonic()
                                                      - t0) * 1000))
        t0 = time.monotonic()
        out = core(conf, "logs-clean", "dom1.example")
        print("clean log of dom1: %s in %.1f ms" % (out, (time.monotonic()
                                                         - t0) * 1000))
        db.sql("UPDATE replication_log SET logged_at = NOW() - INTERVAL 400"
               " DAY ORDER BY id LIMIT 20000;", "oxtender")
        t0 = time.monotonic()
        out = core(conf, "prune", 365, 100000000, 1000, 60000)
        print("prune 20000 expired rows: %s in %.1f ms" % (
            out, (time.monotonic() - t0) * 1000))
    finally:
        if db is not None:
            db.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
