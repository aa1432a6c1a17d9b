#!/usr/bin/python3
"""docker_200.py: docker_health_exporter with N real containers (default 200) on a private dockerd.

Starts Debian's dockerd (tests/lib/dockerd.py), N busybox `sleep 3600` containers (4 docker clients
at a time), then docker_health_exporter, and reports: the time of the first full resync (list +
N inspects), USS and RSS of the exporter, scrape latency over 200 scrapes (median, p99), the body
size, the time from `docker rm -f` of all N containers to the metrics showing none, and how many
collections the burst of N destroy events caused. Root; not part of ctest (minutes of CPU).
    /usr/bin/python3 tests/bench/docker_200.py --binary build/rel/exporters/docker/docker_health_exporter
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from homeops_test import http, log, memory_kib, metric_value, promtool_check_metrics, start_exporter  # noqa: E402
from dockerd import Dockerd  # noqa: E402


def run_containers(d, img, start, end):
    """Starts containers c<start>..c<end-1> (busybox `sleep 3600`, no network), 4 docker clients at a time."""
    if end <= start:
        return
    names = " ".join(f"c{i:03d}" for i in range(start, end))
    subprocess.run(f"printf '%s\\n' {names} | xargs -P4 -I NAME docker -H {d.host} run -d --network none "
                   f"--name NAME --label com.docker.compose.project=bench {img} sleep 3600 >/dev/null",
                   shell=True, check=True, timeout=1200)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("-n", type=int, default=200)
    args = ap.parse_args()
    d = Dockerd()
    exporter = None
    try:
        d.start()
        img = d.build_busybox_image()
        t = time.monotonic()
        run_containers(d, img, 0, args.n)
        log(f"{args.n} containers started in {time.monotonic() - t:.1f}s")

        exporter, port = start_exporter(args.binary, f"--docker.host={d.host}", "--docker.label=com.docker.compose.project")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            r = http(port)
            if r.status == 200 and metric_value(r.text(), "docker_containers") == args.n \
                    and metric_value(r.text(), "docker_event_stream_up") == 1:
                break
            time.sleep(0.2)
        text = http(port).text()
        log(f"first full resync: docker_collect_duration_seconds {metric_value(text, 'docker_collect_duration_seconds'):.3f} "
            f"({args.n} containers: version + list + {args.n} inspects over the unix socket)")
        promtool_check_metrics(text)
        log("promtool check metrics: clean")
        time.sleep(2)
        uss, rss = memory_kib(exporter.pid)
        log(f"exporter memory: USS {uss} KiB, RSS {rss} KiB (smaps_rollup)")
        lat = []
        for _ in range(200):
            t = time.perf_counter()
            r = http(port)
            lat.append(time.perf_counter() - t)
            assert r.status == 200
        lat.sort()
        log(f"scrape latency over 200 scrapes (new connection each, python client): median {lat[100] * 1000:.2f} ms, "
            f"p99 {lat[197] * 1000:.2f} ms, max {lat[-1] * 1000:.2f} ms; body {len(r.body)} bytes, "
            f"{sum(1 for ln in r.text().splitlines() if ln and not ln.startswith('#'))} samples")

        # a burst: every container removed at once; how fast do the metrics follow, how many collections
        before = metric_value(http(port).text(), "docker_last_collect_timestamp_seconds")
        t = time.monotonic()
        ids = d.docker("ps", "-aq").stdout.split()
        collections = set()
        proc = subprocess.Popen(["docker", "-H", d.host, "rm", "-f", *ids], stdout=subprocess.DEVNULL)
        while time.monotonic() - t < 300:
            text = http(port).text()
            collections.add(metric_value(text, "docker_last_collect_timestamp_seconds"))
            if metric_value(text, "docker_containers") == 0 and proc.poll() is not None:
                break
            time.sleep(0.05)
        took = time.monotonic() - t
        log(f"docker rm -f of {len(ids)} containers -> docker_containers 0 after {took:.1f}s; "
            f"{len(collections - {before})} distinct snapshots seen while {metric_value(text, 'docker_events_total', {'action': 'destroy'}):.0f} "
            f"destroy events (and as many kill/die) arrived")
        uss, rss = memory_kib(exporter.pid)
        log(f"exporter memory after: USS {uss} KiB, RSS {rss} KiB")
    finally:
        if exporter:
            exporter.close()
        d.close()


if __name__ == "__main__":
    main()
