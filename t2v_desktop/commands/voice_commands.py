"""Commands of the voice area: voice-overs read by the built-in voice, and dubbing.

    add a voice-over: 'Stay indoors during the storm.'
    read script.txt as a voice-over [in French] [at 0:12] [slowly]
    dub it in French [and mute the original]

A voice-over is spoken (speech.voiceover, content-cached), placed on a "Voice" audio track (role
voice, made when missing or busy) at the playhead (the parse context's ``playhead``; 0 without one)
or at the time said, every music track is set to duck under the voice (the mixer's sidechain), and
its exact word times become captions on a "Voice-over" subtitle track. Dubbing: speech.dub. Each
command is one undo step. Import compose_apply only inside functions (it imports this module).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, List, Optional

from .placement import playhead_of
from .steps import ComposeStep

PARSERS: List[Callable[..., Any]] = []
RESOLVERS: Dict[type, Callable[..., list]] = {}
#: step type -> fn(step, project, progress=, cancel=): the slow part (speaking, translating) done
#: first, into content caches, in a background job (gui/command_jobs.py) or with a progress bar (CLI)
PREPARE: Dict[type, Callable[..., None]] = {}
#: "... and dub it in French", "... and read script.txt as a voice-over", "... and mute the original"
STARTS = re.compile(r"(?:dub\s|(?:read|narrate|speak|say)\s.*\b(?:voice[- ]?over|narration)|"
                    r"(?:mute|silence)\s+the\s+original\b)")

RATES = {"slowly": 140, "slow": 140, "quickly": 210, "fast": 210, "quick": 210}
CAPTIONS_NAME = "Voice-over"


@dataclass
class AddVoiceOver(ComposeStep):
    """Text (or a script file) read by a voice onto a voice track, music ducked, captions added."""

    script: str = ""
    path: str = ""
    voice: str = ""
    variant: str = ""  # espeak-ng voice variant: "f3" (a female voice), "m3" (male)
    at: Optional[float] = None
    rate_wpm: Optional[int] = None
    kind: ClassVar[str] = "voice-over"


@dataclass
class Dub(ComposeStep):
    """The captions translated, spoken in the target language, each line fitted to its cue."""

    target: str = ""
    voice: str = ""
    variant: str = ""  # "f3" / "m3": espeak-ng's female / male variant
    mute_original: bool = False
    kind: ClassVar[str] = "dub"
    phase: ClassVar[int] = 2  # after captions added in the same command


_VO_WORDS = r"(?:voice[- ]?overs?|narrations?)"
_ADD = re.compile(r"^\s*(?:add|put|insert|record|create|make)\s+(?:a\s+|an\s+|the\s+|some\s+)?" + _VO_WORDS + r"\b\s*:?")
_READ = re.compile(r"^\s*(?:read|narrate|speak|say)\b(?:\s+out)?")
_SCRIPT = re.compile(r"(?P<q>['\"]?)(?P<f>[^\s'\"]+\.(?:txt|md|markdown))(?P=q)", re.IGNORECASE)
_AS = re.compile(r"\b(?:as|for|into|onto|on)\s+(?:a\s+|an\s+|the\s+)?" + _VO_WORDS + r"(?:\s+track)?\b")
_LANG = re.compile(r"\b(?:in|with)\s+(?:a\s+|an\s+|the\s+)?(?P<l>[a-z]+)\s*(?:voice|accent)?\b")
_VOICE = re.compile(r"\b(?:with\s+)?(?:the\s+)?voice\s+(?P<v>[a-z]{2,3}(?:-[a-z0-9]+)*)\b")
_RATE_WPM = re.compile(r"\bat\s+(?P<n>\d{2,3})\s*(?:wpm|words\s+(?:a|per)\s+minute)\b")
_GENDER = re.compile(r"\b(?:(?:with|in|by)\s+)?(?:a\s+|the\s+)?(?P<g>female|woman'?s|male|man'?s)\s+voice\b")
VARIANTS = {"female": "f3", "woman's": "f3", "womans": "f3", "male": "m3", "man's": "m3", "mans": "m3"}
_RATE_WORD = re.compile(r"\b(?:" + "|".join(RATES) + r")\b")
_AT_PLAYHEAD = re.compile(r"\b(?:at|from)\s+(?:the\s+)?(?:playhead|cursor|current\s+time)\b|\bhere\b")
_AT_START = re.compile(r"\b(?:at|from)\s+(?:the\s+)?(?:start|beginning)\b")


def _language_voice(work, said: str) -> str:
    """'in French' / 'with a German voice' / 'voice en-gb' -> a voice name ('' = the default)."""
    from ..speech.translate import LANGUAGES

    m = _VOICE.search(work.low)
    if m:
        work.blank(m.start(), m.end())
        return m.group("v")
    for m in _LANG.finditer(work.low):
        if m.group("l") in LANGUAGES:
            work.blank(m.start(), m.end())
            return LANGUAGES[m.group("l")][0]
    return ""


def _parse_voice_over(cl, t: str, context) -> Any:
    from .compose import check_leftover, take_quote
    from .files import context_base, resolve_file
    from .plan import ParseError
    from .timecode import TIME, parse_time

    low = cl.low
    m = _ADD.match(low) or _READ.match(low)
    if not m:
        return None
    said = cl.orig_text()
    work = cl.copy()
    script = take_quote(work)
    path = ""
    if script is None:
        fm = _SCRIPT.search(work.orig)
        if fm:
            path = resolve_file(fm.group("f"), context_base(context), said)
            work.blank(fm.start(), fm.end())
    named = _ADD.match(low) is not None or _AS.search(work.low) is not None
    if not named or (script is None and not path):
        if not named:  # "read me a story": not ours
            return None
        raise ParseError("Put the words in quotes or name a script file, e.g. \"add a voice-over: 'Stay indoors "
                         "during the storm.'\" or 'read script.txt as a voice-over'.",
                         ["add a voice-over: 'Stay indoors during the storm.'", "read script.txt as a voice-over"])
    if script is not None and not any(ch.isalnum() for ch in script):
        raise ParseError("The voice-over's text is empty; type the words between the quotes.")
    work.blank(0, m.end())
    a = _AS.search(work.low)
    if a:
        work.blank(a.start(), a.end())
    g = _GENDER.search(work.low)
    variant = VARIANTS[g.group("g")] if g else ""
    if g:
        work.blank(g.start(), g.end())
    voice = _language_voice(work, said)
    rate = None
    r = _RATE_WPM.search(work.low)
    if r:
        rate = int(r.group("n"))
        work.blank(r.start(), r.end())
    r = _RATE_WORD.search(work.low)
    if r:
        rate = RATES[r.group(0)]
        work.blank(r.start(), r.end())
    at = playhead_of(context)
    p = _AT_PLAYHEAD.search(work.low)
    if p:
        work.blank(p.start(), p.end())
    s = _AT_START.search(work.low)
    if s:
        at = 0.0
        work.blank(s.start(), s.end())
    tm = re.search(r"\b(?:at|from|starting\s+at)\s+(?P<t>" + TIME + r")", work.low)
    if tm:
        at = parse_time(tm.group("t"))
        work.blank(tm.start(), tm.end())
    check_leftover(work, "a voice-over", "read script.txt as a voice-over at 0:05",
                   allowed=("voice", "over", "voiceover", "voice-over", "read", "out", "it", "loud", "aloud"))
    where = f"at {at:.2f} s" if at is not None else "at the start"
    return AddVoiceOver(script=script or "", path=path, voice=voice, variant=variant, at=at, rate_wpm=rate,
                        text=said,
                        reason=f"spoken by the {'built-in ' if not voice.startswith('piper:') else ''}voice "
                               f"on the Voice track {where}, music ducked, captions from its words")


def _resolve_voice_over(step: AddVoiceOver, state) -> list:
    from ..errors import ParamError
    from ..project.history import SetTrackProps
    from ..project.model import Clip, Ducking, MediaSource
    from ..speech.voiceover import voice_over
    from .compose_apply import _place, _programme

    layout, total = _programme(state)
    start = 0.0 if step.at is None else float(step.at)
    if start >= total:
        raise ParamError(f"The voice-over would start at {start:.2f} s, after the programme's end ({total:.2f} s); "
                         "move the playhead or say 'at 0:05'.")
    text, voice, guessed = _text_and_voice(step)
    if guessed:
        step.reason += f"; read in {guessed} (the text's language)"
    vo = voice_over(text, start, voice=voice, rate_wpm=step.rate_wpm)
    first = text.split(".")[0].strip()
    clip = Clip(MediaSource(str(vo.path)), 0.0, None, name=f"Voice-over: {first[:40]}")
    state.created.setdefault("voice", []).append(clip.id)
    cmds = _place(state, layout, clip, "Voice", "audio", start, vo.end, role="voice")
    for t in state.sim.tracks:  # the music makes way for the voice (the mixer's sidechain ducking)
        if t.kind == "audio" and t.role == "music" and t.ducking is None:
            cmds.append(SetTrackProps(t.id, ducking=Ducking()))
    cmds += _caption_commands(state.sim, vo.cues, vo.speech.transcript().language, vo.start, vo.end)
    step.reason = f"{step.reason}; {vo.speech.duration:.1f} s, {len(vo.speech.words)} words"
    if vo.end > total + 0.02:
        step.reason += f"; it runs {vo.end - total:.1f} s past the end of the picture"
    return cmds


def _text_and_voice(step: AddVoiceOver) -> tuple:
    """(the words, the voice, the language guessed from the words or ""): what is spoken, the same
    for the background job that speaks it first (prepare_voice_over) and for the resolver."""
    from ..speech.tts import default_voice
    from ..speech.voiceover import script_text

    text = step.script or script_text(step.path)
    voice, guessed = step.voice, ""
    if not voice:  # no voice said: the text's language when it is clearly not English (a French script)
        from .foreign import guess_language

        guessed = guess_language(text) or ""
        voice = default_voice(guessed or "en")
    if step.variant and not voice.startswith("piper:"):  # a Piper voice is one speaker
        voice = f"{voice}+{step.variant}"
    return text, voice, guessed


def prepare_voice_over(step: AddVoiceOver, project, *, progress, cancel=None) -> None:
    """The slow part, off the GUI thread: the text spoken into the TTS content cache (and its WAV
    written), so the resolver's voice_over() is then a cache hit."""
    from ..speech.voiceover import voice_over

    text, voice, _ = _text_and_voice(step)
    progress(0, 1, "Speaking the voice-over")
    voice_over(text, 0.0, voice=voice, rate_wpm=step.rate_wpm, cancel=cancel)
    progress(1, 1, "Voice-over spoken")


def _caption_commands(project, cues, language: str, start: float, end: float, name: str = CAPTIONS_NAME) -> list:
    """Cues into the first subtitle track called ``name`` ("name 2", ...) with no cue over [start, end),
    else into a new one: a voice-over over another keeps both captions."""
    from ..project.history import AddSubtitleTrack, SetSubtitleTrack
    from ..project.model import SubtitleTrack

    same = [s for s in project.subtitle_tracks if s.name == name or s.name.startswith(name + " ")]
    for sub in same:
        if not any(c.start < end and c.end > start for c in sub.cues):
            return [SetSubtitleTrack(sub.id, cues=sorted(list(sub.cues) + list(cues), key=lambda c: c.start))]
    label = f"{name} {len(same) + 1}" if same else name
    return [AddSubtitleTrack(SubtitleTrack(list(cues), name=label, language=language))]


PARSERS.append(_parse_voice_over)
RESOLVERS[AddVoiceOver] = _resolve_voice_over
PREPARE[AddVoiceOver] = prepare_voice_over


# -- dubbing ------------------------------------------------------------------------------------------

DUCK_ORIGINAL_DB = 18.0  # the original speech under the dub: still there, clearly behind it

_DUB = re.compile(r"^\s*dub\s+(?:it|this|the\s+(?:video|clip|programme|program|speech|captions|film))?\s*"
                  r"(?:in|into|to)\s+(?P<lang>[a-z]+)(?P<rest>.*)$")
_MUTING = re.compile(r"^\s*(?:,?\s*(?:and\s+)?(?:muting|silencing|without)\s+the\s+original"
                     r"(?:\s+(?:speech|voice|sound|audio))?|\s+with\s+the\s+original\s+muted)\s*\.?\s*$")
_MUTE_ORIGINAL = re.compile(r"^\s*(?:mute|silence)\s+the\s+original(?:\s+(?:speech|voice|sound|audio))?\s*\.?\s*$")


@dataclass
class MuteOriginal(ComposeStep):
    """The main track's own sound off (after a dub: only the dubbed voice is heard)."""

    kind: ClassVar[str] = "mute original"
    phase: ClassVar[int] = 2


def _parse_dub(cl, t: str, context) -> Any:
    from ..speech.translate import LANGUAGES
    from .plan import ParseError

    if _MUTE_ORIGINAL.match(t):
        return MuteOriginal(text=cl.orig_text(), reason="the main track's own sound muted")
    m = _DUB.match(t)
    if not m:
        return None
    lang, rest = m.group("lang"), m.group("rest")
    if lang not in LANGUAGES and lang not in {iso for iso, _ in LANGUAGES.values()}:
        raise ParseError(f"I can dub into: {', '.join(sorted(LANGUAGES))}; '{lang}' is not one of them.",
                         ["dub it in French"])
    mute = False
    g = _GENDER.search(rest)
    variant = VARIANTS[g.group("g")] if g else ""
    if g:
        rest = rest[:g.start()] + rest[g.end():]
    if rest.strip(" .,"):
        if not _MUTING.match(rest):
            raise ParseError(f"I understood 'dub it in {lang}' but not '{rest.strip()}'.",
                             ["dub it in French", "dub it in Spanish, muting the original"])
        mute = True
    return Dub(target=lang, variant=variant, mute_original=mute, text=cl.orig_text(),
               reason=f"captions translated to {lang.capitalize()}, spoken and fitted to each cue; original "
                      + ("muted" if mute else f"ducked {DUCK_ORIGINAL_DB:g} dB"))


def _dub_sources(project) -> list:
    return [s for s in project.subtitle_tracks if s.cues and not s.name.startswith((CAPTIONS_NAME, "Dub"))]


def _dub_request(step: Dub, project) -> tuple:
    """(the caption track dubbed, its language, the target code, the voice), or a ParamError."""
    from ..errors import ParamError
    from ..speech.translate import language_code
    from ..speech.tts import default_voice

    subs = _dub_sources(project)
    if not subs:
        raise ParamError("There are no captions to dub; add them first, e.g. 'add captions and dub it in French'.")
    src = subs[0]
    source = src.language[:2] if src.language not in ("und", "") else "en"
    code = language_code(step.target)
    if code == source:
        raise ParamError(f"The captions are already in {step.target.capitalize()}; dub them into another language.")
    voice = step.voice or default_voice(code)
    if step.variant and not voice.startswith("piper:"):
        voice = f"{voice}+{step.variant}"
    return src, source, code, voice


def prepare_dub(step: Dub, project, *, progress, cancel=None) -> None:
    """The slow part, off the GUI thread: the captions translated (speech.dub keeps the lines by
    content) and each line spoken (the TTS cache). Captions the same command adds are not there
    yet: then the resolver does it all."""
    from ..speech.dub import dub_cues

    if not _dub_sources(project):
        return
    src, source, code, voice = _dub_request(step, project)
    dub_cues(src.cues, code, source=source, voice=voice, progress=progress, cancel=cancel)


def _resolve_dub(step: Dub, state) -> list:
    import math

    from ..engine.layout import clip_timing
    from ..errors import ParamError
    from ..project.history import AddSubtitleTrack, AddTrack, PlaceClip, SetTrackProps
    from ..project.model import Clip, Cue, Ducking, MediaSource, SubtitleTrack
    from ..speech.dub import dub_cues
    from .compose_apply import _programme

    sim = state.sim
    layout, _ = _programme(state)
    src, source, code, voice = _dub_request(step, sim)
    result = dub_cues(src.cues, code, source=source, voice=voice)
    label = f"Dub ({step.target.capitalize()})"
    fps = layout.fps
    cmds: list = []
    tracks: list = []  # (track id, [(first frame, end frame)]) of the dub tracks made here
    for line in result.lines:
        if line.path is None:
            continue
        clip = Clip(MediaSource(str(line.path)), 0.0, None, name=f"Dub {line.index + 1}: {line.text[:30]}")
        a = math.floor(float(line.start * fps) + 0.5)
        b = a + clip_timing(clip, fps, sim.sample_rate)[0]
        free = next((tr for tr in tracks if all(b <= s or a >= e for s, e in tr[1])), None)
        if free is None:  # the first line, or a flagged line that overruns the next: another dub track
            add = AddTrack("audio", name=label if not tracks else f"{label} {len(tracks) + 1}", role="voice")
            cmds.append(add)
            free = (add.track_id, [])
            tracks.append(free)
        tid, spans = free
        spans.append((a, b))
        cmds.append(PlaceClip(clip, tid, line.start))
        state.created.setdefault("voice", []).append(clip.id)
    if not tracks:
        raise ParamError(f"Nothing to dub: no caption had words to translate into {step.target.capitalize()}.")
    main = sim.main_track
    if step.mute_original:
        cmds.append(SetTrackProps(main.id, muted=True))
    elif main.ducking is None:
        cmds.append(SetTrackProps(main.id, ducking=Ducking(amount_db=DUCK_ORIGINAL_DB)))
    for t in sim.tracks:  # the music makes way for the dub as for any voice
        if t.kind == "audio" and t.role == "music" and t.ducking is None:
            cmds.append(SetTrackProps(t.id, ducking=Ducking()))
    cues = [Cue(ln.cue_start, max(ln.cue_end, ln.end), ln.text, tuple((w.start, w.end, w.text) for w in ln.words))
            for ln in result.lines if ln.path is not None]
    cmds.append(AddSubtitleTrack(SubtitleTrack(cues, name=label, language=code, soft=True)))
    step.reason = f"{step.reason}; {result.report()}"  # shown with the plan: which cues to check
    step.result = result  # the lines, their tempo and flags, for the GUI or a test
    return cmds


def _resolve_mute_original(step: MuteOriginal, state) -> list:
    from ..project.history import SetTrackProps

    return [SetTrackProps(state.sim.main_track.id, muted=True)]


PARSERS.append(_parse_dub)
RESOLVERS[Dub] = _resolve_dub
PREPARE[Dub] = prepare_dub
RESOLVERS[MuteOriginal] = _resolve_mute_original
