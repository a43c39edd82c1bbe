"""The command line's generation subcommand: a clip from text (or an animated image) with a local
video model (LTX-Video, Wan, CogVideoX folders; never downloaded).

    t2v-desktop generate "waves at sunset" --seconds 4 -o waves.mp4
    t2v-desktop generate "the logo spins slowly" --image logo.png -o logo.mp4 --model ~/models/ltx-video
    t2v-desktop generate "waves at sunset" --preview kf/          # a few low-res keyframes first

The time estimate is printed before anything loads; Ctrl-C cancels and leaves no file; the same
request again is served from the content cache.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Dict, Tuple

NAMES: Tuple[str, ...] = ("generate",)


def add_parsers(sub) -> None:
    g = sub.add_parser("generate", help="a video clip from text (or animate an image) with a local video model",
                       description="Generate a clip from a prompt with a local text-to-video model "
                                   "(default: ltx-video; see `t2v-desktop models`).")
    g.add_argument("prompt", help="what the clip shows, e.g. \"waves at sunset\"")
    g.add_argument("-o", "--output", help="OUT.mp4 (required unless --preview)")
    g.add_argument("--seconds", type=float, default=4.0, help="length in seconds (default 4)")
    g.add_argument("--model", default="", help="model name, Hugging Face repo id or folder (default ltx-video)")
    g.add_argument("--seed", type=int, default=0, help="same seed, same clip (default 0)")
    g.add_argument("--image", help="a still (PNG/JPEG) to animate: image-to-video")
    g.add_argument("--fps", type=float, help="frames per second (default: the model's, e.g. 24)")
    g.add_argument("--size", help="WIDTHxHEIGHT (default: the model's native size; rounded to its stride)")
    g.add_argument("--steps", type=int, default=0, help="denoising steps (default: the model's)")
    g.add_argument("--guidance", type=float, help="how closely to follow the prompt (default: the model's)")
    g.add_argument("--preview", metavar="DIR", help="write a few low-res keyframes (PNG) here instead")
    g.add_argument("--keyframes", type=int, default=3, help="how many preview keyframes (default 3)")
    g.add_argument("-y", "--yes", action="store_true", help="overwrite OUT if it exists")


def _size(text) -> Tuple[int, int]:
    from .errors import ParamError

    if not text:
        return 0, 0
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise ParamError(f"--size takes WIDTHxHEIGHT, e.g. 768x512 (got '{text}').") from None
    if not (16 <= w <= 4096 and 16 <= h <= 4096):
        raise ParamError(f"--size {w}x{h} is out of range (16 to 4096 per side).")
    return w, h


def cmd_generate(args) -> int:
    from .cli_signals import sigint_cancels
    from .engine.generate import estimate_clip, generate_clip, preview_clip
    from .errors import ParamError
    from .jobs import CancelToken
    from .termprogress import TermProgress

    width, height = _size(args.size)
    out = Path(args.output) if args.output else None
    if out is None and not args.preview:
        raise ParamError("Say where to write the clip: -o OUT.mp4 (or --preview DIR for keyframes first).")
    if out is not None and out.exists() and not args.yes:
        raise ParamError(f"{out} exists; add -y to overwrite it.")
    if out is not None and out.suffix.lower() not in (".mp4", ".m4v", ".mov", ".mkv", ".webm"):
        raise ParamError(f"Write the clip to a video file such as OUT.mp4 (got '{out.name}').")
    kw = dict(seconds=args.seconds, model=args.model, seed=args.seed, image=args.image, fps=args.fps,
              width=width, height=height, steps=args.steps, guidance=args.guidance)
    plan = estimate_clip(args.prompt, preview=bool(args.preview), **kw)
    print(plan.describe(), file=sys.stderr)
    bar = TermProgress(sys.stderr)
    token = CancelToken()
    try:
        with sigint_cancels(token):
            if args.preview:
                shots = preview_clip(args.prompt, n=args.keyframes, progress=bar, cancel=token, **kw)
            else:
                clip = generate_clip(args.prompt, out=out, progress=bar, cancel=token, **kw)
    finally:
        bar.finish()
    if args.preview:
        import cv2

        folder = Path(args.preview)
        folder.mkdir(parents=True, exist_ok=True)
        for i, frame in shots:
            path = folder / f"gen-frame{i:06d}.png"
            cv2.imwrite(str(path), frame[..., ::-1])
            print(path)
        return 0
    how = "from the cache" if clip.cached else "generated"
    print(f"Wrote {clip.path} ({clip.frames} frames, {clip.seconds:.2f} s at {float(clip.fps):g} fps, "
          f"{clip.width}x{clip.height}, {how}; {clip.description})", file=sys.stderr)
    return 0


HANDLERS: Dict[str, Callable] = {"generate": cmd_generate}


def generate_first(project, text: str) -> None:
    """For ``apply``: clips that typed commands generate ("generate a 4 second clip of waves") are
    rendered first, each with its estimate, a progress bar and Ctrl-C, into the content cache the
    command then reads, as the editor's job does."""
    import os

    from .cli_signals import sigint_cancels
    from .commands import parse
    from .commands.generate_commands import GenerateClip, clip_request
    from .engine.generate import estimate_clip, generate_clip
    from .errors import T2VError
    from .jobs import CancelToken
    from .termprogress import TermProgress

    try:
        steps = [s for s in parse(text, {"base": os.getcwd()}).steps if isinstance(s, GenerateClip)]
    except T2VError:
        return  # apply reports it
    for step in steps:
        kw = clip_request(step, project)
        print(estimate_clip(step.prompt, **kw).describe(), file=sys.stderr)
        bar = TermProgress(sys.stderr)
        token = CancelToken()
        try:
            with sigint_cancels(token):
                generate_clip(step.prompt, progress=bar, cancel=token, **kw)
        finally:
            bar.finish()
