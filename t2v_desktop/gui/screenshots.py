"""Regenerate docs/screenshots/*.png: ``xvfb-run -s "-screen 0 1600x1000x24" python -m t2v_desktop.gui.screenshots``.

Drives the real window through the main states (demo clip, a typed command with its plan, the
completions while typing, a typo corrected in the plan, the edit stack with parameters and a range after a speed change, the
analysis overlay on bright footage, an export in progress) and saves QWidget.grab() images.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

#: Seconds ``t2v-desktop --screenshot`` waits for the first frame and the timeline's thumbnails.
SCREENSHOT_TIMEOUT = 30.0


def thumbs_settled(cache) -> bool:
    """True when every thumbnail and waveform the views asked ``cache`` for has arrived (a paint
    asks for what it lacks, so check again after the next paint)."""
    return cache.settled()


def window_drawn(win) -> tuple:
    """(done, why not): the preview shows a frame (or says why it cannot) and the timeline's
    thumbnails are in. Grabs the window once, which paints every view (and so asks for thumbnails)."""
    view = win.preview.view
    if view.message and view.message_is_error:
        from ..errors import T2VError

        raise T2VError(f"The preview could not show the first frame: {view.message}")
    if win.project.all_clips() and (win.preview.frame is None or view.image is None):
        return False, "the preview's first frame"
    win.grab()
    if not thumbs_settled(win.thumbs):
        return False, "the timeline's thumbnails"
    return True, ""


def wait_until_drawn(app, win, timeout: float = SCREENSHOT_TIMEOUT) -> None:
    """Spin the event loop until ``window_drawn`` holds twice in a row (the second paint asked for
    nothing new); a clear one-line T2VError after ``timeout`` seconds."""
    from ..errors import T2VError

    end = time.monotonic() + timeout
    ok_in_row, why = 0, "the window"
    while time.monotonic() < end:
        app.processEvents()
        done, why = window_drawn(win)
        ok_in_row = ok_in_row + 1 if done else 0
        if ok_in_row >= 2:
            return
        time.sleep(0.05)
    raise T2VError(f"Timed out after {timeout:g} s waiting for {why} to be drawn; no screenshot was written. "
                   "Check that the media opens in the editor.")


def save_window_png(win, out) -> Path:
    """Save ``win.grab()`` as a PNG at ``out``, atomically (a temp file, then a rename)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    from ..errors import T2VError
    from ..fsutil import atomic_write_bytes

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.WriteOnly)
    if not win.grab().save(buf, "PNG"):
        raise T2VError("Could not encode the window as PNG; no screenshot was written.")
    buf.close()
    out = Path(out)
    atomic_write_bytes(out, bytes(data))
    return out


def write_tone_wav(path, seconds: float = 10.0, rate: int = 48000) -> Path:
    """A soft two-note stereo chord (A3 + E4, gentle fade in/out) as 16-bit WAV: the music bed of
    the demo project (no music file ships with the repo)."""
    import wave

    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    x = 0.18 * np.sin(2 * np.pi * 220.0 * t) + 0.12 * np.sin(2 * np.pi * 329.63 * t)
    env = np.minimum(1.0, np.minimum(t / 0.5, (seconds - t) / 0.5))
    pcm = (np.clip(x * env, -1, 1) * 32767).astype("<i2")
    path = Path(path)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(pcm[:, None], 2, axis=1).tobytes())
    return path


def three_track_project(folder, base: str, pip: str, seconds: float = 8.0):
    """The docs' demo edit: ``base`` on the main track, ``pip`` as a picture-in-picture on track 2
    (bottom right, a third of the width), a title on track 3, a music bed on an audio track and a
    subtitle track (burned in) with three cues, plus two markers. Returns the Project (unsaved)."""
    from ..project.model import Clip, Cue, Gap, Marker, Project, SubtitleTrack, Track
    from ..project.sources import TitleSource, TitleStyle
    from ..project.transform import Transform

    folder = Path(folder)
    music = write_tone_wav(folder / "music.wav", seconds + 2)
    pip_clip = Clip(source=str(pip), out_point=min(3.5, seconds - 1.0), name="pip",
                    transform=Transform(x=0.96, y=0.92, anchor_x=1.0, anchor_y=1.0, scale=0.32))
    title = Clip(source=TitleSource("Summer Ride", TitleStyle(size=72.0, outline=3.0, y=0.22)),
                 out_point=3.0, name="title")
    subs = SubtitleTrack([Cue(0.3, 2.6, "We left at dawn."), Cue(3.0, 5.4, "The streets were still empty."),
                          Cue(5.8, 7.8, "Then the city woke up.")], name="English", language="en", burn_in=True)
    return Project(tracks=[
        Track("video", [Clip(source=str(base), out_point=seconds, name="base")], name=""),
        Track("video", [Gap(1.0), pip_clip], name="Overlays"),
        Track("video", [title], name="Titles"),
        Track("audio", [Clip(source=str(music), out_point=seconds, name="music", volume=0.5)], name="Music"),
    ], subtitle_tracks=[subs], markers=[Marker(3.0, "City"), Marker(5.8, "Wake up")])


def main(out: str = "docs/screenshots") -> int:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="t2v-shots-"))
    os.environ["T2V_AUTOSAVE_DIR"] = str(tmp / "autosave")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from . import core
    from .main_window import MainWindow
    from .theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)

    def spin(cond=lambda: False, t=1.0):
        end = time.monotonic() + t
        while time.monotonic() < end and not cond():
            app.processEvents()
            time.sleep(0.01)

    win = MainWindow(settings=QSettings(str(tmp / "s.ini"), QSettings.IniFormat))
    win.ask_save = lambda: "discard"
    win.resize(1440, 900)
    win.show()
    win.open_media(str(core.demo_clip()))
    win.preview.seek(2.0)
    spin(lambda: win.preview.shown_index == 60, 10)
    spin(t=1.5)
    win.grab().save(str(out_dir / "main-window.png"))

    from PySide6.QtTest import QTest

    win.activateWindow()
    spin(lambda: app.activeWindow() is win, 3)
    win.focus_command_bar()
    QTest.keyClicks(win.command_bar.input, "warm")
    spin(t=0.6)
    win.grab().save(str(out_dir / "command-typing.png"))

    win.command_bar.input.setText("stabilize, then make it warmer")
    win.command_bar.hide_suggestions()
    win.command_bar.preview_parse()
    spin(t=0.5)
    win.grab().save(str(out_dir / "command-plan.png"))

    win.command_bar.input.setText("make it brigther and add more contrsat")  # two typos, shown corrected
    win.command_bar.preview_parse()
    spin(t=0.5)
    win.grab().save(str(out_dir / "command-typo.png"))

    win.apply_command("make it warmer")
    win.apply_command("black and white from 0:01 to 0:03")
    win.apply_command("speed up 1.5x")  # the black-and-white range moves to 0:00.67-0:02 with it
    win.timeline.select(win.project.all_clips()[0].id)
    win.preview.seek(2.0)
    spin(t=2.0)
    win.edit_stack.list.setCurrentRow(0)
    spin(t=0.5)
    win.grab().save(str(out_dir / "edit-stack.png"))

    win.apply_command("stabilize")  # the analysis runs as a job; the preview says so on its frame
    spin(lambda: win.preview.view.message != "", 5)
    spin(t=0.4)
    win.grab().save(str(out_dir / "analysing.png"))
    spin(lambda: not win._preparing, 120)
    win.undo_stack.undo()
    spin(t=0.5)

    dlg = win.show_export()
    dlg.path.setText(str(tmp / "export.mp4"))
    job = dlg.start()
    spin(lambda: dlg.progress.value() > 400 or job.state in ("done", "failed", "cancelled"), 60)
    spin(t=0.3)
    dlg.grab().save(str(out_dir / "export-dialog.png"))
    win.grab().save(str(out_dir / "export-running.png"))
    spin(lambda: job.state not in ("queued", "running"), 120)
    win.undo_stack.setClean()
    win.close()
    print(f"screenshots written to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
