"""The document model: Project -> Track -> Clip -> AppliedOp, as plain dataclasses.

Saved as JSON with a schema version; loading validates every field (no pickle anywhere).
Change a project through ``edit.history`` commands so every change can be undone.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, List, Optional, Tuple

from ..errors import ProjectError

SCHEMA_VERSION = 1


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
        _expect(isinstance(d.get("op"), str), "an operation entry needs an 'op' name")
        params = d.get("params", {})
        _expect(isinstance(params, dict), f"params of '{d['op']}' must be an object")
        rng = d.get("range")
        if rng is not None:
            _expect(
                isinstance(rng, list) and len(rng) == 2 and all(isinstance(x, (int, float)) for x in rng)
                and 0 <= rng[0] < rng[1],
                f"range of '{d['op']}' must be [start, end] seconds with start < end",
            )
            rng = (float(rng[0]), float(rng[1]))
        return cls(
            op=d["op"],
            params=params,
            range=rng,
            enabled=bool(d.get("enabled", True)),
            id=str(d.get("id") or new_id()),
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
        _expect(isinstance(d.get("source"), str) and d["source"], "a clip needs a 'source' path")
        src = d["source"]
        if base is not None and not os.path.isabs(src):
            src = str((base / src).resolve())
        inp = d.get("in", 0.0)
        out = d.get("out")
        _expect(isinstance(inp, (int, float)) and inp >= 0, "clip 'in' must be seconds >= 0")
        _expect(out is None or (isinstance(out, (int, float)) and out > inp), "clip 'out' must be after 'in'")
        ops = d.get("ops", [])
        _expect(isinstance(ops, list), "clip 'ops' must be a list")
        return cls(
            source=src,
            in_point=float(inp),
            out_point=None if out is None else float(out),
            ops=[AppliedOp.from_json(o) for o in ops],
            id=str(d.get("id") or new_id()),
            name=str(d.get("name", "")),
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
        kind = d.get("kind", "video")
        _expect(kind in ("video", "audio"), f"unknown track kind {kind!r}")
        return cls(
            kind=kind,
            clips=[Clip.from_json(c, base) for c in clips],
            id=str(d.get("id") or new_id()),
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
        _expect(isinstance(tracks, list), "'tracks' must be a list")
        fps = d.get("fps")
        if fps is not None:
            _expect(isinstance(fps, list) and len(fps) == 2 and all(isinstance(x, int) and x > 0 for x in fps),
                    "'fps' must be [numerator, denominator]")
            fps = Fraction(fps[0], fps[1])
        for key in ("width", "height"):
            v = d.get(key)
            _expect(v is None or (isinstance(v, int) and 2 <= v <= 16384), f"'{key}' must be a size in pixels")
        sr = d.get("sample_rate", 48000)
        ch = d.get("channels", 2)
        _expect(isinstance(sr, int) and 8000 <= sr <= 192000, "'sample_rate' must be 8000..192000")
        _expect(isinstance(ch, int) and 1 <= ch <= 8, "'channels' must be 1..8")
        return cls(
            tracks=[Track.from_json(t, base) for t in tracks] or [Track()],
            width=d.get("width"),
            height=d.get("height"),
            fps=fps,
            sample_rate=sr,
            channels=ch,
            name=str(d.get("name", "Untitled")),
        )

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
            d = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ProjectError(f"No project at {path}.") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ProjectError(f"{path} is not a readable project file ({e}).") from None
        return cls.from_json(d, base=path.parent.resolve())


def _expect(cond: bool, message: str) -> None:
    if not cond:
        raise ProjectError(f"Invalid project: {message}.")
