"""Chaining: "stabilize, then make it warmer", "x and y", "x; y", "first x, after that y".

Strong separators (";", "then", "after that", "followed by", a full stop) always split. Weak ones
("," and "and") split only when what follows starts a new command, so "black and white",
"between 5s and 8s" and "add snow and rain" stay whole.
"""

from __future__ import annotations

import re
from typing import Callable, List, Tuple

from .clause import Clause
from .timecode import ANY_TIME, DURATION, TIMECODE

_STRONG = re.compile(
    r"\s*(?:;|\.(?:\s+|$)|\n|[,\s]\s*(?:and\s+)?(?:then|after\s+that|afterwards|after\s+this(?!\s+(?:clip|shot))|followed\s+by|and\s+finally|"
    r"finally|lastly|next)\b,?)\s*|^\s*(?:then|next|finally)\b,?"
)
_WEAK = re.compile(r"\s*,\s*(?:and\s+|plus\s+|also\s+)?|\s+(?:and|plus|&|as\s+well\s+as)\s+(?:also\s+)?")
_PROTECT = [
    re.compile(r"black\s*(?:and|&|n)\s*white"),
    re.compile(r"\bb\s*&\s*w\b"),
    re.compile(r"teal\s*(?:and|&)\s*orange|orange\s*(?:and|&)\s*teal"),
    re.compile(r"\bbetween\s+" + ANY_TIME + r"\s*(?:and|&)\s*(?:" + ANY_TIME + r"|the\s+end)"),
    re.compile(r"\d+(?:\.\d+)?\s+and\s+a\s+half"),
    re.compile(r"\b(?:rock|salt|black|day|up|back|side|over|ups)\s+and\s+(?:roll|pepper|blue|night|down|forth|side|over|downs)\b"),
    re.compile(r"\b(?:" + TIMECODE + "|" + DURATION + r")\s*(?:and)\s*" + DURATION),
    # structural clauses (compose.py): quoted titles, "between clip 1 and 2", "fade the title in and out"
    re.compile(r"(?<!\w)(['\"]).+?\1(?!\w)"),
    re.compile(r"\bbetween\s+(?:the\s+)?(?:(?:clips?|shots?)\s+)?\w+(?:\s+(?:clip|shot))?\s+(?:and|&)\s+(?:the\s+)?"
               r"(?:(?:clip|shot)\s+)?\w+"),
    re.compile(r"\bfade\s+(?:the\s+)?(?:titles?|lower[\s-]?thirds?|logo|watermark|overlay|picture[\s-]in[\s-]picture|pip)"
               r"\s+in\s+and\s+out\b"),
    re.compile(r"\bnext\s+markers?\b"),  # "go to the next marker" (marker_commands.py), not "then"
]


def _protected(low: str) -> List[Tuple[int, int]]:
    spans = []
    for p in _PROTECT:
        spans.extend((m.start(), m.end()) for m in p.finditer(low))
    return spans


def _inside(pos: int, spans: List[Tuple[int, int]]) -> bool:
    return any(s < pos < e for s, e in spans)


def _cut(cl: Clause, pattern: "re.Pattern[str]", spans) -> List[Tuple[Clause, Clause]]:
    """Fragments, each with the separator text that came before it."""
    out, last, sep = [], 0, Clause("", "")
    for m in pattern.finditer(cl.low):
        if m.end() == m.start() or _inside(m.start(), spans) or _inside(m.end() - 1, spans):
            continue
        out.append((Clause(cl.low[last:m.start()], cl.orig[last:m.start()]), sep))
        sep = Clause(cl.low[m.start():m.end()], cl.orig[m.start():m.end()])
        last = m.end()
    out.append((Clause(cl.low[last:], cl.orig[last:]), sep))
    return [(c, s) for c, s in out if c.low.strip(" ,.;!?")]


def split_clauses(whole: Clause, starts_command: Callable[[str], bool]) -> List[Clause]:
    """Clauses in order. ``starts_command(text)`` says whether a weak fragment begins a new command."""
    spans = _protected(whole.low)
    clauses: List[Clause] = []
    for strong, _sep in _cut(whole, _STRONG, spans):
        local = _protected(strong.low)
        merged: List[Clause] = []
        for frag, sep in _cut(strong, _WEAK, local):
            text = frag.low.strip()
            if merged and not starts_command(text):
                if re.fullmatch(r"(?:fade\s+)?(?:out|in)", text) and re.search(r"\bfade\b", merged[-1].low):
                    word = text.split()[-1]
                    merged.append(Clause(f"fade {word}", f"fade {word}"))
                    continue
                prev = merged[-1]
                merged[-1] = Clause(prev.low + sep.low + frag.low, prev.orig + sep.orig + frag.orig)
            else:
                frag.weak = bool(merged)
                merged.append(frag)
        clauses.extend(merged)
    return clauses
