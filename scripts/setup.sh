#!/usr/bin/env bash
# Installs what safeguard needs to build and test on Debian (12 or later), using apt-get.
# Skips the install when every package is already present.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libboost-graph-dev libboost-date-time-dev libeigen3-dev
  nlohmann-json3-dev libtomlplusplus-dev doctest-dev libcli11-dev
  # Case files are parsed by RapidJSON's SAX reader, nlohmann's only when a file is refused
  # (src/case_json.cpp).
  rapidjson-dev
  # SHA-256 (rule-pack hashes, case-file checksums) comes from OpenSSL's libcrypto.
  libssl-dev
  # A record's durable store (Record::open, sg_record_open) is an SQLite database.
  libsqlite3-dev
  # Children in Need census returns (safeguard/cin.hpp) are XML, streamed through expat.
  libexpat1-dev
  # Exports are validated against the DfE's published census schema with xmllint in the tests
  # (tests/data/cin/xsd).
  libxml2-utils
  # The case-file load benchmark measures simdjson On-Demand as a peer (the parse floor a reader
  # built on it would have; bench/case_load_bench.cpp, docs/performance.md). Optional: without it
  # that one figure is skipped.
  libsimdjson-dev
  python3 python3-pytest python3-numpy python3-pandas python3-networkx
  # The Python package: pip into a virtual environment offline (setuptools, wheel), its types
  # checked (mypy), and its optional progress bars and plots (tqdm, matplotlib).
  python3-pip python3-venv python3-setuptools python3-wheel python3-mypy python3-tqdm
  python3-matplotlib
  # The audit across many authorities runs its partitions on Dask (safeguard.audit_partitions,
  # docs/audit.md): a LocalCluster on loopback by default, or a given scheduler.
  python3-dask python3-distributed
  clang-14 libclang-rt-14-dev llvm-14
  # Line and branch coverage of src/ (scripts/coverage.sh).
  gcovr
  # The safeguard program: Graphviz draws ecomaps, Chromium renders the report in its browser
  # test.
  graphviz chromium
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The browser test of every HTML page (tests/browser, ctest browser.axe): Node runs axe-core and
# puppeteer-core, pinned in tests/browser/package-lock.json and installed from npm's registry
# (puppeteer-core downloads no browser: it drives Debian's chromium above). Debian's nodejs and
# npm unless a node and npm are already on the PATH.
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi
# npm ci again whenever the lock file differs from the one the installed packages came from.
if ! cmp -s tests/browser/package-lock.json tests/browser/node_modules/.safeguard-lock.json; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error &&
    cp package-lock.json node_modules/.safeguard-lock.json)
fi
