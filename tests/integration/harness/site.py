"""One installation of our product's data side: Plesk's psa database
(fixture schema + oxt-gendata data), our oxtender database (made by
`oxtender-replicator migrate`), the `oxtender` database account, the key
files and the shared configuration file.

    site = Site(root, mariadb)
    site.build()                # psa schema + data, user, keys, config
    site.migrate()              # oxtender-replicator -c site.config migrate
    site.replicator("status")   # CompletedProcess, never raises

Identity conventions are those of tools/gendata/README.md: admin / the
admin password, reseller<r> / reseller<r>-pw, client<c> / client<c>-pw,
domain administrator <ascii domain name> / <name>-pw.
"""
import grp
import os
import pwd
import secrets
import subprocess

from . import env
from . import license as lic
from .mariadb import MariaDBError, sql_quote


class SiteError(RuntimeError):
    pass


def web_user():
    """(user, group) Apache's workers run as when we are root, else None."""
    if os.geteuid() != 0:
        return None
    for user, group in (("nobody", "nogroup"), ("nobody", "nobody"),
                        ("www-data", "www-data")):
        try:
            pwd.getpwnam(user)
            grp.getgrnam(group)
        except KeyError:
            continue
        return user, group
    return None


class Site:
    DEFAULT_SIZE = dict(resellers=3, clients=12, domains=40, mailboxes=300)

    def __init__(self, root, mariadb, flavour=10, psa_db="psa",
                 oxtender_db="oxtender", db_user=None, seed=1,
                 admin_password=None, db_password=None):
        self.root = os.path.abspath(root)
        self.db = mariadb
        self.flavour = int(flavour)
        self.psa_db = psa_db
        self.oxtender_db = oxtender_db
        # One account per oxtender database: create_app_user() recreates
        # it, which must not change the password of another Site's user.
        self.db_user = db_user or ("oxtender" if oxtender_db == "oxtender"
                                   else "oxt_" + oxtender_db)
        self.db_password = db_password or "oxt-" + secrets.token_hex(12)
        self.seed = seed
        self.admin_password = admin_password or \
            "adm-" + secrets.token_hex(6)
        self.config = os.path.join(self.root, "oxtender.conf")
        self.secret_key = os.path.join(self.root, "secret.key")
        self.plesk_key = os.path.join(self.root, "plesk-secret.key")
        self.admin_shadow = os.path.join(self.root, "psa.shadow")
        self.lock_file = os.path.join(self.root, "replicator.lock")
        self.spool_dir = os.path.join(self.root, "spool")
        self.size = dict(self.DEFAULT_SIZE)
        # The key migrate() puts in force (harness/license.py mint
        # fields); None: no key, the evaluation allowance.
        self.license = dict(lic.FREE)
        self.authority = lic.authority(os.path.join(
            os.path.dirname(os.path.abspath(mariadb.root)), "authority"))

    # ---- building --------------------------------------------------------

    def build(self, **size):
        """Create both databases' prerequisites, load psa and write the
        configuration. Raises SiteError/MariaDBError with the reason."""
        self.size.update(size)
        os.makedirs(self.root, exist_ok=True)
        os.chmod(self.root, 0o755)
        os.makedirs(self.spool_dir, exist_ok=True)
        self.make_secret_key()
        self.load_psa()
        self.db.create_database(self.oxtender_db)
        self.db.create_app_user(self.db_user, self.db_password,
                                self.oxtender_db, self.psa_db)
        self.write_config()
        self.share_with_web_user()
        return self

    def make_secret_key(self):
        if not os.path.exists(self.secret_key):
            env.write_file(self.secret_key, secrets.token_bytes(32), 0o600)

    def load_psa(self):
        schema = env.psa_schema(self.flavour)
        if not os.path.isfile(schema):
            raise SiteError("psa schema %s is missing" % schema)
        if not env.executable(env.GENDATA):
            raise SiteError("oxt-gendata is not built (%s); run make"
                            % env.GENDATA)
        self.db.create_database(self.psa_db, drop=True)
        self.db.load_file(self.psa_db, schema)
        self.db.load_from(self.psa_db, self.gendata_argv())

    def gendata_argv(self):
        s = self.size
        argv = [env.GENDATA, "--plesk", str(self.flavour),
                "--resellers", str(s["resellers"]),
                "--clients", str(s["clients"]),
                "--domains", str(s["domains"]),
                "--mailboxes", str(s["mailboxes"]),
                "--seed", str(self.seed),
                "--admin-password", self.admin_password,
                "--secret-key", self.plesk_key]
        if self.flavour == 8:
            argv += ["--admin-shadow", self.admin_shadow]
        return argv

    # ---- configuration ---------------------------------------------------

    def config_values(self, **overrides):
        values = {
            "db_host": self.db.host,
            "db_port": str(self.db.port),
            "db_user": self.db_user,
            "db_password": self.db_password,
            "oxtender_database": self.oxtender_db,
            "psa_database": self.psa_db,
            "sql_dir": env.SQL_DIR,
            "log_level": "debug",
            "secret_key_file": self.secret_key,
            "plesk_secret_key_file": self.plesk_key,
            "lock_file": self.lock_file,
            "spool_dir": self.spool_dir,
            "license_public_key": self.authority.public_key,
        }
        if self.flavour == 8:
            values["plesk_admin_password_file"] = self.admin_shadow
        for key, value in overrides.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = str(value)
        return values

    def config_text(self, extra_lines=(), **overrides):
        lines = ["# generated by tests/integration/harness/site.py"]
        lines += ["%s = %s" % kv for kv in self.config_values(
            **overrides).items()]
        lines += list(extra_lines)
        return "\n".join(lines) + "\n"

    def write_config(self, path=None, extra_lines=(), **overrides):
        """Write a config file (mode 0640); overrides replace keys, a value
        of None drops the key, extra_lines are appended verbatim."""
        path = path or self.config
        env.write_file(path, self.config_text(extra_lines, **overrides),
                       0o640)
        self.share_with_web_user(path)
        return path

    def share_with_web_user(self, *paths):
        """Give the config and the key files the modes the module and the
        replicator insist on (never readable by others, never writable by
        the group, owned by root or us): as root, root:<web user's group>
        0640 so Apache's workers can read them; otherwise ours, 0600."""
        who = web_user()
        gid = grp.getgrnam(who[1]).gr_gid if who else None
        for path in paths or (self.config, self.secret_key, self.plesk_key,
                              self.admin_shadow):
            if not os.path.exists(path):
                continue
            if gid is None:
                os.chmod(path, 0o600)
            else:
                os.chown(path, 0, gid)
                os.chmod(path, 0o640)

    # ---- the replicator --------------------------------------------------

    def replicator(self, *args, config=None, timeout=120):
        argv = [env.REPLICATOR, "-c", config or self.config] + list(args)
        if not env.executable(env.REPLICATOR):
            raise SiteError("oxtender-replicator is not built (%s)"
                            % env.REPLICATOR)
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout)

    def migrate(self):
        """migrate, then the key of self.license when none is in the
        table yet (harness/license.py)."""
        res = self.replicator("migrate")
        if res.returncode != 0:
            raise SiteError("oxtender-replicator migrate failed (exit %d)\n"
                            "stdout: %s\nstderr: %s" % (
                                res.returncode, res.stdout, res.stderr))
        if self.license is not None and not self.db.scalar(
                "SELECT key_number FROM license WHERE id = 1",
                self.oxtender_db):
            self.install_license(self.authority.mint(**self.license))
        return res

    def install_license(self, text):
        """`license install` of a key's text; raises when refused."""
        path = os.path.join(self.root, "license.key")
        env.write_file(path, text, 0o600)
        res = self.replicator("license", "install", path)
        if res.returncode != 0:
            raise SiteError("license install failed (exit %d): %s"
                            % (res.returncode, res.stderr))
        return res

    # ---- psa look-ups ------------------------------------------------------

    def psa(self, statement):
        return self.db.query(statement, self.psa_db)

    def psa_scalar(self, statement):
        return self.db.scalar(statement, self.psa_db)

    def psa_sql(self, statements):
        return self.db.sql(statements, self.psa_db)

    # ---- Plesk sessions and our access grants ------------------------------

    def add_session(self, login, ip="127.0.0.1", idle=0, sess_id=None,
                    type_=1):
        """A psa.sessions row as the panel writes it at sign-in (a 32-hex
        id, the client address, login and last click `idle` seconds
        ago); returns the session id for the PHPSESSID cookie."""
        sid = sess_id or secrets.token_hex(16)
        self.psa_sql(
            "INSERT INTO sessions (sess_id, type, login, ip_address, "
            "login_time, click_time) VALUES (%s, %d, %s, %s, "
            "NOW() - INTERVAL %d SECOND, NOW() - INTERVAL %d SECOND);\n"
            % (sql_quote(sid), type_, sql_quote(login), sql_quote(ip),
               idle + 60, idle))
        return sid

    def drop_session(self, sess_id):
        self.psa_sql("DELETE FROM sessions WHERE sess_id = %s;\n"
                     % sql_quote(sess_id))

    def grant(self, level, plesk_id, access=1):
        """prefs.access of one reseller/client/domain (the Access column
        of the user guide's lists)."""
        self.db.sql("INSERT INTO prefs (level, plesk_id, access) VALUES "
                    "(%s, %d, %d) ON DUPLICATE KEY UPDATE access = %d;\n"
                    % (sql_quote(level), int(plesk_id), access, access),
                    self.oxtender_db)

    def revoke(self, level, plesk_id):
        self.grant(level, plesk_id, access=0)

    def oxt(self, statement):
        return self.db.query(statement, self.oxtender_db)

    @staticmethod
    def password_of(login):
        """The generator's password for a panel or domain admin login."""
        return login + "-pw"

    def credentials(self):
        """One working (login, password, role) per role, picked by SQL among
        active accounts that hold mailboxes. Plesk 9/10 only."""
        admin = ("admin", self.admin_password, "admin")
        rows = self.psa(
            "SELECT r.login FROM clients r WHERE r.type='reseller' "
            "AND r.status=0 ORDER BY r.id LIMIT 1")
        reseller = (rows[0][0], self.password_of(rows[0][0]), "reseller") \
            if rows else None
        rows = self.psa(
            "SELECT c.login FROM clients c JOIN domains d ON d.cl_id=c.id "
            "JOIN mail m ON m.dom_id=d.id AND m.postbox='true' "
            "LEFT JOIN clients p ON p.id=c.parent_id "
            "WHERE c.type='client' AND c.status=0 "
            "AND (p.id IS NULL OR p.status=0) "
            "GROUP BY c.id ORDER BY c.id LIMIT 1")
        client = (rows[0][0], self.password_of(rows[0][0]), "client") \
            if rows else None
        domain = None
        if self.flavour >= 10:
            rows = self.psa(
                "SELECT d.name FROM domains d JOIN smb_users u "
                "ON u.login=d.name JOIN clients c ON c.id=d.cl_id "
                "LEFT JOIN clients p ON p.id=c.parent_id "
                "JOIN mail m ON m.dom_id=d.id AND m.postbox='true' "
                "WHERE d.status=0 AND c.status=0 "
                "AND (p.id IS NULL OR p.status=0) "
                "GROUP BY d.id ORDER BY d.id LIMIT 1")
            if rows:
                domain = (rows[0][0], self.password_of(rows[0][0]), "domain")
        return [c for c in (admin, reseller, client, domain) if c]


__all__ = ["Site", "SiteError", "MariaDBError", "sql_quote", "web_user"]
