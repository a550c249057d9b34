"""The wide searches' points (dir_prefix_page, migration 0132) on a Plesk 9
site of their own big enough for a page index (2,600 domains: points at
every 1,000th row of the Domains list in each sort; a reseller who owns
every client, so its scope has points too), with the stored prefixes'
threshold lowered to 100 rows: after `oxtender-replicator directory`
every point of every stored prefix holds the exact number of the
prefix's matches before it in its order, and the searched pages (every
sort both ways; the first, middle and last pages and a spread between)
hold exactly the slice of the whole search. The same after sync batches
(oxt-corecli dir-sync, the daemon's calls) that rename, add and remove
domains and change their mailbox counts, row by row (a few) and in bulk
(more than 32: the groups rebuilt), and after the next `directory`. A
point made to lie moves the page: the pages are read from the points.
"""
import json
import os
import subprocess

import pytest

from harness import env
from harness.lists import ListsSite
from harness.mariadb import sql_quote
from harness.site import Site

SORTS = {
    "domains": (("name", "name", "k_str"), ("mail", "mail_off", "k_int"),
                ("modified", "sync_key", "k_int"),
                ("mailboxes", "mbox_total", "k_int")),
}

SEARCHES = ("d", "dom1", "dom2", "DOM", "dnew")


@pytest.fixture(scope="module")
def pts(run_dir, mariadb, apache_factory):
    site = Site(os.path.join(run_dir, "site-points"), mariadb, flavour=9,
                psa_db="psa_points", oxtender_db="oxt_points")
    site.build(resellers=1, clients=12, domains=2600, mailboxes=3000)
    site.migrate()
    # One reseller owns every client, so its Domains have a page index.
    rid = int(site.psa_scalar("SELECT MIN(id) FROM clients"
                              " WHERE type = 'reseller'"))
    site.psa_sql("UPDATE clients SET parent_id = %d WHERE type = 'client';"
                 % rid)
    site.oxt("UPDATE dir_prefix_min SET n = 100 WHERE id = 1")
    ls = ListsSite(site, None)
    ls.refresh()
    ls.httpd = apache_factory("apache-points", site.config)
    ls.reseller = rid
    return ls


def oxt_scalar(site, sql):
    return site.oxt(sql)[0][0]


def assert_points_exact(ls):
    """Every (stored prefix, sort, point of its scope) has its row, and
    each row's count is the prefix's matches before the point."""
    site = ls.site
    total = 0
    for key, col, kcol in SORTS["domains"]:
        rows = site.oxt(
            "SELECT CAST(pp.prefix AS CHAR), pp.scope, pp.id, pp.n,"
            " (SELECT COUNT(*) FROM dir_domain x WHERE (pp.scope = 'all' OR"
            " x.reseller_id = pp.scope_id) AND (x.{col} < pg.{k} OR"
            " (x.{col} = pg.{k} AND x.id < pg.id)) AND EXISTS (SELECT 1"
            " FROM dir_term t WHERE t.list = 'domain' AND t.id = x.id AND"
            " t.term LIKE pr.pat ESCAPE '!')) FROM dir_prefix_page pp"
            " JOIN dir_page pg ON pg.list = pp.list AND pg.scope = pp.scope"
            " AND pg.scope_id = pp.scope_id AND pg.sort_key = pp.sort_key"
            " AND pg.id = pp.id JOIN dir_prefix pr ON pr.list = pp.list AND"
            " pr.scope = pp.scope AND pr.scope_id = pp.scope_id AND"
            " pr.prefix = pp.prefix WHERE pp.list = 'domain' AND"
            " pp.sort_key = '{key}'".format(col=col, k=kcol, key=key))
        wrong = [r for r in rows if int(r[3]) != int(r[4])]
        assert not wrong, (key, wrong[:5])
        want = int(oxt_scalar(site, 
            "SELECT COUNT(*) FROM dir_prefix pr JOIN dir_page pg ON"
            " pg.list = pr.list AND pg.scope = pr.scope AND pg.scope_id ="
            " pr.scope_id AND pg.sort_key = '%s' WHERE pr.list = 'domain'"
            % key))
        assert len(rows) == want, (key, len(rows), want)
        orphans = int(oxt_scalar(site, 
            "SELECT COUNT(*) FROM dir_prefix_page pp WHERE pp.sort_key ="
            " '%s' AND NOT EXISTS (SELECT 1 FROM dir_page pg WHERE"
            " pg.list = pp.list AND pg.scope = pp.scope AND pg.scope_id ="
            " pp.scope_id AND pg.sort_key = pp.sort_key AND pg.id = pp.id)"
            % key))
        assert orphans == 0, key
        total += len(rows)
    return total


def scopes(ls):
    return ({}, {"reseller": ls.reseller})


def pages_of(n, per):
    last = max(1, (n + per - 1) // per)
    return sorted(p for p in {1, 2, last // 3, last // 2, last // 2 + 1,
                              (2 * last) // 3, last - 1, last}
                  if 1 <= p <= last)


def assert_pages(ls, q, scope, per=25):
    for key, _, _ in SORTS["domains"]:
        for d in ("asc", "desc"):
            whole = ls.json("domains", ls.admin, per_page="all", sort=key,
                            dir=d, q=q, **scope)
            ids = [i["id"] for i in whole["items"]]
            assert whole["total"] == len(ids), (q, key, d)
            for page in pages_of(len(ids), per):
                got = ls.json("domains", ls.admin, sort=key, dir=d,
                              page=page, per_page=per, q=q, **scope)
                assert got["total"] == len(ids), (q, key, d, page)
                assert [i["id"] for i in got["items"]] == \
                    ids[(page - 1) * per:page * per], (q, key, d, page,
                                                       scope)


def assert_all_pages(ls):
    for q in SEARCHES:
        for scope in scopes(ls):
            assert_pages(ls, q, scope)


def dir_sync(ls, *args):
    argv = [env.CORECLI, "-c", ls.site.config, "dir-sync"] + \
        [str(a) for a in args]
    res = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads(res.stdout)


def psa_ids(ls, sql):
    return [int(r[0]) for r in ls.site.psa(sql)]


def test_points_of_every_stored_prefix_are_exact(pts):
    keys = {(r[0], r[1]) for r in pts.site.oxt(
        "SELECT DISTINCT CAST(prefix AS CHAR), scope FROM dir_prefix_page"
        " WHERE list = 'domain'")}
    assert ("d", "all") in keys and ("dom1", "all") in keys, keys
    assert ("d", "reseller") in keys, keys
    assert assert_points_exact(pts) > 0
    assert_all_pages(pts)


def test_a_page_is_read_from_its_points(pts):
    """A point whose count lies by 3 moves the middle page by 3 rows:
    the page came from the point; the next choice makes it true again."""
    site = pts.site
    whole = [i["id"] for i in pts.json("domains", pts.admin, per_page="all",
                                        sort="name", q="d")["items"]]
    n, pos = site.oxt("SELECT pp.n, pg.pos FROM dir_prefix_page pp JOIN"
                      " dir_page pg ON pg.list = pp.list AND pg.scope ="
                      " pp.scope AND pg.scope_id = pp.scope_id AND"
                      " pg.sort_key = pp.sort_key AND pg.id = pp.id WHERE"
                      " pp.list = 'domain' AND pp.scope = 'all' AND"
                      " pp.sort_key = 'name' AND pp.prefix = 'd' AND"
                      " pp.n > 0 ORDER BY pp.n LIMIT 1")[0]
    page = int(n) // 25 + 2            # a page after that point
    want = whole[(page - 1) * 25:page * 25]
    got = [i["id"] for i in pts.json("domains", pts.admin, sort="name",
                                     q="d", page=page)["items"]]
    assert got == want
    site.oxt("UPDATE dir_prefix_page SET n = n - 3 WHERE list = 'domain'"
             " AND scope = 'all' AND sort_key = 'name' AND prefix = 'd'"
             " AND n = %s" % n)
    lied = [i["id"] for i in pts.json("domains", pts.admin, sort="name",
                                      q="d", page=page)["items"]]
    assert lied == whole[(page - 1) * 25 + 3:page * 25 + 3]
    res = subprocess.run([env.CORECLI, "-c", site.config, "dir-prefixes"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert json.loads(res.stdout)["points"] > 0
    assert assert_points_exact(pts) > 0
    got = [i["id"] for i in pts.json("domains", pts.admin, sort="name",
                                     q="d", page=page)["items"]]
    assert got == want


def add_domains(ls, names, login):
    ls.site.psa_sql("".join(
        "INSERT INTO domains (name, displayName, cl_id, status) VALUES"
        " (%s, %s, (SELECT id FROM clients WHERE login = %s), 0);\n"
        "INSERT INTO DomainServices (dom_id, type, status) VALUES"
        " (LAST_INSERT_ID(), 'mail', 0);\n"
        % (sql_quote(n), sql_quote(n), sql_quote(login)) for n in names))
    return psa_ids(ls, "SELECT id FROM domains WHERE name IN (%s)"
                   % ", ".join(sql_quote(n) for n in names))


def rename(ls, ids, prefix):
    ls.site.psa_sql("UPDATE domains SET name = CONCAT('%s', id, '.example'),"
                    " displayName = CONCAT('%s', id, '.example') WHERE id IN"
                    " (%s);" % (prefix, prefix, ", ".join(map(str, ids))))


def test_points_stay_exact_through_syncs_row_by_row_and_in_bulk(pts):
    site = pts.site
    client = site.psa("SELECT c.login FROM clients c JOIN domains d"
                      " ON d.cl_id = c.id WHERE c.type = 'client'"
                      " GROUP BY c.id ORDER BY COUNT(*) DESC LIMIT 1")[0][0]
    # A few rows: kept exact row by row.
    added = add_domains(pts, ["dnew%d.example" % i for i in range(4)],
                        client)
    renamed = psa_ids(pts, "SELECT id FROM domains WHERE name LIKE 'dom1%'"
                      " ORDER BY id LIMIT 3")
    rename(pts, renamed, "zz")
    emptied = psa_ids(pts, "SELECT dom_id FROM mail GROUP BY dom_id"
                      " ORDER BY dom_id DESC LIMIT 3")
    site.psa_sql("DELETE FROM mail WHERE dom_id IN (%s);"
                 % ", ".join(map(str, emptied)))
    removed = psa_ids(pts, "SELECT id FROM domains WHERE name LIKE 'dom2%'"
                      " AND id NOT IN (SELECT dom_id FROM mail)"
                      " ORDER BY id LIMIT 2")
    site.psa_sql("DELETE FROM DomainServices WHERE dom_id IN (%s);"
                 " DELETE FROM domains WHERE id IN (%s);"
                 % ((", ".join(map(str, removed)),) * 2))
    got = dir_sync(pts, *(added + renamed + emptied + removed))
    assert got["added"] == 4 and got["removed"] == len(removed)
    assert assert_points_exact(pts) > 0
    assert_all_pages(pts)
    # A renamed domain back into 'dom' in place: only its terms moved.
    rename(pts, renamed[:1], "dom9q")
    dir_sync(pts, *renamed[:1])
    assert assert_points_exact(pts) > 0
    # Many rows in one call: the touched groups are rebuilt whole.
    many = psa_ids(pts, "SELECT id FROM domains WHERE name LIKE 'dom2%'"
                   " ORDER BY id LIMIT 40")
    rename(pts, many, "dx")
    assert dir_sync(pts, *many)["changed"] >= 40
    assert assert_points_exact(pts) > 0
    assert_all_pages(pts)
    pts.refresh()
    assert assert_points_exact(pts) > 0
    assert_all_pages(pts)
