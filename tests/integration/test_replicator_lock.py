"""The replicator's run lock (issue 8, finding 5): it lives where only
root writes, a symlink in its place is refused and never followed, a lock
held by another process is reported with its holder, and one held with no
progress for longer than lock_stale_s stops `run` with exit code 3 and
shows as stale in `status` (text and JSON, exit code 3).

Every lock here is inside the test's temp dir (the harness sets
lock_file); no test touches /run.
"""
import fcntl
import json
import os
import time

from harness.plesk import make_plesk, plesk  # noqa: F401

EXIT_STALE = 3


def test_the_harness_keeps_the_lock_in_its_temp_dir(plesk):
    assert os.path.dirname(plesk.lock_file) == plesk.root
    assert not plesk.lock_file.startswith("/run")


def test_a_symlink_in_place_of_the_lock_is_refused(plesk, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    os.symlink(str(victim), plesk.lock_file)
    plesk.set_pref("domain", 1, webmail_forever="on")
    res = plesk.repl("run", timeout=20)
    assert res.returncode == 1, plesk.describe(res)
    assert "is a symbolic link; refusing to follow it" in res.stderr, \
        res.stderr
    assert victim.read_text() == "keep me\n"
    assert plesk.ox_counters()["requests"] == 0
    res = plesk.repl("status")
    assert res.returncode == 0, plesk.describe(res)
    assert "lock:     unsafe: " in res.stdout and "symbolic link" \
        in res.stdout, res.stdout
    doc = json.loads(plesk.repl("--json", "status").stdout)
    assert doc["lock"]["state"] == "unsafe", doc
    # the daemon refuses too, at once
    res = plesk.repl("daemon", timeout=20)
    assert res.returncode == 1 and "symbolic link" in res.stderr, \
        plesk.describe(res)
    os.unlink(plesk.lock_file)
    assert "5 operations done" in plesk.run().stdout


def hold(path, text, age_s=0):
    """Holds the lock the way a replicator does (flock, "pid name"),
    with its last progress age_s seconds ago; returns the fd."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.ftruncate(fd, 0)
    os.write(fd, text.encode())
    if age_s:
        then = time.time() - age_s
        os.utime(path, (then, then))
    return fd


def test_a_lock_held_by_another_process_is_shown(plesk):
    fd = hold(plesk.lock_file, "%d tester\n" % os.getpid())
    try:
        res = plesk.repl("run", timeout=20)
        assert res.returncode == 0 and "nothing to do" in res.stderr, \
            plesk.describe(res)
        res = plesk.repl("status")
        assert res.returncode == 0, plesk.describe(res)
        assert "lock:     held by pid %d (tester), last progress" \
            % os.getpid() in res.stdout, res.stdout
        doc = json.loads(plesk.repl("--json", "status").stdout)
        assert doc["lock"]["state"] == "held" and \
            doc["lock"]["pid"] == os.getpid() and \
            doc["lock"]["holder"] == "tester", doc
        assert doc["lock"]["idle_s"] < 60, doc
    finally:
        os.close(fd)
    doc = json.loads(plesk.repl("--json", "status").stdout)
    assert doc["lock"]["state"] == "free", doc


def test_a_stale_lock_stops_run_with_exit_code_3(plesk):
    plesk.set_pref("domain", 1, webmail_forever="on")
    fd = hold(plesk.lock_file, "4242 run\n", age_s=7200)
    try:
        res = plesk.repl("run", timeout=20)
        assert res.returncode == EXIT_STALE, plesk.describe(res)
        assert "OXT03400" in res.stderr and "held by pid 4242 (run) with" \
            " no progress for" in res.stderr and "lock_stale_s = 3600" \
            in res.stderr, res.stderr
        assert plesk.ox_counters()["requests"] == 0
        res = plesk.repl("status")
        assert res.returncode == EXIT_STALE, plesk.describe(res)
        assert "lock:     STALE: %s is held by pid 4242 (run)" \
            % plesk.lock_file in res.stdout, res.stdout
        res = plesk.repl("--json", "status")
        assert res.returncode == EXIT_STALE, plesk.describe(res)
        lock = json.loads(res.stdout)["lock"]
        assert (lock["state"], lock["pid"], lock["stale_after_s"]) == \
            ("stale", 4242, 3600) and lock["idle_s"] >= 7199, lock
        res = plesk.repl("reconcile", "--dry-run", timeout=20)
        assert res.returncode == EXIT_STALE, plesk.describe(res)
        # the limit is configurable: two hours are fine with three
        plesk.write_config(lock_stale_s=3 * 3600)
        res = plesk.repl("run", timeout=20)
        assert res.returncode == 0 and "nothing to do" in res.stderr, \
            plesk.describe(res)
    finally:
        os.close(fd)
    assert "5 operations done" in plesk.run().stdout
