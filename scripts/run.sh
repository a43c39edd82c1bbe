#!/usr/bin/env bash
# Install t2v-desktop (classic editor, no torch) into .venv and start it. Extra args go to the app,
# e.g. `bash scripts/run.sh my_clip.mp4`. With no file it opens the built-in demo clip.
source "$(dirname "$0")/env.sh"
install_extras "${T2V_EXTRAS:-base}"
exec "$VPY" -m t2v_desktop "$@"
