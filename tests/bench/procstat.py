"""procstat.py: what the benchmark reads from /proc: CPU seconds, wake-ups, USS/RSS of process trees, the machine."""
import os
import platform
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from homeops_test import memory_kib  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of pid (all its threads) in seconds, from /proc/PID/stat; 0 when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(rest[11]) + int(rest[12])) / TICK   # fields 14 and 15


def wakeups(pid):
    """voluntary + involuntary context switches summed over /proc/PID/task/*."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def sched_seconds(pid):
    """Time on CPU of pid's live threads in seconds, from /proc/PID/task/*/schedstat (nanoseconds: a finer
    clock than stat's 1/CLK_TCK ticks, for small idle numbers)."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e9


def thread_wakeups(pid):
    """{thread name: context switches} over pid's threads (names repeat: summed)."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            n = 0
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        n += int(line.split()[1])
            out[name] = out.get(name, 0) + n
        except OSError:
            pass
    return out


def threads(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def tree(pid):
    """pid and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def private_dirty_kib(pid):
    """Private_Dirty of pid in KiB (smaps_rollup): the pages only this process can hold - heap, stacks,
    written data, relocated read-only data. USS adds Private_Clean: pages read from a file (a shared
    library's code) that count as private only while no other process maps that library, so one
    process's USS depends on what else runs on the machine; this part does not. 0 when gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Private_Dirty:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def dirty_mib(pids):
    """Private_Dirty MiB summed over pids."""
    return sum(private_dirty_kib(p) for p in pids) / 1024.0


def mem_mib(pids):
    """(USS MiB, RSS MiB) summed over pids."""
    u = r = 0
    for p in pids:
        a, b = memory_kib(p)
        u, r = u + a, r + b
    return u / 1024.0, r / 1024.0


class Sample:
    """CPU seconds and wake-ups of a set of processes at one moment; subtract two for rates."""

    def __init__(self, pids):
        self.pids = list(pids)
        self.t = time.monotonic()
        self.cpu = sum(cpu_seconds(p) for p in self.pids)
        self.wake = sum(wakeups(p) for p in self.pids)
        self.sched = sum(sched_seconds(p) for p in self.pids)
        self.by_thread = {}
        for p in self.pids:
            for k, v in thread_wakeups(p).items():
                self.by_thread[k] = self.by_thread.get(k, 0) + v

    def rates(self, later):
        dt = later.t - self.t
        per_thread = {k: (v - self.by_thread.get(k, 0)) / dt for k, v in later.by_thread.items()}
        return {"seconds": dt, "cpu_s": later.cpu - self.cpu, "cpu_s_per_hour": (later.cpu - self.cpu) / dt * 3600,
                "sched_cpu_s_per_hour": (later.sched - self.sched) / dt * 3600,
                "wakeups_per_s": (later.wake - self.wake) / dt,
                "wakeups_per_s_by_thread": {k: round(v, 2) for k, v in sorted(per_thread.items()) if v > 0}}


def smaps_top(pid, n=12):
    """The mappings holding the most private memory (a memory profile: heap, arenas, stacks, binary, libs)."""
    rows, cur = [], None
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
                if m:
                    size = (int(m.group(2), 16) - int(m.group(1), 16)) // 1024
                    cur = {"map": m.group(4) or "[anon]", "perms": m.group(3), "size_kib": size, "private_kib": 0}
                    rows.append(cur)
                elif cur is not None and line.startswith(("Private_Clean:", "Private_Dirty:")):
                    cur["private_kib"] += int(line.split()[1])
    except OSError:
        return []
    rows.sort(key=lambda r: -r["private_kib"])
    return rows[:n]


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GiB" % (int(f.readline().split()[1]) / 1048576.0)
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(), "memory": mem,
            "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def _cpu_idle_total():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[3] + v[4], sum(v)   # idle + iowait, all


def wait_quiet(max_seconds=180, idle_share=0.85, run=3):
    """Waits until the machine's CPUs were at least idle_share idle for run consecutive seconds (what an
    earlier section started - 200 containers being removed - has ended), at most max_seconds. Returns
    the seconds waited. The load average lags by minutes; /proc/stat does not."""
    t0, ok = time.monotonic(), 0
    while time.monotonic() - t0 < max_seconds and ok < run:
        i0, a0 = _cpu_idle_total()
        time.sleep(1)
        i1, a1 = _cpu_idle_total()
        ok = ok + 1 if a1 > a0 and (i1 - i0) / (a1 - a0) >= idle_share else 0
    return time.monotonic() - t0
