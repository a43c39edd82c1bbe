"""The export dialog runs exports in a child process (t2v-desktop _export-job): real files out,
progress in, cancel/kill/crash leave nothing behind, errors and the thread fallback are shown."""

from __future__ import annotations

import shutil
import sys

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")



@pytest.fixture
def win(main_window):
    return main_window


def open_clip(qtbot, w, path):
    w.open_media(str(path))
    qtbot.waitUntil(lambda: w.preview.shown_index == 0, timeout=10000)


def start_export(w, out, preset="h264"):
    dlg = w.show_export()
    dlg.confirm_overwrite = lambda p: True
    dlg.set_preset(preset)
    dlg.path.setText(str(out))
    seen = []
    job = dlg.start()
    assert job is not None
    job.signals.progress.connect(lambda d, t, m: seen.append((d, t)))
    return dlg, job, seen


def wait_end(qtbot, job, timeout=60000):
    qtbot.waitUntil(lambda: job.state in ("done", "failed", "cancelled"), timeout=timeout)


def part_files(folder, stem):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{stem}.") and p.name.endswith(".part"))


def test_export_runs_in_child_process_and_writes_a_valid_file(win, qtbot, tmp_path, make_clip):
    from t2v_desktop.gui.workers import ProcessJob
    from t2v_desktop.media.frames import FrameSource
    from t2v_desktop.media.info import probe

    open_clip(qtbot, win, make_clip("grey", duration=1.0, pattern="solid", color=(120, 120, 120)))
    win.apply_command("make it warmer")
    out = tmp_path / "out.mp4"
    dlg, job, seen = start_export(win, out)
    assert isinstance(job, ProcessJob)
    wait_end(qtbot, job)
    assert job.state == "done", job.error
    assert job.fallback_job is None and job.notice == ""  # really the child, not the thread
    assert job.result.path == out and job.result.frames == 25 and job.result.has_audio
    assert dlg.progress.value() == 1000 and "Exported" in dlg.status.text()
    assert seen and all(t == 25 for _d, t in seen) and seen[-1][0] == 25
    info = probe(out)
    assert info.has_video and info.has_audio and abs(info.duration - 1.0) < 0.1
    assert (info.width, info.height) == (160, 120)
    src = FrameSource(str(out))
    try:
        f = src.frame(0).astype(float).mean(axis=(0, 1))
    finally:
        src.close()
    assert f[0] - f[2] > 5  # the op ran in the child: warmer than the grey source
    assert not any(p.exists() for p in job.cleanup)  # temp project removed
    rows = [r for r in win.jobs_panel.widget().children() if getattr(r, "job", None) is job]
    assert rows and rows[0].status.text() == "done" and rows[0].bar.value() == 1000
    assert part_files(tmp_path, "out") == []


def test_cancel_mid_export_leaves_no_file_and_keeps_the_old_one(win, qtbot, tmp_path, make_clip):
    open_clip(qtbot, win, make_clip("long", width=320, height=240, duration=10.0))
    out = tmp_path / "target.mp4"
    out.write_bytes(b"the user's previous export")
    dlg, job, seen = start_export(win, out)
    qtbot.waitUntil(lambda: any(0 < d < t for d, t in seen) or job.state != "running", timeout=60000)
    assert job.state == "running"
    dlg.cancel()
    wait_end(qtbot, job)
    assert job.state == "cancelled" and not job.killed  # the child stopped itself on "cancel"
    assert "no file was written" in dlg.status.text()
    assert out.read_bytes() == b"the user's previous export"
    assert part_files(tmp_path, "target") == []


def test_child_error_is_shown(win, qtbot, tmp_path, make_clip):
    open_clip(qtbot, win, make_clip("grey", duration=1.0, pattern="solid", color=(120, 120, 120)))
    out = tmp_path / "missing-folder" / "out.mp4"
    dlg, job, _ = start_export(win, out)
    wait_end(qtbot, job)
    assert job.state == "failed"
    assert "does not exist" in job.error and "does not exist" in dlg.status.text()
    assert not out.parent.exists()


def test_project_with_a_missing_source_fails_with_its_name(win, qtbot, tmp_path, make_clip):
    src = tmp_path / "vanishing.mp4"
    shutil.copy(make_clip(duration=1.0), src)
    open_clip(qtbot, win, src)
    src.unlink()
    out = tmp_path / "out.mp4"
    dlg, job, _ = start_export(win, out)
    wait_end(qtbot, job)
    assert job.state == "failed", job.state
    assert "vanishing.mp4" in job.error and "Export failed" in dlg.status.text()
    assert not out.exists() and part_files(tmp_path, "out") == []


def fake_child(monkeypatch, code: str):
    from t2v_desktop.gui import export_dialog

    monkeypatch.setattr(export_dialog, "child_command", lambda args: (sys.executable, ["-c", code, *args], {}))


CRASH = """
import pathlib, sys
out = pathlib.Path(sys.argv[sys.argv.index('-o') + 1])
(out.parent / f'.{out.stem}.x1.mp4.part').write_bytes(b'half')
print('{"done": 3, "total": 25, "message": "Exporting"}', flush=True)
sys.stderr.write('segfault-ish trouble\\n')
sys.exit(3)
"""


def test_child_crash_shows_an_error_and_removes_its_temp_file(win, qtbot, tmp_path, make_clip, monkeypatch):
    open_clip(qtbot, win, make_clip(duration=1.0))
    fake_child(monkeypatch, CRASH)
    out = tmp_path / "crash.mp4"
    out.write_bytes(b"keep me")
    dlg, job, _ = start_export(win, out)
    wait_end(qtbot, job)
    assert job.state == "failed"
    assert "exit code 3" in job.error and "segfault-ish trouble" in job.error
    assert "Export failed" in dlg.status.text()
    assert out.read_bytes() == b"keep me"
    assert part_files(tmp_path, "crash") == []
    rows = [r for r in win.jobs_panel.widget().children() if getattr(r, "job", None) is job]
    assert rows and "exit code 3" in rows[0].status.text()


HANG = """
import pathlib, sys, time
out = pathlib.Path(sys.argv[sys.argv.index('-o') + 1])
(out.parent / f'.{out.stem}.x2.mp4.part').write_bytes(b'half')
print('{"done": 1, "total": 25, "message": "Exporting"}', flush=True)
time.sleep(120)
"""


def test_child_that_ignores_cancel_is_killed_and_cleaned_up(win, qtbot, tmp_path, make_clip, monkeypatch):
    open_clip(qtbot, win, make_clip(duration=1.0))
    fake_child(monkeypatch, HANG)
    out = tmp_path / "hang.mp4"
    dlg = win.show_export()
    dlg.kill_after = 0.2
    dlg, job, seen = start_export(win, out)
    qtbot.waitUntil(lambda: bool(seen), timeout=30000)
    assert part_files(tmp_path, "hang") != []
    dlg.cancel()
    wait_end(qtbot, job)
    assert job.state == "cancelled" and job.killed
    assert not out.exists() and part_files(tmp_path, "hang") == []


def test_fallback_to_a_thread_when_the_child_cannot_start(win, qtbot, tmp_path, make_clip, monkeypatch):
    from t2v_desktop.gui import export_dialog
    from t2v_desktop.media.info import probe

    open_clip(qtbot, win, make_clip(duration=1.0))
    monkeypatch.setattr(export_dialog, "child_command",
                        lambda args: (str(tmp_path / "no-such-program"), list(args), {}))
    out = tmp_path / "fallback.mp4"
    dlg, job, _ = start_export(win, out)
    wait_end(qtbot, job)
    assert job.state == "done", job.error
    assert job.fallback_job is not None and "inside the editor" in job.notice
    assert "inside the editor" in dlg.status.text()
    assert abs(probe(out).duration - 1.0) < 0.1


def test_closing_the_window_stops_a_running_child(win, qtbot, tmp_path, make_clip, monkeypatch):
    open_clip(qtbot, win, make_clip(duration=1.0))
    fake_child(monkeypatch, HANG)
    out = tmp_path / "closing.mp4"
    dlg = win.show_export()
    dlg.kill_after = 0.2
    dlg, job, seen = start_export(win, out)
    qtbot.waitUntil(lambda: bool(seen), timeout=30000)
    win.jobs.cancel_all()
    win.jobs.wait(500)  # what closeEvent does: the child ignores cancel, so it is killed
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=10000)
    assert job.proc is None and part_files(tmp_path, "closing") == []


def test_child_command_runs_the_cli_module_or_the_frozen_executable(monkeypatch, tmp_path):
    from pathlib import Path

    import t2v_desktop
    from t2v_desktop.gui.export_dialog import child_command

    prog, args, env = child_command(["p.json", "-o", "x.mp4"])
    assert prog == sys.executable and args == ["-m", "t2v_desktop", "_export-job", "p.json", "-o", "x.mp4"]
    assert str(Path(t2v_desktop.__file__).resolve().parents[1]) in env["PYTHONPATH"]
    exe = tmp_path / "t2v-desktop"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    monkeypatch.setattr(sys, "platform", "linux")
    assert child_command(["p.json"]) == (str(exe), ["_export-job", "p.json"], {})
