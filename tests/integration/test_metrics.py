"""`oxtender-replicator metrics` (replicator/oxt_repl_cmd_metrics.c,
lib/oxt_metrics.c) and the daemon's loopback endpoint
(replicator/oxt_repl_httpd.c): the Prometheus text exposition, judged by
Debian's promtool, with its numbers checked against a known state — what
the emulator counted, what the state tables and the log hold.

The counters live in the oxtender database, so every `metrics` is a
separate process reading what the runs added; a run killed half-way must
never count an operation twice (they are added in the transaction of the
records they count).

Data: the default PleskSetup (harness/plesk.py). dom1 and dom7 selected:
2 contexts, 8 users.
"""
import http.client
import os
import signal
import socket
import subprocess
import time

import pytest

from harness import env as hxenv
from harness import prom
from harness.plesk import EVENT_VARS, make_plesk, plesk  # noqa: F401

OPS = ("context_create", "context_change", "context_delete", "admin_change",
       "user_create",
       "user_change", "user_access", "user_delete")
FAULTS = ("auth", "context_exists", "user_exists", "no_context", "no_user",
          "invalid", "busy", "http_5xx", "connect", "timeout", "fault",
          "http", "xml", "too_big", "other")
CTX_CREATE = "OXContextService.createModuleAccessByName"
USER_CREATE = "OXUserService.createByModuleAccessName"


def metrics(px, *args, config=None, rc=0):
    res = px.repl("metrics", *args, config=config)
    assert res.returncode == rc, px.describe(res)
    return res


def exposition(px):
    text = metrics(px).stdout
    prom.promtool_check(text)
    return prom.parse(text)


def ops(m, kind, outcome):
    return m.value("oxtender_operations_total", kind=kind, outcome=outcome)


def counters(m):
    """Every counter and histogram sample: what must only ever grow."""
    return {(n, tuple(sorted(l.items()))): v for n, l, v in m.lines
            if n.endswith("_total") or "_duration_seconds" in n}


def select(px, *doms):
    for d in doms:
        px.set_pref("domain", d, webmail_forever="on")


def check_histogram(m, calls):
    """Per operation: cumulative buckets, +Inf = _count = the emulator's
    count of that call, a plausible _sum."""
    seen = set()
    for labels, count in m.samples(
            "oxtender_soap_call_duration_seconds_count"):
        op = labels["operation"]
        seen.add(op)
        buckets = [(l["le"], v) for l, v in m.samples(
            "oxtender_soap_call_duration_seconds_bucket")
            if l["operation"] == op]
        values = [v for _, v in buckets]
        assert buckets[-1][0] == "+Inf" and values == sorted(values), buckets
        assert values[-1] == count == calls.get(op), (op, count, calls)
        total = m.value("oxtender_soap_call_duration_seconds_sum",
                        operation=op)
        assert 0 < total < 10 * count, (op, total)
    assert seen == set(calls), (seen, calls)


def test_metrics_match_a_known_state(plesk):
    before = exposition(plesk)
    assert before.value("oxtender_database_up") == 1
    assert before.value("oxtender_build_info", version=open(os.path.join(
        hxenv.TOP, "VERSION")).read().strip()) == 1
    assert all(ops(before, k, o) == 0 for k in OPS
               for o in ("success", "failure"))
    assert before.samples("oxtender_soap_call_duration_seconds_count") == []
    assert before.value("oxtender_last_run_start_timestamp_seconds") is None
    assert before.value("oxtender_ox_reachable") is None, "never tried"

    select(plesk, 1, 7)
    t0 = time.time()
    plesk.run()
    t1 = time.time()
    m = exposition(plesk)
    calls = plesk.ox_calls()
    assert ops(m, "context_create", "success") == calls[CTX_CREATE] == 2
    assert ops(m, "user_create", "success") == calls[USER_CREATE] == 8
    assert sum(ops(m, k, o) for k in OPS for o in ("success", "failure")) \
        == 10
    check_histogram(m, calls)
    assert all(m.value("oxtender_soap_faults_total", kind=k) == 0
               for k in FAULTS)
    for name in ("last_run_start", "last_run_end", "last_run_success",
                 "last_full_pass_start", "last_full_pass_success",
                 "ox_last_contact", "ox_last_answer"):
        ts = m.value("oxtender_%s_timestamp_seconds" % name)
        assert ts is not None and t0 - 2 <= ts <= t1 + 2, (name, ts, t0)
    assert m.value("oxtender_ox_reachable") == 1
    assert m.value("oxtender_queue_items", state="due") == 0
    assert m.value("oxtender_queue_items", state="backing_off") == 0
    assert m.value("oxtender_queue_items", state="in_progress") == 0
    assert m.value("oxtender_parked_items") == 0
    assert m.value("oxtender_lock_held") == 0
    assert m.value("oxtender_domains", state="ok") == 2
    # every state/reason/service group as the table has it
    rows = plesk.sql("oxt", "SELECT status, COALESCE(status_reason, ''),"
                     " service_type, COUNT(*) FROM mailbox_state"
                     " GROUP BY 1, 2, 3")
    want = {(s, r, svc): float(n) for s, r, svc, n in rows}
    got = {(l["state"], l.get("reason", ""), l["service"]): v
           for l, v in m.samples("oxtender_mailboxes")}
    assert got == want and got[("replicated", "", "webmail")] == 8, got

    # a separate process reads the same totals; a run with nothing to do
    # adds nothing
    assert counters(exposition(plesk)) == counters(m)
    plesk.run()
    assert counters(exposition(plesk)) == counters(m)
    # one password change: one user_change and one more call of it
    plesk.exec("psa", "UPDATE accounts a JOIN mail x ON x.account_id = a.id"
               " SET a.type = 'plain', a.password = 'changed-1'"
               " WHERE x.id = 1")
    plesk.run()
    m2 = exposition(plesk)
    assert ops(m2, "user_change", "success") == 1
    assert ops(m2, "user_create", "success") == 8
    check_histogram(m2, plesk.ox_calls())


def test_failures_are_counted_by_kind(plesk):
    """OX away: each attempt is a failed operation and a connect fault;
    OX refusing our account: an auth fault, but OX did answer."""
    select(plesk, 1)
    port = plesk.sim.port
    plesk.settings_set(ox_host="127.0.0.1:%d" % hxenv.free_port())
    plesk.run()
    m = exposition(plesk)
    assert ops(m, "context_create", "failure") == 1
    assert m.value("oxtender_soap_faults_total", kind="connect") == 1
    assert m.value("oxtender_ox_reachable") == 0
    assert m.value("oxtender_ox_last_answer_timestamp_seconds") is None
    # the failure put the item back with a delay below 2 s (full jitter),
    # which a busy machine may outlast before the exposition: the item is
    # waiting, and counts as backing off while its delay runs
    rows = plesk.queue_rows()
    assert [(r["attempts"], r["parked"]) for r in rows] == [("1", "0")], rows
    assert m.value("oxtender_queue_items", state="backing_off") + \
        m.value("oxtender_queue_items", state="due") == 1
    plesk.exec("oxt", "UPDATE queue SET not_before = NOW(3) + INTERVAL 1 HOUR")
    assert exposition(plesk).value("oxtender_queue_items",
                                   state="backing_off") == 1
    failed_rows = plesk.scalar("oxt", "SELECT COUNT(*) FROM replication_log"
                               " WHERE outcome = 'failure'")
    assert int(failed_rows) == m.total("oxtender_operations_total",
                                       outcome="failure")

    plesk.settings_set(ox_host="127.0.0.1:%d" % port)
    plesk.set_ox_password("not-the-password")
    plesk.exec("oxt", "UPDATE queue SET not_before = NOW(3)")
    plesk.run()
    m = exposition(plesk)
    assert m.value("oxtender_soap_faults_total", kind="auth") >= 1
    assert ops(m, "context_create", "failure") >= 2
    assert m.value("oxtender_ox_reachable") == 1, "OX answered (a fault)"
    assert m.value("oxtender_ox_last_answer_timestamp_seconds") is not None


def test_without_the_database_the_exposition_says_so(plesk, tmp_path):
    config = plesk.write_config(path=str(tmp_path / "down.conf"),
                                db_port=hxenv.free_port(),
                                db_connect_timeout=2)
    res = metrics(plesk, config=config, rc=1)
    assert "Cannot connect" in res.stderr or "connect" in res.stderr, \
        res.stderr
    prom.promtool_check(res.stdout)
    m = prom.parse(res.stdout)
    assert m.value("oxtender_database_up") == 0
    assert m.samples("oxtender_operations_total") == []
    assert m.value("oxtender_lock_held") == 0, "the lock needs no database"


def test_textfile_is_replaced_in_one_rename(plesk, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    target = tmp_path / "oxtender.prom"
    os.symlink(str(victim), str(target))
    metrics(plesk, "--textfile", str(target))
    assert not target.is_symlink() and victim.read_text() == "keep me\n"
    assert (target.stat().st_mode & 0o777) == 0o644
    text = target.read_text()
    prom.promtool_check(text)
    assert prom.parse(text).value("oxtender_database_up") == 1
    assert sorted(os.listdir(str(tmp_path))) == ["oxtender.prom", "victim"]
    res = plesk.repl("metrics", "--textfile")
    assert res.returncode == 2 and "usage" in res.stderr, plesk.describe(res)


def test_a_killed_run_never_counts_twice(make_plesk):
    """Runs killed right after OX applied a call (its answer delayed, our
    commit not made), then a run to the end: every context and user was
    created in OX exactly once, so its create was counted exactly once
    (the repeat adopts what OX has), and the log and the counters agree."""
    px = make_plesk(oxsim_args=("--latency-ms", "40"))
    px.exec("psa", "UPDATE domains SET status = 0;"
            " UPDATE clients SET status = 0")
    px.set_pref("reseller", 2, webmail_forever="on")
    px.set_pref("reseller", 3, webmail_forever="on")
    e = {k: v for k, v in os.environ.items() if k not in EVENT_VARS}
    for k in (2, 7, 13):
        base = px.ox_counters()["requests"]
        proc = subprocess.Popen([hxenv.REPLICATOR, "-c", px.config, "run"],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=e)
        try:
            hxenv.wait_until(lambda: proc.poll() is not None or
                             px.ox_counters()["requests"] - base >= k,
                             timeout=20, interval=0.002)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(10)
    for _ in range(3):
        px.exec("oxt", "UPDATE queue SET not_before = NOW(3)")
        px.run()
    m = exposition(px)
    state = px.ox_state()
    users = sum(1 for c in state["contexts"] for u in c["users"]
                if str(u.get("contextadmin")).lower() not in ("true", "1"))
    assert len(state["contexts"]) > 5 and users > 20, state["nusers"]
    assert ops(m, "context_create", "success") == len(state["contexts"])
    assert ops(m, "user_create", "success") == users
    logged = dict(px.sql("oxt", "SELECT outcome, COUNT(*) FROM"
                         " replication_log GROUP BY outcome"))
    assert float(logged.get("success", 0)) == sum(
        ops(m, k, "success") for k in OPS if k.startswith("user_"))
    assert float(logged.get("failure", 0)) == m.total(
        "oxtender_operations_total", outcome="failure")


# ---- the daemon's endpoint ---------------------------------------------------


@pytest.fixture
def endpoint(plesk, tmp_path):
    """A daemon serving metrics on a free loopback port; (port, proc)."""
    port = hxenv.free_port()
    config = plesk.write_config(path=str(tmp_path / "daemon.conf"),
                                metrics_listen="127.0.0.1:%d" % port)
    e = {k: v for k, v in os.environ.items() if k not in EVENT_VARS}
    log = open(str(tmp_path / "daemon.err"), "w")
    proc = subprocess.Popen([hxenv.REPLICATOR, "-c", config, "daemon"],
                            stdout=subprocess.DEVNULL, stderr=log, env=e)
    try:
        assert hxenv.wait_until(lambda: hxenv.port_answers(port), 10), \
            "the endpoint did not come up"
        yield port, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        log.close()
        assert rc == 0, open(str(tmp_path / "daemon.err")).read()


def request(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request(method, path, body=body)
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def raw(port, data):
    """Sends bytes as they are; returns everything the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def test_the_daemon_serves_the_same_numbers(plesk, endpoint):
    port, _ = endpoint
    select(plesk, 1, 7)
    plesk.exec("oxt", "INSERT INTO queue (object_type, object_id, reason,"
               " enqueued_at, not_before) VALUES"
               " ('domain', 1, 'test', NOW(3), NOW(3)),"
               " ('domain', 7, 'test', NOW(3), NOW(3))")
    assert hxenv.wait_until(
        lambda: plesk.ox_calls().get(USER_CREATE, 0) == 8, 15), \
        plesk.ox_calls()
    assert hxenv.wait_until(lambda: prom.parse(request(
        port, "GET", "/metrics")[2].decode()).value(
            "oxtender_operations_total", kind="user_create",
            outcome="success") == 8, 10)
    status, headers, body = request(port, "GET", "/metrics")
    assert status == 200, body
    assert headers["Content-Type"] == \
        "text/plain; version=0.0.4; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    text = body.decode()
    prom.promtool_check(text)
    m = prom.parse(text)
    assert m.value("oxtender_lock_held") == 1, "the daemon holds the lock"
    assert m.value("oxtender_lock_idle_seconds") < 60
    assert counters(m) == counters(exposition(plesk))
    check_histogram(m, plesk.ox_calls())

    status, headers, body = request(port, "HEAD", "/metrics")
    assert status == 200 and body == b"" and \
        int(headers["Content-Length"]) > 1000
    assert request(port, "GET", "/")[0] == 404
    assert request(port, "GET", "/metrics/x")[0] == 404
    status, headers, _ = request(port, "POST", "/metrics", body="x=1")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    assert request(port, "GET", "/metrics?name[]=x")[0] == 200


BAD_HEADS = [
    b"GET /metrics\r\n\r\n",                       # HTTP/0.9
    b"GET /metrics HTTP/2.0\r\n\r\n",
    b"GET  /metrics HTTP/1.1\r\n\r\n",
    b"get /metrics HTTP/1.1\r\n\r\n",
    b"GET metrics HTTP/1.1\r\n\r\n",
    b"GET /met\x00rics HTTP/1.1\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nX: a\r\n b\r\n\r\n",  # folded
    b"GET /metrics HTTP/1.1\r\nNo colon\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nX: \x01\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 5000 + b"\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\n" + b"X: a\r\n" * 65 + b"\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\n",        # ends unfinished
]


def test_the_endpoint_refuses_what_is_not_a_request(plesk, endpoint):
    port, proc = endpoint
    for data in BAD_HEADS:
        out = raw(port, data)
        assert out.startswith(b"HTTP/1.0 400 Bad Request\r\n"), \
            (data[:60], out[:200])
        assert b"Connection: close\r\n" in out
    # and it goes on serving
    assert request(port, "GET", "/metrics")[0] == 200
    assert proc.poll() is None


def test_only_loopback_addresses_are_taken(site, tmp_path):
    """The configuration refuses any other address before a command runs
    (tests/unit/test_config.c has the full table)."""
    for value in ("0.0.0.0:9464", "192.168.1.10:9464", "localhost:9464",
                  "[::]:9464", "127.0.0.1"):
        config = site.write_config(path=str(tmp_path / "c.conf"),
                                   metrics_listen=value)
        res = site.replicator("status", config=config)
        assert res.returncode == 1 and \
            "invalid value for 'metrics_listen'" in res.stderr, \
            (value, res.returncode, res.stderr)
    config = site.write_config(path=str(tmp_path / "c.conf"),
                               metrics_listen="127.0.0.1:9464")
    res = site.replicator("status", config=config)
    assert res.returncode == 0, res.stderr


def test_license_limits_and_usage(make_plesk):  # noqa: F811
    """The license in force and what it counts, as `license --json` says
    (both read the same table): limits (+Inf when unlimited), the last
    full pass's usage and the mailboxes each limit refused."""
    px = make_plesk(license=dict(tier="10", domains=2))
    m = exposition(px)
    assert m.value("oxtender_license_key_in_force") == 1
    assert m.value("oxtender_license_limit", resource="domains") == 2
    assert m.value("oxtender_license_limit",
                   resource="groupware_mailboxes") == 50
    assert m.samples("oxtender_license_usage") == [], "nothing counted yet"
    px.set_pref("reseller", 2, webmail_forever="on")
    px.run()
    m = exposition(px)
    st = px.license_status()
    terms, usage = st["terms"], st["usage"]
    for resource, limit in (("domains", terms["max_domains"]),
                            ("plesk_mailboxes", terms["max_plesk_mailboxes"]),
                            ("groupware_mailboxes", terms["groupware_cap"])):
        want = float("inf") if limit is None else limit
        assert m.value("oxtender_license_limit", resource=resource) == want
    assert m.value("oxtender_license_premium") == int(terms["premium"])
    assert m.value("oxtender_license_usage", resource="domains") \
        == usage["domains"] == 2
    assert m.value("oxtender_license_usage", resource="plesk_mailboxes") \
        == usage["plesk_mailboxes"] == int(px.scalar(
            "psa", "SELECT COUNT(*) FROM mail WHERE postbox = 'true'"))
    assert m.value("oxtender_license_usage",
                   resource="groupware_mailboxes") == usage["groupware"]
    refused = int(px.scalar("oxt", "SELECT COUNT(*) FROM mailbox_state"
                            " WHERE status_reason = 'license_domains'"))
    assert refused > 0
    assert m.value("oxtender_license_refused_mailboxes", reason="domains") \
        == usage["refused"]["domains"] == refused
    assert m.value("oxtender_license_limit_reached") \
        == int(st["limit_reached"])
    assert m.value("oxtender_license_restricted") == 0


def test_the_tally_keeps_the_contact_and_its_time(plesk):
    """oxt_metrics_tally_flush_counts writes the counts and keeps the
    last contact for the later flush (lib/oxt_store.c writes it at most
    once a second), and that flush writes when the contact happened, not
    when it flushed: an answer 3 s ago, then a failure 1.5 s ago
    (tests/corecli metrics-tally)."""
    rc, out = plesk.core("metrics-tally", 3000, 1500)
    assert rc == 0, out
    before, counts, flushed = out["before"], out["counts"], out["flushed"]
    assert out["empty"] is True
    assert counts["operations"] == before["operations"] + 1
    for k in ("contact_ms", "answered_ms", "reachable", "failure", "by"):
        assert counts[k] == before[k], k
    assert flushed["operations"] == counts["operations"]
    assert (flushed["reachable"], flushed["failure"], flushed["by"]) == (
        0, "refused", "replicator")
    # the command's own time from its start to the flush: well under 1 s
    assert 1500 <= flushed["now_ms"] - flushed["contact_ms"] < 2500, out
    assert 3000 <= flushed["now_ms"] - flushed["answered_ms"] < 4000, out


def test_a_flush_never_moves_the_contact_back(plesk):
    """`health` writes its contact while the tally keeps an older one (an
    answer 3 s ago, a failure 1.5 s ago): the flush leaves the stored
    time, verdict and writer health's, and the time of the last answer
    (it wrote its own time over the newer one: the stored contact went
    back by 1.5 s and said "refused")."""
    read = ("SELECT ox_contact_at, ox_reachable, ox_failure, ox_contact_by,"
            " ox_answered_at FROM replicator_activity")
    plesk.repl("health")
    before = plesk.sql("oxt", read)
    assert before[0][1:4] == ("1", None, "health"), before
    rc, out = plesk.core("metrics-tally", 3000, 1500)
    assert rc == 0, out
    assert out["flushed"]["contact_ms"] > out["flushed"]["now_ms"] - 1500
    assert plesk.sql("oxt", read) == before
    # a newer contact is still written
    rc, out = plesk.core("metrics-tally", 0, 0)
    assert rc == 0, out
    assert (out["flushed"]["reachable"], out["flushed"]["by"]) == (
        0, "replicator")
