"""Preview first for generated clips: the time estimate, a few low-res keyframes on request (half
size, few steps, in a job), then Generate (the full render as a job, then the clip is inserted) or
Cancel (nothing changes). Opened by generate_jobs.run_as_job; T2V_AI_CONFIRM=0 skips it.
"""

from __future__ import annotations

from html import escape
from typing import Optional

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from .ai_preview import KeyframePreview, _pixmap
from .workers import Job


class GenerateDialog(KeyframePreview, QDialog):
    def __init__(self, win, text: str, requests, estimate: str, start):
        super().__init__(win)
        self.setWindowTitle("Generate a clip: preview first")
        self.win, self.text, self.requests, self.start = win, text, list(requests), start
        self.job: Optional[Job] = None
        self.frames: list = []
        self.estimate = QLabel(estimate, self)
        self.estimate.setWordWrap(True)
        self._preview_widgets()
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
        return self._start_keyframes(
            "Generated clip preview", self.requests,
            lambda k, req, sub, cancel: [f for _i, f in preview_clip(req[0], progress=sub, cancel=cancel, **req[1])],
            self._show, "Rendering keyframes at half size with few steps...")

    def _show(self, frames) -> None:
        self.frames = list(frames)
        for rgb in self.frames:
            cell = QLabel(self.thumbs)
            cell.setPixmap(_pixmap(rgb))
            self.thumb_row.addWidget(cell)
        self._ended(f"{len(self.frames)} keyframes (low-res preview; Generate renders the full clip).")

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
