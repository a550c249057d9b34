"""Fixtures of the integration suite, in the style of httpd's own pytest
suite: real servers on loopback ports in temporary directories, started
once per session, and Apache's error log watched for unexpected errors
(expected ones are allowed by their OXTnnnnn tag).

`make check` runs the suite in pytest-xdist workers (JOBS, whole files per
worker): "session" is one worker's session, and every worker has its own
servers, ports and run_dir; nothing here may use a fixed port or path.

Session scope (started once, stopped at the end even when tests fail, and
also at interpreter exit or when pytest dies):
  run_dir   tests/gen/run-XXXX, removed at the end unless a test failed
  mariadb   harness.mariadb.MariaDB: private server, socket + 127.0.0.1:port
  site      harness.site.Site: psa (psa-10 schema + oxt-gendata data),
            the oxtender database after `oxtender-replicator migrate`,
            the `oxtender` DB account, key files, the shared config file
  apache    harness.apache.Apache with mod_oxtender on 127.0.0.1:port
  apache_factory  apache_factory(name, config, extra="") starts another
            watched one (extra: server config appended to httpd.conf)
  browser, browser_nojs  harness.browser.Browser: headless Chromium with
            JavaScript on / off (skipped when chromium is absent);
            screenshots in tests/gen/artifacts (kept after the run)
  plesk_flavour   plesk_flavour(8|9|10) -> (site, apache) of that Plesk
                  version: 10 is site/apache, 8 and 9 are built on first use
  lists_flavour   lists_flavour(8|9|10) -> harness.lists.ListsSite: a small
                  site of that Plesk version with hostile names, the lists'
                  directory filled and an Apache of its own (for the
                  Resellers/Clients/Domains pages; tests may change it)
  mbox_site       harness.mailboxes.MailboxSite: the Mailboxes page's
                  site with an OX emulator (tests may change it)

After every test file, what tests change on the shared sites (site, the
plesk_flavour sites, setlogs_site, the lists_flavour sites: the tables
PANEL_TABLES, SETLOGS_TABLES, LISTS_TABLES) is put back as the fixture made it
(harness/kept.py), so files sharing a site pass in either order; a file
that needs other state sets it up.

Function scope:
  expect_log      expect_log("OXT00042", "AH01617", pattern=r"...")
                  whitelists error_log lines for the running test
  apache_conf     apache_conf("extra config") restarts Apache with it; the
                  plain configuration comes back after the test
Marker: @pytest.mark.expect_log("OXT00042", ...) does what expect_log does.

After every test the error_log of each running Apache is read; a line at
level warn or worse that the test did not expect fails it (at teardown).
"""
import os
import warnings

import pytest

from harness import browser as browser_harness
from harness import env
from harness.apache import Apache
from harness.kept import Kept
from harness.mariadb import MariaDB
from harness.site import Site
from harness.lists import ListsSite
from harness.mailboxes import MailboxSite

# Apache instances whose error_log the watch reads after each test.
WATCHED = []

# Tables of the shared sites as their fixtures made them (harness/kept.py),
# put back after every test file: under --dist loadfile the files that
# share a site meet in any order.
KEPT = []

# What tests change on the panel sites (site, plesk_flavour): the grants
# (prefs.access; accounts.granted() leaves them) and the sign-in failures.
PANEL_TABLES = ("prefs", "login_failures")
# And on the Settings and Logs pages' site: the log rows and their counts
# (Remove, Clean Log), the queue (parked, Retry), the grants, the settings.
SETLOGS_TABLES = ("replication_log", "replication_log_count", "queue",
                  "prefs", "settings", "ox_language")
# And on the lists' sites: the preferences, the settings, and what a
# replication into a file's own emulator (test_lists_browser.py) leaves
# once that emulator is gone: the state, the log, the directory's OX counts.
LISTS_TABLES = ("prefs", "settings", "ox_language", "queue", "domain_state",
                "mailbox_state", "run_summary", "replication_log",
                "replication_log_count", "dir_account", "dir_domain",
                "dir_term", "dir_total", "dir_page", "dir_mailbox",
                "dir_mailbox_term", "dir_mailbox_count", "dir_mailbox_page",
                "replicator_activity", "replicator_heartbeat",
                "metric_operations", "metric_soap_calls",
                "metric_soap_faults")


def keep(site, tables):
    """Keeps site's oxtender tables for _kept_state; returns site."""
    KEPT.append(Kept(site.db, site.oxtender_db, tables))
    return site


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "expect_log(*tags, patterns=()): error_log lines with "
        "these OXTnnnnn/AHnnnnn tags (or matching these regexes) are "
        "expected in this test")


@pytest.fixture(scope="session")
def run_dir(request):
    """tests/gen/run-XXXX: scratch space of this session; removed at the end
    unless a test failed or OXT_KEEP_GEN=1 (then its path is printed)."""
    path = env.make_run_dir()
    yield path
    if request.session.testsfailed or os.environ.get("OXT_KEEP_GEN") == "1":
        print("\nintegration scratch kept in %s" % path)
    else:
        env.remove_tree(path)


@pytest.fixture(scope="session")
def mariadb(run_dir):
    """A private MariaDB: unix socket in run_dir and 127.0.0.1:<free port>,
    root without password on the socket. API: harness/mariadb.py."""
    reason = MariaDB.available()
    if reason:
        pytest.skip(reason)
    # The tables on the RAM disk when there is one, without flushes: a
    # throw-away server whose every test creates and drops databases.
    ram = env.ram_dir("mariadb-")
    db = MariaDB(os.path.join(run_dir, "mariadb"),
                 datadir=os.path.join(ram, "data") if ram else None,
                 durable=False)
    try:
        db.start()
        yield db
    finally:
        db.stop()
        if ram:
            env.remove_tree(ram)


@pytest.fixture(scope="session")
def site(run_dir, mariadb):
    """psa (Plesk 10 flavour, generated data), the oxtender database made
    by migrate, and the config file at site.config. API: harness/site.py."""
    s = Site(os.path.join(run_dir, "site"), mariadb, flavour=10)
    s.build()
    s.migrate()
    return keep(s, PANEL_TABLES)


@pytest.fixture(scope="session")
def apache(run_dir, site):
    reason = Apache.available()
    if reason:
        pytest.skip(reason)
    httpd = Apache(os.path.join(run_dir, "apache"), site.config)
    httpd.start()
    WATCHED.append(httpd)
    yield httpd
    WATCHED.remove(httpd)
    httpd.stop()


@pytest.fixture(scope="session")
def apache_factory(run_dir):
    """apache_factory(name, oxtender_config, extra="") -> another started
    Apache (root run_dir/<name>, extra appended to its httpd.conf), watched
    like `apache`, stopped at the end."""
    reason = Apache.available()
    if reason:
        pytest.skip(reason)
    started = []

    def make(name, oxtender_config, extra=""):
        httpd = Apache(os.path.join(run_dir, name), oxtender_config)
        httpd.extra = extra
        httpd.start()
        started.append(httpd)
        WATCHED.append(httpd)
        return httpd

    yield make
    for httpd in started:
        WATCHED.remove(httpd)
        httpd.stop()


def _browser(run_dir, name, javascript):
    reason = browser_harness.available()
    if reason:
        pytest.skip(reason)
    return browser_harness.Browser(os.path.join(run_dir, name),
                                   javascript=javascript,
                                   artifacts=ARTIFACTS)


# The browser tests' screenshots: the test artifacts a reader (or CI)
# looks at after the run, whatever its outcome.
ARTIFACTS = os.path.join(env.TOP, "tests", "gen", "artifacts")


@pytest.fixture(scope="session")
def _browsers(run_dir):
    """The worker's browsers, one per kind, made on first use and kept for
    the session (a Chromium takes a second or two to start)."""
    made = {}

    def get(name, javascript):
        b = made.get(name)
        if b is None:
            b = made[name] = _browser(run_dir, name, javascript)
        elif not b.alive():
            # It died in an earlier test (that test has failed with it):
            # a fresh one, so one crash does not fail every later test of
            # the worker. The dead one's log stays, and the warning says
            # where.
            kept = b.restart()
            warnings.warn("%s had died; restarted (its log: %s)"
                          % (name, kept))
        return b

    yield get
    for b in made.values():
        b.quit()


@pytest.fixture
def browser(_browsers):
    """Headless Chromium with JavaScript, one for the session, checked
    alive before each test; API: harness/browser.py. Screenshots go to
    tests/gen/artifacts, outside the run's scratch, so a green run keeps
    them too (each file's names are its own; a run overwrites the last)."""
    return _browsers("browser-js", True)


@pytest.fixture
def browser_nojs(_browsers):
    """The same with JavaScript turned off (the content setting
    profile.managed_default_content_settings.javascript = 2)."""
    return _browsers("browser-nojs", False)


@pytest.fixture(scope="session")
def plesk_flavour(run_dir, mariadb, site, apache, apache_factory):
    """plesk_flavour(f) -> (Site, Apache) on the psa schema of Plesk f
    (sql/psa/psa-<f>.sql with generated data), each made once."""
    made = {10: (site, apache)}

    def get(f):
        if f not in made:
            s = Site(os.path.join(run_dir, "site-plesk%d" % f), mariadb,
                     flavour=f, psa_db="psa%d" % f,
                     oxtender_db="oxtender%d" % f)
            s.build()
            s.migrate()
            keep(s, PANEL_TABLES)
            made[f] = (s, apache_factory("apache-plesk%d" % f, s.config))
        return made[f]

    return get


@pytest.fixture(scope="session")
def lists_flavour(run_dir, mariadb, apache_factory):
    """lists_flavour(f) -> ListsSite of Plesk f, each made once (its
    Apache accepts form posts from the origin https://panel.example.test,
    OxtenderPanelOrigin)."""
    made = {}

    def get(f):
        if f not in made:
            made[f] = ListsSite.make(
                run_dir, mariadb, apache_factory, f,
                extra="OxtenderPanelOrigin https://panel.example.test")
            keep(made[f].site, LISTS_TABLES)
        return made[f]

    return get


@pytest.fixture(scope="session")
def mbox_site(run_dir, mariadb, apache_factory):
    """harness.mailboxes.MailboxSite: the Mailboxes page's Plesk 9 site
    with hostile names, an OX emulator and an Apache of its own, made
    once (tests change its preferences and replicate into the
    emulator)."""
    mb = MailboxSite.make(run_dir, mariadb, apache_factory)
    yield mb
    mb.close()


@pytest.fixture(scope="session")
def setlogs_site(run_dir, mariadb, apache_factory):
    """The Settings and Logs pages' site (harness/setlogs.py): Plesk 9,
    the emulator, real replication runs with failures and parked items."""
    from harness.setlogs import SetLogsSite
    sl = SetLogsSite.make(run_dir, mariadb, apache_factory)
    keep(sl.site, SETLOGS_TABLES)
    yield sl
    sl.close()


@pytest.fixture(scope="session")
def license_site(run_dir, mariadb, apache_factory):
    """The License page's site (harness/licpage.py): Plesk 9, the test
    licensing server, an Apache of its own; tests change its key."""
    from harness.licpage import LicensePageSite
    lp = LicensePageSite.make(run_dir, mariadb, apache_factory)
    yield lp
    lp.close()


@pytest.fixture
def apache_conf(apache):
    """apache_conf(extra): restart Apache with extra server config; the
    plain configuration is restored after the test."""
    changed = []

    def configure(extra):
        changed.append(True)
        apache.restart(extra)
        return apache

    yield configure
    if changed:
        apache.restart("")


@pytest.fixture(scope="module", autouse=True)
def _kept_state():
    """After each test file, the kept tables of every shared site are put
    back as the site's fixture made them (the file's own fixtures have
    cleaned up by then: this one is set up first, torn down last)."""
    yield
    for kept in KEPT:
        kept.restore()


class _Expected:
    def __init__(self):
        self.tags = set()
        self.patterns = []

    def __call__(self, *tags, pattern=None):
        self.tags.update(tags)
        if pattern:
            self.patterns.append(pattern)


@pytest.fixture
def expect_log(_error_log_watch):
    """expect_log("OXT00042", pattern=r"...") whitelists error_log lines."""
    return _error_log_watch


@pytest.fixture(autouse=True)
def _error_log_watch(request):
    expected = _Expected()
    for mark in request.node.iter_markers("expect_log"):
        expected(*mark.args)
        for p in mark.kwargs.get("patterns", ()):
            expected(pattern=p)
    yield expected
    problems = []
    Apache.settle_all([h for h in WATCHED if h.running()])
    for httpd in list(WATCHED):
        bad = httpd.log.unexpected(expected.tags, expected.patterns)
        if bad:
            problems.append("%s:\n%s" % (httpd.error_log_path,
                                         "\n".join("  " + b for b in bad)))
    if problems:
        pytest.fail("unexpected error_log lines (whitelist them with "
                    "expect_log(tag) if they are expected):\n"
                    + "\n".join(problems), pytrace=False)
