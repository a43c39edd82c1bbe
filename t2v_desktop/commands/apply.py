"""From a parsed Plan to one undoable command: ops validated, ranges resolved, then pushed.

Each step's range is resolved against the duration of its target *at that point of the stack*
(after the timing ops already there and the plan's earlier steps), which the steps are
simulated on a copy of the project to learn. A range past the end is a ParamError, never clamped.
Timing comes from ``TimelineLayout`` (timing maps only; no Renderer, nothing decoded).

Structural steps (titles, overlays, music, transitions, ...; steps.py) resolve in
compose_apply.py into history commands in the same Compound, so one typed command is one undo
step. Within one command, picture edits and transitions go first (they set the programme's
length), then placements, then changes to what exists (fades, moves, ducking, track switches):
"add a title for the last 2 seconds, crossfade between the clips" puts the title on the last 2
seconds of the finished programme whichever order it was typed in.
"""

from __future__ import annotations

import copy
from typing import List, Optional, Sequence, Tuple

from ..engine.layout import TimelineLayout
from ..errors import ParamError, ProjectError
from ..project.history import AddOp, Compound, EditCommand, RemoveOp
from ..project.model import AppliedOp, Project

Range = Optional[Tuple[float, float]]


def _fmt(t: float) -> str:
    m, s = divmod(max(t, 0.0), 60)
    return f"{int(m)}:{s:05.2f}"


def _resolve(step, duration: float, fps: float, what: str) -> Range:
    """Seconds (start, end) of the step's range on a target of ``duration`` seconds."""
    if step.range is None:
        return None
    s, e = step.range.resolve(duration)
    e = duration if e is None else e
    if s is None or s < 0:
        raise ParamError(f"The range of '{step.op}' starts before the beginning of the {what}.")
    tol = 0.5 / fps
    if s >= duration - tol:
        raise ParamError(
            f"'{step.op}' starts at {_fmt(s)}, but the {what} is only {_fmt(duration)} long. "
            f"Pick a time before {_fmt(duration)}."
        )
    if e > duration + tol:
        raise ParamError(
            f"The range {_fmt(s)} to {_fmt(e)} of '{step.op}' goes past the end of the {what} "
            f"({_fmt(duration)}). Pick an end time up to {_fmt(duration)}, or say 'to the end'."
        )
    e = min(e, duration)
    if e <= s:
        raise ParamError(f"The range of '{step.op}' must end after it starts ({_fmt(s)} to {_fmt(e)}).")
    return (s, e)


def _targets(step, sim: Project, clip_id: Optional[str]) -> List[Tuple[str, Range]]:
    """(clip id, range on that clip) for one step: the clip, or every clip the timeline range meets."""
    layout = TimelineLayout(sim)
    fps = float(layout.fps)
    if clip_id is not None:
        return [(clip_id, _resolve(step, layout.clip_duration(clip_id), fps, "clip"))]
    rng = _resolve(step, layout.track_end(sim.main_track), fps, "timeline")
    out: List[Tuple[str, Range]] = []
    for cid, c0, c1 in layout.clip_spans():
        if rng is None:
            out.append((cid, None))
        elif rng[0] < c1 and rng[1] > c0:
            out.append((cid, (max(rng[0], c0) - c0, min(rng[1], c1) - c0)))
    return out


def _remove_target(step, sim: Project, clip_ids: List[str]) -> List[EditCommand]:
    """RemoveOp commands for "remove the blur" (newest blur), "remove the last effect" (op
    "last": the newest op) and "reset" (op "all": every op on the target)."""
    from ..ops.registry import find_op

    if step.op == "all":
        cmds = [RemoveOp(cid, op.id) for cid in clip_ids for op in reversed(sim.find_clip(cid).ops)]
        if not cmds:
            raise ProjectError("There are no effects to remove.")
        return cmds
    spec = find_op(step.op)
    name = spec.name if spec else step.op
    for cid in clip_ids:
        clip = sim.find_clip(cid)
        for op in reversed(clip.ops):
            if step.op == "last" or op.op == name:
                return [RemoveOp(cid, op.id)]
    if step.op == "last":
        raise ProjectError("There is no effect to remove on this clip.")
    raise ProjectError(f"There is no {name.replace('_', ' ')} to remove on this clip.")


def plan_to_command(plan, project: Project, *, clip_id: Optional[str] = None) -> EditCommand:
    """One Compound command for the plan's "apply" and "remove" steps (undo/redo steps are the
    caller's). ``clip_id`` None, or a plan targeting "timeline", applies to every clip."""
    from ..ops.registry import get_op

    if not project.main_track.clips and not all(getattr(s, "works_without_clips", False) for s in plan.steps):
        raise ProjectError("The project has no clips. Add a video first.")
    if getattr(plan, "target", "selection") == "timeline":
        clip_id = None
    if clip_id is not None:
        project.find_clip(clip_id)
    from .compose_apply import ComposeState, compose_commands

    sim = copy.deepcopy(project)
    state = ComposeState(sim, clip_id)
    cmds: List[EditCommand] = []
    ops_added = False
    for step in _in_phases(plan.steps):
        action = getattr(step, "action", "apply")
        if action in ("undo", "redo"):
            continue
        if action == "compose":
            new = compose_commands(step, state)
        elif action == "remove":
            ids = [clip_id] if clip_id else [c.id for c in sim.main_track.clips]
            new = _remove_target(step, sim, ids)
        else:
            spec = get_op(step.op)
            params = spec.validate(step.params)
            if spec.requires_range and step.range is None:
                raise ParamError(f"'{spec.name}' needs a time range, e.g. '{spec.name} 0:02 to 0:05'.")
            new = [AddOp(cid, AppliedOp(spec.name, dict(params), rng))
                   for cid, rng in _targets(step, sim, clip_id)]
            ops_added = True
        for cmd in new:
            cmd.do(sim)
        cmds.extend(new)
    if ops_added:
        TimelineLayout(sim)  # every changed op stack must build its timing maps (sizes, ranges)
    label = (getattr(plan, "text", "") or "; ".join(c.label for c in cmds)).strip() or "Edit"
    return Compound(label, cmds)


def _in_phases(steps) -> list:
    """Picture edits and transitions, then placements, then changes to what exists (stable)."""
    order = {id(s): (getattr(s, "phase", 0) if getattr(s, "action", "apply") == "compose" else 0, k)
             for k, s in enumerate(steps)}
    return sorted(steps, key=lambda s: order[id(s)])


def _target_duration(project: Project, clip_id: Optional[str]) -> Optional[float]:
    if not project.main_track.clips:
        return None
    try:
        layout = TimelineLayout(project)
        return layout.clip_duration(clip_id) if clip_id else layout.track_end(project.main_track)
    except ProjectError:
        return None


def apply_text(project: Project, text: str, history=None, *, clip_id: Optional[str] = None,
               base: Optional[str] = None, extra_steps: Sequence = (), playhead: Optional[float] = None):
    """Parse ``text`` and apply it: edits become one undo step; "undo"/"redo" steps act on
    ``history`` in order. Returns the Plan (so callers can show what was understood).

    ``base``: the folder file names in the text are relative to (the project's folder in the
    editor; the current directory when None). ``extra_steps`` go before the parsed ones, in the
    same undo step (the CLI's ``--music``). ``playhead``: programme seconds where "here" is (a
    voice-over goes there)."""
    from . import parse

    plan = parse(text, {"duration": _target_duration(project, clip_id), "base": base, "playhead": playhead})
    if extra_steps:
        plan.steps[:0] = list(extra_steps)
    if history is not None and getattr(history, "project", False) is None:
        history.project = project
    pending: list = []

    def flush() -> None:
        if not pending:
            return
        sub = copy.copy(plan)
        sub.steps = list(pending)
        pending.clear()
        cmd = plan_to_command(sub, project, clip_id=clip_id)
        if not getattr(cmd, "commands", True):
            return
        if history is None:
            cmd.do(project)
        else:
            history.push(cmd)

    for step in plan.steps:
        action = getattr(step, "action", "apply")
        if action in ("undo", "redo"):
            flush()
            if history is None:
                raise ProjectError(f"Nothing to {action} here.")
            if not (history.can_undo if action == "undo" else history.can_redo):
                raise ProjectError(f"Nothing to {action}.")
            if action == "undo":
                history.undo()
            else:
                history.redo()
        else:
            pending.append(step)
    flush()
    return plan
