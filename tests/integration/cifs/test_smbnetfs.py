#!/usr/bin/python3
"""test_smbnetfs.py: cifs_mount_exporter against a real SMB server: a private smbd on 127.0.0.1 (temp
smb.conf, free port, own pid/lock/state dirs) mounted through smbnetfs (FUSE, libsmbclient), its
share bind-mounted on an expected mountpoint (type fuse.smbnetfs), so every probe's readdir is an
SMB request to smbd.

 - smbd answers: mounted, responsive 1;
 - SIGSTOP smbd and its connection children (a server that hangs): the probe blocks, stuck 1,
   responsive 0, scrapes stay fast, threads bounded; SIGCONT: responsive 1 again;
 - SIGKILL smbd (a server that is gone): the probe fails at once, responsive 0, not stuck;
   a new smbd on the same port: responsive 1 again.

usage: test_smbnetfs.py --binary cifs_mount_exporter
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", ""), "tests", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from homeops_test import Checks, http, log, metric_value, promtool_check_metrics, start_exporter, wait_metric  # noqa: E402
import cifs_standin as cs  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("test_smbnetfs.py needs root (FUSE with allow_other, mount --bind)")
    missing = cs.tools_missing("smbd", "smbnetfs", "fusermount", "mount", "umount", "promtool")
    if missing:
        raise SystemExit(f"missing tools (contrib/debian-packages.txt): {missing}")
    check = Checks()
    tmp = tempfile.mkdtemp(prefix="homeops-cifs-smb-")
    os.chmod(tmp, 0o755)
    smbd = netfs = exporter = None
    share_mp = os.path.join(tmp, "media")
    try:
        smbd = cs.Smbd(os.path.join(tmp, "smbd"))
        netfs_mp = os.path.join(tmp, "smbnetfs")
        os.makedirs(netfs_mp)
        os.makedirs(share_mp)
        netfs = cs.Smbnetfs(os.path.join(tmp, "home"), netfs_mp)
        cs.bind_mount(netfs.share_path(smbd.port), share_mp)
        check("the smbd share is reachable through smbnetfs", "file.txt" in os.listdir(share_mp))

        exporter, port = start_exporter(a.binary, "--cifs.fstab=", f"--cifs.mount={share_mp}",
                                        "--cifs.fstypes=cifs,smb3,fuse.smbnetfs", "--cifs.interval=1s",
                                        "--cifs.probe-timeout=500ms")
        lm = {"mountpoint": share_mp}
        _, text = wait_metric(port, r'^cifs_mount_responsive\{mountpoint="%s",.*\} 1$' % share_mp, timeout=15)
        promtool_check_metrics(text)
        check("smbd answers: expected, mounted, responsive 1",
              metric_value(text, "cifs_mount_expected", lm) == 1 and metric_value(text, "cifs_mount_mounted", lm) == 1,
              text)
        check("the smbnetfs root mount is counted too, not expected",
              metric_value(text, "cifs_mount_expected", {"mountpoint": netfs_mp}) == 0, text)
        base = cs.threads(exporter.pid)

        # a server that hangs
        smbd.signal(19)   # SIGSTOP, smbd and the child serving smbnetfs' connection
        t0 = time.monotonic()
        _, text = wait_metric(port, r'^cifs_mount_stuck\{mountpoint="%s"\} 1$' % share_mp, timeout=10)
        log(f"smbd stopped: stuck reported after {time.monotonic() - t0:.2f}s")
        check("hung server: responsive 0, stuck 1", metric_value(text, "cifs_mount_responsive", lm) == 0, text)
        worst, peak = 0.0, 0
        for _ in range(10):
            t1 = time.monotonic()
            assert http(port, timeout=5).status == 200
            worst = max(worst, time.monotonic() - t1)
            peak = max(peak, cs.threads(exporter.pid))
            time.sleep(0.1)
        log(f"worst scrape latency while smbd hangs: {worst * 1000:.1f} ms; threads {peak} (before {base})")
        check(f"scrapes answer within 1 s while the server hangs ({worst * 1000:.1f} ms)", worst < 1.0)
        check(f"threads bounded ({peak} <= {base} + 1 blocked + 1 round worker)", peak <= base + 2)
        check("one blocked probe call", metric_value(http(port).text(), "cifs_probes_in_flight") == 1)
        smbd.signal(18)   # SIGCONT
        t0 = time.monotonic()
        _, text = wait_metric(port, r'^cifs_mount_responsive\{mountpoint="%s",.*\} 1$' % share_mp, timeout=30)
        log(f"smbd continued: responsive after {time.monotonic() - t0:.2f}s")
        check("server back: responsive 1, stuck 0", metric_value(text, "cifs_mount_stuck", lm) == 0, text)

        # a server that is gone
        smbd.kill()
        t0 = time.monotonic()
        _, text = wait_metric(port, r'^cifs_mount_responsive\{mountpoint="%s",.*\} 0$' % share_mp, timeout=30)
        log(f"smbd killed: responsive 0 after {time.monotonic() - t0:.2f}s")
        _, text = wait_metric(port, r'^cifs_mount_stuck\{mountpoint="%s"\} 0$' % share_mp, timeout=30)
        check("server gone: responsive 0, not stuck, still mounted",
              metric_value(text, "cifs_mount_responsive", lm) == 0 and
              metric_value(text, "cifs_mount_mounted", lm) == 1, text)
        promtool_check_metrics(text)
        smbd.start()
        _, text = wait_metric(port, r'^cifs_mount_responsive\{mountpoint="%s",.*\} 1$' % share_mp, timeout=30)
        check("a new smbd on the same port: responsive 1 again", True)
        log(f"{check.n} checks passed")
    except BaseException:
        if exporter:
            log(exporter.output()[-4000:])
        if netfs:
            log(netfs.proc.output()[-2000:])
        raise
    finally:
        if exporter:
            exporter.close()
        if smbd:
            smbd.signal(18)
        cs.lazy_unmount(share_mp)
        if netfs:
            netfs.close()
        if smbd:
            smbd.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
