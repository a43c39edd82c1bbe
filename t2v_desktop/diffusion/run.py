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
                image_guidance: float, steps: int, seed: int, model: str, mode: str,
                settings: Optional[ConsistencySettings] = None,
                cache: Optional[ResultCache] = None) -> list[np.ndarray]:
    if not prompt.strip():
        raise ParamError("An AI edit needs a prompt saying what to change, e.g. \"ai: make it sunset\".")
    frames = list(frames)
    if not frames:
        return []
    settings = settings or ConsistencySettings.from_env()
    resolved = resolve(model, prompt=prompt)
    cache = cache or ResultCache()
    h, w = frames[0].shape[:2]
    params = dict(prompt=prompt, strength=strength, guidance=guidance, image_guidance=image_guidance,
                  steps=steps, mode=mode)
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
    from .editor import EditRequest, VideoEditor

    editor = VideoEditor(resolved, settings=settings)
    req = EditRequest(prompt=prompt, strength=strength, guidance=guidance, image_guidance=image_guidance,
                      steps=steps, seed=seed, mode=mode)
    out = editor.edit(frames, req, progress=progress, cancel=ctx.cancel)
    try:
        cache.put(key, out, meta={"model": resolved.id, "params": params, "seed": seed, "source": ctx.source_key,
                                  "settings": settings.to_json()})
    except OSError as e:  # a full or read-only cache costs a re-render later, not this result
        progress(len(out), len(out), f"AI edit done; could not cache it in {cache.root} ({e.strerror or e}).")
    return out


def estimate_ai_edit(n_frames: int, width: int, height: int, *, steps: int = 20, strength: float = 0.6,
                     guidance: float = 7.5, image_guidance: float = 1.5, model: str = "",
                     mode: str = "quality", settings: Optional[ConsistencySettings] = None) -> Estimate:
    """How long an AI edit would take, before anything is loaded (for a confirm dialog).

    Reads the model's configs (no weights) and picks the device (imports torch when installed); speeds
    are typical figures, so the result is labelled an estimate. The render itself reports a measured one.
    """
    from .editor_sizes import processing_size

    resolved = resolve(model, prompt="")
    settings = settings or ConsistencySettings.from_env()
    unet = json.loads((resolved.path / "unet" / "config.json").read_text())
    vae = json.loads((resolved.path / "vae" / "config.json").read_text())
    vae_factor = 2 ** (len(vae.get("block_out_channels", [0] * 4)) - 1)
    multiple = vae_factor * 2 ** (len(unet.get("block_out_channels", [0] * 4)) - 1)
    pw, ph = processing_size(width, height, int(unet.get("sample_size", 64)) * vae_factor, multiple,
                             settings.resolution)
    device = "cpu"
    if importlib.util.find_spec("torch") is not None:
        from .device import pick_device

        device = pick_device().name
    if mode == "fast":
        steps = min(steps, 8)
    groups = resolved.family.guidance_batches(guidance, image_guidance)
    eff = resolved.family.effective_steps(steps, strength)
    return estimate_seconds(n_frames, pw, ph, eff, device=device, guidance_batches=groups, vae_factor=vae_factor)
