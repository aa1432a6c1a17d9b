#!/usr/bin/python3
"""test_hostile_sources.py: invalid UTF-8, quotes, backslashes, newlines and long values arriving FROM A SOURCE
(tests/lib/abuse_targets.py): a cifs mount path in the recorded mountinfo; a Docker container name and image
from the stand-in; a SnapRAID data disk name in a patched replay of the real status log (64 KiB), then (root:
tmpfs disks) the real snapraid with the longest name it accepts (4095 bytes); SMART IDENTIFY
model/serial/firmware patched into the recorded ATA blob and a real NVMe Identify Controller, served under
hostile file names (the device label); every Pi-hole string that becomes a label (summary keys, upstreams, top
domains and clients, the version) from the stand-in. The exposition stays valid UTF-8 (common/metrics.c puts
U+FFFD for each bad byte), escaped, and `promtool check metrics` clean; long values are passed whole (not
truncated: the source bounds them: 64 KiB for cifs, docker, snapraid, pihole; SMART's fixed 40/20/8-byte
fields, where the exporter turns every byte outside printable ASCII into a space, and NAME_MAX for a replay
file name). JSON that jansson refuses (docker, pihole: raw bad bytes, a lone surrogate escape, \\u0000) is a
parse error, `<p>_up 0` counted with reason parse, and the exporter recovers.
usage: test_hostile_sources.py --binary B --target NAME"""
import argparse
import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from abuse_targets import Target  # noqa: E402
from homeops_test import Checks, fixtures_or_skip, http, log, promtool_check_metrics  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--binary", required=True)
ap.add_argument("--target", required=True)
args = ap.parse_args()
check = Checks()
T = Target(args.target, args.binary, interval="200ms")
LONG = 64 * 1024


def utf8_problem(raw):
    """None when the bytes are valid UTF-8, else where they are not."""
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError as e:
        return str(e)


def hostile_cifs():
    # a mount point of 64 KiB: broken UTF-8, an octal-escaped newline and backslash, a quote; a broken share name
    point = b"/mnt/" + (b"a\xff\xfe\\012\\134\"\xc3" * (LONG // 16))[:LONG]
    line = b"999 1 0:99 / " + point + b" rw,relatime shared:9 - cifs //srv/sh\xffare\\040x rw,vers=3.1.1\n"
    with open(T.mountinfo, "ab") as f:
        f.write(line)
    return "\ufffd", LONG


# JSON text: a quote, a backslash, a newline, an é (the real engine writes valid UTF-8 JSON; the invalid kind,
# raw bad bytes or a lone surrogate escape, is refused: docker_refuses_invalid_json below)
BAD_NAME = b'/bad\\"name\\\\\\n\xc3\xa9'


# a SnapRAID data disk name: a quote, a backslash, bad bytes, a broken UTF-8 lead byte, then 64 KiB. SnapRAID
# takes the name as one whitespace-free token of its config and writes it unescaped into the summary:* log tags;
# the exporter splits those at the LAST ':' (so no ':' needed here). The abuse target replays recorded output:
# a patched copy of the real 12.2 status log and table.
SNAPRAID_DISK = b'd1"q\\b\xff\xfe\xc3' + b"x" * LONG


def hostile_snapraid():
    for fn, old, new in (("status.log", b":d1:", b":" + SNAPRAID_DISK + b":"),
                         ("status.stdout", b" d1\n", b" " + SNAPRAID_DISK + b"\n")):
        path = os.path.join(T.replay, fn)
        with open(path, "rb") as f:
            data = f.read()
        check("replay %s holds d1" % fn, old in data)
        with open(path, "wb") as f:
            f.write(data.replace(old, new))
    return 'disk="d1\\"q\\\\b\ufffd\ufffd\ufffdxxx', LONG


# SMART: the IDENTIFY strings are fixed-size ASCII fields (ATA: 40-byte model, 20-byte serial, 8-byte firmware,
# byte-swapped in 16-bit words; NVMe: the same sizes, not swapped). The exporter (smart_ident_copy) turns every
# byte outside 0x20..0x7e into a space and collapses runs: bad bytes arrive as one space, never as U+FFFD.
# The device label is the replay file's name: any bytes but '/' and NUL, at most NAME_MAX (255) bytes.
SMART_MODEL = b'HOSTILE"Q\\B\xff\xfe\xc3\xa9MODEL'
SMART_SERIAL = b'S"\\\xff\xfeN0123456789'
SMART_FW = b'F"\\\xffW'
SMART_FILE = b'ata"q\\b\xff\xfe\xc3' + b"x" * 200
NVME_FILE = b'nvme"q\\b\xff\xfe\xc3' + b"y" * 200


def ata_string(s, n):
    """An ATA IDENTIFY string field: padded with spaces to n bytes, each 16-bit word's bytes swapped."""
    s = s.ljust(n, b" ")
    return bytes(s[i ^ 1] for i in range(n))


# The real snapraid (12.x and the Debian build here) takes any bytes but whitespace in a data disk name, writes
# them raw into its summary:* log tags, and refuses a name of 4096 bytes or more ("Invalid 'data' name
# specification"): SNAPRAID_REAL_DISK is the longest it accepts.
SNAPRAID_REAL_DISK = b'd1"q\\b\xff\xfe\xc3' + b"x" * 4086
MOUNTS = []


def snapraid_real():
    """The real snapraid on a small array of tmpfs disks (each its own device, as snapraid requires) whose data
    disk has SNAPRAID_REAL_DISK as its name: synced, then the exporter runs the real `snapraid status`. Needs
    root for the mounts (in a private mount namespace); without it only the replay above has run (logged)."""
    sr = shutil.which("snapraid")
    if os.geteuid() != 0 or not sr:
        log("real snapraid: not run (needs root for tmpfs mounts and snapraid on PATH); the replay covered it")
        return
    # a mount namespace of its own (private propagation): the disks are seen only by this process and its
    # children (snapraid, the exporter) and vanish with it even if it is killed; unmounted in finally anyway
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x00020000) != 0:   # CLONE_NEWNS
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    subprocess.run(["mount", "--make-rprivate", "/"], check=True, timeout=30)
    root = os.path.join(T.tmp, "array")
    disks = {}
    for d in ("data", "parity", "content1", "content2"):
        disks[d] = os.path.join(root, d)
        os.makedirs(disks[d])
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "homeops-hostile", disks[d]], check=True,
                       timeout=30)
        MOUNTS.append(disks[d])
    with open(os.path.join(disks["data"], "file"), "wb") as f:
        f.write(b"hostile\n" * 1000)
    conf = os.path.join(root, "snapraid.conf").encode()
    with open(conf, "wb") as f:
        f.write(b"parity %s/snapraid.parity\ncontent %s/snapraid.content\ncontent %s/snapraid.content\n"
                b"data %s %s/\n" % (os.fsencode(disks["parity"]), os.fsencode(disks["content1"]),
                                     os.fsencode(disks["content2"]), SNAPRAID_REAL_DISK, os.fsencode(disks["data"])))
    r = subprocess.run([sr, "-c", conf, "sync"], capture_output=True, timeout=120)
    check("the real snapraid accepts the %d-byte hostile disk name (sync)" % len(SNAPRAID_REAL_DISK),
          r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:])
    T.proc.close()
    T.args = ["--snapraid.path=" + sr, "--snapraid.config=" + os.fsdecode(conf), "--snapraid.timeout=60s"]
    T.env.pop("SNAPRAID_REPLAY_DIR", None)
    T.start()
    want = 'disk="d1\\"q\\\\b\ufffd\ufffd\ufffd' + "x" * 4086 + '"'
    deadline = time.monotonic() + 60
    while True:
        raw = http(T.port, timeout=30).body
        text = raw.decode("utf-8", "replace")
        if want in text or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    check("real snapraid: the hostile disk name arrived whole, escaped, bad bytes U+FFFD", want in text,
          text[-3000:])
    bad = utf8_problem(raw)
    check("real snapraid: exposition is valid UTF-8", bad is None, bad)
    promtool_check_metrics(text)
    check("real snapraid: promtool check metrics clean", True)
    check("real snapraid: SIGTERM exits 0", T.stop() == 0, T.proc.output()[-2000:])


def hostile_smart():
    """The recorded libatasmart blob with IDENTIFY serial/firmware/model patched (and the word 255 checksum
    recomputed), saved under a hostile file name; and a real NVMe Identify Controller (+ SMART log) patched
    likewise, served with --smart.nvme-replay."""
    with open(T.blob, "rb") as f:
        blob = bytearray(f.read())
    check("the blob starts with its IDFY section", blob[:8] == b"IDFY\0\0\2\0")
    ident = blob[8:8 + 512]
    ident[20:40] = ata_string(SMART_SERIAL, 20)     # words 10-19
    ident[46:54] = ata_string(SMART_FW, 8)          # words 23-26
    ident[54:94] = ata_string(SMART_MODEL, 40)      # words 27-46
    if ident[510] == 0xA5:                          # word 255: signature and checksum (all bytes sum to 0)
        ident[511] = (-sum(ident[:511])) & 0xFF
    check("IDENTIFY checksum recomputed", sum(ident) & 0xFF == 0)
    blob[8:8 + 512] = ident
    ata = os.path.join(os.fsencode(T.tmp), SMART_FILE)
    with open(ata, "wb") as f:
        f.write(blob)
    nv = os.path.join(os.path.dirname(fixtures_or_skip("smart")), "smart", "nvme-binary")
    with open(os.path.join(nv, "ecclesia.id-ctrl.padded4096.bin"), "rb") as f:
        idc = bytearray(f.read())
    with open(os.path.join(nv, "ecclesia.smart-log.bin"), "rb") as f:
        slog = f.read()
    idc[4:24] = SMART_SERIAL.ljust(20, b" ")
    idc[24:64] = SMART_MODEL.ljust(40, b" ")
    idc[64:72] = SMART_FW.ljust(8, b" ")
    nvme = os.path.join(os.fsencode(T.tmp), NVME_FILE)
    with open(nvme, "wb") as f:
        f.write(bytes(idc) + slog)
    T.args = [a for a in T.args if not a.startswith("--smart.blob=")]
    T.args += ["--smart.blob=" + os.fsdecode(ata), "--smart.nvme-replay=" + os.fsdecode(nvme)]   # bytes kept
    # both disks: model, serial, firmware escaped, bad bytes one space; the file name whole, U+FFFD for each bad byte
    ident_labels = 'model="HOSTILE\\"Q\\\\B MODEL",serial="S\\"\\\\ N0123456789",firmware="F\\"\\\\ W"'
    return [ident_labels, 'device="ata\\"q\\\\b\ufffd\ufffd\ufffdxxx', 'device="nvme\\"q\\\\b\ufffd\ufffd\ufffdyyy'], 200


# Pi-hole: every string the exporter turns into a label value (summary type/reply/status keys, upstream name and
# ip, top domains, top client name and ip, the core version) holds a quote, a backslash, a newline, an
# e-acute, U+2028 and an emoji (a surrogate pair when escaped); the top domain is 64 KiB. Valid JSON, half
# with \u escapes (ensure_ascii), half raw UTF-8. What jansson refuses (a lone surrogate escape, raw bad bytes,
# \u0000) is a parse error: pihole_refuses_invalid_json below.
PH = 'h"q\\b\n\u00e9\u2028\U0001F600'


def label_escape(v):
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def hostile_pihole():
    from pihole_standin import V6_FILES
    rel = {k.rsplit("/", 1)[1]: v for k, v in V6_FILES.items()}
    orig = T.standin.read
    summary = json.loads(orig(rel["summary"]))
    q = summary["queries"]
    q["types"]["T" + PH] = 5
    q["replies"]["R" + PH] = 6
    q["status"]["S" + PH] = 7
    upstreams = json.loads(orig(rel["upstreams"]))
    upstreams["upstreams"].append({"ip": "UPIP" + PH, "name": "UP" + PH, "port": 5353, "count": 9,
                                  "statistics": {"response": 0.01, "variance": 0.0}})
    domains = json.loads(orig(rel["top_domains"]))
    domain = "DOM" + PH + "x" * LONG
    domains["domains"].insert(0, {"domain": domain, "count": 99999})
    clients = json.loads(orig(rel["top_clients"]))
    clients["clients"].insert(0, {"ip": "CIP" + PH, "name": "CLI" + PH, "count": 99999})
    version = json.loads(orig(rel["version"]))
    version["version"]["core"]["local"]["version"] = "V" + PH
    T.pihole_bodies = {
        rel["summary"]: json.dumps(summary).encode(),                            # \u escapes
        rel["upstreams"]: json.dumps(upstreams, ensure_ascii=False).encode(),     # raw UTF-8
        rel["top_domains"]: json.dumps(domains).encode(),
        rel["top_clients"]: json.dumps(clients, ensure_ascii=False).encode(),
        rel["version"]: json.dumps(version, ensure_ascii=False).encode(),
    }
    T.pihole_rel = rel
    T.standin.read = lambda r: T.pihole_bodies.get(r) or orig(r)
    T.args.append("--pihole.top-count=100")
    return ['type="%s"' % label_escape("T" + PH), 'type="%s"' % label_escape("R" + PH),
            'status="%s"' % label_escape("S" + PH),
            'destination="%s"' % label_escape("UP%s|UPIP%s#5353" % (PH, PH)),
            'domain="%s"' % label_escape(domain), 'source="%s"' % label_escape("CLI%s|CIP%s" % (PH, PH)),
            'version="%s"' % label_escape("V" + PH)], LONG


def wait_scrape(regex, seconds=30):
    """Polls the exporter until regex matches its scrape; returns the last scrape's text."""
    deadline = time.monotonic() + seconds
    while True:
        text = http(T.port, timeout=15).text()
        if re.search(regex, text, re.M) or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


def pihole_refuses_invalid_json():
    """What jansson refuses: a lone surrogate escape (valid JSON syntax, not Unicode), raw bad bytes (not UTF-8)
    and \\u0000 in a string. Each is a parse error (pihole_up 0, counted with reason parse), the scrape stays
    valid and promtool-clean, and the target recovers when the answer is good again. Documented, not replaced."""
    top = T.pihole_rel["top_domains"]
    good = T.pihole_bodies[top]
    errors = r'^pihole_collect_errors_total\{hostname="primary",reason="parse"\} (\d+)'
    for what, bad in (("a lone surrogate escape \\udcff", good.replace(b"DOM", b"\\udcffDOM", 1)),
                      ("raw bytes ff fe", good.replace(b"DOM", b"\xff\xfeDOM", 1)),
                      ("an escaped NUL \\u0000", good.replace(b"DOM", b"\\u0000DOM", 1))):
        text = wait_scrape(r'^pihole_up\{hostname="primary"\} 1$')
        m = re.search(errors, text, re.M)
        before = int(m.group(1)) if m else 0
        T.pihole_bodies[top] = bad
        text = wait_scrape(r'^pihole_up\{hostname="primary"\} 0$')
        check("%s in the JSON: pihole_up 0" % what, re.search(r'^pihole_up\{hostname="primary"\} 0$', text, re.M),
              text[-2000:])
        m = re.search(errors, text, re.M)
        check("counted as reason parse", m and int(m.group(1)) > before, m and m.group(0))
        raw = http(T.port, timeout=15).body
        bad = utf8_problem(raw)
        check("exposition valid UTF-8 while refused", bad is None, bad)
        promtool_check_metrics(raw.decode("utf-8", "replace"))
        check("promtool clean while refused", True)
        T.pihole_bodies[top] = good
        text = wait_scrape(r'^pihole_up\{hostname="primary"\} 1$')
        check("recovers (pihole_up 1) when the answer is good again",
              re.search(r'^pihole_up\{hostname="primary"\} 1$', text, re.M), text[-2000:])


def hostile_docker():
    """A container whose inspect has a name with bad bytes, a quote, a backslash and a newline, and a 64 KiB
    image (a stand-in sends what the real engine, which writes valid UTF-8, would not)."""
    c = json.loads(next(iter(T.standin.inspects.values())))
    cid = "f" * 64
    c["Id"] = cid
    c["Name"] = "/NAMEHERE"
    c["Config"]["Image"] = "img\"\\\n" + "x" * LONG
    body = json.dumps(c).encode().replace(b"/NAMEHERE", BAD_NAME)
    # the stand-in lists containers by parsing its inspects (Python's json refuses the bad bytes): the
    # others as it lists them, this one by hand
    base = json.loads(T.standin._list())
    entry = {"Id": cid, "Names": ["/hostile"], "Image": "x", "State": "running", "Labels": {}}
    T.standin._list = lambda: json.dumps(base + [entry]).encode()
    T.standin.inspects[cid] = body
    T.docker_cid = cid
    return '\\"name\\\\\\n\u00e9', LONG


def docker_refuses_invalid_json():
    """Raw bad bytes in an inspect: the JSON is not UTF-8, the collection is refused as a parse error (docker_up 0,
    reason parse) and the scrape stays valid; documented, not replaced (the real engine cannot send it)."""
    body = T.standin.inspects[T.docker_cid].replace(b"/bad", b"/bad\xff\xfe")
    T.standin.inspects[T.docker_cid] = body
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = http(T.port, timeout=15).text()
        if re.search(r"^docker_up 0$", text, re.M):
            break
        time.sleep(0.2)
    check("invalid UTF-8 in the engine's JSON: docker_up 0", re.search(r"^docker_up 0$", text, re.M), text[-2000:])
    check("counted as reason parse", re.search(r'^docker_collect_errors_total\{reason="parse"\} [1-9]', text, re.M))
    promtool_check_metrics(text)
    check("promtool clean while refused", True)


try:
    expect, longest_min = {"cifs": hostile_cifs, "docker": hostile_docker, "snapraid": hostile_snapraid,
                           "smart": hostile_smart, "pihole": hostile_pihole}[T.name]()
    expect = [expect] if isinstance(expect, str) else expect
    T.start(*(["--docker.resync-interval=1s"] if T.name == "docker" else []))   # docker: inspects again each second
    deadline = time.monotonic() + 20
    text = ""
    while time.monotonic() < deadline:
        r = http(T.port, timeout=15)
        raw = r.body
        text = raw.decode("utf-8", "replace")
        if r.status == 200 and all(e in text for e in expect):
            break
        time.sleep(0.2)
    log("scrape: %d bytes; families with U+FFFD: %s" % (len(raw), sorted({ln.split("{")[0] for ln in text.splitlines()
                                                                         if "\ufffd" in ln})))
    bad = utf8_problem(raw)
    check("exposition is valid UTF-8", bad is None, bad)
    for e in expect:
        check("the hostile value arrived escaped, bad bytes replaced: %s" % e[:80], e in text, text[-3000:])
    if T.name == "smart":   # the identity labels on both disks, the ATA and the NVMe one
        check("the patched identity on both disks", text.count(expect[0]) == 2, text[-3000:])
    promtool_check_metrics(text)
    check("promtool check metrics clean", True)
    longest = max((len(v.encode()) for v in re.findall(r'="((?:[^"\\]|\\.)*)"', text)), default=0)
    log("longest label value: %d bytes (escaped)" % longest)
    check("the longest value is exported whole, not truncated (%d >= %d bytes)" % (longest, longest_min),
          longest >= longest_min)
    if T.name == "docker":
        docker_refuses_invalid_json()
    if T.name == "pihole":
        pihole_refuses_invalid_json()
    check("still serving, SIGTERM exits 0", T.stop() == 0, T.proc.output()[-2000:])
    if T.name == "snapraid":
        snapraid_real()
    log("PASS hostile sources %s (%d checks)" % (T.name, check.n))
finally:
    if T.proc:
        T.proc.close()   # stops it (by PID) before its disks go
    for m in reversed(MOUNTS):
        subprocess.run(["umount", m], timeout=30)
    T.close()
