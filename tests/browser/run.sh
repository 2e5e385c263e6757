#!/bin/sh
# CTest's browser.axe: tests/browser/check_pages.js in Debian's Chromium. It needs node, the npm
# packages pinned in package-lock.json (`npm ci` here; scripts/setup.sh runs it) and chromium.
# Without them it says what is missing and is skipped (exit 77), except in CI (CI=true) or
# under scripts/test.sh (SAFEGUARD_REQUIRE_BROWSER=1), where a missing piece fails the test:
# there it must really run.
dir=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
missing=""
command -v node >/dev/null 2>&1 || missing="$missing node"
[ -d "$dir/node_modules/puppeteer-core" ] && [ -d "$dir/node_modules/axe-core" ] ||
  missing="$missing npm-packages(npm ci in tests/browser)"
[ -x "$chromium" ] || missing="$missing chromium($chromium)"
if [ -n "$missing" ]; then
  echo "browser.axe: missing:$missing; bash scripts/setup.sh installs them"
  if [ "${CI:-}" = true ] || [ "${SAFEGUARD_REQUIRE_BROWSER:-0}" = 1 ]; then exit 1; fi
  exit 77
fi
CHROMIUM=$chromium exec node "$dir/check_pages.js" "$@"
