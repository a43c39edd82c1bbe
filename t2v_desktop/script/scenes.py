"""Scenes of a project built from a script, found again after editing, and their visuals replaced.

build.py names a scene's visual "Scene N · ..." on the main track, its card "Scene N card" on the
"Cards" track, and puts a marker "Scene N" where it starts; renamed clips are still found through
the marker (the main-track clip starting there). ``replace_visual`` swaps what a scene shows for a
library shot or a file as ONE undoable command that keeps the clip's id, length and transitions,
so nothing after it moves and the narration stays in sync.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Optional

from ..errors import ParamError, ProjectError
from ..project.history import Compound, EditCommand, RemoveClip, _locate_clip, _unlocked
from ..project.model import Clip, Project
from .build import SCENE_PREFIX, _shot_clip

VIDEO_EXT = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".mts", ".m2ts", ".wmv", ".flv")


class ReplaceClip(EditCommand):
    """Put ``clip``'s source, span, ops and placement in place of clip ``clip_id`` (the id stays, so
    transitions and references to it hold)."""

    def __init__(self, clip_id: str, clip: Clip, label: str = "Replace clip"):
        self.clip_id, self.clip, self.label = clip_id, copy.deepcopy(clip), label

    def do(self, project: Project) -> None:
        track, i = _locate_clip(project, self.clip_id)
        _unlocked(project, track)
        new = copy.deepcopy(self.clip)
        new.id = self.clip_id
        self._old = track.items[i]
        track.items[i] = new

    def undo(self, project: Project) -> None:
        track, i = _locate_clip(project, self.clip_id)
        track.items[i] = self._old


def scene_numbers(project: Project) -> list:
    nums = set()
    for m in project.markers:
        mm = re.fullmatch(rf"{SCENE_PREFIX} (\d+)", m.name.strip())
        if mm:
            nums.add(int(mm.group(1)))
    return sorted(nums)


def scene_visual(project: Project, number: int) -> Clip:
    """The main-track clip showing scene ``number`` (ParamError listing the scenes when none)."""
    main = project.main_track
    for c in main.clips:
        if c.name == f"{SCENE_PREFIX} {number}" or c.name.startswith(f"{SCENE_PREFIX} {number} ·"):
            return c
    marker = next((m for m in project.markers if m.name.strip() == f"{SCENE_PREFIX} {number}"), None)
    if marker is not None:
        from ..engine.layout import TimelineLayout

        lay = TimelineLayout(project)
        for s in lay.spans(main):
            if isinstance(s.item, Clip) and abs(lay.seconds(s.start) - marker.time) < 0.5 / float(lay.fps):
                return s.item
    have = scene_numbers(project)
    raise ParamError(f"There is no scene {number}; " + (f"the scenes are {', '.join(map(str, have))}." if have
                     else "this project was not made from a script (its scenes are markers named 'Scene N')."))


def _card_of(project: Project, number: int) -> Optional[Clip]:
    for t in project.tracks[1:]:
        for c in t.clips:
            if c.name == f"{SCENE_PREFIX} {number} card":
                return c
    return None


def _query(what: str) -> str:
    q = re.sub(r"^(?:the|a|an|my|some|that|this)\s+", "", what.strip(), flags=re.I)
    q = re.sub(r"\s+(?:shot|clip|footage|video|one|scene|take)s?$", "", q, flags=re.I)
    return q.strip(" .'\"")


def replace_visual(project: Project, number: int, what: str, *, library=None, base: Optional[str] = None,
                   notes: Optional[list] = None) -> EditCommand:
    """The command that shows ``what`` (a video file, or words searched in the media library) in
    scene ``number`` for exactly the scene's visual length; the scene's word card goes too."""
    from ..engine.layout import TimelineLayout

    old = scene_visual(project, number)
    lay = TimelineLayout(project)
    a, b = lay.clip_span(old.id)
    seconds = b - a
    label = f"{SCENE_PREFIX} {number} · {_query(what)[:60]}"
    path = what.strip().strip("'\"")
    if path.lower().endswith(VIDEO_EXT):
        full = path if os.path.isabs(path) else os.path.join(base or os.getcwd(), path)
        if not os.path.isfile(full):
            raise ParamError(f"No file {path}; name a video file that exists, or words to search the library for.")
        clip = _file_clip(str(Path(full).resolve()), seconds, label)
    else:
        clip = _library_clip(_query(what), seconds, label, library, notes)
    label_cmd = f"Replace the visual of scene {number}"
    cmds = [ReplaceClip(old.id, clip, label_cmd)]
    card = _card_of(project, number)
    if card is not None:
        cmds.append(RemoveClip(card.id))
    return Compound(label_cmd, cmds)


def _file_clip(path: str, seconds: float, label: str) -> Clip:
    """A whole file for the scene: cut to its length, or slowed (speed op) when it is shorter."""
    from ..library.search import Hit
    from ..media.info import probe

    info = probe(path)
    if not info.has_video:
        raise ParamError(f"{os.path.basename(path)} has no picture; name a video file for a scene's visual.")
    clip = _shot_clip(Hit(path, 0.0, float(info.duration), 1.0), seconds, label)
    if clip is None:
        raise ParamError(f"{os.path.basename(path)} lasts {info.duration:.1f} s, too short for this scene "
                         f"({seconds:.1f} s) even slowed to a quarter speed.")
    return clip


def _library_clip(query: str, seconds: float, label: str, library, notes) -> Clip:
    from ..library.db import default_path, open_library
    from ..library.search import search

    if not query:
        raise ParamError("Say what to show, e.g. 'replace the visual of scene 3 with the beach shot'.")
    close = False
    if library is None or isinstance(library, (str, os.PathLike)):
        path = Path(library) if library is not None else default_path()
        if not path.is_file():
            raise ProjectError(f"There is no media library to search for '{query}' ({path}); index footage with "
                               f"`t2v-desktop library add FOLDER`, or name a video file.")
        library, close = open_library(path), True
    try:
        hits = search(library, query, limit=10, notes=notes)
    finally:
        if close:
            library.close()
    for h in hits:
        clip = _shot_clip(h, seconds, label)
        if clip is not None:
            return clip
    if hits:
        raise ParamError(f"The shots matching '{query}' are too short for this scene ({seconds:.1f} s, even slowed "
                         f"to a quarter speed); name a longer shot or a file.")
    raise ParamError(f"No shot in the media library matches '{query}'; try other words or name a video file.")
