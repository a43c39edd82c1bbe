"""Preview first: before an AI edit renders the whole range, show its time estimate and offer a
few keyframes rendered in fast mode, so the user can judge the prompt in seconds, not minutes.

``maybe_confirm`` is called by the main window before it applies a command. For a plan with a
generative step it opens ``AiPreviewDialog`` (non-modal) and returns True: the dialog's Render
applies the command as usual, Cancel changes nothing, and without a model "Use classic look"
applies the nearest classic look instead. T2V_AI_CONFIRM=0 skips the dialog.
"""

from __future__ import annotations

import copy
import os
from dataclasses import replace
from html import escape
from typing import Optional

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..errors import GenerativeUnavailableError, T2VError
from .messages import two_sentences
from .workers import Job

THUMB_WIDTH = 160


def confirm_wanted() -> bool:
    return os.environ.get("T2V_AI_CONFIRM", "1").strip() != "0"


def _is_generative(step) -> bool:
    from ..ops import OpKind, find_op

    spec = find_op(step.op) if getattr(step, "action", "apply") == "apply" else None
    return spec is not None and spec.kind == OpKind.GENERATIVE


def classic_plan(plan):
    """The plan with each AI step replaced by its nearest classic look (same range), or None when
    some AI step has no classic counterpart."""
    from ..commands import parse
    from ..diffusion.suggest import classic_suggestion

    steps = []
    for step in plan.steps:
        if not _is_generative(step):
            steps.append(step)
            continue
        text = classic_suggestion(str(step.params.get("prompt", "")))
        if not text:
            return None
        steps += [replace(s, range=step.range) for s in parse(text).steps]
    out = copy.copy(plan)
    out.steps = steps
    return out


def maybe_confirm(win, text: str) -> bool:
    """Open the preview dialog when ``text`` has an AI step; True means "the dialog decides"."""
    from ..commands import parse
    from ..commands.apply import apply_text
    from ..engine.ai_preview import ai_spans

    if not confirm_wanted():
        return False
    try:
        plan = parse(text, win._parse_context())
        if not any(_is_generative(s) for s in plan.steps) or any(
                getattr(s, "action", "apply") in ("undo", "redo") for s in plan.steps):
            return False
        sim = copy.deepcopy(win.project)
        before = {o.id for c in sim.all_clips() for o in c.ops}
        apply_text(sim, text, None, clip_id=win.selected_clip, base=str(win._file_base()))
        new = {o.id for c in sim.all_clips() for o in c.ops} - before
        spans = ai_spans(sim, new)
    except T2VError:
        return False  # apply_command shows the error as for any command
    if not spans:
        return False
    if getattr(win, "ai_preview_dialog", None) is not None:
        win.ai_preview_dialog.reject()
    dlg = AiPreviewDialog(win, text, plan, spans)
    if dlg.unavailable and dlg.classic is None:
        # nothing in it could be used: no dialog of disabled buttons, the error in the bar instead
        dlg._finish()
        dlg.deleteLater()
        win.command_bar.show_error(GenerativeUnavailableError(dlg.unavailable))
        return True
    win.ai_preview_dialog = dlg
    dlg.show()
    return True


def _pixmap(rgb: np.ndarray) -> QPixmap:
    rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    h, w = rgb.shape[:2]
    img = QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()
    return QPixmap.fromImage(img).scaledToWidth(THUMB_WIDTH, Qt.SmoothTransformation)


class KeyframePreview:
    """The keyframe preview job of a dialog with ``win``, ``job``, ``preview_btn``, ``progress``
    and ``status`` (this dialog and the generated-clip dialog): one job over the items, the bar
    filled item by item, the button back when it ends."""

    def _preview_widgets(self) -> None:
        """The thumbnail row, progress bar, status line and Preview button (not laid out)."""
        self.thumbs = QWidget(self)
        self.thumb_row = QHBoxLayout(self.thumbs)
        self.thumb_row.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.status = QLabel("", self)
        self.preview_btn = QPushButton("Preview keyframes", self)

    def _start_keyframes(self, title: str, items, render, shown, status: str) -> Job:
        """``render(k, item, progress, cancel)`` -> the frames of item ``k`` (from 0); ``shown``
        gets all of them."""
        def work(progress, cancel):
            out = []
            for k, item in enumerate(items):
                def sub(done, total, msg="", _k=k):
                    progress(_k + (done / total if total else 0.0), len(items), msg)

                out += render(k, item, sub, cancel)
            return out

        self.job = job = Job(title, work)
        job.signals.progress.connect(self._progress)
        job.signals.finished.connect(shown)
        job.signals.failed.connect(lambda msg: self._ended(f"Preview failed: {two_sentences(msg)[0]}"))
        job.signals.cancelled.connect(lambda: self._ended("Preview cancelled."))
        self.preview_btn.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText(status)
        self.win.jobs.start(job)
        return job

    def _progress(self, done: float, total: float, msg: str) -> None:
        if total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(done / total, 1.0)))
        if msg:
            self.status.setText(msg)

    def _ended(self, message: str) -> None:
        self.progress.setVisible(False)
        self.status.setText(message)
        self.preview_btn.setEnabled(not getattr(self, "unavailable", None))


class AiPreviewDialog(KeyframePreview, QDialog):
    """Estimate, keyframe preview (in a job, cancellable), then Render / classic look / Cancel."""

    def __init__(self, win, text: str, plan, spans, *, keyframes: int = 3):
        super().__init__(win)
        from ..engine.ai_preview import estimate_line

        self.setWindowTitle("AI edit: preview first")
        self.win, self.text, self.plan, self.spans = win, text, plan, list(spans)
        self.keyframes = keyframes
        self.job: Optional[Job] = None
        self.result_frames: list = []  # (span number, frame index, rgb)
        self.unavailable = ""
        lines = []
        for span in self.spans:
            try:
                lines.append(estimate_line(span, required=False))
            except GenerativeUnavailableError as e:
                self.unavailable = str(e)
                break
            except T2VError as e:
                lines.append(str(e))
        self.estimate = QLabel("\n".join(lines), self)
        self.estimate.setWordWrap(True)
        self.classic = classic_plan(plan) if self.unavailable else None
        short, details = two_sentences(self.unavailable)
        if self.classic is not None:
            short += " “Use classic look” applies the nearest classic grade instead."
        self.message = QLabel(short, self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.message.setVisible(bool(self.unavailable))
        # the whole message (install or fetch command, folders searched) behind a Details toggle
        self.details_btn = QToolButton(self)
        self.details_btn.setText("Details")
        self.details_btn.setCheckable(True)
        self.details_btn.setArrowType(Qt.RightArrow)
        self.details_btn.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.details_btn.setAutoRaise(True)
        self.details = QPlainTextEdit(details, self)
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(110)
        self.details.setVisible(False)
        self.details_btn.setVisible(bool(details))
        self.details_btn.toggled.connect(self._toggle_details)
        self._preview_widgets()
        self.render_btn = QPushButton("Render", self)
        self.classic_btn = QPushButton("Use classic look", self)
        self.cancel_btn = QPushButton("Cancel", self)
        self.classic_btn.setVisible(self.classic is not None)
        self.classic_btn.setDefault(self.classic is not None)
        # what cannot run is not shown at all (a row of disabled buttons says nothing)
        for b in (self.preview_btn, self.render_btn):
            b.setEnabled(not self.unavailable)
            b.setVisible(not self.unavailable)
        self.render_btn.setDefault(not self.unavailable)
        self.preview_btn.clicked.connect(self.start_preview)
        self.render_btn.clicked.connect(self.render)
        self.classic_btn.clicked.connect(self.use_classic)
        self.cancel_btn.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for b in (self.preview_btn, self.classic_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.render_btn)
        buttons.addWidget(self.cancel_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"<b>{escape(text)}</b> is an AI edit. Preview a few keyframes before rendering it all?", self))
        for w in (self.estimate, self.message, self.details_btn, self.details, self.thumbs, self.progress,
                  self.status):
            lay.addWidget(w)
        lay.addLayout(buttons)

    def _toggle_details(self, on: bool) -> None:
        self.details.setVisible(on)
        self.details_btn.setArrowType(Qt.DownArrow if on else Qt.RightArrow)
        self.adjustSize()

    # -- keyframe preview ---------------------------------------------------------------------
    def start_preview(self) -> Optional[Job]:
        from ..engine.ai_preview import render_keyframes

        if self.job is not None and self.job.state in ("queued", "running"):
            return self.job
        n = self.keyframes
        return self._start_keyframes(
            "AI keyframe preview", self.spans,
            lambda k, span, sub, cancel: [(k + 1, i, f) for i, f in render_keyframes(span, n, progress=sub,
                                                                                     cancel=cancel)],
            self._show_frames, "Rendering keyframes in fast mode...")

    def _show_frames(self, frames) -> None:
        self.result_frames = list(frames)
        while self.thumb_row.count():
            item = self.thumb_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for k, index, rgb in self.result_frames:
            cell = QLabel(self.thumbs)
            cell.setPixmap(_pixmap(rgb))
            cell.setToolTip(f"AI step {k}, frame {index}")
            self.thumb_row.addWidget(cell)
        self._ended(f"{len(self.result_frames)} keyframes (fast mode; the render uses full quality).")

    # -- decisions ----------------------------------------------------------------------------
    def render(self) -> None:
        self._finish()
        self.accept()
        self.win.apply_command(self.text, confirm=False)

    def use_classic(self) -> None:
        from ..commands.apply import plan_to_command

        self._finish()
        self.accept()
        try:
            cmd = plan_to_command(self.classic, self.win.project, clip_id=self.win.selected_clip)
        except T2VError as e:
            self.win.command_bar.show_error(e)
            return
        cmd.label = f"classic look for “{self.text}”"  # the History says what was applied, not "add snow"
        if self.win.push(cmd):
            self.win.command_bar.show_plan(self.classic)
            self.win.command_bar.accepted(self.text)
            self.win.statusBar().showMessage("Applied the nearest classic look instead of the AI edit.", 5000)

    def reject(self) -> None:
        self._finish()
        super().reject()

    def _finish(self) -> None:
        """Stop a running preview; the renderers close once it has let go of them."""
        if getattr(self.win, "ai_preview_dialog", None) is self:
            self.win.ai_preview_dialog = None
        spans, job = self.spans, self.job
        self.spans = []
        if job is not None and job.state in ("queued", "running"):
            job.cancel()
            for sig in (job.signals.finished, job.signals.failed, job.signals.cancelled):
                sig.connect(lambda *_a, spans=spans: _close(spans))
            if job.state in ("queued", "running"):
                return
        _close(spans)  # closing twice is harmless


def _close(spans) -> None:
    for s in spans:
        s.close()
