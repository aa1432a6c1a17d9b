#!/usr/bin/python3
"""test_loop.py: the incident loop end to end (issue 12): the whole stack of contrib/demo/stack.py, five failures
injected, each detected, routed to the right host's receiver, repaired or escalated, and notified by mail.

 1 unhealthy       container web unhealthy -> DockerContainerUnhealthy -> restart-container on "compute" -> healthy
                   -> resolves; one run, one notification
 2 corrupt         a data file silently corrupted, a scrub finds it -> SnapraidArrayErrors on "storage" -> mail with
                   the runbook link and the error count; the operator follows the runbook (fix, scrub) -> resolves
 3 hang-share      the share's smbd hangs -> CifsMountStuck -> remount-cifs on "compute" (fails while the server
                   hangs) -> the server answers again -> resolves; the container bound under the share is restarted
                   by restart-dependents AFTER the mount answers (timestamps), never during the hang
 4 dns             the primary Pi-hole's DNS stops -> PiholeDnsFailing (mail with the failover runbook); the secondary
                   too -> PiholeAllDnsDown critical; recovery resolves both
 5 failing-repair  a restart that does not help -> failed max_attempts times -> gave up -> escalation mail; the
                   operator disables the playbook through the API; the status page shows it
Each asserts Alertmanager's alert state (API v2), the receivers' run and alert records (API), the mail in the
SMTP sink, and the exporters' metrics; the suite prints detect / repair times (break -> firing in Alertmanager,
firing -> resolved) and writes them as Markdown (--results).

usage: test_loop.py --bin-dir BUILD [--results FILE] [--runs N] [--screenshot PNG]
Needs root, the fixtures (HOMEOPS_FIXTURES; exit 77 without them), and the Debian packages of
contrib/debian-packages.txt (prometheus, prometheus-alertmanager, docker.io, busybox-static, samba, smbnetfs,
dnsmasq-base, snapraid, python3-aiosmtpd). Every process runs on 127.0.0.1 and is stopped by PID.
"""
import argparse
import datetime
import email
import email.policy
import json
import os
import platform
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("HOMEOPS_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
sys.path.insert(0, os.path.join(SRC, "contrib", "demo"))
from homeops_test import Checks, http, metric_value, promtool_check_metrics  # noqa: E402
import stack  # noqa: E402

check = Checks()


def log(*a):
    print(*a, flush=True)


def b64(s):
    import base64
    return base64.b64encode(s.encode()).decode()


class Loop:
    def __init__(self, st):
        self.st = st
        self.ports = st.state["ports"]
        with open(st.path("etc", "operator.password")) as f:
            self.auth = {"Authorization": "Basic " + b64("operator:" + f.read().strip())}
        self.tls = st.tls()      # the receivers serve HTTPS (the stack's CA)

    # ---- waiting: never a fixed sleep as an assertion, always a condition with a generous bound
    @staticmethod
    def wait(fn, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            v = fn()
            if v:
                return v
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(0.25)

    # ---- Alertmanager
    def am_alerts(self):
        r = http(self.ports["alertmanager"], "/api/v2/alerts?active=true&silenced=true&inhibited=true")
        return json.loads(r.body)

    def am_active(self, alertname, **labels):
        return [a for a in self.am_alerts() if a["labels"].get("alertname") == alertname
                and a["status"]["state"] == "active" and all(a["labels"].get(k) == v for k, v in labels.items())]

    # ---- receivers
    def api(self, host, path, method="GET", body=None):
        h = dict(self.auth)
        if body is not None:
            h["Content-Type"] = "application/json"
        r = http(self.ports["receiver-" + host], "/api/v1/" + path, method=method, headers=h, tls=self.tls,
                 body=json.dumps(body).encode() if body is not None else None)
        if r.status >= 300:
            raise AssertionError(f"receiver {host}: {method} {path}: {r.status} {r.body[:300]}")
        return json.loads(r.body) if r.body else {}

    def runs(self, host, alertname=None, fingerprint=None):
        return [r for r in self.api(host, "runs?limit=1000")["runs"]
                if (alertname is None or r["alertname"] == alertname)
                and (fingerprint is None or r["fingerprint"] == fingerprint)]

    def alerts(self, host, alertname):
        return [a for a in self.api(host, "alerts?limit=1000")["alerts"] if a.get("alertname") == alertname]

    def page(self, host):
        return http(self.ports["receiver-" + host], "/", headers=self.auth, tls=self.tls).text()

    # ---- exporters
    def metrics(self, job):
        return http(self.ports[job], "/metrics").text()

    def metric(self, job, name, labels):
        return metric_value(self.metrics(job), name, labels)

    # ---- mail (the sink's Maildir)
    def mails(self):
        out = []
        d = self.st.path("mail", "new")
        for f in sorted(os.listdir(d)):
            with open(os.path.join(d, f), "rb") as fh:
                m = email.message_from_bytes(fh.read(), policy=email.policy.default)
            parts = []
            for p in m.walk():
                if p.get_content_maintype() == "text":
                    parts.append(p.get_content())
            out.append({"to": str(m["To"]), "from": str(m["From"]), "subject": str(m["Subject"]),
                        "body": "\n".join(parts), "file": f})
        return out

    def mails_matching(self, *needles, to=None):
        return [m for m in self.mails() if (to is None or to in m["to"])
                and all(n in m["subject"] + "\n" + m["body"] for n in needles)]

    def docker_started_at(self, name):
        s = self.st.docker("inspect", "--format", "{{.State.StartedAt}}", name)
        # 2026-12-02T16:20:01.123456789Z -> epoch seconds (microseconds kept)
        main, _, frac = s.rstrip("Z").partition(".")
        frac = (frac + "000000")[:6]
        dt = datetime.datetime.strptime(main + "." + frac, "%Y-%m-%dT%H:%M:%S.%f")
        return dt.replace(tzinfo=datetime.timezone.utc).timestamp()


def only_on(L, right, alertname, fingerprint=None):
    """The alert's runs happen on its host's receiver and never on the other."""
    other = [h for h in stack.RECEIVERS if h != right][0]
    check(f"{alertname}: no run on receiver '{other}'", not L.runs(other, alertname, fingerprint),
          L.runs(other, alertname, fingerprint))
    # (the misrouting check delivers one there on purpose: stored and refused, never anything else)
    there = [a for a in L.alerts(other, alertname) if not (a.get("decision") or "").startswith("refused")]
    check(f"{alertname}: never delivered to receiver '{other}' (but the deliberately misrouted, refused one)",
          not there, there)


# ---------------------------------------------------------------- scenarios

def s1_unhealthy(L):
    before = L.docker_started_at("web")
    t0 = time.time()
    log("  ", L.st.break_("unhealthy"))
    a = L.wait(lambda: L.am_active("DockerContainerUnhealthy", name="web"), 90, "DockerContainerUnhealthy{name=web}")[0]
    t1 = time.time()
    check("DockerContainerUnhealthy carries host=compute", a["labels"].get("host") == "compute", a["labels"])
    fp = a["fingerprint"]
    L.wait(lambda: not L.am_active("DockerContainerUnhealthy", name="web"), 120, "DockerContainerUnhealthy to resolve")
    t2 = time.time()
    run = L.wait(lambda: [r for r in L.runs("compute", "DockerContainerUnhealthy", fp) if r["state"] != "running"
                          and r["state"] != "queued"], 60, "the restart-container run to end")
    # the resolved notification reached the receiver: nothing more will run for this alert
    L.wait(lambda: [x for x in L.alerts("compute", "DockerContainerUnhealthy") if x.get("status") == "resolved"],
           60, "the resolved notification at the receiver")
    runs = L.runs("compute", "DockerContainerUnhealthy", fp)
    check("one restart-container run, succeeded", len(runs) == 1 and runs[0]["state"] == "succeeded"
          and runs[0]["playbook"] == "restart-container" and runs[0]["exit_code"] == 0, runs)
    out = L.api("compute", "runs/%d" % run[0]["id"])["output"]
    check("the playbook restarted container web", "container web is running" in out, out)
    check("web was restarted", L.docker_started_at("web") > before)
    text = L.metrics("homeops-docker")
    check("docker_health_exporter: web healthy again",
          metric_value(text, "docker_container_health_status", {"name": "web", "status": "healthy"}) == 1, text[-2000:])
    only_on(L, "compute", "DockerContainerUnhealthy", fp)
    mails = L.wait(lambda: L.mails_matching("DockerContainerUnhealthy", fp, to="phone@"), 60, "the notification")
    check("one notification: the run succeeded", len(mails) == 1 and "succeeded" in mails[0]["subject"] + mails[0]["body"],
          mails)
    check("no failure mail for it", not L.mails_matching("DockerContainerUnhealthy", fp, to="admin@"))
    return {"detect": t1 - t0, "repair": t2 - t1, "note": "restart-container on compute, 1 run, 1 mail"}


def s2_corrupt(L):
    t0 = time.time()
    log("  ", L.st.break_("corrupt"))
    t_scrub = time.time()
    a = L.wait(lambda: L.am_active("SnapraidArrayErrors"), 90, "SnapraidArrayErrors")[0]
    t1 = time.time()
    check("SnapraidArrayErrors carries host=storage, severity critical",
          a["labels"].get("host") == "storage" and a["labels"].get("severity") == "critical", a["labels"])
    n = L.metric("homeops-snapraid", "snapraid_array_errors", {})
    check("snapraid_exporter counts the bad blocks", n and n > 0, n)
    check("the scrub's log shows data errors",
          (L.metric("homeops-snapraid", "snapraid_last_run_errors", {"command": "scrub", "kind": "data"}) or 0) > 0)
    want = f"has {int(n)} bad blocks"
    mails = L.wait(lambda: L.mails_matching("SnapraidArrayErrors", "runbooks/SnapraidArrayErrors.md", want,
                                            to="admin@"), 90, f"a mail with the runbook link and '{want}'")
    check("mail: runbook link and the error count", mails, mails)
    rec = L.wait(lambda: L.alerts("storage", "SnapraidArrayErrors"), 60, "the alert at the storage receiver")
    check("storage receiver recorded it (critical: log-only, notified)",
          any("log-only" in (x.get("decision") or "") for x in rec), rec)
    only_on(L, "storage", "SnapraidArrayErrors")
    # the operator follows the runbook: snapraid -e fix, then snapraid -p bad scrub (logged for the exporter)
    conf = L.st.state["dirs"]["snapraid_conf"]
    logs = L.st.state["dirs"]["snapraid_logs"]
    import subprocess
    r = subprocess.run(["snapraid", "-c", conf, "-e", "fix"], capture_output=True, text=True, timeout=300)
    check("snapraid -e fix repairs from parity", r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:])
    r = subprocess.run(["snapraid", "-c", conf, "-l", os.path.join(logs, time.strftime("scrub-%Y%m%d-%H%M%S-bad.log")),
                        "-p", "bad", "scrub"], capture_output=True, text=True, timeout=300)
    check("snapraid -p bad scrub verifies", r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:])
    L.wait(lambda: not L.am_active("SnapraidArrayErrors"), 120, "SnapraidArrayErrors to resolve after the fix")
    t2 = time.time()
    check("snapraid_array_errors back to 0", L.metric("homeops-snapraid", "snapraid_array_errors", {}) == 0)
    return {"detect": t1 - t0, "repair": t2 - t1,
            "note": f"{int(n)} bad blocks; detect includes the {t_scrub - t0:.0f} s scrub; repair by the operator "
                    "(runbook: fix, scrub)"}


def s3_hang_share(L):
    share = L.st.state["dirs"]["share"]
    app_before = L.docker_started_at("app")
    t0 = time.time()
    log("  ", L.st.break_("hang-share"))
    healed = False
    try:
        a = L.wait(lambda: L.am_active("CifsMountStuck", mountpoint=share) or
                   L.am_active("CifsMountUnresponsive", mountpoint=share), 90, "CifsMountStuck/Unresponsive")[0]
        t1 = time.time()
        name = a["labels"]["alertname"]
        check(f"{name} carries host=compute", a["labels"].get("host") == "compute", a["labels"])
        # the remount runs while the server still hangs: it cannot make the share answer
        first = L.wait(lambda: [r for r in L.runs("compute", name) if r["playbook"] == "remount-cifs"
                                and r["state"] not in ("running", "queued")], 90, "a remount-cifs run")[0]
        check("remount-cifs while the server hangs: remounted, does not answer (exit 3)",
              first["state"] == "failed" and first["exit_code"] == 3, first)
        check("app not restarted while the share hangs", L.docker_started_at("app") == app_before)
        L.st.heal("hang-share")
        healed = True
        t_heal = time.time()

        def answers():
            try:
                return L.metric("homeops-cifs", "cifs_mount_responsive", {"mountpoint": share}) == 1
            except OSError:
                return False
        L.wait(answers, 60, "the share to answer again")
        t_answer = time.time()
        L.wait(lambda: not L.am_active(name, mountpoint=share), 120, f"{name} to resolve")
        t2 = time.time()
        dep = L.wait(lambda: [r for r in L.runs("compute", "DockerContainerOnMissingMount")
                              if r["playbook"] == "restart-dependents" and r["state"] == "succeeded"], 120,
                     "restart-dependents to restart the app")[0]
        app_after = L.docker_started_at("app")
        log(f"   server continued at +{t_heal - t0:.1f}s, mount answered (observed) at +{t_answer - t0:.1f}s, "
            f"app restarted at +{app_after - t0:.1f}s by run {dep['id']} ({dep['alert_status']})")
        check("app restarted by restart-dependents", app_after > app_before)
        check("... AFTER the mount answered again", app_after > t_answer and dep["started_at"] > t_answer,
              (app_after, dep["started_at"], t_answer))
        early = [r for r in L.runs("compute", "DockerContainerOnMissingMount")
                 if r["playbook"] == "restart-dependents" and r["ended_at"] and r["ended_at"] < t_heal]
        check("restart-dependents during the hang restarted nothing (exit 4)",
              all(r["exit_code"] == 4 for r in early), early)
        only_on(L, "compute", name)
        only_on(L, "compute", "DockerContainerOnMissingMount")
        text = L.metrics("homeops-cifs")
        check("cifs_mount_exporter: mounted, responsive, not stuck",
              metric_value(text, "cifs_mount_stuck", {"mountpoint": share}) == 0 and
              metric_value(text, "cifs_mount_mounted", {"mountpoint": share}) == 1, text[-1500:])
        with open(os.path.join(share, "app-data.txt")) as f:
            check("the share's data is readable", "app container" in f.read())
        L.wait(lambda: L.mails_matching(name, "remount-cifs", to="admin@"), 60, "the failed remount's mail")
        return {"detect": t1 - t0, "repair": t2 - t1,
                "note": f"{name}; server hung {t_heal - t0:.0f} s; remount-cifs then restart-dependents on compute"}
    finally:
        if not healed:
            L.st.heal("hang-share")


def s4_dns(L):
    t0 = time.time()
    log("  ", L.st.break_("dns-primary"))
    healed = False
    try:
        a = L.wait(lambda: L.am_active("PiholeDnsFailing", hostname="primary"), 90, "PiholeDnsFailing{primary}")[0]
        t1 = time.time()
        check("PiholeDnsFailing: warning, host=compute",
              a["labels"].get("severity") == "warning" and a["labels"].get("host") == "compute", a["labels"])
        text = L.metrics("homeops-pihole")
        check("pihole_exporter: primary's probe fails, secondary's succeeds",
              metric_value(text, "pihole_dns_probe_success", {"hostname": "primary"}) == 0 and
              metric_value(text, "pihole_dns_probe_success", {"hostname": "secondary"}) == 1)
        check("not all DNS down yet", not L.am_active("PiholeAllDnsDown"))
        L.wait(lambda: L.mails_matching("PiholeDnsFailing", "runbooks/PiholeDnsFailing.md", to="admin@"), 90,
               "the mail with the failover runbook")
        t0b = time.time()
        log("  ", L.st.break_("dns-all"))
        b = L.wait(lambda: L.am_active("PiholeAllDnsDown"), 90, "PiholeAllDnsDown")[0]
        t1b = time.time()
        check("PiholeAllDnsDown: critical, host=compute",
              b["labels"].get("severity") == "critical" and b["labels"].get("host") == "compute", b["labels"])
        L.wait(lambda: L.mails_matching("PiholeAllDnsDown", "runbooks/PiholeAllDnsDown.md", to="admin@"), 90,
               "the critical mail")
        L.st.heal("dns-all")
        healed = True
        t_heal = time.time()
        L.wait(lambda: not L.am_active("PiholeAllDnsDown") and not L.am_active("PiholeDnsFailing"), 120,
               "both DNS alerts to resolve")
        t2 = time.time()
        check("pihole_exporter: both probes succeed",
              L.metric("homeops-pihole", "pihole_dns_probe_success", {"hostname": "primary"}) == 1)
        L.wait(lambda: L.alerts("compute", "PiholeAllDnsDown"), 60, "PiholeAllDnsDown at the compute receiver")
        only_on(L, "compute", "PiholeDnsFailing")
        only_on(L, "compute", "PiholeAllDnsDown")
        return [{"detect": t1 - t0, "repair": None, "note": "PiholeDnsFailing (primary), warning, failover runbook mailed"},
                {"detect": t1b - t0b, "repair": t2 - t_heal,
                 "note": "PiholeAllDnsDown, critical; repair = DNS back -> both resolved"}]
    finally:
        if not healed:
            L.st.heal("dns-all")


def s5_failing_repair(L):
    t0 = time.time()
    log("  ", L.st.break_("failing-repair"))
    try:
        a = L.wait(lambda: L.am_active("DockerContainerUnhealthy", name="worker"), 90, "DockerContainerUnhealthy{worker}")[0]
        t1 = time.time()
        fp = a["fingerprint"]
        gave = L.wait(lambda: [r for r in L.runs("compute", "DockerContainerUnhealthy", fp) if r["state"] == "gave_up"]
                      or [r for r in L.runs("compute", None, fp) if r["state"] == "gave_up"], 240, "the receiver to give up")
        t2 = time.time()
        runs = L.runs("compute", "DockerContainerUnhealthy", fp)
        # each restart puts the health check back to "starting": the alert resolves (the run is cancelled,
        # cancel_on_resolved) and fires again with a new startsAt; the attempts count per fingerprint
        tries = [r for r in runs if r["trigger"] in ("alert", "retry")]
        check("restart-container tried max_attempts (3) times, never succeeded",
              len(tries) == 3 and all(r["state"] in ("failed", "cancelled") for r in tries), runs)
        check("then the receiver gave up", gave[0]["result"] == "gave up after 3 attempts", gave)
        log(f"   gave up: {gave[0].get('result')}; attempts: {[r['state'] for r in tries]}")
        mails = L.wait(lambda: [m for m in L.mails_matching(fp, to="admin@")
                                if "gave up" in (m["subject"] + m["body"]).lower().replace("_", " ")], 90,
                       "the escalation mail")
        check("escalation mail", mails, mails)
        only_on(L, "compute", "DockerContainerUnhealthy", fp)
        # the alert is still delivered: the gate refuses it (gave_up), which RemediationPlaybookGaveUp watches

        def gave_up_counted():
            text = http(L.ports["receiver-compute"], "/metrics", headers=L.auth, tls=L.tls).text()
            return (metric_value(text, "remediation_gate_decisions_total",
                                 {"playbook": "restart-container", "decision": "gave_up"}) or 0) >= 1
        L.wait(gave_up_counted, 90, "remediation_gate_decisions_total{decision=gave_up}")
        g = L.wait(lambda: L.am_active("RemediationPlaybookGaveUp", playbook="restart-container"), 90,
                   "RemediationPlaybookGaveUp")[0]
        check("RemediationPlaybookGaveUp: critical, host=compute (the receiver's own target)",
              g["labels"].get("severity") == "critical" and g["labels"].get("host") == "compute", g["labels"])
        # the operator pauses the playbook through the API; the status page shows it
        L.api("compute", "playbooks/restart-container/disable", method="POST", body={})
        st = L.api("compute", "status")
        pb = st.get("playbooks")
        entry = pb.get("restart-container") if isinstance(pb, dict) else \
            [p for p in pb if p.get("name") == "restart-container"][0]
        check("API: restart-container disabled", entry.get("enabled") is False, entry)
        page = L.page("compute")
        row = [line for line in page.split("<tr") if "restart-container" in line and "disabled" in line.lower()]
        check("status page: restart-container shown disabled", row, page[:3000])
        return {"detect": t1 - t0, "repair": None, "escalate": t2 - t1,
                "note": f"{len(tries)} restarts that did not help, gave up after {t2 - t1:.0f} s, escalation mail, playbook disabled"}
    finally:
        L.st.heal("failing-repair")


def misrouted(L):
    """A container alert for host "compute" posted to the storage receiver (a misrouting): recorded there with
    the decision refused, never run, never notified; counted in remediation_alerts_refused_total."""
    fp = "%016x" % int.from_bytes(os.urandom(8), "big")
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    labels = {"alertname": "DockerContainerUnhealthy", "severity": "warning", "host": "compute", "name": "web",
              "instance": "127.0.0.1:9764", "job": "homeops-docker", "status": "unhealthy"}
    body = {"version": "4", "groupKey": "misrouted", "status": "firing", "receiver": "host-storage",
            "groupLabels": {}, "commonLabels": labels, "commonAnnotations": {}, "externalURL": "http://127.0.0.1:9093",
            "alerts": [{"status": "firing", "labels": labels, "annotations": {"summary": "misrouted on purpose"},
                        "startsAt": now, "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": fp}]}
    with open(L.st.path("etc", "storage.token")) as f:
        tok = f.read().strip()
    r = http(L.ports["receiver-storage"], "/webhook", method="POST", body=json.dumps(body).encode(),
             headers={"Content-Type": "application/json", "Authorization": "Bearer " + tok}, tls=L.tls)
    check("storage receiver answers the misrouted alert 200 (stored)", r.status == 200, r.body)
    rec = L.wait(lambda: [a for a in L.alerts("storage", "DockerContainerUnhealthy") if a.get("fingerprint") == fp],
                 30, "the misrouted alert in the storage receiver's records")
    check("recorded with the decision refused",
          all(a.get("decision") == 'refused: alert for host "compute", this receiver acts for "storage"' for a in rec), rec)
    # an operator's manual run of it is refused too
    r = http(L.ports["receiver-storage"], "/api/v1/runs", method="POST", tls=L.tls,
             body=json.dumps({"alert_id": rec[0]["id"], "playbook": "restart-container"}).encode(),
             headers=dict(L.auth, **{"Content-Type": "application/json"}))
    check("a manual run of the refused alert is refused", r.status in (400, 409, 422) and b"refused" in r.body,
          (r.status, r.body))
    text = http(L.ports["receiver-storage"], "/metrics", headers=L.auth, tls=L.tls).text()
    import re
    refused = sum(float(m.group(1)) for m in re.finditer(r"^remediation_alerts_refused_total(?:\{[^}]*\})? (\S+)$",
                                                          text, re.M))
    check("remediation_alerts_refused_total counts it", refused >= 1, refused)
    check("never run on storage", not L.runs("storage", "DockerContainerUnhealthy"))
    check("never notified", not L.mails_matching(fp))
    return {"detect": None, "repair": None, "note": "misrouted container alert (host=compute) at the storage "
                                                    "receiver: recorded, refused, not run"}


SCENARIOS = [("1 container unhealthy", s1_unhealthy), ("multi-host: misrouted alert", misrouted), ("4 DNS primary / all", s4_dns), ("2 silent corruption", s2_corrupt),
             ("3 share hangs", s3_hang_share), ("5 repair keeps failing", s5_failing_repair)]


def shipped_configs():
    """The shipped multi-host Alertmanager route and Prometheus config pass their own checkers."""
    import subprocess
    for argv in (["amtool", "check-config", os.path.join(SRC, "contrib", "alertmanager", "alertmanager-multihost.yml")],
                 ["amtool", "check-config", os.path.join(SRC, "contrib", "alertmanager", "alertmanager.yml")],
                 ["promtool", "check", "config", "--syntax-only",
                  os.path.join(SRC, "contrib", "prometheus", "prometheus.yml")]):
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        check(" ".join(argv[:2]) + " " + os.path.relpath(argv[-1], SRC), r.returncode == 0, r.stdout + r.stderr)


def all_metrics_lint(L):
    for job in stack.JOBS.values():
        try:
            promtool_check_metrics(L.metrics(job))
            ok, why = True, ""
        except AssertionError as e:
            ok, why = False, str(e)
        check(f"{job}: promtool check metrics", ok, why)


def one_run(bins, fx, n):
    d = tempfile.mkdtemp(prefix="homeops-e2e-loop-", dir="/var/tmp")
    os.rmdir(d)
    st = stack.Stack(d, fixtures=fx, bins=bins)
    rows = []
    t0 = time.monotonic()
    ok = False
    try:
        st.start()
        L = Loop(st)
        all_metrics_lint(L)
        for title, fn in SCENARIOS:
            log(f"run {n}: scenario {title}")
            ts = time.monotonic()
            res = fn(L)
            for r in (res if isinstance(res, list) else [res]):
                rows.append(dict(r, scenario=title, took=time.monotonic() - ts))
                log("   detect %s  repair %s  %s" % (fmt(r.get("detect")), fmt(r.get("repair")), r["note"]))
        ok = True
        return rows, time.monotonic() - t0, st
    finally:
        if not ok:
            for e in st.state.get("pids", []):
                try:
                    with open(e["log"], errors="replace") as f:
                        tail = f.read()[-1500:]
                except OSError:
                    tail = ""
                log(f"---- {e['name']} (pid {e['pid']}) log tail ----\n{tail}")
        if ok and ARGS.screenshot:
            screenshot(st, ARGS.screenshot)
        st.stop()


def fmt(v):
    return "—" if v is None else f"{v:.1f} s"


def screenshot(st, png):
    """The compute receiver's status page after the suite, in headless Chromium (desktop width)."""
    import stack_parts as P
    with open(st.path("etc", "operator.password")) as f:
        pw = f.read().strip()
    url = f"https://operator:{pw}@127.0.0.1:{st.port('receiver-compute')}/"
    # the stack's own CA is not in Chromium's store: trusted for this one page load
    P.chromium(st.dir, "--screenshot=" + os.path.abspath(png), "--window-size=1280,2000", "--hide-scrollbars",
               "--ignore-certificate-errors", url)
    log(f"screenshot of {url.replace(pw, '***')} -> {png}")


def results_md(runs):
    lines = ["# tests/e2e/loop: the incident loop, detect and repair times", "",
             f"Machine: {platform.node()}, {os.cpu_count()} CPUs ({platform.machine()}, Linux {platform.release()}), "
             f"load average at the end {os.getloadavg()[0]:.1f}; shared with other builds and tests.",
             f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC. "
             f"Rules' `for:` shortened to {stack.FOR}; scrape and evaluation every 1 s; Alertmanager group_wait 1 s, "
             "group_interval and repeat_interval 15 s.", "",
             "Detect: failure injected -> alert active in Alertmanager. Repair: active -> resolved "
             "(— where a human acts, or the receiver escalates). Goal: detect < 30 s, repair < 60 s.", ""]
    for n, (rows, total) in enumerate(runs, 1):
        lines += [f"## Run {n} ({total:.0f} s, stack start included)", "", "| scenario | detect | repair | notes |",
                  "|---|---|---|---|"]
        for r in rows:
            rep = fmt(r.get("repair")) if "escalate" not in r else f"gave up after {r['escalate']:.1f} s"
            lines.append(f"| {r['scenario']} | {fmt(r.get('detect'))} | {rep} | {r['note']} |")
        lines.append("")
    return "\n".join(lines)


ARGS = None


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--results")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--screenshot")
    ARGS = ap.parse_args()
    fx = os.environ.get("HOMEOPS_FIXTURES", "")
    if not fx or not os.path.isdir(fx):
        log(f"SKIP: fixtures directory {fx!r} is absent (HOMEOPS_FIXTURES)")
        return 77
    if os.geteuid() != 0:
        raise SystemExit("test_loop.py needs root (loop mounts, FUSE, dockerd)")
    bins = {k: os.path.join(ARGS.bin_dir, rel) for k, rel in stack.BINARIES.items()}
    shipped_configs()
    runs = []
    for n in range(1, ARGS.runs + 1):
        rows, total, _ = one_run(bins, fx, n)
        runs.append((rows, total))
        log(f"run {n}: {total:.1f} s")
    md = results_md(runs)
    log(md)
    if ARGS.results:
        with open(ARGS.results, "w") as f:
            f.write(md + "\n")
    log(f"{check.n} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
