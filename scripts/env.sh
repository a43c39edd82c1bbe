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

ensure_qt_libs() {  # "$@": the app's arguments. Returns when the editor's window can open (or none will).
  local cmd rc=0 sudo=""
  cmd="$("$VPY" -m t2v_desktop.qtlibs -- "$@")" || rc=$?
  [ "$rc" = 0 ] && return 0
  if [ "$rc" = 11 ]; then  # missing, but no apt-get/dnf/pacman family we know
    echo "t2v-desktop: Qt's X11 plugin needs the system libraries listed above; install them with your package manager (docs/packaging.md lists them)." >&2
    exit 1
  fi
  if [ "$rc" != 10 ]; then  # the check itself failed: let the app start and speak for itself
    echo "t2v-desktop: could not check Qt's system libraries (exit $rc); starting anyway." >&2
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo="sudo -n"
    else
      echo "t2v-desktop: the editor's window needs system libraries that are missing. Install them with:" >&2
      echo "  sudo $cmd" >&2
      exit 1
    fi
  fi
  echo "t2v-desktop: installing the libraries the editor's window needs: $cmd" >&2
  case "$cmd" in
    apt-get*) export DEBIAN_FRONTEND=noninteractive
              $sudo $cmd -y -qq >/dev/null || { $sudo apt-get update -qq && $sudo $cmd -y -qq >/dev/null; } ;;
    dnf*)     $sudo $cmd -y -q ;;
    pacman*)  $sudo $cmd --noconfirm ;;
  esac || { echo "t2v-desktop: '$cmd' failed; run it yourself (with sudo) and start again." >&2; exit 1; }
  if ! "$VPY" -m t2v_desktop.qtlibs -- "$@" >/dev/null; then
    echo "t2v-desktop: still missing after '$cmd'; see the list above." >&2
    exit 1
  fi
}
