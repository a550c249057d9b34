"""The Service Utilization Reports (report/reseller/ID, report/client/ID,
report/domain/ID; user guide chapter 2) over HTTP, on a Plesk 9 site of
their own with hostile names, after real replicator runs against the
emulator: a reseller's clients and own domains replicated as Webmail by
Webmail Forever, then some mailboxes moved to Groupware Standard and
Premium with the Change Service core and replicated again.

  - every number of the quick report and the table against psa (Total),
    mailbox_state and the users the emulator holds (per service);
  - the tables: rows, T type, suspended, drill-down, search, sort, paging;
  - Download Report: parsed back with the csv module, equal to the JSON
    twin; names that start a formula ("=", "+", "-", "@") neutralised;
  - the HTML: heading, quick report lines, the SVG chart with its numbers,
    Up Level, the hostile names escaped;
  - the tenant matrix on Plesk 8, 9 and 10: a foreign or missing id
    answers the same 404;
  - in headless Chromium, with and without JavaScript: from the list's
    report icon to the report, drilling down and Up Level, sorting and
    paging by clicking, the hostile names executing nothing.
"""
import csv
import html
import io
import re
import subprocess

import pytest

from harness import env
from harness.lists import HOSTILE_NAMES, ListsSite
from harness.oxsim import OxSim, MASTER
from test_lists_browser import inert, ready, sign_in
from test_lists_tenants import setup_callers, usable

pytestmark = pytest.mark.expect_log("AH01631")

SERVICES = ("webmail", "groupware_standard", "groupware_premium")
CSV_HEADER = ["User name", "User type", "Webmail", "Groupware Standard",
              "Groupware Premium"]
# Client names a spreadsheet would run as formulas.
FORMULAS = ["=HYPERLINK(\"http://evil.example/\",\"click\")", "+1+2",
            "-3+4", "@SUM(A1:A9)"]
ORIGIN = "https://panel.example.test"


def point_at(site, sim):
    """The Settings for the emulator (as test_lists_browser.py does)."""
    for key, value in (("ox_host", "127.0.0.1:%d" % sim.port),
                       ("ox_use_https", "0"), ("ox_username", MASTER[0]),
                       ("imap_server", "127.0.0.1"),
                       ("smtp_server", "127.0.0.1"),
                       ("default_language", "en_US"),
                       ("default_timezone", "Europe/Berlin")):
        res = site.replicator("settings", "set", key, value)
        assert res.returncode == 0, res.stderr
    res = subprocess.run([env.REPLICATOR, "-c", site.config, "settings",
                          "set-ox-password"], input=MASTER[1] + "\n",
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr


def add_formula_clients(ls):
    """Clients of the hostile reseller whose names start a formula, each
    with a domain and a mailbox."""
    stmts = []
    for i, name in enumerate(FORMULAS):
        login = "formula-c%d" % i
        stmts.append(
            "INSERT INTO accounts (type, password) VALUES ('plain', '%s-pw');"
            "\nINSERT INTO clients (parent_id, type, pname, login,"
            " account_id, status) VALUES ((SELECT id FROM (SELECT id FROM"
            " clients WHERE login = 'hostile-r') x), 'client', %s, '%s',"
            " LAST_INSERT_ID(), 0);\n" % (login, sql_str(name), login))
        stmts.append(ls._hostile_domain_sql(100 + i, name, login))
    ls.site.psa_sql("".join(stmts))


def sql_str(s):
    from harness.mariadb import sql_quote
    return sql_quote(s)


def core(site, *args):
    res = subprocess.run([env.CORECLI, "-c", site.config]
                         + [str(a) for a in args], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, (res.stdout, res.stderr)
    return res.stdout


def run(site):
    res = site.replicator("run", timeout=300)
    assert res.returncode == 0, (res.stdout, res.stderr)


@pytest.fixture(scope="module")
def rs(run_dir, mariadb, apache_factory):
    """The site, replicated: the reseller R (clients and own domains) and
    the hostile reseller H on Webmail Forever; in R's first replicated
    domain two mailboxes on Groupware Standard and one on Premium."""
    ls = ListsSite.make(run_dir, mariadb, apache_factory, 9,
                        extra="OxtenderPanelOrigin " + ORIGIN, tag="rep")
    add_formula_clients(ls)
    ls.refresh()
    site = ls.site
    ls.R = int(site.psa_scalar(
        "SELECT r.id FROM clients r WHERE r.type = 'reseller' AND"
        " r.login NOT LIKE 'hostile%' AND EXISTS (SELECT 1 FROM domains d"
        " WHERE d.cl_id = r.id) AND EXISTS (SELECT 1 FROM clients c WHERE"
        " c.parent_id = r.id) ORDER BY r.id LIMIT 1"))
    ls.H = int(site.psa_scalar("SELECT id FROM clients WHERE login ="
                               " 'hostile-r'"))
    sim = OxSim().start()
    try:
        point_at(site, sim)
        r = ls.post("resellers", ls.admin, {"row": [ls.R], "forever": [ls.R]},
                    headers={"Origin": ORIGIN})
        assert r.status == 303, (r.status, r.text)
        # H's clients with names of a sane length (a 255-character domain
        # name makes a display name OX state cannot hold: see the report)
        short = [int(i) for (i,) in site.psa(
            "SELECT id FROM clients WHERE parent_id = %d AND"
            " CHAR_LENGTH(pname) < 100" % ls.H)]
        r = ls.post("clients", ls.admin, {"row": short, "forever": short},
                    headers={"Origin": ORIGIN})
        assert r.status == 303, (r.status, r.text)
        run(site)
        boxes = [int(x) for (x,) in site.oxt(
            "SELECT s.mail_id FROM mailbox_state s WHERE s.reseller_id = %d"
            " AND s.status = 'replicated' ORDER BY s.dom_id, s.mail_id"
            % ls.R)]
        assert len(boxes) >= 3, boxes
        ls.standard, ls.premium = boxes[:2], boxes[2:3]
        allowed = "--allowed", ",".join(SERVICES)
        core(site, "change-service", "admin", "--service",
             "groupware_standard", *allowed, "--change", boxes[0],
             "--change", boxes[1])
        core(site, "change-service", "admin", "--service",
             "groupware_premium", *allowed, "--change", boxes[2])
        run(site)
        ls.sim = sim
        yield ls
    finally:
        sim.stop()


# ---- what the reports must say, from psa, mailbox_state and OX ---------------

def ox_services(ls):
    """mail address -> service, of the users the emulator holds."""
    out = {}
    for ctx in ls.sim.state()["contexts"]:
        for u in ctx["users"]:
            if str(u.get("contextadmin")).lower() in ("true", "1"):
                continue
            out[u["primaryEmail"].lower()] = u["access_combination"]
    return out


def mailboxes(ls, where):
    """(id, address, display address, suspended) of psa's mailboxes."""
    return [(int(i), "%s@%s" % (m, d), "%s@%s" % (m, dn))
            for i, m, d, dn in ls.site.psa(
                "SELECT m.id, m.mail_name, d.name, d.displayName FROM mail m"
                " JOIN domains d ON d.id = m.dom_id WHERE m.postbox ="
                " 'true' AND " + where)]


def counts(ls, where):
    """{"total", service...} over psa's mailboxes matching where, each
    replicated one counted by what the emulator holds AND by
    mailbox_state (which must agree)."""
    ox = ox_services(ls)
    boxes = mailboxes(ls, where)
    out = dict(total=len(boxes), **{s: 0 for s in SERVICES})
    state = {}
    if boxes:
        state = {int(i): s for i, s in ls.site.oxt(
            "SELECT mail_id, COALESCE(applied_service_type, service_type)"
            " FROM mailbox_state WHERE status = 'replicated' AND mail_id IN"
            " (%s)" % ",".join(str(b[0]) for b in boxes))}
    for mid, address, _ in boxes:
        assert state.get(mid) == ox.get(address.lower()), \
            (address, state.get(mid), ox.get(address.lower()))
        if mid in state:
            out[state[mid]] += 1
    return out


def report(ls, kind, oid, who=None, **query):
    r = ls.get("report/%s/%d" % (kind, oid), who or ls.admin,
               format="json", **query)
    assert r.status == 200, (kind, oid, r.status, r.text)
    return r.json()


def all_rows(ls, kind, oid, who=None, **query):
    data = report(ls, kind, oid, who, per_page="all", **query)
    assert data["rows"]["total"] == len(data["rows"]["items"])
    return data, data["rows"]["items"]


def numbers(item):
    return dict(total=item["total"], **{s: item[s] for s in SERVICES})


def quick(data):
    return dict(total=data["mailboxes"]["total"], **data["services"])


# ---- the numbers ------------------------------------------------------------

def test_reseller_report_matches_psa_mailbox_state_and_ox(rs):
    data, items = all_rows(rs, "reseller", rs.R)
    name = rs.site.psa_scalar("SELECT pname FROM clients WHERE id = %d"
                              % rs.R)
    assert (data["report"], data["id"], data["name"]) == ("reseller", rs.R,
                                                          name)
    mine = "(d.cl_id = %d OR d.cl_id IN (SELECT id FROM clients WHERE"
    mine += " parent_id = %d))"
    assert quick(data) == counts(rs, mine % (rs.R, rs.R))
    assert data["services"]["groupware_standard"] == 2
    assert data["services"]["groupware_premium"] == 1
    assert data["services"]["webmail"] > 0
    clients = {int(i): (n, s != "0") for i, n, s in rs.site.psa(
        "SELECT id, pname, status FROM clients WHERE parent_id = %d AND"
        " type = 'client'" % rs.R)}
    own = {int(i): (n, s != "0") for i, n, s in rs.site.psa(
        "SELECT id, displayName, status FROM domains WHERE cl_id = %d"
        % rs.R)}
    assert own and clients
    got = {(i["user_type"], i["id"]) for i in items}
    assert got == {("Client", c) for c in clients} | \
        {("Domain", d) for d in own}
    for i in items:
        if i["user_type"] == "Client":
            assert (i["name"], i["suspended"]) == clients[i["id"]]
            where = "d.cl_id = %d" % i["id"]
        else:
            assert i["name"] == own[i["id"]][0]
            where = "d.id = %d" % i["id"]
        assert numbers(i) == counts(rs, where), i
    # T: clients first, then domains (the default order)
    types = [i["user_type"] for i in items]
    assert types == sorted(types, key=lambda t: t != "Client")
    assert sum(i["total"] for i in items) == data["mailboxes"]["total"]


def test_client_report_lists_its_domains(rs):
    cid = int(rs.site.psa_scalar(
        "SELECT c.id FROM clients c JOIN domains d ON d.cl_id = c.id WHERE"
        " c.parent_id = %d GROUP BY c.id ORDER BY COUNT(*) DESC, c.id"
        " LIMIT 1" % rs.R))
    data, items = all_rows(rs, "client", cid)
    assert data["up"] == "/oxtender/report/reseller/%d" % rs.R
    assert quick(data) == counts(rs, "d.cl_id = %d" % cid)
    doms = {int(i): n for i, n in rs.site.psa(
        "SELECT id, displayName FROM domains WHERE cl_id = %d" % cid)}
    assert {i["id"]: i["name"] for i in items} == doms
    for i in items:
        assert i["user_type"] == "Domain"
        assert numbers(i) == counts(rs, "d.id = %d" % i["id"])


def test_domain_report_lists_its_mailboxes(rs):
    did = int(rs.site.psa_scalar("SELECT dom_id FROM mail WHERE id = %d"
                                 % rs.premium[0]))
    data, items = all_rows(rs, "domain", did)
    assert quick(data) == counts(rs, "d.id = %d" % did)
    ox = ox_services(rs)
    boxes = {b[0]: b for b in mailboxes(rs, "d.id = %d" % did)}
    assert {i["id"] for i in items} == set(boxes)
    for i in items:
        mid, address, shown = boxes[i["id"]]
        assert (i["name"], i["user_type"], i["total"]) == (shown, "Mailbox",
                                                           1)
        want = ox.get(address.lower())
        assert {s: i[s] for s in SERVICES} == \
            {s: int(s == want) for s in SERVICES}, i
    by_id = {i["id"]: i for i in items}
    assert by_id[rs.premium[0]]["groupware_premium"] == 1


# ---- the table ----------------------------------------------------------------

def test_sort_search_and_paging(rs):
    _, items = all_rows(rs, "reseller", rs.H)
    assert len(items) > 10
    for key in ("name", "total", "webmail", "groupware_standard"):
        for d in ("asc", "desc"):
            _, got = all_rows(rs, "reseller", rs.H, sort=key, dir=d)
            vals = [i[key] for i in got]
            if key != "name":
                assert vals == sorted(vals, reverse=d == "desc"), (key, d)
            assert sorted(i["id"] for i in got) == \
                sorted(i["id"] for i in items)
    page2 = report(rs, "reseller", rs.H, per_page=10, page=2, sort="name")
    whole = [i["id"] for i in all_rows(rs, "reseller", rs.H,
                                       sort="name")[1]]
    assert [i["id"] for i in page2["rows"]["items"]] == whole[10:20]
    assert (page2["rows"]["page"], page2["rows"]["per_page"]) == (2, 10)
    _, found = all_rows(rs, "reseller", rs.H, q="HYPERLINK")
    assert [i["name"] for i in found] == [FORMULAS[0]]
    _, found = all_rows(rs, "reseller", rs.H, q="50%")
    assert found == []


def test_csv_is_the_json_with_formulas_neutralised(rs):
    for kind, oid in (("reseller", rs.H), ("reseller", rs.R),
                      ("domain", int(rs.site.psa_scalar(
                          "SELECT dom_id FROM mail WHERE id = %d"
                          % rs.premium[0])))):
        r = rs.get("report/%s/%d" % (kind, oid), rs.admin, format="csv",
                   sort="name", dir="desc", per_page=10)
        assert r.status == 200, r.text
        assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert r.headers["Content-Disposition"] == (
            'attachment; filename="oxtender-service-report-%s-%d.csv"'
            % (kind, oid))
        assert r.body.startswith(b"\xef\xbb\xbf")
        assert b"\r\n" in r.body
        rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"),
                                           newline="")))
        assert rows[0] == CSV_HEADER
        _, items = all_rows(rs, kind, oid, sort="name", dir="desc")
        assert len(rows) - 1 == len(items), "the CSV has every row"
        for row, item in zip(rows[1:], items):
            name = item["name"]
            if name[:1] in ("=", "+", "-", "@"):
                name = "'" + name
            assert row == [name, item["user_type"]] + \
                [str(item[s]) for s in SERVICES]
    text = rs.get("report/reseller/%d" % rs.H, rs.admin,
                  format="csv").body.decode("utf-8-sig")
    for name in FORMULAS:
        assert "'" + name.replace('"', '""') in text
        for line in text.split("\r\n"):
            assert not line.startswith(name[:1] + name[1:4]), line


def esc(s):
    """As our HTML writer escapes text."""
    return html.escape(s).replace("&#x27;", "&#39;")


def test_html_page(rs):
    r = rs.get("report/reseller/%d" % rs.R, rs.admin)
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/html")
    page = r.text
    data = report(rs, "reseller", rs.R)
    name = esc(data["name"])
    assert re.search(r"<h1[^>]*>Information for Reseller <bdi>%s</bdi></h1>"
                     % re.escape(name), page), page[:2000]
    assert re.search(r"Quick report for user <strong><bdi>%s</bdi></strong>"
                     r" at <strong><time datetime=\"[0-9T:Z-]+\">[A-Z][a-z]{2}"
                     r" \d\d, \d{4} \d\d:\d\d [AP]M</time></strong>"
                     % re.escape(name), page)
    for label, key in (("Webmail", "webmail"),
                       ("Groupware Standard", "groupware_standard"),
                       ("Groupware Premium", "groupware_premium")):
        assert "Service %s: %d mailboxes" % (label, data["services"][key]) \
            in page
    assert "Total: %d mailboxes" % data["mailboxes"]["total"] in page
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    for key in SERVICES:
        assert ">%d<" % data["services"][key] in svg or \
            ">%d mailboxes<" % data["services"][key] in svg, svg
    assert "<script" not in svg and "style=" not in svg
    assert 'href="/oxtender/resellers"' in page      # Up Level, the path
    assert ('href="/oxtender/report/reseller/%d?format=csv' % rs.R) in page
    assert "alt=\"Client\"" in page and "alt=\"Domain\"" in page
    for item in data["rows"]["items"]:
        if item["user_type"] == "Client" and item["webmail"] + \
                item["groupware_standard"] + item["groupware_premium"]:
            assert 'href="/oxtender/report/client/%d"' % item["id"] in page
    for h in ("<th", "Total", "Webmail", "Groupware Standard",
              "Groupware Premium"):
        assert h in page


def test_premium_line_only_with_a_premium_license(rs):
    """The quick report and its chart name Groupware Premium only when
    the license in force allows it; the site's key is put back after."""
    site = rs.site
    site.install_license(site.authority.mint(
        number="OXT-TEST-NOPREM", tier="unlimited", premium="no",
        free_usage="yes"))
    try:
        page = rs.get("report/reseller/%d" % rs.R, rs.admin).text
        assert "Service Groupware Standard:" in page
        assert "Service Groupware Premium:" not in page
        svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
        assert "Groupware Premium" not in svg and "Webmail" in svg
    finally:
        site.install_license(site.authority.mint(**site.license))
    assert "Service Groupware Premium:" in rs.get(
        "report/reseller/%d" % rs.R, rs.admin).text


def test_hostile_names_are_inert_in_html(rs):
    page = rs.get("report/reseller/%d" % rs.H, rs.admin,
                  per_page="all").text
    assert "<script>window" not in page
    assert "onerror=\"window" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__oxt_pwned=1&lt;/script&gt;" in page
    assert "=HYPERLINK(&quot;http://evil.example/&quot;" in page or \
        "=HYPERLINK(\"http://evil.example/\"" in page
    assert "\u202e" not in page


def test_the_lists_link_their_reports(rs):
    r = rs.get("resellers", rs.admin, format="json", per_page="all")
    by_id = {i["id"]: i for i in r.json()["items"]}
    assert by_id[rs.R]["report"] is True
    page = rs.get("resellers", rs.admin, per_page="all").text
    assert 'href="/oxtender/report/reseller/%d"' % rs.R in page
    page = rs.get("domains", rs.admin, per_page="all").text
    did = int(rs.site.psa_scalar("SELECT dom_id FROM mail WHERE id = %d"
                                 % rs.premium[0]))
    assert 'href="/oxtender/report/domain/%d"' % did in page


def test_bad_requests_answer_404(rs):
    missing = rs.get("report/client/999999", rs.admin, format="json")
    assert missing.status == 404
    for path, query in (("report/client/%d" % rs.R, {}),
                        ("report/domain/999999", {}),
                        ("report/reseller/%d" % rs.R, {"client": "x"}),
                        ("report/reseller/%d" % rs.R, {"reseller": rs.R})):
        r = rs.get(path, rs.admin, format="json", **query)
        assert r.status == 404, (path, query)
        assert r.text == missing.text
    assert rs.get("report/reseller/0", rs.admin).status == 404
    assert rs.get("report/mailbox/1", rs.admin).status == 404


# ---- who may see which report -------------------------------------------------

KINDS = ("reseller", "client", "domain")
ROUTE_ROLES = {"reseller": {"admin", "reseller"},
               "client": {"admin", "reseller", "client"},
               "domain": {"admin", "reseller", "client", "domain"}}
MISSING = 999999


@pytest.fixture(scope="module", params=[8, 9, 10])
def matrix(request, lists_flavour):
    ls = lists_flavour(request.param)
    callers, objs = setup_callers(ls)
    return ls, callers, objs


def may_see(ls, role, who, kind, oid):
    if role == "admin":
        return True
    if kind == role and oid == who[2]:
        return True
    return oid in ls.subtree(role, who[2], kind + "s")


def test_tenant_matrix(matrix):
    ls, callers, objs = matrix
    seen = {200: 0, 404: 0}
    for role, who in callers.items():
        for kind in KINDS:
            path = "report/%s/%%d" % kind
            r = ls.get(path % MISSING, who, format="json")
            if not usable(ls, role) or role not in ROUTE_ROLES[kind]:
                assert r.status in (403, 404), (role, kind, r.status)
                continue
            if kind == "reseller" and ls.flavour < 9:
                assert r.status == 404
                continue
            missing = r.text
            assert r.status == 404, (role, kind, r.status)
            ids = {oid for rel in ("own", "sibling", "parent")
                   for k, oid in objs[role][rel].items()
                   if k == kind and oid is not None}
            if kind == role:
                ids.add(who[2])
            for oid in ids:
                r = ls.get(path % oid, who, format="json")
                seen[r.status] = seen.get(r.status, 0) + 1
                if may_see(ls, role, who, kind, oid):
                    assert r.status == 200, (role, kind, oid, r.text)
                    assert r.json()["id"] == oid
                    for c in ("csv", None):
                        q = {"format": c} if c else {}
                        assert ls.get(path % oid, who, **q).status == 200
                else:
                    assert (r.status, r.text) == (404, missing), \
                        (ls.flavour, role, kind, oid)
                    assert ls.get(path % oid, who,
                                  format="csv").status == 404
    assert seen[200] >= 3 and seen[404] >= 3, seen


# ---- in the browser -------------------------------------------------------------

@pytest.fixture
def js(browser):
    yield browser
    browser.reset()


@pytest.fixture
def nojs(browser_nojs):
    yield browser_nojs
    browser_nojs.reset()


def quick_lines(b):
    return [e.text for e in b.find_all("ul.oxt-quick-lines li")]


def walk_a_report(rs, b):
    """From the Resellers list to R's report, down to a client's and back
    with Up Level; sort and page by clicking."""
    data = report(rs, "reseller", rs.R)
    sign_in(b, rs, "admin")
    b.get(rs.httpd.url("/oxtender/resellers?per_page=all"))
    ready(b)
    b.find("td.oxt-col-report a[href$='/report/reseller/%d']"
           % rs.R).click()
    b.wait_url("/report/reseller/%d" % rs.R)
    ready(b)
    assert b.find("h1").text == "Information for Reseller " + data["name"]
    s = data["services"]
    assert quick_lines(b) == [
        "Service Webmail: %d mailboxes" % s["webmail"],
        "Service Groupware Standard: %d mailboxes"
        % s["groupware_standard"],
        "Service Groupware Premium: %d mailboxes" % s["groupware_premium"],
        "Total: %d mailboxes" % data["mailboxes"]["total"]]
    chart = b.find("svg[role=img]")
    assert chart.is_displayed() and chart.size["width"] > 100
    texts = [t.text for t in b.find_all("svg[role=img] text")]
    for key in SERVICES:
        assert any(str(s[key]) in t for t in texts), texts
    rows = b.find_all("tbody tr")
    assert len(rows) == min(25, data["rows"]["total"])
    b.screenshot("report-reseller-%s" % ("js" if b.javascript else "nojs"))
    # sort by Webmail, the largest first
    b.find("th.oxt-col-webmail a.oxt-sort").click()
    b.wait_css("th.oxt-col-webmail[aria-sort=ascending]")
    b.find("th.oxt-col-webmail a.oxt-sort").click()
    b.wait_css("th.oxt-col-webmail[aria-sort=descending]")
    nums = [int(e.text) for e in b.find_all("td.oxt-col-webmail")]
    assert nums == sorted(nums, reverse=True) and nums[0] > 0
    # down to the first client, and Up Level back
    link = b.find("td.oxt-col-name a[href*='/report/client/']")
    name = link.text
    link.click()
    b.wait_url("/report/client/")
    ready(b)
    assert b.find("h1").text == "Information for Client " + name
    b.find("a.oxt-button[href$='/report/reseller/%d']" % rs.R).click()
    b.wait_url("/report/reseller/%d" % rs.R)
    ready(b)
    inert(b)


def test_a_report_with_javascript(rs, js):
    walk_a_report(rs, js)


def test_a_report_without_javascript(rs, nojs):
    walk_a_report(rs, nojs)
    # paging by links alone
    nojs.get(rs.httpd.url("/oxtender/report/reseller/%d" % rs.H))
    ready(nojs)
    nojs.find("nav.oxt-paging").find_element("link text", "10").click()
    nojs.wait_url("per_page=10")
    assert len(nojs.find_all("tbody tr")) == 10
    nojs.find("nav.oxt-paging").find_element("link text", "2").click()
    nojs.wait_url("page=2")
    assert nojs.find("nav.oxt-paging .oxt-count").text.startswith("11-")
    href = nojs.find("a.oxt-button[href*='format=csv']").get_attribute(
        "href")
    assert "/oxtender/report/reseller/%d?format=csv" % rs.H in href


def test_hostile_names_in_a_report_execute_nothing(rs, js):
    sign_in(js, rs, "admin")
    js.get(rs.httpd.url("/oxtender/report/reseller/%d?per_page=all"
                        % rs.H))
    ready(js)
    assert js.find("h1").text == "Information for Reseller " + \
        HOSTILE_NAMES[0]
    names = [e.text for e in js.find_all("td.oxt-col-name bdi")]
    for name in FORMULAS + HOSTILE_NAMES[:4]:
        assert name in names, name
    js.screenshot("report-hostile")
    inert(js)
