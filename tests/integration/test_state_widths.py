"""The longest names and addresses psa can hold replicate, and are stored
whole in our state, the replication log and the Mailboxes directory
(migration 0106): psa's mail.mail_name is VARCHAR(245) and domains.name
VARCHAR(255), so an address has up to 501 characters; the context admin's
"<admin_login>@<context name>" up to 511. Before 0106 a 246-character
address stopped every run with "Data too long".

Data: default PleskSetup size (harness/plesk.py); dom1 (4 mailboxes) is
selected for OX.
"""
from harness.plesk import make_plesk, plesk  # noqa: F401

# 255 characters, each label under DNS's 63
LONG_DOMAIN = ("d" * 63 + ".") * 3 + "e" * 55 + ".example"
LONG_LOCAL = "b" * 245


def add_mailbox(px, dom_id, name, password):
    px.exec("psa", "INSERT INTO accounts (type, password) VALUES"
            " ('plain', %s)", (password,))
    px.exec("psa", "INSERT INTO mail (mail_name, postbox, account_id, dom_id)"
            " SELECT %s, 'true', MAX(id), %s FROM accounts", (name, dom_id))
    return int(px.scalar("psa", "SELECT id FROM mail WHERE mail_name = %s",
                         (name,)))


def test_the_longest_address_psa_holds_replicates_and_is_stored_whole(plesk):
    assert len(LONG_DOMAIN) == 255
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.run()
    plesk.exec("psa", "UPDATE domains SET name = %s, displayName = %s"
               " WHERE id = 1", (LONG_DOMAIN, LONG_DOMAIN))
    mid = add_mailbox(plesk, 1, LONG_LOCAL, "pw-long-1")
    address = LONG_LOCAL + "@" + LONG_DOMAIN
    assert len(address) == 501
    res = plesk.run()
    assert "0 failed" in res.stdout, plesk.describe(res)
    u = plesk.ox_users(LONG_DOMAIN)[LONG_LOCAL]
    assert (u["primaryEmail"], u["imapLogin"]) == (address, address)
    ms = plesk.mailbox_state(mid)
    assert (ms["status"], ms["applied_address"],
            ms["applied_display_name"]) == ("replicated", address, address)
    ds = plesk.domain_state(1)
    assert (ds["context_name"], ds["applied_name"],
            ds["applied_admin_address"]) == (
        LONG_DOMAIN, LONG_DOMAIN, ds["admin_login"] + "@" + LONG_DOMAIN), ds
    assert [r["address"] for r in plesk.log_rows("mail_id = %s", (mid,))] \
        == [address]
    assert plesk.sql("oxt", "SELECT name FROM dir_mailbox WHERE id = %s",
                     (mid,)) == [(address,)]
    assert plesk.sql("oxt", "SELECT term FROM dir_mailbox_term"
                     " WHERE id = %s AND kind = 0", (mid,)) == [(address,)]
    # stored as sent: the next run has nothing to do
    res = plesk.run()
    assert " 0 operations done, 0 failed" in res.stdout, plesk.describe(res)
