"""The Replication Logs page after a domain moves to another owner in
psa (issue 10): the rows follow the domain once the replicator has seen
the move (lib/oxt_dir.c queues it, the prune moves the rows: migration
0148), and before that the page asks psa, so no caller sees, opens or
removes a row of a domain no longer in its subtree; the counts, the page
index and the banner "Report on the last automatic replication" stay
exact, and the banner counts the caller's subtree only. tests/corecli
calls what the page calls.

Data: default PleskSetup (harness/plesk.py): reseller1 (clients.id 2)
owns client1 (4: dom1-dom6, dom9) and dom7; reseller2 (3) owns client2
(5: dom8, dom10).
"""
import pytest

from harness.plesk import make_plesk, plesk  # noqa: F401

from test_logs_core import COUNT_SQL, SCOPES, ids, logs, sql_ids  # noqa: F401

SERVICES = ("webmail", "groupware_standard", "groupware_premium")
NEWEST = "logged_at DESC, id DESC"


def counts_exact(px):
    """replication_log_count against the rows, every owner of each
    level."""
    for level, col in (("reseller", "reseller_id"), ("client", "client_id"),
                       ("domain", "COALESCE(dom_id, 0)")):
        want = dict(px.sql("oxt", "SELECT %s, COUNT(*) FROM replication_log"
                           " GROUP BY 1" % col))
        got = {k: v for k, v in px.sql(
            "oxt", "SELECT id, n FROM replication_log_count WHERE level ="
            " %s AND n > 0", (level,))}
        assert got == want, level
    assert px.scalar("oxt", "SELECT n FROM replication_log_count WHERE"
                     " level = 'all'") == px.scalar("oxt", COUNT_SQL + "1")


def totals_match(px):
    for login, where in SCOPES.items():
        out = logs(px, login, "--limit", 0)
        want = sql_ids(px, where, NEWEST)
        assert out["total"] == len(want), login
        assert ids(out) == want, login
    counts_exact(px)


def sees(px, login, row_id):
    """Whether login's list, debug view and Remove reach row_id (Remove
    is only tried where it must fail)."""
    out = logs(px, login, "--limit", 0)
    listed = row_id in ids(out)
    # a page at a time (its rows checked once read) as the whole list
    # (the moved domains found first)
    paged = []
    for off in range(0, out["total"], 10):
        paged += ids(logs(px, login, "--limit", 10, "--offset", off))
    assert paged == ids(out), login
    rc, out = px.core("logs-debug", login, row_id)
    assert (rc == 0) == listed, (login, row_id, out)
    return listed


def refused(px, login, row_id):
    there = sql_ids(px, "id = %d" % row_id)
    assert not sees(px, login, row_id), (login, row_id)
    rc, out = px.core("logs-remove", login, row_id)
    assert (rc, out["status"]) == (1, "ENOENT"), (login, out)
    assert sql_ids(px, "id = %d" % row_id) == there


def box(px, login):
    rc, out = px.core("last-run", login)
    assert rc == 0, out
    return {s: (out[s]["ok"], out[s]["failed"]) for s in SERVICES}


def box_from_rows(px, where):
    """The banner's counts of the newest automatic run, from its log
    rows: each mailbox once per service, failed when one of its rows
    failed (oxt_run_counts_mailbox)."""
    run = px.scalar("oxt", "SELECT id FROM run_summary WHERE automatic = 1"
                    " ORDER BY started_at DESC, id DESC LIMIT 1")
    rows = px.sql("oxt", "SELECT service_type, SUM(f = 0), SUM(f = 1) FROM"
                  " (SELECT mail_id, service_type, MAX(outcome = 'failure')"
                  " f FROM replication_log WHERE run_id = %s AND mail_id IS"
                  " NOT NULL AND service_type IS NOT NULL AND operation <>"
                  " 'skip' AND " + where + " GROUP BY 1, 2) m GROUP BY 1",
                  (run,))
    got = {s: (0, 0) for s in SERVICES}
    for service, ok, failed in rows:
        got[service] = (int(ok), int(failed))
    return got


def boxes_match(px):
    for login, where in SCOPES.items():
        assert box(px, login) == box_from_rows(px, where), login


# test_logs_pages.py's rows, each domain's under its owner in psa:
# client1's dom1-dom6 and dom9, every 12th row client2's dom8 or dom10
ROWS = """
INSERT INTO replication_log (logged_at, mail_id, address, dom_id,
  domain_name, client_id, reseller_id, service_type, scheduled_by,
  operation, outcome)
SELECT NOW() - INTERVAL (20000 - seq DIV 3) SECOND, seq % 300 + 1,
  CONCAT('user', seq % 97, '@dom', d, '.example'), d,
  CONCAT('dom', d, '.example'), IF(seq % 12 = 0, 5, 4),
  IF(seq % 12 = 0, 3, 2),
  ELT(1 + seq % 4, 'webmail', 'groupware_standard', 'groupware_premium',
      NULL),
  IF(seq % 20 = 0, 'Charles Dawson', IF(seq % 33 = 0, 'Ann Admin',
     'Automatic')), 'update', IF(seq % 19 = 0, 'failure', 'success')
FROM (SELECT seq, IF(seq % 12 = 0, IF(seq % 24 = 0, 8, 10),
                     ELT(1 + seq % 7, 1, 2, 3, 4, 5, 6, 9)) d
      FROM seq_1_to_12000) s
"""


def move_domain(px, dom_id, client_id):
    """What Plesk does when a domain changes owner: the domain and its
    administrator's account (Plesk 10+: smb_users.ownerId)."""
    px.exec("psa", "UPDATE domains SET cl_id = %s WHERE id = %s",
            (client_id, dom_id))
    if px.scalar("psa", "SELECT COUNT(*) FROM information_schema.tables"
                 " WHERE table_schema = DATABASE() AND table_name ="
                 " 'smb_users'") != "0":
        px.exec("psa", "UPDATE smb_users u JOIN domains d ON BINARY"
                " u.login = BINARY d.name SET u.ownerId = %s"
                " WHERE d.id = %s", (client_id, dom_id))


@pytest.fixture
def replicated(plesk):
    """reseller1's client1 (dom1, dom2) and own dom7, and reseller2's
    client2 (dom8) replicated with Debug API requests on; one more run
    with a wrong password for failures."""
    plesk.settings_set(debug_api=1)
    for dom in (1, 2, 7, 8):
        plesk.set_pref("domain", dom, webmail_forever="on")
    plesk.exec("psa", "UPDATE clients SET status = 0 WHERE id = 5;"
               " UPDATE domains SET status = 0 WHERE id IN (8, 10)")
    plesk.run()
    assert sql_ids(plesk, "dom_id = 1") and sql_ids(plesk, "dom_id = 8")
    return plesk


def test_the_banner_counts_the_callers_subtree(replicated):
    px = replicated
    # a second automatic run: client1's dom9 and client2's dom10
    px.set_pref("domain", 9, webmail_forever="on")
    px.set_pref("domain", 10, webmail_forever="on")
    px.run()
    boxes = {login: box(px, login) for login in SCOPES}
    admin = boxes["admin"]
    assert sum(ok + failed for ok, failed in admin.values()) > 0
    boxes_match(px)
    # the subtrees are the admin's split: reseller1 and reseller2 are
    # disjoint and add up to the admin's (every domain here has one)
    for s in SERVICES:
        assert tuple(a + b for a, b in zip(boxes["reseller1"][s],
                                           boxes["reseller2"][s])) \
            == admin[s], s
    for login in ("client1", "client2", "dom1.example"):
        assert boxes[login] != admin, login
    assert boxes["dom1.example"] == {s: (0, 0) for s in SERVICES}
    assert boxes["client1"]["webmail"][0] > 0
    assert boxes["client2"]["webmail"][0] > 0
    # only the newest automatic run's rows are kept
    assert px.scalar("oxt", "SELECT COUNT(DISTINCT run_id) FROM"
                     " run_summary_owner") == "1"


def test_rows_follow_a_domain_moved_to_another_client(replicated):
    """The review's case: dom1 moved from client1 (reseller1) to client2
    (reseller2) in psa, then the replicator ran."""
    px = replicated
    before = px.sql("oxt", "SELECT logged_at, address, operation, outcome,"
                    " debug_request FROM replication_log WHERE dom_id = 1"
                    " ORDER BY id")
    old = sql_ids(px, "dom_id = 1")
    assert len(old) >= 2
    move_domain(px, 1, 5)
    # before the pass: psa is asked; nobody new sees them yet
    for login in ("client1", "reseller1"):
        refused(px, login, old[0])
    assert sees(px, "dom1.example", old[0])
    assert sees(px, "admin", old[0])
    assert not sees(px, "client2", old[0])
    # Clean Log of client1 in the window leaves dom1's rows
    dom2 = sql_ids(px, "dom_id = 2")
    rc, out = px.core("logs-clean", "client1")
    assert rc == 0 and out["deleted"] >= len(dom2), out
    assert sql_ids(px, "client_id = 4 AND dom_id <> 1") == []
    assert sql_ids(px, "dom_id = 1") == old
    px.run()
    moved = px.sql("oxt", "SELECT logged_at, address, operation, outcome,"
                   " debug_request FROM replication_log WHERE dom_id = 1"
                   " AND client_id = 5 AND id > %d AND run_id < (SELECT"
                   " MAX(id) FROM run_summary) ORDER BY id" % max(old))
    assert moved == before
    assert sql_ids(px, "dom_id = 1 AND (client_id <> 5 OR reseller_id"
                   " <> 3)") == []
    assert sql_ids(px, "id IN (%s)" % ",".join(map(str, old))) == []
    assert px.scalar("oxt", "SELECT COUNT(*) FROM replication_log_gone"
                     " WHERE id IN (%s)" % ",".join(map(str, old))) \
        == str(len(old))
    assert px.scalar("oxt", "SELECT COUNT(*) FROM replication_log_move") \
        == "0"
    totals_match(px)
    mine = sql_ids(px, "dom_id = 1")
    for login in ("client1", "reseller1"):
        for row in (old[0], mine[0]):
            refused(px, login, row)
    for login in ("client2", "reseller2", "dom1.example", "admin"):
        assert sees(px, login, mine[0]), login
    for login in ("client2", "reseller2", "dom1.example"):
        rc, out = px.core("logs-remove", login, mine.pop())
        assert (rc, out["deleted"]) == (0, 1), (login, out)
    totals_match(px)
    boxes_match(px)
    # Clean Log: reseller1's takes none of dom1's, client2's takes them
    keep = sql_ids(px, "dom_id = 1")
    rc, out = px.core("logs-clean", "reseller1")
    assert rc == 0, out
    assert sql_ids(px, "dom_id = 1") == keep
    rc, out = px.core("logs-clean", "client2")
    assert rc == 0 and out["deleted"] >= len(keep), out
    assert sql_ids(px, "dom_id = 1") == []
    totals_match(px)


def exact_in_the_window(px, login, where):
    """login's list, its pages, a search and the total against SQL's
    rows of where (the caller's rows, those of a domain moved away left
    out), in the window before the prune has moved them."""
    want = sql_ids(px, where, NEWEST)
    out = logs(px, login, "--limit", 0)
    assert (out["total"], ids(out)) == (len(want), want), login
    paged = []
    for off in range(0, len(want) + 10, 10):
        page = logs(px, login, "--limit", 10, "--offset", off)
        assert page["total"] == len(want), (login, off)
        paged += ids(page)
    assert paged == want, login
    found = sql_ids(px, where + " AND address LIKE 'user1%'", NEWEST)
    out = logs(px, login, "--q", "user1", "--limit", 0)
    assert (out["total"], ids(out)) == (len(found), found), login


def test_totals_leave_out_a_domain_moved_away(replicated):
    """Issue 10: in the window between the move in psa and the prune's
    last batch, the totals ("x total", a search's count), the pages and
    the banner of the old owners leave out the moved domain's rows, as
    the rows listed do: the client's before the directory's sync, and
    every old owner's once it queued the move and after each batch of
    one row (before the sync a reseller's total still counts them: the
    rows it lists are checked against psa, oxt_replog_moved_away)."""
    px = replicated
    client1 = box_from_rows(px, "client_id = 4 AND dom_id <> 1")
    reseller1 = box_from_rows(px, "reseller_id = 2 AND dom_id <> 1")
    assert box(px, "client1") != client1
    n = len(sql_ids(px, "dom_id = 1"))
    assert n >= 2
    move_domain(px, 1, 5)

    def exact(synced=True):
        exact_in_the_window(px, "client1", "client_id = 4 AND dom_id <> 1")
        exact_in_the_window(px, "client2", "client_id = 5")
        exact_in_the_window(px, "admin", "1 = 1")
        assert box(px, "client1") == client1
        if synced:
            exact_in_the_window(px, "reseller1",
                                "reseller_id = 2 AND dom_id <> 1")
            assert box(px, "reseller1") == reseller1
    exact(synced=False)
    old = sql_ids(px, "dom_id = 1")
    assert logs(px, "reseller1", "--limit", 0)["total"] == len(
        sql_ids(px, "reseller_id = 2"))
    refused(px, "reseller1", old[0])
    rc, out = px.core("dir-sync", 1)
    assert rc == 0, out
    assert px.scalar("oxt", "SELECT COUNT(*) FROM replication_log_move") \
        == "1"
    exact()
    for _ in range(n + 1):
        rc, out = px.core("prune", 3650, 10000000, 1, 0)
        assert rc == 0, out
        exact()
        if not out["more"]:
            break
    assert not out["more"]
    assert sql_ids(px, "dom_id = 1 AND client_id <> 5") == []
    totals_match(px)
    boxes_match(px)


def test_plesk8_rows_of_a_domain_moved_to_another_client(make_plesk):
    """Plesk 8: no clients.type, no resellers (every account is a
    client, oxt_psa_lookup; a reseller grant means nothing there:
    test_grants.py), so the check psa is asked is the client's. dom1
    moves from client1 to another client: before the pass client1 lists,
    opens, removes and counts none of its rows; after it the new client
    has them."""
    px = make_plesk(psa_flavour=8)
    (c1, login1), = px.sql("psa", "SELECT c.id, c.login FROM clients c"
                           " JOIN domains d ON d.cl_id = c.id WHERE"
                           " d.id = 1")
    c4, login4 = px.sql("psa", "SELECT id, login FROM clients WHERE"
                        " status = 0 AND id <> %s ORDER BY id LIMIT 1",
                        (c1,))[0]
    assert px.scalar("psa", "SELECT COUNT(*) FROM information_schema"
                     ".columns WHERE table_schema = DATABASE() AND"
                     " table_name = 'clients' AND column_name = 'type'") \
        == "0"
    for dom in (1, 2):
        px.set_pref("domain", dom, webmail_forever="on")
    px.run()
    old = sql_ids(px, "dom_id = 1")
    assert old and sql_ids(px, "dom_id = 2")
    assert sql_ids(px, "reseller_id <> 0") == []
    move_domain(px, 1, c4)
    refused(px, login1, old[0])
    exact_in_the_window(px, login1, "client_id = %s AND dom_id <> 1" % c1)
    assert not sees(px, login4, old[0])
    assert sees(px, "dom1.example", old[0])
    px.run()
    assert sql_ids(px, "dom_id = 1 AND client_id <> %s" % c4) == []
    mine = sql_ids(px, "dom_id = 1")
    refused(px, login1, mine[0])
    assert sees(px, login4, mine[0])
    exact_in_the_window(px, login1, "client_id = %s" % c1)
    exact_in_the_window(px, login4, "client_id = %s" % c4)


def test_rows_follow_a_client_moved_to_another_reseller(replicated):
    px = replicated
    old = sql_ids(px, "client_id = 4")
    assert old
    px.exec("psa", "UPDATE clients SET parent_id = 3 WHERE id = 4")
    refused(px, "reseller1", old[0])
    assert sees(px, "client1", old[0])
    px.run()
    assert sql_ids(px, "client_id = 4 AND reseller_id <> 3") == []
    assert len(sql_ids(px, "client_id = 4")) >= len(old)
    totals_match(px)
    row = sql_ids(px, "client_id = 4")[0]
    refused(px, "reseller1", row)
    for login in ("reseller2", "client1", "dom1.example"):
        assert sees(px, login, row), login
    boxes_match(px)


def test_the_banner_and_the_page_index_follow_a_move(replicated):
    """The daemon's way: the directory's sync of the domain sees the move
    (oxt-corecli dir-sync), the prune moves rows and the banner's counts,
    with no new run in between; the page index built before counts the
    moved rows exactly (gone for the old owner, added for the new)."""
    px = replicated
    client1, client2 = box(px, "client1"), box(px, "client2")
    dom1 = box(px, "dom1.example")
    assert sum(ok for ok, _ in dom1.values()) > 0
    rc, out = px.core("logs-pages")
    assert rc == 0, out
    move_domain(px, 1, 5)
    rc, out = px.core("dir-sync", 1)
    assert rc == 0, out
    assert px.sql("oxt", "SELECT dom_id, client_id, reseller_id FROM"
                  " replication_log_move") == [("1", "5", "3")]
    n = len(sql_ids(px, "dom_id = 1"))
    # batches of one row: one transaction each, the last drops the entry
    rc, out = px.core("prune", 3650, 10000000, 1, 0)
    assert (out["moved"], out["moved_domains"], out["more"]) == (1, 0, True)
    while out["more"]:
        rc, out = px.core("prune", 3650, 10000000, 1, 0)
        assert rc == 0, out
    assert sql_ids(px, "dom_id = 1 AND client_id <> 5") == []
    assert len(sql_ids(px, "dom_id = 1")) == n
    assert box(px, "dom1.example") == dom1
    for s in SERVICES:
        assert box(px, "client1")[s] == tuple(
            a - b for a, b in zip(client1[s], dom1[s])), s
        assert box(px, "client2")[s] == tuple(
            a + b for a, b in zip(client2[s], dom1[s])), s
    boxes_match(px)
    totals_match(px)
    # every page of every owner by its number against SQL's order
    for login, where in SCOPES.items():
        want = sql_ids(px, where, NEWEST)
        got = []
        for off in range(0, len(want), 3):
            got += ids(logs(px, login, "--limit", 3, "--offset", off))
        assert got == want, login


def test_pages_by_number_stay_exact_through_a_move(plesk):
    """12,000 rows (as test_logs_pages.py's, each domain's with its
    owner in psa), the page index built; dom1's 1,571 rows move from
    client1/reseller1 (which have entries) to client2/reseller2 in two
    batches: every sort's typed deep pages of every owner stay SQL's,
    before the next build (the old owner counts them gone through the
    journal, the new one added through their new ids) and after it."""
    from test_logs_pages import check_pages, recount_and_prune
    px = plesk
    px.exec("oxt", ROWS)
    assert recount_and_prune(px)["paged"] is True
    gen = px.scalar("oxt", "SELECT gen FROM replication_log_page_state")
    rc, out = px.core("dir-sync", 1)
    assert rc == 0, out
    move_domain(px, 1, 5)
    rc, out = px.core("dir-sync", 1)
    assert rc == 0, out
    n = len(sql_ids(px, "dom_id = 1"))
    assert n > 1000
    done = 0
    for _ in range(5):
        rc, out = px.core("prune", 3650, 10000000, 1000, 0)
        assert rc == 0, out
        done += out["moved_domains"]
        if done:
            break
    assert done == 1 and sql_ids(px, "dom_id = 1 AND client_id <> 5") == []
    assert len(sql_ids(px, "dom_id = 1")) == n
    assert px.scalar("oxt", "SELECT gen FROM replication_log_page_state") \
        == gen
    counts_exact(px)
    check_pages(px, "admin", "1 = 1", (1000, 5987, 10500))
    check_pages(px, "reseller1", "reseller_id = 2", (1000, 4321, 8000))
    check_pages(px, "client1", "client_id = 4", (1000, 4321, 8000))
    check_pages(px, "reseller2", "reseller_id = 3", (0, 1000, 2500))
    assert recount_and_prune(px)["paged"] is True
    check_pages(px, "admin", "1 = 1", (1000, 5987, 10500))
    check_pages(px, "reseller1", "reseller_id = 2", (1000, 4321, 8000))
    check_pages(px, "reseller2", "reseller_id = 3", (0, 1000, 2500))


def test_the_daily_recount_catches_a_row_written_with_the_old_owner(
        replicated):
    """A row the pass wrote for the old owner after the move's batches
    (its domain's owner loaded before the move) is queued by the daily
    recount (the rows against the directory) and moved by the next
    prune."""
    px = replicated
    move_domain(px, 1, 5)
    px.run()
    assert sql_ids(px, "dom_id = 1 AND client_id <> 5") == []
    px.exec("oxt", "INSERT INTO replication_log (logged_at, mail_id,"
            " address, dom_id, domain_name, client_id, reseller_id,"
            " service_type, operation, outcome) VALUES (NOW(), 1,"
            " 'user1@dom1.example', 1, 'dom1.example', 4, 2, 'webmail',"
            " 'update', 'success')")
    late = sql_ids(px, "dom_id = 1 AND client_id = 4")
    assert len(late) == 1
    px.exec("oxt", "UPDATE replication_log_count SET counted_at = NULL")
    for _ in range(2):
        rc, out = px.core("prune", 3650, 10000000, 1000, 1000)
        assert rc == 0, out
    assert out["moved"] == 1 and out["moved_domains"] == 1, out
    assert sql_ids(px, "dom_id = 1 AND client_id <> 5") == []
    refused(px, "client1", late[0])
    totals_match(px)


def statements_of(px, *argv):
    """The statements px.core(*argv) sent to the server (the general
    log), with its answer."""
    px.exec("oxt", "TRUNCATE mysql.general_log;\n"
            "SET GLOBAL log_output = 'TABLE';\n"
            "SET GLOBAL general_log = 1;\n")
    try:
        rc, out = px.core(*argv)
    finally:
        px.exec("oxt", "SET GLOBAL general_log = 0;\n")
    assert rc == 0, out
    rows = [r[0] for r in px.sql(
        "oxt", "SELECT argument FROM mysql.general_log WHERE command_type"
        " IN ('Query', 'Execute') AND argument LIKE '%replication_log%'")]
    return rows, out


def test_a_move_between_two_other_owners_leaves_a_third_on_its_fast_path(
        replicated):
    """The review's case: dom8 moves from client2 to its reseller2 (two
    owners that are not client1's or reseller1's) and waits in the queue.
    client1's and reseller1's pages keep their fast paths (no NOT IN of
    the queue, the count row read on its own) and their totals exact,
    while client2's leaves dom8's rows out."""
    px = replicated
    from test_logs_pages import recount_and_prune
    px.exec("oxt", ROWS)
    recount_and_prune(px)
    n8 = len(sql_ids(px, "dom_id = 8"))
    assert n8 >= 2
    move_domain(px, 8, 3)
    rc, out = px.core("dir-sync", 8)
    assert rc == 0, out
    assert px.sql("oxt", "SELECT dom_id FROM replication_log_move") \
        == [("8",)]
    for login, where in (("client1", "client_id = 4"),
                         ("reseller1", "reseller_id = 2")):
        sent, out = statements_of(px, "logs", login, "--limit", 10)
        assert not [s for s in sent if "NOT IN" in s], (login, sent)
        want = sql_ids(px, where, NEWEST)
        assert (out["total"], ids(out)) == (len(want), want[:10]), login
        whole_and_found(px, login, where)
    # the queue's check of the caller's rows, as the page sent it, is a
    # seek of the domain and owner per entry: none of dom8's rows read
    # (by the dom index alone it read every one of them, n8, each looked
    # up for its owner; migration 0151)
    for login in ("client1", "reseller1"):
        sent, out = statements_of(px, "logs", login, "--limit", 10)
        checks = [q for q in sent if "replication_log_move" in q]
        assert checks, (login, sent)
        status = "SHOW SESSION STATUS LIKE 'Handler_read_next'"
        for check in checks:
            # one session: the index entries the check read (it finds
            # none): the client's own directory and psa's few, none of
            # dom8's (they were n8 more)
            got = px.sql("oxt", "%s;\n%s;\n%s;\n" % (status, check, status))
            assert len(got) == 2, got
            assert int(got[1][1]) - int(got[0][1]) < n8 // 4, (login, n8,
                                                               got)
            plan = {r[2]: r for r in px.sql("oxt", "EXPLAIN " + check)}
            assert plan["r"][5] == ("dom_client" if login == "client1"
                                    else "dom_reseller"), plan
            assert plan["r"][7].count(",") == 1, plan  # both key parts
            assert plan["s"][3] in ("ref", "index_subquery") \
                and plan["s"][5] == "of_owner", plan
    # the old owner's page leaves the queued domain out (the slow path)
    sent, out = statements_of(px, "logs", "client2", "--limit", 10)
    assert [s for s in sent if "NOT IN" in s], sent
    whole_and_found(px, "client2", "client_id = 5 AND dom_id <> 8")


def whole_and_found(px, login, where):
    """login's whole list, a page deep in it and a search against SQL's
    rows of where."""
    want = sql_ids(px, where, NEWEST)
    out = logs(px, login, "--limit", 0)
    assert (out["total"], ids(out)) == (len(want), want), login
    out = logs(px, login, "--limit", 10, "--offset", len(want) // 2)
    assert ids(out) == want[len(want) // 2:len(want) // 2 + 10], login
    found = sql_ids(px, where + " AND address LIKE 'user1%'", NEWEST)
    out = logs(px, login, "--q", "user1", "--limit", 0)
    assert (out["total"], ids(out)) == (len(found), found), login
