"""Seek benchmark: frame-accurate random access with FrameSource vs the ffmpeg CLI.

Generates a 1080p30 H.264 clip (10 s, GOP 30 = one keyframe a second, x264 "faster" crf 23,
a fixed IBBBP pattern with b-pyramid (``--bframes 0`` for an all-P stream like many phones make),
a moving textured picture with frame numbers painted in), does one sequential pass (warm:
file in the page cache, decoder set up), then times N random ``FrameSource.frame(i)`` calls with
the RGB cache off (every call decodes unless the target lies in the decoded run), checks each
frame's painted number, and times the same seeks with ``ffmpeg -ss T -i f -frames:v 1 -f null -``
(accurate seek, one process per seek). Also reports sequential decode and a backwards walk.

    python bench/seek.py [--seeks 100] [--ffmpeg-seeks 40] [--seconds 10] [--gop 30] [--clip PATH]

The ffmpeg CLI is a reference only; t2v-desktop never calls it.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np


def make_clip(path: Path, seconds: float, gop: int, bframes: int) -> Path:
    import av

    from t2v_desktop.media.synth import encode_frame_number, pattern_frame

    w, h, fps = 1920, 1080, Fraction(30)
    base = pattern_frame(0, w, h, "texture")
    grad = pattern_frame(0, w, h, "gradient")
    t0 = time.monotonic()
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"crf": "23", "preset": "faster", "g": str(gop), "keyint_min": str(gop),
                      "sc_threshold": "0", "bf": str(bframes), "b_strategy": "0"}
        for i in range(int(seconds * fps)):
            img = (np.roll(base, i * 6, axis=1) // 2 + np.roll(grad, -i * 3, axis=0) // 2)
            encode_frame_number(img, i)
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            vf.pts = i
            for pkt in vs.encode(vf):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
    print(f"generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - t0:.1f} s")
    return path


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeks", type=int, default=100)
    ap.add_argument("--ffmpeg-seeks", type=int, default=40)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--gop", type=int, default=30)
    ap.add_argument("--bframes", type=int, default=3)
    ap.add_argument("--clip", type=Path, default=None, help="use this file instead of generating one")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    from t2v_desktop.media.frames import FrameSource
    from t2v_desktop.media.synth import read_frame_number

    tmp = Path(tempfile.mkdtemp(prefix="t2v-seek-"))
    try:
        clip = args.clip or make_clip(tmp / "seek1080.mp4", args.seconds, args.gop, args.bframes)
        fs = FrameSource(clip, cache_size=0)
        n = fs.frame_count
        print(f"clip: {fs.width}x{fs.height} {float(fs.fps):.3f} fps, {n} frames, "
              f"GOP {args.gop if args.clip is None else '?'}")

        t0 = time.perf_counter()
        for _ in fs.iter_frames():
            pass
        seq = time.perf_counter() - t0
        print(f"sequential decode (warm-up pass): {n / seq:.0f} fps ({seq * 1000 / n:.1f} ms/frame, RGB incl.)")

        rng = random.Random(args.seed)
        idx = [rng.randrange(n) for _ in range(args.seeks)]
        times, cpu, wrong = [], [], 0
        seeks_before, decoded_before = fs.seeks, fs.decoded
        for i in idx:
            t, c = time.perf_counter(), time.process_time()
            f = fs.frame(i)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            wrong += read_frame_number(f) != i if args.clip is None else 0
        ours50, ours95 = pct(times, 50), pct(times, 95)
        print(f"FrameSource random frame(i), warm, n={len(idx)}: p50 {ours50:.1f} ms  p95 {ours95:.1f} ms  "
              f"max {max(times):.1f} ms  mean {statistics.mean(times):.1f} ms wall; CPU (all threads) "
              f"p50 {pct(cpu, 50):.1f} ms  p95 {pct(cpu, 95):.1f} ms; "
              f"{fs.seeks - seeks_before} seeks, {(fs.decoded - decoded_before) / len(idx):.1f} frames "
              f"output by the decoder per call; wrong frames: {wrong}")

        back = FrameSource(clip, cache_size=0)
        start = min(n - 1, 119)
        t0 = time.perf_counter()
        for i in range(start, -1, -1):
            back.frame(i)
        bw = (time.perf_counter() - t0) * 1000 / (start + 1)
        print(f"backwards walk {start}..0: {bw:.1f} ms/frame ({back.seeks} seeks, {back.decoded} decoded)")
        try:
            print(f"load average during the run: {', '.join(f'{v:.1f}' for v in os.getloadavg())} "
                  f"on {os.cpu_count()} cores")
        except OSError:
            pass

        ff = shutil.which("ffmpeg")
        if ff is None:
            print("ffmpeg CLI not found: skipping the reference")
            return 0
        ff_times, ff_cpu = [], []
        for i in idx[: args.ffmpeg_seeks]:
            ts = f"{float(Fraction(i) / fs.fps):.6f}"
            cmd = [ff, "-v", "error", "-ss", ts, "-i", str(clip), "-frames:v", "1", "-f", "null", "-"]
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            ff_times.append((time.perf_counter() - t) * 1000)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            ff_cpu.append((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000)
        ff50, ff95 = pct(ff_times, 50), pct(ff_times, 95)
        print(f"ffmpeg CLI -ss T -i f -frames:v 1 -f null -, n={len(ff_times)}: p50 {ff50:.1f} ms  p95 {ff95:.1f} ms "
              f"wall; CPU p50 {pct(ff_cpu, 50):.1f} ms  p95 {pct(ff_cpu, 95):.1f} ms")
        base = []
        for _ in range(10):  # what a process that decodes only the first frame costs
            t = time.perf_counter()
            subprocess.run([ff, "-v", "error", "-i", str(clip), "-frames:v", "1", "-f", "null", "-"],
                           check=True, stdout=subprocess.DEVNULL)
            base.append((time.perf_counter() - t) * 1000)
        print(f"ffmpeg CLI start-up + first frame (no seek): p50 {pct(base, 50):.1f} ms wall")
        print(f"ratio ffmpeg/FrameSource: p50 {ff50 / ours50:.1f}x  p95 {ff95 / ours95:.1f}x  "
              f"(ffmpeg includes process start; goal for FrameSource: warm p95 < 40 ms -> "
              f"{'met' if ours95 < 40 else 'NOT met'})")
        return 1 if wrong else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
