#!/usr/bin/python3
"""live.py: the shipped rules and dashboards against the real programs' metrics, in a real Prometheus.

Starts, on 127.0.0.1 with free ports and temporary directories:
- snapraid_exporter with a stand-in `snapraid` that replays recorded SnapRAID 12.2 output (status after a
  silent corruption, `snapraid smart` of a seven-disk server) and --snapraid.log-glob over recorded run
  logs (scrub, diff, fix);
- smart_exporter replaying every recorded libatasmart blob, three NVMe replay files encoded from recorded
  NVMe health values (one with media errors, one with a critical warning bit), and a missing device;
- remediation_receiver with a one-playbook config (/bin/true), bearer-token authentication, one webhook
  POSTed to it and a notifier whose endpoint is down, so runs, decisions and notification retries exist;
- prometheus-alertmanager with contrib/alertmanager/alertmanager.yml (only ports, file paths and grouping
  delays changed): an alert posted to it must reach the receiver through the bearer credentials_file;
- cifs_mount_exporter on a procfs tree of recorded mountinfo, Stats and DebugData (kernel 6.16), with an fstab
  naming a share that is absent and one with a file written under its mountpoint;
- pihole_exporter with two targets, both on tests/lib/pihole_standin.py serving the recorded Pi-hole v6 answers
  (stats/summary of a real v6.0.5), each probed through a real dnsmasq on 127.0.0.1: "primary" asks a name
  dnsmasq answers, "secondary" one it refuses (one Pi-hole's DNS failing, the other answering);
- docker_health_exporter on a private dockerd (tests/lib/dockerd.py: its own directories and socket, the
  busybox-static image): a container whose health check passes, one whose health check fails, one that
  exited with code 3 after its restart policy gave up, and one with a bind mount under the cifs scenario's
  absent share (joined with cifs_mount_* by the mountpoint label);
- prometheus scraping the six as homeops-snapraid, homeops-smart, homeops-receiver, homeops-cifs,
  homeops-pihole and homeops-docker, with every alert-rules/*.rules.yml loaded, evaluating every second.
Then checks that each program's /metrics passes `promtool check metrics`, that every metric name referenced
by a rule, a dashboard query or a dashboard variable exists in what Prometheus scraped, that each label named
in a selector exists on that metric, that every rule evaluates without error on the real series (no
many-to-many joins, no duplicate label sets), that each dashboard query runs, that each dashboard variable
has values, that the alerts this data must raise are pending or firing with the expected labels (and others
not), and that the overview's mounts, containers and network rows show this scenario's numbers.
Needs the fixtures (exit 77 without them) and the six binaries (paths from the environment); dnsmasq, dockerd
and busybox-static must be installed (a failure, not a skip: contrib/debian-packages.txt lists them).
"""
import json
import re
import os
import shutil
import subprocess
import sys
import threading
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import content_lib as C  # noqa: E402
from homeops_test import Checks, Proc, free_port, http, promtool_check_metrics, wait_port  # noqa: E402
import stack_parts  # noqa: E402
from stack_parts import smart_replay_args, write  # noqa: E402

check = Checks()
BINARIES = ("SNAPRAID_EXPORTER", "SMART_EXPORTER", "REMEDIATION_RECEIVER", "CIFS_MOUNT_EXPORTER", "PIHOLE_EXPORTER",
            "DOCKER_HEALTH_EXPORTER")
# Dashboard panels whose queries return no data in this scenario, with the reason. Any other empty
# query fails the test (a typo in a label, a metric that was renamed), and so does an entry here
# whose panel has data (the list must not go stale). Key: (dashboard file, panel title).
# Queries over a window of a counter (rate, increase...) may be empty too: they need two samples of a
# counter that changed, and the scenario lasts seconds; whether they have data depends on timing.
_WINDOWED = re.compile(r"\b(rate|irate|increase|delta|idelta|deriv)\(")
# Tables of firing alerts (ALERTS{alertstate="firing", ...}) are empty too: the rules' for: durations
# (minutes) have not elapsed, the alerts are pending.
_FIRING = re.compile(r'^\s*ALERTS\{alertstate="firing"')
EXPECTED_EMPTY = {
    ("homeops-overview.json", "Parity age"): "the replayed logs hold a scrub, a diff and a fix but no sync",
    ("homeops-snapraid.json", "Parity age (last sync started)"): "the replayed logs hold no sync",
    ("homeops-snapraid.json", "Last sync"): "the replayed logs hold no sync",
}


def expected_empty_key(where):
    """'homeops-x.json: panel 4 'Title' A' -> ('homeops-x.json', 'Title')."""
    m = re.match(r"^(\S+): panel \d+ '(.*)' \S+$", where)
    return (m.group(1), m.group(2)) if m else (where, "")


def expected_empty_reason(where, expr):
    reason = EXPECTED_EMPTY.get(expected_empty_key(where))
    if reason is None and _WINDOWED.search(expr):
        reason = "a window over a counter: needs two samples of a change, the scenario lasts seconds"
    if reason is None and _FIRING.match(expr):
        reason = "firing alerts only: the rules' for: durations (minutes) have not elapsed, alerts are pending here"
    return reason


def setup_snapraid(tmp, fx):
    d = os.path.join(tmp, "snapraid")
    logs = os.path.join(d, "logs")
    os.makedirs(logs)
    real = os.path.join(fx, "snapraid", "real-snapraid-12.2")
    smart = os.path.join(fx, "snapraid", "gaarek-server-status", "smart.2021-03-05.txt")
    for f in ("scrub_corrupted.log", "diff_changes_logfile.log", "fix.log"):
        shutil.copy(os.path.join(real, f), logs)
    # snapraid's arguments: -c CONF -l LOG COMMAND; the recorded log goes to LOG, the text to stdout
    write(os.path.join(d, "snapraid"), f"""#!/bin/sh
log=; cmd=
while [ $# -gt 0 ]; do
  case $1 in -l) log=$2; shift 2 ;; -c) shift 2 ;; *) cmd=$1; shift ;; esac
done
case $cmd in
status) cat '{real}/status_after_corruption.log' >"$log"; cat '{real}/status_after_corruption.txt' ;;
smart) cat '{smart}' ;;
*) echo "stand-in: unexpected command $cmd" >&2; exit 1 ;;
esac
""", 0o755)
    write(os.path.join(d, "snapraid.conf"),
          f"parity {d}/parity/snapraid.parity\ncontent {d}/snapraid.content\ndata d1 {d}/d1/\n")
    return [f"--snapraid.path={d}/snapraid", f"--snapraid.config={d}/snapraid.conf", "--snapraid.smart",
            f"--snapraid.log-glob={logs}/*.log"]


def setup_smart(tmp, fx):
    return smart_replay_args(tmp, fx)


def setup_cifs(tmp, fx):
    """cifs_mount_exporter on a procfs tree: the recorded libmount mountinfo (autofs points, a cifs mount
    whose mountpoint does not exist here) plus one cifs line on a real directory (probed: answers), the
    recorded kernel 6.16 Stats and DebugData, and an fstab with a share that is absent and one absent with
    a file written under its mountpoint."""
    d = os.path.join(tmp, "cifs")
    proc = os.path.join(d, "proc")
    os.makedirs(os.path.join(proc, "1"))
    os.makedirs(os.path.join(proc, "fs", "cifs"))
    k = os.path.join(fx, "cifs", "pcp-qa", "kernel-6.16.7")
    for name in ("Stats", "DebugData"):
        shutil.copy(os.path.join(k, name), os.path.join(proc, "fs", "cifs", name))
    media, photos = os.path.join(d, "media"), os.path.join(d, "photos")
    os.makedirs(media)
    os.makedirs(photos)
    write(os.path.join(photos, "written-while-unmounted.jpg"), "x")
    with open(os.path.join(fx, "cifs", "mountinfo", "util-linux-libmount-tests-mountinfo.mountinfo")) as f:
        recorded = f.read()
    write(os.path.join(proc, "1", "mountinfo"),
          recorded + f"90 20 0:90 / {media} rw,relatime - cifs //nas/media rw,vers=3.1.1,addr=127.0.0.1\n")
    write(os.path.join(d, "fstab"), f"//nas/media {media} cifs credentials=/etc/homeops/smb 0 0\n"
          f"//nas/photos {photos} cifs defaults 0 0\n"
          f"//nas/docs {d}/docs-not-here cifs defaults 0 0\n"
          "//nas/security /sys/kernel/security smb3 x-systemd.automount 0 0\n")
    return [f"--path.procfs={proc}", f"--cifs.fstab={d}/fstab", "--cifs.interval=1s", "--cifs.probe-timeout=1s"]


def setup_pihole(tmp, fx, cleanup):
    """pihole_exporter with two targets on the Pi-hole stand-in (recorded v6 answers, session rules) and a real
    dnsmasq for their DNS probes: "primary" asks probe.test (answered), "secondary" other.example (REFUSED:
    dnsmasq has no upstream). One Pi-hole failing DNS while the other answers: PiholeDnsFailing, not
    PiholeAllDnsDown."""
    from pihole_standin import Standin
    d = os.path.join(tmp, "pihole")
    os.makedirs(d)
    from dnsmasq import start_dnsmasq
    dm, dport = start_dnsmasq(d)
    cleanup.append(dm)
    standin = Standin(fx, mode="v6", password="pw")
    cleanup.append(standin)
    write(os.path.join(d, "password"), "pw\n", 0o600)
    targets = []
    for name, probe in (("primary", "probe.test"), ("secondary", "other.example")):
        targets += [f"  - name: {name}", f"    url: http://127.0.0.1:{standin.port}",
                    f"    password_file: {d}/password", f"    dns_probe: {probe}",
                    f"    dns_server: 127.0.0.1:{dport}", "    timeout: 2s", "    top_count: 5"]
    write(os.path.join(d, "pihole.yml"), "targets:\n" + "\n".join(targets) + "\n")
    return [f"--config.file={d}/pihole.yml", "--pihole.interval=1s"]


def setup_docker(tmp, cleanup):
    """docker_health_exporter on a private dockerd (tests/lib/dockerd.py) with four busybox containers:
    "healthy" (its health check passes), "unhealthy" (its health check fails), "failed" (exits 3; its
    restart policy, on-failure:1, gives up after one restart) and "share-user" (running, with a bind mount
    under the cifs scenario's //nas/photos mountpoint, expected in the fstab and not mounted)."""
    import dockerd
    missing = dockerd.missing_tools()
    if missing:
        raise AssertionError(f"a Docker engine cannot run here: missing {', '.join(missing)} "
                             "(Debian packages docker.io, busybox-static)")
    eng = dockerd.Dockerd(prefix="homeops-content-dockerd.")
    cleanup.append(eng)
    eng.start()
    img = eng.build_busybox_image()
    photos = os.path.join(tmp, "cifs", "photos")
    runs = [("healthy", "--health-cmd", "true", "--health-interval", "1s", img, "sleep", "600"),
            ("unhealthy", "--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1", img, "sleep", "600"),
            ("failed", "--restart", "on-failure:1", img, "sh", "-c", "exit 3"),
            ("share-user", "-v", f"{photos}:/data:ro", img, "sleep", "600")]
    eng.run_all(runs, timeout=60)
    wait_docker_settled(eng)
    return [f"--docker.host={eng.host}", f"--docker.fstab={tmp}/cifs/fstab", "--docker.interval=1s",
            "--docker.timeout=5s"]


def setup_docker_into(tmp, cleanup, out):
    """setup_docker() in a thread: out["args"] (and out["ready"], seconds), or out["error"]."""
    t0 = time.monotonic()
    try:
        out["args"] = setup_docker(tmp, cleanup)
        out["ready"] = time.monotonic() - t0
    except Exception as e:  # noqa: BLE001  (reported by the main thread)
        out["error"] = f"{type(e).__name__}: {e}"


def wait_docker_settled(eng, timeout=20.0):
    """Waits until the four containers are in the scenario's states (health checks take a second or two)."""
    want = {"healthy": "running 0 healthy", "unhealthy": "running 0 unhealthy", "failed": "exited 3",
            "share-user": "running 0"}
    got = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = {n: eng.docker("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}"
                             "{{if .State.Health}} {{.State.Health.Status}}{{end}}", n).stdout.strip() for n in want}
        if got == want:
            return
        time.sleep(0.3)
    raise AssertionError(f"containers not in the scenario's states: {got}\n{eng.log_tail()}")


TOKEN = "content-test-token-0123456789"


def setup_receiver(tmp):
    d = os.path.join(tmp, "receiver")
    os.makedirs(d)
    write(os.path.join(d, "receiver.token"), TOKEN + "\n", 0o600)
    down = free_port()       # nothing listens there: the notifier keeps failing and retrying
    write(os.path.join(d, "receiver.yml"), f"""
receivers:
  - name: alertmanager
    path: /webhook
    bearer_token_file: {d}/receiver.token
playbooks:
  noop:
    command: ["/bin/true"]
    timeout: 10s
notifiers:
  hook:
    webhook: {{url: "http://127.0.0.1:{down}/hook"}}
routes:
  - matchers: ['alertname=~"Snapraid.+"']
    playbook: noop
    notify: [hook]
""")
    return [f"--config.file={d}/receiver.yml", f"--storage.path={d}/store", "--notify.backoff=1s"]


WEBHOOK = {
    "version": "4", "groupKey": "{}:{alertname=\"SnapraidSyncOverdue\"}", "truncatedAlerts": 0, "status": "firing",
    "receiver": "homeops", "groupLabels": {"alertname": "SnapraidSyncOverdue"},
    "commonLabels": {"alertname": "SnapraidSyncOverdue", "severity": "warning"}, "commonAnnotations": {},
    "externalURL": "http://127.0.0.1:9093",
    "alerts": [{"status": "firing", "labels": {"alertname": "SnapraidSyncOverdue", "severity": "warning",
                                               "instance": "nas:9761", "job": "homeops-snapraid", "command": "sync"},
                "annotations": {"summary": "SnapRAID parity on nas:9761 is 2d 1h 0m 0s old"},
                "startsAt": "2024-05-01T03:30:00Z", "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://127.0.0.1:9090/graph", "fingerprint": "4f6c1a2b3c4d5e6f"}],
}


def start_alertmanager(tmp, receiver_port):
    """prometheus-alertmanager with contrib/alertmanager/alertmanager.yml, changed only where it names this
    machine: the receiver's port, the token file, the SMTP password file, and 1s grouping delays."""
    d = os.path.join(tmp, "alertmanager")
    os.makedirs(d)
    cfg = C.load_yaml(os.path.join(C.SRC, "contrib", "alertmanager", "alertmanager.yml"))
    cfg["global"]["smtp_auth_password_file"] = os.path.join(d, "smtp.password")
    write(os.path.join(d, "smtp.password"), "unused\n", 0o600)
    cfg["route"]["group_wait"] = "1s"
    cfg["route"]["group_interval"] = "1s"
    hooks = [w for r in cfg["receivers"] for w in r.get("webhook_configs", [])]
    for w in hooks:
        w["url"] = w["url"].replace("127.0.0.1:9766", f"127.0.0.1:{receiver_port}")
        w["http_config"]["authorization"]["credentials_file"] = os.path.join(tmp, "receiver", "receiver.token")
    path = os.path.join(d, "alertmanager.yml")
    write(path, json.dumps(cfg))
    return stack_parts.start_alertmanager(d, path)


def receiver_metric(port, name, labels):
    from homeops_test import metric_value
    r = http(port, "/metrics")
    return metric_value(r.text(), name, labels) or 0


def wait_ready(port, what, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if http(port, "/-/ready", timeout=2).status == 200:
                return
        except OSError:
            pass
        if not proc.alive():
            break
        time.sleep(0.1)
    raise AssertionError(f"{what} not ready on port {port}:\n{proc.output()}")


# What the overview's mounts, containers and network rows must show on this scenario: panel title ->
# the value, or {hostname: value} for per-Pi-hole panels.
OVERVIEW_VALUES = {
    "Expected mounts": 4,        # fstab: media (mounted), photos (file underneath), docs (absent), security (automount)
    "Mounted": 1,                # media
    "Missing": 2,                # docs and photos (security: automount armed)
    "Not responding": 1,         # the recorded /mnt/sounds, whose directory does not exist here
    "Stuck": 0,
    "Written underneath": 1,     # photos/written-while-unmounted.jpg
    "Running": 3,                # healthy, unhealthy, share-user
    "Unhealthy": 1,
    "OOM-killed": 0,
    "Exited non-zero": 1,        # failed (exit 3)
    "DNS probe": {"primary": 1, "secondary": 0},
    "Any Pi-hole answering": 1,
    "Pi-hole API": {"primary": 1, "secondary": 1},
    "Blocking": {"primary": 1, "secondary": 1},   # v6 spec example: "enabled"
}


def check_overview(prom):
    """The overview's new rows count what the scenario has (not only 'has data': most end in 'or vector(0)')."""
    with open(os.path.join(C.DASHBOARDS_DIR, "homeops-overview.json"), encoding="utf-8") as f:
        panels = {p["title"]: p for p in C.dashboard_panels(json.load(f))}
    for title, want in OVERVIEW_VALUES.items():
        expr = panels[title]["targets"][0]["expr"]
        _, body = prom.query(expr)
        res = body.get("data", {}).get("result", [])
        if isinstance(want, dict):
            got = {r["metric"].get("hostname"): float(r["value"][1]) for r in res}
        else:
            got = float(res[0]["value"][1]) if len(res) == 1 else [r["value"][1] for r in res]
        check(f"overview '{title}' shows {want}", got == want, f"{got}\n{expr}")


def main():
    fx = os.environ.get("HOMEOPS_FIXTURES", "")
    if not fx or not os.path.isdir(fx):
        C.log(f"SKIP: fixtures directory {fx!r} is absent (HOMEOPS_FIXTURES)")
        return 77
    bins = {k: os.environ.get(k, "") for k in BINARIES}
    missing = [k for k, v in bins.items() if not (v and os.access(v, os.X_OK))]
    if missing:
        C.log(f"SKIP: not built in this configuration: {', '.join(missing)}")
        return 77
    tmp = tempfile.mkdtemp(prefix="homeops-content-live-")
    t0 = time.monotonic()
    procs = []
    services = []     # dnsmasq, the Pi-hole stand-in, dockerd: closed after the exporters, in reverse order
    prom = None
    docker = {}
    # dockerd, its image and containers take seconds: they come up while the others start and collect
    docker_thread = threading.Thread(target=setup_docker_into, args=(tmp, services, docker), daemon=True)
    try:
        ports = {}
        setup_cifs_args = setup_cifs(tmp, fx)    # before the containers: one binds under its mountpoint
        docker_thread.start()

        def start(key, job, extra):
            port = free_port()
            p = Proc([bins[key], f"--web.listen-address=127.0.0.1:{port}", *extra], name=job)
            procs.append(p)
            return job, port, p

        def wait_started(started):
            for job, port, p in started:
                if not wait_port(port, 30):
                    raise AssertionError(f"{job} does not listen on {port}:\n{p.output()}")
                wait_ready(port, job, p)
                ports[job] = port

        # all of them start (and collect) at the same time
        wait_started([start("SNAPRAID_EXPORTER", "homeops-snapraid", setup_snapraid(tmp, fx)),
                      start("SMART_EXPORTER", "homeops-smart", setup_smart(tmp, fx)),
                      start("REMEDIATION_RECEIVER", "homeops-receiver", setup_receiver(tmp)),
                      start("CIFS_MOUNT_EXPORTER", "homeops-cifs", setup_cifs_args),
                      start("PIHOLE_EXPORTER", "homeops-pihole", setup_pihole(tmp, fx, services))])
        rport = ports["homeops-receiver"]
        r = http(rport, "/webhook", method="POST", body=json.dumps(WEBHOOK).encode(),
                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
        check("the receiver accepts a webhook with the bearer token", r.status == 200, r.body)
        r = http(rport, "/webhook", method="POST", body=json.dumps(WEBHOOK).encode(),
                 headers={"Content-Type": "application/json"})
        check("the receiver refuses a webhook without it (401)", r.status == 401, r.status)

        # contrib/alertmanager/alertmanager.yml delivers to the receiver with its credentials_file
        am, am_port = start_alertmanager(tmp, rport)
        procs.append(am)
        alert = [{"labels": {"alertname": "SnapraidSyncOverdue", "severity": "warning", "job": "homeops-snapraid",
                             "instance": "am-test:9761", "command": "sync"},
                  "annotations": {"summary": "sent through alertmanager.yml"}}]
        r = http(am_port, "/api/v2/alerts", method="POST", body=json.dumps(alert).encode(),
                 headers={"Content-Type": "application/json"})
        check("Alertmanager accepts an alert", r.status == 200, r.body)
        deadline = time.monotonic() + 30
        while receiver_metric(rport, "remediation_webhooks_received_total", {"code": "200"}) < 2:
            if time.monotonic() > deadline:
                break
            time.sleep(0.3)
        check("Alertmanager, configured by contrib/alertmanager/alertmanager.yml, delivered it to the receiver "
              "with the bearer token", receiver_metric(rport, "remediation_webhooks_received_total", {"code": "200"}) >= 2,
              am.output())

        docker_thread.join(120)
        if "args" not in docker:
            raise AssertionError(f"the Docker engine's scenario did not come up: {docker.get('error', 'timeout')}")
        C.log(f"live: dockerd and its containers ready after {docker['ready']:.1f} s")
        wait_started([start("DOCKER_HEALTH_EXPORTER", "homeops-docker", docker["args"])])

        # every program's exposition on this scenario (all of them at once: several Pi-holes, containers,
        # mounts in every state) passes promtool's lint
        for job, port in sorted(ports.items()):
            try:
                promtool_check_metrics(http(port, "/metrics").text())
                ok, why = True, ""
            except AssertionError as e:
                ok, why = False, str(e)
            check(f"{job}: promtool check metrics on this scenario", ok, why)

        prom = C.Prometheus(C.prometheus_config(C.rule_files(), sorted(ports.items())))
        deadline = time.monotonic() + 60
        while True:
            _, body = prom.query('count(up{job=~"homeops-.+"} == 1)')
            res = body.get("data", {}).get("result", [])
            _, runs = prom.query('remediation_runs_total{result="succeeded"}')
            _, retry = prom.query('remediation_notifications_total{result="retry"}')
            if (res and res[0]["value"][1] == str(len(ports)) and runs.get("data", {}).get("result") and
                    retry.get("data", {}).get("result")):
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"targets not all up, or no run/retry yet: {body} {runs} {retry}")
            time.sleep(0.3)

        # ---- metric names and selector labels
        _, body = prom.get("label/__name__/values")
        names = set(body["data"])
        refs = []        # (where, metric, labels)
        for where, expr in C.rule_exprs():
            refs += [(where, m, labels) for m, labels in C.metric_names(expr).items()]
        variables = []
        for path in C.dashboard_files():
            for where, expr, label in C.dashboard_exprs(path):
                refs += [(where, m, labels) for m, labels in C.metric_names(expr).items()]
                if label:
                    variables.append((where, expr, label))
        label_cache = {}
        used = set()
        for where, metric, labels in refs:
            used.add(metric)
            present = metric in names
            check(f"{where}: metric {metric} exists", present or metric in ("ALERTS", "ALERTS_FOR_STATE"),
                  f"not among the {len(names)} names scraped from the real programs")
            if not present or not labels:
                continue
            if metric not in label_cache:
                _, s = prom.get("series", **{"match[]": metric})
                label_cache[metric] = {k for series in s["data"] for k in series}
            for lbl in sorted(labels):
                check(f"{where}: {metric} has label {lbl}", lbl in label_cache[metric], sorted(label_cache[metric]))

        # ---- alerts this data must raise (pending or firing: every rule has a for:)
        def raised(alertname, labels):
            return any(lbl.get("alertname") == alertname and all(lbl.get(k) == v for k, v in labels.items())
                       for lbl, _ in active)
        expected = [
            ("SnapraidArrayErrors", {}),                                    # status after a silent corruption
            ("SnapraidRunErrors", {"command": "scrub", "kind": "data"}),    # the scrub that found it
            ("SnapraidScrubFailed", {"command": "scrub"}),
            ("SnapraidDiskFailureProbabilityHigh", {"disk": "d2", "serial": "WD-WCAZA4781250"}),   # FP 100%
            ("SmartDiskFailing", {"device": "Maxtor_96147H8--BAC51KJ0--2", "model": "Maxtor 96147H8"}),
            ("SmartAttributeFailingNow", {"device": "Maxtor_96147H8--BAC51KJ0--2", "name": "spin-retry-count"}),
            ("SmartDeviceUnreadable", {"device": "missing-disk"}),
            ("SmartNvmeCriticalWarning", {"device": "nvme1n1", "flag": "volatile_memory_backup",
                                          "serial": "HOMEOPS-NVME-1"}),
            ("CifsDataUnderMountpoint", {"job": "homeops-cifs"}),             # a file under an unmounted share
            ("CifsMountMissing", {"share": "//nas/docs"}),                   # expected, absent, nothing underneath
            ("CifsMountUnresponsive", {"mountpoint": "/mnt/sounds"}),        # recorded mount, no such directory here
            ("PiholeDnsFailing", {"hostname": "secondary"}),                 # dnsmasq refuses its probe name
            ("PiholeGravityStale", {"hostname": "primary"}),                 # the recorded v6.0.5: March 2025
            ("PiholeGravityStale", {"hostname": "secondary"}),
            ("DockerContainerUnhealthy", {"name": "unhealthy"}),
            ("DockerContainerExitedNonZero", {"name": "failed"}),            # exit 3, restart policy gave up
            ("DockerContainerOnMissingMount", {"name": "share-user"}),       # bound under //nas/photos, absent
        ]
        defined = {r["alert"] for _, _, r in C.alert_rules()}
        for name, _ in expected:
            check(f"{name} is defined by a shipped rule", name in defined)
        deadline = time.monotonic() + 20   # rules evaluate every second once the data is there
        while True:
            _, body = prom.get("alerts")
            active = [(a["labels"], a["state"]) for a in body["data"]["alerts"]]
            if all(raised(n, lb) for n, lb in expected) or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        for name, labels in expected:
            check(f"{name} {labels} is pending or firing on the real data", raised(name, labels),
                  "\n".join(str(a) for a in active))
        not_expected = [("SmartDiskFailing", {"device": "nvme1n1"}),          # NVMe: the critical warning alert
                        ("SnapraidDiskFailureProbabilityHigh", {"disk": "d1"}),  # FP 5%
                        ("HomeopsCollectionFailing", {}), ("HomeopsTargetDown", {}), ("SnapraidSyncFailed", {}),
                        ("CifsMountMissing", {"share": "//nas/photos"}),      # data underneath: the other alert's
                        ("CifsMountMissing", {"mountpoint": "/sys/kernel/security"}),   # automount armed
                        ("CifsMountUnresponsive", {"share": "//nas/media"}), ("CifsMountStuck", {}),
                        ("CifsExporterDown", {}),
                        ("PiholeDnsFailing", {"hostname": "primary"}), ("PiholeAllDnsDown", {}),   # one still answers
                        ("PiholeDown", {}), ("PiholeLoginFailing", {}), ("PiholeExporterDown", {}),
                        ("PiholeBlockingDisabled", {}),
                        ("DockerContainerUnhealthy", {"name": "healthy"}), ("DockerContainerExitedNonZero", {"name": "unhealthy"}),
                        ("DockerContainerOnMissingMount", {"name": "healthy"}), ("DockerDaemonDown", {}),
                        ("DockerExporterDown", {}), ("DockerContainerOomKilled", {}), ("DockerContainerRestartLoop", {}),
                        ("HomeopsCollectionStale", {}), ("HomeopsCollectErrorsRising", {}), ("HomeopsTargetMissing", {})]
        not_expected = [(n, lb) for n, lb in not_expected if n in defined]
        for name, labels in not_expected:
            check(f"{name} {labels} is not raised on the real data", not raised(name, labels),
                  "\n".join(str(a) for a in active))

        # ---- rules on the real data
        _, body = prom.get("rules")
        rules = [r for g in body["data"]["groups"] for r in g["rules"]]
        check("every shipped rule is loaded", len(rules) == len(C.rule_exprs()), len(rules))
        for r in rules:
            check(f"rule {r['name']} ({r['labels'].get('severity')}) evaluates on the real series",
                  r["health"] == "ok", f"{r['health']}: {r.get('lastError')}")

        # ---- dashboards: every query runs, every variable has values
        empty = []
        exprs = {}
        n_queries = 0
        for path in C.dashboard_files():
            for where, expr, label in C.dashboard_exprs(path):
                n_queries += 1
                status, body = prom.query(expr)
                check(f"{where}: runs on the real series", status == 200 and body.get("status") == "success",
                      f"HTTP {status}: {body.get('error')}\n{expr}")
                if not body.get("data", {}).get("result"):
                    empty.append(where)
                    exprs[where] = expr
        for where, expr, label in variables:
            _, body = prom.query(f"count by ({label}) ({expr})")
            values = [r["metric"].get(label) for r in body["data"]["result"]]
            check(f"{where}: label_values(..., {label}) has values", any(values), f"{expr}: {values}")
        check_overview(prom)
        C.log(f"live: {len(used)} metric names referenced, all scraped from the real programs; "
              f"{len(rules)} rules healthy; {len(active)} alerts pending or firing; {n_queries} dashboard "
              f"queries ran, {len(empty)} with no data in this scenario:")
        for where in empty:
            C.log(f"  no data: {where}: {expected_empty_reason(where, exprs[where])}")
        unexplained = [w for w in empty if expected_empty_reason(w, exprs[w]) is None]
        check("every dashboard query returns data here, or is listed in EXPECTED_EMPTY with the reason",
              not unexplained, "\n".join(unexplained))
        stale = [k for k in EXPECTED_EMPTY if not any(expected_empty_key(w) == k for w in empty)]
        check("EXPECTED_EMPTY lists only panels that are empty here (no stale entries)", not stale,
              "\n".join(f"{f}: {t}" for f, t in stale))
        C.log(f"live: {check.n} checks passed")
        return 0
    finally:
        if prom:
            prom.close()
        for p in procs:
            p.close()
        if docker_thread.ident:
            docker_thread.join(120)      # it may still add dockerd to services
        for svc in reversed(services):
            svc.close()
        shutil.rmtree(tmp, ignore_errors=True)
        C.log(f"live: {time.monotonic() - t0:.1f} s in all")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        C.fail(str(e))
