"""Benchmark: t2v-desktop `stabilize` vs ffmpeg's vid.stab (vidstabdetect + vidstabtransform).

Makes a synthetic shaken clip with a known camera path (smooth sway + per-frame jitter and
roll), stabilises it with both, decodes both results and measures the residual jitter the same
way (KLT tracking of the output, high-pass RMS of the camera path; plus phase correlation as
an independent check). Both encode with libx264 at the same settings.

    python bench/stabilize_vs_vidstab.py [--width 1920 --height 1080 --seconds 10 --fps 30]
    python bench/stabilize_vs_vidstab.py --short      # 4 s 640x360: start-up costs weigh most

ffmpeg (the CLI) is used here only as the reference; t2v-desktop never calls it.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path
from queue import Queue

import av
import cv2
import numpy as np

from t2v_desktop.project.model import AppliedOp, Clip
from t2v_desktop.engine.stages import build_chain
from t2v_desktop.jobs import no_progress
from t2v_desktop.media.encoder import Encoder
from t2v_desktop.media.presets import get_preset
from t2v_desktop.ops import FrameContext, get_op, motion

X264 = {"crf": "20", "preset": "veryfast"}


def texture(w: int, h: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    fine = rng.integers(0, 256, (h // 2, w // 2, 3), dtype=np.uint8)
    fine = cv2.resize(cv2.GaussianBlur(fine, (0, 0), 1.2), (w, h), interpolation=cv2.INTER_LINEAR)
    coarse = rng.integers(0, 256, (h // 48 + 1, w // 48 + 1, 3), dtype=np.uint8)
    coarse = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    return cv2.addWeighted(fine, 0.5, coarse, 0.5, 0)


def camera(n: int, w: int, h: int, fps: float, seed: int = 1, shake: float = 1.0):
    """True smooth path (n, 2) and actual path with jitter (n, 3: x, y, roll in rad)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fps
    smooth = np.stack([0.05 * w * np.sin(2 * np.pi * 0.15 * t) + 0.01 * w * t,
                       0.04 * h * np.sin(2 * np.pi * 0.1 * t + 1)], 1)
    jit = shake * rng.normal(0, 0.004 * w, (n, 2))          # ~7.7 px at 1080p
    roll = shake * rng.normal(0, 0.004, n)                   # ~0.23 deg
    return smooth, np.concatenate([smooth + jit, roll[:, None]], 1)


def make_clip(path: Path, w: int, h: int, fps: int, n: int, shake: float = 1.0) -> np.ndarray:
    smooth, actual = camera(n, w, h, fps, shake=shake)
    m = int(0.3 * w)
    canvas = texture(w + 2 * m + int(0.01 * w * n / fps), h + 2 * m)
    cc = np.array([w / 2 + m, canvas.shape[0] / 2])
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"crf": "16", "preset": "veryfast"}
        for i in range(n):
            x, y, a = actual[i]
            rmat = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
            off = -rmat @ (cc + (x, y)) + (w / 2, h / 2)
            img = cv2.warpAffine(canvas, np.hstack([rmat, off[:, None]]), (w, h), flags=cv2.INTER_LINEAR)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            for p in vs.encode(frame):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
    return smooth


def decode(path: Path):
    with av.open(str(path)) as c:
        st = c.streams.video[0]
        st.thread_type = "AUTO"
        for f in c.decode(st):
            yield f.to_ndarray(format="rgb24")


def ours(src: Path, dst: Path, w: int, h: int, fps: int, n: int, strength: float) -> dict:
    """Both passes as the export runs them: the analysis through the app's own stage chain (a clip's
    source under a stabilize stage, so it reads the decoder's luma planes, not RGB; uncached), then
    decode -> warp -> the app's Encoder (its RGB -> YUV conversion and x264, at vid.stab's
    settings) on a thread of its own."""
    spec = get_op("stabilize")
    preset = dataclasses.replace(get_preset("h264"), video_options=dict(X264), audio_codec=None)
    clip = Clip(source=str(src), ops=[AppliedOp("stabilize", {"strength": strength, "border": "crop"})])
    c0 = time.process_time()  # all threads of this process (decoder, OpenCV, x264)
    t0 = time.perf_counter()
    stage, _ = build_chain(clip, Fraction(fps), 48000, 2)
    try:
        luma = stage.reads_luma()
        analysis = stage._run(no_progress, None)  # TemporalStage.analysis() minus its cache
    finally:
        stage.close()
    t1 = time.perf_counter()
    q: Queue = Queue(maxsize=8)

    def encode() -> None:
        with Encoder(dst, width=w, height=h, fps=Fraction(fps), preset=preset, has_audio=False) as enc:
            while (img := q.get()) is not None:
                enc.write_frame(img)

    th = threading.Thread(target=encode)
    th.start()
    params = spec.validate({"strength": strength, "border": "crop"})
    for i, frame in enumerate(decode(src)):
        q.put(spec.fn(frame, FrameContext(i, i / fps, n / fps, Fraction(fps)), analysis, **params))
    q.put(None)
    th.join()
    t2 = time.perf_counter()
    return {"analyse_s": t1 - t0, "total_s": t2 - t0, "cpu_s": time.process_time() - c0, "luma": luma}


def analysis_only_fps(src: Path, n: int) -> float:
    frames = [f for _, f in zip(range(min(n, 120)), decode(src), strict=False)]
    tracker = motion.MotionTracker()
    t0 = time.perf_counter()
    for f in frames:
        tracker.push(f)
    return len(frames) / (time.perf_counter() - t0)


def vidstab(src: Path, dst: Path, tmp: Path, smoothing: int) -> dict:
    trf = tmp / "transforms.trf"
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    c0 = ru.ru_utime + ru.ru_stime
    t0 = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-vf",
                    f"vidstabdetect=result={trf}", "-f", "null", "-"], check=True)
    t1 = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-vf",
                    f"vidstabtransform=input={trf}:smoothing={smoothing}:optzoom=1",
                    "-c:v", "libx264", "-crf", X264["crf"], "-preset", X264["preset"],
                    "-pix_fmt", "yuv420p", str(dst)], check=True)
    t2 = time.perf_counter()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"analyse_s": t1 - t0, "total_s": t2 - t0, "cpu_s": ru.ru_utime + ru.ru_stime - c0}


def _against_truth(path: np.ndarray, true_smooth: np.ndarray) -> np.ndarray:
    """``path`` (n, 2) minus the best fit (scale + offset per axis) of the true smooth path.

    Content moves against the camera and a crop zooms it, hence the fitted scale. What is
    left is what the stabiliser failed to remove (jitter) plus how far it strayed (slowly).
    """
    n = min(len(path), len(true_smooth))
    res = np.empty((n, 2))
    for k in (0, 1):
        a = np.stack([true_smooth[:n, k], np.ones(n)], 1)
        coef, *_ = np.linalg.lstsq(a, path[:n, k], rcond=None)
        res[:, k] = path[:n, k] - a @ coef
    return res


def measure(path: Path, fps: float, true_smooth: np.ndarray) -> dict:
    """Residual jitter of the output's camera path against the true smooth path (px, deg).

    The camera path is measured by KLT tracking (motion.track) and, independently, by phase
    correlation of consecutive frames; jitter = RMS of what changes faster than ~1 Hz.
    """
    frames = list(decode(path))
    sig = 0.15 * fps
    mo = np.array(motion.track(frames, roi=0.7))
    p = motion.accumulate(*mo.T)
    res = _against_truth(p[:, :2], true_smooth)
    jx, jy = motion.highpass_rms(res[:, 0], sig), motion.highpass_rms(res[:, 1], sig)
    ja = math.degrees(motion.highpass_rms(p[:, 2], sig))  # the true roll is 0
    steps, prev = [], None
    for f in frames:
        g = cv2.resize(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), (960, 960 * f.shape[0] // f.shape[1]),
                       interpolation=cv2.INTER_AREA).astype(np.float64)
        if prev is not None:
            steps.append(cv2.phaseCorrelate(prev, g)[0])
        prev = g
    pc = np.cumsum(np.array([(0.0, 0.0)] + steps), 0) * frames[0].shape[1] / 960.0
    pres = _against_truth(pc, true_smooth)
    pcj = math.hypot(motion.highpass_rms(pres[:, 0], sig), motion.highpass_rms(pres[:, 1], sig))
    return {"jitter_px": math.hypot(jx, jy), "jitter_deg": ja, "phasecorr_px": pcj,
            "path_dev_px": float(np.sqrt((res ** 2).sum(1).mean())), "frames": len(frames)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--strength", type=float, default=0.5)
    ap.add_argument("--smoothing", type=int, default=10, help="vidstabtransform smoothing (its default 10)")
    ap.add_argument("--keep", help="folder to keep the clips in")
    ap.add_argument("--repeat", type=int, default=2, help="timed runs of each (best is reported)")
    ap.add_argument("--no-floor", action="store_true", help="skip measuring a shake-free clip (the metric's floor)")
    ap.add_argument("--short", action="store_true",
                    help="a 4 s 640x360 clip, 5 runs each, no floor: where fixed start-up costs weigh most")
    a = ap.parse_args()
    if a.short:
        a.width, a.height, a.seconds, a.repeat, a.no_floor = 640, 360, 4.0, max(a.repeat, 5), True
    if not shutil.which("ffmpeg"):
        raise SystemExit("ffmpeg not found (needed only as the reference)")
    n = int(round(a.seconds * a.fps))
    tmp = Path(a.keep or tempfile.mkdtemp(prefix="stabbench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    src = tmp / "shaky.mp4"
    t0 = time.perf_counter()
    smooth = make_clip(src, a.width, a.height, a.fps, n)
    print(f"clip: {a.width}x{a.height} {a.fps} fps {n} frames, made in {time.perf_counter() - t0:.1f}s -> {src}")
    print(f"analysis alone (tracker on decoded frames): {analysis_only_fps(src, n):.0f} frames/s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    # interleaved repeats, best time of each: the machine may be shared
    runs_ours, runs_vs = [], []
    for k in range(max(1, a.repeat)):
        runs_ours.append(ours(src, tmp / "ours.mp4", a.width, a.height, a.fps, n, a.strength))
        runs_vs.append(vidstab(src, tmp / "vidstab.mp4", tmp, a.smoothing))
        ro, rv = runs_ours[-1], runs_vs[-1]
        print(f"run {k + 1}: ours {ro['total_s']:.2f} s wall {ro['cpu_s']:.2f} s CPU (analysis input: "
              f"{'luma planes' if ro['luma'] else 'RGB'}), vid.stab {rv['total_s']:.2f} / {rv['cpu_s']:.2f}: "
              f"wall {ro['total_s'] / rv['total_s']:.2f}x, CPU {ro['cpu_s'] / rv['cpu_s']:.2f}x; "
              f"load average {os.getloadavg()[0]:.1f}")
    r_ours = {k: min(r[k] for r in runs_ours) for k in runs_ours[0]}
    r_vs = {k: min(r[k] for r in runs_vs) for k in runs_vs[0]}
    m_in = measure(src, a.fps, smooth)
    m_ours = measure(tmp / "ours.mp4", a.fps, smooth)
    m_vs = measure(tmp / "vidstab.mp4", a.fps, smooth)
    rows = []
    if not a.no_floor:
        make_clip(tmp / "steady.mp4", a.width, a.height, a.fps, n, shake=0.0)
        rows.append(("shake-free clip (floor)", None, measure(tmp / "steady.mp4", a.fps, smooth)))
    rows += [("input", None, m_in), (f"ours (strength {a.strength})", r_ours, m_ours),
            (f"vid.stab (smoothing {a.smoothing})", r_vs, m_vs)]
    print(f"{'':28} {'analyse s':>9} {'total s':>8} {'cpu s':>7} {'jitter px':>9} {'roll deg':>8} {'phcorr px':>9} "
          f"{'path dev':>8}")
    for name, r, m in rows:
        ts = f"{r['analyse_s']:9.2f} {r['total_s']:8.2f} {r['cpu_s']:7.1f}" if r else f"{'':9} {'':8} {'':7}"
        print(f"{name:28} {ts} {m['jitter_px']:9.3f} {m['jitter_deg']:8.4f} {m['phasecorr_px']:9.3f} "
              f"{m['path_dev_px']:8.2f}")
    print(f"ratios ours/vidstab: jitter {m_ours['jitter_px'] / m_vs['jitter_px']:.2f}  "
          f"roll {m_ours['jitter_deg'] / max(m_vs['jitter_deg'], 1e-9):.2f}  "
          f"phasecorr {m_ours['phasecorr_px'] / m_vs['phasecorr_px']:.2f}  "
          f"time {r_ours['total_s'] / r_vs['total_s']:.2f}  cpu {r_ours['cpu_s'] / r_vs['cpu_s']:.2f}  "
          f"(goals: jitter <= 0.5, time <= 1.0); load average {os.getloadavg()[0]:.1f}")
    if not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
