"""Plesk events: `oxtender-replicator event NAME` fired the way the Plesk
Event Manager does (NEW_*/OLD_* environment variables on 9.5+, key=value
words on older templates) records a hint in the queue keyed by the stable
Plesk id, prints nothing and exits 0 whatever happens (a broken config, a
database that refuses or is down: then the hint waits in the spool
directory and the next run replays it). The next `run` applies the change
to OX by id: renames keep the OX user and context, passwords, aliases,
domain aliases and owner changes arrive, deletions follow auto_delete.

Data: tools/gendata/README.md, default PleskSetup size. client1 = 4,
reseller1 = 2; dom1 holds user1, 11, 21 (alias21), 31 (alias31), alias
domain alias-dom1.example (mail) and www-dom1.example (web only); dom7
(reseller1's own) user7 (alias7, alias7b), 17, 27, 37.
"""
import fcntl
import os

import pytest

from harness import env as hxenv
from harness.plesk import make_plesk, plesk  # noqa: F401

IDN = "xn--bcher2-3ya.example"
SELECTED = (1, 2, 7, 9)


def replicate(px, doms=SELECTED):
    for d in doms:
        px.set_pref("domain", d, webmail_forever="on")
    px.run()
    px.exec("oxt", "DELETE FROM queue")


def fire(px, name, vars_, form, config=None):
    """Fires an event with vars_ as environment ('env') or as key=value
    words ('args', lower-case keys like the old templates); asserts the
    handler's contract: exit 0, no output at all."""
    if form == "env":
        res = px.event(name, env=vars_, config=config)
    else:
        res = px.event(name, *["%s=%s" % (k.lower(), v)
                               for k, v in vars_.items()], config=config)
    assert (res.returncode, res.stdout, res.stderr) == (0, "", ""), \
        "event %s (%s): %s" % (name, form, px.describe(res))
    return res


def queued(px):
    return sorted((r["object_type"], int(r["object_id"]), r["reason"],
                   r["scheduled_by"]) for r in px.queue_rows())


def spool_files(px):
    return sorted(f for f in os.listdir(px.spool_dir)
                  if not f.startswith("."))


# ---- the hint: which queue row each event leaves ----------------------------

def _delete_mailbox(px, mail_id):
    px.exec("psa", "DELETE a FROM accounts a JOIN mail m ON m.account_id ="
            " a.id WHERE m.id = %s", (mail_id,))
    px.exec("psa", "DELETE FROM mail_aliases WHERE mn_id = %s", (mail_id,))
    px.exec("psa", "DELETE FROM mail WHERE id = %s", (mail_id,))


def _delete_domain(px, dom_id):
    for (mid,) in px.psa("SELECT id FROM mail WHERE dom_id = %s", (dom_id,)):
        _delete_mailbox(px, int(mid))
    px.exec("psa", "DELETE FROM domainaliases WHERE dom_id = %s", (dom_id,))
    px.exec("psa", "DELETE FROM DomainServices WHERE dom_id = %s", (dom_id,))
    px.exec("psa", "DELETE FROM domains WHERE id = %s", (dom_id,))


HINTS = [
    # id, event, variables, psa change before the event, expected queue
    ("mailname_create", "mailname_create",
     {"NEW_MAILNAME": "user1@dom1.example"}, None, ("mailbox", 1)),
    ("mailname_update", "mailname_update",
     {"NEW_MAILNAME": "user11@dom1.example",
      "OLD_MAILNAME": "user11@dom1.example",
      "NEW_PASSWORD": "never-kept"}, None, ("mailbox", 11)),
    ("mailname_update_idn", "mailname_update",
     {"NEW_MAILNAME": "user2@bücher2.example"}, None, ("mailbox", 2)),
    ("mailname_rename", "mailname_update",
     {"NEW_MAILNAME": "renamed1@dom1.example",
      "OLD_MAILNAME": "user1@dom1.example"},
     "UPDATE mail SET mail_name = 'renamed1' WHERE id = 1", ("mailbox", 1)),
    ("mailname_delete", "mailname_delete",
     {"OLD_MAILNAME": "user21@dom1.example"}, "delete-mail-21",
     ("mailbox", 21)),
    ("mailname_unknown_mailbox", "mailname_create",
     {"NEW_MAILNAME": "nobody@dom9.example"}, None, ("domain", 9)),
    ("domain_create", "domain_create",
     {"NEW_DOMAIN_NAME": "dom9.example"}, None, ("domain", 9)),
    ("domain_update_idn", "domain_update",
     {"NEW_DOMAIN_NAME": "bücher2.example",
      "OLD_DOMAIN_NAME": "bücher2.example"}, None, ("domain", 2)),
    ("domain_rename", "domain_update",
     {"NEW_DOMAIN_NAME": "renamed7.example",
      "OLD_DOMAIN_NAME": "dom7.example"},
     "UPDATE domains SET name = 'renamed7.example', displayName ="
     " 'renamed7.example' WHERE id = 7", ("domain", 7)),
    ("domain_delete", "domain_delete",
     {"OLD_DOMAIN_NAME": "dom7.example"}, "delete-domain-7", ("domain", 7)),
    ("domain_alias_create", "domain_alias_create",
     {"NEW_DOMAIN_ALIAS_NAME": "new-alias9.example",
      "NEW_DOMAIN_NAME": "dom9.example"},
     "INSERT INTO domainaliases (dom_id, name, displayName, mail, status)"
     " VALUES (9, 'new-alias9.example', 'new-alias9.example', 'true', 0)",
     ("domain", 9)),
    ("domain_alias_update", "domain_alias_update",
     {"NEW_DOMAIN_ALIAS_NAME": "alias-dom1.example",
      "OLD_DOMAIN_ALIAS_NAME": "alias-dom1.example"},
     "UPDATE domainaliases SET mail = 'false' WHERE name ="
     " 'alias-dom1.example'", ("domain", 1)),
    ("domain_alias_delete", "domain_alias_delete",
     {"OLD_DOMAIN_ALIAS_NAME": "alias-dom1.example"},
     "DELETE FROM domainaliases WHERE name = 'alias-dom1.example'",
     ("domain", 1)),
    ("client_update", "client_update", {"NEW_LOGIN_NAME": "client1"}, None,
     ("client", 4)),
    ("client_status_update", "client_status_update",
     {"OLD_LOGIN_NAME": "client1", "NEW_LOGIN_NAME": "client1"}, None,
     ("client", 4)),
    ("reseller_update", "reseller_update", {"NEW_LOGIN_NAME": "reseller1"},
     None, ("reseller", 2)),
]


def _hint_params():
    for h in HINTS:
        yield pytest.param(h, id=h[0])


@pytest.mark.parametrize("form", ["env", "args"])
@pytest.mark.parametrize("case", list(_hint_params()))
def test_event_queues_a_hint_by_stable_id(plesk, case, form):
    _, name, vars_, change, (otype, oid) = case
    replicate(plesk)
    if change == "delete-mail-21":
        _delete_mailbox(plesk, 21)
    elif change == "delete-domain-7":
        _delete_domain(plesk, 7)
    elif change:
        plesk.exec("psa", change)
    fire(plesk, name, vars_, form)
    assert queued(plesk) == [(otype, oid, name, "Automatic")], \
        "%s %s -> queue" % (name, vars_)
    assert spool_files(plesk) == []
    for row in plesk.queue_rows():
        assert "never-kept" not in (row["detail"] or "")
    # the next run works the hint off
    plesk.run()
    assert plesk.queue_rows() == [], "queue item done after the run"


def test_idn_event_does_not_stop_replication(plesk):
    """Plesk passes IDN names in their Unicode form
    (docs/reference/plesk-events.md §4)."""
    plesk.set_pref("domain", 1, webmail_forever="on")
    fire(plesk, "domain_update", {"NEW_DOMAIN_NAME": "b\u00fccher2.example"},
         "env")
    fire(plesk, "mailname_update",
         {"NEW_MAILNAME": "user2@b\u00fccher2.example"}, "env")
    res = plesk.repl("run")
    assert res.returncode == 0, plesk.describe(res)
    assert spool_files(plesk) == []
    assert sorted(plesk.ox_users("dom1.example")) == [
        "user1", "user11", "user21", "user31"]


def test_events_we_ignore(plesk):
    replicate(plesk)
    fire(plesk, "client_update", {"NEW_LOGIN_NAME": "admin"}, "env")
    fire(plesk, "mailname_create", {"NEW_MAILNAME": "x@unknown.example"},
         "env")
    fire(plesk, "domain_create", {}, "env")
    fire(plesk, "phys_hosting_create", {"NEW_DOMAIN_NAME": "dom1.example"},
         "env")
    res = plesk.repl("event")      # no event name at all
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")
    assert queued(plesk) == [] and spool_files(plesk) == []


def test_repeated_events_coalesce(plesk):
    for i in range(3):
        fire(plesk, "mailname_update", {"NEW_MAILNAME": "user1@dom1.example"},
             "env")
    fire(plesk, "mailname_create", {"NEW_MAILNAME": "user1@dom1.example"},
         "args")
    assert queued(plesk) == [("mailbox", 1, "mailname_create", "Automatic")]


# ---- never fails, never prints; the spool ----------------------------------

def test_event_with_a_missing_or_broken_config(plesk, tmp_path):
    if os.path.exists("/var/spool/oxtender"):
        pytest.skip("the default spool dir exists; this test would write"
                    " to it")
    missing = str(tmp_path / "nope.conf")
    fire(plesk, "mailname_update", {"NEW_MAILNAME": "user1@dom1.example"},
         "env", config=missing)
    broken = str(tmp_path / "broken.conf")
    with open(broken, "w") as f:
        f.write("this is not = a valid\nkey without value\n")
    fire(plesk, "mailname_update", {"NEW_MAILNAME": "user1@dom1.example"},
         "env", config=broken)
    assert not os.path.exists("/var/spool/oxtender")
    assert queued(plesk) == []


@pytest.mark.parametrize("failure", ["wrong_password", "db_down"])
def test_event_without_database_spools_and_run_replays(plesk, tmp_path,
                                                       failure):
    replicate(plesk, doms=(1,))
    plesk.exec("psa", "UPDATE accounts a JOIN mail m ON m.account_id = a.id"
               " SET a.password = 'spooled-new-pw' WHERE m.id = 1")
    if failure == "wrong_password":
        conf = plesk.write_config(str(tmp_path / "bad.conf"),
                                  db_password="wrong")
    else:
        conf = plesk.write_config(str(tmp_path / "bad.conf"),
                                  db_port=hxenv.free_port())
    fire(plesk, "mailname_update", {"NEW_MAILNAME": "user1@dom1.example",
                                    "NEW_PASSWORD": "spooled-new-pw"},
         "env", config=conf)
    files = spool_files(plesk)
    assert len(files) == 1 and files[0].endswith(".hint"), files
    with open(os.path.join(plesk.spool_dir, files[0])) as f:
        text = f.read()
    assert text == "event=mailname_update\nNEW_MAILNAME=user1@dom1.example\n"
    assert "spooled-new-pw" not in text, "passwords never reach the spool"
    assert queued(plesk) == []
    # the replay happens even when OX is unreachable: the hint lands in
    # the queue and fails there with OX's reason, nothing is lost
    plesk.settings_set(ox_host="127.0.0.1:%d" % hxenv.free_port(),
                       soap_timeout_s=2)
    plesk.run()
    assert spool_files(plesk) == [], "replayed and removed"
    q = plesk.queue_rows("object_type = 'mailbox'")
    assert [(r["object_id"], r["parked"], r["reason"]) for r in q] == [
        ("1", "0", "mailname_update")], q
    assert int(q[0]["attempts"]) >= 1 and q[0]["last_error"], q
    plesk.settings_set(ox_host="127.0.0.1:%d" % plesk.sim.port)
    plesk.exec("oxt", "UPDATE queue SET not_before = NOW(3)")
    plesk.run()
    assert plesk.ox_password_is("dom1.example", "user1", "spooled-new-pw")
    assert plesk.queue_rows() == []


def test_a_held_handoff_lock_sends_events_to_the_spool(plesk):
    """While a daemon holds the spool's hand-off lock (a test holds it
    here, as the daemon does: an exclusive flock on .daemon.lock) the
    handler writes the event to the spool and leaves the database alone;
    without the lock it queues the hint itself. `run` replays what the
    spool holds, more than one transaction's worth (500) at once."""
    plesk.exec("oxt", "DELETE FROM queue")
    lock = os.path.join(plesk.spool_dir, ".daemon.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fire(plesk, "mailname_update", {"NEW_MAILNAME": "user1@dom1.example"},
             "env")
        files = spool_files(plesk)
        assert len(files) == 1 and files[0].endswith(".hint"), files
        assert queued(plesk) == []
    finally:
        os.close(fd)
    fire(plesk, "mailname_update", {"NEW_MAILNAME": "user11@dom1.example"},
         "env")
    assert queued(plesk) == [("mailbox", 11, "mailname_update", "Automatic")]
    assert len(spool_files(plesk)) == 1
    # 600 more, as a burst leaves them: the replay's chunks of 500 each
    # find their mailboxes in one lookup and queue them in a few upserts,
    # and commit before their files go; what psa cannot name (a deleted
    # mailbox, a rename, an IDN domain) goes the handler's way
    plesk.exec("oxt", "DELETE FROM queue")
    names = ["USER21@dom1.example", "user31@DOM1.example", "user7@dom7.example",
             "nobody@dom9.example", "user2@bücher2.example"]
    for n in range(600):
        with open(os.path.join(plesk.spool_dir, "%020d-1-%012x.hint" % (
                n + 1, n)), "w") as f:
            f.write("event=mailname_update\nNEW_MAILNAME=%s\n"
                    % names[n % len(names)])
    with open(os.path.join(plesk.spool_dir, "%020d-1-%012x.hint" % (
            700, 700)), "w") as f:
        f.write("event=mailname_update\nNEW_MAILNAME=renamed1@dom1.example"
                "\nOLD_MAILNAME=user1@dom1.example\n")
    rc, out = plesk.core("spool-replay", expect_rc=0)
    assert out == {"replayed": 602}
    assert spool_files(plesk) == []
    assert queued(plesk) == [
        ("domain", 1, "mailname_update", "Automatic"),
        ("domain", 9, "mailname_update", "Automatic"),
        ("mailbox", 1, "mailname_update", "Automatic"),
        ("mailbox", 2, "mailname_update", "Automatic"),
        ("mailbox", 7, "mailname_update", "Automatic"),
        ("mailbox", 21, "mailname_update", "Automatic"),
        ("mailbox", 31, "mailname_update", "Automatic")]


def test_hints_done_together_keep_those_refreshed_meanwhile(plesk):
    """The engine removes the hints a turn answered in one statement
    (oxt_queue_done_many): a hint refreshed while it was worked stays,
    released and due, with a clean slate; the rest go."""
    plesk.exec("oxt", "DELETE FROM queue")
    for user in (1, 11, 21):
        fire(plesk, "mailname_update",
             {"NEW_MAILNAME": "user%d@dom1.example" % user}, "env")
    plesk.exec("oxt", "UPDATE queue SET attempts = 2, last_error = 'x'")
    rc, out = plesk.core("queue-done", "worker-a", 11, expect_rc=0)
    assert out == {"claimed": 3, "updates": 1}
    rows = plesk.queue_rows()
    assert [(r["object_id"], r["detail"], r["lease_owner"], r["attempts"],
             r["last_error"]) for r in rows] == [
        ("11", "again", None, "0", None)], rows
    # none refreshed (most turns): all go in the one DELETE, no release
    plesk.exec("oxt", "DELETE FROM queue")
    for user in (1, 11, 21):
        fire(plesk, "mailname_update",
             {"NEW_MAILNAME": "user%d@dom1.example" % user}, "env")
    rc, out = plesk.core("queue-done", "worker-a", expect_rc=0)
    assert out == {"claimed": 3, "updates": 0}
    assert plesk.queue_rows() == []


def test_unreadable_spool_file_is_set_aside(plesk):
    path = os.path.join(plesk.spool_dir, "00000000000000000001-1-aa.hint")
    with open(path, "w") as f:
        f.write("garbage\n")
    plesk.run()
    assert sorted(os.listdir(plesk.spool_dir)) == [
        "00000000000000000001-1-aa.hint.bad"]


def test_symlinks_and_fifos_in_the_spool_are_never_read(plesk, tmp_path):
    """Anyone who can write to the spool directory could plant a symlink
    (to make a root run read another file as a hint) or a FIFO (to hang
    every run): both are set aside unread, with an error line."""
    outside = tmp_path / "outside.hint"
    outside.write_text("event=mailname_update\n"
                       "NEW_MAILNAME=user1@dom1.example\n")
    link = os.path.join(plesk.spool_dir, "00000000000000000001-1-aa.hint")
    fifo = os.path.join(plesk.spool_dir, "00000000000000000002-1-bb.hint")
    os.symlink(str(outside), link)
    os.mkfifo(fifo)
    res = plesk.repl("run", timeout=30)        # a FIFO would hang it
    assert res.returncode == 0, plesk.describe(res)
    assert spool_files(plesk) == [os.path.basename(link) + ".bad",
                                  os.path.basename(fifo) + ".bad"]
    assert os.path.islink(link + ".bad")       # renamed, not followed
    assert queued(plesk) == [], "the symlink's target was never queued"
    assert res.stderr.count("OXT03001") == 2, res.stderr
    assert "is a symbolic link" in res.stderr and \
        "is not a regular file" in res.stderr, res.stderr


# ---- the next run applies the change -----------------------------------------

def user_ids(px, ctx):
    return {n: u["id"] for n, u in px.ox_users(ctx).items()}


def test_mailbox_rename_keeps_the_ox_user(plesk):
    replicate(plesk)
    before = plesk.ox_users("dom1.example")["user1"]
    plesk.exec("psa", "UPDATE mail SET mail_name = 'renamed1' WHERE id = 1")
    fire(plesk, "mailname_update", {"NEW_MAILNAME": "renamed1@dom1.example",
                                    "OLD_MAILNAME": "user1@dom1.example"},
         "env")
    plesk.run()
    users = plesk.ox_users("dom1.example")
    # OX refuses user name changes by default: the login name stays
    assert sorted(users) == ["user1", "user11", "user21", "user31"]
    u = users["user1"]
    assert u["id"] == before["id"], "same OX user"
    assert (u["primaryEmail"], u["email1"], u["defaultSenderAddress"],
            u["imapLogin"], sorted(u["aliases"])) == (
        "renamed1@dom1.example", "renamed1@dom1.example",
        "renamed1@dom1.example", "renamed1@dom1.example",
        ["renamed1@alias-dom1.example", "renamed1@dom1.example"])
    assert plesk.ox_password_is("dom1.example", "user1",
                                "user1@dom1.example-pw"), \
        "the password text did not change"
    last = plesk.log_rows()[-1]
    assert (last["mail_id"], last["address"], last["operation"],
            last["outcome"], last["reason"]) == (
        "1", "renamed1@dom1.example", "rename", "success",
        "OX does not allow changing user names: the user keeps logging in"
        " as 'user1'"), last
    st = plesk.mailbox_state(1)
    assert (st["applied_address"], st["status"], st["ox_user_id"]) == (
        "renamed1@dom1.example", "replicated", str(before["id"]))
    requests = plesk.ox_counters()["requests"]
    plesk.run()
    assert plesk.ox_counters()["requests"] == requests, \
        "the refused name change is not retried on every run"


def test_password_change(plesk):
    replicate(plesk)
    plesk.exec("psa", "UPDATE accounts a JOIN mail m ON m.account_id = a.id"
               " SET a.password = 'brand-new-pw' WHERE m.id = 31")
    fire(plesk, "mailname_update", {"NEW_MAILNAME": "user31@dom1.example"},
         "env")
    plesk.run()
    assert plesk.ox_password_is("dom1.example", "user31", "brand-new-pw")
    last = plesk.log_rows()[-1]
    assert (last["mail_id"], last["operation"], last["outcome"]) == (
        "31", "update", "success")


def test_mailbox_alias_add_and_remove(plesk):
    replicate(plesk)
    plesk.exec("psa", "INSERT INTO mail_aliases (mn_id, alias) VALUES"
               " (1, 'extra1')")
    plesk.exec("psa", "DELETE FROM mail_aliases WHERE mn_id = 21")
    for a in ("user1@dom1.example", "user21@dom1.example"):
        fire(plesk, "mailname_update", {"NEW_MAILNAME": a}, "env")
    plesk.run()
    users = plesk.ox_users("dom1.example")
    assert sorted(users["user1"]["aliases"]) == [
        "extra1@alias-dom1.example", "extra1@dom1.example",
        "user1@alias-dom1.example", "user1@dom1.example"]
    assert sorted(users["user21"]["aliases"]) == [
        "user21@alias-dom1.example", "user21@dom1.example"]
    assert plesk.mailbox_state(21)["applied_aliases"] == \
        "user21@alias-dom1.example\nuser21@dom1.example"


def test_domain_rename(plesk):
    replicate(plesk)
    ctx_before = plesk.ox_context("dom1.example")
    ids_before = user_ids(plesk, "dom1.example")
    plesk.exec("psa", "UPDATE domains SET name = 'newdom1.example',"
               " displayName = 'newdom1.example' WHERE id = 1")
    fire(plesk, "domain_update", {"NEW_DOMAIN_NAME": "newdom1.example",
                                  "OLD_DOMAIN_NAME": "dom1.example"}, "env")
    plesk.run()
    assert "dom1.example" not in plesk.ox_contexts()
    ctx = plesk.ox_context("newdom1.example")
    assert ctx["id"] == ctx_before["id"], "renamed by id, not re-created"
    assert sorted(ctx["loginMappings"]) == sorted(
        ["newdom1.example", "alias-dom1.example", str(ctx["id"])])
    assert user_ids(plesk, "newdom1.example") == ids_before
    for name, u in plesk.ox_users("newdom1.example").items():
        mail_id = int(name[4:])
        addr = name + "@newdom1.example"
        assert (u["primaryEmail"], u["email1"], u["imapLogin"],
                u["display_name"], sorted(u["aliases"])) == (
            addr, addr, addr, addr, plesk.expected_aliases(mail_id)), name
    ds = plesk.domain_state(1)
    assert (ds["context_name"], ds["applied_name"], ds["ox_context_id"]) == (
        "newdom1.example", "newdom1.example", str(ctx["id"]))
    calls = plesk.ox_calls()
    assert calls.get("OXContextService.createModuleAccessByName") == 4
    assert calls.get("OXContextService.delete", 0) == 0
    assert calls.get("OXUserService.delete", 0) == 0


def test_domain_alias_add_update_remove(plesk):
    replicate(plesk)
    plesk.exec("psa", "INSERT INTO domainaliases (dom_id, name, displayName,"
               " mail, status) VALUES (1, 'extra-dom1.example',"
               " 'extra-dom1.example', 'true', 0)")
    fire(plesk, "domain_alias_create",
         {"NEW_DOMAIN_ALIAS_NAME": "extra-dom1.example",
          "NEW_DOMAIN_NAME": "dom1.example"}, "env")
    plesk.run()
    ctx = plesk.ox_context("dom1.example")
    assert sorted(ctx["loginMappings"]) == sorted(
        ["dom1.example", "alias-dom1.example", "extra-dom1.example",
         str(ctx["id"])])
    assert sorted(plesk.ox_users("dom1.example")["user21"]["aliases"]) == [
        "alias21@alias-dom1.example", "alias21@dom1.example",
        "alias21@extra-dom1.example", "user21@alias-dom1.example",
        "user21@dom1.example", "user21@extra-dom1.example"]
    # mail switched off on an alias: like a removal for OX
    plesk.exec("psa", "UPDATE domainaliases SET mail = 'false'"
               " WHERE name = 'extra-dom1.example'")
    fire(plesk, "domain_alias_update",
         {"NEW_DOMAIN_ALIAS_NAME": "extra-dom1.example"}, "env")
    plesk.run()
    assert "extra-dom1.example" not in plesk.ox_context(
        "dom1.example")["loginMappings"]
    plesk.exec("psa", "DELETE FROM domainaliases"
               " WHERE name = 'alias-dom1.example'")
    fire(plesk, "domain_alias_delete",
         {"OLD_DOMAIN_ALIAS_NAME": "alias-dom1.example"}, "env")
    assert queued(plesk) == [("domain", 1, "domain_alias_delete",
                              "Automatic")]
    plesk.run()
    ctx = plesk.ox_context("dom1.example")
    assert sorted(ctx["loginMappings"]) == sorted(
        ["dom1.example", str(ctx["id"])])
    for name, u in plesk.ox_users("dom1.example").items():
        assert sorted(u["aliases"]) == plesk.expected_aliases(
            int(name[4:])), name
    assert sorted(plesk.ox_users("dom1.example")["user1"]["aliases"]) == [
        "user1@dom1.example"]


def test_client_and_reseller_updates(plesk):
    plesk.settings_set(default_language="plesk")
    replicate(plesk)
    plesk.exec("psa", "UPDATE clients SET locale = 'de-DE' WHERE id = 4")
    fire(plesk, "client_update", {"NEW_LOGIN_NAME": "client1"}, "env")
    plesk.exec("psa", "UPDATE clients SET locale = 'fr-FR' WHERE id = 2")
    fire(plesk, "reseller_update", {"NEW_LOGIN_NAME": "reseller1"}, "env")
    plesk.run()
    langs = {ctx: sorted({u["language"] for u in
                          plesk.ox_users(ctx).values()})
             for ctx in ("dom1.example", IDN, "dom9.example",
                         "dom7.example")}
    assert langs == {"dom1.example": ["de_DE"], IDN: ["de_DE"],
                     "dom9.example": ["de_DE"],
                     "dom7.example": ["fr_FR"]}, langs
    assert plesk.queue_rows() == []
    # a client suspended in Plesk: client_status_update, no OX call
    requests = plesk.ox_counters()["requests"]
    plesk.exec("psa", "UPDATE clients SET status = 16 WHERE id = 4")
    fire(plesk, "client_status_update", {"NEW_LOGIN_NAME": "client1"}, "env")
    plesk.run()
    assert plesk.ox_counters()["requests"] == requests
    assert plesk.mailbox_state(1)["status_reason"] == "suspended"


def test_mailbox_delete_with_auto_delete(plesk):
    plesk.settings_set(auto_delete=1)
    replicate(plesk)
    _delete_mailbox(plesk, 21)
    fire(plesk, "mailname_delete", {"OLD_MAILNAME": "user21@dom1.example"},
         "env")
    plesk.run()
    assert sorted(plesk.ox_users("dom1.example")) == [
        "user1", "user11", "user31"]
    assert plesk.mailbox_state(21) is None
    last = plesk.log_rows()[-1]
    assert (last["mail_id"], last["address"], last["operation"],
            last["outcome"]) == ("21", "user21@dom1.example", "delete",
                                 "success"), last
    # the last user of dom7 takes the context with it
    ctx_id = plesk.ox_context("dom7.example")["id"]
    for i in (7, 17, 27, 37):
        _delete_mailbox(plesk, i)
        fire(plesk, "mailname_delete",
             {"OLD_MAILNAME": "user%d@dom7.example" % i}, "env")
    plesk.run()
    assert "dom7.example" not in plesk.ox_contexts()
    assert ctx_id not in [c["id"] for c in plesk.ox_state()["contexts"]]
    assert plesk.domain_state(7) is None
    assert plesk.ox_calls().get("OXContextService.delete") == 1


def test_mailbox_delete_without_auto_delete(plesk):
    replicate(plesk)
    _delete_mailbox(plesk, 21)
    fire(plesk, "mailname_delete", {"OLD_MAILNAME": "user21@dom1.example"},
         "env")
    plesk.run()
    assert sorted(plesk.ox_users("dom1.example")) == [
        "user1", "user11", "user21", "user31"], "the user stays in OX"
    calls = plesk.ox_calls()
    assert calls.get("OXUserService.delete", 0) == 0
    assert plesk.queue_rows() == []


def test_domain_delete_with_auto_delete(plesk):
    plesk.settings_set(auto_delete=1)
    replicate(plesk)
    _delete_domain(plesk, 9)
    fire(plesk, "domain_delete", {"OLD_DOMAIN_NAME": "dom9.example"}, "env")
    plesk.run()
    assert "dom9.example" not in plesk.ox_contexts()
    assert plesk.domain_state(9) is None
    assert plesk.mailbox_state(9) is None and plesk.mailbox_state(39) is None
    deletes = sorted((r["address"], r["operation"], r["outcome"])
                     for r in plesk.log_rows() if r["dom_id"] == "9"
                     and r["operation"] == "delete")
    assert deletes == [("user39@dom9.example", "delete", "success"),
                       ("user9@dom9.example", "delete", "success")]


def test_domain_delete_without_auto_delete(plesk):
    replicate(plesk)
    _delete_domain(plesk, 9)
    fire(plesk, "domain_delete", {"OLD_DOMAIN_NAME": "dom9.example"}, "env")
    plesk.run()
    assert sorted(plesk.ox_users("dom9.example")) == ["user39", "user9"]
    assert plesk.ox_calls().get("OXContextService.delete", 0) == 0
