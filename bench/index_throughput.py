"""Library indexing throughput (files/s, shots/s, media seconds per second) and peak memory.

Indexes /work/samples (real footage; bigbuckbunny has a sound track) plus generated 640x360 clips with
cuts, fades and dissolves into a fresh library, once with
every stage this machine has (shots, keyframes, motion, OCR with Tesseract, speech words with
pocketsphinx) and once with shots/keyframes/motion only. Reference row in the same run: ffmpeg decoding
the same files to null (the floor for anything that looks at every frame). Peak RSS is printed after
the first quarter of the files and after all: memory is bounded by one file, not the library (try
`--repeat 4`: the same set copied as distinct files).
Run: .venv/bin/python bench/index_throughput.py [--generated 8] [--repeat 1] [--base-only]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from t2v_desktop.library.db import open_library
from t2v_desktop.library.indexer import Tools, add_folder, find_tools
from t2v_desktop.media.synth import make_shots_clip

COLOURS = [(200, 30, 30), (30, 160, 40), (30, 40, 200), (220, 210, 40), (90, 90, 90), (240, 120, 200)]


def media_seconds(paths) -> float:
    import av

    total = 0.0
    for p in paths:
        with av.open(str(p)) as c:
            total += float(c.duration or 0) / 1e6
    return total


def ffmpeg_decode(paths) -> float:
    exe = shutil.which("ffmpeg")
    if exe is None:
        return float("nan")
    t0 = time.perf_counter()
    for p in paths:
        subprocess.run([exe, "-v", "error", "-threads", "2", "-i", str(p), "-f", "null", "-"], check=True)
    return time.perf_counter() - t0


def run(folder: Path, tools: Tools, label: str, ref: float, seconds: float) -> None:
    db = folder.parent / f"lib-{label}.sqlite"
    lib = open_library(db)
    rss = []

    def progress(done, total, msg):  # peak RSS after each file: flat when memory is bounded per file
        rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    t0 = time.perf_counter()
    msgs = add_folder(lib, folder, progress, tools=tools)
    dt = time.perf_counter() - t0
    c = lib.conn
    files = c.execute("SELECT count(*) FROM files WHERE status='ok'").fetchone()[0]
    shots = c.execute("SELECT count(*) FROM shots").fetchone()[0]
    words = c.execute("SELECT count(*) FROM words").fetchone()[0]
    ocr = c.execute("SELECT count(*) FROM ocr").fetchone()[0]
    print(f"{label:10s} stages={' '.join(tools.stages):38s} files={files} shots={shots} words={words} ocr={ocr} "
          f"time={dt:.2f}s  files/s={files / dt:.2f} shots/s={shots / dt:.2f} media-s/s={seconds / dt:.1f}  "
          f"vs ffmpeg decode {ref:.2f}s: ratio={dt / ref:.2f}" + (f"  errors={msgs}" if msgs else ""))
    q = max(1, len(rss) // 4)
    print(f"{'':10s} peak RSS after file {q}: {rss[q - 1]:.0f} MiB, after all {len(rss) - 1}: {rss[-1]:.0f} MiB")
    lib.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generated", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--base-only", action="store_true", help="skip the run with OCR and speech")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    folder = tmp / "media"
    folder.mkdir()
    for r in range(args.repeat):
        for p in sorted(Path("/work/samples").glob("*.mp4")):
            shutil.copy(p, folder / f"{p.stem}-{r}.mp4")
        for i in range(args.generated):
            kind = ("cut", "fade", "dissolve")[i % 3]
            make_shots_clip(folder / f"gen{i}-{r}.mp4", COLOURS, frames_per_shot=50, width=640, height=360,
                            seed=i + 100 * r, transition=kind, transition_frames=12)
    paths = sorted(folder.glob("*.mp4"))
    seconds = media_seconds(paths)
    ref = ffmpeg_decode(paths)
    print(f"{len(paths)} files, {seconds:.1f} s of media; ffmpeg decode to null: {ref:.2f}s")
    full = find_tools(embed=False)
    run(folder, Tools(ocr=False, words=False), "base", ref, seconds)
    if not args.base_only:
        run(folder, full, "all", ref, seconds)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
