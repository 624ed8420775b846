#!/usr/bin/env bash
# Browser tests of River's web UI (headless Debian chromium via playwright-core, node's test runner).
# Needs: the built CLI (dotnet build src/River.Cli -c Release), node >= 20, npm, and the apt package chromium.
# RIVER_TEST_CLI=artifacts/river/River.Cli runs the published native CLI (as ./river does) instead of the DLL.
# --screenshots writes docs/ui-*.png (otherwise screenshots go to artifacts/ui-screenshots/).
# Exits non-zero when a test fails; prints node's test summary.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

if [[ "${1:-}" == "--screenshots" ]]; then
  export RIVER_UI_SCREENSHOTS_DIR="$root/docs"
fi
if [[ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]]; then
  echo "tests/Ui: ${CHROMIUM:-/usr/bin/chromium} is missing: apt-get install -y chromium" >&2
  exit 1
fi
cli="${RIVER_TEST_CLI:-${RIVER_CLI_DLL:-$root/src/River.Cli/bin/Release/net10.0/River.Cli.dll}}"
if [[ ! -f "$cli" ]]; then
  echo "tests/Ui: $cli is missing: dotnet build src/River.Cli -c Release" >&2
  exit 1
fi
# playwright-core is pinned by package-lock.json; it downloads no browser (the system chromium is used).
if [[ ! -d node_modules/playwright-core ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test --test-concurrency=1 --test-reporter=spec ui.test.mjs
