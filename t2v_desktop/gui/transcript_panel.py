"""The transcript panel: edit the video by editing its words (Descript-style).

Words flow as text; the word under the playhead is highlighted; a click seeks to a word; selected
words are cut from the main track with Delete/Backspace (one undo step: the same "cut" ops a typed
"cut from 0:02 to 0:04" adds); a double-click corrects a word's text (and the matching subtitle cue)
without touching the video. After a cut the words are re-mapped to their new times, not re-recognised.
"""

from __future__ import annotations

import bisect
from fractions import Fraction
from typing import Callable, List, Optional, Tuple

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QPushButton, QTextEdit, QVBoxLayout, QWidget

from ..engine.layout import TimelineLayout
from ..project.history import AddOp, Compound, SetSubtitleTrack
from ..project.model import AppliedOp, Cue, Project
from ..speech.transcript import Transcript, Word
from .speech_jobs import cut_remap


def _fmt(t: float) -> str:
    m, s = divmod(max(t, 0.0), 60)
    return f"{int(m)}:{s:05.2f}"


def cut_commands(project: Project, start: float, end: float) -> Tuple[Compound, float, float]:
    """One Compound of "cut" ops removing programme seconds [start, end) from the main track, with
    the span snapped to the frame grid (what is really removed)."""
    layout = TimelineLayout(project)
    fps = Fraction(layout.fps)
    s = round(start * fps) / fps
    e = min(round(end * fps) / fps, Fraction(layout.track_end(project.main_track)).limit_denominator(10**6))
    s, e = float(s), float(e)
    cmds = []
    for cid, c0, c1 in layout.clip_spans():
        if s < c1 and e > c0:
            rng = (max(s, c0) - c0, min(e, c1) - c0)
            if rng[1] - rng[0] > 0.5 / float(fps):
                cmds.append(AddOp(cid, AppliedOp("cut", {}, rng)))
    return Compound(f"Cut {_fmt(s)} to {_fmt(e)} (transcript)", cmds), s, e


class TranscriptPanel(QWidget):
    """Shows a programme-time Transcript; asks the window to seek and to push edits."""

    seekRequested = Signal(float)
    transcribeRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.transcript = Transcript()
        self.project_fn: Callable[[], Optional[Project]] = lambda: None
        self.push: Callable[[object], bool] = lambda cmd: False
        self._offsets: List[Tuple[int, int]] = []  # each word's (first, last+1) character
        self._starts: List[float] = []
        self._current = -1
        self.undo_stack = None  # the window's QUndoStack: undo/redo of a cut brings its words back
        self._at_index: dict = {}  # undo-stack index -> the transcript that matches the programme there
        self.text = QTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.text.viewport().installEventFilter(self)
        self.text.installEventFilter(self)
        self.status = QLabel("No transcript yet: press Transcribe.", self)
        self.status.setWordWrap(True)
        self.transcribe_btn = QPushButton("Transcribe", self)
        self.transcribe_btn.clicked.connect(self.transcribeRequested)
        self.cut_btn = QPushButton("Cut from video", self)
        self.cut_btn.setToolTip("Cut the selected words' time from the main track (Delete)")
        self.cut_btn.clicked.connect(self.cut_selection)
        row = QHBoxLayout()
        row.addWidget(self.transcribe_btn)
        row.addWidget(self.cut_btn)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(row)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.status)

    # -- content ------------------------------------------------------------------------------
    def stack_moved(self, index: int) -> None:
        """Undo/redo: show the words that match the programme at that point of the history."""
        tr = self._at_index.get(index)
        if tr is not None and tr is not self.transcript:
            self.set_transcript(tr)
        elif tr is None and self.transcript.words:
            self.status.setText("The programme changed since this transcript. Press Transcribe to update it "
                                "(the recognition is cached, so this is quick).")

    def set_transcript(self, tr: Transcript) -> None:
        self.transcript = tr
        parts, offsets, pos = [], [], 0
        for w in tr.words:
            offsets.append((pos, pos + len(w.text)))
            parts.append(w.text)
            pos += len(w.text) + 1
        self._offsets, self._starts, self._current = offsets, [w.start for w in tr.words], -1
        self.text.setPlainText(" ".join(parts))
        self.status.setText(f"{len(tr.words)} words" + (f" ({tr.backend})" if tr.backend else "")
                            + ". Click a word to seek; select words and press Delete to cut them.")

    def word_at_char(self, pos: int) -> int:
        k = bisect.bisect_right([a for a, _ in self._offsets], pos) - 1
        return k if 0 <= k < len(self._offsets) and pos <= self._offsets[k][1] else -1

    def word_at_time(self, t: float) -> int:
        k = bisect.bisect_right(self._starts, t + 1e-6) - 1
        if 0 <= k < len(self._starts) and t < self.transcript.words[k].end:
            return k
        return -1

    def selected_words(self) -> Tuple[int, int]:
        """(first, last) word indices the text selection touches, or (-1, -1)."""
        c = self.text.textCursor()
        if not c.hasSelection():
            return -1, -1
        a, b = c.selectionStart(), c.selectionEnd()
        idx = [i for i, (s, e) in enumerate(self._offsets) if s < b and e > a]
        return (idx[0], idx[-1]) if idx else (-1, -1)

    def select_words(self, first: int, last: int) -> None:
        c = self.text.textCursor()
        c.setPosition(self._offsets[first][0])
        c.setPosition(self._offsets[last][1], QTextCursor.KeepAnchor)
        self.text.setTextCursor(c)

    # -- playhead -----------------------------------------------------------------------------
    def set_playhead(self, t: float) -> None:
        k = self.word_at_time(t)
        if k == self._current:
            return
        self._current = k
        sels = []
        if k >= 0:
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setBackground(QColor("#f2c744"))
            fmt.setForeground(QColor("#111111"))
            sel.format = fmt
            cur = self.text.textCursor()
            cur.setPosition(self._offsets[k][0])
            cur.setPosition(self._offsets[k][1], QTextCursor.KeepAnchor)
            sel.cursor = cur
            sels.append(sel)
        self.text.setExtraSelections(sels)

    @property
    def current_word(self) -> int:
        return self._current

    # -- edits --------------------------------------------------------------------------------
    def seek_word(self, k: int) -> None:
        if 0 <= k < len(self.transcript.words):
            self.seekRequested.emit(self.transcript.words[k].start)

    def cut_words(self, first: int, last: int) -> bool:
        """Cut words first..last's programme span from the main track: one undo step."""
        project = self.project_fn()
        if project is None or first < 0 or last < first:
            return False
        words = self.transcript.words
        cmd, s, e = cut_commands(project, words[first].start, words[last].end)
        before = self.transcript
        index = self.undo_stack.index() if self.undo_stack is not None else None
        if not cmd.commands or not self.push(cmd):
            return False
        self.set_transcript(cut_remap(before, s, e))
        if index is not None:
            self._at_index[index] = before
            self._at_index[self.undo_stack.index()] = self.transcript
        self.status.setText(f"Cut {_fmt(s)} to {_fmt(e)} ({e - s:.2f} s). Undo restores it.")
        return True

    def cut_selection(self) -> bool:
        return self.cut_words(*self.selected_words())

    def correct_word(self, k: int, text: str) -> None:
        """Change word ``k``'s text; the subtitle cue holding it follows (one undo step), the video not."""
        text = " ".join(text.split())
        if not text or not 0 <= k < len(self.transcript.words):
            return
        old = self.transcript.words[k]
        project = self.project_fn()
        if project is not None:
            mid = (old.start + old.end) / 2
            for track in project.subtitle_tracks:
                cues = list(track.cues)
                for i, cue in enumerate(cues):
                    if cue.start <= mid < cue.end and old.text in cue.text:
                        cues[i] = Cue(cue.start, cue.end, cue.text.replace(old.text, text, 1))
                        self.push(SetSubtitleTrack(track.id, cues=cues))
                        break
        words = list(self.transcript.words)
        words[k] = Word(text, old.start, old.end, old.confidence)
        from dataclasses import replace

        self.set_transcript(replace(self.transcript, words=tuple(words)))

    # -- mouse and keys -----------------------------------------------------------------------
    def eventFilter(self, obj, ev) -> bool:
        t = ev.type()
        if obj is self.text and t == QEvent.ShortcutOverride and ev.key() in (Qt.Key_Delete, Qt.Key_Backspace):
            ev.accept()  # Delete here cuts the selected words, not the timeline's selected clip
            return True
        if obj is self.text and t == QEvent.KeyPress and ev.key() in (Qt.Key_Delete, Qt.Key_Backspace):
            self.cut_selection()
            return True
        if obj is self.text.viewport() and t == QEvent.MouseButtonRelease and ev.button() == Qt.LeftButton:
            if not self.text.textCursor().hasSelection():
                self.seek_word(self.word_at_char(self.text.cursorForPosition(ev.position().toPoint()).position()))
        if obj is self.text.viewport() and t == QEvent.MouseButtonDblClick:
            k = self.word_at_char(self.text.cursorForPosition(ev.position().toPoint()).position())
            if k >= 0:
                new, ok = QInputDialog.getText(self, "Correct word", "Text (the video is not changed):",
                                               text=self.transcript.words[k].text)
                if ok:
                    self.correct_word(k, new)
                return True
        return super().eventFilter(obj, ev)


def install(win) -> TranscriptPanel:
    """A Transcript dock on the main window ``win`` (View > Transcript, remembered with the docks),
    fed by a background transcription job."""
    from .speech_jobs import transcription_job

    panel = TranscriptPanel(win)
    panel.project_fn = lambda: win.project
    panel.push = win.push
    panel.seekRequested.connect(win.preview.seek)
    panel.undo_stack = win.undo_stack
    win.undo_stack.indexChanged.connect(panel.stack_moved)
    win.preview.positionChanged.connect(panel.set_playhead)

    def start(transcribe=None):
        if not win.project.main_track.clips:
            win.statusBar().showMessage("Add a video first, then transcribe it.", 8000)
            return None
        job = transcription_job(win.project, transcribe or getattr(win, "transcribe_fn", None))
        job.signals.finished.connect(panel.got_transcript)
        job.signals.failed.connect(lambda m: panel.status.setText(m))
        job.signals.cancelled.connect(lambda: panel.status.setText("Transcription cancelled."))
        job.signals.progress.connect(lambda d, t, m: panel.status.setText(
            f"{m} ({100 * d / t:.0f}%)" if t else m))
        panel.status.setText("Transcribing in the background (see Jobs)...")
        win.jobs.start(job)
        return job

    def got(tr: Transcript) -> None:
        panel._at_index = {win.undo_stack.index(): tr}  # a fresh transcript matches the programme now
        panel.set_transcript(tr)
        dock.show()
        dock.raise_()

    panel.got_transcript = got
    panel.transcribeRequested.connect(start)
    panel.start_transcription = start
    dock = win._dock("Transcript", panel, Qt.RightDockWidgetArea)
    win.tabifyDockWidget(win.stack_dock, dock)
    win.stack_dock.raise_()
    for a in win.menuBar().actions():
        if a.text() == "&View" and a.menu() is not None:
            a.menu().addAction(dock.toggleViewAction())
        if a.text() == "&Edit" and a.menu() is not None:
            a.menu().addSeparator()
            act = a.menu().addAction("Transcribe speech")
            act.setToolTip("Transcribe the main track in the background; edit the video by its words")
            act.triggered.connect(lambda _=False: start())
    win.transcript_panel, win.transcript_dock = panel, dock
    return panel
