"""Regenerate docs/screenshots/*.png: ``scripts/screenshots.sh`` (xvfb-run, xcb, 1440x900).

Drives the real window at 1440x900 through its main states on one demo edit (three video tracks:
two shots with a dissolve, a picture-in-picture, a title; music; burned-in subtitles; markers):
the window, the picture-in-picture selected with its handles, the Transitions palette with a
dissolve dragged over a cut, completions while typing, a typed command with its plan, a typo
corrected in the plan, the edit stack with parameters and a range after a speed change, the
analysis overlay, an export in progress; each saved from QWidget.grab(). Also the helpers of
``t2v-desktop --screenshot`` (wait until the first frame and the thumbnails are drawn).
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
    cache = win.thumbs
    if not thumbs_settled(cache):
        win.grab()  # paints, and so asks for what is missing
        return False, "the timeline's thumbnails"
    asked = cache.asked
    win.timeline.invalidate()  # drawn afresh with every arrival (a late "updated" may still be queued)
    win.grab()
    if cache.asked != asked or not thumbs_settled(cache):  # this paint still lacked one
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


def three_track_project(folder, base: str, pip: str):
    """The docs' demo edit, 7.5 s: ``base`` on the main track as two shots joined by a 1 s dissolve
    (the second warmed, so its thumbnails show the edit), ``pip`` as a picture-in-picture on
    "Overlays" (bottom right, a third of the width), a title on "Titles", a music bed on an audio
    track, a burned-in English subtitle track with three cues, and two markers. Unsaved."""
    from ..project.model import AppliedOp, Clip, Cue, Gap, Marker, Project, SubtitleTrack, Track, Transition
    from ..project.sources import TitleSource, TitleStyle
    from ..project.transform import Transform

    length = 7.5
    music = write_tone_wav(Path(folder) / "music.wav", length)
    shot_a = Clip(source=str(base), in_point=0.0, out_point=4.5, name="ride")
    shot_b = Clip(source=str(base), in_point=5.0, out_point=9.0, name="city",
                  ops=[AppliedOp("temperature", {"amount": 0.6})])
    pip_clip = Clip(source=str(pip), out_point=3.5, name="pip",
                    transform=Transform(x=0.96, y=0.92, anchor_x=1.0, anchor_y=1.0, scale=0.32))
    title = Clip(source=TitleSource("Summer Ride", TitleStyle(size=72.0, outline=3.0, y=0.22)),
                 out_point=3.0, name="title")
    subs = SubtitleTrack([Cue(0.3, 2.6, "We left at dawn."), Cue(3.0, 5.4, "The streets were still empty."),
                          Cue(5.8, 7.4, "Then the city woke up.")], name="English", language="en", burn_in=True)
    return Project(tracks=[
        Track("video", [shot_a, Transition("dissolve", 1.0), shot_b], name=""),
        Track("video", [Gap(1.0), pip_clip], name="Overlays"),
        Track("video", [title], name="Titles"),
        Track("audio", [Clip(source=str(music), out_point=length, name="music", volume=0.5)], name="Music"),
    ], subtitle_tracks=[subs], markers=[Marker(3.0, "City"), Marker(5.8, "Wake up")])


def sample_media(folder) -> tuple:
    """(base, pip) for the demo edit: $T2V_SAMPLES/{bikes,carphone_pristine}.mp4 when there (the
    docs' footage), else two generated clips (a moving gradient, 10 s and 4 s)."""
    samples = Path(os.environ.get("T2V_SAMPLES", "/work/samples"))
    base, pip = samples / "bikes.mp4", samples / "carphone_pristine.mp4"
    if base.exists() and pip.exists():
        return str(base), str(pip)
    from ..media.synth import make_test_clip

    base = make_test_clip(Path(folder) / "base.mp4", width=640, height=360, duration=10.0, audio=False,
                          number_frames=False)
    pip = make_test_clip(Path(folder) / "pip.mp4", width=320, height=240, duration=4.0, audio=False,
                         number_frames=False, pattern="solid", color=(60, 120, 200))
    return str(base), str(pip)


#: PNGs above this are re-encoded with a 256-colour palette (docs/screenshots stay small in git).
MAX_PNG_BYTES = 400_000


def ui_palette(img, footage=None, exact: int = 96):
    """``img`` (RGB) with 256 colours: the ``exact`` most frequent colours outside ``footage`` (a
    (x, y, w, h) box: the preview's picture) kept exactly (the flat colours of the widgets, so a
    small lit button keeps its colour) and the rest median-cut (the footage). Plain median cut
    turned the subtitle header's green B tan."""
    import numpy as np
    from PIL import Image

    a = np.asarray(img)
    if footage is not None:
        x, y, w, h = footage
        keep = np.ones(a.shape[:2], bool)
        keep[max(0, y):y + h, max(0, x):x + w] = False
        flat = a[keep].astype(np.int32)
    else:
        flat = a.reshape(-1, 3).astype(np.int32)
    vals, counts = np.unique((flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2], return_counts=True)
    top = vals[np.argsort(-counts)[:exact]]
    pal = [int(v) for c in top for v in ((c >> 16) & 255, (c >> 8) & 255, c & 255)]
    rest = 256 - len(pal) // 3
    pal += img.quantize(colors=rest, method=Image.Quantize.MEDIANCUT).getpalette()[:rest * 3]
    pal += [0] * (768 - len(pal))
    holder = Image.new("P", (1, 1))
    holder.putpalette(pal)
    return img.quantize(palette=holder, dither=Image.Dither.NONE)


def save_png(widget, path: Path, footage=None) -> int:
    """``widget.grab()`` as a PNG at ``path`` (palette-reduced when over MAX_PNG_BYTES, ``footage``:
    see ui_palette); its size."""
    import io

    from PIL import Image
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.WriteOnly)
    widget.grab().save(buf, "PNG")
    buf.close()
    raw = bytes(data)
    if len(raw) > MAX_PNG_BYTES:
        out = io.BytesIO()
        ui_palette(Image.open(io.BytesIO(raw)).convert("RGB"), footage).save(out, "PNG", optimize=True)
        raw = out.getvalue()
    from ..fsutil import atomic_write_bytes

    atomic_write_bytes(path, raw)
    return len(raw)


def main(out: str = "docs/screenshots") -> int:
    """Every docs screenshot, 1440x900, of the three-track demo edit (see the module docstring)."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="t2v-shots-"))
    os.environ["T2V_AUTOSAVE_DIR"] = str(tmp / "autosave")
    os.environ["T2V_CACHE_DIR"] = str(tmp / "cache")  # the stabilize analysis runs (and shows) every time
    from PySide6.QtCore import QPointF, QSettings, Qt
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow
    from .theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)

    def spin(cond=lambda: False, t=1.0):
        end = time.monotonic() + t
        while time.monotonic() < end and not cond():
            app.processEvents()
            time.sleep(0.01)

    def shot(name: str, widget=None) -> None:
        view = win.preview.view
        top_left = view.mapTo(win, view.rect().topLeft())
        footage = (top_left.x(), top_left.y(), view.width(), view.height()) if widget is None else None
        n = save_png(widget or win, out_dir / name, footage)
        print(f"{name}: {n // 1024} KB")

    def at(t: float) -> None:
        """Playhead to ``t`` s, its frame shown and the thumbnails in."""
        win.preview.seek(t)
        idx = int(t * float(win.preview.fps) + 1e-6)
        spin(lambda: win.preview.shown_index == idx, 10)
        wait_until_drawn(app, win)
        spin(t=0.3)

    base, pip = sample_media(tmp)
    project_path = tmp / "three-tracks.t2v"
    three_track_project(tmp, base, pip).save(project_path)
    win = MainWindow(settings=QSettings(str(tmp / "s.ini"), QSettings.IniFormat))
    win.ask_save = lambda: "discard"
    win.resize(1440, 900)
    win.show()
    spin(t=0.5)
    assert win.open_project(str(project_path))
    at(1.5)  # the title, the picture-in-picture and the first cue on screen
    shot("main-window.png")

    # the picture-in-picture selected: its handles in the preview, its stack on the right
    pip_id = next(c.id for c in win.project.all_clips() if c.name == "pip")
    win.timeline.select(pip_id)
    win._selection_changed(pip_id)
    at(2.0)
    shot("multitrack.png")

    # the Transitions palette, a dissolve dragged over the cut it would join (the highlight)
    win.timeline.select(None)
    win._selection_changed(None)
    win.transitions_dock.raise_()
    pal = win.transitions_palette
    pal.setCurrentRow(1)
    at(6.5)
    main = next(r for r in win.timeline.rows if r.main)
    cut = next(((a + b) / 2 for it, a, b in main.items if type(it).__name__ == "Transition"), None)
    mime = pal.mimeData([pal.item(1)])
    if cut is not None:
        pos = QPointF(win.timeline.x_of(cut), main.y + main.h / 2)
        for cls in (QDragEnterEvent, QDragMoveEvent):
            QApplication.sendEvent(win.timeline, cls(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    spin(t=0.3)
    shot("transitions.png")
    win.timeline._drop_cut = None
    win.bin_dock.raise_()

    win.activateWindow()
    spin(lambda: app.activeWindow() is win, 3)
    base_id = next(c.id for c in win.project.all_clips() if c.name == "ride")
    win.timeline.select(base_id)
    win._selection_changed(base_id)
    at(1.5)
    win.focus_command_bar()
    QTest.keyClicks(win.command_bar.input, "warm")
    spin(t=0.8)
    shot("command-typing.png")

    win.command_bar.input.setText("stabilize, then make it warmer")
    win.command_bar.hide_suggestions()
    win.command_bar.preview_parse()
    spin(t=0.5)
    shot("command-plan.png")

    win.command_bar.input.setText("make it brigther and add more contrsat")  # two typos, shown corrected
    win.command_bar.preview_parse()
    spin(t=0.5)
    shot("command-typo.png")

    win.command_bar.input.setText("")
    win.apply_command("make it warmer")
    win.apply_command("black and white from 0:01 to 0:03")
    win.apply_command("speed up 1.5x")  # the black-and-white range moves to 0:00.67-0:02 with it
    win.timeline.select(base_id)
    win._selection_changed(base_id)
    at(1.2)
    win.edit_stack.list.setCurrentRow(0)
    spin(t=0.5)
    shot("edit-stack.png")

    win.apply_command("stabilize")  # the analysis runs as a job; the preview says so on its frame
    spin(lambda: win.preview.view.message != "", 5)
    spin(t=0.1)
    shot("analysing.png")
    spin(lambda: not win._preparing, 180)
    for _ in range(4):  # back to the demo edit as it was
        win.undo_stack.undo()
    win.timeline.select(None)
    win._selection_changed(None)
    at(2.0)

    dlg = win.show_export()
    dlg.path.setText(str(tmp / "summer-ride.mp4"))
    job = dlg.start()
    spin(lambda: dlg.progress.value() > 400 or job.state in ("done", "failed", "cancelled"), 120)
    spin(t=0.3)
    shot("export-dialog.png", dlg)
    shot("export-running.png")
    spin(lambda: job.state not in ("queued", "running"), 180)
    win.undo_stack.setClean()
    win.close()
    print(f"screenshots written to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
