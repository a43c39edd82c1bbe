"""Text in, Plan out: ``parse("stabilize, then make it warmer") -> Plan``.

Deterministic, no ML. Each clause is tried, in order, as an edit-history action (undo, redo,
reset, remove the blur), a cut/trim of a time range, a classic operation from the lexicon, and
finally as an open-ended visual edit for the generative backend (see router.py for the rule).
Anything else raises ParseError with the closest known commands; no other exception escapes
``parse`` for any input. The grammar is described in docs/commands.md.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

from ..errors import T2VError
from . import areas
from .amounts import take_amount
from .clause import Clause
from .cleanup import PREFIX, clean, strip_fillers, take_prefix, take_target
from .compose import STARTS, compose_step, merge_followup
from .context import ParseContext, context_duration, resolve_ranges
from .extract import EXTRACT
from .history import also_remove, history_steps, remove_op
from .lexicon import Phrase
from .numbers import digitize
from .phrases import all_phrases, best_phrase, spec_for
from .plan import CLASSIC, GENERATIVE, ParseError, Plan, RangeSpec, Step, TimeRef
from .router import content_words, is_word_like, near_classic, non_visual, take_ai_modifiers, visual_request
from .split import split_clauses
from .suggest import EXAMPLES, suggest, unknown
from .timecode import TIME, parse_time, take_range, take_time
from .typos import correct

MAX_LENGTH = 1000


# ---------------------------------------------------------------------------------------------
# entry point


def parse(text: Any, context: Any = None) -> Plan:
    """Parse a command-bar instruction. Raises ParseError (with suggestions), never anything else.

    Text that does not parse as typed gets one more chance: translated to English when it looks
    like another language (foreign.py, with a local model), else with its obvious typos corrected
    (typos.py); the plan then shows the translation or lists the corrections."""
    try:
        try:
            return _parse(text, context)
        except ParseError as err:
            from .foreign import guess_language, parse_foreign

            if isinstance(text, str) and guess_language(text):  # typed in another language
                return parse_foreign(text, context, err, lambda english, ctx: parse(english, ctx))
            return correct(text, lambda reading: _parse(reading, context), err)
    except ParseError:
        raise
    except T2VError as err:
        raise ParseError(str(err)) from None
    except Exception as err:  # pragma: no cover - a bug; the user still gets a usable message
        raise ParseError(f"I could not understand that ({type(err).__name__}); try rephrasing it.") from err


def _parse(text: Any, context: Any = None) -> Plan:
    if not isinstance(text, str):
        raise ParseError("Type a command, for example 'make it warmer'.", EXAMPLES)
    cleaned = clean(text)
    if not cleaned:
        raise ParseError("Type what you want to change, for example 'make it warmer'.", EXAMPLES)
    if len(cleaned) > MAX_LENGTH:
        raise ParseError(f"That command is too long ({len(cleaned)} characters); keep it under {MAX_LENGTH}.")
    whole = Clause.of(cleaned)
    digitize(whole)
    target = "selection"

    forced = take_prefix(whole)
    if forced == GENERATIVE:  # "ai: ..." sends the whole text, unsplit, as one prompt
        if take_target(whole):
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
            if merge_followup(cl, steps):  # "add music.mp3 and fade it out": the music's fade
                continue
            also = also_remove(cl, steps)
            new, timeline = ([also], False) if also else _parse_clause(cl, steps, forced == CLASSIC, context)
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
        raise ParseError("Type what you want to change, for example 'make it warmer'.", EXAMPLES)
    duration = context_duration(context)
    if duration is not None:
        resolve_ranges(steps, duration)
    return Plan(steps=steps, target=target, text=text, duration=duration)


# ---------------------------------------------------------------------------------------------
# chaining


def _starts_command(text: str) -> bool:
    """Does this fragment (after 'and' or ',') begin a new command?"""
    cl = Clause.of(text)
    strip_fillers(cl)
    t = re.sub(r"^(?:make\s+(?:it|this|the\s+(?:video|clip))\s+|the\s+(?!(?:first|last|second|final|middle|start|end)\b))", "", cl.text())
    t = re.sub(r"^(?:[-+]?\d[\d.]*\s*(?:%|x|percent|times|db)?|a\s+(?:bit|little|lot|tad|touch)|much|way|slightly|very|even)\s+", "", t)
    if not t:
        return False
    if PREFIX.match(t) or STARTS.match(t) or areas.starts(t) \
            or re.match(r"(?:undo|redo|reset|remove|delete|keep|trim|cut|unmute|un-)", t):
        return True
    if re.match(r"(?:from|between|during|until|till|after|before|for\s+the|in\s+the|the\s+(?:first|last|second|final)|"
                r"\d[\d.]*\s*(?::|-|to\b|s\b|secs?\b|seconds?\b|mins?\b|minutes?\b))", t):
        return True
    if any(p.pattern.match(t) for p in all_phrases()):
        return True
    return visual_request(t) and not re.match(r"(?:with|like|as)\b", t)


# ---------------------------------------------------------------------------------------------
# one clause


def _parse_clause(cl: Clause, prev: List[Step], force_classic: bool, context: Any = None) -> Tuple[List[Step], bool]:
    strip_fillers(cl)
    if not cl.text():
        return [], False  # "and", "then", "please" on their own
    forced = take_prefix(cl)
    strip_fillers(cl)
    if force_classic and forced is None:
        forced = CLASSIC
    if forced == GENERATIVE:
        timeline = take_target(cl)
        return [_generative(cl, "forced by 'ai:'")], timeline
    structural = compose_step(cl, context)  # titles, overlays, music, transitions, tracks (compose.py)
    if structural is not None:
        return [structural], False
    hist = history_steps(cl)
    if hist is not None:
        return hist, False
    timeline = take_target(cl)
    strip_fillers(cl)
    if not cl.text():
        raise ParseError("Say what to do to the timeline, for example 'make everything warmer'.", EXAMPLES)
    step = _timing(cl)
    if step is None:
        step = remove_op(cl)
    if step is None:
        step = _range_only(cl, prev)
    if step is None:
        step = _classic(cl, forced == CLASSIC)
    if step is None:
        if forced == CLASSIC:
            raise ParseError(f"No classic operation matches '{cl.orig_text()}'.", suggest(cl.text()))
        step = _open_ended(cl)
    return [step], timeline


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
        return Step("trim", spec_for("trim").validate({}), RangeSpec(TimeRef(0.0), TimeRef(parse_time(m.group("t")))),
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
        spec = spec_for(op)
        return Step(op, spec.validate({}), rng, CLASSIC,
                    f"{'keep only' if op == 'trim' else 'remove'} the range ('{m.group(0)}')", text=cl.orig_text())
    return None


def _bare_range(cl: Clause) -> Optional[RangeSpec]:
    """The range when a clause is nothing but a range ("from 0:05 to 0:08"), else None."""
    work = cl.copy()
    strip_fillers(work)
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


_SCENE_VERB = re.compile(r"^(?:make|turn|change|transform|convert|set)\b")
_RESIDUE = re.compile(r"\b(?:seconds?|secs?|minutes?|mins?|hours?|percent|times|degrees?|db|px|pixels?|x|s|m|p)\b")


def _classic(cl: Clause, forced: bool) -> Optional[Step]:
    best = best_phrase(cl)
    if best is None:
        return None
    phrase, m = best
    matched = m.group(0).strip()
    if phrase.scene and not forced and _SCENE_VERB.match(cl.text()) and re.fullmatch(r"(?:sunset|golden[\s-]hour|night(?:time)?)", matched):
        return None  # "make it sunset" is a scene change; "sunset look" is the colour grade
    work = cl.copy()
    work.blank(m.start(), m.end())
    while True:  # "slow down to half speed": more words for the same operation
        more = best_phrase(work)
        if more is None or more[0].op != phrase.op or 0 not in (more[0].sign, phrase.sign) and more[0].sign != phrase.sign:
            break
        if phrase.sign == 0:
            phrase = more[0]  # "play it at half speed": the direction comes from "half speed"
        work.blank(more[1].start(), more[1].end())
        matched += " " + more[1].group(0).strip()
    spec = spec_for(phrase.op)
    params = dict(phrase.fixed)
    extract = EXTRACT.get(phrase.op)
    if extract:
        extract(work, params, matched)
    rng = take_range(work)
    take_amount(phrase, work, params, spec, matched)
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
    other = best_phrase(rest)
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
        raise unknown(cl)
    bad = non_visual(words)
    if bad and set(bad) & {"shorter", "longer", "length", "duration", "seconds", "minutes"}:
        raise ParseError("Say which part to keep or cut, e.g. 'make it 5 seconds long' or 'trim the last 2 seconds'.",
                         ["make it 5 seconds long", "trim the last 2 seconds", "keep only 0:02 to 0:10"])
    if bad:
        raise ParseError(f"'{cl.orig_text()}' is not something I can do to a video.", suggest(text) or EXAMPLES)
    for w in words:
        canon = near_classic(w)
        if canon:
            raise ParseError(f"I don't know '{w}'. Did you mean '{canon}'?", [canon, f"ai: {cl.orig_text()}"])
    if not any(is_word_like(w) for w in words):
        raise unknown(cl)
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
    spec = spec_for("ai_edit")
    try:
        values = spec.validate(params)
    except T2VError as err:
        raise ParseError(f"AI edit: {err}", ["ai: add snow, seed 7", "add snow with 4 steps"]) from None
    return Step("ai_edit", values, rng, GENERATIVE, reason, text=said)


# ---------------------------------------------------------------------------------------------


__all__ = ["ParseContext", "parse", "suggest"]
