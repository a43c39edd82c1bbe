"""What the parser may know about the target (its duration), and resolving ranges against it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, List, Optional

from .plan import Step
from .timecode import resolve


@dataclass(frozen=True)
class ParseContext:
    """What the parser may know about the target: its duration resolves "the last half"; ``base``
    is the folder file names in commands are relative to (the current directory when None)."""

    duration: Optional[float] = None
    base: Optional[str] = None


def context_duration(context: Any) -> Optional[float]:
    """``duration`` from a dict or an object; None when missing or unusable (nan, <= 0)."""
    if context is None:
        return None
    d = context.get("duration") if isinstance(context, dict) else getattr(context, "duration", None)
    if isinstance(d, bool) or not isinstance(d, (int, float)) or not math.isfinite(d) or d <= 0:
        return None
    return float(d)


def resolve_ranges(steps: List[Step], duration: Optional[float]) -> None:
    """Resolve each step's range against the duration at its point of the stack (timing ops change it)."""
    for s in steps:
        if s.action == "compose":  # structural steps resolve on the programme's timeline, later
            if getattr(s, "phase", 1) == 0:
                duration = None  # a transition or an added clip changes the length
            continue
        if s.action != "apply":
            duration = None  # undo/redo/remove change the stack in ways the parser can't see
            continue
        if s.range is not None and duration is not None:
            s.range = resolve(s.range, duration)
        duration = _duration_after(s, duration)


def _duration_after(s: Step, d: Optional[float]) -> Optional[float]:
    """The clip's length after ``s`` (trim, cut, speed and freeze change it)."""
    if d is None:
        return None
    a, b = s.range.resolve(d) if s.range is not None else (0.0, d)
    a, b = (a or 0.0), (d if b is None else b)
    if s.op == "trim":
        return b - a
    if s.op == "cut":
        return d - (b - a)
    if s.op == "speed":
        return d - (b - a) + (b - a) / s.params["factor"]
    if s.op == "freeze":
        return d + s.params["duration"]
    return d  # the other ops keep the length
