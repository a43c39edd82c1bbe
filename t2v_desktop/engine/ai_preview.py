"""Which frames each AI (generative) op will edit, its time estimate and a keyframe preview.

Shared by the CLI (``apply`` estimate line, ``--preview-keyframes``) and the editor's AI dialog.
Torch-free until a keyframe preview actually renders (the diffusion package loads it lazily).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, List, Optional

from ..errors import T2VError


@dataclass
class AiSpan:
    """One enabled generative op and the frames it will edit: ``frames`` is a lazy sequence of the
    clip's frames through the ops before it, over the op's range (what the op itself receives)."""

    clip_id: str
    op: Any
    frames: Any
    start: int
    renderer: Any

    @property
    def size(self) -> tuple:
        return self.frames.stage.width, self.frames.stage.height

    def close(self) -> None:
        self.renderer.close()


class _LazyFrames:
    """frames[i] decodes and renders frame ``start + i`` only when asked (keyframes need a few)."""

    def __init__(self, stage, start: int, end: int):
        self.stage, self.start, self.end = stage, start, end

    def __len__(self) -> int:
        return self.end - self.start

    def __getitem__(self, i: int):
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.stage.frame(self.start + i)


def ai_spans(project, only_ids: Optional[set] = None) -> List[AiSpan]:
    """An AiSpan per enabled generative op (or those in ``only_ids``). Each renders a copy of the
    project whose clip ends with that op, earlier AI ops off so nothing heavy runs; the frame span
    is the op's own GenerativeStage's. Close them when done."""
    from ..ops import OpKind, find_op
    from .render import Renderer

    def generative(o) -> bool:
        spec = find_op(o.op)
        return o.enabled and spec is not None and spec.kind == OpKind.GENERATIVE

    spans: List[AiSpan] = []
    for clip in project.all_clips():
        for k, op in enumerate(clip.ops):
            if not generative(op) or (only_ids is not None and op.id not in only_ids):
                continue
            sim = copy.deepcopy(project)
            sim_clip = sim.find_clip(clip.id)
            sim_clip.ops = sim_clip.ops[:k + 1]
            for o in sim_clip.ops[:k]:
                if generative(o):
                    o.enabled = False
            r = Renderer(sim)
            gen = r.chain(clip.id)  # the op's GenerativeStage: built lazily, nothing renders here
            a, b = gen.span
            spans.append(AiSpan(clip.id, op, _LazyFrames(gen.prev, a, b), a, r))
    return spans


def _ai_kwargs(params: dict) -> dict:
    keys = ("strength", "guidance", "image_guidance", "steps", "model", "mode", "backend")
    return {k: params[k] for k in keys if k in params}


def estimate_line(span: AiSpan, *, required: bool = True) -> str:
    """"AI edit: 48 frames at 512x512, about 3 min on cpu (estimate, ...)". A missing model or
    backend raises GenerativeUnavailableError; other problems reading the model's configs say
    "no estimate" unless ``required``."""
    from ..diffusion.run import estimate_ai_edit, require_backend

    w, h = span.size
    head = f"AI edit: {len(span.frames)} frames at {w}x{h}"
    from ..diffusion.models import resolve

    prompt = span.op.params.get("prompt", "")
    require_backend(prompt)
    from ..diffusion.run import BACKEND_TASKS

    tasks = BACKEND_TASKS.get(span.op.params.get("backend", "auto"), BACKEND_TASKS["auto"])
    resolve(span.op.params.get("model", ""), prompt=prompt, tasks=tasks)  # the missing-model message names a classic look
    try:
        est = estimate_ai_edit(len(span.frames), w, h, **_ai_kwargs(span.op.params))
    except (OSError, ValueError, KeyError) as e:
        if required:
            raise T2VError(f"Could not read the AI model's settings to estimate the time: {e}.") from None
        return f"{head} (no time estimate: {e})"
    return f"{head}, {est.describe()}"


def render_keyframes(span: AiSpan, n: int, progress=None, cancel=None) -> list:
    """``[(frame_index, rgb_frame)]``: ``n`` keyframes of the span edited in fast mode."""
    from ..diffusion import preview_keyframes
    from ..diffusion.run import require_backend

    p = dict(span.op.params)
    require_backend(p.get("prompt", ""))
    kw = {k: v for k, v in _ai_kwargs(p).items() if k != "mode"}
    out = preview_keyframes(span.frames, n, prompt=p.get("prompt", ""), seed=int(p.get("seed", 0)),
                            progress=progress or (lambda *a: None), cancel=cancel, **kw)
    return [(span.start + i, f) for i, f in out]
