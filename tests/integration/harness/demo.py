#!/usr/bin/python3
"""make demo / make demo-stop: the product on loopback ports with demo data.

    demo.py start    start (or reuse) MariaDB, the OX emulator, Apache
                     with mod_oxtender and the replicator daemon; print the
                     URL, the list pages and one login per role
    demo.py stop     stop what `start` started (by its pid files), nothing else

State lives in <repo>/.demo/ (gitignored): the MariaDB data directory, the
configuration and key files, Apache's server root and logs, and
state.json (ports and passwords, so a second start reuses them). The data
stays after `stop`; `rm -rf .demo` starts from scratch. Every server
listens on 127.0.0.1 only and keeps running after this script exits.

The data is Plesk 9's: Plesk 10 forbids the module to clients and domain
administrators, while 9 has all four levels (admin, reseller, client,
domain) and the Resellers list (9.0.1 and later). The printed reseller,
client and domain are one chain, each granted access, so each login sees
its part of the same subtree.
"""
import filecmp
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from harness import env                                     # noqa: E402
from harness.apache import Apache, ApacheError              # noqa: E402
from harness.mariadb import MariaDB, MariaDBError           # noqa: E402
from harness.site import Site, SiteError                    # noqa: E402

STATE_DIR = os.path.join(env.TOP, ".demo")
STATE_FILE = os.path.join(STATE_DIR, "state.json")
DEMO_SIZE = dict(resellers=3, clients=12, domains=30, mailboxes=200)
DEMO_FLAVOUR = 9
OX_MASTER = ("oxadminmaster", "secret")


def say(msg=""):
    print(msg, flush=True)


def load_state():
    try:
        with open(STATE_FILE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def save_state(state):
    env.write_file(STATE_FILE, json.dumps(state, indent=2) + "\n", 0o600)


def reuse_port(port):
    """The remembered port when it is still free, else a new free one."""
    return port if port and env.port_is_free(port) else env.free_port()


# ---- the parts --------------------------------------------------------------

def mariadb_part(state):
    root = os.path.join(STATE_DIR, "mariadb")
    db = MariaDB(root, port=state.get("mariadb_port"))
    if db.running():
        say("MariaDB      running (pid %d), 127.0.0.1:%d" % (db.pid(),
                                                             db.port))
        return db, False
    db.port = reuse_port(state.get("mariadb_port"))
    db.start(detach=True)
    say("MariaDB      started (pid %d), 127.0.0.1:%d, socket %s"
        % (db.pid(), db.port, db.socket))
    return db, True


def site_part(state, db):
    site = Site(os.path.join(STATE_DIR, "site"), db, flavour=DEMO_FLAVOUR,
                admin_password=state.get("admin_password"),
                db_password=state.get("db_password"))
    loaded = state.get("data_loaded") and \
        state.get("flavour") == DEMO_FLAVOUR and db.query(
        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'psa' "
        "AND TABLE_NAME = 'mail'")
    if loaded:
        # Only the config and the account, in case the port changed.
        site.make_secret_key()
        db.create_database(site.oxtender_db)
        db.create_app_user(site.db_user, site.db_password, site.oxtender_db,
                           site.psa_db)
        site.write_config()
        site.share_with_web_user()
    else:
        say("Demo data    generating psa (Plesk %d): %s"
            % (DEMO_FLAVOUR, ", ".join("%d %s" % (v, k) for k, v in DEMO_SIZE.items())))
        site.build(**DEMO_SIZE)
    res = site.migrate()
    say("Database     %s" % res.stdout.strip().splitlines()[-1])
    state.update(admin_password=site.admin_password,
                 db_password=site.db_password, data_loaded=True,
                 flavour=DEMO_FLAVOUR)
    return site


def demo_credentials(site):
    """(login, password, role) of the admin and of one active chain
    reseller > client > domain whose domain holds mailboxes and has a
    domain administrator (Plesk 9: dom_level_usrs)."""
    rows = site.psa(
        "SELECT r.login, r.id, c.login, c.id, d.name, d.id FROM clients r"
        " JOIN clients c ON c.parent_id = r.id JOIN domains d ON d.cl_id ="
        " c.id JOIN dom_level_usrs u ON u.dom_id = d.id AND u.state ="
        " 'true' JOIN mail m ON m.dom_id = d.id AND m.postbox = 'true'"
        " WHERE r.type = 'reseller' AND c.type = 'client' AND r.status = 0"
        " AND c.status = 0 AND d.status = 0 GROUP BY d.id ORDER BY d.id"
        " LIMIT 1")
    creds = [("admin", site.admin_password, "admin", 0)]
    if rows:
        r, rid, c, cid, d, did = rows[0]
        creds += [(r, site.password_of(r), "reseller", int(rid)),
                  (c, site.password_of(c), "client", int(cid)),
                  (d, site.password_of(d), "domain", int(did))]
    return creds


def grant_access(site, creds):
    """Access to the module for the printed reseller, client and domain
    (the admin's grant, as the Access column gives it)."""
    for _, _, role, oid in creds[1:]:
        site.grant(role, oid)


def directory_part(site):
    """The lists' directory filled now, so the pages show the data even
    before the daemon's first pass (or without the emulator)."""
    res = site.replicator("directory")
    say("Directory    %s" % (res.stdout.strip() if res.returncode == 0
                             else "not refreshed: " + res.stderr.strip()))


class OxSimDaemon:
    """The OX emulator as a daemon of its own (tests use harness/oxsim.py,
    which ties the process to the test)."""

    def __init__(self, port=None):
        self.root = os.path.join(STATE_DIR, "oxsim")
        self.pid_file = os.path.join(self.root, "oxsim.pid")
        self.port_file = os.path.join(self.root, "port")
        self.log_file = os.path.join(self.root, "oxsim.log")
        self.port = port
        self.bin = binary_oxsim()

    def pid(self):
        pid = env.read_pid(self.pid_file)
        return pid if env.pid_runs(pid, self.port_file) else None

    def start(self):
        os.makedirs(self.root, exist_ok=True)
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.port = reuse_port(self.port)
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(
                [self.bin, "--listen", "127.0.0.1:%d" % self.port,
                 "--port-file", self.port_file,
                 "--master", "%s:%s" % OX_MASTER],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True)
        env.write_file(self.pid_file, "%d\n" % proc.pid)
        ok = env.wait_until(lambda: proc.poll() is not None
                            or os.path.exists(self.port_file), 15)
        if proc.poll() is not None or not ok:
            env.terminate(proc.pid, 5, proc=proc)
            raise RuntimeError("oxsim did not start:\n%s"
                               % env.tail(self.log_file))
        self.port = int(env.wait_until(
            lambda: open(self.port_file).read().strip(), 5))
        return proc.pid


def binary_oxsim():
    try:
        from harness import oxsim
        return oxsim.binary()
    except ImportError:
        return env.OXSIM


def oxsim_part(state, site):
    sim = OxSimDaemon(state.get("oxsim_port"))
    if not env.executable(sim.bin):
        say("OX emulator  not built (%s): skipped" % sim.bin)
        return None
    pid = sim.pid()
    if pid:
        sim.port = state.get("oxsim_port")
        say("OX emulator  running (pid %d), 127.0.0.1:%s" % (pid, sim.port))
    else:
        pid = sim.start()
        say("OX emulator  started (pid %d), 127.0.0.1:%d" % (pid, sim.port))
    state["oxsim_port"] = sim.port
    point_settings_at(site, sim.port)
    return sim


def point_settings_at(site, port):
    """The Settings page's OX connection: the emulator and its master."""
    # plain HTTP to the emulator on loopback (HTTPS is the default)
    steps = [("settings", "set", "ox_host", "127.0.0.1:%d" % port),
             ("settings", "set", "ox_use_https", "0"),
             ("settings", "set", "ox_username", OX_MASTER[0])]
    for args in steps:
        res = site.replicator(*args)
        if res.returncode != 0:
            say("             (could not set %s: %s)" % (args[2],
                                                        res.stderr.strip()))
            return
    res = subprocess.run([env.REPLICATOR, "-c", site.config, "settings",
                          "set-ox-password"], input=OX_MASTER[1] + "\n",
                         capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        say("             (could not set the OX password: %s)"
            % res.stderr.strip())


class ReplicatorDaemon:
    """oxtender-replicator daemon, detached, logging to .demo/replicator/."""

    def __init__(self, site):
        self.site = site
        self.root = os.path.join(STATE_DIR, "replicator")
        self.pid_file = os.path.join(self.root, "replicator.pid")
        self.log_file = os.path.join(self.root, "replicator.log")

    def pid(self):
        pid = env.read_pid(self.pid_file)
        return pid if env.pid_runs(pid, "daemon") else None

    def start(self):
        os.makedirs(self.root, exist_ok=True)
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(
                [env.REPLICATOR, "-c", self.site.config, "daemon"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True)
        env.write_file(self.pid_file, "%d\n" % proc.pid)
        return proc.pid

    def stop(self):
        pid = self.pid()
        if pid:
            env.terminate(pid, 15)
        if os.path.exists(self.pid_file):
            os.unlink(self.pid_file)
        return pid


def enable_replication(site):
    """Webmail Forever on the first active reseller, so the daemon has
    something to replicate, and access to the module for it (the admin's
    grant); mail servers for OX to connect to."""
    for key, value in (("imap_server", "127.0.0.1"),
                       ("smtp_server", "127.0.0.1"),
                       ("default_language", "en_US"),
                       ("default_timezone", "Europe/Berlin")):
        site.replicator("settings", "set", key, value)
    rows = site.psa("SELECT id FROM clients WHERE type = 'reseller'"
                    " AND status = 0 ORDER BY id LIMIT 1")
    if rows:
        site.db.sql("INSERT INTO prefs (level, plesk_id, access,"
                    " webmail_forever, updated_by) VALUES ('reseller', %s,"
                    " 1, 'on', 'demo') ON DUPLICATE KEY UPDATE access = 1,"
                    " webmail_forever = 'on'"
                    % int(rows[0][0]), site.oxtender_db)


def replicator_part(site):
    daemon = ReplicatorDaemon(site)
    pid = daemon.pid()
    if pid:
        say("Replicator   running (pid %d), log %s" % (pid, daemon.log_file))
        return daemon
    enable_replication(site)
    pid = daemon.start()
    # The daemon walks every domain first: wait for that pass to end.
    env.wait_until(lambda: site.db.scalar(
        "SELECT COUNT(*) FROM run_summary WHERE status = 'finished'",
        site.oxtender_db) not in (None, "0"), 60)
    say("Replicator   started (pid %d), log %s" % (pid, daemon.log_file))
    return daemon


def apache_part(state, site, restart):
    httpd = Apache(os.path.join(STATE_DIR, "apache"), site.config,
                   port=state.get("apache_port"))
    pid = httpd.pid()
    rebuilt = pid and os.path.isfile(httpd.module) and not filecmp.cmp(
        httpd.module, httpd.module_copy, shallow=False)
    if pid and (restart or rebuilt):
        httpd.stop()
        say("Apache       stopped (pid %d) to pick up the %s" % (
            pid, "new database port" if restart else "rebuilt module"))
        pid = None
    if pid:
        say("Apache       running (pid %d), 127.0.0.1:%d" % (pid, httpd.port))
    else:
        httpd.port = reuse_port(state.get("apache_port"))
        httpd.start(detach=True)
        say("Apache       started (pid %d), 127.0.0.1:%d, logs in %s"
            % (httpd.pid(), httpd.port, httpd.root))
    state["apache_port"] = httpd.port
    return httpd


# ---- commands ---------------------------------------------------------------

def start():
    os.makedirs(STATE_DIR, exist_ok=True)
    os.chmod(STATE_DIR, 0o755)
    state = load_state()
    try:
        db, db_started = mariadb_part(state)
        state["mariadb_port"] = db.port
        save_state(state)
        site = site_part(state, db)
        save_state(state)
        grant_access(site, demo_credentials(site))
        directory_part(site)
        sim = oxsim_part(state, site)
        save_state(state)
        if sim is not None:
            replicator_part(site)
        httpd = apache_part(state, site, restart=db_started)
        save_state(state)
    except (MariaDBError, SiteError, ApacheError, RuntimeError,
            subprocess.SubprocessError) as e:
        say("\ndemo: %s" % e)
        say("demo: what did start is still running; `%s stop` stops it"
            % sys.argv[0])
        return 1
    return show(site, httpd)


def show(site, httpd):
    url = httpd.url("/oxtender/")
    creds = demo_credentials(site)
    admin = creds[0]
    r = httpd.get("/oxtender/?format=json", auth=admin[:2])
    if r.status != 200:
        say("\ndemo: the home page answers %d for admin:\n%s\n--- %s:\n%s"
            % (r.status, r.text[:500], httpd.error_log_path,
               env.tail(httpd.error_log_path, 15)))
        return 1
    say()
    say("OXtender demo: %s" % url)
    say()
    say("  lists:  %s  %s  %s" % tuple(httpd.url("/oxtender/" + name) for name
                                        in ("resellers", "clients",
                                            "domains")))
    lic = httpd.get("/oxtender/license?format=json", auth=admin[:2])
    say("  license: %s  (%s)" % (
        httpd.url("/oxtender/license"),
        lic.json()["license"]["status_text"] if lic.status == 200
        else "HTTP %d" % lic.status))
    say("  (the browser asks for a login: use one below; each role sees"
        " its own tabs)")
    say()
    width = max(len(c[0]) + len(c[1]) for c in creds) + 1
    for login, password, role, _ in creds:
        count = httpd.get("/oxtender/?format=json", auth=(login, password))
        if count.status == 200:
            n = "%s mailboxes" % count.json().get("mailbox_count")
            n += "; " + lists_seen(httpd, login, password, role)
        else:
            n = "HTTP %d: %s" % (count.status, count.json().get("message"))
        say("  %-8s  %-*s  (%s)" % (role, width,
                                   "%s:%s" % (login, password), n))
    extras = awkward_logins(site)
    if extras:
        say()
        say("  also try:")
        pairs = ["%s:%s" % (login, site.password_of(login))
                 for login, _ in extras]
        w = max(len(p) for p in pairs)
        for pair, (_, what) in zip(pairs, extras):
            say("    %-*s  %s" % (w, pair, what))
    replicated = site.db.scalar("SELECT COUNT(*) FROM mailbox_state"
                                " WHERE status = 'replicated'",
                                site.oxtender_db)
    say()
    say("  replicated to the OX emulator: %s mailboxes (Webmail Forever on"
        " the first reseller);" % replicated)
    say("  oxtender-replicator -c %s status|plan|reconcile" % site.config)
    say()
    say("  curl -u '%s:%s' '%s?format=json'" % (admin[0], admin[1], url))
    say()
    say("Every panel account's password is <login>-pw (admin's above);")
    say("stop with: make demo-stop   (data stays in .demo/; rm -rf .demo to"
        " start afresh)")
    return 0


LISTS = {"admin": ("resellers", "clients", "domains"),
         "reseller": ("clients", "domains"), "client": ("domains",),
         "domain": ()}


def lists_seen(httpd, login, password, role):
    """What the role's list pages answer: the totals, or the status."""
    seen = []
    for name in LISTS[role]:
        r = httpd.get("/oxtender/%s?format=json&per_page=10" % name,
                      auth=(login, password))
        seen.append("%s %s" % (r.json().get("total") if r.status == 200
                               else "HTTP %d" % r.status, name))
    return ", ".join(seen) if seen else "its Mailboxes and Logs pages"


def awkward_logins(site):
    """A few accounts that show the unusual cases of the demo data."""
    queries = [
        ("SELECT login FROM clients WHERE type = 'client' AND status <> 0 "
         "ORDER BY id LIMIT 1", "suspended client (403)"),
        ("SELECT login FROM clients WHERE type = 'reseller' AND status <> 0 "
         "ORDER BY id LIMIT 1", "suspended reseller (403)"),
        ("SELECT d.name FROM domains d JOIN smb_users u ON u.login = d.name "
         "WHERE d.name LIKE 'xn--%' AND d.status = 0 ORDER BY d.id LIMIT 1",
         "IDN domain administrator"),
        ("SELECT d.name FROM domains d JOIN smb_users u ON u.login = d.name "
         "WHERE u.password LIKE '$AES-128-CBC$%' AND d.status = 0 "
         "ORDER BY d.id LIMIT 1", "domain admin, sym-encrypted password"),
    ]
    found = []
    for sql, what in queries:
        try:
            rows = site.psa(sql)
        except MariaDBError:
            continue
        if rows:
            found.append((rows[0][0], what))
    return found


def stop():
    state = load_state()
    stopped = []
    httpd = Apache(os.path.join(STATE_DIR, "apache"), "",
                   port=state.get("apache_port"))
    pid = httpd.stop()
    if pid:
        stopped.append("Apache (pid %d, 127.0.0.1:%s)" % (
            pid, state.get("apache_port")))
    pid = ReplicatorDaemon(None).stop()
    if pid:
        stopped.append("replicator daemon (pid %d)" % pid)
    sim = OxSimDaemon()
    pid = sim.pid()
    if pid:
        env.terminate(pid, 15)
        stopped.append("OX emulator (pid %d, 127.0.0.1:%s)" % (
            pid, state.get("oxsim_port")))
    if os.path.exists(sim.pid_file):
        os.unlink(sim.pid_file)
    db = MariaDB(os.path.join(STATE_DIR, "mariadb"))
    pid = db.stop()
    if pid:
        stopped.append("MariaDB (pid %d, 127.0.0.1:%s)" % (
            pid, state.get("mariadb_port")))
    if stopped:
        for what in stopped:
            say("stopped %s" % what)
    else:
        say("demo: nothing was running")
    return 0


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)      # `| head` is fine
    if len(argv) != 2 or argv[1] not in ("start", "stop"):
        sys.stderr.write("usage: %s start|stop\n" % argv[0])
        return 2
    return start() if argv[1] == "start" else stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
