"""The main window: wires the panels to one Project, one QUndoStack and the core.

Every change goes through an ``edit.history`` command pushed on the QUndoStack (via QtHistory),
then ``refresh()`` re-derives the views: timeline spans and preview from a Renderer, the edit
stack from the selected clip. Typed commands go through the same ``edit.apply.apply_text`` as the
CLI; exports through ``edit.export.export_project``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from ..errors import T2VError
from ..project.model import Clip, Project
from . import core
from .autosave import Autosave, recovery_candidate
from .command_bar import CommandBar
from .edit_stack import EditStackPanel
from .jobs_panel import JobsPanel
from .keys import GlobalKeys
from .media_bin import MediaBin
from .messages import show_error, two_sentences
from .preview import PreviewPanel
from .theme import icon
from .thumbs import ThumbCache
from .timeline import TimelineWidget
from .undo import QtHistory
from .workers import Job, JobManager

log = logging.getLogger(__name__)

PROJECT_FILTER = "t2v-desktop projects (*.t2v *.t2v.json *.json)"
MEDIA_FILTER = "Media (*.mp4 *.mov *.mkv *.webm *.avi *.m4v *.mts *.gif);;All files (*)"
MAX_RECENT = 8


class MainWindow(QMainWindow):
    def __init__(self, *, autosave_interval_ms: int = 30_000, settings: Optional[QSettings] = None):
        super().__init__()
        self.setWindowTitle("t2v-desktop")
        self.setWindowIcon(icon("app"))
        self.resize(1440, 900)
        self.settings = settings or QSettings("t2v-desktop", "t2v-desktop")
        self.project = Project()
        self.project_path: Optional[Path] = None
        self.selected_clip: Optional[str] = None
        self.renderer = None  # main-thread Renderer for spans/duration (frames come from the preview thread)
        self.relink_picker: Callable[[str], Optional[str]] = self._pick_relink
        #: "save" | "discard" | "cancel" for unsaved changes (a dialog by default; tests replace it)
        self.ask_save: Callable[[], str] = self._ask_save
        self._closed = False
        self._recovered = False   # showing recovered work that exists only in the autosave
        self.op_notes: dict = {}  # op id -> notes of analysed ops (stabilize's crop) for the edit stack
        self._preparing = ""      # ops being analysed by a job (the preview waits for it)
        self._prepare_job: Optional[Job] = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.history = QtHistory(self.undo_stack, lambda: self.project, lambda: None)
        self.history.events.connect(self._on_model_events)  # every push, undo and redo
        self.full_refreshes = 0    # refresh() calls (every view re-derived): tests count them
        self.light_refreshes = 0   # in-place updates of one clip (_on_model_events)
        self.jobs = JobManager(self)
        self.thumbs = ThumbCache(self)
        self.export_dialog = None

        # panels
        self.preview = PreviewPanel(self)
        self.command_bar = CommandBar(self)
        self.command_bar.submitted.connect(self.apply_command)
        self.command_bar.context_fn = self._parse_context
        self.command_bar.return_focus = self.focus_timeline
        self.command_bar.suggestions_bottom = lambda: self.preview.view.mapTo(
            self, QPoint(0, self.preview.view.height())).y()
        self.timeline = TimelineWidget(self.thumbs, self)
        self.timeline.seekRequested.connect(self.preview.seek)
        self.timeline.scrubbing.connect(self.preview.set_scrubbing)
        self.timeline.selectionChanged.connect(self._selection_changed)
        self.timeline.trimRequested.connect(self.trim_clip)
        self.timeline.moveRequested.connect(self.move_clip)
        self.timeline.mediaDropped.connect(self.insert_media)
        self._init_timeline_tracks()
        self.preview.positionChanged.connect(self.timeline.set_playhead)
        self.preview.positionChanged.connect(self._update_stack_clip)
        self.preview.playingChanged.connect(self.thumbs.hold)  # no thumbnail decodes while playing
        self._init_canvas_handles()
        self.bin = MediaBin(self.thumbs, self)
        self.bin.addToTimeline.connect(lambda p: self.add_clips([p]))
        self.bin.imported.connect(self.add_clips)
        self.setAcceptDrops(True)  # drops anywhere (timeline, preview) import like the bin
        self.bin.failed.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.timeline.source_duration = self.bin.duration_of
        self.timeline.setFocusPolicy(Qt.StrongFocus)  # the keyboard's home: Space, J/K/L, S, Del
        self.edit_stack = EditStackPanel(self)
        self.edit_stack.toggleRequested.connect(self.toggle_op)
        self.edit_stack.moveRequested.connect(self.move_op)
        self.edit_stack.removeRequested.connect(self.remove_op)
        self.edit_stack.paramsRequested.connect(self.set_op_params)
        self.edit_stack.rangeRequested.connect(self.set_op_range)
        self.undo_view = QUndoView(self.undo_stack, self)
        self.undo_view.setEmptyLabel("Opened project")
        self.jobs_panel = JobsPanel(self.jobs, self)

        centre = QSplitter(Qt.Vertical, self)
        centre.setHandleWidth(4)
        centre.setChildrenCollapsible(False)
        top = QWidget(self)
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(0)
        tl.addWidget(self.preview, 1)
        tl.addWidget(self.command_bar)
        centre.addWidget(top)
        centre.addWidget(self._timeline_scroll())
        centre.setStretchFactor(0, 1)
        centre.setStretchFactor(1, 0)
        self._restore_centre_split(centre)
        self.setCentralWidget(centre)
        self.bin_dock = self._dock("Media", self.bin, Qt.LeftDockWidgetArea)
        self.stack_dock = self._dock("Edit stack", self.edit_stack, Qt.RightDockWidgetArea)
        self.history_dock = self._dock("History", self.undo_view, Qt.RightDockWidgetArea)
        self.jobs_dock = self._dock("Jobs", self.jobs_panel, Qt.LeftDockWidgetArea)
        self.resizeDocks([self.bin_dock, self.stack_dock], [290, 360], Qt.Horizontal)
        self.resizeDocks([self.stack_dock, self.history_dock], [520, 200], Qt.Vertical)
        self.resizeDocks([self.bin_dock, self.jobs_dock], [520, 150], Qt.Vertical)
        self._build_menus()
        self.keys = GlobalKeys(self.actions, self)
        self.keys.watch(self.command_bar.input)
        self.edit_stack.key_filter = self.keys
        from .keyframes_panel import install as install_keyframes

        install_keyframes(self)  # the Keyframes dock; the edit stack's and its keys at the playhead
        from .transcript_panel import install as install_transcript

        install_transcript(self)  # View > Transcript: edit by words, background transcription
        from .transitions_palette import install as install_transitions

        install_transitions(self)  # the Transitions dock: drag one onto a cut on the timeline
        from .library_panel import install as install_library

        install_library(self)  # View > Library: search shots, preview a span, drag it onto the timeline
        self.status_pos = QLabel("", self)
        self.statusBar().addPermanentWidget(self.status_pos)
        self.statusBar().showMessage("Type an edit in the command bar (Ctrl+L) and press Enter.")

        self.autosave = Autosave(core.autosave_dir(), lambda: self.project, self.has_unsaved_work,
                                 autosave_interval_ms, self)
        self.autosave.failed.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.autosave.start()
        # every edit, undo and redo is on disk within a moment (a debounced atomic save)
        self.undo_stack.indexChanged.connect(lambda _i: self.autosave.schedule())
        self.undo_stack.cleanChanged.connect(lambda _c: self.autosave.schedule())
        self._stack_state = (0, 0)  # (index, count): tells an undo or redo from a new edit
        self.undo_stack.indexChanged.connect(self._stack_moved)
        QTimer.singleShot(0, self.command_bar.load_completions)
        self.refresh()

    def tabifyDockWidget(self, first, second) -> None:  # noqa: N802 (Qt's name)
        """Qt's, but formed just after the first show when called before it (gui/docks.py: a
        group tabbed before the show leaves a stale tab bar drawn over another dock)."""
        from .docks import tabify_when_shown

        tabify_when_shown(self, first, second)

    def _dock(self, title: str, w: QWidget, area) -> QDockWidget:
        d = QDockWidget(title, self)
        d.setObjectName(title)
        d.setWidget(w)
        d.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable
                      | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, d)
        return d

    # -- menus ----------------------------------------------------------------------------------
    def _act(self, menu, text: str, slot, shortcut=None, icon_name: str = "", tip: str = "") -> QAction:
        a = QAction(text, self)
        if icon_name:
            a.setIcon(icon(icon_name))
        if shortcut:
            if isinstance(shortcut, (list, tuple)):
                a.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setStatusTip(tip)
        a.triggered.connect(lambda _=False: slot())
        menu.addAction(a)
        self.addAction(a)  # shortcuts work even with the menu bar hidden
        return a

    def _build_menus(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self._act(f, "&New project", self.new_project, QKeySequence.New, "new")
        self._act(f, "New from &script…", self.new_from_script,
                  tip="Paste or open a script or an article; it becomes an edited project (script/build.py)")
        self._act(f, "&Open project…", self.open_project_dialog, QKeySequence.Open, "open")
        self.recent_menu = f.addMenu("Open &recent")
        self._update_recent_menu()
        self._act(f, "&Save", self.save, QKeySequence.Save, "save")
        self._act(f, "Save &as…", self.save_as, "Ctrl+Shift+S")
        f.addSeparator()
        self._act(f, "&Import media…", self.import_dialog, "Ctrl+I", "import")
        self._act(f, "&Export…", self.show_export, "Ctrl+E", "export")
        f.addSeparator()
        self._act(f, "&Quit", self.close, QKeySequence.Quit)
        e = mb.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.Undo)
        self.undo_action.setIcon(icon("undo"))
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setIcon(icon("redo"))
        for a in (self.undo_action, self.redo_action):
            e.addAction(a)
            self.addAction(a)
        e.addSeparator()
        self._act(e, "&Split clip at playhead", self.split_at_playhead, "S", "split")
        self._act(e, "&Delete clip (ripple)", self.delete_selected, [QKeySequence.Delete, "Backspace"], "delete")
        self._act(e, "Delete clip and close the gap", self.ripple_delete_selected, ["Shift+Delete", "Shift+Backspace"],
                  tip="On an upper or audio track the clips after it move earlier by its length")
        self._act(e, "Lift clip (leave a gap)", self.lift_selected, "Z",
                  tip="Delete the selected clips and leave a gap, also on the main track (Shotcut's Lift)")
        self._act(e, "Deselect (edits apply to the whole timeline)", lambda: self.timeline.select(None),
                  "Ctrl+Shift+A")
        self._act(e, "&Command bar", self.focus_command_bar, "Ctrl+L")
        self._act(e, "Edit &title…", self.edit_title, tip="Text, font, colour, box and outline of the selected title")
        from .cluster_settings import add_cluster_action

        add_cluster_action(self, e)  # Edit > AI renders on a Ray cluster… (docs/cluster.md)
        p = mb.addMenu("&Playback")
        self._act(p, "Play / pause", self.preview.toggle_play, "Space", "play")
        self._act(p, "Play backward (J)", lambda: self.preview.jkl("j"), "J")
        self._act(p, "Pause (K)", lambda: self.preview.jkl("k"), "K")
        self._act(p, "Play forward / faster (L)", lambda: self.preview.jkl("l"), "L")
        self._act(p, "Previous frame", lambda: self.preview.step(-1), "Left", "prev")
        self._act(p, "Next frame", lambda: self.preview.step(1), "Right", "next")
        self._act(p, "Go to start", self.preview.home, "Home")
        self._act(p, "Go to end", self.preview.end, "End")
        self._act(p, "Before/after compare", self.preview.set_compare, "C", "compare")
        p.addSeparator()  # markers (M is the preview's mute): Kdenlive's * and Shotcut-like , / . seeks
        self._act(p, "Add marker at playhead", self.add_marker, ["Ctrl+M", "*"])
        self._act(p, "Previous marker", lambda: self.seek_marker(-1), ",")
        self._act(p, "Next marker", lambda: self.seek_marker(1), ".")
        v = mb.addMenu("&View")
        self._act(v, "Zoom timeline in", lambda: self.timeline.zoom(1.5), ["=", "+", "Ctrl+="], "zoom_in")
        self._act(v, "Zoom timeline out", lambda: self.timeline.zoom(1 / 1.5), ["-", "Ctrl+-"], "zoom_out")
        self._act(v, "Fit timeline to window", self.timeline.zoom_fit, "Ctrl+0")
        v.addSeparator()
        for d in (self.bin_dock, self.stack_dock, self.history_dock, self.jobs_dock):
            v.addAction(d.toggleViewAction())
        h = mb.addMenu("&Help")
        self._act(h, "Keyboard shortcuts", self._show_shortcuts)
        self._act(h, "About t2v-desktop", self._about)
        tb = self.addToolBar("Main")
        tb.setObjectName("main-toolbar")
        tb.setMovable(False)
        for a in self.actions():
            if a.text() in ("&New project", "&Open project…", "&Save", "&Import media…", "&Export…"):
                tb.addAction(a)
        tb.addSeparator()
        tb.addAction(self.undo_action)
        tb.addAction(self.redo_action)
        tb.addSeparator()
        for a in self.actions():
            if a.text() in ("&Split clip at playhead", "&Delete clip (ripple)"):
                tb.addAction(a)

    # -- state ----------------------------------------------------------------------------------
    def _on_model_events(self, events) -> None:
        """A history command was done, undone or redone (its typed events: project/events.py).
        A clip's transform, volume or title changed in place: that clip is repainted on the
        timeline (no rows rebuilt) and the preview re-renders (pixels or sound) with the decoders
        it has; track settings (mute, solo, gain, lock, name, hide), subtitles and markers are
        taken in place too (the layout and the length stay); anything else re-derives every view
        (refresh)."""
        from ..project.events import (
            SOUND_PROPS,
            MarkersChanged,
            SubtitlesChanged,
            TitleChanged,
            VolumeChanged,
            is_light,
            track_settings_only,
        )

        if all(isinstance(e, MarkersChanged) for e in events):  # the ruler's flags only
            self.light_refreshes += 1
            self.timeline.update()
            self._update_title()
            return
        in_place = (self.renderer is not None and self.renderer.project is self.project and not self._preparing
                    and self.renderer.can_update_in_place())
        if in_place and track_settings_only(events):
            # mute, solo, gain, lock: the headers and veils are repainted, the sound re-mixed; a
            # name: the rows' labels; hide: the picture (the preview's decoders are kept)
            props = frozenset().union(*(e.props for e in events))
            self.light_refreshes += 1
            self.renderer.forget_sound()
            if "name" in props:
                self.timeline.rows_changed()
            self.timeline.invalidate()
            pixels, sound = "hidden" in props, bool(props & SOUND_PROPS)
            if pixels:
                self.renderer.forget_tracks()
                self._layers_cache = (None, -1, [])  # a hidden track has no on-canvas boxes
            if pixels or sound:
                self.preview.update_project(core.snapshot(self.project), pixels=pixels, sound=sound)
            self._update_title()
            return
        if in_place and all(isinstance(e, SubtitlesChanged) for e in events):
            # cues retimed or edited, burn-in, style, a subtitle track added or removed: the lanes
            # and the picture (burned-in cues); the length, the clips and the sound stay
            self.light_refreshes += 1
            self.renderer.forget_tracks()
            self.timeline.rows_changed()
            self.preview.update_project(core.snapshot(self.project), pixels=True, sound=False)
            self._update_title()
            return
        ids = {c.id for c in self.project.all_clips()}
        if not (in_place and is_light(events) and all(e.clip_id in ids for e in events)):
            self.refresh()
            return
        self.light_refreshes += 1
        for e in events:
            self.renderer.forget_clip(e.clip_id, chain=isinstance(e, TitleChanged))
        self.renderer.forget_sound()
        self._layers_cache = (None, -1, [])  # the on-canvas boxes
        self.timeline.invalidate()
        self.preview.update_project(core.snapshot(self.project),
                                    pixels=any(not isinstance(e, VolumeChanged) for e in events),
                                    sound=any(isinstance(e, VolumeChanged) for e in events))
        self._selection_changed(self.selected_clip)
        self._update_title()

    def refresh(self, fit: bool = False) -> None:
        """Re-derive every view from the project (after any change). ``fit``: a new project, the
        timeline fits it (edits keep the zoom)."""
        self.full_refreshes += 1
        clip_ids = {c.id for c in self.project.all_clips()}
        if self.selected_clip not in clip_ids:
            self.selected_clip = None
        spans, duration, info, layout = [], 0.0, None, {}
        try:
            r = core.make_renderer(self.project) if clip_ids else None
            old, self.renderer = self.renderer, None
            if old is not None:
                old.close()
            if r is not None:
                spans, duration = r.clip_spans(), float(r.duration)
                info = (r.fps, r.frame_count, duration, r.width, r.height)
                layout = core.clip_layouts(r)
                if not self._preparing:
                    self.op_notes = core.op_notes(r)
            self.renderer = r
        except Exception as e:  # T2VError: the user can fix it; anything else is a bug, logged
            if not isinstance(e, T2VError):
                log.exception("building the renderer failed")
            self.renderer = None
            msg = str(e) if isinstance(e, T2VError) else f"Cannot render this project (internal error: {e!r})"
            self.preview.view.message = two_sentences(msg)[0]
            self.preview.view.update()
            self.statusBar().showMessage(two_sentences(msg)[0], 10000)
        self.timeline.set_model(self.project, spans, duration, layout, fit=fit,
                                tlayout=self._timeline_layout())
        self.timeline.selected = self.selected_clip
        if info is not None and self._preparing:
            self.preview.hold(f"Analysing ({self._preparing})… progress and Cancel in the Jobs panel.")
        elif info is not None:
            fps, n, dur, w, h = info
            self.preview.set_project(core.snapshot(self.project), fps=fps, frame_count=n, duration=dur,
                                     width=w, height=h)
            self.status_pos.setText(f"{w}x{h} · {float(fps):.3g} fps · {core.fmt_time(dur)}")
        elif not clip_ids:
            self.preview.set_project(core.snapshot(self.project), fps=self.preview.fps, frame_count=0,
                                     duration=0.0, width=0, height=0)
            self.status_pos.setText("")
        self._selection_changed(self.selected_clip)
        self._update_title()

    def _stack_moved(self, index: int) -> None:
        """Undo/redo (from any key, menu, History click or typed "undo"): the command bar's
        feedback says what changed instead of still showing the last "Applied:" plan."""
        old_index, old_count = self._stack_state
        count = self.undo_stack.count()
        self._stack_state = (index, count)
        if self.history.pushing or count != old_count or index == old_index:
            return  # a new edit (its plan is shown by apply_command) or a cleared stack
        if index < old_index:
            names = [self.undo_stack.text(i) for i in range(old_index - 1, index - 1, -1)]
            self.command_bar.show_note("Undone: " + "; ".join(names))
        else:
            names = [self.undo_stack.text(i) for i in range(old_index, index)]
            self.command_bar.show_note("Redone: " + "; ".join(names))

    def _clean_changed(self, _clean: bool) -> None:
        if not self._closed:
            self._update_title()

    def _update_title(self) -> None:
        name = self.project_path.name if self.project_path else (self.project.name or "Untitled")
        self.setWindowModified(not self.undo_stack.isClean())
        self.setWindowTitle(f"{name}[*] — t2v-desktop")

    def _selection_changed(self, clip_id) -> None:
        self.selected_clip = clip_id
        clip = next((c for c in self.project.all_clips() if c.id == clip_id), None)
        self.command_bar.set_target(
            f"clip “{clip.label}”" if clip else "whole timeline")
        self._update_stack_clip()

    def _clip_under_playhead(self) -> Optional[str]:
        t = self.preview.position
        for cid, a, b in self.timeline.spans:
            if a <= t < b:
                return cid
        return self.timeline.spans[-1][0] if self.timeline.spans else None

    def _update_stack_clip(self, _t: float = 0.0) -> None:
        """The edit stack shows the selected clip, else the clip under the playhead."""
        cid = self.selected_clip or self._clip_under_playhead()
        clip = next((c for c in self.project.all_clips() if c.id == cid), None)
        if clip is not self.edit_stack.clip or _t == 0.0:
            self.edit_stack.notes = self.op_notes
            self.edit_stack.set_clip(clip, under_playhead=self.selected_clip is None)
        if getattr(self, "keyframes_panel", None) is not None:
            self.keyframes_panel.set_clip(clip)  # rebuilt only when the clip or its values changed

    def _parse_context(self) -> dict:
        dur = None
        if self.renderer is not None:
            dur = self.renderer.duration
            if self.selected_clip:
                try:
                    dur = self.renderer.clip_duration(self.selected_clip)
                except Exception:
                    pass
        return {"duration": dur, "base": str(self._file_base()), "playhead": self.preview.position}

    def _file_base(self) -> Path:
        """The folder file names in typed commands resolve against: the project's folder, else the
        folder of its first media file, else the home folder."""
        if self.project_path is not None:
            return self.project_path.resolve().parent
        paths = self.project.file_paths() if self.project is not None else []
        return Path(paths[0]).parent if paths else Path.home()

    def focus_command_bar(self) -> None:
        self.command_bar.input.setFocus()
        self.command_bar.input.selectAll()

    def focus_timeline(self) -> None:
        """Where the keyboard goes after the command bar (Enter applied, or Escape)."""
        self.command_bar.hide_suggestions()
        self.timeline.setFocus(Qt.OtherFocusReason)

    def has_unsaved_work(self) -> bool:
        """Edits not in a saved project file (what the autosave must keep)."""
        return self._recovered or not self.undo_stack.isClean()

    # -- commands -------------------------------------------------------------------------------
    def push(self, cmd) -> bool:
        """Push one core EditCommand; a user error is shown and changes nothing."""
        try:
            self.history.push(cmd)
        except T2VError as e:
            self.statusBar().showMessage(str(e), 10000)
            return False
        return True

    def apply_command(self, text: str, *, confirm: bool = True, playhead: Optional[float] = None):
        """Parse + apply ``text`` to the selected clip (or the whole timeline). Returns the Plan,
        or None when it was not applied (an error, or an AI edit waiting in the preview dialog).
        ``playhead``: where "here" is when not the playhead now (a job's command: where it was typed)."""
        from ..commands.apply import apply_text
        from . import speech_jobs
        from .ai_preview import maybe_confirm

        if confirm and maybe_confirm(self, text):
            return None
        if speech_jobs.run_as_job(self, text):  # cuts/finds by speech: the sound analysed in a job first
            return None
        from . import generate_jobs

        if generate_jobs.run_as_job(self, text):  # generated clips: rendered in a job first (cached)
            return None
        from . import command_jobs

        if command_jobs.run_as_job(self, text, playhead):  # voice-over, dub, library: spoken/searched in a job first
            return None
        try:
            plan = apply_text(self.project, text, self.history, clip_id=self.selected_clip,
                              base=str(self._file_base()),
                              playhead=self.preview.position if playhead is None else playhead)
        except T2VError as e:
            self.command_bar.show_error(e)
            return None
        except Exception as e:  # a bug in the core: say so, keep the editor alive, log details
            log.exception("applying %r failed", text)
            self.command_bar.show_error(RuntimeError(f"Internal error while applying this command: {e!r}"))
            return None
        self.command_bar.show_plan(plan)
        self.command_bar.accepted(text)
        self.statusBar().showMessage(f"Applied: {text}", 5000)
        speech_jobs.after_command(self, plan)  # "find where she says ...": the playhead jumps there
        self._prepare_if_needed()
        from ..commands.marker_commands import seek_target

        if (t := seek_target(plan)) is not None:  # "go to the next marker": the playhead moves there
            self.preview.seek(t)
        return plan

    def _prepare_if_needed(self) -> None:
        """Stabilize analysis / generative renders run as a job with progress, not in the preview."""
        from ..ops import OpKind, find_op

        heavy, generative = [], False
        for o in (o for c in self.project.all_clips() for o in c.ops if o.enabled):
            spec = find_op(o.op)
            if spec is not None and spec.kind in (OpKind.TEMPORAL, OpKind.GENERATIVE):
                heavy.append(o.op)
                generative |= spec.kind == OpKind.GENERATIVE
        if not heavy:
            return
        snap = core.snapshot(self.project)

        def work(progress, cancel):
            r = core.make_renderer(snap, progress=progress, cancel=cancel)
            r.prepare(progress=progress, cancel=cancel)
            return True

        what = ", ".join(sorted(set(heavy)))
        job = Job(f"{'AI render' if generative else 'Analyse'} ({what})", work)

        def done(msg: str = "") -> None:
            if self._prepare_job is job:
                self._preparing, self._prepare_job = "", None
                if msg:
                    self.statusBar().showMessage(two_sentences(msg)[0], 10000)
                self.refresh()

        job.signals.finished.connect(lambda _r: done())
        job.signals.failed.connect(done)
        job.signals.cancelled.connect(lambda: done("Analysis cancelled; the preview renders it on demand."))
        if self._prepare_job is not None:
            self._prepare_job.cancel()
        self._preparing, self._prepare_job = what, job
        self.refresh()  # holds the preview while the job runs
        self.jobs.start(job)

    def add_clips(self, paths, at_index: Optional[int] = None) -> None:
        from ..project import history as h

        sound = [p for p in paths if self._sound_only(p)]
        paths = [p for p in paths if p not in sound]
        cmds = []
        for i, p in enumerate(paths):
            clip = Clip(source=str(Path(p).resolve()), name=Path(p).name)
            idx = None if at_index is None else at_index + i
            cmds.append(h.AddClip(clip, index=idx))
        cmds += self._sound_commands(sound) if sound else []
        if not cmds:
            return
        cmd = cmds[0] if len(cmds) == 1 else h.Compound(f"Add {len(cmds)} clips", cmds)
        if not self.push(cmd):
            return
        self.timeline.zoom_fit()  # new material: show all of it (other edits keep the zoom)
        if paths and len(self.project.all_clips()) == len(cmds):
            self.project.name = Path(paths[0]).stem
            self._update_title()

    def _sound_only(self, path) -> bool:
        info = self.bin.infos.get(str(Path(path).resolve()))
        return info is not None and not info.has_video and info.has_audio

    def _sound_commands(self, paths) -> list:
        """Sound-only files from the bin (music, a voice-over) go on the first audio track (a new
        one when there is none), one after another after what it holds."""
        from ..project import history as h

        track = next((t for t in self.project.tracks if t.kind == "audio"), None)
        cmds: list = []
        t = 0.0
        if track is None:
            add = h.AddTrack("audio")
            cmds.append(add)
            track_id = add.track_id
        else:
            track_id = track.id
            lay = self._timeline_layout()
            try:
                t = max([lay.seconds(s.end) for s in lay.spans(track)], default=0.0) if lay is not None else 0.0
            except Exception:  # a stale layout: at the start rather than no sound at all
                t = 0.0
        for p in paths:
            path = str(Path(p).resolve())
            cmds.append(h.PlaceClip(Clip(source=path, name=Path(p).name), track_id, round(float(t), 6)))
            t += self.bin.duration_of(path) or self.bin.infos[path].duration
        return cmds

    def insert_media(self, paths, index: int) -> None:
        """Media dropped on the timeline: probe (errors shown, nothing changes), insert at ``index``."""
        ok = [p for p in paths if p in self.bin.infos] + self.bin.add_paths(
            [p for p in paths if p not in self.bin.infos], notify=False)
        if ok:
            self.add_clips(ok, at_index=index)

    def split_at_playhead(self) -> None:
        """Razor (S): the selected clip when the playhead is inside it, else every clip under the
        playhead on the unlocked tracks; one undo step."""
        from ..project import history as h

        t = self.preview.position
        inside = [(r, it) for r in self.timeline.rows if r.kind != "subtitle"
                  for it, a, b in r.clip_spans() if a < t < b]
        chosen = [(r, it) for r, it in inside if it.id in self.timeline.selected_ids() | {self.selected_clip}]
        chosen = chosen or [(r, it) for r, it in inside if not r.locked]
        if not chosen:
            msg = "The tracks under the playhead are locked." if inside else "Put the playhead inside a clip to split it."
            self.statusBar().showMessage(msg, 5000)
            return
        cmds = [h.SplitClip(t, clip_id=it.id) for _r, it in chosen]
        cmd = cmds[0] if len(cmds) == 1 else h.Compound(f"Split {len(cmds)} clips", cmds)
        if self.push(cmd):
            self.statusBar().showMessage(f"Split at {core.fmt_time(t)}", 4000)

    def delete_selected(self) -> None:
        from ..project import history as h

        if not self.selected_clip:
            self.statusBar().showMessage("Select a clip on the timeline to delete it.", 5000)
            return
        group = [c.id for c in self.project.all_clips() if c.id in self.timeline.selected_ids() | {self.selected_clip}]
        cmds = [h.RemoveClip(cid) for cid in group]  # ripple on the main track, gaps on the others
        self.push(cmds[0] if len(cmds) == 1 else h.Compound(f"Remove {len(cmds)} clips", cmds))

    def lift_selected(self) -> bool:
        """Z: delete the selected clips leaving gaps, on the main track too (nothing moves; one step)."""
        from ..project import history as h

        group = [c.id for c in self.project.all_clips() if c.id in self.timeline.selected_ids()]
        if not group:
            self.statusBar().showMessage("Select a clip on the timeline to lift it.", 5000)
            return False
        cmds = [h.RemoveClip(cid, lift=True) for cid in group]
        return self.push(cmds[0] if len(cmds) == 1 else h.Compound(f"Lift {len(cmds)} clips", cmds))

    def ripple_delete_selected(self) -> bool:
        """Shift+Del: delete the selected clip and move the later clips of its (placed) track earlier by
        its length: RemoveClip, then each later clip removed and placed again, as one step. On the main
        track Delete already closes up."""
        import copy

        from ..project import history as h

        cid = self.selected_clip
        row = self.timeline.row_of_clip(cid) if cid else None
        if row is None:
            self.statusBar().showMessage("Select a clip on the timeline to delete it.", 5000)
            return False
        if row.main:
            self.delete_selected()
            return True
        k = next(i for i, (it, _a, _b) in enumerate(row.items) if it.id == cid)
        a, b = row.items[k][1], row.items[k][2]
        later = row.items[k + 1:]
        if any(type(it).__name__ == "Transition" for it, _a, _b in later):
            self.statusBar().showMessage("Clips after it are joined by transitions; remove those first, or press "
                                         "Delete to leave a gap.", 8000)
            return False
        cmds = [h.RemoveClip(cid)]
        for it, s0, _s1 in later:
            if type(it).__name__ == "Clip":
                cmds += [h.RemoveClip(it.id), h.PlaceClip(copy.deepcopy(it), row.id, round(max(0.0, s0 - (b - a)), 6))]
        return self.push(cmds[0] if len(cmds) == 1 else h.Compound("Delete clip and close the gap", cmds))

    # -- the multi-track timeline (gui/timeline.py): its requests as history commands -------------------
    def _init_timeline_tracks(self) -> None:
        tl = self.timeline
        tl.trackPropsRequested.connect(self.set_track_props)
        tl.addTrackRequested.connect(self.add_track)
        tl.removeTrackRequested.connect(self.remove_track)
        tl.moveTrackRequested.connect(self.move_track)
        tl.renameTrackRequested.connect(self.rename_track)
        tl.clipDropped.connect(self.relocate_clip)
        tl.clipInserted.connect(self.insert_clip_at)
        tl.mediaPlaced.connect(self.place_media)
        tl.refused.connect(lambda m: self.statusBar().showMessage(m, 6000))
        tl.transitionAddRequested.connect(self.add_transition)
        tl.transitionSetRequested.connect(self.set_transition)
        tl.transitionRemoveRequested.connect(self.remove_transition)
        tl.cuesRequested.connect(self.set_cues)
        tl.cueTextRequested.connect(self.edit_cue_text)
        tl.cueAddRequested.connect(self.add_cue)
        tl.clipActivated.connect(self._clip_activated)
        tl.opRangeRequested.connect(self.set_op_range)
        tl.volumeRequested.connect(self.set_clip_volume)
        tl.placedTrimRequested.connect(self.trim_placed)
        tl.groupMoveRequested.connect(self.move_group)
        tl.markerMoveRequested.connect(lambda mid, t: self._marker_edit("move", mid, t))
        tl.markerRenameRequested.connect(lambda mid: self._marker_edit("rename", mid))
        tl.markerRemoveRequested.connect(lambda mid: self._marker_edit("remove", mid))
        #: asks for a cue's new text (a dialog; tests replace it): (title, current) -> text or None
        self.ask_text: Callable[[str, str], Optional[str]] = self._ask_text

    def move_group(self, clip_ids: list, dt: float) -> bool:
        """Selected clips on upper/audio tracks dragged together by ``dt`` seconds, each on its own track:
        all removed, then all placed again (one step; refused as a whole when one would overlap)."""
        import copy

        from ..project import history as h

        placed = []
        for cid in clip_ids:
            row = self.timeline.row_of_clip(cid)
            span = next(((a, b) for it, a, b in row.items if it.id == cid), None) if row else None
            if row is None or span is None or row.main:
                self.statusBar().showMessage("Main-track clips move one at a time (they ripple); select clips "
                                             "on upper or audio tracks to move them together.", 8000)
                return False
            placed.append((cid, row.id, span[0]))
        if any(a + dt < -1e-6 for _c, _t, a in placed):
            return False
        cmds = [h.RemoveClip(cid) for cid, _t, _a in placed]
        cmds += [h.PlaceClip(copy.deepcopy(self.project.find_clip(cid)), tid, round(max(0.0, a + dt), 6))
                 for cid, tid, a in placed]
        return self.push(h.Compound(f"Move {len(placed)} clips", cmds))

    def trim_placed(self, clip_id: str, new_in: float, new_out, start: float) -> bool:
        """An edge of a clip on an upper or audio track dragged: its in/out change and it stays put (its
        left edge moves by the in-point change); the gaps around it take up the difference (one step)."""
        import copy

        from ..project import history as h

        row = self.timeline.row_of_clip(clip_id)
        if row is None:
            return False
        clip = copy.deepcopy(self.project.find_clip(clip_id))
        clip.in_point, clip.out_point = new_in, new_out
        return self.push(h.Compound("Trim clip", [h.TrimClip(clip_id, new_in, new_out), h.RemoveClip(clip_id),
                                                  h.PlaceClip(clip, row.id, start)]))

    # -- markers: named points on the ruler (history commands; the timeline draws and drags them) --------
    def add_marker(self, t: Optional[float] = None, name: Optional[str] = None) -> bool:
        from ..project import history as h

        t = self.timeline.playhead if t is None else t
        if any(abs(m.time - t) < 1e-3 for m in self.project.markers):
            self.statusBar().showMessage("There is a marker here already; double-click it to rename it.", 6000)
            return False
        return self.push(h.AddMarker(t, name if name is not None else f"Marker {len(self.project.markers) + 1}"))

    def seek_marker(self, step: int) -> bool:
        """Seek to the next (+1) or previous (-1) marker from the playhead."""
        t = self.timeline.playhead
        times = [m.time for m in self.project.markers]
        pick = [x for x in times if x > t + 1e-3] if step > 0 else [x for x in times if x < t - 1e-3]
        if not pick:
            self.statusBar().showMessage("No marker " + ("after" if step > 0 else "before") + " the playhead.", 4000)
            return False
        self.preview.seek(min(pick) if step > 0 else max(pick))
        return True

    def _marker_edit(self, what: str, marker_id: str, t: float = 0.0) -> bool:
        from ..project import history as h

        if what == "move":
            return self.push(h.MoveMarker(marker_id, t))
        if what == "remove":
            return self.push(h.RemoveMarker(marker_id))
        old = next((m.name for m in self.project.markers if m.id == marker_id), None)
        name = None if old is None else self.ask_text("Marker name", old)
        return bool(name) and name != old and self.push(h.RenameMarker(marker_id, name))

    def _timeline_scroll(self) -> QWidget:
        """The timeline in a vertical scroll area (many tracks scroll; the wheel pans time)."""
        from PySide6.QtWidgets import QFrame, QScrollArea

        area = QScrollArea(self)
        area.setWidget(self.timeline)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        area.setFocusPolicy(Qt.NoFocus)
        self.timeline_area = area
        return area

    def _restore_centre_split(self, centre: QSplitter) -> None:
        """The timeline gets ~45% of the centre by default (three video tracks, the main sound, an
        audio track and a subtitle lane fit at 1440x900 without scrolling); the user's split is remembered."""
        centre.setStretchFactor(0, 1)
        centre.setStretchFactor(1, 1)
        saved = self.settings.value("timeline_split")
        if not (saved is not None and centre.restoreState(saved)):
            centre.setSizes([440, 360])
        centre.splitterMoved.connect(lambda *_: self.settings.setValue("timeline_split", centre.saveState()))
        self.centre_splitter = centre

    def _timeline_layout(self):
        """Every track's item spans (the renderer's TimelineLayout, else one built from timing maps)."""
        if self.renderer is not None:
            return self.renderer.layout
        from ..engine.layout import TimelineLayout

        try:
            return TimelineLayout(self.project)
        except Exception:  # the project cannot be laid out: the rows show no items (the error is shown)
            return None

    def set_track_props(self, track_id: str, props: dict) -> bool:
        from ..project import history as h

        subs = any(s.id == track_id for s in self.project.subtitle_tracks)
        try:  # a subtitle lane's header toggles burn-in
            return self.push(h.SetSubtitleTrack(track_id, **props) if subs else h.SetTrackProps(track_id, **props))
        except T2VError as e:
            self.statusBar().showMessage(str(e), 10000)
            return False

    def add_track(self, kind: str) -> bool:
        from ..project import history as h
        from ..project.model import SubtitleTrack

        return self.push(h.AddSubtitleTrack(SubtitleTrack()) if kind == "subtitle" else h.AddTrack(kind))

    def remove_track(self, track_id: str) -> bool:
        from ..project import history as h

        if any(s.id == track_id for s in self.project.subtitle_tracks):
            return self.push(h.RemoveSubtitleTrack(track_id))
        return self.push(h.RemoveTrack(track_id))

    def add_cue(self, track_id: str, start: float, end: float) -> bool:
        """A new cue from ``start`` to ``end`` on a subtitle track, its text asked for."""
        track = next((s for s in self.project.subtitle_tracks if s.id == track_id), None)
        text = self.ask_text("Subtitle text", "") if track is not None else None
        if not text or not text.strip():
            return False
        cues = sorted([(c.start, c.end, c.text) for c in track.cues] + [(start, end, text.strip())])
        return self.set_cues(track_id, cues)

    def rename_track(self, track_id: str) -> bool:
        track = next((t for t in self.project.tracks if t.id == track_id), None)
        if track is None:
            return False
        name = self.ask_text("Track name", track.name)
        if name is None or name.strip() == track.name:
            return False
        return self.set_track_props(track_id, {"name": name.strip()})

    def move_track(self, track_id: str, step: int) -> bool:
        """Move a track one row up (-1) or down (+1) among the tracks of its kind (never below/above
        the main track): the track is removed and made again at its new place with the same settings
        and its clips placed at their times, as one step (refused when it holds transitions)."""
        import copy

        from ..project import history as h

        tracks = self.project.tracks
        track = next((t for t in tracks if t.id == track_id), None)
        main = self.project.main_track
        if track is None or track is main:
            return False
        if any(type(it).__name__ == "Transition" for it in track.items):
            self.statusBar().showMessage("This track has transitions; remove them before moving the track.", 8000)
            return False
        same = [t for t in tracks if t.kind == track.kind and t is not main]
        # rows show video tracks top first (reversed), audio tracks in order
        order = list(reversed(same)) if track.kind == "video" else same
        k = order.index(track) + step
        if not 0 <= k < len(order):
            return False
        at = tracks.index(order[k])  # after the removal, inserting there puts it past its neighbour
        row = self.timeline.row(track_id)
        starts = {it.id: a for it, a, _b in (row.clip_spans() if row is not None else [])}
        add = h.AddTrack(track.kind, name=track.name, index=at, role=track.role)
        props = {k2: getattr(track, k2) for k2 in ("muted", "solo", "hidden", "gain_db", "pan", "ducking")}
        if track.kind == "audio":
            props.pop("hidden")
        cmds = [h.RemoveTrack(track_id), add, h.SetTrackProps(add.track_id, **props)]
        cmds += [h.PlaceClip(copy.deepcopy(c), add.track_id, starts.get(c.id, 0.0)) for c in track.clips]
        return self.push(h.Compound(f"Move track {track.name or ''}".strip(), cmds))

    def relocate_clip(self, clip_id: str, track_id: str, start: float, index: int) -> bool:
        """A clip dragged to another track or time: removed from its place (ripple on the main track,
        a gap on others) and placed at ``start`` (or inserted at ``index`` on the main track); one step."""
        import copy

        from ..project import history as h

        try:
            clip = copy.deepcopy(self.project.find_clip(clip_id))
            main = self.project.main_track.id == track_id
            put = h.AddClip(clip, index=index) if main else h.PlaceClip(clip, track_id, start)
            cmd = h.Compound(f"Move {clip.label}" + ("" if main else f" to {core.fmt_time(start)}"),
                             [h.RemoveClip(clip_id), put])
        except T2VError as e:
            self.statusBar().showMessage(str(e), 10000)
            return False
        return self.push(cmd)

    def _guarded(self, make) -> bool:
        """Push ``make()`` (a command whose constructor may refuse the input with a T2VError)."""
        try:
            cmd = make()
        except T2VError as e:
            self.statusBar().showMessage(str(e), 10000)
            return False
        return self.push(cmd)

    def add_transition(self, left_clip_id: str, kind: str, duration: float) -> bool:
        from ..project import history as h

        return self._guarded(lambda: h.AddTransition(left_clip_id, kind, duration))

    def set_transition(self, transition_id: str, props: dict) -> bool:
        from ..project import history as h

        return self._guarded(lambda: h.SetTransition(transition_id, **props))

    def remove_transition(self, transition_id: str) -> bool:
        from ..project import history as h

        return self._guarded(lambda: h.RemoveTransition(transition_id))

    def set_clip_volume(self, clip_id: str, volume) -> bool:
        from ..project import history as h

        return self._guarded(lambda: h.SetClipVolume(clip_id, volume))

    def set_cues(self, track_id: str, cues: list) -> bool:
        from ..project import history as h

        return self._guarded(lambda: h.SetSubtitleTrack(track_id, cues=list(cues)))

    def edit_cue_text(self, track_id: str, index: int) -> bool:
        """Double-click on a cue: its new text (empty or cancelled changes nothing)."""
        track = next((s for s in self.project.subtitle_tracks if s.id == track_id), None)
        if track is None or not 0 <= index < len(track.cues):
            return False
        cue = track.cues[index]
        text = self.ask_text("Subtitle text", cue.text)
        if not text or text == cue.text:
            return False
        cues = [(c.start, c.end, text if k == index else c.text) for k, c in enumerate(track.cues)]
        return self.set_cues(track_id, cues)

    def _ask_text(self, title: str, current: str) -> Optional[str]:
        from PySide6.QtWidgets import QInputDialog

        if title == "Subtitle text":
            text, ok = QInputDialog.getMultiLineText(self, title, title + ":", current)
        else:
            text, ok = QInputDialog.getText(self, title, title + ":", text=current)
        return text if ok else None

    def _clip_activated(self, clip_id: str) -> None:
        """Double-click on a clip: a title opens the title editor."""
        clip = next((c for c in self.project.all_clips() if c.id == clip_id), None)
        if clip is not None and clip.source.type == "title" and hasattr(self, "edit_title"):
            self.edit_title(clip_id)

    def insert_clip_at(self, clip_id: str, track_id: str, start: float) -> bool:
        """Shift+drag onto a placed track: the clips of that track from ``start`` on move later by the
        clip's length, and the clip goes at ``start`` (each moved clip removed and placed again; one step)."""
        import copy

        from ..project import history as h

        row, src = self.timeline.row(track_id), self.timeline.row_of_clip(clip_id)
        if row is None or src is None:
            return False
        a, b = next((a, b) for it, a, b in src.items if it.id == clip_id)
        if any(type(it).__name__ == "Transition" and e > start for it, _s, e in row.items):
            self.statusBar().showMessage("Clips there are joined by transitions; remove those first, or drop "
                                         "without Shift.", 8000)
            return False
        later = [(it, s0) for it, s0, _e in row.clip_spans() if it.id != clip_id and s0 >= start - 1e-6]
        cmds = [h.RemoveClip(clip_id)]
        for it, s0 in reversed(later):
            cmds += [h.RemoveClip(it.id), h.PlaceClip(copy.deepcopy(it), track_id, round(s0 + (b - a), 6))]
        try:
            clip = copy.deepcopy(self.project.find_clip(clip_id))
            cmds.append(h.PlaceClip(clip, track_id, start))
        except T2VError as e:
            self.statusBar().showMessage(str(e), 10000)
            return False
        return self.push(h.Compound(f"Insert {clip.label} at {core.fmt_time(start)}", cmds))

    def place_media(self, paths, track_id: str, start: float) -> bool:
        """Media dropped on an upper video or an audio track: placed one after another from ``start``."""
        from ..project import history as h

        audio = any(t.id == track_id and t.kind == "audio" for t in self.project.tracks)
        if audio:  # sound files (the bin lists only video files)
            ok = self._sound_files(paths)
        else:
            ok = [p for p in paths if p in self.bin.infos] + self.bin.add_paths(
                [p for p in paths if p not in self.bin.infos], notify=False)
            ok = [p for p in ok if not self._sound_only(p)]  # sound goes on audio tracks
        cmds, t = [], float(start)
        try:
            for p in ok:
                path = str(Path(p).resolve())
                cmds.append(h.PlaceClip(Clip(source=path, name=Path(p).name), track_id, t))
                d = self._sound_durations.get(path) if audio else self.bin.duration_of(path)
                if d is None:
                    break
                t += d
        except T2VError as e:
            self.statusBar().showMessage(str(e), 10000)
            return False
        if not cmds:
            return False
        return self.push(cmds[0] if len(cmds) == 1 else h.Compound(f"Place {len(cmds)} clips", cmds))

    def _sound_files(self, paths) -> list:
        """The files of ``paths`` that have sound (probed; the others named in the status bar)."""
        from ..media.info import probe

        ok, bad = [], []
        self._sound_durations = getattr(self, "_sound_durations", {})
        for p in paths:
            path = str(Path(p).resolve())
            try:
                info = probe(path)
            except Exception as e:  # T2VError: unreadable; anything else: logged, one line shown
                if not isinstance(e, T2VError):
                    log.exception("probing %r failed", path)
                bad.append(Path(p).name)
                continue
            if not info.has_audio:
                bad.append(Path(p).name)
                continue
            self._sound_durations[path] = core.source_duration(path) or info.duration
            ok.append(path)
        if bad:
            self.statusBar().showMessage(f"{', '.join(bad)}: no sound to put on an audio track.", 8000)
        return ok

    # -- on-canvas handles and the title editor (gui/canvas_handles.py, gui/title_editor.py) ----------
    def _init_canvas_handles(self) -> None:
        from .canvas_handles import CanvasHandles

        self._layers_cache: tuple = (None, -1, [])
        self.canvas_handles = CanvasHandles(
            self.preview.view, layers=self._canvas_layers, selected=lambda: self.selected_clip,
            select=self.select_clip, commit=self.set_clip_transform,
            canvas=lambda: tuple(self.renderer.full_size) if self.renderer is not None else (1920, 1080),
            ghost=self._drag_ghost, edit_title=self.edit_title)
        self.preview.view.handles = self.canvas_handles
        self.timeline.selectionChanged.connect(lambda _c: self.preview.view.update())

    def _canvas_layers(self) -> list:
        """The clips under the playhead with their boxes (cached per renderer and frame); none while playing."""
        from .canvas_handles import layers_at

        r, idx = self.renderer, self.preview.index
        if r is None or self.preview.rate:
            return []
        if self._layers_cache[0] is not r or self._layers_cache[1] != idx:
            try:
                layers = layers_at(self.project, r, self.preview.position)
            except Exception as e:  # no handles rather than an error in every paint
                if not isinstance(e, T2VError):
                    log.exception("placing the on-canvas handles failed")
                layers = []
            self._layers_cache = (r, idx, layers)
        return self._layers_cache[2]

    def _drag_ghost(self, layer):
        """The live picture of a layer being dragged (canvas_handles.make_ghost) at the preview's scale."""
        from .canvas_handles import make_ghost

        if self.renderer is None:
            return None
        return make_ghost(self.project, self.renderer, layer, self.preview.index, self.preview.scale)

    def select_clip(self, clip_id: Optional[str]) -> None:
        """Select a clip from outside the timeline (a click on its layer in the preview)."""
        self.timeline.select(clip_id)
        if self.selected_clip != clip_id:
            self._selection_changed(clip_id)
        self.preview.view.update()

    def set_clip_transform(self, clip_id: str, transform) -> bool:
        from ..project import history as h

        try:
            cmd = h.SetTransform(clip_id, transform)
        except T2VError as e:
            self.statusBar().showMessage(str(e), 10000)
            return False
        return self.push(cmd)

    def edit_title(self, clip_id: Optional[str] = None):
        """Open the title editor on ``clip_id`` (default: the selected clip); returns the dialog."""
        from .title_editor import open_title_editor

        return open_title_editor(self, clip_id or self.selected_clip or "")

    def trim_clip(self, clip_id: str, new_in: float, new_out) -> None:
        from ..project import history as h

        self.push(h.TrimClip(clip_id, new_in, new_out))

    def move_clip(self, clip_id: str, new_index: int) -> None:
        from ..project import history as h

        self.push(h.MoveClip(clip_id, new_index))

    def toggle_op(self, clip_id: str, op_id: str, enabled: bool) -> None:
        from ..project import history as h

        self.push(h.ToggleOp(clip_id, op_id, enabled))

    def move_op(self, clip_id: str, op_id: str, new_index: int) -> None:
        from ..project import history as h

        self.push(h.MoveOp(clip_id, op_id, new_index))

    def remove_op(self, clip_id: str, op_id: str) -> None:
        from ..project import history as h

        self.push(h.RemoveOp(clip_id, op_id))

    def set_op_params(self, clip_id: str, op_id: str, params: dict) -> None:
        from ..project import history as h

        self.push(h.SetOpParams(clip_id, op_id, params))

    def set_op_range(self, clip_id: str, op_id: str, rng) -> None:
        from ..project import history as h

        self.push(h.SetOpRange(clip_id, op_id, rng))

    # -- files ----------------------------------------------------------------------------------
    def import_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import media", self._last_dir(), MEDIA_FILTER)
        if paths:
            self.import_paths(paths)

    def import_paths(self, paths) -> list[str]:
        """Add to the bin and append to the timeline; unreadable files only show a message.
        Never raises: whatever goes wrong is one line in the bin and the status bar."""
        try:
            ok = self.bin.add_paths(paths)  # -> imported -> add_clips
        except Exception as e:  # a bug behind the bin's own handling: say so, keep the editor
            log.exception("importing %r failed", paths)
            self.bin.show_message(f"Could not import: internal error ({type(e).__name__}); see the log.")
            return []
        if ok:
            self.settings.setValue("last_dir", str(Path(ok[0]).parent))
        return ok

    def dragEnterEvent(self, ev) -> None:
        if ev.mimeData().hasUrls():
            ev.acceptProposedAction()

    def dropEvent(self, ev) -> None:
        self.bin.handle_mime(ev.mimeData())
        ev.acceptProposedAction()

    def open_media(self, path: str) -> bool:
        """Start a fresh project holding ``path`` (command-line FILE, demo clip). A file that cannot
        be opened leaves the editor as it was, with a one-line message; this never raises."""
        try:
            ok = self.bin.add_paths([path], notify=False)
            if not ok:
                return False
            project = Project.from_media(*ok)
        except Exception as e:
            if not isinstance(e, T2VError):
                log.exception("opening %r failed", path)
            msg = str(e) if isinstance(e, T2VError) else (
                f"Could not open {Path(str(path)).name}: internal error ({type(e).__name__}); see the log.")
            self.bin.show_message(two_sentences(msg)[0])
            return False
        self.project = project
        self.project_path = None
        self._recovered = False
        self.undo_stack.clear()
        self.selected_clip = None
        self.preview.position = 0.0
        self.refresh(fit=True)
        return True

    def new_project(self) -> None:
        if not self._maybe_save():
            return
        self.project = Project()
        self.project_path = None
        self._recovered = False
        self.undo_stack.clear()
        self.refresh(fit=True)

    def new_from_script(self, **kw):
        """File > New from script (gui/script_dialog.py): built in the background, opened unsaved."""
        from .script_dialog import new_from_script

        return new_from_script(self, **kw)

    def open_project_dialog(self) -> None:
        if not self._maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open project", self._last_dir(), PROJECT_FILTER)
        if path:
            self.open_project(path)

    def open_project(self, path, *, recovered: bool = False) -> bool:
        try:
            project = Project.load(path)
        except T2VError as e:
            self._error("Cannot open project", str(e))
            return False
        except Exception as e:  # a loader bug on an odd file: one line, never out of the window
            log.exception("opening project %r failed", path)
            self._error("Cannot open project", f"Could not open {Path(str(path)).name}: internal error "
                                               f"({type(e).__name__}); see the log.")
            return False
        if not self.relink_missing(project):
            return False
        self.project = project
        self.project_path = None if recovered else Path(path)
        self._recovered = recovered
        self.undo_stack.clear()
        if recovered:
            self.undo_stack.resetClean()
            self.undo_stack.setClean()
            self.project.name = project.name
        self.selected_clip = None
        for path in project.file_paths():
            if path not in self.bin.infos:
                self.bin.add_paths([path], notify=False)
        if not recovered:
            self._add_recent(str(path))
        self.preview.position = 0.0
        self.refresh(fit=True)
        if recovered:
            self.statusBar().showMessage("Recovered the autosaved project. Save it to keep it.", 10000)
        return True

    def relink_missing(self, project: Project) -> bool:
        """Ask for a new location of each missing source; False if the user gives up."""
        fixed: dict[str, str] = {}
        for c in project.all_clips():
            if not c.path or os.path.exists(c.path):
                continue
            if c.path not in fixed:
                new = self.relink_picker(c.path)
                if not new:
                    return False
                fixed[c.path] = str(Path(new).resolve())
            c.source.path = fixed[c.path]
        return True

    def _pick_relink(self, missing: str) -> Optional[str]:
        QMessageBox.warning(self, "Missing media",
                            f"The media file\n{missing}\nwas moved or deleted. Choose its new location.")
        path, _ = QFileDialog.getOpenFileName(self, f"Locate {Path(missing).name}", self._last_dir(),
                                              MEDIA_FILTER)
        return path or None

    def save(self) -> bool:
        if self.project_path is None:
            return self.save_as()
        return self._save_to(self.project_path)

    def save_as(self) -> bool:
        start = str(self.project_path or Path(self._last_dir()) / f"{self.project.name or 'Untitled'}.t2v")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, PROJECT_FILTER)
        if not path:
            return False
        if not path.lower().endswith((".t2v", ".json")):
            path += ".t2v"
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            self.project.save(path)
        except T2VError as e:
            self._error("Cannot save", str(e))
            return False
        self.project_path = Path(path)
        self._recovered = False
        self.undo_stack.setClean()
        self.autosave.discard()
        self._add_recent(str(path))
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def _maybe_save(self) -> bool:
        if self.undo_stack.isClean():
            return True
        r = self.ask_save()
        if r == "save":
            return self.save()
        return r == "discard"

    def _ask_save(self) -> str:
        r = QMessageBox.question(self, "Unsaved changes", "Save the changes to this project first?",
                                 QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel)
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(r, "cancel")

    def _last_dir(self) -> str:
        return str(self.settings.value("last_dir", str(Path.home())))

    def recent_projects(self) -> list:
        """The recent projects, newest first (an INI file gives back a one-item list as a plain
        string: taken as one path, not as its characters)."""
        recent = self.settings.value("recent", []) or []
        return [recent] if isinstance(recent, str) else [str(p) for p in recent if p]

    def _add_recent(self, path: str) -> None:
        recent = [p for p in self.recent_projects() if p != path]
        recent.insert(0, path)
        self.settings.setValue("recent", recent[:MAX_RECENT])
        self._update_recent_menu()

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_projects()
        for p in recent:
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda _=False, p=p: self._maybe_save() and self.open_project(p))
        self.recent_menu.setEnabled(bool(recent))

    # -- recovery / export / misc ---------------------------------------------------------------
    def offer_recovery(self, ask: Optional[Callable[[Path], bool]] = None) -> bool:
        """If the last session crashed with unsaved work, offer to restore it."""
        cand = recovery_candidate(self.autosave.folder)
        if cand is None:
            return False
        ask = ask or (lambda p: QMessageBox.question(
            self, "Recover work?",
            "t2v-desktop did not close properly last time.\nRecover the autosaved project?") == QMessageBox.Yes)
        if ask(cand):
            if self.open_project(cand, recovered=True):
                if self.autosave.save_now(force=True):  # ours now; the crashed copy can go
                    if cand != self.autosave.path:
                        cand.unlink(missing_ok=True)
                return True
        else:
            cand.unlink(missing_ok=True)
        return False

    def show_export(self):
        from .export_dialog import ExportDialog

        if not self.project.all_clips():
            self.statusBar().showMessage("Nothing to export: the timeline is empty.", 5000)
            return None
        if self.export_dialog is None:
            base = Path(self._last_dir()) / f"{self.project.name or 'export'}.mp4"
            self.export_dialog = ExportDialog(lambda: self.project, self.jobs, self, str(base))
        self.export_dialog.show()
        self.export_dialog.raise_()
        return self.export_dialog

    def _error(self, title: str, text: str) -> None:
        self.statusBar().showMessage(two_sentences(text)[0], 10000)
        if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
            show_error(self, title, text)

    def _show_shortcuts(self) -> None:
        rows = [(a.text().replace("&", ""), a.shortcut().toString()) for a in self.actions()
                if not a.shortcut().isEmpty()]
        html = "<table>" + "".join(f"<tr><td>{t}</td><td><b>{k}</b></td></tr>" for t, k in rows) + "</table>"
        QMessageBox.information(self, "Keyboard shortcuts", html)

    def _about(self) -> None:
        from .. import __version__

        QMessageBox.about(self, "About t2v-desktop",
                          f"t2v-desktop {__version__}\nA video editor you drive by typing what you want.")

    def closeEvent(self, ev) -> None:
        if self._closed:
            ev.accept()
            return
        if not self._maybe_save():
            ev.ignore()
            return
        self.jobs.cancel_all()
        self.thumbs.close(0)  # queued thumbnails are dropped; a running one finishes silently
        self.preview.shutdown()
        self.jobs.wait(5000)
        self.thumbs.close(2000)
        self.autosave.clean_exit()
        self._closed = True
        ev.accept()
