"""Mailboxes that must not (or cannot) be in OX: suspended domains and
owners (status bits 2, 16, 64, 272), missing, crypt and unreadable `sym`
passwords, forward-only addresses. Nothing goes to OX for them, their
mailbox_state says why, and the reason going away replicates them.

Data (tools/gendata/README.md, default PleskSetup size): dom3 16, dom4 64,
dom5 272, dom8 and dom10 status 2 (owner client2, status 16); client3
(clients.id 6) status 272 owns no domain; user3 forward-only (dom3);
user4 crypt $6$ (dom4), user10 crypt $1$ (dom10); user19 '' and user29
NULL (dom9); user2 (dom2) and user9 (dom9) `sym`.
"""
import os

from harness.plesk import make_plesk, plesk  # noqa: F401

RESELLER1, RESELLER2 = 2, 3
CLIENT1, CLIENT2, CLIENT3 = 4, 5, 6


def contexts_created(px):
    return px.ox_calls().get("OXContextService.createModuleAccessByName", 0)


def ox_domains(px):
    return sorted(px.ox_contexts())


def state(px, mail_id):
    st = px.mailbox_state(mail_id)
    return (st["status"], st["status_reason"]) if st else None


def test_suspended_domains_and_owners_get_no_ox_call(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on")
    plesk.set_pref("reseller", RESELLER2, webmail_forever="on")
    # a domain of client3 (status 272); Plesk marks it 2 as well, but the
    # owner's own status must be enough
    plesk.exec("psa", "UPDATE domains SET cl_id = %s WHERE id = 9",
               (CLIENT3,))
    plesk.run()
    assert ox_domains(plesk) == ["dom1.example", "dom7.example",
                                 "xn--bcher2-3ya.example"], \
        "only active domains of active owners"
    suspended = {13: 16, 14: 64, 15: 272, 8: 2, 20: 2, 9: 272, 39: 272}
    got = {i: state(plesk, i) for i in suspended}
    assert got == {i: ("disabled", "suspended") for i in suspended}, got
    for dom_id in (3, 4, 5, 8, 9, 10):
        assert plesk.domain_state(dom_id) is None, \
            "no context reserved for suspended dom%d" % dom_id
    text = " ".join(r["address"] for r in plesk.log_rows())
    for dom in ("dom3.", "dom4.", "dom5.", "dom8.", "dom9.", "dom10."):
        assert dom not in text, "log row for a suspended domain %s" % dom


def test_unsuspending_replicates(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on")
    plesk.set_pref("reseller", RESELLER2, webmail_forever="on")
    plesk.run()
    assert "dom3.example" not in plesk.ox_contexts()
    # dom3 (16) is unsuspended; client2 (16) and its domains (2) too
    plesk.exec("psa", "UPDATE domains SET status = 0 WHERE id IN (3, 8, 10)")
    plesk.exec("psa", "UPDATE clients SET status = 0 WHERE id = %s",
               (CLIENT2,))
    plesk.run()
    ctx = plesk.ox_contexts()
    assert sorted(plesk.ox_users("dom3.example")) == [
        "user13", "user23", "user33"], "user3 is forward-only"
    assert sorted(plesk.ox_users("dom8.example")) == [
        "user18", "user28", "user38", "user8"]
    assert sorted(plesk.ox_users("dom10.example")) == [
        "user20", "user30", "user40"], "user10 has a crypt password"
    assert "dom4.example" not in ctx and "dom5.example" not in ctx
    for i in (13, 23, 33, 8, 18, 20):
        assert state(plesk, i) == ("replicated", None), (i, state(plesk, i))
    assert state(plesk, 3) == ("unreplicable", "forward_only")
    assert state(plesk, 10) == ("unreplicable", "crypt_password")


def test_suspending_a_replicated_domain_then_unsuspending(plesk):
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.run()
    users = plesk.ox_users("dom1.example")
    assert sorted(users) == ["user1", "user11", "user21", "user31"]
    requests = plesk.ox_counters()["requests"]
    for bits in (16, 64, 272, 2):
        plesk.exec("psa", "UPDATE domains SET status = %s WHERE id = 1",
                   (bits,))
        plesk.run()
        assert plesk.ox_counters()["requests"] == requests, \
            "status %d: a suspended domain gets no OX call" % bits
        assert state(plesk, 1) == ("disabled", "suspended"), bits
    assert plesk.ox_users("dom1.example") == users, \
        "suspension leaves the OX users as they are"
    plesk.exec("psa", "UPDATE domains SET status = 0 WHERE id = 1")
    plesk.run()
    for i in (1, 11, 21, 31):
        assert state(plesk, i) == ("replicated", None), (
            "user%d: unsuspended and unchanged in OX, so it is replicated"
            " again, not left 'disabled'" % i)


def test_suspended_owner_of_a_replicated_domain(plesk):
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.run()
    requests = plesk.ox_counters()["requests"]
    plesk.exec("psa", "UPDATE clients SET status = 16 WHERE id = %s",
               (CLIENT1,))
    plesk.run()
    assert plesk.ox_counters()["requests"] == requests
    assert state(plesk, 21) == ("disabled", "suspended")
    # reseller suspended (client active)
    plesk.exec("psa", "UPDATE clients SET status = 0 WHERE id = %s",
               (CLIENT1,))
    plesk.exec("psa", "UPDATE clients SET status = 16 WHERE id = %s",
               (RESELLER1,))
    plesk.run()
    assert plesk.ox_counters()["requests"] == requests
    assert state(plesk, 21) == ("disabled", "suspended")


def test_missing_and_crypt_passwords_are_unreplicable(plesk):
    plesk.set_pref("domain", 9, webmail_forever="on")
    plesk.set_pref("domain", 4, webmail_forever="on")
    plesk.exec("psa", "UPDATE domains SET status = 0 WHERE id = 4")
    plesk.run()
    assert sorted(plesk.ox_users("dom9.example")) == ["user39", "user9"]
    assert sorted(plesk.ox_users("dom4.example")) == [
        "user14", "user24", "user34"]
    assert state(plesk, 19) == ("unreplicable", "no_password"), "'' password"
    assert state(plesk, 29) == ("unreplicable", "no_password"), "NULL"
    assert state(plesk, 4) == ("unreplicable", "crypt_password"), "$6$"
    for i in (19, 29, 4):
        st = plesk.mailbox_state(i)
        assert st["ox_user_id"] is None and st["applied_address"] is None
    # a password set later in Plesk replicates the mailbox
    plesk.exec("psa", "UPDATE accounts a JOIN mail m ON m.account_id = a.id"
               " SET a.type = 'plain', a.password = 'now-set-19'"
               " WHERE m.id = 19")
    plesk.run()
    assert plesk.ox_password_is("dom9.example", "user19", "now-set-19")
    assert state(plesk, 19) == ("replicated", None)


def test_forward_only_is_unreplicable(plesk):
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.exec("psa", "UPDATE mail SET postbox = 'false', redirect = 'true',"
               " redir_addr = 'elsewhere@example.net' WHERE id = 31")
    plesk.run()
    assert sorted(plesk.ox_users("dom1.example")) == [
        "user1", "user11", "user21"], "user11 keeps a copy: a mailbox"
    assert state(plesk, 31) == ("unreplicable", "forward_only")


def test_sym_passwords_are_decrypted(plesk):
    plesk.set_pref("domain", 2, webmail_forever="on")
    plesk.set_pref("domain", 9, webmail_forever="on")
    plesk.run()
    assert plesk.psa("SELECT a.type FROM accounts a JOIN mail m"
                     " ON m.account_id = a.id WHERE m.id IN (2, 9)") == [
        ("sym",), ("sym",)], "gendata changed: user2/user9 not sym"
    # decrypted end to end: OX holds the generator's plain text
    assert plesk.ox_password_is("xn--bcher2-3ya.example", "user2",
                                "user2@xn--bcher2-3ya.example-pw")
    assert plesk.ox_password_is("dom9.example", "user9",
                                "user9@dom9.example-pw")
    assert not plesk.ox_password_is("dom9.example", "user9",
                                    plesk.psa("SELECT a.password FROM"
                                              " accounts a JOIN mail m ON"
                                              " m.account_id = a.id WHERE"
                                              " m.id = 9")[0][0]), \
        "OX got the ciphertext"


def test_unreadable_sym_password(plesk):
    plesk.set_pref("domain", 9, webmail_forever="on")
    # a value that is not Plesk's $AES-128-CBC$iv$ct form
    plesk.exec("psa", "UPDATE accounts a JOIN mail m ON m.account_id = a.id"
               " SET a.password = '$AES-128-CBC$not base64$!!' WHERE m.id = 9")
    plesk.run()
    assert sorted(plesk.ox_users("dom9.example")) == ["user39"]
    assert state(plesk, 9) == ("unreplicable", "password_unreadable")


def test_sym_password_with_the_wrong_plesk_key(plesk):
    plesk.set_pref("domain", 9, webmail_forever="on")
    with open(plesk.plesk_key, "wb") as f:
        f.write(os.urandom(16))
    plesk.run()
    assert sorted(plesk.ox_users("dom9.example")) == ["user39"], \
        "a garbage decryption must not become an OX password"
    assert state(plesk, 9) == ("unreplicable", "password_unreadable")


def test_sym_password_without_a_plesk_key_file(plesk):
    plesk.set_pref("domain", 9, webmail_forever="on")
    os.unlink(plesk.plesk_key)
    res = plesk.run()
    assert sorted(plesk.ox_users("dom9.example")) == ["user39"], res.stderr
    assert state(plesk, 9) == ("unreplicable", "password_unreadable")
