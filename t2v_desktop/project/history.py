"""Undoable edits: every change to a Project is an EditCommand with do/undo and a readable label.

Commands refer to clips and ops by id (never by object), remember exactly what they replaced,
and create any new ids once, so undo/redo restore the exact project JSON. The GUI wraps them in
QUndoCommands (gui/undo.py); the CLI pushes them on a plain History.

The main track is edited with ripple (add, remove, move in sequence); placed tracks (upper video
tracks, audio tracks) take clips at a time (PlaceClip) and keep everything else in place when one
is removed. Lengths come from engine.layout.TimelineLayout (timing maps, no decoding). A locked
track refuses every command that changes its items; values are checked against the same bounds
as loading a file, as one-line ParamErrors.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from fractions import Fraction
from typing import Any, Callable, List, Optional, Tuple

from .. import keyframes as kf
from ..errors import ParamError, ProjectError
from . import events as ev
from .checks import MAX_CLIPS, MAX_TRACKS, is_number, number, short
from .events import ModelEvents
from .model import (
    MAX_OPS_PER_CLIP,
    MAX_SECONDS,
    TRANSITION_KINDS,
    AppliedOp,
    Clip,
    Cue,
    Ducking,
    Gap,
    Marker,
    MediaSource,
    Project,
    SubtitleTrack,
    TitleStyle,
    Track,
    Transform,
    Transition,
    new_id,
)


class EditCommand:
    """One undoable change. ``do`` must leave the project unchanged when it raises."""

    label: str = "Edit"

    def do(self, project: Project) -> None:
        raise NotImplementedError

    def undo(self, project: Project) -> None:
        raise NotImplementedError

    def events(self) -> tuple:
        """What doing or undoing it changes (project/events.py), so views update only that; a
        command that does not say gets ProjectChanged (every view rebuilt: always right)."""
        return (ev.ProjectChanged(),)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label!r}>"


# -- lookups -----------------------------------------------------------------------------------

def _locate_clip(project: Project, clip_id: str) -> Tuple[Track, int]:
    """The clip's track and its position in ``track.items``."""
    for t in project.tracks:
        for i, c in enumerate(t.items):
            if c.id == clip_id and isinstance(c, Clip):
                return t, i
    raise ProjectError(f"No clip with id {clip_id}.")


def _main(project: Project) -> Optional[Track]:
    """The main (bottom video) track, or None; unlike ``project.main_track`` it never adds one."""
    return next((t for t in project.tracks if t.kind == "video"), None)


def track_label(project: Project, track: Track) -> str:
    """A track's name, else "video track 2" (its number among the tracks of its kind)."""
    if track.name:
        return track.name[:40]
    same = [t for t in project.tracks if t.kind == track.kind]
    return f"{track.kind} track {same.index(track) + 1}" if track in same else track.kind + " track"


def _find_track(project: Project, track_id: str) -> Track:
    for t in project.tracks:
        if t.id == track_id:
            return t
    names = ", ".join(f"'{track_label(project, t)}' ({t.id})" for t in project.tracks[:12])
    raise ProjectError(f"No track with id {short(track_id, 40)}; the tracks are {names or 'none'}.")


def _unlocked(project: Project, track: Track) -> Track:
    """``track``, or the ParamError every command that changes a locked track's items raises."""
    if track.locked:
        raise ParamError(f"Track '{track_label(project, track)}' is locked; unlock it first.")
    return track


def _editable_clip(project: Project, clip_id: str) -> Clip:
    """The clip ``clip_id``, refused when its track is locked."""
    track, i = _locate_clip(project, clip_id)
    _unlocked(project, track)
    return track.items[i]


def _valid(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args)`` with the model's "Invalid project: ..." ProjectError turned into a ParamError: the
    same bounds as loading a file, told as a mistake in the edit."""
    try:
        return fn(*args, **kwargs)
    except ProjectError as e:
        msg = str(e).removeprefix("Invalid project: ")
        raise ParamError(msg[:1].upper() + msg[1:]) from None


def _layout(project: Project, track: Track):
    """The TimelineLayout of ``track`` alone (on the project's frame grid): a command's cost stays
    with the track it edits, however many items the others hold."""
    from ..engine.layout import TimelineLayout, project_fps

    shell = Project(tracks=[track], fps=project_fps(project), sample_rate=project.sample_rate,
                    channels=project.channels)
    return TimelineLayout(shell, fps=shell.fps)


def _round(x: Any) -> int:
    from ..engine.timemap import _round

    return _round(x)


def _frames(seconds: float, fps: Fraction) -> int:
    """A transition's or gap's length on the frame grid, rounded as TimelineLayout does."""
    return max(1, _round(seconds * fps))


def _seconds(frames: int, fps: Fraction) -> float:
    return float(Fraction(frames) / fps)


def _item_position(track: Track, clip_index: int) -> int:
    """Where in ``track.items`` the clip number ``clip_index`` sits (the end for len(clips))."""
    k = 0
    for i, it in enumerate(track.items):
        if isinstance(it, Clip):
            if k == clip_index:
                return i
            k += 1
    return len(track.items)


def _drop_transitions_at(items: list, i: int) -> list:
    """``items`` without the clip at ``i`` and the transitions joining it to its neighbours."""
    lo, hi = i, i + 1
    if lo > 0 and isinstance(items[lo - 1], Transition):
        lo -= 1
    if hi < len(items) and isinstance(items[hi], Transition):
        hi += 1
    return items[:lo] + items[hi:]


def _locate_op(clip: Clip, op_id: str) -> int:
    for i, o in enumerate(clip.ops):
        if o.id == op_id:
            return i
    raise ProjectError(f"Clip '{clip.name or clip.id}' has no operation with id {op_id}.")


def _op_label(name: str) -> str:
    return name.replace("_", " ")


def _validated(aop: AppliedOp) -> AppliedOp:
    """A copy with the op's canonical name, params validated and defaults filled; range checked."""
    from ..ops.registry import get_op

    spec = get_op(aop.op)
    params = spec.validate(aop.params)
    check_range(spec, aop.range)
    return AppliedOp(op=spec.name, params=params, range=aop.range, enabled=aop.enabled, id=aop.id)


def check_range(spec, rng) -> None:
    if rng is None:
        if spec.requires_range:
            raise ParamError(f"'{spec.name}' needs a time range, e.g. '{spec.name} 0:02 to 0:05'.")
        return
    if not spec.rangeable:
        raise ParamError(f"'{spec.name}' applies to the whole clip and cannot take a time range.")
    a, b = rng
    if not (0 <= a < b <= MAX_SECONDS):  # also false for nan
        raise ParamError(f"A time range must start at 0 s or later and end after it starts, within "
                         f"{MAX_SECONDS / 3600:g} hours (got {a:g}s to {b:g}s).")


# -- clips -------------------------------------------------------------------------------------

class AddClip(EditCommand):
    """Insert a clip before clip number ``index`` of a track (at the end when None)."""

    def __init__(self, clip: Clip, *, index: Optional[int] = None, track: int = 0):
        self.clip, self.index, self.track = copy.deepcopy(clip), index, track
        self.label = f"Add clip {clip.name or ''}".strip()
        self._track_ids: List[str] = []  # ids of tracks it adds up to ``track``: made once, so redo is exact

    def events(self) -> tuple:
        return (ev.ClipsChanged(frozenset(), ev.ids(self.clip.id)),)

    def do(self, project: Project) -> None:
        if not 0 <= self.track < MAX_TRACKS:
            raise ProjectError(f"There is no track {self.track}; a project holds up to {MAX_TRACKS} tracks.")
        if any(c.id == self.clip.id for c in project.all_clips()):
            raise ProjectError(f"A clip with id {self.clip.id} is already in the project.")
        track = project.tracks[self.track] if self.track < len(project.tracks) else None
        items = track.items if track is not None else []
        n = sum(isinstance(i, Clip) for i in items)
        idx = n if self.index is None else self.index
        if not 0 <= idx <= n:
            raise ProjectError(f"Cannot insert a clip at position {idx}; the track has {n} clips.")
        if track is not None:
            _unlocked(project, track)
            if track.kind == "audio" and not isinstance(self.clip.source, MediaSource):
                raise ParamError(f"Track '{track_label(project, track)}' holds sound files, not a "
                                 f"{self.clip.source.type} clip.")
        self._added = 0
        while len(project.tracks) <= self.track:
            k = self._added
            if k == len(self._track_ids):
                self._track_ids.append(new_id())
            project.tracks.append(Track(id=self._track_ids[k]))
            self._added += 1
        track = project.tracks[self.track]
        pos = _item_position(track, idx)
        if 0 < pos < len(track.items) and isinstance(track.items[pos - 1], Transition):
            pos -= 2  # never between a transition and its right clip: before the pair
        track.items.insert(pos, copy.deepcopy(self.clip))
        self._at = idx

    def undo(self, project: Project) -> None:
        track, i = _locate_clip(project, self.clip.id)
        del track.items[i]
        if self._added:
            del project.tracks[-self._added:]


class RemoveClip(EditCommand):
    """Remove a clip and any transition joining it.

    On the main track the following items close up (ripple). On a placed track (an upper video
    track or an audio track) everything else keeps its time: the clip leaves a Gap as long as the
    time it alone covered (its length minus the overlaps of the transitions removed with it), merged
    with the gaps either side; gaps left at the end of the track are dropped."""

    def __init__(self, clip_id: str, *, lift: bool = False):
        self.clip_id, self.lift = clip_id, bool(lift)  # lift: leave a gap on the main track too
        self.label = "Remove clip"
        self._gap_id = new_id()

    def events(self) -> tuple:
        return (ev.ClipsChanged(frozenset(), ev.ids(self.clip_id)),)

    def do(self, project: Project) -> None:
        track, i = _locate_clip(project, self.clip_id)
        _unlocked(project, track)
        name = track.items[i].name
        items = _drop_transitions_at(track.items, i) if track is _main(project) and not self.lift \
            else self._leave_gap(project, track, i)
        self._saved = (track.id, list(track.items))
        track.items[:] = items
        self.label = f"Remove clip {name}".strip()

    def _leave_gap(self, project: Project, track: Track, i: int) -> list:
        lay = _layout(project, track)
        spans, items = lay.spans(track), track.items
        lo, hi = i, i + 1
        if lo > 0 and isinstance(items[lo - 1], Transition):
            lo -= 1
        if hi < len(items) and isinstance(items[hi], Transition):
            hi += 1
        if hi == len(items):  # nothing after it: no gap, and none left dangling at the end
            out = items[:lo]
            while out and isinstance(out[-1], Gap):
                out.pop()
            return out
        start = spans[lo - 1].end if lo > 0 else 0
        frames = spans[hi].start - start
        gap_id = self._gap_id
        if lo > 0 and isinstance(items[lo - 1], Gap):
            lo -= 1
            frames += spans[lo].frames
            gap_id = items[lo].id
        if isinstance(items[hi], Gap):
            frames += spans[hi].frames
            hi += 1
        gap = [Gap(_seconds(frames, lay.fps), id=gap_id)] if frames > 0 else []
        out = items[:lo] + gap + items[hi:]
        while out and isinstance(out[-1], Gap):
            out.pop()
        return out

    def undo(self, project: Project) -> None:
        track_id, items = self._saved
        project.find_track(track_id).items[:] = items


class MoveClip(EditCommand):
    """Move a clip to clip position ``index`` of its track (transitions joining it are dropped)."""

    def __init__(self, clip_id: str, index: int):
        self.clip_id, self.index = clip_id, index
        self.label = "Move clip"

    def events(self) -> tuple:
        return (ev.ClipsChanged(frozenset(), ev.ids(self.clip_id)),)

    def do(self, project: Project) -> None:
        track, i = _locate_clip(project, self.clip_id)
        _unlocked(project, track)
        n = len(track.clips)
        if not 0 <= self.index < n:
            raise ProjectError(f"Cannot move a clip to position {self.index}; the track has {n}.")
        self._saved = (track.id, list(track.items))
        clip = track.items[i]
        track.items[:] = _drop_transitions_at(track.items, i)
        pos = _item_position(track, self.index)
        if 0 < pos < len(track.items) and isinstance(track.items[pos - 1], Transition):
            pos -= 2
        track.items.insert(pos, clip)

    def undo(self, project: Project) -> None:
        track_id, items = self._saved
        project.find_track(track_id).items[:] = items


class TrimClip(EditCommand):
    """Set a clip's in/out points (seconds of its source; out None = to the end)."""

    def __init__(self, clip_id: str, in_point: float, out_point: Optional[float]):
        self.clip_id, self.in_point, self.out_point = clip_id, float(in_point), out_point
        self.label = "Trim clip"

    def events(self) -> tuple:
        return (ev.ClipsChanged(frozenset(), ev.ids(self.clip_id)),)

    def do(self, project: Project) -> None:
        from ..engine.stages import probe_cached

        clip = _editable_clip(project, self.clip_id)
        src_dur = probe_cached(clip.path).duration if not clip.source.still else MAX_SECONDS
        if not math.isfinite(self.in_point) or (self.out_point is not None and not math.isfinite(self.out_point)):
            raise ParamError("The in and out points must be numbers of seconds.")
        if self.in_point < 0:
            raise ParamError(f"The in point must be 0 s or later, got {self.in_point:g}s.")
        if self.in_point >= src_dur:
            raise ParamError(f"The in point {self.in_point:g}s is past the end of the source ({src_dur:g}s).")
        if self.out_point is not None:
            if self.out_point <= self.in_point:
                raise ParamError(f"The out point must be after the in point ({self.in_point:g}s).")
            if self.out_point > src_dur + 1e-3:
                raise ParamError(f"The out point {self.out_point:g}s is past the end of the source ({src_dur:g}s).")
        elif clip.source.still:
            raise ParamError(f"A {clip.source.type} clip needs an out point (its length in seconds).")
        self._old = (clip.in_point, clip.out_point)
        clip.in_point, clip.out_point = self.in_point, self.out_point
        track, i = _locate_clip(project, self.clip_id)
        try:  # the transitions either side must still fit the trimmed clip
            for k in (i - 1, i + 1):
                if 0 <= k < len(track.items) and isinstance(track.items[k], Transition):
                    _check_fit(project, track, k - 1, k + 1, track.items[k].duration, track.items[k].kind)
        except BaseException:
            clip.in_point, clip.out_point = self._old
            raise

    def undo(self, project: Project) -> None:
        track, i = _locate_clip(project, self.clip_id)
        track.items[i].in_point, track.items[i].out_point = self._old


class SplitClip(EditCommand):
    """Split the clip under timeline time ``at`` into two clips with the right in/out points; the op
    stack is copied to both halves with ranges (and freeze points) moved to each half's timeline.

    Which clip: ``clip_id`` wherever it is, else the one under ``at`` on ``track_id`` (the main
    track by default). Transitions on its sides stay: the left one now joins the left half, the right
    one the right half, so a split inside either overlap is refused. Keyframed transform and volume
    of the right half start where the left half stopped (times shift to its own first frame)."""

    def __init__(self, at: float, clip_id: Optional[str] = None, *, track_id: Optional[str] = None):
        self.at, self.clip_id, self.track_id = float(at), clip_id, track_id
        self.label = "Split clip"
        self._result: Optional[Tuple[Clip, Clip]] = None

    def events(self) -> tuple:
        return (ev.ClipsChanged(ev.ids(self.track_id), ev.ids(self.clip_id)),)

    def do(self, project: Project) -> None:
        from .split import split_clip

        if self._result is None:
            clip_id, local = self._target(project)
            _unlocked(project, _locate_clip(project, clip_id)[0])
            left, right = split_clip(project, clip_id, local)
            right.transform = _tail_transform(right.transform, local)
            right.volume = _tail(right.volume, local)
            self._result = (left, right)
        left, right = self._result
        track, i = _locate_clip(project, left.id)
        _unlocked(project, track)
        self._old = track.items[i]
        track.items[i:i + 1] = [copy.deepcopy(left), copy.deepcopy(right)]

    def _target(self, project: Project) -> Tuple[str, float]:
        """(clip id, split point in seconds of the clip, on the frame grid)."""
        if self.clip_id is not None:
            track = _locate_clip(project, self.clip_id)[0]
        elif self.track_id is not None:
            track = _find_track(project, self.track_id)
        else:
            track = _main(project)
            if track is None:
                raise ParamError(f"There is no clip to split at {self.at:g}s (the project has no video track).")
        lay = _layout(project, track)
        spans, fps = lay.spans(track), lay.fps
        inside = []
        for k, s in enumerate(spans):
            clip = s.item
            if not isinstance(clip, Clip) or (self.clip_id is not None and clip.id != self.clip_id):
                continue
            if not lay.seconds(s.start) < self.at < lay.seconds(s.end):
                continue
            j = int(math.floor((self.at - lay.seconds(s.start)) * fps + 0.5 + 1e-9))
            lo = spans[k - 1].frames if k > 0 and isinstance(spans[k - 1].item, Transition) else 0
            hi = spans[k + 1].frames if k + 1 < len(spans) and isinstance(spans[k + 1].item, Transition) else 0
            if lo <= j <= s.frames - hi and 0 < j < s.frames:
                return clip.id, _seconds(j, fps)
            inside.append((s, lo, hi))
        if inside:
            s, lo, hi = inside[0]
            raise ParamError(
                f"{self.at:g}s is inside a transition of '{s.item.label[:40]}'; split it between "
                f"{lay.seconds(s.start + lo):.2f}s and {lay.seconds(s.end - hi):.2f}s, outside its transitions.")
        raise ParamError(f"There is no clip to split at {self.at:g}s (split inside a clip, not at its edge).")

    def undo(self, project: Project) -> None:
        left, right = self._result
        track, i = _locate_clip(project, left.id)
        j = next(k for k, c in enumerate(track.items) if c.id == right.id)
        del track.items[j]
        track.items[i] = self._old


def _tail(value: Any, dt: float) -> Any:
    """A keyframed value as seen from ``dt`` seconds on (for a split's right half): keys before
    ``dt`` are replaced by one at 0 holding the value at ``dt`` (exact for linear and hold
    segments; an eased segment cut in two continues linearly to its next key)."""
    if not isinstance(value, kf.Keyframes):
        return value
    later = [kf.Key(k.t - dt, k.value, k.interp) for k in value.keys if k.t > dt + 1e-9]
    if len(later) == len(value.keys):
        return kf.Keyframes(tuple(later))
    if not later:
        return float(value.at(dt))
    before = [k for k in value.keys if k.t <= dt + 1e-9][-1]
    interp = before.interp if before.interp in ("linear", "hold") or before.t >= dt - 1e-9 else "linear"
    return kf.Keyframes((kf.Key(0.0, float(value.at(dt)), interp), *later))


def _tail_transform(tf: Transform, dt: float) -> Transform:
    if not tf.animated:
        return tf
    return dataclasses.replace(tf, **{k: _tail(getattr(tf, k), dt) for k in Transform.BOUNDS})


# -- ops ---------------------------------------------------------------------------------------

class AddOp(EditCommand):
    """Append (or insert at ``index``) a validated op to a clip's stack."""

    def __init__(self, clip_id: str, op: AppliedOp, index: Optional[int] = None):
        self.clip_id, self.index = clip_id, index
        self.op = _validated(op)
        self.label = _op_label(self.op.op).capitalize() + (
            f" ({self.op.range[0]:g}s-{self.op.range[1]:g}s)" if self.op.range else "")

    def events(self) -> tuple:
        return (ev.ClipsChanged(frozenset(), ev.ids(self.clip_id)),)  # an op can change the length

    def do(self, project: Project) -> None:
        clip = _editable_clip(project, self.clip_id)
        if any(o.id == self.op.id for o in clip.ops):
            raise ProjectError(f"Operation {self.op.id} is already on this clip.")
        if len(clip.ops) >= MAX_OPS_PER_CLIP:
            raise ProjectError(f"This clip already has {len(clip.ops)} operations, the most one clip can take. "
                               f"Remove some, or split the clip.")
        idx = len(clip.ops) if self.index is None else self.index
        if not 0 <= idx <= len(clip.ops):
            raise ProjectError(f"Cannot insert at position {idx}; the clip has {len(clip.ops)} operations.")
        clip.ops.insert(idx, copy.deepcopy(self.op))

    def undo(self, project: Project) -> None:
        clip = project.find_clip(self.clip_id)
        del clip.ops[_locate_op(clip, self.op.id)]


class RemoveOp(EditCommand):
    def __init__(self, clip_id: str, op_id: str):
        self.clip_id, self.op_id = clip_id, op_id
        self.label = "Remove operation"

    def events(self) -> tuple:
        return (ev.ClipsChanged(frozenset(), ev.ids(self.clip_id)),)

    def do(self, project: Project) -> None:
        clip = _editable_clip(project, self.clip_id)
        i = _locate_op(clip, self.op_id)
        self._saved = (i, clip.ops.pop(i))
        self.label = f"Remove {_op_label(self._saved[1].op)}"

    def undo(self, project: Project) -> None:
        i, op = self._saved
        project.find_clip(self.clip_id).ops.insert(i, op)


class ToggleOp(EditCommand):
    """Enable/disable an op (``enabled`` None flips it)."""

    def __init__(self, clip_id: str, op_id: str, enabled: Optional[bool] = None):
        self.clip_id, self.op_id, self.enabled = clip_id, op_id, enabled
        self.label = "Toggle operation"

    def events(self) -> tuple:
        return (ev.ClipsChanged(frozenset(), ev.ids(self.clip_id)),)

    def do(self, project: Project) -> None:
        clip = _editable_clip(project, self.clip_id)
        op = clip.ops[_locate_op(clip, self.op_id)]
        self._old = op.enabled
        op.enabled = (not op.enabled) if self.enabled is None else bool(self.enabled)
        self.label = f"{'Enable' if op.enabled else 'Disable'} {_op_label(op.op)}"

    def undo(self, project: Project) -> None:
        clip = project.find_clip(self.clip_id)
        clip.ops[_locate_op(clip, self.op_id)].enabled = self._old


class MoveOp(EditCommand):
    """Move an op to position ``index`` in its clip's stack (order matters: each op sees the last)."""

    def __init__(self, clip_id: str, op_id: str, index: int):
        self.clip_id, self.op_id, self.index = clip_id, op_id, index
        self.label = "Reorder operations"

    def events(self) -> tuple:
        return (ev.ClipsChanged(frozenset(), ev.ids(self.clip_id)),)

    def do(self, project: Project) -> None:
        clip = _editable_clip(project, self.clip_id)
        i = _locate_op(clip, self.op_id)
        if not 0 <= self.index < len(clip.ops):
            raise ProjectError(f"Cannot move to position {self.index}; the clip has {len(clip.ops)} operations.")
        self._from = i
        clip.ops.insert(self.index, clip.ops.pop(i))
        self.label = f"Move {_op_label(clip.ops[self.index].op)}"

    def undo(self, project: Project) -> None:
        clip = project.find_clip(self.clip_id)
        clip.ops.insert(self._from, clip.ops.pop(_locate_op(clip, self.op_id)))


class SetOpParams(EditCommand):
    """Change some params of an op (merged over the current ones, validated, never clamped)."""

    def __init__(self, clip_id: str, op_id: str, params: dict):
        self.clip_id, self.op_id, self.params = clip_id, op_id, dict(params)
        self.label = "Change parameters"

    def events(self) -> tuple:
        return (ev.ClipsChanged(frozenset(), ev.ids(self.clip_id)),)

    def do(self, project: Project) -> None:
        from ..ops.registry import get_op

        clip = _editable_clip(project, self.clip_id)
        op = clip.ops[_locate_op(clip, self.op_id)]
        new = get_op(op.op).validate({**op.params, **self.params})
        self._old = op.params
        op.params = new
        self.label = f"Change {_op_label(op.op)} " + ", ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k} animated" if isinstance(new[k], kf.Keyframes)
            else f"{k}={v}" for k, v in self.params.items())

    def undo(self, project: Project) -> None:
        clip = project.find_clip(self.clip_id)
        clip.ops[_locate_op(clip, self.op_id)].params = self._old


class SetOpRange(EditCommand):
    """Set (or clear, with None) the time range of an op, in seconds of the clip at that point."""

    def __init__(self, clip_id: str, op_id: str, rng: Optional[Tuple[float, float]]):
        self.clip_id, self.op_id = clip_id, op_id
        self.range = None if rng is None else (float(rng[0]), float(rng[1]))
        self.label = "Change time range" if rng is not None else "Apply to whole clip"

    def events(self) -> tuple:
        return (ev.ClipsChanged(frozenset(), ev.ids(self.clip_id)),)

    def do(self, project: Project) -> None:
        from ..ops.registry import get_op

        clip = _editable_clip(project, self.clip_id)
        op = clip.ops[_locate_op(clip, self.op_id)]
        check_range(get_op(op.op), self.range)
        self._old = op.range
        op.range = self.range

    def undo(self, project: Project) -> None:
        clip = project.find_clip(self.clip_id)
        clip.ops[_locate_op(clip, self.op_id)].range = self._old


# -- tracks (schema v2) --------------------------------------------------------------------------

TRACK_PROPS = ("name", "muted", "solo", "locked", "hidden", "gain_db", "pan", "role", "ducking")
_FLAGS = ("muted", "solo", "locked", "hidden", "burn_in", "soft")


def _flag(props: dict, what: str) -> None:
    for k in _FLAGS:
        if k in props and not isinstance(props[k], bool):
            raise ParamError(f"{what} '{k}' must be true or false, got {short(props[k])}.")


class AddTrack(EditCommand):
    """Add an empty video or audio track. ``index`` None puts a video track on top of the video
    tracks (above the last one) and an audio track at the end; no track goes before the main track
    (tracks[0] stays the bottom video track). ``track_id`` is known after __init__."""

    def __init__(self, kind: str, *, name: str = "", index: Optional[int] = None, role: str = ""):
        if kind not in ("video", "audio"):
            raise ParamError(f"A track is 'video' or 'audio', got {short(kind)}.")
        self.track = _valid(Track.from_json, {"kind": kind, "name": name, "role": role, "items": []})
        self.track_id = self.track.id
        self.kind, self.index = kind, index
        self.label = f"Add {kind} track {name}".strip()

    def events(self) -> tuple:
        return (ev.TracksChanged(ev.ids(self.track_id)),)

    def do(self, project: Project) -> None:
        if len(project.tracks) >= MAX_TRACKS:
            raise ParamError(f"The project already has {len(project.tracks)} tracks, the most it can hold.")
        if any(t.id == self.track_id for t in project.tracks):
            raise ProjectError(f"A track with id {self.track_id} is already in the project.")
        main = _main(project)
        if self.index is None:
            videos = [k for k, t in enumerate(project.tracks) if t.kind == "video"]
            at = (videos[-1] + 1 if videos else 0) if self.kind == "video" else len(project.tracks)
        else:
            at = self.index
            if not (isinstance(at, int) and 0 <= at <= len(project.tracks)):
                raise ParamError(f"Cannot add a track at position {short(at)}; the project has "
                                 f"{len(project.tracks)} tracks (0 to {len(project.tracks)}).")
            if main is not None and at <= project.tracks.index(main):  # tracks[0] stays the main track
                raise ParamError(f"A new track goes after the main track '{track_label(project, main)}' "
                                 f"(position {project.tracks.index(main) + 1} or more).")
        project.tracks.insert(at, copy.deepcopy(self.track))

    def undo(self, project: Project) -> None:
        project.tracks.remove(project.find_track(self.track_id))


class RemoveTrack(EditCommand):
    """Remove a track with everything on it (never the main track, nor a locked one)."""

    def __init__(self, track_id: str):
        self.track_id = track_id
        self.label = "Remove track"

    def events(self) -> tuple:
        return (ev.TracksChanged(ev.ids(self.track_id)),)

    def do(self, project: Project) -> None:
        track = _find_track(project, self.track_id)
        if track is _main(project):
            raise ParamError(f"'{track_label(project, track)}' is the main track and cannot be removed; "
                             f"remove its clips instead.")
        _unlocked(project, track)
        self.label = f"Remove track {track_label(project, track)}"
        self._saved = (project.tracks.index(track), track)
        project.tracks.remove(track)

    def undo(self, project: Project) -> None:
        at, track = self._saved
        project.tracks.insert(at, track)


class SetTrackProps(EditCommand):
    """Change track settings: name, muted, solo, locked, hidden, gain_db, pan, role, ducking (a
    Ducking, its JSON object, or None). Checked against the same bounds as loading a file; allowed
    on a locked track (they change no item)."""

    def __init__(self, track_id: str, **props: Any):
        unknown = sorted(set(props) - set(TRACK_PROPS))
        if unknown:
            raise ParamError(f"Unknown track setting {', '.join(map(repr, unknown))}; the settings are "
                             f"{', '.join(TRACK_PROPS)}.")
        if not props:
            raise ParamError(f"Name a track setting to change ({', '.join(TRACK_PROPS)}).")
        _flag(props, "Track setting")
        if "ducking" in props and not isinstance(props["ducking"], (Ducking, dict, type(None))):
            raise ParamError(f"A track's ducking is a Ducking or None, got {short(props['ducking'])}.")
        self.track_id, self.props = track_id, copy.deepcopy(props)
        words = {("muted", True): "Mute", ("muted", False): "Unmute", ("solo", True): "Solo",
                 ("solo", False): "Unsolo", ("locked", True): "Lock", ("locked", False): "Unlock",
                 ("hidden", True): "Hide", ("hidden", False): "Show"}
        k, v = next(iter(props.items()))
        self.label = f"{words[(k, v)]} track" if len(props) == 1 and isinstance(v, bool) and (k, v) in words else \
            "Change track " + ", ".join(props)

    def events(self) -> tuple:
        return (ev.TracksChanged(ev.ids(self.track_id), frozenset(self.props)),)

    def do(self, project: Project) -> None:
        track = _find_track(project, self.track_id)
        if self.props.get("hidden") and track.kind == "audio":
            raise ParamError(f"'{track_label(project, track)}' is an audio track: it has no picture to hide; "
                             f"mute it instead.")
        d = {k: v.to_json() if isinstance(v, Ducking) else v for k, v in self.props.items()}
        d = {"kind": track.kind, "name": track.name, **d, "items": []}
        checked = _valid(Track.from_json, d)
        self._old = {k: getattr(track, k) for k in self.props}
        for k in self.props:
            setattr(track, k, getattr(checked, k))

    def undo(self, project: Project) -> None:
        track = project.find_track(self.track_id)
        for k, v in self._old.items():
            setattr(track, k, v)


# -- placing clips, transitions, clip properties ----------------------------------------------------

class PlaceClip(EditCommand):
    """Put ``clip`` on a placed track (an upper video track or an audio track) at timeline second
    ``start``: carved out of the Gap there, or after a new Gap when ``start`` is past the track's
    end. Overlapping a clip already on the track is a ParamError naming it. The main track is edited
    with ripple (AddClip), never at a time."""

    def __init__(self, clip: Clip, track_id: str, start: float):
        if not isinstance(clip, Clip):
            raise ParamError(f"PlaceClip places a Clip, got {short(clip)}.")
        if not (is_number(start) and 0 <= start <= MAX_SECONDS):
            raise ParamError(f"A clip's start must be 0 s to {MAX_SECONDS / 3600:g} hours, got {short(start)}.")
        _valid(Clip.from_json, clip.to_json())
        for aop in clip.ops:
            _validated(aop)
        self.clip, self.track_id, self.start = copy.deepcopy(clip), track_id, float(start)
        self.clip_id = clip.id
        self._gap_ids = (new_id(), new_id())
        self.label = f"Place {clip.label}"

    def events(self) -> tuple:
        return (ev.ClipsChanged(ev.ids(self.track_id), ev.ids(self.clip_id)),)

    def do(self, project: Project) -> None:
        from ..engine.layout import clip_timing

        track = _find_track(project, self.track_id)
        name = track_label(project, track)
        if track is _main(project):
            raise ParamError(f"'{name}' is the main track: it is edited in sequence (add clips to it in order), "
                             f"not at a time; place the clip on a track above it.")
        _unlocked(project, track)
        if track.kind == "audio" and not isinstance(self.clip.source, MediaSource):
            raise ParamError(f"Track '{name}' holds sound files, not a {self.clip.source.type} clip.")
        if any(i.id == self.clip.id for t in project.tracks for i in t.items):
            raise ProjectError(f"A clip with id {self.clip.id} is already in the project.")
        if sum(len(t.items) for t in project.tracks) + 2 > MAX_CLIPS:
            raise ParamError(f"The project holds {MAX_CLIPS} items, the most it can; remove some first.")
        lay = _layout(project, track)
        fps = lay.fps
        n = clip_timing(self.clip, fps, lay.sample_rate)[0]
        if n <= 0:
            raise ParamError(f"'{self.clip.label}' has no frames to place.")
        a = _round(self.start * fps)
        b = a + n
        spans = lay.spans(track)
        for s in spans:
            if isinstance(s.item, Clip) and s.start < b and s.end > a:
                raise ParamError(
                    f"'{self.clip.label[:40]}' ({lay.seconds(a):.2f}s to {lay.seconds(b):.2f}s) would overlap "
                    f"'{s.item.label[:40]}' ({lay.seconds(s.start):.2f}s to {lay.seconds(s.end):.2f}s) on track "
                    f"'{name}'; place it from {lay.seconds(s.end):.2f}s or on another track.")
        items, clip = list(track.items), copy.deepcopy(self.clip)
        end = spans[-1].end if spans else 0
        if a >= end:
            new = items + ([Gap(_seconds(a - end, fps), id=self._gap_ids[0])] if a > end else []) + [clip]
        else:
            k = next(k for k, s in enumerate(spans) if s.start <= a < s.end)  # a Gap: clips were ruled out
            m = k
            while m + 1 < len(spans) and spans[m + 1].start < b:  # gaps side by side (clips ruled out)
                m += 1
            left, right = a - spans[k].start, spans[m].end - b
            new = (items[:k] + ([Gap(_seconds(left, fps), id=items[k].id)] if left > 0 else []) + [clip]
                   + ([Gap(_seconds(right, fps), id=self._gap_ids[1])] if right > 0 else []) + items[m + 1:])
        self._saved = (track.id, items)
        track.items[:] = new

    def undo(self, project: Project) -> None:
        track_id, items = self._saved
        project.find_track(track_id).items[:] = items


def _transition_kind(kind: Any) -> str:
    if kind not in TRANSITION_KINDS:
        raise ParamError(f"Unknown transition {short(kind)}; the transitions are {', '.join(TRANSITION_KINDS)}.")
    return kind


def _transition_duration(duration: Any) -> float:
    if not (is_number(duration) and 0 < duration <= MAX_SECONDS):
        raise ParamError(f"A transition's duration must be more than 0 s, got {short(duration)}.")
    return float(duration)


def _transition_params(params: Any) -> dict:
    params = {} if params is None else params
    ok = (isinstance(params, dict) and len(params) <= 16
          and all(isinstance(k, str) and len(k) <= 64 and (is_number(v) or (isinstance(v, str) and len(v) <= 200))
                  for k, v in params.items()))
    if not ok:
        raise ParamError(f"A transition's params must be up to 16 names with numbers or short text, got {short(params)}.")
    return dict(params)


def _check_fit(project: Project, track: Track, left: int, right: int, duration: float, kind: str) -> None:
    """A transition of ``duration`` between items ``left`` and ``right`` (clips) fits: at most each
    one's length minus the transition on its other side (ParamError with both lengths). Times only
    those two clips (cached timing maps), so a plan that adds hundreds of transitions stays linear."""
    from ..engine.layout import clip_timing, project_fps

    items, fps = track.items, project_fps(project)
    n = _frames(duration, fps)

    def free(c: int, other: int) -> int:
        taken = _frames(items[other].duration, fps) \
            if 0 <= other < len(items) and isinstance(items[other], Transition) else 0
        return clip_timing(items[c], fps, project.sample_rate)[0] - taken

    fl, fr = free(left, left - 1), free(right, right + 1)
    if n > fl or n > fr:
        a, b = items[left].label[:40], items[right].label[:40]
        sec = lambda f: _seconds(f, fps)  # noqa: E731
        raise ParamError(
            f"The {duration:g} s {kind.replace('_', ' ')} is longer than its clips allow: '{a}' has "
            f"{sec(fl):.2f} s and '{b}' {sec(fr):.2f} s for it (a clip's length less any "
            f"transition on its other side). Make it at most {sec(max(0, min(fl, fr))):.2f} s.")


class AddTransition(EditCommand):
    """A transition between ``left_clip_id`` and the next clip on its track, which must follow it
    with no gap; replaces a transition already there. The clips overlap by ``duration`` (model.py),
    which must fit in each of them. ``transition_id`` is known after __init__."""

    def __init__(self, left_clip_id: str, kind: str, duration: float, params: Optional[dict] = None):
        self.left_clip_id = left_clip_id
        self.kind, self.duration = _transition_kind(kind), _transition_duration(duration)
        self.params = _transition_params(params)
        self.transition_id = new_id()
        self.label = f"Add {kind.replace('_', ' ')} ({duration:g}s)"

    def events(self) -> tuple:
        return (ev.ClipsChanged(frozenset(), ev.ids(self.left_clip_id)),)

    def do(self, project: Project) -> None:
        track, i = _locate_clip(project, self.left_clip_id)
        _unlocked(project, track)
        items, name = list(track.items), track_label(project, track)
        label = items[i].label[:40]
        j = i + 1
        if j < len(items) and isinstance(items[j], Transition):
            j += 1  # replaces the one there
        if j >= len(items):
            raise ParamError(f"'{label}' is the last clip on track '{name}'; a transition needs a clip after it.")
        if not isinstance(items[j], Clip):
            lay = _layout(project, track)
            raise ParamError(f"There is a {lay.seconds(lay.spans(track)[j].frames):.2f} s gap after '{label}' on "
                             f"track '{name}'; a transition joins two clips side by side.")
        _check_fit(project, track, i, j, self.duration, self.kind)
        self._saved = (track.id, items)
        new = Transition(self.kind, self.duration, dict(self.params), id=self.transition_id)
        track.items[:] = items[:i + 1] + [new] + items[j:]

    def undo(self, project: Project) -> None:
        track_id, items = self._saved
        project.find_track(track_id).items[:] = items


def _locate_transition(project: Project, transition_id: str) -> Tuple[Track, int]:
    n = 0
    for t in project.tracks:
        for k, it in enumerate(t.items):
            if isinstance(it, Transition):
                if it.id == transition_id:
                    return t, k
                n += 1
    raise ProjectError(f"No transition with id {short(transition_id, 40)} (the project has {n} transition"
                       f"{'s' * (n != 1)}).")


class RemoveTransition(EditCommand):
    """Remove a transition: its clips stop overlapping, so what follows on the track moves later."""

    def __init__(self, transition_id: str):
        self.transition_id = transition_id
        self.label = "Remove transition"

    def events(self) -> tuple:
        return (ev.ClipsChanged(),)

    def do(self, project: Project) -> None:
        track, k = _locate_transition(project, self.transition_id)
        _unlocked(project, track)
        self._saved = (track.id, k, track.items[k])
        self.label = f"Remove {track.items[k].kind.replace('_', ' ')}"
        del track.items[k]

    def undo(self, project: Project) -> None:
        track_id, k, item = self._saved
        project.find_track(track_id).items.insert(k, item)


class SetTransition(EditCommand):
    """Change a transition's kind, duration (it must still fit its clips) and/or params."""

    def __init__(self, transition_id: str, kind: Optional[str] = None, duration: Optional[float] = None,
                 params: Optional[dict] = None):
        self.transition_id = transition_id
        self.kind = None if kind is None else _transition_kind(kind)
        self.duration = None if duration is None else _transition_duration(duration)
        self.params = None if params is None else _transition_params(params)
        self.label = "Change transition"

    def events(self) -> tuple:
        return (ev.ClipsChanged(),)

    def do(self, project: Project) -> None:
        track, k = _locate_transition(project, self.transition_id)
        _unlocked(project, track)
        old = track.items[k]
        new = Transition(self.kind or old.kind, old.duration if self.duration is None else self.duration,
                         dict(old.params if self.params is None else self.params), id=old.id)
        if new.duration != old.duration:
            _check_fit(project, track, k - 1, k + 1, new.duration, new.kind)
        self._saved = (track.id, k, old)
        track.items[k] = new

    def undo(self, project: Project) -> None:
        track_id, k, item = self._saved
        project.find_track(track_id).items[k] = item


class SetTransform(EditCommand):
    """Replace a clip's whole Transform (fields may be keyframed; bounds as when loading a file)."""

    def __init__(self, clip_id: str, transform: Transform):
        if not isinstance(transform, Transform):
            raise ParamError(f"SetTransform takes a Transform, got {short(transform)}.")
        _valid(Transform.from_json, transform.to_json(), "transform")
        self.clip_id, self.transform = clip_id, copy.deepcopy(transform)
        self.label = "Change position, size or opacity"

    def events(self) -> tuple:
        return (ev.TransformChanged(self.clip_id),)

    def do(self, project: Project) -> None:
        clip = _editable_clip(project, self.clip_id)
        self._old = clip.transform
        clip.transform = copy.deepcopy(self.transform)

    def undo(self, project: Project) -> None:
        project.find_clip(self.clip_id).transform = self._old


class SetClipVolume(EditCommand):
    """Set a clip's volume: linear gain 0..16 (1 = unchanged), a number or Keyframes."""

    def __init__(self, clip_id: str, volume: Any):
        if isinstance(volume, bool):
            raise ParamError(f"A clip's volume is a number from 0 to 16 or keyframes, got {volume}.")
        self.volume = _valid(number, volume, "clip volume", 0.0, 16.0, animated=True)
        self.clip_id = clip_id
        self.label = "Change clip volume"

    def events(self) -> tuple:
        return (ev.VolumeChanged(self.clip_id),)

    def do(self, project: Project) -> None:
        clip = _editable_clip(project, self.clip_id)
        self._old = clip.volume
        clip.volume = self.volume

    def undo(self, project: Project) -> None:
        project.find_clip(self.clip_id).volume = self._old


class SetTitle(EditCommand):
    """Replace a title clip's text and look (TitleStyle), checked as when loading a file."""

    def __init__(self, clip_id: str, text: str, style: TitleStyle):
        from .sources import source_from_json

        if not isinstance(style, TitleStyle):
            raise ParamError(f"SetTitle takes a TitleStyle, got {short(style)}.")
        if not isinstance(text, str):
            raise ParamError(f"A title's text must be a string, got {short(text)}.")
        self.source = _valid(source_from_json, {"type": "title", "text": text, "style": _style_json(style)},
                             None, "the title")
        self.clip_id = clip_id
        first = text.strip().splitlines()[0] if text.strip() else ""
        self.label = f"Edit title '{first[:30]}'"

    def events(self) -> tuple:
        return (ev.TitleChanged(self.clip_id),)

    def do(self, project: Project) -> None:
        clip = _editable_clip(project, self.clip_id)
        if clip.source.type != "title":
            raise ParamError(f"Clip '{clip.label[:40]}' is not a title; only a title's text and look can be edited.")
        self._old = clip.source
        clip.source = copy.deepcopy(self.source)

    def undo(self, project: Project) -> None:
        project.find_clip(self.clip_id).source = self._old


# -- subtitle tracks -------------------------------------------------------------------------------

SUBTITLE_PROPS = ("cues", "burn_in", "soft", "style", "language", "name", "look", "highlight")


def _style_json(style: TitleStyle) -> dict:
    """Every field (TitleStyle.to_json leaves out the defaults, which a subtitle style differs from)."""
    return {f.name: getattr(style, f.name) for f in dataclasses.fields(style)}


def _checked_subtitles(track: SubtitleTrack) -> SubtitleTrack:
    d = track.to_json()
    d["style"] = _style_json(track.style)
    return _valid(SubtitleTrack.from_json, d)


def _find_subtitles(project: Project, track_id: str) -> int:
    for k, s in enumerate(project.subtitle_tracks):
        if s.id == track_id:
            return k
    names = ", ".join(f"'{s.name or s.language}' ({s.id})" for s in project.subtitle_tracks[:12])
    raise ProjectError(f"No subtitle track with id {short(track_id, 40)}; the project has "
                       f"{names or 'no subtitle tracks'}.")


class AddSubtitleTrack(EditCommand):
    """Add a subtitle track (cues on timeline time), at the end or at ``index``."""

    def __init__(self, track: SubtitleTrack, *, index: Optional[int] = None):
        if not isinstance(track, SubtitleTrack):
            raise ParamError(f"AddSubtitleTrack takes a SubtitleTrack, got {short(track)}.")
        _checked_subtitles(track)
        self.track, self.index = copy.deepcopy(track), index
        self.track_id = track.id
        self.label = f"Add subtitles {track.name}".strip()

    def events(self) -> tuple:
        return (ev.SubtitlesChanged(ev.ids(self.track_id)),)

    def do(self, project: Project) -> None:
        subs = project.subtitle_tracks
        if len(subs) >= MAX_TRACKS:
            raise ParamError(f"The project already has {len(subs)} subtitle tracks, the most it can hold.")
        if any(s.id == self.track_id for s in subs):
            raise ProjectError(f"A subtitle track with id {self.track_id} is already in the project.")
        at = len(subs) if self.index is None else self.index
        if not (isinstance(at, int) and 0 <= at <= len(subs)):
            raise ParamError(f"Cannot add a subtitle track at position {short(at)}; there are {len(subs)}.")
        subs.insert(at, copy.deepcopy(self.track))

    def undo(self, project: Project) -> None:
        del project.subtitle_tracks[_find_subtitles(project, self.track_id)]


class RemoveSubtitleTrack(EditCommand):
    def __init__(self, track_id: str):
        self.track_id = track_id
        self.label = "Remove subtitles"

    def events(self) -> tuple:
        return (ev.SubtitlesChanged(ev.ids(self.track_id)),)

    def do(self, project: Project) -> None:
        k = _find_subtitles(project, self.track_id)
        self._saved = (k, project.subtitle_tracks.pop(k))

    def undo(self, project: Project) -> None:
        k, track = self._saved
        project.subtitle_tracks.insert(k, track)


class SetSubtitleTrack(EditCommand):
    """Change a subtitle track: cues (Cue or (start, end, text)), burn_in, soft, style (a TitleStyle,
    or a dict of fields changed over the current style), language, name."""

    def __init__(self, track_id: str, **props: Any):
        unknown = sorted(set(props) - set(SUBTITLE_PROPS))
        if unknown:
            raise ParamError(f"Unknown subtitle setting {', '.join(map(repr, unknown))}; the settings are "
                             f"{', '.join(SUBTITLE_PROPS)}.")
        if not props:
            raise ParamError(f"Name a subtitle setting to change ({', '.join(SUBTITLE_PROPS)}).")
        _flag(props, "Subtitle setting")
        if "cues" in props:
            cues = props["cues"]
            if not isinstance(cues, (list, tuple)):
                raise ParamError(f"Subtitle cues are a list of (start, end, text), got {short(cues)}.")
            props["cues"] = [c if isinstance(c, Cue) else Cue(*c) if isinstance(c, (list, tuple)) and len(c) == 3
                             else c for c in cues]
        if "style" in props and not isinstance(props["style"], (TitleStyle, dict)):
            raise ParamError(f"A subtitle style is a TitleStyle or a dict of its fields, got {short(props['style'])}.")
        self.track_id, self.props = track_id, copy.deepcopy(props)
        self.label = ("Burn in subtitles" if props.get("burn_in") else "Stop burning in subtitles") \
            if set(props) == {"burn_in"} else "Change subtitles"

    def events(self) -> tuple:
        return (ev.SubtitlesChanged(ev.ids(self.track_id), frozenset(self.props)),)

    def do(self, project: Project) -> None:
        k = _find_subtitles(project, self.track_id)
        track = project.subtitle_tracks[k]
        d = track.to_json()
        d["style"] = _style_json(track.style)
        for key, v in self.props.items():
            if key == "cues":
                d[key] = [c.to_json() if isinstance(c, Cue) else c for c in v]
            elif key == "style":
                d[key] = {**d["style"], **v} if isinstance(v, dict) else _style_json(v)
            else:
                d[key] = v
        checked = _valid(SubtitleTrack.from_json, d)
        self._old = {key: getattr(track, key) for key in self.props}
        for key in self.props:
            setattr(track, key, getattr(checked, key))

    def undo(self, project: Project) -> None:
        track = project.subtitle_tracks[_find_subtitles(project, self.track_id)]
        for key, v in self._old.items():
            setattr(track, key, v)


class Compound(EditCommand):
    """Several commands as one undo step; all or nothing."""

    def __init__(self, label: str, commands: List[EditCommand]):
        self.label, self.commands = label, list(commands)

    def events(self) -> tuple:
        return tuple(e for c in self.commands for e in ev.events_for(c))

    def do(self, project: Project) -> None:
        done: List[EditCommand] = []
        try:
            for c in self.commands:
                c.do(project)
                done.append(c)
        except BaseException:
            for c in reversed(done):
                c.undo(project)
            raise

    def undo(self, project: Project) -> None:
        for c in reversed(self.commands):
            c.undo(project)


# -- markers -----------------------------------------------------------------------------------

def _marker_time(t: Any) -> float:
    if not is_number(t) or not 0 <= float(t) <= 86400:
        raise ParamError(f"A marker's time must be seconds from 0, got {short(t)}.")
    return float(t)


def _sort_markers(project: Project) -> None:
    project.markers.sort(key=lambda m: m.time)


class AddMarker(EditCommand):
    """Put a named marker at a timeline second (kept sorted by time)."""

    def __init__(self, time: float, name: str = "", *, colour: str = "#ffb74d", marker_id: Optional[str] = None):
        self.marker = Marker(_marker_time(time), str(name)[:200], colour, marker_id or new_id())
        self.marker_id = self.marker.id
        self.label = f"Add marker {name}".strip()

    def events(self) -> tuple:
        return (ev.MarkersChanged(ev.ids(self.marker_id)),)

    def do(self, project: Project) -> None:
        if any(m.id == self.marker_id for m in project.markers):
            raise ProjectError(f"A marker with id {self.marker_id} is already in the project.")
        project.markers.append(copy.deepcopy(self.marker))
        _sort_markers(project)

    def undo(self, project: Project) -> None:
        project.markers[:] = [m for m in project.markers if m.id != self.marker_id]


class RemoveMarker(EditCommand):
    def __init__(self, marker_id: str):
        self.marker_id = marker_id
        self.label = "Remove marker"

    def events(self) -> tuple:
        return (ev.MarkersChanged(ev.ids(self.marker_id)),)

    def do(self, project: Project) -> None:
        self._saved = copy.deepcopy(project.find_marker(self.marker_id))
        project.markers[:] = [m for m in project.markers if m.id != self.marker_id]

    def undo(self, project: Project) -> None:
        project.markers.append(copy.deepcopy(self._saved))
        _sort_markers(project)


class MoveMarker(EditCommand):
    def __init__(self, marker_id: str, time: float):
        self.marker_id, self.time = marker_id, _marker_time(time)
        self.label = "Move marker"

    def events(self) -> tuple:
        return (ev.MarkersChanged(ev.ids(self.marker_id)),)

    def do(self, project: Project) -> None:
        m = project.find_marker(self.marker_id)
        self._old, m.time = m.time, self.time
        _sort_markers(project)

    def undo(self, project: Project) -> None:
        project.find_marker(self.marker_id).time = self._old
        _sort_markers(project)


class RenameMarker(EditCommand):
    def __init__(self, marker_id: str, name: str):
        self.marker_id, self.name = marker_id, str(name)[:200]
        self.label = f"Rename marker {self.name}".strip()

    def events(self) -> tuple:
        return (ev.MarkersChanged(ev.ids(self.marker_id)),)

    def do(self, project: Project) -> None:
        m = project.find_marker(self.marker_id)
        self._old, m.name = m.name, self.name

    def undo(self, project: Project) -> None:
        project.find_marker(self.marker_id).name = self._old


# -- history -----------------------------------------------------------------------------------

class History:
    """Undo/redo stacks over one project. ``push`` does the command; a failing command is not kept."""

    def __init__(self, project: Optional[Project] = None, *, limit: int = 200):
        self.project = project
        self.limit = limit
        self._undo: List[EditCommand] = []
        self._redo: List[EditCommand] = []
        #: Called with no arguments after every change (push, undo, redo).
        self.listeners: List[Callable[[], None]] = []
        #: Typed events of each change (project/events.py): what views subscribe to.
        self.events = ModelEvents()

    def _proj(self, project: Optional[Project]) -> Project:
        p = project if project is not None else self.project
        if p is None:
            raise ProjectError("History has no project to edit.")
        self.project = p
        return p

    def push(self, cmd: EditCommand, project: Optional[Project] = None) -> None:
        cmd.do(self._proj(project))
        self._undo.append(cmd)
        del self._undo[:-self.limit]
        self._redo.clear()
        self.events.emit_for(cmd)
        self._changed()

    def undo(self, project: Optional[Project] = None) -> str:
        if not self._undo:
            raise ProjectError("Nothing to undo.")
        cmd = self._undo.pop()
        cmd.undo(self._proj(project))
        self._redo.append(cmd)
        self.events.emit_for(cmd)
        self._changed()
        return cmd.label

    def redo(self, project: Optional[Project] = None) -> str:
        if not self._redo:
            raise ProjectError("Nothing to redo.")
        cmd = self._redo.pop()
        cmd.do(self._proj(project))
        self._undo.append(cmd)
        self.events.emit_for(cmd)
        self._changed()
        return cmd.label

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._changed()

    def _changed(self) -> None:
        for fn in list(self.listeners):
            fn()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_label(self) -> str:
        return self._undo[-1].label if self._undo else ""

    @property
    def redo_label(self) -> str:
        return self._redo[-1].label if self._redo else ""

    @property
    def labels(self) -> List[str]:
        """Done commands, oldest first (for a history panel)."""
        return [c.label for c in self._undo]


__all__ = [
    "EditCommand", "History", "AddClip", "RemoveClip", "MoveClip", "SplitClip", "TrimClip", "AddOp",
    "RemoveOp", "ToggleOp", "MoveOp", "SetOpParams", "SetOpRange", "Compound", "new_id",
    "AddTrack", "RemoveTrack", "SetTrackProps", "PlaceClip", "AddTransition", "RemoveTransition", "SetTransition",
    "SetTransform", "SetClipVolume", "SetTitle", "AddSubtitleTrack", "RemoveSubtitleTrack", "SetSubtitleTrack", "track_label",
]
