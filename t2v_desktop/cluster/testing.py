"""A render stand-in for tests of the cluster path: importable on every worker (it lives in the
package), slow on purpose, reporting progress per frame, so progress inside tasks and cancel of
running tasks can be watched without a model."""

from __future__ import annotations

import time

import numpy as np

from ..jobs import check, no_progress


def slow_render(frames, *, progress=no_progress, cancel=None, delay: float = 0.1, gain: int = 50):
    """Every frame brighter by ``gain``, one every ``delay`` seconds."""
    out = []
    for i, f in enumerate(frames):
        check(cancel)
        time.sleep(delay)
        out.append(np.clip(np.asarray(f, np.int16) + gain, 0, 255).astype(np.uint8))
        progress(i + 1, len(frames), "slow render")
    return out
