"""The Mailboxes page's directory (dir_mailbox, dir_mailbox_term,
dir_mailbox_count; lib/oxt_mbdir.h) stays true: after a pass, at once
after a Change Service (before any replicator ran), after a psa change
announced by a Plesk event and worked by the daemon, after a mailbox and
a whole domain are deleted. "True" is: one row per psa mailbox, each
with exactly the values the page shows for it now (read live from psa
and our state), every stored count equal to the rows, the search terms
of every row.

The file has a Mailboxes site of its own (mbox_site below): it deletes a
domain, renames mailboxes and replicates, and the shared site's other
files (test_mailboxes.py, test_mailboxes_browser.py) may run after it in
the same worker (--dist loadfile gives whole files in any order): the
browser tests then missed the hostile mailbox's row."""
import os
import subprocess
from types import SimpleNamespace

import pytest

from harness import env
from harness.mailboxes import MailboxSite
from test_mailboxes import REPLICABLE, daemon_running
from test_replicator_daemon import Daemon, wait_for

SERVICES = ("webmail", "groupware_standard", "groupware_premium")



@pytest.fixture(scope="module")
def mbox_site(run_dir, mariadb, apache_factory):
    """This file's own Mailboxes site (not conftest's shared one): what
    it deletes and renames no other file sees."""
    mb = MailboxSite.make(run_dir, mariadb, apache_factory, name="mbdir")
    yield mb
    mb.close()
    mb.httpd.stop()

def dir_rows(mb):
    return {int(r[0]): r[1:] for r in mb.site.oxt(
        "SELECT id, name, mail_on, service, pending, language, timezone,"
        " sync_key > 0, tick, reason, in_ox, dom_id FROM dir_mailbox")}


def shown(item, dom_id):
    """What the directory must hold for a row as the page shows it."""
    return (item["name"], str(int(item["mail"] == "Active")),
            str(SERVICES.index(item["service_code"])),
            str(SERVICES.index(item["pending"])) if item["pending"]
            else None, item["language"] or "", item["timezone_code"] or "",
            str(int(item["modified"] is not None)),
            str(int(item["ox_service"])), item["reason_code"] or "",
            str(int(item["in_ox"])), str(dom_id))


def assert_true(mb):
    items = {i["id"]: i for i in mb.items(mb.admin)}
    psa = {int(r[0]): int(r[1]) for r in mb.site.psa(
        "SELECT id, dom_id FROM mail")}
    rows = dir_rows(mb)
    assert set(rows) == set(psa) == set(items)
    for mid, row in rows.items():
        assert tuple(row) == shown(items[mid], psa[mid]), (mid, row,
                                                           items[mid])
    counts = {(r[0], int(r[1])): (int(r[2]), int(r[3])) for r in mb.site.oxt(
        "SELECT scope, scope_id, n, n_ox FROM dir_mailbox_count"
        " WHERE n <> 0 OR n_ox <> 0")}
    expect = {}
    for r in mb.site.oxt("SELECT dom_id, client_id, reseller_id, in_ox"
                         " FROM dir_mailbox"):
        keys = [("all", 0), ("domain", int(r[0]))]
        keys += [("client", int(r[1]))] if int(r[1]) else []
        keys += [("reseller", int(r[2]))] if int(r[2]) else []
        for k in keys:
            n, n_ox = expect.get(k, (0, 0))
            expect[k] = (n + 1, n_ox + int(r[3]))
    assert counts == expect
    # every row is found by its address, its domain, nothing else's
    terms = {(int(r[0]), int(r[1])): r[2] for r in mb.site.oxt(
        "SELECT id, kind, term FROM dir_mailbox_term")}
    for mid, row in rows.items():
        assert terms[(mid, 0)] == row[0]
        assert terms[(mid, 1)] == row[0].split("@", 1)[1]
    assert {k[0] for k in terms} == set(rows)
    return items


COLS = {"name": "name", "service": "service", "ox_service": "tick",
        "modified": "sync_key"}


def put_points(mb):
    """Points of the page index (a real one has them every 1000th row;
    this site is smaller), at the 40th row of each of these sorts for the
    server and for the first reseller, whatever their spacing."""
    rid = int(mb.site.oxt("SELECT MIN(reseller_id) FROM dir_mailbox WHERE"
                          " reseller_id > 0")[0][0])
    mb.site.oxt("DELETE FROM dir_mailbox_page")
    for key, col in COLS.items():
        for scope, sid, where in (("all", 0, ""), ("reseller", rid,
                                  "WHERE reseller_id = %d" % rid)):
            k, mid = mb.site.oxt("SELECT %s, id FROM dir_mailbox %s ORDER"
                                 " BY %s, id LIMIT 40, 1" % (col, where,
                                                             col))[0]
            kind = "k_str" if key == "name" else "k_int"
            mb.site.oxt("INSERT INTO dir_mailbox_page (scope, scope_id,"
                        " sort_key, pos, %s, id) VALUES ('%s', %d, '%s', 40,"
                        " '%s', %s)" % (kind, scope, sid, key,
                                        k.replace("'", "''"), mid))


def assert_points_true(mb):
    points = mb.site.oxt("SELECT scope, scope_id, sort_key, pos, k_int,"
                         " k_str, id FROM dir_mailbox_page")
    assert points
    for scope, sid, key, pos, k_int, k_str, pid in points:
        col = COLS[key]
        k = "'%s'" % k_str.replace("'", "''") if key == "name" else k_int
        where = "reseller_id = %s AND " % sid if scope == "reseller" else ""
        before = mb.site.oxt("SELECT COUNT(*) FROM dir_mailbox WHERE %s(%s"
                             " < %s OR (%s = %s AND id < %s))"
                             % (where, col, k, col, k, pid))[0][0]
        assert int(pos) == int(before), (scope, sid, key, pos, before)


def event(mb, name, **vars_):
    e = dict(os.environ, **vars_)
    res = subprocess.run([env.REPLICATOR, "-c", mb.site.config, "event",
                          name], capture_output=True, text=True, env=e,
                         timeout=60)
    assert (res.returncode, res.stdout, res.stderr) == (0, "", ""), res


def test_after_a_pass_the_directory_is_what_the_page_shows(mbox_site):
    mb = mbox_site
    mb.run()
    assert_true(mb)
    # the page's total is the stored count, the same as its rows
    assert mb.json("mailboxes", mb.admin)["total"] == len(dir_rows(mb))


def test_change_service_is_in_the_order_at_once(mbox_site):
    mb = mbox_site
    who = mb.login("domain", nth=2, where=REPLICABLE)
    ids = sorted(mb.mailbox_ids("domain", who[2]))[:2]
    before = dir_rows(mb)
    put_points(mb)
    r = mb.post_form(who, {"row": ids, "change": ids, "ox_service": ids,
                           "step": "record",
                           "service": "groupware_standard"})
    assert r.status == 303, r.text[:300]
    rows = dir_rows(mb)                 # no replicator has run
    for i in ids:
        assert rows[i][3] == "1" and rows[i][7] == "1", rows[i]
    assert rows != before
    # the rows that moved in the order moved the points after them
    assert_points_true(mb)
    assert {int(r[0]) for r in mb.site.oxt(
        "SELECT pos FROM dir_mailbox_page")} != {40}, "nothing moved"
    items = assert_true(mb)
    for i in ids:
        assert "(Update in progress: Groupware Standard)" in \
            items[i]["service"] or items[i]["service"] == \
            "Groupware Standard", items[i]
    # sorted by the OX Service tick, the ticked ones come last ascending
    order = [i["id"] for i in mb.items(mb.admin, sort="ox_service")]
    ticks = [rows[i][7] for i in order]
    assert ticks == sorted(ticks)



def test_points_with_no_row_between_them_share_a_position(mbox_site):
    """Two points of the page index on neighbouring rows: when the first
    row moves elsewhere in the order, nothing is left between the two and
    both stand at the same position (the count of rows before each). A
    burst that moves every row of a sort does that to many points at
    once; the index must take it (it refused it with "Duplicate entry",
    and the directory's sync failed), and stay exact."""
    mb = mbox_site
    who = mb.login("domain", nth=3, where=REPLICABLE)
    mid = sorted(mb.mailbox_ids("domain", who[2]))[0]
    tick = int(mb.site.oxt("SELECT tick FROM dir_mailbox WHERE id = %d"
                           % mid)[0][0])
    pos = int(mb.site.oxt("SELECT COUNT(*) FROM dir_mailbox WHERE tick < %d"
                          " OR (tick = %d AND id < %d)" % (tick, tick,
                                                           mid))[0][0])
    nxt = mb.site.oxt("SELECT tick, id FROM dir_mailbox ORDER BY tick, id"
                      " LIMIT %d, 1" % (pos + 1))[0]
    mb.site.oxt("DELETE FROM dir_mailbox_page")
    mb.site.oxt("INSERT INTO dir_mailbox_page (scope, scope_id, sort_key,"
                " pos, k_int, id) VALUES ('all', 0, 'ox_service', %d, %d,"
                " %d), ('all', 0, 'ox_service', %d, %s, %s)"
                % (pos, tick, mid, pos + 1, nxt[0], nxt[1]))
    r = mb.post_form(who, {"row": [mid], "change": [mid],
                           "ox_service": [] if tick else [mid],
                           "step": "record",
                           "service": "groupware_standard"})
    assert r.status == 303, r.text[:300]
    assert dir_rows(mb)[mid][7] == str(1 - tick)   # no replicator has run
    points = sorted(int(r[0]) for r in mb.site.oxt(
        "SELECT pos FROM dir_mailbox_page"))
    assert points == [pos + tick] * 2, (points, pos, tick)
    assert_points_true(mb)


def lists_names(mb):
    return {int(r[0]): r[1] for r in mb.site.oxt(
        "SELECT id, name FROM dir_domain")}


def test_a_steady_pass_writes_nothing_and_sees_unannounced_changes(
        mbox_site):
    """The end of a pass compares only the domain buckets whose sources
    moved (lib/oxt_dirsum.h): with nothing changed nothing is written;
    psa changes no event announces (a display name, a rename that only
    changes case, a mailbox gone) are in both directories after it."""
    mb = mbox_site
    mb.run()
    sums = mb.site.oxt("SELECT bucket, x, s, n FROM dir_source_sum"
                       " ORDER BY bucket")
    assert sums and sums[0][0] == "-1"
    before = (dir_rows(mb), mb.site.oxt("SELECT * FROM dir_mailbox_page"
                                        " ORDER BY 1, 2, 3, 4"),
              mb.site.oxt("SELECT * FROM dir_mailbox_count ORDER BY 1, 2"))
    # a stored row set wrong behind the sums' back stays wrong in a
    # steady pass (nothing is read row by row) ...
    victim = min(before[0])
    mb.site.oxt("UPDATE dir_mailbox SET reason = 'stale' WHERE id = %d"
                % victim)
    mb.run()
    assert dir_rows(mb)[victim][8] == "stale"
    assert mb.site.oxt("SELECT bucket, x, s, n FROM dir_source_sum"
                       " ORDER BY bucket") == sums
    # ... and `directory` compares every row and puts it right
    mb.repl("directory")
    assert (dir_rows(mb), mb.site.oxt("SELECT * FROM dir_mailbox_page"
                                      " ORDER BY 1, 2, 3, 4"),
            mb.site.oxt("SELECT * FROM dir_mailbox_count ORDER BY 1, 2")) \
        == before
    dom_id, name = mb.site.psa("SELECT d.id, d.name FROM domains d WHERE"
                               " EXISTS (SELECT 1 FROM mail m WHERE"
                               " m.dom_id = d.id) ORDER BY d.id DESC"
                               " LIMIT 1")[0]
    mid, local = mb.site.psa("SELECT id, mail_name FROM mail WHERE dom_id"
                             " <> %s ORDER BY id LIMIT 1" % dom_id)[0]
    gone = int(mb.site.psa_scalar("SELECT MAX(id) FROM mail WHERE dom_id"
                                  " NOT IN (%s, (SELECT dom_id FROM mail"
                                  " WHERE id = %s))" % (dom_id, mid)))
    mb.site.psa_sql(
        "UPDATE domains SET displayName = 'Shiny Unannounced' WHERE id = %s;\n"
        "UPDATE mail SET mail_name = '%s' WHERE id = %s;\n"
        "DELETE FROM mail WHERE id = %d;\n"
        % (dom_id, local.upper(), mid, gone))
    try:
        mb.run()
        rows = dir_rows(mb)
        assert rows[int(mid)][0].split("@")[0] == local.upper()
        assert gone not in rows
        assert lists_names(mb)[int(dom_id)] == "Shiny Unannounced"
        assert {r[0] for r in mb.site.oxt(
            "SELECT DISTINCT term FROM dir_mailbox_term WHERE kind = 3"
            " AND dom_id = %s" % dom_id)} == {"Shiny Unannounced"}
        assert_true(mb)
        assert mb.site.oxt("SELECT bucket, x, s, n FROM dir_source_sum"
                           " ORDER BY bucket") != sums
    finally:
        mb.site.psa_sql("UPDATE domains SET displayName = '%s' WHERE id ="
                        " %s;\nUPDATE mail SET mail_name = '%s' WHERE id ="
                        " %s;\n" % (name, dom_id, local, mid))
        mb.run()
    assert lists_names(mb)[int(dom_id)] == name
    assert_true(mb)


def test_a_steady_pass_puts_drifted_counts_and_points_right(mbox_site):
    """With no source moved, the end of a pass still checks the stored
    counts against the rows and the page index's points against their
    even spacing (one statement: lib/oxt_mbdir.c, counts_drifted), and
    recounts or rebuilds what drifted."""
    mb = mbox_site
    # too small a site for points: none is the even spacing (earlier
    # tests put some of other sorts in)
    mb.site.oxt("DELETE FROM dir_mailbox_page")
    mb.run()
    counts = "SELECT * FROM dir_mailbox_count ORDER BY 1, 2"
    points = "SELECT * FROM dir_mailbox_page ORDER BY 1, 2, 3, 4"
    before = (mb.site.oxt(counts), mb.site.oxt(points))
    assert before[0] and not before[1]
    mb.site.oxt("UPDATE dir_mailbox_count SET n_ox = n_ox + 3 WHERE"
                " scope = 'all'")
    mb.run()
    assert (mb.site.oxt(counts), mb.site.oxt(points)) == before
    put_points(mb)                       # points this site has no rows for
    mb.run()
    assert (mb.site.oxt(counts), mb.site.oxt(points)) == before
    assert_true(mb)


def test_a_fill_cut_short_gets_its_indexes_back(mbox_site):
    """A first fill parks the secondary indexes (dir_index_parked,
    migration 0094) and builds them at its end; one killed half-way
    leaves them parked, and the next refresh builds them first. And a
    fill from empty gives the same directory as the passes kept."""
    mb = mbox_site
    mb.run()
    before = dir_rows(mb)
    show = "SHOW INDEX FROM dir_mailbox WHERE Key_name = 'a_name'"
    cols = [r[4] for r in mb.site.oxt(show)]
    assert cols == ["name", "id"]
    mb.site.oxt("ALTER TABLE dir_mailbox DROP INDEX a_name")
    mb.site.oxt("INSERT INTO dir_index_parked (tbl, name, is_unique, cols)"
                " VALUES ('dir_mailbox', 'a_name', 0, '`name`, `id`')")
    mb.site.oxt("DELETE FROM dir_mailbox; DELETE FROM dir_mailbox_term;"
                " DELETE FROM dir_mailbox_count;"
                " DELETE FROM dir_mailbox_page")
    mb.run()
    assert [r[4] for r in mb.site.oxt(show)] == cols
    assert mb.site.oxt("SELECT COUNT(*) FROM dir_index_parked") == [("0",)]
    assert dir_rows(mb) == before
    assert_true(mb)


WIDE = ("u", "user", "user1", "d", "dom", "wide")
SORTS = ("name", "mail", "service", "language", "timezone", "modified",
         "ox_service", "reason")


def like_count(mb, prefix):
    return int(mb.site.oxt(
        "SELECT COUNT(DISTINCT id) FROM dir_mailbox_term WHERE term LIKE"
        " '%s%%'" % prefix)[0][0])


def put_wide(mb):
    """Stored counts of wide searches (a real server has them for every
    prefix that finds more than 1000 mailboxes; this site is smaller),
    exact as the directory is now."""
    mb.site.oxt("DELETE FROM dir_mailbox_wide")
    for w in WIDE:
        mb.site.oxt("INSERT INTO dir_mailbox_wide (n, prefix, pattern, cnt)"
                    " VALUES (%d, '%s', '%s%%', %d)"
                    % (len(w), w, w, like_count(mb, w)))


def assert_wide_true(mb):
    """Every stored count is the search's matches, the page's total is
    it, and every page of the search, by every sort both ways, is its
    slice of the whole search (All, joined and sorted)."""
    stored = {r[0]: int(r[1]) for r in mb.site.oxt(
        "SELECT prefix, cnt FROM dir_mailbox_wide")}
    assert set(stored) == set(WIDE)
    for w in WIDE:
        want = {int(r[0]) for r in mb.site.oxt(
            "SELECT DISTINCT id FROM dir_mailbox_term WHERE term LIKE"
            " '%s%%'" % w)}
        assert stored[w] == len(want), (w, stored[w], len(want))
        for key in SORTS:
            for d in ("asc", "desc"):
                whole = [i["id"] for i in mb.items(mb.admin, q=w, sort=key,
                                                   dir=d)]
                assert set(whole) == want, (w, key, d)
                last = (len(whole) + 9) // 10
                for page in sorted({1, (last + 1) // 2, last} - {0}):
                    data = mb.json("mailboxes", mb.admin, q=w, sort=key,
                                   dir=d, page=page, per_page=10)
                    assert data["total"] == len(whole), (w, key, d)
                    assert [i["id"] for i in data["items"]] == \
                        whole[(page - 1) * 10:page * 10], (w, key, d, page)


def test_wide_search_counts_stay_exact_through_syncs(mbox_site):
    """The stored counts of wide searches (dir_mailbox_wide) move with
    every sync batch: a mailbox added into a prefix, one renamed out of
    one prefix into another, one removed, a domain's display name
    changed (its kind-3 term), and Change Service (no term changes)."""
    mb = mbox_site
    mb.run()
    put_wide(mb)
    assert_wide_true(mb)
    dom_id, disp = mb.site.psa("SELECT d.id, d.displayName FROM domains d"
                               " WHERE EXISTS (SELECT 1 FROM mail m WHERE"
                               " m.dom_id = d.id) ORDER BY d.id LIMIT 1")[0]
    mid, local = mb.site.psa("SELECT id, mail_name FROM mail WHERE"
                             " mail_name LIKE 'user1%%' ORDER BY id"
                             " LIMIT 1")[0]
    gone = mb.site.psa("SELECT id, account_id FROM mail WHERE mail_name"
                       " LIKE 'user%%' AND id <> %s ORDER BY id DESC"
                       " LIMIT 1" % mid)[0]
    mb.site.psa_sql("CREATE TABLE IF NOT EXISTS mail_kept LIKE mail;\n"
                    "DELETE FROM mail_kept;\n"
                    "INSERT INTO mail_kept SELECT * FROM mail WHERE id = %s;"
                    "\n" % gone[0])
    before = {w: like_count(mb, w) for w in WIDE}
    mb.site.psa_sql(
        "INSERT INTO mail (mail_name, postbox, account_id, dom_id) VALUES"
        " ('user1wide', 'true', %(acc)s, %(dom)s);\n"
        "UPDATE mail SET mail_name = 'wideout%(mid)s' WHERE id = %(mid)s;\n"
        "DELETE FROM mail WHERE id = %(gone)s;\n"
        "UPDATE domains SET displayName = 'Wide Open' WHERE id = %(dom)s;\n"
        % {"acc": gone[1], "dom": dom_id, "mid": mid, "gone": gone[0]})
    try:
        mb.repl("directory")
        after = {w: like_count(mb, w) for w in WIDE}
        assert after != before and after["wide"] > before["wide"]
        assert_true(mb)
        assert_wide_true(mb)
        # Change Service moves no term: the counts stay
        who = mb.login("domain", nth=2, where=REPLICABLE)
        ids = sorted(mb.mailbox_ids("domain", who[2]))[:2]
        r = mb.post_form(who, {"row": ids, "change": ids, "ox_service": ids,
                               "step": "record", "service": "webmail"})
        assert r.status == 303, r.text[:300]
        assert_wide_true(mb)
    finally:
        mb.site.psa_sql(
            "DELETE FROM mail WHERE mail_name = 'user1wide';\n"
            "UPDATE mail SET mail_name = '%s' WHERE id = %s;\n"
            "INSERT INTO mail SELECT * FROM mail_kept;\n"
            "DROP TABLE mail_kept;\n"
            "UPDATE domains SET displayName = '%s' WHERE id = %s;\n"
            % (local, mid, disp.replace("'", "''"), dom_id))
        mb.repl("directory")
    assert_wide_true(mb)
    mb.site.oxt("DELETE FROM dir_mailbox_wide")
    assert_true(mb)


def test_psa_changes_reach_it_through_the_daemon(mbox_site):
    mb = mbox_site
    dom_id, dom = mb.site.psa(
        "SELECT d.id, d.name FROM domains d JOIN clients c ON c.id ="
        " d.cl_id WHERE d.name LIKE 'dom%%' %s ORDER BY d.id LIMIT 1"
        % REPLICABLE)[0]
    d = Daemon(SimpleNamespace(root=mb.site.root, config=mb.site.config),
               name="mbdir-daemon")
    try:
        assert wait_for(lambda: daemon_running(mb), 60), d.stderr()
        # a new mailbox
        mb.site.psa_sql(
            "INSERT INTO accounts (type, password) VALUES ('plain', 'n-pw');\n"
            "INSERT INTO mail (mail_name, postbox, account_id, dom_id)"
            " VALUES ('john.fresh', 'true', LAST_INSERT_ID(), %s);\n" % dom_id)
        mid = int(mb.site.psa_scalar(
            "SELECT id FROM mail WHERE mail_name = 'john.fresh'"))
        event(mb, "mailname_create", NEW_MAILNAME="john.fresh@" + dom)
        assert wait_for(lambda: mid in dir_rows(mb), 30), d.stderr()
        assert_true(mb)
        # found by the start of its address and of its local part's word
        assert mid in {i["id"] for i in mb.items(mb.admin, q="john.fr")}
        assert mid in {i["id"] for i in mb.items(mb.admin, q="fresh")}
        assert mid not in {i["id"] for i in mb.items(mb.admin, q="resh")}
        # the mailbox deleted
        mb.site.psa_sql("DELETE FROM mail WHERE id = %d;" % mid)
        event(mb, "mailname_delete", OLD_MAILNAME="john.fresh@" + dom)
        assert wait_for(lambda: mid not in dir_rows(mb), 30), d.stderr()
        assert_true(mb)
        # a whole domain deleted (one in OX: Plesk's event names it, and
        # the replicator knows its id from our state; one nobody
        # replicated goes at the next full pass)
        in_ox = {int(r[0]) for r in mb.site.oxt(
            "SELECT dom_id FROM domain_state")}
        dom_id, dom = [(int(i), n) for i, n in mb.site.psa(
            "SELECT id, name FROM domains ORDER BY id") if int(i) in in_ox][0]
        gone = {int(r[0]) for r in mb.site.psa(
            "SELECT id FROM mail WHERE dom_id = %s" % dom_id)}
        assert gone
        mb.site.psa_sql(
            "DELETE FROM mail WHERE dom_id = %(d)s;\n"
            "DELETE FROM DomainServices WHERE dom_id = %(d)s;\n"
            "DELETE FROM dom_level_usrs WHERE dom_id = %(d)s;\n"
            "DELETE FROM domains WHERE id = %(d)s;\n" % {"d": dom_id})
        event(mb, "domain_delete", OLD_DOMAIN_NAME=dom)
        assert wait_for(lambda: not gone & set(dir_rows(mb)), 30), \
            d.stderr()
        assert_true(mb)
    finally:
        rc, _ = d.terminate()
        d.close()
    assert rc == 0, d.stderr()
