"""The narrow searches of the lists (issue 9): a site with a page index
of the Domains list (2,600 domains) and the migrated threshold of the
stored prefixes (dir_prefix_min.n, migration 0144: 500), so that a
search of about a ninth of the domains ('dom1', 1,111 of them) has its
count stored and points, where at 2,000 it was joined and sorted per
request. Every page of these searches, in every sort both ways, holds
exactly the slice of the whole search (per_page=all: every match
joined and sorted, the slow path), with its total: 'dom1' (points, or
the join where the walks would read more entries than it has matches),
'dom12' (joined), and the Clients searched by 'c' (every client: a
window that holds the whole scope, read as a walk of its index). A page
whose walks would read more entries than the search has matches is
joined: a point made to lie no longer moves it.
"""
import json
import os
import subprocess

import pytest

from harness import env
from harness.lists import ListsSite
from harness.site import Site

SORTS = {
    "domains": ("name", "mail", "modified", "mailboxes"),
    "clients": ("name", "modified", "domains", "mailboxes"),
}


@pytest.fixture(scope="module")
def nar(run_dir, mariadb, apache_factory):
    site = Site(os.path.join(run_dir, "site-narrow"), mariadb, flavour=9,
                psa_db="psa_narrow", oxtender_db="oxt_narrow")
    site.build(resellers=1, clients=12, domains=2600, mailboxes=3000)
    site.migrate()
    ls = ListsSite(site, None)
    ls.refresh()
    ls.httpd = apache_factory("apache-narrow", site.config)
    return ls


def pages_of(n, per):
    last = max(1, (n + per - 1) // per)
    return sorted(p for p in {1, 2, last // 3, last // 2, last // 2 + 1,
                              (2 * last) // 3, last - 1, last}
                  if 1 <= p <= last)


def whole(ls, route, q, sort, d):
    got = ls.json(route, ls.admin, per_page="all", sort=sort, dir=d, q=q)
    ids = [i["id"] for i in got["items"]]
    assert got["total"] == len(ids), (route, q, sort, d)
    return ids


def assert_pages(ls, route, q, per):
    for sort in SORTS[route]:
        for d in ("asc", "desc"):
            ids = whole(ls, route, q, sort, d)
            assert ids, (route, q)
            for page in pages_of(len(ids), per):
                got = ls.json(route, ls.admin, sort=sort, dir=d, page=page,
                              per_page=per, q=q)
                assert got["total"] == len(ids), (route, q, sort, d, page)
                assert [i["id"] for i in got["items"]] == \
                    ids[(page - 1) * per:page * per], (route, q, sort, d,
                                                       page)


def test_a_ninth_of_the_domains_is_stored_with_points(nar):
    site = nar.site
    assert int(site.oxt("SELECT n FROM dir_prefix_min WHERE id = 1")[0][0]) \
        == 500
    n = int(site.oxt("SELECT COUNT(DISTINCT id) FROM dir_term WHERE list ="
                     " 'domain' AND term LIKE 'dom1%'")[0][0])
    assert 500 < n < 2000, n
    stored = site.oxt("SELECT n FROM dir_prefix WHERE list = 'domain' AND"
                      " scope = 'all' AND prefix = 'dom1'")
    assert stored and int(stored[0][0]) == n, stored
    sorts = {r[0] for r in site.oxt(
        "SELECT DISTINCT sort_key FROM dir_prefix_page WHERE list ="
        " 'domain' AND scope = 'all' AND prefix = 'dom1'")}
    assert sorts == set(SORTS["domains"]), sorts


@pytest.mark.parametrize("route,q,per", [
    ("domains", "dom1", 25), ("domains", "DOM1", 100),
    ("domains", "dom12", 10), ("clients", "c", 10),
    ("clients", "client 1", 10)])
def test_narrow_pages_are_slices_of_the_whole_search(nar, route, q, per):
    assert_pages(nar, route, q, per)


def point_rows(site, sort):
    """(n, pos, id) of the points of 'dom1' in sort, in the order."""
    return [tuple(int(v) for v in r) for r in site.oxt(
        "SELECT pp.n, pg.pos, pg.id FROM dir_prefix_page pp JOIN dir_page pg"
        " ON pg.list = pp.list AND pg.scope = pp.scope AND pg.scope_id ="
        " pp.scope_id AND pg.sort_key = pp.sort_key AND pg.id = pp.id WHERE"
        " pp.list = 'domain' AND pp.scope = 'all' AND pp.sort_key = '%s'"
        " AND pp.prefix = 'dom1' ORDER BY pg.pos" % sort)]


def test_a_page_whose_walks_outread_the_join_is_joined(nar):
    """A point of 'dom1' by the mailboxes that lies by 3 moves the page
    after it by 3 (walked from the point); with the next point moved far
    away in the page index as well, the walk would read more entries
    than 'dom1' has matches, so the page is joined: exact again, the lie
    unread. The next choice makes the points true again."""
    site = nar.site
    pts = point_rows(site, "mailboxes")
    # A point with matches before it and between it and the next one.
    i = next(k for k in range(1, len(pts) - 1)
             if 0 < pts[k][0] < pts[k + 1][0] and
             pts[k + 1][0] - pts[k][0] > 30)
    n, _, pid = pts[i]
    nid, npos = pts[i + 1][2], pts[i + 1][1]
    ids = whole(nar, "domains", "dom1", "mailboxes", "asc")
    per = 10
    page = n // per + 2                # after the point, before the next
    assert (page - 1) * per >= n and page * per <= pts[i + 1][0]
    want = ids[(page - 1) * per:page * per]

    def got():
        return [r["id"] for r in nar.json(
            "domains", nar.admin, sort="mailboxes", dir="asc", page=page,
            per_page=per, q="dom1")["items"]]
    assert got() == want
    site.oxt("UPDATE dir_prefix_page SET n = n - 3 WHERE list = 'domain'"
             " AND scope = 'all' AND sort_key = 'mailboxes' AND prefix ="
             " 'dom1' AND id = %d" % pid)
    assert got() == ids[(page - 1) * per + 3:page * per + 3]
    site.oxt("UPDATE dir_page SET pos = pos + 100000 WHERE list = 'domain'"
             " AND scope = 'all' AND sort_key = 'mailboxes' AND id = %d"
             % nid)
    try:
        assert got() == want
    finally:
        site.oxt("UPDATE dir_page SET pos = %d WHERE list = 'domain' AND"
                 " scope = 'all' AND sort_key = 'mailboxes' AND id = %d"
                 % (npos, nid))
    res = subprocess.run([env.CORECLI, "-c", site.config, "dir-prefixes"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert json.loads(res.stdout)["points"] > 0
    assert got() == want
    assert point_rows(site, "mailboxes") == pts


def pass_of_run(site):
    """The directory step of a run (the changed buckets only, as every
    pass of run and daemon): this site has no OX, so the run stops after
    it, saying so."""
    res = site.replicator("run")
    assert "directory:" in res.stderr and "OX server not configured" in \
        res.stderr, res.stdout + res.stderr


def test_an_upgraded_server_chooses_at_the_new_threshold(nar):
    """A server whose prefixes were chosen at 2,000 (before 0144): the
    migration's statement makes them due, so the next pass (not only a
    full `directory`) stores 'dom1' at 500, without waiting for 250 rows
    to change their terms. (Last in the file: it leaves the site as the
    fixture made it.)"""
    site = nar.site
    site.oxt("UPDATE dir_prefix_min SET n = 2000, moved = 0 WHERE id = 1")
    res = subprocess.run([env.CORECLI, "-c", site.config, "dir-prefixes"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    stored = "SELECT COUNT(*) FROM dir_prefix WHERE list = 'domain' AND" \
             " scope = 'all' AND prefix = 'dom1'"
    assert int(site.oxt(stored)[0][0]) == 0
    pass_of_run(site)                  # nothing due: still not stored
    assert int(site.oxt(stored)[0][0]) == 0
    with open(os.path.join(env.TOP, "sql", "oxtender",
                           "0144_dir_prefix_min_500.sql")) as f:
        site.oxt(f.read())
    pass_of_run(site)
    assert int(site.oxt(stored)[0][0]) == 1
    test_a_ninth_of_the_domains_is_stored_with_points(nar)
