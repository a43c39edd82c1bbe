"""Lazy diffusion backend: imports torch/diffusers only when a generative edit runs.

Torch-free modules: models (registry, verification, ``models_report``), suggest, cache, consistency,
estimate, run (cache-first entry of the ``ai_edit`` op). Torch modules: device, attention, loader,
editor (``VideoEditor``, ``preview_keyframes``).
"""


def preview_keyframes(frames, n=3, **kwargs):
    """See ``editor.preview_keyframes`` (imported lazily: it loads torch)."""
    from .editor import preview_keyframes as _preview

    return _preview(frames, n, **kwargs)


def models_report() -> str:
    from .models import models_report as _report

    return _report()
