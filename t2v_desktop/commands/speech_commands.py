"""Commands of the speech area, plugged into the command language (compose.py, compose_apply.py).

PARSERS: functions (clause, lowered text, context) -> a ComposeStep or None, tried before the
built-in structural parsers. RESOLVERS: step type -> function (step, ComposeState) -> history
commands. Steps are typed data (steps.py's ComposeStep subclasses defined here). Import compose_apply
only inside functions (it imports this module).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List

PARSERS: List[Callable[..., Any]] = []
RESOLVERS: Dict[type, Callable[..., list]] = {}


# -- captions: translate a subtitle track (H11c) ----------------------------------------------------

import re  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import ClassVar  # noqa: E402

from .steps import ComposeStep  # noqa: E402


@dataclass
class TranslateCaptions(ComposeStep):
    """A second subtitle track: the captions' text in ``target``, the same cue times."""

    target: str = ""
    kind: ClassVar[str] = "translate captions"


_TRANSLATE = re.compile(r"^translate (?:the )?(?:captions|subtitles)(?: (?:in)?to)? ([a-z_ ]+?)\.?$")


def _parse_translate(cl, t: str, context) -> Any:
    m = _TRANSLATE.match(t.strip())
    return TranslateCaptions(target=m.group(1).strip()) if m else None


def _resolve_translate(step: TranslateCaptions, state) -> list:
    import copy

    from ..errors import ParamError
    from ..project.history import AddSubtitleTrack
    from ..project.model import SubtitleTrack
    from ..speech.translate import language_code, translate_cues

    code = language_code(step.target)
    subs = [s for s in state.sim.subtitle_tracks if s.cues]
    if not subs:
        raise ParamError("There are no captions to translate; add captions first ('add captions').")
    src = subs[0]
    source = src.language if src.language not in ("und", "") else "en"
    cues = translate_cues(src.cues, code, source=source[:2])
    name = f"{src.name or 'Captions'} ({step.target.strip().capitalize()})"
    return [AddSubtitleTrack(SubtitleTrack(cues, name=name, language=code, style=copy.deepcopy(src.style),
                                           burn_in=False, soft=src.soft))]


PARSERS.append(_parse_translate)
RESOLVERS[TranslateCaptions] = _resolve_translate
