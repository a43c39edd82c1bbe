"""GUI tests of the command bar, edit stack, export dialog and the packaged self-test."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


@pytest.fixture
def win(qtbot, main_window, make_clip):
    w = main_window
    w.open_media(str(make_clip("grey", duration=1.0, pattern="solid", color=(120, 120, 120))))
    qtbot.waitUntil(lambda: w.preview.shown_index == 0)
    w.activateWindow()  # on a real X server, window shortcuts need the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    return w


def mean_rgb(w):
    return w.preview.frame[40:, :, :].reshape(-1, 3).mean(axis=0)


def type_command(qtbot, w, text):
    w.command_bar.input.clear()
    qtbot.keyClicks(w.command_bar.input, text)
    qtbot.keyClick(w.command_bar.input, Qt.Key_Return)


def wait_changed(qtbot, w, before, timeout=10000):
    qtbot.waitUntil(lambda: w.preview.shown_index == 0 and abs(mean_rgb(w) - before).max() > 3, timeout=timeout)
    return mean_rgb(w)


def test_typed_command_changes_stack_and_preview_then_undo_redo(win, qtbot):
    before = mean_rgb(win)
    type_command(qtbot, win, "make it warmer")
    clip = win.project.all_clips()[0]
    assert [o.op for o in clip.ops] == ["temperature"]
    after = wait_changed(qtbot, win, before)
    assert after[0] - after[2] > before[0] - before[2] + 5  # warmer: more red than blue
    assert "temperature" in win.command_bar.plan_label.text()
    assert win.command_bar.input.text() == ""  # accepted and cleared, remembered in history
    assert win.command_bar.history == ["make it warmer"]
    assert "temperature" in win.undo_action.text().lower() or win.undo_stack.undoText()
    win.undo_action.trigger()
    assert clip.ops == [] and win.project.all_clips()[0].ops == []
    qtbot.waitUntil(lambda: abs(mean_rgb(win) - before).max() < 2)
    win.redo_action.trigger()
    assert [o.op for o in win.project.all_clips()[0].ops] == ["temperature"]
    wait_changed(qtbot, win, before)
    # "undo" typed in the command bar goes through the same QUndoStack
    type_command(qtbot, win, "undo")
    assert win.project.all_clips()[0].ops == [] and win.undo_stack.canRedo()


def test_plan_shown_while_typing_and_unknown_command_changes_nothing(win, qtbot):
    qtbot.keyClicks(win.command_bar.input, "make it black and white from 0:00.2 to 0:00.6")
    qtbot.waitUntil(lambda: "black and white" in win.command_bar.plan_label.text(), timeout=3000)
    assert "Will apply" in win.command_bar.plan_label.text()
    assert win.project.all_clips()[0].ops == []  # preview of the plan only
    win.command_bar.input.clear()
    steps = win.undo_stack.count()
    type_command(qtbot, win, "frobnicate the wibble")
    text = win.command_bar.plan_label.text()
    assert "Nothing was changed" in text and win.command_bar.plan_label.property("error") is True
    assert win.undo_stack.count() == steps and win.project.all_clips()[0].ops == []
    assert win.command_bar.input.text() == "frobnicate the wibble"  # kept so it can be fixed


def test_scoped_op_range_and_selected_clip_target(win, qtbot, make_clip):
    win.import_paths([make_clip("b", duration=1.0)])
    first, second = win.project.all_clips()
    win.timeline.select(second.id)
    assert "b-" in win.command_bar.target_label.text()
    type_command(qtbot, win, "black and white from 0:00.2 to 0:00.6")
    assert first.ops == [] and [o.op for o in second.ops] == ["black_and_white"]
    assert second.ops[0].range == pytest.approx((0.2, 0.6))
    assert "black_and_white" in [o.op for o in win.edit_stack.clip.ops]


def test_completion_lists_registry_names_synonyms_and_history(win, qtbot):
    words = win.command_bar._model.stringList()
    assert "black and white" in words and "grayscale" in words and "stabilize" in words
    type_command(qtbot, win, "make it warmer")
    assert win.command_bar._model.stringList()[0] == "make it warmer"


def test_edit_stack_param_widgets_toggle_reorder_remove(win, qtbot):
    type_command(qtbot, win, "make it warmer")
    type_command(qtbot, win, "make it brighter")
    clip = win.project.all_clips()[0]
    assert [o.op for o in clip.ops] == ["temperature", "brightness"]
    panel = win.edit_stack
    assert panel.list.count() == 2 and panel.current_op_id() == clip.ops[1].id
    # Float param -> slider + spin box over the declared range
    from t2v_desktop.gui.edit_stack import FloatEditor

    w, _get, _set = panel.editors["amount"]
    assert isinstance(w, FloatEditor) and w.spin.minimum() == -1 and w.spin.maximum() == 1
    base = mean_rgb(win)
    w.spin.setValue(-0.5)
    qtbot.waitUntil(lambda: clip.ops[1].params["amount"] == pytest.approx(-0.5), timeout=3000)
    assert "brightness" in win.undo_stack.undoText().lower() or win.undo_stack.undoText()
    darker = wait_changed(qtbot, win, base)
    assert darker.mean() < base.mean() - 10
    # toggle (bypass) via the check box
    panel.list.item(1).setCheckState(Qt.Unchecked)
    assert clip.ops[1].enabled is False
    # reorder: move brightness first
    panel.list.setCurrentRow(1)
    panel._move(-1)
    assert [o.op for o in clip.ops] == ["brightness", "temperature"]
    # remove
    panel.list.setCurrentRow(0)
    panel._remove()
    assert [o.op for o in clip.ops] == ["temperature"]
    for _ in range(3):
        win.undo_stack.undo()
    assert [o.op for o in clip.ops] == ["temperature", "brightness"] and clip.ops[1].enabled


def test_choice_param_gets_a_combo(win, qtbot):
    from PySide6.QtWidgets import QComboBox

    type_command(qtbot, win, "flip it")
    w, get, _set = win.edit_stack.editors["direction"]
    assert isinstance(w, QComboBox) and w.count() == 2
    w.setCurrentText("vertical")
    clip = win.project.all_clips()[0]
    qtbot.waitUntil(lambda: clip.ops[0].params["direction"] == "vertical", timeout=3000)


def test_export_dialog_exports_and_cancel_leaves_nothing(win, qtbot, tmp_path):
    from t2v_desktop.media.info import probe

    type_command(qtbot, win, "make it warmer")
    dlg = win.show_export()
    out = tmp_path / "out.mp4"
    dlg.path.setText(str(out))
    dlg.set_preset("h264")
    job = dlg.start()
    qtbot.waitUntil(lambda: "Exported" in dlg.status.text() or job.state in ("failed", "cancelled"),
                    timeout=60000)
    assert job.state == "done", job.error
    assert dlg.progress.value() == 1000 and "Exported" in dlg.status.text()
    info = probe(out)
    assert info.has_video and info.has_audio and abs(info.duration - 1.0) < 0.1
    assert (info.width, info.height) == (160, 120)
    # cancel as soon as it starts: no file, no temp file left behind
    out2 = tmp_path / "cancelled.mp4"
    dlg.path.setText(str(out2))
    job2 = dlg.start()
    dlg.cancel()
    qtbot.waitUntil(lambda: "no file" in dlg.status.text() or job2.state in ("done", "failed"), timeout=60000)
    assert job2.state == "cancelled"
    assert "no file" in dlg.status.text()
    assert not out2.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cancelled")] == []
    assert win.jobs_panel.rows.count() >= 3  # both jobs listed in the jobs area


def test_self_test_entry_point(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", T2V_CACHE_DIR=str(tmp_path / "cache"),
               T2V_DATA_DIR=str(tmp_path / "data"))
    r = subprocess.run([sys.executable, "-c", "import sys; from t2v_desktop.gui.app import main; "
                        "sys.exit(main(['--self-test']))"], env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "self-test OK" in r.stdout and "exported" in r.stdout


def test_stabilize_analysis_runs_as_a_job_then_preview_resumes(win, qtbot):
    type_command(qtbot, win, "stabilize")
    assert [o.op for o in win.project.all_clips()[0].ops] == ["stabilize"]
    job = win.jobs.jobs[-1]
    assert job.title.startswith("Analyse (stabilize")  # AI edits: "AI render (ai_edit)"
    qtbot.waitUntil(lambda: job.state in ("done", "failed", "cancelled") and not win._preparing, timeout=60000)
    assert job.state == "done", job.error
    win.preview.seek(0.0)
    qtbot.waitUntil(lambda: win.preview.shown_index == 0 and not win.preview.view.message, timeout=10000)
    assert win.preview.frame.shape == (120, 160, 3)
    # once analysed, the edit stack says what stabilize does to the picture (a still clip: no crop)
    row = win.edit_stack.list.item(0).text()
    assert row.startswith("1. stabilize") and "no crop needed" in row


def test_before_after_split_view(win, qtbot):
    type_command(qtbot, win, "make it warmer")
    before = mean_rgb(win)
    qtbot.waitUntil(lambda: win.preview.shown_index == 0 and mean_rgb(win)[0] > 125, timeout=10000)
    win.timeline.setFocus()
    qtbot.keyClick(win.timeline, Qt.Key_C)
    assert win.preview.compare

    def halves():
        f = win.preview.frame[40:].astype(float)
        w = f.shape[1]
        return f[:, : w // 2 - 2].mean(axis=(0, 1)), f[:, w // 2 + 2:].mean(axis=(0, 1))

    qtbot.waitUntil(lambda: win.preview.shown_index == 0 and abs(halves()[0] - halves()[1]).max() > 5, timeout=10000)
    left, right = halves()
    assert abs(left - 120).max() < 4  # original grey on the left
    assert right[0] - right[2] > left[0] - left[2] + 5  # warmer on the right
    qtbot.keyClick(win.timeline, Qt.Key_C)
    qtbot.waitUntil(lambda: abs(halves()[0] - halves()[1]).max() < 2, timeout=10000)
    assert before is not None


def test_timeline_zoom_and_snap(win, qtbot, make_clip):
    win.import_paths([make_clip("b", duration=1.0)])
    tl = win.timeline
    fit = tl.scale()
    tl.zoom(2.0)
    assert tl.scale() == pytest.approx(2 * fit, rel=0.01)
    tl.zoom_fit()
    assert tl.scale() == pytest.approx(fit)
    # a time within 8 px of the clip boundary (1.0 s) snaps to it; far away stays
    near = 1.0 + 4 / tl.scale()
    assert tl.snap(near) == pytest.approx(1.0)
    far = 1.0 + 40 / tl.scale()
    assert tl.snap(far) == pytest.approx(far)


def test_edit_stack_changes_an_ops_time_range(win, qtbot):
    type_command(qtbot, win, "black and white from 0:00.2 to 0:00.6")
    clip = win.project.all_clips()[0]
    start, end = win.edit_stack.range_edit
    end.setValue(0.8)
    end.editingFinished.emit()
    assert clip.ops[0].range == pytest.approx((0.2, 0.8))
    win.undo_stack.undo()
    assert clip.ops[0].range == pytest.approx((0.2, 0.6))
    assert win.edit_stack.range_edit[1].value() == pytest.approx(0.6)


def test_plan_reads_as_human_names_route_tags_and_short_ranges(win, qtbot):
    bar = win.command_bar
    bar.input.setText("make it black and white from 0:00.2 to 0:00.6")
    bar.preview_parse()
    html = bar.plan_label.text()
    assert "black and white" in html and "black_and_white" not in html
    assert "classic" in html and "0:00.20–0:00.60" in html and " to " not in html
    bar.input.setText("make it sunset")
    bar.preview_parse()
    html = bar.plan_label.text()
    assert ">&nbsp;AI&nbsp;<" in html and "AI edit" in html and "ai_edit" not in html
    assert win.project.all_clips()[0].ops == []  # previews never apply


def test_error_suggestions_are_links_that_fill_the_bar(win, qtbot):
    bar = win.command_bar
    type_command(qtbot, win, "frobnicate the wibble")
    assert bar.plan_label.property("error") is True and bar.suggestions
    assert 'href="suggest:0"' in bar.plan_label.text()
    first = bar.suggestions[0]
    bar.plan_label.linkActivated.emit("suggest:0")
    assert bar.input.text() == first
    assert bar.plan_label.property("error") is False and "Will apply" in bar.plan_label.text()
    assert win.project.all_clips()[0].ops == []  # filled in, not applied


def test_labels_use_human_op_names():
    from t2v_desktop.gui.edit_stack import fmt_range, op_label

    assert op_label("black_and_white") == "black and white" and op_label("ai_edit") == "AI edit"
    assert fmt_range(1.0, 3.0) == "0:01–0:03" and fmt_range(0.2, 62.5) == "0:00.20–1:02.50"


def test_edit_stack_rows_and_checkbox_ticks_are_visible(win, qtbot):
    type_command(qtbot, win, "black and white from 0:00.2 to 0:00.6")
    item = win.edit_stack.list.item(0)
    assert item.text() == "1. black and white  (amount 1)   0:00.20–0:00.60"
    # the range editor (shown for the new ranged edit) must not force the dock wider than its 360 px
    assert win.edit_stack.range_edit is not None and win.edit_stack.minimumSizeHint().width() < 360
    # the themed indicator draws a light tick on the blue box when on, nothing when off
    import numpy as np  # noqa: I001
    from PySide6.QtWidgets import QCheckBox

    from t2v_desktop.gui.theme import RESOURCES, style_sheet

    qss = style_sheet()
    assert "@ICONS@" not in qss and (RESOURCES / "icons" / "check.svg").exists()
    assert f'url("{(RESOURCES / "icons").as_posix()}/check.svg")' in qss

    def indicator(checked):
        cb = QCheckBox()
        cb.setStyleSheet(qss)
        cb.setChecked(checked)
        cb.resize(24, 24)
        qtbot.addWidget(cb)
        img = cb.grab().toImage()
        return np.array([[img.pixelColor(x, y).getRgb()[:3] for x in range(img.width())]
                         for y in range(img.height())])

    on, off = indicator(True), indicator(False)
    white = lambda a: int(((a > 220).all(axis=2)).sum())  # noqa: E731
    blue = lambda a: int(((a[..., 2] > 200) & (a[..., 0] < 80)).sum())  # noqa: E731
    assert white(on) >= 6 and blue(on) >= 20  # a tick on a blue box
    assert white(off) == 0 and blue(off) == 0  # an empty dark box
