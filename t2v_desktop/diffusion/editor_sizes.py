"""Processing sizes for diffusion (torch-free, shared by the editor and the up-front estimate)."""

from __future__ import annotations

import math


def processing_size(width: int, height: int, native: int, multiple: int, resolution: int = 0) -> tuple[int, int]:
    """Size with about the area of ``native``² (or ``resolution``²), same aspect, multiples of ``multiple``.

    SD 1.5 works best near the 512x512 it was trained on; its UNet needs sides divisible by 64.
    """
    target = resolution or native
    scale = math.sqrt(target * target / float(width * height))

    def snap(v: float) -> int:
        return max(multiple, int(round(v * scale / multiple)) * multiple)

    return snap(width), snap(height)
