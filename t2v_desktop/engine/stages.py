"""The pull-based stage chain a clip renders through: Source -> one stage per enabled op.

Every stage exposes the same small surface (size, fps, frame_count, ``frame(i)``,
``read_audio(s0, s1)`` in samples, a content ``key``), so a stage never cares what is upstream.
Frames are pulled on demand; each stage keeps its last few frames (against one global byte budget,
engine/pool.py), so sequential playback never recomputes or re-seeks. The clips that read one file
share its decoder and audio reader through a SourcePool. Audio is addressed in samples so every
length is exact.
"""

from __future__ import annotations

import math
import os
import time
from fractions import Fraction
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np

from ..errors import MediaError, ParamError, ProjectError
from ..jobs import CancelToken, ProgressFn, check, no_progress
from ..keyframes import Keyframes
from ..ops.registry import (
    AudioContext,
    FrameContext,
    GenerativeContext,
    OperationSpec,
    OpKind,
    StreamInfo,
    is_animated,
)
from ..project.model import AppliedOp, Clip
from .cache import LRU, _key_lock, cached_analysis, content_key, source_identity
from .pool import STAGE_FRAMES, Lease, SourcePool, default_pool
from .timemap import StreamRetimer, TimeMap, _round, frames_to_samples

Range = Optional[Tuple[float, float]]


def scaled_size(size: Tuple[int, int], scale: float) -> Tuple[int, int]:
    """Preview size for a full size: even numbers, at least 2."""
    if scale == 1.0:
        return size
    w, h = size
    return max(2, int(round(w * scale / 2)) * 2), max(2, int(round(h * scale / 2)) * 2)


def resize(frame: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    import cv2

    w, h = size
    if frame.shape[1] == w and frame.shape[0] == h:
        return frame
    shrink = w < frame.shape[1] and h < frame.shape[0]
    return cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


class Stage:
    """Base: a stream of frames and audio on a CFR grid."""

    width: int
    height: int
    full_size: Tuple[int, int]  # size at preview_scale 1 (what export produces)
    fps: Fraction
    frame_count: int
    sample_rate: int
    channels: int
    key: str  # video content key
    audio_key: str
    scale: float = 1.0
    cache_frames = 3

    def _init_cache(self) -> None:
        # the last few frames, counted against the global stage-frame budget (pool.STAGE_FRAMES)
        self._frames = STAGE_FRAMES.memo(self.cache_frames)

    @property
    def duration(self) -> float:
        return float(self.frame_count / self.fps)

    @property
    def total_samples(self) -> int:
        return frames_to_samples(self.frame_count, self.fps, self.sample_rate)

    def info(self) -> StreamInfo:
        return StreamInfo(self.width, self.height, self.fps, self.duration, self.frame_count,
                          self.sample_rate, self.channels)

    def frame(self, i: int) -> np.ndarray:
        hit = self._frames.get(i)
        if hit is not None:
            return hit
        if not 0 <= i < self.frame_count:
            raise IndexError(f"frame {i} outside 0..{self.frame_count - 1}")
        f = self._make_frame(i)
        f.flags.writeable = False  # frames are shared between stages: ops must not edit in place
        self._frames.put(i, f)
        return f

    def _make_frame(self, i: int) -> np.ndarray:
        raise NotImplementedError

    def read_audio(self, s0: int, s1: int) -> np.ndarray:
        """Samples [s0, s1) of this stage's timeline: (channels, s1 - s0) float32."""
        raise NotImplementedError

    def iter_frames(self, start: int = 0, end: Optional[int] = None) -> Iterator[np.ndarray]:
        for i in range(start, self.frame_count if end is None else end):
            yield self.frame(i)

    def prepare(self, progress: ProgressFn, cancel: Optional[CancelToken]) -> None:
        """Run pending analyses / generative renders of this stage and those upstream."""

    def close(self) -> None:
        frames = getattr(self, "_frames", None)
        if frames is not None:
            frames.clear()


# -- source ------------------------------------------------------------------------------------

_PROBES = LRU(256)
_GRID_COUNTS = LRU(256)


def probe_cached(path: str):
    from ..media.info import probe

    if not os.path.exists(path):
        raise MediaError(f"Media file not found: {path}. It was moved or deleted; relink the clip to it.")
    key = content_key(source_identity(path))
    info = _PROBES.get(key)
    if info is None:
        info = probe(path)
        _PROBES.put(key, info)
    return info


def grid_frame_count(path: str, fps: Fraction) -> int:
    """How many frames FrameSource gives for ``path`` on the ``fps`` grid (cached per file)."""
    key = content_key(source_identity(path), fps)
    n = _GRID_COUNTS.get(key)
    if n is None:
        from ..media.frames import FrameSource

        fs = FrameSource(path, fps=fps, cache_size=2)
        try:
            n = int(fs.frame_count)
        finally:
            fs.close()
        _GRID_COUNTS.put(key, n)
    return n


#: 8-bit YUV pixel formats whose first plane is the luma (Y) at full size.
LUMA_FORMATS = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv440p",
                          "yuvj440p", "yuv411p", "yuv410p", "nv12", "nv21", "nv16", "nv24", "nv42"})


class SourceStage(Stage):
    """A clip's span of its source file on the project's frame grid, downscaled for preview.

    Cheap to build (a cached probe, nothing opened): the decoder, audio reader and scrubbing proxy
    come from the SourcePool on the first read and are shared with every clip of the same file."""

    #: Export sets this on chains that read straight through: FrameSource then keeps small
    #: caches instead of its scrubbing ones (hundreds of MB at 1080p).
    small_caches = False
    #: The preview sets this on the renderer it uses while the slider is dragged (``scrub_sources``):
    #: frames then come from the file's all-intra scrubbing proxy (media/proxy.py, ~40 dB JPEG, one
    #: small decode a frame) once it is built, instead of decoding from the keyframe. Approximate:
    #: never set on a renderer whose frames are exported or shown at rest.
    scrub = False
    #: How often (s) a scrubbing source looks again for a proxy that was still being built.
    PROXY_RETRY_S = 1.0

    def __init__(self, clip: Clip, fps: Fraction, sample_rate: int, channels: int, scale: float = 1.0,
                 pool: Optional[SourcePool] = None):
        self._init_cache()
        self.clip, self.path = clip, clip.path
        self.pool = pool  # None: the reading thread's default_pool()
        info = probe_cached(self.path)
        if not info.has_video:
            raise MediaError(f"{os.path.basename(self.path)} has no video; t2v-desktop edits video clips.")
        self.fps, self.sample_rate, self.channels, self.scale = Fraction(fps), sample_rate, channels, scale
        self.full_size = (info.width, info.height)
        self.has_audio = info.has_audio
        self.width, self.height = scaled_size(self.full_size, scale)
        total = grid_frame_count(self.path, self.fps)
        self.start = _round(clip.in_point * self.fps)
        end = total if clip.out_point is None else min(_round(clip.out_point * self.fps), total)
        self.frame_count = end - self.start
        if self.frame_count <= 0:
            raise ProjectError(
                f"Clip '{clip.name or os.path.basename(self.path)}' starts at {clip.in_point:g}s, at or after the "
                f"end of its source ({float(total / self.fps):g}s). Trim it again."
            )
        self.sample_offset = frames_to_samples(self.start, self.fps, sample_rate)
        ident = source_identity(self.path)
        self._ident = tuple(ident)
        self.key = content_key("source", ident, self.start, self.frame_count, self.fps, scale)
        self.audio_key = content_key("source-audio", ident, self.sample_offset, self.total_samples, sample_rate,
                                     channels)
        self._fs = None  # the shared decoder last read (the pool may have closed and reopened it since)
        self._lease: Optional[Lease] = None  # what this stage holds in pools; released on close
        self._proxy_retry = 0.0  # monotonic time of the next look for a proxy
        self._proxy_off = False  # the proxy is smaller than this stage's frames
        self._last = -2

    # -- shared readers --------------------------------------------------------------------------
    def _readers(self) -> Tuple[SourcePool, Lease]:
        if self._lease is None:
            self._lease = Lease(self)
        return (self.pool if self.pool is not None else default_pool()), self._lease

    def decoder(self, small: Optional[bool] = None):
        """The FrameSource of this file on this grid, shared with every clip that reads it (opened
        now if needed). ``small``: a straight pass's small caches (default: ``small_caches``; a
        scrubbing source without its proxy yet is a second reader beside the preview's own, so it
        keeps small caches too and never doubles the preview's decode memory)."""
        if small is None:
            small = self.small_caches or self.scrub
        pool, lease = self._readers()
        path, fps = self.path, self.fps
        # a preview decodes straight to its proxy size (scaled while converted from YUV)
        out = (self.width, self.height) if self.scale != 1.0 else None

        def open_it():
            from ..media.frames import FrameSource

            return FrameSource(path, fps=fps, small_caches=small, cache_budget=pool.decoded, out_size=out)

        fs = pool.reader(("video", self._ident, fps, bool(small), out), open_it, lease)
        if fs is not self._fs:
            self._fs, self._last = fs, -2
        return fs

    def _audio_reader(self):
        pool, lease = self._readers()
        path, sr, ch = self.path, self.sample_rate, self.channels

        def open_it():
            from ..media.audio import AudioSource

            return AudioSource(path, sample_rate=sr, channels=ch)

        return pool.reader(("audio", self._ident, sr, ch), open_it, lease)

    def _proxy_frame(self, idx: int) -> Optional[np.ndarray]:
        """Grid frame ``idx`` from the scrubbing proxy at this stage's size, or None while there
        is no usable proxy (not built yet, smaller than the preview, damaged)."""
        if self._proxy_off:
            return None
        pool, lease = self._readers()
        key = ("proxy", self._ident, self.fps)
        path, fps = self.path, self.fps

        def open_it():
            from ..media.proxy import open_proxy

            try:
                return open_proxy(path, fps=fps)
            except (MediaError, OSError):
                return None

        now = time.monotonic()
        proxy = pool.reader(key, lambda: None, lease)  # open already (another clip's)?
        if proxy is None:
            if now < self._proxy_retry:
                return None
            self._proxy_retry = now + self.PROXY_RETRY_S
            proxy = pool.reader(key, open_it, lease)
            if proxy is None:
                return None
        if max(proxy.width, proxy.height) < max(self.width, self.height):  # would look soft
            self._proxy_off, self._proxy_retry = True, math.inf
            return None
        try:
            f = proxy.frame(idx)
        except (MediaError, OSError):
            pool.discard(key)
            return None
        return f if f.shape[:2] == (self.height, self.width) else resize(f, (self.width, self.height))

    def luma_ok(self) -> bool:
        """Whether ``luma`` serves this source: 8-bit YUV, no rotation, not a scrubbing renderer's
        (whose frames may come from the proxy)."""
        if self.scrub:
            return False
        info = probe_cached(self.path)
        return info.pix_fmt in LUMA_FORMATS and info.rotation == 0

    def luma(self, i: int) -> np.ndarray:
        """Grid frame ``i`` as grey: the decoded luma plane (Y as coded, limited range 16..235 for
        most video), cropped to the picture and resized to this stage's size, with no RGB conversion.
        For analyses that take grey (``OperationSpec.analysis_luma``); only where ``luma_ok``. A frame
        the decoder hands over in another format is converted from RGB instead. A fresh array."""
        f = self.decoder().yuv_frame(self.start + i)
        if f.format.name not in LUMA_FORMATS:
            import cv2

            return cv2.cvtColor(self.frame(i), cv2.COLOR_RGB2GRAY)
        p = f.planes[0]
        y = np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, :p.width]
        if (p.width, p.height) != (self.width, self.height):  # preview scale, non-square pixels
            return resize(y, (self.width, self.height))
        return y.copy()  # never a view into the decoded run (FrameSource keeps and reuses it)

    def _make_frame(self, i: int) -> np.ndarray:
        if self.scrub:
            f = self._proxy_frame(self.start + i)
            if f is not None:
                return f
        fs = self.decoder()
        idx = self.start + i
        # playback/export: the decoder's forward path (no LRU copies, no seeks); else its LRU
        f = fs.read_next(idx) if idx == self._last + 1 else fs.frame(idx)
        self._last = idx
        return resize(f, (self.width, self.height)) if self.scale != 1.0 else f

    def read_audio(self, s0: int, s1: int) -> np.ndarray:
        if not self.has_audio:
            return np.zeros((self.channels, s1 - s0), np.float32)
        sr = self.sample_rate
        a = self._audio_reader().read((self.sample_offset + s0) / sr, (self.sample_offset + s1) / sr)
        return _exact(a, s1 - s0, self.channels)

    def close(self) -> None:
        """Let go of the shared readers (each closes when no other clip uses it) and the frames."""
        self._frames.clear()
        if self._lease is not None:
            self._lease.release()
        self._fs, self._last = None, -2


def source_stages(renderer) -> List["SourceStage"]:
    """The SourceStage at the root of each of ``renderer``'s chains."""
    roots = []
    for stage in getattr(renderer, "chains", ()):
        while not isinstance(stage, SourceStage) and getattr(stage, "prev", None) is not None:
            stage = stage.prev
        if isinstance(stage, SourceStage):
            roots.append(stage)
    return roots


def scrub_sources(renderer) -> int:
    """Make ``renderer`` a scrubbing renderer: its sources read the scrubbing proxy when one is
    built (see ``SourceStage.scrub``). Returns how many sources were switched."""
    roots = source_stages(renderer)
    for stage in roots:
        stage.scrub = True
    return len(roots)


def _exact(a: np.ndarray, n: int, channels: int) -> np.ndarray:
    """Guard against an off-by-one from a reader: exactly (channels, n) float32."""
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 1:
        a = a[None, :]
    if a.shape[0] != channels:
        a = np.repeat(a[:1], channels, axis=0) if a.shape[0] == 1 else a[:channels]
    if a.shape[1] == n:
        return a
    if a.shape[1] > n:
        return a[:, :n]
    return np.concatenate([a, np.zeros((channels, n - a.shape[1]), np.float32)], axis=1)


# -- op stages ---------------------------------------------------------------------------------

class OpStage(Stage):
    """Shared set-up: stream properties from upstream, the op's resolved range, keys."""

    changes_video = True
    changes_audio = False

    def __init__(self, prev: Stage, spec: OperationSpec, aop: AppliedOp, params: dict):
        self._init_cache()
        self.prev, self.spec, self.aop = prev, spec, aop
        self.params = params
        self.fps, self.sample_rate, self.channels = prev.fps, prev.sample_rate, prev.channels
        self.scale = prev.scale
        self.width, self.height, self.full_size = prev.width, prev.height, prev.full_size
        self.frame_count = prev.frame_count
        self.range = aop.range
        self.warnings: List[str] = []
        ident = [spec.name, params, list(aop.range) if aop.range else None]
        self.key = content_key(prev.key, *ident) if self.changes_video else prev.key
        self.audio_key = content_key(prev.audio_key, *ident) if self.changes_audio else prev.audio_key
        self._crange = self._clipped_range()

    # range of the op on its input timeline, in frames and samples
    def _clipped_range(self) -> Range:
        if self.range is None:
            return None
        a, b = self.range
        d = self.prev.duration
        if a >= d:
            self.warnings.append(f"'{self.spec.name}' starts at {a:g}s, after the clip ends ({d:g}s): no effect.")
            return (d, d)
        if b > d + 0.5 / float(self.fps):
            self.warnings.append(f"'{self.spec.name}' range ends at {b:g}s, after the clip ({d:g}s).")
        return (a, min(b, d))

    def _frame_span(self) -> Tuple[int, int]:
        r = self._crange
        if r is None:
            return 0, self.prev.frame_count
        f = float(self.fps)
        return (min(math.ceil(r[0] * f - 1e-6), self.prev.frame_count),
                min(math.ceil(r[1] * f - 1e-6), self.prev.frame_count))

    def _sample_span(self) -> Tuple[int, int]:
        r = self._crange
        if r is None:
            return 0, self.prev.total_samples
        return int(round(r[0] * self.sample_rate)), int(round(r[1] * self.sample_rate))

    def read_audio(self, s0: int, s1: int) -> np.ndarray:
        return self.prev.read_audio(s0, s1)

    def prepare(self, progress, cancel) -> None:
        self.prev.prepare(progress, cancel)

    def close(self) -> None:
        self._frames.clear()
        self.prev.close()


def _call_frame_fn(fn: Callable, frame: np.ndarray, *args, **kwargs) -> np.ndarray:
    """Call an op; an op that edits its input in place gets a private copy instead."""
    try:
        out = fn(frame, *args, **kwargs)
    except ValueError as e:
        if "read-only" not in str(e):
            raise
        out = fn(frame.copy(), *args, **kwargs)
    return np.ascontiguousarray(out, dtype=np.uint8)


def _px_params(spec: OperationSpec, params: dict, scale: float) -> dict:
    """Pixel-sized params (unit 'px') shrink with the preview so it looks like the export."""
    if scale == 1.0:
        return params
    out = dict(params)
    for name, p in spec.params.items():
        if getattr(p, "unit", "") == "px" and isinstance(out.get(name), (int, float)):
            v = out[name] * scale
            out[name] = type(out[name])(round(v)) if isinstance(out[name], int) else v
    return out


class FrameStage(OpStage):
    """A FRAME op: fn per frame inside its range, passthrough outside. May change size (whole clip
    only) and, with ``audio_fn`` (fades), the sound."""

    def __init__(self, prev, spec, aop, params):
        self.changes_audio = spec.audio_fn is not None
        super().__init__(prev, spec, aop, params)
        #: Keyframed params resolve per frame at the op's own time; everything else once, here.
        self.animated = is_animated(params)
        keyed = [v for v in params.values() if isinstance(v, Keyframes)]
        plain = spec.resolve(params, 0.0) if keyed else params
        self.fn_params = _px_params(spec, plain, self.scale)
        if spec.output_size is not None:
            full = tuple(int(v) for v in spec.output_size(*prev.full_size, **plain))
            for t in sorted({k.t for v in keyed for k in v.keys}):
                at = tuple(int(v) for v in spec.output_size(*prev.full_size, **spec.resolve(params, t)))
                if at != full:
                    raise ParamError(f"'{spec.name}' would change the frame size over time ({full[0]}x{full[1]} "
                                     f"at 0s, {at[0]}x{at[1]} at {t:g}s); give it one value.")
            if full != tuple(prev.full_size):
                if aop.range is not None:
                    raise ParamError(
                        f"'{spec.name}' changes the frame size, so it applies to the whole clip; "
                        f"remove its time range."
                    )
                self.full_size = full
                self.width, self.height = scaled_size(full, self.scale) if self.scale != 1.0 else full
        self.span = self._frame_span()
        self.sample_span = self._sample_span()

    def _make_frame(self, i: int) -> np.ndarray:
        src = self.prev.frame(i)
        if not self.span[0] <= i < self.span[1]:
            return src
        ctx = FrameContext(index=i, time=float(i / self.fps), duration=self.prev.duration, fps=self.fps,
                           range=self.range)
        params = self.fn_params
        if self.animated:
            params = _px_params(self.spec, self.spec.resolve(self.params, ctx.time), self.scale)
        out = _call_frame_fn(self.spec.fn, src, ctx, **params)
        if out.shape[1] != self.width or out.shape[0] != self.height:
            out = resize(out, (self.width, self.height))
        return out

    def read_audio(self, s0: int, s1: int) -> np.ndarray:
        x = self.prev.read_audio(s0, s1)
        if self.spec.audio_fn is None:
            return x
        return _apply_in_span(x, s0, s1, self.sample_span, self.sample_rate, self.prev.duration, self.range,
                              None, self.spec.audio_fn, self.params)


def _apply_in_span(x, s0, s1, span, sr, duration, rng, analysis, fn, params) -> np.ndarray:
    """Apply an audio fn to the part of samples [s0, s1) inside ``span``; the rest passes through."""
    a, b = max(s0, span[0]), min(s1, span[1])
    if a >= b:
        return x
    x = np.array(x, dtype=np.float32, copy=True)
    ctx = AudioContext(start_time=a / sr, sample_rate=sr, duration=duration, range=rng, analysis=analysis)
    part = fn(x[:, a - s0:b - s0], ctx, **params)
    x[:, a - s0:b - s0] = part
    return x


class AudioStage(OpStage):
    """An AUDIO op: frames pass through untouched (same video key); audio transformed in range."""

    changes_video = False
    changes_audio = True

    def __init__(self, prev, spec, aop, params):
        super().__init__(prev, spec, aop, params)
        self.span = self._sample_span()
        self._analysis: Optional[dict] = None

    def frame(self, i: int) -> np.ndarray:
        return self.prev.frame(i)

    def analysis(self) -> Optional[dict]:
        if self.spec.analyze is None:
            return None
        if self._analysis is None:
            key = content_key("audio-analysis", self.audio_key, self.spec.analysis_version)
            self._analysis = cached_analysis(key, self._run_analysis)
        return self._analysis

    def _run_analysis(self) -> dict:
        a, b = self.span
        if getattr(self.spec.analyze, "streaming", False):
            step = 10 * self.sample_rate  # an analysis that takes chunks: bounded memory
            chunks = (self.prev.read_audio(s, min(s + step, b)) for s in range(a, b, step))
            return self.spec.analyze(chunks, self.sample_rate, **self.params)
        return self.spec.analyze(self.prev.read_audio(a, b), self.sample_rate, **self.params)

    def read_audio(self, s0: int, s1: int) -> np.ndarray:
        x = self.prev.read_audio(s0, s1)
        return _apply_in_span(x, s0, s1, self.span, self.sample_rate, self.prev.duration, self.range,
                              self.analysis(), self.spec.fn, self.params)

    def prepare(self, progress, cancel) -> None:
        super().prepare(progress, cancel)
        self.analysis()


class TemporalStage(OpStage):
    """A TEMPORAL op: one analysis pass over the upstream frames (cached by upstream key + analysis
    params + version, in memory and on disk), then fn per frame with that analysis."""

    def __init__(self, prev, spec, aop, params, progress: ProgressFn, cancel):
        super().__init__(prev, spec, aop, params)
        self.span = self._frame_span()
        self.fn_params = _px_params(spec, params, self.scale)
        self.analysis_params = {k: params[k] for k in spec.analysis_params if k in params}
        self.analysis_key = content_key("analysis", prev.key, spec.name, self.analysis_params,
                                        spec.analysis_version)
        self._progress, self._cancel = progress, cancel
        self._analysis: Optional[dict] = None

    def analysis(self, progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None) -> dict:
        if self._analysis is None:
            progress = progress or self._progress
            cancel = cancel if cancel is not None else self._cancel
            self._analysis = cached_analysis(self.analysis_key, lambda: self._run(progress, cancel))
        return self._analysis

    def reads_luma(self) -> bool:
        """Whether the analysis is fed the source's luma planes instead of RGB frames: the op takes
        grey (``analysis_luma``) and sits right on a source that can give them (``luma_ok``).
        Same picture content, so the analysis key does not change."""
        return bool(self.spec.analysis_luma) and isinstance(self.prev, SourceStage) and self.prev.luma_ok()

    def _run(self, progress: ProgressFn, cancel) -> dict:
        if self.spec.analyze is None:
            return {}
        n = self.prev.frame_count
        label = f"Analysing for {self.spec.name}"
        read = self.prev.luma if self.reads_luma() else self.prev.frame

        def frames() -> Iterator[np.ndarray]:
            for i in range(n):
                check(cancel)
                if i % 10 == 0:
                    progress(i, n, label)
                yield read(i)
            progress(n, n, label)

        result = self.spec.analyze(frames(), self.prev.info(), progress, cancel, **self.analysis_params)
        check(cancel)
        return result

    def _make_frame(self, i: int) -> np.ndarray:
        src = self.prev.frame(i)
        if not self.span[0] <= i < self.span[1]:
            return src
        analysis = self.analysis()
        ctx = FrameContext(index=i, time=float(i / self.fps), duration=self.prev.duration, fps=self.fps,
                           range=self.range)
        out = _call_frame_fn(self.spec.fn, src, ctx, analysis, **self.fn_params)
        if out.shape[1] != self.width or out.shape[0] != self.height:
            out = resize(out, (self.width, self.height))
        return out

    def prepare(self, progress, cancel) -> None:
        super().prepare(progress, cancel)
        self.analysis(progress, cancel)

    def notes(self) -> List[str]:
        """The op's one-line notes (stabilize: "crops 1.06x; 2 scene cuts ..."), [] until analysed:
        never starts an analysis (call ``prepare`` first)."""
        if self._analysis is None or self.spec.notes is None:
            return []
        ctx = FrameContext(index=0, time=0.0, duration=self.prev.duration, fps=self.fps, range=self.range)
        return list(self.spec.notes(self._analysis, ctx, **self.fn_params))


_GENERATED = LRU(2)  # the diffusion backend keeps its own disk cache; this is for scrubbing


class GenerativeStage(OpStage):
    """A GENERATIVE op: fn once over all frames of its range (at full resolution, even in a preview,
    so the backend's cache serves the export too); results held in memory."""

    def __init__(self, prev, spec, aop, params, full_prev: Callable[[], Stage], progress, cancel):
        super().__init__(prev, spec, aop, params)
        self.span = self._frame_span()
        self._full_prev = full_prev
        self._progress, self._cancel = progress, cancel
        self._frames_out: Optional[List[np.ndarray]] = None

    def _render(self, progress=None, cancel=None) -> List[np.ndarray]:
        if self._frames_out is not None:
            return self._frames_out
        upstream = self.prev if self.scale == 1.0 else self._full_prev()
        source_key = content_key(upstream.key, self.span)
        key = content_key(source_key, self.spec.name, self.params)
        out = _GENERATED.get(key)
        if out is None:
            with _key_lock(key):  # the preview and a prepare job never render it twice at once
                out = _GENERATED.get(key)
                if out is None:
                    out = self._generate(upstream, source_key, progress or self._progress,
                                         cancel if cancel is not None else self._cancel)
                    _GENERATED.put(key, out)
        if upstream is not self.prev:
            upstream.close()
        self._frames_out = out
        return out

    def _generate(self, upstream: Stage, source_key: str, progress, cancel) -> List[np.ndarray]:
        a, b = self.span
        frames = []
        for i in range(a, b):
            check(cancel)
            frames.append(upstream.frame(i))
        ctx = GenerativeContext(fps=self.fps, width=upstream.width, height=upstream.height,
                                source_key=source_key, progress=progress, cancel=cancel)
        out = list(self.spec.fn(frames, ctx, **self.params))
        check(cancel)
        if len(out) != len(frames):
            raise RuntimeError(f"{self.spec.name} returned {len(out)} frames for {len(frames)}")
        return [np.ascontiguousarray(f, dtype=np.uint8) for f in out]

    def _make_frame(self, i: int) -> np.ndarray:
        if not self.span[0] <= i < self.span[1]:
            return self.prev.frame(i)
        return resize(self._render()[i - self.span[0]], (self.width, self.height))

    def prepare(self, progress, cancel) -> None:
        super().prepare(progress, cancel)
        self._render(progress, cancel)


class TimingStage(OpStage):
    """A TIMING op: Segments -> a frame/sample-exact TimeMap; audio re-timed with its pitch kept,
    reversed for reverse, silent for freeze."""

    changes_audio = True

    def __init__(self, prev, spec, aop, params):
        super().__init__(prev, spec, aop, params)
        rng = self.range
        if spec.requires_range and rng is None:
            raise ParamError(f"'{spec.name}' needs a time range, e.g. '{spec.name} 0:02 to 0:05'.")
        segments = spec.fn(prev.duration, rng, **params)
        self.map = TimeMap(segments, self.fps, self.sample_rate, prev.frame_count)
        self.frame_count = self.map.frame_count
        if self.frame_count <= 0:
            raise ParamError(f"'{spec.name}' leaves nothing of the clip; check its range.")
        self._retimers: Dict[int, StreamRetimer] = {}

    def _make_frame(self, i: int) -> np.ndarray:
        return self.prev.frame(self.map.input_frame(i))

    def read_audio(self, s0: int, s1: int) -> np.ndarray:
        out = np.zeros((self.channels, s1 - s0), np.float32)
        for p in self.map.pieces_for_samples(s0, s1):
            a, b = max(s0, p.sout_a), min(s1, p.sout_b)
            if p.freeze:
                continue
            lo, hi = a - p.sout_a, b - p.sout_a  # offsets inside the piece's output
            if p.direct:
                if p.reverse:
                    seg = self.prev.read_audio(p.sin_b - hi, p.sin_b - lo)[:, ::-1]
                else:
                    seg = self.prev.read_audio(p.sin_a + lo, p.sin_a + hi)
            else:
                seg = self._retime(p).read(lo, hi)
            out[:, a - s0:b - s0] = seg
        return out

    def _retime(self, p) -> StreamRetimer:
        """A streaming re-timer per piece (bounded memory for long pieces; sequential reads continue
        the filter). Reversed pieces re-time the reversed input."""
        hit = self._retimers.get(p.sout_a)
        if hit is None:
            if p.reverse:
                def read(a: int, b: int, p=p) -> np.ndarray:
                    return self.prev.read_audio(p.sin_b - b, p.sin_b - a)[:, ::-1]
            else:
                def read(a: int, b: int, p=p) -> np.ndarray:
                    return self.prev.read_audio(p.sin_a + a, p.sin_a + b)
            hit = StreamRetimer(read, p.sin_b - p.sin_a, p.sout_b - p.sout_a, self.sample_rate, self.channels)
            if len(self._retimers) >= 4:
                self._retimers.pop(next(iter(self._retimers)))
            self._retimers[p.sout_a] = hit
        return hit


# -- building a chain --------------------------------------------------------------------------

def build_chain(
    clip: Clip, fps: Fraction, sample_rate: int, channels: int, *, scale: float = 1.0,
    progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None, upto: Optional[int] = None,
    canvas: Optional[Tuple[int, int]] = None, pool: Optional[SourcePool] = None,
) -> Tuple[Stage, List[Stage]]:
    """The output stage of ``clip`` (ops[:upto] when given) and the input stage of each op.

    ``pool``: the SourcePool whose decoders and audio readers the chain shares (one per Renderer;
    None: the reading thread's ``default_pool()``). Cheap: nothing is opened or decoded here.

    Built in a loop, but frames and audio are pulled through ``prev`` calls (a few Python frames
    per stage), so a stack is capped at MAX_OPS_PER_CLIP, well inside the recursion limit."""
    from ..ops.registry import get_op
    from ..project.model import MAX_OPS_PER_CLIP

    if len(clip.ops) > MAX_OPS_PER_CLIP:
        raise ProjectError(f"Clip '{(clip.name or clip.source.label)[:40]}' has {len(clip.ops)} "
                           f"operations; at most {MAX_OPS_PER_CLIP} per clip are supported. Remove some.")
    progress = progress or no_progress
    from .source import DEFAULT_CANVAS, make_source

    stage: Stage = make_source(clip, fps, sample_rate, channels, scale, canvas or DEFAULT_CANVAS,
                               **({"pool": pool} if clip.source.type == "file" else {}))
    inputs: List[Stage] = []
    ops = clip.ops if upto is None else clip.ops[:upto]
    for k, aop in enumerate(ops):
        inputs.append(stage)
        if not aop.enabled:
            continue
        spec = get_op(aop.op)
        params = spec.validate(aop.params)
        if aop.range is not None and not spec.rangeable:
            raise ParamError(f"'{spec.name}' applies to the whole clip; remove its time range.")
        if spec.kind is OpKind.FRAME:
            stage = FrameStage(stage, spec, aop, params)
        elif spec.kind is OpKind.AUDIO:
            stage = AudioStage(stage, spec, aop, params)
        elif spec.kind is OpKind.TIMING:
            stage = TimingStage(stage, spec, aop, params)
        elif spec.kind is OpKind.TEMPORAL:
            stage = TemporalStage(stage, spec, aop, params, progress, cancel)
        elif spec.kind is OpKind.GENERATIVE:
            def full_prev(k=k) -> Stage:
                return build_chain(clip, fps, sample_rate, channels, scale=1.0, progress=progress,
                                   cancel=cancel, upto=k, canvas=canvas, pool=pool)[0]
            stage = GenerativeStage(stage, spec, aop, params, full_prev, progress, cancel)
        else:  # pragma: no cover
            raise ValueError(f"unknown op kind {spec.kind}")
    return stage, inputs


def chain_warnings(stage: Stage) -> List[str]:
    out: List[str] = []
    while isinstance(stage, OpStage):
        out[:0] = stage.warnings
        stage = stage.prev
    return out
