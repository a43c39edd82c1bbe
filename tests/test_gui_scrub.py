"""Scrubbing: while the slider or the timeline's playhead is dragged, the preview shows frames from
the file's all-intra scrubbing proxy (built in the background); when the drag ends, the exact frame."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt  # noqa: E402

from t2v_desktop.media.synth import read_frame_number  # noqa: E402


@pytest.fixture
def win(qtbot, main_window, make_clip, tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_SCRUB_PROXY", "1")
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    w = main_window
    w.open_media(str(make_clip("scrub", duration=2.0, pattern="texture")))
    qtbot.waitUntil(lambda: w.preview.shown_index == 0, timeout=10000)
    yield w
    w.preview.pause()


def exact_frame(w, index):
    from t2v_desktop.gui import core

    r = core.make_renderer(w.project, w.preview.scale)
    try:
        return np.array(r.frame(index))
    finally:
        core.close_renderer(r)


def test_drag_shows_proxy_frames_then_the_exact_frame(win, qtbot):
    from t2v_desktop.media.proxy import open_proxy

    src = win.project.all_clips()[0].path
    qtbot.waitUntil(lambda: open_proxy(src) is not None, timeout=30000)  # built in the background
    p = win.preview
    p.set_scrubbing(True)
    p.seek_frame(37)
    qtbot.waitUntil(lambda: p.shown_index == 37, timeout=10000)
    during = np.array(p.frame)
    exact = exact_frame(win, 37)
    assert during.shape == exact.shape
    assert read_frame_number(during) == read_frame_number(exact) == 37  # the right frame...
    assert np.abs(during.astype(int) - exact).mean() > 0  # ...from the proxy's JPEG, not the exact one
    assert p.worker.get(37, exact=True) is None  # never kept as an exact frame
    p.set_scrubbing(False)
    qtbot.waitUntil(lambda: p.frame is not None and np.array_equal(p.frame, exact), timeout=10000)
    assert p.shown_index == 37


def test_timeline_playhead_drag_scrubs(win, qtbot):
    tl, p = win.timeline, win.preview
    seen = []
    tl.scrubbing.connect(seen.append)
    y = 5  # the ruler: a seek, not a clip
    qtbot.mousePress(tl, Qt.LeftButton,
                     pos=QPoint(int(tl.x_of(1.0)), y))
    assert p.scrubbing is True
    qtbot.mouseRelease(tl, Qt.LeftButton,
                       pos=QPoint(int(tl.x_of(1.0)), y))
    assert seen == [True, False] and p.scrubbing is False
    idx = p.index
    exact = exact_frame(win, idx)
    qtbot.waitUntil(lambda: p.frame is not None and np.array_equal(p.frame, exact), timeout=10000)


def test_without_a_proxy_scrubbing_shows_exact_frames(qtbot, main_window, make_clip, monkeypatch):
    monkeypatch.setenv("T2V_SCRUB_PROXY", "0")
    w = main_window
    w.open_media(str(make_clip("scrub", duration=2.0, pattern="texture")))
    p = w.preview
    qtbot.waitUntil(lambda: p.shown_index == 0, timeout=10000)
    p.set_scrubbing(True)
    p.seek_frame(20)
    qtbot.waitUntil(lambda: p.shown_index == 20, timeout=10000)
    assert np.array_equal(p.frame, exact_frame(w, 20))


def test_each_file_is_looked_at_once_for_a_proxy(tmp_path, monkeypatch, make_clip):
    """The preview gets a new project on every edit: the file is not opened again each time."""
    import time

    from t2v_desktop.project.model import Project
    from t2v_desktop.gui import preview
    from t2v_desktop.media import proxy

    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    looked = []
    monkeypatch.setattr(proxy, "needs_proxy", lambda p: looked.append(p) or False)
    project = Project.from_media(str(make_clip("once", duration=1.0)))
    for _ in range(3):
        preview.start_scrub_proxies(project)
    deadline = time.monotonic() + 10
    while not looked and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    assert looked == [project.all_clips()[0].path]
