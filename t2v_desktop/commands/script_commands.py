"""Commands of the script-to-video area, plugged into the command language (compose.py, compose_apply.py).

"replace the visual of scene 3 with the beach shot" / "use beach.mp4 for scene 2" / "show the harbor
in scene 4": the scene's visual becomes the best library shot for the words (or the file named), for
exactly the scene's length, in one undo step (script/scenes.py does the work).
PARSERS: functions (clause, lowered text, context) -> a ComposeStep or None. RESOLVERS: step type ->
function (step, ComposeState) -> history commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, List

from .steps import ComposeStep

PARSERS: List[Callable[..., Any]] = []
RESOLVERS: Dict[type, Callable[..., list]] = {}
#: fragments after "," / "and" that begin a scene command ("..., and replace scene 2's shot with ...")
STARTS = re.compile(r"^(?:(?:replace|swap|change|set|switch)\s+(?:the\s+)?(?:\w+\s+)?(?:scene|visual|picture|shot|video|"
                    r"image|footage|background|clip|b-roll)s?\b|(?:use|show|put)\s+.+\s+(?:for|in|on|as)\s+(?:the\s+)?"
                    r"(?:\w+\s+of\s+)?scene\s+\w+$)")

_NUMBERS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                       "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}
_ORDINALS = {w: i for i, w in enumerate("zeroth first second third fourth fifth sixth seventh eighth ninth tenth".split())}
_VISUAL = r"(?:visual|picture|shot|video|image|footage|background|clip|b-roll)s?"
_NUM = r"(?P<n>\d{1,4}|[a-z]+)"
_PATTERNS = [
    re.compile(r"^(?:replace|swap|change|set|switch)\s+(?:the\s+)?" + _VISUAL + r"\s+(?:of|for|in|on)\s+(?:the\s+)?scene\s+"
               + _NUM + r"\s+(?:with|to|for|by)\s+(?P<what>.+?)\.?$"),
    re.compile(r"^(?:replace|swap|change)\s+scene\s+" + _NUM + r"(?:'s)?\s+(?:" + _VISUAL + r"\s+)?(?:with|to|for|by)\s+"
               r"(?P<what>.+?)\.?$"),
    re.compile(r"^(?:replace|swap|change)\s+(?:the\s+)?(?P<o>[a-z]+)\s+scene(?:'s)?\s+(?:" + _VISUAL + r"\s+)?"
               r"(?:with|to|for|by)\s+(?P<what>.+?)\.?$"),
    re.compile(r"^(?:use|show|put)\s+(?P<what>.+?)\s+(?:for|in|on|as)\s+(?:the\s+)?(?:" + _VISUAL + r"\s+of\s+)?"
               r"scene\s+" + _NUM + r"\.?$"),
]


@dataclass
class ReplaceSceneVisual(ComposeStep):
    """Scene ``scene``'s visual becomes ``what`` (words searched in the media library, or a file)."""

    scene: int = 0
    what: str = ""
    kind: ClassVar[str] = "replace scene visual"
    phase: ClassVar[int] = 0  # a picture edit


def _number(word: str):
    if word.isdigit():
        return int(word)
    return _NUMBERS.get(word, _ORDINALS.get(word))


def _parse(cl, t: str, context) -> Any:
    text = t.strip()
    orig = cl.orig_text() if hasattr(cl, "orig_text") else text
    for pat in _PATTERNS:
        m = pat.match(text)
        if not m:
            continue
        n = _number(m.groupdict().get("n") or m.groupdict().get("o") or "")
        if n is None or n < 1:
            continue
        what = m.group("what").strip()
        mo = pat.match(orig.lower())  # the words as typed (a file name keeps its case)
        if mo is not None and len(orig) == len(orig.lower()):
            what = orig[mo.start("what"):mo.end("what")].strip()
        from ..script.scenes import VIDEO_EXT

        if what.strip("'\"").lower().endswith(VIDEO_EXT):
            from .files import context_base, resolve_file

            what = resolve_file(what.strip("'\""), context_base(context), orig)
        return ReplaceSceneVisual(scene=n, what=what)
    return None


def _resolve(step: ReplaceSceneVisual, state) -> list:
    from ..script.scenes import replace_visual

    return [replace_visual(state.sim, step.scene, step.what, notes=state.notes)]


PARSERS.append(_parse)
RESOLVERS[ReplaceSceneVisual] = _resolve
