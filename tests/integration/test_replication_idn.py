"""IDN domains (dom2: displayName bücher2.example, name
xn--bcher2-3ya.example, mail-enabled alias xn--bcher-alias2-dlb.example).

By default the context name, login mappings and every address are in
punycode. With `ox_unicode_mappings` on, the Unicode name is added to the
mappings; an OX server that does not allow it (the emulator's default,
like OX's CHECK_CONTEXT_LOGIN_MAPPING_REGEX) refuses the context with its
own text, which the replication log keeps, while other domains replicate.
"""
from harness.plesk import make_plesk, plesk  # noqa: F401

IDN = "xn--bcher2-3ya.example"
IDN_ALIAS = "xn--bcher-alias2-dlb.example"
UNICODE = "bücher2.example"


def select(px):
    px.set_pref("domain", 1, webmail_forever="on")
    px.set_pref("domain", 2, webmail_forever="on")


def test_idn_context_in_punycode(plesk):
    select(plesk)
    plesk.run()
    ctx = plesk.ox_context(IDN)
    assert sorted(ctx["loginMappings"]) == sorted(
        [IDN, IDN_ALIAS, str(ctx["id"])])
    u = plesk.ox_users(IDN)["user2"]
    assert (u["primaryEmail"], u["imapLogin"], sorted(u["aliases"]),
            u["display_name"], u["sur_name"]) == (
        "user2@" + IDN, "user2@" + IDN,
        ["user2@" + IDN_ALIAS, "user2@" + IDN],
        "user2@" + UNICODE, UNICODE)
    ds = plesk.domain_state(2)
    assert (ds["context_name"], ds["applied_name"],
            ds["applied_display_name"]) == (IDN, IDN, UNICODE)


def test_unicode_mappings_refused_by_ox(plesk):
    plesk.settings_set(ox_unicode_mappings=1)
    select(plesk)
    res = plesk.run(expect_rc=0)
    assert "1 failed" in res.stdout, res.stdout
    assert IDN not in plesk.ox_contexts(), "refused context"
    assert sorted(plesk.ox_users("dom1.example")) == [
        "user1", "user11", "user21", "user31"], "other domains replicate"
    fails = [r for r in plesk.log_rows() if r["outcome"] == "failure"]
    assert len(fails) == 1, fails
    f = fails[0]
    assert (f["dom_id"], f["domain_name"], f["mail_id"], f["operation"],
            f["scheduled_by"]) == ("2", IDN, None, "create", "Automatic"), f
    assert f["reason"] == \
        'OX: invalid data: Illegal chars: "\u00fc" in login mapping', \
        "the log keeps OX's own text: %r" % f["reason"]
    assert plesk.domain_state(2)["ox_context_id"] is None
    # users of the refused context: not created, nothing pretends they are
    assert plesk.mailbox_state(2) is None \
        or plesk.mailbox_state(2)["status"] != "replicated"
    q = plesk.queue_rows("object_type = 'domain' AND object_id = 2")
    assert len(q) == 1 and q[0]["attempts"] == "1" \
        and f["reason"] in (q[0]["last_error"] or ""), q

    # the OX admin widens the regex; the retry (once the backoff is over)
    # creates the context with the Unicode mapping
    plesk.ox_config(unicode_mappings="on")
    plesk.exec("oxt", "UPDATE queue SET not_before = NOW(3)")
    plesk.run()
    ctx = plesk.ox_context(IDN)
    assert sorted(ctx["loginMappings"]) == sorted(
        [IDN, IDN_ALIAS, UNICODE, str(ctx["id"])])
    assert sorted(plesk.ox_users(IDN)) == [
        "user12", "user2", "user22", "user32"]
    assert plesk.queue_rows() == [], "the failed item is done"


def test_unicode_mappings_allowed(make_plesk):
    px = make_plesk(oxsim_args=["--unicode-mappings", "on"])
    px.settings_set(ox_unicode_mappings=1)
    select(px)
    px.run()
    ctx = px.ox_context(IDN)
    assert sorted(ctx["loginMappings"]) == sorted(
        [IDN, IDN_ALIAS, UNICODE, str(ctx["id"])])
    assert sorted(px.ox_context("dom1.example")["loginMappings"]) == sorted(
        ["dom1.example", "alias-dom1.example",
         str(px.ox_context("dom1.example")["id"])]), "ASCII names unchanged"
    assert px.domain_state(2)["applied_login_mappings"].split("\n") == sorted(
        [IDN, IDN_ALIAS, UNICODE])
    # switching the setting off takes the Unicode mapping away again
    px.settings_set(ox_unicode_mappings=0)
    px.run()
    assert UNICODE not in px.ox_context(IDN)["loginMappings"]


def test_longest_display_names_replicate(plesk):
    """The display name is "<mail_name>@<domain displayName>": a domain
    displayName of 255 characters (psa's limit, counted in characters:
    here 765 bytes of UTF-8) and one of 255 bytes of multi-byte UTF-8
    replicate, and a steady run afterwards changes nothing."""
    select(plesk)
    plesk.run()
    for name in ("\u65e5" * 250 + ".exam",            # 255 chars
                 "\u00fc" * 100 + "\u65e5" * 15 + "x" * 10):  # 255 bytes
        assert len(name) == 255 or len(name.encode("utf-8")) == 255
        plesk.exec("psa", "UPDATE domains SET displayName = %s"
                   " WHERE id = 2", (name,))
        plesk.event("domain_update", env={"NEW_DOMAIN_NAME": IDN})
        plesk.run()
        u = plesk.ox_users(IDN)["user2"]
        assert (u["display_name"], u["sur_name"]) == (
            "user2@" + name, name), u["display_name"][:40]
        assert plesk.mailbox_state(2)["applied_display_name"] == \
            "user2@" + name
        before = plesk.ox_calls().get("OXUserService.change", 0)
        plesk.run()
        assert plesk.ox_calls().get("OXUserService.change", 0) == before, \
            "the stored name compares equal to the desired one"


def test_a_new_display_name_alone_is_recorded(plesk):
    """Only the domain's display name changes (here its case): OX's
    context holds none of it, so nothing is sent to the context, but
    domain_state records it, since `plan` and the events find a domain
    psa lost by the name it had last (oxt_state_domain_named)."""
    select(plesk)
    plesk.run()
    new = "B\u00fccher2.example"
    plesk.exec("psa", "UPDATE domains SET displayName = %s WHERE id = 2",
               (new,))
    before = plesk.ox_calls().get("OXContextService.change", 0)
    lines = plesk.repl("plan", "dom1.example", IDN).stdout.splitlines()
    assert "record context       %s (display name)" % IDN in lines, lines
    plesk.run()
    assert plesk.ox_calls().get("OXContextService.change", 0) == before
    assert plesk.domain_state(2)["applied_display_name"] == new
    assert plesk.ox_users(IDN)["user2"]["sur_name"] == new
    res = plesk.repl("plan")
    assert res.stdout == "0 operations planned\n", plesk.describe(res)
    # psa loses the domain: it is still found by its new name
    plesk.exec("psa", "DELETE FROM domains WHERE id = 2")
    res = plesk.repl("plan", new)
    assert res.returncode == 0, plesk.describe(res)
