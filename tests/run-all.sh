#!/usr/bin/env bash
# run-all.sh: install dependencies, build twice (gcc -Werror release; clang ASan+UBSan with libFuzzer
# targets), check the install layout, then run every test through ctest. Exit status is the verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=${HOMEOPS_JOBS:-2}

bash contrib/install-deps.sh

# Recorded third-party data (DESIGN.md): $HOMEOPS_FIXTURES, else ../shared/fixtures beside the checkout,
# else the workplace's shared copy. Absent: the 'fixtures' tests are reported as skipped by ctest.
if [ -z "${HOMEOPS_FIXTURES:-}" ]; then
  for d in "$root/../shared/fixtures" /work/shared/fixtures; do
    if [ -d "$d" ]; then HOMEOPS_FIXTURES=$(cd "$d" && pwd); break; fi
  done
fi
HOMEOPS_FIXTURES=${HOMEOPS_FIXTURES:-$root/../shared/fixtures}
echo "run-all: fixtures at $HOMEOPS_FIXTURES$([ -d "$HOMEOPS_FIXTURES" ] || echo ' (absent: fixture tests will be skipped)')"

echo "run-all: release build (gcc, -Werror)"
cmake -S . -B build/release -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOMEOPS_WERROR=ON \
      -DHOMEOPS_FIXTURES="$HOMEOPS_FIXTURES" > build-release-configure.log 2>&1 || { cat build-release-configure.log; exit 1; }
rm -f build-release-configure.log
cmake --build build/release -j"$jobs"

echo "run-all: install layout"
prefix=$(mktemp -d)
cmake --install build/release --prefix "$prefix" > /dev/null
for f in bin/snapraid_exporter bin/smart_exporter bin/remediation_receiver share/homeops/contrib/debian-packages.txt \
         share/homeops/contrib/systemd share/homeops/dashboards share/homeops/alert-rules; do
  [ -e "$prefix/$f" ] || { echo "run-all: install is missing $f"; ls -R "$prefix"; exit 1; }
done
rm -rf "$prefix"

echo "run-all: sanitizer build (clang, ASan+UBSan, libFuzzer targets, -Werror)"
cmake -S . -B build/asan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOMEOPS_WERROR=ON \
      -DHOMEOPS_SANITIZE=ON -DHOMEOPS_FUZZ=ON -DHOMEOPS_FIXTURES="$HOMEOPS_FIXTURES" > /dev/null
cmake --build build/asan -j"$jobs"

echo "run-all: ctest (sanitizer build)"
ctest --test-dir build/asan --output-on-failure -j"$jobs" --timeout 900
