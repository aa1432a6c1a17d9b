#!/usr/bin/python3
"""test_source_failures.py: each exporter's source failing mid-run and coming back, without a restart
(tests/lib/abuse_targets.py): snapraid's binary deleted and restored, smart's replayed blob truncated and
restored, cifs' mountinfo truncated and removed, then restored, the Docker stand-in stopped and started again on
its socket, the Pi-hole stand-in (a process) SIGKILLed and started again on its port. Each: <p>_up 0 with a
reason counted in <p>_collect_errors_total (smart: smart_device_up 0 with smart_device_read_error{reason}; one
disk failing is not a failed collection), promtool clean while failing, then up 1 again, the same PID.
usage: test_source_failures.py --binary B --target NAME"""
import argparse
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from abuse_targets import Target  # noqa: E402
from homeops_test import Checks, Proc, free_port, http, log, promtool_check_metrics, wait_port  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--binary", required=True)
ap.add_argument("--target", required=True)
args = ap.parse_args()
check = Checks()
T = Target(args.target, args.binary, interval="200ms")
P = T.prefix
# smart: one disk failing is not a failed collection (smart_up stays 1); the disk's own series say it
UP, ERRORS = {"smart": ("smart_device_up", "smart_device_read_error")}.get(
    T.name, ("%s_up" % P, "%s_collect_errors_total" % P))


def scrape():
    r = http(T.port, timeout=15)
    return r.text() if r.status == 200 else ""


def wait_up(value, timeout=30.0):
    rx = re.compile(r"^%s(\{[^}]*\})? %d$" % (UP, value), re.M)
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = scrape()
        if rx.search(text):
            return text
        time.sleep(0.1)
    raise AssertionError("%s never became %d; last:\n%s\n%s" % (UP, value, text, T.proc.output()[-2000:]))


def errors(text):
    """{reason: value} of ERRORS (summed over other labels)."""
    out = {}
    for m in re.finditer(r'^%s\{([^}]*)\} (\S+)$' % ERRORS, text, re.M):
        reason = re.search(r'reason="([^"]*)"', m.group(1))
        if reason:
            out[reason.group(1)] = out.get(reason.group(1), 0) + float(m.group(2))
    return out


def truncate(path, keep):
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:keep])
    return data


def restore(path, data):
    with open(path + ".new", "wb") as f:
        f.write(data)
    os.replace(path + ".new", path)


def failures():
    """(what, break(), mend()) for the target."""
    if T.name == "snapraid":
        gone = T.snapraid_bin + ".gone"
        return [("binary deleted", lambda: os.rename(T.snapraid_bin, gone), lambda: os.rename(gone, T.snapraid_bin))]
    if T.name == "smart":
        saved = {}
        return [("replayed blob truncated to 100 bytes", lambda: saved.update(d=truncate(T.blob, 100)),
                 lambda: restore(T.blob, saved["d"]))]
    if T.name == "cifs":
        saved = {}
        return [("mountinfo truncated mid-line", lambda: saved.update(m=truncate(T.mountinfo, 37)),
                 lambda: restore(T.mountinfo, saved["m"])),
                ("mountinfo removed", lambda: saved.update(m=truncate(T.mountinfo, 10 ** 9)) or os.unlink(T.mountinfo),
                 lambda: restore(T.mountinfo, saved["m"]))]
    if T.name == "docker":
        from docker_standin import DockerStandin

        def back():
            T.standin = DockerStandin(T.fx, T.sock)
            T.standin.start()
        return [("engine socket gone (stand-in stopped)", T.standin.stop, back)]
    if T.name == "pihole":
        return [("Pi-hole killed (SIGKILL)", lambda: PIHOLE["proc"].stop(signal.SIGKILL), start_pihole)]
    raise SystemExit("no source failures for " + T.name)


PIHOLE = {}


def start_pihole():
    """The Pi-hole stand-in as a process of its own (so it can be killed, its connections with it)."""
    PIHOLE["proc"] = Proc([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib",
                                                        "pihole_standin.py"), "--fixtures", T.fx, "--password", "pw",
                           "--port", str(PIHOLE["port"])], name="pihole_standin")
    check("Pi-hole stand-in listening on %d" % PIHOLE["port"], wait_port(PIHOLE["port"]), PIHOLE["proc"].output())


try:
    if T.name == "pihole":
        T.standin.close()
        T.standin = None
        PIHOLE["port"] = free_port()
        T.args = [a for a in T.args if not a.startswith("--pihole.url=")] + [
            "--pihole.url=http://127.0.0.1:%d" % PIHOLE["port"]]
        start_pihole()
    T.start()
    pid = T.proc.pid
    wait_up(1)
    for what, brk, mend in failures():
        before = errors(scrape())
        brk()
        t0 = time.monotonic()
        text = wait_up(0)
        down = time.monotonic() - t0
        promtool_check_metrics(text)
        grew = {k: v - before.get(k, 0) for k, v in errors(text).items() if v > before.get(k, 0)}
        log("%s: %s 0 after %.2fs; errors counted: %s" % (what, UP, down, grew))
        check("%s: %s 0, a reason in %s (%s)" % (what, UP, ERRORS, grew), grew)
        mend()
        t0 = time.monotonic()
        wait_up(1)
        log("%s: back to %s 1 after %.2fs" % (what, UP, time.monotonic() - t0))
        check("%s: recovered without a restart" % what, T.proc.alive() and T.proc.pid == pid)
    check("SIGTERM: exit 0", T.stop() == 0, T.proc.output()[-2000:])
    log("PASS source failures %s (%d checks)" % (T.name, check.n))
finally:
    if PIHOLE.get("proc"):
        PIHOLE["proc"].close()
    T.close()
