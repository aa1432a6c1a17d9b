#!/usr/bin/python3
"""test_nvme_replay.py: every real NVMe SMART / Health log in smart/smartctl-json, encoded into the NVMe
replay format (Identify Controller + log page, spec layout), served by smart_exporter --once through
--smart.nvme-replay; each metric checked against the JSON. Plus a 128-bit counter, a bad file, promtool.

usage: test_nvme_replay.py --binary smart_exporter
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", ""), "tests", "lib"))
import smartfix  # noqa: E402
from homeops_test import SKIP, Checks, log, promtool_check_metrics  # noqa: E402

CW_FLAGS = {"available_spare": 1, "temperature": 2, "reliability": 4, "read_only": 8,
            "volatile_memory_backup": 16, "persistent_memory_region": 32}

# metric -> (JSON key, factor to base units)
SIMPLE = {
    "smart_nvme_critical_warning": ("critical_warning", 1),
    "smart_nvme_available_spare_ratio": ("available_spare", 0.01),
    "smart_nvme_available_spare_threshold_ratio": ("available_spare_threshold", 0.01),
    "smart_nvme_percentage_used_ratio": ("percentage_used", 0.01),
    "smart_nvme_media_errors_total": ("media_errors", 1),
    "smart_nvme_error_log_entries_total": ("num_err_log_entries", 1),
    "smart_nvme_data_read_bytes_total": ("data_units_read", 512000),
    "smart_nvme_data_written_bytes_total": ("data_units_written", 512000),
    "smart_nvme_host_read_commands_total": ("host_reads", 1),
    "smart_nvme_host_write_commands_total": ("host_writes", 1),
    "smart_nvme_unsafe_shutdowns_total": ("unsafe_shutdowns", 1),
    "smart_nvme_controller_busy_seconds_total": ("controller_busy_time", 60),
    "smart_nvme_warning_temperature_seconds_total": ("warning_temp_time", 60),
    "smart_nvme_critical_temperature_seconds_total": ("critical_comp_time", 60),
    "smart_device_power_on_seconds": ("power_on_hours", 3600),
    "smart_device_power_cycles_total": ("power_cycles", 1),
    "smart_device_temperature_celsius": ("temperature", 1),
}


def close(a, b):
    return a is not None and abs(a - b) <= 1e-9 * max(1.0, abs(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    a = ap.parse_args()

    fx = smartfix.fixtures_dir()
    if not os.path.isdir(os.path.join(fx, "smart", "smartctl-json")):
        log("fixtures not found: skipping")
        return SKIP
    records = smartfix.nvme_records(fx)
    check = Checks()
    check("58 NVMe records (PROVENANCE.md, nvme-health-summary.tsv)", len(records) == 58, str(len(records)))
    tmp = tempfile.mkdtemp(prefix="homeops-smart-nvme-")
    try:
        names = {}
        for rel, j in records:
            name = rel.replace("/", "--")[:-len(".json")] + ".nvme"
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(smartfix.nvme_replay(j))
            names[name] = j
        # a counter past 64 bits: data units read = 2^64 + 1
        big = bytearray(smartfix.nvme_replay(records[0][1]))
        big[4096 + 32:4096 + 48] = (2 ** 64 + 1).to_bytes(16, "little")
        with open(os.path.join(tmp, "big.nvme"), "wb") as f:
            f.write(big)
        with open(os.path.join(tmp, "short.nvme"), "wb") as f:
            f.write(bytes(100))

        argv = [a.binary, "--once", "--no-smart.discovery"]
        argv += [f"--smart.nvme-replay={os.path.join(tmp, n)}" for n in sorted(names) + ["big.nvme", "short.nvme"]]
        r = subprocess.run(argv, capture_output=True, timeout=120)
        check("smart_exporter --once exits 0", r.returncode == 0, r.stderr.decode(errors="replace"))
        text = r.stdout.decode()
        s = smartfix.parse_exposition(text)

        with_cw = with_media = 0
        for name, j in sorted(names.items()):
            h = j["nvme_smart_health_information_log"]
            dev = {"device": name}
            info = smartfix.series_of(s, "smart_device_info", name)
            want = frozenset({"device": name, "type": "nvme", "model": j["model_name"],
                              "serial": j["serial_number"], "firmware": j["firmware_version"]}.items())
            check(f"{name}: info", info == {want: 1.0}, str(info))
            check(f"{name}: up", smartfix.sample(s, "smart_device_up", **dev) == 1)
            for metric, (key, factor) in SIMPLE.items():
                if key not in h:
                    continue
                got = smartfix.sample(s, metric, **dev)
                check(f"{name}: {metric} = {key} {h[key]} x {factor}", close(got, h[key] * factor), f"got {got}")
            cw = h["critical_warning"]
            for flag, bit in CW_FLAGS.items():
                got = smartfix.sample(s, "smart_nvme_critical_warning_flag", flag=flag, **dev)
                check(f"{name}: flag {flag}", got == (1 if cw & bit else 0), str(got))
            check(f"{name}: healthy", smartfix.sample(s, "smart_device_smart_healthy", **dev) == (0 if cw else 1))
            for i, t in enumerate(h.get("temperature_sensors") or []):
                got = smartfix.sample(s, "smart_nvme_temperature_sensor_celsius", sensor=str(i + 1), **dev)
                check(f"{name}: sensor {i + 1}", got == t, str(got))
            check(f"{name}: no ATA series", not smartfix.series_of(s, "smart_device_overall_status", name))
            with_cw += 1 if cw else 0
            with_media += 1 if h.get("media_errors") else 0
        check(f"a drive with critical_warning set is among them ({with_cw})", with_cw >= 1)
        check(f"a drive with media errors is among them ({with_media})", with_media >= 1)

        got = smartfix.sample(s, "smart_nvme_data_read_bytes_total", device="big.nvme")
        check("128-bit counter does not wrap", close(got, (2 ** 64 + 1) * 512000.0), str(got))
        check("short replay: up 0", smartfix.sample(s, "smart_device_up", device="short.nvme") == 0)
        check("short replay: reason replay_length",
              smartfix.sample(s, "smart_device_read_error", device="short.nvme", reason="replay_length") == 1)
        check("short replay: no values", smartfix.sample(s, "smart_nvme_critical_warning", device="short.nvme") is None)
        promtool_check_metrics(text)
        check("promtool check metrics: clean", True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"{check.n} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
