"""The home page of mod_oxtender: who is signed in, with which role, and how
many mailboxes (mail rows with postbox='true') are in the caller's subtree.
Expected numbers are computed here with SQL on the same psa database.

Contract: GET /oxtender/?format=json ->
  {"login": canonical login, "role": "admin"|"reseller"|"client"|"domain",
   "object_id": clients.id (admin/reseller/client) or domains.id (domain),
   "name": contact or domain display name,
   "reseller_id", "client_id": the chain's reseller and client (0: none),
   "auth": "basic"|"session", "mailbox_count": N}

Resellers, clients and domain administrators need access granted (prefs
.access); clients and domain administrators only exist for the module
below Plesk 10, so their pages are tested on the Plesk 9 and 8 sites.
"""
import re

import pytest

from harness.accounts import (MAILBOXES, expected_count, expected_identity,
                              granted, object_id, pick)
from harness.mariadb import sql_quote

# mod_authz_core's line for a signed-in account refused entry
REFUSED = "AH01631"


def assert_home_json(httpd, site, role, login, password):
    r = httpd.get("/oxtender/?format=json", auth=(login, password))
    assert r.status == 200, (login, r.status, r.text)
    assert r.headers["Content-Type"].startswith("application/json"), \
        r.headers["Content-Type"]
    data = r.json()
    # the admin's overview also carries the replication health
    # (test_home_health.py)
    assert ("health" in data) == (role == "admin"), sorted(data)
    data.pop("health", None)
    assert data == expected_identity(site, role, login)
    return data


@pytest.fixture
def plesk9(plesk_flavour):
    return plesk_flavour(9)


@pytest.mark.parametrize("role", ["admin", "reseller"])
def test_home_json_per_role_plesk10(apache, site, role):
    login, password = pick(site, role)
    granted(site, role, login)
    data = assert_home_json(apache, site, role, login, password)
    assert data["mailbox_count"] > 0


@pytest.mark.parametrize("role", ["admin", "reseller", "client", "domain"])
def test_home_json_per_role_plesk9(plesk9, role):
    site, httpd = plesk9
    login, password = pick(site, role)
    granted(site, role, login)
    data = assert_home_json(httpd, site, role, login, password)
    assert data["mailbox_count"] > 0


def test_home_json_reseller_counts_own_domains_and_customers(apache, site):
    """The reseller picked owns domains itself and has customers with
    mailboxes: the count must cover both, not only one half."""
    login, password = pick(site, "reseller")
    granted(site, "reseller", login)
    rid = object_id(site, "reseller", login)
    own = int(site.psa_scalar(MAILBOXES + " AND d.cl_id = %d" % rid))
    customers = int(site.psa_scalar(MAILBOXES + " AND c.parent_id = %d"
                                    % rid))
    assert own > 0 and customers > 0, (own, customers)
    data = assert_home_json(apache, site, "reseller", login, password)
    assert data["mailbox_count"] == own + customers


@pytest.mark.expect_log(REFUSED)
def test_domain_admin_with_sym_password_signs_in(apache, site):
    """Plesk 10 stores some domain administrator passwords AES-encrypted
    (sym, the key of plesk_secret_key_file): the password is taken (403:
    domain administrators may not use the module on Plesk 10, not 401)."""
    login = site.psa_scalar(
        "SELECT d.name FROM domains d JOIN smb_users u ON u.login = d.name "
        "JOIN clients c ON c.id = d.cl_id "
        "LEFT JOIN clients p ON p.id = c.parent_id "
        "WHERE u.password LIKE '$AES-128-CBC$%' AND d.status = 0 "
        "AND c.status = 0 AND (p.id IS NULL OR p.status = 0) "
        "GROUP BY d.id ORDER BY d.id LIMIT 1")
    r = apache.get("/oxtender/?format=json",
                   auth=(login, site.password_of(login)))
    assert r.status == 403 and r.json()["error"] == "not_available", r.text


def test_home_json_empty_domain_counts_zero(plesk9):
    site, httpd = plesk9
    login = site.psa_scalar(
        "SELECT d.name FROM domains d JOIN dom_level_usrs u "
        "ON u.dom_id = d.id JOIN clients c ON c.id = d.cl_id "
        "LEFT JOIN clients p ON p.id = c.parent_id "
        "WHERE u.state = 'true' AND d.status = 0 AND c.status = 0 "
        "AND (p.id IS NULL OR p.status = 0) AND NOT EXISTS "
        "(SELECT 1 FROM mail m WHERE m.dom_id = d.id AND m.postbox = 'true') "
        "ORDER BY d.id LIMIT 1")
    granted(site, "domain", login)
    data = assert_home_json(httpd, site, "domain", login,
                            site.password_of(login))
    assert data["mailbox_count"] == 0


def test_home_html(plesk9):
    site, httpd = plesk9
    login, password = pick(site, "client")
    granted(site, "client", login)
    r = httpd.get("/oxtender/", auth=(login, password))
    assert r.status == 200, r.text
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    count = expected_count(site, "client", object_id(site, "client", login))
    assert login in r.text
    assert "client" in r.text
    assert re.search(r">\s*%d\s*<" % count, r.text), \
        "count %d not shown as an element's text:\n%s" % (count, r.text)


@pytest.fixture
def evil_reseller(site):
    """A reseller whose login holds HTML metacharacters, straight in psa,
    with access granted."""
    login, password = 'x<b>&"1', "evil-pw"
    site.psa_sql(
        "INSERT INTO accounts (type, password) VALUES ('plain', %s);\n"
        "INSERT INTO clients (parent_id, type, pname, login, account_id, "
        "status) VALUES (1, 'reseller', 'Evil', %s, LAST_INSERT_ID(), 0);\n"
        % (sql_quote(password), sql_quote(login)))
    rid = object_id(site, "reseller", login)
    site.grant("reseller", rid)
    yield login, password
    site.revoke("reseller", rid)
    site.psa_sql(
        "DELETE a, c FROM clients c JOIN accounts a ON a.id = c.account_id "
        "WHERE c.login = %s;\n" % sql_quote(login))


def test_home_html_escapes_login(apache, evil_reseller):
    login, password = evil_reseller
    r = apache.get("/oxtender/", auth=evil_reseller)
    assert r.status == 200, r.text
    assert "x&lt;b&gt;&amp;&quot;1" in r.text
    assert login not in r.text
    assert "<b>" not in r.text


def test_home_json_escapes_login(apache, evil_reseller):
    r = apache.get("/oxtender/?format=json", auth=evil_reseller)
    assert r.status == 200, r.text
    data = r.json()
    assert data["login"] == evil_reseller[0]
    assert data["role"] == "reseller"
    assert data["mailbox_count"] == 0


def test_post_is_not_allowed(apache, site):
    r = apache.post("/oxtender/", auth=("admin", site.admin_password),
                    body="a=b")
    assert r.status == 405, r.text
    assert "GET" in r.headers.get("Allow", ""), r.headers.get("Allow")


def test_unknown_page_is_404(apache, site):
    r = apache.get("/oxtender/nope", auth=("admin", site.admin_password))
    assert r.status == 404, r.text


def test_unknown_page_without_credentials_is_401(apache):
    """Authentication comes before routing: no page names leak."""
    r = apache.get("/oxtender/nope")
    assert r.status == 401, r.text


def test_head_is_allowed(apache, site):
    r = apache.request("HEAD", "/oxtender/", auth=("admin",
                                                    site.admin_password))
    assert r.status == 200
    assert r.body == b""


# ---- Plesk 8 and 9 schemas --------------------------------------------------
# Same contract on the older psa layouts: no resellers and no admin row on 8
# (admin password in the shadow file), domain administrators in
# dom_level_usrs with an accounts password on 8 and 9.

@pytest.fixture(params=[8, 9], ids=["plesk8", "plesk9"])
def old_plesk(request, plesk_flavour):
    return plesk_flavour(request.param)


def old_domain_admin(site, enabled=True):
    return site.psa_scalar(
        "SELECT d.name FROM domains d JOIN dom_level_usrs u ON u.dom_id = "
        "d.id JOIN clients c ON c.id = d.cl_id "
        "JOIN mail m ON m.dom_id = d.id AND m.postbox = 'true' "
        "WHERE u.state = %s AND d.status = 0 AND c.status = 0 "
        "GROUP BY d.id ORDER BY d.id LIMIT 1"
        % ("'true'" if enabled else "'false'"))


def test_old_plesk_admin(old_plesk):
    site, httpd = old_plesk
    assert_home_json(httpd, site, "admin", "admin", site.admin_password)


def test_old_plesk_client(old_plesk):
    site, httpd = old_plesk
    login = site.psa_scalar(
        "SELECT c.login FROM clients c JOIN domains d ON d.cl_id = c.id "
        "JOIN mail m ON m.dom_id = d.id AND m.postbox = 'true' "
        "WHERE c.status = 0 AND c.login LIKE 'client%' "
        "GROUP BY c.id ORDER BY c.id LIMIT 1")
    granted(site, "client", login)
    assert_home_json(httpd, site, "client", login, site.password_of(login))


def test_old_plesk_domain_admin(old_plesk):
    site, httpd = old_plesk
    login = old_domain_admin(site)
    granted(site, "domain", login)
    assert_home_json(httpd, site, "domain", login, site.password_of(login))


@pytest.mark.expect_log("OXT00200")
def test_old_plesk_domain_admin_with_login_off(old_plesk):
    """dom_level_usrs.state = 'false': Plesk refuses that login, so do we."""
    site, httpd = old_plesk
    login = site.psa_scalar(
        "SELECT d.name FROM domains d JOIN dom_level_usrs u ON u.dom_id = "
        "d.id WHERE u.state = 'false' ORDER BY d.id LIMIT 1")
    r = httpd.get("/oxtender/?format=json",
                  auth=(login, site.password_of(login)))
    assert r.status == 401, (r.status, r.text)
    assert "mailbox_count" not in r.text


@pytest.mark.expect_log("AH00484", "AH10159")
def test_home_concurrent_requests(plesk9):
    """Many requests at once over both server processes and their
    connection pools: every answer is the caller's own. More clients than
    MaxRequestWorkers on purpose (every thread busy at once), so httpd's
    AH00484 "server reached MaxRequestWorkers" (or, when the spare threads
    run out first, AH10159 "within MinSpareThreads") is expected."""
    from concurrent.futures import ThreadPoolExecutor
    site, httpd = plesk9
    subjects = []
    for role in ("admin", "reseller", "client", "domain"):
        login, password = pick(site, role)
        granted(site, role, login)
        subjects.append(((login, password),
                         expected_identity(site, role, login)))

    def one(i):
        auth, want = subjects[i % len(subjects)]
        r = httpd.get("/oxtender/?format=json", auth=auth)
        got = r.json() if r.status == 200 else r.text
        if isinstance(got, dict):
            got.pop("health", None)             # test_home_health.py
        return r.status, got, want

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(one, range(480)))
    wrong = [(s, got, want) for s, got, want in results
             if s != 200 or got != want]
    assert not wrong, wrong[:5]
