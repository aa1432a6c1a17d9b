#!/usr/bin/python3
"""cifs_hang_bench.py: the same hung mount scraped through node_exporter's filesystem collector beside
cifs_mount_exporter: the time each scrape takes while the mount hangs (reported, never asserted; not
part of ctest). Runs as root.

A bindfs mount of a temporary directory (type fuse.bindfs) is the only mount either exporter looks at:
node_exporter reads it from a procfs tree holding just that line in 1/mounts (--path.procfs), ours is
given it with --cifs.mount. Then the bindfs daemon is SIGSTOPped, so every call on the mount blocks in
the kernel, and both are scraped once a second; then SIGCONT.

usage: cifs_hang_bench.py --binary cifs_mount_exporter [--seconds 15] [--json OUT]
"""
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from homeops_test import Proc, free_port, http, log, start_exporter, wait_port  # noqa: E402
import cifs_standin as cs  # noqa: E402


def timed_scrape(port, timeout=10):   # Prometheus's default scrape_timeout
    t0 = time.monotonic()
    try:
        r = http(port, timeout=timeout)
        ok = r.status == 200
    except OSError:
        ok = False
    return time.monotonic() - t0, ok


def hang_compare(binary, seconds=30, log=log):
    """The hung-mount comparison; returns {"baseline", "rows", "summary"} (see the module's docstring)."""
    node = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
    if not node or os.geteuid() != 0:
        raise SystemExit("needs root and prometheus-node-exporter")
    tmp = tempfile.mkdtemp(prefix="homeops-cifs-bench-")
    os.chmod(tmp, 0o755)
    mount = ne = ours = None
    try:
        src, mp = os.path.join(tmp, "src"), os.path.join(tmp, "share")
        os.makedirs(src)
        os.makedirs(mp)
        mount = cs.Bindfs(src, mp)
        proc = os.path.join(tmp, "proc")
        os.makedirs(os.path.join(proc, "1"))
        with open(os.path.join(proc, "1", "mounts"), "w") as f:
            f.write(f"{src} {mp} fuse.bindfs rw,nosuid,nodev,relatime,user_id=0,group_id=0 0 0\n")
        nport = free_port()
        ne = Proc([node, f"--web.listen-address=127.0.0.1:{nport}", "--collector.disable-defaults",
                   "--collector.filesystem", f"--path.procfs={proc}",
                   "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys)($|/)"], name="node_exporter")
        if not wait_port(nport, 20):
            raise AssertionError(ne.output())
        ours, oport = start_exporter(binary, "--cifs.fstab=", f"--cifs.mount={mp}", "--cifs.fstypes=fuse.bindfs",
                                     "--cifs.interval=1s", "--cifs.probe-timeout=1s")
        time.sleep(1.5)
        base = {"node_exporter": [timed_scrape(nport)[0] for _ in range(5)],
                "cifs_mount_exporter": [timed_scrape(oport)[0] for _ in range(5)]}
        log(f"before the hang: node_exporter {max(base['node_exporter']) * 1000:.1f} ms, "
            f"cifs_mount_exporter {max(base['cifs_mount_exporter']) * 1000:.1f} ms (worst of 5)")

        mount.stop_daemon()
        t_stop = time.monotonic()
        rows = []
        while time.monotonic() - t_stop < seconds:
            t = time.monotonic() - t_stop
            dn, okn = timed_scrape(nport)
            do, oko = timed_scrape(oport)
            rows.append({"t": round(t, 2), "node_exporter_s": round(dn, 4), "node_ok": okn,
                         "cifs_mount_exporter_s": round(do, 4), "cifs_ok": oko})
            log(f"t={t:5.1f}s  node_exporter {dn * 1000:8.1f} ms  cifs_mount_exporter {do * 1000:6.1f} ms")
            time.sleep(max(0.0, 1.0 - dn - do))
        uss = {"node_exporter_kib": cs.uss_kib(ne.pid), "cifs_mount_exporter_kib": cs.uss_kib(ours.pid)}
        threads = {"node_exporter": cs.threads(ne.pid), "cifs_mount_exporter": cs.threads(ours.pid)}
        mount.cont_daemon()
        summary = {
            "node_exporter_worst_s": max(r["node_exporter_s"] for r in rows),
            "cifs_mount_exporter_worst_s": max(r["cifs_mount_exporter_s"] for r in rows),
            "node_exporter_first_s": rows[0]["node_exporter_s"],
            "cifs_mount_exporter_first_s": rows[0]["cifs_mount_exporter_s"],
            "uss_during_hang": uss, "threads_during_hang": threads, "node_exporter_version": "1.5.0 (Debian)",
        }
        return {"baseline": base, "rows": rows, "summary": summary}
    finally:
        if mount:
            mount.close()
        for p in (ne, ours):
            if p:
                p.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--json")
    a = ap.parse_args()
    res = hang_compare(a.binary, a.seconds)
    log(json.dumps(res["summary"], indent=2))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
