"""The Ray connection of this process and the two ways work reaches it: chunked frame renders and
plain tasks. Ray is imported here only, lazily, when a cluster is really used.

``connect(address)`` joins a cluster (``"local"`` starts a private one on 127.0.0.1); ``using(cluster)``
makes it the one AI renders use; ``render_chunked`` and ``run_task`` run locally when none is active.
Progress counts finished tasks (a worker's own step progress stays on the worker); cancel cancels
every task still pending or running (``ray.cancel``) and raises Cancelled.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List, Optional, Sequence

from ..errors import Cancelled, GenerativeUnavailableError, T2VError
from ..jobs import no_progress
from .chunks import blend_chunks, plan_chunks

#: What to run to get Ray (the one-line message when it is missing says this).
INSTALL = 'pip install "ray[default]"'
#: Default cluster address when --ray is not given (empty: run locally).
ENV_ADDRESS = "T2V_RAY_ADDRESS"
#: Frames per chunk of an AI render and frames shared by neighbouring chunks (cross-faded).
CHUNK_FRAMES = int(os.environ.get("T2V_RAY_CHUNK_FRAMES", "48"))
OVERLAP_FRAMES = int(os.environ.get("T2V_RAY_OVERLAP", "8"))
#: Seconds between two looks at the cancel token while waiting for tasks, and between two reads of
#: the tasks' own progress.
POLL_S = 0.2
REPORT_S = 0.25


class ClusterError(T2VError):
    """Ray is missing, the cluster cannot be reached, or a worker died."""


def import_ray():
    try:
        import ray
    except ImportError:
        raise ClusterError(f"Running on a Ray cluster needs the Ray package, which is not installed. Install it "
                           f"with: {INSTALL}") from None
    return ray


def ray_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("ray") is not None


@dataclass
class Cluster:
    """A Ray cluster this process is connected to."""

    address: str
    owns: bool = False  # this process started or joined it and shuts the connection down on close()
    _remotes: dict = field(default_factory=dict, repr=False)
    _board: Any = field(default=None, repr=False)

    def resources(self) -> dict:
        return dict(import_ray().cluster_resources())

    def gpus(self) -> float:
        return float(self.resources().get("GPU", 0) or 0)

    def task_options(self, gpu: bool = True) -> dict:
        """One GPU per task where the cluster has GPUs (a render then never shares a card), else one CPU."""
        return {"num_gpus": 1} if gpu and self.gpus() > 0 else {"num_cpus": 1}

    def describe(self) -> str:
        r = self.resources()
        return (f"Ray cluster {self.address}: {int(r.get('CPU', 0))} CPUs, {int(r.get('GPU', 0))} GPUs, "
                f"{len(import_ray().nodes())} node(s)")

    def close(self) -> None:
        if self._board is not None:
            try:
                import_ray().kill(self._board)
            except Exception:  # noqa: BLE001 - the cluster is gone already
                pass
            self._board = None
        if self.owns:
            ray = import_ray()
            if ray.is_initialized():
                ray.shutdown()
            self.owns = False

    # -- running tasks ------------------------------------------------------------------------

    def _remote(self, func: Callable, options: dict):
        key = (func, tuple(sorted(options.items())))
        if key not in self._remotes:
            self._remotes[key] = import_ray().remote(func).options(**options)
        return self._remotes[key]

    def board(self):
        """The progress board of this connection (an actor holding no CPU), made on first use."""
        if self._board is None:
            self._board = import_ray().remote(num_cpus=0)(ProgressBoard).remote()
        return self._board

    def map(self, func: Callable, calls: Sequence[tuple], *, progress=no_progress, cancel=None,
            label: str = "Cluster", unit: str = "tasks", gpu: bool = True,
            on_result: Optional[Callable[[int, Any], None]] = None, graceful: bool = False,
            report: bool = False, on_partial: Optional[Callable[[int, float], None]] = None) -> List[Any]:
        """``func(*args)`` for every args tuple in ``calls`` as Ray tasks; the results in order.

        A task's exception is re-raised here (the rest cancelled). ``graceful``: cancel asks running
        tasks to stop (KeyboardInterrupt in them, so their ``finally`` blocks remove temp files) and
        waits a few seconds before killing what is left. ``report``: ``func`` takes (board, run, k)
        after its arguments and reports its own progress there; progress then moves inside tasks too,
        and ``on_partial(k, fraction)`` hears each running task's."""
        ray = import_ray()
        remote = self._remote(func, self.task_options(gpu))
        run = uuid.uuid4().hex
        board = self.board() if report else None
        extra = (lambda k: (board, run, k)) if report else (lambda k: ())
        refs = [remote.remote(*args, *extra(k)) for k, args in enumerate(calls)]
        index = {r: k for k, r in enumerate(refs)}
        results: List[Any] = [None] * len(refs)
        pending, finished = list(refs), set()
        partial: dict = {}
        n = len(refs)

        def say() -> None:
            done = len(finished) + sum(v for k, v in partial.items() if k not in finished)
            progress(done, n, f"{label}: {len(finished)} of {n} {unit} done on the cluster")

        say()
        next_read = time.monotonic() + REPORT_S
        try:
            while pending:
                if cancel is not None and cancel.cancelled:
                    raise Cancelled("Cancelled.")
                ready, pending = ray.wait(pending, num_returns=1, timeout=POLL_S)
                for r in ready:
                    k = index[r]
                    results[k] = _get(ray, r)
                    finished.add(k)
                    if on_result is not None:
                        on_result(k, results[k])
                    say()
                if board is not None and pending and time.monotonic() >= next_read:
                    next_read = time.monotonic() + REPORT_S
                    try:
                        partial = ray.get(board.read.remote(run), timeout=REPORT_S)
                    except Exception:  # noqa: BLE001 - progress is a courtesy; the work goes on
                        partial = {}
                    if partial:
                        say()
                        for k, frac in partial.items():
                            if on_partial is not None and k not in finished:
                                on_partial(k, frac)
        except BaseException:
            _cancel_all(ray, pending, graceful)
            raise
        finally:
            if board is not None:
                board.forget.remote(run)
        return results


class ProgressBoard:
    """A Ray actor: the fraction done of every running task of a run, written by the tasks, read by
    the caller (workers cannot call the caller's progress function)."""

    def __init__(self) -> None:
        self.runs: dict = {}

    def report(self, run: str, k: int, frac: float) -> None:
        self.runs.setdefault(run, {})[k] = max(0.0, min(1.0, float(frac)))

    def read(self, run: str) -> dict:
        return dict(self.runs.get(run, {}))

    def forget(self, run: str) -> None:
        self.runs.pop(run, None)


def board_progress(board, run: str, k: int, every: float = 0.25) -> Callable:
    """On a worker: a progress function that posts the fraction done to ``board`` at most every ``every`` s."""
    if board is None:
        return no_progress
    last = [0.0]

    def progress(done, total, message=""):
        now = time.monotonic()
        if total and now - last[0] >= every:
            last[0] = now
            board.report.remote(run, k, done / total)

    return progress


def _get(ray, ref):
    """ray.get with the task's own exception re-raised (a T2VError keeps its one-line message)."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as e:
        cause = getattr(e, "cause", None)
        missing = _missing_module(cause)
        if missing:  # the node lacks the package (or torch, diffusers ...)
            from .. import __version__

            raise ClusterError(f"A Ray worker cannot import {missing}: install t2v-desktop {__version__} "
                               "(and the AI add-on) in the Python of every node (docs/cluster.md).") from None
        if isinstance(cause, BaseException):
            raise cause from None
        raise ClusterError(f"A task on the Ray cluster failed: {' '.join(str(e).split())[:300]}") from None
    except ray.exceptions.TaskCancelledError:
        raise Cancelled("Cancelled.") from None
    except ray.exceptions.RayError as e:  # a worker or node died, the object was lost ...
        raise ClusterError(f"The Ray cluster lost a task ({type(e).__name__}); run it again, or without --ray.") from None


def _missing_module(cause) -> str:
    """The module a worker could not import (its own code's ImportError, or Ray unpickling the task's
    function or arguments there), or ""."""
    import re

    if isinstance(cause, ImportError):
        return cause.name or str(cause)
    m = re.search(r"No module named '([^']+)'", str(cause or ""))
    return m.group(1) if m and type(cause).__name__ == "RaySystemError" else ""


def _cancel_all(ray, refs: list, graceful: bool) -> None:
    if not refs:
        return
    for r in refs:
        try:
            ray.cancel(r, force=not graceful)
        except Exception:  # noqa: BLE001 - already finished or gone
            pass
    if graceful:  # let KeyboardInterrupt unwind in the tasks (temp files removed), then kill the rest
        _ready, left = ray.wait(refs, num_returns=len(refs), timeout=5.0)
        for r in left:
            try:
                ray.cancel(r, force=True)
            except Exception:  # noqa: BLE001
                pass


# -- the cluster of this process -----------------------------------------------------------------

_CURRENT: List[Optional[Cluster]] = [None]
#: An address to join on first use (``using_address``; else env T2V_RAY_ADDRESS): a command that never
#: renders never pays for connecting.
_PENDING: List[Optional[str]] = [None]
_LOCK = threading.RLock()


def active() -> Optional[Cluster]:
    """The cluster AI renders go to, or None (run in this process). Joins a pending address (or env
    T2V_RAY_ADDRESS) the first time it is asked; ClusterError when that fails."""
    with _LOCK:
        if _CURRENT[0] is None:
            address = _PENDING[0] or resolve_address(None)
            if address is not None:
                _CURRENT[0] = connect(address)
                _PENDING[0] = None
        return _CURRENT[0]


def forget() -> None:
    """Leave the cluster joined from an address (the editor's setting changed): the next render joins
    whatever the address is then."""
    with _LOCK:
        joined, _CURRENT[0], _PENDING[0] = _CURRENT[0], None, None
    if joined is not None:
        joined.close()


@contextmanager
def using(cluster: Optional[Cluster]) -> Iterator[Optional[Cluster]]:
    """Make ``cluster`` the active one inside the block (None: run locally)."""
    with _LOCK:
        old, _CURRENT[0] = (_CURRENT[0], _PENDING[0]), cluster
        _PENDING[0] = None
    try:
        yield cluster
    finally:
        with _LOCK:
            _CURRENT[0], _PENDING[0] = old


@contextmanager
def using_address(address: Optional[str]) -> Iterator[None]:
    """Inside the block, AI renders go to the cluster at ``address`` (else env T2V_RAY_ADDRESS; neither:
    here), joined when the first render needs it and left at the end. Ray missing: ClusterError then."""
    address = resolve_address(address)
    if address is None:
        yield
        return
    import_ray()  # asked for a cluster without Ray installed: say so now, not after the first render
    with _LOCK:
        old, _CURRENT[0], _PENDING[0] = (_CURRENT[0], _PENDING[0]), None, address
    try:
        yield
    finally:
        with _LOCK:
            joined = _CURRENT[0]
            _CURRENT[0], _PENDING[0] = old
        if joined is not None:
            joined.close()


def resolve_address(address: Optional[str]) -> Optional[str]:
    """``--ray`` value, else env T2V_RAY_ADDRESS, else None (local)."""
    address = (address if address is not None else os.environ.get(ENV_ADDRESS, "")).strip()
    return address or None


def connect(address: Optional[str] = None, *, num_cpus: Optional[int] = None) -> Optional[Cluster]:
    """Join the cluster at ``address`` (``host:6379``, ``auto``, ``ray://host:10001``; ``local`` starts
    one on 127.0.0.1 for this process). None when no address is given here or in T2V_RAY_ADDRESS."""
    address = resolve_address(address)
    if address is None:
        return None
    ray = import_ray()
    if ray.is_initialized():  # a test or an embedding program connected already: use that
        return Cluster(address, owns=False)
    unreachable = _unreachable(address)
    if unreachable:  # ray.init would retry for minutes
        raise ClusterError(f"Cannot reach the Ray cluster at {address} ({unreachable}). Start it with `ray start "
                           "--head` on the GPU machine (see docs/cluster.md), check the address, or use --ray local.")
    runtime_env = {"env_vars": worker_env()}
    try:
        if address == "local":
            ray.init(num_cpus=num_cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                     log_to_driver=False, configure_logging=False, runtime_env=runtime_env)
        else:
            ray.init(address=address, log_to_driver=False, configure_logging=False, runtime_env=runtime_env)
    except (ConnectionError, RuntimeError, ValueError, OSError) as e:
        raise ClusterError(f"Cannot reach the Ray cluster at {address}: {' '.join(str(e).split())[:200]}. Start it "
                           "with `ray start --head` on the GPU machine (see docs/cluster.md), or use --ray local."
                           ) from None
    return Cluster(address, owns=True)


#: Settings of this process that change how a worker renders (device, consistency, models folder,
#: offline hub): given to every worker of this job, so a node renders as this machine would.
WORKER_ENV_PREFIXES = ("T2V_AI_", "T2V_DEVICE", "T2V_MODELS_DIR", "T2V_DIFFUSION_", "HF_HUB_OFFLINE",
                       "TRANSFORMERS_OFFLINE")


def worker_env() -> dict:
    return {k: v for k, v in os.environ.items() if k.startswith(WORKER_ENV_PREFIXES)}


def _unreachable(address: str, timeout: float = 3.0) -> str:
    """Why ``host:port`` (or ``ray://host:port``) takes no TCP connection, or "" (also for ``local``/``auto``)."""
    import socket

    if address in ("local", "auto"):
        return ""
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        return "give it as host:port, e.g. 10.0.0.5:6379"
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            return ""
    except OSError as e:
        return e.strerror or type(e).__name__


# -- what the render code calls ------------------------------------------------------------------


def _chunk_call(fn: Callable, frames: list, kwargs: dict, drop: int, anchor: bool = False, board=None,
                run: str = "", k: int = 0) -> list:
    """On a worker: render one chunk (its progress posted to ``board``; no cancel token: ray.cancel
    stops it). Out of GPU memory: the chunk is rendered as two halves one after the other (each with
    the anchor frame in front when ``anchor``), down to one frame; then a one-line message."""
    try:
        out = fn(frames, progress=board_progress(board, run, k), cancel=None, **kwargs)
    except Exception as e:
        if not is_oom(e):
            raise
        _free_gpu_memory()
        body = frames[drop:]
        if len(body) <= 1:
            raise GenerativeUnavailableError(
                "Out of GPU memory on a cluster worker even for one frame. Lower the processing size "
                "(env T2V_AI_RESOLUTION=384), use fast mode, or use workers with more GPU memory.") from None
        half = len(body) // 2
        first_lead = frames[:drop]
        later_lead = frames[:1] if anchor and drop == 0 else first_lead
        return (_chunk_call(fn, first_lead + body[:half], kwargs, len(first_lead), anchor, board, run, k)
                + _chunk_call(fn, later_lead + body[half:], kwargs, len(later_lead), anchor, board, run, k))
    return list(out[drop:])


def is_oom(exc: BaseException) -> bool:
    """A GPU (or CPU allocator) out-of-memory error, told without importing torch."""
    return type(exc).__name__ == "OutOfMemoryError" or "out of memory" in str(exc).lower()


def _free_gpu_memory() -> None:
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and getattr(torch, "cuda", None) is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def render_chunked(fn: Callable, frames: Sequence, kwargs: dict, *, progress=no_progress, cancel=None,
                   anchor: bool = False, size: Optional[int] = None, overlap: Optional[int] = None,
                   label: str = "AI render") -> list:
    """``fn(frames, progress=, cancel=, **kwargs)`` -> frames, on the active cluster in overlapping chunks
    (cross-faded where they overlap), or in one call here when no cluster is active.

    ``fn`` must be a module-level function (workers import it by name). ``anchor``: every chunk after
    the first also gets the clip's first frame in front (and drops its result), for renders that keep
    frames consistent with an anchor frame, as the per-frame editor does."""
    cluster = active()
    if cluster is None:
        return fn(frames, progress=progress, cancel=cancel, **kwargs)
    frames = list(frames)
    ranges = plan_chunks(len(frames), size or CHUNK_FRAMES, OVERLAP_FRAMES if overlap is None else overlap)
    calls = []
    for a, b in ranges:
        lead = [frames[0]] if anchor and a > 0 else []
        calls.append((fn, lead + frames[a:b], kwargs, len(lead), anchor))
    parts = cluster.map(_chunk_call, calls, progress=progress, cancel=cancel, label=label, unit="chunks",
                        report=True)
    return blend_chunks(ranges, parts)


def _task_call(fn: Callable, args: tuple, kwargs: dict, board=None, run: str = "", k: int = 0):
    return fn(*args, progress=board_progress(board, run, k), cancel=None, **kwargs)


def run_task(fn: Callable, *args, progress=no_progress, cancel=None, label: str = "AI render", **kwargs):
    """``fn(*args, progress=, cancel=, **kwargs)`` as one task on the active cluster (a GPU worker where
    there are GPUs), or here when none is active."""
    cluster = active()
    if cluster is None:
        return fn(*args, progress=progress, cancel=cancel, **kwargs)
    return cluster.map(_task_call, [(fn, args, kwargs)], progress=progress, cancel=cancel, label=label,
                       report=True)[0]
