"""The document model (schema v2): Project -> Track -> Clip | Gap | Transition, plus subtitle tracks.

Plain dataclasses saved as JSON with a schema version; loading validates every field (no pickle
anywhere) against the bounds in ``checks.py`` and migrates older versions (v1: one list of clips per
track, a clip's source a file path). Change a project through ``project.history`` commands so every
change can be undone. The document never renders: the engine reads it.

Tracks: ``tracks[0]`` is the bottom video track (the main track, edited with ripple); upper video
tracks place overlays with Gaps; audio tracks hold sound clips. Every track plays its items in
sequence: a Gap is empty time, a Transition between two clips makes them OVERLAP by its duration
(the last d seconds of the left clip play with the first d of the right one, as ffmpeg's xfade and
Shotcut do), so it needs no media beyond either clip's ends and the track gets d shorter.
"""

from __future__ import annotations

import json
import math
import os
import stat
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, List, Optional, Tuple, Union

from .. import keyframes as kf
from ..errors import ProjectError
from .checks import (  # noqa: F401  (re-exported: the rest of the app imports the bounds from here)
    MAX_CLIPS,
    MAX_CUES,
    MAX_FILE_BYTES,
    MAX_FPS,
    MAX_OPS_PER_CLIP,
    MAX_PATH,
    MAX_SECONDS,
    MAX_SIZE,
    MAX_TEXT,
    MAX_TITLE_TEXT,
    MAX_TRACKS,
    MIN_FPS,
    MIN_SIZE,
    choice,
    color,
    expect,
    is_seconds,
    new_id,
    number,
    short,
    tidy,
)
from .sources import (  # noqa: F401
    ColorSource,
    GeneratedSource,
    ImageSource,
    MediaSource,
    Source,
    TitleSource,
    TitleStyle,
    source_from_json,
    subtitle_style,
)
from .transform import Ducking, Transform  # noqa: F401

SCHEMA_VERSION = 2
TRANSITION_KINDS = ("dissolve", "dip_black", "dip_white", "wipe_left", "wipe_right", "wipe_up", "wipe_down",
                    "slide_left", "slide_right", "slide_up", "slide_down")
TRACK_ROLES = ("", "voice", "music")
_seconds = is_seconds
_expect = expect


@dataclass
class AppliedOp:
    """One operation in a clip's stack. ``range`` is (start, end) seconds on the clip's timeline
    at this point of the stack (after the timing ops above it), or None for the whole clip."""

    op: str
    params: dict = field(default_factory=dict)
    range: Optional[Tuple[float, float]] = None
    enabled: bool = True
    id: str = field(default_factory=new_id)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "op": self.op,
            "params": {k: kf.value_to_json(v) for k, v in self.params.items()},
            "range": list(self.range) if self.range is not None else None,
            "enabled": self.enabled,
        }

    @classmethod
    def from_json(cls, d: Any) -> "AppliedOp":
        _expect(isinstance(d, dict), "an operation entry must be an object")
        name = d.get("op")
        _expect(isinstance(name, str) and 0 < len(name) <= 64, f"an operation needs an 'op' name, got {short(name)}")
        params = d.get("params", {})
        _expect(isinstance(params, dict), f"params of '{name}' must be an object")
        params = dict(params)
        for k, v in params.items():
            if kf.is_keyframes_json(v) and isinstance(k, str) and len(k) <= 64:
                params[k] = kf.from_json(v, f"'{name}' parameter {short(k)}")
                continue
            _expect(isinstance(k, str) and len(k) <= 64 and (v is None or isinstance(v, (bool, int, float, str))),
                    f"'{name}' parameter {short(k)} must be a number, text or true/false, got {short(v)}")
            _expect(not isinstance(v, float) or math.isfinite(v), f"'{name}' parameter {short(k)} is {v}")
        rng = d.get("range")
        if rng is not None:
            _expect(
                isinstance(rng, list) and len(rng) == 2 and all(_seconds(x) for x in rng) and rng[0] < rng[1],
                f"range of '{name}' must be [start, end] seconds with 0 <= start < end <= {MAX_SECONDS:g}, "
                f"got {short(rng)}",
            )
            rng = (float(rng[0]), float(rng[1]))
        return cls(
            op=name,
            params=params,
            range=rng,
            enabled=bool(d.get("enabled", True)),
            id=_text(d.get("id"), "operation id") or new_id(),
        )




@dataclass
class Clip:
    """A span [in_point, out_point) seconds of a source, its op stack, placement and volume.

    ``out_point`` None means the end of a file source; stills (colour, image, title, generated)
    need an out point (their length). ``source`` may be given as a path string for a file.
    """

    source: Union[Source, str]
    in_point: float = 0.0
    out_point: Optional[float] = None
    ops: List[AppliedOp] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    name: str = ""
    transform: Transform = field(default_factory=Transform)
    volume: Union[float, kf.Keyframes] = 1.0  # linear gain of the clip's sound; keyframable

    def __post_init__(self) -> None:
        if isinstance(self.source, (str, os.PathLike)):
            self.source = MediaSource(str(self.source))

    @property
    def path(self) -> Optional[str]:
        """The file this clip reads (a media file or an image), else None."""
        return getattr(self.source, "path", None)

    @property
    def label(self) -> str:
        return self.name or self.source.label

    def to_json(self, relative_to: Optional[Path] = None) -> dict:
        d = {
            "type": "clip",
            "id": self.id,
            "name": self.name,
            "source": self.source.to_json(relative_to),
            "in": self.in_point,
            "out": self.out_point,
            "ops": [o.to_json() for o in self.ops],
        }
        if not self.transform.is_identity:
            d["transform"] = self.transform.to_json()
        if self.volume != 1.0:
            d["volume"] = kf.value_to_json(self.volume)
        return d

    @classmethod
    def from_json(cls, d: Any, base: Optional[Path] = None) -> "Clip":
        _expect(isinstance(d, dict), "a clip must be an object")
        name = _text(d.get("name", ""), "clip name")
        what = f"clip '{short(name, 40)[1:-1]}'" if name else "a clip"
        source = source_from_json(d.get("source"), base, what)
        inp = d.get("in", 0.0)
        out = d.get("out")
        _expect(_seconds(inp), f"{what}: 'in' must be seconds from 0 to {MAX_SECONDS:g}, got {short(inp)}")
        _expect(out is None or (_seconds(out) and out > inp),
                f"{what}: 'out' must be seconds after 'in' and at most {MAX_SECONDS:g}, got {short(out)}")
        _expect(out is not None or not source.still,
                f"{what}: a {source.type} clip needs an 'out' point (its length in seconds)")
        ops = d.get("ops", [])
        _expect(isinstance(ops, list), f"{what}: 'ops' must be a list")
        _expect(len(ops) <= MAX_OPS_PER_CLIP,
                f"{what} has {len(ops)} operations; at most {MAX_OPS_PER_CLIP} per clip are supported")
        return cls(
            source=source,
            in_point=float(inp),
            out_point=None if out is None else float(out),
            ops=[AppliedOp.from_json(o) for o in ops],
            id=_text(d.get("id"), "clip id") or new_id(),
            name=name,
            transform=Transform.from_json(d.get("transform", {}), f"{what}: transform"),
            volume=number(d.get("volume", 1.0), f"{what}: volume", 0.0, 16.0, animated=True),
        )


@dataclass
class Gap:
    """Empty time on a track (MLT's blank): upper tracks place their clips with gaps."""

    duration: float
    id: str = field(default_factory=new_id)

    def to_json(self, relative_to: Optional[Path] = None) -> dict:
        return {"type": "gap", "id": self.id, "duration": self.duration}

    @classmethod
    def from_json(cls, d: dict, base: Optional[Path] = None) -> "Gap":
        dur = d.get("duration")
        _expect(_seconds(dur) and dur > 0, f"a gap needs a 'duration' in seconds (> 0), got {short(dur)}")
        return cls(float(dur), _text(d.get("id"), "gap id") or new_id())


@dataclass
class Transition:
    """A blend between the clips either side of it; they overlap by ``duration`` seconds."""

    kind: str = "dissolve"
    duration: float = 1.0
    params: dict = field(default_factory=dict)
    id: str = field(default_factory=new_id)

    def to_json(self, relative_to: Optional[Path] = None) -> dict:
        return {"type": "transition", "id": self.id, "kind": self.kind, "duration": self.duration,
                "params": dict(self.params)}

    @classmethod
    def from_json(cls, d: dict, base: Optional[Path] = None) -> "Transition":
        kind = choice(d.get("kind", "dissolve"), "transition 'kind'", TRANSITION_KINDS)
        dur = d.get("duration")
        _expect(_seconds(dur) and dur > 0, f"a {kind} transition needs a 'duration' in seconds (> 0), got {short(dur)}")
        params = d.get("params", {})
        _expect(isinstance(params, dict) and len(params) <= 16
                and all(isinstance(k, str) and isinstance(v, (int, float, str)) and not isinstance(v, bool)
                        for k, v in params.items()), f"{kind} transition 'params' must be an object of numbers")
        return cls(kind, float(dur), params, _text(d.get("id"), "transition id") or new_id())


Item = Union[Clip, Gap, Transition]
ITEM_TYPES = {"clip": Clip, "gap": Gap, "transition": Transition}


@dataclass
class Track:
    """A row of items played in sequence. Video tracks carry their clips' sound too."""

    kind: str = "video"
    items: List[Item] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    name: str = ""
    muted: bool = False
    solo: bool = False
    locked: bool = False
    hidden: bool = False  # a video track not drawn (its sound still plays unless muted)
    gain_db: float = 0.0
    pan: float = 0.0
    role: str = ""  # "voice" (the sidechain key for ducking) | "music" | ""
    ducking: Optional[Ducking] = None

    def __init__(self, kind: str = "video", items: Optional[List[Item]] = None, id: Optional[str] = None,
                 name: str = "", muted: bool = False, solo: bool = False, locked: bool = False,
                 hidden: bool = False, gain_db: float = 0.0, pan: float = 0.0, role: str = "",
                 ducking: Optional[Ducking] = None, clips: Optional[List[Clip]] = None):
        self.kind, self.items = kind, list(items or []) + list(clips or [])
        self.id, self.name = id or new_id(), name
        self.muted, self.solo, self.locked, self.hidden = muted, solo, locked, hidden
        self.gain_db, self.pan, self.role, self.ducking = gain_db, pan, role, ducking

    @property
    def clips(self) -> Tuple[Clip, ...]:
        """The track's clips in order (read-only: change ``items``, through project.history)."""
        return tuple(i for i in self.items if isinstance(i, Clip))

    def index_of(self, item_id: str) -> int:
        for k, it in enumerate(self.items):
            if it.id == item_id:
                return k
        raise ProjectError(f"No item with id {item_id} on track '{self.name or self.id}'.")

    def to_json(self, relative_to: Optional[Path] = None) -> dict:
        d = {"id": self.id, "kind": self.kind, "name": self.name, "muted": self.muted, "solo": self.solo,
             "locked": self.locked, "hidden": self.hidden, "gain_db": self.gain_db, "pan": self.pan,
             "role": self.role, "items": [i.to_json(relative_to) for i in self.items]}
        if self.ducking is not None:
            d["ducking"] = self.ducking.to_json()
        return d

    @classmethod
    def from_json(cls, d: Any, base: Optional[Path] = None, version: int = SCHEMA_VERSION) -> "Track":
        _expect(isinstance(d, dict), "a track must be an object")
        kind = d.get("kind", "video")
        _expect(kind in ("video", "audio"), f"unknown track kind {short(kind)}")
        name = _text(d.get("name", ""), "track name")
        what = f"track '{name[:40]}'" if name else f"a {kind} track"
        if version < 2:
            clips = d.get("clips", [])
            _expect(isinstance(clips, list), "track 'clips' must be a list")
            raw = [dict(c, type="clip") if isinstance(c, dict) else c for c in clips]
        else:
            raw = d.get("items", [])
            _expect(isinstance(raw, list), f"{what}: 'items' must be a list")
        _expect(len(raw) <= MAX_CLIPS, f"{what} has {len(raw)} items; at most {MAX_CLIPS} are supported")
        items: List[Item] = []
        for k, it in enumerate(raw, 1):
            _expect(isinstance(it, dict), f"{what}, item {k} must be an object")
            typ = it.get("type")
            _expect(typ in ITEM_TYPES, f"{what}, item {k}: unknown item type {short(typ)} "
                                       f"(known: clip, gap, transition; a file from a newer t2v-desktop?)")
            items.append(ITEM_TYPES[typ].from_json(it, base))
        gain = number(d.get("gain_db", 0.0), f"{what}: 'gain_db'", -60.0, 24.0)
        pan = number(d.get("pan", 0.0), f"{what}: 'pan'", -1.0, 1.0)
        duck = d.get("ducking")
        track = cls(kind=kind, items=items, id=_text(d.get("id"), "track id") or new_id(), name=name,
                    muted=bool(d.get("muted", False)), solo=bool(d.get("solo", False)),
                    locked=bool(d.get("locked", False)), hidden=bool(d.get("hidden", False)), gain_db=gain, pan=pan,
                    role=choice(d.get("role", ""), f"{what}: 'role'", TRACK_ROLES),
                    ducking=None if duck is None else Ducking.from_json(duck, f"{what}: ducking"))
        check_structure(track, what)
        return track


def check_structure(track: Track, what: str = "") -> None:
    """Each Transition sits between two clips; audio tracks hold only sound files (ProjectError)."""
    what = what or (f"track '{track.name[:40]}'" if track.name else f"a {track.kind} track")
    items = track.items
    for k, it in enumerate(items):
        if isinstance(it, Transition):
            ok = 0 < k < len(items) - 1 and isinstance(items[k - 1], Clip) and isinstance(items[k + 1], Clip)
            _expect(ok, f"{what}: a {it.kind} transition must sit between two clips (item {k + 1})")
        if track.kind == "audio" and isinstance(it, Clip):
            _expect(isinstance(it.source, MediaSource), f"{what}: an audio track holds sound files, not a "
                                                        f"{it.source.type} clip")


@dataclass
class Cue:
    start: float
    end: float
    text: str
    # word timing on timeline time, (start, end, text) each, for word-by-word caption styles;
    # saved as a 4th element only when present, so older projects load and compact ones stay compact
    words: tuple = ()

    def to_json(self) -> list:
        if self.words:
            return [self.start, self.end, self.text, [[round(s, 3), round(e, 3), t] for s, e, t in self.words]]
        return [self.start, self.end, self.text]


@dataclass
class Marker:
    """A named point on the timeline (seconds), for finding places again: seek, snap, commands."""

    time: float
    name: str = ""
    colour: str = "#ffb74d"
    id: str = field(default_factory=new_id)

    def to_json(self) -> dict:
        return {"id": self.id, "time": self.time, "name": self.name, "colour": self.colour}

    @classmethod
    def from_json(cls, d: Any) -> "Marker":
        _expect(isinstance(d, dict) and _seconds(d.get("time")),
                f"a marker must be {{\"time\": seconds, \"name\": text}}, got {short(d)}")
        colour = _text(d.get("colour", "#ffb74d"), "marker colour", 9)
        _expect(len(colour) in (4, 7) and colour.startswith("#")
                and all(ch in "0123456789abcdefABCDEF" for ch in colour[1:]),
                f"a marker colour must be #rgb or #rrggbb, got {short(colour)}")
        return cls(float(d["time"]), _text(d.get("name", ""), "marker name"), colour,
                   _text(d.get("id"), "marker id") or new_id())


#: burned-in caption looks a subtitle track can have (engine/captions.py draws them)
CAPTION_LOOKS = ("classic", "boxed", "karaoke")


@dataclass
class SubtitleTrack:
    """Cues on timeline time (not in a clip's stack): burned in by the compositor and/or muxed as a
    soft stream on export."""

    cues: List[Cue] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    name: str = ""
    language: str = "und"
    style: TitleStyle = field(default_factory=subtitle_style)
    burn_in: bool = False
    soft: bool = True
    # how burned-in cues look (CAPTION_LOOKS): "classic" draws ``style`` as it is, "boxed" on an
    # opaque box, "karaoke" paints the word being spoken (Cue.words) in ``highlight``; saved only
    # when not the default, so older projects load and plain ones stay as they were
    look: str = "classic"
    highlight: str = "#ffd400"

    def to_json(self, relative_to: Optional[Path] = None) -> dict:
        d = {"id": self.id, "name": self.name, "language": self.language,
             "style": self.style.to_json(base=subtitle_style()), "burn_in": self.burn_in, "soft": self.soft,
             "cues": [c.to_json() for c in self.cues]}
        if self.look != "classic":
            d["look"] = self.look
        if self.highlight != "#ffd400":
            d["highlight"] = self.highlight
        return d

    @classmethod
    def from_json(cls, d: Any, base: Optional[Path] = None) -> "SubtitleTrack":
        _expect(isinstance(d, dict), "a subtitle track must be an object")
        name = _text(d.get("name", ""), "subtitle track name")
        what = f"subtitle track '{name[:40]}'" if name else "a subtitle track"
        cues = d.get("cues", [])
        _expect(isinstance(cues, list) and len(cues) <= MAX_CUES, f"{what}: 'cues' must be a list of up to {MAX_CUES}")
        out = []
        for k, c in enumerate(cues, 1):
            ok = (isinstance(c, list) and len(c) in (3, 4) and _seconds(c[0]) and _seconds(c[1]) and c[1] > c[0]
                  and isinstance(c[2], str) and len(c[2]) <= MAX_TITLE_TEXT)
            _expect(ok, f"{what}, cue {k} must be [start, end, text] with end after start, got {short(c)}")
            words = c[3] if len(c) == 4 else []
            ok = isinstance(words, list) and len(words) <= 500 and all(
                isinstance(w, list) and len(w) == 3 and _seconds(w[0]) and _seconds(w[1])
                and isinstance(w[2], str) and len(w[2]) <= 200 for w in words)
            _expect(ok, f"{what}, cue {k}: words must be a list of [start, end, text], got {short(words)}")
            out.append(Cue(float(c[0]), float(c[1]), c[2], tuple((float(s), float(e), t) for s, e, t in words)))
        lang = _text(d.get("language", "und"), f"{what}: language", 35) or "und"
        style = d.get("style", {})
        look = d.get("look", "classic")
        _expect(look in CAPTION_LOOKS, f"{what}: 'look' must be one of {', '.join(CAPTION_LOOKS)}, got {short(look)}")
        return cls(out, _text(d.get("id"), "subtitle track id") or new_id(), name, lang,
                   TitleStyle.from_json(style, f"{what}: style", base=subtitle_style()),
                   bool(d.get("burn_in", False)), bool(d.get("soft", True)), look,
                   color(d.get("highlight", "#ffd400"), f"{what}: highlight"))


@dataclass
class Project:
    """An edit. Output size/fps default to the first clip's (None) and are conformed to on render."""

    tracks: List[Track] = field(default_factory=lambda: [Track()])
    width: Optional[int] = None
    height: Optional[int] = None
    fps: Optional[Fraction] = None
    sample_rate: int = 48000
    channels: int = 2
    name: str = "Untitled"
    subtitle_tracks: List[SubtitleTrack] = field(default_factory=list)
    #: named points on the timeline, kept sorted by time (projects saved before markers have none)
    markers: List[Marker] = field(default_factory=list)

    # -- convenience -------------------------------------------------------------------------
    @property
    def main_track(self) -> Track:
        """The bottom video track (ripple editing); made if the project has none."""
        for t in self.tracks:
            if t.kind == "video":
                return t
        self.tracks.insert(0, Track())
        return self.tracks[0]

    @property
    def video_tracks(self) -> List[Track]:
        return [t for t in self.tracks if t.kind == "video"]

    @property
    def audio_tracks(self) -> List[Track]:
        return [t for t in self.tracks if t.kind == "audio"]

    def all_clips(self) -> List[Clip]:
        return [c for t in self.tracks for c in t.clips]

    def find_clip(self, clip_id: str) -> Clip:
        for c in self.all_clips():
            if c.id == clip_id:
                return c
        raise ProjectError(f"No clip with id {clip_id}.")

    def find_track(self, track_id: str) -> Track:
        for t in self.tracks:
            if t.id == track_id:
                return t
        raise ProjectError(f"No track with id {track_id}.")

    def track_of(self, item_id: str) -> Track:
        for t in self.tracks:
            if any(i.id == item_id for i in t.items):
                return t
        raise ProjectError(f"No clip or item with id {item_id}.")

    def file_paths(self) -> List[str]:
        """Every file the project reads (media and images), in order, once each."""
        return list(dict.fromkeys(c.path for c in self.all_clips() if c.path))

    @classmethod
    def from_media(cls, *paths: str) -> "Project":
        """A project holding ``paths`` in sequence on one video track."""
        p = cls()
        for path in paths:
            p.main_track.items.append(Clip(source=str(Path(path).resolve()), name=Path(path).name))
        if paths:
            p.name = Path(paths[0]).stem
        return p

    # -- JSON --------------------------------------------------------------------------------
    def to_json(self, relative_to: Optional[Path] = None) -> dict:
        d = {
            "schema": "t2v-desktop/project",
            "version": SCHEMA_VERSION,
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "fps": [self.fps.numerator, self.fps.denominator] if self.fps else None,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "tracks": [t.to_json(relative_to) for t in self.tracks],
        }
        if self.subtitle_tracks:
            d["subtitle_tracks"] = [s.to_json(relative_to) for s in self.subtitle_tracks]
        if self.markers:
            d["markers"] = [m.to_json() for m in self.markers]
        return d

    @classmethod
    def from_json(cls, d: Any, base: Optional[Path] = None) -> "Project":
        _expect(isinstance(d, dict) and d.get("schema") == "t2v-desktop/project", "not a t2v-desktop project")
        ver = d.get("version")
        _expect(isinstance(ver, int) and not isinstance(ver, bool) and ver >= 1, "project has no schema version")
        if ver > SCHEMA_VERSION:
            raise ProjectError(
                f"This project was saved by a newer t2v-desktop (schema {ver} > {SCHEMA_VERSION}). Update the app."
            )
        tracks = d.get("tracks", [])
        _expect(isinstance(tracks, list) and len(tracks) <= MAX_TRACKS, f"'tracks' must be a list of up to {MAX_TRACKS}")
        fps = d.get("fps")
        if fps is not None:
            _expect(isinstance(fps, list) and len(fps) == 2
                    and all(isinstance(x, int) and not isinstance(x, bool) and 0 < x <= 1_000_000 for x in fps)
                    and MIN_FPS <= Fraction(fps[0], fps[1]) <= MAX_FPS,
                    f"'fps' must be [numerator, denominator] from {MIN_FPS} to {MAX_FPS} frames per second, "
                    f"got {short(fps)}")
            fps = Fraction(fps[0], fps[1])
        for key in ("width", "height"):
            v = d.get(key)
            _expect(v is None or (isinstance(v, int) and not isinstance(v, bool) and MIN_SIZE <= v <= MAX_SIZE),
                    f"'{key}' must be {MIN_SIZE} to {MAX_SIZE} pixels, got {short(v)}")
        sr = d.get("sample_rate", 48000)
        ch = d.get("channels", 2)
        _expect(isinstance(sr, int) and 8000 <= sr <= 192000, f"'sample_rate' must be 8000..192000, got {short(sr)}")
        _expect(isinstance(ch, int) and 1 <= ch <= 8, f"'channels' must be 1..8, got {short(ch)}")
        subs = d.get("subtitle_tracks", [])
        _expect(isinstance(subs, list) and len(subs) <= MAX_TRACKS,
                f"'subtitle_tracks' must be a list of up to {MAX_TRACKS}")
        _expect(sum(len(t.get("items", t.get("clips", []))) if isinstance(t, dict) else 0 for t in tracks) <= MAX_CLIPS,
                f"at most {MAX_CLIPS} clips are supported")
        project = cls(
            tracks=[Track.from_json(t, base, ver) for t in tracks] or [Track()],
            width=d.get("width"),
            height=d.get("height"),
            fps=fps,
            sample_rate=sr,
            channels=ch,
            name=_text(d.get("name", "Untitled"), "project name"),
            subtitle_tracks=[SubtitleTrack.from_json(s, base) for s in subs],
            markers=_markers(d.get("markers", [])),
        )
        _expect(len(project.all_clips()) <= MAX_CLIPS, f"at most {MAX_CLIPS} clips are supported")
        check_ops(project)
        return project

    def find_marker(self, marker_id: str) -> "Marker":
        for m in self.markers:
            if m.id == marker_id:
                return m
        raise ProjectError(f"No marker with id {marker_id}.")

    def save(self, path: str | os.PathLike) -> None:
        """Atomic write: a crash mid-save leaves the previous file intact."""
        from ..fsutil import atomic_write_text

        path = Path(path)
        text = json.dumps(self.to_json(relative_to=path.parent.resolve()), indent=2)
        atomic_write_text(path, text)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Project":
        path = Path(path)
        try:
            st = path.stat()
            if not stat.S_ISREG(st.st_mode):  # a FIFO would block the read forever
                raise ProjectError(f"{path} is not a project file (it is a folder or a device, not a file).")
            if st.st_size > MAX_FILE_BYTES:
                raise ProjectError(f"{path} is too large to be a t2v-desktop project "
                                   f"({st.st_size / 2**20:.0f} MB; projects are a few MB at most).")
            d = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ProjectError(f"No project at {path}.") from None
        except RecursionError:
            raise ProjectError(f"{path} is not a t2v-desktop project (its JSON is nested too deeply).") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as e:
            raise ProjectError(f"{path} is not a readable project file ({tidy(e, 120)}).") from None
        try:
            return cls.from_json(d, base=path.parent.resolve())
        except RecursionError:  # pragma: no cover - every nested value is type-checked first
            raise ProjectError(f"{path} is not a t2v-desktop project (nested too deeply).") from None


def check_ops(project: "Project") -> None:
    """Every op is a known operation with valid params and a range it can take (ProjectError)."""
    from ..errors import T2VError
    from ..ops.registry import get_op

    for clip in project.all_clips():
        what = f"clip '{clip.name[:40]}'" if clip.name else "a clip"
        for k, aop in enumerate(clip.ops, 1):
            try:
                spec = get_op(aop.op)
                spec.validate(aop.params)
                if aop.range is not None and not spec.rangeable:
                    raise ProjectError(f"'{spec.name}' applies to the whole clip and takes no time range")
            except T2VError as e:
                raise ProjectError(tidy(f"Invalid project: {what}, operation {k}: {str(e).rstrip('.')}.")) from None


def _text(value: Any, what: str, limit: int = MAX_TEXT) -> str:
    from .checks import text

    return text(value, what, limit)


MAX_MARKERS = 1000


def _markers(items: Any) -> List[Marker]:
    _expect(isinstance(items, list) and len(items) <= MAX_MARKERS,
            f"'markers' must be a list of up to {MAX_MARKERS}")
    out = [Marker.from_json(m) for m in items]
    _expect(len({m.id for m in out}) == len(out), "two markers have the same id")
    return sorted(out, key=lambda m: m.time)
