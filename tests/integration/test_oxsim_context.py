"""OXContextService and OXResellerContextService of the emulator: every
operation, and the rules and fault texts of docs/reference/ox-soap.md §4.1,
§6, §8."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from harness.oxsim import (MASTER, OxSim, admin_user, as_dict, creds_xml,  # noqa: E402
                           ctx_xml, fault_string, returns, scalar_xml, user_xml)


@pytest.fixture(scope="module")
def sim():
    s = OxSim("--reseller", "res1:rpw", "--reseller", "res2:rpw2").start()
    yield s
    assert s.stop() == 0


@pytest.fixture(autouse=True)
def clean(sim):
    sim.reset()


def ctx_call(sim, op, params, creds=MASTER, service="OXContextService"):
    return sim.call(service, op, params + creds_xml(*creds))


def test_create_returns_context_with_id_name_and_mappings(sim):
    status, root = sim.create_context(7, "example.com", loginMappings=["alias.example"])
    assert status == 200
    ret = returns(root)
    assert len(ret) == 1
    d = as_dict(ret[0])
    assert d["id"] == "7" and d["name"] == "example.com" and d["maxQuota"] == "100"
    # the server adds the id and the name to the mappings (createcommon)
    assert sorted(d["loginMappings"]) == ["7", "alias.example", "example.com"]
    assert d["average_size"] is None      # unset fields come as xsi:nil
    assert root.find(".//{http://soap.admin.openexchange.com}createResponse") is not None
    st = sim.state()["contexts"][0]
    assert st["maxQuota_bytes"] == 100 << 20
    assert st["users"][0]["contextadmin"] is True and st["users"][0]["id"] == 2


def test_create_without_id_assigns_one_and_name_defaults_to_id(sim):
    status, root = sim.call("OXContextService", "create",
                            ctx_xml(maxQuota=5) + user_xml("admin_user", **admin_user())
                            + creds_xml(*MASTER))
    assert status == 200
    d = as_dict(returns(root)[0])
    assert d["name"] == d["id"] and int(d["id"]) > 0


def test_create_access_combinations(sim):
    for i, combo in enumerate(["webmail", "groupware_standard", "groupware_premium",
                               "pim", "pim_infostore", "pim_mobility", "groupware",
                               "drive", "all", "webmail_plus", "pim_plus",
                               "groupware_plus", "premium"], start=1):
        status, root = sim.create_context(i, "c%d" % i, combo=combo)
        assert status == 200, fault_string(root)
        status, root = ctx_call(sim, "getAccessCombinationName", ctx_xml(id=i))
        assert returns(root)[0].text == combo
    status, root = sim.create_context(99, "bad", combo="platinum")
    assert status == 500
    assert fault_string(root) == 'No such access combination name "platinum"'
    status, root = sim.create_context(98, "empty", combo="")
    assert fault_string(root) == "Invalid access combination name"


def test_plain_create_gets_webmail_plus(sim):
    sim.create_context(1, "a.example")
    _, root = ctx_call(sim, "getAccessCombinationName", ctx_xml(id=1))
    assert returns(root)[0].text == "webmail_plus"
    _, root = ctx_call(sim, "getModuleAccess", ctx_xml(id=1))
    acc = as_dict(returns(root)[0])
    assert acc["webmail"] == "true" and acc["contacts"] == "true" and acc["calendar"] == "false"
    _, root = ctx_call(sim, "getAdminId", ctx_xml(id=1))
    assert returns(root)[0].text == "2"


def test_create_module_access_explicit(sim):
    access = "<s:access><d:webmail>true</d:webmail><d:calendar>true</d:calendar></s:access>"
    status, root = sim.call("OXContextService", "createModuleAccess",
                            ctx_xml(id=3, name="x.example", maxQuota=1)
                            + user_xml("admin_user", **admin_user()) + access + creds_xml(*MASTER))
    assert status == 200
    _, root = ctx_call(sim, "getModuleAccess", ctx_xml(id=3))
    acc = as_dict(returns(root)[0])
    assert acc["calendar"] == "true" and acc["contacts"] == "false"
    _, root = ctx_call(sim, "getAccessCombinationName", ctx_xml(id=3))
    assert returns(root)[0].get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"


def test_create_rules(sim):
    assert sim.create_context(1, "one.example")[0] == 200
    cases = [
        (dict(cid=1, name="other"), "Context 1 already exists!"),
        (dict(cid=2, name="ONE.example"), "Context ONE.example already exists!"),
        (dict(cid=3, name="bad name"), 'Illegal chars: " " in login mapping'),
        (dict(cid=4, name="x", loginMappings=["a@b|c"]), 'Illegal chars: "@|" in login mapping'),
        (dict(cid=5, name="münchen.de"), 'Illegal chars: "\u00fc" in login mapping'),
        (dict(cid=6, name="y", loginMappings=["one.example"]),
         "Cannot map 'one.example' to the newly created context. This mapping is already in use."),
    ]
    for kw, text in cases:
        cid, name = kw.pop("cid"), kw.pop("name")
        status, root = sim.create_context(cid, name, **kw)
        assert status == 500 and fault_string(root) == text, kw


def test_create_mandatory_fields(sim):
    status, root = sim.call("OXContextService", "create",
                            ctx_xml(id=1, name="a") + user_xml("admin_user", **admin_user())
                            + creds_xml(*MASTER))
    assert fault_string(root) == "Mandatory fields in context not set: maxQuota"
    adm = admin_user()
    del adm["password"], adm["sur_name"]
    status, root = sim.create_context(1, "a", admin=adm)
    assert status == 500
    assert fault_string(root) == "Mandatory fields in admin user not set: password, sur_name"
    status, root = sim.create_context(1, "a", admin=admin_user(name="bad name"))
    assert fault_string(root) == 'Illegal chars: " "'


def test_master_authentication(sim):
    status, root = sim.call("OXContextService", "listAll", creds_xml("oxadminmaster", "wrong"))
    assert status == 500 and fault_string(root) == "Authentication failed"
    detail = [el.tag for el in root.iter() if el.tag.endswith("InvalidCredentialsException")]
    assert detail, "fault detail names the exception"
    status, root = sim.call("OXContextService", "listAll", creds_xml("res1", "rpw"))
    assert fault_string(root) == "Authentication failed"   # resellers only on reseller services


def test_change_name_mappings_quota(sim):
    sim.create_context(1, "a.example")
    sim.create_context(2, "b.example", admin=admin_user())
    status, root = ctx_call(sim, "change", ctx_xml(id=1, name="a2.example", maxQuota=500,
                                                 loginMappings=["extra", "more"]))
    assert status == 200 and returns(root) == []
    assert root.find(".//{http://soap.admin.openexchange.com}changeResponse") is not None
    c = sim.state()["contexts"][0]
    assert c["name"] == "a2.example" and c["maxQuota"] == 500
    assert sorted(c["loginMappings"]) == ["1", "a2.example", "extra", "more"]
    # own current name is a no-op; another context's name is refused
    assert ctx_call(sim, "change", ctx_xml(id=1, name="a2.example"))[0] == 200
    status, root = ctx_call(sim, "change", ctx_xml(id=1, name="b.example"))
    assert fault_string(root) == "Context b.example already exists!"
    # a change has its own text (OX's checkForExistingLoginMapping)
    status, root = ctx_call(sim, "change", ctx_xml(id=1, loginMappings=["b.example"]))
    assert fault_string(root) == \
        'A mapping with login info "b.example" already exists in the system!'
    assert sim.state()["contexts"][0]["loginMappings"] == [
        "extra", "more", "1", "a2.example"], "unchanged after the refusal"
    status, root = ctx_call(sim, "change", ctx_xml(id=1, loginMappings=["x y"]))
    assert fault_string(root) == 'Illegal chars: " " in login mapping'
    status, root = ctx_call(sim, "change", ctx_xml(id=1, maxQuota="ten"))
    assert status == 500 and "Unmarshalling Error" in fault_string(root)
    # identification by name when no id is sent
    assert ctx_call(sim, "change", ctx_xml(name="b.example", maxQuota=-1))[0] == 200
    assert sim.state()["contexts"][1]["maxQuota"] == -1
    # an old mapping becomes free once it is replaced
    assert ctx_call(sim, "change", ctx_xml(id=1, loginMappings=["only"]))[0] == 200
    assert ctx_call(sim, "change", ctx_xml(id=2, loginMappings=["extra"]))[0] == 200


def test_delete_getdata_exists(sim):
    sim.create_context(1, "a.example")
    _, root = ctx_call(sim, "getData", ctx_xml(id=1))
    assert as_dict(returns(root)[0])["name"] == "a.example"
    _, root = ctx_call(sim, "exists", ctx_xml(name="a.example"))
    assert returns(root)[0].text == "true"
    status, root = ctx_call(sim, "delete", ctx_xml(id=1))
    assert status == 200
    _, root = ctx_call(sim, "exists", ctx_xml(id=1))
    assert returns(root)[0].text == "false"
    for op in ("getData", "delete", "change"):
        status, root = ctx_call(sim, op, ctx_xml(id=1))
        assert status == 500 and fault_string(root) == "Context 1 does not exist"
    _, root = ctx_call(sim, "exists", "<s:ctx/>")
    assert fault_string(root) == "neither id or name is set in supplied context object"
    # mappings and name are free again
    assert sim.create_context(5, "a.example")[0] == 200


def test_list_with_pattern(sim):
    for i, n in enumerate(["alpha.example", "beta.example", "alpine.test"], start=1):
        sim.create_context(i, n)
    _, root = ctx_call(sim, "list", scalar_xml("search_pattern", "alp*"))
    assert sorted(as_dict(r)["name"] for r in returns(root)) == ["alpha.example", "alpine.test"]
    _, root = ctx_call(sim, "list", scalar_xml("search_pattern", "*"))
    assert len(returns(root)) == 3
    _, root = ctx_call(sim, "listAll", "")
    assert len(returns(root)) == 3
    _, root = ctx_call(sim, "list", scalar_xml("search_pattern", "nothing*"))
    assert returns(root) == []


def test_enable_disable_and_downgrade(sim):
    sim.create_context(1, "a.example")
    assert ctx_call(sim, "disable", ctx_xml(id=1))[0] == 200
    _, root = ctx_call(sim, "getData", ctx_xml(id=1))
    assert as_dict(returns(root)[0])["enabled"] == "false"
    assert ctx_call(sim, "enableAll", "")[0] == 200
    assert sim.state()["contexts"][0]["enabled"] is True
    assert ctx_call(sim, "disableAll", "")[0] == 200
    assert ctx_call(sim, "enable", ctx_xml(id=1))[0] == 200
    assert ctx_call(sim, "downgrade", ctx_xml(id=1))[0] == 200
    assert ctx_call(sim, "downgrade", ctx_xml(id=9))[0] == 500


def test_change_module_access_by_name_rewrites_users(sim):
    sim.create_context(1, "a.example", combo="groupware_standard")
    status, root = ctx_call(sim, "changeModuleAccessByName",
                            ctx_xml(id=1) + scalar_xml("access_combination_name", "all"))
    assert status == 200, fault_string(root)
    _, root = ctx_call(sim, "getAccessCombinationName", ctx_xml(id=1))
    assert returns(root)[0].text == "all"
    status, root = ctx_call(sim, "changeModuleAccessByName",
                            ctx_xml(id=1) + scalar_xml("access_combination_name", "nope"))
    assert fault_string(root) == 'No such access combination name "nope"'
    access = "<s:access><d:webmail>true</d:webmail></s:access>"
    assert ctx_call(sim, "changeModuleAccess", ctx_xml(id=1) + access)[0] == 200
    assert sim.state()["contexts"][0]["users"][0]["module_access"] == ["webmail"]


def test_reseller_ownership(sim):
    svc = "OXResellerContextService"
    params = (ctx_xml(id=11, name="res1_a", maxQuota=10)
              + user_xml("admin_user", **admin_user()))
    status, root = sim.call(svc, "create", params + creds_xml("res1", "rpw"))
    assert status == 200, fault_string(root)
    assert root.find(".//{http://soap.reseller.admin.openexchange.com}createResponse") is not None
    assert sim.state()["contexts"][0]["owner"] == "res1"
    status, root = sim.call(svc, "getData", ctx_xml(id=11) + creds_xml("res2", "rpw2"))
    assert fault_string(root) == "ContextID 11 does not belong to res2"
    _, root = sim.call(svc, "listAll", creds_xml("res2", "rpw2"))
    assert returns(root) == []
    _, root = sim.call(svc, "listAll", creds_xml("res1", "rpw"))
    assert len(returns(root)) == 1
    _, root = sim.call(svc, "listAll", creds_xml(*MASTER))   # master sees all
    assert len(returns(root)) == 1
    # a login that is not the master's goes to OX's reseller plugin,
    # whose refusal is in lower case (OX's ResellerAuth)
    status, root = sim.call(svc, "delete", ctx_xml(id=11) + creds_xml("res1", "wrong"))
    assert fault_string(root) == "authentication failed"
    status, root = sim.call(svc, "delete", ctx_xml(id=11) + creds_xml("nobody", "x"))
    assert fault_string(root) == "authentication failed"
    status, root = sim.call(svc, "delete", ctx_xml(id=11) + creds_xml(MASTER[0], "x"))
    assert fault_string(root) == "Authentication failed"
    assert sim.call(svc, "delete", ctx_xml(id=11) + creds_xml("res1", "rpw"))[0] == 200


def test_unknown_operation_is_a_client_fault(sim):
    status, root = sim.call("OXContextService", "frobnicate", creds_xml(*MASTER))
    assert status == 500
    assert "{http://soap.admin.openexchange.com}frobnicate was not recognized" in fault_string(root)
    status, _ = sim.http("POST", "/webservices/OXNoSuchService", b"<x/>")
    assert status == 404
