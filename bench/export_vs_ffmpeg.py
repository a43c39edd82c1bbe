"""Export speed: t2v-desktop's export vs the ffmpeg CLI doing the same job, in the same run.

Generates a 1080p30 clip with sound (10 s by default), then times, per line of --ops,
  ours:    an op via the op registry (brightness, flip, rotate 90, resize to 1280x720, ...),
           export_project(..., preset) to H.264/AAC
  ffmpeg:  ffmpeg -i in -vf FILTER -c:v libx264 -preset P -crf C -c:a aac out.mp4, with the filter
           that does the same (eq, hflip, transpose, scale)
with the x264 preset/CRF read from our preset, and prints wall and CPU (user+sys) time of both and
the ratios ours/ffmpeg (goal <= 1.0), the load average, and how many of our frames took the YUV
fast path (engine/yuv.py). --ops none measures the pipeline alone (decode -> encode);
--no-fast-path forces the RGB path. The ffmpeg CLI is only a reference; t2v-desktop never calls it.

    python bench/export_vs_ffmpeg.py [--seconds 10] [--size 1920x1080] [--preset h264]
                                     [--ops brightness,hflip,rotate,resize] [--repeat 1] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path


def make_input(path: Path, width: int, height: int, seconds: float) -> Path:
    from t2v_desktop.media.synth import make_test_clip

    if not path.exists():
        t = time.monotonic()
        make_test_clip(path, width=width, height=height, fps=Fraction(30), duration=seconds,
                       pattern="gradient", crf=20, gop=60, number_frames=True)
        print(f"generated {path.name} ({width}x{height} 30 fps {seconds:g} s) in {time.monotonic() - t:.1f} s")
    return path


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


#: --ops choices: our op stack and the ffmpeg filter that does about the same.
OPS = {
    "color": ([("brightness", {"amount": 0.1}), ("contrast", {"amount": 0.2})], "eq=brightness=0.1:contrast=1.2"),
    "brightness": ([("brightness", {"amount": 0.1})], "eq=brightness=0.1"),
    # the same maths as our brightness (x + 0.1 (1 - x) per RGB channel): ffmpeg then converts to
    # RGB and back as we do, so both sides do the same work on the same picture
    "brightness-rgb": ([("brightness", {"amount": 0.1})],
                       "lutrgb=r='val+0.1*(255-val)':g='val+0.1*(255-val)':b='val+0.1*(255-val)'"),
    "none": ([], None),  # pipeline overhead only: decode -> encode
    "hflip": ([("flip", {"direction": "horizontal"})], "hflip"),
    "rotate": ([("rotate", {"degrees": 90})], "transpose=clock"),
    "resize": ([("resize", {"width": 1280, "height": 720})], "scale=1280:720"),
    "gamma": ([("gamma", {"gamma": 1.2})], "eq=gamma=1.2"),  # no YUV form: the RGB path, for reference
}


def warm_up() -> None:
    """Import what an export uses before timing it: module imports (~0.5 s of CPU for cv2, PyAV and
    the op registry) are start-up, like ffmpeg's own, not export work."""
    import av  # noqa: F401
    import cv2  # noqa: F401

    from t2v_desktop.engine import export, render, stages  # noqa: F401
    from t2v_desktop.media import audio, encoder, frames  # noqa: F401
    from t2v_desktop.ops import load_all

    load_all()
    try:
        from t2v_desktop.engine import yuv  # noqa: F401
    except ImportError:  # an older checkout (before the fast path)
        pass


def run_ours(src: Path, out: Path, preset_name: str, ops, fast: bool = True) -> tuple[float, float, int]:
    from t2v_desktop.engine.export import export_project
    from t2v_desktop.project.model import AppliedOp, Project

    project = Project.from_media(str(src))
    clip = project.main_track.clips[0]
    clip.ops.extend(AppliedOp(name, params) for name, params in ops)
    t, c = time.monotonic(), _cpu(resource.RUSAGE_SELF)
    kw = {} if fast else {"fast_path": False}  # (older checkouts have no such argument)
    res = export_project(project, out, preset_name, **kw)
    return time.monotonic() - t, _cpu(resource.RUSAGE_SELF) - c, getattr(res, "yuv_frames", 0)


def run_ffmpeg(src: Path, out: Path, preset, vf) -> tuple[float, float]:
    opts = dict(preset.video_options or {})
    x264_preset = str(opts.get("preset", "medium"))
    crf = str(opts.get("crf", "23"))
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(src)]
    if vf:
        cmd += ["-vf", vf]
    cmd += ["-c:v", "libx264", "-preset", x264_preset, "-crf", crf, "-pix_fmt", "yuv420p", "-c:a", "aac"]
    if preset.audio_bitrate:
        cmd += ["-b:a", str(preset.audio_bitrate)]
    cmd.append(str(out))
    t, c = time.monotonic(), _cpu(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True)
    return time.monotonic() - t, _cpu(resource.RUSAGE_CHILDREN) - c


def describe(path: Path) -> str:
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        n = sum(1 for _ in c.demux(v) if _.size)
        a = "aac" if c.streams.audio else "no audio"
        return f"{v.codec_context.name} {v.width}x{v.height} {n} frames, {a}, {path.stat().st_size / 1e6:.1f} MB"


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def bench_line(name: str, src: Path, work: Path, preset, args) -> tuple[float, float]:
    ours_out, ff_out = work / f"ours-{name}{preset.extension}", work / f"ffmpeg-{name}{preset.extension}"
    ours, ff = [], []
    load_before = load()
    for _ in range(max(1, args.repeat)):  # alternate, so both see the same machine state
        for p in (ours_out, ff_out):
            p.unlink(missing_ok=True)
        ours.append(run_ours(src, ours_out, args.preset, OPS[name][0], not args.no_fast_path))
        ff.append(run_ffmpeg(src, ff_out, preset, OPS[name][1]))
    print(f"--ops {name}: load average {load_before} -> {load()}; our frames via the YUV fast path: "
          f"{ours[-1][2]}")
    for who, runs, out in (("ours", ours, ours_out), ("ffmpeg", ff, ff_out)):
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        print(f"  {who:<7}: wall {wall:6.2f} s, cpu {cpu:6.2f} s  ({describe(out)})  "
              f"runs: {', '.join(f'{r[0]:.2f}/{r[1]:.2f}' for r in runs)}")
    w_ratio = min(r[0] for r in ours) / min(r[0] for r in ff)
    c_ratio = min(r[1] for r in ours) / min(r[1] for r in ff)
    print(f"  ratio ours/ffmpeg: wall {w_ratio:.2f}, cpu {c_ratio:.2f}", flush=True)
    if not args.workdir:
        for p in (ours_out, ff_out):
            p.unlink(missing_ok=True)
    return w_ratio, c_ratio


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--preset", default="h264")
    ap.add_argument("--ops", default="brightness",
                    help=f"comma-separated lines, each one of: {', '.join(sorted(OPS))} (or 'all'). brightness: "
                         "vs eq; color: brightness+contrast vs eq; brightness-rgb: vs lutrgb with our exact "
                         "curve; none: pipeline only; hflip/rotate/resize: vs hflip/transpose/scale")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; the best time counts")
    ap.add_argument("--no-fast-path", action="store_true", help="export through RGB (engine/yuv.py off)")
    ap.add_argument("--workdir", help="keep the generated input and outputs here (default: a temp folder)")
    args = ap.parse_args()
    if shutil.which("ffmpeg") is None:
        print("ffmpeg CLI not found: it is the reference this benchmark compares against.", file=sys.stderr)
        return 1
    names = ["brightness", "hflip", "rotate", "resize"] if args.ops == "all" else args.ops.split(",")
    for n in names:
        if n not in OPS:
            ap.error(f"unknown --ops line {n!r}; choose from {', '.join(sorted(OPS))}")
    from t2v_desktop.media.presets import get_preset

    preset = get_preset(args.preset)
    w, h = (int(x) for x in args.size.lower().split("x"))
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="t2v-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    src = make_input(work / f"in-{w}x{h}-{args.seconds:g}s.mp4", w, h, args.seconds)
    opts = preset.video_options or {}
    print(f"machine: {os.cpu_count()} CPUs, load average {load()}; preset {preset.name}: x264 "
          f"preset={opts.get('preset')} crf={opts.get('crf')}; best of {max(1, args.repeat)}", flush=True)
    warm_up()
    ratios = {n: bench_line(n, src, work, preset, args) for n in names}
    print(f"summary (load average now {load()}; goal <= 1.0; CPU time is the steadier measure on a busy machine):")
    for n, (wr, cr) in ratios.items():
        print(f"  {n:<15} wall {wr:.2f}  cpu {cr:.2f}")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
