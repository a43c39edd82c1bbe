"""Timeline: every track of the project as a custom-painted row, with a header column.

Rows (gui/timeline_rows.py): the upper video tracks, the main track (picture over its sound), the
audio tracks, a lane per subtitle track. Items sit at their TimelineLayout spans: file clips with
thumbnails of the frames actually shown (after cuts and speed), titles/colours/images/generated
cards as labelled blocks, sound as a waveform with the clip's volume line, Gaps empty, Transitions
as a hatched block over the overlap with their kind's name, cues with their text. Each scoped op's
range is a bar on its clip *in output time* (engine/durations.py). The zoom stays as it is across
edits; it fits on request (Ctrl+0). Headers: name, M(ute) S(olo) L(ock) H(ide) toggles, gain (wheel
it; double-click = 0 dB), a context menu to add/remove tracks, the row's bottom edge drags its height.

Mouse: click to select/seek (Ctrl+click: several), drag a clip along its track or onto another
track of its kind (snapping to clip edges and the playhead), main-track clip edges to trim, a
transition's left edge to change its length, a cue to retime it, an op bar to move its range, a
volume line to change the volume; right-click for transitions; Ctrl+wheel zooms. It never edits
the project itself: it emits requests the main window turns into history commands (one undo step
each).
"""

from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from .edit_stack import op_label, short_time
from .thumbs import PEAKS_PER_SEC, ThumbCache
from .timeline_rows import (
    BUTTON_TEXT,
    GAP,
    HEADER_W,
    MAX_H,
    MIN_H,
    RULER_H,
    SOUND_H,
    TOP,
    VIDEO_H,
    Row,
    build_rows,
    button_rects,
    content_height,
    gain_rect,
    row_at,
)

VIDEO_Y = TOP            # the main track's picture lane when it is the only video track
AUDIO_Y = TOP + VIDEO_H + GAP
AUDIO_H = SOUND_H
EDGE_PX = 7
SNAP_PX = 8
CLIP_COLORS = ("#35597f", "#5a4a7f", "#3f6f5a", "#7a5a3a")
KIND_COLORS = {"title": "#7b3f8f", "image": "#3f6f8f", "generated": "#6b6b3a"}
BUTTON_ON = {"muted": "#e57373", "solo": "#ffd54f", "locked": "#90a4ae", "hidden": "#b39ddb", "burn_in": "#aed581"}
__all__ = ["TimelineWidget", "VIDEO_Y", "VIDEO_H", "AUDIO_Y", "AUDIO_H", "HEADER_W", "RULER_H"]


def _is_clip(item) -> bool:
    return type(item).__name__ == "Clip"


class TimelineWidget(QWidget):
    seekRequested = Signal(float)
    #: True while the playhead is dragged (the preview then shows scrubbing-proxy frames), False after.
    scrubbing = Signal(bool)
    selectionChanged = Signal(object)          # clip id or None
    trimRequested = Signal(str, float, object)  # clip id, new in (s), new out (s) or None
    moveRequested = Signal(str, int)            # main-track clip id, new index (ripple reorder)
    mediaDropped = Signal(list, int)            # paths (bin items or desktop files), main-track index
    #: paths dropped on a placed track (upper video or audio): track id, timeline second
    mediaPlaced = Signal(list, str, float)
    #: a clip dragged to another place: clip id, target track id, start second, main-track index (-1)
    clipDropped = Signal(str, str, float, int)
    #: Shift+drop on a placed track: clip id, track id, start second (the later clips move on by its length)
    clipInserted = Signal(str, str, float)
    trackPropsRequested = Signal(str, dict)     # track id, {prop: value} -> SetTrackProps
    addTrackRequested = Signal(str)             # "video" | "audio"
    removeTrackRequested = Signal(str)          # track id
    moveTrackRequested = Signal(str, int)       # track id, -1 = one row up, +1 = one row down
    renameTrackRequested = Signal(str)          # track id (double-click on its name)
    refused = Signal(str)                       # a one-line reason (a locked track) for the status bar
    transitionAddRequested = Signal(str, str, float)  # left clip id, kind, duration -> AddTransition
    transitionSetRequested = Signal(str, dict)        # transition id, {kind/duration} -> SetTransition
    transitionRemoveRequested = Signal(str)           # transition id -> RemoveTransition
    cuesRequested = Signal(str, list)           # subtitle track id, all its cues [(start, end, text)]
    volumeRequested = Signal(str, float)        # clip id, linear gain -> SetClipVolume
    opRangeRequested = Signal(str, str, object)  # clip id, op id, (start, end) seconds -> SetOpRange
    cueAddRequested = Signal(str, float, float)  # subtitle track id, start, end (the text is asked for)
    cueTextRequested = Signal(str, int)         # subtitle track id, cue index (double-click: edit the text)
    clipActivated = Signal(str)                 # double-click on a clip (a title opens its editor)
    #: an edge of a clip on a placed track dragged: clip id, new in, new out or None, new start (the gaps
    #: either side take up the change; nothing else moves)
    placedTrimRequested = Signal(str, float, object, float)
    #: several selected clips dragged along their tracks together: clip ids, seconds moved
    groupMoveRequested = Signal(list, float)
    markerMoveRequested = Signal(str, float)    # marker id, new second (dragged on the ruler)
    markerRenameRequested = Signal(str)         # marker id (double-click on it)
    markerRemoveRequested = Signal(str)         # marker id (its right-click menu)

    def __init__(self, thumbs: ThumbCache, parent=None):
        super().__init__(parent)
        self.thumbs = thumbs
        thumbs.updated.connect(self.invalidate)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.ClickFocus)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.project = None
        self.rows: list[Row] = []
        self.heights: dict = {}            # track id -> lane height set by the user
        self.clips: dict = {}
        self.spans: list[tuple[str, float, float]] = []  # the main track's clips (what S and the bar use)
        #: clip id -> (op id -> [(start, end)] output seconds from the clip start, out -> source time)
        self.layout: dict = {}
        self.tlayout = None
        self._drop_cut = None  # (row, left clip, a, b, right span, time) under a dragged transition
        self.duration = 0.0
        self.playhead = 0.0
        self.selected: Optional[str] = None
        self.multi: set = set()            # more selected clips (Ctrl+click)
        self.pps: Optional[float] = None  # pixels per second; None = fit to width
        self.offset = 0.0                 # seconds at the left edge of the lanes
        self.source_duration: Callable[[str], Optional[float]] = lambda path: None
        self._drag: Optional[dict] = None
        self._no_snap = False                  # Alt held during a drag: no snapping
        self._snapped: Optional[float] = None  # the point the last snap() went to (the snap line)
        #: the static picture (ruler, rows, headers) and what it was drawn for: a playhead move
        #: repaints two thin strips from it instead of every clip, thumbnail and waveform
        self._static: Optional[QPixmap] = None
        self._static_key: tuple = ()
        self._version = 0        # bumped by every change of what the rows show (invalidate())
        self.static_paints = 0   # how often the static picture was redrawn (tests, bench)
        self.row_builds = 0      # how often the rows were rebuilt from the project (tests)
        self.setMinimumHeight(content_height([]))
        self.setAcceptDrops(True)

    def sizeHint(self) -> QSize:
        return QSize(800, content_height(self.rows))

    # -- model --------------------------------------------------------------------------------
    def set_model(self, project, spans, duration: float, layout: Optional[dict] = None, *,
                  fit: bool = False, tlayout=None) -> None:
        """New state after an edit. ``spans``: the main track's (clip id, start, end); ``tlayout``:
        the project's TimelineLayout (every track's items). The zoom is kept (a fitted view
        freezes its scale), so the edit's effect on lengths is visible; ``fit`` (a new project) or
        an empty timeline fits what arrives."""
        if fit or not spans:
            self.pps, self.offset = None, 0.0
        elif self.pps is None and self.spans:
            self.pps = self.scale()  # freeze the fit of the previous state
        self.project = project
        self.clips = {c.id: c for c in project.all_clips()}
        self.spans = list(spans)
        self.tlayout = tlayout
        self.duration = float(duration)
        self.layout = dict(layout or {})
        self._relayout()
        if self.selected not in self.clips:
            self.selected = None
        self.multi = {c for c in self.multi if c in self.clips}
        self.update()

    def rows_changed(self) -> None:
        """The rows' contents changed but not the clips' places (a track renamed, subtitle cues
        edited): rebuild the rows from the same layout, no renderer or decoding involved."""
        self._relayout()
        self.update()

    def invalidate(self) -> None:
        """What the rows show changed (a thumbnail arrived, a clip changed): redraw them."""
        self._version += 1
        self.update()

    def _relayout(self) -> None:
        self._version += 1
        self.row_builds += 1
        self.rows = build_rows(self.project, self.tlayout, self.heights)
        if self.tlayout is None and self.rows:  # no layout: at least the main track from its spans
            main = next((r for r in self.rows if r.main), None)
            if main is not None:
                main.items = [(self.clips[c], a, b) for c, a, b in self.spans if c in self.clips]
        self.setMinimumHeight(content_height(self.rows))
        self.updateGeometry()

    def set_playhead(self, t: float) -> None:
        old = self.x_of(self.playhead)
        self.playhead = float(t)
        x = self.x_of(t)
        if self.pps is not None and (x < HEADER_W or x > self.width()):
            self.offset = max(0.0, t - 0.1 * self.lane_width() / self.scale())
            self.update()  # scrolled: everything moves
            return
        if int(old) != int(x):  # only the old and the new playhead strips
            self.update(self._playhead_strip(old))
            self.update(self._playhead_strip(x))

    def _playhead_strip(self, x: float) -> QRect:
        return QRect(int(x) - 8, 0, 17, self.height())

    def select(self, clip_id: Optional[str], *, add: bool = False) -> None:
        """Select one clip (None: nothing). ``add`` (Ctrl+click) toggles it in a multi-selection that
        Delete and the razor act on; the last one clicked is the one the edit stack shows."""
        if add and clip_id is not None:
            group = self.selected_ids() ^ {clip_id}  # toggled
            current = clip_id if clip_id in group else (
                self.selected if self.selected in group else next(iter(sorted(group)), None))
            self.multi = group - {current}
            clip_id = current
            self.update()
        elif self.multi:
            self.multi = set()
            self.update()
        if clip_id != self.selected:
            self.selected = clip_id
            self.selectionChanged.emit(clip_id)
            self.update()

    def select_in(self, band: QRectF, *, keep: set = frozenset()) -> None:
        """Select ``keep`` and every clip on any track whose box the band touches (rubber band)."""
        hits = {it.id for r in self.rows for it, _a, _b in r.items
                if _is_clip(it) and (rc := self.clip_rect(it.id)) is not None and rc.intersects(band)}
        group = set(keep) | hits
        if not group:
            return
        current = self.selected if self.selected in group else sorted(group)[0]
        self.select(current)
        self.multi = group - {current}
        self.update()

    def selected_ids(self) -> set:
        """Every selected clip (the multi-selection and the current one)."""
        return ({self.selected} if self.selected else set()) | set(self.multi)

    # -- geometry -----------------------------------------------------------------------------
    def lane_width(self) -> float:
        return max(50.0, self.width() - HEADER_W)

    def scale(self) -> float:
        if self.pps is None:
            return max(1.0, (self.lane_width() - 16) / max(self.duration, 1.0))
        return self.pps

    def x_of(self, t: float) -> float:
        return HEADER_W + 8 + (t - (self.offset if self.pps is not None else 0.0)) * self.scale()

    def t_of(self, x: float) -> float:
        return (x - HEADER_W - 8) / self.scale() + (self.offset if self.pps is not None else 0.0)

    def zoom(self, factor: float) -> None:
        s = self.scale() * factor
        self.pps = min(max(s, 2.0), 2000.0)
        self.offset = max(0.0, self.playhead - 0.4 * self.lane_width() / self.pps)
        self.update()

    def zoom_fit(self) -> None:
        self.pps, self.offset = None, 0.0
        self.update()

    def row(self, track_id: str) -> Optional[Row]:
        return next((r for r in self.rows if r.id == track_id), None)

    def row_of_clip(self, clip_id: str) -> Optional[Row]:
        return next((r for r in self.rows for it, _a, _b in r.items if it.id == clip_id and _is_clip(it)), None)

    def clip_rect(self, clip_id: str) -> Optional[QRectF]:
        """Where a clip is drawn (its picture/sound lane), for tests and hit tests."""
        r = self.row_of_clip(clip_id)
        if r is None:
            return None
        a, b = next((a, b) for it, a, b in r.items if it.id == clip_id)
        return QRectF(self.x_of(a), r.y, max(2.0, self.x_of(b) - self.x_of(a) - 1), r.h)

    def span_at(self, x: float):
        """(index, clip id, start, end) of the main-track clip under ``x``."""
        t = self.t_of(x)
        for i, (cid, a, b) in enumerate(self.spans):
            if a <= t < b:
                return i, cid, a, b
        return None

    def clip_at(self, row: Row, x: float):
        """(clip, start, end) under ``x`` on ``row`` (None in a gap)."""
        t = self.t_of(x)
        for it, a, b in row.clip_spans():
            if a <= t < b:
                return it, a, b
        return None

    def transition_at(self, row: Row, x: float, y: float):
        """(transition, start, end) whose hatched block is under (x, y) (a few pixels of slack)."""
        if y < row.y + 14 or y > row.y + row.h:
            return None
        for it, a, b in row.items:
            if type(it).__name__ == "Transition" and self.x_of(a) - 3 <= x <= self.x_of(b) + 3:
                return it, a, b
        return None

    def op_bar_at(self, row: Row, x: float, y: float):
        """(clip, clip start, op, bar rect, output start, output end) of a draggable op-range bar at (x, y)."""
        if row.kind != "video":
            return None
        for it, a, b in row.clip_spans():
            for o, rr, r0, r1, exact in self.op_bars(it, row, a, b):
                if exact and rr.adjusted(-3, -1, 3, 1).contains(QPointF(x, y)):
                    return it, a, o, rr, r0, r1
        return None

    def cue_at(self, row: Row, x: float):
        """(index, cue, start, end) of the cue under ``x`` on a subtitle row."""
        t = self.t_of(x)
        for k, (cue, a, b) in enumerate(row.items):
            if a - EDGE_PX / self.scale() <= t < b + EDGE_PX / self.scale():
                return k, cue, a, b
        return None

    def snap(self, t: float, exclude: Optional[str] = None, *, playhead: bool = True) -> float:
        """``t`` moved onto a clip edge, the playhead or a marker within SNAP_PX (not while Alt is held
        in a drag); the point snapped to is kept for the drag's snap line."""
        if self._no_snap:
            return t
        pts = [0.0, self.duration] + ([self.playhead] if playhead else [])
        for r in self.rows:
            for it, a, b in r.items:
                if _is_clip(it) and it.id != exclude:
                    pts += [a, b]
        for cid, a, b in self.spans:
            if cid != exclude:
                pts += [a, b]
        pts += [m.time for m in self.markers() if m.id != exclude]
        best = min(pts, key=lambda p: abs(p - t))
        if abs(best - t) * self.scale() <= SNAP_PX:
            self._snapped = best
            return best
        return t

    def snap_span(self, a: float, length: float, exclude: Optional[str]) -> float:
        """A dragged clip's start with either of its edges snapped (the closer one wins)."""
        sa, b = self.snap(a, exclude), self.snap(a + length, exclude)
        cands = ([(abs(sa - a), sa)] if sa != a else []) + ([(abs(b - a - length), b - length)]
                                                             if b != a + length else [])
        if not cands:
            return a
        best = min(cands)[1]
        self._snapped = sa if best == sa else b
        return best

    # -- markers ------------------------------------------------------------------------------
    def markers(self) -> list:
        return list(getattr(self.project, "markers", None) or [])

    def marker_at(self, x: float, y: float):
        """The marker whose flag on the ruler is under (x, y), or None."""
        if y > RULER_H or x < HEADER_W:
            return None
        near = [(abs(self.x_of(m.time) - x), m) for m in self.markers()]
        near = [(dx, m) for dx, m in near if dx <= EDGE_PX]
        return min(near, key=lambda n: n[0])[1] if near else None

    def marker_menu(self, marker) -> QMenu:
        m = QMenu(self)
        m.addAction("Rename marker…", lambda: self.markerRenameRequested.emit(marker.id))
        m.addAction("Remove marker", lambda: self.markerRemoveRequested.emit(marker.id))
        return m

    def _paint_markers(self, p: QPainter) -> None:
        """Flags on the ruler and a thin line down the rows; the dragged one at its new place."""
        d = self._drag if self._drag and self._drag.get("mode") == "marker" else None
        for mk in self.markers():
            t = d["t"] if d and d["mid"] == mk.id else mk.time
            x = self.x_of(t)
            col = QColor(mk.colour)
            p.setPen(QPen(col, 1, Qt.DotLine))
            p.drawLine(QPointF(x, RULER_H), QPointF(x, self.height()))
            p.setPen(Qt.NoPen)
            p.setBrush(col)
            p.drawPolygon(QPolygonF([QPointF(x, RULER_H), QPointF(x - 5, RULER_H - 8), QPointF(x - 5, 2),
                                     QPointF(x + 5, 2), QPointF(x + 5, RULER_H - 8)]))
            if mk.name:  # on a plate of the ruler's colour (the ruler leaves out time labels under it)
                name = mk.name[:30]
                w = p.fontMetrics().horizontalAdvance(name) + 4
                p.fillRect(QRectF(x + 6, 1, w, RULER_H - 4), QColor("#23262b"))
                p.setPen(col)
                p.drawText(QPointF(x + 8, 13), name)

    def marker_spans(self, fm) -> list:
        """(x0, x1) each marker's flag and name plate cover on the ruler, so time labels can keep out
        of them (a 'Scene 2' marker drawn over '0:10' read 'Scene 2):10')."""
        spans = []
        for mk in self.markers():
            x = self.x_of(mk.time)
            w = fm.horizontalAdvance(mk.name[:30]) + 4 if mk.name else 0
            spans.append((x - 5, x + 6 + w))
        return spans

    def _paint_group_ghosts(self, p: QPainter) -> None:
        """While one of several selected clips is dragged along its track, where the others will go."""
        d = self._drag
        if not (d and d.get("mode") == "move" and d.get("ghost") is not None and self.multi
                and d.get("target") is d.get("row")):
            return
        dt = d["ghost"][0] - d["a"]
        p.setPen(QPen(QColor("#ffd54f"), 1, Qt.DashLine))
        p.setBrush(Qt.NoBrush)
        for cid in self.multi - {d["cid"]}:
            r = self.row_of_clip(cid)
            span = next(((a, b) for it, a, b in r.items if getattr(it, "id", None) == cid), None) if r else None
            if span is not None:
                p.drawRect(QRectF(self.x_of(span[0] + dt), r.y, (span[1] - span[0]) * self.scale(), r.h))

    # -- painting -----------------------------------------------------------------------------
    def _static_picture(self) -> QPixmap:
        """Ruler, rows and headers, drawn again only when the project, the zoom, the scroll, the
        size or the selection changed (the playhead and drag ghosts are drawn over it)."""
        dpr = self.devicePixelRatioF()
        key = (self.width(), self.height(), dpr, self.scale(), self.offset if self.pps is not None else 0.0,
               self._version, self.selected, frozenset(self.multi),
               tuple((m.time, m.name) for m in self.markers()))  # the ruler's labels keep out of marker names
        if self._static is not None and key == self._static_key:
            return self._static
        pm = QPixmap(max(1, int(self.width() * dpr)), max(1, int(self.height() * dpr)))
        pm.setDevicePixelRatio(dpr)
        p = QPainter(pm)
        p.setFont(self.font())
        self._paint_static(p)
        p.end()
        self._static, self._static_key = pm, key
        self.static_paints += 1
        return pm

    def _paint_static(self, p: QPainter) -> None:
        p.fillRect(self.rect(), QColor("#181a1d"))
        self._paint_ruler(p)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1.5))
        p.save()
        p.setClipRect(QRectF(HEADER_W, 0, self.width() - HEADER_W, self.height()))
        for r in self.rows:
            self._paint_row(p, r, small)
        p.restore()
        for r in self.rows:
            self._paint_header(p, r, small)
        if not self.clips:
            p.setPen(QColor("#6b717b"))
            p.drawText(QRectF(HEADER_W, RULER_H, self.width() - HEADER_W, self.height() - RULER_H),
                       Qt.AlignCenter, "Drop clips here or on the media bin (Ctrl+I to import)")

    def paintEvent(self, ev) -> None:
        pm = self._static_picture()
        p = QPainter(self)
        r, d = ev.rect(), pm.devicePixelRatio()
        p.drawPixmap(QRectF(r), pm, QRectF(r.x() * d, r.y() * d, r.width() * d, r.height() * d))
        p.save()
        p.setClipRect(QRectF(HEADER_W, 0, self.width() - HEADER_W, self.height()))
        if self._drag and self._drag.get("ghost") is not None:
            g, target = self._drag["ghost"], self._drag.get("target")
            bad = target is not None and target.locked or bool(self._drag.get("bad"))
            p.setPen(QPen(QColor("#ef5350") if bad else QColor("#ffd54f"), 2, Qt.DashLine))
            p.setBrush(Qt.NoBrush)
            tr = target or (self.row_of_clip(self._drag["cid"]) if self._drag.get("cid") else None)
            if tr is not None:
                h = tr.bottom - tr.y
                p.drawRect(QRectF(self.x_of(g[0]), tr.y, (g[1] - g[0]) * self.scale(), h))
        if self._drag and self._drag.get("mode") == "volume" and self._drag["new"] is not None:
            lane, v = self._drag["lane"], self._drag["new"]
            p.setPen(QPen(QColor("#ffd54f"), 2, Qt.DashLine))
            p.drawLine(QPointF(lane.left(), self.volume_y(lane, v)), QPointF(lane.right(), self.volume_y(lane, v)))
            p.drawText(QPointF(lane.left() + 4, self.volume_y(lane, v) - 3), f"{v * 100:.0f}%")
        cut = self._drop_cut
        if cut is not None:  # where a dragged transition would go
            xc = self.x_of(cut[5])
            rr = cut[0]
            p.fillRect(QRectF(xc - 10, rr.y, 20, rr.h), QColor(255, 204, 128, 90))
            p.setPen(QPen(QColor("#ffcc80"), 2))
            p.drawLine(QPointF(xc, rr.y), QPointF(xc, rr.y + rr.h))
        self._paint_markers(p)
        self._paint_group_ghosts(p)
        if self._drag and self._drag.get("mode") == "band":
            p.setPen(QPen(QColor("#4dd0e1"), 1, Qt.DashLine))
            p.setBrush(QColor(77, 208, 225, 40))
            p.drawRect(QRectF(self._drag["p0"], self._drag["p1"]).normalized())
        if self._drag and self._drag.get("snap") is not None:  # where a drag snapped to
            xs = self.x_of(self._drag["snap"])
            p.setPen(QPen(QColor("#4dd0e1"), 1, Qt.DashLine))
            p.drawLine(QPointF(xs, 0), QPointF(xs, self.height()))
        x = self.x_of(self.playhead)
        p.setPen(QPen(QColor("#ff5252"), 1.5))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.setBrush(QColor("#ff5252"))
        p.drawPolygon(QPolygonF([QPointF(x - 6, 0), QPointF(x + 6, 0), QPointF(x, 8)]))
        p.restore()
        p.end()

    def _paint_ruler(self, p: QPainter) -> None:
        p.fillRect(0, 0, self.width(), RULER_H, QColor("#23262b"))
        s = self.scale()
        step = next((v for v in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if v * s >= 70), 1200)
        p.setPen(QColor("#8b929c"))
        t = max(0.0, (int(self.t_of(HEADER_W) / step)) * step)
        end = self.t_of(self.width())
        plates = self.marker_spans(p.fontMetrics())
        while t <= end:
            x = self.x_of(t)
            p.drawLine(QPointF(x, RULER_H - 8), QPointF(x, RULER_H))
            label = short_time(t) if step >= 1 else f"{t:.1f}s"
            right = x + 3 + p.fontMetrics().horizontalAdvance(label)
            under = any(x + 1 < b and right + 2 > a for a, b in plates)  # a marker's name wins
            if right <= self.width() and not under:  # no cut-off label at the edge
                p.drawText(QPointF(x + 3, RULER_H - 9), label)
            t += step

    def _paint_header(self, p: QPainter, r: Row, small: QFont) -> None:
        h = r.bottom - r.y
        p.fillRect(QRectF(0, r.y, HEADER_W - 2, h), QColor("#262a30" if not r.main else "#2a2f36"))
        p.setFont(small)
        p.setPen(QColor("#d7dbe0"))
        if r.h >= 40 or r.kind == "subtitle":
            p.drawText(QRectF(6, r.y + 2, HEADER_W - (10 if r.h >= 40 else 32), 16), Qt.AlignLeft | Qt.AlignVCenter,
                       p.fontMetrics().elidedText(r.label, Qt.ElideRight, HEADER_W - (12 if r.h >= 40 else 34)))
        else:
            p.drawText(QRectF(6, r.y + 3, 54, 16), Qt.AlignLeft | Qt.AlignVCenter,
                       p.fontMetrics().elidedText(r.label, Qt.ElideRight, 54))
        for prop, rect in button_rects(r).items():
            on = bool(getattr(r.track, prop, False))
            p.fillRect(rect, QColor(BUTTON_ON[prop]) if on else QColor("#3a3f47"))
            p.setPen(QColor("#111317") if on else QColor("#aab1bb"))
            p.drawText(rect, Qt.AlignCenter, BUTTON_TEXT[prop])
        g = gain_rect(r)
        if g is not None:
            p.setPen(QColor("#aab1bb"))
            p.drawText(g, Qt.AlignRight | Qt.AlignVCenter, f"{r.track.gain_db:+.1f} dB")

    def _paint_row(self, p: QPainter, r: Row, small: QFont) -> None:
        p.fillRect(QRectF(HEADER_W, r.y, self.width() - HEADER_W, r.h), QColor("#1c1f23"))
        if r.main:
            p.fillRect(QRectF(HEADER_W, r.sound_y, self.width() - HEADER_W, SOUND_H), QColor("#1c1f23"))
        if r.kind == "subtitle":
            for cue, a, b in r.items:
                self._paint_cue(p, r, cue, a, b, small)
            return
        for k, (it, a, b) in enumerate(r.items):
            if _is_clip(it):
                self._paint_clip(p, r, k, it, a, b, small)
        for it, a, b in r.items:
            if type(it).__name__ == "Transition":
                self._paint_transition(p, r, it, a, b, small)
        dim = r.locked or getattr(r.track, "hidden", False) or getattr(r.track, "muted", False) and r.kind == "audio"
        if dim:  # a locked, hidden (or muted audio) track is drawn veiled, a locked one hatched
            veil = QColor(24, 26, 29, 120)
            p.fillRect(QRectF(HEADER_W, r.y, self.width() - HEADER_W, r.bottom - r.y), veil)
            if r.locked:
                p.fillRect(QRectF(HEADER_W, r.y, self.width() - HEADER_W, r.bottom - r.y),
                           QBrush(QColor(144, 164, 174, 60), Qt.FDiagPattern))

    def _paint_cue(self, p: QPainter, r: Row, cue, a: float, b: float, small: QFont) -> None:
        x0, x1 = self.x_of(a), self.x_of(b)
        if x1 < HEADER_W or x0 > self.width():
            return
        rect = QRectF(x0, r.y + 2, max(2.0, x1 - x0 - 1), r.h - 4)
        p.fillRect(rect, QColor("#5d6d3f"))
        p.setPen(QColor("#0b0c0e"))
        p.drawRect(rect)
        p.setFont(small)
        p.setPen(QColor("white"))
        text = " ".join(cue.text.split())
        p.drawText(rect.adjusted(3, 0, -2, 0), Qt.AlignLeft | Qt.AlignVCenter,
                   p.fontMetrics().elidedText(text, Qt.ElideRight, max(0, int(rect.width()) - 5)))

    def _paint_transition(self, p: QPainter, r: Row, tr, a: float, b: float, small: QFont) -> None:
        x0, x1 = self.x_of(a), self.x_of(b)
        if x1 < HEADER_W or x0 > self.width():
            return
        rect = QRectF(x0, r.y + 14, max(3.0, x1 - x0), r.h - 14)
        p.fillRect(rect, QColor(20, 22, 26, 150))
        p.fillRect(rect, QBrush(QColor("#ffcc80"), Qt.BDiagPattern))
        p.setPen(QPen(QColor("#ffcc80"), 1))
        p.setBrush(Qt.NoBrush)
        p.drawRect(rect)
        p.setFont(small)
        label = p.fontMetrics().elidedText(tr.kind.replace("_", " "), Qt.ElideRight, max(0, int(rect.width()) - 2))
        p.fillRect(QRectF(rect.left(), rect.top(), min(rect.width(), p.fontMetrics().horizontalAdvance(label) + 4),
                          14), QColor(20, 22, 26, 200))
        p.drawText(rect.adjusted(2, 0, 0, 0), Qt.AlignLeft | Qt.AlignTop, label)

    def _paint_clip(self, p: QPainter, r: Row, k: int, clip, a: float, b: float, small: QFont) -> None:
        x0, x1 = self.x_of(a), self.x_of(b)
        if x1 < HEADER_W or x0 > self.width():
            return
        vr = QRectF(x0, r.y, max(2.0, x1 - x0 - 1), r.h)
        src = clip.source.type
        if src == "color":
            base = QColor(clip.source.color[:7])
        elif src in KIND_COLORS:
            base = QColor(KIND_COLORS[src])
        elif r.kind == "audio":
            base = QColor("#2f6a4c")
        else:
            base = QColor(CLIP_COLORS[k % len(CLIP_COLORS)])
        to_source = self.layout.get(clip.id, (None, None))[1]
        src_len = self._source_len(clip, b - a)
        if r.kind == "audio":
            p.fillRect(vr, QColor("#2b4a3a"))
            self._paint_wave(p, clip, vr.adjusted(0, 14 if r.h > 30 else 0, 0, 0), x0, x1, a, b, to_source, src_len)
            self._paint_volume(p, clip, r, a, b)
        else:
            p.fillRect(vr, base.darker(130) if src not in ("color",) else base)
            p.save()
            p.setClipRect(vr)
            if src == "file":
                self._paint_thumbs(p, clip, r, x0, x1, a, b, to_source, src_len)
            elif src == "title" and r.h >= 34:
                p.setFont(small)
                p.setPen(QColor("white"))
                text = " ".join(clip.source.text.split())
                p.drawText(vr.adjusted(6, 17, -4, -2), Qt.AlignLeft | Qt.AlignVCenter | Qt.TextWordWrap, text)
            p.restore()
        head = QRectF(x0, r.y, x1 - x0, min(16, r.h))
        p.fillRect(head, base if src != "color" else base.darker(150))
        p.setFont(small)
        p.setPen(QColor("white"))
        fx = [op_label(o.op) for o in clip.ops if o.enabled and o.range is None]
        title = ("T  " if src == "title" else "") + clip.label
        if fx:
            title += "  ·  fx: " + ", ".join(fx)
        title = p.fontMetrics().elidedText(title, Qt.ElideRight, max(0, int(vr.width()) - 8))
        p.drawText(vr.adjusted(4, 1, -4, 0), Qt.AlignLeft | Qt.AlignTop, title)
        if r.kind == "video":
            self._paint_op_bars(p, clip, r, a, b)
            self._paint_keys(p, clip, r, a, b)
        if r.main:
            ar = QRectF(x0, r.sound_y, max(2.0, x1 - x0 - 1), SOUND_H)
            wave = self.thumbs.wave(clip.path) if src == "file" else None
            if src != "file" or (wave is not None and not len(wave)):  # a clip without sound says so
                p.fillRect(ar, QColor("#202327"))
                p.setFont(small)
                p.setPen(QColor("#6b717b"))
                p.drawText(ar.adjusted(6, 0, -4, 0), Qt.AlignLeft | Qt.AlignVCenter,
                           p.fontMetrics().elidedText("no sound", Qt.ElideRight, max(0, int(ar.width()) - 8)))
            else:
                p.fillRect(ar, QColor("#2b4a3a"))
                self._paint_wave(p, clip, ar, x0, x1, a, b, to_source, src_len)
                self._paint_volume(p, clip, r, a, b)
        sel = clip.id == self.selected or clip.id in self.multi
        p.setPen(QPen(QColor("#ffd54f") if sel else QColor("#0b0c0e"), 2 if sel else 1))
        p.setBrush(Qt.NoBrush)
        p.drawRect(vr)
        if r.main:
            p.drawRect(QRectF(x0, r.sound_y, max(2.0, x1 - x0 - 1), SOUND_H))

    @staticmethod
    def key_times(clip) -> list:
        """Seconds from the clip's start of every key of its keyframed transform fields and op params."""
        from ..keyframes import Keyframes

        vals = [getattr(clip.transform, f) for f in type(clip.transform).BOUNDS]
        vals += [v for o in clip.ops for v in o.params.values()]
        return sorted({round(k.t, 4) for v in vals if isinstance(v, Keyframes) for k in v.keys})

    def _paint_keys(self, p, clip, r: Row, a: float, b: float) -> None:
        """A diamond on the clip at each keyframe time (the Keyframes panel edits them)."""
        times = self.key_times(clip)
        if not times:
            return
        p.save()
        p.setPen(QPen(QColor("#111317"), 1))
        p.setBrush(QColor("#ffd54f"))
        y = r.y + min(r.h - 6, 24)
        for t in times:
            if 0 <= t <= b - a:
                c = QPointF(self.x_of(a + t), y)
                p.drawPolygon(QPolygonF([c + QPointF(0, -5), c + QPointF(5, 0), c + QPointF(0, 5), c + QPointF(-5, 0)]))
        p.restore()

    def _paint_thumbs(self, p, clip, r: Row, x0, x1, a, b, to_source, src_len) -> None:
        """Thumbnails along the clip: the frame shown at each place (after cuts and speed) — the
        edited picture when the stack has a picture op (gui/thumbs.py), until then the source's."""
        th = max(8, r.h - 16)
        tw = th * 16 / 9  # until the first thumbnail says its real width
        fps = getattr(self.tlayout, "fps", None) or getattr(self.project, "fps", None) or 25
        ekey = self.thumbs.edited(clip, fps)
        x = x0
        while x < min(x1, self.width()):
            if x + tw < HEADER_W:  # scrolled out on the left: no need to load it
                x += max(tw, 20)
                continue
            frac = (x - x0) / max(1.0, x1 - x0)
            img = self.thumbs.edited_thumb(ekey, frac * (b - a)) if ekey else None
            if img is None or img.isNull():  # no picture op, the edited one on its way or failed: the source's
                st = to_source(frac * (b - a)) if to_source else clip.in_point + frac * src_len
                img = self.thumbs.thumb(clip.path, st)
            if img is None or img.isNull():
                break
            tw = img.width() * th / img.height()
            p.drawImage(QRectF(x, r.y + 16, tw, th), img)
            x += max(tw, 20)

    def op_bars(self, clip, r: Row, a: float, b: float) -> list:
        """(op, rect, output start, output end, draggable) of each part of each scoped op's bar on its
        clip. A bar is draggable when its output span is its range (no time map after the op)."""
        spans = self.layout.get(clip.id, (None, None))[0]
        out = []
        for k, o in enumerate(o for o in clip.ops if o.range is not None):
            parts = spans.get(o.id, []) if spans is not None else [(o.range[0], min(b - a, o.range[1]))]
            exact = len(parts) == 1 and abs(parts[0][0] - o.range[0]) < 1e-3 and \
                abs(parts[0][1] - min(o.range[1], b - a)) < 1e-3
            for r0, r1 in parts:
                rx0, rx1 = self.x_of(a + r0), self.x_of(min(b, a + r1))
                out.append((o, QRectF(rx0, r.y + r.h - 12 - 12 * (k % 3), max(3.0, rx1 - rx0), 10), r0, r1, exact))
        return out

    def _paint_op_bars(self, p, clip, r: Row, a: float, b: float) -> None:
        """Scoped op ranges, where they are in the output (nothing for a range that was cut)."""
        for o, rr, _r0, _r1, _exact in self.op_bars(clip, r, a, b):
            col = QColor("#ffb74d") if o.enabled else QColor("#6b717b")
            col.setAlpha(220)
            p.fillRect(rr, col)
            p.setPen(QColor("#1b1b1b"))
            label = p.fontMetrics().elidedText(op_label(o.op), Qt.ElideRight, max(0, int(rr.width()) - 4))
            p.drawText(rr.adjusted(3, -2, 0, 2), Qt.AlignLeft | Qt.AlignVCenter, label)

    def volume_lane(self, r: Row, a: float, b: float) -> Optional[QRectF]:
        """Where a clip's volume line lives: an audio clip below its title band, the main track's sound lane."""
        x0, x1 = self.x_of(a), self.x_of(b)
        if r.kind == "audio":
            top = r.y + (14 if r.h > 30 else 0)
            return QRectF(x0, top, max(2.0, x1 - x0 - 1), r.y + r.h - top)
        if r.main:
            return QRectF(x0, r.sound_y, max(2.0, x1 - x0 - 1), SOUND_H)
        return None

    @staticmethod
    def volume_y(lane: QRectF, v: float) -> float:
        """Gain 0..2 (linear) bottom to top; 1 (unchanged) in the middle."""
        return lane.bottom() - 2 - min(2.0, max(0.0, v)) / 2.0 * (lane.height() - 4)

    def _paint_volume(self, p, clip, r: Row, a: float, b: float) -> None:
        """The clip's volume line (faint when unchanged), with its keyframes as diamonds."""
        from ..keyframes import Keyframes, value_at

        lane = self.volume_lane(r, a, b)
        if lane is None or clip.source.type != "file":
            return
        vol = clip.volume
        plain = not isinstance(vol, Keyframes) and float(vol) == 1.0
        p.save()
        p.setClipRect(lane.intersected(QRectF(HEADER_W, 0, self.width() - HEADER_W, self.height())))
        p.setPen(QPen(QColor(255, 202, 40, 90 if plain else 230), 1.5))
        if not isinstance(vol, Keyframes):
            y = self.volume_y(lane, float(vol))
            p.drawLine(QPointF(lane.left(), y), QPointF(lane.right(), y))
        else:
            pts = [QPointF(x, self.volume_y(lane, value_at(vol, (x - lane.left()) / self.scale())))
                   for x in range(int(max(lane.left(), HEADER_W)), int(min(lane.right(), self.width())) + 4, 4)]
            if len(pts) > 1:
                p.drawPolyline(QPolygonF(pts))
            p.setBrush(QColor("#ffca28"))
            for key in vol.keys:
                c = QPointF(lane.left() + key.t * self.scale(), self.volume_y(lane, key.value))
                p.drawPolygon(QPolygonF([c + QPointF(0, -4), c + QPointF(4, 0), c + QPointF(0, 4), c + QPointF(-4, 0)]))
        p.restore()

    def volume_at(self, r: Row, x: float, y: float):
        """(clip, lane) when (x, y) is on a clip's constant volume line (3 px of slack)."""
        from ..keyframes import Keyframes

        if r.kind != "audio" and not r.main:
            return None
        hit = self.clip_at(r, x)
        if hit is None or hit[0].source.type != "file" or isinstance(hit[0].volume, Keyframes):
            return None
        lane = self.volume_lane(r, hit[1], hit[2])
        if lane is None or not lane.contains(QPointF(x, y)):
            return None
        return (hit[0], lane) if abs(y - self.volume_y(lane, float(hit[0].volume))) <= 3 else None

    def _paint_wave(self, p, clip, ar: QRectF, x0, x1, a, b, to_source, src_len) -> None:
        wave = self.thumbs.wave(clip.path) if clip.source.type == "file" else None
        if wave is None or not len(wave):
            return
        p.save()
        p.setClipRect(ar.intersected(QRectF(HEADER_W, 0, self.width() - HEADER_W, self.height())))
        silent = self.silent_clip(clip)
        if silent:  # volume 0 (a library shot under narration): grey, so it does not look like sound
            p.fillRect(ar, QColor("#24272b"))
        p.setPen(QColor("#4a5058") if silent else QColor("#7fd6a4"))
        h = ar.height()
        mid = ar.top() + h / 2
        n = int(x1 - x0)
        for px in range(max(0, int(HEADER_W - x0)) & ~1, max(0, min(n, int(self.width() - x0) + 2)), 2):
            frac = px / max(1.0, x1 - x0)
            st = to_source(frac * (b - a)) if to_source else clip.in_point + frac * src_len
            k = int(st * PEAKS_PER_SEC)
            if 0 <= k < len(wave):
                hgt = min(1.0, float(wave[k]) * 1.6) * (h / 2 - 2)
                p.drawLine(QPointF(x0 + px, mid - hgt), QPointF(x0 + px, mid + hgt))
        if silent and ar.width() > 60:
            p.setPen(QColor("#8b929c"))
            p.drawText(ar.adjusted(6, 0, -4, 0), Qt.AlignLeft | Qt.AlignVCenter, "muted")
        p.restore()

    @staticmethod
    def silent_clip(clip) -> bool:
        """The clip's volume is 0 all along (constant or every keyframe), so none of its sound is heard."""
        from ..keyframes import Keyframes

        vol = clip.volume
        if isinstance(vol, Keyframes):
            return bool(vol.keys) and all(float(k.value) == 0.0 for k in vol.keys)
        return float(vol) == 0.0

    def _clip_len(self, clip_id: str) -> float:
        r = self.row_of_clip(clip_id)
        return next((b - a for it, a, b in r.items if it.id == clip_id), 0.0) if r is not None else 0.0

    def _source_len(self, clip, span_len: float) -> float:
        if clip.out_point is not None:
            return clip.out_point - clip.in_point
        d = self.source_duration(clip.path) if clip.source.type == "file" else None
        return (d - clip.in_point) if d else span_len

    # -- header ---------------------------------------------------------------------------------
    def _header_press(self, r: Row, x: float, y: float, double: bool = False) -> None:
        if abs(y - r.bottom) <= 3:
            self._drag = {"mode": "height", "row": r, "y": y, "h": r.h}
            return
        for prop, rect in button_rects(r).items():
            if rect.contains(QPointF(x, y)):
                self.trackPropsRequested.emit(r.id, {prop: not bool(getattr(r.track, prop, False))})
                return
        g = gain_rect(r)
        if double and g is not None and g.contains(QPointF(x, y)):
            if r.track.gain_db != 0.0:
                self.trackPropsRequested.emit(r.id, {"gain_db": 0.0})
        elif double and r.kind != "subtitle" and y < r.y + 20:
            self.renameTrackRequested.emit(r.id)

    def header_menu(self, r: Optional[Row]) -> QMenu:
        """The header's context menu: add a video/audio/subtitle track; move, rename, remove this one."""
        m = QMenu(self)
        m.addAction("Add video track", lambda: self.addTrackRequested.emit("video"))
        m.addAction("Add audio track", lambda: self.addTrackRequested.emit("audio"))
        m.addAction("Add subtitle track", lambda: self.addTrackRequested.emit("subtitle"))
        if r is not None and r.kind == "subtitle":
            m.addSeparator()
            m.addAction(f"Remove subtitle track {r.label}", lambda rid=r.id: self.removeTrackRequested.emit(rid))
        if r is not None and r.kind != "subtitle":
            m.addSeparator()
            same = [x for x in self.rows if x.kind == r.kind and not x.main]
            up = m.addAction("Move track up", lambda rid=r.id: self.moveTrackRequested.emit(rid, -1))
            up.setEnabled(not r.main and bool(same) and same[0] is not r)
            down = m.addAction("Move track down", lambda rid=r.id: self.moveTrackRequested.emit(rid, 1))
            down.setEnabled(not r.main and bool(same) and same[-1] is not r)
            m.addAction("Rename track…", lambda rid=r.id: self.renameTrackRequested.emit(rid))
            a = m.addAction(f"Remove track {r.label}", lambda rid=r.id: self.removeTrackRequested.emit(rid))
            a.setEnabled(not r.main)
        return m

    def item_menu(self, r: Row, x: float, y: float) -> Optional[QMenu]:
        """A lane's context menu: on a transition change its kind or remove it; on a clip followed
        by another clip, join them with a transition."""
        from ..project.model import TRANSITION_KINDS

        m = QMenu(self)
        tr = self.transition_at(r, x, y)
        if tr is not None:
            sub = m.addMenu("Transition kind")
            for kind in TRANSITION_KINDS:
                act = sub.addAction(kind.replace("_", " "),
                                    lambda k=kind, tid=tr[0].id: self.transitionSetRequested.emit(tid, {"kind": k}))
                act.setCheckable(True)
                act.setChecked(kind == tr[0].kind)
            m.addAction("Remove transition", lambda tid=tr[0].id: self.transitionRemoveRequested.emit(tid))
            return m
        hit = self.clip_at(r, x)
        if hit is None:
            return None
        clip, a, b = hit
        nxt = self.next_clip(r, clip.id)
        if nxt is not None:
            d = round(min(1.0, 0.5 * (b - a), 0.5 * (nxt[2] - nxt[1])), 3)
            sub = m.addMenu(f"Transition to '{nxt[0].label[:30]}'")
            for kind in TRANSITION_KINDS:
                sub.addAction(f"{kind.replace('_', ' ')} ({d:g} s)",
                              lambda k=kind, cid=clip.id, d=d: self.transitionAddRequested.emit(cid, k, d))
        return m if m.actions() else None

    def next_clip(self, r: Row, clip_id: str):
        """(clip, start, end) right after ``clip_id`` on its row, when nothing (no gap) is between."""
        items = r.items
        for k, (it, _a, _b) in enumerate(items):
            if it.id == clip_id:
                j = k + 1
                if j < len(items) and type(items[j][0]).__name__ == "Transition":
                    j += 1
                if j < len(items) and _is_clip(items[j][0]):
                    return items[j]
        return None

    def cue_menu(self, r: Row, x: float) -> QMenu:
        """A subtitle lane's context menu: add a 2 s cue here (its text asked for), delete the cue."""
        m = QMenu(self)
        cues = [(c.start, c.end, c.text) for c in r.track.cues]
        hit = self.cue_at(r, x)
        if hit is not None:
            k = hit[0]
            m.addAction("Edit cue text…", lambda: self.cueTextRequested.emit(r.id, k))
            m.addAction("Delete cue", lambda: self.cuesRequested.emit(r.id, cues[:k] + cues[k + 1:]))
        else:
            t = round(max(0.0, self.t_of(x)), 3)
            nxt = min([a for a, _b, _t in cues if a > t], default=t + 2.0)
            end = round(min(t + 2.0, nxt), 3)
            if end - t >= 0.1:
                m.addAction("Add cue here", lambda: self.cueAddRequested.emit(r.id, t, end))
        return m

    def contextMenuEvent(self, ev) -> None:
        x, y = ev.pos().x(), ev.pos().y()
        mk = self.marker_at(x, y)
        if mk is not None:
            self.marker_menu(mk).exec(ev.globalPos())
            ev.accept()
            return
        r = row_at(self.rows, y)
        m = self.header_menu(r) if x < HEADER_W else (
            None if r is None else self.cue_menu(r, x) if r.kind == "subtitle" else self.item_menu(r, x, y))
        if m is not None:
            m.exec(ev.globalPos())
            ev.accept()
            return
        super().contextMenuEvent(ev)

    # -- mouse --------------------------------------------------------------------------------
    def mouseDoubleClickEvent(self, ev) -> None:
        x, y = ev.position().x(), ev.position().y()
        mk = self.marker_at(x, y)
        if mk is not None:
            self._drag = None
            self.markerRenameRequested.emit(mk.id)
            return
        r = row_at(self.rows, y)
        if x < HEADER_W and r is not None:
            self._header_press(r, x, y, double=True)
            return
        if r is not None and r.kind == "subtitle":
            hit = self.cue_at(r, x)
            if hit is not None:
                self._drag = None
                self.cueTextRequested.emit(r.id, hit[0])
                return
        elif r is not None:
            hit = self.clip_at(r, x)
            if hit is not None:
                self._drag = None
                self.clipActivated.emit(hit[0].id)
                return
        super().mouseDoubleClickEvent(ev)

    def mousePressEvent(self, ev) -> None:
        if ev.button() != Qt.LeftButton:
            return
        x, y = ev.position().x(), ev.position().y()
        mk = self.marker_at(x, y)
        if mk is not None:
            self._drag = {"mode": "marker", "mid": mk.id, "t0": mk.time, "t": mk.time, "snap": None}
            return
        r = row_at(self.rows, y) if y >= TOP - GAP / 2 else None
        if x < HEADER_W:
            if r is not None:
                self._header_press(r, x, y)
            return
        if r is not None and r.kind == "subtitle":
            if self._press_cue(r, x):
                return
        elif r is not None and not r.locked and self.volume_at(r, x, y) is not None:
            clip, lane = self.volume_at(r, x, y)
            self.select(clip.id)
            self._drag = {"mode": "volume", "cid": clip.id, "lane": lane, "v": float(clip.volume), "new": None}
            return
        elif r is not None and not r.locked and self.op_bar_at(r, x, y) is not None:
            clip, ca, o, rr, r0, r1 = self.op_bar_at(r, x, y)
            mode = "range_in" if abs(x - rr.left()) <= 4 else "range_out" if abs(x - rr.right()) <= 4 else "range_move"
            self.select(clip.id)
            self._drag = {"mode": mode, "cid": clip.id, "op": o.id, "ca": ca, "a": ca + r0, "b": ca + r1,
                          "x": x, "ghost": None, "row": r, "target": r, "range_len": o.range[1] - o.range[0]}
            return
        elif r is not None and self.transition_at(r, x, y) is not None:
            it, a, b = self.transition_at(r, x, y)
            if r.locked:
                self.refused.emit(f"Track {r.label} is locked; click its L to unlock it before editing it.")
                return
            self._drag = {"mode": "transition", "tid": it.id, "a": a, "b": b, "x": x, "ghost": None,
                          "row": r, "target": r, "cid": None}
            return
        hit = None
        if r is not None and r.main:
            hit = self.span_at(x)
            if hit is None:  # near an edge just outside a clip still trims
                hit = next(((i, cid, a, b) for i, (cid, a, b) in enumerate(self.spans)
                            if abs(self.x_of(b) - x) <= EDGE_PX), None)
            if hit is not None:
                hit = (self.clips[hit[1]], hit[2], hit[3], hit[0])
        elif r is not None and r.kind != "subtitle":
            c = self.clip_at(r, x)
            if c is not None:
                hit = (c[0], c[1], c[2], -1)
        if hit is None and r is not None and ev.modifiers() & (Qt.ControlModifier | Qt.ShiftModifier):
            # Ctrl/Shift+drag from an empty place: a rubber band adds the clips it touches
            self._drag = {"mode": "band", "p0": QPointF(x, y), "p1": QPointF(x, y), "keep": self.selected_ids()}
            return
        if hit is None:
            if r is not None:
                self.select(None)
            self._drag = {"mode": "seek"}
            self.scrubbing.emit(True)
            self.seekRequested.emit(min(max(0.0, self.t_of(x)), self.duration))
            return
        clip, a, b, i = hit
        if ev.modifiers() & (Qt.ControlModifier | Qt.ShiftModifier):
            self.select(clip.id, add=True)
            return
        if clip.id not in self.selected_ids():
            self.select(clip.id)
        elif clip.id != self.selected:  # a click inside the group: it becomes the current clip
            keep = self.selected_ids()
            self.select(clip.id)
            self.multi = keep - {clip.id}
        if r.locked:
            self.refused.emit(f"Track {r.label} is locked; click its L to unlock it before editing its clips.")
            return
        mode = "move"
        edge = EDGE_PX if r.main else min(EDGE_PX, (self.x_of(b) - self.x_of(a)) / 4)  # short clips still move
        if abs(x - self.x_of(a)) <= edge:
            mode = "trim_in"
        elif abs(x - self.x_of(b)) <= edge:
            mode = "trim_out"
        self._drag = {"mode": mode, "cid": clip.id, "index": i, "a": a, "b": b, "x": x, "ghost": None,
                      "row": r, "target": r}

    def _press_cue(self, r: Row, x: float) -> bool:
        hit = self.cue_at(r, x)
        if hit is None:
            return False
        k, cue, a, b = hit
        mode = "cue_in" if abs(x - self.x_of(a)) <= EDGE_PX else "cue_out" if abs(x - self.x_of(b)) <= EDGE_PX \
            else "cue_move"
        self._drag = {"mode": mode, "k": k, "a": a, "b": b, "x": x, "ghost": None, "row": r, "target": r, "cid": None}
        return True

    def mouseMoveEvent(self, ev) -> None:
        d = self._drag
        self._no_snap, self._snapped = bool(ev.modifiers() & Qt.AltModifier), None
        try:
            self._mouse_move(ev, d)
        finally:
            if d is not None:
                d["snap"] = self._snapped
            self._no_snap = False

    def _mouse_move(self, ev, d) -> None:
        x, y = ev.position().x(), ev.position().y()
        if d is None:
            self._hover_cursor(x, y)
            return
        if d["mode"] == "seek":  # the playhead snaps to clip edges and markers too
            self.seekRequested.emit(min(max(0.0, self.snap(self.t_of(x), playhead=False)), self.duration))
            self.update()
            return
        if d["mode"] == "band":
            d["p1"] = QPointF(x, y)
            self.update()
            return
        if d["mode"] == "marker":
            d["t"] = self.snap(max(0.0, self.t_of(x)), exclude=d["mid"])
            self.update()
            return
        if d["mode"] == "height":
            r = d["row"]
            self.heights[r.id] = int(min(MAX_H, max(MIN_H, d["h"] + y - d["y"])))
            self._relayout()
            d["row"] = self.row(r.id) or r
            d["y"], d["h"] = y, d["row"].h
            self.update()
            return
        if d["mode"] == "volume":
            lane = d["lane"]
            v = (lane.bottom() - 2 - y) / max(1.0, lane.height() - 4) * 2.0
            d["new"] = round(min(2.0, max(0.0, v)), 2)
            self.update()
            return
        dt = (x - d["x"]) / self.scale()
        if d["mode"].startswith("range"):
            end = d["ca"] + self._clip_len(d["cid"])
            if d["mode"] == "range_move":
                a = min(max(d["ca"], self.snap_span(d["a"] + dt, d["b"] - d["a"], None)), end - (d["b"] - d["a"]))
                d["ghost"] = (a, a + d["b"] - d["a"])
            elif d["mode"] == "range_in":
                d["ghost"] = (min(max(d["ca"], self.snap(d["a"] + dt)), d["b"] - 0.04), d["b"])
            else:
                d["ghost"] = (d["a"], max(min(end, self.snap(d["b"] + dt)), d["a"] + 0.04))
        elif d["mode"] == "transition":  # its right edge is the left clip's end: the left edge sets the length
            a = min(self.snap(d["a"] + dt), d["b"] - 0.04)
            d["ghost"] = (max(0.0, a), d["b"])
        elif d["mode"].startswith("cue"):
            if d["mode"] == "cue_move":
                a = max(0.0, self.snap_span(d["a"] + dt, d["b"] - d["a"], None))
                d["ghost"] = (a, a + d["b"] - d["a"])
            elif d["mode"] == "cue_in":
                d["ghost"] = (max(0.0, min(self.snap(d["a"] + dt), d["b"] - 0.04)), d["b"])
            else:
                d["ghost"] = (d["a"], max(self.snap(d["b"] + dt), d["a"] + 0.04))
        elif d["mode"] == "move":
            over = row_at(self.rows, y)
            clip = self.clips[d["cid"]]
            if over is not None and over.accepts(clip) and (over.kind == d["row"].kind):
                d["target"] = over
            if abs(x - d["x"]) > 4 or d["target"] is not d["row"]:
                a = max(0.0, self.snap_span(d["a"] + dt, d["b"] - d["a"], d["cid"]))
                d["ghost"] = (a, a + d["b"] - d["a"])
                tr = d["target"]  # on a placed track a drop over another clip is refused (drawn red)
                d["bad"] = not tr.main and not (ev.modifiers() & Qt.ShiftModifier) and any(
                    it.id != d["cid"] and s0 < a + d["b"] - d["a"] - 1e-6 and e0 > a + 1e-6
                    for it, s0, e0 in tr.clip_spans())
        elif d["mode"] == "trim_in":
            a = max(0.0, min(self.snap(d["a"] + dt, d["cid"]), d["b"] - 0.1))
            d["ghost"] = (a, d["b"])
        else:
            b = max(self.snap(d["b"] + dt, d["cid"]), d["a"] + 0.1)
            d["ghost"] = (d["a"], b)
        self.update()

    def _hover_cursor(self, x: float, y: float) -> None:
        r = row_at(self.rows, y)
        if x < HEADER_W:
            self.setCursor(Qt.SizeVerCursor if r is not None and abs(y - r.bottom) <= 3 else Qt.ArrowCursor)
            return
        if r is None:
            self.setCursor(Qt.ArrowCursor)
            return
        if r.kind == "subtitle":
            hit = self.cue_at(r, x)
            edge = hit is not None and min(abs(x - self.x_of(hit[2])), abs(x - self.x_of(hit[3]))) <= EDGE_PX
            self.setCursor(Qt.SizeHorCursor if edge else Qt.OpenHandCursor if hit else Qt.ArrowCursor)
            return
        if not r.locked and self.volume_at(r, x, y) is not None:
            self.setCursor(Qt.SizeVerCursor)
            return
        if not r.locked and self.op_bar_at(r, x, y) is not None:
            rr = self.op_bar_at(r, x, y)[3]
            self.setCursor(Qt.SizeHorCursor if min(abs(x - rr.left()), abs(x - rr.right())) <= 4 else Qt.SizeAllCursor)
            return
        if self.transition_at(r, x, y) is not None and not r.locked:
            self.setCursor(Qt.SizeHorCursor)
            return
        if r.locked:
            self.setCursor(Qt.ForbiddenCursor if self.clip_at(r, x) else Qt.ArrowCursor)
            return
        edge = r.main and any(abs(x - self.x_of(t)) <= EDGE_PX for _, a, b in self.spans for t in (a, b))
        self.setCursor(Qt.SizeHorCursor if edge else (Qt.OpenHandCursor if self.clip_at(r, x) else Qt.ArrowCursor))

    def mouseReleaseEvent(self, ev) -> None:
        d, self._drag = self._drag, None
        self.update()
        if d and d["mode"] == "move" and d.get("ghost") is None and self.multi:
            self.multi = set()  # a plain click (no drag) on a member of the group selects it alone
        if d and d["mode"] == "seek":
            self.scrubbing.emit(False)
        if d and d["mode"] == "band":
            self.select_in(QRectF(d["p0"], d["p1"]).normalized(), keep=d["keep"])
            return
        if d and d["mode"] == "marker":
            if abs(d["t"] - d["t0"]) > 1e-6:
                self.markerMoveRequested.emit(d["mid"], round(d["t"], 6))
            return
        if d and d["mode"] == "volume":
            if d["new"] is not None and abs(d["new"] - d["v"]) > 1e-6:
                self.volumeRequested.emit(d["cid"], d["new"])
            return
        if not d or d.get("ghost") is None:
            return
        g0, g1 = d["ghost"]
        if d["mode"].startswith("range"):
            ca = d["ca"]
            if (g0, g1) != (d["a"], d["b"]):
                end = g1 - ca
                if d["mode"] == "range_move" and d["b"] - ca < d["range_len"] - 1e-3:
                    end = g0 - ca + d["range_len"]  # a range running past the clip's end keeps its length
                self.opRangeRequested.emit(d["cid"], d["op"], (round(g0 - ca, 4), round(end, 4)))
            return
        if d["mode"] == "transition":
            dur = round(d["b"] - g0, 4)
            if abs(dur - (d["b"] - d["a"])) > 1e-4:
                self.transitionSetRequested.emit(d["tid"], {"duration": dur})
            return
        if d["mode"].startswith("cue"):
            cues = [(c.start, c.end, c.text) for c in d["row"].track.cues]
            k = d["k"]
            cues[k] = (round(g0, 4), round(g1, 4), cues[k][2])
            if cues[k][:2] != (d["a"], d["b"]):
                self.cuesRequested.emit(d["row"].id, sorted(cues, key=lambda c: c[0]))
            return
        clip = self.clips[d["cid"]]
        if d["mode"] == "move":
            src, dst = d["row"], d["target"]
            if dst.locked:
                self.refused.emit(f"Track {dst.label} is locked; unlock it to drop clips on it.")
                return
            centre = (g0 + g1) / 2
            if dst.main:
                others = [s for s in self.spans if s[0] != d["cid"]]
                new_index = sum(1 for _, a, b in others if (a + b) / 2 < centre)
                if src.main:
                    if new_index != d["index"]:
                        self.moveRequested.emit(d["cid"], new_index)
                else:
                    self.clipDropped.emit(d["cid"], dst.id, round(g0, 4), new_index)
                return
            if dst is src and abs(g0 - d["a"]) < 1e-6:
                return
            if dst is src and self.multi and not ev.modifiers() & Qt.ShiftModifier:
                self.groupMoveRequested.emit(sorted(self.selected_ids()), round(g0 - d["a"], 4))
                return
            if ev.modifiers() & Qt.ShiftModifier:
                self.clipInserted.emit(d["cid"], dst.id, round(g0, 4))
                return
            self.clipDropped.emit(d["cid"], dst.id, round(g0, 4), -1)
            return
        self.request_trim(clip, d["a"], d["b"], g0, g1, placed=not d["row"].main)

    def request_trim(self, clip, a: float, b: float, new_a: float, new_b: float, *, placed: bool = False) -> None:
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
        if placed:
            start = a + (new_in - clip.in_point) / max(1e-6, ratio)
            self.placedTrimRequested.emit(clip.id, round(new_in, 4), None if out is None else round(out, 4),
                                          round(max(0.0, start), 4))
            return
        self.trimRequested.emit(clip.id, round(new_in, 4), None if out is None else round(out, 4))

    # -- drops: media bin items or desktop files, where they are dropped ------------------------
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

    def cut_near(self, x: float, y: float, slack: float = 28.0):
        """The cut between two touching clips on the row under (x, y) nearest to ``x`` (within
        ``slack`` px; a transition already there counts as its cut): (row, left clip, its start, its
        end, right clip span (clip, start, end), cut time), else None."""
        r = row_at(self.rows, y)
        if r is None or r.kind != "video":
            return None
        best, items = None, r.items
        for k, (it, a, b) in enumerate(items):
            if not _is_clip(it):
                continue
            j, t = k + 1, b
            if j < len(items) and type(items[j][0]).__name__ == "Transition":
                t = (items[j][1] + items[j][2]) / 2
                j += 1
            if j >= len(items) or not _is_clip(items[j][0]):
                continue
            dist = abs(self.x_of(t) - x)
            if dist <= slack and (best is None or dist < best[0]):
                best = (dist, (r, it, a, b, items[j], t))
        return best[1] if best else None

    @staticmethod
    def dropped_transition(ev) -> str:
        """The transition kind a palette drag carries ('' for other drags)."""
        from .transitions_palette import TRANSITION_MIME

        mime = ev.mimeData()
        return bytes(mime.data(TRANSITION_MIME)).decode("utf-8", "replace") if mime.hasFormat(TRANSITION_MIME) else ""

    def _transition_drag(self, ev) -> bool:
        """A palette drag over the rows: highlight the cut it would join (accepted there only)."""
        if not self.dropped_transition(ev):
            return False
        pos = ev.position()
        cut = self.cut_near(pos.x(), pos.y())
        self._drop_cut = None if cut is None or cut[0].locked else cut
        if self._drop_cut is not None:
            ev.acceptProposedAction()
        else:
            ev.ignore()
        self.update()
        return True

    def drop_transition(self, kind: str, x: float, y: float) -> bool:
        """Join the cut near (x, y) with a ``kind`` transition (1 s, or half the shorter clip):
        transitionAddRequested, one undo step in the window. False when no cut is there."""
        self._drop_cut = None
        self.update()
        cut = self.cut_near(x, y)
        if cut is None:
            self.refused.emit("Drop a transition on a cut between two clips that touch.")
            return False
        r, left, a, b, right, _t = cut
        if r.locked:
            self.refused.emit(f"Track {r.label} is locked; unlock it to add a transition.")
            return False
        d = round(min(1.0, 0.5 * (b - a), 0.5 * (right[2] - right[1])), 3)
        self.transitionAddRequested.emit(left.id, kind, d)
        return True

    def dragLeaveEvent(self, ev) -> None:
        if self._drop_cut is not None:
            self._drop_cut = None
            self.update()

    def dragEnterEvent(self, ev) -> None:
        if self._transition_drag(ev):
            return
        if self.dropped_paths(ev):
            ev.acceptProposedAction()

    def dragMoveEvent(self, ev) -> None:
        if self._transition_drag(ev):
            return
        ev.acceptProposedAction()

    def dropEvent(self, ev) -> None:
        kind = self.dropped_transition(ev)
        if kind:
            if self.drop_transition(kind, ev.position().x(), ev.position().y()):
                ev.acceptProposedAction()
            return
        paths = self.dropped_paths(ev)
        if not paths:
            return
        pos = ev.position()
        r = row_at(self.rows, pos.y())
        if r is None or r.main or r.kind == "subtitle":
            self.mediaDropped.emit(paths, self.index_at(pos.x()))
        elif r.locked:
            self.refused.emit(f"Track {r.label} is locked; unlock it to drop clips on it.")
        else:
            self.mediaPlaced.emit(paths, r.id, round(max(0.0, self.snap(self.t_of(pos.x()))), 4))
        ev.acceptProposedAction()

    def wheelEvent(self, ev) -> None:
        dy = ev.angleDelta().y()
        x, y = ev.position().x(), ev.position().y()
        if x < HEADER_W:
            r = row_at(self.rows, y)
            g = gain_rect(r) if r is not None else None
            if g is not None and g.adjusted(-40, -4, 0, 4).contains(QPointF(x, y)) and dy:
                gain = min(24.0, max(-60.0, round(r.track.gain_db + (1.0 if dy > 0 else -1.0), 1)))
                if gain != r.track.gain_db:
                    self.trackPropsRequested.emit(r.id, {"gain_db": gain})
                ev.accept()
            else:
                ev.ignore()  # the scroll area scrolls the rows
            return
        if ev.modifiers() & Qt.ControlModifier:
            self.zoom(1.25 if dy > 0 else 0.8)
        elif ev.modifiers() & Qt.ShiftModifier:
            ev.ignore()
            return
        else:
            if self.pps is None:
                self.pps = self.scale()
            self.offset = max(0.0, self.offset - dy / 120 * 60 / self.scale())
            self.update()
        ev.accept()
