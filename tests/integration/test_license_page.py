"""The License page (license, admin only; mod_oxtender_page_license.c)
and the license banners of every page, over HTTP on the module, on a
Plesk 9 site of its own with the test licensing server on loopback
(harness/licpage.py):

  - the admin-only rule for every other role, as Settings answers it;
  - every section of the guide, in HTML and in the JSON twin;
  - Upload License Key (multipart/form-data, parsed in memory): a good
    key put in force; every bad key (tampered, truncated, oversized,
    expired, wrong IP, unsigned, another authority, empty, not a key)
    refused with its reason while the key in force stays; garbage
    multipart, a body over the cap, no token;
  - License by Activation Code and Get License Key From Licensing Server:
    a good answer, a refusal, a server that closes, is slow past the
    Settings' timeout, answers garbage or an HTTP error, or sends a key
    for another IP; the last answer kept and shown;
  - the server's IP overridden in the configuration, and a licensing
    server that is down (another Apache on another configuration);
  - the banners: restricted (the admin sent to the License page, the
    others refused with #62) and a reached limit (#61), for each role.
"""
import html
import os
import re

import pytest

from harness import env
from harness.license import SERVER_IP
from harness.licpage import KEPT, PANEL, multipart
from test_license_keys import _bad_keys

pytestmark = pytest.mark.expect_log("AH01631", "OXT05501", "OXT05502")

RESTRICTED_ADMIN = ("It is not possible to use this license with more than"
                    " 2,000 mailboxes in Parallels Plesk Panel. For more"
                    " details, contact OXtender sales.")
RESTRICTED_OTHER = ("It is not possible to use this license. Please contact"
                    " your administrator, the error code is #62.")
LIMIT_ADMIN = ("It is not possible to create more OX Groupware accounts"
               " (all types) because you reached a licensing limit. For"
               " more details, contact OXtender sales.")
LIMIT_OTHER = ("It is not possible to create more OX Groupware accounts"
               " (all types). Please contact your administrator, the error"
               " code is #61.")
# A page of each role's own (the first tab of its level).
PAGE = {"admin": "resellers", "reseller": "clients", "client": "domains",
        "domain": "mailboxes"}
OTHERS = ("reseller", "client", "domain")


@pytest.fixture
def lp(license_site):
    license_site.reset()
    yield license_site
    license_site.reset()


def text_of(r):
    return html.unescape(r.text)


def prop(r, pid):
    m = re.search(r'<dd id="%s">([^<]*)</dd>' % pid, r.text)
    return html.unescape(m.group(1)) if m else None


def error_box(r):
    m = re.search(r'<div class="oxt-msg oxt-msg-error" role="alert">(.*?)'
                  r'</div>', r.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip() \
        if m else None


def license_box(r):
    m = re.search(r'<div class="oxt-msg oxt-msg-error oxt-msg-license"'
                  r' role="alert">(.*?)</div>', r.text, re.S)
    return (html.unescape(re.sub(r"<[^>]+>", "", m.group(1))), m.group(1)) \
        if m else (None, None)


def page_json(lp):
    r = lp.get("license", lp.admin, format="json")
    assert r.status == 200, r.text
    return r.json()


# ---- who may see it -----------------------------------------------------------

def test_admin_only_as_settings_answers(lp):
    for role in OTHERS:
        who = lp.callers[role]
        for route in ("license", "settings"):
            r = lp.get(route, who)
            assert r.status == 403, (role, route, r.status)
            r = lp.get(route, who, format="json")
            assert (r.status, r.json()["error"]) == (403, "wrong_role")
        r = lp.post("license", who, {"action": "renew"}, token="x")
        assert r.status == 403, (role, r.status)
        r = lp.upload(who, lp.mint(number="OXT-ROLE"), token="x")
        assert r.status == 403, (role, r.status)
        # no License tab on their pages
        r = lp.get(PAGE[role], who)
        assert r.status == 200 and "/oxtender/license" not in r.text
    assert lp.number() == KEPT
    r = lp.get("resellers", lp.admin)
    tabs = re.findall(r'<a[^>]*href="/oxtender/(\w+)"[^>]*>(\w+)</a>',
                      r.text.split("</header>")[0])
    assert [t for _, t in tabs][-7:] == ["Resellers", "Clients", "Domains",
                                         "Mailboxes", "Logs", "Settings",
                                         "License"], tabs


# ---- the sections ---------------------------------------------------------------

def test_every_section_with_the_key_in_force(lp):
    lp.reset(ownership="leased", tier="100", domains=90, premium="no",
             free_usage="no", renewed="2025-03-01", sus_expires="2026-03-01")
    r = lp.get("license", lp.admin)
    assert r.status == 200
    for legend in ("License Key Status", "Upload License Key",
                   "License by Activation Code",
                   "Get License Key From Licensing Server",
                   "License Key Properties"):
        assert "<legend>%s</legend>" % legend in r.text, legend
    assert prop(r, "oxt-lic-ip") == SERVER_IP + " (the panel's main address)"
    assert prop(r, "oxt-lic-state").startswith("Valid")
    assert prop(r, "oxt-lic-number") == KEPT
    assert prop(r, "oxt-lic-ownership") == "Leased"
    assert prop(r, "oxt-lic-keyip") == SERVER_IP
    assert prop(r, "oxt-lic-domains") == "90"
    assert prop(r, "oxt-lic-sus") == "2026-03-01"
    assert prop(r, "oxt-lic-renewed") == "2025-03-01"
    assert prop(r, "oxt-lic-premium") == "No"
    assert prop(r, "oxt-lic-free") == "No"
    assert prop(r, "oxt-lic-tier") == "100 domains"
    assert prop(r, "oxt-lic-server") == lp.licsrv.url
    assert prop(r, "oxt-lic-answer") == "None yet."
    form = re.search(r'<form method="post"[^>]*enctype="multipart/form-data"'
                     r'[^>]*>(.*?)</form>', r.text, re.S)
    assert form, "no upload form"
    assert 'type="file"' in form.group(1) and 'name="key"' in form.group(1)
    assert 'name="csrf"' in form.group(1)
    assert 'name="code"' in r.text and ">Activate</button>" in r.text
    assert ">Get license</button>" in r.text
    out = page_json(lp)
    assert out["ok"] is True and out["license_server_url"] == lp.licsrv.url
    st = out["license"]
    assert (st["status"], st["server_ip"], st["server_ip_from"]) == (
        "valid", SERVER_IP, "psa")
    assert st["key"]["number"] == KEPT and st["key"]["premium"] is False
    assert st["terms"]["groupware_cap"] == 150
    assert st["can_activate"] is True and st["can_renew"] is True
    assert st["banner"] is None
    # the page counts Plesk's mailboxes now
    assert st["usage"]["plesk_mailboxes"] == int(lp.site.psa_scalar(
        "SELECT COUNT(*) FROM mail WHERE postbox = 'true'"))


def test_without_a_key_no_renewal_and_no_properties(lp):
    lp.site.db.sql("UPDATE license SET key_blob = NULL, key_number = NULL;\n",
                   lp.site.oxtender_db)
    r = lp.get("license", lp.admin)
    assert r.status == 200
    assert "Get License Key From Licensing Server" not in r.text
    assert ">Get license</button>" not in r.text
    assert "No license key is loaded." in r.text
    assert prop(r, "oxt-lic-state").startswith("No license key: the"
                                               " evaluation allowance")
    assert ">Activate</button>" in r.text
    out = page_json(lp)["license"]
    assert out["key"] is None and out["can_renew"] is False
    sent = len(lp.licsrv.requests())
    r = lp.post("license", lp.admin, {"action": "renew"})
    assert r.status == 409, r.status
    r = lp.post("license", lp.admin, {"action": "renew"},
                query={"format": "json"})
    assert (r.status, r.json()["error"]) == (409, "no_key")
    assert len(lp.licsrv.requests()) == sent


# ---- Upload License Key -------------------------------------------------------------

def test_a_good_key_is_uploaded_and_in_force(lp):
    r = lp.upload(lp.admin, lp.mint(number="OXT-UP-1", tier="10",
                                    ownership="evaluation"))
    assert r.status == 303, (r.status, r.text)
    loc = r.headers["Location"]
    assert loc.startswith("/oxtender/license?m=licinstalled&s=")
    assert lp.number() == "OXT-UP-1"
    r = lp.httpd.get(loc, auth=lp.admin[:2])
    assert "The license key is in force." in text_of(r)
    assert prop(r, "oxt-lic-number") == "OXT-UP-1"
    assert prop(r, "oxt-lic-ownership") == "Evaluation"
    assert prop(r, "oxt-lic-tier") == "10 domains"
    st = page_json(lp)["license"]
    assert st["installed_by"] == "admin"
    # the JSON way: X-CSRF-Token, format=json
    tok = lp.token(lp.admin)
    r = lp.upload(lp.admin, lp.mint(number="OXT-UP-2"), token=False,
                  headers={"X-CSRF-Token": tok}, query={"format": "json"})
    assert r.status == 200, r.text
    assert r.json()["ok"] is True and lp.number() == "OXT-UP-2"


@pytest.mark.parametrize("case", ["tampered", "truncated", "oversized",
                                  "unsigned", "expired", "wrong_ip",
                                  "other_authority", "empty", "not_a_key"])
def test_a_bad_key_is_refused_and_the_key_in_force_stays(lp, case):
    text, verdict = _bad_keys(lp.site.authority)[case]
    before = lp.site.oxt("SELECT * FROM license")
    r = lp.upload(lp.admin, text)
    assert r.status == 400, (r.status, r.text[:300])
    err = error_box(r)
    assert err.startswith("Error: The license key was refused: "), err
    assert "License key refused" not in err and len(err) > 70, err
    assert err.endswith("The key in force is kept."), err
    assert prop(r, "oxt-lic-number") == KEPT
    assert lp.site.oxt("SELECT * FROM license") == before
    r = lp.upload(lp.admin, text, query={"format": "json"})
    out = r.json()
    assert (r.status, out["ok"], out["error"]) == (400, False, verdict), out
    assert out["license"]["key"]["number"] == KEPT
    assert lp.number() == KEPT


def test_what_is_no_upload_is_refused(lp):
    who = lp.admin
    tok = lp.token(who)
    good = lp.mint(number="OXT-NOT").encode()
    # over the cap of the whole body: refused before it is parsed
    r = lp.upload(who, good + b"#" * 70000)
    assert r.status == 413, r.status
    # not multipart as it claims
    for body in (b"garbage", b"--x\r\nno headers\r\n--x--\r\n",
                 good, b"--b\r\nContent-Disposition: form-data;"
                 b" name=\"key\"; filename=\"k\"\r\n\r\n" + good):
        r = lp.raw(who, "multipart/form-data; boundary=b", body, token=tok)
        assert r.status == 400, (body[:30], r.status)
    r = lp.raw(who, "multipart/form-data", b"--b--\r\n", token=tok)
    assert r.status == 400
    r = lp.raw(who, "text/plain", good, token=tok)
    assert r.status == 415
    # no token, or a wrong one
    assert lp.upload(who, good, token=False).status == 403
    assert lp.upload(who, good, token="x" * 43).status == 403
    # from another site
    r = lp.upload(who, good, headers={"Origin": "https://evil.example",
                                      "Sec-Fetch-Site": "cross-site"})
    assert r.status == 403
    # a form without the file
    ctype, body = multipart({"csrf": tok}, {})
    r = lp.raw(who, ctype, body)
    assert r.status == 400 and "Choose a license key file" in text_of(r)
    assert lp.number() == KEPT
    # an upload is never a file under the web root
    root = os.path.join(lp.httpd.root, "htdocs")
    assert os.listdir(root) == []
    lp.httpd.settle()


# ---- the licensing server -------------------------------------------------------------

def test_an_activation_code_brings_its_key(lp):
    lp.licsrv.scenario(codes={"ACT-7": lp.site.authority.answer(
        "Key issued for ACT-7.", number="OXT-ACT-7", tier="100")})
    r = lp.post("license", lp.admin, {"action": "activate", "code": "ACT-7"})
    assert r.status == 303, (r.status, r.text[:300])
    assert lp.number() == "OXT-ACT-7"
    r = lp.httpd.get(r.headers["Location"], auth=lp.admin[:2])
    assert "The licensing server's key is in force." in text_of(r)
    answer = prop(r, "oxt-lic-answer")
    assert answer.startswith("License key OXT-ACT-7 put in force. Server:"
                             " Key issued for ACT-7. ("), answer
    sent = lp.licsrv.requests()[-1]
    assert sent["action"] == "activate" and sent["code"] == "ACT-7"
    assert sent["ip"] == SERVER_IP


def test_get_license_renews_the_loaded_key(lp):
    lp.licsrv.scenario(numbers={KEPT: lp.site.authority.answer(
        "Renewed.", number=KEPT, renewed="2026-01-02",
        sus_expires="2027-01-02")})
    tok = lp.token(lp.admin)
    r = lp.post("license", lp.admin, {"action": "renew"}, token=False,
                headers={"X-CSRF-Token": tok}, query={"format": "json"})
    assert r.status == 200 and r.json()["ok"] is True, r.text
    r = lp.get("license", lp.admin)
    assert prop(r, "oxt-lic-renewed") == "2026-01-02"
    assert prop(r, "oxt-lic-sus") == "2027-01-02"
    sent = lp.licsrv.requests()[-1]
    assert sent["action"] == "renew" and sent["number"] == KEPT


@pytest.mark.parametrize("scenario,status,words", [
    (dict(unknown="refusal"), 502, "Refused: Unknown code."),
    (dict(mode="close"), 502, "No answer from the licensing server"),
    (dict(mode="garbage"), 502, "The licensing server's answer is not"
                                " understood"),
    (dict(mode="http500"), 502, "The licensing server failed: HTTP status"
                                " 500"),
    (dict(unknown="wrong_ip"), 400, "The key in the answer was refused"),
])
def test_a_failing_licensing_server_leaves_the_key(lp, scenario, status,
                                                   words):
    if scenario.get("unknown") == "refusal":
        scenario["unknown"] = lp.site.authority.refusal("Unknown code.")
    elif scenario.get("unknown") == "wrong_ip":
        scenario["unknown"] = lp.site.authority.answer(
            "Here.", number="OXT-ELSEWHERE", ip="192.0.2.99")
    lp.licsrv.scenario(**scenario)
    r = lp.post("license", lp.admin, {"action": "activate", "code": "C-9"})
    assert r.status == status, (r.status, r.text[:300])
    # the Error says what is kept as the last answer
    assert error_box(r).startswith("Error: " + words), error_box(r)
    assert prop(r, "oxt-lic-answer").startswith(words)
    assert prop(r, "oxt-lic-number") == KEPT and lp.number() == KEPT
    # the code entered stays in its field
    assert re.search(r'name="code"[^>]*value="C-9"', r.text)


def test_a_slow_licensing_server_and_a_bad_code(lp):
    lp.site.db.sql("UPDATE settings SET soap_timeout_s = 1;\n",
                   lp.site.oxtender_db)
    lp.licsrv.scenario(delay=4, unknown=lp.site.authority.answer("Late."))
    r = lp.post("license", lp.admin, {"action": "renew"},
                query={"format": "json"})
    out = r.json()
    assert (r.status, out["ok"], out["error"]) == (502, False,
                                                   "licensing_server")
    assert "nothing within 1 s" in out["message"], out["message"]
    assert out["license"]["last_server_answer"]["ok"] is False
    assert lp.number() == KEPT
    for code in ("", "a b", "<script>", "x" * 65):
        r = lp.post("license", lp.admin, {"action": "activate",
                                          "code": code})
        assert r.status == 400, code
        assert "Nothing was sent." in error_box(r)
        if code == "<script>":
            assert 'value="&lt;script&gt;"' in r.text
    r = lp.post("license", lp.admin, {"action": "nonsense"})
    assert r.status == 400


def test_the_configured_ip_and_a_server_that_is_down(license_site,
                                                     apache_factory):
    lp = license_site
    lp.reset()
    conf = os.path.join(lp.site.root, "oxtender-otherip.conf")
    lp.site.write_config(path=conf, server_ip="198.51.100.7",
                         license_server_url="https://127.0.0.1:%d/license"
                         % env.free_port(),
                         license_server_ca_file=lp.licsrv.ca_file)
    httpd = apache_factory("apache-licpage-ip", conf,
                           extra="OxtenderPanelOrigin %s" % PANEL)
    r = httpd.get("/oxtender/license", auth=lp.admin[:2])
    assert r.status == 200
    assert prop(r, "oxt-lic-ip") == "198.51.100.7 (set in the" \
                                    " configuration)"
    state = prop(r, "oxt-lic-state")
    assert state.startswith("Not in force"), state
    m = re.search(r'name="csrf" value="([^"]+)"', r.text)
    r = httpd.post("/oxtender/license", auth=lp.admin[:2],
                   headers={"Origin": PANEL},
                   body="action=activate&code=C-1&csrf=" + m.group(1))
    assert r.status == 502
    assert "No answer from the licensing server" in error_box(r)
    assert lp.number() == KEPT


# ---- the banners ------------------------------------------------------------------------

def test_restricted_sends_the_admin_to_the_license_page(lp):
    lp.reset(mailboxes=2000)
    lp.usage(usage_plesk_mailboxes=2001, usage_groupware=0, usage_domains=0)
    r = lp.get(PAGE["admin"], lp.admin)
    assert r.status == 303 and r.headers["Location"].startswith(
        "/oxtender/license?m=licrestricted")
    r = lp.get("", lp.admin)
    assert r.status == 303
    r = lp.get("license", lp.admin)
    assert r.status == 200
    assert RESTRICTED_ADMIN in license_box(r)[0]
    r = lp.get("settings", lp.admin, format="json")
    assert (r.status, r.json()["error"]) == (403, "license_restricted")
    assert r.json()["message"] == RESTRICTED_ADMIN
    r = lp.post("settings", lp.admin, {"ok": "1"}, token=lp.token(lp.admin))
    assert r.status == 403 and RESTRICTED_ADMIN in text_of(r)
    # a key that allows them lifts it at once
    r = lp.upload(lp.admin, lp.mint(number="OXT-BIG", mailboxes=5000))
    assert r.status == 303
    assert lp.get(PAGE["admin"], lp.admin).status == 200


@pytest.mark.parametrize("role", OTHERS)
def test_restricted_refuses_the_others_with_62(lp, role):
    lp.reset(mailboxes=2000)
    lp.usage(usage_plesk_mailboxes=2001, usage_groupware=0, usage_domains=0)
    who = lp.callers[role]
    for route in (PAGE[role], ""):
        r = lp.get(route, who)
        assert r.status == 403, (route, r.status)
        assert RESTRICTED_OTHER in text_of(r)
        assert "2,000" not in text_of(r)
    r = lp.get(PAGE[role], who, format="json")
    assert r.json()["message"] == RESTRICTED_OTHER
    lp.usage(usage_plesk_mailboxes=2000)
    assert lp.get(PAGE[role], who).status == 200


@pytest.mark.parametrize("role", ("admin",) + OTHERS)
def test_a_reached_limit_is_said_on_every_page(lp, role):
    lp.reset(tier="10", free_usage="no", domains=10)
    who = lp.callers[role]
    r = lp.get(PAGE[role], who)
    assert "oxt-msg-license" not in r.text
    lp.usage(usage_plesk_mailboxes=90, usage_groupware=50, usage_domains=3)
    want = LIMIT_ADMIN if role == "admin" else LIMIT_OTHER
    for route in (PAGE[role], "logs", ""):
        r = lp.get(route, who)
        assert r.status == 200, (route, r.status)
        said, markup = license_box(r)
        assert said and want in said, (route, said)
        assert ('href="/oxtender/license"' in markup) == (role == "admin")
    # refused Groupware mailboxes say it too, below the cap
    lp.usage(usage_groupware=10, refused_groupware=2)
    assert "oxt-msg-license" in lp.get(PAGE[role], who).text
    lp.usage(refused_groupware=0)
    assert "oxt-msg-license" not in lp.get(PAGE[role], who).text


# ---- what the gate costs ------------------------------------------------------------

def test_the_gate_reads_one_small_row_a_request(lp):
    """With nothing changed, each page asks the license row once (the
    gate's fingerprint) and never psa's IP or the whole status again."""
    db = lp.site.db
    who = lp.callers["client"]
    lp.get(PAGE["client"], who)
    lp.get(PAGE["client"], who)
    db.sql("TRUNCATE mysql.general_log;\n"
           "SET GLOBAL log_output = 'TABLE';\n"
           "SET GLOBAL general_log = 1;\n")
    try:
        n = 12
        for _ in range(n):
            assert lp.get(PAGE["client"], who).status == 200
    finally:
        db.sql("SET GLOBAL general_log = 0;\n")
    rows = [r[0] for r in db.query(
        "SELECT argument FROM mysql.general_log WHERE command_type IN"
        " ('Query', 'Execute') AND argument LIKE '%FROM license%'")]
    fingerprints = [q for q in rows if "MD5(key_blob)" in q]
    full = [q for q in rows if "key_blob, last_server_answer" in q]
    # a process that has not served this row yet loads it once
    assert len(fingerprints) == n and len(full) <= 2, rows
