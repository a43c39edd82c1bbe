"""Structural plan steps: what to add to the timeline or change about its tracks.

A Plan is a list of steps of a small union: ``Step`` (apply an op, or undo / redo / remove) and
the ``ComposeStep`` kinds here (titles, overlays, music, transitions, keyframed moves, track
switches, subtitles). Each is typed data with no side effects; ``commands/compose_apply.py``
resolves them once against the project into history commands. They share ``Step``'s surface
(``op``, ``params``, ``range``, ``route``, ``action``, ``text``, ``to_json``) so the command bar,
``parse --json`` and ``Plan.explain`` show them like any other step; ``action`` is "compose".
A step's ``range`` is on the programme's timeline (seconds of the finished edit), not a clip's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar, Optional, Tuple

from .plan import CLASSIC, RangeSpec, range_json

_BASE = ("range", "text", "reason")


@dataclass
class ComposeStep:
    range: Optional[RangeSpec] = None
    text: str = ""  # the fragment of the input this step came from
    reason: str = ""

    kind: ClassVar[str] = "compose"
    action: ClassVar[str] = "compose"
    route: ClassVar[str] = CLASSIC
    #: Resolution order inside one command (stable): 0 picture edits and transitions (they set the
    #: programme's length), 1 placements (titles, overlays, music, subtitles), 2 changes to what
    #: exists (fades, moves, ducking, track switches, burn-in).
    phase: ClassVar[int] = 1

    @property
    def op(self) -> str:
        return self.kind

    @property
    def params(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _BASE}

    def to_json(self, duration: Optional[float] = None) -> dict:
        rng = range_json(self.range, duration) if self.range is not None else None
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.params.items()}
        return {"op": self.kind, "params": params, "range": rng, "route": self.route}


@dataclass
class AddTitle(ComposeStep):
    """A title (or a lower third: boxed, left-aligned, low) on the "Titles" track."""

    title: str = ""
    lower_third: bool = False
    position: str = ""  # "", "top", "bottom", "center": where a plain title sits
    kind: ClassVar[str] = "title"


@dataclass
class AddImage(ComposeStep):
    """A still picture (a logo, a watermark) over the picture, for the whole programme by default."""

    path: str = ""
    corner: str = ""  # "top_right", "bottom_left", "top", "center", ... ("" = top right for a logo)
    opacity: float = 1.0
    scale: float = 1.0
    kind: ClassVar[str] = "image"


@dataclass
class AddPicture(ComposeStep):
    """A video file in a corner over the main picture (picture in picture)."""

    path: str = ""
    corner: str = "bottom_right"
    scale: float = 0.3
    opacity: float = 1.0
    kind: ClassVar[str] = "picture_in_picture"


@dataclass
class AddAudio(ComposeStep):
    """A sound file on an audio track of its own: music (ducked under the voice) or a voice-over."""

    path: str = ""
    role: str = "music"
    gain_db: float = 0.0
    fade_in: float = 0.0
    fade_out: float = 0.0
    #: A fade-out of this many seconds only when the file is longer than the programme and is cut at
    #: its end (``apply --music``); ``fade_out`` said by the user wins.
    fade_if_cut: float = 0.0
    kind: ClassVar[str] = "audio"


@dataclass
class AppendClip(ComposeStep):
    """A file added to the main track, at the end (or the start)."""

    path: str = ""
    at_start: bool = False
    kind: ClassVar[str] = "add_clip"
    phase: ClassVar[int] = 0


@dataclass
class AddTransitions(ComposeStep):
    """A transition at every cut of the main track, or between clips ``between`` (1-based, adjacent)."""

    transition: str = "dissolve"
    duration: float = 1.0
    between: Optional[Tuple[int, int]] = None
    kind: ClassVar[str] = "transition"
    phase: ClassVar[int] = 0


@dataclass
class KenBurns(ComposeStep):
    """A slow zoom and/or pan: scale (and position) keyframes from a clip's first frame to its last."""

    scale_from: float = 1.0
    scale_to: float = 1.2
    pan: str = ""  # "", "left", "right", "up", "down"
    clip: Optional[int] = None  # 1-based on the main track; None = the target clip(s)
    kind: ClassVar[str] = "ken_burns"
    phase: ClassVar[int] = 2


@dataclass
class FadeLayer(ComposeStep):
    """Opacity keyframes on a placed layer: fade the title / logo / lower third / overlay in or out."""

    target: str = "title"  # "title", "lower_third", "image", "picture_in_picture"
    direction: str = "in"  # "in", "out", "both"
    duration: float = 0.5
    kind: ClassVar[str] = "fade_layer"
    phase: ClassVar[int] = 2


@dataclass
class SetTrack(ComposeStep):
    """Track switches and level: "mute track 2", "solo the music", "set the music to -6 dB"."""

    track: str = ""  # as said: "2", "music", "voice", "titles" ...
    props: dict = field(default_factory=dict)
    kind: ClassVar[str] = "track"
    phase: ClassVar[int] = 2


@dataclass
class Duck(ComposeStep):
    """Duck the music tracks under the voice (``voice``: a track as said; "" = the voice track,
    else the main track)."""

    amount_db: float = 12.0
    voice: str = ""
    kind: ClassVar[str] = "duck"
    phase: ClassVar[int] = 2


@dataclass
class AddSubtitles(ComposeStep):
    """Cues from an .srt/.vtt file as a subtitle track."""

    path: str = ""
    burn_in: bool = False
    language: str = "und"
    kind: ClassVar[str] = "subtitles"


@dataclass
class BurnSubtitles(ComposeStep):
    """Burn the subtitle tracks into the picture (or stop: ``burn_in`` False)."""

    burn_in: bool = True
    kind: ClassVar[str] = "burn_subtitles"
    phase: ClassVar[int] = 2


@dataclass
class RemoveTransitions(ComposeStep):
    """Take out the transitions of the main track (or the one between clips ``between``)."""

    between: Optional[Tuple[int, int]] = None
    kind: ClassVar[str] = "remove_transition"
    phase: ClassVar[int] = 0


@dataclass
class RemoveAudio(ComposeStep):
    """Take out the music (or voice-over) tracks."""

    role: str = "music"
    kind: ClassVar[str] = "remove_audio"
    phase: ClassVar[int] = 2


STEP_TYPES = (AddTitle, AddImage, AddPicture, AddAudio, AppendClip, AddTransitions, KenBurns, FadeLayer,
              SetTrack, Duck, AddSubtitles, BurnSubtitles, RemoveTransitions, RemoveAudio)
