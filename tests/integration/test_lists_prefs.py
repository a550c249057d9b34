"""The Prefs dialog of resellers, clients and domains (user guide ch. 2-4)
on Plesk 9: what it shows (its own values, else inherited ones, else
Settings), the languages enabled in Settings and the full list of time
zones, a value above the parent's maximum refused with the guide's words
next to its field and nothing saved, saving (a value equal to the
inherited one is stored as "inherit"), the hint, and the way back to the
list with the message.
"""
import re

import pytest

OVER_RESELLER = ("You can not fill in a value greater than the one set for"
                 " the reseller the client belongs to!")
OVER_PARENT = ("You can not fill in a value greater than the one set for"
               " the domain's parent account!")


@pytest.fixture(scope="module")
def ls(lists_flavour):
    ls = lists_flavour(9)
    ls.site.db.sql("UPDATE ox_language SET allowed = 1 WHERE code IN"
                   " ('de_DE', 'ro_RO')", ls.site.oxtender_db)
    yield ls
    ls.site.db.sql("UPDATE ox_language SET allowed = (code = 'en_US')",
                   ls.site.oxtender_db)


@pytest.fixture(scope="module")
def chain(ls):
    """(reseller id, client id, domain id) of one chain."""
    r, c, d = ls.site.psa(
        "SELECT r.id, c.id, d.id FROM clients r JOIN clients c ON"
        " c.parent_id = r.id JOIN domains d ON d.cl_id = c.id WHERE"
        " r.type = 'reseller' AND r.login LIKE 'reseller%' ORDER BY d.id"
        " LIMIT 1")[0]
    yield int(r), int(c), int(d)
    ls.site.db.sql("DELETE FROM prefs WHERE level IN ('reseller', 'client',"
                   " 'domain') AND (default_quota_mb IS NOT NULL OR"
                   " max_quota_mb IS NOT NULL OR language IS NOT NULL OR"
                   " timezone IS NOT NULL) AND access = 0",
                   ls.site.oxtender_db)


def own(ls, level, oid):
    rows = ls.site.oxt("SELECT default_quota_mb, max_quota_mb, language,"
                       " timezone FROM prefs WHERE level = '%s' AND"
                       " plesk_id = %d" % (level, oid))
    return rows[0] if rows else None


def save(ls, route, oid, **fields):
    return ls.post("%s/%d/prefs" % (route, oid), ls.admin, fields,
                   token=ls.token(ls.admin, route))


def test_a_new_dialog_shows_settings(ls, chain):
    rid = chain[0]
    data = ls.json("resellers/%d/prefs" % rid, ls.admin)
    assert data["level"] == "reseller" and data["id"] == rid
    assert data["quota_mb"] == 100 and data["quota_inherited"] is True
    assert data["max_quota_mb"] is None
    assert data["parent_max_quota_mb"] is None
    assert (data["language"], data["timezone"]) == ("plesk", "plesk")
    codes = {l["code"] for l in data["languages"]}
    assert codes == {"en_US", "de_DE", "ro_RO"}, "the enabled ones only"
    assert len(data["timezones"]) > 300
    assert {"name": "Pacific/Apia", "label": "(GMT +13:00) Pacific/Apia"} in \
        data["timezones"]


def test_the_html_dialog(ls, chain):
    rid, cid, did = chain
    t = ls.get("clients/%d/prefs" % cid, ls.admin).text
    assert "data-oxt-dialog-content" in t
    assert "Preferences</h2>" in t and "Fill in a value" in t
    for label in ("Default domain Infostore quota", "Maximum domain"
                  " Infostore quota", "Default OX language",
                  "Default OX time zone"):
        assert label in t, label
    assert t.count("<option") == 1 + 3 + 1 + len(
        ls.json("clients/%d/prefs" % cid, ls.admin)["timezones"])
    assert "Plesk language on replicated accounts" in t
    assert "Plesk server time zone" in t
    assert re.search(r'data-oxt-close href="/oxtender/clients">Cancel', t)
    assert 'name="csrf"' in t and 'action="/oxtender/clients/%d/prefs"' % cid \
        in t
    t = ls.get("domains/%d/prefs" % did, ls.admin).text
    assert "Infostore on <bdi>" not in t, "a label is text"
    assert re.search(r">Infostore on [^<]+<", t)
    assert "Maximum domain Infostore quota" not in t
    # The guide's labels on the domain's dialog too.
    assert "Default OX language" in t and "Default OX time zone" in t


def test_saving_and_the_way_back(ls, chain):
    rid = chain[0]
    r = save(ls, "resellers", rid, quota_mb="90", max_quota_mb="200",
             language="de_DE", timezone="Europe/Bucharest")
    assert r.status == 303, r.text
    assert r.headers["Location"].startswith("/oxtender/resellers?m=prefs.")
    page = ls.httpd.get(r.headers["Location"], auth=ls.admin[:2]).text
    name = ls.site.psa_scalar("SELECT pname FROM clients WHERE id = %d"
                              % rid)
    assert "The preferences of %s are saved." % name.replace(
        "'", "&#39;") in page
    assert own(ls, "reseller", rid) == ("90", "200", "de_DE",
                                        "Europe/Bucharest")
    assert ls.site.oxt("SELECT object_type, detail FROM queue WHERE"
                       " object_type = 'reseller' AND object_id = %d" % rid) \
        == [("reseller", "preferences")]
    data = ls.json("resellers/%d/prefs" % rid, ls.admin)
    assert (data["quota_mb"], data["max_quota_mb"], data["quota_inherited"]) \
        == (90, 200, False)
    # What equals the inherited value is stored as "inherit".
    r = save(ls, "resellers", rid, quota_mb="100", max_quota_mb="",
             language="plesk", timezone="plesk")
    assert r.status == 303
    assert own(ls, "reseller", rid) == (None, None, None, None)


def test_above_the_parents_maximum_nothing_is_saved(ls, chain):
    rid, cid, did = chain
    assert save(ls, "resellers", rid, quota_mb="90", max_quota_mb="200",
                language="plesk", timezone="UTC").status == 303
    before = ls.prefs()
    r = save(ls, "clients", cid, quota_mb="201", max_quota_mb="300",
             language="en_US", timezone="UTC")
    assert r.status == 400
    t = r.text
    assert t.count(OVER_RESELLER) == 2, "next to each refused field"
    assert 'aria-invalid="true" aria-describedby="f-quota_mb-err"' in t
    assert "Nothing was saved" in t
    assert ls.prefs() == before
    data = ls.post("clients/%d/prefs" % cid, ls.admin,
                   {"quota_mb": "201", "max_quota_mb": "",
                    "language": "xx_XX", "timezone": "Mars/Base"},
                   token=ls.token(ls.admin, "clients"),
                   query={"format": "json"})
    assert data.status == 400
    errors = data.json()["errors"]
    assert errors == {"quota_mb": OVER_RESELLER,
                      "language": "Choose one of the languages enabled in"
                                  " Settings.",
                      "timezone": "Choose a time zone of the list."}
    assert ls.prefs() == before
    # Within the reseller's maximum: saved; the domain is bound by the
    # client's (smaller) maximum.
    assert save(ls, "clients", cid, quota_mb="150", max_quota_mb="160",
                language="ro_RO", timezone="UTC").status == 303
    data = ls.json("domains/%d/prefs" % did, ls.admin)
    assert data["parent_max_quota_mb"] == 160
    assert data["quota_mb"] == 150 and data["language"] == "ro_RO"
    r = save(ls, "domains", did, quota_mb="161", language="ro_RO",
             timezone="UTC")
    assert r.status == 400 and OVER_PARENT.replace("'", "&#39;") in r.text
    assert save(ls, "domains", did, quota_mb="160", language="ro_RO",
                timezone="UTC").status == 303
    assert own(ls, "domain", did) == ("160", None, None, None)


def test_a_prefs_post_is_checked_like_every_post(ls, chain):
    rid = chain[0]
    r = ls.post("resellers/%d/prefs" % rid, ls.admin, {"quota_mb": "1"},
                token=False)
    assert r.status == 403
    r = ls.post("resellers/%d/prefs" % 999999, ls.admin,
                {"quota_mb": "1"}, token=ls.token(ls.admin, "resellers"))
    assert r.status == 404


pytestmark = pytest.mark.expect_log("OXT05502")
