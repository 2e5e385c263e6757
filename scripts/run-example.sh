#!/usr/bin/env bash
# Sets up, builds, and runs the safeguard program on the bundled fictional families with the
# bundled default rule pack: prints every child's level and scores, then writes each child's
# ecomap (SVG), and each household's conference report and family version (HTML), into
# build/example/ and says where they are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
mkdir -p build/example
safeguard=./build/tools/safeguard
case_file=examples/data/families.json
$safeguard assess "$case_file" --as-of 2026-11-01
echo
for child in P-ASH-C1 P-ASH-C2 P-BIR-C1; do
  $safeguard ecomap "$case_file" --child "$child" --as-of 2026-11-01 -o "build/example/ecomap-$child.svg"
done
for household in HH-ASH HH-BIRCH; do
  $safeguard report "$case_file" --household "$household" --as-of 2026-11-01 \
    -o "build/example/report-$household.html"
  $safeguard report "$case_file" --household "$household" --as-of 2026-11-01 --for family \
    -o "build/example/family-$household.html"
done
