"""Access grants (user guide ch. 2 Note, chapters 3-5), per Plesk version.

The admin always has access. A reseller needs it granted by the admin; a
client by the admin or its reseller; a domain administrator by the admin,
its reseller or its client. A grant is the Access tick on the object
itself (prefs.access). Without one: 403, a page saying who can grant it.
The reseller level exists from Plesk 9; from Plesk 10 clients and domain
administrators are forbidden the module. Suspension anywhere up the owner
chain refuses every level.
"""
import contextlib

import pytest

from harness.accounts import object_id
from harness.mariadb import sql_quote

HOME = "/oxtender/?format=json"
REFUSED = "AH01631"
pytestmark = pytest.mark.expect_log(REFUSED)


def get(httpd, site, login):
    return httpd.get(HOME, auth=(login, site.password_of(login)))


def refusal(r):
    assert r.status == 403, (r.status, r.text)
    body = r.json()
    assert "mailbox_count" not in body
    return body["error"], [(g["role"], g.get("name"))
                           for g in body.get("can_grant", [])]


@contextlib.contextmanager
def grant(site, level, plesk_id):
    site.grant(level, plesk_id)
    try:
        yield
    finally:
        site.revoke(level, plesk_id)


def pname(site, cid):
    return site.psa_scalar("SELECT pname FROM clients WHERE id = %d" % cid)


def active_client(site, owner_type):
    """(login, id, owner id) of an active client whose owner is a reseller
    or the admin, both active."""
    row = site.psa(
        "SELECT c.login, c.id, p.id FROM clients c JOIN clients p ON p.id = "
        "c.parent_id WHERE c.type = 'client' AND c.status = 0 AND "
        "p.status = 0 AND p.type = %s ORDER BY c.id LIMIT 1"
        % sql_quote(owner_type))[0]
    return row[0], int(row[1]), int(row[2])


def active_domain(site, where):
    """(login, id, owner id) of an active domain administrator."""
    join = ("JOIN dom_level_usrs u ON u.dom_id = d.id AND u.state = 'true'"
            if site.flavour < 10 else
            "JOIN smb_users u ON u.login = d.name AND u.isLocked = 0")
    row = site.psa(
        "SELECT d.name, d.id, c.id FROM domains d %s JOIN clients c ON "
        "c.id = d.cl_id WHERE d.status = 0 AND c.status = 0 AND %s "
        "ORDER BY d.id LIMIT 1" % (join, where))[0]
    return row[0], int(row[1]), int(row[2])


# ---- Plesk 10 ---------------------------------------------------------------

def test_admin_always_has_access(plesk_flavour):
    for f in (8, 9, 10):
        site, httpd = plesk_flavour(f)
        r = httpd.get(HOME, auth=("admin", site.admin_password))
        assert r.status == 200, (f, r.text)


@pytest.mark.parametrize("flavour", [9, 10])
def test_reseller_needs_the_admins_grant(plesk_flavour, flavour):
    site, httpd = plesk_flavour(flavour)
    login, rid = site.psa("SELECT login, id FROM clients WHERE type = "
                          "'reseller' AND status = 0 ORDER BY id LIMIT 1")[0]
    rid = int(rid)
    assert refusal(get(httpd, site, login)) == ("not_granted",
                                                [("admin", None)])
    with grant(site, "reseller", rid):
        assert get(httpd, site, login).status == 200
    # taken back: refused again, at once
    assert get(httpd, site, login).status == 403


def test_plesk10_forbids_clients_and_domains(apache, site):
    client, cid, _ = active_client(site, "reseller")
    domain, did, _ = active_domain(site, "c.type = 'client'")
    with grant(site, "client", cid), grant(site, "domain", did):
        assert refusal(get(apache, site, client)) == ("not_available", [])
        assert refusal(get(apache, site, domain)) == ("not_available", [])


def test_the_refusal_page_says_who_can_grant(plesk_flavour):
    site, httpd = plesk_flavour(9)
    login, cid, rid = active_client(site, "reseller")
    r = httpd.get("/oxtender/", auth=(login, site.password_of(login)))
    assert r.status == 403, r.text
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "has not been granted" in r.text
    assert "the administrator" in r.text
    assert "your reseller" in r.text


# ---- Plesk 9 ------------------------------------------------------------------

def test_plesk9_client_of_a_reseller(plesk_flavour):
    site, httpd = plesk_flavour(9)
    login, cid, rid = active_client(site, "reseller")
    assert refusal(get(httpd, site, login)) == (
        "not_granted", [("admin", None), ("reseller", pname(site, rid))])
    # the reseller's own grant is not its clients'
    with grant(site, "reseller", rid):
        assert get(httpd, site, login).status == 403
    with grant(site, "client", cid):
        assert get(httpd, site, login).status == 200


def test_plesk9_client_of_the_admin(plesk_flavour):
    site, httpd = plesk_flavour(9)
    login, cid, _ = active_client(site, "admin")
    assert refusal(get(httpd, site, login)) == ("not_granted",
                                                [("admin", None)])
    with grant(site, "client", cid):
        assert get(httpd, site, login).status == 200


def test_plesk9_domain_of_a_resellers_client(plesk_flavour):
    site, httpd = plesk_flavour(9)
    login, did, cid = active_domain(
        site, "c.type = 'client' AND EXISTS (SELECT 1 FROM clients r WHERE "
              "r.id = c.parent_id AND r.type = 'reseller' AND r.status = 0)")
    rid = int(site.psa_scalar("SELECT parent_id FROM clients WHERE id = %d"
                              % cid))
    assert refusal(get(httpd, site, login)) == (
        "not_granted", [("admin", None), ("reseller", pname(site, rid)),
                        ("client", pname(site, cid))])
    with grant(site, "client", cid):
        assert get(httpd, site, login).status == 403
    with grant(site, "domain", did):
        r = get(httpd, site, login)
        assert r.status == 200 and r.json()["object_id"] == did, r.text


def test_plesk9_domain_of_a_reseller(plesk_flavour):
    """dom7 belongs to a reseller directly: no client above it."""
    site, httpd = plesk_flavour(9)
    login, did, rid = active_domain(site, "c.type = 'reseller'")
    assert refusal(get(httpd, site, login)) == (
        "not_granted", [("admin", None), ("reseller", pname(site, rid))])


def test_plesk9_suspension_up_the_chain(plesk_flavour):
    """A domain whose own and client's status are 0, below a suspended
    reseller: suspended (before, only the domain's direct owner was read)."""
    site, httpd = plesk_flavour(9)
    login, did, cid = active_domain(
        site, "c.type = 'client' AND EXISTS (SELECT 1 FROM clients r WHERE "
              "r.id = c.parent_id AND r.type = 'reseller')")
    rid = int(site.psa_scalar("SELECT parent_id FROM clients WHERE id = %d"
                              % cid))
    with grant(site, "domain", did):
        assert get(httpd, site, login).status == 200
        site.psa_sql("UPDATE clients SET status = 16 WHERE id = %d" % rid)
        try:
            assert refusal(get(httpd, site, login))[0] == "suspended"
        finally:
            site.psa_sql("UPDATE clients SET status = 0 WHERE id = %d"
                         % rid)


# ---- Plesk 8 ------------------------------------------------------------------

def test_plesk8_clients_and_domains(plesk_flavour):
    """No resellers: the admin alone grants a client; a domain's client
    can grant it too."""
    site, httpd = plesk_flavour(8)
    login = site.psa_scalar("SELECT login FROM clients WHERE status = 0 "
                            "ORDER BY id LIMIT 1")
    cid = object_id(site, "client", login)
    assert refusal(get(httpd, site, login)) == ("not_granted",
                                                [("admin", None)])
    with grant(site, "client", cid):
        assert get(httpd, site, login).status == 200
    domain, did, owner = active_domain(site, "1 = 1")
    assert refusal(get(httpd, site, domain)) == (
        "not_granted", [("admin", None), ("client", pname(site, owner))])
    with grant(site, "domain", did):
        assert get(httpd, site, domain).status == 200
    # a reseller grant row means nothing without the reseller level
    site.grant("reseller", cid)
    try:
        assert get(httpd, site, login).status == 403
    finally:
        site.revoke("reseller", cid)


# ---- Plesk 10 subscriptions -------------------------------------------------

def test_plesk10_suspended_subscription(apache, site):
    """An additional domain of a suspended subscription is suspended."""
    login, did, sub = site.psa(
        "SELECT d.name, d.id, d.webspace_id FROM domains d JOIN smb_users u "
        "ON u.login = d.name JOIN clients c ON c.id = d.cl_id WHERE "
        "d.webspace_id <> 0 AND d.status = 0 AND c.status = 0 "
        "ORDER BY d.id LIMIT 1")[0]
    assert refusal(get(apache, site, login))[0] == "not_available"
    old = site.psa_scalar("SELECT status FROM domains WHERE id = %s" % sub)
    site.psa_sql("UPDATE domains SET status = 16 WHERE id = %s" % sub)
    try:
        assert refusal(get(apache, site, login))[0] == "suspended"
    finally:
        site.psa_sql("UPDATE domains SET status = %s WHERE id = %s"
                     % (old, sub))
