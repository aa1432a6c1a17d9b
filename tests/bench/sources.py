"""sources.py: the benchmark's data sources for each exporter: the recorded scenarios of
tests/integration/content/live.py (imported, not copied), the real demo sources for the footprint, and the
scaled variants (N replayed disks, N mountinfo entries, N Pi-hole targets, N real containers)."""
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration", "content"))
import live  # noqa: E402  (setup_snapraid, setup_smart, setup_cifs, setup_pihole, setup_docker, setup_receiver)
from homeops_test import http, metric_value, start_exporter  # noqa: E402

BINARIES = {"snapraid": "exporters/snapraid/snapraid_exporter", "smart": "exporters/smart/smart_exporter",
            "cifs": "exporters/cifs/cifs_mount_exporter", "pihole": "exporters/pihole/pihole_exporter",
            "docker": "exporters/docker/docker_health_exporter", "receiver": "receiver/remediation_receiver"}


def binary(build, name):
    return os.path.join(build, BINARIES[name])


class Closer:
    """Things to close (Proc, Standin, Dockerd...), closed in reverse order."""

    def __init__(self):
        self.items = []

    def append(self, x):
        self.items.append(x)

    def close(self):
        while self.items:
            x = self.items.pop()
            try:
                x.close()
            except Exception as e:  # noqa: BLE001
                print(f"close {x!r}: {e}", flush=True)


def without_interval(args):
    """The scenario's flags minus its short --<p>.interval (for runs at the default interval)."""
    return [a for a in args if ".interval=" not in a or "resync" in a]


def ata_blobs(fx):
    d = os.path.join(fx, "smart", "ata-blobs")
    return [os.path.join(d, f) for f in sorted(os.listdir(d)) if not f.endswith((".txt", ".tsv")) and f != "README"]


def smart_n(tmp, fx, n):
    """n replayed ATA disks: the recorded blobs in turn, each under its own name (a symlink)."""
    d = os.path.join(tmp, f"smart-{n}")
    os.makedirs(d, exist_ok=True)
    blobs = ata_blobs(fx)
    args = ["--smart.discovery=false"]
    for i in range(n):
        link = os.path.join(d, f"disk{i:03d}-{os.path.basename(blobs[i % len(blobs)])}")
        if not os.path.exists(link):
            os.symlink(blobs[i % len(blobs)], link)
        args.append(f"--smart.blob={link}")
    return args


def cifs_n(tmp, fx, n):
    """A procfs tree with the recorded kernel 6.16 Stats and DebugData and n cifs lines in mountinfo, each on a
    real directory (probed: answers), and an fstab naming them all."""
    d = os.path.join(tmp, f"cifs-{n}")
    proc = os.path.join(d, "proc")
    os.makedirs(os.path.join(proc, "1"), exist_ok=True)
    os.makedirs(os.path.join(proc, "fs", "cifs"), exist_ok=True)
    k = os.path.join(fx, "cifs", "pcp-qa", "kernel-6.16.7")
    for name in ("Stats", "DebugData"):
        shutil.copy(os.path.join(k, name), os.path.join(proc, "fs", "cifs", name))
    lines, fstab = [], []
    for i in range(n):
        mp = os.path.join(d, "mnt", f"share{i:04d}")
        os.makedirs(mp, exist_ok=True)
        lines.append(f"{100 + i} 20 0:{100 + i} / {mp} rw,relatime - cifs //nas/share{i:04d} "
                     f"rw,vers=3.1.1,addr=127.0.0.1\n")
        fstab.append(f"//nas/share{i:04d} {mp} cifs credentials=/etc/homeops/smb 0 0\n")
    with open(os.path.join(proc, "1", "mountinfo"), "w") as f:
        f.write("".join(lines))
    with open(os.path.join(d, "fstab"), "w") as f:
        f.write("".join(fstab))
    return [f"--path.procfs={proc}", f"--cifs.fstab={d}/fstab", "--cifs.probe-timeout=1s"]


class PiholeServices:
    """One Pi-hole stand-in (recorded v6 answers) and one dnsmasq, shared by any number of targets."""

    def __init__(self, tmp, fx, closer, seats=64):
        from pihole_standin import Standin
        from dnsmasq import start_dnsmasq
        self.dir = os.path.join(tmp, "pihole-svc")
        os.makedirs(self.dir, exist_ok=True)
        self.dm, self.dport = start_dnsmasq(self.dir)
        closer.append(self.dm)
        self.standin = Standin(fx, mode="v6", password="pw", seats=seats)
        closer.append(self.standin)
        with open(os.path.join(self.dir, "password"), "w") as f:
            f.write("pw\n")
        os.chmod(os.path.join(self.dir, "password"), 0o600)

    def config(self, n):
        path = os.path.join(self.dir, f"pihole-{n}.yml")
        t = []
        for i in range(n):
            t += [f"  - name: pihole{i:02d}", f"    url: http://127.0.0.1:{self.standin.port}",
                  f"    password_file: {self.dir}/password", "    dns_probe: probe.test",
                  f"    dns_server: 127.0.0.1:{self.dport}", "    timeout: 2s", "    top_count: 5"]
        with open(path, "w") as f:
            f.write("targets:\n" + "\n".join(t) + "\n")
        return [f"--config.file={path}"]


def docker_demo(tmp, closer):
    """A private dockerd (tests/lib/dockerd.py) with two busybox containers: one plain, one with a health check
    every 30 s (Docker's default interval). Returns the exporter's flags."""
    import dockerd
    eng = dockerd.Dockerd(prefix="homeops-bench-dockerd.")
    closer.append(eng)
    eng.start()
    img = eng.build_busybox_image()
    eng.docker("run", "-d", "--network", "none", "--name", "app", img, "sleep", "3600")
    eng.docker("run", "-d", "--network", "none", "--name", "checked", "--health-cmd", "true",
               "--health-interval", "30s", img, "sleep", "3600")
    return [f"--docker.host={eng.host}"]


def snapraid_demo(tmp, closer):
    """A real SnapRAID array (contrib/demo/snapraid-array.sh: four 32 MiB ext4 images, loop-mounted, synced).
    Returns the exporter's flags, or None when it cannot be set up here (no loop devices...)."""
    d = os.path.join(tmp, "snapraid-demo")
    script = os.path.join(SRC, "contrib", "demo", "snapraid-array.sh")
    r = subprocess.run(["sh", script, "--dir", d], capture_output=True, text=True, timeout=180)

    class Cleanup:
        def close(self):
            subprocess.run(["sh", script, "--dir", d, "--cleanup"], capture_output=True, timeout=120)

        def __repr__(self):
            return "snapraid demo array"
    closer.append(Cleanup())
    if r.returncode != 0:
        print(f"snapraid demo array not available here: {r.stderr.strip()[-300:]}", flush=True)
        return None
    conf = r.stdout.strip().splitlines()[-1]
    return [f"--snapraid.config={conf}"]


def wait_collected(port, prefix, timeout=120, after=None):
    """Waits until /metrics answers 200 with <prefix>_last_collect_timestamp_seconds set (and > after)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = http(port)
            if r.status == 200:
                v = metric_value(r.text(), f"{prefix}_last_collect_timestamp_seconds")
                if v and (after is None or v > after):
                    return r.text()
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{prefix}: no collection within {timeout}s")


def start(build, name, args):
    """Starts an exporter and waits for its first collection; returns (proc, port, body text)."""
    p, port = start_exporter(binary(build, name), *args)
    try:
        text = wait_collected(port, name)
    except Exception:
        print(p.output()[-2000:], flush=True)
        p.close()
        raise
    return p, port, text
