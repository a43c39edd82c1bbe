"""Composition speed: a multi-track project exported by t2v-desktop vs the same job as an ffmpeg
-filter_complex, in the same run.

The job (1080p30, 10 s by default): clip A (6 s) crossfades over 1 s into clip B (5 s) on the main
track, a 640x360 clip plays picture-in-picture in the bottom-right corner for the whole programme, a
PNG logo with alpha sits in the top-right corner, and a music track is mixed under the clips' sound.

  ours:    the project (schema v2) -> export_project(..., preset) to H.264/AAC
  ffmpeg:  xfade + overlay + overlay, acrossfade + amix (normalize=0), libx264 with our preset's
           x264 preset/CRF, AAC

Prints wall and CPU (user+sys) of both and the ratios ours/ffmpeg (goal <= 1.0), with the load
average. The ffmpeg CLI is only a reference; t2v-desktop never calls it.

    python bench/compose_vs_ffmpeg.py [--seconds 10] [--size 1920x1080] [--preset h264] [--repeat 1]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import export_vs_ffmpeg as base  # noqa: E402  (the shared helpers: inputs, timing, load)

PIP_SIZE = (640, 360)
MARGIN = 40  # pixels from the frame's edges for the PIP and the logo


def make_inputs(work: Path, w: int, h: int, seconds: float):
    import av
    import numpy as np
    from PIL import Image

    from t2v_desktop.media.synth import make_test_clip

    a_len, fade = seconds * 0.6, 1.0
    b_len = seconds - a_len + fade
    a = work / f"a-{w}x{h}-{a_len:g}.mp4"
    b = work / f"b-{w}x{h}-{b_len:g}.mp4"
    pip = work / f"pip-{seconds:g}.mp4"
    for path, dur, pat, tone, size in ((a, a_len, "gradient", 440.0, (w, h)), (b, b_len, "bars", 550.0, (w, h)),
                                       (pip, seconds, "gradient", 330.0, PIP_SIZE)):
        if not path.exists():
            make_test_clip(path, width=size[0], height=size[1], fps=Fraction(30), duration=dur, pattern=pat,
                           tone_hz=tone, crf=20, gop=60)
    logo = work / "logo.png"
    if not logo.exists():
        rgba = np.zeros((120, 240, 4), np.uint8)
        rgba[10:110, 10:230] = (250, 200, 30, 220)
        rgba[40:80, 40:200] = (20, 20, 20, 255)
        Image.fromarray(rgba, "RGBA").save(logo)
    music = work / f"music-{seconds:g}.m4a"
    if not music.exists():
        sr = 48000
        n = int(seconds * sr)
        t = np.arange(n) / sr
        wave = (0.15 * np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))).astype(np.float32)
        with av.open(str(music), "w") as out:
            st = out.add_stream("aac", rate=sr)
            st.layout = "stereo"
            for s in range(0, n, 1024):
                fr = av.AudioFrame.from_ndarray(np.ascontiguousarray(np.stack([wave[s:s + 1024]] * 2)),
                                                format="fltp", layout="stereo")
                fr.sample_rate, fr.pts = sr, s
                for pkt in st.encode(fr):
                    out.mux(pkt)
            for pkt in st.encode():
                out.mux(pkt)
    return a, b, pip, logo, music, a_len, fade


def build_project(a, b, pip, logo, music, fade: float, w: int, h: int):
    from t2v_desktop.project.model import Clip, ImageSource, Project, Track, Transform, Transition

    p = Project(width=w, height=h, fps=Fraction(30))
    p.main_track.items[:] = [Clip(str(a)), Transition("dissolve", fade), Clip(str(b))]
    mx, my = MARGIN / w, MARGIN / h
    p.tracks.append(Track(name="PIP", items=[Clip(str(pip), transform=Transform(
        fit="native", x=1 - mx, y=1 - my, anchor_x=1.0, anchor_y=1.0))]))
    seconds = None
    from t2v_desktop.engine.layout import TimelineLayout

    seconds = TimelineLayout(p).duration
    p.tracks.append(Track(name="Logo", items=[Clip(ImageSource(str(logo)), out_point=seconds, transform=Transform(
        fit="native", x=1 - mx, y=my, anchor_x=1.0, anchor_y=0.0))]))
    p.tracks.append(Track("audio", [Clip(str(music))], name="Music", role="music"))
    return p


def run_ours(project, out: Path, preset_name: str):
    from t2v_desktop.engine.export import export_project

    t, c = time.monotonic(), base._cpu(resource.RUSAGE_SELF)
    res = export_project(project, out, preset_name)
    return time.monotonic() - t, base._cpu(resource.RUSAGE_SELF) - c, res


def run_ffmpeg(a, b, pip, logo, music, a_len: float, fade: float, seconds: float, out: Path, preset):
    opts = dict(preset.video_options or {})
    graph = (f"[0:v][1:v]xfade=transition=fade:duration={fade:g}:offset={a_len - fade:g}[base];"
             f"[base][2:v]overlay=x=W-w-{MARGIN}:y=H-h-{MARGIN}[v1];"
             f"[v1][3:v]overlay=x=W-w-{MARGIN}:y={MARGIN}:shortest=1[v];"
             f"[0:a][1:a]acrossfade=d={fade:g}:c1=qsin:c2=qsin[ab];"
             f"[ab][2:a][4:a]amix=inputs=3:normalize=0:duration=first[a]")
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(a), "-i", str(b), "-i", str(pip),
           "-loop", "1", "-framerate", "30", "-t", f"{seconds:g}", "-i", str(logo), "-i", str(music),
           "-filter_complex", graph,
           "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", str(opts.get("preset", "medium")),
           "-crf", str(opts.get("crf", "23")), "-pix_fmt", "yuv420p", "-c:a", "aac"]
    if preset.audio_bitrate:
        cmd += ["-b:a", str(preset.audio_bitrate)]
    cmd.append(str(out))
    t, c = time.monotonic(), base._cpu(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True)
    return time.monotonic() - t, base._cpu(resource.RUSAGE_CHILDREN) - c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--preset", default="h264")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; the best time counts")
    ap.add_argument("--workdir", help="keep the generated inputs and outputs here (default: a temp folder)")
    args = ap.parse_args()
    if shutil.which("ffmpeg") is None:
        print("ffmpeg CLI not found: it is the reference this benchmark compares against.", file=sys.stderr)
        return 1
    from t2v_desktop.media.presets import get_preset

    preset = get_preset(args.preset)
    w, h = (int(x) for x in args.size.lower().split("x"))
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="t2v-compose-"))
    work.mkdir(parents=True, exist_ok=True)
    a, b, pip, logo, music, a_len, fade = make_inputs(work, w, h, args.seconds)
    base.warm_up()
    project = build_project(a, b, pip, logo, music, fade, w, h)
    opts = preset.video_options or {}
    print(f"machine: {os.cpu_count()} CPUs, load average {base.load()}; preset {preset.name}: x264 "
          f"preset={opts.get('preset')} crf={opts.get('crf')}; best of {max(1, args.repeat)}", flush=True)
    ours, ff = [], []
    ours_out, ff_out = work / f"ours{preset.extension}", work / f"ffmpeg{preset.extension}"
    for _ in range(max(1, args.repeat)):
        for p in (ours_out, ff_out):
            p.unlink(missing_ok=True)
        ours.append(run_ours(project, ours_out, args.preset))
        ff.append(run_ffmpeg(a, b, pip, logo, music, a_len, fade, args.seconds, ff_out, preset))
    for who, runs, out in (("ours", ours, ours_out), ("ffmpeg", ff, ff_out)):
        print(f"  {who:<7}: wall {min(r[0] for r in runs):6.2f} s, cpu {min(r[1] for r in runs):6.2f} s  "
              f"({base.describe(out)})")
    w_ratio = min(r[0] for r in ours) / min(r[0] for r in ff)
    c_ratio = min(r[1] for r in ours) / min(r[1] for r in ff)
    print(f"ratio ours/ffmpeg: wall {w_ratio:.2f}, cpu {c_ratio:.2f}  (goal <= 1.0; load average now {base.load()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
