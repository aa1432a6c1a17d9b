#!/usr/bin/env bash
# run-demo.sh: the README's main command: install the Debian packages, build, and start the whole homeops
# stack on 127.0.0.1 (contrib/demo/stack.py): five exporters on demo data, Prometheus with the shipped rules,
# Alertmanager with the shipped multi-host route, two remediation_receivers ("storage", "compute") and an
# SMTP sink writing mail into a folder. Prints every URL.
#
# usage: run-demo.sh [--detach]       start; runs until Ctrl-C (which stops everything), or returns (--detach)
#        run-demo.sh --stop           stop a detached demo: every process by PID, every mount, the demo dir
#        run-demo.sh --break NAME     inject a failure: unhealthy, corrupt, hang-share, dns-primary, dns-all,
#                                     failing-repair (then watch the alerts page, the receivers, the mail)
#        run-demo.sh --heal NAME      undo hang-share, dns-primary, dns-all, failing-repair
#        run-demo.sh --urls           print the URLs of the running demo again
# Environment: HOMEOPS_DEMO_DIR (default /var/tmp/homeops-demo), HOMEOPS_FIXTURES (recorded SMART data and
# Pi-hole answers; default ../shared/fixtures next to the checkout). Needs root (loop mounts, FUSE, dockerd).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
demo=${HOMEOPS_DEMO_DIR:-/var/tmp/homeops-demo}
stack=(/usr/bin/python3 "$root/contrib/demo/stack.py" --dir "$demo")
detach=()
case ${1:-} in
  --stop) exec "${stack[@]}" --stop ;;
  --break|--heal)
    [ $# -ge 2 ] || { echo "run-demo.sh: $1 needs a NAME" >&2; exit 2; }
    exec "${stack[@]}" "$1" "$2" ;;
  --urls) exec "${stack[@]}" --urls ;;
  --detach) detach=(--detach) ;;
  '') ;;
  *) echo "run-demo.sh: unknown argument '$1' (see the usage at the top of $0)" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  echo "run-demo.sh: run as root (loop-mounted disk images, a FUSE share, a private dockerd)" >&2
  exit 1
fi
bash contrib/install-deps.sh
echo "run-demo: building (build/release)"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build/release -j2 --target snapraid_exporter smart_exporter cifs_mount_exporter \
  docker_health_exporter pihole_exporter remediation_receiver > /dev/null
fx=${HOMEOPS_FIXTURES:-$root/../shared/fixtures}
echo "run-demo: starting the stack in $demo"
exec "${stack[@]}" --bin-dir "$root/build/release" --fixtures "$fx" "${detach[@]}"
