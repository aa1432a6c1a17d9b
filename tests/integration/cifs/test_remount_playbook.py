#!/usr/bin/python3
"""test_remount_playbook.py: contrib/playbooks/remount-cifs on real FUSE mounts (bindfs stands in for a
CIFS share; CIFS_TYPES names fuse.bindfs): refuses bad input and what the fstab does not list, does
nothing to a mount that answers (twice: idempotent), prints and changes nothing with --dry-run, mounts
an absent share with the command form (REMOUNT_COMMAND), lazily unmounts and mounts again a hung one
(bindfs daemon SIGSTOPped), refuses a share with files under its unmounted mountpoint, and names the
right systemd units (dry run of the systemd form, names from systemd-escape; the units themselves made
by the real systemd-fstab-generator from the same fstab and checked by systemd-analyze verify). Runs as root.

usage: test_remount_playbook.py --playbook contrib/playbooks/remount-cifs
"""
import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", ""), "tests", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from homeops_test import Checks, log  # noqa: E402
import cifs_standin as cs  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--playbook", required=True)
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("test_remount_playbook.py needs root (FUSE mounts, umount)")
    check = Checks()
    tmp = tempfile.mkdtemp(prefix="homeops-cifs-remount-")
    os.chmod(tmp, 0o755)
    first = None
    pidfiles = []
    try:
        src = os.path.join(tmp, "src")
        os.makedirs(src)
        with open(os.path.join(src, "on-the-share.txt"), "w") as f:
            f.write("x\n")
        media, photos, auto = (os.path.join(tmp, n) for n in ("my media", "photos", "auto"))
        for d in (media, photos, auto):
            os.makedirs(d)
        fstab = os.path.join(tmp, "fstab")
        with open(fstab, "w") as f:
            f.write("# test fstab\nUUID=1 / ext4 defaults 0 1\n"
                    f"{src} {media.replace(' ', chr(92) + '040')}/ fuse.bindfs defaults 0 0\n"
                    f"{src} {photos} fuse.bindfs defaults 0 0\n"
                    f"{src} {auto} fuse.bindfs x-systemd.automount,noauto 0 0\n"
                    f"//nas/other {tmp}/other cifs defaults 0 0\n")
        pidfile = os.path.join(tmp, "bindfs.pid")
        # the command form: a bindfs the test can stop by PID (its PID goes to a file)
        command = f'bindfs -f -o subtype=bindfs {src} "$1" >/dev/null 2>&1 & echo $! > {pidfile}'

        def run(mp, *args, **env):
            e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOMEOPS_ALERTNAME": "CifsMountMissing",
                 "HOMEOPS_LABEL_MOUNTPOINT": mp, "FSTAB": fstab, "CIFS_TYPES": "cifs smb3 fuse.bindfs",
                 "PROBE_TIMEOUT": "2", "REMOUNT_COMMAND": command}
            e.update(env)
            return subprocess.run([a.playbook, *args], env=e, capture_output=True, text=True, timeout=60)

        def started_pid():
            with contextlib.suppress(OSError):
                with open(pidfile) as f:
                    pid = int(f.read().strip())
                os.unlink(pidfile)
                pidfiles.append(pid)
                return pid
            return None

        # bad input
        for mp in ("", "relative", "/", f"{tmp}/../etc", f"{tmp}/nothere", "/mnt/a\nb", f"{tmp}//photos"):
            r = run(mp)
            check(f"refuses {mp!r} (exit 2)", r.returncode == 2, r.stdout + r.stderr)
        r = run(f"{tmp}/other", REMOUNT_MODE="mount", CIFS_TYPES="smb3")
        check("refuses an fstab entry of a type not in CIFS_TYPES", r.returncode == 2, r.stdout + r.stderr)
        r = run(photos, "--force")
        check("refuses an unknown argument", r.returncode == 2, r.stderr)

        # absent, empty mountpoint: dry run changes nothing
        r = run(media, "--dry-run")
        check("dry run on an absent share: exit 0, prints the command, mounts nothing",
              r.returncode == 0 and "would run: sh -c" in r.stdout and "nothing changed" in r.stdout and
              cs.in_mountinfo(media) is None and started_pid() is None, r.stdout + r.stderr)
        # ... the real run mounts it (mountpoint with a space, fstab entry with a trailing slash)
        r = run(media + "/")
        first = started_pid()
        check("absent share: mounted with REMOUNT_COMMAND and answering (exit 0)",
              r.returncode == 0 and cs.in_mountinfo(media) == "fuse.bindfs" and first and
              "and answering" in r.stdout, r.stdout + r.stderr)
        r = run(media)
        check("run again: nothing to do (idempotent), no second mount",
              r.returncode == 0 and "nothing to do" in r.stdout and started_pid() is None, r.stdout + r.stderr)

        # hung: the daemon stops answering
        os.kill(first, signal.SIGSTOP)
        t0 = time.monotonic()
        r = run(media, "--dry-run")
        check("dry run on a hung share: would lazily unmount and mount, changes nothing",
              r.returncode == 0 and f"would run: umount -l {media}" in r.stdout and started_pid() is None,
              r.stdout + r.stderr)
        r = run(media)
        second = started_pid()
        took = time.monotonic() - t0
        check(f"hung share: lazily unmounted and mounted again, answering ({took:.1f}s)",
              r.returncode == 0 and f"running: umount -l {media}" in r.stdout and second and
              "and answering" in r.stdout, r.stdout + r.stderr)
        # SIGKILL: on SIGTERM a FUSE daemon unmounts its mountpoint *path* on the way out, which
        # now holds the new mount
        os.kill(first, signal.SIGKILL)
        os.kill(first, signal.SIGCONT)
        check("the mount now served by the new daemon answers", os.listdir(media) == ["on-the-share.txt"])

        # files written under the unmounted mountpoint: refused
        with open(os.path.join(photos, "written-while-unmounted.jpg"), "w") as f:
            f.write("x")
        r = run(photos)
        check("files under the unmounted mountpoint: refused (exit 4), nothing mounted",
              r.returncode == 4 and "would hide" in r.stderr and cs.in_mountinfo(photos) is None and
              started_pid() is None, r.stdout + r.stderr)

        # systemd form (dry run: no systemd here): the unit names systemd-escape gives
        r = run(photos.replace("photos", "my media"), "--dry-run", REMOUNT_MODE="systemd")
        unit = subprocess.run(["systemd-escape", "-p", "--suffix=mount", media], capture_output=True,
                              text=True).stdout.strip()
        check("systemd form: nothing to do while it answers", r.returncode == 0 and "nothing to do" in r.stdout,
              r.stdout + r.stderr)
        cs.lazy_unmount(media)
        r = run(media, "--dry-run", REMOUNT_MODE="systemd")
        check(f"systemd form: would start {unit}", r.returncode == 0 and f"would run: systemctl start {unit}" in r.stdout,
              r.stdout + r.stderr)
        unit = subprocess.run(["systemd-escape", "-p", "--suffix=automount", auto], capture_output=True,
                              text=True).stdout.strip()
        r = run(auto, "--dry-run", REMOUNT_MODE="systemd")
        check(f"systemd form, x-systemd.automount entry: would restart {unit}",
              r.returncode == 0 and f"would run: systemctl restart {unit}" in r.stdout, r.stdout + r.stderr)
        # the units it names are the ones systemd makes of that fstab: run the real generator on it
        # and let systemd-analyze verify what it generated
        gen = os.path.join(tmp, "generated")
        os.makedirs(gen)
        g = subprocess.run(["/lib/systemd/system-generators/systemd-fstab-generator", gen, gen, gen],
                           env=dict(os.environ, SYSTEMD_FSTAB=fstab, SYSTEMD_PROC_CMDLINE=""),
                           capture_output=True, text=True, timeout=30)
        named = [subprocess.run(["systemd-escape", "-p", f"--suffix={k}", d], capture_output=True,
                                text=True).stdout.strip() for k, d in (("mount", media), ("automount", auto))]
        check("systemd-fstab-generator makes the units the playbook starts",
              g.returncode == 0 and all(os.path.isfile(os.path.join(gen, u)) for u in named),
              (g.stderr, sorted(os.listdir(gen))))
        v = subprocess.run(["systemd-analyze", "verify", "--man=no"] + [os.path.join(gen, u) for u in named],
                           capture_output=True, text=True, timeout=60)
        check("systemd-analyze verify accepts them", v.returncode == 0, v.stdout + v.stderr)
        r = run(auto, "--dry-run", REMOUNT_MODE="mount")
        check("mount form: would run mount MOUNTPOINT", r.returncode == 0 and f"would run: mount {auto}" in r.stdout,
              r.stdout + r.stderr)
        log(f"{check.n} checks passed")
    finally:
        for pid in pidfiles:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        for d in ("my media", "photos", "auto"):
            for _ in range(3):
                cs.lazy_unmount(os.path.join(tmp, d))
        for pid in pidfiles:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
