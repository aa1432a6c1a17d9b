#!/usr/bin/python3
"""test_hang.py: a disk whose read hangs in the kernel must not block the other disks, the scrape or
shutdown. The hang is real: the "disk" is a replay path that is a FIFO without a writer, so the read
thread sits in open(2) until the test opens the other end.

usage: test_hang.py --binary smart_exporter
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", ""), "tests", "lib"))
import smartfix  # noqa: E402
from homeops_test import Checks, http, log, metric_value, promtool_check_metrics, start_exporter, wait_metric  # noqa: E402


def replay(model, cw, media):
    """A synthetic NVMe replay file image (the format is documented in exporters/smart/README.md)."""
    return smartfix.nvme_replay({
        "model_name": model, "serial_number": "SN" + model, "firmware_version": "1.0",
        "nvme_smart_health_information_log": {"critical_warning": cw, "media_errors": media, "temperature": 40,
                                              "available_spare": 100, "power_on_hours": 5}})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    a = ap.parse_args()
    check = Checks()
    tmp = tempfile.mkdtemp(prefix="homeops-smart-hang-")
    procs = []
    try:
        good = os.path.join(tmp, "good.nvme")
        with open(good, "wb") as f:
            f.write(replay("Good", 0, 0))
        fifo = os.path.join(tmp, "hung.nvme")
        os.mkfifo(fifo)

        # --once: the hung disk costs the timeout, not the run
        t0 = time.monotonic()
        r = subprocess.run([a.binary, "--once", "--no-smart.discovery", "--smart.timeout=1s",
                            f"--smart.nvme-replay={fifo}", f"--smart.nvme-replay={good}"],
                           capture_output=True, timeout=60)
        took = time.monotonic() - t0
        text = r.stdout.decode()
        check("--once with a hung disk exits 0", r.returncode == 0, r.stderr.decode(errors="replace"))
        check(f"--once took about the timeout ({took:.2f}s)", took < 5.0)
        check("hung disk: up 0, reason timeout",
              metric_value(text, "smart_device_up", {"device": "hung.nvme"}) == 0 and
              metric_value(text, "smart_device_read_error", {"device": "hung.nvme", "reason": "timeout"}) == 1, text)
        check("other disk read", metric_value(text, "smart_device_up", {"device": "good.nvme"}) == 1 and
              metric_value(text, "smart_device_temperature_celsius", {"device": "good.nvme"}) == 40)
        promtool_check_metrics(text)

        # server: the stuck disk is skipped round after round, the others keep being read
        p, port = start_exporter(a.binary, "--no-smart.discovery", "--smart.interval=1s", "--smart.timeout=1s",
                                 f"--smart.nvme-replay={fifo}", f"--smart.nvme-replay={good}")
        procs.append(p)
        wait_metric(port, r'^smart_device_read_error\{device="hung.nvme",reason="timeout"\} 1$', timeout=20)
        m, text = wait_metric(port, r'^smart_device_read_error\{device="hung.nvme",reason="stuck"\} 1$', timeout=20)
        check("a later round reports the disk stuck", True)
        check("the other disk is up meanwhile", metric_value(text, "smart_device_up", {"device": "good.nvme"}) == 1)
        t0 = time.monotonic()
        for _ in range(20):
            res = http(port)
            assert res.status == 200
        per = (time.monotonic() - t0) / 20
        check(f"scrapes stay fast while a read hangs ({per * 1000:.1f} ms each)", per < 0.2)
        check("one read thread, not one per round", p.output().count("read timed out") == 1, p.output())

        # release the hang: keep the FIFO reachable through a second name, put a regular file at the
        # disk's path for the next rounds, then open the FIFO's other end and feed it a replay.
        hold = fifo + ".hold"
        os.link(fifo, hold)
        regular = os.path.join(tmp, "regular")
        with open(regular, "wb") as f:
            f.write(replay("Recovered", 4, 9))
        os.replace(regular, fifo)
        with open(hold, "wb") as f:
            f.write(replay("Recovered", 4, 9))
        p.wait_log(r'msg="stuck read returned" device=hung.nvme result=ok', timeout=10)
        check("the stuck read returned and was logged", True)
        m, text = wait_metric(port, r'^smart_nvme_media_errors_total\{device="hung.nvme"\} 9$', timeout=20)
        check("the disk recovers: up 1 with values",
              metric_value(text, "smart_device_up", {"device": "hung.nvme"}) == 1 and
              metric_value(text, "smart_nvme_critical_warning", {"device": "hung.nvme"}) == 4)
        promtool_check_metrics(text)
        check("promtool check metrics: clean", True)
        rc = p.stop()
        check("exits 0 on SIGTERM", rc == 0, p.output())

        # shutdown is not held up by a read that hangs (the round wait is interrupted)
        os.unlink(fifo)
        os.mkfifo(fifo)
        p, port = start_exporter(a.binary, "--no-smart.discovery", "--smart.timeout=60s",
                                 f"--smart.nvme-replay={fifo}")
        procs.append(p)
        time.sleep(0.5)
        t0 = time.monotonic()
        rc = p.stop()
        took = time.monotonic() - t0
        check(f"SIGTERM during a hung read exits promptly ({took:.2f}s, rc {rc})", rc == 0 and took < 3.0, p.output())
    finally:
        for p in procs:
            p.close()
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"{check.n} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
