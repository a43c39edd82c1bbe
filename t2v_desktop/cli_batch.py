"""The ``batch`` subcommand: one command text (or nothing: saved projects) over many files, each
exported to OUTDIR, in a local process pool or on a Ray cluster (``--ray``).

    t2v-desktop batch "make it black and white, trim the first 2 seconds" a.mp4 b.mp4 -o out/
    t2v-desktop batch "make it warmer" *.mp4 -o out/ --jobs 4
    t2v-desktop batch "ai: make it sunset" *.mp4 -o out/ --ray 10.0.0.5:6379
    t2v-desktop batch p1.t2v p2.t2v -o out/          # saved projects, exported as they are
    t2v-desktop batch --template graded.t2v *.mp4 -o out/   # one edited clip's edits on every file

Progress per file and overall; a failing file is one line and the others go on; Ctrl-C cancels all
and leaves no partial file; the exit code is 1 when any file failed. The work is in batch.py.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Dict, Tuple

NAMES: Tuple[str, ...] = ("batch",)


def add_parsers(sub) -> None:
    b = sub.add_parser("batch", help="apply one command text to many videos (or export many projects) into a folder",
                       usage="t2v-desktop batch [-h] [COMMANDS] IN [IN ...] -o OUTDIR [--jobs N] [--ray ADDRESS] "
                             "[--template P.t2v] [--preset PRESET] [-y]",
                       description="Each input (a video, or a saved .t2v project) gets COMMANDS applied as `apply` "
                                   "would, and is exported to OUTDIR/<name>.mp4. Without COMMANDS (the first "
                                   "argument is a file), projects are exported as saved.",
                       epilog='e.g. t2v-desktop batch "make it black and white, trim the first 2 seconds" a.mp4 '
                              'b.mp4 -o out/ --jobs 2')
    b.add_argument("items", nargs="+", metavar="[COMMANDS] IN", help="what to do (quoted), then the inputs")
    b.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="folder for the results (created)")
    b.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                   help="files at once in local worker processes (default: half the CPU cores, at least 1)")
    b.add_argument("--ray", metavar="ADDRESS", default=None,
                   help="run the files as tasks on a Ray cluster (host:6379, auto, ray://host:10001, or 'local' "
                        "to start one here); default env T2V_RAY_ADDRESS; see docs/cluster.md")
    b.add_argument("--template", metavar="P.t2v",
                   help="a saved project with one clip on its main track: each input takes that clip's place, "
                        "with its edits, titles and music (then COMMANDS, if given, on top)")
    b.add_argument("--preset", help="export preset for every output (default h264, .mp4); see docs/cli.md")
    b.add_argument("-y", "--yes", "--overwrite", dest="yes", action="store_true",
                   help="overwrite outputs that exist")


def split_items(items) -> Tuple[str, list]:
    """(COMMANDS, inputs): the first item is the command text unless it names an existing file."""
    first = items[0]
    one_word = len(first.split()) == 1
    if os.path.isfile(first) or (one_word and Path(first).suffix.lower() in (".t2v", ".json", ".mp4", ".mov", ".mkv")):
        return "", list(items)
    return first, list(items[1:])


def cmd_batch(args) -> int:
    from .batch import ItemResult, plan_items, run_batch
    from .cli_signals import sigint_cancels
    from .cluster.session import connect
    from .errors import Cancelled, T2VError
    from .fsutil import check_writable_dir
    from .jobs import CancelToken
    from .media.presets import get_preset

    text, inputs = split_items(args.items)
    if not inputs:
        raise T2VError('batch needs inputs after the commands, e.g. batch "make it warmer" a.mp4 b.mp4 -o out/')
    if text.strip():  # a text nobody understands is one error (with suggestions), not one per file
        from .commands import parse

        parse(text, {"base": os.getcwd()})
    if args.template:
        from .batch import template_clip
        from .project.model import Project

        template_clip(Project.load(args.template))  # a template that cannot work: one error, before any file
    if args.jobs < 0:
        raise T2VError(f"--jobs must be at least 1 (got {args.jobs}).")
    preset = get_preset(args.preset) if args.preset else None
    outdir = Path(args.output)
    if outdir.exists() and not outdir.is_dir():
        raise T2VError(f"{outdir} is a file; -o needs a folder for the results.")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise T2VError(f"Cannot create {outdir}: {e.strerror or e}.") from None
    check_writable_dir(outdir / "probe.mp4")
    items = plan_items(inputs, outdir, preset.extension if preset else ".mp4", args.template or "")
    jobs = args.jobs or max(1, (os.cpu_count() or 2) // 2)
    view = BatchView(items, sys.stderr)
    refused = []
    for item in items:
        if os.path.exists(item.output) and not args.yes:
            refused.append(ItemResult(item.index, item.input, item.output, False,
                                      f"{item.output} already exists; pass -y to overwrite it"))
    todo = [it for it in items if it.index not in {r.index for r in refused}]
    for r in refused:
        view.result(r)
    cluster = connect(args.ray) if todo else None
    if cluster is not None:
        print(cluster.describe(), file=sys.stderr)
    token = CancelToken()
    t0 = time.monotonic()
    try:
        with sigint_cancels(token):
            results = run_batch(todo, text, preset=preset.name if preset else None, jobs=jobs, cluster=cluster,
                                on_progress=view.progress, on_result=view.result, cancel=token) if todo else []
    except Cancelled:
        view.finish()
        print(f"cancelled: {view.ok} finished file(s) kept in {outdir}; no partial file left.", file=sys.stderr)
        return Cancelled.exit_code
    finally:
        if cluster is not None:
            cluster.close()
    view.finish()
    results = sorted(results + refused, key=lambda r: r.index)
    failed = sum(1 for r in results if not r.ok)
    print(f"{len(results)} file(s): {len(results) - failed} written to {outdir}, {failed} failed "
          f"({time.monotonic() - t0:.1f} s)")
    return 1 if failed else 0


class BatchView:
    """Per-file and overall progress on stderr: one redrawn line on a terminal, else a line per file at
    every 25%; a line per finished file in both."""

    def __init__(self, items, stream) -> None:
        self.items = {it.index: it for it in items}
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.frac: Dict[int, float] = {it.index: 0.0 for it in items}
        self.printed: Dict[int, int] = {}
        self.ok = self.failed = 0
        self._last = 0.0
        self._drawn = False

    def overall(self) -> float:
        return 100.0 * sum(self.frac.values()) / max(1, len(self.frac))

    def progress(self, index: int, done: float, total: float, message: str = "") -> None:
        if not total:
            return
        self.frac[index] = max(self.frac.get(index, 0.0), min(1.0, done / total))
        name = Path(self.items[index].input).name
        if self.tty:
            now = time.monotonic()
            if now - self._last < 0.1:
                return
            self._last = now
            running = [f"{Path(self.items[k].input).name} {v * 100:.0f}%" for k, v in self.frac.items() if 0 < v < 1]
            self.stream.write(f"\r[{self.overall():5.1f}%] {self.ok + self.failed}/{len(self.frac)} done"
                              f"{', ' + str(self.failed) + ' failed' if self.failed else ''}"
                              f"{' | ' + ' | '.join(running[:3]) if running else ''}\x1b[K")
            self.stream.flush()
            self._drawn = True
            return
        step = int(self.frac[index] * 4)  # 0, 25, 50, 75, 100
        if step > self.printed.get(index, 0) and step < 4:
            self.printed[index] = step
            self.stream.write(f"{name}: {step * 25}% ({message}); overall {self.overall():.0f}%\n")
            self.stream.flush()

    def result(self, r) -> None:
        self.frac[r.index] = 1.0
        if r.ok:
            self.ok += 1
        else:
            self.failed += 1
        if self._drawn:
            self.stream.write("\r\x1b[K")
        name = Path(r.input).name
        if r.ok:
            line = f"ok     {name} -> {r.output} ({r.frames} frames, {r.duration:.2f} s) in {r.seconds:.1f} s"
        else:
            line = f"FAILED {name}: {r.message}"
        self.stream.write(f"{line} [{self.ok + self.failed}/{len(self.frac)}, overall {self.overall():.0f}%]\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


HANDLERS = {"batch": cmd_batch}
