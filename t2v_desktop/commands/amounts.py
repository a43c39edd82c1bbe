"""Amounts onto parameters: '20%', '2x', 'a bit', 'darker' -> the op's value, never clamped."""

from __future__ import annotations

import math
import re

from .clause import Clause
from .lexicon import AMOUNT, LEVELS, Phrase
from .numbers import Quantity, take_intensity, take_quantity
from .plan import ParseError

_UNITS_FOR = {
    "fraction": ("", "%"), "stops": ("", "stops"), "value": ("",), "degrees": ("", "deg"), "pixels": ("", "px"),
    "factor": ("", "x", "%"), "db": ("", "db", "%", "x"), "lufs": ("", "lufs", "db"), "seconds": (),
}
_WORD_FACTOR = re.compile(r"\b(?P<w>twice|double|triple|quadruple|half|quarter)\b")
_WORD_FACTORS = {"twice": 2.0, "double": 2.0, "triple": 3.0, "quadruple": 4.0, "half": 0.5, "quarter": 0.25}


def level_value(op: str, p, level: str) -> float:
    if level == "small":
        if getattr(p, "small", None) is not None:
            return p.small
        if op in LEVELS:
            return LEVELS[op][0]
        return min(p.max / 10, p.default / 2) if p.default > 0 else p.max / 10
    if getattr(p, "large", None) is not None:
        return p.large
    if op in LEVELS:
        return LEVELS[op][1]
    return min(p.max, p.default * 2.5) if p.default > 0 else p.max / 2


def take_amount(phrase: Phrase, work: Clause, params: dict, spec, matched: str) -> None:
    op = phrase.op
    if op not in AMOUNT:
        return
    pname, kind = AMOUNT[op]
    p = spec.params.get(pname)
    if pname in params or p is None or kind == "seconds":
        return
    sign = phrase.sign
    q = take_quantity(work, _UNITS_FOR[kind])
    wf = None
    if q is None and kind in ("factor", "db"):
        mm = _WORD_FACTOR.search(matched) or work.take(_WORD_FACTOR)
        if mm:
            wf = _WORD_FACTORS[mm.group("w")]
    level = take_intensity(work)
    if q is not None:
        value = _convert(q, kind, sign, op)
    elif wf is not None:
        if kind == "db":
            value = 20 * math.log10(wf)
        else:
            value = 1 / wf if (sign < 0 and wf > 1) else wf
    elif level:
        v = level_value(op, p, level)
        value = (1 / v if v else v) if (kind == "factor" and sign < 0) else (-v if sign < 0 else v)
    elif sign < 0:
        value = (1 / p.default) if kind == "factor" else -p.default
    elif op == "speed" and re.search(r"lapse", matched):
        value = 4.0
    else:
        return
    params[pname] = value


def _convert(q: Quantity, kind: str, sign: int, op: str) -> float:
    v, unit = q.value, q.unit
    if kind == "fraction":
        v = v / 100 if unit == "%" else v
        return -v if sign < 0 else v
    if kind in ("stops", "degrees", "pixels", "value"):
        return -abs(v) if sign < 0 else (abs(v) if sign > 0 and kind == "stops" else v)
    if kind == "lufs":
        return -v if v > 0 else v
    if kind == "factor":
        if unit == "%":
            if q.prep == "by":
                return 1 + v / 100 if sign >= 0 else 1 - v / 100
            return v / 100
        if sign < 0 and v > 1:
            return 1 / v
        return v
    # db
    if unit == "db" or unit == "":
        return -abs(v) if sign < 0 else (abs(v) if sign > 0 else v)
    if unit == "%":
        if sign == 0 or q.prep == "to":
            factor = v / 100
        else:
            factor = 1 + v / 100 if sign > 0 else 1 - v / 100
    else:  # "x"
        factor = 1 / v if (sign < 0 and v > 0) else v
    if factor <= 0:
        raise ParseError("That would silence the sound completely; say 'mute' instead (volume takes -60 to +24 dB).",
                         ["mute", "volume down 50%"])
    return 20 * math.log10(factor)
