"""The first run on Plesk 8 and Plesk 9 data (sql/psa/psa-8.sql,
psa-9.sql, oxt-gendata --plesk 8|9): lib/oxt_psa.c probes the schema and
lib/oxt_plesk.c reads the owner chain without `clients.type` and
`parent_id` on 8.

PleskSetup always loads Plesk 10, so FlavourSetup below replaces only its
psa loading (schema and generator flavour); everything else (databases,
account, config, keys, migrate, emulator, Settings) is PleskSetup's.

Data (tools/gendata/README.md, 2 resellers (9 only), 4 customers, 10
domains, 40 mailboxes, seed 1):
  Plesk 8: no resellers, customer c is clients.id c; dom1-dom7 customer 1
    (clients.id 1; dom7 too, "customer 1 on 8"), dom8 customer 2.
  Plesk 9: admin 1, reseller1 2, reseller2 3, customer c 3 + c; customer
    1 (4) belongs to reseller1; dom1-dom6 customer 1, dom7 reseller1.
  Both: dom9 belongs to customer 1 ((9 - 9) % 4 + 1).
Webmail Forever on customer 1 (8) or reseller1 (9) selects dom1-dom7 and
dom9; of these dom3-dom5 are suspended, dom6 has mail off, so dom1, dom2
(IDN), dom7 and dom9 get contexts: 14 users (user19/user29 of dom9 have no
password).

The expected OX state is harness/oxexpect.py's, which reads domain-level
prefs and Plesk 9/10's owner columns: `Expect` hands it the selected
domains as domain prefs and, on Plesk 8, an owner query without
`type`/`parent_id` (every owner is a customer there).
"""
import os
import shutil
import subprocess
import tempfile

import pytest

from harness import env as hxenv
from harness import oxexpect
from harness.oxdrift import writes_delta
from harness.plesk import PleskSetup

SIZE = dict(resellers=2, clients=4, domains=10, mailboxes=40)
IDN = "xn--bcher2-3ya.example"
CONTEXTS = {"dom1.example": 1, IDN: 2, "dom7.example": 7, "dom9.example": 9}


class FlavourSetup(PleskSetup):
    """PleskSetup on psa-<flavour>.sql with oxt-gendata --plesk flavour."""

    def __init__(self, mariadb, root, flavour, **kw):
        PleskSetup.__init__(self, mariadb, root, size=SIZE, **kw)
        self.flavour = flavour

    def setup(self):
        # PleskSetup.setup with its psa part replaced: load_file of the
        # Plesk 10 schema and data is redirected to our flavour
        real_load = self.db.load_file
        sql_path = os.path.join(self.root, "psa-%d.sql" % self.flavour)
        argv = [hxenv.GENDATA, "--plesk", str(self.flavour), "--seed",
                str(self.seed), "--secret-key",
                os.path.join(self.root, "gendata-plesk.key")]
        for name in ("resellers", "clients", "domains", "mailboxes"):
            argv += ["--" + name, str(self.size[name])]
        os.makedirs(self.root, exist_ok=True)
        with open(sql_path, "wb") as out:
            res = subprocess.run(argv, stdout=out, stderr=subprocess.PIPE)
        assert res.returncode == 0, res.stderr.decode()
        loads = []

        def load_file(database, path):
            if database == self.psa_db:
                loads.append(path)
                path = (hxenv.psa_schema(self.flavour) if len(loads) == 1
                        else sql_path)
            return real_load(database, path)

        self.db.load_file = load_file
        try:
            PleskSetup.setup(self)
        finally:
            del self.db.load_file
        assert len(loads) == 2 and loads[0] == hxenv.psa_schema(10), loads
        # the Plesk key the generator used for `sym` passwords
        shutil.copyfile(os.path.join(self.root, "gendata-plesk.key"),
                        self.plesk_key)
        return self


@pytest.fixture
def flavoured(mariadb):
    made = []

    def make(flavour):
        root = tempfile.mkdtemp(prefix="plesk%d-" % flavour,
                                dir=os.path.dirname(mariadb.root))
        px = FlavourSetup(mariadb, root, flavour)
        made.append((px, root))
        try:
            return px.setup()
        except BaseException:
            px.close()
            raise

    yield make
    errors = []
    for px, root in reversed(made):
        try:
            px.close()
        except Exception as e:
            errors.append(str(e))
        shutil.rmtree(root, ignore_errors=True)
    if errors:
        pytest.fail("cleanup: " + "; ".join(errors), pytrace=False)


OWNER_9 = (" c.type, c.status, o.type, o.status FROM domains d JOIN clients"
           " c ON c.id = d.cl_id LEFT JOIN clients o ON o.id = c.parent_id")
OWNER_8 = (" 'client', c.status, NULL, 0 FROM domains d JOIN clients c"
           " ON c.id = d.cl_id")


class Expect:
    """What oxexpect.desired needs from a PleskSetup, with the selected
    domains as domain-level prefs (Webmail Forever on their owner)."""

    def __init__(self, px, domains):
        self.px = px
        self.domains = domains
        self.rewrites = 0

    def sql(self, db, query, params=()):
        if db == "oxt" and "FROM prefs" in query:
            return [("domain", str(d), "on", None, None, None)
                    for d in self.domains]
        if self.px.flavour == 8 and "c.type" in query:
            q = " ".join(query.split())
            assert OWNER_9 in q, "oxexpect's owner query changed: %s" % q
            query = q.replace(OWNER_9, OWNER_8)
            self.rewrites += 1
        return self.px.sql(db, query, params)


def owned_domains(px, where):
    return [int(r[0]) for r in px.psa("SELECT id FROM domains WHERE "
                                      + where + " ORDER BY id")]


def schema_columns(px):
    return sorted(r[0] + "." + r[1] for r in px.psa(
        "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = DATABASE() AND ((TABLE_NAME = 'clients'"
        " AND COLUMN_NAME IN ('type', 'parent_id')) OR (TABLE_NAME ="
        " 'domains' AND COLUMN_NAME = 'webspace_id') OR TABLE_NAME IN"
        " ('smb_users', 'dom_level_usrs') AND COLUMN_NAME = 'dom_id')"))


def check_first_run(px, domains, owners):
    exp = Expect(px, domains)
    want = oxexpect.desired(exp)
    assert exp.rewrites == (1 if px.flavour == 8 else 0)
    assert sorted(want) == sorted(CONTEXTS), sorted(want)
    assert oxexpect.count_users(want) == 14, {
        k: sorted(v["users"]) for k, v in want.items()}
    res = px.run()
    assert res.stdout.strip() == (
        "%d domains checked, 18 operations done, 0 failed, 0 skipped"
        " (parked or backing off)" % len(owned_domains(px, "1 = 1"))), \
        res.stdout
    state = px.ox_state()
    assert oxexpect.compare(want, state) == []
    assert oxexpect.compare_state_tables(px, state, want) == []
    assert px.ox_calls() == {
        "OXContextService.createModuleAccessByName": 4,
        "OXUserService.createByModuleAccessName": 14}, px.ox_calls()
    # the owners we recorded
    for ctx_name, dom_id in CONTEXTS.items():
        ds = px.domain_state(dom_id)
        assert (ds["client_id"], ds["reseller_id"]) == owners[dom_id], ds
        for u in want[ctx_name]["users"].values():
            ms = px.mailbox_state(u["_mail_id"])
            assert (ms["dom_id"], ms["client_id"], ms["reseller_id"],
                    ms["status"]) == (str(dom_id),) + owners[dom_id] + (
                "replicated",), ms
    for r in px.log_rows():
        assert (r["client_id"], r["reseller_id"]) == owners[int(
            r["dom_id"])], r
    # suspended and mail-off domains of the owner say why
    why = {i: px.mailbox_state(i)["status_reason"] for i in (3, 4, 5, 6)}
    assert why == {3: "forward_only", 4: "suspended", 5: "suspended",
                   6: "mail_off"}, why
    # a second run sends nothing
    before = px.ox_counters()
    res = px.run()
    assert "0 operations done, 0 failed" in res.stdout, res.stdout
    after = px.ox_counters()
    assert writes_delta(before, after) == {}
    assert after["requests"] == before["requests"]
    assert px.ox_state() == state
    return want


def test_plesk8_first_run_with_webmail_forever_on_a_client(flavoured):
    px = flavoured(8)
    assert schema_columns(px) == ["dom_level_usrs.dom_id"]
    assert px.psa("SELECT id, login FROM clients ORDER BY id") == [
        ("1", "client1"), ("2", "client2"), ("3", "client3"),
        ("4", "client4")], "gendata's Plesk 8 customers changed"
    domains = owned_domains(px, "cl_id = 1")
    assert domains == [1, 2, 3, 4, 5, 6, 7, 9], domains
    px.set_pref("client", 1, webmail_forever="on")
    owners = {d: ("1", "0") for d in CONTEXTS.values()}
    check_first_run(px, domains, owners)


def test_plesk9_first_run_with_webmail_forever_on_a_reseller(flavoured):
    px = flavoured(9)
    assert schema_columns(px) == ["clients.parent_id", "clients.type",
                                  "dom_level_usrs.dom_id"]
    assert px.psa("SELECT id, login, type, COALESCE(parent_id, 0)"
                  " FROM clients WHERE id <= 4 ORDER BY id") == [
        ("1", "admin", "admin", "0"), ("2", "reseller1", "reseller", "1"),
        ("3", "reseller2", "reseller", "1"), ("4", "client1", "client", "2")]
    domains = owned_domains(px, "cl_id = 2 OR cl_id IN (SELECT id FROM"
                                " clients WHERE parent_id = 2)")
    assert domains == [1, 2, 3, 4, 5, 6, 7, 9], domains
    px.set_pref("reseller", 2, webmail_forever="on")
    # dom7 belongs to reseller1 itself: no customer
    owners = {1: ("4", "2"), 2: ("4", "2"), 7: ("0", "2"), 9: ("4", "2")}
    check_first_run(px, domains, owners)
