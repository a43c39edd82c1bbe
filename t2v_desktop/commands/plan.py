"""What the parser produces: a Plan of Steps, or a ParseError. Pure data, no side effects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from ..errors import T2VError

CLASSIC = "classic"
GENERATIVE = "generative"
MIXED = "mixed"


class ParseError(T2VError):
    """Text the parser does not understand. ``suggestions`` are the closest known commands."""

    exit_code = 2

    def __init__(self, message: str, suggestions: Optional[List[str]] = None):
        super().__init__(message)
        self.message = message
        self.suggestions = list(suggestions or [])

    def to_json(self) -> dict:
        return {"error": self.message, "suggestions": self.suggestions}


@dataclass(frozen=True)
class TimeRef:
    """A point in time as the user said it.

    anchor "start": ``value`` seconds from the start; "end": ``value`` seconds before the end;
    "fraction": ``value`` (0..1) of the duration.
    """

    value: float
    anchor: str = "start"

    def resolve(self, duration: Optional[float]) -> Optional[float]:
        if self.anchor == "start":
            return self.value
        if duration is None:
            return None
        if self.anchor == "end":
            return max(0.0, duration - self.value)
        return self.value * duration


@dataclass(frozen=True)
class RangeSpec:
    """A time range; ``end`` None means "to the end"."""

    start: TimeRef
    end: Optional[TimeRef] = None

    def resolve(self, duration: Optional[float]) -> Tuple[Optional[float], Optional[float]]:
        """Seconds (start, end); an end of None means the end of the clip (or unknown)."""
        s = self.start.resolve(duration)
        e = self.end.resolve(duration) if self.end is not None else duration
        return s, e


@dataclass
class Step:
    """One operation to apply (``action`` "apply"), or an edit-history action:
    "undo", "redo", or "remove" (remove the most recent ``op`` from the stack)."""

    op: str
    params: dict = field(default_factory=dict)
    range: Optional[RangeSpec] = None
    route: str = CLASSIC
    reason: str = ""
    action: str = "apply"
    text: str = ""  # the fragment of the input this step came from

    def to_json(self, duration: Optional[float] = None) -> dict:
        """``{"op", "params", "range", "route"}``. History actions keep that shape: "undo"/"redo"
        are ops of their own and "remove the blur" is ``{"op": "remove", "params": {"op": "blur"}}``.
        ``range`` is None, ``[start, end]`` seconds when ``duration`` is known, else the typed form
        of ``range_json`` (never a mix of the two)."""
        rng = None
        if self.range is not None:
            rng = range_json(self.range, duration)
        if self.action == "apply":
            op, params = self.op, dict(self.params)
        elif self.action == "remove":
            op, params = "remove", {"op": self.op}
        else:
            op, params = self.action, {}
        return {"op": op, "params": params, "range": rng, "route": self.route}


def range_json(rng: RangeSpec, duration: Optional[float]):
    """``[start, end]`` seconds against ``duration``; without one, the typed relative form
    ``{"start": POINT, "end": POINT}`` where POINT is ``{"anchor": "start", "value": s}`` (s seconds
    after the start), ``{"anchor": "end", "value": s}`` (s seconds before the end; 0 = the end) or
    ``{"anchor": "fraction", "value": f}`` (f of the duration, 0..1)."""
    if duration is not None:
        s, e = rng.resolve(duration)
        return [s, duration if e is None else e]
    end = rng.end if rng.end is not None else TimeRef(0.0, "end")
    return {"start": {"anchor": rng.start.anchor, "value": rng.start.value},
            "end": {"anchor": end.anchor, "value": end.value}}


@dataclass(frozen=True)
class Correction:
    """A typo the parser corrected: ``typed`` at ``start:end`` of the text as typed became ``corrected``."""

    typed: str
    corrected: str
    start: int
    end: int

    def to_json(self) -> dict:
        return {"typed": self.typed, "corrected": self.corrected, "start": self.start, "end": self.end}


@dataclass
class Plan:
    steps: List[Step]
    #: "selection" (the selected clip) or "timeline" (every clip).
    target: str = "selection"
    text: str = ""
    #: Typos corrected before parsing (empty when the text parsed as typed); ``corrected_text`` is
    #: the reading that was parsed (``text`` with the corrections applied).
    corrections: List[Correction] = field(default_factory=list)
    corrected_text: str = ""
    #: The clip duration the ranges were resolved against, when the parser had one.
    duration: Optional[float] = None
    #: A command typed in another language (commands/foreign.py): the language's name and the
    #: English that was parsed; empty when it was typed in English.
    translated_from: str = ""
    translation: str = ""

    @property
    def route(self) -> str:
        routes = {s.route for s in self.steps}
        if len(routes) == 1:
            return routes.pop()
        return MIXED if routes else CLASSIC

    def to_json(self, duration: Optional[float] = None) -> dict:
        """``{"route", "steps"}``, plus ``"corrections"`` and ``"corrected_text"`` when typos were
        corrected. Ranges are seconds when a duration is known (given here or at parse time)."""
        d = self.duration if duration is None else duration
        out = {"route": self.route, "steps": [s.to_json(d) for s in self.steps]}
        if self.corrections:
            out["corrections"] = [c.to_json() for c in self.corrections]
            out["corrected_text"] = self.corrected_text
        if self.translated_from:
            out["translated_from"], out["translation"] = self.translated_from, self.translation
        return out

    def explain(self) -> str:
        """One line per step, for the command bar and the CLI."""
        lines = []
        if self.translated_from:
            lines.append(f'Translated from {self.translated_from}: "{self.translation}"')
        if self.corrections:
            fixes = ", ".join(f"'{c.typed}' -> '{c.corrected}'" for c in self.corrections)
            lines.append(f"Corrected {fixes}: read as '{self.corrected_text}'")
        for i, s in enumerate(self.steps, 1):
            where = ""
            if s.range is not None:
                end = "the end" if s.range.end is None else _point_text(s.range.end)
                where = f" from {_point_text(s.range.start)} to {end}"
            params = ", ".join(f"{k}={_value_text(v)}" for k, v in s.params.items())
            lines.append(f"{i}. [{s.route}] {s.op}({params}){where}" + (f" — {s.reason}" if s.reason else ""))
        return "\n".join(lines)


def _point_text(ref: TimeRef) -> str:
    if ref.anchor == "end":
        return f"{ref.value:g}s before the end" if ref.value else "the end"
    if ref.anchor == "fraction":
        return f"{ref.value * 100:.4g}% of the clip"
    return _fmt(ref.value)


def _fmt(t: Optional[float]) -> str:
    if t is None:
        return "end"
    m, s = divmod(t, 60)
    return f"{int(m)}:{s:05.2f}"


def _value_text(v) -> str:
    """A param value for the plan's text: keyframes as "0s:1 -> 3s:1.3", numbers as they are."""
    keys = getattr(v, "keys", None)
    if isinstance(keys, tuple):
        return " -> ".join(f"{k.t:g}s:{k.value:g}" for k in keys)
    return str(v)
