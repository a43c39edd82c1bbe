# Sourced by run.sh and test.sh: make .venv with t2v-desktop installed (idempotent, re-installs only
# when pyproject.toml or constraints.txt change). Works with bash on Linux, macOS and Git Bash on Windows.
# torch is pinned to the CPU build for the test/CI environment; GPU users see README "GPU set-up".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$(command -v python3 || command -v python)}"
VENV_BIN=".venv/bin"
if [ ! -d .venv ]; then
  "$PY" -m venv .venv
fi
[ -d .venv/Scripts ] && VENV_BIN=".venv/Scripts"   # Windows layout
VPY="$ROOT/$VENV_BIN/python"
install_extras() {  # $1: extras, e.g. "dev,diffusion"
  local digest
  digest="$("$VPY" -c 'import hashlib,sys; print(hashlib.sha1(b"".join(open(f,"rb").read() for f in sys.argv[1:])).hexdigest()[:12])' pyproject.toml constraints.txt)"
  local stamp=".venv/.installed-$1-$digest"
  if [ ! -f "$stamp" ]; then
    "$VPY" -m pip install -q --upgrade pip >/dev/null
    "$VPY" -m pip install -q -c constraints.txt -e ".[$1]"
    touch "$stamp"
  fi
}
