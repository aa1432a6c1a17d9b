#!/usr/bin/python3
"""test_leaks.py: one homeops binary (a non-sanitized build) under valgrind over 1,000 scrapes (the receiver:
1,000 webhooks) with its collection cycling every --interval, then SIGTERM: exit 0 and no valgrind error, no
definite or indirect leak (--errors-for-leak-kinds=definite,indirect --error-exitcode=99).
usage: test_leaks.py --build-dir RELEASE_BUILD --target NAME [--count 1000] [--interval 100ms]"""
import argparse
import http.client
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from abuse_targets import Target, binary_in  # noqa: E402
from homeops_test import Checks, log, metric_value, promtool_check_metrics, wait_metric  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--build-dir", required=True, help="a build tree without sanitizers (HOMEOPS_RELEASE_BIN_DIR)")
ap.add_argument("--target", required=True)
ap.add_argument("--count", type=int, default=1000)
ap.add_argument("--interval", default="50ms")
args = ap.parse_args()
check = Checks()

binary = binary_in(args.build_dir, args.target)
# no skip: a missing release build is a failure (CI builds build/release before the sanitizer tree)
check("release binary present at %s (HOMEOPS_RELEASE_BIN_DIR)" % binary, os.access(binary, os.X_OK))
with open(binary, "rb") as f:
    check("the binary is not sanitized (valgrind cannot run ASan binaries)", b"__asan_init" not in f.read())

T = Target(args.target, binary, interval=args.interval)
vglog = os.path.join(T.tmp, "valgrind.log")
VALGRIND = ["valgrind", "--quiet", "--leak-check=full", "--show-leak-kinds=definite,indirect",
            "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99", "--num-callers=30",
            "--log-file=" + vglog]


# dozens of collections; smart's (libatasmart over a replayed blob) takes 2-9 s under valgrind on a loaded machine: 5 of them
MIN_COLLECTIONS = {"smart": 5}.get(args.target, 24)


def collection_stamp(text):
    """The time of the exporter's last collection (changes with every collection), or None."""
    return metric_value(text, "%s_last_collect_timestamp_seconds" % T.prefix)


def scrapes():
    """args.count requests on keep-alive connections (gzip every other one); returns (distinct collection
    times seen in the plain /metrics answers, the last plain answer)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    stamps, text = set(), ""
    paths = ["/metrics", "/metrics", "/metrics", "/-/healthy", "/", "/nope"]
    for i in range(args.count):
        path = paths[i % len(paths)]
        hdr = {"Accept-Encoding": "gzip"} if i % 2 else {}
        conn.request("GET", path, headers=hdr)
        r = conn.getresponse()
        body = r.read()
        if path == "/metrics":
            check_quiet(r.status == 200, "scrape %d: %s" % (i, r.status))
            if r.getheader("Content-Encoding") != "gzip":
                text = body.decode()
                stamps.add(collection_stamp(text))
        if r.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    # then until dozens of collections have happened under valgrind (a slow source: at most 90 s more)
    t_end = time.monotonic() + 90
    while len(stamps - {None}) < MIN_COLLECTIONS and time.monotonic() < t_end:
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        text = r.read().decode()
        stamps.add(collection_stamp(text))
        time.sleep(0.05)
    conn.close()
    stamps.discard(None)
    return len(stamps), text


def webhooks():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for i in range(args.count):
        name = "Abuse%d" % i if i % 50 == 0 else "Leak%d" % (i % 300)
        body = json.dumps({"receiver": "hook", "status": "firing" if i % 7 else "resolved", "version": "4",
                           "groupKey": "g%d" % i, "truncatedAlerts": 0, "groupLabels": {}, "commonLabels": {},
                           "commonAnnotations": {}, "externalURL": "http://am:9093",
                           "alerts": [{"status": "firing" if i % 7 else "resolved",
                                       "labels": {"alertname": name, "instance": "h%d" % (i % 13)},
                                       "annotations": {"summary": "x" * (i % 200)},
                                       "startsAt": "2026-11-22T15:48:47.272Z", "endsAt": "0001-01-01T00:00:00Z",
                                       "generatorURL": "http://p:9090/graph"}]})
        if i % 97 == 0:
            body = body[:len(body) // 2]    # a broken one now and then: 400
        conn.request("POST", "/webhook", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        check_quiet(r.status in (200, 400), "webhook %d: %s" % (i, r.status))
        if r.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        if i % 100 == 0:
            conn.request("GET", "/metrics")
            conn.getresponse().read()
    conn.close()


def check_quiet(cond, what):
    if not cond:
        check(what, cond)


try:
    t0 = time.monotonic()
    port = T.start(wrapper=VALGRIND, timeout=120)
    wait_metric(port, T.ready, timeout=120)
    if T.name == "receiver":
        webhooks()
        text = wait_metric(port, T.ready, timeout=60)[1]
        promtool_check_metrics(text)
        log("%d webhooks under valgrind in %.1fs" % (args.count, time.monotonic() - t0))
    else:
        time.sleep(1.0)
        n, text = scrapes()
        promtool_check_metrics(text)
        log("%d requests under valgrind in %.1fs; %d distinct collections seen" % (args.count, time.monotonic() - t0, n))
        check("collections cycled during the scrapes (%d seen, want >= %d)" % (n, MIN_COLLECTIONS),
              n >= MIN_COLLECTIONS)
        check("%s_up 1 at the end" % T.prefix, re.search(T.ready, text, re.M), text[-3000:])
    rc = T.stop(timeout=60)
    with open(vglog, errors="replace") as f:
        report = f.read()
    # valgrind 3.19 has no pidfd_open (434): common/subprocess.c's fallback runs instead (noise, not findings)
    noise = len(re.findall(r"unhandled amd64-linux syscall: 434", report))
    report = "\n".join(ln for ln in report.splitlines() if not re.match(r"^--\d+-- ", ln))
    log("valgrind: %d pidfd_open warnings left out; report:\n%s" % (noise, report[-6000:] or "(empty)"))
    check("valgrind: exit 0 after SIGTERM (99: errors or definite/indirect leaks)", rc == 0,
          "rc=%s\n%s\n%s" % (rc, report[-8000:], T.proc.output()[-2000:]))
    check("valgrind: no error summary lines", not re.search(r"ERROR SUMMARY: [1-9]", report), report[-8000:])
    check("valgrind: no definite/indirect leak", not re.search(r"(definitely|indirectly) lost: [1-9]", report),
          report[-8000:])
    log("PASS leaks %s (%d checks)" % (args.target, check.n))
finally:
    T.close()
