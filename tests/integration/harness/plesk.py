"""One Plesk server + oxtender installation + OX emulator per test, for the
replication scenarios (tests/integration/test_replication_*.py).

    with PleskSetup(mariadb, tmpdir) as px:     # or the `plesk` fixture
        px.set_pref("reseller", 2, webmail_forever="on")
        px.run()                                # oxtender-replicator run, rc 0
        px.ox_users("dom1.example")["user1"]["primaryEmail"]
        px.mailbox_state(3)["status"]

On top of the session's private MariaDB (conftest `mariadb` fixture) it
creates, for this setup only:
  - a psa database (sql/psa/psa-10.sql + oxt-gendata output) and an
    oxtender database, both with unique names, and a database account
    (ALL on oxtender, SELECT on psa);
  - the config file, our 32-byte secret key, Plesk's key file (the one
    oxt-gendata used for `sym` passwords), lock file and spool dir, all in
    a temp dir;
  - `oxtender-replicator migrate`;
  - a tests/oxsim emulator on 127.0.0.1 (extra CLI flags via oxsim_args)
    and the Settings pointing at it (master oxadminmaster/secret, IMAP and
    SMTP hosts, en_US, Europe/Berlin).
close() stops the emulator and drops the databases and the account; it
runs even when the test failed (the fixture's finalizer).

The generated data follows tools/gendata/README.md. With the default size
(2 resellers, 4 clients, 10 domains, 40 mailboxes, seed 1):
  clients.id: admin 1, reseller1 2, reseller2 3, client<c> 3 + c;
  client1 (4) -> reseller1, client2 (5, status 16) -> reseller2,
  client3 (6, status 272) -> reseller1, client4 (7) -> reseller2;
  dom1-dom6 client1, dom7 reseller1, dom8 client2, dom9 client1,
  dom10 client2; mailbox user<i> lives in dom((i-1) % 10 + 1).
"""
import errno
import hashlib
import http.client
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time

import pytest

from . import env as hxenv
from . import license as lic
from .mariadb import sql_quote
from .oxsim import OxSim, user_password_is

DEFAULT_SIZE = dict(resellers=2, clients=4, domains=10, mailboxes=40)
OX_MASTER = ("oxadminmaster", "secret")
IMAP_HOST = "imap.example.test"
SMTP_HOST = "smtp.example.test"

# Plesk event variables the test process must never leak into an event.
EVENT_VARS = ("NEW_MAILNAME", "OLD_MAILNAME", "NEW_DOMAIN_NAME",
              "OLD_DOMAIN_NAME", "NEW_DOMAIN_ALIAS_NAME",
              "OLD_DOMAIN_ALIAS_NAME", "NEW_LOGIN_NAME", "OLD_LOGIN_NAME",
              "NEW_PASSWORD", "OLD_PASSWORD", "OXTENDER_CONF")

MAILBOX_COLS = (
    "mail_id", "dom_id", "client_id", "reseller_id", "ox_context_id",
    "ox_user_id", "applied_mail_name", "applied_address",
    "applied_display_name", "applied_aliases", "applied_service_type",
    "applied_language", "applied_timezone", "applied_quota_mb",
    "applied_enabled", "applied_imap_server", "applied_smtp_server",
    "service_type", "pending_service_type", "status", "status_reason",
    "last_error", "last_sync_at", "ox_primary_email")
DOMAIN_COLS = (
    "dom_id", "client_id", "reseller_id", "ox_context_id", "context_name",
    "admin_login", "applied_name", "applied_display_name",
    "applied_login_mappings", "applied_quota_mb", "applied_enabled",
    "status", "last_error", "last_sync_at", "admin_user_id",
    "applied_admin_address")
LOG_COLS = (
    "id", "logged_at", "run_id", "mail_id", "address", "dom_id",
    "domain_name", "client_id", "reseller_id", "service_type",
    "scheduled_by", "operation", "outcome", "reason", "debug_request",
    "debug_response")
QUEUE_COLS = (
    "id", "object_type", "object_id", "reason", "detail", "scheduled_by",
    "enqueued_at", "not_before", "attempts", "lease_owner", "lease_until",
    "last_error", "parked", "parked_at")
# The kinds of operation a run counts (lib/oxt_replog.h, oxt_run_op_t).
RUN_OP_KINDS = (
    "context_create", "context_change", "context_delete", "admin_change",
    "user_create", "user_change", "user_access", "user_delete")
SUMMARY_COLS = (
    "id", "automatic", "started_at", "finished_at", "status", "webmail_ok",
    "webmail_failed", "standard_ok", "standard_failed", "premium_ok",
    "premium_failed") + tuple("%s_%s" % (k, o) for k in RUN_OP_KINDS
                              for o in ("ok", "failed"))

# The oxtender database as setup() leaves it (after migrate, the license
# and the settings), per snapshot_key(): (dump file, our secret key, whose
# seal the OX password in the dump carries). Made once per process.
_OXT_SNAPSHOTS = {}

# Generated psa SQL per size, made once per process (same options -> same
# bytes, see tools/gendata/README.md).
_GEN_CACHE = {}


def gendata_sql(cache_dir, size, seed, flavour=10):
    """(sql file, Plesk key file) of oxt-gendata for this size and seed
    (and Plesk flavour: 8, 9 or 10)."""
    key = (tuple(sorted(size.items())), seed) + (
        (flavour,) if flavour != 10 else ())
    if key in _GEN_CACHE and os.path.exists(_GEN_CACHE[key][0]):
        return _GEN_CACHE[key]
    if not hxenv.executable(hxenv.GENDATA):
        pytest.fail("oxt-gendata is not built (%s); run make" % hxenv.GENDATA)
    tag = hashlib.sha1(repr(key).encode()).hexdigest()[:10]
    os.makedirs(cache_dir, exist_ok=True)
    sql_path = os.path.join(cache_dir, "psa-%s.sql" % tag)
    key_path = os.path.join(cache_dir, "plesk-%s.key" % tag)
    argv = [hxenv.GENDATA, "--plesk", str(flavour), "--seed", str(seed),
            "--secret-key", key_path]
    for name in ("resellers", "clients", "domains", "mailboxes"):
        argv += ["--" + name, str(size[name])]
    with open(sql_path, "wb") as out:
        res = subprocess.run(argv, stdout=out, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s" % (
            " ".join(argv), res.returncode,
            res.stderr.decode("utf-8", "replace")))
    _GEN_CACHE[key] = (sql_path, key_path)
    return _GEN_CACHE[key]


def bind(query, params=()):
    """Replaces each %s with a quoted literal (None -> NULL, int as is)."""
    if not params:
        return query
    lits = []
    for v in params:
        if v is None:
            lits.append("NULL")
        elif isinstance(v, bool):
            lits.append("1" if v else "0")
        elif isinstance(v, int):
            lits.append(str(v))
        else:
            lits.append(sql_quote(v))
    return query % tuple(lits)


class PleskSetup:
    def __init__(self, mariadb, root, size=None, seed=1, oxsim_args=(),
                 start_oxsim=True, configure_ox=True, license=lic.FREE,
                 psa_flavour=10):
        self.db = mariadb
        self.root = root
        self.size = dict(DEFAULT_SIZE)
        self.size.update(size or {})
        self.seed = seed
        self.psa_flavour = psa_flavour  # the psa schema: Plesk 8, 9 or 10
        self.oxsim_args = list(oxsim_args)
        self.start_oxsim = start_oxsim
        self.configure_ox = configure_ox
        tag = secrets.token_hex(4)
        self.psa_db = "psa_r" + tag
        self.oxt_db = "oxt_r" + tag
        self.db_user = "oxr" + tag
        self.db_password = "pw-" + secrets.token_hex(8)
        self.config = os.path.join(root, "oxtender.conf")
        self.secret_key = os.path.join(root, "secret.key")
        self.plesk_key = os.path.join(root, "plesk-secret.key")
        self.lock_file = os.path.join(root, "replicator.lock")
        self.spool_dir = os.path.join(root, "spool")
        self.sim = None
        # The key setup() puts in force (harness/license.py mint fields):
        # nothing limited unless a test asks; None: no key at all.
        self.license = license
        self.authority = lic.authority(os.path.join(
            os.path.dirname(os.path.abspath(mariadb.root)), "authority"))
        self.created = False
        self.history = []          # (argv, CompletedProcess) for messages

    # ---- life cycle ----------------------------------------------------

    def setup(self):
        os.makedirs(self.root, exist_ok=True)
        os.makedirs(self.spool_dir, exist_ok=True)
        sql_path, key_path = gendata_sql(
            os.path.join(os.path.dirname(self.db.root), "gendata-cache"),
            self.size, self.seed, self.psa_flavour)
        shutil.copyfile(key_path, self.plesk_key)
        os.chmod(self.plesk_key, 0o600)
        key = self.snapshot_key()
        snap = _OXT_SNAPSHOTS.get(key) if key is not None else None
        hxenv.write_file(self.secret_key, snap[1] if snap
                         else secrets.token_bytes(32), 0o600)
        self.created = True
        self.db.create_database(self.psa_db, drop=True)
        self.db.load_file(self.psa_db, hxenv.psa_schema(self.psa_flavour))
        self.db.load_file(self.psa_db, sql_path)
        self.db.create_database(self.oxt_db, drop=True)
        self.db.create_app_user(self.db_user, self.db_password, self.oxt_db,
                                self.psa_db)
        self.write_config()
        if snap:
            self.db.load_file(self.oxt_db, snap[0])
        else:
            res = self.repl("migrate")
            assert res.returncode == 0, "migrate failed: %s" % (
                self.describe(res))
            if self.license is not None:
                self.install_license(**self.license)
        if self.start_oxsim:
            self.sim = OxSim(*self.oxsim_args).start()
            if self.configure_ox:
                if snap:
                    # the snapshot has every setting but the emulator's
                    # address, which is new with each emulator
                    self.settings_set(ox_host="127.0.0.1:%d" % self.sim.port)
                else:
                    self.configure_settings()
        if key is not None and not snap:
            self.take_snapshot(key)
        return self

    # ---- the snapshot of the oxtender database ---------------------------

    def snapshot_key(self):
        """What the oxtender database depends on when setup() hands it
        over, or None when it is not to be snapshotted (a subclass may
        set it up differently)."""
        if type(self) is not PleskSetup:
            return None
        return (repr(sorted(self.license.items())) if self.license
                is not None else None,
                bool(self.start_oxsim and self.configure_ox),
                tuple(sorted(self.size.items())), self.seed,
                self.psa_flavour, self.db.root)

    def take_snapshot(self, key):
        """Dump our database as setup() made it (migrate, license, the
        settings), for the next setups of this process with the same key:
        loading a dump costs one client run; the migrations, the license
        install and the settings cost ten replicator runs."""
        path = os.path.join(os.path.dirname(self.db.root), "oxt-snapshots",
                            "oxt-%s.sql" % hashlib.sha1(
                                repr(key).encode()).hexdigest()[:12])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        dump = hxenv.which("mariadb-dump") or hxenv.which("mysqldump")
        argv = [dump, "--no-defaults", "-S", self.db.socket, "-u", "root",
                "--skip-comments", "--skip-dump-date", "--hex-blob",
                "--single-transaction", "--routines", "--triggers",
                "--default-character-set=utf8mb4", self.oxt_db]
        with open(path + ".tmp", "wb") as out:
            res = subprocess.run(argv, stdout=out, stderr=subprocess.PIPE)
        if res.returncode != 0:
            raise RuntimeError("%s failed (exit %d): %s" % (
                " ".join(argv), res.returncode,
                res.stderr.decode("utf-8", "replace")))
        os.replace(path + ".tmp", path)
        with open(self.secret_key, "rb") as f:
            _OXT_SNAPSHOTS[key] = (path, f.read())

    def close(self):
        problems = []
        if self.sim is not None:
            try:
                self.sim.stop()
            except Exception as e:          # sanitizer report, hang
                problems.append(str(e))
            self.sim = None
        if self.created:
            try:
                self.db.sql("DROP DATABASE IF EXISTS `%s`;\n"
                            "DROP DATABASE IF EXISTS `%s`;\n"
                            "DROP USER IF EXISTS %s@'127.0.0.1';\n"
                            "DROP USER IF EXISTS %s@'localhost';\n" % (
                                self.psa_db, self.oxt_db,
                                sql_quote(self.db_user),
                                sql_quote(self.db_user)))
            except Exception as e:
                problems.append(str(e))
            self.created = False
        if problems:
            raise RuntimeError("; ".join(problems))

    def __enter__(self):
        try:
            return self.setup()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc):
        self.close()

    # ---- configuration ---------------------------------------------------

    def config_values(self, **overrides):
        values = {
            "db_host": self.db.host,
            "db_port": str(self.db.port),
            "db_user": self.db_user,
            "db_password": self.db_password,
            "db_connect_timeout": "5",
            "oxtender_database": self.oxt_db,
            "psa_database": self.psa_db,
            "sql_dir": hxenv.SQL_DIR,
            "secret_key_file": self.secret_key,
            "plesk_secret_key_file": self.plesk_key,
            "lock_file": self.lock_file,
            "spool_dir": self.spool_dir,
            "log_level": "info",
            "ox_connections": "4",
            "plesk_timezone": "Europe/Berlin",
            "license_public_key": self.authority.public_key,
        }
        for k, v in overrides.items():
            if v is None:
                values.pop(k, None)
            else:
                values[k] = str(v)
        return values

    def write_config(self, path=None, **overrides):
        path = path or self.config
        text = "".join("%s = %s\n" % kv
                       for kv in self.config_values(**overrides).items())
        hxenv.write_file(path, text, 0o600)
        return path

    def configure_settings(self, username=OX_MASTER[0],
                           password=OX_MASTER[1]):
        # The emulator speaks plain HTTP on loopback, which stays allowed
        # without ox_allow_plain_http (HTTPS is the default).
        self.settings_set(ox_host="127.0.0.1:%d" % self.sim.port,
                          ox_use_https=0, ox_username=username,
                          imap_server=IMAP_HOST, smtp_server=SMTP_HOST,
                          default_language="en_US",
                          default_timezone="Europe/Berlin")
        self.set_ox_password(password)

    def install_license(self, text=None, expect_rc=0, **fields):
        """`license install` of text, or of a key minted with fields
        (harness/license.py); returns the CompletedProcess."""
        path = os.path.join(self.root, "license.key")
        hxenv.write_file(path, text if text is not None
                         else self.authority.mint(**fields), 0o600)
        res = self.repl("license", "install", path)
        assert res.returncode == expect_rc, "license install: %s" % (
            self.describe(res))
        return res

    def license_status(self):
        """`license --json` as a dict."""
        res = self.repl("--json", "license")
        assert res.returncode == 0, "license: %s" % self.describe(res)
        return json.loads(res.stdout)

    def settings_set(self, **kv):
        for key, value in kv.items():
            res = self.repl("settings", "set", key, str(value))
            assert res.returncode == 0, "settings set %s: %s" % (
                key, self.describe(res))

    def set_ox_password(self, password):
        res = self.repl("settings", "set-ox-password", input=password + "\n")
        assert res.returncode == 0, "set-ox-password: %s" % self.describe(res)

    # ---- the replicator ----------------------------------------------------

    def repl(self, *args, env=None, input=None, config=None, timeout=60):
        """oxtender-replicator -c CONFIG ARGS; never raises on exit codes.
        env: extra environment variables (Plesk's NEW_*/OLD_*); the test
        process's own event variables are never passed on."""
        if not os.path.isfile(hxenv.REPLICATOR):
            pytest.fail("oxtender-replicator is not built (%s)"
                        % hxenv.REPLICATOR)
        e = {k: v for k, v in os.environ.items() if k not in EVENT_VARS}
        e.update(env or {})
        argv = [hxenv.REPLICATOR, "-c", config or self.config] + list(args)
        # a colleague's `make` may be relinking the binary right now
        for attempt in range(50):
            try:
                res = subprocess.run(argv, capture_output=True, text=True,
                                     input=input, env=e, timeout=timeout)
                break
            except (PermissionError, OSError) as ex:
                if attempt == 49 or getattr(ex, "errno", None) not in (
                        errno.EACCES, errno.ETXTBSY, errno.ENOENT):
                    raise
                time.sleep(0.1)
        self.history.append((argv, res))
        return res

    def run(self, *extra, expect_rc=0):
        """One `run`; asserts the exit code; returns the CompletedProcess."""
        res = self.repl("run", *extra)
        assert res.returncode == expect_rc, "run exited %d (expected %d): %s" % (
            res.returncode, expect_rc, self.describe(res))
        return res

    def core(self, *args, expect_rc=None):
        """oxt-corecli -c CONFIG ARGS: a core function of the Mailboxes,
        Settings or Logs pages; returns (exit code, parsed JSON)."""
        if not hxenv.executable(hxenv.CORECLI):
            pytest.fail("oxt-corecli is not built (%s); run make"
                        % hxenv.CORECLI)
        argv = [hxenv.CORECLI, "-c", self.config] + [str(a) for a in args]
        res = subprocess.run(argv, capture_output=True, text=True,
                             timeout=120)
        self.history.append((argv, res))
        assert res.returncode in (0, 1), self.describe(res)
        if expect_rc is not None:
            assert res.returncode == expect_rc, self.describe(res)
        return res.returncode, json.loads(res.stdout)

    def event(self, name, *words, env=None, config=None):
        """Fires a Plesk event the way the Event Manager does."""
        return self.repl("event", name, *words, env=env, config=config)

    @staticmethod
    def describe(res):
        return "argv %s\n--- stdout:\n%s\n--- stderr:\n%s" % (
            " ".join(res.args) if isinstance(res.args, list) else res.args,
            res.stdout[-3000:], res.stderr[-3000:])

    # ---- SQL ----------------------------------------------------------------

    def dbname(self, db):
        return {"psa": self.psa_db, "oxt": self.oxt_db,
                "oxtender": self.oxt_db}.get(db, db)

    def sql(self, db, query, params=()):
        """Runs a statement in 'psa' or 'oxt'; returns rows as tuples of
        strings (None for NULL). %s placeholders are bound from params."""
        return self.db.query(bind(query, params), self.dbname(db))

    def exec(self, db, statements, params=()):
        return self.db.sql(bind(statements, params), self.dbname(db))

    def scalar(self, db, query, params=()):
        rows = self.sql(db, query, params)
        assert len(rows) == 1 and len(rows[0]) == 1, \
            "expected one value from %r, got %r" % (query, rows[:5])
        return rows[0][0]

    def dicts(self, db, columns, rest, params=()):
        """SELECT columns rest -> list of dicts."""
        rows = self.sql(db, "SELECT %s %s" % (", ".join(columns), rest),
                        params)
        return [dict(zip(columns, r)) for r in rows]

    # ---- oxtender state --------------------------------------------------------

    def mailbox_state(self, mail_id):
        rows = self.dicts("oxt", MAILBOX_COLS,
                          "FROM mailbox_state WHERE mail_id = %s", (mail_id,))
        return rows[0] if rows else None

    def domain_state(self, dom_id):
        rows = self.dicts("oxt", DOMAIN_COLS,
                          "FROM domain_state WHERE dom_id = %s", (dom_id,))
        return rows[0] if rows else None

    def log_rows(self, where="1 = 1", params=()):
        return self.dicts("oxt", LOG_COLS, "FROM replication_log WHERE "
                          + where + " ORDER BY id", params)

    def queue_rows(self, where="1 = 1", params=()):
        return self.dicts("oxt", QUEUE_COLS, "FROM queue WHERE " + where
                          + " ORDER BY object_type, object_id", params)

    def run_summaries(self):
        return self.dicts("oxt", SUMMARY_COLS, "FROM run_summary ORDER BY id")

    def set_pref(self, level, plesk_id, **cols):
        """Upserts prefs (level, plesk_id) with the given columns."""
        names = ["level", "plesk_id"] + list(cols)
        values = [level, plesk_id] + list(cols.values())
        update = ", ".join("%s = VALUES(%s)" % (c, c) for c in cols) \
            or "level = level"
        self.exec("oxt", "INSERT INTO prefs (%s) VALUES (%s) "
                  "ON DUPLICATE KEY UPDATE %s" % (
                      ", ".join(names), ", ".join(["%s"] * len(values)),
                      update), values)

    def clear_prefs(self):
        self.exec("oxt", "DELETE FROM prefs")

    def replicate_everything(self, password_prefix):
        """Every mailbox replicable (no suspended domain or owner, mail on,
        postbox on, a plain password: password_prefix and its mail id) and
        every domain selected: the generated data as the benchmarks and
        the tests that want every mailbox in OX have it."""
        self.exec("psa", """
            UPDATE clients SET status = 0;
            UPDATE domains SET status = 0;
            UPDATE DomainServices SET status = 0 WHERE type = 'mail';
            UPDATE mail SET postbox = 'true';
            UPDATE accounts a JOIN mail m ON m.account_id = a.id
               SET a.type = 'plain', a.password = CONCAT(%s, m.id);
        """, (password_prefix,))
        self.exec("oxt", "INSERT INTO prefs (level, plesk_id,"
                  " webmail_forever) SELECT 'domain', id, 'on' FROM %s.domains"
                  % self.psa_db)

    # ---- psa -----------------------------------------------------------------

    def psa(self, query, params=()):
        return self.sql("psa", query, params)

    def mailbox_password(self, mail_id):
        """The generator's plain-text password for mailbox mail_id."""
        row = self.psa("SELECT m.mail_name, d.name FROM mail m JOIN domains d"
                       " ON d.id = m.dom_id WHERE m.id = %s", (mail_id,))[0]
        return "%s@%s-pw" % row

    def mailbox_row(self, mail_id):
        """(mail_name, dom_id, domain name, domain displayName) from psa."""
        rows = self.psa("SELECT m.mail_name, m.dom_id, d.name, d.displayName"
                        " FROM mail m JOIN domains d ON d.id = m.dom_id"
                        " WHERE m.id = %s", (mail_id,))
        assert rows, "no mailbox %s in psa" % mail_id
        return rows[0]

    def expected_aliases(self, mail_id):
        """Every local part (the mailbox's and its mail_aliases) at the
        domain and at each mail-enabled, active domain alias, sorted:
        what the user's alias list in OX must be."""
        name, dom_id, dom, _ = self.mailbox_row(mail_id)
        locals_ = [name] + [r[0] for r in self.psa(
            "SELECT alias FROM mail_aliases WHERE mn_id = %s", (mail_id,))]
        doms = [dom] + [r[0] for r in self.psa(
            "SELECT name FROM domainaliases WHERE dom_id = %s"
            " AND mail = 'true' AND status = 0", (int(dom_id),))]
        return sorted({"%s@%s" % (l, d) for l in locals_ for d in doms})

    def expected_mappings(self, dom_id, context_id=None):
        """Login mappings of a domain's context: its ASCII name, its
        mail-enabled active aliases and (added by OX) the context id."""
        names = [r[0] for r in self.psa(
            "SELECT name FROM domains WHERE id = %s", (dom_id,))]
        names += [r[0] for r in self.psa(
            "SELECT name FROM domainaliases WHERE dom_id = %s"
            " AND mail = 'true' AND status = 0", (dom_id,))]
        if context_id is not None:
            names.append(str(context_id))
        return sorted(names)

    # ---- the emulator ----------------------------------------------------------

    def ox_state(self):
        return self.sim.state()

    def ox_counters(self):
        return self.sim.counters()

    def ox_calls(self):
        return dict(self.sim.counters().get("calls", {}))

    def ox_contexts(self):
        """{context name: context} of /oxsim/state."""
        return {c["name"]: c for c in self.ox_state()["contexts"]}

    def ox_context(self, name):
        ctx = self.ox_contexts().get(name)
        assert ctx is not None, "no OX context %r; contexts: %s" % (
            name, sorted(self.ox_contexts()))
        return ctx

    def ox_users(self, context_name):
        """{user name: user} of one context, the context admin left out."""
        ctx = self.ox_context(context_name)
        return {u["name"]: u for u in ctx["users"]
                if not _true(u.get("contextadmin"))}

    def ox_password_is(self, context_name, user_name, password):
        """Whether that OX user has that password (the emulator shows
        salted digests only, never passwords)."""
        state = self.ox_state()
        for ctx in state["contexts"]:
            if ctx["name"] != context_name:
                continue
            for u in ctx["users"]:
                if u.get("name") == user_name:
                    return user_password_is(state, ctx, u, password)
            raise AssertionError("no user %s in OX context %s" % (
                user_name, context_name))
        raise AssertionError("no OX context %r" % context_name)

    def ox_config(self, **knobs):
        return self.sim.config(**knobs)


def _true(v):
    return v is True or str(v).lower() in ("true", "1")



@pytest.fixture
def make_plesk(request, mariadb):
    """make_plesk(**options) -> a set-up PleskSetup (options: size, seed,
    oxsim_args, start_oxsim, configure_ox); closed after the test even
    when it fails."""
    made = []

    def make(**kw):
        root = tempfile.mkdtemp(prefix="plesk-",
                                dir=os.path.dirname(mariadb.root))
        px = PleskSetup(mariadb, root, **kw)
        made.append((px, root))
        return px.setup()

    yield make
    errors = []
    for px, root in reversed(made):
        try:
            px.close()
        except Exception as e:
            errors.append(str(e))
        shutil.rmtree(root, ignore_errors=True)
    if errors:
        pytest.fail("cleanup: " + "; ".join(errors), pytrace=False)


@pytest.fixture
def plesk(make_plesk):
    """A PleskSetup with the default size and a plain emulator."""
    return make_plesk()


__all__ = ["PleskSetup", "plesk", "make_plesk", "bind", "OX_MASTER",
           "IMAP_HOST", "SMTP_HOST"]
