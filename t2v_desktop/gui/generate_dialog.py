"""Preview first for generated clips: the time estimate, a few low-res keyframes on request (half
size, few steps, in a job), then Generate (the full render as a job, then the clip is inserted) or
Cancel (nothing changes). Opened by generate_jobs.run_as_job; T2V_AI_CONFIRM=0 skips it.
"""

from __future__ import annotations

from html import escape
from typing import Optional

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from .ai_preview import _pixmap
from .messages import two_sentences
from .workers import Job


class GenerateDialog(QDialog):
    def __init__(self, win, text: str, requests, estimate: str, start):
        super().__init__(win)
        self.setWindowTitle("Generate a clip: preview first")
        self.win, self.text, self.requests, self.start = win, text, list(requests), start
        self.job: Optional[Job] = None
        self.frames: list = []
        self.estimate = QLabel(estimate, self)
        self.estimate.setWordWrap(True)
        self.thumbs = QWidget(self)
        self.thumb_row = QHBoxLayout(self.thumbs)
        self.thumb_row.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.status = QLabel("", self)
        self.preview_btn = QPushButton("Preview keyframes", self)
        self.generate_btn = QPushButton("Generate", self)
        self.cancel_btn = QPushButton("Cancel", self)
        self.generate_btn.setDefault(True)
        self.preview_btn.clicked.connect(self.start_preview)
        self.generate_btn.clicked.connect(self.generate)
        self.cancel_btn.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.preview_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.generate_btn)
        buttons.addWidget(self.cancel_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"<b>{escape(text)}</b> makes a new clip with a video model.", self))
        for w in (self.estimate, self.thumbs, self.progress, self.status):
            lay.addWidget(w)
        lay.addLayout(buttons)

    def start_preview(self) -> Job:
        from ..engine.generate import preview_clip

        if self.job is not None and self.job.state in ("queued", "running"):
            return self.job
        requests = self.requests

        def work(progress, cancel):
            out = []
            for k, (prompt, kw) in enumerate(requests):
                def sub(done, total, msg="", _k=k):
                    progress(_k + (done / total if total else 0.0), len(requests), msg)

                out += [f for _i, f in preview_clip(prompt, progress=sub, cancel=cancel, **kw)]
            return out

        self.job = job = Job("Generated clip preview", work)
        job.signals.progress.connect(self._progress)
        job.signals.finished.connect(self._show)
        job.signals.failed.connect(lambda m: self._ended(f"Preview failed: {two_sentences(m)[0]}"))
        job.signals.cancelled.connect(lambda: self._ended("Preview cancelled."))
        self.preview_btn.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText("Rendering keyframes at half size with few steps...")
        self.win.jobs.start(job)
        return job

    def _progress(self, done: float, total: float, msg: str) -> None:
        if total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(done / total, 1.0)))
        if msg:
            self.status.setText(msg)

    def _show(self, frames) -> None:
        self.frames = list(frames)
        for rgb in self.frames:
            cell = QLabel(self.thumbs)
            cell.setPixmap(_pixmap(rgb))
            self.thumb_row.addWidget(cell)
        self._ended(f"{len(self.frames)} keyframes (low-res preview; Generate renders the full clip).")

    def _ended(self, message: str) -> None:
        self.progress.setVisible(False)
        self.status.setText(message)
        self.preview_btn.setEnabled(True)

    def generate(self) -> None:
        self._stop()
        self.accept()
        self.start()

    def reject(self) -> None:
        self._stop()
        super().reject()

    def _stop(self) -> None:
        if getattr(self.win, "generate_dialog", None) is self:
            self.win.generate_dialog = None
        if self.job is not None and self.job.state in ("queued", "running"):
            self.job.cancel()
