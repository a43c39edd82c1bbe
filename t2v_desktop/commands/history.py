"""Edit-history commands: undo, redo, reset, 'remove the blur', 'remove the last effect'."""

from __future__ import annotations

import re
from typing import List, Optional

from .clause import Clause
from .cleanup import strip_fillers
from .numbers import to_float
from .phrases import all_phrases, best_phrase
from .plan import CLASSIC, ParseError, Step
from .router import content_words, near_classic

MAX_REPEAT = 50

_TIMES = r"(?:\s+(?P<n>\d+)\s+times|\s+(?P<tw>once|twice|thrice))?"
_WHICH = r"(?:\s+(?:that|it|this|(?:the\s+)?(?:last|previous|latest|most\s+recent)(?:\s+(?P<k>\d+))?(?:\s+(?:change|edit|step|action|command|thing|one|effect|operation)s?)?))?"
_UNDO = re.compile(r"^(?:undo|go\s+back|step\s+back|revert(?:\s+that)?)" + _WHICH + _TIMES + r"$")
_REDO = re.compile(r"^(?:redo|re-do)" + _WHICH + _TIMES + r"$")
_RESET = re.compile(
    r"^(?:reset(?:\s+(?:it|this|everything|all|the\s+(?:video|clip|effects|edits|changes)))?(?:\s+to\s+(?:the\s+)?original)?|"
    r"start\s+(?:over|again|from\s+scratch)|(?:revert|go\s+back)\s+to\s+(?:the\s+)?original|back\s+to\s+(?:the\s+)?original|"
    r"(?:remove|clear|delete|drop|undo|strip|disable)\s+(?:all|every|everything)(?:\s+(?:of\s+)?(?:the\s+)?(?:effects?|edits?|filters?|changes?|ops?|operations?))?|"
    r"(?:remove|clear|delete|strip)\s+(?:the\s+|my\s+)?(?:effects|edits|filters|changes|ops|operations)|"
    r"clear(?:\s+(?:it|everything|all))?|no\s+(?:effects|edits|filters))$"
)
_REMOVE_LAST = re.compile(
    r"^(?:remove|delete|drop|take\s+(?:off|out|away)|get\s+rid\s+of|clear|disable|turn\s+off|cancel|kill)\s+"
    r"(?:the\s+)?(?:last|latest|previous|most\s+recent|final)\s+(?:effect|edit|filter|op|operation|change|step|one|thing|adjustment)$"
)
_REMOVE_VERB = (r"^(?:remove|delete|drop|take\s+(?:off|out|away)|get\s+rid\s+of|clear|disable|turn\s+off|undo|cancel|"
                r"strip|lose|no\s+more|revert|kill|cut)\s+")
_REMOVE_OP = re.compile(
    _REMOVE_VERB + r"(?:the\s+|that\s+|this\s+|my\s+|all\s+(?:the\s+)?)?(?P<what>.+?)"
    r"(?:\s+(?:effects?|filters?|looks?|ops?|operations?|edits?|changes?|adjustments?|steps?|tones?))?$"
)
_UN = re.compile(r"^un-?(?P<what>mute|blur|flip|reverse|freeze|stabili[sz]e|crop|zoom|rotate|mirror|sharpen)$")


def history_steps(cl: Clause) -> Optional[List[Step]]:
    t = cl.text()
    said = cl.orig_text()
    for pattern, action in ((_UNDO, "undo"), (_REDO, "redo")):
        m = pattern.match(t)
        if m:
            n = m.group("n") or m.group("k")
            count = {"once": 1, "twice": 2, "thrice": 3}.get(m.group("tw") or "", 1)
            if n:
                count = int(to_float(n))
            if not 1 <= count <= MAX_REPEAT:
                raise ParseError(f"I can {action} 1 to {MAX_REPEAT} steps at a time.")
            return [Step(action, route=CLASSIC, reason=f"edit history: {action}", action=action, text=said)
                    for _ in range(count)]
    if _RESET.match(t):
        return [Step("all", route=CLASSIC, reason="remove every operation from the target", action="remove", text=said)]
    if _REMOVE_LAST.match(t):
        return [Step("last", route=CLASSIC, reason="remove the most recent operation", action="remove", text=said)]
    m = _UN.match(t)
    if m:
        op = _op_named(m.group("what"))
        if op:
            return [_removal(op, said)]
    return None


def also_remove(cl: Clause, prev: List[Step]) -> Optional[Step]:
    """"remove the blur and the sepia": a bare op name after a removal removes that too."""
    if not cl.weak or not prev or prev[-1].action != "remove" or prev[-1].op == "all":
        return None
    work = cl.copy()
    strip_fillers(work)
    what = re.sub(r"^(?:the|that|my)\s+", "", work.text())
    op = _op_named(what) if what else None
    return _removal(op, cl.orig_text()) if op else None


def _removal(op: str, said: str) -> Step:
    return Step(op, route=CLASSIC, reason=f"remove the most recent '{op}'", action="remove", text=said)


def _op_named(what: str) -> Optional[str]:
    """The operation a few words name ("blur", "the warm filter", "slow motion"), or None."""
    from ..ops import find_op

    what = what.strip()
    spec = find_op(what)
    if spec is not None:
        return spec.name
    cl = Clause.of(what)
    best = best_phrase(cl)
    if best is None:
        return None
    phrase, m = best
    cl.blank(m.start(), m.end())
    rest = [w for w in content_words(cl.words()) if w not in _OP_NOUNS]
    return None if rest else phrase.op


_OP_NOUNS = {"effect", "effects", "filter", "filters", "look", "looks", "op", "operation", "edit", "change",
             "adjustment", "tone", "tones", "grade", "correction", "shift", "mode", "level"}


def remove_op(cl: Clause) -> Optional[Step]:
    t = cl.text()
    m = _REMOVE_OP.match(t)
    if not m:
        return None
    if any(p.pattern.match(t) for p in all_phrases()):  # "remove noise", "remove the audio" are operations
        return None
    op = _op_named(m.group("what"))
    if op:
        return _removal(op, cl.orig_text())
    words = [w for w in re.findall(r"[a-z]+", m.group("what")) if w not in _OP_NOUNS]
    for w in words:
        canon = near_classic(w)
        if canon:
            raise ParseError(f"I don't know '{w}'. Did you mean '{canon}'?", [f"remove the {_canon_op(canon)}", canon])
    return None  # "remove the tree" may still be a visual edit


def _canon_op(canon: str) -> str:
    best = best_phrase(Clause.of(canon))
    return best[0].op.replace("_", " ") if best else canon
