"""One command text over many files or projects: each becomes its own export, side by side.

``run_batch`` turns every input (a video, or a saved project) into OUTDIR/<name><ext>: the command
text is applied as ``apply`` would, then the project is exported. Items run in a process pool here
(``jobs`` workers; one item at a time in this process when ``jobs`` is 1), or as tasks on a Ray
cluster. A failing item becomes a one-line result and the others go on; cancel stops every item and
leaves no partial file (exports write a temp file and rename it; what a killed worker left is swept).
No Qt.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_mod
import signal
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from .errors import Cancelled, T2VError
from .jobs import CancelToken, check, no_progress

#: Inputs read as saved projects rather than media.
PROJECT_SUFFIXES = (".t2v", ".json")
#: progress reports per item are sent at most this often (seconds) from a worker process
REPORT_EVERY_S = 0.25


@dataclass(frozen=True)
class BatchItem:
    index: int
    input: str  # absolute: a Ray worker's current folder is not ours
    output: str
    base: str = ""  # the folder file names in the command text are relative to (the caller's cwd)
    template: str = ""  # a saved project whose one main-track clip each input replaces (its edits kept)


@dataclass
class ItemResult:
    index: int
    input: str
    output: str
    ok: bool
    message: str = ""
    frames: int = 0
    duration: float = 0.0
    seconds: float = 0.0


#: on_progress(item index, done, total, message) and on_result(ItemResult), both called in this process
ItemProgress = Callable[[int, float, float, str], None]


def plan_items(inputs: Sequence[str], outdir: Path, ext: str = ".mp4", template: str = "") -> List[BatchItem]:
    """OUTDIR/<input stem><ext> per input; a stem seen twice gets -2, -3 ... (never one output for two)."""
    seen: dict = {}
    items, base = [], os.getcwd()
    for k, inp in enumerate(inputs):
        stem = Path(inp).stem or f"item{k + 1}"
        n = seen.get(stem.lower(), 0) + 1
        seen[stem.lower()] = n
        name = stem if n == 1 else f"{stem}-{n}"
        items.append(BatchItem(k, os.path.abspath(inp), os.path.abspath(Path(outdir) / f"{name}{ext}"), base,
                               os.path.abspath(template) if template else ""))
    return items


def run_item(item: BatchItem, text: str, preset: Optional[str], *, progress=no_progress,
             cancel: Optional[CancelToken] = None) -> ItemResult:
    """Apply ``text`` to one input and export it. Every error but a cancel becomes a failed result."""
    t0 = time.monotonic()
    try:
        result = _apply_and_export(item, text, preset, progress, cancel)
    except Cancelled:
        raise
    except T2VError as e:
        return ItemResult(item.index, item.input, item.output, False, _one_line(str(e)) or type(e).__name__,
                          seconds=time.monotonic() - t0)
    except OSError as e:
        from .errors import os_error_message

        return ItemResult(item.index, item.input, item.output, False,
                          _one_line(os_error_message(e, e.filename or item.input, "use")), seconds=time.monotonic() - t0)
    except Exception as e:  # noqa: BLE001 - a bug in one item must not stop the others
        return ItemResult(item.index, item.input, item.output, False,
                          f"unexpected {type(e).__name__}: {_one_line(str(e))}", seconds=time.monotonic() - t0)
    return ItemResult(item.index, item.input, item.output, True, "", frames=int(result.frames or 0),
                      duration=float(result.duration), seconds=time.monotonic() - t0)


def _apply_and_export(item: BatchItem, text: str, preset, progress, cancel):
    from .engine.export import export_project
    from .media.info import probe
    from .project.model import Project

    check(cancel)
    if item.template:
        project = from_template(item.template, item.input)
    elif Path(item.input).suffix.lower() in PROJECT_SUFFIXES:
        project = Project.load(item.input)
    else:
        probe(item.input)  # a missing or broken file: its own one-line message
        project = Project.from_media(str(item.input))
    if text.strip():
        _apply(project, text, item.base or os.getcwd(), progress, cancel)
    check(cancel)
    return export_project(project, item.output, preset, progress=progress, cancel=cancel)


def template_clip(project):
    """The one file clip on the template's main track (the clip each input replaces)."""
    clips = [c for c in project.main_track.clips if c.path]
    if len(clips) != 1 or len(project.main_track.clips) != 1:
        raise T2VError(f"A batch template needs a project whose main track holds exactly one video clip (the one "
                       f"each input replaces); this one has {len(project.main_track.clips)} clip(s).")
    return clips[0]


def from_template(template: str, path: str):
    """The template project with its main clip reading ``path`` instead: its edits, titles, music and
    output settings kept; its in point kept, its out point kept where the new file is long enough."""
    from .media.info import probe
    from .project.model import Project
    from .project.sources import MediaSource

    project = Project.load(template)
    clip = template_clip(project)
    duration = float(probe(path).duration or 0)
    if duration and clip.in_point >= duration:
        raise T2VError(f"The template's clip starts at {clip.in_point:g} s, but {Path(path).name} is only "
                       f"{duration:.2f} s long.")
    clip.source = MediaSource(os.path.abspath(path))
    clip.name = Path(path).name
    if clip.out_point is not None and duration and clip.out_point > duration:
        clip.out_point = None
    project.name = Path(path).stem
    return project


def _apply(project, text: str, base: str, progress, cancel) -> None:
    from .commands import parse
    from .commands.apply import apply_text
    from .commands.cut_commands import analyse, speech_steps
    from .project.history import History

    try:
        steps = speech_steps(parse(text, {"base": base}))
    except T2VError:
        steps = []  # apply_text says what is wrong with the text
    if steps:
        analyse(project, steps, progress=progress, cancel=cancel)
    clips = project.main_track.clips
    apply_text(project, text, History(project), clip_id=clips[0].id if len(clips) == 1 else None, base=base)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# -- running many ---------------------------------------------------------------------------------


def run_batch(items: Sequence[BatchItem], text: str, *, preset: Optional[str] = None, jobs: int = 1,
              cluster=None, on_progress: ItemProgress = lambda *a: None,
              on_result: Callable[[ItemResult], None] = lambda r: None,
              cancel: Optional[CancelToken] = None) -> List[ItemResult]:
    """Run every item; results in input order. Raises Cancelled (after removing every partial file)
    when ``cancel`` is set; a failed item is only a result with ``ok`` False."""
    items = list(items)
    try:
        if cluster is not None:
            return _on_cluster(items, text, preset, cluster, on_progress, on_result, cancel)
        if jobs <= 1 or len(items) == 1:
            return _here(items, text, preset, on_progress, on_result, cancel)
        return _in_pool(items, text, preset, jobs, on_progress, on_result, cancel)
    except (Cancelled, KeyboardInterrupt):
        sweep_partials(items)
        raise


def _here(items, text, preset, on_progress, on_result, cancel) -> List[ItemResult]:
    results = []
    for item in items:
        check(cancel)
        r = run_item(item, text, preset, progress=lambda d, t, m="", i=item.index: on_progress(i, d, t, m),
                     cancel=cancel)
        on_result(r)
        results.append(r)
    return results


class _EventToken(CancelToken):
    """A CancelToken over a multiprocessing Event, so the parent cancels items in worker processes."""

    def __init__(self, event) -> None:  # noqa: D107 - no super().__init__: the event is the flag
        self._event = event


_WORKER: dict = {}


def _init_worker(event, reports) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which cancels through the event
    _WORKER["token"], _WORKER["reports"] = _EventToken(event), reports


def _pool_item(item: BatchItem, text: str, preset) -> ItemResult:
    reports, last = _WORKER["reports"], [0.0]

    def progress(done, total, message=""):
        now = time.monotonic()
        if now - last[0] >= REPORT_EVERY_S or (total and done >= total):
            last[0] = now
            reports.put((item.index, float(done), float(total), str(message)))

    return run_item(item, text, preset, progress=progress, cancel=_WORKER["token"])


def _in_pool(items, text, preset, jobs, on_progress, on_result, cancel) -> List[ItemResult]:
    ctx = mp.get_context("spawn")  # no fork of a process that may hold threads (Qt, torch, decoders)
    event, reports = ctx.Event(), ctx.Queue()
    results: dict = {}
    with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=ctx, initializer=_init_worker,
                             initargs=(event, reports)) as pool:
        futures = {pool.submit(_pool_item, item, text, preset): item for item in items}
        pending = set(futures)
        try:
            while pending:
                if cancel is not None and cancel.cancelled:
                    raise Cancelled("Cancelled.")
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                _drain(reports, on_progress)
                for fut in done:
                    item = futures[fut]
                    try:
                        r = fut.result()
                    except Cancelled:
                        raise
                    except Exception as e:  # noqa: BLE001 - a worker that died (killed, out of memory)
                        r = ItemResult(item.index, item.input, item.output, False,
                                       f"the worker process failed: {type(e).__name__}: {_one_line(str(e))}")
                    results[item.index] = r
                    on_result(r)
        except BaseException:
            event.set()
            for fut in pending:
                fut.cancel()
            wait(pending, timeout=30)  # running items stop at their next check and remove their temp files
            raise
        finally:
            _drain(reports, on_progress)
    return [results[item.index] for item in items]


def _drain(reports, on_progress) -> None:
    while True:
        try:
            index, done, total, message = reports.get_nowait()
        except (queue_mod.Empty, OSError, ValueError, EOFError):
            return
        on_progress(index, done, total, message)


def _ray_item(item: BatchItem, text: str, preset, board=None, run: str = "", k: int = 0) -> ItemResult:
    """On a Ray worker: one item (its progress posted to the caller's board), its AI renders chunked
    on the same cluster."""
    from .cluster.session import Cluster, board_progress, using

    with using(Cluster("(worker)", owns=False)):
        return run_item(item, text, preset, progress=board_progress(board, run, k))


def _on_cluster(items, text, preset, cluster, on_progress, on_result, cancel) -> List[ItemResult]:
    def done(k: int, r: ItemResult) -> None:
        on_progress(items[k].index, 1, 1, "done on the cluster" if r.ok else "failed")
        on_result(r)

    for item in items:
        on_progress(item.index, 0, 1, "queued on the cluster")
    def partial(k: int, frac: float) -> None:
        on_progress(items[k].index, frac, 1, "running on the cluster")

    return cluster.map(_ray_item, [(item, text, preset) for item in items], cancel=cancel, label="Batch",
                       unit="files", gpu=False, on_result=done, graceful=True, report=True, on_partial=partial)


def sweep_partials(items: Sequence[BatchItem]) -> List[Path]:
    """Remove what a stopped export may have left next to its target (``.<stem>.t2v-*.part``)."""
    removed = []
    for item in items:
        out = Path(item.output)
        try:
            for p in out.parent.glob(f".{out.stem}.t2v-*.part"):
                p.unlink(missing_ok=True)
                removed.append(p)
        except OSError:
            pass
    return removed
