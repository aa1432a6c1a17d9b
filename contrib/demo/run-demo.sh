#!/usr/bin/env bash
# run-demo.sh: the README's main job: install dependencies, build, create a demo SnapRAID array on
# loop-mounted images, start snapraid_exporter against it and print its URL.
#
# usage: run-demo.sh [--foreground] [--port N] [--stop]
#   default: the exporter runs in the background (PID and log under the demo dir); --stop ends it
#   and removes the demo array. Needs root (loop mounts).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
demo=${HOMEOPS_DEMO_DIR:-/var/tmp/homeops-snapraid-demo}
port=9761
foreground=0
stop=0
while [ $# -gt 0 ]; do
  case $1 in
    --foreground) foreground=1 ;;
    --port) port=$2; shift ;;
    --port=*) port=${1#--port=} ;;
    --stop) stop=1 ;;
    *) echo "run-demo.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

stop_exporter() {
  if [ -f "$demo.exporter.pid" ]; then
    pid=$(cat "$demo.exporter.pid")
    # stop by PID, and only if it is our exporter
    if [ -n "$pid" ] && grep -q snapraid_exporter "/proc/$pid/cmdline" 2>/dev/null; then
      kill "$pid" && echo "run-demo: stopped snapraid_exporter (pid $pid)"
    fi
    rm -f "$demo.exporter.pid"
  fi
}

if [ "$stop" = 1 ]; then
  stop_exporter
  bash contrib/demo/snapraid-array.sh --dir "$demo" --cleanup
  exit 0
fi

bash contrib/install-deps.sh
echo "run-demo: building snapraid_exporter"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build/release -j2 --target snapraid_exporter > /dev/null
bin=$root/build/release/exporters/snapraid/snapraid_exporter

echo "run-demo: creating the demo array in $demo"
if ! conf=$(bash contrib/demo/snapraid-array.sh --dir "$demo" 2> "$demo.setup.log" | tail -n 1); then
  cat "$demo.setup.log" >&2
  exit 1
fi
stop_exporter

args=(--snapraid.config="$conf" --web.listen-address=":$port" --snapraid.interval=1m)
url="http://$(hostname -f 2>/dev/null || hostname):$port/metrics"
if [ "$foreground" = 1 ]; then
  echo "run-demo: snapraid_exporter serving $url (also http://127.0.0.1:$port/metrics); Ctrl-C stops it"
  exec "$bin" "${args[@]}"
fi
"$bin" "${args[@]}" > "$demo.exporter.log" 2>&1 &
echo $! > "$demo.exporter.pid"
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/-/ready" > /dev/null 2>&1; then
    break
  fi
  sleep 0.2
done
if ! curl -fsS "http://127.0.0.1:$port/metrics" | grep -q '^snapraid_up 1'; then
  echo "run-demo: snapraid_exporter did not come up; its log:" >&2
  cat "$demo.exporter.log" >&2
  exit 1
fi
curl -fsS "http://127.0.0.1:$port/metrics" | grep -E '^snapraid_(up|array_files|unsynced|array_errors|scrub_oldest_block_age_seconds) '
cat <<MSG

snapraid_exporter is running (pid $(cat "$demo.exporter.pid"), log $demo.exporter.log):
  $url
  http://127.0.0.1:$port/metrics
Stop it and remove the demo array:  bash contrib/demo/run-demo.sh --stop
MSG
