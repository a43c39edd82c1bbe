"""Video-to-video editing with a diffusers pipeline, frame-consistent, chunked, cancellable.

Frames are resized to a multiple of the model's stride near its native resolution, edited in chunks
sized to memory (each chunk carries the anchor frame so cross-frame attention sees the same anchor
everywhere), restored to the clip's size, then flow-fused and deflickered. The frame count never
changes, so the render layer keeps the audio as it is.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Callable, Optional, Sequence

import cv2
import numpy as np

from ..errors import GenerativeUnavailableError
from ..jobs import check, no_progress
from .attention import frame_generators
from .consistency import ConsistencySettings, deflicker, flow_fuse
from .device import Device, empty_cache, free_memory_bytes, is_oom, pick_device
from .editor_sizes import processing_size
from .estimate import Estimate, estimate_seconds, measure_unet
from .loader import LoadedPipeline, load_pipeline
from .models import ResolvedModel

FAST_STEPS_LCM = 4
#: LCM-distilled sampling falls apart at high guidance; fast mode with LCM-LoRA caps it (and says so).
LCM_MAX_GUIDANCE = 2.0
_RENDER_LOCK = threading.Lock()
FAST_STEPS = 8


@dataclass(frozen=True)
class EditRequest:
    prompt: str
    strength: float = 0.6
    guidance: float = 7.5
    image_guidance: float = 1.5
    steps: int = 20
    seed: int = 0
    mode: str = "quality"


def _resize(img: np.ndarray, w: int, h: int) -> np.ndarray:
    if img.shape[1] == w and img.shape[0] == h:
        return img
    shrink = w * h < img.shape[0] * img.shape[1]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


class VideoEditor:
    """Edits a list of frames with one resolved model. Reuse it for several edits of the same model."""

    def __init__(self, model: ResolvedModel, *, settings: Optional[ConsistencySettings] = None,
                 device: Optional[Device] = None):
        self.model = model
        self.settings = settings or ConsistencySettings()
        self.device = device or pick_device()
        self.pipeline_calls = 0

    # -- public -------------------------------------------------------------------------------

    def edit(self, frames: Sequence[np.ndarray], req: EditRequest, *,
             progress: Callable[[float, float, str], None] = no_progress, cancel=None) -> list[np.ndarray]:
        """Return edited frames: same count and size as ``frames``.

        One render at a time per process: the loaded pipeline (scheduler, mode, attention layout) is
        shared, so a keyframe preview and a full render from two GUI workers take turns.
        """
        if not frames:
            return []
        waited = False
        while not _RENDER_LOCK.acquire(timeout=0.2):
            check(cancel)
            if not waited:
                progress(0, len(frames), "Waiting for another AI render to finish...")
                waited = True
        try:
            return self._edit(frames, req, progress, cancel)
        finally:
            _RENDER_LOCK.release()

    def _edit(self, frames, req: EditRequest, progress, cancel) -> list[np.ndarray]:
        n = len(frames)
        check(cancel)
        progress(0, n, f"Loading AI model {self.model.request} from {self.model.path} on {self.device.label}...")
        lp = load_pipeline(self.model, self.device, fast=req.mode == "fast")
        h, w = frames[0].shape[:2]
        pw, ph = processing_size(w, h, lp.native, lp.multiple, self.settings.resolution)
        steps = self._steps(lp, req)
        est = self.estimate(lp, n, pw, ph, steps, req)
        notes = lp.notes + (lp.fast_notes if lp.fast else [])
        extra = f" ({', '.join(notes)})" if notes else ""
        progress(0, n, f"AI edit of {n} frames at {pw}x{ph}, {steps} steps{extra}: {est.describe()}")
        lp.family.check_request(steps, req.strength)
        lp.set_cross_frame(self.settings.cross_frame_attention)
        if hasattr(lp.pipe.vae, "enable_tiling"):
            (lp.pipe.vae.enable_tiling if max(pw, ph) > 1024 else lp.pipe.vae.disable_tiling)()
        small = [_resize(np.asarray(f, np.uint8), pw, ph) for f in frames]
        edited = self._render_chunks(lp, small, req, steps, progress, cancel)
        out = [_resize(e, w, h) for e in edited]
        if lp.family.blend_strength() and req.strength < 1.0:  # no denoise strength (InstructPix2Pix): mix it in
            s = float(req.strength)
            out = [np.clip(src.astype(np.float32) * (1 - s) + e.astype(np.float32) * s + 0.5, 0, 255).astype(np.uint8)
                   for src, e in zip(frames, out, strict=True)]
        if self.settings.flow_fusion and n > 1:
            progress(n, n, "Flow-guided fusion...")
            out = flow_fuse(frames, out, self.settings.flow_strength, check=lambda: check(cancel))
        if self.settings.deflicker and n > 2:
            out = deflicker(out, self.settings.deflicker_sigma)
        progress(n, n, "AI edit done.")
        return out

    def estimate(self, lp: LoadedPipeline, n: int, pw: int, ph: int, steps: int, req: EditRequest) -> Estimate:
        """Time estimate; on CPU/MPS one UNet step is timed on a small latent and scaled."""
        per_px = lp.seconds_per_latent_pixel
        if per_px is None and self.device.name != "cuda":
            stride = max(1, lp.multiple // lp.vae_factor)
            side = max(stride, min(32, ph // lp.vae_factor) // stride * stride)
            try:
                per_px = measure_unet(lp.pipe.unet, lp.pipe.device, self.device.dtype, latent=side)
                lp.seconds_per_latent_pixel = per_px
            except Exception:  # the estimate is advisory; fall back to the constants
                per_px = None
        groups = self._groups(lp, req)
        eff_steps = lp.family.effective_steps(steps, req.strength)
        return estimate_seconds(n, pw, ph, max(1, eff_steps), device=self.device.name, guidance_batches=groups,
                                vae_factor=lp.vae_factor, seconds_per_latent_pixel=per_px)

    # -- internals ----------------------------------------------------------------------------

    @staticmethod
    def _steps(lp: LoadedPipeline, req: EditRequest) -> int:
        if req.mode != "fast":
            return req.steps
        return min(req.steps, FAST_STEPS_LCM if lp.lcm else FAST_STEPS)

    @staticmethod
    def _groups(lp: LoadedPipeline, req: EditRequest) -> int:
        return lp.family.guidance_batches(req.guidance, req.image_guidance)

    def _auto_chunk(self, lp: LoadedPipeline, pw: int, ph: int, req: EditRequest) -> int:
        if self.settings.chunk_size > 0:
            return self.settings.chunk_size
        free = free_memory_bytes(self.device)
        if free is None:
            return 4
        latent_px = (pw // lp.vae_factor) * (ph // lp.vae_factor)
        # ~0.45 GB per UNet batch element at 64x64 latents in fp16 with SDPA (activations + attention).
        per_frame = 0.45e9 * latent_px / 4096 * self._groups(lp, req)
        return int(max(1, min(16, (free * 0.6) // per_frame - 1)))

    def _render_chunks(self, lp, small, req, steps, progress, cancel) -> list[np.ndarray]:
        n = len(small)
        ph, pw = small[0].shape[:2]
        chunk = self._auto_chunk(lp, pw, ph, req)
        out: list[Optional[np.ndarray]] = [None] * n
        start = 0
        while start < n:
            check(cancel)
            idx = list(range(start, min(n, start + chunk)))
            use_anchor = self.settings.cross_frame_attention and idx[0] != 0
            batch_idx = ([0] if use_anchor else []) + idx
            k = len(idx)
            msg = f"AI edit: frames {start + 1}-{start + k} of {n}"

            def on_step(frac: float, s: int = start, k: int = k, msg: str = msg) -> None:
                progress(s + frac * k, n, msg)

            try:
                imgs = self._run_pipe(lp, [small[i] for i in batch_idx], batch_idx, req, steps, on_step, cancel)
            except Exception as e:
                if not is_oom(e):
                    raise
                empty_cache(self.device)
                if chunk == 1:
                    raise GenerativeUnavailableError(
                        f"Out of {self.device.name.upper()} memory even for one frame at {pw}x{ph}. Close other "
                        "programs using the GPU, lower the processing size (env T2V_AI_RESOLUTION=384), "
                        "or use fast mode."
                    ) from None
                chunk = max(1, chunk // 2)
                progress(start, n, f"Out of memory: retrying with {chunk} frame(s) per batch.")
                continue
            for j, i in enumerate(batch_idx[1:] if use_anchor else batch_idx):
                out[i] = imgs[j + (1 if use_anchor else 0)]
            start += len(idx)
            progress(start, n, f"AI edit: {start} of {n} frames")
        return [o for o in out if o is not None]

    def _run_pipe(self, lp: LoadedPipeline, images: list[np.ndarray], indices: list[int], req: EditRequest,
                  steps: int, on_step: Callable[[float], None], cancel) -> list[np.ndarray]:
        """One pipeline call on a batch of frames; returns uint8 frames at processing size."""
        import torch

        self.pipeline_calls += 1
        lp.layout.frames = len(images)
        gens = frame_generators(req.seed, indices, self.settings.shared_noise, self.device.name)
        batch = np.stack(images).astype(np.float32) / 255.0
        total = max(1, lp.family.effective_steps(steps, req.strength))

        def callback(pipe, i, t, kwargs):
            check(cancel)
            on_step((i + 1) / total)
            return kwargs

        guidance = min(req.guidance, LCM_MAX_GUIDANCE) if lp.fast and lp.lcm else req.guidance
        args = dict(prompt=[req.prompt] * len(images), image=batch, num_inference_steps=steps, generator=gens,
                    guidance_scale=guidance, output_type="np", callback_on_step_end=callback,
                    **lp.family.frame_kwargs(req.strength, req.image_guidance))
        with torch.inference_mode():
            result = lp.pipe(**args).images
        result = np.nan_to_num(np.asarray(result, np.float32))
        return [np.clip(r * 255.0 + 0.5, 0, 255).astype(np.uint8) for r in result]


def keyframe_indices(n_frames: int, n: int) -> list[int]:
    """``n`` evenly spread frame indices including the first and last."""
    if n_frames <= 0:
        return []
    n = max(1, min(n, n_frames))
    return sorted({int(round(x)) for x in np.linspace(0, n_frames - 1, n)})


def preview_keyframes(frames: Sequence[np.ndarray], n: int = 3, *, prompt: str, model: str = "",
                      strength: float = 0.6, guidance: float = 7.5, image_guidance: float = 1.5, steps: int = 20,
                      seed: int = 0, settings: Optional[ConsistencySettings] = None,
                      progress: Callable[[float, float, str], None] = no_progress,
                      cancel=None, backend: str = "auto") -> list[tuple[int, np.ndarray]]:
    """A few keyframes rendered in fast mode, to judge an edit before committing to the whole clip.

    Returns ``[(frame_index, edited_frame), ...]`` at the clip's size. The keyframes share the anchor
    and noise as in the full render, so they look like it (at fewer steps).
    """
    from .models import resolve
    from .run import BACKEND_TASKS, video_to_video

    resolved = resolve(model, prompt=prompt, tasks=BACKEND_TASKS.get(backend, BACKEND_TASKS["auto"]))
    settings = replace(settings or ConsistencySettings.from_env(), flow_fusion=False, deflicker=False)
    idx = keyframe_indices(len(frames), n)
    if not resolved.family.can("frame_edit"):  # a video model: the keyframes as a short clip, few steps
        edited = video_to_video(resolved, [frames[i] for i in idx], prompt=prompt, strength=strength,
                                guidance=guidance, steps=steps, seed=seed, mode="fast", progress=progress,
                                cancel=cancel)
        return list(zip(idx, edited, strict=True))
    editor = VideoEditor(resolved, settings=settings)
    req = EditRequest(prompt=prompt, strength=strength, guidance=guidance, image_guidance=image_guidance,
                      steps=steps, seed=seed, mode="fast")
    edited = editor.edit([frames[i] for i in idx], req, progress=progress, cancel=cancel)
    return list(zip(idx, edited, strict=True))
