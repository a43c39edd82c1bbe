"""The export child's protocol (``t2v-desktop _export-job``), without Qt: JSON lines out, a
``cancel`` line or a closed stdin in; presets customised in the dialog survive the trip."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from fractions import Fraction

from t2v_desktop.export_job import preset_from_json, preset_to_json, result_from_json


def run_child(args, stdin_text=None, keep_open=False):
    cmd = [sys.executable, "-m", "t2v_desktop", "_export-job", *map(str, args)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if stdin_text:
        proc.stdin.write(stdin_text.encode())
        proc.stdin.flush()
    if not keep_open:
        proc.stdin.close()
    lines = [json.loads(ln) for ln in proc.stdout]  # ends when the child exits
    if keep_open:
        proc.stdin.close()
    proc.wait(timeout=120)
    return proc.returncode, lines, proc.stderr.read().decode()


def test_custom_preset_round_trips_through_json():
    from t2v_desktop.media.presets import PRESETS

    for p in (PRESETS["gif"], PRESETS["social-9x16"],
              dataclasses.replace(PRESETS["h264"], max_size=(854, 480), max_fps=Fraction(30000, 1001),
                                  video_options={"crf": "28", "preset": "medium"})):
        assert preset_from_json(json.loads(json.dumps(preset_to_json(p)))) == p


def test_child_exports_with_progress_lines_and_a_result(tmp_path, make_clip):
    from t2v_desktop.project.model import Project
    from t2v_desktop.media.info import probe
    from t2v_desktop.media.presets import PRESETS

    Project.from_media(str(make_clip(duration=1.0))).save(tmp_path / "p.json")
    out = tmp_path / "o.mp4"
    preset = dataclasses.replace(PRESETS["h264"], max_size=(80, 60))
    code, lines, err = run_child([tmp_path / "p.json", "-o", out, "--preset-json", json.dumps(preset_to_json(preset))],
                                 keep_open=True)
    assert code == 0, err
    progress = [ln for ln in lines if "done" in ln]
    assert progress and progress[-1]["done"] == progress[-1]["total"] == 25
    res = result_from_json(lines[-1]["result"])
    assert res.path == out and res.frames == 25 and (res.width, res.height) == (80, 60) and res.fps == 25
    info = probe(out)
    assert (info.width, info.height) == (80, 60) and info.has_audio and abs(info.duration - 1.0) < 0.1


def test_cancel_line_and_closed_stdin_both_cancel(tmp_path, make_clip):
    from t2v_desktop.project.model import Project

    Project.from_media(str(make_clip(duration=1.0))).save(tmp_path / "p.json")
    for stdin_text in ("cancel\n", None):  # None: stdin closed, as when the editor dies
        out = tmp_path / "c.mp4"
        code, lines, err = run_child([tmp_path / "p.json", "-o", out, "--preset", "h264"], stdin_text,
                                     keep_open=stdin_text is not None)
        assert code == 130, err
        assert lines[-1] == {"error": "Cancelled.", "kind": "Cancelled"}
        assert list(tmp_path.glob(".c.*")) == [] and not out.exists()


def test_errors_are_one_json_line_and_stdout_stays_clean(tmp_path):
    code, lines, _ = run_child([tmp_path / "nope.json", "-o", tmp_path / "o.mp4", "--preset", "h264"],
                               keep_open=True)
    assert code == 1
    assert len(lines) == 1 and lines[0]["kind"] == "ProjectError" and "nope.json" in lines[0]["error"]
