"""The export's YUV fast path: decoded planes -> the ops' YUV forms -> the encoder, never RGB.

Ops are RGB in, RGB out between stages. For an export that costs a YUV -> RGB -> YUV round trip
per frame (~8 ms of CPU at 1080p, more than a colour op itself), so ``export_project`` renders a
clip from the decoder's planes when its whole chain allows it:

- the source is 8-bit 4:2:0, limited range, BT.709 or BT.601 (tagged, or untagged and read as
  FrameSource reads it), with no rotation and square pixels; the encoder then writes that matrix;
- every stage is a FRAME op whose registry entry declares a ``yuv`` form for its params
  (ops/yuv.py: exact, or within one level where documented) and whose params are not keyframed
  (those resolve per frame on the RGB path), an AUDIO op (pictures untouched) or a TIMING op
  (which only chooses source frames; the same TimeMap picks them here);
- the clip already has the timeline's size (no letterbox); a preset that scales or pads
  (social-9x16) is done on the planes too when every size and offset is even.

Anything else renders through the Renderer exactly as before, clip by clip; a frame the decoder
hands over in another format switches its clip to the Renderer from that frame on. Frames are
decoded (FrameSource.yuv_frame, same grid and VFR rules as the RGB path) on the export's render
thread; the encoder runs on the other thread. ``T2V_EXPORT_YUV=0`` turns the fast path off.
"""

from __future__ import annotations

import os
from typing import Iterator, List, Optional, Tuple, Union

import numpy as np

from ..jobs import check
from ..ops.yuv import MATRICES, PlaneFn, Planes, YuvFormat, area_shrink

#: swscale matrix names -> the one the encoder is given (SMPTE 170M is BT.601's weights).
_SAME_AS = {"ITU709": "ITU709", "ITU601": "ITU601", "SMPTE170M": "ITU601"}


def enabled() -> bool:
    return os.environ.get("T2V_EXPORT_YUV", "1").strip() not in ("0", "false", "no", "off")


class Yuv420:
    """One output frame as the encoder takes it: Y, U, V packed in a (h * 3 / 2, w) uint8 array."""

    __slots__ = ("buf",)

    def __init__(self, buf: np.ndarray):
        self.buf = buf


def planes_of(frame) -> Planes:
    """Read-only views of a decoded yuv420p av.VideoFrame's planes (no copy)."""
    out = []
    for p in frame.planes:
        a = np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, :p.width]
        a.flags.writeable = False
        out.append(a)
    return out[0], out[1], out[2]


def pack(planes: Planes) -> np.ndarray:
    """Y, U, V into one contiguous (h * 3 / 2, w) array: FFmpeg's yuv420p layout."""
    y, u, v = planes
    h, w = y.shape
    buf = np.empty((h * 3 // 2, w), np.uint8)
    flat = buf.reshape(-1)
    n = (h // 2) * (w // 2)
    np.copyto(buf[:h], y)
    np.copyto(flat[h * w:h * w + n].reshape(h // 2, w // 2), u)
    np.copyto(flat[h * w + n:].reshape(h // 2, w // 2), v)
    return buf


class YuvChain:
    """One clip's stage chain evaluated on planes. ``steps`` run from the source to the output:
    ("map", TimingStage) picks the input frame; ("op", FrameStage, fn) applies fn inside its span."""

    def __init__(self, source, steps: list, size: Tuple[int, int], small_caches: bool):
        self.source = source  # its SourceStage: the decoder is the one its clips share (engine/pool.py)
        self.path, self.start, self.fps = source.path, source.start, source.fps
        self.src_size = (source.width, source.height)
        self.steps, self.size, self.small_caches = steps, size, small_caches
        self.matrix: Optional[str] = None
        self.fit: Optional[PlaneFn] = None  # the preset's scale / pad, when it has one
        self._fs = None

    def source_index(self, i: int) -> Tuple[int, List[bool]]:
        """Source frame (file grid index) of output frame ``i`` and, per op step, whether it applies."""
        on: List[bool] = []
        for step in reversed(self.steps):
            if step[0] == "map":
                i = step[1].map.input_frame(i)
            else:
                a, b = step[1].span
                on.append(a <= i < b)
        on.reverse()
        return self.start + i, on

    def _decoded(self, src_index: int):
        self._fs = self.source.decoder(small=self.small_caches)  # shared; the pool may reopen it
        return self._fs.yuv_frame(src_index)

    def _usable(self, f) -> Optional[str]:
        """The frame's matrix when the fast path can take it as it is, else None."""
        if f.format.name != "yuv420p" or (f.width, f.height) != self.src_size or int(f.color_range) not in (0, 1):
            return None
        from ..media.frames import matrix_for

        return _SAME_AS.get(matrix_for(int(f.colorspace), f.height))

    def open(self) -> Optional[str]:
        """Decode the first frame; its matrix, or None when the fast path cannot take this clip."""
        f = self._decoded(self.source_index(0)[0])
        self.matrix = self._usable(f)
        return self.matrix

    def frame(self, i: int) -> Optional[np.ndarray]:
        """Output frame ``i`` packed for the encoder, or None when its decoded frame does not fit."""
        planes = self.planes(i)
        if planes is None:
            return None
        if self.fit is not None:
            planes = self.fit(planes)
        return pack(planes)

    def planes(self, i: int) -> Optional[Planes]:
        """Output frame ``i``'s planes after the ops (before the preset's fit; they may be the
        decoder's read-only views), or None when its decoded frame does not fit."""
        src, on = self.source_index(i)
        f = self._decoded(src)
        if self._usable(f) != self.matrix:
            return None
        planes = planes_of(f)
        k = 0
        for step in self.steps:
            if step[0] == "op":
                if on[k]:
                    planes = step[2](planes)
                k += 1
        return planes

    def close(self) -> None:
        self._fs = None  # shared with the other clips of the file: the pool closes it


def chain_for(stage, out_size: Tuple[int, int]) -> Optional[YuvChain]:
    """The YuvChain of a clip's output stage, or None when a stage has no YUV form (walked
    iteratively: chains may be thousands of ops long)."""
    from .stages import AudioStage, FrameStage, SourceStage, TimingStage

    if (stage.width, stage.height) != tuple(out_size) or stage.scale != 1.0:
        return None
    stages = []
    while not isinstance(stage, SourceStage):
        if not isinstance(stage, (FrameStage, AudioStage, TimingStage)):
            return None
        stages.append(stage)
        stage = stage.prev
    source = stage
    if not _source_ok(source):
        return None
    steps: list = []
    small = True
    for st in reversed(stages):
        if isinstance(st, TimingStage):
            steps.append(("map", st))
            small = False  # reverse / slow motion walk back: keep FrameSource's scrubbing caches
        elif isinstance(st, FrameStage):
            factory = st.spec.yuv
            prev = st.prev
            if factory is None or st.animated or prev.width % 2 or prev.height % 2:
                return None  # keyframed params: the RGB path, which resolves them per frame
            fn = factory(YuvFormat(prev.width, prev.height, "ITU709"), **st.fn_params)
            if fn is None:
                return None
            steps.append(("op", st, factory))
    return YuvChain(source, steps, tuple(out_size), small)


def _source_ok(source) -> bool:
    from .stages import probe_cached

    info = probe_cached(source.path)
    return (info.pix_fmt == "yuv420p" and info.rotation == 0 and source.width % 2 == 0
            and source.height % 2 == 0 and (info.coded_width, info.coded_height) == (info.width, info.height)
            and (source.width, source.height) == (info.width, info.height))


class FastPath:
    """The clips of a Renderer that export from planes, and the matrix the encoder must write."""

    def __init__(self, renderer, chains: List[Optional[YuvChain]], matrix: str):
        self.renderer, self.chains, self.matrix = renderer, chains, matrix

    @property
    def clips(self) -> int:
        """How many clips render from planes."""
        return sum(c is not None for c in self.chains)

    def iter_frames(self, cancel=None) -> Iterator[Union[Yuv420, np.ndarray]]:
        """Every output frame in order: Yuv420 from planes, or the Renderer's RGB frame."""
        r = self.renderer
        start = 0
        try:
            for k, ch in enumerate(r.chains):
                yc = self.chains[k]
                for local in range(ch.frame_count):
                    check(cancel)
                    buf = yc.frame(local) if yc is not None else None
                    if buf is None:
                        if yc is not None:  # the decoder changed format: the RGB path from here on
                            yc.close()
                            yc = self.chains[k] = None
                        yield r.frame(start + local)
                    else:
                        yield Yuv420(buf)
                if yc is not None:
                    yc.close()
                start += ch.frame_count
        finally:
            self.close()

    def close(self) -> None:
        for c in self.chains:
            if c is not None:
                c.close()


def plan(renderer, layout, preset) -> Optional[FastPath]:
    """The fast path for this export, or None when no clip can take it."""
    if not enabled() or preset.video_codec in (None, "gif") or preset.pix_fmt != "yuv420p":
        return None
    from .render import Renderer

    cls = type(renderer)
    if not isinstance(renderer, Renderer) or cls.frame is not Renderer.frame or cls.iter_frames is not Renderer.iter_frames:
        return None  # a renderer that makes its own frames: honour them
    chains = renderer.chains
    if not chains or renderer.preview_scale != 1.0:
        return None
    if not getattr(renderer, "simple", False):  # several tracks, transitions, stills: composed on planes
        from .yuv_compose import plan as compose_plan

        return compose_plan(renderer, layout, preset)
    size = (int(renderer.width), int(renderer.height))
    fit = fit_fn(layout, size)
    if fit is False:
        return None
    out: List[Optional[YuvChain]] = []
    matrix = None
    seen = {}  # (file, grid) -> its first frame's matrix: N cuts of one file decode it once here
    for ch in chains:
        yc = chain_for(ch, size)
        if yc is not None:
            where = (yc.path, yc.fps)
            m = seen[where] if where in seen else yc.open()
            seen[where] = yc.matrix = m
            if matrix is not None or m is None:
                yc.close()  # it reads on its turn (the decoder is shared: the pool keeps it)
            fits = m in MATRICES and (matrix is None or m == matrix)
            steps = _bind(yc.steps, m) if fits else None
            if steps is None:
                yc.close()
                yc = None
            else:
                yc.steps, yc.matrix, yc.fit, matrix = steps, m, fit, m
        out.append(yc)
    if matrix is None:
        return None
    return FastPath(renderer, out, matrix)


def fit_fn(layout, size: Tuple[int, int]):
    """export.fit_frame on planes: None when the layout keeps the frames as they are, False when
    it cannot be done on 4:2:0 planes (an odd size or offset would split chroma pixels)."""
    w, h = size
    if layout.identity and (layout.width, layout.height) == (w, h):
        return None
    if any(v % 2 for v in (layout.width, layout.height, layout.scaled_w, layout.scaled_h, layout.x, layout.y)):
        return False
    import cv2

    sw, sh = layout.scaled_w, layout.scaled_h
    interp = cv2.INTER_AREA if sw * sh < w * h else cv2.INTER_CUBIC  # as fit_frame

    def run(p: Planes) -> Planes:
        out = []
        for k, plane in enumerate(p):
            d = 1 if k == 0 else 2
            if (sw, sh) != (w, h):
                size = (sw // d, sh // d)
                if interp == cv2.INTER_AREA and size[0] <= plane.shape[1] and size[1] <= plane.shape[0]:
                    plane = area_shrink(plane, size)
                else:
                    plane = cv2.resize(plane, size, interpolation=interp)
            if not layout.identity:
                canvas = np.full((layout.height // d, layout.width // d), 16 if k == 0 else 128, np.uint8)
                canvas[layout.y // d:(layout.y + sh) // d, layout.x // d:(layout.x + sw) // d] = plane
                plane = canvas
            out.append(plane)
        return out[0], out[1], out[2]

    return run


def _bind(steps: list, matrix: str) -> Optional[list]:
    """Steps with each op's plane function made for the clip's matrix (None: one has none there)."""
    bound = []
    for step in steps:
        if step[0] == "op":
            st, factory = step[1], step[2]
            fn = factory(YuvFormat(st.prev.width, st.prev.height, matrix), **st.fn_params)
            if fn is None:
                return None
            step = ("op", st, fn)
        bound.append(step)
    return bound
