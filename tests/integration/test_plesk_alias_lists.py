"""A full pass reads each domain's mail-enabled aliases in one column of
its page's query (GROUP_CONCAT, lib/oxt_plesk.c range_aliases_col), the
names' length first, so that a list the server cut is read again alias by
alias. Two ways the server does not hand over the whole list:

  - cut at group_concat_max_len (1 MB on MariaDB, 1,024 bytes on MySQL);
  - longer than max_allowed_packet: GROUP_CONCAT is cut there, and the
    CONCAT around it is NULL (a warning only), whatever
    group_concat_max_len says.

Either must read as a cut list, never as a domain without aliases: the
plan after a full replication stays empty for the domain (no context
whose login mappings lose the aliases, no user whose aliases lose the
domain aliases' addresses). The server's limits are lowered for new
connections only while `plan` runs, and put back.
"""
import json

import pytest

from harness.plesk import make_plesk  # noqa: F401

ALIASES = 120                     # names of 154 bytes: 18.5 KB in all
DOM = 1


def add_aliases(px):
    px.exec("psa", "INSERT INTO domainaliases (dom_id, name, displayName,"
            " mail) VALUES " + ", ".join(
                "(%d, 'a%03d-%s.example', 'a%03d', 'true')"
                % (DOM, i, "x" * 140, i) for i in range(ALIASES)))


def plan(px):
    res = px.repl("--json", "plan", timeout=300)
    assert res.returncode == 0, px.describe(res)
    return json.loads(res.stdout)


@pytest.fixture
def server_limits(mariadb):
    """limits(**globals): sets MariaDB globals (new connections see them);
    the old values come back after the test."""
    old = {}

    def limits(**kv):
        for k, v in kv.items():
            if k not in old:
                old[k] = mariadb.scalar("SELECT @@GLOBAL.%s" % k)
            mariadb.sql("SET GLOBAL %s = %d" % (k, v))

    yield limits
    for k, v in old.items():
        mariadb.sql("SET GLOBAL %s = %s" % (k, v))


@pytest.mark.parametrize("limit", ["group_concat_max_len",
                                   "max_allowed_packet"])
def test_a_cut_or_null_alias_list_is_read_again(make_plesk, server_limits,
                                                limit):
    px = make_plesk()
    add_aliases(px)
    px.set_pref("domain", DOM, webmail_forever="on")
    px.run()
    name = px.scalar("psa", "SELECT name FROM domains WHERE id = %s", (DOM,))
    ctx = px.ox_context(name)
    assert sorted(ctx["loginMappings"]) == px.expected_mappings(DOM,
                                                                 ctx["id"])
    assert len(ctx["loginMappings"]) > ALIASES
    users = px.ox_users(name)
    mails = px.psa("SELECT id, mail_name FROM mail WHERE dom_id = %s"
                   " AND postbox = 'true'", (DOM,))
    assert mails
    for mail_id, mail_name in mails:
        assert sorted(users[mail_name]["aliases"]) == \
            px.expected_aliases(int(mail_id))
    assert [op for op in plan(px) if op["domain_id"] == DOM] == []

    if limit == "group_concat_max_len":
        server_limits(group_concat_max_len=4096)
    else:
        # GROUP_CONCAT cut at 16 KB and the CONCAT around it NULL, with
        # group_concat_max_len well past the list
        server_limits(max_allowed_packet=16384,
                      group_concat_max_len=1 << 20)
    ops = [op for op in plan(px) if op["domain_id"] == DOM]
    assert ops == []
