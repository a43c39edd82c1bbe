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
        A range that needs the clip's duration and has none prints as negative seconds when counted
        from the end (-2 = two seconds before the end) or as a percentage string ("50%")."""
        rng = None
        if self.range is not None:
            rng = [_point_json(self.range.start, duration),
                   None if self.range.end is None else _point_json(self.range.end, duration)]
            if rng[1] is None and duration is not None:
                rng[1] = duration
        if self.action == "apply":
            op, params = self.op, dict(self.params)
        elif self.action == "remove":
            op, params = "remove", {"op": self.op}
        else:
            op, params = self.action, {}
        return {"op": op, "params": params, "range": rng, "route": self.route}


def _point_json(ref: TimeRef, duration: Optional[float]):
    value = ref.resolve(duration)
    if value is not None:
        return value
    if ref.anchor == "end":
        return -ref.value
    return f"{ref.value * 100:g}%"


@dataclass
class Plan:
    steps: List[Step]
    #: "selection" (the selected clip) or "timeline" (every clip).
    target: str = "selection"
    text: str = ""

    @property
    def route(self) -> str:
        routes = {s.route for s in self.steps}
        if len(routes) == 1:
            return routes.pop()
        return MIXED if routes else CLASSIC

    def to_json(self, duration: Optional[float] = None) -> dict:
        return {"route": self.route, "steps": [s.to_json(duration) for s in self.steps]}

    def explain(self) -> str:
        """One line per step, for the command bar and the CLI."""
        lines = []
        for i, s in enumerate(self.steps, 1):
            where = ""
            if s.range is not None:
                a, b = s.range.resolve(None)
                where = f" from {_fmt(a)} to {_fmt(b)}" if a is not None else " (relative range)"
            params = ", ".join(f"{k}={v}" for k, v in s.params.items())
            lines.append(f"{i}. [{s.route}] {s.op}({params}){where}" + (f" — {s.reason}" if s.reason else ""))
        return "\n".join(lines)


def _fmt(t: Optional[float]) -> str:
    if t is None:
        return "end"
    m, s = divmod(t, 60)
    return f"{int(m)}:{s:05.2f}"
