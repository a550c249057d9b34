"""Start, stop and talk to the OX SOAP emulator (tests/oxsim/oxsim).

    with OxSim("--latency-ms", "5") as sim:
        status, root = sim.call("OXContextService", "exists",
                                ctx_xml(id=1) + creds_xml(*MASTER))
        sim.config(fault_rate=0.1)
        sim.state()["contexts"]
        sim.password_is(1, "anna@example.com", "pw-anna")   # True/False

Knobs (command-line flags, or sim.config(name=value) at runtime; the full
table is in tests/oxsim/README.md): latency_ms, jitter_ms, fault_rate,
http500_rate, drop_rate, hang_rate, hang_max_ms, max_conns,
max_request_bytes, seed, exception_id, unicode_mappings, master_override,
master, reseller / resellers_clear (reseller accounts), and the strict
ones of OX's AdminUser.properties and SOAP layer:
  username_changeable        off: a user change with another name answers
                             "Changing username is disabled!"
  primary_mail_unchangeable  on: a user change with another primaryEmail
                             answers "primary mail must not be changed"
  fault_detail               off: faults carry the message text only, no
                             typed <detail> (as OX's CXF layer often sends)

The state never shows a password: each user has "password_sha256", the
hex SHA-256 of "<password_salt>:<context id>:<user id>:<password>"
(password_salt is in the state's top level); password_hash() and
password_is() compute and compare it.

The binary comes from $OXT_OXSIM, else tests/oxsim/oxsim under the repo.
Only urllib/http.client: the suite runs with Debian's python3 and no pip.
"""
import hashlib
import http.client
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_STD = "http://soap.admin.openexchange.com"
NS_RES = "http://soap.reseller.admin.openexchange.com"
NS_DO = "http://dataobjects.soap.admin.openexchange.com/xsd"
NS_RMI = "http://dataobjects.rmi.admin.openexchange.com/xsd"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
MASTER = ("oxadminmaster", "secret")


def binary():
    return os.environ.get("OXT_OXSIM") or os.path.join(REPO, "tests", "oxsim", "oxsim")


# ---- request builders (qualified the way CXF/zeep clients send) ----------

def field(name, value, prefix="d"):
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "".join(field(name, v, prefix) for v in value)
    return "<%s:%s>%s</%s:%s>" % (prefix, name, escape(str(value)), prefix, name)


def obj_xml(tag, fields, prefix="d"):
    inner = "".join(field(k, v, prefix) for k, v in fields.items())
    return "<s:%s>%s</s:%s>" % (tag, inner, tag)


def ctx_xml(tag="ctx", **fields):
    return obj_xml(tag, fields)


def user_xml(tag="usrdata", **fields):
    return obj_xml(tag, fields)


def creds_xml(login, password, tag="auth"):
    return "<s:%s>%s%s</s:%s>" % (tag, field("login", login, "r"),
                                  field("password", password, "r"), tag)


def scalar_xml(tag, value):
    return "<s:%s>%s</s:%s>" % (tag, escape(str(value)), tag)


def envelope(op, params, ns=NS_STD):
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="%s" xmlns:s="%s" xmlns:d="%s" xmlns:r="%s">'
            '<soapenv:Body><s:%s>%s</s:%s></soapenv:Body></soapenv:Envelope>'
            % (NS_SOAP, ns, NS_DO, NS_RMI, op, params, op))


def admin_user(name="oxadmin", password="adminpw", mail=None, **extra):
    fields = dict(name=name, password=password, display_name="Admin " + name,
                  given_name="Ad", sur_name="Min",
                  primaryEmail=mail or ("%s@example.com" % name))
    fields.update(extra)
    return fields


def mailbox(name, domain="example.com", **extra):
    addr = "%s@%s" % (name, domain)
    fields = dict(name=addr, password="pw-" + name, display_name="User " + name,
                  given_name="U", sur_name=name, primaryEmail=addr, email1=addr)
    fields.update(extra)
    return fields


# ---- passwords in the state -------------------------------------------------

def password_hash(salt, ctx_id, user_id, password):
    """The "password_sha256" /oxsim/state shows for that password."""
    text = "%s:%d:%d:%s" % (salt, int(ctx_id), int(user_id), password)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def user_password_is(state, ctx, user, password):
    """True when the user (a dict of /oxsim/state, in context ctx) has that
    password. ctx is the context's dict."""
    want = password_hash(state["password_salt"], ctx["id"], user["id"],
                         password)
    return user.get("password_sha256") == want


# ---- response readers ---------------------------------------------------------

def local(tag):
    return tag.rsplit("}", 1)[-1]


def fault_string(root):
    """The faultstring of a SOAP fault, or None."""
    for el in root.iter():
        if local(el.tag) == "faultstring":
            return el.text or ""
    return None


def returns(root):
    """The <return> elements of a response."""
    return [el for el in root.iter() if local(el.tag) == "return"]


def as_dict(ret):
    """A returned object as {field: value or [values]}; nil -> None."""
    out = {}
    for el in ret:
        key = local(el.tag)
        val = None if el.get("{%s}nil" % NS_XSI) == "true" else (el.text or "")
        if key in out:
            prev = out[key] if isinstance(out[key], list) else [out[key]]
            out[key] = prev + [val]
        else:
            out[key] = val
    return out


class OxSim:
    def __init__(self, *args, env=None):
        self.args = list(args)
        self.env = env
        self.proc = None
        self.port = None
        self.tmp = None
        self.stdout_line = None

    # ---- life cycle ----
    def start(self, timeout=10.0):
        self.tmp = tempfile.TemporaryDirectory(prefix="oxsim-")
        pf = os.path.join(self.tmp.name, "port")
        self.stderr_path = os.path.join(self.tmp.name, "stderr")
        cmd = [binary(), "--listen", "127.0.0.1:0", "--port-file", pf] + self.args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=open(self.stderr_path, "w"),
                                     env=self.env, text=True)
        deadline = time.time() + timeout
        while not os.path.exists(pf):
            if self.proc.poll() is not None:
                raise RuntimeError("oxsim exited %s: %s" % (self.proc.returncode, self.stderr()))
            if time.time() > deadline:
                self.stop()
                raise RuntimeError("oxsim did not write its port file")
            time.sleep(0.01)
        with open(pf) as f:
            text = f.read()
        assert text.endswith("\n"), "port file must end with a newline"
        self.port = int(text)
        self.stdout_line = self.proc.stdout.readline().rstrip("\n")
        return self

    def stop(self, timeout=10.0):
        """SIGTERM and wait; returns the exit status."""
        rc = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("oxsim did not stop on SIGTERM")
            self.proc.stdout.close()
            self.proc = None
            # a sanitized build (make SANITIZE=1) reports leaks and UB on
            # stderr; any report fails the test that owned the emulator
            err = self.stderr()
            if "Sanitizer" in err or "runtime error:" in err:
                self.tmp.cleanup()
                self.tmp = None
                raise RuntimeError("oxsim sanitizer report:\n" + err)
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None
        return rc

    def stderr(self):
        try:
            with open(self.stderr_path) as f:
                return f.read()
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- HTTP ----
    def conn(self, timeout=10.0):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def http(self, method, path, body=None, headers=None, timeout=10.0, conn=None):
        c = conn or self.conn(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            if conn is None:
                c.close()

    def post_soap(self, service, xml_text, timeout=10.0, conn=None, headers=None):
        h = {"Content-Type": "text/xml;charset=UTF-8"}
        h.update(headers or {})
        data = xml_text.encode("utf-8") if isinstance(xml_text, str) else xml_text
        return self.http("POST", "/webservices/" + service, data, h, timeout, conn)

    def call(self, service, op, params, ns=None, timeout=10.0, conn=None):
        """Sends <op>params</op>; returns (status, parsed root)."""
        if ns is None:
            ns = NS_RES if "Reseller" in service else NS_STD
        status, body = self.post_soap(service, envelope(op, params, ns), timeout, conn)
        return status, ET.fromstring(body)

    # ---- control endpoints ----
    def _json(self, method, path, body=None, ctype="application/json"):
        status, data = self.http(method, path, body, {"Content-Type": ctype})
        return status, json.loads(data)

    def state(self):
        return self._json("GET", "/oxsim/state")[1]

    def counters(self):
        return self._json("GET", "/oxsim/counters")[1]

    def config(self, **knobs):
        status, cfg = self._json("POST", "/oxsim/config", json.dumps(knobs))
        if status != 200:
            raise ValueError(cfg)
        return cfg

    def config_form(self, pairs):
        body = urllib.parse.urlencode(pairs)
        return self._json("POST", "/oxsim/config", body,
                          "application/x-www-form-urlencoded")

    def reset(self):
        return self._json("POST", "/oxsim/reset", b"")[1]

    def password_is(self, ctx_id, user, password):
        """Whether user (a name or an id) of context ctx_id has password."""
        state = self.state()
        for ctx in state["contexts"]:
            if ctx["id"] != int(ctx_id):
                continue
            for u in ctx["users"]:
                if u["id"] == user or u.get("name") == user:
                    return user_password_is(state, ctx, u, password)
        raise KeyError("no user %r in context %s" % (user, ctx_id))

    # ---- shortcuts ----
    def create_context(self, cid, name, admin=None, quota=100, combo=None, **ctxf):
        admin = admin or admin_user()
        params = ctx_xml(id=cid, name=name, maxQuota=quota, **ctxf) + user_xml("admin_user", **admin)
        op = "create"
        if combo is not None:
            op = "createModuleAccessByName"
            params += scalar_xml("access_combination_name", combo)
        return self.call("OXContextService", op, params + creds_xml(*MASTER))

    def user_call(self, op, cid, params, admin=("oxadmin", "adminpw")):
        return self.call("OXUserService", op, ctx_xml(id=cid) + params + creds_xml(*admin))
