"""panels.py: the building blocks of the homeops dashboards (panels, targets, thresholds, layout, the
dashboard envelope) that dashboards/build.py composes. Standard library only."""

DS = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 39

GREEN, YELLOW, ORANGE, RED, BLUE, TEXT = "green", "yellow", "orange", "red", "blue", "text"


# ---------------------------------------------------------------- building blocks

def thresholds(*steps):
    """thresholds(GREEN, (10, ORANGE), (20, RED)): the first step is the base (value null)."""
    out = [{"value": None, "color": steps[0]}]
    for value, color in steps[1:]:
        out.append({"value": value, "color": color})
    return {"mode": "absolute", "steps": out}


def vmap(mapping):
    """Value mappings: {"0": ("FAILED", RED), ...}; key "null" maps no data."""
    out = []
    values = {}
    index = 0
    for key, (text, color) in mapping.items():
        if key == "null":
            out.append({"type": "special", "options": {"match": "null", "result": {"text": text, "color": color, "index": index}}})
        else:
            values[key] = {"text": text, "color": color, "index": index}
        index += 1
    if values:
        out.insert(0, {"type": "value", "options": values})
    return out


def target(expr, legend=None, ref="A", instant=False, table=False):
    t = {"refId": ref, "datasource": DS, "expr": expr, "editorMode": "code"}
    if legend is not None:
        t["legendFormat"] = legend
    if instant or table:
        t["instant"] = True
        t["range"] = False
    else:
        t["range"] = True
    if table:
        t["format"] = "table"
    return t


def targets(*specs, **kw):
    """targets((expr, legend), ...) with refIds A, B, C ..."""
    out = []
    for i, spec in enumerate(specs):
        expr, legend = spec if isinstance(spec, tuple) else (spec, None)
        out.append(target(expr, legend, chr(ord("A") + i), **kw))
    return out


def fc(unit=None, th=None, mappings=None, custom=None, decimals=None, min=None, max=None, color=None,
       overrides=None, no_value=None):
    d = {}
    if unit:
        d["unit"] = unit
    if decimals is not None:
        d["decimals"] = decimals
    if min is not None:
        d["min"] = min
    if max is not None:
        d["max"] = max
    d["thresholds"] = th or thresholds(GREEN)
    d["color"] = color or {"mode": "thresholds"}
    if mappings:
        d["mappings"] = mappings
    if custom:
        d["custom"] = custom
    if no_value is not None:
        d["noValue"] = no_value
    return {"defaults": d, "overrides": overrides or []}


def stat(title, tgts, unit=None, th=None, mappings=None, w=4, h=4, color_mode="background", graph=False,
         text_mode="auto", decimals=None, no_value=None, orientation="auto"):
    return {
        "type": "stat", "title": title, "datasource": DS, "targets": tgts, "w": w, "h": h,
        "fieldConfig": fc(unit, th, mappings, decimals=decimals, no_value=no_value),
        "options": {
            "reduceOptions": {"values": False, "calcs": ["lastNotNull"], "fields": ""},
            "orientation": orientation, "textMode": text_mode, "colorMode": color_mode,
            "graphMode": "area" if graph else "none", "justifyMode": "auto", "wideLayout": True,
            "showPercentChange": False,
        },
    }


def timeseries(title, tgts, unit=None, w=12, h=8, th=None, stack=False, bars=False, min=0, max=None,
               threshold_lines=False, legend_calcs=("lastNotNull", "max"), decimals=None):
    custom = {
        "drawStyle": "bars" if bars else "line", "lineWidth": 1, "fillOpacity": 80 if bars else 10,
        "gradientMode": "none", "showPoints": "never", "spanNulls": False, "pointSize": 4,
        "lineInterpolation": "linear", "axisPlacement": "auto", "axisLabel": "", "barAlignment": 0,
        "stacking": {"mode": "normal" if stack else "none", "group": "A"},
        "thresholdsStyle": {"mode": "line" if threshold_lines else "off"},
    }
    return {
        "type": "timeseries", "title": title, "datasource": DS, "targets": tgts, "w": w, "h": h,
        "fieldConfig": fc(unit, th, custom=custom, min=min, max=max, decimals=decimals,
                          color={"mode": "palette-classic"}),
        "options": {
            "legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
                       "calcs": list(legend_calcs)},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    }


def table(title, tgts, rename=None, exclude=("Time", "job", "__name__"), w=24, h=8, unit=None, th=None,
          overrides=None, sort=None):
    exclude_map = {name: True for name in exclude}
    organize = {"excludeByName": exclude_map, "renameByName": rename or {}, "indexByName": {}}
    transformations = []
    if len(tgts) > 1:
        transformations.append({"id": "merge", "options": {}})
    transformations.append({"id": "organize", "options": organize})
    options = {"showHeader": True, "cellHeight": "sm",
               "footer": {"show": False, "reducer": ["sum"], "countRows": False, "fields": ""}}
    if sort:
        options["sortBy"] = [{"displayName": sort[0], "desc": sort[1]}]
    return {
        "type": "table", "title": title, "datasource": DS, "targets": tgts, "w": w, "h": h,
        "transformations": transformations,
        "fieldConfig": fc(unit, th, custom={"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False},
                          overrides=overrides),
        "options": options,
    }


def colored_column(name, th, mode="color-text"):
    """An override that colours one table column by thresholds (object values only: schema-valid)."""
    # byNames: its options are an object, which the schema requires of every matcher
    return {"matcher": {"id": "byNames", "options": {"mode": "include", "names": [name]}},
            "properties": [{"id": "custom.cellOptions", "value": {"type": mode}},
                           {"id": "thresholds", "value": th}]}


def bargauge(title, tgts, unit=None, th=None, w=12, h=8, min=0, max=None, mappings=None):
    return {
        "type": "bargauge", "title": title, "datasource": DS, "targets": tgts, "w": w, "h": h,
        "fieldConfig": fc(unit, th, mappings=mappings, min=min, max=max),
        "options": {
            "reduceOptions": {"values": False, "calcs": ["lastNotNull"], "fields": ""},
            "orientation": "horizontal", "displayMode": "gradient", "valueMode": "color",
            "showUnfilled": True, "namePlacement": "auto", "sizing": "auto", "minVizWidth": 8,
            "minVizHeight": 16, "maxVizHeight": 300,
        },
    }


def about(panel, description):
    """Adds the hover text of a panel: what it shows and what to do about it."""
    panel["description"] = description
    return panel


def row(title):
    return {"type": "row", "title": title}


def link_tiers(items, uid_by_row_prefix):
    """Traffic lights that lead somewhere: every stat under a row whose title starts with a key links to
    that detail dashboard (panel link and a data link on its value, keeping the time range)."""
    uid = None
    for it in items:
        if it["type"] == "row":
            uid = next((u for k, u in uid_by_row_prefix.items() if it["title"].startswith(k)), None)
        elif uid and it["type"] == "stat":
            # Grafana reads title/url/targetBlank; the rest is what its schema's DashboardLink requires
            link = {"title": "Details", "type": "link", "url": f"/d/{uid}?${{__url_time_range}}",
                    "icon": "dashboard", "tooltip": "", "tags": [], "asDropdown": False, "targetBlank": False,
                    "includeVars": False, "keepTime": True}
            it["links"] = [link]
            it["fieldConfig"]["defaults"]["links"] = [link]


def var_datasource():
    return {"type": "datasource", "name": "datasource", "label": "Prometheus", "query": "prometheus",
            "regex": "", "hide": 0, "refresh": 1, "includeAll": False, "multi": False,
            "current": {"selected": False, "text": "default", "value": "default"}, "options": []}


def var_query(name, label, query, multi=True, include_all=True, hide=0):
    v = {"type": "query", "name": name, "label": label, "datasource": DS, "query": query, "definition": query,
         "refresh": 2, "sort": 1, "regex": "", "hide": hide, "multi": multi, "includeAll": include_all,
         "current": {"selected": True, "text": ["All"], "value": ["$__all"]} if include_all else
         {"selected": False, "text": "", "value": ""}, "options": []}
    if include_all:
        v["allValue"] = ".*"
    return v


def dashboard_links():
    return [{"title": "homeops", "type": "dashboards", "tags": ["homeops"], "asDropdown": True, "icon": "external link",
             "tooltip": "Other homeops dashboards", "targetBlank": False, "includeVars": False, "keepTime": True}]


def layout(items):
    """Places panels left to right, wrapping at 24 columns; a row starts a new line. Assigns ids."""
    panels = []
    x = y = 0
    line_h = 0
    pid = 1
    for it in items:
        it = dict(it)
        if it["type"] == "row":
            if x:
                y += line_h
            x, line_h = 0, 0
            panels.append({"type": "row", "title": it["title"], "collapsed": False, "id": pid, "panels": [],
                           "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}})
            pid += 1
            y += 1
            continue
        w, h = it.pop("w"), it.pop("h")
        if x + w > 24:
            y += line_h
            x, line_h = 0, 0
        it["id"] = pid
        pid += 1
        it["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
        x += w
        line_h = max(line_h, h)
        panels.append(it)
    return panels


def dashboard(uid, title, description, variables, items, time_from="now-7d"):
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["homeops"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "refresh": "1m",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "links": dashboard_links(),
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
            "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}]},
        "templating": {"list": [var_datasource()] + variables},
        "panels": layout(items),
    }


OK_FAILED = vmap({"1": ("OK", GREEN), "0": ("FAILED", RED), "null": ("no log", TEXT)})
UP_DOWN = vmap({"1": ("up", GREEN), "0": ("DOWN", RED), "null": ("absent", TEXT)})
DAY = 86400
