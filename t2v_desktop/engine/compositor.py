"""Place one layer on the canvas: crop, fit, scale, rotate, position, opacity and blend.

Pure image code: no tracks, no Renderer. The Renderer composites bottom to top by calling
:func:`composite` once per visible layer with the layer's transform resolved at the frame's time
(plain floats; see ``Transform.at`` in project/transform.py). Any object with the fields of
:class:`Placement` works (duck typing), so the model and this module stay independent.

Geometry, in order: crop (fractions of the source, rounded to whole source pixels) -> fit
("contain" = v1 letterbox, "cover" fills and cuts, "native" = source pixels times the preview
scale) -> scale -> rotate clockwise around the anchor -> put the anchor at (x*W, y*H).
Alpha = source alpha * opacity; blend normal / screen / multiply / add over the canvas.

Two paths, both touching only the layer's bounding box on the canvas:
- *snapped*: unrotated layers whose box falls on whole pixels, or that are asked to snap (by
  default those at scale 1, fit only): one ``cv2.resize`` (area when shrinking, linear otherwise)
  pasted at a whole-pixel offset. The default transform gives exactly the pixels of v1's
  ``letterbox`` (engine/render.py).
- *warped*: rotation or a fractional box (a Ken Burns zoom or pan): one ``cv2.warpAffine`` into the
  box, sub-pixel, with exact-area anti-aliased edges; a shrink by area first when the layer gets
  smaller.
All blending is uint8 (cv2 saturating arithmetic); alpha is premultiplied before any resampling so
transparent pixels never bleed their colour into the edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional, Tuple

import cv2
import numpy as np

from ..errors import ParamError

FITS = ("contain", "cover", "native")
BLENDS = ("normal", "screen", "multiply", "add")
_EPS = 1e-3  # pixels: closer than this to a whole pixel counts as whole


@dataclass(frozen=True)
class Placement:
    """A resolved transform (plain floats): the fields and defaults of model.Transform."""

    x: float = 0.5
    y: float = 0.5
    anchor_x: float = 0.5
    anchor_y: float = 0.5
    scale: float = 1.0
    fit: str = "contain"
    rotation: float = 0.0
    crop_left: float = 0.0
    crop_top: float = 0.0
    crop_right: float = 0.0
    crop_bottom: float = 0.0
    opacity: float = 1.0
    blend: str = "normal"


IDENTITY = Placement()
_FIELDS = tuple(Placement.__dataclass_fields__)


def resolve(tf) -> Placement:
    """``tf`` (anything with Placement's fields, missing ones default; None = identity) as a
    checked Placement. Bad values are a ParamError, never clamped."""
    if tf is None:
        return IDENTITY
    if isinstance(tf, Placement):
        p = tf
    else:
        p = Placement(**{f: getattr(tf, f, getattr(IDENTITY, f)) for f in _FIELDS})
    if p.fit not in FITS:
        raise ParamError(f"Unknown fit {p.fit!r}; use one of: {', '.join(FITS)}.")
    if p.blend not in BLENDS:
        raise ParamError(f"Unknown blend mode {p.blend!r}; use one of: {', '.join(BLENDS)}.")
    nums = [float(getattr(p, f)) for f in _FIELDS if f not in ("fit", "blend")]
    if not all(math.isfinite(v) for v in nums):
        raise ParamError("A transform value is not a finite number; check the clip's position, scale and crop.")
    if not -1e-6 <= p.opacity <= 1 + 1e-6:
        raise ParamError(f"Opacity {p.opacity:g} is outside 0..1 (0 = invisible, 1 = opaque).")
    if not p.scale > 0:
        raise ParamError(f"Scale {p.scale:g} must be above 0 (1 = fitted size).")
    crops = (p.crop_left, p.crop_top, p.crop_right, p.crop_bottom)
    if min(crops) < 0 or p.crop_left + p.crop_right >= 1 or p.crop_top + p.crop_bottom >= 1:
        raise ParamError("Crop fractions must be >= 0 and leave part of the picture "
                         "(left + right < 1, top + bottom < 1).")
    return p


# -- geometry ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geometry:
    crop: Tuple[int, int, int, int]  # x0, y0, x1, y1 in source pixels
    fw: float  # fitted and scaled layer size on the canvas, pixels
    fh: float
    ox: float  # where the anchor sits on the canvas, pixels
    oy: float
    rot: float  # degrees clockwise, normalised to [0, 360)
    snapped: Optional[Tuple[int, int, int, int]]  # left, top, width, height when pasted whole-pixel


def _geometry(p: Placement, layer_size: Tuple[int, int], canvas_size: Tuple[int, int],
              native_scale: float, source_size: Optional[Tuple[int, int]] = None,
              subpixel: Optional[bool] = None) -> _Geometry:
    sw, sh = layer_size
    W, H = canvas_size
    x0, x1 = int(round(p.crop_left * sw)), sw - int(round(p.crop_right * sw))
    y0, y1 = int(round(p.crop_top * sh)), sh - int(round(p.crop_bottom * sh))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    cw, ch = x1 - x0, y1 - y0
    if p.fit == "native":
        # the source's own pixels (source_size: its full-resolution size when the frame handed in
        # is already smaller), times the preview scale
        fx = native_scale * (source_size[0] / sw if source_size else 1.0)
        fy = native_scale * (source_size[1] / sh if source_size else 1.0)
    else:
        k = (min if p.fit == "contain" else max)(W / cw, H / ch)
        fx = fy = k
    fw, fh = cw * fx * p.scale, ch * fy * p.scale
    ox, oy = p.x * W, p.y * H
    rot = p.rotation % 360.0
    if abs(rot) < 1e-9 or abs(rot - 360.0) < 1e-9:
        rot = 0.0
    snapped = None
    if rot == 0.0:
        nw, nh = max(1, int(round(fw))), max(1, int(round(fh)))
        left, top = ox - p.anchor_x * nw, oy - p.anchor_y * nh
        whole = (abs(fw - nw) < _EPS and abs(fh - nh) < _EPS
                 and abs(left - round(left)) < _EPS and abs(top - round(top)) < _EPS)
        if whole or (p.scale == 1.0 if subpixel is None else not subpixel):
            # round half down, so a centred box lands where letterbox's (W - nw) // 2 puts it
            snapped = (math.ceil(left - 0.5 - 1e-9), math.ceil(top - 0.5 - 1e-9), nw, nh)
    return _Geometry((x0, y0, x1, y1), fw, fh, ox, oy, rot, snapped)


def _layer_to_canvas(g: _Geometry, p: Placement) -> np.ndarray:
    """2x3 matrix: layer coordinates (pixels of the fitted layer, origin top-left) -> canvas."""
    t = math.radians(g.rot)
    c, s = math.cos(t), math.sin(t)
    ax, ay = p.anchor_x * g.fw, p.anchor_y * g.fh
    # clockwise on screen (y down): (1, 0) -> (cos, sin)
    return np.array([[c, -s, g.ox - (c * ax - s * ay)],
                     [s, c, g.oy - (s * ax + c * ay)]], np.float64)


def _box(m: np.ndarray, fw: float, fh: float, W: int, H: int) -> Optional[Tuple[int, int, int, int]]:
    corners = np.array([[0, 0, 1], [fw, 0, 1], [0, fh, 1], [fw, fh, 1]], np.float64) @ m.T
    bx0 = max(0, math.floor(corners[:, 0].min() + 1e-6))
    by0 = max(0, math.floor(corners[:, 1].min() + 1e-6))
    bx1 = min(W, math.ceil(corners[:, 0].max() - 1e-6))
    by1 = min(H, math.ceil(corners[:, 1].max() - 1e-6))
    if bx1 <= bx0 or by1 <= by0:
        return None
    return bx0, by0, bx1, by1


def layer_box(tf, layer_size: Tuple[int, int], canvas_size: Tuple[int, int], *, preview_scale: float = 1.0,
              full_canvas: Optional[Tuple[int, int]] = None, source_size: Optional[Tuple[int, int]] = None,
              subpixel: Optional[bool] = None,
              rect: Optional[Tuple[float, float, float, float]] = None) -> Tuple[float, float, float, float]:
    """Where :func:`composite` (same arguments) draws the layer: ``(x0, y0, x1, y1)`` canvas pixels,
    x1/y1 exclusive, not clipped to the canvas (the on-canvas handles of gui/canvas_handles.py).
    A rotated layer gives its corners' bounding box. ``rect`` (layer pixels, before the crop): the
    box of that part of the layer only (a title's text block on its canvas-sized layer)."""
    p = resolve(tf)
    W, H = canvas_size
    native = preview_scale if full_canvas is None else H / full_canvas[1]
    g = _geometry(p, tuple(layer_size), (W, H), native, source_size, subpixel)
    cx0, cy0, cx1, cy1 = g.crop
    u0, v0, u1, v1 = (cx0, cy0, cx1, cy1) if rect is None else (
        min(max(rect[0], cx0), cx1), min(max(rect[1], cy0), cy1),
        min(max(rect[2], cx0), cx1), min(max(rect[3], cy0), cy1))
    # fractions of the cropped layer
    fu0, fu1 = (u0 - cx0) / (cx1 - cx0), (u1 - cx0) / (cx1 - cx0)
    fv0, fv1 = (v0 - cy0) / (cy1 - cy0), (v1 - cy0) / (cy1 - cy0)
    if g.snapped is not None:
        left, top, nw, nh = g.snapped
        return (left + fu0 * nw, top + fv0 * nh, left + fu1 * nw, top + fv1 * nh)
    m = _layer_to_canvas(g, p)
    pts = np.array([[fu0 * g.fw, fv0 * g.fh, 1], [fu1 * g.fw, fv0 * g.fh, 1],
                    [fu0 * g.fw, fv1 * g.fh, 1], [fu1 * g.fw, fv1 * g.fh, 1]], np.float64) @ m.T
    return (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))


# -- public predicates -------------------------------------------------------------------------


def is_passthrough(tf, layer_size: Tuple[int, int], canvas_size: Tuple[int, int], has_alpha: bool,
                   *, preview_scale: float = 1.0, subpixel: Optional[bool] = None) -> bool:
    """True when the layer *is* the output frame: full size, opaque, normal blend, untransformed.
    :func:`composite` then returns the layer itself (no copy, no resample)."""
    p = resolve(tf)
    if has_alpha or p.opacity < 1.0 or p.blend != "normal" or tuple(layer_size) != tuple(canvas_size):
        return False
    if p.fit == "native" and preview_scale != 1.0:
        return False
    g = _geometry(p, tuple(layer_size), tuple(canvas_size), preview_scale, subpixel=subpixel)
    W, H = canvas_size
    return g.crop == (0, 0, W, H) and g.snapped == (0, 0, W, H)


def covers_canvas(tf, layer_size: Tuple[int, int], canvas_size: Tuple[int, int], has_alpha: bool,
                  *, preview_scale: float = 1.0, source_size: Optional[Tuple[int, int]] = None,
                  subpixel: Optional[bool] = None) -> bool:
    """True when the layer hides every canvas pixel (opaque, normal, unrotated, box covering the
    canvas): the layers below it need not be decoded. Pass the ``subpixel`` that composite gets."""
    p = resolve(tf)
    if has_alpha or p.opacity < 1.0 or p.blend != "normal":
        return False
    W, H = canvas_size
    g = _geometry(p, tuple(layer_size), (W, H), preview_scale, source_size, subpixel)
    if g.rot != 0.0:
        return False
    if g.snapped is not None:
        left, top, nw, nh = g.snapped
        return left <= 0 and top <= 0 and left + nw >= W and top + nh >= H
    left, top = g.ox - p.anchor_x * g.fw, g.oy - p.anchor_y * g.fh
    return left <= _EPS and top <= _EPS and left + g.fw >= W - _EPS and top + g.fh >= H - _EPS


# -- composite ---------------------------------------------------------------------------------


def composite(canvas: np.ndarray, rgb: np.ndarray, alpha: Optional[np.ndarray], tf, *,
              preview_scale: float = 1.0, full_canvas: Optional[Tuple[int, int]] = None,
              source_size: Optional[Tuple[int, int]] = None, subpixel: Optional[bool] = None) -> np.ndarray:
    """Draw one layer onto ``canvas`` (HxWx3 uint8) and return the result.

    ``rgb`` HxWx3 uint8, ``alpha`` HxW uint8 (straight, not premultiplied) or None = opaque; ``tf``
    a resolved transform (see :class:`Placement`). ``preview_scale``: the canvas's size over the
    exported size; "native" fit draws each source pixel that many canvas pixels wide.
    ``full_canvas`` (w, h): the exported size; when given, the native factor is measured from it
    (the preview size is rounded to even numbers). ``source_size``: the layer's full-resolution size
    when ``rgb`` is already a reduced copy (native fit only).

    ``subpixel``: an unrotated layer snaps to whole pixels (crisp, no resampling blur) when False,
    is placed to a fraction of a pixel (smooth slow pans and zooms) when True; None (default) snaps
    at scale 1 (fit only, as v1's letterbox) and not otherwise. Pass True for animated transforms.

    Draws in place into ``canvas`` when it is writeable, else into a copy. When the layer is a
    passthrough (see :func:`is_passthrough`) ``rgb`` itself is returned: don't draw into the
    result of that unless you own ``rgb`` (make cached frames read-only and this copies).
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ParamError(f"A layer must be an HxWx3 uint8 RGB frame, got {rgb.shape} {rgb.dtype}.")
    if alpha is not None and (alpha.shape != rgb.shape[:2] or alpha.dtype != np.uint8):
        raise ParamError(f"A layer's alpha must be HxW uint8 matching its picture, got {alpha.shape} {alpha.dtype}.")
    p = resolve(tf)
    H, W = canvas.shape[:2]
    sh, sw = rgb.shape[:2]
    native = preview_scale if full_canvas is None else H / full_canvas[1]
    if p.opacity <= 0.0:
        return canvas
    if alpha is None and is_passthrough(p, (sw, sh), (W, H), False, preview_scale=native, subpixel=subpixel):
        return rgb
    if not canvas.flags.writeable:
        canvas = canvas.copy()
    patch = layer_patch((W, H), rgb, alpha, p, native, source_size, subpixel)
    if patch is None:
        return canvas
    (bx, by), P, A = patch
    _blend(canvas, bx, by, P, A, p.opacity, p.blend)
    return canvas


def layer_patch(canvas_size: Tuple[int, int], rgb: np.ndarray, alpha: Optional[np.ndarray], p: Placement,
                native: float, source_size: Optional[Tuple[int, int]] = None, subpixel: Optional[bool] = None):
    """The layer drawn into its box on a ``canvas_size`` canvas, before opacity and blending:
    ``((bx, by), P, A)`` with ``P`` premultiplied RGB and ``A`` its alpha (None = opaque), or None
    when nothing of it shows. What :func:`composite` blends; the export's YUV compositing
    (engine/yuv_compose.py) blends the same patch on planes."""
    W, H = canvas_size
    canvas = np.empty((H, W, 0), np.uint8)  # only its shape is read
    sh, sw = rgb.shape[:2]
    g = _geometry(p, (sw, sh), (W, H), native, source_size, subpixel)
    x0, y0, x1, y1 = g.crop
    src = rgb[y0:y1, x0:x1]
    a_src = None if alpha is None else alpha[y0:y1, x0:x1]
    exact = p.scale == 1.0 and not subpixel
    if g.snapped is not None and not exact and g.snapped[2] * g.snapped[3] > 4 * W * H:
        # a big zoom held still: warp just the visible part into the snapped box rather than
        # resizing the whole layer to many times the canvas
        left, top, nw, nh = g.snapped
        g = replace(g, fw=float(nw), fh=float(nh), ox=left + p.anchor_x * nw, oy=top + p.anchor_y * nh,
                    snapped=None)
    if g.snapped is not None:
        return _snapped(canvas, src, a_src, g.snapped, exact=exact)
    return _warped(canvas, src, a_src, g, p)


def _premultiply(rgb: np.ndarray, a: np.ndarray) -> np.ndarray:
    return cv2.multiply(rgb, cv2.merge([a, a, a]), scale=1 / 255)


def _area(img: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """``cv2.resize(INTER_AREA)`` to ``size``; a big reduction first by a whole factor (OpenCV's
    fast path, several times quicker than a fractional one), cutting the < factor source pixels
    that don't divide off the right and bottom edges (under one output pixel)."""
    tw, th = size
    h, w = img.shape[:2]
    k = min(w // tw, h // th)
    if k >= 2 and (w, h) != (tw * k, th * k):
        img = cv2.resize(np.ascontiguousarray(img[:h - h % k, :w - w % k]), (w // k, h // k),
                         interpolation=cv2.INTER_AREA)
    return cv2.resize(np.ascontiguousarray(img), size, interpolation=cv2.INTER_AREA)


def _snapped(canvas, src, a_src, box, exact: bool):
    """Whole-pixel path: resize (``exact``: one cv2.resize, as letterbox does) then paste the
    visible part."""
    H, W = canvas.shape[:2]
    left, top, nw, nh = box
    vx0, vy0, vx1, vy1 = max(0, left), max(0, top), min(W, left + nw), min(H, top + nh)
    if vx1 <= vx0 or vy1 <= vy0:
        return None
    sh, sw = src.shape[:2]
    sl = (slice(vy0 - top, vy1 - top), slice(vx0 - left, vx1 - left))
    if (sw, sh) == (nw, nh):
        P, A = src[sl], (None if a_src is None else a_src[sl])
        if A is not None:
            A, P, off = _trim(A, P)
            if A is None:
                return None
            return (vx0 + off[0], vy0 + off[1]), _premultiply(np.ascontiguousarray(P), A), A
        return (vx0, vy0), P, None
    shrink = nw < sw and nh < sh
    interp = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR

    def fit(img):
        if shrink and not exact:
            return _area(img, (nw, nh))
        return cv2.resize(np.ascontiguousarray(img), (nw, nh), interpolation=interp)

    if a_src is None:
        return (vx0, vy0), fit(src)[sl], None
    P = fit(_premultiply(np.ascontiguousarray(src), np.ascontiguousarray(a_src)))[sl]
    A = fit(a_src)[sl]
    A, P, off = _trim(A, P)
    if A is None:
        return None
    return (vx0 + off[0], vy0 + off[1]), P, A


def _trim(A, P):
    """The part of a patch with any alpha (titles and logos are mostly transparent)."""
    x, y, w, h = cv2.boundingRect(np.ascontiguousarray(A))
    if w == 0 or h == 0:
        return None, None, None
    return A[y:y + h, x:x + w], P[y:y + h, x:x + w], (x, y)


def _warped(canvas, src, a_src, g: _Geometry, p: Placement):
    """Sub-pixel path: one warpAffine of the (pre-shrunk) layer into its bounding box, with the
    layer's edges anti-aliased by their exact pixel coverage."""
    H, W = canvas.shape[:2]
    m = _layer_to_canvas(g, p)
    box = _box(m, g.fw, g.fh, W, H)
    if box is None:
        return None
    bx0, by0, bx1, by1 = box
    bw, bh = bx1 - bx0, by1 - by0
    sh, sw = src.shape[:2]
    P = src if a_src is None else _premultiply(np.ascontiguousarray(src), np.ascontiguousarray(a_src))
    A = a_src
    # shrinking: area-average down to about the final size first, so the warp only interpolates
    pw, ph = max(1, int(round(g.fw))), max(1, int(round(g.fh)))
    if pw < sw and ph < sh:
        P = _area(P, (pw, ph))
        if A is not None:
            A = _area(A, (pw, ph))
        sw, sh = pw, ph
    # source pixel centres (j + 0.5) -> layer units -> canvas, in OpenCV's centre-at-integer terms
    s = np.diag([g.fw / sw, g.fh / sh])
    lin = m[:, :2] @ s
    t = m[:, 2] + lin @ np.array([0.5, 0.5]) - 0.5 - np.array([bx0, by0])
    mat = np.hstack([lin, t[:, None]])
    flags = cv2.INTER_LINEAR
    Pw = cv2.warpAffine(np.ascontiguousarray(P), mat, (bw, bh), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    Aw = None
    if A is not None:
        Aw = cv2.warpAffine(np.ascontiguousarray(A), mat, (bw, bh), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    cov = _coverage(m, g, p, bx0, by0, bw, bh)
    if cov is not None:
        Aw = cov if Aw is None else cv2.multiply(Aw, cov, scale=1 / 255)
        Pw = cv2.multiply(Pw, cv2.merge([cov, cov, cov]), scale=1 / 255)
    if Aw is not None:
        Aw, Pw, off = _trim(Aw, Pw)
        if Aw is None:
            return None
        return (bx0 + off[0], by0 + off[1]), Pw, Aw
    return (bx0, by0), Pw, None


def _coverage(m, g: _Geometry, p: Placement, bx0, by0, bw, bh) -> Optional[np.ndarray]:
    """How much of each box pixel the layer's rectangle covers (uint8 0..255), or None when the
    whole box is covered: ``clip(d + 0.5, 0, 1)`` of each pixel centre's distance ``d`` inside
    each edge (the layer-to-canvas map is a rotation, so distances are canvas pixels)."""

    def ramp(d):
        return np.clip(d + 0.5, 0.0, 1.0)

    if g.rot == 0.0:  # separable: two short vectors
        inv = cv2.invertAffineTransform(m)
        u = inv[0, 0] * (np.arange(bx0, bx0 + bw) + 0.5) + inv[0, 2]
        v = inv[1, 1] * (np.arange(by0, by0 + bh) + 0.5) + inv[1, 2]
        cu = ramp(u) * ramp(g.fw - u)
        cv = ramp(v) * ramp(g.fh - v)
        if cu.min() >= 1.0 and cv.min() >= 1.0:
            return None
        return (np.outer(cv.astype(np.float32) * 255, cu.astype(np.float32)) + 0.5).astype(np.uint8)
    # rotated: the same ramps, by warping a box of ones (a pixel of zeros around it) stretched by a
    # hair to the layer's exact size; bilinear sampling across its edge step is the ramp above
    nw, nh = max(1, int(math.ceil(g.fw - 1e-6))), max(1, int(math.ceil(g.fh - 1e-6)))
    mask = np.zeros((nh + 2, nw + 2), np.uint8)
    mask[1:-1, 1:-1] = 255
    sx, sy = g.fw / nw, g.fh / nh
    lin = m[:, :2] @ np.diag([sx, sy])
    t = m[:, 2] + lin @ np.array([-0.5, -0.5]) - 0.5 - np.array([bx0, by0])
    return cv2.warpAffine(mask, np.hstack([lin, t[:, None]]), (bw, bh), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


# -- blend -------------------------------------------------------------------------------------


def _blend(canvas, bx, by, P, A, opacity: float, mode: str) -> None:
    """Blend premultiplied ``P`` (alpha ``A``, None = opaque) times ``opacity`` into the canvas at
    (bx, by). uint8 throughout: ``out = D*(1-a) + P`` (normal), ``D + P*(1-D)`` (screen),
    ``D*(1 - a + P)`` (multiply), ``D + min(P, a*(1-D))`` (add), with a = A * opacity: each is
    the canvas mixed by ``a`` towards the mode's full-strength result, as in the W3C compositing spec."""
    h, w = P.shape[:2]
    region = canvas[by:by + h, bx:bx + w]
    if mode == "normal" and A is None:
        if opacity >= 1.0:
            region[...] = P
        else:
            region[...] = cv2.addWeighted(P, opacity, np.ascontiguousarray(region), 1.0 - opacity, 0.0)
        return
    D = np.ascontiguousarray(region)
    P = np.ascontiguousarray(P)
    if opacity < 1.0:
        P = cv2.convertScaleAbs(P, alpha=opacity)
    if A is None:
        a3 = None
        a_const = int(round(255 * opacity))
    else:
        a = cv2.convertScaleAbs(np.ascontiguousarray(A), alpha=opacity) if opacity < 1.0 else np.ascontiguousarray(A)
        a3 = cv2.merge([a, a, a])
    if mode == "normal":
        inv = 255 - a3
        out = cv2.add(cv2.multiply(D, inv, scale=1 / 255), P)
    elif mode == "screen":
        out = cv2.add(D, cv2.multiply(P, 255 - D, scale=1 / 255))
    elif mode == "multiply":
        k = (255 - a3 if a3 is not None else np.full_like(P, 255 - a_const))
        out = cv2.multiply(D, cv2.add(k, P), scale=1 / 255)
    else:  # add: D + min(P, a*(1-D)), i.e. D mixed towards min(1, D + S) by a
        room = cv2.multiply(255 - D, a3, scale=1 / 255) if a3 is not None else \
            cv2.convertScaleAbs(255 - D, alpha=a_const / 255)
        out = cv2.add(D, cv2.min(P, room))
    region[...] = out
