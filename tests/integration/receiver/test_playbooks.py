#!/usr/bin/python3
"""test_playbooks.py: the shipped playbooks in contrib/playbooks/ against a real snapraid array, a Docker
API stand-in on a unix socket, and their input checks.  usage: test_playbooks.py [TEST...]"""
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SOURCE, run_tests  # noqa: E402

PB = os.path.join(SOURCE, "contrib", "playbooks")


def run(name, env=None, args=(), timeout=120):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOMEOPS_ALERTNAME": "Test", "HOMEOPS_ATTEMPT": "1"}
    e.update(env or {})
    return subprocess.run([os.path.join(PB, name)] + list(args), env=e, capture_output=True, text=True, timeout=timeout)


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class FakeDocker:
    """Answers the two Docker API calls restart-container makes; records them."""

    def __init__(self, containers):
        self.dir = tempfile.mkdtemp(prefix="homeops-docker-")
        self.sock = os.path.join(self.dir, "docker.sock")
        self.calls = []
        self.containers = containers
        fake = self

        class H(http.server.BaseHTTPRequestHandler):
            def address_string(self):
                return "unix"

            def reply(self, code, body=b""):
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                fake.calls.append(("POST", self.path))
                name = self.path.split("/")[2].split("?")[0]
                self.reply(204 if name in fake.containers else 404)

            def do_GET(self):
                fake.calls.append(("GET", self.path))
                name = self.path.split("/")[2]
                st = fake.containers.get(name)
                if not st:
                    return self.reply(404)
                body = {"State": {"Status": st[0]}}
                if st[1]:
                    body["State"]["Health"] = {"Status": st[1]}
                self.reply(200, json.dumps(body, separators=(",", ":")).encode())

            def log_message(self, *a):
                pass

        self.server = UnixHTTPServer(self.sock, H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)


def test_restart_container():
    d = FakeDocker({"web": ("running", "healthy"), "sick": ("exited", None)})
    try:
        env = {"DOCKER_HOST": "unix://" + d.sock, "WAIT": "2"}
        r = run("restart-container", dict(env, HOMEOPS_LABEL_NAME="/web"))
        assert r.returncode == 0, r
        assert ("POST", "/containers/web/restart?t=10") in d.calls and "is running (healthy)" in r.stdout
        r = run("restart-container", dict(env, HOMEOPS_LABEL_CONTAINER="sick"))
        assert r.returncode == 3, r
        r = run("restart-container", dict(env, HOMEOPS_LABEL_NAME="ghost"))
        assert r.returncode == 1 and "no such container" in r.stderr, r
        n = len(d.calls)
        for bad in ("", "web;reboot", "$(id)", "../x", "-rm"):
            r = run("restart-container", dict(env, HOMEOPS_LABEL_NAME=bad))
            assert r.returncode == 2, (bad, r)
        assert len(d.calls) == n  # nothing reached Docker
    finally:
        d.close()


def test_remount_cifs_refuses_what_fstab_does_not_list():
    tmp = tempfile.mkdtemp(prefix="homeops-fstab-")
    try:
        fstab = os.path.join(tmp, "fstab")
        with open(fstab, "w") as f:
            f.write("UUID=1 / ext4 defaults 0 1\n//nas/share /mnt/my\\040share cifs credentials=/x 0 0\n")
        for mp in ("/", "/mnt/other", "relative", ""):
            r = run("remount-cifs", {"HOMEOPS_LABEL_MOUNTPOINT": mp, "FSTAB": fstab})
            assert r.returncode == 2, (mp, r)
    finally:
        shutil.rmtree(tmp)


def test_snapraid_sync_real_array():
    if not shutil.which("snapraid"):
        print("snapraid not installed")
        sys.exit(77)
    if os.geteuid() != 0:
        print("needs root to mount one tmpfs per disk (snapraid refuses disks on one device)")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="homeops-snapraid-")
    mounted = []
    try:
        for d in ("d1", "d2", "parity"):
            path = os.path.join(tmp, d)
            os.makedirs(path)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", path], check=True)
            mounted.append(path)
        conf = os.path.join(tmp, "snapraid.conf")
        with open(conf, "w") as f:
            f.write("parity %s/parity/snapraid.parity\ncontent %s/snapraid.content\ncontent %s/d1/snapraid.content\n"
                    "data d1 %s/d1/\ndata d2 %s/d2/\n" % (tmp, tmp, tmp, tmp, tmp))
        for i in range(20):
            with open(os.path.join(tmp, "d%d" % (1 + i % 2), "file%02d" % i), "wb") as f:
                f.write(os.urandom(4096))
        r = run("snapraid-sync", args=["--config", conf, "--max-deleted", "5"])
        assert r.returncode == 0 and "sync done" in r.stdout, r
        r = run("snapraid-sync", args=["--config", conf])
        assert r.returncode == 0 and "nothing to sync" in r.stdout, r
        # a half-wiped disk: 6 files gone, more than the limit: refuse
        for i in range(0, 12, 2):
            os.unlink(os.path.join(tmp, "d1", "file%02d" % i))
        r = run("snapraid-sync", args=["--config", conf, "--max-deleted", "5"])
        assert r.returncode == 4 and "refusing" in r.stderr, r
        r = run("snapraid-sync", args=["--config", conf, "--max-deleted", "10"])
        assert r.returncode == 0, r
        # --log-dir: the run leaves the log snapraid_exporter --snapraid.log-glob reads, even with nothing to sync
        logdir = os.path.join(tmp, "logs")
        os.makedirs(logdir)
        r = run("snapraid-sync", args=["--config", conf, "--log-dir", logdir, "--scrub-percent", "10"])
        assert r.returncode == 0, r
        logs = sorted(os.listdir(logdir))
        assert len(logs) == 2 and logs[0].startswith("scrub-") and logs[1].startswith("sync-"), logs
        with open(os.path.join(logdir, logs[1])) as f:
            assert "command:sync" in f.read()
        assert run("snapraid-sync", args=["--bogus"]).returncode == 2
    finally:
        for path in mounted:
            subprocess.run(["umount", path])
        shutil.rmtree(tmp)


TESTS = {name[5:]: fn for name, fn in sorted(globals().items()) if name.startswith("test_") and callable(fn)}

if __name__ == "__main__":
    sys.exit(run_tests(TESTS, sys.argv))
