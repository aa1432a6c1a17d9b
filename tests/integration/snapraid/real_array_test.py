#!/usr/bin/python3
"""real_array_test.py: snapraid_exporter against the real snapraid on a real (loop-mounted) array.

contrib/demo/snapraid-array.sh builds three ext4 data disks and a parity disk in a temporary
directory and syncs. The test then runs a logged sync, starts the exporter on 127.0.0.1 (port
chosen by the kernel) with a 1 s interval and checks /metrics over HTTP; flips bytes of a data
file (size and mtime kept) and runs `scrub -p full` -> snapraid_array_errors 1 and the failed
scrub in the run logs; holds the lock (flock on the content file's .lock) -> snapraid_busy 1 with
the previous values and their timestamp still served and snapraid_up 1; releases it -> fresh
status. promtool check metrics on the real output. The exporter is stopped by PID and every mount
is removed in a finally. Needs root (loop mounts); exits 77 (skipped) otherwise.
"""
import argparse
import fcntl
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", "."), "tests", "lib"))
from homeops_test import Checks, http, memory_kib, metric_value, promtool_check_metrics, skip, start_exporter, wait_metric  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--binary", required=True)
ap.add_argument("--array-script", required=True)
args = ap.parse_args()
check = Checks()


if os.geteuid() != 0:
    skip("needs root to loop-mount the array's disks")
for tool in ("snapraid", "mkfs.ext4", "losetup", "mount", "promtool"):
    if not shutil.which(tool):
        skip(f"'{tool}' is not installed")


def snapraid(conf, *a, ok=(0,)):
    r = subprocess.run(["snapraid", "-c", conf, *a], capture_output=True, timeout=120)
    if r.returncode not in ok:
        raise AssertionError(f"snapraid {' '.join(a)}: exit {r.returncode}\n{r.stdout.decode()}{r.stderr.decode()}")
    return r


def corrupt(path):
    """Silent corruption: flip 64 bytes in place, keep the size and the timestamps."""
    st = os.stat(path)
    with open(path, "r+b") as f:
        data = bytearray(f.read(64))
        f.seek(0)
        f.write(bytes(b ^ 0xFF for b in data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    st2 = os.stat(path)
    check("corruption keeps size and mtime", st2.st_size == st.st_size and st2.st_mtime_ns == st.st_mtime_ns)


tmp = tempfile.mkdtemp(prefix="homeops-snapraid-it.")
array = os.path.join(tmp, "array")
logs = os.path.join(tmp, "logs")
os.makedirs(logs)
exporter = None
lock_fd = None
try:
    r = subprocess.run([args.array_script, "--dir", array], capture_output=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"snapraid-array.sh failed ({r.returncode}):\n{r.stderr.decode()}")
    conf = r.stdout.decode().strip().splitlines()[-1]
    check("snapraid-array.sh prints the config path", os.path.isfile(conf), conf)
    r2 = subprocess.run([args.array_script, "--dir", array], capture_output=True, timeout=60)
    check("snapraid-array.sh is idempotent", r2.returncode == 0 and r2.stdout.decode().strip() == conf, r2)

    # a scheduled-style sync with a %D-%T log name, as the shipped systemd unit writes it
    snapraid(conf, "-l", os.path.join(logs, "sync-%D-%T.log"), "sync")
    check("sync log written with %D-%T expanded",
          any(re.match(r"^sync-\d{8}-\d{6}\.log$", n) for n in os.listdir(logs)), os.listdir(logs))

    exporter, port = start_exporter(
        args.binary, f"--snapraid.config={conf}", "--snapraid.interval=1s", "--snapraid.timeout=30s",
        f"--snapraid.log-glob={logs}/*.log", env=dict(os.environ, TMPDIR=tmp))
    _, text = wait_metric(port, r"^snapraid_array_files ")
    check("snapraid_up 1", metric_value(text, "snapraid_up") == 1, text)
    status_duration = metric_value(text, "snapraid_collect_duration_seconds")
    check("snapraid_busy 0", metric_value(text, "snapraid_busy") == 0)
    check("15 files in the array", metric_value(text, "snapraid_array_files") == 15, text)
    for d in ("d1", "d2", "d3"):
        check(f"5 files on {d}", metric_value(text, "snapraid_disk_files", {"disk": d}) == 5)
        check(f"{d} has free space", metric_value(text, "snapraid_disk_free_bytes", {"disk": d}) > 0)
    used = sum(os.path.getsize(os.path.join(root, f)) for d in ("d1", "d2", "d3")
               for root, _, files in os.walk(os.path.join(array, "mnt", d))
               for f in files if f != "snapraid.content" and "lost+found" not in root)
    check("array used bytes = size of the files", metric_value(text, "snapraid_array_used_bytes") == used,
          (used, metric_value(text, "snapraid_array_used_bytes")))
    check("no errors", metric_value(text, "snapraid_array_errors") == 0)
    check("fully synced", metric_value(text, "snapraid_sync_in_progress") == 0 and
          metric_value(text, "snapraid_sync_progress_ratio") == 1 and metric_value(text, "snapraid_unsynced") == 0)
    check("parity size from the log", metric_value(text, "snapraid_parity_size_bytes", {"parity": "parity"}) > 0)
    age = metric_value(text, "snapraid_scrub_newest_block_age_seconds")
    check("scrub ages in seconds (synced moments ago)", age is not None and 0 <= age < 600, age)
    check("unscrubbed after the first sync", metric_value(text, "snapraid_unscrubbed_ratio") == 1)
    ts = metric_value(text, "snapraid_status_timestamp_seconds")
    check("status timestamp is recent", abs(ts - time.time()) < 60, ts)
    check("last sync from the log glob succeeded",
          metric_value(text, "snapraid_last_run_success", {"command": "sync"}) == 1, text)
    promtool_check_metrics(text)
    check("promtool check metrics: no findings on the real output", True)
    check("no temporary log left behind",
          not [n for n in os.listdir(tmp) if n.startswith("snapraid_exporter.")], os.listdir(tmp))

    # silent corruption found by a full scrub
    corrupt(os.path.join(array, "mnt", "d2", "file_2.bin"))
    r = snapraid(conf, "-l", os.path.join(logs, "scrub-%D-%T.log"), "-p", "full", "scrub", ok=(1,))
    check("scrub -p full exits 1 on the corrupted block", r.returncode == 1)
    _, text = wait_metric(port, r"^snapraid_array_errors 1$")
    check("snapraid_array_errors 1 after the scrub", True)
    _, text = wait_metric(port, r'^snapraid_last_run_success\{command="scrub"\} 0$')
    check("the failed scrub is in the run metrics", metric_value(
        text, "snapraid_last_run_errors", {"command": "scrub", "kind": "data"}) == 1, text)
    check("snapraid_up stays 1 (errors in the array are values, not a failed collection)",
          metric_value(text, "snapraid_up") == 1)

    # another snapraid holds the lock: busy, previous values and their timestamp served
    content_lock = os.path.join(array, "content", "snapraid.content.lock")
    before_ts = metric_value(text, "snapraid_status_timestamp_seconds")
    lock_fd = os.open(content_lock, os.O_WRONLY | os.O_CREAT, 0o600)
    fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    locked_at = time.time()
    r = snapraid(conf, "status", ok=(1,))
    check("snapraid itself refuses while locked", b"already in use" in r.stdout + r.stderr)
    _, text = wait_metric(port, r"^snapraid_busy 1$")
    time.sleep(2.5)  # a few collections while busy
    _, text = wait_metric(port, r"^snapraid_busy 1$")
    check("snapraid_up 1 while busy", metric_value(text, "snapraid_up") == 1, text)
    check("previous values still served", metric_value(text, "snapraid_array_errors") == 1 and
          metric_value(text, "snapraid_array_files") == 15, text)
    busy_ts = metric_value(text, "snapraid_status_timestamp_seconds")
    check("status timestamp stays that of the last successful status",
          busy_ts <= locked_at + 1 and busy_ts >= before_ts - 1, (before_ts, busy_ts, locked_at))
    check("collections go on while busy",
          metric_value(text, "snapraid_last_collect_timestamp_seconds") > locked_at + 1)
    promtool_check_metrics(text)
    check("promtool check metrics: no findings while busy", True)
    uss, rss = memory_kib(exporter.pid)
    print(f"measure: exporter (this build, sanitizers if enabled) USS {uss} KiB, RSS {rss} KiB; "
          f"collection with snapraid status {status_duration:.3f} s, while busy "
          f"{metric_value(text, 'snapraid_collect_duration_seconds'):.3f} s")

    fcntl.flock(lock_fd, fcntl.LOCK_UN)
    os.close(lock_fd)
    lock_fd = None
    _, text = wait_metric(port, r"^snapraid_busy 0$")
    check("fresh status after the lock is released",
          metric_value(text, "snapraid_status_timestamp_seconds") >= locked_at - 1)

    rc = exporter.stop()
    check("exporter stops on SIGTERM with status 0", rc == 0, exporter.output()[-3000:])
finally:
    if lock_fd is not None:
        os.close(lock_fd)
    if exporter is not None:
        exporter.close()
    subprocess.run([args.array_script, "--dir", array, "--cleanup"], capture_output=True, timeout=120)
    mounted = [line for line in open("/proc/self/mounts") if array in line]
    shutil.rmtree(tmp, ignore_errors=True)
    if mounted:
        print("error: mounts left behind:\n" + "".join(mounted))
        sys.exit(1)
print(f"{check.n} checks passed")
