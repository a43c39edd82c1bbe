"""TIMING ops: trim, cut, speed, reverse, freeze.

Each returns the list of Segments that maps its input timeline to its output timeline; the
render engine (engine/stages.py) turns them into frame and sample-exact audio maps, so these
functions stay pure arithmetic and can be tested without media.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from ..errors import ParamError
from .params import Float
from .registry import OpKind, Segment, operation

Range = Optional[Tuple[float, float]]


def _need_range(name: str, rng: Range, duration: float) -> Tuple[float, float]:
    if rng is None:
        raise ParamError(f"'{name}' needs a time range, e.g. '{name} 0:02 to 0:05'.")
    a, b = rng
    if not (0 <= a < b):
        raise ParamError(f"'{name}': the range must start before it ends (got {a:g}s to {b:g}s).")
    if a >= duration:
        raise ParamError(f"'{name}': the range starts at {a:g}s, after the clip ends ({duration:g}s).")
    return a, min(b, duration)


def _pieces(segs: List[Segment]) -> List[Segment]:
    """Drop empty pieces (a range touching the clip's start or end)."""
    return [s for s in segs if s.out_duration > 1e-9]


@operation("trim", kind=OpKind.TIMING, params={}, category="timing", requires_range=True,
           description="Keep only the given time range.",
           examples=("trim to 0:05-0:12", "keep 5s to 12s"))
def trim(duration: float, rng: Range, /) -> List[Segment]:
    a, b = _need_range("trim", rng, duration)
    return [Segment(a, b, b - a)]


@operation("cut", kind=OpKind.TIMING, params={}, category="timing", requires_range=True,
           description="Remove the given time range (the rest closes the gap).",
           synonyms=("cut out",), examples=("cut 0:03 to 0:05", "trim the first 3 seconds"))
def cut(duration: float, rng: Range, /) -> List[Segment]:
    a, b = _need_range("cut", rng, duration)
    if a <= 0 and b >= duration:
        raise ParamError("'cut' would remove the whole clip; remove the clip instead.")
    return _pieces([Segment(0.0, a, a), Segment(b, duration, duration - b)])


@operation("speed", kind=OpKind.TIMING, category="timing",
           params={"factor": Float(min=0.25, max=4.0, default=2.0, unit="x", small=1.25, large=2.0,
                                   description="Playback speed; below 1 is slow motion.")},
           description="Play faster or slower (sound keeps its pitch).",
           synonyms=("speed up", "slow down", "slow motion", "playback speed"),
           examples=("speed up 2x", "slow motion from 0:02 to 0:04"))
def speed(duration: float, rng: Range, /, factor: float = 2.0) -> List[Segment]:
    if rng is None:
        return [Segment(0.0, duration, duration / factor)]
    a, b = _need_range("speed", rng, duration)
    return _pieces([Segment(0.0, a, a), Segment(a, b, (b - a) / factor), Segment(b, duration, duration - b)])


@operation("reverse", kind=OpKind.TIMING, params={}, category="timing",
           description="Play backwards (sound too).",
           synonyms=("backwards", "play backwards"), examples=("reverse", "play it backwards"))
def reverse(duration: float, rng: Range, /) -> List[Segment]:
    if rng is None:
        return [Segment(0.0, duration, duration, reverse=True)]
    a, b = _need_range("reverse", rng, duration)
    return _pieces([Segment(0.0, a, a), Segment(a, b, b - a, reverse=True), Segment(b, duration, duration - b)])


@operation("freeze", kind=OpKind.TIMING, category="timing",
           params={"at": Float(min=0.0, max=86400.0, default=0.0, unit="s",
                               description="Time of the frame to hold."),
                   "duration": Float(min=0.1, max=60.0, default=2.0, unit="s",
                                     description="How long to hold it.")},
           description="Hold one frame (with silence): inserted at 'at', or over a given range.",
           synonyms=("freeze frame", "hold frame"), examples=("freeze at 0:03 for 2 seconds",))
def freeze(total: float, rng: Range, /, at: float = 0.0, duration: float = 2.0) -> List[Segment]:
    """Without a range, inserts a ``duration`` hold of the frame at ``at`` (clip gets longer; at the
    clip's end it holds the last frame).
    With a range, the range shows its first frame held (clip length unchanged)."""
    if rng is not None:
        a, b = _need_range("freeze", rng, total)
        return _pieces([Segment(0.0, a, a), Segment(a, a, b - a), Segment(b, total, total - b)])
    if at > total + 1e-9:  # at == total holds the last frame at the end
        raise ParamError(f"'freeze' at {at:g}s is past the end of the clip ({total:g}s).")
    return _pieces([Segment(0.0, at, at), Segment(at, at, duration), Segment(at, total, total - at)])
