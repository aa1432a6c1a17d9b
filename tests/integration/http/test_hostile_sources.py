#!/usr/bin/python3
"""test_hostile_sources.py: invalid UTF-8, quotes, backslashes, newlines and 64 KiB values arriving FROM A SOURCE
(tests/lib/abuse_targets.py): a cifs mount path in the recorded mountinfo; a Docker container name and image
from the stand-in; a SnapRAID data disk name (64 KiB) in a replayed status log. The exposition stays valid UTF-8 (common/metrics.c puts U+FFFD for each bad byte), escaped,
and `promtool check metrics` clean; long values are passed whole (not truncated: the source bounds them).
usage: test_hostile_sources.py --binary B --target NAME"""
import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from abuse_targets import Target  # noqa: E402
from homeops_test import Checks, http, log, promtool_check_metrics  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--binary", required=True)
ap.add_argument("--target", required=True)
args = ap.parse_args()
check = Checks()
T = Target(args.target, args.binary, interval="200ms")
LONG = 64 * 1024


def hostile_cifs():
    # a mount point of 64 KiB: broken UTF-8, an octal-escaped newline and backslash, a quote; a broken share name
    point = b"/mnt/" + (b"a\xff\xfe\\012\\134\"\xc3" * (LONG // 16))[:LONG]
    line = b"999 1 0:99 / " + point + b" rw,relatime shared:9 - cifs //srv/sh\xffare\\040x rw,vers=3.1.1\n"
    with open(T.mountinfo, "ab") as f:
        f.write(line)
    return "cifs_mount_info"


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
    return "snapraid_disk_files"


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
    return "docker_container"


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
    family = {"cifs": hostile_cifs, "docker": hostile_docker, "snapraid": hostile_snapraid}[T.name]()
    T.start(*(["--docker.resync-interval=1s"] if T.name == "docker" else []))   # docker: inspects again each second
    deadline = time.monotonic() + 20
    text = ""
    while time.monotonic() < deadline:
        r = http(T.port, timeout=15)
        raw = r.body
        text = raw.decode("utf-8", "replace")
        if r.status == 200 and ("\ufffd" in text or 'name="/bad' in text):
            break
        time.sleep(0.2)
    log("scrape: %d bytes; families with U+FFFD: %s" % (len(raw), sorted({ln.split("{")[0] for ln in text.splitlines()
                                                                         if "\ufffd" in ln})))
    try:
        raw.decode("utf-8")
        valid = True
    except UnicodeDecodeError as e:
        valid = str(e)
    check("exposition is valid UTF-8", valid is True, valid)
    if T.name == "docker":
        check("the hostile name arrived escaped", '\\"name\\\\\\n\u00e9' in text, text[-3000:])
    elif T.name == "snapraid":
        check("the hostile disk name arrived escaped, each bad byte a U+FFFD",
              'disk="d1\\"q\\\\b\ufffd\ufffd\ufffdxxx' in text, text[-3000:])
    else:
        check("the hostile value arrived, bad bytes replaced by U+FFFD", "\ufffd" in text, text[-3000:])
    promtool_check_metrics(text)
    check("promtool check metrics clean", True)
    longest = max((len(v.encode()) for v in re.findall(r'="((?:[^"\\]|\\.)*)"', text)), default=0)
    log("longest label value: %d bytes (escaped)" % longest)
    check("the 64 KiB value is exported whole, not truncated (%d bytes)" % longest, longest >= LONG)
    if T.name == "docker":
        docker_refuses_invalid_json()
    check("still serving, SIGTERM exits 0", T.stop() == 0, T.proc.output()[-2000:])
    log("PASS hostile sources %s (%d checks)" % (T.name, check.n))
finally:
    T.close()
