#!/usr/bin/python3
"""test_examples.py: the shipped example configurations in contrib/examples/ are valid.

Receiver configurations (top-level receivers/playbooks/notifiers/routes/global): `remediation_receiver
--check-config` exits 0 on each. The example names its secrets under /etc/homeops/, which a test machine
lacks: the file is checked as shipped (the only accepted failure is such a missing secret), then
byte-for-byte except for that directory, moved into a scratch directory holding a file for every
secret it names (exit 0 required). Web configurations (tls_server_config/http_server_config/
basic_auth_users): a real exporter starts with --web.config.file on each and enforces it. Broken copies of
each are refused with the file, the line and the key path named.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("HOMEOPS_SOURCE_DIR", "."), "tests", "lib"))
from homeops_test import Checks, Proc, http

ap = argparse.ArgumentParser()
ap.add_argument("--receiver", help="remediation_receiver binary (absent when the receiver is not built)")
ap.add_argument("--exporter", required=True, help="an exporter binary on common/exporter.h")
args = ap.parse_args()
SOURCE = os.environ.get("HOMEOPS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
EXAMPLES = os.path.join(SOURCE, "contrib", "examples")
RECEIVER_KEYS = {"global", "receivers", "playbooks", "notifiers", "routes"}
WEB_KEYS = {"tls_server_config", "http_server_config", "basic_auth_users"}
check = Checks()
tmp = tempfile.mkdtemp(prefix="homeops-examples-")


def top_keys(text):
    """Top-level mapping keys: lines that start in column 0 with a key (stdlib has no YAML parser)."""
    return {m.group(1) for m in re.finditer(r"^([A-Za-z_][A-Za-z0-9_]*):", text, re.M)}


def check_config(path):
    r = subprocess.run([args.receiver, "--check-config", "--config.file=" + path], capture_output=True, text=True,
                       timeout=30)
    return r.returncode, r.stdout + r.stderr


def relocate(text, d):
    """The example with /etc/homeops/ moved to d, and a file for every *_file secret it names there."""
    moved = text.replace("/etc/homeops/", d + "/")
    for m in re.finditer(r"^\s*\w+_file:\s*(\S+)", moved, re.M):
        path = m.group(1).strip("'\"")
        if path.startswith(d + "/"):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("example-secret\n")
    return moved


def test_receiver_example(name, text):
    path = os.path.join(EXAMPLES, name)
    rc, out = check_config(path)
    missing = re.findall(r'cannot read "(/etc/homeops/[^"]+)": No such file or directory', out)
    check(f"{name} as shipped: valid, or only an installed secret missing",
          (rc == 0 and "SUCCESS" in out) or (rc == 1 and len(missing) == 1 and not os.path.exists(missing[0])),
          out)
    d = os.path.join(tmp, name + ".d")
    os.makedirs(d)
    good = os.path.join(d, name)
    with open(good, "w") as f:
        f.write(relocate(text, d))
    rc, out = check_config(good)
    check(f"{name}: --check-config exits 0", rc == 0 and "SUCCESS" in out, out)
    # broken copies: the error names the file, the line and the key path
    bad = os.path.join(d, "bad-" + name)
    lines = relocate(text, d).splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if re.match(r"^\s+timeout:", line))
    pb = next(re.match(r"^  ([\w.-]+):", lines[n]).group(1) for n in range(i, -1, -1)
              if re.match(r"^  [\w.-]+:", lines[n]))
    section = next(re.match(r"^(\w+):", lines[n]).group(1) for n in range(i, -1, -1) if re.match(r"^\w+:", lines[n]))
    lines[i] = lines[i].replace("timeout:", "timout:", 1)
    with open(bad, "w") as f:
        f.writelines(lines)
    rc, out = check_config(bad)
    want = f"{bad}:{i + 1}: {section}.{pb}.timout: unknown key"
    check(f"{name} with a misspelt key: refused naming {section}.{pb}.timout", rc == 1 and want in out, out)
    with open(bad, "w") as f:
        f.write(relocate(text, d).replace("cooldown: ", "cooldown: soon #", 1))
    rc, out = check_config(bad)
    check(f"{name} with a bad duration: refused naming the key",
          rc == 1 and re.search(r"playbooks\.[\w.-]+\.cooldown: invalid duration \"soon", out), out)


def test_web_example(name, text):
    path = os.path.join(EXAMPLES, name)
    p = Proc([args.exporter, "--web.listen-address=127.0.0.1:0", "--web.config.file=" + path])
    try:
        m = p.wait_log(r"msg=serving .*port=(\d+)")
        port = int(m.group(1))
        r = http(port)
        users = "basic_auth_users" in top_keys(text)
        check(f"{name}: the exporter starts with it and enforces it",
              r.status == (401 if users else 200), (r.status, p.output()))
        if "X-Served-By" in text:
            check(f"{name}: configured header served", r.headers.get("x-served-by") == "homeops", r.headers)
    finally:
        check(f"{name}: exporter stops cleanly", p.stop() == 0, p.output())
        p.close()
    bad = os.path.join(tmp, "bad-" + name)
    lines = text.splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if re.match(r"^  \w+: \$2", line))
    user = re.match(r"^  (\w+):", lines[i]).group(1)
    lines[i] = f"  {user}: notahash\n"
    with open(bad, "w") as f:
        f.writelines(lines)
    r = subprocess.run([args.exporter, "--web.listen-address=127.0.0.1:0", "--web.config.file=" + bad],
                       capture_output=True, text=True, timeout=30)
    want = f"{bad}:{i + 1}: basic_auth_users.{user}: not a bcrypt hash"
    check(f"{name} with a bad hash: refused at start naming basic_auth_users.{user}",
          r.returncode != 0 and want in r.stdout + r.stderr, r.stdout + r.stderr)
    with open(bad, "w") as f:
        f.write(text.replace("http_server_config:", "http_server_confg:", 1))
    r = subprocess.run([args.exporter, "--web.listen-address=127.0.0.1:0", "--web.config.file=" + bad],
                       capture_output=True, text=True, timeout=30)
    check(f"{name} with a misspelt section: refused naming it",
          r.returncode != 0 and "http_server_confg: unknown key" in r.stdout + r.stderr, r.stdout + r.stderr)


def main():
    names = sorted(n for n in os.listdir(EXAMPLES) if n.endswith((".yml", ".yaml")))
    seen = {"receiver": 0, "web": 0}
    try:
        for name in names:
            with open(os.path.join(EXAMPLES, name)) as f:
                text = f.read()
            keys = top_keys(text)
            if keys and keys <= WEB_KEYS:
                seen["web"] += 1
                test_web_example(name, text)
            elif keys & RECEIVER_KEYS and keys <= RECEIVER_KEYS:
                if not args.receiver:
                    print(f"{name}: a receiver configuration, remediation_receiver not built here")
                    continue
                seen["receiver"] += 1
                test_receiver_example(name, text)
            else:
                print(f"{name}: not a receiver or web configuration (keys {sorted(keys)}), checked elsewhere")
        check("found the shipped web configuration examples", seen["web"] >= 1, names)
        if args.receiver:
            check("found the shipped receiver configuration examples", seen["receiver"] >= 1, names)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{check.n} checks passed")


if __name__ == "__main__":
    main()
