"""The GENERATIVE op ``ai_edit``: open-ended visual edits by a local diffusion model.

This module must stay cheap to import (the registry loads it with every other op): the diffusion
backend, and with it torch, is imported inside the function only when a render really runs.
"""

from __future__ import annotations

from .params import Choice, Float, Int, Text
from .registry import GenerativeContext, OpKind, operation


@operation(
    "ai_edit",
    kind=OpKind.GENERATIVE,
    category="ai",
    description="Edit the picture with a local AI model from a plain-language prompt (e.g. make it sunset).",
    synonyms=("generative edit", "diffusion edit"),
    params={
        "prompt": Text(default="", description="What to change, e.g. 'make it sunset', 'add snow'."),
        "strength": Float(min=0.0, max=1.0, default=0.6,
                          description="How far the result departs from the source (0 = unchanged)."),
        "guidance": Float(min=1.0, max=20.0, default=7.5, description="How closely to follow the prompt."),
        "image_guidance": Float(min=0.5, max=5.0, default=1.5,
                                description="How closely to keep the source picture (instruction editing)."),
        "steps": Int(min=1, max=100, default=20, description="Denoising steps: more is slower and finer."),
        "seed": Int(min=0, max=2147483647, default=0, description="Same seed, same result."),
        "model": Text(default="", description="Model name, Hugging Face repo id or folder; empty = default."),
        "mode": Choice(options=("quality", "fast"), default="quality",
                       description="fast = few-step preview quality."),
        "backend": Choice(options=("auto", "frame", "video"), default="auto",
                          description="frame = an image model frame by frame (InstructPix2Pix); video = a video "
                                      "model on the whole clip (LTX-Video, Wan, CogVideoX; 'ai (video): ...'); "
                                      "auto = as the model folder says."),
    },
    examples=("ai: make it sunset", "add snow", "turn it into a watercolor painting"),
)
def ai_edit(frames, ctx: GenerativeContext, *, prompt, strength, guidance, image_guidance, steps, seed,
            model, mode, backend="auto"):
    """Same number of frames out as in; the render layer keeps the audio untouched."""
    from ..diffusion.run import run_ai_edit

    return run_ai_edit(frames, ctx, prompt=prompt, strength=strength, guidance=guidance,
                       image_guidance=image_guidance, steps=steps, seed=seed, model=model, mode=mode,
                       backend=backend)
