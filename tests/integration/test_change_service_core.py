"""Change Service in the core (lib/oxt_service.c) end to end: recorded for
the caller's mailboxes only, "Update in progress" (pending_service_type)
until the real replicator has applied it in the emulator, the service type,
language and time zone of users in OX and of users about to be created,
"Scheduled By" in the log, and the Info message's "within seconds" while
the daemon runs. The page is not built yet: tests/corecli calls the same
core functions a page will.

Data: default PleskSetup (harness/plesk.py): reseller1 (clients.id 2)
owns client1 (4, dom1-dom6 and dom9) and dom7; reseller2 (3) owns client2
(5, dom8 and dom10); mailbox user<i> lives in dom((i-1) % 10 + 1).
"""
import time

from harness.plesk import make_plesk, plesk  # noqa: F401
from test_replicator_daemon import daemons  # noqa: F401

DOM1_USERS = (1, 11, 21, 31)


def name_of(px, client_id):
    return px.scalar("psa", "SELECT pname FROM clients WHERE id = %s",
                     (client_id,))


def ox_user(px, mail_id):
    dom = px.scalar("psa", "SELECT d.name FROM mail m JOIN domains d"
                    " ON d.id = m.dom_id WHERE m.id = %s", (mail_id,))
    return px.ox_users(dom)["user%d" % mail_id]


def replicated_dom1(px):
    px.settings_set(ox_languages="en_US,de_DE,ro_RO")
    px.set_pref("domain", 1, webmail_forever="on")
    px.run()
    assert {ox_user(px, i)["access_combination"] for i in DOM1_USERS} == \
        {"webmail"}


def test_change_service_waits_for_the_replicator_then_reaches_ox(plesk):
    replicated_dom1(plesk)
    admin = name_of(plesk, 1)
    rc, out = plesk.core(
        "change-service", "admin", "--service", "groupware_standard",
        "--replicated-language", "de_DE",
        "--replicated-timezone", "Pacific/Tahiti",
        "--new-language", "plesk", "--new-timezone", "UTC",
        "--change", 1, "--change", 11, "--change", 2, "--tick", "2=on")
    assert rc == 0, out
    assert out["names"] == ["user1@dom1.example", "user11@dom1.example",
                            "user2@xn--bcher2-3ya.example"], out
    assert out["ticked"] == ["user2@xn--bcher2-3ya.example"]
    assert (out["pending"], out["domains"], out["daemon_running"]) == \
        (3, 2, False), out
    assert out["info"] == (
        "Service type for mailbox(es) user1@dom1.example,"
        " user11@dom1.example, user2@xn--bcher2-3ya.example will be"
        " updated next time the replication script will run.")
    # recorded, not applied: "Update in progress" and OX as it was
    for i in (1, 11, 2):
        assert plesk.mailbox_state(i)["pending_service_type"] == \
            "groupware_standard", i
    assert plesk.mailbox_state(1)["service_type"] == "webmail"
    assert plesk.mailbox_state(21)["pending_service_type"] is None
    assert ox_user(plesk, 1)["access_combination"] == "webmail"
    hints = plesk.queue_rows("object_type = 'domain'")
    assert sorted((int(h["object_id"]), h["scheduled_by"], h["reason"])
                  for h in hints) == [(1, admin, "change_service"),
                                      (2, admin, "change_service")]
    prefs = plesk.dicts("oxt", ("plesk_id", "webmail_forever", "service_type",
                                "language", "timezone", "updated_by"),
                        "FROM prefs WHERE level = 'mailbox' ORDER BY 1")
    assert [tuple(p.values()) for p in prefs] == [
        ("1", "inherit", "groupware_standard", "de_DE", "Pacific/Tahiti",
         admin),
        ("2", "on", "groupware_standard", "plesk", "UTC", admin),
        ("11", "inherit", "groupware_standard", "de_DE", "Pacific/Tahiti",
         admin)]
    first = max(int(r["id"]) for r in plesk.log_rows())
    plesk.run()
    for i in (1, 11):
        u = ox_user(plesk, i)
        assert (u["access_combination"], u["language"], u["timezone"]) == \
            ("groupware_standard", "de_DE", "Pacific/Tahiti"), u
        ms = plesk.mailbox_state(i)
        assert (ms["pending_service_type"], ms["service_type"],
                ms["applied_service_type"]) == (
            None, "groupware_standard", "groupware_standard"), ms
    u = ox_user(plesk, 21)                   # not asked: untouched
    assert (u["access_combination"], u["language"], u["timezone"]) == \
        ("webmail", "en_US", "Europe/Berlin")
    # a new user: created with the new users' settings; the owner's Plesk
    # language (client1's locale) for "Plesk language"
    u = ox_user(plesk, 2)
    locale = plesk.scalar("psa", "SELECT locale FROM clients WHERE id = 4")
    assert (u["access_combination"], u["timezone"]) == \
        ("groupware_standard", "UTC"), u
    assert u["language"] == locale.replace("-", "_"), (u, locale)
    assert plesk.mailbox_state(2)["pending_service_type"] is None
    rows = plesk.log_rows("id > %s AND mail_id IN (1, 2, 11)", (first,))
    assert rows and {r["scheduled_by"] for r in rows} == {admin}, rows
    assert {r["service_type"] for r in rows} == {"groupware_standard"}
    assert {r["outcome"] for r in rows} == {"success"}
    # a second run has nothing left to do for them
    before = len(plesk.log_rows())
    plesk.run()
    assert len(plesk.log_rows()) == before


def test_only_the_callers_mailboxes_and_the_allowed_choices(plesk):
    replicated_dom1(plesk)
    before = (plesk.sql("oxt", "SELECT * FROM prefs ORDER BY 1, 2"),
              plesk.sql("oxt", "SELECT * FROM queue ORDER BY id"),
              plesk.sql("oxt", "SELECT mail_id, pending_service_type FROM"
                        " mailbox_state ORDER BY 1"))

    def unchanged():
        return (plesk.sql("oxt", "SELECT * FROM prefs ORDER BY 1, 2"),
                plesk.sql("oxt", "SELECT * FROM queue ORDER BY id"),
                plesk.sql("oxt", "SELECT mail_id, pending_service_type FROM"
                          " mailbox_state ORDER BY 1")) == before

    # reseller2 and client2 own none of dom1's mailboxes; a domain
    # administrator only its own; an id that does not exist looks the same
    for login, ids in (("reseller2", (1,)), ("client2", (1,)),
                       ("dom7.example", (7, 1)), ("client1", (1, 8)),
                       ("admin", (1, 99999))):
        args = ["change-service", login, "--service", "groupware_premium"]
        for i in ids:
            args += ["--change", i]
        rc, out = plesk.core(*args)
        assert (rc, out.get("status")) == (1, "ENOENT"), (login, out)
        assert unchanged(), login
    # refused choices: one message per field, nothing written
    rc, out = plesk.core("change-service", "client1",
                         "--service", "groupware_premium",
                         "--allowed", "webmail,groupware_standard",
                         "--replicated-language", "fr_FR",
                         "--new-timezone", "Mars/Olympus", "--change", 1)
    assert rc == 1 and [e["key"] for e in out["errors"]] == [
        "service", "replicated_language", "new_timezone"], out
    rc, out = plesk.core("change-service", "client1", "--service",
                         "webmail")
    assert rc == 1 and [e["key"] for e in out["errors"]] == ["mailboxes"]
    assert unchanged()
    # its own: fine, the reseller above it too, and the domain's admin
    for login, i in (("client1", 1), ("reseller1", 11), ("dom1.example", 21)):
        rc, out = plesk.core("change-service", login, "--service",
                             "groupware_premium", "--change", i)
        assert rc == 0 and out["pending"] == 1, (login, out)
        assert plesk.mailbox_state(i)["pending_service_type"] == \
            "groupware_premium"
    # asking for the type it has already ends "Update in progress"
    rc, out = plesk.core("change-service", "admin", "--service", "webmail",
                         "--change", 1)
    assert rc == 0 and out["pending"] == 0, out
    assert plesk.mailbox_state(1)["pending_service_type"] is None


def test_unticked_mailbox_records_its_type_without_ox(plesk):
    """A mailbox OX gets nothing for: its new type is recorded by the next
    run, and "Update in progress" ends then too."""
    rc, out = plesk.core("change-service", "admin", "--service",
                         "groupware_standard", "--change", 3)
    assert rc == 0 and out["pending"] == 1, out
    ms = plesk.mailbox_state(3)
    assert (ms["status"], ms["service_type"], ms["pending_service_type"]) == \
        ("pending", "webmail", "groupware_standard"), ms
    plesk.run()
    ms = plesk.mailbox_state(3)
    assert ms["status"] in ("disabled", "unreplicable"), ms
    assert (ms["service_type"], ms["pending_service_type"]) == (
        "groupware_standard", None), ms
    assert plesk.ox_contexts() == {}


def test_with_the_daemon_a_change_reaches_ox_within_seconds(plesk, daemons):
    replicated_dom1(plesk)
    rc, out = plesk.core("daemon-running")
    assert out["running"] is False
    d = daemons(plesk)
    deadline = time.monotonic() + 30
    while not plesk.core("daemon-running")[1]["running"]:
        assert d.alive() and time.monotonic() < deadline, d.stderr()
        time.sleep(0.1)
    rc, out = plesk.core("change-service", "reseller1", "--service",
                         "groupware_standard", "--replicated-language",
                         "ro_RO", "--change", 31)
    assert rc == 0 and out["daemon_running"] is True, out
    assert out["info"].endswith("will be updated within seconds."), out
    t0 = time.monotonic()
    while plesk.mailbox_state(31)["pending_service_type"] is not None:
        assert time.monotonic() - t0 < 10, d.stderr()
        time.sleep(0.1)
    u = ox_user(plesk, 31)
    assert (u["access_combination"], u["language"]) == \
        ("groupware_standard", "ro_RO"), u
    row = plesk.log_rows("mail_id = 31")[-1]
    assert row["scheduled_by"] == name_of(plesk, 2), row
    rc, secs = d.terminate()
    assert rc == 0, d.stderr()
    assert plesk.core("daemon-running")[1]["running"] is False
