"""Seek benchmark: frame-accurate random access with FrameSource vs the ffmpeg CLI.

Generates a 1080p30 H.264 clip (10 s, GOP 30 = one keyframe a second, x264 "faster" crf 23,
a fixed IBBBP pattern with b-pyramid (``--bframes 0`` for an all-P stream like many phones make),
a moving textured picture with frame numbers painted in), does one sequential pass (warm:
file in the page cache, decoder set up), then times N random ``FrameSource.frame(i)`` calls with
the RGB cache off (every call decodes unless the target lies in the decoded run), checks each
frame's painted number, and times the same seeks with ``ffmpeg -ss T -i f -frames:v 1 -f null -``
(accurate seek, one process per seek). Also reports sequential decode and a backwards walk.

Then the all-intra scrubbing proxy (t2v_desktop/media/proxy.py): its build time and size, the
same random seeks on it (frame numbers checked), and its PSNR against the original frames
scaled to the proxy size. The ORIGINAL lines are exact frames at full size (playback, export,
the resting playhead); the PROXY lines are what scrubbing shows: smaller and lossy.

    python bench/seek.py [--seeks 300] [--ffmpeg-seeks 40] [--seconds 10] [--gop 30]
                         [--container mp4|mkv|ts] [--no-proxy] [--clip PATH]

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


def remux(src: Path, dst: Path) -> Path:
    """Stream-copy the video into another container (MKV: cues; TS: no sample table at all)."""
    import av

    with av.open(str(src)) as i, av.open(str(dst), "w") as o:
        ivs = i.streams.video[0]
        ovs = o.add_stream_from_template(ivs)
        for pkt in i.demux(ivs):
            if pkt.dts is None:
                continue
            pkt.stream = ovs
            o.mux(pkt)
    return dst


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255**2 / max(mse, 1e-9))


def bench_proxy(clip: Path, fs, idx: list[int], check: bool, ours95: float) -> None:
    """Build the proxy (timed), then the same random seeks on it, and its PSNR."""
    import av

    from t2v_desktop.media import proxy
    from t2v_desktop.media.synth import read_frame_number

    t, c = time.perf_counter(), time.process_time()
    path = proxy.build_proxy(clip, proxy.proxy_path(clip))
    build_wall, build_cpu = time.perf_counter() - t, time.process_time() - c
    ps = proxy.ProxySource(path)
    n = ps.frame_count
    print(f"PROXY build (MJPEG q{proxy.PROXY_QUALITY}, {ps.width}x{ps.height}, all intra): "
          f"{build_wall:.1f} s wall, {build_cpu:.1f} s CPU for {n} frames "
          f"({build_wall * 1000 / n:.1f} ms/frame; background thread in the app), "
          f"{path.stat().st_size / 1e6:.1f} MB ({path.stat().st_size / n / 1e3:.0f} KB/frame)")
    times, cpu, wrong = [], [], 0
    for i in idx:
        t, c = time.perf_counter(), time.process_time()
        f = ps.frame(i)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        wrong += read_frame_number(f) != i if check else 0
    p95 = pct(times, 95)
    print(f"PROXY random frame(i), n={len(idx)}: p50 {pct(times, 50):.1f} ms  p95 {p95:.1f} ms  "
          f"max {max(times):.1f} ms wall; CPU p50 {pct(cpu, 50):.1f} ms  p95 {pct(cpu, 95):.1f} ms; "
          f"wrong frames: {wrong}")
    vals = []
    for i in idx[:40]:
        ref = av.VideoFrame.from_ndarray(fs.frame(i), format="rgb24").reformat(
            ps.width, ps.height, "rgb24", interpolation="AREA").to_ndarray()
        vals.append(psnr(ps.frame(i), ref))
    print(f"PROXY vs ORIGINAL (scaled to {ps.width}x{ps.height}), {len(vals)} frames: PSNR mean "
          f"{statistics.mean(vals):.1f} dB, min {min(vals):.1f} dB (the synthetic clip is random "
          f"4x4 colour blocks, JPEG's worst case; real footage: 38-41 dB)")
    print(f"goal warm p95 < 40 ms: ORIGINAL (exact, {fs.width}x{fs.height}) {ours95:.1f} ms -> "
          f"{'met' if ours95 < 40 else 'NOT met'}; PROXY (scrubbing only, {ps.width}x{ps.height}, lossy) "
          f"{p95:.1f} ms -> {'met' if p95 < 40 else 'NOT met'}")
    ps.close()


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeks", type=int, default=300)
    ap.add_argument("--ffmpeg-seeks", type=int, default=40)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--gop", type=int, default=30)
    ap.add_argument("--bframes", type=int, default=3)
    ap.add_argument("--clip", type=Path, default=None, help="use this file instead of generating one")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--container", choices=("mp4", "mkv", "ts"), default="mp4")
    ap.add_argument("--no-proxy", action="store_true", help="skip the scrubbing-proxy part")
    args = ap.parse_args()
    print(f"load average at start: {', '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")

    from t2v_desktop.media.frames import FrameSource
    from t2v_desktop.media.synth import read_frame_number

    tmp = Path(tempfile.mkdtemp(prefix="t2v-seek-"))
    os.environ["T2V_CACHE_DIR"] = str(tmp / "cache")  # the proxy goes here, not the user's cache
    try:
        clip = args.clip or make_clip(tmp / "seek1080.mp4", args.seconds, args.gop, args.bframes)
        if args.clip is None and args.container != "mp4":
            clip = remux(clip, tmp / f"seek1080.{args.container}")
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
        print(f"ORIGINAL FrameSource random frame(i), warm, n={len(idx)}: p50 {ours50:.1f} ms  p95 {ours95:.1f} ms  "
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

        if not args.no_proxy:
            bench_proxy(clip, fs, idx, args.clip is None, ours95)
        ff = shutil.which("ffmpeg")
        if ff is None:
            print("ffmpeg CLI not found: skipping the reference")
            return 1 if wrong else 0
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
        print(f"ratio ffmpeg/ORIGINAL FrameSource: p50 {ff50 / ours50:.1f}x  p95 {ff95 / ours95:.1f}x  "
              f"(ffmpeg includes process start; ORIGINAL warm p95 < 40 ms -> "
              f"{'met' if ours95 < 40 else 'NOT met'})")
        print(f"load average at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
        return 1 if wrong else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
