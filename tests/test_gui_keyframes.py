"""Keyframes in the GUI: a title's opacity keyed from the Keyframes panel (model, rendered pixels,
undo/redo, hold interpolation) and an animated op param edited at the playhead in the edit stack
(only the key there changes; the ◆ toggle adds and removes keys)."""

from __future__ import annotations

import pytest

from t2v_desktop.keyframes import Key, Keyframes
from t2v_desktop.project.model import AppliedOp, Clip, TitleSource, TitleStyle

pytest.importorskip("pytestqt")

FPS = 20  # 0.5 s is frame 10 exactly


@pytest.fixture
def win(qtbot, main_window, make_clip, tmp_path):
    """A black 2 s 320x180 base clip at 20 fps."""
    w = main_window
    src = tmp_path / "black.mp4"
    src.write_bytes(make_clip("black", duration=2.0, fps=FPS, pattern="solid", color=(0, 0, 0), number_frames=False,
                              width=320, height=180).read_bytes())
    assert w.open_media(str(src))
    qtbot.waitUntil(lambda: w.preview.shown_index == 0)
    return w


def _seek(w, qtbot, t):
    w.preview.seek(t)
    qtbot.waitUntil(lambda: w.preview.shown_index == round(t * FPS), timeout=10000)
    return w.preview.frame


def _add_title(w):
    """A big white "HELLO" on a new upper video track for the whole 2 s; its clip."""
    from t2v_desktop.project import history as h

    add = h.AddTrack("video")
    title = Clip(source=TitleSource("HELLO", TitleStyle(size=300.0)), out_point=2.0)
    assert w.push(h.Compound("Title", [add, h.PlaceClip(title, add.track_id, 0.0)]))
    w.select_clip(title.id)
    return title.id


def test_a_titles_opacity_keyed_from_the_panel_fades_it_in_and_undoes(win, qtbot):
    w = win
    cid = _add_title(w)
    assert _seek(w, qtbot, 0.5).max() > 250  # a plain title: full strength
    panel = w.keyframes_panel
    assert panel.clip is not None and panel.clip.id == cid
    panel.select_prop(("transform", "opacity"))
    n = w.undo_stack.count()

    _seek(w, qtbot, 0.0)
    assert panel.add_key()  # the value there (1.0), now one key
    assert w.project.find_clip(cid).transform.opacity == Keyframes.of([(0.0, 1.0)])
    vs = panel.table.cellWidget(0, 1)
    vs.setValue(0.0)
    vs.editingFinished.emit()
    _seek(w, qtbot, 1.0)
    assert panel.add_key()  # 0.0 at 1 s: the list holds its last value
    assert panel.set_key(1, v=1.0)
    op = w.project.find_clip(cid).transform.opacity
    assert op == Keyframes((Key(0.0, 0.0, "linear"), Key(1.0, 1.0, "linear")))
    assert panel.key_times() == [0.0, 1.0] and panel.table.rowCount() == 2
    assert w.undo_stack.count() == n + 4  # one undo step per change
    assert "◆ opacity" in panel.list.currentItem().text()

    half = _seek(w, qtbot, 0.5).max()
    assert abs(int(half) - 128) <= 4, half  # white text at half strength over black
    assert _seek(w, qtbot, 0.0).max() < 8  # invisible at the first key
    assert _seek(w, qtbot, 1.5).max() > 250

    # hold: the value steps at the next key instead of ramping
    panel.table.cellWidget(0, 2).setCurrentText("hold")
    assert w.project.find_clip(cid).transform.opacity.keys[0].interp == "hold"
    assert _seek(w, qtbot, 0.5).max() < 8
    assert _seek(w, qtbot, 1.0).max() > 250
    w.undo_stack.undo()
    assert w.project.find_clip(cid).transform.opacity.keys[0].interp == "linear"
    assert abs(int(_seek(w, qtbot, 0.5).max()) - 128) <= 4

    for _ in range(4):
        w.undo_stack.undo()
    assert w.project.find_clip(cid).transform.opacity == 1.0
    assert panel.table.rowCount() == 0 and "◇ opacity" in panel.list.currentItem().text()  # the view follows
    assert _seek(w, qtbot, 0.5).max() > 250
    for _ in range(4):
        w.undo_stack.redo()
    assert w.project.find_clip(cid).transform.opacity == op
    assert abs(int(_seek(w, qtbot, 0.5).max()) - 128) <= 4


def test_deleting_keys_and_a_clash_in_time(win, qtbot):
    w = win
    cid = _add_title(w)
    panel = w.keyframes_panel
    panel.select_prop(("transform", "scale"))
    _seek(w, qtbot, 0.5)
    assert panel.add_key()
    assert not panel.add_key()  # a key is at the playhead already; nothing pushed
    assert "already" in panel.note.text()
    _seek(w, qtbot, 1.0)
    assert panel.add_key() and panel.set_key(1, v=2.0)
    n = w.undo_stack.count()
    assert not panel.set_key(1, t=0.5)  # onto the other key: refused, one line, nothing changed
    assert "0.5" in panel.note.text() and w.undo_stack.count() == n
    assert panel.set_key(1, t=0.25)  # moved before the other one: re-sorted
    sc = w.project.find_clip(cid).transform.scale
    assert [(k.t, k.value) for k in sc.keys] == [(0.25, 2.0), (0.5, 1.0)]
    assert panel.delete_key(0)  # one key left: still keyed
    assert w.project.find_clip(cid).transform.scale == Keyframes.of([(0.5, 1.0)])
    assert panel.delete_key(0)  # the last key: a plain number again
    assert w.project.find_clip(cid).transform.scale == 1.0
    assert panel.table.rowCount() == 0
    w.undo_stack.undo()
    assert w.project.find_clip(cid).transform.scale == Keyframes.of([(0.5, 1.0)])


def test_an_animated_param_is_edited_at_the_playhead_in_the_edit_stack(win, qtbot):
    from t2v_desktop.gui.edit_stack import FloatEditor
    from t2v_desktop.project import history as h

    w = win
    clip = w.project.main_track.clips[0]
    ramp = Keyframes.of([(0.0, 0.0), (1.0, 0.5), (2.0, 0.2)])
    assert w.push(h.AddOp(clip.id, AppliedOp("brightness", {"amount": ramp})))
    w.select_clip(clip.id)
    stack = w.edit_stack
    ed = stack.editors["amount"][0]
    assert isinstance(ed, FloatEditor) and ed.keying is not None
    _seek(w, qtbot, 0.5)
    assert ed.spin.value() == pytest.approx(0.25)  # the value at the playhead
    assert not ed.keying.key.isChecked() and ed.keying.key.text() == "◇"
    _seek(w, qtbot, 1.0)
    assert ed.spin.value() == pytest.approx(0.5) and ed.keying.key.isChecked() and ed.keying.key.text() == "◆"
    before = _seek(w, qtbot, 1.0).mean()

    n = w.undo_stack.count()
    ed.spin.setValue(0.8)  # edited at 1 s: only that key changes
    stack._emit_params()  # (the 300 ms debounce, flushed)
    amount = w.project.main_track.clips[0].ops[0].params["amount"]
    assert [(k.t, k.value) for k in amount.keys] == [(0.0, 0.0), (1.0, 0.8), (2.0, 0.2)]
    assert w.undo_stack.count() == n + 1
    w.preview.seek(0.0)
    qtbot.waitUntil(lambda: w.preview.shown_index == 0)
    assert _seek(w, qtbot, 1.0).mean() > before + 30  # brighter where the key went up

    ed = stack.editors["amount"][0]
    _seek(w, qtbot, 1.5)  # between keys: the toggle adds a key with the value shown
    assert ed.spin.value() == pytest.approx(0.5) and not ed.keying.key.isChecked()
    ed.keying.key.click()
    stack._emit_params()
    amount = w.project.main_track.clips[0].ops[0].params["amount"]
    assert [(k.t, round(k.value, 6)) for k in amount.keys] == [(0.0, 0.0), (1.0, 0.8), (1.5, 0.5), (2.0, 0.2)]
    stack.editors["amount"][0].keying.key.click()  # and removes it again
    stack._emit_params()
    assert len(w.project.main_track.clips[0].ops[0].params["amount"].keys) == 3
    w.undo_stack.undo()
    w.undo_stack.undo()
    w.undo_stack.undo()
    assert w.project.main_track.clips[0].ops[0].params["amount"] == ramp


def test_a_plain_param_gets_its_first_key_from_the_toggle(win, qtbot):
    from t2v_desktop.project import history as h

    w = win
    clip = w.project.main_track.clips[0]
    assert w.push(h.AddOp(clip.id, AppliedOp("brightness", {"amount": 0.3})))
    w.select_clip(clip.id)
    _seek(w, qtbot, 0.5)
    ed = w.edit_stack.editors["amount"][0]
    ed.spin.setValue(0.4)  # a plain value edits as before
    w.edit_stack._emit_params()
    assert w.project.main_track.clips[0].ops[0].params["amount"] == pytest.approx(0.4)
    w.edit_stack.editors["amount"][0].keying.key.click()
    w.edit_stack._emit_params()
    assert w.project.main_track.clips[0].ops[0].params["amount"] == Keyframes.of([(0.5, 0.4)])
    # the Keyframes panel lists it as animated
    panel = w.keyframes_panel
    seen = []
    panel.propertySelected.connect(lambda c, p: seen.append((c, p)))
    panel.select_prop(("op", clip.ops[0].id, "amount"))
    assert seen[-1] == (clip.id, ("op", clip.ops[0].id, "amount"))
    assert panel.table.rowCount() == 1 and "◆ brightness: amount" in panel.list.currentItem().text()
    # the clip's volume: keyed from the panel (SetClipVolume), one step
    panel.select_prop(("volume",))
    n = w.undo_stack.count()
    assert panel.add_key() and panel.set_key(0, v=0.5)
    assert w.project.main_track.clips[0].volume == Keyframes.of([(0.5, 0.5)])
    assert w.undo_stack.count() == n + 2


def test_the_playhead_as_a_key_time_counts_from_the_clip_start_and_through_a_later_speed_change(make_clip):
    from t2v_desktop.engine.layout import TimelineLayout
    from t2v_desktop.gui.keyframes_panel import playhead_time
    from t2v_desktop.project.model import Project

    p = Project.from_media(str(make_clip(duration=2.0)), str(make_clip(duration=2.0)))
    first, second = p.main_track.clips
    second.ops = [AppliedOp("brightness", {"amount": 0.2}), AppliedOp("speed", {"factor": 2.0}),
                  AppliedOp("contrast", {})]
    lay = TimelineLayout(p)
    assert lay.clip_span(second.id) == pytest.approx((2.0, 3.0))
    assert playhead_time(lay, second, ("transform", "opacity"), 2.5) == pytest.approx(0.5)
    # brightness runs before the 2x speed-up: its own timeline is twice as long as the clip's
    assert playhead_time(lay, second, ("op", second.ops[0].id, "amount"), 2.5) == pytest.approx(1.0)
    assert playhead_time(lay, second, ("op", second.ops[2].id, "amount"), 2.5) == pytest.approx(0.5)
    # outside the clip: clamped to it, or None when asked
    assert playhead_time(lay, second, ("transform", "x"), 1.0) == 0.0
    assert playhead_time(lay, second, ("transform", "x"), 1.0, clamp=False) is None
    assert playhead_time(lay, first, ("transform", "x"), 1.25) == pytest.approx(1.25)
