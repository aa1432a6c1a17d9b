"""stack_parts.py: pieces of a monitoring stack shared by the e2e tests, the content tests and contrib/demo/stack.py.

- write(), wait_http_ok(), check_tool(): small helpers every harness repeated;
- start_prometheus() / start_alertmanager(): the real programs on 127.0.0.1 with a free port, a given
  configuration file and their own data directory, waited until /-/ready, stopped by PID (Proc);
- nvme_replay() / smart_replay_args(): smart_exporter replaying the recorded SMART data of the fixtures
  (libatasmart blobs, NVMe health values encoded as replay files, one missing device);
- chromium(): Debian's chromium, headless, as root without a display (--dump-dom, --screenshot);
- shortened_rules(): a copy of the shipped alert rules with every `for:` shortened, for fast loops.
Standard library only (Debian's /usr/bin/python3).
"""
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import time

from homeops_test import Proc, free_port, http

NVME_ROWS = ("scrutiny/smart-nvme-failed.json", "smartctl_exporter/nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0.json",
             "scrutiny/smart-nvme2.json")


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def wait_http_ok(port, path, proc, timeout=60, tls=None):
    """Waits until GET path on 127.0.0.1:port answers 200 (tls: an ssl.SSLContext for HTTPS); fails early
    when proc exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise AssertionError("%s exited early:\n%s" % (proc.name, proc.output()[-4000:]))
        try:
            if http(port, path, timeout=2, tls=tls).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    what = proc.name if proc is not None else "port %d" % port
    raise AssertionError("%s not ready on %s within %ss:\n%s" % (what, path, timeout,
                                                                 proc.output()[-4000:] if proc else ""))


def check_tool(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("%s failed:\n%s%s" % (" ".join(argv), r.stdout, r.stderr))


def alertmanager_binary():
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if not binary:
        raise AssertionError("prometheus-alertmanager is not installed (Debian package prometheus-alertmanager)")
    return binary


def start_alertmanager(d, cfg, name="alertmanager", port=None, log_level="warn", check=True):
    """prometheus-alertmanager (no clustering) with configuration file cfg and data under d/data; returns
    (Proc, port) once /-/ready answers."""
    if check:
        check_tool(["amtool", "check-config", cfg])
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    port = port or free_port()
    p = Proc([alertmanager_binary(), "--config.file=" + cfg, "--storage.path=" + os.path.join(d, "data"),
              "--web.listen-address=127.0.0.1:%d" % port, "--cluster.listen-address=",
              "--web.external-url=http://127.0.0.1:%d/" % port, "--log.level=" + log_level], name=name)
    wait_http_ok(port, "/-/ready", p)
    return p, port


def start_prometheus(d, cfg, name="prometheus", port=None, log_level="info", check=True):
    """prometheus with configuration file cfg, data under d/data, alerts re-sent every second; returns
    (Proc, port) once /-/ready answers."""
    if check:
        check_tool(["promtool", "check", "config", cfg])
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    port = port or free_port()
    p = Proc(["prometheus", "--config.file=" + cfg, "--storage.tsdb.path=" + os.path.join(d, "data"),
              "--web.listen-address=127.0.0.1:%d" % port, "--rules.alert.resend-delay=1s",
              "--storage.tsdb.retention.time=1d", "--log.level=" + log_level], name=name)
    wait_http_ok(port, "/-/ready", p)
    return p, port


def shortened_rules(src_dir, dst_dir, for_="3s"):
    """Copies every *.rules.yml of src_dir to dst_dir with each non-zero `for:` replaced by for_ (the
    promtool unit tests cover the real durations); returns the copied paths."""
    os.makedirs(dst_dir, exist_ok=True)
    out = []
    rx = re.compile(r"^(\s+for:\s*)(\S+)\s*$", re.M)
    for f in sorted(os.listdir(src_dir)):
        if not f.endswith(".rules.yml"):
            continue
        with open(os.path.join(src_dir, f)) as fh:
            text = fh.read()
        text = rx.sub(lambda m: m.group(1) + (m.group(2) if m.group(2) in ("0", "0s", "0m") else for_), text)
        path = os.path.join(dst_dir, f)
        write(path, text)
        out.append(path)
    return out


def nvme_replay(row, serial, wctemp_c):
    """An NVMe replay file (Identify Controller 4096 bytes + SMART / Health log 512 bytes, NVMe base spec
    layout) carrying the recorded values of one nvme-health-summary.tsv row."""
    ident = bytearray(4096)
    ident[4:24] = serial.encode().ljust(20)[:20]
    ident[24:64] = row["model"].encode().ljust(40)[:40]
    ident[64:72] = b"HOMEOPS ".ljust(8)
    if wctemp_c:
        struct.pack_into("<HH", ident, 266, wctemp_c + 273, wctemp_c + 10 + 273)
    log = bytearray(512)
    log[0] = int(row["critical_warning"])
    struct.pack_into("<H", log, 1, int(row["temperature"]) + 273)
    log[3] = int(row["available_spare"])
    log[4] = int(row["available_spare_threshold"])
    log[5] = int(row["percentage_used"])
    for off, key in ((32, "data_units_read"), (48, "data_units_written"), (64, "host_reads"), (80, "host_writes"),
                     (96, "controller_busy_time"), (112, "power_cycles"), (128, "power_on_hours"),
                     (144, "unsafe_shutdowns"), (160, "media_errors"), (176, "num_err_log_entries")):
        log[off:off + 16] = int(row[key]).to_bytes(16, "little")
    struct.pack_into("<II", log, 192, int(row["warning_temp_time"]), int(row["critical_comp_time"]))
    struct.pack_into("<H", log, 200, int(row["temperature"]) + 273)
    return bytes(ident + log)


def smart_replay_args(tmp, fx, missing_device=True):
    """smart_exporter flags replaying every recorded libatasmart blob of the fixtures, three NVMe replay files
    encoded from recorded NVMe health values (one with media errors, one with a critical warning bit) written
    under tmp/smart, and (missing_device) a device that does not exist."""
    d = os.path.join(tmp, "smart")
    os.makedirs(d, exist_ok=True)
    blobs = os.path.join(fx, "smart", "ata-blobs")
    args = ["--smart.discovery=false"]
    if missing_device:
        args.append(f"--smart.device={d}/missing-disk")
    for f in sorted(os.listdir(blobs)):
        if f.endswith((".txt", ".tsv")) or f == "README":
            continue
        args.append(f"--smart.blob={os.path.join(blobs, f)}")
    with open(os.path.join(fx, "smart", "smartctl-json", "nvme-health-summary.tsv")) as f:
        lines = f.read().splitlines()
    header = lines[0].split("\t")
    rows = {r["file"]: r for r in (dict(zip(header, line.split("\t"))) for line in lines[1:])}
    for n, name in enumerate(NVME_ROWS):
        path = os.path.join(d, f"nvme{n}n1")
        with open(path, "wb") as f:
            f.write(nvme_replay(rows[name], f"HOMEOPS-NVME-{n}", 70 if n != 2 else 0))
        args.append(f"--smart.nvme-replay={path}")
    return args


def chromium(tmp, *args, timeout=90):
    exe = shutil.which("chromium")
    if not exe:
        raise AssertionError("chromium is not installed (Debian package chromium, contrib/debian-packages.txt)")
    ud = tempfile.mkdtemp(prefix="chromium-", dir=tmp)
    env = dict(os.environ, HOME=ud, XDG_CONFIG_HOME=ud, XDG_CACHE_HOME=ud)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    # As root in CI there is no display, no D-Bus and a small /dev/shm: --headless needs no display,
    # --no-sandbox is required as root, --disable-dev-shm-usage keeps shared memory in /tmp.
    argv = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-extensions", "--no-default-browser-check", "--user-data-dir=" + ud] + list(args)
    # its own session: on a timeout the whole process group (zygote, renderer...) goes, by its id
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise AssertionError("chromium did not finish within %ss: %s" % (timeout, " ".join(argv)))
    if p.returncode != 0:
        raise AssertionError("chromium failed (%d): %s\n%s" % (p.returncode, " ".join(argv),
                                                              err.decode(errors="replace")[-3000:]))
    return out.decode("utf-8", "replace")
