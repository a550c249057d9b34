"""The Resellers, Clients and Domains pages (user guide chapters 2-5) on
Plesk 9, through their JSON twins and their HTML: every column against
psa and mailbox_state, paging, sorting by every column both ways, search,
owner filters, Hide/Show Search, Apply Your Changes (recorded, hinted,
redirected with a signed message), "Webmail Forever for all", and the
form checks (CSRF token, origin, body size). The tenant matrix is
test_lists_tenants.py, the Prefs dialog test_lists_prefs.py, the
browser test_lists_browser.py.
"""
import re
import urllib.parse

import pytest

from harness.lists import HOSTILE_NAMES

SORTS = {
    "resellers": ("name", "modified", "clients", "domains", "mailboxes"),
    "clients": ("name", "modified", "domains", "mailboxes"),
    "domains": ("name", "mail", "modified", "mailboxes"),
}


@pytest.fixture(scope="module")
def ls(lists_flavour):
    return lists_flavour(9)


def all_items(ls, route, who, **query):
    data = ls.json(route, who, per_page="all", **query)
    assert data["per_page"] == "all"
    assert data["total"] == len(data["items"]), data["total"]
    return data["items"]


# ---- what the lists show ------------------------------------------------------

def test_resellers_match_psa(ls):
    items = {i["id"]: i for i in all_items(ls, "resellers", ls.admin)}
    assert set(items) == ls.subtree("admin", 0, "resellers")
    for rid, item in items.items():
        pname, status = ls.site.psa("SELECT pname, status FROM clients"
                                    " WHERE id = %d" % rid)[0]
        clients = ls.site.psa_scalar("SELECT COUNT(*) FROM clients WHERE"
                                     " parent_id = %d AND type = 'client'"
                                     % rid)
        doms = ls.subtree("reseller", rid, "domains")
        assert item["name"] == pname
        assert item["suspended"] == (status != "0")
        assert item["clients"] == int(clients)
        assert item["domains"] == len(doms)
        assert item["mailboxes"] == {"total": ls.mailboxes(doms), "ox": 0}
        assert item["modified"] is None and item["report"] is False
        assert set(item) == {"id", "access", "name", "suspended", "modified",
                             "clients", "domains", "mailboxes", "report",
                             "forever", "now"}


def test_clients_and_domains_match_psa(ls):
    clients = {i["id"]: i for i in all_items(ls, "clients", ls.admin)}
    assert set(clients) == ls.subtree("admin", 0, "clients")
    for cid, item in clients.items():
        doms = ls.subtree("client", cid, "domains")
        assert item["domains"] == len(doms), item
        assert item["mailboxes"]["total"] == ls.mailboxes(doms), item
    doms = {i["id"]: i for i in all_items(ls, "domains", ls.admin)}
    assert set(doms) == ls.subtree("admin", 0, "domains")
    for did, item in doms.items():
        name, mail = ls.site.psa(
            "SELECT d.displayName, ds.status FROM domains d LEFT JOIN"
            " DomainServices ds ON ds.dom_id = d.id AND ds.type = 'mail'"
            " WHERE d.id = %d" % did)[0]
        assert item["name"] == name
        assert item["mail"] == ("Active" if mail == "0" else "Deactivated")
        assert item["mailboxes"]["total"] == ls.mailboxes([did])


def test_hostile_names_come_back_as_they_are(ls):
    names = {i["name"] for i in all_items(ls, "clients", ls.admin)}
    for name in HOSTILE_NAMES:
        assert name in names, name
    doms = {i["name"] for i in all_items(ls, "domains", ls.admin)}
    assert set(HOSTILE_NAMES) <= doms


# ---- paging and sorting ---------------------------------------------------------

def test_pages_add_up_to_the_whole_list(ls):
    whole = [i["id"] for i in all_items(ls, "domains", ls.admin)]
    got, page = [], 1
    while True:
        data = ls.json("domains", ls.admin, per_page=10, page=page)
        assert data["total"] == len(whole) and data["per_page"] == 10
        assert data["page"] == page
        got += [i["id"] for i in data["items"]]
        if len(data["items"]) < 10:
            break
        page += 1
    assert got == whole
    # A page past the end is the last page.
    data = ls.json("domains", ls.admin, per_page=10, page=9999)
    assert data["page"] == page and [i["id"] for i in data["items"]] == \
        whole[(page - 1) * 10:]


def sort_value(item, key):
    v = item[key]
    if key == "mailboxes":
        return v["total"]
    if key == "modified":
        return v or ""
    return v


@pytest.mark.parametrize("route", sorted(SORTS))
def test_every_column_sorts_both_ways(ls, route):
    for key in SORTS[route]:
        up = all_items(ls, route, ls.admin, sort=key, dir="asc")
        down = all_items(ls, route, ls.admin, sort=key, dir="desc")
        assert [i["id"] for i in down] == [i["id"] for i in up][::-1], key
        if key == "name":
            want = [int(r[0]) for r in ls.site.psa(
                "SELECT id FROM clients WHERE type = '%s' ORDER BY CONVERT("
                "pname USING utf8mb4) COLLATE utf8mb4_unicode_ci, id"
                % route[:-1])] if route != "domains" else \
                [int(r[0]) for r in ls.site.psa(
                    "SELECT id FROM domains ORDER BY CONVERT(displayName"
                    " USING utf8mb4) COLLATE utf8mb4_unicode_ci, id")]
            assert [i["id"] for i in up] == want
            continue
        pairs = [(sort_value(i, key), i["id"]) for i in up]
        assert pairs == sorted(pairs), key


def test_sort_and_dir_come_from_the_allow_list(ls):
    data = ls.json("domains", ls.admin, sort="id; DROP TABLE x", dir="up")
    assert (data["sort"], data["dir"]) == ("name", "asc")
    data = ls.json("domains", ls.admin, sort="access")
    assert data["sort"] == "name"


def test_a_deep_page_in_every_order_is_the_right_slice(ls):
    for key in SORTS["domains"]:
        for d in ("asc", "desc"):
            whole = [i["id"] for i in all_items(ls, "domains", ls.admin,
                                                sort=key, dir=d)]
            data = ls.json("domains", ls.admin, sort=key, dir=d, per_page=10,
                           page=3)
            assert [i["id"] for i in data["items"]] == whole[20:30], (key, d)


# ---- search ---------------------------------------------------------------------

def words_start(name, q):
    """The rule of the search: the name, or a part of it after a space,
    '.', '-', '_', '@' or '/', starts with q (case-insensitive)."""
    parts = [name] + [name[i + 1:] for i, c in enumerate(name)
                      if c in " .-_@/\t"]
    return any(p.lower().startswith(q.lower()) for p in parts)


@pytest.mark.parametrize("route, q", [
    ("clients", "o'brien"), ("clients", "Client 1"), ("clients", "ŞTEF"),
    ("domains", "dom1"), ("domains", "dom1.ex"), ("domains", "javascript:"),
    ("resellers", "Reseller 2"), ("clients", "wwww"),
])
def test_search_finds_the_start_of_each_word(ls, route, q):
    everything = all_items(ls, route, ls.admin)
    found = all_items(ls, route, ls.admin, q=q)
    want = [i["id"] for i in everything if words_start(i["name"], q)]
    assert [i["id"] for i in found] == want, q
    assert found, "the test data has a match for %r" % q


@pytest.mark.parametrize("route, q, scope", [
    ("domains", "dom", None), ("domains", "d", None),
    ("clients", "client", None), ("domains", "dom", "reseller"),
    ("clients", "client", "reseller"), ("domains", "d", "client"),
])
def test_every_searched_page_in_every_order_is_the_right_slice(ls, route, q,
                                                              scope):
    """A page of a search is read from a window of the sort order from
    its nearer end (lib/oxt_dir.c), the whole search (All) by joining
    the matches: both give the same rows in the same order."""
    query = {"q": q}
    if scope == "reseller":
        query["reseller"] = ls.login("reseller")[2]
    elif scope == "client":
        query["client"] = max(ls.subtree("admin", 0, "clients"),
                              key=lambda c: len(ls.subtree("client", c,
                                                           "domains")))
    for key in SORTS[route]:
        for d in ("asc", "desc"):
            whole = [i["id"] for i in all_items(ls, route, ls.admin,
                                                sort=key, dir=d, **query)]
            assert len(whole) > 2, (q, len(whole))
            per = 10
            for page in range(1, (len(whole) + per - 1) // per + 1):
                data = ls.json(route, ls.admin, sort=key, dir=d, page=page,
                               per_page=per, **query)
                assert data["total"] == len(whole)
                assert [i["id"] for i in data["items"]] == \
                    whole[(page - 1) * per:page * per], (key, d, page)


@pytest.mark.parametrize("route, q, later_word", [
    ("domains", "dom1", False), ("clients", "client", False),
    ("clients", "c", True),
])
def test_a_search_sorted_by_the_name_is_the_right_slice(ls, route, q,
                                                        later_word):
    """Sorted by the name, every page of a search, both ways, is the
    slice of All: of one whose matches are the names that start with it,
    and of "c", which also finds "Zoë &amp; Château" by a later word (a
    read of the names that start with the search alone would lose it)."""
    for d in ("asc", "desc"):
        whole = all_items(ls, route, ls.admin, q=q, sort="name", dir=d)
        assert len(whole) > 2, (q, len(whole))
        assert later_word == any(not i["name"].lower().startswith(q)
                                 for i in whole), q
        ids = [i["id"] for i in whole]
        for page in range(1, (len(ids) + 9) // 10 + 1):
            data = ls.json(route, ls.admin, q=q, sort="name", dir=d,
                           page=page, per_page=10)
            assert data["total"] == len(ids)
            assert [i["id"] for i in data["items"]] == \
                ids[(page - 1) * 10:page * 10], (q, d, page)


def test_search_characters_are_no_wildcards(ls):
    for q in ("%", "_", "!", "%om1"):
        assert ls.json("domains", ls.admin, q=q)["total"] == 0, q


def test_search_finds_an_idn_by_either_form(ls):
    uni = all_items(ls, "domains", ls.admin, q="bücher")
    ascii_ = all_items(ls, "domains", ls.admin, q="xn--bcher")
    assert uni and [i["id"] for i in uni] == [i["id"] for i in ascii_]


# ---- owner filters --------------------------------------------------------------------

def test_filters_narrow_to_the_owner(ls):
    rlogin, _, rid = ls.login("reseller")
    clogin, _, cid = ls.login("client", where="AND c.parent_id = %d" % 2)
    got = {i["id"] for i in all_items(ls, "clients", ls.admin, reseller=rid)}
    assert got == ls.subtree("reseller", rid, "clients")
    got = {i["id"] for i in all_items(ls, "domains", ls.admin, reseller=rid)}
    assert got == ls.subtree("reseller", rid, "domains")
    got = {i["id"] for i in all_items(ls, "domains", ls.admin, client=cid)}
    assert got == ls.subtree("client", cid, "domains")
    assert ls.json("domains", ls.admin, client=cid, per_page=10)["total"] \
        == len(got)


@pytest.mark.parametrize("query", [
    {"reseller": "abc"}, {"reseller": "-1"}, {"client": "0"},
    {"reseller": "999999"}, {"client": "999999"}, {"domain": "1"},
    {"ox": "1"}, {"ox": "2"},
])
def test_a_bad_or_unknown_filter_is_404(ls, query):
    r = ls.get("domains", ls.admin, format="json", **query)
    assert r.status == 404, (query, r.text)
    assert r.json() == {"status": 404, "error": "not_found",
                        "message": "There is no such list."}


def test_a_filter_of_the_wrong_kind_is_404(ls):
    _, _, cid = ls.login("client")
    _, _, rid = ls.login("reseller")
    assert ls.get("domains", ls.admin, reseller=cid).status == 404
    assert ls.get("clients", ls.admin, client=cid).status == 404
    assert ls.get("resellers", ls.admin, reseller=rid).status == 404


# ---- the HTML page -----------------------------------------------------------------------

def test_the_page_has_every_part_of_the_guide(ls):
    r = ls.get("domains", ls.admin, per_page=10, sort="mailboxes",
               dir="desc")
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    t = r.text
    total = ls.json("domains", ls.admin)["total"]
    assert "<h1>Domains Management</h1>" in t
    assert re.search(r"1-10 domains of %d total" % total, t)
    assert "Pages: " in t and ">First<" in t and ">Last<" in t
    assert "Number of entries per page:" in t
    assert re.search(r'aria-sort="descending"><a class="oxt-sort"[^>]*>'
                     r'Mailboxes<span class="oxt-arrow"', t)
    assert "Apply Your Changes" in t and "Hide Search" in t
    assert "Reset Search" in t and 'id="oxt-search-hint"' in t
    assert 'name="all" value="forever"' in t
    for tab in ("Resellers", "Clients", "Domains", "Mailboxes"):
        assert ">%s</a></li>" % tab in t
    # every row: the hidden row id, the ticks, prefs, the Plesk link (9)
    assert t.count('name="row"') == 10
    assert t.count('data-oxt-dialog href="/oxtender/domains/') == 10
    assert t.count('class="oxt-plesk"') == 10
    assert 'href="/oxtender/mailboxes?domain=' in t


def test_the_caller_is_named_in_the_heading(ls):
    login, pw, rid = ls.login("reseller")
    ls.grant("reseller", rid)
    name = ls.site.psa_scalar("SELECT pname FROM clients WHERE id = %d"
                              % rid)
    t = ls.get("clients", (login, pw)).text
    assert "<h1>Clients Management for Reseller <bdi>%s</bdi></h1>" \
        % name.replace("'", "&#39;") in t
    # an admin's filtered list names the owner the same way
    t = ls.get("domains", ls.admin, reseller=rid).text
    assert "Domains Management for Reseller <bdi>" in t


def test_hide_search_is_remembered(ls):
    """For the user: a cookie of the login's own (its role and id), kept
    for a year; another login on the same browser keeps its own."""
    r = ls.get("domains", ls.admin, search="hide")
    cookie = r.headers.get("Set-Cookie", "")
    admin = "oxt_search_a%s" % ls.site.psa_scalar(
        "SELECT id FROM clients WHERE login = 'admin'")
    assert cookie.startswith(admin + "=hidden;"), cookie
    assert "Max-Age=31536000" in cookie
    assert re.search(r'<form class="oxt-search" id="oxt-search"[^>]* hidden',
                     r.text)
    assert 'data-oxt-cookie="%s"' % admin in r.text
    r = ls.httpd.get(ls.path("domains"), auth=ls.admin[:2],
                     headers={"Cookie": admin + "=hidden"})
    assert re.search(r'<form class="oxt-search"[^>]* hidden', r.text)
    assert ">Show Search</a>" in r.text
    r = ls.get("domains", ls.admin)
    assert not re.search(r'<form class="oxt-search"[^>]* hidden', r.text)
    # A reseller on the same browser: the admin's choice is not its own.
    login, pw, rid = ls.login("reseller")
    ls.grant("reseller", rid)
    r = ls.httpd.get(ls.path("domains"), auth=(login, pw),
                     headers={"Cookie": admin + "=hidden"})
    assert 'data-oxt-cookie="oxt_search_r%d"' % rid in r.text
    assert not re.search(r'<form class="oxt-search"[^>]* hidden', r.text)


def test_static_files_are_served_under_the_pages_policy(ls):
    import os
    from harness import env
    htdocs = os.path.join(env.TOP, "htdocs")
    types = {".css": "text/css", ".js": "text/javascript",
             ".svg": "image/svg+xml"}
    for dirpath, _, files in os.walk(htdocs):
        for f in files:
            rel = os.path.relpath(os.path.join(dirpath, f), htdocs)
            r = ls.httpd.get("/oxtender-static/" + rel)
            assert r.status == 200, rel
            assert r.headers["Content-Security-Policy"] == \
                "default-src 'self'; frame-ancestors 'self'", rel
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert r.headers["Content-Type"].startswith(
                types[os.path.splitext(f)[1]]), rel
            with open(os.path.join(dirpath, f), "rb") as fh:
                assert r.body == fh.read()


# ---- Apply Your Changes ---------------------------------------------------------------------

def follow(ls, who, r):
    assert r.status == 303, (r.status, r.text)
    loc = r.headers["Location"]
    assert loc.startswith("/oxtender/")
    return ls.httpd.get(loc, auth=who[:2])


def info(text):
    m = re.search(r'role="status">.*?<strong>Info:</strong> (.*?)</div>',
                  text, re.S)
    return m.group(1) if m else None


def test_apply_records_hints_and_says_what_changed(ls):
    items = ls.json("domains", ls.admin, per_page=10)["items"]
    rows = [i["id"] for i in items if not i["forever"] and not i["access"]
            and not i["now"]][:3]
    assert len(rows) == 3
    before = ls.site.oxt("SELECT COUNT(*) FROM queue")[0][0]
    r = ls.post("domains", ls.admin, {"row": rows, "apply": "1",
                                      "forever": rows[:2],
                                      "access": rows[2:], "now": rows[2:]},
                query={"per_page": "10"})
    loc = r.headers["Location"]
    assert "per_page=10" in loc and "m=applied" in loc
    page = follow(ls, ls.admin, r)
    msg = info(page.text)
    assert msg.startswith("Access granted to 1 domain. Webmail Forever turned"
                          " on for 2 domains. Webmail Now requested for 1"
                          " domain. Replication is not instantaneous"), msg
    who = ls.site.psa_scalar("SELECT pname FROM clients WHERE login ="
                             " 'admin'")
    got = {(int(i), f, a, n is not None, b) for i, f, a, n, b in ls.site.oxt(
        "SELECT plesk_id, webmail_forever, access, webmail_now_at,"
        " updated_by FROM prefs WHERE level = 'domain' AND plesk_id IN"
        " (%s)" % ",".join(map(str, rows)))}
    assert got == {(rows[0], "on", "0", False, who),
                   (rows[1], "on", "0", False, who),
                   (rows[2], "inherit", "1", True, who)}
    hints = ls.site.oxt("SELECT object_type, object_id, scheduled_by FROM"
                        " queue WHERE object_type = 'domain'")
    assert {(t, int(i), b) for t, i, b in hints} >= {
        ("domain", rows[0], who), ("domain", rows[1], who),
        ("domain", rows[2], who)}
    assert int(ls.site.oxt("SELECT COUNT(*) FROM queue")[0][0]) > \
        int(before)
    # Unticking: off for the first; an unchanged POST changes nothing.
    r = ls.post("domains", ls.admin, {"row": rows[:2],
                                      "forever": rows[1:2]})
    assert "Webmail Forever turned off for 1 domain." in info(
        follow(ls, ls.admin, r).text)
    r = ls.post("domains", ls.admin, {"row": rows[:2],
                                      "forever": rows[1:2]})
    assert info(follow(ls, ls.admin, r).text) == \
        "No changes: every box was as it is."
    data = {i["id"]: i for i in ls.json("domains", ls.admin,
                                        per_page="all")["items"]}
    assert data[rows[0]]["forever"] is False
    assert data[rows[2]]["now"] is True and data[rows[2]]["access"] is True


def test_a_suspended_domain_cannot_be_queued(ls):
    """The guide: the mailboxes of a disabled domain cannot be placed in
    queue for replication. Its Now box is disabled, and a tick forged
    into the POST requests nothing."""
    items = all_items(ls, "domains", ls.admin)
    sus = [i for i in items if i["suspended"] and not i["forever"]
           and not i["now"]]
    assert sus, "the lists' site has suspended domains"
    did = sus[0]["id"]
    page = ls.get("domains", ls.admin, per_page="all").text
    assert re.search(r'name="now" value="%d" data-oxt-col="now"'
                     r' disabled' % did, page)
    before = ls.site.oxt("SELECT COUNT(*) FROM queue")[0][0]
    r = ls.post("domains", ls.admin, {"row": [did], "now": [did]})
    assert info(follow(ls, ls.admin, r).text).startswith("No changes")
    assert ls.site.oxt("SELECT COUNT(*) FROM prefs WHERE level = 'domain'"
                       " AND plesk_id = %d AND webmail_now_at IS NOT NULL"
                       % did)[0][0] in (0, "0")
    assert ls.site.oxt("SELECT COUNT(*) FROM queue")[0][0] == before


def test_forever_inherited_is_shown_and_now_is_disabled(ls):
    _, _, rid = ls.login("reseller", nth=1)
    ls.site.db.sql("INSERT INTO prefs (level, plesk_id, webmail_forever)"
                   " VALUES ('reseller', %d, 'on') ON DUPLICATE KEY UPDATE"
                   " webmail_forever = 'on'" % rid, ls.site.oxtender_db)
    try:
        items = all_items(ls, "domains", ls.admin, reseller=rid)
        assert items and all(i["forever"] for i in items)
        page = ls.get("domains", ls.admin, reseller=rid).text
        assert re.search(r'name="now" value="\d+" data-oxt-col="now"'
                         r' disabled', page)
        # A disabled Now box is not sent: the POST leaves it alone.
        r = ls.post("domains", ls.admin, {"row": [items[0]["id"]],
                                          "forever": [items[0]["id"]]})
        assert info(follow(ls, ls.admin, r).text).startswith("No changes")
    finally:
        ls.site.db.sql("UPDATE prefs SET webmail_forever = 'inherit' WHERE"
                       " level = 'reseller' AND plesk_id = %d" % rid,
                       ls.site.oxtender_db)


def test_forever_for_all_covers_the_whole_list(ls):
    _, _, rid = ls.login("reseller")
    want = ls.subtree("reseller", rid, "clients")
    r = ls.post("clients", ls.admin, {"row": [], "all": "forever"},
                query={"reseller": rid, "per_page": 10})
    msg = info(follow(ls, ls.admin, r).text)
    assert msg.startswith("Webmail Forever turned on for %d client"
                          % len(want)), msg
    got = {int(i) for (i,) in ls.site.oxt(
        "SELECT plesk_id FROM prefs WHERE level = 'client' AND"
        " webmail_forever = 'on'")}
    assert want <= got
    assert ls.site.oxt("SELECT object_type, object_id FROM queue WHERE"
                       " detail = 'webmail forever for all'") == [
        ("reseller", str(rid))]
    ls.site.db.sql("UPDATE prefs SET webmail_forever = 'inherit' WHERE"
                   " level = 'client'", ls.site.oxtender_db)


def test_apply_as_json(ls):
    row = ls.json("domains", ls.admin, per_page=10)["items"][-1]["id"]
    token = ls.token(ls.admin)
    r = ls.post("domains", ls.admin, {"row": [row], "forever": [row]},
                token=False, headers={"X-CSRF-Token": token},
                query={"format": "json"})
    assert r.status == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["location"].startswith("/oxtender/")
    assert body["message"].startswith("Webmail Forever turned on for 1")


def test_a_forged_message_shows_nothing(ls):
    r = ls.post("domains", ls.admin, {"row": []})
    loc = r.headers["Location"]
    assert info(ls.httpd.get(loc, auth=ls.admin[:2]).text) is not None
    forged = re.sub(r"m=applied[.0-9]*", "m=applied.999.0.0.0.0.0", loc)
    assert info(ls.httpd.get(forged, auth=ls.admin[:2]).text) is None
    # another caller's signature does not show it either
    login, pw, rid = ls.login("reseller")
    ls.grant("reseller", rid)
    assert info(ls.httpd.get(loc.replace("/domains", "/clients"),
                             auth=(login, pw)).text) is None


# ---- the checks before a POST runs ------------------------------------------------------------

@pytest.mark.expect_log("OXT05502")
def test_a_post_without_the_right_token_is_refused(ls):
    row = ls.json("domains", ls.admin, per_page=10)["items"][0]["id"]
    before = ls.prefs()
    for token in (False, "", "x" * 43):
        r = ls.post("domains", ls.admin, {"row": [row], "forever": [row]},
                    token=token)
        assert r.status == 403, r.text
    # a token of another session
    login, pw, rid = ls.login("reseller")
    ls.grant("reseller", rid)
    other = ls.token((login, pw))
    r = ls.post("domains", ls.admin, {"row": [row], "forever": [row]},
                token=other)
    assert r.status == 403 and "expired" in r.text
    assert ls.prefs() == before


@pytest.mark.expect_log("OXT05501")
@pytest.mark.parametrize("headers, allowed", [
    ({"Sec-Fetch-Site": "cross-site"}, False),
    ({"Sec-Fetch-Site": "same-site"}, False),
    ({"Sec-Fetch-Site": "same-origin"}, True),
    ({"Origin": "https://evil.example"}, False),
    ({"Origin": "https://panel.example.test"}, True),
    ({"Origin": "null"}, False),
    ({}, True),                        # Basic, no cookie: a program
])
def test_the_origin_of_a_post(ls, headers, allowed):
    r = ls.post("domains", ls.admin, {"row": []}, headers=headers)
    assert (r.status == 303) == allowed, (headers, r.status, r.text)
    if not allowed:
        assert r.status == 403


@pytest.mark.expect_log("OXT05501", "OXT05502")
def test_a_session_cookie_post_needs_an_origin(ls):
    sess = ls.site.add_session("admin")
    page = ls.httpd.get(ls.path("domains"), session=sess)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    body = urllib.parse.urlencode({"csrf": token})
    hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
    r = ls.httpd.request("POST", "/oxtender/domains", session=sess,
                         headers=hdrs, body=body)
    assert r.status == 403
    hdrs["Sec-Fetch-Site"] = "same-origin"
    r = ls.httpd.request("POST", "/oxtender/domains", session=sess,
                         headers=hdrs, body=body)
    assert r.status == 303, r.text
    # The Basic token is not the session's.
    r = ls.post("domains", ls.admin, {"row": []}, token=token)
    assert r.status == 403


def test_bodies_are_bounded(ls):
    r = ls.httpd.request("POST", "/oxtender/domains/1/prefs",
                         auth=ls.admin, body="a=" + "x" * 70000, headers={
                             "Content-Type":
                             "application/x-www-form-urlencoded"})
    assert r.status == 413, r.text
    r = ls.httpd.request("POST", "/oxtender/domains", auth=ls.admin,
                         body="{}", headers={"Content-Type":
                                             "application/json"})
    assert r.status == 415
    r = ls.httpd.request("POST", "/oxtender/domains", auth=ls.admin,
                         body="row=%zz", headers={
                             "Content-Type":
                             "application/x-www-form-urlencoded"})
    assert r.status == 400


def test_a_malformed_post_is_400_and_a_foreign_tick_404(ls):
    rows = [i["id"] for i in ls.json("domains", ls.admin,
                                     per_page=10)["items"]]
    r = ls.post("domains", ls.admin, {"row": ["x"]})
    assert r.status == 400
    r = ls.post("domains", ls.admin, {"row": rows[:1], "all": "nope"})
    assert r.status == 400
    r = ls.post("domains", ls.admin, {"row": rows[:1],
                                      "forever": rows[1:2]})
    assert r.status == 404, "a tick of a row the page did not show"
    r = ls.post("domains", ls.admin, {"row": [999999]})
    assert r.status == 404


def test_methods(ls):
    r = ls.httpd.request("PUT", "/oxtender/domains", auth=ls.admin)
    assert r.status == 405
    assert "POST" in r.headers["Allow"] and "GET" in r.headers["Allow"]
    r = ls.httpd.request("DELETE", "/oxtender/domains/1/prefs",
                         auth=ls.admin)
    assert r.status == 405
