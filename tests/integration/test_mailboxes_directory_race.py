"""The Mailboxes directory's page index (dir_mailbox_page) and a sync
that runs while a refresh rebuilds it (lib/oxt_mbdir.c, migration 0137).

A refresh's deferred batches drop the index and its end rebuilds it in
one transaction from one snapshot of dir_mailbox. A sync batch of the
daemon's (or a Change Service's) meanwhile found no points to move, so
it moved none; what it changed after the rebuild's snapshot was then in
no point: a point stood one row off for every such change, until some
later rebuild. Here the race is held open on purpose: a transaction of
the test's holds a gap lock on the empty index, so the rebuild stops at
its first INSERT with its snapshot taken; a mailbox renamed from the
start of the order to its end is synced meanwhile; then the rebuild
goes on. Every point must count the rows before it.
"""
import os
import subprocess
import time

import pytest

from harness import env
from harness.site import Site

SIZE = dict(resellers=1, clients=3, domains=8, mailboxes=2500)


@pytest.fixture(scope="module")
def mr(run_dir, mariadb):
    site = Site(os.path.join(run_dir, "site-mbrace"), mariadb, flavour=9,
                psa_db="psa_mr", oxtender_db="oxt_mr")
    site.build(**SIZE)
    site.migrate()
    res = site.replicator("directory")
    assert res.returncode == 0, res.stderr
    return site


def points_wrong(site):
    """The points of the 'name' sort whose position is not the count of
    the rows before them in their scope."""
    return site.oxt(
        "SELECT p.scope, p.scope_id, p.pos, (SELECT COUNT(*) FROM"
        " dir_mailbox m WHERE (p.scope = 'all' OR (p.scope = 'reseller' AND"
        " m.reseller_id = p.scope_id)) AND (m.name < p.k_str OR (m.name ="
        " p.k_str AND m.id < p.id))) AS n FROM dir_mailbox_page p WHERE"
        " p.sort_key = 'name' HAVING p.pos <> n")


def rebuild_waiting(site):
    return int(site.db.scalar(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO"
        " LIKE 'INSERT INTO dir_mailbox_page%'"))


def test_a_sync_during_the_rebuild_is_in_its_points(mr):
    site = mr
    assert int(site.oxt("SELECT COUNT(*) FROM dir_mailbox_page WHERE"
                        " sort_key = 'name'")[0][0]) >= 2
    assert points_wrong(site) == []
    first, dom = site.oxt("SELECT id, dom_id FROM dir_mailbox ORDER BY"
                          " name, id LIMIT 1")[0]
    # an index with no points (as a refresh's deferred batches leave it),
    # and a gap lock on it that holds the rebuild's first INSERT
    site.oxt("DELETE FROM dir_mailbox_page")
    holder = subprocess.Popen(site.db.client_argv(site.oxtender_db),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    holder.stdin.write("START TRANSACTION;\nSELECT COUNT(*) FROM"
                       " dir_mailbox_page FOR UPDATE;\n")
    holder.stdin.flush()
    time.sleep(1)
    refresh = subprocess.Popen([env.REPLICATOR, "-c", site.config,
                                "directory"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    sync = None
    try:
        deadline = time.monotonic() + 60
        while rebuild_waiting(site) == 0:
            assert refresh.poll() is None, refresh.communicate()
            assert time.monotonic() < deadline, "the rebuild never waited"
            time.sleep(0.2)
        # the first mailbox of the order goes to its end, and is synced
        site.psa_sql("UPDATE mail SET mail_name = 'zzzz-moved' WHERE id ="
                     " %s;" % first)
        sync = subprocess.Popen([env.CORECLI, "-c", site.config,
                                 "mbdir-sync", dom], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            sync.wait(5)
        except subprocess.TimeoutExpired:
            pass                        # waits for the rebuild: fine
    finally:
        # the rebuild goes on
        holder.stdin.write("ROLLBACK;\n")
        holder.stdin.close()
        holder.wait(30)
    out, err = refresh.communicate(timeout=60)
    assert refresh.returncode == 0, (out, err)
    out, err = sync.communicate(timeout=60)
    assert sync.returncode == 0, (out, err)
    assert site.oxt("SELECT name FROM dir_mailbox WHERE id = %s"
                    % first)[0][0].startswith("zzzz-moved@")
    assert int(site.oxt("SELECT COUNT(*) FROM dir_mailbox_page WHERE"
                        " sort_key = 'name'")[0][0]) >= 2
    assert points_wrong(site) == []
