#!/usr/bin/env bash
# Sets up, builds, and runs the whole test suite (unit, C API, examples, consumer tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
# The browser test (browser.axe) must run here, never skip: setup.sh installed what it needs.
SAFEGUARD_REQUIRE_BROWSER=1 ctest --test-dir build --output-on-failure -j2
