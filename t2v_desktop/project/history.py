"""Undoable edits: every change to a Project is an EditCommand with do/undo and a readable label.

Commands refer to clips and ops by id (never by object), remember exactly what they replaced,
and create any new ids once, so undo/redo restore the exact project JSON. The GUI wraps them in
QUndoCommands (gui/undo.py); the CLI pushes them on a plain History.
"""

from __future__ import annotations

import copy
import math
from typing import Callable, List, Optional, Tuple

from ..errors import ParamError, ProjectError
from .model import MAX_OPS_PER_CLIP, MAX_SECONDS, AppliedOp, Clip, Project, Track, Transition, new_id


class EditCommand:
    """One undoable change. ``do`` must leave the project unchanged when it raises."""

    label: str = "Edit"

    def do(self, project: Project) -> None:
        raise NotImplementedError

    def undo(self, project: Project) -> None:
        raise NotImplementedError

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

    def do(self, project: Project) -> None:
        while len(project.tracks) <= self.track:
            project.tracks.append(Track())
        track = project.tracks[self.track]
        n = len(track.clips)
        if any(c.id == self.clip.id for c in project.all_clips()):
            raise ProjectError(f"A clip with id {self.clip.id} is already in the project.")
        idx = n if self.index is None else self.index
        if not 0 <= idx <= n:
            raise ProjectError(f"Cannot insert a clip at position {idx}; the track has {n} clips.")
        pos = _item_position(track, idx)
        if 0 < pos < len(track.items) and isinstance(track.items[pos - 1], Transition):
            pos -= 2  # never between a transition and its right clip: before the pair
        track.items.insert(pos, copy.deepcopy(self.clip))
        self._at = idx

    def undo(self, project: Project) -> None:
        track, i = _locate_clip(project, self.clip.id)
        del track.items[i]


class RemoveClip(EditCommand):
    """Remove a clip and any transition joining it; the following items close up (ripple)."""

    def __init__(self, clip_id: str):
        self.clip_id = clip_id
        self.label = "Remove clip"

    def do(self, project: Project) -> None:
        track, i = _locate_clip(project, self.clip_id)
        self._saved = (track.id, list(track.items))
        name = track.items[i].name
        track.items[:] = _drop_transitions_at(track.items, i)
        self.label = f"Remove clip {name}".strip()

    def undo(self, project: Project) -> None:
        track_id, items = self._saved
        project.find_track(track_id).items[:] = items


class MoveClip(EditCommand):
    """Move a clip to clip position ``index`` of its track (transitions joining it are dropped)."""

    def __init__(self, clip_id: str, index: int):
        self.clip_id, self.index = clip_id, index
        self.label = "Move clip"

    def do(self, project: Project) -> None:
        track, i = _locate_clip(project, self.clip_id)
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

    def do(self, project: Project) -> None:
        from ..engine.stages import probe_cached

        track, i = _locate_clip(project, self.clip_id)
        clip = track.items[i]
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
        self._old = (clip.in_point, clip.out_point)
        clip.in_point, clip.out_point = self.in_point, self.out_point

    def undo(self, project: Project) -> None:
        track, i = _locate_clip(project, self.clip_id)
        track.items[i].in_point, track.items[i].out_point = self._old


class SplitClip(EditCommand):
    """Split the clip under timeline time ``at`` into two clips with the right in/out points; the op
    stack is copied to both halves with ranges (and freeze points) moved to each half's timeline."""

    def __init__(self, at: float, clip_id: Optional[str] = None):
        self.at, self.clip_id = float(at), clip_id
        self.label = "Split clip"
        self._result: Optional[Tuple[Clip, Clip]] = None

    def do(self, project: Project) -> None:
        from .split import split_clip

        if self._result is None:
            clip_id, local = self._target(project)
            self._result = split_clip(project, clip_id, local)
        left, right = self._result
        track, i = _locate_clip(project, left.id)
        self._old = track.items[i]
        track.items[i:i + 1] = [copy.deepcopy(left), copy.deepcopy(right)]

    def _target(self, project: Project) -> Tuple[str, float]:
        from ..engine.render import Renderer

        r = Renderer(project)
        try:
            for cid, start, end in r.clip_spans():
                if (self.clip_id is None or cid == self.clip_id) and start < self.at < end:
                    return cid, self.at - start
        finally:
            r.close()
        raise ParamError(f"There is no clip to split at {self.at:g}s (split inside a clip, not at its edge).")

    def undo(self, project: Project) -> None:
        left, right = self._result
        track, i = _locate_clip(project, left.id)
        j = next(k for k, c in enumerate(track.items) if c.id == right.id)
        del track.items[j]
        track.items[i] = self._old


# -- ops ---------------------------------------------------------------------------------------

class AddOp(EditCommand):
    """Append (or insert at ``index``) a validated op to a clip's stack."""

    def __init__(self, clip_id: str, op: AppliedOp, index: Optional[int] = None):
        self.clip_id, self.index = clip_id, index
        self.op = _validated(op)
        self.label = _op_label(self.op.op).capitalize() + (
            f" ({self.op.range[0]:g}s-{self.op.range[1]:g}s)" if self.op.range else "")

    def do(self, project: Project) -> None:
        clip = project.find_clip(self.clip_id)
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

    def do(self, project: Project) -> None:
        clip = project.find_clip(self.clip_id)
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

    def do(self, project: Project) -> None:
        clip = project.find_clip(self.clip_id)
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

    def do(self, project: Project) -> None:
        clip = project.find_clip(self.clip_id)
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

    def do(self, project: Project) -> None:
        from ..ops.registry import get_op

        clip = project.find_clip(self.clip_id)
        op = clip.ops[_locate_op(clip, self.op_id)]
        new = get_op(op.op).validate({**op.params, **self.params})
        self._old = op.params
        op.params = new
        self.label = f"Change {_op_label(op.op)} " + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                                                for k, v in self.params.items())

    def undo(self, project: Project) -> None:
        clip = project.find_clip(self.clip_id)
        clip.ops[_locate_op(clip, self.op_id)].params = self._old


class SetOpRange(EditCommand):
    """Set (or clear, with None) the time range of an op, in seconds of the clip at that point."""

    def __init__(self, clip_id: str, op_id: str, rng: Optional[Tuple[float, float]]):
        self.clip_id, self.op_id = clip_id, op_id
        self.range = None if rng is None else (float(rng[0]), float(rng[1]))
        self.label = "Change time range" if rng is not None else "Apply to whole clip"

    def do(self, project: Project) -> None:
        from ..ops.registry import get_op

        clip = project.find_clip(self.clip_id)
        op = clip.ops[_locate_op(clip, self.op_id)]
        check_range(get_op(op.op), self.range)
        self._old = op.range
        op.range = self.range

    def undo(self, project: Project) -> None:
        clip = project.find_clip(self.clip_id)
        clip.ops[_locate_op(clip, self.op_id)].range = self._old


class Compound(EditCommand):
    """Several commands as one undo step; all or nothing."""

    def __init__(self, label: str, commands: List[EditCommand]):
        self.label, self.commands = label, list(commands)

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
        self._changed()

    def undo(self, project: Optional[Project] = None) -> str:
        if not self._undo:
            raise ProjectError("Nothing to undo.")
        cmd = self._undo.pop()
        cmd.undo(self._proj(project))
        self._redo.append(cmd)
        self._changed()
        return cmd.label

    def redo(self, project: Optional[Project] = None) -> str:
        if not self._redo:
            raise ProjectError("Nothing to redo.")
        cmd = self._redo.pop()
        cmd.do(self._proj(project))
        self._undo.append(cmd)
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
]
