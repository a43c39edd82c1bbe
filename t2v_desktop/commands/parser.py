"""Text in, Plan out: ``parse("stabilize, then make it warmer") -> Plan``.

Deterministic, no ML. Each clause is tried, in order, as an edit-history action (undo, redo,
reset, remove the blur), a cut/trim of a time range, a classic operation from the lexicon, and
finally as an open-ended visual edit for the generative backend (see router.py for the rule).
Anything else raises ParseError with the closest known commands; no other exception escapes
``parse`` for any input. The grammar is described in docs/commands.md.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from ..errors import T2VError
from .clause import Clause
from .lexicon import AMOUNT, CANONICAL, FLIP_HORIZONTAL, FLIP_VERTICAL, LEVELS, PHRASES, Phrase
from .numbers import Quantity, digitize, take_intensity, take_quantity, to_float
from .plan import CLASSIC, GENERATIVE, ParseError, Plan, RangeSpec, Step, TimeRef
from .router import (
    content_words,
    is_word_like,
    near_classic,
    non_visual,
    take_ai_modifiers,
    visual_request,
)
from .split import split_clauses
from .timecode import BARE, DURATION, TIME, fmt, parse_time, resolve, take_range, take_time

MAX_LENGTH = 1000
MAX_REPEAT = 50


@dataclass(frozen=True)
class ParseContext:
    """What the parser may know about the target: its duration resolves "the last half"."""

    duration: Optional[float] = None

# ---------------------------------------------------------------------------------------------
# entry point


def parse(text: Any, context: Any = None) -> Plan:
    """Parse a command-bar instruction. Raises ParseError (with suggestions), never anything else."""
    try:
        return _parse(text, context)
    except ParseError:
        raise
    except T2VError as err:
        raise ParseError(str(err)) from None
    except Exception as err:  # pragma: no cover - a bug; the user still gets a usable message
        raise ParseError(f"I could not understand that ({type(err).__name__}); try rephrasing it.") from err


def _parse(text: Any, context: Any = None) -> Plan:
    if not isinstance(text, str):
        raise ParseError("Type a command, for example 'make it warmer'.", _EXAMPLES)
    clean = _clean(text)
    if not clean:
        raise ParseError("Type what you want to change, for example 'make it warmer'.", _EXAMPLES)
    if len(clean) > MAX_LENGTH:
        raise ParseError(f"That command is too long ({len(clean)} characters); keep it under {MAX_LENGTH}.")
    whole = Clause.of(clean)
    digitize(whole)
    target = "selection"

    forced = _take_prefix(whole)
    if forced == GENERATIVE:  # "ai: ..." sends the whole text, unsplit, as one prompt
        if _take_target(whole):
            target = "timeline"
        steps = [_generative(whole, "forced by 'ai:'")]
    else:
        steps = []
        pending: Optional[Tuple[RangeSpec, str]] = None  # "in the last 2 seconds, fade out"
        for cl in split_clauses(whole, _starts_command):
            lead = _bare_range(cl)
            if lead is not None and not any(s.action == "apply" for s in steps) and pending is None:
                pending = (lead, cl.orig_text())
                continue
            also = _also_remove(cl, steps)
            new, timeline = ([also], False) if also else _parse_clause(cl, steps, forced == CLASSIC)
            if pending is not None:
                for s in new:
                    if s.action == "apply" and s.range is None:
                        s.range = pending[0]
                pending = None
            steps.extend(new)
            target = "timeline" if timeline else target
        if pending is not None:
            raise ParseError(f"'{pending[1]}' is a time range; say what to do in it, e.g. 'make it black and white "
                             f"{pending[1]}'.", ["make it black and white from 0:05 to 0:12"])
    if not steps:
        raise ParseError("Type what you want to change, for example 'make it warmer'.", _EXAMPLES)
    duration = _context_duration(context)
    if duration is not None:
        _resolve_ranges(steps, duration)
    return Plan(steps=steps, target=target, text=text)


_EXAMPLES = ["make it warmer", "stabilize, then make it black and white", "trim the first 3 seconds",
             "ai: make it look like a watercolor painting"]

# ---------------------------------------------------------------------------------------------
# text clean-up, prefixes, fillers, target


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" and ch != "\n" else ch for ch in text)
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-"), ("×", "x")):
        text = text.replace(a, b)
    return text.strip()


_PREFIX = re.compile(r"^\s*(?P<p>ai|a\.i\.|gen|generative|diffusion|classic|cv|basic)\s*:\s*")
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


def _take_prefix(cl: Clause) -> Optional[str]:
    m = _PREFIX.match(cl.low)
    if not m:
        return None
    cl.blank(m.start(), m.end())
    return CLASSIC if m.group("p") in ("classic", "cv", "basic") else GENERATIVE


def _take_target(cl: Clause) -> bool:
    found = False
    while cl.take(_TARGET):
        found = True
    return found


def _strip_fillers(cl: Clause) -> None:
    m = _LEAD.match(cl.low)
    if m and m.end() > m.start():
        cl.blank(m.start(), m.end())
    m = _TRAIL.search(cl.low)
    if m and m.end() > m.start():
        cl.blank(m.start(), m.end())


def _starts_command(text: str) -> bool:
    """Does this fragment (after 'and' or ',') begin a new command?"""
    cl = Clause.of(text)
    _strip_fillers(cl)
    t = re.sub(r"^(?:make\s+(?:it|this|the\s+(?:video|clip))\s+|the\s+(?!(?:first|last|second|final|middle|start|end)\b))", "", cl.text())
    t = re.sub(r"^(?:[-+]?\d[\d.]*\s*(?:%|x|percent|times|db)?|a\s+(?:bit|little|lot|tad|touch)|much|way|slightly|very|even)\s+", "", t)
    if not t:
        return False
    if _PREFIX.match(t) or re.match(r"(?:undo|redo|reset|remove|delete|keep|trim|cut|unmute|un-)", t):
        return True
    if re.match(r"(?:from|between|during|until|till|after|before|for\s+the|in\s+the|the\s+(?:first|last|second|final)|"
                r"\d[\d.]*\s*(?::|-|to\b|s\b|secs?\b|seconds?\b|mins?\b|minutes?\b))", t):
        return True
    if any(p.pattern.match(t) for p in all_phrases()):
        return True
    return visual_request(t) and not re.match(r"(?:with|like|as)\b", t)


# ---------------------------------------------------------------------------------------------
# one clause


def _parse_clause(cl: Clause, prev: List[Step], force_classic: bool) -> Tuple[List[Step], bool]:
    _strip_fillers(cl)
    if not cl.text():
        return [], False  # "and", "then", "please" on their own
    forced = _take_prefix(cl)
    _strip_fillers(cl)
    if force_classic and forced is None:
        forced = CLASSIC
    if forced == GENERATIVE:
        timeline = _take_target(cl)
        return [_generative(cl, "forced by 'ai:'")], timeline
    hist = _history(cl)
    if hist is not None:
        return hist, False
    timeline = _take_target(cl)
    _strip_fillers(cl)
    if not cl.text():
        raise ParseError("Say what to do to the timeline, for example 'make everything warmer'.", _EXAMPLES)
    step = _timing(cl)
    if step is None:
        step = _remove_op(cl)
    if step is None:
        step = _range_only(cl, prev)
    if step is None:
        step = _classic(cl, forced == CLASSIC)
    if step is None:
        if forced == CLASSIC:
            raise ParseError(f"No classic operation matches '{cl.orig_text()}'.", suggest(cl.text()))
        step = _open_ended(cl)
    return [step], timeline


# ---- history ----------------------------------------------------------------------------------

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


def _history(cl: Clause) -> Optional[List[Step]]:
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


def _also_remove(cl: Clause, prev: List[Step]) -> Optional[Step]:
    """"remove the blur and the sepia": a bare op name after a removal removes that too."""
    if not cl.weak or not prev or prev[-1].action != "remove" or prev[-1].op == "all":
        return None
    work = cl.copy()
    _strip_fillers(work)
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
    best = _best_phrase(cl)
    if best is None:
        return None
    phrase, m = best
    cl.blank(m.start(), m.end())
    rest = [w for w in content_words(cl.words()) if w not in _OP_NOUNS]
    return None if rest else phrase.op


_OP_NOUNS = {"effect", "effects", "filter", "filters", "look", "looks", "op", "operation", "edit", "change",
             "adjustment", "tone", "tones", "grade", "correction", "shift", "mode", "level"}


def _remove_op(cl: Clause) -> Optional[Step]:
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
    best = _best_phrase(Clause.of(canon))
    return best[0].op.replace("_", " ") if best else canon


# ---- trim / cut ---------------------------------------------------------------------------------

_KEEP = re.compile(
    r"^(?:keep(?:\s+only)?|only\s+keep|just\s+keep|keep\s+just|use\s+only|only\s+use|limit\s+(?:it\s+)?to|"
    r"(?:trim|cut|shorten|chop)(?:\s+(?:it|this|the\s+(?:video|clip)))?(?:\s+down)?\s+to)\b"
)
_DROP = re.compile(
    r"^(?:trim(?:\s+off)?|cut(?:\s+out|\s+off|\s+away)?|remove|delete|drop|chop(?:\s+off)?|get\s+rid\s+of|skip|take\s+out|lose)\b"
)


_LONG = re.compile(r"^make\s+it\s+(?P<t>" + TIME + r")\s+long$")


def _timing(cl: Clause) -> Optional[Step]:
    m = _LONG.match(cl.text())
    if m:  # "make it 5 seconds long"
        return Step("trim", _spec("trim").validate({}), RangeSpec(TimeRef(0.0), TimeRef(parse_time(m.group("t")))),
                    CLASSIC, "keep only the first part", text=cl.orig_text())
    for pattern, op in ((_KEEP, "trim"), (_DROP, "cut")):
        m = pattern.match(cl.text())
        if not m:
            continue
        work = cl.copy()
        work.take(re.compile(r"^\s*" + re.escape(m.group(0)).replace(r"\ ", r"\s+") + r"\b"))
        rng = take_range(work)
        if rng is None and op == "trim":
            t = take_time(work, r"^\s*(?P<t>" + TIME + r")(?![\w:])")
            rng = RangeSpec(TimeRef(0.0), TimeRef(t)) if t else None
            if rng is not None and t <= 0:
                raise ParseError("Keep a part longer than 0 seconds.")
        left = content_words(work.words())
        if rng is None:
            if not left and (op == "trim" or re.match(r"(?:trim|cut|chop)", m.group(0))):
                raise ParseError(
                    f"Say which part to {'keep' if op == 'trim' else 'cut'}, for example "
                    f"'{'keep only 0:02 to 0:10' if op == 'trim' else 'cut from 0:05 to 0:08'}' or 'trim the first 3 seconds'.",
                    ["trim the first 3 seconds", "cut from 0:05 to 0:08", "keep only 0:02 to 0:10"])
            return None
        if left or re.search(r"\d", work.low):
            if op == "trim":
                raise ParseError(f"I understood the range but not '{' '.join(left) or work.text()}'.", ["keep only 0:02 to 0:10"])
            return None
        spec = _spec(op)
        return Step(op, spec.validate({}), rng, CLASSIC,
                    f"{'keep only' if op == 'trim' else 'remove'} the range ('{m.group(0)}')", text=cl.orig_text())
    return None


def _bare_range(cl: Clause) -> Optional[RangeSpec]:
    """The range when a clause is nothing but a range ("from 0:05 to 0:08"), else None."""
    work = cl.copy()
    _strip_fillers(work)
    try:
        rng = take_range(work)
    except ParseError:
        return None  # reported when the clause is parsed for real
    if rng is None or content_words(work.words()) or re.search(r"\d", work.low):
        return None
    return rng


def _range_only(cl: Clause, prev: List[Step]) -> Optional[Step]:
    """"... from 0:05 to 0:08 and from 0:10 to 0:12": a bare range repeats the previous operation."""
    work = cl.copy()
    rng = take_range(work)
    if rng is None or content_words(work.words()) or re.search(r"\d", work.low):
        return None
    if not prev or prev[-1].action != "apply":
        raise ParseError(f"'{cl.orig_text()}' is a time range; say what to do in it, e.g. 'make it black and white {cl.orig_text()}'.")
    last = prev[-1]
    return Step(last.op, dict(last.params), rng, last.route, last.reason + " (same operation, another range)",
                text=cl.orig_text())


# ---- classic operations ---------------------------------------------------------------------


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


def _best_phrase(cl: Clause) -> Optional[Tuple[Phrase, "re.Match[str]"]]:
    best = None
    for ph in all_phrases():
        m = ph.pattern.search(cl.low)
        if m and m.end() > m.start():
            key = (m.end() - m.start(), -m.start())
            if best is None or key > best[0]:
                best = (key, ph, m)
    return (best[1], best[2]) if best else None


_SCENE_VERB = re.compile(r"^(?:make|turn|change|transform|convert|set)\b")
_RESIDUE = re.compile(r"\b(?:seconds?|secs?|minutes?|mins?|hours?|percent|times|degrees?|db|px|pixels?|x|s|m|p)\b")


def _classic(cl: Clause, forced: bool) -> Optional[Step]:
    best = _best_phrase(cl)
    if best is None:
        return None
    phrase, m = best
    matched = m.group(0).strip()
    if phrase.scene and not forced and _SCENE_VERB.match(cl.text()) and re.fullmatch(r"(?:sunset|golden[\s-]hour|night(?:time)?)", matched):
        return None  # "make it sunset" is a scene change; "sunset look" is the colour grade
    work = cl.copy()
    work.blank(m.start(), m.end())
    while True:  # "slow down to half speed": more words for the same operation
        more = _best_phrase(work)
        if more is None or more[0].op != phrase.op or 0 not in (more[0].sign, phrase.sign) and more[0].sign != phrase.sign:
            break
        if phrase.sign == 0:
            phrase = more[0]  # "play it at half speed": the direction comes from "half speed"
        work.blank(more[1].start(), more[1].end())
        matched += " " + more[1].group(0).strip()
    spec = _spec(phrase.op)
    params = dict(phrase.fixed)
    extract = _EXTRACT.get(phrase.op)
    if extract:
        extract(work, params, matched)
    rng = take_range(work)
    _amount(phrase, work, params, spec, matched)
    left = [w for w in content_words(work.words()) if not _RESIDUE.fullmatch(w) and w not in spec.params]
    stray = re.findall(r"[-+]?\d[\d.:]*\s*\S*", work.low)
    if stray:
        raise ParseError(
            f"I understood '{matched}' but not '{stray[0].strip()}'. Ranges are written 'from 0:05 to 0:08' or "
            f"'for the first 3 seconds'; amounts like '20%', '2x' or '+0.3'.", [phrase.canonical])
    if left:
        return _leftover(cl, phrase, matched, left, spec, forced)
    if rng is not None and not spec.rangeable:
        raise ParseError(f"'{phrase.op}' applies to the whole clip; it can't be limited to a time range.")
    values = _validate(spec, params, phrase)
    label = phrase.op.replace("_", " ")
    reason = f"matched the '{label}' look" if spec.category == "look" else f"matched '{matched}': classic {label}"
    return Step(phrase.op, values, rng, CLASSIC, reason, text=cl.orig_text())


def _leftover(cl: Clause, phrase: Phrase, matched: str, left: List[str], spec, forced: bool) -> Step:
    """A classic verb with words it can't use: a typo, a second command, or a targeted visual edit."""
    rest = Clause.of(" ".join(left))
    other = _best_phrase(rest)
    if other is not None:
        raise ParseError(
            f"'{cl.orig_text()}' asks for two changes at once; separate them with 'then' or a comma, "
            f"e.g. '{matched}, then {other[1].group(0).strip()}'.", [f"{matched}, then {other[1].group(0).strip()}"])
    for w in left:
        canon = near_classic(w)
        if canon:
            raise ParseError(f"I don't know '{w}'. Did you mean '{canon}'?", [canon])
    words = " ".join(left)
    if forced:
        raise ParseError(
            f"Classic '{phrase.op}' changes the whole frame; it can't target '{words}'. "
            f"Leave those words out, or start with 'ai:' for an AI edit.", [matched, f"ai: {cl.orig_text()}"])
    from ..ops import OpKind

    has_object = visual_request(cl.text()) or any(
        re.search(r"\b(?:the|a|an|his|her|their|my|our|its|those|these)\s+(?:[a-z]+\s+)?" + re.escape(w) + r"\b", cl.low)
        for w in left)
    if spec.kind != OpKind.FRAME or not has_object or not any(is_word_like(w) for w in left) or non_visual(left):
        raise ParseError(f"I understood '{matched}' but not '{words}'.", [phrase.canonical] + suggest(words)[:2])
    return _generative(cl, f"'{words}' is a part of the picture; classic '{phrase.op}' would change the whole frame")


def _validate(spec, params: dict, phrase: Optional[Phrase] = None) -> dict:
    try:
        return spec.validate(params)
    except T2VError as err:
        hint = f" For example: '{phrase.canonical}'." if phrase else ""
        raise ParseError(f"{spec.name.replace('_', ' ')}: {err}{hint}", [phrase.canonical] if phrase else []) from None


def _spec(op: str):
    from ..ops import find_op

    spec = find_op(op)
    if spec is None:
        raise ParseError(f"The '{op}' operation is not available in this build; run 't2v-desktop ops' for the list.")
    return spec


# ---- amounts --------------------------------------------------------------------------------

_UNITS_FOR = {
    "fraction": ("", "%"), "stops": ("", "stops"), "value": ("",), "degrees": ("", "deg"), "pixels": ("", "px"),
    "factor": ("", "x", "%"), "db": ("", "db", "%", "x"), "lufs": ("", "lufs", "db"), "seconds": (),
}
_WORD_FACTOR = re.compile(r"\b(?P<w>twice|double|triple|quadruple|half|quarter)\b")
_WORD_FACTORS = {"twice": 2.0, "double": 2.0, "triple": 3.0, "quadruple": 4.0, "half": 0.5, "quarter": 0.25}


def _level(op: str, p, level: str) -> float:
    if level == "small":
        if getattr(p, "small", None) is not None:
            return p.small
        if op in LEVELS:
            return LEVELS[op][0]
        return min(p.max / 10, p.default / 2) if p.default > 0 else p.max / 10
    if getattr(p, "large", None) is not None:
        return p.large
    if op in LEVELS:
        return LEVELS[op][1]
    return min(p.max, p.default * 2.5) if p.default > 0 else p.max / 2


def _amount(phrase: Phrase, work: Clause, params: dict, spec, matched: str) -> None:
    op = phrase.op
    if op not in AMOUNT:
        return
    pname, kind = AMOUNT[op]
    p = spec.params.get(pname)
    if pname in params or p is None or kind == "seconds":
        return
    sign = phrase.sign
    q = take_quantity(work, _UNITS_FOR[kind])
    wf = None
    if q is None and kind in ("factor", "db"):
        mm = _WORD_FACTOR.search(matched) or work.take(_WORD_FACTOR)
        if mm:
            wf = _WORD_FACTORS[mm.group("w")]
    level = take_intensity(work)
    if q is not None:
        value = _convert(q, kind, sign, op)
    elif wf is not None:
        if kind == "db":
            value = 20 * math.log10(wf)
        else:
            value = 1 / wf if (sign < 0 and wf > 1) else wf
    elif level:
        v = _level(op, p, level)
        value = (1 / v if v else v) if (kind == "factor" and sign < 0) else (-v if sign < 0 else v)
    elif sign < 0:
        value = (1 / p.default) if kind == "factor" else -p.default
    elif op == "speed" and re.search(r"lapse", matched):
        value = 4.0
    else:
        return
    params[pname] = value


def _convert(q: Quantity, kind: str, sign: int, op: str) -> float:
    v, unit = q.value, q.unit
    if kind == "fraction":
        v = v / 100 if unit == "%" else v
        return -v if sign < 0 else v
    if kind in ("stops", "degrees", "pixels", "value"):
        return -abs(v) if sign < 0 else (abs(v) if sign > 0 and kind == "stops" else v)
    if kind == "lufs":
        return -v if v > 0 else v
    if kind == "factor":
        if unit == "%":
            if q.prep == "by":
                return 1 + v / 100 if sign >= 0 else 1 - v / 100
            return v / 100
        if sign < 0 and v > 1:
            return 1 / v
        return v
    # db
    if unit == "db" or unit == "":
        return -abs(v) if sign < 0 else (abs(v) if sign > 0 else v)
    if unit == "%":
        if sign == 0 or q.prep == "to":
            factor = v / 100
        else:
            factor = 1 + v / 100 if sign > 0 else 1 - v / 100
    else:  # "x"
        factor = 1 / v if (sign < 0 and v > 0) else v
    if factor <= 0:
        raise ParseError("That would silence the sound completely; say 'mute' instead (volume takes -60 to +24 dB).",
                         ["mute", "volume down 50%"])
    return 20 * math.log10(factor)


# ---- per-operation details --------------------------------------------------------------------


def _x_crop(work: Clause, params: dict, matched: str) -> None:
    m = re.search(r"(?<![\d.:])(?P<a>\d{1,2})\s*(?::|x|/|by|to)\s*(?P<b>\d{1,2})(?![\d:])", work.low)
    if m:
        params["aspect"] = f"{m.group('a')}:{m.group('b')}"
        work.blank(m.start(), m.end())
        return
    words = matched + " " + work.low
    for pattern, aspect in ((r"vertical|portrait|tiktok|reels?|shorts|stories|story", "9:16"),
                            (r"square|instagram\s+post", "1:1"), (r"widescreen|landscape|horizontal|youtube", "16:9"),
                            (r"cinemascope|anamorphic|ultra-?wide|cinematic|letterbox(?:ed)?", "21:9")):
        mm = re.search(r"\b(?:" + pattern + r")\b", words)
        if mm:
            params["aspect"] = aspect
            work.take(re.compile(r"\b(?:" + pattern + r")\b"))
            return
    sides = {"left": ("left",), "right": ("right",), "top": ("top",), "bottom": ("bottom",),
             "sides": ("left", "right"), "each side": ("left", "right", "top", "bottom"),
             "all sides": ("left", "right", "top", "bottom"), "edges": ("left", "right", "top", "bottom"),
             "all around": ("left", "right", "top", "bottom"), "top and bottom": ("top", "bottom"),
             "left and right": ("left", "right")}
    side = r"(?P<side>top\s+and\s+bottom|left\s+and\s+right|left|right|top|bottom|sides|each\s+side|all\s+sides|edges|all\s+around)"
    num = r"(?P<v>\d+(?:\.\d+)?)\s*(?P<pct>%|percent)?"
    found = False
    for pat in (num + r"\s*(?:off|from|on|of)?\s*(?:the\s+|each\s+|every\s+)?" + side,
                r"(?:the\s+)?" + side + r"\s+(?:edges?\s+)?(?:by\s+)?" + num):
        for mm in list(re.finditer(pat, work.low)):
            v = to_float(mm.group("v"))
            v = v / 100 if mm.group("pct") or v > 1 else v
            for s in sides[re.sub(r"\s+", " ", mm.group("side"))]:
                params[s] = v
            work.blank(mm.start(), mm.end())
            found = True
    if not found:
        raise ParseError("Say how to crop, for example 'crop to 9:16', 'make it square' or 'crop 10% off the left'.",
                         ["crop to 9:16", "crop to 1:1", "crop 10% off the left"])


def _x_resize(work: Clause, params: dict, matched: str) -> None:
    def take(pattern: str):
        mm = re.search(pattern, work.low)
        if mm:
            work.blank(mm.start(), mm.end())
        return mm

    mm = take(r"(?<![\d.])(?P<w>\d{2,5})\s*(?:x|by|\*)\s*(?P<h>\d{2,5})(?!\d)")
    if mm:
        params["width"], params["height"] = int(mm.group("w")), int(mm.group("h"))
        return
    mm = take(r"(?<![\d.])(?P<h>\d{3,4})\s*p\b")
    if mm:
        params["height"] = int(mm.group("h"))
        return
    for pattern, h in ((r"\b(?:8k)\b", 4320), (r"\b(?:4k|uhd|ultra\s+hd)\b", 2160), (r"\b(?:full\s*hd|fhd)\b", 1080),
                       (r"\bhd\b", 720), (r"\bsd\b", 480)):
        if take(pattern):
            params["height"] = h
            return
    mm = take(r"\bwidth\s*(?:of|=|:|to)?\s*(?P<v>\d+)|(?P<v2>\d+)\s*(?:px\s+|pixels\s+)?wide\b")
    if mm:
        params["width"] = int(mm.group("v") or mm.group("v2"))
    mm = take(r"\bheight\s*(?:of|=|:|to)?\s*(?P<v>\d+)|(?P<v2>\d+)\s*(?:px\s+|pixels\s+)?(?:tall|high)\b")
    if mm:
        params["height"] = int(mm.group("v") or mm.group("v2"))
    if "width" in params or "height" in params:
        return
    if re.search(r"\bhalf\b", matched) or take(r"\bhalf(?:\s+the)?\s+(?:size|resolution)\b"):
        params["scale"] = 0.5
        return
    if re.search(r"\bdouble\b", matched) or take(r"\bdouble(?:\s+the)?\s+(?:size|resolution)\b"):
        params["scale"] = 2.0
        return
    q = take_quantity(work, ("", "%", "x"))
    if q is not None:
        v = q.value / 100 if q.unit == "%" else q.value
        if re.search(r"down|shrink", matched) and q.unit != "%" and v > 1:
            v = 1 / v
        params["scale"] = v
        return
    raise ParseError("Say the size, for example 'resize to 720p', 'resize to 1280x720' or 'scale to 50%'.",
                     ["resize to 720p", "resize to 1280x720", "scale to 50%"])


_CCW = re.compile(r"\b(?:left|counter[\s-]?clockwise|anti[\s-]?clockwise|ccw)\b")
_CW = re.compile(r"\b(?:right|clockwise|cw)\b")


def _x_rotate(work: Clause, params: dict, matched: str) -> None:
    q = take_quantity(work, ("", "deg"))
    ccw = bool(work.take(_CCW))
    cw = bool(work.take(_CW))
    if re.search(r"upside", matched) or work.take(re.compile(r"\bupside[\s-]down\b")):
        params["degrees"] = 180.0
        return
    sideways = bool(work.take(re.compile(r"\bsideways\b")))
    if q is not None:
        params["degrees"] = -abs(q.value) if ccw else q.value
        return
    level = take_intensity(work)
    if level or matched.startswith("tilt"):
        v = _level("rotate", _spec("rotate").params["degrees"], level or "small")
        params["degrees"] = -v if ccw else v
        return
    if ccw or cw or sideways:
        params["degrees"] = -90.0 if ccw else 90.0


def _x_flip(work: Clause, params: dict, matched: str) -> None:
    text = matched + " " + work.low
    if FLIP_VERTICAL.search(text):
        params["direction"] = "vertical"
        work.take(FLIP_VERTICAL)
    elif FLIP_HORIZONTAL.search(text):
        params["direction"] = "horizontal"
        work.take(FLIP_HORIZONTAL)


_POSITIONS = {"top left": (0.25, 0.25), "top right": (0.75, 0.25), "bottom left": (0.25, 0.75),
              "bottom right": (0.75, 0.75), "top": (0.5, 0.25), "bottom": (0.5, 0.75), "left": (0.25, 0.5),
              "right": (0.75, 0.5), "center": (0.5, 0.5), "centre": (0.5, 0.5), "middle": (0.5, 0.5)}


def _x_zoom(work: Clause, params: dict, matched: str) -> None:
    if "out" in matched.split():
        raise ParseError("Zoom goes in only: its factor is 1 (no zoom) to 8. To undo a zoom, say 'remove the zoom'.",
                         ["remove the zoom", "zoom in 2x"])
    mm = re.search(r"(?:\b(?:on|to|into|at|towards?)\s+)?(?:the\s+)?\b(?P<pos>(?:top|bottom|upper|lower)[\s-]+(?:left|right)|top|bottom|left|right|cent(?:er|re)|middle)\b(?:\s+(?:corner|side|edge|part))?", work.low)
    if mm:
        key = re.sub(r"[\s-]+", " ", mm.group("pos")).replace("upper", "top").replace("lower", "bottom")
        params["x"], params["y"] = _POSITIONS[key]
        work.blank(mm.start(), mm.end())
    q = take_quantity(work, ("", "x", "%"))
    if q is not None:
        params["factor"] = q.value / 100 if q.unit == "%" else q.value


_CUBE = re.compile(r"[\"']([^\"']+)[\"']|([^\s\"']+\.cube)\b", re.IGNORECASE)


def _x_lut(work: Clause, params: dict, matched: str) -> None:
    m = _CUBE.search(work.orig)
    if m:
        params["path"] = m.group(1) or m.group(2)
        work.blank(m.start(), m.end())
    else:
        q = re.search(r"(?:\bat\s+)?\d+(?:\.\d+)?\s*%|\bat\s+\d+(?:\.\d+)?", work.low)
        for mm in re.finditer(r"[^\s,]+", work.orig):
            if q and q.start() <= mm.start() < q.end():
                continue
            word = mm.group(0)
            if word.lower() in ("the", "a", "an", "lut", "look", "called", "named", "file", "at", "with", "it", "to"):
                continue
            params["path"] = word
            work.blank(mm.start(), mm.end())
            break
    if not params.get("path"):
        raise ParseError("Say which LUT, for example 'apply lut film.cube' (quote paths with spaces).",
                         ["apply lut film.cube"])
    work.take(re.compile(r"\b(?:called|named|file)\b"))


def _x_freeze(work: Clause, params: dict, matched: str) -> None:
    d = take_time(work, r"\b(?:for|lasting|during|of)\s+(?P<t>" + DURATION + "|" + BARE + r")(?![\w:])")
    if work.take(re.compile(r"\b(?:on\s+|at\s+)?the\s+(?:first|opening)\s+frame\b|\bat\s+the\s+(?:start|beginning)\b")):
        at = 0.0
    else:
        at = take_time(work, r"\b(?:at|on|from|after)\s+(?P<t>" + TIME + "|" + BARE + r")(?![\w:])")
    if d is None:
        d = take_time(work, r"(?P<t>" + DURATION + r")(?:\s+(?:long|hold|freeze))?")
    if at is None:
        raise ParseError("Say when to freeze, for example 'freeze frame at 0:03 for 2 seconds'.",
                         ["freeze frame at 0:03 for 2 seconds"])
    params["at"] = at
    if d is not None:
        params["duration"] = d


def _x_fade(work: Clause, params: dict, matched: str) -> None:
    work.take(re.compile(r"\b(?:at|from)\s+the\s+(?:start|beginning|end)(?:\s+of\s+(?:the\s+)?(?:video|clip|it))?\b"))
    d = take_time(work, r"\b(?:over|for|of|lasting|in|during|across|within)\s+(?:the\s+)?(?:first\s+|last\s+)?(?P<t>" + DURATION + "|" + BARE + r")(?![\w:])")
    if d is None:
        d = take_time(work, r"(?P<t>" + DURATION + r")(?:\s+long)?")
    if d is not None:
        params["duration"] = d
        return
    level = take_intensity(work)
    if level:
        params["duration"] = LEVELS["fade_in"][0 if level == "small" else 1]


def _x_stabilize(work: Clause, params: dict, matched: str) -> None:
    for pattern, border in ((r"\b(?:with\s+)?black\s+(?:borders?|edges?|bars?)\b", "black"),
                            (r"\b(?:with\s+)?(?:replicated?|repeated|stretched|mirrored)\s+(?:borders?|edges?)\b|\breplicate\b", "replicate"),
                            (r"\b(?:and\s+)?crop(?:ped)?(?:\s+(?:the\s+)?(?:borders?|edges?))?\b", "crop")):
        if work.take(re.compile(pattern)):
            params["border"] = border
            return


def _x_normalize(work: Clause, params: dict, matched: str) -> None:
    q = take_quantity(work, ("", "lufs", "db"))
    if q is not None:
        params["target_lufs"] = -q.value if q.value > 0 else q.value


_EXTRACT = {
    "crop": _x_crop, "resize": _x_resize, "rotate": _x_rotate, "flip": _x_flip, "zoom": _x_zoom, "lut": _x_lut,
    "freeze": _x_freeze, "fade_in": _x_fade, "fade_out": _x_fade, "audio_fade_in": _x_fade,
    "audio_fade_out": _x_fade, "stabilize": _x_stabilize, "normalize": _x_normalize,
}

# ---------------------------------------------------------------------------------------------
# generative


_GEN_STOP = set("""a an the it its it's this that these those to of in on into onto with and as if so some very just me my
i you we our make made look looks looking like be is was were been being please more less turn change convert
transform give put paint render stylize stylise restyle redraw erase remove swap insert draw place add replace
show set apply let have get feel seem seems style""".split())


def _open_ended(cl: Clause) -> Step:
    """No classic op matched: an open-ended visual edit, or a ParseError."""
    text = cl.text()
    probe = cl.copy()
    take_ai_modifiers(probe)
    take_range(probe)
    words = [w for w in probe.words() if w not in _GEN_STOP and not re.fullmatch(r"[\d.:%x+-]+", w)]
    if not visual_request(text) or not words:
        raise _unknown(cl)
    bad = non_visual(words)
    if bad and set(bad) & {"shorter", "longer", "length", "duration", "seconds", "minutes"}:
        raise ParseError("Say which part to keep or cut, e.g. 'make it 5 seconds long' or 'trim the last 2 seconds'.",
                         ["make it 5 seconds long", "trim the last 2 seconds", "keep only 0:02 to 0:10"])
    if bad:
        raise ParseError(f"'{cl.orig_text()}' is not something I can do to a video.", suggest(text))
    for w in words:
        canon = near_classic(w)
        if canon:
            raise ParseError(f"I don't know '{w}'. Did you mean '{canon}'?", [canon, f"ai: {cl.orig_text()}"])
    if not any(is_word_like(w) for w in words):
        raise _unknown(cl)
    return _generative(cl, f"open-ended visual change; no classic op does '{' '.join(words[:6])}'")


def _generative(cl: Clause, reason: str) -> Step:
    said = cl.orig_text()
    params = take_ai_modifiers(cl)
    rng = take_range(cl)
    prompt = cl.orig_text().strip(" ,.;:!?")
    while True:  # connectives left behind by removed modifiers: "add snow with seed 7" -> "add snow"
        trimmed = re.sub(r"(?:[\s,]+(?:and|with|using|in|at|,))+$", "", prompt, flags=re.IGNORECASE).strip(" ,.;:!?")
        if trimmed == prompt:
            break
        prompt = trimmed
    if not any(is_word_like(w) for w in re.findall(r"[^\W\d_]+", prompt)):
        raise ParseError("Say what the AI edit should do, for example 'ai: make it look like a watercolor painting'.",
                         ["ai: make it look like a watercolor painting", "add snow"])
    params["prompt"] = prompt
    spec = _spec("ai_edit")
    try:
        values = spec.validate(params)
    except T2VError as err:
        raise ParseError(f"AI edit: {err}", ["ai: add snow, seed 7", "add snow with 4 steps"]) from None
    return Step("ai_edit", values, rng, GENERATIVE, reason, text=said)


# ---------------------------------------------------------------------------------------------
# suggestions


def _unknown(cl: Clause) -> ParseError:
    said = cl.orig_text()
    sugg = suggest(cl.text())
    hint = f" Did you mean: {', '.join(repr(s) for s in sugg[:3])}?" if sugg else ""
    return ParseError(f"I don't understand '{said[:80]}'.{hint} Start with 'ai:' to ask the AI backend instead.",
                      sugg or _EXAMPLES)


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
# context: resolve relative ranges when the duration is known


def _context_duration(context: Any) -> Optional[float]:
    if context is None:
        return None
    d = context.get("duration") if isinstance(context, dict) else getattr(context, "duration", None)
    if isinstance(d, bool) or not isinstance(d, (int, float)) or not math.isfinite(d) or d <= 0:
        return None
    return float(d)


def _resolve_ranges(steps: List[Step], duration: Optional[float]) -> None:
    """Resolve each step's range against the duration at its point of the stack (timing ops change it)."""
    for s in steps:
        if s.action != "apply":
            duration = None  # undo/redo/remove change the stack in ways the parser can't see
            continue
        if s.range is not None and duration is not None:
            s.range = resolve(s.range, duration)
        duration = _duration_after(s, duration)


def _duration_after(s: Step, d: Optional[float]) -> Optional[float]:
    if d is None:
        return None
    a, b = s.range.resolve(d) if s.range is not None else (0.0, d)
    a, b = (a or 0.0), (d if b is None else b)
    if s.op == "trim":
        return b - a
    if s.op == "cut":
        return d - (b - a)
    if s.op == "speed":
        return d - (b - a) + (b - a) / s.params["factor"]
    if s.op == "freeze":
        return d + s.params["duration"]
    if s.op == "ai_edit" or s.op not in ("trim", "cut", "speed", "freeze"):
        return d
    return d  # pragma: no cover


__all__ = ["ParseContext", "parse", "suggest", "fmt"]
