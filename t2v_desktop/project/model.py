"""The document model: Project -> Track -> Clip -> AppliedOp, as plain dataclasses.

Saved as JSON with a schema version; loading validates every field (no pickle anywhere) against
the bounds below, so a hand-edited or corrupt file is one clear ProjectError, never an overflow, a
runaway export or a huge allocation later. Change a project through ``edit.history`` commands so
every change can be undone.
"""

from __future__ import annotations

import json
import math
import os
import stat
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, List, Optional, Tuple

from ..errors import ProjectError

SCHEMA_VERSION = 1

# Bounds checked on load; the Renderer and the edit commands hold projects built in code to them too.
MIN_FPS, MAX_FPS = 1, 240
MIN_SIZE, MAX_SIZE = 2, 8192  # pixels per side: DCI 8K (8192x4320) fits; resize's own limit is 7680x4320
MAX_SECONDS = 24 * 3600.0  # clip in/out points and op ranges
MAX_OPS_PER_CLIP = 200  # a clip's stack renders through one stage per op (engine/stages.py)
MAX_CLIPS = 10_000
MAX_TRACKS = 64
MAX_PATH = 4096
MAX_TEXT = 1000  # names and ids
MAX_FILE_BYTES = 256 * 1024 * 1024  # a 10,000-clip project is ~5 MB of JSON
_ECHO = 80  # characters of a bad value shown in an error


def short(value: Any, limit: int = _ECHO) -> str:
    """``repr(value)`` cut to ``limit`` characters: errors never echo a 50 MB string."""
    text = repr(value) if not isinstance(value, str) else repr(value[:limit + 1])
    return text if len(text) <= limit else text[:limit - 3] + "..."


def tidy(message: str, limit: int = 300) -> str:
    """An error message with any long run of characters cut, and at most ``limit`` long."""
    message = " ".join(str(message)[:100_000].split())
    out = []
    for word in message.split(" "):
        out.append(word if len(word) <= _ECHO else word[:_ECHO - 3] + "...")
    text = " ".join(out)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _seconds(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and 0 <= value <= MAX_SECONDS)


def new_id() -> str:
    return uuid.uuid4().hex[:12]


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
            "params": dict(self.params),
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
        for k, v in params.items():
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
    """A span [in_point, out_point) seconds of a source file, with its op stack.

    ``out_point`` None means the end of the source.
    """

    source: str
    in_point: float = 0.0
    out_point: Optional[float] = None
    ops: List[AppliedOp] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    name: str = ""

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "in": self.in_point,
            "out": self.out_point,
            "ops": [o.to_json() for o in self.ops],
        }

    @classmethod
    def from_json(cls, d: Any, base: Optional[Path] = None) -> "Clip":
        _expect(isinstance(d, dict), "a clip must be an object")
        src = d.get("source")
        _expect(isinstance(src, str) and 0 < len(src) <= MAX_PATH and "\0" not in src,
                f"a clip needs a 'source' path (up to {MAX_PATH} characters), got {short(src)}")
        if base is not None and not os.path.isabs(src):
            src = str((base / src).resolve())
        name = _text(d.get("name", ""), "clip name")
        what = f"clip '{short(name, 40)[1:-1]}'" if name else "a clip"
        inp = d.get("in", 0.0)
        out = d.get("out")
        _expect(_seconds(inp), f"{what}: 'in' must be seconds from 0 to {MAX_SECONDS:g}, got {short(inp)}")
        _expect(out is None or (_seconds(out) and out > inp),
                f"{what}: 'out' must be seconds after 'in' and at most {MAX_SECONDS:g}, got {short(out)}")
        ops = d.get("ops", [])
        _expect(isinstance(ops, list), f"{what}: 'ops' must be a list")
        _expect(len(ops) <= MAX_OPS_PER_CLIP,
                f"{what} has {len(ops)} operations; at most {MAX_OPS_PER_CLIP} per clip are supported")
        return cls(
            source=src,
            in_point=float(inp),
            out_point=None if out is None else float(out),
            ops=[AppliedOp.from_json(o) for o in ops],
            id=_text(d.get("id"), "clip id") or new_id(),
            name=name,
        )


@dataclass
class Track:
    kind: str = "video"  # video tracks carry their clips' audio
    clips: List[Clip] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    muted: bool = False

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "muted": self.muted, "clips": [c.to_json() for c in self.clips]}

    @classmethod
    def from_json(cls, d: Any, base: Optional[Path] = None) -> "Track":
        _expect(isinstance(d, dict), "a track must be an object")
        clips = d.get("clips", [])
        _expect(isinstance(clips, list), "track 'clips' must be a list")
        _expect(len(clips) <= MAX_CLIPS, f"a track has {len(clips)} clips; at most {MAX_CLIPS} are supported")
        kind = d.get("kind", "video")
        _expect(kind in ("video", "audio"), f"unknown track kind {short(kind)}")
        return cls(
            kind=kind,
            clips=[Clip.from_json(c, base) for c in clips],
            id=_text(d.get("id"), "track id") or new_id(),
            muted=bool(d.get("muted", False)),
        )


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

    # -- convenience -------------------------------------------------------------------------
    @property
    def main_track(self) -> Track:
        if not self.tracks:
            self.tracks.append(Track())
        return self.tracks[0]

    def all_clips(self) -> List[Clip]:
        return [c for t in self.tracks for c in t.clips]

    def find_clip(self, clip_id: str) -> Clip:
        for c in self.all_clips():
            if c.id == clip_id:
                return c
        raise ProjectError(f"No clip with id {clip_id}.")

    @classmethod
    def from_media(cls, *paths: str) -> "Project":
        """A project holding ``paths`` in sequence on one video track."""
        p = cls()
        for path in paths:
            p.main_track.clips.append(Clip(source=str(Path(path).resolve()), name=Path(path).name))
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
            "tracks": [t.to_json() for t in self.tracks],
        }
        if relative_to is not None:
            for t in d["tracks"]:
                for c in t["clips"]:
                    try:
                        c["source"] = os.path.relpath(c["source"], relative_to)
                    except ValueError:  # other drive on Windows
                        pass
        return d

    @classmethod
    def from_json(cls, d: Any, base: Optional[Path] = None) -> "Project":
        _expect(isinstance(d, dict) and d.get("schema") == "t2v-desktop/project", "not a t2v-desktop project")
        ver = d.get("version")
        _expect(isinstance(ver, int), "project has no schema version")
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
        project = cls(
            tracks=[Track.from_json(t, base) for t in tracks] or [Track()],
            width=d.get("width"),
            height=d.get("height"),
            fps=fps,
            sample_rate=sr,
            channels=ch,
            name=_text(d.get("name", "Untitled"), "project name"),
        )
        _expect(len(project.all_clips()) <= MAX_CLIPS, f"at most {MAX_CLIPS} clips are supported")
        check_ops(project)
        return project

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


def _text(value: Any, what: str) -> str:
    """A name or id: text up to MAX_TEXT characters ("" for None)."""
    if value is None:
        return ""
    _expect(isinstance(value, (str, int)) and not isinstance(value, bool) and len(str(value)) <= MAX_TEXT,
            f"{what} must be text of up to {MAX_TEXT} characters, got {short(value)}")
    return str(value)


def _expect(cond: bool, message: str) -> None:
    if not cond:
        raise ProjectError(f"Invalid project: {message}.")
