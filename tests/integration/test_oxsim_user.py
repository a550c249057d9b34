"""OXUserService and OXResellerUserService of the emulator: every operation,
the create/change rules and the fault texts of docs/reference/ox-soap.md
§4.2, §5.3, §6."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from harness.oxsim import (MASTER, OxSim, admin_user, as_dict, creds_xml,  # noqa: E402
                           ctx_xml, fault_string, mailbox, returns, scalar_xml,
                           user_xml)

ADMIN = ("oxadmin", "adminpw")


@pytest.fixture(scope="module")
def sim():
    s = OxSim("--reseller", "res1:rpw").start()
    yield s
    assert s.stop() == 0


@pytest.fixture(autouse=True)
def clean(sim):
    sim.reset()
    assert sim.create_context(1, "example.com", combo="groupware_standard")[0] == 200


def create(sim, combo=None, cid=1, creds=ADMIN, **fields):
    params = user_xml(**fields)
    op = "create"
    if combo is not None:
        op = "createByModuleAccessName"
        params += scalar_xml("access_combination_name", combo)
    return sim.user_call(op, cid, params, creds)


def user_of(sim, name):
    for u in sim.state()["contexts"][0]["users"]:
        if u.get("name") == name:
            return u
    return None


def test_create_returns_user_with_defaults(sim):
    status, root = create(sim, **mailbox("anna", language="de_DE", timezone="Europe/Vienna",
                                         aliases=["a@example.com"]))
    assert status == 200, fault_string(root)
    d = as_dict(returns(root)[0])
    assert d["id"] == "3"          # the context admin is 2
    assert d["name"] == "anna@example.com" and d["email1"] == "anna@example.com"
    assert sorted(d["aliases"]) == ["a@example.com", "anna@example.com"]
    assert d["password"] is None   # never echoed
    assert d["contextadmin"] == "false" and d["language"] == "de_DE"
    assert d["nickname"] is None
    u = user_of(sim, "anna@example.com")
    # plain create inherits the context's rights (createcontext.md)
    assert u["access_combination"] == "groupware_standard"
    assert u["timezone"] == "Europe/Vienna"
    # the state shows a salted digest, never the password
    assert "password" not in u and len(u["password_sha256"]) == 64
    assert sim.password_is(1, "anna@example.com", "pw-anna")
    assert not sim.password_is(1, "anna@example.com", "pw-ann")


def test_create_by_access_name_and_getters(sim):
    status, root = create(sim, combo="webmail", **mailbox("bob"))
    assert status == 200
    uid = as_dict(returns(root)[0])["id"]
    _, root = sim.user_call("getAccessCombinationName", 1, user_xml("user", id=uid))
    assert returns(root)[0].text == "webmail"
    _, root = sim.user_call("getModuleAccess", 1, user_xml("user", name="bob@example.com"))
    acc = as_dict(returns(root)[0])
    assert acc["webmail"] == "true" and acc["calendar"] == "false"
    status, root = create(sim, combo="gold", **mailbox("carl"))
    assert fault_string(root) == 'No such access combination name "gold"'
    access = "<s:access><d:webmail>true</d:webmail><d:tasks>true</d:tasks></s:access>"
    status, root = sim.user_call("createByModuleAccess", 1,
                                 user_xml(**mailbox("dora")) + access)
    assert status == 200
    assert user_of(sim, "dora@example.com")["module_access"] == ["tasks", "webmail"]


def test_create_rules_and_fault_texts(sim):
    assert create(sim, **mailbox("anna"))[0] == 200
    m = mailbox("x")
    del m["given_name"], m["display_name"]
    cases = [
        (m, "Mandatory fields not set: display_name, given_name"),
        (mailbox("anna"), "User anna@example.com already exists in this context"),
        (mailbox("ANNA"), "User ANNA@example.com already exists in this context"),
        (mailbox("b b"), 'Illegal chars: " "'),
        (mailbox("c", password=""), "Empty password is not allowed."),
        (mailbox("d", email1="other@example.com"),
         "primarymail must have the same value as email1"),
        (mailbox("e", primaryEmail="not-an-address", email1="not-an-address"),
         "Invalid email address"),
        (mailbox("f", aliases=["bad address@x"]), "Invalid email address"),
        (mailbox("g", display_name="User anna"), "The displayname is already used"),
        (mailbox("h", language="german"), "language must contain an underscore, e.g. en_US"),
        (mailbox("i", aliases=["anna@example.com"]),
         'Primary mail address "anna@example.com" already exists in context 1'),
        (mailbox("j", imapPort="imap"), None),
    ]
    for fields, text in cases:
        status, root = create(sim, **fields)
        assert status == 500, fields
        if text is None:
            assert "Unmarshalling Error" in fault_string(root)
        else:
            assert fault_string(root) == text, fields
    # the context admin's display name does not count (normal users only)
    assert create(sim, **mailbox("k", display_name="Admin oxadmin"))[0] == 200


def test_user_ops_authenticate_the_context_admin(sim):
    create(sim, **mailbox("anna"))
    status, root = create(sim, creds=("oxadmin", "wrong"), **mailbox("z"))
    assert fault_string(root) == "Authentication failed"
    status, root = create(sim, creds=MASTER, **mailbox("z"))
    assert fault_string(root) == "Authentication failed"   # no MASTER_ACCOUNT_OVERRIDE
    # a missing context is "Authentication failed", not NoSuchContext
    status, root = create(sim, cid=42, **mailbox("z"))
    assert status == 500 and fault_string(root) == "Authentication failed"
    sim.config(master_override="on")
    try:
        assert create(sim, creds=MASTER, **mailbox("z"))[0] == 200
        assert create(sim, cid=42, creds=MASTER, **mailbox("y"))[0] == 500
    finally:
        sim.config(master_override="off")


def test_change_fields(sim):
    create(sim, **mailbox("anna"))
    change = user_xml(id=3, password="new", display_name="Anna A.", language="fr_FR",
                      timezone="Europe/Paris", imapServer="imaps://imap.example.com:993",
                      smtpServer="mail.example.com", smtpPort=587, smtpSchema="smtps://",
                      imapLogin="anna@example.com",
                      aliases=["anna@example.com", "aa@example.com"])
    status, root = sim.user_call("change", 1, change)
    assert status == 200, fault_string(root)
    assert returns(root) == []
    u = user_of(sim, "anna@example.com")
    assert sim.password_is(1, 3, "new") and u["display_name"] == "Anna A."
    assert u["imapServer"] == "imap.example.com" and u["imapPort"] == "993"
    assert u["imapSchema"] == "imaps://" and u["imapServerString"] == "imaps://imap.example.com:993"
    assert u["smtpServerString"] == "smtps://mail.example.com:587"
    assert sorted(u["aliases"]) == ["aa@example.com", "anna@example.com"]
    assert u["language"] == "fr_FR" and u["timezone"] == "Europe/Paris"
    # the new credentials work at once
    _, root = sim.user_call("getData", 1, user_xml("user", id=3))
    d = as_dict(returns(root)[0])
    assert d["display_name"] == "Anna A." and d["imapServerString"].startswith("imaps://")


def test_change_mail_rules(sim):
    create(sim, **mailbox("anna"))
    create(sim, **mailbox("bob"))
    cases = [
        (user_xml(id=3, aliases=["x@example.com"]),
         "primaryMail, Email1 and defaultSenderAddress must be present in set of aliases."),
        (user_xml(id=3, primaryEmail="n@example.com"),
         "primarymail must have the same value as email1"),
        (user_xml(id=3, primaryEmail="bob@example.com", email1="bob@example.com",
                  defaultSenderAddress="bob@example.com",
                  aliases=["bob@example.com"]),
         'Primary mail address "bob@example.com" already exists in context 1'),
        (user_xml(id=3, display_name="User bob"), "The displayname is already used"),
        (user_xml(id=3, password=""), "Empty password is not allowed."),
        (user_xml(id=3, language="en"), "language must contain an underscore, e.g. en_US"),
        (user_xml(id=99, display_name="x"), "No such user(s) 99 in context 1"),
    ]
    for params, text in cases:
        status, root = sim.user_call("change", 1, params)
        assert status == 500 and fault_string(root) == text
    # a consistent rename of the address is accepted
    ok = user_xml(id=3, primaryEmail="anna2@example.com", email1="anna2@example.com",
                  defaultSenderAddress="anna2@example.com",
                  aliases=["anna2@example.com", "anna@example.com"])
    status, root = sim.user_call("change", 1, ok)
    assert status == 200, fault_string(root)
    # its own display name again is no conflict
    assert sim.user_call("change", 1, user_xml(id=3, display_name="User anna"))[0] == 200


def test_change_by_module_access_name(sim):
    create(sim, **mailbox("anna"))
    params = user_xml("user", id=3) + scalar_xml("access_combination_name", "groupware_premium")
    assert sim.user_call("changeByModuleAccessName", 1, params)[0] == 200
    assert user_of(sim, "anna@example.com")["access_combination"] == "groupware_premium"
    params = user_xml("user", id=3) + scalar_xml("access_combination_name", "x")
    assert fault_string(sim.user_call("changeByModuleAccessName", 1, params)[1]) == \
        'No such access combination name "x"'
    access = "<s:moduleAccess><d:webmail>true</d:webmail></s:moduleAccess>"
    assert sim.user_call("changeByModuleAccess", 1, user_xml("user", id=3) + access)[0] == 200
    _, root = sim.user_call("getAccessCombinationName", 1, user_xml("user", id=3))
    assert returns(root)[0].get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"


def test_delete_exists_getdata_list(sim):
    for n in ("anna", "anton", "bob"):
        create(sim, **mailbox(n))
    _, root = sim.user_call("exists", 1, user_xml("user", name="anna@example.com"))
    assert returns(root)[0].text == "true"
    _, root = sim.user_call("exists", 1, user_xml("user", display_name="User bob"))
    assert returns(root)[0].text == "true"
    _, root = sim.user_call("list", 1, scalar_xml("search_pattern", "an*"))
    ids = [as_dict(r) for r in returns(root)]
    assert sorted(d["id"] for d in ids) == ["3", "4"]
    assert all(d["name"] is None for d in ids)      # list returns ids only
    _, root = sim.user_call("listAll", 1, "")
    assert len(returns(root)) == 4
    _, root = sim.user_call("listCaseInsensitive", 1, scalar_xml("search_pattern", "BOB*"))
    assert len(returns(root)) == 1
    _, root = sim.user_call("getMultipleData", 1,
                            user_xml("users", id=3) + user_xml("users", id=5))
    assert [as_dict(r)["name"] for r in returns(root)] == ["anna@example.com", "bob@example.com"]
    _, root = sim.user_call("getContextAdmin", 1, "")
    assert as_dict(returns(root)[0])["name"] == "oxadmin"
    assert sim.user_call("delete", 1, user_xml("user", id=3))[0] == 200
    status, root = sim.user_call("delete", 1, user_xml("user", id=3))
    assert status == 500 and fault_string(root) == "No such user(s) 3 in context 1"
    status, root = sim.user_call("getData", 1, user_xml("user", name="nobody"))
    assert fault_string(root) == "No such user(s) nobody in context 1"
    _, root = sim.user_call("exists", 1, user_xml("user", id=3))
    assert returns(root)[0].text == "false"
    assert sim.user_call("deleteMultiple", 1,
                         user_xml("users", id=4) + user_xml("users", id=5))[0] == 200
    assert sim.state()["nusers"] == 1
    # the address and display name of a deleted user are free again
    assert create(sim, **mailbox("anna"))[0] == 200


def test_trailing_optional_params_after_auth(sim):
    create(sim, **mailbox("anna"))
    params = (ctx_xml(id=1) + user_xml("user", id=3) + creds_xml(*ADMIN)
              + scalar_xml("reassign", 2))
    assert sim.call("OXUserService", "delete", params)[0] == 200
    params = (ctx_xml(id=1) + creds_xml(*ADMIN) + scalar_xml("include_guests", "false")
              + scalar_xml("exclude_users", "false"))
    _, root = sim.call("OXUserService", "listAll", params)
    assert len(returns(root)) == 1


def test_reseller_user_service(sim):
    svc = "OXResellerUserService"
    status, root = sim.call("OXResellerContextService", "create",
                            ctx_xml(id=5, name="res1_x", maxQuota=1)
                            + user_xml("admin_user", **admin_user()) + creds_xml("res1", "rpw"))
    assert status == 200
    status, root = sim.call(svc, "create", ctx_xml(id=5) + user_xml(**mailbox("s"))
                            + creds_xml(*ADMIN))
    assert status == 200, fault_string(root)   # the context admin
    # the owning reseller acts as the context's admin only with
    # MASTER_ACCOUNT_OVERRIDE (OX's BasicAuthenticator.isMasterOfContext)
    status, root = sim.call(svc, "create", ctx_xml(id=5) + user_xml(**mailbox("r"))
                            + creds_xml("res1", "rpw"))
    assert fault_string(root) == "Authentication failed"
    sim.config(master_override="on")
    try:
        status, root = sim.call(svc, "create", ctx_xml(id=5) + user_xml(**mailbox("r"))
                                + creds_xml("res1", "rpw"))
        assert status == 200, fault_string(root)
        status, root = sim.call(svc, "create", ctx_xml(id=5) + user_xml(**mailbox("q"))
                                + creds_xml("res1", "wrong"))
        assert fault_string(root) == "authentication failed"
        # a reseller does not reach a context it does not own
        status, root = sim.call(svc, "create", ctx_xml(id=1) + user_xml(**mailbox("t"))
                                + creds_xml("res1", "rpw"))
        assert fault_string(root) == "Authentication failed"
        status, root = sim.call(svc, "create", ctx_xml(id=5) + user_xml(**mailbox("m"))
                                + creds_xml(*MASTER))
        assert status == 200, fault_string(root)
    finally:
        sim.config(master_override="off")


def test_two_thousand_users_stay_indexed(sim):
    """Many users stay fast: the indexes are hashes, not scans."""
    for i in range(2000):
        assert create(sim, **mailbox("u%d" % i))[0] == 200
    _, root = sim.user_call("exists", 1, user_xml("user", name="u1999@example.com"))
    assert returns(root)[0].text == "true"
    assert sim.state()["nusers"] == 2001
