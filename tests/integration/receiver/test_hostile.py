#!/usr/bin/python3
"""test_hostile.py: issue 8's hostile clients against a real remediation_receiver on 127.0.0.1:
pages need the API's credentials, cross-site (text/plain, foreign Origin) posts refused, foreign Host
421, slowloris, bcrypt flood, dripped body cut, chunked body over the limit 413, security headers,
an 81,000-label webhook, memory after a burst of 1 MiB bodies.
usage: test_hostile.py [TEST...]   (ctest runs each test as its own entry)"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from harness import Receiver, alert, payload, run_tests  # noqa: E402
from hostile_clients import (PasswordFlood, Slowloris, basic, chunked_post, cpu_seconds,  # noqa: E402
                             drip_body, post_raw, request, timed_get, uss_bytes)
from homeops_test import bcrypt_hash  # noqa: E402

TOKEN = "s3cret-token"
BEARER = {"Authorization": "Bearer " + TOKEN}

AUTHCFG = """
receivers:
  - {name: am, path: /webhook, bearer_token_file: "@TMP@/token"}
playbooks:
  dump: {command: ["@PLAYBOOKS@/dump-env"], env: {OUT_DIR: "@OUT@"}, timeout: 20s}
routes:
  - {matchers: ['alertname=~"Dump.*|Flood.*"'], playbook: dump}
"""

OPEN = """
playbooks:
  dump: {command: ["@PLAYBOOKS@/dump-env"], env: {OUT_DIR: "@OUT@"}}
routes:
  - {matchers: ['alertname=~"Dump.*"'], playbook: dump}
"""


def say(msg):
    print(msg, flush=True)


def authed(extra_args=(), web_cost=None):
    r = Receiver(AUTHCFG, extra_args=list(extra_args))
    with open(os.path.join(r.tmp, "token"), "w") as f:
        f.write(TOKEN + "\n")
    if web_cost:
        web = os.path.join(r.tmp, "web.yml")
        with open(web, "w") as f:
            f.write("basic_auth_users:\n  admin: %s\n" % bcrypt_hash("admin-pw", cost=web_cost))
        r.extra_args.append("--web.config.file=" + web)
    r.token = TOKEN
    return r


def test_pages_need_auth():
    r = authed(web_cost=4)
    try:
        r.start()
        assert r.post(payload(alert("Dump")))[0] == 200
        r.wait_idle()
        run_id = r.runs()[0]["id"]
        for path in ("/", "/ui/runs/%d" % run_id):
            st, _, _ = r.request("GET", path)
            assert st == 401, (path, st)
            st, body, _ = r.request("GET", path, headers=BEARER)
            assert st == 200, (path, st)
            st, body, _ = r.request("GET", path, headers=basic("admin", "admin-pw"))
            assert st == 200 and b"dump" in body, (path, st)
            assert r.request("GET", path, headers=basic("admin", "nope"))[0] == 401
        say("pages: 401 without credentials, 200 with the webhook token or a web user")
    finally:
        r.cleanup()


def test_csrf_text_plain_post_refused():
    r = Receiver(OPEN)   # loopback, nothing configured: the API is open, so only CSRF checks stand
    try:
        r.start()
        port = r.port
        for path in ("/api/v1/pause", "/api/v1/playbooks/dump/disable", "/-/reload", "/api/v1/runs"):
            st, _, body = request(port, "POST", path, body='{"alert_id": 1, "playbook": "dump"}',
                                  headers={"Content-Type": "text/plain"})
            assert st == 403, (path, st, body)
        st, _, _ = request(port, "POST", "/api/v1/pause", body="{}",
                           headers={"Content-Type": "application/json", "Origin": "http://evil.example"})
        assert st == 403, st
        s = r.api("status")
        assert s["paused"] is False and all(p["enabled"] for p in s["playbooks"]), s
        # the same requests as a script or the page itself sends them
        st, _, _ = request(port, "POST", "/api/v1/pause", body="{}", headers={"Content-Type": "application/json"})
        assert st == 200, st
        st, _, _ = request(port, "POST", "/api/v1/resume", headers={"X-Requested-With": "curl",
                                                                     "Origin": "http://127.0.0.1:%d" % port})
        assert st == 200, st
        # the page's forms: same-origin only (a cross-site form is refused)
        st, _, _ = request(port, "POST", "/ui/pause", body="", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example"})
        assert st == 403, st
        assert r.api("status")["paused"] is False
        say("CSRF: text/plain and foreign-Origin posts 403, nothing changed; JSON or X-Requested-With accepted")
    finally:
        r.cleanup()


def test_foreign_host_refused():
    r = Receiver(OPEN, extra_args=["--web.allowed-host=homeops.lan"])
    try:
        r.start()
        port = r.port
        for host in ("evil.example", "evil.example:%d" % port, "127.0.0.1.nip.io:%d" % port):
            for path in ("/api/v1/status", "/", "/metrics"):
                st, _, _ = request(port, "GET", path, headers={"Host": host})
                assert st == 421, (host, path, st)
        for host in ("127.0.0.1:%d" % port, "localhost:%d" % port, "homeops.lan:%d" % port, "[::1]:%d" % port,
                     "HOMEOPS.LAN"):
            st, _, _ = request(port, "GET", "/api/v1/status", headers={"Host": host})
            assert st == 200, (host, st)
        say("Host: foreign names 421; addresses, localhost and --web.allowed-host names served")
    finally:
        r.cleanup()


def test_slowloris():
    r = Receiver(OPEN, extra_args=["--web.request-timeout=3s"])
    try:
        r.start()
        port = r.port
        sl = Slowloris(port, n=200)
        try:
            worst = 0.0
            for _ in range(5):
                st, took, _, _ = timed_get(port, "/api/v1/status")
                assert st == 200, st
                worst = max(worst, took)
                time.sleep(0.2)
            say("slowloris (receiver): worst API latency during 200 slow sockets %.3fs" % worst)
            assert worst < 1.0, worst
            time.sleep(max(0.0, sl.opened + 4.0 - time.monotonic()))
            cut = sl.closed_by_server()
            say("slowloris (receiver): %d/200 slow sockets closed by the deadline" % cut)
            assert cut == 200, cut
        finally:
            sl.close()
        st, took, _, _ = timed_get(port, "/api/v1/status")
        say("slowloris (receiver): right after %.3fs" % took)
        assert st == 200 and took < 1.0, (st, took)
    finally:
        r.cleanup()


def test_bcrypt_flood():
    r = authed(web_cost=12)
    try:
        r.start()
        port = r.port
        good = basic("admin", "admin-pw")
        for path in ("/metrics", "/api/v1/status"):
            st, first, _, _ = timed_get(port, path, headers=good)
            assert st == 200, (path, st)
        cpu0 = cpu_seconds(r.proc.pid)
        flood = PasswordFlood(port, "/api/v1/status", "admin", threads=12)
        lat = []
        t_end = time.monotonic() + 5
        while time.monotonic() < t_end:
            for path in ("/metrics", "/api/v1/status"):
                st, took, _, _ = timed_get(port, path, headers=good)
                assert st == 200, (path, st)
                lat.append(took)
            time.sleep(0.1)
        codes = flood.stop()
        cpu = cpu_seconds(r.proc.pid) - cpu0
        lat.sort()
        say("bcrypt flood (receiver, cost 12, 12 addresses): legit p50 %.3fs max %.3fs over %d requests; "
            "attackers %s; CPU %.2fs in 5s" % (lat[len(lat) // 2], lat[-1], len(lat), codes, cpu))
        assert lat[-1] < 1.0, lat[-1]
        assert set(codes) <= {401, 429} and codes.get(429, 0) > 0, codes
    finally:
        r.cleanup()


def test_drip_body_cut_at_deadline():
    r = authed(["--web.request-timeout=2s"])
    try:
        r.start()
        took, got = drip_body(r.port, "/webhook", total=200, every=0.5, headers=BEARER, limit=20)
        say("dripped webhook body (1 byte / 0.5 s): cut after %.2fs (%r)" % (took, got[:30]))
        assert 1.5 < took < 4.0, took
        assert r.post(payload(alert("Dump")))[0] == 200
    finally:
        r.cleanup()


def test_chunked_body_over_limit_413():
    r = authed(["--web.max-body=2KiB"])
    try:
        r.start()
        st, raw = chunked_post(r.port, "/webhook", 8192, headers=BEARER)
        say("chunked 8 KiB body over a 2 KiB limit: %s" % raw.split(b"\r\n", 1)[0])
        assert st == 413, raw[:200]
        st, raw = chunked_post(r.port, "/webhook", 8192)   # and without credentials: 401 before any body
        assert st == 401, raw[:200]
        assert r.post(payload(alert("Dump")))[0] == 200
    finally:
        r.cleanup()


def test_security_headers():
    r = Receiver(OPEN)
    try:
        r.start()
        for path in ("/", "/api/v1/status", "/metrics", "/nope", "/-/healthy"):
            st, hdr, _ = request(r.port, "GET", path)
            assert hdr.get("x-content-type-options") == "nosniff", (path, hdr)
            assert hdr.get("x-frame-options") == "DENY", (path, hdr)
        st, hdr, body = request(r.port, "GET", "/")
        csp = hdr.get("content-security-policy", "")
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp, csp
        assert b"<script" not in body.lower()
        say("headers: nosniff and DENY everywhere; page CSP %r" % csp)
    finally:
        r.cleanup()


def flood_payload(n):
    labels = {"alertname": "Flood", "a.b": "1", "a-b": "2", "a_b": "3"}
    for i in range(n):
        labels["l%05d" % i] = "v"
    return payload(alert("Flood", labels=labels))


def test_env_label_flood():
    r = authed(["--web.max-body=2MiB"])
    try:
        r.start()
        body = json.dumps(flood_payload(81000)).encode()
        say("label flood: one webhook of %d bytes with 81,004 labels" % len(body))
        t0 = time.monotonic()
        st, _ = r.post(body)
        assert st == 200, st
        r.wait_idle(timeout=30)
        took = time.monotonic() - t0
        run = r.api("runs/%d" % r.runs()[0]["id"])
        say("label flood: run %s in %.2fs (accepted to finished); output starts %r" %
            (run["state"], took, run["output"][:160]))
        assert run["state"] == "succeeded", run["state"]
        assert took < 20, took   # the quadratic build took 15 s of CPU alone, then failed with E2BIG
        assert "not in the environment" in run["output"] and "map to the same variable" in run["output"]
        with open(os.path.join(r.out, "run-%d.env" % run["id"]), "rb") as f:
            env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        omitted = env[b"HOMEOPS_ENV_OMITTED"].decode()
        assert b"HOMEOPS_LABEL_A_B" not in env, "colliding names must all be left out"
        assert "a-b" in omitted.split(",")[:3] or "a-b" in omitted, omitted[:200]
        assert len(env) < 300, len(env)
    finally:
        r.cleanup()


def test_memory_after_burst():
    # a long request deadline: this test is about memory, and parsing 1 MiB bodies on a loaded machine is slow
    r = authed(["--web.max-body=2MiB", "--web.request-timeout=60s"])
    try:
        r.start()
        port = r.port
        pid = r.proc.pid
        time.sleep(0.5)
        base = uss_bytes(pid)
        big = json.dumps(flood_payload(75000)).encode()
        bad = big.replace(b'"version": "4"', b'"version": "3"')   # parsed whole, then refused: 400
        assert len(bad) > 900 * 1024
        # without credentials: refused on the headers, the body is never buffered
        for _ in range(10):
            st, sent = post_raw(port, "/webhook", bad)
            assert st == 401, st
        unauth = uss_bytes(pid)
        peak = 0
        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            futs = [ex.submit(request, port, "POST", "/webhook", bad,
                              dict(BEARER, **{"Content-Type": "application/json"}), 60) for _ in range(16)]
            while not all(f.done() for f in futs):
                peak = max(peak, uss_bytes(pid))
                time.sleep(0.02)
            codes = [f.result()[0] for f in futs]
        assert set(codes) == {400}, codes
        time.sleep(3)   # the rate-limited trim runs at most every 2 s
        after = uss_bytes(pid)
        mb = 1024 * 1024
        say("memory (USS): baseline %.1f MiB, after 10 unauthenticated 1 MiB bodies %.1f MiB, peak during 16 "
            "authenticated ones %.1f MiB, 3 s after %.1f MiB" % (base / mb, unauth / mb, peak / mb, after / mb))
        assert unauth - base < 4 * mb, (base, unauth)
        with open(r.proc.args[0], "rb") as f:
            sanitized = b"AddressSanitizer" in f.read()
        if sanitized:
            # ASan's allocator keeps freed memory in its quarantine and never gives it back: nothing to measure
            say("memory: sanitizer build, the return of memory after the burst is not measurable here")
        else:
            assert after - base < 16 * mb, (base, after)
    finally:
        r.cleanup()


TESTS = {name[5:]: fn for name, fn in sorted(globals().items()) if name.startswith("test_") and callable(fn)}

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, sys.argv))
