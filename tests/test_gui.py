"""GUI tests: drive the real widgets offscreen (pytest-qt) and check real outcomes."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QMimeData, QPointF, QSettings, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from t2v_desktop.media.synth import read_frame_number  # noqa: E402


@pytest.fixture
def win(main_window, qtbot):
    w = main_window
    w.resize(1200, 800)
    w.activateWindow()  # on a real X server, window shortcuts (S, Space, J/K/L) need the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    yield w
    w.undo_stack.setClean()
    w.close()


def wait_frame(qtbot, w, index=None, timeout=10000):
    qtbot.waitUntil(lambda: w.preview.frame is not None and (index is None or w.preview.shown_index == index),
                    timeout=timeout)
    return w.preview.frame


def mime_for(*paths) -> QMimeData:
    m = QMimeData()
    m.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return m


def drag(widget, x0, x1, y):
    """Press at x0, move to x1 with the button held, release (QTest.mouseMove has no buttons)."""
    for kind, x, buttons in ((QEvent.MouseButtonPress, x0, Qt.LeftButton),
                             (QEvent.MouseMove, (x0 + x1) / 2, Qt.LeftButton),
                             (QEvent.MouseMove, x1, Qt.LeftButton),
                             (QEvent.MouseButtonRelease, x1, Qt.NoButton)):
        p = QPointF(x, y)
        ev = QMouseEvent(kind, p, widget.mapToGlobal(p), Qt.LeftButton, buttons, Qt.NoModifier)
        QApplication.sendEvent(widget, ev)


def test_gui_import_does_not_load_torch():
    code = ("import sys, t2v_desktop.gui.app, t2v_desktop.gui.main_window, t2v_desktop.gui.preview; "
            "assert 'torch' not in sys.modules and 'diffusers' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_drop_files_into_bin_adds_clips_and_broken_file_changes_nothing(win, qtbot, make_clip, tmp_path):
    a = make_clip("a", duration=1.0)
    b = make_clip("b", duration=1.0, width=192, height=108)
    win.bin.handle_mime(mime_for(a, b))
    assert len(win.bin.paths()) == 2
    assert [c.name for c in win.project.all_clips()] == [a.name, b.name]
    assert win.timeline.duration == pytest.approx(2.0, abs=0.05)
    assert "192x108" in win.bin.list.item(1).text()
    frame = wait_frame(qtbot, win)
    assert frame.shape == (120, 160, 3)  # output size = first clip's
    # a broken file: clear message, no clip, no history entry
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    steps = win.undo_stack.count()
    win.bin.handle_mime(mime_for(bad))
    assert win.bin.message.isVisible() or win.bin.message.text()
    assert "broken.mp4" in win.bin.message.text()
    assert len(win.project.all_clips()) == 2 and win.undo_stack.count() == steps
    assert len(win.bin.paths()) == 2


def test_imported_file_with_a_sound_track_left_out_says_so(win, qtbot, tmp_path):
    from t2v_desktop.media.synth import make_unknown_sound_clip

    odd = make_unknown_sound_clip(tmp_path / "odd-sound.avi")
    n = len(win.project.all_clips())
    win.bin.handle_mime(mime_for(odd))
    assert len(win.project.all_clips()) == n + 1  # the picture is imported
    text = win.bin.message.text()
    assert "odd-sound.avi" in text and "left out" in text


def test_drop_event_on_window_imports(win, qtbot, make_clip):
    from PySide6.QtGui import QDropEvent

    a = make_clip("a", duration=1.0)
    mime = mime_for(a)  # keep a reference: the event does not own it
    ev = QDropEvent(QPointF(200, 200), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    win.dropEvent(ev)  # QApplication only routes drops during a real drag; call the handler
    assert ev.isAccepted()
    assert [c.name for c in win.project.all_clips()] == [a.name]


def test_split_trim_reorder_delete_with_undo(win, qtbot, make_clip):
    a = make_clip("a", duration=2.0)
    b = make_clip("b", duration=1.0, pattern="solid", color=(200, 30, 30))
    win.import_paths([a, b])
    assert win.timeline.duration == pytest.approx(3.0, abs=0.05)
    # split the first clip at 0.8 s with the S shortcut
    win.preview.seek(0.8)
    win.timeline.setFocus()
    qtbot.keyClick(win.timeline, Qt.Key_S)
    clips = win.project.all_clips()
    assert len(clips) == 3
    assert clips[0].out_point == pytest.approx(0.8, abs=0.02) and clips[1].in_point == pytest.approx(0.8, abs=0.02)
    assert win.timeline.duration == pytest.approx(3.0, abs=0.05)
    win.undo_stack.undo()
    assert len(win.project.all_clips()) == 2
    win.undo_stack.redo()
    assert len(win.project.all_clips()) == 3
    # trim: drag the end of the last clip (b) 0.5 s to the left
    tl = win.timeline
    cid, s0, s1 = tl.spans[2]
    y = 60
    drag(tl, tl.x_of(s1) - 2, tl.x_of(s1 - 0.5) - 2, y)
    assert win.project.all_clips()[2].out_point == pytest.approx(0.5, abs=0.06)
    assert tl.duration == pytest.approx(2.5, abs=0.08)
    # reorder: drag the (trimmed) red clip to the start
    cid, s0, s1 = tl.spans[2]
    drag(tl, tl.x_of((s0 + s1) / 2), tl.x_of(0.05), y)
    assert win.project.all_clips()[0].id == cid
    win.preview.seek(0.0)
    f = wait_frame(qtbot, win, 0)
    assert f[60:, :, 0].mean() > 150 and f[60:, :, 1].mean() < 80  # the red clip now plays first
    # ripple delete the selected (red) clip
    tl.select(cid)
    qtbot.keyClick(tl, Qt.Key_Delete)
    assert cid not in [c.id for c in win.project.all_clips()]
    assert tl.spans[0][1] == 0.0
    win.preview.seek(0.0)
    f = wait_frame(qtbot, win, 0)
    qtbot.waitUntil(lambda: read_frame_number(win.preview.frame) == 0 and win.preview.frame[60:, :, 1].mean() > 80)
    for _ in range(3):  # delete, move, trim
        win.undo_stack.undo()
    clips = win.project.all_clips()
    assert len(clips) == 3 and clips[2].out_point is None and clips[0].name == a.name
    assert "Split" in win.undo_stack.undoText()
    assert win.undo_view.stack() is win.undo_stack


def test_preview_steps_and_plays_the_edit(win, qtbot, make_clip):
    a = make_clip("a", duration=1.0)
    win.import_paths([a])
    wait_frame(qtbot, win, 0)
    win.timeline.setFocus()
    qtbot.keyClick(win.timeline, Qt.Key_Right)
    qtbot.keyClick(win.timeline, Qt.Key_Right)
    wait_frame(qtbot, win, 2)
    assert read_frame_number(win.preview.frame) == 2
    qtbot.keyClick(win.timeline, Qt.Key_End)
    wait_frame(qtbot, win, 24)
    assert read_frame_number(win.preview.frame) == 24
    qtbot.keyClick(win.timeline, Qt.Key_Home)
    wait_frame(qtbot, win, 0)
    qtbot.keyClick(win.timeline, Qt.Key_Space)
    assert win.preview.rate == 1.0
    qtbot.waitUntil(lambda: not win.preview.rate, timeout=10000)  # plays to the end and stops
    assert win.preview.shown_index == 24 and win.preview.displayed > 0
    assert win.preview.displayed + win.preview.dropped >= 24


def test_autosave_then_crash_offers_recovery(qtbot, tmp_path, monkeypatch, make_clip):
    from t2v_desktop.gui.autosave import LOCK_NAME, recovery_candidate
    from t2v_desktop.gui.main_window import MainWindow

    auto = tmp_path / "autosave"
    monkeypatch.setenv("T2V_AUTOSAVE_DIR", str(auto))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    w1 = MainWindow(settings=settings)
    w1.ask_save = lambda: "discard"
    w1._closed = True  # it "crashes": no clean exit when pytest-qt closes it
    qtbot.addWidget(w1)
    a = make_clip("a", duration=1.0)
    w1.import_paths([a, a])
    assert w1.autosave.save_now()
    # simulate a crash: the process dies without clean_exit -> lock of a dead pid stays
    (auto / LOCK_NAME).write_text("999999")
    w1.preview.shutdown()
    assert recovery_candidate(auto) is not None
    w2 = MainWindow(settings=settings)
    w2.ask_save = lambda: "discard"
    qtbot.addWidget(w2)
    asked = []
    assert w2.offer_recovery(ask=lambda p: asked.append(p) or True)
    assert asked and len(w2.project.all_clips()) == 2
    assert [c.path for c in w2.project.all_clips()] == [str(a.resolve())] * 2
    # a clean exit removes autosave and lock: no recovery offered next time
    w2.undo_stack.setClean()
    w2.close()
    assert recovery_candidate(auto) is None


def test_open_project_relinks_missing_media(win, qtbot, make_clip, tmp_path):
    import shutil

    from t2v_desktop.project.model import Project

    src = tmp_path / "moved.mp4"
    shutil.copy(make_clip("a", duration=1.0), src)
    p = Project.from_media(str(src))
    p.save(tmp_path / "proj.t2v.json")
    new = tmp_path / "new-place.mp4"
    src.rename(new)
    win.relink_picker = lambda missing: str(new) if missing == str(src.resolve()) else None
    assert win.open_project(tmp_path / "proj.t2v.json")
    assert win.project.all_clips()[0].path == str(new.resolve())
    assert wait_frame(qtbot, win).shape == (120, 160, 3)


def test_save_and_recent(win, qtbot, make_clip, tmp_path):
    win.import_paths([make_clip("a", duration=1.0)])
    assert win.isWindowModified()
    assert win._save_to(tmp_path / "p.t2v")
    assert not win.isWindowModified()
    assert str(tmp_path / "p.t2v") in win.settings.value("recent")
    assert win.recent_menu.actions()[0].text() == str(tmp_path / "p.t2v")


def test_autosave_timer_writes_unsaved_project(qtbot, tmp_path, monkeypatch, make_clip):
    from t2v_desktop.project.model import Project
    from t2v_desktop.gui.main_window import MainWindow

    monkeypatch.setenv("T2V_AUTOSAVE_DIR", str(tmp_path / "autosave"))
    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat), autosave_interval_ms=50)
    w.ask_save = lambda: "discard"
    qtbot.addWidget(w)
    assert not w.autosave.path.exists()  # nothing unsaved yet
    w.import_paths([make_clip("a", duration=1.0)])
    qtbot.waitUntil(w.autosave.path.exists, timeout=5000)
    assert len(Project.load(w.autosave.path).all_clips()) == 1
    assert (tmp_path / "autosave" / "session.lock").read_text() == str(__import__("os").getpid())


def test_jkl_shuttle(win, qtbot, make_clip):
    win.import_paths([make_clip("a", duration=1.0)])
    wait_frame(qtbot, win, 0)
    win.timeline.setFocus()
    qtbot.keyClick(win.timeline, Qt.Key_L)
    qtbot.keyClick(win.timeline, Qt.Key_L)
    assert win.preview.rate == 2.0
    qtbot.keyClick(win.timeline, Qt.Key_K)
    assert win.preview.rate == 0.0
    win.preview.seek_frame(20)
    wait_frame(qtbot, win, 20)
    qtbot.keyClick(win.timeline, Qt.Key_J)
    assert win.preview.rate == -1.0
    qtbot.waitUntil(lambda: not win.preview.rate, timeout=10000)  # plays backward to the start
    assert win.preview.shown_index == 0 and read_frame_number(win.preview.frame) == 0


def test_drop_media_on_the_timeline_inserts_at_the_drop_position(win, qtbot, make_clip):
    from PySide6.QtGui import QDropEvent

    a = make_clip("a", duration=1.0)
    b = make_clip("b", duration=1.0, pattern="solid", color=(200, 30, 30))
    win.import_paths([a, a])
    tl = win.timeline
    mime = mime_for(b)
    ev = QDropEvent(QPointF(tl.x_of(0.9), 60), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    tl.dropEvent(ev)
    assert [c.name for c in win.project.all_clips()] == [a.name, b.name, a.name]
    win.undo_stack.undo()
    assert [c.name for c in win.project.all_clips()] == [a.name, a.name]


def test_trim_in_handle_moves_the_clip_start(win, qtbot, make_clip):
    a = make_clip("a", duration=2.0)
    win.import_paths([a])
    tl = win.timeline
    cid, s0, s1 = tl.spans[0]
    drag(tl, tl.x_of(s0) + 2, tl.x_of(0.5) + 2, 60)
    clip = win.project.all_clips()[0]
    assert clip.in_point == pytest.approx(0.5, abs=0.06) and clip.out_point is None
    assert tl.duration == pytest.approx(1.5, abs=0.08)
    win.preview.seek(0.0)
    qtbot.waitUntil(lambda: win.preview.shown_index == 0 and read_frame_number(win.preview.frame) in (12, 13))
