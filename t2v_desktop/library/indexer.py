"""Fill the library from folders and single files: one file per transaction, incremental.

Why per-file transactions: a killed indexer leaves every finished file complete and the one in
progress absent or as it was (SQLite's journal keeps the database consistent); the analysis of a file
(shots, keyframes, OCR, speech) runs before its transaction, so the database is locked for
milliseconds, not minutes. A file whose size and mtime are unchanged and whose analysis stages are
complete is skipped; a new path whose content hash matches a vanished file is a move (path updated,
nothing re-analysed); a file gone from disk is deleted (cascade). Memory is bounded by one file's shot
list: folders are walked lazily and frames are streamed.
Descriptors come from the shot's keyframe thumbnails (mean colour, brightness, saturation, colour
words) and from the cut detector's motion measure (still/slow/fast, pan left/right).
"""

from __future__ import annotations

import bisect
import colorsys
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

from ..errors import Cancelled, T2VError
from .db import LibraryError, disk_full, disk_full_message

VIDEO_EXT = {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg"}
IMAGE_EXT = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"}


class NotIndexable(T2VError):
    """A file the library does not index (a still image, sound only): not an error of the file, so
    add_file does not record it in the library; the bin can skip it quietly."""
_MiB = 1 << 20
BASE_STAGES = ("shots", "keyframes", "motion")


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


@dataclass
class Tools:
    """What this run can analyse: OCR (tesseract found), speech words, an embedding model or None."""

    ocr: bool = False
    words: bool = True
    model: object = None

    @property
    def stages(self) -> Tuple[str, ...]:
        return BASE_STAGES + (("ocr",) if self.ocr else ()) + (("words",) if self.words else ())


def find_tools(*, ocr: Optional[bool] = None, words: bool = True, embed: bool = True) -> Tools:
    """The tools installed here (tesseract, a local CLIP/SigLIP model); missing ones are simply off."""
    from . import ocr as ocr_mod

    model = None
    if embed:
        from .embed import find_model

        try:
            model = find_model()
        except T2VError:
            model = None
    return Tools(ocr=ocr_mod.available() if ocr is None else bool(ocr), words=words, model=model)


@dataclass
class _ShotOut:
    start: float
    end: float
    kind: str
    motion: float
    dx: float
    motion_words: str
    keyframes: List[Tuple[float, str, str]] = field(default_factory=list)  # time, thumb, on-screen text


def _check(cancel) -> None:
    if cancel is not None and getattr(cancel, "cancelled", False):
        raise Cancelled("Cancelled.")


def _probe(path: str) -> dict:
    import av

    with av.open(path) as c:
        if not c.streams.video:
            raise NotIndexable(f"{path} has no video stream; the library indexes video files.")
        v = c.streams.video[0]
        fps = float(v.average_rate) if v.average_rate else 0.0
        return {"fps": fps, "width": v.codec_context.width, "height": v.codec_context.height,
                "has_audio": 1 if c.streams.audio else 0}


def _transcript_words(path: str, cancel, progress=None) -> Optional[List[Tuple[float, float, str]]]:
    """Spoken words with times (speech.asr, cached by content); [] when the file has no speech, None
    when no recogniser is installed (the stage stays undone, a later reindex does it)."""
    try:
        from ..speech.asr import transcribe

        tr = transcribe(path, cancel=cancel, **({"progress": progress} if progress else {}))
    except Cancelled:
        raise
    except ImportError:
        return None
    except T2VError:
        return []
    return [(w.start, w.end, w.text) for w in tr.words]


def _analyse(lib, path: str, tools: Tools, sub: Callable[[float, str], None], cancel):
    """Shots with keyframes (thumbnails written), motion and OCR, plus the transcript: one file."""
    from . import ocr as ocr_mod
    from .keyframes import grab_frames, keyframe_times, save_thumbnail
    from .shots import detect_shots

    info = _probe(path)
    shots = detect_shots(path, cancel=cancel,
                         progress=lambda t, dur: sub(0.5 * t / dur if dur else 0.0, "shots"))
    outs = [_ShotOut(s.start, s.end, s.kind, s.motion, s.dx, s.motion_words) for s in shots]
    wanted = sorted((t, i) for i, s in enumerate(outs) for t in keyframe_times(s.start, s.end))
    got = grab_frames(path, [t for t, _ in wanted], cancel=cancel)
    for n, ((t, i), (_, img)) in enumerate(zip(wanted, got, strict=False)):
        _check(cancel)
        thumb = save_thumbnail(img, lib.thumbs_dir)
        text = ocr_mod.read_text(img) if tools.ocr else ""
        outs[i].keyframes.append((t, str(thumb), text))
        sub(0.5 + 0.4 * (n + 1) / max(1, len(wanted)), "keyframes")
    words: Optional[List[Tuple[float, float, str]]] = []
    if tools.words and info["has_audio"]:
        sub(0.9, "speech")
        words = _transcript_words(path, cancel,
                                  lambda d, t, m="": sub(0.9 + 0.1 * (d / t if t else 0.0), "speech"))
    return info, outs, words


def _delete_path(c, path: str) -> None:
    c.execute("DELETE FROM shot_text WHERE shot_id IN (SELECT s.id FROM shots s JOIN files f "
              "ON s.file_id=f.id WHERE f.path=?)", (path,))
    c.execute("DELETE FROM files WHERE path=?", (path,))


def _write(lib, path: str, size: int, mtime: float, digest: str, info: dict, outs: List[_ShotOut],
           words, stages: Tuple[str, ...]) -> int:
    from .keyframes import mean_rgb

    c = lib.conn
    words = sorted(words)
    starts = [w[0] for w in words]
    with c:
        _delete_path(c, path)
        fid = c.execute("INSERT INTO files(path, size, mtime, hash, duration, fps, width, height, has_audio, "
                        "status, indexed_at, stages) VALUES (?,?,?,?,?,?,?,?,?,'ok',?,?)",
                        (path, size, mtime, digest, outs[-1].end if outs else 0.0, info["fps"], info["width"],
                         info["height"], info["has_audio"], time.time(), " ".join(stages))).lastrowid
        c.executemany("INSERT INTO words(file_id, start, end, text) VALUES (?,?,?,?)",
                      [(fid, s, e, w) for s, e, w in words])
        for i, s in enumerate(outs):
            r, g, b = mean_rgb([Path(k[1]) for k in s.keyframes])
            _, sat, val = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
            descr = " ".join(x for x in (colour_words(r, g, b), s.motion_words) if x)
            mid = (s.start + s.end) / 2
            thumb = min(s.keyframes, key=lambda k: abs(k[0] - mid))[1] if s.keyframes else None
            sid = c.execute("INSERT INTO shots(file_id, idx, start, end, kind, r, g, b, brightness, saturation, "
                            "motion, colour_words, thumb, motion_words, dx) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                            (fid, i, s.start, s.end, s.kind, r, g, b, val, sat, s.motion, descr, thumb,
                             s.motion_words, s.dx)).lastrowid
            onscreen = []
            for t, th, text in s.keyframes:
                c.execute("INSERT INTO keyframes(shot_id, time, thumb) VALUES (?,?,?)", (sid, t, th))
                if text:
                    c.execute("INSERT INTO ocr(shot_id, time, text) VALUES (?,?,?)", (sid, t, text))
                    if text not in onscreen:
                        onscreen.append(text)
            a, b = bisect.bisect_left(starts, s.start), bisect.bisect_left(starts, s.end)
            spoken = " ".join(w for _, _, w in words[a:b])
            c.execute("INSERT INTO shot_text(shot_id, spoken, onscreen, descr) VALUES (?,?,?,?)",
                      (sid, spoken, " ".join(onscreen), descr))
    return fid


def _embed(lib, fid: Optional[int], tools: Tools) -> None:
    """Embeddings of the file's keyframes (all missing ones when ``fid`` is None: a model installed
    after the files were indexed). A failure here leaves the file indexed; the next run retries."""
    if tools.model is None:
        return
    from .embed import embed_keyframes

    try:
        embed_keyframes(lib.conn, tools.model, file_id=fid)
    except Exception as exc:  # noqa: BLE001 - semantic search is optional; words/colours still work
        if disk_full(exc):
            raise LibraryError(disk_full_message(lib.path)) from exc
        import logging

        lib.conn.rollback()
        logging.getLogger(__name__).warning("embedding keyframes failed: %s", exc)


def _index_path(lib, p: str, tools: Tools, sub, cancel) -> int:
    """Index ``p`` unless it is unchanged (or moved): the files.id."""
    c = lib.conn
    st = os.stat(p)
    row = c.execute("SELECT id, size, mtime, status, stages FROM files WHERE path=?", (p,)).fetchone()
    if (row and row[1] == st.st_size and row[2] == st.st_mtime and row[3] == "ok"
            and set(tools.stages) <= set((row[4] or "").split())):
        return int(row[0])  # (embeddings a model installed later adds: _embed after the folder / file)
    digest = content_hash(p, st.st_size)
    moved = c.execute("SELECT id, path, stages FROM files WHERE hash=? AND size=? AND path<>? AND status='ok'",
                      (digest, st.st_size, p)).fetchone()
    if moved and _gone(moved[1]) and set(tools.stages) <= set((moved[2] or "").split()):
        with c:
            _delete_path(c, p)
            c.execute("UPDATE files SET path=?, mtime=? WHERE id=?", (p, st.st_mtime, moved[0]))
        return int(moved[0])
    info, outs, words = _analyse(lib, p, tools, sub, cancel)
    stages = tools.stages if words is not None else tuple(x for x in tools.stages if x != "words")
    fid = _write(lib, p, st.st_size, st.st_mtime, digest, info, outs, words or [], stages)
    _embed(lib, fid, tools)
    return fid


def _gone(path: str) -> bool:
    """True only when the path is really not there (an unreadable folder is not 'gone')."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def _record_error(lib, p: str, msg: str) -> None:
    """The file is listed with its error (and no stale shots from an older, readable version)."""
    with lib.conn as c:
        _delete_path(c, p)
        c.execute("INSERT INTO files(path, status, error) VALUES (?, 'error', ?)", (p, msg))


def _reason(exc: BaseException, p: str) -> str:
    from ..errors import os_error_message

    if isinstance(exc, PermissionError):
        return f"cannot read {p}: permission denied; give yourself read access and run reindex"
    if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError):
        return os_error_message(exc, p, "read")
    return str(exc) or type(exc).__name__


def add_file(lib, path, *, progress: Optional[Callable] = None, cancel=None, tools: Optional[Tools] = None) -> int:
    """Index one file now (a file dropped in the editor's bin) and return its ``files.id``.

    Unchanged, already-indexed files return at once; a moved one is found by its hash. ``progress(done,
    total, message)`` goes 0..1. Raises T2VError with a one-line message (also recorded in the db as
    the file's error), NotIndexable (a T2VError, not recorded) for a still image or a sound-only file,
    LibraryError for a full disk (db unchanged), Cancelled when ``cancel`` is set."""
    p = str(Path(path).expanduser().resolve())
    if not os.path.isfile(p):
        raise T2VError(f"{p} is not a file; pick a video file to add to the library.")
    if os.path.splitext(p)[1].lower() in IMAGE_EXT:
        raise NotIndexable(f"{p} is a still image; the library indexes video files.")
    tools = tools if tools is not None else find_tools()

    def sub(frac: float, msg: str) -> None:
        if progress:
            progress(min(1.0, frac), 1.0, msg)

    try:
        fid = _index_path(lib, p, tools, sub, cancel)
        _embed(lib, fid, tools)  # no-op when done; an unchanged file gets a newly installed model's
    except (Cancelled, LibraryError, NotIndexable):
        raise
    except Exception as exc:  # noqa: BLE001 - reported as one clear message
        if disk_full(exc):
            raise LibraryError(disk_full_message(lib.path)) from exc
        msg = _reason(exc, p)
        _record_error(lib, p, msg)
        raise T2VError(f"Cannot index {p}: {msg}") from exc
    sub(1.0, "done")
    return fid


def walk_videos(root: Path, errors: List[str]) -> Iterator[str]:
    """Video files under ``root`` in a stable order, lazily; unreadable folders are reported, not fatal;
    hidden files and folders (a trash, macOS ``._`` resource forks) are not footage."""
    def onerror(exc: OSError) -> None:
        where = getattr(exc, "filename", root)
        if isinstance(exc, PermissionError):
            errors.append(f"{where}: cannot read this folder (permission denied); its files were skipped")
        elif not isinstance(exc, FileNotFoundError):
            errors.append(f"{where}: cannot read this folder ({exc.strerror or exc}); its files were skipped")

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))  # .Trash, .git, ._ AppleDouble
        for name in sorted(filenames):
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in VIDEO_EXT:
                yield os.path.join(os.path.realpath(dirpath), name)


def add_folder(lib, folder, progress: Optional[Callable] = None, cancel=None,
               tools: Optional[Tools] = None) -> List[str]:
    """Index every video under ``folder`` (incrementally); returns messages about files/folders that
    failed. A cancel stops between files (finished files kept). Raises T2VError when the folder is not
    there or disappears while indexing (nothing is removed from the library then) and LibraryError
    when the disk is full."""
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise T2VError(f"{root} is not a folder; pass a folder of video files.")
    if not os.access(root, os.R_OK | os.X_OK):
        raise T2VError(f"Cannot read the folder {root}: permission denied; give yourself read access.")
    tools = tools if tools is not None else find_tools()
    c = lib.conn
    known = {row[0] for row in c.execute("SELECT path FROM files WHERE path LIKE ? ESCAPE '\\'",
                                         (_like_prefix(str(root)),))}
    total = len(known)
    messages: List[str] = []
    cancelled = False
    done = 0  # files walked and finished (or skipped as unchanged)
    for n, p in enumerate(walk_videos(root, messages)):
        if cancel is not None and getattr(cancel, "cancelled", False):
            cancelled = True
            break
        known.discard(p)
        total = max(total, n + 1)
        if progress:
            progress(n, total, p)
        try:
            _index_path(lib, p, tools, lambda f, m: None, cancel)
        except Cancelled:
            cancelled = True
            break
        except LibraryError:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the folder
            if disk_full(exc):
                raise LibraryError(disk_full_message(lib.path)) from exc
            if not root.is_dir():
                break
            if isinstance(exc, FileNotFoundError) and _gone(p):
                known.add(p)  # deleted while we walked: removed below
            else:
                msg = _reason(exc, p)
                messages.append(f"{p}: {msg}")
                _record_error(lib, p, msg)
        done = n + 1
    if not root.is_dir():
        raise T2VError(f"The folder {root} disappeared while indexing (an unplugged drive?); files indexed so "
                       "far are kept and nothing was removed. Reconnect it and run `t2v-desktop library reindex`.")
    if not cancelled:
        with c:
            for gone in known:
                if _gone(gone):
                    _delete_path(c, gone)
        from .keyframes import prune_thumbnails

        prune_thumbnails(c, lib.thumbs_dir)  # of deleted and re-analysed files, and of killed runs
        _embed(lib, None, tools)  # keyframes indexed before the model was installed
    if progress:
        progress(done, max(total, done), "cancelled" if cancelled else "done")
    return messages


def _like_prefix(folder: str) -> str:
    esc = folder.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return esc + ("\\\\" if os.sep == "\\" else os.sep) + "%"
