"""homeops_test.py: helpers for Python test harnesses: processes by PID, free ports, HTTP, promtool, certs.

Used with Debian's /usr/bin/python3 and the standard library only.
"""
import contextlib
import gzip
import http.client as httpclient
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

SKIP = 77


def skip(why):
    """Ends the test as skipped (77: ctest reports it, CI fails on it) because a prerequisite is missing."""
    print(f"skipped: {why}")
    sys.exit(SKIP)


def unit_directives(text):
    """A systemd unit's Key=Value lines as {key: [values in order]} (sections and comments left out)."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "[")) or "=" not in line:
            continue
        k, v = line.split("=", 1)
        out.setdefault(k, []).append(v)
    return out

def memory_kib(pid):
    """(USS, RSS) of pid in KiB from /proc/PID/smaps_rollup: USS is Private_Clean + Private_Dirty, the
    memory that would be freed if the process ended. (0, 0) when the process is gone."""
    vals = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                m = re.match(r"^(\w+):\s+(\d+) kB", line)
                if m:
                    vals[m.group(1)] = int(m.group(2))
    except (FileNotFoundError, ProcessLookupError):
        return 0, 0
    return vals.get("Private_Clean", 0) + vals.get("Private_Dirty", 0), vals.get("Rss", 0)

def fixtures_dir():
    """The recorded third-party data: $HOMEOPS_FIXTURES (set by ctest), else ../shared/fixtures
    beside the checkout. The one place Python tests learn it (tests/lib/testlib.c for C)."""
    return os.environ.get("HOMEOPS_FIXTURES") or os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "fixtures"))


def fixtures_or_skip(*rel):
    """The fixtures directory joined with rel; exits 77 (ctest: skipped; CI fails on it) when absent."""
    d = os.path.join(fixtures_dir(), *rel)
    if not os.path.isdir(d):
        log(f"SKIP: fixtures not found at {d} (HOMEOPS_FIXTURES)")
        sys.exit(SKIP)
    return d


def golden_check(path, got, update=False):
    """Compares got with the golden file at path, or rewrites it when update is set. Returns '' when
    they agree (or after an update), else a unified diff (a missing file counts as empty)."""
    import difflib
    if update:
        with open(path, "w") as f:
            f.write(got)
        log(f"golden updated: {path}")
        return ""
    try:
        with open(path) as f:
            want = f.read()
    except FileNotFoundError:
        want = ""
    if got == want:
        return ""
    name = os.path.basename(path)
    return "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), f"golden/{name}", "got"))


def log(*args):
    print(*args, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15.0, host="127.0.0.1"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Proc:
    """A started program, stopped by PID (never by name). stderr goes to a file for diagnosis."""

    def __init__(self, argv, env=None, cwd=None, name=None, stdin=None):
        self.argv = [str(a) for a in argv]
        self.name = name or os.path.basename(self.argv[0])
        self.logfile = tempfile.NamedTemporaryFile(prefix=f"homeops-{self.name}-", suffix=".log", delete=False)
        self.p = subprocess.Popen(self.argv, stdout=self.logfile, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                  stdin=stdin if stdin is not None else subprocess.DEVNULL, start_new_session=True)
        self.pid = self.p.pid

    def output(self):
        try:
            with open(self.logfile.name, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_log(self, pattern, timeout=15.0):
        """Waits until the log matches regex pattern; returns the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = rx.search(self.output())
            if m:
                return m
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: no log line matching {pattern!r}; exit={self.p.poll()}\n{self.output()}")

    def alive(self):
        return self.p.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signals the PID, waits; SIGKILL if it does not exit in time. Returns the exit code."""
        if self.p.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.p.wait(5)
        return self.p.returncode

    def close(self):
        self.stop()
        with contextlib.suppress(OSError):
            os.unlink(self.logfile.name)


def start_exporter(binary, *args, env=None):
    """Starts an exporter on 127.0.0.1:0 (unless args give a listen address) and returns (proc, port)."""
    argv = [binary]
    if not any(str(a).startswith("--web.listen-address") for a in args):
        argv.append("--web.listen-address=127.0.0.1:0")
    argv += list(args)
    p = Proc(argv, env=env)
    m = p.wait_log(r'msg=serving .*port=(\d+)')
    return p, int(m.group(1))


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def text(self):
        body = self.body
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return body.decode("utf-8")


def http(port, path="/metrics", method="GET", headers=None, body=None, host="127.0.0.1", tls=None, timeout=10,
         conn=None):
    """One request. tls: an ssl.SSLContext for HTTPS. conn: reuse an open connection (keep-alive tests)."""
    own = conn is None
    if own:
        if tls is not None:
            conn = httpclient.HTTPSConnection(host, port, timeout=timeout, context=tls)
        else:
            conn = httpclient.HTTPConnection(host, port, timeout=timeout)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    res = Response(r.status, r.getheaders(), data)
    if own:
        conn.close()
    return res


def wait_metric(port, pattern, timeout=20.0, **kw):
    """Polls /metrics until the regex matches; returns (match, text)."""
    rx = re.compile(pattern, re.M)
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        try:
            r = http(port, **kw)
            if r.status == 200:
                text = r.text()
                m = rx.search(text)
                if m:
                    return m, text
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"metric {pattern!r} not seen within {timeout}s; last:\n{text}")


def metric_value(text, name, labels=None):
    """Value of one sample in exposition text (labels: dict subset that must match), or None."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if labels and any(got.get(k) != v for k, v in labels.items()):
            continue
        return float(m.group(4))
    return None


def promtool_check_metrics(text):
    """Runs `promtool check metrics` on text; raises with its findings unless it is clean."""
    promtool = shutil.which("promtool")
    if not promtool:
        raise AssertionError("promtool not installed (Debian package prometheus)")
    r = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=60)
    out = (r.stdout + r.stderr).decode(errors="replace").strip()
    if r.returncode != 0 or out:
        raise AssertionError(f"promtool check metrics failed (rc={r.returncode}):\n{out}")


def make_certs(d):
    """Creates a CA, a server cert for 127.0.0.1/localhost and a client cert in directory d (openssl CLI)."""
    def run(*a):
        subprocess.run(a, check=True, capture_output=True, cwd=d, timeout=60)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=homeops test CA")
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth"),
                      ("client", "extendedKeyUsage=clientAuth")):
        with open(os.path.join(d, f"{name}.ext"), "w") as f:
            f.write(ext + "\n")
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN=homeops {name}")
        run("openssl", "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext")
    return {k: os.path.join(d, k) for k in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")}


def bcrypt_hash(password, cost=4):
    """A bcrypt hash via libxcrypt (Debian's python3 crypt module)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import crypt
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << cost))


class Checks:
    """Named checks with a summary; a failing check raises immediately with context."""

    def __init__(self):
        self.n = 0

    def __call__(self, name, cond, detail=""):
        self.n += 1
        if not cond:
            raise AssertionError(f"check failed: {name}\n{detail}")
        log(f"ok {self.n} - {name}")
