"""Shot boundaries (hard cuts) from decoded frames, streamed at low resolution.

Why this way: a cut is a jump in the picture's colour distribution; comparing each frame's HSV
histogram with the previous one at 160 px wide is cheap and holds one frame in memory at a time.
The threshold is adaptive (like PySceneDetect's AdaptiveDetector): a frame starts a shot when its
difference is both above an absolute floor and several times the recent average, so steady motion
does not cut. Fades are not detected yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, List, Tuple

import numpy as np


@dataclass
class Shot:
    start: float
    end: float
    kind: str  # 'start' | 'cut'


def _frames(path: str, width: int = 160) -> Iterator[Tuple[float, np.ndarray]]:
    import av

    with av.open(str(path)) as c:
        st = c.streams.video[0]
        st.thread_type = "AUTO"
        for fr in c.decode(st):
            h = max(2, int(round(fr.height * width / max(1, fr.width))) // 2 * 2)
            yield float(fr.time or 0.0), fr.to_ndarray(format="rgb24", width=width, height=h)


def _hist(rgb: np.ndarray) -> np.ndarray:
    f = rgb.astype(np.float32) / 255.0
    mx, mn = f.max(axis=2), f.min(axis=2)
    d = mx - mn
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    hue = np.where(d == 0, 0, np.where(mx == r, (g - b) / (d + 1e-9) % 6,
                                       np.where(mx == g, (b - r) / (d + 1e-9) + 2, (r - g) / (d + 1e-9) + 4))) / 6
    sat = np.where(mx > 0, d / (mx + 1e-9), 0)
    hs = [np.histogram(x, bins=16, range=(0, 1))[0] for x in (hue, sat, mx)]
    v = np.concatenate(hs).astype(np.float32)
    return v / max(1.0, float(v.sum()) / 3)


def detect_cuts(path: str, *, floor: float = 0.2, ratio: float = 3.0, window: int = 8) -> List[Shot]:
    """Shots of ``path`` split at hard cuts; times in seconds (start of the first frame of each shot)."""
    starts: List[float] = []
    prev = None
    recent: List[float] = []
    last_t = 0.0
    step = 0.0
    for t, rgb in _frames(path):
        h = _hist(rgb)
        if prev is None:
            starts.append(t)
        else:
            diff = float(np.abs(h - prev).sum()) / 6.0
            avg = float(np.mean(recent)) if recent else 0.0
            if diff > floor and diff > ratio * avg:
                starts.append(t)
                recent = []
            else:
                recent = (recent + [diff])[-window:]
            step = t - last_t
        prev, last_t = h, t
    end = last_t + step
    return [Shot(s, (starts[i + 1] if i + 1 < len(starts) else end), "start" if i == 0 else "cut")
            for i, s in enumerate(starts)]
