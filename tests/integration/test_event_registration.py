"""conf/register-event-handlers.sh against a stand-in for Plesk's
event_handler tool: every event the replicator acts on is registered,
with the template form for old Plesk, and --remove deletes only ours."""

import os
import re
import stat
import subprocess

import pytest

TOP = os.environ.get("OXT_TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(TOP, "conf", "register-event-handlers.sh")


def known_events():
    """The events lib/oxt_event.c acts on."""
    with open(os.path.join(TOP, "lib", "oxt_event.c"), encoding="utf-8") as f:
        text = f.read()
    table = text[text.index("known_events[]"):text.index("};", text.index("known_events[]"))]
    return set(re.findall(r'\{ "([a-z_]+)", EV_', table))


def fake_tool(tmp_path, listing=""):
    log = tmp_path / "calls.log"
    tool = tmp_path / "event_handler"
    tool.write_text(
        "#!/bin/sh\n"
        f"if [ \"$1\" = --list ]; then cat <<'LIST'\n{listing}LIST\nexit 0; fi\n"
        f"printf '%s\\n' \"$*\" >> {log}\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return tool, log


def run_script(tool, *args):
    env = dict(os.environ, EVENT_HANDLER=str(tool),
               OXT_REPLICATOR="/opt/oxt/bin/oxtender-replicator",
               OXT_CONF="/etc/oxtender/oxtender.conf")
    return subprocess.run(["sh", SCRIPT, *args], env=env, capture_output=True,
                          text=True, timeout=30, check=False)


def test_every_handled_event_is_registered_once(tmp_path):
    tool, log = fake_tool(tmp_path)
    proc = run_script(tool)
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    registered = {}
    for call in calls:
        m = re.search(r"-event (\S+)$", call)
        assert m, call
        registered[m.group(1)] = call
    assert set(registered) == known_events()
    assert len(calls) == len(registered)
    for event, call in registered.items():
        assert call.startswith("--create -command /opt/oxt/bin/oxtender-replicator"
                               f" -q -c /etc/oxtender/oxtender.conf event {event}"
                               " -priority 50 -user root"), call
        assert "<" not in call


def test_templates_pass_the_names_as_key_value_words(tmp_path):
    tool, log = fake_tool(tmp_path)
    assert run_script(tool, "--templates").returncode == 0
    calls = {re.search(r"-event (\S+)$", c).group(1): c
             for c in log.read_text().splitlines()}
    assert ("event mailname_update new_mailname=<new_mailname>"
            " old_mailname=<old_mailname> -priority") in calls["mailname_update"]
    assert "old_domain_name=<old_domain_name>" in calls["domain_delete"]
    assert "new_login_name=<new_login_name>" in calls["reseller_update"]


def test_remove_deletes_only_our_handlers(tmp_path):
    listing = ("Id                 7\nCommand            /opt/oxt/bin/oxtender-replicator -q event x\n"
               "Id                 8\nCommand            /usr/bin/other-tool\n"
               "Id                 9\nCommand            /opt/oxt/bin/oxtender-replicator -q event y\n")
    tool, log = fake_tool(tmp_path, listing)
    assert run_script(tool, "--remove").returncode == 0
    assert log.read_text().splitlines() == ["--delete 7", "--delete 9"]


def test_dry_run_changes_nothing(tmp_path):
    tool, log = fake_tool(tmp_path)
    proc = run_script(tool, "--dry-run")
    assert proc.returncode == 0
    assert not log.exists()
    assert proc.stdout.count("--create") == len(known_events())


def test_unknown_options_are_refused(tmp_path):
    tool, _ = fake_tool(tmp_path)
    proc = run_script(tool, "--frobnicate")
    assert proc.returncode == 2
    assert "usage" in proc.stderr
