#!/usr/bin/env bash
# Build t2v-desktop.app and a .dmg on macOS (12+, Python 3.11 from python.org or Homebrew, Xcode
# command line tools for iconutil/hdiutil).
#   bash packaging/macos/build.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; cd "$ROOT"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' t2v_desktop/__init__.py)"
PY=build/pkgvenv/bin/python
[ -x "$PY" ] || python3.11 -m venv build/pkgvenv
"$PY" -m pip install -q --upgrade pip
"$PY" -m pip install -q -c constraints.txt . "pyinstaller>=6.5"
QT_QPA_PLATFORM=offscreen "$PY" packaging/icons/render_icons.py packaging/icons/t2v-desktop.svg build/icons
# .icns from the PNG sizes (the spec picks it up from build/icons)
ICONSET=build/icons/t2v-desktop.iconset; rm -rf "$ICONSET"; mkdir -p "$ICONSET"
for s in 16 32 128 256 512; do cp "build/icons/t2v-desktop-$s.png" "$ICONSET/icon_${s}x${s}.png"; done
for s in 16 32 128 256; do cp "build/icons/t2v-desktop-$((s * 2)).png" "$ICONSET/icon_${s}x${s}@2x.png"; done
iconutil -c icns "$ICONSET" -o build/icons/t2v-desktop.icns
rm -rf dist/t2v-desktop dist/t2v-desktop.app
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
    packaging/pyinstaller/t2v-desktop.spec
APP_EXE=dist/t2v-desktop.app/Contents/MacOS/t2v-desktop
"$APP_EXE" --version
"$APP_EXE" parse "stabilize, then make it warmer" --json
QT_QPA_PLATFORM=offscreen "$APP_EXE" --self-test
DMG="dist/t2v-desktop-${VERSION}-macos-$(uname -m).dmg"
rm -f "$DMG"
hdiutil create -volname t2v-desktop -srcfolder dist/t2v-desktop.app -ov -format UDZO "$DMG"
echo "built $DMG ($(du -sh dist/t2v-desktop.app | cut -f1) app, $(du -h "$DMG" | cut -f1) dmg)"
echo "unsigned: for distribution sign (codesign --deep --options runtime) and notarize (xcrun notarytool)"
