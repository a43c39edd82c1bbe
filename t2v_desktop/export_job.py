"""The child-process side of a GUI export (``t2v-desktop _export-job``).

The editor runs exports in a separate process so decoding, ops and encoding never share the GIL
with its event loop. Protocol (one JSON object per line on stdout):

    {"done": 12, "total": 180, "message": "Exporting"}      progress, at most ~10 per second
    {"result": {"path": ..., "frames": ..., ...}}            success (last line, exit 0)
    {"error": "what to do", "kind": "EncodeError"}          failure (last line, exit 1/130/143)

A line ``cancel`` on stdin cancels (the Encoder removes its temp file); so does stdin closing,
which means the editor has gone away, and SIGTERM (exit 143). No Qt: the same protocol on
Windows, macOS and Linux. A SIGKILLed child leaves its temp file; fsutil removes it later.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import threading
import time
import traceback
from fractions import Fraction
from typing import Any, Optional, Sequence

from .errors import Cancelled, T2VError, os_error_message
from .jobs import CancelToken

#: Seconds between progress lines (the GUI throttles again; this keeps the pipe quiet).
PROGRESS_INTERVAL = 0.1
#: How much the child lowers its CPU priority with ``--priority low`` (POSIX nice increment),
#: so the editor's event loop wins the CPU when it wakes (matters on 2-4 core machines).
NICE = 5


# -- preset (de)serialisation --------------------------------------------------------------------


def preset_to_json(preset) -> dict:
    """An ExportPreset (possibly customised in the dialog) as plain JSON."""
    d = dataclasses.asdict(preset)
    for k, v in list(d.items()):
        if isinstance(v, Fraction):
            d[k] = f"{v.numerator}/{v.denominator}"
        elif isinstance(v, tuple):
            d[k] = list(v)
    return d


def preset_from_json(d: dict):
    from .media.presets import ExportPreset

    names = {f.name for f in dataclasses.fields(ExportPreset)}
    kw: dict[str, Any] = {k: v for k, v in d.items() if k in names}
    for k in ("max_size", "frame_size"):
        if kw.get(k) is not None:
            kw[k] = tuple(kw[k])
    if kw.get("max_fps") is not None:
        kw["max_fps"] = Fraction(str(kw["max_fps"]))
    return ExportPreset(**kw)


def result_to_json(res) -> dict:
    return {
        "path": str(res.path), "frames": res.frames, "duration": res.duration, "seconds": res.seconds,
        "width": res.width, "height": res.height,
        "fps": f"{res.fps.numerator}/{res.fps.denominator}" if res.fps is not None else None,
        "has_audio": res.has_audio, "peak_queued": res.peak_queued,
    }


def result_from_json(d: dict):
    from pathlib import Path

    from .engine.export import ExportResult

    return ExportResult(
        path=Path(d["path"]), frames=int(d["frames"]), duration=float(d["duration"]),
        seconds=float(d["seconds"]), width=int(d.get("width", 0)), height=int(d.get("height", 0)),
        fps=Fraction(d["fps"]) if d.get("fps") else None, has_audio=bool(d.get("has_audio")),
        peak_queued=int(d.get("peak_queued", 0)),
    )


# -- the child -----------------------------------------------------------------------------------


class _Channel:
    """Protocol lines on a private copy of stdout; fd 1 itself is pointed at stderr so stray
    prints (ours, a library's, a C codec's) cannot corrupt the protocol."""

    def __init__(self) -> None:
        sys.stdout.flush()
        self._fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self._lock = threading.Lock()

    def send(self, obj: dict) -> None:
        data = (json.dumps(obj) + "\n").encode("utf-8")
        with self._lock:
            try:
                while data:
                    data = data[os.write(self._fd, data):]
            except OSError:  # the editor is gone; the stdin reader cancels the work
                pass


def _watch_stdin(token: CancelToken) -> None:
    """Cancel on a ``cancel`` line or when stdin closes (the editor quit or crashed). Reads the
    raw fd: a daemon thread blocked in a buffered reader would abort interpreter shutdown."""
    buf = b""
    try:
        while True:
            chunk = os.read(0, 256)
            if not chunk:
                break
            buf += chunk
            lines = buf.split(b"\n")
            buf = lines.pop()
            if any(ln.strip().lower() == b"cancel" for ln in lines):
                break
    except OSError:
        pass
    token.cancel()


class _Flag:
    def __init__(self) -> None:
        self.set = False

    def __bool__(self) -> bool:
        return self.set


def _cancel_on_sigterm(token: CancelToken) -> _Flag:
    """SIGTERM (a logout, a shutdown, ``kill``) cancels like the editor's Cancel button, so the
    Encoder removes its temp file; the returned flag says whether it came."""
    flag = _Flag()

    def handler(signum, frame):
        flag.set = True
        token.cancel()

    try:
        signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError, AttributeError):  # not the main thread / no SIGTERM
        pass
    return flag


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="t2v-desktop _export-job", description=__doc__)
    p.add_argument("project", help="project JSON saved by the editor")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--preset-json", help="the ExportPreset as JSON (the dialog may customise one)")
    p.add_argument("--preset", help="a preset name instead of --preset-json")
    p.add_argument("--priority", choices=("low", "normal"), default="low",
                   help="low (default) yields the CPU to the editor's window when both want it")
    return p


def lower_priority() -> None:
    """Below-normal CPU priority for this process; best effort (a failure only costs smoothness)."""
    try:
        if sys.platform == "win32":
            import ctypes

            below_normal = 0x4000
            k32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            k32.SetPriorityClass(k32.GetCurrentProcess(), below_normal)
        else:
            os.nice(NICE)
    except (OSError, AttributeError):
        pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    chan = _Channel()
    if args.priority == "low":
        lower_priority()
    token = CancelToken()
    threading.Thread(target=_watch_stdin, args=(token,), name="stdin-cancel", daemon=True).start()
    terminated = _cancel_on_sigterm(token)
    last = [0.0]

    def progress(done: float, total: float, message: str = "") -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL or (total and done >= total):
            last[0] = now
            chan.send({"done": float(done), "total": float(total or 0), "message": str(message or "")})

    try:
        from .engine.export import export_project
        from .project.model import Project

        project = Project.load(args.project)
        preset = preset_from_json(json.loads(args.preset_json)) if args.preset_json else args.preset
        res = export_project(project, args.output, preset, progress=progress, cancel=token)
    except T2VError as e:
        chan.send({"error": str(e) or type(e).__name__, "kind": type(e).__name__})
        return 143 if terminated and isinstance(e, Cancelled) else e.exit_code
    except Exception as e:  # noqa: BLE001 - a bug: details on stderr, a line for the editor
        if isinstance(e, OSError) and e.filename is not None:  # a path the OS refuses: the CLI's words
            chan.send({"error": os_error_message(e, e.filename), "kind": "EncodeError"})
            return 1
        traceback.print_exc(file=sys.stderr)
        chan.send({"error": f"Internal error while exporting: {e!r}", "kind": "InternalError"})
        return 1
    chan.send({"result": result_to_json(res)})
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
