#!/usr/bin/python3
"""test_footprint.py: smart_exporter idle between collections (19 replayed disks): a bounded number of
threads (the disks' deadline workers gone), no malloc arena besides the main heap, and hardly a wake-up
in 5 s (no polling thread). Counts only, never speed; USS is logged, not asserted (it depends on which
libraries other processes share, and on sanitizers).

usage: test_footprint.py --binary smart_exporter
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", ""), "tests", "lib"))
import smartfix  # noqa: E402
from homeops_test import SKIP, Checks, http, log, memory_kib, start_exporter, wait_metric  # noqa: E402

ARENA = 64 << 20   # glibc's HEAP_MAX_SIZE on 64-bit: a thread arena is a 64 MiB-aligned 64 MiB reservation


def threads(pid):
    return sorted(os.listdir(f"/proc/{pid}/task"))


def voluntary_switches(pid):
    """Sum over the process's threads of voluntary context switches: each one is a wake-up after a sleep."""
    total = 0
    for t in threads(pid):
        try:
            with open(f"/proc/{pid}/task/{t}/status") as f:
                total += int(re.search(r"^voluntary_ctxt_switches:\s+(\d+)", f.read(), re.M).group(1))
        except (OSError, AttributeError):
            pass   # a thread that just ended
    return total


def malloc_arenas(pid):
    """Anonymous mappings that are glibc thread arenas: a 64 MiB-aligned read-write start followed by its
    inaccessible rest, 64 MiB in all."""
    maps = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            maps.append((lo, hi, parts[1], parts[5] if len(parts) > 5 else ""))
    found = []
    for i, (lo, hi, perm, path) in enumerate(maps):
        if path or not perm.startswith("rw") or lo % ARENA:
            continue
        end = hi
        if i + 1 < len(maps) and maps[i + 1][0] == hi and maps[i + 1][2].startswith("---") and not maps[i + 1][3]:
            end = maps[i + 1][1]
        if end - lo == ARENA:
            found.append(f"{lo:x}-{end:x}")
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    a = ap.parse_args()

    d = os.path.join(smartfix.fixtures_dir(), "smart", "ata-blobs")
    if not os.path.isdir(d):
        log(f"fixtures not found at {d}: skipping")
        return SKIP
    blobs = smartfix.blob_names(d)
    check = Checks()
    check("19 blobs in the fixtures (PROVENANCE.md)", len(blobs) == 19, str(blobs))

    # An interval of an hour: no collection during the test but the first one.
    proc, port = start_exporter(a.binary, "--no-smart.discovery", "--smart.interval=1h", "--smart.timeout=120s",
                                *[f"--smart.blob={os.path.join(d, b)}" for b in blobs])
    try:
        _, text = wait_metric(port, r"^smart_up 1$", timeout=180)  # sanitizer builds on a loaded machine
        check("19 disks read", len(re.findall(r"^smart_device_up\{.*\} 1$", text, re.M)) == 19, text[:3000])
        # A scrape with gzip too: both variants served from the one snapshot.
        r = http(port, headers={"Accept-Encoding": "gzip"})
        check("gzip scrape 200", r.status == 200)

        # The collection is over: its 19 deadline workers are gone (they are detached; give them a moment
        # to leave after publishing their results).
        deadline = time.monotonic() + 10
        while len(threads(proc.pid)) > 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        n = threads(proc.pid)
        # main (signals), collection, libmicrohttpd, request-deadline sweeper (+ the watch thread's brief life)
        check("at most 5 threads between collections", len(n) <= 5, n)
        arenas = malloc_arenas(proc.pid)
        check("no malloc arena besides the main heap (M_ARENA_MAX 1)", not arenas, arenas)

        time.sleep(1)
        v0 = voluntary_switches(proc.pid)
        time.sleep(5)
        v1 = voluntary_switches(proc.pid)
        uss, rss = memory_kib(proc.pid)
        log(f"idle: {v1 - v0} wake-ups in 5 s over {len(threads(proc.pid))} threads; USS {uss} KiB, RSS {rss} KiB")
        # Before: the sweeper alone woke 4 times a second (20 in 5 s). Now nothing should wake at all.
        check("idle: at most 5 wake-ups in 5 s (no polling loop)", v1 - v0 <= 5, v1 - v0)
    finally:
        proc.stop()
    log(f"{check.n} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
