#!/usr/bin/python3
"""bench.py: side-by-side scrape benchmark, reported as ratios (never asserted).

For each exporter body it serves the *same bytes* three ways and loads each with wrk:
  - the homeops exporter itself (snapshot server),
  - nginx serving the body as a static file,
  - prometheus-node-exporter serving it from its textfile collector (other collectors off).
It reports requests/s, latency percentiles, and idle USS (Private_Clean + Private_Dirty from
/proc/PID/smaps_rollup) and RSS of each server after the load.

usage: bench.py --exporter NAME=BINARY[,FLAG...] ... [--seconds N] [--connections N] [--json OUT]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from homeops_test import Proc, free_port, http, memory_kib, start_exporter, wait_port


def mem(pid):
    uss, rss = memory_kib(pid)
    return uss / 1024.0, rss / 1024.0


def wrk(port, path, seconds, conns, gzip=False):
    argv = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency", f"http://127.0.0.1:{port}{path}"]
    if gzip:
        argv[1:1] = ["-H", "Accept-Encoding: gzip"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not m:
            return None
        v = float(m.group(1))
        return v / 1000.0 if m.group(2) == "us" else v if m.group(2) == "ms" else v * 1000
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": pct(50), "p99_ms": pct(99), "non2xx": int(non2xx.group(1)) if non2xx else 0}


def start_nginx(d, body_path):
    port = free_port()
    conf = os.path.join(d, "nginx.conf")
    root = os.path.dirname(body_path)
    with open(conf, "w") as f:
        f.write(f"""daemon off; worker_processes 1; pid {d}/nginx.pid; error_log {d}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  types {{ }} default_type "text/plain; version=0.0.4; charset=utf-8";
  client_body_temp_path {d}/cb; proxy_temp_path {d}/pt; fastcgi_temp_path {d}/ft; uwsgi_temp_path {d}/ut; scgi_temp_path {d}/st;
  server {{ listen 127.0.0.1:{port}; root {root}; location = /metrics {{ try_files /{os.path.basename(body_path)} =404; }} }} }}
""")
    p = Proc(["nginx", "-c", conf, "-p", d], name="nginx")
    if not wait_port(port):
        raise RuntimeError("nginx did not start:\n" + p.output())
    # nginx forks a worker: measure the worker (the process that serves)
    time.sleep(0.3)
    kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(p.pid)], capture_output=True, text=True).stdout.split()
    return p, port, [p.pid] + [int(k) for k in kids]


def start_node_exporter(d, body):
    tdir = os.path.join(d, "textfile")
    os.makedirs(tdir, exist_ok=True)
    # node_exporter owns process_* itself; the rest of the body is served as-is
    keep = []
    skip = False
    for line in body.splitlines():
        name = re.split(r"[{ ]", line[7:] if line.startswith("# ") else line)[1 if line.startswith("# ") else 0] \
            if line.startswith("# ") else re.split(r"[{ ]", line)[0]
        if line.startswith("# HELP") or line.startswith("# TYPE"):
            name = line.split()[2]
        if name.startswith("process_"):
            continue
        keep.append(line)
    with open(os.path.join(tdir, "bench.prom"), "w") as f:
        f.write("\n".join(keep) + "\n")
    port = free_port()
    exe = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
    p = Proc([exe, f"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults",
              "--collector.textfile", f"--collector.textfile.directory={tdir}"], name="node_exporter")
    if not wait_port(port):
        raise RuntimeError("node_exporter did not start:\n" + p.output())
    return p, port, [p.pid]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exporter", action="append", required=True,
                    help="NAME=BINARY[,FLAG,...]: an exporter to benchmark (listen address is added)")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--json")
    a = ap.parse_args()
    results = []
    for spec in a.exporter:
        name, rest = spec.split("=", 1)
        binary, *flags = rest.split(",")
        d = tempfile.mkdtemp(prefix="homeops-bench-")
        os.chmod(d, 0o755)   # nginx's worker runs as www-data
        procs = []
        try:
            ex, ex_port = start_exporter(binary, *flags)
            procs.append(ex)
            time.sleep(1.5)
            body = http(ex_port).text()
            body_path = os.path.join(d, "www", "metrics.txt")
            os.makedirs(os.path.dirname(body_path))
            with open(body_path, "w") as f:
                f.write(body)
            os.chmod(body_path, 0o644)
            ng, ng_port, ng_pids = start_nginx(d, body_path)
            procs.append(ng)
            ne, ne_port, ne_pids = start_node_exporter(d, body)
            procs.append(ne)
            uss0, rss0 = mem(ex.pid)
            rows = {}
            for label, port, pids in (("homeops", ex_port, [ex.pid]), ("nginx", ng_port, ng_pids),
                                      ("node_exporter", ne_port, ne_pids)):
                wrk(port, "/metrics", 1, a.connections)   # warm-up
                r = wrk(port, "/metrics", a.seconds, a.connections)
                rg = wrk(port, "/metrics", a.seconds, a.connections, gzip=True) if label != "nginx" else None
                time.sleep(0.5)
                uss = sum(mem(p)[0] for p in pids)
                rss = sum(mem(p)[1] for p in pids)
                if r["non2xx"] or http(port).status != 200:
                    raise RuntimeError(f"{label} answered errors during the benchmark")
                rows[label] = {**r, "gzip_rps": rg["rps"] if rg else None, "uss_mib": uss, "rss_mib": rss,
                               "bytes": len(http(port).body)}
            res = {"exporter": name, "body_bytes": len(body.encode()), "idle_uss_mib_before_load": uss0,
                   "idle_rss_mib_before_load": rss0, "servers": rows,
                   "ratio_rps_vs_nginx": rows["homeops"]["rps"] / rows["nginx"]["rps"],
                   "ratio_rps_vs_node_exporter": rows["homeops"]["rps"] / rows["node_exporter"]["rps"],
                   "ratio_uss_vs_node_exporter": rows["homeops"]["uss_mib"] / rows["node_exporter"]["uss_mib"]}
            results.append(res)
            print(f"\n== {name}: {res['body_bytes']} bytes, wrk -t1 -c{a.connections} -d{a.seconds}s ==")
            print(f"{'server':<15}{'req/s':>10}{'gzip req/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'USS MiB':>9}{'RSS MiB':>9}{'body B':>8}")
            for label, r in rows.items():
                g = f"{r['gzip_rps']:.0f}" if r["gzip_rps"] else "-"
                print(f"{label:<15}{r['rps']:>10.0f}{g:>12}{r['p50_ms'] or 0:>9.3f}{r['p99_ms'] or 0:>9.3f}"
                      f"{r['uss_mib']:>9.2f}{r['rss_mib']:>9.2f}{r['bytes']:>8}")
            print(f"ratios: homeops/nginx req/s {res['ratio_rps_vs_nginx']:.2f}, "
                  f"homeops/node_exporter req/s {res['ratio_rps_vs_node_exporter']:.2f}, "
                  f"homeops/node_exporter USS {res['ratio_uss_vs_node_exporter']:.2f}; "
                  f"idle before load: USS {uss0:.2f} MiB, RSS {rss0:.2f} MiB")
        finally:
            for p in procs:
                p.close()
            shutil.rmtree(d, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
