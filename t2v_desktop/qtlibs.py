"""The system libraries Qt's X11 (xcb) platform plugin needs, and the one command that installs them.

PySide6's wheels bundle Qt but not the X11/GL/font libraries of the desktop. On a fresh Debian or
Ubuntu, ``libxcb-cursor0``, ``libxcb-icccm4`` and ``libxcb-keysyms1`` are usually absent, and Qt
then aborts with "could not load the Qt platform plugin xcb" before any window appears.
``missing()`` asks ``ldd`` which libraries ``libqxcb.so`` cannot find (no Qt import, ~10 ms);
``install_command()`` maps them to the packages of the running distribution (Debian/Ubuntu,
Fedora, Arch). ``scripts/run.sh`` runs ``python -m t2v_desktop.qtlibs -- ARGS`` before starting
the editor and installs the packages when it may; ``doctor`` reports the same.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

#: soname -> (Debian/Ubuntu, Fedora, Arch) package. Everything libqxcb.so links against outside
#: glibc and the wheel itself.
PACKAGES: Dict[str, Tuple[str, str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11"),
    "libX11.so.6": ("libx11-6", "libX11", "libx11"),
    "libSM.so.6": ("libsm6", "libSM", "libsm"),
    "libICE.so.6": ("libice6", "libICE", "libice"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl", "libglvnd"),
    "libGL.so.1": ("libgl1", "libglvnd-glx", "libglvnd"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx", "libglvnd"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl", "libglvnd"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype", "freetype2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs", "dbus"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
}
#: What the README lists: the set a desktop-less machine needs for the editor's window.
README_SONAMES = (
    "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-image.so.0",
    "libxcb-render-util.so.0", "libxkbcommon-x11.so.0", "libEGL.so.1", "libGL.so.1",
    "libfontconfig.so.1", "libdbus-1.so.3", "libglib-2.0.so.0",
)
FAMILIES = ("debian", "fedora", "arch")
_INSTALL = {"debian": "apt-get install", "fedora": "dnf install", "arch": "pacman -S --needed"}
#: Platforms that never load the xcb plugin (the self-test's default, tests, remote rendering).
HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "linuxfb", "eglfs", "vkkhrdisplay")
#: ``t2v-desktop`` first arguments that never open a window.
CLI_ARGS = ("apply", "export", "ops", "parse", "doctor", "models", "addons", "_export-job",
            "-h", "--help", "--version")


def xcb_plugin() -> Optional[Path]:
    """PySide6's ``libqxcb.so`` (found without importing Qt); None when PySide6 is not installed.
    T2V_QT_XCB_PLUGIN names another file to check (diagnosis, and the tests of run.sh)."""
    override = os.environ.get("T2V_QT_XCB_PLUGIN")
    if override:
        return Path(override)
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    for base in (spec.submodule_search_locations or []) if spec else []:
        plugin = Path(base) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def parse_ldd(text: str) -> List[str]:
    """Sonames ``ldd`` reports as "not found", in its order, once each."""
    out: List[str] = []
    for m in re.finditer(r"^\s*(\S+)\s+=>\s+not found", text, re.M):
        if m.group(1) not in out:
            out.append(m.group(1))
    return out


def missing(plugin: Optional[Path] = None) -> List[str]:
    """Sonames the xcb plugin needs that the system lacks ([] when all are there, or off Linux)."""
    if not sys.platform.startswith("linux"):
        return []
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return []
    ldd = shutil.which("ldd")
    if ldd:
        try:
            r = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=30,
                               env=dict(os.environ, LC_ALL="C"))
            return parse_ldd(r.stdout + r.stderr)
        except (OSError, subprocess.SubprocessError):
            pass
    import ctypes  # no ldd (musl, minimal images): try to load each library the plugin is known to need

    gone = []
    for soname in PACKAGES:
        try:
            ctypes.CDLL(soname)
        except OSError:
            gone.append(soname)
    return gone


def family(os_release: Optional[str] = None) -> Optional[str]:
    """"debian", "fedora" or "arch" from /etc/os-release (ID and ID_LIKE); None otherwise."""
    if os_release is None:
        try:
            os_release = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    ids: List[str] = []
    for key in ("ID", "ID_LIKE"):
        m = re.search(rf"^{key}=\"?([^\"\n]*)\"?", os_release, re.M)
        if m:
            ids += m.group(1).lower().split()
    for i in ids:
        if i in ("debian", "ubuntu"):
            return "debian"
        if i in ("fedora", "rhel", "centos"):
            return "fedora"
        if i in ("arch", "archlinux", "manjaro", "endeavouros"):
            return "arch"
    return None


def packages(sonames: Sequence[str], fam: str) -> Tuple[List[str], List[str]]:
    """(packages for ``fam`` that provide ``sonames``, sonames we know no package for)."""
    col = FAMILIES.index(fam)
    pkgs: List[str] = []
    unknown: List[str] = []
    for s in sonames:
        if s in PACKAGES:
            if PACKAGES[s][col] not in pkgs:
                pkgs.append(PACKAGES[s][col])
        else:
            unknown.append(s)
    return pkgs, unknown


def install_command(sonames: Sequence[str], fam: Optional[str]) -> Optional[str]:
    """The one command (without sudo) that installs what provides ``sonames``, or None."""
    if fam not in _INSTALL:
        return None
    pkgs, _ = packages(sonames, fam)
    return f"{_INSTALL[fam]} {' '.join(pkgs)}" if pkgs else None


def readme_commands() -> Dict[str, str]:
    """The README's lines: every family's command for the libraries a bare system lacks."""
    return {fam: install_command(README_SONAMES, fam) or "" for fam in FAMILIES}


def opens_window(argv: Sequence[str], env: Mapping[str, str]) -> bool:
    """Whether ``t2v-desktop ARGV`` will load the xcb plugin (a window on X11 or XWayland)."""
    if argv and argv[0] in CLI_ARGS:
        return False
    platform = (env.get("QT_QPA_PLATFORM") or "").split(";")[0].split(":")[0].strip().lower()
    if platform in HEADLESS_PLATFORMS or platform == "wayland" or platform.startswith("wayland-"):
        return False
    if not platform and "--self-test" in argv:
        return False  # the self-test runs offscreen unless a platform is named
    return platform == "xcb" or bool(env.get("DISPLAY"))  # no X display: the app says so itself


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m t2v_desktop.qtlibs [--readme] -- APP_ARGS``: exit 0 when nothing is missing (or
    no window will open); exit 10 with the install command on stdout (and the missing sonames on
    stderr) when libraries are missing; 11 when they are but no package manager is known."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--readme"]:
        for fam, cmd in readme_commands().items():
            print(f"{fam}: {cmd}")
        return 0
    app_args = args[args.index("--") + 1:] if "--" in args else args
    if not opens_window(app_args, os.environ):
        return 0
    gone = missing()
    if not gone:
        return 0
    print("missing: " + " ".join(gone), file=sys.stderr)
    cmd = install_command(gone, family())
    if cmd is None:
        return 11
    print(cmd)
    return 10


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
