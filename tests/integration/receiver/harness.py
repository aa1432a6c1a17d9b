"""harness.py: start a real remediation_receiver in a temp dir and talk to it (stdlib only, /usr/bin/python3)."""
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

BUILD = os.environ.get("HOMEOPS_BUILD_DIR", "build")
SOURCE = os.environ.get("HOMEOPS_SOURCE_DIR", ".")
BINARY = os.path.join(BUILD, "receiver", "remediation_receiver")
PLAYBOOKS = os.path.join(SOURCE, "tests", "integration", "receiver", "playbooks")


def alert(alertname="TestAlert", status="firing", labels=None, annotations=None,
          starts_at="2026-11-22T15:48:47.272Z", fingerprint=None):
    lab = {"alertname": alertname}
    lab.update(labels or {})
    a = {"status": status, "labels": lab, "annotations": annotations or {},
         "startsAt": starts_at,
         "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-22T16:00:00Z",
         "generatorURL": "http://prometheus:9090/graph"}
    if fingerprint:
        a["fingerprint"] = fingerprint
    return a


def payload(*alerts, status=None):
    return {"receiver": "hook", "status": status or alerts[0]["status"], "alerts": list(alerts),
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093", "version": "4",
            "groupKey": "{}:{alertname=\"x\"}", "truncatedAlerts": 0}


class Receiver:
    """One receiver process with its own config, store and output directory."""

    def __init__(self, config, extra_args=(), tmp=None, listen="127.0.0.1:0"):
        self.tmp = tmp or tempfile.mkdtemp(prefix="homeops-rcv-")
        self.out = os.path.join(self.tmp, "out")
        os.makedirs(self.out, exist_ok=True)
        self.config_path = os.path.join(self.tmp, "receiver.yml")
        self.write_config(config)
        self.extra_args = list(extra_args)
        self.listen = listen
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.tmp, "receiver.log")
        self.token = None

    def write_config(self, config):
        text = config.replace("@PLAYBOOKS@", PLAYBOOKS).replace("@OUT@", self.tmp + "/out").replace("@TMP@", self.tmp)
        with open(self.config_path, "w") as f:
            f.write(text)

    def start(self, expect_ok=True, timeout=20):
        args = [BINARY, "--config.file=" + self.config_path, "--storage.path=" + os.path.join(self.tmp, "data"),
                "--web.listen-address=" + self.listen, "--log.level=debug"] + self.extra_args
        self.logf = open(self.log_path, "ab")
        skip = len(self.log())
        self.proc = subprocess.Popen(args, stdout=self.logf, stderr=subprocess.STDOUT)
        if not expect_ok:
            return self.proc.wait(timeout=timeout)
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.findall(r'msg=listening address=\S+ port=(\d+)', self.log()[skip:])
            if m:
                self.port = int(m[-1])
                return self
            if self.proc.poll() is not None:
                raise AssertionError("receiver exited early (%s):\n%s" % (self.proc.returncode, self.log()[-3000:]))
            time.sleep(0.02)
        raise AssertionError("receiver did not start:\n" + self.log()[-3000:])

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("receiver did not stop within %ss" % timeout)
        if self.proc:
            self.logf.close()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        return rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.logf.close()
        self.proc = None

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- HTTP --
    def request(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        names = {k.lower() for k in h}
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            if "content-type" not in names:
                h["Content-Type"] = "application/json"
        elif method in ("POST", "PUT") and "content-type" not in names and "x-requested-with" not in names:
            # a programmatic client (as curl -H 'X-Requested-With: ...'): the API refuses cross-site-able posts
            h["X-Requested-With"] = "homeops-test"
        elif isinstance(body, str):
            body = body.encode()
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data, r

    def post(self, body, path="/webhook", headers=None):
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        h.update(headers or {})
        return self.request("POST", path, body, h)[:2]

    def api(self, path, method="GET", body=None):
        h = {"Authorization": "Bearer " + self.token} if self.token else {}
        status, data, _ = self.request(method, "/api/v1/" + path, body, h)
        if status >= 300:
            raise AssertionError("API %s %s: %s %s" % (method, path, status, data))
        return json.loads(data)

    def runs(self):
        return self.api("runs?limit=1000")["runs"]

    def wait_idle(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            s = self.api("status")
            if s["queued"] == 0 and s["running"] == 0:
                return s
            time.sleep(0.05)
        raise AssertionError("runs did not finish: %s" % self.api("status"))

    def wait_for(self, pred, timeout=30, what="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = pred()
            if v:
                return v
            time.sleep(0.05)
        raise AssertionError("timed out waiting for " + what)

    def db(self):
        return sqlite3.connect("file:%s?mode=ro" % os.path.join(self.tmp, "data", "receiver.db"), uri=True)

    def metrics(self):
        h = {}
        return self.request("GET", "/metrics", None, h)[1].decode()


class WebhookSink:
    """A JSON webhook stand-in on 127.0.0.1 that records every POST (the receiver's 'webhook' notifier)."""

    def __init__(self, fail_first=0):
        self.events = []
        self.fail_left = fail_first
        sink = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                if sink.fail_left > 0:
                    sink.fail_left -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                try:
                    sink.events.append(json.loads(body))
                except ValueError:
                    sink.events.append({"raw": body.decode("utf-8", "replace")})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return "http://127.0.0.1:%d/hook" % self.port

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def run_tests(tests, argv):
    """Runs the named tests (all when none named); prints 'N passed, M failed'."""
    names = argv[1:] or list(tests)
    passed = failed = 0
    for name in names:
        t0 = time.time()
        try:
            tests[name]()
            passed += 1
            print("PASS %s (%.1fs)" % (name, time.time() - t0), flush=True)
        except Exception as e:  # report and continue with the next test
            failed += 1
            import traceback
            traceback.print_exc()
            print("FAIL %s: %s" % (name, e), flush=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1
