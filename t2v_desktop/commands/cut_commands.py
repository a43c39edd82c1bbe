"""Commands of the speech-cuts area: edit the main track by its sound.

    remove the silences                  cut pauses longer than 0.7 s (keep 0.2 s)
    remove the filler words              cut the part where I say 'let me start again'
    find where she says 'hurricane'

Each cut command is one undo step of "cut" ops on the main-track clips (speech.cuts.cut_spans),
placed through each clip's ops. "find" changes nothing: its step carries the hits (``step.hits``,
programme seconds) and says them in its reason, so the CLI prints them and the editor seeks to the
first. Silence uses speech.vad (energy by default); words use the recogniser (speech.asr), both
cached by content, so a second command on the same file is quick.

Long work: a resolver reports to ``state.progress`` and checks ``state.cancel`` when the caller put
them on the ComposeState (the editor runs such a command as a background job); ``TRANSCRIBE``
replaces the recogniser (a script's forced alignment, or a test's known words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, List, Optional

from .steps import ComposeStep

PARSERS: List[Callable[..., Any]] = []
RESOLVERS: Dict[type, Callable[..., list]] = {}

#: transcribe(path, *, progress=..., cancel=...) -> Transcript; None: speech.asr.transcribe.
TRANSCRIBE: Optional[Callable[..., Any]] = None
#: The voice activity backend of the silence commands ("energy", "silero", "auto").
VAD_BACKEND = "energy"


@dataclass
class CutSilences(ComposeStep):
    """Cut every silence at least ``min_pause`` s long, keeping ``padding`` s next to the speech."""

    min_pause: float = 0.0
    padding: float = 0.1
    kind: ClassVar[str] = "cut_silences"
    phase: ClassVar[int] = 0


@dataclass
class CutFillers(ComposeStep):
    """Cut the filler words (speech.cuts.FILLER_WORDS, and PAUSED_FILLERS set off by a pause)."""

    kind: ClassVar[str] = "cut_fillers"
    phase: ClassVar[int] = 0


@dataclass
class CutPhrase(ComposeStep):
    """Cut every place the phrase is said."""

    phrase: str = ""
    kind: ClassVar[str] = "cut_phrase"
    phase: ClassVar[int] = 0


@dataclass
class FindSpeech(ComposeStep):
    """Where the phrase is said (changes nothing)."""

    phrase: str = ""
    #: no hit is an answer, not an error (``find-speech --json`` prints an empty list for scripts)
    none_ok: bool = False
    kind: ClassVar[str] = "find_speech"
    phase: ClassVar[int] = 2


# -- parsing ----------------------------------------------------------------------------------------

_NUM = r"(\d+(?:\.\d+)?|\.\d+)"
_UNIT = r"\s*(?:s|secs?|seconds?|ms|milliseconds?)?"
_VERB = r"(?:remove|cut(?:\s+out)?|delete|drop|trim|take\s+out|get\s+rid\s+of|strip(?:\s+out)?|shorten)"
_SILENCE = re.compile(
    r"^" + _VERB + r"\s+(?:all\s+(?:of\s+)?)?(?:the\s+)?(?:silences|silent\s+(?:parts?|bits?|gaps?|spans?)|pauses?|gaps|"
    r"dead\s+air)(?:\s+(?:longer\s+than|over|above|of\s+more\s+than|more\s+than|at\s+least)\s+" + _NUM + r"(?P<u1>"
    + _UNIT + r"))?(?:\s*,?\s*(?:with|keep(?:ing)?|leav(?:e|ing))\s+" + _NUM + r"(?P<u2>" + _UNIT
    + r")(?:\s+(?:of\s+)?(?:padding|pad|margin|silence|each\s+side|either\s+side|on\s+each\s+side))*)?\s*\.?$")
_FILLERS = re.compile(
    r"^" + _VERB + r"\s+(?:all\s+(?:of\s+)?)?(?:the\s+|my\s+|his\s+|her\s+|their\s+)?(?:filler(?:\s+words?)?s?|fillers|"
    r"ums?(?:\s+and\s+(?:the\s+)?uhs?)?|uhs?(?:\s+and\s+(?:the\s+)?ums?)?|hesitations?)\s*\.?$")
_QUOTED = r"(?:['\"‘“](?P<q>.+?)['\"’”]|(?P<b>.+?))"
_SAYS = r"(?:i|he|she|they|we|you|someone|somebody|the\s+\w+)\s+(?:says?|said|say)"
_CUT_PHRASE = re.compile(
    r"^" + _VERB + r"\s+(?:the\s+)?(?:(?:part|bit|section|piece|moment|place|line)s?\s+)?(?:where|when)\s+" + _SAYS
    + r"\s+" + _QUOTED + r"\s*\.?$")
_CUT_QUOTED = re.compile(r"^" + _VERB + r"\s+(?:the\s+words?\s+|the\s+phrase\s+)?['\"‘“](?P<q>.+?)['\"’”]\s*\.?$")
_FIND = re.compile(
    r"^(?:find|show(?:\s+me)?|search(?:\s+for)?|locate|jump\s+to|go\s+to)\s+(?:(?:the\s+)?(?:part|bit|place|moment|spot)s?\s+)?"
    r"(?:where|when)\s+" + _SAYS + r"\s+" + _QUOTED + r"\s*\??\.?$"
    r"|^where\s+(?:does|did|do)\s+(?:i|he|she|they|we|you|someone|the\s+\w+)\s+say\s+" + _QUOTED.replace("?P<q>", "?P<q2>")
    .replace("?P<b>", "?P<b2>") + r"\s*\??$"
    r"|^find\s+(?:the\s+(?:words?|phrase)\s+)?['\"‘“](?P<q3>.+?)['\"’”]\s*(?:in\s+the\s+(?:speech|transcript|audio))?\s*\??\.?$")


def _seconds(num: Optional[str], unit: Optional[str]) -> Optional[float]:
    if num is None:
        return None
    v = float(num)
    return v / 1000.0 if unit and unit.strip().startswith("m") else v


def _phrase(m, cl, *groups: str) -> str:
    """The phrase as typed (original case) for the first group that matched."""
    for g in groups:
        if m.group(g) is not None:
            a, b = m.span(g)
            orig = cl.orig_text() if len(cl.orig_text()) == len(cl.text()) else cl.text()
            return orig[a:b].strip(" '\"‘’“”.?")
    return ""


def _parse(cl, t: str, context) -> Any:
    t = t.strip()
    m = _SILENCE.match(t)
    if m:
        min_pause = _seconds(m.group(1), m.group("u1")) if m.group(1) else 0.0
        pad = _seconds(m.group(3), m.group("u2")) if m.group(3) else 0.1
        what = f"pauses of {min_pause:g} s or more" if min_pause else "every silence"
        return CutSilences(min_pause=min_pause, padding=pad,
                           reason=f"cut {what}, keeping {pad:g} s next to the speech")
    if _FILLERS.match(t):
        return CutFillers(reason="cut the filler words (um, uh, erm ...)")
    m = _CUT_PHRASE.match(t) or _CUT_QUOTED.match(t)
    if m:
        phrase = _phrase(m, cl, *(g for g in ("q", "b") if g in m.re.groupindex))
        if phrase:
            return CutPhrase(phrase=phrase, reason=f"cut where '{phrase}' is said")
    m = _FIND.match(t)
    if m:
        phrase = _phrase(m, cl, "q", "b", "q2", "b2", "q3")
        if phrase:
            return FindSpeech(phrase=phrase, reason=f"find where '{phrase}' is said")
    return None


PARSERS.append(_parse)


# -- resolving --------------------------------------------------------------------------------------

def _job(state):
    from ..jobs import no_progress

    return getattr(state, "progress", None) or no_progress, getattr(state, "cancel", None)


def _transcript(state):
    from ..speech.programme import programme_transcript

    progress, cancel = _job(state)
    tr = programme_transcript(state.sim, TRANSCRIBE, progress=progress, cancel=cancel)
    if not tr.words:
        from ..errors import ProjectError

        raise ProjectError("No speech was recognised on the main track, so there is nothing to cut or find. "
                           "Nothing was changed.")
    return tr


def _sound(state) -> list:
    """Programme speech spans (speech.vad, cached) to trim word hits to, or [] when there is no sound."""
    from ..errors import MediaError
    from ..speech import cuts

    progress, cancel = _job(state)
    try:
        speech, _notes = cuts.programme_speech(state.sim, backend=VAD_BACKEND, progress=progress, cancel=cancel)
    except MediaError:
        return []
    return cuts.programme_spans(speech, float(state.layout().fps))


def _hits(state, tr, phrase: str) -> list:
    from dataclasses import replace

    from ..speech import cuts

    sound = _sound(state)
    out = []
    for h in cuts.find_phrase(tr, phrase):
        s, e = cuts.tighten((h.start, h.end), sound)
        out.append(replace(h, start=s, end=e))
    return out


def _label(step: ComposeStep, fallback: str) -> str:
    return (step.text or fallback).strip()


def _resolve_silences(step: CutSilences, state) -> list:
    from ..errors import ParamError, ProjectError
    from ..speech import cuts

    if step.padding < 0 or step.padding > 5:
        raise ParamError(f"Padding of {step.padding:g} s: give 0 to 5 seconds.")
    progress, cancel = _job(state)
    speech, notes = cuts.programme_speech(state.sim, backend=VAD_BACKEND, progress=progress, cancel=cancel)
    if not any(cs.speech for cs in speech):
        raise ProjectError("The main track is silent all through (no speech or sound was found), so nothing "
                           "was cut. Check that the clips have sound.")
    fps = float(state.layout().fps)
    spans = cuts.silence_spans(speech, fps, min_pause=step.min_pause, padding=step.padding)
    state.notes.extend(notes)
    if not spans:
        longest = max((b - a) / fps for cs in speech for a, b in _gaps(cs)) if speech else 0.0
        raise ProjectError(f"No pause is long enough to cut (the longest is {longest:.2f} s"
                           f"{f', asked for {step.min_pause:g} s or more' if step.min_pause else ''}). Nothing was cut.")
    cmd, done = cuts.cut_spans(state.sim, spans, _label(step, "Remove the silences"), fades=False)
    removed = sum(e - s for s, e in done)
    step.reason = f"cut {len(done)} pause{'s' * (len(done) != 1)}, {removed:.2f} s in all"
    step.spans = done
    return cmd.commands


def _gaps(cs):
    at, out = 0, []
    for a, b in cs.speech:
        if a > at:
            out.append((at, a))
        at = max(at, b)
    if cs.frames > at:
        out.append((at, cs.frames))
    return out


def _resolve_fillers(step: CutFillers, state) -> list:
    from ..errors import ProjectError
    from ..speech import cuts

    tr = _transcript(state)
    sound = _sound(state)
    found = [(cuts.tighten(sp, sound), t) for sp, t in cuts.filler_spans(tr)]
    if not found:
        heard = ", ".join(sorted({w.text for w in tr.words}))[:120]
        raise ProjectError(f"No filler words ({', '.join(cuts.FILLER_WORDS[:4])} ...) were recognised among the "
                           f"{len(tr.words)} words heard ({heard}). Nothing was cut.")
    cmd, done = cuts.cut_spans(state.sim, [s for s, _t in found], _label(step, "Remove the filler words"))
    step.reason = f"cut {len(done)} filler{'s' * (len(done) != 1)}: " + ", ".join(
        f"'{t}' at {cuts.fmt(s)}" for (s, _e), t in found[:8]) + (" ..." if len(found) > 8 else "")
    step.spans = done
    return cmd.commands


def _resolve_phrase(step: CutPhrase, state) -> list:
    from ..errors import ProjectError
    from ..speech import cuts

    tr = _transcript(state)
    hits = _hits(state, tr, step.phrase)
    if not hits:
        raise ProjectError(f"'{step.phrase}' was not found in the speech ({len(tr.words)} words heard). "
                           f"Nothing was cut. Try 'find where I say ...' with fewer words.")
    cmd, done = cuts.cut_spans(state.sim, [(h.start, h.end) for h in hits], _label(step, f"Cut '{step.phrase}'"))
    step.reason = f"cut '{step.phrase}' at " + ", ".join(f"{cuts.fmt(h.start)} to {cuts.fmt(h.end)} ('{h.text}')"
                                                          for h in hits)
    step.spans, step.hits = done, hits
    return cmd.commands


def _resolve_find(step: FindSpeech, state) -> list:
    from ..errors import ProjectError
    from ..speech import cuts

    tr = _transcript(state)
    hits = _hits(state, tr, step.phrase)
    if not hits and not step.none_ok:
        raise ProjectError(f"'{step.phrase}' was not found in the speech ({len(tr.words)} words heard).")
    step.hits = hits
    step.reason = f"'{step.phrase}' is said {len(hits)} time{'s' * (len(hits) != 1)}: " + ", ".join(
        f"{cuts.fmt(h.start)}" + (f" ('{h.text}')" if cuts.norm(h.text) != cuts.norm(step.phrase) else "")
        for h in hits)
    return []


RESOLVERS.update({CutSilences: _resolve_silences, CutFillers: _resolve_fillers, CutPhrase: _resolve_phrase,
                  FindSpeech: _resolve_find})


def speech_steps(plan) -> list:
    """The steps of ``plan`` that need the sound analysed (the editor runs those as a job)."""
    return [s for s in getattr(plan, "steps", ()) if isinstance(s, (CutSilences, CutFillers, CutPhrase, FindSpeech))]


def analyse(project, steps, *, progress=None, cancel=None) -> None:
    """Compute what ``steps`` need (voice activity, and the words unless only silences are cut) for
    every main-track clip into the content caches, with progress and cancel, so the command then
    resolves at once. A clip without sound is skipped here (the command says so)."""
    from ..errors import MediaError
    from ..jobs import check, no_progress
    from ..speech.programme import _default_transcribe, main_clip_spans
    from ..speech.vad import detect_speech

    progress = progress or no_progress
    words = any(not isinstance(s, CutSilences) for s in steps)
    clips = [c for c, _a, _b in main_clip_spans(project)]
    per = 2 if words else 1
    n = len(clips) * per
    for k, clip in enumerate(clips):
        check(cancel)

        def sub(done, total, message="", _at=k * per):
            progress(_at + (done / total if total else 0.0), n, message or "Finding speech")

        def sub2(done, total, message="", _at=k * per + 1):
            progress(_at + (done / total if total else 0.0), n, message or "Transcribing")

        try:
            detect_speech(clip.path, backend=VAD_BACKEND, progress=sub, cancel=cancel)
            if words:
                (TRANSCRIBE or _default_transcribe)(clip.path, progress=sub2, cancel=cancel)
        except MediaError:
            continue
    progress(n, n, "Sound analysed")
