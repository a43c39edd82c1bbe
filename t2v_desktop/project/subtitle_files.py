"""Subtitle files: read .srt/.vtt/.ass/.ssa into plain cues, write .srt/.vtt/.ass/.ssa atomically.

Cues are plain ``(start, end, text)`` tuples (seconds, seconds, text with ``\\n`` line breaks) so
this module needs nothing from the model; the caller builds ``Cue`` objects from them.

Reading (pysubs2 parses; we check and clean):
- Encoding: a UTF-8 (with or without BOM) or UTF-16 (with BOM) file is read as such, otherwise
  Windows-1252 (a note says so); anything else is a one-line MediaError.
- Styling is dropped, line breaks are kept: ASS override blocks (``{\\an8}``, ``{\\i1}``), SRT/VTT
  tags (``<i>``, ``<font ...>``, ``<v Bob>``, ``<c.yellow>``, karaoke ``<00:01.500>``) go; character
  references are decoded (WebVTT: all; SRT/ASS: ``&amp; &lt; &gt; &quot; &apos; &nbsp;`` and numeric
  ones, which web-made SRT files carry); blank lines inside a cue and spaces at line ends go.
- Times are kept to the millisecond. A cue that ends before it starts is an error (a swapped or
  mistyped time is not guessed at); a cue of zero length or with no text is dropped with a note.
- Overlapping cues are allowed and kept (players stack them; the MP4 muxer merges them).
- Cues come back sorted by start time (stable).
- Refused with one line naming the file: unknown extension, larger than MAX_BYTES, binary data,
  no cues found, a timing line that does not parse, more than MAX_CUES cues, a cue longer than
  MAX_TITLE_TEXT characters.

Writing: SRT and WebVTT are written here (they are tiny formats, and pysubs2 drops text in braces
and does not escape WebVTT's ``&`` and ``<``); ASS/SSA through pysubs2. Text is written as plain
text: blank lines inside a cue are removed (a blank line ends a cue in both formats), and a cue
with no text is skipped. The file is replaced atomically (fsutil.atomic_write_text).
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path
from typing import Iterable, List, Optional, Tuple

from ..errors import MediaError, ParamError, short_path
from ..fsutil import atomic_write_text
from .checks import MAX_CUES, MAX_TITLE_TEXT

log = logging.getLogger(__name__)

CueTuple = Tuple[float, float, str]

#: The formats we read and write, by extension (pysubs2's format names).
FORMATS = {".srt": "srt", ".vtt": "vtt", ".ass": "ass", ".ssa": "ssa"}
#: A two-hour film's subtitles are ~100 KB; anything past this is not a subtitle file.
MAX_BYTES = 10 * 1024 * 1024

_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>|<\d{1,2}(?::\d{2}){1,2}[.,]\d{1,3}>")  # <i>, </font>, <v Bob>, <00:01.500>
_ASS_BLOCK = re.compile(r"\{\\[^}]*\}")
_ANY_BLOCK = re.compile(r"\{[^}]*\}")
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|apos|nbsp|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")  # what SRT files carry
_NAMES = {"srt": "SubRip (.srt)", "vtt": "WebVTT (.vtt)", "ass": "ASS (.ass)", "ssa": "SSA (.ssa)"}
_TIMING_LINE = re.compile(r"^\s*[0-9:.,]{4,}\s*-+>")  # a timing line left in a cue's text = it did not parse


def format_for(path, action: str = "read") -> str:
    """pysubs2 format name for ``path``'s extension; ParamError naming the ones we know."""
    ext = Path(path).suffix.lower()
    fmt = FORMATS.get(ext)
    if fmt is None:
        known = ", ".join(FORMATS)
        err = MediaError if action == "read" else ParamError
        raise err(f"Cannot {action} subtitles as '{ext or Path(path).name}' ({short_path(path)}): "
                  f"use one of {known}.")
    return fmt


# -- reading ------------------------------------------------------------------------------------


def read_subtitles(path, notes: Optional[List[str]] = None) -> List[CueTuple]:
    """The cues of a subtitle file as (start s, end s, plain text), sorted by start. Fix-ups
    (dropped empty cues, a Windows-1252 guess) are logged and appended to ``notes`` when given."""
    path = Path(path)
    fmt = format_for(path)
    name = short_path(path)
    notes = notes if notes is not None else []
    text = _decode(_read_bytes(path, name), name, notes)
    events, fmt = _parse(text, fmt, name)

    cues: List[CueTuple] = []
    dropped = 0
    for k, ev in enumerate(events, 1):
        if getattr(ev, "is_comment", False) or getattr(ev, "is_drawing", False):
            continue
        if ev.start < 0 or ev.end < 0:
            raise MediaError(f"Cue {k} in {name} has a negative time ({_clock(ev.start)} --> {_clock(ev.end)}); "
                             "fix the times in the file.")
        if ev.end < ev.start:
            raise MediaError(f"Cue {k} in {name} ends ({_clock(ev.end)}) before it starts ({_clock(ev.start)}); "
                             "fix the times in the file.")
        body = _plain(ev.text, fmt)
        for line in body.split("\n"):
            if _TIMING_LINE.match(line):
                raise MediaError(f"Bad timestamp line in {name} near cue {k}: '{line.strip()[:60]}' "
                                 "(expected e.g. 00:00:01,000 --> 00:00:02,500); fix the file.")
        if ev.end == ev.start or not body:
            dropped += 1
            continue
        if len(body) > MAX_TITLE_TEXT:
            raise MediaError(f"Cue {k} in {name} has {len(body)} characters (at most {MAX_TITLE_TEXT}); "
                             "is it a subtitle file?")
        cues.append((ev.start / 1000.0, ev.end / 1000.0, body))
    if dropped:
        _note(notes, f"note: {dropped} cue(s) in {name} with no text or zero length were skipped.")
    if not cues:
        raise MediaError(f"No subtitle cues found in {name}; is it a {_NAMES[fmt]} subtitle file?")
    if len(cues) > MAX_CUES:
        raise MediaError(f"{name} has {len(cues)} cues; at most {MAX_CUES} fit in a subtitle track.")
    cues.sort(key=lambda c: c[0])
    return cues


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise MediaError(f"{name} is a folder, not a subtitle file.")
        if size > MAX_BYTES:
            raise MediaError(f"{name} is {size / 1e6:.1f} MB; subtitle files are at most "
                             f"{MAX_BYTES // (1024 * 1024)} MB. Is it a subtitle file?")
        return path.read_bytes()
    except FileNotFoundError:
        raise MediaError(f"Subtitle file not found: {name}.") from None
    except OSError as e:
        raise MediaError(f"Cannot read {name}: {e.strerror or e}.") from None


def _decode(data: bytes, name: str, notes: List[str]) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        controls = sum(data.count(bytes([c])) for c in range(32) if c not in b"\t\n\r\f\v")
        if b"\x00" in data or controls > max(8, len(data) // 100):
            raise MediaError(f"{name} is not a subtitle file (it holds binary data).")
        encodings = ("utf-8-sig", "cp1252")
    for enc in encodings:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "cp1252":
            _note(notes, f"note: {name} is not UTF-8; it was read as Windows-1252.")
        break
    else:
        raise MediaError(f"{name} is not UTF-8 or Windows-1252 text; save it as UTF-8 and try again.")
    if "\x00" in text:  # UTF-16 binary
        raise MediaError(f"{name} is not a subtitle file (it holds binary data).")
    return text


def _parse(text: str, fmt: str, name: str):
    import pysubs2

    try:
        detected = pysubs2.formats.autodetect_format(text)
    except pysubs2.exceptions.FormatAutodetectionError:
        detected = None
    except Exception:  # noqa: BLE001 - pysubs2 raises plain errors on odd input; we parse as named
        detected = None
    use = detected if detected in FORMATS.values() else fmt  # a .srt holding WebVTT is read as WebVTT
    try:
        subs = pysubs2.SSAFile.from_string(text, format_=use)
    except Exception as e:  # noqa: BLE001 - any parser failure is the file's fault
        msg = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
        raise MediaError(f"{name} is not a valid {_NAMES[use]} subtitle file: {msg}.") from None
    return list(subs.events), use


def _plain(text: str, fmt: str) -> str:
    """Plain text with line breaks from pysubs2's ASS-style text: styling gone, blank lines and
    line-end spaces gone. In ASS every {...} block is an override or a comment; in SRT/VTT only
    {\\...} ones are (a literal "{b}" stays)."""
    text = (_ANY_BLOCK if fmt in ("ass", "ssa") else _ASS_BLOCK).sub("", text)
    text = text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
    text = _TAG.sub("", text)
    text = html.unescape(text) if fmt == "vtt" else _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    text = text.replace("\u00a0", " ").replace("\r", "")
    lines = [ln.strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def _note(notes: List[str], line: str) -> None:
    log.warning(line)
    notes.append(line)


# -- writing ------------------------------------------------------------------------------------


def write_subtitles(cues: Iterable, path) -> Path:
    """Write ``cues`` (``(start, end, text)`` tuples or objects with .start/.end/.text, seconds)
    to ``path`` in the format its extension names, atomically. ParamError for a bad cue."""
    path = Path(path)
    fmt = format_for(path, "write")
    rows = sorted(_checked(cues), key=lambda c: c[0])
    if fmt == "srt":
        out = "".join(f"{n}\n{_stamp(a, ',')} --> {_stamp(b, ',')}\n{t}\n\n" for n, (a, b, t) in enumerate(rows, 1))
    elif fmt == "vtt":
        out = "WEBVTT\n\n" + "".join(f"{_stamp(a, '.')} --> {_stamp(b, '.')}\n{_vtt_escape(t)}\n\n" for a, b, t in rows)
    else:
        import pysubs2

        subs = pysubs2.SSAFile()
        for a, b, t in rows:
            ev = pysubs2.SSAEvent(start=a, end=b)
            ev.plaintext = t
            subs.append(ev)
        out = subs.to_string(fmt)
    atomic_write_text(path, out)
    return path


def _checked(cues: Iterable) -> List[Tuple[int, int, str]]:
    """(start ms, end ms, text) for every cue with text; ParamError naming a bad one."""
    rows = []
    for k, c in enumerate(cues, 1):
        if isinstance(c, (tuple, list)) and len(c) == 3:
            start, end, text = c
        else:
            start, end, text = getattr(c, "start", None), getattr(c, "end", None), getattr(c, "text", None)
        try:
            a, b = int(round(float(start) * 1000)), int(round(float(end) * 1000))
        except (TypeError, ValueError):
            raise ParamError(f"Subtitle cue {k} needs numeric start and end times, got {start!r} and {end!r}.") from None
        if not isinstance(text, str):
            raise ParamError(f"Subtitle cue {k} needs text, got {type(text).__name__}.")
        if a < 0 or b <= a:
            raise ParamError(f"Subtitle cue {k} must start at 0 s or later and end after it starts "
                             f"(got {start} s to {end} s).")
        body = "\n".join(ln.strip() for ln in text.replace("\r", "").split("\n") if ln.strip())
        if body:
            rows.append((a, b, body))
    return rows


def _stamp(ms: int, sep: str) -> str:
    h, rest = divmod(int(ms), 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _clock(ms: int) -> str:
    sign = "-" if ms < 0 else ""
    return sign + _stamp(abs(int(ms)), ",")


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
