"""Atomic file writes: write a temp file beside the target, fsync, rename into place.

Temp files are hidden (``.clip.t2v-4242-1a2b-x8k2q0zz.mp4.part``) and carry the pid of the
process that writes them and a short hash of its host name. A run killed with SIGKILL (or a power
cut) cannot remove its own temp file, so every later write into a folder first removes the temps
of runs that are gone (``remove_stale_temps``), and the editor does the same at start for the
folders recent runs wrote into (``remove_stale_temps_everywhere``). A temp file whose process is
alive (and looks like t2v-desktop or Python, and started before the file was last written, so a
recycled pid is not mistaken for its owner), or that was written on another host, is never touched.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterable, List

from .errors import EncodeError, os_error_message

#: Our temp names: ``.<stem>.t2v-<pid>-<host hash>-<random><suffix>.part``.
TEMP_RE = re.compile(r"^\..*\.t2v-(?P<pid>\d+)-(?P<host>[0-9a-f]{4})-[a-z0-9_]{8}(\.[^.]*)?\.part$")
#: Temp names of older versions (no pid): removed only once they are this old (seconds).
LEGACY_RE = re.compile(r"^\..+\.[a-z0-9_]{8}(\.[A-Za-z0-9]+)?\.part$")
LEGACY_AGE = 24 * 3600.0
#: How many folders the editor remembers to clean at start (most recent first).
MAX_REMEMBERED = 20
_REMEMBER_FILE = "temp-folders.txt"


def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:4]


def name_max(folder: Path) -> int:
    """Longest file name (bytes) the folder's filesystem allows; 255 where it cannot tell."""
    try:
        return int(os.pathconf(str(folder), "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def temp_path_for(target: Path, suffix: str | None = None) -> Path:
    """A fresh temp path in the target's folder (same filesystem, so rename is atomic). Raises
    OSError when it cannot be created (callers turn it into their own error: ``os_error_message``).

    Stale temps of dead runs in that folder are removed first; the folder is remembered so the
    editor can clean it at start even if this run is killed."""
    target = Path(target)
    folder = target.parent
    remove_stale_temps(folder)
    suffix = (suffix if suffix is not None else target.suffix) + ".part"
    tag = f".t2v-{os.getpid()}-{_host_tag()}-"
    stem = target.stem
    room = name_max(folder) - len(os.fsencode(f".{tag}{suffix}")) - 8
    while stem and len(os.fsencode(stem)) > room:  # a long target name still gets a valid temp name
        stem = stem[:-1]
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}{tag}", suffix=suffix, dir=str(folder))  # OSError: callers map it
    os.close(fd)
    # mkstemp makes 0600 files; give the final file the usual permissions (0666 minus umask).
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    _remember(folder)
    return Path(tmp)


def check_writable_dir(target: Path) -> None:
    """Raise EncodeError with a clear message when ``target`` cannot be created: a name too long,
    a missing folder, a file where a folder should be, a read-only or not-writable folder."""
    target = Path(target)
    for part in target.parts:
        if len(os.fsencode(part)) > 255:
            raise EncodeError(os_error_message(OSError(errno.ENAMETOOLONG, "File name too long"), target))
    parent = target.absolute().parent
    if not parent.is_dir():
        probe = parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        code = errno.ENOTDIR if probe.exists() and not probe.is_dir() else errno.ENOENT
        raise EncodeError(os_error_message(OSError(code, os.strerror(code)), target))
    if len(os.fsencode(target.name)) > name_max(parent):
        raise EncodeError(os_error_message(OSError(errno.ENAMETOOLONG, "File name too long"), target))
    if not os.access(parent, os.W_OK):
        code = errno.EROFS if _read_only(parent) else errno.EACCES
        raise EncodeError(os_error_message(OSError(code, os.strerror(code)), target))


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(str(folder)).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def atomic_write_bytes(target: Path, data: bytes) -> None:
    target = Path(target)
    check_writable_dir(target)
    try:
        tmp = temp_path_for(target)
    except OSError as e:
        raise EncodeError(os_error_message(e, target)) from None
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise EncodeError(os_error_message(e, target)) from None


def atomic_write_text(target: Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))


# -- stale temp files of killed runs ---------------------------------------------------------------


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and could be a t2v-desktop run (not a zombie, not a recycled
    pid now used by an unrelated program, where the system lets us tell)."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's: not ours to judge
    except OSError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().lower()
    except OSError:
        return True  # no /proc (macOS): alive is all we can tell
    if stat[stat.rindex(")") + 2:][:1] in ("Z", "X"):
        return False  # a zombie: dead, only not reaped yet
    # An empty cmdline: a kernel thread, or a process between fork and exec; process_start decides.
    # A Ray worker renames itself ("ray::_ray_item"): its temp files are as alive as any python's.
    return not cmdline or b"t2v" in cmdline or b"python" in cmdline or cmdline.startswith(b"ray::")


def _pid_alive_windows(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.GetLastError() == 5  # ERROR_ACCESS_DENIED: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def process_start(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), from /proc; None where that cannot be told."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat[stat.rindex(")") + 2:].split()[19])  # field 22, after "pid (comm) "
        with open("/proc/stat") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration, AttributeError):
        return None


def is_stale(name: str, mtime: float, now: float | None = None) -> bool:
    """Whether a file called ``name`` in one of our folders is a temp file left by a dead run."""
    m = TEMP_RE.match(name)
    if m:
        if m.group("host") != _host_tag():
            return (now or time.time()) - mtime > LEGACY_AGE  # another machine's run: age only
        pid = int(m.group("pid"))
        if not pid_alive(pid):
            return True
        started = process_start(pid) if pid != os.getpid() else None
        return started is not None and mtime < started - 2.0  # written before that process began: pid reused
    if LEGACY_RE.match(name) and ".t2v-" not in name:
        return (now or time.time()) - mtime > LEGACY_AGE
    return False


def remove_stale_temps(folder: Path) -> List[Path]:
    """Remove temp files of dead runs from ``folder``; returns what was removed. Never raises."""
    removed: List[Path] = []
    now = time.time()
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if not (name.startswith(".") and name.endswith(".part")):
                    continue
                try:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    if is_stale(name, entry.stat(follow_symlinks=False).st_mtime, now):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
                except OSError:
                    continue
    except OSError:
        pass
    return removed


def remembered_folders() -> List[Path]:
    """Folders recent runs wrote temp files into (most recent first)."""
    try:
        from .paths import data_dir

        text = (data_dir() / _REMEMBER_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [Path(line) for line in text.splitlines() if line.strip()]


def _remember(folder: Path) -> None:
    """Put ``folder`` first in the remembered list (best effort: bookkeeping never fails a write)."""
    try:
        from .paths import data_dir

        folder = Path(folder).absolute()
        known = remembered_folders()
        if known[:1] == [folder]:
            return
        lines = [str(p) for p in [folder] + [p for p in known if p != folder]][:MAX_REMEMBERED]
        store = data_dir() / _REMEMBER_FILE
        tmp = store.with_name(f".{_REMEMBER_FILE}.{os.getpid()}.tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, store)
    except Exception:  # noqa: BLE001 - an unreadable data folder must not stop an export
        pass


def remove_stale_temps_everywhere(extra: Iterable[Path] = ()) -> List[Path]:
    """The editor's start-up sweep: the remembered folders plus ``extra`` (autosave, recent
    project folders). Cheap: one directory listing per folder, only hidden ``.part`` names looked at."""
    removed: List[Path] = []
    seen = set()
    for folder in [*remembered_folders(), *extra]:
        key = str(Path(folder).absolute())
        if key in seen:
            continue
        seen.add(key)
        removed += remove_stale_temps(Path(folder))
    return removed
