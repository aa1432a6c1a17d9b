"""abuse_targets.py: every homeops binary started against a working source of its own (recorded fixtures,
the Docker and Pi-hole stand-ins, a replayed snapraid, a procfs tree, a replayed SMART blob; the receiver with
a store and a playbook), behind one interface for the abuse, fault and valgrind tests:

    t = Target("docker", binary)        # builds the source in a temp dir (fixtures: $HOMEOPS_FIXTURES)
    port = t.start("--web.request-timeout=3s", wrapper=["valgrind", ...])
    ... t.proc (homeops_test.Proc), t.prefix, t.scrape_headers ...
    rc = t.stop(); t.close()            # stops by PID, closes the stand-ins, removes the temp dir
Stdlib only (Debian's /usr/bin/python3)."""
import os
import shutil
import stat
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from homeops_test import Proc, fixtures_or_skip  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))

# target name -> (binary path under a build tree, metric prefix)
BINARIES = {
    "snapraid": ("exporters/snapraid/snapraid_exporter", "snapraid"),
    "smart": ("exporters/smart/smart_exporter", "smart"),
    "cifs": ("exporters/cifs/cifs_mount_exporter", "cifs"),
    "docker": ("exporters/docker/docker_health_exporter", "docker"),
    "pihole": ("exporters/pihole/pihole_exporter", "pihole"),
    "receiver": ("receiver/remediation_receiver", "remediation"),
}
EXPORTERS = [n for n in BINARIES if n != "receiver"]

R12 = os.path.join("snapraid", "real-snapraid-12.2")
SMART_BLOB = os.path.join("smart", "ata-blobs", "FUJITSU_MHY2120BH--0084000D")
CIFS_MOUNTINFO = os.path.join("cifs", "mountinfo", "util-linux-column-tests-mountinfo.mountinfo")
CIFS_KERNEL = os.path.join("cifs", "pcp-qa", "kernel-6.16.7")

RECEIVER_CONFIG = """playbooks:
  noop: {command: ["/bin/true"], timeout: 5s}
routes:
  - {matchers: ['alertname=~"Abuse.*"'], playbook: noop}
"""


def copy(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)
    return dst


class Target:
    """One binary and its source. name: a key of BINARIES; binary: the program; interval: its collection
    interval flag value (exporters) or None for the default."""

    def __init__(self, name, binary, interval=None):
        self.name = name
        self.binary = os.path.abspath(binary)
        self.prefix = BINARIES[name][1]
        # a scrape that shows the source was read (the receiver: its store opened)
        self.ready = (r"^remediation_build_info" if name == "receiver" else r"^%s_up(\{[^}]*\})? 1$" % self.prefix)
        self.interval = interval
        self.tmp = tempfile.mkdtemp(prefix="homeops-abuse-%s-" % name)
        self.proc = None
        self.port = None
        self.env = dict(os.environ)
        self.standin = None
        self.args = []
        getattr(self, "_setup_" + name)()

    # -- sources --
    def _setup_snapraid(self):
        fx = fixtures_or_skip("snapraid")
        self.replay = os.path.join(self.tmp, "replay")
        copy(os.path.join(fx, "real-snapraid-12.2", "status_logfile.log"), os.path.join(self.replay, "status.log"))
        copy(os.path.join(fx, "real-snapraid-12.2", "status.txt"), os.path.join(self.replay, "status.stdout"))
        # a copy of the replaying stand-in, so a test can delete the "binary" and restore it
        self.snapraid_bin = copy(os.path.join(SOURCE, "tests", "integration", "snapraid", "replay-snapraid.sh"),
                                 os.path.join(self.tmp, "bin", "snapraid"))
        os.chmod(self.snapraid_bin, 0o755)
        conf = os.path.join(self.tmp, "snapraid.conf")
        with open(conf, "w") as f:
            f.write("parity /mnt/parity/snapraid.parity\ncontent /var/snapraid.content\ndata d1 /mnt/disk1/\n")
        self.env["SNAPRAID_REPLAY_DIR"] = self.replay
        self.args = ["--snapraid.path=" + self.snapraid_bin, "--snapraid.config=" + conf]

    def _setup_smart(self):
        fx = fixtures_or_skip("smart")
        self.blob = copy(os.path.join(os.path.dirname(fx), SMART_BLOB), os.path.join(self.tmp, "blob"))
        self.args = ["--no-smart.discovery", "--smart.blob=" + self.blob]

    def _setup_cifs(self):
        fx = os.path.dirname(fixtures_or_skip("cifs"))
        self.procfs = os.path.join(self.tmp, "proc")
        self.mountinfo = copy(os.path.join(fx, CIFS_MOUNTINFO), os.path.join(self.procfs, "1", "mountinfo"))
        self.stats = copy(os.path.join(fx, CIFS_KERNEL, "Stats"), os.path.join(self.procfs, "fs", "cifs", "Stats"))
        copy(os.path.join(fx, CIFS_KERNEL, "DebugData"), os.path.join(self.procfs, "fs", "cifs", "DebugData"))
        self.args = ["--path.procfs=" + self.procfs, "--cifs.fstab=", "--cifs.probe-timeout=1s"]

    def _setup_docker(self):
        from docker_standin import DockerStandin
        self.fx = os.path.dirname(fixtures_or_skip("docker"))
        self.sock = os.path.join(self.tmp, "docker.sock")
        self.standin = DockerStandin(self.fx, self.sock)
        self.standin.start()
        self.args = ["--docker.host=unix://" + self.sock]

    def _setup_pihole(self):
        from pihole_standin import Standin
        self.fx = os.path.dirname(fixtures_or_skip("pihole"))
        self.standin = Standin(self.fx, password="pw")
        pw = os.path.join(self.tmp, "pw")
        with open(pw, "w") as f:
            f.write("pw\n")
        os.chmod(pw, stat.S_IRUSR | stat.S_IWUSR)
        self.args = ["--pihole.url=http://127.0.0.1:%d" % self.standin.port, "--pihole.password-file=" + pw,
                     "--pihole.name=primary"]

    def _setup_receiver(self):
        conf = os.path.join(self.tmp, "receiver.yml")
        with open(conf, "w") as f:
            f.write(RECEIVER_CONFIG)
        self.store = os.path.join(self.tmp, "data")
        self.args = ["--config.file=" + conf, "--storage.path=" + self.store]

    # -- process --
    def argv(self, *extra):
        a = [self.binary, "--web.listen-address=127.0.0.1:0"] + self.args
        if self.interval and self.name != "receiver":
            a.append("--%s.interval=%s" % (self.prefix, self.interval))
        return a + list(extra)

    def start(self, *extra, wrapper=(), timeout=20.0):
        """Starts the binary (under wrapper, e.g. valgrind); returns its port once it listens."""
        self.proc = Proc(list(wrapper) + self.argv(*extra), env=self.env, name=os.path.basename(self.binary))
        m = self.proc.wait_log(r"msg=(?:serving|listening) .*port=(\d+)", timeout=timeout)
        self.port = int(m.group(1))
        return self.port

    def stop(self, timeout=10.0):
        rc = self.proc.stop(timeout=timeout) if self.proc else None
        return rc

    def close(self):
        if self.proc:
            self.proc.close()
        if self.standin:
            try:
                self.standin.close()
            except Exception:   # noqa: BLE001 (already stopped by the test)
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)


def binary_in(build_dir, name):
    return os.path.join(build_dir, BINARIES[name][0])
