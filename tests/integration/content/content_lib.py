"""content_lib.py: shared helpers of the content tests: the shipped rules and dashboards, their PromQL, a real Prometheus.

Used by the harnesses in this folder with Debian's /usr/bin/python3 (standard library + python3-yaml).
"""
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

SRC = os.environ.get("HOMEOPS_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from homeops_test import Proc, free_port, log  # noqa: E402

RULES_DIR = os.path.join(SRC, "alert-rules")
DASHBOARDS_DIR = os.path.join(SRC, "dashboards")

# Series Prometheus makes itself, not any exporter.
PROMETHEUS_SERIES = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped"}


def load_yaml(path):
    import yaml
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def rule_files():
    return sorted(os.path.join(RULES_DIR, f) for f in os.listdir(RULES_DIR) if f.endswith(".rules.yml"))


def test_files():
    d = os.path.join(RULES_DIR, "tests")
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".test.yml"))


def dashboard_files():
    return sorted(os.path.join(DASHBOARDS_DIR, f) for f in os.listdir(DASHBOARDS_DIR) if f.endswith(".json"))


def alert_rules():
    """Yields (file, group, rule) for every alerting rule."""
    for path in rule_files():
        doc = load_yaml(path)
        for group in doc.get("groups", []):
            for rule in group.get("rules", []):
                if "alert" in rule:
                    yield path, group["name"], rule


def rule_exprs():
    """[(where, expr)] for every rule."""
    out = []
    for path in rule_files():
        for group in load_yaml(path).get("groups", []):
            for rule in group.get("rules", []):
                name = rule.get("alert") or rule.get("record")
                out.append((f"{os.path.basename(path)}:{name}", rule["expr"]))
    return out


def dashboard_panels(dash):
    for p in dash.get("panels", []):
        yield p
        for q in p.get("panels", []) or []:
            yield q


GRAFANA_BUILTINS = {"__rate_interval": "5m", "__interval": "1m", "__range": "1d", "__range_s": "86400",
                    "__interval_ms": "60000"}
VAR_RX = re.compile(r"\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\[\[([A-Za-z0-9_]+)\]\]")


def substitute(expr, variables):
    """Replaces Grafana variables the way Grafana would for a query with every value selected: built-in
    intervals by durations, dashboard variables (all used in =~ matchers) by '.*'. Raises KeyError on an
    undefined variable."""
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in GRAFANA_BUILTINS:
            return GRAFANA_BUILTINS[name]
        if name in variables:
            return ".*"
        raise KeyError(name)
    return VAR_RX.sub(repl, expr)


LABEL_VALUES_RX = re.compile(r"^\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", re.S)


def dashboard_exprs(path):
    """[(where, expr, label)] for every Prometheus query of a dashboard (targets and query variables),
    with Grafana variables substituted. label is the label a label_values() variable reads, else None."""
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    variables = {v["name"] for v in dash.get("templating", {}).get("list", [])}
    base = os.path.basename(path)
    out = []
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v["query"] if isinstance(v["query"], str) else v["query"].get("query", "")
        m = LABEL_VALUES_RX.match(q)
        if m:
            out.append((f"{base}: variable {v['name']}", substitute(m.group(1), variables), m.group(2)))
        else:
            out.append((f"{base}: variable {v['name']}", substitute(q, variables), None))
    for p in dashboard_panels(dash):
        for t in p.get("targets", []) or []:
            if "expr" in t:
                out.append((f"{base}: panel {p.get('id')} '{p.get('title', '')}' {t.get('refId')}",
                            substitute(t["expr"], variables), None))
    return out


# ---------------------------------------------------------------- PromQL scanning

FUNCTIONS = {
    # aggregations
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
    "quantile",
    # functions (Prometheus 2.x)
    "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "day_of_month",
    "day_of_week", "day_of_year", "days_in_month", "delta", "deriv", "exp", "floor", "histogram_quantile",
    "histogram_count", "histogram_sum", "histogram_fraction", "holt_winters", "hour", "idelta", "increase",
    "irate", "label_join", "label_replace", "ln", "log2", "log10", "minute", "month", "predict_linear", "rate",
    "resets", "round", "scalar", "sgn", "sort", "sort_desc", "sqrt", "time", "timestamp", "vector", "year",
    "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time", "quantile_over_time",
    "stddev_over_time", "stdvar_over_time", "last_over_time", "present_over_time", "acos", "acosh", "asin",
    "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan", "tanh", "deg", "rad", "pi",
}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or",
            "unless", "atan2", "inf", "nan", "start", "end"}
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}

TOKEN_RX = re.compile(r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<num>(?:0x[0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+)(?:[smhdwy]|ms)?(?:[0-9]+(?:[smhdwy]|ms))*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=(){}\[\],@:])
""", re.X)


def tokens(expr):
    pos = 0
    out = []
    while pos < len(expr):
        m = TOKEN_RX.match(expr, pos)
        if not m:
            raise ValueError(f"cannot scan PromQL at {expr[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group(kind)))
    return out


def unquote(s):
    """The value of a PromQL string literal (Go escapes; those used in practice are JSON's too)."""
    if s[0] == "`":
        return s[1:-1]
    if s[0] == "'":
        s = '"' + s[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'
    return json.loads(s)


def selectors(expr):
    """Every vector selector of expr as (metric name or None, [(label, op, value)])."""
    toks = tokens(expr)
    out = []
    i = 0
    n = len(toks)
    while i < n:
        kind, val = toks[i]
        if kind == "ident":
            nxt = toks[i + 1][1] if i + 1 < n else None
            if val in LABEL_LIST_KEYWORDS and nxt == "(":
                j = i + 2
                while j < n and toks[j][1] != ")":
                    j += 1
                i = j + 1
                continue
            if val in KEYWORDS:
                i += 1
                continue
            if val in FUNCTIONS and nxt in ("(", "by", "without"):
                i += 1
                continue
            matchers = []
            i += 1
            if i < n and toks[i][1] == "{":
                matchers, i = _matchers(toks, i)
            out.append((val, matchers))
            continue
        if val == "{":
            matchers, i = _matchers(toks, i)
            out.append((None, matchers))
            continue
        i += 1
    return out


def _matchers(toks, i):
    assert toks[i][1] == "{"
    i += 1
    out = []
    while toks[i][1] != "}":
        if toks[i][1] == ",":
            i += 1
            continue
        label, op, value = toks[i][1], toks[i + 1][1], unquote(toks[i + 2][1])
        out.append((label, op, value))
        i += 3
    return out, i + 1


def metric_names(expr):
    """{name: set(label names used in matchers)} for expr; a selector without a name contributes each
    alternative of its __name__ regex (simple alternations only)."""
    out = {}
    for name, matchers in selectors(expr):
        labels = {lbl for lbl, _, _ in matchers if lbl != "__name__"}
        names = [name] if name else []
        for lbl, op, value in matchers:
            if lbl == "__name__":
                if op in ("=", "=~") and re.fullmatch(r"[A-Za-z0-9_:|]+", value):
                    names += value.split("|")
                else:
                    raise ValueError(f"cannot resolve __name__ {op} {value!r} in {expr!r}")
        for nm in names:
            out.setdefault(nm, set()).update(labels)
    return out


# ---------------------------------------------------------------- a real Prometheus

class Prometheus:
    """prometheus on 127.0.0.1:<free port> with a temporary data directory; stopped by PID."""

    def __init__(self, config_text, extra_files=None):
        self.dir = tempfile.mkdtemp(prefix="homeops-content-prom-")
        self.config = os.path.join(self.dir, "prometheus.yml")
        with open(self.config, "w") as f:
            f.write(config_text)
        self.port = free_port()
        binary = shutil.which("prometheus")
        if not binary:
            raise AssertionError("prometheus not installed (Debian package prometheus)")
        self.proc = Proc([binary, f"--config.file={self.config}", f"--storage.tsdb.path={self.dir}/data",
                          f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn",
                          "--storage.tsdb.retention.time=1h", "--web.enable-lifecycle"], name="prometheus")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            if not self.proc.alive():
                break
            time.sleep(0.1)
        out = self.proc.output()
        self.close()
        raise AssertionError(f"prometheus did not become ready:\n{out}")

    def get(self, path, **params):
        """GET /api/v1/<path>; returns (HTTP status, decoded JSON body)."""
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                return e.code, json.loads(body)
            except ValueError:
                return e.code, {"error": body.decode(errors="replace")}

    def query(self, expr):
        return self.get("query", query=expr)

    def close(self):
        self.proc.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def prometheus_config(rule_paths, scrape_jobs=(), interval="1s"):
    """A minimal Prometheus configuration: the given rule files, static scrape jobs [(job, port)]."""
    cfg = {"global": {"scrape_interval": interval, "evaluation_interval": interval},
           "rule_files": list(rule_paths),
           "scrape_configs": [{"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
                              for job, port in scrape_jobs]}
    return json.dumps(cfg, indent=2) + "\n"   # JSON is YAML


def fail(msg):
    log(f"FAIL: {msg}")
    sys.exit(1)
