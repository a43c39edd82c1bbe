#!/usr/bin/env bash
# Run a built t2v-desktop executable's self-test: main window offscreen (or under Xvfb when
# available), demo clip, one command, a short export, verified. Also checks the CLI entry points.
set -euo pipefail
EXE="$1"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
export T2V_DATA_DIR="$OUT/data" T2V_CACHE_DIR="$OUT/cache"
"$EXE" ops >/dev/null
"$EXE" parse "stabilize, then make it warmer" --json
if command -v xvfb-run >/dev/null && [ "${T2V_SMOKE_OFFSCREEN:-0}" != 1 ]; then
  xvfb-run -a -s "-screen 0 1280x800x24" "$EXE" --self-test
else
  QT_QPA_PLATFORM=offscreen "$EXE" --self-test
fi
echo "smoke test passed: $EXE"
