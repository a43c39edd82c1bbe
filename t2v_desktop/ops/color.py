"""Colour corrections: brightness, contrast, saturation, exposure, gamma, temperature, tint, hue.

Each runs in one vectorised OpenCV pass per 1080p frame (a few ms): per-channel tone changes
are 256-entry tables applied with ``cv2.LUT`` (tables cached per parameter value), channel
mixing is a 3x3 matrix applied with ``cv2.transform``. The helpers here (tables, matrices) are
shared with ``looks.py`` so the looks are built from the same primitives.
"""

from __future__ import annotations

import functools
from functools import lru_cache

from ..lazy import lazy
from .params import Float
from .registry import FrameContext, OpKind, operation
from .yuv import YuvFormat, chroma_scale_yuv, curve_yuv

cv2 = lazy("cv2")
np = lazy("numpy")

#: Rec.709 luma weights (R, G, B): what "grey" means for b&w, saturation and looks.
@functools.lru_cache(maxsize=None)
def luma_709() -> "np.ndarray":
    """BT.709 luma weights (float32, read-only); a function so importing the op modules needs no numpy."""
    w = np.array([0.2126, 0.7152, 0.0722], np.float32)
    w.flags.writeable = False
    return w



@functools.lru_cache(maxsize=None)
def _x() -> "np.ndarray":
    """The 256 input levels as 0..1 floats (read-only), the x of every curve."""
    x = np.arange(256, dtype=np.float64) / 255.0
    x.flags.writeable = False
    return x


# ---------------------------------------------------------------- shared primitives


def to_table(r: np.ndarray, g: np.ndarray | None = None, b: np.ndarray | None = None) -> np.ndarray:
    """Curves sampled at the 256 input levels (0..1 floats) -> a (256, 1, 3) uint8 table for cv2.LUT."""
    g = r if g is None else g
    b = r if b is None else b
    t = np.stack([r, g, b], axis=-1) * 255.0
    t = np.clip(np.rint(t), 0, 255).astype(np.uint8).reshape(256, 1, 3)
    t.setflags(write=False)
    return t


def apply_table(frame: np.ndarray, table: np.ndarray) -> np.ndarray:
    return cv2.LUT(frame, table)


def saturation_matrix(s: float) -> np.ndarray:
    """Scale chroma by ``s`` around Rec.709 luma (s=0: grey, s=1: identity)."""
    grey = np.tile(luma_709(), (3, 1))
    return (s * np.eye(3, dtype=np.float32) + (1.0 - s) * grey).astype(np.float32)


def apply_matrix(frame: np.ndarray, m: np.ndarray) -> np.ndarray:
    """3x3 colour matrix on RGB uint8 (saturating)."""
    return cv2.transform(frame, np.asarray(m, np.float32))


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, None)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055)


def brightness_curve(amount: float) -> np.ndarray:
    """+a lifts towards white (x + a(1-x)), -a scales towards black (x(1+a)): no clipping, 0 is identity."""
    return _x() + amount * (1.0 - _x()) if amount >= 0 else _x() * (1.0 + amount)


def contrast_curve(amount: float) -> np.ndarray:
    """a > 0 blends towards a smooth S-curve (mid slope 3 at a = 1; black and white stay put, nothing
    clips); a < 0 flattens linearly around mid grey (-1 = flat grey)."""
    if amount >= 0:
        s_curve = 0.5 + 0.5 * np.tanh(6.0 * (_x() - 0.5)) / np.tanh(3.0)
        return (1.0 - amount) * _x() + amount * s_curve
    return 0.5 + (_x() - 0.5) * (1.0 + amount)


def exposure_curve(stops: float) -> np.ndarray:
    """Multiply by 2**stops in linear light (sRGB decoded and re-encoded)."""
    return np.clip(linear_to_srgb(srgb_to_linear(_x()) * 2.0 ** stops), 0, 1)


def gamma_curve(gamma: float) -> np.ndarray:
    """out = in ** (1/gamma): gamma > 1 brightens the mid-tones, < 1 darkens them; black and white stay."""
    return _x() ** (1.0 / gamma)


def temperature_gains(amount: float) -> tuple[float, float, float]:
    """Warmer (+): more red, less blue, a touch more green; cooler (-): the reverse."""
    return 2.0 ** (0.65 * amount), 2.0 ** (0.08 * amount), 2.0 ** (-0.65 * amount)


def tint_gains(amount: float) -> tuple[float, float, float]:
    """Magenta (+): less green, a little more red and blue; green (-): the reverse."""
    return 2.0 ** (0.15 * amount), 2.0 ** (-0.5 * amount), 2.0 ** (0.15 * amount)


def gains_tables(gains: tuple[float, float, float]) -> np.ndarray:
    """Per-channel gains in linear light (so a white balance shift looks natural)."""
    lin = srgb_to_linear(_x())
    r, g, b = (np.clip(linear_to_srgb(lin * k), 0, 1) for k in gains)
    return to_table(r, g, b)


def blend(out: np.ndarray, frame: np.ndarray, amount: float) -> np.ndarray:
    """``amount`` of ``out`` over the original (1 = out only)."""
    if amount >= 1.0:
        return out
    if amount <= 0.0:
        return frame.copy()
    return cv2.addWeighted(out, float(amount), frame, 1.0 - float(amount), 0.0)


# ---------------------------------------------------------------- cached tables


@lru_cache(maxsize=64)
def _brightness_table(amount: float) -> np.ndarray:
    return to_table(brightness_curve(amount))


@lru_cache(maxsize=64)
def _contrast_table(amount: float) -> np.ndarray:
    return to_table(contrast_curve(amount))


@lru_cache(maxsize=64)
def _exposure_table(stops: float) -> np.ndarray:
    return to_table(exposure_curve(stops))


@lru_cache(maxsize=64)
def _gamma_table(gamma: float) -> np.ndarray:
    return to_table(gamma_curve(gamma))


@lru_cache(maxsize=64)
def _temperature_table(amount: float) -> np.ndarray:
    return gains_tables(temperature_gains(amount))


@lru_cache(maxsize=64)
def _tint_table(amount: float) -> np.ndarray:
    return gains_tables(tint_gains(amount))


@lru_cache(maxsize=64)
def _hue_table(degrees: float) -> np.ndarray:
    """Table on HSV_FULL (hue 0..255 is 0..360 degrees): shift hue, keep S and V."""
    ident = np.arange(256)
    h = (ident + degrees * 256.0 / 360.0) % 256.0
    t = np.stack([np.rint(h) % 256, ident, ident], axis=-1).astype(np.uint8).reshape(256, 1, 3)
    t.setflags(write=False)
    return t


# ---------------------------------------------------------------- operations


def _amount(lo: float = -1.0, hi: float = 1.0, default: float = 0.2, desc: str = "") -> Float:
    return Float(min=lo, max=hi, default=default, description=desc, small=0.1, large=0.5)


@operation(
    "brightness",
    kind=OpKind.FRAME,
    params={"amount": _amount(default=0.2, desc="+ brighter, - darker; 1 = white, -1 = black")},
    description="Make the picture brighter or darker.",
    synonyms=("lightness", "brightness level"),
    category="color",
    examples=("brighter", "make it a bit darker", "brightness +30%"),
    yuv=lambda fmt, amount=0.2: curve_yuv(brightness_curve(float(amount))),
)
def brightness(frame: np.ndarray, ctx: FrameContext, amount: float = 0.2) -> np.ndarray:
    return apply_table(frame, _brightness_table(float(amount)))


@operation(
    "contrast",
    kind=OpKind.FRAME,
    params={"amount": _amount(default=0.2, desc="+ punchier, - flatter; -1 = flat grey")},
    description="Increase or reduce the difference between light and dark.",
    synonyms=("contrast level",),
    category="color",
    examples=("more contrast", "less contrast", "contrast +50%"),
    yuv=lambda fmt, amount=0.2: curve_yuv(contrast_curve(float(amount))),  # linear (amount <= 0) only
)
def contrast(frame: np.ndarray, ctx: FrameContext, amount: float = 0.2) -> np.ndarray:
    return apply_table(frame, _contrast_table(float(amount)))


@operation(
    "saturation",
    kind=OpKind.FRAME,
    params={"amount": _amount(default=0.3, desc="+ more colourful (1 = 3x), - less (-1 = grey)")},
    description="Make colours more vivid or more muted.",
    synonyms=("saturate", "vibrance", "colorfulness", "colourfulness", "color intensity"),
    category="color",
    examples=("more saturated", "desaturate a bit", "saturation -50%"),
    yuv=lambda fmt, amount=0.3: _saturation_yuv(fmt, amount),
)
def saturation(frame: np.ndarray, ctx: FrameContext, amount: float = 0.3) -> np.ndarray:
    return apply_matrix(frame, saturation_matrix(_saturation_factor(amount)))


def _saturation_factor(amount: float) -> float:
    return 1.0 + 2.0 * amount if amount > 0 else 1.0 + amount


def _saturation_yuv(fmt: YuvFormat, amount: float):
    """Scaling chroma keeps BT.709 luma, which is what saturation's grey is; other matrices'
    luma differs, so they take the RGB path."""
    return chroma_scale_yuv(_saturation_factor(float(amount))) if fmt.matrix == "ITU709" else None


@operation(
    "exposure",
    kind=OpKind.FRAME,
    params={"stops": Float(min=-4, max=4, default=0.5, unit=" stops", small=0.3, large=1.5,
                           description="light doubles per stop, measured in linear light")},
    description="Change exposure in photographic stops, like opening or closing the aperture.",
    synonyms=("exposure compensation", "ev"),
    category="color",
    examples=("exposure +1 stop", "underexpose by half a stop", "increase exposure"),
    yuv=lambda fmt, stops=0.5: curve_yuv(exposure_curve(float(stops))),  # only 0 stops is affine
)
def exposure(frame: np.ndarray, ctx: FrameContext, stops: float = 0.5) -> np.ndarray:
    return apply_table(frame, _exposure_table(float(stops)))


@operation(
    "gamma",
    kind=OpKind.FRAME,
    params={"gamma": Float(min=0.1, max=5, default=1.2,
                           description="> 1 brightens mid-tones, < 1 darkens them")},
    description="Brighten or darken the mid-tones, keeping black and white.",
    synonyms=("gamma correction", "midtones", "mid tones"),
    category="color",
    examples=("gamma 1.5", "lift the midtones", "gamma 0.8"),
    yuv=lambda fmt, gamma=1.2: curve_yuv(gamma_curve(float(gamma))),  # only gamma 1 is affine
)
def gamma(frame: np.ndarray, ctx: FrameContext, gamma: float = 1.2) -> np.ndarray:
    return apply_table(frame, _gamma_table(float(gamma)))


@operation(
    "temperature",
    kind=OpKind.FRAME,
    params={"amount": _amount(default=0.3, desc="+ warmer (orange), - cooler (blue)")},
    description="Shift the white balance warmer (orange) or cooler (blue).",
    synonyms=("white balance", "color temperature", "colour temperature"),
    category="color",
    examples=("make it warmer", "cooler", "temperature -0.5"),
)
def temperature(frame: np.ndarray, ctx: FrameContext, amount: float = 0.3) -> np.ndarray:
    return apply_table(frame, _temperature_table(float(amount)))


@operation(
    "tint",
    kind=OpKind.FRAME,
    params={"amount": _amount(default=0.2, desc="+ magenta, - green")},
    description="Shift colours towards magenta or green (the other white-balance axis).",
    synonyms=("color tint", "colour tint", "green magenta balance"),
    category="color",
    examples=("tint towards magenta", "more green tint", "tint -0.3"),
)
def tint(frame: np.ndarray, ctx: FrameContext, amount: float = 0.2) -> np.ndarray:
    return apply_table(frame, _tint_table(float(amount)))


@operation(
    "hue",
    kind=OpKind.FRAME,
    params={"degrees": Float(min=-180, max=180, default=30, unit=" deg", small=10, large=90,
                             description="rotation around the colour wheel (red -> yellow -> green is +)")},
    description="Rotate every colour around the colour wheel.",
    synonyms=("hue shift", "hue rotate", "hue rotation", "shift hue", "shift colors", "shift colours"),
    category="color",
    examples=("shift hue by 90 degrees", "hue -30", "rotate the hue 180"),
)
def hue(frame: np.ndarray, ctx: FrameContext, degrees: float = 30.0) -> np.ndarray:
    # Exact hue rotation in HSV (1.4 degree steps on 8-bit hue); S and V are untouched.
    hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV_FULL)
    hsv = cv2.LUT(hsv, _hue_table(float(degrees)))
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL)
