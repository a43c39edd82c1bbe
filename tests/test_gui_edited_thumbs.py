"""Timeline thumbnails show the EDITED clip: after "make it black and white" the clip's thumbnails
on the timeline are grey (pixels read from the real widget), made off the GUI thread, keyed by
content (source identity + op stack, not the clip's id), and back to the red source after undo."""

from __future__ import annotations

import copy

import pytest
from gui_projects import open_in_window

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtGui import QColor  # noqa: E402

from t2v_desktop.gui.thumbs import edited_key  # noqa: E402
from t2v_desktop.project.model import AppliedOp, Clip, Project, Track  # noqa: E402


def thumb_pixels(w):
    """RGB of the timeline's pixels where the main clip's thumbnails are drawn."""
    tl = w.timeline
    row = next(r for r in tl.rows if r.main)
    clip, a, b = row.clip_spans()[0]
    img = tl.grab().toImage()
    x0, x1 = int(tl.x_of(a)) + 4, int(tl.x_of(b)) - 4
    ys = range(row.y + 20, row.y + row.h - 4, 4)
    return [QColor(img.pixel(x, y)).getRgb()[:3] for x in range(x0, min(x1, img.width() - 2), 6) for y in ys]


def share(pixels, pred) -> float:
    return sum(1 for p in pixels if pred(*p)) / max(1, len(pixels))


def red(r, g, b):
    return r > 150 and g < 90 and b < 90


def grey(r, g, b):
    return max(r, g, b) - min(r, g, b) < 16 and r > 40


def settle(qtbot, w):
    """Until a fresh paint of the rows, made with every load in, asks for nothing new (each paint
    asks for the first missing thumbnail along a clip, so they arrive one after another)."""
    for _ in range(200):
        qtbot.waitUntil(w.thumbs.settled, timeout=15000)
        asked = w.thumbs.asked
        w.timeline.invalidate()
        w.timeline.grab()
        if w.thumbs.asked == asked:
            return
    raise AssertionError("the timeline's thumbnails never settled")


def test_edited_thumbnails_follow_the_op_stack(qtbot, main_window, make_clip, tmp_path):
    src = make_clip("thumb-red", duration=2.0, pattern="solid", color=(220, 30, 30), audio=False,
                    number_frames=False)
    w = open_in_window(main_window, qtbot, Project(tracks=[Track("video", [Clip(source=str(src))])]),
                       tmp_path / "red.t2v")
    settle(qtbot, w)
    assert share(thumb_pixels(w), red) > 0.9
    # the clip has no sound: its sound lane is dim and says so (no green lane, no volume line)
    row = next(r for r in w.timeline.rows if r.main)
    img = w.timeline.grab().toImage()
    lane = [QColor(img.pixel(x, row.sound_y + 4)).getRgb()[:3] for x in range(int(w.timeline.x_of(1.0)),
                                                                            int(w.timeline.x_of(1.8)), 5)]
    assert all(p == (0x20, 0x23, 0x27) for p in lane), lane[:3]

    w.apply_command("make it black and white")
    clip = w.project.all_clips()[0]
    assert edited_key(clip, w.timeline.tlayout.fps) is not None
    settle(qtbot, w)
    px = thumb_pixels(w)
    assert share(px, grey) > 0.9, px[:5]
    assert share(px, red) == 0.0
    assert len(w.thumbs._edited) >= 1  # drawn from the edited cache, made on the worker

    w.undo_stack.undo()
    settle(qtbot, w)
    assert share(thumb_pixels(w), red) > 0.9
    w.undo_stack.redo()  # the same stack again: its thumbnails are still cached, no new load
    n = len(w.thumbs._edited)
    settle(qtbot, w)
    assert len(w.thumbs._edited) == n and share(thumb_pixels(w), grey) > 0.9
    w.undo_stack.setClean()


def test_edited_key_is_content_not_identity(make_clip):
    src = make_clip("thumb-key", duration=1.0, audio=False)
    bw = Clip(source=str(src), ops=[AppliedOp("black_and_white")])
    twin = copy.deepcopy(bw)
    twin.id, twin.ops[0].id = "other", "other-op"
    assert edited_key(bw, 25) is not None
    assert edited_key(twin, 25) == edited_key(bw, 25)  # same source and stack, other ids: same key
    assert edited_key(Clip(source=str(src)), 25) is None  # no picture op: the source's thumbnails
    assert edited_key(Clip(source=str(src), ops=[AppliedOp("speed", {"factor": 2.0})]), 25) is None
    off = copy.deepcopy(bw)
    off.ops[0].enabled = False
    assert edited_key(off, 25) is None
    warmer = Clip(source=str(src), ops=[AppliedOp("temperature", {"amount": 0.3})])
    hotter = Clip(source=str(src), ops=[AppliedOp("temperature", {"amount": 0.6})])
    assert edited_key(warmer, 25) != edited_key(hotter, 25)


def test_a_superseded_stack_is_not_decoded_and_a_failure_gives_an_empty_image(qtbot, make_clip, tmp_path):
    import shutil

    from PySide6.QtGui import QImage

    from t2v_desktop.gui.thumbs import ThumbCache

    src = tmp_path / "gone.mp4"
    shutil.copy(make_clip("thumb-gone", duration=1.0, audio=False), src)
    cache = ThumbCache()
    clip = Clip(source=str(src), ops=[AppliedOp("brightness", {"amount": 0.1})])
    k1 = cache.edited(clip, 25)
    clip.ops[0].params["amount"] = 0.4  # the slider moved on: the first stack is stale
    k2 = cache.edited(clip, 25)
    assert k1 != k2 and cache._stale(("e", (k1, 0.0))) and not cache._stale(("e", (k2, 0.0)))
    img = cache.edited_thumb(k2, 0.5)
    qtbot.waitUntil(cache.settled, timeout=10000)
    img = cache.edited_thumb(k2, 0.5)
    assert isinstance(img, QImage) and not img.isNull() and img.height() == 54
    src.unlink()  # the file vanished: the next thumbnail fails quietly as an empty image
    cache._close_chains(0)
    assert cache.edited_thumb(k2, 0.9) is None
    qtbot.waitUntil(cache.settled, timeout=10000)
    assert cache.edited_thumb(k2, 0.9).isNull()
    assert cache.close()
