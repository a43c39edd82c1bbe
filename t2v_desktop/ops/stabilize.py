"""TEMPORAL ops: stabilize and deflicker.

Each has an ``analyze`` pass over the whole clip (cached by the render layer, so it returns
plain JSON data: raw per-frame motion / luma) and a per-frame ``fn``. Smoothing happens at
apply time from the raw data, so changing ``strength`` or ``border`` never re-analyses.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from typing import Iterable, Optional, Tuple

import numpy as np

from .. import jobs
from ..lazy import lazy
from . import motion
from .params import Choice, Float
from .registry import FrameContext, OpKind, StreamInfo, operation

cv2 = lazy("cv2")

#: Most a "crop" border may zoom in; beyond it the rare leftover edge is filled by replication.
MAX_CROP_ZOOM = 1.5
#: Smoothing width (Gaussian sigma) at strength 1; it grows with strength squared.
MAX_SIGMA_SECONDS = 2.0

_PLAN_CACHE: "OrderedDict[tuple, object]" = OrderedDict()
_PLAN_CACHE_SIZE = 32
_PLAN_LOCK = threading.Lock()  # fn may run on several render threads at once


def sigma_frames(strength: float, fps: float) -> float:
    """Gaussian sigma in frames for a strength in [0, 1] (0 = no smoothing)."""
    return MAX_SIGMA_SECONDS * strength * strength * fps


def _fps(ctx: FrameContext, analysis: dict) -> float:
    fps = float(ctx.fps) if ctx.fps else float(analysis.get("fps") or 0.0)
    return fps if fps > 0 else 30.0


def _range_frames(ctx: FrameContext, fps: float, n: int) -> Tuple[int, int]:
    """[first, end) frame indices the op applies to (whole clip without a range)."""
    if ctx.range is None:
        return 0, n
    start, end = ctx.range
    first = max(0, min(n, int(math.ceil(start * fps - 1e-6))))
    last = max(first, min(n, int(math.ceil(end * fps - 1e-6))))
    return first, last


def _content_key(analysis: dict, fields: Tuple[str, ...]) -> str:
    if analysis.get("key"):
        return str(analysis["key"])
    blob = json.dumps([analysis.get(f) for f in fields], separators=(",", ":"))
    return hashlib.sha1(blob.encode()).hexdigest()


def _cached(key: tuple, build):
    """Smoothed plan per (analysis content, strength, ...): cheap to build, reused per frame."""
    with _PLAN_LOCK:
        plan = _PLAN_CACHE.get(key)
        if plan is not None:
            _PLAN_CACHE.move_to_end(key)
            return plan
    plan = build()
    with _PLAN_LOCK:
        _PLAN_CACHE[key] = plan
        while len(_PLAN_CACHE) > _PLAN_CACHE_SIZE:
            _PLAN_CACHE.popitem(last=False)
    return plan


def _total(info: Optional[StreamInfo]) -> int:
    return int(getattr(info, "frame_count", 0) or 0)


# --------------------------------------------------------------------------- stabilize

_MOTION_FIELDS = ("dx", "dy", "da", "ds")


def analyze_motion(frames: Iterable[np.ndarray], info: Optional[StreamInfo] = None,
                   progress: Optional[jobs.ProgressFn] = None, cancel: Optional[jobs.CancelToken] = None) -> dict:
    """Raw frame-to-frame camera motion (full-size pixels, radians, log scale), one entry per frame."""
    progress = progress or jobs.no_progress
    total = _total(info)
    tracker = motion.MotionTracker()
    out = {f: [] for f in _MOTION_FIELDS}
    width = height = 0
    for i, frame in enumerate(frames):
        jobs.check(cancel)
        if i == 0:
            height, width = frame.shape[:2]
        for f, v in zip(_MOTION_FIELDS, tracker.push(frame), strict=True):
            out[f].append(float(v))
        progress(i + 1, max(total, i + 1), "Analysing motion")
    jobs.check(cancel)
    fps = float(info.fps) if info is not None and info.fps else 0.0
    result = {"kind": "motion", "version": 2, "width": width, "height": height, "fps": fps,
              "frames": len(out["dx"]), **out}
    result["key"] = _content_key(result, _MOTION_FIELDS + ("width", "height"))
    return result


class _StabPlan:
    """Per-frame corrective warps (centred similarity params) and the constant crop zoom."""

    def __init__(self, analysis: dict, sigma: float, border: str, span: Tuple[int, int]) -> None:
        n = len(analysis["dx"])
        self.first, self.end = span
        w, h = int(analysis["width"]), int(analysis["height"])
        self.width, self.height = w, h
        seg = slice(self.first, self.end)
        # the path restarts at the range start: motion into the first frame is not ours to fix
        raw = [list(analysis[f][seg]) for f in _MOTION_FIELDS]
        for r in raw:
            if r:
                r[0] = 0.0
        path = motion.accumulate(*raw)
        if len(path) and sigma >= 0.3:
            self.corr = motion.corrections(path, motion.smooth(path, sigma))
        else:
            self.corr = np.zeros((len(path), 4))
        self.zoom = 1.0
        if border == "crop" and len(path) and np.abs(self.corr).max() > 1e-9:
            self.zoom = motion.crop_zoom(self.corr, w, h, MAX_CROP_ZOOM)
        self.n = n

    def warp(self, index: int) -> Optional[np.ndarray]:
        """The correction for frame ``index`` or None when the frame is left as it is."""
        if index >= self.n and self.end == self.n:
            index = self.n - 1  # a frame past the analysed end (rounding of durations): hold the last
        if not (self.first <= index < self.end) or not len(self.corr):
            return None
        p = self.corr[min(index - self.first, len(self.corr) - 1)]
        if self.zoom == 1.0 and not np.any(np.abs(p) > 1e-9):
            return None
        return p


def stabilize_frame(frame: np.ndarray, ctx: FrameContext, analysis: dict, strength: float = 0.5,
                    border: str = "crop") -> np.ndarray:
    """Warp one frame onto the smoothed camera path."""
    n = len(analysis.get("dx") or ())
    if n == 0 or strength <= 0:
        return frame
    fps = _fps(ctx, analysis)
    span = _range_frames(ctx, fps, n)
    sigma = sigma_frames(strength, fps)
    key = ("stab", _content_key(analysis, _MOTION_FIELDS + ("width", "height")), round(sigma, 6), border, span)
    plan = _cached(key, lambda: _StabPlan(analysis, sigma, border, span))
    p = plan.warp(ctx.index)
    if p is None:
        return frame
    h, w = frame.shape[:2]
    unit = w / float(plan.width) if plan.width else 1.0  # preview frames may be scaled down
    m = motion.matrix(p, w, h, plan.zoom, unit)
    mode = cv2.BORDER_CONSTANT if border == "black" else cv2.BORDER_REPLICATE
    return cv2.warpAffine(frame, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=mode, borderValue=(0, 0, 0))


stabilize = operation(
    "stabilize",
    kind=OpKind.TEMPORAL,
    params={
        "strength": Float(min=0, max=1, default=0.5, small=0.2, large=0.9,
                          description="How smooth the camera path becomes (0 = unchanged)."),
        "border": Choice(options=("crop", "black", "replicate"), default="crop",
                         description="Hide moving edges by zooming in (crop), black bars, or stretched edges."),
    },
    description="Remove camera shake by smoothing the camera's path.",
    synonyms=("stabilise", "steady", "deshake", "remove shake", "smooth camera"),
    category="temporal",
    analyze=analyze_motion,
    analysis_params=(),
    analysis_version=2,  # 2: area-seeded background fit
    examples=("stabilize", "stabilize it a lot", "stabilize with black borders"),
)(stabilize_frame)


# --------------------------------------------------------------------------- deflicker

_LUMA = np.array([0.299, 0.587, 0.114])


def analyze_luma(frames: Iterable[np.ndarray], info: Optional[StreamInfo] = None,
                 progress: Optional[jobs.ProgressFn] = None, cancel: Optional[jobs.CancelToken] = None) -> dict:
    """Mean luma (0..255) of each frame, and a cut score: 1 - correlation of a 32x18 grey thumbnail
    with the previous frame's (a gain change, i.e. flicker, scores 0; a new shot scores high)."""
    progress = progress or jobs.no_progress
    total = _total(info)
    luma, cut = [], []
    prev = None
    for i, frame in enumerate(frames):
        jobs.check(cancel)
        h, w = frame.shape[:2]
        step = max(1, min(h, w) // 90)
        small = np.ascontiguousarray(frame[::step, ::step])
        luma.append(float(np.dot(_LUMA, cv2.mean(small)[:3])))
        thumb = cv2.resize(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (32, 18), interpolation=cv2.INTER_AREA)
        thumb = thumb.astype(np.float64).ravel()
        thumb -= thumb.mean()
        norm = float(np.linalg.norm(thumb))
        thumb = thumb / norm if norm > 1e-6 else None
        if i == 0:
            cut.append(0.0)
        elif prev is None or thumb is None:  # flat frames: same shot if both flat, else a cut
            cut.append(0.0 if prev is None and thumb is None else 1.0)
        else:
            cut.append(float(1.0 - np.dot(prev, thumb)))
        prev = thumb
        progress(i + 1, max(total, i + 1), "Measuring brightness")
    jobs.check(cancel)
    fps = float(info.fps) if info is not None and info.fps else 0.0
    result = {"kind": "luma", "version": 2, "fps": fps, "frames": len(luma), "luma": luma, "cut": cut}
    result["key"] = _content_key(result, ("luma", "cut"))
    return result


#: Gains outside this range mean a fade from/to black, not flicker: leave those frames alone.
_MIN_GAIN, _MAX_GAIN = 0.5, 2.0
#: Cut score above which a new shot starts; each shot is smoothed on its own.
_CUT = 0.5


def _gains(luma: list, cut: list, sigma: float, span: Tuple[int, int]) -> np.ndarray:
    first, end = span
    seg = np.asarray(luma[first:end], np.float64)
    if not len(seg):
        return seg
    cuts = [k for k in range(1, len(seg)) if k + first < len(cut) and cut[k + first] > _CUT]
    target = np.concatenate([motion.smooth(part, sigma) for part in np.split(seg, cuts)])
    gains = np.ones_like(seg)
    ok = seg > 2.0
    gains[ok] = target[ok] / seg[ok]
    gains[(gains < _MIN_GAIN) | (gains > _MAX_GAIN)] = 1.0
    return gains


def deflicker_frame(frame: np.ndarray, ctx: FrameContext, analysis: dict, strength: float = 0.5) -> np.ndarray:
    """Scale the frame's brightness to the temporally smoothed brightness curve."""
    luma = analysis.get("luma") or []
    if not luma or strength <= 0:
        return frame
    fps = _fps(ctx, analysis)
    span = _range_frames(ctx, fps, len(luma))
    sigma = sigma_frames(strength, fps)
    index = len(luma) - 1 if ctx.index >= len(luma) and span[1] == len(luma) else ctx.index
    if sigma < 0.3 or not (span[0] <= index < span[1]):
        return frame
    key = ("flick", _content_key(analysis, ("luma", "cut")), round(sigma, 6), span)
    gains = _cached(key, lambda: _gains(luma, analysis.get("cut") or [], sigma, span))
    g = float(gains[index - span[0]])
    if abs(g - 1.0) < 1e-4:
        return frame
    lut = np.clip(np.arange(256, dtype=np.float64) * g + 0.5, 0, 255).astype(np.uint8)
    return cv2.LUT(frame, lut)


deflicker = operation(
    "deflicker",
    kind=OpKind.TEMPORAL,
    params={
        "strength": Float(min=0, max=1, default=0.5, small=0.2, large=0.9,
                          description="How long a brightness change must last to be kept (0 = unchanged)."),
    },
    description="Even out fast brightness flicker (timelapses, mains-lit scenes).",
    synonyms=("remove flicker", "reduce flicker", "fix flicker"),
    category="temporal",
    analyze=analyze_luma,
    analysis_params=(),
    analysis_version=2,  # 2: cut scores
    examples=("deflicker", "remove the flicker"),
)(deflicker_frame)
