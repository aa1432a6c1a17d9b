#!/usr/bin/python3
"""run.py: the whole benchmark in one command (issue 13): serving, whole-suite footprint, scaling and the
receiver, each beside what a user would run instead. Prints the tables and writes tests/bench/RESULTS.md.

It builds nothing. Build a release tree first (the whole suite):
    cmake -S . -B build/rel -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOMEOPS_WERROR=ON \\
          -DHOMEOPS_FIXTURES=$PWD/../shared/fixtures && cmake --build build/rel -j2
then, as root (mounts, a private dockerd, nginx):
    /usr/bin/python3 tests/bench/run.py [--build build/rel] [--sections serving,footprint,scaling,receiver]
(an optional section, cifs-hang: a hung FUSE mount scraped through node_exporter's filesystem collector beside
cifs_mount_exporter, from cifs_hang_bench.py)
--smoke (the ctest 'bench' entry): one exporter, 1 s wrk runs, output to a scratch file; checks that the
harness runs, asserts nothing about speed. Peers (Debian): wrk nginx-light prometheus-node-exporter
prometheus-node-exporter-collectors smartmontools moreutils webhook prometheus-blackbox-exporter linux-perf.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import procstat as ps  # noqa: E402
import sources as S  # noqa: E402
import bench  # noqa: E402
from homeops_test import fixtures_dir  # noqa: E402

OUT = []          # the report's lines (markdown), printed as they come


def say(line=""):
    print(line, flush=True)
    OUT.append(line)


def table(header, rows):
    say("| " + " | ".join(header) + " |")
    say("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        say("| " + " | ".join(str(x) for x in r) + " |")
    say()


def verdict(ok, margin):
    return ("pass" if ok else "**miss**") + f" ({margin})"


def pct(x):
    return "-" if x is None else f"{x * 100:.0f}%"


def f2(x, fmt="%.2f"):
    return fmt % x if x is not None else "-"


from profiles import MISSES, PROFILES, memory_profile, perf_profile  # noqa: E402


# ---------------------------------------------------------------- serving

def serving_cases(tmp, fx, closer, smoke):
    import live
    yield "snapraid", "snapraid", live.setup_snapraid(tmp, fx)
    if smoke:
        return
    yield "smart (1 disk)", "smart", S.smart_n(tmp, fx, 1)
    yield "smart (19 ATA + 3 NVMe + 1 missing)", "smart", live.setup_smart(tmp, fx)
    yield "cifs", "cifs", live.setup_cifs(tmp, fx)
    yield "pihole (2 targets)", "pihole", live.setup_pihole(tmp, fx, closer)
    yield "docker (4 containers)", "docker", live.setup_docker(tmp, closer)


def section_serving(a, tmp, fx):
    say("## 1. Serving /metrics (the same bytes three ways)")
    say()
    say(f"wrk -t1 -c{a.connections} -d{a.seconds}s on 127.0.0.1, median of {a.repeat} runs, ours / nginx / "
        "node_exporter interleaved (same minute). nginx: one worker, the body as a static file (gzip: the same "
        "body pre-compressed, gzip_static). node_exporter 1.5.0: `--collector.disable-defaults "
        "--collector.textfile` on a .prom file holding the body (minus process_*; it adds its own go_*/promhttp "
        "series). USS = Private_Clean + Private_Dirty of smaps_rollup, idle 1 s after the load.")
    say()
    closer = S.Closer()
    results = []
    try:
        for label, name, args in serving_cases(tmp, fx, closer, a.smoke):
            load0 = ps.load()
            p, port, _ = S.start(a.build, name, args)
            try:
                time.sleep(0.5)
                r = bench.compare(label, p.pid, port, a.seconds, a.connections, a.repeat, tmp=tmp)
                r["load_before"], r["load_after"] = load0, ps.load()
                bench.print_compare(r)
                r["targets"] = serving_targets(r)
                if not a.smoke and not all(t[0] for t in r["targets"].values()):
                    profile_serving_miss(a, label, name, p.pid, port, r)
                results.append(r)
            finally:
                p.close()
    finally:
        closer.close()
    rows = []
    for r in results:
        s = r["servers"]
        h, n, ne = s["homeops"], s["nginx"], s["node_exporter"]
        rows.append([r["exporter"], f"{r['body_bytes']:,} / {r['gzip_bytes'] or '-'}",
                     f"{h['plain']['rps']:.0f}", f"{n['plain']['rps']:.0f}", f"{ne['plain']['rps']:.0f}",
                     f"{r['plain_vs_nginx']:.2f}x", f"{r['plain_vs_node_exporter']:.2f}x",
                     f"{h['gzip']['rps']:.0f}", f"{n['gzip']['rps']:.0f}", f"{ne['gzip']['rps']:.0f}",
                     f"{r['gzip_vs_nginx']:.2f}x", f"{r['gzip_vs_node_exporter']:.2f}x",
                     f"{f2(h['plain']['p50_ms'], '%.3f')} / {f2(h['plain']['p99_ms'], '%.3f')}",
                     f"{f2(n['plain']['p50_ms'], '%.3f')} / {f2(n['plain']['p99_ms'], '%.3f')}",
                     f"{f2(ne['plain']['p50_ms'], '%.3f')} / {f2(ne['plain']['p99_ms'], '%.3f')}",
                     f"{f2(h['plain']['cpu_us_per_req'], '%.1f')} / {f2(n['plain']['cpu_us_per_req'], '%.1f')} / "
                     f"{f2(ne['plain']['cpu_us_per_req'], '%.1f')}", f"{r['plain_cpu_vs_nginx']:.2f}x",
                     f"{f2(h['gzip']['cpu_us_per_req'], '%.1f')} / {f2(n['gzip']['cpu_us_per_req'], '%.1f')}",
                     f"{r['gzip_cpu_vs_nginx']:.2f}x",
                     f"{pct(h['plain']['server_busy'])} / {pct(n['plain']['server_busy'])} / "
                     f"{pct(h['plain']['client_busy'])} / {pct(n['plain']['client_busy'])}",
                     f"{h['uss_mib']:.2f} / {h.get('dirty_mib', 0):.2f} / {h['rss_mib']:.2f}",
                     f"{n['uss_mib']:.2f}", f"{ne['uss_mib']:.2f}",
                     f"{r['load_before']} → {r['load_after']}"])
    say("Requests/s (median); ratios are ours/peer; p50/p99 in ms (plain); memory in MiB (nginx: master + worker). "
        "CPU µs/req: the server's own CPU (schedstat of all its threads; nginx: master + worker) over the requests "
        "wrk counted, median; 'CPU nginx/ours' > 1 means ours spends less CPU per scrape. Busy: share of one core "
        "used by the server and by wrk during the plain runs (ours / nginx, then wrk against ours / against nginx): "
        "wrk -t1 is one of the 2 cores, and where it is at ~100% while the server is not, requests/s measure the "
        "client, not the server.")
    say()
    table(["exporter", "body B / gzip B", "ours", "nginx", "node_exp", "/nginx", "/node_exp",
           "ours gz", "nginx gz", "node_exp gz", "gz /nginx", "gz /node_exp", "ours p50/p99", "nginx p50/p99",
           "node_exp p50/p99", "CPU µs/req ours / nginx / node_exp", "CPU nginx/ours", "gz CPU µs/req ours / nginx",
           "gz CPU nginx/ours", "busy ours / nginx, wrk vs ours / vs nginx", "ours USS / private dirty / RSS", "nginx USS", "node_exp USS", "load 1/5/15 before → after"], rows)
    say("Private dirty (smaps_rollup Private_Dirty) is the part of USS that is the exporter's own: heap, stacks, "
        "written and relocated data. The rest of USS is Private_Clean, pages of shared libraries' code "
        "(libgnutls, libp11-kit, libcurl...) that count as private only while no other process on the machine maps "
        "the same library: the same binary shows ~1 MiB more USS on a quiet machine than on a busy one.")
    say()
    say("Targets: ≥ 1.5× nginx for bodies ≤ 20 KB, ≥ 1.0× above; p99 ≤ nginx's; USS ≤ 2 MiB idle. Speed is "
        "judged twice: by requests/s through one wrk thread (marked 'wrk-bound' where wrk used ≥ 95% of its core "
        "while ours used < 90% of one), and by the server's CPU per request, which does not depend on the client.")
    say()
    table(["exporter", "throughput vs nginx (plain)", "CPU per request vs nginx (plain)", "throughput vs nginx (gzip)",
           "CPU per request vs nginx (gzip)", "p99 vs nginx (plain)", "USS idle"],
          [[r["exporter"]] + [verdict(*r["targets"][k]) for k in ("rps", "cpu", "gzip", "gzcpu", "p99", "uss")]
           for r in results])
    return results


def serving_targets(r):
    s = r["servers"]
    need = 1.5 if r["body_bytes"] <= 20 * 1024 else 1.0
    h99, n99 = s["homeops"]["plain"]["p99_ms"] or 0, s["nginx"]["plain"]["p99_ms"] or 0
    uss = s["homeops"]["uss_mib"]

    def bound(enc):
        h = s["homeops"][enc]
        return "; wrk-bound" if h["client_busy"] >= 0.95 and (h["server_busy"] or 0) < 0.9 else ""
    return {"rps": (r["plain_vs_nginx"] >= need, f"{r['plain_vs_nginx']:.2f}x vs ≥ {need}x{bound('plain')}"),
            "cpu": (r["plain_cpu_vs_nginx"] >= need, f"{r['plain_cpu_vs_nginx']:.2f}x less CPU vs ≥ {need}x"),
            "gzip": (r["gzip_vs_nginx"] >= need, f"{r['gzip_vs_nginx']:.2f}x vs ≥ {need}x{bound('gzip')}"),
            "gzcpu": (r["gzip_cpu_vs_nginx"] >= need, f"{r['gzip_cpu_vs_nginx']:.2f}x less CPU vs ≥ {need}x"),
            "p99": (h99 <= n99, f"{h99:.3f} vs {n99:.3f} ms"),
            "uss": (uss <= 2.0, f"{uss:.2f} vs ≤ 2 MiB; private dirty {s['homeops'].get('dirty_mib', 0):.2f}")}


def profile_serving_miss(a, label, name, pid, port, r):
    slug = label.split(" ")[0] + ("-large" if r["body_bytes"] > 20 * 1024 else "")
    t = r["targets"]
    if not (t["rps"][0] and t["gzip"][0] and t["p99"][0]):
        gzip = t["rps"][0]   # profile the encoding that missed
        cmd = ["wrk", "-t1", f"-c{a.connections}", "-d3s"] + (["-H", "Accept-Encoding: gzip"] if gzip else []) + \
              [f"http://127.0.0.1:{port}/metrics"]
        res = perf_profile(f"serving-{slug}{'-gzip' if gzip else ''}", pid, cmd)
        if res:
            MISSES.append((f"serving {label}{' gzip' if gzip else ''}: {t['gzip' if gzip else 'rps'][1]}, "
                           f"p99 {t['p99'][1]}", *res))
    if not t["uss"][0]:
        MISSES.append((f"serving {label}: USS {t['uss'][1]}", *memory_profile(f"memory-{slug}", pid)))


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(S.SRC, "build", "rel"),
                    help="a release build tree of the whole suite (default build/rel)")
    ap.add_argument("--sections", default="serving,footprint,scaling,receiver")
    ap.add_argument("--seconds", type=int, default=5, help="per wrk run")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is kept")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--idle", type=int, default=60, help="footprint window, seconds")
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--json", help="also write the raw results")
    ap.add_argument("--dir", default="/var/tmp", help="scratch directory (a disk: the receiver fsyncs)")
    ap.add_argument("--smoke", action="store_true", help="one exporter, 1 s runs, scratch output (ctest)")
    a = ap.parse_args()
    scratch = False
    if a.smoke:
        a.sections, a.seconds, a.repeat = "serving", 1, 1
        if a.out == os.path.join(HERE, "RESULTS.md"):
            scratch = True
            a.out = os.path.join(tempfile.gettempdir(), f"homeops-bench-smoke-{os.getpid()}.md")
    a.build = os.path.abspath(a.build)
    fx = fixtures_dir()
    if not os.path.isdir(fx):
        print(f"SKIP: fixtures directory {fx} is absent (HOMEOPS_FIXTURES)")
        return 77
    for tool in ("wrk", "nginx", "prometheus-node-exporter"):
        if not shutil.which(tool):
            print(f"missing {tool} (contrib/debian-packages.txt)")
            return 1
    m = ps.machine()
    say("# homeops benchmark results")
    say()
    say(f"Written by `tests/bench/run.py{' --smoke' if a.smoke else ''}` on {m['date']}. Machine: {m['cpu']}, "
        f"{m['cores']} cores, {m['memory']}, kernel {m['kernel']}; load average at start {ps.load()} "
        "(the machine is shared: every table gives the load it ran under). Release build (RelWithDebInfo, gcc).")
    say()
    results = {"machine": m, "load_start": ps.load()}
    tmp = tempfile.mkdtemp(prefix="homeops-bench-run-", dir=a.dir)
    os.chmod(tmp, 0o755)
    t0 = time.monotonic()
    try:
        secs = a.sections.split(",")
        if "serving" in secs:
            results["serving"] = section_serving(a, tmp, fx)
        if "footprint" in secs:
            import footprint
            results["footprint"] = footprint.section(a, tmp, fx, say, table, verdict)
        if "scaling" in secs:
            import scaling
            results["scaling"] = scaling.section(a, tmp, fx, say, table)
        if "receiver" in secs:
            results["receiver"] = section_receiver(a, tmp, fx)
        if "cifs-hang" in secs:
            results["cifs_hang"] = section_cifs_hang(a)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if not a.smoke:      # what was measured is kept even when a later section fails
            with open(a.out + ".partial", "w") as f:
                f.write("\n".join(OUT) + "\n")
    results["load_end"] = ps.load()
    if MISSES:
        say("## Misses and their profiles")
        say()
        for what, path, top in MISSES:
            say(f"- {what}: `{os.path.relpath(path, S.SRC)}`; top entries:")
            say("  ```")
            for ln in top:
                say("  " + ln.strip())
            say("  ```")
        say()
    say(f"Load average at the end: {results['load_end']}; the run took {time.monotonic() - t0:.0f} s.")
    with open(a.out, "w") as f:
        f.write("\n".join(OUT) + "\n")
    if os.path.exists(a.out + ".partial"):
        os.unlink(a.out + ".partial")
    print(f"wrote {a.out}")
    if a.smoke and scratch:     # the smoke run checked that the report is written; it leaves nothing behind
        os.unlink(a.out)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    return 0


def section_receiver(a, tmp, fx):
    import receiver_bench as rb
    say("## 4. Receiver: durable alerts/s beside adnanh/webhook")
    say()
    ns = argparse.Namespace(receiver=S.binary(a.build, "receiver"), webhook=shutil.which("webhook"),
                            connections=[1, 8, 16, 32], seconds=a.seconds, repeat=a.repeat, burst=10000,
                            burst_connections=16, with_playbook=False, playbook_burst=0)
    template, source = rb.load_template(tmp)
    quiet_wait = ps.wait_quiet()
    fs_lat = fsync_latency(tmp)
    load0 = ps.load()
    res = {"payload": source}
    for kind in ("receiver", "webhook"):
        res[kind] = rb.run_server(kind, ns, tmp, template)
    res["load"] = (load0, ps.load())
    rc, wh = res["receiver"], res["webhook"]
    say(f"Payload: {source}, a distinct alert per request (wrk + receiver_alerts.lua), bearer token checked by "
        f"both. Receiver: SQLite WAL, synchronous=FULL, answered after the fsync'd group commit, --dry-run "
        f"(stored, routed, run recorded). webhook 2.8.0: one hook running /bin/true. {a.seconds} s per row, "
        f"median of {a.repeat}; store on {a.dir} ({fs_lat['fstype']}: write+fsync of 4 KiB takes p50 "
        f"{fs_lat['p50_ms']:.2f} ms, p99 {fs_lat['p99_ms']:.2f} ms over 50 tries just before). Started after "
        f"{quiet_wait:.0f} s of waiting for the CPUs to be ≥ 85% idle for 3 s (the scaling section's containers "
        f"being removed); load {load0} → {res['load'][1]}.")
    say()
    table(["connections", "receiver alerts/s", "p50 / p99 ms", "webhook req/s", "p50 / p99 ms", "receiver/webhook"],
          [[x["connections"], f"{x['accepted_per_s']:.0f}", f"{f2(x['p50_ms'])} / {f2(x['p99_ms'])}",
            f"{y['accepted_per_s']:.0f}", f"{f2(y['p50_ms'])} / {f2(y['p99_ms'])}",
            f"{x['accepted_per_s'] / y['accepted_per_s']:.2f}x" if y['accepted_per_s'] else "-"]
           for x, y in zip(rc["runs"], wh["runs"])])
    b, wb = rc["burst"], wh["burst"]
    say(f"Burst of {ns.burst} alerts at {ns.burst_connections} connections, fresh process and store (median of "
        f"{a.repeat}); webhook's USS is its own process (its /bin/true children: peak {wb.get('children_peak', 0)}, "
        f"{wb.get('children_rss_peak_mib', 0):.0f} MiB RSS).")
    say()
    table(["server", "alerts/s", "p50 / p99 ms", "non-2xx", "USS / RSS during", "USS / RSS after"],
          [[n, f"{x['accepted_per_s']:.0f}", f"{f2(x['p50_ms'])} / {f2(x['p99_ms'])}", x["non2xx"],
            f"{x['uss_during_mib']:.1f} / {x['rss_during_mib']:.1f}", f"{x['uss_after_mib']:.1f} / {x['rss_after_mib']:.1f}"]
           for n, x in (("receiver", b), ("webhook", wb))])
    best = max(rc["runs"], key=lambda x: x["accepted_per_s"])
    t = {"rate": (b["accepted_per_s"] >= 10000, f"burst {b['accepted_per_s']:.0f}/s, best row "
                  f"{best['accepted_per_s']:.0f}/s at c={best['connections']} vs ≥ 10,000"),
         "p99": ((b["p99_ms"] or 99) < 5, f"burst p99 {f2(b['p99_ms'])} ms vs < 5 ms"),
         "uss": (b["uss_during_mib"] <= 16, f"{b['uss_during_mib']:.1f} MiB during vs ≤ 16 MiB")}
    table(["target", "verdict"], [[k, verdict(*v)] for k, v in t.items()])
    say(f"Store: {b.get('stored_alerts', '-')} alerts stored after the burst, {b.get('alerts_per_commit', 0):.1f} "
        f"operations per fsync'd group commit; with the fsync latency above, a durable answer cannot come sooner "
        f"than one fsync (p50 {fs_lat['p50_ms']:.2f} ms) and the rate is bounded by commits/s × alerts per commit.")
    say()
    res["targets"], res["fsync"] = t, fs_lat
    if not t["rate"][0] or not t["p99"][0]:
        srv = rb.ReceiverServer(ns.receiver, tmp)
        try:
            cmd = ["wrk", "-t1", "-c16", "-d4s", "-s", rb.LUA, srv.url, "--", template, rb.TOKEN]
            got = perf_profile("receiver-burst", srv.pid, cmd)
            if got:
                MISSES.append((f"receiver: {t['rate'][1]}; {t['p99'][1]}", *got))
        finally:
            srv.close()
    if not t["uss"][0]:
        MISSES.append((f"receiver: {t['uss'][1]}", os.path.join(PROFILES, "-"), ["(no memory profile taken)"]))
    return res


def section_cifs_hang(a, seconds=15):
    import cifs_hang_bench
    say("## 5. A hung mount: node_exporter's filesystem collector beside cifs_mount_exporter")
    say()
    load0 = ps.load()
    r = cifs_hang_bench.hang_compare(S.binary(a.build, "cifs"), seconds)
    sm = r["summary"]
    say(f"A bindfs mount whose daemon is SIGSTOPped for {seconds} s, scraped once a second (10 s client timeout, "
        f"Prometheus's default scrape_timeout). Load {load0} → {ps.load()}.")
    say()
    table(["", "before the hang (worst of 5)", "first scrape in the hang", "worst in the hang", "USS KiB in the hang",
           "threads in the hang"],
          [[n, f"{max(r['baseline'][n]) * 1000:.1f} ms", f"{sm[n + '_first_s'] * 1000:.1f} ms",
            f"{sm[n + '_worst_s'] * 1000:.1f} ms", sm["uss_during_hang"][n + "_kib"], sm["threads_during_hang"][n]]
           for n in ("node_exporter", "cifs_mount_exporter")])
    return r


def fsync_latency(d, n=50):
    """write(4 KiB) + fsync latency of the store's file system (what every durable answer waits for)."""
    path = os.path.join(d, "fsync-probe")
    lat = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for _ in range(n):
            t = time.perf_counter()
            os.write(fd, b"x" * 4096)
            os.fsync(fd)
            lat.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    lat.sort()
    fstype = subprocess.run(["stat", "-f", "-c", "%T", d], capture_output=True, text=True).stdout.strip()
    return {"fstype": fstype, "p50_ms": lat[n // 2], "p99_ms": lat[int(n * 0.99) - 1]}


if __name__ == "__main__":
    sys.exit(main())
