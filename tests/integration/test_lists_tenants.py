"""The tenant matrix of the lists (issue "management pages, part 1"):
every route x every role x an own, a sibling and a parent object, for
reads and for every POST, on Plesk 8, 9 and 10 (the grant rules differ).
Nobody reads or writes anything outside their part of the server, and a
forged filter or id answers 404 exactly like one that does not exist.

Objects, for a caller:
  own      in its part of the server (a reseller's client or domain, a
           client's domain, a domain administrator's own domain);
  sibling  the same kind, somebody else's at the same level (another
           reseller's, another client's, another domain);
  parent   above it (the reseller of a client, the client of a domain, the
           admin's own client or domain for a reseller).
"""
import re
import urllib.parse

import pytest

ROUTES = ("resellers", "clients", "domains")
ALLOWED = {"admin": {"resellers", "clients", "domains"},
           "reseller": {"clients", "domains"},
           "client": {"domains"}, "domain": set()}
MISSING = 999999
REFUSED = "AH01631"
pytestmark = pytest.mark.expect_log(REFUSED)


def ids_of(ls, route, who, **query):
    r = ls.get(route, who, format="json", per_page="all", **query)
    assert r.status == 200, (route, query, r.status, r.text)
    return {i["id"] for i in r.json()["items"]}


def not_found(r):
    """404 with the same body whatever the id."""
    assert r.status == 404, (r.status, r.text)
    return r.text


def setup_callers(ls):
    """{role: (login, password, id)} with access granted where possible,
    and {role: {"own"|"sibling"|"parent": {kind: id}}}."""
    site, f = ls.site, ls.flavour
    sql = site.psa
    callers, objs = {"admin": ls.admin + (0,)}, {}
    if f >= 9:
        r1, r2 = [int(x) for (x,) in sql(
            "SELECT r.id FROM clients r WHERE r.type = 'reseller' AND"
            " r.status = 0 AND r.login LIKE 'reseller%' AND EXISTS (SELECT 1"
            " FROM clients c JOIN domains d ON d.cl_id = c.id WHERE"
            " c.parent_id = r.id AND c.status = 0 AND d.status = 0)"
            " ORDER BY r.id LIMIT 2")]
    else:
        r1 = r2 = None
    # a client with two domains (of r1 on 9+), another client
    where = "AND c.parent_id = %d" % r1 if r1 else ""
    c1 = int(sql("SELECT c.id FROM clients c JOIN domains d ON d.cl_id ="
                 " c.id WHERE c.status = 0 AND d.status = 0 AND c.login LIKE"
                 " 'client%%' %s GROUP BY c.id HAVING COUNT(*) > 1 ORDER BY"
                 " c.id LIMIT 1" % where)[0][0])
    c2 = int(sql("SELECT c.id FROM clients c JOIN domains d ON d.cl_id ="
                 " c.id WHERE c.id <> %d AND c.login LIKE 'client%%' %s"
                 " ORDER BY c.id LIMIT 1" % (c1, where if f < 9 else
                                              "AND c.parent_id = %d" % r2)
                 )[0][0])
    d1, d_sib = [int(x) for (x,) in sql(
        "SELECT id FROM domains WHERE cl_id = %d AND status = 0 ORDER BY id"
        " LIMIT 2" % c1)]
    d_other = int(sql("SELECT id FROM domains WHERE cl_id = %d ORDER BY id"
                      " LIMIT 1" % c2)[0][0])
    admin_c = admin_d = None
    if f >= 9:
        admin_c = int(sql("SELECT c.id FROM clients c JOIN domains d ON"
                          " d.cl_id = c.id WHERE c.parent_id = 1 AND c.type ="
                          " 'client' ORDER BY c.id LIMIT 1")[0][0])
        admin_d = int(sql("SELECT id FROM domains WHERE cl_id = %d LIMIT 1"
                          % admin_c)[0][0])
        r1_dom = sql("SELECT id FROM domains WHERE cl_id = %d LIMIT 1" % r1)
        r1_dom = int(r1_dom[0][0]) if r1_dom else admin_d
    login = lambda i: sql("SELECT login FROM clients WHERE id = %d" % i)[0][0]
    dname = sql("SELECT name FROM domains WHERE id = %d" % d1)[0][0]
    if f >= 9:
        callers["reseller"] = (login(r1), site.password_of(login(r1)), r1)
        objs["reseller"] = {
            "own": {"client": c1, "domain": d1, "reseller": r1},
            "sibling": {"client": c2, "domain": d_other, "reseller": r2},
            "parent": {"client": admin_c, "domain": admin_d}}
    callers["client"] = (login(c1), site.password_of(login(c1)), c1)
    objs["client"] = {
        "own": {"domain": d1},
        "sibling": {"domain": d_other, "client": c2},
        "parent": {"domain": r1_dom if f >= 9 else d_other}}
    if f >= 9:
        objs["client"]["parent"]["reseller"] = r1
    callers["domain"] = (dname, site.password_of(dname), d1)
    objs["domain"] = {"own": {"domain": d1},
                      "sibling": {"domain": d_sib},
                      "parent": {"client": c1}}
    objs["admin"] = {"own": {"client": c1, "domain": d1},
                     "sibling": {}, "parent": {}}
    for role in ("reseller", "client", "domain"):
        if role in callers:
            ls.grant(role, callers[role][2])
    return callers, objs


@pytest.fixture(scope="module", params=[8, 9, 10])
def matrix(request, lists_flavour):
    ls = lists_flavour(request.param)
    callers, objs = setup_callers(ls)
    return ls, callers, objs


def usable(ls, role):
    """Can the role use the module at all on this Plesk?"""
    return role == "admin" or (role == "reseller" and ls.flavour >= 9) \
        or (role in ("client", "domain") and ls.flavour < 10)


def test_reads(matrix):
    ls, callers, objs = matrix
    for role, who in callers.items():
        for route in ROUTES:
            r = ls.get(route, who, format="json")
            if not usable(ls, role) or route not in ALLOWED[role]:
                assert r.status in (403, 404), (role, route, r.status)
                continue
            if route == "resellers" and ls.flavour < 9:
                assert r.status == 404, "no Resellers before Plesk 9"
                continue
            got = ids_of(ls, route, who)
            want = ls.subtree(role, who[2], route)
            assert got == want, (ls.flavour, role, route)


def filter_checks(ls, role, who, objs):
    missing = {}
    for route, key in (("clients", "reseller"), ("domains", "reseller"),
                       ("domains", "client")):
        if route not in ALLOWED[role] or (key == "reseller"
                                          and ls.flavour < 9):
            continue
        missing[(route, key)] = not_found(ls.get(route, who, format="json",
                                                 **{key: MISSING}))
        for rel in ("own", "sibling", "parent"):
            oid = objs[rel].get(key)
            if oid is None:
                continue
            r = ls.get(route, who, format="json", per_page="all",
                       **{key: oid})
            mine = oid in ls.subtree(role, who[2], key + "s") \
                or (key == "reseller" and role == "reseller"
                    and oid == who[2])
            if mine:
                assert r.status == 200, (role, route, key, rel, r.text)
                got = {i["id"] for i in r.json()["items"]}
                assert got <= ls.subtree(role, who[2], route)
            else:
                assert not_found(r) == missing[(route, key)], \
                    (role, route, key, rel)


def test_filters(matrix):
    ls, callers, objs = matrix
    for role, who in callers.items():
        if usable(ls, role):
            filter_checks(ls, role, who, objs[role])


PREFS = {"reseller": "resellers", "client": "clients", "domain": "domains"}


def prefs_reads(ls, role, who, objs):
    for kind, route in PREFS.items():
        path = "%s/%%d/prefs" % route
        allowed = route in ALLOWED[role] and not (kind == "reseller"
                                                  and ls.flavour < 9)
        r = ls.get(path % MISSING, who, format="json")
        if not allowed:
            assert r.status in (403, 404), (role, kind, r.status)
            continue
        missing = not_found(r)
        for rel in ("own", "sibling", "parent"):
            oid = objs[rel].get(kind)
            if oid is None:
                continue
            r = ls.get(path % oid, who, format="json")
            if rel == "own" and (kind != "reseller" or role == "admin"):
                assert r.status == 200, (role, kind, rel, r.text)
                assert r.json()["id"] == oid
            else:
                assert not_found(r) == missing, (role, kind, rel)


def test_prefs_reads(matrix):
    ls, callers, objs = matrix
    for role, who in callers.items():
        if usable(ls, role):
            prefs_reads(ls, role, who, objs[role])


MISSING = 999999999


def foreign_posts(ls, role, who, objs):
    """Every POST at an object not the caller's: 404 with the body of a
    POST at an id that does not exist (nothing tells the two apart),
    nothing written; a forged owner filter in a POST's query the same."""
    before = ls.prefs()

    def missing(route, prefs=False):
        if prefs:
            return not_found(ls.post("%s/%d/prefs" % (route, MISSING), who,
                                     {"quota_mb": "1", "language": "plesk",
                                      "timezone": "UTC"},
                                     token=ls.token(who, route)))
        return not_found(ls.post(route, who, {"row": [MISSING],
                                              "forever": [MISSING]}))

    for rel in ("sibling", "parent"):
        for kind, oid in objs[rel].items():
            route = PREFS[kind]
            if oid is None or route not in ALLOWED[role] \
                    or (kind == "reseller" and ls.flavour < 9):
                continue
            r = ls.post(route, who, {"row": [oid], "forever": [oid],
                                     "access": [oid], "now": [oid]})
            assert not_found(r) == missing(route), (role, kind, rel)
            r = ls.post("%s/%d/prefs" % (route, oid), who,
                        {"quota_mb": "1", "language": "plesk",
                         "timezone": "UTC"}, token=ls.token(who, route))
            assert not_found(r) == missing(route, True), (role, kind, rel)
            # a foreign id among own rows poisons the whole POST
            own = objs["own"].get(kind)
            if own is not None:
                r = ls.post(route, who, {"row": [own, oid],
                                         "forever": [own]})
                assert not_found(r) == missing(route), (role, kind, rel)
            # a foreign owner as the list's filter, with own rows
            if kind in ("reseller", "client") and "domains" in ALLOWED[role]:
                own_dom = objs["own"].get("domain")
                body = {"row": [own_dom], "forever": [own_dom]}
                r = ls.post("domains", who, body, query={kind: str(oid)})
                gone = ls.post("domains", who, body,
                               query={kind: str(MISSING)})
                assert not_found(r) == not_found(gone), (role, kind, rel)
    assert ls.prefs() == before, "a refused POST wrote something"


def test_foreign_posts(matrix):
    ls, callers, objs = matrix
    for role, who in callers.items():
        if usable(ls, role) and role != "admin":
            foreign_posts(ls, role, who, objs[role])


def test_own_posts_and_forever_for_all_stay_inside(matrix):
    ls, callers, objs = matrix
    for role, who in callers.items():
        if not usable(ls, role) or not ALLOWED[role]:
            continue
        route = "domains"
        own = objs[role]["own"]["domain"]
        r = ls.post(route, who, {"row": [own], "forever": [own]})
        assert r.status == 303, (role, r.text)
        r = ls.post(route, who, {"all": "forever"})
        assert r.status == 303, (role, r.text)
        on = {int(i) for (i,) in ls.site.oxt(
            "SELECT plesk_id FROM prefs WHERE level = 'domain' AND"
            " webmail_forever = 'on'")}
        assert on == ls.subtree(role, who[2], "domains"), role
        ls.site.db.sql("UPDATE prefs SET webmail_forever = 'inherit' WHERE"
                       " level = 'domain'", ls.site.oxtender_db)


def _plesk_links(page):
    """The Plesk links' paths and queries (the panel's base cut off)."""
    out = []
    for url in re.findall(r'<a class="oxt-plesk" href="([^"]*)"', page):
        u = urllib.parse.urlsplit(url.replace("&amp;", "&"))
        out.append(u.path + ("?" + u.query if u.query else ""))
    return out


def test_plesk_links_by_version(matrix):
    """Before Plesk 10 every Name links to its Plesk 8/9 page; from 10 the
    admin's resellers and clients link to their overviews and domains to
    nothing (a domain's page is its subscription's), and a reseller gets
    no link (its own panel's addresses differ)."""
    ls, callers, _ = matrix
    t = ls.get("domains", ls.admin, per_page=10).text
    assert ('class="oxt-plesk"' in t) == (ls.flavour < 10)
    ids = [i["id"] for i in ls.json("clients", ls.admin,
                                    per_page=10)["items"]]
    links = _plesk_links(ls.get("clients", ls.admin, per_page=10).text)
    assert len(links) == len(ids) > 0
    if ls.flavour < 10:
        assert links == ["/clients/cl_ctrl.php3?cl_id=%d" % i for i in ids]
    else:
        assert links == ["/admin/customer/overview/id/%d" % i for i in ids]
    if ls.flavour >= 9:
        ids = [i["id"] for i in ls.json("resellers", ls.admin,
                                        per_page=10)["items"]]
        links = _plesk_links(ls.get("resellers", ls.admin,
                                    per_page=10).text)
        want = ("/resellers/res_ctrl.php3?res_id=%d" if ls.flavour < 10
                else "/admin/reseller/overview/id/%d")
        assert links == [want % i for i in ids] and ids
        reseller = callers["reseller"]
        page = ls.get("clients", reseller, per_page=10).text
        assert ('class="oxt-plesk"' in page) == (ls.flavour < 10)
    access = ls.json("clients", ls.admin, per_page=10)["items"]
    page = ls.get("clients", ls.admin, per_page=10).text
    disabled = page.count('data-oxt-col="access" disabled') + \
        page.count('data-oxt-col="access" checked disabled')
    assert (disabled == len(access)) == (ls.flavour >= 10)
    tabs = ls.get("", ls.admin).text
    assert ('href="/oxtender/resellers"' in tabs) == (ls.flavour >= 9)
