"""Script to video: how long each stage takes, with ffmpeg encoding a video of the same length, size and
frame rate (a colour source and a tone, libx264 + AAC) in the same run as the reference for the export.

Stages: parsing a 100,000-word text; the extractive summary of an 86,000-word article; building a
7-scene project (text to speech uncached, then cached); exporting it with `export_project`.
Run: .venv/bin/python bench/script_to_video.py [--size 720] [--fps 30]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SCRIPT = """# How to stay safe in a hurricane

Hurricanes bring strong winds, heavy rain and storm surge. Most harm comes from water, not wind.

## Before the storm

Store water and food for at least three days. Charge your phones and keep a battery radio.

Know your evacuation route. If officials tell you to leave, leave early.

## During the storm

Stay indoors and away from windows and glass doors. Go to a small inside room on the lowest floor.

Do not go outside during the calm eye of the storm. The wind returns quickly from the other side.

## After the storm

Avoid flood water: it can hide debris and carry electric current. Stay away from fallen power lines.

Check on your neighbours, and wait for officials to say it is safe to return home.
"""


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=720)
    ap.add_argument("--fps", type=int, default=30)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="t2v-bench-script-"))
    os.environ["T2V_CACHE_DIR"] = str(tmp / "cache")  # TTS starts uncached
    from t2v_desktop.engine.export import export_project
    from t2v_desktop.script.build import BuildOptions, build_project
    from t2v_desktop.script.parse import parse_script
    from t2v_desktop.script.summarize import extractive

    para = "Storm surge floods the coast and people move to higher ground before night. " * 6
    big = "\n\n".join([para] * 1300)
    s, t = timed(lambda: parse_script(big))
    print(f"parse: {s.words:,} words, {len(s.scenes):,} scenes in {t:.2f} s")
    art = "\n\n".join(" ".join(f"Topic {i % 50} sentence number {i} talks about storms and coasts and water."
                                for i in range(8)) for _ in range(900))
    summ, t = timed(lambda: extractive(art, target_words=180))
    print(f"extractive summary: {summ.source_words:,} -> {summ.script.words} words in {t:.2f} s")
    script = parse_script(SCRIPT)
    opts = BuildOptions(size=args.size, fps=args.fps, library=None)
    r, t_build = timed(lambda: build_project(script, opts))
    _, t_cached = timed(lambda: build_project(script, opts))
    print(f"build: {len(r.scenes)} scenes, TTS uncached {t_build:.2f} s, cached {t_cached:.2f} s")
    out = tmp / "ours.mp4"
    res, t_ours = timed(lambda: export_project(r.project, out))
    print(f"export (ours): {res.frames} frames {res.width}x{res.height} @ {args.fps} fps, {res.duration:.1f} s "
          f"of video in {t_ours:.1f} s ({res.duration / t_ours:.2f}x real time)")
    ff = shutil.which("ffmpeg")
    if ff is None:
        print("ffmpeg not found: no reference")
        return 0
    ref = tmp / "ref.mp4"
    cmd = [ff, "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c=0x1f2a44:s={res.width}x{res.height}:r={args.fps}",
           "-f", "lavfi", "-i", "sine=f=220:r=48000", "-t", f"{res.duration:.3f}", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-c:a", "aac", str(ref)]
    _, t_ref = timed(lambda: subprocess.run(cmd, check=True))
    print(f"export (ffmpeg, colour + tone, no titles/captions/mix): {t_ref:.1f} s; ours / ffmpeg = {t_ours / t_ref:.2f}x")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
