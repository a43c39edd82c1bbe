"""Thumbnails and audio waveforms for the bin and the timeline, loaded off the GUI thread.

A timeline clip whose stack has a picture op (a FRAME op: colour, blur, black and white...) shows
thumbnails of the EDITED result: its op chain run at a small scale on the worker, keyed by content
(the source's identity, in/out and the op stack), so a changed stack asks for new keys by itself
and an undo finds the old ones still cached. Stabilize/generative ops need an analysis or a model:
they are skipped in thumbnails (their effect on a 54 px picture is small, their cost is not).

At shutdown ``close()`` drops the queued loads and makes a load still running finish silently:
its ``updated`` signal would otherwise be emitted on a deleted object (a "Signal source has been
deleted" traceback on stderr).
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Optional

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)

THUMB_H = 54
PEAKS_PER_SEC = 50
EDITED_MAX = 2000      # edited thumbnails kept (each ~10 KB); older stacks' ones go first
CHAINS_KEPT = 4        # op chains (with their open decoders) the worker keeps between thumbnails
CLIPS_KEPT = 256       # clip copies kept for edited thumbnails (old stacks go first)


def _no_id(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "id"}


def edited_key(clip, fps) -> Optional[str]:
    """Content key of ``clip``'s edited picture at ``fps``, or None when no enabled op changes its
    pixels (its source's thumbnails are right then) or it is not a file clip."""
    if getattr(clip.source, "type", "") != "file" or not clip.path:
        return None
    from ..ops.registry import OpKind, get_op

    def pixels(o) -> bool:
        try:
            return o.enabled and get_op(o.op).kind is OpKind.FRAME
        except Exception:  # an unknown op: the renderer reports it, the thumbnail shows the source
            return False

    if not any(pixels(o) for o in clip.ops):
        return None
    from ..engine.cache import content_key, source_identity

    try:
        ident = source_identity(clip.path)
    except OSError:
        return None
    return content_key("thumb-edited", ident, clip.in_point, clip.out_point, [_no_id(o.to_json()) for o in clip.ops],
                       str(fps))


class ThumbCache(QObject):
    """(path, time) -> small QImage and path -> waveform peaks; ``updated`` when one arrives."""

    updated = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._thumbs: dict[tuple[str, float], QImage] = {}
        self._waves: dict[str, np.ndarray] = {}
        self._edited: OrderedDict = OrderedDict()   # (edited key, clip-local s) -> QImage
        self._clips: OrderedDict = OrderedDict()    # edited key -> (a copy of the clip, fps)
        self._latest: dict = {}                     # clip id -> its edited key as last drawn
        self._chains: OrderedDict = OrderedDict()   # worker only: edited key -> op chain
        self._pool = None                           # worker only: the chains' decoders
        self._pending: set = set()
        #: loads asked for so far: a paint that asks for none while ``settled()`` drew everything it
        #: wanted (settled() alone can turn true between a paint and the check: a load is quick)
        self.asked = 0
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

    def edited(self, clip, fps, key: Optional[str] = None):
        """``edited_key(clip, fps)`` (pass ``key`` when it is known), remembering a copy of the clip
        for the worker; None when the clip has no picture op."""
        key = key or edited_key(clip, fps)
        if key is not None:
            with self._lock:
                if key not in self._clips:
                    self._clips[key] = (copy.deepcopy(clip), fps)
                    live = set(self._latest.values()) | {key}
                    for old in [k for k in self._clips if k not in live][:max(0, len(self._clips) - CLIPS_KEPT)]:
                        del self._clips[old]  # a stack no clip has now; asked again, it is copied again
                self._latest[clip.id] = key
        return key

    def _stale(self, load_key) -> bool:
        """An edited thumbnail of a stack no clip has any more (a slider dragged through values):
        dropped from the queue instead of decoded (asked again, it loads)."""
        with self._lock:
            if load_key[0] != "e" or load_key[1][0] in self._latest.values():
                return False
            self._pending.discard(load_key)
            return True

    def edited_thumb(self, key: str, t: float):
        """The thumbnail of the edited clip ``key`` (from ``edited``) at ``t`` s into the clip (its
        output time), or None while it loads."""
        k = (key, round(float(t), 1))
        img = self._edited.get(k)
        if img is None:
            self._queue(("e", k))
        return img

    def settled(self) -> bool:
        """True when every load asked for has arrived."""
        with self._lock:
            return all(k in {"t": self._thumbs, "w": self._waves, "e": self._edited}[kind] for kind, k in self._pending)

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
            self.asked += 1
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
            elif key[0] == "e":
                self._edited[key[1]] = value
                while len(self._edited) > EDITED_MAX:
                    old, _ = self._edited.popitem(last=False)
                    self._pending.discard(("e", old))
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
        done = self.pool.waitForDone(msecs)
        if done:
            self._close_chains(0)
            if self._pool is not None:
                self._pool.close()
        return done

    # -- worker side ---------------------------------------------------------------------------
    def _chain(self, key: str):
        """The op chain of the edited clip ``key`` at thumbnail scale (kept for the next thumbnails
        of the same clip: one decoder seek each instead of an open)."""
        stage = self._chains.get(key)
        if stage is not None:
            self._chains.move_to_end(key)
            return stage
        with self._lock:
            clip, fps = self._clips[key]
        stage = edited_chain(clip, fps, self._pool_for_worker())
        self._chains[key] = stage
        self._close_chains(CHAINS_KEPT)
        return stage

    def _pool_for_worker(self):
        if self._pool is None:
            from ..engine.pool import SourcePool

            self._pool = SourcePool(max_open=CHAINS_KEPT + 1)
        return self._pool

    def _close_chains(self, keep: int) -> None:
        while len(self._chains) > keep:
            _, stage = self._chains.popitem(last=False)
            try:
                stage.close()
            except Exception:  # a decoder that fails to close leaves nothing to clean
                pass


class _Load(QRunnable):
    def __init__(self, cache: ThumbCache, key):
        super().__init__()
        self.cache, self.key = cache, key

    def run(self) -> None:
        if self.cache.closed or self.cache._stale(self.key) or self.cache._defer(self.key):
            return
        try:
            if self.key[0] == "t":
                path, t = self.key[1]
                value = load_thumb(path, t)
            elif self.key[0] == "e":
                key, t = self.key[1]
                value = edited_thumb(self.cache._chain(key), t)
            else:
                value = load_wave(self.key[1])
        except Exception as e:  # unreadable media: leave the slot empty, the bin reports errors
            log.debug("thumbnail %s failed: %r", self.key, e)
            value = np.zeros(0, np.float32) if self.key[0] == "w" else QImage()
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


def edited_chain(clip, fps, pool=None):
    """``clip``'s op chain decoding at about thumbnail height, its stabilize/generative ops off."""
    from ..engine.stages import build_chain, probe_cached
    from ..ops.registry import OpKind, get_op

    def cheap(o) -> bool:
        try:
            return get_op(o.op).kind not in (OpKind.TEMPORAL, OpKind.GENERATIVE)
        except Exception:
            return False

    c = copy.copy(clip)
    c.ops = [o if cheap(o) else replace(o, enabled=False) for o in clip.ops]
    height = max(1, int(probe_cached(clip.path).height or THUMB_H))
    scale = min(1.0, 2.0 * THUMB_H / height)  # a little above thumbnail size: px params stay sensible
    return build_chain(c, fps, 48000, 2, scale=scale, pool=pool)[0]


def edited_thumb(stage, t: float, height: int = THUMB_H) -> QImage:
    """The chain's output frame at ``t`` s (clamped to the clip), ``height`` pixels tall."""
    import cv2

    i = min(max(0, int(round(t * float(stage.fps)))), max(0, stage.frame_count - 1))
    frame = stage.frame(i)
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
