"""Geometry: crop, resize, rotate, flip, zoom.

Ops that change the frame size declare ``output_size`` and compute it with the same helper they
use to render, so the size a renderer plans for is exactly the size it gets. Sizes that an op
computes are even in both dimensions (4:2:0 encoders need it): crop and resize round to the
nearest even number of pixels (never below 2, never past the picture), so an aspect crop is exact
to within 2 px. Rotation is clockwise for positive degrees, as in video editors.
"""

from __future__ import annotations

import math

from ..errors import ParamError
from ..lazy import lazy
from .params import Choice, Float, Int
from .registry import FrameContext, OpKind, operation
from .yuv import YuvFormat, area_shrink, per_plane

cv2 = lazy("cv2")
np = lazy("numpy")

ASPECTS = ("none", "16:9", "9:16", "1:1", "4:5", "4:3", "21:9")
MAX_W, MAX_H = 7680, 4320


def even(v: float, limit: int | None = None) -> int:
    """Nearest even integer (ties up) >= 2, and <= the largest even number <= limit."""
    n = max(2, int(math.floor(v / 2.0 + 0.5)) * 2)
    if limit is not None:
        n = min(n, max(2, limit - limit % 2))
    return n


# ---------------------------------------------------------------- crop


def crop_box(w: int, h: int, aspect: str = "none", left: float = 0.0, right: float = 0.0,
             top: float = 0.0, bottom: float = 0.0) -> tuple[int, int, int, int]:
    """(x, y, cw, ch): margins (fractions of the frame) first, then a centred crop to ``aspect``
    inside what is left."""
    x0, x1 = left * w, w - right * w
    y0, y1 = top * h, h - bottom * h
    aw, ah = x1 - x0, y1 - y0
    if aspect and aspect != "none":
        a, b = (float(v) for v in aspect.split(":"))
        ratio = a / b
        if aw / ah > ratio:           # too wide: keep the height
            ch = even(ah, int(ah))
            cw = even(ch * ratio, int(aw))
        else:                         # too tall: keep the width
            cw = even(aw, int(aw))
            ch = even(cw / ratio, int(ah))
    else:
        cw, ch = even(aw, int(aw)), even(ah, int(ah))
    cw, ch = min(cw, w - w % 2 or 2), min(ch, h - h % 2 or 2)
    x = int(round(x0 + (aw - cw) / 2.0))
    y = int(round(y0 + (ah - ch) / 2.0))
    x = min(max(x, 0), max(0, w - cw))
    y = min(max(y, 0), max(0, h - ch))
    return x, y, cw, ch


def _crop_size(w: int, h: int, **p) -> tuple[int, int]:
    _, _, cw, ch = crop_box(w, h, **p)
    return cw, ch


_MARGIN = dict(min=0.0, max=0.45, default=0.0, small=0.05, large=0.2)


@operation(
    "crop",
    kind=OpKind.FRAME,
    params={
        "aspect": Choice(options=ASPECTS, default="none", description="centred crop to this aspect ratio"),
        "left": Float(description="fraction of the width cut from the left", **_MARGIN),
        "right": Float(description="fraction of the width cut from the right", **_MARGIN),
        "top": Float(description="fraction of the height cut from the top", **_MARGIN),
        "bottom": Float(description="fraction of the height cut from the bottom", **_MARGIN),
    },
    description="Cut the edges off: to an aspect ratio (centred) and/or by margins.",
    synonyms=("reframe", "aspect ratio", "crop to aspect"),
    category="geometry",
    examples=("crop to 9:16", "crop 10% off the left", "crop to square"),
    output_size=_crop_size,
    yuv=lambda fmt, **p: _crop_yuv(fmt, **p),
)
def crop(frame: np.ndarray, ctx: FrameContext, aspect: str = "none", left: float = 0.0,
         right: float = 0.0, top: float = 0.0, bottom: float = 0.0) -> np.ndarray:
    h, w = frame.shape[:2]
    x, y, cw, ch = crop_box(w, h, aspect, left, right, top, bottom)
    return np.ascontiguousarray(frame[y:y + ch, x:x + cw]).copy()


def _crop_yuv(fmt: YuvFormat, **p):
    """Slices of the planes; a box at an odd offset would split chroma pixels: RGB path."""
    x, y, cw, ch = crop_box(fmt.width, fmt.height, **p)
    if x % 2 or y % 2 or cw % 2 or ch % 2:
        return None

    def cut(plane: np.ndarray, chroma: bool) -> np.ndarray:
        k = 2 if chroma else 1
        return plane[y // k:(y + ch) // k, x // k:(x + cw) // k]

    return per_plane(cut)


# ---------------------------------------------------------------- resize


def resize_size(w: int, h: int, width: int = 0, height: int = 0, scale: float = 0.0) -> tuple[int, int]:
    """Target size: exact (width and height), aspect kept (one of them), or by ``scale``; even sizes."""
    if scale and (width or height):
        raise ParamError("resize takes either a scale or a width/height, not both.")
    if scale:
        tw, th = w * scale, h * scale
    elif width and height:
        tw, th = width, height
    elif width:
        tw, th = width, h * width / w
    elif height:
        tw, th = w * height / h, height
    else:
        raise ParamError("resize needs a width, a height or a scale (e.g. 'resize to 1280 wide', 'scale 50%').")
    out = even(tw), even(th)
    if out[0] > MAX_W or out[1] > MAX_H:
        raise ParamError(f"resize would make a {out[0]}x{out[1]} picture; the largest is {MAX_W}x{MAX_H}. "
                         "Use a smaller size or scale.")
    return out


@operation(
    "resize",
    kind=OpKind.FRAME,
    params={
        "width": Int(min=0, max=MAX_W, default=0, unit="px", description="0 = follow the height"),
        "height": Int(min=0, max=MAX_H, default=0, unit="px", description="0 = follow the width"),
        "scale": Float(min=0, max=8, default=0.0, unit="x", description="0 = unset; 0.5 halves the size"),
    },
    description="Change the picture size (keeps the aspect ratio when only one side is given).",
    synonyms=("rescale", "scale", "downscale", "upscale", "resolution"),
    category="geometry",
    examples=("resize to 1280 wide", "scale to 50%", "resize to 720p"),
    output_size=resize_size,
    yuv=lambda fmt, **p: _resize_yuv(fmt, **p),
)
def resize(frame: np.ndarray, ctx: FrameContext, width: int = 0, height: int = 0,
           scale: float = 0.0) -> np.ndarray:
    h, w = frame.shape[:2]
    tw, th = resize_size(w, h, width, height, scale)
    if (tw, th) == (w, h):
        return frame.copy()
    shrinking = tw * th < w * h
    return cv2.resize(frame, (tw, th), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)


def _resize_yuv(fmt: YuvFormat, **p):
    """Each plane resized with the same filter as the RGB op (linear filters commute with the
    YUV matrix); chroma to half the target size."""
    w, h = fmt.width, fmt.height
    tw, th = resize_size(w, h, **p)
    if (tw, th) == (w, h):
        return per_plane(lambda plane, chroma: plane)
    shrinking = tw * th < w * h

    def scale(plane: np.ndarray, chroma: bool) -> np.ndarray:
        size = (tw // 2, th // 2) if chroma else (tw, th)
        if shrinking and size[0] <= plane.shape[1] and size[1] <= plane.shape[0]:
            return area_shrink(plane, size)  # cv2's INTER_AREA, by swscale: a fifth of the CPU
        return cv2.resize(plane, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)

    return per_plane(scale)


# ---------------------------------------------------------------- rotate


def _quarter_turns(degrees: float) -> int | None:
    q = degrees / 90.0
    return int(round(q)) % 4 if abs(q - round(q)) < 1e-9 else None


def rotate_size(w: int, h: int, degrees: float = 90.0) -> tuple[int, int]:
    q = _quarter_turns(degrees)
    return (h, w) if q in (1, 3) else (w, h)


_ROT = {1: 0, 2: 1, 3: 2}  # cv2.ROTATE_90_CLOCKWISE, _180, _90_COUNTERCLOCKWISE (cv2 loads lazily)


@operation(
    "rotate",
    kind=OpKind.FRAME,
    params={"degrees": Float(min=-360, max=360, default=90, unit=" deg", small=2, large=45,
                             description="clockwise; multiples of 90 turn the frame, others zoom to fill")},
    description="Rotate the picture clockwise (negative: counter-clockwise).",
    synonyms=("rotation",),
    category="geometry",
    examples=("rotate 90 degrees", "rotate -90", "rotate 3 degrees to level the horizon"),
    output_size=rotate_size,
    yuv=lambda fmt, degrees=90.0: _rotate_yuv(fmt, degrees),
)
def rotate(frame: np.ndarray, ctx: FrameContext, degrees: float = 90.0) -> np.ndarray:
    q = _quarter_turns(degrees)
    if q is not None:
        return cv2.rotate(frame, _ROT[q]) if q else frame.copy()
    h, w = frame.shape[:2]
    return _tilt(frame, degrees, _fill(w, h, degrees))


def _fill(w: int, h: int, degrees: float) -> float:
    """Smallest scale at which the rotated picture covers the whole frame (no empty corners)."""
    rad = math.radians(degrees)
    c, s = abs(math.cos(rad)), abs(math.sin(rad))
    return c + s * max(w / h, h / w)


def _tilt(img: np.ndarray, degrees: float, fill: float) -> np.ndarray:
    """Rotate about the centre and scale by ``fill`` (a picture or one plane of it)."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), -degrees, fill)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _rotate_yuv(fmt: YuvFormat, degrees: float):
    """Quarter turns turn each plane; other angles warp each plane as the op warps the picture
    (a linear filter; the fill scale comes from the picture's aspect, the same for every plane)."""
    q = _quarter_turns(degrees)
    if q is None:
        fill = _fill(fmt.width, fmt.height, degrees)
        return per_plane(lambda plane, chroma: _tilt(plane, degrees, fill))
    if q == 0:
        return per_plane(lambda plane, chroma: plane)
    return per_plane(lambda plane, chroma: cv2.rotate(plane, _ROT[q]))


# ---------------------------------------------------------------- flip


@operation(
    "flip",
    kind=OpKind.FRAME,
    params={"direction": Choice(options=("horizontal", "vertical"), default="horizontal",
                                description="horizontal mirrors left-right, vertical upside down")},
    description="Mirror the picture left-right or upside down.",
    synonyms=("mirror", "mirror image"),
    category="geometry",
    examples=("flip horizontally", "mirror it", "flip upside down"),
    yuv=lambda fmt, direction="horizontal": per_plane(
        lambda plane, chroma: cv2.flip(plane, 1 if direction == "horizontal" else 0)),
)
def flip(frame: np.ndarray, ctx: FrameContext, direction: str = "horizontal") -> np.ndarray:
    return cv2.flip(frame, 1 if direction == "horizontal" else 0)


# ---------------------------------------------------------------- zoom


def zoom_matrix(w: int, h: int, factor: float, x: float, y: float) -> np.ndarray:
    """Affine source->output map magnifying by ``factor`` around (x, y) (fractions of the frame).
    The window is slid to stay inside the picture, so there are never empty borders."""
    vw, vh = w / factor, h / factor
    x0 = min(max(x * w - vw / 2.0, 0.0), w - vw)
    y0 = min(max(y * h - vh / 2.0, 0.0), h - vh)
    # Pixel centres: output pixel u shows source x0 + (u + 0.5) / factor - 0.5.
    tx = -factor * x0 + (factor - 1) * 0.5
    ty = -factor * y0 + (factor - 1) * 0.5
    return np.array([[factor, 0.0, tx], [0.0, factor, ty]], np.float64)


@operation(
    "zoom",
    kind=OpKind.FRAME,
    params={
        "factor": Float(min=1, max=8, default=1.5, unit="x", small=1.2, large=2.0,
                        description="magnification; 2 shows half the width"),
        "x": Float(min=0, max=1, default=0.5, description="centre of the zoom, 0 left .. 1 right"),
        "y": Float(min=0, max=1, default=0.5, description="centre of the zoom, 0 top .. 1 bottom"),
    },
    description="Zoom in (digital punch-in) keeping the frame size.",
    synonyms=("zoom in", "magnify", "punch in"),
    category="geometry",
    examples=("zoom in 2x", "zoom 1.5x on the top left", "punch in"),
    # each plane magnified around the same point (the window is in fractions of the picture)
    yuv=lambda fmt, factor=1.5, x=0.5, y=0.5: per_plane(lambda plane, chroma: _magnify(plane, factor, x, y)),
)
def zoom(frame: np.ndarray, ctx: FrameContext, factor: float = 1.5, x: float = 0.5,
         y: float = 0.5) -> np.ndarray:
    if factor == 1.0:
        return frame.copy()
    return _magnify(frame, factor, x, y)


def _magnify(img: np.ndarray, factor: float, x: float, y: float) -> np.ndarray:
    if factor == 1.0:
        return img
    h, w = img.shape[:2]
    m = zoom_matrix(w, h, float(factor), float(x), float(y))
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
