"""Commands of the library area, plugged into the command language (compose.py, compose_apply.py).

PARSERS: functions (clause, lowered text, context) -> a ComposeStep or None, tried before the
built-in structural parsers. RESOLVERS: step type -> function (step, ComposeState) -> history
commands. Steps are typed data (steps.py's ComposeStep subclasses defined here). Import compose_apply
only inside functions (it imports this module).

Shots come from the media library (library.search, the database in the user data folder):
  "use the shot where she says 'welcome'"  the best shot, inserted on the main track AT THE PLAYHEAD
                                           (an insert edit: the clip under the playhead is split
                                           there and the later clips move right); at the end when
                                           there is no playhead (the command line).
  "add the beach shot after this clip"     the best shot, inserted right after the selected clip (or
                                           the clip under the playhead, else the last one).
  "find clips with text 'SALE'"            lists the matching shots in the plan (nothing changes); the
                                           editor also opens the Library panel with them.
The inserted clip is exactly the shot: in = shot start, out = shot end. One undo step each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, List, Optional

from ..engine.cache import LRU
from .placement import insert_at_playhead, playhead_of
from .steps import ComposeStep

PARSERS: List[Callable[..., Any]] = []
RESOLVERS: Dict[type, Callable[..., list]] = {}
#: step type -> fn(step, project, progress=, cancel=): the search done first (commands/prepare.py)
PREPARE: Dict[type, Callable[..., None]] = {}

ADD_FOOTAGE = "Add footage with: t2v-desktop library add DIR"
#: a fragment after "," / "and" that begins one of these commands ("use the blue shot, find the
#: green shots" is two commands)
STARTS = re.compile(r"^(?:find|search\s+for|look\s+for|list|show\s+me)\s+(?:\S+\s+){0,4}?(?:clips?|shots?|footage)\b")
_HITS = LRU(32)  # content key -> search hits (the editor's search job, then the apply step)
EXAMPLES = ("use the shot where she says 'welcome'", "add the beach shot after this clip",
            "find clips with text 'SALE'")


@dataclass
class UseShot(ComposeStep):
    """The library's best shot for ``query`` inserted on the main track (``where``: "playhead",
    "after" the target clip, "start" or "end"); ``playhead``: programme seconds, None when unknown."""

    query: str = ""
    where: str = "playhead"
    playhead: Optional[float] = None
    kind: ClassVar[str] = "use_shot"
    phase: ClassVar[int] = 0  # it changes the programme's length, like an added clip
    works_without_clips: ClassVar[bool] = True  # the first shot of an empty timeline


@dataclass
class FindShots(ComposeStep):
    """List the library's shots for ``query`` (the plan's reason); changes nothing."""

    query: str = ""
    limit: int = 10
    kind: ClassVar[str] = "find_shots"
    phase: ClassVar[int] = 2
    works_without_clips: ClassVar[bool] = True


# -- parsing -------------------------------------------------------------------------------------

_SHOT = r"(?:shots?|footage|b-roll|clips?(?=\s+(?:where|of|with|showing|that|in which)\b))"
_USE = re.compile(r"^(?P<verb>use|insert|add|put|drop in|bring in)\s+(?:the|a|that|this)\s+(?P<q>[^'\"]*?)\s*"
                  + _SHOT + r"(?P<rest>\s+.*)?$")
_FIND = re.compile(r"^(?:find|search(?:\s+for)?|look\s+for|show\s+me|list)\s+(?:all\s+|the\s+|any\s+|me\s+)?"
                   r"(?:(?P<pre>.*?)\s+)?(?:clips?|shots?|footage|videos?)(?P<rest>(?:\s+.*)?)$")
_WHERE = (
    (re.compile(r"\s+(?:right\s+)?after\s+(?:this|the\s+selected|the\s+current|that|the)\s+clip$|\s+after\s+it$"),
     "after"),
    (re.compile(r"\s+(?:at|to)\s+the\s+(?:start|beginning)(?:\s+of\s+the\s+timeline)?$"), "start"),
    (re.compile(r"\s+(?:at|to)\s+the\s+end(?:\s+of\s+the\s+timeline)?$"), "end"),
    (re.compile(r"\s+(?:at\s+the\s+(?:playhead|cursor)|here)$"), "playhead"),
)
_NOT_A_SHOT = re.compile(r"\b(?:title|text|caption|subtitles?|music|logo|transition|fade|voice|lower)\b")
_LEAD = re.compile(r"^(?:where|in\s+which|of|with|showing|that\s+shows?|which\s+shows?|that|which|about)\s+")
_WHO = re.compile(r"\b(?:she|he|they|someone|somebody|anyone|people|i|we|you|the\s+\w+)\s+(?=(?:says?|said|saying)\b)")


def shot_query(text: str) -> str:
    """'where she says 'welcome'' -> "says 'welcome'"; 'with text 'SALE'' -> "text 'SALE'"."""
    q = " ".join(text.split())
    q = _LEAD.sub("", q)
    q = _WHO.sub("", q)
    return q.strip(" .")


def _orig(cl, t: str, span) -> str:
    """The typed (not lower-cased) words of ``t``'s span: quoted text keeps its case ('SALE')."""
    o = cl.orig_text()
    return o[span[0]:span[1]] if len(o) == len(t) else t[span[0]:span[1]]


def _parse_use(cl, t: str, context) -> Optional[UseShot]:
    m = _USE.match(t.strip())
    if not m:
        return None
    t = t.strip()
    rest_span = m.span("rest") if m.group("rest") else (len(t), len(t))
    rest = _orig(cl, t, rest_span)
    where = "playhead"
    for pat, name in _WHERE:
        w = pat.search(rest.lower())
        if w:
            where, rest = name, rest[:w.start()]
            break
    pre = _orig(cl, t, m.span("q"))
    if len(pre.split()) > 4 or _NOT_A_SHOT.search(pre.lower()):
        return None  # "add a title saying the best shot ever" is a title
    query = shot_query(" ".join(x for x in (pre, rest) if x.strip()))
    if not query:
        return None
    return UseShot(query=query, where=where, playhead=playhead_of(context))


def _parse_find(cl, t: str, context) -> Optional[FindShots]:
    m = _FIND.match(t.strip())
    if not m:
        return None
    t = t.strip()
    pre = _orig(cl, t, m.span("pre")) if m.group("pre") else ""
    rest = _orig(cl, t, m.span("rest")) if m.group("rest") else ""
    query = shot_query(" ".join(x for x in (pre, shot_query(rest)) if x.strip()))
    return FindShots(query=query) if query else None


def find_query(text: str) -> Optional[str]:
    """The shot query of a typed "find clips with text 'SALE'" (the editor's Library panel runs it)."""
    from .clause import Clause

    cl = Clause.of(text.strip())
    step = _parse_find(cl, cl.text(), None)
    return step.query if step is not None else None


PARSERS.extend([_parse_find, _parse_use])


# -- resolving -----------------------------------------------------------------------------------

def _library():
    """The user's library, or a ProjectError saying how to make one (never an empty new database)."""
    from ..errors import ProjectError
    from ..library.db import default_path, open_library

    path = default_path()
    if not path.exists():
        raise ProjectError(f"The media library is empty. {ADD_FOOTAGE}")
    lib = open_library(path)
    if lib.conn.execute("SELECT count(*) FROM shots").fetchone()[0] == 0:
        lib.close()
        raise ProjectError(f"The media library is empty. {ADD_FOOTAGE}")
    return lib


def _library_identity() -> list:
    """The database file and its write-ahead log (size, mtime): footage added gives a new key."""
    from pathlib import Path

    from ..library.db import default_path

    path = default_path()
    out: list = [str(path)]
    for p in (path, Path(str(path) + "-wal")):
        try:
            st = p.stat()
            out += [st.st_size, st.st_mtime_ns]
        except OSError:
            out += [None, None]
    return out


def _hits(query: str, limit: int):
    """The library's best ``limit`` shots for ``query``, kept by content (the query and the database
    as it is): the editor searches in a background job and the apply step takes the same hits."""
    from ..engine.cache import content_key
    from ..library.search import search

    key = content_key("library-hits", _library_identity(), query, limit)
    hit = _HITS.get(key)
    if hit is not None:
        return list(hit)
    lib = _library()
    try:
        hits = search(lib, query, limit=limit)
    finally:
        lib.close()
    _HITS.put(key, list(hits))
    return hits


def clear_search_cache() -> None:
    """Forget kept search hits (tests)."""
    _HITS.clear()


def prepare_search(step, project, *, progress, cancel=None) -> None:
    """The slow part, off the GUI thread: the library searched (a CLIP model may load) into the
    kept hits the resolver then reads."""
    from ..jobs import check

    check(cancel)
    progress(0, 1, "Searching the library")
    _hits(step.query, 1 if isinstance(step, UseShot) else step.limit)
    check(cancel)
    progress(1, 1, "Library searched")


def _describe(h) -> str:
    from pathlib import Path

    return f"{Path(h.path).name} {_clock(h.start)}-{_clock(h.end)} ({'; '.join(h.reasons)})"


def _resolve_use(step: UseShot, state) -> list:
    from pathlib import Path

    from ..errors import ParamError
    from ..project.model import Clip

    hits = _hits(step.query, 1)
    if not hits:
        raise ParamError(f"No shot matches '{step.query}'. {ADD_FOOTAGE}")
    h = hits[0]
    if not Path(h.path).exists():
        raise ParamError(f"The best shot for '{step.query}' is in {h.path}, which is not there any more; "
                         "run `t2v-desktop library reindex`.")
    clip = Clip(source=h.path, in_point=round(h.start, 6), out_point=round(h.end, 6), name=Path(h.path).name)
    cmds, where = insert_commands(state.sim, clip, step.where, playhead=step.playhead, clip_id=state.clip_id)
    step.reason = f"inserted {_describe(h)} {where}"
    return cmds


def insert_commands(project, clip, where: str = "playhead", *, playhead: Optional[float] = None,
                    clip_id: Optional[str] = None) -> tuple:
    """(history commands, where in words) putting ``clip`` on the main track: "start", "end",
    "after" the clip ``clip_id`` (else the one under the playhead), or at the ``playhead`` as an
    insert edit (the clip under it split there). Also the Library panel's "Insert at playhead"."""
    from ..engine.layout import TimelineLayout
    from ..project.history import AddClip

    layout = TimelineLayout(project) if project.main_track.clips else None
    spans = layout.clip_spans() if layout is not None else []
    cmds: list = []
    tol = 0.5 / float(layout.fps) if layout is not None else 0.02
    if where == "start":
        index, said = 0, "at the start of the main track"
    elif where == "end" or not spans:
        index, said = None, "at the end of the main track"
    elif where == "after":
        ids = [cid for cid, _, _ in spans]
        target = clip_id if clip_id in ids else None
        if target is None and playhead is not None:
            target = next((cid for cid, a, b in spans if a <= playhead < b), None)
        if target is None:
            index, said = None, "at the end of the main track (no clip selected)"
        else:
            k = ids.index(target)
            index, said = k + 1, f"after clip {k + 1}"
    elif playhead is None:
        index, said = None, "at the end of the main track (no playhead here)"
    else:
        cmds, index, note = insert_at_playhead(spans, playhead, tol)
        said = f"at the playhead {_clock(playhead)} on the main track{note}"
    cmds.append(AddClip(clip, index=index))
    return cmds, said


def _clock(t: float) -> str:
    m, s = divmod(max(0.0, t), 60)
    return f"{int(m)}:{s:05.2f}"


def _resolve_find(step: FindShots, state) -> list:
    from ..errors import ParamError

    hits = _hits(step.query, step.limit)
    if not hits:
        raise ParamError(f"No shot matches '{step.query}'. {ADD_FOOTAGE}")
    step.reason = f"{len(hits)} shot{'s' if len(hits) != 1 else ''}: " + "; ".join(_describe(h) for h in hits)
    return []


RESOLVERS[UseShot] = _resolve_use
RESOLVERS[FindShots] = _resolve_find
PREPARE[UseShot] = prepare_search
PREPARE[FindShots] = prepare_search
