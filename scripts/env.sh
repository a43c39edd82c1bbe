# Sourced by run.sh and test.sh: make .venv with t2v-desktop installed (idempotent).
# torch is pinned to the CPU build for the test/CI environment; GPU users see README "GPU set-up".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
VPY="$ROOT/.venv/bin/python"
install_extras() {  # $1: extras, e.g. "dev,diffusion"
  local stamp=".venv/.installed-$1-$(sha1sum pyproject.toml constraints.txt | sha1sum | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    "$VPY" -m pip install -q --upgrade pip >/dev/null
    "$VPY" -m pip install -q -c constraints.txt -e ".[$1]"
    touch "$stamp"
  fi
}
