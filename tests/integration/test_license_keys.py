"""License keys through `oxtender-replicator license` on a real database
(docs/license.md): the server's main IP from psa (or the configuration),
a good key put in force with every field, and every bad key refused with
its verdict while the key in force stays; a key changed in the database,
or one that expired or lost its IP since, is no longer in force.
"""
import json
import os
import shutil
import tempfile

import pytest

from harness.license import SERVER_IP, authority
from harness.plesk import PleskSetup, make_plesk  # noqa: F401


@pytest.fixture
def px(make_plesk):  # noqa: F811
    """No key at first, no OX emulator (nothing here replicates)."""
    return make_plesk(license=None, start_oxsim=False)


@pytest.fixture(scope="module")
def shared(mariadb):
    """One setup for the bad keys, which change nothing."""
    root = tempfile.mkdtemp(prefix="plesk-keys-",
                            dir=os.path.dirname(mariadb.root))
    s = PleskSetup(mariadb, root, license=dict(number="OXT-GOOD",
                                               tier="10"),
                   start_oxsim=False)
    try:
        yield s.setup()
    finally:
        s.close()
        shutil.rmtree(root, ignore_errors=True)


def status(px):
    return px.license_status()


def install(px, text, name="k.key"):
    path = os.path.join(px.root, name)
    with open(path, "w", newline="") as f:
        f.write(text)
    return px.repl("--json", "license", "install", path)


def key_number(px):
    return px.scalar("oxt", "SELECT key_number FROM license")


def test_a_fresh_install_runs_on_the_evaluation_allowance(px):
    st = status(px)
    assert (st["server_ip"], st["server_ip_from"]) == (SERVER_IP, "psa")
    assert st["status"] == "none" and st["key"] is None
    assert st["status_text"].startswith("No license key: the evaluation"
                                        " allowance is in force (10 domains,"
                                        " 50 Groupware mailboxes")
    assert st["can_activate"] is False and st["can_renew"] is False
    res = px.repl("license")
    assert res.returncode == 0
    assert "your server IP: 192.0.2.10 (psa)" in res.stdout, res.stdout


def test_a_good_key_is_put_in_force_with_every_field(px):
    text = px.authority.mint(number="OXT-42", ownership="leased", tier="100",
                             domains=90, mailboxes="unlimited",
                             premium="yes", free_usage="no",
                             renewed="2025-03-01", sus_expires="2026-03-01",
                             expires="2999-12-31")
    res = install(px, text)
    assert res.returncode == 0, px.describe(res)
    out = json.loads(res.stdout)
    assert out["ok"] is True and out["verdict"] is None
    st = out["license"]
    assert st["status"] == "valid"
    assert st["status_text"].startswith("Valid until 2999-12-31")
    assert st["key"] == {
        "number": "OXT-42", "ownership": "leased",
        "ownership_label": "Leased", "issued_for_ip": SERVER_IP,
        "tier": "100", "tier_label": "100 domains", "max_domains": 90,
        "max_plesk_mailboxes": None, "premium": True, "free_usage": False,
        "sus_expires": "2026-03-01", "renewed": "2025-03-01",
        "expires": "2999-12-31"}
    assert st["terms"]["groupware_cap"] == 150
    assert st["installed_by"] == "oxtender-replicator"
    row = px.sql("oxt", "SELECT key_number, status, ownership, issued_for_ip,"
                 " max_domains, mailbox_limit, non_webmail_limit, premium,"
                 " free_usage, tier, renewed_on, key_blob FROM license")[0]
    assert row == ("OXT-42", "valid", "leased", SERVER_IP, "90", None, "150",
                   "1", "0", "100", "2025-03-01", text)
    # Standard input works as a file does.
    res = px.repl("license", "install", "-", input=text)
    assert res.returncode == 0, px.describe(res)


def _bad_keys(auth):
    good = auth.mint(number="OXT-BAD", tier="unlimited")
    lines = good.splitlines(True)
    sig = [i for i, l in enumerate(lines) if l.startswith("signature:")][0]
    return {
        "tampered": (good.replace("tier: unlimited", "tier: 100"),
                     "bad_signature"),
        "truncated": (good[:len(good) // 2], "truncated"),
        "oversized": (good + "#" * 5000, "oversized"),
        # Far more than any key: read only up to the cap, refused the same.
        "huge": (good + "#" * (1 << 20), "oversized"),
        "unsigned": ("".join(lines[:sig] + lines[sig + 1:]), "unsigned"),
        "expired": (auth.mint(number="OXT-OLD", renewed="2020-01-01",
                              expires="2020-12-31"), "expired"),
        "wrong_ip": (auth.mint(number="OXT-IP", ip="192.0.2.99"),
                     "wrong_ip"),
        "other_authority": (authority(os.path.join(auth.root, "other"))
                            .mint(number="OXT-X"), "bad_signature"),
        "empty": ("", "empty"),
        "windows": (good.replace("\n", "\r\n"), "malformed"),
        "not_a_key": ("PK\x03\x04 a zip file", "malformed"),
    }


@pytest.mark.parametrize("case", ["tampered", "truncated", "oversized",
                                  "huge", "unsigned", "expired", "wrong_ip",
                                  "other_authority", "empty", "windows",
                                  "not_a_key"])
def test_a_bad_key_is_refused_and_the_key_in_force_stays(shared, case):
    px = shared
    before = px.sql("oxt", "SELECT * FROM license")
    text, verdict = _bad_keys(px.authority)[case]
    res = install(px, text)
    assert res.returncode == 1, px.describe(res)
    out = json.loads(res.stdout)
    assert (out["ok"], out["verdict"], out["problem"]) == (
        False, verdict, "License key refused"), out
    assert out["detail"]
    assert out["license"] is None
    assert px.sql("oxt", "SELECT * FROM license") == before
    assert status(px)["key"]["number"] == "OXT-GOOD"
    # Without --json the reason is on stderr.
    res = px.repl("license", "install", os.path.join(px.root, "k.key"))
    assert res.returncode == 1 and "License key refused" in res.stderr
    # Standard input is refused alike.
    res = px.repl("--json", "license", "install", "-", input=text)
    assert json.loads(res.stdout)["verdict"] == verdict, px.describe(res)
    assert status(px)["key"]["number"] == "OXT-GOOD"


def test_what_cannot_be_read_is_no_key(shared):
    px = shared
    for path in (px.root, os.path.join(px.root, "no-such.key")):
        res = px.repl("--json", "license", "install", path)
        assert res.returncode == 1 and "cannot read" in res.stderr, \
            px.describe(res)
    assert status(px)["key"]["number"] == "OXT-GOOD"


def test_the_main_ip_is_the_one_misc_names_or_the_first(px):
    px.exec("psa", "UPDATE misc SET val = '3' WHERE param = 'def_ip_id'")
    assert status(px)["server_ip"] == "198.51.100.7"
    px.exec("psa", "DELETE FROM misc WHERE param = 'def_ip_id'")
    assert status(px)["server_ip"] == SERVER_IP
    px.exec("psa", "INSERT INTO misc (param, val) VALUES ('def_ip_id', '99')")
    assert status(px)["server_ip"] == SERVER_IP
    px.exec("psa", "DELETE FROM IP_Addresses")
    st = status(px)
    assert st["server_ip"] is None and "set server_ip" in \
        st["server_ip_problem"]
    res = install(px, px.authority.mint())
    assert json.loads(res.stdout)["verdict"] == "wrong_ip"


def test_the_configuration_names_another_ip(px):
    px.write_config(server_ip="2001:DB8::7")
    st = status(px)
    assert (st["server_ip"], st["server_ip_from"]) == ("2001:db8::7",
                                                       "configuration")
    res = install(px, px.authority.mint(ip="2001:db8::7"))
    assert res.returncode == 0, px.describe(res)
    # Back to psa's address: the key is not in force any more.
    px.write_config()
    st = status(px)
    assert st["status"] == "wrong_ip" and st["terms"]["from_key"] is False
    assert st["key"]["number"] == "OXT-TEST-1"
    assert "issued for 2001:db8::7" in st["status_text"]


def test_a_key_changed_in_the_database_is_not_in_force(px):
    px.install_license(number="OXT-DB", tier="10")
    # Someone with the database's password raises the limits: the parsed
    # columns mean nothing, the signed text is checked again.
    px.exec("oxt", "UPDATE license SET tier = 'unlimited', free_usage = 1,"
            " key_blob = REPLACE(key_blob, 'tier: 10\\n',"
            " 'tier: unlimited\\n')")
    st = status(px)
    assert st["status"] == "invalid" and st["key"] is None
    assert st["terms"]["groupware_cap"] == 50
    assert "signature does not match" in st["status_text"]


def test_a_key_that_expired_since_falls_back_to_the_allowance(px):
    px.install_license(number="OXT-SOON", tier="unlimited",
                       free_usage="yes", renewed="2025-01-01",
                       expires="2999-01-01")
    assert status(px)["terms"]["groupware_cap"] is None
    # As if the days had passed: the stored text says 2020 now, signed.
    old = px.authority.mint(number="OXT-SOON", tier="unlimited",
                            free_usage="yes", renewed="2019-01-01",
                            expires="2020-01-01")
    px.exec("oxt", "UPDATE license SET key_blob = %s", (old,))
    st = status(px)
    assert st["status"] == "expired"
    assert "expired on 2020-01-01" in st["status_text"]
    assert st["terms"]["groupware_cap"] == 50 and st["key"]["number"] == \
        "OXT-SOON"


def test_a_public_key_that_is_no_key_stops_the_configuration(px):
    px.write_config(license_public_key="not-a-key")
    res = px.repl("license")
    assert res.returncode == 1
    assert "invalid value for 'license_public_key'" in res.stderr
    px.write_config(license_server_url="http://licensing.example/")
    res = px.repl("license")
    assert "invalid value for 'license_server_url'" in res.stderr
