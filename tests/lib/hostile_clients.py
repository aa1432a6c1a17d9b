"""hostile_clients.py: the attacks of issue 8 as small, bounded helpers (stdlib only): slow sockets,
dripped bodies, chunked bodies, password floods, and the process measurements (CPU, USS) the tests assert on."""
import base64
import http.client
import os
import socket
import threading
import time

from homeops_test import memory_kib


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()}


def timed_get(port, path="/metrics", headers=None, source="127.0.0.1", timeout=10):
    """One GET on a fresh connection; returns (status, seconds, headers dict lower-cased, body)."""
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        return r.status, time.monotonic() - t0, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        c.close()


def request(port, method, path, body=None, headers=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


class Slowloris:
    """n sockets that each send part of a request line and headers, then one header byte now and then.
    Sources cycle over 127.0.0.2.. (per_source each), as an attacker with several addresses would."""

    def __init__(self, port, n=200, per_source=28, first_source=2):
        self.port = port
        self.socks = []
        self.stop_ev = threading.Event()
        for i in range(n):
            src = "127.0.0.%d" % (first_source + i // per_source)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((src, 0))
            s.settimeout(2)
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.socks.append(s)
        self.opened = time.monotonic()
        self.thread = threading.Thread(target=self._drip, daemon=True)
        self.thread.start()

    def _drip(self):
        while not self.stop_ev.wait(0.5):
            for s in self.socks:
                try:
                    s.send(b"X")
                except OSError:
                    pass

    def closed_by_server(self):
        """How many of the sockets the server has closed (EOF or reset)."""
        n = 0
        for s in self.socks:
            try:
                s.setblocking(False)
                d = s.recv(4096, socket.MSG_PEEK)
                if d == b"" or d:
                    n += 1   # EOF, or an error response: either way the slot is gone
            except BlockingIOError:
                pass
            except OSError:
                n += 1
        return n

    def close(self):
        self.stop_ev.set()
        self.thread.join(timeout=5)
        for s in self.socks:
            s.close()


def drip_body(port, path, total=100, every=1.0, headers=None, limit=30.0):
    """POSTs a body of total bytes one byte every `every` seconds; returns (seconds until the server
    closed the connection or answered, what it answered or b'')."""
    s = socket.create_connection(("127.0.0.1", port), timeout=limit)
    hdr = "".join("%s: %s\r\n" % kv for kv in (headers or {}).items())
    s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
               % (path, total, hdr)).encode())
    t0 = time.monotonic()
    got = b""
    try:
        for _ in range(total):
            s.settimeout(every)
            try:
                d = s.recv(4096)
                got += d
                break   # answered or closed
            except socket.timeout:
                pass
            if time.monotonic() - t0 > limit:
                break
            try:
                s.send(b" ")
            except OSError:
                break
    except OSError:
        pass
    took = time.monotonic() - t0
    s.close()
    return took, got


def chunked_post(port, path, size, chunk=1024, headers=None, timeout=10):
    """POSTs size bytes with Transfer-Encoding: chunked; returns (status or None, raw answer)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    hdr = "".join("%s: %s\r\n" % kv for kv in (headers or {}).items())
    s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n%s\r\n" % (path, hdr)).encode())
    sent = 0
    try:
        while sent < size:
            n = min(chunk, size - sent)
            s.sendall(b"%x\r\n" % n + b"x" * n + b"\r\n")
            sent += n
        s.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    raw = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            raw += d
            if b"\r\n\r\n" in raw:
                break
    except OSError:
        pass
    s.close()
    status = None
    if raw.startswith(b"HTTP/1."):
        status = int(raw.split(b" ", 2)[1])
    return status, raw


class PasswordFlood:
    """threads attackers, each from its own address 127.0.0.<first_source+i>, sending wrong passwords
    (a different one each time, so no cache helps) to path as fast as they are answered."""

    def __init__(self, port, path, user, threads=12, first_source=20):
        self.codes = {}
        self.last_error = None
        self.lock = threading.Lock()
        self.stop_ev = threading.Event()
        self.threads = []
        for i in range(threads):
            t = threading.Thread(target=self._run, args=(port, path, user, "127.0.0.%d" % (first_source + i), i),
                                 daemon=True)
            t.start()
            self.threads.append(t)

    def _run(self, port, path, user, src, i):
        k = 0
        while not self.stop_ev.is_set():
            k += 1
            try:
                st, _, _, _ = timed_get(port, path, basic(user, "wrong-%d-%d" % (i, k)), source=src, timeout=20)
            except OSError as e:
                st = "error"
                self.last_error = repr(e)
            with self.lock:
                self.codes[st] = self.codes.get(st, 0) + 1

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(timeout=25)
        return dict(self.codes)


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def uss_bytes(pid):
    """Unique set size in bytes (homeops_test.memory_kib)."""
    return memory_kib(pid)[0] * 1024


def post_raw(port, path, body, headers=None, timeout=10):
    """POSTs body with Content-Length on a raw socket, tolerating a server that answers and closes before
    the body is sent; returns (status or None, bytes of the body actually sent)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    hdr = "".join("%s: %s\r\n" % kv for kv in (headers or {}).items())
    s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
               % (path, len(body), hdr)).encode())
    sent = 0
    try:
        while sent < len(body):
            sent += s.send(body[sent:sent + 65536])
    except OSError:
        pass
    raw = b""
    try:
        while b"\r\n" not in raw:
            d = s.recv(4096)
            if not d:
                break
            raw += d
    except OSError:
        pass
    s.close()
    return (int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.") else None), sent


class ConnectionFlood:
    """threads clients, each from its own address 127.0.0.<first_source+i>, opening a connection, sending
    half a request line and closing it, as fast as they can until stop() (which returns how many)."""

    def __init__(self, port, threads=4, first_source=150):
        self.n = 0
        self.lock = threading.Lock()
        self.stop_ev = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(port, "127.0.0.%d" % (first_source + i)),
                                         daemon=True) for i in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self, port, src):
        while not self.stop_ev.is_set():
            try:
                s = socket.socket()
                s.bind((src, 0))
                s.settimeout(2)
                s.connect(("127.0.0.1", port))
                s.send(b"GET /metr")
                s.close()
            except OSError:
                pass
            with self.lock:
                self.n += 1

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(timeout=10)
        return self.n


def raw_exchange(port, raw, timeout=5.0, source="127.0.0.1"):
    """Sends raw bytes on a fresh connection, shuts the write side, reads until the server closes (or
    timeout); returns the status of the first answer, 'closed' (no answer) or 'timeout'."""
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(timeout)
    got = b""
    try:
        s.connect(("127.0.0.1", port))
        try:
            s.sendall(raw)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass   # the server answered and closed before taking everything
        t_end = time.monotonic() + timeout
        while time.monotonic() < t_end and b"\r\n" not in got:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except socket.timeout:
        if not got:
            return "timeout"
    except OSError:
        pass
    finally:
        s.close()
    if got.startswith(b"HTTP/1.") and len(got.split(b" ", 2)) > 1 and got.split(b" ", 2)[1].isdigit():
        return int(got.split(b" ", 2)[1])
    return "closed" if not got else "garbage"


_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH", "PROPFIND", "get",
            "G\x00T", "", "GETGETGETGETGETGETGETGETGETGETGETGETGET"]
_HEADER_NAMES = ["Host", "Accept", "Accept-Encoding", "Connection", "Authorization", "Cookie", "Content-Type",
                 "Content-Length", "Transfer-Encoding", "Expect", "Range", "If-None-Match", "X-Forwarded-For",
                 "Origin", "Upgrade", "X-Requested-With"]
_HEADER_VALUES = ["", "gzip", "gzip, deflate, br", "identity;q=0", "*/*", "close", "keep-alive", "Basic !!!",
                  "Basic " + base64.b64encode(b"a:b").decode(), "Bearer x", "chunked", "100-continue",
                  "bytes=0-0", "h2c", "127.0.0.1", "\xff\xfe", "application/json", "text/plain"]


def _rand_text(rng, n, alphabet=None):
    if alphabet is None:
        return "".join(chr(rng.randrange(0, 256)) for _ in range(n))
    return "".join(rng.choice(alphabet) for _ in range(n))


def random_request(rng, paths):
    """One random request from rng (random.Random): returns (kind, bytes). kind 'valid' is a well-formed
    GET of a path in paths with ordinary extra headers (the server must answer 200); the other kinds are
    garbage request lines, odd methods and versions, random paths, NUL bytes, huge header counts, absurd
    Content-Length, broken chunked bodies and pipelined requests."""
    kind = rng.choice(["valid", "path", "method", "garbage", "headers", "nul", "length", "pipeline", "chunked",
                       "version"])
    path = rng.choice(paths)
    hdrs = "".join("%s: %s\r\n" % (rng.choice(["Accept", "User-Agent", "X-Trace"]),
                                   _rand_text(rng, rng.randrange(0, 40), "abcxyz019 ;=/*.-"))
                   for _ in range(rng.randrange(0, 5)))
    if kind == "valid":
        req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % ("/metrics" if path.startswith("/api") else path, hdrs)
        if path in ("/webhook",):
            req = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % hdrs
    elif kind == "path":
        p = rng.choice(["/" + _rand_text(rng, rng.randrange(0, 300), "abc/%.?#&=+;~-_09AZ"),
                        path + "/" + "../" * rng.randrange(1, 20), path + "?" + "a=b&" * rng.randrange(1, 200),
                        "/%00%ff%fe" + path, "*", "http://evil.example" + path, path + "%"])
        req = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % (rng.choice(["GET", "HEAD", "POST"]), p, hdrs)
    elif kind == "method":
        req = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % (rng.choice(_METHODS), path, hdrs)
    elif kind == "garbage":
        req = _rand_text(rng, rng.randrange(1, 2000)) + rng.choice(["", "\r\n", "\r\n\r\n", "\n\n"])
    elif kind == "headers":
        n = rng.choice([100, 500, 2000])
        req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % (path, "".join(
            "%s: %s\r\n" % (rng.choice(_HEADER_NAMES + ["X-" + str(i)]), rng.choice(_HEADER_VALUES))
            for i in range(n)))
    elif kind == "nul":
        req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A\x00b: c\x00d\r\n%s: \x00\r\n\r\n" % (
            path + rng.choice(["", "\x00", "?\x00=1"]), rng.choice(_HEADER_NAMES))
    elif kind == "length":
        cl = rng.choice(["99999999999999999999999999", "-1", "1e9", "0x10", "18446744073709551615",
                         "9223372036854775808", " 5", "5, 6", "2147483648", "4294967296"])
        extra = "Content-Length: 3\r\n" if rng.random() < 0.3 else ""
        req = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %s\r\n%s%s\r\n{}" % (
            rng.choice(["POST", "GET", "PUT"]), path, cl, extra, hdrs)
    elif kind == "pipeline":
        one = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path
        req = one * rng.randrange(2, 6) + rng.choice(["", "GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\n"])
    elif kind == "chunked":
        body = rng.choice(["zz\r\nabc\r\n0\r\n\r\n", "ffffffffffffffffff\r\nx\r\n", "5\r\nab", "-1\r\n\r\n",
                           "0\r\nTrailer: \x00\r\n\r\n", "3;ext=\x01\r\nabc\r\n0\r\n\r\n"])
        req = "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: %s\r\nContent-Type: application/json\r\n" \
              "\r\n%s" % (path, rng.choice(["chunked", "gzip, chunked", "chunked, chunked", "xchunked"]), body)
    else:   # version
        req = "GET %s %s\r\nHost: 127.0.0.1\r\n\r\n" % (path, rng.choice(
            ["HTTP/0.9", "HTTP/2.0", "HTTP/1.11111", "HTTP/1", "HTTP/1.1 extra", "http/1.1", "HTTP/9.9", ""]))
    return kind, req.encode("latin-1")
