"""Export memory: RSS stays flat however long the project is (frames stream through a bounded queue).

Generates a long 720p30 clip with sound (2 minutes by default), exports it with one colour op while a
thread samples this process's RSS every 0.2 s, and prints start / peak / end RSS plus the RSS at each
tenth of the export, so growth with length would show.

    python bench/export_memory.py [--seconds 120] [--size 1280x720] [--preset h264] [--scrub-caches]

--scrub-caches turns off the export's small decoder caches (FrameSource then keeps its scrubbing
run and LRU, as the preview does), to show what they save.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

import numpy as np


def make_input(path: Path, width: int, height: int, seconds: float) -> Path:
    from t2v_desktop.media.synth import make_test_clip, pattern_frame

    if not path.exists():
        base = pattern_frame(0, width, height, "gradient")

        def frame(i: int) -> np.ndarray:  # cheap moving picture: a rolled gradient
            return np.roll(base, i * 4, axis=1)

        t = time.monotonic()
        make_test_clip(path, width=width, height=height, fps=Fraction(30), duration=seconds,
                       frame_fn=frame, crf=23, gop=60)
        print(f"generated {path.name} in {time.monotonic() - t:.1f} s")
    return path


def main() -> int:
    import psutil

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--preset", default="h264")
    ap.add_argument("--workdir")
    ap.add_argument("--scrub-caches", action="store_true", help="export with the preview's big decoder caches")
    args = ap.parse_args()
    import t2v_desktop.engine.export as export_mod
    from t2v_desktop.engine.export import QUEUE_ITEMS, export_project
    from t2v_desktop.project.model import AppliedOp, Project
    from t2v_desktop.media.presets import get_preset

    if args.scrub_caches:
        export_mod.use_small_caches = lambda renderer: 0

    w, h = (int(x) for x in args.size.lower().split("x"))
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="t2v-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    src = make_input(work / f"long-{w}x{h}-{args.seconds:g}s.mp4", w, h, args.seconds)
    project = Project.from_media(str(src))
    project.main_track.clips[0].ops.append(AppliedOp("brightness", {"amount": 0.15}))

    proc = psutil.Process()
    samples: list[tuple[float, float, float]] = []  # (t, fraction done, rss MB)
    state = {"done": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.monotonic(), state["done"], proc.memory_info().rss / 2**20))
            stop.wait(0.2)

    def progress(done: float, total: float, message: str = "") -> None:
        state["done"] = done / total if total else 0.0

    start_rss = proc.memory_info().rss / 2**20
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.monotonic()
    result = export_project(project, work / f"out{get_preset(args.preset).extension}", args.preset, progress=progress)
    elapsed = time.monotonic() - t0
    stop.set()
    sampler.join()
    end_rss = proc.memory_info().rss / 2**20
    rss = [s[2] for s in samples]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    caches = "scrubbing (preview) caches" if args.scrub_caches else "small export caches"
    print(f"machine: {os.cpu_count()} CPUs, load average {load}; decoder: {caches}")
    print(f"exported {result.frames} frames ({result.duration:.1f} s of {w}x{h}) in {elapsed:.1f} s "
          f"({result.frames / elapsed:.1f} fps); queue bound {QUEUE_ITEMS}, peak queued {result.peak_queued}")
    print(f"RSS MB: start {start_rss:.0f}, peak {max(rss):.0f}, end {end_rss:.0f}  ({len(rss)} samples every 0.2 s)")
    line = []
    for tenth in range(1, 11):
        at = [s[2] for s in samples if s[1] <= tenth / 10]
        if at:
            line.append(f"{tenth * 10}%:{at[-1]:.0f}")
    print("RSS by progress: " + "  ".join(line))
    first_q = [s[2] for s in samples if 0.1 <= s[1] <= 0.3]
    last_q = [s[2] for s in samples if s[1] >= 0.7]
    if first_q and last_q:
        print(f"growth from 10-30% to 70-100%: {max(last_q) - max(first_q):+.0f} MB")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
