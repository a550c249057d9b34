"""A listener of a test's own on 127.0.0.1 that records every byte it
receives, to show what a client sent there (or that nothing came):

    with Recorder() as rec:
        ... point something at "127.0.0.1:%d" % rec.port ...
        rec.connections          # how many were accepted
        rec.received()           # all the bytes, as one bytes object

Each connection is read until its HTTP request is complete (headers and
Content-Length bytes of body), or 2 s pass, then answered with a 500 and
closed, so a client never waits for its timeout. Only the standard
library: the suite runs with Debian's python3 and no pip.
"""
import socket
import threading
import time


class Recorder:

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.chunks = []
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping = True
        self.thread.join(10)
        self.sock.close()

    def received(self):
        with self.lock:
            return b"".join(self.chunks)

    def _serve(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with self.lock:
                self.connections += 1
            with conn:
                self._read(conn)

    def _read(self, conn):
        conn.settimeout(0.2)
        data = b""
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and not self._complete(data):
            try:
                more = conn.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not more:
                break
            data += more
            with self.lock:
                self.chunks.append(more)
        try:
            conn.sendall(b"HTTP/1.1 500 Recorded\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
        except OSError:
            pass

    @staticmethod
    def _complete(data):
        head, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            return False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                return len(body) >= int(value.strip() or 0)
        return True
