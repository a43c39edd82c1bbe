"""Preview: plays the *edited* result (the same Renderer as export) without falling behind.

A render thread keeps a small buffer of frames ahead of the playhead (sequential
``Renderer.iter_frames``, at a proxy ``preview_scale`` for big sources). A precise QTimer reads a
monotonic clock and shows the newest buffered frame not past the clock, so when rendering is
too slow frames are dropped and sync is kept. Paused, a seek asks for exactly one frame. While
the slider or the timeline's playhead is dragged, frames come from each long-GOP file's all-intra
scrubbing proxy (media/proxy.py, built in the background when the file is first previewed) through
a second, scrubbing Renderer: one small decode a frame instead of half a GOP of 1080p. When the
drag ends the exact frame replaces it.
At 1x forward the edited sound plays (gui/audio_out.py) and its device clock is the master: the
video holds its first frame until the sound has started, then follows it. Without sound (no
device, muted, shuttle speeds, reverse) the monotonic clock runs the show.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from fractions import Fraction
from typing import Optional

import numpy as np
from PySide6.QtCore import QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..errors import T2VError
from . import core
from .audio_out import AudioOut
from .messages import two_sentences
from .theme import icon

log = logging.getLogger(__name__)

#: Frames kept in the preview buffer at most (at 960x540 about 1.5 MB each).
MAX_BUFFERED = 32


def scrub_proxies_enabled() -> bool:
    """Scrubbing proxies are built and used unless T2V_SCRUB_PROXY is 0/off (tests, tiny disks)."""
    return os.environ.get("T2V_SCRUB_PROXY", "").strip().lower() not in ("0", "off", "no", "false")


#: (cache folder, source path, size, mtime) already looked at for a proxy in this session: the
#: preview gets a new project on every edit, and looking opens the file and reads its index.
_PROXY_CHECKED: set = set()
_PROXY_LOCK = threading.Lock()


def start_scrub_proxies(project) -> None:
    """Build, in the background, the scrubbing proxy of every long-GOP file in ``project``; each
    file is looked at once per session (a changed file again). Runs on its own thread: looking at
    a file's keyframes opens it, which must not delay the first frame."""
    from ..engine.cache import source_identity
    from ..paths import cache_dir

    paths, where = [], str(cache_dir())
    with _PROXY_LOCK:
        for p in sorted({c.path for c in project.all_clips() if c.path and not c.source.still}):
            try:
                ident = (where, *source_identity(p))
            except OSError:
                continue  # a missing file: the renderer says so
            if ident not in _PROXY_CHECKED:
                _PROXY_CHECKED.add(ident)
                paths.append(p)

    def run() -> None:
        from ..media.proxy import needs_proxy, start_proxy

        for p in paths:
            try:
                if needs_proxy(p):
                    start_proxy(p)
            except Exception as e:  # a proxy is an optimisation: never an error for the user
                log.info("no scrubbing proxy for %s: %s", p, e)

    if paths:
        threading.Thread(target=run, name="scrub-proxies", daemon=True).start()
#: Seconds the video waits for the sound to start (Bluetooth outputs can take a second or two),
#: and for a stalled sound to move again, before it plays on silently.
AUDIO_START_WAIT = 2.5
AUDIO_STALL_WAIT = 0.5
#: Without sound, playback pre-rolls: the first frame stays until this many frames after it are
#: rendered (or PREROLL_MAX_S has passed), so the render thread's start (files read on from where
#: the paused frame left them, the sound's mixer starting beside it) drops no frames.
PREROLL_FRAMES = 3
PREROLL_MAX_S = 0.25

_SPEAKER = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="24" height="24" fill="none" '
            'stroke="#d8dde6" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
            '<path d="M4 9h4l5-4v14l-5-4H4z" fill="#d8dde6"/>{}</svg>')
_WAVES = '<path d="M16 9a4 4 0 0 1 0 6"/><path d="M18.5 6.5a8 8 0 0 1 0 11"/>'
_CROSS = '<path d="M16 9l5 6M21 9l-5 6" stroke="#ff8a80"/>'


def _svg_icon(svg: str) -> QIcon:
    pm = QPixmap()
    pm.loadFromData(svg.encode(), "SVG")
    return QIcon(pm)


def to_qimage(frame: np.ndarray, copy: bool = True) -> QImage:
    """An RGB888 QImage of ``frame``; ``copy=False`` shares its memory (the caller keeps the array
    alive and unchanged as long as the image is used: a 960x540 copy per frame is saved)."""
    frame = np.ascontiguousarray(frame, dtype=np.uint8)
    h, w = frame.shape[:2]
    img = QImage(frame.data, w, h, 3 * w, QImage.Format_RGB888)
    return img.copy() if copy else img


def split_compare(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Left half before, right half after, with a thin white divider."""
    if before.shape != after.shape:
        import cv2

        before = cv2.resize(before, (after.shape[1], after.shape[0]), interpolation=cv2.INTER_AREA)
    out = after.copy()
    mid = out.shape[1] // 2
    out[:, :mid] = before[:, :mid]
    out[:, max(0, mid - 1):mid + 1] = 255
    return out


class FrameWorker(QObject):
    """Owns the preview Renderer(s) in a background thread (renderers are not thread-safe)."""

    frameReady = Signal(int, int)  # index, generation
    failed = Signal(str)

    def __init__(self, parent=None, ahead: int = 10):
        super().__init__(parent)
        self._cond = threading.Condition()
        self._gen = 0
        self._project = None
        self._scale = 1.0
        self._compare = False
        self._buffer: dict[int, np.ndarray] = {}  # exact frames only
        self._want: Optional[int] = None
        self._want_scrub = False
        self._scrubbed: Optional[tuple] = None  # (index, frame) last rendered from a scrubbing proxy
        self._playing = False
        self._play_idx = 0
        self._direction = 1
        self._frame_count = 0
        self._ahead = ahead
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="preview-render", daemon=True)
        self._thread.start()

    # -- GUI side -----------------------------------------------------------------------------
    def set_project(self, project, scale: float, frame_count: int) -> int:
        with self._cond:
            self._gen += 1
            self._project, self._scale, self._frame_count = project, scale, frame_count
            self._buffer.clear()
            self._scrubbed = None
            self._cond.notify_all()
            gen = self._gen
        if project is not None and scrub_proxies_enabled():
            start_scrub_proxies(project)
        return gen

    def set_compare(self, on: bool) -> None:
        with self._cond:
            if on != self._compare:
                self._compare = on
                self._gen += 1
                self._buffer.clear()
                self._cond.notify_all()

    def request(self, index: int, scrub: bool = False) -> None:
        """Render frame ``index`` (then ``frameReady``); ``scrub``: a quick scrubbing-proxy frame
        is enough (while a drag goes on), when the file has one."""
        with self._cond:
            self._want, self._want_scrub = index, scrub
            self._cond.notify_all()

    def play(self, index: int, direction: int) -> None:
        with self._cond:
            self._playing, self._play_idx, self._direction = True, index, 1 if direction >= 0 else -1
            self._cond.notify_all()

    def set_playhead(self, index: int) -> None:
        with self._cond:
            self._play_idx = index
            lo, hi = (index, index + self._ahead) if self._direction > 0 else (index - self._ahead, index)
            for k in [k for k in self._buffer if k < lo - 1 or k > hi + 1]:
                del self._buffer[k]
            self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:
            self._playing = False

    def ready_ahead(self, index: int, n: int, direction: int) -> bool:
        """Whether the ``n`` frames after ``index`` (in ``direction``) are rendered."""
        d = 1 if direction >= 0 else -1
        with self._cond:
            return all(index + d * k in self._buffer or not 0 <= index + d * k < self._frame_count
                       for k in range(1, n + 1))

    def get(self, index: int, exact: bool = False) -> Optional[np.ndarray]:
        """The buffered frame ``index``; unless ``exact``, a scrubbing frame of it will do."""
        with self._cond:
            f = self._buffer.get(index)
            if f is None and not exact and self._scrubbed is not None and self._scrubbed[0] == index:
                f = self._scrubbed[1]
            return f

    def best(self, upto: int, after: Optional[int], direction: int) -> Optional[int]:
        """Newest buffered index that the clock has reached and is past the one on screen."""
        with self._cond:
            keys = self._buffer.keys()
            if direction >= 0:
                c = [k for k in keys if k <= upto and (after is None or k > after)]
                return max(c) if c else None
            c = [k for k in keys if k >= upto and (after is None or k < after)]
            return min(c) if c else None

    @property
    def generation(self) -> int:
        return self._gen

    def _emit(self, signal, *args) -> None:
        """Emit from the render thread unless shutting down; a frame finished after the panel was
        deleted has nobody to tell (emitting would print "Signal source has been deleted")."""
        if self._stop:
            return
        try:
            signal.emit(*args)
        except RuntimeError:
            self._stop = True

    def shutdown(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(2.0)

    # -- render thread ------------------------------------------------------------------------
    def _next_needed(self) -> Optional[int]:
        if not self._playing or self._project is None:
            return None
        d = self._direction
        for k in range(self._ahead):
            i = self._play_idx + d * k
            if i < 0 or i >= self._frame_count:
                return None
            if i not in self._buffer:
                return i
        return None

    def _run(self) -> None:
        from ..engine.pool import SourcePool

        gen_seen = -1
        renderer = before = scrubber = None
        #: one pool of decoders for every generation: an edit that changes a clip's transform or
        #: volume re-renders without reopening (and re-seeking) every file. The previous renderer
        #: is closed after the new one has made a frame, so the readers it shares stay open.
        pool = SourcePool()
        retired: list = []
        it = None
        it_next = -1
        failed_gen = -1
        while True:
            with self._cond:
                while not self._stop:
                    if self._project is not None and self._gen != failed_gen and (
                            self._want is not None or self._next_needed() is not None):
                        break
                    self._cond.wait(0.2)
                if self._stop:
                    break
                gen, project, scale, compare = self._gen, self._project, self._scale, self._compare
                want, self._want = self._want, None
                scrub = want is not None and self._want_scrub and not compare and scrub_proxies_enabled()
                target = want if want is not None else self._next_needed()
                sequential = want is None and self._direction > 0
            try:
                if gen != gen_seen:
                    for r in (before, scrubber):
                        core.close_renderer(r)
                    if renderer is not None:
                        retired.append(renderer)
                    renderer = None
                    renderer = core.make_renderer(project, scale, pool=pool)
                    before = core.make_renderer(core.before_project(project), scale) if compare else None
                    scrubber = None
                    gen_seen, it, it_next = gen, None, -1
                if target is None or target >= renderer.frame_count:
                    continue
                if scrub:
                    if scrubber is None:
                        from ..engine.stages import scrub_sources

                        scrubber = core.make_renderer(project, scale)
                        scrub_sources(scrubber)
                    frame = scrubber.frame(target)
                elif sequential:
                    if it is None or target < it_next or target > it_next + 6:
                        it, it_next = renderer.iter_frames(target), target
                    frame = None
                    while it_next <= target:
                        frame = next(it)
                        it_next += 1
                else:
                    frame = renderer.frame(target)
                if before is not None:
                    frame = split_compare(before.frame(min(target, before.frame_count - 1)), frame)
            except StopIteration:
                it = None
                continue
            except T2VError as e:
                failed_gen = gen
                self._emit(self.failed, str(e))
                continue
            except Exception as e:  # a bug in a renderer/op: show it, keep the app alive
                log.error("preview render failed:\n%s", traceback.format_exc())
                failed_gen = gen
                self._emit(self.failed, f"Preview failed: {e!r}")
                continue
            while retired:  # the new renderer holds its readers now
                core.close_renderer(retired.pop())
            with self._cond:
                if gen == self._gen and scrub:
                    self._scrubbed = (target, frame)  # shown now, never kept as an exact frame
                elif gen == self._gen:
                    self._buffer[target] = frame
                    if len(self._buffer) > MAX_BUFFERED:  # scrubbing: keep the frames nearest this one
                        far = sorted(self._buffer, key=lambda k: abs(k - target))[MAX_BUFFERED:]
                        for k in far:
                            del self._buffer[k]
            if want is not None:
                self._emit(self.frameReady, target, gen)
        for r in (renderer, before, scrubber, *retired):
            core.close_renderer(r)
        pool.close()


def overlay_text(p: QPainter, area: QRect, flags, text: str, colour: QColor) -> QRect:
    """Text on a dark translucent plate: readable on any footage (plain text over a bright frame,
    a snowy or sunny shot, was not). Returns the plate's rectangle."""
    fm = p.fontMetrics()
    bound = fm.boundingRect(area, int(flags), text)
    plate = bound.adjusted(-10, -6, 10, 6).intersected(area.adjusted(-12, -8, 12, 8))
    p.save()
    p.setRenderHint(QPainter.Antialiasing, True)
    p.setPen(Qt.NoPen)
    p.setBrush(QColor(12, 13, 15, 215))
    p.drawRoundedRect(plate, 6, 6)
    p.setPen(colour)
    p.drawText(area, int(flags), text)
    p.restore()
    return plate


class FrameView(QWidget):
    """Paints the current frame letterboxed on black, plus an optional message on a dark plate."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.image: Optional[QImage] = None
        self.pixels: Optional[np.ndarray] = None  # the array ``image`` shares its memory with
        #: smooth scaling costs several ms a frame in software: off while playing, on when paused
        self.smooth = True
        self.message = ""
        self.message_is_error = True
        self.compare_labels = False
        self.handles = None  # gui/canvas_handles.CanvasHandles: the selected overlay's box (set by the window)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.ClickFocus)  # a click on the picture takes the keyboard out of a text field
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def image_rect(self) -> Optional[QRect]:
        """Where the frame is drawn in the widget (letterboxed), or None with no frame."""
        if self.image is None or self.image.isNull():
            return None
        iw, ih = self.image.width(), self.image.height()
        s = min(self.width() / iw, self.height() / ih)
        w, h = int(iw * s), int(ih * s)
        return QRect((self.width() - w) // 2, (self.height() - h) // 2, w, h)

    # the on-canvas handles get the mouse first; a press they don't take still focuses the picture
    def mousePressEvent(self, ev) -> None:
        if self.handles is None or not self.handles.press(ev):
            super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev) -> None:
        if self.handles is not None and self.handles.move(ev):
            return
        shape = self.handles.cursor_for(ev.position()) if self.handles is not None else None
        if shape is None:
            self.unsetCursor()
        else:
            self.setCursor(shape)
        super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev) -> None:
        if self.handles is None or not self.handles.release(ev):
            super().mouseReleaseEvent(ev)

    def mouseDoubleClickEvent(self, ev) -> None:
        if self.handles is None or not self.handles.double_click(ev):  # a title: its editor
            super().mouseDoubleClickEvent(ev)

    def keyPressEvent(self, ev) -> None:
        if ev.key() == Qt.Key_Escape and self.handles is not None and self.handles.dragging:
            self.handles.cancel()  # Escape drops a drag of a handle: nothing changes
            return
        super().keyPressEvent(ev)

    def paintEvent(self, _ev) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#0b0c0e"))
        target = self.image_rect()
        if target is not None:
            p.setRenderHint(QPainter.SmoothPixmapTransform, self.smooth)
            p.drawImage(target, self.image)
            if self.handles is not None and not self.compare_labels:
                self.handles.paint(p)
            if self.compare_labels:
                f = QFont(self.font())
                f.setBold(True)
                p.setFont(f)
                inner = target.adjusted(8, 6, -8, -6)
                overlay_text(p, inner, Qt.AlignLeft | Qt.AlignTop, "Before", QColor("white"))
                overlay_text(p, inner, Qt.AlignRight | Qt.AlignTop, "After", QColor("white"))
        if self.message:
            p.setFont(self.font())
            colour = QColor("#ffb4ab") if self.message_is_error else QColor("#e8eaed")
            overlay_text(p, self.rect().adjusted(24, 24, -24, -24), Qt.AlignCenter | Qt.TextWordWrap,
                         self.message, colour)
        p.end()


class PreviewPanel(QWidget):
    """The viewer: frame view + transport; owns playback timing."""

    positionChanged = Signal(float)
    playingChanged = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.worker = FrameWorker(self)
        self.worker.frameReady.connect(self._on_frame_ready)
        self.worker.failed.connect(self._on_failed)
        self.view = FrameView(self)
        self.frame: Optional[np.ndarray] = None  # what is on screen (tests read its pixels)
        self.shown_index: Optional[int] = None
        self.fps = Fraction(25)
        self.frame_count = 0
        self.duration = 0.0
        self.position = 0.0
        self.rate = 0.0
        self.scale = 1.0
        self.compare = False
        self.displayed = 0
        self.dropped = 0
        self.updates = 0  # in-place updates (update_project) so far: tests count them
        self._t0 = 0.0
        self._pos0 = 0.0
        self._wanted: Optional[int] = None
        self.scrubbing = False  # a drag of the slider or the playhead is going on
        self.audio = AudioOut(self)
        self.audio.note.connect(self._on_audio_note)
        self.audio_sync = False  # the sound's clock drives playback right now
        self._audio_seen = (None, 0.0)  # last audio clock value and when it changed
        self._emitted: Optional[int] = None  # frame index last sent with positionChanged while playing
        self._preroll_until = 0.0  # monotonic time the pre-roll of a play() gives up waiting
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)

        self.play_btn = self._btn("play", "Play / pause (Space)", self.toggle_play)
        prev_btn = self._btn("prev", "Previous frame (Left)", lambda: self.step(-1))
        next_btn = self._btn("next", "Next frame (Right)", lambda: self.step(1))
        self.compare_btn = self._btn("compare", "Before/after split view (C)", self.set_compare)
        self.compare_btn.setCheckable(True)
        self.mute_btn = self._btn("", "Mute the preview's sound (M); exports keep it", self.set_muted)
        self.mute_btn.setCheckable(True)
        self.mute_btn.setIcon(_svg_icon(_SPEAKER.format(_WAVES)))
        self.mute_btn.setShortcut(QKeySequence("M"))
        self.slider = QSlider(Qt.Horizontal, self)
        self.slider.setRange(0, 0)
        self.slider.sliderMoved.connect(lambda v: self.seek_frame(v))
        self.slider.sliderPressed.connect(lambda: self.set_scrubbing(True))
        self.slider.sliderReleased.connect(lambda: self.set_scrubbing(False))
        self.slider.valueChanged.connect(self._slider_changed)
        self.time_label = QLabel("0:00.00 / 0:00.00", self)
        self.time_label.setMinimumWidth(150)
        self.time_label.setAlignment(Qt.AlignCenter)  # not glued to the slider's end
        self.info_label = QLabel("", self)
        self.info_label.setStyleSheet("color:#8b929c")
        self.info_label.setToolTip("Output size; 'proxy' when the preview renders smaller to keep up")
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        for w in (prev_btn, self.play_btn, next_btn):
            bar.addWidget(w)
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.time_label)
        bar.addWidget(self.info_label)
        bar.addSpacing(6)
        bar.addWidget(self.mute_btn)
        bar.addWidget(self.compare_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.view, 1)
        lay.addLayout(bar)

    def _btn(self, name: str, tip: str, slot) -> QToolButton:
        b = QToolButton(self)
        if name:
            b.setIcon(icon(name))
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.clicked.connect(slot)
        return b

    # -- project ------------------------------------------------------------------------------
    def set_project(self, project, *, fps: Fraction, frame_count: int, duration: float,
                    width: int, height: int) -> None:
        """Show a new snapshot of the edit; keeps the playhead where it was."""
        self.fps = Fraction(fps) if fps else Fraction(25)
        self.frame_count = int(frame_count)
        self.duration = float(duration)
        self.scale = core.preview_scale_for(width, height)
        self.view.message, self.view.message_is_error = "", True
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, self.frame_count - 1))
        self.slider.blockSignals(False)
        self.info_label.setText(f"{width}x{height}" + (f" · proxy {self.scale:g}x" if self.scale < 1 else ""))
        self.worker.set_project(project, self.scale, self.frame_count)
        self.audio.set_project(project, self.scale, self.duration)
        self.shown_index = None
        if self.frame_count == 0:
            self.frame, self.view.image = None, None
            self.view.message = "Empty timeline: import a clip (Ctrl+I) or drop one on the media bin."
            self.view.message_is_error = False
            self.view.update()
        self.position = min(self.position, max(0.0, self._index_time(self.frame_count - 1)))
        if self.rate:
            self._rebase()
            self.worker.play(self.index, 1 if self.rate > 0 else -1)
            self._sync_audio()  # the sound changed with the edit: restart it here
        else:
            self.audio.stop()
            self._request(self.index)
        self._update_labels()

    def update_project(self, project, *, pixels: bool = True, sound: bool = True) -> None:
        """The same edit with a clip changed in place (its transform, volume or title: the length,
        size and rate are the same): re-render only what changed, the playhead and playback go on.
        ``pixels``: the frames (the render thread keeps its decoders); ``sound``: the preview's sound."""
        self.updates += 1
        if pixels:
            self.worker.set_project(project, self.scale, self.frame_count)
            self.shown_index = None
            if not self.rate:
                self._request(self.index)
            else:
                self.worker.play(self.index, 1 if self.rate > 0 else -1)
        if sound:
            self.audio.set_project(project, self.scale, self.duration)
            if self.rate:
                self._rebase()
                self._sync_audio()  # the sound changed with the edit: restart it here
            else:
                self.audio.stop()  # a suspended span would resume with the old sound

    def hold(self, message: str) -> None:
        """Render nothing (a job is computing what the preview needs) and say so."""
        self.pause()
        self.audio.stop()
        self.worker.set_project(None, self.scale, 0)
        self.view.message = message
        self.view.message_is_error = False
        self.view.update()

    def clear_error(self) -> None:
        self.view.message = ""

    # -- time ---------------------------------------------------------------------------------
    def _index_time(self, i: int) -> float:
        return max(0, i) / float(self.fps)

    @property
    def index(self) -> int:
        return min(max(0, int(self.position * float(self.fps) + 1e-6)), max(0, self.frame_count - 1))

    def seek(self, t: float) -> None:
        self.position = min(max(0.0, float(t)), self._index_time(max(0, self.frame_count - 1)))
        if self.rate:
            self._rebase()
            self.worker.set_playhead(self.index)
            self._sync_audio()
        else:
            self.audio.stop()  # a suspended span would resume at the old place
            self._request(self.index)
        self._update_labels()
        self.positionChanged.emit(self.position)

    def seek_frame(self, i: int) -> None:
        self.seek(self._index_time(i) + 1e-9)

    def step(self, n: int) -> None:
        self.pause()
        self.seek_frame(self.index + n)

    def home(self) -> None:
        self.seek(0.0)

    def end(self) -> None:
        self.pause()
        self.seek_frame(self.frame_count - 1)

    # -- playback -----------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.rate:
            self.pause()
        else:
            self.play()

    def play(self, rate: float = 1.0) -> None:
        if self.frame_count <= 0:
            return
        if rate > 0 and self.index >= self.frame_count - 1:
            self.position = 0.0
        if rate < 0 and self.index <= 0:
            self.position = self._index_time(self.frame_count - 1)
        was_playing = bool(self.rate)
        self.rate = rate
        self.displayed = self.dropped = 0
        if not was_playing:  # first: listeners stop background work (thumbnails) the frames need
            self.playingChanged.emit(True)
        self._rebase()
        self.worker.play(self.index, 1 if rate > 0 else -1)
        self._preroll_until = time.monotonic() + PREROLL_MAX_S
        self._sync_audio(resume=True)
        self._timer.start()
        self.play_btn.setIcon(icon("pause"))

    def pause(self) -> None:
        if not self.rate:
            return
        self.rate = 0.0
        self._timer.stop()
        self.worker.pause()
        if self.audio_sync:
            self.audio.suspend()
        self.audio_sync = False
        self.play_btn.setIcon(icon("play"))
        if self.shown_index != self.index:
            self._request(self.index)
        elif self.frame is not None:
            self._show(self.shown_index, self.frame)  # the paused frame: smoothly scaled, its own copy
        self.playingChanged.emit(False)

    def jkl(self, key: str) -> None:
        """J/K/L shuttle: L forward (again: faster), J backward, K pause."""
        if key == "k":
            self.pause()
        elif key == "l":
            self.play(1.0 if self.rate <= 0 else min(self.rate * 2, 8.0))
        elif key == "j":
            self.play(-1.0 if self.rate >= 0 else max(self.rate * 2, -8.0))

    def _rebase(self) -> None:
        self._t0 = time.monotonic()
        self._pos0 = self.position

    # -- sound --------------------------------------------------------------------------------
    def _sync_audio(self, resume: bool = False) -> None:
        """(Re)start the sound at the playhead when playing at 1x forward; else keep it off."""
        if self.rate != 1.0 or not self.audio.wanted:
            self.audio.stop()
            self.audio_sync = False
            return
        at = self.audio.paused_at() if resume else None
        if at is not None and abs(at - self.position) < 0.5 / float(self.fps) and self.audio.resume():
            self.audio_sync = True
        else:
            self.audio_sync = self.audio.start(self.position)
        self._audio_seen = (None, time.monotonic())

    def set_muted(self, on: Optional[bool] = None) -> None:
        """Mute toggle (M): silent preview on the monotonic clock; exports are unaffected."""
        on = (not self.audio.muted) if on is None or not isinstance(on, bool) else on
        self.audio.set_muted(on)
        self.mute_btn.setChecked(on)
        self.mute_btn.setIcon(_svg_icon(_SPEAKER.format(_CROSS if on else _WAVES)))
        if self.rate:
            self._rebase()
            self._sync_audio()

    def _on_audio_note(self, msg: str) -> None:
        win = self.window()
        bar = getattr(win, "statusBar", None)
        if callable(bar):
            bar().showMessage(msg, 8000)

    def _clock(self) -> float:
        """Playback time now: the sound's clock while it plays, else the monotonic one."""
        now = time.monotonic()
        if self.audio_sync:
            self.audio.pump()
            a = self.audio.clock()
            last, since = self._audio_seen
            if a is not None and a != last:
                self._audio_seen = (a, now)
            patience = AUDIO_START_WAIT if self._audio_seen[0] is None else AUDIO_STALL_WAIT
            if self.audio.running and now - self._audio_seen[1] < patience:
                if a is not None:  # follow the sound; the monotonic clock carries on from here
                    self._t0, self._pos0 = now, a
                    return a
                self._t0 = now  # the sound has not started yet: hold the first frame
                return self._pos0
            # the sound never started, stalled or failed: play on silently from here
            log.info("preview sound gave up (running=%s, clock=%s)", self.audio.running, a)
            if self.audio.running:
                self.audio._note_once("The preview's sound could not keep up; playing on silently.")
            self.audio.stop()
            self.audio_sync = False
            self._rebase()
            return self.position
        if self._preroll_until:
            if now < self._preroll_until and not self.worker.ready_ahead(
                    self.index, PREROLL_FRAMES, 1 if self.rate > 0 else -1):
                self._t0 = now  # hold the first frame until a few after it are ready
                return self._pos0
            self._preroll_until = 0.0
        return self._pos0 + (now - self._t0) * self.rate

    def _tick(self) -> None:
        t = self._clock()
        last = self._index_time(self.frame_count - 1)
        at_end = t >= last if self.rate > 0 else t <= 0
        self.position = min(max(t, 0.0), last)
        idx = self.index
        self.worker.set_playhead(idx)
        best = self.worker.best(idx, self.shown_index, 1 if self.rate > 0 else -1)
        if best is not None:
            if self.shown_index is not None:
                self.dropped += max(0, abs(best - self.shown_index) - 1)
            self._show(best, self.worker.get(best))
            self.displayed += 1
        if idx != self._emitted:  # once per frame, not per 5 ms tick (each emit costs the timeline a repaint)
            self._emitted = idx
            self._update_labels()
            self.positionChanged.emit(self.position)
        if at_end and (self.shown_index == idx or best is None):
            self.pause()

    # -- frames -------------------------------------------------------------------------------
    def set_scrubbing(self, on: bool) -> None:
        """A drag of the slider or the timeline's playhead starts (True) or ends (False). While it
        lasts, frames may come from the scrubbing proxy; at its end the exact frame is shown."""
        self.scrubbing = bool(on)
        if not on and not self.rate:
            self._request(self.index)

    def _request(self, idx: int) -> None:
        if self.frame_count <= 0:
            return
        self._wanted = idx
        exact = not self.scrubbing
        f = self.worker.get(idx, exact=exact)
        if f is not None:
            self._show(idx, f)
        else:
            self.worker.request(idx, scrub=not exact)

    def _on_frame_ready(self, idx: int, gen: int) -> None:
        if gen == self.worker.generation and not self.rate and idx == self._wanted:
            self._show(idx, self.worker.get(idx, exact=not self.scrubbing))

    def _on_failed(self, msg: str) -> None:
        self.pause()
        self.view.message = two_sentences(msg)[0]
        self.view.message_is_error = True
        self.view.update()

    def _show(self, idx: int, frame: Optional[np.ndarray]) -> None:
        if frame is None:
            return
        self.frame = frame
        self.shown_index = idx
        # while playing the image shares the frame's memory (frames are never changed; the view
        # keeps the array): a paused frame is copied, others (canvas handles) may keep its image
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        self.view.pixels = frame if self.rate else None
        self.view.image = to_qimage(frame, copy=not self.rate)
        self.view.smooth = not self.rate
        self.view.compare_labels = self.compare
        self.view.update()

    def set_compare(self, on: Optional[bool] = None) -> None:
        self.compare = (not self.compare) if on is None or not isinstance(on, bool) else on
        self.compare_btn.setChecked(self.compare)
        self.worker.set_compare(self.compare)
        self.shown_index = None
        if not self.rate:
            self._request(self.index)

    def _slider_changed(self, v: int) -> None:
        if not self.slider.isSliderDown() and v != self.index and not self.rate:
            self.seek_frame(v)

    def _update_labels(self) -> None:
        self.time_label.setText(f"{core.fmt_time(self.position)} / {core.fmt_time(self.duration)}")
        self.slider.blockSignals(True)
        self.slider.setValue(self.index)
        self.slider.blockSignals(False)

    def shutdown(self) -> None:
        self._timer.stop()
        self.audio.shutdown()
        self.worker.shutdown()
