"""A full pass reads many domains per query (lib/oxt_batch.c); the work of
a hint reads one domain by itself (oxt_work_load). Both must plan every
domain exactly alike: `plan` (pages of the whole site) against `plan
NAME...` (every domain alone, in the same id order), on Plesk 8, 9 and 10
data, after a first replication and a round of changes that give every
kind of operation.

Data (tools/gendata/README.md): 1200 top-level domains, so that the pass
takes two pages (500 domains, then the rest: the first page ends at
dom500, whose neighbours are selected too), 2600 mailboxes, mailbox i in
dom ((i - 1) % 1200) + 1. Selected before the first run: dom1-dom12 (every
awkward case of the generator: IDN dom2, suspended dom3-dom5, mail off
dom6, aliases, sym and crypt passwords), dom495-dom505, every domain of
client8, dom1200, and mailbox 1300 (in dom100) by its own tick; mailbox
1 is ticked off. After the run: a password, a name, an alias, deletions
(a mailbox; dom12, and dom1200 with every domain after it (Plesk 10's
subdomains): domains psa lost, one inside a page and one after the last
psa id), dom7 unselected, dom706 selected, dom496 suspended, client8's
language, a mail-enabled domain alias (dom498), a quota (dom500), a
forwarder (dom499), Webmail Now (dom800) and a mailbox ticked off
(dom501). On Plesk 9/10 the domains of the last reseller's customers are
suspended (reseller3), on 8 nobody is.
"""
import json

import pytest

from harness.plesk import make_plesk  # noqa: F401

SIZE = dict(resellers=3, clients=30, domains=1200, mailboxes=2600)
TOP = 1200                  # the last top-level domain (subdomains after)


def client_id(px, login):
    return int(px.sql("psa", "SELECT id FROM clients WHERE login = %s",
                      (login,))[0][0])


def mail_of(px, dom_id, n=0):
    """The n-th mail id of domain dom_id (by id)."""
    rows = px.sql("psa", "SELECT id FROM mail WHERE dom_id = %s ORDER BY id",
                  (dom_id,))
    return int(rows[n][0])


def select(px):
    for dom in list(range(1, 13)) + list(range(495, 506)) + [TOP]:
        px.set_pref("domain", dom, webmail_forever="on")
    px.set_pref("client", client_id(px, "client8"), webmail_forever="on")
    px.set_pref("mailbox", 1300, webmail_forever="on")
    px.set_pref("mailbox", 1, webmail_forever="off")
    if px.psa_flavour != 8:
        px.set_pref("reseller", client_id(px, "reseller1"),
                    language="de_DE")


def change(px):
    """A round of changes in psa and in the preferences."""
    px.exec("psa", """
        UPDATE accounts SET type = 'plain', password = 'changed-pw'
         WHERE id = (SELECT account_id FROM mail WHERE id = %s);
        UPDATE mail SET mail_name = 'renamed' WHERE id = %s;
        INSERT INTO mail_aliases (mn_id, alias) VALUES (%s, 'extra');
        DELETE FROM mail WHERE id = %s;
        DELETE FROM mail WHERE dom_id = 12 OR dom_id >= %s;
        DELETE FROM domains WHERE id = 12 OR id >= %s;
        UPDATE domains SET status = 16 WHERE id = 496;
        INSERT INTO domainaliases (dom_id, name, displayName, mail)
        VALUES (498, 'alias-498.example', 'alias-498.example', 'true');
        UPDATE mail SET postbox = 'false' WHERE id = %s;
        """, (mail_of(px, 1, 1), mail_of(px, 1, 2), mail_of(px, 9),
              mail_of(px, 9, 1), TOP, TOP, mail_of(px, 499)))
    px.set_pref("domain", 7, webmail_forever="off")
    px.set_pref("domain", 706, webmail_forever="on")
    px.set_pref("domain", 500, default_quota_mb=500)
    px.set_pref("client", client_id(px, "client8"), language="fr_FR")
    px.set_pref("mailbox", mail_of(px, 501), webmail_forever="off")
    px.exec("oxt", "UPDATE prefs SET webmail_now_at = NOW()"
            " WHERE level = 'domain' AND plesk_id = 800")
    px.set_pref("domain", 800, access=0)
    px.exec("oxt", "UPDATE prefs SET webmail_now_at = NOW()"
            " WHERE level = 'domain' AND plesk_id = 800")


def all_domain_names(px):
    """Every domain a full pass visits, in id order: psa's, and those psa
    lost by the name they were replicated under."""
    rows = px.sql("psa", "SELECT id, name FROM domains")
    rows += px.sql("oxt", "SELECT s.dom_id, s.applied_name FROM domain_state"
                   " s WHERE NOT EXISTS (SELECT 1 FROM %s.domains d"
                   " WHERE d.id = s.dom_id)" % px.psa_db)
    return [name for _, name in sorted((int(i), n) for i, n in rows)]


def all_domain_ids(px):
    """The ids of all_domain_names, in the same order."""
    rows = px.sql("psa", "SELECT id FROM domains")
    rows += px.sql("oxt", "SELECT s.dom_id FROM domain_state s WHERE NOT"
                   " EXISTS (SELECT 1 FROM %s.domains d WHERE d.id ="
                   " s.dom_id)" % px.psa_db)
    return sorted(int(i) for i, in rows)


def plan(px, *names):
    res = px.repl("--json", "plan", *names, timeout=300)
    assert res.returncode == 0, px.describe(res)
    return json.loads(res.stdout)


@pytest.mark.parametrize("flavour", [8, 9, 10])
def test_a_full_pass_plans_each_domain_as_it_plans_alone(make_plesk,
                                                          flavour):
    px = make_plesk(size=SIZE, psa_flavour=flavour)
    px.settings_set(auto_delete=1)
    select(px)
    px.run()
    replicated = int(px.sql("oxt", "SELECT COUNT(*) FROM mailbox_state"
                            " WHERE ox_user_id IS NOT NULL")[0][0])
    assert replicated > 40
    change(px)
    names = all_domain_names(px)
    assert len(names) == len(set(names)) >= 1200

    full = plan(px)
    alone = plan(px, *names)
    assert full == alone
    # the daemon's batches of hints: the domains loaded together by their
    # ids (lists of at most 500): every domain, and a scattered few (every
    # seventh, domains psa lost among them), named out of order
    assert plan(px, "--together", *names) == alone
    ids = all_domain_ids(px)
    few = set(ids[::7] + ids[-3:] + [12])
    assert len(few) > 150
    by_id = dict(zip(ids, names))
    shuffled = [by_id[i] for i in sorted(few, key=lambda i: (i * 7919) % 1201)]
    assert plan(px, "--together", *shuffled) == [
        op for op in alone if op["domain_id"] in few]

    kinds = {op["operation"] for op in full}
    assert kinds >= {"create context", "change context", "delete context",
                     "create user", "change user", "delete user",
                     "record status"}, sorted(kinds)
    targets = {op["target"] for op in full}
    assert "dom12.example" in targets            # lost in the first page
    missing = {1, 7, 9, 12, TOP, 496, 498, 499, 500, 501, 706, 800} - {
        op["domain_id"] for op in full}
    assert not missing, (missing, [op for op in full
                                   if op["domain_id"] > 490])
