#!/usr/bin/env bash
# Install everything the tests need (CPU torch, diffusers, Qt, pytest) into .venv and run the suite.
source "$(dirname "$0")/env.sh"
install_extras "dev,diffusion"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec "$VPY" -m pytest -q -p no:cacheprovider "$@"
