#!/usr/bin/python3
"""http_standin.py: an HTTP(S) server on 127.0.0.1 that records every request, standing in for ntfy, Gotify, Pushover and webhooks.

usage: http_standin.py --log FILE --port-file FILE [--tls CERT KEY] [--mode record|silent]

record (default): each request is appended to FILE as one JSON line
  {"method", "path", "headers": [[name, value]...], "body_b64"}
and answered by its path: /code/NNN/... answers status NNN, /redirect/... answers 302 to
https://elsewhere.invalid/, /hang/... never answers, anything else answers 200 with a JSON body
shaped like the services' own ({"status":1,"request":...} for Pushover, an id for the others).
silent: accepts connections and never reads or writes (a notifier that hangs before HTTP).
The chosen port is written to the port file once the server listens. Stop it with SIGTERM.
"""
import argparse
import base64
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(data)
    os.rename(tmp, path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_path = None

    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        record = {
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body_b64": base64.b64encode(body).decode(),
        }
        with LOCK:
            with open(self.log_path, "a") as f:
                f.write(json.dumps(record) + "\n")
        parts = self.path.split("/")
        if len(parts) > 1 and parts[1] == "hang":
            time.sleep(120)
            return
        status, extra = 200, {}
        if len(parts) > 2 and parts[1] == "code":
            status = int(parts[2])
        if len(parts) > 1 and parts[1] == "redirect":
            status, extra = 302, {"Location": "https://elsewhere.invalid/"}
        if status == 200:
            payload = {"status": 1, "request": "standin-%d" % time.time_ns(), "id": 1}
        else:
            payload = {"status": 0, "errors": ["stand-in answered %d" % status], "error": "stand-in"}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_PUT = do_GET = handle_any


def silent(port_file):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    write_atomic(port_file, str(sock.getsockname()[1]))
    held = []
    while True:
        conn, _ = sock.accept()
        held.append(conn)  # never read, never answer, never close


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--mode", choices=["record", "silent"], default="record")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    if args.mode == "silent":
        silent(args.port_file)
        return
    Handler.log_path = args.log
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*args.tls)
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    write_atomic(args.port_file, str(httpd.server_address[1]))
    httpd.serve_forever()


if __name__ == "__main__":
    main()
