"""The Resellers, Clients and Domains pages in headless Chromium, served by
the module itself (Plesk 9 site with hostile names, the real OX emulator
and replicator):

  - each role signs in with a Plesk session and walks every tab it has;
  - search, sort (the arrow), paging and entries per page by clicking;
  - the Prefs dialog of each list in a <dialog> (focus in, Esc, focus
    back) and, without JavaScript, as a plain page;
  - Apply Your Changes: the change is queued, then the real replicator
    puts the domain into the emulator and the list shows it replicated;
  - the header box of a column ticks all of it, Apply takes them all;
  - once with JavaScript off; flows with the keyboard only;
  - the hostile names execute nothing and break no layout; bidi and
    zero-width controls arrive as visible U+FFFD; an IDN is shown in
    Unicode and found by either form.
Screenshots go to tests/gen/artifacts.
"""
import re

import pytest

from harness.lists import HOSTILE_NAMES
from harness.oxsim import OxSim, MASTER

pytestmark = pytest.mark.expect_log("AH01631")


@pytest.fixture(scope="module")
def bs(lists_flavour):
    """The Plesk 9 lists site with the emulator and Settings for it; the
    site is shared with the other lists tests: after this file its
    Settings, preferences and what the replication here left are put back
    as they were (conftest.py, LISTS_TABLES)."""
    ls = lists_flavour(9)
    sim = OxSim().start()
    for key, value in (("ox_host", "127.0.0.1:%d" % sim.port),
                       ("ox_use_https", "0"), ("ox_username", MASTER[0]),
                       ("imap_server", "127.0.0.1"),
                       ("smtp_server", "127.0.0.1"),
                       ("default_language", "en_US"),
                       ("default_timezone", "Europe/Berlin")):
        res = ls.site.replicator("settings", "set", key, value)
        assert res.returncode == 0, res.stderr
    import subprocess
    from harness import env
    res = subprocess.run([env.REPLICATOR, "-c", ls.site.config, "settings",
                          "set-ox-password"], input=MASTER[1] + "\n",
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    ls.sim = sim
    yield ls
    sim.stop()


@pytest.fixture
def js(browser):
    yield browser
    browser.reset()


@pytest.fixture
def nojs(browser_nojs):
    yield browser_nojs
    browser_nojs.reset()


def sign_in(b, ls, login):
    """A Plesk session for login, its cookie in the browser, the home
    page open."""
    sid = ls.site.add_session(login)
    b.get(ls.httpd.url("/oxtender-static/oxtender.css"))
    b.driver.add_cookie({"name": "PHPSESSID", "value": sid, "path": "/"})
    b.get(ls.httpd.url("/oxtender/"))
    b.wait_css("h1")
    return sid


def ready(b):
    """The page is there (and with JavaScript, our script has run)."""
    b.wait_css("footer.oxt-footer")
    if b.javascript and b.find_all("label.oxt-all"):
        b.wait(lambda d: b.js("return !document.querySelector("
                              "'label.oxt-all').hidden"))


def inert(b):
    """Nothing injected ran, nothing was blocked."""
    assert b.alert_text() is None
    assert b.js("return typeof window.__oxt_pwned") == "undefined"
    assert b.js("return document.querySelectorAll('#injected').length") == 0
    if b.javascript:
        assert b.csp_violations() == []


def grant_chain(ls):
    """(reseller, client, domain) logins of one active chain, granted."""
    r, rid, c, cid, d, did = ls.site.psa(
        "SELECT r.login, r.id, c.login, c.id, d.name, d.id FROM clients r"
        " JOIN clients c ON c.parent_id = r.id JOIN domains d ON d.cl_id ="
        " c.id JOIN dom_level_usrs u ON u.dom_id = d.id AND u.state ="
        " 'true' WHERE r.type = 'reseller' AND r.status = 0 AND"
        " c.status = 0 AND d.status = 0 AND r.login LIKE 'reseller%'"
        " ORDER BY d.id LIMIT 1")[0]
    ls.grant("reseller", int(rid))
    ls.grant("client", int(cid))
    ls.grant("domain", int(did))
    return r, c, d


TABS = {"admin": ["Resellers", "Clients", "Domains", "Mailboxes", "Logs",
                  "Settings", "License"],
        "reseller": ["Clients", "Domains", "Mailboxes", "Logs"],
        "client": ["Domains", "Mailboxes", "Logs"],
        "domain": ["Mailboxes", "Logs"]}
# the pages of the other tabs, by their headings (their own tests go on)
HEADINGS = {"Logs": "Replication Logs", "Settings": "Settings",
            "License": "License Management"}


def test_each_role_walks_its_tabs(bs, js):
    r, c, d = grant_chain(bs)
    for role, login in (("admin", "admin"), ("reseller", r), ("client", c),
                        ("domain", d)):
        js.reset()
        sign_in(js, bs, login)
        tabs = [a.text for a in js.find_all("nav.oxt-tabs a")]
        assert tabs == TABS[role], role
        js.screenshot("lists-home-%s" % role)
        for tab in TABS[role]:
            js.find("nav.oxt-tabs").find_element(
                "link text", tab).click()
            js.wait(lambda drv, t=tab: js.find(
                "nav.oxt-tabs a[aria-current=page]").text == t)
            ready(js)
            heading = js.find("h1").text
            if tab in HEADINGS:
                assert heading.startswith(HEADINGS[tab]), heading
            else:
                assert heading.startswith("%s Management" % tab)
            if role != "admin" and tab not in HEADINGS:
                assert " for %s " % role.capitalize() in heading
            inert(js)
            js.screenshot("lists-%s-%s" % (role, tab.lower()))


def test_search_sort_and_pages_by_clicking(bs, js):
    sign_in(js, bs, "admin")
    js.get(bs.httpd.url("/oxtender/domains"))
    ready(js)
    box = js.find("#oxt-q")
    box.send_keys("dom1")
    js.find("form#oxt-search button[type=submit]").click()
    js.wait_url("q=dom1")
    ready(js)
    total = bs.json("domains", bs.admin, q="dom1")["total"]
    assert re.search(r"\b%d domains total" % total, js.find(
        "nav.oxt-paging .oxt-count").text) or \
        "of %d total" % total in js.find("nav.oxt-paging .oxt-count").text
    names = [e.text for e in js.find_all("td.oxt-col-name bdi")]
    assert names and all("dom1" in n for n in names)
    js.screenshot("lists-search")
    js.find("form#oxt-search a.oxt-button").click()        # Reset Search
    js.wait(lambda d: "q=" not in d.current_url)
    ready(js)
    # sort by Mailboxes, then the other way
    js.find("th.oxt-col-mailboxes a.oxt-sort").click()
    js.wait_css("th.oxt-col-mailboxes[aria-sort=ascending] .oxt-arrow")
    js.find("th.oxt-col-mailboxes a.oxt-sort").click()
    js.wait_css("th.oxt-col-mailboxes[aria-sort=descending] .oxt-arrow")
    totals = [int(e.text.split()[0]) for e in js.find_all(
        "td.oxt-col-mailboxes a:first-child")]
    assert totals == sorted(totals, reverse=True) and totals
    # 10 a page, then page 2
    js.find("nav.oxt-paging").find_element("link text", "10").click()
    js.wait_url("per_page=10")
    ready(js)
    assert len(js.find_all("tbody tr")) == 10
    js.find("nav.oxt-paging").find_element("link text", "2").click()
    js.wait_url("page=2")
    ready(js)
    assert js.find("nav.oxt-paging .oxt-count").text.startswith("11-20 ")
    assert js.find("nav.oxt-paging [aria-current=page]").text == "2"
    js.screenshot("lists-sorted-page2")
    inert(js)


def open_dialog_by_keyboard(js, link):
    from selenium.webdriver.common.keys import Keys
    js.js("arguments[0].focus()", link)
    js.keys(Keys.ENTER)
    return js.wait_css("dialog.oxt-dialog[open]")


@pytest.mark.parametrize("route", ["resellers", "clients", "domains"])
def test_the_prefs_dialog_of_each_list(bs, js, route):
    from selenium.webdriver.common.keys import Keys
    sign_in(js, bs, "admin")
    js.get(bs.httpd.url("/oxtender/%s?per_page=10" % route))
    ready(js)
    link = js.find("td.oxt-col-prefs a[data-oxt-dialog]")
    dialog = open_dialog_by_keyboard(js, link)
    assert js.wait(lambda d: js.active().get_attribute("id")
                   == "f-quota_mb")
    assert "Preferences" in dialog.find_element("css selector", "h2").text
    js.screenshot("lists-dialog-%s" % route)
    inert(js)
    js.keys(Keys.ESCAPE)
    js.wait_gone("dialog.oxt-dialog")
    assert js.wait(lambda d: js.js("return document.activeElement === "
                                   "arguments[0]", link))
    # Saved from the dialog: back on the list with the message.
    dialog = open_dialog_by_keyboard(js, link)
    from selenium.webdriver.support.ui import Select
    Select(dialog.find_element("css selector", "#f-timezone")) \
        .select_by_value("Europe/Bucharest")
    dialog.find_element("css selector", "button[type=submit]").click()
    js.wait_css("div.oxt-msg-info")
    assert "are saved" in js.find("div.oxt-msg-info").text
    assert js.driver.current_url.split("?")[0].endswith("/oxtender/" + route)
    level = route[:-1]
    got = bs.site.oxt("SELECT COUNT(*) FROM prefs WHERE level = '%s' AND"
                      " timezone = 'Europe/Bucharest'" % level)[0][0]
    assert int(got) >= 1
    bs.site.db.sql("UPDATE prefs SET timezone = NULL WHERE level = '%s'"
                   % level, bs.site.oxtender_db)


def domain_to_replicate(ls):
    """An active domain of an active client with mail on and plain-text
    passwords, nothing replicated yet."""
    row = ls.site.psa(
        "SELECT d.id, d.name FROM domains d JOIN clients c ON c.id ="
        " d.cl_id JOIN DomainServices ds ON ds.dom_id = d.id AND ds.type ="
        " 'mail' AND ds.status = 0 JOIN mail m ON m.dom_id = d.id AND"
        " m.postbox = 'true' JOIN accounts a ON a.id = m.account_id AND"
        " a.type = 'plain' AND a.password <> '' WHERE d.status = 0 AND"
        " c.status = 0 AND d.name LIKE 'dom%' AND (c.parent_id IS NULL OR"
        " (SELECT status FROM clients p WHERE p.id = c.parent_id) = 0)"
        " GROUP BY d.id ORDER BY d.id DESC LIMIT 1")[0]
    return int(row[0]), row[1]


def test_apply_is_queued_then_replicated(bs, js):
    did, name = domain_to_replicate(bs)
    sign_in(js, bs, "admin")
    js.get(bs.httpd.url("/oxtender/domains?q=%s" % name))
    ready(js)
    box = js.find("input[name=forever][value='%d']" % did)
    assert not box.is_selected()
    box.click()
    js.find("button[name=apply]").click()
    js.wait_css("div.oxt-msg-info")
    msg = js.find("div.oxt-msg-info").text
    assert "Webmail Forever turned on for 1 domain" in msg
    assert "Replication is not instantaneous" in msg
    js.screenshot("lists-applied")
    assert bs.site.oxt("SELECT object_type, object_id FROM queue WHERE"
                       " object_type = 'domain' AND object_id = %d" % did)
    res = bs.site.replicator("run", timeout=300)
    assert res.returncode == 0, res.stderr
    contexts = {c["name"]: c for c in bs.sim.state()["contexts"]}
    assert name in contexts, sorted(contexts)
    users = [u for u in contexts[name]["users"]
             if str(u.get("contextadmin")).lower() not in ("true", "1")]
    assert users
    # The list says so: the run refreshed the directory.
    js.get(bs.httpd.url("/oxtender/domains?q=%s" % name))
    ready(js)
    ox = js.find("tr td.oxt-col-mailboxes a + a, tr td.oxt-col-mailboxes"
                 " a:nth-of-type(2)").text
    assert ox == "%d OX" % len(users)
    assert js.find("td.oxt-col-report a img").get_attribute("alt") == \
        "Service utilization report"
    assert js.find("td.oxt-col-modified time")
    js.screenshot("lists-replicated")


def now_boxes(b):
    return b.find_all("tbody input[data-oxt-col=now]:not([disabled])")


def test_select_all_ticks_its_column_and_apply_takes_them_all(bs, js):
    """The header box of Webmail Now (shown only with the script), by the
    keyboard: Space ticks every enabled box of its column and no other,
    one untick makes it mixed, and Apply Your Changes applies the lot;
    then the same way back."""
    from selenium.webdriver.common.keys import Keys
    sign_in(js, bs, "admin")
    url = bs.httpd.url("/oxtender/domains?q=dom1&per_page=10")
    js.get(url)
    ready(js)
    all_ = js.find("th.oxt-col-now input[data-oxt-all]")
    assert all_.is_displayed()
    boxes = now_boxes(js)
    assert len(boxes) >= 2
    assert not any(b.is_selected() for b in boxes)
    forever = [b.is_selected() for b in js.find_all(
        "tbody input[data-oxt-col=forever]")]
    js.js("arguments[0].focus()", all_)
    js.keys(Keys.SPACE)
    assert all(b.is_selected() for b in now_boxes(js))
    assert [b.is_selected() for b in js.find_all(
        "tbody input[data-oxt-col=forever]")] == forever
    boxes[0].click()
    assert js.js("return arguments[0].indeterminate", all_)
    assert not all_.is_selected()
    boxes[0].click()
    assert all_.is_selected()
    assert not js.js("return arguments[0].indeterminate", all_)
    js.screenshot("lists-select-all")
    js.find("button[name=apply]").click()
    js.wait_css("div.oxt-msg-info")
    n = len(boxes)
    assert "Webmail Now requested for %d domains." % n in \
        js.find("div.oxt-msg-info").text
    ready(js)
    assert all(b.is_selected() for b in now_boxes(js))
    assert js.find("th.oxt-col-now input[data-oxt-all]").is_selected()
    js.js("arguments[0].focus()", js.find(
        "th.oxt-col-now input[data-oxt-all]"))
    js.keys(Keys.SPACE)
    assert not any(b.is_selected() for b in now_boxes(js))
    js.find("button[name=apply]").click()
    js.wait_css("div.oxt-msg-info")
    assert "Webmail Now withdrawn for %d domains." % n in \
        js.find("div.oxt-msg-info").text


def test_the_keyboard_alone_sets_preferences(bs, js):
    """From the page's top with Tab to the first Prefs link, Enter opens
    the dialog with the focus in it, typing and Enter save it."""
    from selenium.webdriver.common.keys import Keys
    sign_in(js, bs, "admin")
    js.get(bs.httpd.url("/oxtender/clients?per_page=10"))
    ready(js)
    target = js.find("td.oxt-col-prefs a[data-oxt-dialog]")
    for _ in range(120):
        js.keys(Keys.TAB)
        if js.js("return document.activeElement === arguments[0]", target):
            break
    assert js.js("return document.activeElement === arguments[0]", target)
    cid = re.search(r"/clients/(\d+)/prefs", target.get_attribute("href"))
    js.keys(Keys.ENTER)
    js.wait_css("dialog.oxt-dialog[open]")
    assert js.wait(lambda d: js.active().get_attribute("id")
                   == "f-quota_mb")
    js.keys(Keys.END, *([Keys.BACKSPACE] * 12))
    js.keys("55")
    js.keys(Keys.ENTER)
    js.wait_css("div.oxt-msg-info")
    assert "are saved" in js.find("div.oxt-msg-info").text
    js.screenshot("lists-keyboard-saved")
    assert bs.site.oxt("SELECT default_quota_mb FROM prefs WHERE level ="
                       " 'client' AND plesk_id = %s" % cid.group(1)) == \
        [("55",)]


def test_without_javascript(bs, nojs):
    sign_in(nojs, bs, "admin")
    nojs.get(bs.httpd.url("/oxtender/domains?per_page=10"))
    ready(nojs)
    assert nojs.js("return document.querySelector('label.oxt-all').hidden")
    # Hide Search is a link that is remembered
    nojs.find("a.oxt-toggle").click()
    nojs.wait_url("search=hide")
    assert not nojs.find("form#oxt-search").is_displayed()
    nojs.get(bs.httpd.url("/oxtender/domains?per_page=10"))
    assert not nojs.find("form#oxt-search").is_displayed()
    assert nojs.find("a.oxt-toggle").text == "Show Search"
    nojs.find("a.oxt-toggle").click()
    nojs.wait_url("search=show")
    assert nojs.find("form#oxt-search").is_displayed()
    # Apply works without the script
    box = nojs.find("input[name=access]:not([disabled])")
    did = box.get_attribute("value")
    was = box.is_selected()
    box.click()
    nojs.find("button[name=apply]").click()
    nojs.wait_css("div.oxt-msg-info")
    assert ("Access granted" if not was else "Access taken") in \
        nojs.find("div.oxt-msg-info").text
    nojs.screenshot("lists-nojs-applied")
    # The Prefs dialog is a page; a refused value is said next to it.
    nojs.find("td.oxt-col-prefs a[data-oxt-dialog]").click()
    nojs.wait_url("/prefs")
    field = nojs.find("#f-quota_mb")
    field.clear()
    field.send_keys("100000001")
    nojs.find("form#oxt-prefs-form button[type=submit]").click()
    nojs.wait_css("p.oxt-field-error")
    assert nojs.find("#f-quota_mb-err").text == \
        "A number of MB from 0 to 100000000."
    nojs.screenshot("lists-nojs-prefs-refused")
    field = nojs.find("#f-quota_mb")
    field.clear()
    field.send_keys("77")
    nojs.find("form#oxt-prefs-form button[type=submit]").click()
    nojs.wait_css("div.oxt-msg-info")
    assert "are saved" in nojs.find("div.oxt-msg-info").text
    assert bs.site.oxt("SELECT COUNT(*) FROM prefs WHERE default_quota_mb"
                       " = 77")[0][0] == "1"
    assert did


def test_hostile_names_execute_nothing_and_break_no_layout(bs, js):
    sign_in(js, bs, "admin")
    names = []
    for width in (1280, 800):
        js.driver.set_window_size(width, 900)
        for route in ("clients", "domains", "resellers"):
            js.get(bs.httpd.url("/oxtender/%s?per_page=all" % route))
            ready(js)
            inert(js)
            js.screenshot("lists-hostile-%s-%d" % (route, width))
            layout = js.js("""
                var over = [];
                document.querySelectorAll('td, th').forEach(function (c) {
                    if (c.scrollWidth > c.clientWidth + 1)
                        over.push(c.className);
                });
                return {page: document.documentElement.scrollWidth,
                        view: document.documentElement.clientWidth,
                        over: over};""")
            assert layout["page"] <= layout["view"], (route, layout)
            assert layout["over"] == [], (route, layout)
            bad = js.js("""
                var bad = [];
                document.querySelectorAll('*').forEach(function (el) {
                    for (var i = 0; i < el.attributes.length; i++) {
                        var a = el.attributes[i];
                        if (/^on/i.test(a.name)
                            || /^\\s*javascript:/i.test(a.value))
                            bad.push(el.tagName + ' ' + a.name);
                    }
                });
                return bad;""")
            assert bad == []
            names += js.js("return Array.from(document.querySelectorAll("
                           "'td.oxt-col-name bdi')).map(function (e) {"
                           " return e.textContent; })")
    js.driver.set_window_size(1280, 900)
    assert "<script>window.__oxt_pwned=1</script>" in names
    # bidi overrides and zero-width characters arrive as visible U+FFFD,
    # so no name can reorder or hide text; right-to-left script stays
    # inside its own cell
    assert "\ufffdgpj.exe Mallory \ufffd" in names
    assert "adm\ufffdin\ufffd\ufffd" in names
    assert not [n for n in names if re.search(
        "[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]", n)]
    assert HOSTILE_NAMES[5] in names
    assert js.js("return Array.from(document.querySelectorAll("
                 "'td.oxt-col-name bdi')).every(function (e) {"
                 " return getComputedStyle(e).unicodeBidi === 'isolate'; })")
    # an IDN is shown as people write it, found by either form
    for q in ("b%C3%BCcher", "xn--bcher"):
        js.get(bs.httpd.url("/oxtender/domains?q=%s" % q))
        ready(js)
        shown = [e.text for e in js.find_all("td.oxt-col-name bdi")]
        assert shown and all("b\u00fccher" in n for n in shown), shown
        inert(js)
    # the dialog of a hostile client is inert too
    js.get(bs.httpd.url("/oxtender/clients?q=javascript"))
    ready(js)
    js.find("td.oxt-col-prefs a[data-oxt-dialog]").click()
    js.wait_css("dialog.oxt-dialog[open]")
    inert(js)
    js.screenshot("lists-hostile-dialog")
