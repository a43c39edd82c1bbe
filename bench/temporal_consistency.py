"""Temporal consistency of every AI edit backend, measured the same way (issue 13).

For a static clip and a slowly panning one (a blurred texture moving 1 px per frame), each backend
edits the clip through t2v-desktop's real ai_edit path, and the mean frame-to-frame difference
(diffusion/consistency.py, 0-255 scale) of the output is printed next to the input's. A ratio near 1
means the edit flickers no more than the footage moves; per-frame image models without help are far
above it.

Backends: per-frame InstructPix2Pix (consistency off / on: shared noise, cross-frame attention, flow
fusion, deflicker), and the video families' video-to-video (LTX-Video condition pipeline, Wan, CogVideoX).
Models: tiny random-weight folders built here (default; numbers then show the mechanics, not the
quality of trained weights), or real folders with --model NAME=FOLDER (any family; repeatable).

    python bench/temporal_consistency.py                       # tiny models, CPU, 16 frames 64x64
    python bench/temporal_consistency.py --model ltx=~/models/ltx-video --size 512 --frames 49 --steps 8
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def clips(n: int, size: int) -> dict:
    """{"static": frames, "pan": frames}: a blurred random texture, still or moving 1 px a frame."""
    import cv2

    rng = np.random.default_rng(7)
    tex = np.kron(rng.integers(0, 256, (size // 8 + 1, (size + n) // 8 + 2, 3), dtype=np.uint8), np.ones((8, 8, 1), np.uint8))
    tex = cv2.GaussianBlur(tex, (0, 0), 2.0)
    static = [np.ascontiguousarray(tex[:size, :size]) for _ in range(n)]
    pan = [np.ascontiguousarray(tex[:size, (n - i):(n - i) + size]) for i in range(n)]
    return {"static": static, "pan": pan}


def backends(models: dict) -> list[tuple[str, dict]]:
    """(label, ai_edit params) per backend; consistency settings travel in '_settings'."""
    from t2v_desktop.diffusion.consistency import ConsistencySettings

    off = ConsistencySettings(shared_noise=False, cross_frame_attention=False, flow_fusion=False, deflicker=False)
    out = []
    if "ip2p" in models:
        out.append(("ip2p per-frame, consistency off", {"model": models["ip2p"], "_settings": off}))
        out.append(("ip2p per-frame, consistency on", {"model": models["ip2p"], "_settings": ConsistencySettings()}))
    for fam in ("ltx", "wan", "cogvideox"):
        if fam in models:
            out.append((f"{fam} video-to-video", {"model": models[fam], "backend": "video", "_settings": off}))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--strength", type=float, default=0.6)
    ap.add_argument("--model", action="append", default=[], metavar="FAMILY=FOLDER",
                    help="use a real model folder for a family (ip2p, ltx, wan, cogvideox)")
    ap.add_argument("--families", nargs="*", default=["ip2p", "ltx", "wan", "cogvideox"])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    import torch

    from t2v_desktop.diffusion.cache import ResultCache
    from t2v_desktop.diffusion.consistency import mean_frame_difference
    from t2v_desktop.diffusion.families import family_named
    from t2v_desktop.diffusion.run import run_ai_edit
    from t2v_desktop.ops import GenerativeContext

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    given = dict(m.split("=", 1) for m in args.model)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        models = {}
        for fam in args.families:
            if fam in given:
                models[fam] = str(Path(given[fam]).expanduser())
            elif not given:
                models[fam] = str(family_named(fam).build_tiny(tmp / f"tiny-{fam}"))
        print(f"device: {'CUDA' if torch.cuda.is_available() else 'CPU'}; {args.frames} frames of "
              f"{args.size}x{args.size}, {args.steps} steps, strength {args.strength}; models: "
              f"{'tiny random weights' if not given else given}")
        data = clips(args.frames, args.size)
        ref = {name: mean_frame_difference(frames) for name, frames in data.items()}
        print(f"input mean frame-to-frame difference: static {ref['static']:.2f}, pan {ref['pan']:.2f}")
        print(f"{'backend':<34} {'clip':<7} {'output':>8} {'input':>7} {'out-in':>7} {'seconds':>8}")
        for label, params in backends(models):
            settings = params.pop("_settings")
            for name, frames in data.items():
                ctx = GenerativeContext(fps=Fraction(24), width=args.size, height=args.size,
                                        source_key=f"bench-{name}", progress=None, cancel=None)
                t0 = time.perf_counter()
                out = run_ai_edit(frames, ctx, prompt="make it a warm sunset", strength=args.strength,
                                  guidance=7.5, image_guidance=1.5, steps=args.steps, seed=0,
                                  mode="quality", settings=settings, cache=ResultCache(tmp / "cache"),
                                  **{"model": params["model"], "backend": params.get("backend", "auto")})
                secs = time.perf_counter() - t0
                assert len(out) == len(frames) and out[0].shape == frames[0].shape
                d = mean_frame_difference(out)
                row = {"backend": label, "clip": name, "output_mfd": round(d, 3), "input_mfd": round(ref[name], 3),
                       "excess": round(d - ref[name], 3), "seconds": round(secs, 2)}
                rows.append(row)
                print(f"{label:<34} {name:<7} {d:8.2f} {ref[name]:7.2f} {d - ref[name]:7.2f} {secs:8.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if not given:
        print("(tiny random-weight models: the numbers show each backend's mechanics, not trained quality)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
