"""scaling.py: collection CPU, collection duration and scrape size as the work grows (smart 1/16/64 replayed
disks, cifs 10/100/1,000 mountinfo entries, pihole 1/4/16 targets, docker 10/100/200 real containers), the cost
per item and whether it grows linearly."""
import os
import subprocess
import time

import procstat as ps
import sources as S
from footprint import collect_cost

SIZES = {"smart": (1, 16, 64), "cifs": (10, 100, 1000), "pihole": (1, 4, 16), "docker": (10, 100, 200)}
UNIT = {"smart": "disk", "cifs": "mount", "pihole": "target", "docker": "container"}


def linearity(rows):
    """Per-item cost at the largest size over the middle one: ~1 linear, < 1 sublinear (fixed costs), > 1.25
    superlinear."""
    mid, big = rows[1]["cpu_s_per_collection"] / rows[1]["n"], rows[2]["cpu_s_per_collection"] / rows[2]["n"]
    r = big / mid if mid else float("inf")
    word = "linear" if 0.8 <= r <= 1.25 else ("sublinear (fixed cost amortised)" if r < 0.8 else "**superlinear**")
    return r, word


def docker_sizes(build, tmp, sizes, log):
    import dockerd
    import docker_200
    eng = dockerd.Dockerd(prefix="homeops-bench-dockerd.")
    out = []
    try:
        eng.start()
        img = eng.build_busybox_image()
        have = 0
        for n in sizes:
            t = time.monotonic()
            docker_200.run_containers(eng, img, have, n)
            log(f"docker: {n} containers running ({n - have} started in {time.monotonic() - t:.0f} s)")
            have = n
            r = collect_cost(build, "docker", [f"--docker.host={eng.host}", "--docker.fstab=/dev/null"], seconds=8)
            r["n"] = n
            out.append(r)
    finally:
        # 200 containers take minutes to remove: 4 clients at a time, a generous bound, then the engine stops
        subprocess.run(f"docker -H {eng.host} ps -aq | xargs -r -P4 -n10 docker -H {eng.host} rm -f >/dev/null",
                       shell=True, timeout=900)
        try:
            eng.close()
        except Exception as e:  # noqa: BLE001  (the numbers are measured; a slow teardown must not lose them)
            log(f"docker teardown: {e}")
    return out


def section(a, tmp, fx, say, table, only=None):
    say("## 3. Scaling: collection cost as the work grows")
    say()
    closer = S.Closer()
    res = {}
    load0 = ps.load()
    try:
        for kind in only or ("smart", "cifs", "pihole", "docker"):
            rows = []
            if kind == "docker":
                rows = docker_sizes(a.build, tmp, SIZES["docker"], lambda s: print(s, flush=True))
            else:
                svc = S.PiholeServices(tmp, fx, closer) if kind == "pihole" else None
                for n in SIZES[kind]:
                    args = {"smart": lambda: S.smart_n(tmp, fx, n), "cifs": lambda: S.cifs_n(tmp, fx, n),
                            "pihole": lambda: svc.config(n)}[kind]()
                    r = collect_cost(a.build, kind, args, seconds=8)
                    r["n"] = n
                    rows.append(r)
            if kind == "smart":
                res["smart_profile"] = smart_profile(a.build, tmp, fx)
            res[kind] = rows
            print(kind, [(r["n"], round(r["cpu_s_per_collection"] * 1000, 2), r["duration_s"]) for r in rows],
                  flush=True)
    finally:
        closer.close()
    say("Each size: the exporter at --<p>.interval=1s (docker also --docker.resync-interval=1s: every collection a "
        "full list + N inspects) for 8 s; CPU = utime+stime delta over the collections seen (distinct "
        "<p>_last_collect_timestamp_seconds, polled every 0.25 s; pihole: CPU per second, as each target has its own 1 s thread); duration = median <p>_collect_duration_seconds. "
        "smart: the 19 recorded ATA blobs in turn; cifs: N cifs lines in a recorded-kernel procfs tree, each on a "
        "real directory (probed); pihole: N targets on one stand-in + one dnsmasq; docker: N busybox containers "
        f"on a private dockerd. Load {load0} → {ps.load()}.")
    say()
    rows = []
    prof = res.pop("smart_profile", None)
    for kind, rr in res.items():
        ratio, word = linearity(rr)
        for r in rr:
            rows.append([kind, f"{r['n']:,} {UNIT[kind]}s", r["collections"],
                         f"{r['cpu_s_per_collection'] * 1000:.2f}", f"{r['cpu_s_per_collection'] * 1000 / r['n']:.3f}",
                         f"{r['duration_s'] * 1000:.1f}", f"{r['body_bytes']:,}", f"{r['samples']:,}",
                         f"{ratio:.2f}: {word}" if r is rr[-1] else ""])
        res[kind] = {"rows": rr, "largest_over_middle_per_item": ratio, "verdict": word}
    table(["exporter", "size", "collections", "CPU ms/collection", "CPU ms per item", "duration ms", "scrape bytes",
           "samples", "per-item cost largest/middle"], rows)
    if prof:
        say(f"Where smart's CPU per disk goes (16 replayed disks collecting back to back; perf record -g, "
            f"`{os.path.relpath(prof[0], S.SRC)}`), top entries:")
        say()
        say("```")
        for ln in prof[1]:
            say(ln.strip())
        say("```")
        say()
        res["smart_profile"] = prof[0]
    return res


def smart_profile(build, tmp, fx):
    """perf profile of smart_exporter collecting 16 replayed disks every second."""
    import profiles
    p, port, _ = S.start(build, "smart", S.smart_n(tmp, fx, 16) + ["--smart.interval=1s"])
    try:
        return profiles.perf_profile("scaling-smart-16-collect", p.pid, ["sleep", "5"], seconds=5, top=12)
    finally:
        p.close()
