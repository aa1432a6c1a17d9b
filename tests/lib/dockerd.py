"""dockerd.py: a private Docker engine for tests: Debian's dockerd on its own socket and directories, stopped by PID.

    with Dockerd() as d:            # or d = Dockerd(); d.start(); ...; d.close()
        d.build_busybox_image()     # "homeops/busybox:test" from the busybox-static package
        d.docker("run", "-d", "--network", "none", d.image, "sleep", "60")

Everything lives under one temporary directory (data-root, exec-root, pidfile, socket); close()
stops the daemon by its PID (SIGTERM, then SIGKILL), unmounts what it left and removes the
directory. stop()/start() keep the directories, for "daemon down and back" tests.
Needs root. Standard library only.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

BUSYBOX = "/bin/busybox"


def missing_tools():
    """Names of what this machine lacks to run a Docker engine (empty when all is there)."""
    missing = [t for t in ("dockerd", "docker", "containerd", "runc") if not shutil.which(t)]
    if not os.path.exists(BUSYBOX):
        missing.append("busybox-static (" + BUSYBOX + ")")
    return missing


class Dockerd:
    image = "homeops/busybox:test"

    def __init__(self, prefix="homeops-dockerd."):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.sock = os.path.join(self.dir, "docker.sock")
        self.host = "unix://" + self.sock
        self.pidfile = os.path.join(self.dir, "pid")
        self.logpath = os.path.join(self.dir, "dockerd.log")
        with open(os.path.join(self.dir, "daemon.json"), "w") as f:
            json.dump({}, f)
        self.proc = None
        self.storage_driver = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def _argv(self):
        argv = ["dockerd", "--data-root", os.path.join(self.dir, "data"), "--exec-root", os.path.join(self.dir, "exec"),
                "--pidfile", self.pidfile, "-H", self.host, "--bridge=none", "--iptables=false",
                "--ip-forward=false", "--ip-masq=false", "--config-file", os.path.join(self.dir, "daemon.json")]
        if self.storage_driver:
            argv += ["--storage-driver", self.storage_driver]
        return argv

    def start(self, timeout=30.0):
        """Starts dockerd and waits until it answers; falls back to the vfs driver when overlay2 fails."""
        for driver in ([self.storage_driver] if self.storage_driver else [None, "vfs"]):
            self.storage_driver = driver
            log = open(self.logpath, "a")
            self.proc = subprocess.Popen(self._argv(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
            log.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                r = subprocess.run(["docker", "-H", self.host, "version", "--format", "{{.Server.Version}}"],
                                   capture_output=True, timeout=10)
                if r.returncode == 0:
                    return
                time.sleep(0.2)
            self.stop()
        raise AssertionError("dockerd did not start:\n" + self.log_tail())

    def log_tail(self, n=40):
        try:
            with open(self.logpath, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def pid(self):
        return self.proc.pid if self.proc else None

    def stop(self, timeout=20.0):
        """Stops dockerd by its PID (SIGTERM, then SIGKILL); the directories stay."""
        if not self.proc:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None

    def _unmount_under(self):
        """Unmounts whatever the engine left mounted under our directory (deepest first)."""
        mounts = []
        with open("/proc/self/mountinfo") as f:
            for line in f:
                mp = line.split()[4].encode().decode("unicode_escape")
                if mp == self.dir or mp.startswith(self.dir + "/"):
                    mounts.append(mp)
        for mp in sorted(mounts, key=len, reverse=True):
            subprocess.run(["umount", "-l", mp], capture_output=True, timeout=20)

    def close(self):
        """Removes every container (rm -f), stops dockerd by PID, unmounts, removes the directory."""
        if self.proc and self.proc.poll() is None:
            r = self.docker("ps", "-aq", check=False)
            ids = r.stdout.split()
            if ids:
                self.docker("rm", "-f", *ids, check=False, timeout=60)
        self.stop()
        self._unmount_under()
        shutil.rmtree(self.dir, ignore_errors=True)

    def docker(self, *args, check=True, timeout=60, input=None):
        """Runs the docker client against this engine; returns the CompletedProcess (text)."""
        r = subprocess.run(["docker", "-H", self.host, *[str(a) for a in args]], capture_output=True, text=True,
                           timeout=timeout, input=input)
        if check and r.returncode != 0:
            raise AssertionError(f"docker {' '.join(map(str, args))}: exit {r.returncode}\n{r.stdout}{r.stderr}")
        return r

    def run_all(self, runs, timeout=120):
        """`docker run -d --network none --name NAME ARGS...` for each (NAME, ARGS...) tuple, all at once
        (each takes seconds on a loaded machine); raises with the client's output if one fails."""
        clients = [subprocess.Popen(["docker", "-H", self.host, "run", "-d", "--network", "none", "--name", *r],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for r in runs]
        for r, c in zip(runs, clients):
            out, _ = c.communicate(timeout=timeout)
            if c.returncode != 0:
                raise AssertionError(f"docker run {r[0]}: exit {c.returncode}\n{out}")

    def build_busybox_image(self):
        """Imports a one-binary image: the busybox-static package's busybox plus its applet symlinks, PATH=/bin."""
        root = os.path.join(self.dir, "rootfs")
        os.makedirs(os.path.join(root, "bin"), exist_ok=True)
        os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
        shutil.copy2(BUSYBOX, os.path.join(root, "bin", "busybox"))
        applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
        for a in applets:
            if a != "busybox" and "/" not in a:
                os.symlink("busybox", os.path.join(root, "bin", a))
        tarball = os.path.join(self.dir, "rootfs.tar")
        subprocess.run(["tar", "-C", root, "-cf", tarball, "."], check=True, timeout=60)
        self.docker("import", "--change", "ENV PATH=/bin", tarball, self.image)
        shutil.rmtree(root, ignore_errors=True)
        os.unlink(tarball)
        return self.image

    def container_id(self, name):
        return self.docker("inspect", "--format", "{{.Id}}", name).stdout.strip()
