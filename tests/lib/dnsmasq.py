"""dnsmasq.py: a real dnsmasq on 127.0.0.1 for tests: a free TCP+UDP port, started by the test, stopped by PID.

Used with Debian's /usr/bin/python3 and the standard library only (dnsmasq from dnsmasq-base).
"""
import os
import shutil
import socket
import time

from homeops_test import Proc, free_port


def free_udp_port():
    """A port free for both TCP (free_port) and UDP on 127.0.0.1: dnsmasq listens on both."""
    while True:
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            try:
                u.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


def dns_answers(port, timeout=10.0):
    """True once a DNS server on 127.0.0.1:port answers (anything) to a query for probe.test A."""
    q = b"\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05probe\x04test\x00\x00\x01\x00\x01"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.settimeout(0.2)
            try:
                u.sendto(q, ("127.0.0.1", port))
                u.recv(512)
                return True
            except OSError:
                time.sleep(0.05)
    return False


def start_dnsmasq(workdir, *extra):
    """dnsmasq --no-daemon on 127.0.0.1 (a free port), no upstream, no /etc/hosts, probe.test -> 10.1.2.3,
    plus extra options; logs to its stderr (Proc.output()). Returns (Proc, port) once it answers; the
    caller closes the Proc (by PID)."""
    exe = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
    if not os.path.exists(exe):
        raise AssertionError("dnsmasq is not installed (Debian package dnsmasq-base)")
    port = free_udp_port()
    dm = Proc([exe, "--no-daemon", f"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces",
               "--no-resolv", "--no-hosts", "--address=/probe.test/10.1.2.3",
               f"--pid-file={os.path.join(workdir, 'dnsmasq.pid')}", "--log-facility=-", *extra]
              + (["--user=root"] if os.geteuid() == 0 else []), name="dnsmasq")
    if not dns_answers(port):
        out = dm.output()
        dm.close()
        raise AssertionError(f"dnsmasq does not answer on 127.0.0.1:{port}:\n{out}")
    return dm, port
