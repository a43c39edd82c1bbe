"""Structural steps (steps.py) -> undoable history commands, resolved once against the project.

``compose_commands(step, state)`` returns the commands for one step; ``apply.plan_to_command``
does each on a copy of the project (so the next step sees it) and wraps them all in one Compound,
so one typed command is one undo step. Timing questions go to ``TimelineLayout`` (no decoding,
no Renderer). Unknown tracks, clips and missing media are ParamErrors naming what exists.

Placement rules (docs/commands.md): titles on a video track "Titles" (made on top when missing);
logos and pictures in picture on "Overlays" (made under "Titles"); a sound file on an audio track
of its own ("Music" with role music, or "Voice" with role voice). A placed item never overlaps
another on its track: a busy track gets a sibling ("Titles 2"). Ducking keys on the tracks with
role "voice"; with none, on every track that is not ducked itself (the main track's sound): the
mixer's rule (engine/mixer.py).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .. import keyframes as kf
from ..errors import MediaError, ParamError, ProjectError
from ..project.model import (
    MAX_TITLE_TEXT,
    Clip,
    Cue,
    Ducking,
    ImageSource,
    MediaSource,
    Project,
    SubtitleTrack,
    TitleSource,
    TitleStyle,
    Track,
    Transform,
    Transition,
)
from . import areas
from .steps import (
    AddAudio,
    AddImage,
    AddPicture,
    AddSubtitles,
    AddTitle,
    AddTransitions,
    AppendClip,
    BurnSubtitles,
    ComposeStep,
    Duck,
    FadeLayer,
    KenBurns,
    RemoveAudio,
    RemoveTransitions,
    SetTrack,
)

MARGIN = 0.03  # of the canvas, between a corner layer and the frame's edges
TITLE_SECONDS = 3.0  # a title with no time said
TOLERANCE = 0.02


@dataclass
class ComposeState:
    """What resolving one plan knows: the simulated project, the target clip, the clips it made."""

    sim: Project
    clip_id: Optional[str] = None
    created: Dict[str, List[str]] = field(default_factory=dict)  # layer kind -> clip ids, in order
    notes: List[str] = field(default_factory=list)  # what reading a file changed (subtitle styling dropped)

    def layout(self):
        from ..engine.layout import TimelineLayout

        return TimelineLayout(self.sim)


def compose_commands(step: ComposeStep, state: ComposeState) -> list:
    fn = _RESOLVERS.get(type(step))
    if fn is None:  # pragma: no cover - every step type has a resolver
        raise ProjectError(f"Cannot apply a '{step.kind}' step.")
    return fn(step, state)


# -- naming what exists ----------------------------------------------------------------------------

def track_label(project: Project, track: Track) -> str:
    kind = [t for t in project.tracks if t.kind == track.kind]
    return track.name or f"{track.kind.capitalize()} {kind.index(track) + 1}"


def track_listing(project: Project) -> str:
    """ "1 Video 1, 2 Overlays, 3 Music": tracks numbered as commands count them (bottom first)."""
    return ", ".join(f"{k} {track_label(project, t)}" for k, t in enumerate(project.tracks, 1))


def clip_listing(project: Project) -> str:
    clips = project.main_track.clips
    shown = ", ".join(f"{k} {c.label[:30]}" for k, c in enumerate(clips[:12], 1))
    return shown + (f" and {len(clips) - 12} more" if len(clips) > 12 else "")


_ALIASES = {"main": "main", "main track": "main", "video": "main", "video track": "main", "music": "music",
            "voice": "voice", "voice-over": "voice", "voiceover": "voice", "voice over": "voice",
            "narration": "voice", "audio": "audio", "sound": "audio", "titles": "titles", "title": "titles", "overlays": "overlays",
            "overlay": "overlays", "logo": "overlays"}


def find_tracks(project: Project, ref: str) -> List[Track]:
    """The tracks ``ref`` names: a number (1 = the bottom video track), a name, or music / voice /
    titles / overlays / main. ParamError naming the tracks there are."""
    ref = " ".join(ref.lower().split())
    if ref.isdigit():
        n = int(ref)
        if 1 <= n <= len(project.tracks):
            return [project.tracks[n - 1]]
        raise ParamError(f"No track {n}; the project has: {track_listing(project)}.")
    bare = ref[:-6] if ref.endswith(" track") else ref
    by_name = [t for t in project.tracks if t.name.lower() in (ref, bare)]
    if by_name:
        return by_name
    alias = _ALIASES.get(bare)
    found: List[Track] = []
    if alias == "main":
        found = [project.main_track]
    elif alias == "audio":
        found = project.audio_tracks
    elif alias in ("music", "voice"):
        found = [t for t in project.tracks if t.role == alias]
    elif alias in ("titles", "overlays"):
        found = [t for t in project.video_tracks if t.name.lower().startswith(alias[:-1])]
    if found:
        return found
    raise ParamError(f"No {bare} track; the project has: {track_listing(project)}.")


# -- times -------------------------------------------------------------------------------------------

def _fmt(t: float) -> str:
    m, s = divmod(max(t, 0.0), 60)
    return f"{int(m)}:{s:05.2f}"


def _programme(state: ComposeState) -> Tuple[object, float]:
    layout = state.layout()
    total = layout.duration
    if total <= 0:
        raise ProjectError("The project has no clips. Add a video first.")
    return layout, total


def _span(step: ComposeStep, total: float, default: Tuple[float, float]) -> Tuple[float, float]:
    """Seconds (start, end) on the programme for the step's range (``default`` when none said)."""
    if step.range is None:
        return default
    s, e = step.range.resolve(total)
    s = 0.0 if s is None else s
    e = total if e is None else e
    if s >= total - TOLERANCE:
        raise ParamError(f"'{step.text or step.kind}' starts at {_fmt(s)}, but the programme is only {_fmt(total)} "
                         f"long. Pick a time before {_fmt(total)}.")
    if e > total + TOLERANCE:
        raise ParamError(f"'{step.text or step.kind}' ends at {_fmt(e)}, past the end of the programme "
                         f"({_fmt(total)}). Pick an end up to {_fmt(total)}, or say 'to the end'.")
    e = min(e, total)
    if e <= s:
        raise ParamError(f"The range of '{step.text or step.kind}' must end after it starts.")
    return s, e


# -- tracks ------------------------------------------------------------------------------------------

def _free(layout, track: Track, start: float, end: float) -> bool:
    fps = float(layout.fps)
    a, b = round(start * fps), round(end * fps)
    return not any(isinstance(s.item, Clip) and s.start < b and s.end > a for s in layout.spans(track))


def _placed_track(state: ComposeState, layout, name: str, kind: str, start: float, end: float,
                  role: str = "") -> Tuple[Optional[Track], list]:
    """A track called ``name`` (or "name 2", ...) free over [start, end), or the commands to make one."""
    from ..project.history import AddTrack

    sim = state.sim
    main = sim.main_track
    same = [t for t in sim.tracks if t.kind == kind and t is not main and (t.name == name or t.name.startswith(name + " "))]
    for t in same:
        if not t.locked and (not role or t.role == role) and _free(layout, t, start, end):
            return t, []
    label = name if not any(t.name == name for t in sim.tracks) else f"{name} {len(same) + 1}"
    index = None
    if kind == "video" and name != "Titles":  # overlays go under the titles
        titles = [k for k, t in enumerate(sim.tracks) if t.kind == "video" and t.name.startswith("Titles")]
        index = titles[0] if titles else None
    return None, [AddTrack(kind, name=label, index=index, role=role)]


def _place(state: ComposeState, layout, clip: Clip, name: str, kind: str, start: float, end: float,
           role: str = "") -> list:
    from ..project.history import PlaceClip

    track, cmds = _placed_track(state, layout, name, kind, start, end, role)
    track_id = track.id if track is not None else cmds[-1].track_id
    return cmds + [PlaceClip(clip, track_id, start)]


def _corner_transform(corner: str, **kw) -> Transform:
    if corner == "full":
        return Transform(**kw)
    parts = corner.split("_")
    x = y = 0.5
    ax = ay = 0.5
    if "left" in parts:
        x, ax = MARGIN, 0.0
    if "right" in parts:
        x, ax = 1.0 - MARGIN, 1.0
    if "top" in parts:
        y, ay = MARGIN, 0.0
    if "bottom" in parts:
        y, ay = 1.0 - MARGIN, 1.0
    return Transform(x=x, y=y, anchor_x=ax, anchor_y=ay, **kw)


def _probe(path: str):
    from ..engine.stages import probe_cached

    try:
        return probe_cached(path)
    except MediaError as e:
        raise ParamError(str(e)) from None


# -- placements --------------------------------------------------------------------------------------

def _title(step: AddTitle, state: ComposeState) -> list:
    if len(step.title) > MAX_TITLE_TEXT:
        raise ParamError(f"A title holds up to {MAX_TITLE_TEXT} characters; this one has {len(step.title)}. "
                         f"Shorten it, or split it into several titles.")
    layout, total = _programme(state)
    start, end = _span(step, total, (0.0, min(TITLE_SECONDS, total)))
    if step.lower_third:
        style = TitleStyle(size=48.0, box=True, align="left", x=0.06, y=0.8, anchor_x=0.0, anchor_y=0.5, wrap=0.6)
    else:
        style = TitleStyle(size=96.0, shadow=3.0)
        if step.position == "top":
            style.y, style.anchor_y = 0.12, 0.0
        elif step.position == "bottom":
            style.y, style.anchor_y = 0.88, 1.0
    what = "lower_third" if step.lower_third else "title"
    clip = Clip(TitleSource(step.title, style), 0.0, end - start,
                name=("Lower third: " if step.lower_third else "Title: ") + step.title.splitlines()[0][:40])
    state.created.setdefault(what, []).append(clip.id)
    return _place(state, layout, clip, "Titles", "video", start, end)


def _image(step: AddImage, state: ComposeState) -> list:
    layout, total = _programme(state)
    start, end = _span(step, total, (0.0, total))
    tf = _corner_transform(step.corner, fit="contain" if step.corner == "full" else "native", scale=step.scale,
                           opacity=step.opacity)
    clip = Clip(ImageSource(step.path), 0.0, end - start, transform=tf, name=os.path.basename(step.path))
    state.created.setdefault("image", []).append(clip.id)
    return _place(state, layout, clip, "Overlays", "video", start, end)


def _picture(step: AddPicture, state: ComposeState) -> list:
    layout, total = _programme(state)
    info = _probe(step.path)
    name = os.path.basename(step.path)
    if not info.has_video:
        raise ParamError(f"{name} has no picture; picture in picture needs a video file.")
    start, end = _span(step, total, (0.0, total))
    length = min(end - start, info.duration)
    tf = _corner_transform(step.corner, scale=step.scale, opacity=step.opacity)
    clip = Clip(MediaSource(step.path), 0.0, length, transform=tf, name=name)
    state.created.setdefault("picture_in_picture", []).append(clip.id)
    return _place(state, layout, clip, "Overlays", "video", start, start + length)


def _audio(step: AddAudio, state: ComposeState) -> list:
    layout, total = _programme(state)
    info = _probe(step.path)
    name = os.path.basename(step.path)
    if not info.has_audio:
        raise ParamError(f"{name} has no sound to add as {'a voice-over' if step.role == 'voice' else 'music'}.")
    start, end = _span(step, total, (0.0, total))
    length = min(end - start, info.duration)
    cut = info.duration > length + TOLERANCE
    fade_out = step.fade_out
    if not fade_out and cut and step.fade_if_cut:  # cut at the programme's end: a short fade, never an error
        fade_out = max(0.0, min(step.fade_if_cut, length - step.fade_in))
    volume = fade_envelope(10 ** (step.gain_db / 20), length, step.fade_in, fade_out, name)
    clip = Clip(MediaSource(step.path), 0.0, length if cut else None, volume=volume, name=name)
    state.created.setdefault(step.role, []).append(clip.id)
    return _place(state, layout, clip, "Voice" if step.role == "voice" else "Music", "audio", start, start + length,
                  role=step.role)


def fade_envelope(gain: float, length: float, fade_in: float, fade_out: float, what: str):
    """A clip volume: ``gain``, or keyframes rising from 0 over ``fade_in`` and falling to 0 over
    the last ``fade_out`` seconds of ``length``."""
    if fade_in + fade_out > length + 1e-9:
        raise ParamError(f"The fades of {what} ({fade_in:g}s in, {fade_out:g}s out) are longer than it is "
                         f"({length:.2f}s). Make them shorter.")
    if not fade_in and not fade_out:
        return gain
    keys = [(0.0, 0.0)] if fade_in else []
    keys.append((fade_in, gain))
    if fade_out:
        if length - fade_out > fade_in + 1e-9:
            keys.append((length - fade_out, gain))
        keys.append((length, 0.0))
    return kf.Keyframes.of(keys)


def _append(step: AppendClip, state: ComposeState) -> list:
    from ..project.history import AddClip

    info = _probe(step.path)
    if not info.has_video:
        raise ParamError(f"{os.path.basename(step.path)} has no picture; add a sound file with 'add music.mp3'.")
    sim = state.sim
    main = sim.main_track
    clip = Clip(MediaSource(step.path), name=os.path.basename(step.path))
    return [AddClip(clip, index=0 if step.at_start else None, track=sim.tracks.index(main))]


def _subtitles(step: AddSubtitles, state: ComposeState) -> list:
    from ..project.history import AddSubtitleTrack
    from ..project.subtitle_files import read_subtitles

    cues = [Cue(float(s), float(e), str(t)) for s, e, t in read_subtitles(step.path, state.notes)]
    if not cues:
        raise ParamError(f"{os.path.basename(step.path)} has no subtitles in it.")
    name = os.path.splitext(os.path.basename(step.path))[0]
    track = SubtitleTrack(cues=cues, name=name, language=step.language, burn_in=step.burn_in)
    return [AddSubtitleTrack(track)]


# -- changes to what is there --------------------------------------------------------------------------

def _transitions(step: AddTransitions, state: ComposeState) -> list:
    from ..project.history import AddTransition

    sim = state.sim
    clips = sim.main_track.clips
    if step.between is not None:
        a, b = step.between
        if b > len(clips):
            raise ParamError(f"No clip {b}; the main track has {len(clips)} clip{'s' * (len(clips) != 1)}: "
                             f"{clip_listing(sim)}.")
        pairs = [clips[a - 1]]
    else:
        if len(clips) < 2:
            raise ParamError("The main track has only one clip; a transition goes between two clips side by side. "
                             "Add another with 'add b.mp4'.")
        pairs = list(clips[:-1])
    return [AddTransition(c.id, step.transition, step.duration) for c in pairs]


def _targets(step: KenBurns, state: ComposeState) -> List[Clip]:
    sim = state.sim
    clips = sim.main_track.clips
    if step.clip is not None:
        n = len(clips) if step.clip == -1 else step.clip
        if not 1 <= n <= len(clips):
            raise ParamError(f"No clip {step.clip}; the main track has {len(clips)} clip{'s' * (len(clips) != 1)}: "
                             f"{clip_listing(sim)}.")
        return [clips[n - 1]]
    if state.clip_id is not None:
        return [sim.find_clip(state.clip_id)]
    if not clips:
        raise ProjectError("The project has no clips. Add a video first.")
    return list(clips)


def _ken_burns(step: KenBurns, state: ComposeState) -> list:
    from ..project.history import SetTransform

    layout = state.layout()
    a, b = step.scale_from, step.scale_to
    if step.pan and (min(a, b) < 1.0 or max(a, b) <= 1.0):
        raise ParamError(f"Panning needs the picture at 1x or more and zoomed in at some point ({a:g}x to {b:g}x "
                         f"would show its edges); e.g. 'slowly pan left' pans at 1.2x.")
    cmds = []
    for clip in _targets(step, state):
        s, e = layout.clip_span(clip.id)
        length = e - s
        tf = clip.transform
        changes = {"scale": kf.Keyframes.of([(0.0, a), (length, b)]) if a != b else a}
        if step.pan:
            axis = "x" if step.pan in ("left", "right") else "y"
            # The camera moves left: the picture slides right. Its centre goes from (a-1)/2 one side of
            # the middle to (b-1)/2 the other: linear, and never past the slack (s(t)-1)/2 the zoom leaves
            # at any t while the scale moves linearly from a to b (a, b >= 1), so no edge ever shows.
            sign = 1.0 if step.pan in ("left", "up") else -1.0
            changes[axis] = kf.Keyframes.of([(0.0, 0.5 - sign * (a - 1) / 2), (length, 0.5 + sign * (b - 1) / 2)])
        cmds.append(SetTransform(clip.id, dataclasses.replace(tf, **changes)))
    return cmds


def _layers(state: ComposeState, target: str) -> List[Clip]:
    """The clips "the title" (etc.) means: those this command made, else every one in the project."""
    sim = state.sim
    made = [cid for cid in state.created.get(target, [])]
    if made:
        return [sim.find_clip(made[-1])]
    main = sim.main_track
    out = []
    for t in sim.video_tracks:
        if t is main:
            continue
        for c in t.clips:
            src = c.source
            lower = isinstance(src, TitleSource) and src.style.box and src.style.align == "left"
            kind = ("lower_third" if lower else "title") if isinstance(src, TitleSource) else \
                "image" if isinstance(src, ImageSource) else "picture_in_picture" if isinstance(src, MediaSource) else ""
            if kind == target:
                out.append(c)
    return out


_LAYER_WORDS = {"title": ("title", "add a title 'Hello'"), "lower_third": ("lower third", "add a lower third 'Jane Doe'"),
                "image": ("logo or image", "put logo.png in the top right corner"),
                "picture_in_picture": ("picture in picture", "picture in picture: clip2.mp4 in the bottom left")}


def fade_keys(value, length: float, duration: float, direction: str, what: str):
    """``value`` (a number or keyframes) with a fade from 0 at the start and/or to 0 at the end."""
    if duration * (2 if direction == "both" else 1) > length + 1e-9:
        raise ParamError(f"A {duration:g}s fade {'in and out' if direction == 'both' else direction} is longer than "
                         f"the {what} ({length:.2f}s). Make it shorter.")
    keys = list(value.keys) if isinstance(value, kf.Keyframes) else [kf.Key(0.0, float(value))]
    if direction in ("in", "both"):
        keys = [kf.Key(0.0, 0.0), kf.Key(duration, kf.value_at(value, duration))] + [k for k in keys if k.t > duration]
    if direction in ("out", "both"):
        t0 = length - duration
        keys = [k for k in keys if k.t < t0 - 1e-9] + [kf.Key(t0, kf.value_at(value, t0)), kf.Key(length, 0.0)]
    return kf.Keyframes(tuple(keys))


def _fade(step: FadeLayer, state: ComposeState) -> list:
    from ..project.history import SetTransform

    word, example = _LAYER_WORDS[step.target]
    clips = _layers(state, step.target)
    if not clips:
        raise ParamError(f"There is no {word} to fade; add one first, e.g. \"{example}\".")
    layout = state.layout()
    cmds = []
    for clip in clips:
        s, e = layout.clip_span(clip.id)
        opacity = fade_keys(clip.transform.opacity, e - s, step.duration, step.direction, word)
        cmds.append(SetTransform(clip.id, dataclasses.replace(clip.transform, opacity=opacity)))
    return cmds


def _duck(step: Duck, state: ComposeState) -> list:
    from ..project.history import SetTrackProps

    sim = state.sim
    music = [t for t in sim.tracks if t.kind == "audio" and t.role == "music"]
    if not music:
        raise ParamError(f"There is no music track to duck (the project has: {track_listing(sim)}); "
                         f"add one with 'add music.mp3'.")
    cmds = []
    if step.voice:
        for t in find_tracks(sim, step.voice):
            if t in music:
                raise ParamError(f"Track '{track_label(sim, t)}' is the music; duck it under another track.")
            cmds.append(SetTrackProps(t.id, role="voice"))
    for t in music:
        duck = t.ducking or Ducking()
        cmds.append(SetTrackProps(t.id, ducking=dataclasses.replace(duck, amount_db=step.amount_db)))
    return cmds


def _set_track(step: SetTrack, state: ComposeState) -> list:
    from ..project.history import SetTrackProps

    tracks = find_tracks(state.sim, step.track)
    return [SetTrackProps(t.id, **step.props) for t in tracks]


def _burn(step: BurnSubtitles, state: ComposeState) -> list:
    from ..project.history import SetSubtitleTrack

    subs = state.sim.subtitle_tracks
    if not subs:
        raise ParamError("There are no subtitles to burn in; add them first with 'add subtitles from talk.srt'.")
    return [SetSubtitleTrack(s.id, burn_in=step.burn_in) for s in subs]


def _remove_transitions(step: RemoveTransitions, state: ComposeState) -> list:
    from ..project.history import RemoveTransition

    items = state.sim.main_track.items
    found = [(k, it) for k, it in enumerate(items) if isinstance(it, Transition)]
    if step.between is not None:
        clips = state.sim.main_track.clips
        a = step.between[0]
        if a + 1 > len(clips):
            raise ParamError(f"No clip {a + 1}; the main track has {len(clips)} clip{'s' * (len(clips) != 1)}: "
                             f"{clip_listing(state.sim)}.")
        left = items.index(clips[a - 1])
        found = [(k, it) for k, it in found if k == left + 1]
        if not found:
            raise ParamError(f"There is no transition between clip {a} and {a + 1}.")
    if not found:
        raise ParamError("There are no transitions on the main track.")
    return [RemoveTransition(it.id) for _, it in found]


def _remove_audio(step: RemoveAudio, state: ComposeState) -> list:
    from ..project.history import RemoveTrack

    tracks = [t for t in state.sim.tracks if t.kind == "audio" and t.role == step.role]
    if not tracks:
        raise ParamError(f"There is no {step.role} track to remove; the project has: {track_listing(state.sim)}.")
    return [RemoveTrack(t.id) for t in tracks]


_RESOLVERS = {AddTitle: _title, AddImage: _image, AddPicture: _picture, AddAudio: _audio, AppendClip: _append,
              AddSubtitles: _subtitles, AddTransitions: _transitions, KenBurns: _ken_burns, FadeLayer: _fade,
              Duck: _duck, SetTrack: _set_track, BurnSubtitles: _burn, RemoveTransitions: _remove_transitions,
              RemoveAudio: _remove_audio, **areas.resolvers()}
