"""The export's YUV compositing: a composed project's frames built on 4:2:0 planes, never RGB.

engine/yuv.py exports a plain one-track project straight from the decoder's planes. A composed
project (a transition, a picture in picture, a logo, a title, burned-in subtitles) would otherwise
take the Renderer's RGB path for every frame, and at 1080p the YUV -> RGB conversion of each
decoded frame and the RGB -> YUV one at the encoder cost more than the compositing itself (ffmpeg's
xfade/overlay work in yuv420p). Here, per output frame, on the layers the Renderer would draw
(``Renderer._layers``):

- the bottom layer is a full-frame, untransformed clip whose chain has a YUV form
  (``yuv.chain_for``): its decoded planes, copied once;
- every other layer (picture in picture, logo, title, a still or a clip that does not fill the
  frame, burned-in subtitles) is drawn into its box exactly as the compositor draws it
  (``compositor.layer_patch``: premultiplied RGB + alpha), and just that box is converted with the
  encoder's matrix (limited range) and alpha-blended into the planes; chroma takes the 2x2 means of
  the premultiplied colour and of the alpha, which is what the encoder's own area-averaged 4:2:0
  conversion of the RGB result gives. A layer whose picture does not change (a logo, a title, even
  while its opacity fades) is converted once. An opaque clip drawn at its own size on even pixels
  whose planes come in the output's matrix (a PIP) pastes its decoded planes, no RGB at all;
- a transition blends its two sides, each drawn over what is below, on the planes: dissolve and
  dips are linear in Y'CbCr (black is (16, 128, 128), white (235, 128, 128)); wipes ramp each plane
  along its axis; slides move planes by an even number of pixels.

A frame with anything else (a blend mode other than normal, a slide by an odd number of pixels)
is the Renderer's RGB frame, frame by frame; a project whose main track has no clip with a YUV
form takes the RGB path throughout. Sound is the Renderer's mixer, unchanged. Differences from
the RGB path are conversion rounding (tests/test_yuv_compose.py holds them to it).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, Iterator, Optional, Tuple, Union

import cv2
import numpy as np

from ..jobs import check
from ..ops.yuv import MATRICES, Planes
from .yuv import Yuv420, YuvChain, _bind, chain_for, fit_fn

#: (Kr, Kb) of each matrix the encoder writes.
_WEIGHTS = {"ITU709": (0.2126, 0.0722), "ITU601": (0.299, 0.114)}
#: A transition's wash colours in limited-range Y'CbCr.
_DIP = {"dip_black": 16.0, "dip_white": 235.0}


def rgb_to_yuv_matrix(matrix: str) -> np.ndarray:
    """3x3: RGB (0..255) -> (Y - 16, Cb - 128, Cr - 128), limited range."""
    kr, kb = _WEIGHTS[matrix]
    kg = 1.0 - kr - kb
    y = np.array([kr, kg, kb])
    cb = (np.array([0.0, 0.0, 1.0]) - y) / (2 * (1 - kb))
    cr = (np.array([1.0, 0.0, 0.0]) - y) / (2 * (1 - kr))
    return np.stack([y * 219 / 255, cb * 224 / 255, cr * 224 / 255])


class Frame420:
    """Writable views of one packed yuv420p buffer (yuv.pack's layout)."""

    __slots__ = ("buf", "y", "u", "v")

    def __init__(self, buf: np.ndarray):
        self.buf = buf
        h, w = buf.shape[0] * 2 // 3, buf.shape[1]
        flat = buf.reshape(-1)
        n = (h // 2) * (w // 2)
        self.y = buf[:h]
        self.u = flat[h * w:h * w + n].reshape(h // 2, w // 2)
        self.v = flat[h * w + n:].reshape(h // 2, w // 2)

    @classmethod
    def black(cls, w: int, h: int) -> "Frame420":
        buf = np.empty((h * 3 // 2, w), np.uint8)
        buf[:h] = 16
        buf[h:] = 128
        return cls(buf)

    @classmethod
    def of(cls, planes: Planes) -> "Frame420":
        from .yuv import pack

        return cls(pack(planes))

    @property
    def planes(self) -> Planes:
        return self.y, self.u, self.v


class YuvPatch:
    """One layer's box converted to Y'CbCr, ready to blend: ``out = keep * D + add`` per plane
    (``keep`` None: the patch is opaque and replaces the box)."""

    def __init__(self, x: int, y: int, Y, U, V, keep_y=None, keep_c=None):
        self.x, self.y = x, y
        self.Y, self.U, self.V, self.keep_y, self.keep_c = Y, U, V, keep_y, keep_c

    def blend(self, f: Frame420, opacity: float = 1.0) -> None:
        """Into ``f`` at ``opacity`` (the patch itself is at full strength: a fading still is
        converted once): with a = alpha * opacity, out = (1 - a) * D + opacity * add."""
        h, w = self.Y.shape
        x, y = self.x, self.y
        ry = f.y[y:y + h, x:x + w]
        ru = f.u[y // 2:(y + h) // 2, x // 2:(x + w) // 2]
        rv = f.v[y // 2:(y + h) // 2, x // 2:(x + w) // 2]
        o = float(opacity)
        if self.keep_y is None:
            for region, add in ((ry, self.Y), (ru, self.U), (rv, self.V)):
                region[...] = add if o >= 1.0 else cv2.addWeighted(region, 1.0 - o, add, o, 0.0)
            return
        for region, add, keep in ((ry, self.Y, self.keep_y), (ru, self.U, self.keep_c), (rv, self.V, self.keep_c)):
            if o < 1.0:
                keep, add = keep * o + (1.0 - o), add * o
            region[...] = cv2.convertScaleAbs(cv2.add(cv2.multiply(region, keep, dtype=cv2.CV_32F), add))


def to_yuv_patch(patch, opacity: float, matrix: str, canvas_size: Tuple[int, int]) -> Optional[YuvPatch]:
    """A compositor patch ``((bx, by), P premultiplied RGB, A alpha or None)`` at ``opacity`` as a
    YuvPatch on even coordinates (the box grows by a transparent pixel where it starts or ends on
    an odd one, so chroma pixels are never split)."""
    (bx, by), P, A = patch
    h, w = P.shape[:2]
    W, H = canvas_size
    x0, y0 = bx - bx % 2, by - by % 2
    x1, y1 = min(W, bx + w + (bx + w) % 2), min(H, by + h + (by + h) % 2)
    m = rgb_to_yuv_matrix(matrix)
    if A is None and opacity >= 1.0 and (x0, y0, x1, y1) == (bx, by, bx + w, by + h):
        # opaque, on even pixels: convert the box, average chroma 2x2, paste
        t = np.hstack([m, np.array([[16.0], [128.0], [128.0]])])
        yuv = cv2.transform(np.ascontiguousarray(P), t)
        half = (w // 2, h // 2)
        return YuvPatch(x0, y0, np.ascontiguousarray(yuv[..., 0]),
                        cv2.resize(np.ascontiguousarray(yuv[..., 1]), half, interpolation=cv2.INTER_AREA),
                        cv2.resize(np.ascontiguousarray(yuv[..., 2]), half, interpolation=cv2.INTER_AREA))
    bw, bh = x1 - x0, y1 - y0
    Pf = np.zeros((bh, bw, 3), np.float32)
    af = np.zeros((bh, bw), np.float32)
    Pf[by - y0:by - y0 + h, bx - x0:bx - x0 + w] = P
    af[by - y0:by - y0 + h, bx - x0:bx - x0 + w] = 1.0 if A is None else A.astype(np.float32) / 255.0
    if opacity < 1.0:
        Pf *= opacity
        af *= opacity
    # out = (1 - a) * D + M * P + a * offset: the blend of straight colour C = P / a, in Y'CbCr
    lin = cv2.transform(Pf, m.astype(np.float32))
    half = (bw // 2, bh // 2)
    ac = cv2.resize(af, half, interpolation=cv2.INTER_AREA)
    lc = cv2.resize(lin[..., 1:], half, interpolation=cv2.INTER_AREA)
    return YuvPatch(x0, y0, lin[..., 0] + 16.0 * af, lc[..., 0] + 128.0 * ac, lc[..., 1] + 128.0 * ac,
                    1.0 - af, 1.0 - ac)


def blend_planes(kind: str, a: Planes, b: Planes, progress: float, params: Optional[dict]) -> Optional[Frame420]:
    """transitions.blend_transition on planes, into a new frame; None for a frame it cannot do
    exactly (a slide by an odd number of pixels)."""
    from .transitions import DEFAULT_SOFTNESS, _slide, _wipe

    p = float(progress)
    h, w = a[0].shape
    out = Frame420(np.empty((h * 3 // 2, w), np.uint8))
    if kind == "dissolve":
        for pa, pb, dst in zip(a, b, out.planes, strict=True):
            cv2.addWeighted(pa, 1.0 - p, pb, p, 0.0, dst=dst)
        return out
    if kind in _DIP:
        src, wt = (a, 1.0 - 2.0 * p) if p < 0.5 else (b, 2.0 * p - 1.0)
        for k, (ps, dst) in enumerate(zip(src, out.planes, strict=True)):
            level = _DIP[kind] if k == 0 else 128.0
            cv2.addWeighted(ps, wt, ps, 0.0, level * (1.0 - wt), dst=dst)
        return out
    if kind.startswith("wipe_"):
        soft = float((params or {}).get("softness", DEFAULT_SOFTNESS))
        for pa, pb, dst in zip(a, b, out.planes, strict=True):
            dst[...] = _wipe(kind[5:], pa[..., None], pb[..., None], p, soft)[..., 0]
        return out
    if kind.startswith("slide_"):
        d = kind[6:]
        if int(round(p * (w if d in ("left", "right") else h))) % 2:
            return None
        for pa, pb, dst in zip(a, b, out.planes, strict=True):
            dst[...] = _slide(d, pa[..., None], pb[..., None], p)[..., 0]
        return out
    return None


class ComposePath:
    """A composed project's frames for the encoder: Yuv420 where every layer of the frame can be
    done on planes, else the Renderer's RGB frame. ``matrix``: what the encoder must write."""

    def __init__(self, renderer, matrix: str, fit, chains: Dict[str, Optional[YuvChain]], seen: dict):
        self.renderer, self.matrix, self.fit = renderer, matrix, fit
        # clip id (full frame) / ("own", id): made on a clip's first frame (thousands of clips cost
        # nothing up front); the chains read in a frame stay open, the others are closed after it
        self._yuv: Dict[object, Optional[YuvChain]] = dict(chains)
        self._seen = seen
        self._used: set = set()  # chains and patches of the frame being made
        self._live: set = set()  # chains read since they were last closed
        self._patches: Dict[object, tuple] = {}  # layer key -> (its picture, placement, YuvPatch)
        self._cues: Dict[tuple, tuple] = {}  # (subtitle track, cue) -> its drawn (rgb, alpha)
        self.size = (int(renderer.width), int(renderer.height))
        self.yuv_frames = 0

    @property
    def clips(self) -> int:
        return sum(c is not None for c in self._yuv.values())

    # -- chains --------------------------------------------------------------------------------
    def _chain(self, clip) -> Optional[YuvChain]:
        if clip.id not in self._yuv:
            self._yuv[clip.id] = _open(self.renderer._chain(clip), self.size, self.matrix, self._seen)
        self._used.add(clip.id)
        return self._yuv[clip.id]

    def _full_frame(self, span, i: int, packed: bool = True):
        """A clip that fills the canvas untouched, from its planes (None: it can't): a Frame420
        of its own, or (``packed`` False) the planes as the chain gives them (maybe read-only)."""
        from ..project.model import Clip
        from .compositor import is_passthrough
        from .source import chain_alpha

        clip = span.item
        if not isinstance(clip, Clip):
            return None
        yc = self._chain(clip)
        if yc is None:
            return None
        r = self.renderer
        ch = r._chain(clip)
        local = min(max(i - span.start, 0), ch.frame_count - 1)
        tf = clip.transform.at(float(local / r.fps))
        if not is_passthrough(tf, (ch.width, ch.height), self.size, chain_alpha(ch) is not None):
            return None
        planes = yc.planes(local)
        if planes is None:  # the decoder changed format: the RGB path for this clip from here on
            yc.close()
            self._yuv[clip.id] = None
            return None
        return Frame420.of(planes) if packed else planes

    def _transition(self, span, i: int, below: Optional[Frame420]) -> Optional[Frame420]:
        """Both neighbours each drawn over what is below (black at the bottom; a full-frame plane
        clip there is its planes), blended at the transition's progress (Renderer._transition)."""
        r = self.renderer
        spans = r.layout.spans(r._track_of(span))
        sides = []
        for side in (spans[span.index - 1], spans[span.index + 1]):
            planes = self._full_frame(side, i, packed=False) if below is None else None
            if planes is None:
                fr = Frame420(below.buf.copy()) if below is not None else Frame420.black(*self.size)
                if not self._clip_layer(fr, side, i, clamp=True):
                    return None
                planes = fr.planes
            sides.append(planes)
        return blend_planes(span.item.kind, sides[0], sides[1], (i - span.start) / span.frames, span.item.params)

    # -- overlays ------------------------------------------------------------------------------
    def _overlay(self, f: Frame420, key, rgb, alpha, tf, source_size=None, subpixel=None) -> bool:
        """Blend one layer as Renderer._place would draw it; False when it can't be done here."""
        from .compositor import layer_patch, resolve

        p = resolve(tf)
        if p.blend != "normal":
            return False
        if p.opacity <= 0.0:
            return True
        full = replace(p, opacity=1.0)  # opacity is applied when blending: a fade reuses the patch
        self._used.add(key)
        hit = self._patches.get(key)
        if hit is not None and hit[0] is rgb and hit[1] is alpha and hit[2] == (full, subpixel):
            yp = hit[3]
        else:
            patch = layer_patch(self.size, rgb, alpha, full, 1.0, source_size, subpixel)
            yp = None if patch is None else to_yuv_patch(patch, 1.0, self.matrix, self.size)
            self._patches[key] = (rgb, alpha, (full, subpixel), yp)
        if yp is not None:
            yp.blend(f, p.opacity)
        return True

    def _clip_layer(self, f: Frame420, span, i: int, clamp: bool = False) -> bool:
        from ..project.model import Clip
        from .source import chain_alpha

        clip = span.item
        if not isinstance(clip, Clip):
            return False
        r = self.renderer
        ch = r._chain(clip)
        local = i - span.start
        if clamp:  # a transition's neighbour: its first / last frame outside its own span
            local = min(max(local, 0), ch.frame_count - 1)
        tf = clip.transform.at(float(local / r.fps))
        subpixel = True if clip.transform.animated else None
        alpha = chain_alpha(ch)
        if alpha is None and self._paste_planes(f, clip, ch, local, tf, subpixel):
            return True
        return self._overlay(f, clip.id, ch.frame(local), alpha, tf, tuple(ch.full_size), subpixel)

    def _paste_planes(self, f: Frame420, clip, ch, local: int, tf, subpixel) -> bool:
        """An opaque clip drawn at its own size on even pixels, whose planes come in the output's
        matrix: its planes pasted as they are (no RGB at all, as the bottom layer's)."""
        from .compositor import _geometry, resolve

        p = resolve(tf)
        if p.blend != "normal" or p.opacity < 1.0 or p.rotation % 360.0:
            return False
        sw, sh = ch.width, ch.height
        W, H = self.size
        g = _geometry(p, (sw, sh), (W, H), 1.0, tuple(ch.full_size), subpixel)
        if g.crop != (0, 0, sw, sh) or g.snapped is None:
            return False
        left, top, nw, nh = g.snapped
        if (nw, nh) != (sw, sh) or left % 2 or top % 2 or left < 0 or top < 0 or left + sw > W or top + sh > H:
            return False
        key = ("own", clip.id)
        if key not in self._yuv:
            self._yuv[key] = _open(ch, (sw, sh), self.matrix, self._seen)
        self._used.add(key)
        yc = self._yuv[key]
        planes = yc.planes(local) if yc is not None else None
        if planes is None:
            if yc is not None:
                yc.close()
                self._yuv[key] = None
            return False
        y, u, v = planes
        f.y[top:top + sh, left:left + sw] = y
        f.u[top // 2:(top + sh) // 2, left // 2:(left + sw) // 2] = u
        f.v[top // 2:(top + sh) // 2, left // 2:(left + sw) // 2] = v
        return True

    def _subtitles(self, f: Frame420, i: int) -> bool:
        from .captions import draw_cue, highlight_of
        from .render import _FULL

        r = self.renderer
        t = float(i / r.fps)
        shown = set()
        for k, sub in enumerate(r._subs):
            for n, cue in enumerate(sub.cues):
                if cue.start <= t < cue.end:
                    key = ("cue", k, n, highlight_of(sub, cue, t))  # karaoke: one drawing per lit word
                    shown.add(key)
                    drawn = self._cues.get(key)
                    if drawn is None:
                        drawn = self._cues[key] = draw_cue(sub, cue, t, self.size)
                    if not self._overlay(f, key, drawn[0], drawn[1], _FULL):
                        return False
        for key in [k for k in self._cues if k not in shown]:  # only the cues on screen stay drawn
            del self._cues[key]
            self._patches.pop(key, None)
        return True

    # -- frames --------------------------------------------------------------------------------
    def frame(self, i: int) -> Optional[np.ndarray]:
        """Frame ``i`` packed for the encoder, or None when it needs the RGB path."""
        self._used = set()
        try:
            return self._frame(i)
        finally:
            self._sweep()

    def _sweep(self) -> None:
        """Forget what the frame did not use: converted layers (a title that has ended) and open
        chains (clips that have ended; the decoder is shared and pooled, engine/pool.py)."""
        for key in [k for k in self._patches if k not in self._used]:
            del self._patches[key]
        for key in self._live - self._used:
            yc = self._yuv.get(key)
            if yc is not None:
                yc.close()
        self._live = {k for k in self._used if self._yuv.get(k) is not None}

    def _frame(self, i: int) -> Optional[np.ndarray]:
        from ..project.model import Transition

        r = self.renderer
        layers = r._layers(i)
        if layers and isinstance(layers[0].item, Transition):
            f, rest = self._transition(layers[0], i, None), layers[1:]
            if f is None:
                return None
        else:
            f = self._full_frame(layers[0], i) if layers else None
            rest = layers[1:]
            if f is None:  # drawn like any layer, over black (as the Renderer's empty canvas)
                f, rest = Frame420.black(*self.size), layers
        for span in rest:
            if isinstance(span.item, Transition):
                f = self._transition(span, i, f)
                if f is None:
                    return None
            elif not self._clip_layer(f, span, i):
                return None
        if r._subs and not self._subtitles(f, i):
            return None
        if self.fit is not None:
            return Frame420.of(self.fit(f.planes)).buf
        return f.buf

    def iter_frames(self, cancel=None) -> Iterator[Union[Yuv420, np.ndarray]]:
        r = self.renderer
        try:
            for i in range(r.frame_count):
                check(cancel)
                buf = self.frame(i)
                if buf is None:
                    yield r.frame(i)
                else:
                    self.yuv_frames += 1
                    yield Yuv420(buf)
        finally:
            self.close()

    def close(self) -> None:
        for c in self._yuv.values():
            if c is not None:
                c.close()


def _open(stage, size: Tuple[int, int], matrix: Optional[str], seen: dict) -> Optional[YuvChain]:
    """The clip's YuvChain bound to ``matrix`` (None: its own), or None when it has none.
    ``seen``: (file, grid) -> its first frame's matrix, so N cuts of one file decode it once."""
    yc = chain_for(stage, size)
    if yc is None:
        return None
    where = (yc.path, yc.fps)
    m = seen[where] if where in seen else yc.open()
    seen[where] = m
    if m is None or m not in MATRICES or (matrix is not None and m != matrix):
        yc.close()
        return None
    steps = _bind(yc.steps, m)
    if steps is None:
        yc.close()
        return None
    yc.steps, yc.matrix = steps, m
    yc.close()  # reopened (shared decoder) on its first frame
    return yc


def plan(renderer, layout, preset) -> Optional[ComposePath]:
    """The YUV compositing path for a composed project's export (the caller checked the preset
    and the Renderer), or None when no main-track clip can give planes (then the RGB path)."""
    size = (int(renderer.width), int(renderer.height))
    if size[0] % 2 or size[1] % 2:
        return None
    fit = fit_fn(layout, size)
    if fit is False:
        return None
    chains: Dict[str, Optional[YuvChain]] = {}
    seen: dict = {}
    for clip in renderer.project.main_track.clips:  # the first that gives planes sets the matrix
        yc = chains[clip.id] = _open(renderer._chain(clip), size, None, seen)
        if yc is not None:
            return ComposePath(renderer, yc.matrix, fit, chains, seen)
    return None
