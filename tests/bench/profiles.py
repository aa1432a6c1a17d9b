"""profiles.py: short profiles for the targets the benchmark misses: perf record/report of a process under load,
and its private memory by mapping (/proc/PID/smaps), written to tests/bench/profiles/<name>.txt."""
import os
import shutil
import subprocess
import tempfile
import time

import procstat as ps

HERE = os.path.dirname(os.path.abspath(__file__))
PROFILES = os.path.join(HERE, "profiles")
MISSES = []       # (what, profile path, top lines)


def perf_profile(name, pid, load_cmd, seconds=4, top=6):
    """perf record of pid while load_cmd runs; the top entries of perf report into profiles/<name>.txt."""
    if not shutil.which("perf"):
        return None
    os.makedirs(PROFILES, exist_ok=True)
    data = tempfile.mktemp(prefix="homeops-perf-", suffix=".data")
    try:
        rec = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-o", data, "-p", str(pid), "--",
                                "sleep", str(seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        subprocess.run(load_cmd, capture_output=True, timeout=seconds + 30)
        rec.wait(timeout=seconds + 30)
        rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "dso,symbol",
                              "--percent-limit", "1.5", "-g", "none"], capture_output=True, text=True, timeout=120)
        lines = [ln for ln in rep.stdout.splitlines() if ln.strip() and not ln.startswith("#")]
        path = os.path.join(PROFILES, name + ".txt")
        with open(path, "w") as f:
            f.write(f"# perf record -F 499 -g -p PID during: {' '.join(load_cmd)}\n"
                    f"# perf report --stdio --no-children --sort dso,symbol --percent-limit 1.5\n")
            f.write("\n".join(lines[:60]) + "\n")
        return path, lines[:top]
    finally:
        if os.path.exists(data):
            os.unlink(data)


def memory_profile(name, pid):
    """The private memory of pid by mapping (/proc/PID/smaps): arenas, stacks, heap, binary."""
    os.makedirs(PROFILES, exist_ok=True)
    rows = ps.smaps_top(pid, 15)
    path = os.path.join(PROFILES, name + ".txt")
    lines = [f"{r['private_kib']:>8} KiB private  {r['size_kib']:>8} KiB mapped  {r['perms']}  {r['map']}"
             for r in rows]
    with open(path, "w") as f:
        f.write(f"# /proc/PID/smaps of {name}: mappings by private (USS) memory, threads {ps.threads(pid)}\n")
        f.write("\n".join(lines) + "\n")
    return path, lines[:5]
