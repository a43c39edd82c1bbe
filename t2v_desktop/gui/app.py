"""Entry point of the editor: ``main(argv) -> exit code``.

``t2v-desktop [FILE ...]`` opens media files or a project (no file: the demo clip, so a new
user can type a command at once). ``--screenshot OUT.png`` saves a PNG of the window once the first
frame and the thumbnails are drawn (docs, bug reports, tests). ``--self-test`` runs the editor end
to end (demo clip, "make it warmer", a 1 s export through the export dialog, verified) for
packaged builds and CI: offscreen unless QT_QPA_PLATFORM names a platform (``xcb`` under xvfb-run tests the real X11 path).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

#: GIL hand-off interval for the GUI process: workers (export, analysis) run Python threads, and a
#: shorter interval lets the event loop get the GIL back sooner (bench/preview.py: worst stall during
#: a 1080p export 32-65 ms with 1 ms vs 28-168 ms with the default 5 ms, on a loaded 2-core box).
SWITCH_INTERVAL = 0.001


def _parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="t2v-desktop", description="Open the t2v-desktop editor.")
    p.add_argument("files", nargs="*", metavar="FILE", help="media files or a project (.t2v) to open")
    p.add_argument("--self-test", action="store_true",
                   help="open the editor (offscreen unless QT_QPA_PLATFORM is set), apply a command, "
                        "export 1 s, verify, exit")
    p.add_argument("--screenshot", metavar="OUT.png",
                   help="open the editor on FILE (or the demo clip), wait until the first frame and the "
                        "timeline's thumbnails are drawn, save a PNG of the window and exit")
    return p.parse_args(list(argv))


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    sys.setswitchinterval(SWITCH_INTERVAL)
    if args.self_test:
        return self_test()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ..errors import T2VError
    from . import core
    from .main_window import MainWindow
    from .theme import apply_theme

    if args.screenshot:
        from ..fsutil import check_writable_dir

        check_writable_dir(Path(args.screenshot))  # fail before opening anything
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("t2v-desktop")
    app.setOrganizationName("t2v-desktop")
    apply_theme(app)
    win = MainWindow()
    errors: list = []
    if args.screenshot:  # unattended: no dialog may wait for a click; a file that did not open fails it
        win._error = lambda title, text: errors.append(text)
        win.relink_picker = lambda missing: None
        win.ask_save = lambda: "discard"
        win.bin.failed.connect(errors.append)
    win.show()
    try:
        projects = [f for f in args.files if f.lower().endswith((".t2v", ".json"))]
        media = [f for f in args.files if not f.lower().endswith((".t2v", ".json"))]
        if projects:
            win.open_project(projects[0])
        elif media:
            win.open_media(media[0])
            if len(media) > 1:
                win.import_paths(media[1:])
        else:
            win.open_media(str(core.demo_clip()))
    except T2VError as e:
        if args.screenshot:
            errors.append(str(e))
        win.statusBar().showMessage(str(e), 15000)
    if args.screenshot:
        return _screenshot(app, win, args.screenshot, errors)
    QTimer.singleShot(0, win.offer_recovery)
    sweep_stale_temps(win.settings)
    return int(app.exec())


def _screenshot(app, win, out: str, errors: list) -> int:
    """``--screenshot``: wait until the window is drawn, save it as a PNG, close; T2VError (one
    line) when a file did not open or nothing was drawn in time."""
    from ..errors import T2VError
    from .screenshots import save_window_png, wait_until_drawn

    try:
        if errors:
            raise T2VError(errors[0])
        wait_until_drawn(app, win)
        if errors:
            raise T2VError(errors[0])
        path = save_window_png(win, out)
    finally:
        win.undo_stack.setClean()
        win.close()
        app.processEvents()
    print(f"screenshot written to {path} ({win.width()}x{win.height()})")
    return 0


def start_folders(settings) -> list:
    """Folders worth a look for temp files of killed runs at start: autosaves, the last folder
    used, the folders of recent projects (fsutil adds the folders recent exports wrote into)."""
    from ..paths import autosave_dir

    folders = [autosave_dir()]
    last = settings.value("last_dir", "") or ""
    recent = settings.value("recent", []) or []
    if isinstance(recent, str):
        recent = [recent]
    folders += [Path(p) for p in [last] if p] + [Path(p).parent for p in recent if p]
    return folders


def sweep_stale_temps(settings):
    """Remove the hidden ``.part`` files that killed exports and saves left (their process is gone);
    in a thread, so a slow network folder never delays the window. Returns the thread."""
    import threading

    from ..fsutil import remove_stale_temps_everywhere

    try:
        folders = start_folders(settings)
    except Exception:  # noqa: BLE001 - odd settings values: the remembered folders still get swept
        folders = []
    t = threading.Thread(target=remove_stale_temps_everywhere, args=(folders,), name="stale-temps", daemon=True)
    t.start()
    return t


def _wait(app, cond: Callable[[], bool], timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def self_test(out_dir: Optional[str] = None) -> int:
    """Exercise the real GUI path offscreen; print a summary; 0 on success."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(out_dir or tempfile.mkdtemp(prefix="t2v-selftest-"))
    os.environ["T2V_AUTOSAVE_DIR"] = str(tmp / "autosave")  # never touch the user's autosave
    os.environ.setdefault("T2V_AI_CONFIRM", "0")  # unattended: no AI preview dialog
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from . import core
    from .main_window import MainWindow
    from .theme import apply_theme

    t0 = time.monotonic()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)
    lines: list[str] = []

    def fail(msg: str) -> int:
        print("self-test FAILED: " + msg, file=sys.stderr)
        for ln in lines:
            print("  " + ln, file=sys.stderr)
        return 1

    win = MainWindow(settings=QSettings(str(tmp / "settings.ini"), QSettings.IniFormat))
    win.show()
    lines.append(f"window open in {time.monotonic() - t0:.2f} s (Qt platform: {app.platformName()})")
    demo = core.demo_clip()
    win.open_media(str(demo))
    if not _wait(app, lambda: win.preview.frame is not None, 20):
        return fail("the preview showed no frame of the demo clip: " + win.preview.view.message)
    before = win.preview.frame.astype(float).mean(axis=(0, 1))
    plan = win.apply_command("make it warmer")
    clip = win.project.all_clips()[0]
    if plan is None or not clip.ops:
        return fail("'make it warmer' was not applied: " + win.command_bar.plan_label.text())
    lines.append(f"applied 'make it warmer' -> {[o.op for o in clip.ops]}")
    if not _wait(app, lambda: win.preview.frame is not None and win.preview.shown_index == 0
                 and abs(win.preview.frame.astype(float).mean(axis=(0, 1)) - before).sum() > 1, 20):
        return fail("the preview did not change after the command")
    after = win.preview.frame.astype(float).mean(axis=(0, 1))
    lines.append(f"preview R-B {before[0] - before[2]:.1f} -> {after[0] - after[2]:.1f}")
    short = core.snapshot(win.project)
    for c in short.all_clips():
        c.out_point = c.in_point + 1.0
    from .export_dialog import ExportDialog

    dlg = ExportDialog(lambda: short, win.jobs, win, str(tmp / "self-test.mp4"))
    dlg.set_preset("h264")
    dlg.show()
    job = dlg.start()
    if job is None:
        return fail("the export did not start: " + dlg.status.text())
    if not _wait(app, lambda: job.state in ("done", "failed", "cancelled"), 120):
        job.cancel()
        return fail("the export did not finish in 120 s")
    if job.state != "done":
        return fail(f"export {job.state}: {job.error}")
    from ..media.frames import FrameSource
    from ..media.info import probe

    info = probe(job.result.path)
    if not info.has_video or abs(info.duration - 1.0) > 0.15:
        return fail(f"exported file is wrong: video={info.has_video} duration={info.duration:.2f}s")
    src = FrameSource(str(job.result.path))
    try:
        f = src.frame(0).astype(float).mean(axis=(0, 1))
    finally:
        src.close()
    if not (f[0] - f[2]) > (before[0] - before[2]):
        return fail("the exported frame is not warmer than the source")
    lines.append(f"exported {job.result.path.name}: {info.width}x{info.height}, {info.duration:.2f} s, "
                 f"audio={'yes' if info.has_audio else 'no'}")
    win.undo_stack.setClean()
    win.close()
    app.processEvents()
    print(f"self-test OK in {time.monotonic() - t0:.1f} s")
    for ln in lines:
        print("  " + ln)
    if out_dir is None:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
