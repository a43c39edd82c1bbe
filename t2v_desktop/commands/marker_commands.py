"""Commands of the markers area: named points on the timeline, by typing as well as by keys.

    add a marker at 0:05 called Intro     a marker there (no time: at the playhead; no name: "Marker N")
    add a marker called 'Big reveal'      at the playhead
    rename the marker Intro to Opening
    remove the marker Intro / remove the marker at 0:05 / remove the markers
    go to the next marker / go to the previous marker / jump to marker Intro / go to the Intro marker
    go to the first marker / go to the last marker

Adding, renaming and removing are history commands (one undo step each typed command, like the
ruler's menu, Ctrl+M and `*`). Going to a marker changes nothing in the project: its step carries
the time (``step.seek_to``) and says it in its reason; the editor moves the playhead there
(``seek_target(plan)``), the CLI prints it. Marker times are programme seconds (project.model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, List, Optional

from .placement import playhead_of
from .steps import ComposeStep
from .timecode import ANY_TIME, parse_time

PARSERS: List[Callable[..., Any]] = []
RESOLVERS: Dict[type, Callable[..., list]] = {}
#: offered by the command bar while typing ("mark", "go to")
EXAMPLES = ("add a marker at 0:05 called Intro", "add a marker here", "go to the next marker",
            "go to the previous marker", "jump to marker Intro", "rename the marker Intro to Opening",
            "remove the markers")
#: a fragment after "," / "and" that begins a marker command ("add a marker at 0:05 and go to it")
STARTS = re.compile(r"^(?:(?:add|put|place|insert|set|create)\s+(?:a\s+|an\s+|the\s+)?(?:new\s+)?marker\b|"
                    r"(?:go|jump|skip|seek)\s+(?:back\s+)?to\s+.*\bmarker\b|(?:remove|delete|clear)\s+.*\bmarkers?\b|"
                    r"rename\s+.*\bmarker\b)")


@dataclass
class AddMarkerStep(ComposeStep):
    """A marker at ``time`` (None: the playhead, else 0:00) named ``name`` ("" : "Marker N")."""

    time: Optional[float] = None
    name: str = ""
    playhead: Optional[float] = None
    kind: ClassVar[str] = "add_marker"
    phase: ClassVar[int] = 2  # after the edits that set the programme's length
    works_without_clips: ClassVar[bool] = True


@dataclass
class RemoveMarkers(ComposeStep):
    """Remove the marker named ``name`` or at ``time``; both empty: every marker."""

    name: str = ""
    time: Optional[float] = None
    kind: ClassVar[str] = "remove_markers"
    phase: ClassVar[int] = 2
    works_without_clips: ClassVar[bool] = True


@dataclass
class RenameMarkerStep(ComposeStep):
    name: str = ""
    new_name: str = ""
    kind: ClassVar[str] = "rename_marker"
    phase: ClassVar[int] = 2
    works_without_clips: ClassVar[bool] = True


@dataclass
class GoToMarker(ComposeStep):
    """Move the playhead to a marker: ``which`` is next/previous/first/last, or ``name``. Changes
    nothing; ``seek_to`` is filled in when resolved."""

    which: str = ""
    name: str = ""
    playhead: Optional[float] = None
    seek_to: Optional[float] = None
    kind: ClassVar[str] = "go_to_marker"
    phase: ClassVar[int] = 2
    works_without_clips: ClassVar[bool] = True


# -- parsing -------------------------------------------------------------------------------------

_NAMED = r"(?:called|named|labell?ed|titled|saying)"
_ADD = re.compile(r"^(?:add|put|place|insert|drop|set|create|make)\s+(?:a\s+|an\s+|one\s+|the\s+)?(?:new\s+)?"
                  r"marker\b(?P<rest>.*)$")
_AT = re.compile(r"\b(?:(?:at|on)\s+(?:(?P<t>" + ANY_TIME + r")|(?:the\s+)?(?:playhead|cursor)|here)|here|now)\b")
_AT_END = re.compile(r"\s+(?:at|on)\s+(?:" + ANY_TIME + r"|(?:the\s+)?(?:playhead|cursor)|here)\s*$")
_NAME = re.compile(r"\b" + _NAMED + r"\s+(?P<n>.+?)\s*$")
_GO = re.compile(r"^(?:(?:go|jump|skip|move|seek)(?:\s+the\s+playhead)?\s+(?:back\s+)?to\s+)?(?:the\s+)?"
                 r"(?P<which>next|previous|prev|first|last)\s+marker$")
_GO_NAMED = re.compile(r"^(?:go|jump|skip|move|seek)(?:\s+the\s+playhead)?\s+(?:back\s+)?to\s+(?:the\s+)?"
                       r"(?:marker\s+(?:" + _NAMED + r"\s+)?(?P<a>.+)|(?P<b>.+?)\s+marker)$")
_REMOVE_ALL = re.compile(r"^(?:remove|delete|clear|drop|take\s+out)\s+(?:all\s+(?:of\s+)?)?(?:the\s+|my\s+|every\s+)?"
                         r"(?:markers|marker\s+flags)$|^clear\s+(?:all\s+)?markers$")
_REMOVE_ONE = re.compile(r"^(?:remove|delete|drop|take\s+out)\s+(?:the\s+)?(?:marker\s+(?:at\s+(?P<t>" + ANY_TIME
                         + r")|(?:" + _NAMED + r"\s+)?(?P<a>.+))|(?P<b>.+?)\s+marker)$")
_RENAME = re.compile(r"^rename\s+(?:the\s+)?(?:marker\s+(?:" + _NAMED + r"\s+)?(?P<a>.+?)|(?P<b>.+?)\s+marker)\s+"
                     r"(?:to|as)\s+(?P<new>.+)$")


def _orig(cl, t: str, start: int, end: int) -> str:
    """The original spelling of ``t[start:end]`` (a name keeps its capitals), quotes stripped."""
    o = cl.orig_text()
    s = o[start:end] if len(o) == len(t) else t[start:end]
    return s.strip().strip("'\"“”‘’").strip()


def _parse_add(cl, t: str, context) -> Optional[AddMarkerStep]:
    m = _ADD.match(t)
    if not m:
        return None
    rest, off = m.group("rest"), m.start("rest")
    name = ""
    n = _NAME.search(rest)
    if n:
        a, b = n.start("n"), n.end("n")
        q = re.match(r"(['\"])(.+?)\1", rest[a:])  # a quoted name: what follows it may be "at 0:05"
        tail = _AT_END.search(rest[a:b]) if q is None else None
        if q is not None:
            name, after = _orig(cl, t, off + a, off + a + q.end()), rest[a + q.end():]
        elif tail is not None:  # "called Intro at 0:05"
            name, after = _orig(cl, t, off + a, off + a + tail.start()), rest[a + tail.start():]
        else:
            name, after = _orig(cl, t, off + a, off + b), ""
        rest = rest[:n.start()] + " " + after
    at = _AT.search(rest)
    time = parse_time(at.group("t")) if at and at.group("t") else None
    leftover = (rest[:at.start()] + rest[at.end():]) if at else rest
    if leftover.strip(" ,.") or (n and not name):
        return None  # "add a marker track", something else this area does not know
    return AddMarkerStep(time=time, name=name, playhead=playhead_of(context))


def _parse_go(cl, t: str, context) -> Optional[GoToMarker]:
    m = _GO.match(t)
    if m:
        which = {"prev": "previous"}.get(m.group("which"), m.group("which"))
        return GoToMarker(which=which, playhead=playhead_of(context))
    m = _GO_NAMED.match(t)
    if m:
        g = "a" if m.group("a") else "b"
        name = _orig(cl, t, m.start(g), m.end(g))
        return GoToMarker(name=name, playhead=playhead_of(context)) if name else None
    return None


def _parse_remove(cl, t: str, context) -> Optional[RemoveMarkers]:
    if _REMOVE_ALL.match(t):
        return RemoveMarkers()
    m = _REMOVE_ONE.match(t)
    if not m:
        return None
    if m.group("t"):
        return RemoveMarkers(time=parse_time(m.group("t")))
    g = "a" if m.group("a") else "b"
    name = _orig(cl, t, m.start(g), m.end(g))
    return RemoveMarkers(name=name) if name else None


def _parse_rename(cl, t: str, context) -> Optional[RenameMarkerStep]:
    m = _RENAME.match(t)
    if not m:
        return None
    g = "a" if m.group("a") else "b"
    old, new = _orig(cl, t, m.start(g), m.end(g)), _orig(cl, t, m.start("new"), m.end("new"))
    return RenameMarkerStep(name=old, new_name=new) if old and new else None


PARSERS.extend([_parse_add, _parse_go, _parse_remove, _parse_rename])


# -- resolving -----------------------------------------------------------------------------------

def _clock(t: float) -> str:
    m, s = divmod(max(0.0, t), 60)
    return f"{int(m)}:{s:05.2f}"


def _duration(state) -> Optional[float]:
    if not state.sim.all_clips():
        return None
    lay = state.layout()
    return float(lay.frame_count / lay.fps)


def _listing(project) -> str:
    if not project.markers:
        return "The timeline has no markers; add one with 'add a marker at 0:05 called Intro' (or Ctrl+M)."
    return "Markers: " + ", ".join(f"{m.name or 'unnamed'} at {_clock(m.time)}" for m in project.markers) + "."


def _by_name(project, name: str):
    from ..errors import ParamError

    want = name.strip().lower()
    hits = [m for m in project.markers if m.name.strip().lower() == want]
    if not hits:
        hits = [m for m in project.markers if want and want in m.name.lower()]
    if not hits:
        raise ParamError(f"No marker called '{name}'. {_listing(project)}")
    return hits


def _resolve_add(step: AddMarkerStep, state) -> list:
    from ..errors import ParamError
    from ..project import history as h

    sim = state.sim
    t = step.time if step.time is not None else (step.playhead if step.playhead is not None else 0.0)
    dur = _duration(state)
    if dur is not None and t > dur + 1e-6:
        raise ParamError(f"The timeline is {_clock(dur)} long; put the marker at {_clock(dur)} or earlier.")
    there = next((m for m in sim.markers if abs(m.time - t) < 1e-3), None)
    if there is not None:
        raise ParamError(f"There is a marker at {_clock(t)} already ('{there.name}'); rename it with "
                         f"'rename the marker {there.name} to …' or pick another time.")
    name = step.name or f"Marker {len(sim.markers) + 1}"
    step.reason = f"marker '{name}' at {_clock(t)}"
    return [h.AddMarker(t, name)]


def _resolve_remove(step: RemoveMarkers, state) -> list:
    from ..errors import ParamError
    from ..project import history as h

    sim = state.sim
    if step.time is not None:
        hits = [m for m in sim.markers if abs(m.time - step.time) < 0.05]
        if not hits:
            raise ParamError(f"No marker at {_clock(step.time)}. {_listing(sim)}")
    elif step.name:
        hits = _by_name(sim, step.name)
    else:
        hits = list(sim.markers)
        if not hits:
            raise ParamError("The timeline has no markers to remove.")
    step.reason = "remove " + ", ".join(f"'{m.name}' at {_clock(m.time)}" for m in hits)
    return [h.RemoveMarker(m.id) for m in hits]


def _resolve_rename(step: RenameMarkerStep, state) -> list:
    from ..errors import ParamError
    from ..project import history as h

    hits = _by_name(state.sim, step.name)
    if len(hits) > 1:
        raise ParamError(f"{len(hits)} markers match '{step.name}' ("
                         + ", ".join(f"'{m.name}' at {_clock(m.time)}" for m in hits) + "); use its whole name.")
    step.reason = f"marker at {_clock(hits[0].time)} renamed '{step.new_name}'"
    return [h.RenameMarker(hits[0].id, step.new_name)]


def _resolve_go(step: GoToMarker, state) -> list:
    from ..errors import ParamError

    marks = sorted(state.sim.markers, key=lambda m: m.time)
    if not marks:
        raise ParamError(_listing(state.sim))
    here = step.playhead if step.playhead is not None else 0.0
    if step.name:
        hits = _by_name(state.sim, step.name)
        pick = hits[0]
    elif step.which == "first":
        pick = marks[0]
    elif step.which == "last":
        pick = marks[-1]
    elif step.which == "next":
        pick = next((m for m in marks if m.time > here + 1e-3), None)
        if pick is None:
            raise ParamError(f"No marker after {_clock(here)}; the last is '{marks[-1].name}' at "
                             f"{_clock(marks[-1].time)}.")
    else:
        pick = next((m for m in reversed(marks) if m.time < here - 1e-3), None)
        if pick is None:
            raise ParamError(f"No marker before {_clock(here)}; the first is '{marks[0].name}' at "
                             f"{_clock(marks[0].time)}.")
    step.seek_to = float(pick.time)
    step.reason = f"playhead to '{pick.name}' at {_clock(pick.time)}"
    return []


RESOLVERS[AddMarkerStep] = _resolve_add
RESOLVERS[RemoveMarkers] = _resolve_remove
RESOLVERS[RenameMarkerStep] = _resolve_rename
RESOLVERS[GoToMarker] = _resolve_go


def seek_target(plan) -> Optional[float]:
    """Where the editor's playhead goes after ``plan`` was applied (its last go-to-marker step),
    or None."""
    times = [s.seek_to for s in getattr(plan, "steps", ()) if isinstance(s, GoToMarker) and s.seek_to is not None]
    return times[-1] if times else None
