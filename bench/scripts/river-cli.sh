#!/usr/bin/env bash
# Sourced by the benchmark scripts: publishes the Release CLI once (as ./river does) and sets RIVER to the command.
# RIVER_SKIP_BUILD=1 skips the up-to-date check; RIVER_CLI="command words" measures another build instead.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cli="$root/artifacts/river/River.Cli"
if [[ -n "${RIVER_CLI:-}" ]]; then
  # Another build to measure, for before/after comparisons: RIVER_CLI="dotnet /elsewhere/River.Cli.dll" or
  # RIVER_CLI=/elsewhere/artifacts/river/River.Cli (split on spaces).
  read -r -a RIVER <<< "$RIVER_CLI"
  return 0
fi
if [[ "${RIVER_SKIP_BUILD:-0}" != 1 ]]; then
  # ./river rebuilds only when sources changed; --version is the cheapest command that triggers it.
  "$root/river" --version >/dev/null
fi
[[ -x "$cli" ]] || { echo "no Release build at $cli" >&2; exit 1; }
# The published CLI (Native AOT executable, or the ReadyToRun launcher when ./river fell back), as ./river runs it
# (without the wrapper's own up-to-date check).
RIVER=("$cli")
