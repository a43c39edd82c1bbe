"""Camera-motion helpers for stabilize: tracking and scene cuts, path algebra, zero-lag smoothing
and the crop-bounded bend of a smoothed path.

Kept apart from ops/stabilize.py so the analysis (expensive, cached) and the smoothing
(cheap, per strength) stay separate, and so benchmarks can measure motion the same way.

Motion is a similarity transform in *centred* pixel coordinates (origin at the image
centre): ``p' = s R(a) p + (dx, dy)``. Centring decouples rotation from translation, so
smoothing the four parameters independently behaves like a real camera.
"""

from __future__ import annotations

import math
from typing import Iterable, List, Optional, Sequence, Tuple

from ..lazy import lazy

cv2 = lazy("cv2")
np = lazy("numpy")

#: Width the analysis works at; motion is scaled back to full size.
ANALYSIS_WIDTH = 480
MAX_CORNERS = 128
MIN_INLIERS = 4
GRID = 4
#: RANSAC inlier distance at analysis size; retried looser when too few points agree (blur).
RANSAC_PX = (0.7, 2.0)
#: Points whose shifts differ by less than this (analysis px) move together for seeding.
SHIFT_GROUP_PX = 0.8
#: How many shift groups seed a background fit.
MAX_SEEDS = 5
#: When the largest group's fit explains this share of the points, the other seeds are not tried.
CLEAR_MAJORITY = 0.85
#: A point belongs to the background fit when it lands this close to its prediction.
GROW_PX = 1.0
#: A new shot starts where consecutive 32x18 thumbnails differ (1 - correlation above CUT_SCORE)
#: *and* almost no tracked point follows the background fit (share below CUT_SHARE). Within a
#: shot even whip pans and blur keep a third of the points; at the cuts of real footage ~1% agree.
CUT_SCORE = 0.3
CUT_SHARE = 0.12
#: ... or where the previous frame, moved by the fitted motion, still does not match this one (a
#: new shot of the same railing can fool the fit: bikes.mp4 frame 187, 1 - correlation 0.87; fast
#: moves with a car crossing stay below 0.46).
CUT_WARPED = 0.6
#: Tracked background points are reused for the next frame (corner detection is the tracker's
#: dearest step) until fewer than this share of the detected ones survive, or for at most
#: REDETECT_EVERY frames.
REUSE_SHARE = 0.6
REDETECT_EVERY = 20
#: Lucas-Kanade window (px at analysis size): 11 tracks as well as 15 here at 55% of the cost.
LK_WIN = (11, 11)
#: How many smoothing lengths from a violation ``bounded`` lets the bend reach (a free bend has
#: decayed to ~5% there; the window's edges hold it at zero smoothly).
BEND_REACH = 4
#: Most active-set steps of ``bounded`` (then the path is clipped into the bound).
MAX_PIN_STEPS = 200

Motion = Tuple[float, float, float, float]  # dx, dy, angle (rad), log scale
IDENTITY: Motion = (0.0, 0.0, 0.0, 0.0)


def to_small_grey(frame: np.ndarray, width: int = ANALYSIS_WIDTH) -> Tuple[np.ndarray, float]:
    """Grey frame downscaled to ``width`` (never upscaled); returns it and full/small scale."""
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) if frame.ndim == 3 else frame
    h, w = grey.shape[:2]
    if w <= width:
        return grey, 1.0
    scale = w / float(width)
    # below 2x bilinear reads every source pixel anyway, at a third of INTER_AREA's cost
    how = cv2.INTER_LINEAR if scale < 2.0 else cv2.INTER_AREA
    small = cv2.resize(grey, (width, max(1, int(round(h / scale)))), interpolation=how)
    return small, scale


class MotionTracker:
    """Frame-to-frame background motion (similarity) from sparse KLT tracks, and scene cuts.

    Feed frames in order with ``push`` (or ``step``); each call returns the motion from the
    previous frame (identity for the first frame, flat frames, failed tracking and cuts).
    """

    def __init__(self, width: int = ANALYSIS_WIDTH, roi: Optional[float] = None) -> None:
        self.width = width
        self.roi = roi  # fraction of the frame (centred) to take features from; None = all
        self._prev: Optional[np.ndarray] = None
        self._pts: Optional[np.ndarray] = None
        self._thumb: Optional[np.ndarray] = None
        self._detected = self._age = 0

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
        return self.step(frame)[0]

    def step(self, frame: np.ndarray) -> Tuple[Motion, bool]:
        """(motion from the previous frame, whether this frame starts a new shot)."""
        grey, scale = to_small_grey(frame, self.width)
        prev, pts = self._prev, self._pts
        thumb = _thumb(grey)
        score = _cut_score(self._thumb, thumb) if prev is not None else 0.0
        self._prev, self._thumb = grey, thumb
        if prev is None or prev.shape != grey.shape:
            self._redetect(grey)
            return IDENTITY, prev is not None
        share, m, kept = 0.0, None, None
        if pts is not None and len(pts) >= MIN_INLIERS:
            nxt, status, _err = cv2.calcOpticalFlowPyrLK(prev, grey, pts, None, winSize=LK_WIN, maxLevel=3)
            if nxt is not None:
                ok = status.reshape(-1) == 1
                found = _dominant(pts[ok].reshape(-1, 2), nxt[ok].reshape(-1, 2))
                if found is not None:
                    m, inliers = found
                    share = int(inliers.sum()) / float(len(pts))
                    kept = nxt[ok][inliers]
        cut = score > CUT_SCORE and (share < CUT_SHARE or m is None or _warped_score(prev, grey, m) > CUT_WARPED)
        # keep tracking the background points while enough survive; fresh corners now and then
        self._age += 1
        if cut or kept is None or len(kept) < REUSE_SHARE * self._detected or self._age >= REDETECT_EVERY:
            self._redetect(grey)
        else:
            self._pts = np.ascontiguousarray(kept, np.float32).reshape(-1, 1, 2)
        if cut:
            return IDENTITY, True
        if m is None:
            return IDENTITY, False
        h, w = grey.shape
        return _centred_motion(m, w, h, scale), False

    def _redetect(self, grey: np.ndarray) -> None:
        self._pts = self._detect(grey)
        self._detected = 0 if self._pts is None else len(self._pts)
        self._age = 0


def _thumb(grey: np.ndarray) -> Optional[np.ndarray]:
    """A 32x18 zero-mean unit-norm thumbnail (None for a flat frame)."""
    t = cv2.resize(grey, (32, 18), interpolation=cv2.INTER_AREA).astype(np.float64).ravel()
    t -= t.mean()
    norm = float(np.linalg.norm(t))
    return t / norm if norm > 1e-6 * t.size else None


def _warped_score(prev: np.ndarray, grey: np.ndarray, m: np.ndarray) -> float:
    """1 - correlation of ``grey`` with ``prev`` moved by ``m``, over their overlap (2 if none)."""
    h, w = grey.shape
    moved = cv2.warpAffine(prev, m, (w, h), flags=cv2.INTER_LINEAR)
    valid = cv2.warpAffine(np.ones_like(prev), m, (w, h), flags=cv2.INTER_NEAREST) > 0
    if valid.sum() < 0.1 * valid.size:
        return 2.0
    a, b = moved[valid].astype(np.float64), grey[valid].astype(np.float64)
    a -= a.mean()
    b -= b.mean()
    den = math.sqrt(float(a @ a) * float(b @ b))
    return float(1.0 - (a @ b) / den) if den > 1e-9 else 0.0


def _cut_score(a: Optional[np.ndarray], b: Optional[np.ndarray]) -> float:
    """1 - correlation of two thumbnails: ~0 within a shot (blind to gain), up to 2 at a new one."""
    if a is None or b is None:
        return 0.0 if a is None and b is None else 1.0
    return float(1.0 - np.dot(a, b))


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
    """The background's similarity (2x3) between two point sets, or None (see ``_dominant``)."""
    found = _dominant(src, dst)
    return None if found is None else found[0]


def _dominant(src: np.ndarray, dst: np.ndarray) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """The background's similarity (2x3) between two point sets and its inlier mask, or None.

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
    fx, fy = flow[:, 0], flow[:, 1]
    near = (fx[:, None] - fx[None, :]) ** 2 + (fy[:, None] - fy[None, :]) ** 2 < SHIFT_GROUP_PX ** 2
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
    robust = not groups
    if robust:  # shifts all differ (strong zoom or roll): let RANSAC seed the fit
        groups.append(np.ones(n, bool))
    best = None
    for seed in groups:
        grown = _grow(src, dst, seed, robust)
        if grown is not None:
            m, inl = grown
            if best is None and inl.sum() >= CLEAR_MAJORITY * n:
                return m, inl  # the rest could not cover more of a grid-spread frame
            score = (_hull_area(dst[inl]), int(inl.sum()))
            if best is None or score > best[0]:
                best = (score, m, inl)
    return None if best is None else (best[1], best[2])


def _refit(src: np.ndarray, dst: np.ndarray) -> Optional[np.ndarray]:
    """Least-squares similarity on points that already agree, refitted on those within RANSAC_PX[0]."""
    m = _ls_similarity(src, dst)
    if m is None:
        return None
    close = np.linalg.norm(src @ m[:, :2].T + m[:, 2] - dst, axis=1) < RANSAC_PX[0]
    if MIN_INLIERS <= close.sum() < len(src):
        m = _ls_similarity(src[close], dst[close]) if close.sum() >= MIN_INLIERS else m
    return m


def _ls_similarity(src: np.ndarray, dst: np.ndarray) -> Optional[np.ndarray]:
    """Least-squares similarity (2x3) mapping ``src`` onto ``dst`` (closed form), or None."""
    ms, md = src.mean(0), dst.mean(0)
    a, b = src - ms, dst - md
    den = float((a * a).sum())
    if den < 1e-9:
        return None
    c = float((a * b).sum()) / den
    s = float((a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum()) / den
    t = md - np.array([c * ms[0] - s * ms[1], s * ms[0] + c * ms[1]])
    return np.array([[c, -s, t[0]], [s, c, t[1]]])


def _grow(src: np.ndarray, dst: np.ndarray, inl: np.ndarray, robust: bool = False):
    """Fit on ``inl``, take in every point the fit explains, refit; (model, inliers) or None.

    Least squares (trimmed) throughout: a seed's points already share one shift, and grown
    points agree within GROW_PX. RANSAC first only when ``robust`` (a seed of all points).
    """
    m = None
    for step in range(4):
        m = _fit(src[inl], dst[inl])[0] if step == 0 and robust else _refit(src[inl], dst[inl])
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


def trajectory(motions: np.ndarray) -> np.ndarray:
    """The camera path of one shot: (n, 4) of (x, y, angle, log scale), first row zero.

    Roll and zoom are running sums; each frame's shift is turned back by the roll and zoom
    reached so far before it is summed, so x, y are where the shot's first view has moved to
    in that view's own axes. Composing about the first frame's centre instead would swing a long
    pan's path with every roll tremor and spend the crop's margin on it.
    """
    m = np.array(motions, np.float64).reshape(-1, 4)
    if not len(m):
        return m
    m[0] = 0.0
    ang, ls = np.cumsum(m[:, 2]), np.cumsum(m[:, 3])
    k, c, s = np.exp(-ls), np.cos(ang), np.sin(ang)
    ux = k * (c * m[:, 0] + s * m[:, 1])
    uy = k * (-s * m[:, 0] + c * m[:, 1])
    return np.stack([np.cumsum(ux), np.cumsum(uy), ang, ls], 1)


def path_correction(smooth: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """Per-frame warps (tx, ty, angle, log scale about the centre) taking each frame of ``raw``
    onto ``smooth`` (both ``trajectory`` paths): shifts come back into the frame's axes."""
    d = np.asarray(smooth, np.float64) - np.asarray(raw, np.float64)
    k, c, s = np.exp(smooth[:, 3]), np.cos(smooth[:, 2]), np.sin(smooth[:, 2])
    return np.stack([k * (c * d[:, 0] - s * d[:, 1]), k * (s * d[:, 0] + c * d[:, 1]), d[:, 2], d[:, 3]], 1)


def _pentadiag(n: int, eps: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Diagonals (0, 1, 2) of D2'D2 + eps I, D2 the (n-2, n) second-difference matrix.

    All three have length n (zero-padded at the end) so they can be indexed by any row.
    """
    d0, d1, d2 = np.full(n, eps), np.zeros(n), np.zeros(n)
    if n >= 3:
        for a, wa in enumerate((1.0, -2.0, 1.0)):
            d0[a:a + n - 2] += wa * wa
        d1[0:n - 2] += -2.0
        d1[1:n - 1] += -2.0
        d2[:n - 2] = 1.0
    return d0, d1, d2


def _qmul(v: np.ndarray, eps: float) -> np.ndarray:
    out = eps * v
    if len(v) >= 3:
        u = v[:-2] - 2.0 * v[1:-1] + v[2:]
        out[:-2] += u
        out[1:-1] -= 2.0 * u
        out[2:] += u
    return out


def _solve_band(e0: np.ndarray, e1: np.ndarray, e2: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve a symmetric positive definite pentadiagonal system (LDL', O(n))."""
    m = len(e0)
    dd, l1, l2 = [0.0] * m, [0.0] * m, [0.0] * m
    y = [0.0] * m
    e0l, e1l, e2l, bl = e0.tolist(), e1.tolist(), e2.tolist(), b.tolist()
    for k in range(m):
        a2 = e2l[k - 2] / dd[k - 2] if k >= 2 else 0.0
        a1 = ((e1l[k - 1] - a2 * l1[k - 1] * dd[k - 2]) / dd[k - 1]) if k >= 1 else 0.0
        d = e0l[k] - a1 * a1 * (dd[k - 1] if k >= 1 else 0.0) - a2 * a2 * (dd[k - 2] if k >= 2 else 0.0)
        dd[k], l1[k], l2[k] = d, a1, a2
        y[k] = bl[k] - a1 * (y[k - 1] if k >= 1 else 0.0) - a2 * (y[k - 2] if k >= 2 else 0.0)
    x = [0.0] * m
    for k in range(m - 1, -1, -1):
        v = y[k] / dd[k]
        if k + 1 < m:
            v -= l1[k + 1] * x[k + 1]
        if k + 2 < m:
            v -= l2[k + 2] * x[k + 2]
        x[k] = v
    return np.array(x)


def bounded(smoothed: np.ndarray, raw: np.ndarray, bound, length: float) -> np.ndarray:
    """``smoothed`` bent as little and as smoothly as possible to stay within ``bound`` of ``raw``
    (``bound``: a number, or one per frame).

    Solves min |D2 c|^2 + |c|^2 / length^4 subject to |smoothed + c - raw| <= bound, a box-
    constrained QP on one channel, by a primal active-set method (start from the clipped path,
    pin frames at their bound, step towards the pinned optimum until a frame hits its bound,
    release pins that pull the wrong way; one pentadiagonal solve per step). Where the smooth
    path keeps within the bound, c = 0 and nothing changes; elsewhere c is a bent beam that
    touches the bound at few frames, so no shake leaks back in and the path follows an
    intended move (a pan start or stop) only as far as the bound requires.
    """
    g = np.asarray(smoothed, np.float64)
    r = np.asarray(raw, np.float64)
    lo, hi = r - bound - g, r + bound - g
    bad = (lo > 0) | (hi < 0)
    if not bad.any():
        return g.copy()
    # the bend dies out within a few ``length``s (a beam on an elastic bed): solve each stretch of
    # violations with BEND_REACH lengths either side on its own, held at c = 0 by two frames at
    # each inner edge (so value and slope stay continuous), so long shots stay cheap
    n = len(g)
    pad = int(BEND_REACH * max(length, 1.0)) + 2
    edges = np.flatnonzero(np.diff(np.r_[0, np.convolve(bad, np.ones(2 * pad + 1), "same") > 0, 0]))
    c = np.zeros(n)
    tol = 1e-7 * max(float(np.max(bound)), 1e-3)
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        a2, b2 = max(a - 2, 0), min(b + 2, n)
        wlo, whi = lo[a2:b2].copy(), hi[a2:b2].copy()
        wlo[:a - a2] = whi[:a - a2] = 0.0
        if b2 > b:
            wlo[b - b2:] = whi[b - b2:] = 0.0
        c[a2:b2] = _bend(wlo, whi, 1.0 / max(length, 1.0) ** 4, tol)
    return g + np.clip(c, lo, hi)


def _bend(lo: np.ndarray, hi: np.ndarray, eps: float, tol: float) -> np.ndarray:
    """argmin |D2 c|^2 + eps |c|^2 subject to lo <= c <= hi (primal active set)."""
    n = len(lo)
    d0, d1, d2 = _pentadiag(n, eps)
    c = np.clip(np.zeros(n), lo, hi)
    up, down = hi < 0, lo > 0
    for _ in range(MAX_PIN_STEPS):
        act = up | down
        target = np.where(up, hi, np.where(down, lo, 0.0))
        free = np.flatnonzero(~act)
        if len(free):
            gap1 = np.diff(free)
            e1 = np.where(gap1 == 1, d1[free[:-1]], np.where(gap1 == 2, d2[free[:-1]], 0.0))
            e2 = np.where(free[2:] - free[:-2] == 2, d2[free[:-2]], 0.0)
            target[free] = _solve_band(d0[free], e1, e2, -_qmul(target, eps)[free])
        step = target - c
        if np.abs(step).max() <= tol:
            force = -_qmul(c, eps)  # the pins' multipliers: >= 0 at an upper pin, <= 0 at a lower one
            wrong = (up & (force < -tol)) | (down & (force > tol))
            if not wrong.any():
                break
            up &= ~wrong
            down &= ~wrong
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            room = np.where(step > tol, (hi - c) / step, np.where(step < -tol, (lo - c) / step, np.inf))
        alpha = float(min(1.0, room.min()))
        c = np.clip(c + alpha * step, lo, hi)
        if alpha < 1.0:
            hit = room <= alpha + 1e-12
            up |= hit & (step > 0)
            down |= hit & (step < 0)
    return np.clip(c, lo, hi)


def margins(zoom: float, width: int, height: int, slack: float = 0.97) -> Tuple[float, float, float, float]:
    """(margin x, margin y, half-width, half-height) in px of a centred ``zoom`` crop window."""
    hx, hy = width / 2.0 / zoom, height / 2.0 / zoom
    return slack * (width / 2.0 - hx), slack * (height / 2.0 - hy), hx, hy


def bounded_correction(smooth: np.ndarray, raw: np.ndarray, zoom: float, width: int, height: int,
                       length: float, slack: float = 0.97) -> np.ndarray:
    """``smooth`` (n, 4 path) bent so its correction ``smooth - raw`` fits a ``zoom`` crop.

    Roll and zoom are bent first, within 30% of the vertical and 20% of the horizontal margin;
    the shifts then get, frame by frame, what the roll and zoom of that frame leave (small-angle
    estimates of the corners' travel; ``crop_zoom`` gives the exact zoom afterwards).
    """
    mx, my, hx, hy = margins(zoom, width, height, slack)
    out = np.array(smooth, np.float64)
    out[:, 2] = bounded(smooth[:, 2], raw[:, 2], 0.3 * my / hx, length)
    out[:, 3] = bounded(smooth[:, 3], raw[:, 3], 0.2 * mx / hx, length)
    ca, cs = np.abs(out[:, 2] - raw[:, 2]), np.abs(out[:, 3] - raw[:, 3])
    out[:, 0] = bounded(smooth[:, 0], raw[:, 0], np.maximum(mx - ca * hy - cs * hx, 0.0), length)
    out[:, 1] = bounded(smooth[:, 1], raw[:, 1], np.maximum(my - ca * hx - cs * hy, 0.0), length)
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
    p = np.asarray(w_params, np.float64).reshape(-1, 4)
    if not len(p):
        return 1.0
    inv = np.exp(-p[:, 3])
    c, s = inv * np.cos(-p[:, 2]), inv * np.sin(-p[:, 2])
    bx, by = -(c * p[:, 0] - s * p[:, 1]), -(s * p[:, 0] + c * p[:, 1])   # p = u * av + b
    if (np.abs(bx) >= lx).any() or (np.abs(by) >= ly).any():
        return max_zoom
    u = 1.0
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        for coef, b, lim in ((c * sx * lx - s * sy * ly, bx, lx), (s * sx * lx + c * sy * ly, by, ly)):
            room = np.where(coef > 1e-12, (lim - b) / np.where(coef > 1e-12, coef, 1.0),
                            np.where(coef < -1e-12, (lim + b) / np.where(coef < -1e-12, -coef, 1.0), np.inf))
            u = min(u, float(room.min()))
    if u <= 1.0 / max_zoom:
        return max_zoom
    return 1.0 / u


def highpass_rms(values: np.ndarray, sigma: float) -> float:
    """RMS of what a Gaussian low-pass removes: the jitter of a trajectory (for tests/bench)."""
    values = np.asarray(values, np.float64)
    return float(np.sqrt(np.mean((values - smooth(values, sigma)) ** 2)))
