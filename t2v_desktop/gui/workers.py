"""Long work off the GUI thread: a QRunnable job with progress, cancel and result signals.

The core reports progress through plain callables (jobs.ProgressFn) and checks a CancelToken;
this adapts both to Qt signals. Progress is throttled so a chatty worker cannot flood the
event loop (the UI must stay responsive during export).
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..errors import Cancelled, T2VError
from ..jobs import CancelToken

log = logging.getLogger(__name__)

#: fn(progress, cancel) -> result
JobFn = Callable[[Callable[[float, float, str], None], CancelToken], Any]


class JobSignals(QObject):
    progress = Signal(float, float, str)  # done, total, message
    finished = Signal(object)             # result
    failed = Signal(str)                  # user-facing message
    cancelled = Signal()


class Job(QRunnable):
    """One unit of long work. Keep a reference (JobManager does) until a final signal arrives."""

    def __init__(self, title: str, fn: JobFn, *, min_interval: float = 0.05):
        super().__init__()
        self.setAutoDelete(False)
        self.title = title
        self.fn = fn
        self.signals = JobSignals()
        self.cancel_token = CancelToken()
        self.state = "queued"  # running, done, failed, cancelled
        self.result: Any = None
        self.error = ""
        self._min_interval = min_interval
        self._last_emit = 0.0
        self.started_at = 0.0

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def _progress(self, done: float, total: float, message: str = "") -> None:
        now = time.monotonic()
        if now - self._last_emit >= self._min_interval or (total and done >= total):
            self._last_emit = now
            self.signals.progress.emit(float(done), float(total or 0), str(message or ""))
        self.cancel_token.raise_if_cancelled()

    def run(self) -> None:
        self.state = "running"
        self.started_at = time.monotonic()
        try:
            self.cancel_token.raise_if_cancelled()
            res = self.fn(self._progress, self.cancel_token)
        except Cancelled:
            self.state = "cancelled"
            self.signals.cancelled.emit()
        except T2VError as e:
            self.state, self.error = "failed", str(e)
            self.signals.failed.emit(self.error)
        except Exception as e:  # a bug: keep the app alive, show it, log the traceback
            log.error("job %s crashed:\n%s", self.title, traceback.format_exc())
            self.state, self.error = "failed", f"Internal error in {self.title}: {e!r}"
            self.signals.failed.emit(self.error)
        else:
            self.state, self.result = "done", res
            self.signals.finished.emit(res)


class JobManager(QObject):
    """Runs Jobs on its own thread pool and keeps them alive; the jobs panel lists them."""

    jobAdded = Signal(object)

    def __init__(self, parent=None, max_threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.jobs: list[Job] = []

    def start(self, job: Job) -> Job:
        self.jobs.append(job)
        self.jobAdded.emit(job)
        self.pool.start(job)
        return job

    def running(self) -> list[Job]:
        return [j for j in self.jobs if j.state in ("queued", "running")]

    def cancel_all(self) -> None:
        for j in self.running():
            j.cancel()

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)
