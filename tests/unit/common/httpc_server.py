#!/usr/bin/env python3
"""httpc_server.py: the local HTTP/1.1 server test_httpclient starts (TCP on 127.0.0.1 and a unix socket).

usage: httpc_server.py UNIX_SOCKET_PATH
Prints the TCP port on the first line of stdout once both listeners are up, then serves until
killed (SIGTERM), or until stdin closes (its parent died). Counts accepted connections per
listener: GET /conns answers "<tcp> <unix>".
"""
import os
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

COUNTS = {"tcp": 0, "unix": 0}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    kind = "tcp"

    def setup(self):
        with LOCK:
            COUNTS[self.kind] += 1
        super().setup()

    def log_message(self, *args):
        pass

    def reply(self, code, body, ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def start_chunked(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def do_GET(self):
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        if u.path == "/hello":
            self.reply(200, b"hello " + self.kind.encode())
        elif u.path == "/conns":
            with LOCK:
                self.reply(200, b"%d %d" % (COUNTS["tcp"], COUNTS["unix"]))
        elif u.path == "/big":
            self.reply(200, b"x" * int(q.get("n", "0")))
        elif u.path == "/slow":
            time.sleep(float(q.get("s", "1")))
            self.reply(200, b"late")
        elif u.path == "/status":
            self.reply(int(q.get("code", "500")), b"oops: " + q.get("msg", "").encode())
        elif u.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://elsewhere.invalid/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif u.path == "/stream":
            # lines cut across chunks and reads, a CRLF line, an empty line, a last line without newline
            self.start_chunked()
            for part in (b'{"a":1}\n{"b"', b':2}\n{"c":', b'3}\r\n\n', b'{"d":4}\n{"e":', b'5}'):
                self.chunk(part)
                time.sleep(0.05)
            self.chunk(b"")
        elif u.path == "/forever":
            # one line every 0.1 s, never ending (cancel test); stops when the client goes away
            self.start_chunked()
            try:
                n = 0
                while True:
                    self.chunk(b'{"n":%d}\n' % n)
                    n += 1
                    time.sleep(0.1)
            except OSError:
                self.close_connection = True
        elif u.path == "/stall":
            # one line, then silence: a dead peer for the idle timeout
            self.start_chunked()
            self.chunk(b'{"first":true}\n')
            time.sleep(float(q.get("s", "10")))
            self.close_connection = True
        elif u.path == "/longline":
            self.start_chunked()
            for _ in range(int(q.get("n", "10"))):
                self.chunk(b"y" * 1000)
            self.chunk(b"\n")
            self.chunk(b"")
        else:
            self.reply(404, b"not found")

    def do_HEAD(self):
        self.do_GET()

    def echo(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if n else b""
        out = "%s %s\nx-test: %s\nauthorization: %s\nexpect: %s\n" % (
            self.command, self.path, self.headers.get("X-Test", "-"),
            self.headers.get("Authorization", "-"), self.headers.get("Expect", "-"))
        self.reply(200, out.encode() + body)

    do_POST = echo
    do_PUT = echo
    do_DELETE = echo


class UnixHandler(Handler):
    kind = "unix"

    def address_string(self):
        return "unix"


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that went away (cancel, timeout tests)


class TCPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


def main():
    path = sys.argv[1]
    tcp = TCPServer(("127.0.0.1", 0), Handler)
    unix = UnixServer(path, UnixHandler)
    for srv in (tcp, unix):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(tcp.server_address[1], flush=True)
    # the parent holds our stdin open; when it dies, so do we
    sys.stdin.read()
    os.unlink(path)


if __name__ == "__main__":
    main()
