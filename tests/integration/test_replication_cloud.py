"""Cloud mode: Settings "OX connection type" = reseller. Contexts are
created (and changed, deleted) through OXResellerContextService with the
OX reseller account, never through the master's OXContextService; the
contexts belong to that reseller in OX.
"""
from harness.plesk import make_plesk, plesk  # noqa: F401

RESELLER = ("oxres1", "oxres1-pw")


def cloud(make_plesk):
    px = make_plesk(oxsim_args=["--reseller", "%s:%s" % RESELLER])
    px.settings_set(ox_connection_type="reseller", ox_username=RESELLER[0])
    px.set_ox_password(RESELLER[1])
    return px


def test_cloud_mode_uses_the_reseller_context_service(make_plesk):
    px = cloud(make_plesk)
    px.set_pref("domain", 1, webmail_forever="on")
    px.set_pref("domain", 9, webmail_forever="on")
    px.run()
    ctxs = px.ox_contexts()
    assert sorted(ctxs) == ["dom1.example", "dom9.example"]
    assert {n: c["owner"] for n, c in ctxs.items()} == {
        "dom1.example": RESELLER[0], "dom9.example": RESELLER[0]}
    assert sorted(px.ox_users("dom1.example")) == [
        "user1", "user11", "user21", "user31"]
    calls = px.ox_calls()
    ctx_calls = {k: v for k, v in calls.items() if "ContextService" in k}
    assert ctx_calls == {
        "OXResellerContextService.createModuleAccessByName": 2}, calls
    assert sum(v for k, v in calls.items() if "UserService" in k
               and "create" in k) == 6, calls

    # a quota change goes through the reseller service too
    px.set_pref("domain", 9, default_quota_mb=321)
    px.run()
    assert px.ox_context("dom9.example")["maxQuota"] == 321
    calls = px.ox_calls()
    assert calls.get("OXResellerContextService.change") == 1, calls
    assert not any(k.startswith("OXContextService.") for k in calls), calls


def test_cloud_mode_deletes_through_the_reseller_service(make_plesk):
    px = cloud(make_plesk)
    px.settings_set(auto_delete=1)
    px.set_pref("domain", 9, webmail_forever="on")
    px.run()
    px.set_pref("domain", 9, webmail_forever="off")
    px.run()
    assert px.ox_contexts() == {}
    calls = px.ox_calls()
    assert calls.get("OXResellerContextService.delete") == 1, calls
    assert not any(k.startswith("OXContextService.") for k in calls), calls

