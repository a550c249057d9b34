"""The Replication Logs page (mod_oxtender/mod_oxtender_page_logs.c)
through HTTP on the module, on the rows real replication runs wrote
(harness/setlogs.py): each role sees its subtree's rows only, with true
totals; the banner of the last automatic run; the columns, the failure's
reason as focusable text; the Communication Logs of a row (pretty, the
fault marked, no password) and 404 for another tenant's; search, every
sort both ways, paging and 10/25/100/All adding up to the whole list;
Remove and Clean Log (after its confirmation) with the guide's message,
never touching another tenant's rows, a forged id removing nothing; the
parked items and Retry, per subtree; CSRF and origin refusals.

The destructive tests come last and each removes rows of one domain only.
"""
import html
import re

import pytest

from harness.oxsim import MASTER
from harness.setlogs import HOSTILE

pytestmark = pytest.mark.expect_log("AH01631", "OXT05501", "OXT05502")
REMOVED = "Info: Successfully removed logs from the system."


@pytest.fixture(scope="module")
def sl(setlogs_site):
    return setlogs_site


def items(sl, who, **query):
    r = sl.get("logs", who, format="json", **query)
    assert r.status == 200, (who[0], query, r.status, r.text)
    return r.json()


def ids(out):
    return [i["id"] for i in out["items"]]


def scope(sl, role, who=None):
    who = who or sl.callers[role]
    return sl.scope_sql(role, who[2])


def info(text):
    m = re.search(r"<div class=\"oxt-msg[^\"]*\"[^>]*>(.*?)</div>", text, re.S)
    return re.sub(r"<[^>]+>", "", m.group(1)).strip() if m else None


def test_each_role_sees_its_subtree_with_true_totals(sl):
    for group in (sl.callers, sl.others):
        for role, who in group.items():
            out = items(sl, who, per_page="all")
            want = sl.log_ids(scope(sl, role, who))
            assert want, role
            assert set(ids(out)) == want, (role, who[0])
            assert out["total"] == len(want), role
    # a filter narrows inside the subtree, never widens it
    c1, c2 = sl.ids["c1"], sl.ids["c2"]
    assert items(sl, sl.callers["reseller"], client=c2)["total"] == 0
    assert set(ids(items(sl, sl.admin, client=c1, per_page="all"))) == \
        sl.log_ids("client_id = %d" % c1)


def test_the_columns_the_banner_and_the_reason(sl):
    r = sl.get("logs", sl.admin, per_page="all")
    assert r.status == 200
    text = r.text
    heads = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', text)
    heads = [re.sub(r"<[^>]+>|[\u25b2\u25bc]", "", h).strip() for h in heads]
    for title in ("Mailbox", "Modified", "Type of Service", "Scheduled By",
                  "Outcome", "Debug logs"):
        assert any(h.endswith(title) for h in heads), (title, heads)
    assert re.search(r"Report on the last automatic replication <strong>"
                     r"[A-Z][a-z]{2} \d\d, \d{4} \d\d:\d\d [AP]M</strong>",
                     text)
    for service in ("Webmail", "Groupware Standard", "Groupware Premium"):
        assert re.search(r"<li>%s mailboxes: \d+ successfully / \d+ failed"
                         "</li>" % service, text), service
    run = sl.site.oxt("SELECT webmail_ok, webmail_failed FROM run_summary"
                      " WHERE automatic = 1 ORDER BY id DESC LIMIT 1")[0]
    assert "<li>Webmail mailboxes: %s successfully / %s failed</li>" % run \
        in text
    out = items(sl, sl.admin)
    assert out["last_automatic_run"]["webmail"] == {
        "ok": int(run[0]), "failed": int(run[1])}
    # a failure's reason: text in the page, focusable, on hover and focus
    assert re.search(r'<span class="oxt-tip" tabindex="0">Failure<span'
                     r' class="oxt-tip-text">OX: authentication failed[^<]*'
                     r'</span></span>', text)
    assert "Automatic" in text
    assert MASTER[1] not in text
    failed = [i for i in items(sl, sl.admin, per_page="all")["items"]
              if i["outcome"] == "Failure"]
    assert failed and all(i["reason"].startswith("OX: authentication")
                          for i in failed)
    assert all(i["has_debug"] for i in failed)


def banner_from_rows(sl, where):
    """The banner's counts of the newest automatic run from its log rows:
    each mailbox once per service, failed when one of its rows failed."""
    run = sl.site.oxt("SELECT id FROM run_summary WHERE automatic = 1"
                      " ORDER BY started_at DESC, id DESC LIMIT 1")[0][0]
    got = {s: {"ok": 0, "failed": 0} for s in
           ("webmail", "groupware_standard", "groupware_premium")}
    for service, ok, failed in sl.site.oxt(
            "SELECT service_type, SUM(f = 0), SUM(f = 1) FROM (SELECT"
            " mail_id, service_type, MAX(outcome = 'failure') f FROM"
            " replication_log WHERE run_id = %s AND mail_id IS NOT NULL"
            " AND service_type IS NOT NULL AND operation <> 'skip' AND %s"
            " GROUP BY 1, 2) m GROUP BY 1" % (run, where)):
        got[service] = {"ok": int(ok), "failed": int(failed)}
    return got


def test_search_sort_and_paging_add_up(sl):
    who = sl.callers["reseller"]
    every = items(sl, who, per_page="all")
    assert every["total"] >= 10
    for key in ("name", "modified", "service", "scheduled_by", "outcome"):
        for d in ("asc", "desc"):
            got = []
            page = 1
            while True:
                out = items(sl, who, sort=key, dir=d, per_page=10, page=page)
                assert (out["sort"], out["dir"]) == (key, d)
                got += out["items"]
                if len(out["items"]) < 10:
                    break
                page += 1
            assert sorted(i["id"] for i in got) == sorted(ids(every)), key
            if key == "name":
                # the database's collation decides the order
                want = [r[0] for r in sl.site.oxt(
                    "SELECT address FROM replication_log WHERE %s ORDER BY"
                    " address %s" % (scope(sl, "reseller"), d))]
                assert [i["name"] for i in got] == want
            if key == "modified":
                when = [i["modified"] for i in got]
                assert when == sorted(when, reverse=d == "desc")
    # an unknown sort is the default, not SQL
    assert items(sl, who, sort="id;DROP TABLE x")["sort"] == "modified"
    out = items(sl, who, per_page=25)
    assert out["per_page"] == 25 and len(out["items"]) == min(25,
                                                              every["total"])
    # search by the start of the address
    one = every["items"][0]["name"]
    found = items(sl, who, q=one[:5], per_page="all")
    assert found["total"] >= 1
    assert all(i["name"].startswith(one[:5]) for i in found["items"])
    assert items(sl, who, q="%")["total"] == 0
    text = sl.get("logs", who, per_page=10).text
    assert re.search(r"1-10 logs of %d total" % every["total"], text)
    for label in (">10<", ">25<", ">100<", ">All<"):
        assert label in text


def page_link(text, label):
    """The href of the paging bar's link labelled label (aria-label)."""
    m = re.search(r'<a href="([^"]+)" aria-label="%s">' % label, text)
    return html.unescape(m.group(1)) if m else None


def test_the_page_links_seek_from_the_rows_shown(sl):
    """Next and Previous (and the window's numbers) name the first or
    last row shown (after=, before= with from=): followed page by page,
    forwards then back, they give exactly the pages counted from the
    start, in every sort both ways, and with a search."""
    who = sl.callers["reseller"]
    where = scope(sl, "reseller")
    for key, order in (("modified", "logged_at {d}, id {d}"),
                       ("name", "address {d}, logged_at {d}, id {d}"),
                       ("service", "service_type {d}, logged_at {d}, id {d}"),
                       ("scheduled_by", "scheduled_by {d}, logged_at {d},"
                                        " id {d}"),
                       ("outcome", "outcome {d}, logged_at {d}, id {d}")):
        for d in ("asc", "desc"):
            want = [int(r[0]) for r in sl.site.oxt(
                "SELECT id FROM replication_log WHERE %s ORDER BY %s"
                % (where, order.format(d=d.upper())))]
            got, text = [], sl.httpd.get(sl.path("logs", sort=key, dir=d,
                                                 per_page=10),
                                         auth=who[:2]).text
            nxt = page_link(text, "Next page")
            last = (len(want) + 9) // 10
            while nxt is not None:
                # the last page needs none: it is counted from its end
                assert ("after=" in nxt and "from=" in nxt) \
                    or "page=%d&" % last in nxt, nxt
                got.append(nxt)
                text = sl.httpd.get(nxt, auth=who[:2]).text
                nxt = page_link(text, "Next page")
            for i, link in enumerate(got):
                out = sl.httpd.get(link + "&format=json",
                                   auth=who[:2]).json()
                assert ids(out) == want[(i + 1) * 10:(i + 2) * 10], \
                    (key, d, i)
            # and back: every Previous link before the last page seeks
            back = page_link(text, "Previous page")
            n = len(got)
            while back is not None and "before=" in back:
                out = sl.httpd.get(back + "&format=json",
                                   auth=who[:2]).json()
                n -= 1
                assert ids(out) == want[n * 10:(n + 1) * 10], (key, d, n)
                text = sl.httpd.get(back, auth=who[:2]).text
                back = page_link(text, "Previous page")
            assert len(got) == last - 1 >= 2, (key, d)
    # with a search: the rows after the keyset row that match it
    one = sl.site.oxt("SELECT LEFT(address, 2) FROM replication_log WHERE"
                      " %s GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1"
                      % where)[0][0]
    want = [int(r[0]) for r in sl.site.oxt(
        "SELECT id FROM replication_log WHERE %s AND address LIKE '%s%%'"
        " ORDER BY logged_at DESC, id DESC" % (where, one))]
    assert len(want) > 10, one
    out = items(sl, who, q=one, per_page=10, page=2, after=want[9],
                **{"from": 1})
    assert ids(out) == want[10:20]
    # a keyset row of another tenant, or a gone one, is no keyset: the
    # page is found by its number, and nothing of the other's shows
    theirs = min(sl.log_ids(scope(sl, "reseller", sl.others["reseller"])))
    every = ids(items(sl, who, per_page="all"))
    for bad in (theirs, 10 ** 12):
        out = items(sl, who, per_page=10, page=2, after=bad, **{"from": 1})
        assert ids(out) == every[10:20], bad
        out = items(sl, who, per_page=10, page=1, before=bad, **{"from": 2})
        assert ids(out) == every[:10], bad
    # a link from far away is not followed either
    assert ids(items(sl, who, per_page=10, page=2, after=every[0],
                     **{"from": 1000})) == every[10:20]


def debug_row(sl, where):
    return int(sl.site.oxt("SELECT id FROM replication_log WHERE"
                           " debug_request IS NOT NULL AND outcome ="
                           " 'failure' AND %s ORDER BY id LIMIT 1"
                           % where)[0][0])


def test_the_communication_logs_of_a_row(sl):
    rid = debug_row(sl, "dom_id = %d" % sl.ids["d2"])
    r = sl.get("logs/%d/debug" % rid, sl.callers["client"])
    assert r.status == 200, r.text
    text = r.text
    assert "<h1>Plesk - Open-Xchange Communication Logs" in text
    assert "View the SOAP logs generated during the replication of the" \
        " mailbox" in text
    assert "<h2>Request Log</h2>" in text and "<h2>Response Log</h2>" in text
    assert re.search(r'<span class="oxt-fault">\s*&lt;faultstring&gt;',
                     text), text[-3000:]
    # one element a line, indented
    assert re.search(r"\n {2,}&lt;", text)
    # the password sent (a wrong one) is masked, the master's too
    assert "wrong-" + MASTER[1] not in text and MASTER[1] not in \
        re.sub(r"oxadminmaster", "", text)
    out = sl.get("logs/%d/debug" % rid, sl.callers["client"],
                 format="json").json()
    assert out["response"]["has_fault"] is True
    assert any(line["error"] for line in out["response"]["lines"])
    assert out["request"]["lines"]
    # the debug link is on the list
    assert 'href="/oxtender/logs/%d/debug">debug logs</a>' % rid in \
        sl.get("logs", sl.callers["client"], per_page="all").text
    # another tenant's row, and one that is not there: the same 404
    for who in (sl.others["client"], sl.others["reseller"],
                sl.callers["domain"]):
        r = sl.get("logs/%d/debug" % rid, who)
        assert r.status == 404, who[0]
    assert sl.get("logs/99999999/debug", sl.admin).status == 404


def test_a_hostile_mailbox_name_is_text(sl):
    rid = debug_row(sl, "dom_id = %d" % sl.ids["d3"])
    old = sl.site.oxt("SELECT address, reason FROM replication_log WHERE"
                      " id = %d" % rid)[0]
    sl.site.db.sql("UPDATE replication_log SET address = %s, reason = %s"
                   " WHERE id = %d" % (quote(HOSTILE), quote(HOSTILE), rid),
                   sl.site.oxtender_db)
    try:
        for route in ("logs", "logs/%d/debug" % rid):
            text = sl.get(route, sl.admin, per_page="all").text
            assert "<script>window" not in text and "<img src=x" not in text
            assert html.escape(HOSTILE) in text
        out = items(sl, sl.admin, per_page="all")
        assert [i for i in out["items"] if i["id"] == rid][0]["name"] == \
            HOSTILE
    finally:
        sl.site.db.sql("UPDATE replication_log SET address = %s, reason = %s"
                       " WHERE id = %d" % (quote(old[0]), quote(old[1]), rid),
                       sl.site.oxtender_db)


def quote(v):
    from harness.mariadb import sql_quote
    return "NULL" if v is None else sql_quote(v)


def test_parked_items_and_retry_per_subtree(sl):
    queued = {int(r[1]): int(r[0]) for r in sl.site.oxt(
        "SELECT id, object_id FROM queue WHERE parked = 1 AND object_type"
        " = 'domain'")}
    d2, d3 = sl.ids["d2"], sl.ids["d3"]
    assert set(queued) == {d2, d3}, queued
    mine = items(sl, sl.callers["client"])["parked"]
    assert [(p["type"], p["object_id"]) for p in mine] == [("domain", d2)]
    assert "uthentication failed" in mine[0]["last_error"]
    assert {p["object_id"] for p in items(sl, sl.admin)["parked"]} == \
        {d2, d3}
    assert items(sl, sl.callers["domain"])["parked"] == []
    text = sl.get("logs", sl.others["client"]).text
    assert '<h2 id="oxt-parked-title">Parked items</h2>' in text
    assert 'name="retry" value="%d"' % queued[d3] in text
    assert 'name="retry" value="%d"' % queued[d2] not in text
    # retrying another tenant's item: 404, still parked
    for who in (sl.callers["client"], sl.callers["reseller"],
                sl.callers["domain"]):
        r = sl.post("logs", who, {"retry": queued[d3]})
        assert r.status == 404, who[0]
    assert sl.site.oxt("SELECT parked FROM queue WHERE id = %d"
                       % queued[d3]) == [("1",)]
    r = sl.post("logs", sl.others["client"], {"retry": queued[d3]})
    assert r.status == 303, r.text
    row = sl.site.oxt("SELECT parked, attempts, scheduled_by FROM queue"
                      " WHERE id = %d" % queued[d3])[0]
    assert row[:2] == ("0", "0"), row
    after = sl.httpd.get(r.headers["Location"], auth=sl.others["client"][:2])
    assert "The item is queued again" in info(after.text)
    assert sl.post("logs", sl.others["client"],
                   {"retry": queued[d3]}).status == 404     # not parked now
    assert sl.post("logs", sl.admin, {"retry": "x"}).status == 400


def test_parked_items_beyond_those_shown_are_said(sl):
    """The section shows the newest 100 and says there are more."""
    before = items(sl, sl.admin)["parked"]
    sl.site.db.sql("INSERT INTO queue (object_type, object_id, reason,"
                   " enqueued_at, not_before, attempts, last_error, parked,"
                   " parked_at) SELECT 'mailbox', 990000 + seq, 'test',"
                   " NOW(3), NOW(3), 9, 'OX: test', 1, NOW() FROM"
                   " seq_1_to_101", sl.site.oxtender_db)
    try:
        out = items(sl, sl.admin)
        assert len(out["parked"]) == 100 and out["parked_more"] is True
        text = sl.get("logs", sl.admin).text
        assert "Only the newest 100 parked items are shown" in text
        assert text.count('name="retry"') == 100
    finally:
        sl.site.db.sql("DELETE FROM queue WHERE object_id > 990000 AND"
                       " reason = 'test'", sl.site.oxtender_db)
    out = items(sl, sl.admin)
    assert "parked_more" not in out and out["parked"] == before
    assert "Only the newest" not in sl.get("logs", sl.admin).text


@pytest.mark.parametrize("route,fields", [
    ("logs", {"sel": [1], "remove": "1"}),
    ("logs/clean", {"confirm": "1"}),
    ("logs", {"retry": "1"}),
])
def test_csrf_and_origin_refusals_change_nothing(sl, route, fields):
    before = sl.log_ids()
    parked = sl.site.oxt("SELECT id, parked FROM queue")
    for token, headers in ((False, {}), ("forged", {}),
                           (None, {"Origin": "https://evil.example"}),
                           (None, {"Sec-Fetch-Site": "cross-site"})):
        r = sl.post(route, sl.admin, fields, token=token, headers=headers)
        assert r.status == 403, (token, headers, r.status)
    assert sl.log_ids() == before
    assert sl.site.oxt("SELECT id, parked FROM queue") == parked


def test_methods_and_bad_forms(sl):
    r = sl.httpd.request("PUT", "/oxtender/logs", auth=sl.admin)
    assert r.status == 405
    assert sl.httpd.request("POST", "/oxtender/logs/1/debug",
                            auth=sl.admin).status == 405
    assert sl.post("logs", sl.admin, {"sel": "abc"}).status == 400
    assert sl.post("logs/clean", sl.admin, {}).status == 400
    assert sl.get("logs", sl.admin, ox="1").status == 404


# ---- destructive: each removes rows of one domain --------------------------

def test_a_search_with_more_matches_than_it_counts_says_more_than(sl):
    # 10,050 rows of the admin's view that a search finds (taken out
    # again: the stored totals never counted them)
    sl.site.oxt("""INSERT INTO replication_log (logged_at, mail_id, address,
        dom_id, domain_name, client_id, reseller_id, service_type,
        scheduled_by, operation, outcome)
        SELECT NOW(), seq, CONCAT('zzmore', seq, '@x.example'), l.dom_id,
          l.domain_name, l.client_id, l.reseller_id, l.service_type,
          'Automatic', 'update', 'success'
        FROM seq_1_to_10050 JOIN (SELECT * FROM replication_log
          ORDER BY id LIMIT 1) l""")
    try:
        out = items(sl, sl.admin, q="zzmore")
        assert (out["total"], out["more"], len(out["items"])) == (
            10000, True, 25), {k: out[k] for k in ("total", "page")}
        text = sl.get("logs", sl.admin, q="zzmore").text
        assert "1-25 logs of more than 10000 total" in text, text[:3000]
        assert "page=400" in text and "page=401" not in text
        last = items(sl, sl.admin, q="zzmore", page=400)
        assert len(last["items"]) == 25
        assert "more" not in items(sl, sl.admin, q="zzmore1")
    finally:
        sl.site.oxt("DELETE FROM replication_log WHERE address LIKE"
                    " 'zzmore%'")


def test_remove_the_selected_rows_never_another_tenants(sl):
    client = sl.callers["client"]
    mine = sorted(sl.log_ids("dom_id = %d" % sl.ids["d1"]))
    theirs = sorted(sl.log_ids(scope(sl, "client", sl.others["client"])))
    before = sl.log_ids()
    # a forged id among them: 404, nothing removed
    for forged in (theirs[0], 99999999):
        r = sl.post("logs", client, {"row": mine[:2], "sel": [mine[0],
                                                              forged],
                                     "remove": "1"})
        assert r.status == 404, forged
        assert sl.log_ids() == before
    # nothing ticked: said so, nothing removed
    r = sl.post("logs", client, {"remove": "1"})
    assert r.status == 303
    assert "Select the logs to remove first." in sl.httpd.get(
        r.headers["Location"], auth=client[:2]).text
    r = sl.post("logs", client, {"sel": mine[:2], "remove": "1"},
                query={"sort": "name", "per_page": "10"})
    assert r.status == 303, r.text
    assert "sort=name" in r.headers["Location"]
    page = sl.httpd.get(r.headers["Location"], auth=client[:2])
    assert info(page.text) == REMOVED
    assert sl.log_ids() == before - set(mine[:2])
    total = items(sl, client)["total"]
    assert total == len(sl.log_ids(scope(sl, "client")))
    # the JSON twin of Remove
    r = sl.post("logs", client, {"sel": [mine[2]], "remove": "1"},
                query={"format": "json"})
    assert r.status == 200 and r.json()["ok"] is True
    assert r.json()["message"] == REMOVED[len("Info: "):]
    assert mine[2] not in sl.log_ids()


def test_clean_log_after_its_confirmation_only_the_callers_rows(sl):
    who = sl.callers["domain"]
    r = sl.get("logs/clean", who)
    assert r.status == 200
    assert re.search(r'<form method="post" action="/oxtender/logs/clean"',
                     r.text)
    assert 'name="confirm" value="1"' in r.text
    assert "data-oxt-dialog-content" in r.text
    assert "those of others stay" in r.text
    assert 'class="oxt-button" data-oxt-dialog href="/oxtender/logs/clean"'\
        in sl.get("logs", who).text
    before = sl.log_ids()
    mine = sl.log_ids("dom_id = %d" % sl.ids["d1"])
    assert mine
    # without the confirmation nothing happens
    assert sl.post("logs/clean", who, {}).status == 400
    assert sl.log_ids() == before
    r = sl.post("logs/clean", who, {"confirm": "1"})
    assert r.status == 303
    assert info(sl.httpd.get(r.headers["Location"], auth=who[:2]).text) == \
        REMOVED
    assert sl.log_ids() == before - mine
    assert items(sl, who)["total"] == 0
    assert items(sl, sl.admin)["total"] == len(before - mine)


def banners(sl):
    out = {}
    for group, tag in (({"admin": sl.admin + (0,)}, ""), (sl.callers, ""),
                       (sl.others, "other ")):
        for role, who in group.items():
            got = items(sl, who[:2])["last_automatic_run"]
            want = banner_from_rows(sl, scope(sl, role, who))
            assert {s: got[s] for s in want} == want, (role, who[0])
            out[tag + role] = want
    return out


def test_the_banner_counts_each_roles_subtree(sl):
    """Report on the last automatic replication: the admin's the whole
    server's, every other role its own subtree's mailboxes (issue 10).
    Last: its run changes the domain administrator's domain D1."""
    banners(sl)
    d1 = sl.ids["d1"]
    sl.site.oxt("INSERT INTO prefs (level, plesk_id, service_type) VALUES"
                " ('domain', %d, 'groupware_standard') ON DUPLICATE KEY"
                " UPDATE service_type = VALUES(service_type)" % d1)
    sl.run()
    got = banners(sl)
    d1_box = got["domain"]
    assert sum(c["ok"] for c in d1_box.values()) > 0, got
    # nested subtrees count nested sets of mailboxes; the other reseller's
    # are not the first one's
    for s, c in d1_box.items():
        chain = [got[r][s]["ok"] for r in ("domain", "client", "reseller",
                                           "admin")]
        assert chain == sorted(chain), (s, chain)
        assert got["reseller"][s]["ok"] + got["other reseller"][s]["ok"] \
            <= got["admin"][s]["ok"], s
    assert got["other reseller"] != got["admin"]
