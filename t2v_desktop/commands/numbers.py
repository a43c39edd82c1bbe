"""Numbers as people type them: "2x", "20%", "-0.3", "+6 dB", "twice", "two and a half", "a bit".

Word numbers are rewritten to digits in the matching text only (padded to the same length), so
the original wording survives for prompts and file paths.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import List, Optional

from .clause import Clause
from .plan import ParseError

_SMALL_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_UNIT_AFTER = r"(?=\s*(?:hours?|minutes?|mins?|seconds?|secs?|frames?|percent|%|times|x\b|degrees?|db|decibels?|stops?|steps?|px|pixels?|lufs))"

_WORDNUM = re.compile(
    r"\b(?:(?P<tens>" + "|".join(_TENS_WORDS) + r")(?:[ -](?P<unit>" + "|".join(_SMALL_WORDS[1:10]) + r"))?"
    r"|(?P<small>" + "|".join(sorted(_SMALL_WORDS, key=len, reverse=True)) + r"))"
    r"(?P<half>\s+and\s+a\s+half)?\b"
)
_HALF_A = re.compile(r"\b(?:half\s+an?|a\s+half)\b" + _UNIT_AFTER)
_QUARTER_A = re.compile(r"\ba\s+quarter(?:\s+of)?(?:\s+an?)?\b" + _UNIT_AFTER)
_ONE_A = re.compile(r"\b(?:an?)\b(?=\s*(?:hour|minute|min|second|sec)\b)")


def _pad(value: float, width: int) -> str:
    s = f"{value:g}"
    return s.ljust(width) if len(s) <= width else s


def digitize(cl: Clause) -> None:
    """Rewrite number words in ``cl.low`` to digits, keeping its length."""

    def sub(pattern: "re.Pattern[str]", fn) -> None:
        out, last = [], 0
        for m in pattern.finditer(cl.low):
            rep = fn(m)
            if rep is None or len(rep) > m.end() - m.start():
                continue
            out.append(cl.low[last:m.start()] + rep.ljust(m.end() - m.start()))
            last = m.end()
        if out:
            cl.low = "".join(out) + cl.low[last:]

    def wordnum(m: "re.Match[str]"):
        if m.group("tens"):
            v = 20 + 10 * _TENS_WORDS.index(m.group("tens"))
            if m.group("unit"):
                v += _SMALL_WORDS.index(m.group("unit"))
        else:
            v = _SMALL_WORDS.index(m.group("small"))
        if m.group("half"):
            v += 0.5
        return f"{v:g}"

    sub(_WORDNUM, wordnum)
    sub(_HALF_A, lambda m: "0.5")
    sub(_QUARTER_A, lambda m: "0.25")
    sub(_ONE_A, lambda m: "1")


# A number with an optional sign and unit. The unit tells what kind of amount it is.
_NUM = r"(?P<sign>[+-]|−)?\s?(?P<num>\d+(?:\.\d+)?|\.\d+)(?:e(?P<exp>[+-]?\d+))?"
_UNITS = {
    "%": "%", "percent": "%", "pct": "%",
    "x": "x", "×": "x", "times": "x",
    "db": "db", "decibels": "db", "decibel": "db",
    "px": "px", "pixels": "px", "pixel": "px",
    "degrees": "deg", "degree": "deg", "deg": "deg", "°": "deg",
    "stops": "stops", "stop": "stops", "ev": "stops",
    "lufs": "lufs",
    "steps": "steps", "step": "steps",
}
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
QUANTITY = re.compile(
    r"(?:(?P<prep>\bby|\bto|\bat)\s+)?(?<![\w.:])" + _NUM + r"(?:\s*(?P<unit>" + _UNIT_RE + r")(?![a-z]))?(?![\w:])"
    r"(?!\s*(?:s|secs?|seconds?|ms|m|mins?|minutes?|h|hrs?|hours?|frames?)\b)"  # a time, not an amount
)


@dataclass
class Quantity:
    value: float
    unit: str = ""  # "", "%", "x", "db", "px", "deg", "stops", "lufs", "steps"
    signed: bool = False  # an explicit + or - was typed
    prep: str = ""  # "by", "to", "at" or ""
    text: str = ""


def to_float(num: str, exp: Optional[str] = None, neg: bool = False) -> float:
    """A finite float, or ParseError (huge exponents, thousands of digits)."""
    try:
        v = float(num + (f"e{exp}" if exp else ""))
    except (ValueError, OverflowError):
        raise ParseError(f"'{num}' is not a number I can use.") from None
    if not math.isfinite(v) or abs(v) > 1e9:
        raise ParseError(f"The number '{num}{'e' + exp if exp else ''}' is too large.")
    return -v if neg else v


def take_quantity(cl: Clause, units: Optional[tuple] = None) -> Optional[Quantity]:
    """Consume the first number (optionally restricted to ``units``; "" = bare number)."""
    for m in QUANTITY.finditer(cl.low):
        unit = _UNITS.get(m.group("unit") or "", "")
        if units is not None and unit not in units:
            continue
        neg = m.group("sign") in ("-", "−")
        v = to_float(m.group("num"), m.group("exp"), neg)
        cl.blank(m.start(), m.end())
        return Quantity(v, unit, bool(m.group("sign")), m.group("prep") or "", m.group(0).strip())
    return None


def has_number(cl: Clause) -> bool:
    return bool(re.search(r"\d", cl.low))


# Intensity words, longest first so "a little bit" wins over "a little".
SMALL = (
    "just a little bit", "a tiny bit", "a little bit", "just a bit", "a little", "a bit", "a touch", "a tad",
    "a smidge", "slightly", "somewhat", "subtly", "gently", "lightly", "mildly", "barely", "little",
    "bit", "subtle", "slight",
)
LARGE = (
    "a whole lot", "way more", "much more", "a lot more", "a lot", "lots", "much", "way", "very", "really",
    "super", "extremely", "significantly", "heavily", "strongly", "dramatically", "far", "considerably",
    "tons", "hugely", "massively", "seriously", "a ton", "intensely", "strong", "heavy", "extra",
)
_SMALL_RE = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in SMALL) + r")\b")
_LARGE_RE = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in LARGE) + r")\b")


def take_intensity(cl: Clause) -> str:
    """Consume intensity words; "small", "large" or ""."""
    small = large = False
    while cl.take(_SMALL_RE):
        small = True
    while cl.take(_LARGE_RE):
        large = True
    if small and large:
        raise ParseError("That says both 'a bit' and 'a lot'; say one amount, e.g. '20% brighter'.")
    return "small" if small else "large" if large else ""


def quantities_left(cl: Clause) -> List[str]:
    return [m.group(0).strip() for m in QUANTITY.finditer(cl.low)]
