"""footprint.py: the whole suite (five exporters and the receiver) running together at their default intervals on
demo sources, idle, beside what a user runs instead for the same coverage (node_exporter with its defaults, the
smartmon textfile script on its timer, adnanh/webhook, blackbox_exporter's dns module), measured the same way:
USS/RSS from smaps_rollup, CPU from /proc/PID/stat, wake-ups from /proc/PID/task/*/status."""
import json
import os
import resource
import shutil
import subprocess
import threading
import time

import procstat as ps
import sources as S
from homeops_test import Proc, free_port, http, metric_value, wait_port

INTERVALS = {"snapraid": 300, "smart": 300, "cifs": 30, "pihole": 15, "docker": 300}   # the defaults (main.c)
SCRAPE_EVERY = 15          # what a Prometheus job does by default here (contrib/prometheus/prometheus.yml)

PUBLISHED = [
    ("cAdvisor", "published, not measured here: ~10% of an i5-8400 (6 cores) steady with its defaults, ≤ 1% "
     "with --docker_only --housekeeping_interval=10s",
     "https://github.com/Drakonis96/statainer/issues/1 (upstream: https://github.com/google/cadvisor/issues/2523)"),
    ("cAdvisor", "published, not measured here: 20–110% CPU (usually 60–80%) on a 2-core host with 4 containers "
     "(v0.24.1)", "https://github.com/google/cadvisor/issues/1774"),
    ("smartctl_exporter", "published, not measured here: a user's own /metrics shows go_memstats_sys_bytes "
     "18.6 MB (memory obtained from the OS) and 21 OS threads", 
     "https://github.com/prometheus-community/smartctl_exporter/issues/240"),
]


class Suite:
    """The six homeops daemons on demo sources at their default intervals."""

    def __init__(self, build, tmp, fx, closer, say):
        import live
        self.procs = {}
        d = os.path.join(tmp, "suite")
        os.makedirs(d)
        snap = S.snapraid_demo(d, closer)
        self.snapraid_source = "a real 4-disk demo array (contrib/demo/snapraid-array.sh, loop-mounted ext4)"
        if snap is None:
            snap = S.without_interval(live.setup_snapraid(d, fx))
            self.snapraid_source = "the recorded SnapRAID 12.2 output (stand-in; the loop-mounted array failed here)"
        cifs = S.without_interval(live.setup_cifs(d, fx))
        docker = S.docker_demo(d, closer)
        args = {"snapraid": snap, "smart": live.setup_smart(d, fx), "cifs": cifs,
                "pihole": S.without_interval(live.setup_pihole(d, fx, closer)), "docker": docker,
                "receiver": live.setup_receiver(d)}
        for name, a in args.items():
            port = free_port()
            p = Proc([S.binary(build, name), f"--web.listen-address=127.0.0.1:{port}", *a], name=name)
            closer.append(p)
            self.procs[name] = (p, port)
        for name, (p, port) in self.procs.items():
            if not wait_port(port, 60):
                raise RuntimeError(f"{name} does not listen:\n{p.output()}")
            if name != "receiver":
                S.wait_collected(port, name, timeout=120)

    def pids(self):
        return {n: [p.pid] for n, (p, _) in self.procs.items()}

    def scrape_all(self):
        for name, (_, port) in self.procs.items():
            http(port)

    def collect_ts(self):
        out = {}
        for name, (_, port) in self.procs.items():
            if name != "receiver":
                out[name] = metric_value(http(port).text(), f"{name}_last_collect_timestamp_seconds")
        return out


def idle_profile(pids_by_name, seconds=3):
    """Which system calls an idle daemon wakes up in: strace -f -c on each for `seconds` (all at once), plus
    the first timed waits of one of them, into profiles/idle-wakeups.txt. Returns the file, or None."""
    import profiles
    if not shutil.which("strace"):
        return None
    os.makedirs(profiles.PROFILES, exist_ok=True)
    runs = {n: subprocess.Popen(["timeout", "-s", "INT", str(seconds), "strace", "-f", "-c", "-p", str(p[0])],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for n, p in pids_by_name.items()}
    first = next(iter(pids_by_name.values()))[0]
    path = os.path.join(profiles.PROFILES, "idle-wakeups.txt")
    with open(path, "w") as f:
        f.write(f"# strace -f -c -p PID for {seconds} s on each idle daemon (nobody scraping)\n")
        for n, r in runs.items():
            out = r.communicate(timeout=seconds + 20)[0]
            f.write(f"\n## {n}\n{out.strip()}\n")
        # after the counting runs: a process has one tracer at a time
        trace = subprocess.run(["timeout", "-s", "INT", "1.2", "strace", "-f", "-tt", "-p", str(first)],
                               capture_output=True, text=True).stderr
        f.write(f"\n# strace -f -tt -p PID for 1.2 s ({next(iter(pids_by_name))}): the timed waits\n{trace}\n")
    return path


def window(pids_by_name, seconds, scrape=None):
    """CPU, wake-ups and memory of each group over `seconds`; scrape() every SCRAPE_EVERY s when given."""
    s0 = {n: ps.Sample(p) for n, p in pids_by_name.items()}
    deadline = time.monotonic() + seconds
    if scrape:
        while time.monotonic() < deadline:
            scrape()
            time.sleep(max(0.0, min(SCRAPE_EVERY, deadline - time.monotonic())))
    else:
        time.sleep(seconds)
    out = {}
    for n, p in pids_by_name.items():
        r = s0[n].rates(ps.Sample(p))
        r["uss_mib"], r["rss_mib"] = ps.mem_mib(p)
        r["dirty_mib"] = ps.dirty_mib(p)
        r["threads"] = sum(ps.threads(x) for x in p)
        out[n] = r
    return out


def collect_cost(build, name, args, seconds=8, poll=0.25, limit=90):
    """CPU seconds per collection: the exporter at --<p>.interval=1s; the utime+stime delta between two
    completions of a collection (<p>_last_collect_timestamp_seconds changes, polled every `poll` s) divided by the
    collections in between, over at least `seconds` (and at least one collection, up to `limit` s). pihole reads
    each target on its own thread: its cost is given per 1 s round (CPU per second of window)."""
    args = S.without_interval(args) + [f"--{name}.interval=1s"]
    if name == "docker":
        args.append("--docker.resync-interval=1s")
    p, port, text = S.start(build, name, args)
    try:
        ts_key = f"{name}_last_collect_timestamp_seconds"
        last = metric_value(text, ts_key)
        t_end = time.monotonic() + limit
        first = None        # (monotonic, cpu) at the first completion seen
        lastc = None
        n, durations = 0, []
        while time.monotonic() < t_end:
            time.sleep(poll)
            text = http(port).text()
            ts = metric_value(text, ts_key)
            if ts == last:
                continue
            last = ts
            now, cpu = time.monotonic(), ps.cpu_seconds(p.pid)
            if first is None:
                first = (now, cpu)
                continue
            n += 1
            lastc = (now, cpu)
            durations.append(metric_value(text, f"{name}_collect_duration_seconds") or 0.0)
            if now - first[0] >= seconds:
                break
        if not n:
            raise RuntimeError(f"{name}: fewer than two collections in {limit} s")
        cpu, span = lastc[1] - first[1], lastc[0] - first[0]
        per = cpu / span if name == "pihole" else cpu / n
        durations.sort()
        return {"collections": n, "cpu_s_per_collection": per, "cpu_s": cpu, "window_s": span,
                "duration_s": durations[len(durations) // 2], "body_bytes": len(text.encode()),
                "samples": sum(1 for ln in text.splitlines() if ln and not ln.startswith("#"))}
    finally:
        p.close()


# ---------------------------------------------------------------- the alternatives

def smartmon_run():
    """One run of the smartmon textfile script as its systemd unit does (script | sponge file): CPU seconds of the
    whole run (children's rusage), its wall time, the peak RSS of its largest process, and the disks it saw."""
    script = "/usr/share/prometheus-node-exporter-collectors/smartmon.sh"
    if not os.path.exists(script) or not shutil.which("smartctl"):
        return None
    out = "/tmp/homeops-bench-smartmon.prom"
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(["/bin/bash", "-c", f"{script} | sponge {out}"], capture_output=True, timeout=300)
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out) as f:
        body = f.read()
    os.unlink(out)
    disks = len({ln.split('disk="', 1)[1].split('"', 1)[0] for ln in body.splitlines() if 'disk="' in ln})
    return {"cpu_s": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), "wall_s": wall,
            "maxrss_mib": r1.ru_maxrss / 1024.0, "disks": disks, "bytes": len(body)}


class Alternatives:
    def __init__(self, tmp, closer):
        from dnsmasq import start_dnsmasq
        d = os.path.join(tmp, "alternatives")
        os.makedirs(d)
        self.procs = {}
        node = shutil.which("prometheus-node-exporter")
        port = free_port()
        tdir = os.path.join(d, "textfile")
        os.makedirs(tdir)
        p = Proc([node, f"--web.listen-address=127.0.0.1:{port}", f"--collector.textfile.directory={tdir}"],
                 name="node_exporter")
        closer.append(p)
        self.procs["node_exporter (default collectors)"] = (p, port, "/metrics")
        hooks = os.path.join(d, "hooks.json")
        with open(hooks, "w") as f:
            json.dump([{"id": "remediate", "execute-command": "/bin/true", "command-working-directory": d,
                        "http-methods": ["POST"]}], f)
        port = free_port()
        p = Proc([shutil.which("webhook"), "-hooks", hooks, "-ip", "127.0.0.1", "-port", str(port)], name="webhook")
        closer.append(p)
        self.procs["webhook (adnanh)"] = (p, port, None)
        dm, dport = start_dnsmasq(d)
        closer.append(dm)
        self.dnsmasq = dm
        bb = os.path.join(d, "blackbox.yml")
        with open(bb, "w") as f:
            f.write("modules:\n  dns:\n    prober: dns\n    timeout: 2s\n    dns:\n      query_name: probe.test\n"
                    "      query_type: A\n      transport_protocol: udp\n      preferred_ip_protocol: ip4\n")
        port = free_port()
        p = Proc([shutil.which("prometheus-blackbox-exporter"), f"--config.file={bb}",
                  f"--web.listen-address=127.0.0.1:{port}"], name="blackbox")
        closer.append(p)
        # two probes per scrape interval, like the suite's two Pi-hole targets
        self.procs["blackbox_exporter (dns module)"] = (p, port, f"/probe?module=dns&target=127.0.0.1:{dport}")
        for name, (p, port, _) in self.procs.items():
            if not wait_port(port, 30):
                raise RuntimeError(f"{name} does not listen:\n{p.output()}")

    def pids(self):
        return {n: [p.pid] for n, (p, _, _) in self.procs.items()}

    def scrape_all(self):
        for name, (_, port, path) in self.procs.items():
            if path:
                http(port, path)
                if "probe" in path:
                    http(port, path)
                    http(port, "/metrics")


def section(a, tmp, fx, say, table, verdict):
    say("## 2. Footprint of the whole suite, idle, beside the alternatives")
    say()
    idle = a.idle
    closer = S.Closer()
    res = {}
    try:
        load0 = ps.load()
        suite = Suite(a.build, tmp, fx, closer, say)
        time.sleep(3)
        ts0 = suite.collect_ts()
        quiet = window(suite.pids(), idle)                   # nobody scrapes: what the daemons cost on their own
        ts1 = suite.collect_ts()
        scraped = window(suite.pids(), idle, suite.scrape_all)   # scraped every 15 s, as by Prometheus
        res["idle_profile"] = idle_profile(suite.pids())
        load1 = ps.load()
        res["suite"] = {"quiet": quiet, "scraped": scraped, "load": (load0, load1)}
        collections = {n: (round((ts1[n] - ts0[n]) / INTERVALS[n]) if ts1.get(n) and ts0.get(n) and ts1[n] > ts0[n]
                           else 0) for n in ts0}
        # the per-collection CPU of those that collected during the quiet window (measured apart, at 1 s)
        import live
        costs = {}
        cd = os.path.join(tmp, "costs")
        os.makedirs(cd)
        for n in [n for n, c in collections.items() if c]:
            args = {"cifs": lambda: live.setup_cifs(cd, fx),
                    "pihole": lambda: live.setup_pihole(cd, fx, closer),
                    "smart": lambda: live.setup_smart(cd, fx)}.get(n)
            if args:
                costs[n] = collect_cost(a.build, n, args(), seconds=6)
        res["collections"], res["costs"] = collections, costs
    finally:
        closer.close()
    closer = S.Closer()
    try:
        load2 = ps.load()
        alt = Alternatives(tmp, closer)
        time.sleep(3)
        alt.scrape_all()
        aquiet = window(alt.pids(), idle)
        ascraped = window(alt.pids(), idle, alt.scrape_all)
        res["alternatives"] = {"quiet": aquiet, "scraped": ascraped, "load": (load2, ps.load())}
    finally:
        closer.close()
    sm = smartmon_run()
    res["smartmon"] = sm

    say(f"The six daemons together at their DEFAULT intervals (snapraid 5m, smart 5m, cifs 30s, pihole 15s, "
        f"docker 5m + events; receiver idle) on: snapraid — {suite.snapraid_source}; smart — 19 replayed ATA "
        "recordings + 3 NVMe + 1 missing device; cifs — the recorded procfs tree (kernel 6.16 Stats/DebugData, "
        "libmount mountinfo, one cifs line); docker — a private dockerd with 2 busybox containers (one with a "
        "health check every 30 s); pihole — 2 targets on "
        "tests/lib/pihole_standin.py with DNS probes to a real dnsmasq; receiver — one playbook, bearer token. "
        f"Two windows of {idle} s each: 'quiet' (nobody scrapes) and 'scraped' (every daemon scraped every "
        f"{SCRAPE_EVERY} s). CPU from /proc/PID/stat utime+stime, wake-ups = voluntary + involuntary context "
        "switches summed over /proc/PID/task/*; 'sched' = the same CPU from /proc/PID/task/*/schedstat (ns). Load " + f"{load0} → {load1}.")
    say()
    rows, tot = [], {"uss_mib": 0, "rss_mib": 0, "dirty_mib": 0, "q": 0, "s": 0, "qw": 0, "sw": 0}
    for n in quiet:
        q, s = quiet[n], scraped[n]
        rows.append([n, f"{q['uss_mib']:.2f}", f"{q['dirty_mib']:.2f}", f"{q['rss_mib']:.2f}", q["threads"], f"{q['cpu_s_per_hour']:.2f}",
                     f"{q['sched_cpu_s_per_hour']:.3f}", f"{q['wakeups_per_s']:.2f}", collections.get(n, "-"),
                     f"{s['cpu_s_per_hour']:.2f}", f"{s['wakeups_per_s']:.2f}"])
        tot["qs"] = tot.get("qs", 0) + q["sched_cpu_s_per_hour"]
        tot["uss_mib"] += q["uss_mib"]
        tot["dirty_mib"] += q["dirty_mib"]
        tot["rss_mib"] += q["rss_mib"]
        tot["q"] += q["cpu_s_per_hour"]
        tot["s"] += s["cpu_s_per_hour"]
        tot["qw"] += q["wakeups_per_s"]
        tot["sw"] += s["wakeups_per_s"]
    rows.append(["**suite total**", f"**{tot['uss_mib']:.2f}**", f"{tot['dirty_mib']:.2f}", f"{tot['rss_mib']:.2f}", "",
                 f"**{tot['q']:.2f}**", f"**{tot['qs']:.3f}**", f"{tot['qw']:.2f}", "", f"{tot['s']:.2f}",
                 f"{tot['sw']:.2f}"])
    arows, atot = [], {"uss_mib": 0, "rss_mib": 0, "dirty_mib": 0, "q": 0, "s": 0, "qw": 0, "sw": 0}
    for n in aquiet:
        q, s = aquiet[n], ascraped[n]
        arows.append([n, f"{q['uss_mib']:.2f}", f"{q['dirty_mib']:.2f}", f"{q['rss_mib']:.2f}", q["threads"], f"{q['cpu_s_per_hour']:.2f}",
                      f"{q['sched_cpu_s_per_hour']:.3f}", f"{q['wakeups_per_s']:.2f}", "-",
                      f"{s['cpu_s_per_hour']:.2f}", f"{s['wakeups_per_s']:.2f}"])
        for k, v in (("uss_mib", q["uss_mib"]), ("dirty_mib", q["dirty_mib"]), ("rss_mib", q["rss_mib"]), ("q", q["cpu_s_per_hour"]),
                     ("s", s["cpu_s_per_hour"]), ("qw", q["wakeups_per_s"]), ("sw", s["wakeups_per_s"])):
            atot[k] += v
    if sm:
        per_hour = sm["cpu_s"] * 4   # its timer: OnUnitActiveSec=15min
        arows.append([f"smartmon.sh textfile script (timer, 15 min; {sm['disks']} disk(s) seen here)",
                      "0 between runs", "-", f"{sm['maxrss_mib']:.1f} peak", "-", f"{per_hour:.2f}", "-", "-",
                      f"{sm['cpu_s']:.2f} s/run", f"{per_hour:.2f}", "-"])
        atot["q"] += per_hour
        atot["s"] += per_hour
    arows.append(["**alternatives total**", f"**{atot['uss_mib']:.2f}**", f"{atot['dirty_mib']:.2f}",
                  f"{atot['rss_mib']:.2f}", "",
                  f"**{atot['q']:.2f}**", "", f"{atot['qw']:.2f}", "", f"{atot['s']:.2f}", f"{atot['sw']:.2f}"])
    table(["daemon", "USS MiB", "private dirty MiB", "RSS MiB", "threads", "quiet CPU s/h (stat)", "quiet CPU s/h (sched)",
           "quiet wake-ups/s", "collections in quiet", "scraped CPU s/h", "scraped wake-ups/s"], rows + arows)
    say("Wake-ups per second in the quiet window by thread name (the suite): " + "; ".join(
        f"{n}: " + ", ".join(f"{k} {v}" for k, v in quiet[n]["wakeups_per_s_by_thread"].items()) for n in quiet) + ".")
    say()
    say(f"Alternatives measured the same way in the next {2 * idle} s (load {res['alternatives']['load'][0]} → "
        f"{res['alternatives']['load'][1]}): prometheus-node-exporter 1.5.0 with its default collectors; webhook "
        "2.8.0 with one hook; prometheus-blackbox-exporter 0.23.0 probing the same kind of dnsmasq twice per "
        f"{SCRAPE_EVERY} s (dns module); the smartmon.sh script of prometheus-node-exporter-collectors run once as "
        "its unit does (`smartmon.sh | sponge`), its CPU (children's rusage) × 4 runs/hour"
        + (f" ({sm['cpu_s']:.2f} s per run, {sm['wall_s']:.1f} s wall, {sm['disks']} disk(s) on this VM; with "
           "real disks it runs smartctl once per disk)" if sm else " (not installed here)") + ".")
    say()
    for name, what, url in PUBLISHED:
        say(f"- {name}: {what} — {url}")
    say()
    # beyond the collections: the quiet CPU minus collections × their measured per-collection cost
    spent = sum(collections.get(n, 0) * costs[n]["cpu_s_per_collection"] for n in costs)
    beyond = tot["qs"] - spent * 3600.0 / quiet["snapraid"]["seconds"]
    cost_txt = ", ".join(f"{n}: {collections[n]} × {costs[n]['cpu_s_per_collection'] * 1000:.1f} ms"
                         for n in costs) or "none"
    say(f"Collections during the quiet window and their cost (measured apart at --<p>.interval=1s on the same "
        f"sources): {cost_txt}. CPU beyond the collections (sched): {tot['qs']:.3f} − {spent * 3600.0 / quiet['snapraid']['seconds']:.2f} "
        f"= {beyond:.2f} CPU-s/h. (The clock tick is 1/{ps.TICK} s: over {idle} s a single tick is "
        f"{3600.0 / ps.TICK / idle:.1f} CPU-s/h, so these small numbers are ± that per daemon.)")
    say()
    if res.get("idle_profile") and beyond > 1.0:
        import profiles
        with open(res["idle_profile"]) as f:
            waits = [ln for ln in f.read().splitlines() if "FUTEX_WAIT" in ln or "epoll_wait" in ln][:4]
        profiles.MISSES.append((f"suite CPU beyond collections: {beyond:.2f} CPU-s/h vs ≤ 1 (wake-ups "
                                f"{tot['qw']:.1f}/s while idle)", res["idle_profile"], waits))
    t = {"suite USS": (tot["uss_mib"] <= 16, f"{tot['uss_mib']:.2f} MiB vs ≤ 16 MiB"),
         "suite CPU beyond collections": (beyond <= 1.0, f"{beyond:.2f} CPU-s/h vs ≤ 1"),
         "suite CPU scraped every 15 s vs node_exporter alone, same scrapes":
             (tot["s"] <= ascraped["node_exporter (default collectors)"]["cpu_s_per_hour"],
              f"{tot['s']:.2f} vs {ascraped['node_exporter (default collectors)']['cpu_s_per_hour']:.2f} CPU-s/h")}
    table(["target", "verdict"], [[k, verdict(*v)] for k, v in t.items()])
    res["targets"] = {k: list(v) for k, v in t.items()}
    res["totals"], res["alt_totals"], res["beyond_collections_cpu_s_per_hour"] = tot, atot, beyond
    return res
