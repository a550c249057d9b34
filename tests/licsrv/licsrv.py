#!/usr/bin/python3
"""A licensing server for the tests and the demo, on loopback, over HTTPS
(Python's standard library only). It speaks the protocol of
lib/oxt_licsrv.h: a POST of action=activate&code=... or
action=renew&number=... (with ip and version), answered from a scenario
file that the test (or the demo) writes and may change at any time; the
answers in it are minted beforehand by tools/license/oxt-license, so this
server holds no private key.

    licsrv.py --cert CERT --key KEY --scenario FILE --port-file FILE
              [--listen 127.0.0.1:0] [--requests FILE]

The scenario (JSON, read again for every request):

    {"codes":   {"CODE": "answer text", ...},      action=activate
     "numbers": {"KEY-NUMBER": "answer text", ...}, action=renew
     "unknown": "answer text",         any other code or number
     "delay":   0.0,                   seconds to wait before answering
     "mode":    "answer"}              or "garbage", "http500",
                                       "oversized", "close"

Every request is appended to --requests as one JSON line (action, code or
number, ip, version), so a test can check what the product sent.
"""
import argparse
import http.server
import json
import os
import ssl
import sys
import time
import urllib.parse

MAX_BODY = 4096


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "oxt-licsrv"

    def log_message(self, fmt, *args):
        sys.stderr.write("licsrv: " + (fmt % args) + "\n")

    def scenario(self):
        try:
            with open(self.server.scenario_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def record(self, form):
        if not self.server.requests_path:
            return
        entry = {k: v[0] for k, v in form.items()}
        with open(self.server.requests_path, "a") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer_for(self, sc, form):
        action = form.get("action", [""])[0]
        table, key = (("codes", "code") if action == "activate"
                      else ("numbers", "number"))
        value = form.get(key, [""])[0]
        text = sc.get(table, {}).get(value, sc.get("unknown"))
        if text is None:
            text = ("OXTENDER LICENSING ANSWER 1\nstatus: refused\n"
                    "message: Unknown %s\n" % key)
        return text.encode("utf-8")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.reply(413, b"too large\n")
            return
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(
            "utf-8", "replace"))
        self.record(form)
        sc = self.scenario()
        time.sleep(float(sc.get("delay", 0)))
        mode = sc.get("mode", "answer")
        if mode == "close":
            self.close_connection = True
            self.connection.shutdown(2)
        elif mode == "http500":
            self.reply(500, b"internal error\n")
        elif mode == "garbage":
            self.reply(200, b"<html><body>It works!</body></html>\n")
        elif mode == "oversized":
            self.reply(200, b"OXTENDER LICENSING ANSWER 1\n" + b"x" * 65536)
        else:
            self.reply(200, self.answer_for(sc, form))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--requests")
    args = ap.parse_args()
    host, port = args.listen.rsplit(":", 1)
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("licsrv: listens on loopback only")
    httpd = http.server.ThreadingHTTPServer((host, int(port)), Handler)
    httpd.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    httpd.scenario_path = args.scenario
    httpd.requests_path = args.requests
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % httpd.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
