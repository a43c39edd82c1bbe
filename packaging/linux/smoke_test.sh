#!/usr/bin/env bash
# Smoke-test a built t2v-desktop: the bundle holds its resources and no torch; the CLI entry points
# work; a bundled LUT is found by name; the GUI self-test (main window, demo clip, "make it warmer",
# 1 s export, verified) passes offscreen and, where xvfb-run exists, on an X server (xcb plugin).
#   bash packaging/linux/smoke_test.sh dist/t2v-desktop/t2v-desktop
set -euo pipefail
EXE="$(readlink -f "$1")"
INTERNAL="$(dirname "$EXE")/_internal"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
export T2V_DATA_DIR="$OUT/data" T2V_CACHE_DIR="$OUT/cache" T2V_MODELS_DIR="$OUT/models"
unset QT_QPA_PLATFORM DISPLAY WAYLAND_DISPLAY
fail() { echo "smoke test FAILED ($EXE): $*" >&2; exit 1; }

# 1. Contents: resources beside the modules (ops/looks.py, gui/theme.py find them via __file__).
RES="$INTERNAL/t2v_desktop/resources"
[ -f "$RES/style.qss" ] || fail "style.qss missing from $RES"
[ "$(find "$RES/luts" -name '*.cube' | wc -l)" -ge 1 ] || fail "no LUTs in $RES/luts"
[ "$(find "$RES/icons" -name '*.svg' | wc -l)" -ge 1 ] || fail "no icons in $RES/icons"
if [ "${T2V_FULL_BUILD:-0}" != 1 ]; then
  for heavy in torch diffusers transformers; do
    [ ! -e "$INTERNAL/$heavy" ] || fail "base build contains $heavy"
  done
fi

# 2. Command line.
"$EXE" --version
"$EXE" ops | grep -q stabilize || fail "'ops' does not list stabilize"
"$EXE" parse "stabilize, then make it warmer" --json | tee "$OUT/parse.json"
grep -q '"op": "temperature"' "$OUT/parse.json" || fail "'parse' did not understand 'make it warmer'"
if "$EXE" apply "$OUT/missing.mp4" "make it warmer" -o "$OUT/x.mp4" 2>"$OUT/err.txt"; then
  fail "'apply' on a missing file exited 0"
fi
grep -q "^error: " "$OUT/err.txt" || fail "user error not reported as one line: $(cat "$OUT/err.txt")"

# 3. GUI self-test, offscreen (also writes the demo clip into the cache).
QT_QPA_PLATFORM=offscreen timeout 600 "$EXE" --self-test

# 4. A bundled LUT by name, on the demo clip.
DEMO="$(find "$T2V_CACHE_DIR/demo" -name '*.mp4' | head -n 1)"
[ -n "$DEMO" ] || fail "the self-test left no demo clip in $T2V_CACHE_DIR/demo"
"$EXE" apply "$DEMO" "trim to 0:00-0:01, then lut film" -o "$OUT/lut.mp4" 2>/dev/null
[ -s "$OUT/lut.mp4" ] || fail "LUT export is empty"

# 5. GUI self-test on a real X server: the xcb platform plugin and its system libraries.
if command -v xvfb-run >/dev/null && [ "${T2V_SMOKE_OFFSCREEN:-0}" != 1 ]; then
  QT_QPA_PLATFORM=xcb timeout 600 xvfb-run -a -s "-screen 0 1280x800x24" "$EXE" --self-test
else
  echo "xvfb-run not found: X11 self-test skipped (apt-get install xvfb xauth)"
fi
echo "smoke test passed: $EXE"
