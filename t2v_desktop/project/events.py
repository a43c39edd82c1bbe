"""Typed model events: what an edit changed, so views update that instead of everything.

The napari way: the history emits, after each command is done, undone or redone, events naming
what changed (a clip's transform, the items of two tracks, the subtitles...). A view subscribes
and does the least work that keeps it right: a transform or volume change repaints one clip and
re-renders the picture, it does not rebuild the timeline's rows or reopen every decoder.

Qt-free and import-free (the history, the CLI and the GUI all use it). Each history command says
what it changed: its ``events()`` method (project/history.py) returns these events from its own
ids; ``events_for(cmd)`` asks it. A command without one (another module's) gives
``ProjectChanged``: the views then rebuild everything, which is always right. Selection and the
playhead are view state: they stay in the GUI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, List, Optional, Tuple


@dataclass(frozen=True)
class ModelEvent:
    """Base of every model event."""


@dataclass(frozen=True)
class ProjectReplaced(ModelEvent):
    """Another project was opened or created: everything is new."""


@dataclass(frozen=True)
class ProjectChanged(ModelEvent):
    """Something changed that no finer event names (an unknown command): rebuild every view."""


@dataclass(frozen=True)
class TracksChanged(ModelEvent):
    """Tracks were added, removed, reordered or had their settings changed (mute, solo, lock,
    hide, gain, name). ``track_ids``: the tracks concerned (empty: unknown); ``props``: the
    settings changed (empty: tracks added, removed or moved)."""

    track_ids: frozenset = field(default_factory=frozenset)
    props: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class ClipsChanged(ModelEvent):
    """Items of tracks changed place or length: clips added, removed, moved, trimmed, split, their
    ops changed (an op can change a clip's length), transitions added or changed."""

    track_ids: frozenset = field(default_factory=frozenset)
    clip_ids: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class TransformChanged(ModelEvent):
    """One clip's position, size, rotation, crop or opacity: pixels only, never the timeline's layout."""

    clip_id: str = ""


@dataclass(frozen=True)
class VolumeChanged(ModelEvent):
    """One clip's volume: sound (and its volume line) only."""

    clip_id: str = ""


@dataclass(frozen=True)
class TitleChanged(ModelEvent):
    """One title clip's text or style: its pixels and its label, not its length."""

    clip_id: str = ""


@dataclass(frozen=True)
class SubtitlesChanged(ModelEvent):
    """Subtitle tracks added, removed, their cues or burn-in changed. ``props``: the settings
    changed (cues, burn_in, style...; empty: tracks added or removed)."""

    track_ids: frozenset = field(default_factory=frozenset)
    props: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class MarkersChanged(ModelEvent):
    """Markers added, removed, moved or renamed: the ruler's flags (and snapping) only."""

    marker_ids: frozenset = field(default_factory=frozenset)


#: Events after which the timeline's rows and the project's length stay as they were.
LIGHT = (TransformChanged, VolumeChanged, TitleChanged)
#: Track settings that change only the sound.
SOUND_PROPS = frozenset({"muted", "solo", "gain_db", "pan", "role", "ducking"})
#: Track settings a view can take in place: the sound ones, the lock and the name (no picture, no
#: layout), and hiding a video track (the picture only: the timeline's layout stays).
IN_PLACE_TRACK_PROPS = SOUND_PROPS | {"locked", "name", "hidden"}


def ids(*values) -> frozenset:
    """The non-empty string ids among ``values`` (for commands building their events)."""
    return frozenset(v for v in values if isinstance(v, str) and v)


def events_for(cmd) -> Tuple[ModelEvent, ...]:
    """The events that doing or undoing ``cmd`` emits: what its ``events()`` says (the same for
    do, undo and redo), else ``ProjectChanged``."""
    own = getattr(cmd, "events", None)
    if not callable(own):
        return (ProjectChanged(),)
    out: List[ModelEvent] = []
    for e in own():
        if e not in out:
            out.append(e)
    return tuple(out) or (ProjectChanged(),)


def is_light(events: Iterable[ModelEvent]) -> bool:
    """True when every event leaves the timeline's layout as it was (transform, volume, title)."""
    evs = list(events)
    return bool(evs) and all(isinstance(e, LIGHT) for e in evs)


def track_settings_only(events: Iterable[ModelEvent]) -> bool:
    """True when every event is a change of track settings that leaves the picture and the layout
    as they were (mute, solo, gain, pan, role, ducking, lock)."""
    evs = list(events)
    return bool(evs) and all(isinstance(e, TracksChanged) and e.props and e.props <= IN_PLACE_TRACK_PROPS
                             for e in evs)


Listener = Callable[[Tuple[ModelEvent, ...]], None]


class ModelEvents:
    """A tiny emitter: listeners get the tuple of events of one change (one undo step), in order
    of connection. A listener that raises does not stop the others (its error is re-raised after)."""

    def __init__(self) -> None:
        self._listeners: List[Listener] = []
        self.emitted = 0  # changes emitted so far (tests, diagnostics)

    def connect(self, fn: Listener) -> None:
        if fn not in self._listeners:
            self._listeners.append(fn)

    def disconnect(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def emit(self, events: Iterable[ModelEvent]) -> None:
        evs = tuple(events)
        if not evs:
            return
        self.emitted += 1
        error: Optional[BaseException] = None
        for fn in list(self._listeners):
            try:
                fn(evs)
            except Exception as e:  # noqa: BLE001 - the other views still update
                error = error or e
        if error is not None:
            raise error

    def emit_for(self, cmd) -> None:
        """Emit the events of ``cmd`` (done, undone or redone)."""
        self.emit(events_for(cmd))
