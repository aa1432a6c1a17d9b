#!/usr/bin/python3
"""standin_test.py: docker_health_exporter against a stand-in engine serving recorded Docker 20.10 responses.

Runs without root and without Docker (tests/lib/docker_standin.py on a unix socket in a temporary
directory): the first resync over the recorded inspects, the recorded event stream applied (two
health_status events), promtool check metrics, then the stand-in stopped (docker_up 0, the scrape
answers, no container series) and started again on the same socket (reconnects, resyncs, up 1).
Needs the fixtures (exit 77 without them).
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", "."), "tests", "lib"))
from homeops_test import Checks, http, metric_value, promtool_check_metrics, start_exporter  # noqa: E402
from docker_standin import DockerStandin  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--binary", required=True)
args = ap.parse_args()
check = Checks()
fx = os.environ.get("HOMEOPS_FIXTURES", "")
if not fx or not os.path.isdir(os.path.join(fx, "docker")):
    print(f"skipped: fixtures directory {fx!r} is absent (HOMEOPS_FIXTURES)")
    sys.exit(77)
if not shutil.which("promtool"):
    print("skipped: promtool is not installed")
    sys.exit(77)


def wait(port, name, labels, want, timeout=15.0):
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        r = http(port)
        text = r.text() if r.status == 200 else ""
        if metric_value(text, name, labels) == want:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{name}{labels} never became {want}; last:\n{text}")


tmp = tempfile.mkdtemp(prefix="homeops-docker-standin.")
sock = os.path.join(tmp, "docker.sock")
standin = DockerStandin(fx, sock)
exporter = None
try:
    standin.start()
    exporter, port = start_exporter(args.binary, f"--docker.host=unix://{sock}", "--docker.label=com.centurylinklabs.watchtower")
    text = wait(port, "docker_event_stream_up", None, 1)
    text = wait(port, "docker_events_total", {"action": "health_status"}, 2)
    check("docker_up 1 against the stand-in", metric_value(text, "docker_up") == 1)
    check("every recorded inspect is a container", metric_value(text, "docker_containers") == 8, text)
    check("engine info from /version", metric_value(text, "docker_engine_info", {"version": "20.10.24+dfsg1",
                                                                                 "api_version": "1.41"}) == 1)
    check("feas_unhealthy: unhealthy, failing streak 11",
          metric_value(text, "docker_container_health_status", {"name": "feas_unhealthy", "status": "unhealthy"}) == 1
          and metric_value(text, "docker_container_health_failing_streak", {"name": "feas_unhealthy"}) == 11)
    check("feas_exited: exited with code 3",
          metric_value(text, "docker_container_state", {"name": "feas_exited", "state": "exited"}) == 1
          and metric_value(text, "docker_container_exit_code", {"name": "feas_exited"}) == 3)
    check("feas_created: no started_at (never started)",
          metric_value(text, "docker_container_started_at_timestamp_seconds", {"name": "feas_created"}) is None)
    check("portainer: the docker.sock bind mount",
          metric_value(text, "docker_container_bind_mount_info", {"name": "portainer", "source": "/var/run/docker.sock",
                                                                   "destination": "/var/run/docker.sock",
                                                                   "rw": "true"}) == 1, text)
    check("recorded health_status events counted by action without detail",
          'action="health_status: healthy"' not in text)
    promtool_check_metrics(text)
    check("promtool check metrics: clean", True)

    standin.stop()
    text = wait(port, "docker_up", None, 0)
    check("engine gone: the scrape answers with docker_up 0 and no container series", "docker_container_state{" not in text)
    # the stream ends first ("events": the API may still answer for a moment), then "connect"
    check("engine gone: a failure with reason events or connect",
          (metric_value(text, "docker_collect_errors_total", {"reason": "connect"}) or 0)
          + (metric_value(text, "docker_collect_errors_total", {"reason": "events"}) or 0) >= 1, text)
    promtool_check_metrics(text)
    t = time.monotonic()
    standin = DockerStandin(fx, sock)
    standin.start()
    text = wait(port, "docker_event_stream_up", None, 1, timeout=15)
    text = wait(port, "docker_up", None, 1, timeout=5)
    check(f"engine back: reconnected and resynced in {time.monotonic() - t:.2f}s (backoff capped at 5 s)",
          time.monotonic() - t < 8 and metric_value(text, "docker_containers") == 8)
    check("exporter alive", exporter.alive())
finally:
    if exporter:
        exporter.close()
    standin.stop()
    shutil.rmtree(tmp, ignore_errors=True)
print(f"all {check.n} checks passed")
