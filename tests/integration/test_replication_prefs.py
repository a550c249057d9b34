"""Inheritance of the per-level preferences (prefs table): Webmail Forever
on a reseller replicates its clients' domains, an explicit 'off' below
overrides it and an explicit 'on' below an 'off' wins again, down to the
mailbox's own OX Service tick; service type, language, time zone and the
context quota are inherited and overridden at each level, the quota capped
by the smallest maximum above. Changes after the first run reach OX.

Owners (tools/gendata/README.md, default PleskSetup size): reseller1 = 2
owns dom7 and client1 (4), which owns dom1, dom2 (IDN), dom9.
"""
from harness.plesk import make_plesk, plesk  # noqa: F401

RESELLER1 = 2
CLIENT1 = 4
IDN = "xn--bcher2-3ya.example"


def users_by_context(px):
    return {name: sorted(u["name"] for u in ctx["users"]
                         if not ctx_admin(u))
            for name, ctx in px.ox_contexts().items()}


def ctx_admin(u):
    return u.get("contextadmin") is True


def user(px, ctx, name):
    return px.ox_users(ctx)[name]


def test_forever_on_reseller_reaches_its_clients_domains(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on")
    plesk.run()
    assert sorted(users_by_context(plesk)) == [
        "dom1.example", "dom7.example", "dom9.example", IDN]


def test_client_off_overrides_reseller_on(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on")
    plesk.set_pref("client", CLIENT1, webmail_forever="off")
    plesk.run()
    assert users_by_context(plesk) == {
        "dom7.example": ["user17", "user27", "user37", "user7"]}, \
        "only the reseller's own domain"
    assert plesk.mailbox_state(1) is None, \
        "an unselected mailbox that was never in OX writes no state row"


def test_domain_on_under_client_off(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on")
    plesk.set_pref("client", CLIENT1, webmail_forever="off")
    plesk.set_pref("domain", 9, webmail_forever="on")
    plesk.run()
    assert users_by_context(plesk) == {
        "dom7.example": ["user17", "user27", "user37", "user7"],
        "dom9.example": ["user39", "user9"]}


def test_mailbox_tick_off_and_on(plesk):
    plesk.set_pref("domain", 1, webmail_forever="on")
    plesk.set_pref("mailbox", 11, webmail_forever="off")
    plesk.set_pref("mailbox", 17, webmail_forever="on")   # dom7: not selected
    plesk.run()
    assert users_by_context(plesk) == {
        "dom1.example": ["user1", "user21", "user31"],
        "dom7.example": ["user17"]}
    # unticking a replicated mailbox: with auto delete off it stays in OX
    plesk.set_pref("mailbox", 21, webmail_forever="off")
    plesk.run()
    assert users_by_context(plesk)["dom1.example"] == [
        "user1", "user21", "user31"]
    assert (plesk.mailbox_state(21)["status"],
            plesk.mailbox_state(21)["status_reason"]) == (
        "disabled", "not_selected")
    # with auto delete on it leaves, and the last user takes the context
    plesk.settings_set(auto_delete=1)
    plesk.set_pref("mailbox", 17, webmail_forever="off")
    plesk.run()
    got = users_by_context(plesk)
    assert got == {"dom1.example": ["user1", "user31"]}, got
    assert plesk.domain_state(7) is None


def test_service_type_inherited_and_overridden_at_each_level(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on",
                   service_type="groupware_standard")
    plesk.set_pref("client", CLIENT1, service_type="groupware_premium")
    plesk.set_pref("domain", 9, service_type="webmail")
    plesk.set_pref("mailbox", 39, service_type="groupware_standard")
    plesk.run()
    got = {(ctx, n): user(plesk, ctx, n)["access_combination"]
           for ctx, n in (("dom7.example", "user7"),
                          ("dom1.example", "user1"), (IDN, "user2"),
                          ("dom9.example", "user9"),
                          ("dom9.example", "user39"))}
    assert got == {("dom7.example", "user7"): "groupware_standard",
                   ("dom1.example", "user1"): "groupware_premium",
                   (IDN, "user2"): "groupware_premium",
                   ("dom9.example", "user9"): "webmail",
                   ("dom9.example", "user39"): "groupware_standard"}, got


def test_settings_default_service_type(plesk):
    plesk.settings_set(default_service_type="groupware_premium")
    plesk.set_pref("domain", 9, webmail_forever="on")
    plesk.run()
    assert user(plesk, "dom9.example", "user9")["access_combination"] == \
        "groupware_premium"


def test_language_and_timezone_inherited_and_overridden(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on",
                   language="de_DE", timezone="Europe/Bucharest")
    plesk.set_pref("client", CLIENT1, timezone="America/New_York")
    plesk.set_pref("domain", 9, language="fr_FR")
    plesk.set_pref("mailbox", 39, language="it_IT", timezone="Asia/Tokyo")
    plesk.run()
    got = {n: (user(plesk, ctx, n)["language"],
               user(plesk, ctx, n)["timezone"])
           for ctx, n in (("dom7.example", "user7"),
                          ("dom1.example", "user1"),
                          ("dom9.example", "user9"),
                          ("dom9.example", "user39"))}
    assert got == {"user7": ("de_DE", "Europe/Bucharest"),
                   "user1": ("de_DE", "America/New_York"),
                   "user9": ("fr_FR", "America/New_York"),
                   "user39": ("it_IT", "Asia/Tokyo")}, got


def test_plesk_language_and_timezone(plesk):
    """'plesk': the owner's Plesk locale and the Plesk server time zone
    (plesk_timezone in the config file)."""
    plesk.settings_set(default_language="plesk", default_timezone="plesk")
    plesk.exec("psa", "UPDATE clients SET locale = 'pt-BR' WHERE id = %s",
               (CLIENT1,))
    plesk.set_pref("domain", 9, webmail_forever="on")
    plesk.run()
    u = user(plesk, "dom9.example", "user9")
    assert (u["language"], u["timezone"]) == ("pt_BR", "Europe/Berlin")


def test_context_quota_inherited_overridden_and_capped(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on",
                   default_quota_mb=500)
    plesk.set_pref("client", CLIENT1, max_quota_mb=300)
    plesk.set_pref("domain", 9, default_quota_mb=200)
    plesk.set_pref("domain", 2, default_quota_mb=1000)
    plesk.run()
    got = {n: c["maxQuota"] for n, c in plesk.ox_contexts().items()}
    assert got == {"dom7.example": 500,       # reseller default
                   "dom1.example": 300,       # 500 capped by client max
                   "dom9.example": 200,       # own default under the cap
                   IDN: 300}, got             # 1000 capped
    # a maximum on the reseller lower than the client's wins too
    plesk.set_pref("reseller", RESELLER1, max_quota_mb=250)
    plesk.run()
    got = {n: c["maxQuota"] for n, c in plesk.ox_contexts().items()}
    assert got == {"dom7.example": 250, "dom1.example": 250,
                   "dom9.example": 200, IDN: 250}, got
    assert plesk.domain_state(1)["applied_quota_mb"] == "250"


def test_settings_default_quota(plesk):
    plesk.settings_set(default_quota_mb=42)
    plesk.set_pref("domain", 9, webmail_forever="on")
    plesk.run()
    assert plesk.ox_context("dom9.example")["maxQuota"] == 42


def test_changes_after_the_first_run_reach_ox(plesk):
    plesk.set_pref("domain", 9, webmail_forever="on")
    plesk.run()
    before = plesk.ox_users("dom9.example")
    plesk.set_pref("domain", 9, language="de_DE", timezone="Europe/Paris",
                   default_quota_mb=700)
    # the Mailboxes page records a requested service type change
    plesk.set_pref("mailbox", 39, service_type="groupware_premium")
    plesk.exec("oxt", "UPDATE mailbox_state SET pending_service_type ="
               " 'groupware_premium' WHERE mail_id = 39")
    plesk.run()
    after = plesk.ox_users("dom9.example")
    assert {n: u["id"] for n, u in after.items()} == \
        {n: u["id"] for n, u in before.items()}, "same OX users"
    assert {n: (u["language"], u["timezone"], u["access_combination"])
            for n, u in after.items()} == {
        "user9": ("de_DE", "Europe/Paris", "webmail"),
        "user39": ("de_DE", "Europe/Paris", "groupware_premium")}
    assert plesk.ox_context("dom9.example")["maxQuota"] == 700
    st = plesk.mailbox_state(39)
    assert (st["service_type"], st["applied_service_type"],
            st["pending_service_type"], st["status"]) == (
        "groupware_premium", "groupware_premium", None, "replicated"), st
    ops = [(r["mail_id"], r["operation"], r["outcome"], r["service_type"])
           for r in plesk.log_rows()][2:]
    assert sorted(ops) == [("39", "update", "success", "groupware_premium"),
                           ("39", "update", "success", "groupware_premium"),
                           ("9", "update", "success", "webmail")], ops
