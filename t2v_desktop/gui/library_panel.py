"""The Library dock: search the media bin and the media library for shots, preview and place them.

Typing searches (debounced) off the GUI thread: each search opens its own connection to the library
database (SQLite connections stay on their thread; WAL lets it read while the indexer writes), runs
library.search and looks up a keyframe thumbnail per shot; results from an older query are dropped.
Bin files not in the library match by file name (their whole length). A row shows the keyframe (or
the shot's mean colour until keyframes are indexed), the file, the span, the score and why it matched.
Double-click plays exactly that span in a source monitor under the results (a one-clip project:
in = shot start, out = shot end). Dragging a row onto the timeline places that span (a Clip with
in/out points) on the track and at the time under the drop, one undo step; the timeline itself is
untouched: an event filter on it takes only this panel's drags (SHOT_MIME).
Files imported into the bin join the library in the background (a Jobs-panel job) when one exists.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from PySide6.QtCore import QEvent, QMimeData, QObject, QRunnable, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

SHOT_MIME = "application/x-t2v-shot"  # JSON {path, start, end}
HIT_ROLE = Qt.UserRole + 7  # not Qt.UserRole: the timeline reads that as "a whole bin file"
THUMB = QSize(96, 54)


@dataclass
class Result:
    """One row: a shot of a file (seconds), why it matched, its thumbnail (None: not indexed yet)."""

    path: str
    start: float
    end: float
    score: float
    reasons: List[str] = field(default_factory=list)
    thumb: Optional[str] = None
    colour: tuple = (60, 64, 72)
    source: str = "library"  # or "bin"

    def to_mime(self) -> QMimeData:
        m = QMimeData()
        m.setData(SHOT_MIME, json.dumps({"path": self.path, "start": self.start, "end": self.end}).encode())
        m.setText(f"{self.path} {self.start:.3f}-{self.end:.3f}")
        return m


def span_text(start: float, end: float) -> str:
    def clock(t: float) -> str:
        m, s = divmod(max(0.0, t), 60)
        return f"{int(m)}:{s:05.2f}"

    return f"{clock(start)}–{clock(end)}"


def why_text(reasons: List[str]) -> str:
    """The reasons in the words the panel shows: spoken words / on-screen text / colour words / semantic."""
    out = []
    for r in reasons:
        r = r.replace("looks like:", "semantic:").replace("colour:", "colour words:")
        out.append(r)
    return "; ".join(out)


def search_everything(library_path: Optional[Path], text: str, bin_files: dict, *, limit: int = 50,
                      search_fn=None) -> tuple:
    """(results, notes): library shots for ``text`` plus bin files whose name has the query's words.
    Runs on a worker thread (its own sqlite connection)."""
    notes: List[str] = []
    results: List[Result] = []
    seen_paths = set()
    if library_path is not None and Path(library_path).exists():
        from ..library.db import open_library
        from ..library.search import search

        lib = open_library(library_path)
        try:
            hits = (search_fn or search)(lib, text, limit=limit, notes=notes)
            c = lib.conn
            for h in hits:
                row = c.execute("SELECT k.thumb FROM keyframes k WHERE k.shot_id = ? AND k.thumb IS NOT NULL "
                                "AND k.thumb <> '' ORDER BY abs(k.time - ?) LIMIT 1",
                                (h.shot_id, (h.start + h.end) / 2)).fetchone()
                shot = c.execute("SELECT thumb, r, g, b FROM shots WHERE id = ?", (h.shot_id,)).fetchone()
                thumb = (row[0] if row else None) or (shot[0] if shot and shot[0] else None)
                colour = tuple(int(v or 0) for v in shot[1:4]) if shot and shot[1] is not None else (60, 64, 72)
                results.append(Result(h.path, h.start, h.end, h.score, list(h.reasons), thumb, colour))
                seen_paths.add(h.path)
            known = {r[0] for r in c.execute("SELECT path FROM files")}
        finally:
            lib.close()
    else:
        known = set()
        notes.append("No media library yet: add footage with `t2v-desktop library add DIR` "
                     "(then files dropped in the bin join it).")
    words = [w for w in re.findall(r"[\w']+", text.lower()) if len(w) > 1]
    for path, duration in bin_files.items():
        if path in known or path in seen_paths or not words:
            continue
        name = Path(path).stem.lower()
        got = [w for w in words if w in name]
        if got:
            results.append(Result(path, 0.0, float(duration or 0.0), round(len(got) / len(words), 4),
                                  [f"file name: {', '.join(got)}"], source="bin"))
    results.sort(key=lambda r: -r.score)
    return results[:limit], notes


class _SearchSignals(QObject):
    done = Signal(int, object, object)  # generation, results, notes
    failed = Signal(int, str)


class _SearchTask(QRunnable):
    def __init__(self, gen: int, fn: Callable[[], tuple]):
        super().__init__()
        self.gen, self.fn = gen, fn
        self.signals = _SearchSignals()

    def run(self) -> None:
        try:
            results, notes = self.fn()
        except Exception as e:  # noqa: BLE001 - a bad library must not take the editor down
            log.exception("library search failed")
            self.signals.failed.emit(self.gen, str(e))
            return
        self.signals.done.emit(self.gen, results, notes)


class ResultList(QListWidget):
    """Rows you can drag: the drag carries SHOT_MIME, never a file URL (a URL would add the whole file)."""

    def mimeData(self, items):
        res = [it.data(HIT_ROLE) for it in items if it.data(HIT_ROLE) is not None]
        return res[0].to_mime() if res else QMimeData()

    def mimeTypes(self):
        return [SHOT_MIME]


def placeholder(colour: tuple) -> QPixmap:
    """The shot's mean colour with a film-frame border, until a keyframe thumbnail is indexed."""
    pm = QPixmap(THUMB)
    pm.fill(QColor(*colour))
    p = QPainter(pm)
    p.setPen(QColor(20, 22, 26))
    p.drawRect(0, 0, THUMB.width() - 1, THUMB.height() - 1)
    p.end()
    return pm


class LibraryPanel(QWidget):
    """Search box, result rows, source monitor. ``library_path``: the database (None: the default)."""

    previewed = Signal(str, float, float)
    insertRequested = Signal(object)  # a Result: insert its span at the playhead

    def __init__(self, parent=None, *, library_path: Optional[Path] = None,
                 bin_files: Callable[[], dict] = dict):
        super().__init__(parent)
        if library_path is None:
            from ..library.db import default_path

            library_path = default_path()
        self.library_path = Path(library_path)
        self.bin_files = bin_files
        self.results: List[Result] = []
        self.notes: List[str] = []
        self.searches = 0  # finished searches (tests wait on it)
        self._gen = 0
        self._tasks: dict = {}
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.monitor = None  # the source monitor (a PreviewPanel), made on the first double-click
        self.box = QLineEdit(self)
        self.box.setPlaceholderText("Search shots: red car at night, says 'welcome', text 'SALE'")
        self.box.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.search_now)
        self.box.textChanged.connect(lambda _t: self._debounce.start())
        self.box.returnPressed.connect(self.search_now)
        self.list = ResultList(self)
        self.list.setIconSize(THUMB)
        self.list.setWordWrap(True)
        self.list.setDragEnabled(True)
        self.list.setDragDropMode(QAbstractItemView.DragOnly)
        self.list.setSelectionMode(QAbstractItemView.SingleSelection)
        self.list.itemDoubleClicked.connect(lambda it: self.preview_result(it.data(HIT_ROLE)))
        self.insert_btn = QPushButton("Insert at playhead", self)
        self.insert_btn.setToolTip("Insert the selected shot's span on the main track at the playhead (Enter); "
                                   "or drag it onto the timeline")
        self.insert_btn.clicked.connect(self.insert_selected)
        self.list.installEventFilter(self)
        self.status = QLabel("Type to search the media bin and the library.", self)
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color:#8b929c")
        self.split = QSplitter(Qt.Vertical, self)
        self.split.addWidget(self.list)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.box)
        lay.addWidget(self.split, 1)
        lay.addWidget(self.insert_btn)
        lay.addWidget(self.status)

    def insert_selected(self) -> None:
        items = self.list.selectedItems() or ([self.list.item(0)] if self.list.count() == 1 else [])
        if items and items[0].data(HIT_ROLE) is not None:
            self.insertRequested.emit(items[0].data(HIT_ROLE))

    def eventFilter(self, obj, ev) -> bool:
        if obj is self.list and ev.type() == QEvent.KeyPress and ev.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.insert_selected()
            return True
        return False

    # -- searching (worker thread) ----------------------------------------------------------------
    def search(self, text: str) -> None:
        """Show ``text`` in the box and search for it now (the "find clips with ..." command)."""
        self.box.blockSignals(True)
        self.box.setText(text)
        self.box.blockSignals(False)
        self.search_now()

    def search_now(self) -> None:
        self._debounce.stop()
        text = self.box.text().strip()
        self._gen += 1
        if not text:
            self._show([], [])
            return
        gen, path, files = self._gen, self.library_path, dict(self.bin_files())
        task = _SearchTask(gen, lambda: search_everything(path, text, files))
        task.signals.done.connect(self._done)
        task.signals.failed.connect(self._failed)
        self._tasks[gen] = task  # keep the signals object alive until it reports
        self.status.setText("Searching…")
        self.pool.start(task)

    def _done(self, gen: int, results, notes) -> None:
        self._tasks.pop(gen, None)
        if gen == self._gen:  # an older query's answer arriving late is dropped
            self._show(results, notes)

    def _failed(self, gen: int, msg: str) -> None:
        self._tasks.pop(gen, None)
        if gen == self._gen:
            self._show([], [f"Search failed: {msg}"])

    def _show(self, results: List[Result], notes: List[str]) -> None:
        self.results, self.notes = list(results), list(notes)
        self.list.clear()
        for r in results:
            it = QListWidgetItem()
            it.setText(f"{Path(r.path).name}   {span_text(r.start, r.end)}   {r.score:.2f}\n{why_text(r.reasons)}")
            it.setToolTip(f"{r.path}\n{span_text(r.start, r.end)} ({r.end - r.start:.2f} s)\n"
                          "Double-click: preview this span. Drag onto the timeline: place it.")
            it.setData(HIT_ROLE, r)
            it.setIcon(QIcon(self._thumb(r)))
            self.list.addItem(it)
        q = self.box.text().strip()
        head = (f"{len(results)} shot{'s' if len(results) != 1 else ''} for '{q}'" if results
                else (f"No shot matches '{q}'." if q else "Type to search the media bin and the library."))
        self.status.setText("\n".join([head] + notes))
        self.searches += 1

    def _thumb(self, r: Result) -> QPixmap:
        if r.thumb and Path(r.thumb).exists():
            img = QImage(r.thumb)
            if not img.isNull():
                return QPixmap.fromImage(img.scaled(THUMB, Qt.KeepAspectRatio, Qt.SmoothTransformation))
        return placeholder(r.colour)

    # -- source monitor -------------------------------------------------------------------------
    def preview_result(self, r: Optional[Result]) -> None:
        """Play exactly the span: a one-clip project (in = start, out = end) from its first frame."""
        if r is None:
            return
        from ..project.history import AddClip
        from ..project.model import Clip, Project
        from . import core
        from .preview import PreviewPanel

        if self.monitor is None:
            self.monitor = PreviewPanel(self)
            self.monitor.setMinimumHeight(120)
            self.split.addWidget(self.monitor)
        project = Project()
        AddClip(Clip(source=r.path, in_point=r.start, out_point=r.end, name=Path(r.path).name)).do(project)
        try:
            rend = core.make_renderer(project)
            info = (rend.fps, rend.frame_count, float(rend.duration), rend.width, rend.height)
            core.close_renderer(rend)
        except Exception as e:  # noqa: BLE001 - a file moved away since it was indexed, unreadable
            self.status.setText(f"Cannot preview {Path(r.path).name}: {e}")
            return
        fps, n, dur, w, h = info
        self.monitor.pause()
        self.monitor.set_project(core.snapshot(project), fps=fps, frame_count=n, duration=dur, width=w, height=h)
        self.monitor.seek(0.0)
        self.monitor.play()
        self.previewed.emit(r.path, r.start, r.end)

    def shutdown(self) -> None:
        """Stop the search thread and the source monitor's renderer (made again when needed)."""
        self.pool.clear()
        self.pool.waitForDone(2000)
        if self.monitor is not None:
            self.monitor.pause()
            self.monitor.shutdown()
            self.monitor.setParent(None)
            self.monitor.deleteLater()
            self.monitor = None


class _OnClose(QObject):
    """The window's Close event stops the panel's threads (the window's closeEvent is not ours)."""

    def __init__(self, win, panel: LibraryPanel):
        super().__init__(win)
        self.panel = panel

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() == QEvent.Close:
            self.panel.shutdown()
        return False


class TimelineDrops(QObject):
    """Event filter on the timeline: a dragged result becomes a Clip of exactly its span, placed on
    the row and at the time under the drop (the main track: between the clips there). One undo step."""

    def __init__(self, win):
        super().__init__(win)
        self.win = win

    def eventFilter(self, obj, ev) -> bool:
        t = ev.type()
        if t in (QEvent.DragEnter, QEvent.DragMove) and ev.mimeData().hasFormat(SHOT_MIME):
            ev.acceptProposedAction()
            return True
        if t == QEvent.Drop and ev.mimeData().hasFormat(SHOT_MIME):
            try:
                shot = json.loads(bytes(ev.mimeData().data(SHOT_MIME)).decode())
            except ValueError:
                return True
            pos = ev.position()
            if self.drop(shot, pos.x(), pos.y()):
                ev.acceptProposedAction()
            return True
        return False

    def drop(self, shot: dict, x: float, y: float) -> bool:
        from ..project import history as h
        from ..project.model import Clip
        from .timeline_rows import row_at

        win, tl = self.win, self.win.timeline
        path = str(Path(shot["path"]).resolve())
        if not Path(path).exists():
            win.statusBar().showMessage(f"{path} is not there any more; run `t2v-desktop library reindex`.", 8000)
            return False
        start, end = float(shot["start"]), float(shot["end"])
        clip = Clip(source=path, in_point=round(start, 6), out_point=round(end, 6), name=Path(path).name)
        if path not in win.bin.infos:
            win.bin.add_paths([path], notify=False)  # listed in the bin like any used file
        r = row_at(tl.rows, y)
        label = f"Place {Path(path).name} {span_text(start, end)}"
        if r is None or r.main or r.kind == "subtitle":
            cmd = h.AddClip(clip, index=tl.index_at(x))
        elif r.locked:
            win.statusBar().showMessage(f"Track {r.label} is locked; unlock it to drop clips on it.", 8000)
            return False
        else:
            cmd = h.PlaceClip(clip, r.id, round(max(0.0, tl.snap(tl.t_of(x))), 4))
        ok = win.push(h.Compound(label, [cmd]))
        if ok:
            win.statusBar().showMessage(f"{label} ({end - start:.2f} s)", 5000)
        return ok


def index_files(library_path: Path, paths: List[str], progress, cancel) -> Tuple[int, List[str]]:
    """(files indexed, one message per file that was not) - the background job's work. A still image
    or a sound-only file in the bin is skipped quietly and an unreadable one is reported, but
    neither ends the job: the other files are still indexed."""
    from ..errors import T2VError
    from ..library import indexer
    from ..library.db import LibraryError, open_library

    add_file = getattr(indexer, "add_file", None)
    if add_file is None:  # an older indexer: whole folders only
        return 0, []
    done, skipped = 0, []
    lib = open_library(library_path)
    try:
        for k, p in enumerate(paths):
            progress(k, len(paths), f"Indexing {Path(p).name}")
            try:
                add_file(lib, p, progress=None, cancel=cancel)
                done += 1
            except indexer.NotIndexable:
                continue
            except LibraryError:
                raise  # a full disk: nothing more can be written
            except T2VError as e:  # recorded in the library as the file's error
                skipped.append(str(e))
        from ..library.vectors import refresh

        progress(len(paths), len(paths) + 1, "updating the search index")
        refresh(lib.conn)  # the new keyframes go into the vector index now, not at the next search
    finally:
        lib.close()
    progress(len(paths), len(paths), "indexed")
    return done, skipped


def index_in_background(win, paths: List[str], library_path: Path) -> None:
    """Each imported file joins the library (when one exists) as a background job with progress."""
    if not Path(library_path).exists() or not paths:
        return
    from .workers import Job

    def work(progress, cancel):
        from ..errors import T2VError

        done, skipped = index_files(library_path, paths, progress, cancel)
        if skipped:  # the job's failure line; the other files are indexed
            raise T2VError(f"{len(skipped)} of {len(paths)} files not indexed: {skipped[0]}")
        return done

    job = Job(f"Add to library ({len(paths)} file{'s' if len(paths) != 1 else ''})", work)
    win.jobs.start(job)


def install(win, library_path: Optional[Path] = None) -> LibraryPanel:
    """The Library dock on the main window (View > Library), the timeline's drop filter for its
    results and background indexing of the bin's imports."""
    panel = LibraryPanel(win, library_path=library_path,
                         bin_files=lambda: {p: win.bin.durations.get(p) or getattr(i, "duration", 0.0)
                                            for p, i in win.bin.infos.items()})
    dock = win._dock("Library", panel, Qt.LeftDockWidgetArea)
    win.tabifyDockWidget(win.bin_dock, dock)
    win.bin_dock.raise_()
    win.timeline_drops = TimelineDrops(win)
    win.timeline.installEventFilter(win.timeline_drops)
    win.bin.imported.connect(lambda paths: index_in_background(win, list(paths), panel.library_path))
    win._library_close = _OnClose(win, panel)
    win.installEventFilter(win._library_close)
    for a in win.menuBar().actions():
        if a.text() == "&View" and a.menu() is not None:
            a.menu().addAction(dock.toggleViewAction())

    def typed(text: str) -> None:  # "find clips with text 'SALE'" also shows the shots here
        from ..commands.library_commands import find_query

        q = find_query(text)
        if q:
            dock.show()
            dock.raise_()
            panel.search(q)

    win.command_bar.submitted.connect(typed)

    def insert(r: Result) -> None:  # the same insert edit as "use the shot ..." (commands/library_commands)
        from ..commands.library_commands import insert_commands
        from ..project.history import Compound
        from ..project.model import Clip

        if not Path(r.path).exists():
            win.statusBar().showMessage(f"{r.path} is not there any more; run `t2v-desktop library reindex`.", 8000)
            return
        name = Path(r.path).name
        clip = Clip(source=str(Path(r.path).resolve()), in_point=round(r.start, 6), out_point=round(r.end, 6),
                    name=name)
        cmds, said = insert_commands(win.project, clip, "playhead", playhead=win.preview.position)
        if r.path not in win.bin.infos:
            win.bin.add_paths([r.path], notify=False)
        if win.push(Compound(f"Insert {name} {span_text(r.start, r.end)}", cmds)):
            win.statusBar().showMessage(f"Inserted {name} {span_text(r.start, r.end)} {said}", 6000)

    panel.insertRequested.connect(insert)
    win.library_panel, win.library_dock = panel, dock
    return panel
