#!/usr/bin/env bash
# run-long.sh: run every libFuzzer target of a sanitizer build for a long fixed time (default 600 s),
# JOBS at a time, and write one summary line per target (executions, coverage, corpus, crashes).
# usage: tests/fuzz/run-long.sh BUILD-DIR [SECONDS] [JOBS] [NAME-REGEX]  (not part of ctest)
# Each target keeps its grown corpus and any crash reproducer in BUILD-DIR/fuzz-long/<target>/;
# a reproducer found this way belongs in tests/fuzz/<component>/regressions/ once fixed.
set -eu
build=$(cd "$1" && pwd); seconds=${2:-600}; jobs=${3:-2}; only=${4:-.}
out="$build/fuzz-long"; mkdir -p "$out"
# the commands ctest runs (run-fuzzer.sh FUZZER SECONDS SEEDS...): the same binaries and seeds
(cd "$build" && ctest --show-only=json-v1 -L fuzz) | python3 -c '
import json, sys
for t in json.load(sys.stdin)["tests"]:
    c = t["command"]
    print("\t".join([t["name"], c[1]] + c[3:]))' | grep -E "^[^	]*($only)" > "$out/targets.tsv"
run_one() {
  name=$1; fuzzer=$2; shift 2
  dir="$out/$name"; rm -rf "$dir"; mkdir -p "$dir/corpus" "$dir/artifacts"
  for seed in "$@"; do
    if [ -d "$seed" ]; then find "$seed" -type f -exec cp -t "$dir/corpus" {} + 2>/dev/null || true
    elif [ -f "$seed" ]; then cp "$seed" "$dir/corpus/"; fi
  done
  seeds=$(ls "$dir/corpus" | wc -l)
  start=$(date +%s)
  rc=0
  "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" "$dir/corpus" > "$dir/log" 2>&1 || rc=$?
  end=$(date +%s)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+' "$dir/log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -oE 'ft: [0-9]+' "$dir/log" | tail -n 1 | cut -d' ' -f2)
  # slow-unit-* are inputs that took long in wall time (a loaded machine starves a nice'd fuzzer);
  # crash-, leak-, timeout- and oom- reproducers are findings
  crashes=$(ls "$dir/artifacts" | grep -vc '^slow-unit-' || true)
  slow=$(ls "$dir/artifacts" | grep -c '^slow-unit-' || true)
  printf '%s\t%ss\trc=%s\texecs=%s\tcov=%s\tft=%s\tseeds=%s\tcorpus=%s\tcrashes=%s\tslow=%s\n' "$name" \
    "$((end - start))" "$rc" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$seeds" "$(ls "$dir/corpus" | wc -l)" \
    "$crashes" "$slow" >> "$out/summary.tsv"
}
: > "$out/summary.tsv"
running=0
while IFS='	' read -r name fuzzer seeds; do
  # shellcheck disable=SC2086
  run_one "$name" "$fuzzer" $seeds &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done < "$out/targets.tsv"
wait
sort "$out/summary.tsv"
! grep -qv 'rc=0' "$out/summary.tsv"
