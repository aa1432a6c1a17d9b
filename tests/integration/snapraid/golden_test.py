#!/usr/bin/python3
"""golden_test.py: snapraid_exporter --once against recorded SnapRAID output, diffed with golden files.

Each scenario replays real captures from $HOMEOPS_FIXTURES/snapraid through replay-snapraid.sh
(given as --snapraid.path), runs `snapraid_exporter --once`, normalises the few values that
depend on the machine or the clock, and compares the result with golden/<scenario>.prom.
Every output (unnormalised) must also pass `promtool check metrics` with no findings.

    golden_test.py --binary build/exporters/snapraid/snapraid_exporter            # check
    golden_test.py --binary build/exporters/snapraid/snapraid_exporter --update   # rewrite goldens

Exit 77 (ctest: skipped) when the fixtures are absent.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
from homeops_test import fixtures_dir, fixtures_or_skip, golden_check  # noqa: E402

GOLDEN = os.path.join(HERE, "golden")
REPLAY = os.path.join(HERE, "replay-snapraid.sh")

# (name, {replay file: fixture path or literal bytes}, extra flags, options)
R12 = "snapraid/real-snapraid-12.2/"
GAAREK = "snapraid/gaarek-server-status/"
UI = "snapraid/snapraid-ui/"

SCENARIOS = [
    # 12.2: the -l file and stdout of the same run after a silent corruption was found by scrub;
    # the newest sync/scrub/fix/diff logs from --snapraid.log-glob.
    ("v12_after_corruption",
     {"status.log": R12 + "status_after_corruption.log", "status.stdout": R12 + "status_after_corruption.txt"},
     ["--snapraid.log-glob={logs}/*.log"],
     {"logs": {"scrub-20261122-155050.log": R12 + "scrub_corrupted.log",
               "fix-20261122-155046.log": R12 + "fix.log",
               "diff-20261122-155035.log": R12 + "diff_changes_logfile.log",
               "sync-console.log": R12 + "sync.txt"}}),
    # 12.2 with SMART enabled: loop devices have no SMART, snapraid_smart_up 0
    ("v12_smart_unsupported",
     {"status.log": R12 + "status_logfile.log", "status.stdout": R12 + "status.txt",
      "smart.stdout": R12 + "smart_log_stdout.txt", "smart.rc": b"1\n"},
     ["--snapraid.smart"], {}),
    # 13.0 with log tags interleaved in the text (-l ">&2" capture)
    ("v13_structured", {"status.log": UI + "snapraid-status-structured.txt"}, [], {}),
    # 13.0 development build with summary:total_*, disk_free and scrub_*_days
    ("v13_structured_pr", {"status.log": UI + "snapraid-status-structured-pr.txt"}, [], {}),
    # v10-v11 text only: a sync in progress, and 704 bad blocks; SMART report with 7 disks
    ("v11_sync_in_progress", {"status.stdout": GAAREK + "status.sync-in-progress-99pct.2017-12-03.txt"},
     ["--snapraid.smart"], {"smart": {"smart.stdout": GAAREK + "smart.2017-11-10.txt"}}),
    ("v11_704_errors", {"status.stdout": GAAREK + "status.704errors.2018-07-11.txt"}, [], {}),
    # another snapraid holds the lock: exit 1, "SnapRAID is already in use!"
    ("busy_already_in_use",
     {"status.stdout": R12 + "status_locked_by_flock.stdout.txt",
      "status.stderr": R12 + "status_locked_by_flock.stderr.txt", "status.rc": b"1\n"}, [], {}),
    # failures: truncated output, output of another command, a missing configuration file
    ("fail_truncated", {"status.stdout": GAAREK + "status.truncated.2018-02-04.txt"}, [], {}),
    ("fail_not_a_status", {"status.stdout": R12 + "diff.txt"}, [], {}),
    ("fail_missing_config", {}, [], {"config": "missing"}),
]

# Values that depend on the run, not on the replayed data: normalised before the diff.
VOLATILE = {"snapraid_collect_duration_seconds", "snapraid_last_collect_timestamp_seconds"}
# Timestamps that fall back to the collection time when the output has no unixtime: tag.
CLOCK_FALLBACK = {"snapraid_status_timestamp_seconds", "snapraid_smart_timestamp_seconds"}


def fixture(fixtures, rel):
    with open(os.path.join(fixtures, rel), "rb") as f:
        return f.read()


def normalise(text, replay_files):
    out = []
    has_unixtime = {
        "snapraid_status_timestamp_seconds": b"unixtime:" in replay_files.get("status.log", b""),
        "snapraid_smart_timestamp_seconds": b"unixtime:" in replay_files.get("smart.log", b""),
    }
    for line in text.splitlines():
        m = re.match(r"^(?:# (?:HELP|TYPE) )?([a-zA-Z_:][a-zA-Z0-9_:]*)", line)
        name = m.group(1) if m else ""
        if name.startswith("process_"):
            continue
        if not line.startswith("#"):
            if name == "snapraid_build_info":
                line = 'snapraid_build_info{version="VERSION",revision="REVISION"} 1'
            elif name in VOLATILE or (name in CLOCK_FALLBACK and not has_unixtime[name]):
                line = line.rsplit(" ", 1)[0] + " VOLATILE"
        out.append(line)
    return "\n".join(out) + "\n"


def run_scenario(args, fixtures, name, files, flags, opts, work):
    replay = os.path.join(work, "replay")
    os.makedirs(replay)
    contents = {}
    for dst, src in files.items():
        data = src if isinstance(src, bytes) else fixture(fixtures, src)
        contents[dst] = data
        with open(os.path.join(replay, dst), "wb") as f:
            f.write(data)
    for dst, src in opts.get("smart", {}).items():
        data = fixture(fixtures, src)
        contents[dst] = data
        with open(os.path.join(replay, dst), "wb") as f:
            f.write(data)
    logs = os.path.join(work, "logs")
    os.makedirs(logs)
    for i, (dst, src) in enumerate(sorted(opts.get("logs", {}).items())):
        path = os.path.join(logs, dst)
        with open(path, "wb") as f:
            f.write(fixture(fixtures, src))
        # logs without unixtime: fall back to the file's time, fixed here for the golden
        os.utime(path, (1795362000 + i, 1795362000 + i))
    content = os.path.join(work, "content", "snapraid.content")
    os.makedirs(os.path.dirname(content))
    conf = os.path.join(work, "snapraid.conf")
    with open(conf, "w") as f:
        f.write(f"parity {work}/parity/snapraid.parity\ncontent {content}\ndata d1 {work}/d1/\n")
    if opts.get("config") == "missing":
        conf = os.path.join(work, "no-such-snapraid.conf")

    cmd = [args.binary, "--once", "--snapraid.path=" + args.replay, "--snapraid.config=" + conf]
    cmd += [f.format(logs=logs) for f in flags]
    env = dict(os.environ, SNAPRAID_REPLAY_DIR=replay, TMPDIR=work)
    proc = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
    if proc.returncode != 0:
        print(f"{name}: exporter exited {proc.returncode}\n{proc.stderr.decode(errors='replace')}")
        return False
    text = proc.stdout.decode()
    ok = True
    # a failed collection is logged exactly once, with its reason and detail (common/exporter.c)
    if "snapraid_up 0" in text:
        failures = [l for l in proc.stderr.decode(errors="replace").splitlines()
                    if "level=warn" in l or "level=error" in l]
        if len(failures) != 1 or "collection failed" not in failures[0] or "err=" not in failures[0]:
            print(f"{name}: expected one 'collection failed' log line with err=, got {failures}")
            ok = False

    lint = subprocess.run([args.promtool, "check", "metrics"], input=proc.stdout, capture_output=True)
    findings = (lint.stdout + lint.stderr).decode().strip()
    if lint.returncode != 0 or findings:
        print(f"{name}: promtool check metrics: {findings or lint.returncode}")
        ok = False
    # the exporter removes its temporary log directory after each run
    left = [e for e in os.listdir(work) if e.startswith("snapraid_exporter.")]
    if left:
        print(f"{name}: temporary files left behind: {left}")
        ok = False

    got = normalise(text.replace(work, "WORK"), contents)
    golden = os.path.join(GOLDEN, name + ".prom")
    diff = golden_check(golden, got, args.update)
    if args.update:
        return ok
    if diff:
        sys.stdout.write(diff)
        print(f"{name}: output differs from the golden file (rerun with --update if intended)")
        return False
    print(f"{name}: ok")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--replay", default=REPLAY)
    ap.add_argument("--promtool", default=shutil.which("promtool") or "promtool")
    ap.add_argument("--update", action="store_true", help="rewrite the golden files")
    ap.add_argument("--only", help="run only this scenario")
    args = ap.parse_args()

    fixtures_or_skip("snapraid")
    fixtures = fixtures_dir()
    failed = 0
    for name, files, flags, opts in SCENARIOS:
        if args.only and name != args.only:
            continue
        with tempfile.TemporaryDirectory(prefix="sr-golden.") as work:
            if not run_scenario(args, fixtures, name, files, flags, opts, work):
                failed += 1
    print(f"{len(SCENARIOS) - failed}/{len(SCENARIOS)} scenarios passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
