#!/usr/bin/python3
"""Full-pass benchmark (never part of `make check`).

    /usr/bin/python3 bench/full_pass.py [--mailboxes 1000000]
        [--domains 100000] [--clients 10000] [--resellers 100] [--socket]

Starts its own MariaDB (tests/gen/fullpass-XXXX, removed at the end),
generates the psa data (oxt-gendata, Plesk 10), creates the oxtender
database (migrate), and times what every cron run and every daemon pass
does at that size, with nothing selected for replication (so OX is never
called; its host is set to an address nobody listens on):

  1. `plan`  - the dry run: every domain loaded and planned;
  2. `run`   - the same plus the first status rows (forward-only,
               suspended, mail-off mailboxes say why);
  3. `run`   - again: the steady state of a cron run.

Prints wall time and the replicator's CPU time and peak RSS for each, and
the number of SQL statements the server executed. --socket connects over
the unix socket instead of TCP (as on a Plesk host).
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from harness import env                             # noqa: E402
from harness.mariadb import MariaDB                  # noqa: E402


def statements(db):
    return int(db.query("SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'")[0][1])


def hwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def timed(argv):
    """Runs argv; returns (wall s, cpu s, peak RSS MB, stdout). The peak is
    the replicator's own high-water mark (VmHWM), sampled until it ends."""
    # Output to files, not pipes: a pipe nobody reads while we sample
    # would fill up and stall the replicator.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, hwm_kb(proc.pid) or 0)
            time.sleep(0.1)
        wall = time.monotonic() - t0
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError("%s failed: %s" % (" ".join(argv),
                                                  err.read().decode()))
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, usage, peak / 1024.0, text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mailboxes", type=int, default=1000000)
    ap.add_argument("--domains", type=int, default=100000)
    ap.add_argument("--clients", type=int, default=10000)
    ap.add_argument("--resellers", type=int, default=100)
    ap.add_argument("--socket", action="store_true")
    args = ap.parse_args()

    os.makedirs(os.path.join(env.TOP, "tests", "gen"), exist_ok=True)
    root = tempfile.mkdtemp(prefix="fullpass-",
                            dir=os.path.join(env.TOP, "tests", "gen"))
    db = MariaDB(os.path.join(root, "mariadb"), buffer_pool="2G")
    try:
        db.start()
        db.create_database("psa")
        db.create_database("oxtender")
        db.load_file("psa", os.path.join(env.TOP, "sql", "psa",
                                         "psa-10.sql"))
        key = os.path.join(root, "plesk.key")
        t0 = time.monotonic()
        db.load_from("psa", [env.GENDATA, "--plesk", "10",
                             "--resellers", str(args.resellers),
                             "--clients", str(args.clients),
                             "--domains", str(args.domains),
                             "--mailboxes", str(args.mailboxes),
                             "--seed", "1", "--secret-key", key])
        print("data: %d mailboxes in %d domains loaded in %.1f s" % (
            args.mailboxes, args.domains, time.monotonic() - t0), flush=True)
        db.create_app_user("oxtender", "bench-pw", "oxtender", "psa")
        secret = os.path.join(root, "secret.key")
        with open(secret, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(secret, 0o600)    # the replicator refuses readable keys
        conf = os.path.join(root, "oxtender.conf")
        lines = ["db_user = oxtender", "db_password = bench-pw",
                 "oxtender_database = oxtender", "psa_database = psa",
                 "sql_dir = %s/sql/oxtender" % env.TOP,
                 "secret_key_file = %s" % secret,
                 "plesk_secret_key_file = %s" % key,
                 "lock_file = %s/lock" % root,
                 "spool_dir = %s/spool" % root, "log_level = warn"]
        if args.socket:
            lines.append("db_socket = %s" % db.socket)
        else:
            lines += ["db_host = 127.0.0.1", "db_port = %d" % db.port]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(conf, 0o600)      # and a readable configuration
        repl = [env.REPLICATOR, "-c", conf]
        subprocess.run(repl + ["-q", "migrate"], check=True)
        subprocess.run(repl + ["settings", "set", "ox_host", "127.0.0.1:9"],
                       check=True)
        subprocess.run(repl + ["settings", "set", "ox_use_https", "0"],
                       check=True)
        print("transport: %s" % ("unix socket" if args.socket else "TCP"))
        last = resource.getrusage(resource.RUSAGE_CHILDREN)
        for label, cmd in (("plan", ["plan"]), ("run (first)", ["run"]),
                           ("run (steady)", ["run"])):
            n0 = statements(db)
            wall, usage, rss, out = timed(repl + ["-q"] + cmd)
            cpu = (usage.ru_utime - last.ru_utime) + (usage.ru_stime
                                                      - last.ru_stime)
            last = usage
            print("%-13s %7.1f s wall, %6.1f s CPU, peak RSS %.1f MB,"
                  " %d statements" % (label, wall, cpu, rss,
                                      statements(db) - n0), flush=True)
    finally:
        db.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
