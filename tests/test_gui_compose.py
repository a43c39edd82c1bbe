"""The editor drives composition by typing: a title and a logo from the command bar land on their
tracks, show in the preview's pixels, read in the plan, and undo as one step. File names resolve
against the project's folder."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402


@pytest.fixture
def win(qtbot, main_window, make_clip, tmp_path):
    w = main_window
    src = tmp_path / "clip.mp4"
    src.write_bytes(make_clip("black", duration=2.0, pattern="solid", color=(0, 0, 0), width=320, height=180)
                    .read_bytes())
    w.open_media(str(src))
    qtbot.waitUntil(lambda: w.preview.shown_index == 0)
    return w


def _type(qtbot, w, text):
    w.command_bar.input.clear()
    qtbot.keyClicks(w.command_bar.input, text)
    qtbot.keyClick(w.command_bar.input, Qt.Key_Return)


def test_title_typed_in_the_bar_shows_and_undoes_in_one_step(win, qtbot):
    before = win.preview.frame.copy()
    _type(qtbot, win, "add a title 'HELLO' for the first 2 seconds")
    titles = [t for t in win.project.video_tracks if t is not win.project.main_track]
    assert titles and titles[0].clips[0].source.text == "HELLO"
    qtbot.waitUntil(lambda: np.abs(win.preview.frame.astype(int) - before).max() > 100, timeout=10000)
    assert "title" in win.command_bar.plan_label.text().lower()
    win.undo_stack.undo()
    assert not any(t.clips for t in win.project.video_tracks if t is not win.project.main_track)


def test_logo_file_name_resolves_against_the_media_folder(win, qtbot, tmp_path):
    from PIL import Image

    rgba = np.zeros((40, 80, 4), np.uint8)
    rgba[..., :3], rgba[..., 3] = 255, 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "logo.png")
    _type(qtbot, win, "put logo.png in the top right corner at 50% opacity")
    clips = [c for c in win.project.all_clips() if c.source.type == "image"]
    assert clips and clips[0].path == str(tmp_path / "logo.png")
    qtbot.waitUntil(lambda: win.preview.frame[:, -20:].max() > 90, timeout=10000)
    assert win.preview.frame[:, :20].max() < 10  # only in the right corner


def test_an_animated_param_shows_as_animated_not_as_a_slider(qtbot):
    from PySide6.QtWidgets import QLabel

    from t2v_desktop.gui.edit_stack import make_editor, op_summary
    from t2v_desktop.keyframes import Keyframes
    from t2v_desktop.ops.registry import get_op
    from t2v_desktop.project.model import AppliedOp

    ramp = Keyframes.of([(0, 0.0), (2, 0.5)])
    spec = get_op("brightness")
    p = next(iter(spec.params)) if not isinstance(spec.params, dict) else next(iter(spec.params.values()))
    w, get, _ = make_editor(p, ramp, lambda: None)
    qtbot.addWidget(w)
    assert isinstance(w, QLabel) and "animated" in w.text() and get() is ramp
    assert "animated 0→0.5" in op_summary(AppliedOp("brightness", {"amount": ramp}))
