"""Titles, burned-in subtitle cues and placeholder cards as RGB + alpha layers, drawn with Pillow.

No Qt: the CLI and export render titles exactly like the preview. Fonts: "Sans" is the bundled
DejaVu Sans (resources/fonts/); other families are looked up with ``fc-match`` when fontconfig is
there, else by scanning the usual font folders of Linux, macOS and Windows; a family that is not
installed falls back to DejaVu Sans with a warning the Renderer shows.

A style is duck-typed (``project.sources.TitleStyle``, a SimpleNamespace or a dict): a missing
field takes the TitleStyle default. Sizes, outline and shadow are pixels on a 1080-pixel-high
canvas, scaled by H/1080. The returned RGB is straight (not premultiplied); the compositor blends
``rgb * a + below * (1 - a)``. Both arrays are cached and read-only: a title renders once.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import numpy as np

from ..errors import ParamError

FONTS_DIR = Path(__file__).resolve().parents[1] / "resources" / "fonts"
BUNDLED_FAMILY = "DejaVu Sans"
_BUNDLED_FILES = {  # (bold, italic) -> file
    (False, False): "DejaVuSans.ttf", (True, False): "DejaVuSans-Bold.ttf",
    (False, True): "DejaVuSans-Oblique.ttf", (True, True): "DejaVuSans-BoldOblique.ttf",
}
_BUNDLED_NAMES = {"", "sans", "sans-serif", "sans serif", "dejavu sans"}
FONT_EXTENSIONS = (".ttf", ".otf", ".ttc", ".otc")

MAX_TITLE_CHARS = 2000  # = project.checks.MAX_TITLE_TEXT
MAX_TITLE_LINES = 20  # after wrapping
MAX_PLACEHOLDER_PROMPT = 200  # characters of a prompt shown on a placeholder card

# TitleStyle's fields and defaults (project/sources.py); a style object lacking one gets these.
TITLE_DEFAULTS: Dict[str, Any] = {
    "font": "Sans", "size": 64.0, "weight": "bold", "italic": False, "color": "#ffffff",
    "outline": 0.0, "outline_color": "#000000", "shadow": 0.0, "shadow_color": "#000000a0",
    "box": False, "box_color": "#000000a0", "box_padding": 0.35, "align": "center",
    "x": 0.5, "y": 0.5, "anchor_x": 0.5, "anchor_y": 0.5, "wrap": 0.9, "line_spacing": 1.2,
}
# Subtitles' look: bottom centre on a dark box, normal weight (= project.sources.subtitle_style()).
SUBTITLE_STYLE: Dict[str, Any] = {
    **TITLE_DEFAULTS, "size": 46.0, "weight": "normal", "box": True, "box_color": "#000000b0",
    "box_padding": 0.3, "y": 0.93, "anchor_y": 1.0, "wrap": 0.8,
}
PLACEHOLDER_BACKGROUND = (30, 36, 48)
_PLACEHOLDER_STYLE = {**TITLE_DEFAULTS, "size": 40.0, "weight": "normal", "wrap": 0.8, "color": "#c8d0e0"}

_FIELDS = tuple(TITLE_DEFAULTS)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_COLOR = re.compile(r"^#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?$")
_BAND = 128  # rows composited at a time
CACHE_BYTES = 192 * 1024 * 1024  # rendered titles kept (a 1080p full-canvas title is ~8 MB, its layer less)


class _ByteLRU:
    """Least-recently-used arrays within a byte budget (the newest entry is always kept)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._d: "OrderedDict[Any, Tuple[Any, int]]" = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            hit = self._d.get(key)
            if hit is None:
                return None
            self._d.move_to_end(key)
            return hit[0]

    def put(self, key: Any, value: Any, nbytes: int) -> None:
        with self._lock:
            if key in self._d:
                self._bytes -= self._d.pop(key)[1]
            self._d[key] = (value, nbytes)
            self._bytes += nbytes
            while self._bytes > self.budget and len(self._d) > 1:
                self._bytes -= self._d.popitem(last=False)[1][1]

    def clear(self) -> None:
        with self._lock:
            self._d.clear()
            self._bytes = 0


_RENDERED = _ByteLRU(CACHE_BYTES)  # (kind, text, style values, (W, H)) -> arrays
_DRAW_LOCK = threading.Lock()  # FreeType faces are shared between threads; draw one title at a time


# -- fonts ------------------------------------------------------------------------------------------


def bundled_font(bold: bool = False, italic: bool = False) -> str:
    return str(FONTS_DIR / _BUNDLED_FILES[(bool(bold), bool(italic))])


def find_font(family: str, weight: str = "normal", italic: bool = False) -> Tuple[str, Optional[str]]:
    """(font file, warning or None) for a family: "Sans" is the bundled DejaVu Sans; a family that
    is not installed falls back to it and says so."""
    bold = str(weight).lower() == "bold"
    name = " ".join(str(family or "").split())
    if name.lower() in _BUNDLED_NAMES:
        return bundled_font(bold, italic), None
    if name.lower().endswith(FONT_EXTENSIONS) and os.path.isfile(name):  # a font file named directly
        return os.path.abspath(name), None
    found = _system_font(name.lower(), bold, bool(italic))
    if found:
        return found, None
    return bundled_font(bold, italic), f"Font '{name[:80]}' is not installed; using {BUNDLED_FAMILY}."


@lru_cache(maxsize=256)
def _system_font(family: str, bold: bool, italic: bool) -> Optional[str]:
    if shutil.which("fc-match"):
        answer = _fc_match(family, bold, italic)
        if answer is not None:  # fontconfig answered: trust it (it knows every folder it reads)
            return answer or None
    return _scan(family, bold, italic)


def _fc_match(family: str, bold: bool, italic: bool) -> Optional[str]:
    """The file fontconfig picks for the family, "" when it would substitute another family,
    None when fc-match could not be run."""
    escaped = re.sub(r"([\\:,=-])", r"\\\1", family)
    pattern = f"{escaped}:weight={'bold' if bold else 'regular'}:slant={'italic' if italic else 'roman'}"
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\\n%{family}\\n", pattern], capture_output=True,
                             text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    parts = out.stdout.split("\n")
    if out.returncode != 0 or len(parts) < 2 or not parts[0]:
        return None
    families = {f.strip().lower() for f in parts[1].split(",")}
    return parts[0] if family in families and os.path.isfile(parts[0]) else ""


def font_dirs() -> List[Path]:
    """The usual font folders of this platform (user folders included)."""
    home = Path.home()
    if sys.platform == "win32":
        windir = os.environ.get("WINDIR", r"C:\Windows")
        local = os.environ.get("LOCALAPPDATA", str(home / "AppData" / "Local"))
        return [Path(windir) / "Fonts", Path(local) / "Microsoft" / "Windows" / "Fonts"]
    if sys.platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/Library/Fonts"), home / "Library" / "Fonts"]
    data = os.environ.get("XDG_DATA_HOME", str(home / ".local" / "share"))
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path(data) / "fonts", home / ".fonts"]


_SCAN_LOCK = threading.Lock()
_INDEX: Dict[Tuple[str, ...], List[Tuple[str, str, str]]] = {}  # folders -> [(path, family, style)]


def _font_files(dirs: List[Path]) -> List[str]:
    files = []
    for d in dirs:
        for root, _subdirs, names in os.walk(d):
            files += [os.path.join(root, n) for n in names if n.lower().endswith(FONT_EXTENSIONS)]
    return sorted(files)


def _names(path: str) -> Optional[Tuple[str, str]]:
    from PIL import ImageFont

    try:
        fam, style = ImageFont.truetype(path, 12).getname()
    except Exception:  # noqa: BLE001 - an unreadable font file in a system folder is skipped
        return None
    return (fam or "").lower(), (style or "").lower()


def _scan(family: str, bold: bool, italic: bool) -> Optional[str]:
    """A font of ``family`` found in the font folders by its name metadata (files whose names look
    like the family are opened first; the full index is built once per process if they miss)."""
    key = tuple(str(d) for d in font_dirs())
    squashed = re.sub(r"[\s_-]", "", family)
    with _SCAN_LOCK:
        files = _font_files([Path(d) for d in key])
        likely = [f for f in files if re.sub(r"[\s_-]", "", Path(f).stem.lower()).startswith(squashed)]
        hits = [(f, *n) for f in likely if (n := _names(f)) and n[0] == family]
        if not hits:
            if key not in _INDEX:
                _INDEX[key] = [(f, *n) for f in files if (n := _names(f))]
            hits = [h for h in _INDEX[key] if h[1] == family]
    if not hits:
        return None

    def fit(hit: Tuple[str, str, str]) -> Tuple[int, int]:
        style = hit[2]
        is_bold = any(w in style for w in ("bold", "black", "heavy"))
        is_italic = "italic" in style or "oblique" in style
        return ((is_bold == bold) + (is_italic == italic), -len(style))

    return max(hits, key=fit)[0]


@lru_cache(maxsize=64)
def _font(path: str, size: float):
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


def _load_font(path: str, size: float, bold: bool, italic: bool) -> Tuple[Any, Optional[str]]:
    try:
        return _font(path, size), None
    except Exception:  # noqa: BLE001 - a broken system font file: fall back, say so
        return _font(bundled_font(bold, italic), size), (
            f"Font file {os.path.basename(path)} cannot be read; using {BUNDLED_FAMILY}.")


# -- styles -----------------------------------------------------------------------------------------


def _values(style: Any, defaults: Dict[str, Any]) -> Tuple:
    """The style's field values in _FIELDS order (hashable: the cache key), checked."""
    get = style.get if isinstance(style, dict) else (lambda k, d: getattr(style, k, d))
    v = {k: (defaults[k] if style is None else get(k, defaults[k])) for k in _FIELDS}
    for k in ("size", "outline", "shadow", "box_padding", "x", "y", "anchor_x", "anchor_y", "wrap", "line_spacing"):
        ok = isinstance(v[k], (int, float)) and not isinstance(v[k], bool) and math.isfinite(v[k])
        if not ok:
            raise ParamError(f"Title style '{k}' must be a number, got {str(v[k])[:40]!r}.")
        v[k] = float(v[k])
    if not 1.0 <= v["size"] <= 2000.0:
        raise ParamError(f"Title size must be 1 to 2000 pixels (at 1080 high), got {v['size']:g}.")
    if v["outline"] < 0 or v["shadow"] < 0 or v["box_padding"] < 0 or not 0 <= v["wrap"] <= 1:
        raise ParamError("Title outline, shadow and box padding must be 0 or more, and wrap 0 to 1.")
    if not 0.5 <= v["line_spacing"] <= 5:
        raise ParamError(f"Title line spacing must be 0.5 to 5, got {v['line_spacing']:g}.")
    if v["align"] not in ("left", "center", "right"):
        raise ParamError(f"Title alignment must be left, center or right, got {str(v['align'])[:20]!r}.")
    for k in ("color", "outline_color", "shadow_color", "box_color"):
        _rgba(v[k], k)
    return tuple(v[k] for k in _FIELDS)


def _rgba(value: Any, what: str = "color") -> Tuple[float, float, float, float]:
    m = _COLOR.match(value) if isinstance(value, str) else None
    if not m:
        raise ParamError(f"Title {what} must be a colour '#rrggbb' or '#rrggbbaa', got {str(value)[:20]!r}.")
    h = m.group(1) + (m.group(2) or "ff")
    return tuple(int(h[i:i + 2], 16) / 255.0 for i in (0, 2, 4, 6))


def _clean(text: Any) -> str:
    if not isinstance(text, str):
        raise ParamError(f"A title's text must be text, got {type(text).__name__}.")
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    "))
    if not text.strip():
        raise ParamError("A title needs some text: give the words to show, e.g. add a title 'Summer Sale'.")
    if len(text) > MAX_TITLE_CHARS:
        raise ParamError(f"A title has {len(text):,} characters; the most is {MAX_TITLE_CHARS:,}. "
                         "Shorten it or split it into several titles.")
    return text


# -- layout -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TitleLayout:
    """Where a title's pieces sit on the canvas (integer pixels; rects are (x0, y0, x1, y1), x1/y1
    exclusive). ``text_rect`` spans the lines' advance widths, the font's ascent..descent and every
    glyph's ink, outline included; ``block_rect`` is what is anchored and kept on the canvas (the box,
    ``box_padding`` ems around the text, when there is one)."""

    lines: Tuple[str, ...]
    font_path: str
    size_px: float
    stroke_px: float
    shadow_px: float
    line_origins: Tuple[Tuple[int, int], ...]  # each line's left/top (ascender line)
    text_rect: Tuple[int, int, int, int]
    box_rect: Optional[Tuple[int, int, int, int]]
    block_rect: Tuple[int, int, int, int]
    warning: Optional[str]


def _wrap(paragraph: str, font: Any, max_w: float, limit: int) -> List[str]:
    """Greedy word wrap to ``max_w`` pixels; a word longer than a line is broken between letters."""
    if max_w <= 0 or font.getlength(paragraph) <= max_w:
        return [paragraph]
    lines: List[str] = []
    current = ""
    for word in paragraph.split(" "):
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= max_w:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while len(current) > 1 and font.getlength(current) > max_w:  # break a long word
            lo, hi = 1, len(current) - 1  # the longest head that fits (at least one letter)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if font.getlength(current[:mid]) <= max_w else (lo, mid - 1)
            lines.append(current[:lo])
            current = current[lo:]
            if len(lines) > limit:
                return lines
        if len(lines) > limit:
            return lines
    lines.append(current)
    return lines


def layout_title(text: str, style: Any, canvas_size: Tuple[int, int], subtitle: bool = False) -> TitleLayout:
    """Lines, font and positions of a title (or a cue) at ``canvas_size`` (W, H); ParamError for bad text."""
    defaults = SUBTITLE_STYLE if subtitle else TITLE_DEFAULTS
    return _layout(_clean(text), _values(style, defaults), _canvas(canvas_size))


def _canvas(canvas_size: Tuple[int, int]) -> Tuple[int, int]:
    w, h = (int(canvas_size[0]), int(canvas_size[1]))
    if not (1 <= w <= 16384 and 1 <= h <= 16384):
        raise ParamError(f"A title's canvas must be 1 to 16384 pixels a side, got {w}x{h}.")
    return w, h


def _layout(text: str, values: Tuple, canvas: Tuple[int, int]) -> TitleLayout:
    v = dict(zip(_FIELDS, values, strict=True))
    w, h = canvas
    scale = h / 1080.0
    bold, italic = v["weight"] == "bold", bool(v["italic"])
    path, warning = find_font(v["font"], v["weight"], italic)
    size = max(1.0, v["size"] * scale)
    font, bad = _load_font(path, size, bold, italic)
    warning = warning or bad
    stroke = v["outline"] * scale
    max_w = v["wrap"] * w - 2 * stroke if v["wrap"] > 0 else 0.0
    lines: List[str] = []
    for paragraph in text.split("\n"):
        lines += _wrap(paragraph, font, max(max_w, 1.0) if v["wrap"] > 0 else 0.0, MAX_TITLE_LINES)
        if len(lines) > MAX_TITLE_LINES:
            raise ParamError(f"This title needs more than {MAX_TITLE_LINES} lines at this size and wrap; "
                             "shorten it, make it smaller or widen its wrap.")
    ascent, descent = font.getmetrics()
    pitch = v["line_spacing"] * size
    widths = [font.getlength(line) for line in lines]
    inner_w = max(widths)
    tw = inner_w + 2 * stroke
    th = (len(lines) - 1) * pitch + ascent + descent + 2 * stroke
    shift = {"left": 0.0, "center": 0.5, "right": 1.0}[v["align"]]
    local = [(round(stroke + shift * (inner_w - lw)), round(stroke + i * pitch)) for i, lw in enumerate(widths)]
    # the text's rectangle, relative to the text area: the advance box and every line's ink (a bold
    # J or an italic f reaches past its advance), outline included
    x0, y0, x1, y1 = 0, 0, math.ceil(tw), math.ceil(th)
    for (ox, oy), line in zip(local, lines, strict=True):
        if line.strip():
            gl, gt, gr, gb = font.getbbox(line, stroke_width=stroke)
            x0, y0 = min(x0, ox + math.floor(gl)), min(y0, oy + math.floor(gt))
            x1, y1 = max(x1, ox + math.ceil(gr)), max(y1, oy + math.ceil(gb))
    pad = round(v["box_padding"] * size) if v["box"] else 0
    bw, bh = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    left = round(_clamp(v["x"] * w - v["anchor_x"] * bw, w - bw))
    top = round(_clamp(v["y"] * h - v["anchor_y"] * bh, h - bh))
    block = (left, top, left + bw, top + bh)
    dx, dy = left + pad - x0, top + pad - y0
    text_rect = (x0 + dx, y0 + dy, x1 + dx, y1 + dy)
    origins = tuple((ox + dx, oy + dy) for ox, oy in local)
    return TitleLayout(tuple(lines), getattr(font, "path", path), size, stroke, v["shadow"] * scale, origins,
                       text_rect, block if v["box"] else None, block, warning)


def _clamp(pos: float, far: float) -> float:
    """Keep a block on the canvas: 0 <= pos <= canvas - block (a block wider than the canvas covers it)."""
    return min(max(pos, min(0.0, far)), max(0.0, far))


# -- drawing ----------------------------------------------------------------------------------------


class TitleLayer(NamedTuple):
    """A title cropped to what it draws: straight ``rgb`` (h x w x 3), ``alpha`` (h x w), and where
    its top-left pixel sits on the canvas. Blending only this region is cheaper than a full frame."""

    rgb: np.ndarray
    alpha: np.ndarray
    x: int
    y: int


def render_title(text: str, style: Any, canvas_size: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """(rgb HxWx3 uint8 straight colour, alpha HxW uint8) of a title on a transparent canvas (W, H).
    Cached by (text, style, size); the arrays are shared and read-only."""
    return _full(text, style, canvas_size, TITLE_DEFAULTS)


def render_cue(text: str, style: Any, canvas_size: Tuple[int, int],
               highlight: Optional[Tuple[int, str]] = None) -> Tuple[np.ndarray, np.ndarray]:
    """A subtitle cue burned in: a title with the subtitle defaults (bottom centre on a box) for any
    field ``style`` (None: all of them) lacks; the cue's own line breaks are kept. ``highlight``
    (word index, '#rrggbb'): that word of the laid-out text is filled in that colour (karaoke)."""
    return _full(text, style, canvas_size, SUBTITLE_STYLE, _highlight(highlight))


def render_title_layer(text: str, style: Any, canvas_size: Tuple[int, int]) -> TitleLayer:
    """render_title cropped to its drawn pixels (cached, read-only): for a compositor that blends
    only the region a title covers."""
    return _layer(text, style, canvas_size, TITLE_DEFAULTS)


def render_cue_layer(text: str, style: Any, canvas_size: Tuple[int, int]) -> TitleLayer:
    """render_cue cropped to its drawn pixels (cached, read-only)."""
    return _layer(text, style, canvas_size, SUBTITLE_STYLE)


def title_warning(style: Any) -> Optional[str]:
    """The font fallback warning a title with this style gives (None when its font is there)."""
    get = style.get if isinstance(style, dict) else (lambda k, d: getattr(style, k, d))
    return find_font(get("font", "Sans"), get("weight", "bold"), bool(get("italic", False)))[1]


def _highlight(highlight: Any) -> Optional[Tuple[int, str]]:
    if highlight is None:
        return None
    index, colour = highlight
    _rgba(colour, "highlight colour")
    return int(index), colour


def _layer(text: str, style: Any, canvas_size, defaults, highlight: Optional[Tuple[int, str]] = None) -> TitleLayer:
    values = _values(style, defaults)
    canvas = _canvas(canvas_size)
    text = _clean(text)
    key = ("layer", text, values, canvas, highlight)
    hit = _RENDERED.get(key)
    if hit is not None:
        return hit
    try:
        with _DRAW_LOCK:
            layer = _draw(_layout(text, values, canvas), dict(zip(_FIELDS, values, strict=True)), canvas, highlight)
    except (OSError, ValueError, MemoryError) as e:  # FreeType refusing a huge glyph, etc.
        raise ParamError(f"This title cannot be drawn at size {values[1]:g} ({str(e)[:60]}); "
                         "make it smaller.") from None
    layer.rgb.setflags(write=False)
    layer.alpha.setflags(write=False)
    _RENDERED.put(key, layer, layer.alpha.nbytes * 4)
    return layer


def _full(text: str, style: Any, canvas_size, defaults,
          highlight: Optional[Tuple[int, str]] = None) -> Tuple[np.ndarray, np.ndarray]:
    values = _values(style, defaults)
    canvas = _canvas(canvas_size)
    text = _clean(text)
    key = ("full", text, values, canvas, highlight)
    hit = _RENDERED.get(key)
    if hit is not None:
        return hit
    layer = _layer(text, style, canvas, defaults, highlight)
    w, h = canvas
    rgb = np.zeros((h, w, 3), np.uint8)
    alpha = np.zeros((h, w), np.uint8)
    lh, lw = layer.alpha.shape
    rgb[layer.y:layer.y + lh, layer.x:layer.x + lw] = layer.rgb
    alpha[layer.y:layer.y + lh, layer.x:layer.x + lw] = layer.alpha
    rgb.setflags(write=False)
    alpha.setflags(write=False)
    _RENDERED.put(key, (rgb, alpha), alpha.nbytes * 4)
    return rgb, alpha


def word_rects(lay: TitleLayout) -> List[Tuple[int, int, int, int]]:
    """Each whitespace-separated word of the laid-out lines, in reading order: its rectangle on the
    canvas (x0, y0, x1, y1), from its advance, widened by half a space each side so its ink (and
    anti-aliasing) is inside and the next word's is not."""
    font = _font(lay.font_path, lay.size_px)
    ascent, descent = font.getmetrics()
    half = font.getlength(" ") / 2
    rects = []
    for line, (lx, ly) in zip(lay.lines, lay.line_origins, strict=True):
        for m in re.finditer(r"\S+", line):
            x0 = lx + font.getlength(line[:m.start()]) - half
            x1 = lx + font.getlength(line[:m.end()]) + half
            rects.append((math.floor(x0), math.floor(ly - lay.stroke_px),
                          math.ceil(x1), math.ceil(ly + ascent + descent + lay.stroke_px)))
    return rects


def _draw(lay: TitleLayout, v: Dict[str, Any], canvas: Tuple[int, int],
          highlight: Optional[Tuple[int, str]] = None) -> TitleLayer:
    """The title's pixels within the canvas, cropped to what is drawn; ``highlight`` fills one
    word in another colour."""
    from PIL import Image, ImageDraw

    w, h = canvas
    font = _font(lay.font_path, lay.size_px)
    shadow = int(round(lay.shadow_px))
    margin = 2  # text_rect holds the ink; a pixel or two of anti-aliasing past it
    x0, y0, x1, y1 = lay.block_rect
    # the region drawn: the block, the text and its shadow, on the canvas
    rx0, ry0 = max(0, min(x0, lay.text_rect[0] - margin)), max(0, min(y0, lay.text_rect[1] - margin))
    rx1 = min(w, max(x1, lay.text_rect[2] + margin + shadow))
    ry1 = min(h, max(y1, lay.text_rect[3] + margin + shadow))
    if rx1 <= rx0 or ry1 <= ry0:
        return TitleLayer(np.zeros((0, 0, 3), np.uint8), np.zeros((0, 0), np.uint8), 0, 0)
    rw, rh = rx1 - rx0, ry1 - ry0
    rgb = np.zeros((rh, rw, 3), np.uint8)
    alpha = np.zeros((rh, rw), np.uint8)

    def mask(dx: int, dy: int, stroke: float) -> np.ndarray:
        img = Image.new("L", (rw, rh), 0)
        d = ImageDraw.Draw(img)
        for line, (lx, ly) in zip(lay.lines, lay.line_origins, strict=True):
            if line:
                d.text((lx - rx0 + dx, ly - ry0 + dy), line, fill=255, font=font,
                       stroke_width=stroke, stroke_fill=255)
        return np.asarray(img)

    layers = []  # (coverage uint8, colour), bottom to top
    if lay.box_rect is not None:
        box = np.zeros((rh, rw), np.uint8)
        box[max(0, y0 - ry0):max(0, y1 - ry0), max(0, x0 - rx0):max(0, x1 - rx0)] = 255
        layers.append((box, v["box_color"]))
    if shadow > 0:
        layers.append((mask(shadow, shadow, lay.stroke_px), v["shadow_color"]))
    fill = mask(0, 0, 0)
    if lay.stroke_px > 0:
        outline = mask(0, 0, lay.stroke_px)
        if _rgba(v["color"])[3] < 1.0:  # under translucent text only the ring shows (no tinted letters)
            outline = outline - np.minimum(fill, outline)
        layers.append((outline, v["outline_color"]))
    rects = word_rects(lay) if highlight is not None else []
    if highlight is not None and 0 <= highlight[0] < len(rects):
        x0w, y0w, x1w, y1w = rects[highlight[0]]
        region = np.zeros((rh, rw), bool)
        region[max(0, y0w - ry0):max(0, y1w - ry0), max(0, x0w - rx0):max(0, x1w - rx0)] = True
        layers.append((np.where(region, 0, fill).astype(np.uint8), v["color"]))
        layers.append((np.where(region, fill, 0).astype(np.uint8), highlight[1]))
    else:
        layers.append((fill, v["color"]))
    colors = [(np.float32(q[3]), [np.float32(c) for c in q[:3]]) for q in (_rgba(c) for _, c in layers)]
    for b0 in range(0, rh, _BAND):  # in bands of rows: float memory stays small at any canvas size
        b1 = min(rh, b0 + _BAND)
        _composite([m[b0:b1] for m, _ in layers], colors, rgb[b0:b1], alpha[b0:b1])
    rows, cols = np.nonzero(alpha.any(axis=1))[0], np.nonzero(alpha.any(axis=0))[0]
    if not len(rows):
        return TitleLayer(rgb[:0, :0], alpha[:0, :0], rx0, ry0)
    (t, b), (le, r) = (rows[0], rows[-1] + 1), (cols[0], cols[-1] + 1)
    return TitleLayer(rgb[t:b, le:r].copy(), alpha[t:b, le:r].copy(), rx0 + int(le), ry0 + int(t))
    return rgb, alpha


def _composite(masks, colors, rgb_out: np.ndarray, alpha_out: np.ndarray) -> None:
    """Layers (coverage, colour with alpha) "over" each other with premultiplied colour, written out
    as straight colour and alpha."""
    shape = masks[0].shape
    premul = np.zeros((3,) + shape, np.float32)
    cover = np.zeros(shape, np.float32)
    tmp = np.empty(shape, np.float32)
    for m, (a, channels) in zip(masks, colors, strict=True):
        if not m.any():
            continue
        k = m.astype(np.float32)
        k *= a / np.float32(255.0)
        inv = np.subtract(np.float32(1.0), k)
        for plane, c in zip(premul, channels, strict=True):
            plane *= inv
            plane += np.multiply(k, c, out=tmp)
        cover *= inv
        cover += k
    scale = np.divide(np.float32(255.0), cover, out=np.zeros_like(cover), where=cover > 0)
    for i, plane in enumerate(premul):
        plane *= scale
        plane += np.float32(0.5)
        rgb_out[..., i] = np.clip(plane, 0, 255, out=plane)
    cover *= np.float32(255.0)
    cover += np.float32(0.5)
    alpha_out[...] = np.clip(cover, 0, 255, out=cover)


def render_placeholder(prompt: str, canvas_size: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """The opaque card a GeneratedSource shows until it is generated: a dark background with
    "Generated clip (pending): <prompt>"."""
    canvas = _canvas(canvas_size)
    words = " ".join(str(prompt or "").split())
    if len(words) > MAX_PLACEHOLDER_PROMPT:
        words = words[:MAX_PLACEHOLDER_PROMPT - 1].rstrip() + "\u2026"
    text = f"Generated clip (pending): {words}" if words else "Generated clip (pending)"
    key = ("placeholder", text, canvas)
    hit = _RENDERED.get(key)
    if hit is not None:
        return hit
    w, h = canvas
    card = np.empty((h, w, 3), np.uint8)
    card[:] = PLACEHOLDER_BACKGROUND
    layer = render_title_layer(text, _PLACEHOLDER_STYLE, canvas)
    lh, lw = layer.alpha.shape
    k = layer.alpha.astype(np.float32)[..., None] / 255.0
    region = card[layer.y:layer.y + lh, layer.x:layer.x + lw]
    region[:] = np.clip(layer.rgb * k + region * (1.0 - k) + 0.5, 0, 255).astype(np.uint8)
    out = (card, np.full((h, w), 255, np.uint8))
    for arr in out:
        arr.setflags(write=False)
    _RENDERED.put(key, out, card.nbytes + w * h)
    return out


def clear_cache() -> None:
    """Forget rendered titles (tests)."""
    _RENDERED.clear()
