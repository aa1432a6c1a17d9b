#!/usr/bin/python3
"""real_engine_test.py: docker_health_exporter against a real Docker engine.

tests/lib/dockerd.py starts Debian's dockerd on a private socket, data-root and exec-root
(--bridge=none, no iptables) and imports a busybox image from the busybox-static package. The
exporter is started on 127.0.0.1 against that socket, then: a healthy container, one turning
unhealthy (the time from Docker's health_status event to the metric changing is measured), a
restart loop (--restart=always on `sh -c 'exit 3'`: docker_container_restarts_total grows between
scrapes and matches Docker's RestartCount), an exit code, an OOM kill under `-m 8m`, a container
removed while the exporter runs, a bind mount, a chosen label; then dockerd stopped (docker_up 0,
the scrape still answers, no stale containers) and started again (recovers, resyncs).
promtool check metrics on the real output. Everything is stopped by PID and removed in a finally.
Needs root; exits 77 (skipped) otherwise.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", "."), "tests", "lib"))
from homeops_test import Checks, http, log, metric_value, promtool_check_metrics, skip, start_exporter, wait_metric  # noqa: E402
from dockerd import Dockerd, missing_tools  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--binary", required=True)
args = ap.parse_args()
check = Checks()


if os.geteuid() != 0:
    skip("needs root to run dockerd")
missing = missing_tools() + ([] if shutil.which("promtool") else ["promtool"])
if missing:
    skip("not installed: " + ", ".join(missing) + " (contrib/debian-packages.txt)")


def scrape(port, ready=True):
    """/metrics; with ready=False a 503 (no collection finished yet) reads as empty."""
    r = http(port)
    if r.status == 503 and not ready:
        return ""
    assert r.status == 200, r.status
    return r.text()


def wait_value(port, name, labels, want, timeout=20.0):
    """Polls until metric name{labels} == want; returns the text."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = scrape(port, ready=False)
        if metric_value(text, name, labels) == want:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{name}{labels} never became {want} within {timeout}s; now {metric_value(text, name, labels)}\n"
                         + "\n".join(ln for ln in text.splitlines() if ln.startswith("docker_")))


def wait_absent(port, name, labels, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = scrape(port)
        if metric_value(text, name, labels) is None:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{name}{labels} still present after {timeout}s")


d = None
exporter = None
share = None
try:
    t0 = time.monotonic()
    d = Dockerd()
    d.start()
    img = d.build_busybox_image()
    log(f"dockerd pid {d.pid()} storage={d.storage_driver or 'default'} at {d.dir}; image ready in {time.monotonic() - t0:.1f}s")
    share = os.path.join(d.dir, "share")   # a mount point (tmpfs), standing in for a CIFS share
    os.makedirs(share)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "homeops-share", share], check=True, timeout=20)
    os.makedirs(os.path.join(share, "media"))

    run = ["run", "-d", "--network", "none", "--stop-timeout", "1"]
    # before the exporter starts: found by the first resync
    d.docker(*run, "--name", "healthy", "--label", "com.example.project=homeops", "--health-cmd", "true",
             "--health-interval", "1s", "--health-retries", "1", img, "sleep", "3600")
    d.docker(*run, "--name", "exit3", img, "sh", "-c", "exit 3")
    d.docker(*run, "--name", "bound", "-v", f"{share}/media:/data:ro", img, "sleep", "3600")

    exporter, port = start_exporter(args.binary, f"--docker.host={d.host}", "--docker.label=com.example.project",
                                    "--log.level=debug")
    text = wait_value(port, "docker_up", None, 1)
    check("docker_engine_info names the engine", metric_value(text, "docker_engine_info", {"api_version": "1.41"}) == 1,
          text)
    text = wait_value(port, "docker_container_health_status", {"name": "healthy", "status": "healthy"}, 1)
    check("healthy container: health_status healthy", True)
    check("chosen label copied onto docker_container_info",
          metric_value(text, "docker_container_info", {"name": "healthy", "label_com_example_project": "homeops"}) == 1,
          text)
    check("only the chosen labels are copied", "label_org_" not in text and "label_com_docker" not in text)
    check("exit3: state exited", metric_value(text, "docker_container_state", {"name": "exit3", "state": "exited"}) == 1)
    check("exit3: exit code 3", metric_value(text, "docker_container_exit_code", {"name": "exit3"}) == 3)
    check("exit3: finished_at set", (metric_value(text, "docker_container_finished_at_timestamp_seconds",
                                                  {"name": "exit3"}) or 0) > 1e9)
    text = wait_value(port, "docker_container_bind_mount_info",
                      {"name": "bound", "source": share + "/media", "mountpoint": share, "destination": "/data",
                       "rw": "false"}, 1, timeout=10)
    check("bound: bind mount source, its mount point, destination and rw", True)
    check("no health check: status none, no failing streak",
          metric_value(text, "docker_container_health_status", {"name": "bound", "status": "none"}) == 1
          and metric_value(text, "docker_container_health_failing_streak", {"name": "bound"}) is None)
    wait_value(port, "docker_event_stream_up", None, 1, timeout=10)
    check("event stream up", True)
    promtool_check_metrics(text)
    check("promtool check metrics: clean (first resync)", True)

    # turning unhealthy: event-to-metric latency
    d.docker(*run, "--name", "flappy", "--health-cmd", "test -f /tmp/ok", "--health-interval", "1s",
             "--health-retries", "1", img, "sh", "-c", "touch /tmp/ok; exec sleep 3600")
    wait_value(port, "docker_container_health_status", {"name": "flappy", "status": "healthy"}, 1, timeout=30)
    since = int(time.time()) - 1
    d.docker("exec", "flappy", "rm", "/tmp/ok")
    deadline = time.monotonic() + 30
    seen = None
    while time.monotonic() < deadline:
        text = scrape(port)
        if metric_value(text, "docker_container_health_status", {"name": "flappy", "status": "unhealthy"}) == 1:
            seen = time.time()
            break
        time.sleep(0.01)
    check("flappy: turned unhealthy", seen is not None)
    ev = d.docker("events", "--since", str(since), "--until", str(int(time.time()) + 1), "--filter", "container=flappy",
                  "--filter", "event=health_status", "--format", "{{json .}}").stdout.splitlines()
    unhealthy = [json.loads(x) for x in ev if "unhealthy" in x]
    check("engine sent health_status: unhealthy", unhealthy, "\n".join(ev))
    latency = seen - unhealthy[0]["timeNano"] / 1e9
    log(f"event-to-metric latency (health_status: unhealthy event time -> first scrape showing it, 10 ms polling): "
        f"{latency * 1000:.0f} ms")
    check("the metric changed within a second of the event", latency < 1.0, f"{latency:.3f}s")
    text = wait_value(port, "docker_container_health_failing_streak", {"name": "flappy"}, 1, timeout=10)
    check("failing streak reported (from the inspect that follows the event)", True)

    # restart loop: restarts_total grows between scrapes and matches Docker's RestartCount
    d.docker(*run, "--name", "looper", "--restart=always", img, "sh", "-c", "exit 3")
    text = wait_value(port, "docker_container_exit_code", {"name": "looper"}, 3, timeout=20)
    text = wait_value(port, "docker_container_info", {"name": "looper", "restart_policy": "always"}, 1, timeout=10)
    check("looper: restart_policy on docker_container_info (from the inspect after the events)", True)
    deadline = time.monotonic() + 20
    first = metric_value(text, "docker_container_restarts_total", {"name": "looper"}) or 0
    while time.monotonic() < deadline:
        time.sleep(0.5)
        text = scrape(port)
        later = metric_value(text, "docker_container_restarts_total", {"name": "looper"}) or 0
        if later >= first + 2:
            break
    check(f"looper: restarts_total grows between scrapes ({first:.0f} -> {later:.0f})", later >= first + 2, text)
    d.docker("stop", "-t", "1", "looper")   # a manual stop ends the restart policy's loop
    rc = int(d.docker("inspect", "--format", "{{.RestartCount}}", "looper").stdout.strip())
    text = wait_value(port, "docker_container_restarts", {"name": "looper"}, rc, timeout=10)
    total = metric_value(text, "docker_container_restarts_total", {"name": "looper"})
    log(f"looper: RestartCount {rc}, restarts_total {total:.0f}, events die={metric_value(text, 'docker_events_total', {'action': 'die'}):.0f}")
    check("looper: restarts_total equals Docker's RestartCount (no restart double-counted)", total == rc,
          f"total {total} rc {rc}")

    # OOM kill under -m 8m
    d.docker(*run, "--name", "oomer", "-m", "8m", "--memory-swap", "8m", img, "sh", "-c",
             'x=a; while true; do x="$x$x"; done')
    text = wait_value(port, "docker_container_ooms_total", {"name": "oomer"}, 1, timeout=30)
    text = wait_value(port, "docker_container_exit_code", {"name": "oomer"}, 137, timeout=10)
    check("oomer: oom_killed 1", metric_value(text, "docker_container_oom_killed", {"name": "oomer"}) == 1, text)
    check("oomer: exited", metric_value(text, "docker_container_state", {"name": "oomer", "state": "exited"}) == 1)
    check("oom event counted", (metric_value(text, "docker_events_total", {"action": "oom"}) or 0) >= 1)

    # removed while running
    d.docker(*run, "--name", "doomed", img, "sleep", "3600")
    wait_value(port, "docker_container_state", {"name": "doomed", "state": "running"}, 1)
    d.docker("rm", "-f", "doomed")
    text = wait_absent(port, "docker_container_info", {"name": "doomed"})
    check("doomed: every series gone after rm -f", 'name="doomed"' not in text)
    check("exec detail stripped from docker_events_total", 'action="exec_start"' in text and "exec_start:" not in text,
          "\n".join(ln for ln in text.splitlines() if ln.startswith("docker_events_total")))
    promtool_check_metrics(text)
    check("promtool check metrics: clean (after every scenario)", True)

    # the playbooks, against this engine and the exporter's labels
    playbooks = os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", "."), "contrib", "playbooks")
    env = dict(os.environ, DOCKER_HOST=d.host, RESTART_TIMEOUT="1", WAIT="20", HOMEOPS_ALERTNAME="DockerContainerUnhealthy")
    before = metric_value(scrape(port), "docker_container_restarts_total", {"name": "healthy"})
    r = subprocess.run([os.path.join(playbooks, "restart-container")], env=dict(env, HOMEOPS_LABEL_NAME="healthy"),
                       capture_output=True, text=True, timeout=60)
    check("restart-container with the exporter's name label: exit 0", r.returncode == 0, r.stdout + r.stderr)
    wait_value(port, "docker_container_restarts_total", {"name": "healthy"}, before + 1, timeout=10)
    check("restart-container: the restart is counted (die then start)", True)
    before_b = metric_value(scrape(port), "docker_container_restarts_total", {"name": "bound"})
    before_h = metric_value(scrape(port), "docker_container_restarts_total", {"name": "healthy"})
    r = subprocess.run([os.path.join(playbooks, "restart-dependents")], env=dict(env, HOMEOPS_LABEL_MOUNTPOINT=share),
                       capture_output=True, text=True, timeout=60)
    check("restart-dependents on the share's mount point: exit 0", r.returncode == 0, r.stdout + r.stderr)
    check("restart-dependents restarted exactly the bound container", "restarting bound" in r.stdout
          and "1 container(s) restarted" in r.stdout, r.stdout)
    text = wait_value(port, "docker_container_restarts_total", {"name": "bound"}, before_b + 1, timeout=10)
    check("restart-dependents: other containers untouched",
          metric_value(text, "docker_container_restarts_total", {"name": "healthy"}) == before_h)
    r = subprocess.run([os.path.join(playbooks, "restart-dependents")],
                       env=dict(env, HOMEOPS_LABEL_MOUNTPOINT=os.path.join(d.dir, "not-a-mount")),
                       capture_output=True, text=True, timeout=60)
    check("restart-dependents refuses a mount point that is not mounted (exit 4)", r.returncode == 4,
          r.stdout + r.stderr)

    # dockerd stopped: docker_up 0, the scrape answers, containers left out
    t_stop = time.monotonic()
    d.stop()
    t_gone = time.monotonic()
    text = wait_value(port, "docker_up", None, 0, timeout=10)
    log(f"dockerd stopped (took {t_gone - t_stop:.2f}s) -> docker_up 0 {time.monotonic() - t_gone:.2f}s after it exited")
    check("daemon down: scrape answers with docker_up 0", True)
    check("daemon down: no stale container series", "docker_container_state{" not in text, text)
    check("daemon down: event stream down", metric_value(text, "docker_event_stream_up") in (None, 0))
    check("daemon down: collect error counted",
          (metric_value(text, "docker_collect_errors_total", {"reason": "connect"}) or 0) >= 1, text)
    check("docker_collect_errors_total has the 'events' reason pre-initialised",
          metric_value(text, "docker_collect_errors_total", {"reason": "events"}) is not None, text)
    promtool_check_metrics(text)
    time.sleep(6)   # let the backoff reach its 5 s cap
    check("exporter still running while the daemon is down", exporter.alive())
    t_start = time.monotonic()
    d.start()
    t_up = time.monotonic()
    text = wait_value(port, "docker_up", None, 1, timeout=15)
    text = wait_value(port, "docker_event_stream_up", None, 1, timeout=15)
    log(f"dockerd answering -> docker_up 1 and stream up in {time.monotonic() - t_up:.2f}s "
        f"(dockerd start took {t_up - t_start:.2f}s)")
    check("daemon back: recovered within the 5 s backoff cap (+ slack)", time.monotonic() - t_up < 8)
    text = wait_value(port, "docker_container_state", {"name": "healthy", "state": "exited"}, 1, timeout=15)
    check("daemon back: resynced (containers stopped with the daemon are exited)", True)
    check("daemon back: the removed container stays gone", 'name="doomed"' not in text)
    promtool_check_metrics(text)
    check("promtool check metrics: clean (after the daemon came back)", True)
    out = exporter.output()
    check("exporter logged the lost and regained stream", "event stream ended" in out and "event stream connected" in out,
          out[-3000:])
    log(f"total {time.monotonic() - t0:.1f}s")
finally:
    if exporter:
        rc = exporter.stop()
        if rc not in (0, None):
            print(exporter.output()[-4000:])
        exporter.close()
    if d:
        d.close()
print(f"all {check.n} checks passed")
