"""The Replication Logs page's core (lib/oxt_replog.c, lib/oxt_queue.c)
on real rows: each level sees its subtree's rows only, with totals that
match the rows; search by mailbox, every sort both ways, paging (deep
pages and keyset pages) that adds up to the whole list; the debug
exchange pretty-printed with the fault marked and passwords masked; Clean
Log and Remove never touching another tenant's rows; the banner of the
last automatic run; parked items and Retry per subtree; retention and the
row cap enforced in small batches, also by `run`. tests/corecli calls
what the page will.

Data: default PleskSetup (harness/plesk.py): reseller1 (clients.id 2)
owns client1 (4: dom1-dom6, dom9) and dom7; reseller2 (3) owns client2
(5: dom8, dom10), which is suspended, so its rows here are written by
the test (and the counts rebuilt, as the daily recount does).
"""
import pytest

from harness.plesk import OX_MASTER, make_plesk, plesk  # noqa: F401

COUNT_SQL = "SELECT COUNT(*) FROM replication_log WHERE "
SCOPES = {"admin": "1 = 1", "reseller1": "reseller_id = 2",
          "reseller2": "reseller_id = 3", "client1": "client_id = 4",
          "client2": "client_id = 5", "dom1.example": "dom_id = 1",
          "dom7.example": "dom_id = 7"}


def logs(px, login, *args):
    rc, out = px.core("logs", login, *args)
    assert rc == 0, out
    return out


def ids(out):
    return [r["id"] for r in out["rows"]]


def sql_ids(px, where, order="id"):
    return [int(r[0]) for r in px.sql("oxt", "SELECT id FROM replication_log"
                                      " WHERE %s ORDER BY %s" % (where,
                                                                 order))]


def recount(px):
    """What the replicator's daily recount does (oxt_replog_prune)."""
    px.exec("oxt", "UPDATE replication_log_count SET counted_at = NULL")
    rc, out = px.core("prune", 3650, 10000000, 1000, 1000)
    assert rc == 0 and out["recounted"] is True, out


def other_tenants(px):
    """Rows of reseller2's client2 and of the admin's own domain, written
    as the replicator writes them."""
    px.exec("oxt", """
        INSERT INTO replication_log (logged_at, mail_id, address, dom_id,
          domain_name, client_id, reseller_id, service_type, scheduled_by,
          operation, outcome, reason)
        VALUES (NOW(), 8, 'user8@dom8.example', 8, 'dom8.example', 5, 3,
                'webmail', 'Automatic', 'create', 'success', NULL),
               (NOW(), 18, 'user18@dom8.example', 8, 'dom8.example', 5, 3,
                'groupware_standard', 'Charles Dawson', 'update', 'failure',
                'OX: invalid data: nope'),
               (NOW(), 10, 'user10@dom10.example', 10, 'dom10.example', 5, 3,
                'webmail', 'Automatic', 'create', 'success', NULL),
               (NOW(), 500, 'boss@admin.example', 500, 'admin.example', 0, 0,
                'webmail', 'Automatic', 'create', 'success', NULL);""")
    recount(px)


@pytest.fixture
def logged(plesk):
    """Replicated reseller1 with Debug API requests on, one failed run
    (a wrong OX password: failures with their exchange), other tenants'
    rows, and fresh counts."""
    plesk.settings_set(debug_api=1)
    for dom in (1, 2, 3, 4, 5, 9):
        plesk.set_pref("domain", dom, webmail_forever="on")
    plesk.run()
    # a new context with a wrong master password: a failure with OX's
    # fault (dom7, reseller1's own domain; dom6 has mail off: held)
    plesk.set_ox_password("wrong")
    plesk.set_pref("domain", 6, webmail_forever="on")
    plesk.set_pref("domain", 7, webmail_forever="on")
    plesk.run()
    plesk.set_ox_password(OX_MASTER[1])
    other_tenants(plesk)
    return plesk


def test_each_level_sees_its_own_rows_with_true_totals(logged):
    px = logged
    for login, where in SCOPES.items():
        out = logs(px, login, "--limit", 0)
        want = sql_ids(px, where, "logged_at DESC, id DESC")
        assert want, login
        assert ids(out) == want, login
        assert out["total"] == len(want), login
    # filters narrow, never widen: reseller2 asking for client1's rows
    assert logs(px, "reseller2", "--client", 4)["total"] == 0
    assert ids(logs(px, "reseller2", "--client", 4, "--limit", 0)) == []
    assert logs(px, "admin", "--client", 4)["total"] == \
        len(sql_ids(px, "client_id = 4"))
    assert ids(logs(px, "reseller1", "--domain", 7, "--limit", 0)) == \
        sql_ids(px, "dom_id = 7", "logged_at DESC, id DESC")
    assert logs(px, "dom1.example", "--domain", 7)["total"] == 0
    assert logs(px, "admin", "--mail", 1)["total"] == \
        len(sql_ids(px, "mail_id = 1"))
    # search: the start of the address, LIKE's characters taken as text
    out = logs(px, "reseller1", "--q", "user1", "--limit", 0)
    assert ids(out) and out["total"] == len(ids(out))
    assert all(r["address"].startswith("user1") for r in out["rows"])
    assert ids(out) == sql_ids(px, "reseller_id = 2 AND address LIKE"
                               " 'user1%'", "logged_at DESC, id DESC")
    for q in ("%", "_ser1", "user8"):
        assert logs(px, "reseller1", "--q", q)["total"] == 0, q


SORTS = {"modified": "logged_at {d}, id {d}",
         "mailbox": "address {d}, logged_at {d}, id {d}",
         "service": "service_type {d}, logged_at {d}, id {d}",
         "scheduled_by": "scheduled_by {d}, logged_at {d}, id {d}",
         "outcome": "outcome {d}, logged_at {d}, id {d}"}


def test_sorts_and_pages_add_up_to_the_whole_list(logged):
    px = logged
    total = int(px.scalar("oxt", COUNT_SQL + "1 = 1"))
    for key, order in SORTS.items():
        for asc in (False, True):
            extra = ["--asc"] if asc else []
            want = sql_ids(px, "1 = 1", order.format(d="ASC" if asc
                                                     else "DESC"))
            assert ids(logs(px, "admin", "--sort", key, "--limit", 0,
                            *extra)) == want, (key, asc)
            # offset pages, the deep ones read from the other end
            got = []
            for off in range(0, total, 7):
                got += ids(logs(px, "admin", "--sort", key, "--limit", 7,
                                "--offset", off, *extra))
            assert got == want, (key, asc)
    want = sql_ids(px, "reseller_id = 2", "address DESC, logged_at DESC,"
                   " id DESC")
    # a subtree's offset pages: the page's ids are found in a subquery
    # with the subtree's condition, then read (oxt_replog.c, list_sql)
    got = []
    for off in range(0, len(want), 7):
        got += ids(logs(px, "reseller1", "--sort", "mailbox", "--limit", 7,
                        "--offset", off))
    assert got == want
    # keyset pages in every sort both ways: next and previous, as the
    # page's links ask, and a page two further on (the window's numbers);
    # with domain rows (no service type: NULL sorts first) at one time
    px.exec("oxt", """
        INSERT INTO replication_log (logged_at, mail_id, address, dom_id,
          domain_name, client_id, reseller_id, service_type, scheduled_by,
          operation, outcome, reason)
        SELECT '2020-01-02 03:04:05', NULL, 'dom7.example', 7,
          'dom7.example', 0, 2, NULL, 'Automatic', 'create', o.v, NULL
        FROM (SELECT 'success' AS v UNION ALL SELECT 'failure'
              UNION ALL SELECT 'success') o""")
    for key, order in SORTS.items():
        for asc in (False, True):
            extra = ["--asc"] if asc else []
            want = sql_ids(px, "reseller_id = 2", order.format(
                d="ASC" if asc else "DESC"))
            page = ids(logs(px, "reseller1", "--sort", key, "--limit", 5,
                            *extra))
            seen = list(page)
            while len(page) == 5:
                nxt = ids(logs(px, "reseller1", "--sort", key, "--limit", 5,
                               "--after", page[-1], *extra))
                if nxt:
                    prev = ids(logs(px, "reseller1", "--sort", key,
                                    "--limit", 5, "--after", nxt[0],
                                    "--before", *extra))
                    assert prev == page, (key, asc, prev, page)
                at = len(seen)
                assert ids(logs(px, "reseller1", "--sort", key, "--limit", 5,
                                "--after", page[-1], "--offset", 5,
                                *extra)) == want[at + 5:at + 10], (key, asc)
                page = nxt
                seen += page
            assert seen == want, (key, asc)
    # a keyset row of another tenant is no page of this one
    other = sql_ids(px, "reseller_id = 3")[0]
    rc, out = px.core("logs", "reseller1", "--after", other)
    assert rc == 1 and out["status"] == "ENOENT", out
    # a login nobody has fails as such: the lookup says nothing itself, and
    # the empty result read "OK"
    rc, out = px.core("logs", "nobody-here")
    assert rc == 1 and out["status"] == "EAUTH", out
    assert out["error"] != "OK" and "nobody-here" in out["error"], out


def test_debug_logs_are_pretty_with_the_fault_marked(logged):
    px = logged
    failed = px.log_rows("outcome = 'failure' AND dom_id = 7"
                         " AND debug_response IS NOT NULL")
    assert failed, px.log_rows("reseller_id = 2")
    row = failed[-1]
    rc, out = px.core("logs-debug", "dom7.example", row["id"])
    assert rc == 0, out
    assert out["row"]["success"] is False and out["row"]["has_debug"]
    view = out["response_view"]
    assert view["parsed"] and view["has_fault"], view
    marked = [l["text"] for l in view["lines"] if l["error"]]
    assert any("faultstring" in t for t in marked), marked
    assert not any(l["error"] for l in out["request_view"]["lines"])
    request = "\n".join(l["text"] for l in out["request_view"]["lines"])
    assert "********" in request and "wrong" not in request
    assert "<password>wrong" not in out["request"]
    # another tenant's row: the same answer as a row that is not there
    assert px.core("logs-debug", "reseller1", row["id"])[0] == 0
    for login in ("reseller2", "client2", "client1", "dom1.example"):
        rc, out = px.core("logs-debug", login, row["id"])
        assert (rc, out["status"]) == (1, "ENOENT"), login
    rc, out = px.core("logs-debug", "admin", 99999999)
    assert (rc, out["status"]) == (1, "ENOENT")


def totals_match(px):
    for login, where in SCOPES.items():
        assert logs(px, login)["total"] == \
            int(px.scalar("oxt", COUNT_SQL + where)), login


def test_remove_and_clean_log_never_touch_another_tenant(logged):
    px = logged
    theirs = sql_ids(px, "reseller_id = 3")
    mine = sql_ids(px, "client_id = 4")
    everything = sql_ids(px, "1 = 1")
    for login, victims in (("reseller1", theirs[:1]),
                           ("client1", [mine[0], theirs[0]]),
                           ("dom1.example", sql_ids(px, "dom_id = 7")[:1]),
                           ("client1", [mine[0], 99999999])):
        rc, out = px.core("logs-remove", login, *victims)
        assert (rc, out["status"]) == (1, "ENOENT"), (login, out)
        assert sql_ids(px, "1 = 1") == everything, login
    rc, out = px.core("logs-remove", "client1", mine[0], mine[1], mine[0])
    assert (rc, out["deleted"]) == (0, 2), out
    assert sql_ids(px, "1 = 1") == [i for i in everything
                                    if i not in mine[:2]]
    totals_match(px)
    # Clean Log: client1's rows, and reseller1's own dom7 rows stay
    dom7 = sql_ids(px, "dom_id = 7")
    rest = sql_ids(px, "client_id <> 4")
    rc, out = px.core("logs-clean", "client1")
    assert (rc, out["deleted"]) == (0, len(mine) - 2), out
    assert sql_ids(px, "1 = 1") == rest
    assert sql_ids(px, "dom_id = 7") == dom7 and dom7
    totals_match(px)
    rc, out = px.core("logs-clean", "reseller2")
    assert out["deleted"] == len(theirs)
    assert sql_ids(px, "reseller_id = 2") == dom7
    assert sql_ids(px, "reseller_id = 0") != []
    totals_match(px)
    rc, out = px.core("logs-clean", "admin")
    assert sql_ids(px, "1 = 1") == []
    totals_match(px)


def test_the_banner_tells_the_last_automatic_run(logged):
    px = logged
    runs = px.run_summaries()
    last = [r for r in runs if r["automatic"] == "1"][-1]
    rc, out = px.core("last-run")
    assert out["started_at"] == last["started_at"], (out, last)
    assert (out["webmail"]["ok"], out["webmail"]["failed"]) == (
        int(last["webmail_ok"]), int(last["webmail_failed"])), out
    assert out["groupware_standard"]["ok"] == int(last["standard_ok"])


def test_parked_items_and_retry_per_subtree(plesk):
    plesk.settings_set(queue_max_attempts=1)
    plesk.set_ox_password("wrong")
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.set_pref("domain", 7, webmail_forever="on")
    plesk.run()
    parked = plesk.queue_rows("parked = 1")
    assert {(r["object_type"], r["object_id"]) for r in parked} == {
        ("domain", "1"), ("domain", "7")}, parked
    rc, out = plesk.core("parked", "client1")
    assert [(p["type"], p["object_id"], p["name"]) for p in out] == [
        ("domain", 1, "dom1.example")], out
    assert "uthentication failed" in out[0]["last_error"]
    assert len(plesk.core("parked", "reseller1")[1]) == 2
    assert plesk.core("parked", "reseller2")[1] == []
    assert plesk.core("parked", "dom7.example")[1][0]["object_id"] == 7
    dom1 = int([p for p in parked if p["object_id"] == "1"][0]["id"])
    for login in ("reseller2", "dom7.example", "client2"):
        rc, out = plesk.core("retry", login, dom1)
        assert (rc, out["status"]) == (1, "ENOENT"), login
    assert plesk.queue_rows("id = %s" % dom1)[0]["parked"] == "1"
    plesk.set_ox_password("secret")
    rc, out = plesk.core("retry", "client1", dom1)
    assert rc == 0, out
    q = plesk.queue_rows("id = %s" % dom1)[0]
    assert (q["parked"], q["attempts"], q["scheduled_by"]) == (
        "0", "0", plesk.scalar("psa", "SELECT pname FROM clients"
                               " WHERE id = 4")), q
    rc, out = plesk.core("retry", "client1", dom1)      # not parked now
    assert (rc, out["status"]) == (1, "ENOENT")
    plesk.run()
    assert "user1" in plesk.ox_users("dom1.example")
    assert plesk.core("parked", "client1")[1] == []



def test_parked_items_follow_a_domain_moved_to_another_client(plesk):
    """Ownership is psa's: a domain moved from client1 to client2 with
    nothing to send to OX (its owner snapshot in domain_state stays
    client1's) is client2's to see and retry, no longer client1's. A
    domain deleted in Plesk stays with the owner it had."""
    plesk.settings_set(queue_max_attempts=1)
    plesk.set_ox_password("wrong")
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.set_pref("domain", 7, webmail_forever="on")
    plesk.run()
    dom1 = int(plesk.queue_rows("parked = 1 AND object_id = 1")[0]["id"])
    plesk.exec("psa", "UPDATE domains SET cl_id = 5 WHERE id = 1")
    assert plesk.domain_state(1)["client_id"] == "4"
    assert plesk.core("parked", "client1")[1] == []
    assert [p["object_id"] for p in plesk.core("parked", "client2")[1]] \
        == [1]
    assert [p["object_id"] for p in plesk.core("parked", "reseller2")[1]] \
        == [1]
    assert [p["object_id"] for p in plesk.core("parked", "reseller1")[1]] \
        == [7]
    for login in ("client1", "reseller1"):
        rc, out = plesk.core("retry", login, dom1)
        assert (rc, out["status"]) == (1, "ENOENT"), login
    rc, out = plesk.core("retry", "client2", dom1)
    assert rc == 0, out
    # deleted in Plesk: placed by the snapshot of the owner it had
    plesk.exec("psa", "DELETE FROM domains WHERE id = 7")
    assert [p["object_id"] for p in plesk.core("parked", "reseller1")[1]] \
        == [7]
    assert plesk.core("parked", "reseller2")[1] == []


def test_retention_and_the_row_cap_in_small_batches(logged):
    px = logged
    total = int(px.scalar("oxt", COUNT_SQL + "1 = 1"))
    assert total >= 12, total
    old = sql_ids(px, "1 = 1")[:5]
    px.exec("oxt", "UPDATE replication_log SET logged_at = NOW() -"
            " INTERVAL 100 DAY WHERE id IN (%s)" % ",".join(map(str, old)))
    # a budget of nothing: one batch, then "more"
    rc, out = px.core("prune", 90, 10000000, 2, 0)
    assert (out["expired"], out["batches"], out["more"]) == (2, 1, True)
    rc, out = px.core("prune", 90, 10000000, 2, 10000)
    assert (out["expired"], out["batches"], out["more"]) == (3, 2, False)
    assert sql_ids(px, "id IN (%s)" % ",".join(map(str, old))) == []
    totals_match(px)
    # the cap: the oldest go first, each batch at most 2 rows
    keep = sql_ids(px, "1 = 1")[-3:]
    rc, out = px.core("prune", 90, 3, 2, 10000)
    assert out["over_cap"] == total - 5 - 3, out
    # one look for expired rows (none: no batch), then batches of at most 2
    assert out["batches"] == -(-(total - 8) // 2), out
    assert sql_ids(px, "1 = 1") == keep
    totals_match(px)
    # the replicator's run does it with the Settings' limits
    px.settings_set(log_retention_days=1)
    px.exec("oxt", "UPDATE replication_log SET logged_at = NOW() -"
            " INTERVAL 2 DAY WHERE id = %s" % keep[0])
    res = px.run()
    assert "OXT04001" in res.stderr, res.stderr
    assert sql_ids(px, "id IN (%s)" % ",".join(map(str, keep))) == keep[1:]
    totals_match(px)
