"""The page kit in a real browser: headless Chromium (Debian's selenium,
chromium and chromedriver) against a private Apache that serves pages
rendered by the kit (build/.../oxt-pagekit render) with htdocs/ under the
same Content-Security-Policy our pages send, and answers their POSTs with
the same program as a CGI script (the kit's own form, multipart and CSRF
code, on what Chromium really sends).

What is proven: hostile names execute nothing and inject nothing; long
names do not widen the page; select-all; the dialog with the keyboard
(open, focus inside, Esc, focus back); Hide/Show Search; and, with
JavaScript off, the list form and the dialog page still submit.
"""
import http.client
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

from harness import env

CSP = "default-src 'self'; frame-ancestors 'self'"
MODULES = "/usr/lib/apache2/modules"


@pytest.fixture(autouse=True)
def pagekit_built():
    """Plain make builds it: missing, the file fails (it was skipped)."""
    if not os.access(env.PAGEKIT, os.X_OK):
        pytest.fail("%s is not built (run make)" % env.PAGEKIT)


class Kit:
    def __init__(self, httpd, pages):
        self.httpd = httpd
        self.pages = pages

    def url(self, path):
        return self.httpd.base_url + path

    def post(self, body, headers=None):
        hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.httpd.port,
                                          timeout=30)
        try:
            conn.request("POST", "/kit-cgi/submit", body=body, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8")
        finally:
            conn.close()


def _apache_extra(root, pages):
    htdocs = os.path.join(env.TOP, "htdocs")
    return "\n".join([
        "LoadModule headers_module %s/mod_headers.so" % MODULES,
        "LoadModule env_module %s/mod_env.so" % MODULES,
        "LoadModule cgid_module %s/mod_cgid.so" % MODULES,
        'ScriptSock "%s"' % os.path.join(root, "run", "cgid.sock"),
        "AddType text/html .html",
        "AddType text/css .css",
        "AddType text/javascript .js",
        "AddType image/svg+xml .svg",
        'Alias /kit-static "%s"' % htdocs,
        'Alias /kit "%s"' % pages,
        'ScriptAlias /kit-cgi/submit "%s"' % env.PAGEKIT,
        '<LocationMatch "^/kit">',
        '    Header always set Content-Security-Policy "%s"' % CSP,
        "    Header always set X-Content-Type-Options nosniff",
        "    Header always set Cache-Control no-store",
        "</LocationMatch>",
        'SetEnv OXT_KIT_ORIGIN_FILE "%s"' % os.path.join(pages, "origin.txt"),
    ]) + "\n"


@pytest.fixture(scope="module")
def kit(run_dir, site, apache_factory):
    pages = os.path.join(run_dir, "pagekit-pages")
    os.makedirs(pages, exist_ok=True)
    os.chmod(pages, 0o755)
    subprocess.run([env.PAGEKIT, "render", pages], check=True, timeout=60)
    name = "apache-pagekit"
    httpd = apache_factory(name, site.config, extra=_apache_extra(
        os.path.join(run_dir, name), pages))
    # The origin the CGI side accepts: this server's (its port is free
    # and known only now).
    env.write_file(os.path.join(pages, "origin.txt"), httpd.base_url + "\n")
    for entry in os.listdir(pages):
        os.chmod(os.path.join(pages, entry), 0o644)
    return Kit(httpd, pages)


@pytest.fixture
def js(browser):
    yield browser
    browser.reset()


@pytest.fixture
def nojs(browser_nojs):
    yield browser_nojs
    browser_nojs.reset()


def _open_list(b, kit):
    b.get(kit.url("/kit/list.html"))
    b.wait_css("table.oxt-list tbody tr")
    if b.javascript:
        # The script shows the select-all boxes: it has run.
        b.wait(lambda d: b.js("return !document.querySelector("
                              "'label.oxt-all').hidden"))


# ---- nothing executes, nothing is injected ----------------------------------

def test_hostile_names_execute_nothing_and_inject_nothing(kit, js):
    _open_list(js, kit)
    js.screenshot("pagekit-list")
    assert js.alert_text() is None
    assert js.js("return typeof window.__oxt_pwned") == "undefined"
    assert js.js("return document.querySelectorAll('#injected').length") \
        == 0
    # Only our own script, our own chart; no element with a handler.
    assert js.js("return document.scripts.length") == 1
    assert js.js("return document.querySelectorAll('svg').length") == 1
    handlers = js.js("""
        var bad = [];
        document.querySelectorAll('*').forEach(function (el) {
            for (var i = 0; i < el.attributes.length; i++) {
                var a = el.attributes[i];
                if (/^on/i.test(a.name) || /^\\s*javascript:/i.test(a.value))
                    bad.push(el.tagName + ' ' + a.name);
            }
        });
        return bad;""")
    assert handlers == []
    # Nothing of ours was blocked by the CSP either (no inline style or
    # script slipped into the kit).
    assert js.csp_violations() == []
    # The names are shown as the text they are.
    names = js.js("return Array.from(document.querySelectorAll("
                  "'td.oxt-col-name bdi')).map(function (e) {"
                  " return e.textContent; })")
    assert "<script>window.__oxt_pwned=1</script>" in names
    assert "javascript:window.__oxt_pwned=1" in names
    assert "abc\ufffdgpj.exe" in names          # RLO made visible
    assert any(n.startswith("admin\ufffd") for n in names)
    heading = js.find("h1").text
    assert heading.startswith("Domains Management for Reseller </bdi>")


def test_the_dialog_page_name_is_inert_too(kit, js):
    js.get(kit.url("/kit/prefs.html"))
    js.wait_css("section[data-oxt-dialog-content]")
    assert js.js("return document.querySelectorAll('#injected').length") \
        == 0
    assert js.js("return typeof window.__oxt_pwned") == "undefined"
    assert js.csp_violations() == []


def test_long_names_wrap_within_the_window(kit, js):
    for width in (1280, 800):
        js.driver.set_window_size(width, 900)
        _open_list(js, kit)
        js.screenshot("pagekit-list-%d" % width)
        layout = js.js("""
            var t = document.querySelector('table.oxt-list');
            var over = [];
            t.querySelectorAll('td, th').forEach(function (c) {
                if (c.scrollWidth > c.clientWidth + 1)
                    over.push(c.className + ' ' + c.scrollWidth + '>'
                              + c.clientWidth);
            });
            return {page: document.documentElement.scrollWidth,
                    view: document.documentElement.clientWidth,
                    right: t.getBoundingClientRect().right,
                    over: over};""")
        assert layout["page"] <= layout["view"], layout
        assert layout["right"] <= layout["view"], layout
        assert layout["over"] == [], layout
    js.driver.set_window_size(1280, 900)


def _luminance(css_rgb):
    parts = [int(x) for x in css_rgb[css_rgb.index("(") + 1:
                                     css_rgb.index(")")].split(",")[:3]]
    return sum(parts) / 3


def test_light_and_dark_follow_the_system(kit, js):
    _open_list(js, kit)
    light = js.js("return getComputedStyle(document.body).backgroundColor")
    js.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    try:
        dark = js.js("return getComputedStyle(document.body).backgroundColor")
        text = js.js("return getComputedStyle(document.body).color")
        js.screenshot("pagekit-list-dark")
    finally:
        js.driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                                  {"features": []})
    assert _luminance(light) > 200
    assert _luminance(dark) < 60 and _luminance(text) > 180


# ---- the script's three jobs --------------------------------------------------

def _column_state(b, key):
    return b.js("return Array.from(document.querySelectorAll("
                "'tbody input[data-oxt-col=' + arguments[0] + ']')).map("
                "function (e) { return [e.checked, e.disabled]; })", key)


def test_select_all_ticks_every_enabled_box_of_its_column(kit, js):
    _open_list(js, kit)
    before = _column_state(js, "forever")
    js.find("label.oxt-all input[data-oxt-all=forever]").click()
    after = _column_state(js, "forever")
    assert len(after) == 12
    for (was, disabled), (now, _) in zip(before, after):
        assert now == (was if disabled else True)
    assert any(was for was, disabled in before if disabled)  # kept as is
    js.find("label.oxt-all input[data-oxt-all=forever]").click()
    assert all(not now for now, disabled in _column_state(js, "forever")
               if not disabled)
    # Another column is untouched.
    assert [c for c, _ in _column_state(js, "now")] == \
        [False] * 12


def test_the_dialog_opens_in_place_and_closes_with_the_keyboard(kit, js):
    from selenium.webdriver.common.keys import Keys
    _open_list(js, kit)
    link = js.find("a[data-oxt-dialog]")
    js.js("arguments[0].focus()", link)
    js.keys(Keys.ENTER)
    dialog = js.wait_css("dialog.oxt-dialog[open]")
    assert js.wait(lambda d: js.active().get_attribute("id")
                   == "f-default_quota")
    assert js.js("return arguments[0].contains(document.activeElement)",
                 dialog)
    assert "Preferences" in dialog.find_element("css selector", "h2").text
    assert dialog.find_element("css selector", ".oxt-field-error").text \
        .startswith("You can not fill in a value greater")
    js.screenshot("pagekit-dialog")
    js.keys(Keys.ESCAPE)
    js.wait_gone("dialog.oxt-dialog")
    assert js.wait(lambda d: js.js("return document.activeElement === "
                                   "arguments[0]", link))
    assert js.driver.current_url.endswith("/kit/list.html")
    # Cancel closes it too.
    link.click()
    js.wait_css("dialog.oxt-dialog[open]").find_element(
        "css selector", "[data-oxt-close]").click()
    js.wait_gone("dialog.oxt-dialog")


def test_the_dialog_form_posts_with_its_token(kit, js):
    _open_list(js, kit)
    js.find("a[data-oxt-dialog]").click()
    dialog = js.wait_css("dialog.oxt-dialog[open]")
    quota = dialog.find_element("css selector", "#f-max_quota")
    quota.clear()
    quota.send_keys("150")
    dialog.find_element("css selector", "button[type=submit]").click()
    js.wait_url("/kit-cgi/submit")
    js.wait_css("#received")
    assert js.find("#origin").text == "allowed"
    assert js.find("#token").text == "valid"
    assert _received(js)["max_quota"] == ["150"]
    assert _received(js)["lang"] == ["ar_EG"]


def test_hide_and_show_search_in_place(kit, js):
    _open_list(js, kit)
    toggle = js.find("a[data-oxt-toggle]")
    assert toggle.text == "Hide Search"
    toggle.click()
    assert js.js("return document.getElementById('oxt-search').hidden")
    assert toggle.text == "Show Search"
    assert toggle.get_attribute("aria-expanded") == "false"
    assert js.cookies().get("oxt_search_a0") == "hidden"
    assert js.driver.current_url.endswith("/kit/list.html")
    toggle.click()
    assert not js.js("return document.getElementById('oxt-search').hidden")
    assert js.cookies().get("oxt_search_a0") == "shown"


# ---- JavaScript off ---------------------------------------------------------

def _received(b):
    out = {}
    for row in b.find_all("#received tr"):
        key = row.find_element("css selector", "th").text
        out.setdefault(key, []).append(
            row.find_element("css selector", "td").text)
    return out


def test_without_javascript_the_list_form_still_submits(kit, nojs):
    _open_list(nojs, kit)
    # The page's script did not run: it would have shown select-all.
    # (WebDriver's own scripts still run, so ask the page, not the driver.)
    assert nojs.js("return document.querySelector('label.oxt-all').hidden")
    assert not nojs.find("label.oxt-all").is_displayed()
    box = nojs.find("input[name=forever][value='2']")
    assert not box.is_selected()
    box.click()
    nojs.find("input[name=now][value='4']").click()
    nojs.screenshot("pagekit-list-nojs")
    nojs.find("button[name=apply]").click()       # form= outside the form
    nojs.wait_url("/kit-cgi/submit")
    nojs.wait_css("#received")
    nojs.screenshot("pagekit-received-nojs")
    got = _received(nojs)
    assert nojs.find("#origin").text == "allowed"
    assert nojs.find("#token").text == "valid"
    assert got["row"] == [str(i) for i in range(1, 13)]
    assert "2" in got["forever"] and "4" in got["now"]
    assert got["apply"] == ["1"]


def test_without_javascript_the_dialog_is_a_plain_page(kit, nojs):
    _open_list(nojs, kit)
    nojs.find("a[data-oxt-dialog]").click()
    nojs.wait_url("/kit/prefs.html")
    nojs.wait_css("section[data-oxt-dialog-content] form")
    field = nojs.find("#f-default_quota")
    field.clear()
    field.send_keys("80")
    nojs.find("button[type=submit]").click()
    nojs.wait_url("/kit-cgi/submit")
    nojs.wait_css("#received")
    assert nojs.find("#token").text == "valid"
    assert _received(nojs)["default_quota"] == ["80"]


def test_a_file_upload_reaches_the_multipart_parser(kit, nojs, run_dir):
    key = os.path.join(run_dir, "pagekit-pages", "m\u00fc key.lic")
    with open(key, "wb") as f:
        f.write(b"OXTLIC1\r\n--not-a-boundary\r\n" + bytes(range(256)))
    nojs.get(kit.url("/kit/upload.html"))
    nojs.find("#f-key").send_keys(key)
    nojs.find("button[type=submit]").click()
    nojs.wait_url("/kit-cgi/submit")
    nojs.wait_css("#received")
    assert nojs.find("#token").text == "valid"
    assert _received(nojs)["key"] == ["file m\u00fc key.lic, %d bytes"
                                      % (9 + 18 + 256)]


# ---- the CSRF rules over HTTP -------------------------------------------------

def _token(kit):
    with open(os.path.join(kit.pages, "list.html"), encoding="utf-8") as f:
        page = f.read()
    start = page.index('name="csrf" value="') + len('name="csrf" value="')
    return page[start:page.index('"', start)]


def test_posts_without_the_token_or_from_elsewhere_are_refused(kit):
    token = _token(kit)
    same = {"Sec-Fetch-Site": "same-origin"}
    status, page = kit.post("csrf=%s&a=1" % token, same)
    assert status == 200 and 'id="token">valid' in page
    status, page = kit.post("a=1", same)
    assert status == 403 and 'id="token">refused' in page
    status, page = kit.post("csrf=%s" % token[:-1] + "A", same)
    assert status == 403
    status, page = kit.post("csrf=%s" % token, {"Sec-Fetch-Site":
                                               "cross-site"})
    assert status == 403 and "Sec-Fetch-Site is not same-origin" in page
    status, page = kit.post("csrf=%s" % token, {"Sec-Fetch-Site":
                                               "same-site"})
    assert status == 403
    status, page = kit.post("csrf=%s" % token, {
        "Origin": "http://127.0.0.1:%d" % kit.httpd.port})
    assert status == 200
    status, page = kit.post("csrf=%s" % token,
                            {"Origin": "http://evil.example"})
    assert status == 403 and "not a configured panel origin" in page
    # Neither header, with a session cookie: not a browser we trust.
    status, page = kit.post("csrf=%s" % token)
    assert status == 403
    # A malformed body is refused by the parser and said so.
    status, page = kit.post("csrf=%s&bad=%%zz" % token, same)
    assert status == 403 and "Malformed form data" in page


def test_the_static_files_carry_the_csp_and_the_chart_is_xml(kit):
    r = kit.httpd.get("/kit/chart.svg")
    assert r.status == 200
    assert r.headers["Content-Type"] == "image/svg+xml"
    assert r.headers["Content-Security-Policy"] == CSP
    root = ET.fromstring(r.body)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "&nbsp;" not in r.text
    for path in ("/kit-static/oxtender.css", "/kit-static/oxtender.js",
                 "/kit-static/icons/prefs.svg"):
        r = kit.httpd.get(path)
        assert r.status == 200, path
        assert r.headers["Content-Security-Policy"] == CSP
    for name in os.listdir(os.path.join(env.TOP, "htdocs", "icons")):
        ET.fromstring(open(os.path.join(env.TOP, "htdocs", "icons", name),
                           "rb").read())
