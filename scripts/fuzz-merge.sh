#!/usr/bin/env bash
# Minimises each fuzz target's seed corpus: libFuzzer's -merge=1 keeps the smallest set of
# inputs that covers everything the checked-in corpus (fuzz/corpus/<target>) and the inputs a
# fuzzing run found (build-fuzz/corpus/<target>) cover, in a fresh directory that then replaces
# fuzz/corpus/<target>. Run scripts/fuzz-smoke.sh first (it builds the targets and fills
# build-fuzz/corpus/); review the diff before committing it.
#   FUZZ_TARGETS   which targets (default: all five)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(${FUZZ_TARGETS:-case_file rule_pack expr c_api cin})
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
for target in "${targets[@]}"; do
  binary="build-fuzz/fuzz/fuzz_$target"
  if [ ! -x "$binary" ]; then
    echo "$binary is missing: run scripts/fuzz-smoke.sh first" >&2
    exit 1
  fi
  fresh="build-fuzz/merged/$target"
  rm -rf "$fresh"
  mkdir -p "$fresh" "build-fuzz/corpus/$target"
  before=$(find "fuzz/corpus/$target" -type f | wc -l)
  # The same input bound as the long fuzzing mode, so nothing it found is cut short.
  "$binary" -merge=1 -max_len=1048576 -rss_limit_mb=4096 -timeout=30 "$fresh" \
    "fuzz/corpus/$target" "build-fuzz/corpus/$target" 2>"build-fuzz/merge_$target.log" || {
    tail -n 40 "build-fuzz/merge_$target.log"
    echo "merging the $target corpus FAILED" >&2
    exit 1
  }
  rm -rf "fuzz/corpus/$target"
  mv "$fresh" "fuzz/corpus/$target"
  after=$(find "fuzz/corpus/$target" -type f | wc -l)
  echo "fuzz/corpus/$target: $before -> $after inputs"
done
