"""The daemon's socket for the event handlers (replicator/oxt_repl_hints.c;
the handler's side: lib/oxt_event.c, oxt_event_send and
oxt_event_hand_off): while a daemon holds the hand-off lock, a handler
sends its event to spool_dir/.daemon.sock and waits for the answer, which
the daemon's thread gives once the hint is committed (a group of handlers
in one transaction). On any failure (no socket, refused, a late or wrong
answer) the handler spools the event, as before, and the daemon replays
it.

The daemon runs at log level debug, so that each group commit says how
many handlers' hints it committed (OXT04904); the spool's replay says how
many it queued (OXT04906). Data: as test_replicator_daemon.py.
"""
import fcntl
import os
import re
import socket
import stat
import subprocess
import threading
import time

import pytest

from harness import env as hxenv
from harness.plesk import EVENT_VARS, make_plesk, plesk  # noqa: F401
from test_replicator_daemon import (Proxy, converged, daemons,  # noqa: F401
                                    handoff_held, new_password,
                                    password_in_ox, select, wait_for)

MAIL = "event=mailname_update\nNEW_MAILNAME=user11@dom1.example\n"


def sock_path(px):
    return os.path.join(px.spool_dir, ".daemon.sock")


def spool_files(px):
    return sorted(f for f in os.listdir(px.spool_dir)
                  if not f.startswith("."))


def committed(d):
    """How many handlers' hints the daemon's socket committed."""
    return sum(int(n) for n in re.findall(
        r"OXT04904: (\d+) handlers' hints committed", d.stderr()))


def says(d, count, n):
    """Whether count(d) reaches n within a moment (a line is written just
    after the handlers are answered)."""
    return wait_for(lambda: count(d) == n, 2) is not None and count(d) == n


def replayed(d):
    return sum(int(n) for n in re.findall(
        r"OXT04906: (\d+) spooled events queued", d.stderr()))


def debug_config(px, name="debug.conf", **kw):
    return px.write_config(os.path.join(px.root, name), log_level="debug",
                           **kw)


def started(px, daemons, config=None):
    """A daemon at log level debug, the selected domains in OX and its
    socket listening."""
    want = select(px)
    d = daemons(px, config=config or debug_config(px))
    assert wait_for(converged(px, want), 8) is not None, d.stderr()
    assert wait_for(lambda: "OXT04901" in d.stderr(), 2) is not None, \
        d.stderr()
    return d, want


def fire(px, user, domain, config):
    t0 = time.monotonic()
    res = px.event("mailname_update", config=config,
                   env={"NEW_MAILNAME": "%s@%s" % (user, domain)})
    assert (res.returncode, res.stdout, res.stderr) == (0, "", ""), \
        px.describe(res)
    return time.monotonic() - t0


def talk(px, data, shut=True, timeout=5):
    """Sends data to the daemon's socket as a peer of our own; returns
    what it answered before closing (b"" for nothing)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path(px))
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        out = b""
        while True:
            try:
                chunk = s.recv(64)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def test_an_event_goes_through_the_socket_not_the_spool(plesk, daemons):
    config = debug_config(plesk)
    d, _ = started(plesk, daemons, config)
    st = os.lstat(sock_path(plesk))
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    new_password(plesk, 11, "sock-pw-1")
    took = fire(plesk, "user11", "dom1.example", config)
    assert wait_for(lambda: password_in_ox(plesk, "dom1.example", "user11",
                                           "sock-pw-1"), 5) is not None, \
        d.stderr()
    assert says(d, committed, 1), d.stderr()
    assert replayed(d) == 0, d.stderr()
    assert spool_files(plesk) == []
    assert took < 2.0, took
    # our own peer gets "ok" only once the hint is committed
    new_password(plesk, 37, "sock-pw-2")
    assert talk(plesk, b"event=mailname_update\n"
                b"NEW_MAILNAME=user37@dom7.example\n") == b"ok\n"
    assert says(d, committed, 2), d.stderr()
    assert wait_for(lambda: password_in_ox(plesk, "dom7.example", "user37",
                                           "sock-pw-2"), 5) is not None
    rc, _ = d.terminate()
    assert rc == 0, d.stderr()
    assert not os.path.exists(sock_path(plesk)), "removed when it stops"


def test_concurrent_handlers_are_all_acked_and_queued_once(plesk, daemons):
    config = debug_config(plesk)
    d, want = started(plesk, daemons, config)
    boxes = [(int(i), name, dom) for i, name, dom in plesk.sql(
        "psa", "SELECT m.id, m.mail_name, d.name FROM mail m JOIN domains d"
        " ON d.id = m.dom_id WHERE d.id IN (1, 7, 9) ORDER BY m.id")
        if dom in want and name in want[dom]["users"]]
    assert len(boxes) >= 6, boxes
    for mail_id, _, _ in boxes:
        new_password(plesk, mail_id, "many-%d" % mail_id)
    # every mailbox three times over: 3 x len(boxes) handlers at once
    jobs = boxes * 3
    errors = []

    def one(name, dom):
        try:
            fire(plesk, name, dom, config)
        except AssertionError as ex:
            errors.append(str(ex))

    threads = [threading.Thread(target=one, args=(n, dm))
               for _, n, dm in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    # each handler answered once, after a commit; none fell back. Under
    # the sanitizers on two shared cores a handler's 3 s wait for its
    # answer has run out (once): it then spools, as it must, and the
    # replay brings its hint too, so there only every hint arriving once
    # is asserted.
    if hxenv.SANITIZE:
        assert wait_for(lambda: committed(d) + replayed(d) >= len(jobs),
                        10) is not None, d.stderr()
        assert wait_for(lambda: spool_files(plesk) == [], 10) is not None
    else:
        assert says(d, committed, len(jobs)), d.stderr()
        assert replayed(d) == 0 and spool_files(plesk) == [], d.stderr()
    groups = re.findall(r"OXT04904: (\d+) handlers'", d.stderr())
    assert len(groups) <= len(jobs) + 1, groups
    for mail_id, name, dom in boxes:
        assert wait_for(lambda: password_in_ox(plesk, dom, name,
                                               "many-%d" % mail_id), 10) \
            is not None, (name, dom, d.stderr())
    assert wait_for(lambda: plesk.queue_rows() == [], 5) is not None, \
        plesk.queue_rows()
    assert d.alive()


def test_without_its_database_the_handler_spools_and_it_is_replayed(
        plesk, daemons, proxy):
    """The socket's thread cannot reach the database (new connections
    refused; the engine's session lives on): it answers "error", the
    handler spools the event, and the daemon's next turn replays it."""
    proxy.start()
    config = debug_config(plesk, "via-proxy.conf", db_port=proxy.port,
                          db_host="127.0.0.1")
    d, _ = started(plesk, daemons, config)
    # no new connection from now on (a shutdown wakes its accept)
    proxy.sock.shutdown(socket.SHUT_RDWR)
    proxy.sock.close()
    new_password(plesk, 21, "no-db-1")
    took = fire(plesk, "user21", "dom1.example", config)
    assert took < 3.0, took
    assert wait_for(lambda: password_in_ox(plesk, "dom1.example", "user21",
                                           "no-db-1"), 5) is not None, \
        d.stderr()
    err = d.stderr()
    assert "OXT04905" in err and committed(d) == 0, err
    assert replayed(d) == 1, err
    assert spool_files(plesk) == []
    # the database is back: the next event goes through the socket again
    proxy.start()
    time.sleep(0.6)                # past the thread's pause after a failure
    new_password(plesk, 31, "no-db-2")
    fire(plesk, "user31", "dom1.example", config)
    assert says(d, committed, 1), d.stderr()
    assert "OXT04903" in d.stderr()
    assert wait_for(lambda: password_in_ox(plesk, "dom1.example", "user31",
                                           "no-db-2"), 5) is not None
    assert replayed(d) == 1 and d.alive()


@pytest.fixture
def proxy(plesk):
    p = Proxy((plesk.db.host, plesk.db.port))
    yield p
    p.close()


def stale_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()                      # the file stays, nobody listens


def test_a_stale_socket_is_spooled_past_then_replaced(plesk, daemons):
    path = sock_path(plesk)
    stale_socket(path)
    # a daemon's lock held, its socket stale: the handler spools
    fd = os.open(os.path.join(plesk.spool_dir, ".daemon.lock"),
                 os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fire(plesk, "user1", "dom1.example", plesk.config)
    finally:
        os.close(fd)
    files = spool_files(plesk)
    assert len(files) == 1, files
    os.remove(os.path.join(plesk.spool_dir, files[0]))
    # a daemon replaces it with its own
    config = debug_config(plesk)
    d, _ = started(plesk, daemons, config)
    assert talk(plesk, MAIL.encode()) == b"ok\n"
    assert says(d, committed, 1), d.stderr()


def test_a_hostile_peer_gets_no_ok_and_stalls_nothing(plesk, daemons):
    config = debug_config(plesk)
    d, _ = started(plesk, daemons, config)
    # two peers that hold a connection without finishing a message
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.connect(sock_path(plesk))
    slow.sendall(b"event=mailname_update\nNEW_MAIL")
    idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    idle.connect(sock_path(plesk))
    t0 = time.monotonic()
    new_password(plesk, 11, "hostile-1")
    took = fire(plesk, "user11", "dom1.example", config)
    assert took < 1.0 and says(d, committed, 1), (took, d.stderr())
    # they are dropped, unanswered, after the read timeout (0.5 s)
    for s in (slow, idle):
        s.settimeout(5)
        assert s.recv(64) == b""
        s.close()
    assert time.monotonic() - t0 < 3.0
    for data in (b"x" * 9000,                                 # too long
                 MAIL.encode() + b"x" * 8200 + b"\n",        # too long
                 b"hello\n",                                 # garbage
                 b"event=no_such_event\n",                   # not ours
                 MAIL.encode()[:-3],                         # cut short
                 b"event=mailname_update\n\0\n",             # a NUL
                 b""):                                       # nothing
        assert talk(plesk, data) == b"", data
    # more peers than it reads at once: the rest wait in the backlog,
    # and a handler behind them still gets its hint in (through the
    # socket once they are dropped, or the spool)
    flood = []
    for _ in range(80):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock_path(plesk))
        flood.append(s)
    new_password(plesk, 1, "hostile-2")
    took = fire(plesk, "user1", "dom1.example", config)
    assert took < 4.0, took
    for s in flood:
        s.close()
    assert wait_for(lambda: password_in_ox(plesk, "dom1.example", "user1",
                                           "hostile-2"), 5) is not None, \
        d.stderr()
    assert wait_for(lambda: committed(d) + replayed(d) == 2, 2) \
        is not None, d.stderr()
    assert talk(plesk, MAIL.encode()) == b"ok\n"
    assert d.alive(), d.stderr()


class FakeDaemon:
    """Holds the hand-off lock and listens on the socket as a daemon
    would, answering every handler with answer (None: never, until the
    handler gives up)."""

    def __init__(self, px, answer):
        self.answer = answer
        self.got = []
        self.release = threading.Event()
        self.lock = os.open(os.path.join(px.spool_dir, ".daemon.lock"),
                            os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(sock_path(px))
        self.sock.listen(4)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        c, _ = self.sock.accept()
        data = b""
        c.settimeout(10)
        while True:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        self.got.append(data)
        if self.answer is None:
            self.release.wait(10)  # until the handler has given up
        else:
            c.sendall(self.answer)
        c.close()

    def close(self):
        self.sock.close()
        os.close(self.lock)


@pytest.mark.parametrize("answer", [b"ok\n", b"error\n", b"", b"okay\n",
                                    None])
def test_the_handler_spools_unless_the_daemon_says_ok(plesk, answer):
    fake = FakeDaemon(plesk, answer)
    try:
        took = fire(plesk, "user1", "dom1.example", plesk.config)
    finally:
        fake.release.set()
        fake.thread.join(10)
        fake.close()
        os.remove(sock_path(plesk))
    assert fake.got == [b"event=mailname_update\n"
                        b"NEW_MAILNAME=user1@dom1.example\n"]
    files = spool_files(plesk)
    if answer == b"ok\n":
        assert files == [] and took < 2.0, (files, took)
    else:
        assert len(files) == 1, files
    if answer is None:
        # it waited for the answer as long as it may (3 s), no longer
        assert 2.9 < took < 6.0, took
    assert plesk.queue_rows() == []


def test_the_socket_reconnects_after_the_server_dropped_its_connection(
        plesk, daemons):
    """The server drops every connection (a restart, a KILL, wait_timeout
    after hours without events): the next handler's hint is still
    committed through the socket on a new connection, not spooled, and so
    are the ones after it."""
    config = debug_config(plesk)
    d, _ = started(plesk, daemons, config)
    new_password(plesk, 11, "k-1")
    fire(plesk, "user11", "dom1.example", config)
    assert says(d, committed, 1), d.stderr()
    ids = [r[0] for r in plesk.db.query(
        "SELECT id FROM information_schema.processlist"
        " WHERE id <> CONNECTION_ID() AND command <> 'Daemon'"
        " AND user <> 'system user'")]
    plesk.db.sql("".join("KILL %s;\n" % i for i in ids), check=False)
    # The engine loses its session too, and with it the hand-off lock
    # (the handlers then queue in the database themselves) until its new
    # session a second later: the hints are fired once it has one. The
    # socket's thread keeps its own, dead, connection meanwhile.
    assert wait_for(lambda: "OXT03033" in d.stderr(), 10) is not None, \
        d.stderr()
    # (the session's pool, and the lock with it, went before that line)
    assert wait_for(lambda: handoff_held(plesk), 15) is not None, d.stderr()
    for k in range(3):
        new_password(plesk, 21, "k-2-%d" % k)
        fire(plesk, "user21", "dom1.example", config)
    assert says(d, committed, 4), d.stderr()
    assert replayed(d) == 0 and spool_files(plesk) == [], d.stderr()
    assert d.alive()
