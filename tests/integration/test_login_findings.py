"""The review of the login (issue 8, "Findings to fix"): each test below
reproduces one weakness an attacker found in HTTP Basic against psa, and
each failed on the code before its fix.

Panel users are made here straight in psa, with their own logins, so the
per-login failure counters of one test never reach another's.
"""
import contextlib
import os
import re
import statistics
import time

import pytest

from harness.mariadb import sql_quote

HOME = "/oxtender/?format=json"
# Our fail2ban line (warn) and mod_auth_basic's lines of the old code;
# AH01631: mod_authz_core refusing a signed-in account (suspended, no
# access granted, which every client and domain has on Plesk 10).
FAILED = ("OXT00200", "AH01617", "AH01618", "AH01631")
SECURITY_HEADERS = ("Cache-Control", "X-Content-Type-Options",
                    "Content-Security-Policy", "Referrer-Policy")


@contextlib.contextmanager
def panel_client(site, login, password, pwtype="plain", stored=None,
                 parent=1, status=0):
    """A customer of the admin (or of reseller `parent`) with its own
    accounts row; removed afterwards. stored: the accounts.password value
    (default: the password itself)."""
    site.psa_sql(
        "INSERT INTO accounts (type, password) VALUES (%s, %s);\n"
        "INSERT INTO clients (parent_id, type, pname, login, account_id, "
        "status) VALUES (%d, 'client', %s, %s, LAST_INSERT_ID(), %d);\n"
        % (sql_quote(pwtype), sql_quote(stored or password), parent,
           sql_quote("Test " + login), sql_quote(login), status))
    cid = int(site.psa_scalar("SELECT id FROM clients WHERE login = %s"
                              % sql_quote(login)))
    try:
        yield cid
    finally:
        site.psa_sql(
            "DELETE a, c FROM clients c JOIN accounts a ON a.id = "
            "c.account_id WHERE c.id = %d;\n" % cid)


def smb_domain(site):
    """(domain id, name, owner id) of an active Plesk 10 domain with its
    Panel user (smb_users login = name), owner active."""
    row = site.psa(
        "SELECT d.id, d.name, d.cl_id FROM domains d JOIN smb_users u "
        "ON u.login = d.name JOIN clients c ON c.id = d.cl_id "
        "LEFT JOIN clients p ON p.id = c.parent_id "
        "WHERE d.status = 0 AND c.status = 0 AND c.type = 'client' "
        "AND (p.id IS NULL OR p.status = 0) AND d.webspace_id = 0 "
        "AND u.password NOT LIKE '$%' ORDER BY d.id LIMIT 1")[0]
    return int(row[0]), row[1], int(row[2])


@contextlib.contextmanager
def smb_changed(site, login, **cols):
    """Changes columns of one smb_users row for the test."""
    keys = list(cols)
    old = site.psa("SELECT %s FROM smb_users WHERE login = %s"
                   % (", ".join(keys), sql_quote(login)))[0]

    def assign(values):
        return ", ".join("%s = %s" % (k, "NULL" if v is None
                                      else sql_quote(str(v)))
                         for k, v in zip(keys, values))
    site.psa_sql("UPDATE smb_users SET %s WHERE login = %s;\n"
                 % (assign([cols[k] for k in keys]), sql_quote(login)))
    try:
        yield
    finally:
        site.psa_sql("UPDATE smb_users SET %s WHERE login = %s;\n"
                     % (assign(old), sql_quote(login)))


def signed_in(r):
    """The password was taken: 200, or a 403 page that explains why the
    account may not use the module (suspended, not granted)."""
    return r.status in (200, 403)


# ---- 1. a Panel user named like another customer's domain ------------------

@pytest.mark.expect_log(*FAILED)
def test_smb_user_is_bound_to_its_owner_and_subscription(apache, site):
    """Customer A creates a Panel user whose login is the name of B's
    domain (the domain has no Panel user of its own): the login must not
    make A the administrator of B's domain."""
    dom_id, name, owner = smb_domain(site)
    other_owner, other_dom = (int(v) for v in site.psa(
        "SELECT c.id, MIN(d.id) FROM clients c JOIN domains d ON d.cl_id = "
        "c.id WHERE c.type = 'client' AND c.id <> %d AND c.status = 0 "
        "GROUP BY c.id ORDER BY c.id LIMIT 1" % owner)[0])
    real = site.psa("SELECT login, password, contactName, email, ownerId, "
                    "isLocked, subscriptionDomainId FROM smb_users "
                    "WHERE login = %s" % sql_quote(name))[0]
    site.psa_sql("DELETE FROM smb_users WHERE login = %s;\n"
                 "INSERT INTO smb_users (login, password, ownerId, "
                 "subscriptionDomainId) VALUES (%s, 'evil-pw', %d, %d);\n"
                 % (sql_quote(name), sql_quote(name), other_owner,
                    other_dom))
    try:
        r = apache.get(HOME, auth=(name, "evil-pw"))
        assert r.status == 401, (r.status, r.text)
    finally:
        site.psa_sql(
            "DELETE FROM smb_users WHERE login = %s;\n"
            "INSERT INTO smb_users (login, password, contactName, email, "
            "ownerId, isLocked, subscriptionDomainId) VALUES (%s);\n"
            % (sql_quote(name), ", ".join(sql_quote(v) for v in real)))
    # the real domain administrator still signs in
    assert signed_in(apache.get(HOME, auth=(name, site.password_of(name))))


# ---- 2. locked Panel users ---------------------------------------------------

@pytest.mark.expect_log(*FAILED)
def test_locked_panel_user_cannot_sign_in(apache, site):
    _, name, _ = smb_domain(site)
    auth = (name, site.password_of(name))
    assert signed_in(apache.get(HOME, auth=auth))
    with smb_changed(site, name, isLocked=1):
        r = apache.get(HOME, auth=auth)
    assert r.status == 401, (r.status, r.text)


# ---- 3. a stored hash is not the password -----------------------------------

# crypt(3) of "crypt-pw" with the salt "oxtsalt" (SHA-512, MD5, SHA-256).
CRYPT6 = ("$6$oxtsalt$aLiyGByIHz77h06rMmKEigTLu/z1JtP5LlvXIrxy0Grtws0Ut"
          "JDYZXBFRufLUUGFoolNSZj/GxAdAjzV9IdRN0")
CRYPT1 = "$1$oxtsalt$QCSq9HLLUN00BjShCk/NS."
CRYPT5 = "$5$oxtsalt$TLAJrBMBG7dBUbVxOIRstoX7IBV4cJyvFeMmjE2peY3"


@pytest.mark.parametrize("stored", [CRYPT6, CRYPT1, CRYPT5],
                         ids=["sha512", "md5", "sha256"])
@pytest.mark.expect_log(*FAILED)
def test_smb_password_hash_is_checked_with_crypt(apache, site, stored):
    _, name, _ = smb_domain(site)
    with smb_changed(site, name, password=stored):
        as_hash = apache.get(HOME, auth=(name, stored))
        right = apache.get(HOME, auth=(name, "crypt-pw"))
    assert as_hash.status == 401, (as_hash.status, as_hash.text)
    assert signed_in(right), (right.status, right.text)


@pytest.mark.expect_log(*FAILED)
def test_smb_password_of_unknown_scheme_is_refused(apache, site):
    """A '$'-scheme we cannot check (bcrypt here) never works as text."""
    _, name, _ = smb_domain(site)
    stored = "$2y$10$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY"
    with smb_changed(site, name, password=stored):
        r = apache.get(HOME, auth=(name, stored))
    assert r.status == 401, (r.status, r.text)


# ---- 4. online guessing --------------------------------------------------------

def failures(site, kind, name):
    rows = site.oxt("SELECT failures, TIMESTAMPDIFF(SECOND, NOW(), "
                    "blocked_until) FROM login_failures WHERE kind = %s "
                    "AND name = %s" % (sql_quote(kind), sql_quote(name)))
    return (int(rows[0][0]), rows[0][1]) if rows else (0, None)


INSTALL_MD = os.path.join(os.path.dirname(__file__), "..", "..", "docs",
                          "install.md")


def fail2ban_regex():
    """The failregex docs/install.md gives for fail2ban, with <HOST> as
    fail2ban expands it (roughly: an address)."""
    with open(INSTALL_MD) as f:
        m = re.search(r"^failregex = (.*)$", f.read(), re.M)
    assert m, "no failregex in docs/install.md"
    return re.compile(m.group(1).replace("<HOST>", r"(?P<host>[0-9a-f.:]+)"))


def error_log_since(httpd, pos):
    httpd.settle()
    with open(httpd.error_log_path, "rb") as f:
        f.seek(pos)
        return f.read().decode("utf-8", "replace")


@pytest.mark.expect_log("OXT00201", *FAILED)
def test_password_guessing_is_slowed_down_per_login(apache, site):
    """Five wrong passwords for one login: the sixth try is refused (429,
    Retry-After) even with the right password, the block grows with each
    further failure, and every failure leaves a line for fail2ban."""
    login, pw = "guess-target", "guess-right-pw"
    with panel_client(site, login, pw):
        pos = os.path.getsize(apache.error_log_path)
        for i in range(5):
            assert apache.get(HOME, auth=(login, "wrong-%d" % i),
                              source="127.0.0.21").status == 401
        r = apache.get(HOME, auth=(login, pw), source="127.0.0.22")
        assert r.status == 429, (r.status, r.text)
        assert int(r.headers["Retry-After"]) >= 1
        assert failures(site, "login", login)[0] == 5
        log = error_log_since(apache, pos)
        lines = re.findall(r"\[oxtender:warn\].*OXT00200: login failed for "
                           r"\"guess-target\" from 127\.0\.0\.21$", log,
                           re.M)
        assert len(lines) == 5, log[-3000:]
        assert "guess-right-pw" not in log and "wrong-0" not in log
        banned = [m.group("host") for m in map(fail2ban_regex().match,
                                                log.splitlines()) if m]
        assert banned == ["127.0.0.21"] * 5, banned
        # the block ends; one more failure blocks for twice as long
        site.db.sql("UPDATE login_failures SET blocked_until = NOW() - "
                    "INTERVAL 1 SECOND WHERE name = %s" % sql_quote(login),
                    site.oxtender_db)
        assert apache.get(HOME, auth=(login, "wrong-5"),
                          source="127.0.0.21").status == 401
        n, wait = failures(site, "login", login)
        assert n == 6 and 50 <= int(wait) <= 60, (n, wait)
        # after it, the right password works and the count is gone
        site.db.sql("UPDATE login_failures SET blocked_until = NULL "
                    "WHERE name = %s" % sql_quote(login), site.oxtender_db)
        r = apache.get(HOME, auth=(login, pw), source="127.0.0.22")
        assert signed_in(r), (r.status, r.text)
        assert failures(site, "login", login)[0] == 0


@pytest.mark.expect_log("OXT00200", "OXT00201", "AH01617", "AH01618")
def test_password_guessing_is_slowed_down_per_address(apache, site):
    """Many logins tried from one address: that address is blocked, for
    every login, while another address still gets in."""
    addr = "127.0.0.23"
    for i in range(50):
        r = apache.get(HOME, auth=("nobody-%d" % i, "x"), source=addr)
        assert r.status == 401, (i, r.status)
    assert failures(site, "address", addr)[0] == 50
    admin = ("admin", site.admin_password)
    r = apache.get(HOME, auth=admin, source=addr)
    assert r.status == 429, (r.status, r.text)
    assert apache.get(HOME, auth=admin, source="127.0.0.24").status == 200
    site.db.sql("DELETE FROM login_failures WHERE name = %s"
                % sql_quote(addr), site.oxtender_db)


# ---- 6. timing ---------------------------------------------------------------

def median_ms(httpd, auth, rounds):
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        r = httpd.get(HOME, auth=auth)
        times.append((time.perf_counter() - t0) * 1000.0)
        assert r.status == 401, (auth[0], r.status)
    return statistics.median(times)


@pytest.mark.expect_log(*FAILED)
def test_unknown_login_takes_as_long_as_a_known_one(apache_conf, site):
    """Response time must not tell which logins exist: an unknown login
    costs what a known one with a crypt password costs (the dearest
    check). Medians of interleaved blocks of tries, and of those the
    least disturbed block of each (the smallest median: on two shared
    cores, under the sanitizers, one block of a kind can take twice its
    cost from the load alone, and did once); the bound is generous (2x),
    the old code differed by 4x or more."""
    httpd = apache_conf("OxtenderLoginThrottle Off")
    known = ("timing-known", "timing-wrong-pw")
    with panel_client(site, known[0], "crypt-pw", pwtype="crypt",
                      stored=CRYPT6):
        assert signed_in(httpd.get(HOME, auth=(known[0], "crypt-pw")))
        medians = {"known": [], "unknown": []}
        for _ in range(6):           # interleaved blocks against drift
            medians["known"].append(median_ms(httpd, known, 5))
            medians["unknown"].append(
                median_ms(httpd, ("timing-nobody", "timing-wrong-pw"), 5))
    k = min(medians["known"])
    u = min(medians["unknown"])
    assert max(k, u) / min(k, u) < 2.0, \
        "known %.2f ms, unknown %.2f ms (%r)" % (k, u, medians)


# ---- 7. logins no database column can hold ----------------------------------

@pytest.mark.parametrize("login", [
    b"\xff\xfeadmin",                       # not UTF-8
    "cl\U0001F600ent1".encode("utf-8"),     # outside utf8mb3 (emoji)
    b"\xc0\xafadmin",                       # overlong encoding of '/'
    b"\xed\xa0\x80dom",                     # a UTF-16 surrogate
], ids=["invalid", "astral", "overlong", "surrogate"])
@pytest.mark.expect_log(*FAILED)
def test_login_outside_the_collation_is_an_unknown_login(apache, login):
    """401 like any unknown login, and no error in the log (the error-log
    watch of conftest fails the test on one)."""
    r = apache.get(HOME, auth=(login, b"x-pw"))
    assert r.status == 401, (r.status, r.text)


# ---- 8. exact matching --------------------------------------------------------

@pytest.mark.parametrize("typed", ["CLIENT1", "client1  ", " client1",
                                   "Client1"])
@pytest.mark.expect_log(*FAILED)
def test_login_matches_exactly(apache, site, typed):
    """Plesk logins are matched byte for byte: another case or trailing
    blanks are another (unknown) login."""
    assert signed_in(apache.get(HOME, auth=("client1", "client1-pw")))
    r = apache.get(HOME, auth=(typed, "client1-pw"))
    assert r.status == 401, (typed, r.status, r.text)


@pytest.mark.expect_log(*FAILED)
def test_domain_name_matches_exactly(plesk_flavour):
    site, httpd = plesk_flavour(9)
    r = httpd.get(HOME, auth=("DOM1.EXAMPLE", "dom1.example-pw"))
    assert r.status == 401, (r.status, r.text)


@pytest.fixture
def accentless_twin(plesk_flavour):
    """On Plesk 9: a second customer's domain "bucher2.example", which an
    accent-insensitive comparison confuses with dom2's display name
    "bücher2.example"; dom2 has access granted."""
    site, httpd = plesk_flavour(9)
    owner = int(site.psa_scalar(
        "SELECT id FROM clients WHERE login = 'client4'"))
    site.psa_sql(
        "INSERT INTO accounts (id, type, password) VALUES "
        "(90001, 'plain', 'bucher2.example-pw');\n"
        "INSERT INTO domains (id, name, displayName, cl_id) VALUES "
        "(90001, 'bucher2.example', 'bucher2.example', %d);\n"
        "INSERT INTO dom_level_usrs (dom_id, account_id, state) VALUES "
        "(90001, 90001, 'true');\n" % owner)
    site.grant("domain", 2)
    try:
        yield site, httpd
    finally:
        site.revoke("domain", 2)
        site.psa_sql("DELETE FROM dom_level_usrs WHERE dom_id = 90001;\n"
                     "DELETE FROM domains WHERE id = 90001;\n"
                     "DELETE FROM accounts WHERE id = 90001;\n")


def test_idn_login_is_not_blocked_by_an_accentless_twin(accentless_twin):
    """"bücher2.example" signs in as dom2 (and r->user, in the access log,
    is the canonical ASCII login), whatever other tenants name their
    domains."""
    site, httpd = accentless_twin
    ace = "xn--bcher2-3ya.example"
    r = httpd.get(HOME, auth=("bücher2.example", ace + "-pw"))
    assert r.status == 200, (r.status, r.text)
    assert (r.json()["login"], r.json()["object_id"]) == (ace, 2)
    httpd.settle()
    with open(httpd.access_log_path, encoding="utf-8",
              errors="replace") as f:
        last = f.read().splitlines()[-1]
    assert last.split(" ")[2] == ace, last


# ---- 9. error responses are ours ------------------------------------------

def assert_ours(r, status, json_wanted):
    assert r.status == status, (r.status, r.text[:300])
    h = r.headers
    assert h.get("Cache-Control") == "no-store", dict(h)
    assert h.get("X-Content-Type-Options") == "nosniff", dict(h)
    assert "frame-ancestors 'self'" in h.get("Content-Security-Policy", ""), \
        dict(h)
    assert h.get("Referrer-Policy"), dict(h)
    if json_wanted:
        assert h.get("Content-Type") == "application/json; charset=utf-8", \
            dict(h)
        body = r.json()
        assert body["status"] == status and body["error"], body
    else:
        assert h.get("Content-Type") == "text/html; charset=utf-8", dict(h)
        assert '<meta charset="utf-8">' in r.text and "OXtender" in r.text, \
            r.text[:300]
        assert "iso-8859-1" not in r.text.lower()


@pytest.mark.parametrize("fmt", ["html", "json"])
@pytest.mark.expect_log(*FAILED)
def test_error_responses_are_ours(apache, site, fmt):
    q = "?format=json" if fmt == "json" else ""
    admin = ("admin", site.admin_password)
    suspended = site.psa_scalar("SELECT login FROM clients WHERE type = "
                                "'client' AND status <> 0 ORDER BY id LIMIT 1")
    cases = [
        (401, apache.get("/oxtender/" + q)),
        (401, apache.get("/oxtender/" + q, auth=("admin", "wrong-pw"))),
        (403, apache.get("/oxtender/" + q,
                         auth=(suspended, site.password_of(suspended)))),
        (404, apache.get("/oxtender/nope" + q, auth=admin)),
        (405, apache.post("/oxtender/" + q, auth=admin, body="a=b")),
    ]
    for status, r in cases:
        assert_ours(r, status, fmt == "json")


@pytest.mark.expect_log(patterns=[r"\bOXT\d{5}\b"])
def test_server_errors_are_ours(site, apache_factory):
    """503 (database away) and 500 (a <Location> with the handler but no
    OXtender authentication), HTML and JSON."""
    config = site.write_config(os.path.join(site.root, "db-away.conf"),
                               db_port=site.db.port + 1,
                               db_connect_timeout=2)
    httpd = apache_factory(
        "apache-errors", config,
        extra="<Location /bare>\n    SetHandler oxtender\n"
              "    OxtenderBaseURI /bare\n</Location>")
    admin = ("admin", site.admin_password)
    for q, js in (("", False), ("?format=json", True)):
        assert_ours(httpd.get("/oxtender/" + q, auth=admin), 503, js)
        assert_ours(httpd.get("/bare/" + q), 500, js)


# ---- 12. the shipped configuration ------------------------------------------

SHIPPED = os.path.join(os.path.dirname(__file__), "..", "..", "conf",
                       "httpd-oxtender.conf")


def shipped_location(path):
    """The access lines (Auth*, Require*, Oxtender* but the base URI) of
    the shipped <Location path> block."""
    with open(SHIPPED) as f:
        text = f.read()
    m = re.search(r"<Location %s>\n(.*?)</Location>" % re.escape(path),
                  text, re.S)
    assert m, "no <Location %s> in %s" % (path, SHIPPED)
    return [line.strip() for line in m.group(1).splitlines()
            if re.match(r"\s*(Auth|Require|Oxtender(?!BaseURI))", line)]


def test_shipped_config_requires_roles_everywhere():
    with open(SHIPPED) as f:
        text = f.read()
    assert "valid-user" not in text
    blocks = re.findall(r"<Location ([^>]+)>\n(.*?)</Location>", text, re.S)
    assert blocks
    for path, body in blocks:
        requires = re.findall(r"^\s*Require (.*)$", body, re.M)
        assert requires and all(r.startswith("oxtender-role ")
                                for r in requires), (path, requires)


@pytest.mark.expect_log("AH01631")
def test_shipped_config_keeps_suspended_users_out(apache, apache_conf,
                                                 site):
    """The shipped access rules on a plain static file (no handler of
    ours to refuse anyone): authorization itself must keep a suspended
    account out, and let an active one in."""
    docroot = os.path.join(apache.root, "htdocs", "static")
    os.makedirs(docroot, exist_ok=True)
    with open(os.path.join(docroot, "index.html"), "w") as f:
        f.write("static\n")
    os.chmod(docroot, 0o755)
    lines = shipped_location("/oxtender")
    httpd = apache_conf("<Location /static>\n    %s\n</Location>"
                        % "\n    ".join(lines))
    suspended = site.psa_scalar("SELECT login FROM clients WHERE type = "
                                "'client' AND status <> 0 ORDER BY id LIMIT 1")
    r = httpd.get("/static/index.html",
                  auth=(suspended, site.password_of(suspended)))
    assert r.status == 403, (r.status, r.text)
    assert "static" not in r.text
    r = httpd.get("/static/index.html", auth=("admin", site.admin_password))
    assert r.status == 200 and r.text == "static\n", (r.status, r.text)
