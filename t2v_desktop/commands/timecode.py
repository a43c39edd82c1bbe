"""Times and time ranges: "3s", "1.5 seconds", "2 minutes", "1:05", "01:02:03", "0:05.5",
"from 0:05 to 0:12", "between 5s and 8s", "0:05-0:12", "the first 3 seconds", "the last half",
"until 0:10", "after 0:10".

Ranges come back as RangeSpec with TimeRef anchors ("end" for "the last 2 seconds", "fraction" for
halves and thirds), so they resolve against the clip's duration later, when it is known.
"""

from __future__ import annotations

import re
from typing import Optional

from .clause import Clause
from .numbers import to_float
from .plan import ParseError, RangeSpec, TimeRef

MAX_SECONDS = 7 * 86400.0

_UNIT = r"(?:hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s|milliseconds?|ms)"
_DUR1 = r"\d+(?:\.\d+)?\s*" + _UNIT + r"(?![a-z])"
DURATION = r"(?:" + _DUR1 + r"(?:\s*(?:and\s+)?" + _DUR1 + r")*)"
TIMECODE = r"(?:\d+:\d{1,2}(?::\d{1,2})?(?:\.\d+)?)"
BARE = r"(?:\d+(?:\.\d+)?)"
TIME = r"(?:" + TIMECODE + "|" + DURATION + ")"
ANY_TIME = r"(?:" + TIMECODE + "|" + DURATION + "|" + BARE + r"(?![\d.:]))"
_END_WORD = r"(?:the\s+)?(?:end|finish)(?:\s+of\s+(?:the\s+)?(?:video|clip))?"
_START_WORD = r"(?:the\s+)?(?:start|beginning)(?:\s+of\s+(?:the\s+)?(?:video|clip))?"

_FRACTIONS = {"half": 0.5, "third": 1 / 3, "quarter": 0.25, "fourth": 0.25, "fifth": 0.2}
_FRAC = r"(?P<frac>half|third|quarter|fourth|fifth)"
_SEP = r"\s*(?:-|–|—|to|until|till|til|through|thru)\s*"

_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def _unit_scale(unit: str) -> float:
    u = unit.lower()
    if u.startswith("ms") or u.startswith("milli"):
        return 0.001
    return _UNIT_SECONDS[u[0]]


def parse_time(text: str, default_unit: str = "s") -> float:
    """Seconds from a timecode, a duration with units, or a bare number (in ``default_unit``)."""
    t = text.strip().lower()
    if ":" in t:
        parts = t.split(":")
        if len(parts) > 3:
            raise ParseError(f"'{text}' is not a time; write m:ss or h:mm:ss, e.g. 1:05.")
        secs = to_float(parts[-1])
        mins = to_float(parts[-2])
        hours = to_float(parts[0]) if len(parts) == 3 else 0.0
        if secs >= 60 or (len(parts) == 3 and mins >= 60):
            raise ParseError(f"'{text}' is not a valid time: minutes and seconds go up to 59.")
        total = hours * 3600 + mins * 60 + secs
    elif re.fullmatch(BARE, t):
        total = to_float(t) * _unit_scale(default_unit)
    else:
        total = 0.0
        pieces = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]+)", t)
        if not pieces:
            raise ParseError(f"'{text}' is not a time; write e.g. 3s, 1.5 seconds or 0:05.")
        for num, unit in pieces:
            total += to_float(num) * _unit_scale(unit)
    if total > MAX_SECONDS:
        raise ParseError(f"'{text}' is longer than any clip I can edit.")
    return total


def _tref(text: str, default_unit: str = "s") -> TimeRef:
    if re.fullmatch(_END_WORD, text.strip()):
        return None  # type: ignore[return-value]  # "to the end"
    if re.fullmatch(_START_WORD, text.strip()):
        return TimeRef(0.0)
    return TimeRef(parse_time(text, default_unit))


def _unit_of(text: str) -> str:
    m = re.search(r"[a-z]+\s*$", text.strip())
    return m.group(0).strip() if m else "s"


def _checked(spec: RangeSpec, said: str) -> RangeSpec:
    s, e = spec.start, spec.end
    if e is not None and s.anchor == e.anchor and e.value <= s.value:
        raise ParseError(f"The range '{said.strip()}' ends before it starts; write the earlier time first.")
    if s.anchor == "end" and s.value <= 0:
        raise ParseError(f"'{said.strip()}' is an empty range; give a length above 0.")
    if e is not None and e.anchor == "start" and e.value <= 0:
        raise ParseError(f"'{said.strip()}' is an empty range; give a length above 0.")
    return spec


_ENDPOINT = r"(?:" + TIME + "|" + BARE + "|" + _END_WORD + "|" + _START_WORD + ")"
_PATTERNS = [
    # from 0:05 to 0:12 / between 5s and 8s / from 5 to 8 seconds
    ("between", re.compile(
        r"\b(?:(?:only\s+)?(?:from|between)\s+)(?P<a>" + _ENDPOINT + r")\s*(?:-|–|—|to|until|till|til|through|thru|and)\s*(?P<b>" + _ENDPOINT + r")(?![\w:])")),
    # 0:05-0:12 / 5s to 8s / 5 to 8 seconds / 5-8s
    ("span", re.compile(r"(?<![\w:.])(?P<a>" + TIME + "|" + BARE + r")" + _SEP + r"(?P<b>" + TIME + r")(?![\w:])")),
    ("first", re.compile(r"\b(?:(?:for|during|in|over|on|of)\s+)?(?:the\s+)?(?:first|opening|initial)\s+(?:(?P<t>" + TIME + r")|" + _FRAC + r"|(?P<one>second|minute))\b(?:\s+of\s+(?:the\s+)?(?:video|clip|it))?")),
    ("last", re.compile(r"\b(?:(?:for|during|in|over|on|of)\s+)?(?:the\s+)?(?:last|final|closing|ending)\s+(?:(?P<t>" + TIME + r")|" + _FRAC + r"|(?P<one>second|minute))\b(?:\s+of\s+(?:the\s+)?(?:video|clip|it))?")),
    ("second_half", re.compile(r"\b(?:(?:for|during|in|over|on|of)\s+)?(?:the\s+)?(?:second|latter|back)\s+half\b(?:\s+of\s+(?:the\s+)?(?:video|clip|it))?")),
    ("middle_third", re.compile(r"\b(?:(?:for|during|in|over|on|of)\s+)?(?:the\s+)?(?:middle|second)\s+third\b(?:\s+of\s+(?:the\s+)?(?:video|clip|it))?")),
    ("head", re.compile(r"\b(?P<t>" + DURATION + r")\s+(?:from|off|at|of)\s+(?:the\s+)?(?:start|beginning|front)\b(?:\s+of\s+(?:the\s+)?(?:video|clip|it))?")),
    ("tail", re.compile(r"\b(?P<t>" + DURATION + r")\s+(?:from|off|at|of)\s+(?:the\s+)?end\b(?:\s+of\s+(?:the\s+)?(?:video|clip|it))?")),
    ("until", re.compile(r"\b(?:until|till|til|up\s+to|up\s+until|before|through)\s+(?P<t>" + TIME + r")(?![\w:])")),
    ("from", re.compile(r"\b(?:from|after|starting(?:\s+at|\s+from)?|since|beginning\s+at|onwards?\s+from)\s+(?P<t>" + TIME + "|" + _START_WORD + r")(?![\w:])(?:\s*(?:onwards?|on))?(?:\s+(?:for|lasting)\s+(?P<d>" + DURATION + r"))?(?:\s+(?:to|until|till)\s+" + _END_WORD + r")?")),
    ("at_for", re.compile(r"\bat\s+(?P<t>" + TIME + r")\s+for\s+(?P<d>" + DURATION + r")")),
]


def take_range(cl: Clause) -> Optional[RangeSpec]:
    """Consume the first time range in the clause, or None when it names none."""
    for kind, pat in _PATTERNS:
        m = pat.search(cl.low)
        if not m:
            continue
        said = m.group(0)
        if kind in ("between", "span"):
            a, b = m.group("a"), m.group("b")
            unit = _unit_of(b) if re.fullmatch(BARE, a.strip()) and not re.fullmatch(BARE, b.strip()) else "s"
            start = _tref(a, unit)
            if start is None:
                raise ParseError(f"The range '{said.strip()}' starts at the end; write the earlier time first.")
            end = _tref(b)
            spec = RangeSpec(start, end)
        elif kind in ("first", "last"):
            if m.group("frac"):
                f = _FRACTIONS[m.group("frac")]
                spec = (RangeSpec(TimeRef(0.0), TimeRef(f, "fraction")) if kind == "first"
                        else RangeSpec(TimeRef(1.0 - f, "fraction"), None))
            else:
                t = parse_time(m.group("t")) if m.group("t") else (60.0 if m.group("one") == "minute" else 1.0)
                spec = RangeSpec(TimeRef(0.0), TimeRef(t)) if kind == "first" else RangeSpec(TimeRef(t, "end"), None)
        elif kind == "second_half":
            spec = RangeSpec(TimeRef(0.5, "fraction"), None)
        elif kind == "middle_third":
            spec = RangeSpec(TimeRef(1 / 3, "fraction"), TimeRef(2 / 3, "fraction"))
        elif kind == "head":
            spec = RangeSpec(TimeRef(0.0), TimeRef(parse_time(m.group("t"))))
        elif kind == "tail":
            spec = RangeSpec(TimeRef(parse_time(m.group("t")), "end"), None)
        elif kind == "until":
            spec = RangeSpec(TimeRef(0.0), TimeRef(parse_time(m.group("t"))))
        else:  # from / at_for
            start = _tref(m.group("t"))
            d = m.groupdict().get("d")
            end = TimeRef(start.value + parse_time(d)) if d else None
            spec = RangeSpec(start, end)
        cl.blank(m.start(), m.end())
        return _checked(spec, said)
    return None


def take_time(cl: Clause, pattern: str) -> Optional[float]:
    """Consume ``pattern`` (a regex with a group ``t`` that is a time) and return its seconds."""
    m = re.search(pattern, cl.low)
    if not m:
        return None
    cl.blank(m.start(), m.end())
    return parse_time(m.group("t"))


#: Slack for "the clip is 1.999 s long and you said 0:02": well under one frame at 24 fps.
TOLERANCE = 0.02


def resolve(spec: RangeSpec, duration: float) -> RangeSpec:
    """Absolute seconds for a known duration; ParseError when the range falls outside it.

    An end within TOLERANCE past the end is the end (frame rounding), anything more is an error.
    """
    s, e = spec.resolve(duration)
    s = 0.0 if s is None else s
    e = duration if e is None else e
    if s >= duration - TOLERANCE:
        raise ParseError(f"The range starts at {fmt(s)}, but the clip is only {fmt(duration)} long. "
                         f"Pick a start before {fmt(duration)}.")
    if e > duration + TOLERANCE:
        raise ParseError(f"The range ends at {fmt(e)}, but the clip is only {fmt(duration)} long. "
                         f"Pick an end up to {fmt(duration)}, or say 'to the end'.")
    e = min(e, duration)
    if e <= s:
        raise ParseError("That range is empty; give an end after its start.")
    return RangeSpec(TimeRef(s), TimeRef(e))


def fmt(t: float) -> str:
    m, s = divmod(t, 60)
    return f"{int(m)}:{s:05.2f}" if m else f"{s:g}s"
