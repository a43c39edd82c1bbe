#!/usr/bin/env bash
# Install t2v-desktop (classic editor, no torch) into .venv and start it. Extra args go to the app,
# e.g. `bash scripts/run.sh my_clip.mp4`. With no file it opens the built-in demo clip.
# Before a window opens, the system libraries Qt's X11 plugin needs are checked (t2v_desktop/qtlibs.py)
# and installed when this may (root, or sudo without a password); otherwise it stops with the command.
source "$(dirname "$0")/env.sh"
install_extras "${T2V_EXTRAS:-base}"
ensure_qt_libs "$@"
exec "$VPY" -m t2v_desktop "$@"
