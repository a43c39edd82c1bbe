"""Validation helpers shared by the document's types: bounds, short echoes of bad values, one error type.

Loading validates every field against these bounds (no pickle anywhere), so a hand-edited or corrupt
file is one clear ProjectError, never an overflow, a runaway export or a huge allocation later.
"""

from __future__ import annotations

import math
import re
import uuid
from typing import Any, Union

from .. import keyframes as kf
from ..errors import ProjectError

# Bounds checked on load; the Renderer and the edit commands hold projects built in code to them too.
MIN_FPS, MAX_FPS = 1, 240
MIN_SIZE, MAX_SIZE = 2, 8192  # pixels per side: DCI 8K (8192x4320) fits; resize's own limit is 7680x4320
MAX_SECONDS = 24 * 3600.0  # clip in/out points, op ranges, gaps, cue times
MAX_OPS_PER_CLIP = 200  # a clip's stack renders through one stage per op (engine/stages.py)
MAX_CLIPS = 10_000  # items (clips, gaps, transitions) in a whole project
MAX_TRACKS = 64
MAX_PATH = 4096
MAX_TEXT = 1000  # names and ids
MAX_TITLE_TEXT = 2000  # characters of a title or a subtitle cue
MAX_CUES = 20_000
MAX_FILE_BYTES = 256 * 1024 * 1024  # a 10,000-clip project is ~5 MB of JSON
_ECHO = 80  # characters of a bad value shown in an error
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")


def short(value: Any, limit: int = _ECHO) -> str:
    """``repr(value)`` cut to ``limit`` characters: errors never echo a 50 MB string."""
    text = repr(value) if not isinstance(value, str) else repr(value[:limit + 1])
    return text if len(text) <= limit else text[:limit - 3] + "..."


def tidy(message: str, limit: int = 300) -> str:
    """An error message with any long run of characters cut, and at most ``limit`` long."""
    message = " ".join(str(message)[:100_000].split())
    out = []
    for word in message.split(" "):
        out.append(word if len(word) <= _ECHO else word[:_ECHO - 3] + "...")
    text = " ".join(out)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def expect(cond: bool, message: str) -> None:
    if not cond:
        raise ProjectError(f"Invalid project: {message}.")


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_seconds(value: Any) -> bool:
    return is_number(value) and 0 <= value <= MAX_SECONDS


def text(value: Any, what: str, limit: int = MAX_TEXT) -> str:
    """A name, id or title: text up to ``limit`` characters ("" for None)."""
    if value is None:
        return ""
    expect(isinstance(value, (str, int)) and not isinstance(value, bool) and len(str(value)) <= limit,
           f"{what} must be text of up to {limit} characters, got {short(value)}")
    return str(value)


def color(value: Any, what: str) -> str:
    expect(isinstance(value, str) and bool(_COLOR.match(value)),
           f"{what} must be a colour '#rrggbb' or '#rrggbbaa', got {short(value)}")
    return value.lower()


def number(value: Any, what: str, lo: float, hi: float, *, animated: bool = False) -> Union[float, kf.Keyframes]:
    """A number in [lo, hi], or (``animated``) a Keyframes whose every value is in [lo, hi]."""
    if animated and kf.is_keyframes_json(value):
        k = kf.from_json(value, what)
        bad = [key.value for key in k.keys if not lo <= key.value <= hi]
        expect(not bad and all(0 <= key.t <= MAX_SECONDS for key in k.keys),
               f"{what} keyframes must have values from {lo:g} to {hi:g} at times from 0 s, got {short(bad[:1])}")
        return k
    if isinstance(value, kf.Keyframes) and animated:
        expect(all(lo <= key.value <= hi for key in value.keys), f"{what} keyframes must be from {lo:g} to {hi:g}")
        return value
    expect(is_number(value) and lo <= value <= hi, f"{what} must be a number from {lo:g} to {hi:g}, got {short(value)}")
    return float(value)


def choice(value: Any, what: str, options) -> str:
    expect(isinstance(value, str) and value in options, f"{what} must be one of {', '.join(options)}, got {short(value)}")
    return value
