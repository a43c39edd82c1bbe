"""Pick where diffusion runs: CUDA > MPS > CPU, with the matching dtype. Imports torch lazily."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Device:
    name: str  # "cuda", "mps" or "cpu"
    dtype: Any  # torch dtype
    label: str

    @property
    def is_gpu(self) -> bool:
        return self.name in ("cuda", "mps")


def pick_device(prefer: str | None = None) -> Device:
    """CUDA (fp16, or bf16 with T2V_DTYPE=bf16) > Apple MPS (fp16) > CPU (fp32).

    ``prefer`` or env ``T2V_DEVICE`` forces one ("cpu" is always possible).
    """
    import torch

    want = (prefer or os.environ.get("T2V_DEVICE", "")).lower()
    half = torch.bfloat16 if os.environ.get("T2V_DTYPE", "").lower() == "bf16" else torch.float16
    if want in ("", "cuda") and torch.cuda.is_available():
        return Device("cuda", half, f"CUDA {torch.cuda.get_device_name(0)}")
    mps = getattr(torch.backends, "mps", None)
    if want in ("", "mps") and mps is not None and mps.is_available():
        return Device("mps", torch.float16, "Apple MPS")
    return Device("cpu", torch.float32, f"CPU ({os.cpu_count()} cores)")


def free_memory_bytes(device: Device) -> int | None:
    """Free accelerator memory, or None when unknown (CPU/MPS)."""
    if device.name != "cuda":
        return None
    import torch

    free, _total = torch.cuda.mem_get_info()
    return int(free)


def is_oom(exc: BaseException) -> bool:
    """True for CUDA/MPS out-of-memory errors (torch raises several types for it)."""
    try:
        import torch

        if isinstance(exc, torch.cuda.OutOfMemoryError):
            return True
    except (ImportError, AttributeError):  # pragma: no cover
        pass
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def empty_cache(device: Device) -> None:
    import torch

    if device.name == "cuda":
        torch.cuda.empty_cache()
    elif device.name == "mps" and hasattr(torch, "mps"):
        torch.mps.empty_cache()
