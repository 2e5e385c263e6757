#!/usr/bin/env bash
# Builds the libFuzzer targets in ./build-fuzz with clang-14, AddressSanitizer and
# UndefinedBehaviorSanitizer, then runs each target for a bounded time on its seed corpus
# (fuzz/corpus/<target>). Fails on any crash, leak, timeout or sanitizer report; the input that
# caused it is left in build-fuzz/artifacts/.
#   FUZZ_LONG      1: the release-check mode (SECURITY.md): inputs up to 1 MiB instead of 16 KiB,
#                  so the limits past what small inputs reach (4 MiB packs, deep keys, long
#                  expressions, big case files) are explored, and 600 s per target by default
#   FUZZ_SECONDS   seconds per target (default 60, or 600 with FUZZ_LONG=1)
#   FUZZ_TARGETS   which targets (default: all of them)
#   FUZZ_SEED      libFuzzer's random seed (default 1, so CI explores the same way each run;
#                  0 picks a new one: use it, with more time, to hunt for new bugs)
set -euo pipefail
cd "$(dirname "$0")/.."
long="${FUZZ_LONG:-0}"
if [ "$long" = 1 ]; then
  seconds="${FUZZ_SECONDS:-600}"
  max_len=1048576
  # One input may be 1 MiB, and the library may hold a few dozen times that while parsing.
  rss_limit=4096
else
  seconds="${FUZZ_SECONDS:-60}"
  max_len=16384
  rss_limit=2048
fi
seed="${FUZZ_SEED:-1}"
targets=(${FUZZ_TARGETS:-case_file rule_pack expr c_api cin process store audit})
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DBUILD_SHARED_LIBS=OFF -DSAFEGUARD_BUILD_FUZZERS=ON \
  -DSAFEGUARD_BUILD_TESTS=OFF -DSAFEGUARD_BUILD_EXAMPLES=OFF -DSAFEGUARD_BUILD_TOOLS=OFF \
  -DSAFEGUARD_INSTALL=OFF -DSAFEGUARD_BUILD_PYTHON_TESTS=OFF >/dev/null
cmake --build build-fuzz --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p build-fuzz/artifacts
for target in "${targets[@]}"; do
  work="build-fuzz/corpus/$target"
  mkdir -p "$work"
  dict=()
  [ -f "fuzz/$target.dict" ] && dict=(-dict="fuzz/$target.dict")
  echo "== fuzz_$target for ${seconds}s"
  # -timeout: one input taking this long is a finding (a denial of service), not noise.
  ./build-fuzz/fuzz/fuzz_"$target" "${dict[@]}" -seed="$seed" -max_total_time="$seconds" -timeout=30 \
    -rss_limit_mb="$rss_limit" -max_len="$max_len" -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$target-" "$work" "fuzz/corpus/$target" \
    2>"build-fuzz/fuzz_$target.log" || {
    tail -n 80 "build-fuzz/fuzz_$target.log"
    echo "fuzz_$target FAILED; reproducer in build-fuzz/artifacts/"
    exit 1
  }
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "build-fuzz/fuzz_$target.log" || true
done
echo "fuzz smoke: ${#targets[@]} targets x ${seconds}s (inputs up to $max_len bytes), no crash, leak or sanitizer report"
