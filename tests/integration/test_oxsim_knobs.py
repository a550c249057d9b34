"""The emulator's contract (CLI, port file, signals, control endpoints) and
its knobs: latency, faults, HTTP 500, drops, hangs, max-conns, exception
ids, Unicode mappings, master credentials, XML safety and the size cap."""
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from harness.oxsim import (MASTER, OxSim, admin_user, binary,  # noqa: E402
                           creds_xml, ctx_xml, envelope, fault_string,
                           user_xml)

EXISTS = ctx_xml(id=1) + creds_xml(*MASTER)


@pytest.fixture(scope="module")
def sim():
    s = OxSim().start()
    yield s
    assert s.stop() == 0


@pytest.fixture(autouse=True)
def clean(sim):
    sim.config(latency_ms=0, jitter_ms=0, fault_rate=0, http500_rate=0, drop_rate=0,
               hang_rate=0, exception_id="off", unicode_mappings="off",
               max_request_bytes=1048576)
    sim.reset()


def exists(sim, timeout=10.0, conn=None):
    return sim.call("OXContextService", "exists", EXISTS, timeout=timeout, conn=conn)


# ---- contract -------------------------------------------------------------------

def test_port_file_stdout_line_and_sigterm():
    s = OxSim().start()
    try:
        assert s.stdout_line == "oxsim: listening on 127.0.0.1:%d" % s.port
        assert exists(s)[0] == 200
    finally:
        assert s.stop() == 0


def test_sigint_stops_cleanly():
    s = OxSim().start()
    s.proc.send_signal(2)
    assert s.proc.wait(10) == 0
    s.stop()


@pytest.mark.parametrize("args,text", [
    (["--listen", "0.0.0.0:0"], "refusing non-loopback"),
    (["--listen", "127.0.0.1:0", "--fault-rate", "2"], "bad value"),
    (["--listen", "127.0.0.1:0", "--no-such-knob", "1"], "unknown knob"),
])
def test_bad_command_lines_are_refused(args, text):
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([binary()] + args + ["--port-file", os.path.join(d, "p")],
                           capture_output=True, text=True, timeout=10)
        assert p.returncode != 0 and text in p.stderr
        assert not os.path.exists(os.path.join(d, "p"))


def test_config_json_and_form_and_errors(sim):
    cfg = sim.config(latency_ms=3, fault_rate=0.25, exception_id="on",
                     reseller=["r9:x"], master_override=True)
    assert cfg["latency_ms"] == 3 and cfg["fault_rate"] == 0.25
    assert cfg["exception_id"] == "on" and "r9" in cfg["resellers"]
    assert cfg["master_override"] == "on"
    status, cfg = sim.config_form([("drop-rate", "0.5"), ("seed", "7")])
    assert status == 200 and cfg["drop_rate"] == 0.5 and cfg["seed"] == 7
    status, err = sim.config_form([("bogus", "1")])
    assert status == 400 and "unknown knob" in err["error"]
    status, err = sim.config_form([("hang_rate", "x")])
    assert status == 400 and "bad value" in err["error"]
    status, _ = sim._json("POST", "/oxsim/config", "{bad json")
    assert status == 400
    sim.config(master_override="off", drop_rate=0)


def test_counters_and_reset(sim):
    sim.create_context(1, "a.example")
    for _ in range(3):
        exists(sim)
    c = sim.counters()
    assert c["calls"]["OXContextService.exists"] == 3
    assert c["calls"]["OXContextService.create"] == 1
    assert c["requests"] == 4 and c["connections_accepted"] >= 4
    assert c["connections_high_water"] >= 1
    assert sim.reset() == {"ok": True}
    assert sim.state()["contexts"] == [] and sim.counters()["requests"] == 0


def test_master_credentials_knob():
    with OxSim("--master", "boss:pw") as s:
        status, root = s.call("OXContextService", "listAll", creds_xml(*MASTER))
        assert fault_string(root) == "Authentication failed"
        assert s.call("OXContextService", "listAll", creds_xml("boss", "pw"))[0] == 200


# ---- latency ------------------------------------------------------------------

def test_latency_applies_to_soap_not_to_control(sim):
    sim.config(latency_ms=150)
    t = time.monotonic()
    assert exists(sim)[0] == 200
    assert time.monotonic() - t >= 0.15
    t = time.monotonic()
    sim.counters()
    sim.state()
    assert time.monotonic() - t < 0.1


def test_jitter_spreads_latency(sim):
    sim.config(latency_ms=10, jitter_ms=60, seed=3)
    times = []
    for _ in range(12):
        t = time.monotonic()
        exists(sim)
        times.append(time.monotonic() - t)
    assert min(times) >= 0.010
    assert max(times) - min(times) > 0.015
    assert max(times) < 0.5


def _slow_body_call(sim, hold):
    """An exists call whose headers go out first and whose body follows
    `hold` seconds later; the seconds from the headers to the answer."""
    body = envelope("exists", EXISTS).encode("utf-8")
    head = ("POST /webservices/OXContextService HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\nContent-Type: text/xml;charset=UTF-8\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n"
            % len(body)).encode("ascii")
    s = socket.create_connection(("127.0.0.1", sim.port), timeout=10)
    try:
        t = time.monotonic()
        s.sendall(head)
        time.sleep(hold)
        s.sendall(body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
        took = time.monotonic() - t
    finally:
        s.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    return took


def test_latency_counts_from_the_request_arrival(sim):
    """The latency is the answer's time from the request's arrival (its
    headers), as a real OX's work is inside its answer time: what the
    emulator spends before the answer is ready (here, the body arriving
    0.4 s after the headers) is inside it, never added to it; and an
    answer is never sent before its request is complete and handled."""
    sim.config(latency_ms=600)
    took = _slow_body_call(sim, 0.4)
    assert 0.6 <= took < 0.95, took          # added to it: >= 1.0 s
    c = sim.counters()                       # the emulator's own clocks
    assert c["soap_answers"] == 1
    assert 600000 <= c["soap_answer_us"] < 950000, c
    assert 400000 <= c["soap_work_us"] < c["soap_answer_us"], c
    sim.config(latency_ms=100)
    took = _slow_body_call(sim, 0.4)
    assert 0.4 <= took < 0.48, took          # added to it: >= 0.5 s


def test_latency_does_not_hold_a_thread_per_call(sim):
    """16 keep-alive clients, 4 calls each at 100 ms: 0.4 s of delay if
    nothing blocks; an emulator that held one of its 4 threads per delayed
    call would add 16 x 4 x 0.1 / 4 = 1.6 s. The same calls without delay
    are timed first and taken off, so the client's own work (Python
    threads on a busy machine, when the suite runs in parallel) is not
    counted as the emulator's."""
    n_threads, per_thread = 16, 4
    errors = []

    def worker():
        conn = sim.conn()
        try:
            for _ in range(per_thread):
                if exists(sim, conn=conn)[0] != 200:
                    errors.append("status")
        except Exception as e:   # noqa: BLE001 - report any failure
            errors.append(repr(e))
        finally:
            conn.close()

    def timed():
        threads = [threading.Thread(target=worker) for _ in range(n_threads)]
        t = time.monotonic()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        return time.monotonic() - t

    sim.config(latency_ms=0)
    undelayed = timed()
    sim.config(latency_ms=100)
    delayed = timed()
    assert not errors
    assert delayed - undelayed < 1.2, (
        "%d calls at 100 ms in 16 clients took %.2f s, %.2f s without delay"
        % (n_threads * per_thread, delayed, undelayed))


# ---- injected failures ----------------------------------------------------------

def test_fault_rate_statistically(sim):
    sim.config(fault_rate=0.3, seed=42)
    n, faults = 400, 0
    conn = sim.conn()
    for _ in range(n):
        status, root = exists(sim, conn=conn)
        if status == 500:
            assert fault_string(root).startswith("Database is locked or is now beeing updated")
            faults += 1
    conn.close()
    # 3 sigma around 120 is about +-28
    assert 80 <= faults <= 160
    assert sim.counters()["injected_soap_faults"] == faults


def test_http500_has_no_soap_body(sim):
    sim.config(http500_rate=1)
    status, body = sim.post_soap("OXContextService", envelope("exists", EXISTS))
    assert status == 500 and b"Envelope" not in body
    assert sim.counters()["injected_http500"] == 1


def test_drop_closes_without_answer_but_applies_the_call(sim):
    sim.config(drop_rate=1)
    with pytest.raises((ConnectionError, OSError)) as ei:
        sim.create_context(1, "dropped.example")
    assert not isinstance(ei.value, socket.timeout)
    sim.config(drop_rate=0)
    assert [c["name"] for c in sim.state()["contexts"]] == ["dropped.example"]
    assert sim.counters()["injected_drops"] == 1


def test_hang_times_out_while_others_are_served(sim):
    sim.config(hang_rate=1)
    outcome = {}

    def hung():
        t = time.monotonic()
        try:
            exists(sim, timeout=1.5)
            outcome["r"] = "answered"
        except socket.timeout:
            outcome["r"] = "timeout"
        except OSError as e:
            outcome["r"] = repr(e)
        outcome["t"] = time.monotonic() - t

    th = threading.Thread(target=hung)
    th.start()
    time.sleep(0.3)
    sim.config(hang_rate=0)          # control endpoints are never hung
    t = time.monotonic()
    assert exists(sim)[0] == 200     # another client is still served
    assert time.monotonic() - t < 0.5
    th.join()
    assert outcome["r"] == "timeout" and outcome["t"] >= 1.4
    assert sim.counters()["injected_hangs"] == 1


def test_hang_call_hangs_exactly_the_chosen_call_and_applies_it(sim):
    sim.config(hang_call=3, hang_max_ms=1000)
    assert sim.config()["hang_call"] == 3
    sim.create_context(1, "one.example")
    sim.create_context(2, "two.example")
    with pytest.raises(socket.timeout):
        sim.call("OXContextService", "create",
                 ctx_xml(id=3, name="three.example", maxQuota=100)
                 + user_xml("admin_user", **admin_user())
                 + creds_xml(*MASTER), timeout=0.5)
    # the third was applied, counted as a hang, and the knob is spent
    assert sim.counters()["injected_hangs"] == 1
    assert sim.config()["hang_call"] == 0
    sim.create_context(4, "four.example")
    assert sorted(c["name"] for c in sim.state()["contexts"]) == [
        "four.example", "one.example", "three.example", "two.example"]
    sim.config(hang_max_ms=120000)


def test_shutdown_with_a_hung_connection_is_clean():
    s = OxSim("--hang-rate", "1").start()
    result = {}

    def hung():
        try:
            exists(s, timeout=30)
            result["r"] = "answered"
        except OSError as e:
            result["r"] = type(e).__name__

    th = threading.Thread(target=hung)
    th.start()
    time.sleep(0.3)
    t = time.monotonic()
    assert s.stop() == 0
    assert time.monotonic() - t < 5
    th.join(10)
    assert result["r"] != "answered"


def retry(fn, seconds=3):
    """The server notices a client's close asynchronously."""
    deadline = time.time() + seconds
    while True:
        try:
            return fn()
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def test_max_conns_refuses_extra_connections():
    with OxSim("--max-conns", "2") as s:
        c1, c2 = s.conn(), s.conn()
        assert exists(s, conn=c1)[0] == 200 and exists(s, conn=c2)[0] == 200
        with pytest.raises((ConnectionError, OSError)):
            exists(s, timeout=3)
        c1.close()
        assert retry(lambda: exists(s))[0] == 200
        c2.close()
        cnt = retry(s.counters)
        assert cnt["connections_high_water"] == 2 and cnt["connections_refused"] >= 1


# ---- switches ----------------------------------------------------------------

def test_exception_id_suffix(sim):
    sim.config(exception_id="on")
    _, root = sim.call("OXContextService", "listAll", creds_xml("x", "y"))
    assert re.fullmatch(r"Authentication failed; exceptionId -?\d+-\d+", fault_string(root))
    sim.config(exception_id="off")
    _, root = sim.call("OXContextService", "listAll", creds_xml("x", "y"))
    assert fault_string(root) == "Authentication failed"


def test_unicode_mappings_switch(sim):
    status, root = sim.create_context(1, "bücher.de")
    assert fault_string(root) == 'Illegal chars: "\u00fc" in login mapping'
    sim.config(unicode_mappings="on")
    status, root = sim.create_context(1, "bücher.de")
    assert status == 200, fault_string(root)
    assert "bücher.de" in sim.state()["contexts"][0]["loginMappings"]
    # spaces stay illegal even then
    assert sim.create_context(2, "a b")[0] == 500


# ---- hostile input ----------------------------------------------------------------

LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10)
                    for i in range(1, 10))
          + ']><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
          '<soap:Body><exists xmlns="http://soap.admin.openexchange.com"><ctx><name>&lol9;</name>'
          '</ctx><auth><login>oxadminmaster</login><password>secret</password></auth></exists>'
          '</soap:Body></soap:Envelope>')

XXE = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
       '<list xmlns="http://soap.admin.openexchange.com"><search_pattern>&xxe;</search_pattern>'
       '<auth><login>oxadminmaster</login><password>secret</password></auth></list>'
       '</soap:Body></soap:Envelope>')


@pytest.mark.parametrize("doc", [LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_entity_tricks_are_refused(sim, doc):
    t = time.monotonic()
    status, body = sim.post_soap("OXContextService", doc)
    assert time.monotonic() - t < 1
    assert status == 500 and b"soap:Client" in body and b"root:" not in body
    assert sim.counters()["rejected_xml"] == 1
    assert exists(sim)[0] == 200


def test_oversized_request_is_rejected(sim):
    sim.config(max_request_bytes=4096)
    big = envelope("exists", ctx_xml(id=1, name="x" * 8000) + creds_xml(*MASTER))
    status, _ = sim.post_soap("OXContextService", big)
    assert status == 413
    # the same without Content-Length (chunked) is cut while streaming
    s = socket.create_connection(("127.0.0.1", sim.port), timeout=5)
    data = big.encode()
    req = (b"POST /webservices/OXContextService HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n")
    for i in range(0, len(data), 1000):
        part = data[i:i + 1000]
        req += b"%x\r\n%s\r\n" % (len(part), part)
    s.sendall(req + b"0\r\n\r\n")
    reply = s.recv(200)
    s.close()
    assert reply.startswith(b"HTTP/1.1 413")
    assert sim.counters()["rejected_oversize"] == 2
    assert exists(sim)[0] == 200
