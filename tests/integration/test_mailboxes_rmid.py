"""A reseller's mid-density searches on the Mailboxes page (dir_mailbox_rmid
and dir_mailbox_rseg, migration 0150; lib/oxt_mbdir.c chooses the pairs and
counts their segments, lib/oxt_mblist.c reads a page from them) on a Plesk
9 site of its own: two resellers of about 2,400 mailboxes each. The
refresh stores, for each reseller of OXT_MBDIR_RDENSE_MIN (2,000) rows or
more, the stored wide prefixes that find at least OXT_MBDIR_RMID_MIN
(500) of its mailboxes, fewer than half, and are not dense ones of it
(in SQL: the same pairs); and for each pair and sort, how many matches lie
from each point of the reseller's page index to the next. For a finer
test the reseller's page index gets a point at every 97th row of every
sort (exact positions) and `user1`, `user2`, `dom1` of each reseller are
stored by hand when the choice did not (a reseller's share of them is
about 550), then `oxt-corecli mbdir-rmid` counts them. Then: the segments
equal a count in Python of the reseller's order (every point, every sort),
and every page (first, second, a third, the middle, two thirds, the last
two) by every sort both ways is the join's rows, order and total;
segments made to lie (3 matches moved from the head to the last segment,
their sum kept) move the pages (the pages are read from them), and a sum
that differs from the count is read as before. The same after sync
batches (`oxt-corecli mbdir-sync`, the daemon's calls): mailboxes renamed
out of `user1` (the first, the middle and the last by id), one in case
only, one into it; a removed mailbox and its id back under another
domain; a client with a matching mailbox moved to the other reseller and
back (both resellers exact); and a refresh that rebuilds the page index
(the segments with it).
"""
import subprocess
import time

import pytest

from harness import env
from harness.mariadb import sql_quote
from test_mailboxes_wide_points import (SORTS, _site, assert_scoped_pages,
                                        corecli, like_prefix)
from test_mailboxes_wide_points import scoped_join as joined

EVERY = 97
MID = ("user1", "user2", "dom1")


@pytest.fixture(scope="module")
def rm(run_dir, mariadb, apache_factory):
    ls = _site(run_dir, mariadb, apache_factory, "mbrmid", resellers=2,
               clients=10, domains=60, mailboxes=6000)
    return ls


def resellers(ls):
    return [int(r[0]) for r in ls.site.oxt(
        "SELECT reseller_id FROM dir_mailbox WHERE reseller_id > 0 GROUP BY"
        " reseller_id HAVING COUNT(*) >= 2000 ORDER BY reseller_id")]


def pairs(ls):
    return {(int(r[0]), r[1]) for r in ls.site.oxt(
        "SELECT reseller_id, prefix FROM dir_mailbox_rmid")}


def chosen_oracle(ls):
    """The pairs the choice should store, counted in SQL."""
    out = set()
    for rid in resellers(ls):
        rows = int(ls.site.oxt("SELECT COUNT(*) FROM dir_mailbox WHERE"
                               " reseller_id = %d" % rid)[0][0])
        dense = {r[0] for r in ls.site.oxt(
            "SELECT prefix FROM dir_mailbox_rdense WHERE reseller_id = %d"
            % rid)}
        for prefix, pattern in ls.site.oxt(
                "SELECT prefix, pattern FROM dir_mailbox_wide WHERE cnt >="
                " 500"):
            n = int(ls.site.oxt(
                "SELECT COUNT(DISTINCT id) FROM dir_mailbox_term WHERE"
                " reseller_id = %d AND term LIKE %s ESCAPE '!'"
                % (rid, sql_quote(pattern)))[0][0])
            if n >= 500 and n * 2 < rows and prefix not in dense:
                out.add((rid, prefix))
    return out


def fine_points(ls):
    """A point of each reseller's page index at every EVERY-th row of its
    order in every sort, at its exact position; the segments counted
    again."""
    site = ls.site
    site.oxt("DELETE FROM dir_mailbox_page WHERE scope = 'reseller'")
    for rid in resellers(ls):
        for key, (col, kcol) in SORTS.items():
            rows = site.oxt("SELECT %s, id FROM dir_mailbox WHERE"
                            " reseller_id = %d ORDER BY %s, id"
                            % (col, rid, col))
            vals = ", ".join(
                "('reseller', %d, '%s', %d, %s, %s)"
                % (rid, key, i, sql_quote(rows[i][0]), rows[i][1])
                for i in range(EVERY, len(rows), EVERY))
            site.oxt("INSERT INTO dir_mailbox_page (scope, scope_id,"
                     " sort_key, pos, %s, id) VALUES %s" % (kcol, vals))
    return corecli(ls, "mbdir-rmid")["segments"]


def assert_segments_exact(ls):
    """Every pair's segments in every sort: the matches from each point of
    the reseller's page index (the head: from the start) to the next,
    counted in the reseller's order as SQL sorts it; only those that hold
    a match stored, with the point's key."""
    site = ls.site
    stored = site.oxt("SELECT reseller_id, n, prefix, pattern FROM"
                      " dir_mailbox_rmid")
    assert stored
    for rid, n, prefix, pattern in stored:
        rid = int(rid)
        match = {int(r[0]) for r in site.oxt(
            "SELECT DISTINCT id FROM dir_mailbox_term WHERE reseller_id = %d"
            " AND term LIKE %s ESCAPE '!'" % (rid, sql_quote(pattern)))}
        for key, (col, kcol) in SORTS.items():
            order = [int(r[0]) for r in site.oxt(
                "SELECT id FROM dir_mailbox WHERE reseller_id = %d ORDER BY"
                " %s, id" % (rid, col))]
            # a point stands at its key (its row may have moved since):
            # the reseller's rows before it, in the collation's order
            pts = [(int(r[0]), int(r[1])) for r in site.oxt(
                "SELECT (SELECT COUNT(*) FROM dir_mailbox x WHERE"
                " x.reseller_id = a.scope_id AND (x.{c} < a.{k} OR (x.{c} ="
                " a.{k} AND x.id < a.id))), a.id FROM dir_mailbox_page a"
                " WHERE a.scope = 'reseller' AND a.scope_id = {r} AND"
                " a.sort_key = '{s}' ORDER BY 1, a.{k}, a.id".format(
                    c=col, k=kcol, r=rid, s=key))]
            want = {}
            bounds = [(0, 0)] + pts
            for j, (start, pid) in enumerate(bounds):
                end = bounds[j + 1][0] if j + 1 < len(bounds) else len(order)
                c = sum(1 for i in order[start:end] if i in match)
                if c:
                    want[pid] = c
            have = {int(r[0]): int(r[1]) for r in site.oxt(
                "SELECT id, cnt FROM dir_mailbox_rseg WHERE reseller_id = %d"
                " AND n = %s AND prefix = %s AND sort_key = '%s'"
                % (rid, n, sql_quote(prefix), key))}
            assert have == want, (rid, prefix, key, sorted(
                set(have.items()) ^ set(want.items()))[:5])
            keyed = int(site.oxt(
                "SELECT COUNT(*) FROM dir_mailbox_rseg g WHERE"
                " g.reseller_id = %d AND g.prefix = %s AND g.sort_key = '%s'"
                " AND g.id <> 0 AND NOT EXISTS (SELECT 1 FROM"
                " dir_mailbox_page a WHERE a.scope = 'reseller' AND"
                " a.scope_id = g.reseller_id AND a.sort_key = g.sort_key AND"
                " a.id = g.id AND a.%s <=> g.%s)"
                % (rid, sql_quote(prefix), key, kcol, kcol))[0][0])
            assert keyed == 0, (rid, prefix, key)


def ensure_pairs(ls):
    """The choice's pairs, and MID of each reseller by hand when the
    choice did not store them (their share of a reseller is about the
    threshold), counted on a fine page index."""
    for rid in resellers(ls):
        for q in MID:
            ls.site.oxt("INSERT IGNORE INTO dir_mailbox_rmid (reseller_id, n,"
                        " prefix, pattern) VALUES (%d, %d, '%s', %s)"
                        % (rid, len(q), q, like_prefix(q)))
    fine_points(ls)


def assert_pages(ls, qs=MID, per=25, sorts=SORTS):
    for rid in resellers(ls):
        assert_scoped_pages(ls, rid, qs, per, sorts)


def reseller_mails(ls, rid, q="user1"):
    """(id, mail_name, dom_id) of the reseller's mailboxes matching q by
    id."""
    return ls.site.psa(
        "SELECT m.id, m.mail_name, m.dom_id FROM mail m JOIN domains d ON"
        " d.id = m.dom_id JOIN clients c ON c.id = d.cl_id WHERE (c.id = %d"
        " OR c.parent_id = %d) AND m.mail_name LIKE '%s%%' ORDER BY m.id"
        % (rid, rid, q))


def rename(ls, mails, names):
    for (mid, _, dom), name in zip(mails, names):
        ls.site.psa_sql("UPDATE mail SET mail_name = %s WHERE id = %s;\n"
                        % (sql_quote(name), mid))
        corecli(ls, "mbdir-sync", dom)


def test_pairs_are_chosen_and_segments_exact(rm):
    assert pairs(rm) == chosen_oracle(rm)
    assert int(rm.site.oxt("SELECT COUNT(*) FROM dir_mailbox_rmid_chosen")
               [0][0]) == 1
    ensure_pairs(rm)
    assert {(r, q) for r in resellers(rm) for q in MID} <= pairs(rm)
    assert_segments_exact(rm)
    assert_pages(rm)


def test_a_page_is_read_from_its_segments(rm):
    """Three matches moved from the head to the last segment (the sum the
    count's): the pages after the first point move by three rows; a
    segment short by one (the sum not the count): the pages are the
    join's (read as before)."""
    ensure_pairs(rm)
    rid = resellers(rm)[0]
    whole = joined(rm, "user1", rid, "name", "asc")
    cond = ("reseller_id = %d AND prefix = 'user1' AND sort_key = 'name'"
            % rid)
    head = int(rm.site.oxt("SELECT cnt FROM dir_mailbox_rseg WHERE %s AND"
                           " id = 0" % cond)[0][0])
    last = rm.site.oxt("SELECT id FROM dir_mailbox_rseg WHERE %s ORDER BY"
                       " k_str DESC, id DESC LIMIT 1" % cond)[0][0]
    assert head > 20 and int(last) != 0
    page = head // 10 + 2              # a page after the head
    q = dict(q="user1", reseller=rid, sort="name", page=page, per_page=10)
    got = rm.json("mailboxes", rm.admin, **q)
    assert [i["id"] for i in got["items"]] == whole[(page - 1) * 10:page * 10]
    try:
        rm.site.oxt("UPDATE dir_mailbox_rseg SET cnt = cnt - 3 WHERE %s AND"
                    " id = 0" % cond)
        rm.site.oxt("UPDATE dir_mailbox_rseg SET cnt = cnt + 3 WHERE %s AND"
                    " id = %s" % (cond, last))
        lied = rm.json("mailboxes", rm.admin, **q)
        assert lied["total"] == len(whole)
        assert [i["id"] for i in lied["items"]] == \
            whole[(page - 1) * 10 + 3:page * 10 + 3]
        rm.site.oxt("UPDATE dir_mailbox_rseg SET cnt = cnt - 1 WHERE %s AND"
                    " id = %s" % (cond, last))
        short = rm.json("mailboxes", rm.admin, **q)
        assert [i["id"] for i in short["items"]] == \
            whole[(page - 1) * 10:page * 10]
    finally:
        corecli(rm, "mbdir-rmid")
    assert_segments_exact(rm)


def test_segments_through_renames_and_removals(rm):
    """Sync batches rename the first, the middle and the last of a
    reseller's `user1` mailboxes out of it, one in case only (`USER1...`)
    and one mailbox of the reseller into it; then remove one, and give its
    id back under another domain: the segments and every page by every
    sort both ways are exact after each step."""
    ensure_pairs(rm)
    site = rm.site
    rid = resellers(rm)[0]
    mails = reseller_mails(rm, rid)
    some = [mails[0], mails[len(mails) // 2], mails[-1]]
    case = mails[3]
    into = reseller_mails(rm, rid, "user3")[0]
    try:
        rename(rm, some, ["zz%d" % i for i in range(len(some))])
        rename(rm, [case], [case[1].upper()])
        rename(rm, [into], ["user1zz"])
        assert_segments_exact(rm)
        assert_pages(rm, ("user1",))
    finally:
        rename(rm, some + [case, into], [m[1] for m in some + [case, into]])
    assert_segments_exact(rm)
    gone = mails[5]
    other = next(m[2] for m in reseller_mails(rm, resellers(rm)[1], "user")
                 if m[2] != gone[2])
    site.psa_sql("DROP TABLE IF EXISTS mail_kept;\n"
                 "CREATE TABLE mail_kept AS SELECT * FROM mail WHERE id = %s;\n"
                 % gone[0])
    try:
        site.psa_sql("DELETE FROM mail WHERE id = %s;\n" % gone[0])
        corecli(rm, "mbdir-sync", gone[2])
        assert_segments_exact(rm)
        assert_pages(rm, ("user1",), sorts={k: SORTS[k] for k in
                                            ("name", "modified")})
        # the id back, under a domain of the other reseller
        site.psa_sql("UPDATE mail_kept SET dom_id = %s;\n"
                     "INSERT INTO mail SELECT * FROM mail_kept;\n" % other)
        corecli(rm, "mbdir-sync", other)
        assert_segments_exact(rm)
        assert_pages(rm, ("user1",), sorts={k: SORTS[k] for k in
                                            ("name", "service")})
    finally:
        site.psa_sql("UPDATE mail_kept SET dom_id = %s;\n"
                     "DELETE FROM mail WHERE id = %s;\n"
                     "INSERT INTO mail SELECT * FROM mail_kept;\n"
                     "DROP TABLE mail_kept;\n" % (gone[2], gone[0]))
        corecli(rm, "mbdir-sync", other, gone[2])
    assert_segments_exact(rm)


def test_a_client_moved_to_the_other_reseller(rm):
    """A client of the first reseller with `user1` mailboxes moved with its
    domains to the second by sync batches: both resellers' segments and
    pages exact; and again once it is moved back."""
    ensure_pairs(rm)
    site = rm.site
    a, b = resellers(rm)
    cid = site.psa(
        "SELECT c.id FROM clients c JOIN domains d ON d.cl_id = c.id JOIN"
        " mail m ON m.dom_id = d.id WHERE c.parent_id = %d AND m.mail_name"
        " LIKE 'user1%%' GROUP BY c.id ORDER BY COUNT(*) DESC LIMIT 1"
        % a)[0][0]
    doms = [r[0] for r in site.psa("SELECT id FROM domains WHERE cl_id = %s"
                                   % cid)]
    before = {rid: len(joined(rm, "user1", rid, "name", "asc"))
              for rid in (a, b)}
    try:
        site.psa_sql("UPDATE clients SET parent_id = %d WHERE id = %s;\n"
                     % (b, cid))
        corecli(rm, "mbdir-sync", *doms)
        after = {rid: len(joined(rm, "user1", rid, "name", "asc"))
                 for rid in (a, b)}
        assert after[a] < before[a] and after[b] > before[b]
        assert_segments_exact(rm)
        assert_pages(rm, ("user1", "dom1"),
                     sorts={k: SORTS[k] for k in ("name", "service",
                                                  "modified")})
    finally:
        site.psa_sql("UPDATE clients SET parent_id = %d WHERE id = %s;\n"
                     % (a, cid))
        corecli(rm, "mbdir-sync", *doms)
    assert_segments_exact(rm)
    assert_pages(rm, ("user1",), sorts={"name": SORTS["name"]})


def test_a_refresh_rebuilds_them_with_the_page_index(rm):
    """The page index dropped: the refresh builds it again (every 1,000th
    row), and the segments with it, exact; a choice is
    made again when none is recorded (a directory from before 0150)."""
    ensure_pairs(rm)
    rm.site.oxt("DELETE FROM dir_mailbox_page")
    rm.refresh()
    assert rm.site.oxt("SELECT 1 FROM dir_mailbox_page WHERE scope ="
                       " 'reseller' LIMIT 1")
    assert_segments_exact(rm)
    assert_pages(rm, ("user1",))
    rm.site.oxt("DELETE FROM dir_mailbox_rmid_chosen")
    rm.site.oxt("DELETE FROM dir_mailbox_rmid")
    rm.site.oxt("DELETE FROM dir_mailbox_rseg")
    rm.refresh()
    assert pairs(rm) == chosen_oracle(rm)
    assert int(rm.site.oxt("SELECT COUNT(*) FROM dir_mailbox_rmid_chosen")
               [0][0]) == 1
    if pairs(rm):
        assert_segments_exact(rm)


def test_a_batch_waits_for_another_while_segments_are_stored(rm):
    """A reseller's segments are counted whole from a batch's snapshot, so
    two batches side by side would lose one's moves: while any are stored
    a batch takes the page index's lock for update. A transaction of the
    test's holds the lock as a batch does (share mode): a sync batch of
    one domain waits until it ends, then runs, and the segments are
    exact."""
    ensure_pairs(rm)
    assert pairs(rm)
    rid = resellers(rm)[0]
    mid, name, dom = reseller_mails(rm, rid)[1]
    rm.site.psa_sql("UPDATE mail SET mail_name = %s WHERE id = %s;\n"
                    % (sql_quote("zz" + name), mid))
    holder = subprocess.Popen(rm.site.db.client_argv(rm.site.oxtender_db),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    sync = None
    try:
        holder.stdin.write("START TRANSACTION;\nSELECT id FROM"
                           " dir_mailbox_page_lock WHERE id = 1 LOCK IN"
                           " SHARE MODE;\n")
        holder.stdin.flush()
        time.sleep(1)
        sync = subprocess.Popen([env.CORECLI, "-c", rm.site.config,
                                 "mbdir-sync", str(dom)],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert sync.poll() is None, "the batch shared the lock"
    finally:
        holder.stdin.write("ROLLBACK;\n")
        holder.stdin.close()
        holder.wait(30)
    out, err = sync.communicate(timeout=120)
    assert sync.returncode == 0, out + err
    try:
        assert rm.site.oxt("SELECT name FROM dir_mailbox WHERE id = %s"
                           % mid)[0][0].startswith("zz")
        assert_segments_exact(rm)
    finally:
        rename(rm, [(mid, "zz" + name, dom)], [name])
    assert_segments_exact(rm)
