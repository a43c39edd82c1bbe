"""Typed commands with a slow part ("add a voice-over: '...'", "dub it in French", "add captions",
"translate the captions to Spanish", "use the shot where she says 'welcome'", "find clips with text
'SALE'"): the speaking, translating, transcribing or searching runs in a background Job (progress
and cancel in the Jobs panel; commands/prepare.py, into content caches) on a copy of the project;
then the command is applied on the GUI thread, resolving at once from those caches, as one undo
step. A cancelled or failed job changes nothing.
"""

from __future__ import annotations

from .workers import Job


def _slow_steps(win, text: str) -> list:
    from ..commands import parse
    from ..commands.prepare import slow_steps
    from ..errors import T2VError

    try:
        return slow_steps(parse(text, win._parse_context()))
    except T2VError:
        return []  # apply_command shows the error as for any command


def _title(steps) -> str:
    kinds = {getattr(s, "kind", "") for s in steps}
    if "dub" in kinds:
        return "Dub"
    if "voice-over" in kinds:
        return "Speak voice-over"
    if "captions" in kinds:
        return "Transcribe"
    if "translate captions" in kinds:
        return "Translate captions"
    return "Search library"


def prepare_job(project, steps) -> Job:
    """A Job doing the steps' slow parts on a copy of ``project`` (edits meanwhile are safe)."""
    import copy

    from ..commands.prepare import prepare

    snapshot = copy.deepcopy(project)
    return Job(_title(steps), lambda progress, cancel: prepare(snapshot, steps, progress=progress, cancel=cancel))


def run_as_job(win, text: str, playhead=None) -> bool:
    """True when ``text`` has a slow part: the job does it, then applies the command (at
    ``playhead``, else the playhead now: where it was typed). While one such job runs, the next
    slow command waits for it (they apply in the order typed: "add captions", then "dub it in
    French", dubs the new captions)."""
    from ..errors import T2VError

    if getattr(win, "_command_ready", None) == text:
        win._command_ready = None
        return False
    steps = _slow_steps(win, text)
    if not steps:
        return False
    typed_at = win.preview.position if playhead is None else playhead  # "here": where it was typed
    if getattr(win, "command_job", None) is not None:
        win._command_queue = getattr(win, "_command_queue", []) + [(text, typed_at, win.project)]
        win.statusBar().showMessage(f"'{text}' waits for '{win.command_job.text}' (see Jobs)...", 8000)
        return True
    project = win.project
    job = prepare_job(project, steps)
    job.text = text

    def done(_result) -> None:
        if getattr(win, "command_job", None) is job:
            win.command_job = None
            if win.project is not project:  # another project was opened meanwhile: not for that one
                win.statusBar().showMessage(f"'{text}' was not applied: another project is open now.", 8000)
            else:
                win._command_ready = text
                win.apply_command(text, confirm=False, playhead=typed_at)
            _next(win)

    def failed(message: str) -> None:
        if getattr(win, "command_job", None) is job:
            win.command_job = None
            win.command_bar.show_error(T2VError(message))
            _next(win)

    def cancelled() -> None:
        if getattr(win, "command_job", None) is job:
            win.command_job = None
            win.statusBar().showMessage(f"Cancelled '{text}': nothing was changed.", 8000)
            _next(win)

    job.signals.finished.connect(done)
    job.signals.failed.connect(failed)
    job.signals.cancelled.connect(cancelled)
    win.command_job = job
    win.statusBar().showMessage(f"{job.title}: '{text}' (see Jobs; cancel there)...", 8000)
    win.jobs.start(job)
    return True


def _next(win) -> None:
    """The next waiting command, now that the one before it has applied (or was cancelled)."""
    queue = [q for q in getattr(win, "_command_queue", []) if q[2] is win.project]  # typed for this project
    if queue and getattr(win, "command_job", None) is None:
        (text, at, _project), win._command_queue = queue[0], queue[1:]
        win.apply_command(text, confirm=False, playhead=at)
    else:
        win._command_queue = queue


def start_then_apply(win, text: str, job: Job, *, slot: str, ready: str, cancelled: str, status: str,
                     status_ms: int = 8000) -> None:
    """Start ``job`` (a speech analysis, a generated clip) held in ``win.<slot>`` (one running there
    is cancelled); when it ends the typed command ``text`` is applied (``win.<ready> = text`` tells
    the caller's run_as_job to let it through), a failure goes to the command bar and a cancel puts
    ``cancelled`` in the status bar. A job replaced meanwhile changes nothing."""
    from ..errors import T2VError

    def mine() -> bool:
        if getattr(win, slot, None) is not job:
            return False
        setattr(win, slot, None)
        return True

    def done(_result) -> None:
        if mine():
            setattr(win, ready, text)
            win.apply_command(text)

    def failed(message: str) -> None:
        if mine():
            win.command_bar.show_error(T2VError(message))

    def was_cancelled() -> None:
        if mine():
            win.statusBar().showMessage(cancelled, 8000)

    job.signals.finished.connect(done)
    job.signals.failed.connect(failed)
    job.signals.cancelled.connect(was_cancelled)
    if getattr(win, slot, None) is not None:
        getattr(win, slot).cancel()
    setattr(win, slot, job)
    win.statusBar().showMessage(status, status_ms)
    win.jobs.start(job)
