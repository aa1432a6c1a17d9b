#!/usr/bin/python3
"""golden_test.py: pihole_exporter --once against the stand-in (recorded v6 and v5 answers), diffed with a golden file.

Two Pi-holes (v6 with a password and top lists, v5 with a token) from one --config.file; the few
values that depend on the machine or the clock (process_*, build_info, durations, collection
timestamps) are normalised; the rest must equal golden/two_targets.prom. The output, unnormalised,
must also pass `promtool check metrics`; the v6 session must be logged out when --once exits.

    golden_test.py --binary build/exporters/pihole/pihole_exporter            # check
    golden_test.py --binary build/exporters/pihole/pihole_exporter --update   # rewrite the golden file

Exit 77 (ctest: skipped) when the fixtures are absent.
"""
import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
from homeops_test import SKIP, promtool_check_metrics  # noqa: E402
from pihole_standin import Standin  # noqa: E402

GOLDEN = os.path.join(HERE, "golden", "two_targets.prom")
VOLATILE = re.compile(r"^(pihole_collect_duration_seconds|pihole_last_collect_timestamp_seconds)(\{[^}]*\})? .*$")


def normalise(text):
    out = []
    for line in text.splitlines():
        if re.match(r"^(# (HELP|TYPE) )?(process_|pihole_build_info)", line):
            continue
        m = VOLATILE.match(line)
        out.append(f"{m.group(1)}{m.group(2) or ''} X" if m else line)
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()
    fx = os.environ.get("HOMEOPS_FIXTURES", "")
    if not fx or not os.path.isdir(os.path.join(fx, "pihole")):
        print(f"fixtures not found at {fx!r}: skipping", flush=True)
        return SKIP
    d = tempfile.mkdtemp(prefix="homeops-pihole-golden-")
    v6 = Standin(fx, password="pw")
    v5 = Standin(fx, mode="v5", password="token")
    try:
        for name, value in (("pw", "pw"), ("tok", "token")):
            with open(os.path.join(d, name), "w") as f:
                f.write(value + "\n")
        cfg = os.path.join(d, "pihole.yml")
        with open(cfg, "w") as f:
            f.write(f"targets:\n"
                    f"  - name: primary\n    url: http://127.0.0.1:{v6.port}\n    password_file: pw\n    top_count: 3\n"
                    f"  - name: old\n    url: http://127.0.0.1:{v5.port}\n    password_file: tok\n    api: v5\n"
                    f"    top_count: 3\n")
        r = subprocess.run([a.binary, "--once", f"--config.file={cfg}"], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"exit {r.returncode}\n{r.stderr}")
        promtool_check_metrics(r.stdout)
        st = v6.stats()
        if st["logins"] != 1 or st["logouts"] != 1 or st["sessions"] != 0:
            raise AssertionError(f"--once must log in once and out once: {st}")
        got = normalise(r.stdout)
        if a.update:
            with open(GOLDEN, "w") as f:
                f.write(got)
            print(f"wrote {GOLDEN}")
            return 0
        with open(GOLDEN) as f:
            want = f.read()
        if got != want:
            sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True), GOLDEN, "got"))
            raise AssertionError("output differs from the golden file (run with --update if intended)")
        print(f"ok - two targets (v6 + v5) match {os.path.basename(GOLDEN)}; promtool clean; logged in once and out once")
        return 0
    finally:
        v6.close()
        v5.close()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
