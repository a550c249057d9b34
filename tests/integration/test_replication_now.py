"""Webmail Now: a request (prefs.webmail_now_at/by on a reseller, client
or domain) replicates the mailboxes that part of the server has *now*,
once: each gets its own OX Service tick (Webmail unless it has a service
type of its own), the request is cleared, and the log rows name the person
who asked. A mailbox created later is not covered.

Data: tools/gendata/README.md, default PleskSetup size (client1 = 4 owns
dom1, dom2, dom3-5 suspended, dom6 mail off, dom9).
"""
import pytest

from harness.plesk import make_plesk, plesk  # noqa: F401

IDN = "xn--bcher2-3ya.example"


def request_now(px, level, plesk_id, who):
    px.exec("oxt", "INSERT INTO prefs (level, plesk_id, webmail_now_at,"
            " webmail_now_by) VALUES (%s, %s, NOW(), %s) ON DUPLICATE KEY"
            " UPDATE webmail_now_at = NOW(), webmail_now_by = %s",
            (level, plesk_id, who, who))


def ticks(px):
    return sorted((int(i), f, s) for i, f, s in px.sql(
        "oxt", "SELECT plesk_id, webmail_forever, service_type FROM prefs"
        " WHERE level = 'mailbox'"))


def add_mailbox(px, dom_id, name, password):
    px.exec("psa", "INSERT INTO accounts (type, password) VALUES"
            " ('plain', %s)", (password,))
    px.exec("psa", "INSERT INTO mail (mail_name, postbox, account_id, dom_id)"
            " SELECT %s, 'true', MAX(id), %s FROM accounts", (name, dom_id))
    return int(px.scalar("psa", "SELECT id FROM mail WHERE mail_name = %s",
                         (name,)))


def test_now_on_a_domain_replicates_once(plesk):
    request_now(plesk, "domain", 9, "client1")
    plesk.run()
    assert sorted(plesk.ox_users("dom9.example")) == ["user39", "user9"]
    assert sorted(plesk.ox_contexts()) == ["dom9.example"]
    assert plesk.sql("oxt", "SELECT webmail_now_at, webmail_now_by FROM prefs"
                     " WHERE level = 'domain' AND plesk_id = 9") == [
        (None, None)], "the request is cleared"
    assert ticks(plesk) == [(9, "on", "webmail"), (19, "on", "webmail"),
                            (29, "on", "webmail"), (39, "on", "webmail")]
    rows = [(r["mail_id"], r["operation"], r["outcome"], r["scheduled_by"],
             r["service_type"]) for r in plesk.log_rows()]
    assert sorted(rows) == [("39", "create", "success", "client1", "webmail"),
                            ("9", "create", "success", "client1", "webmail")]
    s = plesk.run_summaries()[-1]
    assert (s["webmail_ok"], s["webmail_failed"]) == ("2", "0"), s
    assert plesk.mailbox_state(19)["status_reason"] == "no_password"
    assert plesk.queue_rows() == []
    # once: a mailbox created afterwards is not replicated
    new_id = add_mailbox(plesk, 9, "later9", "later9-pw")
    plesk.run()
    assert sorted(plesk.ox_users("dom9.example")) == ["user39", "user9"]
    assert plesk.mailbox_state(new_id) is None


def test_now_on_a_client_covers_its_active_domains(plesk):
    request_now(plesk, "client", 4, "reseller1")
    plesk.run()
    got = {n: sorted(u["name"] for u in c["users"] if not u["contextadmin"])
           for n, c in plesk.ox_contexts().items()}
    assert got == {"dom1.example": ["user1", "user11", "user21", "user31"],
                   IDN: ["user12", "user2", "user22", "user32"],
                   "dom9.example": ["user39", "user9"]}, got
    assert plesk.mailbox_state(13)["status_reason"] == "suspended"
    assert plesk.mailbox_state(16)["status_reason"] == "mail_off"


def test_now_on_a_reseller(plesk):
    request_now(plesk, "reseller", 2, "admin")
    plesk.run()
    assert sorted(plesk.ox_contexts()) == [
        "dom1.example", "dom7.example", "dom9.example", IDN]


def test_now_keeps_a_mailbox_service_type_and_beats_forever_off(plesk):
    plesk.set_pref("client", 4, webmail_forever="off")
    plesk.set_pref("mailbox", 39, service_type="groupware_premium")
    request_now(plesk, "domain", 9, "client1")
    plesk.run()
    users = plesk.ox_users("dom9.example")
    assert {n: u["access_combination"] for n, u in users.items()} == {
        "user9": "webmail", "user39": "groupware_premium"}
    assert ticks(plesk) == [(9, "on", "webmail"), (19, "on", "webmail"),
                            (29, "on", "webmail"),
                            (39, "on", "groupware_premium")]
    s = plesk.run_summaries()[-1]
    assert (s["webmail_ok"], s["premium_ok"]) == ("1", "1"), s


@pytest.mark.parametrize("level, plesk_id, who", [
    ("client", 4, "reseller1"), ("reseller", 2, "admin")])
def test_now_on_client_or_reseller_logs_the_requester(plesk, level,
                                                      plesk_id, who):
    request_now(plesk, level, plesk_id, who)
    plesk.run()
    rows = plesk.log_rows()
    assert rows, "something was replicated"
    assert {r["scheduled_by"] for r in rows} == {who}, \
        "Logs must name who asked for Webmail Now"
