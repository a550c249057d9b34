"""The OXtender link in the panel: `oxtender-replicator buttons` keeps
Plesk's custom buttons in line with the access grants through Plesk's
custombutton tool (here a recording fake that changes psa.custom_buttons
as the real one does), and every pass does the same.
"""
import json
import os
import subprocess

import pytest

from harness import env
from harness.custombutton import FakeCustomButton
from harness.plesk import make_plesk  # noqa: F401 (fixture)

URL = "/oxtender/"


@pytest.fixture
def buttons(site, run_dir):
    """(run, tool): run(*args, **config) runs the replicator with the fake
    tool configured; grants and buttons are cleared afterwards."""
    tool = FakeCustomButton(os.path.join(run_dir, "cb-10"), site.db,
                            site.psa_db)
    config = site.write_config(os.path.join(site.root, "buttons.conf"),
                               custombutton_path=tool.path)

    def run(*args, config_path=None):
        return site.replicator(*args, config=config_path or config)

    yield run, tool
    site.db.sql("DELETE FROM prefs;\n", site.oxtender_db)
    site.psa_sql("DELETE FROM custom_buttons;\n")


def creates(calls):
    """{owner login or 'admin': argv} of the --create calls."""
    out = {}
    for argv in calls:
        if argv[0] == "--create":
            opts = dict(zip(argv[1::2], argv[2::2]))
            out[opts.get("-owner", "admin")] = opts
    return out


def present(site):
    return sorted((int(l), int(i)) for l, i in site.psa(
        "SELECT level, level_id FROM custom_buttons WHERE url = '%s'" % URL))


def reseller(site, n=0):
    login, rid = site.psa("SELECT login, id FROM clients WHERE type = "
                          "'reseller' AND status = 0 ORDER BY id")[n]
    return login, int(rid)


def test_dry_run_says_what_it_would_change(site, buttons):
    run, tool = buttons
    login, rid = reseller(site)
    site.grant("reseller", rid)
    res = run("buttons", "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "would create the OXtender button of admin" in res.stdout
    assert "would create the OXtender button of reseller %s (%d)" \
        % (login, rid) in res.stdout, res.stdout
    res = run("--json", "buttons", "--dry-run")
    data = json.loads(res.stdout)
    assert data["dry_run"] is True and data["tool"] == tool.path
    assert [(c["role"], c["id"]) for c in data["create"]] == \
        [("admin", 0), ("reseller", rid)]
    assert tool.calls() == [] and present(site) == []


def test_buttons_follow_the_grants(site, buttons):
    run, tool = buttons
    login, rid = reseller(site)
    res = run("buttons")
    assert res.returncode == 0, res.stderr
    assert list(creates(tool.calls())) == ["admin"]
    admin = creates(tool.calls())["admin"]
    assert (admin["-url"], admin["-place"], admin["-public"],
            admin["-internal"]) == (URL, "navigation", "false", "true")
    # a grant: the grantee's own button; nothing else changes
    site.grant("reseller", rid)
    tool.reset()
    assert run("buttons").returncode == 0
    assert list(creates(tool.calls())) == [login]
    assert present(site) == [(1, 0), (2, rid)]
    # in line: a second run changes nothing
    tool.reset()
    assert run("buttons").returncode == 0 and tool.calls() == []
    # taken back: that button goes
    site.revoke("reseller", rid)
    button = site.psa_scalar("SELECT id FROM custom_buttons WHERE level = 2")
    tool.reset()
    assert run("buttons").returncode == 0
    assert tool.calls() == [["--remove", button]]
    assert present(site) == [(1, 0)]


def test_plesk10_gives_clients_and_domains_no_button(site, buttons):
    run, tool = buttons
    site.grant("client", int(site.psa_scalar(
        "SELECT id FROM clients WHERE type = 'client' ORDER BY id LIMIT 1")))
    site.grant("domain", 1)
    assert run("buttons").returncode == 0
    assert list(creates(tool.calls())) == ["admin"]


def test_buttons_nobody_should_have_are_removed(site, buttons):
    """A second admin button, and one of a deleted account."""
    run, tool = buttons
    site.psa_sql("INSERT INTO custom_buttons (id, level, level_id, text, url)"
                 " VALUES (901, 1, 1, 'OXtender', '%s'), (902, 1, 1, "
                 "'OXtender', '%s'), (903, 4, 99999, 'OXtender', '%s'), "
                 "(904, 4, 99999, 'Other', '/other/');\n" % (URL, URL, URL))
    assert run("buttons").returncode == 0
    assert sorted(tool.calls()) == [["--remove", "902"], ["--remove", "903"]]
    assert site.psa_scalar("SELECT COUNT(*) FROM custom_buttons WHERE "
                           "id = 904") == "1"


def test_plesk9_client_and_domain_buttons(plesk_flavour, run_dir):
    site, _ = plesk_flavour(9)
    tool = FakeCustomButton(os.path.join(run_dir, "cb-9"), site.db,
                            site.psa_db, flavour=9)
    config = site.write_config(os.path.join(site.root, "buttons.conf"),
                               custombutton_path=tool.path)
    client, cid = site.psa("SELECT login, id FROM clients WHERE type = "
                           "'client' ORDER BY id LIMIT 1")[0]
    site.grant("client", int(cid))
    site.grant("domain", 2)
    try:
        res = site.replicator("buttons", config=config)
        assert res.returncode == 0, res.stderr
        assert sorted(creates(tool.calls())) == sorted(
            ["admin", client, "xn--bcher2-3ya.example"])
        assert present(site) == [(1, 0), (4, int(cid)), (8, 2)]
    finally:
        site.db.sql("DELETE FROM prefs;\n", site.oxtender_db)
        site.psa_sql("DELETE FROM custom_buttons;\n")


def test_no_secret_on_the_command_line(site, buttons):
    run, tool = buttons
    for n in range(2):
        site.grant("reseller", reseller(site, n)[1])
    assert run("buttons").returncode == 0
    argv = json.dumps(tool.calls())
    assert len(tool.calls()) == 3
    for secret in (site.admin_password, site.db_password, "-pw"):
        assert secret not in argv


def test_the_tool_is_found_on_path(site, buttons, run_dir):
    _, tool = buttons
    config = site.write_config(os.path.join(site.root, "buttons-path.conf"))
    e = dict(os.environ, PATH=tool.dir + ":" + os.environ.get("PATH", ""))
    res = subprocess.run([env.REPLICATOR, "-c", config, "buttons"],
                         capture_output=True, text=True, env=e, timeout=60)
    assert res.returncode == 0, res.stderr
    assert list(creates(tool.calls())) == ["admin"]


def test_without_the_tool_nothing_changes(site, buttons):
    run, tool = buttons
    config = site.write_config(os.path.join(site.root, "buttons-none.conf"),
                               custombutton_path="/nonexistent/custombutton")
    res = run("buttons", config_path=config)
    assert res.returncode == 1 and "custombutton tool was not found" \
        in res.stderr, (res.stdout, res.stderr)
    res = run("buttons", "--dry-run", config_path=config)
    assert res.returncode == 0 and "would create" in res.stdout, res.stderr
    assert present(site) == []


def test_a_failing_tool_fails_the_command(site, buttons):
    run, tool = buttons
    tool.fail(True)
    res = run("buttons")
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert "OXT03301" in res.stderr and "exited with 1" in res.stderr
    assert present(site) == []


def test_every_pass_keeps_the_buttons(make_plesk, run_dir):
    px = make_plesk()
    tool = FakeCustomButton(os.path.join(px.root, "cb"), px.db, px.psa_db)
    px.write_config(custombutton_path=tool.path)
    px.set_pref("reseller", 2, access=1)
    px.run()
    assert sorted(creates(tool.calls())) == ["admin", "reseller1"]
    tool.reset()
    px.run()
    assert tool.calls() == []
