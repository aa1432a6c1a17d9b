#!/usr/bin/python3
"""dns_probe_test.py: pihole_exporter's DNS probe against a real dnsmasq started on 127.0.0.1 (a high port).

dnsmasq answers probe.test with 10.1.2.3 (--address), NXDOMAIN for gone.test (--address=/gone.test/)
and REFUSED for anything else (--no-resolv: no upstream); stopped with SIGSTOP it is silent. The
API URL points at a closed port: the probe runs whatever the API does. Also measures the probe's
cost (time per probe) and, when installed, prometheus-blackbox-exporter's dns module beside it.

    dns_probe_test.py --binary build/exporters/pihole/pihole_exporter
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
from homeops_test import Checks, Proc, free_port, http, log, metric_value, promtool_check_metrics, start_exporter  # noqa: E402
from dnsmasq import dns_answers, start_dnsmasq  # noqa: E402

check = Checks()


def cpu_seconds(pid):
    """utime + stime of a process, seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dnsmasq_queries(dm):
    """Queries dnsmasq has logged so far (--log-queries to its stderr)."""
    return dm.output().count("query[A] probe.test")


def blackbox_side_by_side(port, dm, d):
    """The same query by prometheus-blackbox-exporter's dns module, when installed (a measurement only)."""
    bb = shutil.which("prometheus-blackbox-exporter")
    if not bb:
        log("prometheus-blackbox-exporter not installed: no side-by-side measurement")
        return
    cfg = os.path.join(d, "blackbox.yml")
    with open(cfg, "w") as f:
        f.write("modules:\n  dns_probe:\n    prober: dns\n    timeout: 1s\n    dns:\n"
                "      query_name: probe.test\n      query_type: A\n      transport_protocol: udp\n"
                "      preferred_ip_protocol: ip4\n      valid_rcodes: [NOERROR]\n")
    bport = free_port()
    p = Proc([bb, f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{bport}"], name="blackbox")
    try:
        p.wait_log(r"Listening on|msg=\"?Listening", timeout=15)
        path = f"/probe?module=dns_probe&target=127.0.0.1:{port}"
        http(bport, path)
        cpu0, q0 = cpu_seconds(p.pid), dnsmasq_queries(dm)
        durs, walls = [], []
        for _ in range(300):
            t0 = time.monotonic()
            text = http(bport, path).text()
            walls.append(time.monotonic() - t0)
            durs.append(metric_value(text, "probe_duration_seconds"))
            assert metric_value(text, "probe_success") == 1, text
        cpu1, q1 = cpu_seconds(p.pid), dnsmasq_queries(dm)
        durs.sort()
        walls.sort()
        log(f"MEASURE blackbox_exporter dns module against the same dnsmasq: probe_duration_seconds median "
            f"{durs[len(durs) // 2] * 1e6:.0f} us, HTTP round trip median {walls[len(walls) // 2] * 1e6:.0f} us; "
            f"{(cpu1 - cpu0) / max(q1 - q0, 1) * 1e6:.0f} us CPU per probe ({q1 - q0} probes)")
        check("blackbox_exporter's dns module succeeds on the same server", True)
    finally:
        p.close()


def once(binary, dns_port, name, timeout="1s"):
    closed = free_port()
    t0 = time.monotonic()
    r = subprocess.run([binary, "--once", f"--pihole.url=http://127.0.0.1:{closed}", "--pihole.name=lab",
                        f"--pihole.dns-probe={name}", f"--pihole.dns-server=127.0.0.1:{dns_port}",
                        f"--pihole.timeout={timeout}"], capture_output=True, timeout=30)
    wall = time.monotonic() - t0
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode(), wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="homeops-pihole-dns-")
    dm, port = start_dnsmasq(d, "--address=/gone.test/", "--log-queries")
    exp = None
    try:
        check("dnsmasq answers on 127.0.0.1", True)

        text, _ = once(a.binary, port, "probe.test")
        check("answering: pihole_dns_probe_success 1", metric_value(text, "pihole_dns_probe_success", {"hostname": "lab"}) == 1, text)
        check("answering: rcode 0, result ok", metric_value(text, "pihole_dns_probe_rcode") == 0 and
              metric_value(text, "pihole_dns_probe_result", {"result": "ok"}) == 1)
        check("the API down does not stop the probe (pihole_up 0)", metric_value(text, "pihole_up", {"hostname": "lab"}) == 0)
        promtool_check_metrics(text)
        check("promtool check metrics (probe)", True)

        text, _ = once(a.binary, port, "other.example")
        check("refusing: success 0, rcode 5 (REFUSED)", metric_value(text, "pihole_dns_probe_success") == 0 and
              metric_value(text, "pihole_dns_probe_rcode") == 5 and
              metric_value(text, "pihole_dns_probe_result", {"result": "refused"}) == 1, text)
        text, _ = once(a.binary, port, "gone.test")
        check("NXDOMAIN: success 0, rcode 3", metric_value(text, "pihole_dns_probe_success") == 0 and
              metric_value(text, "pihole_dns_probe_rcode") == 3 and
              metric_value(text, "pihole_dns_probe_result", {"result": "nxdomain"}) == 1, text)

        # probe cost: a running exporter probing every 10 ms; the probe's own duration metric, and CPU
        # time per probe (process CPU / probes dnsmasq saw)
        exp, eport = start_exporter(a.binary, f"--pihole.url=http://127.0.0.1:{free_port()}", "--pihole.name=lab",
                                    "--pihole.dns-probe=probe.test", f"--pihole.dns-server=127.0.0.1:{port}",
                                    "--pihole.interval=10ms", "--pihole.timeout=1s")
        cpu0 = cpu_seconds(exp.pid)
        q1 = dnsmasq_queries(dm)
        samples = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            t = http(eport).text()
            v = metric_value(t, "pihole_dns_probe_duration_seconds", {"hostname": "lab"})
            if v is not None:
                samples.append(v)
            time.sleep(0.02)
        cpu1 = cpu_seconds(exp.pid)
        q2 = dnsmasq_queries(dm)
        samples.sort()
        med = samples[len(samples) // 2] if samples else None
        ours_cpu = (cpu1 - cpu0) / max(q2 - q1, 1)
        log(f"MEASURE pihole_exporter probe against dnsmasq: duration median {med * 1e6:.0f} us "
            f"({len(samples)} samples, max {samples[-1] * 1e6:.0f} us); {q2 - q1} probes in 3 s, "
            f"{ours_cpu * 1e6:.0f} us CPU per probe (whole process: API attempt, render, scrapes included)")
        check("probe duration measured and below 50 ms", med is not None and med < 0.05 and q2 - q1 > 50)
        exp.close()
        exp = None
        blackbox_side_by_side(port, dm, d)

        # silent: dnsmasq stopped (SIGSTOP) -> timeout after --pihole.timeout, not longer
        os.kill(dm.pid, signal.SIGSTOP)
        try:
            text, wall = once(a.binary, port, "probe.test", timeout="1s")
        finally:
            os.kill(dm.pid, signal.SIGCONT)
        dur = metric_value(text, "pihole_dns_probe_duration_seconds")
        check(f"silent: success 0, result timeout, after {dur:.2f} s (timeout 1 s)",
              metric_value(text, "pihole_dns_probe_success") == 0 and
              metric_value(text, "pihole_dns_probe_result", {"result": "timeout"}) == 1 and 0.9 <= dur < 2.0, text)
        check("silent: no rcode sample", metric_value(text, "pihole_dns_probe_rcode") is None)
        check("dnsmasq answers again after SIGCONT", dns_answers(port))
    finally:
        if exp:
            exp.close()
        dm.close()
        shutil.rmtree(d, ignore_errors=True)
    log(f"all {check.n} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
