"""A reseller's dense searches on the Mailboxes page (dir_mailbox_rdense and
dir_mailbox_rmiss, migration 0149; lib/oxt_mbdir.c chooses them and keeps
their misses, lib/oxt_mblist.c counts and reads a page from them) on a
Plesk 9 site of their own: two resellers of about 2,400 mailboxes each
(more than OXT_MBDIR_RDENSE_MIN, 2,000), so `oxtender-replicator
directory` stores for each the wide prefixes that find all of its
mailboxes but at most OXT_MBDIR_RDENSE_MISS_MAX (`u`, `user`, `dom`, ...)
and the mailboxes each does not find. Then: the stored misses are the
reseller's rows that no term of theirs matches (in SQL), the count is the
join's, and every page (every sort both ways; the first, middle, last
pages and a spread between) holds exactly the join's rows, in its order;
a miss made to lie moves the page (the pages are read from the misses).
The same after sync batches (`oxt-corecli mbdir-sync`, the daemon's
calls): mailboxes renamed out of a prefix at both ends and the middle of
the orders, renamed in case only, back in; removed; a client and its
domains moved to the other reseller and back (both resellers' counts,
misses and pages exact); a miss back under another domain (the counts
and points exact with no refresh between); and after a refresh that
finds none stored. Other spellings (case, LIKE's `%`, `_`, `!`) against
a join escaped as the code escapes; a choice that stored none not made
again; more misses than the cap (500) read as before, and a
batch that pushes a prefix past it drops it.
"""
import pytest

from harness.mariadb import sql_quote
from test_mailboxes_wide_points import (SORTS, _site, assert_counts_exact,
                                        assert_index_exact,
                                        assert_scoped_pages, corecli)
from test_mailboxes_wide_points import scoped_join as joined


@pytest.fixture(scope="module")
def rd(run_dir, mariadb, apache_factory):
    return _site(run_dir, mariadb, apache_factory, "mbrdense", resellers=2,
                 clients=10, domains=60, mailboxes=6000)


def oxt_sql(ls, statements):
    ls.site.db.sql(statements, ls.site.oxtender_db)


def resellers(ls):
    return [int(r[0]) for r in ls.site.oxt(
        "SELECT reseller_id FROM dir_mailbox WHERE reseller_id > 0 GROUP BY"
        " reseller_id HAVING COUNT(*) >= 2000 ORDER BY reseller_id")]


def stored(ls, rid=None):
    return {(int(r[0]), r[1]) for r in ls.site.oxt(
        "SELECT reseller_id, prefix FROM dir_mailbox_rdense"
        + ("" if rid is None else " WHERE reseller_id = %d" % rid))}


def assert_misses_exact(ls):
    """Each stored dense prefix's misses: the reseller's rows that none of
    their terms matches, with their domains."""
    rows = ls.site.oxt("SELECT reseller_id, prefix, pattern FROM"
                       " dir_mailbox_rdense")
    assert rows
    for rid, prefix, pattern in rows:
        have = {(int(r[0]), int(r[1])) for r in ls.site.oxt(
            "SELECT id, dom_id FROM dir_mailbox_rmiss WHERE reseller_id = %s"
            " AND prefix = %s" % (rid, sql_quote(prefix)))}
        live = {(int(r[0]), int(r[1])) for r in ls.site.oxt(
            "SELECT b.id, b.dom_id FROM dir_mailbox b WHERE b.reseller_id ="
            " %s AND NOT EXISTS (SELECT 1 FROM dir_mailbox_term t WHERE t.id"
            " = b.id AND t.reseller_id = b.reseller_id AND t.term LIKE %s"
            " ESCAPE '!')" % (rid, sql_quote(pattern)))}
        assert have == live, (rid, prefix, sorted(have ^ live)[:5])


def assert_pages(ls, rid, qs, per=25, sorts=SORTS):
    assert_scoped_pages(ls, rid, qs, per, sorts)


def reads_of(ls, **query):
    """The index entries the server read for one page (Handler_read_next
    + Handler_read_prev), less those of the counter's own reads."""
    def reads():
        return sum(int(r[1]) for r in ls.site.oxt(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('Handler_read_next',"
            " 'Handler_read_prev')"))

    r0 = reads()
    idle = reads() - r0
    r1 = reads()
    ls.json("mailboxes", ls.admin, **query)
    return reads() - r1 - idle


def reseller_mails(ls, rid):
    """(id, mail_name, dom_id) of the reseller's mailboxes by id."""
    return ls.site.psa(
        "SELECT m.id, m.mail_name, m.dom_id FROM mail m JOIN domains d ON"
        " d.id = m.dom_id JOIN clients c ON c.id = d.cl_id WHERE c.id = %d"
        " OR c.parent_id = %d ORDER BY m.id" % (rid, rid))


def rename(ls, mails, names):
    for (mid, _, dom), name in zip(mails, names):
        ls.site.psa_sql("UPDATE mail SET mail_name = %s WHERE id = %s;\n"
                        % (sql_quote(name), mid))
        corecli(ls, "mbdir-sync", dom)


def test_dense_prefixes_are_chosen_with_their_misses(rd):
    """Both resellers' prefixes that find all their rows are stored (and
    none that finds a ninth), their misses exact, and their counts and
    pages the join's."""
    rids = resellers(rd)
    assert len(rids) == 2, rids
    for rid in rids:
        have = {p for _, p in stored(rd, rid)}
        assert {"u", "user", "dom"} <= have, (rid, have)
        assert "user1" not in have
    assert_misses_exact(rd)
    assert_pages(rd, rids[0], ("u", "dom"))


def test_other_spellings_and_like_characters(rd):
    """A stored prefix typed in another case is the same dense search (the
    collation's), and a query with LIKE's own characters finds them
    literally: counts and pages the join's, escaped as the code does."""
    rid = resellers(rd)[0]
    assert len(joined(rd, "Dom", rid, "name", "asc")) == \
        len(joined(rd, "dom", rid, "name", "asc")) > 2000
    assert_pages(rd, rid, ("DOM", "Dom", "USER"),
                 sorts={k: SORTS[k] for k in ("name", "modified")})
    assert_pages(rd, rid, ("%", "_", "!", "u%", "us_r", "u!", "d_m%"),
                 sorts={"name": SORTS["name"]})
    assert joined(rd, "us_r", rid, "name", "asc") == []


def test_pages_through_renames_read_no_match_but_the_pages(rd):
    """Mailboxes renamed out of `user` by sync batches (the first and last
    by id, so at the ends and the middle of the orders): they are the
    prefix's misses at once, the count and every page by every sort both
    ways are the join's, and a middle page reads no more index entries
    than the page without the search and its misses (where the join read
    every match, and the count every match's term entry); renamed back,
    they are matches again."""
    rid = resellers(rd)[0]
    mails = reseller_mails(rd, rid)
    some = [mails[0], mails[1], mails[len(mails) // 2], mails[-1]]
    try:
        rename(rd, some, ["zz%d" % i for i in range(len(some))])
        n = int(rd.site.oxt(
            "SELECT COUNT(*) FROM dir_mailbox_rmiss WHERE reseller_id = %d"
            " AND prefix = 'user'" % rid)[0][0])
        assert n == len(some)
        assert_misses_exact(rd)
        assert_pages(rd, rid, ("user", "u"))
        total = len(joined(rd, "user", rid, "name", "asc"))
        mid = (total + 24) // 25 // 2
        for key in ("name", "service", "modified"):
            for d in ("asc", "desc"):
                floor = reads_of(rd, reseller=rid, sort=key, dir=d,
                                 page=mid)
                got = reads_of(rd, q="user", reseller=rid, sort=key, dir=d,
                               page=mid)
                assert got <= floor + 200, (key, d, got, floor, total)
    finally:
        rename(rd, some, [m[1] for m in some])
    assert_misses_exact(rd)
    assert_pages(rd, rid, ("user",), sorts={"name": SORTS["name"]})


def test_a_miss_made_to_lie_moves_the_page(rd):
    """A matching mailbox stored as a miss by hand: the count and the page
    leave it out (the pages are read from the misses); removed again, the
    pages are the join's."""
    rid = resellers(rd)[0]
    whole = joined(rd, "user", rid, "name", "asc")
    first = rd.site.oxt("SELECT id, dom_id FROM dir_mailbox WHERE id = %d"
                        % whole[3])[0]
    oxt_sql(rd, "INSERT INTO dir_mailbox_rmiss (reseller_id, n, prefix,"
                    " id, dom_id) VALUES (%d, 4, 'user', %s, %s);\n"
                    % (rid, first[0], first[1]))
    try:
        got = rd.json("mailboxes", rd.admin, q="user", reseller=rid,
                      sort="name", dir="asc", page=1)
        assert got["total"] == len(whole) - 1
        assert [i["id"] for i in got["items"]] == \
            whole[:3] + whole[4:26]
    finally:
        oxt_sql(rd, "DELETE FROM dir_mailbox_rmiss WHERE reseller_id ="
                        " %d AND prefix = 'user' AND id = %s;\n"
                        % (rid, first[0]))
    assert_pages(rd, rid, ("user",), sorts={"name": SORTS["name"]})


def test_a_rename_in_case_and_a_removed_mailbox(rd):
    """A mailbox renamed in case only stays a match; a mailbox that is a
    miss removed leaves the misses, one that matches leaves the count."""
    site = rd.site
    rid = resellers(rd)[0]
    mails = reseller_mails(rd, rid)
    case, miss, gone = mails[5], mails[6], mails[7]
    rename(rd, [case, miss], [case[1].upper(), "zz-miss"])
    assert_misses_exact(rd)
    cols = [r[0] for r in site.psa("SHOW COLUMNS FROM mail")]
    rows = {}
    for m in (miss, gone):
        rows[m[0]] = site.psa("SELECT %s FROM mail WHERE id = %s"
                              % (", ".join(cols), m[0]))[0]
        site.psa_sql("DELETE FROM mail WHERE id = %s;\n" % m[0])
        corecli(rd, "mbdir-sync", m[2])
    try:
        assert not site.oxt("SELECT id FROM dir_mailbox_rmiss WHERE id = %s"
                            % miss[0])
        assert_misses_exact(rd)
        assert_pages(rd, rid, ("user", "u", "dom"),
                     sorts={k: SORTS[k] for k in ("name", "modified")})
    finally:
        for m in (miss, gone):
            site.psa_sql("INSERT INTO mail (%s) VALUES (%s);\n" % (
                ", ".join(cols), ", ".join(
                    "NULL" if v is None else sql_quote(v)
                    for v in rows[m[0]])))
            corecli(rd, "mbdir-sync", m[2])
        rename(rd, [case, miss], [case[1], miss[1]])
    assert_misses_exact(rd)


def test_a_client_moved_to_the_other_reseller(rd):
    """A client of the first reseller, one of its mailboxes renamed out of
    `user`, moved with its domains to the second reseller by sync batches:
    the misses, counts and pages of both resellers are exact; and again
    once it is moved back."""
    site = rd.site
    a, b = resellers(rd)
    cid, dom, mid, name = site.psa(
        "SELECT c.id, d.id, m.id, m.mail_name FROM clients c JOIN domains d"
        " ON d.cl_id = c.id JOIN mail m ON m.dom_id = d.id WHERE c.parent_id"
        " = %d ORDER BY c.id, d.id, m.id LIMIT 1" % a)[0]
    doms = [r[0] for r in site.psa("SELECT id FROM domains WHERE cl_id = %s"
                                   % cid)]
    rename(rd, [(mid, name, dom)], ["zz-moved"])
    before = {rid: len(joined(rd, "user", rid, "name", "asc"))
              for rid in (a, b)}
    moved = len(joined(rd, "user", a, "name", "asc")) - len(site.oxt(
        "SELECT b.id FROM dir_mailbox b WHERE b.reseller_id = %d AND"
        " b.client_id <> %s AND b.id IN (SELECT id FROM dir_mailbox_term"
        " WHERE term LIKE 'user%%')" % (a, cid)))
    try:
        site.psa_sql("UPDATE clients SET parent_id = %d WHERE id = %s;\n"
                     % (b, cid))
        corecli(rd, "mbdir-sync", *doms)
        assert [int(r[0]) for r in site.oxt(
            "SELECT reseller_id FROM dir_mailbox_rmiss WHERE id = %s AND"
            " prefix = 'user'" % mid)] == [b]
        assert_misses_exact(rd)
        for rid, sign in ((a, -1), (b, 1)):
            got = rd.json("mailboxes", rd.admin, q="user", reseller=rid,
                          per_page=10)["total"]
            assert got == before[rid] + sign * moved, (rid, got, moved)
            assert_pages(rd, rid, ("user", "dom"),
                         sorts={k: SORTS[k] for k in ("name", "service")})
    finally:
        site.psa_sql("UPDATE clients SET parent_id = %d WHERE id = %s;\n"
                     % (a, cid))
        corecli(rd, "mbdir-sync", *doms)
        rename(rd, [(mid, name, dom)], [name])
    assert_misses_exact(rd)
    assert_pages(rd, a, ("user",), sorts={"name": SORTS["name"]})


def test_a_mailbox_back_under_another_domain(rd):
    """A miss whose id psa now gives under another domain, that domain's
    batch first (the old one's after): the batch stores it once, exact
    (it deleted the misses by domain only, and its INSERT clashed on the
    key); the counts and the page index's points exact after each batch
    (it counted the row as a new one)."""
    site = rd.site
    rid = resellers(rd)[0]
    mails = reseller_mails(rd, rid)
    mid, name, dom = mails[10]
    other = next(m[2] for m in mails if m[2] != dom)
    rename(rd, [(mid, name, dom)], ["zz-away"])
    try:
        site.psa_sql("UPDATE mail SET dom_id = %s WHERE id = %s;\n"
                     % (other, mid))
        corecli(rd, "mbdir-sync", other)
        assert_counts_exact(rd)
        assert_index_exact(rd)
        assert [int(r[0]) for r in site.oxt(
            "SELECT dom_id FROM dir_mailbox_rmiss WHERE id = %s AND prefix"
            " = 'user'" % mid)] == [int(other)]
        corecli(rd, "mbdir-sync", dom)
        assert_misses_exact(rd)
    finally:
        site.psa_sql("UPDATE mail SET dom_id = %s WHERE id = %s;\n"
                     % (dom, mid))
        corecli(rd, "mbdir-sync", dom)
        corecli(rd, "mbdir-sync", other)
        rename(rd, [(mid, "zz-away", dom)], [name])
    # no refresh between: the batch that took the row over took its old
    # domain in, so counts and points moved with it
    assert_counts_exact(rd)
    assert_index_exact(rd)
    assert_misses_exact(rd)
    assert_pages(rd, rid, ("dom", "user"), sorts={"name": SORTS["name"]})


def chosen_at(ls):
    return [r[0] for r in ls.site.oxt(
        "SELECT chosen_at FROM dir_mailbox_rdense_chosen")]


def test_a_choice_that_found_none_is_remembered(rd):
    """A choice that stored no prefix (as on most real sites) is recorded:
    the next directory passes do not choose again (the record's time
    stays); the pages are read as before, the join's."""
    want = stored(rd)
    assert len(chosen_at(rd)) == 1
    oxt_sql(rd, "DELETE FROM dir_mailbox_rmiss;\n"
                "DELETE FROM dir_mailbox_rdense;\n"
                "UPDATE dir_mailbox_rdense_chosen SET chosen_at ="
                " '2001-02-03 04:05:06';\n")
    try:
        for _ in range(2):
            rd.refresh()
            assert stored(rd) == set()
            assert [str(t) for t in chosen_at(rd)] == \
                ["2001-02-03 04:05:06.000000"]
        assert_pages(rd, resellers(rd)[0], ("dom",),
                     sorts={"name": SORTS["name"]})
    finally:
        corecli(rd, "mbdir-rdense")
    assert stored(rd) == want
    assert [str(t) for t in chosen_at(rd)] != ["2001-02-03 04:05:06.000000"]


def test_a_refresh_chooses_them_again(rd):
    """None stored (a directory from before 0149): the next refresh
    chooses the same prefixes and misses as `oxt-corecli mbdir-rdense`."""
    want = stored(rd)
    oxt_sql(rd, "DELETE FROM dir_mailbox_rmiss;\n"
                    "DELETE FROM dir_mailbox_rdense;\n"
                    "DELETE FROM dir_mailbox_rdense_chosen;\n")
    rd.refresh()
    assert stored(rd) == want
    assert_misses_exact(rd)
    assert corecli(rd, "mbdir-rdense")["dense"] == len(want)


def test_more_misses_than_the_cap_are_not_read(rd):
    """More misses than OXT_MBDIR_RDENSE_MISS_MAX (500) stored for a prefix
    (by hand): its count and pages are the join's, read as before (a page
    binds every miss). And a sync batch that renames 520 of a reseller's
    mailboxes out of `user`: the batch drops the prefixes it pushed over
    the cap (`u` to `user`) with their misses, keeps the others, and
    counts and pages are the join's; once renamed back and chosen again
    they are stored as before."""
    site = rd.site
    want = stored(rd)
    a, b = resellers(rd)
    oxt_sql(rd, "INSERT INTO dir_mailbox_rmiss (reseller_id, n, prefix, id,"
                " dom_id) VALUES %s;\n" % ", ".join(
                    "(%d, 3, 'dom', %d, 0)" % (a, 4000000000 + i)
                    for i in range(501)))
    try:
        assert_pages(rd, a, ("dom",), sorts={"name": SORTS["name"]})
    finally:
        oxt_sql(rd, "DELETE FROM dir_mailbox_rmiss WHERE id >= 4000000000;\n")
    mails = reseller_mails(rd, a)[:520]
    doms = sorted({m[2] for m in mails})
    try:
        site.psa_sql("".join("UPDATE mail SET mail_name = 'zz%d' WHERE id ="
                             " %s;\n" % (i, m[0])
                             for i, m in enumerate(mails)))
        corecli(rd, "mbdir-sync", *doms)
        have = {p for _, p in stored(rd, a)}
        assert not have & {"u", "us", "use", "user"}, have
        assert "dom" in have and stored(rd, b) == {
            x for x in want if x[0] == b}
        assert not site.oxt("SELECT id FROM dir_mailbox_rmiss WHERE"
                            " reseller_id = %d AND prefix = 'user' LIMIT 1"
                            % a)
        assert_misses_exact(rd)
        assert_pages(rd, a, ("user", "u", "dom"),
                     sorts={k: SORTS[k] for k in ("name", "service")})
    finally:
        site.psa_sql("".join("UPDATE mail SET mail_name = %s WHERE id = %s;\n"
                             % (sql_quote(m[1]), m[0]) for m in mails))
        corecli(rd, "mbdir-sync", *doms)
        corecli(rd, "mbdir-rdense")
    assert stored(rd) == want
    assert_misses_exact(rd)
