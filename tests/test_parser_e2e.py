"""Typed commands all the way to pixels: parse -> apply_text -> Renderer on a real synthetic clip.

The parser's own tests check plans; these check that what it produces is what the edit layer and
ops expect (names, params, ranges resolved against the clip), by looking at the rendered frames.
"""

from __future__ import annotations

import numpy as np
import pytest

from t2v_desktop.commands import parse
from t2v_desktop.media.synth import read_frame_number
from t2v_desktop.ops import aliases, find_op

apply_mod = pytest.importorskip("t2v_desktop.commands.apply")
render_mod = pytest.importorskip("t2v_desktop.engine.render")
from t2v_desktop.project.model import Project  # noqa: E402


def _project(make_clip):
    return Project.from_media(str(make_clip()))  # 2 s, 25 fps, 160x120, frame numbers on top


def _greyness(frame: np.ndarray) -> float:
    body = frame[40:].astype(np.int16)  # below the frame-number row
    return float(np.abs(body[..., 0] - body[..., 1]).mean() + np.abs(body[..., 1] - body[..., 2]).mean())


def test_trim_then_black_and_white_for_the_last_half(make_clip):
    project = _project(make_clip)
    plan = apply_mod.apply_text(project, "trim the first 0.5 seconds, then make it black and white for the last half")
    assert [s.op for s in plan.steps] == ["cut", "black_and_white"]
    with render_mod.Renderer(project) as r:
        assert r.duration == pytest.approx(1.5, abs=0.05)
        first, late = r.frame_at(0.2), r.frame_at(1.3)
        assert read_frame_number(first) == pytest.approx(int(round((0.5 + 0.2) * 25)), abs=1)
    assert _greyness(first) > 5  # still colour before the range
    assert _greyness(late) < 2  # grey inside "the last half" of the trimmed clip


def test_speed_and_reverse_change_which_frames_play(make_clip):
    project = _project(make_clip)
    apply_mod.apply_text(project, "speed up 2x and reverse")
    with render_mod.Renderer(project) as r:
        assert r.duration == pytest.approx(1.0, abs=0.05)
        assert read_frame_number(r.frame(0)) >= 45  # the end of the source plays first
        assert read_frame_number(r.frame(r.frame_count - 1)) <= 3


def test_remove_step_takes_the_op_off(make_clip):
    project = _project(make_clip)
    apply_mod.apply_text(project, "sepia, then add a blur")
    apply_mod.apply_text(project, "remove the blur")
    assert [o.op for o in project.main_track.clips[0].ops] == ["sepia"]


@pytest.mark.parametrize("alias", sorted(a for a, op in aliases().items() if op != "ai_edit"))
def test_every_registry_name_and_synonym_parses_to_its_op(alias):
    op = aliases()[alias]
    suffix = {"cut": " from 0:01 to 0:02", "freeze": " at 0:01", "lut": " film.cube", "crop": " to 1:1",
              "resize": " to 720p"}.get(op, "")
    text = "keep only 0:01 to 0:02" if op == "trim" else alias + suffix
    plan = parse(text)
    assert [(s.action, s.op) for s in plan.steps] == [("apply", op)]
    assert find_op(op).validate(plan.steps[0].params) == plan.steps[0].params
