"""Split a typed search into the parts each ranking signal understands.

"red car at night says 'welcome'" -> spoken phrase "welcome", colour words {red, dark}, content words
[car]. Quoted phrases after says/text are matched against the transcript or the on-screen text only;
other quoted phrases against both. Colour/brightness/motion words map onto the descriptor vocabulary
the indexer writes (shots.colour_words) so "night" finds dark shots and "sunset" warm orange ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

# query word -> descriptor words it stands for (the indexer's vocabulary: colour names, dark/bright,
# fast/still, warm/cool)
DESCRIPTOR_WORDS = {
    "red": ("red",), "orange": ("orange",), "yellow": ("yellow",), "green": ("green",),
    "blue": ("blue",), "purple": ("purple",), "pink": ("pink",), "white": ("white",),
    "black": ("black", "dark"), "grey": ("grey",), "gray": ("grey",), "brown": ("brown",),
    "dark": ("dark",), "night": ("dark",), "dim": ("dark",), "bright": ("bright",),
    "sunny": ("bright",), "day": ("bright",), "sunset": ("orange", "warm"), "warm": ("warm",),
    "cool": ("cool",), "cold": ("cool",), "fast": ("fast",), "moving": ("fast",), "action": ("fast",),
    "still": ("still",), "static": ("still",), "calm": ("still",), "slow": ("slow",), "slowly": ("slow",),
    "pan": ("pan",), "panning": ("pan",),
}
MOTION_WORDS = frozenset(("still", "slow", "fast", "pan"))  # the indexer's motion words (shots.py), not colours
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
    translated_from: Optional[str] = None                # the query as typed, when it was translated
    notes: List[str] = field(default_factory=list)       # e.g. translation wanted but unavailable

    @property
    def wanted_descriptors(self) -> List[str]:
        out: List[str] = []
        for _, wanted in self.descriptors:
            out.extend(w for w in wanted if w not in out)
        return out


def parse_query(text: str, *, translate: bool = True, translator: Optional["Translator"] = None) -> Query:
    """Parse ``text``; non-English queries are translated first when a local model is installed
    (``translator``: fn(texts, target, source) -> texts, instead of speech/translate.py's model)."""
    source = text.strip()
    translated_from, notes = None, []
    if translate:
        source, translated_from, note = _maybe_translate(source, translator)
        notes = [note] if note else []
    q = Query(text=source, translated_from=translated_from, notes=notes)
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


Translator = Callable[[List[str], str, str], List[str]]  # (texts, target, source) -> texts


def _default_translator(texts: List[str], target: str, source: str) -> List[str]:
    """speech/translate.py's local model (Marian / NLLB / M2M100); ModelMissing when none is there."""
    from ..speech import translate as tr

    tr.find_model(source, target)  # raises ModelMissing (where it looked, how to fetch) before any import
    return tr.translate_texts(texts, target, source=source)


_MEMO: Dict[Tuple[str, str], str] = {}  # (source language, text) -> English: a model load per query is slow


def _maybe_translate(text: str, translator: Optional[Translator]) -> Tuple[str, Optional[str], Optional[str]]:
    """(text to search, original text when translated, note when translation was wanted but not
    possible). English passes through; quoted phrases stay as typed (they are matched against what
    is said or written in the footage, in its own language); the words around them are translated."""
    from ..speech.language import guess_language

    source = guess_language(_QUOTED.sub(" ", text)) if text else None
    if source is None:
        return text, None, None
    parts = re.split(r"""((?:["\u2018\u201c]).+?["\u2019\u201d]|'[^']+')""", text)
    todo = [i for i, p in enumerate(parts) if i % 2 == 0 and p.strip()]
    key = (source, text)
    if key not in _MEMO:
        try:
            done = (translator or _default_translator)([parts[i].strip() for i in todo], "en", source)
        except Exception as exc:  # noqa: BLE001 - no model (ModelMissing), no torch: search as typed
            reason = str(exc).split("; fetch")[0] if str(exc) else type(exc).__name__
            return text, None, (f"translation unavailable: the query looks like language '{source}', so it "
                                f"was searched as typed ({reason}); fetch a model with `hf "
                                f"download Helsinki-NLP/opus-mt-{source}-en`")
        out = list(parts)
        for i, t in zip(todo, done, strict=True):
            out[i] = f" {t.strip()} "
        _MEMO[key] = " ".join("".join(out).split())
    return _MEMO[key], text, None
