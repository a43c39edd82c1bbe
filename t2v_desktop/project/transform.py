"""Where a clip sits on the canvas (a clip property, not an op), and how a music track ducks.

A ``Transform``'s numeric fields may each be a number or a ``Keyframes`` (times in seconds from the
clip's first frame on its track), so "slowly zoom in" or "fade the title in" is a keyframed field.
Order of application (engine/compositor.py): crop -> fit -> scale -> rotate about the anchor ->
place the anchor at (x, y) -> opacity -> blend.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, Union

from .. import keyframes as kf
from .checks import choice, expect, number, short

FITS = ("contain", "cover", "native")
BLENDS = ("normal", "screen", "multiply", "add")
Num = Union[float, kf.Keyframes]


@dataclass
class Transform:
    x: Num = 0.5  # where the layer's anchor sits, fractions of the canvas width / height
    y: Num = 0.5
    anchor_x: Num = 0.5  # which point of the layer sits there, fractions of the layer
    anchor_y: Num = 0.5
    scale: Num = 1.0  # after fitting
    rotation: Num = 0.0  # degrees clockwise about the anchor
    crop_left: Num = 0.0  # fractions of the source cut away before fitting
    crop_top: Num = 0.0
    crop_right: Num = 0.0
    crop_bottom: Num = 0.0
    opacity: Num = 1.0
    fit: str = "contain"  # contain (letterbox, as v1) | cover | native (the source's own pixels)
    blend: str = "normal"

    BOUNDS: ClassVar[dict] = {
        "x": (-10.0, 10.0), "y": (-10.0, 10.0), "anchor_x": (-10.0, 10.0), "anchor_y": (-10.0, 10.0),
        "scale": (0.001, 100.0), "rotation": (-36000.0, 36000.0), "crop_left": (0.0, 0.99), "crop_top": (0.0, 0.99),
        "crop_right": (0.0, 0.99), "crop_bottom": (0.0, 0.99), "opacity": (0.0, 1.0),
    }

    def at(self, t: float) -> "Transform":
        """This transform with every keyframed field replaced by its value at ``t``."""
        if not self.animated:
            return self
        return replace(self, **{k: kf.value_at(getattr(self, k), t) for k in self.BOUNDS})

    @property
    def animated(self) -> bool:
        return any(isinstance(getattr(self, k), kf.Keyframes) for k in self.BOUNDS)

    @property
    def is_identity(self) -> bool:
        return self == Transform()

    def to_json(self) -> dict:
        default = Transform()
        return {f.name: kf.value_to_json(getattr(self, f.name)) for f in fields(self)
                if getattr(self, f.name) != getattr(default, f.name)}

    @classmethod
    def from_json(cls, d: Any, what: str = "transform") -> "Transform":
        expect(isinstance(d, dict), f"{what} must be an object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        expect(not unknown, f"{what} has unknown fields {short(unknown)} (known: {', '.join(sorted(known))})")
        out = cls()
        for key, value in d.items():
            if key in cls.BOUNDS:
                lo, hi = cls.BOUNDS[key]
                value = number(value, f"{what} '{key}'", lo, hi, animated=True)
            elif key == "fit":
                value = choice(value, f"{what} 'fit'", FITS)
            else:
                value = choice(value, f"{what} 'blend'", BLENDS)
            setattr(out, key, value)
        for a, b in (("crop_left", "crop_right"), ("crop_top", "crop_bottom")):
            va, vb = getattr(out, a), getattr(out, b)
            if not isinstance(va, kf.Keyframes) and not isinstance(vb, kf.Keyframes):
                expect(va + vb < 0.99, f"{what}: {a} + {b} must leave some picture (< 0.99)")
        return out


@dataclass
class Ducking:
    """A music track's sidechain: lowered by ``amount_db`` while the voice has sound."""

    amount_db: float = 12.0
    threshold_db: float = -35.0
    attack: float = 0.08
    release: float = 0.35

    BOUNDS: ClassVar[dict] = {"amount_db": (0.0, 60.0), "threshold_db": (-80.0, 0.0), "attack": (0.001, 5.0),
                              "release": (0.01, 10.0)}

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, d: Any, what: str = "ducking") -> "Ducking":
        expect(isinstance(d, dict), f"{what} must be an object")
        unknown = sorted(set(d) - set(cls.BOUNDS))
        expect(not unknown, f"{what} has unknown fields {short(unknown)}")
        return cls(**{k: number(v, f"{what} '{k}'", *cls.BOUNDS[k]) for k, v in d.items()})
