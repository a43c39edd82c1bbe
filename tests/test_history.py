"""Undoable edits and plan application: exact JSON round trips, split, ranges resolved per stack."""

from __future__ import annotations

import copy
import json

import pytest

from t2v_desktop.commands.plan import Plan, RangeSpec, Step, TimeRef
from t2v_desktop.commands.apply import apply_text, plan_to_command
from t2v_desktop.project.history import (
    AddClip,
    AddOp,
    Compound,
    History,
    MoveClip,
    MoveOp,
    RemoveClip,
    RemoveOp,
    SetOpParams,
    SetOpRange,
    SplitClip,
    ToggleOp,
    TrimClip,
)
from t2v_desktop.project.model import AppliedOp, Clip, Project
from t2v_desktop.engine.render import Renderer
from t2v_desktop.errors import ParamError, ProjectError, UnknownOperationError
from t2v_desktop.media.synth import read_frame_number


def snap(p: Project) -> str:
    return json.dumps(p.to_json(), sort_keys=True)


def numbers(p: Project) -> list[int]:
    with Renderer(p) as r:
        return [read_frame_number(f) for f in r.iter_frames()]


@pytest.fixture
def proj(make_clip):
    a = make_clip(duration=2.0)
    b = make_clip(duration=1.0, tone_hz=660)
    p = Project.from_media(str(a), str(b))
    p.main_track.clips[0].ops = [AppliedOp("brightness", {"amount": 0.2})]
    return p


def roundtrip(p: Project, cmd) -> None:
    """do/undo/redo through a History: undo restores the exact JSON, redo the exact result."""
    h = History(p)
    before = snap(p)
    h.push(cmd)
    after = snap(p)
    assert after != before
    assert h.can_undo and h.undo_label == cmd.label
    h.undo()
    assert snap(p) == before
    assert h.can_redo and h.redo_label == cmd.label
    h.redo()
    assert snap(p) == after


def test_every_command_undoes_exactly(proj, make_clip):
    c0, c1 = (c.id for c in proj.main_track.clips)
    op0 = proj.main_track.clips[0].ops[0].id
    new_clip = Clip(source=str(make_clip(duration=1.0)), name="extra")
    for cmd in [
        AddClip(new_clip, index=1),
        RemoveClip(c0),
        MoveClip(c1, 0),
        TrimClip(c0, 0.2, 1.5),
        AddOp(c0, AppliedOp("contrast", {"amount": 0.4}, range=(0.5, 1.0))),
        RemoveOp(c0, op0),
        ToggleOp(c0, op0),
        SetOpParams(c0, op0, {"amount": -0.5}),
        SetOpRange(c0, op0, (0.1, 0.9)),
        Compound("two things", [ToggleOp(c0, op0), MoveClip(c1, 0)]),
    ]:
        roundtrip(copy.deepcopy(proj), cmd)


def test_ops_reorder_and_labels(proj):
    c0 = proj.main_track.clips[0].id
    h = History(proj)
    h.push(AddOp(c0, AppliedOp("saturation", {"amount": -1.0})))
    sat = proj.main_track.clips[0].ops[1]
    assert sat.params == {"amount": -1.0}
    h.push(MoveOp(c0, sat.id, 0))
    assert [o.op for o in proj.main_track.clips[0].ops] == ["saturation", "brightness"]
    assert h.undo_label == "Move saturation"
    assert h.labels == ["Saturation", "Move saturation"]
    h.undo()
    h.undo()
    assert not h.can_undo
    with pytest.raises(ProjectError, match="Nothing to undo"):
        h.undo()


def test_invalid_changes_are_rejected_and_leave_the_project_alone(proj):
    c0 = proj.main_track.clips[0].id
    op0 = proj.main_track.clips[0].ops[0].id
    before = snap(proj)
    h = History(proj)
    with pytest.raises(ParamError, match="between -1 and 1"):
        h.push(SetOpParams(c0, op0, {"amount": 3.0}))
    with pytest.raises(ParamError):
        h.push(AddOp(c0, AppliedOp("blur", {"radius": 500})))
    with pytest.raises(UnknownOperationError):
        h.push(AddOp(c0, AppliedOp("make it pop")))
    with pytest.raises(ParamError, match="needs a time range"):
        h.push(AddOp(c0, AppliedOp("cut")))
    with pytest.raises(ParamError, match="past the end"):
        h.push(TrimClip(c0, 0.0, 9.0))
    # a compound that fails half-way leaves nothing behind
    with pytest.raises(ProjectError):
        h.push(Compound("bad", [ToggleOp(c0, op0), RemoveOp(c0, "nope")]))
    assert snap(proj) == before and not h.can_undo


def test_split_undo_redo_exact_json_and_same_picture(proj):
    before_nums = numbers(proj)
    before = snap(proj)
    h = History(proj)
    h.push(SplitClip(0.8))
    clips = proj.main_track.clips
    assert len(clips) == 3
    assert (clips[0].in_point, clips[0].out_point, clips[1].in_point) == (0.0, 0.8, 0.8)
    assert [o.op for o in clips[1].ops] == ["brightness"] and clips[1].ops[0].id != clips[0].ops[0].id
    assert numbers(proj) == before_nums
    after = snap(proj)
    h.undo()
    assert snap(proj) == before
    h.redo()
    assert snap(proj) == after


def test_split_through_timing_ops_and_ranges(make_clip):
    p = Project.from_media(str(make_clip(duration=2.0)))
    clip = p.main_track.clips[0]
    clip.ops = [
        AppliedOp("cut", range=(0.2, 0.4)),                       # 45 frames left
        AppliedOp("speed", {"factor": 2.0}, range=(0.8, 1.2)),    # 40 frames
        AppliedOp("black_and_white", range=(0.2, 1.0)),
        AppliedOp("fade_out", {"duration": 0.2}),
    ]
    before_nums = numbers(p)
    h = History(p)
    h.push(SplitClip(0.6))  # output frame 15, inside the ranged black-and-white, before the speed-up
    left, right = p.main_track.clips
    assert left.out_point == pytest.approx(0.8) and right.in_point == pytest.approx(0.8)
    assert [o.op for o in left.ops] == ["cut", "black_and_white"]
    assert left.ops[1].range == pytest.approx((0.2, 0.6))
    assert [o.op for o in right.ops] == ["speed", "black_and_white", "fade_out"]
    assert right.ops[0].range == pytest.approx((0.2, 0.6))
    assert right.ops[1].range == pytest.approx((0.0, 0.4))
    assert numbers(p) == before_nums


def test_split_rejects_edges(proj):
    with pytest.raises(ParamError, match="no clip to split"):
        History(proj).push(SplitClip(2.0))  # the boundary between the two clips


# -- plans ---------------------------------------------------------------------------------------

def step(op, params=None, rng=None, **kw) -> Step:
    r = None if rng is None else RangeSpec(TimeRef(rng[0]), None if rng[1] is None else TimeRef(rng[1]))
    return Step(op=op, params=params or {}, range=r, **kw)


def test_plan_ranges_resolve_against_the_stack(make_clip):
    p = Project.from_media(str(make_clip(duration=2.0)))
    cid = p.main_track.clips[0].id
    last_half = Step(op="black_and_white", range=RangeSpec(TimeRef(0.5, "fraction"), None))
    cmd = plan_to_command(Plan([step("speed", {"factor": 2.0}), last_half]), p, clip_id=cid)
    History(p).push(cmd)
    ops = p.main_track.clips[0].ops
    assert [o.op for o in ops] == ["speed", "black_and_white"]
    assert ops[1].range == pytest.approx((0.5, 1.0))  # half of the sped-up 1 s, not of 2 s
    assert ops[1].params == {"amount": 1.0}  # defaults filled in


def test_plan_range_past_the_end_is_an_error(make_clip):
    p = Project.from_media(str(make_clip(duration=2.0)))
    cid = p.main_track.clips[0].id
    before = snap(p)
    with pytest.raises(ParamError, match="past the end"):
        plan_to_command(Plan([step("black_and_white", rng=(0.5, 12.0))]), p, clip_id=cid)
    with pytest.raises(ParamError, match="only 0:02.00 long"):
        plan_to_command(Plan([step("black_and_white", rng=(5.0, 12.0))]), p, clip_id=cid)
    with pytest.raises(ParamError, match="whole clip"):  # size-changing op with a range
        plan_to_command(Plan([step("crop", {"aspect": "1:1"}, rng=(0.5, 1.0))]), p, clip_id=cid)
    with pytest.raises(ParamError, match="between"):
        plan_to_command(Plan([step("speed", {"factor": 10})]), p, clip_id=cid)
    assert snap(p) == before


def test_timeline_plan_splits_a_range_over_clips(proj):
    c0, c1 = (c.id for c in proj.main_track.clips)
    cmd = plan_to_command(Plan([step("black_and_white", rng=(1.5, 2.5))], target="timeline"), proj, clip_id=c0)
    History(proj).push(cmd)
    assert proj.main_track.clips[0].ops[-1].range == pytest.approx((1.5, 2.0))
    assert proj.main_track.clips[1].ops[-1].range == pytest.approx((0.0, 0.5))
    cmd = plan_to_command(Plan([step("volume", {"gain_db": -6})]), proj, clip_id=None)
    History(proj).push(cmd)
    assert all(c.ops[-1].op == "volume" for c in proj.main_track.clips)


def test_apply_text_steps_undo_redo_remove(proj, monkeypatch):
    plans = {
        "warm and b&w": Plan([step("temperature", {"amount": 0.3}), step("black_and_white")]),
        "undo": Plan([Step(op="undo", action="undo")]),
        "redo": Plan([Step(op="redo", action="redo")]),
        "remove the brightness": Plan([Step(op="brightness", action="remove")]),
        "undo, then blur": Plan([Step(op="undo", action="undo"), step("blur", {"radius": 2.0})]),
    }
    monkeypatch.setattr("t2v_desktop.commands.parse", lambda text, context=None: plans[text])
    c0 = proj.main_track.clips[0].id
    ops = lambda: [o.op for o in proj.main_track.clips[0].ops]  # noqa: E731
    h = History()
    apply_text(proj, "warm and b&w", h, clip_id=c0)
    assert ops() == ["brightness", "temperature", "black_and_white"]
    assert h.undo_label == "Temperature; Black and white"
    apply_text(proj, "undo", h, clip_id=c0)
    assert ops() == ["brightness"]  # one command = one undo step
    apply_text(proj, "redo", h, clip_id=c0)
    apply_text(proj, "remove the brightness", h, clip_id=c0)
    assert ops() == ["temperature", "black_and_white"]
    apply_text(proj, "undo, then blur", h, clip_id=c0)
    assert ops() == ["brightness", "temperature", "black_and_white", "blur"]
    with pytest.raises(ProjectError, match="no sepia"):
        monkeypatch.setattr("t2v_desktop.commands.parse",
                            lambda text, context=None: Plan([Step(op="sepia", action="remove")]))
        apply_text(proj, "remove the sepia", h, clip_id=c0)


def test_apply_text_with_the_real_parser(make_clip):
    pytest.importorskip("t2v_desktop.commands.parser")
    p = Project.from_media(str(make_clip(duration=2.0)))
    cid = p.main_track.clips[0].id
    h = History(p)
    apply_text(p, "speed up 2x, then make it black and white", h, clip_id=cid)
    assert [o.op for o in p.main_track.clips[0].ops] == ["speed", "black_and_white"]
    with Renderer(p) as r:
        assert r.frame_count == 25
    apply_text(p, "undo", h, clip_id=cid)
    assert p.main_track.clips[0].ops == []


def test_split_refuses_reversed_spans_and_freeze_holds(make_clip):
    p = Project.from_media(str(make_clip(duration=2.0)))
    p.main_track.clips[0].ops = [AppliedOp("reverse", range=(0.4, 1.2))]
    with pytest.raises(ParamError, match="reversed"):
        History(p).push(SplitClip(0.8))
    History(p).push(SplitClip(1.6))  # after the reversed span: fine
    assert [len(c.ops) for c in p.main_track.clips] == [1, 0]
    q = Project.from_media(str(make_clip(duration=2.0)))
    q.main_track.clips[0].ops = [AppliedOp("freeze", {"at": 0.4, "duration": 1.0})]
    with pytest.raises(ParamError, match="freeze"):
        History(q).push(SplitClip(0.8))
    before = numbers(q)
    History(q).push(SplitClip(1.4))  # just after the hold: the freeze stays on the left
    assert [o.op for o in q.main_track.clips[0].ops] == ["freeze"] and q.main_track.clips[1].ops == []
    # same timing; the hold now shows the left half's last frame (9), as frame 10 went right
    assert numbers(q) == before[:10] + [9] * 25 + before[35:]
    History(q).push(SplitClip(2.0))  # inside the right half: exact
    assert numbers(q) == before[:10] + [9] * 25 + before[35:]


def test_remove_last_effect_and_reset_through_apply_text(make_clip):
    """'remove the last effect' drops the newest op; 'reset' drops every op in one undo step."""
    from t2v_desktop.commands.apply import apply_text
    from t2v_desktop.project.history import History
    from t2v_desktop.project.model import Project

    project = Project.from_media(str(make_clip()))
    history = History(project)
    apply_text(project, "make it brighter, then blur it, then sepia", history)
    assert [o.op for o in project.main_track.clips[0].ops] == ["brightness", "blur", "sepia"]
    apply_text(project, "remove the last effect", history)
    assert [o.op for o in project.main_track.clips[0].ops] == ["brightness", "blur"]
    apply_text(project, "reset", history)
    assert project.main_track.clips[0].ops == []
    history.undo()
    assert [o.op for o in project.main_track.clips[0].ops] == ["brightness", "blur"]
