"""TimelineLayout: where every item of every track sits, in frames, from timing maps alone.

It answers every "where and how long" question (the parser's context, command targets, split and
trim, the GUI's spans) without decoding a frame or building a Renderer. A clip's length is its
source span on the project's frame grid after its timing ops (engine/timemap.py), computed once per
clip content and cached; a Gap is its duration on the grid; a Transition makes its two neighbours
overlap by its duration (model.py), so it pulls everything after it earlier by that many frames.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction
from typing import Dict, List, Optional, Tuple, Union

from ..errors import ParamError, ProjectError
from ..project.model import Clip, Gap, Item, Project, Track, Transition
from .cache import LRU, content_key, source_identity
from .stages import build_chain, probe_cached
from .timemap import _round, frames_to_samples

DEFAULT_FPS = Fraction(30)
_TIMINGS = LRU(8192)


@dataclass(frozen=True)
class ItemSpan:
    """An item's frames [start, end) on the timeline; a Transition's span is the overlap."""

    item: Item
    index: int  # position in track.items
    start: int
    end: int

    @property
    def frames(self) -> int:
        return self.end - self.start


def project_fps(project: Project) -> Fraction:
    """The project's rate, else its first media file's (main track first), else 30 fps."""
    if project.fps:
        return Fraction(project.fps)
    clips = list(project.main_track.clips) + [c for t in project.tracks for c in t.clips]
    for c in clips:
        if c.source.type == "file":
            info = probe_cached(c.path)
            if info.has_video:
                return Fraction(info.fps)
    return DEFAULT_FPS


def clip_timing(clip: Clip, fps: Fraction, sample_rate: int) -> Tuple[int, Tuple[int, ...]]:
    """(frames after the whole stack, frames at the input of each op) of ``clip`` on the grid.

    Builds the clip's stage chain (probes and timing maps only; nothing is decoded) once per clip
    content: the same cut in two projects, or a project rebuilt after an edit elsewhere, is free."""
    ident = source_identity(clip.path) if clip.path else None
    ops = [o.to_json() for o in clip.ops]
    for o in ops:
        o.pop("id", None)
    key = content_key("timing", clip.source.to_json(), ident, clip.in_point, clip.out_point, ops, fps, sample_rate)
    hit = _TIMINGS.get(key)
    if hit is None:
        out, inputs = build_chain(clip, fps, sample_rate, 2)
        try:
            hit = (out.frame_count, tuple(s.frame_count for s in inputs))
        finally:
            out.close()
        _TIMINGS.put(key, hit)
    return hit


class TimelineLayout:
    """Frame spans of every item of ``project`` (read-only: build a new one after an edit)."""

    def __init__(self, project: Project, fps: Optional[Fraction] = None):
        self.project = project
        self.fps = Fraction(fps) if fps else project_fps(project)
        self.sample_rate = int(project.sample_rate)
        self._spans: Dict[str, List[ItemSpan]] = {}
        self._clips: Dict[str, Tuple[Track, ItemSpan]] = {}
        self._timing: Dict[str, Tuple[int, Tuple[int, ...]]] = {}
        for track in project.tracks:
            spans = self._lay_out(track)
            self._spans[track.id] = spans
            for s in spans:
                if isinstance(s.item, Clip):
                    self._clips[s.item.id] = (track, s)
        ends = [spans[-1].end for spans in self._spans.values() if spans]
        self.frame_count = max(ends, default=0)

    # -- building ----------------------------------------------------------------------------
    def _lay_out(self, track: Track) -> List[ItemSpan]:
        spans: List[ItemSpan] = []
        pos = 0
        items = track.items
        for k, it in enumerate(items):
            if isinstance(it, Clip):
                timing = clip_timing(it, self.fps, self.sample_rate)
                self._timing[it.id] = timing
                spans.append(ItemSpan(it, k, pos, pos + timing[0]))
                pos += timing[0]
            elif isinstance(it, Gap):
                n = max(1, _round(it.duration * self.fps))
                spans.append(ItemSpan(it, k, pos, pos + n))
                pos += n
            elif isinstance(it, Transition):
                n = max(1, _round(it.duration * self.fps))
                spans.append(ItemSpan(it, k, pos - n, pos))
                pos -= n
            else:  # pragma: no cover - the loader admits only these
                raise ProjectError(f"Unknown item {type(it).__name__} on a track.")
        self._check_transitions(track, spans)
        return spans

    def _check_transitions(self, track: Track, spans: List[ItemSpan]) -> None:
        for k, s in enumerate(spans):
            if not isinstance(s.item, Transition):
                continue
            if not (0 < k < len(spans) - 1 and isinstance(spans[k - 1].item, Clip)
                    and isinstance(spans[k + 1].item, Clip)):
                raise ProjectError(f"A {s.item.kind} transition must sit between two clips.")
            left, right = spans[k - 1], spans[k + 1]
            left_in = spans[k - 2].end if k >= 2 and isinstance(spans[k - 2].item, Transition) else left.start
            right_out = spans[k + 2].start if k + 2 < len(spans) and isinstance(spans[k + 2].item, Transition) \
                else right.end
            if s.start < left_in or s.end > right_out:
                f = float(self.fps)
                raise ParamError(
                    f"The {s.item.duration:g} s {s.item.kind.replace('_', ' ')} is longer than its clips allow: "
                    f"'{left.item.label[:30]}' has {(left.end - left_in) / f:.2f} s and "
                    f"'{right.item.label[:30]}' {(right_out - right.start) / f:.2f} s free for it. Make it shorter.")

    # -- questions ---------------------------------------------------------------------------
    @property
    def duration(self) -> float:
        return float(self.frame_count / self.fps)

    def seconds(self, frames: int) -> float:
        return float(frames / self.fps)

    def samples(self, frames: int) -> int:
        return frames_to_samples(frames, self.fps, self.sample_rate)

    def spans(self, track: Union[Track, str]) -> List[ItemSpan]:
        tid = track if isinstance(track, str) else track.id
        try:
            return self._spans[tid]
        except KeyError:
            raise ProjectError(f"No track with id {tid}.") from None

    def track_end(self, track: Union[Track, str]) -> float:
        spans = self.spans(track)
        return self.seconds(spans[-1].end) if spans else 0.0

    def clip_span(self, clip_id: str) -> Tuple[float, float]:
        """(start, end) seconds of a clip on the timeline (its whole length, overlaps included)."""
        s = self._clip(clip_id)[1]
        return self.seconds(s.start), self.seconds(s.end)

    def clip_frames(self, clip_id: str) -> Tuple[int, int]:
        s = self._clip(clip_id)[1]
        return s.start, s.end

    def track_of(self, clip_id: str) -> Track:
        return self._clip(clip_id)[0]

    def clip_duration(self, clip_id: str, upto_op: Optional[int] = None) -> float:
        """A clip's duration after its ops[:upto_op] (all when None): what a range on op
        ``upto_op`` is measured against."""
        self._clip(clip_id)
        total, inputs = self._timing[clip_id]
        if upto_op is None or upto_op >= len(inputs):
            return self.seconds(total)
        return self.seconds(inputs[upto_op])

    def clip_spans(self, track: Optional[Track] = None) -> List[Tuple[str, float, float]]:
        """(clip_id, start, end) seconds of each clip of ``track`` (the main track by default)."""
        track = track or self.project.main_track
        return [(s.item.id, self.seconds(s.start), self.seconds(s.end)) for s in self.spans(track)
                if isinstance(s.item, Clip)]

    def item_at(self, track: Union[Track, str], t: float) -> Optional[ItemSpan]:
        """The item under timeline second ``t`` on a track (a Transition where two clips overlap,
        None in a gap or past the end)."""
        i = int(t * self.fps + 1e-6)
        return self.item_at_frame(track, i)

    def item_at_frame(self, track: Union[Track, str], i: int) -> Optional[ItemSpan]:
        spans = self.spans(track)
        starts = [s.start for s in spans]
        k = bisect.bisect_right(starts, i) - 1
        # a transition starts inside its left clip: prefer it where both cover i
        for j in (k + 1, k, k - 1):
            if 0 <= j < len(spans) and isinstance(spans[j].item, Transition) and spans[j].start <= i < spans[j].end:
                return spans[j]
        while k >= 0:
            s = spans[k]
            if s.start <= i < s.end and not isinstance(s.item, Gap):
                return s
            if s.start <= i < s.end:
                return None
            k -= 1
            if k >= 0 and spans[k].end <= i:
                break
        return None

    def _clip(self, clip_id: str) -> Tuple[Track, ItemSpan]:
        try:
            return self._clips[clip_id]
        except KeyError:
            raise ProjectError(f"No clip with id {clip_id}.") from None
