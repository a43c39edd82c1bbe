"""What a clip shows: a media file, a solid colour, a still image, a title, or a generated clip.

Stills (colour, image, title, generated) have no length of their own: their clip's out point gives
it. Paths are absolute in memory and relative to the project file on disk. A title's look is a
``TitleStyle`` (sizes in pixels on a 1080-pixel-high canvas, scaled with the canvas).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Optional, Union

from .checks import MAX_PATH, MAX_TITLE_TEXT, choice, color, expect, number, short, text

FONT_WEIGHTS = ("normal", "bold")
ALIGNMENTS = ("left", "center", "right")


@dataclass
class TitleStyle:
    """How a title or a subtitle cue is drawn (engine/titles.py renders it with Pillow)."""

    font: str = "Sans"
    size: float = 64.0
    weight: str = "bold"
    italic: bool = False
    color: str = "#ffffff"
    outline: float = 0.0
    outline_color: str = "#000000"
    shadow: float = 0.0
    shadow_color: str = "#000000a0"
    box: bool = False
    box_color: str = "#000000a0"
    box_padding: float = 0.35
    align: str = "center"
    x: float = 0.5
    y: float = 0.5
    anchor_x: float = 0.5
    anchor_y: float = 0.5
    wrap: float = 0.9
    line_spacing: float = 1.2

    _NUMBERS: ClassVar[dict] = {
        "size": (4.0, 1000.0), "outline": (0.0, 50.0), "shadow": (0.0, 100.0), "box_padding": (0.0, 5.0),
        "x": (-1.0, 2.0), "y": (-1.0, 2.0), "anchor_x": (0.0, 1.0), "anchor_y": (0.0, 1.0), "wrap": (0.0, 1.0),
        "line_spacing": (0.5, 5.0),
    }

    def to_json(self, base: Optional["TitleStyle"] = None) -> dict:
        """The fields that differ from ``base`` (the plain defaults when None): what from_json with
        the same base reads back."""
        default = base or TitleStyle()
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) != getattr(default, f.name)}

    @classmethod
    def from_json(cls, d: Any, what: str = "title style", base: Optional["TitleStyle"] = None) -> "TitleStyle":
        expect(isinstance(d, dict), f"{what} must be an object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        expect(not unknown, f"{what} has unknown fields {short(unknown)} (known: {', '.join(sorted(known))})")
        out = cls(**{f.name: getattr(base, f.name) for f in fields(cls)}) if base else cls()
        for key, value in d.items():
            if key in cls._NUMBERS:
                lo, hi = cls._NUMBERS[key]
                value = number(value, f"{what} '{key}'", lo, hi)
            elif key in ("color", "outline_color", "shadow_color", "box_color"):
                value = color(value, f"{what} '{key}'")
            elif key == "weight":
                value = choice(value, f"{what} 'weight'", FONT_WEIGHTS)
            elif key == "align":
                value = choice(value, f"{what} 'align'", ALIGNMENTS)
            elif key in ("italic", "box"):
                expect(isinstance(value, bool), f"{what} '{key}' must be true or false")
            elif key == "font":
                value = text(value, f"{what} 'font'", 200)
            setattr(out, key, value)
        return out


def subtitle_style() -> TitleStyle:
    """Subtitles' default look: bottom centre on a dark box, normal weight."""
    return TitleStyle(size=46.0, weight="normal", box=True, box_color="#000000b0", y=0.93, anchor_y=1.0, wrap=0.8,
                      box_padding=0.3)


@dataclass
class _FileBacked:
    """A source read from a file (stored relative to the project file on disk)."""

    path: str

    def to_json(self, relative_to: Optional[Path] = None) -> dict:
        return {"type": self.type, "path": _rel(self.path, relative_to)}

    @property
    def label(self) -> str:
        return os.path.basename(self.path)


@dataclass
class MediaSource(_FileBacked):
    """A video or audio file."""

    type: ClassVar[str] = "file"
    still: ClassVar[bool] = False


@dataclass
class ImageSource(_FileBacked):
    """A still picture (PNG, JPEG, WebP...); its alpha channel is kept for the compositor."""

    type: ClassVar[str] = "image"
    still: ClassVar[bool] = True


@dataclass
class ColorSource:
    color: str = "#000000"
    type: ClassVar[str] = "color"
    still: ClassVar[bool] = True

    def to_json(self, relative_to: Optional[Path] = None) -> dict:
        return {"type": self.type, "color": self.color}

    @property
    def label(self) -> str:
        return f"colour {self.color}"


@dataclass
class TitleSource:
    text: str
    style: TitleStyle = field(default_factory=TitleStyle)
    type: ClassVar[str] = "title"
    still: ClassVar[bool] = True

    def to_json(self, relative_to: Optional[Path] = None) -> dict:
        d = {"type": self.type, "text": self.text}
        style = self.style.to_json()
        if style:
            d["style"] = style
        return d

    @property
    def label(self) -> str:
        first = self.text.splitlines()[0] if self.text else ""
        return f"title '{first[:30]}'"


@dataclass
class GeneratedSource:
    """A clip to be made by a video model from ``prompt``; shows a placeholder card until then."""

    prompt: str
    model: str = ""
    seed: int = 0
    type: ClassVar[str] = "generated"
    still: ClassVar[bool] = True

    def to_json(self, relative_to: Optional[Path] = None) -> dict:
        return {"type": self.type, "prompt": self.prompt, "model": self.model, "seed": self.seed}

    @property
    def label(self) -> str:
        return f"generated '{self.prompt[:30]}'"


Source = Union[MediaSource, ImageSource, ColorSource, TitleSource, GeneratedSource]
SOURCE_TYPES = {c.type: c for c in (MediaSource, ImageSource, ColorSource, TitleSource, GeneratedSource)}


def _rel(path: str, relative_to: Optional[Path]) -> str:
    if relative_to is None:
        return path
    try:
        return os.path.relpath(path, relative_to)
    except ValueError:  # another drive on Windows
        return path


def _path(value: Any, base: Optional[Path], what: str) -> str:
    expect(isinstance(value, str) and 0 < len(value) <= MAX_PATH and "\0" not in value,
           f"{what} needs a 'path' (up to {MAX_PATH} characters), got {short(value)}")
    if base is not None and not os.path.isabs(value):
        value = str((base / value).resolve())
    return value


def source_from_json(d: Any, base: Optional[Path] = None, what: str = "a clip") -> Source:
    """A source from v2 JSON (an object with a 'type'), or a v1 plain path string."""
    if isinstance(d, str):  # schema v1: the clip's source was its file path
        return MediaSource(_path(d, base, what))
    expect(isinstance(d, dict), f"{what}: 'source' must be an object with a 'type'")
    kind = d.get("type")
    expect(kind in SOURCE_TYPES, f"{what}: unknown source type {short(kind)} (known: {', '.join(SOURCE_TYPES)}; "
                                 f"a file from a newer t2v-desktop?)")
    if kind in ("file", "image"):
        return SOURCE_TYPES[kind](_path(d.get("path"), base, what))
    if kind == "color":
        return ColorSource(color(d.get("color", "#000000"), f"{what}: colour"))
    if kind == "title":
        body = d.get("text")
        expect(isinstance(body, str) and 0 < len(body.strip()) and len(body) <= MAX_TITLE_TEXT,
               f"{what}: a title needs text of 1 to {MAX_TITLE_TEXT} characters, got {short(body)}")
        return TitleSource(body, TitleStyle.from_json(d.get("style", {}), f"{what}: title style"))
    prompt = text(d.get("prompt"), f"{what}: prompt", MAX_TITLE_TEXT)
    expect(bool(prompt.strip()), f"{what}: a generated clip needs a prompt")
    seed = d.get("seed", 0)
    expect(isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2**32, f"{what}: seed must be 0..2^32-1")
    return GeneratedSource(prompt, text(d.get("model", ""), f"{what}: model", 500), seed)
