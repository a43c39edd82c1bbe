"""Splitting a frame range into overlapping chunks and cross-fading the overlaps back together.

Each chunk is rendered on its own (a different worker, a fresh pipeline), so two neighbours may
disagree a little where they meet; rendering a few frames twice and blending them linearly hides
the seam instead of cutting from one render to the other. Numpy only.
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np


def plan_chunks(n: int, size: int, overlap: int) -> List[Tuple[int, int]]:
    """Half-open ranges covering ``range(n)``: ``size`` frames each (the last may be shorter), each one
    starting ``overlap`` frames before its predecessor ends. One range when ``n <= size``."""
    if n <= 0:
        return []
    size = max(1, int(size))
    overlap = max(0, min(int(overlap), size - 1))
    if n <= size:
        return [(0, n)]
    step = size - overlap
    out: List[Tuple[int, int]] = []
    start = 0
    while True:
        end = min(n, start + size)
        out.append((start, end))
        if end >= n:
            return out
        start += step


def blend_chunks(ranges: Sequence[Tuple[int, int]], parts: Sequence[Sequence[np.ndarray]]) -> List[np.ndarray]:
    """The frames of ``range(ranges[-1][1])`` from the chunks' results: where two chunks overlap, a
    linear cross-fade from the earlier chunk to the later one (uint8 frames in and out)."""
    if len(ranges) != len(parts):
        raise ValueError("one result per chunk")
    n = ranges[-1][1] if ranges else 0
    out: List = [None] * n
    for (a, b), frames in zip(ranges, parts, strict=True):
        if len(frames) != b - a:
            raise ValueError(f"chunk {a}-{b} returned {len(frames)} frames")
        # the overlap with what is already there: frames a .. (first index still None)
        shared = 0
        while a + shared < b and out[a + shared] is not None:
            shared += 1
        for j in range(b - a):
            i = a + j
            f = np.asarray(frames[j], np.uint8)
            if j < shared:
                w = (j + 1) / (shared + 1)  # weight of the later chunk rises across the overlap
                mixed = out[i].astype(np.float32) * (1.0 - w) + f.astype(np.float32) * w
                out[i] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
            else:
                out[i] = f
    return out
