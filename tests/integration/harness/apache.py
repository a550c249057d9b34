"""A private Apache httpd with mod_oxtender on a loopback port, an HTTP
client for it, and the error-log watch of the suite.

    httpd = Apache(root, oxtender_config)      # config of harness/site.py
    httpd.start()                  # writes httpd.conf, waits for the port
    r = httpd.get("/oxtender/?format=json", auth=("admin", "pw"))
    r.status, r.headers["Content-Type"], r.text, r.json()
    httpd.restart(extra="...")     # stop, rewrite with extra config, start
    httpd.configtest(text)         # apache2 -t on some other config text
    httpd.stop()

The configuration bypasses /etc/apache2 entirely. As root, the workers run
as nobody:nogroup; harness/site.py makes the files they read group-readable.
"""
import atexit
import base64
import http.client
import json
import os
import re
import shutil
import subprocess
import time

from . import env
from .mariadb import _die_with_parent

MODULES_DIR = "/usr/lib/apache2/modules"
# mod_log_config and mod_unixd are compiled into Debian's apache2.
STOCK_MODULES = ("mpm_event", "authn_core", "authz_core", "auth_basic",
                 "authz_user", "mime", "dir", "alias")


class ApacheError(RuntimeError):
    pass


SHIPPED_CONF = os.path.join(env.TOP, "conf", "httpd-oxtender.conf")


def shipped_static():
    """The Alias and <Directory> of the static files in
    conf/httpd-oxtender.conf, pointed at the tree's htdocs/."""
    with open(SHIPPED_CONF) as f:
        text = f.read()
    alias = re.search(r"^Alias (/\S+) (\S+)$", text, re.M)
    block = re.search(r"^<Directory (\S+)>\n.*?^</Directory>$", text,
                      re.S | re.M)
    if not alias or not block or block.group(1) != alias.group(2):
        raise ApacheError("no static files Alias in %s" % SHIPPED_CONF)
    htdocs = os.path.join(env.TOP, "htdocs")
    return ["Alias %s %s" % (alias.group(1), htdocs),
            block.group(0).replace(block.group(1), htdocs, 1)]


def shipped_locations():
    """The <Location> blocks of conf/httpd-oxtender.conf, as shipped: the
    suite runs the access rules an installation gets."""
    with open(SHIPPED_CONF) as f:
        text = f.read()
    blocks = re.findall(r"^<Location [^>]+>\n.*?^</Location>$", text,
                        re.S | re.M)
    if not blocks:
        raise ApacheError("no <Location> in %s" % SHIPPED_CONF)
    return blocks


# ---- error log --------------------------------------------------------------

# [Tue Nov 24 15:00:00.123456 2025] [oxtender:error] [pid 1:tid 2] ...
_LINE_RE = re.compile(r"^\[[^\]]+\] \[(?:([\w-]+):)?(\w+)\] ")
_TAG_RE = re.compile(r"\b((?:AH|OXT)\d{5})\b")
BAD_LEVELS = {"emerg", "alert", "crit", "error", "warn"}
# Tags of lines that are harmless whatever their level:
#   AH03093  the event MPM putting a connection back into keep-alive while
#            the server is being stopped (every restart of a test stops it
#            with SIGTERM; a client's idle connection can race the stop).
ALWAYS_IGNORED = {"AH03093"}


class ErrorLog:
    """Reads an error_log incrementally and finds the lines a test did not
    expect: level warn or worse, or text that is no log line at all (a
    library or a crash writing to stderr). Expected lines are named by tag
    (OXTnnnnn, AHnnnnn) or by a regular expression."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.pending = []

    def size(self):
        try:
            return os.path.getsize(self.path)
        except OSError:
            return 0

    def _read(self, upto=None):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read() if upto is None else \
                    f.read(max(0, upto - self.offset))
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n") + 1
        self.offset += end
        return data[:end].decode("utf-8", "replace").splitlines()

    def new_lines(self):
        """Complete lines written since the last call."""
        lines, self.pending = self.pending + self._read(), []
        return lines

    def drop_after(self, pos):
        """Keep the unread lines before pos for the next check, and ignore
        everything written after it (a start attempt we retried)."""
        self.pending += self._read(upto=pos)
        self.offset = self.size()

    def skip(self):
        """Forget everything written so far."""
        self.new_lines()

    @staticmethod
    def level(line):
        m = _LINE_RE.match(line)
        return m.group(2) if m else None

    @staticmethod
    def tags(line):
        return set(_TAG_RE.findall(line))

    def unexpected(self, tags=(), patterns=()):
        """New lines at level warn or worse (or unformatted), minus those
        carrying one of tags or matching one of patterns."""
        allowed = set(tags) | ALWAYS_IGNORED
        regexes = [re.compile(p) for p in patterns]
        bad = []
        for line in self.new_lines():
            if not line.strip():
                continue
            level = self.level(line)
            if level is not None and level not in BAD_LEVELS:
                continue
            if self.tags(line) & allowed:
                continue
            if any(r.search(line) for r in regexes):
                continue
            bad.append(line)
        return bad


# ---- HTTP -------------------------------------------------------------------

class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return json.loads(self.text)
        except ValueError as e:
            raise AssertionError("response is not JSON (%s): %r"
                                 % (e, self.text[:500])) from None

    def __repr__(self):
        return "<Response %d %s, %d bytes>" % (self.status, self.reason,
                                               len(self.body))


def basic_auth(user, password):
    """The Authorization value; user and password may be bytes (to send
    what no text encoding produces, e.g. invalid UTF-8)."""
    def raw(v):
        return v if isinstance(v, bytes) else v.encode("utf-8")
    return "Basic " + base64.b64encode(raw(user) + b":" + raw(password)) \
        .decode("ascii")


# ---- the server -------------------------------------------------------------

class Apache:
    def __init__(self, root, oxtender_config, port=None, module=None,
                 apache_bin=None, web_user=None):
        self.root = os.path.abspath(root)
        self.oxtender_config = oxtender_config
        self.touched = True
        self.auto_port = port is None
        self.port = port or env.free_port()
        self.module = module or env.MODULE
        self.bin = apache_bin or env.which("apache2") or \
            env.which("httpd")
        self.conf_path = os.path.join(self.root, "httpd.conf")
        self.error_log_path = os.path.join(self.root, "error.log")
        self.access_log_path = os.path.join(self.root, "access.log")
        self.pid_file = os.path.join(self.root, "run", "httpd.pid")
        self.out_file = os.path.join(self.root, "apache.out")
        # Apache loads a private copy: a rebuild overwrites the .so in place
        # (cp keeps the inode), which would crash a server that maps it.
        self.module_copy = os.path.join(self.root, "mod_oxtender.so")
        self.extra = ""
        self.proc = None
        self._atexit = False
        if web_user is None:
            from .site import web_user as find_web_user
            web_user = find_web_user()
        self.web_user = web_user
        self.log = ErrorLog(self.error_log_path)

    @staticmethod
    def available():
        if env.which("apache2") is None and env.which("httpd") is None:
            return "apache2 not installed (apt-get install apache2)"
        for m in STOCK_MODULES:
            if not os.path.exists(os.path.join(MODULES_DIR,
                                               "mod_%s.so" % m)):
                return "%s/mod_%s.so missing" % (MODULES_DIR, m)
        return None

    # ---- the port, and whether a test used it ---------------------------

    @property
    def port(self):
        """Our port; whoever asks for it (a request, a URL for the
        browser, a start) may make the server log, so the error-log watch
        waits for the workers of this server after the test (settle)."""
        self.touched = True
        return self._port

    @port.setter
    def port(self, value):
        self._port = value

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def url(self, path="/oxtender/"):
        return self.base_url + path

    # ---- configuration -----------------------------------------------------

    def conf_text(self, extra=None, oxtender_config=None, location=True,
                  load_module=True):
        """The httpd.conf; extra is appended (server context).
        oxtender_config=False leaves out the OxtenderConfig line."""
        extra = self.extra if extra is None else extra
        cfg = self.oxtender_config if oxtender_config is None \
            else oxtender_config
        run = os.path.join(self.root, "run")
        lines = [
            "# generated by tests/integration/harness/apache.py",
            'ServerRoot "%s"' % self.root,
            "Listen 127.0.0.1:%d" % self.port,
            "ServerName 127.0.0.1",
            'PidFile "%s"' % self.pid_file,
            'DefaultRuntimeDir "%s"' % run,
            'Mutex file:%s default' % run,
            'ErrorLog "%s"' % self.error_log_path,
            "LogLevel warn oxtender:debug",
        ]
        if self.web_user:
            lines += ["User %s" % self.web_user[0],
                      "Group %s" % self.web_user[1]]
        lines += ["LoadModule %s_module %s/mod_%s.so" % (m, MODULES_DIR, m)
                  for m in STOCK_MODULES]
        if load_module:
            lines.append('LoadModule oxtender_module "%s"'
                         % self.module_copy)
        lines += [
            "StartServers 2",
            "ServerLimit 2",
            "ThreadLimit 8",
            "ThreadsPerChild 8",
            "MaxRequestWorkers 16",
            "MinSpareThreads 4",
            "MaxSpareThreads 16",
            "Timeout 30",
            'LogFormat "%h %l %u %t \\"%r\\" %>s %b %D" oxt',
            'CustomLog "%s" oxt' % self.access_log_path,
            "TypesConfig /dev/null",
            'DocumentRoot "%s"' % os.path.join(self.root, "htdocs"),
        ]
        if cfg:
            lines.append('OxtenderConfig "%s"' % cfg)
        if location:
            lines += shipped_static()
            lines += shipped_locations()
        if extra:
            lines.append(extra)
        return "\n".join(lines) + "\n"

    def write_conf(self, extra=None):
        for d in (self.root, os.path.join(self.root, "run"),
                  os.path.join(self.root, "htdocs")):
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o755)
        self.snapshot_module()
        env.write_file(self.conf_path, self.conf_text(extra), 0o644)
        return self.conf_path

    def snapshot_module(self):
        """Copy the module next to httpd.conf (new inode, atomic rename)."""
        if not os.path.isfile(self.module):
            return
        tmp = self.module_copy + ".tmp"
        shutil.copyfile(self.module, tmp)
        os.chmod(tmp, 0o755)
        os.replace(tmp, self.module_copy)

    def configtest(self, text, name="configtest.conf"):
        """apache2 -t on a configuration text (see conf_text()); returns
        the CompletedProcess (output in .stdout + .stderr)."""
        self.write_conf()                  # creates the directories
        path = os.path.join(self.root, name)
        env.write_file(path, text, 0o644)
        return subprocess.run([self.bin, "-t", "-f", path],
                              capture_output=True, text=True, timeout=60)

    # ---- life cycle ---------------------------------------------------------

    def pid(self):
        if self.proc is not None and self.proc.poll() is None:
            return self.proc.pid
        pid = env.read_pid(self.pid_file)
        return pid if env.pid_runs(pid, self.conf_path) else None

    def running(self):
        return self.pid() is not None

    def start(self, detach=False, timeout=30):
        """Write httpd.conf and start. Test mode runs -DFOREGROUND as our
        child (dies with us); detach=True (the demo) uses -k start so the
        server outlives this process. A port we picked ourselves that was
        taken in the meantime (another test run) is replaced and retried."""
        if self.running():
            return
        for attempt in range(3):
            log_pos = self.log.size()
            try:
                return self._start_once(detach, timeout)
            except ApacheError as e:
                if not self.auto_port or attempt == 2 \
                        or "Address already in use" not in str(e):
                    raise
                self.log.drop_after(log_pos)
                self.port = env.free_port()

    def _start_once(self, detach, timeout):
        if not env.executable(self.module):
            raise ApacheError("module %s is not built (run make)"
                              % self.module)
        self.write_conf()
        if os.path.exists(self.pid_file):
            os.unlink(self.pid_file)
        out = open(self.out_file, "ab")
        try:
            if detach:
                res = subprocess.run([self.bin, "-f", self.conf_path,
                                      "-k", "start"],
                                     stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, timeout=60,
                                     start_new_session=True)
                if res.returncode != 0:
                    self._start_failed("apache2 -k start exited with %d"
                                       % res.returncode)
            else:
                self.proc = subprocess.Popen(
                    [self.bin, "-f", self.conf_path, "-DFOREGROUND"],
                    stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_die_with_parent)
                if not self._atexit:
                    atexit.register(self.stop)
                    self._atexit = True
        finally:
            out.close()

        def up():
            if self.proc is not None and self.proc.poll() is not None:
                return True
            return os.path.exists(self.pid_file) \
                and env.port_answers(self.port)
        env.wait_until(up, timeout, 0.05)
        if self.proc is not None and self.proc.poll() is not None:
            self._start_failed("apache2 exited with %d" % self.proc.returncode)
        if not (os.path.exists(self.pid_file)
                and env.port_answers(self.port)):
            self._start_failed("apache2 did not answer on port %d within "
                               "%ds" % (self.port, timeout))

    def _start_failed(self, what):
        self.stop()
        raise ApacheError("%s (config %s)\n--- %s:\n%s\n--- %s:\n%s" % (
            what, self.conf_path, self.error_log_path,
            env.tail(self.error_log_path), self.out_file,
            env.tail(self.out_file, 15)))

    def stop(self, timeout=30):
        """Stop the server and wait until its process is gone; returns the
        pid it stopped, or None."""
        pid = self.pid()
        if pid is not None:
            proc = self.proc if self.proc is not None \
                and self.proc.pid == pid else None
            env.terminate(pid, timeout, proc=proc)
        self.proc = None
        return pid

    def restart(self, extra=""):
        """Stop, rewrite httpd.conf with extra config, start again."""
        self.stop()
        self.extra = extra
        self.start()

    # ---- HTTP ---------------------------------------------------------------

    def request(self, method, path, auth=None, headers=None, body=None,
                timeout=30, source=None, session=None, cookie=None):
        """One request on a fresh connection. source: the loopback address
        to connect from ("127.0.0.9"), so a test has a client address of
        its own; session: a Plesk session id sent as the PHPSESSID cookie
        (cookie names another cookie)."""
        hdrs = dict(headers or {})
        if auth is not None:
            hdrs["Authorization"] = basic_auth(*auth)
        if session is not None:
            hdrs["Cookie"] = "%s=%s" % (cookie or "PHPSESSID", session)
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout,
            source_address=(source, 0) if source else None)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return Response(resp.status, resp.reason, resp.headers, data)
        finally:
            conn.close()

    def get(self, path, auth=None, headers=None, **kw):
        return self.request("GET", path, auth=auth, headers=headers, **kw)

    def post(self, path, auth=None, headers=None, body=b""):
        hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
        hdrs.update(headers or {})
        return self.request("POST", path, auth=auth, headers=hdrs, body=body)

    def settle(self, seconds=0.1):
        """Give workers a moment to finish writing the log of the last
        request before the log is checked; nothing to wait for when no
        one used the server since the last settle (see port)."""
        if self.touched:
            time.sleep(seconds)
        self.touched = False

    @staticmethod
    def settle_all(servers, seconds=0.1):
        """settle() of several servers with one wait: their workers write
        at the same time."""
        if any(s.touched for s in servers):
            time.sleep(seconds)
        for s in servers:
            s.touched = False
