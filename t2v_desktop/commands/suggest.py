"""Suggestions for text the parser did not understand: the closest known commands."""

from __future__ import annotations

import difflib
import re
from typing import List

from .clause import Clause
from .lexicon import CANONICAL
from .plan import ParseError
from .router import near_classic

EXAMPLES = ["make it warmer", "stabilize, then make it black and white", "trim the first 3 seconds",
            "ai: make it look like a watercolor painting"]


def unknown(cl: Clause) -> ParseError:
    said = cl.orig_text()
    sugg = suggest(cl.text())
    hint = f" Did you mean: {', '.join(repr(s) for s in sugg[:3])}?" if sugg else ""
    return ParseError(f"I don't understand '{said[:80]}'.{hint} Start with 'ai:' to ask the AI backend instead.",
                      sugg or EXAMPLES)


def _phrase_list() -> List[str]:
    from ..ops import aliases

    return list(dict.fromkeys(CANONICAL + sorted(aliases())))


def suggest(text: str, n: int = 5) -> List[str]:
    """The known commands closest to ``text`` (whole phrase first, then word by word)."""
    text = " ".join(str(text).lower().split())[:200]
    phrases = _phrase_list()
    out: List[str] = []
    out += difflib.get_close_matches(text, phrases, n=3, cutoff=0.7)
    for w in re.findall(r"[a-z]{3,}", text)[:20]:
        canon = near_classic(w)
        if canon:
            out.append(canon)
        out += difflib.get_close_matches(w, phrases, n=2, cutoff=0.75)
    return list(dict.fromkeys(out))[:n]


# ---------------------------------------------------------------------------------------------
