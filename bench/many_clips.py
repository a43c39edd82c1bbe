"""Many clips: exporting N cuts of one file must cost about what exporting the file as one clip does.

Generates a 40 s 640x360 30 fps clip with sound (media/synth.py), then exports, each in its own
subprocess (so peak RSS is that export's alone):
  one clip:  the 40 s as a single clip
  N cuts:    the same 40 s as N consecutive clips (spans on frame edges that tile the file), in order,
             or with --shuffled also the same cuts in a shuffled order (every cut is then a seek)
and prints per export the wall and CPU time (user+sys of the child), its peak RSS (ru_maxrss from
wait4), the time to build the Renderer and the files it holds open right after (build must be
cheap: nothing decoded, no file opened per clip), and the ratios N cuts / one clip. The table grows
N = 10, 100, 400, 1000 (--quick: 10, 100, 400; --n to choose). Goal: 400 cuts <= 1.5x one clip in
time and in peak RSS. The load average is printed: on a busy machine prefer the CPU ratios.

--rgb exports through RGB (the Renderer's frames, no YUV fast path) as a clip with ops would.

    python bench/many_clips.py [--quick] [--n 10,100,400,1000] [--shuffled] [--rgb] [--seconds 40]
                               [--size 640x360] [--preset h264] [--repeat 1] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

FPS = Fraction(30)


def make_input(path: Path, width: int, height: int, seconds: float) -> Path:
    from t2v_desktop.media.synth import make_test_clip

    if not path.exists():
        t = time.monotonic()
        make_test_clip(path, width=width, height=height, fps=FPS, duration=seconds, pattern="gradient",
                       crf=20, gop=60, number_frames=True)
        print(f"generated {path.name} ({width}x{height} 30 fps {seconds:g} s, GOP 2 s) in "
              f"{time.monotonic() - t:.1f} s", flush=True)
    return path


def build_project(src: str, n: int, order: str):
    """``n`` clips tiling the file on frame edges (n == 0: the file as one clip)."""
    from t2v_desktop.engine.stages import grid_frame_count
    from t2v_desktop.project.model import Clip, Project

    project = Project.from_media(src)
    if n == 0:
        return project
    total = grid_frame_count(src, FPS)
    n = min(n, total)
    edges = [k * total // n for k in range(n + 1)]
    clips = [Clip(source=src, in_point=float(edges[k] / FPS), out_point=float(edges[k + 1] / FPS), name=f"cut {k}")
             for k in range(n)]
    if order == "shuffled":
        random.Random(1).shuffle(clips)
    project.main_track.items[:] = clips
    return project


def _open_files() -> int:
    try:
        return sum(1 for fd in os.listdir("/proc/self/fd")
                   if os.path.realpath(f"/proc/self/fd/{fd}").endswith((".mp4", ".mov", ".mkv")))
    except OSError:
        return -1


def child(args) -> int:
    """One export in this process; prints one JSON line."""
    from t2v_desktop.engine.export import export_project
    from t2v_desktop.engine.render import Renderer
    from t2v_desktop.ops import load_all

    load_all()
    project = build_project(args.src, args.n, args.order)
    t = time.monotonic()
    with Renderer(project) as r:  # what opening the project in the editor costs the engine
        build_s = time.monotonic() - t
        open_after_build = _open_files()
        frames = r.frame_count
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t = time.monotonic()
    res = export_project(project, args.out, args.preset)
    wall = time.monotonic() - t
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    print(json.dumps({"wall": wall, "cpu": cpu, "frames": res.frames, "render_frames": frames,
                      "yuv_frames": res.yuv_frames, "build_s": build_s, "open_after_build": open_after_build,
                      "clips": len(project.main_track.items)}))
    return 0


def run_child(src: Path, out: Path, n: int, order: str, preset: str, rgb: bool = False) -> dict:
    cmd = [sys.executable, __file__, "--child", "--src", str(src), "--out", str(out), "--n", str(n),
           "--order", order, "--preset", preset]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if rgb:
        env["T2V_EXPORT_YUV"] = "0"
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    stdout = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        raise SystemExit(f"export of {n} clips ({order}) failed with exit code {p.returncode}")
    r = json.loads(stdout.decode().strip().splitlines()[-1])
    r["peak_mb"] = ru.ru_maxrss / 1024  # KiB on Linux
    return r


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--preset", default="h264")
    ap.add_argument("--n", default=None, help="comma-separated clip counts (default 10,100,400,1000)")
    ap.add_argument("--quick", action="store_true", help="N = 10, 100, 400 only")
    ap.add_argument("--shuffled", action="store_true", help="also export the cuts in a shuffled order")
    ap.add_argument("--rgb", action="store_true", help="export through RGB (no YUV fast path)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; the best time counts (peak RSS: the max)")
    ap.add_argument("--workdir", help="keep the generated input here (default: a temp folder)")
    # internal: one export in a child process
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--src", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--order", default="in-order", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        args.n = int(args.n)
        return child(args)
    sys.path.insert(0, str(ROOT))
    ns = [int(x) for x in (args.n or ("10,100,400" if args.quick else "10,100,400,1000")).split(",")]
    w, h = (int(x) for x in args.size.lower().split("x"))
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="t2v-many-"))
    work.mkdir(parents=True, exist_ok=True)
    src = make_input(work / f"in-{w}x{h}-{args.seconds:g}s.mp4", w, h, args.seconds)
    from t2v_desktop.media.presets import get_preset

    ext = get_preset(args.preset).extension
    print(f"machine: {os.cpu_count()} CPUs, load average {load()}; preset {args.preset}; "
          f"{'RGB path' if args.rgb else 'YUV fast path where it applies'}; best of {max(1, args.repeat)}",
          flush=True)

    def measure(n: int, order: str) -> dict:
        runs = [run_child(src, work / f"out-{n}-{order}{ext}", n, order, args.preset, args.rgb)
                for _ in range(max(1, args.repeat))]
        best = dict(min(runs, key=lambda r: r["wall"]))
        best["cpu"] = min(r["cpu"] for r in runs)
        best["peak_mb"] = max(r["peak_mb"] for r in runs)
        return best

    base = measure(0, "in-order")
    print(f"one clip: wall {base['wall']:.2f} s, cpu {base['cpu']:.2f} s, peak RSS {base['peak_mb']:.0f} MB, "
          f"{base['frames']} frames ({base['yuv_frames']} via the YUV fast path); load {load()}", flush=True)
    orders = ["in-order"] + (["shuffled"] if args.shuffled else [])
    print(f"{'clips':>6} {'order':<9} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'x wall':>7} {'x cpu':>6} "
          f"{'x RSS':>6} {'build s':>8} {'open':>5} {'yuv':>5}  load")
    rows = []
    for n in ns:
        for order in orders:
            r = measure(n, order)
            if r["frames"] != base["frames"]:
                print(f"  !! {n} cuts exported {r['frames']} frames, one clip {base['frames']}")
            row = (n, order, r["wall"] / base["wall"], r["cpu"] / base["cpu"], r["peak_mb"] / base["peak_mb"])
            rows.append(row)
            print(f"{r['clips']:>6} {order:<9} {r['wall']:7.2f} {r['cpu']:7.2f} {r['peak_mb']:8.0f} {row[2]:7.2f} "
                  f"{row[3]:6.2f} {row[4]:6.2f} {r['build_s']:8.2f} {r['open_after_build']:>5} "
                  f"{r['yuv_frames']:>5}  {load()}", flush=True)
    print(f"summary (load average now {load()}; goal for 400 cuts: <= 1.5x in time and peak RSS):")
    for n, order, wr, cr, mr in rows:
        print(f"  {n:>5} cuts {order:<9} wall {wr:.2f}x  cpu {cr:.2f}x  peak RSS {mr:.2f}x")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
