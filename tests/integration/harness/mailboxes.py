"""The Mailboxes page under test: a Plesk 9 site of its own (a ListsSite,
so hostile account and domain names are in it) with a mailbox whose name
is hostile too, an OX emulator the real replicator talks to, and an
Apache of its own accepting posts from https://panel.example.test.

    mb = MailboxSite.make(run_dir, mariadb, apache_factory)
    mb.json("mailboxes", mb.admin, per_page="all")["items"]
    mb.run()                        # oxtender-replicator run, rc 0
    mb.ox_user(mail_id)             # the OX user of a mailbox, or None
    mb.change(who, [ids], service="groupware_standard", ...)
"""
import os
import re
import subprocess
import urllib.parse

from . import env
from .lists import HOSTILE_NAMES, ListsSite
from .mariadb import sql_quote
from .oxsim import OxSim
from .site import Site

ORIGIN = "https://panel.example.test"
HOSTILE_MAIL = "x<img src=x onerror=window.__oxt_pwned=1>"
SMALL = dict(resellers=3, clients=9, domains=24, mailboxes=90)


class MailboxSite(ListsSite):
    sim = None

    @classmethod
    def make(cls, run_dir, mariadb, apache_factory, name="mb"):
        """name: of its databases (psa_NAME, oxt_NAME), directory and
        Apache, so that a file may have a site of its own."""
        site = Site(os.path.join(run_dir, "site-" + name), mariadb,
                    flavour=9, psa_db="psa_" + name,
                    oxtender_db="oxt_" + name)
        site.build(**SMALL)
        site.migrate()
        mb = cls(site, None)
        mb.add_hostile()
        mb.add_hostile_mailbox()
        mb.grant_all()
        mb.sim = OxSim().start()
        # The caller gets nothing to close if this fails, so the
        # emulator (a process of its own) would outlive the test.
        try:
            mb.configure_ox()
            mb.refresh()
            mb.httpd = apache_factory("apache-" + name, site.config,
                                      extra="OxtenderPanelOrigin " + ORIGIN)
        except BaseException:
            mb.close()
            raise
        return mb

    def close(self):
        if self.sim is not None:
            self.sim.stop()
            self.sim = None

    def add_hostile_mailbox(self):
        """A mailbox whose own name is markup, in the first hostile
        domain (whose display name is hostile already)."""
        dom = "hostile0.example"
        self.site.psa_sql(
            "INSERT INTO accounts (type, password) VALUES ('plain', 'hx-pw');\n"
            "INSERT INTO mail (mail_name, postbox, account_id, dom_id)"
            " VALUES (%s, 'true', LAST_INSERT_ID(), (SELECT id FROM domains"
            " WHERE name = %s));\n" % (sql_quote(HOSTILE_MAIL),
                                       sql_quote(dom)))
        self.hostile_mail_id = int(self.site.psa_scalar(
            "SELECT id FROM mail WHERE mail_name = %s" % sql_quote(
                HOSTILE_MAIL)))

    def grant_all(self):
        """Access for every reseller, client and domain (Plesk 9 asks for
        it): the page is what is under test here, not the grants."""
        self.site.db.sql(
            "INSERT INTO prefs (level, plesk_id, access) SELECT 'reseller',"
            " id, 1 FROM %(psa)s.clients WHERE type = 'reseller';\n"
            "INSERT INTO prefs (level, plesk_id, access) SELECT 'client',"
            " id, 1 FROM %(psa)s.clients WHERE type = 'client';\n"
            "INSERT INTO prefs (level, plesk_id, access) SELECT 'domain',"
            " id, 1 FROM %(psa)s.domains;\n" % {"psa": self.site.psa_db},
            self.site.oxtender_db)

    # ---- the replicator and OX ----------------------------------------------

    def repl(self, *args, input=None):
        res = subprocess.run([env.REPLICATOR, "-c", self.site.config]
                             + list(args), capture_output=True, text=True,
                             input=input, timeout=120)
        assert res.returncode == 0, (args, res.stdout, res.stderr)
        return res

    def configure_ox(self):
        for k, v in (("ox_host", "127.0.0.1:%d" % self.sim.port),
                     ("ox_use_https", "0"), ("ox_username", "oxadminmaster"),
                     ("imap_server", "imap.example.test"),
                     ("smtp_server", "smtp.example.test"),
                     ("ox_languages", "de_DE,en_US,ro_RO"),
                     ("default_language", "en_US"),
                     ("default_timezone", "Europe/Berlin")):
            self.repl("settings", "set", k, v)
        self.repl("settings", "set-ox-password", input="secret\n")

    def run(self):
        return self.repl("run")

    def ox_user(self, mail_id):
        """The OX user of a mailbox (by its address), or None."""
        row = self.site.psa("SELECT m.mail_name, d.name FROM mail m JOIN"
                            " domains d ON d.id = m.dom_id WHERE m.id = %d"
                            % mail_id)[0]
        for ctx in self.sim.state()["contexts"]:
            if ctx["name"] != row[1]:
                continue
            for u in ctx["users"]:
                if u["name"] == row[0]:
                    return u
        return None

    def state(self, mail_id):
        rows = self.site.oxt("SELECT service_type, pending_service_type,"
                             " status FROM mailbox_state WHERE mail_id = %d"
                             % mail_id)
        return tuple(rows[0]) if rows else None

    # ---- the page ------------------------------------------------------------

    def items(self, who, **query):
        data = self.json("mailboxes", who, per_page="all", **query)
        assert data["total"] == len(data["items"])
        return data["items"]

    def post_form(self, who, fields, query=None, token=None):
        return self.post("mailboxes", who, fields, token=token,
                         headers={"Origin": ORIGIN}, query=query)

    def mailbox_ids(self, role, oid):
        """The ids of the mailboxes in role oid's part of psa."""
        doms = self.subtree(role, oid, "domains") if role != "admin" else \
            {int(r[0]) for r in self.site.psa("SELECT id FROM domains")}
        if not doms:
            return set()
        return {int(r[0]) for r in self.site.psa(
            "SELECT id FROM mail WHERE dom_id IN (%s)"
            % ",".join(str(d) for d in doms))}


def csrf_of(text):
    m = re.search(r'name="csrf" value="([^"]+)"', text)
    return m.group(1) if m else None


def form_body(fields):
    return urllib.parse.urlencode(fields, doseq=True)


__all__ = ["MailboxSite", "HOSTILE_MAIL", "HOSTILE_NAMES", "ORIGIN",
           "csrf_of", "form_body"]
