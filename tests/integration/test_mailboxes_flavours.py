"""The Mailboxes page on Plesk 8 and 10: the same rows as psa for each
level that has the page, every sort both ways, the Plesk link only before Plesk 10 (the
SQL differs by version: no reseller in Plesk 8, smb_users in 10)."""
import pytest

from test_mailboxes import SORTS


def mail_ids(ls, role, oid):
    if role == "admin":
        sql = "SELECT id FROM mail"
    else:
        doms = ls.subtree(role, oid, "domains")
        sql = "SELECT id FROM mail WHERE dom_id IN (%s)" % ",".join(
            str(d) for d in doms)
    return {int(r[0]) for r in ls.site.psa(sql)}


@pytest.mark.parametrize("flavour", [8, 10])
def test_mailboxes_on_other_plesk_versions(lists_flavour, flavour):
    ls = lists_flavour(flavour)
    # Plesk 8 has no resellers; from Plesk 10 only the admin and the
    # resellers use OXtender
    roles = ("admin", "client", "domain") if flavour < 10 else \
        ("admin", "reseller")
    for role in roles:
        who = ls.admin if role == "admin" else ls.login(role)
        if role != "admin":
            ls.grant(role, who[2])
        oid = 0 if role == "admin" else who[2]
        data = ls.json("mailboxes", who, per_page="all")
        assert {i["id"] for i in data["items"]} == mail_ids(ls, role, oid)
        for key in SORTS:
            for d in ("asc", "desc"):
                page = ls.json("mailboxes", who, sort=key, dir=d,
                               per_page=10)
                assert page["sort"] == key and page["total"] == \
                    data["total"], (flavour, role, key)
    r = ls.get("mailboxes", ls.admin, per_page=10)
    assert r.status == 200
    assert ("mail_edit.php3?mn_id=" in r.text) == (flavour < 10)
