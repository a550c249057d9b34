"""The Resellers, Clients and Domains pages under test: a site of each
Plesk flavour with hostile names among its accounts and domains, the
lists' directory filled, an Apache of its own; and what the pages must
show, computed from psa and mailbox_state with SQL.

    ls = ListsSite.make(run_dir, mariadb, apache_factory, 9)
    ls.admin                       # ("admin", password)
    ls.login("reseller")           # (login, password, id) of an active one
    r = ls.get("domains", ls.admin, sort="name", per_page="all")
    token = ls.token(ls.admin)     # the CSRF token of that caller's pages
    ls.post("domains", ls.admin, {"row": [1, 2], "forever": [1]})
    ls.subtree("reseller", rid, "domains")   # ids the caller may see
"""
import os
import re
import urllib.parse

from .mariadb import sql_quote
from .site import Site

# Names Plesk lets customers choose, and which must execute nothing and
# break no layout: markup, quotes, a javascript: URL, right-to-left text
# and controls, zero-width characters, 255 bytes without a space.
HOSTILE_NAMES = [
    "<script>window.__oxt_pwned=1</script>",
    "\"><img src=x onerror=\"window.__oxt_pwned=1\" id=\"injected\">",
    "' onmouseover='window.__oxt_pwned=1' x='",
    "javascript:window.__oxt_pwned=1//",
    "\u202Egpj.exe Mallory \u202C",
    "\u0634\u0631\u0643\u0629 \u0627\u0644\u0627\u062e\u062a\u0628\u0627\u0631",
    "\u05d7\u05d1\u05e8\u05d4 (RTL) 42",
    "adm\u200bin\u200d\ufeff",
    "W" * 255,
    "\u00e9" * 127 + "x",
    "{{7*7}} ${7*7} <!-- -->",
    "Zoë &amp; Château",
]

SMALL = dict(resellers=3, clients=9, domains=24, mailboxes=90)


def _rows(site, sql):
    return site.psa(sql)


class ListsSite:
    def __init__(self, site, httpd):
        self.site = site
        self.httpd = httpd
        self.flavour = site.flavour
        self.admin = ("admin", site.admin_password)
        self.hostile_ids = {}          # kind -> [ids]

    # ---- making one ---------------------------------------------------------

    @classmethod
    def make(cls, run_dir, mariadb, apache_factory, flavour, extra="",
             tag="l"):
        """tag: a site of its own for tests that change it ("l", the
        lists', by default)."""
        name = "lists" if tag == "l" else tag
        site = Site(os.path.join(run_dir, "site-%s%d" % (name, flavour)),
                    mariadb, flavour=flavour,
                    psa_db="psa_%s%d" % (tag, flavour),
                    oxtender_db="oxt_%s%d" % (tag, flavour))
        site.build(**SMALL)
        site.migrate()
        ls = cls(site, None)
        ls.add_hostile()
        ls.refresh()
        ls.httpd = apache_factory("apache-%s%d" % (name, flavour),
                                  site.config, extra=extra)
        return ls

    def add_hostile(self):
        """A reseller (9+), clients and domains with HOSTILE_NAMES, each
        domain with a mailbox, in psa as Plesk would store them."""
        site = self.site
        parent = "1" if self.flavour >= 9 else "NULL"
        stmts = []
        if self.flavour >= 9:
            stmts.append(
                "INSERT INTO accounts (type, password) VALUES ('plain',"
                " 'hostile-r-pw');\n"
                "INSERT INTO clients (parent_id, type, pname, login,"
                " account_id, status) VALUES (1, 'reseller', %s, 'hostile-r',"
                " LAST_INSERT_ID(), 0);\n" % sql_quote(HOSTILE_NAMES[0]))
            parent = "(SELECT id FROM (SELECT id FROM clients WHERE login ="
            parent += " 'hostile-r') x)"
        for i, name in enumerate(HOSTILE_NAMES):
            login = "hostile-c%d" % i
            cols = "parent_id, type, " if self.flavour >= 9 else ""
            vals = "%s, 'client', " % parent if self.flavour >= 9 else ""
            stmts.append(
                "INSERT INTO accounts (type, password) VALUES ('plain',"
                " %s);\n"
                "INSERT INTO clients (%spname, login, account_id, status)"
                " VALUES (%s%s, %s, LAST_INSERT_ID(), 0);\n"
                % (sql_quote(login + "-pw"), cols, vals, sql_quote(name),
                   sql_quote(login)))
            stmts.append(self._hostile_domain_sql(i, name, login))
        site.psa_sql("".join(stmts))
        for kind, sql in (("client", "SELECT id FROM clients WHERE login"
                           " LIKE 'hostile-c%'"),
                          ("domain", "SELECT id FROM domains WHERE name"
                           " LIKE 'hostile%.example'")):
            self.hostile_ids[kind] = [int(r[0]) for r in _rows(site, sql)]

    def _hostile_domain_sql(self, i, name, login):
        extra_cols = ", webspace_id" if self.flavour >= 10 else ""
        extra_vals = ", 0" if self.flavour >= 10 else ""
        dom = "hostile%d.example" % i
        return (
            "INSERT INTO domains (name, displayName, cl_id, status%s)"
            " VALUES (%s, %s, (SELECT id FROM clients WHERE login = %s), 0%s);"
            "\n"
            "INSERT INTO DomainServices (dom_id, type, status) VALUES"
            " (LAST_INSERT_ID(), 'mail', 0);\n"
            "INSERT INTO accounts (type, password) VALUES ('plain', %s);\n"
            "INSERT INTO mail (mail_name, postbox, account_id, dom_id)"
            " VALUES ('box', 'true', LAST_INSERT_ID(),"
            " (SELECT id FROM domains WHERE name = %s));\n"
            % (extra_cols, sql_quote(dom), sql_quote(name), sql_quote(login),
               extra_vals, sql_quote("box@%s-pw" % dom), sql_quote(dom)))

    def refresh(self):
        res = self.site.replicator("directory")
        assert res.returncode == 0, res.stderr
        return res.stdout

    # ---- callers ------------------------------------------------------------

    def login(self, role, nth=0, where=""):
        """(login, password, id) of an active account of role, nth in id
        order, whose chain is active too."""
        site = self.site
        if role == "domain":
            join = ("JOIN dom_level_usrs u ON u.dom_id = d.id AND"
                    " u.state = 'true'" if self.flavour < 10 else
                    "JOIN smb_users u ON u.login = d.name")
            row = _rows(site,
                        "SELECT d.name, d.id FROM domains d %s JOIN clients c"
                        " ON c.id = d.cl_id WHERE d.status = 0 AND"
                        " c.status = 0 AND d.name LIKE 'dom%%' %s ORDER BY"
                        " d.id LIMIT %d, 1" % (join, where, nth))[0]
        else:
            typ = "" if self.flavour < 9 else " AND c.type = %s" \
                % sql_quote(role)
            parent = "" if self.flavour < 9 else \
                " AND (c.parent_id IS NULL OR (SELECT status FROM clients" \
                " p WHERE p.id = c.parent_id) = 0)"
            row = _rows(site,
                        "SELECT c.login, c.id FROM clients c WHERE"
                        " c.status = 0 AND c.login NOT LIKE 'hostile%%'"
                        " %s%s %s ORDER BY c.id LIMIT %d, 1"
                        % (typ, parent, where, nth))[0]
        return row[0], site.password_of(row[0]), int(row[1])

    def grant(self, role, oid):
        self.site.grant(role, oid)

    # ---- requests -----------------------------------------------------------

    @staticmethod
    def path(route, **query):
        q = urllib.parse.urlencode(query, doseq=True)
        return "/oxtender/%s%s" % (route, "?" + q if q else "")

    def get(self, route, who, **query):
        return self.httpd.get(self.path(route, **query), auth=who[:2])

    def json(self, route, who, **query):
        r = self.get(route, who, format="json", **query)
        assert r.status == 200, (route, query, r.status, r.text)
        return r.json()

    def token(self, who, route="domains"):
        r = self.httpd.get(self.path(route, per_page=10), auth=who[:2])
        if r.status != 200:
            r = self.httpd.get("/oxtender/", auth=who[:2])
        m = re.search(r'name="csrf" value="([^"]+)"', r.text)
        assert m, "no CSRF token on %s for %s" % (route, who[0])
        return m.group(1)

    def post(self, route, who, fields, token=None, headers=None, query=None):
        body = dict(fields)
        if token is None:
            body["csrf"] = self.token(who, route.split("/")[0])
        elif token is not False:
            body["csrf"] = token
        path = self.path(route, **(query or {}))
        return self.httpd.post(path, auth=who[:2], headers=headers,
                               body=urllib.parse.urlencode(body, doseq=True))

    # ---- what the pages must show ------------------------------------------

    def subtree(self, role, oid, what):
        """The ids of clients or domains in role oid's part of psa."""
        site = self.site
        if what == "resellers":
            if role != "admin" or self.flavour < 9:
                return set()
            sql = "SELECT id FROM clients WHERE type = 'reseller'"
        elif what == "clients":
            typ = " AND type = 'client'" if self.flavour >= 9 else ""
            sql = "SELECT id FROM clients WHERE 1 = 1" + typ
            if role == "reseller":
                sql += " AND parent_id = %d" % oid
            elif role != "admin":
                return set()
        else:
            sql = "SELECT d.id FROM domains d JOIN clients c ON c.id = d.cl_id"
            if role == "reseller":
                sql += " WHERE d.cl_id = %d OR (c.type = 'client' AND" \
                    " c.parent_id = %d)" % (oid, oid)
            elif role == "client":
                sql += " WHERE d.cl_id = %d" % oid
            elif role == "domain":
                sql += " WHERE d.id = %d" % oid
        return {int(r[0]) for r in _rows(site, sql)}

    def mailboxes(self, dom_ids):
        if not dom_ids:
            return 0
        return int(self.site.psa_scalar(
            "SELECT COUNT(*) FROM mail WHERE postbox = 'true' AND dom_id IN"
            " (%s)" % ",".join(str(i) for i in dom_ids)))

    def prefs(self):
        """Every prefs row, for "nothing was written"."""
        return self.site.oxt("SELECT * FROM prefs ORDER BY level, plesk_id")
