"""smartfix.py: readers for the smart fixtures (skdump text, skdump-summary.tsv, smartctl JSON) and the
NVMe replay encoder the smart_exporter integration tests share. Standard library only."""
import json
import os
import re
import struct

ANSI = re.compile(r"\x1b\[[0-9;]*m")


from homeops_test import fixtures_dir  # noqa: F401  (the one place that knows the fixture path)


def blob_names(d):
    """The libatasmart blobs in smart/ata-blobs: every file but README, *.tsv and *.skdump.txt."""
    return sorted(f for f in os.listdir(d)
                  if f != "README" and not f.endswith(".tsv") and not f.endswith(".skdump.txt"))


def parse_skdump(text):
    """skdump's output as a dict: header fields, and 'attrs' as a list of row dicts."""
    text = ANSI.sub("", text)
    out = {"attrs": []}
    table = False
    for line in text.splitlines():
        if table:
            if not line.strip():
                continue
            tok = line.split()
            out["attrs"].append({
                "id": int(tok[0]), "name": tok[1], "value": tok[2], "worst": tok[3], "thres": tok[4],
                "pretty": " ".join(tok[5:-5]), "raw": tok[-5], "type": tok[-4], "updates": tok[-3],
                "good": tok[-2], "good_past": tok[-1]})
            continue
        if line.startswith("ID# "):
            table = True
            continue
        if ": " in line:
            k, v = line.split(": ", 1)
            out[k] = v.strip("[]") if k in ("Model", "Serial", "Firmware") else v
    return out


def skdump_failed(v):
    return v is None or "No such" in v or "Failed" in v


def read_summary(d):
    """skdump-summary.tsv as {blob: {column: value}}."""
    with open(os.path.join(d, "skdump-summary.tsv")) as f:
        lines = f.read().splitlines()
    head = lines[0].split("\t")
    return {row.split("\t")[0]: dict(zip(head, row.split("\t"))) for row in lines[1:] if row}


def raw_le(hexraw):
    """skdump prints raw[0..5] in order as 0xAABBCCDDEEFF; the exporter reads them little-endian."""
    b = bytes.fromhex(hexraw[2:])
    return int.from_bytes(b, "little")


# SMART / Health Information log page (NVMe base spec): key -> (offset, length)
NVME_LOG_FIELDS = {
    "critical_warning": (0, 1), "available_spare": (3, 1), "available_spare_threshold": (4, 1),
    "percentage_used": (5, 1), "data_units_read": (32, 16), "data_units_written": (48, 16),
    "host_reads": (64, 16), "host_writes": (80, 16), "controller_busy_time": (96, 16),
    "power_cycles": (112, 16), "power_on_hours": (128, 16), "unsafe_shutdowns": (144, 16),
    "media_errors": (160, 16), "num_err_log_entries": (176, 16), "warning_temp_time": (192, 4),
    "critical_comp_time": (196, 4),
}


def nvme_records(d):
    """(relative path, parsed JSON) of every smartctl JSON under smart/smartctl-json with an NVMe health log."""
    root = os.path.join(d, "smart", "smartctl-json")
    out = []
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            if not f.endswith(".json"):
                continue
            p = os.path.join(dirpath, f)
            with open(p) as fh:
                j = json.load(fh)
            if "nvme_smart_health_information_log" in j:
                out.append((os.path.relpath(p, root), j))
    return sorted(out)


def nvme_replay(j):
    """The replay file (Identify Controller 4096 bytes + SMART / Health log 512 bytes) for a smartctl JSON."""
    ident = bytearray(4096)
    for off, n, key in ((4, 20, "serial_number"), (24, 40, "model_name"), (64, 8, "firmware_version")):
        s = (j.get(key) or "").encode("ascii")[:n]
        ident[off:off + n] = s.ljust(n, b" ")
    log = bytearray(512)
    h = j["nvme_smart_health_information_log"]
    for key, (off, n) in NVME_LOG_FIELDS.items():
        if key in h:
            log[off:off + n] = int(h[key]).to_bytes(n, "little")
    if "temperature" in h:
        log[1:3] = struct.pack("<H", h["temperature"] + 273)
    for i, t in enumerate((h.get("temperature_sensors") or [])[:8]):
        log[200 + 2 * i:202 + 2 * i] = struct.pack("<H", t + 273)
    return bytes(ident + log)


def parse_exposition(text):
    """{(name, frozenset(labels.items())): value} for every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m:
            raise AssertionError(f"unparsable exposition line: {line!r}")
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out[(m.group(1), frozenset(labels.items()))] = float(m.group(4))
    return out


def sample(samples, metric_name_, **labels):
    """The value of the one sample of the metric with exactly these labels, or None."""
    return samples.get((metric_name_, frozenset(labels.items())))


def series_of(samples, name, device):
    """Every sample of name for device: {frozenset(labels): value}."""
    return {k[1]: v for k, v in samples.items() if k[0] == name and ("device", device) in k[1]}
