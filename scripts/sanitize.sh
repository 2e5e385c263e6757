#!/usr/bin/env bash
# Builds and runs the test suite under sanitizers, each in its own build directory:
#   build-asan  the whole suite with AddressSanitizer + UndefinedBehaviorSanitizer (any report
#               fails the run: -fno-sanitize-recover=all, leaks included);
#   build-tsan  the concurrency tests (tests/system/test_concurrency.cpp) with ThreadSanitizer.
# clang-14 is used for both. Python and consumer (install) tests are left to the plain build:
# they load or link the library outside the sanitizer runtime. The CLI (tools/) is left out
# until its tests have had a sanitizer run of their own. The heap-cost tests (label `cost`) are
# left to the plain build: they measure the plain allocator, and under ASan they take minutes.
#   SANITIZERS  which to run: "asan tsan" (default), or one of them
set -euo pipefail
cd "$(dirname "$0")/.."
which_runs=(${SANITIZERS:-asan tsan})
common=(-G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
  -DSAFEGUARD_INSTALL=OFF -DSAFEGUARD_BUILD_PYTHON_TESTS=OFF -DSAFEGUARD_BUILD_TOOLS=OFF)

for run in "${which_runs[@]}"; do
  case "$run" in
    asan)
      flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
      # C programs (examples/assess_c.c) link the C++ library, so they need UBSan's C++ part
      # (vptr checks) and libstdc++ too: the C driver adds neither by itself.
      cmake -S . -B build-asan "${common[@]}" \
        -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
        -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined -fsanitize-link-c++-runtime -Wl,--push-state,--no-as-needed -lstdc++ -Wl,--pop-state" \
        -DCMAKE_C_STANDARD_LIBRARIES="-lstdc++" \
        -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
      cmake --build build-asan
      ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1" \
      UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        ctest --test-dir build-asan --output-on-failure -j2 --label-exclude cost
      ;;
    tsan)
      flags="-fsanitize=thread -fno-omit-frame-pointer -g -O1"
      cmake -S . -B build-tsan "${common[@]}" -DSAFEGUARD_BUILD_EXAMPLES=OFF \
        -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
        -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
        -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" >/dev/null
      cmake --build build-tsan --target safeguard_concurrency_tests
      TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
        ./build-tsan/tests/safeguard_concurrency_tests
      ;;
    *)
      echo "unknown sanitizer run '$run' (use asan, tsan)" >&2
      exit 2
      ;;
  esac
done
