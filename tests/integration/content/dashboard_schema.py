#!/usr/bin/python3
"""dashboard_schema.py: every shipped dashboard validates against Grafana's dashboard JSON schema.

The schema is recorded third-party data ($HOMEOPS_FIXTURES/grafana/dashboard.jsonschema.json, from
grafana-foundation-sdk, draft-07, strict: additionalProperties false). Without the fixtures directory the
test exits 77 (skipped). Validation uses Debian's python3-jsonschema.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import content_lib as C  # noqa: E402


def main():
    fixtures = os.environ.get("HOMEOPS_FIXTURES", "")
    if not fixtures or not os.path.isdir(fixtures):
        C.log(f"SKIP: fixtures directory {fixtures!r} is absent (HOMEOPS_FIXTURES)")
        return 77
    schema_path = os.path.join(fixtures, "grafana", "dashboard.jsonschema.json")
    if not os.path.isfile(schema_path):
        C.fail(f"{schema_path} is missing from the fixtures")
    import jsonschema
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    files = C.dashboard_files()
    if not files:
        C.fail("no dashboards/*.json")
    bad = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
        errors = sorted(validator.iter_errors(dash), key=lambda e: list(e.absolute_path))
        for e in errors:
            where = "/".join(str(p) for p in e.absolute_path)
            C.log(f"{os.path.basename(path)}: {where}: {e.message[:400]}")
            for c in sorted(e.context or [], key=lambda c: len(list(c.absolute_path)))[:5]:
                C.log(f"    {'/'.join(str(p) for p in c.absolute_path)}: {c.message[:200]}")
        panels = sum(1 for _ in C.dashboard_panels(dash))
        C.log(f"{'ok' if not errors else 'FAIL'} - {os.path.basename(path)}: {panels} panels, "
              f"{len(errors)} schema errors")
        bad += len(errors)
    if bad:
        C.fail(f"{bad} schema errors")
    C.log(f"{len(files)} dashboards valid against {os.path.relpath(schema_path, fixtures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
