"""The License page under test (mod_oxtender/mod_oxtender_page_license.c):
a Plesk 9 site of its own (the tests change the key in force and the
license row), the test licensing server on loopback configured as
license_server_url before the Apache starts, and callers of every role
with access granted (test_lists_tenants.setup_callers).

    lp = LicensePageSite.make(run_dir, mariadb, apache_factory)
    lp.reset()                          # the key KEPT in force, no usage
    lp.upload(who, text)                # Upload License Key (multipart)
    lp.post("license", who, {"action": "activate", "code": "C-1"})
    lp.number()                         # the key number in the table
"""
import os
import uuid

from . import license as lic
from .lists import ListsSite, SMALL
from .site import Site

PANEL = "https://panel.example.test"
KEPT = "OXT-KEPT"


def multipart(fields, files, boundary=None):
    """(content type, body) of a multipart/form-data form as a browser
    sends it: fields {name: text}, files {name: (filename, bytes)}."""
    b = boundary or "----oxtTest" + uuid.uuid4().hex
    out = []
    for name, value in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\""
                    "\r\n\r\n" % (b, name)).encode() + value.encode()
                   + b"\r\n")
    for name, (filename, data) in files.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\";"
                    " filename=\"%s\"\r\nContent-Type: application/"
                    "octet-stream\r\n\r\n" % (b, name, filename)).encode()
                   + data + b"\r\n")
    body = b"".join(out) + ("--%s--\r\n" % b).encode()
    return "multipart/form-data; boundary=%s" % b, body


class LicensePageSite(ListsSite):

    @classmethod
    def make(cls, run_dir, mariadb, apache_factory):
        from test_lists_tenants import setup_callers
        site = Site(os.path.join(run_dir, "site-licpage"), mariadb,
                    flavour=9, psa_db="psa_lp", oxtender_db="oxt_lp")
        site.license = dict(lic.FREE, number=KEPT)
        site.build(**SMALL)
        site.migrate()
        lp = cls(site, None)
        lp.refresh()
        lp.callers, lp.objs = setup_callers(lp)
        lp.licsrv = lic.LicensingServer(
            os.path.join(run_dir, "licsrv-page")).start()
        os.chmod(lp.licsrv.root, 0o755)
        site.write_config(license_server_url=lp.licsrv.url,
                          license_server_ca_file=lp.licsrv.ca_file)
        lp.httpd = apache_factory("apache-licpage", site.config,
                                  extra="OxtenderPanelOrigin %s" % PANEL)
        return lp

    def close(self):
        self.licsrv.stop()

    def mint(self, **fields):
        return self.site.authority.mint(**fields)

    def reset(self, **fields):
        """The key KEPT (free usage, or fields) in force, nothing counted,
        no answer kept, the licensing server answering nothing yet."""
        self.site.install_license(self.mint(**dict(lic.FREE, number=KEPT,
                                                   **fields)))
        self.site.db.sql(
            "UPDATE license SET usage_plesk_mailboxes = NULL,"
            " usage_groupware = NULL, usage_domains = NULL,"
            " refused_restricted = 0, refused_domains = 0,"
            " refused_premium = 0, refused_groupware = 0, usage_at = NULL,"
            " last_server_answer = NULL, last_server_query_at = NULL,"
            " last_server_ok = NULL;\n"
            "UPDATE settings SET soap_timeout_s = 5;\n",
            self.site.oxtender_db)
        self.licsrv.scenario()

    def number(self):
        return self.site.db.scalar("SELECT key_number FROM license"
                                   " WHERE id = 1", self.site.oxtender_db)

    def usage(self, **cols):
        """Sets what the replicator counted (usage_*, refused_*)."""
        sets = ", ".join("%s = %d" % kv for kv in cols.items())
        self.site.db.sql("UPDATE license SET %s, usage_at = NOW();\n" % sets,
                         self.site.oxtender_db)

    def token(self, who, route="license"):
        return super().token(who, route)

    def post(self, route, who, fields, token=None, headers=None, query=None):
        h = {"Origin": PANEL}
        h.update(headers or {})
        return super().post(route, who, fields, token=token, headers=h,
                            query=query)

    def upload(self, who, data, token=None, filename="oxtender.key",
               headers=None, query=None):
        """Upload License Key as the page's form sends it."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        fields = {}
        if token is not False:
            fields["csrf"] = token or self.token(who)
        ctype, body = multipart(fields, {"key": (filename, data)})
        h = {"Origin": PANEL, "Content-Type": ctype}
        h.update(headers or {})
        return self.httpd.request("POST", self.path("license", **(query or
                                                                {})),
                                  auth=who[:2], headers=h, body=body)

    def raw(self, who, ctype, body, token=None):
        h = {"Origin": PANEL, "Content-Type": ctype}
        if token:
            h["X-CSRF-Token"] = token
        return self.httpd.request("POST", "/oxtender/license", auth=who[:2],
                                  headers=h, body=body)
