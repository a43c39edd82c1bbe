"""The timeline after timing edits: op-range bars only over footage that still exists (in the
chain's output time), a zoom that stays put across edits (fit on request), and one duration for
a file in the bin and on the timeline."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from t2v_desktop.gui.timeline import VIDEO_H, VIDEO_Y  # noqa: E402


@pytest.fixture
def win(qtbot, main_window, make_clip):
    w = main_window
    w.resize(1280, 820)
    # grey footage: the only orange on the timeline is an op-range bar
    w.open_media(str(make_clip("four", duration=4.0, pattern="solid", color=(120, 120, 120))))
    qtbot.waitUntil(lambda: w.preview.shown_index == 0)
    w.activateWindow()  # window shortcuts (Ctrl+0) need the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    yield w
    w.undo_stack.setClean()


def op_spans(w):
    clip = w.project.all_clips()[0]
    return [w.timeline.layout[clip.id][0][o.id] for o in clip.ops if o.range is not None]


def orange_columns(w) -> np.ndarray:
    """x of the pixels of the first op-range bar row that are drawn orange."""
    img = w.timeline.grab().toImage()
    y = VIDEO_Y + VIDEO_H - 12 + 1
    xs = [x for x in range(img.width()) if (lambda c: c.red() > 200 and 140 < c.green() < 205 and c.blue() < 130)(
        img.pixelColor(x, y))]
    return np.array(xs)


def test_a_range_moves_with_a_later_speed_change(win, qtbot):
    win.apply_command("black and white from 0:01 to 0:03")
    ((span,),) = op_spans(win)
    assert span == pytest.approx((1.0, 3.0))
    xs = orange_columns(win)
    assert abs(xs.min() - win.timeline.x_of(1.0)) <= 2 and abs(xs.max() - win.timeline.x_of(3.0)) <= 3
    win.apply_command("speed up 2x")
    ((span,),) = op_spans(win)
    assert span == pytest.approx((0.5, 1.5), abs=0.05)
    xs = orange_columns(win)
    assert abs(xs.min() - win.timeline.x_of(0.5)) <= 3 and abs(xs.max() - win.timeline.x_of(1.5)) <= 3


def test_a_cut_range_draws_no_bar_over_footage_that_remains(win, qtbot):
    win.apply_command("trim the first second")
    assert [o.op for o in win.project.all_clips()[0].ops] == ["cut"]
    assert op_spans(win) == [[]]  # the cut second no longer exists
    assert orange_columns(win).size == 0
    assert win.timeline.duration == pytest.approx(3.0, abs=0.05)


def test_edits_keep_the_zoom_and_fit_is_on_request(win, qtbot):
    tl = win.timeline
    fit = tl.scale()
    end_before = tl.x_of(tl.spans[-1][2])
    win.apply_command("trim the first second")
    assert tl.scale() == pytest.approx(fit)  # not re-fitted: the clip looks shorter
    assert end_before - tl.x_of(tl.spans[-1][2]) == pytest.approx(fit * 1.0, rel=0.05)
    tl.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tl)
    qtbot.keyClick(tl, Qt.Key_0, Qt.ControlModifier)  # View > Fit
    assert tl.scale() == pytest.approx(fit * 4 / 3, rel=0.03)
    qtbot.keyClick(tl, Qt.Key_Equal)  # zoom in, then an edit keeps that zoom too
    zoomed = tl.scale()
    win.apply_command("speed up 2x")
    assert tl.scale() == pytest.approx(zoomed)


def _clip_with_longer_sound(path, seconds=1.0, extra=0.4, fps=25, rate=48000):
    import av

    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        a = out.add_stream("aac", rate=rate)
        a.layout = "mono"
        for i in range(int(seconds * fps)):
            f = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 8 % 255, np.uint8), format="rgb24")
            f.pts = i
            f.time_base = Fraction(1, fps)
            for pkt in v.encode(f):
                out.mux(pkt)
        for pkt in v.encode():
            out.mux(pkt)
        n, pts = int((seconds + extra) * rate), 0
        while pts < n:
            k = min(1024, n - pts)
            af = av.AudioFrame.from_ndarray(np.zeros((1, k), np.float32), format="fltp", layout="mono")
            af.sample_rate, af.pts, af.time_base = rate, pts, Fraction(1, rate)
            for pkt in a.encode(af):
                out.mux(pkt)
            pts += k
        for pkt in a.encode():
            out.mux(pkt)


def test_bin_and_timeline_give_one_duration(main_window, tmp_path):
    from t2v_desktop.gui.core import fmt_time
    from t2v_desktop.media.info import probe

    path = tmp_path / "longer-sound.mp4"
    _clip_with_longer_sound(path)
    assert probe(str(path)).duration > 1.2  # the container counts the sound's extra 0.4 s
    w = main_window
    assert w.open_media(str(path))
    assert w.timeline.duration == pytest.approx(1.0, abs=0.01)
    shown = fmt_time(w.timeline.duration)
    assert w.bin.list.item(0).text().splitlines()[1].startswith(shown)
    assert w.bin.duration_of(str(path.resolve())) == pytest.approx(w.timeline.duration)
    w.undo_stack.setClean()


def test_opening_other_media_fits_it(win, make_clip):
    tl = win.timeline
    four = tl.scale()
    assert win.open_media(str(make_clip("two", duration=2.0)))
    assert tl.scale() == pytest.approx(four * 2, rel=0.03)  # a new project is shown whole
