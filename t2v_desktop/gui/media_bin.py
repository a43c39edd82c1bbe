"""Media bin: files dropped from the desktop or imported, with thumbnail, duration and size.

Every file is probed first; one that cannot be read shows a clear message in the bin and
changes nothing else (it is neither listed nor put on the timeline).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable, Optional

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from ..errors import T2VError
from . import core
from .messages import two_sentences
from .thumbs import THUMB_H, ThumbCache

log = logging.getLogger(__name__)

ICON_SIZE = QSize(112, 63)   # the box a video's thumbnail (THUMB_H high) is shown in
SOUND_ICON = QSize(THUMB_H * 16 // 9, THUMB_H)  # a sound file's waveform: a 16:9 video thumbnail's size
GRID_SIZE = QSize(132, 112)


def sound_icon(peaks=None) -> QImage:
    """A sound file's bin icon: its waveform (peaks 0..1) on the timeline's audio green, or a
    speaker-like placeholder bar pattern until the peaks are read -- so sound files line up with
    the video thumbnails instead of leaving their names at the top of an empty cell."""
    w, h = SOUND_ICON.width(), SOUND_ICON.height()
    img = QImage(w, h, QImage.Format_RGB32)
    img.fill(QColor("#2b4a3a"))
    p = QPainter(img)
    p.setPen(QPen(QColor("#7fd6a4"), 1))
    mid = h / 2
    if peaks is not None and len(peaks):
        n = len(peaks)
        for x in range(2, w - 2):
            a, b = int((x - 2) * n / (w - 4)), max(int((x - 1) * n / (w - 4)), int((x - 2) * n / (w - 4)) + 1)
            v = min(1.0, float(max(peaks[a:b])) * 1.6)
            p.drawLine(QPointF(x, mid - v * (mid - 4)), QPointF(x, mid + v * (mid - 4)))
    else:  # not read yet: an even pattern of bars
        for x in range(6, w - 6, 4):
            v = 0.25 + 0.2 * ((x // 4) % 3)
            p.drawLine(QPointF(x, mid - v * mid), QPointF(x, mid + v * mid))
    p.setPen(QColor("#1b1b1b"))
    p.drawRect(QRectF(0, 0, w - 1, h - 1))
    p.end()
    return img


def elided_name(name: str, fm: QFontMetrics, width: int = GRID_SIZE.width() - 8) -> str:
    """The file name in at most two lines that fit the cell: broken at a space when it can be, the
    rest elided in the middle (the extension stays readable) -- Qt's own wrap broke names anywhere."""
    if fm.horizontalAdvance(name) <= width:
        return name
    fits = [k for k in range(1, len(name)) if fm.horizontalAdvance(name[:k].rstrip()) <= width]
    if not fits:
        return fm.elidedText(name, Qt.ElideMiddle, width)
    breaks = ([k for k in fits if name[k - 1] in " -_"]  # after a space, dash or underscore
              or [k for k in fits if name[k - 1] == "."] or fits)
    k = max(breaks)
    return name[:k].rstrip() + "\n" + fm.elidedText(name[k:].lstrip(), Qt.ElideMiddle, width)


class MediaBin(QWidget):
    addToTimeline = Signal(str)  # path
    imported = Signal(list)      # paths that probed fine
    failed = Signal(str)         # message for the status bar

    def __init__(self, thumbs: ThumbCache, parent=None):
        super().__init__(parent)
        self.thumbs = thumbs
        thumbs.updated.connect(self._refresh_icons)
        self.infos: dict[str, object] = {}
        #: what the bin calls a file when not its file name (a from-script narration kept under its
        #: content-keyed name in the speech cache shows as "Scene 1 narration.wav")
        self.display_names: dict[str, str] = {}
        #: what the timeline plays (edit.durations), not the container's; None: none (asked once)
        self.durations: dict[str, Optional[float]] = {}
        self.setAcceptDrops(True)
        self.list = QListWidget(self)
        self.list.setViewMode(QListWidget.IconMode)
        self.list.setIconSize(ICON_SIZE)
        self.list.setGridSize(GRID_SIZE)
        self.list.setResizeMode(QListWidget.Adjust)
        self.list.setMovement(QListWidget.Static)
        self.list.setWordWrap(True)
        self.list.setAcceptDrops(False)
        self.list.setDragEnabled(True)  # drag items onto the timeline
        self.list.setDragDropMode(QListWidget.DragOnly)
        self.list.itemDoubleClicked.connect(lambda it: self.addToTimeline.emit(it.data(Qt.UserRole)))
        self.hint = QLabel("Drop video files here\nor File → Import (Ctrl+I)", self)
        self.hint.setAlignment(Qt.AlignCenter)
        self.hint.setStyleSheet("color:#6b717b")
        self.message = QLabel("", self)
        self.message.setObjectName("binMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        add = QPushButton("Add to timeline", self)
        add.setToolTip("Append the selected media to the end of the timeline (or double-click it)")
        add.clicked.connect(self._add_selected)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.hint)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.message)
        lay.addWidget(add)

    # -- import -------------------------------------------------------------------------------
    def add_paths(self, paths: Iterable[str], notify: bool = True) -> list[str]:
        """Probe and list each file; returns those accepted. Errors are shown, nothing else changes.
        ``notify``: emit ``imported`` (the main window then appends them to the timeline)."""
        from ..media.info import probe

        ok, errors = [], []  # errors: refused files and notes on accepted ones, one line each
        for p in paths:
            try:
                p = str(Path(p).resolve())
                info = probe(p)
                if not info.has_video and not info.has_audio:
                    raise T2VError(f"{Path(p).name} has neither picture nor sound; it cannot go on the timeline.")
                self.durations[p] = core.source_duration(p) or info.duration
            except T2VError as e:
                short, name = two_sentences(str(e))[0], Path(str(p)).name
                errors.append(short if name in short else f"{name}: {short}")
                continue
            except Exception as e:  # a probe bug on an odd file: one line here, details in the log
                log.exception("probing %r failed", p)
                errors.append(f"Cannot import {Path(str(p)).name}: unexpected error ({type(e).__name__}); "
                              "see the log.")
                continue
            self.infos[p] = info
            errors.extend(f"{Path(p).name}: {note}" for note in info.notes)  # e.g. a sound track left out
            ok.append(p)
            if not self._find(p):
                self._add_item(p, info)
        if errors:
            self.show_message("\n".join(errors))
        else:
            self.message.hide()
        if ok and notify:
            self.imported.emit(ok)
        return ok

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.failed.emit(text)

    def handle_mime(self, mime) -> list[str]:
        """What a drop does (tests call this with a QMimeData of file URLs)."""
        paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        if not paths:
            self.show_message("Only files can be dropped here (no local file in the drop).")
            return []
        return self.add_paths(paths)

    def dragEnterEvent(self, ev) -> None:
        if ev.mimeData().hasUrls():
            ev.acceptProposedAction()

    def dragMoveEvent(self, ev) -> None:
        if ev.mimeData().hasUrls():
            ev.acceptProposedAction()

    def dropEvent(self, ev) -> None:
        self.handle_mime(ev.mimeData())
        ev.acceptProposedAction()

    # -- items --------------------------------------------------------------------------------
    def paths(self) -> list[str]:
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())]

    def duration_of(self, path: str):
        """The file's length as the timeline plays it (the same number the bin shows)."""
        path = str(path)
        if path not in self.durations:
            # asked for on every timeline repaint: a file without a duration (audio only, missing)
            # is remembered as None too instead of being opened again each time
            self.durations[path] = core.source_duration(path)
        return self.durations[path]

    def _find(self, path: str):
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.UserRole) == path:
                return self.list.item(i)
        return None

    def _add_item(self, path: str, info) -> None:
        dur = self.durations.get(path) or info.duration
        it = QListWidgetItem()
        name = elided_name(self.display_names.get(path) or Path(path).name, self.list.fontMetrics())
        if info.has_video:
            it.setText(f"{name}\n{core.fmt_time(dur)} · {info.width}x{info.height}")
            it.setToolTip(f"{path}\n{info.width}x{info.height} @ {float(info.fps):.3g} fps, "
                          f"{dur:.2f} s, {info.video_codec or '?'}"
                          + (", with sound" if info.has_audio else ", no sound"))
        else:  # music, a voice-over: it goes on an audio track
            it.setText(f"{name}\n{core.fmt_time(dur)} · sound")
            it.setIcon(QIcon(QPixmap.fromImage(sound_icon())))  # its waveform replaces it once read
            it.setToolTip(f"{path}\nsound only, {dur:.2f} s: added to an audio track")
        it.setData(Qt.UserRole, path)
        it.setTextAlignment(Qt.AlignHCenter | Qt.AlignTop)
        self.list.addItem(it)
        self.hint.hide()
        self._refresh_icons()

    def _refresh_icons(self) -> None:
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.data(Qt.UserRole + 1):
                continue
            path = it.data(Qt.UserRole)
            info = self.infos.get(path)
            if info is not None and not info.has_video:  # sound only: its waveform
                peaks = self.thumbs.wave(path)
                if peaks is not None:
                    it.setIcon(QIcon(QPixmap.fromImage(sound_icon(peaks))))
                    it.setData(Qt.UserRole + 1, True)
                continue
            img = self.thumbs.thumb(path, min(1.0, (info.duration if info else 0) / 3))
            pm = QPixmap.fromImage(img) if img is not None and not img.isNull() else None
            if pm is not None and not pm.isNull():  # else asked again on the next update
                it.setIcon(QIcon(pm))
                it.setData(Qt.UserRole + 1, True)

    def _add_selected(self) -> None:
        for it in self.list.selectedItems():
            self.addToTimeline.emit(it.data(Qt.UserRole))
