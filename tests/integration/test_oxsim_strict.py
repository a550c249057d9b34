"""What the emulator refuses because real OX refuses it (issue 13, "The
emulator, stricter"): the context admin's credentials follow its password,
the admin cannot be deleted, USERNAME_CHANGEABLE and
PRIMARY_MAIL_UNCHANGEABLE, login mappings taken on change, duplicate
addresses, reseller authentication, faults without a typed detail, and a
state that tells passwords apart without showing them.

Texts and rules: tests/oxsim/README.md (each with its OX source)."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from harness.oxsim import (MASTER, OxSim, admin_user, as_dict, creds_xml,  # noqa: E402
                           ctx_xml, fault_string, local, mailbox,
                           password_hash, returns, user_xml)

ADMIN = ("oxadmin", "adminpw")


@pytest.fixture(scope="module")
def sim():
    s = OxSim().start()
    yield s
    assert s.stop() == 0


@pytest.fixture(autouse=True)
def clean(sim):
    sim.config(username_changeable="off", primary_mail_unchangeable="off",
               fault_detail="on", exception_id="off", master_override="off",
               resellers_clear=1)
    sim.reset()
    assert sim.create_context(1, "example.com")[0] == 200


def create(sim, creds=ADMIN, cid=1, **fields):
    return sim.user_call("create", cid, user_xml(**fields), creds)


def change(sim, creds=ADMIN, cid=1, **fields):
    return sim.user_call("change", cid, user_xml(**fields), creds)


def detail_types(root):
    """Local names of the elements inside the fault's <detail>."""
    for el in root.iter():
        if local(el.tag) == "detail":
            return [local(c.tag) for c in el]
    return None


def fault(reply):
    status, root = reply
    assert status == 500, "expected a fault"
    return fault_string(root)


# ---- the context admin --------------------------------------------------------

def test_admin_password_change_changes_what_authenticates(sim):
    assert change(sim, id=2, password="newadminpw")[0] == 200
    # every later call with the old password fails, in any operation
    assert fault(create(sim, **mailbox("anna"))) == "Authentication failed"
    assert fault(sim.user_call("getData", 1, user_xml("user", id=2))) == \
        "Authentication failed"
    new = ("oxadmin", "newadminpw")
    assert create(sim, creds=new, **mailbox("anna"))[0] == 200
    assert sim.password_is(1, "oxadmin", "newadminpw")


def test_admin_rename_changes_its_login(sim):
    sim.config(username_changeable="on")
    assert change(sim, id=2, name="boss")[0] == 200
    assert fault(create(sim, **mailbox("anna"))) == "Authentication failed"
    assert create(sim, creds=("boss", "adminpw"), **mailbox("anna"))[0] == 200


@pytest.mark.parametrize("detail", ["on", "off"])
def test_admin_delete_not_supported(sim, detail):
    sim.config(fault_detail=detail)
    assert create(sim, **mailbox("anna"))[0] == 200
    status, root = sim.user_call("delete", 1, user_xml("user", id=2))
    assert (status, fault_string(root)) == (500, "Admin delete not supported")
    assert detail_types(root) == (["InvalidDataException"] if detail == "on"
                                  else None)
    # all or nothing: anna stays too
    status, root = sim.user_call("deleteMultiple", 1, user_xml("users", id=3)
                                 + user_xml("users", id=2))
    assert fault_string(root) == "Admin delete not supported"
    assert sim.state()["nusers"] == 2


# ---- user names and primary addresses -------------------------------------------

def test_username_changeable_off_by_default(sim):
    assert sim.config()["username_changeable"] == "off"
    assert create(sim, **mailbox("anna"))[0] == 200
    assert fault(change(sim, id=3, name="anna2@example.com")) == \
        "Changing username is disabled!"
    # the same name, or a name identifying the user, is no rename
    assert change(sim, id=3, name="anna@example.com", language="de_DE")[0] \
        == 200
    assert change(sim, name="anna@example.com", language="fr_FR")[0] == 200


def test_username_changeable_on(sim):
    sim.config(username_changeable="on")
    create(sim, **mailbox("anna"))
    create(sim, **mailbox("bob"))
    assert fault(change(sim, id=3, name="bob@example.com")) == \
        "User bob@example.com already exists in this context"
    assert fault(change(sim, id=3, name="BOB@example.com")) == \
        "User BOB@example.com already exists in this context"
    assert fault(change(sim, id=3, name="an na")) == 'Illegal chars: " "'
    assert change(sim, id=3, name="anna2")[0] == 200
    _, root = sim.user_call("getData", 1, user_xml("user", name="anna2"))
    assert as_dict(returns(root)[0])["id"] == "3"
    # the old name is free again
    again = mailbox("x")
    again["name"] = "anna@example.com"
    assert create(sim, **again)[0] == 200


@pytest.mark.parametrize("detail", ["on", "off"])
def test_primary_mail_unchangeable(sim, detail):
    create(sim, **mailbox("anna"))
    moved = dict(id=3, primaryEmail="anna2@example.com",
                 email1="anna2@example.com",
                 defaultSenderAddress="anna2@example.com",
                 aliases=["anna2@example.com", "anna@example.com"])
    sim.config(primary_mail_unchangeable="on", fault_detail=detail)
    status, root = change(sim, **moved)
    assert (status, fault_string(root)) == (
        500, "primary mail must not be changed")
    assert detail_types(root) == (["InvalidDataException"] if detail == "on"
                                  else None)
    # the same address (in another case) and the other fields pass
    assert change(sim, id=3, primaryEmail="Anna@example.com",
                  email1="Anna@example.com",
                  defaultSenderAddress="Anna@example.com",
                  aliases=["Anna@example.com"])[0] == 200
    assert change(sim, id=3, password="other", language="de_DE",
                  aliases=["Anna@example.com", "a@example.com"])[0] == 200
    sim.config(primary_mail_unchangeable="off")
    assert change(sim, **moved)[0] == 200


def test_duplicate_addresses_in_a_context_are_refused(sim):
    create(sim, **mailbox("anna", aliases=["a@example.com"]))
    create(sim, **mailbox("bob"))
    dup = 'Primary mail address "%s" already exists in context 1'
    # create: another user's primary address, or its alias, in any case
    assert fault(create(sim, **mailbox("x", primaryEmail="anna@example.com",
                                       email1="anna@example.com"))) == \
        dup % "anna@example.com"
    assert fault(create(sim, **mailbox("y", primaryEmail="A@Example.com",
                                       email1="A@Example.com"))) == \
        dup % "A@Example.com"
    assert fault(create(sim, **mailbox("z", aliases=["bob@example.com"]))) \
        == dup % "bob@example.com"
    # change: moving onto another user's address
    assert fault(change(sim, id=4, primaryEmail="a@example.com",
                        email1="a@example.com",
                        defaultSenderAddress="a@example.com",
                        aliases=["a@example.com"])) == dup % "a@example.com"
    assert fault(change(sim, id=4, aliases=["bob@example.com",
                                            "anna@example.com"])) == \
        dup % "anna@example.com"
    # the context admin's address counts too
    assert fault(create(sim, **mailbox("w", aliases=[
        "oxadmin@example.com"]))) == dup % "oxadmin@example.com"
    # another context may use the same address
    assert sim.create_context(2, "other.example",
                              admin=admin_user(mail="oxadmin@other.example")
                              )[0] == 200
    assert create(sim, cid=2, **mailbox("anna"))[0] == 200


# ---- login mappings -------------------------------------------------------------

def ctx_call(sim, op, params, creds=MASTER):
    return sim.call("OXContextService", op, params + creds_xml(*creds))


def test_change_mapping_taken_by_another_context(sim):
    sim.create_context(2, "b.example", admin=admin_user(mail="o@b.example"))
    ctx_call(sim, "change", ctx_xml(id=1, loginMappings=["a-alias"]))
    ctx_call(sim, "change", ctx_xml(id=2, loginMappings=["b-alias"]))
    for taken in ("example.com", "a-alias", "A-ALIAS", "1"):
        status, root = ctx_call(sim, "change", ctx_xml(
            id=2, loginMappings=["fine", taken]))
        assert (status, fault_string(root)) == (
            500, 'A mapping with login info "%s" already exists in the'
            ' system!' % taken), taken
    ctx = sim.state()["contexts"][1]
    assert sorted(ctx["loginMappings"]) == ["2", "b-alias", "b.example"]
    # its own mappings are no conflict
    assert ctx_call(sim, "change", ctx_xml(
        id=2, loginMappings=["b-alias", "b.example", "new"]))[0] == 200
    # create keeps its own text
    status, root = sim.create_context(3, "c.example", loginMappings=["new"])
    assert fault_string(root) == ("Cannot map 'new' to the newly created"
                                  " context. This mapping is already in use.")


def test_change_without_mappings_leaves_them(sim):
    ctx_call(sim, "change", ctx_xml(id=1, loginMappings=["alias.example"]))
    assert ctx_call(sim, "change", ctx_xml(id=1, name="renamed.example",
                                           maxQuota=7))[0] == 200
    ctx = sim.state()["contexts"][0]
    assert ctx["name"] == "renamed.example" and ctx["maxQuota"] == 7
    # OX touches the mappings only when the request carries them
    assert sorted(ctx["loginMappings"]) == [
        "1", "alias.example", "example.com"]
    ctx_call(sim, "change", ctx_xml(id=1, name="renamed.example",
                                    loginMappings=["alias.example"]))
    assert sorted(sim.state()["contexts"][0]["loginMappings"]) == [
        "1", "alias.example", "renamed.example"]


def test_get_data_leaves_the_id_mapping_out(sim):
    _, root = ctx_call(sim, "getData", ctx_xml(id=1))
    assert as_dict(returns(root)[0])["loginMappings"] == "example.com"
    status, root = sim.create_context(5, "five.example")
    assert sorted(as_dict(returns(root)[0])["loginMappings"]) == [
        "5", "five.example"], "create answers with the id mapping"
    assert "1" in sim.state()["contexts"][0]["loginMappings"]


# ---- resellers ----------------------------------------------------------------

RCS = "OXResellerContextService"


def test_reseller_accounts_are_made_at_runtime(sim):
    params = (ctx_xml(id=7, name="r1_ctx", maxQuota=5)
              + user_xml("admin_user", **admin_user(mail="o@r1.example")))
    status, root = sim.call(RCS, "create", params + creds_xml("r1", "pw1"))
    assert fault_string(root) == "authentication failed"   # no such account
    cfg = sim.config(reseller="r1:pw1")
    assert cfg["resellers"] == ["r1"] and "pw1" not in json.dumps(cfg)
    assert sim.call(RCS, "create", params + creds_xml("r1", "pw1"))[0] == 200
    assert sim.state()["contexts"][1]["owner"] == "r1"
    # a new password for the same login replaces the old one
    sim.config(reseller="r1:pw2")
    _, root = sim.call(RCS, "getData", ctx_xml(id=7) + creds_xml("r1", "pw1"))
    assert fault_string(root) == "authentication failed"
    _, root = sim.call(RCS, "getData", ctx_xml(id=7) + creds_xml("r1", "pw2"))
    assert fault_string(root) is None
    sim.config(resellers_clear=1)
    _, root = sim.call(RCS, "getData", ctx_xml(id=7) + creds_xml("r1", "pw2"))
    assert fault_string(root) == "authentication failed"


def test_master_and_resellers_where_ox_takes_them(sim):
    sim.config(reseller="r1:pw1")
    # the master passes on the reseller context service (the plugin steps
    # aside for it); a reseller never on the plain one
    _, root = sim.call(RCS, "getData", ctx_xml(id=1) + creds_xml(*MASTER))
    assert fault_string(root) is None
    _, root = sim.call("OXContextService", "getData",
                       ctx_xml(id=1) + creds_xml("r1", "pw1"))
    assert fault_string(root) == "Authentication failed"
    # the master is no context admin: user operations refuse it without
    # MASTER_ACCOUNT_OVERRIDE, on both user services
    for svc in ("OXUserService", "OXResellerUserService"):
        status, root = sim.call(svc, "create", ctx_xml(id=1) + user_xml(
            **mailbox("m")) + creds_xml(*MASTER))
        assert fault_string(root) == "Authentication failed", svc


# ---- faults and the state ---------------------------------------------------------

def test_fault_detail_off_sends_the_text_only(sim):
    sim.config(fault_detail="off", exception_id="on")
    status, root = create(sim, **mailbox("anna", language="german"))
    assert status == 500
    text = fault_string(root)
    assert text.startswith("language must contain an underscore, e.g. en_US"
                           "; exceptionId "), text
    assert detail_types(root) is None
    assert [local(el.tag) for el in root.iter()
            if local(el.tag).endswith("Exception")] == []
    # the injected retryable fault too
    sim.config(fault_rate=1)
    try:
        _, root = ctx_call(sim, "exists", ctx_xml(id=1))
    finally:
        sim.config(fault_rate=0)
    assert fault_string(root).startswith("Database is locked")
    assert detail_types(root) is None
    sim.config(fault_detail="on")
    _, root = create(sim, **mailbox("anna", language="german"))
    assert detail_types(root) == ["InvalidDataException"]


def test_state_shows_digests_never_passwords(sim):
    create(sim, **mailbox("anna", password="s3cr3t-anna"))
    status, raw = sim.http("GET", "/oxsim/state")
    assert status == 200
    assert b"s3cr3t-anna" not in raw and b"adminpw" not in raw
    state = json.loads(raw)
    ctx = state["contexts"][0]
    anna = [u for u in ctx["users"] if u["name"] == "anna@example.com"][0]
    assert "password" not in anna
    assert anna["password_sha256"] == password_hash(
        state["password_salt"], 1, anna["id"], "s3cr3t-anna")
    # the digest is salted per emulator, per context and per user
    assert anna["password_sha256"] != password_hash(
        state["password_salt"], 1, anna["id"] + 1, "s3cr3t-anna")
    other = OxSim().start()
    try:
        assert other.state()["password_salt"] != state["password_salt"]
    finally:
        other.stop()
    assert sim.password_is(1, "anna@example.com", "s3cr3t-anna")
    assert sim.password_is(1, 2, "adminpw")
    assert not sim.password_is(1, 2, "adminpw ")
