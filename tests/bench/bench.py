#!/usr/bin/python3
"""bench.py: side-by-side scrape benchmark of the same bytes, reported as ratios (never asserted).

For an exporter's body it serves the *same bytes* three ways and loads each with wrk:
  - the homeops exporter itself (snapshot server),
  - nginx serving the body as a static file (gzip: the same body pre-compressed, gzip_static),
  - prometheus-node-exporter serving it from its textfile collector (other collectors off).
Runs are interleaved (ours, nginx, node_exporter, then again) so the three see the same load; the
median of --repeat runs is kept. Also: idle USS (Private_Clean + Private_Dirty of smaps_rollup) and RSS
of each server after the load. tests/bench/run.py calls compare() for every exporter.

usage: bench.py --exporter NAME=BINARY[,FLAG...] ... [--seconds N] [--connections N] [--repeat N] [--json OUT]
"""
import argparse
import gzip as gz
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from homeops_test import Proc, free_port, http, memory_kib, start_exporter, wait_port  # noqa: E402
import procstat as ps  # noqa: E402


def mem(pid):
    uss, rss = memory_kib(pid)
    return uss / 1024.0, rss / 1024.0


def wrk(port, path, seconds, conns, gzip=False, pids=()):
    """One wrk run. With the server's pids, also the CPU it spent per request and how busy it and wrk were
    (share of one core): on 2 cores wrk -t1 is one core, and when it is the busy one, requests/s measure
    the client; CPU per request still measures the server."""
    argv = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency", f"http://127.0.0.1:{port}{path}"]
    if gzip:
        argv[1:1] = ["-H", "Accept-Encoding: gzip"]
    cpu0 = sum(ps.sched_seconds(p) for p in pids)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    wall = time.monotonic() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(ps.sched_seconds(p) for p in pids) - cpu0
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise RuntimeError("cannot parse wrk output:\n" + out)
    rps = float(m.group(1))
    n = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", out)
    nreq = int(n.group(1)) if n else 0
    client = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not m:
            return None
        v = float(m.group(1))
        return v / 1000.0 if m.group(2) == "us" else v if m.group(2) == "ms" else v * 1000
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": rps, "p50_ms": pct(50), "p99_ms": pct(99), "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(int(x) for x in err.groups()) if err else 0,
            "cpu_us_per_req": cpu * 1e6 / nreq if pids and nreq else None,
            "server_busy": cpu / wall if pids else None, "client_busy": client / wall}


def start_nginx(d, body_path):
    """nginx (one worker) serving body_path as /metrics, and body_path.gz to clients that accept gzip."""
    port = free_port()
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off; worker_processes 1; pid {d}/nginx.pid; error_log {d}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000; gzip_static on;
  types {{ }} default_type "text/plain; version=0.0.4; charset=utf-8";
  client_body_temp_path {d}/cb; proxy_temp_path {d}/pt; fastcgi_temp_path {d}/ft; uwsgi_temp_path {d}/ut; scgi_temp_path {d}/st;
  server {{ listen 127.0.0.1:{port}; location = /metrics {{ alias {body_path}; }} }} }}
""")
    p = Proc(["nginx", "-c", conf, "-p", d], name="nginx")
    if not wait_port(port):
        raise RuntimeError("nginx did not start:\n" + p.output())
    # nginx forks a worker: measure the master and the worker (the process that serves)
    time.sleep(0.3)
    kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(p.pid)], capture_output=True, text=True).stdout.split()
    return p, port, [p.pid] + [int(k) for k in kids]


def metric_name(line):
    if line.startswith("# HELP") or line.startswith("# TYPE"):
        return line.split()[2]
    return re.split(r"[{ ]", line, 1)[0]


def start_node_exporter(d, body):
    tdir = os.path.join(d, "textfile")
    os.makedirs(tdir, exist_ok=True)
    # node_exporter owns process_* itself; the rest of the body is served as-is
    keep = [ln for ln in body.splitlines() if ln and not metric_name(ln).startswith("process_")]
    with open(os.path.join(tdir, "bench.prom"), "w") as f:
        f.write("\n".join(keep) + "\n")
    port = free_port()
    exe = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
    p = Proc([exe, f"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults",
              "--collector.textfile", f"--collector.textfile.directory={tdir}"], name="node_exporter")
    if not wait_port(port):
        raise RuntimeError("node_exporter did not start:\n" + p.output())
    return p, port, [p.pid]


def _median(runs, key):
    vals = sorted(r[key] for r in runs if r.get(key) is not None)
    return vals[(len(vals) - 1) // 2] if vals else None


def compare(name, ex_pid, ex_port, seconds=5, conns=8, repeat=3, tmp=None, log=print, on_load=None):
    """Serves the exporter's current body from nginx and node_exporter too and loads the three with wrk,
    interleaved, plain and gzip, `repeat` times. Returns a dict of medians per server and the ratios.
    on_load(label, port, pids): called once per server during an extra wrk run (profiling hook)."""
    d = tempfile.mkdtemp(prefix="homeops-bench-", dir=tmp)
    os.chmod(d, 0o755)   # nginx's worker runs as www-data
    procs = []
    try:
        body = http(ex_port).body
        gzbody = http(ex_port, headers={"Accept-Encoding": "gzip"})
        gz_bytes = len(gzbody.body) if gzbody.headers.get("content-encoding") == "gzip" else None
        body_path = os.path.join(d, "www", "metrics.txt")
        os.makedirs(os.path.dirname(body_path))
        with open(body_path, "wb") as f:
            f.write(body)
        with open(body_path + ".gz", "wb") as f:
            f.write(gz.compress(body, 6))
        for p in (os.path.dirname(body_path), body_path, body_path + ".gz"):
            os.chmod(p, 0o755 if os.path.isdir(p) else 0o644)
        ng, ng_port, ng_pids = start_nginx(d, body_path)
        procs.append(ng)
        ne, ne_port, ne_pids = start_node_exporter(d, body.decode())
        procs.append(ne)
        servers = (("homeops", ex_port, [ex_pid]), ("nginx", ng_port, ng_pids), ("node_exporter", ne_port, ne_pids))
        runs = {s[0]: {"plain": [], "gzip": []} for s in servers}
        for label, port, _ in servers:
            wrk(port, "/metrics", 1, conns)   # warm-up
        for _ in range(repeat):
            for enc in ("plain", "gzip"):
                for label, port, pids in servers:
                    r = wrk(port, "/metrics", seconds, conns, gzip=(enc == "gzip"), pids=pids)
                    r["load1"] = os.getloadavg()[0]
                    if r["non2xx"]:
                        raise RuntimeError(f"{name}: {label} answered {r['non2xx']} errors during the benchmark")
                    runs[label][enc].append(r)
        if on_load:
            for label, port, pids in servers:
                on_load(label, port, pids)
        time.sleep(1.0)
        rows = {}
        for label, port, pids in servers:
            uss = sum(mem(p)[0] for p in pids)
            rss = sum(mem(p)[1] for p in pids)
            row = {"uss_mib": uss, "rss_mib": rss, "dirty_mib": ps.dirty_mib(pids), "bytes": len(http(port).body)}
            for enc in ("plain", "gzip"):
                rr = runs[label][enc]
                row[enc] = {"rps": _median(rr, "rps"), "p50_ms": _median(rr, "p50_ms"), "p99_ms": _median(rr, "p99_ms"),
                            "cpu_us_per_req": _median(rr, "cpu_us_per_req"), "server_busy": _median(rr, "server_busy"),
                            "client_busy": _median(rr, "client_busy"),
                            "all_rps": [r["rps"] for r in rr], "load1": [r["load1"] for r in rr]}
            rows[label] = row
        res = {"exporter": name, "body_bytes": len(body), "gzip_bytes": gz_bytes, "servers": rows,
               "seconds": seconds, "connections": conns, "repeat": repeat}
        for enc in ("plain", "gzip"):
            h = rows["homeops"][enc]
            res[f"{enc}_vs_nginx"] = h["rps"] / rows["nginx"][enc]["rps"]
            res[f"{enc}_vs_node_exporter"] = h["rps"] / rows["node_exporter"][enc]["rps"]
            # server efficiency: the peer's CPU per request over ours (> 1: ours costs less per scrape)
            res[f"{enc}_cpu_vs_nginx"] = rows["nginx"][enc]["cpu_us_per_req"] / h["cpu_us_per_req"]
        return res
    finally:
        for p in procs:
            p.close()
        shutil.rmtree(d, ignore_errors=True)


def print_compare(res, log=print):
    log(f"\n== {res['exporter']}: {res['body_bytes']} bytes (gzip {res['gzip_bytes']}), wrk -t1 "
        f"-c{res['connections']} -d{res['seconds']}s, median of {res['repeat']} ==")
    log(f"{'server':<15}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'us CPU/req':>11}{'busy':>6}{'wrk':>6}"
        f"{'gz req/s':>10}{'gz p99':>9}{'USS MiB':>9}{'RSS MiB':>9}{'body B':>9}")
    for label, r in res["servers"].items():
        log(f"{label:<15}{r['plain']['rps']:>10.0f}{r['plain']['p50_ms'] or 0:>9.3f}{r['plain']['p99_ms'] or 0:>9.3f}"
            f"{r['plain']['cpu_us_per_req'] or 0:>11.1f}{(r['plain']['server_busy'] or 0) * 100:>5.0f}%"
            f"{r['plain']['client_busy'] * 100:>5.0f}%"
            f"{r['gzip']['rps']:>10.0f}{r['gzip']['p99_ms'] or 0:>9.3f}{r['uss_mib']:>9.2f}{r['rss_mib']:>9.2f}"
            f"{r['bytes']:>9}")
    log(f"CPU per request, nginx/ours: plain {res['plain_cpu_vs_nginx']:.2f}, gzip {res['gzip_cpu_vs_nginx']:.2f}")
    log(f"ratios ours/nginx: plain {res['plain_vs_nginx']:.2f}, gzip {res['gzip_vs_nginx']:.2f}; "
        f"ours/node_exporter: plain {res['plain_vs_node_exporter']:.2f}, gzip {res['gzip_vs_node_exporter']:.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exporter", action="append", required=True,
                    help="NAME=BINARY[,FLAG,...]: an exporter to benchmark (listen address is added)")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json")
    a = ap.parse_args()
    results = []
    for spec in a.exporter:
        name, rest = spec.split("=", 1)
        binary, *flags = rest.split(",")
        ex, ex_port = start_exporter(binary, *flags)
        try:
            time.sleep(1.5)
            res = compare(name, ex.pid, ex_port, a.seconds, a.connections, a.repeat)
            print_compare(res)
            results.append(res)
        finally:
            ex.close()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
