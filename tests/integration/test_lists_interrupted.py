"""A refresh of the lists' directory cut short is finished by the next
one (lib/oxt_dir.c, migration 0136). A refresh writes its batches
deferred (oxt-corecli dir-sync --defer is one such batch): the rows, while
the owners' aggregates, the exact totals and the page index wait for the
finish at its end. A batch that wrote and then no finish (a crash, an
error) is what an interrupted refresh leaves; the next refresh finds
every row in line and the totals agreeing, and must still finish: the
client's and the reseller's mailbox counts are those of their domains
again.
"""
import json
import subprocess

import pytest

from harness import env
from harness.lists import ListsSite
from harness.mariadb import sql_quote


@pytest.fixture(scope="module")
def li(run_dir, mariadb, apache_factory):
    return ListsSite.make(run_dir, mariadb, apache_factory, 9, tag="li")


def dir_sync(ls, *args):
    argv = [env.CORECLI, "-c", ls.site.config, "dir-sync"] + \
        [str(a) for a in args]
    res = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads(res.stdout)


def aggregates_wrong(ls):
    """The accounts whose stored mailbox count is not that of their
    domains' rows."""
    return ls.site.oxt(
        "SELECT a.id, a.kind, a.mbox_total, (SELECT COALESCE(SUM("
        "d.mbox_total), 0) FROM dir_domain d WHERE (a.kind = 'client' AND"
        " d.client_id = a.id) OR (a.kind = 'reseller' AND d.reseller_id ="
        " a.id)) AS n FROM dir_account a HAVING a.mbox_total <> n")


def test_a_refresh_cut_short_is_finished_by_the_next(li):
    site = li.site
    assert aggregates_wrong(li) == []
    assert site.oxt("SELECT id FROM dir_unfinished") == []
    dom_id = site.psa(
        "SELECT d.id FROM domains d JOIN clients c ON"
        " c.id = d.cl_id JOIN clients r ON r.id = c.parent_id WHERE"
        " c.type = 'client' AND r.type = 'reseller' ORDER BY d.id"
        " LIMIT 1")[0][0]
    site.psa_sql("".join(
        "INSERT INTO accounts (type, password) VALUES ('plain', %s);\n"
        "INSERT INTO mail (mail_name, postbox, account_id, dom_id) VALUES"
        " (%s, 'true', LAST_INSERT_ID(), %s);\n"
        % (sql_quote("pw-%d" % i), sql_quote("late%d" % i), dom_id)
        for i in range(3)))
    # one batch of a refresh, and the refresh stops there
    got = dir_sync(li, "--defer", dom_id)
    assert got["changed"] == 1, got
    assert len(site.oxt("SELECT id FROM dir_unfinished")) == 1
    wrong = aggregates_wrong(li)
    assert {r[1] for r in wrong} == {"client", "reseller"}, wrong
    # the next refresh has nothing to write, and finishes all the same
    li.refresh()
    assert aggregates_wrong(li) == []
    assert site.oxt("SELECT id FROM dir_unfinished") == []
    # a batch that writes nothing marks nothing
    assert dir_sync(li, "--defer", dom_id)["changed"] == 0
    assert site.oxt("SELECT id FROM dir_unfinished") == []
