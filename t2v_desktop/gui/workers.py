"""Long work off the GUI thread: a QRunnable job, or a child process, with progress, cancel and
result signals.

The core reports progress through plain callables (jobs.ProgressFn) and checks a CancelToken;
``Job`` adapts both to Qt signals. Progress is throttled so a chatty worker cannot flood the
event loop. ``ProcessJob`` runs heavy work (exports) in a child process instead, so it never
shares the GIL with the event loop; it speaks the JSON-lines protocol of ``export_job.py``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QRunnable, QThreadPool, QTimer, Signal

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
    notice = Signal(str)                  # something the user should know (e.g. a fallback)


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


#: Seconds between two progress signals of a ProcessJob (the child reports every frame).
PROGRESS_EVERY = 0.1


class ProcessJob(QObject):
    """Long work in a child process that prints JSON lines on stdout: ``{"done","total","message"}``
    progress, then ``{"result": {...}}`` or ``{"error", "kind"}``. Same surface as ``Job`` (title,
    signals, state, result, error, started_at, cancel) so the jobs panel shows either.

    Cancel writes ``cancel`` to the child's stdin; a child still running ``kill_after`` seconds
    later is killed. After a kill or a crash, temp files the child left (``leftovers``: a folder
    and a glob, e.g. ``.clip.*.part``) that did not exist before it started are removed. If the
    child cannot start and ``fallback`` is given, the work runs in a thread ``Job`` instead and
    ``signals.notice`` says so.
    """

    def __init__(self, title: str, program: str, args: Sequence[str], *, env: Optional[dict] = None,
                 result_from: Callable[[dict], Any] = lambda d: d, fallback: Optional[JobFn] = None,
                 leftovers: Optional[tuple] = None, cleanup: Sequence[Path] = (),
                 kill_after: float = 5.0, parent=None):
        super().__init__(parent)
        self.title = title
        self.program, self.args, self.env = program, list(args), dict(env or {})
        self.result_from = result_from
        self.fallback = fallback
        self.leftovers = leftovers
        self.cleanup = list(cleanup)
        self.kill_after = kill_after
        self.signals = JobSignals()
        self.state = "queued"
        self.result: Any = None
        self.error = ""
        self.notice = ""
        self.started_at = 0.0
        self.proc: Optional[QProcess] = None
        self.fallback_job: Optional[Job] = None
        self.killed = False
        self._pool: Optional[QThreadPool] = None
        self._cancel_requested = False
        self._reply: Optional[dict] = None
        #: progress lines come once per frame; the window hears the latest at most every
        #: PROGRESS_EVERY s (each one relays out the export dialog and the Jobs row: 2-5 ms)
        self._progress_at = 0.0
        self._progress_held: Optional[tuple] = None
        self._stderr = b""
        self._before: set = set()

    # -- start ----------------------------------------------------------------------------------
    def launch(self, pool: QThreadPool) -> None:
        self._pool = pool
        if self._cancel_requested:
            self._end("cancelled")
            return
        self._before = self._leftover_files()
        self.state = "running"
        self.started_at = time.monotonic()
        proc = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        for k, v in self.env.items():
            env.insert(k, v)
        proc.setProcessEnvironment(env)
        if sys.platform == "win32":  # a console child of a windowed app: no console window
            _no_console_window(proc)
        proc.setProgram(self.program)
        proc.setArguments(self.args)
        proc.readyReadStandardOutput.connect(self._read_stdout)
        proc.readyReadStandardError.connect(self._read_stderr)
        proc.finished.connect(self._finished)
        proc.errorOccurred.connect(self._error_occurred)
        self.proc = proc
        proc.start()

    def _error_occurred(self, err) -> None:
        if err != QProcess.ProcessError.FailedToStart:
            return  # crashes and kills arrive through finished()
        why = self.proc.errorString() if self.proc is not None else "unknown reason"
        self.proc = None
        if self.fallback is None or self._cancel_requested:
            self._end("failed", f"Could not start the export process ({why}).")
            return
        log.warning("%s: child process failed to start (%s); running in-process", self.title, why)
        self.notice = (f"The export process could not start ({why}); exporting inside the editor "
                       "instead, so the window may respond slowly until it is done.")
        self.signals.notice.emit(self.notice)
        job = Job(self.title, self.fallback)
        job.started_at = self.started_at
        job.signals.progress.connect(self.signals.progress)
        job.signals.finished.connect(lambda r: self._end("done", result=r))
        job.signals.failed.connect(lambda m: self._end("failed", m))
        job.signals.cancelled.connect(lambda: self._end("cancelled"))
        self.fallback_job = job
        (self._pool or QThreadPool.globalInstance()).start(job)

    # -- protocol -------------------------------------------------------------------------------
    def _read_stdout(self) -> None:
        proc = self.proc
        while proc is not None and proc.canReadLine():
            line = bytes(proc.readLine()).strip()
            if not line:
                continue
            try:
                msg = json.loads(line)
            except ValueError:
                log.info("%s: %s", self.title, line.decode("utf-8", "replace"))
                continue
            if not isinstance(msg, dict):
                continue
            if "done" in msg:
                self._progress_held = (float(msg.get("done") or 0), float(msg.get("total") or 0),
                                       str(msg.get("message") or ""))
            elif "result" in msg or "error" in msg:
                self._reply = msg
        if self._progress_held is not None and time.monotonic() - self._progress_at >= PROGRESS_EVERY:
            self._flush_progress()

    def _flush_progress(self) -> None:
        held, self._progress_held = self._progress_held, None
        if held is not None:
            self._progress_at = time.monotonic()
            self.signals.progress.emit(*held)

    def _read_stderr(self) -> None:
        if self.proc is not None:
            self._stderr = (self._stderr + bytes(self.proc.readAllStandardError()))[-8000:]

    def _finished(self, code: int, status) -> None:
        self._read_stdout()
        self._flush_progress()
        self._read_stderr()
        self.proc = None
        reply = self._reply or {}
        if "result" in reply:  # complete and in place, even if a kill raced it
            try:
                result = self.result_from(reply["result"])
            except Exception as e:  # noqa: BLE001 - a malformed reply is a bug, shown not raised
                self._end("failed", f"Internal error reading the result of {self.title}: {e!r}")
                return
            self._end("done", result=result)
        elif self.killed or reply.get("kind") == "Cancelled" or (self._cancel_requested and not reply):
            self._end("cancelled")
        elif "error" in reply:
            self._end("failed", str(reply["error"]))
        else:
            tail = self._stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            how = "crashed" if status == QProcess.ExitStatus.CrashExit else f"stopped with exit code {code}"
            log.error("%s: child %s; stderr:\n%s", self.title, how, self._stderr.decode("utf-8", "replace"))
            detail = f" Last output: {' / '.join(tail)}" if tail else ""
            self._end("failed", f"The export process {how} before finishing; nothing was written "
                                f"and any existing file was left as it was.{detail}")

    def _end(self, state: str, message: str = "", result: Any = None) -> None:
        if self.state in ("done", "failed", "cancelled"):
            return
        if state != "done":
            self._remove_leftovers()
        for p in self.cleanup:
            try:
                if p.is_dir():
                    for q in p.iterdir():
                        q.unlink(missing_ok=True)
                    p.rmdir()
                else:
                    p.unlink(missing_ok=True)
            except OSError:
                pass
        self.state = state
        if state == "done":
            self.result = result
            self.signals.finished.emit(result)
        elif state == "failed":
            self.error = message
            self.signals.failed.emit(message)
        else:
            self.signals.cancelled.emit()

    # -- cancel / kill --------------------------------------------------------------------------
    def cancel(self) -> None:
        self._cancel_requested = True
        if self.fallback_job is not None:
            self.fallback_job.cancel()
        elif self.proc is not None and self.proc.state() != QProcess.ProcessState.NotRunning:
            self.proc.write(b"cancel\n")
            QTimer.singleShot(int(self.kill_after * 1000), self.kill)

    def kill(self) -> None:
        """Stop the child now (cancel did not stop it in time, or the editor is closing)."""
        if self.proc is not None and self.proc.state() != QProcess.ProcessState.NotRunning:
            log.warning("%s: killing the child process", self.title)
            self.killed = True
            self.proc.kill()

    def wait(self, msecs: int) -> bool:
        """Block until the child ends (pending stdin, e.g. a cancel, is still written)."""
        if self.fallback_job is not None:
            return self.fallback_job.state not in ("queued", "running")
        if self.proc is None:
            return True
        return self.proc.waitForFinished(msecs)

    def _leftover_files(self) -> set:
        if not self.leftovers:
            return set()
        folder, pattern = self.leftovers
        try:
            return set(Path(folder).glob(pattern))
        except OSError:
            return set()

    def _remove_leftovers(self) -> None:
        for p in self._leftover_files() - self._before:
            try:
                p.unlink()
                log.info("%s: removed leftover %s", self.title, p)
            except OSError:
                pass


def _no_console_window(proc: QProcess) -> None:
    """CREATE_NO_WINDOW for the child on Windows (best effort: the binding may lack the hook)."""
    try:
        def modify(args) -> None:
            args.flags |= 0x08000000

        proc.setCreateProcessArgumentsModifier(modify)
    except (AttributeError, TypeError):
        pass


class JobManager(QObject):
    """Runs Jobs on its own thread pool (ProcessJobs in their child process) and keeps them
    alive; the jobs panel lists them."""

    jobAdded = Signal(object)

    def __init__(self, parent=None, max_threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.jobs: list = []

    def start(self, job):
        self.jobs.append(job)
        self.jobAdded.emit(job)
        if isinstance(job, ProcessJob):
            job.launch(self.pool)
        else:
            self.pool.start(job)
        return job

    def running(self) -> list:
        return [j for j in self.jobs if j.state in ("queued", "running")]

    def cancel_all(self) -> None:
        for j in self.running():
            j.cancel()

    def wait(self, msecs: int = -1) -> bool:
        """Wait for threads and child processes; children still running at the deadline are killed."""
        deadline = None if msecs < 0 else time.monotonic() + msecs / 1000
        for j in [j for j in self.jobs if isinstance(j, ProcessJob)]:
            left = -1 if deadline is None else int(max(0.0, deadline - time.monotonic()) * 1000)
            if not j.wait(left):
                j.kill()
                j.wait(2000)
        left = -1 if deadline is None else int(max(0.0, deadline - time.monotonic()) * 1000)
        return self.pool.waitForDone(left)
