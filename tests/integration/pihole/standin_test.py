#!/usr/bin/python3
"""standin_test.py: pihole_exporter against the Pi-hole stand-in (real recorded answers, Pi-hole's session rules).

Shows: 1,000 collections use one login; an expired session causes exactly one re-login; SIGTERM
logs out (the seat is freed); a wrong password gives pihole_up 0 and no login storm; seats
exceeded is reported and backed off; a hanging Pi-hole does not delay a healthy one; a v5
Pi-hole works; one request at a time per Pi-hole; every exposition passes promtool check metrics.

    standin_test.py --binary build/exporters/pihole/pihole_exporter

Exit 77 (ctest: skipped) when the fixtures are absent.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
from homeops_test import SKIP, Checks, http, log, metric_value, promtool_check_metrics, start_exporter, wait_metric  # noqa: E402
from pihole_standin import Standin  # noqa: E402

check = Checks()


def metrics(port):
    return http(port).text()


def wait_until(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def write_config(d, targets):
    lines = ["targets:"]
    for t in targets:
        lines.append(f"  - name: {t['name']}")
        for k, v in t.items():
            if k != "name":
                lines.append(f"    {k}: {v}")
    path = os.path.join(d, "pihole.yml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def write_secret(d, name, value):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(value + "\n")
    os.chmod(path, 0o600)
    return path


def test_thousand_collections_one_login(binary, fx, d):
    s = Standin(fx, password="pw")
    p = None
    try:
        pw = write_secret(d, "pw", "pw")
        p, port = start_exporter(binary, f"--pihole.url=http://127.0.0.1:{s.port}", f"--pihole.password-file={pw}",
                                 "--pihole.interval=5ms", "--pihole.name=primary", "--pihole.top-count=3")
        t0 = time.monotonic()
        wait_until(lambda: s.stats()["requests"].get("GET /api/stats/summary", 0) >= 1000, 150, "1000 collections")
        took = time.monotonic() - t0
        for _ in range(1000):
            r = http(port)
            assert r.status == 200
        st = s.stats()
        log(f"1000 collections in {took:.1f}s; standin: {json.dumps(st)}")
        check("1,000 collections (and 1,000 scrapes) used exactly one login", st["logins"] == 1 and st["logins_ok"] == 1,
              json.dumps(st))
        check("one session held", st["sessions"] == 1)
        check("one request at a time per Pi-hole", st["max_in_flight"] == 1, json.dumps(st))
        text = metrics(port)
        check("pihole_up 1", metric_value(text, "pihole_up", {"hostname": "primary"}) == 1, text)
        check("real v6 summary values served", metric_value(text, "pihole_dns_queries_today", {"hostname": "primary"}) == 249
              and metric_value(text, "pihole_domains_being_blocked", {"hostname": "primary"}) == 131270)
        check("logins_total{result=ok} 1", metric_value(text, "pihole_logins_total", {"hostname": "primary", "result": "ok"}) == 1)
        check("top lists present", metric_value(text, "pihole_top_queries", {"domain": "pi-hole.net"}) == 8516)
        promtool_check_metrics(text)
        check("promtool check metrics (v6)", True)

        # expiry: every session gone at once (as after `validity` seconds) -> exactly one new login
        http(s.port, "/_standin/expire", method="POST")
        before = s.stats()["requests"].get("GET /api/stats/summary", 0)
        wait_until(lambda: s.stats()["requests"].get("GET /api/stats/summary", 0) >= before + 200, 30, "200 more collections")
        st = s.stats()
        check("an expired session caused exactly one re-login", st["logins"] == 2 and st["logins_ok"] == 2, json.dumps(st))
        check("still one seat in use", st["sessions"] == 1, json.dumps(st))

        rc = p.stop()
        st = s.stats()
        check("SIGTERM: exit 0", rc == 0, p.output())
        check("SIGTERM logged the session out (204), no seat left", st["logouts"] == 1 and st["sessions"] == 0, json.dumps(st))
    finally:
        if p:
            p.close()
        s.close()


def test_real_validity_expiry(binary, fx, d):
    """Sessions that expire by themselves (validity 1 s, collections every 1.5 s): one login per collection, never more."""
    s = Standin(fx, password="pw", validity=1.0)
    p = None
    try:
        pw = write_secret(d, "pw", "pw")
        p, port = start_exporter(binary, f"--pihole.url=http://127.0.0.1:{s.port}", f"--pihole.password-file={pw}",
                                 "--pihole.interval=1500ms")
        wait_until(lambda: s.stats()["requests"].get("GET /api/stats/summary", 0) >= 4, 15, "4 collections")
        st = s.stats()
        n = st["requests"]["GET /api/stats/summary"]
        check("expired by validity: at most one login per collection, each after a 401",
              st["logins"] <= n + 1 and st["logins_ok"] == st["logins"], json.dumps(st))
        m, text = wait_metric(port, r'^pihole_up\{hostname="127.0.0.1"\} 1$')
        check("pihole_up stays 1 across expiries", True)
    finally:
        if p:
            p.close()
        s.close()


def test_wrong_password_and_seats(binary, fx, d):
    s = Standin(fx, password="right")
    full = Standin(fx, password="pw", seats=2)
    p = None
    try:
        http(full.port, "/_standin/fill", method="POST")
        cfg = write_config(d, [
            {"name": "wrong", "url": f"http://127.0.0.1:{s.port}", "password_file": write_secret(d, "bad", "nope")},
            {"name": "full", "url": f"http://127.0.0.1:{full.port}", "password_file": write_secret(d, "pw2", "pw")},
        ])
        p, port = start_exporter(binary, f"--config.file={cfg}", "--pihole.interval=50ms")
        time.sleep(3)  # ~60 collections each
        text = metrics(port)
        st, stf = s.stats(), full.stats()
        check("wrong password: pihole_up 0", metric_value(text, "pihole_up", {"hostname": "wrong"}) == 0, text)
        check("wrong password: no login storm (one attempt in 3 s of 50 ms collections)", st["logins"] == 1, json.dumps(st))
        check("wrong password: counted", metric_value(text, "pihole_logins_total",
                                                      {"hostname": "wrong", "result": "wrong_password"}) == 1)
        check("wrong password: pihole_login_failing 1", metric_value(text, "pihole_login_failing", {"hostname": "wrong"}) == 1)
        check("seats exceeded: pihole_up 0, one attempt, counted",
              metric_value(text, "pihole_up", {"hostname": "full"}) == 0 and stf["logins"] == 1 and
              metric_value(text, "pihole_logins_total", {"hostname": "full", "result": "seats_exceeded"}) == 1,
              text + json.dumps(stf))
        check("no data requests sent while the login is refused",
              st["requests"].get("GET /api/stats/summary", 0) == 0 and stf["requests"].get("GET /api/stats/summary", 0) == 0)
        check("log says it once", p.output().count('msg="login refused; backing off" target=wrong') == 1, p.output())
        promtool_check_metrics(text)
        check("promtool check metrics (failing logins)", True)
    finally:
        if p:
            p.close()
        s.close()
        full.close()


def test_hang_does_not_delay(binary, fx, d):
    good = Standin(fx, password=None)
    hung = Standin(fx, mode="hang")
    v5 = Standin(fx, mode="v5", password="token")
    broken = Standin(fx, mode="broken", password=None)
    p = None
    try:
        cfg = write_config(d, [
            {"name": "good", "url": f"http://127.0.0.1:{good.port}"},
            {"name": "hung", "url": f"http://127.0.0.1:{hung.port}", "timeout": "3s"},
            {"name": "old", "url": f"http://127.0.0.1:{v5.port}", "password_file": write_secret(d, "tok", "token"),
             "top_count": 5},
            {"name": "broken", "url": f"http://127.0.0.1:{broken.port}"},
        ])
        p, port = start_exporter(binary, f"--config.file={cfg}", "--pihole.interval=100ms")
        time.sleep(0.5)
        a = good.stats()["requests"].get("GET /api/stats/summary", 0)
        time.sleep(3)
        b = good.stats()["requests"].get("GET /api/stats/summary", 0)
        log(f"healthy target: {b - a} collections in 3 s while the other hangs")
        check("a hanging Pi-hole does not delay a healthy one (>= 8 collections in 3 s at 100 ms; serialised: 1)", b - a >= 8, f"{a} {b}")
        m, text = wait_metric(port, r'^pihole_up\{hostname="hung"\} 0$', timeout=10)
        check("the hanging one is pihole_up 0 (timeout)", metric_value(text, "pihole_collect_errors_total",
                                                                      {"hostname": "hung", "reason": "timeout"}) >= 1, text)
        check("no password: no login at all, pihole_up 1", good.stats()["logins"] == 0 and
              metric_value(text, "pihole_up", {"hostname": "good"}) == 1)
        check("v5 target: pihole_up 1 with summaryRaw values", metric_value(text, "pihole_up", {"hostname": "old"}) == 1 and
              metric_value(text, "pihole_dns_queries_today", {"hostname": "old"}) == 27459, text)
        check("v5: api_info api=v5 version=v5.12.2",
              metric_value(text, "pihole_api_info", {"hostname": "old", "api": "v5", "version": "v5.12.2"}) == 1)
        check("v5: percentages by type and destination",
              metric_value(text, "pihole_querytypes", {"hostname": "old", "type": "PTR"}) == 71.43 and
              metric_value(text, "pihole_forward_destinations", {"hostname": "old", "destination": "cache|cache"}) == 88.89)
        check("v5: top lists", metric_value(text, "pihole_top_sources", {"hostname": "old", "source": "localhost|127.0.0.1"}) == 36)
        check("an HTML page instead of JSON: pihole_up 0, reason parse",
              metric_value(text, "pihole_up", {"hostname": "broken"}) == 0 and
              metric_value(text, "pihole_collect_errors_total", {"hostname": "broken", "reason": "parse"}) >= 1, text)
        promtool_check_metrics(text)
        check("promtool check metrics (v5 + hang + no password + broken)", True)
        t0 = time.monotonic()
        rc = p.stop()
        check(f"SIGTERM with a request hanging: exit 0 (no leak under ASan) in {time.monotonic() - t0:.2f} s", rc == 0 and
              time.monotonic() - t0 < 3, p.output())
    finally:
        if p:
            p.close()
        good.close()
        hung.close()
        v5.close()
        broken.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    a = ap.parse_args()
    fx = os.environ.get("HOMEOPS_FIXTURES", "")
    if not fx or not os.path.isdir(os.path.join(fx, "pihole")):
        print(f"fixtures not found at {fx!r}: skipping", flush=True)
        return SKIP
    d = tempfile.mkdtemp(prefix="homeops-pihole-")
    try:
        test_thousand_collections_one_login(a.binary, fx, d)
        test_real_validity_expiry(a.binary, fx, d)
        test_wrong_password_and_seats(a.binary, fx, d)
        test_hang_does_not_delay(a.binary, fx, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    log(f"all {check.n} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
