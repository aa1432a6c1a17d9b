#!/usr/bin/python3
"""test_notify.py: notify_send() against a real SMTP server (aiosmtpd) and recording HTTP stand-ins on 127.0.0.1.

usage: test_notify.py NOTIFY_SEND_TOOL [unittest args...]

Every server is started here on a free port in a temp dir and stopped by its PID. The C driver
(notify_send_tool) formats facts with notify_format() and sends them once with notify_send(); its
JSON output (title, body, json, ok, retryable, status, error, elapsed_ms) is compared with what
the server received.
"""
import base64
import email
import email.header
import email.policy
import email.utils
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
TOOL = None
WORK = None

EVENTS = ["started", "succeeded", "failed", "gave_up", "interrupted"]
NTFY_PRIORITY = {"started": "2", "succeeded": "3", "failed": "4", "gave_up": "5", "interrupted": "4"}
NTFY_TAG = {"started": "arrow_forward", "succeeded": "white_check_mark", "failed": "x",
            "gave_up": "rotating_light", "interrupted": "warning"}
GOTIFY_PRIORITY = {"started": 2, "succeeded": 4, "failed": 6, "gave_up": 8, "interrupted": 6}
PUSHOVER_PRIORITY = {"started": "-1", "succeeded": "0", "failed": "1", "gave_up": "1", "interrupted": "0"}

FACTS = {
    "event": "failed", "alertname": "DockerContainerUnhealthy", "alert_status": "firing",
    "fingerprint": "1a2b3c4d5e6f7a8b", "severity": "critical",
    "summary": "Container nginx has been unhealthy for 5 minutes", "instance": "web1:9323",
    "playbook": "restart-container", "result": "exit 3",
    "output_tail": "restarting nginx\nerror: container did not become healthy\n",
    "run_id": 42, "attempt": 2, "max_attempts": 3, "started_at": 1714564800, "ended_at": 1714564812.5,
    "hostname": "homeserver", "external_url": "https://homeops.example.org/runs/42",
}

# Every way a fact could try to break out of a header, a line or the JSON.
HOSTILE = dict(FACTS)
HOSTILE.update({
    "alertname": "Disk\r\nBcc: evil@attacker.example\r\n\r\nInjected body",
    "playbook": "restart\nX-Injected: yes",
    "instance": "w\u00e9b1\u2028Subject: spoofed\u202etxt.exe",
    "summary": "\u00dcberwachung \U0001f6a8 " + "very long summary " * 600,
    "severity": "crit\x07ical\x1b[31m",
    "result": "exit 1\r\n.\r\nQUIT",
    "output_tail": "x" * 1200 + "\n.\n..\n.hidden\nFrom nobody\nend =?UTF-8?B?c3Bvb2Y=?=\n\u00e9t\u00e9\n",
    "hostname": "host\"name\\",
    "external_url": "https://homeops.example.org/?q=\"<script>\"\r\nSet-Cookie: x",
})


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A stand-in process, started with its own port file, stopped by PID."""

    def __init__(self, script, *args, log=None):
        self.dir = tempfile.mkdtemp(dir=WORK)
        self.port_file = os.path.join(self.dir, "port")
        self.log = log
        cmd = [PYTHON, os.path.join(HERE, script), "--port-file", self.port_file] + list(args)
        if script == "smtp_standin.py":
            cmd += ["--dir", self.dir]
        if log:
            cmd += ["--log", log]
        self.proc = subprocess.Popen(cmd)
        deadline = time.monotonic() + 15
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("stand-in %s did not start" % script)
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def mails(self):
        out = []
        for name in sorted(os.listdir(self.dir)):
            if name.endswith(".json"):
                base = os.path.join(self.dir, name[:-5])
                with open(base + ".json") as f:
                    facts = json.load(f)
                with open(base + ".eml", "rb") as f:
                    facts["raw"] = f.read()
                out.append(facts)
        return out


class HttpServer(Server):
    def __init__(self, *args):
        fd, log = tempfile.mkstemp(dir=WORK, suffix=".jsonl")
        os.close(fd)
        super().__init__("http_standin.py", *args, log=log)

    def requests(self):
        with open(self.log) as f:
            reqs = [json.loads(line) for line in f if line.strip()]
        for r in reqs:
            r["body"] = base64.b64decode(r["body_b64"])
            r["hdr"] = {}
            for k, v in r["headers"]:
                r["hdr"].setdefault(k.lower(), []).append(v)
        return reqs

    def clear(self):
        open(self.log, "w").close()


def secret(text):
    fd, path = tempfile.mkstemp(dir=WORK)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    return path


def run_tool(kind, facts, *args, expect_rc=None):
    fd, path = tempfile.mkstemp(dir=WORK, suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(facts, f)
    proc = subprocess.run([TOOL, "--kind", kind, "--facts", path] + list(args),
                          capture_output=True, timeout=60)
    if proc.stderr:
        sys.stderr.write(proc.stderr.decode(errors="replace"))
    out = json.loads(proc.stdout)
    out["rc"] = proc.returncode
    if expect_rc is not None and proc.returncode != expect_rc:
        raise AssertionError("tool exit %d, wanted %d: %r" % (proc.returncode, expect_rc, out))
    return out


def decode_words(value):
    return str(email.header.make_header(email.header.decode_header(value)))


class SmtpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cert = os.path.join(WORK, "cert.pem")
        cls.key = os.path.join(WORK, "key.pem")
        cls.other_cert = os.path.join(WORK, "other.pem")
        if not os.path.exists(cls.cert):
            make_cert(cls.cert, cls.key)
            make_cert(cls.other_cert, os.path.join(WORK, "other-key.pem"))
        cls.plain = Server("smtp_standin.py")
        cls.starttls = Server("smtp_standin.py", "--starttls", cls.cert, cls.key)
        cls.auth = Server("smtp_standin.py", "--starttls", cls.cert, cls.key, "--auth", "homeops:s3cret pass")
        cls.smtps = Server("smtp_standin.py", "--smtps", cls.cert, cls.key)
        cls.tempfail = Server("smtp_standin.py", "--rcpt-reply", "451 4.3.0 mailbox busy, try later")
        cls.permfail = Server("smtp_standin.py", "--rcpt-reply", "550 5.1.1 no such user")
        cls.silent = Server("http_standin.py", "--mode", "silent")

    @classmethod
    def tearDownClass(cls):
        for s in (cls.plain, cls.starttls, cls.auth, cls.smtps, cls.tempfail, cls.permfail, cls.silent):
            s.stop()

    def send(self, server, facts=FACTS, scheme="smtp", extra=(), to=("me@example.org",), expect_rc=0, msgid="outbox-7"):
        args = ["--url", "%s://127.0.0.1:%d" % (scheme, server.port), "--from", "homeops@example.org",
                "--timeout", "5", "--message-id", msgid]
        for t in to:
            args += ["--to", t]
        return run_tool("smtp", facts, *(args + list(extra)), expect_rc=expect_rc)

    def last_mail(self, server, count):
        mails = server.mails()
        self.assertEqual(len(mails), count)
        return mails[-1]

    def check_message(self, mail, out, to=("me@example.org",)):
        raw = mail["raw"]
        # headers are ASCII, lines within RFC 5322's 998 (and 78 for what we fold)
        head, _, _ = raw.partition(b"\r\n\r\n")
        head.decode("ascii")
        for line in raw.split(b"\r\n"):
            self.assertLessEqual(len(line), 998)
        for line in head.split(b"\r\n"):
            self.assertLessEqual(len(line), 78, line)
        self.assertNotIn(b"\n", raw.replace(b"\r\n", b""), "bare LF on the wire")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        names = [k.lower() for k in msg.keys()]
        self.assertEqual(sorted(names), sorted([
            "date", "from", "to", "subject", "message-id", "mime-version", "content-type",
            "content-transfer-encoding", "auto-submitted", "x-homeops-event"]))
        self.assertEqual(msg["From"].addresses[0].addr_spec, "homeops@example.org")
        self.assertEqual([a.addr_spec for a in msg["To"].addresses], list(to))
        self.assertEqual(str(msg["Subject"]), out["title"])
        self.assertEqual(decode_words(msg.get("Subject")), out["title"])
        self.assertIsNotNone(email.utils.parsedate_to_datetime(msg["Date"]))
        self.assertRegex(msg["Message-ID"], r"^<homeops\.outbox-7\.[A-Za-z0-9.-]+@example\.org>$")
        self.assertEqual(msg["MIME-Version"], "1.0")
        self.assertEqual(msg.get_content_type(), "text/plain")
        self.assertEqual(msg.get_content_charset(), "utf-8")
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        body = msg.get_payload(decode=True).decode("utf-8")
        self.assertEqual(body.replace("\r\n", "\n"), out["body"])
        self.assertEqual(mail["mail_from"], "homeops@example.org")
        self.assertEqual(mail["rcpt_tos"], list(to))
        return msg

    def test_plain_smtp_delivers_intact(self):
        n = len(self.plain.mails())
        out = self.send(self.plain, extra=["--no-starttls"])
        self.assertTrue(out["ok"])
        self.assertEqual(out["status"], 250)
        mail = self.last_mail(self.plain, n + 1)
        self.assertFalse(mail["tls"])
        msg = self.check_message(mail, out)
        self.assertEqual(msg["Content-Transfer-Encoding"], "7bit")
        self.assertEqual(msg["X-Homeops-Event"], "failed")
        self.assertIn("Playbook restart-container failed (exit 3)", out["body"])
        self.assertNotEqual(mail["helo"], "localhost")

    def test_hostile_facts_cannot_inject_headers_or_end_data(self):
        n = len(self.plain.mails())
        out = self.send(self.plain, facts=HOSTILE, extra=["--no-starttls"])
        self.assertTrue(out["ok"], out)
        mail = self.last_mail(self.plain, n + 1)
        msg = self.check_message(mail, out)
        self.assertIsNone(msg["Bcc"])
        self.assertIsNone(msg["X-Injected"])
        self.assertEqual(msg["Content-Transfer-Encoding"], "quoted-printable")
        self.assertIn(b"Subject: =?UTF-8?B?", mail["raw"])
        self.assertNotIn("\n", out["title"])
        self.assertNotIn("\u202e", out["title"])
        # lines starting with dots and "From " survive the SMTP dot-stuffing round trip
        self.assertIn("\n.\n..\n.hidden\nFrom nobody\n", out["body"])
        self.assertIn("end =?UTF-8?B?c3Bvb2Y=?=", msg.get_payload(decode=True).decode())
        json.loads(out["json"])

    def test_stored_message_with_raw_controls_in_title(self):
        n = len(self.plain.mails())
        raw_title = "ok\r\nBcc: evil@attacker.example\r\n\r\n." + "w" * 120
        out = self.send(self.plain, extra=["--no-starttls", "--raw-title", raw_title])
        self.assertTrue(out["ok"])
        mail = self.last_mail(self.plain, n + 1)
        msg = email.message_from_bytes(mail["raw"], policy=email.policy.default)
        self.assertIsNone(msg["Bcc"])
        self.assertEqual(str(msg["Subject"]), "ok  Bcc: evil@attacker.example    ." + "w" * 120)
        for line in mail["raw"].split(b"\r\n\r\n")[0].split(b"\r\n"):
            self.assertLessEqual(len(line), 78, line)
        self.assertEqual(mail["rcpt_tos"], ["me@example.org"])

    def test_invalid_utf8_facts_arrive_as_replacement_characters(self):
        facts = dict(FACTS)
        del facts["alertname"]
        facts["alertname_hex"] = "446973ff6b" + "c328" + "e282"  # "Dis\xffk", bad pair, truncated sequence
        facts["output_tail_hex"] = "6f6b0a" + "80818283" + "0a"
        n = len(self.plain.mails())
        out = self.send(self.plain, facts=facts, extra=["--no-starttls"])
        self.assertTrue(out["ok"])
        self.assertIn("Dis\ufffdk\ufffd(\ufffd", out["title"])
        self.check_message(self.last_mail(self.plain, n + 1), out)

    def test_several_recipients(self):
        n = len(self.plain.mails())
        to = ("a@example.org", "b.c+tag@example.net", "ops@[127.0.0.1]")
        out = self.send(self.plain, to=to, extra=["--no-starttls"])
        self.assertTrue(out["ok"])
        self.check_message(self.last_mail(self.plain, n + 1), out, to=to)

    def test_every_event_formats_and_sends(self):
        for ev in EVENTS:
            facts = dict(FACTS, event=ev)
            n = len(self.plain.mails())
            out = self.send(self.plain, facts=facts, extra=["--no-starttls"])
            msg = self.check_message(self.last_mail(self.plain, n + 1), out)
            self.assertEqual(msg["X-Homeops-Event"], ev)

    def test_starttls_required_with_ca_file(self):
        n = len(self.starttls.mails())
        out = self.send(self.starttls, extra=["--ca-file", self.cert])
        self.assertTrue(out["ok"], out)
        mail = self.last_mail(self.starttls, n + 1)
        self.assertTrue(mail["tls"])
        self.check_message(mail, out)

    def test_starttls_required_but_not_offered_sends_nothing(self):
        n = len(self.plain.mails())
        out = self.send(self.plain, extra=["--ca-file", self.cert], expect_rc=1)
        self.assertFalse(out["ok"])
        self.assertTrue(out["retryable"])
        self.assertEqual(len(self.plain.mails()), n)

    def test_starttls_untrusted_certificate_fails_then_insecure_skip_verify(self):
        n = len(self.starttls.mails())
        out = self.send(self.starttls, extra=["--ca-file", self.other_cert], expect_rc=1)
        self.assertFalse(out["ok"])
        self.assertTrue(out["retryable"])
        self.assertEqual(len(self.starttls.mails()), n)
        out = self.send(self.starttls, extra=["--insecure"])
        self.assertTrue(out["ok"], out)
        self.assertEqual(len(self.starttls.mails()), n + 1)

    def test_opportunistic_tls_uses_starttls_when_offered(self):
        n = len(self.starttls.mails())
        out = self.send(self.starttls, extra=["--no-starttls", "--ca-file", self.cert])
        self.assertTrue(out["ok"], out)
        self.assertTrue(self.last_mail(self.starttls, n + 1)["tls"])

    def test_auth_over_starttls(self):
        pw = secret("s3cret pass")
        n = len(self.auth.mails())
        out = self.send(self.auth, extra=["--ca-file", self.cert, "--username", "homeops", "--password-file", pw])
        self.assertTrue(out["ok"], out)
        mail = self.last_mail(self.auth, n + 1)
        self.assertEqual(mail["auth_login"], "homeops")
        self.check_message(mail, out)

    def test_auth_wrong_password_is_not_retryable(self):
        pw = secret("wrong")
        n = len(self.auth.mails())
        out = self.send(self.auth, extra=["--ca-file", self.cert, "--username", "homeops", "--password-file", pw],
                        expect_rc=1)
        self.assertFalse(out["retryable"], out)
        self.assertEqual(out["status"], 535)
        self.assertEqual(len(self.auth.mails()), n)

    def test_auth_required_without_credentials_is_not_retryable(self):
        out = self.send(self.auth, extra=["--ca-file", self.cert], expect_rc=1)
        self.assertFalse(out["retryable"], out)
        self.assertGreaterEqual(out["status"], 500)

    def test_smtps(self):
        n = len(self.smtps.mails())
        out = self.send(self.smtps, scheme="smtps", extra=["--ca-file", self.cert])
        self.assertTrue(out["ok"], out)
        mail = self.last_mail(self.smtps, n + 1)
        self.assertTrue(mail["tls"])
        self.check_message(mail, out)

    def test_smtp_4xx_is_retryable(self):
        out = self.send(self.tempfail, extra=["--no-starttls"], expect_rc=1)
        self.assertTrue(out["retryable"])
        self.assertEqual(out["status"], 451)
        self.assertIn("451", out["error"])

    def test_smtp_5xx_is_not_retryable(self):
        out = self.send(self.permfail, extra=["--no-starttls"], expect_rc=1)
        self.assertFalse(out["retryable"])
        self.assertEqual(out["status"], 550)

    def test_server_that_never_greets_times_out(self):
        args = ["--url", "smtp://127.0.0.1:%d" % self.silent.port, "--from", "homeops@example.org",
                "--to", "me@example.org", "--timeout", "1", "--no-starttls"]
        t0 = time.monotonic()
        out = run_tool("smtp", FACTS, *args, expect_rc=1)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertTrue(out["retryable"])
        self.assertGreaterEqual(out["elapsed_ms"], 900)
        self.assertLess(out["elapsed_ms"], 2000)

    def test_connection_refused_is_retryable(self):
        args = ["--url", "smtp://127.0.0.1:%d" % free_port(), "--from", "homeops@example.org",
                "--to", "me@example.org", "--timeout", "5", "--no-starttls"]
        out = run_tool("smtp", FACTS, *args, expect_rc=1)
        self.assertTrue(out["retryable"])
        self.assertLess(out["elapsed_ms"], 2000)
        self.assertEqual(out["status"], 0)


class PushTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cert = os.path.join(WORK, "cert.pem")
        cls.key = os.path.join(WORK, "key.pem")
        if not os.path.exists(cls.cert):
            make_cert(cls.cert, cls.key)
            make_cert(os.path.join(WORK, "other.pem"), os.path.join(WORK, "other-key.pem"))
        cls.http = HttpServer()
        cls.https = HttpServer("--tls", cls.cert, cls.key)
        cls.silent = HttpServer("--mode", "silent")
        cls.token = secret("tk_AbC123xyz")
        cls.user_key = secret("uQiRzpo4DXghDmr9QzzfQu27cmVRsG")

    @classmethod
    def tearDownClass(cls):
        for s in (cls.http, cls.https, cls.silent):
            s.stop()

    def setUp(self):
        self.http.clear()
        self.https.clear()

    def url(self, path, tls=False):
        return "%s://127.0.0.1:%d%s" % ("https" if tls else "http", (self.https if tls else self.http).port, path)

    def one_request(self, server=None):
        reqs = (server or self.http).requests()
        self.assertEqual(len(reqs), 1, reqs)
        return reqs[0]

    def assert_ascii_headers(self, req):
        for k, v in req["headers"]:
            v.encode("ascii")
            self.assertNotIn("\r", v)
            self.assertNotIn("\n", v)

    def test_ntfy_request_as_documented(self):
        for ev in EVENTS:
            self.http.clear()
            out = run_tool("ntfy", dict(FACTS, event=ev), "--url", self.url("/homeops-alerts"),
                           "--token-file", self.token, "--message-id", "outbox-9", expect_rc=0)
            self.assertTrue(out["ok"])
            self.assertEqual(out["status"], 200)
            req = self.one_request()
            self.assertEqual(req["method"], "POST")
            self.assertEqual(req["path"], "/homeops-alerts")
            h = req["hdr"]
            self.assertEqual(h["title"], [out["title"]])
            self.assertEqual(h["x-priority"], [NTFY_PRIORITY[ev]])
            self.assertEqual(h["tags"], [NTFY_TAG[ev] + ",homeops"])
            self.assertEqual(h["authorization"], ["Bearer tk_AbC123xyz"])
            self.assertEqual(h["click"], ["https://homeops.example.org/runs/42"])
            self.assertEqual(h["idempotency-key"], ["outbox-9"])
            self.assertEqual(h["content-type"], ["text/plain; charset=utf-8"])
            self.assertNotIn("expect", h)
            self.assertEqual(req["body"].decode("utf-8"), out["body"])
            self.assert_ascii_headers(req)

    def test_ntfy_hostile_title_is_rfc2047_and_body_is_bounded(self):
        out = run_tool("ntfy", HOSTILE, "--url", self.url("/t"), expect_rc=0)
        req = self.one_request()
        self.assert_ascii_headers(req)
        title = req["hdr"]["title"][0]
        self.assertTrue(title.startswith("=?UTF-8?B?"), title)
        self.assertEqual(decode_words(title), out["title"])
        self.assertNotIn("authorization", req["hdr"])
        self.assertEqual(req["body"].decode("utf-8"), out["body"])
        # a link with a line break in it is not put into a header
        self.assertNotIn("click", req["hdr"])

    def test_stored_message_with_raw_controls_and_long_body(self):
        """notify_send defends itself when the message did not come from notify_format."""
        path = os.path.join(WORK, "long-body")
        with open(path, "w") as f:
            f.write("\u00e9" * 6000)
        raw_title = "line1\r\nX-Evil: 1\u00e9"
        run_tool("ntfy", FACTS, "--url", self.url("/t"), "--raw-title", raw_title, "--raw-body-file", path,
                 expect_rc=0)
        req = self.one_request()
        self.assert_ascii_headers(req)
        self.assertNotIn("x-evil", req["hdr"])
        self.assertEqual(decode_words(req["hdr"]["title"][0]), "line1  X-Evil: 1\u00e9")
        self.assertLessEqual(len(req["body"]), 4096)
        body = req["body"].decode("utf-8")
        self.assertEqual(body, "\u00e9" * 2046 + "\u2026")
        self.http.clear()
        run_tool("pushover", FACTS, "--url", self.url("/1/messages.json"), "--token-file", self.token,
                 "--user-key-file", self.user_key, "--raw-title", "t" * 300, "--raw-body-file", path, expect_rc=0)
        form = urllib.parse.parse_qs(self.one_request()["body"].decode("ascii"))
        self.assertEqual(form["message"], ["\u00e9" * 1023 + "\u2026"])
        self.assertEqual(form["title"], ["t" * 249 + "\u2026"])

    def test_gotify_request_as_documented(self):
        for ev in EVENTS:
            self.http.clear()
            out = run_tool("gotify", dict(FACTS, event=ev), "--url", self.url("/gotify/"),
                           "--token-file", self.token, expect_rc=0)
            req = self.one_request()
            self.assertEqual(req["method"], "POST")
            self.assertEqual(req["path"], "/gotify/message")
            self.assertEqual(req["hdr"]["x-gotify-key"], ["tk_AbC123xyz"])
            self.assertNotIn("authorization", req["hdr"])
            self.assertEqual(req["hdr"]["content-type"], ["application/json"])
            body = json.loads(req["body"])
            self.assertEqual(body["title"], out["title"])
            self.assertEqual(body["message"], out["body"])
            self.assertEqual(body["priority"], GOTIFY_PRIORITY[ev])
            self.assertEqual(body["extras"]["client::display"]["contentType"], "text/plain")
            self.assertEqual(body["extras"]["client::notification"]["click"]["url"],
                             "https://homeops.example.org/runs/42")

    def test_gotify_hostile_facts_stay_valid_json(self):
        out = run_tool("gotify", HOSTILE, "--url", self.url(""), "--token-file", self.token, expect_rc=0)
        req = self.one_request()
        self.assertEqual(req["path"], "/message")
        body = json.loads(req["body"].decode("utf-8"))
        self.assertEqual(body["title"], out["title"])
        self.assertEqual(body["message"], out["body"])
        self.assertNotIn("client::notification", body["extras"])

    def test_pushover_request_as_documented(self):
        for ev in EVENTS:
            self.http.clear()
            out = run_tool("pushover", dict(FACTS, event=ev), "--url", self.url("/1/messages.json"),
                           "--token-file", self.token, "--user-key-file", self.user_key, expect_rc=0)
            req = self.one_request()
            self.assertEqual(req["method"], "POST")
            self.assertEqual(req["path"], "/1/messages.json")
            self.assertEqual(req["hdr"]["content-type"], ["application/x-www-form-urlencoded"])
            form = urllib.parse.parse_qs(req["body"].decode("ascii"), keep_blank_values=True, strict_parsing=True)
            self.assertEqual(form["token"], ["tk_AbC123xyz"])
            self.assertEqual(form["user"], ["uQiRzpo4DXghDmr9QzzfQu27cmVRsG"])
            self.assertEqual(form["title"], [out["title"]])
            self.assertEqual(form["message"], [out["body"]])
            self.assertEqual(form["priority"], [PUSHOVER_PRIORITY[ev]])
            self.assertEqual(form["url"], ["https://homeops.example.org/runs/42"])
            self.assertEqual(form["url_title"], ["Details"])

    def test_pushover_limits(self):
        out = run_tool("pushover", HOSTILE, "--url", self.url("/1/messages.json"),
                       "--token-file", self.token, "--user-key-file", self.user_key, expect_rc=0)
        form = urllib.parse.parse_qs(self.one_request()["body"].decode("ascii"))
        self.assertLessEqual(len(form["message"][0]), 1024)
        self.assertLessEqual(len(form["title"][0]), 250)
        self.assertTrue(out["body"].startswith(form["message"][0][:-1]))
        self.assertNotIn("url", form)

    def test_webhook_posts_the_json(self):
        out = run_tool("webhook", HOSTILE, "--url", self.url("/hooks/homeops?x=1"), "--token-file", self.token,
                       "--message-id", "outbox\r\n12", expect_rc=0)
        req = self.one_request()
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["path"], "/hooks/homeops?x=1")
        self.assertEqual(req["hdr"]["content-type"], ["application/json"])
        self.assertEqual(req["hdr"]["authorization"], ["Bearer tk_AbC123xyz"])
        self.assertEqual(req["hdr"]["x-homeops-event"], ["failed"])
        self.assertEqual(req["hdr"]["idempotency-key"], ["outbox--12"])
        self.assertEqual(req["body"].decode("utf-8"), out["json"])
        facts = json.loads(req["body"])
        self.assertEqual(facts["event"], "failed")
        self.assertEqual(facts["alertname"], HOSTILE["alertname"])
        self.assertEqual(facts["run_id"], 42)
        self.assertEqual(facts["title"], out["title"])
        self.assert_ascii_headers(req)

    def test_webhook_without_token_has_no_authorization(self):
        run_tool("webhook", FACTS, "--url", self.url("/hook"), expect_rc=0)
        self.assertNotIn("authorization", self.one_request()["hdr"])

    def test_https_with_ca_file_and_insecure_skip_verify(self):
        out = run_tool("webhook", FACTS, "--url", self.url("/hook", tls=True), "--ca-file", self.cert, expect_rc=0)
        self.assertTrue(out["ok"])
        self.assertEqual(len(self.https.requests()), 1)
        out = run_tool("webhook", FACTS, "--url", self.url("/hook", tls=True),
                       "--ca-file", os.path.join(WORK, "other.pem"), expect_rc=1)
        self.assertTrue(out["retryable"])
        self.assertEqual(len(self.https.requests()), 1)
        out = run_tool("webhook", FACTS, "--url", self.url("/hook", tls=True), "--insecure", expect_rc=0)
        self.assertEqual(len(self.https.requests()), 2)

    def test_http_status_classification(self):
        cases = {500: True, 502: True, 503: True, 429: True, 408: True,
                 400: False, 401: False, 403: False, 404: False, 413: False}
        for code, retry in cases.items():
            for kind, extra in (("ntfy", []), ("webhook", []),
                                ("pushover", ["--token-file", self.token, "--user-key-file", self.user_key])):
                out = run_tool(kind, FACTS, "--url", self.url("/code/%d/topic" % code), *extra, expect_rc=1)
                self.assertEqual(out["status"], code)
                self.assertEqual(out["retryable"], retry, (kind, code, out))
                self.assertIn(str(code), out["error"])

    def test_redirect_is_not_followed(self):
        out = run_tool("webhook", FACTS, "--url", self.url("/redirect/x"), "--token-file", self.token, expect_rc=1)
        self.assertEqual(out["status"], 302)
        self.assertFalse(out["retryable"])
        self.assertIn("https://elsewhere.invalid/", out["error"])
        self.assertEqual(len(self.http.requests()), 1)

    def test_server_that_never_answers_times_out(self):
        for kind in ("ntfy", "webhook"):
            t0 = time.monotonic()
            out = run_tool(kind, FACTS, "--url", self.url("/hang/topic"), "--timeout", "1", expect_rc=1)
            self.assertLess(time.monotonic() - t0, 5)
            self.assertTrue(out["retryable"])
            self.assertGreaterEqual(out["elapsed_ms"], 900)
            self.assertLess(out["elapsed_ms"], 2000)

    def test_server_that_accepts_and_never_reads_times_out(self):
        out = run_tool("webhook", FACTS, "--url", "http://127.0.0.1:%d/x" % self.silent.port, "--timeout", "1",
                       expect_rc=1)
        self.assertTrue(out["retryable"])
        self.assertLess(out["elapsed_ms"], 2000)

    def test_connection_refused_and_dns_failure_are_retryable(self):
        out = run_tool("ntfy", FACTS, "--url", "http://127.0.0.1:%d/t" % free_port(), expect_rc=1)
        self.assertTrue(out["retryable"])
        self.assertEqual(out["status"], 0)
        self.assertLess(out["elapsed_ms"], 2000)
        out = run_tool("webhook", FACTS, "--url", "http://homeops-notify-test.invalid/x", "--timeout", "2", expect_rc=1)
        self.assertTrue(out["retryable"])
        self.assertLess(out["elapsed_ms"], 3000)

    def test_invalid_notifier_is_refused_before_sending(self):
        out = run_tool("ntfy", FACTS, "--url", self.url("/"), expect_rc=2)
        self.assertIn("topic", out["validate_error"])
        out = run_tool("gotify", FACTS, "--url", "ftp://127.0.0.1/", "--token-file", self.token, expect_rc=2)
        self.assertIn("http", out["validate_error"])
        self.assertEqual(self.http.requests(), [])


def make_cert(cert, key):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", key, "-out", cert,
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)


def main():
    global TOOL, WORK
    if len(sys.argv) < 2:
        sys.exit("usage: test_notify.py NOTIFY_SEND_TOOL [unittest args]")
    TOOL = os.path.abspath(sys.argv[1])
    for tool in ("openssl",):
        if not shutil.which(tool):
            print("skipping: %s not installed" % tool)
            sys.exit(77)
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        print("skipping: python3-aiosmtpd not installed")
        sys.exit(77)
    WORK = tempfile.mkdtemp(prefix="homeops-notify-")
    try:
        prog = unittest.main(argv=[sys.argv[0]] + sys.argv[2:], exit=False, verbosity=2)
        ok = prog.result.wasSuccessful()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
