"""YUV equivalents of RGB ops, for the export's fast path (engine/yuv.py).

Ops are RGB in, RGB out, and ``fn`` stays the reference. An export that decodes YUV and encodes
YUV pays ~8 ms of CPU per 1080p frame for the RGB round trip, so an op may also declare
``yuv=factory`` in the registry when it has an equivalent on the decoded planes: 8-bit 4:2:0,
limited range ("tv"), with the matrix in ``YuvFormat``. ``factory(fmt, **params)`` returns a
function ``planes -> planes`` or None when these params have no such equivalent; the export then
takes the RGB path for that clip. tests/test_export_yuv*.py hold every factory to its op.

What is exact and what is not (all in docs/engine.md, "Export fast path"):
- a per-channel tone curve that is *affine* (``a*x + b``, the same on R, G and B) maps to one
  table for Y and one for both chroma planes: Y' = 16 + a(Y-16) + 219b, C' = 128 + a(C-128);
  rounding differs by at most one level. ``curve_yuv`` checks the op's own RGB curve, so a curve
  that is not affine (contrast's S-curve, gamma != 1) simply gets no fast path;
- Y outside 16..235 (camera super-blacks/whites) is clipped first, as the RGB decode clips it;
- geometry moves whole planes (chroma at half size); the 4:2:0 chroma samples then sit up to
  half a chroma pixel from where the RGB path's resampling puts them (as in ffmpeg's hflip).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

from ..lazy import lazy

np = lazy("numpy")

#: (Y, U, V): Y is (h, w); U and V are (h/2, w/2); all uint8.
Planes = Tuple["np.ndarray", "np.ndarray", "np.ndarray"]
PlaneFn = Callable[[Planes], Planes]

#: Matrices the fast path knows (swscale names); "ITU601" also covers SMPTE170M (same weights).
MATRICES = ("ITU709", "ITU601")


@dataclass(frozen=True)
class YuvFormat:
    """The planes an op's YUV function receives: size of Y, and the YUV matrix."""

    width: int
    height: int
    matrix: str = "ITU709"


def _is_affine(curve: np.ndarray, tol: float = 1e-9) -> Optional[Tuple[float, float]]:
    """(a, b) when ``curve`` (256 samples over 0..1) is a*x + b, else None."""
    x = np.arange(256, dtype=np.float64) / 255.0
    a, b = float(curve[-1] - curve[0]), float(curve[0])
    if np.max(np.abs(curve - (a * x + b))) > tol:
        return None
    return a, b


def affine_tables(a: float, b: float) -> Tuple[np.ndarray, np.ndarray]:
    """Y and chroma tables for the RGB map x -> a*x + b (x in 0..1), limited range."""
    codes = np.arange(256, dtype=np.float64)
    y = 16.0 + a * (np.clip(codes, 16, 235) - 16.0) + 219.0 * b
    c = 128.0 + a * (np.clip(codes, 16, 240) - 128.0)
    return (np.clip(np.rint(y), 0, 255).astype(np.uint8),
            np.clip(np.rint(c), 0, 255).astype(np.uint8))


def tables_fn(ytab: Optional[np.ndarray], ctab: Optional[np.ndarray]) -> PlaneFn:
    """Planes through per-plane tables (None leaves a plane as it is)."""
    import cv2

    def run(p: Planes) -> Planes:
        y, u, v = p
        return (y if ytab is None else cv2.LUT(y, ytab),
                u if ctab is None else cv2.LUT(u, ctab),
                v if ctab is None else cv2.LUT(v, ctab))

    return run


def curve_yuv(curve: np.ndarray) -> Optional[PlaneFn]:
    """The YUV form of a tone curve applied alike to R, G and B, when the curve is affine."""
    ab = _is_affine(np.asarray(curve, np.float64))
    if ab is None:
        return None
    return tables_fn(*affine_tables(*ab))


def chroma_scale_yuv(s: float) -> PlaneFn:
    """Chroma times ``s`` around grey, luma kept: saturation around the matrix's own luma.
    Chroma that leaves the 8-bit code range is clipped there."""
    codes = np.arange(256, dtype=np.float64)
    ctab = np.clip(np.rint(128.0 + s * (np.clip(codes, 16, 240) - 128.0)), 0, 255).astype(np.uint8)
    return tables_fn(None, ctab)


_SWS = threading.local()


def area_shrink(plane: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """``cv2.resize(plane, size, interpolation=cv2.INTER_AREA)`` for a shrink, by swscale's area
    filter with exact rounding: 5x less CPU (0.7 vs 3.3 ms for 1080p -> 720p luma) for the same
    pixels -- identical at 1/2 and 2/3, within 1 level on camera pictures and 4 on pure noise at
    other ratios (measured), which tests/test_export_yuv.py holds it to."""
    import av
    from av.video.reformatter import Interpolation, VideoReformatter

    cache = getattr(_SWS, "by_size", None)
    if cache is None:
        cache = _SWS.by_size = {}
    key = (plane.shape, tuple(size))
    sws = cache.get(key)
    if sws is None:  # one swscale context per size pair (a context re-inits when sizes change)
        if len(cache) > 16:
            cache.clear()
        sws = cache[key] = VideoReformatter()
    src = av.VideoFrame.from_numpy_buffer(np.ascontiguousarray(plane), format="gray")
    out = sws.reformat(src, width=int(size[0]), height=int(size[1]),
                       interpolation=Interpolation.AREA | Interpolation.ACCURATE_RND, threads=1)
    return out.to_ndarray()


def per_plane(fn: Callable[[np.ndarray, bool], np.ndarray]) -> PlaneFn:
    """Apply ``fn(plane, is_chroma)`` to each plane (geometry)."""

    def run(p: Planes) -> Planes:
        y, u, v = p
        return fn(y, False), fn(u, True), fn(v, True)

    return run
