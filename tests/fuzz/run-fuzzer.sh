#!/bin/sh
# run-fuzzer.sh: run one libFuzzer target briefly on a scratch copy of its seed corpus (ctest label fuzz).
# usage: run-fuzzer.sh FUZZER SECONDS [SEED-DIR-OR-FILE...]
# Seeds under a missing fixtures directory are skipped; the fuzzer still runs from an empty corpus.
set -eu
fuzzer=$1; seconds=$2; shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/homeops-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/corpus" "$work/artifacts"
n=0
for seed in "$@"; do
  if [ -d "$seed" ]; then
    find "$seed" -type f | while read -r f; do
      cp "$f" "$work/corpus/seed-$(printf '%s' "$f" | cksum | cut -d' ' -f1)"
    done
  elif [ -f "$seed" ]; then
    cp "$seed" "$work/corpus/seed-$n"
  fi
  n=$((n + 1))
done
echo "run-fuzzer: $(basename "$fuzzer") for ${seconds}s on $(ls "$work/corpus" | wc -l) seeds"
# -rss_limit_mb bounds memory; a crash, a leak or an input taking over 30 s (a hang: real libatasmart blobs
# take 8-15 s each under ASan on a machine loaded 12x) leaves a reproducer and fails the test.
if ! "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 \
     -artifact_prefix="$work/artifacts/" "$work/corpus" 2>"$work/log"; then
  tail -n 60 "$work/log"
  for a in "$work"/artifacts/*; do
    [ -f "$a" ] || continue
    echo "reproducer: $a"; od -c "$a" | head -n 20
  done
  exit 1
fi
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$work/log" || true
