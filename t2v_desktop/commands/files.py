"""File names in commands: found in the text, resolved against a base folder, checked to exist.

The CLI resolves against the current directory, the editor against the project's folder (it
passes ``base`` in the parse context). A missing file is a ParseError that names the files of
that kind the folder does have, so a typo is easy to see.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Optional, Tuple

from .clause import Clause
from .plan import ParseError

IMAGE_EXT = ("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff")
VIDEO_EXT = ("mp4", "mov", "mkv", "webm", "avi", "m4v", "mts", "mpg", "mpeg", "flv", "wmv", "3gp", "ts", "mxf")
AUDIO_EXT = ("mp3", "wav", "m4a", "aac", "flac", "ogg", "oga", "opus", "wma", "aif", "aiff")
SUBTITLE_EXT = ("srt", "vtt", "ass", "ssa")
KINDS = {"image": IMAGE_EXT, "video": VIDEO_EXT, "audio": AUDIO_EXT, "subtitles": SUBTITLE_EXT}
_ALL = IMAGE_EXT + VIDEO_EXT + AUDIO_EXT + SUBTITLE_EXT
_EXT = r"\.(?:" + "|".join(sorted(_ALL, key=len, reverse=True)) + r")"
#: A quoted path with a known extension, or an unquoted one (no spaces).
FILE = re.compile(r"(?P<q>['\"])(?P<quoted>[^'\"]+?" + _EXT + r")(?P=q)|(?<![\w/.~-])(?P<bare>[^\s'\",;]+?" + _EXT
                  + r")(?![\w.])", re.IGNORECASE)


def file_kind(path: str) -> str:
    ext = path.rsplit(".", 1)[-1].lower()
    return next((k for k, exts in KINDS.items() if ext in exts), "")


def find_file(cl: Clause) -> Optional[Tuple[str, Tuple[int, int]]]:
    """The first file name in the clause as typed (case kept) and its span, or None."""
    m = FILE.search(cl.orig)
    if m is None:
        return None
    name = m.group("quoted") or m.group("bare")
    return name, (m.start(), m.end())


def take_file(cl: Clause) -> Optional[str]:
    """Consume the first file name in the clause; returns it as typed."""
    found = find_file(cl)
    if found is None:
        return None
    cl.blank(*found[1])
    return found[0]


def context_base(context: Any) -> Optional[str]:
    if context is None:
        return None
    base = context.get("base") if isinstance(context, dict) else getattr(context, "base", None)
    return str(base) if isinstance(base, (str, os.PathLike)) and str(base) else None


def resolve_file(name: str, base: Optional[str], said: str = "") -> str:
    """The absolute path of ``name`` (relative to ``base``, else the current directory), or a
    ParseError naming the files of the same kind that the folder holds (``said``, the command as
    typed, gives suggestions with those names in it)."""
    path = Path(os.path.expanduser(name))
    if not path.is_absolute():
        path = Path(base or os.getcwd()) / path
    try:
        if path.is_file():
            return str(path.resolve())
    except OSError:
        pass
    folder = path.parent
    kind = file_kind(name)
    exts = KINDS.get(kind, ())
    try:
        there = sorted(p.name for p in folder.iterdir() if p.suffix.lower().lstrip(".") in exts and p.is_file())
    except OSError:
        raise ParseError(f"No file '{name}': the folder {folder} does not exist.") from None
    what = {"image": "images", "video": "videos", "audio": "sound files", "subtitles": "subtitle files"}.get(kind, "files")
    if there:
        listed = ", ".join(there[:8]) + (f" and {len(there) - 8} more" if len(there) > 8 else "")
        tips = [said.replace(name, other) for other in there[:3]] if said and name in said else []
        raise ParseError(f"No file '{name}' in {folder}; the {what} there are: {listed}.", tips)
    raise ParseError(f"No file '{name}' in {folder}, and it has no {what}; give the file's full path.")
