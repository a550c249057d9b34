"""HTTP Basic authentication of panel logins against psa (AuthType
Oxtender with OxtenderBasicAuth on, the default), and refusal of suspended
accounts.

Every refused login is logged at level warn with OXT00200 (the line
fail2ban reads): that tag is expected where a test sends bad credentials,
nowhere else. A signed-in account that may not enter (suspended, no
access) is refused by `Require oxtender-role`, which mod_authz_core logs
as AH01631 (error).
"""
import re

import pytest


REALM = 'Basic realm="OXtender", charset="UTF-8"'
HOME = "/oxtender/?format=json"
FAILED = "OXT00200"
REFUSED = "AH01631"


def assert_challenge(r):
    assert r.status == 401, (r.status, r.text)
    assert r.headers.get("WWW-Authenticate") == REALM, \
        r.headers.get_all("WWW-Authenticate")
    assert "mailbox_count" not in r.text


def assert_refused(r, why="suspended"):
    """Suspended: the password was right, entry is still refused."""
    assert r.status == 403, (r.status, r.text)
    assert "mailbox_count" not in r.text
    if r.headers.get("Content-Type", "").startswith("application/json"):
        assert r.json()["error"] == why, r.text


def test_no_credentials(apache):
    assert_challenge(apache.get(HOME))


@pytest.mark.expect_log(FAILED)
def test_wrong_password(apache, site):
    assert_challenge(apache.get(HOME, auth=("admin", "not-the-password")))


@pytest.mark.expect_log(FAILED)
def test_other_accounts_password(apache, site):
    assert_challenge(apache.get(HOME, auth=("client1", "client4-pw")))


@pytest.mark.expect_log(FAILED)
def test_empty_password(apache, site):
    assert_challenge(apache.get(HOME, auth=("client1", "")))


@pytest.mark.expect_log(FAILED)
def test_password_prefix_is_not_enough(apache, site):
    assert_challenge(apache.get(HOME, auth=("admin",
                                            site.admin_password[:-1])))


@pytest.mark.expect_log(FAILED)
def test_unknown_user(apache):
    assert_challenge(apache.get(HOME, auth=("nobody-such", "x-pw")))


@pytest.mark.expect_log(FAILED)
def test_mailbox_address_is_not_a_panel_login(apache, site):
    """Mailbox users are not panel users, even with their right password."""
    name, domain = site.psa(
        "SELECT m.mail_name, d.name FROM mail m JOIN domains d "
        "ON d.id = m.dom_id JOIN accounts a ON a.id = m.account_id "
        "WHERE m.postbox = 'true' AND a.type = 'plain' AND d.status = 0 "
        "ORDER BY m.id LIMIT 1")[0]
    address = "%s@%s" % (name, domain)
    assert_challenge(apache.get(HOME, auth=(address, address + "-pw")))


@pytest.mark.expect_log(FAILED)
def test_sql_metacharacters_in_login(apache, site):
    assert_challenge(apache.get(HOME, auth=("admin' OR '1'='1",
                                            "x' OR '1'='1")))


def suspended_client(site, status_sql):
    return site.psa_scalar(
        "SELECT login FROM clients WHERE type = 'client' AND %s "
        "ORDER BY id LIMIT 1" % status_sql)


@pytest.mark.expect_log(REFUSED)
def test_suspended_client(apache, site):
    login = suspended_client(site, "status <> 0")
    r = apache.get(HOME, auth=(login, site.password_of(login)))
    assert_refused(r)


@pytest.mark.expect_log(REFUSED)
def test_suspended_client_html(apache, site):
    login = suspended_client(site, "status <> 0")
    r = apache.get("/oxtender/", auth=(login, site.password_of(login)))
    assert_refused(r)
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.expect_log(REFUSED)
def test_suspended_reseller(apache, site):
    login = site.psa_scalar("SELECT login FROM clients WHERE type = "
                            "'reseller' AND status <> 0 ORDER BY id LIMIT 1")
    assert_refused(apache.get(HOME, auth=(login, site.password_of(login))))


@pytest.mark.expect_log(REFUSED)
def test_client_of_suspended_reseller(apache, site):
    """The client's own status is what Plesk sets (2), but even with 0 the
    owner's suspension must keep it out: force 0 for the test."""
    login, cid, old = site.psa(
        "SELECT c.login, c.id, c.status FROM clients c JOIN clients r "
        "ON r.id = c.parent_id WHERE c.type = 'client' AND r.type = "
        "'reseller' AND r.status <> 0 ORDER BY c.id LIMIT 1")[0]
    site.psa_sql("UPDATE clients SET status = 0 WHERE id = %s" % cid)
    try:
        assert_refused(apache.get(HOME, auth=(login,
                                              site.password_of(login))))
    finally:
        site.psa_sql("UPDATE clients SET status = %s WHERE id = %s"
                     % (old, cid))


@pytest.mark.expect_log(REFUSED)
def test_suspended_domain_admin(apache, site):
    login = site.psa_scalar(
        "SELECT d.name FROM domains d JOIN smb_users u ON u.login = d.name "
        "JOIN clients c ON c.id = d.cl_id WHERE d.status NOT IN (0, 2) "
        "AND c.status = 0 ORDER BY d.id LIMIT 1")
    assert_refused(apache.get(HOME, auth=(login, site.password_of(login))))


@pytest.mark.expect_log(REFUSED)
def test_domain_admin_of_suspended_client(apache, site):
    login = site.psa_scalar(
        "SELECT d.name FROM domains d JOIN smb_users u ON u.login = d.name "
        "JOIN clients c ON c.id = d.cl_id WHERE c.status <> 0 "
        "ORDER BY d.id LIMIT 1")
    assert_refused(apache.get(HOME, auth=(login, site.password_of(login))))


@pytest.mark.expect_log(FAILED)
def test_suspended_client_wrong_password_is_401(apache, site):
    """A suspended account with a wrong password learns nothing more."""
    login = suspended_client(site, "status <> 0")
    assert_challenge(apache.get(HOME, auth=(login, "wrong-pw")))


@pytest.mark.expect_log(REFUSED)
def test_client_comes_back_when_unsuspended(plesk_flavour):
    """Status is read per request, not cached: 0 lets the client in (on
    Plesk 9, where clients may be granted access)."""
    site, httpd = plesk_flavour(9)
    login, cid, old = site.psa(
        "SELECT c.login, c.id, c.status FROM clients c LEFT JOIN clients p "
        "ON p.id = c.parent_id WHERE c.type = 'client' AND c.status <> 0 "
        "AND (p.id IS NULL OR p.status = 0) ORDER BY c.id LIMIT 1")[0]
    auth = (login, site.password_of(login))
    site.grant("client", cid)
    try:
        assert_refused(httpd.get(HOME, auth=auth))
        site.psa_sql("UPDATE clients SET status = 0 WHERE id = %s" % cid)
        r = httpd.get(HOME, auth=auth)
        assert r.status == 200, r.text
        assert r.json()["login"] == login
    finally:
        site.revoke("client", cid)
        site.psa_sql("UPDATE clients SET status = %s WHERE id = %s"
                     % (old, cid))


@pytest.mark.expect_log(patterns=[r"\bOXT\d{5}\b"])
def test_database_down(site, apache_factory):
    """No database: a server error (5xx), never a 401 that would make
    people retype passwords, never a page; the password is not logged."""
    import os
    from harness import env
    config = site.write_config(os.path.join(site.root, "db-down.conf"),
                               db_port=env.free_port(),
                               db_connect_timeout=3)
    httpd = apache_factory("apache-db-down", config)
    r = httpd.get(HOME, auth=("admin", site.admin_password))
    assert r.status in (500, 503), (r.status, r.text)
    assert "mailbox_count" not in r.text
    httpd.settle()
    with open(httpd.error_log_path) as f:
        log = f.read()
    assert site.db_password not in log
    assert site.admin_password not in log
    assert re.search(r"\[oxtender:(error|crit)\].*OXT\d{5}", log), log[-2000:]



@pytest.mark.expect_log("OXT00350", "OXT00200", "AH01617")
def test_sym_login_without_plesk_key_says_so_once(site, apache_factory,
                                                 tmp_path):
    """Plesk's key unreadable: a login whose password is stored as sym
    fails (401) and the error log says why, once per server process and
    not once per request; other logins are unaffected (docs/install.md,
    section 3)."""
    import os
    rows = site.psa("SELECT u.login FROM smb_users u JOIN domains d"
                    " ON d.name = u.login WHERE d.status = 0 AND"
                    " u.password LIKE '$AES-128-CBC$%' ORDER BY d.id LIMIT 1")
    assert rows, "oxt-gendata gives every third domain admin a sym password"
    login = rows[0][0]
    config = site.write_config(os.path.join(site.root, "no-plesk-key.conf"),
                               plesk_secret_key_file=str(tmp_path / "none"))
    # Many refused logins on purpose: the guessing throttle is not what
    # this test is about.
    httpd = apache_factory("apache-no-plesk-key", config,
                           extra="OxtenderLoginThrottle Off")
    for _ in range(8):
        r = httpd.get(HOME, auth=(login, site.password_of(login)))
        assert r.status == 401, (r.status, r.text)
    assert httpd.get(HOME, auth=("admin", site.admin_password)).status == 200
    httpd.settle()
    with open(httpd.error_log_path) as f:
        lines = [l for l in f if "OXT00350" in l]
    # the harness runs at most two server processes (ServerLimit 2)
    assert 1 <= len(lines) <= 2, lines
    assert "[oxtender:error]" in lines[0] and \
        "plesk_secret_key_file" in lines[0], lines
