"""docker_standin.py: a stand-in Docker Engine API on a unix socket, serving recorded engine 20.10 responses.

For tests that need docker_health_exporter's metrics without a real engine (content checks):
    s = DockerStandin(fixtures_dir, socket_path); s.start(); ... s.stop()
Serves, under any /vX.Y prefix:
- GET /version: Docker 20.10.24's answer (API 1.41) -- written here, the only synthesized reply;
- GET /containers/{id}/json: the recorded inspects (fixtures docker/real-dockerd-20.10/inspect_*.json,
  and watchtower's container_running.json, which has a bind mount), unchanged; other ids: 404;
- GET /containers/json: one entry per recorded inspect (Id, Names, State from it);
- GET /events: the recorded event stream docker/real-dockerd-20.10/events_health.jsonl, chunked, then
  the connection stays open (an idle stream) until the client or stop() closes it.
Standard library only.
"""
import glob
import json
import os
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler

VERSION = {"Version": "20.10.24+dfsg1", "ApiVersion": "1.41", "MinAPIVersion": "1.12", "Os": "linux",
           "Arch": "amd64"}


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class DockerStandin:
    def __init__(self, fixtures, sock):
        self.sock = sock
        self.host = "unix://" + sock
        self.inspects = {}
        files = sorted(glob.glob(os.path.join(fixtures, "docker", "real-dockerd-20.10", "inspect_*.json")))
        files.append(os.path.join(fixtures, "docker", "watchtower", "container_running.json"))
        for path in files:
            with open(path, "rb") as f:
                raw = f.read()
            self.inspects[json.loads(raw)["Id"]] = raw
        with open(os.path.join(fixtures, "docker", "real-dockerd-20.10", "events_health.jsonl"), "rb") as f:
            self.events = [ln for ln in f.read().splitlines() if ln.strip()]
        self.stopping = threading.Event()
        self.server = None

    def _list(self):
        out = []
        for raw in self.inspects.values():
            c = json.loads(raw)
            out.append({"Id": c["Id"], "Names": [c["Name"]], "Image": c["Config"]["Image"],
                        "State": c["State"]["Status"], "Labels": c["Config"].get("Labels") or {}})
        return json.dumps(out).encode()

    def start(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def address_string(self):
                return "unix"

            def reply(self, code, body):
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = self.path.split("?")[0]
                parts = path.strip("/").split("/")
                if parts and parts[0].startswith("v1."):
                    parts = parts[1:]
                if parts == ["version"]:
                    return self.reply(200, json.dumps(VERSION).encode())
                if parts == ["containers", "json"]:
                    return self.reply(200, standin._list())
                if len(parts) == 3 and parts[0] == "containers" and parts[2] == "json":
                    raw = standin.inspects.get(parts[1])
                    if raw is None:
                        return self.reply(404, b'{"message":"No such container: ' + parts[1].encode() + b'"}')
                    return self.reply(200, raw)
                if parts == ["events"]:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for line in standin.events:
                        data = line + b"\n"
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                    while not standin.stopping.wait(0.2):
                        pass
                    self.close_connection = True
                    return None
                return self.reply(404, b'{"message":"page not found"}')

        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self.server = _Server(self.sock, Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        deadline = time.monotonic() + 5
        while not os.path.exists(self.sock) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self):
        self.stopping.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
        if os.path.exists(self.sock):
            os.unlink(self.sock)

    close = stop
