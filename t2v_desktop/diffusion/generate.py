"""Clips made by a video pipeline: text-to-video, image-to-video and video-to-video frames (torch here).

The family adapter (families.py) says which diffusers class does the task and how to call it; this
module sizes the request to what the model accepts (frame count k * temporal + 1, sides a multiple
of the stride), times it, runs it with progress and cancel between steps, and returns uint8 frames.
Writing them to a file is the engine's job (engine/generate.py): diffusion/ does not know media/.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Optional, Sequence

import numpy as np

from ..errors import GenerativeUnavailableError, ParamError
from ..jobs import check, no_progress
from .estimate import Estimate
from .families import VideoFamily
from .models import ResolvedModel

#: Longest clip one request makes (the pipelines hold every frame's latents at once).
MAX_SECONDS = 20.0
#: Preview: this many denoising steps at most, at half the side, a short span.
PREVIEW_STEPS = 4
_LOCK = threading.Lock()
#: Rough seconds per (transformer parameter x latent token) per step, by device (bf16 GPU / fp32 CPU).
#: CUDA: measured, a 1.92 B LTX-Video transformer on 121 frames of 768x512 (6144 tokens) takes 85 ms a
#: step on an H200 (docs/gpu-benchmarks.md); MPS and CPU are rough guesses, labelled as estimates.
SECONDS_PER_PARAM_TOKEN = {"cuda": 7.2e-15, "mps": 2e-13, "cpu": 4e-12}
#: VAE decode, seconds per output pixel (H200: 0.17 s for 121 frames of 768x512).
SECONDS_PER_DECODED_PIXEL = {"cuda": 3.6e-9, "mps": 4e-8, "cpu": 4e-7}


class OutOfMemory(GenerativeUnavailableError):
    """The device ran out of memory for this many frames (video-to-video retries with fewer)."""

    def __init__(self, message: str, frames: int):
        super().__init__(message)
        self.frames = frames


@dataclass(frozen=True)
class GenerateRequest:
    """What to make. Zero / None fields take the model family's defaults."""

    prompt: str
    seconds: float = 4.0
    fps: Optional[float] = None
    width: int = 0
    height: int = 0
    steps: int = 0
    guidance: Optional[float] = None
    seed: int = 0
    negative_prompt: str = ""
    #: image-to-video: the still to animate (HxWx3 uint8)
    image: Optional[np.ndarray] = field(default=None, compare=False)
    #: video-to-video: the frames to edit and how far to move from them
    video: Optional[Sequence[np.ndarray]] = field(default=None, compare=False)
    strength: float = 0.6
    preview: bool = False

    @property
    def task(self) -> str:
        return "v2v" if self.video is not None else "i2v" if self.image is not None else "t2v"


@dataclass
class Plan:
    """A request sized for one model: what will actually run."""

    task: str
    width: int
    height: int
    frames: int  # frames the pipeline makes (k * temporal + 1)
    keep: int  # frames kept (the request's duration)
    fps: Fraction
    steps: int
    guidance: float
    estimate: Optional[Estimate] = None
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        what = {"t2v": "Generating", "i2v": "Animating", "v2v": "Video-to-video edit of"}[self.task]
        est = f": {self.estimate.describe()}" if self.estimate else ""
        notes = f" ({'; '.join(self.notes)})" if self.notes else ""
        return (f"{what} {self.keep} frames ({self.keep / float(self.fps):.2f} s at {float(self.fps):g} fps) "
                f"at {self.width}x{self.height}, {self.steps} steps{notes}{est}")


def _video_family(model: ResolvedModel) -> VideoFamily:
    fam = model.family
    if not isinstance(fam, VideoFamily):
        raise GenerativeUnavailableError(f"{model.path} holds a {fam.label} model, which cannot make video.")
    return fam


def _latent_shape(model: ResolvedModel) -> tuple[int, int, int]:
    """(spatial stride, temporal factor, VAE spatial factor) from the configs on disk (no weights)."""
    import json

    path = model.path
    vae = json.loads((path / "vae" / "config.json").read_text())
    tr = json.loads((path / "transformer" / "config.json").read_text())
    cls = vae.get("_class_name", "")
    if cls == "AutoencoderKLLTXVideo":
        ups = vae.get("spatio_temporal_scaling", (True, True, True, False))
        spatial = vae.get("patch_size", 4) * 2 ** sum(1 for u in ups if u)
        temporal = vae.get("patch_size_t", 1) * 2 ** sum(1 for u in ups if u)
    elif cls == "AutoencoderKLWan":
        spatial = 2 ** len(vae.get("temperal_downsample", [False, True, True]))
        temporal = 2 ** sum(1 for t in vae.get("temperal_downsample", [False, True, True]) if t)
    else:  # CogVideoX and others with 2D block counts
        spatial = 2 ** (len(vae.get("block_out_channels", (0,) * 4)) - 1)
        temporal = int(vae.get("temporal_compression_ratio", 4))
    patch = tr.get("patch_size", 1)
    patch = patch[-1] if isinstance(patch, (list, tuple)) else patch
    return spatial * int(patch or 1), temporal, spatial


def _fixed_size(model: ResolvedModel, vae_factor: int) -> Optional[tuple[int, int]]:
    """(width, height) a transformer with learned positional embeddings was built for (CogVideoX 5B
    image-to-video: 720x480): it cannot make any other size. None: any size."""
    import json

    tr = json.loads((model.path / "transformer" / "config.json").read_text())
    if not tr.get("use_learned_positional_embeddings"):
        return None
    return int(tr["sample_width"]) * vae_factor, int(tr["sample_height"]) * vae_factor


def _params_millions(model: ResolvedModel) -> float:
    """Parameters of the transformer from its safetensors headers (no weights read)."""
    from .models import safetensors_header

    n = 0
    for f in (model.path / "transformer").glob("*.safetensors"):
        for name, info in safetensors_header(f).items():
            if name != "__metadata__":
                n += math.prod(info.get("shape", [0]))
    return n / 1e6


def plan(model: ResolvedModel, req: GenerateRequest, device: str = "cpu") -> Plan:
    """Size ``req`` for ``model`` and estimate its time, from configs only (nothing loaded)."""
    fam = _video_family(model)
    task = req.task
    if not fam.can(task):
        raise GenerativeUnavailableError(f"{fam.label} models here cannot {task_words(task)}; use one that can.")
    if not req.prompt.strip():
        raise ParamError("Say what to generate, e.g. \"generate a 4 second clip of waves at sunset\".")
    if task != "v2v" and not 0 < req.seconds <= MAX_SECONDS:
        raise ParamError(f"A generated clip can be up to {MAX_SECONDS:g} s long (asked: {req.seconds:g} s); "
                         "generate several and place them one after another.")
    stride, temporal, vae_factor = _latent_shape(model)
    stride = max(stride, fam.min_stride)
    fps = Fraction(req.fps or fam.fps).limit_denominator(1001)
    if task == "v2v":
        h0, w0 = req.video[0].shape[:2]
        width, height = fam.size(req.width or w0, req.height or h0, stride)
        keep = len(req.video)
    else:
        width, height = fam.size(req.width or fam.native[0], req.height or fam.native[1], stride)
        keep = max(1, int(round(req.seconds * float(fps))))
    steps = req.steps or fam.default_steps
    guidance = fam.default_guidance if req.guidance is None else float(req.guidance)
    notes: list[str] = []
    fixed = _fixed_size(model, vae_factor)
    if fixed and (width, height) != fixed:
        notes.append(f"this model makes {fixed[0]}x{fixed[1]} only")
        width, height = fixed
    if req.preview and not fixed:
        width, height = fam.size(width / 2, height / 2, stride)
        keep = min(keep, temporal + 1)
        steps = min(steps, PREVIEW_STEPS)
        notes.append("preview: half size, first frames, few steps")
    frames = fam.frame_count(keep, temporal)
    p = Plan(task=task, width=width, height=height, frames=frames, keep=keep, fps=fps, steps=steps,
             guidance=guidance, notes=notes)
    tokens = ((frames - 1) // temporal + 1) * max(1, height // stride) * max(1, width // stride)
    try:
        per = SECONDS_PER_PARAM_TOKEN.get(device, SECONDS_PER_PARAM_TOKEN["cpu"])
        eff = fam.effective_steps(task, steps, req.strength) * (2 if guidance > 1 else 1)
        secs = _params_millions(model) * 1e6 * tokens * per * eff
        secs += frames * width * height * SECONDS_PER_DECODED_PIXEL.get(device, SECONDS_PER_DECODED_PIXEL["cpu"])
        p.estimate = Estimate(seconds=secs, device=device, measured=False)
    except (OSError, ValueError):
        p.estimate = None
    return p


def task_words(task: str) -> str:
    from .families import TASKS

    return TASKS[task]


def _video_device():
    """CUDA in bf16 (what LTX-Video / Wan are trained in), else the usual choice."""
    import torch

    from .device import Device, pick_device

    dev = pick_device()
    return Device("cuda", torch.bfloat16, dev.label) if dev.name == "cuda" else dev


def _fit(img: np.ndarray, w: int, h: int) -> np.ndarray:
    """Scale to cover w x h and centre-crop (an image to animate keeps its aspect)."""
    import cv2

    ih, iw = img.shape[:2]
    s = max(w / iw, h / ih)
    nw, nh = max(w, round(iw * s)), max(h, round(ih * s))
    img = cv2.resize(np.ascontiguousarray(img[..., :3]), (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    x, y = (nw - w) // 2, (nh - h) // 2
    return img[y:y + h, x:x + w]


def generate_frames(model: ResolvedModel, req: GenerateRequest, *,
                    progress: Callable[[float, float, str], None] = no_progress, cancel=None,
                    plan_ready: Optional[Callable[[Plan], None]] = None) -> tuple[list[np.ndarray], Plan]:
    """Run the model: ``plan.keep`` uint8 RGB frames at the plan's size, and the plan.

    Progress counts denoising steps (then one unit for the decode); cancel is checked after every
    step and raises Cancelled. One video render at a time per process.
    """
    from PIL import Image

    from .loader import load_video_pipeline

    device = _video_device()
    p = plan(model, req, device.name)
    if plan_ready:
        plan_ready(p)
    fam = _video_family(model)
    total = fam.effective_steps(p.task, p.steps, req.strength) + 1
    waited = False
    while not _LOCK.acquire(timeout=0.2):
        check(cancel)
        if not waited:
            progress(0, total, "Waiting for another AI render to finish...")
            waited = True
    try:
        check(cancel)
        progress(0, total, f"Loading {fam.label} from {model.path} on {device.label}...")
        pipe = load_video_pipeline(model, device, p.task)
        progress(0, total, p.describe())
        import torch

        def on_step(_pipe, i, _t, kwargs):
            check(cancel)
            progress(i + 1, total, f"{fam.label}: step {i + 1} of {total - 1}")
            return kwargs

        image = video = None
        if p.task == "i2v":
            image = Image.fromarray(_fit(np.asarray(req.image, np.uint8), p.width, p.height))
        elif p.task == "v2v":
            video = [Image.fromarray(_fit(np.asarray(f, np.uint8), p.width, p.height)) for f in req.video]
            video += [video[-1]] * (p.frames - len(video))  # pad to the VAE's frame rule
        kw = fam.call_kwargs(p.task, prompt=req.prompt, width=p.width, height=p.height, frames=p.frames,
                             steps=p.steps, guidance=p.guidance, fps=float(p.fps), image=image, video=video,
                             strength=req.strength, negative_prompt=req.negative_prompt)
        if fam.encode_with_t2v:
            kw = _embed_prompt(fam, pipe, model, device, kw)
        fam.prepare(pipe, p.task, p.steps)
        gen = torch.Generator("cpu").manual_seed(int(req.seed))
        try:
            with torch.inference_mode():
                out = pipe(**kw, generator=gen, output_type="np", callback_on_step_end=on_step,
                           max_sequence_length=_max_tokens(pipe, fam)).frames[0]
        except Exception as e:
            from .device import empty_cache, is_oom

            if not is_oom(e):
                raise
            empty_cache(device)
            raise OutOfMemory(
                f"Out of {device.name.upper()} memory for {p.keep} frames at {p.width}x{p.height}. Make it "
                "shorter (--seconds) or smaller (--size), close other programs using the GPU, or try "
                "--preview first.", frames=p.keep) from None
        check(cancel)
        frames = [np.clip(np.nan_to_num(np.asarray(f, np.float32)) * 255.0 + 0.5, 0, 255).astype(np.uint8)
                  for f in out[: p.keep]]
        if p.task == "v2v":  # back to the clip's own size
            import cv2

            h0, w0 = req.video[0].shape[:2]
            if (w0, h0) != (p.width, p.height):
                frames = [cv2.resize(f, (w0, h0), interpolation=cv2.INTER_AREA) for f in frames]
        if len(frames) < p.keep:
            raise GenerativeUnavailableError(
                f"The model returned {len(frames)} frames instead of {p.keep}; try another length.")
        progress(total, total, f"{fam.label}: done.")
        return frames, p
    finally:
        _LOCK.release()


def _max_tokens(pipe, fam: VideoFamily) -> int:
    """The prompt length the family was trained with, capped by the tokenizer's own limit."""
    limit = getattr(getattr(pipe, "tokenizer", None), "model_max_length", fam.max_tokens) or fam.max_tokens
    return int(min(fam.max_tokens, limit))


def _embed_prompt(fam: VideoFamily, pipe, model: ResolvedModel, device, kw: dict) -> dict:
    """Prompt embeddings from the family's text-to-video class (Wan's video-to-video class needs the
    optional ``ftfy`` package to clean the prompt; text-to-video does without)."""
    from .loader import load_video_pipeline

    t2v = load_video_pipeline(model, device, "t2v")
    prompt, negative = kw.pop("prompt"), kw.pop("negative_prompt", None)
    cfg = kw.get("guidance_scale", 1.0) > 1.0
    pos, neg = t2v.encode_prompt(prompt, negative_prompt=negative, do_classifier_free_guidance=cfg,
                                 device=t2v._execution_device, max_sequence_length=_max_tokens(t2v, fam))[:2]
    kw["prompt_embeds"] = pos
    if cfg:
        kw["negative_prompt_embeds"] = neg
    return kw
