"""The Settings and Replication Logs pages under test: a Plesk 9 site
(every role can use the module there), the OX emulator with Settings
pointing at it, the real replicator's runs writing real log rows (Debug
API requests on, so the SOAP exchanges are captured), a run with a wrong
OX password that fails and parks items, and an Apache of its own that
takes form posts from https://panel.example.test.

    sl = SetLogsSite.make(run_dir, mariadb, apache_factory)
    sl.callers["client"]        # (login, password, id), access granted
    sl.others["client"]         # a client of the other reseller
    sl.get("logs", sl.admin, format="json")
    sl.post("logs", who, {"sel": [1, 2], "remove": "1"})
    sl.log_ids("client_id = 4") # ids in the database, for comparison

Data: two resellers R1 and R2 (each with a client), R1's client C1 with
two domains D1 and D2 (D1 the domain administrator's). Every domain but
the FAILED ones is replicated; those fail with the wrong password and are
parked (queue_max_attempts 1).
"""
import os
import subprocess

from . import env
from .lists import ListsSite, SMALL
from .oxsim import MASTER, OxSim
from .site import Site

PANEL = "https://panel.example.test"
HOSTILE = ("<img src=x onerror=\"window.__oxt_pwned=1\">"
           "<script>window.__oxt_pwned=1</script>@evil.example")


class SetLogsSite(ListsSite):

    @classmethod
    def make(cls, run_dir, mariadb, apache_factory):
        site = Site(os.path.join(run_dir, "site-setlogs"), mariadb,
                    flavour=9, psa_db="psa_sl", oxtender_db="oxt_sl")
        site.build(**SMALL)
        site.migrate()
        sl = cls(site, None)
        sl.sim = OxSim().start()
        sl.configure()
        sl.pick_callers()
        sl.replicate()
        sl.httpd = apache_factory("apache-setlogs", site.config,
                                  extra="OxtenderPanelOrigin %s" % PANEL)
        return sl

    def close(self):
        self.sim.stop()

    # ---- settings, callers, data ----------------------------------------

    def settings_set(self, **kv):
        for key, value in kv.items():
            res = self.site.replicator("settings", "set", key, str(value))
            assert res.returncode == 0, res.stderr

    def set_ox_password(self, password):
        res = subprocess.run([env.REPLICATOR, "-c", self.site.config,
                              "settings", "set-ox-password"],
                             input=password + "\n", capture_output=True,
                             text=True, timeout=60)
        assert res.returncode == 0, res.stderr

    def configure(self):
        self.settings_set(ox_host="127.0.0.1:%d" % self.sim.port,
                          ox_use_https=0, ox_username=MASTER[0],
                          imap_server="127.0.0.1", smtp_server="127.0.0.1",
                          default_language="en_US",
                          default_timezone="Europe/Berlin", debug_api=1,
                          queue_max_attempts=1)
        self.set_ox_password(MASTER[1])

    def pick_callers(self):
        sql = self.site.psa
        r1, r2 = [int(x) for (x,) in sql(
            "SELECT r.id FROM clients r WHERE r.type = 'reseller' AND"
            " r.status = 0 AND r.login LIKE 'reseller%' AND EXISTS (SELECT 1"
            " FROM clients c JOIN domains d ON d.cl_id = c.id WHERE"
            " c.parent_id = r.id AND c.status = 0 AND d.status = 0)"
            " ORDER BY r.id LIMIT 2")]

        def client_of(r, n):
            return int(sql(
                "SELECT c.id FROM clients c JOIN domains d ON d.cl_id = c.id"
                " JOIN dom_level_usrs u ON u.dom_id = d.id AND u.state ="
                " 'true' WHERE c.parent_id = %d AND c.status = 0 AND"
                " d.status = 0 GROUP BY c.id HAVING COUNT(*) >= %d ORDER"
                " BY c.id LIMIT 1" % (r, n))[0][0])

        c1, c2 = client_of(r1, 2), client_of(r2, 1)
        doms = lambda c: [int(x) for (x,) in sql(
            "SELECT d.id FROM domains d JOIN dom_level_usrs u ON u.dom_id ="
            " d.id AND u.state = 'true' WHERE d.cl_id = %d AND d.status = 0"
            " ORDER BY d.id LIMIT 2" % c)]
        d1, d2 = doms(c1)
        d3 = doms(c2)[0]
        login = lambda i: sql("SELECT login FROM clients WHERE id = %d"
                              % i)[0][0]
        dname = lambda i: sql("SELECT name FROM domains WHERE id = %d"
                              % i)[0][0]
        pw = self.site.password_of
        self.callers = {
            "admin": self.admin + (0,),
            "reseller": (login(r1), pw(login(r1)), r1),
            "client": (login(c1), pw(login(c1)), c1),
            "domain": (dname(d1), pw(dname(d1)), d1)}
        self.others = {
            "reseller": (login(r2), pw(login(r2)), r2),
            "client": (login(c2), pw(login(c2)), c2),
            "domain": (dname(d2), pw(dname(d2)), d2)}
        for who in (self.callers, self.others):
            for role in ("reseller", "client", "domain"):
                self.grant(role, who[role][2])
        # D2 and a domain of C2 fail; D1's mailboxes replicate
        self.failed = (d2, d3)
        self.ids = dict(r1=r1, r2=r2, c1=c1, c2=c2, d1=d1, d2=d2, d3=d3)

    def set_forever(self, dom_ids):
        self.site.oxt("INSERT INTO prefs (level, plesk_id, webmail_forever)"
                      " VALUES %s ON DUPLICATE KEY UPDATE webmail_forever ="
                      " 'on'" % ", ".join("('domain', %d, 'on')" % d
                                          for d in dom_ids))

    def run(self):
        res = self.site.replicator("run")
        assert res.returncode in (0, 1), res.stderr
        return res

    def replicate(self):
        """Every domain but the failed ones replicated (automatic run),
        then those with a wrong password: failures with OX's fault,
        parked; the password put back."""
        doms = [int(x) for (x,) in self.site.psa(
            "SELECT id FROM domains ORDER BY id")]
        self.set_forever([d for d in doms if d not in self.failed])
        self.run()
        self.set_ox_password("wrong-" + MASTER[1])
        self.set_forever(self.failed)
        self.run()
        self.set_ox_password(MASTER[1])

    # ---- the log in the database ---------------------------------------

    def log_ids(self, where="1 = 1"):
        return {int(r[0]) for r in self.site.oxt(
            "SELECT id FROM replication_log WHERE %s" % where)}

    def scope_sql(self, role, oid):
        return {"admin": "1 = 1", "reseller": "reseller_id = %d" % oid,
                "client": "client_id = %d" % oid,
                "domain": "dom_id = %d" % oid}[role]

    def post(self, route, who, fields, token=None, headers=None, query=None):
        """A form post as the panel's pages send it (with their Origin)."""
        h = {"Origin": PANEL}
        h.update(headers or {})
        if token is None:
            token = self.token(who, "logs")
        return super().post(route, who, fields, token=token, headers=h,
                            query=query)
