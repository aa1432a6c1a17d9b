#!/usr/bin/python3
"""test_blobs.py: every real libatasmart blob replayed through smart_exporter --once, each value checked
against the skdump output recorded beside it; promtool check metrics; golden diff of the stable lines.

usage: test_blobs.py --binary smart_exporter --golden golden/blobs.prom [--update]
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", ""), "tests", "lib"))
import smartfix  # noqa: E402
from homeops_test import SKIP, Checks, golden_check, log, promtool_check_metrics  # noqa: E402

# Lines that change from run to run (times, process, build) are left out of the golden file.
VOLATILE = re.compile(r"^(# (HELP|TYPE) )?(process_|smart_build_info|smart_collect_duration_seconds|"
                      r"smart_last_collect_timestamp_seconds|smart_device_last_read_timestamp_seconds|"
                      r"smart_device_read_duration_seconds)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--golden", required=True)
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()

    d = os.path.join(smartfix.fixtures_dir(), "smart", "ata-blobs")
    if not os.path.isdir(d):
        log(f"fixtures not found at {d}: skipping")
        return SKIP
    blobs = smartfix.blob_names(d)
    summary = smartfix.read_summary(d)
    check = Checks()
    check("19 blobs in the fixtures (PROVENANCE.md)", len(blobs) == 19, str(blobs))

    argv = [a.binary, "--once", "--no-smart.discovery", "--smart.timeout=120s"]
    argv += [f"--smart.blob={os.path.join(d, b)}" for b in blobs]
    r = subprocess.run(argv, capture_output=True, timeout=300)
    check("smart_exporter --once exits 0", r.returncode == 0, r.stderr.decode(errors="replace"))
    text = r.stdout.decode()
    s = smartfix.parse_exposition(text)
    check("smart_up 1", smartfix.sample(s, "smart_up") == 1)

    for b in blobs:
        with open(os.path.join(d, b + ".skdump.txt"), errors="replace") as f:
            sk = smartfix.parse_skdump(f.read())
        sm = summary[b]
        dev = {"device": b}
        info = smartfix.series_of(s, "smart_device_info", b)
        want_info = frozenset({"device": b, "type": "ata", "model": sk["Model"], "serial": sk["Serial"],
                               "firmware": sk["Firmware"]}.items())
        check(f"{b}: info", info == {want_info: 1.0}, str(info))
        check(f"{b}: up", smartfix.sample(s, "smart_device_up", **dev) == 1)
        check(f"{b}: not sleeping", smartfix.sample(s, "smart_device_sleeping", **dev) == 0)

        health = sk["SMART Disk Health Good"]
        got = smartfix.sample(s, "smart_device_smart_healthy", **dev)
        if smartfix.skdump_failed(health):
            check(f"{b}: healthy absent ({health})", got is None, str(got))
        else:
            check(f"{b}: healthy {health}", got == (1 if health == "yes" else 0), str(got))

        overall = smartfix.series_of(s, "smart_device_overall_status", b)
        if smartfix.skdump_failed(sk["Overall Status"]):
            check(f"{b}: overall absent", overall == {}, str(overall))
        else:
            ones = [dict(k)["status"] for k, v in overall.items() if v == 1]
            check(f"{b}: overall {sk['Overall Status']} one-hot over 6",
                  len(overall) == 6 and ones == [sk["Overall Status"].lower()], str(overall))

        def exact(metric, col, scale, label):
            got = smartfix.sample(s, metric, **dev)
            if smartfix.skdump_failed(sm[col]):
                check(f"{b}: {label} absent ({sm[col]})", got is None, str(got))
            else:
                want = scale(int(sm[col]))
                check(f"{b}: {label} {want}", got is not None and abs(got - want) < 1e-9, f"got {got}")

        exact("smart_device_temperature_celsius", "temperature_mK", lambda v: (v - 273150) / 1000, "temperature")
        exact("smart_device_power_on_seconds", "power_on_ms", lambda v: v / 1000, "power-on")
        exact("smart_device_power_cycles_total", "power_cycles", lambda v: v, "power cycles")
        exact("smart_device_bad_sectors", "bad_sectors", lambda v: v, "bad sectors")
        # the text lines agree with the summary where skdump printed numbers
        if not smartfix.skdump_failed(sk["Power Cycles"]):
            check(f"{b}: power cycles text", int(sk["Power Cycles"]) ==
                  smartfix.sample(s, "smart_device_power_cycles_total", **dev))
        if not smartfix.skdump_failed(sk["Temperature"]):
            t = smartfix.sample(s, "smart_device_temperature_celsius", **dev)
            check(f"{b}: temperature text", f"{t:.1f} C" == sk["Temperature"], f"{t} vs {sk['Temperature']}")

        nattrs = 0
        for at in sk["attrs"]:
            lab = {"device": b, "id": str(at["id"]), "name": at["name"]}
            for metric, col in (("smart_ata_attribute_value", "value"), ("smart_ata_attribute_worst", "worst"),
                                ("smart_ata_attribute_threshold", "thres")):
                got = smartfix.sample(s, metric, **lab)
                if at[col] == "n/a":
                    check(f"{b}: attr {at['id']} {col} absent", got is None, str(got))
                else:
                    check(f"{b}: attr {at['id']} {col} {at[col]}", got == int(at[col]), str(got))
            raw = smartfix.sample(s, "smart_ata_attribute_raw", **lab)
            check(f"{b}: attr {at['id']} raw {at['raw']}", raw == smartfix.raw_le(at["raw"]), str(raw))
            for when, col in (("now", "good"), ("past", "good_past")):
                got = smartfix.sample(s, "smart_ata_attribute_failing", when=when, **lab)
                want = {"yes": 0, "no": 1, "n/a": None}[at[col]]
                check(f"{b}: attr {at['id']} failing {when}", got == want, f"got {got} want {want}")
            nattrs += 1
        got_attrs = smartfix.series_of(s, "smart_ata_attribute_raw", b)
        check(f"{b}: {nattrs} attributes, no more", len(got_attrs) == nattrs, str(len(got_attrs)))

    promtool_check_metrics(text)
    check("promtool check metrics: clean", True)

    stable = "".join(line + "\n" for line in text.splitlines() if not VOLATILE.match(line))
    diff = golden_check(a.golden, stable, a.update)
    check("golden exposition unchanged (tests/integration/smart/golden/blobs.prom; --update to refresh)",
          not diff, diff[:6000])
    log(f"{check.n} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
