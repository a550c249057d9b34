"""The health panel on the admin's overview page and its JSON twin
(mod_oxtender/mod_oxtender_page_health.c): last run, full pass, queue,
parked items, OX as the replicator last recorded it (the page never waits
for OX), the lock. Only the admin sees it.

The session site (conftest `site`) is set to known states with SQL on its
oxtender database; every test puts back what it changed.
"""
import re
import time

import pytest

from harness.accounts import granted, object_id, pick


@pytest.fixture
def activity(site):
    """Restores replicator_activity, queue and run_summary afterwards."""
    cols = ("pass_started_at", "pass_ok_at", "ox_contact_at", "ox_reachable",
            "ox_answered_at", "ox_failure", "ox_contact_by")
    saved = site.oxt("SELECT %s FROM replicator_activity" % ", ".join(cols))
    yield site
    site.oxt("DELETE FROM queue WHERE object_id >= 9100")
    site.oxt("DELETE FROM run_summary WHERE automatic = 1 AND"
             " started_at = '2030-01-02 03:04:05'")
    values = ", ".join("%s = %s" % (c, "NULL" if v is None else
                                    "'%s'" % v.replace("'", "''"))
                       for c, v in zip(cols, saved[0]))
    site.oxt("UPDATE replicator_activity SET " + values)


def admin(site):
    return pick(site, "admin")


def home_json(apache, site):
    r = apache.get("/oxtender/?format=json", auth=admin(site))
    assert r.status == 200, r.text
    return r.json()["health"]


def test_admin_sees_what_the_replicator_recorded(apache, activity):
    site = activity
    site.oxt("UPDATE replicator_activity SET pass_ok_at = NOW() - INTERVAL"
             " 10 MINUTE, pass_started_at = NOW() - INTERVAL 11 MINUTE,"
             " ox_contact_at = NOW(3) - INTERVAL 2 MINUTE, ox_reachable = 0,"
             " ox_failure = 'OX: cannot connect: <b>refused</b> & gone',"
             " ox_contact_by = 'replicator'")
    site.oxt("INSERT INTO run_summary (automatic, started_at, finished_at,"
             " status, webmail_ok, standard_failed) VALUES (1,"
             " '2030-01-02 03:04:05', '2030-01-02 03:05:06', 'finished',"
             " 7, 2)")
    site.oxt("INSERT INTO queue (object_type, object_id, reason,"
             " enqueued_at, not_before, attempts, parked, parked_at) VALUES"
             " ('mailbox', 9101, 't', NOW(3), NOW(3), 5, 1, NOW()),"
             " ('mailbox', 9102, 't', NOW(3), NOW(3), 0, 0, NULL),"
             " ('mailbox', 9103, 't', NOW(3), NOW(3) + INTERVAL 1 HOUR, 1,"
             " 0, NULL)")
    t0 = time.monotonic()
    h = home_json(apache, site)
    assert time.monotonic() - t0 < 5, "the page must not wait for OX"
    assert h["state"] == "critical", h
    assert h["checks"]["ox"]["state"] == "critical"
    assert h["checks"]["ox"]["text"] == ("OX could not be reached 2 min ago:"
                                         " OX: cannot connect: <b>refused</b>"
                                         " & gone")
    assert h["ox"] == {"live": False, "reachable": False,
                       "contact_at": h["ox"]["contact_at"],
                       "answered_at": h["ox"]["answered_at"],
                       "contact_by": "replicator",
                       "failure": "OX: cannot connect: <b>refused</b> & gone"}
    assert h["checks"]["pass"] == {"state": "ok", "text": "last successful"
                                   " full pass 10 min ago"}
    assert h["checks"]["parked"]["state"] == "warning"
    assert h["queue"] == {"due": 1, "backing_off": 1, "in_progress": 0,
                          "parked": 1}
    assert h["last_run"] == {"started": "2030-01-02 03:04:05",
                             "finished": "2030-01-02 03:05:06",
                             "status": "finished", "successful": 7,
                             "failed": 2}

    r = apache.get("/oxtender/", auth=admin(site))
    assert r.status == 200
    html = r.text
    assert '<section class="oxt-health"' in html
    assert "<h2 id=\"oxt-health-title\">Replication health</h2>" in html
    assert '<p class="oxt-msg oxt-msg-error oxt-health-state"><strong>' \
        'CRITICAL</strong>: OX could not be reached' in html, html
    assert "&lt;b&gt;refused&lt;/b&gt; &amp; gone" in html
    assert "<b>refused" not in html
    assert "<dt>Last run</dt><dd>2030-01-02 03:04:05 to 2030-01-02" \
        " 03:05:06, finished: 7 successful, 2 failed</dd>" in html
    assert "<dt>Queue</dt><dd>1 due, 1 backing off, 0 in progress</dd>" \
        in html
    assert "<dt>Parked</dt><dd>1 parked item waits for a retry" in html
    assert html.rstrip().replace("\n", "").endswith("</body></html>"), \
        html[-200:]


def test_a_healthy_record_is_ok(apache, activity):
    site = activity
    t0 = time.monotonic()
    site.oxt("UPDATE replicator_activity SET pass_ok_at = NOW(),"
             " ox_contact_at = NOW(3), ox_reachable = 1,"
             " ox_answered_at = NOW(3), ox_failure = NULL,"
             " ox_contact_by = 'health'")
    site.oxt("DELETE FROM queue WHERE parked = 1")
    h = home_json(apache, site)
    # the age is what passed since the UPDATE: 0 s, or more when the
    # machine is busy (the suite runs in parallel), never more than that
    took = time.monotonic() - t0
    ox = h["checks"]["ox"]
    m = re.fullmatch(r"OX answered (\d+) s ago", ox.get("text", ""))
    assert ox["state"] == "ok" and m and int(m.group(1)) <= took + 1, \
        (took, h)
    assert h["state"] in ("ok", "unknown"), h        # the lock file's
    r = apache.get("/oxtender/", auth=admin(site))
    took = time.monotonic() - t0
    m = re.search(r"<dt>OX</dt><dd>OX answered (\d+) s ago</dd>", r.text)
    assert m and int(m.group(1)) <= took + 1, (took, r.text[-1500:])


def test_others_do_not_see_the_server_health(apache, site):
    login, password = pick(site, "reseller")
    granted(site, "reseller", login)
    try:
        r = apache.get("/oxtender/?format=json", auth=(login, password))
        assert r.status == 200 and "health" not in r.json()
        r = apache.get("/oxtender/", auth=(login, password))
        assert r.status == 200 and "oxt-health" not in r.text
    finally:
        site.revoke("reseller", object_id(site, "reseller", login))
