#!/usr/bin/python3
"""receiver_bench.py: remediation_receiver beside adnanh/webhook on the same Alertmanager payloads.

Both servers get the same bytes: the real Alertmanager 0.25 webhook body from
$HOMEOPS_FIXTURES/alertmanager/real-alertmanager-0.25/ (a built-in copy of the same shape when the
fixtures are absent), made a distinct alert on every request by wrk and receiver_alerts.lua
(a counter in the fingerprint and the instance label), with a bearer token that both check.

  receiver  remediation_receiver, default flags, durable commits (SQLite WAL, synchronous=FULL:
            answered 200 only after the fsync'd group commit), a route to a playbook, --dry-run:
            every alert is stored, routed, gated and its run recorded (state dry_run) in the same
            commit, nothing is executed. --with-playbook adds a burst where the route really
            runs /bin/true (default bounds: 4 at a time, 1000 queued, then 503).
  webhook   adnanh/webhook (Debian), one hook running /bin/true, trigger rule on the same bearer
            token; it answers at once and starts the command in the background.

For each: accepted alerts/s (2xx answers), p50/p99 latency (wrk) at several connection counts;
then a fresh process takes a 10,000-alert burst: USS (Private_Clean + Private_Dirty of
/proc/PID/smaps_rollup) and RSS sampled every 20 ms during it (peak), and again once it is idle.
It prints a table with ratios and asserts nothing about speed (numbers depend on the machine).

usage: receiver_bench.py --receiver BIN [--connections 1,8,16,32] [--seconds 5] [--burst 10000]
                         [--burst-connections 16] [--repeat 1] [--with-playbook] [--json OUT] [--smoke]
--smoke: a short run of everything (ctest 'bench' label): checks the harness, not the speed.
"""
import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from homeops_test import Proc, free_port, http, memory_kib, wait_port  # noqa: E402

LUA = os.path.join(HERE, "receiver_alerts.lua")
TOKEN = "bench-token-3f9c2a7d"
FIXTURE = os.path.join("alertmanager", "real-alertmanager-0.25", "alertmanager_webhook_sample.json")
# the same body as the fixture, for a checkout without ../shared/fixtures
BUILTIN = {"receiver": "hook", "status": "firing", "alerts": [{
    "status": "firing", "labels": {"alertname": "FlagRaised", "instance": "127.0.0.1:19101", "job": "flag",
                                   "severity": "critical"},
    "annotations": {"summary": "flag raised on 127.0.0.1:19101"}, "startsAt": "2026-11-22T15:48:47.272Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://vm:19090/graph?g0.expr=feas_flag+%3D%3D+1&g0.tab=1", "fingerprint": "00c04af3484e7319"}],
    "groupLabels": {"alertname": "FlagRaised"},
    "commonLabels": {"alertname": "FlagRaised", "instance": "127.0.0.1:19101", "job": "flag", "severity": "critical"},
    "commonAnnotations": {"summary": "flag raised on 127.0.0.1:19101"}, "externalURL": "http://vm:19093",
    "version": "4", "groupKey": "{}:{alertname=\"FlagRaised\"}", "truncatedAlerts": 0}


def log(*a):
    print(*a, flush=True)


def load_template(d):
    """Writes the payload template (placeholders @FP@ and @N@) to d; returns (path, source)."""
    fx = os.environ.get("HOMEOPS_FIXTURES") or os.path.join(HERE, "..", "..", "..", "shared", "fixtures")
    path = os.path.join(fx, FIXTURE)
    if os.path.exists(path):
        with open(path) as f:
            body, source = json.load(f), FIXTURE
    else:
        body, source = json.loads(json.dumps(BUILTIN)), "built-in copy of " + FIXTURE + " (fixtures absent)"
    a = body["alerts"][0]
    a["fingerprint"] = "@FP@"
    a["labels"]["instance"] = "bench-@N@"
    body["commonLabels"]["instance"] = "bench-@N@"
    out = os.path.join(d, "payload.tmpl")
    with open(out, "w") as f:
        f.write(json.dumps(body, separators=(",", ":")))   # Alertmanager's compact form, its key order
    return out, source


def mem(pid):
    """(USS MiB, RSS MiB) of pid, or (0, 0) when it is gone."""
    uss, rss = memory_kib(pid)
    return uss / 1024.0, rss / 1024.0


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


class Sampler:
    """Samples a server's USS/RSS (and its children's count and RSS) every 20 ms until stopped."""

    def __init__(self, pid, with_children):
        self.pid, self.kids = pid, with_children
        self.uss = self.rss = self.kid_rss = 0.0
        self.nkids = 0
        self.stop_ev = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop_ev.is_set():
            u, r = mem(self.pid)
            self.uss, self.rss = max(self.uss, u), max(self.rss, r)
            if self.kids:
                ks = children(self.pid)
                self.nkids = max(self.nkids, len(ks))
                self.kid_rss = max(self.kid_rss, sum(mem(k)[1] for k in ks))
            self.stop_ev.wait(0.02)

    def stop(self):
        self.stop_ev.set()
        self.t.join()


def parse_wrk(out):
    def ms(m):
        v = float(m.group(1))
        return {"us": v / 1000.0, "ms": v, "s": v * 1000.0}[m.group(2)]
    res = {}
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", out)
    if not m:
        raise RuntimeError("cannot parse wrk output:\n" + out)
    res["requests"] = int(m.group(1))
    res["seconds"] = float(m.group(2)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(3)]
    non = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(non.group(1)) if non else 0
    err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(int(x) for x in err.groups()) if err else 0
    for p in ("50", "99"):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, out, re.M)
        res["p%s_ms" % p] = ms(m) if m else None
    res["accepted"] = res["requests"] - res["non2xx"]
    res["accepted_per_s"] = res["accepted"] / res["seconds"] if res["seconds"] else 0.0
    return res


def wrk(url, conns, seconds, template, burst=0, tmp=None):
    """One wrk run. burst > 0: stop after that many answers (marker file + SIGINT), else run for seconds."""
    argv = ["wrk", "-t1", "-c%d" % conns, "-d%ds" % (seconds if not burst else 300), "--latency", "-s", LUA, url,
            "--", template, TOKEN]
    env = dict(os.environ)
    if burst:
        marker = os.path.join(tmp, "burst-done")
        for f in os.listdir(tmp):
            if f.startswith("burst-done."):
                os.unlink(os.path.join(tmp, f))
        env.update(HOMEOPS_BENCH_MAX=str(burst), HOMEOPS_BENCH_DONE=marker)
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        deadline = time.monotonic() + 280
        while not os.path.exists(marker + ".0") and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        if p.poll() is None:
            p.send_signal(signal.SIGINT)   # wrk reports as soon as it is interrupted
        out = p.communicate(timeout=60)[0]
    else:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120, env=env).stdout
    return parse_wrk(out)


# ---- the two servers ----

class ReceiverServer:
    name = "receiver"

    def __init__(self, binary, tmp, playbook=False):
        self.tmp = tempfile.mkdtemp(prefix="rcv-", dir=tmp)
        self.playbook = playbook
        tok = os.path.join(self.tmp, "token")
        with open(tok, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(tok, 0o600)
        cfg = os.path.join(self.tmp, "receiver.yml")
        with open(cfg, "w") as f:
            f.write("receivers:\n  - name: alertmanager\n    path: /webhook\n    bearer_token_file: %s\n"
                    "playbooks:\n  noop:\n    command: [/bin/true]\n    timeout: 10s\n    max_concurrent: 4\n"
                    "routes:\n  - matchers: ['alertname=\"FlagRaised\"', 'severity=~\"warning|critical\"']\n"
                    "    playbook: noop\n" % tok)
        self.port = free_port()
        argv = [binary, "--config.file=" + cfg, "--storage.path=" + os.path.join(self.tmp, "data"),
                "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn",
                "--web.max-connections-per-ip=0"]   # all the load comes from one address here
        if not playbook:
            argv.append("--dry-run")
        self.proc = Proc(argv, name="remediation_receiver")
        if not wait_port(self.port):
            raise RuntimeError("receiver did not start:\n" + self.proc.output())
        self.pid = self.proc.pid
        self.url = "http://127.0.0.1:%d/webhook" % self.port

    def status(self):
        r = http(self.port, "/api/v1/status", headers={"Authorization": "Bearer " + TOKEN})
        return json.loads(r.body)

    def wait_idle(self, timeout=300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.status()
            if s["queued"] == 0 and s["running"] == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("receiver did not go idle")

    def stored(self):
        """(alerts, runs by state, commits, operations) from the store and /metrics."""
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.tmp, "data", "receiver.db"), uri=True)
        try:
            alerts = db.execute("SELECT count(*) FROM alerts").fetchone()[0]
            runs = dict(db.execute("SELECT state, count(*) FROM runs GROUP BY state").fetchall())
        finally:
            db.close()
        text = http(self.port, "/metrics").text()
        def val(name):
            m = re.search(r"^%s (\S+)$" % name, text, re.M)
            return float(m.group(1)) if m else 0.0
        return alerts, runs, val("remediation_store_commits_total"), val("remediation_store_operations_total")

    def close(self):
        self.proc.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class WebhookServer:
    name = "webhook"

    def __init__(self, binary, tmp):
        self.tmp = tempfile.mkdtemp(prefix="webhook-", dir=tmp)
        hooks = os.path.join(self.tmp, "hooks.json")
        with open(hooks, "w") as f:
            json.dump([{"id": "alert", "execute-command": "/bin/true", "command-working-directory": self.tmp,
                        "http-methods": ["POST"], "trigger-rule-mismatch-http-response-code": 401,
                        "trigger-rule": {"match": {"type": "value", "value": "Bearer " + TOKEN,
                                                   "parameter": {"source": "header", "name": "Authorization"}}}}],
                      f)
        self.port = free_port()
        self.proc = Proc([binary, "-hooks", hooks, "-ip", "127.0.0.1", "-port", str(self.port)], name="webhook")
        if not wait_port(self.port):
            raise RuntimeError("webhook did not start:\n" + self.proc.output())
        self.pid = self.proc.pid
        self.url = "http://127.0.0.1:%d/hooks/alert" % self.port

    def wait_idle(self, timeout=300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not children(self.pid):
                return
            time.sleep(0.1)
        raise RuntimeError("webhook's commands did not finish")

    def close(self):
        self.proc.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def check_auth(srv):
    """Both servers refuse a wrong token (so both really check it)."""
    import http.client as hc
    c = hc.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    c.request("POST", srv.url.split(str(srv.port), 1)[1], body=b"{}",
              headers={"Authorization": "Bearer wrong", "Content-Type": "application/json"})
    st = c.getresponse().status
    c.close()
    if st != 401:
        raise RuntimeError("%s answered %d to a wrong token" % (srv.name, st))


def run_server(kind, a, tmp, template):
    """Throughput at each connection count on one process, then a burst on a fresh one."""
    mk = (lambda **kw: ReceiverServer(a.receiver, tmp, **kw)) if kind == "receiver" else \
        (lambda **kw: WebhookServer(a.webhook, tmp))
    res = {"server": kind, "runs": [], "burst": None}
    srv = mk()
    try:
        check_auth(srv)
        idle_uss, idle_rss = mem(srv.pid)
        res["idle_uss_mib"], res["idle_rss_mib"] = idle_uss, idle_rss
        wrk(srv.url, 4, 1, template)   # warm-up
        srv.wait_idle()
        sent_ok = 0
        for c in a.connections:
            tries = []
            for _ in range(a.repeat):
                load = os.getloadavg()[0]
                r = wrk(srv.url, c, a.seconds, template)
                r["load1"] = load
                srv.wait_idle()
                sent_ok += r["accepted"]
                tries.append(r)
            best = median(tries)
            best["connections"] = c
            best["all_accepted_per_s"] = [t["accepted_per_s"] for t in tries]
            best["all_p99_ms"] = [t["p99_ms"] for t in tries]
            res["runs"].append(best)
            log("  %-8s c=%-3d %9.0f alerts/s  p50 %6.2f ms  p99 %6.2f ms  non-2xx %d  (load %.2f)" % (
                kind, c, best["accepted_per_s"], best["p50_ms"] or 0, best["p99_ms"] or 0, best["non2xx"],
                best["load1"]))
        if kind == "receiver":
            alerts, runs, commits, ops = srv.stored()
            res["stored_alerts"], res["runs_by_state"] = alerts, runs
            res["alerts_per_commit"] = ops / commits if commits else 0
            # every 2xx was committed before it was answered: the store holds at least that many
            if alerts < sent_ok:
                raise RuntimeError("store holds %d alerts, %d were answered 2xx" % (alerts, sent_ok))
            log("  receiver store: %d alerts, runs %s, %.1f operations per fsync'd commit" % (
                alerts, runs, res["alerts_per_commit"]))
    finally:
        srv.close()

    tries = [burst(mk, a, tmp, template, kind) for _ in range(a.repeat)]
    res["burst"] = median(tries)
    res["burst"]["all_accepted_per_s"] = [t["accepted_per_s"] for t in tries]
    res["burst"]["all_p99_ms"] = [t["p99_ms"] for t in tries]
    res["burst"]["all_uss_during_mib"] = [t["uss_during_mib"] for t in tries]
    if kind == "receiver" and a.with_playbook:
        res["burst_playbook"] = burst(lambda: ReceiverServer(a.receiver, tmp, playbook=True), a, tmp, template,
                                      "receiver+playbook", size=a.playbook_burst or a.burst)
    return res


def burst(mk, a, tmp, template, label, size=0):
    srv = mk()
    try:
        time.sleep(0.3)
        before = mem(srv.pid)
        load = os.getloadavg()[0]
        s = Sampler(srv.pid, with_children=isinstance(srv, WebhookServer) or label == "receiver+playbook")
        r = wrk(srv.url, a.burst_connections, 0, template, burst=size or a.burst, tmp=tmp)
        t_idle = time.monotonic()
        srv.wait_idle()
        settle = time.monotonic() - t_idle
        s.stop()
        time.sleep(2)
        after = mem(srv.pid)
        b = dict(r, connections=a.burst_connections, load1=load, uss_before_mib=before[0], rss_before_mib=before[1],
                 uss_during_mib=s.uss, rss_during_mib=s.rss, uss_after_mib=after[0], rss_after_mib=after[1],
                 children_peak=s.nkids, children_rss_peak_mib=s.kid_rss, seconds_to_idle=settle)
        if isinstance(srv, ReceiverServer):
            alerts, runs, commits, ops = srv.stored()
            b.update(stored_alerts=alerts, runs_by_state=runs, alerts_per_commit=ops / commits if commits else 0)
            if alerts < b["accepted"]:
                raise RuntimeError("burst: store holds %d alerts, %d were answered 2xx" % (alerts, b["accepted"]))
        log("  %-8s burst of %d at c=%d: %.0f alerts/s, p99 %.2f ms, non-2xx %d; USS/RSS during %.1f/%.1f MiB, "
            "after %.1f/%.1f MiB%s" % (label, r["requests"], a.burst_connections, r["accepted_per_s"], r["p99_ms"] or 0,
                                       r["non2xx"], s.uss, s.rss, after[0], after[1],
                                       ", children peak %d (%.0f MiB RSS)" % (s.nkids, s.kid_rss) if s.nkids else ""))
        return b
    finally:
        srv.close()


def median(tries):
    """The run with the median accepted alerts/s (the middle one of an odd number of repeats)."""
    return dict(sorted(tries, key=lambda t: t["accepted_per_s"])[(len(tries) - 1) // 2])


def ratio(x, y):
    return "%.2fx" % (x / y) if x and y else "-"


def table(results, a):
    rc = results["receiver"]
    # --servers receiver: the webhook columns stay empty
    none = {"accepted_per_s": 0, "p50_ms": 0, "p99_ms": 0, "non2xx": 0, "uss_during_mib": 0, "rss_during_mib": 0,
            "uss_after_mib": 0, "rss_after_mib": 0}
    wh = results.get("webhook") or {"runs": [dict(none, connections=c) for c in a.connections], "burst": none}
    print("\n== remediation_receiver (durable, --dry-run) vs adnanh/webhook (/bin/true), wrk -t1, %ds per row ==" %
          a.seconds)
    print("payload: %s (%d bytes), a new alert per request" % (results["payload"], results["payload_bytes"]))
    print("%-5s | %12s %8s %8s | %12s %8s %8s | %8s %8s" % ("conns", "rcv alerts/s", "p50 ms", "p99 ms",
                                                          "wh alerts/s", "p50 ms", "p99 ms", "rcv/wh", "p99 wh/rcv"))
    for x, y in zip(rc["runs"], wh["runs"]):
        print("%-5d | %12.0f %8.2f %8.2f | %12.0f %8.2f %8.2f | %8s %8s" % (
            x["connections"], x["accepted_per_s"], x["p50_ms"] or 0, x["p99_ms"] or 0, y["accepted_per_s"],
            y["p50_ms"] or 0, y["p99_ms"] or 0, ratio(x["accepted_per_s"], y["accepted_per_s"]),
            ratio(y["p99_ms"], x["p99_ms"])))
    print("\n== burst of %d alerts at %d connections (fresh process and store each%s) ==" % (
        a.burst, a.burst_connections, "; rcv+playbook: %d" % a.playbook_burst if a.playbook_burst else ""))
    rows = [("receiver", rc["burst"]), ("webhook", wh["burst"])]
    if rc.get("burst_playbook"):
        rows.append(("rcv+playbook", rc["burst_playbook"]))
    print("%-12s | %10s %8s %8s %7s | %9s %9s | %9s %9s | %s" % (
        "server", "alerts/s", "p50 ms", "p99 ms", "non2xx", "USS dur.", "RSS dur.", "USS after", "RSS after",
        "notes"))
    for name, b in rows:
        notes = ""
        if b.get("children_peak"):
            notes = "children peak %d, %.0f MiB RSS" % (b["children_peak"], b["children_rss_peak_mib"])
        if "runs_by_state" in b:
            notes = (notes + "; " if notes else "") + "runs %s" % b["runs_by_state"]
        print("%-12s | %10.0f %8.2f %8.2f %7d | %9.1f %9.1f | %9.1f %9.1f | %s" % (
            name, b["accepted_per_s"], b["p50_ms"] or 0, b["p99_ms"] or 0, b["non2xx"], b["uss_during_mib"],
            b["rss_during_mib"], b["uss_after_mib"], b["rss_after_mib"], notes))
    x, y = rc["burst"], wh["burst"]
    print("ratios receiver/webhook: alerts/s %s, USS during %s, RSS during %s, USS after %s, RSS after %s" % (
        ratio(x["accepted_per_s"], y["accepted_per_s"]), ratio(x["uss_during_mib"], y["uss_during_mib"]),
        ratio(x["rss_during_mib"], y["rss_during_mib"]), ratio(x["uss_after_mib"], y["uss_after_mib"]),
        ratio(x["rss_after_mib"], y["rss_after_mib"])))
    print("(MiB; USS = Private_Clean + Private_Dirty; webhook's own process, its /bin/true children listed apart)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--receiver", required=True)
    ap.add_argument("--webhook", default=shutil.which("webhook") or "/usr/bin/webhook")
    ap.add_argument("--connections", default="1,8,16,32",
                    help="the receiver serves --web.max-requests (40) requests at once; more are answered 503")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per connection count and bursts; the one with the median alerts/s is shown")
    ap.add_argument("--burst", type=int, default=10000)
    ap.add_argument("--burst-connections", type=int, default=16)
    ap.add_argument("--with-playbook", action="store_true", help="also a burst where /bin/true really runs")
    ap.add_argument("--playbook-burst", type=int, default=0, help="size of that burst (default: --burst)")
    ap.add_argument("--dir", default=os.environ.get("HOMEOPS_BENCH_DIR", "/var/tmp"),
                    help="where the stores live (a disk, not tmpfs: commits are fsync'd)")
    ap.add_argument("--servers", default="receiver,webhook", help="receiver,webhook (the default) or receiver")
    ap.add_argument("--json")
    ap.add_argument("--smoke", action="store_true", help="short runs (ctest): checks the harness, not the speed")
    a = ap.parse_args()
    if a.smoke:
        a.connections, a.seconds, a.burst, a.burst_connections, a.repeat = "1,8", 1, 2000, 8, 1
        a.with_playbook, a.playbook_burst = True, 200
        log("smoke run: short and possibly under sanitizers; its numbers are not measurements")
    a.connections = [int(c) for c in str(a.connections).split(",")]
    for tool in ("wrk", a.webhook, a.receiver):
        if not shutil.which(tool) and not os.access(tool, os.X_OK):
            print("missing %s (contrib/debian-packages.txt)" % tool)
            return 1
    tmp = tempfile.mkdtemp(prefix="homeops-rcvbench-", dir=a.dir)
    try:
        fstype = subprocess.run(["stat", "-f", "-c", "%T", tmp], capture_output=True, text=True).stdout.strip()
        template, source = load_template(tmp)
        results = {"payload": source, "payload_bytes": len(open(template).read().replace("@FP@", "0" * 16)),
                   "filesystem": fstype, "cpus": os.cpu_count(), "load_at_start": os.getloadavg(),
                   "settings": {"connections": a.connections, "seconds": a.seconds, "burst": a.burst,
                                "burst_connections": a.burst_connections, "repeat": a.repeat}}
        log("store on %s (%s), %d CPUs, load %.2f %.2f %.2f" % (tmp, fstype, os.cpu_count(), *os.getloadavg()))
        if fstype == "tmpfs":
            log("WARNING: tmpfs makes fsync free: give --dir on a disk for durable numbers")
        for kind in a.servers.split(","):
            results[kind] = run_server(kind, a, tmp, template)
        results["load_at_end"] = os.getloadavg()
        table(results, a)
        log("load average at start %.2f %.2f %.2f, at end %.2f %.2f %.2f" % (*results["load_at_start"],
                                                                             *results["load_at_end"]))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(results, f, indent=1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
