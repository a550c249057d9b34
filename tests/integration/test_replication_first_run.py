"""The first `run` against the emulator: one context per selected domain,
one user per replicable mailbox, every attribute exact; a second run sends
nothing; the run summary and the replication log say what happened, and
with "Debug API requests" on the log carries the SOAP exchange without a
single password.

Data: tools/gendata/README.md, default PleskSetup size (see
harness/plesk.py). Webmail Forever on reseller1 (clients.id 2) selects
client1's domains dom1, dom2 (IDN), dom6 (mail off), dom3-5 (suspended),
dom9 and reseller1's own dom7.
"""
import re

from harness.oxsim import user_password_is
from harness.plesk import IMAP_HOST, SMTP_HOST, make_plesk, plesk  # noqa: F401

RESELLER1 = 2
CLIENT1 = 4
IDN = "xn--bcher2-3ya.example"

# mailbox ids per replicated domain (user19: empty password, user29: NULL)
EXPECTED = {
    "dom1.example": (1, [1, 11, 21, 31]),
    IDN: (2, [2, 12, 22, 32]),
    "dom7.example": (7, [7, 17, 27, 37]),
    "dom9.example": (9, [9, 39]),
}


def all_user_ids():
    return sorted(i for _, ids in EXPECTED.values() for i in ids)


def check_user(px, ctx_name, mail_id, service):
    name, _, dom, _ = px.mailbox_row(mail_id)
    users = px.ox_users(ctx_name)
    assert name in users, "user %s missing in context %s: %s" % (
        name, ctx_name, sorted(users))
    u = users[name]
    address = "%s@%s" % (name, dom)
    display_dom = px.mailbox_row(mail_id)[3]
    expect = {
        "name": name,
        "primaryEmail": address,
        "email1": address,
        "defaultSenderAddress": address,
        "imapLogin": address,
        "imapServer": IMAP_HOST,
        "imapPort": "143",
        "smtpServer": SMTP_HOST,
        "smtpPort": "25",
        "language": "en_US",
        "timezone": "Europe/Berlin",
        "display_name": "%s@%s" % (name, display_dom),
        "given_name": name,
        "sur_name": display_dom,
        "access_combination": service,
    }
    got = {k: u.get(k) for k in expect}
    assert got == expect, "user %s in %s: attributes differ" % (
        address, ctx_name)
    assert px.ox_password_is(ctx_name, name, px.mailbox_password(mail_id)), \
        "user %s in %s: password differs" % (address, ctx_name)
    assert sorted(u["aliases"]) == px.expected_aliases(mail_id), \
        "aliases of %s" % address
    st = px.mailbox_state(mail_id)
    assert (st["status"], st["status_reason"], st["ox_user_id"],
            st["applied_service_type"], st["pending_service_type"]) == (
        "replicated", None, str(u["id"]), service, None), \
        "mailbox_state of %s: %r" % (address, st)


def test_first_run_creates_exact_contexts_and_users(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on")
    res = plesk.run()
    assert res.stdout.strip() == (
        "11 domains checked, 18 operations done, 0 failed, 0 skipped"
        " (parked or backing off)"), res.stdout

    contexts = plesk.ox_contexts()
    assert sorted(contexts) == sorted(EXPECTED), \
        "one context per selected domain with replicable mailboxes"
    for ctx_name, (dom_id, ids) in EXPECTED.items():
        ctx = contexts[ctx_name]
        assert ctx["maxQuota"] == 100, "context quota = Settings default"
        assert ctx["enabled"] is True
        assert sorted(ctx["loginMappings"]) == plesk.expected_mappings(
            dom_id, ctx["id"]), "login mappings of %s" % ctx_name
        ds = plesk.domain_state(dom_id)
        assert (ds["ox_context_id"], ds["context_name"], ds["status"],
                ds["applied_quota_mb"], ds["admin_login"]) == (
            str(ctx["id"]), ctx_name, "ok", "100", "oxadmin"), ds
        # the context admin is ours and only ours
        admins = [u for u in ctx["users"] if u["contextadmin"]]
        assert [a["name"] for a in admins] == ["oxadmin"]
        users = plesk.ox_users(ctx_name)
        assert len(users) == len(ids), "users of %s: %s" % (
            ctx_name, sorted(users))
        for mail_id in ids:
            check_user(plesk, ctx_name, mail_id, "webmail")

    calls = plesk.ox_calls()
    assert calls == {"OXContextService.createModuleAccessByName": 4,
                     "OXUserService.createByModuleAccessName": 14}, calls

    # mailboxes that are not replicated say why
    why = {i: (plesk.mailbox_state(i) or {}).get("status_reason")
           for i in (3, 4, 5, 6, 8, 19, 29)}
    assert why == {3: "forward_only", 4: "suspended", 5: "suspended",
                   6: "mail_off", 8: "suspended", 19: "no_password",
                   29: "no_password"}, why


def test_second_run_sends_nothing(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on")
    plesk.run()
    before = plesk.ox_counters()
    state_before = plesk.ox_state()
    res = plesk.run()
    after = plesk.ox_counters()
    writes = {k: v for k, v in after["calls"].items()
              if before["calls"].get(k) != v and not any(
                  r in k for r in (".getData", ".exists", ".list",
                                   ".getModuleAccess", ".getAccess",
                                   ".getAdminId", ".getContextAdmin",
                                   ".getMultipleData"))}
    assert writes == {}, "the second run changed OX: %s" % writes
    assert after["requests"] == before["requests"], (
        "a converged run sends no request at all (%d -> %d)"
        % (before["requests"], after["requests"]))
    assert plesk.ox_state() == state_before
    assert "0 operations done, 0 failed" in res.stdout, res.stdout
    assert len(plesk.log_rows()) == 14, "no log rows for a no-op run"


def test_access_combination_per_service_type(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on",
                   service_type="groupware_standard")
    plesk.set_pref("domain", 1, service_type="groupware_premium")
    plesk.set_pref("mailbox", 39, service_type="webmail")
    plesk.run()
    expect = {}
    for ctx_name, (dom_id, ids) in EXPECTED.items():
        for i in ids:
            svc = "groupware_standard"
            if dom_id == 1:
                svc = "groupware_premium"
            if i == 39:
                svc = "webmail"
            expect[i] = svc
            check_user(plesk, ctx_name, i, svc)
    # the three combinations really differ in OX
    mods = {}
    for ctx_name, (_, ids) in EXPECTED.items():
        for u in plesk.ox_users(ctx_name).values():
            mods.setdefault(u["access_combination"],
                            tuple(sorted(u["module_access"])))
    assert len(set(mods.values())) == 3, mods
    s = plesk.run_summaries()[-1]
    assert (s["webmail_ok"], s["standard_ok"], s["premium_ok"],
            s["webmail_failed"], s["standard_failed"],
            s["premium_failed"]) == ("1", "9", "4", "0", "0", "0"), s


def test_mail_server_settings_reach_every_user(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on")
    plesk.run()
    plesk.settings_set(imap_server="mail2.example.test:993",
                       smtp_server=SMTP_HOST + ":587")
    before = plesk.ox_calls()
    plesk.run()
    calls = plesk.ox_calls()
    assert calls.get("OXUserService.change", 0) \
        - before.get("OXUserService.change", 0) == 14, calls
    for ctx_name in EXPECTED:
        for u in plesk.ox_users(ctx_name).values():
            assert (u["imapServer"], u["imapPort"], u["smtpServer"],
                    u["smtpPort"]) == ("mail2.example.test", "993",
                                       SMTP_HOST, "587"), u["name"]


def test_run_summary_and_replication_log(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on")
    plesk.run()
    plesk.run()
    runs = plesk.run_summaries()
    assert [(r["automatic"], r["status"], r["webmail_ok"],
             r["webmail_failed"], r["standard_ok"], r["premium_ok"])
            for r in runs] == [("1", "finished", "14", "0", "0", "0"),
                               ("1", "finished", "0", "0", "0", "0")], runs
    assert all(r["finished_at"] for r in runs), runs
    rows = plesk.log_rows()
    assert sorted(int(r["mail_id"]) for r in rows) == all_user_ids()
    for r in rows:
        name, dom_id, dom, _ = plesk.mailbox_row(int(r["mail_id"]))
        owner = {1: ("4", "2"), 2: ("4", "2"), 7: ("0", "2"),
                 9: ("4", "2")}[int(dom_id)]
        assert (r["run_id"], r["address"], r["dom_id"], r["domain_name"],
                r["client_id"], r["reseller_id"], r["service_type"],
                r["scheduled_by"], r["operation"], r["outcome"],
                r["reason"], r["debug_request"], r["debug_response"]) == (
            runs[0]["id"], "%s@%s" % (name, dom), dom_id, dom, owner[0],
            owner[1], "webmail", "Automatic", "create", "success", None,
            None, None), r


def test_debug_api_logs_exchange_without_passwords(plesk):
    plesk.set_pref("reseller", RESELLER1, webmail_forever="on")
    plesk.settings_set(debug_api=1)
    plesk.run()
    rows = plesk.log_rows()
    assert len(rows) == 14
    # the OX master password and the mailboxes' (the generator's text)
    secrets_ = {"secret"} | {plesk.mailbox_password(i)
                             for i in all_user_ids()}
    # the context admins' passwords are random and sealed: any run of 24
    # base64 characters in the log is checked against their digests
    state = plesk.ox_state()
    admins = [(c, u) for c in state["contexts"] for u in c["users"]
              if u["contextadmin"]]
    assert len(admins) == 4
    for r in rows:
        req, resp = r["debug_request"], r["debug_response"]
        assert req and resp, "debug columns empty for %s" % r["address"]
        assert "createByModuleAccessName" in req, req[:500]
        assert r["address"] in req
        for s in secrets_:
            assert s not in req and s not in resp, (
                "password %r in the debug log of %s" % (s, r["address"]))
        for text in (req, resp):
            assert set(re.findall(r"<[^/<>]*password>([^<]*)<", text)) <= {
                "********"}, text
            for run in re.findall(r"[A-Za-z0-9+/=]{24,}", text):
                for i in range(len(run) - 23):
                    assert not any(user_password_is(state, c, a,
                                                    run[i:i + 24])
                                   for c, a in admins), (
                        "a context admin's password in the debug log of"
                        " %s" % r["address"])
    # off again: nothing recorded
    plesk.settings_set(debug_api=0)
    plesk.exec("psa", "UPDATE accounts a JOIN mail m ON m.account_id = a.id"
               " SET a.password = 'changed-pw-1' WHERE m.id = 1")
    plesk.run()
    last = plesk.log_rows()[-1]
    assert (last["mail_id"], last["operation"], last["debug_request"],
            last["debug_response"]) == ("1", "update", None, None), last
