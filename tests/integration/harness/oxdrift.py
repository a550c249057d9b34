"""Drift in OX made by hand, the way an OX administrator would: SOAP
calls to the emulator as the master (contexts) or the context admin
(users), never through the replicator. Used by
tests/integration/test_replicator_reconcile.py and the command tests.

    drift = OxDrift(px)                      # px: a PleskSetup after a run
    drift.delete_user("dom1.example", "user11")
    drift.change_user("dom1.example", "user21", language="de_DE")
    drift.delete_context("dom7.example")
    uid = drift.create_user("dom1.example", "intruder")
    drift.change_access("dom1.example", "user1", "groupware_premium")
    drift.change_context("dom1.example", loginMappings=["dom1.example"])

Every call asserts HTTP 200 and no SOAP fault, so a drift that did not
happen cannot make a test pass. User calls go as the master with OX's
MASTER_ACCOUNT_OVERRIDE switched on for the call (the emulator's
master_override knob, restored afterwards): the context admin's password
is sealed in our database and the emulator never shows passwords.

Also: which emulator calls are writes, and the difference of two
/oxsim/counters "calls" maps.
"""
from .oxsim import (MASTER, creds_xml, ctx_xml, fault_string, returns,
                    as_dict, scalar_xml, user_xml)

# operation names (after the service) that only read
READ_OPS = ("getData", "exists", "list", "listAll", "listCaseInsensitive",
            "getModuleAccess", "getAccessCombinationName", "getAdminId",
            "getContextAdmin", "getMultipleData")


def is_write(call):
    """'OXUserService.change' -> True; 'OXUserService.getData' -> False."""
    return call.rsplit(".", 1)[-1] not in READ_OPS


def calls_delta(before, after):
    """{call: count} of the calls made between two counters snapshots."""
    b, a = before.get("calls", {}), after.get("calls", {})
    return {k: v - b.get(k, 0) for k, v in a.items() if v != b.get(k, 0)}


def writes_delta(before, after):
    return {k: v for k, v in calls_delta(before, after).items()
            if is_write(k)}


class OxDrift:
    def __init__(self, px):
        self.px = px
        self.sim = px.sim

    # ---- looking up --------------------------------------------------------

    def context(self, name):
        return self.px.ox_context(name)

    def admin(self, ctx_name):
        """The context admin's entry in /oxsim/state."""
        ctx = self.context(ctx_name)
        admins = [u for u in ctx["users"] if u.get("contextadmin")]
        assert len(admins) == 1, "context %s: admins %r" % (ctx_name, admins)
        return admins[0]

    def user(self, ctx_name, user_name):
        ctx = self.context(ctx_name)
        for u in ctx["users"]:
            if u["name"] == user_name:
                return u
        raise AssertionError("no user %s in %s: %s" % (
            user_name, ctx_name, sorted(u["name"] for u in ctx["users"])))

    # ---- calls ----------------------------------------------------------------

    def _ok(self, what, status, root):
        fault = fault_string(root)
        assert status == 200 and fault is None, "%s: HTTP %s, fault %r" % (
            what, status, fault)
        return root

    def user_call(self, ctx_name, op, params, expect_ok=True):
        """A user operation as the master (override on for this call);
        returns the parsed reply (with expect_ok=False: (status, root))."""
        ctx = self.context(ctx_name)
        before = self.sim.config()["master_override"]
        self.sim.config(master_override="on")
        try:
            status, root = self.sim.call(
                "OXUserService", op, ctx_xml(id=ctx["id"]) + params
                + creds_xml(*MASTER))
        finally:
            self.sim.config(master_override=before)
        if not expect_ok:
            return status, root
        return self._ok("OXUserService.%s in %s" % (op, ctx_name),
                        status, root)

    def delete_user(self, ctx_name, user_name):
        u = self.user(ctx_name, user_name)
        self.user_call(ctx_name, "delete", user_xml("user", id=u["id"]))
        return u["id"]

    def change_user(self, ctx_name, user_name, **fields):
        """OXUserService.change of the given fields (aliases: a list)."""
        u = self.user(ctx_name, user_name)
        self.user_call(ctx_name, "change",
                       user_xml("usrdata", id=u["id"], **fields))
        return u["id"]

    def create_user(self, ctx_name, name, domain=None):
        """A user the replicator did not create; returns its OX id."""
        domain = domain or ctx_name
        addr = "%s@%s" % (name, domain)
        root = self.user_call(ctx_name, "create", user_xml(
            "usrdata", name=name, password="pw-" + name,
            display_name="Hand made " + name, given_name="Hand",
            sur_name=name, primaryEmail=addr, email1=addr))
        ret = returns(root)
        assert ret, "user create returned nothing"
        return int(as_dict(ret[0])["id"])

    def change_access(self, ctx_name, user_name, combination):
        """OXUserService.changeByModuleAccessName."""
        u = self.user(ctx_name, user_name)
        self.user_call(ctx_name, "changeByModuleAccessName",
                       user_xml("user", id=u["id"])
                       + scalar_xml("access_combination_name", combination))
        return u["id"]

    def change_context(self, ctx_name, **fields):
        """OXContextService.change of the given fields (loginMappings: a
        list; name: a new name)."""
        ctx = self.context(ctx_name)
        status, root = self.sim.call(
            "OXContextService", "change",
            ctx_xml(id=ctx["id"], **fields) + creds_xml(*MASTER))
        self._ok("OXContextService.change %s" % ctx_name, status, root)
        return ctx["id"]

    def delete_context(self, ctx_name):
        ctx = self.context(ctx_name)
        status, root = self.sim.call(
            "OXContextService", "delete",
            ctx_xml(id=ctx["id"]) + creds_xml(*MASTER))
        self._ok("OXContextService.delete %s" % ctx_name, status, root)
        return ctx["id"]

    def change_context_quota(self, ctx_name, quota):
        ctx = self.context(ctx_name)
        status, root = self.sim.call(
            "OXContextService", "change",
            ctx_xml(id=ctx["id"], maxQuota=quota) + creds_xml(*MASTER))
        self._ok("OXContextService.change %s" % ctx_name, status, root)
        return ctx["id"]


__all__ = ["OxDrift", "READ_OPS", "is_write", "calls_delta", "writes_delta"]
