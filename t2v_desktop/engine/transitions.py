"""Transition pictures and the audio crossfade: pure functions of two frames and a progress.

A Transition item makes its two clips overlap by its duration (model.py); during the overlap the
Renderer asks :func:`blend_transition` for each frame with progress 0 -> 1 (0 = all outgoing A,
1 = all incoming B), and the mixer fades the sound with :func:`crossfade_gains` (equal power, so a
crossfade between two uncorrelated sounds keeps its loudness).
"""

from __future__ import annotations

import math
from typing import Optional, Tuple

import cv2
import numpy as np

from ..errors import ParamError

TRANSITIONS: Tuple[Tuple[str, str], ...] = (
    ("dissolve", "cross-dissolve: the first shot fades into the second"),
    ("dip_black", "fade the first shot to black, then the second up from black"),
    ("dip_white", "fade the first shot to white, then the second up from white"),
    ("wipe_left", "an edge moves from right to left, uncovering the second shot"),
    ("wipe_right", "an edge moves from left to right, uncovering the second shot"),
    ("wipe_up", "an edge moves from bottom to top, uncovering the second shot"),
    ("wipe_down", "an edge moves from top to bottom, uncovering the second shot"),
    ("slide_left", "the second shot slides in from the right, pushing the first out to the left"),
    ("slide_right", "the second shot slides in from the left, pushing the first out to the right"),
    ("slide_up", "the second shot slides in from the bottom, pushing the first out at the top"),
    ("slide_down", "the second shot slides in from the top, pushing the first out at the bottom"),
)
TRANSITION_KINDS: Tuple[str, ...] = tuple(k for k, _ in TRANSITIONS)
DEFAULT_SOFTNESS = 0.02  # wipe edge feather, fraction of the frame's width (or height)


def blend_transition(kind: str, a: np.ndarray, b: np.ndarray, progress: float,
                     params: Optional[dict] = None) -> np.ndarray:
    """The frame ``progress`` (0..1) of the way from ``a`` to ``b`` (equal-size HxWx3 uint8).

    Returns a new array (``a`` and ``b`` are never written; at 0 and 1 a copy of ``a``/``b``).
    Wipes take ``params["softness"]``: the feathered edge's width as a fraction of the frame
    (0 = a hard edge; default 0.02). The edge's centre moves linearly with progress.
    """
    if kind not in TRANSITION_KINDS:
        raise ParamError(f"Unknown transition {kind!r}; use one of: {', '.join(TRANSITION_KINDS)}.")
    if a.shape != b.shape or a.ndim != 3 or a.dtype != np.uint8 or b.dtype != np.uint8:
        raise ParamError(f"A transition needs two frames of one size, got {a.shape} and {b.shape}.")
    p = float(progress)
    if not (math.isfinite(p) and 0.0 <= p <= 1.0):
        raise ParamError(f"Transition progress {progress} is outside 0..1.")
    params = params or {}
    if kind == "dissolve":
        return cv2.addWeighted(a, 1.0 - p, b, p, 0.0)
    if kind in ("dip_black", "dip_white"):
        level = 0 if kind == "dip_black" else 255
        src, w = (a, 1.0 - 2.0 * p) if p < 0.5 else (b, 2.0 * p - 1.0)
        return cv2.addWeighted(src, w, src, 0.0, level * (1.0 - w))
    if kind.startswith("wipe_"):
        soft = float(params.get("softness", DEFAULT_SOFTNESS))
        if not (math.isfinite(soft) and 0.0 <= soft <= 1.0):
            raise ParamError(f"Wipe softness {soft:g} is outside 0..1 (a fraction of the frame).")
        return _wipe(kind[5:], a, b, p, soft)
    return _slide(kind[6:], a, b, p)


def _wipe(direction: str, a, b, p: float, soft: float) -> np.ndarray:
    """B's weight along the wipe axis: 1 behind the edge, 0 ahead of it, a linear ramp ``soft``
    wide across it; the ramp's centre goes from just outside one side (p=0) to just outside the
    other (p=1), so the end frames are pure A and pure B."""
    horizontal = direction in ("left", "right")
    n = a.shape[1] if horizontal else a.shape[0]
    c = (np.arange(n, dtype=np.float32) + 0.5) / n  # pixel centres, 0..1 along the axis
    if direction in ("left", "up"):  # B comes in from the far side
        c = 1.0 - c
    if soft > 0:
        wb = np.clip((p * (1.0 + soft) - c) / soft, 0.0, 1.0)
    else:
        wb = (c < p).astype(np.float32)
    # B's part and the ramp are contiguous runs along the axis: plain slices, float only on the ramp
    out = a.copy()
    if not horizontal:  # rows: view the frames with the axis second, as for columns
        out, a, b = out.transpose(1, 0, 2), a.transpose(1, 0, 2), b.transpose(1, 0, 2)
    full = np.flatnonzero(wb >= 1.0)
    if full.size:
        out[:, full[0]:full[-1] + 1] = b[:, full[0]:full[-1] + 1]
    part = np.flatnonzero((wb > 0.0) & (wb < 1.0))
    if part.size:
        sl = slice(part[0], part[-1] + 1)
        w = wb[sl][None, :, None]
        out[:, sl] = np.rint(a[:, sl] * (1.0 - w) + b[:, sl] * w).astype(np.uint8)
    return out if horizontal else out.transpose(1, 0, 2)


def _slide(direction: str, a, b, p: float) -> np.ndarray:
    """B pushes A out: both move together by ``p`` of the frame (whole pixels)."""
    h, w = a.shape[:2]
    out = np.empty_like(a)
    if direction in ("left", "right"):
        s = int(round(p * w))
        if direction == "left":  # A exits left, B enters from the right
            out[:, :w - s] = a[:, s:]
            out[:, w - s:] = b[:, :s]
        else:
            out[:, s:] = a[:, :w - s]
            out[:, :s] = b[:, w - s:]
    else:
        s = int(round(p * h))
        if direction == "up":  # A exits at the top, B enters from the bottom
            out[:h - s] = a[s:]
            out[h - s:] = b[:s]
        else:
            out[s:] = a[:h - s]
            out[:s] = b[h - s:]
    return out


def crossfade_gains(progress) -> Tuple[np.ndarray, np.ndarray]:
    """Equal-power gains (outgoing, incoming) for progress 0..1: cos and sin of p*pi/2, so
    g_out**2 + g_in**2 == 1 at every sample."""
    p = np.clip(np.asarray(progress, dtype=np.float64), 0.0, 1.0)
    t = p * (math.pi / 2)
    return np.cos(t), np.sin(t)
