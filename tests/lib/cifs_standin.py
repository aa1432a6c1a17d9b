"""cifs_standin.py: real stand-ins for a CIFS share on a machine without the cifs module: bindfs and
smbnetfs FUSE mounts and a private smbd on 127.0.0.1, each started by the test, stopped by PID, and
unmounted (lazily) only where the test mounted. Standard library only."""
import contextlib
import os
import shutil
import signal
import subprocess
import time

from homeops_test import Proc, free_port, log, memory_kib


def in_mountinfo(mountpoint, path="/proc/self/mountinfo"):
    """The fstype of the topmost mount on mountpoint in a mountinfo file, or None."""
    found = None
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) < 10:
                continue
            mp = fields[4].replace("\\040", " ")
            sep = fields.index("-", 6)
            if mp == mountpoint:
                found = fields[sep + 1]
    return found


def wait_mounted(mountpoint, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if in_mountinfo(mountpoint):
            return True
        time.sleep(0.05)
    return False


def lazy_unmount(mountpoint):
    """Detaches a mount the test made (FUSE or bind); never fails the cleanup."""
    if in_mountinfo(mountpoint):
        subprocess.run(["umount", "-l", mountpoint], capture_output=True, timeout=10)


def descendants(pid):
    """PIDs of every process below pid (smbd forks one child per connection)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            kids = []
        out += kids
        todo += kids
    return out


def signal_tree(pid, sig):
    """Sends sig to pid and its descendants (all started by the test through pid)."""
    for p in [pid] + descendants(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, sig)


class Bindfs:
    """bindfs -f (foreground: its PID is the FUSE daemon) of src on mountpoint, type fuse.bindfs."""

    def __init__(self, src, mountpoint, ro=False):
        self.mountpoint = mountpoint
        opts = "subtype=bindfs" + (",ro" if ro else "")
        self.proc = Proc(["bindfs", "-f", "-o", opts, src, mountpoint], name="bindfs")
        if not wait_mounted(mountpoint):
            raise AssertionError(f"bindfs did not mount {mountpoint}:\n{self.proc.output()}")

    def stop_daemon(self):
        os.kill(self.proc.pid, signal.SIGSTOP)

    def cont_daemon(self):
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGCONT)

    def close(self):
        self.cont_daemon()
        lazy_unmount(self.mountpoint)
        self.proc.stop()
        self.proc.close()


SMB_CONF = """[global]
  smb ports = {port}
  interfaces = 127.0.0.1
  bind interfaces only = yes
  pid directory = {d}/pid
  lock directory = {d}/lock
  state directory = {d}/state
  cache directory = {d}/cache
  private dir = {d}/private
  ncalrpc dir = {d}/ncalrpc
  log file = {d}/log.smbd
  disable netbios = yes
  map to guest = Bad User
  server role = standalone server
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  server min protocol = SMB2
[share]
  path = {d}/share
  guest ok = yes
  read only = no
"""


class Smbd:
    """A private smbd on 127.0.0.1:<free port> with one guest share, its own pid/lock/state dirs."""

    def __init__(self, d):
        self.d = d
        self.port = free_port()
        for sub in ("pid", "lock", "state", "cache", "private", "ncalrpc", "share"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        os.chmod(os.path.join(d, "share"), 0o777)
        with open(os.path.join(d, "share", "file.txt"), "w") as f:
            f.write("hello\n")
        self.conf = os.path.join(d, "smb.conf")
        with open(self.conf, "w") as f:
            f.write(SMB_CONF.format(port=self.port, d=d))
        self.proc = None
        self.start()

    def start(self):
        self.proc = Proc(["smbd", "--foreground", "--no-process-group", "-s", self.conf, "-d", "1"], name="smbd")
        from homeops_test import wait_port
        if not wait_port(self.port, timeout=20):
            raise AssertionError(f"smbd did not listen on {self.port}:\n{self.proc.output()}")

    def signal(self, sig):
        signal_tree(self.proc.pid, sig)

    def kill(self):
        """The server is gone: SIGKILL smbd and its connection children."""
        kids = descendants(self.proc.pid)
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGKILL)
        self.proc.p.wait(10)
        for k in kids:
            for _ in range(100):
                if not os.path.exists(f"/proc/{k}"):
                    break
                time.sleep(0.02)

    def close(self):
        if self.proc and self.proc.alive():
            self.signal(signal.SIGCONT)
            kids = descendants(self.proc.pid)
            self.proc.stop()
            for k in kids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(k, signal.SIGKILL)
        if self.proc:
            self.proc.close()


class Smbnetfs:
    """smbnetfs -f on mountpoint with its configuration under a private HOME: guest auth, short
    timeouts. smbnetfs (libsmbclient 4.17) always dials 445 for a plain host name, but it passes
    a path component "HOST:PORT" on to libsmbclient as smb://HOST:PORT/, which dials that port:
    the share is <mountpoint>/127.0.0.1:<port>/share."""

    def __init__(self, home, mountpoint, smb_timeout_ms=3000):
        self.mountpoint = mountpoint
        os.makedirs(os.path.join(home, ".smb"), exist_ok=True)
        conf = os.path.join(home, ".smb", "smbnetfs.conf")
        with open(conf, "w") as f:
            f.write(f'auth "guest" ""\nsmb_timeout {smb_timeout_ms}\nreply_timeout 10\nneg_cache_timeout 500\n')
        os.chmod(conf, 0o600)
        env = dict(os.environ, HOME=home)
        self.proc = Proc(["smbnetfs", "-f", mountpoint], env=env, name="smbnetfs")
        if not wait_mounted(mountpoint):
            raise AssertionError(f"smbnetfs did not mount {mountpoint}:\n{self.proc.output()}")

    def share_path(self, port, share="share"):
        return os.path.join(self.mountpoint, f"127.0.0.1:{port}", share)

    def close(self):
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGCONT)
        lazy_unmount(self.mountpoint)
        kids = descendants(self.proc.pid)
        self.proc.stop()
        for k in kids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(k, signal.SIGKILL)
        self.proc.close()


def bind_mount(src, dst, timeout=15.0):
    """mount --bind src dst (src on a FUSE mount: retried while the share comes up)."""
    deadline = time.monotonic() + timeout
    err = ""
    while time.monotonic() < deadline:
        r = subprocess.run(["mount", "--bind", src, dst], capture_output=True, timeout=30)
        if r.returncode == 0:
            return
        err = r.stderr.decode(errors="replace")
        time.sleep(0.3)
    raise AssertionError(f"mount --bind {src} {dst} failed: {err}")


def threads(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


def uss_kib(pid):
    """Private (unshared) memory of pid in KiB (homeops_test.memory_kib)."""
    return memory_kib(pid)[0]


def tools_missing(*names):
    return [n for n in names if not shutil.which(n)]


def log_cmd(*a):
    log("$ " + " ".join(a))
