"""Invariants of tools/gendata/oxt-gendata on a small run, loaded into a
private MariaDB (unix socket in a temp dir, stopped even on failure).

The shared MariaDB fixture (tests/integration/harness/mariadb.py) was being
written at the same time, so this file starts its own small server.
"""
import base64
import os
import shutil
import subprocess
import tempfile
import time
import warnings

import pytest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GENDATA = os.environ.get("OXT_GENDATA") or os.path.join(
    TOP, "tools", "gendata", "oxt-gendata")
SEARCH = os.environ.get("PATH", "") + ":/usr/sbin:/usr/bin:/sbin"

R, C, D, M = 3, 12, 60, 400
VERSIONS = (8, 9, 10)


def which(name):
    return shutil.which(name, path=SEARCH)


pytestmark = [
    pytest.mark.skipif(not os.access(GENDATA, os.X_OK),
                       reason="oxt-gendata not built (%s)" % GENDATA),
    pytest.mark.skipif(not (which("mariadbd") and which("mariadb-install-db")
                            and which("mariadb")),
                       reason="MariaDB server binaries not installed"),
]


# ---- a private server ------------------------------------------------------

class Server:
    def __init__(self, root):
        self.root = root
        self.sock = os.path.join(root, "sock")
        self.proc = None

    def start(self):
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run([which("mariadb-install-db"), "--no-defaults",
                        "--datadir=" + os.path.join(self.root, "data"),
                        "--auth-root-authentication-method=normal"] + user,
                       check=True, capture_output=True)
        self.log = open(os.path.join(self.root, "server.out"), "wb")
        self.proc = subprocess.Popen(
            [which("mariadbd"), "--no-defaults",
             "--datadir=" + os.path.join(self.root, "data"),
             "--socket=" + self.sock, "--port=0", "--skip-networking",
             "--innodb-buffer-pool-size=128M",
             "--log-error=" + os.path.join(self.root, "error.log")] + user,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("mariadbd exited early")
            if subprocess.run(self.client() + ["-e", "SELECT 1"],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("mariadbd did not start")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()

    def client(self, db=None):
        cmd = [which("mariadb"), "--no-defaults", "--socket=" + self.sock,
               "-uroot", "--default-character-set=utf8mb4", "-N", "-B"]
        return cmd + ([db] if db else [])

    def load(self, db, data):
        subprocess.run(self.client(db), input=data, check=True,
                       capture_output=True)

    def rows(self, db, query):
        out = subprocess.run(self.client(db) + ["-e", query], check=True,
                             capture_output=True).stdout.decode("utf-8")
        return [line.split("\t") for line in out.splitlines()]

    def value(self, db, query):
        rows = self.rows(db, query)
        assert len(rows) == 1 and len(rows[0]) == 1, (query, rows)
        return rows[0][0]

    def int(self, db, query):
        return int(self.value(db, query))


@pytest.fixture(scope="module")
def workdir():
    root = tempfile.mkdtemp(prefix="oxt-gendata-test.")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def server(workdir):
    srv = Server(os.path.join(workdir, "db"))
    os.mkdir(srv.root)
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


def generate(version, key, seed=5, extra=()):
    args = [GENDATA, "--plesk", str(version), "--resellers", str(R),
            "--clients", str(C), "--domains", str(D), "--mailboxes", str(M),
            "--seed", str(seed), "--secret-key", key,
            "--admin-password", "Secret-Admin"] + list(extra)
    return subprocess.run(args, check=True, capture_output=True).stdout


@pytest.fixture(scope="module")
def loaded(server, workdir):
    """Loads all three flavours once; returns {version: (db, key_path)}."""
    out = {}
    for v in VERSIONS:
        db, key = "psa%d" % v, os.path.join(workdir, "key%d" % v)
        subprocess.run(server.client() + ["-e", "CREATE DATABASE " + db],
                       check=True)
        with open(os.path.join(TOP, "sql", "psa", "psa-%d.sql" % v),
                  "rb") as f:
            server.load(db, f.read())
        server.load(db, generate(v, key))
        out[v] = (db, key)
    return out


def resellers(v):
    return 0 if v == 8 else R


# ---- determinism -------------------------------------------------------------

def test_same_options_give_identical_output(workdir):
    key = os.path.join(workdir, "det.key")
    first = generate(9, key)
    assert os.path.getsize(key) == 16
    assert generate(9, key) == first
    # A fresh key file from the same seed is the same key.
    key2 = os.path.join(workdir, "det2.key")
    assert generate(9, key2) == first
    assert generate(9, key, seed=6) != first


def test_stdout_is_only_sql(workdir):
    out = generate(10, os.path.join(workdir, "sql.key")).decode("utf-8")
    for line in out.splitlines():
        assert (line.startswith(("INSERT INTO", "(", "COMMIT;", "SET ", "-- "))
                ), line


# ---- counts --------------------------------------------------------------------

@pytest.mark.parametrize("v", VERSIONS)
def test_counts_match_the_options(server, loaded, v):
    db, _ = loaded[v]
    q = lambda s: server.int(db, s)
    if v == 8:
        assert q("SELECT COUNT(*) FROM clients") == C
    else:
        assert q("SELECT COUNT(*) FROM clients WHERE type='admin'") == 1
        assert q("SELECT COUNT(*) FROM clients WHERE type='reseller'") == R
        assert q("SELECT COUNT(*) FROM clients WHERE type='client'") == C
    top = "WHERE parentDomainId = 0" if v == 10 else ""
    assert q("SELECT COUNT(*) FROM domains " + top) == D
    assert q("SELECT COUNT(*) FROM mail") == M
    # Every domain row has a mail DomainServices row.
    assert q("SELECT COUNT(*) FROM domains d LEFT JOIN DomainServices s"
             " ON s.dom_id = d.id AND s.type = 'mail'"
             " WHERE s.id IS NULL") == 0
    # Every account reference resolves.
    assert q("SELECT COUNT(*) FROM mail m LEFT JOIN accounts a"
             " ON a.id = m.account_id WHERE a.id IS NULL") == 0
    assert q("SELECT COUNT(*) FROM clients c LEFT JOIN accounts a"
             " ON a.id = c.account_id WHERE a.id IS NULL") == 0
    if v == 10:
        assert q("SELECT COUNT(*) FROM smb_users") == D
    else:
        assert q("SELECT COUNT(*) FROM dom_level_usrs") == D


@pytest.mark.parametrize("v", VERSIONS)
def test_owner_chain(server, loaded, v):
    db, _ = loaded[v]
    q = lambda s: server.int(db, s)
    # Every domain belongs to an existing reseller or customer.
    assert q("SELECT COUNT(*) FROM domains d LEFT JOIN clients c"
             " ON c.id = d.cl_id WHERE c.id IS NULL") == 0
    if v != 8:
        assert q("SELECT COUNT(*) FROM clients c JOIN clients o"
                 " ON o.id = c.parent_id WHERE c.type='client'"
                 " AND o.type NOT IN ('admin','reseller')") == 0
        assert q("SELECT COUNT(*) FROM clients WHERE type='client'"
                 " AND parent_id = 1") > 0
        assert q("SELECT COUNT(*) FROM domains d JOIN clients c"
                 " ON c.id = d.cl_id WHERE c.type='reseller'") > 0
    if v == 10:
        assert q("SELECT COUNT(*) FROM domains d JOIN domains w"
                 " ON w.id = d.webspace_id WHERE w.webspace_id <> 0"
                 " OR w.cl_id <> d.cl_id") == 0
        assert q("SELECT COUNT(*) FROM domains WHERE webspace_id <> 0") > 0


# ---- identities -------------------------------------------------------------------

@pytest.mark.parametrize("v", VERSIONS)
def test_panel_logins(server, loaded, v):
    db, _ = loaded[v]
    pw = lambda login: server.rows(
        db, "SELECT a.type, a.password FROM clients c JOIN accounts a"
            " ON a.id = c.account_id WHERE c.login = '%s'" % login)
    if v == 8:
        assert pw("admin") == []
    else:
        assert pw("admin") == [["plain", "Secret-Admin"]]
        assert server.value(db, "SELECT CONCAT(id, type) FROM clients"
                                " WHERE login='admin'") == "1admin"
        assert pw("reseller%d" % R) == [["plain", "reseller%d-pw" % R]]
    assert pw("client1") == [["plain", "client1-pw"]]
    assert pw("client%d" % C) == [["plain", "client%d-pw" % C]]


def test_plesk8_admin_shadow(workdir):
    shadow = os.path.join(workdir, "psa.shadow")
    generate(8, os.path.join(workdir, "k8"),
             extra=["--admin-shadow", shadow])
    with open(shadow) as f:
        assert f.read() == "Secret-Admin\n"


@pytest.mark.parametrize("v", VERSIONS)
def test_domain_admins(server, loaded, v):
    db, key = loaded[v]
    if v == 10:
        rows = server.rows(db, "SELECT u.login, u.password, u.ownerId, d.cl_id"
                               " FROM smb_users u JOIN domains d"
                               " ON d.name = u.login")
        assert len(rows) == D
        for login, password, owner, cl_id in rows:
            assert owner == cl_id
            if password.startswith("$AES-128-CBC$"):
                password = sym_decrypt(key, password)
            assert password == login + "-pw"
    else:
        rows = server.rows(db, "SELECT d.name, a.type, a.password"
                               " FROM dom_level_usrs u"
                               " JOIN domains d ON d.id = u.dom_id"
                               " JOIN accounts a ON a.id = u.account_id")
        assert len(rows) == D
        assert all(r[1:] == ["plain", r[0] + "-pw"] for r in rows)


# ---- awkward cases -------------------------------------------------------------

def sym_decrypt(key_path, value):
    _, algo, iv_b64, ct_b64 = value.split("$")
    assert algo == "AES-128-CBC"
    with open(key_path, "rb") as f:
        key = f.read()
    iv = base64.b64decode(iv_b64)
    plain = subprocess.run(
        ["openssl", "enc", "-d", "-aes-128-cbc", "-nopad", "-K", key.hex(),
         "-iv", iv.hex()], input=base64.b64decode(ct_b64), check=True,
        capture_output=True).stdout
    assert len(plain) % 16 == 0
    return plain.rstrip(b"\0").decode("utf-8")


def punycode_name(display):
    return ".".join("xn--" + label.encode("punycode").decode("ascii")
                    if any(ord(c) > 127 for c in label) else label
                    for label in display.split("."))


@pytest.mark.parametrize("v", VERSIONS)
def test_idn_domains_and_aliases(server, loaded, v):
    db, _ = loaded[v]
    rows = server.rows(db, "SELECT name, displayName FROM domains"
                           " WHERE name LIKE 'xn--%' UNION ALL"
                           " SELECT name, displayName FROM domainaliases"
                           " WHERE name LIKE 'xn--%'")
    assert len(rows) >= 2
    for name, display in rows:
        assert display != name and display.isascii() is False
        assert name == punycode_name(display)
    assert ["xn--bcher2-3ya.example", "bücher2.example"] in rows


@pytest.mark.parametrize("v", VERSIONS)
def test_status_bits(server, loaded, v):
    db, _ = loaded[v]
    dom = {int(r[0]) for r in server.rows(db, "SELECT DISTINCT status"
                                              " FROM domains")}
    assert {0, 2, 16, 64, 272} <= dom
    cl = {int(r[0]) for r in server.rows(db, "SELECT DISTINCT status"
                                             " FROM clients")}
    assert {0, 16, 272} <= cl
    assert server.int(db, "SELECT COUNT(*) FROM DomainServices WHERE"
                          " type='mail' AND status <> 0") >= 1
    # A mailbox sits in the domain whose mail is off.
    assert server.int(db, "SELECT COUNT(*) FROM mail m JOIN DomainServices s"
                          " ON s.dom_id = m.dom_id AND s.type = 'mail'"
                          " WHERE s.status <> 0") >= 1


@pytest.mark.parametrize("v", VERSIONS)
def test_aliases_and_forwards(server, loaded, v):
    db, _ = loaded[v]
    q = lambda s: server.int(db, s)
    assert q("SELECT COUNT(*) FROM domainaliases WHERE mail='true'") >= 1
    assert q("SELECT COUNT(*) FROM domainaliases WHERE mail='false'"
             " AND web='true'") >= 1
    assert q("SELECT COUNT(*) FROM mail_aliases") >= 2
    assert q("SELECT COUNT(*) FROM mail WHERE postbox='false'"
             " AND redirect='true' AND redir_addr LIKE '%@%'") >= 1
    assert q("SELECT COUNT(*) FROM mail WHERE mbox_quota = -1") >= 1
    assert q("SELECT COUNT(*) FROM mail WHERE mbox_quota > 0") >= 1
    assert q("SELECT COUNT(*) FROM mail_resp r JOIN mail m ON m.id = r.mn_id"
             " WHERE m.autoresponder = 'true'") >= 1


@pytest.mark.parametrize("v", VERSIONS)
def test_mailbox_password_kinds(server, loaded, v):
    db, key = loaded[v]
    rows = server.rows(db, "SELECT m.mail_name, d.name, a.type,"
                           " COALESCE(a.password, '<NULL>')"
                           " FROM mail m JOIN domains d ON d.id = m.dom_id"
                           " JOIN accounts a ON a.id = m.account_id")
    kinds = {}
    for local, domain, kind, pw in rows:
        expected = "%s@%s-pw" % (local, domain)
        if kind == "plain" and pw not in ("", "<NULL>"):
            assert pw == expected
            kinds.setdefault("plain", 0)
        elif kind == "plain":
            kinds.setdefault("empty" if pw == "" else "null", 0)
        elif kind == "sym":
            assert sym_decrypt(key, pw) == expected
            kinds.setdefault("sym", 0)
        else:
            assert kind == "crypt" and pw[:3] in ("$1$", "$6$")
            assert crypt_ok(pw, expected)
            kinds.setdefault(pw[:3], 0)
    assert set(kinds) == {"plain", "empty", "null", "sym", "$1$", "$6$"}


def crypt_ok(hashed, plain):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
        except ImportError:   # Python 3.13+: trust the format check
            return True
    return crypt.crypt(plain, hashed) == hashed


@pytest.mark.parametrize("v", VERSIONS)
def test_mailbox_list_join(server, loaded, v):
    """The mailbox-list join (docs/reference/psa-schema.md §5) returns
    every mailbox exactly once."""
    db, _ = loaded[v]
    n = server.int(db, "SELECT COUNT(*) FROM mail m"
                       " JOIN domains d ON d.id = m.dom_id"
                       " JOIN accounts a ON a.id = m.account_id"
                       " JOIN clients c ON c.id = d.cl_id")
    assert n == M
    assert server.int(db, "SELECT COUNT(DISTINCT dom_id) FROM mail") < D
