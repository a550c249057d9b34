"""The Settings and Replication Logs pages in headless Chromium, served by
the module on the site of harness/setlogs.py (real replication runs, the
emulator), each with JavaScript on and off:

  - Settings: a refused value is said next to its field and nothing is
    saved; Test connection (the second button) refuses it the same way,
    sending nothing, and with the field corrected says what it found;
  - Logs: a hostile mailbox name executes nothing and shows as text; the
    failure's reason appears on keyboard focus; Remove of a ticked row;
    the debug logs page with the fault in red; Retry of a parked item;
    Clean Log through its confirmation (a <dialog> with JavaScript, a
    page without), only the caller's rows.
Screenshots go to tests/gen/artifacts.
"""
import pytest

from harness.mariadb import sql_quote
from harness.setlogs import HOSTILE

pytestmark = pytest.mark.expect_log("AH01631")
REMOVED = "Successfully removed logs from the system."


@pytest.fixture(params=["js", "nojs"])
def b(request, browser, browser_nojs):
    br = browser if request.param == "js" else browser_nojs
    yield br
    br.reset()


def sign_in(b, sl, login, route):
    sid = sl.site.add_session(login)
    b.get(sl.httpd.url("/oxtender-static/oxtender.css"))
    b.driver.add_cookie({"name": "PHPSESSID", "value": sid, "path": "/"})
    b.get(sl.httpd.url("/oxtender/%s" % route))
    b.wait_css("footer.oxt-footer")


def inert(b):
    """Nothing injected ran, nothing was blocked."""
    assert b.alert_text() is None
    assert not b.find_all("#injected") and not b.find_all("main img[src=x]")
    if b.javascript:
        assert b.js("return typeof window.__oxt_pwned") == "undefined"
        assert b.csp_violations() == []


def settings_row(sl):
    return sl.site.oxt("SELECT * FROM settings")


def test_settings(setlogs_site, b):
    sl = setlogs_site
    tag = "js" if b.javascript else "nojs"
    before = settings_row(sl)
    sign_in(b, sl, "admin", "settings")
    assert b.find("h1").text.startswith("Settings")
    assert b.find("#f-ox_password").get_attribute("value") == ""
    field = b.find("#f-imap_server")
    field.clear()
    field.send_keys("2001:db8::1")
    b.find("button[name=ok]").click()
    err = b.wait_css("#f-imap_server-err")
    assert "IPv6 address in brackets" in err.text
    assert "Nothing was saved" in b.find("div.oxt-msg-error").text
    assert b.find("#f-imap_server").get_attribute("value") == "2001:db8::1"
    b.screenshot("settings-%s-refused" % tag)
    assert settings_row(sl) == before
    inert(b)
    # Test connection checks what is entered as OK does: nothing is sent
    calls = sl.sim.counters()["requests"]
    b.find("button[name=test]").click()
    b.wait(lambda d: "Nothing was sent to OX" in d.find_element(
        "css selector", "div.oxt-msg-error").text)
    assert "IPv6 address in brackets" in b.find("#f-imap_server-err").text
    assert sl.sim.counters()["requests"] == calls
    inert(b)
    # corrected, it tests what is entered
    field = b.find("#f-imap_server")
    field.clear()
    field.send_keys("[2001:db8::1]")
    b.find("button[name=test]").click()
    box = b.wait_css("div.oxt-msg-info")
    assert "OX answered" in box.text and "accepted the credentials" in \
        box.text
    assert settings_row(sl) == before
    b.screenshot("settings-%s-tested" % tag)
    inert(b)


def default_options(b):
    """The Default OX language's options a person can pick (value: text),
    and the one selected."""
    sel = b.find("#f-default_language")
    opts = b.js("return Array.prototype.map.call(arguments[0].options,"
                " function (o) { return [o.value, o.hidden || o.disabled,"
                " o.selected]; })", sel)
    return [v for v, off, _ in opts if not off], \
        [v for v, _, on in opts if on][0]


def test_settings_default_language_among_the_chosen(setlogs_site, b):
    from selenium.webdriver.support.ui import Select
    sl = setlogs_site
    tag = "js" if b.javascript else "nojs"
    before = sl.site.oxt("SELECT code, allowed FROM ox_language ORDER BY 1")
    allowed = sorted(c for c, a in before if a == "1")
    new = [c for c, a in before if a == "0"][0]
    try:
        sign_in(b, sl, "admin", "settings")
        offered, selected = default_options(b)
        every = sorted(["plesk"] + [c for c, _ in before])
        if b.javascript:
            # only the languages chosen (and Plesk's), narrowed live
            assert sorted(offered) == sorted(["plesk"] + allowed), offered
            Select(b.find("#f-ox_languages")).select_by_value(new)
            offered, _ = default_options(b)
            assert sorted(offered) == sorted(["plesk"] + allowed + [new])
        else:
            # every language: the server checks
            assert sorted(offered) == every, offered
            Select(b.find("#f-ox_languages")).select_by_value(new)
        # made the default in the same save
        Select(b.find("#f-default_language")).select_by_value(new)
        b.find("button[name=ok]").click()
        b.wait(lambda d: "The settings are saved." in d.find_element(
            "css selector", "main").text)
        assert sl.site.oxt("SELECT default_language FROM settings") == \
            [(new,)]
        assert sl.site.oxt("SELECT allowed FROM ox_language WHERE code ="
                           " %s" % sql_quote(new)) == [("1",)]
        b.screenshot("settings-%s-default-language" % tag)
        # a language not chosen: with JavaScript it is not offered; the
        # server refuses it either way, next to the field
        Select(b.find("#f-ox_languages")).deselect_by_value(new)
        offered, selected = default_options(b)
        assert selected == new
        if b.javascript:
            assert new in offered       # the selected one stays offered
            other = [c for c in every if c not in allowed + [new, "plesk"]]
            assert not set(other) & set(offered)
        b.find("button[name=ok]").click()
        err = b.wait_css("#f-default_language-err")
        assert "Must be one of the OX languages chosen" in err.text
        assert sl.site.oxt("SELECT default_language FROM settings") == \
            [(new,)]
        inert(b)
    finally:
        sl.settings_set(default_language="en_US")
        sl.settings_set(ox_languages=",".join(allowed))


def hostile_row(sl):
    """A row of reseller R1's subtree with a hostile address (restored by
    the caller)."""
    rid, addr = sl.site.oxt(
        "SELECT id, address FROM replication_log WHERE reseller_id = %d"
        " AND outcome = 'success' ORDER BY id DESC LIMIT 1"
        % sl.ids["r1"])[0]
    sl.site.db.sql("UPDATE replication_log SET address = %s WHERE id = %s"
                   % (sql_quote(HOSTILE), rid), sl.site.oxtender_db)
    return int(rid), addr


def test_logs_hostile_name_reason_remove_debug(setlogs_site, b):
    sl = setlogs_site
    tag = "js" if b.javascript else "nojs"
    rid, addr = hostile_row(sl)
    try:
        sign_in(b, sl, sl.callers["reseller"][0], "logs?per_page=all")
        inert(b)
        assert HOSTILE in b.find("main").text
        b.screenshot("logs-%s-hostile" % tag)
        # the reason of a failure: shown on keyboard focus
        tip = b.find("span.oxt-tip")
        if b.javascript:
            b.js("arguments[0].focus()", tip)
            text = tip.find_element("css selector", ".oxt-tip-text")
            b.wait(lambda d: text.size["width"] > 20)
            assert "authentication failed" in text.text
        else:
            assert "authentication failed" in tip.get_attribute(
                "textContent")
        assert tip.get_attribute("tabindex") == "0"
        # Remove the ticked row
        box = b.find("input[name=sel][value='%d']" % rid)
        box.click()
        b.find("button[name=remove]").click()
        msg = b.wait_css("div.oxt-msg-info")
        assert REMOVED in msg.text
        assert rid not in sl.log_ids()
        inert(b)
        # the debug logs of a failure
        b.driver.find_element("xpath", "//tr[.//span[@class='oxt-tip']]"
                              "//a[contains(@href, '/debug')]").click()
        b.wait_url("/debug")
        b.wait_css("pre.oxt-xml-text")
        fault = b.find("span.oxt-fault")
        r, g, bl = [int(x) for x in fault.value_of_css_property("color")
                    .split("(")[1].split(")")[0].split(",")[:3]]
        assert r > 120 and g < 90 and bl < 90, (r, g, bl)
        assert "********" in b.find("main").text
        b.screenshot("logs-%s-debug" % tag)
        inert(b)
    finally:
        sl.site.db.sql("UPDATE replication_log SET address = %s WHERE id ="
                       " %d" % (sql_quote(addr), rid), sl.site.oxtender_db)


def test_retry_a_parked_item(setlogs_site, b):
    sl = setlogs_site
    sl.site.oxt("UPDATE queue SET parked = 1, parked_at = NOW() WHERE"
                " object_type = 'domain' AND object_id = %d" % sl.ids["d2"])
    sign_in(b, sl, sl.callers["client"][0], "logs")
    assert "Parked items" in b.find("#oxt-parked-title").text
    b.find("button[name=retry]").click()
    assert "queued again" in b.wait_css("div.oxt-msg-info").text
    assert sl.site.oxt("SELECT parked FROM queue WHERE object_type ="
                       " 'domain' AND object_id = %d" % sl.ids["d2"]) == \
        [("0",)]
    assert not b.find_all("#oxt-parked-title")
    inert(b)


def test_clean_log_through_its_confirmation(setlogs_site, b):
    sl = setlogs_site
    dom = sl.ids["d2"] if b.javascript else sl.ids["d3"]
    name = sl.site.psa("SELECT name FROM domains WHERE id = %d" % dom)[0][0]
    sl.grant("domain", dom)
    mine = sl.log_ids("dom_id = %d" % dom)
    assert mine
    before = sl.log_ids()
    sign_in(b, sl, name, "logs")
    b.find("a[href$='/logs/clean']").click()
    if b.javascript:
        dialog = b.wait_css("dialog.oxt-dialog[open]")
        assert "Clean Log" in dialog.find_element("css selector", "h2").text
        b.screenshot("logs-js-clean-dialog")
        # Cancel first: nothing happens
        dialog.find_element("css selector", "a[data-oxt-close]").click()
        b.wait_gone("dialog.oxt-dialog")
        assert sl.log_ids() == before
        b.find("a[href$='/logs/clean']").click()
        dialog = b.wait_css("dialog.oxt-dialog[open]")
        dialog.find_element("css selector", "button[type=submit]").click()
    else:
        b.wait_url("/logs/clean")
        assert "cannot be undone" in b.find("main").text
        b.screenshot("logs-nojs-clean-page")
        b.find("form#oxt-clean-form button[type=submit]").click()
    assert REMOVED in b.wait_css("div.oxt-msg-info").text
    assert sl.log_ids() == before - mine
    assert "No logs." in b.find("#oxt-list-form table.oxt-list").text
    inert(b)
