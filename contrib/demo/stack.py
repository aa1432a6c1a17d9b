#!/usr/bin/python3
"""stack.py: the whole homeops stack on 127.0.0.1, started from one class: the five exporters on demo data,
Prometheus with the shipped rules and scrape config, Alertmanager with the shipped multi-host route, two
remediation_receivers (hosts "storage" and "compute") with the shipped example config, and an SMTP sink.

    s = Stack(demo_dir, bins, fixtures); s.start(); ...; s.break_("unhealthy"); ...; s.stop()
    stack.py --dir DIR --bin-dir BUILD [--detach]      start (foreground until Ctrl-C, or detached)
    stack.py --dir DIR --stop                          stop everything a detached stack started
    stack.py --dir DIR --break NAME | --heal NAME      inject / undo a failure in the running stack

What runs (every process stopped by PID, every mount unmounted; all state in DIR/state.json):
- snapraid_exporter on a real SnapRAID array of loop-mounted ext4 images (contrib/demo/snapraid-array.sh);
- smart_exporter replaying the recorded SMART data of the fixtures (tests/lib/stack_parts.py);
- cifs_mount_exporter watching DIR/mnt/share: a private smbd's share through smbnetfs (FUSE), bind-mounted
  there and listed in DIR/etc/fstab (type fuse.smbnetfs);
- docker_health_exporter on a private dockerd with containers from a busybox-static image: "web" (a health
  check), "app" (a bind mount under the share), "worker" (a health check on a host file);
- pihole_exporter on two Pi-hole stand-ins (primary, secondary), each with its own dnsmasq;
- two remediation_receivers: "storage" (SnapRAID, SMART) and "compute" (containers, mounts, DNS);
- prometheus (1 s scrape and evaluation, the shipped rules with `for:` shortened), prometheus-alertmanager,
  and an SMTP sink (python3 -m aiosmtpd) writing every mail into DIR/mail (a Maildir).
Failures (--break NAME): unhealthy, corrupt, hang-share, dns-primary, dns-all, failing-repair; --heal NAME
undoes hang-share, dns-primary, dns-all and failing-repair. Needs root (loop mounts, FUSE, dockerd).
Standard library only (Debian's /usr/bin/python3); helpers from tests/lib.
"""
import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

SRC = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from homeops_test import Proc, free_port  # noqa: E402
import stack_parts as P  # noqa: E402
from cifs_standin import descendants  # noqa: E402

BINARIES = {"snapraid": "exporters/snapraid/snapraid_exporter", "smart": "exporters/smart/smart_exporter",
            "cifs": "exporters/cifs/cifs_mount_exporter", "docker": "exporters/docker/docker_health_exporter",
            "pihole": "exporters/pihole/pihole_exporter", "receiver": "receiver/remediation_receiver"}
# which host (receiver) each exporter stands on, and its job name in contrib/prometheus/prometheus.yml
HOSTS = {"snapraid": "storage", "smart": "storage", "cifs": "compute", "docker": "compute", "pihole": "compute"}
JOBS = {"snapraid": "homeops-snapraid", "smart": "homeops-smart", "cifs": "homeops-cifs", "docker": "homeops-docker",
        "pihole": "homeops-pihole"}
RECEIVERS = ("storage", "compute")
BREAKS = ("unhealthy", "corrupt", "hang-share", "dns-primary", "dns-all", "failing-repair")
FOR = "3s"          # the rules' for: in the stack (promtool unit tests cover the shipped durations)


def log(*a):
    print("stack:", *a, flush=True)


def replace_all(text, pairs, what):
    """Applies exact replacements; each must match (the shipped file changed otherwise: fail loudly)."""
    for old, new in pairs:
        if old not in text:
            raise AssertionError(f"{what}: expected text not found (shipped file changed?): {old!r}")
        text = text.replace(old, new)
    return text


def pid_alive(pid, exe=None):
    """True when pid runs and (exe) its command line names exe: never signal a recycled PID."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().decode(errors="replace")
    except OSError:
        return False
    return exe is None or os.path.basename(exe) in cmd


def stop_pid(pid, exe, tree=False, timeout=10.0):
    """SIGCONT, SIGTERM, then SIGKILL: one PID we started (and, tree, the children it forked)."""
    if not pid_alive(pid, exe):
        return
    pids = [pid] + (descendants(pid) if tree else [])
    for p in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGCONT)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_alive(pid, exe):
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    for p in pids:
        if pid_alive(p):
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def mounted(mp):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == mp for line in f)


def lazy_unmount(mp):
    while mounted(mp):
        r = subprocess.run(["umount", "-l", mp], capture_output=True, timeout=20)
        if r.returncode != 0:
            break


class Stack:
    def __init__(self, demo_dir, bin_dir=None, fixtures=None, bins=None):
        self.dir = os.path.abspath(demo_dir)
        self.fx = fixtures or os.environ.get("HOMEOPS_FIXTURES") or os.path.join(SRC, "..", "shared", "fixtures")
        self.bins = dict(bins or {})
        for k, rel in BINARIES.items():
            if k not in self.bins and bin_dir:
                self.bins[k] = os.path.join(bin_dir, rel)
        self.state_path = os.path.join(self.dir, "state.json")
        self.state = {"pids": [], "mounts": [], "ports": {}, "dirs": {}, "files": []}
        self.procs = {}         # name -> Proc (this process only)
        self.smbd = self.netfs = self.dockerd = None

    # ---- state
    def save(self):
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.state, f, indent=1)
        os.replace(tmp, self.state_path)

    def load(self):
        with open(self.state_path) as f:
            self.state = json.load(f)
        return self.state

    def track(self, name, proc, tree=False):
        """Records a started process (by PID, with its executable to check before any signal)."""
        self.procs[name] = proc
        self.state["pids"].append({"name": name, "pid": proc.pid, "exe": proc.argv[0], "tree": tree,
                                   "log": proc.logfile.name})
        self.save()
        return proc

    def pid(self, name):
        for e in self.state["pids"]:
            if e["name"] == name:
                return e["pid"]
        raise KeyError(name)

    def port(self, name):
        return self.state["ports"][name]

    def path(self, *p):
        return os.path.join(self.dir, *p)

    # ---- start
    def start(self):
        for k, b in self.bins.items():
            if not (b and os.access(b, os.X_OK)):
                raise AssertionError(f"{k}: binary not found: {b!r} (build first)")
        if os.path.exists(self.state_path):
            raise AssertionError(f"{self.state_path} exists: a stack runs there (--stop it first)")
        os.makedirs(self.path("etc"), exist_ok=True)
        for sub in ("tmp", "new", "cur"):      # a Maildir, as aiosmtpd.handlers.Mailbox writes it
            os.makedirs(self.path("mail", sub), exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.state["dirs"] = {"root": self.dir, "mail": self.path("mail")}
        self.save()
        t0 = time.monotonic()
        try:
            self.start_snapraid_array()
            self.start_share()
            docker = {}
            th = threading.Thread(target=self._docker_into, args=(docker,), daemon=True)
            th.start()
            self.start_pihole_standins()
            self.start_smtp_sink()
            self.start_receivers()
            self.start_exporters(["snapraid", "smart", "cifs", "pihole"])
            th.join(300)
            if "error" in docker or not docker:
                raise AssertionError("the Docker engine did not come up: %s" % docker.get("error", "timeout"))
            self.start_exporters(["docker"])
            self.start_alertmanager()
            self.start_prometheus()
        except BaseException:
            self.stop()
            raise
        self.state["started_in"] = round(time.monotonic() - t0, 1)
        self.save()
        log(f"started in {self.state['started_in']} s")

    def start_snapraid_array(self):
        arr = self.path("snapraid")
        self.state["mounts"].append({"kind": "snapraid-array", "dir": arr})
        self.save()
        r = subprocess.run(["sh", os.path.join(SRC, "contrib", "demo", "snapraid-array.sh"), "--dir", arr],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise AssertionError("snapraid-array.sh failed:\n" + r.stdout + r.stderr)
        self.state["dirs"]["snapraid_conf"] = r.stdout.strip().splitlines()[-1]
        os.makedirs(self.path("snapraid-logs"), exist_ok=True)
        self.state["dirs"]["snapraid_logs"] = self.path("snapraid-logs")
        self.save()

    def start_share(self):
        import cifs_standin as cs
        missing = cs.tools_missing("smbd", "smbnetfs", "fusermount")
        if missing:
            raise AssertionError(f"missing tools: {missing} (contrib/debian-packages.txt)")
        share_mp = self.path("mnt", "share")
        netfs_mp = self.path("smbnetfs")
        os.makedirs(share_mp, exist_ok=True)
        os.makedirs(netfs_mp, exist_ok=True)
        self.smbd = cs.Smbd(self.path("smbd"))
        self.track("smbd", self.smbd.proc, tree=True)
        self.state["ports"]["smbd"] = self.smbd.port
        self.state["mounts"] += [{"kind": "mount", "dir": share_mp}, {"kind": "mount", "dir": netfs_mp}]
        self.save()
        self.netfs = cs.Smbnetfs(self.path("smbhome"), netfs_mp)
        self.track("smbnetfs", self.netfs.proc, tree=True)
        src = self.netfs.share_path(self.smbd.port)
        cs.bind_mount(src, share_mp)
        with open(os.path.join(self.smbd.d, "share", "app-data.txt"), "w") as f:
            f.write("data the app container reads from the share\n")
        self.state["dirs"].update(share=share_mp, share_source=src)
        P.write(self.path("etc", "fstab"), f"# the demo's expected shares (read by cifs_mount_exporter, docker_health_exporter"
                f" and remount-cifs)\n//127.0.0.1/share {share_mp} fuse.smbnetfs defaults 0 0\n")
        self.save()

    def _docker_into(self, out):
        try:
            self.start_docker()
            out["ok"] = True
        except Exception as e:  # noqa: BLE001  (reported by the main thread)
            out["error"] = f"{type(e).__name__}: {e}"

    def start_docker(self):
        import dockerd
        missing = dockerd.missing_tools()
        if missing:
            raise AssertionError(f"a Docker engine cannot run here: missing {', '.join(missing)}")
        eng = dockerd.Dockerd(prefix=self.path("dockerd."))
        self.dockerd = eng
        self.state["dirs"]["dockerd"] = eng.dir
        eng.start()
        self.state["pids"].append({"name": "dockerd", "pid": eng.pid(), "exe": "dockerd", "tree": False,
                                   "log": eng.logpath})
        self.state["dirs"]["docker_host"] = eng.host
        self.save()
        img = eng.build_busybox_image()
        os.makedirs(self.path("worker-state"), exist_ok=True)
        runs = [("web", "--health-cmd", "test ! -e /run/unhealthy", "--health-interval", "1s", "--health-retries", "1",
                 "--tmpfs", "/run", img, "sleep", "1000000"),
                ("app", "-v", f"{self.state['dirs']['share']}:/data", img, "sleep", "1000000"),
                ("worker", "-v", f"{self.path('worker-state')}:/state", "--health-cmd", "test ! -e /state/broken",
                 "--health-interval", "1s", "--health-retries", "1", img, "sleep", "1000000")]
        eng.run_all(runs, timeout=120)

    def start_pihole_standins(self):
        from dnsmasq import start_dnsmasq
        d = self.path("pihole")
        os.makedirs(d, exist_ok=True)
        P.write(os.path.join(d, "password"), "pw\n", 0o600)
        targets = []
        for name in ("primary", "secondary"):
            sub = os.path.join(d, name)
            os.makedirs(sub, exist_ok=True)
            dm, dport = start_dnsmasq(sub)
            self.track(f"dnsmasq-{name}", dm)
            self.state["ports"][f"dns-{name}"] = dport
            port = free_port()
            st = Proc(["/usr/bin/python3", os.path.join(SRC, "tests", "lib", "pihole_standin.py"), "--fixtures", self.fx,
                       "--password", "pw", "--port", str(port)], name=f"pihole-standin-{name}")
            self.track(f"pihole-standin-{name}", st)
            P.wait_http_ok(port, "/_standin/stats", st)
            self.state["ports"][f"pihole-{name}"] = port
            targets += [f"  - name: {name}", f"    url: http://127.0.0.1:{port}", f"    password_file: {d}/password",
                        "    dns_probe: probe.test", f"    dns_server: 127.0.0.1:{dport}", "    timeout: 2s",
                        "    top_count: 5"]
        P.write(os.path.join(d, "pihole.yml"), "targets:\n" + "\n".join(targets) + "\n")
        self.save()

    def start_smtp_sink(self):
        port = free_port()
        p = Proc(["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
                  "aiosmtpd.handlers.Mailbox", self.path("mail")], name="smtp-sink")
        self.track("smtp-sink", p)
        from homeops_test import wait_port
        if not wait_port(port, 20):
            raise AssertionError("the SMTP sink does not listen:\n" + p.output())
        self.state["ports"]["smtp"] = port
        self.save()

    def receiver_config(self, name, port):
        with open(os.path.join(SRC, "contrib", "examples", "receiver.yml")) as f:
            text = f.read()
        token = self.path("etc", f"{name}.token")
        smtp = self.port("smtp")
        d = self.state["dirs"]
        text = replace_all(text, [
            ("external_url: http://nas.example.org:9766/", f"external_url: https://127.0.0.1:{port}/"),
            ("/usr/share/homeops/contrib/playbooks/", os.path.join(SRC, "contrib", "playbooks") + "/"),
            ("/etc/homeops/receiver.token", token),
            # the demo's engine, and short waits so that a failing restart fails in seconds
            ('env: {DOCKER_HOST: "unix:///run/docker.sock"}',
             'env: {DOCKER_HOST: "%s", WAIT: "8", RESTART_TIMEOUT: "1", PROBE_TIMEOUT: "3"}' % d["docker_host"]),
            ('"--log-dir", "/var/log/snapraid"]', f'"--log-dir", "{d["snapraid_logs"]}", "--config", "{d["snapraid_conf"]}"]'),
            # no systemd here: remount-cifs in its command form, on the demo's fstab
            ("    command: [\"%s/remount-cifs\"]\n" % os.path.join(SRC, "contrib", "playbooks"),
             "    command: [\"%s/remount-cifs\"]\n    env: {FSTAB: \"%s\", CIFS_TYPES: \"fuse.smbnetfs\", REMOUNT_MODE: "
             "command, PROBE_TIMEOUT: \"3\", REMOUNT_COMMAND: 'mount --bind \"%s\" \"$1\"'}\n"
             % (os.path.join(SRC, "contrib", "playbooks"), self.path("etc", "fstab"), d["share_source"])),
            # the loop must be fast: a restart may be tried again after seconds, not minutes
            ("cooldown: 15m", "cooldown: 5s"), ("cooldown: 10m", "cooldown: 5s"),
            # the SMTP sink on 127.0.0.1 (no STARTTLS, no login); the phone is a second mailbox
            ('url: "smtp://mail.example.org:587"      # STARTTLS is required on smtp://',
             f'url: "smtp://127.0.0.1:{smtp}"\n      smtp_starttls: false'),
            ("      username: \"homeops@example.org\"\n      password_file: /etc/homeops/smtp.password\n", ""),
            ('    ntfy:\n      url: "https://ntfy.sh/homeops-change-this-topic"\n      token_file: /etc/homeops/ntfy.token\n',
             f'    smtp: {{url: "smtp://127.0.0.1:{smtp}", smtp_starttls: false, from: "homeops@{name}.demo", '
             f'to: ["phone@homeops.demo"], events: [succeeded, failed, gave_up, interrupted]}}\n'),
            # no pihole command here: the stand-in's DNS cannot be restarted; the alert is recorded and mailed
            ("playbook: restart-pihole-dns\n    notify: [phone]", "playbook: log-only\n    notify: [mail]"),
        ], "contrib/examples/receiver.yml")
        text = text.replace('from: "homeops@example.org"', f'from: "homeops@{name}.demo"')
        # one receiver per host: it acts only on alerts whose host label is its own (others: stored, refused)
        text = replace_all(text, [("global:\n", f"global:\n  host: {name}\n")], "contrib/examples/receiver.yml")
        return text

    def start_receivers(self):
        # HTTPS with a demo CA (what crosses the network between hosts); the status pages and the API: basic
        # auth as "operator" (a random password, in etc/operator.password)
        from homeops_test import bcrypt_hash, make_certs
        os.makedirs(self.path("etc", "tls"), exist_ok=True)
        certs = make_certs(self.path("etc", "tls"))
        self.state["dirs"]["ca"] = certs["ca.crt"]
        pw = os.urandom(9).hex()
        P.write(self.path("etc", "operator.password"), pw + "\n", 0o600)
        P.write(self.path("etc", "web.yml"), "tls_server_config:\n  cert_file: %s\n  key_file: %s\n"
                "basic_auth_users:\n  operator: %s\n" % (certs["server.crt"], certs["server.key"], bcrypt_hash(pw, cost=10)),
                0o600)
        for name in RECEIVERS:
            d = self.path(f"receiver-{name}")
            os.makedirs(d, exist_ok=True)
            port = free_port()
            self.state["ports"][f"receiver-{name}"] = port
            token = self.path("etc", f"{name}.token")
            P.write(token, os.urandom(24).hex() + "\n", 0o600)
            cfg = os.path.join(d, "receiver.yml")
            P.write(cfg, self.receiver_config(name, port))
            p = Proc([self.bins["receiver"], f"--config.file={cfg}", f"--storage.path={d}/store",
                      f"--web.listen-address=127.0.0.1:{port}", "--notify.backoff=1s",
                      f"--web.config.file={self.path('etc', 'web.yml')}"], name=f"receiver-{name}")
            self.track(f"receiver-{name}", p)
            P.wait_http_ok(port, "/-/ready", p, tls=self.tls())
        self.save()

    def tls(self):
        """An ssl context trusting the stack's CA (the receivers serve HTTPS)."""
        import ssl
        return ssl.create_default_context(cafile=self.state["dirs"]["ca"])

    def exporter_args(self, k):
        d = self.state["dirs"]
        if k == "snapraid":
            return [f"--snapraid.config={d['snapraid_conf']}", f"--snapraid.log-glob={d['snapraid_logs']}/*.log",
                    "--snapraid.interval=2s"]
        if k == "smart":
            return P.smart_replay_args(self.dir, self.fx, missing_device=False) + ["--smart.interval=5s"]
        if k == "cifs":
            return [f"--cifs.fstab={self.path('etc', 'fstab')}", "--cifs.fstypes=cifs,smb3,fuse.smbnetfs",
                    "--cifs.interval=1s", "--cifs.probe-timeout=1s"]
        if k == "pihole":
            return [f"--config.file={self.path('pihole', 'pihole.yml')}", "--pihole.interval=1s"]
        if k == "docker":
            return [f"--docker.host={d['docker_host']}", f"--docker.fstab={self.path('etc', 'fstab')}",
                    "--docker.interval=1s", "--docker.timeout=5s"]
        raise KeyError(k)

    def start_exporters(self, keys):
        started = []
        for k in keys:
            port = free_port()
            p = Proc([self.bins[k], f"--web.listen-address=127.0.0.1:{port}", *self.exporter_args(k)], name=JOBS[k])
            self.track(JOBS[k], p)
            self.state["ports"][JOBS[k]] = port
            started.append((port, p))
        for port, p in started:
            P.wait_http_ok(port, "/-/ready", p)
        self.save()

    def start_alertmanager(self):
        d = self.path("alertmanager")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(SRC, "contrib", "alertmanager", "alertmanager-multihost.yml")) as f:
            text = f.read()
        pairs = [("smtp_smarthost: 'mail.example.org:587'", f"smtp_smarthost: '127.0.0.1:{self.port('smtp')}'"),
                 ("  smtp_auth_username: 'alertmanager@example.org'\n  smtp_auth_password_file: /etc/prometheus/smtp.password\n", ""),
                 ("smtp_require_tls: true", "smtp_require_tls: false"),
                 # fast, but a resolved notification still comes after a repair has had time to finish (a
                 # restart and its first health check take seconds on a loaded machine)
                 ("group_wait: 30s", "group_wait: 1s"), ("group_interval: 5m", "group_interval: 15s"),
                 ("repeat_interval: 4h", "repeat_interval: 15s"),
                 ("      receiver: operator\n      continue: true\n",
                  "      receiver: operator\n      continue: true\n      repeat_interval: 1h\n")]
        for name in RECEIVERS:
            pairs += [(f"https://{name}.example.org:9766", f"https://127.0.0.1:{self.port('receiver-' + name)}"),
                      (f"/etc/prometheus/homeops-{name}.token", self.path("etc", f"{name}.token"))]
        text = replace_all(text, pairs, "contrib/alertmanager/alertmanager-multihost.yml")
        text = text.replace("/etc/prometheus/homeops-ca.crt", self.state["dirs"]["ca"])
        cfg = os.path.join(d, "alertmanager.yml")
        P.write(cfg, text)
        p, port = P.start_alertmanager(d, cfg)
        self.track("alertmanager", p)
        self.state["ports"]["alertmanager"] = port
        self.save()

    def prometheus_config(self, rules_glob):
        with open(os.path.join(SRC, "contrib", "prometheus", "prometheus.yml")) as f:
            lines = f.read().splitlines()
        out, job = [], None
        ports = self.state["ports"]
        for line in lines:
            m = re.match(r"^\s*- job_name: (\S+)", line)
            if m:
                job = m.group(1)
            if re.match(r"^\s*scrape_interval:", line):
                line = "  scrape_interval: 1s"
            elif re.match(r"^\s*scrape_timeout:", line):
                line = "  scrape_timeout: 1s"
            elif re.match(r"^\s*evaluation_interval:", line):
                line = "  evaluation_interval: 1s"
            elif line.strip().startswith("- /usr/share/homeops/alert-rules/"):
                line = f"  - {rules_glob}"
            elif "targets: ['127.0.0.1:9093']" in line and job is None:
                line = line.replace("9093", str(ports["alertmanager"]))
            elif re.match(r"^\s*- targets: \['127\.0\.0\.1:\d+'\]", line):
                ind = line[:line.index("-")]
                if job == "homeops-receiver":
                    for name in RECEIVERS:
                        out += [f"{ind}- targets: ['127.0.0.1:{ports['receiver-' + name]}']",
                                f"{ind}  labels: {{host: {name}}}"]
                    out += ["    scheme: https", "    tls_config: {ca_file: %s}" % self.state["dirs"]["ca"]]
                    line = "    basic_auth: {username: operator, password_file: %s}" % self.path("etc", "operator.password")
                elif job == "alertmanager":
                    line = f"{ind}- targets: ['127.0.0.1:{ports['alertmanager']}']"
                else:
                    k = [k for k, j in JOBS.items() if j == job][0]
                    line = f"{ind}- targets: ['127.0.0.1:{ports[job]}']"
                    out.append(line)
                    line = f"{ind}  labels: {{host: {HOSTS[k]}}}"
            elif re.match(r"^\s*labels: \{host: nas\}", line):
                continue
            if line is not None:
                out.append(line)
        return "\n".join(out) + "\n"

    def start_prometheus(self):
        d = self.path("prometheus")
        rules = P.shortened_rules(os.path.join(SRC, "alert-rules"), os.path.join(d, "rules"), FOR)
        cfg = os.path.join(d, "prometheus.yml")
        P.write(cfg, self.prometheus_config(os.path.join(d, "rules", "*.rules.yml")))
        p, port = P.start_prometheus(d, cfg, log_level="warn")
        self.track("prometheus", p)
        self.state["ports"]["prometheus"] = port
        self.state["rules"] = len(rules)
        self.save()

    # ---- URLs
    def urls(self):
        p = self.state["ports"]
        u = [("Prometheus alerts", f"http://127.0.0.1:{p['prometheus']}/alerts"),
             ("Alertmanager", f"http://127.0.0.1:{p['alertmanager']}/#/alerts")]
        u += [(f"{job} metrics", f"http://127.0.0.1:{p[job]}/metrics") for job in JOBS.values()]
        with open(self.path("etc", "operator.password")) as f:
            pw = f.read().strip()
        for name in RECEIVERS:
            u.append((f"receiver {name} status page", f"https://operator:{pw}@127.0.0.1:{p['receiver-' + name]}/"))
        u.append(("the receivers' CA (TLS)", self.state["dirs"]["ca"]))
        u.append(("mail (Maildir)", self.path("mail", "new")))
        return u

    # ---- failures
    def docker(self, *args, check=True):
        r = subprocess.run(["docker", "-H", self.state["dirs"]["docker_host"], *args], capture_output=True, text=True,
                           timeout=60)
        if check and r.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)}: {r.stdout}{r.stderr}")
        return r.stdout.strip()

    def signal_named(self, name, sig, tree=False):
        pid = self.pid(name)
        pids = [pid] + (descendants(pid) if tree else [])
        for p in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, sig)

    def break_(self, name):
        """Injects one failure; returns a short description."""
        d = self.state["dirs"]
        if name == "unhealthy":
            self.docker("exec", "web", "touch", "/run/unhealthy")
            return "container web: its health check fails from now on (a restart clears it)"
        if name == "failing-repair":
            P.write(self.path("worker-state", "broken"), "broken on purpose\n")
            return "container worker: its health check fails, and a restart does not help"
        if name == "corrupt":
            return self.corrupt_and_scrub()
        if name == "hang-share":
            self.signal_named("smbd", signal.SIGSTOP, tree=True)
            return f"smbd (the share's server) stopped: {d['share']} hangs"
        if name == "dns-primary":
            self.signal_named("dnsmasq-primary", signal.SIGSTOP)
            return "the primary Pi-hole's DNS does not answer"
        if name == "dns-all":
            self.signal_named("dnsmasq-primary", signal.SIGSTOP)
            self.signal_named("dnsmasq-secondary", signal.SIGSTOP)
            return "no Pi-hole answers DNS"
        raise AssertionError(f"unknown failure {name!r} (one of {', '.join(BREAKS)})")

    def heal(self, name):
        if name == "hang-share":
            self.signal_named("smbd", signal.SIGCONT, tree=True)
        elif name in ("dns-primary", "dns-all"):
            self.signal_named("dnsmasq-primary", signal.SIGCONT)
            self.signal_named("dnsmasq-secondary", signal.SIGCONT)
        elif name == "failing-repair":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path("worker-state", "broken"))
        elif name == "unhealthy":
            self.docker("exec", "web", "rm", "-f", "/run/unhealthy")
        else:
            raise AssertionError(f"nothing to heal for {name!r}")
        return f"{name} healed"

    def corrupt_and_scrub(self):
        """Overwrites 4 KiB inside one data file in place, keeping its size and times (silent corruption), then
        runs a full scrub with a log where snapraid_exporter --snapraid.log-glob reads it."""
        arr = os.path.join(os.path.dirname(self.state["dirs"]["snapraid_conf"]), "mnt", "d2")
        victim = os.path.join(arr, "file_2.bin")
        st = os.stat(victim)
        with open(victim, "r+b") as f:
            f.seek(min(1000, max(0, st.st_size - 4096)))
            f.write(os.urandom(4096))
        os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
        logf = os.path.join(self.state["dirs"]["snapraid_logs"], time.strftime("scrub-%Y%m%d-%H%M%S.log"))
        r = subprocess.run(["snapraid", "-c", self.state["dirs"]["snapraid_conf"], "-l", logf, "scrub", "-p", "100",
                            "-o", "0"], capture_output=True, text=True, timeout=300)
        self.state.setdefault("corrupted", []).append(victim)
        self.save()
        return f"{victim} silently corrupted; scrub exit {r.returncode} (log {logf})"

    # ---- stop
    def stop(self):
        """Stops everything recorded in the state file (this process's or another's), unmounts, removes DIR."""
        if not os.path.exists(self.state_path):
            if self.state["pids"] or self.state["mounts"]:
                self.save()
            else:
                return
        st = self.load()
        byname = {e["name"]: e for e in st["pids"]}
        # the containers go before their engine, the share's users before the share
        dh = st["dirs"].get("docker_host")
        if dh and "dockerd" in byname and pid_alive(byname["dockerd"]["pid"], "dockerd"):
            r = subprocess.run(["docker", "-H", dh, "ps", "-aq"], capture_output=True, text=True, timeout=30)
            ids = r.stdout.split()
            if ids:
                subprocess.run(["docker", "-H", dh, "rm", "-f", *ids], capture_output=True, timeout=120)
        for e in reversed(st["pids"]):
            stop_pid(e["pid"], e["exe"], tree=e.get("tree", False), timeout=20 if e["name"] == "dockerd" else 10)
        for m in reversed(st["mounts"]):
            if m["kind"] == "mount":
                lazy_unmount(m["dir"])
            elif m["kind"] == "snapraid-array":
                subprocess.run(["sh", os.path.join(SRC, "contrib", "demo", "snapraid-array.sh"), "--dir", m["dir"],
                                "--cleanup"], capture_output=True, timeout=120)
        dd = st["dirs"].get("dockerd")
        if dd:
            with open("/proc/self/mountinfo") as f:
                mps = [line.split()[4] for line in f]
            for mp in sorted((m for m in mps if m == dd or m.startswith(dd + "/")), key=len, reverse=True):
                subprocess.run(["umount", "-l", mp], capture_output=True, timeout=20)
        for e in st["pids"]:
            with contextlib.suppress(OSError):
                if e.get("log", "").startswith("/tmp/homeops-"):
                    os.unlink(e["log"])
        self.state = {"pids": [], "mounts": [], "ports": {}, "dirs": {}, "files": []}
        shutil.rmtree(self.dir, ignore_errors=True)


def print_urls(s):
    for what, url in s.urls():
        print(f"  {what:<30} {url}")
    print(f"  state file: {s.state_path}\n  inject a failure: contrib/demo/run-demo.sh --break "
          f"{{{','.join(BREAKS)}}}\n  stop: contrib/demo/run-demo.sh --stop", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=os.environ.get("HOMEOPS_DEMO_DIR", "/var/tmp/homeops-demo"))
    ap.add_argument("--bin-dir", default=os.path.join(SRC, "build", "release"))
    ap.add_argument("--fixtures", default=None)
    ap.add_argument("--detach", action="store_true")
    ap.add_argument("--stop", action="store_true")
    ap.add_argument("--break", dest="brk", metavar="NAME")
    ap.add_argument("--heal", metavar="NAME")
    ap.add_argument("--urls", action="store_true", help="print the URLs of the running stack")
    a = ap.parse_args()
    s = Stack(a.dir, a.bin_dir, a.fixtures)
    if a.stop:
        if not os.path.exists(s.state_path):
            log(f"no stack runs in {a.dir} (no state.json): nothing to stop")
            return 0
        s.stop()
        log(f"stopped; {a.dir} removed")
        return 0
    if (a.urls or a.brk or a.heal) and not os.path.exists(s.state_path):
        log(f"no stack runs in {a.dir}: start it with contrib/demo/run-demo.sh")
        return 1
    if a.urls:
        s.load()
        print_urls(s)
        return 0
    if a.brk or a.heal:
        s.load()
        log(s.break_(a.brk) if a.brk else s.heal(a.heal))
        return 0
    s.start()
    print_urls(s)
    if a.detach:
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("running; Ctrl-C stops everything", flush=True)
    while not stop.wait(1):
        pass
    s.stop()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
