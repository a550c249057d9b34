"""The license's limits, enforced by the real replicator against the OX
emulator (docs/license.md): the Groupware caps of the three tiers, who
keeps a seat and who gets a free one, a smaller license holding what is
in OX, Groupware Premium, the maximum number of domains, the
restriction of a server with more Plesk mailboxes than allowed (the
2,000 of the evaluation allowance and a key's own number), and what the
replicator records for the pages.

Data: tools/gendata/README.md. Webmail Forever on reseller1 (clients.id
2) selects dom1, dom2, dom7 and dom9; the others are suspended or have
mail off.
"""
import os
import shutil
import tempfile

import pytest

from harness.plesk import PleskSetup, make_plesk  # noqa: F401

RESELLER1 = 2
LIMIT = "license_limit"


def users_in_ox(px):
    """{mail id: access combination} of every user in OX."""
    out = {}
    for ctx in px.ox_state()["contexts"]:
        for u in ctx["users"]:
            if str(u.get("contextadmin")).lower() in ("true", "1"):
                continue
            assert u["name"].startswith("user"), u["name"]
            out[int(u["name"][4:])] = u["access_combination"]
    return out


def reasons(px):
    """{mail id: status_reason} of mailbox_state."""
    return {int(m): r for m, r in px.sql(
        "oxt", "SELECT mail_id, status_reason FROM mailbox_state")}


def wanting(px):
    """(dom id, mail id) of every mailbox that is replicated or waits
    for the license, in the order a first full pass meets them."""
    return sorted((int(d), int(m)) for d, m in px.sql(
        "oxt", "SELECT dom_id, mail_id FROM mailbox_state WHERE status ="
        " 'replicated' OR status_reason LIKE 'license%'"))


@pytest.fixture(scope="module")
def groupware(mariadb):
    """Enough Groupware candidates for the largest tier (250): 800
    mailboxes, about 290 of them selected with a usable password."""
    root = tempfile.mkdtemp(prefix="plesk-lic-",
                            dir=os.path.dirname(mariadb.root))
    px = PleskSetup(mariadb, root, size=dict(resellers=2, clients=4,
                                             domains=10, mailboxes=800),
                    license=dict(tier="10", premium="yes"))
    try:
        px.setup()
        px.settings_set(default_service_type="groupware_standard",
                        auto_delete=1)
        px.set_pref("reseller", RESELLER1, webmail_forever="on")
        yield px
    finally:
        px.close()
        shutil.rmtree(root, ignore_errors=True)


def test_each_tier_caps_groupware_and_seats_are_stable(groupware):
    px = groupware
    # 10 domains: 50. The first pass meets the domains in id order.
    res = px.run()
    order = wanting(px)
    assert len(order) > 260, "too few candidates: %d" % len(order)
    first = {m for _, m in order[:50]}
    assert set(users_in_ox(px)) == first
    refused = {m for m, r in reasons(px).items() if r == LIMIT}
    assert refused == {m for _, m in order[50:]}
    assert "OXT04103" in res.stderr and "not replicated (license_limit)" \
        in res.stderr, res.stderr[-2000:]
    st = px.license_status()
    assert st["usage"]["groupware"] == 50
    assert st["usage"]["refused"]["groupware"] == len(order) - 50
    assert st["limit_reached"] is True
    assert st["banner"].startswith("It is not possible to create more OX"
                                   " Groupware accounts (all types) because")
    # A second run changes nothing and logs no refusal again.
    before = px.ox_state()
    res = px.run()
    assert px.ox_state() == before
    assert "0 operations done" in res.stdout, res.stdout
    assert "OXT04103" not in res.stderr

    # 100 domains: 150; the 100 new seats go to the lowest waiting ids.
    px.install_license(number="OXT-TEST-100", tier="100", premium="yes")
    px.run()
    waiting = sorted(m for _, m in order[50:])
    second = first | set(waiting[:100])
    assert set(users_in_ox(px)) == second
    # unlimited domains: 250.
    px.install_license(number="OXT-TEST-UNL", tier="unlimited",
                       premium="yes")
    px.run()
    third = second | set(sorted(set(waiting) - second)[:100])
    assert len(third) == 250 and set(users_in_ox(px)) == third
    # Free usage: no cap.
    px.install_license(number="OXT-TEST-FREE", tier="unlimited",
                       premium="yes", free_usage="yes")
    px.run()
    assert set(users_in_ox(px)) == {m for _, m in order}
    assert LIMIT not in reasons(px).values()
    assert px.license_status()["limit_reached"] is False


def test_a_smaller_license_holds_what_is_in_ox(groupware):
    """After the tier ladder every candidate is in OX; a 10-domain key
    keeps the 50 lowest ids replicated and holds the rest as they are:
    nothing is deleted, even with automatic delete on."""
    px = groupware
    in_ox = users_in_ox(px)
    assert len(in_ox) > 260
    px.install_license(number="OXT-TEST-10B", tier="10", premium="yes")
    before = px.ox_counters()["calls"]
    px.run()
    after = px.ox_counters()["calls"]
    assert users_in_ox(px) == in_ox
    assert after.get("OXUserService.delete", 0) == \
        before.get("OXUserService.delete", 0)
    keep = set(sorted(in_ox)[:50])
    r = reasons(px)
    assert {m for m in in_ox if r.get(m) is None} == keep
    assert {m for m in in_ox if r.get(m) == LIMIT} == set(in_ox) - keep
    # Held means held: a changed password is not sent either.
    held = sorted(set(in_ox) - keep)[0]
    px.exec("psa", "UPDATE accounts a JOIN mail m ON m.account_id = a.id"
            " SET a.password = 'changed-pw', a.type = 'plain'"
            " WHERE m.id = %s", (held,))
    px.run()
    assert after.get("OXUserService.change", 0) == \
        px.ox_counters()["calls"].get("OXUserService.change", 0)


def test_premium_needs_a_premium_license(make_plesk):  # noqa: F811
    px = make_plesk(license=dict(tier="100", premium="no"))
    px.set_pref("reseller", RESELLER1, webmail_forever="on",
                service_type="groupware_standard")
    px.set_pref("domain", 1, service_type="groupware_premium")
    px.run()
    users = users_in_ox(px)
    r = reasons(px)
    premium = [m for m, d in ((int(m), int(d)) for m, d in px.sql(
        "oxt", "SELECT mail_id, dom_id FROM mailbox_state")) if d == 1
        and r.get(m) == "license_premium"]
    assert premium and not set(premium) & set(users)
    assert set(users.values()) == {"groupware_standard"}
    st = px.license_status()
    assert st["terms"]["allowed_services"] == ["webmail",
                                               "groupware_standard"]
    assert st["usage"]["refused"]["premium"] == len(premium)
    px.install_license(number="OXT-TEST-P", tier="100", premium="yes")
    px.run()
    users = users_in_ox(px)
    assert all(users[m] == "groupware_premium" for m in premium)
    assert "license_premium" not in reasons(px).values()


def test_the_maximum_number_of_domains(make_plesk):  # noqa: F811
    px = make_plesk(license=dict(tier="10", domains=2))
    px.set_pref("reseller", RESELLER1, webmail_forever="on")
    px.run()
    assert sorted(px.ox_contexts()) == ["dom1.example",
                                        "xn--bcher2-3ya.example"]
    refused = {int(d) for d, in px.sql(
        "oxt", "SELECT DISTINCT dom_id FROM mailbox_state"
        " WHERE status_reason = 'license_domains'")}
    assert refused == {7, 9}
    assert px.license_status()["usage"]["domains"] == 2
    px.run()
    assert len(px.ox_contexts()) == 2
    # One more domain: the waiting one with the lowest id.
    px.install_license(number="OXT-TEST-D3", tier="10", domains=3)
    px.run()
    assert sorted(px.ox_contexts()) == ["dom1.example", "dom7.example",
                                        "xn--bcher2-3ya.example"]


def test_more_plesk_mailboxes_than_a_key_allows_restricts(make_plesk):  # noqa: F811,E501
    # 40 Plesk mailboxes, a key for 30: nothing at all is replicated.
    px = make_plesk(license=dict(tier="unlimited", mailboxes=30,
                                 free_usage="yes"))
    px.set_pref("reseller", RESELLER1, webmail_forever="on")
    n = int(px.scalar("psa", "SELECT COUNT(*) FROM mail"
                      " WHERE postbox = 'true'"))
    res = px.run()
    assert px.ox_contexts() == {}
    assert "OXT04101" in res.stderr and "Plesk holds %d mailboxes, the" \
        " license allows 30" % n in res.stderr, res.stderr[-2000:]
    assert "OXT04103" not in res.stderr
    assert set(reasons(px).values()) >= {"license_restricted"}
    st = px.license_status()
    assert st["restricted"] is True
    assert st["banner"] == ("It is not possible to use this license with"
                            " more than 30 mailboxes in Parallels Plesk"
                            " Panel. For more details, contact OXtender"
                            " sales.")
    px.install_license(number="OXT-TEST-40", tier="unlimited",
                       mailboxes=n, free_usage="yes")
    px.run()
    assert len(px.ox_contexts()) == 4
    assert px.license_status()["restricted"] is False


def test_the_evaluation_allowance_stops_above_2000_mailboxes(make_plesk):  # noqa: F811,E501
    px = make_plesk(size=dict(resellers=2, clients=4, domains=10,
                              mailboxes=2100), license=None)
    # Exactly 2,001 mailboxes: the highest ones become forward-only.
    n = int(px.scalar("psa", "SELECT COUNT(*) FROM mail"
                      " WHERE postbox = 'true'"))
    px.exec("psa", "UPDATE mail SET postbox = 'false' WHERE postbox ="
            " 'true' ORDER BY id DESC LIMIT %s", (n - 2001,))
    px.set_pref("domain", 1, webmail_forever="on")
    res = px.run()
    assert px.ox_contexts() == {}
    assert "Plesk holds 2001 mailboxes, the license allows 2000" \
        in res.stderr, res.stderr[-2000:]
    st = px.license_status()
    assert (st["status"], st["restricted"]) == ("none", True)
    assert st["terms"] == {"from_key": False, "max_domains": 10,
                           "max_plesk_mailboxes": 2000, "groupware_cap": 50,
                           "premium": True, "allowed_services": [
                               "webmail", "groupware_standard",
                               "groupware_premium"]}
    # 2,000 is allowed: one mailbox fewer and dom1 is replicated.
    px.exec("psa", "UPDATE mail SET postbox = 'false' WHERE postbox ="
            " 'true' ORDER BY id DESC LIMIT 1")
    px.run()
    assert list(px.ox_contexts()) == ["dom1.example"]
    assert len(users_in_ox(px)) > 150
    assert px.license_status()["restricted"] is False
