"""Thumbnails and audio waveforms for the bin and the timeline, loaded off the GUI thread.

At shutdown ``close()`` drops the queued loads and makes a load still running finish silently:
its ``updated`` signal would otherwise be emitted on a deleted object (a "Signal source has been
deleted" traceback on stderr).
"""

from __future__ import annotations

import logging
import threading

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)

THUMB_H = 54
PEAKS_PER_SEC = 50


class ThumbCache(QObject):
    """(path, time) -> small QImage and path -> waveform peaks; ``updated`` when one arrives."""

    updated = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._thumbs: dict[tuple[str, float], QImage] = {}
        self._waves: dict[str, np.ndarray] = {}
        self._pending: set = set()
        self._lock = threading.Lock()
        self.closed = False
        self._held = False
        self._deferred: list = []

    def thumb(self, path: str, t: float):
        key = (path, round(float(t), 1))
        img = self._thumbs.get(key)
        if img is None:
            self._queue(("t", key))
        return img

    def wave(self, path: str):
        w = self._waves.get(path)
        if w is None:
            self._queue(("w", path))
        return w

    def _queue(self, key) -> None:
        with self._lock:
            if self.closed or key in self._pending:
                return
            self._pending.add(key)
        self.pool.start(_Load(self, key))

    def hold(self, on: bool) -> None:
        """While the preview plays (``on``) nothing is loaded: a thumbnail decodes a frame of the
        source on the CPU the playback needs (on 2 cores it cost the first second of playback
        its frames). Loads asked for meanwhile wait and start when it stops."""
        with self._lock:
            self._held = bool(on)
            keys, self._deferred = (self._deferred, []) if not on else ([], self._deferred)
        for key in keys:
            self.pool.start(_Load(self, key))

    def _defer(self, key) -> bool:
        """True (and ``key`` kept for later) while held."""
        with self._lock:
            if self._held and not self.closed:
                self._deferred.append(key)
                return True
        return False

    def _store(self, key, value) -> None:
        with self._lock:
            if self.closed:
                return
            if key[0] == "t":
                self._thumbs[key[1]] = value
            else:
                self._waves[key[1]] = value
        try:
            self.updated.emit()
        except RuntimeError:  # the cache was deleted under a late load: nobody is listening
            self.closed = True

    def close(self, msecs: int = 2000) -> bool:
        """Stop loading (queued loads are dropped); True when no load is still running."""
        with self._lock:
            self.closed = True
        self.pool.clear()
        return self.pool.waitForDone(msecs)


class _Load(QRunnable):
    def __init__(self, cache: ThumbCache, key):
        super().__init__()
        self.cache, self.key = cache, key

    def run(self) -> None:
        if self.cache.closed or self.cache._defer(self.key):
            return
        try:
            if self.key[0] == "t":
                path, t = self.key[1]
                value = load_thumb(path, t)
            else:
                value = load_wave(self.key[1])
        except Exception as e:  # unreadable media: leave the slot empty, the bin reports errors
            log.debug("thumbnail %s failed: %r", self.key, e)
            value = QImage() if self.key[0] == "t" else np.zeros(0, np.float32)
        self.cache._store(self.key, value)


def load_thumb(path: str, t: float, height: int = THUMB_H) -> QImage:
    import cv2

    from ..media.frames import FrameSource

    src = FrameSource(path, cache_size=2)
    try:
        t = min(max(0.0, t), max(0.0, (src.frame_count - 1) / float(src.fps)))
        frame = src.frame_at(t)
    finally:
        src.close()
    h, w = frame.shape[:2]
    small = cv2.resize(frame, (max(1, int(w * height / h)), height), interpolation=cv2.INTER_AREA)
    small = np.ascontiguousarray(small)
    return QImage(small.data, small.shape[1], small.shape[0], 3 * small.shape[1], QImage.Format_RGB888).copy()


def load_wave(path: str) -> np.ndarray:
    """Peak level per 1/PEAKS_PER_SEC s of the whole file (empty when it has no sound)."""
    from ..media.audio import AudioSource

    src = AudioSource(path, sample_rate=8000, channels=1)
    dur = float(src.duration or 0.0)
    if dur <= 0:
        return np.zeros(0, np.float32)
    s = np.abs(src.read(0.0, dur)[0])
    step = max(1, 8000 // PEAKS_PER_SEC)
    n = len(s) // step
    if n == 0:
        return np.zeros(0, np.float32)
    return s[: n * step].reshape(n, step).max(axis=1).astype(np.float32)
