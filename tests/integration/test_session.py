"""The production sign-in: the Plesk session cookie (PHPSESSID) looked up
in psa.sessions, as the panel leaves it after its own sign-in.

A session counts when its row exists, its last click is no older than the
idle timeout (OxtenderSessionIdleTimeout, 1800 s) and it was made from the
caller's address (behind Plesk's nginx: the address in X-Forwarded-For,
believed only from an OxtenderTrustedProxy). Its login maps to the same
identity as HTTP Basic gives. Ids in URLs and the cl_id/dom_id of a custom
button are never believed.
"""

import pytest

from harness.accounts import granted, pick
from harness.mariadb import sql_quote

HOME = "/oxtender/?format=json"
REFUSED = "AH01631"


def home(httpd, sid, path=HOME, **kw):
    return httpd.get(path, session=sid, **kw)


def without_auth(data):
    return {k: v for k, v in data.items() if k != "auth"}


@pytest.fixture
def reseller(site):
    """(login, id) of an active reseller of the Plesk 10 site, granted."""
    login, rid = site.psa(
        "SELECT login, id FROM clients WHERE type = 'reseller' AND "
        "status = 0 ORDER BY id LIMIT 1")[0]
    site.grant("reseller", int(rid))
    yield login, int(rid)
    site.revoke("reseller", int(rid))


@pytest.fixture
def session_of(site):
    """session_of(login, **row) -> a session id; rows go after the test."""
    made = []

    def make(login, **kw):
        sid = site.add_session(login, **kw)
        made.append(sid)
        return sid

    yield make
    for sid in made:
        site.drop_session(sid)


def test_a_session_signs_the_admin_in(apache, site, session_of):
    r = home(apache, session_of("admin"))
    assert r.status == 200, r.text
    data = r.json()
    assert (data["login"], data["role"], data["auth"]) == \
        ("admin", "admin", "session")


def test_session_and_basic_give_the_same_identity(apache, site, reseller,
                                                  session_of):
    login, _ = reseller
    by_session = home(apache, session_of(login))
    by_basic = apache.get(HOME, auth=(login, site.password_of(login)))
    assert by_session.status == by_basic.status == 200, \
        (by_session.text, by_basic.text)
    assert by_session.json()["auth"] == "session"
    assert by_basic.json()["auth"] == "basic"
    assert without_auth(by_session.json()) == without_auth(by_basic.json())


@pytest.mark.parametrize("role", ["admin", "reseller", "client", "domain"])
def test_same_identity_on_plesk9_for_every_role(plesk_flavour, role):
    site, httpd = plesk_flavour(9)
    login, password = pick(site, role)
    granted(site, role, login)
    sid = site.add_session(login)
    try:
        by_session = home(httpd, sid)
        by_basic = httpd.get(HOME, auth=(login, password))
    finally:
        site.drop_session(sid)
    assert by_session.status == by_basic.status == 200, \
        (by_session.text, by_basic.text)
    assert without_auth(by_session.json()) == without_auth(by_basic.json())


def test_plesk8_admin_by_session(plesk_flavour):
    site, httpd = plesk_flavour(8)
    sid = site.add_session("admin")
    try:
        r = home(httpd, sid)
    finally:
        site.drop_session(sid)
    assert r.status == 200, r.text
    assert (r.json()["role"], r.json()["object_id"]) == ("admin", 0)


def test_an_expired_session_is_refused(apache, session_of):
    sid = session_of("admin", idle=1801)
    r = home(apache, sid)
    assert r.status == 401, r.text
    assert r.json()["error"] == "not_signed_in"
    # the same session a moment younger is still good
    assert home(apache, session_of("admin", idle=1700)).status == 200


def test_a_session_of_another_address_is_refused(apache, session_of):
    assert home(apache, session_of("admin", ip="127.0.0.31"),
                source="127.0.0.32").status == 401
    assert home(apache, session_of("admin", ip="127.0.0.31"),
                source="127.0.0.31").status == 200


def test_an_unknown_session_is_refused(apache):
    assert home(apache, "0123456789abcdef0123456789abcdef").status == 401


def test_a_session_id_in_the_url_is_never_accepted(apache, session_of):
    sid = session_of("admin")
    for path in ("/oxtender/?format=json&PHPSESSID=%s" % sid,
                 "/oxtender/;PHPSESSID=%s?format=json" % sid):
        r = apache.get(path)
        assert r.status in (401, 404), (path, r.status, r.text)
        assert "mailbox_count" not in r.text


def test_button_ids_are_never_believed(apache, site, reseller, session_of):
    """A custom button may add cl_id and dom_id to the URL: anybody can
    write other numbers there. The identity comes from the session."""
    login, rid = reseller
    other = site.psa("SELECT id FROM clients WHERE id <> %d AND type = "
                     "'client' ORDER BY id LIMIT 1" % rid)[0][0]
    sid = session_of(login)
    plain = home(apache, sid).json()
    forged = home(apache, sid, path="/oxtender/?format=json&cl_id=%s"
                  "&dom_id=1&pname=admin" % other)
    assert forged.status == 200, forged.text
    assert forged.json() == plain
    assert forged.json()["object_id"] == rid


def test_a_planted_second_session_cookie_is_refused(apache, session_of):
    good, evil = session_of("admin"), session_of("admin", ip="127.0.0.33")
    r = apache.get(HOME, headers={"Cookie": "PHPSESSID=%s; PHPSESSID=%s"
                                  % (good, evil)})
    assert r.status == 401, r.text


def test_the_session_of_a_mailbox_user_is_refused(apache, site, session_of):
    """Mail users may sign in to the panel too; they are not ours."""
    address = site.psa_scalar(
        "SELECT CONCAT(m.mail_name, '@', d.name) FROM mail m JOIN domains d "
        "ON d.id = m.dom_id WHERE m.postbox = 'true' ORDER BY m.id LIMIT 1")
    assert home(apache, session_of(address)).status == 401


@pytest.mark.expect_log(REFUSED)
def test_the_session_of_a_locked_panel_user_is_refused(site, apache,
                                                       session_of):
    name = site.psa_scalar("SELECT login FROM smb_users ORDER BY id LIMIT 1")
    sid = session_of(name)
    assert home(apache, sid).status == 403      # known, Plesk 10 domain
    site.psa_sql("UPDATE smb_users SET isLocked = 1 WHERE login = %s"
                 % sql_quote(name))
    try:
        assert home(apache, sid).status == 401
    finally:
        site.psa_sql("UPDATE smb_users SET isLocked = 0 WHERE login = %s"
                     % sql_quote(name))


@pytest.mark.expect_log(REFUSED)
def test_a_suspended_account_is_refused_by_session_too(apache, site,
                                                       session_of):
    login = site.psa_scalar("SELECT login FROM clients WHERE type = "
                            "'reseller' AND status <> 0 ORDER BY id LIMIT 1")
    r = home(apache, session_of(login))
    assert r.status == 403 and r.json()["error"] == "suspended", r.text


def test_r_user_is_the_canonical_login(apache, site, session_of):
    home(apache, session_of("admin"), path="/oxtender/?format=json&x=canon")
    apache.settle()
    with open(apache.access_log_path) as f:
        line = [l for l in f if "x=canon" in l][-1]
    assert line.split(" ")[2] == "admin", line


# ---- the directives --------------------------------------------------------

@pytest.fixture(scope="module")
def proxied(site, apache_factory):
    """An Apache behind a 'proxy' at 127.0.0.1, with a second <Location>
    /oxt2 that names another cookie, a 60 s idle timeout and no Basic."""
    return apache_factory("apache-proxied", site.config, extra="""
OxtenderTrustedProxy 127.0.0.1
OxtenderClientAddressHeader X-Forwarded-For
<Location /oxt2>
    SetHandler oxtender
    OxtenderBaseURI /oxt2
    AuthType Oxtender
    AuthName "OXtender"
    AuthzSendForbiddenOnFailure On
    Require oxtender-role admin reseller client domain
    OxtenderSessionCookie PLESKSESSID
    OxtenderSessionIdleTimeout 60
    OxtenderBasicAuth Off
</Location>""")


def test_client_address_from_the_trusted_proxy(proxied, session_of):
    sid = session_of("admin", ip="198.51.100.7")
    xff = {"X-Forwarded-For": "10.9.9.9, 198.51.100.7"}
    assert home(proxied, sid, headers=xff).status == 200
    # the proxy's own address is not the client's
    assert home(proxied, sid).status == 401
    # from anywhere but the proxy the header is ignored
    assert home(proxied, sid, headers=xff, source="127.0.0.34").status == 401


def test_cookie_name_idle_timeout_and_basic_off(proxied, site, session_of):
    fresh, old = session_of("admin", idle=10), session_of("admin", idle=90)
    assert home(proxied, fresh, path="/oxt2/?format=json",
                cookie="PLESKSESSID").status == 200
    assert home(proxied, old, path="/oxt2/?format=json",
                cookie="PLESKSESSID").status == 401
    # the other cookie name is not this location's
    assert home(proxied, fresh, path="/oxt2/?format=json").status == 401
    r = proxied.get("/oxt2/?format=json", auth=("admin",
                                                 site.admin_password))
    assert r.status == 401, r.text
    assert "WWW-Authenticate" not in r.headers


def test_stale_sessions_of_the_panel_sign_nobody_in(apache, site):
    """Generated psa data holds sign-ins Plesk left behind years ago (as
    every panel has): none of them counts, from any address."""
    rows = site.psa("SELECT sess_id, ip_address FROM sessions WHERE "
                    "click_time < '2012-01-01'")
    assert len(rows) == 5, rows
    for sid, ip in rows:
        assert home(apache, sid).status == 401
