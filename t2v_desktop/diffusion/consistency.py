"""Temporal consistency in pixel space (numpy/OpenCV, no torch): flow-guided fusion and deflicker.

The latent-space half (shared noise, cross-frame attention) is in ``attention.py``. Settings for all
of them live in ``ConsistencySettings`` so each can be switched off and is part of the cache key.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Callable, Optional, Sequence

import cv2
import numpy as np


@dataclass(frozen=True)
class ConsistencySettings:
    #: Every frame starts from the same noise (from the seed) instead of independent noise.
    shared_noise: bool = True
    #: UNet self-attention also attends to the anchor (first) frame and the previous frame.
    cross_frame_attention: bool = True
    #: Blend the previous edited frame, warped by the source's optical flow, where the flow is reliable.
    flow_fusion: bool = True
    flow_strength: float = 0.5
    #: Match each frame's colour statistics to a temporally smoothed curve.
    deflicker: bool = True
    deflicker_sigma: float = 3.0
    #: Frames per UNet batch; 0 = sized to free memory.
    chunk_size: int = 0
    #: Processing size as the side of a square of the same area (e.g. 512); 0 = the model's native size.
    resolution: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_env(cls, **overrides) -> "ConsistencySettings":
        """Defaults, overridden by env T2V_AI_<FIELD> (e.g. T2V_AI_FLOW_FUSION=0) and ``overrides``."""
        kw: dict = {}
        for name, default in asdict(cls()).items():
            raw = os.environ.get(f"T2V_AI_{name.upper()}")
            if raw is None:
                continue
            if isinstance(default, bool):
                kw[name] = raw.strip().lower() in ("1", "true", "yes", "on")
            else:
                kw[name] = type(default)(raw)
        kw.update(overrides)
        return cls(**kw)


def _gray(frame: np.ndarray, scale: float) -> np.ndarray:
    g = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if scale != 1.0:
        g = cv2.resize(g, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return g


def _flow(dis, a: np.ndarray, b: np.ndarray, scale: float, shape: tuple[int, int]) -> np.ndarray:
    """Flow from a to b (for each pixel of a, where it went in b) at full resolution."""
    f = dis.calc(a, b, None)
    if scale != 1.0:
        f = cv2.resize(f, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR) / scale
    return f


def _warp(img: np.ndarray, flow: np.ndarray) -> np.ndarray:
    h, w = flow.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(img, gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def flow_fuse(sources: Sequence[np.ndarray], edited: Sequence[np.ndarray], strength: float = 0.5,
              check: Optional[Callable[[], None]] = None) -> list[np.ndarray]:
    """Blend each edited frame with the previous (fused) edited frame warped along the source's flow.

    Flow is DIS on the *source* frames (the edit's own motion is unreliable). A pixel is blended only
    where forward-backward flow agrees and the warped source matches, so occlusions and new content
    keep the fresh edit.
    """
    out = [np.asarray(edited[0], np.uint8)]
    if len(edited) < 2 or strength <= 0:
        return [np.asarray(e, np.uint8) for e in edited]
    h, w = edited[0].shape[:2]
    scale = min(1.0, 512.0 / max(h, w))
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    prev_gray = _gray(sources[0], scale)
    for i in range(1, len(edited)):
        if check:
            check()
        cur_gray = _gray(sources[i], scale)
        back = _flow(dis, cur_gray, prev_gray, scale, (h, w))   # cur -> prev
        fwd = _flow(dis, prev_gray, cur_gray, scale, (h, w))    # prev -> cur
        err = np.linalg.norm(back + _warp(fwd, back), axis=2)
        photometric = np.abs(_warp(sources[i - 1], back).astype(np.int16) - sources[i].astype(np.int16)).mean(axis=2)
        reliable = ((err < 1.0 + 0.05 * np.linalg.norm(back, axis=2)) & (photometric < 20)).astype(np.float32)
        weight = cv2.GaussianBlur(reliable, (0, 0), 1.5)[..., None] * float(strength)
        warped = _warp(out[-1], back).astype(np.float32)
        fused = weight * warped + (1.0 - weight) * np.asarray(edited[i], np.float32)
        out.append(np.clip(fused + 0.5, 0, 255).astype(np.uint8))
        prev_gray = cur_gray
    return out


def deflicker(frames: Sequence[np.ndarray], sigma: float = 3.0) -> list[np.ndarray]:
    """Match each frame's per-channel mean/std to a Gaussian-smoothed curve over time."""
    if len(frames) < 3 or sigma <= 0:
        return [np.asarray(f, np.uint8) for f in frames]
    arr = [np.asarray(f, np.float32) for f in frames]
    mean = np.array([a.reshape(-1, 3).mean(axis=0) for a in arr])
    std = np.array([a.reshape(-1, 3).std(axis=0) for a in arr]) + 1e-3
    radius = max(1, int(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k /= k.sum()

    def smooth(x: np.ndarray) -> np.ndarray:
        padded = np.pad(x, ((radius, radius), (0, 0)), mode="edge")
        return np.stack([np.convolve(padded[:, c], k, mode="valid") for c in range(x.shape[1])], axis=1)

    m_s, s_s = smooth(mean), smooth(std)
    out = []
    for a, m, s, mt, st in zip(arr, mean, std, m_s, s_s, strict=True):
        gain = np.clip(st / s, 0.5, 2.0)
        out.append(np.clip((a - m) * gain + mt + 0.5, 0, 255).astype(np.uint8))
    return out


def mean_frame_difference(frames: Sequence[np.ndarray]) -> float:
    """Mean absolute difference between consecutive frames (0-255 scale): a flicker measure."""
    if len(frames) < 2:
        return 0.0
    return float(np.mean([np.abs(frames[i].astype(np.int16) - frames[i - 1].astype(np.int16)).mean()
                          for i in range(1, len(frames))]))
