"""Entry point of the ``ai_edit`` op: resolve the model, look in the cache, else render and store.

Torch-free until a render is really needed, so a cached result comes back without loading torch.
"""

from __future__ import annotations

import importlib.util
import json
from typing import Optional, Sequence

import numpy as np

from ..addons import install_hint
from ..errors import GenerativeUnavailableError, ParamError
from ..jobs import no_progress
from .cache import ResultCache, make_key
from .consistency import ConsistencySettings
from .estimate import Estimate, estimate_seconds
from .models import fingerprint, resolve
from .suggest import classic_suggestion

RENDER_VERSION = 1
#: What each ``backend`` value of the op lets a model do (families.TASKS).
BACKEND_TASKS = {"auto": ("frame_edit", "v2v"), "frame": ("frame_edit",), "video": ("v2v",)}
#: The op's default guidance suits Stable Diffusion; a video family left at it uses its own default.
OP_DEFAULT_GUIDANCE = 7.5
#: Frames per video-to-video pipeline call (all of a call's latents are in memory at once).
V2V_CHUNK_FRAMES = 49
#: Frames each later chunk re-renders from the previous one's end; the two renders are cross-faded
#: there, so a long clip has no jump at the chunk seams (at most a quarter of a chunk).
V2V_OVERLAP_FRAMES = 8


def require_backend(prompt: str = "") -> None:
    """GenerativeUnavailableError with the install command when torch/diffusers/transformers are absent."""
    missing = [m for m in ("torch", "diffusers", "transformers", "safetensors") if importlib.util.find_spec(m) is None]
    if missing:
        msg = (f"AI edits need {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not installed. "
               f"Install them with: {install_hint()} (for an NVIDIA GPU install the CUDA build of torch "
               "first; see README, 'AI edits and GPU set-up').")
        suggestion = classic_suggestion(prompt)
        if suggestion:
            msg += f" Or use the nearest classic look now: `{suggestion}`."
        raise GenerativeUnavailableError(msg)


def run_ai_edit(frames: Sequence[np.ndarray], ctx, *, prompt: str, strength: float, guidance: float,
                image_guidance: float, steps: int, seed: int, model: str, mode: str, backend: str = "auto",
                settings: Optional[ConsistencySettings] = None,
                cache: Optional[ResultCache] = None) -> list[np.ndarray]:
    if not prompt.strip():
        raise ParamError("An AI edit needs a prompt saying what to change, e.g. \"ai: make it sunset\".")
    frames = list(frames)
    if not frames:
        return []
    settings = settings or ConsistencySettings.from_env()
    resolved = resolve(model, prompt=prompt, tasks=BACKEND_TASKS.get(backend, BACKEND_TASKS["auto"]))
    cache = cache or ResultCache()
    h, w = frames[0].shape[:2]
    params = dict(prompt=prompt, strength=strength, guidance=guidance, image_guidance=image_guidance,
                  steps=steps, mode=mode, backend=backend)
    key = make_key(source=ctx.source_key, frames=len(frames), size=[w, h], op="ai_edit", params=params,
                   model=resolved.id, model_files=fingerprint(resolved.path), seed=seed,
                   settings=settings.to_json(), render=RENDER_VERSION)
    progress = ctx.progress or no_progress
    hit = cache.get(key, expect_frames=len(frames))
    if hit is not None and hit[0].shape == frames[0].shape:
        progress(len(frames), len(frames), "AI edit: reused the cached render.")
        return hit
    if strength == 0:
        return [np.array(f, np.uint8, copy=True) for f in frames]
    require_backend(prompt)
    from .loader import _quiet

    _quiet()  # before diffusers/transformers print their import-time notices
    from ..cluster import render_chunked  # an active Ray cluster renders overlapping chunks; else here

    kw = dict(resolved=resolved, prompt=prompt, strength=strength, guidance=guidance, image_guidance=image_guidance,
              steps=steps, seed=seed, mode=mode, fps=float(ctx.fps or 0) or None, settings=settings)
    out = render_chunked(render_frames, frames, kw, progress=progress, cancel=ctx.cancel,
                         anchor=resolved.family.can("frame_edit"), label="AI edit")
    try:
        cache.put(key, out, meta={"model": resolved.id, "params": params, "seed": seed, "source": ctx.source_key,
                                  "settings": settings.to_json()})
    except OSError as e:  # a full or read-only cache costs a re-render later, not this result
        progress(len(out), len(out), f"AI edit done; could not cache it in {cache.root} ({e.strerror or e}).")
    return out


def render_frames(frames: Sequence[np.ndarray], *, resolved, prompt: str, strength: float, guidance: float,
                  image_guidance: float, steps: int, seed: int, mode: str, fps: Optional[float],
                  settings: ConsistencySettings, progress=no_progress, cancel=None) -> list[np.ndarray]:
    """The render itself (no cache): the per-frame editor or the video family's V2V. Module level so a
    Ray worker can run it on one chunk of the frames (cluster.render_chunked)."""
    from .loader import _quiet

    _quiet()
    from .editor import EditRequest, VideoEditor

    if resolved.family.can("frame_edit"):
        editor = VideoEditor(resolved, settings=settings)
        req = EditRequest(prompt=prompt, strength=strength, guidance=guidance, image_guidance=image_guidance,
                          steps=steps, seed=seed, mode=mode)
        return editor.edit(list(frames), req, progress=progress, cancel=cancel)
    return video_to_video(resolved, frames, prompt=prompt, strength=strength, guidance=guidance, steps=steps,
                          seed=seed, fps=fps, mode=mode, progress=progress, cancel=cancel)


def video_to_video(resolved, frames: Sequence[np.ndarray], *, prompt: str, strength: float, guidance: float,
                   steps: int, seed: int, fps: Optional[float] = None, mode: str = "quality",
                   progress=no_progress, cancel=None) -> list[np.ndarray]:
    """A video family's edit of the whole clip (not frame by frame): chunks of V2V_CHUNK_FRAMES, each
    one pipeline call, so motion stays coherent inside a chunk; consecutive chunks overlap by
    V2V_OVERLAP_FRAMES, cross-faded. Same count and size out as in."""
    from .generate import PREVIEW_STEPS, GenerateRequest, OutOfMemory, generate_frames

    fam = resolved.family
    g = fam.default_guidance if guidance == OP_DEFAULT_GUIDANCE else guidance
    steps = min(steps, PREVIEW_STEPS) if mode == "fast" else steps
    n = len(frames)
    out: list[np.ndarray] = []
    chunk = V2V_CHUNK_FRAMES
    start = 0
    while start < n:
        ov = min(V2V_OVERLAP_FRAMES, chunk // 4, start)  # frames shared with the previous chunk
        begin = start - ov
        part = list(frames[begin:begin + chunk])
        k = len(part) - ov  # new frames this call adds

        def sub(done, total, message="", _s=start, _k=k):
            progress(_s + (done / total if total else 0) * _k, n, message)

        req = GenerateRequest(prompt=prompt, video=part, strength=strength, steps=steps, guidance=g, seed=seed,
                              fps=fps)
        try:
            edited, _plan = generate_frames(resolved, req, progress=sub, cancel=cancel)
        except OutOfMemory as e:
            if len(part) <= 1:
                raise
            chunk = max(1, len(part) // 2)  # fewer frames per call, then the same span again
            progress(start, n, f"Out of memory at {e.frames} frames per call: retrying with {chunk}.")
            continue
        for j in range(ov):  # cross-fade the re-rendered overlap into the previous chunk's end
            w = (j + 1) / (ov + 1)
            a = out[begin + j].astype(np.float32)
            out[begin + j] = np.clip(a + (edited[j].astype(np.float32) - a) * w + 0.5, 0, 255).astype(np.uint8)
        out += edited[ov:]
        start += k
    return out


def estimate_ai_edit(n_frames: int, width: int, height: int, *, steps: int = 20, strength: float = 0.6,
                     guidance: float = 7.5, image_guidance: float = 1.5, model: str = "",
                     mode: str = "quality", backend: str = "auto",
                     settings: Optional[ConsistencySettings] = None) -> Estimate:
    """How long an AI edit would take, before anything is loaded (for a confirm dialog).

    Reads the model's configs (no weights) and picks the device (imports torch when installed); speeds
    are typical figures, so the result is labelled an estimate. The render itself reports a measured one.
    """
    from .editor_sizes import processing_size

    resolved = resolve(model, prompt="", tasks=BACKEND_TASKS.get(backend, BACKEND_TASKS["auto"]))
    settings = settings or ConsistencySettings.from_env()
    if not resolved.family.can("frame_edit"):
        from .generate import GenerateRequest, plan

        blank = [np.zeros((height, width, 3), np.uint8)] * n_frames
        g = resolved.family.default_guidance if guidance == OP_DEFAULT_GUIDANCE else guidance
        p = plan(resolved, GenerateRequest(prompt="estimate", video=blank, strength=strength, steps=steps,
                                           guidance=g), _device_name())
        return p.estimate or estimate_seconds(n_frames, width, height, steps)
    unet = json.loads((resolved.path / "unet" / "config.json").read_text())
    vae = json.loads((resolved.path / "vae" / "config.json").read_text())
    vae_factor = 2 ** (len(vae.get("block_out_channels", [0] * 4)) - 1)
    multiple = vae_factor * 2 ** (len(unet.get("block_out_channels", [0] * 4)) - 1)
    pw, ph = processing_size(width, height, int(unet.get("sample_size", 64)) * vae_factor, multiple,
                             settings.resolution)
    device = _device_name()
    if mode == "fast":
        steps = min(steps, 8)
    groups = resolved.family.guidance_batches(guidance, image_guidance)
    eff = resolved.family.effective_steps(steps, strength)
    return estimate_seconds(n_frames, pw, ph, eff, device=device, guidance_batches=groups, vae_factor=vae_factor)


def _device_name() -> str:
    if importlib.util.find_spec("torch") is None:
        return "cpu"
    from .device import pick_device

    return pick_device().name
