"""Matching phrases: the lexicon plus every registry name and synonym; op specs by name."""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from .clause import Clause
from .lexicon import PHRASES, Phrase
from .plan import ParseError

_ALL_PHRASES: Tuple[int, List[Phrase]] = (-1, [])


def all_phrases() -> List[Phrase]:
    """The lexicon, then every registry name and synonym (so ops' own synonyms work too).

    Registry words carry no direction (sign 0): a typed sign or the op's default decides.
    On equal-length matches the lexicon wins, since it comes first. Rebuilt when ops are added.
    """
    global _ALL_PHRASES
    from ..ops import aliases

    names = aliases()
    if _ALL_PHRASES[0] != len(names):  # one tuple assignment, so concurrent first calls are harmless
        extra = []
        for alias, op in sorted(names.items()):
            if op == "ai_edit" or not alias.strip():
                continue
            words = r"[\s_-]+".join(re.escape(w) for w in alias.split())
            extra.append(Phrase(op, re.compile(r"(?<![\w.-])" + words + r"(?![\w.-])"), 0, (), False, alias))
        _ALL_PHRASES = (len(names), PHRASES + extra)
    return _ALL_PHRASES[1]


def best_phrase(cl: Clause) -> Optional[Tuple[Phrase, "re.Match[str]"]]:
    best = None
    for ph in all_phrases():
        m = ph.pattern.search(cl.low)
        if m and m.end() > m.start():
            key = (m.end() - m.start(), -m.start())
            if best is None or key > best[0]:
                best = (key, ph, m)
    return (best[1], best[2]) if best else None


def spec_for(op: str):
    from ..ops import find_op

    spec = find_op(op)
    if spec is None:
        raise ParseError(f"The '{op}' operation is not available in this build; run 't2v-desktop ops' for the list.")
    return spec
