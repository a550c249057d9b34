"""Headless Chromium for the browser tests, driven by Debian's
python3-selenium (4.8) through Debian's chromedriver.

    reason = available()           # None, or why the tests must skip
    b = Browser(root, javascript=False, artifacts=dir)
    b.get(url)
    b.wait_css("dialog[open]")     # WebDriverWait, never sleep
    b.js("return window.__x")
    b.screenshot("name")           # artifacts/name.png
    b.csp_violations()             # what the page's CSP blocked (JS on)
    b.quit()

Each browser gets a fresh profile (--user-data-dir under root), so no
cookie, cache or setting leaks between runs. Debian's selenium has no
selenium-manager: the binary and the driver are named explicitly.
"""
import os
import shutil

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic",
         # A container's /dev/shm can be a few MB; Chromium's renderer
         # dies when it fills (the session then answers "invalid session
         # id"). Its shared memory goes to the profile's disk instead.
         "--disable-dev-shm-usage")

# Recorded before any script of the page runs (CDP), so a violation the
# CSP reports while parsing is seen too.
_CSP_RECORDER = """
window.__oxt_csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
    window.__oxt_csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def available():
    """None when a browser can be started, else the reason to skip."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return "%s missing (apt-get install chromium chromium-driver)" \
                % path
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "python3-selenium missing (use /usr/bin/python3; " \
               "apt-get install python3-selenium)"
    return None


class Browser:
    def __init__(self, root, javascript=True, artifacts=None, width=1280,
                 height=900):
        self.root = os.path.abspath(root)
        self.javascript = javascript
        self.artifacts = artifacts or os.path.join(self.root, "artifacts")
        self.size = (width, height)
        self.restarts = 0
        self._start()

    def _start(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        width, height = self.size
        profile = os.path.join(self.root, "profile")
        shutil.rmtree(profile, ignore_errors=True)
        os.makedirs(profile)
        os.makedirs(self.artifacts, exist_ok=True)
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for flag in FLAGS:
            opts.add_argument(flag)
        opts.add_argument("--user-data-dir=" + profile)
        opts.add_argument("--window-size=%d,%d" % (width, height))
        if not self.javascript:
            opts.add_experimental_option("prefs", {
                "profile.managed_default_content_settings.javascript": 2})
        service = Service(CHROMEDRIVER, log_path=os.path.join(
            self.root, "chromedriver.log"))
        self.driver = webdriver.Chrome(service=service, options=opts)
        self.driver.set_page_load_timeout(30)
        if self.javascript:
            self.driver.execute_cdp_cmd(
                "Page.addScriptToEvaluateOnNewDocument",
                {"source": _CSP_RECORDER})

    # ---- navigation and waiting ------------------------------------------

    def get(self, url):
        self.driver.get(url)

    def wait(self, condition, timeout=15, message=""):
        """WebDriverWait(...).until(condition); condition(driver). An
        element found by the condition can go stale when the page it was
        on is replaced (a form posted without JavaScript, a redirect)
        between finding and reading it: that is "not yet", as a missing
        element is."""
        from selenium.common.exceptions import (
            NoSuchElementException, StaleElementReferenceException)
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(
            self.driver, timeout,
            ignored_exceptions=(NoSuchElementException,
                                StaleElementReferenceException),
        ).until(condition, message)

    def wait_css(self, css, timeout=15):
        """The first element matching css, once it is there."""
        from selenium.webdriver.common.by import By
        return self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, css)
                         and d.find_elements(By.CSS_SELECTOR, css)[0],
                         timeout, "no element %s" % css)

    def wait_gone(self, css, timeout=15):
        from selenium.webdriver.common.by import By
        return self.wait(lambda d: not d.find_elements(By.CSS_SELECTOR, css),
                         timeout, "element %s stays" % css)

    def wait_url(self, part, timeout=15):
        return self.wait(lambda d: part in d.current_url, timeout,
                         "never reached a URL with %s" % part)

    # ---- looking ------------------------------------------------------------

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def alert_text(self):
        """The text of an open alert/confirm/prompt, or None."""
        from selenium.common.exceptions import NoAlertPresentException
        try:
            return self.driver.switch_to.alert.text
        except NoAlertPresentException:
            return None

    def csp_violations(self):
        """What the CSP blocked on this page (JavaScript browsers only)."""
        return self.js("return window.__oxt_csp || []")

    def active(self):
        return self.driver.switch_to.active_element

    def keys(self, *keys):
        """Sends keys to whatever has the focus."""
        from selenium.webdriver.common.action_chains import ActionChains
        ActionChains(self.driver).send_keys(*keys).perform()

    def screenshot(self, name):
        path = os.path.join(self.artifacts, "%s.png" % name)
        self.driver.save_screenshot(path)
        return path

    def cookies(self):
        return {c["name"]: c["value"] for c in self.driver.get_cookies()}

    def alive(self):
        """The browser still answers (its renderer or the whole Chromium
        can die under the test's feet: then every call fails with
        "invalid session id")."""
        try:
            self.driver.window_handles
            return True
        except Exception:    # WebDriverException, or chromedriver gone
            return False

    def restart(self):
        """A new Chromium on a fresh profile after the old one died. The
        dead one's chromedriver log is kept beside the new one's, to say
        why; returns its path."""
        self.quit()
        self.restarts += 1
        log = os.path.join(self.root, "chromedriver.log")
        kept = os.path.join(self.root, "chromedriver-dead-%d.log"
                            % self.restarts)
        if os.path.exists(log):
            os.replace(log, kept)
        self._start()
        return kept

    def reset(self):
        """A clean start for the next test: no cookies, a blank page. A
        browser that died is left for the next test's fixture to restart
        (the test that saw it die has failed already)."""
        if not self.alive():
            return
        self.driver.delete_all_cookies()
        self.driver.get("about:blank")

    def quit(self):
        try:
            self.driver.quit()
        except Exception:    # the browser may have died already
            pass
