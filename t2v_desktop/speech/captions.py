"""Readable caption cues from a word-timed transcript.

Subtitle guidelines (Netflix/BBC): at most 42 characters a line, at most 2 lines, 1–7 s on screen;
break at pauses and punctuation, balance the two lines, never split a word. Cue times come from the
words, so captions follow the speech exactly.
"""

from __future__ import annotations

from typing import List, Sequence

from t2v_desktop.project.model import Cue
from t2v_desktop.speech.transcript import Transcript, Word

_STRONG = ".?!"
_WEAK = ",;:-–—"
_PAUSE = 0.35  # seconds of silence that end a phrase


def _text(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in words)


def _lines(words: Sequence[Word], max_chars: int, max_lines: int) -> List[str] | None:
    """Words laid out on as few balanced lines as fit, or None when they do not fit."""
    text = _text(words)
    if len(text) <= max_chars:
        return [text]
    if max_lines < 2:
        return None
    best = None
    for i in range(1, len(words)):
        a, b = _text(words[:i]), _text(words[i:])
        if len(a) <= max_chars and len(b) <= max_chars:
            score = abs(len(a) - len(b)) - (8 if words[i - 1].text[-1:] in _STRONG + _WEAK else 0)
            if best is None or score < best[0]:
                best = (score, [a, b])
    return best[1] if best else None


def _break_cost(words: Sequence[Word], i: int, min_dur: float) -> float:
    """Cost of ending a cue after words[i]: low at punctuation and pauses, high mid-phrase."""
    w = words[i]
    cost = 10.0
    if w.text[-1:] in _STRONG:
        cost = 0.0
    elif w.text[-1:] in _WEAK:
        cost = 3.0
    if i + 1 < len(words):
        gap = words[i + 1].start - w.end
        if gap >= _PAUSE:
            cost = min(cost, 1.0)
    if w.end - words[0].start < min_dur:
        cost += 20.0
    return cost


def segment(transcript: Transcript | Sequence[Word], *, max_chars: int = 42, max_lines: int = 2,
            min_dur: float = 1.0, max_dur: float = 7.0) -> List[Cue]:
    """Cues that respect the length, line and duration limits, broken at the best place in each run."""
    words = [w for w in (transcript.words if isinstance(transcript, Transcript) else transcript)
             if w.text.strip()]
    cues: List[Cue] = []
    i = 0
    while i < len(words):
        # the longest run from i that still fits on max_lines lines within max_dur
        j = i
        while (j + 1 < len(words) and words[j + 1].end - words[i].start <= max_dur
               and _lines(words[i:j + 2], max_chars, max_lines) is not None):
            j += 1
        if j + 1 < len(words):  # not the last run: pick the cheapest break, later wins ties
            j = min(range(i, j + 1), key=lambda k: (_break_cost(words[i:], k - i, min_dur), -k))
        run = words[i:j + 1]
        lines = _lines(run, max_chars, max_lines) or [_text(run)]
        start, end = run[0].start, run[-1].end
        end = max(end, start + min_dur)
        if i + len(run) < len(words):
            end = min(end, max(words[j + 1].start, run[-1].end))
        end = min(end, start + max_dur) if end - start > max_dur else end
        cues.append(Cue(round(start, 3), round(end, 3), "\n".join(lines),
                        tuple((w.start, w.end, w.text) for w in run)))
        i = j + 1
    return cues
