"""Split a typed search into the parts each ranking signal understands.

"red car at night says 'welcome'" -> spoken phrase "welcome", colour words {red, dark}, content words
[car]. Quoted phrases after says/text are matched against the transcript or the on-screen text only;
other quoted phrases against both. Colour/brightness/motion words map onto the descriptor vocabulary
the indexer writes (shots.colour_words) so "night" finds dark shots and "sunset" warm orange ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

# query word -> descriptor words it stands for (the indexer's vocabulary: colour names, dark/bright,
# fast/still, warm/cool)
DESCRIPTOR_WORDS = {
    "red": ("red",), "orange": ("orange",), "yellow": ("yellow",), "green": ("green",),
    "blue": ("blue",), "purple": ("purple",), "pink": ("pink",), "white": ("white",),
    "black": ("black", "dark"), "grey": ("grey",), "gray": ("grey",), "brown": ("brown",),
    "dark": ("dark",), "night": ("dark",), "dim": ("dark",), "bright": ("bright",),
    "sunny": ("bright",), "day": ("bright",), "sunset": ("orange", "warm"), "warm": ("warm",),
    "cool": ("cool",), "cold": ("cool",), "fast": ("fast",), "moving": ("fast",), "action": ("fast",),
    "still": ("still",), "static": ("still",), "calm": ("still",),
}
STOP_WORDS = frozenset(
    "a an the at in on of with and or to for by from is are be clip clips shot shots video videos "
    "find show me where some any that this".split())
_QUOTED = re.compile(r"""(?:\b(says?|said|saying|spoken|text|reads?|sign|caption)\s+)?(["'\u2018\u201c])(.+?)["'\u2019\u201d]""",
                     re.IGNORECASE)
_SPOKEN = {"say", "says", "said", "saying", "spoken"}


@dataclass
class Query:
    """The parts of one search. ``text`` is the query as typed (after translation)."""

    text: str
    spoken: List[str] = field(default_factory=list)      # phrases that must be said
    onscreen: List[str] = field(default_factory=list)    # phrases that must be read on screen
    anywhere: List[str] = field(default_factory=list)    # quoted, either
    descriptors: List[Tuple[str, Tuple[str, ...]]] = field(default_factory=list)  # (word, wanted)
    words: List[str] = field(default_factory=list)       # remaining content words
    translated_from: Optional[str] = None

    @property
    def wanted_descriptors(self) -> List[str]:
        out: List[str] = []
        for _, wanted in self.descriptors:
            out.extend(w for w in wanted if w not in out)
        return out


def parse_query(text: str, *, translate: bool = True) -> Query:
    """Parse ``text``; non-English queries are translated first when a local model is installed."""
    source = text.strip()
    translated_from = None
    if translate:
        source, translated_from = _maybe_translate(source)
    q = Query(text=source, translated_from=translated_from)
    rest = source
    for m in list(_QUOTED.finditer(source)):
        kind = (m.group(1) or "").lower()
        phrase = m.group(3).strip()
        if not phrase:
            continue
        if kind in _SPOKEN:
            q.spoken.append(phrase)
        elif kind:
            q.onscreen.append(phrase)
        else:
            q.anywhere.append(phrase)
        rest = rest.replace(m.group(0), " ")
    for token in re.findall(r"[\w']+", rest.lower()):
        if token in DESCRIPTOR_WORDS:
            q.descriptors.append((token, DESCRIPTOR_WORDS[token]))
        elif token not in STOP_WORDS and len(token) > 1:
            q.words.append(token)
    return q


def _maybe_translate(text: str) -> Tuple[str, Optional[str]]:
    """English text passes through; other text goes through speech/translate.py when it can."""
    if not text or all(ord(c) < 128 for c in text):
        return text, None
    try:
        from ..speech import translate as tr  # optional; H11c's module
        fn = getattr(tr, "translate_text", None) or getattr(tr, "translate", None)
        if fn is None:
            return text, None
        out = fn(text, target="en")
        out = getattr(out, "text", out)
        if isinstance(out, str) and out.strip():
            return out.strip(), text
    except Exception:  # no local model, or the module isn't there: search with the words as typed
        pass
    return text, None
