"""On-canvas handles: the selected overlay's box in the preview, moved and scaled with the mouse.

Geometry comes from the compositor itself (``engine.compositor.layer_box``, the same crop, fit,
scale, rotation and anchor as the drawn pixels), in fractions of the canvas, so the preview's proxy
scale and the widget's size never matter. A press picks the topmost visible layer under the cursor
(and selects its clip); dragging inside an upper-track layer moves it (Transform x, y), dragging a
corner scales it about the opposite corner (scale, and x, y so that corner stays put). While
dragging, the picture is the compositor's own: the frame without the layer is rendered once when
the drag starts (``make_ghost``), then each mouse move composites just that layer onto it (a few
ms), never a Renderer per move. The release is one ``SetTransform`` undo step, and the preview
renders the real frame again. A keyframed field gets its key at the playhead set (added or
replaced; the other keys kept).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
from typing import Callable, List, Optional, Tuple

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from .. import keyframes as kf

Box = Tuple[float, float, float, float]  # x0, y0, x1, y1 in canvas fractions

#: Half the side of a corner handle, widget pixels; presses this close to a corner grab it.
HANDLE = 5
GRAB = 9
#: Drags shorter than this (widget pixels) are a click: no edit.
CLICK_SLOP = 3
MIN_SIZE_PX = 4.0  # a corner drag never shrinks a layer below this many canvas pixels


@dataclass
class Layer:
    """One visible clip at the playhead: its box on the canvas and its transform there."""

    clip_id: str
    track_id: str
    main: bool  # on the main (bottom) track: selectable, no handles
    box: Box
    local_t: float  # seconds from the clip's first frame on its track (keyframe time)
    transform: object  # the model's Transform (fields may be Keyframes)
    visible: bool = True  # opacity above 0
    exact: Optional[Box] = None  # the box before whole-pixel snapping (what scaling keeps in place)
    kind: str = ""  # the clip's source type: "title", "image", "file", ...

    @property
    def geometry(self) -> Box:
        return self.exact or self.box


def layers_at(project, renderer, t: float) -> List[Layer]:
    """The clips under timeline second ``t`` on the visible video tracks, bottom to top, with their
    boxes as the Renderer composites them (``renderer``: a full-size Renderer of ``project``)."""
    from ..engine.compositor import layer_box
    from ..project.model import Clip

    layout = renderer.layout
    W, H = renderer.full_size
    fps = layout.fps
    i = int(t * fps + 1e-6)
    main = project.main_track
    out: List[Layer] = []
    for track in project.tracks:
        if track.kind != "video" or track.hidden:
            continue
        span = layout.item_at_frame(track, i)
        if span is None or not isinstance(span.item, Clip):
            continue
        clip = span.item
        ch = renderer.chain(clip.id)
        local = float((i - span.start) / fps)
        tf = clip.transform.at(local)
        rect = None
        if clip.source.type == "title":
            from ..engine.titles import layout_title

            rect = layout_title(clip.source.text, clip.source.style, (ch.width, ch.height)).block_rect
        x0, y0, x1, y1 = layer_box(tf, (ch.width, ch.height), (W, H), source_size=tuple(ch.full_size),
                                   subpixel=True if clip.transform.animated else None, rect=rect)
        e0, f0, e1, f1 = layer_box(tf, (ch.width, ch.height), (W, H), source_size=tuple(ch.full_size),
                                   subpixel=True, rect=rect)
        out.append(Layer(clip.id, track.id, track is main, (x0 / W, y0 / H, x1 / W, y1 / H), local,
                         clip.transform, float(tf.opacity) > 0.0, (e0 / W, f0 / H, e1 / W, f1 / H),
                         clip.source.type))
    return out


def make_ghost(project, renderer, layer: Layer, index: int, preview_scale: float) -> Callable:
    """``draw(transform) -> frame``: frame ``index`` at ``preview_scale`` with ``layer``'s clip drawn
    with ``transform`` instead of its own. The frame without the clip is rendered once here; each
    call composites only the clip's (full-size) picture onto a copy of it."""
    from ..engine.compositor import composite
    from ..engine.source import chain_alpha
    from ..gui import core
    from ..project.transform import Transform

    snap = core.snapshot(project)
    snap.find_clip(layer.clip_id).transform = Transform(opacity=0.0)
    r = core.make_renderer(snap, preview_scale)
    try:
        below = np.array(r.frame(index))
    finally:
        r.close()
    ch = renderer.chain(layer.clip_id)
    a, b = renderer.layout.clip_frames(layer.clip_id)
    local = min(max(index - a, 0), b - a - 1)
    rgb, alpha = ch.frame(local), chain_alpha(ch)
    full, source = tuple(renderer.full_size), tuple(ch.full_size)
    moving = layer.transform.animated

    def draw(tf) -> np.ndarray:
        return composite(below.copy(), rgb, alpha, tf.at(layer.local_t), preview_scale=preview_scale,
                         full_canvas=full, source_size=source, subpixel=True if moving else None)

    return draw


def hit(layers: List[Layer], fx: float, fy: float) -> Optional[Layer]:
    """The topmost visible layer whose box holds the canvas point (fx, fy) (fractions)."""
    for lay in reversed(layers):
        x0, y0, x1, y1 = lay.box
        if lay.visible and x0 <= fx <= x1 and y0 <= fy <= y1:
            return lay
    return None


def set_at(value, t: float, new: float):
    """``value`` (a number or Keyframes) with ``new`` at time ``t``: a plain number is replaced; a
    keyframed one gets its key at ``t`` set (replaced when one is there, else added with the
    interpolation of the key before it), the other keys kept."""
    if not isinstance(value, kf.Keyframes):
        return float(new)
    keys = list(value.keys)
    same = [k for k in keys if abs(k.t - t) < 1e-4]
    if same:
        interp = same[0].interp
    else:
        before = [k for k in keys if k.t < t]
        interp = before[-1].interp if before else keys[0].interp
    keys = [k for k in keys if abs(k.t - t) >= 1e-4] + [kf.Key(float(t), float(new), interp)]
    return kf.Keyframes(tuple(sorted(keys, key=lambda k: k.t)))


def _limit(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


def moved(layer: Layer, dx: float, dy: float):
    """The transform with the layer moved by (dx, dy) canvas fractions at its playhead time."""
    from ..project.transform import Transform

    tf, at = layer.transform, layer.transform.at(layer.local_t)
    lo, hi = Transform.BOUNDS["x"]
    return replace(copy.deepcopy(tf), x=set_at(tf.x, layer.local_t, _limit(float(at.x) + dx, lo, hi)),
                   y=set_at(tf.y, layer.local_t, _limit(float(at.y) + dy, lo, hi)))


def corner_points(box: Box) -> List[Tuple[float, float]]:
    """Top-left, top-right, bottom-left, bottom-right."""
    x0, y0, x1, y1 = box
    return [(x0, y0), (x1, y0), (x0, y1), (x1, y1)]


def scale_ratio(layer: Layer, corner: int, fx: float, fy: float, canvas: Tuple[int, int]) -> float:
    """How much a drag of ``corner`` to (fx, fy) scales the layer: the new corner's projection on
    the old opposite-corner-to-corner diagonal (canvas pixels, so the aspect stays)."""
    W, H = canvas
    pts = corner_points(layer.geometry)
    cx, cy = pts[corner]
    ox, oy = pts[3 - corner]
    vx, vy = (cx - ox) * W, (cy - oy) * H
    wx, wy = (fx - ox) * W, (fy - oy) * H
    n = vx * vx + vy * vy
    if n <= 0:
        return 1.0
    r = (wx * vx + wy * vy) / n
    return max(r, MIN_SIZE_PX / math.sqrt(n))


def scaled(layer: Layer, corner: int, r: float, canvas: Tuple[int, int]):
    """The transform scaled by ``r`` about the corner opposite ``corner`` (which stays put): the
    layer scales about its anchor, so the anchor moves to ``O + (A - O) * r``."""
    from ..project.transform import Transform

    W, H = canvas
    tf, at = layer.transform, layer.transform.at(layer.local_t)
    lo, hi = Transform.BOUNDS["scale"]
    s = float(at.scale)
    r = _limit(s * r, lo, hi) / s
    ox, oy = corner_points(layer.geometry)[3 - corner]
    ax = ox + (float(at.x) - ox) * r
    ay = oy + (float(at.y) - oy) * r
    xlo, xhi = Transform.BOUNDS["x"]
    t = layer.local_t
    return replace(copy.deepcopy(tf), scale=set_at(tf.scale, t, s * r), x=set_at(tf.x, t, _limit(ax, xlo, xhi)),
                   y=set_at(tf.y, t, _limit(ay, xlo, xhi)))


def scaled_box(box: Box, corner: int, r: float) -> Box:
    ox, oy = corner_points(box)[3 - corner]
    xs = [ox + (x - ox) * r for x in (box[0], box[2])]
    ys = [oy + (y - oy) * r for y in (box[1], box[3])]
    return (min(xs), min(ys), max(xs), max(ys))


class CanvasHandles:
    """The mouse and paint logic of the handles over a frame view (gui/preview.py's FrameView
    forwards its events here). Callbacks: ``layers()`` -> the Layers at the playhead (empty while
    playing), ``selected()`` -> the selected clip id, ``select(clip_id)``, ``commit(clip_id,
    transform) -> bool`` (one undo step; False when refused), ``canvas()`` -> the exported (width, height), ``ghost(layer)`` ->
    a ``make_ghost`` drawer or None (then only the box moves), ``edit_title(clip_id)`` on a
    double-click on a title."""

    def __init__(self, view, *, layers: Callable[[], List[Layer]], selected: Callable[[], Optional[str]],
                 select: Callable[[Optional[str]], None], commit: Callable[[str, object], None],
                 canvas: Callable[[], Tuple[int, int]], ghost: Optional[Callable[[Layer], Optional[Callable]]] = None,
                 edit_title: Optional[Callable[[str], object]] = None):
        self.view = view
        self.layers, self.selected, self.select, self.commit, self.canvas = layers, selected, select, commit, canvas
        self.ghost, self.edit_title = ghost, edit_title
        self._drag: Optional[dict] = None

    # -- geometry ---------------------------------------------------------------------------------
    def _target(self) -> Optional[QRectF]:
        r = self.view.image_rect()
        return None if r is None else QRectF(r)

    def _to_canvas(self, pos) -> Optional[Tuple[float, float]]:
        t = self._target()
        if t is None or t.width() <= 0 or t.height() <= 0:
            return None
        return (pos.x() - t.x()) / t.width(), (pos.y() - t.y()) / t.height()

    def _to_widget(self, box: Box) -> QRectF:
        t = self._target()
        x0, y0, x1, y1 = box
        return QRectF(t.x() + x0 * t.width(), t.y() + y0 * t.height(), (x1 - x0) * t.width(), (y1 - y0) * t.height())

    def active(self) -> Optional[Layer]:
        """The selected clip's layer at the playhead when it is on an upper track (it has handles)."""
        cid = self.selected()
        if not cid:
            return None
        for lay in self.layers():
            if lay.clip_id == cid and not lay.main:
                return lay
        return None

    def _corner_at(self, lay: Layer, pos) -> Optional[int]:
        rect = self._to_widget(lay.box)
        pts = [rect.topLeft(), rect.topRight(), rect.bottomLeft(), rect.bottomRight()]
        best = min(range(4), key=lambda k: (pts[k].x() - pos.x()) ** 2 + (pts[k].y() - pos.y()) ** 2)
        p = pts[best]
        return best if abs(p.x() - pos.x()) <= GRAB and abs(p.y() - pos.y()) <= GRAB else None

    # -- events (True: handled) --------------------------------------------------------------------
    def press(self, ev) -> bool:
        if ev.button() != Qt.LeftButton:
            return False
        pos = ev.position()
        c = self._to_canvas(pos)
        if c is None:
            return False
        lay = self.active()
        corner = self._corner_at(lay, pos) if lay is not None else None
        if corner is None:
            under = hit(self.layers(), *c)
            if under is None:
                return False
            if under.clip_id != self.selected():
                self.select(under.clip_id)
            lay = under if not under.main else None
        if lay is None:
            return True
        self._drag = {"layer": lay, "corner": corner, "start": c, "start_px": QPointF(pos), "box": lay.box,
                      "moved": False, "image": self.view.image, "draw": None}
        self.view.update()
        return True

    def move(self, ev) -> bool:
        d = self._drag
        if d is None:
            return False
        pos = ev.position()
        c = self._to_canvas(pos)
        if c is None:
            return True
        if (pos - d["start_px"]).manhattanLength() >= CLICK_SLOP:
            d["moved"] = True
        lay: Layer = d["layer"]
        if d["corner"] is None:
            dx, dy = c[0] - d["start"][0], c[1] - d["start"][1]
            x0, y0, x1, y1 = lay.box
            d["box"], d["delta"] = (x0 + dx, y0 + dy, x1 + dx, y1 + dy), (dx, dy)
        else:
            r = scale_ratio(lay, d["corner"], c[0], c[1], self.canvas())
            d["box"], d["ratio"] = scaled_box(lay.box, d["corner"], r), r
        if d["moved"]:
            self._draw_ghost(d)
        self.view.update()
        return True

    def _draw_ghost(self, d: dict) -> None:
        """Show the frame with the layer where the drag puts it (the drawer is made on the first move)."""
        if self.ghost is None or d["draw"] is False:
            return
        try:
            if d["draw"] is None:
                d["draw"] = self.ghost(d["layer"]) or False
                if d["draw"] is False:
                    return
            from .preview import to_qimage

            self.view.image = to_qimage(d["draw"](self._transform(d)))
        except Exception:  # the live picture is a nicety: the box still moves, the release still applies
            import logging

            logging.getLogger(__name__).info("no live picture while dragging", exc_info=True)
            d["draw"] = False

    def _transform(self, d: dict):
        lay: Layer = d["layer"]
        if d["corner"] is None:
            return moved(lay, *d.get("delta", (0.0, 0.0)))
        return scaled(lay, d["corner"], d.get("ratio", 1.0), self.canvas())

    def release(self, ev) -> bool:
        d, self._drag = self._drag, None
        if d is None:
            return False
        self.view.update()
        ok = d["moved"] and ("delta" in d or "ratio" in d) and self.commit(d["layer"].clip_id, self._transform(d))
        if not ok or not d["draw"]:
            self.view.image = d["image"]  # else the live picture stays until the edited frame arrives
        return True

    def double_click(self, ev) -> bool:
        """A double-click on a title opens its editor."""
        c = self._to_canvas(ev.position())
        under = hit(self.layers(), *c) if c is not None and ev.button() == Qt.LeftButton else None
        if under is None or under.kind != "title" or self.edit_title is None:
            return False
        self.cancel()
        self.edit_title(under.clip_id)
        return True

    def cancel(self) -> None:
        """Drop the drag (Escape): nothing changes."""
        d, self._drag = self._drag, None
        if d is not None:
            self.view.image = d["image"]
            self.view.update()

    @property
    def dragging(self) -> bool:
        return self._drag is not None

    # -- painting -----------------------------------------------------------------------------------
    def paint(self, p: QPainter) -> None:
        if self._target() is None:
            return
        if self._drag is not None:
            box = self._drag["box"]
        else:
            lay = self.active()
            if lay is None:
                return
            box = lay.box
        rect = self._to_widget(box)
        p.save()
        p.setRenderHint(QPainter.Antialiasing, True)
        p.setBrush(Qt.NoBrush)
        p.setPen(QPen(QColor(0, 0, 0, 160), 3))
        p.drawRect(rect)
        pen = QPen(QColor("#4fc3f7"), 1.5)
        if self._drag is not None:
            pen.setStyle(Qt.DashLine)
        p.setPen(pen)
        p.drawRect(rect)
        p.setBrush(QColor("#ffffff"))
        p.setPen(QPen(QColor("#1565c0"), 1.2))
        for pt in (rect.topLeft(), rect.topRight(), rect.bottomLeft(), rect.bottomRight()):
            p.drawRect(QRectF(pt.x() - HANDLE, pt.y() - HANDLE, 2 * HANDLE, 2 * HANDLE))
        p.restore()

    def cursor_for(self, pos) -> Optional[Qt.CursorShape]:
        """The cursor over ``pos``: diagonal arrows on a corner, a move cross inside the box."""
        lay = self.active()
        if lay is None:
            return None
        corner = self._corner_at(lay, pos)
        if corner is not None:
            return Qt.SizeFDiagCursor if corner in (0, 3) else Qt.SizeBDiagCursor
        c = self._to_canvas(pos)
        x0, y0, x1, y1 = lay.box
        if c is not None and x0 <= c[0] <= x1 and y0 <= c[1] <= y1:
            return Qt.SizeAllCursor
        return None
