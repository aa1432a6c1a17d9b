#!/usr/bin/python3
"""test_http.py: the shared HTTP layer of every exporter, against a real binary.

Plain HTTP (landing page, /metrics content type, gzip, HEAD, 404, 405, keep-alive, health/readiness),
promtool check metrics on the served output, basic auth with bcrypt users (good/bad/missing
credentials), TLS (server cert, min_version), mutual TLS, invalid web configs refused at start with the
key named, flag errors, --once/--output, failure reporting, scrapes never waiting for a collection.
"""
import argparse
import gzip
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", "."), "tests", "lib"))
from homeops_test import (Checks, Proc, bcrypt_hash, http, make_certs, metric_value, promtool_check_metrics,
                          start_exporter, wait_metric)

ap = argparse.ArgumentParser()
ap.add_argument("--binary", required=True)
ap.add_argument("--prefix", required=True)
ap.add_argument("--extra", action="append", default=[], help="extra flags for the binary")
args = ap.parse_args()
B, P, X = args.binary, args.prefix, args.extra
check = Checks()
tmp = tempfile.mkdtemp(prefix="homeops-http-")


def test_plain():
    p, port = start_exporter(B, *X)
    try:
        m, text = wait_metric(port, rf"^{P}_up ")
        r = http(port)
        check("GET /metrics is 200", r.status == 200, r.status)
        check("content type is the 0.0.4 text format",
              r.headers.get("content-type") == "text/plain; version=0.0.4; charset=utf-8", r.headers)
        check("not compressed unless asked", "content-encoding" not in r.headers)
        promtool_check_metrics(r.text())
        check("promtool check metrics: no findings", True)
        for name in ("process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds",
                     "process_max_fds", "process_start_time_seconds", "process_virtual_memory_bytes",
                     f"{P}_collect_duration_seconds", f"{P}_last_collect_timestamp_seconds"):
            check(f"exports {name}", metric_value(r.text(), name) is not None)
        check("build_info has version and revision", f'{P}_build_info{{revision="' in r.text() or
              f'{P}_build_info{{version=' in r.text(), r.text()[:2000])
        g = http(port, headers={"Accept-Encoding": "gzip"})
        check("gzip when asked", g.headers.get("content-encoding") == "gzip", g.headers)
        check("gzip body decompresses", gzip.decompress(g.body).decode().startswith("# HELP"))
        check("Vary: Accept-Encoding", g.headers.get("vary") == "Accept-Encoding")
        n = http(port, headers={"Accept-Encoding": "gzip;q=0, identity"})
        check("gzip;q=0 is honoured", "content-encoding" not in n.headers)
        h = http(port, method="HEAD")
        check("HEAD has no body", h.status == 200 and h.body == b"")
        check("404 for unknown path", http(port, "/nope").status == 404)
        r405 = http(port, method="POST", body=b"x")
        check("405 for POST /metrics", r405.status == 405, r405.status)
        check("405 carries Allow", "GET" in r405.headers.get("allow", ""), r405.headers)
        land = http(port, "/")
        check("landing page links the metrics", land.status == 200 and b'href="/metrics"' in land.body)
        check("landing page is HTML", land.headers.get("content-type", "").startswith("text/html"))
        check("/-/healthy", http(port, "/-/healthy").status == 200)
        check("/-/ready after a collection", http(port, "/-/ready").status == 200)
        # keep-alive: several requests on one connection, no Connection: close
        import http.client as httpclient
        c = httpclient.HTTPConnection("127.0.0.1", port, timeout=5)
        for _ in range(3):
            rr = http(port, conn=c)
            check("keep-alive response", rr.status == 200 and rr.headers.get("connection", "") != "close",
                  rr.headers)
        c.close()
        big = http(port, "/metrics?x=" + "a" * 100)
        check("query string ignored", big.status == 200)
    finally:
        check("SIGTERM exits 0", p.stop() == 0, p.output())
        p.close()


def wait_ready(port, ctx=None, timeout=30.0):
    """/-/ready (open without credentials): the first collection has finished; before it, /metrics
    answers 503, which a loaded machine makes likely right after start."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http(port, "/-/ready", tls=ctx).status == 200:
            return
        time.sleep(0.1)
    raise AssertionError(f"port {port}: not ready within {timeout}s")


def test_basic_auth():
    wc = os.path.join(tmp, "auth.yml")
    with open(wc, "w") as f:
        f.write(f"basic_auth_users:\n  alice: {bcrypt_hash('correct horse', cost=13)}\n")
    p, port = start_exporter(B, f"--web.config.file={wc}", *X)
    try:
        wait_ready(port)
        import base64
        def auth(u, pw):
            return {"Authorization": "Basic " + base64.b64encode(f"{u}:{pw}".encode()).decode()}
        r = http(port)
        check("no credentials: 401", r.status == 401, r.status)
        check("401 asks for basic auth", r.headers.get("www-authenticate", "").startswith("Basic"), r.headers)
        check("wrong password: 401", http(port, headers=auth("alice", "wrong")).status == 401)
        check("unknown user: 401", http(port, headers=auth("mallory", "correct horse")).status == 401)
        check("garbage header: 401", http(port, headers={"Authorization": "Basic !!!"}).status == 401)
        ok = http(port, headers=auth("alice", "correct horse"))
        check("right password: 200", ok.status == 200, ok.status)
        # cost 13: one bcrypt is ~0.5 s, so 20 uncached checks would take ~10 s (an order-of-magnitude check)
        t0 = time.monotonic()
        for _ in range(20):
            assert http(port, headers=auth("alice", "correct horse")).status == 200
        took = time.monotonic() - t0
        check(f"successful checks are cached (20 scrapes in {took:.2f}s)", took < 4)
        check("landing page needs auth too", http(port, "/").status == 401)
        check("/-/healthy stays open", http(port, "/-/healthy").status == 200)
    finally:
        p.close()


def tls_ctx(certs, client=False, maxv=None):
    ctx = ssl.create_default_context(cafile=certs["ca.crt"])
    if client:
        ctx.load_cert_chain(certs["client.crt"], certs["client.key"])
    if maxv:
        ctx.maximum_version = maxv
    return ctx


def test_tls():
    certs = make_certs(tmp)
    wc = os.path.join(tmp, "tls.yml")
    with open(wc, "w") as f:
        f.write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                "http_server_config:\n  headers:\n    X-Homeops-Test: yes-it-is\n")
    p, port = start_exporter(B, f"--web.config.file={wc}", *X)
    try:
        wait_ready(port, tls_ctx(certs))
        r = http(port, tls=tls_ctx(certs))
        check("TLS scrape verified against the CA", r.status == 200, r.status)
        check("configured response header", r.headers.get("x-homeops-test") == "yes-it-is", r.headers)
        g = http(port, tls=tls_ctx(certs), headers={"Accept-Encoding": "gzip"})
        check("gzip over TLS carries the header too", g.headers.get("x-homeops-test") == "yes-it-is")
        try:
            http(port, timeout=3)
            plain_ok = True
        except Exception:
            plain_ok = False
        check("plain HTTP to the TLS port fails", not plain_ok)
    finally:
        p.close()

    wc13 = os.path.join(tmp, "tls13.yml")
    with open(wc13, "w") as f:
        f.write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n")
    p, port = start_exporter(B, f"--web.config.file={wc13}", *X)
    try:
        wait_ready(port, tls_ctx(certs))
        check("TLS 1.3 accepted", http(port, tls=tls_ctx(certs)).status == 200)
        try:
            http(port, tls=tls_ctx(certs, maxv=ssl.TLSVersion.TLSv1_2), timeout=3)
            old_ok = True
        except Exception:
            old_ok = False
        check("TLS 1.2 refused with min_version TLS13", not old_ok)
    finally:
        p.close()

    wcm = os.path.join(tmp, "mtls.yml")
    with open(wcm, "w") as f:
        f.write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n")
    p, port = start_exporter(B, f"--web.config.file={wcm}", *X)
    try:
        wait_ready(port, tls_ctx(certs, client=True))
        check("mTLS with a client certificate", http(port, tls=tls_ctx(certs, client=True)).status == 200)
        try:
            r = http(port, tls=tls_ctx(certs), timeout=3)
            anon = r.status == 200
        except Exception:
            anon = False
        check("mTLS without a client certificate is refused", not anon)
    finally:
        p.close()


def refuse(argv, needle, what):
    r = subprocess.run([B, "--web.listen-address=127.0.0.1:0"] + argv + X, capture_output=True, timeout=30)
    out = (r.stdout + r.stderr).decode(errors="replace")
    check(what, r.returncode != 0 and needle in out, f"rc={r.returncode}\n{out}")


def test_refusals():
    bad = os.path.join(tmp, "bad.yml")
    with open(bad, "w") as f:
        f.write("basic_auth_users:\n  bob: notahash\n")
    refuse([f"--web.config.file={bad}"], "basic_auth_users.bob", "invalid web config names the key")
    with open(bad, "w") as f:
        f.write("tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: /nonexistent.key\n")
    refuse([f"--web.config.file={bad}"], "cert_file", "unreadable certificate names the key")
    refuse([f"--web.config.file={tmp}/missing.yml"], "missing.yml", "missing web config file is named")
    refuse(["--no-such-flag"], "--no-such-flag", "unknown flag is named")
    refuse(["--log.level=loud"], "--log.level", "invalid flag value is named")
    refuse(["--web.listen-address=nonsense"], "nonsense", "invalid listen address is named")
    r = subprocess.run([B, "--version"], capture_output=True, timeout=10)
    check("--version", r.returncode == 0 and b"version" in r.stdout, r.stdout)
    r = subprocess.run([B, "--help"], capture_output=True, timeout=10)
    check("--help lists the shared flags", r.returncode == 0 and b"--web.telemetry-path" in r.stdout)


def test_once():
    r = subprocess.run([B, "--once"] + X, capture_output=True, timeout=120)
    check("--once prints the exposition", r.returncode == 0 and f"{P}_up".encode() in r.stdout,
          r.stderr.decode(errors="replace"))
    promtool_check_metrics(r.stdout.decode())
    out = os.path.join(tmp, "textfile.prom")
    r = subprocess.run([B, "--once", f"--output={out}"] + X, capture_output=True, timeout=120)
    check("--once --output writes the file", r.returncode == 0 and os.path.exists(out))
    check("no temporary file left behind", [f for f in os.listdir(tmp) if f.startswith("textfile.prom.tmp")] == [])


def test_failures_and_never_waiting():
    if P != "test":
        return
    flag = os.path.join(tmp, "fail-now")
    p, port = start_exporter(B, "--test.interval=1s", f"--test.fail-file={flag}")
    try:
        wait_metric(port, r"^test_up 1$")
        open(flag, "w").close()
        m, text = wait_metric(port, r'^test_collect_errors_total\{reason="injected"\} [1-9]')
        check("failure shows as up 0", metric_value(text, "test_up") == 0, text)
        check("failure log names the reason", 'reason=injected' in p.output(), p.output())
        os.unlink(flag)
        wait_metric(port, r"^test_up 1$")
        check("recovers when the source is back", "collection recovered" in p.output())
    finally:
        p.close()
    p, port = start_exporter(B, "--test.interval=1s", "--test.delay=3s")
    try:
        wait_metric(port, r"^test_up 1$", timeout=30)
        worst = 0
        for _ in range(40):
            t0 = time.monotonic()
            assert http(port).status == 200
            worst = max(worst, time.monotonic() - t0)
            time.sleep(0.05)
        check(f"scrapes never wait for a 3s collection (worst {worst*1000:.1f} ms)", worst < 1.0)
    finally:
        p.close()
    # refreshed process metrics without a new collection
    p, port = start_exporter(B, "--test.interval=1h")
    try:
        _, t1 = wait_metric(port, r"^test_up 1$")
        time.sleep(6)
        http(port)
        time.sleep(0.5)
        t2 = http(port).text()
        check("process_* refresh between collections",
              metric_value(t1, "process_open_fds") is not None and
              metric_value(t2, "test_collections_total") == metric_value(t1, "test_collections_total") and
              t1 != t2)
    finally:
        p.close()


try:
    test_plain()
    test_basic_auth()
    test_tls()
    test_refusals()
    test_once()
    test_failures_and_never_waiting()
finally:
    subprocess.run(["rm", "-rf", tmp])
print(f"all {check.n} checks passed")
