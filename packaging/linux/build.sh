#!/usr/bin/env bash
# Build the Linux bundle (PyInstaller one-folder), a .tar.gz and a .deb around it, and smoke-test
# the bundle as built and as the .deb installs it.
#   bash packaging/linux/build.sh                    # base build: classic editor, no torch
#   T2V_FAST_PACKAGES=1 bash packaging/linux/build.sh  # zstd .deb: ~1 s instead of ~100 s of xz, ~35% bigger
#   T2V_FULL_BUILD=1 bash packaging/linux/build.sh     # also bundles torch/diffusers (GBs)
# Output: dist/t2v-desktop/ (bundle), dist/t2v-desktop-<ver>-linux-x86_64.tar.gz,
#         dist/t2v-desktop_<ver>_<arch>.deb. Needs python3.11 (venv), dpkg-deb; xvfb-run optional.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' t2v_desktop/__init__.py)"
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
PYTHON="${PYTHON:-python3}"
T0=$(date +%s)

# 1. A clean build environment holding only what the base app needs, plus PyInstaller.
if [ ! -x build/pkgvenv/bin/python ]; then "$PYTHON" -m venv build/pkgvenv; fi
PY=build/pkgvenv/bin/python
mkdir -p build
pip_install() {  # quiet unless it fails (pip's index and setuptools warnings are noise here)
  "$PY" -m pip install -q "$@" >build/pip.log 2>&1 || { cat build/pip.log; echo "pip install failed" >&2; exit 1; }
}
pip_install --upgrade pip
pip_install -c constraints.txt . "pyinstaller>=6.5"
if [ "${T2V_FULL_BUILD:-0}" = 1 ]; then pip_install -c constraints.txt ".[diffusion]"; fi
"$PY" -c "import t2v_desktop, PySide6, av, cv2, numpy" # the install worked
T1=$(date +%s)

# 2. Icons rendered from the SVG (Qt's SVG renderer, offscreen).
QT_QPA_PLATFORM=offscreen "$PY" packaging/icons/render_icons.py packaging/icons/t2v-desktop.svg build/icons

# 3. The bundle. libpython from pyenv/source builds carries debug symbols (~20 MB): strip them.
rm -rf dist/t2v-desktop build/pyinstaller
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
    packaging/pyinstaller/t2v-desktop.spec
if command -v strip >/dev/null; then
  find dist/t2v-desktop/_internal -maxdepth 1 -name 'libpython*.so*' -type f -exec strip --strip-unneeded {} +
fi
T2=$(date +%s)

# 4. The .deb: /opt/t2v-desktop, a launcher on PATH, desktop entry, icon, MIME type for projects.
# xz: smallest download, readable by every dpkg; zstd needs dpkg >= 1.21.18 (Debian 12, Ubuntu 21.10).
if [ "${T2V_FAST_PACKAGES:-0}" = 1 ]; then DEB_Z=(-Zzstd); else DEB_Z=(-Zxz); fi
PKG="build/deb/t2v-desktop_${VERSION}_${ARCH}"
DEB="dist/t2v-desktop_${VERSION}_${ARCH}.deb"
TGZ="dist/t2v-desktop-${VERSION}-linux-x86_64.tar.gz"
rm -rf "$PKG" "$DEB" "$TGZ"
mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
         "$PKG/usr/share/mime/packages" "$PKG/usr/share/icons/hicolor/scalable/apps"
cp -a dist/t2v-desktop "$PKG/opt/t2v-desktop"
ln -s /opt/t2v-desktop/t2v-desktop "$PKG/usr/bin/t2v-desktop"
cp packaging/linux/t2v-desktop.desktop "$PKG/usr/share/applications/"
cp packaging/linux/t2v-desktop-mime.xml "$PKG/usr/share/mime/packages/t2v-desktop.xml"
for s in 16 32 48 64 128 256 512; do
  install -D -m 644 "build/icons/t2v-desktop-$s.png" "$PKG/usr/share/icons/hicolor/${s}x${s}/apps/t2v-desktop.png"
done
cp packaging/icons/t2v-desktop.svg "$PKG/usr/share/icons/hicolor/scalable/apps/t2v-desktop.svg"
SIZE_KB=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE_KB/" \
    packaging/linux/control.in > "$PKG/DEBIAN/control"
install -m 755 packaging/linux/postinst "$PKG/DEBIAN/postinst"
install -m 755 packaging/linux/postinst "$PKG/DEBIAN/postrm"
dpkg-deb --root-owner-group "${DEB_Z[@]}" --build "$PKG" "$DEB" >/dev/null
tar -C dist -czf "$TGZ" t2v-desktop
T3=$(date +%s)

# 5. Smoke tests: the bundle as built, and the bundle as the .deb installs it.
bash packaging/linux/smoke_test.sh dist/t2v-desktop/t2v-desktop
rm -rf build/deb-root && mkdir -p build/deb-root
dpkg-deb -x "$DEB" build/deb-root
[ -f build/deb-root/usr/share/applications/t2v-desktop.desktop ] && [ -L build/deb-root/usr/bin/t2v-desktop ]
bash packaging/linux/smoke_test.sh build/deb-root/opt/t2v-desktop/t2v-desktop
T4=$(date +%s)

mb() { echo "$(( ($(du -sb "$1" | cut -f1) + 524288) / 1048576 )) MiB"; }
echo "== t2v-desktop $VERSION Linux build ($( [ "${T2V_FULL_BUILD:-0}" = 1 ] && echo full || echo base))"
echo "bundle folder : $(mb dist/t2v-desktop)  (dist/t2v-desktop)"
echo "tar.gz        : $(mb "$TGZ")  ($TGZ)"
echo ".deb          : $(mb "$DEB")  ($DEB, ${DEB_Z[*]})"
echo "times (wall)  : venv $((T1-T0)) s, bundle $((T2-T1)) s, packages $((T3-T2)) s, smoke tests $((T4-T3)) s, total $((T4-T0)) s"
