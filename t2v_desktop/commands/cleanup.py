"""Text clean-up: unicode and spacing, route prefixes ("ai:", "classic:"), polite filler, the timeline target."""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from .clause import Clause
from .plan import CLASSIC, GENERATIVE


def clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # format characters (soft hyphen, zero-width space, BOM) vanish; other controls become spaces
    text = "".join("" if unicodedata.category(ch) == "Cf" else " " if unicodedata.category(ch)[0] in "CZ" and ch != "\n"
                   else ch for ch in text)
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-"), ("×", "x")):
        text = text.replace(a, b)
    return text.strip()


PREFIX = re.compile(r"^\s*(?P<p>ai|a\.i\.|gen|generative|diffusion|classic|cv|basic)\s*(?P<v>\(\s*video\s*\))?\s*:\s*")
_LEAD = re.compile(
    r"^[\s,]*(?:(?:please|pls|kindly|now|also|and|then|first(?:ly)?(?!\s+(?:\d|half|third|quarter|second\b|minute\b|frame|few|part))|"
    r"next|finally|lastly|ok(?:ay)?|hey|so|just|can\s+you|could\s+you|would\s+you|will\s+you|you\s+should|"
    r"i\s+(?:want|need|would\s+like|'d\s+like|wanna)(?:\s+you)?(?:\s+to)?|let'?s|let\s+us|go\s+ahead\s+and|try\s+to|"
    r"to\s+start|start\s+by|begin\s+by)\b[\s,]*)+"
)
_TRAIL = re.compile(r"[\s,.!?]*(?:\b(?:please|pls|thanks|thank\s+you|thx|for\s+me)\b)?[\s,.!?]*$")
_TARGET = re.compile(
    r"(?:\b(?:to|on|for|across|in|over)\s+)?(?:\b(?:the\s+)?(?:whole|entire|full|complete)\s+(?:timeline|project|sequence|edit)\b|"
    r"\ball\s+(?:(?:of\s+)?the\s+)?clips\b|\bevery\s+clip\b|\beverything\b|\b(?:the\s+)?timeline\b|\ball\s+of\s+them\b)"
)


def take_prefix(cl: Clause) -> Optional[str]:
    m = PREFIX.match(cl.low)
    if not m:
        return None
    if m.group("v"):  # "ai (video): ...": "(video)" stays for the AI modifiers (a video model's edit)
        cl.blank(m.start(), m.start("v"))
        cl.blank(m.end("v"), m.end())
    else:
        cl.blank(m.start(), m.end())
    return CLASSIC if m.group("p") in ("classic", "cv", "basic") else GENERATIVE


def take_target(cl: Clause) -> bool:
    found = False
    while cl.take(_TARGET):
        found = True
    return found


def strip_fillers(cl: Clause) -> None:
    m = _LEAD.match(cl.low)
    if m and m.end() > m.start():
        cl.blank(m.start(), m.end())
    m = _TRAIL.search(cl.low)
    if m and m.end() > m.start():
        cl.blank(m.start(), m.end())
