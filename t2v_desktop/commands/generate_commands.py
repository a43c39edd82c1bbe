"""Commands of the generation area: clips made by a local video model, placed on the timeline.

  "generate a 4 second clip of waves at sunset"   text-to-video (default model: ltx-video)
  "generate waves at sunset with seed 7"          5 s by default; the seed picks the variation
  "animate logo.png"                              image-to-video (optionally ": the logo spins")

The clip is inserted on the main track AT THE PLAYHEAD (an insert edit: the clip under the playhead
is split there), at the end when there is no playhead (the command line). One undo step. The render
is content-cached (engine/generate.py), so the editor renders it first in a job with progress and
cancel (gui/generate_jobs.py) and this resolver then finds it at once; the command line renders it
here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, List, Optional

from .placement import insert_at_playhead, playhead_of
from .steps import ComposeStep

PARSERS: List[Callable[..., Any]] = []
RESOLVERS: Dict[type, Callable[..., list]] = {}

DEFAULT_SECONDS = 5.0
#: What an image is asked to do when the command says nothing more.
ANIMATE_PROMPT = "the picture comes to life with gentle natural motion, slow camera push-in"


@dataclass
class GenerateClip(ComposeStep):
    """A clip generated from ``prompt`` (animating ``image`` when given), inserted at ``playhead``."""

    prompt: str = ""
    seconds: float = DEFAULT_SECONDS
    image: str = ""
    seed: int = 0
    model: str = ""
    playhead: Optional[float] = None
    kind: ClassVar[str] = "generate"
    phase: ClassVar[int] = 0  # it changes the programme's length, like an added clip
    works_without_clips: ClassVar[bool] = True


_SECONDS = re.compile(r"(?:\b(?:for|lasting)\s+)?\b(\d+(?:\.\d+)?)[- ]?(?:seconds?|secs?|s)(?:[- ]long)?\b")
_SEED = re.compile(r"\s*,?\s*(?:with |using )?(?:the )?seed (\d+)\b")
_MODEL = re.compile(r"\s*,?\s*(?:with|using) (?:the )?(?:model )?([\w./~-]+?)(?: model)?$")
_GENERATE = re.compile(r"^(?:generate|create)\s+(?P<rest>.+)$")
_WHAT = re.compile(r"^(?:(?:a|an|one)\s+)?(?:(?:new|short|long)\s+)?(?:(?:video\s+)?clips?|videos?|shots?|footage)"
                   r"\s+(?:of|showing|with|about|where)\s+(?P<p>.+)$")
#: "generate captions", "create a title ...": other areas' words, not a picture to make.
_NOT_VIDEO = re.compile(r"^(?:the\s+|a\s+|an\s+)?(?:captions?|subtitles?|transcripts?|titles?|thumbnails?|proxy|"
                        r"proxies|waveforms?|chapters?|markers?|voice|narration|music|project|library|index)\b")
_ANIMATE = re.compile(r"^(?:animate|bring)\s+(?P<rest>.+?)(?:\s+to\s+life)?$")


def _options(text: str) -> tuple[str, float, int]:
    """(text without them, seconds, seed) from '... 4 second ...' / '... with seed 7'."""
    seconds, seed = DEFAULT_SECONDS, 0
    m = _SEED.search(text)
    if m:
        seed, text = int(m.group(1)), text[:m.start()] + text[m.end():]
    m = _SECONDS.search(text)
    if m:
        seconds, text = float(m.group(1)), (text[:m.start()] + text[m.end():])
    return " ".join(text.split()), seconds, seed


def _parse_generate(cl, t: str, context) -> Optional[GenerateClip]:
    orig = cl.orig_text()
    m = _GENERATE.match(orig.lower())
    if not m or _NOT_VIDEO.match(orig[m.start("rest"):].lower()):
        return None
    rest, seconds, seed = _options(orig[m.start("rest"):])
    what = _WHAT.match(rest.lower())
    prompt = rest[what.start("p"):] if what else rest
    prompt = prompt.strip(" .")
    if not prompt or prompt.lower() in ("a clip", "clip", "video", "a video"):
        return None
    return GenerateClip(prompt=prompt, seconds=seconds, seed=seed, playhead=playhead_of(context))


def _parse_animate(cl, t: str, context) -> Optional[GenerateClip]:
    from .files import context_base, find_file, resolve_file

    orig = cl.orig_text()
    m = _ANIMATE.match(orig.lower())
    found = find_file(cl)
    if not m or found is None:
        return None
    name = found[0]
    tail = orig.lower().split(name.lower(), 1)[-1] if name.lower() in orig.lower() else ""
    said = orig[len(orig) - len(tail):] if tail else ""
    said, seconds, seed = _options(said)
    prompt = said.lstrip(" :,-").strip(" .")
    prompt = re.sub(r"^(?:so that|so|with|where|as)\s+", "", prompt, flags=re.I) or ANIMATE_PROMPT
    if prompt.lower() in ("to life", "into a clip", "into a video"):
        prompt = ANIMATE_PROMPT
    path = resolve_file(name, context_base(context), orig)
    return GenerateClip(prompt=prompt, seconds=seconds, seed=seed, image=path, playhead=playhead_of(context))


PARSERS.extend([_parse_animate, _parse_generate])


# -- resolving -----------------------------------------------------------------------------------

def _canvas(project):
    """The project's output size: its own, else its first file clip's (as the renderer decides)."""
    if project.width and project.height:
        return int(project.width), int(project.height)
    from ..media.info import probe

    for clip in project.all_clips():
        if getattr(clip, "path", None) and not getattr(clip.source, "still", False):
            try:
                info = probe(clip.path)
            except Exception:  # noqa: BLE001 - a missing file: the renderer reports it; use the model's size
                return None
            return (info.width, info.height) if info.has_video else None
    return None


def clip_request(step: GenerateClip, project) -> dict:
    """generate_clip()'s arguments for the step (the editor's job renders the same request first):
    the project's aspect, at most the model's native area (a smaller project: its own size); the
    model's own frame rate (the timeline plays any rate)."""
    import math

    from ..engine.generate import resolve_generator

    family = resolve_generator(step.model, image=step.image or None).family
    nw, nh = family.native
    w, h = _canvas(project) or (nw, nh)
    scale = min(1.0, math.sqrt(nw * nh / float(w * h)))
    return dict(seconds=step.seconds, model=step.model, seed=step.seed, image=step.image or None,
                width=int(round(w * scale)), height=int(round(h * scale)))


def _resolve_generate(step: GenerateClip, state) -> list:
    from pathlib import Path

    from ..engine.generate import generate_clip
    from ..project.history import AddClip
    from ..project.model import Clip

    clip_file = generate_clip(step.prompt, **clip_request(step, state.sim))
    label = f"generated: {step.prompt[:40]}" if not step.image else f"animated: {Path(step.image).name}"
    clip = Clip(source=str(clip_file.path), in_point=0.0, out_point=round(clip_file.seconds, 6), name=label)
    sim = state.sim
    spans = state.layout().clip_spans() if sim.main_track.clips else []
    cmds: list = []
    if not spans or step.playhead is None:
        index, where = None, "at the end of the main track" + ("" if not spans else " (no playhead here)")
    else:
        cmds, index, note = insert_at_playhead(spans, step.playhead, 0.5 / float(state.layout().fps))
        where = f"at the playhead {step.playhead:.2f} s on the main track{note}"
    cmds.append(AddClip(clip, index=index))
    how = "from the cache" if clip_file.cached else "generated"
    step.reason = (f"{clip_file.seconds:.2f} s clip ({clip_file.frames} frames at {float(clip_file.fps):g} fps, "
                   f"{how}; {clip_file.description}) inserted {where}")
    return cmds


RESOLVERS[GenerateClip] = _resolve_generate
