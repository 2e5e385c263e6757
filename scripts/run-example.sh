#!/usr/bin/env bash
# Sets up, builds, and assesses the bundled fictional families with the bundled default rule
# pack, printing every child's level, per-index scores and top contributions.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/examples/assess_c examples/data/families.json rules/default.toml 2026-11-01
