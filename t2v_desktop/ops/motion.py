"""Camera-motion helpers for stabilize: tracking, path algebra and zero-lag smoothing.

Kept apart from ops/stabilize.py so the analysis (expensive, cached) and the smoothing
(cheap, per strength) stay separate, and so benchmarks can measure motion the same way.

Motion is a similarity transform in *centred* pixel coordinates (origin at the image
centre): ``p' = s R(a) p + (dx, dy)``. Centring decouples rotation from translation, so
smoothing the four parameters independently behaves like a real camera.
"""

from __future__ import annotations

import math
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..lazy import lazy

cv2 = lazy("cv2")

#: Width the analysis works at; motion is scaled back to full size.
ANALYSIS_WIDTH = 480
MAX_CORNERS = 200
MIN_INLIERS = 4
GRID = 4
#: RANSAC inlier distance at analysis size; retried looser when too few points agree (blur).
RANSAC_PX = (0.7, 2.0)
#: Points whose shifts differ by less than this (analysis px) move together for seeding.
SHIFT_GROUP_PX = 0.8
#: How many shift groups seed a background fit.
MAX_SEEDS = 5
#: A point belongs to the background fit when it lands this close to its prediction.
GROW_PX = 1.0

Motion = Tuple[float, float, float, float]  # dx, dy, angle (rad), log scale
IDENTITY: Motion = (0.0, 0.0, 0.0, 0.0)


def to_small_grey(frame: np.ndarray, width: int = ANALYSIS_WIDTH) -> Tuple[np.ndarray, float]:
    """Grey frame downscaled to ``width`` (never upscaled); returns it and full/small scale."""
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) if frame.ndim == 3 else frame
    h, w = grey.shape[:2]
    if w <= width:
        return grey, 1.0
    scale = w / float(width)
    small = cv2.resize(grey, (width, max(1, int(round(h / scale)))), interpolation=cv2.INTER_AREA)
    return small, scale


class MotionTracker:
    """Frame-to-frame background motion (similarity) from sparse KLT tracks.

    Feed frames in order with ``push``; each call returns the motion from the previous frame
    (identity for the first frame, flat frames or when tracking fails).
    """

    def __init__(self, width: int = ANALYSIS_WIDTH, roi: Optional[float] = None) -> None:
        self.width = width
        self.roi = roi  # fraction of the frame (centred) to take features from; None = all
        self._prev: Optional[np.ndarray] = None
        self._pts: Optional[np.ndarray] = None

    def _detect(self, grey: np.ndarray) -> Optional[np.ndarray]:
        """Strong corners spread over a GRID x GRID layout, the best few per cell.

        Spreading matters: a richly textured moving object would otherwise take most corners
        and win the RANSAC vote against the background.
        """
        h, w = grey.shape
        mask = None
        if self.roi is not None:
            mask = np.zeros_like(grey)
            mh, mw = int(h * (1 - self.roi) / 2), int(w * (1 - self.roi) / 2)
            mask[mh:h - mh, mw:w - mw] = 255
        pts = cv2.goodFeaturesToTrack(grey, 4 * MAX_CORNERS, 0.01, max(3, w // 100), mask=mask, blockSize=5)
        if pts is None:
            return None
        xy = pts.reshape(-1, 2)
        cell = (np.minimum(xy[:, 1] * GRID // h, GRID - 1) * GRID + np.minimum(xy[:, 0] * GRID // w, GRID - 1))
        cell = cell.astype(np.int64)
        order = np.argsort(cell, kind="stable")  # corners come best first; stable keeps that per cell
        ranks = np.arange(len(order)) - np.searchsorted(cell[order], cell[order])
        return pts[np.sort(order[ranks < -(-MAX_CORNERS // (GRID * GRID))])]

    def push(self, frame: np.ndarray) -> Motion:
        grey, scale = to_small_grey(frame, self.width)
        prev, pts = self._prev, self._pts
        self._prev = grey
        self._pts = self._detect(grey)
        if prev is None or pts is None or len(pts) < MIN_INLIERS or prev.shape != grey.shape:
            return IDENTITY
        nxt, status, _err = cv2.calcOpticalFlowPyrLK(prev, grey, pts, None, winSize=(15, 15), maxLevel=3)
        if nxt is None:
            return IDENTITY
        ok = status.reshape(-1) == 1
        m = dominant_motion(pts[ok].reshape(-1, 2), nxt[ok].reshape(-1, 2))
        if m is None:
            return IDENTITY
        h, w = grey.shape
        return _centred_motion(m, w, h, scale)


def _fit(src: np.ndarray, dst: np.ndarray) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    for thresh in RANSAC_PX:
        m, inliers = cv2.estimateAffinePartial2D(
            src, dst, method=cv2.RANSAC, ransacReprojThreshold=thresh, maxIters=2000, confidence=0.999
        )
        if m is not None and inliers is not None and int(inliers.sum()) >= MIN_INLIERS:
            return m, inliers.reshape(-1).astype(bool)
    return None, None


def _hull_area(points: np.ndarray) -> float:
    return float(cv2.contourArea(cv2.convexHull(points.astype(np.float32)))) if len(points) >= 3 else 0.0


def dominant_motion(src: np.ndarray, dst: np.ndarray) -> Optional[np.ndarray]:
    """The background's similarity (2x3) between two point sets, or None.

    Points are first grouped by their shift; the few largest groups each seed a fit (a close
    moving object may have more corners than the background, but the background surrounds it,
    and a tripod shot must stay still while a ball flies through). Each seed's similarity grows
    to every point it explains (roll and zoom make far points shift differently) and is
    refitted; the grown set covering the largest area wins.
    Seeding by shift avoids the RANSAC trap of one similarity bridging two compact groups
    through a fake zoom.
    """
    n = len(src)
    if n < MIN_INLIERS:
        return None
    flow = dst - src
    near = np.linalg.norm(flow[:, None, :] - flow[None, :, :], axis=2) < SHIFT_GROUP_PX
    free = np.ones(n, bool)
    groups = []
    for _ in range(MAX_SEEDS):
        counts = (near & free[None, :]).sum(axis=1) * free
        i = int(np.argmax(counts))
        if counts[i] < MIN_INLIERS:
            break
        members = near[i] & free
        groups.append(members)
        free &= ~members
    if not groups:  # shifts all differ (strong zoom or roll): let RANSAC seed the fit
        groups.append(np.ones(n, bool))
    best = None
    for seed in groups:
        grown = _grow(src, dst, seed)
        if grown is not None:
            m, inl = grown
            score = (_hull_area(dst[inl]), int(inl.sum()))
            if best is None or score > best[0]:
                best = (score, m)
    return None if best is None else best[1]


def _grow(src: np.ndarray, dst: np.ndarray, inl: np.ndarray):
    """Fit on ``inl``, take in every point the fit explains, refit; (model, inliers) or None."""
    m = None
    for _ in range(4):
        m, _ = _fit(src[inl], dst[inl])
        if m is None:
            return None
        grown = np.linalg.norm(src @ m[:, :2].T + m[:, 2] - dst, axis=1) < GROW_PX
        if grown.sum() < MIN_INLIERS or (grown == inl).all():
            break
        inl = grown
    return m, inl


def _centred_motion(m: np.ndarray, w: int, h: int, scale: float) -> Motion:
    """A 2x3 similarity in small-frame pixel coords -> centred full-size (dx, dy, angle, log s)."""
    a, b = float(m[0, 0]), float(m[1, 0])
    s = math.hypot(a, b)
    if not (s > 1e-6) or not np.isfinite(m).all():
        return IDENTITY
    cx, cy = w / 2.0, h / 2.0
    # p' - c = A (p - c) + t_c  with  t_c = t + A c - c
    tx = float(m[0, 2]) + a * cx - b * cy - cx
    ty = float(m[1, 2]) + b * cx + a * cy - cy
    return (tx * scale, ty * scale, math.atan2(b, a), math.log(s))


def track(frames: Iterable[np.ndarray], width: int = ANALYSIS_WIDTH, roi: Optional[float] = None) -> List[Motion]:
    """Per-frame motion (from the previous frame) of a whole sequence; first is identity."""
    tracker = MotionTracker(width, roi)
    return [tracker.push(f) for f in frames]


def accumulate(dx: Sequence[float], dy: Sequence[float], da: Sequence[float], ds: Sequence[float]) -> np.ndarray:
    """Compose per-frame motions into the camera path: (n, 4) of (x, y, angle, log scale).

    Path i maps frame-0 coordinates to frame-i coordinates: A_i = M_i o A_{i-1}.
    """
    n = len(dx)
    path = np.zeros((n, 4), np.float64)
    x = y = ang = ls = 0.0
    for i in range(n):
        if i:
            c, s = math.cos(da[i]), math.sin(da[i])
            k = math.exp(ds[i])
            x, y = k * (c * x - s * y) + dx[i], k * (s * x + c * y) + dy[i]
            ang += da[i]
            ls += ds[i]
        path[i] = (x, y, ang, ls)
    return path


def smooth(values: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-weighted local *linear* regression along axis 0.

    Equals a Gaussian blur inside the clip; near the ends it fits a line instead of padding,
    so a steady pan stays a pan up to the last frame (no lag, no pull towards a standstill).
    """
    values = np.asarray(values, np.float64)
    n = values.shape[0]
    if n < 2 or sigma < 0.3:
        return values.copy()
    r = int(min(math.ceil(3 * sigma), n - 1))
    k = np.arange(-r, r + 1, dtype=np.float64)
    w = np.exp(-0.5 * (k / sigma) ** 2)
    wk = (w * k)[::-1]  # reversed: np.convolve flips, we want the correlation sum_j w(j-i) f[j]

    def conv(f: np.ndarray, g: np.ndarray) -> np.ndarray:
        return np.convolve(f, g, "full")[r:r + n]

    ones = np.ones(n)
    s0, s1, s2 = conv(ones, w), conv(ones, wk), conv(ones, w * k * k)
    det = s0 * s2 - s1 * s1
    flat = values.reshape(n, -1)
    out = np.empty_like(flat)
    good = det > 1e-9 * s0 * s2
    for c in range(flat.shape[1]):
        y0, y1 = conv(flat[:, c], w), conv(flat[:, c], wk)
        out[:, c] = np.where(good, (s2 * y0 - s1 * y1) / np.where(good, det, 1.0), y0 / s0)
    return out.reshape(values.shape)


def corrections(path: np.ndarray, smoothed: np.ndarray) -> np.ndarray:
    """Per-frame warps W_i = S_i o A_i^-1 (frame i -> stabilised view) as (n, 4) similarity params."""
    out = np.zeros_like(path)
    for i, ((x, y, a, ls), (xs, ys, as_, lss)) in enumerate(zip(path, smoothed, strict=True)):
        da, dls = as_ - a, lss - ls
        k = math.exp(dls)
        c, s = math.cos(da), math.sin(da)
        out[i] = (xs - k * (c * x - s * y), ys - k * (s * x + c * y), da, dls)
    return out


def matrix(w_params: Sequence[float], width: int, height: int, zoom: float = 1.0,
           unit_scale: float = 1.0) -> np.ndarray:
    """2x3 pixel-coordinate matrix for centred similarity params, then a centred ``zoom``.

    ``unit_scale`` rescales the translation when frames are smaller than the analysed ones.
    """
    tx, ty, a, ls = w_params
    k = zoom * math.exp(ls)
    c, s = k * math.cos(a), k * math.sin(a)
    cx, cy = width / 2.0, height / 2.0
    tx, ty = zoom * tx * unit_scale, zoom * ty * unit_scale
    return np.array([[c, -s, tx + cx - c * cx + s * cy], [s, c, ty + cy - s * cx - c * cy]], np.float64)


def crop_zoom(w_params: np.ndarray, width: int, height: int, max_zoom: float) -> float:
    """Smallest constant zoom (>= 1) that keeps every corrected frame free of borders.

    For each frame the output corners, mapped back through the warp, must land inside the
    source frame; the constraints are linear in 1/zoom. Capped at ``max_zoom``.
    """
    lx, ly = width / 2.0, height / 2.0
    corners = np.array([[-lx, -ly], [lx, -ly], [lx, ly], [-lx, ly]], np.float64)
    u = 1.0
    for tx, ty, a, ls in np.asarray(w_params, np.float64).reshape(-1, 4):
        inv = math.exp(-ls)
        c, s = inv * math.cos(-a), inv * math.sin(-a)
        rot = np.array([[c, -s], [s, c]])
        av = corners @ rot.T                   # p = u * av + b
        b = -(rot @ np.array([tx, ty]))
        for dim, lim in ((0, lx), (1, ly)):
            if abs(b[dim]) >= lim:
                return max_zoom
            for coef in av[:, dim]:
                if coef > 1e-12:
                    u = min(u, (lim - b[dim]) / coef)
                elif coef < -1e-12:
                    u = min(u, (lim + b[dim]) / -coef)
    if u <= 1.0 / max_zoom:
        return max_zoom
    return 1.0 / u


def highpass_rms(values: np.ndarray, sigma: float) -> float:
    """RMS of what a Gaussian low-pass removes: the jitter of a trajectory (for tests/bench)."""
    values = np.asarray(values, np.float64)
    return float(np.sqrt(np.mean((values - smooth(values, sigma)) ** 2)))
