"""The Mailboxes page's wide searches' points (dir_mailbox_wide_page,
migration 0140; lib/oxt_mbdir.c builds and moves them, lib/oxt_mblist.c
reads a page from them) on a Plesk 9 site of their own: 3,000 mailboxes,
so `oxtender-replicator directory` stores the wide prefixes (more than
1,000 matches) and a page index (every 1,000th row). For a finer test the
page index gets a point at every 97th row of the server in every sort
(their positions exact) and every stored prefix, and two narrower ones,
are marked for points (the threshold is 5,000 matches); `oxt-corecli
mbdir-wide-points` builds them. Then: the head and the segments before
every point sum to the prefix's matches before its key (counted in SQL),
all of them to its stored count, and every searched page
(every sort both ways; the first, middle, last pages and a spread
between) holds exactly the rows of the slow path's query (the matches
joined and sorted, LIMIT). A point made to lie moves the page: the pages
are read from the points. The same after sync batches (`oxt-corecli
mbdir-sync`, the daemon's calls): mailboxes added into a prefix,
renamed out of one into another, renamed in case only, removed, a
domain's display name changed, and every mailbox of a domain moved in
the order by Modified. A reseller's search (no points) is unchanged.
"""
import json
import os
import subprocess

import pytest

from harness import env
from harness.lists import ListsSite
from harness.mariadb import sql_quote
from harness.site import Site

# sort key -> (dir_mailbox column, key column of the points)
SORTS = {"name": ("name", "k_str"), "mail": ("mail_on", "k_int"),
         "service": ("service", "k_int"), "language": ("language", "k_str"),
         "timezone": ("timezone", "k_str"), "modified": ("sync_key", "k_int"),
         "ox_service": ("tick", "k_int"), "reason": ("reason", "k_str")}

NARROW = ("user2", "user10")
EVERY = 97


def _site(run_dir, mariadb, apache_factory, name, **size):
    """A Plesk 9 site of size with its directory filled and an Apache of
    its own, all named name."""
    site = Site(os.path.join(run_dir, "site-" + name), mariadb, flavour=9,
                psa_db="psa_" + name, oxtender_db="oxt_" + name)
    site.build(**size)
    site.migrate()
    ls = ListsSite(site, None)
    ls.refresh()
    ls.httpd = apache_factory("apache-" + name, site.config)
    return ls


@pytest.fixture(scope="module")
def wp(run_dir, mariadb, apache_factory):
    return _site(run_dir, mariadb, apache_factory, "mbpoints", resellers=2,
                 clients=10, domains=150, mailboxes=3000)


def corecli(ls, *args):
    res = subprocess.run([env.CORECLI, "-c", ls.site.config]
                         + [str(a) for a in args], capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads(res.stdout)


def like_count(ls, prefix):
    return int(ls.site.oxt(
        "SELECT COUNT(DISTINCT id) FROM dir_mailbox_term WHERE term LIKE"
        " '%s%%'" % prefix)[0][0])


def fine_points(ls):
    """A point of the server's page index at every EVERY-th row in every
    sort, at its exact position, and every stored prefix and NARROW
    marked for points; then the points built."""
    site = ls.site
    site.oxt("DELETE FROM dir_mailbox_page WHERE scope = 'all'")
    for key, (col, kcol) in SORTS.items():
        rows = site.oxt("SELECT %s, id FROM dir_mailbox ORDER BY %s, id"
                        % (col, col))
        vals = ", ".join(
            "('all', 0, '%s', %d, %s, %s)" % (key, i, sql_quote(rows[i][0]),
                                             rows[i][1])
            for i in range(EVERY, len(rows), EVERY))
        site.oxt("INSERT INTO dir_mailbox_page (scope, scope_id, sort_key,"
                 " pos, %s, id) VALUES %s" % (kcol, vals))
    for w in NARROW:
        site.oxt("INSERT IGNORE INTO dir_mailbox_wide (n, prefix, pattern,"
                 " cnt) VALUES (%d, '%s', '%s%%', %d)"
                 % (len(w), w, w, like_count(ls, w)))
    site.oxt("UPDATE dir_mailbox_wide SET pts = 1")
    return corecli(ls, "mbdir-wide-points")["points"]


def prefixes(ls):
    return [r[0] for r in ls.site.oxt("SELECT prefix FROM dir_mailbox_wide"
                                      " WHERE pts = 1 ORDER BY n, prefix")]


def assert_points_exact(ls):
    """Every (pointed prefix, sort) has a head row and a row per point of
    the server, with the point's key, and the head and the segments
    before each point sum to the prefix's matches before its key."""
    site = ls.site
    total = 0
    for key, (col, kcol) in SORTS.items():
        rows = site.oxt(
            "SELECT g.prefix, g.id, COALESCE(SUM(g.n) OVER (PARTITION BY"
            " g.wn, g.prefix ORDER BY g.id = 0 DESC, g.{k}, g.id ROWS"
            " BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0), IF(g.id = 0,"
            " 0, (SELECT COUNT(*) FROM dir_mailbox x WHERE (x.{col} < g.{k}"
            " OR (x.{col} = g.{k} AND x.id < g.id)) AND EXISTS (SELECT 1"
            " FROM dir_mailbox_term t WHERE t.id = x.id AND t.term LIKE"
            " w.pattern ESCAPE '!'))), SUM(g.n) OVER (PARTITION BY g.wn,"
            " g.prefix), w.cnt FROM dir_mailbox_wide_page g JOIN"
            " dir_mailbox_wide w ON w.n = g.wn AND w.prefix = g.prefix WHERE"
            " g.sort_key = '{key}'".format(col=col, k=kcol, key=key))
        wrong = [r for r in rows if int(r[2]) != int(r[3])
                 or int(r[4]) != int(r[5])]
        assert not wrong, (key, wrong[:5])
        want = int(site.oxt(
            "SELECT COUNT(*) * ((SELECT COUNT(*) FROM dir_mailbox_page WHERE"
            " scope = 'all' AND sort_key = '%s') + 1) FROM dir_mailbox_wide"
            " WHERE pts = 1" % key)[0][0])
        keyed = int(site.oxt(
            "SELECT COUNT(*) FROM dir_mailbox_wide_page g WHERE g.sort_key ="
            " '%s' AND (g.id = 0 OR EXISTS (SELECT 1 FROM dir_mailbox_page a"
            " WHERE a.scope = 'all' AND a.sort_key = g.sort_key AND a.id ="
            " g.id AND a.%s <=> g.%s))" % (key, kcol, kcol))[0][0])
        assert len(rows) == want == keyed, (key, len(rows), want, keyed)
        total += len(rows)
    assert total > 0
    return total


def slow_path(ls, q, col, d):
    """The ids of the search q in the order (col, id), direction d: its
    matches joined and sorted, as the page read them before the points."""
    return [int(r[0]) for r in ls.site.oxt(
        "SELECT b.id FROM dir_mailbox b WHERE b.id IN (SELECT t.id FROM"
        " dir_mailbox_term t WHERE t.term LIKE '%s%%') ORDER BY b.%s %s,"
        " b.id %s" % (q, col, d, d))]


def pages_of(n, per):
    last = max(1, (n + per - 1) // per)
    return sorted(p for p in {1, 2, last // 3, last // 2, last // 2 + 1,
                              (2 * last) // 3, last - 1, last}
                  if 1 <= p <= last)


def assert_pages(ls, qs=None, per=25):
    """Every page of every pointed search by every sort both ways: the
    slow path's rows, order and total."""
    for q in qs or prefixes(ls):
        total = like_count(ls, q)
        for key, (col, _) in SORTS.items():
            for d in ("asc", "desc"):
                whole = slow_path(ls, q, col, d)
                assert len(whole) == total
                for page in pages_of(total, per):
                    got = ls.json("mailboxes", ls.admin, q=q, sort=key,
                                  dir=d, page=page, per_page=per)
                    assert got["total"] == total, (q, key, d, page)
                    assert [i["id"] for i in got["items"]] == \
                        whole[(page - 1) * per:page * per], (q, key, d, page)


def test_points_are_exact_and_pages_equal_the_slow_path(wp):
    assert fine_points(wp) == assert_points_exact(wp)
    assert set(NARROW) < set(prefixes(wp)) and "user" in prefixes(wp)
    assert_pages(wp)


def test_a_page_is_read_from_its_points(wp):
    """A head whose count lies by 3 moves the pages after the first
    point by 3 rows; built again, they are right again."""
    if not wp.site.oxt("SELECT 1 FROM dir_mailbox_wide_page LIMIT 1"):
        fine_points(wp)
    whole = slow_path(wp, "user1", "name", "asc")
    head = int(wp.site.oxt("SELECT n FROM dir_mailbox_wide_page WHERE"
                           " sort_key = 'name' AND prefix = 'user1' AND id ="
                           " 0")[0][0])
    assert head > 10
    page = head // 10 + 2              # after the first point
    want = whole[(page - 1) * 10:page * 10]
    got = wp.json("mailboxes", wp.admin, q="user1", sort="name", page=page,
                  per_page=10)
    assert [i["id"] for i in got["items"]] == want
    wp.site.oxt("UPDATE dir_mailbox_wide_page SET n = n - 3 WHERE sort_key ="
                " 'name' AND prefix = 'user1' AND id = 0")
    lied = wp.json("mailboxes", wp.admin, q="user1", sort="name", page=page,
                   per_page=10)
    assert [i["id"] for i in lied["items"]] == \
        whole[(page - 1) * 10 + 3:page * 10 + 3]
    fine_points(wp)
    got = wp.json("mailboxes", wp.admin, q="user1", sort="name", page=page,
                  per_page=10)
    assert [i["id"] for i in got["items"]] == want


def test_points_stay_exact_through_syncs(wp):
    site = wp.site
    fine_points(wp)
    assert_points_exact(wp)
    doms = [int(r[0]) for r in site.psa(
        "SELECT d.id FROM domains d WHERE EXISTS (SELECT 1 FROM mail m"
        " WHERE m.dom_id = d.id) ORDER BY d.id LIMIT 3")]
    acc = site.psa("SELECT account_id FROM mail WHERE dom_id = %d LIMIT 1"
                   % doms[0])[0][0]
    out = site.psa("SELECT id, mail_name FROM mail WHERE mail_name LIKE"
                   " 'user1%%' AND dom_id = %d ORDER BY id LIMIT 1"
                   % doms[1])[0]
    case = site.psa("SELECT id, mail_name FROM mail WHERE mail_name LIKE"
                    " 'user2%%' AND dom_id = %d ORDER BY id LIMIT 1"
                    % doms[1])[0]
    gone = site.psa("SELECT id FROM mail WHERE dom_id = %d AND mail_name"
                    " LIKE 'user%%' ORDER BY id DESC LIMIT 1" % doms[2])[0][0]
    before = {q: like_count(wp, q) for q in prefixes(wp)}
    site.psa_sql(
        "CREATE TABLE IF NOT EXISTS mail_kept LIKE mail;\n"
        "DELETE FROM mail_kept;\n"
        "INSERT INTO mail_kept SELECT * FROM mail WHERE id = %(gone)s;\n"
        "INSERT INTO mail (mail_name, postbox, account_id, dom_id) VALUES"
        " ('user10new', 'true', %(acc)s, %(d0)d), ('user2new', 'true',"
        " %(acc)s, %(d0)d);\n"
        "UPDATE mail SET mail_name = 'zz%(oid)s' WHERE id = %(oid)s;\n"
        "UPDATE mail SET mail_name = UPPER(mail_name) WHERE id = %(cid)s;\n"
        "DELETE FROM mail WHERE id = %(gone)s;\n"
        "UPDATE domains SET displayName = 'user10 display' WHERE id ="
        " %(d2)d;\n" % {"gone": gone, "acc": acc, "d0": doms[0],
                        "d2": doms[2], "oid": out[0], "cid": case[0]})
    try:
        corecli(wp, "mbdir-sync", *doms)
        assert {q: like_count(wp, q) for q in prefixes(wp)} != before
        assert_points_exact(wp)
        assert_pages(wp, ("user", "user1", "user10", "user2"))
        # every mailbox of a domain moved in the order by Modified
        ids = [int(r[0]) for r in site.psa("SELECT id FROM mail WHERE"
                                           " dom_id = %d" % doms[1])]
        site.oxt("INSERT INTO mailbox_state (mail_id, dom_id, status,"
                 " service_type, applied_service_type, last_sync_at) SELECT"
                 " m.id, m.dom_id, 'replicated', 'webmail', 'webmail', NOW()"
                 " + INTERVAL m.id SECOND FROM %s.mail m WHERE m.dom_id = %d"
                 " ON DUPLICATE KEY UPDATE last_sync_at = VALUES("
                 "last_sync_at), service_type = 'groupware_premium'"
                 % (site.psa_db, doms[1]))
        corecli(wp, "mbdir-sync", doms[1])
        moved = site.oxt("SELECT COUNT(*) FROM dir_mailbox WHERE dom_id = %d"
                         " AND sync_key > 0" % doms[1])[0][0]
        assert int(moved) == len(ids)
        assert_points_exact(wp)
        assert_pages(wp, ("user", "user1", "user2"))
    finally:
        site.psa_sql(
            "DELETE FROM mail WHERE mail_name IN ('user10new', 'user2new');\n"
            "UPDATE mail SET mail_name = '%s' WHERE id = %s;\n"
            "UPDATE mail SET mail_name = '%s' WHERE id = %s;\n"
            "INSERT INTO mail SELECT * FROM mail_kept;\n"
            "DROP TABLE mail_kept;\n" % (out[1], out[0], case[1], case[0]))
        corecli(wp, "mbdir-sync", *doms)
    assert_points_exact(wp)


def test_a_new_choice_of_the_prefixes_and_the_rebuild(wp):
    """A refresh that chooses the prefixes again marks those of at least
    5,000 matches (none on this site) and drops the old points; its
    rebuild of the page index builds none then, and the pages read as
    before (window, else joined), still the slow path's."""
    wp.site.oxt("DELETE FROM dir_mailbox_wide")
    wp.refresh()                    # no prefix stored: chosen again
    assert int(wp.site.oxt("SELECT COUNT(*) FROM dir_mailbox_wide")[0][0])
    assert int(wp.site.oxt("SELECT COUNT(*) FROM dir_mailbox_wide WHERE"
                           " pts = 1")[0][0]) == 0
    assert int(wp.site.oxt("SELECT COUNT(*) FROM"
                           " dir_mailbox_wide_page")[0][0]) == 0
    assert_pages(wp, ("user1", "user"))


def test_a_sync_batch_with_the_longest_address_keeps_the_points(wp):
    """A mailbox renamed to psa's longest mail_name (245 characters, so
    an address past 255) in a sync batch while the page index has points:
    the batch's snapshots of the moved rows hold the address whole (they
    were VARCHAR(255) while dir_mailbox.name is 501 since migration 0106:
    "Data too long" stopped every sync of that domain), and the points
    and pages stay exact."""
    site = wp.site
    fine_points(wp)
    mid, name, dom, dname = site.psa(
        "SELECT m.id, m.mail_name, m.dom_id, d.name FROM mail m JOIN domains"
        " d ON d.id = m.dom_id WHERE m.mail_name LIKE 'user1%%' ORDER BY"
        " m.id LIMIT 1")[0]
    long_name = "user1" + "x" * 240
    site.psa_sql("UPDATE mail SET mail_name = '%s' WHERE id = %s;\n"
                 % (long_name, mid))
    try:
        corecli(wp, "mbdir-sync", dom)
        address = long_name + "@" + dname
        assert len(address) > 255
        assert site.oxt("SELECT name FROM dir_mailbox WHERE id = %s"
                        % mid) == [(address,)]
        assert_points_exact(wp)
        assert_pages(wp, ("user1",))
    finally:
        site.psa_sql("UPDATE mail SET mail_name = '%s' WHERE id = %s;\n"
                     % (name, mid))
        corecli(wp, "mbdir-sync", dom)
    assert_points_exact(wp)


def assert_counts_exact(ls):
    """Every stored count (dir_mailbox_count) is its scope's rows."""
    have = {(r[0], int(r[1])): (int(r[2]), int(r[3])) for r in ls.site.oxt(
        "SELECT scope, scope_id, n, n_ox FROM dir_mailbox_count WHERE n <> 0"
        " OR n_ox <> 0")}
    want = {}
    for scope, col in (("all", "0"), ("reseller", "reseller_id"),
                       ("client", "client_id"), ("domain", "dom_id")):
        for r in ls.site.oxt("SELECT %s, COUNT(*), SUM(in_ox) FROM"
                             " dir_mailbox WHERE %s GROUP BY 1"
                             % (col, "1" if scope in ("all", "domain")
                                else col + " > 0")):
            want[(scope, int(r[0]))] = (int(r[1]), int(r[2]))
    assert have == want, sorted(set(have.items()) ^ set(want.items()))[:6]


def assert_index_exact(ls):
    """Every point of the page index (dir_mailbox_page, every scope) is at
    its position: the rows of its scope before its key."""
    for key, (col, kcol) in SORTS.items():
        wrong = ls.site.oxt(
            "SELECT a.scope, a.scope_id, a.pos, a.id, (SELECT COUNT(*) FROM"
            " dir_mailbox x WHERE (a.scope = 'all' OR (a.scope = 'ox' AND"
            " x.in_ox = 1) OR (a.scope = 'reseller' AND x.reseller_id ="
            " a.scope_id)) AND (x.{c} < a.{k} OR (x.{c} = a.{k} AND x.id <"
            " a.id))) AS n FROM dir_mailbox_page a WHERE a.sort_key = '{s}'"
            " HAVING n <> a.pos".format(c=col, k=kcol, s=key))
        assert not wrong, (key, wrong[:5])
    assert ls.site.oxt("SELECT 1 FROM dir_mailbox_page WHERE scope ="
                       " 'reseller' LIMIT 1")


def assert_wide_exact(ls):
    """Every stored wide count is its prefix's matches (by LIKE)."""
    wrong = ls.site.oxt(
        "SELECT w.prefix, w.cnt, (SELECT COUNT(DISTINCT t.id) FROM"
        " dir_mailbox_term t WHERE t.term LIKE w.pattern ESCAPE '!') AS n"
        " FROM dir_mailbox_wide w HAVING n <> w.cnt")
    assert not wrong, wrong


def assert_all_exact(ls):
    assert_counts_exact(ls)
    assert_index_exact(ls)
    assert_wide_exact(ls)
    assert_points_exact(ls)


def test_a_mailbox_moved_between_domains_synced_apart(wp):
    """A mailbox id psa now gives under another domain (of another client
    of the other reseller; of another client of its own), the two domains
    synced in separate batches in either order (the new one first; moved
    back, the old one first): after every batch the stored counts of the
    server, both resellers, clients and domains, the page index's points
    of every scope, the wide counts and their points are the rows'. (The
    new domain's batch counted the row it took over as a new one: the
    server's count and the new reseller's rose by one, the points moved
    as for an added row, until a refresh recounted and rebuilt.)"""
    site = wp.site
    fine_points(wp)
    assert_all_exact(wp)
    mid, name, old, cid, rid = site.oxt(
        "SELECT b.id, m.mail_name, b.dom_id, b.client_id, b.reseller_id"
        " FROM dir_mailbox b JOIN %s.mail m ON m.id = b.id WHERE b.name LIKE"
        " 'user1%%' AND b.reseller_id > 0 ORDER BY b.id LIMIT 1"
        % site.psa_db)[0]
    for same in (0, 1):
        new = site.oxt(
            "SELECT MIN(dom_id) FROM dir_mailbox WHERE reseller_id %s %s AND"
            " reseller_id > 0 AND client_id > 0 AND client_id <> %s"
            % ("=" if same else "<>", rid, cid))[0][0]
        assert new is not None
        site.psa_sql("UPDATE mail SET dom_id = %s, mail_name ="
                     " 'user1moved%s' WHERE id = %s;\n" % (new, mid, mid))
        try:
            for dom in (new, old):          # the new domain's batch first
                corecli(wp, "mbdir-sync", dom)
                assert_all_exact(wp)
            assert [int(r[0]) for r in site.oxt(
                "SELECT dom_id FROM dir_mailbox WHERE id = %s" % mid)] == \
                [int(new)]
        finally:
            site.psa_sql("UPDATE mail SET dom_id = %s, mail_name = %s WHERE"
                         " id = %s;\n" % (old, sql_quote(name), mid))
            for dom in (new, old):          # back: the old domain's first
                corecli(wp, "mbdir-sync", dom)
                assert_all_exact(wp)
    assert_pages(wp, ("user", "user1"))


def test_a_long_list_synced_past_a_batch_that_took_a_domain_in(wp):
    """A list of more than a batch of domains (OXT_MBDIR_BATCH, 500) whose
    first batch takes in an old domain (a mailbox moved into one of its
    domains): the list's 501st domain is still synced. (The loop stepped
    by the batch's grown size and skipped as many of the list's domains
    as it had taken in.)"""
    site = wp.site
    mid, name, old, rid = site.oxt(
        "SELECT b.id, m.mail_name, b.dom_id, b.reseller_id FROM dir_mailbox"
        " b JOIN %s.mail m ON m.id = b.id WHERE b.reseller_id > 0 ORDER BY"
        " b.id LIMIT 1" % site.psa_db)[0]
    new = site.oxt("SELECT MIN(dom_id) FROM dir_mailbox WHERE dom_id <> %s"
                   % old)[0][0]
    other, oname, odom = site.oxt(
        "SELECT b.id, m.mail_name, b.dom_id FROM dir_mailbox b JOIN %s.mail"
        " m ON m.id = b.id WHERE b.dom_id NOT IN (%s, %s) ORDER BY b.id"
        " LIMIT 1" % (site.psa_db, old, new))[0]
    absent = [10 ** 9 + i for i in range(499)]   # no such domains in psa
    site.psa_sql("UPDATE mail SET dom_id = %s WHERE id = %s;\n"
                 "UPDATE mail SET mail_name = 'renamedfar' WHERE id = %s;\n"
                 % (new, mid, other))
    try:
        corecli(wp, "mbdir-sync", new, *absent, odom)
        assert site.oxt("SELECT name FROM dir_mailbox WHERE id = %s"
                        % other)[0][0].startswith("renamedfar@")
        assert [int(r[0]) for r in site.oxt(
            "SELECT dom_id FROM dir_mailbox WHERE id = %s" % mid)] == \
            [int(new)]
        assert_all_exact(wp)
    finally:
        site.psa_sql("UPDATE mail SET dom_id = %s WHERE id = %s;\n"
                     "UPDATE mail SET mail_name = %s WHERE id = %s;\n"
                     % (old, mid, sql_quote(oname), other))
        corecli(wp, "mbdir-sync", old, new, odom)
    assert_all_exact(wp)


def build_statements(ls):
    """The statements the server ran for one build of the points
    (`oxt-corecli mbdir-wide-points`), less those of the counter's own
    reads (the server is this module's alone meanwhile)."""
    def questions():
        return int(ls.site.oxt("SHOW GLOBAL STATUS LIKE 'Questions'")[0][1])

    q0 = questions()
    idle = questions() - q0
    q1 = questions()
    corecli(ls, "mbdir-wide-points")
    return questions() - q1 - idle


def test_the_build_runs_a_few_statements_whatever_the_prefixes(wp):
    """Every prefix's matches are read in one statement and a sort's rows
    written in one INSERT ... SELECT (the counts as strings, the keys from
    the page index): the same statements for every stored prefix marked
    as for one, where the build had read each prefix's matches in a
    statement of its own and written 500 rows a statement (3,773
    statements for a first steady run at 1M)."""
    site = wp.site
    fine_points(wp)
    many = len(prefixes(wp))
    assert many >= 10
    n_all = build_statements(wp)
    assert_points_exact(wp)
    site.oxt("UPDATE dir_mailbox_wide SET pts = (prefix = 'user')")
    try:
        assert prefixes(wp) == ["user"]
        n_one = build_statements(wp)
        assert_points_exact(wp)
        assert_pages(wp, ("user",))
    finally:
        fine_points(wp)
    assert n_one == n_all, (n_all, n_one, many)
    # corecli's own (its session, the lock, the count), the delete, the
    # prefixes, the ids' end and the packet, the matches, the points and
    # per sort its scan and its rows
    assert n_all <= 8 + 5 + 2 * 8, n_all


def test_a_small_packet_splits_a_sorts_rows_exactly(wp):
    """With a server packet too small for a sort's counts in one statement
    the rows are written in several (each under half the packet), and
    are the same."""
    site = wp.site
    fine_points(wp)
    n_all = build_statements(wp)
    packet = site.oxt("SELECT @@GLOBAL.max_allowed_packet")[0][0]
    site.oxt("SET GLOBAL max_allowed_packet = 4096")
    try:
        n_small = build_statements(wp)
    finally:
        site.oxt("SET GLOBAL max_allowed_packet = %d" % int(packet))
    assert n_small >= n_all + 8, (n_small, n_all)      # each sort split
    assert_points_exact(wp)
    assert_pages(wp, ("user", "user1"))


# ---- a reseller's dense search: its own order, no join (lib/oxt_mblist.c,
# page_dense) ------------------------------------------------------------

@pytest.fixture(scope="module")
def dense(run_dir, mariadb, apache_factory):
    """A site whose reseller has more than 2,000 mailboxes, so that the
    middle of its searches that find them all is past a window (which
    holds at most 2,000 entries) and was joined."""
    return _site(run_dir, mariadb, apache_factory, "mbdense", resellers=1,
                 clients=4, domains=60, mailboxes=6000)


def like_prefix(q):
    """q's prefix pattern escaped as the code escapes it (ESCAPE '!')."""
    return sql_quote(q.replace("!", "!!").replace("%", "!%")
                     .replace("_", "!_") + "%")


def scoped_join(ls, q, rid, col, d):
    """The reseller rid's matches of q joined and sorted, as its page read
    them before (and still does when they fill less than half of its
    rows)."""
    return [int(r[0]) for r in ls.site.oxt(
        "SELECT b.id FROM (SELECT DISTINCT t.id FROM dir_mailbox_term t"
        " WHERE t.term LIKE %s ESCAPE '!' AND t.reseller_id = %d) m JOIN"
        " dir_mailbox b ON b.id = m.id WHERE b.reseller_id = %d ORDER BY"
        " b.%s %s, b.id %s" % (like_prefix(q), rid, rid, col, d, d))]


def biggest_reseller(ls):
    rid, n = ls.site.oxt("SELECT reseller_id, COUNT(*) FROM dir_mailbox"
                         " WHERE reseller_id > 0 GROUP BY reseller_id ORDER BY"
                         " 2 DESC LIMIT 1")[0]
    return int(rid), int(n)


def assert_scoped_pages(ls, rid, qs, per=100, sorts=SORTS):
    for q in qs:
        for key, (col, _) in sorts.items():
            for d in ("asc", "desc"):
                whole = scoped_join(ls, q, rid, col, d)
                for page in pages_of(len(whole), per):
                    got = ls.json("mailboxes", ls.admin, q=q, reseller=rid,
                                  sort=key, dir=d, page=page, per_page=per)
                    assert got["total"] == len(whole), (q, key, d, page)
                    assert [i["id"] for i in got["items"]] == \
                        whole[(page - 1) * per:page * per], (q, key, d, page)


def sorts_of(ls, **query):
    """The sorts the server ran for one page (Sort_range + Sort_scan: a
    joined search sorts its matches), less those of the counter's own
    reads (the server is this module's alone meanwhile)."""
    def sorts():
        return sum(int(r[1]) for r in ls.site.oxt(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('Sort_range',"
            " 'Sort_scan')"))

    s0 = sorts()
    idle = sorts() - s0
    s1 = sorts()
    ls.json("mailboxes", ls.admin, **query)
    return sorts() - s1 - idle


def test_a_resellers_dense_search_is_read_from_its_own_order(dense):
    """A reseller's search whose matches fill at least half of its rows
    ("u", "user" and "dom" find every mailbox of the site's) is read from
    the reseller's sort index from the page's nearer end: every page by
    every sort both ways holds the join's rows, and no page sorts more
    than a page without a search (the middle one joined and sorted
    every match)."""
    rid, rows = biggest_reseller(dense)
    assert rows > 4200
    assert_scoped_pages(dense, rid, ("u", "user", "dom"))
    last = (rows + 24) // 25
    # the page's other statements' sorts (its rows read from psa)
    floor = sorts_of(dense, reseller=rid, sort="name", page=2)
    for key in ("name", "service", "modified"):
        for d in ("asc", "desc"):
            for page in (1, last // 2, last // 2 + 1, last):
                n = sorts_of(dense, q="user", reseller=rid, sort=key, dir=d,
                             page=page)
                assert n == floor, (key, d, page, n, floor, rows)
    # a narrow search is joined as before
    assert sorts_of(dense, q="user12", reseller=rid, sort="name") > floor


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


def test_a_resellers_search_that_finds_all_its_rows_reads_its_plain_page(
        dense):
    """A reseller's search that finds every one of its rows ("u" and
    "user" here) is read as the reseller's page without the search (from
    the nearest point of its page index): its middle pages by every sort
    both ways read no more index entries than that page and the count
    (its matches' term entries, one per mailbox), where the dense read
    read every match once more and walked half the reseller's order
    (about 2.5 times the rows on main). The pages' rows are the join's
    (test_a_resellers_dense_search_is_read_from_its_own_order, and here
    the pages around the middle)."""
    rid, rows = biggest_reseller(dense)
    got = dense.json("mailboxes", dense.admin, q="u", reseller=rid,
                     per_page=10)
    assert got["total"] == rows
    last = (rows + 24) // 25
    for key, (col, _) in SORTS.items():
        for d in ("asc", "desc"):
            whole = scoped_join(dense, "u", rid, col, d)
            for page in (last // 2, last // 2 + 1):
                floor = reads_of(dense, reseller=rid, sort=key, dir=d,
                                 page=page)
                n = reads_of(dense, q="u", reseller=rid, sort=key, dir=d,
                             page=page)
                assert n <= floor + rows + 200, (key, d, page, n, floor)
                items = dense.json("mailboxes", dense.admin, q="u",
                                   reseller=rid, sort=key, dir=d,
                                   page=page)["items"]
                assert [i["id"] for i in items] == \
                    whole[(page - 1) * 25:page * 25], (key, d, page)


def test_a_resellers_dense_search_through_syncs(dense):
    """Two mailboxes renamed out of the search by sync batches: the
    reseller's pages are the join's at once (the batches keep the dense
    search's misses, test_mailboxes_rdense.py), and again once they are
    renamed back."""
    site = dense.site
    rid, _ = biggest_reseller(dense)
    mids = [r for r in site.psa(
        "SELECT m.id, m.mail_name, m.dom_id FROM mail m JOIN domains d ON"
        " d.id = m.dom_id JOIN clients c ON c.id = d.cl_id WHERE c.id = %d"
        " OR c.parent_id = %d ORDER BY m.id LIMIT 2" % (rid, rid))]
    assert len(mids) == 2
    try:
        for i, (mid, _, dom) in enumerate(mids):
            site.psa_sql("UPDATE mail SET mail_name = 'zz%d' WHERE id = %s;\n"
                         % (i, mid))
            corecli(dense, "mbdir-sync", dom)
        assert len(scoped_join(dense, "zz", rid, "name", "asc")) == 2
        assert_scoped_pages(dense, rid, ("user",))
    finally:
        for mid, name, dom in mids:
            site.psa_sql("UPDATE mail SET mail_name = '%s' WHERE id = %s;\n"
                         % (name, mid))
            corecli(dense, "mbdir-sync", dom)
    assert_scoped_pages(dense, rid, ("user",))


# ---- a reseller's ox=1 page (migration 0146) ------------------------------

def test_a_resellers_ox_page_reads_its_own_range(dense):
    """A third of the site's mailboxes replicated (mailbox_state, as
    bench/lists.py marks them: the newest Modified values, the others
    never replicated and first in that order): the reseller's ox=1 pages
    by name and by Modified, both ways, first, middle and last, hold the
    rows of that order (in SQL), and the page's statement (ids_sql's, no
    search: the reseller and the flag, the order, LIMIT) reads the
    reseller's replicated rows' own range in that order (ro_name,
    ro_modified, 0146), with no sort: before, it read the reseller's
    whole order (r_name, r_modified) and each entry's row for the flag,
    at 1M the 6,859 never replicated before the 21 of the last page by
    Modified descending, or the server's replicated rows' order (o_name,
    o_modified) for the reseller's few. Run last: the replicated rows
    stay."""
    site = dense.site
    site.db.sql(
        "INSERT IGNORE INTO mailbox_state (mail_id, dom_id, client_id,"
        " reseller_id, status, service_type, applied_service_type,"
        " last_sync_at) SELECT m.id, m.dom_id, IF(c.type = 'client', c.id,"
        " 0), CASE c.type WHEN 'reseller' THEN c.id ELSE IF(o.type ="
        " 'reseller', o.id, 0) END, 'replicated', 'webmail', 'webmail',"
        " NOW() - INTERVAL (m.id %% 5000) MINUTE FROM `%s`.mail m JOIN"
        " `%s`.domains d ON d.id = m.dom_id JOIN `%s`.clients c ON c.id ="
        " d.cl_id LEFT JOIN `%s`.clients o ON o.id = c.parent_id WHERE"
        " m.postbox = 'true' AND m.id %% 3 = 0;\n"
        % ((site.psa_db,) * 4), site.oxtender_db)
    dense.refresh()
    rid, rows = biggest_reseller(dense)
    n_ox = int(site.oxt("SELECT COUNT(*) FROM dir_mailbox WHERE reseller_id"
                        " = %d AND in_ox = 1" % rid)[0][0])
    assert rows // 4 < n_ox < rows // 2, (rows, n_ox)
    last = (n_ox + 24) // 25
    for key in ("name", "modified"):
        col = SORTS[key][0]
        for d in ("asc", "desc"):
            whole = [int(r[0]) for r in site.oxt(
                "SELECT id FROM dir_mailbox WHERE reseller_id = %d AND in_ox"
                " = 1 ORDER BY %s %s, id %s" % (rid, col, d, d))]
            for page in (1, last // 2, last):
                q = dict(ox=1, reseller=rid, sort=key, dir=d, page=page)
                got = dense.json("mailboxes", dense.admin, **q)
                assert got["total"] == n_ox, (key, d, page)
                assert [i["id"] for i in got["items"]] == \
                    whole[(page - 1) * 25:page * 25], (key, d, page)
            plan = site.oxt(
                "EXPLAIN SELECT b.id FROM dir_mailbox b WHERE 1 = 1 AND"
                " b.reseller_id = %d AND b.in_ox = 1 ORDER BY b.%s %s, b.id"
                " %s LIMIT %d, 25" % (rid, col, d, d, n_ox // 2))
            assert len(plan) == 1, plan
            assert plan[0][5] == "ro_" + SORTS[key][0].replace(
                "sync_key", "modified"), plan
            assert "filesort" not in (plan[0][9] or ""), plan
