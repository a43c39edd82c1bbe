"""Fill the library from folders: one file per transaction, incremental by size/mtime and hash.

Why per-file transactions: a killed indexer leaves every finished file complete and the one in
progress 'pending' (redone next time); SQLite's journal keeps the database consistent. A file whose
size and mtime are unchanged is skipped; a new path whose content hash matches a vanished file is a
move (path updated, nothing re-analysed); a file gone from disk is deleted (cascade).
Descriptors come from each shot's middle frame (mean colour, brightness, saturation, colour words).
"""

from __future__ import annotations

import colorsys
import hashlib
import os
import time
from pathlib import Path
from typing import Callable, List, Optional

VIDEO_EXT = {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg"}
_MiB = 1 << 20


def content_hash(path: str, size: int) -> str:
    """sha1 of the size and the first, middle and last 1 MiB: fast, and enough to find a moved file."""
    h = hashlib.sha1(str(size).encode())
    with open(path, "rb") as f:
        for off in (0, max(0, size // 2 - _MiB // 2), max(0, size - _MiB)):
            f.seek(off)
            h.update(f.read(_MiB))
    return h.hexdigest()


def colour_words(r: float, g: float, b: float) -> str:
    hue, sat, val = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
    if val < 0.15:
        name = "black"
    elif sat < 0.2:
        name = "white" if val > 0.8 else "grey"
    else:
        deg = hue * 360
        name = next(n for lim, n in ((15, "red"), (45, "orange"), (70, "yellow"), (170, "green"),
                                     (260, "blue"), (290, "purple"), (340, "pink"), (361, "red")) if deg < lim)
    words = [name, "dark" if val < 0.35 else "bright" if val > 0.7 else ""]
    if sat >= 0.2 and val >= 0.15:
        words.append("warm" if hue * 360 < 70 or hue * 360 >= 290 else "cool")
    return " ".join(w for w in words if w)


def _mid_frame(path: str, t: float):
    import av

    with av.open(path) as c:
        st = c.streams.video[0]
        c.seek(int(max(0.0, t - 1.0) / st.time_base), stream=st)
        for fr in c.decode(st):
            if (fr.time or 0.0) >= t - 1e-3:
                return fr.to_ndarray(format="rgb24", width=160, height=max(2, int(fr.height * 160 / fr.width) // 2 * 2))
    return None


def _index_one(lib, path: str, size: int, mtime: float, digest: str) -> None:
    from .shots import detect_cuts

    c = lib.conn
    shots = detect_cuts(path)
    with c:
        c.execute("DELETE FROM shot_text WHERE shot_id IN (SELECT s.id FROM shots s JOIN files f "
                  "ON s.file_id=f.id WHERE f.path=?)", (path,))
        c.execute("DELETE FROM files WHERE path=?", (path,))
        fid = c.execute("INSERT INTO files(path, size, mtime, hash, duration, status, indexed_at) "
                        "VALUES (?,?,?,?,?,'ok',?)", (path, size, mtime, digest,
                                                      shots[-1].end if shots else 0.0, time.time())).lastrowid
        for i, s in enumerate(shots):
            img = _mid_frame(path, (s.start + s.end) / 2)
            r, g, b = (img.reshape(-1, 3).mean(axis=0).tolist() if img is not None else (0.0, 0.0, 0.0))
            _, sat, val = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
            words = colour_words(r, g, b)
            sid = c.execute("INSERT INTO shots(file_id, idx, start, end, kind, r, g, b, brightness, saturation, "
                            "colour_words) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                            (fid, i, s.start, s.end, s.kind, r, g, b, val, sat, words)).lastrowid
            c.execute("INSERT INTO shot_text(shot_id, spoken, onscreen, descr) VALUES (?,?,?,?)",
                      (sid, "", "", words))


def add_folder(lib, folder, progress: Optional[Callable] = None, cancel=None) -> List[str]:
    """Index every video under ``folder`` (incrementally); returns messages about files that failed."""
    from ..errors import T2VError

    root = Path(folder)
    if not root.is_dir():
        raise T2VError(f"{root} is not a folder; pass a folder of video files.")
    paths = sorted(str(p.resolve()) for p in root.rglob("*") if p.suffix.lower() in VIDEO_EXT)
    c = lib.conn
    known = {row[0]: row[1:] for row in c.execute("SELECT path, size, mtime, hash FROM files WHERE path LIKE ?",
                                                    (str(root.resolve()) + os.sep + "%",))}
    messages: List[str] = []
    for n, p in enumerate(paths):
        if cancel is not None and getattr(cancel, "cancelled", False):
            break
        if progress:
            progress(n, len(paths), p)
        try:
            st = os.stat(p)
            old = known.pop(p, None)
            if old and old[0] == st.st_size and old[1] == st.st_mtime:
                continue
            digest = content_hash(p, st.st_size)
            moved = c.execute("SELECT id, path FROM files WHERE hash=? AND size=? AND path<>?",
                              (digest, st.st_size, p)).fetchone()
            if moved and not os.path.exists(moved[1]):
                with c:
                    c.execute("UPDATE files SET path=?, mtime=? WHERE id=?", (p, st.st_mtime, moved[0]))
                known.pop(moved[1], None)
                continue
            _index_one(lib, p, st.st_size, st.st_mtime, digest)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the folder
            messages.append(f"{p}: {exc}")
            with c:
                c.execute("INSERT INTO files(path, status, error) VALUES (?, 'error', ?) "
                          "ON CONFLICT(path) DO UPDATE SET status='error', error=excluded.error", (p, str(exc)))
    else:
        with c:
            for gone in known:
                if not os.path.exists(gone):
                    c.execute("DELETE FROM shot_text WHERE shot_id IN (SELECT s.id FROM shots s JOIN files f "
                              "ON s.file_id=f.id WHERE f.path=?)", (gone,))
                    c.execute("DELETE FROM files WHERE path=?", (gone,))
    if progress:
        progress(len(paths), len(paths), "done")
    return messages
