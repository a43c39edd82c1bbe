"""Burned-in caption looks: what a subtitle track's cue draws at a time (preview and export alike).

A track's ``look`` picks it (project.model.CAPTION_LOOKS): "classic" draws the track's style as it
is; "boxed" puts the text on an opaque box of the style's box colour, for busy pictures; "karaoke"
(CapCut's word-by-word captions) fills the word being spoken in the track's ``highlight`` colour,
using the cue's word times (Cue.words). Between two words the last one spoken stays lit; before the
first, none is. Tracks are duck-typed (a look-less track is classic).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from .titles import _FIELDS, SUBTITLE_STYLE, render_cue


def cue_style(track: Any) -> Any:
    """The style the track's cues are drawn with: its own, or (boxed) on an opaque box."""
    style = getattr(track, "style", None)
    if getattr(track, "look", "classic") != "boxed":
        return style
    get = style.get if isinstance(style, dict) else (lambda k, d: getattr(style, k, d))
    values: Dict[str, Any] = {k: SUBTITLE_STYLE[k] if style is None else get(k, SUBTITLE_STYLE[k]) for k in _FIELDS}
    values["box"] = True
    values["box_color"] = str(values["box_color"])[:7]  # '#rrggbbaa' -> opaque '#rrggbb'
    return values


def active_word(cue: Any, t: float) -> Optional[int]:
    """Index of the word being spoken at ``t`` (the last one started), None before the first."""
    found = None
    for k, (start, _end, _text) in enumerate(getattr(cue, "words", ()) or ()):
        if start <= t:
            found = k
        else:
            break
    return found


def highlight_of(track: Any, cue: Any, t: float) -> Optional[Tuple[int, str]]:
    """(word index in the cue's text, colour) to fill at ``t``, or None (not karaoke, no word yet).
    When the text was edited and no longer has one token per timed word, the index is scaled."""
    if getattr(track, "look", "classic") != "karaoke":
        return None
    k = active_word(cue, t)
    if k is None:
        return None
    tokens, timed = len(str(cue.text).split()), len(cue.words)
    if tokens != timed and timed:
        k = min(tokens - 1, int(k * tokens / timed))
    return k, getattr(track, "highlight", "#ffd400")


def draw_cue(track: Any, cue: Any, t: float, canvas_size: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """(rgb, alpha) full-canvas arrays of ``cue`` at time ``t`` (cached, read-only)."""
    return render_cue(cue.text, cue_style(track), canvas_size, highlight_of(track, cue, t))
