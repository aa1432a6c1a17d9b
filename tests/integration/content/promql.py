#!/usr/bin/python3
"""promql.py: every PromQL expression shipped in alert-rules/ and dashboards/ is accepted by a real Prometheus.

Starts the Debian `prometheus` on 127.0.0.1 (free port, temporary data directory, no scrape targets) with
every alert-rules/*.rules.yml loaded — it refuses to start on a rule it cannot parse — and then:
- sends each dashboard query (Grafana variables replaced as Grafana would: $__rate_interval -> 5m,
  $instance -> .*, ...) and each template variable's label_values() selector to /api/v1/query: a parse
  error comes back as HTTP 400 bad_data and fails the test;
- sends each rule expression the same way, and checks /api/v1/rules lists every shipped rule, evaluated
  without error.
Needs no fixtures: metric names are checked against real exporter output by live.py.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import content_lib as C  # noqa: E402
from homeops_test import Checks  # noqa: E402

check = Checks()


def main():
    rules = C.rule_files()
    prom = C.Prometheus(C.prometheus_config(rules))
    try:
        exprs = [(w, e) for w, e in C.rule_exprs()]
        for path in C.dashboard_files():
            exprs += [(w, e) for w, e, _ in C.dashboard_exprs(path)]
        for where, expr in exprs:
            status, body = prom.query(expr)
            check(f"{where}: Prometheus accepts the query", status == 200 and body.get("status") == "success",
                  f"HTTP {status}: {body.get('errorType')}: {body.get('error')}\n{expr}")

        # the rule files as Prometheus loaded them: every rule present, evaluated, healthy
        want = {name for name in (w.split(":", 1)[1] for w, _ in C.rule_exprs())}
        deadline = time.monotonic() + 20
        while True:
            status, body = prom.get("rules")
            groups = body.get("data", {}).get("groups", []) if status == 200 else []
            loaded = [r for g in groups for r in g["rules"]]
            evaluated = all(r.get("lastEvaluation", "").startswith(("19", "20")) and
                            not r["lastEvaluation"].startswith("0001") for r in loaded)
            if (loaded and evaluated) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        names = {r["name"] for r in loaded}
        check("Prometheus loaded every shipped rule", names == want, f"missing {want - names}, extra {names - want}")
        check("Prometheus loaded every rule file", {g["file"] for g in groups} == set(rules), [g["file"] for g in groups])
        for r in loaded:
            check(f"rule {r['name']} evaluated without error", r.get("health") == "ok",
                  f"{r.get('health')}: {r.get('lastError')}")
        C.log(f"promql: {len(exprs)} expressions parsed by Prometheus, {len(loaded)} rules loaded and evaluated "
              f"({check.n} checks)")
    finally:
        prom.close()


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        C.fail(str(e))
