"""The Settings page (mod_oxtender/mod_oxtender_page_settings.c) through
HTTP on the module: admin only; every field of the guide with its
required mark; the stored password never sent back; validation case by
case with one message next to each refused field and nothing saved; a
valid form saved (an empty password keeps the stored one) and read back
the same by the replicator's `settings` command; Test connection against
the emulator (up, down, wrong password, a hang past the wait) saving
nothing, checking the form exactly as OK does (an invalid field: its
message, nothing sent); the stored password sent only to the stored OX
server and account (a listener of the test's own records what arrives);
cloud mode (connection type reseller) saved and tested against the
emulator's reseller service; CSRF and origin refusals. Site:
harness/setlogs.py.
"""
import html
import json
import re
import time

import pytest

from harness import env as hxenv
from harness.listener import Recorder
from harness.oxsim import MASTER

pytestmark = pytest.mark.expect_log("AH01631", "OXT05501", "OXT05502")

FIELDS = ("ox_connection_type", "ox_host", "ox_username", "ox_password",
          "ox_use_https", "soap_timeout_s", "debug_api", "imap_server",
          "smtp_server", "default_quota_mb", "ox_languages",
          "default_language", "default_timezone", "auto_delete",
          "log_retention_days", "log_max_rows")
REQUIRED = {"ox_host", "ox_username", "ox_password", "soap_timeout_s",
            "imap_server", "smtp_server", "default_quota_mb",
            "default_language", "default_timezone", "log_retention_days",
            "log_max_rows"}
BOXES = ("ox_use_https", "debug_api", "auto_delete")


@pytest.fixture
def sl(setlogs_site):
    """The site; the settings as they were are put back afterwards."""
    before = stored(setlogs_site)
    yield setlogs_site
    if stored(setlogs_site) != before:
        setlogs_site.configure()
        setlogs_site.settings_set(soap_timeout_s=30, auto_delete=0,
                                  default_quota_mb=100)
    setlogs_site.sim.config(hang_rate=0)


def stored(sl):
    return (sl.site.oxt("SELECT * FROM settings"),
            sl.site.oxt("SELECT code, allowed FROM ox_language ORDER BY 1"))


def page_json(sl):
    r = sl.get("settings", sl.admin, format="json")
    assert r.status == 200, r.text
    return r.json()


def form(sl, **changes):
    """The form as the page posts it, from what is shown (the password
    field empty; an unticked box absent), with changes (None: left out)."""
    shown = page_json(sl)["settings"]
    fields = {k: v for k, v in shown.items()
              if k in FIELDS and k not in BOXES and k != "ox_languages"}
    fields.update({k: "1" for k in BOXES if shown[k] == "1"})
    fields["ox_languages"] = shown["ox_languages"].split(",")
    fields["ox_password"] = ""
    for k, v in changes.items():
        if v is None:
            fields.pop(k, None)
        else:
            fields[k] = v
    return fields


def field_error(text, key):
    m = re.search(r'<p class="oxt-field-error" id="f-%s-err">([^<]*)</p>'
                  % key, text)
    return html.unescape(m.group(1)) if m else None


def test_admin_only(sl):
    for role in ("reseller", "client", "domain"):
        r = sl.get("settings", sl.callers[role])
        assert r.status == 403, (role, r.status)
        r = sl.post("settings", sl.callers[role], form(sl), token="x")
        assert r.status == 403, (role, r.status)


def test_every_field_with_its_mark_and_never_the_password(sl):
    r = sl.get("settings", sl.admin)
    assert r.status == 200
    text = r.text
    for legend in ("OX Infrastructure Link", "SOAP API Preferences",
                   "Replication Preferences", "Replication Logs"):
        assert "<legend>%s</legend>" % legend in text
    for key in FIELDS:
        assert 'name="%s"' % key in text, key
        label = re.search(r'<label for="f-%s">(.*?)</label>' % key, text)
        assert label, key
        # the password is stored, so its field may stay empty
        marked = 'class="oxt-req"' in label.group(1)
        assert marked == (key in REQUIRED - {"ox_password"}), key
    pw = re.search(r'<input[^>]*name="ox_password"[^>]*>', text).group(0)
    assert "value=" not in pw
    assert "Leave the field empty to keep it, for the stored OX server and" \
        " account only." in text
    assert MASTER[1] not in text
    assert re.search(r'<select id="f-ox_languages" name="ox_languages"'
                     r' multiple>', text)
    assert "Plesk language on replicated accounts" in text
    assert "Plesk server time zone" in text
    # the default language offers every language, not only those chosen
    # (a language chosen and made the default in one save)
    out = page_json(sl)
    dflt = re.search(r'<select id="f-default_language".*?</select>', text,
                     re.S).group(0)
    assert re.findall(r'<option value="([^"]+)"', dflt) == ["plesk"] + [
        l["code"] for l in out["languages"]]
    assert any(not l["allowed"] for l in out["languages"])
    assert "Test connection</button>" in text
    out = page_json(sl)
    assert out["settings"]["ox_password_set"] is True
    assert "ox_password" not in out["settings"]
    assert MASTER[1] not in json.dumps(out)
    assert {f["key"] for f in out["fields"] if f["required"]} == REQUIRED
    assert [f["key"] for f in out["fields"]] == list(FIELDS)


CASES = [
    (dict(ox_host=""), {"ox_host": "Enter the IP address or host name of"
                        " the OX server."}),
    (dict(ox_username=""), {"ox_username": "Enter the OX username."}),
    (dict(soap_timeout_s="0"), {"soap_timeout_s": "A number of seconds"
                                " from 1 to 3600."}),
    (dict(soap_timeout_s="ten"), {"soap_timeout_s": None}),
    (dict(imap_server="2001:db8::1"), {"imap_server": None}),
    (dict(imap_server="mail.example.com:0", smtp_server=""),
     {"imap_server": None, "smtp_server": "Enter the Plesk SMTP server for"
      " OX to connect to."}),
    (dict(default_quota_mb="-1"), {"default_quota_mb": None}),
    (dict(ox_languages=["en_US", "xx_XX"]), {"ox_languages": None}),
    (dict(ox_languages=["de_DE"], default_language="en_US"),
     {"default_language": "Must be one of the OX languages chosen, or"
      " Plesk language on replicated accounts."}),
    (dict(ox_languages=None, default_language="ro_RO"),
     {"default_language": None}),
    (dict(default_timezone="Europe/Atlantis"), {"default_timezone": None}),
    (dict(log_retention_days="0", log_max_rows="10"),
     {"log_retention_days": None, "log_max_rows": None}),
    (dict(ox_connection_type="hosted"),
     {"ox_connection_type": "Choose standalone (the OX administrator's"
      " account) or cloud (an OX reseller's account)."}),
    (dict(ox_host="<script>x</script>", ox_username="a" * 300),
     {"ox_host": None, "ox_username": None}),
]


@pytest.mark.parametrize("changes,want", CASES,
                         ids=[",".join(c) for c, _ in CASES])
def test_each_invalid_field_gets_its_message_and_nothing_is_saved(
        sl, changes, want):
    before = stored(sl)
    r = sl.post("settings", sl.admin, form(sl, **changes))
    assert r.status == 400, r.status
    assert "Nothing was saved: please correct the fields marked." in r.text
    for key, message in want.items():
        got = field_error(r.text, key)
        assert got, (key, r.text[:500])
        if message:
            assert got == message, (key, got)
        assert re.search(r'id="f-%s"[^>]*aria-invalid="true"'
                         r' aria-describedby="f-%s-err"' % (key, key), r.text)
    others = set(re.findall(r'id="f-([a-z_]+)-err"', r.text))
    assert others == set(want), others
    # what was typed is shown again (escaped), never a password
    if "ox_host" in changes and changes["ox_host"]:
        assert "&lt;script&gt;x&lt;/script&gt;" in r.text
        assert "<script>x</script>" not in r.text
    # the JSON twin says the same
    rj = sl.post("settings", sl.admin, form(sl, **changes),
                 query={"format": "json"})
    assert rj.status == 400
    assert set(rj.json()["errors"]) == set(want)
    assert stored(sl) == before
    # Test connection checks the form exactly as OK does: the same
    # messages next to the same fields, and nothing is sent to OX
    calls = sl.sim.counters()["requests"]
    rt = sl.post("settings", sl.admin, form(sl, test="1", **changes))
    assert rt.status == 400, rt.status
    assert "Test connection failed: Not every field is valid" in rt.text
    assert "Nothing was sent to OX." in rt.text
    assert {k: field_error(rt.text, k) for k in want} == \
        {k: field_error(r.text, k) for k in want}
    assert set(re.findall(r'id="f-([a-z_]+)-err"', rt.text)) == set(want)
    rj = sl.post("settings", sl.admin, form(sl, test="1", **changes),
                 query={"format": "json"})
    assert rj.status == 400
    assert set(rj.json()["errors"]) == set(want)
    assert (rj.json()["test"]["ok"], rj.json()["test"]["called"]) == \
        (False, False)
    assert sl.sim.counters()["requests"] == calls
    assert stored(sl) == before


def test_an_empty_password_with_none_stored_is_refused(sl):
    sl.site.oxt("UPDATE settings SET ox_password_enc = NULL")
    r = sl.post("settings", sl.admin, form(sl))
    assert r.status == 400
    assert field_error(r.text, "ox_password") == "Enter the OX password."
    label = re.search(r'<label for="f-ox_password">(.*?)</label>', r.text)
    assert 'class="oxt-req"' in label.group(1)


def test_a_valid_form_is_saved_and_the_command_line_agrees(sl):
    enc = sl.site.oxt("SELECT ox_password_enc FROM settings")
    r = sl.post("settings", sl.admin, form(
        sl, soap_timeout_s="45", auto_delete="1", default_quota_mb="250",
        ox_languages=["de_DE", "en_US"], default_language="de_DE",
        imap_server="[2001:db8::1]:993"))
    assert r.status == 303, r.text
    loc = r.headers["Location"]
    assert loc.startswith("/oxtender/settings?m=settings&s=")
    after = sl.httpd.get(loc, auth=sl.admin)
    assert "Info:" in after.text and "The settings are saved." in after.text
    # an empty password kept the stored one
    assert sl.site.oxt("SELECT ox_password_enc FROM settings") == enc
    cli = json.loads(sl.site.replicator("--json", "settings").stdout)
    page = page_json(sl)["settings"]
    for key in FIELDS:
        if key != "ox_password":
            assert cli[key] == page[key], key
    assert (cli["soap_timeout_s"], cli["auto_delete"], cli["imap_server"],
            cli["ox_languages"], cli["default_language"]) == (
        "45", "1", "[2001:db8::1]:993", "de_DE,en_US", "de_DE")
    # the link from elsewhere shows nothing
    forged = sl.get("settings", sl.admin, m="settings", s="0" * 43)
    assert "The settings are saved." not in forged.text
    # a new password is sealed, never echoed
    r = sl.post("settings", sl.admin, form(sl, ox_password="n3w-Secret!"))
    assert r.status == 303
    assert sl.site.oxt("SELECT ox_password_enc FROM settings") != enc
    page = sl.get("settings", sl.admin).text
    assert "n3w-Secret!" not in page
    with open(sl.httpd.error_log_path, errors="replace") as f:
        assert "n3w-Secret!" not in f.read()


def test_test_connection_says_what_it_found_and_saves_nothing(sl):
    before = stored(sl)
    contexts = sl.sim.state()["contexts"]
    r = sl.post("settings", sl.admin, form(sl, test="1"))
    assert r.status == 200, r.text
    assert "Test connection: OX answered at http://127.0.0.1:%d/webservices"\
        % sl.sim.port in r.text
    assert "accepted the credentials. Nothing was saved." in r.text
    # a wrong password typed in: OX's answer, the password nowhere
    r = sl.post("settings", sl.admin, form(sl, test="1",
                                           ox_password="not-it-42"))
    assert r.status == 200
    assert re.search(r"Error:.*Test connection failed: OX: authentication"
                     r" failed", r.text, re.S)
    assert "the credentials were refused" in r.text
    assert "not-it-42" not in r.text
    # nothing listens there (another server: the password typed)
    port = hxenv.free_port()
    rj = sl.post("settings", sl.admin, form(
        sl, test="1", ox_host="127.0.0.1:%d" % port, ox_password=MASTER[1]),
        query={"format": "json"})
    t = rj.json()["test"]
    assert (t["ok"], t["called"], t["reached"], t["credentials"]) == (
        False, True, False, None), t
    assert t["problem"] == "OX: cannot connect", t
    assert "was not reached" in t["text"]
    # a hang past the wait entered
    sl.sim.config(hang_rate=1, hang_max_ms=20000)
    t0 = time.monotonic()
    r = sl.post("settings", sl.admin, form(sl, test="1", soap_timeout_s="1"))
    took = time.monotonic() - t0
    sl.sim.config(hang_rate=0)
    assert "No answer within 1 s" in r.text, r.text[:2000]
    assert took < 8, took
    # an invalid host is refused next to its field: the stored host is
    # not tested in its place, nothing is sent
    calls = sl.sim.counters()["requests"]
    r = sl.post("settings", sl.admin, form(sl, test="1", ox_host="::bad::"))
    assert r.status == 400
    assert field_error(r.text, "ox_host") == \
        oxt_message("ox_host"), r.text[:2000]
    assert "OX answered" not in r.text
    assert "Nothing was sent to OX." in r.text
    assert sl.sim.counters()["requests"] == calls
    assert stored(sl) == before, "Test connection saved something"
    assert sl.sim.state()["contexts"] == contexts


def oxt_message(key):
    """The message of a field refused by its rule (the core's table)."""
    return {"ox_host": "The OX server's IP address or host name, with :port"
            " if it is not the usual one (an IPv6 address in brackets); at"
            " most 255 characters."}[key]


ELSEWHERE = ("Type the OX password: the stored one is only sent to the OX"
             " server and account it was saved for (the same connection"
             " type, host, port, HTTPS and username).")


def test_the_stored_password_goes_only_to_the_stored_server(sl):
    before = stored(sl)
    calls = sl.sim.counters()["requests"]
    with Recorder() as rec:
        there = "127.0.0.1:%d" % rec.port
        # another host, the password field empty: typed or nothing
        for changes in (dict(ox_host=there),
                        dict(ox_host="localhost:%d" % sl.sim.port),
                        dict(ox_host="127.0.0.1"),
                        dict(ox_username="someone-else"),
                        dict(ox_use_https="1"),
                        dict(ox_connection_type="reseller")):
            for what in ("test", "ok"):
                r = sl.post("settings", sl.admin, form(sl, **{what: "1"},
                                                       **changes))
                assert r.status == 400, (changes, what, r.status)
                assert field_error(r.text, "ox_password") == ELSEWHERE, \
                    (changes, what)
                assert set(re.findall(r'id="f-([a-z_]+)-err"', r.text)) \
                    == {"ox_password"}, (changes, what)
            rj = sl.post("settings", sl.admin, form(sl, test="1", **changes),
                         query={"format": "json"})
            assert rj.json()["errors"] == {"ox_password": ELSEWHERE}
            assert rj.json()["test"]["called"] is False
        time.sleep(0.3)
        assert (rec.connections, rec.received()) == (0, b"")
        assert sl.sim.counters()["requests"] == calls
        assert stored(sl) == before
        # the stored server and account, the password empty: the stored
        # one goes there, OX takes it
        r = sl.post("settings", sl.admin, form(sl, test="1"))
        assert "accepted the credentials" in r.text, r.text[:2000]
        # a password typed goes where it is told, the stored one never
        rj = sl.post("settings", sl.admin, form(
            sl, test="1", ox_host=there, ox_password="typed-pw-1"),
            query={"format": "json"})
        t = rj.json()["test"]
        assert (t["ok"], t["called"], t["reached"]) == (False, True, True), t
        got = rec.received()
        assert rec.connections >= 1
        assert b"POST /webservices/" in got and b"typed-pw-1" in got, got
        assert MASTER[1].encode() not in got
    assert stored(sl) == before
    with open(sl.httpd.error_log_path, errors="replace") as f:
        assert "typed-pw-1" not in f.read()


CLOUD = ("oxres-settings", "oxres-settings-pw")


def ox_calls(sl):
    return dict(sl.sim.counters().get("calls", {}))


def calls_since(sl, before):
    now = ox_calls(sl)
    return {k: v - before.get(k, 0) for k, v in now.items()
            if v != before.get(k, 0)}


def test_cloud_mode_is_saved_and_tested(sl):
    """Connection type cloud (an OX reseller's account, OX's reseller
    service): Test connection asks OX's reseller context service with
    the reseller's login, before saving and after; OK stores it as
    'reseller', as the replicator reads it."""
    sl.sim.config(reseller="%s:%s" % CLOUD)
    cloud = dict(ox_connection_type="reseller", ox_username=CLOUD[0])
    try:
        # before saving: the reseller's login typed in
        before = ox_calls(sl)
        t = sl.post("settings", sl.admin, form(
            sl, test="1", ox_password=CLOUD[1], **cloud),
            query={"format": "json"}).json()["test"]
        assert (t["ok"], t["called"], t["credentials"]) == (True, True,
                                                            True), t
        assert calls_since(sl, before) == \
            {"OXResellerContextService.exists": 1}
        # a wrong password: the reseller service refuses it
        before = ox_calls(sl)
        t = sl.post("settings", sl.admin, form(
            sl, test="1", ox_password="not-the-resellers", **cloud),
            query={"format": "json"}).json()["test"]
        assert (t["ok"], t["reached"], t["credentials"]) == (False, True,
                                                            False), t
        assert t["problem"] == "OX: authentication failed", t
        assert calls_since(sl, before) == \
            {"OXResellerContextService.exists": 1}
        # saved in the page's word, stored as before
        r = sl.post("settings", sl.admin, form(
            sl, ox_connection_type="cloud", ox_username=CLOUD[0],
            ox_password=CLOUD[1]))
        assert r.status == 303, r.text[:2000]
        assert sl.site.oxt("SELECT ox_connection_type, ox_username FROM"
                           " settings") == [("reseller", CLOUD[0])]
        assert page_json(sl)["settings"]["ox_connection_type"] == "reseller"
        cli = json.loads(sl.site.replicator("--json", "settings").stdout)
        assert (cli["ox_connection_type"], cli["ox_username"]) == \
            ("reseller", CLOUD[0])
        text = sl.get("settings", sl.admin).text
        assert re.search(r'<option value="reseller" selected>cloud \(an OX'
                         r' reseller&#39;s account\)</option>', text), \
            re.search(r'<select id="f-ox_connection_type".*?</select>',
                      text, re.S).group(0)
        # saved: the stored reseller's password, the stored server
        before = ox_calls(sl)
        r = sl.post("settings", sl.admin, form(sl, test="1"))
        assert "accepted the credentials" in r.text, r.text[:2000]
        assert calls_since(sl, before) == \
            {"OXResellerContextService.exists": 1}
        # and the wrong one typed over it
        r = sl.post("settings", sl.admin, form(
            sl, test="1", ox_password="not-the-resellers"))
        assert "the credentials were refused" in r.text, r.text[:2000]
        # the master's account is another account: typed, or nothing
        r = sl.post("settings", sl.admin, form(
            sl, test="1", ox_connection_type="standalone",
            ox_username=MASTER[0]))
        assert field_error(r.text, "ox_password") == ELSEWHERE
    finally:
        sl.settings_set(ox_connection_type="standalone")
        sl.configure()
        sl.sim.config(resellers_clear=1)


@pytest.mark.parametrize("headers,token,status", [
    ({}, False, 403),                                   # no token
    ({}, "forged", 403),                                # a wrong token
    ({"Origin": "https://evil.example"}, None, 403),
    ({"Sec-Fetch-Site": "cross-site"}, None, 403),
])
def test_csrf_and_origin_refusals_save_nothing(sl, headers, token, status):
    before = stored(sl)
    r = sl.post("settings", sl.admin, form(sl, soap_timeout_s="77"),
                token=token, headers=headers)
    assert r.status == status, r.status
    r = sl.post("settings", sl.admin, form(sl, test="1"), token=token,
                headers=headers)
    assert r.status == status
    assert stored(sl) == before
