"""`oxtender-replicator daemon` (replicator/oxt_repl_cmd_daemon.c): the
first full pass at start, an event's change in OX within a second or two,
a database that is away for a while or drops the connection, SIGTERM,
and the lock it holds for its whole life.

Data: default PleskSetup size (harness/plesk.py). Webmail Forever on the
domains dom1, dom2 (IDN), dom7 and dom9: 4 contexts, 14 users; domain
prefs only, so harness/oxexpect.py computes the desired state.

Each daemon is started by the test with its stderr in a file and is
stopped (SIGTERM, then SIGKILL) by the fixture even when the test fails.
"""
import fcntl
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from harness import env as hxenv
from harness import oxexpect
from harness.plesk import EVENT_VARS, make_plesk, plesk  # noqa: F401

DOMAINS = (1, 2, 7, 9)


class Daemon:
    def __init__(self, px, config=None, name="daemon"):
        self.px = px
        self.log_path = os.path.join(px.root, "%s-%d.stderr" % (
            name, time.monotonic_ns()))
        e = {k: v for k, v in os.environ.items() if k not in EVENT_VARS}
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [hxenv.REPLICATOR, "-c", config or px.config, "daemon"],
            stdout=subprocess.DEVNULL, stderr=self.log, env=e)
        self.started = time.monotonic()

    def stderr(self):
        with open(self.log_path) as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def terminate(self, timeout=10):
        """SIGTERM; returns (exit code, seconds it took)."""
        t0 = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        return rc, time.monotonic() - t0

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def daemons():
    """start(px, config=None) -> Daemon; all killed after the test."""
    made = []

    def start(px, config=None, name="daemon"):
        d = Daemon(px, config, name)
        made.append(d)
        return d

    yield start
    for d in made:
        d.close()


def wait_for(pred, timeout, step=0.05):
    """Polls pred() until it is true; returns the seconds it took or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return time.monotonic() - t0
        time.sleep(step)
    return None


def handoff_held(px):
    """Whether someone holds the spool's hand-off lock (the daemon)."""
    fd = os.open(os.path.join(px.spool_dir, ".daemon.lock"), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def select(px):
    for dom_id in DOMAINS:
        px.set_pref("domain", dom_id, webmail_forever="on")
    return oxexpect.desired(px)


def converged(px, want):
    return lambda: oxexpect.compare(want, px.ox_state()) == []


def new_password(px, mail_id, password):
    px.exec("psa", "UPDATE accounts a JOIN mail m ON m.account_id = a.id"
            " SET a.type = 'plain', a.password = %s WHERE m.id = %s",
            (password, mail_id))


def password_in_ox(px, ctx, user, password):
    return px.ox_password_is(ctx, user, password)


def test_first_full_pass_and_event_latency(plesk, daemons):
    want = select(plesk)
    d = daemons(plesk)
    took = wait_for(converged(plesk, want), 5)
    assert took is not None, "not replicated within 5 s: %s\n%s" % (
        oxexpect.compare(want, plesk.ox_state()), d.stderr())
    # our state is written at the turn's commit, just after OX answered
    state_ok = wait_for(lambda: oxexpect.compare_state_tables(
        plesk, plesk.ox_state(), want) == [], 5)
    assert state_ok is not None, oxexpect.compare_state_tables(
        plesk, plesk.ox_state(), want)
    assert d.alive()
    # an event's change reaches OX in under 2 s
    for n, (mail_id, ctx, user) in enumerate([
            (11, "dom1.example", "user11"),
            (37, "dom7.example", "user37")]):
        pw = "daemon-pw-%d" % n
        new_password(plesk, mail_id, pw)
        t0 = time.monotonic()
        res = plesk.event("mailname_update", env={
            "NEW_MAILNAME": "%s@%s" % (user, ctx)})
        assert res.returncode == 0 and res.stdout == "", plesk.describe(res)
        took = wait_for(lambda: password_in_ox(plesk, ctx, user, pw), 5)
        total = time.monotonic() - t0
        assert took is not None, d.stderr()
        assert total < 2.0, "%s@%s took %.2f s" % (user, ctx, total)
    assert "OXT03032" in d.stderr(), d.stderr()
    # those events went through the spool: the daemon holds the hand-off
    # lock, and drained the files
    assert handoff_held(plesk), d.stderr()
    assert [f for f in os.listdir(plesk.spool_dir)
            if not f.startswith(".")] == []
    rc, secs = d.terminate()
    assert (rc, secs < 5) == (0, True), (rc, secs, d.stderr())
    assert "OXT03034" in d.stderr()
    assert not handoff_held(plesk), "released: events go to the queue"


def test_sigterm_stops_it_and_closes_the_run(plesk, daemons):
    want = select(plesk)
    d = daemons(plesk)
    assert wait_for(converged(plesk, want), 5) is not None, d.stderr()
    runs = plesk.run_summaries()
    assert len(runs) == 1 and runs[0]["finished_at"] is None \
        and runs[0]["status"] == "running", runs
    rc, secs = d.terminate()
    assert rc == 0, d.stderr()
    assert secs < 3, "SIGTERM took %.1f s" % secs
    runs = plesk.run_summaries()
    assert len(runs) == 1, runs
    r = runs[0]
    assert (r["status"], r["webmail_ok"], r["webmail_failed"],
            r["automatic"]) == ("finished", "14", "0", "1"), r
    assert r["finished_at"] is not None
    assert d.stderr().rstrip().endswith("OXT03034: daemon stopped"), \
        d.stderr()
    # the lock went with it: a run now has the lock and nothing to do
    res = plesk.run()
    assert "0 operations done" in res.stdout, plesk.describe(res)


def test_second_daemon_waits_for_the_lock(plesk, daemons):
    want = select(plesk)
    a = daemons(plesk, name="a")
    assert wait_for(converged(plesk, want), 5) is not None, a.stderr()
    b = daemons(plesk, name="b")
    # a cron run finds the lock taken
    res = plesk.run()
    assert "OXT03020" in res.stderr and res.stdout == "", \
        plesk.describe(res)
    time.sleep(1.5)
    assert b.alive(), b.stderr()
    assert "daemon started" not in b.stderr(), \
        "a second daemon runs beside the first:\n" + b.stderr()
    runs = len(plesk.run_summaries())
    rc, _ = a.terminate()
    assert rc == 0, a.stderr()
    # b takes over within a second or so and replicates
    assert wait_for(lambda: "daemon started" in b.stderr(), 4) is not None, \
        b.stderr()
    new_password(plesk, 21, "after-takeover")
    plesk.event("mailname_update", env={"NEW_MAILNAME": "user21@dom1.example"})
    assert wait_for(lambda: password_in_ox(plesk, "dom1.example", "user21",
                    "after-takeover"), 4) is not None, b.stderr()
    assert len(plesk.run_summaries()) == runs + 1
    rc, _ = b.terminate()
    assert rc == 0, b.stderr()


def test_sigterm_while_waiting_for_the_lock(plesk, daemons):
    select(plesk)
    a = daemons(plesk, name="a")
    assert wait_for(lambda: "daemon started" in a.stderr(), 5) is not None
    b = daemons(plesk, name="b")
    time.sleep(0.5)
    rc, secs = b.terminate()
    assert rc == 0 and secs < 3, (rc, secs, b.stderr())
    assert "daemon started" not in b.stderr()
    assert a.alive()
    rc, _ = a.terminate()
    assert rc == 0


class Proxy:
    """A TCP forwarder 127.0.0.1:port -> MariaDB, started later: the
    database is 'unreachable' until start() is called."""

    def __init__(self, target):
        self.target = target
        self.port = hxenv.free_port()
        self.sock = None
        self.stop = False
        self.conns = []

    def start(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(16)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            u = socket.create_connection(self.target)
            self.conns += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pipe, args=(a, b),
                                 daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.stop = True
        for s in [self.sock] + self.conns:
            if s is not None:
                # shut down first: a close alone leaves a connection open
                # while a pipe thread still reads it
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    s.close()
                except OSError:
                    pass


@pytest.fixture
def proxy(plesk):
    p = Proxy((plesk.db.host, plesk.db.port))
    yield p
    p.close()


def test_database_away_at_start_then_back(plesk, daemons, proxy):
    want = select(plesk)
    config = plesk.write_config(os.path.join(plesk.root, "via-proxy.conf"),
                                db_port=proxy.port, db_host="127.0.0.1")
    d = daemons(plesk, config=config)
    assert wait_for(lambda: d.stderr().count("OXT03033") >= 2, 6) \
        is not None, d.stderr()
    assert d.alive(), "the daemon gave up: %s" % d.stderr()
    lines = [l for l in d.stderr().splitlines() if "OXT03033" in l]
    assert "trying again in 1 s" in lines[0] and \
        "trying again in 2 s" in lines[1], lines
    assert plesk.ox_counters()["requests"] == 0
    proxy.start()
    # the next try is at most 4 s away
    took = wait_for(converged(plesk, want), 8)
    assert took is not None, d.stderr()
    rc, _ = d.terminate()
    assert rc == 0, d.stderr()


def test_the_handoff_lock_goes_with_the_session(plesk, daemons, proxy):
    """A daemon that lost its database lets go of the spool's hand-off
    lock before it waits to try again (1 s, 2 s, ... up to a minute), so
    the handlers meanwhile queue their hints themselves."""
    want = select(plesk)
    proxy.start()
    config = plesk.write_config(os.path.join(plesk.root, "via-proxy.conf"),
                                db_port=proxy.port, db_host="127.0.0.1")
    d = daemons(plesk, config=config)
    assert wait_for(converged(plesk, want), 8) is not None, d.stderr()
    assert wait_for(lambda: handoff_held(plesk), 2) is not None
    proxy.close()                  # the database is gone for good
    assert wait_for(lambda: "OXT03033" in d.stderr(), 5) is not None, \
        d.stderr()
    # inside the first pause (1 s): the lock is free already
    assert not handoff_held(plesk), d.stderr()
    assert d.alive(), d.stderr()
    rc, _ = d.terminate()
    assert rc == 0, d.stderr()


def kill_connections(px):
    """KILL CONNECTION every session of the test's database account."""
    ids = px.db.query("SELECT ID FROM information_schema.PROCESSLIST"
                      " WHERE USER = '%s'" % px.db_user)
    for (i,) in ids:
        px.db.sql("KILL CONNECTION %s" % i, check=False)
    return len(ids)


def test_dropped_connection_is_reopened(plesk, daemons):
    want = select(plesk)
    d = daemons(plesk)
    assert wait_for(converged(plesk, want), 5) is not None, d.stderr()
    assert kill_connections(plesk) >= 1
    time.sleep(0.5)
    assert d.alive(), d.stderr()
    new_password(plesk, 31, "after-kill")
    assert plesk.event("mailname_update", env={
        "NEW_MAILNAME": "user31@dom1.example"}).returncode == 0
    took = wait_for(lambda: password_in_ox(plesk, "dom1.example", "user31",
                    "after-kill"), 6)
    assert took is not None, "not replicated after the connection was" \
        " killed:\n" + d.stderr()
    assert "OXT03033" in d.stderr(), d.stderr()
    assert d.alive()
    # and again: still working
    assert kill_connections(plesk) >= 1
    new_password(plesk, 1, "after-kill-2")
    plesk.event("mailname_update", env={"NEW_MAILNAME": "user1@dom1.example"})
    assert wait_for(lambda: password_in_ox(plesk, "dom1.example", "user1",
                    "after-kill-2"), 8) is not None, d.stderr()
    rc, _ = d.terminate()
    assert rc == 0, d.stderr()
