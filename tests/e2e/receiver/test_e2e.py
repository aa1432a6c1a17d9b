#!/usr/bin/python3
"""test_e2e.py: remediation_receiver in a real closed loop, and its status page in headless Chromium.

closed_loop:  test_exporter (test_up 0 while a file exists) -> real Prometheus (1s scrape/eval, rule
              test_up == 0) -> real Alertmanager -> POST with a bearer token -> remediation_receiver
              -> playbook removes the file -> test_up 1 -> alert resolves -> resolved notification
              -> the same route (on: both) handles it. One firing run, exit 0; one resolved run.
ha_pair:      the same loop with two Alertmanagers that both deliver every notification (and repeat
              it every 2s while the repair takes 3s): still exactly one firing run.
status_page_chromium: after a run, Debian's chromium (headless, as root, no display) loads / and the
              run's page; the DOM shows playbook, alertname and outcome; a phone-size screenshot is
              a real PNG with content.
status_pages_operator: the operator's questions on four alerts (two unhealthy containers, an
              unresponsive share whose remount fails, a SnapRAID scrub error): which one, why, what
              was done, what next, answered in the DOM; screenshots at desktop and phone widths.

usage: test_e2e.py --receiver BIN --exporter BIN [TEST...]   (ctest runs each test as its own entry)
Every program runs on 127.0.0.1 with a free port and its own temp dir, and is stopped by PID.
"""
import argparse
import base64
import html.parser
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("HOMEOPS_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration", "receiver"))
sys.path.insert(0, os.path.join(SOURCE, "tests", "lib"))
import harness  # noqa: E402
from harness import Receiver, WebhookSink, alert, payload, run_tests  # noqa: E402
from homeops_test import http, metric_value, promtool_check_metrics, start_exporter  # noqa: E402
import stack_parts  # noqa: E402
from stack_parts import chromium, write  # noqa: E402

PLAYBOOK = os.path.join(HERE, "playbooks", "repair-fail-file")
ALERTNAME = "TestExporterDown"
ARGS = None

RECEIVER_CONFIG = """
receivers:
  - name: alertmanager
    path: /webhook
    bearer_token_file: @TMP@/receiver.token
playbooks:
  repair:
    command: ["%(playbook)s"]
    env: {FAIL_FILE: "%(fail_file)s", RUN_LOG: "%(run_log)s", REPAIR_DELAY: "%(delay)s"}
    timeout: 30s
notifiers:
  operator:
    webhook: {url: "%(sink)s", events: [started, succeeded, failed]}
routes:
  - matchers: ['alertname="%(alertname)s"', 'severity="critical"']
    playbook: repair
    on: both
    notify: [operator]
"""

RULES = """
groups:
  - name: e2e
    interval: 1s
    rules:
      - alert: %s
        expr: test_up == 0
        labels: {severity: critical}
        annotations: {summary: "test_exporter reports test_up 0"}
""" % ALERTNAME


def log(*a):
    print(*a, flush=True)


def start_alertmanager(tmp, name, receiver_port, token_file):
    """A real Alertmanager (no clustering) that sends everything to the receiver with a bearer token."""
    d = os.path.join(tmp, "am-" + name)
    os.makedirs(os.path.join(d, "data"))
    cfg = os.path.join(d, "alertmanager.yml")
    write(cfg, """route:
  receiver: homeops
  group_by: [alertname, instance]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: homeops
    webhook_configs:
      - url: http://127.0.0.1:%d/webhook
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: %s
""" % (receiver_port, token_file))
    return stack_parts.start_alertmanager(d, cfg, name="alertmanager-" + name, log_level="debug")


def start_prometheus(tmp, exporter_port, am_ports):
    d = os.path.join(tmp, "prometheus")
    os.makedirs(os.path.join(d, "data"))
    rules = os.path.join(d, "rules.yml")
    write(rules, RULES)
    cfg = os.path.join(d, "prometheus.yml")
    write(cfg, """global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%s]
alerting:
  alertmanagers:
    - timeout: 2s
      static_configs:
        - targets: [%s]
scrape_configs:
  - job_name: test
    static_configs:
      - targets: ['127.0.0.1:%d']
""" % (rules, ", ".join("'127.0.0.1:%d'" % p for p in am_ports), exporter_port))
    return stack_parts.start_prometheus(d, cfg)


def prom_query(port, q):
    r = http(port, "/api/v1/query?query=" + urllib.parse.quote(q))
    assert r.status == 200, r.body
    return json.loads(r.body)["data"]["result"]


class Loop:
    """Everything one closed-loop scenario starts; close() stops it all by PID."""

    def __init__(self, n_alertmanagers, repair_delay):
        self.tmp = tempfile.mkdtemp(prefix="homeops-e2e-")
        self.fail_file = os.path.join(self.tmp, "exporter-broken")
        self.run_log = os.path.join(self.tmp, "runs.log")
        self.procs = []
        self.receiver = None
        self.sink = None
        self.n_am = n_alertmanagers
        self.delay = repair_delay
        self.am_ports = []

    def start(self):
        token = base64.b64encode(os.urandom(24)).decode()
        token_file = os.path.join(self.tmp, "receiver.token")
        write(token_file, token + "\n", 0o600)   # a trailing newline, as `base64 > file` writes it
        write(self.fail_file, "broken\n")
        write(self.run_log, "")
        self.sink = WebhookSink()
        cfg = RECEIVER_CONFIG % {"playbook": PLAYBOOK, "fail_file": self.fail_file, "run_log": self.run_log,
                                 "delay": self.delay, "sink": self.sink.url(), "alertname": ALERTNAME}
        self.receiver = Receiver(cfg, tmp=self.tmp)
        self.receiver.token = token
        self.receiver.start()
        log("receiver on port", self.receiver.port)
        ex, self.exporter_port = start_exporter(ARGS.exporter, "--test.fail-file=" + self.fail_file,
                                                "--test.interval=250ms")
        self.procs.append(ex)
        for name in "ab"[:self.n_am]:
            p, port = start_alertmanager(self.tmp, name, self.receiver.port, token_file)
            self.procs.append(p)
            self.am_ports.append(port)
        log("alertmanagers on ports", self.am_ports)
        self.prom, self.prom_port = start_prometheus(self.tmp, self.exporter_port, self.am_ports)
        self.procs.append(self.prom)
        log("prometheus on port", self.prom_port)

    def runs(self):
        return [r for r in self.receiver.runs() if r["playbook"] == "repair"]

    def db_rows(self, sql, *args):
        with self.receiver.db() as c:
            return c.execute(sql, args).fetchall()

    def close(self, failed):
        if failed:
            for p in self.procs:
                log("---- %s (pid %d) log tail ----\n%s" % (p.name, p.pid, p.output()[-3000:]))
            if self.receiver:
                log("---- receiver log tail ----\n" + self.receiver.log()[-5000:])
        for p in reversed(self.procs):
            p.close()
        if self.receiver:
            self.receiver.cleanup()   # SIGKILL by PID if still running, then removes the temp dir
        if self.sink:
            self.sink.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def closed_loop(n_alertmanagers, repair_delay):
    loop = Loop(n_alertmanagers, repair_delay)
    failed = True
    try:
        loop.start()
        r = loop.receiver
        t0 = time.monotonic()

        # Prometheus fires, Alertmanager delivers, the playbook repairs: the firing run succeeds
        def done(status):
            return [x for x in loop.runs() if x["alert_status"] == status and x["state"] in ("succeeded", "failed")]
        firing = r.wait_for(lambda: done("firing"), timeout=90, what="the firing run to finish")
        log("firing run finished after %.1fs: %s" % (time.monotonic() - t0, firing))
        assert not os.path.exists(loop.fail_file), "the playbook did not remove the fail file"
        # test_exporter recovers, the rule stops firing, Alertmanager sends resolved: handled by on: both
        resolved = r.wait_for(lambda: done("resolved"), timeout=90, what="the resolved run to finish")
        log("resolved run finished after %.1fs" % (time.monotonic() - t0))
        if n_alertmanagers > 1:
            # both Alertmanagers deliver resolved too; wait until each copy is stored
            r.wait_for(lambda: len(set(u for u, in loop.db_rows(
                "SELECT n.external_url FROM alerts a JOIN notifications n ON n.id = a.notification_id"
                " WHERE a.alertname = ? AND a.status = 'resolved'", ALERTNAME))) == n_alertmanagers,
                timeout=60, what="resolved notifications from every Alertmanager")
        # stay a while: a late re-send (repeat_interval 2s, resend-delay 1s) must not run anything again
        time.sleep(5)
        r.wait_idle()

        runs = loop.runs()
        fr = [x for x in runs if x["alert_status"] == "firing"]
        rr = [x for x in runs if x["alert_status"] == "resolved"]
        assert len(fr) == 1, "the playbook must run exactly once for the firing alert: %s" % fr
        assert len(rr) == 1, "the resolved notification must be handled once: %s" % rr
        for x in fr + rr:
            assert x["state"] == "succeeded" and x["exit_code"] == 0 and x["result"] == "exit 0", x
            assert x["alertname"] == ALERTNAME and x["trigger"] == "alert" and x["signal"] == 0, x
            assert x["started_at"] > 0 and x["ended_at"] >= x["started_at"], x
        assert fr[0]["fingerprint"] == rr[0]["fingerprint"] and fr[0]["starts_at"] == rr[0]["starts_at"], runs
        assert fr[0]["argv"] == [PLAYBOOK], fr[0]["argv"]
        assert fr[0]["attempt"] == 1, fr[0]
        detail = r.api("runs/%d" % fr[0]["id"])
        assert "repaired: removed " + loop.fail_file in detail["output"], detail["output"]
        assert "127.0.0.1:%d" % loop.exporter_port in detail["output"], detail["output"]   # the instance label

        # the playbook really ran exactly twice (once firing, once resolved): its own log, not the store
        with open(loop.run_log) as f:
            execs = [line.split() for line in f if line.strip()]
        assert sorted(e[0] for e in execs) == ["firing", "resolved"], execs
        assert all(e[1] == ALERTNAME and e[2] == fr[0]["fingerprint"] for e in execs), execs

        # the store: every delivery kept, with Alertmanager's own fields
        rows = loop.db_rows("SELECT a.status, a.decision, a.fingerprint, a.starts_at, n.external_url, n.am_receiver,"
                            " n.receiver FROM alerts a JOIN notifications n ON n.id = a.notification_id"
                            " WHERE a.alertname = ? ORDER BY a.id", ALERTNAME)
        log("stored deliveries (status, decision, external_url):")
        for row in rows:
            log("  ", row[0], "|", row[1], "|", row[4])
        assert all(row[5] == "homeops" and row[6] == "alertmanager" for row in rows), rows
        assert len(set((row[2], row[3]) for row in rows)) == 1, "one alert (fingerprint, startsAt) expected"
        fired = [row for row in rows if row[0] == "firing"]
        assert sum(1 for row in fired if row[1] == "repair: run") == 1, fired
        assert any(row[0] == "resolved" and row[1] == "repair: run" for row in rows), rows
        senders = set(row[4] for row in fired)
        expected = set("http://127.0.0.1:%d" % p for p in loop.am_ports)   # Alertmanager drops the slash
        assert senders == expected, "firing alert must come from every Alertmanager: %s vs %s" % (senders, expected)
        if n_alertmanagers > 1:
            assert len(fired) >= 2 and all(row[1] == "repair: duplicate" for row in fired if row[1] != "repair: run"), \
                fired
            log("HA pair: %d firing deliveries from %d Alertmanagers, 1 run" % (len(fired), len(senders)))

        # the receiver's metrics agree, and Alertmanager never had to retry (bearer auth accepted)
        text = r.metrics()
        promtool_check_metrics(text)
        assert metric_value(text, "remediation_runs_total", {"playbook": "repair", "result": "succeeded"}) == 2, text
        assert metric_value(text, "remediation_alerts_received_total", {"status": "resolved"}) >= 1
        assert metric_value(text, "remediation_alerts_received_total", {"status": "firing"}) >= n_alertmanagers
        assert metric_value(text, "remediation_webhooks_received_total", {"code": "200"}) == len(rows), \
            "every delivery answered 200 (one alert per notification)"
        for code in ("401", "400", "503"):
            assert not metric_value(text, "remediation_webhooks_received_total", {"code": code}), (code, text)
        for port in loop.am_ports:
            am = http(port, "/metrics").text()
            sent = metric_value(am, "alertmanager_notifications_total", {"integration": "webhook"})
            failed_n = metric_value(am, "alertmanager_notifications_failed_total", {"integration": "webhook"})
            assert sent and sent >= 2 and not failed_n, (port, sent, failed_n)

        # Prometheus sees the repaired exporter and no firing alert
        up = prom_query(loop.prom_port, "test_up")
        assert up and up[0]["value"][1] == "1", up
        assert prom_query(loop.prom_port, 'ALERTS{alertname="%s",alertstate="firing"}' % ALERTNAME) == []

        # the operator heard about both runs through the notifier
        r.wait_for(lambda: sum(1 for e in loop.sink.events if e.get("event") == "succeeded") == 2, timeout=30,
                   what="two 'succeeded' notifications")
        ev = [e for e in loop.sink.events if e.get("event") == "succeeded"]
        assert sorted(e["run_id"] for e in ev) == sorted([fr[0]["id"], rr[0]["id"]]), ev
        assert all(e["playbook"] == "repair" and e["alertname"] == ALERTNAME for e in ev), ev

        # bearer auth is enforced on the webhook the Alertmanagers use
        body = payload(alert(ALERTNAME, labels={"severity": "critical"}))
        assert r.post(body, headers={"Authorization": "Bearer wrong"})[0] == 401
        assert r.request("POST", "/webhook", json.dumps(body), {"Content-Type": "application/json"})[0] == 401
        assert len(loop.runs()) == 2
        failed = False
    finally:
        loop.close(failed)


def test_closed_loop():
    """Prometheus -> Alertmanager -> receiver (bearer) -> playbook repairs -> resolved handled; one run."""
    closed_loop(1, 0)


def test_ha_pair():
    """Two Alertmanagers deliver every notification (and re-send during a 3s repair): still one run."""
    closed_loop(2, 3)


# ---- status page in Chromium ----

class Cells(html.parser.HTMLParser):
    """Collects the text of every table row, and links, from a DOM dump."""

    def __init__(self):
        super().__init__()
        self.rows, self.links, self.cur, self.cell, self.h = [], [], None, None, []
        self.in_h = False
        self.headings = []

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.cur = []
        elif tag in ("td", "th") and self.cur is not None:
            self.cell = []
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))
        elif tag in ("h1", "h2"):
            self.in_h = True
            self.h = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.cur is not None:
            self.cur.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.cur is not None:
            self.rows.append(self.cur)
            self.cur = None
        elif tag in ("h1", "h2"):
            self.in_h = False
            self.headings.append(" ".join("".join(self.h).split()))

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        if self.in_h:
            self.h.append(data)


def png_info(path):
    """(width, height, distinct pixel values in a sample, share of non-white pixels) of an 8-bit RGB(A) PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        assert zlib.crc32(kind + chunk) & 0xffffffff == crc, "bad CRC in %s" % kind
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype = ihdr[0], ihdr[1], ihdr[2], ihdr[3]
    assert depth == 8 and ctype in (2, 6), ihdr
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours, nonwhite, total = set(), 0, 0
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):   # undo the PNG row filter
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 0xff
            elif ft == 2:
                line[i] = (line[i] + b) & 0xff
            elif ft == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xff
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xff
        prev = line
        for x in range(0, w, 3):
            px = bytes(line[x * bpp:x * bpp + 3])
            colours.add(px)
            total += 1
            if px != b"\xff\xff\xff":
                nonwhite += 1
    return w, h, len(colours), nonwhite / total


def test_status_page_chromium():
    """After a run, headless Chromium shows it on / (playbook, alertname, outcome) and on its own page."""
    tmp = tempfile.mkdtemp(prefix="homeops-e2e-ui-")
    sink = WebhookSink()
    fail_file = os.path.join(tmp, "exporter-broken")
    run_log = os.path.join(tmp, "runs.log")
    write(fail_file, "broken\n")
    token = base64.b64encode(os.urandom(24)).decode()
    write(os.path.join(tmp, "receiver.token"), token + "\n", 0o600)
    cfg = RECEIVER_CONFIG % {"playbook": PLAYBOOK, "fail_file": fail_file, "run_log": run_log, "delay": 0,
                             "sink": sink.url(), "alertname": ALERTNAME}
    # the pages need the API's credentials (issue 8): the browser logs in as a web config user
    from homeops_test import bcrypt_hash
    write(os.path.join(tmp, "web.yml"), "basic_auth_users:\n  operator: %s\n" % bcrypt_hash("op-pw", cost=10), 0o600)
    r = Receiver(cfg, tmp=tmp, extra_args=["--web.config.file=" + os.path.join(tmp, "web.yml")])
    r.token = token
    failed = True
    try:
        r.start()
        a = alert(ALERTNAME, labels={"severity": "critical", "instance": "nas:9100", "job": "test"},
                  annotations={"summary": "test_exporter reports test_up 0"})
        assert r.post(payload(a))[0] == 200
        run = r.wait_for(lambda: [x for x in r.runs() if x["state"] in ("succeeded", "failed")], timeout=30,
                         what="the run to finish")[0]
        assert run["state"] == "succeeded", run
        anonymous = chromium(tmp, "--dump-dom", "http://127.0.0.1:%d/" % r.port)
        assert "Recent runs" not in anonymous and ALERTNAME not in anonymous, anonymous[-2000:]
        url = "http://operator:op-pw@127.0.0.1:%d/" % r.port

        dom = chromium(tmp, "--dump-dom", url)
        page = Cells()
        page.feed(dom)
        assert "homeops remediation" in page.headings and "Recent runs" in page.headings, page.headings
        want = [str(run["id"]), "repair", ALERTNAME + " (firing)", "succeeded", "exit 0"]
        rows = [row for row in page.rows if row and row[0] == str(run["id"]) and "repair" in row]
        assert rows, "run %d not on the page; rows: %s" % (run["id"], page.rows)
        row = rows[0]
        # the alert cell carries the labels that identify it; the result its attempt count
        assert row[0] == want[0] and row[2] == want[1] and row[3].startswith(ALERTNAME) \
            and "instance=nas:9100" in row[3] and row[3].endswith("(firing)") and row[4] == want[3] \
            and row[5].startswith(want[4]) and "attempt 1" in row[5], row
        alerts = [row for row in page.rows if row and row[2].startswith(ALERTNAME) and "firing" in row
                  and run["fingerprint"] in row]
        assert alerts and any("repair: run" in c for c in alerts[0]), page.rows
        assert "/ui/runs/%d" % run["id"] in page.links, page.links
        log("chromium: page shows run %s: %s" % (run["id"], row))

        # the run's own page (the link on /) shows the command and the playbook's output
        dom = chromium(tmp, "--dump-dom", url + "ui/runs/%d" % run["id"])
        assert "repaired: removed " + fail_file in dom, dom[-3000:]
        assert "succeeded" in dom and PLAYBOOK in dom and ALERTNAME in dom, dom[-3000:]

        # a phone-sized screenshot renders something real
        shot = os.path.join(tmp, "status.png")
        chromium(tmp, "--screenshot=" + shot, "--window-size=390,844", "--hide-scrollbars", url)
        if os.environ.get("HOMEOPS_E2E_SCREENSHOT"):   # keep a copy to look at
            shutil.copyfile(shot, os.environ["HOMEOPS_E2E_SCREENSHOT"])
        size = os.path.getsize(shot)
        w, h, colours, ink = png_info(shot)
        log("screenshot: %dx%d, %d bytes, %d distinct colours sampled, %.1f%% non-white" % (w, h, size, colours,
                                                                                        ink * 100))
        assert (w, h) == (390, 844), (w, h)
        assert size > 5000 and colours >= 8 and 0.01 < ink < 0.9, (size, colours, ink)
        failed = False
    finally:
        if failed:
            log("---- receiver log tail ----\n" + r.log()[-4000:])
        r.cleanup()
        sink.close()
        shutil.rmtree(tmp, ignore_errors=True)


OPERATOR_CONFIG = """
receivers:
  - name: alertmanager
    path: /webhook
    bearer_token_file: @TMP@/receiver.token
playbooks:
  restart-container:
    command: ["@TMP@/restart-container"]
    timeout: 30s
  remount-cifs:
    command: ["@TMP@/remount-cifs"]
    timeout: 30s
    max_attempts: 2
    cooldown: 10m
  snapraid-report:
    command: ["@TMP@/snapraid-report"]
    timeout: 30s
notifiers:
  operator:
    webhook: {url: "%(sink)s", events: [started, succeeded, failed]}
routes:
  - matchers: ['alertname="DockerContainerUnhealthy"']
    playbook: restart-container
    notify: [operator]
  - matchers: ['alertname="CifsMountUnresponsive"']
    playbook: remount-cifs
    notify: [operator]
  - matchers: ['alertname=~"Snapraid.*"']
    playbook: snapraid-report
    notify: [operator]
"""

RUNBOOKS = "https://github.com/homeops/homeops/blob/main/alert-rules/runbooks/"


def operator_alerts():
    dock = lambda name, runbook: alert(  # noqa: E731
        "DockerContainerUnhealthy", labels={"severity": "warning", "job": "docker", "instance": "nas:9764",
                                            "name": name},
        annotations={"summary": "Container %s is unhealthy" % name,
                     "description": "Its health check has failed 3 times in a row.", "runbook_url": runbook})
    return [
        dock("jellyfin", RUNBOOKS + "DockerContainerUnhealthy.md"),
        dock("paperless", "javascript:alert(document.domain)"),
        alert("CifsMountUnresponsive", labels={"severity": "critical", "job": "cifs", "instance": "nas:9763",
                                               "mountpoint": "/mnt/media", "share": "//storage/media"},
              annotations={"summary": "/mnt/media does not answer",
                           "description": "statfs on /mnt/media has not returned for 5s; services reading it hang.",
                           "runbook_url": RUNBOOKS + "CifsMountUnresponsive.md"}),
        alert("SnapraidArrayErrors", labels={"severity": "critical", "job": "snapraid", "instance": "nas:9761"},
              annotations={"summary": "SnapRAID scrub found 3 errors",
                           "description": "snapraid status reports 3 blocks with errors; run snapraid -e fix.",
                           "runbook_url": RUNBOOKS + "SnapraidArrayErrors.md"}),
    ]


class OperatorPage(html.parser.HTMLParser):
    """Rows of cells (text), every href, the options of every select in order, texts by class."""

    def __init__(self):
        super().__init__()
        self.rows, self.links, self.selects, self.by_class = [], [], [], {}
        self.cur = self.cell = None
        self.stack = []      # (tag, class, text parts)
        self.option = None
        self.meta_refresh = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr":
            self.cur = []
        elif tag in ("td", "th") and self.cur is not None:
            self.cell = []
        elif tag == "a":
            self.links.append(a.get("href"))
        elif tag == "select":
            self.selects.append([])
        elif tag == "option":
            self.option = []
        elif tag == "meta" and a.get("http-equiv") == "refresh":
            self.meta_refresh = a.get("content")
        if tag not in ("meta", "input", "br", "link"):
            self.stack.append((tag, a.get("class"), []))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.cur is not None:
            self.cur.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.cur is not None:
            self.rows.append(self.cur)
            self.cur = None
        elif tag == "option" and self.option is not None and self.selects:
            self.selects[-1].append(" ".join("".join(self.option).split()))
            self.option = None
        while self.stack:
            t, cls, parts = self.stack.pop()
            text = " ".join("".join(parts).split())
            if cls:
                for c in cls.split():
                    self.by_class.setdefault(c, []).append(text)
            if self.stack:
                self.stack[-1][2].extend(parts)
            if t == tag:
                break

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        if self.option is not None:
            self.option.append(data)
        if self.stack:
            self.stack[-1][2].append(data)


def operator_page(tmp, url):
    p = OperatorPage()
    p.feed(chromium(tmp, "--dump-dom", url))
    return p


def test_status_pages_operator():
    """Four alerts, one failed repair: the status page answers which one, why, what was done and what
    next without opening a run; the failed run's page answers it completely."""
    tmp = tempfile.mkdtemp(prefix="homeops-e2e-op-")
    sink = WebhookSink()
    token = base64.b64encode(os.urandom(24)).decode()
    write(os.path.join(tmp, "receiver.token"), token + "\n", 0o600)
    write(os.path.join(tmp, "restart-container"), "#!/bin/sh\necho \"restarted $HOMEOPS_LABEL_NAME\"\n", 0o755)
    write(os.path.join(tmp, "remount-cifs"), "#!/bin/sh\necho \"remounting $HOMEOPS_LABEL_MOUNTPOINT\"\n"
          "echo 'mount error(112): Host is down' >&2\nexit 3\n", 0o755)
    write(os.path.join(tmp, "snapraid-report"), "#!/bin/sh\necho 'scrub report mailed'\n", 0o755)
    from homeops_test import bcrypt_hash
    write(os.path.join(tmp, "web.yml"), "basic_auth_users:\n  operator: %s\n" % bcrypt_hash("operator-pw"))
    r = Receiver(OPERATOR_CONFIG % {"sink": sink.url()}, tmp=tmp,
                 extra_args=["--web.config.file=" + os.path.join(tmp, "web.yml")])
    r.token = token
    failed = True
    try:
        r.start()
        alerts = operator_alerts()
        assert r.post(payload(*alerts))[0] == 200
        runs = r.wait_for(lambda: (lambda x: x if len(x) == 4 and all(
            y["state"] in ("succeeded", "failed") for y in x) else None)(r.runs()), timeout=30,
            what="four runs to finish")
        remount = [x for x in runs if x["playbook"] == "remount-cifs"][0]
        assert remount["state"] == "failed", remount
        # the notifier has answered before the pages are read (the run page lists what was sent)
        r.wait_for(lambda: len(sink.events) >= 8 and all(o["state"] == "sent" for o in r.api("outbox")["outbox"]),
                   timeout=30, what="eight notifications sent")
        url = "http://operator:operator-pw@127.0.0.1:%d/" % r.port
        page = operator_page(tmp, url)

        # which one: two DockerContainerUnhealthy rows told apart by their labels, instance first
        alert_rows = [row for row in page.rows if row and row[0].isdigit() and "DockerContainerUnhealthy" in row[2]]
        assert len(alert_rows) == 2, page.rows
        idents = sorted(t for t in page.by_class.get("ident", []) if "name=" in t and "nas:9764" in t)
        assert "instance=nas:9764, name=jellyfin" in idents and "instance=nas:9764, name=paperless" in idents, idents
        assert not any("severity=" in t or "job=" in t for t in page.by_class.get("ident", [])), page.by_class["ident"]
        assert any("mountpoint=/mnt/media" in t for t in page.by_class["ident"]), page.by_class["ident"]
        # why: the summary and a runbook link; a javascript: runbook is text, never a link
        sums = page.by_class.get("sum", [])
        assert "Container jellyfin is unhealthy" in sums and "SnapRAID scrub found 3 errors" in sums, sums
        assert RUNBOOKS + "SnapraidArrayErrors.md" in page.links, page.links
        assert not any(h and h.strip().lower().startswith("javascript:") for h in page.links), page.links
        assert any("javascript:alert" in t for t in page.by_class.get("runbook-text", [])), page.by_class
        # what was done, what next: the failed remount's last output line and where its attempts stand
        run_rows = [row for row in page.rows if row and row[0] == str(remount["id"]) and "remount-cifs" in row]
        assert run_rows, page.rows
        assert "mount error(112): Host is down" in run_rows[0][5], run_rows[0]
        assert "attempt 1 of 2" in run_rows[0][5] and "next after cooldown at" in run_rows[0][5], run_rows[0]
        # needs attention: the failed repair whose alert still fires, with the mount it is about
        attention = page.by_class.get("failed-firing", [])
        assert attention and "mountpoint=/mnt/media" in attention[0] and "Host is down" in attention[0], attention
        assert "/ui/runs/%d" % remount["id"] in page.links
        # run by hand: the routed playbook first, for each alert
        firsts = [sel[0] for sel in page.selects if sel]
        assert len(page.selects) == 4, page.selects
        assert firsts.count("restart-container (its route)") == 2, firsts
        assert "remount-cifs (its route)" in firsts and "snapraid-report (its route)" in firsts, firsts
        assert all(len(sel) == 3 for sel in page.selects), page.selects
        # the page refreshes itself, without script, and says how old things are
        assert page.meta_refresh == "30", page.meta_refresh
        assert any("ago)" in c for row in page.rows for c in row), page.rows

        # the run page answers it completely: labels, annotations, runbook, notifications, output
        rp = operator_page(tmp, url + "ui/runs/%d" % remount["id"])
        labels = rp.by_class.get("labels", [""])[0]
        assert "mountpoint/mnt/media" in labels.replace(" ", "") and "share//storage/media" in labels.replace(" ", ""), labels
        assert rp.by_class.get("summary") == ["/mnt/media does not answer"], rp.by_class.get("summary")
        assert "services reading it hang" in rp.by_class.get("description", [""])[0]
        assert RUNBOOKS + "CifsMountUnresponsive.md" in rp.links, rp.links
        notes = [row for row in rp.rows if row and row[0] == "operator"]
        assert {n[1] for n in notes} == {"started", "failed"} and all(n[2] == "sent" for n in notes), notes
        assert any("attempt 1 of 2" in c for row in rp.rows for c in row), rp.rows
        assert any("Host is down" in t for t in rp.by_class.get("last", [])), rp.by_class.get("last")

        # screenshots at desktop and phone widths: real PNGs with content, phone not wider than the screen
        for name, size in (("desktop", (1280, 900)), ("phone", (390, 844))):
            shot = os.path.join(tmp, "status-%s.png" % name)
            chromium(tmp, "--screenshot=" + shot, "--window-size=%d,%d" % size, "--hide-scrollbars", url)
            keep = os.environ.get("HOMEOPS_E2E_SCREENSHOT_DIR")
            if keep:
                shutil.copyfile(shot, os.path.join(keep, os.path.basename(shot)))
            w, h, colours, ink = png_info(shot)
            log("screenshot %s: %dx%d, %d colours sampled, %.1f%% non-white" % (name, w, h, colours, ink * 100))
            assert (w, h) == size and colours >= 8 and 0.01 < ink < 0.9, (name, w, h, colours, ink)
        failed = False
    finally:
        if failed:
            log("---- receiver log tail ----\n" + r.log()[-4000:])
        r.cleanup()
        sink.close()
        shutil.rmtree(tmp, ignore_errors=True)


TESTS = {name[5:]: fn for name, fn in sorted(globals().items()) if name.startswith("test_") and callable(fn)}

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--receiver", required=True)
    ap.add_argument("--exporter", required=True)
    ap.add_argument("tests", nargs="*")
    ARGS = ap.parse_args()
    harness.BINARY = ARGS.receiver
    sys.exit(run_tests(TESTS, [sys.argv[0]] + ARGS.tests))
