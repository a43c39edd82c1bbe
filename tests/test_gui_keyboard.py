"""The editor's keyboard and command bar, driven with real key presses and clicks (pytest-qt):
Enter applies and hands the keyboard back, window shortcuts work wherever the focus is unless a
text field needs the key, the bar never moves, and completions never cover the plan or take a
click meant for another widget."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QRect, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


@pytest.fixture
def win(qtbot, main_window, make_clip):
    w = main_window
    w.resize(1280, 820)
    w.open_media(str(make_clip("grey", duration=2.0, pattern="solid", color=(120, 120, 120))))
    w.command_bar.load_completions()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    qtbot.waitUntil(lambda: w.preview.shown_index == 0)
    yield w
    w.preview.pause()
    w.undo_stack.setClean()


def ops(w):
    return [o.op for o in w.project.all_clips()[0].ops]


def focused():
    return QApplication.focusWidget()


def press(qtbot, key, mods=Qt.NoModifier):
    """A key press where the keyboard focus is, as a person's would arrive."""
    qtbot.keyClick(focused(), key, mods)


def into_bar(qtbot, w):
    press(qtbot, Qt.Key_L, Qt.ControlModifier)  # Ctrl+L: the command bar
    qtbot.waitUntil(lambda: focused() is w.command_bar.input)


def in_window(w, widget, rect: QRect) -> QRect:
    return QRect(widget.mapTo(w, rect.topLeft()), rect.size())


def test_enter_applies_and_gives_the_keyboard_back_to_the_timeline(win, qtbot):
    win.timeline.setFocus()
    into_bar(qtbot, win)
    qtbot.keyClicks(win.command_bar.input, "make it warmer")
    qtbot.keyClick(win.command_bar.input, Qt.Key_Return)
    assert ops(win) == ["temperature"]
    assert win.command_bar.input.text() == ""
    assert focused() is win.timeline  # not the bar: keys act on the edit now
    press(qtbot, Qt.Key_Z, Qt.ControlModifier)  # Ctrl+Z undoes the edit ...
    assert ops(win) == [] and win.command_bar.input.text() == ""  # ... and does not refill the bar
    assert "Undone: Temperature" in win.command_bar.plan_label.text()  # not a stale "Applied:"

    press(qtbot, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert ops(win) == ["temperature"]
    press(qtbot, Qt.Key_Space)
    assert win.preview.rate == 1.0
    press(qtbot, Qt.Key_K)
    assert win.preview.rate == 0.0
    press(qtbot, Qt.Key_L)
    assert win.preview.rate == 1.0
    press(qtbot, Qt.Key_K)
    # back in the (now empty) bar, Ctrl+Z still undoes the edit: the bar has no text to undo
    into_bar(qtbot, win)
    press(qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert ops(win) == [] and win.command_bar.input.text() == ""
    # a new edit pushed after an undo replaces the redo step: it is not reported as a redo
    count = win.undo_stack.count()
    win.trim_clip(win.project.all_clips()[0].id, 0.2, None)
    assert win.undo_stack.count() == count and "Redone" not in win.command_bar.plan_label.text()


def test_typing_in_the_bar_types_and_its_text_undo_stays_its_own(win, qtbot):
    into_bar(qtbot, win)
    steps = win.undo_stack.count()
    qtbot.keyClicks(win.command_bar.input, "slow down")  # s, space, l, ... are text here
    assert win.command_bar.input.text() == "slow down"
    assert win.preview.rate == 0.0 and win.undo_stack.count() == steps and len(win.project.all_clips()) == 1
    press(qtbot, Qt.Key_Z, Qt.ControlModifier)  # a field being edited keeps its text undo
    assert win.command_bar.input.text() != "slow down" and win.undo_stack.count() == steps


def test_ctrl_e_exports_from_the_bar_and_escape_leaves_it(win, qtbot):
    into_bar(qtbot, win)
    qtbot.keyClicks(win.command_bar.input, "make it")
    press(qtbot, Qt.Key_E, Qt.ControlModifier)
    assert win.export_dialog is not None and win.export_dialog.isVisible()
    assert win.command_bar.input.text() == "make it"
    win.export_dialog.reject()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    win.command_bar.input.setFocus()
    qtbot.waitUntil(lambda: focused() is win.command_bar.input)
    win.command_bar.update_suggestions()
    assert win.command_bar.suggestions_visible()  # "make it" has completions
    press(qtbot, Qt.Key_Escape)  # the first Escape closes the list, the second leaves the bar
    assert not win.command_bar.suggestions_visible() and focused() is win.command_bar.input
    press(qtbot, Qt.Key_Escape)
    assert focused() is win.timeline
    press(qtbot, Qt.Key_L)  # J/K/L work again at once
    assert win.preview.rate == 1.0
    press(qtbot, Qt.Key_K)


def test_shortcuts_work_from_every_panel(win, qtbot):
    win.apply_command("make it warmer")
    win.apply_command("make it brighter")
    assert ops(win) == ["temperature", "brightness"]
    panels = [win.timeline, win.bin.list, win.edit_stack.list, win.undo_view, win.preview.slider]
    for panel in panels:
        panel.setFocus()
        qtbot.waitUntil(lambda panel=panel: focused() is panel)
        press(qtbot, Qt.Key_Space)
        assert win.preview.rate == 1.0, panel
        press(qtbot, Qt.Key_K)
        assert win.preview.rate == 0.0, panel
        press(qtbot, Qt.Key_Z, Qt.ControlModifier)
        assert len(ops(win)) == 1, panel
        press(qtbot, Qt.Key_Y, Qt.ControlModifier)
        assert len(ops(win)) == 2, panel
    # a parameter's spin box with nothing typed in it hands Ctrl+Z and Ctrl+E to the window too
    from PySide6.QtWidgets import QDoubleSpinBox

    spin = win.edit_stack.form_box.findChild(QDoubleSpinBox)
    spin.setFocus()
    qtbot.waitUntil(lambda: focused() is spin)
    press(qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert len(ops(win)) == 1
    spin = win.edit_stack.form_box.findChild(QDoubleSpinBox)  # the form now shows the remaining edit
    spin.setFocus()
    qtbot.waitUntil(lambda: focused() is spin)
    press(qtbot, Qt.Key_E, Qt.ControlModifier)
    assert win.export_dialog is not None and win.export_dialog.isVisible()
    win.export_dialog.reject()


def test_the_bar_never_moves_whatever_the_feedback(win, qtbot):
    bar = win.command_bar
    where = lambda: (bar.input.mapTo(win, QPoint(0, 0)), bar.height(), win.timeline.mapTo(win, QPoint(0, 0)))  # noqa: E731
    start = where()
    bar.input.setText("make it warmer")
    bar.preview_parse()
    assert where() == start
    bar.input.setText("make it warmer, then sharpen it, then make it brighter, then more contrast, "
                      "then black and white from 0:00.5 to 0:01")
    bar.preview_parse()
    assert "Will apply" in bar.plan_label.text() and bar.plan_label.text().count("<br>") >= 5
    assert where() == start
    qtbot.waitUntil(lambda: bar.feedback.verticalScrollBar().maximum() > 0)  # long plans scroll
    win.apply_command("frobnicate the wibble")
    assert bar.plan_label.property("error") is True and bar.suggestions
    assert where() == start
    win.apply_command("make it warmer")
    assert where() == start


def test_completions_open_only_after_typing_above_the_bar_and_never_take_a_click(win, qtbot):
    bar = win.command_bar
    into_bar(qtbot, win)
    press(qtbot, Qt.Key_Down)  # an empty bar: no list
    assert not bar.suggestions_visible()
    qtbot.keyClicks(bar.input, "wa")
    assert bar.suggestions_visible()
    pop = bar.popup
    items = [pop.item(i).text() for i in range(pop.count())]
    assert items and len({" ".join(i.lower().split()) for i in items}) == len(items)  # distinct
    assert any("warm" in i.lower() for i in items)
    # above the input: not over the plan, the timeline, or the bar itself
    pr = pop.geometry()
    for widget in (bar.input, bar.feedback, win.timeline, win.preview.play_btn, win.preview.slider):
        assert not pr.intersects(in_window(win, widget, widget.rect())), widget
    assert pr.bottom() < bar.input.mapTo(win, QPoint(0, 0)).y()
    # a click on the timeline lands on the timeline, and applies nothing
    steps = win.undo_stack.count()
    target = win.timeline.mapTo(win, QPoint(win.timeline.width() // 2, 10))
    hit = win.childAt(target)
    assert hit is win.timeline or win.timeline.isAncestorOf(hit)
    qtbot.mouseClick(win.timeline, Qt.LeftButton, pos=QPoint(win.timeline.width() // 2, 10))
    assert win.preview.position > 0.5 and win.undo_stack.count() == steps and ops(win) == []
    # clicking a completion fills the bar; Enter (not the click) applies
    into_bar(qtbot, win)
    bar.input.setText("")
    qtbot.keyClicks(bar.input, "warm")
    item = next(pop.item(i) for i in range(pop.count()) if "warm" in pop.item(i).text().lower())
    qtbot.mouseClick(pop.viewport(), Qt.LeftButton, pos=pop.visualItemRect(item).center())
    assert bar.input.text() == item.text() and not bar.suggestions_visible()
    assert ops(win) == [] and win.undo_stack.count() == steps
    # keyboard: Down selects, Enter takes the completion, a second Enter applies it
    bar.input.setText("")
    qtbot.keyClicks(bar.input, "black and wh")
    press(qtbot, Qt.Key_Down)
    chosen = pop.currentItem().text()
    press(qtbot, Qt.Key_Return)
    assert bar.input.text() == chosen and ops(win) == []
    press(qtbot, Qt.Key_Return)
    assert ops(win) == ["black_and_white"]


def test_history_names_what_was_applied(win, qtbot):
    win.apply_command("make it warmer")
    label = win.undo_stack.text(win.undo_stack.count() - 1)
    assert label.startswith("Temperature") and "make it warmer" in label
    win.apply_command("black and white from 0:00.5 to 0:01, then sharpen it")
    label = win.undo_stack.text(win.undo_stack.count() - 1)
    assert label == "Black and white from 0:00.5 to 0:01, then sharpen it"  # the words name every op


def test_ai_edit_without_a_model_names_the_classic_grade_in_the_history(win, qtbot, tmp_path, monkeypatch):
    empty = tmp_path / "no-models"
    empty.mkdir()
    monkeypatch.setenv("T2V_MODELS_DIR", str(empty))
    monkeypatch.setenv("T2V_AI_CONFIRM", "1")
    win.apply_command("add snow")
    dlg = win.ai_preview_dialog
    assert dlg is not None and dlg.classic_btn.isVisible() and dlg.classic_btn.isEnabled()
    assert not dlg.render_btn.isVisible() and not dlg.preview_btn.isVisible()  # no dead buttons
    assert dlg.message.text().count(". ") <= 2  # two sentences (and the classic hint) up front ...
    assert dlg.details_btn.isVisible() and len(dlg.details.toPlainText()) > len(dlg.message.text()) / 2
    dlg.details_btn.click()  # ... the rest behind Details
    assert dlg.details.isVisible()
    dlg.classic_btn.click()
    assert ops(win) == ["temperature"]
    label = win.undo_stack.text(win.undo_stack.count() - 1)
    assert label.startswith("Temperature") and "classic look" in label and label != "add snow"
    # an AI edit with no classic counterpart: no dialog at all, the error in two sentences + Details
    win.apply_command("turn the cat into a dog")
    assert win.ai_preview_dialog is None and ops(win) == ["temperature"]
    bar = win.command_bar
    assert bar.plan_label.property("error") is True and "details:" in bar.plan_label.text()
    assert bar.details and len(bar.details) > 80


def test_clicking_apply_or_the_picture_leaves_the_keyboard_on_the_edit(win, qtbot):
    into_bar(qtbot, win)
    qtbot.keyClicks(win.command_bar.input, "make it warmer")
    qtbot.mouseClick(win.command_bar.apply_btn, Qt.LeftButton)
    assert ops(win) == ["temperature"] and focused() is win.timeline
    into_bar(qtbot, win)
    qtbot.mouseClick(win.preview.view, Qt.LeftButton)
    assert focused() is win.preview.view
    press(qtbot, Qt.Key_Space)
    assert win.preview.rate == 1.0 and win.command_bar.input.text() == ""


def test_overlay_text_is_readable_on_white_footage(qtbot, main_window, make_clip):
    w = main_window
    w.open_media(str(make_clip("white", duration=1.0, pattern="solid", color=(255, 255, 255))))
    qtbot.waitUntil(lambda: w.preview.shown_index == 0)
    w.preview.hold("Analysing (stabilize)… progress and Cancel in the Jobs panel.")
    img = w.preview.view.grab().toImage()
    cx, cy = img.width() // 2, img.height() // 2
    plate = [img.pixelColor(x, cy).lightness() for x in range(cx - 60, cx + 60)]
    # the text sits on a dark plate: its background is dark, its letters light (on white footage,
    # plain text had nothing but light around it)
    assert min(plate) < 70 and max(plate) > 180
    assert img.pixelColor(cx, cy - 40).lightness() > 230  # the white frame is still shown around it
    w.undo_stack.setClean()


def test_a_corrected_typo_is_shown_highlighted_and_the_corrected_op_applied(win, qtbot):
    into_bar(qtbot, win)
    qtbot.keyClicks(win.command_bar.input, "make it brigther")
    plan = win.command_bar.preview_parse()
    shown = win.command_bar.plan_label.text()
    assert [(c.typed, c.corrected) for c in plan.corrections] == [("brigther", "brighter")]
    assert "Read as:" in shown and "<u>brighter</u>" in shown and "(corrected 'brigther')" in shown
    qtbot.keyClick(win.command_bar.input, Qt.Key_Return)
    assert ops(win) == ["brightness"]
    # an exact command shows no correction line
    into_bar(qtbot, win)
    qtbot.keyClicks(win.command_bar.input, "make it warmer")
    win.command_bar.preview_parse()
    assert "Read as:" not in win.command_bar.plan_label.text()
