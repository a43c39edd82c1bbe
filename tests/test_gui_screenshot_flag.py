"""``t2v-desktop --screenshot OUT.png FILE`` opens the real window offscreen, waits for the first
frame and the thumbnails, writes the window as a PNG and exits 0; a file that does not open fails
with one line and writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("PySide6")


def _run(tmp_path, *args):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               HOME=str(tmp_path), T2V_AUTOSAVE_DIR=str(tmp_path / "autosave"), T2V_SCRUB_PROXY="0")
    return subprocess.run([sys.executable, "-m", "t2v_desktop", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_screenshot_of_the_window_with_the_clip_in_the_preview(tmp_path, make_clip):
    from PIL import Image

    src = make_clip("red", pattern="solid", color=(220, 20, 20), width=320, height=180, duration=1.0)
    out = tmp_path / "shot.png"
    r = _run(tmp_path, "--screenshot", str(out), str(src))
    assert r.returncode == 0, r.stderr
    img = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert img.shape[1] == 1440 and img.shape[0] == 900  # the window's size
    red = (img[..., 0] > 180) & (img[..., 1] < 70) & (img[..., 2] < 70)
    assert red.sum() > 40_000  # the preview shows the clip (not a blank or black area)
    assert not list(tmp_path.glob(".*part*"))


def test_a_file_that_does_not_open_fails_in_one_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    out = tmp_path / "shot.png"
    r = _run(tmp_path, "--screenshot", str(out), str(bad))
    assert r.returncode != 0
    assert "notes.mp4" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
