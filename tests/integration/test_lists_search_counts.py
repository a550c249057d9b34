"""The stored counts of wide searches (lib/oxt_dirpre.h, migration 0113)
on a Plesk 9 site of their own: with the threshold lowered to 3 rows,
`oxtender-replicator directory` stores the prefixes that find more, each
stored count equals the live count of its pattern, and every searched page
(every sort, both ways, every page of 10, all / a reseller's / a client's)
holds exactly the slice of the whole search (per_page=all), which holds
exactly the rows whose names a word of starts with the search. The same
after sync batches (the daemon's oxt_dir_sync_domains / _accounts, through
oxt-corecli dir-sync) that add, rename and remove domains and rename a
client, and again after the next `directory`.
"""
import json
import subprocess

import pytest

from harness import env
from harness.lists import ListsSite
from harness.mariadb import sql_quote

SORTS = {
    "resellers": ("name", "modified", "clients", "domains", "mailboxes"),
    "clients": ("name", "modified", "domains", "mailboxes"),
    "domains": ("name", "mail", "modified", "mailboxes"),
}

# (route, q, scope): scope None (all), "reseller" or "client" (the
# filter of the reseller / client with the most domains).
SEARCHES = [
    ("domains", "d", None), ("domains", "dom", None), ("domains", "D", None),
    ("domains", "dnew", None), ("domains", "zz", None),
    ("domains", "d", "reseller"), ("domains", "d", "client"),
    ("clients", "c", None), ("clients", "client", None),
    ("clients", "c", "reseller"), ("resellers", "r", None),
]


@pytest.fixture(scope="module")
def ps(run_dir, mariadb, apache_factory):
    ls = ListsSite.make(run_dir, mariadb, apache_factory, 9, tag="ps")
    ls.site.oxt("UPDATE dir_prefix_min SET n = 3 WHERE id = 1")
    ls.refresh()
    return ls


def words_start(name, q):
    parts = [name] + [name[i + 1:] for i, c in enumerate(name)
                      if c in " .-_@/\t"]
    return any(p.lower().startswith(q.lower()) for p in parts)


def stored(ls):
    """(list, scope, scope_id, prefix, n, live count) of every stored
    prefix."""
    return ls.site.oxt(
        "SELECT p.list, p.scope, p.scope_id, CAST(p.prefix AS CHAR), p.n,"
        " (SELECT COUNT(DISTINCT t.id) FROM dir_term t WHERE t.list = p.list"
        " AND (p.scope = 'all' OR (p.scope = 'reseller' AND t.reseller_id ="
        " p.scope_id) OR (p.scope = 'client' AND t.client_id = p.scope_id))"
        " AND t.term LIKE p.pat ESCAPE '!') FROM dir_prefix p")


def assert_stored_exact(ls):
    rows = stored(ls)
    assert rows, "no prefix stored"
    wrong = [r for r in rows if int(r[4]) != int(r[5])]
    assert not wrong, wrong
    return {(r[0], r[1], int(r[2]), r[3]) for r in rows}


def scope_query(ls, scope):
    if scope == "reseller":
        rid = max(ls.subtree("admin", 0, "resellers"),
                  key=lambda r: len(ls.subtree("reseller", r, "domains")))
        return {"reseller": rid}
    if scope == "client":
        cid = max(ls.subtree("admin", 0, "clients"),
                  key=lambda c: len(ls.subtree("client", c, "domains")))
        return {"client": cid}
    return {}


def assert_pages(ls, route, q, scope):
    query = dict(scope_query(ls, scope), q=q)
    everything = ls.json(route, ls.admin, per_page="all",
                         **scope_query(ls, scope))["items"]
    want = sorted(i["id"] for i in everything if words_start(i["name"], q))
    for key in SORTS[route]:
        for d in ("asc", "desc"):
            whole = ls.json(route, ls.admin, per_page="all", sort=key,
                            dir=d, **query)
            ids = [i["id"] for i in whole["items"]]
            assert whole["total"] == len(ids) == len(want), (q, key, d)
            assert sorted(ids) == want, (q, key, d)
            for page in range(1, (len(ids) + 9) // 10 + 1):
                data = ls.json(route, ls.admin, sort=key, dir=d, page=page,
                               per_page=10, **query)
                assert data["total"] == len(ids), (q, key, d, page)
                assert [i["id"] for i in data["items"]] == \
                    ids[(page - 1) * 10:page * 10], (q, key, d, page)


def assert_all_searches(ls):
    for route, q, scope in SEARCHES:
        assert_pages(ls, route, q, scope)


def dir_sync(ls, *args):
    argv = [env.CORECLI, "-c", ls.site.config, "dir-sync"] + \
        [str(a) for a in args]
    res = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads(res.stdout)


def psa_ids(ls, sql):
    return [int(r[0]) for r in ls.site.psa(sql)]


def add_domains(ls, names, login):
    ls.site.psa_sql("".join(
        "INSERT INTO domains (name, displayName, cl_id, status) VALUES"
        " (%s, %s, (SELECT id FROM clients WHERE login = %s), 0);\n"
        "INSERT INTO DomainServices (dom_id, type, status) VALUES"
        " (LAST_INSERT_ID(), 'mail', 0);\n"
        % (sql_quote(n), sql_quote(n), sql_quote(login)) for n in names))
    return psa_ids(ls, "SELECT id FROM domains WHERE name IN (%s)"
                   % ", ".join(sql_quote(n) for n in names))


def test_wide_prefixes_are_stored_with_their_exact_counts(ps):
    keys = assert_stored_exact(ps)
    assert ("domain", "all", 0, "d") in keys
    assert ("client", "all", 0, "c") in keys
    assert any(k[1] == "reseller" for k in keys)
    assert_all_searches(ps)


def test_counts_and_pages_stay_exact_through_syncs_and_a_refresh(ps):
    site = ps.site
    client = site.psa("SELECT c.login FROM clients c JOIN domains d"
                      " ON d.cl_id = c.id WHERE c.type = 'client'"
                      " GROUP BY c.id ORDER BY COUNT(*) DESC LIMIT 1")[0][0]
    before = assert_stored_exact(ps)
    added = add_domains(ps, ["dnew%d.example" % i for i in range(5)], client)
    renamed = psa_ids(ps, "SELECT id FROM domains WHERE name LIKE 'dom%'"
                      " ORDER BY id LIMIT 3")
    site.psa_sql("UPDATE domains SET name = CONCAT('zz', id, '.example'),"
                 " displayName = CONCAT('zz', id, '.example') WHERE id IN"
                 " (%s);" % ", ".join(map(str, renamed)))
    removed = psa_ids(ps, "SELECT id FROM domains WHERE name LIKE 'dom%'"
                      " ORDER BY id DESC LIMIT 2")
    site.psa_sql("DELETE FROM mail WHERE dom_id IN (%s);"
                 " DELETE FROM DomainServices WHERE dom_id IN (%s);"
                 " DELETE FROM domains WHERE id IN (%s);"
                 % ((", ".join(map(str, removed)),) * 3))
    got = dir_sync(ps, *(added + renamed + removed))
    # (changed: the renamed domains and the owners whose counts moved)
    assert (got["added"], got["removed"]) == (5, 2) and got["changed"] >= 3
    cid = psa_ids(ps, "SELECT id FROM clients WHERE type = 'client'"
                  " ORDER BY id LIMIT 1")[0]
    site.psa_sql("UPDATE clients SET pname = 'Zz Renamed Client' WHERE id ="
                 " %d;" % cid)
    assert dir_sync(ps, "--accounts", cid)["changed"] >= 1
    # The batches moved the stored counts; nothing chose them again.
    assert assert_stored_exact(ps) == before
    assert_all_searches(ps)
    ps.refresh()
    after = assert_stored_exact(ps)
    assert ("domain", "all", 0, "dnew") in after
    assert_all_searches(ps)
