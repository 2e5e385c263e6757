#!/usr/bin/env bash
# Runs every benchmark and prints one table with each figure beside its target; the run's raw
# figures and the table are left in build/bench-results/. docs/performance.md records a run.
#
#   bash bench/run.sh                      # 1,000,000 children; peers on 100,000
#   CHILDREN=100000 PEER_CHILDREN=10000 bash bench/run.sh   # a quicker look
#   API_CHILDREN=100000 ...  # the C API and Python runs on fewer children (ratios compare
#                            # them with a C++ run of the same size)
#
# Not part of the test suite (CTest runs only bench.smoke.*). Takes about half an hour on two
# cores; it builds first, so run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
CHILDREN=${CHILDREN:-1000000}
PEER_CHILDREN=${PEER_CHILDREN:-100000}
API_CHILDREN=${API_CHILDREN:-$CHILDREN}  # the C API and Python runs
UPDATES=${UPDATES:-1000}
out=build/bench-results
bench=build/bench/safeguard_bench

bash scripts/setup.sh
# numpy for the Python benchmark and networkx for the propagation peer (Debian's, for
# /usr/bin/python3).
if ! /usr/bin/python3 -c "import numpy, networkx" 2>/dev/null; then
  sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get install -y -qq --no-install-recommends python3-numpy python3-networkx
fi
bash scripts/build.sh -DSAFEGUARD_BUILD_BENCH=ON
# A fresh directory: report.py reads every run it finds there (scaling fits all cpp-*.json).
rm -rf "$out"
mkdir -p "$out"

echo "== C++: scaling runs"
for n in 10000 100000; do
  if [ "$n" -lt "$CHILDREN" ]; then
    "$bench" --mode cpp --children "$n" --updates 0 --json "$out/cpp-$n.json"
  fi
done
echo "== C++: $CHILDREN children, incremental, floor, memory"
"$bench" --mode cpp --children "$CHILDREN" --updates "$UPDATES" --json "$out/cpp-$CHILDREN.json"
echo "== C API"
if [ ! -f "$out/cpp-$API_CHILDREN.json" ]; then
  "$bench" --mode cpp --children "$API_CHILDREN" --updates 0 --json "$out/cpp-$API_CHILDREN.json"
fi
"$bench" --mode c --children "$API_CHILDREN" --json "$out/c.json"
echo "== Python (ctypes + numpy)"
/usr/bin/python3 bench/python_bench.py --build build --children "$API_CHILDREN" --json "$out/python.json"

echo "== Peers on $PEER_CHILDREN children"
if [ ! -f "$out/cpp-$PEER_CHILDREN.json" ]; then
  "$bench" --mode cpp --children "$PEER_CHILDREN" --updates 0 --json "$out/cpp-$PEER_CHILDREN.json"
fi
"$bench" --mode export --children "$PEER_CHILDREN" --facts "$out/facts.json"
/usr/bin/python3 bench/peers/pure_python.py "$out/facts.json" --json "$out/peer-pure-python.json"
# The propagation step: networkx's Katz centrality on the same system (Debian's python3-networkx).
"$bench" --mode network --children "$PEER_CHILDREN" --network "$out/network.txt" \
  --json "$out/network.json"
/usr/bin/python3 bench/peers/networkx_katz.py "$out/network.txt" --json "$out/peer-networkx.json"
if command -v node >/dev/null && command -v npm >/dev/null; then
  # npm install, not npm ci: npm leaves @gorules/zen-engine's per-platform optional packages
  # out of the lock file, after which npm ci refuses it; versions are pinned in package.json.
  (cd bench/peers/node && npm install --no-audit --no-fund --silent)
  node bench/peers/node/zen.js "$out/facts.json" "$out/peer-zen.json"
  node bench/peers/node/rules_engine.js "$out/facts.json" "$out/peer-json-rules-engine.json"
else
  echo "node and npm not found: skipping the json-rules-engine and ZEN peers"
fi

/usr/bin/python3 bench/report.py "$out" --children "$CHILDREN" --peer-children "$PEER_CHILDREN" \
  | tee "$out/report.md"

# What a user waits for: the programs themselves, generate to CSV, the store, Python's frames.
echo "== End to end: $CHILDREN children"
/usr/bin/python3 bench/end_to_end.py --build build --children "$CHILDREN" --scaling \
  --json "$out/end-to-end.json" | tee "$out/end-to-end.md"
