#!/usr/bin/python3
"""test_bindfs.py: cifs_mount_exporter against real FUSE mounts (bindfs), with real failure.

Expected mounts come from an fstab of type fuse.bindfs: one read-write, one read-only, one absent
with an empty mountpoint, one absent with files written underneath. Then the read-write bindfs
daemon is SIGSTOPped (every call on the mount hangs in the kernel): scrapes keep answering fast,
the mount is responsive 0 and stuck 1, no second probe thread is started for it, the other mounts
are still probed; SIGCONT recovers it. Twice. Then the daemon is killed (the mount answers ENOTCONN
at once: not stuck, not responsive), the mount is detached and it reads as an absent expected mount.
Finally the exporter exits promptly on SIGTERM while a probe is stuck.

usage: test_bindfs.py --binary cifs_mount_exporter
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", ""), "tests", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from homeops_test import Checks, http, log, metric_value, promtool_check_metrics, start_exporter, wait_metric  # noqa: E402
import cifs_standin as cs  # noqa: E402


def scrape_latencies(port, n=20):
    worst = 0.0
    for _ in range(n):
        t0 = time.monotonic()
        r = http(port, timeout=5)
        worst = max(worst, time.monotonic() - t0)
        assert r.status == 200
    return worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("test_bindfs.py needs root (FUSE mounts with allow_other, umount)")
    missing = cs.tools_missing("bindfs", "fusermount", "umount", "promtool")
    if missing:
        raise SystemExit(f"missing tools (contrib/debian-packages.txt): {missing}")
    check = Checks()
    tmp = tempfile.mkdtemp(prefix="homeops-cifs-bindfs-")
    os.chmod(tmp, 0o755)
    mounts, exporter = [], None
    try:
        src = os.path.join(tmp, "src")
        os.makedirs(src)
        with open(os.path.join(src, "movie.mkv"), "w") as f:
            f.write("x" * 100)
        mp = {k: os.path.join(tmp, k) for k in ("media", "docs ro", "absent", "written")}
        for d in mp.values():
            os.makedirs(d)
        for name in ("app.db", "thumbs"):
            with open(os.path.join(mp["written"], name), "w") as f:
                f.write("written while the share was away\n")
        fstab = os.path.join(tmp, "fstab")
        with open(fstab, "w") as f:
            f.write("# homeops test fstab\n")
            for k, d in mp.items():
                f.write(f"{src} {d.replace(' ', chr(92) + '040')} fuse.bindfs defaults 0 0\n")
        mounts.append(cs.Bindfs(src, mp["media"]))
        mounts.append(cs.Bindfs(src, mp["docs ro"], ro=True))
        media = mounts[0]
        # the exporter reads /proc/1/mountinfo: the test's mounts must be in PID 1's namespace
        check("the bindfs mounts are in PID 1's mount namespace",
              cs.in_mountinfo(mp["media"], "/proc/1/mountinfo") == "fuse.bindfs")

        exporter, port = start_exporter(a.binary, f"--cifs.fstab={fstab}",
                                        "--cifs.fstypes=cifs,smb3,fuse.bindfs", "--cifs.interval=1s",
                                        "--cifs.probe-timeout=500ms", "--log.level=debug")
        lm = {"mountpoint": mp["media"]}
        _, text = wait_metric(port, r'^cifs_mount_responsive\{mountpoint="%s",.*\} 1$' % mp["media"], timeout=15)
        promtool_check_metrics(text)
        check("promtool check metrics passes", True)
        check("cifs_up 1", metric_value(text, "cifs_up") == 1, text)
        for k in ("media", "docs ro"):
            lab = {"mountpoint": mp[k], "share": src}
            check(f"{k}: expected, mounted, responsive, not stuck",
                  metric_value(text, "cifs_mount_expected", lab) == 1 and
                  metric_value(text, "cifs_mount_mounted", lab) == 1 and
                  metric_value(text, "cifs_mount_responsive", lab) == 1 and
                  metric_value(text, "cifs_mount_stuck", {"mountpoint": mp[k]}) == 0, text)
            check(f"{k}: size from statfs", (metric_value(text, "cifs_mount_size_bytes", lab) or 0) > 0, text)
        check("read-only bindfs: cifs_mount_readonly 1 (escaped mountpoint decoded)",
              metric_value(text, "cifs_mount_readonly", {"mountpoint": mp["docs ro"]}) == 1, text)
        check("read-write bindfs: cifs_mount_readonly 0",
              metric_value(text, "cifs_mount_readonly", lm) == 0, text)
        for k, want in (("absent", 0), ("written", 2)):
            lab = {"mountpoint": mp[k]}
            check(f"{k}: expected 1, mounted 0, underlying entries {want}",
                  metric_value(text, "cifs_mount_expected", lab) == 1 and
                  metric_value(text, "cifs_mount_mounted", lab) == 0 and
                  metric_value(text, "cifs_mount_underlying_entries", lab) == want and
                  metric_value(text, "cifs_mount_responsive", lab) is None, text)
        check("a mounted share never gets an underlying-entries count",
              metric_value(text, "cifs_mount_underlying_entries", lm) is None, text)
        base_threads = cs.threads(exporter.pid)
        check("no probe blocked before the hang", metric_value(text, "cifs_probes_in_flight") == 0, text)
        log(f"threads before the hang: {base_threads}")

        for cycle in (1, 2):
            media.stop_daemon()
            t0 = time.monotonic()
            _, text = wait_metric(port, r'^cifs_mount_stuck\{mountpoint="%s"\} 1$' % mp["media"], timeout=10)
            log(f"cycle {cycle}: stuck reported {time.monotonic() - t0:.2f}s after SIGSTOP")
            check(f"cycle {cycle}: hung mount responsive 0, stuck 1",
                  metric_value(text, "cifs_mount_responsive", lm) == 0, text)
            check(f"cycle {cycle}: hung mount's size left out, not served stale",
                  metric_value(text, "cifs_mount_size_bytes", lm) is None, text)
            peak, worst, blocked = 0, 0.0, set()
            for _ in range(8):   # about 4 collection rounds while the daemon stays stopped
                worst = max(worst, scrape_latencies(port, 5))
                peak = max(peak, cs.threads(exporter.pid))
                blocked.add(metric_value(http(port).text(), "cifs_probes_in_flight"))
                time.sleep(0.4)
            _, text = wait_metric(port, r'^cifs_mount_stuck\{mountpoint="%s"\} 1$' % mp["media"], timeout=5)
            log(f"cycle {cycle}: worst scrape latency while the mount hangs: {worst * 1000:.1f} ms; "
                f"threads peak {peak} (before {base_threads})")
            check(f"cycle {cycle}: scrapes answer within 1 s while the mount hangs ({worst * 1000:.1f} ms)",
                  worst < 1.0)
            check(f"cycle {cycle}: one blocked probe call after every round (cifs_probes_in_flight {blocked})",
                  blocked == {1})
            # the healthy mounts' probes run on short-lived workers during a round: 3 more at most
            check(f"cycle {cycle}: threads bounded ({peak} <= {base_threads} + 1 blocked + 3 round workers)",
                  peak <= base_threads + 4)
            check(f"cycle {cycle}: the probe duration grows while stuck",
                  (metric_value(text, "cifs_mount_probe_duration_seconds", lm) or 0) >= 1.0, text)
            check(f"cycle {cycle}: the other mounts are still probed",
                  metric_value(text, "cifs_mount_responsive", {"mountpoint": mp["docs ro"]}) == 1 and
                  metric_value(text, "cifs_mount_stuck", {"mountpoint": mp["docs ro"]}) == 0, text)
            check(f"cycle {cycle}: one timeout logged, no second probe while stuck",
                  exporter.output().count("probe timed out") == cycle, exporter.output()[-3000:])
            media.cont_daemon()
            t0 = time.monotonic()
            _, text = wait_metric(port, r'^cifs_mount_responsive\{mountpoint="%s",.*\} 1$' % mp["media"], timeout=10)
            log(f"cycle {cycle}: responsive again {time.monotonic() - t0:.2f}s after SIGCONT")
            check(f"cycle {cycle}: recovered: stuck 0", metric_value(text, "cifs_mount_stuck", lm) == 0, text)
            check(f"cycle {cycle}: the returned probe was logged",
                  exporter.output().count("stuck probe returned") == cycle, exporter.output()[-3000:])
            promtool_check_metrics(text)

        # the daemon dies: the mount answers ENOTCONN at once
        media.cont_daemon()
        media.proc.stop(signal.SIGKILL)
        _, text = wait_metric(port, r'^cifs_mount_responsive\{mountpoint="%s",.*\} 0$' % mp["media"], timeout=10)
        check("dead FUSE daemon: responsive 0, not stuck, still mounted",
              metric_value(text, "cifs_mount_stuck", lm) == 0 and
              metric_value(text, "cifs_mount_mounted", lm) == 1, text)
        check("the failure is logged with its errno", "Transport endpoint is not connected" in exporter.output())
        cs.lazy_unmount(mp["media"])
        _, text = wait_metric(port, r'^cifs_mount_mounted\{mountpoint="%s",.*\} 0$' % mp["media"], timeout=10)
        _, text = wait_metric(port, r'^cifs_mount_underlying_entries\{mountpoint="%s"\} 0$' % mp["media"], timeout=10)
        check("detached: an absent expected mount with an empty directory underneath", True)

        # SIGTERM while a probe is stuck: the exporter must not wait for it
        docs = mounts[1]
        docs.stop_daemon()
        wait_metric(port, r'^cifs_mount_stuck\{mountpoint="%s"\} 1$' % mp["docs ro"], timeout=10)
        t0 = time.monotonic()
        os.kill(exporter.pid, signal.SIGTERM)
        closed = None
        while time.monotonic() - t0 < 5 and closed is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                time.sleep(0.02)
            except OSError:
                closed = time.monotonic() - t0
        check(f"SIGTERM while a probe is stuck: the exporter stops serving at once ({closed}s)",
              closed is not None and closed < 5)
        with open(a.binary, "rb") as f:
            sanitized = b"LeakSanitizer" in f.read()
        if sanitized:
            # LeakSanitizer's exit check ptrace-stops every thread, and a thread waiting on a stopped
            # FUSE daemon cannot stop: the process exits once the daemon answers
            log("LeakSanitizer build: its exit check waits for the blocked thread; continuing the daemon")
            docs.cont_daemon()
        try:
            rc = exporter.p.wait(10)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - t0
        log(f"exit while a probe is stuck took {took:.2f}s (rc {rc})")
        check(f"exits on SIGTERM while a probe is stuck ({took:.2f}s)", rc == 0 and (sanitized or took < 5))
        docs.cont_daemon()
        log(f"{check.n} checks passed")
    except BaseException:
        if exporter:
            log(exporter.output()[-4000:])
        raise
    finally:
        for m in mounts:
            m.close()
        if exporter:
            exporter.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
