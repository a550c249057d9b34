"""Licensing for the tests and the demo: an authority (a key pair and
tools/license/oxt-license to mint keys and answers with it) and the test
licensing server (tests/licsrv/licsrv.py, HTTPS on loopback).

    auth = authority(dir)                # made once per directory
    auth.public_key                      # for license_public_key
    text = auth.mint(number="T-1", tier="100", premium="yes")
    auth.answer("Issued.", number="T-2") # an answer carrying a new key
    auth.refusal("Unknown code")

    srv = LicensingServer(dir).start()   # srv.url, srv.ca_file
    srv.scenario(codes={"CODE": auth.answer(...)}, delay=0)
    srv.requests()                       # what the product sent
    srv.stop()

Keys are issued by default for SERVER_IP, the main address oxt-gendata
writes into psa (tools/gendata/README.md).
"""
import json
import os
import subprocess
import sys

from . import env

SERVER_IP = "192.0.2.10"
LICSRV = os.path.join(env.TOP, "tests", "licsrv", "licsrv.py")

# What tests that are not about licensing run with: nothing limited.
FREE = dict(tier="unlimited", domains="unlimited", mailboxes="unlimited",
            premium="yes", free_usage="yes")

_AUTHORITIES = {}


def _tool(*args):
    if not env.executable(env.LICENSE_TOOL):
        raise RuntimeError("oxt-license is not built (%s); run make"
                           % env.LICENSE_TOOL)
    res = subprocess.run([env.LICENSE_TOOL] + list(args),
                         capture_output=True, text=True, timeout=30)
    if res.returncode != 0:
        raise RuntimeError("oxt-license %s failed: %s"
                           % (" ".join(args), res.stderr))
    return res.stdout


class Authority:
    def __init__(self, root):
        self.root = root
        self.private_key = os.path.join(root, "authority.pem")
        os.makedirs(root, exist_ok=True)
        if os.path.exists(self.private_key):
            self.public_key = _tool("pubkey", self.private_key).strip()
        else:
            self.public_key = _tool("genkey", self.private_key).strip()

    @staticmethod
    def _options(fields):
        argv = []
        for name, value in fields.items():
            argv += ["--" + name.replace("_", "-"), str(value)]
        return argv

    def mint(self, number="OXT-TEST-1", ip=SERVER_IP, **fields):
        """A key file's text; fields as the tool's options (tier="100",
        premium="yes", expires="2020-01-01", free_usage="no", ...)."""
        return _tool("mint", "-k", self.private_key, "--number", number,
                     "--ip", ip, *self._options(fields))

    def answer(self, message, number="OXT-TEST-2", ip=SERVER_IP, **fields):
        """A licensing server's answer that carries a new key."""
        return _tool("answer", "--message", message, "-k", self.private_key,
                     "--number", number, "--ip", ip,
                     *self._options(fields))

    def answer_with(self, message, key_text):
        """An answer carrying the given key text as it is."""
        path = os.path.join(self.root, "answer-key.txt")
        env.write_file(path, key_text)
        return _tool("answer", "--message", message, "--key-file", path)

    @staticmethod
    def refusal(message):
        return _tool("answer", "--refused", "--message", message)


def authority(root):
    """The authority whose key pair lives in root (made once)."""
    root = os.path.abspath(root)
    if root not in _AUTHORITIES:
        _AUTHORITIES[root] = Authority(root)
    return _AUTHORITIES[root]


def tls_cert(root):
    """(cert, key) of a self-signed certificate for 127.0.0.1, made once
    in root; the certificate is its own CA (license_server_ca_file)."""
    cert = os.path.join(root, "licsrv-cert.pem")
    key = os.path.join(root, "licsrv-key.pem")
    if not os.path.exists(cert):
        os.makedirs(root, exist_ok=True)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "7",
             "-subj", "/CN=127.0.0.1", "-addext",
             "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
            check=True, capture_output=True, timeout=60)
        os.chmod(cert, 0o644)
    return cert, key


class LicensingServer:
    """tests/licsrv/licsrv.py as a process of its own on 127.0.0.1."""

    def __init__(self, root, port=0):
        self.root = root
        self.port = port
        os.makedirs(root, exist_ok=True)
        self.cert, self.key = tls_cert(root)
        self.ca_file = self.cert
        self.scenario_file = os.path.join(root, "scenario.json")
        self.requests_file = os.path.join(root, "requests.jsonl")
        self.port_file = os.path.join(root, "port")
        self.log_file = os.path.join(root, "licsrv.log")
        self.proc = None
        self.scenario()

    @property
    def url(self):
        return "https://127.0.0.1:%d/license" % self.port

    def scenario(self, codes=None, numbers=None, unknown=None, delay=0,
                 mode="answer"):
        data = dict(codes=codes or {}, numbers=numbers or {}, delay=delay,
                    mode=mode)
        if unknown is not None:
            data["unknown"] = unknown
        env.write_file(self.scenario_file + ".tmp", json.dumps(data))
        os.rename(self.scenario_file + ".tmp", self.scenario_file)

    def requests(self):
        try:
            with open(self.requests_file) as f:
                return [json.loads(line) for line in f if line.strip()]
        except OSError:
            return []

    def start(self, detach=False):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        log = open(self.log_file, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, LICSRV, "--cert", self.cert, "--key", self.key,
             "--scenario", self.scenario_file, "--port-file", self.port_file,
             "--requests", self.requests_file,
             "--listen", "127.0.0.1:%d" % self.port],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=detach)
        log.close()
        ok = env.wait_until(lambda: self.proc.poll() is not None
                            or os.path.exists(self.port_file), 15)
        if self.proc.poll() is not None or not ok:
            raise RuntimeError("licsrv did not start:\n%s"
                               % env.tail(self.log_file))
        with open(self.port_file) as f:
            self.port = int(f.read())
        return self

    def stop(self):
        if self.proc is not None:
            env.terminate(self.proc.pid, 10, proc=self.proc)
            self.proc = None
