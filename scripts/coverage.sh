#!/usr/bin/env bash
# Line and branch coverage of src/ from the test suite: builds with gcc --coverage in
# ./build-cov (Debug, so lines are not merged away), runs every test, and reports with gcovr
# (Debian's gcovr). Prints a per-file table and a summary; writes build-cov/coverage.html.
# Branches that only an exception unwinding (throw branches) or the compiler's own checks
# create are left out, so the branch figure counts decisions written in src/.
#   COVERAGE_TESTS   a ctest -R pattern to run a subset (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
# Atomic counter updates: threaded tests otherwise leave racy, sometimes negative, counts.
flags="--coverage -O0 -g -fprofile-update=atomic"
cmake -S . -B build-cov -G Ninja -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="--coverage" -DCMAKE_SHARED_LINKER_FLAGS="--coverage" \
  -DSAFEGUARD_INSTALL=OFF >/dev/null
cmake --build build-cov
find build-cov -name '*.gcda' -delete
ctest --test-dir build-cov -j2 --output-on-failure ${COVERAGE_TESTS:+-R "$COVERAGE_TESTS"}
common=(--root . --filter 'src/' --object-directory build-cov
  --exclude-throw-branches --exclude-unreachable-branches
  # A line gcov still garbles is reported on stderr and skipped, not a failed report.
  --gcov-ignore-parse-errors)
gcovr "${common[@]}" --txt --branches >build-cov/coverage-branches.txt
gcovr "${common[@]}" --txt >build-cov/coverage-lines.txt
gcovr "${common[@]}" --html-details build-cov/coverage.html
cat build-cov/coverage-lines.txt
tail -n 3 build-cov/coverage-branches.txt
gcovr "${common[@]}" --print-summary -o /dev/null
