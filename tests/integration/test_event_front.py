"""The event front (replicator/front/oxt_repl_front.c): the program
installed as oxtender-replicator hands `event` to a running daemon through
the spool itself, with APR alone (no database client, no OpenSSL), and
hands every other command line, and every event no daemon takes,
unchanged, to the full replicator next to it (oxtender-replicator-full in
the build tree, ../lib/oxtender/oxtender-replicator when installed).

The front is copied into a temporary directory: alone there, an event a
daemon takes (its hand-off lock held) is still spooled for it (so the
hand-off never starts the full replicator), an event no daemon takes is
spooled rather than lost, and any other command says that the replicator
cannot be started; with the full one linked in beside it under either
name, every command is its, and so is the event no daemon takes (it
queues the hint in the database).
"""
import fcntl
import os
import shutil
import subprocess

import pytest

from harness import env as hxenv
from harness.plesk import EVENT_VARS, make_plesk, plesk  # noqa: F401

FULL = os.path.join(os.path.dirname(hxenv.REPLICATOR),
                    "oxtender-replicator-full")


def needed(path):
    """The shared libraries path records (DT_NEEDED)."""
    out = subprocess.run(["readelf", "-d", path], capture_output=True,
                         text=True, check=True).stdout
    return [line.split("[", 1)[1].split("]", 1)[0]
            for line in out.splitlines() if "(NEEDED)" in line]


def call(argv, config, env=None):
    e = {k: v for k, v in os.environ.items() if k not in EVENT_VARS}
    e.update(env or {})
    return subprocess.run([argv[0], "-c", config] + argv[1:],
                          capture_output=True, text=True, env=e, timeout=60)


@pytest.fixture
def alone(tmp_path):
    """The front alone in a directory of its own."""
    path = str(tmp_path / "bin" / "oxtender-replicator")
    os.makedirs(os.path.dirname(path))
    shutil.copy2(hxenv.REPLICATOR, path)
    return path


def test_the_front_links_neither_soap_nor_xml_nor_the_database():
    libs = needed(hxenv.REPLICATOR)
    assert not [lib for lib in libs
                if lib.startswith(("libcurl", "libxml2", "libicu",
                                   "libmariadb", "libmysql", "libcrypto",
                                   "libssl"))], libs
    assert any(lib.startswith("libapr-1") for lib in libs), libs
    full = needed(FULL)
    assert any(lib.startswith("libcurl") for lib in full), full
    assert any(lib.startswith("libmariadb") for lib in full), full


def spool_files(px):
    return sorted(f for f in os.listdir(px.spool_dir)
                  if not f.startswith("."))


def test_event_alone_hands_off_to_the_daemon(plesk, alone):
    """With the hand-off lock held (as a daemon holds it), the front alone
    spools the event: the full replicator is never started for it."""
    plesk.exec("oxt", "DELETE FROM queue")
    lock = os.path.join(plesk.spool_dir, ".daemon.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        res = call([alone, "event", "mailname_update"], plesk.config,
                   env={"NEW_MAILNAME": "user1@dom1.example",
                        "NEW_PASSWORD": "never-spooled"})
        assert (res.returncode, res.stdout, res.stderr) == (0, "", ""), \
            plesk.describe(res)
    finally:
        os.close(fd)
    files = spool_files(plesk)
    assert len(files) == 1 and files[0].endswith(".hint"), files
    with open(os.path.join(plesk.spool_dir, files[0])) as f:
        assert f.read() == ("event=mailname_update\n"
                            "NEW_MAILNAME=user1@dom1.example\n")
    assert plesk.queue_rows() == []
    # an event we do not act on leaves nothing, handed off or not
    os.remove(os.path.join(plesk.spool_dir, files[0]))
    res = call([alone, "event", "no_such_event"], plesk.config)
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")
    assert spool_files(plesk) == []


def test_event_alone_without_a_daemon_is_spooled_not_lost(plesk, alone):
    """No daemon and no full replicator to queue it (a broken
    installation): the event waits in the spool for the next run, and
    Plesk sees no failure and no output."""
    plesk.exec("oxt", "DELETE FROM queue")
    res = call([alone, "event", "mailname_update"], plesk.config,
               env={"NEW_MAILNAME": "user1@dom1.example"})
    assert (res.returncode, res.stdout, res.stderr) == (0, "", ""), \
        plesk.describe(res)
    assert len(spool_files(plesk)) == 1
    assert plesk.queue_rows() == []


@pytest.mark.parametrize("name", ["oxtender-replicator-full",
                                  "../lib/oxtender/oxtender-replicator"])
def test_event_without_a_daemon_is_the_full_replicators(plesk, alone,
                                                        name):
    """No daemon: the full replicator beside the front queues the hint in
    the database, as the handler always did."""
    target = os.path.normpath(os.path.join(os.path.dirname(alone), name))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.symlink(FULL, target)
    plesk.exec("oxt", "DELETE FROM queue")
    res = call([alone, "event", "mailname_update"], plesk.config,
               env={"NEW_MAILNAME": "user1@dom1.example"})
    assert (res.returncode, res.stdout, res.stderr) == (0, "", ""), \
        plesk.describe(res)
    mail_id = plesk.scalar(
        "psa", "SELECT m.id FROM mail m JOIN domains d ON d.id = m.dom_id"
        " WHERE m.mail_name = 'user1' AND d.name = 'dom1.example'")
    assert [(r["object_type"], int(r["object_id"]), r["reason"])
            for r in plesk.queue_rows()] == [
        ("mailbox", int(mail_id), "mailname_update")]
    assert spool_files(plesk) == []
    # options before the command are read as the replicator reads them
    plesk.exec("oxt", "DELETE FROM queue")
    res = subprocess.run([alone, "-q", "--config=" + plesk.config, "event",
                          "domain_update", "new_domain_name=dom1.example"],
                         capture_output=True, text=True, timeout=60)
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")
    assert [r["object_type"] for r in plesk.queue_rows()] == ["domain"]


def test_other_commands_need_the_full_replicator(plesk, alone):
    res = call([alone, "status"], plesk.config)
    assert res.returncode == 1
    assert "cannot start the replicator" in res.stderr
    assert "lib/oxtender/oxtender-replicator" in res.stderr
    for argv in ([alone, "--version"], [alone, "--help"]):
        res = subprocess.run(argv, capture_output=True, text=True)
        assert res.returncode == 1 and res.stdout == "", res


@pytest.mark.parametrize("name", ["oxtender-replicator-full",
                                  "../lib/oxtender/oxtender-replicator"])
def test_other_commands_are_the_full_replicator(plesk, alone, name):
    target = os.path.normpath(os.path.join(os.path.dirname(alone), name))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.symlink(FULL, target)
    res = call([alone, "status"], plesk.config)
    assert res.returncode == 0, plesk.describe(res)
    assert "queue:" in res.stdout
    res = subprocess.run([alone, "--version"], capture_output=True,
                         text=True)
    assert res.returncode == 0 and "oxtender-replicator" in res.stdout
    # the full replicator's own usage errors, with its exit code
    res = call([alone, "no-such-command"], plesk.config)
    assert res.returncode == 2 and "unknown command" in res.stderr


def unloadable(path, tmp_path):
    """A program at path that the loader cannot start: it needs a
    library that is nowhere on the search path (the loader says so on
    stderr and exits 127, after the exec succeeded)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "gone.c").write_text("int oxt_gone(void) { return 0; }\n")
    (src / "main.c").write_text("int oxt_gone(void);\n"
                                "int main(void) { return oxt_gone(); }\n")
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(src / "liboxtgone.so"),
                    str(src / "gone.c")], check=True)
    subprocess.run([cc, "-o", path, str(src / "main.c"), "-L" + str(src),
                    "-loxtgone"], check=True)
    os.remove(src / "liboxtgone.so")
    res = subprocess.run([path], capture_output=True, text=True)
    assert res.returncode == 127 and "shared libraries" in res.stderr, res


def test_event_with_a_replicator_that_cannot_load_is_spooled(plesk, alone,
                                                             tmp_path):
    """A broken installation where the full replicator is there but cannot
    be loaded (a library missing): the front started it and saw it fail,
    so the event waits in the spool for the next run, and Plesk sees no
    failure and no output (not even the loader's)."""
    unloadable(os.path.join(os.path.dirname(alone),
                            "oxtender-replicator-full"), tmp_path)
    plesk.exec("oxt", "DELETE FROM queue")
    res = call([alone, "event", "mailname_update"], plesk.config,
               env={"NEW_MAILNAME": "user1@dom1.example"})
    assert (res.returncode, res.stdout, res.stderr) == (0, "", ""), \
        plesk.describe(res)
    files = spool_files(plesk)
    assert len(files) == 1, files
    with open(os.path.join(plesk.spool_dir, files[0])) as f:
        assert f.read() == ("event=mailname_update\n"
                            "NEW_MAILNAME=user1@dom1.example\n")
    assert plesk.queue_rows() == []
    # the next run replays it into the queue
    plesk.run()
    assert spool_files(plesk) == []


CURL_SPY = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* curl_global_init, counted in the file $OXT_CURL_MARK, then libcurl's */
int curl_global_init(long flags)
{
    const char *mark = getenv("OXT_CURL_MARK");
    int (*real)(long) = (int (*)(long))dlsym(RTLD_NEXT, "curl_global_init");
    int fd = mark ? open(mark, O_WRONLY | O_CREAT | O_APPEND, 0600) : -1;

    if (fd >= 0) {
        (void)!write(fd, "init\n", 5);
        close(fd);
    }
    return real ? real(flags) : 0;
}
"""


@pytest.mark.skipif(hxenv.SANITIZE, reason="ASan's runtime must come first,"
                    " before a preloaded library")
def test_only_the_commands_that_talk_to_ox_start_libcurl(plesk, tmp_path):
    """libcurl's start (its TLS stack's configuration) is for the commands
    that talk to OX: the event handler, status and plan do without it."""
    spy = tmp_path / "curlspy.so"
    (tmp_path / "curlspy.c").write_text(CURL_SPY)
    subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-o",
                    str(spy), str(tmp_path / "curlspy.c"), "-ldl"],
                   check=True)
    mark = tmp_path / "mark"

    def starts(*argv, env=None):
        if mark.exists():
            mark.unlink()
        e = {"LD_PRELOAD": str(spy), "OXT_CURL_MARK": str(mark)}
        e.update(env or {})
        res = call([FULL] + list(argv), plesk.config, env=e)
        return res, mark.exists()

    plesk.exec("oxt", "DELETE FROM queue")
    res, started = starts("event", "mailname_update",
                          env={"NEW_MAILNAME": "user1@dom1.example"})
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")
    assert [r["reason"] for r in plesk.queue_rows()] == ["mailname_update"]
    assert not started
    for argv in (["status"], ["plan"]):
        res, started = starts(*argv)
        assert res.returncode == 0, plesk.describe(res)
        assert not started, argv
    # the spy sees it where it is needed: the test can fail
    res, started = starts("health")
    assert res.stdout.startswith("OXTENDER "), plesk.describe(res)
    assert started
