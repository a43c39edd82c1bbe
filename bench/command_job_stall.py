"""Does a typed voice-over stall the editor? "read script.txt as a voice-over" (real espeak-ng, a
script of N sentences, a fresh cache each run) typed in the editor while a 5 ms GUI timer measures
the longest gap of the event loop.

Reference: the same command applied on the GUI thread (gui/command_jobs.py's job switched off: what
the editor did before), timed the same way, so the ratio shows what the background job buys. Run:
  QT_QPA_PLATFORM=offscreen .venv/bin/python bench/command_job_stall.py [--sentences 40]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("T2V_PREVIEW_AUDIO", "0")
SENTENCE = "Stay indoors during the storm and close every window of the house number {}."


def measure(app, win, script: Path, in_job: bool) -> tuple:
    """(longest event-loop gap in ms, seconds from the command to the voice clip on the timeline)."""
    from PySide6.QtCore import QTimer

    from t2v_desktop.gui import command_jobs

    real = command_jobs.run_as_job
    if not in_job:
        command_jobs.run_as_job = lambda w, t, playhead=None: False
    gaps, last, t0 = [], [time.perf_counter()], []

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
        if t0 and any(t.role == "voice" for t in win.project.tracks):
            t0.append(time.perf_counter())
            app.quit()

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    QTimer.singleShot(100, lambda: (t0.append(time.perf_counter()),
                                    win.apply_command(f"read {script} as a voice-over")))
    app.exec()
    timer.stop()
    command_jobs.run_as_job = real
    win.undo_stack.undo()
    return max(gaps) * 1000, t0[-1] - t0[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=40)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="t2v-cmdjob-"))
    os.environ["T2V_AUTOSAVE_DIR"] = str(tmp / "autosave")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from t2v_desktop.gui.main_window import MainWindow
    from t2v_desktop.media.synth import make_test_clip
    from t2v_desktop.speech import tts

    app = QApplication.instance() or QApplication([])
    clip = make_test_clip(tmp / "clip.mp4", duration=600.0, fps=5, width=64, height=48)
    win = MainWindow(settings=QSettings(str(tmp / "s.ini"), QSettings.IniFormat))
    win.ask_save = lambda: "discard"
    win.show()
    win.open_media(str(clip))
    deadline = time.time() + 30
    while not win.project.main_track.clips and time.time() < deadline:
        app.processEvents()
    rows = []
    for in_job in (False, True):
        os.environ["T2V_CACHE_DIR"] = str(tmp / f"cache-{in_job}")  # nothing spoken before
        tts.clear_memory_cache()
        script = tmp / f"script-{in_job}.txt"
        script.write_text("\n".join(SENTENCE.format(i + 1000 * in_job) for i in range(args.sentences)),
                          encoding="utf-8")
        rows.append((in_job, *measure(app, win, script, in_job)))
    for in_job, gap, secs in rows:
        print(f"{'background job' if in_job else 'GUI thread (reference)':24s} longest gap {gap:7.0f} ms, "
              f"command to clip {secs:5.2f} s")
    print(f"gap ratio (reference / job): {rows[0][1] / max(rows[1][1], 1e-3):.1f}x")
    win.close()


if __name__ == "__main__":
    main()
