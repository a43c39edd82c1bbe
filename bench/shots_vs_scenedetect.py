"""Our shot detection (library/shots.py: hard cuts, fades, dissolves) against PySceneDetect's
ContentDetector, same files, same run.

Generated footage has known cuts (precision/recall vs truth, tolerance one frame): hard cuts, fades
through black and dissolves of 12 frames (ContentDetector is a hard-cut detector: it is expected to
miss or misplace gradual transitions; the row shows what ours adds). On the real samples
PySceneDetect's cuts are the reference. Prints time and time ratio (ours / scenedetect).
Run: .venv/bin/python bench/shots_vs_scenedetect.py
"""

import sys
import tempfile
import time
from pathlib import Path

from scenedetect import ContentDetector, detect

from t2v_desktop.library.shots import detect_cuts
from t2v_desktop.media.synth import make_shots_clip


def make_clip(path, colours, n=50, fps=25, transition="cut"):
    return make_shots_clip(path, colours, frames_per_shot=n, width=320, height=180, fps=fps, seed=1,
                           transition=transition, transition_frames=12)


def pr(found, truth, tol):
    hit = sum(any(abs(f - t) <= tol for f in found) for t in truth)
    good = sum(any(abs(f - t) <= tol for t in truth) for f in found)
    return (good / len(found) if found else 1.0), (hit / len(truth) if truth else 1.0)


def main() -> int:
    tmp = Path(tempfile.mkdtemp())
    colours = [(200, 30, 30), (30, 160, 40), (30, 40, 200), (220, 210, 40), (90, 90, 90), (240, 120, 200)]
    cases = []
    for kind in ("cut", "fade", "dissolve"):
        gen = tmp / f"gen-{kind}.mp4"
        cases.append((f"generated {kind}", gen, make_clip(gen, colours, transition=kind)))
    cases += [(p.stem, p, None) for p in sorted(Path("/work/samples").glob("*.mp4"))]
    for name, path, tr in cases:
        t0 = time.perf_counter()
        ours = [s.start for s in detect_cuts(path)][1:]
        t1 = time.perf_counter()
        ref = [a.seconds for a, _ in detect(str(path), ContentDetector())][1:]
        t2 = time.perf_counter()
        base = tr if tr is not None else ref
        p, r = pr(ours, base, 1 / 25 + 1e-3)
        line = (f"{name:18s} cuts ours={len(ours)} ref={len(base)} ({'truth' if tr else 'scenedetect'})  "
                f"precision={p:.2f} recall={r:.2f}  ours={t1 - t0:.2f}s scenedetect={t2 - t1:.2f}s "
                f"ratio={(t1 - t0) / max(1e-9, t2 - t1):.2f}")
        if tr is not None:
            sp, sr = pr(ref, tr, 1 / 25 + 1e-3)
            line += f"  scenedetect precision={sp:.2f} recall={sr:.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
