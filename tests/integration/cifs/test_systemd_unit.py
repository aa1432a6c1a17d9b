#!/usr/bin/python3
"""test_systemd_unit.py: contrib/systemd/cifs_mount_exporter.service grants nothing (a dynamic user, no
capabilities, a read-only filesystem), passes `systemd-analyze verify`, and the binary run the way the
unit runs it works: uid 65534 with no capabilities, in a mount namespace of its own that is a slave of
the host's and where the share is a read-only bind (what ProtectSystem=strict does to every mount).
It must fall back from 1/mountinfo (absent) to self/mountinfo (its own namespace), see a real bindfs mount,
probe it, and report it read-write (the superblock's flag), not read-only.

usage: test_systemd_unit.py --binary cifs_mount_exporter --unit contrib/systemd/cifs_mount_exporter.service
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", ""), "tests", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from homeops_test import Checks, log, metric_value, promtool_check_metrics, unit_directives  # noqa: E402
import cifs_standin as cs  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--unit", required=True)
    a = ap.parse_args()
    check = Checks()
    with open(a.unit) as f:
        unit = f.read()
    d = unit_directives(unit)
    check("no capabilities: empty bounding and ambient sets",
          d.get("CapabilityBoundingSet") == [""] and d.get("AmbientCapabilities") == [""], d)
    check("not root: DynamicUser", d.get("DynamicUser") == ["yes"] and "User" not in d, d)
    check("no new privileges, read-only system", d.get("NoNewPrivileges") == ["yes"] and
          d.get("ProtectSystem") == ["strict"] and d.get("ProtectHome") == ["read-only"], d)
    sa = shutil.which("systemd-analyze")
    if not sa:
        raise SystemExit("systemd-analyze is missing (Debian package systemd)")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cifs_mount_exporter.service")
        with open(path, "w") as f:
            f.write(unit.replace("/usr/local/bin/cifs_mount_exporter", os.path.abspath(a.binary)))
        r = subprocess.run([sa, "verify", path], capture_output=True, timeout=60)
        out = (r.stdout + r.stderr).decode(errors="replace").strip()
        check("systemd-analyze verify: clean", r.returncode == 0 and not out, out)

    if os.geteuid() != 0:
        raise SystemExit("the rest needs root (bindfs, unshare)")
    tmp = tempfile.mkdtemp(prefix="homeops-cifs-unit-")
    os.chmod(tmp, 0o755)
    mount = None
    try:
        src, mp = os.path.join(tmp, "src"), os.path.join(tmp, "share")
        os.makedirs(src)
        os.makedirs(mp)
        fstab = os.path.join(tmp, "fstab")
        with open(fstab, "w") as f:
            f.write(f"{src} {mp} fuse.bindfs defaults 0 0\n")
        os.chmod(fstab, 0o644)
        mount = cs.Bindfs(src, mp)
        # /proc/1/mountinfo may be readable here (whether it is depends on PID 1); under the unit it is
        # not, so this procfs has only "self" (resolved by the kernel to the exporter's own process)
        procfs = os.path.join(tmp, "proc")
        os.makedirs(procfs)
        os.symlink("/proc/self", os.path.join(procfs, "self"))
        script = ('mount -o remount,bind,ro "$1" && shift && '
                  'exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all '
                  '--no-new-privs -- "$@"')
        r = subprocess.run(["unshare", "--mount", "--propagation", "slave", "--", "sh", "-c", script, "sh", mp,
                            a.binary, "--once", f"--path.procfs={procfs}", f"--cifs.fstab={fstab}", "--cifs.fstypes=cifs,smb3,fuse.bindfs",
                            "--cifs.probe-timeout=2s"], capture_output=True, timeout=60)
        text, err = r.stdout.decode(), r.stderr.decode(errors="replace")
        check("as uid 65534, no capabilities, own mount namespace: runs", r.returncode == 0, err)
        promtool_check_metrics(text)
        lab = {"mountpoint": mp}
        check("... no 1/mountinfo, self/mountinfo (its own namespace) read: the share is expected and mounted",
              metric_value(text, "cifs_up") == 1 and metric_value(text, "cifs_mount_mounted", lab) == 1 and
              metric_value(text, "cifs_mount_expected", lab) == 1, text + err)
        check("... and probed: responsive 1", metric_value(text, "cifs_mount_responsive", lab) == 1, text + err)
        check("... read-write by its superblock despite the namespace's read-only bind",
              metric_value(text, "cifs_mount_readonly", lab) == 0, text)
        log(f"{check.n} checks passed")
    finally:
        if mount:
            mount.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
