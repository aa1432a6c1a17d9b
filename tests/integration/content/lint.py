#!/usr/bin/python3
"""lint.py: structural checks of the shipped monitoring content, with no server and no fixtures.

- every alert: severity warning|critical, summary/description/runbook_url, a runbook file with the four
  sections, and a promtool test where it fires (for each of its severities) and one where it stays silent;
- every rule file has a test file; every runbook belongs to an alert;
- dashboards: up to date with dashboards/build.py, unique uids and panel ids, panels inside the 24-column
  grid without overlaps, every query on the ${datasource} variable, every $variable defined, every query
  scannable;
- contrib/prometheus/prometheus.yml passes `promtool check config` with the shipped rules loaded, and uses
  homeops-* job names; contrib/alertmanager/alertmanager.yml passes `amtool check-config`, sends to the
  receiver with a bearer credentials_file, and its matchers name alerts that exist;
- contrib/grafana provisioning files are well-formed;
- contrib/examples/receiver.yml routes every alert with a safe repair (its runbook's "Automatic
  remediation" section names contrib/playbooks/X and does not start with "None" or "Optional:", or
  label remediation="true") to playbook X, and notifies someone of every critical alert
  (the routes that select it, first match wins unless continue: true, name notifiers or global.notify does).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import content_lib as C  # noqa: E402
from homeops_test import Checks  # noqa: E402

check = Checks()
SECTIONS = ("## What it means", "## How to check", "## How to fix", "## Automatic remediation")


def lint_rules():
    alerts = {}       # name -> set of severities
    for path, group, rule in C.alert_rules():
        name = rule["alert"]
        where = f"{os.path.basename(path)}:{name}"
        sev = rule.get("labels", {}).get("severity")
        check(f"{where}: severity is warning or critical", sev in ("warning", "critical"), sev)
        check(f"{where}: has a for: duration", "for" in rule, rule)
        ann = rule.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            check(f"{where}: annotation {key}", bool(ann.get(key)), ann)
        want = f"alert-rules/runbooks/{name}.md"
        check(f"{where}: runbook_url is {want}", ann.get("runbook_url") == want, ann.get("runbook_url"))
        if rule.get("labels", {}).get("remediation") is not None:
            rb = os.path.join(C.RULES_DIR, "runbooks", f"{name}.md")
            text = open(rb, encoding="utf-8").read() if os.path.isfile(rb) else ""
            check(f"{where}: remediation label is \"true\" and the runbook names a playbook",
                  rule["labels"]["remediation"] == "true" and "contrib/playbooks/" in text, rule["labels"])
        # alert names start with their file's stem, capitalised: snapraid.rules.yml -> Snapraid...
        stem = os.path.basename(path).split(".")[0]
        prefix = stem[:1].upper() + stem[1:]
        check(f"{where}: name starts with {prefix}", name.startswith(prefix), name)
        check(f"{where}: ({name}, {sev}) defined once", sev not in alerts.get(name, set()), alerts.get(name))
        alerts.setdefault(name, set()).add(sev)
    runbooks = os.path.join(C.RULES_DIR, "runbooks")
    for name in sorted(alerts):
        path = os.path.join(runbooks, f"{name}.md")
        check(f"runbook {name}.md exists", os.path.isfile(path), path)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        check(f"runbook {name}.md starts with '# {name}'", text.startswith(f"# {name}\n"), text[:80])
        for s in SECTIONS:
            check(f"runbook {name}.md has '{s}'", s in text, "")
        for pb in sorted(set(re.findall(r"contrib/playbooks/([A-Za-z0-9_.-]+)", text))):
            check(f"runbook {name}.md names an existing playbook contrib/playbooks/{pb}",
                  os.path.isfile(os.path.join(C.SRC, "contrib", "playbooks", pb)), pb)
        for link in re.findall(r"\]\(([A-Za-z]+\.md)\)", text):
            check(f"runbook {name}.md links to an existing {link}", os.path.isfile(os.path.join(runbooks, link)), link)
    for f in sorted(os.listdir(runbooks)):
        check(f"runbook {f} belongs to an alert", f.endswith(".md") and f[:-3] in alerts, f)
    with open(os.path.join(C.RULES_DIR, "README.md"), encoding="utf-8") as f:
        listed = set(re.findall(r"^\| ([A-Z][A-Za-z]+) \|", f.read(), re.M))
    check("alert-rules/README.md lists exactly the shipped alerts", listed == set(alerts),
          f"not listed: {set(alerts) - listed}; not an alert: {listed - set(alerts)}")
    return alerts


def lint_tests(alerts):
    firing = {}       # name -> severities seen firing in tests
    silent = set()
    covered = set()
    for path in C.test_files():
        doc = C.load_yaml(path)
        base = os.path.dirname(path)
        for rf in doc.get("rule_files", []):
            covered.add(os.path.normpath(os.path.join(base, rf)))
        for t in doc.get("tests", []):
            arts = t.get("alert_rule_test", []) or []
            # a healthy scenario: a test group in which the alert is expected at no time at all (a
            # check during for: of a firing scenario does not count)
            fires_here = {a["alertname"] for a in arts if a.get("exp_alerts")}
            for art in arts:
                name = art["alertname"]
                check(f"{os.path.basename(path)} '{t.get('name')}': {name} is a shipped alert", name in alerts, name)
                exp = art.get("exp_alerts") or []
                if not exp and name not in fires_here:
                    silent.add(name)
                for e in exp:
                    sev = (e.get("exp_labels") or {}).get("severity")
                    firing.setdefault(name, set()).add(sev)
                    ann = e.get("exp_annotations") or {}
                    check(f"{os.path.basename(path)} '{t.get('name')}': {name} expects all annotations",
                          all(k in ann for k in ("summary", "description", "runbook_url")), ann)
    for rf in C.rule_files():
        check(f"{os.path.basename(rf)} is tested by a file in alert-rules/tests", os.path.normpath(rf) in covered,
              covered)
    for name, sevs in sorted(alerts.items()):
        for sev in sorted(sevs):
            check(f"{name} ({sev}) fires in a promtool test", sev in firing.get(name, set()), firing.get(name))
        check(f"{name} stays silent in a healthy promtool scenario", name in silent, "")


def lint_dashboards():
    r = subprocess.run([sys.executable, os.path.join(C.DASHBOARDS_DIR, "build.py"), "--check"],
                       capture_output=True, text=True, timeout=60)
    check("dashboards/*.json are what dashboards/build.py generates", r.returncode == 0, r.stderr)
    uids = set()
    files = C.dashboard_files()
    check("four dashboards or more", len(files) >= 4, files)
    for path in files:
        base = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
        uid = dash.get("uid")
        check(f"{base}: uid set and unique", uid and uid not in uids, uid)
        uids.add(uid)
        check(f"{base}: tagged homeops", "homeops" in dash.get("tags", []), dash.get("tags"))
        names = {v["name"]: v for v in dash["templating"]["list"]}
        ds = names.get("datasource")
        check(f"{base}: a Prometheus datasource variable", ds and ds["type"] == "datasource" and ds["query"] == "prometheus",
              ds)
        for v in dash["templating"]["list"]:
            if v["type"] == "query":
                check(f"{base}: variable {v['name']} queries ${{datasource}}", v.get("datasource") == C_DS, v)
        ids = set()
        cells = {}
        for p in C.dashboard_panels(dash):
            pid = p.get("id")
            check(f"{base}: panel id {pid} unique", pid not in ids, pid)
            ids.add(pid)
            g = p["gridPos"]
            check(f"{base}: panel {pid} inside the grid", g["x"] >= 0 and g["x"] + g["w"] <= 24, g)
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    other = cells.get((x, y))
                    if other is not None:
                        check(f"{base}: panel {pid} does not overlap panel {other}", False, g)
                    cells[(x, y)] = pid
            if p["type"] in ("row", "text"):
                continue
            check(f"{base}: panel {pid} '{p.get('title')}' uses ${{datasource}}", p.get("datasource") == C_DS,
                  p.get("datasource"))
            check(f"{base}: panel {pid} '{p.get('title')}' has queries", bool(p.get("targets")), "")
            refs = [t.get("refId") for t in p.get("targets", [])]
            check(f"{base}: panel {pid} refIds unique", len(refs) == len(set(refs)), refs)
            for t in p.get("targets", []):
                check(f"{base}: panel {pid} query {t.get('refId')} uses ${{datasource}}", t.get("datasource") == C_DS,
                      t.get("datasource"))
        try:
            exprs = C.dashboard_exprs(path)
        except KeyError as e:
            check(f"{base}: every $variable in a query is defined", False, e)
        for where, expr, _ in exprs:
            try:
                C.selectors(expr)
                ok, err = True, ""
            except (ValueError, IndexError, AssertionError) as e:
                ok, err = False, e
            check(f"{where}: query scans", ok, f"{expr}\n{err}")


C_DS = {"type": "prometheus", "uid": "${datasource}"}


def lint_prometheus(alerts):
    src = os.path.join(C.SRC, "contrib", "prometheus", "prometheus.yml")
    cfg = C.load_yaml(src)
    jobs = [j["job_name"] for j in cfg["scrape_configs"]]
    for job in ("homeops-snapraid", "homeops-smart", "homeops-receiver"):
        check(f"prometheus.yml scrapes {job}", job in jobs, jobs)
    check("prometheus.yml loads the shipped rules", any("alert-rules" in r for r in cfg.get("rule_files", [])),
          cfg.get("rule_files"))
    check("prometheus.yml sends alerts to an Alertmanager", bool(cfg.get("alerting", {}).get("alertmanagers")), "")
    tmp = tempfile.mkdtemp(prefix="homeops-content-lint-")
    try:
        cfg["rule_files"] = C.rule_files()
        path = os.path.join(tmp, "prometheus.yml")
        with open(path, "w") as f:
            json.dump(cfg, f)
        r = subprocess.run(["promtool", "check", "config", path], capture_output=True, text=True, timeout=60)
        check("promtool check config accepts prometheus.yml with the shipped rules", r.returncode == 0,
              r.stdout + r.stderr)
        check("promtool check config found every shipped rule file",
              r.stdout.count("SUCCESS") >= len(C.rule_files()) + 1, r.stdout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    am = os.path.join(C.SRC, "contrib", "alertmanager", "alertmanager.yml")
    r = subprocess.run(["amtool", "check-config", am], capture_output=True, text=True, timeout=60)
    check("amtool check-config accepts alertmanager.yml", r.returncode == 0, r.stdout + r.stderr)
    acfg = C.load_yaml(am)
    hooks = [w for rcv in acfg["receivers"] for w in rcv.get("webhook_configs", [])]
    check("alertmanager.yml has a webhook to the receiver",
          any(w["url"].endswith(":9766/webhook") for w in hooks), hooks)
    for w in hooks:
        auth = w.get("http_config", {}).get("authorization", {})
        check("the webhook authenticates with a bearer credentials_file",
              auth.get("credentials_file") and auth.get("type", "Bearer") == "Bearer", auth)
        check("the webhook sends resolved alerts", w.get("send_resolved", True) is True, w)
    # every alertname matcher must select at least one shipped alert
    matchers = []
    def walk(route):
        matchers.extend(route.get("matchers", []))
        for child in route.get("routes", []) or []:
            walk(child)
    walk(acfg["route"])
    for rule in acfg.get("inhibit_rules", []):
        matchers += rule.get("source_matchers", []) + rule.get("target_matchers", [])
    for m in matchers:
        mm = re.fullmatch(r'alertname(=~|=)"(.*)"', m)
        if not mm:
            continue
        rx = re.compile(mm.group(2) if mm.group(1) == "=~" else re.escape(mm.group(2)))
        hit = [a for a in alerts if rx.fullmatch(a)]
        check(f"alertmanager.yml matcher {m} selects a shipped alert", bool(hit), "")


def route_matches(matcher, labels):
    """One receiver/Alertmanager matcher (name op "value", op one of = != =~ !~) against a label set."""
    m = re.fullmatch(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"(.*)"\s*', matcher)
    if not m:
        raise AssertionError(f"receiver.yml: cannot read matcher {matcher!r}")
    name, op, value = m.groups()
    have = labels.get(name, "")
    if op in ("=~", "!~"):
        hit = re.fullmatch(value, have) is not None
        return hit if op == "=~" else not hit
    return (have == value) if op == "=" else (have != value)


def lint_receiver_routes():
    cfg = C.load_yaml(os.path.join(C.SRC, "contrib", "examples", "receiver.yml"))
    routes = cfg.get("routes", [])
    playbooks = cfg.get("playbooks", {})
    default_notify = cfg.get("global", {}).get("notify", [])
    for path, group, rule in C.alert_rules():
        labels = dict(rule.get("labels", {}), alertname=rule["alert"])
        where = f"receiver.yml: {rule['alert']} ({labels.get('severity')})"
        chosen = []
        for r in routes:
            if all(route_matches(m, labels) for m in r.get("matchers", [])):
                chosen.append(r)
                if not r.get("continue", False):
                    break
        rb = open(os.path.join(C.RULES_DIR, "runbooks", f"{rule['alert']}.md"), encoding="utf-8").read()
        auto = rb.split("## Automatic remediation", 1)[-1].split("\n## ", 1)[0]
        named = set(re.findall(r"contrib/playbooks/([A-Za-z0-9_.-]+)", auto))
        # "None ..." (no automatic repair) and "Optional: ..." (the operator opts in) are not routed
        opt_out = re.match(r"\s*(None|Optional:)", auto) is not None
        if (named and not opt_out) or labels.get("remediation") == "true":
            commands = {os.path.basename(playbooks.get(r["playbook"], {}).get("command", [""])[0]) for r in chosen}
            check(f"{where}: routed to the playbook its runbook names", bool(named & commands),
                  f"runbook names {sorted(named)}, routes run {sorted(commands)}")
        if labels.get("severity") == "critical":
            check(f"{where}: a critical alert notifies someone",
                  any(r.get("notify", default_notify) for r in chosen), [r.get("matchers") for r in chosen])


def lint_grafana():
    base = os.path.join(C.SRC, "contrib", "grafana", "provisioning")
    ds = C.load_yaml(os.path.join(base, "datasources", "homeops.yml"))
    check("grafana datasource provisioning: apiVersion 1", ds.get("apiVersion") == 1, ds)
    srcs = ds.get("datasources", [])
    check("grafana datasource provisioning: one Prometheus datasource",
          len(srcs) == 1 and srcs[0]["type"] == "prometheus" and srcs[0]["url"].startswith("http"), srcs)
    db = C.load_yaml(os.path.join(base, "dashboards", "homeops.yml"))
    check("grafana dashboard provisioning: apiVersion 1", db.get("apiVersion") == 1, db)
    prov = db.get("providers", [])
    check("grafana dashboard provisioning: a file provider reading share/homeops/dashboards",
          len(prov) == 1 and prov[0]["type"] == "file" and
          prov[0]["options"]["path"].endswith("/share/homeops/dashboards"), prov)


def main():
    for tool in ("promtool", "amtool"):
        if not shutil.which(tool):
            C.fail(f"{tool} is not installed (Debian packages prometheus, prometheus-alertmanager)")
    alerts = lint_rules()
    lint_tests(alerts)
    lint_dashboards()
    lint_prometheus(alerts)
    lint_grafana()
    lint_receiver_routes()
    n_rules = sum(len(s) for s in alerts.values())
    C.log(f"content lint: {check.n} checks passed ({len(alerts)} alerts, {n_rules} alerting rules, "
          f"{len(C.dashboard_files())} dashboards)")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        C.fail(str(e))
