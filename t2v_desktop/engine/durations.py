"""Where and how long, for views: one answer shared by the media bin, the timeline and the CLI.

- ``source_duration``: a file's length as the timeline plays it (its frames on the frame grid),
  not the container's duration (which counts a longer audio track or an edit list's lead-in; the
  bin said 0:05.31 and the timeline 0:05.28 for the same file).
- ``op_output_spans``: where an op's time range lies in its clip's *output*, after every timing op
  at or after it (a cut, a speed change, a reverse), so a view never marks footage that no longer
  exists or that has moved.
- ``output_to_source``: the source time shown at an output time of a clip (thumbnails).

Pure arithmetic on a Renderer's stage chain and its TimeMaps: no decoding.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .stages import OpStage, Stage, grid_frame_count, probe_cached
from .timemap import TimeMap

Interval = Tuple[float, float]


def source_duration(path: str, fps: Optional[Fraction] = None) -> float:
    """Seconds of ``path``'s video on the ``fps`` grid (default: its own rate), as a clip of the
    whole file lasts on the timeline."""
    info = probe_cached(str(path))
    rate = Fraction(fps) if fps else Fraction(info.fps)
    return float(grid_frame_count(str(path), rate) / rate)


def _is_timing(name: str) -> bool:
    from ..ops.registry import OpKind, find_op

    spec = find_op(name)
    return spec is not None and spec.kind is OpKind.TIMING


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5 + 1e-9))


def chain_stages(out: Stage) -> Tuple[Stage, List[OpStage]]:
    """(source stage, enabled op stages in order) of a clip chain."""
    ops: List[OpStage] = []
    st = out
    while isinstance(st, OpStage):
        ops.append(st)
        st = st.prev
    ops.reverse()
    return st, ops


def _merge(spans: Sequence[Interval]) -> List[Interval]:
    out: List[Interval] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1e-9:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def map_forward(tm: TimeMap, spans: Sequence[Interval]) -> List[Interval]:
    """Input frame intervals [a, b) -> the output frame intervals that show them."""
    out: List[Interval] = []
    for fa, fb in spans:
        for p in tm.pieces:
            if p.freeze:
                if fa <= p.hold < fb:
                    out.append((p.out_a, p.out_b))
                continue
            lo, hi = max(fa, p.in_a), min(fb, p.in_b)
            if lo >= hi:
                continue
            k = (p.out_b - p.out_a) / (p.in_b - p.in_a)
            if p.reverse:
                out.append((p.out_a + (p.in_b - hi) * k, p.out_a + (p.in_b - lo) * k))
            else:
                out.append((p.out_a + (lo - p.in_a) * k, p.out_a + (hi - p.in_a) * k))
    return _merge(out)


def op_output_spans(renderer, clip_id: str) -> Dict[str, List[Interval]]:
    """op id -> [(start, end)] seconds from the clip's start in its output, for each op of the
    clip with a time range (disabled ones too: where they would act). An empty list: nothing of
    that range is left (it was cut)."""
    clip = renderer.project.find_clip(clip_id)
    src, stages = chain_stages(renderer.chain(clip_id))
    fps = float(src.fps)
    position = {o.id: i for i, o in enumerate(clip.ops)}
    result: Dict[str, List[Interval]] = {}
    for i, aop in enumerate(clip.ops):
        if aop.range is None:
            continue
        before = [s for s in stages if position.get(s.aop.id, -1) < i]
        n_in = (before[-1] if before else src).frame_count
        a, b = aop.range
        # frames as the stage quantises them: a timing op through its TimeMap (rounded), any
        # other op through OpStage._frame_span (first frame at or after the time)
        q = _round_half_up if _is_timing(aop.op) else (lambda x: math.ceil(x - 1e-6))
        fa = min(max(q(a * fps), 0), n_in)
        fb = min(max(q(b * fps), 0), n_in)
        spans: List[Interval] = [(fa, fb)] if fb > fa else []
        for s in stages:
            tm = getattr(s, "map", None)
            if spans and isinstance(tm, TimeMap) and position.get(s.aop.id, -1) >= i:
                spans = map_forward(tm, spans)
        result[aop.id] = [(x / fps, y / fps) for x, y in spans if y > x]
    return result


def output_to_source(renderer, clip_id: str) -> Callable[[float], float]:
    """t seconds into the clip's output -> the source file's time of the frame shown there."""
    src, stages = chain_stages(renderer.chain(clip_id))
    fps = float(src.fps)
    timed = [s for s in stages if isinstance(getattr(s, "map", None), TimeMap)]
    last = max(0, renderer.chain(clip_id).frame_count - 1)

    def to_source(t: float) -> float:
        j = min(max(int(t * fps + 1e-6), 0), last)
        for s in reversed(timed):
            j = s.map.input_frame(min(j, max(0, s.frame_count - 1)))
        return (getattr(src, "start", 0) + j) / fps

    return to_source
