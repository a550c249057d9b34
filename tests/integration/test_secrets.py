"""Stored secrets (issue 8, finding 13 a and b): keys derived per purpose
from the key file, sealed values bound to their row, and an installation
from before brought over by `migrate` without OX noticing: the old sealed
values open once and are sealed again, the old password fingerprints are
moved to the fingerprint key where the password still matches, so only
a mailbox whose password really changed has it sent again.

The old values below were made by the sealing of before (AES-256-GCM
under the key file itself, no row) with the key file of 32 bytes of 1.
"""
import hashlib
import hmac
import json

from harness import env as hxenv
from harness.plesk import OX_MASTER, make_plesk, plesk  # noqa: F401

KEY = b"\x01" * 32
V1_OX_PASSWORD = "v1:ccHbgb3VGijyM8xVcbzJvlqY9lwyr3DwKnidamSpJrp23g=="  # secret
V1_CTX_ADMIN = "v1:ooKCYDNRXb5DKnAwxHZD2sKEkbP7J+bAaSNXI61oJwTfRlYItv0yJ/A="
CTX_ADMIN_PW = "legacy-ctx-pw"
DOM1_USERS = {1: "user1", 11: "user11", 21: "user21", 31: "user31"}


def old_install(px):
    """What an installation of before holds: the key file of the vectors,
    the OX password and dom1's context admin password sealed the old way,
    and the format marked old."""
    hxenv.write_file(px.secret_key, KEY, 0o600)
    px.exec("oxt", "UPDATE settings SET ox_password_enc = %s",
            (V1_OX_PASSWORD,))
    px.exec("oxt", "INSERT INTO domain_state (dom_id, admin_login,"
            " admin_password_enc) VALUES (1, 'oxadmin', %s)",
            (V1_CTX_ADMIN,))
    px.exec("oxt", "UPDATE secrets_format SET version = 1")


def admin_password_enc(px, dom_id):
    return px.scalar("oxt", "SELECT admin_password_enc FROM domain_state"
                     " WHERE dom_id = %s", (dom_id,))


def calls(px, name):
    return px.ox_calls().get(name, 0)


def test_an_old_install_converts_once_and_keeps_working(plesk):
    old_install(plesk)
    plesk.set_pref("domain", 1, webmail_forever="on")
    # nothing is sent until migrate has converted what is stored
    res = plesk.repl("run")
    assert res.returncode == 1 and "Stored secrets use the old format:" \
        " run oxtender-replicator migrate" in res.stderr, plesk.describe(res)
    res = plesk.repl("migrate")
    assert res.returncode == 0, plesk.describe(res)
    assert "2 sealed values bound to their rows, 0 password fingerprints" \
        in res.stdout, res.stdout
    for value in (plesk.scalar("oxt", "SELECT ox_password_enc FROM settings"),
                  admin_password_enc(plesk, 1)):
        assert value.startswith("v2:"), value
    # the converted OX password authenticates, the converted context admin
    # password is the one the context is created with
    res = plesk.run()
    assert "5 operations done, 0 failed" in res.stdout, plesk.describe(res)
    assert plesk.ox_password_is("dom1.example", "oxadmin", CTX_ADMIN_PW)
    # a second migrate has nothing left to do
    res = plesk.repl("--json", "migrate")
    assert json.loads(res.stdout) == {"applied": 0,
                                      "database": plesk.oxt_db}, res.stdout


def test_a_sealed_value_copied_to_another_row_does_not_open(plesk):
    for dom in (1, 2):
        plesk.set_pref("domain", dom, webmail_forever="on")
    plesk.run()
    mine = admin_password_enc(plesk, 2)
    plesk.exec("oxt", "UPDATE domain_state d1 JOIN domain_state d2 ON"
               " d1.dom_id = 1 AND d2.dom_id = 2"
               " SET d2.admin_password_enc = d1.admin_password_enc")
    plesk.exec("psa", "UPDATE accounts a JOIN mail m ON m.account_id = a.id"
               " SET a.type = 'plain', a.password = 'changed-pw-2'"
               " WHERE m.id = 2")
    res = plesk.run()
    assert "0 operations done, 1 failed" in res.stdout, plesk.describe(res)
    assert "sealed for another row" in \
        (plesk.mailbox_state(2)["last_error"] or ""), plesk.mailbox_state(2)
    # its own value opens again
    plesk.exec("oxt", "UPDATE domain_state SET admin_password_enc = %s"
               " WHERE dom_id = 2", (mine,))
    plesk.exec("oxt", "UPDATE queue SET not_before = NOW(3)")
    res = plesk.run()
    assert plesk.ox_password_is("xn--bcher2-3ya.example", "user2",  # dom2
                                "changed-pw-2"), plesk.describe(res)


def test_old_fingerprints_do_not_resend_every_password(plesk):
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.run()
    users = plesk.ox_users("dom1.example")
    assert sorted(users) == sorted(DOM1_USERS.values())
    # as before: fingerprints keyed with the key file itself
    with open(plesk.secret_key, "rb") as f:
        master = f.read()
    for mail_id, name in DOM1_USERS.items():
        sent = plesk.mailbox_password(mail_id)
        assert plesk.ox_password_is("dom1.example", name, sent)
        fp = hmac.new(master, sent.encode(), hashlib.sha256).hexdigest()
        plesk.exec("oxt", "UPDATE mailbox_state SET applied_password_fp ="
                   " UNHEX(%s) WHERE mail_id = %s", (fp, mail_id))
    plesk.exec("oxt", "UPDATE secrets_format SET version = 1")
    # one mailbox's password changed meanwhile
    plesk.exec("psa", "UPDATE accounts a JOIN mail m ON m.account_id = a.id"
               " SET a.type = 'plain', a.password = 'changed-pw-11'"
               " WHERE m.id = 11")
    res = plesk.repl("migrate")
    assert res.returncode == 0, plesk.describe(res)
    assert "0 sealed values bound to their rows, 3 password fingerprints" \
        " moved to the new key, 1 left" in res.stdout, res.stdout
    before = calls(plesk, "OXUserService.change")
    res = plesk.run()
    # exactly one password went to OX again: the changed one
    assert calls(plesk, "OXUserService.change") - before == 1, \
        plesk.describe(res)
    assert plesk.ox_password_is("dom1.example", "user11", "changed-pw-11")
    before = calls(plesk, "OXUserService.change")
    plesk.run()
    assert calls(plesk, "OXUserService.change") == before
