"""Batch throughput: `t2v-desktop batch` over N generated clips, sequential vs a process pool vs a
local Ray cluster, with the ffmpeg CLI doing the same job file after file as the reference, all in
the same run.

Job per file: black and white and the first 2 s cut (`make it black and white, trim the first 2
seconds`; ffmpeg: -ss 2 -vf hue=s=0, libx264 at our preset's x264 preset and CRF, AAC). Prints wall
time per variant, files/s and the ratio to ffmpeg, plus the CPU count and load average (on a shared
machine the pool can only help as far as idle cores allow). The ffmpeg CLI is only a reference.

    python bench/batch_throughput.py [--files 4] [--seconds 8] [--size 640x360] [--jobs 2] [--ray]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

TEXT = "make it black and white, trim the first 2 seconds"


def make_inputs(folder: Path, n: int, width: int, height: int, seconds: float) -> list:
    from t2v_desktop.media.synth import make_test_clip

    paths = []
    for k in range(n):
        p = folder / f"in{k}.mp4"
        if not p.exists():
            make_test_clip(p, width=width, height=height, fps=Fraction(30), duration=seconds, pattern="gradient")
        paths.append(p)
    return paths


def run_batch(inputs, out: Path, extra) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "t2v_desktop", "batch", TEXT, *map(str, inputs), "-o", str(out), *extra],
                       capture_output=True, text=True)
    wall = time.monotonic() - t
    if r.returncode != 0:
        sys.exit(f"batch {' '.join(extra)} failed:\n{r.stderr[-2000:]}")
    return wall


def run_ffmpeg(inputs, out: Path) -> float:
    from t2v_desktop.media.presets import get_preset

    opts = get_preset("h264").video_options
    preset, crf = opts.get("preset", "medium"), str(opts.get("crf", "20"))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t = time.monotonic()
    for p in inputs:
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "2", "-i", str(p), "-vf", "hue=s=0", "-c:v", "libx264",
                        "-preset", preset, "-crf", crf, "-pix_fmt", "yuv420p", "-c:a", "aac", str(out / p.name)],
                       check=True)
    return time.monotonic() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--ray", action="store_true", help="also run with --ray local (needs ray)")
    ap.add_argument("--workdir")
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.lower().split("x"))
    work = Path(args.workdir or tempfile.mkdtemp(prefix="t2v-batch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("T2V_CACHE_DIR", str(work / "cache"))
    os.environ.setdefault("T2V_DATA_DIR", str(work / "data"))
    inputs = make_inputs(work, args.files, w, h, args.seconds)
    rows = [("ffmpeg, one file after another (reference)", run_ffmpeg(inputs, work / "ffmpeg"))]
    rows.append(("batch --jobs 1 (this process)", run_batch(inputs, work / "seq", ["--jobs", "1"])))
    rows.append((f"batch --jobs {args.jobs} (process pool)", run_batch(inputs, work / "pool", ["--jobs", str(args.jobs)])))
    if args.ray:
        rows.append(("batch --ray local (cluster start included)", run_batch(inputs, work / "ray", ["--ray", "local"])))
    ref = rows[0][1]
    print(f"{args.files} files, {w}x{h} 30 fps {args.seconds:g} s each; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    for name, wall in rows:
        print(f"  {name:<46} {wall:7.2f} s  {args.files / wall:5.2f} files/s  {wall / ref:5.2f}x ffmpeg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
