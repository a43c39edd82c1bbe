"""Keyframes as a value type: any numeric op parameter or transform field is a number or a
``Keyframes`` list of (time, value, interpolation) points.

Times are seconds on the timeline of what holds the value: a clip's transform and volume count from
the clip's first frame on its track; an op parameter counts on the op's own clip timeline (after the
timing ops above it), like the op's ``range``. Before the first key the first value holds, after the
last the last. ``interp`` says how the value leaves a key for the next one: ``linear``, ``ease``
(smooth in and out), ``ease_in``, ``ease_out`` or ``hold`` (a step). Stored as
``{"keyframes": [[t, value, interp], ...]}``; a hand-edited file with keys out of order or two keys
at one time is a ProjectError (never sorted silently).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Any, Iterable, List, Tuple, Union

from .errors import ProjectError

INTERPOLATIONS = ("linear", "ease", "ease_in", "ease_out", "hold")
MAX_KEYS = 1000


def _ease(interp: str, u: float) -> float:
    if interp == "linear":
        return u
    if interp == "hold":
        return 0.0
    if interp == "ease_in":
        return u * u
    if interp == "ease_out":
        return 1.0 - (1.0 - u) * (1.0 - u)
    return u * u * (3.0 - 2.0 * u)  # ease: smoothstep, zero slope at both keys


@dataclass(frozen=True)
class Key:
    t: float
    value: float
    interp: str = "linear"


@dataclass(frozen=True)
class Keyframes:
    """An animated number: keys strictly increasing in time (checked on construction)."""

    keys: Tuple[Key, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise ProjectError("A keyframe list needs at least one key.")
        if len(self.keys) > MAX_KEYS:
            raise ProjectError(f"A keyframe list has {len(self.keys)} keys; at most {MAX_KEYS} are supported.")
        for k in self.keys:
            if not (math.isfinite(k.t) and math.isfinite(k.value)):
                raise ProjectError(f"A keyframe's time and value must be finite numbers, got ({k.t}, {k.value}).")
            if k.interp not in INTERPOLATIONS:
                raise ProjectError(f"Unknown keyframe interpolation '{str(k.interp)[:40]}' "
                                   f"(use {', '.join(INTERPOLATIONS)}).")
        for a, b in zip(self.keys, self.keys[1:], strict=False):
            if not b.t > a.t:
                raise ProjectError(f"Keyframes must be in time order with no two at one time: "
                                   f"{a.t:g}s is followed by {b.t:g}s.")
        object.__setattr__(self, "_times", [k.t for k in self.keys])

    @classmethod
    def of(cls, points: Iterable[Tuple]) -> "Keyframes":
        """``Keyframes.of([(0, 1.0), (3, 1.3, "ease")])``."""
        return cls(tuple(Key(float(p[0]), float(p[1]), *(p[2:3] or ("linear",))) for p in points))

    def at(self, t: float) -> float:
        keys = self.keys
        j = bisect.bisect_right(self._times, t)  # type: ignore[attr-defined]
        if j == 0:
            return keys[0].value
        if j >= len(keys):
            return keys[-1].value
        a, b = keys[j - 1], keys[j]
        u = (t - a.t) / (b.t - a.t)
        return a.value + (b.value - a.value) * _ease(a.interp, u)

    def sample(self, times) -> "Any":
        """Values at an array of times (numpy), e.g. a volume envelope per audio sample."""
        import numpy as np

        times = np.asarray(times, dtype=np.float64)
        kt = np.array(self._times)  # type: ignore[attr-defined]
        kv = np.array([k.value for k in self.keys])
        j = np.clip(np.searchsorted(kt, times, side="right"), 1, len(kt) - 1) if len(kt) > 1 else None
        if j is None:
            return np.full(times.shape, kv[0])
        t0, t1, v0, v1 = kt[j - 1], kt[j], kv[j - 1], kv[j]
        u = np.clip((times - t0) / (t1 - t0), 0.0, 1.0)
        out = np.empty_like(u)
        codes = np.array([INTERPOLATIONS.index(k.interp) for k in self.keys])[j - 1]
        for c in np.unique(codes):
            m = codes == c
            out[m] = v0[m] + (v1[m] - v0[m]) * _ease_array(INTERPOLATIONS[int(c)], u[m])
        out[times <= kt[0]] = kv[0]
        out[times >= kt[-1]] = kv[-1]
        return out

    @property
    def animated(self) -> bool:
        return len({k.value for k in self.keys}) > 1

    def to_json(self) -> dict:
        return {"keyframes": [[k.t, k.value, k.interp] for k in self.keys]}

    def shifted(self, dt: float) -> "Keyframes":
        """The same animation ``dt`` seconds later (negative: earlier), e.g. for a split's right half."""
        return Keyframes(tuple(Key(k.t + dt, k.value, k.interp) for k in self.keys))


def _ease_array(interp: str, u):
    if interp == "linear":
        return u
    if interp == "hold":
        return u * 0.0
    if interp == "ease_in":
        return u * u
    if interp == "ease_out":
        return 1.0 - (1.0 - u) * (1.0 - u)
    return u * u * (3.0 - 2.0 * u)


Value = Union[float, int, Keyframes]


def value_at(v: Value, t: float) -> float:
    """A plain number at time ``t`` for a number or a Keyframes."""
    return v.at(t) if isinstance(v, Keyframes) else v


def is_keyframes_json(d: Any) -> bool:
    return isinstance(d, dict) and set(d) == {"keyframes"}


def from_json(d: Any, what: str) -> Keyframes:
    """``{"keyframes": [[t, v, interp?], ...]}`` -> Keyframes, or a ProjectError naming ``what``."""
    pts = d.get("keyframes") if isinstance(d, dict) else None
    if not isinstance(pts, list) or not pts:
        raise ProjectError(f"Invalid project: {what} keyframes must be a list of [time, value, interpolation].")
    if len(pts) > MAX_KEYS:
        raise ProjectError(f"Invalid project: {what} has {len(pts)} keyframes; at most {MAX_KEYS} are supported.")
    keys: List[Key] = []
    for p in pts:
        ok = (isinstance(p, list) and len(p) in (2, 3)
              and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in p[:2])
              and (len(p) == 2 or isinstance(p[2], str)))
        if not ok:
            raise ProjectError(f"Invalid project: {what} keyframe {str(p)[:60]} must be [time, value, interpolation].")
        keys.append(Key(float(p[0]), float(p[1]), p[2] if len(p) == 3 else "linear"))
    try:
        return Keyframes(tuple(keys))
    except ProjectError as e:
        raise ProjectError(f"Invalid project: {what}: {str(e)[0].lower()}{str(e)[1:]}") from None


def value_to_json(v: Value) -> Any:
    return v.to_json() if isinstance(v, Keyframes) else v
