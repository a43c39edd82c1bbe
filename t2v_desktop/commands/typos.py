"""Obvious typos ("brigther", "contrsat", "revese", "teh"), corrected only when it is safe.

Correcting is a fallback, never a first reading: the parser tries the text as typed, and only
when that fails does it try readings with unknown words replaced by words of its own vocabulary
(every word its phrase patterns, fillers and the registry's names can match). A word is a
candidate for correction only if it is alphabetic, unknown to the parser, not a common English
word (``realwords.py``) and close to exactly the words listed below:

- 3-4 letters: one swap of adjacent letters ("teh" -> "the");
- 5-7 letters: one edit (insert, delete, substitute, swap), keeping the first letter;
- 8+ letters: up to two edits, keeping the first letter ("stabalize", "brightnes").

The reading is applied only if it parses, every corrected word lands in a classic (or history)
step (a typo inside an AI prompt is the AI's business), and all the readings that parse give the
same plan; several different plans is an ambiguity, reported with each reading as a suggestion.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

from .plan import GENERATIVE, Correction, ParseError, Plan

try:  # the regex parser, to list the words a pattern can match
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_WORD = re.compile(r"(?<![\w'&/.:-])[A-Za-z]{3,}(?![\w'&/.:-])")
MAX_READINGS = 12
MAX_TYPOS = 4  # more unknown words than this is not a typo, it is a sentence we don't know
_CAP = 4000  # strings per sub-pattern while listing a pattern's words

_VOCAB: Optional[Set[str]] = None


# ---- the parser's vocabulary ----------------------------------------------------------------


# A pattern's language is listed as "shapes": ("w", f) is a string with no word break (a fragment
# of one word), ("b", head, tail) a string with a break, whose whole words in between go straight
# into the word set. Concatenation joins fragments, so no full string list is ever built.
_Shape = Tuple[str, ...]
_EMPTY: _Shape = ("w", "")
_BREAK: _Shape = ("b", "", "")


def _join(a: _Shape, b: _Shape, words: Set[str]) -> _Shape:
    if a[0] == "w" and b[0] == "w":
        return ("w", a[1] + b[1])
    if a[0] == "w":
        return ("b", a[1] + b[1], b[2])
    if b[0] == "w":
        return ("b", a[1], a[2] + b[1])
    words.add(a[2] + b[1])
    return ("b", a[1], b[2])


def _shapes(items, words: Set[str]) -> Set[_Shape]:
    out: Set[_Shape] = {_EMPTY}
    for op, av in items:
        if op is _c.LITERAL:
            ch = chr(av).lower()
            alts = {("w", ch)} if "a" <= ch <= "z" else {_BREAK}
        elif op is _c.IN:
            chars = {chr(v).lower() for o, v in av if o is _c.LITERAL}
            plain = all(o is _c.LITERAL for o, _ in av) and all("a" <= c <= "z" for c in chars)
            alts = {("w", c) for c in chars} if plain else {_BREAK}
        elif op is _c.BRANCH:
            alts = set().union(*(_shapes(b, words) for b in av[1]))
        elif op is _c.SUBPATTERN:
            alts = _shapes(av[-1], words)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            lo, hi, sub = av
            inner = _shapes(sub, words)
            if hi == 1:
                alts = inner | ({_EMPTY} if lo == 0 else set())
            else:  # repeated: each repetition stands alone
                alts = {_BREAK} | {_join(_join(_BREAK, s, words), _BREAK, words) for s in inner}
        elif op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            alts = {_EMPTY}
        else:
            alts = {_BREAK}
        out = {_join(x, y, words) for x in out for y in alts}
        if len(out) > _CAP:
            out = set(list(out)[:_CAP])
    return out


def pattern_words(pattern: str) -> Set[str]:
    """Alphabetic words (2+ letters) that ``pattern`` can match as whole words."""
    try:
        parsed = _p.parse(pattern)
    except Exception:  # noqa: BLE001 - a pattern we cannot list simply adds no words
        return set()
    words: Set[str] = set()
    for shape in _shapes(list(parsed), words):
        words.update(shape[1:])
    return {w for w in words if len(w) >= 2}


def _patterns() -> Iterable[str]:
    from . import cleanup, compose, extract, history, lexicon, router, split, timecode

    for ph in lexicon.PHRASES:
        yield ph.pattern.pattern
    for mod in (cleanup, compose, extract, history, router, split, timecode, lexicon):
        for value in vars(mod).values():
            if isinstance(value, re.Pattern):
                yield value.pattern
            elif isinstance(value, list):
                for item in value:
                    pat = item[1] if isinstance(item, tuple) and len(item) == 2 else item
                    if isinstance(pat, re.Pattern):
                        yield pat.pattern


def vocabulary() -> Set[str]:
    """Every word the parser knows (built once, on the first typo)."""
    global _VOCAB
    if _VOCAB is None:
        from ..ops import aliases
        from . import extract, lexicon, numbers, parser, router

        words: Set[str] = set()
        for pat in _patterns():
            words |= pattern_words(pat)
        for group in (lexicon.FILLER, router.NON_VISUAL, parser._GEN_STOP, numbers._SMALL_WORDS,
                      numbers._TENS_WORDS, numbers.SMALL, numbers.LARGE):
            words |= {w for phrase in group for w in re.findall(r"[a-z]{2,}", phrase.lower())}
        words |= {w for a in aliases() for w in re.findall(r"[a-z]{2,}", a.lower())}
        words |= {w for k in extract._POSITIONS for w in k.split()}
        words |= {w for _, _, canon, *_ in lexicon._TABLE for w in re.findall(r"[a-z]{2,}", canon)}
        _VOCAB = words
    return _VOCAB


# ---- distance -------------------------------------------------------------------------------


def distance(a: str, b: str, limit: int = 2) -> int:
    """Edit distance with adjacent swaps (optimal string alignment); ``limit + 1`` when above it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: List[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _is_swap(a: str, b: str) -> bool:
    return len(a) == len(b) and sorted(a) == sorted(b) and \
        [i for i in range(len(a)) if a[i] != b[i]] in ([k, k + 1] for k in range(len(a) - 1))


def candidates(word: str) -> List[str]:
    """Vocabulary words ``word`` is an obvious typo of (closest first; [] for known or real words)."""
    return list(_candidates(word.lower()))


@lru_cache(maxsize=4096)
def _candidates(w: str) -> Tuple[str, ...]:
    from .realwords import REAL_WORDS

    vocab = vocabulary()
    if len(w) < 3 or not w.isascii() or not w.isalpha() or w in vocab or w in REAL_WORDS:
        return ()
    if len(w) <= 4:
        return tuple(sorted(v for v in vocab if _is_swap(w, v)))
    limit = 1 if len(w) <= 7 else 2
    found: Dict[str, int] = {}
    for v in vocab:
        if len(v) < 3 or abs(len(v) - len(w)) > limit:
            continue
        if v[0] != w[0] and not (_is_swap(w[:2], v[:2]) and w[2:] == v[2:]):
            continue
        d = distance(w, v, limit)
        if d <= limit:
            found[v] = d
    if not found:
        return ()
    best = min(found.values())
    close = sorted(v for v, d in found.items() if d == best)
    doubled = [v for v in close if _undouble(w, v) or _undouble(v, w)]  # "blurr", "stabillize"
    return tuple(doubled or close)


def _undouble(a: str, b: str) -> bool:
    """Is ``b`` ``a`` with one doubled letter written once?"""
    return len(a) == len(b) + 1 and any(a[i] == a[i + 1] and a[:i] + a[i + 1:] == b for i in range(len(a) - 1))


# ---- readings -------------------------------------------------------------------------------


def _verbatim(text: str) -> List[Tuple[int, int]]:
    """Spans of quoted text and file names (compose.py's titles and files)."""
    from .compose import _QUOTE
    from .files import FILE

    return [(m.start(), m.end()) for pat in (_QUOTE, FILE) for m in pat.finditer(text)]


def _readings(text: str) -> List[Tuple[str, List[Correction]]]:
    """Corrected versions of ``text`` (every combination of candidates, at most MAX_READINGS)."""
    slots: List[Tuple[re.Match, List[str]]] = []
    kept = _verbatim(text)
    for m in _WORD.finditer(text):
        if any(a <= m.start() < b for a, b in kept):
            continue  # a title's quoted text or a file name is the user's, never corrected
        cands = candidates(m.group(0))
        if cands:
            slots.append((m, cands))
            if len(slots) > MAX_TYPOS:
                return []
    combos: List[List[str]] = [[]]
    for _, cands in slots:
        combos = [c + [v] for c in combos for v in cands][:MAX_READINGS]
    out = []
    for combo in combos:
        parts, last, fixes = [], 0, []
        for (m, _), v in zip(slots, combo, strict=True):
            typed = m.group(0)
            fixed = v.capitalize() if typed[:1].isupper() and typed[1:].islower() else v
            parts += [text[last:m.start()], fixed]
            last = m.end()
            fixes.append(Correction(typed, fixed, m.start(), m.end()))
        parts.append(text[last:])
        out.append(("".join(parts), fixes))
    return out


def _lands_in_classic(plan: Plan, fixes: List[Correction]) -> bool:
    """No corrected word ended up in an AI prompt."""
    for step in plan.steps:
        if step.route == GENERATIVE:
            said = step.text.lower()
            if any(re.search(r"\b" + re.escape(f.corrected.lower()) + r"\b", said) for f in fixes):
                return False
    return True


def correct(text: str, parse: Callable[[str], Plan], error: ParseError) -> Plan:
    """The plan of the one safe corrected reading of ``text``; else raises (``error`` when no
    reading helps, an ambiguity error when readings disagree)."""
    if not isinstance(text, str) or re.match(r"\s*(?:ai|a\.i\.|gen|generative|diffusion)\s*:", text, re.I):
        raise error
    good: List[Tuple[str, List[Correction], Plan]] = []
    for reading, fixes in _readings(text):
        try:
            plan = parse(reading)
        except ParseError:
            continue
        if _lands_in_classic(plan, fixes):
            good.append((reading, fixes, plan))
    if not good:
        raise error
    shapes = {repr(p.to_json()) for _, _, p in good}
    if len(shapes) > 1:
        readings = list(dict.fromkeys(r for r, _, _ in good))
        typed = ", ".join(dict.fromkeys(f"'{f.typed}'" for _, fixes, _ in good for f in fixes))
        raise ParseError(f"I'm not sure what {typed} means; did you mean "
                         + " or ".join(f"'{r}'" for r in readings[:3]) + "?", readings[:5])
    # one meaning: show the reading that adds letters ("warmr" -> "warmer", not "warm"): dropped
    # letters are the commoner slip
    reading, fixes, plan = max(good, key=lambda g: sum(len(f.corrected) for f in g[1]))
    plan.text = text
    plan.corrections = fixes
    plan.corrected_text = reading
    return plan
