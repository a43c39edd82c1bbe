"""Generated clips as files: a video model's frames (diffusion/generate.py) written to an MP4.

Sits in engine/ because it needs both diffusion/ (the model) and media/ (the encoder), which do not
know each other. Results are cached by content: the key is the model's identity (repo + file
fingerprint), the prompt, every parameter, the seed and the image's identity, so asking again costs
nothing and a changed model renders again (the files live in the user data folder: projects use
them). Files are written to a temp name and renamed, so a
cancelled or failed generation leaves nothing behind.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from ..errors import ParamError
from ..fsutil import temp_path_for
from ..jobs import check, no_progress
from .cache import content_key, source_identity

#: Bump when the way frames become a file changes.
GENERATE_VERSION = 1


@dataclass
class GeneratedClip:
    path: Path
    frames: int
    fps: Fraction
    width: int
    height: int
    cached: bool
    model: str
    description: str = ""

    @property
    def seconds(self) -> float:
        return self.frames / float(self.fps)


def generated_dir() -> Path:
    """Where generated clips live: the user data folder, not the cache, because projects refer to
    them by path (clearing a cache must not break a project). Named by content key, so it is still a
    content cache: the same request finds its file."""
    from ..paths import data_dir

    return data_dir() / "generated"


def _read_image(path: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except FileNotFoundError:
        raise ParamError(f"No image at {path}; give the path of a PNG or JPEG to animate.") from None
    except (UnidentifiedImageError, OSError) as e:
        raise ParamError(f"Cannot read {path} as an image ({e}); use a PNG or JPEG.") from None


def _request(prompt: str, *, seconds: float, fps, width: int, height: int, steps: int, guidance, seed: int,
             image: Optional[str], preview: bool):
    from ..diffusion.generate import GenerateRequest

    return GenerateRequest(prompt=prompt.strip(), seconds=float(seconds), fps=fps, width=int(width),
                           height=int(height), steps=int(steps), guidance=guidance, seed=int(seed),
                           image=_read_image(image) if image else None, preview=preview)


def _device_name() -> str:
    if importlib.util.find_spec("torch") is None:
        return "cpu"
    from ..diffusion.device import pick_device

    return pick_device().name


def resolve_generator(model: str = "", *, image: Optional[str] = None):
    """The model to generate with (registry name, repo id or folder; default LTX-Video). Torch-free."""
    from ..diffusion.models import resolve

    return resolve(model, tasks=("i2v",) if image else ("t2v",))


def estimate_clip(prompt: str, *, seconds: float = 4.0, model: str = "", image: Optional[str] = None,
                  fps=None, width: int = 0, height: int = 0, steps: int = 0, guidance=None, seed: int = 0,
                  preview: bool = False):
    """The sized plan with its time estimate, before anything loads (configs and headers only)."""
    from ..diffusion.generate import plan

    resolved = resolve_generator(model, image=image)
    req = _request(prompt, seconds=seconds, fps=fps, width=width, height=height, steps=steps,
                   guidance=guidance, seed=seed, image=image, preview=preview)
    return plan(resolved, req, _device_name())


def clip_key(resolved, req, image: Optional[str]) -> str:
    from ..diffusion.models import fingerprint

    params = dict(prompt=req.prompt, seconds=req.seconds, fps=req.fps, width=req.width, height=req.height,
                  steps=req.steps, guidance=req.guidance, negative=req.negative_prompt, preview=req.preview)
    return content_key("generate", GENERATE_VERSION, resolved.id, fingerprint(resolved.path), params, req.seed,
                       source_identity(image) if image else None)


def generate_clip(prompt: str, *, seconds: float = 4.0, model: str = "", seed: int = 0,
                  image: Optional[str] = None, fps=None, width: int = 0, height: int = 0, steps: int = 0,
                  guidance=None, out: Optional[Path] = None,
                  progress: Callable[[float, float, str], None] = no_progress, cancel=None) -> GeneratedClip:
    """Generate (or reuse) a clip from ``prompt`` (animating ``image`` when given) as an MP4.

    Returns where it is (``out`` when given, else the cache file). Cancel raises Cancelled and leaves
    no file; a second identical request is a cache hit that loads no model.
    """
    from ..diffusion.run import require_backend

    resolved = resolve_generator(model, image=image)
    req = _request(prompt, seconds=seconds, fps=fps, width=width, height=height, steps=steps,
                   guidance=guidance, seed=seed, image=image, preview=False)
    key = clip_key(resolved, req, image)
    cached_file = generated_dir() / key[:2] / f"{key}.mp4"
    hit = cached_file.is_file()
    if hit:
        progress(1, 1, f"Generated clip: reused the cached render {cached_file.name}.")
    else:
        require_backend(prompt)
        from ..cluster import run_task  # an active Ray cluster makes it on a (GPU) worker; else here
        from ..diffusion.generate import generate_frames

        frames, plan = run_task(generate_frames, resolved, req, progress=progress, cancel=cancel, label="Generating")
        check(cancel)
        write_frames(cached_file, frames, plan.fps)
    target = cached_file
    if out is not None:
        target = Path(out)
        copy_atomic(cached_file, target)
    from ..media.info import probe

    info = probe(str(target))
    return GeneratedClip(path=target, frames=int(info.frame_count or 0), fps=Fraction(info.fps),
                         width=info.width, height=info.height, cached=hit, model=resolved.id,
                         description=f"{prompt.strip()} ({resolved.family.label}, seed {seed})")


def preview_clip(prompt: str, *, n: int = 3, seconds: float = 4.0, model: str = "", seed: int = 0,
                 image: Optional[str] = None, fps=None, width: int = 0, height: int = 0, steps: int = 0,
                 guidance=None, progress=no_progress, cancel=None) -> list[tuple[int, np.ndarray]]:
    """A quick look first: the first frames at half size with few steps; ``n`` of them, with indices."""
    from ..diffusion.generate import generate_frames
    from ..diffusion.run import require_backend

    resolved = resolve_generator(model, image=image)
    req = _request(prompt, seconds=seconds, fps=fps, width=width, height=height, steps=steps,
                   guidance=guidance, seed=seed, image=image, preview=True)
    require_backend(prompt)
    frames, _plan = generate_frames(resolved, req, progress=progress, cancel=cancel)
    idx = sorted({int(round(x)) for x in np.linspace(0, len(frames) - 1, max(1, min(n, len(frames))))})
    return [(i, frames[i]) for i in idx]


def write_frames(path: Path, frames, fps: Fraction) -> Path:
    """Frames to an H.264 MP4 (video only), atomically."""
    from ..media.encoder import Encoder
    from ..media.presets import preset_for_path

    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames[0].shape[:2]
    ew, eh = w - w % 2, h - h % 2  # yuv420p needs even sides
    with Encoder(path, width=ew, height=eh, fps=fps, preset=preset_for_path(path), has_audio=False) as enc:
        for f in frames:
            enc.write_frame(np.ascontiguousarray(f[:eh, :ew]))
    return path


def copy_atomic(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(dst)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
