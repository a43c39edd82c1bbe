"""Shot boundaries (hard cuts, fades through black, dissolves) and per-shot motion, streamed at 160 px.

Why this way:
- A hard cut is a jump in the picture's colour distribution: each frame's HSV histogram is compared
  with the previous one; the threshold is adaptive (like PySceneDetect's AdaptiveDetector): above an
  absolute floor and several times the recent average, so steady motion does not cut.
- A gradual transition is a run of frames that each change a little (pixel difference of a 32-px
  copy above the recent baseline) for at most MAX_TRANSITION frames. It is a fade when the run dips
  to black (the cut is the first frame after the darkest one) and a dissolve when its frames are
  blends of the frames before and after it (each is close to A + w (B - A); the cut is the first frame
  with w >= 0.5). Camera motion also makes such runs, but its frames are not blends, so it does not cut.
- Motion: the mean pixel change per frame (still / slow / fast) and a pan estimate: the shift that
  best aligns the column profiles of three horizontal bands; a pan is when the bands agree (a single
  moving object moves one band only).
Memory: the frames of the last MAX_TRANSITION + 3 (32-px copies) plus one histogram; cuts are final
once a frame leaves that window, and its motion is added to its shot then.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Deque, Dict, Iterator, List, Optional, Tuple

import numpy as np

MAX_TRANSITION = 48     # frames: longer gradual change is motion, not a transition
BLACK = 0.07            # mean luma (0..1) at or below which a frame counts as black
DISSOLVE_MIN = 0.06     # mean pixel change (0..1) between the frames around a dissolve
SPIKE = 2.0             # a hard cut changes the picture this many times more than its neighbours
STILL, SLOW = 0.004, 0.03  # motion (pixel change per 25-fps frame) thresholds for the words
PAN_MIN = 0.03          # width fraction per second for "pan left/right"
PAN_FAST = 0.3          # a pan crossing this fraction of the width per second is "fast"


@dataclass
class Shot:
    start: float
    end: float
    kind: str  # 'start' | 'cut' | 'fade' | 'dissolve' (how the shot begins)
    motion: float = 0.0  # mean pixel change per 25-fps frame, 0..1
    dx: float = 0.0      # mean horizontal picture motion, width fraction per second (+: content moves right)
    motion_words: str = ""


@dataclass
class _Frame:
    i: int
    t: float
    small: np.ndarray  # float32 HxWx3 0..1, 32 px wide
    lum: float
    d: float           # mean |small - previous small|
    pan: Optional[float]  # px/frame at 160 px when the bands agree, else None


@dataclass
class _Acc:
    d: float = 0.0
    n: int = 0
    pans: List[float] = field(default_factory=list)


def _frames(path: str, width: int = 160) -> Iterator[Tuple[float, np.ndarray]]:
    import av

    with av.open(str(path)) as c:
        st = c.streams.video[0]
        st.thread_type = "AUTO"
        for fr in c.decode(st):
            h = max(2, int(round(fr.height * width / max(1, fr.width))) // 2 * 2)
            yield float(fr.time or 0.0), fr.to_ndarray(format="rgb24", width=width, height=h)


def _duration(path: str) -> float:
    import av

    try:
        with av.open(str(path)) as c:
            st = c.streams.video[0]
            if st.duration and st.time_base:
                return float(st.duration * st.time_base)
            return float(c.duration or 0) / 1e6
    except Exception:  # noqa: BLE001 - only used for progress
        return 0.0


def _hist(rgb: np.ndarray) -> np.ndarray:
    """16-bin hue, saturation and value histograms (each sums to 1); PIL's C HSV conversion, ~1 ms."""
    from PIL import Image

    q = (np.asarray(Image.fromarray(rgb).convert("HSV")) >> 4).reshape(-1, 3)
    v = np.concatenate([np.bincount(q[:, k], minlength=16) for k in range(3)]).astype(np.float32)
    return v / max(1.0, float(v.sum()) / 3)


def _small(rgb: np.ndarray, k: int = 5) -> np.ndarray:
    h, w = rgb.shape[0] // k * k, rgb.shape[1] // k * k
    a = rgb[:h, :w].astype(np.float32).reshape(h // k, k, w // k, k, 3).mean(axis=(1, 3))
    return a / 255.0


def _profiles(rgb: np.ndarray) -> List[np.ndarray]:
    lum = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    bands = np.array_split(lum, 3, axis=0)
    return [b.mean(axis=0) for b in bands]


def _band_shift(prev: np.ndarray, cur: np.ndarray, most: int = 8) -> Optional[int]:
    """The shift s (px) with cur[x] ~ prev[x - s], or None when the band has no texture to tell."""
    if float(cur.std()) < 2.0 or float(prev.std()) < 2.0:
        return None
    n = cur.size
    # errs[most + s] = mean |cur[x] - prev[x - s]| over the central columns, for s in -most..most
    win = np.lib.stride_tricks.sliding_window_view(prev, n - 2 * most)[::-1]
    errs = np.abs(win - cur[most:n - most]).mean(axis=1).tolist()
    best = int(np.argmin(errs))
    if errs[best] > 0.7 * errs[most] or errs[most] < 0.5:  # no clear gain over "not moved"
        return 0 if errs[most] < 0.5 else None
    return best - most


def _pan(prev: List[np.ndarray], cur: List[np.ndarray]) -> Optional[float]:
    shifts = [s for s in (_band_shift(p, c) for p, c in zip(prev, cur, strict=True)) if s is not None]
    if len(shifts) >= 2 and (all(s > 0 for s in shifts) or all(s < 0 for s in shifts)):
        return float(np.mean(shifts))
    return 0.0 if shifts else None


def _luma(small: np.ndarray) -> float:
    return float((small @ np.array([0.299, 0.587, 0.114], np.float32)).mean())


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


class _Detector:
    def __init__(self, floor: float, ratio: float, window: int) -> None:
        self.floor, self.ratio, self.window = floor, ratio, window
        self.buf: Deque[_Frame] = deque()
        self.cuts: List[Tuple[int, float, str]] = []  # (frame index, time, kind), sorted
        self.acc: Dict[int, _Acc] = {}
        self.prev_hist = None
        self.prev_prof = None
        self.recent: List[float] = []
        self.quiet: Deque[float] = deque(maxlen=16)
        self.run_start: Optional[int] = None  # frame index; -1: a long change being ignored
        self.pending_black: Optional[Tuple[int, float]] = None  # fade-out start, darkest luma since
        self.candidate: Optional[int] = None  # a hard cut waiting for the next frame's change
        self.run_ds: List[float] = []  # the changes of the current run (at most MAX_TRANSITION)
        self.spans: List[Tuple[int, int]] = []  # gradual transitions whose frames are not settled yet
        self.fps = 25.0

    def feed(self, i: int, t: float, rgb: np.ndarray) -> None:
        h = _hist(rgb)
        small = _small(rgb)
        prof = _profiles(rgb)
        prev = self.buf[-1] if self.buf else None
        d = _dist(small, prev.small) if prev is not None and prev.small.shape == small.shape else 0.0
        pan = _pan(self.prev_prof, prof) if self.prev_prof is not None else None
        fr = _Frame(i, t, small, _luma(small), d, pan)
        self.buf.append(fr)
        if self.prev_hist is None:
            self._add_cut(i, t, "start")
        else:
            if self.candidate is not None:  # a hard cut is a spike of change, not a step of a fade
                c = self._at(self.candidate)
                before = self._at(self.candidate - 1)
                if c is not None and c.d > SPIKE * max(fr.d, before.d if before is not None else 0.0):
                    self._add_cut(c.i, c.t, "cut")
                self.candidate = None
            diff = float(np.abs(h - self.prev_hist).sum()) / 6.0
            avg = float(np.mean(self.recent)) if self.recent else 0.0
            if diff > self.floor and diff > self.ratio * avg:
                self.candidate = i
                self.recent = []
            else:
                self.recent = (self.recent + [diff])[-self.window:]
            self._gradual(fr)
            if self.pending_black is not None:
                self._black_hold(fr)
        self.prev_hist, self.prev_prof = h, prof
        while len(self.buf) > MAX_TRANSITION + 3:
            self._settle(self.buf.popleft())

    # -- gradual transitions --------------------------------------------------------------------
    def _black_hold(self, fr: _Frame) -> None:
        """After a fade out to black: the next shot starts with the first frame brighter than the black."""
        s, darkest = self.pending_black
        if fr.lum > darkest + 0.008:
            self.pending_black = None
            self._place(s, fr.i, fr.i, "fade")
        elif fr.i - s > 10 * MAX_TRANSITION:
            self.pending_black = None  # a long black stretch is a shot of its own (hard cuts split it)
        else:
            self.pending_black = (s, min(darkest, fr.lum))

    def _gradual(self, fr: _Frame) -> None:
        if self.run_start is None and len(self.quiet) < 4:  # learn the shot's own change first
            self.quiet.append(fr.d)
            return
        base = float(np.median(self.quiet))
        low = max(0.008, 3.0 * base)
        # hysteresis: a slow dissolve stays one run, but a run ends when the change falls well below its own
        cont = max(0.5 * low, 0.008, 0.3 * float(np.median(self.run_ds))) if self.run_ds else low
        if fr.d > (low if self.run_start is None else cont):
            if self.run_start is None:
                self.run_start = fr.i
                self.run_ds = []
            elif self.run_start >= 0 and fr.i - self.run_start >= MAX_TRANSITION:
                self.run_start = -1  # too long for a transition: motion, which becomes the baseline
            if self.run_start == -1:
                self.quiet.append(fr.d)
            else:
                self.run_ds.append(fr.d)
            return
        self.quiet.append(fr.d)
        if self.run_start is not None and self.run_start >= 0:
            self._run(self.run_start, fr.i - 1)
        self.run_start = None
        self.run_ds = []

    def _at(self, i: int) -> Optional[_Frame]:
        k = i - self.buf[0].i
        return self.buf[k] if 0 <= k < len(self.buf) else None

    def _run(self, s: int, e: int) -> None:
        a, b = self._at(s - 1), self._at(e)
        if a is None or b is None:
            return
        span = [self._at(j) for j in range(s - 1, e + 1)]
        lums = [f.lum for f in span]
        low = min(lums)
        if b.lum <= BLACK:
            if a.lum > BLACK + 0.05 and self.pending_black is None:  # fade out into a held black
                self.pending_black = (s, b.lum)
            return
        if a.lum <= BLACK:  # fading in from black: cut (if any) placed by _black_hold
            return
        if low <= BLACK and a.lum > low + 0.05 and b.lum > low + 0.05:
            k = max(j for j, v in enumerate(lums) if v <= low + 0.005)
            self._place(s, e, span[k].i + 1, "fade")
            return
        if e - s + 1 < 3:
            return
        if a.small.shape != b.small.shape:  # the picture size changed mid-stream
            return
        total = _dist(a.small, b.small)
        if total < DISSOLVE_MIN:
            return
        ab = (b.small - a.small).ravel()
        den = float(ab @ ab)
        ws = []
        for f in span[1:-1]:
            if f.small.shape != a.small.shape:
                return
            w = float((f.small - a.small).ravel() @ ab) / den
            if _dist(f.small, a.small + w * (b.small - a.small)) > 0.3 * total:
                return  # not a blend of the frames around it: motion
            ws.append(w)
        if ws[-1] - ws[0] < 0.3:
            return
        cut = next((span[1 + j].i for j, w in enumerate(ws) if w >= 0.5), e)
        self._place(s, e, cut, "dissolve")

    def _place(self, s: int, e: int, at: int, kind: str) -> None:
        """A gradual transition over frames s..e cuts at ``at``: hard cuts inside it are dropped."""
        self.cuts = [c for c in self.cuts if not (s <= c[0] <= e and c[2] != "start")]
        self.spans.append((s, e))  # its frames are not the shots' own motion
        fr = self._at(at)
        if fr is not None:
            self._add_cut(at, fr.t, kind)

    def _last_cut_at_or_before(self, i: int) -> int:
        """Index into cuts; scans back from the end: only the few cuts inside the window can be later."""
        k = len(self.cuts) - 1
        while k > 0 and self.cuts[k][0] > i:
            k -= 1
        return k

    def _add_cut(self, i: int, t: float, kind: str) -> None:
        k = self._last_cut_at_or_before(i) + 1 if self.cuts else 0
        if k > 0 and self.cuts[k - 1][0] == i:
            return
        self.cuts.insert(k, (i, t, kind))  # the first cut is frame 0 ("start"): nothing goes before it

    # -- motion ---------------------------------------------------------------------------------
    def _settle(self, fr: _Frame) -> None:
        start = self.cuts[self._last_cut_at_or_before(fr.i)][0]
        acc = self.acc.setdefault(start, _Acc())
        while self.spans and self.spans[0][1] < fr.i:
            self.spans.pop(0)
        if fr.i != start and not any(s <= fr.i <= e for s, e in self.spans):  # a cut's change is no motion
            acc.d += fr.d
            acc.n += 1
            if fr.pan is not None:
                acc.pans.append(fr.pan)

    def finish(self, end: float, width: int = 160) -> List[Shot]:
        if self.candidate is not None:
            c, before = self._at(self.candidate), self._at(self.candidate - 1)
            if c is not None and c.d > SPIKE * (before.d if before is not None else 0.0):
                self._add_cut(c.i, c.t, "cut")
        while self.buf:
            self._settle(self.buf.popleft())
        shots = []
        for n, (i, t, kind) in enumerate(self.cuts):
            acc = self.acc.get(i, _Acc())
            motion = min(1.0, acc.d / acc.n * self.fps / 25.0) if acc.n else 0.0
            moving = [p for p in acc.pans if p != 0.0]
            dx = float(np.mean(moving)) * self.fps / width if moving else 0.0
            words = ["still" if motion < STILL else "slow" if motion < SLOW else "fast"]
            if acc.n and len(moving) >= 0.5 * acc.n and abs(dx) >= PAN_MIN:  # speed of a pan: how far it goes
                words = ["slow" if abs(dx) < PAN_FAST else "fast",
                         "pan right" if dx < 0 else "pan left"]  # content moving left = camera right
            shots.append(Shot(t, self.cuts[n + 1][1] if n + 1 < len(self.cuts) else end,
                              kind, round(motion, 5), round(dx, 5), " ".join(words)))
        return shots


def detect_shots(path, *, floor: float = 0.2, ratio: float = 3.0, window: int = 8, cancel=None,
                 progress: Optional[Callable[[float, float], None]] = None) -> List[Shot]:
    """Shots of ``path`` with how each begins and its motion; times in seconds (start of the first
    frame of each shot). ``progress(seconds done, duration)``; ``cancel`` checked every 25 frames."""
    from ..jobs import check

    det = _Detector(floor, ratio, window)
    dur = _duration(str(path)) if progress else 0.0
    first_t, last_t, step, n = 0.0, 0.0, 0.0, 0
    for i, (t, rgb) in enumerate(_frames(str(path))):
        if i % 25 == 0:
            check(cancel)
            if progress:
                progress(t, dur)
        if i:
            step = t - last_t
        else:
            first_t = t
        det.feed(i, t, rgb)
        last_t, n = t, i + 1
    if not det.cuts:
        return []
    if n > 1 and last_t > first_t:
        det.fps = (n - 1) / (last_t - first_t)  # mean rate: motion per frame is scaled to 25 fps
    return det.finish(last_t + step)


def detect_cuts(path: str, *, floor: float = 0.2, ratio: float = 3.0, window: int = 8) -> List[Shot]:
    """Shots of ``path`` split at hard cuts, fades and dissolves (see detect_shots)."""
    return detect_shots(path, floor=floor, ratio=ratio, window=window)
