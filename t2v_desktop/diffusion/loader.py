"""Load a diffusers pipeline from a verified local folder onto the chosen device (torch imported here).

Offline and safetensors-only: ``local_files_only=True``, ``use_safetensors=True``, HF_HUB_OFFLINE set.
The last pipeline stays loaded so a second edit does not pay the load again, and it serves both modes:
fast mode swaps in a few-step scheduler (LCM-LoRA enabled when installed) and TAESD, quality mode
swaps them back, so previewing keyframes and then rendering the clip loads the model once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Optional

from ..errors import GenerativeUnavailableError
from .attention import FrameLayout, install_cross_frame_attention, install_default_attention
from .device import Device
from .families import Family, FrameEditFamily
from .models import ResolvedModel, find_optional, weights_variant

_LOADED: dict[tuple, "LoadedPipeline"] = {}


@dataclass
class LoadedPipeline:
    pipe: Any
    family: FrameEditFamily
    device: Device
    native: int  # native square resolution (pixels)
    multiple: int  # processing sizes must be multiples of this (VAE factor x UNet downsampling)
    vae_factor: int
    layout: FrameLayout = field(default_factory=FrameLayout)
    lcm: bool = False
    notes: list[str] = field(default_factory=list)
    fast_notes: list[str] = field(default_factory=list)
    cross_frame: Optional[bool] = None
    fast: bool = False
    fast_ready: bool = False
    base_scheduler: Any = None
    fast_scheduler: Any = None
    base_vae: Any = None
    fast_vae: Any = None
    #: Measured cost of one UNet evaluation per latent pixel (CPU/MPS estimates), once per load.
    seconds_per_latent_pixel: Optional[float] = None

    def set_cross_frame(self, on: bool) -> None:
        if self.cross_frame == on:
            return
        if on:
            install_cross_frame_attention(self.pipe.unet, self.layout)
        else:
            install_default_attention(self.pipe.unet)
        self.cross_frame = on

    def use_mode(self, fast: bool) -> None:
        """Switch between the quality set-up and the few-step preview set-up (prepared on first use)."""
        if fast and not self.fast_ready:
            _prepare_fast(self)
        if fast == self.fast:
            return
        pipe = self.pipe
        pipe.scheduler = self.fast_scheduler if fast else self.base_scheduler
        if self.lcm:
            (pipe.enable_lora if fast else pipe.disable_lora)()
        if self.fast_vae is not None:
            pipe.vae = self.fast_vae if fast else self.base_vae
        self.fast = fast


def _dtype_kw(dtype) -> dict:
    """diffusers >= 0.36 calls it ``dtype`` (``torch_dtype`` deprecated); older ones only know ``torch_dtype``."""
    from diffusers.utils import deprecation_utils

    return {"dtype": dtype} if hasattr(deprecation_utils, "_resolve_dtype") else {"torch_dtype": dtype}


def _quiet() -> None:
    """Offline, and no library progress bars or info chatter on the user's terminal (ours reports)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
    from diffusers.utils import logging as dlog
    from transformers.utils import logging as tlog

    for lib in (dlog, tlog):
        lib.set_verbosity_error()
        lib.disable_progress_bar()


def _pipeline_class(family: Family, task: Optional[str] = None):
    """The diffusers class the family's adapter names for ``task`` (one place, counted by tests)."""
    return family.pipeline_class(task)


def load_pipeline(model: ResolvedModel, device: Device, *, fast: bool = False) -> LoadedPipeline:
    """The loaded per-frame pipeline for ``model`` on ``device``, set up for fast or quality mode."""
    key = (str(model.path), model.family.name, device.name, str(device.dtype))
    if key in _LOADED:
        lp = _LOADED[key]
        lp.use_mode(fast)
        return lp
    _LOADED.clear()  # one pipeline in memory at a time
    _VIDEO.clear()
    _quiet()
    cls = _pipeline_class(model.family)  # a per-frame family's only task
    try:
        pipe = cls.from_pretrained(
            str(model.path), **_dtype_kw(device.dtype), use_safetensors=True, local_files_only=True,
            safety_checker=None, requires_safety_checker=False, variant=weights_variant(model.path),
        )
    except Exception as e:  # diffusers raises many types for a bad folder
        raise GenerativeUnavailableError(
            f"Could not load the AI model at {model.path}: {e}. Re-download it (see `t2v-desktop models`)."
        ) from None
    return adopt_pipeline(pipe, model, device, fast=fast)


def adopt_pipeline(pipe, model: ResolvedModel, device: Device, *, fast: bool = False) -> LoadedPipeline:
    """Set up an already built pipeline (device, memory format, VAE slicing, mode) and make it the
    one ``load_pipeline`` returns for ``model``. The benchmark uses it for random-weight SD 1.5 models."""
    import torch

    pipe.set_progress_bar_config(disable=True)
    pipe.to(device.name)
    if pipe.unet.dtype != device.dtype:  # built in memory (benchmark); from_pretrained already cast
        pipe.to(dtype=device.dtype)
    lp = LoadedPipeline(
        pipe=pipe, family=model.family, device=device, native=0, multiple=8,
        vae_factor=getattr(pipe, "vae_scale_factor", 8),
    )
    unet_cfg = pipe.unet.config
    lp.native = int(unet_cfg.sample_size) * lp.vae_factor  # SD 1.5 / InstructPix2Pix: 64 x 8 = 512
    lp.multiple = lp.vae_factor * 2 ** (len(unet_cfg.block_out_channels) - 1)
    if device.is_gpu:
        pipe.unet.to(memory_format=torch.channels_last)
    pipe.vae.enable_slicing()
    lp.base_scheduler, lp.base_vae = pipe.scheduler, pipe.vae
    if device.name == "cuda" and os.environ.get("T2V_TORCH_COMPILE") == "1":
        pipe.unet = torch.compile(pipe.unet)  # default mode: batch sizes vary between chunks
        lp.notes.append("torch.compile on")
    _LOADED.clear()
    _LOADED[(str(model.path), model.family.name, device.name, str(device.dtype))] = lp
    lp.use_mode(fast)
    return lp


def _prepare_fast(lp: LoadedPipeline) -> None:
    """Few-step preview: LCM-LoRA + LCMScheduler and TAESD decoding when installed (both optional)."""
    import diffusers

    pipe, device = lp.pipe, lp.device
    lp.fast_ready = True
    lora = find_optional("lcm-lora-sdv1-5")
    if lora is not None:
        try:
            weight = next(p.name for p in lora.glob("*.safetensors"))
            pipe.load_lora_weights(str(lora), weight_name=weight, adapter_name="lcm", local_files_only=True)
            pipe.disable_lora()  # enabled by use_mode(fast=True) only
            lp.fast_scheduler = diffusers.LCMScheduler.from_config(lp.base_scheduler.config)
            lp.lcm = True
            lp.fast_notes.append("LCM-LoRA, guidance at most 2")
        except Exception as e:  # LoRA needs peft; a failed load only costs speed
            lp.fast_notes.append(f"LCM-LoRA not used ({type(e).__name__}: {e})")
    if not lp.lcm:
        lp.fast_scheduler = diffusers.EulerAncestralDiscreteScheduler.from_config(lp.base_scheduler.config)
        lp.fast_notes.append("few-step Euler-ancestral (install lcm-lora-sdv1-5 for better previews)")
    taesd = find_optional("taesd")
    # InstructPix2Pix conditions on unscaled KL latents, which TAESD does not produce: img2img only.
    if taesd is not None and lp.family.tiny_vae_ok:
        try:
            lp.fast_vae = diffusers.AutoencoderTiny.from_pretrained(
                str(taesd), **_dtype_kw(device.dtype), use_safetensors=True, local_files_only=True
            ).to(device.name)
            lp.fast_notes.append("TAESD decoder")
        except Exception as e:
            lp.fast_notes.append(f"TAESD not used ({type(e).__name__})")


def unload_all() -> None:
    """Free the cached pipelines (tests, low-memory situations)."""
    _LOADED.clear()
    _VIDEO.clear()


# -- video pipelines ---------------------------------------------------------------------------------

#: (folder, device, dtype) -> {task: pipeline}: one video model in memory; its other tasks share the
#: components through ``from_pipe`` (text-to-video and image-to-video from one LTX folder load once).
_VIDEO: dict[tuple, dict] = {}


def load_video_pipeline(model: ResolvedModel, device: Device, task: str):
    """The family's pipeline for ``task`` from ``model``'s folder on ``device`` (loaded once)."""
    key = (str(model.path), device.name, str(device.dtype))
    pipes = _VIDEO.get(key)
    if pipes is not None and task in pipes:
        return pipes[task]
    cls = _pipeline_class(model.family, task)
    if pipes:
        first = next(iter(pipes.values()))
        # the folder's own scheduler: a family's prepare() may have swapped the first pipe's for a call
        pipe = cls.from_pipe(first, scheduler=first._base_scheduler)
        pipe._base_scheduler = first._base_scheduler
    else:
        _LOADED.clear()
        _VIDEO.clear()
        _quiet()
        try:
            pipe = cls.from_pretrained(str(model.path), **_dtype_kw(device.dtype), use_safetensors=True,
                                       local_files_only=True)
        except Exception as e:  # diffusers raises many types for a bad folder
            raise GenerativeUnavailableError(
                f"Could not load the AI model at {model.path}: {e}. Re-download it (see `t2v-desktop models`)."
            ) from None
        pipe.to(device.name)
        pipe._base_scheduler = pipe.scheduler
        pipes = _VIDEO.setdefault(key, {})
    pipe.set_progress_bar_config(disable=True)
    pipes[task] = pipe
    return pipe


def adopt_video_pipeline(pipe, model: ResolvedModel, device: Device, task: str) -> None:
    """Make an already built video pipeline the one ``load_video_pipeline`` returns (benchmarks)."""
    _LOADED.clear()
    _VIDEO.clear()
    pipe.set_progress_bar_config(disable=True)
    pipe._base_scheduler = pipe.scheduler
    _VIDEO[(str(model.path), device.name, str(device.dtype))] = {task: pipe}
