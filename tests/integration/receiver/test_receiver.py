#!/usr/bin/python3
"""test_receiver.py: remediation_receiver end to end against real playbooks: hostile input, dedupe,
crash safety, timeouts, escalation, concurrency, auth, limits, reload, shutdown, operator controls.
usage: test_receiver.py [TEST...]   (ctest runs each test as its own entry)"""
import concurrent.futures
import http.client
import json
import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Receiver, WebhookSink, alert, payload, pid_alive, run_tests  # noqa: E402

DUMP = """
playbooks:
  dump:
    command: ["@PLAYBOOKS@/dump-env", "arg with space", "$(id)"]
    env: {OUT_DIR: "@OUT@"}
    timeout: 10s
    redact: ['token=(\\S+)']
routes:
  - matchers: ['alertname=~"Hostile.*|Dump.*"']
    playbook: dump
    on: both
"""


def read_env(path):
    with open(path, "rb") as f:
        raw = f.read()
    env = {}
    for item in raw.split(b"\0"):
        if item:
            k, _, v = item.partition(b"=")
            env.setdefault(k.decode(), v)
    return env


def test_hostile_labels_reach_playbook_intact_and_inert():
    """Shell metacharacters, newlines, '=', non-ASCII in names and values: byte for byte, never interpreted."""
    r = Receiver(DUMP)
    try:
        r.start()
        canary = os.path.join(r.tmp, "pwned")
        hostile = {
            "cmd": "$(touch %s); `touch %s` | rm -rf / ; echo ${HOME} && x || y > z" % (canary, canary),
            "multi": "line1\nline2\r\nHOMEOPS_STATUS=resolved",
            "eq": "a=b==c",
            "name=with=eq": "v=1",
            "caf\u00e9-na\u00efve \U0001f525": "\u65e5\u672c\u8a9e \"quoted\" 'single' \\backslash",
            "dollar$name": "*?[glob] ~root",
            "status": "resolved",
        }
        a = alert("HostileAlert", labels=hostile, annotations={"summary": "<b>x</b>\ttab", "run book": "http://x/?a=1&b=2"})
        status, body = r.post(payload(a))
        assert status == 200, (status, body)
        r.wait_idle()
        runs = r.runs()
        assert len(runs) == 1 and runs[0]["state"] == "succeeded", runs
        rid = runs[0]["id"]
        env = read_env(os.path.join(r.out, "run-%d.env" % rid))
        def lab(name):
            return env["HOMEOPS_LABEL_" + name]
        assert lab("CMD") == hostile["cmd"].encode()
        assert lab("MULTI") == hostile["multi"].encode()
        assert lab("EQ") == b"a=b==c"
        assert lab("NAME_WITH_EQ") == b"v=1"
        # non-ASCII name: every byte outside A-Z0-9_ becomes '_' (caf + 2 bytes of e-acute ...)
        mangled = "CAF__-NA__VE_____".replace("-", "_")
        assert lab(mangled) == hostile["caf\u00e9-na\u00efve \U0001f525"].encode(), sorted(env)
        assert lab("DOLLAR_NAME") == b"*?[glob] ~root"
        # a label called "status" cannot override the alert's status
        assert env["HOMEOPS_STATUS"] == b"firing"
        assert lab("STATUS") == b"resolved"
        assert env["HOMEOPS_ALERTNAME"] == b"HostileAlert"
        assert env["HOMEOPS_ANNOTATION_SUMMARY"] == b"<b>x</b>\ttab"
        assert env["HOMEOPS_ANNOTATION_RUN_BOOK"] == b"http://x/?a=1&b=2"
        assert env["HOMEOPS_FINGERPRINT"] == runs[0]["fingerprint"].encode()
        assert env["OUT_DIR"] == r.out.encode()
        # nothing was executed by a shell
        assert not os.path.exists(canary), "a label was executed"
        # stdin is the alert JSON with every value intact
        with open(os.path.join(r.out, "run-%d.stdin" % rid), "rb") as f:
            stdin = json.loads(f.read())
        assert stdin["labels"] == dict(hostile, alertname="HostileAlert"), stdin["labels"]
        assert stdin["annotations"]["summary"] == "<b>x</b>\ttab"
        # argv passed as given, output stored redacted
        one = r.api("runs/%d" % rid)
        assert one["argv"][1:] == ["arg with space", "$(id)"], one["argv"]
        assert "token=[REDACTED]" in one["output"] and "abc123secret" not in one["output"], one["output"]
        # the status page escapes what alerts carry
        status, page, _ = r.request("GET", "/")
        assert status == 200 and b"<b>x</b>" not in page
    finally:
        r.cleanup()


def test_duplicate_delivery_runs_once():
    """The same notification 10 times, then two senders at once 10 times each: one run per alert."""
    r = Receiver(DUMP)
    try:
        r.start()
        body = payload(alert("DumpDup", labels={"instance": "a"}))
        for _ in range(10):
            assert r.post(body)[0] == 200
        # two Alertmanagers (an HA pair) delivering another alert concurrently
        body2 = payload(alert("DumpDup", labels={"instance": "b"}))
        barrier = threading.Barrier(2)

        def sender():
            barrier.wait()
            return [r.post(body2)[0] for _ in range(10)]
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            results = list(ex.map(lambda _: sender(), range(2)))
        assert all(s == 200 for res in results for s in res), results
        r.wait_idle()
        runs = r.runs()
        by_instance = {}
        for run in runs:
            by_instance.setdefault(run["fingerprint"], []).append(run)
        assert len(runs) == 2, runs
        assert all(len(v) == 1 for v in by_instance.values())
        alerts = r.api("alerts?limit=100")["alerts"]
        assert len(alerts) == 30  # every delivery is stored
        assert sum(1 for a in alerts if a["decision"] == "dump: duplicate") == 28
    finally:
        r.cleanup()


CRASH = """
playbooks:
  fast:
    command: ["@PLAYBOOKS@/record"]
    env: {OUT_DIR: "@OUT@"}
    timeout: 10s
    max_concurrent: 4
    max_attempts: 0
routes:
  - matchers: ['alertname="Crash"']
    playbook: fast
"""


def test_crash_kill9_during_burst_loses_nothing():
    """kill -9 during a burst of 1,000 distinct alerts: every alert answered 200 is stored and its run
    either ran or is marked interrupted after restart."""
    r = Receiver(CRASH, extra_args=["--run.max-concurrent=4"])
    try:
        r.start()
        acked = set()
        lock = threading.Lock()
        stop = threading.Event()

        def send(i):
            body = payload(alert("Crash", labels={"i": str(i)}))
            while not stop.is_set():
                try:
                    status, _ = r.post(body)
                except (OSError, http.client.HTTPException):
                    return      # killed mid-request: never answered, so never acknowledged
                if status == 200:
                    with lock:
                        acked.add(i)
                    return
                if status != 503:
                    raise AssertionError("unexpected %s" % status)
                time.sleep(0.01)

        killer_at = 400
        ex = concurrent.futures.ThreadPoolExecutor(16)
        futs = [ex.submit(send, i) for i in range(1000)]
        deadline = time.time() + 60
        while len(acked) < killer_at and time.time() < deadline:
            time.sleep(0.002)
        r.kill9()
        stop.set()
        ex.shutdown(wait=True)
        for f in futs:
            f.result()
        n_acked = len(acked)
        assert killer_at <= n_acked < 1000, n_acked
        r.start()
        r.wait_idle(timeout=120)
        r.stop()
        db = r.db()
        rows = db.execute("SELECT json_extract(a.json, '$.labels.i'), r.state FROM alerts a"
                          " LEFT JOIN runs r ON r.alert_id = a.id").fetchall()
        db.close()
        stored = {}
        for i, state in rows:
            stored.setdefault(int(i), []).append(state)
        missing = [i for i in acked if i not in stored]
        assert not missing, "answered 200 but not stored: %s" % missing[:10]
        bad = {i: s for i, s in stored.items() if i in acked and not any(x in ("succeeded", "interrupted") for x in s)}
        assert not bad, "acked alerts whose run neither ran nor is interrupted: %s" % list(bad.items())[:10]
        print("crash test: %d answered 200 before kill -9, all stored; %d stored in total" % (n_acked, len(stored)))
    finally:
        r.cleanup()


TIMEOUT = """
playbooks:
  sleeper:
    command: ["@PLAYBOOKS@/group-sleeper"]
    env: {OUT_DIR: "@OUT@"}
    timeout: 1s
    kill_grace: 1s
routes:
  - matchers: ['alertname="Hang"']
    playbook: sleeper
"""


def test_timeout_kills_whole_process_group():
    r = Receiver(TIMEOUT)
    try:
        r.start()
        assert r.post(payload(alert("Hang")))[0] == 200
        r.wait_idle(timeout=20)
        run = r.runs()[0]
        assert run["state"] == "failed" and run["result"] == "timeout", run
        pids = {}
        for kind in ("leader", "child", "grandchild"):
            with open(os.path.join(r.out, "%s-%d.pid" % (kind, run["id"]))) as f:
                pids[kind] = int(f.read())
        r.wait_for(lambda: not any(pid_alive(p) for p in pids.values()), timeout=10, what="group to die")
    finally:
        r.cleanup()


def escalation_config(sink):
    return """
notifiers:
  sink: {webhook: {url: "%s"}}
playbooks:
  failing:
    command: ["@PLAYBOOKS@/record"]
    env: {OUT_DIR: "@OUT@", EXIT: "1"}
    timeout: 10s
    cooldown: 3s
    max_attempts: 2
    window: 1h
routes:
  - matchers: ['alertname="Broken"']
    playbook: failing
    notify: [sink]
""" % sink.url()


def test_cooldown_then_max_attempts_then_escalation():
    sink = WebhookSink()
    r = Receiver(escalation_config(sink), extra_args=["--notify.backoff=1s"])
    try:
        r.start()
        body = payload(alert("Broken", labels={"container": "web"}))
        assert r.post(body)[0] == 200
        r.wait_idle()
        # within the cooldown: a duplicate, nothing runs
        assert r.post(body)[0] == 200
        r.wait_idle()
        assert len(r.runs()) == 1
        time.sleep(3.2)
        # cooldown over, still firing: attempt 2, which fails: the last attempt -> give up and escalate
        assert r.post(body)[0] == 200
        r.wait_idle()
        runs = r.runs()
        states = sorted((x["trigger"], x["state"], x["attempt"]) for x in runs)
        assert states == [("alert", "failed", 1), ("alert", "failed", 2), ("escalation", "gave_up", 2)], states
        time.sleep(3.2)
        # still firing after giving up: stored, not run, not escalated again
        assert r.post(body)[0] == 200
        r.wait_idle()
        assert len(r.runs()) == 3
        alerts = r.api("alerts")["alerts"]
        assert alerts[0]["decision"] == "failing: gave_up", alerts[0]
        st = r.api("status")
        assert any(e["gave_up"] for e in st["attention"]), st
        events = r.wait_for(lambda: len(sink.events) >= 5 and sink.events, timeout=15, what="notifications")
        time.sleep(0.5)
        names = [e.get("event") for e in sink.events]
        assert names.count("started") == 2 and names.count("failed") == 2 and names.count("gave_up") == 1, names
        m = r.metrics()
        assert 'remediation_runs_total{playbook="failing",result="failed"} 2' in m, m
        assert 'remediation_notifications_total{notifier="sink",result="sent"} 5' in m, m
        assert 'remediation_gate_decisions_total{playbook="failing",decision="gave_up"} 1' in m, m
        assert 'remediation_run_duration_seconds_count{playbook="failing"} 2' in m
        import shutil
        import subprocess
        if shutil.which("promtool"):
            pc = subprocess.run(["promtool", "check", "metrics"], input=m, capture_output=True, text=True)
            assert pc.returncode == 0 and not pc.stdout.strip() and not pc.stderr.strip(), (pc.stdout, pc.stderr)
    finally:
        r.cleanup()
        sink.close()


CONC = """
playbooks:
  a:
    command: ["@PLAYBOOKS@/record"]
    env: {OUT_DIR: "@OUT@", SLEEP: "0.3"}
    max_concurrent: 2
    max_attempts: 0
  b:
    command: ["@PLAYBOOKS@/record"]
    env: {OUT_DIR: "@OUT@", SLEEP: "0.3"}
    max_concurrent: 10
    max_attempts: 0
routes:
  - {matchers: ['alertname="A"'], playbook: a}
  - {matchers: ['alertname="B"'], playbook: b}
"""


def max_overlap(intervals):
    ev = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    cur = best = 0
    for _, d in ev:
        cur += d
        best = max(best, cur)
    return best


def test_concurrency_bounds_hold_under_burst():
    """Global --run.max-concurrent=3 and per-playbook max_concurrent=2 hold while 40 alerts arrive at once."""
    r = Receiver(CONC, extra_args=["--run.max-concurrent=3"])
    try:
        r.start()
        bodies = [payload(alert(n, labels={"i": str(i)})) for n in ("A", "B") for i in range(20)]
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            codes = list(ex.map(lambda b: r.post(b)[0], bodies))
        assert all(c == 200 for c in codes), codes
        r.wait_idle(timeout=60)
        iv = {"a": [], "b": []}
        for f in os.listdir(r.out):
            if f.endswith(".start"):
                pb = f.split("-")[1]
                base = os.path.join(r.out, f[:-6])
                with open(base + ".start") as s, open(base + ".end") as e:
                    iv[pb].append((float(s.read()), float(e.read())))
        assert len(iv["a"]) == 20 and len(iv["b"]) == 20
        assert max_overlap(iv["a"]) <= 2, max_overlap(iv["a"])
        assert max_overlap(iv["a"] + iv["b"]) <= 3, max_overlap(iv["a"] + iv["b"])
        assert max_overlap(iv["a"] + iv["b"]) == 3  # and the bound is actually used
    finally:
        r.cleanup()


AUTH = """
receivers:
  - {name: am, path: /webhook, bearer_token_file: "@TMP@/token"}
  - {name: other, path: /hook/basic, basic_auth: {username: am2, password_file: "@TMP@/pw"}}
playbooks:
  dump: {command: ["@PLAYBOOKS@/dump-env"], env: {OUT_DIR: "@OUT@"}}
routes:
  - {matchers: ['alertname="Dump"'], playbook: dump, receiver: am}
"""


def test_auth_limits_and_errors():
    r = Receiver(AUTH, extra_args=["--web.max-body=2KiB", "--run.queue-size=100"])
    try:
        with open(os.path.join(r.tmp, "token"), "w") as f:
            f.write("s3cret\n")
        with open(os.path.join(r.tmp, "pw"), "w") as f:
            f.write("pa55")
        r.start()
        body = payload(alert("Dump"))
        assert r.post(body)[0] == 401
        assert r.post(body, headers={"Authorization": "Bearer wrong"})[0] == 401
        assert r.post(body, headers={"Authorization": "Bearer s3cre"})[0] == 401
        assert r.post(body, headers={"Authorization": "Bearer s3cret"})[0] == 200
        import base64
        good = "Basic " + base64.b64encode(b"am2:pa55").decode()
        bad = "Basic " + base64.b64encode(b"am2:pa56").decode()
        assert r.post(body, path="/hook/basic", headers={"Authorization": bad})[0] == 401
        assert r.post(body, path="/hook/basic", headers={"Authorization": good})[0] == 200
        # the bearer token of one receiver does not open another
        assert r.post(body, path="/hook/basic", headers={"Authorization": "Bearer s3cret"})[0] == 401
        r.token = "s3cret"
        # 413 over --web.max-body, 400 for bad JSON and bad schema, 404/405
        big = payload(alert("Dump", annotations={"x": "y" * 3000}))
        assert r.post(big)[0] == 413
        assert r.post("{not json")[0] == 400
        assert r.post(dict(body, version="3"))[0] == 400
        assert r.post({"version": "4", "alerts": []})[0] == 400
        assert r.post(body, path="/nothing")[0] == 404
        assert r.request("GET", "/webhook")[0] == 405
        # the API needs a credential when webhooks have them; a webhook token opens it
        assert r.request("GET", "/api/v1/status")[0] == 401
        assert r.request("GET", "/api/v1/status", headers={"Authorization": "Bearer s3cret"})[0] == 200
        assert r.request("POST", "/-/reload")[0] == 401
        assert r.request("POST", "/-/reload", headers={"Authorization": "Bearer s3cret"})[0] == 200
        assert r.request("GET", "/-/healthy")[0] == 200 and r.request("GET", "/-/ready")[0] == 200
        r.wait_idle()
        # the route restricted to receiver "am" did not act on the alert that came to "other"
        runs = r.runs()
        assert len(runs) == 1, runs
        m = r.metrics()
        assert 'remediation_webhooks_received_total{code="401"} 5' in m, m
        assert 'remediation_webhooks_received_total{code="400"} 3' in m
    finally:
        r.cleanup()


def test_refuses_public_address_without_auth():
    r = Receiver(DUMP, listen="0.0.0.0:0")
    try:
        rc = r.start(expect_ok=False)
        assert rc == 1, rc
        assert "refusing to serve webhooks without authentication" in r.log()
    finally:
        r.cleanup()


SLOW = """
playbooks:
  slow:
    command: ["@PLAYBOOKS@/record"]
    env: {OUT_DIR: "@OUT@", SLEEP: "30"}
    timeout: 1m
    cancel_on_resolved: true
    max_attempts: 0
  slow-retry:
    command: ["@PLAYBOOKS@/record"]
    env: {OUT_DIR: "@OUT@", SLEEP: "3"}   # outlasts the wait for both runs to start, on a loaded machine too
    retry_interrupted: true
    max_attempts: 0
routes:
  - {matchers: ['alertname="Slow"'], playbook: slow, on: firing}
  - {matchers: ['alertname="SlowRetry"'], playbook: slow-retry}
"""


def test_queue_full_answers_503():
    r = Receiver(SLOW, extra_args=["--run.max-concurrent=1", "--run.queue-size=1"])
    try:
        r.start()
        assert r.post(payload(alert("Slow", labels={"i": "1"})))[0] == 200
        r.wait_for(lambda: r.api("status")["running"] == 1, what="first run")
        assert r.post(payload(alert("Slow", labels={"i": "2"})))[0] == 200  # queued
        assert r.post(payload(alert("Slow", labels={"i": "3"})))[0] == 503  # queue full
        assert 'remediation_webhooks_received_total{code="503"} 1' in r.metrics()
    finally:
        r.cleanup()



QUEUE = """
playbooks:
  slow:
    command: ["@PLAYBOOKS@/record"]
    env: {OUT_DIR: "@OUT@", SLEEP: "30"}
    timeout: 1m
    max_attempts: 0
  quick:
    command: ["@PLAYBOOKS@/record"]
    env: {OUT_DIR: "@OUT@", SLEEP: "0.05"}
    timeout: 10s
    max_concurrent: 4
    max_attempts: 0
routes:
  - {matchers: ['alertname="Slow"'], playbook: slow, on: firing}
  - {matchers: ['alertname="Quick"'], playbook: quick, on: firing}
"""


def test_queue_bound_holds_per_run():
    """Issue 8 finding 5: one webhook of 300 alerts against --run.queue-size=10 queues 10 runs and
    answers 503; what was stored and queued stays, a redelivery runs nothing twice, manual runs
    are bounded too, and redeliveries finish the rest once the queue drains."""
    r = Receiver(QUEUE, extra_args=["--run.max-concurrent=1", "--run.queue-size=10"])
    try:
        r.start()
        assert r.post(payload(alert("Slow", labels={"i": "first"})))[0] == 200
        r.wait_for(lambda: r.api("status")["running"] == 1, what="first run")
        big = payload(*[alert("Slow", labels={"i": str(i)}) for i in range(300)])
        status, body = r.post(big)
        assert status == 503, (status, body)
        s = r.api("status")
        assert s["queued"] == 10 and s["running"] == 1, s
        assert len(r.runs()) == 11
        alerts = r.api("alerts?limit=1000")["alerts"]
        assert len(alerts) == 301, len(alerts)   # every alert is stored, with why it did not run
        assert sum(1 for a in alerts if a["decision"] == "slow: queue_full") == 290
        # Alertmanager redelivers: the 10 queued are duplicates, the rest still do not fit
        assert r.post(big)[0] == 503
        assert len(r.runs()) == 11 and r.api("status")["queued"] == 10
        # a manual run is bounded by the same queue
        hdr = {"Content-Type": "application/json"}
        if r.token:
            hdr["Authorization"] = "Bearer " + r.token
        status, body, _ = r.request("POST", "/api/v1/runs", {"alert_id": alerts[0]["id"], "playbook": "slow"},
                                    headers=hdr)
        assert status == 503 and b"queue full" in body, (status, body)
        assert len(r.runs()) == 11
    finally:
        r.cleanup()
    r = Receiver(QUEUE, extra_args=["--run.max-concurrent=4", "--run.queue-size=10"])
    try:
        r.start()
        body = payload(*[alert("Quick", labels={"i": str(i)}) for i in range(40)])
        codes = []
        deadline = time.time() + 60
        while time.time() < deadline:
            codes.append(r.post(body)[0])
            if codes[-1] == 200:
                break
            time.sleep(0.2)
        assert codes[0] == 503 and codes[-1] == 200, codes
        r.wait_idle()
        runs = r.runs()
        fps = [run["fingerprint"] for run in runs]
        assert len(runs) == 40 and len(set(fps)) == 40, len(runs)
        assert all(run["state"] == "succeeded" for run in runs)
    finally:
        r.cleanup()


def test_cancel_on_resolved():
    r = Receiver(SLOW)
    try:
        r.start()
        assert r.post(payload(alert("Slow")))[0] == 200
        r.wait_for(lambda: r.api("status")["running"] == 1, what="run to start")
        t0 = time.time()
        assert r.post(payload(alert("Slow", status="resolved")))[0] == 200
        r.wait_idle(timeout=20)
        assert time.time() - t0 < 10
        run = r.runs()[0]
        assert run["state"] == "cancelled", run
    finally:
        r.cleanup()


def test_sigterm_grace_then_interrupted_not_rerun():
    sink = WebhookSink()
    cfg = SLOW.replace("playbooks:", 'notifiers:\n  sink: {webhook: {url: "%s"}}\nplaybooks:' % sink.url()) \
        .replace("playbook: slow, on: firing}", "playbook: slow, on: firing, notify: [sink]}")
    r = Receiver(cfg, extra_args=["--run.grace-period=1s"])
    try:
        r.start()
        assert r.post(payload(alert("Slow")))[0] == 200
        r.wait_for(lambda: r.api("status")["running"] == 1, what="run to start")
        t0 = time.time()
        assert r.stop(signal.SIGTERM, timeout=20) == 0
        took = time.time() - t0
        assert took < 10, took
        db = r.db()
        state, result = db.execute("SELECT state, result FROM runs").fetchone()
        db.close()
        assert state == "interrupted", (state, result)
        # restart: not re-run (retry_interrupted is false), the interrupted notification goes out
        r.start()
        time.sleep(1)
        assert r.api("status")["queued"] == 0 and len(r.runs()) == 1
        r.wait_for(lambda: any(e.get("event") == "interrupted" for e in sink.events), timeout=15, what="interrupted notification")
    finally:
        r.cleanup()
        sink.close()


def test_kill9_mid_run_marks_interrupted_and_retries_when_asked():
    r = Receiver(SLOW)
    try:
        r.start()
        assert r.post(payload(alert("Slow")))[0] == 200
        assert r.post(payload(alert("SlowRetry")))[0] == 200
        # both starts recorded in the store (the status count includes a start still being committed,
        # which a restart rightly resumes as a queued run)
        r.wait_for(lambda: [x["state"] for x in r.runs()] == ["running", "running"], what="both runs to start")
        r.kill9()
        r.start()
        r.wait_idle(timeout=30)
        runs = {(x["playbook"], x["trigger"]): x for x in r.runs()}
        assert runs[("slow", "alert")]["state"] == "interrupted"
        assert runs[("slow-retry", "alert")]["state"] == "interrupted", runs
        assert runs[("slow-retry", "retry")]["state"] == "succeeded"
        assert ("slow", "retry") not in runs
    finally:
        r.cleanup()


def test_reload_sighup_and_endpoint_atomic():
    r = Receiver(DUMP)
    try:
        r.start()
        assert [p["name"] for p in r.api("status")["playbooks"]] == ["dump"]
        r.write_config(DUMP.replace("routes:", "  dump2: {command: [\"@PLAYBOOKS@/dump-env\"], env: {OUT_DIR: \"@OUT@\"}}\nroutes:"))
        r.send_signal(signal.SIGHUP)
        r.wait_for(lambda: len(r.api("status")["playbooks"]) == 2, what="SIGHUP reload")
        r.write_config("playbooks:\n  broken: {command: []}\n")
        status, body, _ = r.request("POST", "/-/reload")
        assert status == 500 and b"receiver.yml:2: playbooks.broken.command: required" in body, (status, body)
        assert len(r.api("status")["playbooks"]) == 2  # the old config is kept
        assert "remediation_config_last_reload_successful 0" in r.metrics()
        r.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        assert r.proc.poll() is None and len(r.api("status")["playbooks"]) == 2
        r.write_config(DUMP)
        assert r.request("POST", "/-/reload")[0] == 200
        assert len(r.api("status")["playbooks"]) == 1
        assert "remediation_config_last_reload_successful 1" in r.metrics()
    finally:
        r.cleanup()


def test_operator_controls_pause_disable_manual_dry_run():
    r = Receiver(DUMP)
    try:
        r.start()
        r.api("pause", "POST")
        assert r.post(payload(alert("DumpP", labels={"i": "1"})))[0] == 200
        time.sleep(0.3)
        assert r.runs() == [] and r.api("alerts")["alerts"][0]["decision"] == "dump: paused"
        r.api("resume", "POST")
        r.api("playbooks/dump/disable", "POST")
        assert r.post(payload(alert("DumpP", labels={"i": "2"})))[0] == 200
        time.sleep(0.3)
        assert r.runs() == []
        assert r.request("POST", "/api/v1/playbooks/nope/disable")[0] == 404
        r.api("playbooks/dump/enable", "POST")
        assert r.post(payload(alert("DumpP", labels={"i": "3"})))[0] == 200
        r.wait_idle()
        assert len(r.runs()) == 1
        # a run by hand for the first stored alert
        first = r.api("alerts?limit=100")["alerts"][-1]
        res = r.api("runs", "POST", {"alert_id": first["id"], "playbook": "dump"})
        r.wait_idle()
        run = r.api("runs/%d" % res["run_id"])
        assert run["trigger"] == "manual" and run["state"] == "succeeded" and run["alert_id"] == first["id"], run
        # forms of the status page: same origin only, 303 back
        status, _, resp = r.request("POST", "/ui/pause", headers={"Origin": "http://127.0.0.1:%d" % r.port,
                                                                   "Host": "127.0.0.1:%d" % r.port})
        assert status == 303 and resp.getheader("Location") == "/"
        assert r.request("POST", "/ui/resume", headers={"Origin": "http://evil.example"})[0] == 403
        status, _, resp = r.request("POST", "/ui/runs", body="alert_id=%d&playbook=dump" % first["id"],
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 303 and resp.getheader("Location").startswith("/ui/runs/")
        status, page, _ = r.request("GET", resp.getheader("Location"))
        assert status == 200 and b"dump" in page
        status, page, _ = r.request("GET", "/")
        assert status == 200 and b"Paused" in page and b"DumpP" in page
        # paused survives a restart
        r.stop()
        r.start()
        assert r.api("status")["paused"] is True
    finally:
        r.cleanup()
    d = Receiver(DUMP, extra_args=["--dry-run"])
    try:
        d.start()
        assert d.post(payload(alert("DumpDry")))[0] == 200
        d.wait_idle()
        runs = d.runs()
        assert len(runs) == 1 and runs[0]["state"] == "dry_run" and runs[0]["argv"][0].endswith("dump-env"), runs
        assert not any(f.endswith(".env") for f in os.listdir(d.out))
    finally:
        d.cleanup()


def test_check_config():
    import subprocess
    from harness import BINARY, SOURCE
    ok = subprocess.run([BINARY, "--check-config", "--config.file=" + os.path.join(SOURCE, "contrib/examples/receiver.yml")],
                        capture_output=True, text=True)
    # the shipped example names secret files under /etc/homeops that a test machine lacks
    assert ok.returncode in (0, 1) and "Checking" in ok.stdout, ok
    r = Receiver(DUMP)
    try:
        good = subprocess.run([BINARY, "--check-config", "--config.file=" + r.config_path], capture_output=True, text=True)
        assert good.returncode == 0 and "SUCCESS" in good.stdout and "1 playbooks" in good.stdout, good
        r.write_config("routes:\n  - {playbook: missing}\n")
        bad = subprocess.run([BINARY, "--check-config", "--config.file=" + r.config_path], capture_output=True, text=True)
        assert bad.returncode == 1 and "unknown playbook" in bad.stdout, bad
        flag = subprocess.run([BINARY, "--no-such-flag"], capture_output=True, text=True)
        assert flag.returncode == 2 and "no-such-flag" in flag.stderr, flag
    finally:
        r.cleanup()


def test_playbook_runs_as_configured_user():
    if os.geteuid() != 0:
        print("needs root to switch users")
        sys.exit(77)
    r = Receiver("""
playbooks:
  whoami: {command: ["/usr/bin/id", "-u"], user: nobody}
routes:
  - {matchers: ['alertname="Who"'], playbook: whoami}
""")
    try:
        r.start()
        assert r.post(payload(alert("Who")))[0] == 200
        r.wait_idle()
        run = r.api("runs/%d" % r.runs()[0]["id"])
        assert run["state"] == "succeeded" and run["output"].strip() == "65534", run
    finally:
        r.cleanup()


def test_web_config_basic_auth_guards_page_metrics_api():
    import base64
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import crypt
        hashed = crypt.crypt("admin-pw", crypt.mksalt(crypt.METHOD_BLOWFISH))
    r = Receiver(AUTH)
    try:
        with open(os.path.join(r.tmp, "token"), "w") as f:
            f.write("s3cret")
        with open(os.path.join(r.tmp, "pw"), "w") as f:
            f.write("pa55")
        web = os.path.join(r.tmp, "web.yml")
        with open(web, "w") as f:
            f.write("basic_auth_users:\n  admin: %s\n" % hashed)
        r.extra_args = ["--web.config.file=" + web]
        r.start()
        admin = {"Authorization": "Basic " + base64.b64encode(b"admin:admin-pw").decode()}
        wrong = {"Authorization": "Basic " + base64.b64encode(b"admin:nope").decode()}
        for path in ("/", "/metrics", "/api/v1/status"):
            assert r.request("GET", path)[0] == 401, path
            assert r.request("GET", path, headers=wrong)[0] == 401, path
            assert r.request("GET", path, headers=admin)[0] == 200, path
        assert r.request("GET", "/-/healthy")[0] == 200
        # the API and reload also take a webhook token; the page and metrics do not
        bearer = {"Authorization": "Bearer s3cret"}
        assert r.request("GET", "/api/v1/status", headers=bearer)[0] == 200
        assert r.request("POST", "/-/reload", headers=bearer)[0] == 200
        assert r.request("GET", "/metrics", headers=bearer)[0] == 401
        # web users do not open the webhook: it keeps its own token
        assert r.post(payload(alert("Dump")), headers=admin)[0] == 401
        assert r.post(payload(alert("Dump")), headers=bearer)[0] == 200
    finally:
        r.cleanup()


def test_foreign_host_alert_refused_never_run():
    """global.host: an alert whose host label names another host is stored and refused, never run
    (not even by hand); its own host's alert and an alert without the label run as usual."""
    r = Receiver("global:\n  host: compute\n" + DUMP)
    try:
        r.start()
        same_name = {"name": "jellyfin"}
        assert r.post(payload(alert("DumpHost", labels=dict(same_name, host="storage"))))[0] == 200
        assert r.post(payload(alert("DumpHost", labels=dict(same_name, host="compute"))))[0] == 200
        assert r.post(payload(alert("DumpHost", labels=dict(same_name, instance="nohost"))))[0] == 200
        r.wait_idle()
        runs = r.runs()
        alerts = {a["fingerprint"]: a for a in r.api("alerts?limit=100")["alerts"]}
        assert len(alerts) == 3, alerts
        refused = [a for a in alerts.values() if a["decision"].startswith("refused")]
        assert len(refused) == 1, alerts
        assert refused[0]["decision"] == 'refused: alert for host "storage", this receiver acts for "compute"'
        assert len(runs) == 2 and refused[0]["fingerprint"] not in {x["fingerprint"] for x in runs}, runs
        # an operator's manual run of the refused alert is refused too
        status, body, _ = r.request("POST", "/api/v1/runs", body=json.dumps(
            {"alert_id": refused[0]["id"], "playbook": "dump"}), headers={"Content-Type": "application/json"})
        assert status in (400, 409, 422) and b"refused" in body, (status, body)
        assert len(r.runs()) == 2
        assert re.search(r'^remediation_alerts_refused_total\{reason="foreign_host"\} 1$', r.metrics(), re.M)
    finally:
        r.cleanup()


TESTS = {name[5:]: fn for name, fn in sorted(globals().items()) if name.startswith("test_") and callable(fn)}

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, sys.argv))
