"""The Logs page's page index (lib/oxt_replog.c, migration 0117): a page
asked by its number alone, far from both ends of a list of more than
OXT_REPLOG_PAGE_MIN rows, starts after the nearest entry the replicator's
prune built, and holds exactly the rows of its position (SQL's LIMIT over
the same order), in every sort both ways, for the whole log and for an
owner with entries of its own; also after rows were added and removed
since the build (counted from the ids above the build's newest and from
the journal every delete writes), and after the next build. An entry
moved by one moves the page by one: the index is what the page reads.

Data: 12,000 log rows written by SQL (reseller1 and its client1 own
11,000 of them, reseller2 and client2 1,000), with ties in every sort
column and NULL service types.
"""
import json
import subprocess
import time

from harness import env as hxenv
from harness.plesk import make_plesk, plesk  # noqa: F401

ORDER = {"modified": "logged_at {d}, id {d}",
         "mailbox": "address {d}, logged_at {d}, id {d}",
         "service": "service_type {d}, logged_at {d}, id {d}",
         "scheduled_by": "scheduled_by {d}, logged_at {d}, id {d}",
         "outcome": "outcome {d}, logged_at {d}, id {d}"}

ROWS = """
INSERT INTO replication_log (logged_at, mail_id, address, dom_id,
  domain_name, client_id, reseller_id, service_type, scheduled_by,
  operation, outcome)
SELECT NOW() - INTERVAL (20000 - seq DIV 3) SECOND, seq % 300 + 1,
  CONCAT('{prefix}', seq % 97, '@dom', seq % 7 + 1, '.example'),
  seq % 7 + 1, CONCAT('dom', seq % 7 + 1, '.example'),
  IF(seq % 12 = 0, 5, 4), IF(seq % 12 = 0, 3, 2),
  ELT(1 + seq % 4, 'webmail', 'groupware_standard', 'groupware_premium',
      NULL),
  IF(seq % 20 = 0, 'Charles Dawson', IF(seq % 33 = 0, 'Ann Admin',
     'Automatic')), 'update', IF(seq % 19 = 0, 'failure', 'success')
FROM seq_1_to_{n}
"""


def recount_and_prune(px):
    """The counts as the daily recount leaves them, then prunes that
    remove nothing: they (re)build the page index when due, in chunks, a
    second's worth a call, called again while the build has chunks left
    (as the daemon does); "paged" when one of them ended the build."""
    px.exec("oxt", "UPDATE replication_log_count SET counted_at = NULL")
    paged = False
    for _ in range(100):
        rc, out = px.core("prune", 3650, 10000000, 1000, 1000)
        assert rc == 0, out
        paged = paged or out["paged"]
        if not out["building"]:
            break
    assert not out["building"], out
    return dict(out, paged=paged)


def check_pages(px, login, where, offsets):
    total = int(px.scalar("oxt", "SELECT COUNT(*) FROM replication_log"
                          " WHERE " + where))
    for off in offsets:
        for sort, order in ORDER.items():
            for d in ("desc", "asc"):
                rc, out = px.core("logs", login, "--sort", sort, "--offset",
                                  off, "--limit", 25,
                                  *(["--asc"] if d == "asc" else []))
                assert rc == 0 and out["total"] == total, out
                want = [int(r[0]) for r in px.sql(
                    "oxt", "SELECT id FROM replication_log WHERE %s ORDER"
                    " BY %s LIMIT %d, 25" % (where, order.format(d=d),
                                             off))]
                got = [r["id"] for r in out["rows"]]
                assert got == want, (login, off, sort, d, got[:3],
                                     want[:3])


def test_a_page_by_its_number_is_exact_through_changes(plesk):
    px = plesk
    px.exec("oxt", ROWS.format(prefix="user", n=12000))
    assert recount_and_prune(px)["paged"] is True
    entries = dict((r[0] + ":" + r[1], int(r[2])) for r in px.sql(
        "oxt", "SELECT level, owner, COUNT(*) FROM replication_log_page"
        " GROUP BY level, owner"))
    # every 1,000th row of 5 sorts: the whole log's, reseller1's and
    # client1's only (the others have fewer than 10,000 rows)
    assert entries == {"all:0": 60, "reseller:2": 55, "client:4": 55}, \
        entries
    deep = (1000, 5000, 5987, 10500)
    check_pages(px, "admin", "1 = 1", deep)
    check_pages(px, "reseller1", "reseller_id = 2", (1000, 4321, 9000))
    # the index is what the page reads: an entry said one row later
    # gives the page one row later
    rc, before = px.core("logs", "admin", "--sort", "mailbox", "--asc",
                         "--offset", 5000)
    px.exec("oxt", "UPDATE replication_log_page SET pos = pos - 1 WHERE"
            " level = 'all' AND sort = 1")
    rc, moved = px.core("logs", "admin", "--sort", "mailbox", "--asc",
                        "--offset", 5000)
    assert [r["id"] for r in moved["rows"]][:24] == \
        [r["id"] for r in before["rows"]][1:], (moved, before)
    px.exec("oxt", "UPDATE replication_log_page SET pos = pos + 1 WHERE"
            " level = 'all' AND sort = 1")
    # changes since the build: rows added that sort anywhere (older than
    # the rest, other addresses), rows removed here and there, a Clean Log
    px.exec("oxt", ROWS.format(prefix="new", n=600))
    px.exec("oxt", ROWS.format(prefix="aaa", n=300))
    gone = [r[0] for r in px.sql("oxt", "SELECT id FROM replication_log"
                                 " WHERE id % 17 = 3 ORDER BY address"
                                 " LIMIT 500")]
    rc, out = px.core("logs-remove", "admin", *gone)
    assert rc == 0 and out["deleted"] == 500, out
    rc, out = px.core("logs-clean", "dom3.example")
    assert rc == 0 and out["deleted"] > 1000, out
    assert int(px.scalar("oxt", "SELECT COUNT(*) FROM"
                         " replication_log_gone")) == 500 + out["deleted"]
    recount_counts_only(px)
    check_pages(px, "admin", "1 = 1", deep)
    check_pages(px, "reseller1", "reseller_id = 2", (1000, 4321, 8000))
    # the next build sees all that; the journal keeps what it has not seen
    assert recount_and_prune(px)["paged"] is True
    check_pages(px, "admin", "1 = 1", deep)
    rc, out = px.core("logs-clean", "dom5.example")
    assert rc == 0, out
    check_pages(px, "reseller1", "reseller_id = 2", (1000, 6000))


def recount_counts_only(px):
    """The totals of the rows the test wrote by SQL (the replicator
    counts its own as it writes them), without a prune (which would build
    the index again)."""
    px.exec("oxt", """
        DELETE FROM replication_log_count;
        INSERT INTO replication_log_count (level, id, n, counted_at)
          SELECT 'all', 0, COUNT(*), NOW() FROM replication_log;
        INSERT INTO replication_log_count (level, id, n, counted_at)
          SELECT 'reseller', reseller_id, COUNT(*), NOW()
          FROM replication_log GROUP BY reseller_id;""")


def test_a_build_in_chunks_counts_what_changed_between_them(plesk):
    """The build walks in chunks, each its own short transaction and
    snapshot (0135): a prune with no budget makes one chunk and says the
    build goes on, the build in force serves the pages meanwhile, and
    rows removed between chunks (before the entries found so far, and
    more than an entry's stride of them: positions of one sort then step
    back) and rows added leave every page exact after the build ends."""
    px = plesk
    px.exec("oxt", ROWS.format(prefix="user", n=16000))
    px.exec("oxt", "UPDATE replication_log_count SET counted_at = NULL")
    rc, out = px.core("prune", 3650, 10000000, 1000, 0)
    assert rc == 0 and out["building"] is True and out["more"] is True \
        and out["paged"] is False, out
    assert px.scalar("oxt", "SELECT gen FROM replication_log_page_state") \
        == "0"
    # the first chunk walked the whole log's first sort and the start of
    # the next (25 entries); now rows go from the start of every sort and
    # from the middle, more than 1,000 of them, and new ones come
    gone = [r[0] for r in px.sql("oxt", "SELECT id FROM replication_log"
                                 " WHERE id % 5 = 1 ORDER BY id LIMIT 1500")]
    rc, out = px.core("logs-remove", "admin", *gone)
    assert rc == 0 and out["deleted"] == 1500, out
    chunks = 1
    while True:
        px.exec("oxt", ROWS.format(prefix="mid", n=40))
        rc, out = px.core("prune", 3650, 10000000, 1000, 0)
        assert rc == 0, out
        chunks += 1
        if chunks == 3:
            rc, o = px.core("logs-clean", "dom3.example")
            assert rc == 0 and o["deleted"] > 1000, o
        if out["paged"]:
            break
        assert out["building"] is True and chunks < 50, out
    assert chunks > 3, chunks
    assert px.scalar("oxt", "SELECT build_gen FROM"
                     " replication_log_page_state") == "0"
    recount_counts_only(px)
    entries = dict((r[0] + ":" + r[1], int(r[2])) for r in px.sql(
        "oxt", "SELECT level, owner, COUNT(*) FROM replication_log_page"
        " GROUP BY level, owner"))
    assert set(entries) == {"all:0", "reseller:2", "client:4"}, entries
    check_pages(px, "admin", "1 = 1", (1000, 4000, 5987, 8500))
    check_pages(px, "reseller1", "reseller_id = 2", (1000, 4321, 7000))


LATE = ("INSERT INTO replication_log (logged_at, mail_id, address, dom_id,"
        " domain_name, client_id, reseller_id, service_type, scheduled_by,"
        " operation, outcome) VALUES (NOW() - INTERVAL 2 DAY, 1,"
        " 'aaa-late@dom1.example', 1, 'dom1.example', 4, 2, 'webmail',"
        " 'Automatic', 'update', 'success')")


def test_a_row_committed_after_a_newer_one_is_counted(plesk):
    """"Late commit": a log row's id is given when it is inserted, not
    when its transaction commits, so a row with a lower id can become
    visible after one with a higher id (two writers, the daemon's and an
    event handler's). A build counts the rows up to the newest id it saw
    and the pages count those above it as added since: the row left
    uncommitted below that id is in neither, unless the build waits for
    it. Here it is the oldest row and the first by mailbox, so every page
    of the whole log counted from the start moves by one."""
    px = plesk
    px.exec("oxt", ROWS.format(prefix="user", n=12000))
    recount_counts_only(px)
    late = subprocess.Popen(px.db.client_argv(px.oxt_db) + ["--unbuffered"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        late.stdin.write("START TRANSACTION; %s; SELECT LAST_INSERT_ID();\n"
                         % LATE)
        late.stdin.flush()
        late_id = int(late.stdout.readline())
        # a newer row commits first: the build counts ids up to it
        px.exec("oxt", LATE.replace("aaa-late", "zzz-newer"))
        assert int(px.scalar("oxt", "SELECT MAX(id) FROM replication_log")) \
            > late_id
        build = subprocess.Popen([hxenv.CORECLI, "-c", px.config,
                                  "logs-pages"], stdout=subprocess.PIPE,
                                 text=True)
        try:
            build.wait(5)           # main: built without the late row
        except subprocess.TimeoutExpired:
            pass                    # waiting for it to commit
        late.stdin.write("COMMIT; SELECT 1;\n")
        late.stdin.flush()
        assert late.stdout.readline().strip() == "1"
        assert build.wait(60) == 0, build.stdout.read()
        assert json.loads(build.stdout.read())["paged"] is True
    finally:
        late.stdin.close()
        late.wait(10)
    recount_counts_only(px)
    check_pages(px, "admin", "1 = 1", (1000, 5000, 10500))
    check_pages(px, "reseller1", "reseller_id = 2", (1000, 4321))


def test_a_build_under_steady_logging_ends_up_to_date(plesk):
    """Rows keep being logged while a build walks (the replicator logs
    as it works; a build takes half a minute at a million rows): each
    chunk counts the rows of its own moment, so the build in force ends
    as of its last chunk and is not due again at once. Counted from the
    build's start, the 400 rows logged before each chunk here (more than
    OXT_REPLOG_PAGE_CHANGES / 2 in all) made every build stale the
    moment it ended, and the next prune began the next one: under
    steady logging a build was never done. The pages stay exact."""
    px = plesk
    px.exec("oxt", ROWS.format(prefix="user", n=16000))
    px.exec("oxt", "UPDATE replication_log_count SET counted_at = NULL")
    added, chunks = 0, 0
    while True:
        rc, out = px.core("prune", 3650, 10000000, 1000, 0)
        assert rc == 0, out
        chunks += 1
        if out["paged"]:
            break
        assert out["building"] is True and chunks < 50, out
        px.exec("oxt", ROWS.format(prefix="mid%d-" % chunks, n=400))
        added += 400
    assert added > 2500, (added, chunks)
    rc, out = px.core("prune", 3650, 10000000, 1000, 0)
    assert rc == 0 and out["building"] is False \
        and out["paged"] is False, out
    recount_counts_only(px)
    check_pages(px, "admin", "1 = 1", (1000, 4000, 9000, 15000))
    check_pages(px, "reseller1", "reseller_id = 2", (1000, 6000, 12000))


def test_a_chunk_does_not_wait_for_a_row_held_uncommitted(plesk):
    """A chunk runs on the daemon's turn (its prune): it must not wait
    for another writer's transaction. With a log row held uncommitted
    below the newest committed id, each chunk counts the rows below the
    held one (all committed) and leaves it, and those above it, to a
    later chunk as rows added since: every call returns at once and the
    build ends while the row is still held. A chunk used to wait up to 2
    s for it (LOCK IN SHARE MODE WAIT 2) and, in a first build, then make
    no progress at all. The pages stay exact when the row commits, and
    the next build counts it."""
    px = plesk
    px.exec("oxt", ROWS.format(prefix="user", n=12000))
    recount_counts_only(px)
    held = subprocess.Popen(px.db.client_argv(px.oxt_db) + ["--unbuffered"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        held.stdin.write("START TRANSACTION; %s; SELECT LAST_INSERT_ID();\n"
                         % LATE)
        held.stdin.flush()
        held_id = int(held.stdout.readline())
        px.exec("oxt", LATE.replace("aaa-late", "zzz-newer"))
        newest = int(px.scalar("oxt", "SELECT MAX(id) FROM replication_log"))
        assert newest > held_id
        px.exec("oxt", "UPDATE replication_log_count SET counted_at = NULL")
        took, out = [], {}
        for _ in range(60):
            t0 = time.monotonic()
            rc, out = px.core("prune", 3650, 10000000, 1000, 0)
            took.append(time.monotonic() - t0)
            assert rc == 0, out
            if out["paged"] or not out["building"]:
                break
        assert out["paged"] is True, (out, len(took))
        assert max(took) < 1.5, took
        frame = int(px.scalar("oxt", "SELECT max_id FROM"
                              " replication_log_page_state"))
        assert frame == held_id - 1, (frame, held_id)
        held.stdin.write("COMMIT; SELECT 1;\n")
        held.stdin.flush()
        assert held.stdout.readline().strip() == "1"
    finally:
        held.stdin.close()
        held.wait(10)
    recount_counts_only(px)
    check_pages(px, "admin", "1 = 1", (1000, 5000, 10500))
    check_pages(px, "reseller1", "reseller_id = 2", (1000, 4321))
    rc, out = px.core("logs-pages")
    assert rc == 0 and out["paged"] is True, out
    assert int(px.scalar("oxt", "SELECT max_id FROM"
                         " replication_log_page_state")) == newest
    check_pages(px, "admin", "1 = 1", (1000, 5000, 10500))
