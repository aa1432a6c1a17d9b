#!/usr/bin/python3
"""test_load.py: remediation_receiver under a sustained load of distinct alerts (wrk, receiver_alerts.lua).

sustained_load_wal_bounded: 8 connections POST a new alert each for a few seconds. Every alert
answered 2xx is in the store, commits are grouped (fewer fsync'd commits than requests), and the
WAL stays bounded: the background checkpointer copies the bulk and the writer completes the
checkpoint between batches, so the WAL restarts instead of growing (it used to grow by ~70 MB/s).

usage: test_load.py --receiver BIN [TEST...]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("HOMEOPS_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration", "receiver"))
import harness  # noqa: E402
from harness import Receiver, alert, payload, run_tests  # noqa: E402

LUA = os.path.join(SOURCE, "tests", "bench", "receiver_alerts.lua")
WAL_BOUND = 32 << 20

CONFIG = """
receivers:
  - name: alertmanager
    path: /webhook
    bearer_token_file: @TMP@/token
playbooks:
  noop:
    command: ["/bin/true"]
    timeout: 10s
routes:
  - matchers: ['alertname="LoadTest"']
    playbook: noop
"""


def test_sustained_load_wal_bounded():
    r = Receiver(CONFIG, extra_args=["--dry-run"])
    try:
        with open(os.path.join(r.tmp, "token"), "w") as f:
            f.write("load-token\n")
        r.token = "load-token"
        r.start()
        body = payload(alert("LoadTest", labels={"instance": "host-@N@", "severity": "critical"},
                             fingerprint="@FP@"))
        tmpl = os.path.join(r.tmp, "payload.tmpl")
        with open(tmpl, "w") as f:
            f.write(json.dumps(body, separators=(",", ":")))
        wal = os.path.join(r.tmp, "data", "receiver.db-wal")
        peak = 0
        p = subprocess.Popen(["wrk", "-t1", "-c8", "-d8s", "-s", LUA, "http://127.0.0.1:%d/webhook" % r.port, "--",
                              tmpl, r.token], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        while p.poll() is None:
            try:
                peak = max(peak, os.path.getsize(wal))
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        out = p.communicate()[0]
        m = re.search(r"(\d+) requests in", out)
        assert m and p.returncode == 0, out
        requests = int(m.group(1))
        non = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        ok = requests - (int(non.group(1)) if non else 0)
        print("wrk: %d requests, %d answered 2xx; WAL peak %.1f MiB" % (requests, ok, peak / 1048576.0), flush=True)
        assert ok > 1000 and ok == requests, out
        r.wait_idle()
        with r.db() as db:
            stored = db.execute("SELECT count(*) FROM alerts").fetchone()[0]
            distinct = db.execute("SELECT count(DISTINCT fingerprint) FROM alerts").fetchone()[0]
            runs = db.execute("SELECT count(*) FROM runs WHERE state = 'dry_run'").fetchone()[0]
        # wrk may have sent a few requests it did not wait for when it stopped: stored >= answered
        assert stored >= ok and distinct == stored and runs == stored, (stored, distinct, runs, ok)
        text = r.metrics()
        commits = float(re.search(r"^remediation_store_commits_total (\S+)$", text, re.M).group(1))
        ops = float(re.search(r"^remediation_store_operations_total (\S+)$", text, re.M).group(1))
        print("store: %d alerts, %d commits, %.2f operations per commit" % (stored, commits, ops / commits),
              flush=True)
        assert commits < ops, "every operation committed alone: no group commit"
        assert peak <= WAL_BOUND, "the WAL grew to %.1f MiB under load" % (peak / 1048576.0)
        # once the load stops the checkpointer catches up; the next commit then restarts the WAL
        time.sleep(2.5)
        assert r.post(payload(alert("LoadTest", labels={"instance": "after"})))[0] == 200
        assert os.path.getsize(wal) <= WAL_BOUND
    finally:
        r.cleanup()


TESTS = {name[5:]: fn for name, fn in sorted(globals().items()) if name.startswith("test_") and callable(fn)}

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--receiver", required=True)
    ap.add_argument("tests", nargs="*")
    args = ap.parse_args()
    harness.BINARY = args.receiver
    sys.exit(run_tests(TESTS, [sys.argv[0]] + args.tests))
