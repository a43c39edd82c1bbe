#!/usr/bin/env bash
# Retake every docs/screenshots/*.png of the three-track demo edit (t2v_desktop/gui/screenshots.py)
# on the real X11 (xcb) platform under Xvfb at 1440x900. Footage: $T2V_SAMPLES/bikes.mp4 and
# carphone_pristine.mp4 when there (default /work/samples), else generated clips.
# Usage: bash scripts/screenshots.sh [OUT_DIR]   (default docs/screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."
VPY="${VPY:-.venv/bin/python}"
exec xvfb-run -a -s "-screen 0 1440x900x24" env -u QT_QPA_PLATFORM QT_QPA_PLATFORM=xcb \
    "$VPY" -m t2v_desktop.gui.screenshots "${1:-docs/screenshots}"
