"""Commands of the speech area, plugged into the command language (compose.py, compose_apply.py).

PARSERS: functions (clause, lowered text, context) -> a ComposeStep or None, tried before the
built-in structural parsers. RESOLVERS: step type -> function (step, ComposeState) -> history
commands. Steps are typed data (steps.py's ComposeStep subclasses defined here). Import compose_apply
only inside functions (it imports this module).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List

PARSERS: List[Callable[..., Any]] = []
RESOLVERS: Dict[type, Callable[..., list]] = {}
#: step type -> its slow part done first in a job (commands/prepare.py)
PREPARE: Dict[type, Callable[..., None]] = {}

import re  # noqa: E402

#: Fragments after ',' / 'and' that begin a captions command, so "add captions, export the captions
#: as captions.vtt" is two steps (not a file name for the first).
STARTS = re.compile(r"^(?:(?:export|save|write)(?: out)? (?:the |my )?(?:[a-z]+ )?(?:captions|subtitles|subs)\b|"
                    r"translate (?:the )?(?:captions|subtitles|speech)\b|style (?:the )?(?:captions|subtitles)\b|"
                    r"use (?:boxed|karaoke|classic) (?:captions|subtitles)\b|transcribe\b)")


# -- captions: translate a subtitle track (H11c) ----------------------------------------------------

import re  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import ClassVar  # noqa: E402

from ..project.history import EditCommand  # noqa: E402
from .steps import ComposeStep  # noqa: E402


@dataclass
class TranslateCaptions(ComposeStep):
    """A second subtitle track: the captions' text in ``target``, the same cue times."""

    target: str = ""
    kind: ClassVar[str] = "translate captions"


_TRANSLATE = re.compile(r"^translate (?:the )?(?:captions|subtitles)(?: (?:in)?to)? ([a-z_ ]+?)\.?$")


def _parse_translate(cl, t: str, context) -> Any:
    m = _TRANSLATE.match(t.strip())
    return TranslateCaptions(target=m.group(1).strip()) if m else None


def _translation(step: TranslateCaptions, project) -> tuple:
    """(the caption track translated, its language, the target code), or a ParamError."""
    from ..errors import ParamError
    from ..speech.translate import language_code

    code = language_code(step.target)
    subs = [s for s in project.subtitle_tracks if s.cues]
    if not subs:
        raise ParamError("There are no captions to translate; add captions first ('add captions').")
    src = subs[0]
    source = src.language if src.language not in ("und", "") else "en"
    return src, source[:2], code


def prepare_translate(step: TranslateCaptions, project, *, progress, cancel=None) -> None:
    """The slow part, off the GUI thread (commands/prepare.py): the lines translated (the model
    loaded) into speech.dub's kept translations; no captions yet: the resolver says so."""
    from ..speech.dub import translated_lines

    if not any(s.cues for s in project.subtitle_tracks):
        return
    src, source, code = _translation(step, project)
    translated_lines([c.text for c in src.cues], code, source=source, progress=progress, cancel=cancel)


def _resolve_translate(step: TranslateCaptions, state) -> list:
    import copy
    from dataclasses import replace

    from ..project.history import AddSubtitleTrack
    from ..project.model import SubtitleTrack
    from ..speech.dub import translated_lines

    src, source, code = _translation(step, state.sim)
    texts = translated_lines([c.text for c in src.cues], code, source=source)
    cues = [replace(c, text=t, words=()) for c, t in zip(src.cues, texts, strict=True)]  # words were the other language's
    name = f"{src.name or 'Captions'} ({step.target.strip().capitalize()})"
    return [AddSubtitleTrack(SubtitleTrack(cues, name=name, language=code, style=copy.deepcopy(src.style),
                                           burn_in=False, soft=src.soft, look=src.look, highlight=src.highlight))]


PARSERS.append(_parse_translate)
RESOLVERS[TranslateCaptions] = _resolve_translate
PREPARE[TranslateCaptions] = prepare_translate


# -- captions from the speech (H11c) ----------------------------------------------------------------

@dataclass
class AddCaptions(ComposeStep):
    """A subtitle track of readable cues from the main track's speech; ``translate``: English cues
    whatever the spoken language (Whisper's speech-to-English translation)."""

    translate: bool = False
    kind: ClassVar[str] = "captions"


_CAPTIONS = re.compile(r"^(?:add (?:the )?(?:captions|subtitles)(?: from the speech)?|transcribe(?: it| the speech)?)\.?$")
_ENGLISH_CAPTIONS = re.compile(
    r"^(?:add (?:the )?english (?:captions|subtitles)(?: from the speech)?|add (?:the )?(?:captions|subtitles) "
    r"(?:translated )?(?:in|into|to) english|translate the speech (?:in)?to english(?: captions| subtitles)?)\.?$")


def _parse_captions(cl, t: str, context) -> Any:
    if _ENGLISH_CAPTIONS.match(t.strip()):
        return AddCaptions(translate=True, reason="English captions from the speech (Whisper translates it)")
    return AddCaptions() if _CAPTIONS.match(t.strip()) else None


def _transcriber(step: AddCaptions):
    """None (the default transcriber), or Whisper's speech-to-English for English captions."""
    if not step.translate:
        return None
    from ..speech.asr import transcribe

    def english(path, **kw):
        return transcribe(path, task="translate", **kw)
    return english


def prepare_captions(step: AddCaptions, project, *, progress, cancel=None) -> None:
    """The slow part, off the GUI thread (commands/prepare.py): every main-track clip transcribed
    into the transcript cache, so the resolver then places the words at once."""
    from ..errors import ProjectError
    from ..speech.programme import programme_transcript

    try:
        programme_transcript(project, _transcriber(step), progress=progress, cancel=cancel)
    except ProjectError:
        return  # no clip with sound yet (the same command may add one): the resolver says what is wrong


def _resolve_captions(step: AddCaptions, state) -> list:
    """The main track's speech (each clip transcribed once per audio content) placed on programme
    time frame-exactly through each clip's ops (speech.programme), then split into readable cues."""
    from ..errors import ProjectError
    from ..project.history import AddSubtitleTrack
    from ..project.model import SubtitleTrack
    from ..speech.captions import segment
    from ..speech.programme import programme_transcript

    tr = programme_transcript(state.sim, _transcriber(step))
    if not tr.words:
        raise ProjectError("No speech was recognised on the main track, so there are no captions to add.")
    name = "Captions (English)" if step.translate else "Captions"
    return [AddSubtitleTrack(SubtitleTrack(segment(tr), name=name, language=tr.language or "en"))]


PARSERS.append(_parse_captions)
RESOLVERS[AddCaptions] = _resolve_captions
PREPARE[AddCaptions] = prepare_captions


# -- caption looks: classic, boxed, karaoke (engine/captions.py draws them) ------------------------

_COLOURS = {"yellow": "#ffd400", "green": "#39e75f", "red": "#ff3b30", "blue": "#3b82ff", "orange": "#ff9500",
            "pink": "#ff4fa3", "cyan": "#00e5ff", "purple": "#b05cff", "white": "#ffffff"}
_LOOK_WORDS = {"karaoke": "karaoke", "word by word": "karaoke", "word-by-word": "karaoke",
               "highlighted": "karaoke", "boxed": "boxed", "box": "boxed", "classic": "classic",
               "plain": "classic", "normal": "classic", "default": "classic"}
_LOOK = "|".join(sorted((re.escape(k) for k in _LOOK_WORDS), key=len, reverse=True))
_SUBS_WORD = r"(?:captions|subtitles|subs)"
_COLOUR = r"(?:,? (?:with|in) (?:the (?:spoken |current )?words? (?:in )?)?(" + "|".join(_COLOURS) + r"))?"
_STYLE_RES = (
    re.compile(rf"^(?:style|make|set|show|switch|change|turn) (?:the )?{_SUBS_WORD}(?: look)? "
               rf"(?:as|to|into|like|in)? ?(?:an? )?({_LOOK})(?: style| look| captions| subtitles)?{_COLOUR}\.?$"),
    re.compile(rf"^(?:use|give me|i want|show|switch to|make) (?:the )?({_LOOK})(?: style)? {_SUBS_WORD}"
               rf"(?: style)?{_COLOUR}\.?$"),
)


@dataclass
class StyleCaptions(ComposeStep):
    """Every subtitle track drawn in a caption look (burned in, so the look shows)."""

    look: str = "classic"
    highlight: str = ""
    kind: ClassVar[str] = "caption style"
    phase: ClassVar[int] = 2


def _parse_style(cl, t: str, context) -> Any:
    for rx in _STYLE_RES:
        m = rx.match(t.strip())
        if m:
            look = _LOOK_WORDS[m.group(1)]
            colour = _COLOURS.get(m.group(2) or "", "")
            return StyleCaptions(look=look, highlight=colour,
                                 reason=f"captions drawn {look}" + (" (burned in)" if look != "classic" else ""))
    return None


def _resolve_style(step: StyleCaptions, state) -> list:
    from ..errors import ParamError
    from ..project.history import SetSubtitleTrack

    subs = state.sim.subtitle_tracks
    if not subs:
        raise ParamError("There are no captions to style; add them first ('add captions').")
    props: Dict[str, Any] = {"look": step.look}
    if step.look != "classic":
        props["burn_in"] = True
    if step.highlight:
        props["highlight"] = step.highlight
    if step.look == "karaoke" and not any(c.words for s in subs for c in s.cues):
        raise ParamError("Karaoke captions need word times; these captions have none. Make them from the "
                         "speech ('add captions') to get them.")
    return [SetSubtitleTrack(s.id, **props) for s in subs]


PARSERS.append(_parse_style)
RESOLVERS[StyleCaptions] = _resolve_style


# -- captions to a file: "export the captions as captions.vtt" ------------------------------------

_EXPORT = re.compile(r"^(?:export|save|write)(?: out)? (?:the |my )?(?:([a-z]+) )?(?:captions|subtitles|subs)"
                     r"(?: track)?(?: (?:as|to|into|in))? (\S+\.(?:srt|vtt|ass|ssa))\.?$", re.IGNORECASE)


@dataclass
class ExportCaptions(ComposeStep):
    """A subtitle track written to an .srt / .vtt / .ass file (the first, or the one in ``language``)."""

    path: str = ""
    language: str = ""
    kind: ClassVar[str] = "export captions"
    phase: ClassVar[int] = 2


def _parse_export(cl, t: str, context) -> Any:
    import os

    m = _EXPORT.match(" ".join(cl.orig_text().split()))
    if not m:
        return None
    base = (context or {}).get("base") if isinstance(context, dict) else getattr(context, "base", None)
    path = os.path.join(base or os.getcwd(), os.path.expanduser(m.group(2)))
    lang = (m.group(1) or "").lower()
    return ExportCaptions(path=os.path.abspath(path), language="" if lang in ("the", "my") else lang,
                          reason=f"write the captions to {os.path.basename(path)}")


class WriteCaptionsFile(EditCommand):
    """Writes a subtitle track's cues to a file (atomically). Undo puts back what was there before
    (the old file, or none), so an export that overwrote a file loses nothing."""

    def __init__(self, track_id: str, path: str):
        self.track_id, self.path = track_id, path
        self.label = f"Export captions to {path.rsplit('/', 1)[-1]}"
        self._before: Any = ...  # the file's bytes before the first write (None: there was none)

    def do(self, project) -> None:
        from pathlib import Path

        from ..project.subtitle_files import write_subtitles

        track = next(s for s in project.subtitle_tracks if s.id == self.track_id)
        if self._before is ...:  # the plan runs on a copy first, then for real: keep the first
            p = Path(self.path)
            self._before = p.read_bytes() if p.is_file() else None
        write_subtitles([(c.start, c.end, c.text) for c in track.cues], self.path)

    def undo(self, project) -> None:
        from pathlib import Path

        from ..fsutil import atomic_write_bytes

        if self._before is None:
            Path(self.path).unlink(missing_ok=True)
        elif self._before is not ...:
            atomic_write_bytes(Path(self.path), self._before)


def _resolve_export(step: ExportCaptions, state) -> list:
    from ..errors import ParamError

    subs = [s for s in state.sim.subtitle_tracks if s.cues]
    if not subs:
        raise ParamError("There are no captions to export; add them first ('add captions').")
    track = subs[0]
    if step.language:
        from ..speech.translate import language_code

        code = language_code(step.language)
        hits = [s for s in subs if s.language[:2].lower() == code]
        if not hits:
            have = ", ".join(s.language for s in subs)
            raise ParamError(f"No {step.language} captions to export; the subtitle tracks are in: {have}.")
        track = hits[0]
    return [WriteCaptionsFile(track.id, step.path)]


PARSERS.append(_parse_export)
RESOLVERS[ExportCaptions] = _resolve_export
