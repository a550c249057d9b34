"""Deleting replication log rows in bounded batches (lib/oxt_replog.c):
retention and the row cap take the oldest rows, a batch at a time, each
in its own short transaction; a prune killed half-way has deleted whole
batches of the oldest rows only, and the next one carries on (its daily
recount puts the counts right); Clean Log of more rows than a batch takes
the caller's rows only; a search counts its matches up to a bound and
says that there are more.

Rows are written here as the replicator writes them (the owner snapshot
of harness/plesk.py's data: reseller1 2 > client1 4 > dom1; reseller2 3 >
client2 5 > dom8), many at once from MariaDB's sequence engine.
"""
import json
import signal
import subprocess
import time

from harness import env as hxenv
from harness.plesk import make_plesk, plesk  # noqa: F401

ROWS = """
INSERT INTO replication_log (logged_at, mail_id, address, dom_id,
  domain_name, client_id, reseller_id, service_type, scheduled_by,
  operation, outcome)
SELECT NOW() - INTERVAL {age} DAY - INTERVAL ({n} - seq) SECOND, seq,
  CONCAT('{who}', seq, '@{dom}'), {dom_id}, '{dom}', {client}, {reseller},
  'webmail', 'Automatic', 'update', 'success'
FROM seq_1_to_{n}
"""
MINE = dict(who="mine", dom="dom1.example", dom_id=1, client=4, reseller=2)
THEIRS = dict(who="theirs", dom="dom8.example", dom_id=8, client=5,
              reseller=3)
SCOPES = {"admin": "1 = 1", "reseller1": "reseller_id = 2",
          "reseller2": "reseller_id = 3", "client1": "client_id = 4",
          "client2": "client_id = 5", "dom1.example": "dom_id = 1"}


def write(px, n, age, owner):
    px.exec("oxt", ROWS.format(n=n, age=age, **owner))


def recount(px):
    px.exec("oxt", "UPDATE replication_log_count SET counted_at = NULL")
    rc, out = px.core("prune", 3650, 10000000, 1000, 60000)
    assert rc == 0 and out["recounted"] is True, out


def ids(px, where, order="logged_at, id"):
    return [int(r[0]) for r in px.sql("oxt", "SELECT id FROM replication_log"
                                      " WHERE %s ORDER BY %s" % (where,
                                                                 order))]


def totals_match(px):
    for login, where in SCOPES.items():
        rc, out = px.core("logs", login, "--limit", 1)
        assert out["total"] == int(px.scalar(
            "oxt", "SELECT COUNT(*) FROM replication_log WHERE "
            + where)), login


def test_a_killed_prune_took_whole_batches_of_the_oldest_and_resumes(plesk):
    px = plesk
    write(px, 20000, 100, MINE)               # expired (retention 90 days)
    write(px, 300, 100, THEIRS)
    write(px, 200, 0, MINE)                   # kept
    write(px, 200, 0, THEIRS)
    recount(px)
    expired = ids(px, "logged_at < NOW() - INTERVAL 90 DAY")
    kept = ids(px, "logged_at >= NOW() - INTERVAL 90 DAY")
    argv = [hxenv.CORECLI, "-c", px.config, "prune", 90, 10000000, 5,
            600000]
    proc = subprocess.Popen([str(a) for a in argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    gone = 0
    while gone < 200 and time.monotonic() < deadline:
        time.sleep(0.02)
        gone = len(expired) - int(px.scalar(
            "oxt", "SELECT COUNT(*) FROM replication_log WHERE logged_at"
            " < NOW() - INTERVAL 90 DAY"))
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the prune ended on its own"
    left = ids(px, "1 = 1")
    # whole batches of the oldest, nothing newer: what is left is the
    # newest of the expired rows, in their order, and every kept row
    deleted = len(expired) + len(kept) - len(left)
    assert 200 <= deleted < len(expired)
    assert deleted % 5 == 0, deleted
    assert left == expired[deleted:] + kept
    # the next prune carries on, batch by batch, and ends
    rc, out = px.core("prune", 90, 10000000, 1000, 60000)
    assert (rc, out["expired"], out["more"]) == (0, len(expired) - deleted,
                                                 False), out
    # full batches, then the one that found fewer than a batch
    assert out["batches"] == (len(expired) - deleted) // 1000 + 1, out
    assert ids(px, "1 = 1") == kept
    # a kill between a batch's delete and its counts left them high: the
    # daily recount puts them right
    recount(px)
    totals_match(px)


def test_the_row_cap_in_bounded_batches_keeps_the_newest(plesk):
    px = plesk
    write(px, 2500, 10, THEIRS)
    write(px, 2500, 5, MINE)
    recount(px)
    newest = ids(px, "1 = 1")[-1200:]
    rc, out = px.core("prune", 90, 1200, 1000, 60000)
    assert (out["over_cap"], out["expired"], out["more"]) == (3800, 0,
                                                              False), out
    # one look for expired rows (none: no batch), then batches of at most
    # 1000
    assert out["batches"] == 4, out
    assert ids(px, "1 = 1") == newest
    totals_match(px)
    # a budget of nothing: one batch a call, "more" while rows are left
    write(px, 1500, 1, MINE)
    recount(px)
    rc, out = px.core("prune", 90, 1200, 1000, 0)
    assert (out["over_cap"], out["more"]) == (1000, True), out
    # the last one knows it took the last row beyond the cap
    rc, out = px.core("prune", 90, 1200, 1000, 0)
    assert (out["over_cap"], out["more"]) == (500, False), out
    rc, out = px.core("prune", 90, 1200, 1000, 0)
    assert (out["over_cap"], out["more"]) == (0, False), out
    totals_match(px)


def test_clean_log_in_batches_takes_the_callers_rows_only(plesk):
    px = plesk
    write(px, 2600, 1, MINE)                  # more than two batches
    write(px, 2400, 1, THEIRS)
    recount(px)
    theirs = ids(px, "reseller_id = 3")
    rc, out = px.core("logs-clean", "client1")
    assert (rc, out["deleted"]) == (0, 2600), out
    assert ids(px, "1 = 1") == theirs
    totals_match(px)
    # Remove of more ids than a batch: all of them the caller's, or none
    mine = ids(px, "1 = 1", "id")[:1500]
    rc, out = px.core("logs-remove", "client2", *mine)
    assert (rc, out["deleted"]) == (0, 1500), out
    rc, out = px.core("logs-remove", "client1", *ids(px, "1 = 1")[:1])
    assert (rc, out["status"]) == (1, "ENOENT"), out
    assert len(ids(px, "1 = 1")) == 900
    totals_match(px)


def test_a_search_counts_up_to_a_bound_and_says_there_are_more(plesk):
    px = plesk
    write(px, 10050, 1, MINE)
    write(px, 30, 1, THEIRS)
    recount(px)
    rc, out = px.core("logs", "admin", "--q", "mine")
    assert (out["total"], out["more"], len(out["rows"])) == (10000, True,
                                                             25), out
    # its pages are those of the 10,000 it counted, the first by address,
    # sorted as asked (a bounded walk and sort, wherever the matches are)
    counted = ids(px, "id IN (SELECT id FROM (SELECT id FROM replication_log"
                  " WHERE address LIKE 'mine%' ORDER BY address, logged_at,"
                  " id LIMIT 10000) m)", "logged_at DESC, id DESC")
    assert len(counted) == 10000
    assert [r["id"] for r in out["rows"]] == counted[:25]
    rc, out = px.core("logs", "admin", "--q", "mine", "--offset", 9990)
    assert [r["id"] for r in out["rows"]] == counted[9990:]
    rc, out = px.core("logs", "admin", "--q", "mine", "--sort", "outcome",
                      "--asc", "--offset", 5000)
    assert [r["id"] for r in out["rows"]] == ids(
        px, "id IN (%s)" % ",".join(map(str, counted)),
        "outcome ASC, logged_at ASC, id ASC")[5000:5025]
    # by mailbox, they are the first 10,000 in that order themselves
    rc, out = px.core("logs", "admin", "--q", "mine", "--sort", "mailbox",
                      "--asc", "--offset", 9980)
    assert [r["id"] for r in out["rows"]] == ids(
        px, "address LIKE 'mine%'", "address, logged_at, id")[9980:10005]
    rc, out = px.core("logs", "admin", "--q", "mine1", "--limit", 0)
    assert (out["total"], out["more"]) == (len(out["rows"]), False), out
    assert out["total"] == len(ids(px, "address LIKE 'mine1%'"))
    rc, out = px.core("logs", "client2", "--q", "mine")
    assert (out["total"], out["more"], out["rows"]) == (0, False, [])
    rc, out = px.core("logs", "client2", "--q", "theirs")
    assert (out["total"], out["more"]) == (30, False), out
    # at the bound exactly: counted, no more; one match beyond it: more
    # (for the whole log and for a lone owner's subtree). Removed as the
    # product removes (its journal is what a dense search's marker
    # subtracts, below)
    for who, where in (("admin", "1 = 1"), ("reseller1", "reseller_id = 2")):
        beyond = ids(px, "address LIKE 'mine%'", "id")[10000:]
        rc, out = px.core("logs-remove", "admin", *beyond)
        assert (rc, out["deleted"]) == (0, len(beyond)), out
        assert len(ids(px, where + " AND address LIKE 'mine%'")) == 10000
        rc, out = px.core("logs", who, "--q", "mine", "--limit", 0)
        assert (out["total"], out["more"]) == (10000, False), out
        write(px, 1, 1, MINE)
        rc, out = px.core("logs", who, "--q", "mine", "--limit", 0)
        assert (out["total"], out["more"]) == (10000, True), out
        rc, out = px.core("logs", who, "--q", "mine9", "--limit", 0)
        assert (out["total"], out["more"]) == (len(ids(
            px, where + " AND address LIKE 'mine9%'")), False), out


def markers(px):
    return {(r[0], int(r[1])): int(r[2]) for r in px.sql(
        "oxt", "SELECT level, owner, n FROM replication_log_dense")}


def dense(px, who, q="mine"):
    rc, out = px.core("logs", who, "--q", q, "--limit", 0)
    assert rc == 0, out
    return out["total"], out["more"]


def test_a_dense_search_is_marked_and_stays_exact_through_deletes(plesk):
    # a search with more matches than it counts is counted once and
    # marked (0145); the pages after it trust the marker minus the
    # journal's matches that left since, and count again when that is
    # no longer more than the bound
    px = plesk
    write(px, 10040, 1, MINE)
    write(px, 30, 1, THEIRS)
    recount(px)
    assert markers(px) == {}
    for who in ("admin", "reseller1"):
        assert dense(px, who) == (10000, True)
    assert markers(px) == {("all", 0): 10040, ("reseller", 2): 10040}
    assert dense(px, "client1") == (10000, True)      # counted, marked too
    mine = ids(px, "address LIKE 'mine%'", "id")
    rc, out = px.core("logs-remove", "admin", *mine[:39])
    assert (rc, out["deleted"]) == (0, 39), out
    for who in ("admin", "reseller1"):
        assert dense(px, who) == (10000, True)        # 10,001 left
    # not counted again: the markers are as they were
    assert markers(px)[("all", 0)] == 10040
    assert markers(px)[("reseller", 2)] == 10040
    rc, out = px.core("logs-remove", "admin", mine[39])
    assert (rc, out["deleted"]) == (0, 1), out
    for who in ("admin", "reseller1", "client1"):
        assert dense(px, who) == (10000, False), who  # exactly the bound
    write(px, 1, 0, MINE)
    assert dense(px, "admin") == (10000, True)
    assert markers(px)[("all", 0)] == 10001           # counted and marked
    # another search, another subtree: their own counts
    assert dense(px, "admin", "theirs") == (30, False)
    assert dense(px, "reseller2") == (0, False)
    # a Clean Log takes every match: the marker's proof is gone with them
    rc, out = px.core("logs-clean", "dom1.example")
    assert (rc, out["deleted"]) == (0, 10001), out
    for who in ("admin", "reseller1", "client1", "dom1.example"):
        assert dense(px, who) == (0, False), who
    # the page index's next build drops the markers older than it
    rc, out = px.core("logs-pages")
    assert rc == 0, out
    assert markers(px) == {}


def test_a_dense_marker_older_than_the_page_index_is_not_used(plesk):
    # a build drops the journal rows the build before it saw: a marker
    # counted before them (one a page wrote while the build switched)
    # cannot see what left, and counts again
    px = plesk
    write(px, 10100, 1, MINE)
    recount(px)
    assert dense(px, "admin") == (10000, True)
    stale = px.sql("oxt", "SELECT level, owner, pattern, n, gone_seq FROM"
                   " replication_log_dense")
    assert len(stale) == 1 and int(stale[0][3]) == 10100, stale
    rc, out = px.core("logs-remove", "admin",
                      *ids(px, "address LIKE 'mine%'", "id")[:100])
    assert (rc, out["deleted"]) == (0, 100), out
    for _ in range(2):                # the second drops the first's journal
        rc, out = px.core("logs-pages")
        assert rc == 0, out
    assert int(px.scalar("oxt", "SELECT COUNT(*) FROM replication_log_gone"
                         " WHERE seq > %s" % stale[0][4])) == 0
    px.exec("oxt", "INSERT INTO replication_log_dense (level, owner,"
            " pattern, n, gone_seq, marked_at) VALUES ('%s', %s, '%s', %s,"
            " %s, NOW())" % tuple(stale[0]))
    assert dense(px, "admin") == (10000, False)


SPREAD = """
INSERT INTO replication_log (logged_at, mail_id, address, dom_id,
  domain_name, client_id, reseller_id, service_type, scheduled_by,
  operation, outcome)
SELECT NOW() - INTERVAL IF(seq <= 1500, 100, 1) DAY + INTERVAL seq SECOND,
  seq, CONCAT('spread', seq, '@d', seq % 60, '.example'), 1000 + seq % 60,
  CONCAT('d', seq % 60, '.example'), 500 + seq % 20, 300 + seq % 5,
  'webmail', 'Automatic', 'update', 'success'
FROM seq_1_to_4000
"""

TRUE_COUNTS = """
SELECT 'all', 0, COUNT(*) FROM replication_log
UNION ALL SELECT 'reseller', reseller_id, COUNT(*) FROM replication_log
  GROUP BY reseller_id
UNION ALL SELECT 'client', client_id, COUNT(*) FROM replication_log
  GROUP BY client_id
UNION ALL SELECT 'domain', COALESCE(dom_id, 0), COUNT(*)
  FROM replication_log GROUP BY COALESCE(dom_id, 0)
"""


def counts_are_true(px):
    stored = {(r[0], r[1]): r[2] for r in px.sql(
        "oxt", "SELECT level, id, n FROM replication_log_count WHERE n > 0")}
    true = {(r[0], r[1]): r[2] for r in px.sql("oxt", TRUE_COUNTS)}
    assert stored == true


def test_counts_stay_true_over_batches_of_many_owners(plesk):
    # a batch over 60 domains, 20 clients and 5 resellers: each delete
    # takes its rows from every count it touches
    px = plesk
    px.exec("oxt", SPREAD)
    recount(px)
    counts_are_true(px)
    rc, out = px.core("prune", 90, 10000000, 1000, 60000)
    assert out["expired"] == 1500, out
    counts_are_true(px)
    rc, out = px.core("logs-remove", "admin",
                      *ids(px, "1 = 1", "id")[::5])
    assert out["deleted"] == 500, out
    counts_are_true(px)
    # the cap by the rows: the 1200 newest stay
    newest = ids(px, "1 = 1", "id")[-1200:]
    rc, out = px.core("prune", 90, 1200, 1000, 60000)
    assert out["over_cap"] == 2000 - 1200, out
    assert ids(px, "1 = 1", "id") == newest
    counts_are_true(px)
    # counts that drifted high (a kill between a batch and its counts)
    # never make the cap take a row it should keep
    px.exec("oxt", "UPDATE replication_log_count SET n = n + 5000")
    rc, out = px.core("prune", 90, 1000, 1000, 60000)
    assert out["over_cap"] == 200, out
    assert ids(px, "1 = 1", "id") == newest[-1000:]
    rc, out = px.core("prune", 90, 1000, 1000, 60000)
    assert out["over_cap"] == 0, out
    assert len(ids(px, "1 = 1")) == 1000


class Pruner:
    """One process's prunes, the row cap's boundary remembered from one
    to the next as the daemon's are (oxt-corecli prune-calls ... stdin
    kept): a call for each step()."""

    def __init__(self, px, max_rows):
        argv = [hxenv.CORECLI, "-c", px.config, "prune-calls", 3650,
                max_rows, 1000, 0, "stdin", "kept"]
        self.proc = subprocess.Popen([str(a) for a in argv],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)

    def step(self):
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, self.proc.stderr.read()
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        return self.proc.wait(timeout=30)


def newest(px, n):
    return sorted(ids(px, "1 = 1", "id DESC")[:n])


def test_the_cap_remembered_between_calls_keeps_the_newest(plesk):
    """The daemon's prunes remember the cap's boundary (oxt_replog_cap_t)
    instead of walking max_rows entries each call: through rows added,
    newer rows removed (the boundary moves down), a row given an id below
    it (as a late commit is), expired rows deleted above it and a new
    build of the page index (it walks again then), every call keeps
    exactly the newest max_rows rows, and walks only when it must."""
    px = plesk
    cap = 300
    write(px, 500, 5, THEIRS)
    recount(px)
    rc, out = px.core("logs-pages")
    assert rc == 0 and out["paged"], out
    pr = Pruner(px, cap)
    try:
        want = newest(px, cap)
        total = len(ids(px, "1 = 1"))
        out = pr.step()
        assert (out["over_cap"], out["walks"], out["known"]) == (
            total - cap, 1, 1), out
        assert ids(px, "1 = 1", "id") == want
        # rows added: the boundary moves up through them, no walk
        write(px, 40, 0, MINE)
        px.exec("oxt", "UPDATE replication_log_count SET n = n + 40 WHERE"
                " level = 'all'")
        want = newest(px, cap)
        out = pr.step()
        assert (out["over_cap"], out["walks"]) == (40, 1), out
        assert ids(px, "1 = 1", "id") == want
        # newer rows removed, a row given an id below the boundary, then
        # rows added: the boundary moves down through the older rows
        top = ids(px, "1 = 1", "id DESC")
        rc, out = px.core("logs-remove", "admin", *top[:25])
        assert rc == 0, out
        low = min(top) - 1
        px.exec("oxt", "INSERT INTO replication_log (id, logged_at, mail_id,"
                " address, dom_id, domain_name, client_id, reseller_id,"
                " service_type, scheduled_by, operation, outcome) SELECT %d -"
                " seq, NOW(), 1, 'late@dom1.example', 1, 'dom1.example', 4,"
                " 2, 'webmail', 'Automatic', 'update', 'success' FROM"
                " seq_0_to_14" % low)
        write(px, 12, 0, MINE)
        px.exec("oxt", "UPDATE replication_log_count SET n = n + 27 WHERE"
                " level = 'all'")
        want = newest(px, cap)
        assert len(ids(px, "1 = 1")) == cap + 2
        out = pr.step()
        assert (out["over_cap"], out["walks"]) == (2, 1), out
        assert ids(px, "1 = 1", "id") == want
        # rows above the boundary expired (deleted by retention, as
        # journaled deletes), then more added
        px.exec("oxt", "UPDATE replication_log SET logged_at = NOW() -"
                " INTERVAL 4000 DAY WHERE id IN (%s)" % ", ".join(
                    str(i) for i in want[100:110]))
        write(px, 30, 0, MINE)
        px.exec("oxt", "UPDATE replication_log_count SET n = n + 30 WHERE"
                " level = 'all'")
        after = [i for i in ids(px, "1 = 1", "id") if i not in want[100:110]]
        want = sorted(after)[-cap:]
        out = pr.step()
        assert (out["expired"], out["walks"]) == (10, 1), out
        if out["more"]:
            out = pr.step()
        assert ids(px, "1 = 1", "id") == want, out
        assert out["walks"] == 1, out
        # a new build of the page index drops journal rows: a walk again
        rc, out = px.core("logs-pages")
        assert rc == 0 and out["paged"], out
        write(px, 5, 0, MINE)
        px.exec("oxt", "UPDATE replication_log_count SET n = n + 5 WHERE"
                " level = 'all'")
        want = newest(px, cap)
        out = pr.step()
        assert (out["over_cap"], out["walks"]) == (5, 2), out
        assert ids(px, "1 = 1", "id") == want
    finally:
        rc = pr.close()
    assert rc == 0
    recount(px)
    totals_match(px)
