"""The Mailboxes page (user guide, Mailboxes, for every level) on Plesk 9
through its JSON twin and its HTML: every column against psa and
mailbox_state, each role's part of the server only, the filters of the
other lists' "x Total / y OX" links, search, sort by every column both
ways, paging; Apply Your Changes: OX Service ticks, the Change Service
dialog, its refusals, the tenant matrix (another tenant's mailbox in a
POST changes nothing and is answered like a missing one), CSRF and
origin; and Change Service applied end to end by the real replicator
into the emulator, "Update in progress" shown until then, and with the
replicator's daemon running "within seconds" and so it is. The browser
test is test_mailboxes_browser.py.
"""
import json
import re
import subprocess
import urllib.parse
from types import SimpleNamespace

import pytest

from harness import env
from harness.mailboxes import HOSTILE_MAIL, ORIGIN
from test_replicator_daemon import Daemon, wait_for

# A domain whose mailboxes can go to OX: mail on, an active owner chain,
# two mailboxes at least.
REPLICABLE = (
    "AND EXISTS (SELECT 1 FROM DomainServices ds WHERE ds.dom_id = d.id"
    " AND ds.type = 'mail' AND ds.status = 0) AND (c.parent_id IS NULL OR"
    " (SELECT status FROM clients p WHERE p.id = c.parent_id) = 0) AND"
    " (SELECT COUNT(*) FROM mail m JOIN accounts a ON a.id = m.account_id"
    " WHERE m.dom_id = d.id AND m.postbox = 'true' AND a.type IN ('plain',"
    " 'sym') AND a.password <> '') >= 2")

SORTS = ("name", "mail", "service", "language", "timezone", "modified",
         "ox_service", "reason")


@pytest.fixture(scope="module")
def mb(mbox_site):
    return mbox_site


def written(mb):
    """What a refused POST must leave as it was."""
    return (mb.site.oxt("SELECT * FROM prefs ORDER BY level, plesk_id"),
            mb.site.oxt("SELECT COUNT(*) FROM queue"),
            mb.site.oxt("SELECT mail_id, pending_service_type FROM"
                        " mailbox_state ORDER BY 1"))


def follow(mb, who, r):
    assert r.status == 303, (r.status, r.text[:500])
    loc = r.headers["Location"]
    path = urllib.parse.urlsplit(loc)
    return mb.httpd.get(path.path + "?" + path.query, auth=who[:2])


def info_of(text):
    m = re.search(r'role="status"[^>]*>(.*?)</div>', text, re.S)
    if not m:
        return None
    text = re.sub(r"<[^>]+>", "", m.group(1)).strip()
    return text[len("Info:"):].strip() if text.startswith("Info:") else text


# ---- what the page shows ------------------------------------------------------

def test_admin_sees_every_mailbox_as_psa_has_it(mb):
    items = {i["id"]: i for i in mb.items(mb.admin)}
    assert set(items) == mb.mailbox_ids("admin", 0)
    rows = mb.site.psa(
        "SELECT m.id, CONCAT(m.mail_name, '@', d.name), m.postbox,"
        " ds.status FROM mail m JOIN domains d ON d.id = m.dom_id LEFT JOIN"
        " DomainServices ds ON ds.dom_id = d.id AND ds.type = 'mail'")
    for mid, address, postbox, mail in rows:
        item = items[int(mid)]
        assert item["name"] == address
        assert item["mail"] == ("Active" if postbox == "true" and mail == "0"
                                else "Deactivated"), item
    item = items[mb.hostile_mail_id]
    assert item["name"] == HOSTILE_MAIL + "@hostile0.example"
    assert set(item) == {
        "id", "name", "suspended", "mail", "service", "service_code",
        "pending", "language", "language_code", "timezone", "timezone_code",
        "modified", "ox_service", "in_ox", "reason", "reason_code"}


@pytest.mark.parametrize("role", ["reseller", "client", "domain"])
def test_each_level_sees_its_own_mailboxes_only(mb, role):
    who = mb.login(role)
    items = mb.items(who)
    assert {i["id"] for i in items} == mb.mailbox_ids(role, who[2])
    assert items, role


def test_html_has_the_guides_columns_and_select_all(mb):
    r = mb.get("mailboxes", mb.admin, per_page=10)
    assert r.status == 200
    heads = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', r.text, re.S)
    titles = [re.sub(r"<[^>]+>|Select all: \w[\w ]*", "", h).strip(" ▲▼")
              for h in heads]
    assert titles[1:9] == ["Name", "Mail Service", "Service Type",
                           "Language", "Time zone", "Modified", "OX Service",
                           "Replication"], titles
    assert 'data-oxt-all="change"' in r.text
    assert 'data-oxt-all="ox_service"' in r.text
    assert "1-10 mailboxes of" in r.text and "Never" in r.text
    # Plesk 9: each name links to its page in Plesk
    assert 'class="oxt-plesk" href="https://panel.example.test/domains/' \
        'mail/mail_edit.php3?mn_id=' in r.text


# ---- filters, search, sort, paging ----------------------------------------------

def test_the_lists_links_lead_here_and_filter(mb):
    who = mb.login("reseller")
    r = mb.get("domains", who, per_page="all")
    links = set(re.findall(r'href="/oxtender/mailboxes\?([^"]+)"', r.text))
    assert links, "no Mailboxes link on the Domains list"
    for q in sorted(links)[:4]:
        query = dict(urllib.parse.parse_qsl(q.replace("&amp;", "&")))
        data = mb.json("mailboxes", who, per_page="all", **query)
        dom = int(query["domain"])
        ids = {i["id"] for i in data["items"]}
        expect = {int(x[0]) for x in mb.site.psa(
            "SELECT id FROM mail WHERE dom_id = %d" % dom)}
        if query.get("ox") == "1":
            assert ids <= expect and all(i["in_ox"] for i in data["items"])
        else:
            assert ids == expect, (query, ids, expect)
    # each owner filter, by whoever sees it
    rid = who[2]
    assert {i["id"] for i in mb.items(mb.admin, reseller=rid)} == \
        mb.mailbox_ids("reseller", rid)
    cl = mb.login("client")
    assert {i["id"] for i in mb.items(mb.admin, client=cl[2])} == \
        mb.mailbox_ids("client", cl[2])
    r = mb.get("mailboxes", mb.admin, client=cl[2])
    assert "Mailboxes Management for" in r.text and "Client" in r.text


def test_a_filter_outside_the_subtree_is_404(mb):
    cl = mb.login("client")
    other = mb.login("client", nth=1, where="AND c.parent_id <> (SELECT"
                     " parent_id FROM clients WHERE id = %d)" % cl[2])
    dom = mb.login("domain")
    for who, query in ((cl, {"client": other[2]}), (cl, {"reseller": 1}),
                       (dom, {"domain": dom[2] + 1}), (mb.admin,
                       {"domain": 999999}), (mb.admin, {"ox": "2"}),
                       (mb.admin, {"client": "x"})):
        r = mb.get("mailboxes", who, format="json", **query)
        assert r.status == 404, (who[0], query, r.status)


def test_search_and_paging(mb):
    items = mb.items(mb.admin, q="hostile")
    assert items and all("hostile" in i["name"] for i in items)
    assert len(mb.items(mb.admin, q="user1")) >= 1
    assert mb.items(mb.admin, q="%") == []          # typed, not a pattern
    total = mb.json("mailboxes", mb.admin)["total"]
    p1 = mb.json("mailboxes", mb.admin, per_page=10, page=1)
    p2 = mb.json("mailboxes", mb.admin, per_page=10, page=2)
    assert len(p1["items"]) == 10 and p1["total"] == total
    assert not {i["id"] for i in p1["items"]} & {i["id"] for i in
                                                  p2["items"]}
    last = mb.json("mailboxes", mb.admin, per_page=100, page=99)
    assert last["page"] == (total + 99) // 100


@pytest.mark.parametrize("q, scope", [("user", None), ("hostile", None),
                                      ("user", "reseller")])
def test_every_searched_page_in_every_order_is_the_right_slice(mb, q, scope):
    """A page of a search is read from a window of the sort order from
    its nearer end (lib/oxt_mblist.c), the whole search (All) by joining
    the matches: both give the same rows in the same order."""
    query = {"q": q}
    if scope:
        query["reseller"] = mb.login("reseller")[2]
    for key in SORTS:
        for d in ("asc", "desc"):
            whole = [i["id"] for i in mb.items(mb.admin, sort=key, dir=d,
                                               **query)]
            assert len(whole) > 2, (q, len(whole))
            last = (len(whole) + 9) // 10
            for page in sorted({1, 2, (last + 1) // 2, last - 1, last} -
                               {0}):
                data = mb.json("mailboxes", mb.admin, sort=key, dir=d,
                               page=page, per_page=10, **query)
                assert data["total"] == len(whole)
                assert [i["id"] for i in data["items"]] == \
                    whole[(page - 1) * 10:page * 10], (q, key, d, page)


@pytest.mark.parametrize("key", SORTS)
def test_sort_by_every_column_both_ways(mb, key):
    asc = mb.items(mb.admin, sort=key, dir="asc")
    desc = mb.items(mb.admin, sort=key, dir="desc")
    assert [i["id"] for i in desc] == [i["id"] for i in reversed(asc)]
    if key in ("mail", "ox_service", "modified"):
        vals = [(i[key] is not None, i[key] == "Active" if key == "mail"
                 else i[key] or "") for i in asc]
        assert vals == sorted(vals), key
    r = mb.get("mailboxes", mb.admin, sort=key, dir="desc", per_page=10)
    assert 'aria-sort="descending"' in r.text


# ---- refusals: tenants, CSRF, origin -----------------------------------------------

def other_tenants_mailbox(mb, who, role):
    theirs = mb.mailbox_ids("admin", 0) - mb.mailbox_ids(role, who[2])
    return min(theirs)


@pytest.mark.parametrize("role", ["reseller", "client", "domain"])
def test_another_tenants_mailbox_changes_nothing(mb, role):
    who = mb.login(role)
    mine = min(mb.mailbox_ids(role, who[2]))
    theirs = other_tenants_mailbox(mb, who, role)
    before = written(mb)
    answers = []
    for bad in (theirs, 999999):
        for fields in (
                {"row": [mine, bad], "ox_service": [bad]},
                {"row": [mine], "ox_service": [bad]},
                {"row": [mine], "change": [bad]},
                {"row": [mine, bad], "change": [mine, bad],
                 "step": "record", "service": "groupware_premium"}):
            r = mb.post_form(who, fields)
            answers.append((r.status, r.text.count("no such")))
            r = mb.post_form(who, fields, query={"format": "json"})
            assert r.status == 404 and r.json()["error"] == "not_found", \
                r.text
    assert written(mb) == before
    # the foreign id and the missing one get the very same answers
    assert answers[:4] == answers[4:] and {a[0] for a in answers} == {404}


@pytest.mark.expect_log("OXT05501", "OXT05502")
def test_csrf_and_origin_are_checked(mb):
    who = mb.login("client")
    mine = min(mb.mailbox_ids("client", who[2]))
    before = written(mb)
    fields = {"row": [mine], "ox_service": [mine]}
    assert mb.post_form(who, fields, token=False).status == 403
    assert mb.post_form(who, fields, token="forged" * 6).status == 403
    r = mb.post("mailboxes", who, fields,
                headers={"Origin": "https://evil.example"})
    assert r.status == 403
    r = mb.post("mailboxes", who, fields,
                headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status == 403
    # another caller's token is not this caller's
    r = mb.post_form(who, fields, token=mb.token(mb.admin, "mailboxes"))
    assert r.status == 403
    assert written(mb) == before
    assert mb.post_form(who, {"row": ["x"]}).status == 400
    assert mb.post_form(who, {"row": [mine], "step": "go"}).status == 400


# ---- Apply Your Changes ---------------------------------------------------------------

def test_nothing_ticked_changes_nothing(mb):
    who = mb.login("domain")
    ids = sorted(mb.mailbox_ids("domain", who[2]))
    before = written(mb)
    r = follow(mb, who, mb.post_form(who, {"row": ids}))
    assert "Nothing was changed" in info_of(r.text)
    assert written(mb) == before


def test_ox_service_ticks_are_recorded_and_named(mb):
    who = mb.login("client")
    ids = sorted(mb.mailbox_ids("client", who[2]))[:3]
    r = mb.post_form(who, {"row": ids, "ox_service": ids[:2]})
    page = follow(mb, who, r)
    names = [mb.site.psa("SELECT CONCAT(m.mail_name, '@', d.name) FROM mail"
                         " m JOIN domains d ON d.id = m.dom_id WHERE m.id ="
                         " %d" % i)[0][0] for i in ids[:2]]
    assert info_of(page.text) == (
        "OX Service for mailbox(es) %s will be updated next time the"
        " replication script will run." % ", ".join(names)), page.text[:300]
    by_id = {i["id"]: i for i in mb.items(who)}
    assert [by_id[i]["ox_service"] for i in ids] == [True, True, False]
    rows = mb.site.oxt("SELECT plesk_id, webmail_forever FROM prefs WHERE"
                       " level = 'mailbox' AND plesk_id IN (%s)"
                       % ",".join(map(str, ids)))
    assert sorted((int(a), b) for a, b in rows) == [(ids[0], "on"),
                                                    (ids[1], "on")]
    # unticking one: only that one changes
    r = mb.post_form(who, {"row": ids, "ox_service": ids[:1]},
                     query={"format": "json"})
    assert r.status == 200 and r.json()["ok"] is True
    assert names[1] in r.json()["message"] and names[0] not in \
        r.json()["message"]
    assert {i["id"]: i for i in mb.items(who)}[ids[1]]["ox_service"] is False


def test_the_dialog_offers_the_guides_choices_and_refuses_bad_ones(mb):
    who = mb.login("reseller")
    ids = sorted(mb.mailbox_ids("reseller", who[2]))[:2]
    r = mb.post_form(who, {"row": ids, "change": ids})
    assert r.status == 200
    for words in ("Service Type for Selected Mailbox(es)",
                  "Replicated User's Local Settings in OX",
                  "New User's Local Settings in OX",
                  "Plesk language on replicated accounts",
                  "Plesk server time zone", "Do not change",
                  'value="groupware_premium"', 'value="de_DE"',
                  'value="Pacific/Tahiti"', 'name="step" value="record"'):
        assert words in r.text, words
    assert 'value="fr_FR"' not in r.text        # not enabled in Settings
    j = mb.post_form(who, {"row": ids, "change": ids},
                     query={"format": "json"}).json()
    assert j["dialog"] == "change_service" and j["mailboxes"] == ids
    assert j["services"] == ["webmail", "groupware_standard",
                             "groupware_premium"]
    assert {l["code"] for l in j["languages"]} == {"de_DE", "en_US", "ro_RO"}
    before = written(mb)
    r = mb.post_form(who, {"row": ids, "change": ids, "step": "record",
                           "service": "gold", "replicated_language": "fr_FR",
                           "new_timezone": "Mars/Olympus"})
    assert r.status == 400
    assert "Choose a service type your license allows." in r.text
    assert "Choose a language enabled in Settings" in r.text
    assert "Choose a time zone of the list" in r.text
    r = mb.post_form(who, {"row": ids, "change": ids, "step": "record",
                           "replicated_language": "fr_FR"},
                     query={"format": "json"})
    assert r.status == 400 and set(r.json()["errors"]) == \
        {"replicated_language"}
    assert written(mb) == before


def test_change_service_reaches_ox_through_the_replicator(mb):
    """Replicated users get the replicated users' settings, a mailbox about
    to be replicated the new users' ones; "Update in progress" until the
    replicator has run, then OX has it and the list says so."""
    who = mb.login("domain", where=REPLICABLE)
    dom = who[2]
    ids = [int(r[0]) for r in mb.site.psa(
        "SELECT m.id FROM mail m JOIN accounts a ON a.id = m.account_id"
        " WHERE m.dom_id = %d AND m.postbox = 'true' AND a.type IN"
        " ('plain', 'sym') AND a.password <> '' ORDER BY m.id" % dom)]
    assert len(ids) >= 2, ids
    old, new = ids[0], ids[1]
    # old is in OX already (webmail, the defaults)
    mb.post_form(who, {"row": [old], "ox_service": [old]})
    mb.run()
    assert mb.ox_user(old)["access_combination"] == "webmail"
    assert mb.ox_user(new) is None
    item = {i["id"]: i for i in mb.items(who)}[old]
    assert item["in_ox"] and item["modified"] is not None
    assert (item["language_code"], item["timezone_code"]) == \
        ("en_US", "Europe/Berlin")
    r = mb.post_form(who, {"row": [old, new], "change": [old, new],
                           "ox_service": [old, new], "step": "record",
                           "service": "groupware_standard",
                           "replicated_language": "de_DE",
                           "replicated_timezone": "Pacific/Tahiti",
                           "new_language": "ro_RO",
                           "new_timezone": "UTC"})
    page = follow(mb, who, r)
    names = [i["name"] for i in mb.items(who) if i["id"] in (old, new)]
    assert info_of(page.text) == (
        "Service type for mailbox(es) %s will be updated next time the"
        " replication script will run." % ", ".join(names))
    assert page.text.count("(Update in progress: Groupware Standard)") == 2
    items = {i["id"]: i for i in mb.items(who)}
    assert items[old]["service"] == \
        "Webmail (Update in progress: Groupware Standard)"
    assert items[old]["pending"] == "groupware_standard"
    assert mb.ox_user(old)["access_combination"] == "webmail"   # not yet
    queued = mb.site.oxt("SELECT object_id, scheduled_by FROM queue WHERE"
                         " object_type = 'domain' AND reason ="
                         " 'change_service'")
    shown = mb.site.psa("SELECT displayName FROM domains WHERE id = %d"
                        % dom)[0][0]
    assert (str(dom), shown) in {(a, b) for a, b in queued}, queued
    mb.run()
    u = mb.ox_user(old)
    assert (u["access_combination"], u["language"], u["timezone"]) == \
        ("groupware_standard", "de_DE", "Pacific/Tahiti"), u
    u = mb.ox_user(new)
    assert (u["access_combination"], u["language"], u["timezone"]) == \
        ("groupware_standard", "ro_RO", "UTC"), u
    items = {i["id"]: i for i in mb.items(who)}
    for i in (old, new):
        assert (items[i]["service"], items[i]["pending"]) == \
            ("Groupware Standard", ""), items[i]
    assert (items[old]["language"], items[old]["language_code"]) == \
        ("German (Germany)", "de_DE")
    assert items[old]["timezone"].endswith("Pacific/Tahiti")
    # ox=1 lists exactly the replicated ones
    assert {i["id"] for i in mb.items(who, ox=1)} == \
        {i for i, it in items.items() if it["in_ox"]} >= {old, new}


def test_why_a_mailbox_cannot_be_replicated_is_in_its_row(mb):
    who = mb.login("client", nth=2)
    ids = sorted(mb.mailbox_ids("client", who[2]))
    fwd = ids[0]
    mb.site.psa_sql("UPDATE mail SET postbox = 'false' WHERE id = %d;" % fwd)
    try:
        item = {i["id"]: i for i in mb.items(who)}[fwd]
        assert (item["reason_code"], item["mail"]) == \
            ("forward_only", "Deactivated")
        assert item["reason"] == ("Cannot be replicated: a forward-only"
                                  " address: it has no mailbox")
        r = mb.get("mailboxes", who, per_page="all")
        box = re.search(r'<input type="checkbox" name="ox_service" value="%d"'
                        r'[^>]*>' % fwd, r.text).group(0)
        assert "disabled" in box
    finally:
        mb.site.psa_sql("UPDATE mail SET postbox = 'true' WHERE id = %d;"
                        % fwd)
    dom = mb.site.psa("SELECT dom_id FROM mail WHERE id = %d" % fwd)[0][0]
    mb.site.psa_sql("UPDATE DomainServices SET status = 16 WHERE dom_id = %s"
                    " AND type = 'mail';" % dom)
    try:
        item = {i["id"]: i for i in mb.items(who)}[fwd]
        assert item["reason_code"] == "mail_off", item
    finally:
        mb.site.psa_sql("UPDATE DomainServices SET status = 0 WHERE dom_id"
                        " = %s AND type = 'mail';" % dom)
    mb.site.psa_sql("UPDATE domains SET status = 2 WHERE id = %s;" % dom)
    try:
        item = {i["id"]: i for i in mb.items(who)}[fwd]
        assert (item["reason_code"], item["suspended"]) == \
            ("suspended", True), item
    finally:
        mb.site.psa_sql("UPDATE domains SET status = 0 WHERE id = %s;" % dom)
    # what only the replicator can tell: the password Plesk has
    nopw = ids[1]
    mb.site.psa_sql("UPDATE accounts a JOIN mail m ON m.account_id = a.id"
                    " SET a.type = 'plain', a.password = '' WHERE m.id = %d;"
                    % nopw)
    mb.post_form(who, {"row": [nopw], "ox_service": [nopw]})
    mb.run()
    item = {i["id"]: i for i in mb.items(who)}[nopw]
    assert (item["reason_code"], item["in_ox"], item["ox_service"]) == \
        ("no_password", False, True), item
    assert item["reason"] == ("Cannot be replicated: no usable password is"
                              " set in Plesk")


def daemon_running(mb):
    res = subprocess.run([env.CORECLI, "-c", mb.site.config,
                          "daemon-running"], capture_output=True, text=True,
                         timeout=60)
    return json.loads(res.stdout)["running"]


def test_with_the_daemon_running_the_change_reaches_ox_within_seconds(mb):
    """The Info message follows the daemon's heartbeat, and the daemon
    applies the change without a run being started (last in this file:
    the daemon holds the replicator's lock while it lives)."""
    who = mb.login("domain", nth=1, where=REPLICABLE)
    ids = sorted(mb.mailbox_ids("domain", who[2]))[:2]
    d = Daemon(SimpleNamespace(root=mb.site.root, config=mb.site.config))
    try:
        assert wait_for(lambda: daemon_running(mb), 60), d.stderr()
        r = mb.post_form(who, {"row": ids, "change": ids, "ox_service": ids,
                               "step": "record",
                               "service": "groupware_premium",
                               "new_timezone": "America/Sao_Paulo"},
                         query={"format": "json"})
        assert r.status == 200, r.text
        assert r.json()["message"].endswith("will be updated within"
                                            " seconds."), r.json()
        page = mb.httpd.get(r.json()["location"], auth=who[:2])
        assert info_of(page.text).endswith("within seconds.")

        def applied():
            users = [mb.ox_user(i) for i in ids]
            return all(u and u["access_combination"] == "groupware_premium"
                       for u in users)
        assert wait_for(applied, 60), d.stderr()
        items = {i["id"]: i for i in mb.items(who)}
        assert wait_for(lambda: all(
            {i["id"]: i for i in mb.items(who)}[x]["pending"] == ""
            for x in ids), 30), items
    finally:
        rc, _ = d.terminate()
        assert rc == 0, d.stderr()


def test_premium_is_offered_only_when_the_license_allows_it(mb):
    """The dialog offers the service types of the license in force, and
    the core refuses any other; the site's key is put back after."""
    site = mb.site
    who = mb.login("reseller")
    ids = sorted(mb.mailbox_ids("reseller", who[2]))[:2]
    site.install_license(site.authority.mint(
        number="OXT-TEST-NOPREM", tier="unlimited", premium="no",
        free_usage="yes"))
    try:
        j = mb.post_form(who, {"row": ids, "change": ids},
                         query={"format": "json"}).json()
        assert j["services"] == ["webmail", "groupware_standard"]
        r = mb.post_form(who, {"row": ids, "change": ids})
        assert r.status == 200 and 'value="groupware_standard"' in r.text
        assert 'value="groupware_premium"' not in r.text
        before = written(mb)
        r = mb.post_form(who, {"row": ids, "change": ids, "step": "record",
                               "service": "groupware_premium"})
        assert r.status == 400
        assert "Choose a service type your license allows." in r.text
        assert written(mb) == before
    finally:
        site.install_license(site.authority.mint(**site.license))
