"""Jobs area: every long task (export, analysis, generative render) with progress and Cancel."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .theme import icon
from .workers import Job, JobManager, ProcessJob


def eta_text(done: float, total: float, elapsed: float) -> str:
    if total <= 0 or done <= 0 or elapsed < 0.3:
        return ""
    left = elapsed * (total - done) / done
    return f"about {int(left) // 60}:{int(left) % 60:02d} left"


class JobRow(QWidget):
    def __init__(self, job: Job | ProcessJob, parent=None):
        super().__init__(parent)
        self.job = job
        self.title = QLabel(job.title, self)
        self.title.setMinimumWidth(160)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.status = QLabel("queued", self)
        self.status.setStyleSheet("color:#8b929c")
        self.cancel_btn = QToolButton(self)
        self.cancel_btn.setIcon(icon("cancel"))
        self.cancel_btn.setToolTip("Cancel")
        self.cancel_btn.clicked.connect(job.cancel)
        self.title.setMinimumWidth(0)
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.cancel_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 4)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addWidget(self.bar)
        lay.addWidget(self.status)
        job.signals.progress.connect(self._progress)
        job.signals.finished.connect(lambda _r: self._end("done", 1000))
        job.signals.failed.connect(lambda msg: self._end("failed: " + msg, None))
        job.signals.cancelled.connect(lambda: self._end("cancelled", None))
        job.signals.notice.connect(self._notice)
        self.notice = ""

    def _notice(self, text: str) -> None:
        """Kept under the progress (e.g. "exporting inside the editor" when the child could not start)."""
        self.notice = text
        self.status.setText(text)
        self.status.setToolTip(text)

    def _progress(self, done: float, total: float, message: str) -> None:
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(1.0, done / total)))
        else:
            self.bar.setRange(0, 0)
        eta = eta_text(done, total, time.monotonic() - self.job.started_at)
        line = " · ".join(x for x in (message, eta) if x)
        self.status.setText("\n".join(x for x in (line, self.notice) if x))

    def _end(self, text: str, value) -> None:
        self.bar.setRange(0, 1000)
        if value is not None:
            self.bar.setValue(value)
        self.status.setText(text)
        self.status.setToolTip(text)
        self.cancel_btn.setEnabled(False)


class JobsPanel(QScrollArea):
    def __init__(self, manager: JobManager, parent=None):
        super().__init__(parent)
        self.manager = manager
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        inner = QWidget(self)
        self.rows = QVBoxLayout(inner)
        self.rows.setContentsMargins(2, 2, 2, 2)
        self.empty = QLabel("No background jobs. Exports, stabilize analysis and AI renders show here.", inner)
        self.empty.setStyleSheet("color:#6b717b")
        self.empty.setWordWrap(True)
        self.rows.addWidget(self.empty)
        self.rows.addStretch(1)
        self.setWidget(inner)
        manager.jobAdded.connect(self.add_job)

    def add_job(self, job: Job | ProcessJob) -> None:
        self.empty.hide()
        self.rows.insertWidget(0, JobRow(job, self.widget()))
