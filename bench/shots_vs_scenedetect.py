"""Our shot detection (library/shots.py: hard cuts, fades, dissolves) against PySceneDetect's
ContentDetector, same files, same run.

Generated footage has known cuts (precision/recall vs truth, tolerance one frame): hard cuts, fades
through black and dissolves of 12 frames (ContentDetector is a hard-cut detector: it is expected to
miss or misplace gradual transitions; the row shows what ours adds), and the same over real footage
that keeps moving through the transition (samples fade/dissolve). On the real samples
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


def _frames(path, n, start=0, size=(320, 180)):
    import av

    out = []
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i >= start:
                out.append(f.to_ndarray(format="rgb24", width=size[0], height=size[1]).astype("float32"))
            if len(out) == n:
                break
    return out


def make_real_transitions(path, kind, per=45, n=12):
    """Three real shots (bikes.mp4 between its cuts, bigbuckbunny, carphone), each still moving while
    it fades/dissolves over n frames: the hard case (motion and transition at once). Cut truth times."""
    import numpy as np

    from t2v_desktop.media.synth import make_test_clip

    half = n // 2
    samples = Path("/work/samples")
    srcs = [_frames(samples / "bikes.mp4", per + n, start=77), _frames(samples / "bigbuckbunny.mp4", per + n),
            _frames(samples / "carphone_pristine.mp4", per + n)]
    out = []
    for g in range(3 * per):
        k, j = divmod(g, per)

        def cur(kk, g=g):
            return srcs[kk][g - kk * per + half]

        img = cur(k)
        if k > 0 and j < half:
            w = (half + j + 0.5) / (2 * half) if kind == "dissolve" else (j + 1) / half
            img = w * img + (1 - w) * (cur(k - 1) if kind == "dissolve" else 0)
        elif k < 2 and j >= per - half:
            jj = j - (per - half)
            img = (1 - (jj + 0.5) / (2 * half)) * img + (jj + 0.5) / (2 * half) * cur(k + 1) if kind == "dissolve" \
                else img * (half - 1 - jj) / half
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    make_test_clip(path, width=320, height=180, duration=len(out) / 25, audio=False, number_frames=False,
                   frame_fn=lambda i: out[i])
    return [per / 25, 2 * per / 25]


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
    for kind in ("fade", "dissolve"):
        real = tmp / f"real-{kind}.mp4"
        cases.append((f"samples {kind}", real, make_real_transitions(real, kind)))
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
