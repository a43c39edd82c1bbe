"""Looks: one-word colour grades (b&w, sepia, vintage, sunset, teal & orange, night, high contrast)
and .cube LUTs.

A look is a short fixed recipe of the fast primitives in ``color.py`` (tone tables, a colour
matrix) plus an optional vignette, so each costs a few ms per 1080p frame. ``amount`` blends the
result with the original. LUTs are expanded once into a full 256^3 table (trilinear, exact for
every 8-bit input) so applying one per frame is a single gather.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

from ..errors import MediaError, ParamError
from ..lazy import lazy
from .color import (
    _x,
    apply_matrix,
    apply_table,
    blend,
    contrast_curve,
    linear_to_srgb,
    luma_709,
    saturation_matrix,
    srgb_to_linear,
    to_table,
)
from .params import Float, Text
from .registry import FrameContext, OpKind, operation

cv2 = lazy("cv2")
np = lazy("numpy")

#: Folder of the bundled .cube files; ``lut`` accepts their names ("film", "bleach_bypass", ...).
LUT_DIR = Path(__file__).resolve().parent.parent / "resources" / "luts"



# ---------------------------------------------------------------- vignette


@lru_cache(maxsize=4)  # ~6 MB each at 1080p
def _vignette_mask(h: int, w: int, strength: float) -> np.ndarray:
    """HxWx3 uint8 gain (255 = unchanged): darkens smoothly towards the corners (elliptical)."""
    y = np.linspace(-1.0, 1.0, h, dtype=np.float32)[:, None]
    x = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :]
    r = np.sqrt((x * x + y * y) / 2.0)  # 0 centre, 1 corners
    t = np.clip((r - 0.35) / 0.65, 0.0, 1.0)
    gain = 1.0 - strength * t * t * (3 - 2 * t)
    mask = np.repeat(np.rint(gain * 255.0).astype(np.uint8)[:, :, None], 3, axis=2)
    mask.setflags(write=False)
    return mask


def vignette(frame: np.ndarray, strength: float) -> np.ndarray:
    h, w = frame.shape[:2]
    return cv2.multiply(frame, _vignette_mask(h, w, round(float(strength), 4)), scale=1.0 / 255.0)


# ---------------------------------------------------------------- look recipes


@dataclass(frozen=True)
class Look:
    """Stages applied in order: ("table", (256,1,3) uint8), ("matrix", 3x3) or ("vignette", strength)."""

    stages: tuple

    def apply(self, frame: np.ndarray) -> np.ndarray:
        out = frame
        for kind, value in self.stages:
            if kind == "table":
                out = apply_table(out, value)
            elif kind == "matrix":
                out = apply_matrix(out, value)
            else:
                out = vignette(out, value)
        return out if out is not frame else frame.copy()


def _gains_linear(x: np.ndarray, k: float) -> np.ndarray:
    return np.clip(linear_to_srgb(srgb_to_linear(x) * k), 0, 1)


def _lo(x: np.ndarray) -> np.ndarray:
    """Bump peaking (1.0) in the shadows (x = 1/3); zero at black and white."""
    return 6.75 * x * (1 - x) ** 2


def _hi(x: np.ndarray) -> np.ndarray:
    """Bump peaking (1.0) in the highlights (x = 2/3); zero at black and white."""
    return 6.75 * x * x * (1 - x)


def _sepia_matrix() -> np.ndarray:
    tone = np.array([1.10, 0.90, 0.66], np.float32)  # warm brown at full luma
    return tone[:, None] * luma_709()[None, :]


@lru_cache(maxsize=None)
def _look(name: str) -> Look:
    x = _x()
    if name == "sepia":
        fade = to_table(0.05 + 0.93 * x)
        return Look((("matrix", _sepia_matrix()), ("table", fade)))
    if name == "vintage":
        s = contrast_curve(-0.1)
        curves = to_table(0.06 + 0.90 * s ** 0.95, 0.05 + 0.88 * s, 0.10 + 0.72 * s)
        return Look((("matrix", saturation_matrix(0.7)), ("table", curves), ("vignette", 0.35)))
    if name == "sunset":
        s = contrast_curve(0.2)
        curves = to_table(_gains_linear(s, 1.28) + 0.03 * _hi(x), _gains_linear(s, 1.02),
                          _gains_linear(s, 0.68))
        return Look((("table", curves), ("matrix", saturation_matrix(1.2)), ("vignette", 0.25)))
    if name == "teal_orange":
        s = contrast_curve(0.15)
        curves = to_table(s - 0.06 * _lo(x) + 0.08 * _hi(x), s + 0.02 * _lo(x) + 0.01 * _hi(x),
                          s + 0.09 * _lo(x) - 0.10 * _hi(x))
        return Look((("table", curves), ("matrix", saturation_matrix(1.15))))
    if name == "night":
        dark = srgb_to_linear(contrast_curve(0.1)) * 2.0 ** -1.7
        curves = to_table(*(np.clip(linear_to_srgb(dark * k), 0, 1) for k in (0.72, 0.92, 1.35)))
        return Look((("matrix", saturation_matrix(0.35)), ("table", curves), ("vignette", 0.4)))
    if name == "high_contrast":
        return Look((("table", to_table(contrast_curve(0.85))), ("matrix", saturation_matrix(1.15))))
    raise KeyError(name)


def _look_op(name: str, description: str, synonyms: Sequence[str], examples: Sequence[str]) -> None:
    def fn(frame: np.ndarray, ctx: FrameContext, amount: float = 1.0) -> np.ndarray:
        return blend(_look(name).apply(frame), frame, float(amount))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = description
    operation(
        name,
        kind=OpKind.FRAME,
        params={"amount": _strength()},
        description=description,
        synonyms=tuple(synonyms),
        category="look",
        examples=tuple(examples),
    )(fn)
    globals()[name] = fn


def _strength(default: float = 1.0) -> Float:
    return Float(min=0, max=1, default=default, description="how much of the look: 0 none, 1 full",
                 small=0.3, large=0.7)


# ---------------------------------------------------------------- black & white (one matrix)


@operation(
    "black_and_white",
    kind=OpKind.FRAME,
    params={"amount": _strength()},
    description="Turn the picture black and white (Rec.709 luma).",
    synonyms=("grayscale", "greyscale", "monochrome", "b&w", "b/w", "black & white", "gray scale",
              "grey scale", "noir"),
    category="look",
    examples=("make it black and white", "black and white from 0:05 to 0:12", "half greyscale"),
)
def black_and_white(frame: np.ndarray, ctx: FrameContext, amount: float = 1.0) -> np.ndarray:
    # amount folds into the matrix: 1 -> every channel is the luma, 0 -> identity.
    return apply_matrix(frame, saturation_matrix(1.0 - float(amount)))


_look_op("sepia", "Old-photo brown tone.", ("sepia tone", "sepia toned"),
         ("make it sepia", "sepia look at 50%"))
_look_op("vintage", "Faded, warm, slightly desaturated film look with a vignette.",
         ("retro", "faded film", "old film look", "vintage film"),
         ("make it look vintage", "retro look", "vintage 50%"))
_look_op("sunset", "Warm golden light, like shooting at sunset.",
         ("golden hour", "golden light", "sunset look"),
         ("golden hour look", "make it look like sunset", "sunset 70%"))
_look_op("teal_orange", "Blockbuster grade: teal shadows, warm highlights and skin.",
         ("teal and orange", "orange and teal", "teal orange look", "blockbuster look", "cinematic look"),
         ("teal and orange grade", "make it cinematic", "teal orange 50%"))
_look_op("night", "Day-for-night: dark, cool, desaturated, as if shot at night.",
         ("day for night", "night look", "nighttime look", "night time look"),
         ("day for night", "make it look like night", "night look 80%"))
_look_op("high_contrast", "Punchy high-contrast grade with deeper blacks and brighter highlights.",
         ("punchy look", "high contrast look", "dramatic contrast"),
         ("high contrast look", "make it punchy", "high contrast 50%"))


# ---------------------------------------------------------------- .cube LUTs


@dataclass(frozen=True)
class CubeLUT:
    """A parsed .cube file. ``table`` is (N, N, N, 3) float32 indexed [b, g, r] for 3D, (N, 3) for 1D."""

    title: str
    size: int
    dims: int
    table: np.ndarray
    domain_min: tuple
    domain_max: tuple


def bundled_luts() -> list[str]:
    """Names accepted by ``lut`` without a path."""
    return sorted(p.stem for p in LUT_DIR.glob("*.cube"))


def resolve_lut_path(path: str) -> Path:
    """A bundled name ("film") or a file path -> an existing file; ParamError saying what exists."""
    raw = str(path or "").strip()
    names = ", ".join(bundled_luts()) or "none"
    if not raw:
        raise ParamError(f"'lut' needs a .cube file path or a bundled LUT name ({names}).")
    stem = raw[:-5] if raw.lower().endswith(".cube") else raw
    bundled = LUT_DIR / f"{stem}.cube"
    if os.sep not in raw and "/" not in raw and bundled.is_file():
        return bundled
    p = Path(raw).expanduser()
    if p.is_file():
        return p
    raise ParamError(f"LUT '{raw}' not found: give the path of a .cube file or a bundled name ({names}).")


def parse_cube(text: str, source: str = "LUT") -> CubeLUT:
    """Parse the Adobe/Resolve .cube format (1D or 3D). MediaError says what is wrong and where."""
    title, size, dims = "", 0, 0
    dmin, dmax = [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]
    rows: list = []

    def bad(lineno: int, why: str) -> MediaError:
        return MediaError(f"{source} is not a valid .cube LUT (line {lineno}: {why}).")

    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        head, _, rest = line.partition(" ")
        key = head.upper()
        if key == "TITLE":
            title = rest.strip().strip('"')
        elif key in ("LUT_3D_SIZE", "LUT_1D_SIZE"):
            if size:
                raise bad(lineno, "more than one LUT size")
            try:
                size = int(rest.split()[0])
            except (ValueError, IndexError):
                raise bad(lineno, f"size must be a whole number, got {rest.strip()!r}") from None
            dims = 3 if key == "LUT_3D_SIZE" else 1
            if not (2 <= size <= (256 if dims == 3 else 65536)):
                raise bad(lineno, f"unsupported size {size}")
        elif key in ("DOMAIN_MIN", "DOMAIN_MAX", "LUT_3D_INPUT_RANGE", "LUT_1D_INPUT_RANGE"):
            try:
                vals = [float(v) for v in rest.split()]
            except ValueError:
                raise bad(lineno, f"{head} needs numbers") from None
            if key.endswith("INPUT_RANGE"):
                if len(vals) != 2:
                    raise bad(lineno, f"{head} needs 2 numbers")
                dmin, dmax = [vals[0]] * 3, [vals[1]] * 3
            elif len(vals) != 3:
                raise bad(lineno, f"{head} needs 3 numbers")
            elif key == "DOMAIN_MIN":
                dmin = vals
            else:
                dmax = vals
        elif head[0].isalpha():
            continue  # other keywords (LUT_IN_VIDEO_RANGE, ...) do not change the mapping
        else:
            parts = line.split()
            try:
                vals = [float(v) for v in parts]
            except ValueError:
                raise bad(lineno, f"expected 3 numbers, got {line[:40]!r}") from None
            if len(vals) != 3 or not all(np.isfinite(vals)):
                raise bad(lineno, f"expected 3 finite numbers, got {line[:40]!r}")
            rows.append(vals)
    if not size:
        raise MediaError(f"{source} is not a valid .cube LUT (no LUT_3D_SIZE or LUT_1D_SIZE line).")
    want = size ** dims
    if len(rows) != want:
        raise MediaError(f"{source} is not a valid .cube LUT: {want} entries expected for size {size}, "
                         f"found {len(rows)}.")
    if any(hi <= lo for lo, hi in zip(dmin, dmax, strict=True)):
        raise MediaError(f"{source} is not a valid .cube LUT: DOMAIN_MAX must be above DOMAIN_MIN.")
    table = np.asarray(rows, np.float32)
    if dims == 3:
        table = table.reshape(size, size, size, 3)  # red varies fastest: [b, g, r]
    return CubeLUT(title, size, dims, table, tuple(dmin), tuple(dmax))


def load_cube(path: str | Path) -> CubeLUT:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise MediaError(f"{p.name} is not a valid .cube LUT (not a text file).") from None
    except OSError as e:
        raise MediaError(f"Cannot read LUT {p}: {e.strerror or e}.") from None
    return parse_cube(text, p.name)


def _axis_weights(n: int, lo: float, hi: float) -> np.ndarray:
    """(256, n) linear-interpolation weights of the 256 8-bit levels on an n-point grid over [lo, hi]."""
    v = np.clip((_x() - lo) / (hi - lo), 0.0, 1.0) * (n - 1)
    i0 = np.minimum(np.floor(v).astype(int), n - 2)
    f = v - i0
    w = np.zeros((256, n), np.float32)
    w[np.arange(256), i0] = 1.0 - f
    w[np.arange(256), i0 + 1] += f
    return w


def expand_cube(lut: CubeLUT) -> np.ndarray:
    """3D LUT -> (2^24,) little-endian uint32 table of packed RGB, indexed by R + 256 G + 65536 B.

    Trilinear interpolation is separable, so the grid is interpolated axis by axis (exact, ~1 s).
    """
    n = lut.size
    wr, wg, wb = (_axis_weights(n, lut.domain_min[c], lut.domain_max[c]) for c in range(3))
    t = np.einsum("bgrc,Rr->bgRc", lut.table, wr, optimize=True)     # (n, n, 256, 3)
    t = np.einsum("bgRc,Gg->bGRc", t, wg, optimize=True)             # (n, 256, 256, 3)
    out = np.empty((256, 256, 256), np.dtype("<u4"))                  # [B, G, R]
    for b in range(256):
        k0, k1 = np.nonzero(wb[b])[0][[0, -1]]
        slab = t[k0] * wb[b, k0] + (t[k1] * wb[b, k1] if k1 != k0 else 0.0)
        q = np.clip(np.rint(slab * 255.0), 0, 255).astype(np.uint32)
        out[b] = q[..., 0] | (q[..., 1] << 8) | (q[..., 2] << 16)
    return out.reshape(-1)


@lru_cache(maxsize=2)
def _prepared(path: str, mtime_ns: int, size: int):
    """Cached per file version (edited files reload): a full table (3D) or a cv2.LUT table (1D)."""
    lut = load_cube(path)
    if lut.dims == 1:
        chans = []
        for c in range(3):
            grid = np.linspace(lut.domain_min[c], lut.domain_max[c], lut.size)
            chans.append(np.interp(np.clip(_x(), grid[0], grid[-1]), grid, lut.table[:, c]))
        return "1d", to_table(*chans)
    return "3d", expand_cube(lut)


def prepare_lut(path: str) -> tuple:
    p = resolve_lut_path(path)
    st = p.stat()
    return _prepared(str(p.resolve()), st.st_mtime_ns, st.st_size)


def apply_full_table(frame: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Gather every pixel through a packed 2^24 table: RGB -> RGBA bytes -> uint32 index."""
    h, w = frame.shape[:2]
    idx = cv2.cvtColor(frame, cv2.COLOR_RGB2RGBA).view(np.dtype("<u4"))[..., 0] & np.uint32(0xFFFFFF)
    out = np.take(table, idx).view(np.uint8).reshape(h, w, 4)
    return cv2.cvtColor(out, cv2.COLOR_RGBA2RGB)


@operation(
    "lut",
    kind=OpKind.FRAME,
    params={
        "path": Text(default="", is_path=True,
                     description="a .cube file, or a bundled name: film, bleach_bypass, cross_process, faded"),
        "amount": _strength(),
    },
    description="Apply a colour grade from a .cube LUT file (or a bundled one by name).",
    synonyms=("3d lut", "cube lut", "lookup table", "look up table", "apply lut", "color lut", "colour lut"),
    category="look",
    examples=("apply lut film", "lut ~/grades/kodak.cube", "bleach bypass lut at 60%"),
)
def lut(frame: np.ndarray, ctx: FrameContext, path: str = "", amount: float = 1.0) -> np.ndarray:
    kind, table = prepare_lut(path)
    out = apply_table(frame, table) if kind == "1d" else apply_full_table(frame, table)
    return blend(out, frame, float(amount))


def write_cube(path: str | Path, fn: Callable[[np.ndarray], np.ndarray], size: int = 17,
               title: str = "") -> Path:
    """Write a 3D .cube of ``fn`` ((M, 3) RGB in 0..1 -> (M, 3)); used for the bundled LUTs and tests."""
    g = np.linspace(0.0, 1.0, size)
    b, gg, r = np.meshgrid(g, g, g, indexing="ij")  # red varies fastest
    rgb = np.stack([r.ravel(), gg.ravel(), b.ravel()], axis=1)
    out = np.clip(np.asarray(fn(rgb), np.float64), 0.0, 1.0)
    lines = [f'TITLE "{title}"'] if title else []
    lines += [f"LUT_3D_SIZE {size}", "DOMAIN_MIN 0.0 0.0 0.0", "DOMAIN_MAX 1.0 1.0 1.0"]
    lines += [f"{v[0]:.6f} {v[1]:.6f} {v[2]:.6f}" for v in out]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)
