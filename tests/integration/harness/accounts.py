"""Panel accounts of a generated site, picked and described with SQL on
its psa database: what the home page must say about them.

    login, password = pick(site, "client")    # active, holds mailboxes
    granted(site, "client", login)            # prefs.access of its object
    expected_identity(site, "client", login)  # the home page's JSON twin
"""
from .mariadb import sql_quote

MAILBOXES = ("SELECT COUNT(*) FROM mail m JOIN domains d ON d.id = m.dom_id "
             "LEFT JOIN clients c ON c.id = d.cl_id WHERE m.postbox = 'true'")


def expected_count(site, role, object_id):
    if role == "admin":
        sql = "SELECT COUNT(*) FROM mail WHERE postbox = 'true'"
    elif role == "reseller":
        sql = MAILBOXES + " AND (d.cl_id = %d OR c.parent_id = %d)" % (
            object_id, object_id)
    elif role == "client":
        sql = MAILBOXES + " AND d.cl_id = %d" % object_id
    else:
        sql = ("SELECT COUNT(*) FROM mail WHERE postbox = 'true' "
               "AND dom_id = %d" % object_id)
    return int(site.psa_scalar(sql))


def object_id(site, role, login):
    if role == "admin" and site.flavour == 8:
        return 0
    if role == "domain":
        return int(site.psa_scalar("SELECT id FROM domains WHERE name = %s"
                                   % sql_quote(login)))
    return int(site.psa_scalar("SELECT id FROM clients WHERE login = %s"
                               % sql_quote(login)))


def chain_of_owner(site, owner_id):
    """(reseller_id, client_id) of the chain below a clients row."""
    if site.flavour == 8:
        return 0, owner_id
    kind, parent, ptype = site.psa(
        "SELECT c.type, COALESCE(p.id, 0), p.type FROM clients c LEFT JOIN "
        "clients p ON p.id = c.parent_id WHERE c.id = %d" % owner_id)[0]
    if kind == "reseller":
        return owner_id, 0
    if kind == "admin":
        return 0, 0
    return (int(parent) if ptype == "reseller" else 0), owner_id


def expected_identity(site, role, login, auth="basic"):
    """What the home page must say about login, from psa itself."""
    oid = object_id(site, role, login)
    ident = {"login": login, "role": role, "object_id": oid, "auth": auth,
             "reseller_id": 0, "client_id": 0}
    if role == "admin" and site.flavour == 8:
        ident["name"] = "Administrator"
    elif role == "domain":
        name, owner = site.psa("SELECT displayName, cl_id FROM domains "
                               "WHERE id = %d" % oid)[0]
        ident["name"] = name
        ident["reseller_id"], ident["client_id"] = \
            chain_of_owner(site, int(owner))
    else:
        ident["name"] = site.psa_scalar("SELECT pname FROM clients WHERE "
                                        "id = %d" % oid)
        if role != "admin":
            ident["reseller_id"], ident["client_id"] = \
                chain_of_owner(site, oid)
    ident["mailbox_count"] = expected_count(site, role, oid)
    return ident


def pick(site, role):
    """(login, password) of an active account of the role holding
    mailboxes; for a reseller, one that also owns domains directly, so
    both halves of its subtree are counted."""
    if role == "admin":
        return "admin", site.admin_password
    if role == "reseller":
        sql = ("SELECT r.login FROM clients r JOIN domains d "
               "ON d.cl_id = r.id "
               "JOIN mail m ON m.dom_id = d.id AND m.postbox = 'true' "
               "WHERE r.type = 'reseller' AND r.status = 0 "
               "AND EXISTS (SELECT 1 FROM clients c WHERE c.parent_id = r.id "
               "AND c.status = 0) GROUP BY r.id ORDER BY r.id LIMIT 1")
    elif role == "client":
        sql = ("SELECT c.login FROM clients c JOIN clients p "
               "ON p.id = c.parent_id JOIN domains d ON d.cl_id = c.id "
               "JOIN mail m ON m.dom_id = d.id AND m.postbox = 'true' "
               "WHERE c.type = 'client' AND c.status = 0 AND p.status = 0 "
               "GROUP BY c.id HAVING COUNT(DISTINCT d.id) > 1 "
               "ORDER BY c.id LIMIT 1")
    else:
        sql = ("SELECT d.name FROM domains d JOIN dom_level_usrs u "
               "ON u.dom_id = d.id JOIN clients c ON c.id = d.cl_id "
               "LEFT JOIN clients p ON p.id = c.parent_id "
               "JOIN mail m ON m.dom_id = d.id AND m.postbox = 'true' "
               "WHERE u.state = 'true' AND d.status = 0 AND c.status = 0 "
               "AND (p.id IS NULL OR p.status = 0) "
               "GROUP BY d.id ORDER BY d.id LIMIT 1")
    login = site.psa_scalar(sql)
    return login, site.password_of(login)


def granted(site, role, login):
    """Grants access to login's own object (a no-op for the admin)."""
    if role != "admin":
        site.grant(role, object_id(site, role, login))
