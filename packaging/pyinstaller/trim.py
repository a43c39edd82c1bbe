"""What the bundle leaves out, and the TOC filter that does it (imported by t2v-desktop.spec).

PyInstaller's Qt hooks collect every plugin of the modules we import, and with them the system
libraries those plugins need (the GTK theme plugin alone drags in GTK's cairo/pango/atk stack).
The editor needs a desktop platform (xcb, wayland; offscreen for the self-test), SVG icons,
common image formats and an audio sink; nothing for embedded screens, VNC, networking, media
playback backends, QML or Qt's own translations (the UI is English). Pure functions over (dest, src, typecode) tuples so tests can check them.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Optional

#: Python modules never needed by the editor (test tools, other GUI toolkits, unused Qt modules).
EXCLUDED_MODULES = (
    "tkinter", "matplotlib", "IPython", "pytest", "hypothesis", "PyInstaller",
    "PySide6.QtNetwork", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtQml",
    "PySide6.QtQuick", "PySide6.QtSql", "PySide6.QtTest", "PySide6.QtPrintSupport",
)

#: Bundle paths (forward slashes) dropped, as regular expressions on the destination name.
DROP_PATTERNS = (
    r"PySide6/Qt/translations/",                          # Qt's own UI strings; the app is English
    r"PySide6/Qt/plugins/(egldeviceintegrations|generic|networkinformation|tls)/",
    r"PySide6/Qt/plugins/platforms/libq(eglfs|linuxfb|minimalegl|vnc|vkkhrdisplay)\.",
    r"PySide6/Qt/plugins/platformthemes/libqgtk3\.",     # GTK theme: pulls in all of GTK's libraries
    # The preview's sound uses only QMediaDevices/QAudioSink, which Qt serves without a backend
    # plugin; the FFmpeg backend (for QMediaPlayer) brings Qt's own FFmpeg plus QtQuick/QtQml.
    # Drop this line if the GUI ever plays media through QMediaPlayer.
    r"PySide6/Qt/plugins/multimedia/",
    r"PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin\.",  # on-screen keyboard (QML)
    r"PySide6/Qt/lib/libQt6(EglFSDeviceIntegration|EglFsKmsSupport|Network)\.",
    r"(^|/)libQt6(EglFSDeviceIntegration|EglFsKmsSupport|Network)\.",
)
_DROP = re.compile("|".join(f"(?:{p})" for p in DROP_PATTERNS))

#: Always kept even when nothing links to them (the bootloader loads libpython by name).
_KEEP = re.compile(r"(^|/)libpython")


def dropped(dest: str) -> bool:
    """Whether a bundle path matches one of DROP_PATTERNS."""
    return bool(_DROP.search(dest.replace("\\", "/")))


def _basename(dest: str) -> str:
    return dest.replace("\\", "/").rsplit("/", 1)[-1]


def _is_shared_lib(dest: str) -> bool:
    """A plain library (libfoo.so.1), not an extension module or a Qt plugin: only a dependency."""
    d = dest.replace("\\", "/")
    return bool(re.match(r"lib.*\.so(\.|$)", _basename(d))) and "/plugins/" not in d


def _needed_closure(binaries, symlinks, needed_of: Callable[[str], Iterable[str]]) -> set:
    """Names of the bundled shared libraries reachable from the non-library entries (the roots).

    ``symlinks`` are SYMLINK entries (dest, target): a library needed under a link's name
    counts as needing the target too, and the reverse.
    """
    src_of = {_basename(d): s for d, s, t in binaries if t != "SYMLINK"}
    alias: dict = {}
    for dest, target in symlinks:
        a, b = _basename(dest), _basename(target)
        alias.setdefault(a, set()).add(b)
        alias.setdefault(b, set()).add(a)
    todo = [s for d, s, t in binaries if t != "SYMLINK" and not _is_shared_lib(d)]
    seen_src, needed = set(), set()
    while todo:
        src = todo.pop()
        if src in seen_src:
            continue
        seen_src.add(src)
        for name in needed_of(src):
            for n in {name, *alias.get(name, ())}:
                if n not in needed and (n in src_of or n in alias):
                    needed.add(n)
                    if n in src_of:
                        todo.append(src_of[n])
    return needed


def prune(binaries, datas, needed_of: Optional[Callable[[str], Iterable[str]]] = None):
    """Drop DROP_PATTERNS, then libraries (and links to them) that only the dropped files needed.

    A library goes only if it was reachable before and is not reachable after, so anything
    loaded another way (ctypes, dlopen) is kept. ``needed_of(src)`` lists DT_NEEDED names;
    default: PyInstaller's reader (Linux only; elsewhere only the patterns apply).
    Entries are PyInstaller TOC tuples (dest, src, typecode); returns (binaries, datas).
    """
    keep_bins = [e for e in binaries if not dropped(e[0])]
    keep_datas = [e for e in datas if not dropped(e[0])]
    if needed_of is None:
        needed_of = _default_needed_of()
    if needed_of is None:
        return keep_bins, keep_datas
    links = [(d, s) for d, s, t in (*binaries, *datas) if t == "SYMLINK"]
    kept_links = [(d, s) for d, s, t in (*keep_bins, *keep_datas) if t == "SYMLINK"]
    orphans = _needed_closure(binaries, links, needed_of) - _needed_closure(keep_bins, kept_links, needed_of)

    def orphan(entry) -> bool:
        dest, src, typecode = entry
        if _KEEP.search(dest):
            return False
        if typecode == "SYMLINK":
            return _basename(dest) in orphans or _basename(src) in orphans
        return _is_shared_lib(dest) and _basename(dest) in orphans

    return [e for e in keep_bins if not orphan(e)], [e for e in keep_datas if not orphan(e)]


def _default_needed_of():
    import sys

    if not sys.platform.startswith("linux"):
        return None
    from PyInstaller.depend.bindepend import get_imports

    cache: dict = {}

    def needed_of(src: str):
        if src not in cache:
            try:
                cache[src] = [_basename(name) for name, _ in get_imports(src)]
            except Exception:  # noqa: BLE001 - unreadable: assume it needs nothing we'd drop
                cache[src] = []
        return cache[src]

    return needed_of
