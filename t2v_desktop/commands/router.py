"""Routing: which clauses are open-ended visual edits for the generative backend.

The rule (documented in docs/commands.md): a clause goes generative when the classic grammar does
not cover it *and* it asks for a visual change — it starts with a visual verb (make, turn, add,
change, replace, give, transform, ...) or says "look(s) like" / "in the style of" — *and* what it
asks for contains at least one word-like word that is neither a typo of a classic word nor a
non-visual request ("send an email"). Everything else is a ParseError with suggestions.
"""

from __future__ import annotations

import difflib
import re
from typing import Dict, List, Optional

from .clause import Clause
from .lexicon import FILLER, LOOKS_LIKE, VISUAL_VERBS, vocabulary
from .numbers import to_float

_VOWEL = re.compile(r"[aeiouy]")
#: Runs of keys along a keyboard row: "asdf", "qwer", "hjkl"... (never inside English words).
_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_MASH = {row[i:i + 4] for row in _KEY_ROWS for i in range(len(row) - 3)} - {"erty"}
_MASH |= {s[::-1] for s in _MASH}

#: Requests that are not about the picture at all.
NON_VISUAL = set(
    """email e-mail mail message messages text texts sms call phone calendar reminder reminders meeting
    appointment website web internet password account order buy purchase pay payment money sandwich
    coffee pizza dinner lunch breakfast weather joke jokes homework essay code program app download upload
    install update file files folder document spreadsheet invoice tweet post share subscribe alarm timer
    shorter longer length duration seconds minutes faster slower louder quieter volume""".split()
)


def is_word_like(word: str) -> bool:
    """Could this be an English word (or a name)? Rejects keyboard mash like 'asdf', 'qwer', 'zxcv'."""
    w = word.lower().strip("'\"")
    if not w.isalpha() or not w.isascii():
        return False
    if len(w) == 1:
        return False
    if not _VOWEL.search(w):
        return False
    if re.search(r"(.)\1\1", w) or re.search(r"[^aeiouy]{5,}", w):
        return False
    if any(m in w for m in _MASH):
        return False
    if re.search(r"q(?!u)", w) and w not in ("iraq", "qatar"):
        return False
    return True


_VOCAB: Optional[Dict[str, str]] = None


def near_classic(word: str) -> Optional[str]:
    """The canonical classic phrase ``word`` is probably a typo of, or None."""
    global _VOCAB
    if _VOCAB is None:
        _VOCAB = vocabulary()
    if len(word) < 5 or word in _VOCAB:
        return None
    from .realwords import REAL_WORDS

    if word in REAL_WORDS:  # "stormy" is not a typo of "story"
        return None
    close = difflib.get_close_matches(word, list(_VOCAB), n=1, cutoff=0.86 if len(word) < 6 else 0.8)
    return _VOCAB[close[0]] if close else None


def content_words(words: List[str]) -> List[str]:
    return [w for w in words if w not in FILLER and not re.fullmatch(r"[\d.:%x+-]+", w)]


def visual_request(text: str) -> bool:
    """Does the (filler-stripped) clause ask for a change to the picture?"""
    return bool(VISUAL_VERBS.search(text) or LOOKS_LIKE.search(text))


def non_visual(words: List[str]) -> List[str]:
    return [w for w in words if w in NON_VISUAL]


# Modifiers of a generative step; consumed so they do not end up in the prompt.
_SEED = re.compile(r"(?:,\s*)?\b(?:with\s+|using\s+)?(?:a\s+|the\s+)?(?:random\s+)?seed\s*(?:=|:|of|to|number|#)?\s*(?P<n>-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)")
_STEPS = re.compile(r"(?:,\s*)?\b(?:(?:with|in|using|at)\s+)?(?P<n>-?\d+(?:\.\d+)?)\s+(?:diffusion\s+|inference\s+|denoising\s+|sampling\s+)?steps\b|\bsteps\s*(?:=|:)\s*(?P<m>-?\d+(?:\.\d+)?)")
_STRENGTH = re.compile(r"(?:,\s*)?\b(?:with\s+|at\s+)?(?:a\s+)?strength\s*(?:=|:|of|to)?\s*(?P<v>-?\d+(?:\.\d+)?)\s*(?P<pct>%|percent)?|\bat\s+(?P<w>\d+(?:\.\d+)?)\s*(?:%|percent)\s+strength\b")
_GUIDANCE = re.compile(r"(?:,\s*)?\b(?:with\s+|at\s+)?(?:a\s+)?(?:cfg|guidance)(?:\s+scale)?\s*(?:=|:|of|to)?\s*(?P<v>-?\d+(?:\.\d+)?)")
_MODEL = re.compile(r"(?:,\s*)?\b(?:using|with)\s+(?:the\s+)?model\s+(?P<m>[\w./:-]+)")
_VIDEO_BACKEND = re.compile(r"(?:,\s*)?\(\s*video\s*\)|(?:,\s*)?\b(?:with|using)\s+(?:a|the)\s+video\s+model\b")
_STRONG = re.compile(r"(?:,\s*)?\b(?:very\s+strongly|strongly|heavily|intensely|aggressively|dramatically)\b")
_SUBTLE = re.compile(r"(?:,\s*)?\b(?:subtly|subtle|slightly|lightly|gently|mildly|a\s+little\s+bit|a\s+little|a\s+bit|a\s+touch)\b")
_FAST = re.compile(r"(?:,\s*)?(?:\bin\s+)?\b(?:fast|quick|draft|preview)\s+(?:mode|quality|preview)\b|(?:,\s*)?\b(?:fast|quickly|quick)\s*$")
_QUALITY = re.compile(r"(?:,\s*)?(?:\bin\s+)?\b(?:high|best|full)\s+quality(?:\s+mode)?\b|\bquality\s+mode\b")


def take_ai_modifiers(cl: Clause) -> dict:
    """Seed, steps, strength, guidance, model and mode words; the rest stays the prompt."""
    params: dict = {}
    m = cl.take(_SEED)
    if m:
        params["seed"] = _whole(m.group("n"), "seed")
    m = cl.take(_STEPS)
    if m:
        params["steps"] = _whole(m.group("n") or m.group("m"), "steps")
    m = cl.take(_STRENGTH)
    if m:
        v = to_float(m.group("v") or m.group("w"))
        params["strength"] = v / 100 if (m.group("pct") or m.group("w")) else v
    m = cl.take(_GUIDANCE)
    if m:
        params["guidance"] = to_float(m.group("v"))
    m = _MODEL.search(cl.low)
    if m:
        params["model"] = cl.orig[m.start("m"):m.end("m")]
        cl.blank(m.start(), m.end())
    if cl.take(_VIDEO_BACKEND):
        params["backend"] = "video"
    if "strength" not in params:
        if cl.take(_STRONG):
            params["strength"] = 0.8
        elif cl.take(_SUBTLE):
            params["strength"] = 0.35
    if cl.take(_FAST):
        params["mode"] = "fast"
    elif cl.take(_QUALITY):
        params["mode"] = "quality"
    return params


def _whole(num: str, name: str):
    v = to_float(num)
    return int(v) if v.is_integer() else v  # a fraction fails the Int param with a clear message
