"""The longest names and addresses psa can hold replicate, and are stored
whole in our state, the replication log and the Mailboxes directory
(migration 0106): psa's mail.mail_name is VARCHAR(245) and domains.name
VARCHAR(255), so an address has up to 501 characters; the context admin's
"<admin_login>@<context name>" up to 511. Before 0106 a 246-character
address stopped every run with "Data too long". Long lists too (migration
0121): a mailbox's applied aliases and a domain's applied login mappings
are stored whole past TEXT's 64 KiB; before 0121 they stopped the run.

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


def test_hundreds_of_long_aliases_are_stored_whole(plesk):
    """450 aliases of 60 characters, each also at the alias domain: about
    69 KB of applied aliases. They all reach OX, and the next run has
    nothing to do (the stored list is the one sent, not a cut one)."""
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.run()
    names = ["%s%03d" % ("a" * 57, i) for i in range(450)]
    plesk.exec("psa", "INSERT INTO mail_aliases (mn_id, alias) VALUES "
               + ", ".join(["(1, %s)"] * len(names)), tuple(names))
    res = plesk.run()
    assert "0 failed" in res.stdout, plesk.describe(res)
    want = sorted("%s@%s" % (n, d) for n in names + ["user1"]
                  for d in ("dom1.example", "alias-dom1.example"))
    assert sorted(plesk.ox_users("dom1.example")["user1"]["aliases"]) == want
    ms = plesk.mailbox_state(1)
    assert ms["status"] == "replicated"
    assert len(ms["applied_aliases"]) > 65535
    assert ms["applied_aliases"].split("\n") == want
    res = plesk.run()
    assert " 0 operations done, 0 failed" in res.stdout, plesk.describe(res)


def test_hundreds_of_long_domain_aliases_are_stored_whole(plesk):
    """350 mail-enabled domain aliases of 199 characters: about 70 KB of
    login mappings on the context, and every mailbox's aliases at each."""
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.run()
    tail = "." + "y" * 63 + "." + "z" * 63 + ".example"
    names = ["%03d%s%s" % (i, "x" * 59, tail) for i in range(350)]
    plesk.exec("psa", "INSERT INTO domainaliases (dom_id, name, displayName,"
               " mail, status) VALUES "
               + ", ".join(["(1, %s, %s, 'true', 0)"] * len(names)),
               tuple(v for n in names for v in (n, n)))
    res = plesk.run()
    assert "0 failed" in res.stdout, plesk.describe(res)
    ctx = plesk.ox_context("dom1.example")
    assert sorted(ctx["loginMappings"]) == sorted(
        ["dom1.example", "alias-dom1.example", str(ctx["id"])] + names)
    ds = plesk.domain_state(1)
    assert len(ds["applied_login_mappings"]) > 65535
    assert sorted(ds["applied_login_mappings"].split("\n")) == sorted(
        ["dom1.example", "alias-dom1.example"] + names)
    assert "user1@" + names[-1] in plesk.ox_users("dom1.example")[
        "user1"]["aliases"]
    res = plesk.run()
    assert " 0 operations done, 0 failed" in res.stdout, plesk.describe(res)
