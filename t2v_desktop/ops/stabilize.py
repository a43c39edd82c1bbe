"""TEMPORAL ops: stabilize and deflicker.

Each has an ``analyze`` pass over the whole clip (cached by the render layer, so it returns
plain JSON data: raw per-frame motion / luma) and a per-frame ``fn``. Smoothing happens at
apply time from the raw data, so changing ``strength`` or ``border`` never re-analyses.
"""

from __future__ import annotations

import hashlib
import json
import math
import queue
import threading
from collections import OrderedDict
from fractions import Fraction
from typing import Iterable, Iterator, Optional, Tuple

from .. import jobs
from ..lazy import lazy
from . import motion
from .params import Choice, Float
from .registry import FrameContext, OpKind, StreamInfo, operation

cv2 = lazy("cv2")
np = lazy("numpy")

#: Most a correction may zoom in (for ``crop``) or move a frame (every border mode): where hiding
#: the edges of the fully smoothed path would take more, the path bends back towards the camera's
#: real one (it follows the intended move and keeps smoothing the shake).
MAX_CROP_ZOOM = 1.1
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
    """Raw frame-to-frame camera motion (full-size pixels, radians, log scale), one entry per frame,
    and ``cuts``: the frames that start a new shot (their motion is identity).

    ``frames``: RGB, or 2-D grey (a decoder's luma plane, limited range: the tracker's thresholds
    are relative and its cut scores correlations, so the range does not matter)."""
    progress = progress or jobs.no_progress
    total = _total(info)
    tracker = motion.MotionTracker()
    out = {f: [] for f in _MOTION_FIELDS}
    cuts = []
    width = height = 0
    reader = read_ahead(frames)
    try:
        for i, frame in enumerate(reader):
            jobs.check(cancel)
            if i == 0:
                height, width = frame.shape[:2]
            step, cut = tracker.step(frame)
            for f, v in zip(_MOTION_FIELDS, step, strict=True):
                out[f].append(float(v))
            if cut:
                cuts.append(i)
            progress(i + 1, max(total, i + 1), "Analysing motion")
    finally:
        reader.close()  # stops and joins the reading thread now, also on an error or a cancel
    jobs.check(cancel)
    fps = float(info.fps) if info is not None and info.fps else 0.0
    result = {"kind": "motion", "version": 3, "width": width, "height": height, "fps": fps,
              "frames": len(out["dx"]), **out, "cuts": cuts}
    result["key"] = _content_key(result, _MOTION_FIELDS + ("width", "height", "cuts"))
    return result


#: Frames decoded ahead of the tracker (each a full-size RGB frame or luma plane).
READ_AHEAD = 4


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def read_ahead(frames: Iterable[np.ndarray], depth: int = READ_AHEAD) -> Iterator[np.ndarray]:
    """``frames``, produced on a thread of their own a few ahead, so decoding (PyAV) overlaps the
    tracking (OpenCV): both release the GIL, and short clips are mostly these two. The source is
    only ever touched by that one thread; its exceptions (Cancelled too) come out here, in order."""
    q: "queue.Queue" = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        it = iter(frames)
        try:
            for frame in it:
                if not put(frame):
                    break
            else:
                put(done)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, raised there
            put(_Raised(e))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="stabilize-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item
    finally:
        stop.set()
        worker.join()


def _shots(analysis: dict, span: Tuple[int, int]) -> list:
    """[start, end) frame spans of the shots inside ``span`` (a range start begins a shot too)."""
    first, end = span
    starts = [first] + [int(c) for c in analysis.get("cuts") or () if first < int(c) < end]
    return [(a, b) for a, b in zip(starts, starts[1:] + [end], strict=True) if b > a]


class _StabPlan:
    """Per-frame corrective warps (centred similarity params) and each shot's crop zoom.

    Every shot gets its own path (``motion.trajectory``; no smoothing across a cut), smoothed
    with a zero-lag Gaussian (sigma from strength), then bent back towards the real path
    wherever the correction would need more than MAX_CROP_ZOOM (``motion.bounded_correction``).
    ``needed`` is the zoom the unbent path would have needed (what strength costs), ``zoom``
    the largest applied.
    """

    def __init__(self, analysis: dict, sigma: float, border: str, span: Tuple[int, int]) -> None:
        n = len(analysis["dx"])
        self.n = n
        self.first, self.end = span
        w, h = int(analysis["width"]), int(analysis["height"])
        self.width, self.height = w, h
        moves = np.array([analysis[f][self.first:self.end] for f in _MOTION_FIELDS], np.float64).T.reshape(-1, 4)
        self.corr = np.zeros((len(moves), 4))
        self.zooms = np.ones(len(moves))
        self.shots = _shots(analysis, span)
        self.needed = self.zoom = 1.0
        if sigma < 0.3 or w <= 0 or h <= 0:
            return
        for a, b in self.shots:
            raw = motion.trajectory(moves[a - self.first:b - self.first])
            corr, need = _shot_correction(raw, sigma, w, h)
            self.corr[a - self.first:b - self.first] = corr
            self.needed = max(self.needed, need)
            if border == "crop" and np.abs(corr).max() > 1e-9:
                z = motion.crop_zoom(corr, w, h, MAX_CROP_ZOOM)
                self.zooms[a - self.first:b - self.first] = z
                self.zoom = max(self.zoom, z)

    def warp(self, index: int) -> Optional[Tuple[np.ndarray, float]]:
        """(correction, zoom) for frame ``index``, or None when the frame is left as it is."""
        if index >= self.n and self.end == self.n:
            index = self.n - 1  # a frame past the analysed end (rounding of durations): hold the last
        if not (self.first <= index < self.end) or not len(self.corr):
            return None
        k = min(index - self.first, len(self.corr) - 1)
        p, z = self.corr[k], float(self.zooms[k])
        if z == 1.0 and not np.any(np.abs(p) > 1e-9):
            return None
        return p, z


def _shot_correction(raw: np.ndarray, sigma: float, w: int, h: int) -> Tuple[np.ndarray, float]:
    """(per-frame correction smooth - raw within MAX_CROP_ZOOM, the zoom the plain smooth path needed)."""
    if len(raw) < 2:
        return np.zeros_like(raw), 1.0
    smooth = motion.smooth(raw, sigma)
    corr = motion.path_correction(smooth, raw)
    need = motion.crop_zoom(corr, w, h, _NEED_CEILING)
    if need <= MAX_CROP_ZOOM:
        return corr, need
    slack = 0.97
    for _ in range(4):  # the bounds are small-angle estimates: tighten until the exact zoom fits
        corr = motion.path_correction(motion.bounded_correction(smooth, raw, MAX_CROP_ZOOM, w, h, sigma, slack), raw)
        if motion.crop_zoom(corr, w, h, _NEED_CEILING) <= MAX_CROP_ZOOM:
            break
        slack *= 0.9
    return corr, need


#: crop_zoom's cap when measuring what a path would need (reported, never applied).
_NEED_CEILING = 4.0


def crop_report(analysis: dict, strength: float = 0.5, border: str = "crop", fps: Optional[float] = None,
                range: Optional[Tuple[float, float]] = None) -> dict:
    """What stabilize does to this clip at these params, for the plan and the edit stack:
    ``zoom`` (applied, 1.0 unless border is crop), ``needed`` (what full smoothing would have
    zoomed; above ``cap`` the path follows the camera more), ``cap`` and ``cuts`` (seconds)."""
    n = len(analysis.get("dx") or ())
    fps = float(fps or analysis.get("fps") or 30.0)
    ctx = FrameContext(0, 0.0, n / fps, Fraction(fps).limit_denominator(100000), range)
    plan = _plan(analysis, ctx, strength, border) if n and strength > 0 else None
    cuts = [round(int(c) / fps, 3) for c in analysis.get("cuts") or ()]
    if plan is None:
        return {"zoom": 1.0, "needed": 1.0, "cap": MAX_CROP_ZOOM, "cuts": cuts}
    return {"zoom": round(plan.zoom, 4), "needed": round(plan.needed, 4), "cap": MAX_CROP_ZOOM, "cuts": cuts}


def stabilize_notes(analysis: dict, ctx: FrameContext, strength: float = 0.5, border: str = "crop") -> list:
    """One-line notes for the plan / edit stack, e.g. "crops 1.06x; 2 scene cuts (path resets)"."""
    r = crop_report(analysis, strength, border, float(ctx.fps) if ctx.fps else None, ctx.range)
    if border == "crop":
        head = f"crops {r['zoom']:.2f}x" if r["zoom"] > 1.0005 else "no crop needed"
    else:
        head = f"{border} edges, no crop"
    if r["cuts"]:
        k = len(r["cuts"])
        head += f"; {k} scene cut{'s' if k > 1 else ''} (the path restarts at each)"
    notes = [head]
    if r["needed"] > r["cap"] + 1e-6:
        more = f"{r['needed']:.2f}x" if r["needed"] < _NEED_CEILING else f"over {_NEED_CEILING:.0f}x"
        notes.append(f"full smoothing would need {more}: it follows the camera's moves where it would crop "
                     f"more than {r['cap']:.2f}x")
    return notes


def _plan(analysis: dict, ctx: FrameContext, strength: float, border: str) -> "_StabPlan":
    n = len(analysis["dx"])
    fps = _fps(ctx, analysis)
    span = _range_frames(ctx, fps, n)
    sigma = sigma_frames(strength, fps)
    key = ("stab", _content_key(analysis, _MOTION_FIELDS + ("width", "height", "cuts")), round(sigma, 6),
           border, span)
    return _cached(key, lambda: _StabPlan(analysis, sigma, border, span))


def stabilize_frame(frame: np.ndarray, ctx: FrameContext, analysis: dict, strength: float = 0.5,
                    border: str = "crop") -> np.ndarray:
    """Warp one frame onto the smoothed camera path."""
    n = len(analysis.get("dx") or ())
    if n == 0 or strength <= 0:
        return frame
    plan = _plan(analysis, ctx, strength, border)
    found = plan.warp(ctx.index)
    if found is None:
        return frame
    p, zoom = found
    h, w = frame.shape[:2]
    unit = w / float(plan.width) if plan.width else 1.0  # preview frames may be scaled down
    m = motion.matrix(p, w, h, zoom, unit)
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
    description="Remove camera shake by smoothing the camera's path (intended moves kept, crop at most 1.1x).",
    synonyms=("stabilise", "steady", "deshake", "remove shake", "smooth camera"),
    category="temporal",
    analyze=analyze_motion,
    analysis_params=(),
    analysis_version=3,  # 2: area-seeded background fit; 3: scene cuts
    analysis_luma=True,  # the tracker works on grey: a source's luma plane serves (engine/stages.py)
    notes=stabilize_notes,
    examples=("stabilize", "stabilize it a lot", "stabilize with black borders"),
)(stabilize_frame)


# --------------------------------------------------------------------------- deflicker

_LUMA = (0.299, 0.587, 0.114)  # BT.601 weights of the cut detector


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
