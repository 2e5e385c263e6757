#!/usr/bin/env bash
# Sets up, builds, and runs the safeguard program on the bundled fictional families with the
# bundled default rule pack: prints every child's level and scores, then writes one child's
# ecomap (SVG) and conference report (HTML) into build/example/ and says where they are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
mkdir -p build/example
safeguard=./build/tools/safeguard
case_file=examples/data/families.json
$safeguard assess "$case_file" --as-of 2026-11-01
echo
$safeguard ecomap "$case_file" --child P-ASH-C1 --as-of 2026-11-01 -o build/example/ecomap-P-ASH-C1.svg
$safeguard report "$case_file" --child P-ASH-C1 --as-of 2026-11-01 -o build/example/report-P-ASH-C1.html
