"""Durable edits and a robust editor: an edit survives a SIGKILL moments later, shutdown prints no
traceback while workers are still busy, and files the probe rejects (or crashes on) never take
the editor down."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def child_env(tmp_path, **extra) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", T2V_PREVIEW_AUDIO="0", T2V_AI_CONFIRM="0",
               T2V_AUTOSAVE_DIR=str(tmp_path / "autosave"), T2V_DATA_DIR=str(tmp_path / "data"))
    env["PYTHONPATH"] = os.pathsep.join(x for x in (str(ROOT), env.get("PYTHONPATH", "")) if x)
    env.update(extra)
    return env


EDITOR = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from t2v_desktop.gui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    w = MainWindow(settings=QSettings(sys.argv[2], QSettings.IniFormat))
    w.show()
    w.open_media(sys.argv[1])
    for text in sys.argv[3:]:
        if text == "undo":
            w.undo_stack.undo()
        else:
            assert w.apply_command(text) is not None, text
    print("applied", flush=True)
    app.exec()
""")


def run_and_kill(tmp_path, clip, *commands, after: float = 2.5) -> int:
    """An editor in a child process applies ``commands``, then is killed with SIGKILL ``after``
    seconds later (well inside the 30 s of the old periodic autosave)."""
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    proc = subprocess.Popen([sys.executable, str(script), str(clip), str(tmp_path / "child.ini"), *commands],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(tmp_path), text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "applied", proc.stderr.read()[-2000:]
        time.sleep(after)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)  # reaped: its pid is gone, as after a real crash
    assert proc.returncode == -signal.SIGKILL
    return proc.pid


def new_editor(qtbot, tmp_path, monkeypatch):
    from t2v_desktop.gui.main_window import MainWindow

    monkeypatch.setenv("T2V_AUTOSAVE_DIR", str(tmp_path / "autosave"))
    w = MainWindow(settings=QSettings(str(tmp_path / "next.ini"), QSettings.IniFormat))
    w.ask_save = lambda: "discard"
    qtbot.addWidget(w)
    return w


def test_an_edit_survives_a_sigkill_and_recovery_restores_exactly_the_last_state(
        qtbot, tmp_path, monkeypatch, make_clip):
    from t2v_desktop.gui.autosave import CRASHED_NAME, LOCK_NAME

    clip = make_clip("kill", duration=1.0)
    # the last state: warmer (brighter was applied, then undone)
    pid = run_and_kill(tmp_path, clip, "make it warmer", "make it brighter", "undo")
    auto = tmp_path / "autosave"
    assert (auto / LOCK_NAME).read_text() == str(pid)  # it died holding its lock
    w = new_editor(qtbot, tmp_path, monkeypatch)
    assert (auto / CRASHED_NAME).exists()  # set aside before this editor could overwrite it
    asked = []
    assert w.offer_recovery(ask=lambda p: asked.append(p) or True)
    clips = w.project.all_clips()
    assert len(clips) == 1 and clips[0].path == str(Path(clip).resolve())
    assert [o.op for o in clips[0].ops] == ["temperature"]
    assert not (auto / CRASHED_NAME).exists() and w.autosave.path.exists()  # now this editor's
    assert w.has_unsaved_work() and w.autosave.sync()  # recovered work stays safe until saved
    w.undo_stack.setClean()
    w._recovered = False
    w.close()


def test_undo_back_to_the_saved_state_leaves_nothing_to_recover(qtbot, tmp_path, monkeypatch, make_clip):
    from t2v_desktop.gui.autosave import recovery_candidate

    clip = make_clip("kill", duration=1.0)
    run_and_kill(tmp_path, clip, "make it warmer", "undo", after=1.5)
    assert recovery_candidate(tmp_path / "autosave") is None


def test_each_change_is_saved_and_an_undo_to_clean_removes_the_autosave(qtbot, main_window, make_clip):
    from t2v_desktop.project.model import Project

    w = main_window
    w.open_media(str(make_clip("a", duration=1.0)))
    assert not w.autosave.path.exists()
    w.apply_command("make it warmer")
    qtbot.waitUntil(w.autosave.path.exists, timeout=5000)
    assert [o.op for o in Project.load(w.autosave.path).all_clips()[0].ops] == ["temperature"]
    w.apply_command("make it brighter")
    qtbot.waitUntil(lambda: len(Project.load(w.autosave.path).all_clips()[0].ops) == 2, timeout=5000)
    w.undo_stack.undo()
    qtbot.waitUntil(lambda: len(Project.load(w.autosave.path).all_clips()[0].ops) == 1, timeout=5000)
    w.undo_stack.undo()
    qtbot.waitUntil(lambda: not w.autosave.path.exists(), timeout=5000)


SHUTDOWN = textwrap.dedent("""
    import sys, time
    import t2v_desktop.gui.core as core
    import t2v_desktop.gui.thumbs as thumbs

    _thumb = thumbs.load_thumb
    def slow_thumb(*a, **k):  # a thumbnail still loading when the window closes
        time.sleep(3.0)
        return _thumb(*a, **k)
    thumbs.load_thumb = slow_thumb

    def main():
        from PySide6.QtCore import QSettings, QTimer
        from PySide6.QtWidgets import QApplication
        from t2v_desktop.gui.main_window import MainWindow
        app = QApplication(sys.argv[:1])
        win = MainWindow(settings=QSettings(sys.argv[2], QSettings.IniFormat))
        win.ask_save = lambda: "discard"
        win.show()
        win.open_media(sys.argv[1])
        win.import_paths([sys.argv[1]] * 2)
        QTimer.singleShot(300, win.preview.play)
        QTimer.singleShot(600, win.close)
        return app.exec()

    sys.exit(main())
""")


def test_closing_while_thumbnails_and_preview_work_prints_no_traceback(tmp_path, make_clip):
    script = tmp_path / "shutdown.py"
    script.write_text(SHUTDOWN)
    r = subprocess.run([sys.executable, str(script), str(make_clip("a", duration=1.0)), str(tmp_path / "s.ini")],
                       capture_output=True, text=True, timeout=120, env=child_env(tmp_path))
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr and "has been deleted" not in r.stderr, r.stderr[-3000:]


def test_preview_worker_finishing_after_its_panel_is_deleted_raises_nothing(qtbot, monkeypatch):
    from shiboken6 import Shiboken

    from t2v_desktop.gui import core
    from t2v_desktop.gui.preview import FrameWorker

    started = threading.Event()

    class SlowRenderer:
        frame_count = 5

        def frame(self, i):
            started.set()
            time.sleep(0.5)
            return np.zeros((4, 4, 3), np.uint8)

        def close(self):
            pass

    monkeypatch.setattr(core, "make_renderer", lambda *a, **k: SlowRenderer())
    errors = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    w = FrameWorker()
    w.set_project(object(), 1.0, 5)
    w.request(0)
    assert started.wait(10)
    thread = w._thread
    Shiboken.delete(w)  # the panel goes away while the frame is still rendering
    thread.join(10)
    assert not thread.is_alive() and errors == []


def test_files_the_probe_rejects_or_crashes_on_never_raise(main_window, make_clip, tmp_path, monkeypatch):
    w = main_window
    good = make_clip("a", duration=1.0)
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00not a video" * 64)
    assert w.open_media(str(bad)) is False  # a user error: one line, nothing changes
    assert w.project.all_clips() == [] and "broken.mp4" in w.bin.message.text()
    assert "\n" not in w.bin.message.text()
    assert w.import_paths([bad]) == []
    # an unexpected exception inside the probe (a bug) is still one line, never a crash
    import t2v_desktop.media.info as info

    real = info.probe

    def exploding(path, *a, **k):
        if Path(path).name == "odd.mp4":
            raise AttributeError("'NoneType' object has no attribute 'name'")
        return real(path, *a, **k)

    monkeypatch.setattr(info, "probe", exploding)
    odd = tmp_path / "odd.mp4"
    odd.write_bytes(Path(good).read_bytes())
    assert w.open_media(str(odd)) is False
    assert w.import_paths([odd, good]) == [str(Path(good).resolve())]
    msg = w.bin.message.text()
    assert "odd.mp4" in msg and "AttributeError" in msg and "\n" not in msg
    assert [c.name for c in w.project.all_clips()] == [Path(good).name]


def test_a_rejected_file_on_the_command_line_keeps_the_editor_open(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00not a video" * 64)
    script = tmp_path / "start.py"
    script.write_text(textwrap.dedent("""
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        import t2v_desktop.gui.main_window as mw

        def report_then_close(self, ask=None):
            print("window open:", self.isVisible(), "clips:", len(self.project.all_clips()),
                  "message:", self.bin.message.text(), flush=True)
            QTimer.singleShot(100, self.close)
            return False

        mw.MainWindow.offer_recovery = report_then_close
        from t2v_desktop.gui.app import main
        sys.exit(main(sys.argv[1:]))
    """))
    r = subprocess.run([sys.executable, str(script), str(bad)], capture_output=True, text=True, timeout=120,
                       env=child_env(tmp_path))
    assert r.returncode == 0, r.stderr[-3000:]
    assert "window open: True clips: 0 message:" in r.stdout and "broken.mp4" in r.stdout
    assert "Traceback" not in r.stderr
