"""Preview benchmark: playback fps at 1080p with one colour op, and event-loop stalls during export.

    python bench/preview.py [--seconds 5] [--duration 6]

1. Generates a 1080p clip, applies "temperature" and plays the real PreviewPanel offscreen for N
   seconds, counting frames displayed vs dropped (goal: >= 30 fps displayed; proxies via
   preview_scale as the GUI uses them).
2. Runs an export through the real export dialog/worker while a 10 ms QTimer measures its own
   lateness: the worst stall of the event loop (goal: < 100 ms).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0, help="playback time to measure")
    ap.add_argument("--duration", type=float, default=6.0, help="length of the generated 1080p clip")
    ap.add_argument("--full", action="store_true", help="preview at full size (no proxy)")
    ap.add_argument("--switch-interval", type=float, default=None,
                    help="sys.setswitchinterval override in seconds (the app sets gui.app.SWITCH_INTERVAL)")
    args = ap.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    tmp = Path(tempfile.mkdtemp(prefix="t2v-bench-preview-"))
    os.environ["T2V_AUTOSAVE_DIR"] = str(tmp / "autosave")

    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from t2v_desktop.edit.model import AppliedOp
    from t2v_desktop.gui import core
    from t2v_desktop.gui.export_dialog import ExportDialog
    from t2v_desktop.gui.main_window import MainWindow
    from t2v_desktop.media.synth import make_test_clip

    clip = tmp / "bench-1080p.mp4"
    t0 = time.monotonic()
    make_test_clip(clip, width=1920, height=1080, fps=30, duration=args.duration, crf=23)
    print(f"generated {clip.name} (1920x1080, 30 fps, {args.duration:g} s) in {time.monotonic() - t0:.1f} s")

    app = QApplication.instance() or QApplication(sys.argv[:1])
    win = MainWindow(settings=QSettings(str(tmp / "s.ini"), QSettings.IniFormat))
    win.resize(1440, 900)
    win.show()
    win.open_media(str(clip))
    c = win.project.all_clips()[0]
    c.ops.append(AppliedOp("temperature", {"amount": 0.3}))
    if args.full:
        core.preview_scale_for = lambda w, h, max_pixels=0: 1.0
    win.refresh()
    p = win.preview

    def spin(cond, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end and not cond():
            app.processEvents()
            time.sleep(0.002)

    spin(lambda: p.frame is not None, 30)
    print(f"preview {p.frame.shape[1]}x{p.frame.shape[0]} (preview_scale {p.scale:g}), "
          f"op: temperature")
    p.seek(0)
    p.play()
    start = time.monotonic()
    secs = min(args.seconds, args.duration - 0.2)
    spin(lambda: time.monotonic() - start >= secs or not p.rate, secs + 5)
    elapsed = time.monotonic() - start
    shown, dropped = p.displayed, p.dropped
    p.pause()
    print(f"playback: {elapsed:.2f} s, displayed {shown} frames ({shown / elapsed:.1f} fps), "
          f"dropped {dropped} (goal >= 30 fps displayed)")

    # -- event-loop stall during an export ------------------------------------------------------
    lateness = []
    last = [time.monotonic()]

    def tick():
        now = time.monotonic()
        lateness.append(now - last[0] - 0.010)
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.setInterval(10)
    timer.timeout.connect(tick)
    dlg = ExportDialog(lambda: win.project, win.jobs, win, str(tmp / "bench-export.mp4"))
    dlg.set_preset("h264")
    dlg.show()
    spin(lambda: False, 0.2)
    last[0] = time.monotonic()
    timer.start()
    t0 = time.monotonic()
    job = dlg.start()
    spin(lambda: job.state in ("done", "failed", "cancelled"), 600)
    timer.stop()
    took = time.monotonic() - t0
    if job.state != "done":
        print(f"export {job.state}: {job.error}")
        return 1
    lat = sorted(lateness)
    worst = lat[-1] * 1000 if lat else 0.0
    p99 = lat[int(0.99 * (len(lat) - 1))] * 1000 if lat else 0.0
    print(f"export: {job.result.frames} frames 1080p h264 in {took:.1f} s; event loop ticks {len(lat)}, "
          f"worst lateness {worst:.0f} ms, p99 {p99:.0f} ms (goal worst < 100 ms)")
    win.undo_stack.setClean()
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
