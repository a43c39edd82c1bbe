"""Broken and hostile project files: one clear line, a non-zero exit, and nothing written.

Each test writes a real project file the way a corrupt disk or a hand edit would, runs
``t2v-desktop export bad.t2v -o out.mp4`` through the CLI's entry point, and checks the single
error line and that the output folder holds nothing new (no output, no temp file).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from t2v_desktop.cli import main
from t2v_desktop.project.history import AddOp, SetOpRange, TrimClip
from t2v_desktop.project.model import MAX_OPS_PER_CLIP, AppliedOp, Project, short, tidy
from t2v_desktop.engine.render import Renderer
from t2v_desktop.errors import ParamError, ProjectError


def _good(clip) -> dict:
    return Project.from_media(str(clip)).to_json()


def _export_bad(tmp_path: Path, capsys, doc) -> str:
    """Write ``doc`` (a dict, or raw text) as bad.t2v, export it; return the one error line."""
    folder = tmp_path / "out"
    folder.mkdir()
    bad = tmp_path / "bad.t2v"
    bad.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    code = main(["export", str(bad), "-o", str(folder / "x.mp4")])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code != 0
    assert len(lines) == 1 and lines[0].startswith("error: "), err[:500]
    assert "unexpected" not in lines[0] and len(lines[0]) < 500, lines[0][:600]
    assert list(folder.iterdir()) == [], "nothing may be written"
    return lines[0]


def test_deeply_nested_json(tmp_path, capsys):
    line = _export_bad(tmp_path, capsys, "[" * 200_000 + "]" * 200_000)
    assert "nested too deeply" in line


def test_nested_values_inside_params(tmp_path, capsys, clip):
    doc = _good(clip)
    deep = 1
    for _ in range(500):  # shallow enough for json, too deep for anything downstream
        deep = [deep]
    doc["tracks"][0]["items"][0]["ops"] = [{"op": "blur", "params": {"radius": deep}}]
    line = _export_bad(tmp_path, capsys, doc)
    assert "'blur' parameter 'radius' must be a number" in line


@pytest.mark.parametrize("where, value", [
    ("in", 1e308), ("in", math.inf), ("out", math.inf), ("in", math.nan), ("in", -1), ("out", 1e308),
    ("range", [0, 1e308]), ("range", [0, math.inf]), ("range", [math.nan, 1]), ("range", [-5, 1]),
    ("range", [0, 86400 * 2]),
])
def test_times_out_of_bounds(tmp_path, capsys, clip, where, value):
    doc = _good(clip)
    c = doc["tracks"][0]["items"][0]
    if where == "range":
        c["ops"] = [{"op": "sepia", "params": {}, "range": value}]
    else:
        c[where] = value
    line = _export_bad(tmp_path, capsys, doc)  # json.dumps writes Infinity/NaN, as a bad editor would
    assert "Invalid project" in line and ("'in'" in line or "'out'" in line or "range of 'sepia'" in line)


@pytest.mark.parametrize("fps", [[1_000_000, 1], [1, 1_000_000], [0, 1], [241, 1], [True, 1], [30.0, 1], "30"])
def test_frame_rate_out_of_bounds(tmp_path, capsys, clip, fps):
    doc = _good(clip)
    doc["fps"] = fps
    line = _export_bad(tmp_path, capsys, doc)
    assert "'fps' must be" in line and "1 to 240" in line


@pytest.mark.parametrize("key, value", [("width", 100_000), ("height", 1), ("width", 8193), ("height", 2.5)])
def test_sizes_out_of_bounds(tmp_path, capsys, clip, key, value):
    doc = _good(clip)
    doc["width"], doc["height"] = 640, 360
    doc[key] = value
    line = _export_bad(tmp_path, capsys, doc)
    assert f"'{key}' must be 2 to 8192 pixels" in line


def test_bounds_allow_real_formats(clip):
    doc = _good(clip)
    doc.update(width=8192, height=4320, fps=[30000, 1001])
    p = Project.from_json(doc)
    assert (p.width, p.height, float(p.fps)) == (8192, 4320, pytest.approx(29.97, abs=0.01))
    doc.update(fps=[240, 1])
    assert Project.from_json(doc).fps == 240


def test_ten_thousand_ops_on_one_clip(tmp_path, capsys, clip):
    doc = _good(clip)
    doc["tracks"][0]["items"][0]["ops"] = [{"op": "brightness", "params": {"amount": 0.01}}] * 10_000
    line = _export_bad(tmp_path, capsys, doc)
    assert "10000 operations" in line and str(MAX_OPS_PER_CLIP) in line


def test_a_stack_too_deep_built_in_code_is_refused_clearly(clip):
    p = Project.from_media(str(clip))
    p.main_track.clips[0].ops = [AppliedOp("brightness", {"amount": 0.01}) for _ in range(10_000)]
    with pytest.raises(ProjectError, match="at most"):
        Renderer(p)


def test_the_largest_stack_renders_without_hitting_the_recursion_limit(clip):
    """MAX_OPS_PER_CLIP ops of every kind pulled through frame, audio, prepare and close, called
    from 150 frames deep (a GUI or test runner's own stack) to keep a margin."""
    p = Project.from_media(str(clip))
    kinds = [("brightness", {"amount": 0.001}), ("volume", {"gain_db": 0.01}), ("speed", {"factor": 1.001}),
             ("fade_in", {"duration": 0.1}), ("deflicker", {"strength": 0.1})]
    p.main_track.clips[0].ops = [AppliedOp(*kinds[k % len(kinds)]) for k in range(MAX_OPS_PER_CLIP)]

    def deep(n):
        if n:
            return deep(n - 1)
        with Renderer(p) as r:
            r.prepare()
            frame = r.frame(r.frame_count - 1)
            audio = r.audio(0.0, 0.2)
        return frame, audio

    frame, audio = deep(150)
    assert frame.shape[2] == 3 and audio.shape[0] == 2 and float(abs(audio).max()) > 0.01


def test_adding_past_the_op_limit_is_refused(clip):
    p = Project.from_media(str(clip))
    cid = p.main_track.clips[0].id
    p.main_track.clips[0].ops = [AppliedOp("brightness", {"amount": 0.01}) for _ in range(MAX_OPS_PER_CLIP)]
    with pytest.raises(ProjectError, match="already has"):
        AddOp(cid, AppliedOp("sepia", {})).do(p)
    assert len(p.main_track.clips[0].ops) == MAX_OPS_PER_CLIP


def test_edit_commands_refuse_non_finite_times(clip):
    p = Project.from_media(str(clip))
    cid = p.main_track.clips[0].id
    AddOp(cid, AppliedOp("sepia", {}, (0.0, 1.0))).do(p)
    op_id = p.main_track.clips[0].ops[0].id
    for rng in ((0.0, math.inf), (math.nan, 1.0), (0.0, 1e308)):
        with pytest.raises(ParamError):
            SetOpRange(cid, op_id, rng).do(p)
    with pytest.raises(ParamError):
        TrimClip(cid, math.nan, None).do(p)
    assert p.main_track.clips[0].ops[0].range == (0.0, 1.0) and p.main_track.clips[0].in_point == 0.0


HUGE = "x" * 50_000_000


@pytest.mark.parametrize("where", ["op", "param", "kind", "source", "name", "in", "unknown_param"])
def test_a_50_mb_string_is_never_echoed_whole(tmp_path, capsys, clip, where):
    doc = _good(clip)
    c = doc["tracks"][0]["items"][0]
    if where == "op":
        c["ops"] = [{"op": HUGE}]
    elif where == "param":
        c["ops"] = [{"op": "blur", "params": {"radius": HUGE}}]
    elif where == "unknown_param":
        c["ops"] = [{"op": "blur", "params": {HUGE[:5000]: 1}}]
    elif where == "kind":
        doc["tracks"][0]["kind"] = HUGE
    elif where == "source":
        c["source"] = HUGE
    elif where == "name":
        c["name"] = HUGE
    else:
        c["in"] = HUGE
    _export_bad(tmp_path, capsys, doc)  # asserts one line under 500 characters


def test_unknown_operation_is_named(tmp_path, capsys, clip):
    doc = _good(clip)
    doc["tracks"][0]["items"][0]["ops"] = [{"op": "frobnicate", "params": {}}]
    line = _export_bad(tmp_path, capsys, doc)
    assert "operation 1" in line and "frobnicate" in line


def test_a_range_wholly_past_the_clip_end_is_a_warning_not_silence(tmp_path, capsys, clip):
    doc = _good(clip)  # the clip is 2 s long
    doc["tracks"][0]["items"][0]["ops"] = [{"op": "black_and_white", "params": {}, "range": [100, 110]}]
    bad = tmp_path / "late.t2v"
    bad.write_text(json.dumps(doc))
    out = tmp_path / "late.mp4"
    assert main(["export", str(bad), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: clip" in err and "'black_and_white' starts at 100s" in err and "no effect" in err
    assert out.exists() and out.stat().st_size > 0


@pytest.mark.parametrize("op", ["cut", "trim", "speed"])
def test_a_timing_range_wholly_past_the_clip_end_is_an_error(tmp_path, capsys, clip, op):
    doc = _good(clip)
    doc["tracks"][0]["items"][0]["ops"] = [{"op": op, "params": {}, "range": [100, 110]}]
    line = _export_bad(tmp_path, capsys, doc)
    assert f"'{op}'" in line and "100" in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_folder_is_not_read(tmp_path, capsys):
    fifo = tmp_path / "pipe.t2v"
    os.mkfifo(fifo)  # reading it would block forever
    for path in (fifo, tmp_path):
        assert main(["export", str(path), "-o", str(tmp_path / "x.mp4")]) != 0
        assert "not a project file" in capsys.readouterr().err
    assert not (tmp_path / "x.mp4").exists()


def test_error_text_helpers_cut_long_values():
    assert len(short("y" * 10_000)) <= 80 and short(5) == "5"
    assert len(tidy("bad " + "z" * 10_000 + " value")) <= 300
    assert tidy("a   b\nc") == "a b c"


def test_a_good_project_still_round_trips(tmp_path, clip):
    p = Project.from_media(str(clip))
    AddOp(p.main_track.clips[0].id, AppliedOp("sepia", {}, (0.5, 1.5))).do(p)
    path = tmp_path / "ok.t2v"
    p.save(path)
    q = Project.load(path)
    assert q.to_json(relative_to=tmp_path) == p.to_json(relative_to=tmp_path)
    assert os.path.samefile(q.main_track.clips[0].path, clip)
