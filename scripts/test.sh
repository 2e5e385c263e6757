#!/usr/bin/env bash
# Sets up, builds, and runs the whole test suite (unit, C API, examples, consumer tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j2
