"""The version comes from the VERSION file at the top of the tree: the
replicator prints it, the module announces it in the server token and in
its start-up line (debian/changelog is checked against it by
tests/packaging)."""
import os
import re

from harness import env


def version():
    with open(os.path.join(env.TOP, "VERSION")) as f:
        return f.read().strip()


def test_replicator_prints_the_version():
    import subprocess
    for flag in ("--version", "-V"):
        res = subprocess.run([env.REPLICATOR, flag], capture_output=True,
                             text=True, timeout=30)
        assert res.returncode == 0, res.stderr
        assert res.stdout == "oxtender-replicator %s\n" % version()


def test_help_mentions_version():
    import subprocess
    res = subprocess.run([env.REPLICATOR, "--help"], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0 and "--version" in res.stdout, res.stdout


def test_module_announces_the_version(apache):
    r = apache.get("/")
    assert "mod_oxtender/%s" % version() in r.headers.get("Server", ""), \
        r.headers
    with open(apache.error_log_path, encoding="utf-8",
              errors="replace") as f:
        log = f.read()
    assert re.search(r"OXT00900: mod_oxtender %s configured"
                     % re.escape(version()), log), env.tail(
                         apache.error_log_path)
