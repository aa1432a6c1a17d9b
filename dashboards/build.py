#!/usr/bin/python3
"""build.py: generates the homeops Grafana dashboards (dashboards/*.json) from the definitions below.

The JSON files are what users import or provision; this script is how they are kept consistent
(panel ids, grid layout, the ${datasource} reference on every query). Edit here, then run
  /usr/bin/python3 dashboards/build.py          # rewrite the JSON files
  /usr/bin/python3 dashboards/build.py --check  # exit 1 if a JSON file differs from what it would write
tests/integration/content/ runs --check, validates the files against Grafana's dashboard schema,
and checks every query against a real Prometheus and the exporters' real metric names.
Standard library only.

Grafana's dashboard schema (grafana-foundation-sdk, v11) accepts only objects as override values, so
per-column units and mappings in tables are avoided: text columns come from labels (label_replace),
numeric columns carry their unit in their name, and panels that need mappings show one metric each.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

from panels import *  # noqa: E402,F401,F403  (the building blocks)


# ---------------------------------------------------------------- SnapRAID

def snapraid():
    i = 'instance=~"$instance"'
    d = 'instance=~"$instance", disk=~"$disk"'
    items = [
        row("Is parity current?"),
        about(stat("Parity age (last sync started)",
             targets((f'time() - snapraid_last_run_timestamp_seconds{{{i}, command="sync"}}', "{{instance}}")),
             unit="dtdurations", th=thresholds(GREEN, (1.5 * DAY, ORANGE), (2 * DAY, RED)), w=5,
             no_value="no sync log"),
              "Time since the newest logged sync started (from --snapraid.log-glob). Files changed after it "
              "have no parity. The shipped timer syncs nightly; SnapraidSyncOverdue fires after 2 days."),
        stat("Last sync", targets((f'snapraid_last_run_success{{{i}, command="sync"}}', "{{instance}}")),
             mappings=OK_FAILED, th=thresholds(RED, (1, GREEN)), w=3),
        about(stat("Unsynced blocks", targets((f"snapraid_unsynced{{{i}}}", "{{instance}}")),
                   th=thresholds(GREEN, (1, ORANGE)), w=3),
              "Blocks left without parity by an interrupted sync. The next sync completes them."),
        stat("Sync progress", targets((f"snapraid_sync_progress_ratio{{{i}}}", "{{instance}}")),
             unit="percentunit", th=thresholds(ORANGE, (1, GREEN)), w=3, decimals=1),
        about(stat("Bad blocks", targets((f"snapraid_array_errors{{{i}}}", "{{instance}}")),
                   th=thresholds(GREEN, (1, RED)), w=3),
              "Blocks marked bad by a scrub or sync (silent corruption or read errors). Repair: "
              "'snapraid -e fix', then 'snapraid -p bad scrub'."),
        stat("Array lock", targets((f"snapraid_busy{{{i}}}", "{{instance}}")),
             mappings=vmap({"0": ("idle", GREEN), "1": ("sync/scrub running", BLUE)}), th=thresholds(GREEN), w=4),
        stat("Rehash", targets((f"snapraid_rehash_needed{{{i}}}", "{{instance}}")),
             mappings=vmap({"0": ("not needed", GREEN), "1": ("needed", ORANGE)}), th=thresholds(GREEN), w=3),
        about(stat("Status taken", targets((f"time() - snapraid_status_timestamp_seconds{{{i}}}", "{{instance}}")),
                   unit="dtdurations", th=thresholds(GREEN, (3600, ORANGE), (DAY, RED)), w=5),
              "Age of the 'snapraid status' values shown. While a sync or scrub holds the lock, the exporter "
              "keeps serving the last status, so this grows until the run ends."),
        stat("Array never synced", targets((f"snapraid_array_empty{{{i}}}", "{{instance}}")),
             mappings=vmap({"0": ("synced", GREEN), "1": ("NO PARITY", RED)}), th=thresholds(GREEN), w=4),
        stat("Files", targets((f"snapraid_array_files{{{i}}}", "{{instance}}")), unit="short",
             th=thresholds(BLUE), color_mode="none", w=3),
        stat("Fragmented files", targets((f"snapraid_array_fragmented_files{{{i}}}", "{{instance}}")),
             unit="short", th=thresholds(BLUE), color_mode="none", w=3),
        stat("Zero sub-second timestamps (run 'snapraid touch')",
             targets((f"snapraid_array_zero_subsecond_files{{{i}}}", "{{instance}}")),
             th=thresholds(GREEN, (1, YELLOW)), w=6),

        row("Scrubs: is the data still what was written?"),
        stat("Last scrub started", targets((f'time() - snapraid_last_run_timestamp_seconds{{{i}, command="scrub"}}', "{{instance}}")),
             unit="dtdurations", th=thresholds(GREEN, (8 * DAY, ORANGE), (10 * DAY, RED)), w=5,
             no_value="no scrub log"),
        stat("Last scrub", targets((f'snapraid_last_run_success{{{i}, command="scrub"}}', "{{instance}}")),
             mappings=OK_FAILED, th=thresholds(RED, (1, GREEN)), w=3),
        about(stat("Oldest block checked", targets((f"snapraid_scrub_oldest_block_age_seconds{{{i}}}", "{{instance}}")),
                   unit="dtdurations", th=thresholds(GREEN, (100 * DAY, ORANGE), (120 * DAY, RED)), w=4),
              "Time since the least recently verified block was scrubbed or synced. Weekly 8% scrubs check "
              "every block about every 90 days; SnapraidScrubOverdue fires at 120."),
        stat("Median block checked", targets((f"snapraid_scrub_median_block_age_seconds{{{i}}}", "{{instance}}")),
             unit="dtdurations", th=thresholds(BLUE), color_mode="none", w=4),
        stat("Newest block checked", targets((f"snapraid_scrub_newest_block_age_seconds{{{i}}}", "{{instance}}")),
             unit="dtdurations", th=thresholds(BLUE), color_mode="none", w=4),
        stat("Never scrubbed", targets((f"snapraid_unscrubbed_ratio{{{i}}}", "{{instance}}")),
             unit="percentunit", th=thresholds(GREEN, (0.5, YELLOW)), w=4, decimals=1),
        timeseries("Block scrub age", targets(
            (f"snapraid_scrub_oldest_block_age_seconds{{{i}}}", "oldest {{instance}}"),
            (f"snapraid_scrub_median_block_age_seconds{{{i}}}", "median {{instance}}"),
            (f"snapraid_scrub_newest_block_age_seconds{{{i}}}", "newest {{instance}}")),
            unit="dtdurations", th=thresholds(GREEN, (120 * DAY, RED)), threshold_lines=True),
        table("Newest logged run of each command", targets(
            (f"max by (instance, command) ((time() - snapraid_last_run_timestamp_seconds{{{i}}}) / 86400)", None),
            (f"max by (instance, command) (snapraid_last_run_success{{{i}}})", None),
            (f'max by (instance, command) (snapraid_last_run_errors{{{i}, kind="io"}})', None),
            (f'max by (instance, command) (snapraid_last_run_errors{{{i}, kind="data"}})', None),
            (f'max by (instance, command) (snapraid_last_run_errors{{{i}, kind="soft"}})', None), table=True),
            rename={"Value #A": "Started days ago", "Value #B": "Succeeded (1 = yes)", "Value #C": "I/O errors",
                    "Value #D": "Data errors", "Value #E": "Soft errors"}, w=12, h=8,
            overrides=[
                colored_column("Succeeded (1 = yes)", thresholds(RED, (1, GREEN)), "color-background"),
                colored_column("I/O errors", thresholds(GREEN, (1, RED))),
                colored_column("Data errors", thresholds(GREEN, (1, RED))),
            ]),
        about(bargauge("Changes found by the newest logged diff",
                 targets((f'snapraid_last_diff_files{{{i}, change!="equal"}}', "{{change}}")),
                 th=thresholds(BLUE), w=12, h=8),
              "What the newest logged 'snapraid diff' found: what the next sync will add to parity. Many "
              "removed files at once can be an accident; check before syncing."),

        row("Space"),
        bargauge("Data disk use",
                 targets((f"snapraid_disk_used_bytes{{{d}}} / (snapraid_disk_used_bytes{{{d}}} + snapraid_disk_free_bytes{{{d}}})",
                          "{{disk}}")),
                 unit="percentunit", th=thresholds(GREEN, (0.85, ORANGE), (0.95, RED)), max=1, w=8),
        bargauge("Free per data disk", targets((f"snapraid_disk_free_bytes{{{d}}}", "{{disk}}")), unit="bytes",
                 th=thresholds(RED, (100e9, ORANGE), (500e9, GREEN)), w=8),
        bargauge("Parity use", targets(
            (f"snapraid_parity_allocated_bytes{{{i}}} / snapraid_parity_max_bytes{{{i}}}", "allocated of possible"),
            (f"1 - snapraid_parity_free_bytes{{{i}}} / snapraid_parity_size_bytes{{{i}}}", "{{parity}} disk")),
            unit="percentunit", th=thresholds(GREEN, (0.9, ORANGE), (0.97, RED)), max=1, w=8),
        timeseries("Array used and free", targets(
            (f"snapraid_array_used_bytes{{{i}}}", "used {{instance}}"),
            (f"snapraid_array_free_bytes{{{i}}}", "free {{instance}}"),
            (f"snapraid_array_wasted_bytes{{{i}}}", "wasted {{instance}}")), unit="bytes"),
        table("Data disks", targets(
            (f"max by (instance, disk) (snapraid_disk_files{{{d}}})", None),
            (f"max by (instance, disk) (snapraid_disk_fragmented_files{{{d}}})", None),
            (f"max by (instance, disk) (snapraid_disk_used_bytes{{{d}}}) / 1e9", None),
            (f"max by (instance, disk) (snapraid_disk_free_bytes{{{d}}}) / 1e9", None),
            (f"max by (instance, disk) (snapraid_disk_wasted_bytes{{{d}}}) / 1e9", None), table=True),
            rename={"Value #A": "Files", "Value #B": "Fragmented", "Value #C": "Used GB", "Value #D": "Free GB",
                    "Value #E": "Wasted GB"}, w=12, h=8),

        row("Disk health (snapraid smart, with --snapraid.smart)"),
        stat("Probability that a disk fails within a year",
             targets((f"snapraid_array_failure_probability_ratio{{{i}}}", "{{instance}}")),
             unit="percentunit", th=thresholds(GREEN, (0.25, YELLOW), (0.5, ORANGE)), w=6, h=6,
             no_value="--snapraid.smart is off"),
        about(bargauge("Failure probability per disk",
                 targets((f"snapraid_disk_failure_probability_ratio{{{d}}}", "{{disk}} {{device}} {{serial}}")),
                 unit="percentunit", th=thresholds(GREEN, (0.25, YELLOW), (0.5, RED)), max=1, w=10, h=6),
              "SnapRAID's estimate that each disk fails within a year, from its SMART attributes and "
              "Backblaze's statistics. Replace disks above 50% before a second one fails."),
        bargauge("Temperature per disk",
                 targets((f"snapraid_disk_temperature_celsius{{{d}}}", "{{disk}} {{device}}")),
                 unit="celsius", th=thresholds(GREEN, (45, YELLOW), (55, RED)), min=20, max=70, w=8, h=6),
        table("SMART per disk (as reported by snapraid smart)", targets(
            (f"max by (instance, disk, device, serial, smartctl) ("
             f"label_replace(snapraid_disk_smart_failing{{{d}}} == 1, \"smartctl\", \"FAIL\", \"\", \"\")"
             f" or label_replace(snapraid_disk_smart_failing{{{d}}} == 0, \"smartctl\", \"ok\", \"\", \"\"))", None),
            (f"max by (instance, disk, device, serial) (snapraid_disk_smart_errors{{{d}}})", None),
            (f"max by (instance, disk, device, serial) (snapraid_disk_power_on_seconds{{{d}}}) / 86400", None),
            (f"max by (instance, disk, device, serial) (snapraid_disk_size_bytes{{{d}}}) / 1e12", None), table=True),
            rename={"Value #B": "SMART error log entries", "Value #C": "Power-on days", "Value #D": "Size TB"},
            exclude=("Time", "job", "__name__", "Value #A"), h=7,
            overrides=[colored_column("SMART error log entries", thresholds(GREEN, (1, ORANGE)))]),

        row("snapraid_exporter"),
        stat("Collection", targets((f"snapraid_up{{{i}}}", "{{instance}}")), mappings=UP_DOWN,
             th=thresholds(RED, (1, GREEN)), w=4),
        stat("snapraid smart", targets((f"snapraid_smart_up{{{i}}}", "{{instance}}")), mappings=UP_DOWN,
             th=thresholds(RED, (1, GREEN)), w=4, no_value="off"),
        stat("Last collection", targets((f"time() - snapraid_last_collect_timestamp_seconds{{{i}}}", "{{instance}}")),
             unit="s", th=thresholds(GREEN, (900, ORANGE), (3600, RED)), w=4),
        timeseries("Collection duration", targets((f"snapraid_collect_duration_seconds{{{i}}}", "{{instance}}")),
                   unit="s", w=6, h=6),
        timeseries("Failed collections by reason",
                   targets((f"sum by (instance, reason) (increase(snapraid_collect_errors_total{{{i}}}[1h]))",
                            "{{instance}} {{reason}}")), unit="short", w=6, h=6, bars=True),
    ]
    variables = [
        var_query("instance", "Instance", "label_values(snapraid_up, instance)"),
        var_query("disk", "Data disk", 'label_values(snapraid_disk_used_bytes{instance=~"$instance"}, disk)'),
    ]
    return dashboard("homeops-snapraid", "homeops / SnapRAID",
                     "Is parity current, are scrubs keeping up, did a run find errors, which disk is filling up "
                     "or likely to fail. Data: snapraid_exporter.", variables, items)


# ---------------------------------------------------------------- SMART

def smart():
    i = 'instance=~"$instance"'
    d = 'instance=~"$instance", device=~"$device"'
    info_join = ' * on (job, instance, device) group_left (model, serial) max by (job, instance, device, model, serial) (smart_device_info)'
    health = (
        f'label_replace(smart_device_up{{{d}}} == 0, "state", "UNREADABLE", "", "")'
        f' or on (job, instance, device) label_replace(smart_device_sleeping{{{d}}} == 1, "state", "asleep (last-known values)", "", "")'
        f' or on (job, instance, device) label_replace(smart_device_up{{{d}}} == 1, "state", "read", "", "")'
    )
    verdict = (
        f'label_replace(smart_device_smart_healthy{{{d}}} == 0, "self_assessment", "FAILING", "", "")'
        f' or on (job, instance, device) label_replace(smart_device_smart_healthy{{{d}}} == 1, "self_assessment", "passed", "", "")'
    )
    items = [
        row("Which disk is dying?"),
        stat("Disks", targets(f"count(smart_device_info{{{d}}})"), th=thresholds(BLUE), color_mode="none", w=3,
             no_value="0"),
        stat("Failing self-assessment", targets(f"count(smart_device_smart_healthy{{{d}}} == 0) or vector(0)"),
             th=thresholds(GREEN, (1, RED)), w=4),
        stat("Many bad sectors / attribute failing",
             targets(f'count(smart_device_overall_status{{{d}, status=~"bad_sector_many|bad_attribute_now|bad_status"}} == 1) or vector(0)'),
             th=thresholds(GREEN, (1, RED)), w=5),
        stat("Unreadable", targets(f"count(smart_device_up{{{d}}} == 0) or vector(0)"),
             th=thresholds(GREEN, (1, ORANGE)), w=3),
        stat("Asleep", targets(f"count(smart_device_sleeping{{{d}}} == 1) or vector(0)"),
             th=thresholds(BLUE), color_mode="none", w=3),
        stat("Hottest disk", targets(f"max(smart_device_temperature_celsius{{{d}}})"), unit="celsius",
             th=thresholds(GREEN, (50, YELLOW), (55, ORANGE), (65, RED)), w=3),
        stat("Disk alerts firing", targets('count(ALERTS{alertstate="firing", alertname=~"Smart.+"}) or vector(0)'),
             th=thresholds(GREEN, (1, RED)), w=3),
        about(table("Disks", targets(
            (f"max by (instance, device, type, model, serial, firmware) (smart_device_info{{{d}}})", None),
            (f"max by (instance, device, state) ({health})", None),
            (f"max by (instance, device, self_assessment) ({verdict})", None),
            (f"max by (instance, device, status) (smart_device_overall_status{{{d}}} == 1)", None),
            (f"max by (instance, device) (smart_device_temperature_celsius{{{d}}})", None),
            (f"max by (instance, device) (smart_device_bad_sectors{{{d}}})", None),
            (f"max by (instance, device) (smart_device_power_on_seconds{{{d}}}) / 86400", None),
            (f"time() - max by (instance, device) (smart_device_last_read_timestamp_seconds{{{d}}})", None), table=True),
            rename={"status": "libatasmart status", "Value #E": "Temp °C", "Value #F": "Bad sectors",
                    "Value #G": "Power-on days", "Value #H": "Values age s"},
            exclude=("Time", "job", "__name__", "Value #A", "Value #B", "Value #C", "Value #D"), h=9,
            overrides=[colored_column("Temp °C", thresholds(GREEN, (50, YELLOW), (55, ORANGE), (65, RED))),
                       colored_column("Bad sectors", thresholds(GREEN, (1, ORANGE), (50, RED)))],
            sort=("device", False)),
              "One row per disk. The serial identifies the physical disk (kernel names change between boots). "
              "state: read, asleep (standby: not woken, values are the last-known ones, 'Values age' says how "
              "old) or UNREADABLE. self_assessment: the disk's own SMART verdict. libatasmart status (ATA): "
              "good, bad_attribute_in_the_past, bad_sector, bad_attribute_now, bad_sector_many, bad_status."),

        row("Temperature"),
        timeseries("Temperature", targets((f"smart_device_temperature_celsius{{{d}}}" + info_join, "{{device}} {{model}}")),
                   unit="celsius", min=None, th=thresholds(GREEN, (55, ORANGE), (65, RED)), threshold_lines=True,
                   w=16, h=9),
        bargauge("Temperature now", targets((f"smart_device_temperature_celsius{{{d}}}", "{{device}}")),
                 unit="celsius", th=thresholds(GREEN, (50, YELLOW), (55, ORANGE), (65, RED)), min=20, max=80, w=8, h=9),

        row("ATA disks"),
        about(timeseries("Reallocated, pending and uncorrectable sectors", targets(
            (f'smart_ata_attribute_pretty{{{d}, unit="sectors", name=~"reallocated-sector-count|current-pending-sector|offline-uncorrectable"}}',
             "{{device}} {{name}}")), unit="short", w=12, h=8),
              "Sectors the disk could not read (pending, offline-uncorrectable) or replaced with spares "
              "(reallocated). A count that keeps rising means the disk is dying."),
        table("Attributes failing now or in the past", targets(
            (f"(smart_ata_attribute_failing{{{d}}} == 1)" + info_join, None), table=True),
            exclude=("Time", "job", "__name__", "Value"), w=12, h=8),
        table("Attributes", targets(
            (f"max by (instance, device, id, name) (smart_ata_attribute_value{{{d}}})", None),
            (f"max by (instance, device, id, name) (smart_ata_attribute_worst{{{d}}})", None),
            (f"max by (instance, device, id, name) (smart_ata_attribute_threshold{{{d}}})", None),
            (f"max by (instance, device, id, name) (smart_ata_attribute_raw{{{d}}})", None), table=True),
            rename={"Value #A": "Value", "Value #B": "Worst", "Value #C": "Threshold", "Value #D": "Raw"},
            w=16, h=10, sort=("device", False)),
        table("Last self-test", targets(
            (f"smart_ata_self_test_status{{{d}}} == 1", None), table=True),
            exclude=("Time", "job", "__name__", "Value"), w=8, h=10),
        timeseries("Power cycles per day", targets(
            (f"increase(smart_device_power_cycles_total{{{d}}}[1d])", "{{device}}")), unit="short", w=12, h=7),
        timeseries("Power-on time", targets(
            (f"smart_device_power_on_seconds{{{d}}}", "{{device}}")), unit="dtdurations", w=12, h=7,
            legend_calcs=("lastNotNull",)),

        row("NVMe disks"),
        about(bargauge("Life used (rated endurance)", targets((f"smart_nvme_percentage_used_ratio{{{d}}}", "{{device}}")),
                 unit="percentunit", th=thresholds(GREEN, (0.8, ORANGE), (1, RED)), max=1, w=8, h=6),
              "NVMe 'Percentage Used': the drive's estimate of its rated write endurance used. 100% is the "
              "rating, not the end, but plan a replacement."),
        bargauge("Available spare", targets((f"smart_nvme_available_spare_ratio{{{d}}}", "{{device}}")),
                 unit="percentunit", th=thresholds(RED, (0.2, ORANGE), (0.5, GREEN)), max=1, w=8, h=6),
        table("Critical warnings", targets(
            (f"smart_nvme_critical_warning_flag{{{d}}} == 1", None), table=True),
            exclude=("Time", "job", "__name__", "Value"), w=8, h=6),
        timeseries("Media errors and error log entries", targets(
            (f"smart_nvme_media_errors_total{{{d}}}", "media errors {{device}}"),
            (f"smart_nvme_error_log_entries_total{{{d}}}", "error log {{device}}")), unit="short", w=8, h=7),
        timeseries("Written and read", targets(
            (f"rate(smart_nvme_data_written_bytes_total{{{d}}}[$__rate_interval])", "written {{device}}"),
            (f"rate(smart_nvme_data_read_bytes_total{{{d}}}[$__rate_interval])", "read {{device}}")), unit="Bps",
            w=8, h=7),
        timeseries("Unsafe shutdowns and time above the warning temperature", targets(
            (f"increase(smart_nvme_unsafe_shutdowns_total{{{d}}}[1d])", "unsafe shutdowns/day {{device}}"),
            (f"increase(smart_nvme_warning_temperature_seconds_total{{{d}}}[1d]) / 60", "minutes hot/day {{device}}")),
            unit="short", w=8, h=7),

        row("smart_exporter"),
        stat("Collection", targets((f"smart_up{{{i}}}", "{{instance}}")), mappings=UP_DOWN,
             th=thresholds(RED, (1, GREEN)), w=4),
        stat("Last collection", targets((f"time() - smart_last_collect_timestamp_seconds{{{i}}}", "{{instance}}")),
             unit="s", th=thresholds(GREEN, (900, ORANGE), (3600, RED)), w=4),
        timeseries("Read duration per disk", targets(
            (f"smart_device_read_duration_seconds{{{d}}}", "{{device}}"),
            (f"smart_collect_duration_seconds{{{i}}}", "whole collection {{instance}}")), unit="s", w=8, h=6),
        timeseries("Failed collections by reason", targets(
            (f"sum by (instance, reason) (increase(smart_collect_errors_total{{{i}}}[1h]))", "{{instance}} {{reason}}")),
            unit="short", w=8, h=6, bars=True),
        table("Read errors", targets((f"smart_device_read_error{{{d}}}", None), table=True),
              exclude=("Time", "job", "__name__", "Value"), w=24, h=5),
    ]
    variables = [
        var_query("instance", "Instance", "label_values(smart_up, instance)"),
        var_query("device", "Disk", 'label_values(smart_device_info{instance=~"$instance"}, device)'),
    ]
    return dashboard("homeops-smart", "homeops / Disks (SMART)",
                     "Which disk is dying: SMART self-assessment, bad sectors, failing attributes, NVMe wear and "
                     "spare, temperatures. Data: smart_exporter (ATA via libatasmart, NVMe via the admin ioctl).",
                     variables, items)


# ---------------------------------------------------------------- remediation

def remediation():
    i = 'instance=~"$instance"'
    p = 'instance=~"$instance", playbook=~"$playbook"'
    items = [
        row("Now"),
        stat("Remediation", targets((f"remediation_paused{{{i}}}", "{{instance}}")),
             mappings=vmap({"0": ("active", GREEN), "1": ("PAUSED", ORANGE)}), th=thresholds(GREEN), w=4),
        stat("Running", targets((f"remediation_runs_running{{{i}}}", "{{instance}}")), th=thresholds(BLUE),
             color_mode="none", w=3),
        stat("Queued", targets((f"remediation_run_queue_depth{{{i}}}", "{{instance}}")),
             th=thresholds(GREEN, (1, YELLOW), (10, ORANGE)), w=3),
        stat("Oldest queued run", targets((f'remediation_oldest_pending_age_seconds{{{i}, kind="run"}}', "{{instance}}")),
             unit="s", th=thresholds(GREEN, (600, YELLOW), (3600, ORANGE)), w=4),
        stat("Oldest undelivered notification",
             targets((f'remediation_oldest_pending_age_seconds{{{i}, kind="notification"}}', "{{instance}}")),
             unit="s", th=thresholds(GREEN, (600, YELLOW), (3600, ORANGE)), w=5),
        stat("Playbooks disabled", targets(f"count(remediation_playbook_enabled{{{i}}} == 0) or vector(0)"),
             th=thresholds(GREEN, (1, YELLOW)), w=5),
        table("Alerts firing now (Prometheus)", targets(
            ('ALERTS{alertstate="firing", alertname=~"Snapraid.+|Smart.+|Homeops.+|Remediation.+"}', None), table=True),
            exclude=("Time", "__name__", "alertstate", "Value"), w=24, h=7, sort=("severity", False)),

        row("What did the receiver do?"),
        about(timeseries("Playbook runs per hour by result", targets(
            (f"sum by (playbook, result) (increase(remediation_runs_total{{{p}}}[1h]))", "{{playbook}} {{result}}")),
            unit="short", bars=True, stack=True, w=12, h=8, legend_calcs=("sum",)),
              "Finished playbook runs: succeeded, failed (non-zero exit, timeout), cancelled, interrupted "
              "(the receiver stopped), dry_run. Output and exit status of each run are on the receiver's "
              "status page."),
        table("Runs in the selected time range", targets(
            (f"sum by (playbook, result) (increase(remediation_runs_total{{{p}}}[$__range]))", None), table=True),
            rename={"Value": "Runs"}, exclude=("Time",), w=12, h=8, sort=("Runs", True)),
        about(timeseries("Routing decisions per hour", targets(
            (f"sum by (playbook, decision) (increase(remediation_gate_decisions_total{{{p}}}[1h]))",
             "{{playbook}} {{decision}}")), unit="short", bars=True, stack=True, w=12, h=8, legend_calcs=("sum",)),
              "What the receiver decided for each routed alert: run, duplicate (already handled), cooldown, "
              "gave_up (max_attempts used within the window: a human is needed), paused, disabled."),
        timeseries("Run duration (95th percentile)", targets(
            (f"histogram_quantile(0.95, sum by (playbook, le) (rate(remediation_run_duration_seconds_bucket{{{p}}}[1h])))",
             "{{playbook}}")), unit="s", w=12, h=8),
        timeseries("Alerts received per hour", targets(
            (f"sum by (status) (increase(remediation_alerts_received_total{{{i}}}[1h]))", "{{status}}")),
            unit="short", bars=True, stack=True, w=8, h=7, legend_calcs=("sum",)),
        timeseries("Webhooks per hour by HTTP code", targets(
            (f"sum by (code) (increase(remediation_webhooks_received_total{{{i}}}[1h]))", "{{code}}")),
            unit="short", bars=True, stack=True, w=8, h=7, legend_calcs=("sum",)),
        timeseries("Notifications per hour", targets(
            (f"sum by (notifier, result) (increase(remediation_notifications_total{{{i}}}[1h]))",
             "{{notifier}} {{result}}")), unit="short", bars=True, stack=True, w=8, h=7, legend_calcs=("sum",)),

        row("Receiver health"),
        stat("Config reload", targets((f"remediation_config_last_reload_successful{{{i}}}", "{{instance}}")),
             mappings=vmap({"1": ("ok", GREEN), "0": ("REJECTED", RED)}), th=thresholds(RED, (1, GREEN)), w=4),
        stat("Config loaded", targets(
            (f"time() - remediation_config_last_reload_success_timestamp_seconds{{{i}}}", "{{instance}}")),
            unit="dtdurations", th=thresholds(BLUE), color_mode="none", w=4),
        stat("Store commit failures (range)", targets(
            f"sum(increase(remediation_store_commit_failures_total{{{i}}}[$__range])) or vector(0)"),
            th=thresholds(GREEN, (1, RED)), w=4),
        stat("Memory (RSS)", targets((f'process_resident_memory_bytes{{{i}, job=~"homeops-receiver"}}', "{{instance}}")),
             unit="bytes", th=thresholds(BLUE), color_mode="none", w=4),
        stat("Version", targets((f"remediation_build_info{{{i}}}", "{{version}} ({{revision}})")),
             th=thresholds(BLUE), color_mode="none", text_mode="name", w=8),
        timeseries("Store group commits", targets(
            (f"rate(remediation_store_commits_total{{{i}}}[$__rate_interval])", "commits/s"),
            (f"rate(remediation_store_operations_total{{{i}}}[$__rate_interval])", "operations/s"),
            (f"remediation_store_pending_operations{{{i}}}", "waiting")), unit="short", w=12, h=7),
        timeseries("Store commit duration (99th percentile)", targets(
            (f"histogram_quantile(0.99, sum by (le) (rate(remediation_store_commit_duration_seconds_bucket{{{i}}}[$__rate_interval])))",
             "p99")), unit="s", w=12, h=7),
    ]
    variables = [
        var_query("instance", "Instance", "label_values(remediation_build_info, instance)"),
        var_query("playbook", "Playbook", 'label_values(remediation_playbook_enabled{instance=~"$instance"}, playbook)'),
    ]
    return dashboard("homeops-remediation", "homeops / Remediation",
                     "What remediation_receiver did: runs by playbook and result, routing decisions, notifications, "
                     "queue and store health.", variables, items, time_from="now-2d")


# ---------------------------------------------------------------- Pi-hole

def pihole():
    h = 'instance=~"$instance", hostname=~"$hostname"'
    items = [
        row("Does DNS answer?"),
        about(stat("DNS probe", targets((f"pihole_dns_probe_success{{{h}}}", "{{hostname}}")),
                   mappings=vmap({"1": ("answers", GREEN), "0": ("FAILING", RED), "null": ("no probe", TEXT)}),
                   th=thresholds(RED, (1, GREEN)), w=8, h=4),
              "A real DNS query (the target's dns_probe name, type A) to each Pi-hole's DNS port, UDP with a TCP "
              "retry on truncation. This is the failover signal: when one fails, clients must use the other."),
        about(stat("Any Pi-hole answering", targets(f"max(pihole_dns_probe_success{{{h}}})"),
                   mappings=vmap({"1": ("yes", GREEN), "0": ("NO DNS AT ALL", RED), "null": ("no probe", TEXT)}),
                   th=thresholds(RED, (1, GREEN)), w=4, h=4),
              "0 means primary and secondary both fail: alert PiholeAllDnsDown (critical)."),
        stat("API", targets((f"pihole_up{{{h}}}", "{{hostname}}")), mappings=UP_DOWN,
             th=thresholds(RED, (1, GREEN)), w=6, h=4),
        stat("Blocking", targets((f"pihole_blocking_enabled{{{h}}}", "{{hostname}}")),
             mappings=vmap({"1": ("enabled", GREEN), "0": ("DISABLED", ORANGE), "null": ("unknown", TEXT)}),
             th=thresholds(ORANGE, (1, GREEN)), w=6, h=4),
        timeseries("DNS probe duration", targets((f"pihole_dns_probe_duration_seconds{{{h}}}", "{{hostname}}")),
                   unit="s", w=12, h=7),
        table("Probe outcome and API", targets(
            (f"max by (hostname, result) (pihole_dns_probe_result{{{h}}})", None),
            (f"max by (hostname, api, version) (pihole_api_info{{{h}}})", None),
            (f"max by (hostname) (pihole_login_failing{{{h}}})", None), table=True),
            rename={"result": "probe result", "Value #C": "login failing"},
            exclude=("Time", "job", "__name__", "Value #A", "Value #B"), w=12, h=7),
        table("Alerts firing now", targets(('ALERTS{alertstate="firing", alertname=~"Pihole.+"}', None), table=True),
              exclude=("Time", "__name__", "alertstate", "Value"), w=24, h=5, sort=("severity", False)),

        row("Queries"),
        timeseries("Queries in the last 24 hours", targets(
            (f"pihole_dns_queries_today{{{h}}}", "total {{hostname}}"),
            (f"pihole_ads_blocked_today{{{h}}}", "blocked {{hostname}}"),
            (f"pihole_queries_forwarded{{{h}}}", "forwarded {{hostname}}"),
            (f"pihole_queries_cached{{{h}}}", "cached {{hostname}}")), unit="short", w=12, h=8),
        timeseries("Blocked share", targets((f"pihole_ads_percentage_today{{{h}}}", "{{hostname}}")),
                   unit="percent", w=6, h=8, max=100),
        stat("Clients active", targets((f"pihole_unique_clients{{{h}}}", "{{hostname}}")), th=thresholds(BLUE),
             color_mode="none", w=6, h=8, graph=True),
        bargauge("Query types", targets((f"pihole_querytypes{{{h}}}", "{{hostname}} {{type}}")), unit="percent",
                 th=thresholds(BLUE), max=100, w=8, h=9),
        bargauge("Replies", targets((f"pihole_reply{{{h}}}", "{{hostname}} {{type}}")), unit="short",
                 th=thresholds(BLUE), w=8, h=9),
        bargauge("Forward destinations", targets((f"pihole_forward_destinations{{{h}}}", "{{hostname}} {{destination}}")),
                 unit="percent", th=thresholds(BLUE), w=8, h=9),
        timeseries("Upstream response time", targets(
            (f"pihole_upstream_response_seconds{{{h}}}", "{{hostname}} {{destination}}")), unit="s", w=12, h=7),
        table("Top domains and clients (when top_count is set)", targets(
            (f"topk(10, pihole_top_queries{{{h}}})", None), (f"topk(10, pihole_top_ads{{{h}}})", None),
            (f"topk(10, pihole_top_sources{{{h}}})", None), table=True),
            rename={"Value #A": "queries", "Value #B": "blocked", "Value #C": "client queries"},
            w=12, h=7),

        row("Blocklists and sessions"),
        stat("Gravity age", targets((f"time() - pihole_gravity_last_update_timestamp_seconds{{{h}}}", "{{hostname}}")),
             unit="dtdurations", th=thresholds(GREEN, (8 * DAY, ORANGE), (14 * DAY, RED)), w=8, h=4),
        stat("Domains on the blocklist", targets((f"pihole_domains_being_blocked{{{h}}}", "{{hostname}}")),
             th=thresholds(BLUE), color_mode="none", w=8, h=4),
        about(stat("Logins (range)", targets(
            (f"sum by (hostname, result) (increase(pihole_logins_total{{{h}}}[$__range]))", "{{hostname}} {{result}}")),
            th=thresholds(BLUE), color_mode="none", w=8, h=4),
              "pihole_exporter logs in once and reuses its session: a steady stream of ok logins means sessions "
              "expire between collections; seats_exceeded means another client leaks sessions."),
        timeseries("Collection duration", targets((f"pihole_collect_duration_seconds{{{h}}}", "{{hostname}}")),
                   unit="s", w=12, h=6),
        timeseries("Failed collections by reason", targets(
            (f"sum by (hostname, reason) (increase(pihole_collect_errors_total{{{h}}}[1h]))", "{{hostname}} {{reason}}")),
            unit="short", w=12, h=6, bars=True),
    ]
    variables = [
        var_query("instance", "Exporter", "label_values(pihole_build_info, instance)"),
        var_query("hostname", "Pi-hole", 'label_values(pihole_up{instance=~"$instance"}, hostname)'),
    ]
    return dashboard("homeops-pihole", "homeops / DNS (Pi-hole)",
                     "Does DNS answer: each Pi-hole's DNS probe and API, blocking, queries, upstreams, gravity age and "
                     "the exporter's logins. Data: pihole_exporter (Pi-hole v6 and v5 API, DNS probes).",
                     variables, items, time_from="now-24h")


# ---------------------------------------------------------------- docker

def docker():
    i = 'instance=~"$instance"'
    n = 'instance=~"$instance", name=~"$name"'
    items = [
        row("Now"),
        stat("Engine", targets((f"docker_up{{{i}}}", "{{instance}}")), mappings=UP_DOWN,
             th=thresholds(RED, (1, GREEN)), w=3),
        stat("Version", targets((f"docker_engine_info{{{i}}}", "{{version}} (API {{api_version}})")),
             th=thresholds(BLUE), color_mode="none", text_mode="name", w=5),
        stat("Running", targets(f"sum(docker_containers_running{{{i}}})"), th=thresholds(BLUE), color_mode="none", w=3),
        stat("Unhealthy", targets(f'count(docker_container_health_status{{{i}, status="unhealthy"}} == 1) or vector(0)'),
             th=thresholds(GREEN, (1, RED)), w=3),
        stat("Restarts (range)", targets(f"sum(increase(docker_container_restarts_total{{{i}}}[$__range])) or vector(0)"),
             th=thresholds(GREEN, (1, YELLOW), (10, ORANGE)), w=3),
        stat("OOM kills (range)", targets(f"sum(increase(docker_container_ooms_total{{{i}}}[$__range])) or vector(0)"),
             th=thresholds(GREEN, (1, RED)), w=3),
        stat("Exited with an error", targets(
            f'count((docker_container_exit_code{{{i}}} != 0) and on (job, instance, name) '
            f'docker_container_state{{{i}, state="exited"}} == 1) or vector(0)'),
            th=thresholds(GREEN, (1, ORANGE)), w=4),
        table("Alerts firing now (Prometheus)", targets(
            ('ALERTS{alertstate="firing", alertname=~"Docker.+"}', None), table=True),
            exclude=("Time", "__name__", "alertstate", "Value"), w=24, h=6, sort=("severity", False)),

        row("Containers"),
        about(table("Containers", targets(
            (f'max by (instance, name, state) (docker_container_state{{{n}}} == 1)', None),
            (f'max by (instance, name, status) (docker_container_health_status{{{n}}} == 1)', None),
            (f"max by (instance, name) (docker_container_exit_code{{{n}}})", None),
            (f"max by (instance, name) (increase(docker_container_restarts_total{{{n}}}[$__range]))", None),
            (f"max by (instance, name) (time() - docker_container_started_at_timestamp_seconds{{{n}}})", None),
            table=True),
            rename={"Value #C": "Exit code", "Value #D": "Restarts (range)", "Value #E": "Up for", "status": "health"},
            exclude=("Time", "Value #A", "Value #B"), w=24, h=10, sort=("name", False)),
              "One row per container: state and health (one-hot series, the one set to 1), last exit code, "
              "restarts counted from the event stream during the time range, and time since the last start."),

        row("Over time"),
        about(timeseries("Restarts per 15 minutes", targets(
            (f"sum by (name) (increase(docker_container_restarts_total{{{n}}}[15m]))", "{{name}}")),
            unit="short", bars=True, stack=True, w=12, h=8, legend_calcs=("sum",)),
              "A start after a die, or a rise of Docker's RestartCount: restarts by a restart policy that "
              "happen between scrapes are counted too."),
        timeseries("Health check failing streak", targets(
            (f"docker_container_health_failing_streak{{{n}}}", "{{name}}")), unit="short", w=12, h=8),
        timeseries("OOM kills per hour", targets(
            (f"sum by (name) (increase(docker_container_ooms_total{{{n}}}[1h]))", "{{name}}")),
            unit="short", bars=True, stack=True, w=12, h=7, legend_calcs=("sum",)),
        timeseries("Engine events per minute", targets(
            (f"sum by (action) (rate(docker_events_total{{{i}}}[$__rate_interval])) * 60", "{{action}}")),
            unit="short", stack=True, w=12, h=7),

        row("Bind mounts"),
        about(table("Bind mounts and the shares under them", targets(
            (f"max by (instance, name, source, mountpoint, destination, rw) (docker_container_bind_mount_info{{{n}}})",
             None), table=True),
            exclude=("Time", "Value"), w=24, h=8, sort=("mountpoint", False)),
              "Host source of every bind mount and the mount point it lives under (mounted now or in "
              "/etc/fstab): join with cifs_mount_* to see which containers depend on a share."),

        row("Exporter"),
        stat("Event stream", targets((f"docker_event_stream_up{{{i}}}", "{{instance}}")), mappings=UP_DOWN,
             th=thresholds(RED, (1, GREEN)), w=4),
        stat("Last full resync", targets((f"time() - docker_last_resync_timestamp_seconds{{{i}}}", "{{instance}}")),
             unit="dtdurations", th=thresholds(GREEN, (900, ORANGE)), w=4),
        stat("Memory (RSS)", targets((f'process_resident_memory_bytes{{{i}, job=~"homeops-docker"}}', "{{instance}}")),
             unit="bytes", th=thresholds(BLUE), color_mode="none", w=4),
        timeseries("Collection errors per hour", targets(
            (f"sum by (reason) (increase(docker_collect_errors_total{{{i}}}[1h]))", "{{reason}}")),
            unit="short", bars=True, w=12, h=4, legend_calcs=("sum",)),
    ]
    variables = [
        var_query("instance", "Instance", "label_values(docker_engine_info, instance)"),
        var_query("name", "Container", 'label_values(docker_container_info{instance=~"$instance"}, name)'),
    ]
    return dashboard("homeops-docker", "homeops / Docker",
                     "Docker containers from docker_health_exporter: health, restarts and OOM kills seen on the "
                     "event stream, exit codes, and the bind mounts that tie containers to shares.",
                     variables, items, time_from="now-24h")


# ---------------------------------------------------------------- overview

def overview():
    items = [
        row("Is everything watched?"),
        stat("homeops targets", targets(('up{job=~"homeops-.+"}', "{{job}} {{instance}}")), mappings=UP_DOWN,
             th=thresholds(RED, (1, GREEN)), w=12, h=4, no_value="no homeops scrape job"),
        about(stat("Collections", targets(
            ('label_replace({__name__=~"snapraid_up|smart_up|cifs_up|docker_up|pihole_up"}, "exporter", "$1", '
             '"__name__", "(.+)_up")', "{{exporter}} {{hostname}} {{instance}}")), mappings=UP_DOWN,
            th=thresholds(RED, (1, GREEN)), w=12, h=4),
              "<p>_up of each exporter: its last collection succeeded. pihole_exporter has one per Pi-hole "
              "(hostname); docker_up 0 means the Docker engine does not answer."),
        table("Alerts firing now", targets(
            ('ALERTS{alertstate="firing", alertname=~"Snapraid.+|Smart.+|Cifs.+|Docker.+|Pihole.+|Homeops.+|Remediation.+"}',
             None), table=True),
            exclude=("Time", "__name__", "alertstate", "Value"), h=8, sort=("severity", False)),

        row("Storage — parity (SnapRAID)"),
        stat("Parity age", targets(('time() - snapraid_last_run_timestamp_seconds{command="sync"}', "{{instance}}")),
             unit="dtdurations", th=thresholds(GREEN, (1.5 * DAY, ORANGE), (2 * DAY, RED)), w=6, no_value="no sync log"),
        stat("Bad blocks", targets(("snapraid_array_errors", "{{instance}}")), th=thresholds(GREEN, (1, RED)), w=6),
        stat("Oldest block checked", targets(("snapraid_scrub_oldest_block_age_seconds", "{{instance}}")),
             unit="dtdurations", th=thresholds(GREEN, (100 * DAY, ORANGE), (120 * DAY, RED)), w=6),
        stat("Array free", targets(
            ("snapraid_array_free_bytes / (snapraid_array_free_bytes + snapraid_array_used_bytes)", "{{instance}}")),
            unit="percentunit", th=thresholds(RED, (0.05, ORANGE), (0.15, GREEN)), w=6),

        row("Storage — disks (SMART)"),
        stat("Disks", targets("count(smart_device_info)"), th=thresholds(BLUE), color_mode="none", w=4, no_value="0"),
        stat("Failing self-assessment", targets("count(smart_device_smart_healthy == 0) or vector(0)"),
             th=thresholds(GREEN, (1, RED)), w=5),
        stat("Unreadable", targets("count(smart_device_up == 0) or vector(0)"), th=thresholds(GREEN, (1, ORANGE)), w=5),
        stat("Hottest disk", targets("max(smart_device_temperature_celsius)"), unit="celsius",
             th=thresholds(GREEN, (50, YELLOW), (55, ORANGE), (65, RED)), w=5),
        stat("Most worn NVMe", targets("max(smart_nvme_percentage_used_ratio)"), unit="percentunit",
             th=thresholds(GREEN, (0.8, ORANGE), (1, RED)), w=5, no_value="no NVMe"),

        row("Storage — mounts (CIFS)"),
        stat("Expected mounts", targets("count(cifs_mount_expected == 1)"), th=thresholds(BLUE), color_mode="none",
             w=4, no_value="0"),
        stat("Mounted", targets("count(cifs_mount_expected == 1 and on (job, instance, mountpoint) cifs_mount_mounted == 1)"
                                " or vector(0)"), th=thresholds(BLUE), color_mode="none", w=4),
        about(stat("Missing", targets(
            "count((cifs_mount_expected == 1) and on (job, instance, mountpoint) (cifs_mount_mounted == 0)"
            " unless on (job, instance, mountpoint) (cifs_mount_automount_armed == 1)) or vector(0)"),
            th=thresholds(GREEN, (1, RED)), w=4),
              "Expected mounts (fstab, --cifs.mount) with nothing mounted and no automount armed."),
        about(stat("Not responding", targets(
            "count(cifs_mount_responsive == 0 unless on (job, instance, mountpoint) cifs_mount_stuck == 1) or vector(0)"),
            th=thresholds(GREEN, (1, ORANGE)), w=4),
              "Mounted, but statfs or reading a directory fails: the server is gone, refuses the share, or the "
              "mount is stale."),
        about(stat("Stuck", targets("count(cifs_mount_stuck == 1) or vector(0)"), th=thresholds(GREEN, (1, RED)), w=4),
              "A probe has been blocked in the kernel past its timeout: every process touching the mount hangs."),
        about(stat("Written underneath", targets("sum(cifs_mount_underlying_entries) or vector(0)"),
                   th=thresholds(GREEN, (1, RED)), w=4),
              "Entries written into the local directory of an expected mountpoint while its share was not mounted."),

        row("Services — containers (Docker)"),
        stat("Running", targets("sum(docker_containers_running)"), th=thresholds(BLUE), color_mode="none", w=4,
             no_value="no engine"),
        stat("Unhealthy", targets('count(docker_container_health_status{status="unhealthy"} == 1) or vector(0)'),
             th=thresholds(GREEN, (1, ORANGE)), w=5),
        about(stat("Restarting (15m)", targets(
            'count(max by (job, instance, name) (docker_container_state{state="restarting"} == 1'
            ' or increase(docker_container_restarts_total[15m]) > 0)) or vector(0)'),
            th=thresholds(GREEN, (1, ORANGE)), w=5),
              "Containers restarting now or restarted by their restart policy in the last 15 minutes."),
        about(stat("OOM-killed", targets("count(docker_container_oom_killed == 1) or vector(0)"),
                   th=thresholds(GREEN, (1, ORANGE)), w=5),
              "Containers whose last exit was the kernel's OOM killer at their memory limit."),
        about(stat("Exited non-zero", targets(
            'count((docker_container_exit_code != 0 and docker_container_exit_code != 143)'
            ' and on (job, instance, name) docker_container_state{state="exited"} == 1) or vector(0)'),
            th=thresholds(GREEN, (1, ORANGE)), w=5),
              "Stopped containers whose last exit code was not 0 nor 143 (docker stop). Those meant to run "
              "(with a restart policy) raise DockerContainerExitedNonZero."),

        row("Network — DNS (Pi-hole)"),
        about(stat("DNS probe", targets(("pihole_dns_probe_success", "{{hostname}}")),
                   mappings=vmap({"1": ("answers", GREEN), "0": ("FAILING", RED), "null": ("no probe", TEXT)}),
                   th=thresholds(RED, (1, GREEN)), w=8, no_value="no Pi-hole"),
              "A real DNS query to each Pi-hole's DNS port: when one fails, clients must use the other."),
        about(stat("Any Pi-hole answering", targets("max(pihole_dns_probe_success)"),
                   mappings=vmap({"1": ("yes", GREEN), "0": ("NO DNS AT ALL", RED), "null": ("no probe", TEXT)}),
                   th=thresholds(RED, (1, GREEN)), w=4),
              "0: primary and secondary both fail (PiholeAllDnsDown, critical)."),
        stat("Pi-hole API", targets(("pihole_up", "{{hostname}}")), mappings=UP_DOWN,
             th=thresholds(RED, (1, GREEN)), w=6),
        stat("Blocking", targets(("pihole_blocking_enabled", "{{hostname}}")),
             mappings=vmap({"1": ("enabled", GREEN), "0": ("DISABLED", ORANGE), "null": ("unknown", TEXT)}),
             th=thresholds(ORANGE, (1, GREEN)), w=6),

        row("Remediation — what the receiver did"),
        stat("Remediation", targets(("remediation_paused", "{{instance}}")),
             mappings=vmap({"0": ("active", GREEN), "1": ("PAUSED", ORANGE)}), th=thresholds(GREEN), w=4),
        stat("Runs succeeded (range)", targets('sum(increase(remediation_runs_total{result="succeeded"}[$__range])) or vector(0)'),
             th=thresholds(GREEN), w=5),
        stat("Runs failed (range)",
             targets('sum(increase(remediation_runs_total{result=~"failed|interrupted"}[$__range])) or vector(0)'),
             th=thresholds(GREEN, (1, ORANGE)), w=5),
        stat("Gave up (range)", targets('sum(increase(remediation_gate_decisions_total{decision="gave_up"}[$__range])) or vector(0)'),
             th=thresholds(GREEN, (1, RED)), w=5),
        stat("Queued", targets(("remediation_run_queue_depth", "{{instance}}")),
             th=thresholds(GREEN, (1, YELLOW), (10, ORANGE)), w=5),
    ]
    link_tiers(items, {"Storage — parity": "homeops-snapraid", "Storage — disks": "homeops-smart",
                       "Storage — mounts": "homeops-cifs", "Services": "homeops-docker",
                       "Network": "homeops-pihole", "Remediation": "homeops-remediation"})
    return dashboard("homeops-overview", "homeops / Overview",
                     "The home server at a glance, layer by layer: are the homeops programs scraped and collecting, "
                     "what is firing, parity, disks, mounts, containers, DNS and remediation.", [], items,
                     time_from="now-24h")


DASHBOARDS = {
    "homeops-overview.json": overview,
    "homeops-snapraid.json": snapraid,
    "homeops-smart.json": smart,
    "homeops-remediation.json": remediation,
    "homeops-pihole.json": pihole,
    "homeops-docker.json": docker,
}


# ---------------------------------------------------------------- CIFS mounts (one block: function and registration)

def cifs():
    i = 'instance=~"$instance"'
    m = 'instance=~"$instance", mountpoint=~"$mountpoint"'
    state = (
        f'label_replace((cifs_mount_expected{{{m}}} == 1) and on (job, instance, mountpoint) (cifs_mount_mounted{{{m}}} == 0)'
        f' unless on (job, instance, mountpoint) (cifs_mount_automount_armed{{{m}}} == 1), "state", "MISSING", "", "")'
        f' or on (job, instance, mountpoint) label_replace(cifs_mount_stuck{{{m}}} == 1, "state", "HANGS", "", "")'
        f' or on (job, instance, mountpoint) label_replace(cifs_mount_responsive{{{m}}} == 0, "state", "FAILING", "", "")'
        f' or on (job, instance, mountpoint) label_replace(cifs_mount_responsive{{{m}}} == 1, "state", "answering", "", "")'
        f' or on (job, instance, mountpoint) label_replace(cifs_mount_automount_armed{{{m}}} == 1, "state", "automount armed", "", "")'
        f' or on (job, instance, mountpoint) label_replace(cifs_mount_mounted{{{m}}}, "state", "not probed", "", "")'
    )
    s = 'instance=~"$instance"'
    items = [
        row("Are the shares there and answering?"),
        stat("Expected mounts", targets(f"count(cifs_mount_expected{{{m}}} == 1)"), th=thresholds(BLUE),
             color_mode="none", w=4, no_value="0"),
        about(stat("Missing", targets(
            f"count((cifs_mount_expected{{{m}}} == 1) and on (job, instance, mountpoint) (cifs_mount_mounted{{{m}}} == 0)"
            f" unless on (job, instance, mountpoint) (cifs_mount_automount_armed{{{m}}} == 1)) or vector(0)"),
            th=thresholds(GREEN, (1, RED)), w=4),
              "Expected mounts (fstab, --cifs.mount) with nothing mounted and no automount armed."),
        stat("Hanging", targets(f"count(cifs_mount_stuck{{{m}}} == 1) or vector(0)"),
             th=thresholds(GREEN, (1, RED)), w=4),
        stat("Failing", targets(f"count(cifs_mount_responsive{{{m}}} == 0 unless on (job, instance, mountpoint) "
                                f"cifs_mount_stuck{{{m}}} == 1) or vector(0)"),
             th=thresholds(GREEN, (1, ORANGE)), w=4),
        about(stat("Data under unmounted mountpoints", targets(f"sum(cifs_mount_underlying_entries{{{m}}}) or vector(0)"),
                   th=thresholds(GREEN, (1, RED)), w=4),
              "Entries written into the local directory of an expected mountpoint while its share was not "
              "mounted. Mounting the share would hide them: see the CifsDataUnderMountpoint runbook."),
        stat("Mount alerts firing", targets('count(ALERTS{alertstate="firing", alertname=~"Cifs.+"}) or vector(0)'),
             th=thresholds(GREEN, (1, RED)), w=4),
        about(table("Mounts", targets(
            (f"max by (instance, mountpoint, share) (cifs_mount_expected{{{m}}})", None),
            (f"max by (instance, mountpoint, state) ({state})", None),
            (f"max by (instance, mountpoint) (cifs_mount_automount_armed{{{m}}})", None),
            (f"max by (instance, mountpoint) (cifs_mount_readonly{{{m}}})", None),
            (f"max by (instance, mountpoint) (cifs_mount_probe_duration_seconds{{{m}}})", None),
            (f"max by (instance, mountpoint) (cifs_mount_avail_bytes{{{m}}})", None),
            (f"max by (instance, mountpoint) (1 - cifs_mount_avail_bytes{{{m}}} / cifs_mount_size_bytes{{{m}}})", None),
            (f"max by (instance, mountpoint) (cifs_mount_underlying_entries{{{m}}})", None), table=True),
            rename={"Value #A": "Expected", "Value #C": "Automount", "Value #D": "Read-only",
                    "Value #E": "Probe s", "Value #F": "Available", "Value #G": "Used", "Value #H": "Written underneath"},
            exclude=("Time", "job", "__name__", "Value #B"), h=9,
            overrides=[colored_column("Probe s", thresholds(GREEN, (1, ORANGE), (5, RED))),
                       colored_column("Written underneath", thresholds(GREEN, (1, RED)))],
            sort=("mountpoint", False)),
              "One row per mountpoint that is expected or has a counted filesystem type mounted. state: answering, "
              "FAILING (the probe returns an error), HANGS (the probe is blocked in the kernel), MISSING (expected, "
              "not mounted), automount armed (mounted on first access), not probed. Probe s: the last probe's time, "
              "or how long the hanging one has been blocked."),

        row("Probes"),
        timeseries("Probe duration", targets(
            (f"cifs_mount_probe_duration_seconds{{{m}}}", "{{mountpoint}}")), unit="s", w=12, h=8),
        timeseries("Answering (1) / failing or hanging (0)", targets(
            (f"cifs_mount_responsive{{{m}}}", "{{mountpoint}}")), unit="short", w=12, h=8, max=1,
            legend_calcs=("lastNotNull", "min")),
        timeseries("Space available", targets(
            (f"cifs_mount_avail_bytes{{{m}}}", "{{mountpoint}}")), unit="bytes", w=12, h=8),
        timeseries("Mounted (1) / not (0)", targets(
            (f"cifs_mount_mounted{{{m}}}", "{{mountpoint}}")), unit="short", w=12, h=8, max=1,
            legend_calcs=("lastNotNull", "min")),

        row("Kernel SMB client (/proc/fs/cifs)"),
        stat("Sessions", targets(f"sum(cifs_sessions{{{s}}})"), th=thresholds(BLUE), color_mode="none", w=4,
             no_value="cifs not loaded"),
        stat("Tree connections", targets(f"sum(cifs_shares{{{s}}})"), th=thresholds(BLUE), color_mode="none", w=4,
             no_value="cifs not loaded"),
        stat("Disconnected shares", targets(f"count(cifs_share_connected{{{s}}} == 0) or vector(0)"),
             th=thresholds(GREEN, (1, RED)), w=4),
        stat("Reconnects (1h)", targets(f"sum(increase(cifs_reconnects_total{{{s}}}[1h])) or vector(0)"),
             th=thresholds(GREEN, (1, YELLOW), (4, ORANGE)), w=4, decimals=0),
        table("Shares", targets(
            (f"max by (instance, server, share) (cifs_share_connected{{{s}}})", None), table=True),
            rename={"Value": "Connected"}, w=8, h=4,
            overrides=[colored_column("Connected", thresholds(RED, (1, GREEN)), mode="color-background")]),
        timeseries("Bytes read and written", targets(
            (f"rate(cifs_share_read_bytes_total{{{s}}}[$__rate_interval])", "read {{share}}"),
            (f"rate(cifs_share_written_bytes_total{{{s}}}[$__rate_interval])", "written {{share}}")),
            unit="Bps", w=12, h=8),
        timeseries("SMB operations by type", targets(
            (f"sum by (share, op) (rate(cifs_share_operations_total{{{s}}}[$__rate_interval]))", "{{share}} {{op}}")),
            unit="ops", w=12, h=8),
        timeseries("Failed SMB operations", targets(
            (f"sum by (share, op) (rate(cifs_share_operations_failed_total{{{s}}}[$__rate_interval]))",
             "{{share}} {{op}}")), unit="ops", w=12, h=8),
        timeseries("Reconnects", targets(
            (f"increase(cifs_reconnects_total{{{s}}}[1h])", "{{kind}} per hour")), unit="short", w=12, h=8),

        row("cifs_mount_exporter"),
        stat("Collection", targets((f"cifs_up{{{i}}}", "{{instance}}")), mappings=UP_DOWN,
             th=thresholds(RED, (1, GREEN)), w=4),
        stat("Last collection", targets((f"time() - cifs_last_collect_timestamp_seconds{{{i}}}", "{{instance}}")),
             unit="s", th=thresholds(GREEN, (120, ORANGE), (600, RED)), w=4),
        about(stat("Blocked probe threads", targets((f"cifs_probes_in_flight{{{i}}}", "{{instance}}")),
                   th=thresholds(GREEN, (1, ORANGE)), w=4),
              "Probe calls still blocked in the kernel after a round: one per hanging mount, never more."),
        timeseries("Collection duration", targets(
            (f"cifs_collect_duration_seconds{{{i}}}", "{{instance}}")), unit="s", w=6, h=4),
        timeseries("Failed collections by reason", targets(
            (f"sum by (instance, reason) (increase(cifs_collect_errors_total{{{i}}}[1h]))", "{{instance}} {{reason}}")),
            unit="short", w=6, h=4, bars=True),
    ]
    variables = [
        var_query("instance", "Instance", "label_values(cifs_up, instance)"),
        var_query("mountpoint", "Mountpoint", 'label_values(cifs_mount_mounted{instance=~"$instance"}, mountpoint)'),
    ]
    return dashboard("homeops-cifs", "homeops / Mounts (CIFS/SMB)",
                     "Are the expected shares mounted and answering, is anything hanging or written underneath an "
                     "unmounted mountpoint, and how the kernel SMB client is doing. Data: cifs_mount_exporter.",
                     variables, items, time_from="now-24h")


DASHBOARDS["homeops-cifs.json"] = cifs

def render(fn):
    return json.dumps(fn(), indent=2, ensure_ascii=False) + "\n"


def main(argv):
    check = "--check" in argv[1:]
    out_dir = HERE
    stale = []
    for name, fn in DASHBOARDS.items():
        path = os.path.join(out_dir, name)
        want = render(fn)
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    have = f.read()
            except OSError:
                have = None
            if have != want:
                stale.append(name)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(want)
    if stale:
        print("dashboards out of date with dashboards/build.py (run it): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
