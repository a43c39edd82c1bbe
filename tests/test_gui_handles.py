"""On-canvas handles and the title editor: an overlay's box drawn where the compositor draws it,
moved and scaled by mouse events on the preview (one SetTransform each, undoable, keyframes kept),
a click selecting the layer under it; a title's text and colour changed in its editor (one
SetTitle), seen in the rendered pixels and undone. ``layer_box`` is checked against composite's
drawn pixels."""

from __future__ import annotations

import numpy as np
import pytest

from t2v_desktop.engine.compositor import composite, layer_box
from t2v_desktop.errors import ParamError
from t2v_desktop.keyframes import Keyframes
from t2v_desktop.project.model import Clip, Project, TitleSource, TitleStyle, Transform

# -- layer_box = composite's pixels ----------------------------------------------------------------

def _drawn(tf, layer_size, canvas=(320, 180), **kw):
    lw, lh = layer_size
    W, H = canvas
    out = composite(np.zeros((H, W, 3), np.uint8), np.full((lh, lw, 3), 255, np.uint8), None, tf, **kw)
    ys, xs = np.nonzero(out[..., 0] > 127)  # pixels at least half covered
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


@pytest.mark.parametrize("tf", [
    Transform(),  # contain, letterboxed
    Transform(fit="native", x=0.97, y=0.03, anchor_x=1.0, anchor_y=0.0),  # a logo in its corner
    Transform(scale=0.37, x=0.3, y=0.6),  # warped, fractional box
    Transform(scale=0.5, rotation=30.0, x=0.5, y=0.5),  # rotated: the corners' bounding box
    Transform(crop_left=0.25, crop_top=0.1, fit="cover", scale=0.4, x=0.2, y=0.2),
    Transform(fit="native", scale=1.5, x=-0.05, y=0.5, anchor_x=0.0),  # partly off the canvas
])
def test_layer_box_matches_the_drawn_pixels(tf):
    box = layer_box(tf, (60, 40), (320, 180))
    x0, y0, x1, y1 = _drawn(tf, (60, 40))
    assert abs(max(box[0], 0) - x0) <= 1 and abs(max(box[1], 0) - y0) <= 1
    assert abs(min(box[2], 320) - x1) <= 1 and abs(min(box[3], 180) - y1) <= 1
    if tf.x < 0:  # not clipped to the canvas: the handles may sit outside it
        assert box[0] < 0


def test_layer_box_of_a_part_of_the_layer_and_at_a_preview_scale():
    tf = Transform(scale=0.5, x=0.25, y=0.25)
    rect = (100, 50, 200, 100)  # in the 320x180 layer's pixels
    layer = np.zeros((180, 320, 3), np.uint8)
    layer[50:100, 100:200] = 255
    out = composite(np.zeros((180, 320, 3), np.uint8), layer, None, tf)
    ys, xs = np.nonzero(out[..., 0] > 127)
    box = layer_box(tf, (320, 180), (320, 180), rect=rect)
    assert np.allclose(box, (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1), atol=1)
    # the preview's proxy canvas gives the same box in canvas fractions (native fit included)
    native = Transform(fit="native", x=0.97, y=0.03, anchor_x=1.0, anchor_y=0.0)
    full = layer_box(native, (60, 40), (320, 180))
    half = layer_box(native, (30, 20), (160, 90), full_canvas=(320, 180), source_size=(60, 40))
    assert np.allclose(np.array(full) / 320 * 160, half, atol=0.5)


# -- pure drag math --------------------------------------------------------------------------------

def test_set_at_replaces_or_adds_the_key_at_the_playhead_and_keeps_the_others():
    from t2v_desktop.gui.canvas_handles import set_at

    ramp = Keyframes.of([(0, 0.2), (2, 0.8, "ease")])
    assert set_at(0.5, 1.0, 0.7) == 0.7
    replaced = set_at(ramp, 0.0, 0.4)
    assert [(k.t, k.value) for k in replaced.keys] == [(0.0, 0.4), (2.0, 0.8)]
    added = set_at(ramp, 1.0, 0.1)
    assert [(k.t, k.value) for k in added.keys] == [(0.0, 0.2), (1.0, 0.1), (2.0, 0.8)]
    assert added.at(1.0) == pytest.approx(0.1)


def test_a_corner_scale_keeps_the_opposite_corner_in_place():
    from t2v_desktop.gui.canvas_handles import Layer, scaled, scaled_box

    tf = Transform(fit="native", x=0.5, y=0.5)  # anchored at its centre
    box = layer_box(tf, (60, 40), (320, 180))
    lay = Layer("c", "t", False, (box[0] / 320, box[1] / 180, box[2] / 320, box[3] / 180), 0.0, tf)
    new = scaled(lay, 3, 2.0, (320, 180))  # drag the bottom-right corner to twice the size
    assert new.scale == pytest.approx(2.0)
    after = layer_box(new, (60, 40), (320, 180))
    assert after[0] == pytest.approx(box[0], abs=0.51) and after[1] == pytest.approx(box[1], abs=0.51)
    assert after[2] - after[0] == pytest.approx(120, abs=1)
    assert np.allclose(scaled_box(lay.box, 3, 2.0), (after[0] / 320, after[1] / 180, after[2] / 320,
                                                       after[3] / 180), atol=0.01)


# -- SetTitle ----------------------------------------------------------------------------------------

def _title_project():
    p = Project(width=320, height=180)
    p.main_track.items.append(Clip(source=TitleSource("HELLO", TitleStyle()), out_point=1.0))
    p.main_track.items.append(Clip(source="/nonexistent.mp4"))
    return p


def test_set_title_changes_text_and_style_and_undoes():
    from t2v_desktop.project.history import History, SetTitle

    p = _title_project()
    h = History(p)
    title = p.main_track.clips[0]
    before = p.to_json()
    h.push(SetTitle(title.id, "BYE", TitleStyle(color="#ff0000", box=True, outline=2.0)))
    src = p.find_clip(title.id).source
    assert src.text == "BYE" and src.style.color == "#ff0000" and src.style.box and src.style.outline == 2.0
    h.undo()
    src = p.find_clip(title.id).source
    assert src.text == "HELLO" and src.style == TitleStyle()
    assert p.to_json() == before
    h.redo()
    assert p.find_clip(title.id).source.text == "BYE"


@pytest.mark.parametrize("text, style, msg", [
    ("   ", TitleStyle(), "text"),
    ("x" * 5000, TitleStyle(), "text"),
    ("OK", TitleStyle(color="red"), "color"),
    ("OK", TitleStyle(size=0.5), "size"),
])
def test_set_title_refuses_bad_values_with_one_line(text, style, msg):
    from t2v_desktop.project.history import SetTitle

    with pytest.raises(ParamError) as e:
        SetTitle("any", text, style)
    assert msg in str(e.value).lower() and "\n" not in str(e.value)


def test_set_title_on_a_clip_that_is_not_a_title_changes_nothing():
    from t2v_desktop.project.history import History, SetTitle

    p = _title_project()
    other = p.main_track.clips[1]
    with pytest.raises(ParamError, match="not a title"):
        History(p).push(SetTitle(other.id, "BYE", TitleStyle()))
    assert other.source.type == "file"


# -- the real window ---------------------------------------------------------------------------------

@pytest.fixture
def win(qtbot, main_window, make_clip, tmp_path):
    pytest.importorskip("pytestqt")
    w = main_window
    src = tmp_path / "clip.mp4"
    src.write_bytes(make_clip("black", duration=2.0, pattern="solid", color=(0, 0, 0), width=320, height=180)
                    .read_bytes())
    w.open_media(str(src))
    qtbot.waitUntil(lambda: w.preview.shown_index == 0)
    return w


def _type(qtbot, w, text):
    from PySide6.QtCore import Qt

    w.command_bar.input.clear()
    qtbot.keyClicks(w.command_bar.input, text)
    qtbot.keyClick(w.command_bar.input, Qt.Key_Return)


def _logo(w, qtbot, tmp_path):
    """A 40x30 opaque red PNG put in the top right corner by the command bar."""
    from PIL import Image

    rgba = np.zeros((30, 40, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "logo.png")
    _type(qtbot, w, "put logo.png in the top right corner")
    clip = next(c for c in w.project.all_clips() if c.source.type == "image")
    qtbot.waitUntil(lambda: _red(w.preview.frame, (270, 5, 310, 35)), timeout=10000)
    return clip


def _red(frame, box) -> bool:
    """Every pixel inside box (x0, y0, x1, y1) is the logo's red."""
    x0, y0, x1, y1 = box
    r = frame[y0:y1, x0:x1].astype(int)
    return r.size > 0 and bool((r[..., 0] > 200).all() and (r[..., 1] < 60).all())


def _widget_point(w, fx, fy):
    from PySide6.QtCore import QPointF

    t = w.preview.view.image_rect()
    return QPointF(t.x() + fx * t.width(), t.y() + fy * t.height())


def _mouse(view, kind, pos, buttons=True):
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    etype = {"press": QEvent.MouseButtonPress, "move": QEvent.MouseMove, "release": QEvent.MouseButtonRelease,
             "double": QEvent.MouseButtonDblClick}[kind]
    button = Qt.NoButton if kind == "move" else Qt.LeftButton
    held = Qt.LeftButton if kind in ("press", "move") and buttons else Qt.NoButton
    glob = QPointF(view.mapToGlobal(pos.toPoint()))
    ev = QMouseEvent(etype, QPointF(pos), glob, button, held, Qt.NoModifier)
    QApplication.sendEvent(view, ev)


def _drag(w, start, end, steps=4):
    view = w.preview.view
    a, b = _widget_point(w, *start), _widget_point(w, *end)
    _mouse(view, "press", a)
    for k in range(1, steps + 1):
        _mouse(view, "move", a + (b - a) * (k / steps))
    _mouse(view, "release", b)


def test_a_logo_is_selected_by_a_click_and_moved_with_the_mouse(win, qtbot, tmp_path):
    clip = _logo(win, qtbot, tmp_path)
    win.select_clip(None)
    assert win.selected_clip is None
    # a click on the logo selects it (the topmost layer), a click beside it the base clip
    _drag(win, (290 / 320, 20 / 180), (290 / 320, 20 / 180), steps=1)
    assert win.selected_clip == clip.id
    lay = win.canvas_handles.active()
    assert lay is not None and np.allclose(lay.box, (270 / 320, 5 / 180, 310 / 320, 35 / 180), atol=0.004)
    assert win.undo_stack.count() == 1  # the logo; a click is no edit
    n = win.undo_stack.count()
    _drag(win, (290 / 320, 20 / 180), (162 / 320, 100 / 180))  # 128 px left, 80 down
    assert win.undo_stack.count() == n + 1
    tf = win.project.find_clip(clip.id).transform
    assert tf.x == pytest.approx(0.97 - 128 / 320, abs=1e-6) and tf.y == pytest.approx(0.03 + 80 / 180, abs=1e-6)
    qtbot.waitUntil(lambda: _red(win.preview.frame, (142, 85, 182, 115)), timeout=10000)
    assert win.preview.frame[5:35, 270:310].max() < 30  # gone from the corner
    win.undo_stack.undo()
    assert win.project.find_clip(clip.id).transform.x == pytest.approx(0.97)
    qtbot.waitUntil(lambda: _red(win.preview.frame, (270, 5, 310, 35)), timeout=10000)
    win.undo_stack.redo()
    qtbot.waitUntil(lambda: _red(win.preview.frame, (142, 85, 182, 115)), timeout=10000)
    # a click on the base picture selects the main clip, which has no handles
    _drag(win, (0.1, 0.9), (0.1, 0.9), steps=1)
    assert win.selected_clip == win.project.main_track.clips[0].id
    assert win.canvas_handles.active() is None


def test_a_corner_handle_scales_about_the_opposite_corner(win, qtbot, tmp_path):
    clip = _logo(win, qtbot, tmp_path)
    win.select_clip(clip.id)
    n = win.undo_stack.count()
    # bottom-left corner (270, 35) dragged to (230, 65): twice the size, the top right corner stays
    _drag(win, (270 / 320, 35 / 180), (230 / 320, 65 / 180))
    assert win.undo_stack.count() == n + 1
    tf = win.project.find_clip(clip.id).transform
    assert tf.scale == pytest.approx(2.0, abs=0.01)
    assert tf.x == pytest.approx(0.97, abs=1e-3) and tf.y == pytest.approx(0.03, abs=1e-3)
    qtbot.waitUntil(lambda: _red(win.preview.frame, (232, 7, 308, 63)), timeout=10000)
    win.undo_stack.undo()
    assert win.project.find_clip(clip.id).transform.scale == 1.0
    qtbot.waitUntil(lambda: win.preview.frame[40:60, 240:260].max() < 30, timeout=10000)


def test_a_drag_on_a_keyframed_position_sets_the_key_at_the_playhead(win, qtbot, tmp_path):
    from dataclasses import replace

    clip = _logo(win, qtbot, tmp_path)
    ramp = Keyframes.of([(0.0, 0.97), (1.6, 0.5)])
    assert win.set_clip_transform(clip.id, replace(clip.transform, x=ramp))
    win.select_clip(clip.id)
    win.preview.seek(0.8)  # local time 0.8 s: x = 0.735
    qtbot.waitUntil(lambda: win.preview.shown_index == 20)
    lay = win.canvas_handles.active()
    cx, cy = (lay.box[0] + lay.box[2]) / 2, (lay.box[1] + lay.box[3]) / 2
    _drag(win, (cx, cy), (cx - 0.1, cy))
    x = win.project.find_clip(clip.id).transform.x
    assert isinstance(x, Keyframes)
    assert [(k.t, round(k.value, 4)) for k in x.keys] == [(0.0, 0.97), (0.8, round(0.735 - 0.1, 4)), (1.6, 0.5)]


def test_the_title_editor_changes_text_and_colour_in_one_undo_step(win, qtbot):
    _type(qtbot, win, "add a title 'HELLO' for the first 2 seconds")
    title = next(c for c in win.project.all_clips() if c.source.type == "title")
    qtbot.waitUntil(lambda: win.preview.frame.max() > 200, timeout=10000)
    white = win.preview.frame.copy()

    def reds(f):
        return int(((f[..., 0] > 180) & (f[..., 1] < 80) & (f[..., 2] < 80)).sum())

    assert reds(white) == 0
    win.select_clip(title.id)
    assert win.canvas_handles.active() is not None  # a title on its track gets handles too
    n = win.undo_stack.count()
    dlg = win.edit_title()
    assert dlg is not None and dlg.text() == "HELLO"
    dlg.text_edit.setPlainText("BYE BYE")
    dlg.color_btn.set_value("#ff0000")
    dlg.update_preview()
    assert reds(dlg.preview_frame) > 50  # the live preview draws it
    assert win.project.find_clip(title.id).source.text == "HELLO"  # nothing applied before OK
    dlg.accept()
    assert win.undo_stack.count() == n + 1
    src = win.project.find_clip(title.id).source
    assert src.text == "BYE BYE" and src.style.color == "#ff0000"
    qtbot.waitUntil(lambda: reds(win.preview.frame) > 50, timeout=10000)
    win.undo_stack.undo()
    assert win.project.find_clip(title.id).source.text == "HELLO"
    qtbot.waitUntil(lambda: reds(win.preview.frame) == 0 and win.preview.frame.max() > 200, timeout=10000)


def test_the_title_editor_refuses_empty_text_and_opens_only_on_titles(win, qtbot):
    _type(qtbot, win, "add a title 'HELLO' for the first 2 seconds")
    title = next(c for c in win.project.all_clips() if c.source.type == "title")
    win.select_clip(win.project.main_track.clips[0].id)
    assert win.edit_title() is None and "title" in win.statusBar().currentMessage().lower()
    dlg = win.edit_title(title.id)
    dlg.text_edit.setPlainText("   ")
    dlg.update_preview()
    assert not dlg.ok_button.isEnabled() and "text" in dlg.error.text().lower()
    dlg.reject()
    assert win.project.find_clip(title.id).source.text == "HELLO"


def test_a_double_click_on_a_title_in_the_preview_opens_its_editor(win, qtbot):
    from t2v_desktop.gui.title_editor import TitleEditor

    _type(qtbot, win, "add a title 'HELLO' for the first 2 seconds")
    title = next(c for c in win.project.all_clips() if c.source.type == "title")
    qtbot.waitUntil(lambda: win.preview.frame.max() > 200, timeout=10000)
    view, at = win.preview.view, _widget_point(win, 0.5, 0.5)
    for kind in ("press", "release", "double", "release"):
        _mouse(view, kind, at, buttons=kind != "release")
    assert win.selected_clip == title.id
    dialogs = [d for d in win.findChildren(TitleEditor) if d.isVisible()]
    assert len(dialogs) == 1 and dialogs[0].text() == "HELLO"
    dialogs[0].reject()
    # beside the title (the base clip) nothing opens
    _mouse(view, "double", _widget_point(win, 0.1, 0.1))
    assert not [d for d in win.findChildren(TitleEditor) if d.isVisible()]


def _image_array(img):
    from PySide6.QtGui import QImage

    img = img.convertToFormat(QImage.Format_RGB888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    return np.frombuffer(img.constBits(), np.uint8, bpl * h).reshape(h, bpl)[:, :3 * w].reshape(h, w, 3).copy()


def test_while_dragging_the_layer_is_drawn_where_it_goes_and_escape_drops_the_drag(win, qtbot, tmp_path):
    from PySide6.QtCore import Qt

    clip = _logo(win, qtbot, tmp_path)
    win.select_clip(clip.id)
    n = win.undo_stack.count()
    view = win.preview.view
    a, b = _widget_point(win, 290 / 320, 20 / 180), _widget_point(win, 162 / 320, 100 / 180)
    _mouse(view, "press", a)
    _mouse(view, "move", a + (b - a) * 0.5)
    _mouse(view, "move", b)
    live = _image_array(view.image)
    assert _red(live, (142, 85, 182, 115)) and live[5:35, 270:310].max() < 30  # the compositor's pixels
    assert _red(win.preview.frame, (270, 5, 310, 35))  # the real frame is untouched
    assert win.project.find_clip(clip.id).transform.x == pytest.approx(0.97)  # nothing applied yet
    qtbot.keyClick(view, Qt.Key_Escape)
    assert not win.canvas_handles.dragging and win.undo_stack.count() == n
    assert _red(_image_array(view.image), (270, 5, 310, 35))
    _mouse(view, "release", b)  # the release after Escape does nothing
    assert win.undo_stack.count() == n and win.project.find_clip(clip.id).transform.x == pytest.approx(0.97)


def test_handles_line_up_with_the_proxy_preview_and_a_locked_track_refuses(qtbot, main_window, make_clip, tmp_path):
    """720p plays through a 0.75x proxy: the box, the drag and the pixels still agree."""
    from PIL import Image

    from t2v_desktop.project import history as h

    w = main_window
    src = tmp_path / "big.mp4"
    src.write_bytes(make_clip("black720", duration=1.0, pattern="solid", color=(0, 0, 0), width=1280, height=720)
                    .read_bytes())
    w.open_media(str(src))
    qtbot.waitUntil(lambda: w.preview.shown_index == 0)
    assert w.preview.scale == pytest.approx(0.75)
    rgba = np.zeros((60, 80, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "logo.png")
    _type(qtbot, w, "put logo.png in the top right corner")
    clip = next(c for c in w.project.all_clips() if c.source.type == "image")
    w.select_clip(clip.id)
    lay = w.canvas_handles.active()
    # native 80x60 at 1280x720, right edge at 0.97 * 1280, top at 0.03 * 720
    assert np.allclose(lay.box, ((1241.6 - 80) / 1280, 21.6 / 720, 1241.6 / 1280, 81.6 / 720), atol=1 / 720)
    cx, cy = (lay.box[0] + lay.box[2]) / 2, (lay.box[1] + lay.box[3]) / 2
    _drag(w, (cx, cy), (cx - 0.5, cy + 0.5))
    tf = w.project.find_clip(clip.id).transform
    assert tf.x == pytest.approx(0.47, abs=1e-6) and tf.y == pytest.approx(0.53, abs=1e-6)
    # at the 960x540 proxy: right edge 0.47 * 960 = 451, top 0.53 * 540 = 286, 60x45 pixels
    qtbot.waitUntil(lambda: _red(w.preview.frame, (393, 288, 449, 329)), timeout=10000)
    track = next(t for t in w.project.tracks if clip in t.clips)
    w.push(h.SetTrackProps(track.id, locked=True))
    n = w.undo_stack.count()
    lay = w.canvas_handles.active()
    cx, cy = (lay.box[0] + lay.box[2]) / 2, (lay.box[1] + lay.box[3]) / 2
    _drag(w, (cx, cy), (cx + 0.2, cy))
    assert w.undo_stack.count() == n and w.project.find_clip(clip.id).transform.x == pytest.approx(0.47)
    assert "locked" in w.statusBar().currentMessage()
