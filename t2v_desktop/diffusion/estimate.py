"""Honest time estimates before a render starts.

The cost of a diffusion step grows with the number of latent pixels, so the estimate is
frames x steps x guidance batches x latent pixels x seconds-per-latent-pixel-step. That last figure
is measured on the loaded UNet (one step on a small latent, scaled) when possible, otherwise taken
from rough per-device constants for an SD 1.5-sized UNet. Either way it is an estimate and is
reported as one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

#: Rough seconds per latent pixel per UNet evaluation for an SD 1.5 UNet (fp16 on GPU, fp32 on CPU).
#: 512x512 = 4096 latent pixels: ~0.05 s/step on a recent CUDA GPU, ~0.5 s on Apple MPS, ~10 s on a 2-4 core CPU.
SECONDS_PER_LATENT_PIXEL = {"cuda": 1.2e-5, "mps": 1.2e-4, "cpu": 2.5e-3}
#: VAE encode + decode per frame, as a fraction of one UNet evaluation.
VAE_OVERHEAD_STEPS = 2.0


@dataclass(frozen=True)
class Estimate:
    seconds: float
    device: str
    measured: bool

    def describe(self) -> str:
        how = "measured on this machine" if self.measured else "from typical speeds"
        return f"about {format_duration(self.seconds)} on {self.device} (estimate, {how})"


def format_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def estimate_seconds(n_frames: int, width: int, height: int, steps: int, *, device: str = "cpu",
                     guidance_batches: int = 3, vae_factor: int = 8,
                     seconds_per_latent_pixel: float | None = None) -> Estimate:
    """Time to render ``n_frames`` at ``width`` x ``height`` (processing size) with ``steps`` steps."""
    per_px = seconds_per_latent_pixel
    measured = per_px is not None
    if per_px is None:
        per_px = SECONDS_PER_LATENT_PIXEL.get(device, SECONDS_PER_LATENT_PIXEL["cpu"])
    latent_px = (width // vae_factor) * (height // vae_factor)
    unet_evals = n_frames * (steps * guidance_batches + VAE_OVERHEAD_STEPS)
    return Estimate(seconds=unet_evals * latent_px * per_px, device=device, measured=measured)


def measure_unet(unet, device, dtype, *, latent: int = 16, cross_dim: int | None = None) -> float:
    """Seconds per latent pixel for one evaluation of ``unet`` (timed on a small latent, after a warm-up)."""
    import torch

    cfg = unet.config
    cross = cross_dim or cfg.cross_attention_dim
    cross = cross[0] if isinstance(cross, (list, tuple)) else cross
    x = torch.randn(1, cfg.in_channels, latent, latent, device=device, dtype=dtype)
    ctx = torch.randn(1, 77, cross, device=device, dtype=dtype)
    t = torch.tensor([500], device=device)
    with torch.inference_mode():
        unet(x, t, encoder_hidden_states=ctx, return_dict=False)
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        unet(x, t, encoder_hidden_states=ctx, return_dict=False)
        if device.type == "cuda":
            torch.cuda.synchronize()
    return (time.perf_counter() - t0) / (latent * latent)
