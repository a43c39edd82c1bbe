"""Splitting a clip: where the cut falls at each level of its op stack, and the two new stacks.

The split point (on the clip's output timeline) is mapped back through every TIMING op to the
source, which gives the halves' in/out points; each op's range is then cut at the split point of
*its* timeline. Position-dependent ops stay on one side: fade-ins with the half holding their
start, fade-outs with the half holding their end, a freeze with the half holding its hold. A
keyframed param's keys move with the right half's timeline, so the animation runs on unbroken. Split
exactly where a hold ends, the left half holds its own last frame (one frame earlier than before).
"""

from __future__ import annotations

import copy
from fractions import Fraction
from typing import List, Optional, Tuple

from ..engine.stages import TimingStage, build_chain, probe_cached
from ..errors import ParamError
from ..keyframes import Keyframes
from .model import AppliedOp, Clip, Project, new_id

_STARTS = ("fade_in", "audio_fade_in")
_ENDS = ("fade_out", "audio_fade_out")


def _input_frame(stage: TimingStage, j: int) -> int:
    """The input frame where output frame ``j`` starts, for a split exactly there."""
    for p in stage.map.pieces:
        if p.out_a == j:
            return p.hold if p.freeze else p.in_a
        if p.out_a < j < p.out_b:
            if p.reverse:
                raise ParamError("Cannot split inside a reversed part of a clip; split it before reversing.")
            if p.freeze:
                raise ParamError("Cannot split inside a freeze frame; split just before or after it.")
            return p.in_a + (j - p.out_a) * (p.in_b - p.in_a) // (p.out_b - p.out_a)
    return stage.prev.frame_count


def _split_op(op: AppliedOp, s: float, hold_left: Optional[bool] = None
              ) -> Tuple[Optional[AppliedOp], Optional[AppliedOp]]:
    """The op as it applies to the left half [0, s) and to the right half (shifted by -s).
    ``hold_left``: for a freeze, whether its hold ends up in the left half."""
    left, right = copy.deepcopy(op), copy.deepcopy(op)
    right.id = new_id()
    right.params = {k: v.shifted(-s) if isinstance(v, Keyframes) else v for k, v in right.params.items()}
    name = op.op
    if op.range is None:
        if name in _STARTS:
            return left, None
        if name in _ENDS:
            return None, right
        if name == "freeze":
            at = float(op.params.get("at", 0.0))
            if hold_left if hold_left is not None else at < s:
                return left, None
            right.params = {**op.params, "at": at - s}
            return None, right
        return left, right
    a, b = op.range
    if name == "freeze" and hold_left is not None:
        keep_left = hold_left
    elif name in _STARTS or name == "freeze":
        keep_left = a < s
    elif name in _ENDS:
        keep_left = b <= s
    else:
        keep_left = None
    lo = (a, min(b, s)) if a < s else None
    ro = (max(a, s) - s, b - s) if b > s else None
    if keep_left is True:
        ro = None
    elif keep_left is False:
        lo = None
    left.range, right.range = lo, ro
    return (left if lo else None), (right if ro else None)


def split_clip(project: Project, clip_id: str, t: float) -> Tuple[Clip, Clip]:
    """Two clips replacing ``clip_id`` split at ``t`` seconds of its output. The left keeps the
    clip's id (and its ops' ids); the right gets new ones."""
    clip = project.find_clip(clip_id)
    fps = Fraction(project.fps) if project.fps else Fraction(probe_cached(project.main_track.clips[0].path).fps)
    out, inputs = build_chain(clip, fps, project.sample_rate, project.channels)
    try:
        j = int(round(t * fps))
        if not 0 < j < out.frame_count:
            raise ParamError(f"Split at {t:g}s is not inside the clip (0 to {out.duration:g}s).")
        levels: List[int] = [0] * len(clip.ops)  # split frame on each op's input timeline
        hold_left: List[Optional[bool]] = [None] * len(clip.ops)
        for k in range(len(clip.ops) - 1, -1, -1):
            stage_out = inputs[k + 1] if k + 1 < len(inputs) else out
            if clip.ops[k].enabled and isinstance(stage_out, TimingStage) and stage_out.prev is inputs[k]:
                holds = [p for p in stage_out.map.pieces if p.freeze]
                if holds:
                    hold_left[k] = j >= holds[0].out_b
                j = _input_frame(stage_out, j)
            levels[k] = j
        src_split = j
    finally:
        out.close()
    left, right = copy.deepcopy(clip), copy.deepcopy(clip)
    right.id = new_id()
    cut = clip.in_point + float(src_split / fps)
    left.out_point, right.in_point = cut, cut
    left.ops, right.ops = [], []
    for op, s_frames, hint in zip(clip.ops, levels, hold_left, strict=True):
        lo, ro = _split_op(op, float(s_frames / fps), hint)
        if lo is not None:
            left.ops.append(lo)
        if ro is not None:
            right.ops.append(ro)
    if clip.name:
        right.name = clip.name
    return left, right
