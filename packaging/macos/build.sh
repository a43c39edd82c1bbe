#!/usr/bin/env bash
# Build t2v-desktop.app and a .dmg on macOS (12+, Python 3.11 from python.org or Homebrew).
#   bash packaging/macos/build.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; cd "$ROOT"
python3.11 -m venv build/pkgvenv
build/pkgvenv/bin/python -m pip install -q --upgrade pip
build/pkgvenv/bin/python -m pip install -q . "pyinstaller>=6.5"
QT_QPA_PLATFORM=offscreen build/pkgvenv/bin/python packaging/icons/render_icons.py packaging/icons/t2v-desktop.svg build/icons
# .icns from the PNG sizes
ICONSET=build/icons/t2v-desktop.iconset; mkdir -p "$ICONSET"
for s in 16 32 128 256 512; do cp "build/icons/t2v-desktop-$s.png" "$ICONSET/icon_${s}x${s}.png"; done
iconutil -c icns "$ICONSET" -o packaging/icons/t2v-desktop.icns
build/pkgvenv/bin/python -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/pyinstaller/t2v-desktop.spec
dist/t2v-desktop.app/Contents/MacOS/t2v-desktop --self-test
rm -f dist/t2v-desktop-0.1.0-macos.dmg
hdiutil create -volname t2v-desktop -srcfolder dist/t2v-desktop.app -ov -format UDZO dist/t2v-desktop-0.1.0-macos.dmg
echo "built dist/t2v-desktop-0.1.0-macos.dmg (unsigned: sign with codesign + notarytool for distribution)"
