#!/usr/bin/env bash
# Build the Linux bundle (PyInstaller one-folder), a .deb around it, and smoke-test both.
#   bash packaging/linux/build.sh            # base build (classic editor, no torch)
#   T2V_FULL_BUILD=1 bash packaging/linux/build.sh   # also bundles torch/diffusers (large)
# Output: dist/t2v-desktop/ (bundle), dist/t2v-desktop-<ver>-linux-x86_64.tar.gz, dist/t2v-desktop_<ver>_amd64.deb
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
VERSION="$(python3 -c 'import tomllib;print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')"
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
T0=$(date +%s)

# 1. A clean build environment holding only what the base app needs, plus PyInstaller.
if [ ! -x build/pkgvenv/bin/python ]; then python3 -m venv build/pkgvenv; fi
PY=build/pkgvenv/bin/python
"$PY" -m pip install -q --upgrade pip >/dev/null
"$PY" -m pip install -q -c constraints.txt . "pyinstaller>=6.5"
if [ "${T2V_FULL_BUILD:-0}" = 1 ]; then "$PY" -m pip install -q -c constraints.txt ".[diffusion]"; fi

# 2. Icons rendered from the SVG (Qt's SVG renderer, offscreen).
QT_QPA_PLATFORM=offscreen "$PY" packaging/icons/render_icons.py packaging/icons/t2v-desktop.svg build/icons

# 3. The bundle.
rm -rf dist/t2v-desktop build/pyinstaller
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
    packaging/pyinstaller/t2v-desktop.spec
T1=$(date +%s)

# 4. The .deb: /opt/t2v-desktop, a launcher on PATH, desktop entry, icon, MIME type for .t2v projects.
PKG="build/deb/t2v-desktop_${VERSION}_${ARCH}"
rm -rf "$PKG"
mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
         "$PKG/usr/share/mime/packages" "$PKG/usr/share/icons/hicolor/256x256/apps" \
         "$PKG/usr/share/icons/hicolor/scalable/apps"
cp -a dist/t2v-desktop "$PKG/opt/t2v-desktop"
ln -s /opt/t2v-desktop/t2v-desktop "$PKG/usr/bin/t2v-desktop"
cp packaging/linux/t2v-desktop.desktop "$PKG/usr/share/applications/"
cp packaging/linux/t2v-desktop-mime.xml "$PKG/usr/share/mime/packages/t2v-desktop.xml"
cp build/icons/t2v-desktop-256.png "$PKG/usr/share/icons/hicolor/256x256/apps/t2v-desktop.png"
cp packaging/icons/t2v-desktop.svg "$PKG/usr/share/icons/hicolor/scalable/apps/t2v-desktop.svg"
SIZE_KB=$(du -sk "$PKG" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE_KB/" \
    packaging/linux/control.in > "$PKG/DEBIAN/control"
install -m 755 packaging/linux/postinst "$PKG/DEBIAN/postinst"
install -m 755 packaging/linux/postinst "$PKG/DEBIAN/postrm"
dpkg-deb --root-owner-group -Zxz --build "$PKG" "dist/t2v-desktop_${VERSION}_${ARCH}.deb" >/dev/null
tar -C dist -czf "dist/t2v-desktop-${VERSION}-linux-x86_64.tar.gz" t2v-desktop
T2=$(date +%s)

# 5. Smoke tests: the bundle as built, and the bundle as the .deb installs it.
bash packaging/linux/smoke_test.sh dist/t2v-desktop/t2v-desktop
rm -rf build/deb-root && mkdir -p build/deb-root
dpkg-deb -x "dist/t2v-desktop_${VERSION}_${ARCH}.deb" build/deb-root
bash packaging/linux/smoke_test.sh build/deb-root/opt/t2v-desktop/t2v-desktop
T3=$(date +%s)

echo "== t2v-desktop $VERSION Linux build"
echo "bundle folder : $(du -sh dist/t2v-desktop | cut -f1)"
echo "tar.gz        : $(du -h dist/t2v-desktop-${VERSION}-linux-x86_64.tar.gz | cut -f1)"
echo ".deb          : $(du -h dist/t2v-desktop_${VERSION}_${ARCH}.deb | cut -f1)"
echo "times         : bundle $((T1-T0)) s, packages $((T2-T1)) s, smoke tests $((T3-T2)) s"
