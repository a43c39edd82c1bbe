"""A piece of command text that parsers consume bit by bit.

The lower-cased text (for matching) and the original text (for file paths and prompts) are kept
the same length; consumed spans are blanked, never deleted, so spans stay valid in both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

_WORD = re.compile(r"[^\s,;.!?]+")


@dataclass
class Clause:
    low: str
    orig: str
    #: Split off by a weak separator ("," or "and") rather than "then" / ";".
    weak: bool = False

    @classmethod
    def of(cls, text: str) -> "Clause":
        low = text.lower()
        if len(low) != len(text):  # a few characters change length when lower-cased
            text = low
        return cls(low, text)

    def blank(self, start: int, end: int) -> None:
        pad = " " * (end - start)
        self.low = self.low[:start] + pad + self.low[end:]
        self.orig = self.orig[:start] + pad + self.orig[end:]

    def take(self, pattern: "re.Pattern[str]") -> Optional["re.Match[str]"]:
        """Search ``pattern`` in the lower-case text; blank and return the first match."""
        m = pattern.search(self.low)
        if m:
            self.blank(m.start(), m.end())
        return m

    def words(self) -> List[str]:
        return _WORD.findall(self.low)

    def text(self) -> str:
        return " ".join(self.low.split())

    def orig_text(self) -> str:
        return " ".join(self.orig.split())

    def span_orig(self, span: Tuple[int, int]) -> str:
        return self.orig[span[0]:span[1]]

    def copy(self) -> "Clause":
        return Clause(self.low, self.orig, self.weak)
