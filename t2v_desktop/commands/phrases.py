"""Matching phrases: the lexicon plus every registry name and synonym; op specs by name."""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from .clause import Clause
from .lexicon import PHRASES, Phrase
from .plan import ParseError

_ALL_PHRASES: Optional[List[Phrase]] = None


def all_phrases() -> List[Phrase]:
    """The lexicon, then every registry name and synonym (so ops' own synonyms work too).

    Registry words carry no direction (sign 0): a typed sign or the op's default decides.
    On equal-length matches the lexicon wins, since it comes first.
    """
    global _ALL_PHRASES
    if _ALL_PHRASES is None:  # built once; a plain assignment, so concurrent first calls are harmless
        from ..ops import aliases

        extra = []
        for alias, op in sorted(aliases().items()):
            if op == "ai_edit" or not alias.strip():
                continue
            words = r"[\s_-]+".join(re.escape(w) for w in alias.split())
            extra.append(Phrase(op, re.compile(r"(?<![\w.-])" + words + r"(?![\w.-])"), 0, (), False, alias))
        _ALL_PHRASES = PHRASES + extra
    return _ALL_PHRASES


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
