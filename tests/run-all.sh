#!/usr/bin/env bash
# run-all.sh: install dependencies, build twice (gcc -Werror release; clang ASan+UBSan with libFuzzer
# targets), check the install layout, then run every test through ctest. Exit status is the verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=${HOMEOPS_JOBS:-2}

bash contrib/install-deps.sh

# Recorded third-party data (DESIGN.md): $HOMEOPS_FIXTURES, else ../shared/fixtures beside the checkout.
# In a user's clone without them the 'fixtures' tests are reported as skipped by ctest, by name. In CI
# (CI=true, or HOMEOPS_REQUIRE_FIXTURES=1) they are required, and no test may end as skipped.
HOMEOPS_FIXTURES=${HOMEOPS_FIXTURES:-$root/../shared/fixtures}
[ -d "$HOMEOPS_FIXTURES" ] && HOMEOPS_FIXTURES=$(cd "$HOMEOPS_FIXTURES" && pwd)
require=${HOMEOPS_REQUIRE_FIXTURES:-}
[ "${CI:-}" = true ] && require=1
if [ -d "$HOMEOPS_FIXTURES" ]; then
  echo "run-all: fixtures at $HOMEOPS_FIXTURES"
elif [ -n "$require" ]; then
  echo "run-all: the recorded fixtures are required here (CI) but absent at $HOMEOPS_FIXTURES" >&2
  exit 1
else
  echo "run-all: fixtures absent at $HOMEOPS_FIXTURES: the 'fixtures' tests will be reported as skipped"
fi

echo "run-all: release build (gcc, -Werror)"
cmake -S . -B build/release -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOMEOPS_WERROR=ON \
      -DHOMEOPS_FIXTURES="$HOMEOPS_FIXTURES" > build-release-configure.log 2>&1 || { cat build-release-configure.log; exit 1; }
rm -f build-release-configure.log
cmake --build build/release -j"$jobs"

echo "run-all: install layout"
prefix=$(mktemp -d)
cmake --install build/release --prefix "$prefix" > /dev/null
for f in bin/snapraid_exporter bin/smart_exporter bin/cifs_mount_exporter bin/docker_health_exporter \
         bin/pihole_exporter bin/remediation_receiver share/homeops/contrib/debian-packages.txt \
         share/homeops/contrib/systemd share/homeops/dashboards share/homeops/alert-rules; do
  [ -e "$prefix/$f" ] || { echo "run-all: install is missing $f"; ls -R "$prefix"; exit 1; }
done
# runbook_url: one base in the source, rewritten by the install (HOMEOPS_RUNBOOK_BASE_URL; default the
# installed runbooks); the installed rules and their tests still pass promtool
if grep -h 'runbook_url:' "$prefix"/share/homeops/alert-rules/*.rules.yml | grep -vq "runbook_url: file://$prefix/share/homeops/alert-rules/runbooks/"; then
  echo "run-all: installed runbook_url not rewritten to the installed runbooks"; exit 1
fi
(cd "$prefix/share/homeops/alert-rules/tests" && promtool test rules ./*.test.yml > /dev/null) ||
  { echo "run-all: promtool test rules fails on the installed rules"; exit 1; }
rm -rf "$prefix"

echo "run-all: sanitizer build (clang, ASan+UBSan, libFuzzer targets, -Werror)"
cmake -S . -B build/asan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOMEOPS_WERROR=ON \
      -DHOMEOPS_SANITIZE=ON -DHOMEOPS_FUZZ=ON -DHOMEOPS_FIXTURES="$HOMEOPS_FIXTURES" \
      -DHOMEOPS_RELEASE_BIN_DIR="$root/build/release" > /dev/null   # valgrind runs the release binaries
cmake --build build/asan -j"$jobs"

echo "run-all: ctest (sanitizer build)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
ctest --test-dir build/asan --output-on-failure -j"$jobs" --timeout 900 2>&1 | tee "$log" || status=$?
[ "$status" -eq 0 ] || exit "$status"
if [ -n "$require" ] && grep -q '(Skipped)$' "$log"; then
  echo "run-all: tests were skipped where everything is required (CI):" >&2
  grep '(Skipped)$' "$log" >&2
  exit 1
fi
