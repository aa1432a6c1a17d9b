#!/usr/bin/python3
"""test_source_failures.py: the receiver's own sources failing mid-run (issue 13): its store's filesystem
full, its SMTP server and its push endpoint down; recovery on the same process when they return.
usage: test_source_failures.py [TEST...]   (ctest runs each test as its own entry; needs root for mount)"""
import email
import errno
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
from harness import Receiver, alert, payload, pid_alive, run_tests  # noqa: E402
from homeops_test import Proc, free_port, metric_value, promtool_check_metrics, skip, wait_port  # noqa: E402

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

# every alert "Fault" runs dump-env, which writes its environment (with HOMEOPS_LABEL_N) to @OUT@
DUMP = """
playbooks:
  dump:
    command: ["@PLAYBOOKS@/dump-env"]
    env: {OUT_DIR: "@OUT@"}
    timeout: 20s
  slow:
    command: ["@PLAYBOOKS@/record"]
    env: {OUT_DIR: "@OUT@", SLEEP: "3"}
    timeout: 20s
routes:
  - {matchers: ['alertname="Fault"'], playbook: dump, on: firing}
  - {matchers: ['alertname="Slow"'], playbook: slow, on: firing}
"""


def fault(n, name="Fault"):
    return payload(alert(name, labels={"n": str(n)}))


class SmallFs:
    """A tmpfs of its own (size bytes) at path, filled up and freed on demand, unmounted by close()."""

    def __init__(self, path, size="4m"):
        if os.geteuid() != 0:
            skip("mounting a small filesystem for the store needs root")
        os.makedirs(path, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "homeops-test", path],
                           capture_output=True, timeout=30)
        if r.returncode != 0:
            skip("cannot mount a tmpfs: %s" % r.stderr.decode(errors="replace").strip())
        self.path = path
        self.filler = os.path.join(path, "filler")

    def fill(self):
        """Writes a file until the filesystem says ENOSPC (down to the last byte)."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for chunk in (1 << 16, 4096, 1):
                buf = b"\0" * chunk
                while True:
                    try:
                        os.write(fd, buf)
                    except OSError as e:
                        if e.errno != errno.ENOSPC:
                            raise
                        break
        finally:
            os.close(fd)
        st = os.statvfs(self.path)
        assert st.f_bavail == 0, "filesystem not full: %d blocks free" % st.f_bavail

    def free(self):
        os.unlink(self.filler)

    def close(self):
        if subprocess.run(["umount", self.path], capture_output=True, timeout=30).returncode != 0:
            subprocess.run(["umount", "-l", self.path], capture_output=True, timeout=30)


def envs_by_label(out_dir):
    """{label n: number of dump-env runs that saw HOMEOPS_LABEL_N=n}."""
    seen = {}
    for name in os.listdir(out_dir):
        if not (name.startswith("run-") and name.endswith(".env")):
            continue
        with open(os.path.join(out_dir, name), "rb") as f:
            for item in f.read().split(b"\0"):
                if item.startswith(b"HOMEOPS_LABEL_N="):
                    n = item.split(b"=", 1)[1].decode()
                    seen[n] = seen.get(n, 0) + 1
    return seen


def post_timed(r, body, bound=20.0):
    """Posts one webhook; the answer must come within bound seconds (the receiver must not hang)."""
    t0 = time.monotonic()
    status, data = r.post(body)
    took = time.monotonic() - t0
    assert took < bound, "webhook answered after %.1fs" % took
    return status, data


def stored_alert_labels(r):
    out = set()
    for a in r.api("alerts?limit=1000")["alerts"]:
        doc = a.get("alert") or a.get("json") or a
        if isinstance(doc, str):
            doc = json.loads(doc)
        n = (doc.get("labels") or {}).get("n")
        if n is not None:
            out.add(n)
    return out


def test_store_full_then_space_returns():
    """Store filesystem full mid-run: unstored webhooks are never 2xx, the failure shows in /metrics and
    the log, nothing crashes or hangs; when space returns the same process stores and runs everything
    it acknowledged and every retried alert, each exactly once."""
    r = Receiver(DUMP)
    fs = SmallFs(os.path.join(r.tmp, "data"))
    try:
        r.start()
        pid = r.proc.pid
        acked = {}
        st, body = post_timed(r, fault(0))
        assert st == 200, (st, body)
        acked["0"] = st
        r.wait_idle()

        fs.fill()
        answers = {}
        for n in range(1, 7):
            st, body = post_timed(r, fault(n))
            answers[str(n)] = (st, body)
            assert st in (200, 503), (n, st, body)
            if st == 200:
                acked[str(n)] = st
        refused = [n for n, (st, _) in answers.items() if st != 200]
        assert refused, "every webhook was answered 200 on a full filesystem: %r" % answers
        for n in refused:
            assert b"store unavailable" in answers[n][1], answers[n]
        assert r.proc.poll() is None and r.proc.pid == pid
        text = r.metrics()
        promtool_check_metrics(text)
        assert (metric_value(text, "remediation_store_commit_failures_total") or 0) >= 1, text
        assert (metric_value(text, "remediation_webhooks_received_total", {"code": "503"}) or 0) >= len(refused)
        assert metric_value(text, "remediation_store_last_commit_successful") == 0, text
        assert (metric_value(text, "remediation_store_errors_total", {"reason": "disk_full"}) or 0) >= 1, text
        assert re.search(r'msg="commit failed".*full', r.log()), r.log()[-3000:]
        st, _, _ = r.request("GET", "/-/healthy")
        assert st == 200

        fs.free()
        # Alertmanager retries what was refused; a new alert arrives too
        deadline = time.monotonic() + 30
        retry = list(refused) + ["100"]
        while retry and time.monotonic() < deadline:
            n = retry[0]
            st, body = post_timed(r, fault(n))
            assert st in (200, 503), (n, st, body)
            if st == 200:
                acked[n] = st
                retry.pop(0)
            else:
                time.sleep(0.5)
        assert not retry, "still refused after space returned: %r\n%s" % (retry, r.log()[-3000:])
        r.wait_idle(timeout=60)
        runs = r.runs()
        assert all(x["state"] == "succeeded" for x in runs), runs
        seen = envs_by_label(r.out)
        assert seen == {n: 1 for n in acked}, (seen, sorted(acked))
        assert set(acked) <= stored_alert_labels(r)
        text = r.metrics()
        promtool_check_metrics(text)
        assert metric_value(text, "remediation_store_last_commit_successful") == 1, text
        assert r.proc.poll() is None and r.proc.pid == pid
        print("refused while full: %s; acked %d alerts, each run once" % (refused, len(acked)))
    finally:
        r.stop()
        fs.close()
        r.cleanup()


def test_store_full_while_runs_in_flight():
    """The store fills while a run is running and another is queued: the running one's end and the
    queued one's start cannot be committed; when space returns both are recorded and the queued one
    runs, without a restart, each once."""
    r = Receiver(DUMP, extra_args=["--run.max-concurrent=1"])
    fs = SmallFs(os.path.join(r.tmp, "data"))
    try:
        r.start()
        pid = r.proc.pid
        assert post_timed(r, payload(alert("Slow", labels={"n": "1"})))[0] == 200
        r.wait_for(lambda: r.api("status")["running"] == 1, what="the slow run to start")
        assert post_timed(r, fault(2))[0] == 200
        fs.fill()
        # the slow run (3 s) ends while the store is full; the queued run cannot start
        r.wait_for(lambda: any(n.endswith(".end") for n in os.listdir(r.out)), timeout=20, what="slow run to end")
        time.sleep(2)
        assert r.proc.poll() is None and r.proc.pid == pid
        text = r.metrics()
        assert metric_value(text, "remediation_store_last_commit_successful") == 0, r.log()
        fs.free()
        r.wait_idle(timeout=60)
        runs = sorted(r.runs(), key=lambda x: x["id"])
        assert [(x["playbook"], x["state"]) for x in runs] == [("slow", "succeeded"), ("dump", "succeeded")], runs
        assert envs_by_label(r.out) == {"2": 1}
        assert len([n for n in os.listdir(r.out) if n.endswith(".start")]) == 1
        assert r.proc.pid == pid and r.proc.poll() is None
    finally:
        r.stop()
        fs.close()
        r.cleanup()


# aiosmtpd's Mailbox handler, answering DATA only after `delay` seconds (a marker file shows it started)
SLOW_SMTPD = r"""
import asyncio, signal, sys
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
port, maildir, marker, delay = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
class Slow(Mailbox):
    async def handle_DATA(self, server, session, envelope):
        with open(marker, "a") as f:
            f.write("data\n")
        await asyncio.sleep(delay)
        return await super().handle_DATA(server, session, envelope)
Controller(Slow(maildir), hostname="127.0.0.1", port=port).start()
signal.pause()
"""


class Smtpd:
    """A real SMTP server (aiosmtpd) on 127.0.0.1:port delivering into a Maildir; stopped by PID.
    With delay, DATA is answered after delay seconds and each DATA appends a line to marker."""

    def __init__(self, port, maildir, delay=0, marker=None):
        self.port = port
        self.maildir = maildir
        if delay:
            argv = [PYTHON, "-c", SLOW_SMTPD, str(port), maildir, marker, str(delay)]
        else:
            argv = [PYTHON, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:%d" % port, "-c", "aiosmtpd.handlers.Mailbox",
                    maildir]
        self.proc = Proc(argv, name="aiosmtpd")
        if not wait_port(port, timeout=20):
            raise AssertionError("aiosmtpd did not listen:\n" + self.proc.output())

    def kill(self):
        self.proc.stop(signal.SIGKILL)

    def close(self):
        self.proc.close()


def maildir_messages(maildir):
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                with open(os.path.join(d, name), "rb") as f:
                    out.append(email.message_from_bytes(f.read()))
    return out


NOTIFY = """
notifiers:
  %s
playbooks:
  dump:
    command: ["@PLAYBOOKS@/dump-env"]
    env: {OUT_DIR: "@OUT@"}
    timeout: 20s
routes:
  - {matchers: ['alertname="Fault"'], playbook: dump, on: firing, notify: [%s]}
"""

BACKOFF = ["--notify.backoff=1s", "--notify.backoff-max=2s"]


def outbox_rows(r, notifier):
    return [o for o in r.api("outbox?limit=1000")["outbox"] if o["notifier"] == notifier]


def check_retry_visible(r, notifier):
    """The failed deliveries show in /metrics and in the outbox API, as pending with a reason."""
    m = r.wait_for(lambda: (lambda t: t if (metric_value(t, "remediation_notifications_total",
                                                          {"notifier": notifier, "result": "retry"}) or 0) >= 2
                            else None)(r.metrics()), timeout=30, what="two failed deliveries of " + notifier)
    promtool_check_metrics(m)
    assert (metric_value(m, "remediation_notifications_total", {"notifier": notifier, "result": "sent"}) or 0) == 0
    assert (metric_value(m, "remediation_oldest_pending_age_seconds", {"kind": "notification"}) or 0) > 0, m
    rows = outbox_rows(r, notifier)
    assert len(rows) == 1 and rows[0]["state"] == "pending" and rows[0]["attempts"] >= 2, rows
    assert rows[0]["last_error"], rows
    return rows[0]


def test_smtp_down_then_back():
    """SMTP killed before an alert fires: the run proceeds, the notification stays in the outbox and is
    retried with backoff, visible in /metrics and the outbox API; SMTP back on the same port: delivered
    exactly once (one message, its Message-ID), without restarting the receiver."""
    tmp = tempfile.mkdtemp(prefix="homeops-rcvsmtp-")
    maildir = os.path.join(tmp, "Maildir")
    port = free_port()
    smtpd = Smtpd(port, maildir)
    mail = ('mail: {smtp: {url: "smtp://127.0.0.1:%d", smtp_starttls: false, from: "homeops@example.org", '
            'to: ["admin@example.org"], events: [succeeded], timeout: 3s}}' % port)
    r = Receiver(NOTIFY % (mail, "mail"), extra_args=BACKOFF, tmp=tmp)
    try:
        r.start()
        pid = r.proc.pid
        smtpd.kill()
        assert post_timed(r, fault(1))[0] == 200
        r.wait_idle(timeout=30)
        runs = r.runs()
        assert [x["state"] for x in runs] == ["succeeded"], runs
        row = check_retry_visible(r, "mail")
        assert maildir_messages(maildir) == []
        smtpd = Smtpd(port, maildir)
        r.wait_for(lambda: maildir_messages(maildir), timeout=30, what="the message to arrive")
        r.wait_for(lambda: outbox_rows(r, "mail")[0]["state"] == "sent", timeout=10, what="outbox row sent")
        time.sleep(3)   # more than one backoff period: a second delivery would show by now
        msgs = maildir_messages(maildir)
        assert len(msgs) == 1, [m["Message-ID"] for m in msgs]
        assert re.fullmatch(r"<[^<>@]*\bhomeops-%d-\d+\b[^<>@]*@[^<>]+>" % row["id"], msgs[0]["Message-ID"].strip()), msgs[0]["Message-ID"]
        text = r.metrics()
        assert metric_value(text, "remediation_notifications_total", {"notifier": "mail", "result": "sent"}) == 1
        assert metric_value(text, "remediation_oldest_pending_age_seconds", {"kind": "notification"}) == 0
        assert r.proc.pid == pid and r.proc.poll() is None
    finally:
        r.stop()
        smtpd.close()
        r.cleanup()


def test_smtp_sent_while_store_full():
    """A message is delivered while the store cannot record it (the disk filled during the SMTP
    transaction): it must not be sent again and again while the store is full, and is recorded as
    sent, once, when space returns; the receiver stays the same process."""
    tmp = tempfile.mkdtemp(prefix="homeops-rcvsmtpfull-")
    maildir = os.path.join(tmp, "Maildir")
    marker = os.path.join(tmp, "data-started")
    port = free_port()
    fs = SmallFs(os.path.join(tmp, "data"))
    smtpd = None
    r = None
    try:
        smtpd = Smtpd(port, maildir, delay=4, marker=marker)
        mail = ('mail: {smtp: {url: "smtp://127.0.0.1:%d", smtp_starttls: false, from: "homeops@example.org", '
                'to: ["admin@example.org"], events: [succeeded], timeout: 20s}}' % port)
        r = Receiver(NOTIFY % (mail, "mail"), extra_args=BACKOFF, tmp=tmp)
        r.start()
        pid = r.proc.pid
        assert post_timed(r, fault(1))[0] == 200
        r.wait_for(lambda: os.path.exists(marker), timeout=30, what="the SMTP transaction to start")
        fs.fill()
        r.wait_for(lambda: maildir_messages(maildir), timeout=30, what="the message to arrive")
        r.wait_for(lambda: "cannot record a delivery result" in r.log(), timeout=10, what="the failed record")
        time.sleep(4)   # several backoff periods and SMTP transactions' worth
        with open(marker) as f:
            transactions = len(f.read().splitlines())
        assert transactions == 1 and len(maildir_messages(maildir)) == 1, (transactions, r.log()[-2000:])
        assert metric_value(r.metrics(), "remediation_store_last_commit_successful") == 0
        fs.free()
        r.wait_for(lambda: outbox_rows(r, "mail") and outbox_rows(r, "mail")[0]["state"] == "sent", timeout=30,
                   what="outbox row sent")
        time.sleep(3)
        assert len(maildir_messages(maildir)) == 1
        text = r.metrics()
        promtool_check_metrics(text)
        assert metric_value(text, "remediation_notifications_total", {"notifier": "mail", "result": "sent"}) == 1
        assert metric_value(text, "remediation_store_last_commit_successful") == 1
        assert [x["state"] for x in r.runs()] == ["succeeded"]
        assert r.proc.pid == pid and r.proc.poll() is None
    finally:
        if r:
            r.stop()
        if smtpd:
            smtpd.close()
        fs.close()
        if r:
            r.cleanup()


def test_push_down_then_back():
    """A webhook (push) notifier whose endpoint is down, then back on the same port: retried, delivered once."""
    tmp = tempfile.mkdtemp(prefix="homeops-rcvpush-")
    port = free_port()
    log = os.path.join(tmp, "push.jsonl")

    r = None
    sink = None
    try:
        sink = PortStandin(port, log)
        hook = 'phone: {webhook: {url: "http://127.0.0.1:%d/hook", events: [succeeded], timeout: 3s}}' % port
        r = Receiver(NOTIFY % (hook, "phone"), extra_args=BACKOFF, tmp=tmp)
        r.start()
        pid = r.proc.pid
        sink.kill()
        assert post_timed(r, fault(1))[0] == 200
        r.wait_idle(timeout=30)
        row = check_retry_visible(r, "phone")
        sink = PortStandin(port, log)
        r.wait_for(lambda: sink.requests(), timeout=30, what="the push to arrive")
        r.wait_for(lambda: outbox_rows(r, "phone")[0]["state"] == "sent", timeout=10, what="outbox row sent")
        time.sleep(3)
        reqs = sink.requests()
        assert len(reqs) == 1, reqs
        body = json.loads(reqs[0]["body"])
        assert body.get("event") == "succeeded" or "succeeded" in json.dumps(body), body
        assert r.proc.pid == pid and r.proc.poll() is None
        print("push outbox row %d delivered once after %d attempts" % (row["id"], outbox_rows(r, "phone")[0]["attempts"]))
    finally:
        if r:
            r.stop()
        if sink:
            sink.close()
        if r:
            r.cleanup()


class PortStandin:
    """The recording HTTP stand-in on a given port (a small server in its own process, killed by PID)."""

    CODE = r"""
import json, sys, base64
from http.server import BaseHTTPRequestHandler, HTTPServer
port, log = int(sys.argv[1]), sys.argv[2]
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(log, "a") as f:
            f.write(json.dumps({"path": self.path, "body_b64": base64.b64encode(body).decode()}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
HTTPServer.allow_reuse_address = True
HTTPServer(("127.0.0.1", port), H).serve_forever()
"""

    def __init__(self, port, log):
        self.log = log
        self.proc = Proc([PYTHON, "-c", self.CODE, str(port), log], name="push-standin")
        if not wait_port(port, timeout=20):
            raise AssertionError("push stand-in did not listen:\n" + self.proc.output())

    def requests(self):
        try:
            with open(self.log) as f:
                reqs = [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []
        for q in reqs:
            q["body"] = __import__("base64").b64decode(q["body_b64"])
        return reqs

    def kill(self):
        self.proc.stop(signal.SIGKILL)

    def close(self):
        self.proc.close()


TESTS = {
    "store_full_then_space_returns": test_store_full_then_space_returns,
    "store_full_while_runs_in_flight": test_store_full_while_runs_in_flight,
    "smtp_down_then_back": test_smtp_down_then_back,
    "smtp_sent_while_store_full": test_smtp_sent_while_store_full,
    "push_down_then_back": test_push_down_then_back,
}

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, sys.argv))
