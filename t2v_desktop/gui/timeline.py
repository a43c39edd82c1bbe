"""Timeline: one custom-painted video track (with its audio lane) -- fast and simple.

Shows clips at their *edited* lengths (Renderer.clip_spans), thumbnails of the frames actually
shown, the audio waveform, each scoped op's range on its clip *in output time* (after the cuts
and speed changes of the chain, engine/durations.py: a bar only over footage that exists) and the
playhead. The zoom stays as it is across edits, so a trimmed clip looks shorter; it fits the
window when a project is opened or on request (View > Fit, Ctrl+0). Mouse: click to select/seek,
drag a clip to reorder, drag its edges to trim (snapping to edges and playhead), Ctrl+wheel to
zoom. It never edits the project itself: it emits requests the main window turns into history
commands.
"""

from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from .edit_stack import op_label, short_time
from .thumbs import PEAKS_PER_SEC, ThumbCache

RULER_H = 22
VIDEO_Y, VIDEO_H = 28, 62
AUDIO_Y, AUDIO_H = 94, 38
EDGE_PX = 7
SNAP_PX = 8
CLIP_COLORS = ("#35597f", "#5a4a7f", "#3f6f5a", "#7a5a3a")


class TimelineWidget(QWidget):
    seekRequested = Signal(float)
    #: True while the playhead is dragged (the preview then shows scrubbing-proxy frames), False after.
    scrubbing = Signal(bool)
    selectionChanged = Signal(object)          # clip id or None
    trimRequested = Signal(str, float, object)  # clip id, new in (s), new out (s) or None
    moveRequested = Signal(str, int)            # clip id, new index
    mediaDropped = Signal(list, int)            # paths (bin items or desktop files), insert index

    def __init__(self, thumbs: ThumbCache, parent=None):
        super().__init__(parent)
        self.thumbs = thumbs
        thumbs.updated.connect(self.update)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.ClickFocus)
        self.setMinimumHeight(AUDIO_Y + AUDIO_H + 8)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.clips: dict = {}
        self.spans: list[tuple[str, float, float]] = []
        #: clip id -> (op id -> [(start, end)] output seconds from the clip start, out -> source time)
        self.layout: dict = {}
        self.duration = 0.0
        self.playhead = 0.0
        self.selected: Optional[str] = None
        self.pps: Optional[float] = None  # pixels per second; None = fit to width
        self.offset = 0.0                 # seconds at the left edge
        self.source_duration: Callable[[str], Optional[float]] = lambda path: None
        self._drag: Optional[dict] = None
        self.setAcceptDrops(True)

    def sizeHint(self) -> QSize:
        return QSize(800, AUDIO_Y + AUDIO_H + 8)

    # -- model --------------------------------------------------------------------------------
    def set_model(self, project, spans, duration: float, layout: Optional[dict] = None, *,
                  fit: bool = False) -> None:
        """New spans after an edit. The zoom is kept (a fitted view freezes its scale), so the
        edit's effect on lengths is visible; ``fit`` (a new project) or an empty timeline fits
        what arrives."""
        if fit or not spans:
            self.pps, self.offset = None, 0.0
        elif self.pps is None and self.spans:
            self.pps = self.scale()  # freeze the fit of the previous state
        self.clips = {c.id: c for c in project.all_clips()}
        self.spans = list(spans)
        self.duration = float(duration)
        self.layout = dict(layout or {})
        if self.selected not in self.clips:
            self.selected = None
        self.update()

    def set_playhead(self, t: float) -> None:
        self.playhead = float(t)
        x = self.x_of(t)
        if self.pps is not None and (x < 0 or x > self.width()):
            self.offset = max(0.0, t - 0.1 * self.width() / self.scale())
        self.update()

    def select(self, clip_id: Optional[str]) -> None:
        if clip_id != self.selected:
            self.selected = clip_id
            self.selectionChanged.emit(clip_id)
            self.update()

    # -- geometry -----------------------------------------------------------------------------
    def scale(self) -> float:
        if self.pps is None:
            return max(1.0, (self.width() - 16) / max(self.duration, 1.0))
        return self.pps

    def x_of(self, t: float) -> float:
        return 8 + (t - (self.offset if self.pps is not None else 0.0)) * self.scale()

    def t_of(self, x: float) -> float:
        return (x - 8) / self.scale() + (self.offset if self.pps is not None else 0.0)

    def zoom(self, factor: float) -> None:
        s = self.scale() * factor
        self.pps = min(max(s, 2.0), 2000.0)
        self.offset = max(0.0, self.playhead - 0.4 * self.width() / self.pps)
        self.update()

    def zoom_fit(self) -> None:
        self.pps, self.offset = None, 0.0
        self.update()

    def span_at(self, x: float):
        t = self.t_of(x)
        for i, (cid, a, b) in enumerate(self.spans):
            if a <= t < b:
                return i, cid, a, b
        return None

    def snap(self, t: float, exclude: Optional[str] = None) -> float:
        pts = [self.playhead, 0.0, self.duration]
        for cid, a, b in self.spans:
            if cid != exclude:
                pts += [a, b]
        best = min(pts, key=lambda p: abs(p - t))
        return best if abs(best - t) * self.scale() <= SNAP_PX else t

    # -- painting -----------------------------------------------------------------------------
    def paintEvent(self, _ev) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#181a1d"))
        self._paint_ruler(p)
        p.fillRect(0, VIDEO_Y, self.width(), VIDEO_H, QColor("#1c1f23"))
        p.fillRect(0, AUDIO_Y, self.width(), AUDIO_H, QColor("#1c1f23"))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1.5))
        for i, (cid, a, b) in enumerate(self.spans):
            clip = self.clips.get(cid)
            if clip is not None:
                self._paint_clip(p, i, clip, a, b, small)
        if self._drag and self._drag.get("ghost") is not None:
            g = self._drag["ghost"]
            p.setPen(QPen(QColor("#ffd54f"), 2, Qt.DashLine))
            p.setBrush(Qt.NoBrush)
            p.drawRect(QRectF(self.x_of(g[0]), VIDEO_Y, (g[1] - g[0]) * self.scale(), VIDEO_H + AUDIO_H + 4))
        x = self.x_of(self.playhead)
        p.setPen(QPen(QColor("#ff5252"), 1.5))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.setBrush(QColor("#ff5252"))
        p.drawPolygon(QPolygonF([QPointF(x - 6, 0), QPointF(x + 6, 0), QPointF(x, 8)]))
        if not self.spans:
            p.setPen(QColor("#6b717b"))
            p.drawText(self.rect().adjusted(0, RULER_H, 0, 0), Qt.AlignCenter,
                       "Drop clips here or on the media bin (Ctrl+I to import)")
        p.end()

    def _paint_ruler(self, p: QPainter) -> None:
        p.fillRect(0, 0, self.width(), RULER_H, QColor("#23262b"))
        s = self.scale()
        step = next((v for v in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if v * s >= 70), 1200)
        p.setPen(QColor("#8b929c"))
        t = max(0.0, (int(self.t_of(0) / step)) * step)
        end = self.t_of(self.width())
        while t <= end:
            x = self.x_of(t)
            p.drawLine(QPointF(x, RULER_H - 8), QPointF(x, RULER_H))
            label = short_time(t) if step >= 1 else f"{t:.1f}s"
            if x + 3 + p.fontMetrics().horizontalAdvance(label) <= self.width():  # no cut-off label at the edge
                p.drawText(QPointF(x + 3, RULER_H - 9), label)
            t += step

    def _paint_clip(self, p: QPainter, i: int, clip, a: float, b: float, small: QFont) -> None:
        x0, x1 = self.x_of(a), self.x_of(b)
        if x1 < 0 or x0 > self.width():
            return
        vr = QRectF(x0, VIDEO_Y, max(2.0, x1 - x0 - 1), VIDEO_H)
        ar = QRectF(x0, AUDIO_Y, max(2.0, x1 - x0 - 1), AUDIO_H)
        base = QColor(CLIP_COLORS[i % len(CLIP_COLORS)])
        p.fillRect(vr, base.darker(130))
        p.fillRect(ar, QColor("#2b4a3a"))
        p.save()
        p.setClipRect(vr)
        # thumbnails along the clip: the source frame shown at each place (after cuts and speed)
        src_len = self._source_len(clip, b - a)
        to_source = self.layout.get(clip.id, (None, None))[1]
        tw = (VIDEO_H - 16) * 16 / 9  # until the first thumbnail says its real width
        x = x0
        while x < min(x1, self.width()):
            if x + tw < 0:  # scrolled out on the left: no need to load it
                x += max(tw, 20)
                continue
            frac = (x - x0) / max(1.0, x1 - x0)
            st = to_source(frac * (b - a)) if to_source else clip.in_point + frac * src_len
            img = self.thumbs.thumb(clip.path, st) if clip.source.type == "file" else None
            if img is None or img.isNull():
                break
            ty = VIDEO_Y + 16
            p.drawImage(QRectF(x, ty, img.width() * (VIDEO_H - 16) / img.height(), VIDEO_H - 16), img)
            tw = img.width() * (VIDEO_H - 16) / img.height()
            x += max(tw, 20)
        p.fillRect(QRectF(x0, VIDEO_Y, x1 - x0, 16), base)
        p.setFont(small)
        p.setPen(QColor("white"))
        fx = [op_label(o.op) for o in clip.ops if o.enabled and o.range is None]
        title = clip.label
        if fx:
            title += "  ·  fx: " + ", ".join(fx)
        title = p.fontMetrics().elidedText(title, Qt.ElideRight, max(0, int(vr.width()) - 8))
        p.drawText(vr.adjusted(4, 1, -4, 0), Qt.AlignLeft | Qt.AlignTop, title)
        # scoped op ranges, where they are in the output (nothing for a range that was cut)
        spans = self.layout.get(clip.id, (None, None))[0]
        for k, o in enumerate(o for o in clip.ops if o.range is not None):
            parts = spans.get(o.id, []) if spans is not None else [(o.range[0], min(b - a, o.range[1]))]
            col = QColor("#ffb74d") if o.enabled else QColor("#6b717b")
            col.setAlpha(220)
            for r0, r1 in parts:
                rx0, rx1 = self.x_of(a + r0), self.x_of(min(b, a + r1))
                rr = QRectF(rx0, VIDEO_Y + VIDEO_H - 12 - 12 * (k % 3), max(3.0, rx1 - rx0), 10)
                p.fillRect(rr, col)
                p.setPen(QColor("#1b1b1b"))
                label = p.fontMetrics().elidedText(op_label(o.op), Qt.ElideRight, max(0, int(rr.width()) - 4))
                p.drawText(rr.adjusted(3, -2, 0, 2), Qt.AlignLeft | Qt.AlignVCenter, label)
        p.restore()
        # waveform
        wave = self.thumbs.wave(clip.path) if clip.source.type == "file" else None
        if wave is not None and len(wave):
            p.save()
            p.setClipRect(ar)
            p.setPen(QColor("#7fd6a4"))
            mid = AUDIO_Y + AUDIO_H / 2
            n = int(x1 - x0)
            for px in range(max(0, int(-x0)) & ~1, max(0, min(n, int(self.width() - x0) + 2)), 2):
                frac = px / max(1.0, x1 - x0)
                st = to_source(frac * (b - a)) if to_source else clip.in_point + frac * src_len
                k = int(st * PEAKS_PER_SEC)
                if 0 <= k < len(wave):
                    hgt = min(1.0, float(wave[k]) * 1.6) * (AUDIO_H / 2 - 2)
                    p.drawLine(QPointF(x0 + px, mid - hgt), QPointF(x0 + px, mid + hgt))
            p.restore()
        sel = clip.id == self.selected
        p.setPen(QPen(QColor("#ffd54f") if sel else QColor("#0b0c0e"), 2 if sel else 1))
        p.setBrush(Qt.NoBrush)
        p.drawRect(vr)
        p.drawRect(ar)

    def _source_len(self, clip, span_len: float) -> float:
        if clip.out_point is not None:
            return clip.out_point - clip.in_point
        d = self.source_duration(clip.path) if clip.source.type == "file" else None
        return (d - clip.in_point) if d else span_len

    # -- mouse --------------------------------------------------------------------------------
    def mousePressEvent(self, ev) -> None:
        if ev.button() != Qt.LeftButton:
            return
        x, y = ev.position().x(), ev.position().y()
        hit = self.span_at(x) if y >= VIDEO_Y else None
        if hit is None:
            # near an edge just outside a clip still trims
            for i, (cid, a, b) in enumerate(self.spans):
                if y >= VIDEO_Y and abs(self.x_of(b) - x) <= EDGE_PX:
                    hit = (i, cid, a, b)
        if y < VIDEO_Y or hit is None:
            if y >= VIDEO_Y:
                self.select(None)
            self._drag = {"mode": "seek"}
            self.scrubbing.emit(True)
            self.seekRequested.emit(min(max(0.0, self.t_of(x)), self.duration))
            return
        i, cid, a, b = hit
        self.select(cid)
        mode = "move"
        if abs(x - self.x_of(a)) <= EDGE_PX:
            mode = "trim_in"
        elif abs(x - self.x_of(b)) <= EDGE_PX:
            mode = "trim_out"
        self._drag = {"mode": mode, "cid": cid, "index": i, "a": a, "b": b, "x": x, "ghost": None}

    def mouseMoveEvent(self, ev) -> None:
        x = ev.position().x()
        d = self._drag
        if d is None:
            hit = self.span_at(x)
            edge = any(abs(x - self.x_of(t)) <= EDGE_PX for _, a, b in self.spans for t in (a, b))
            self.setCursor(Qt.SizeHorCursor if edge and ev.position().y() >= VIDEO_Y else
                           (Qt.OpenHandCursor if hit else Qt.ArrowCursor))
            return
        if d["mode"] == "seek":
            self.seekRequested.emit(min(max(0.0, self.t_of(x)), self.duration))
            return
        dt = (x - d["x"]) / self.scale()
        if d["mode"] == "move":
            if abs(x - d["x"]) > 4:
                a = self.snap(d["a"] + dt, d["cid"])
                d["ghost"] = (a, a + d["b"] - d["a"])
        elif d["mode"] == "trim_in":
            a = min(self.snap(d["a"] + dt, d["cid"]), d["b"] - 0.1)
            d["ghost"] = (a, d["b"])
        else:
            b = max(self.snap(d["b"] + dt, d["cid"]), d["a"] + 0.1)
            d["ghost"] = (d["a"], b)
        self.update()

    def mouseReleaseEvent(self, ev) -> None:
        d, self._drag = self._drag, None
        self.update()
        if d and d["mode"] == "seek":
            self.scrubbing.emit(False)
        if not d or d.get("ghost") is None:
            return
        g0, g1 = d["ghost"]
        clip = self.clips[d["cid"]]
        if d["mode"] == "move":
            centre = (g0 + g1) / 2
            others = [s for s in self.spans if s[0] != d["cid"]]
            new_index = sum(1 for _, a, b in others if (a + b) / 2 < centre)
            if new_index != d["index"]:
                self.moveRequested.emit(d["cid"], new_index)
            return
        self.request_trim(clip, d["a"], d["b"], g0, g1)

    def request_trim(self, clip, a: float, b: float, new_a: float, new_b: float) -> None:
        """Turn new timeline edges into source in/out (scaled by the clip's playback speed)."""
        src_len = self._source_len(clip, b - a)
        ratio = src_len / max(1e-6, b - a)
        new_in = max(0.0, clip.in_point + (new_a - a) * ratio)
        end = clip.out_point if clip.out_point is not None else clip.in_point + src_len
        new_out = end + (new_b - b) * ratio
        src_dur = self.source_duration(clip.path) if clip.source.type == "file" else None
        out = None if (src_dur and new_out >= src_dur - 1e-3 and clip.out_point is None) else new_out
        if src_dur:
            out = None if out is not None and out >= src_dur else out
        self.trimRequested.emit(clip.id, round(new_in, 4), None if out is None else round(out, 4))

    # -- drops: media bin items or desktop files, inserted where they are dropped --------------
    def index_at(self, x: float) -> int:
        t = self.t_of(x)
        return sum(1 for _, a, b in self.spans if (a + b) / 2 < t)

    @staticmethod
    def dropped_paths(ev) -> list:
        mime = ev.mimeData()
        if mime.hasUrls():
            return [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        src = ev.source()
        if src is not None and hasattr(src, "selectedItems"):
            return [it.data(Qt.UserRole) for it in src.selectedItems() if it.data(Qt.UserRole)]
        return []

    def dragEnterEvent(self, ev) -> None:
        if self.dropped_paths(ev):
            ev.acceptProposedAction()

    def dragMoveEvent(self, ev) -> None:
        ev.acceptProposedAction()

    def dropEvent(self, ev) -> None:
        paths = self.dropped_paths(ev)
        if paths:
            self.mediaDropped.emit(paths, self.index_at(ev.position().x()))
            ev.acceptProposedAction()

    def wheelEvent(self, ev) -> None:
        dy = ev.angleDelta().y()
        if ev.modifiers() & Qt.ControlModifier:
            self.zoom(1.25 if dy > 0 else 0.8)
        else:
            if self.pps is None:
                self.pps = self.scale()
            self.offset = max(0.0, self.offset - dy / 120 * 60 / self.scale())
            self.update()
        ev.accept()
