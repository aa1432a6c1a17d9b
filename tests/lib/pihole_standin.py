"""pihole_standin.py: a Pi-hole stand-in HTTP server for tests: real recorded answers, Pi-hole's session rules.

Serves the recorded v6 answers (../shared/fixtures/pihole/v6-real, v6-spec-examples) or v5 answers
(pihole/v5) and enforces what pi-hole/FTL's src/api/auth.c does (SHAPE-NOTES.md): a limited number
of seats (429 api_seats_exceeded when full), sessions that expire `validity` seconds after their
last use (401 afterwards), wrong password 401 {"session":{"valid":false,...}}, logout 204 with an
empty body (404 for an unknown session), the sid in the X-FTL-SID header or the sid parameter.
Modes: "v6", "v5", "hang" (accepts connections and never answers), "broken" (v6 login, then an HTML
error page with status 200 for every data endpoint, as a misconfigured proxy does). Counts logins, logouts and
requests; tests read them (and steer it) on a side endpoint:
  GET  /_standin/stats          -> {"logins": n, "logins_ok": n, "logouts": n, "sessions": n, "requests": {path: n}}
  POST /_standin/expire         -> every session expires now (as if its validity had passed)
  POST /_standin/fill           -> every free seat is taken by another client
  POST /_standin/mode?m=hang    -> switch mode (v6, v5, hang)
Usage as a library: s = Standin(fixtures, mode="v6", password="pw"); s.port; s.stats(); s.close().
Standard library only.
"""
import http.server
import json
import os
import secrets
import socket
import socketserver
import threading
import time
import urllib.parse

V6_FILES = {
    "/api/stats/summary": "v6-real/stats_summary.v6.0.5.netdata.json",
    "/api/dns/blocking": "v6-spec-examples/GET_dns_blocking__200.json",
    "/api/stats/upstreams": "v6-spec-examples/GET_stats_upstreams__200.json",
    "/api/stats/query_types": "v6-spec-examples/GET_stats_query_types__200.json",
    "/api/info/version": "v6-spec-examples/GET_info_version__200.json",
    "/api/info/ftl": "v6-spec-examples/GET_info_ftl__200.json",
    "/api/stats/top_domains": "v6-spec-examples/GET_stats_top_domains__200.json",
    "/api/stats/top_clients": "v6-spec-examples/GET_stats_top_clients__200.json",
}
V5_FILES = {
    "summaryRaw": "v5/summaryRaw.openhab.json",
    "getQueryTypes": "v5/getQueryTypes.netdata-godplugin.json",
    "getForwardDestinations": "v5/getForwardDestinations.netdata-godplugin-2019.json",
    "versions": "v5/versions.n8n-nodes-pihole.json",
    "topItems": "v5/topItems.netdata-godplugin.json",
    "topClients": "v5/topClients.netdata-godplugin.json",
}
UNAUTHORIZED = "v6-spec-examples/GET_info_ftl__401.json"
SEATS = "v6-spec-examples/POST_auth__429__no_seats.json"


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Standin:
    def __init__(self, fixtures, mode="v6", password="pw", seats=16, validity=1800.0, port=0):
        self.dir = os.path.join(fixtures, "pihole")
        self.mode = mode
        self.password = password            # None: no password set
        self.seats = seats
        self.validity = validity
        self.lock = threading.Lock()
        self.sessions = {}                  # sid -> valid until (monotonic)
        self.logins = 0
        self.logins_ok = 0
        self.logouts = 0
        self.requests = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.release_hang = threading.Event()
        handler = self._handler()
        self.httpd = _Server(("127.0.0.1", port), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def read(self, rel):
        with open(os.path.join(self.dir, rel), "rb") as f:
            return f.read()

    def stats(self):
        with self.lock:
            self._expire()
            return {"logins": self.logins, "logins_ok": self.logins_ok, "logouts": self.logouts,
                    "sessions": len(self.sessions), "requests": dict(self.requests),
                    "max_in_flight": self.max_in_flight}

    def close(self):
        self.release_hang.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _expire(self):
        now = time.monotonic()
        for sid in [s for s, until in self.sessions.items() if until <= now]:
            del self.sessions[sid]

    def _handler(self):
        st = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                # headers and body are two writes: without this, Nagle + delayed ACK cost 40 ms each
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def send(self, code, body=b"", ctype="application/json"):
                self.send_response(code)
                if code != 204:
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if code != 204 and body:
                    self.wfile.write(body)

            def body_json(self):
                n = int(self.headers.get("Content-Length") or 0)
                try:
                    return json.loads(self.rfile.read(n) or b"null")
                except ValueError:
                    return None

            def sid(self, q):
                return self.headers.get("X-FTL-SID") or (q.get("sid") or [None])[0]

            def handle_one(self, method):
                u = urllib.parse.urlsplit(self.path)
                q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
                if u.path.startswith("/_standin/"):
                    return self.side(method, u.path, q)
                with st.lock:
                    key = f"{method} {u.path}" + (f"?{next(iter(q))}" if u.path.endswith("api.php") and q else "")
                    st.requests[key] = st.requests.get(key, 0) + 1
                    st.in_flight += 1
                    st.max_in_flight = max(st.max_in_flight, st.in_flight)
                    mode = st.mode
                try:
                    if mode == "hang":
                        st.release_hang.wait(3600)
                        return
                    if mode == "v5":
                        return self.v5(u, q)
                    return self.v6(method, u, q)
                finally:
                    with st.lock:
                        st.in_flight -= 1

            def side(self, method, path, q):
                if path == "/_standin/stats":
                    return self.send(200, json.dumps(st.stats()).encode())
                with st.lock:
                    if path == "/_standin/expire":
                        st.sessions.clear()
                    elif path == "/_standin/fill":
                        while len(st.sessions) < st.seats:
                            st.sessions[secrets.token_urlsafe(16)] = time.monotonic() + st.validity
                    elif path == "/_standin/mode":
                        st.mode = q["m"][0]
                self.send(200, b"{}")

            def v6(self, method, u, q):
                if u.path == "/api/auth":
                    return self.auth(method, q)
                f = V6_FILES.get(u.path)
                if f is not None and st.mode == "broken":
                    return self.send(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
                if f is None:
                    return self.send(404, b'{"error":{"key":"not_found","message":"Not found","hint":"%s"},"took":0}'
                                     % u.path.encode())
                if st.password is not None:
                    sid = self.sid(q)
                    with st.lock:
                        st._expire()
                        ok = sid in st.sessions
                        if ok:  # FTL extends a session on every use
                            st.sessions[sid] = time.monotonic() + st.validity
                    if not ok:
                        return self.send(401, st.read(UNAUTHORIZED))
                self.send(200, st.read(f))

            def auth(self, method, q):
                took = ',"took":0.0001}'
                if method == "GET":
                    if st.password is None:
                        return self.send(200, ('{"session":{"valid":true,"totp":false,"sid":null,"validity":-1,'
                                               '"message":"no password set"}' + took).encode())
                    sid = self.sid(q)
                    with st.lock:
                        st._expire()
                        ok = sid in st.sessions
                    if ok:
                        return self.send(200, ('{"session":{"valid":true,"totp":false,"sid":null,"validity":%d,'
                                               '"message":null}' % st.validity + took).encode())
                    return self.send(401, ('{"session":{"valid":false,"totp":false,"sid":null,"validity":-1,'
                                           '"message":"password incorrect"}' + took).encode())
                if method == "DELETE":
                    sid = self.sid(q)
                    with st.lock:
                        st._expire()
                        if sid in st.sessions:
                            del st.sessions[sid]
                            st.logouts += 1
                            found = True
                        else:
                            found = False
                    return self.send(204) if found else self.send(404, b'{"took":0.0001}')
                body = self.body_json()
                with st.lock:
                    st.logins += 1
                    st._expire()
                    if st.password is None:
                        return self.send(200, ('{"session":{"valid":true,"totp":false,"sid":null,"validity":-1,'
                                               '"message":"no password set"}' + took).encode())
                    if not isinstance(body, dict) or body.get("password") != st.password:
                        return self.send(401, ('{"session":{"valid":false,"totp":false,"sid":null,"validity":-1,'
                                               '"message":"password incorrect"}' + took).encode())
                    if len(st.sessions) >= st.seats:
                        return self.send(429, st.read(SEATS))
                    sid = secrets.token_urlsafe(16)
                    st.sessions[sid] = time.monotonic() + st.validity
                    st.logins_ok += 1
                self.send(200, ('{"session":{"valid":true,"totp":false,"sid":"%s","csrf":"%s","validity":%d,'
                                '"message":"password correct"}' % (sid, secrets.token_urlsafe(8), st.validity)
                                + took).encode())

            def v5(self, u, q):
                if u.path != "/admin/api.php":
                    return self.send(404, b"<html>404 Not Found</html>", "text/html")
                what = next((k for k in q if k in V5_FILES), None)
                if what is None:
                    return self.send(200, b"[]")
                if what != "versions" and st.password is not None and (q.get("auth") or [None])[0] != st.password:
                    return self.send(200, b"[]")
                self.send(200, st.read(V5_FILES[what]))

            def do_GET(self):
                self.handle_one("GET")

            def do_POST(self):
                self.handle_one("POST")

            def do_DELETE(self):
                self.handle_one("DELETE")

        return H


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixtures", default=os.environ.get("HOMEOPS_FIXTURES", "../shared/fixtures"))
    ap.add_argument("--mode", default="v6", choices=("v6", "v5", "hang", "broken"))
    ap.add_argument("--password")
    ap.add_argument("--seats", type=int, default=16)
    ap.add_argument("--validity", type=float, default=1800)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    s = Standin(a.fixtures, a.mode, a.password, a.seats, a.validity, a.port)
    print(f"listening on 127.0.0.1:{s.port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        s.close()
