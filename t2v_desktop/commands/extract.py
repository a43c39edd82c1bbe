"""Per-operation details in a clause: crop aspect, resize size, rotate direction, LUT path, freeze time..."""

from __future__ import annotations

import re

from .amounts import level_value
from .clause import Clause
from .lexicon import FLIP_HORIZONTAL, FLIP_VERTICAL, LEVELS
from .numbers import take_intensity, take_quantity, to_float
from .phrases import spec_for
from .plan import ParseError
from .timecode import BARE, DURATION, TIME, take_time


def _x_crop(work: Clause, params: dict, matched: str) -> None:
    m = re.search(r"(?<![\d.:])(?P<a>\d{1,2})\s*(?::|x|/|by|to)\s*(?P<b>\d{1,2})(?![\d:])", work.low)
    if m:
        params["aspect"] = f"{m.group('a')}:{m.group('b')}"
        work.blank(m.start(), m.end())
        return
    words = matched + " " + work.low
    for pattern, aspect in ((r"(?:insta(?:gram)?|ig|facebook|fb)\s+portrait|portrait\s+(?:insta(?:gram)?|ig)", "4:5"),
                            (r"vertical|portrait|tik[\s-]?tok|reels?|shorts|stories|story", "9:16"),
                            (r"square|insta(?:gram)?|ig|facebook|fb", "1:1"),
                            (r"widescreen|landscape|horizontal|youtube|yt", "16:9"),
                            (r"cinemascope|anamorphic|ultra-?wide|cinematic|letterbox(?:ed)?", "21:9")):
        mm = re.search(r"\b(?:" + pattern + r")\b", words)
        if mm:
            params["aspect"] = aspect
            work.take(re.compile(r"\b(?:" + pattern + r")\b"))
            return
    sides = {"left": ("left",), "right": ("right",), "top": ("top",), "bottom": ("bottom",),
             "sides": ("left", "right"), "each side": ("left", "right", "top", "bottom"),
             "all sides": ("left", "right", "top", "bottom"), "edges": ("left", "right", "top", "bottom"),
             "all around": ("left", "right", "top", "bottom"), "top and bottom": ("top", "bottom"),
             "left and right": ("left", "right")}
    side = r"(?P<side>top\s+and\s+bottom|left\s+and\s+right|left|right|top|bottom|sides|each\s+side|all\s+sides|edges|all\s+around)"
    num = r"(?P<v>\d+(?:\.\d+)?)\s*(?P<pct>%|percent)?"
    found = False
    for pat in (num + r"\s*(?:off|from|on|of)?\s*(?:the\s+|each\s+|every\s+)?" + side,
                r"(?:the\s+)?" + side + r"\s+(?:edges?\s+)?(?:by\s+)?" + num):
        for mm in list(re.finditer(pat, work.low)):
            v = to_float(mm.group("v"))
            v = v / 100 if mm.group("pct") or v > 1 else v
            for s in sides[re.sub(r"\s+", " ", mm.group("side"))]:
                params[s] = v
            work.blank(mm.start(), mm.end())
            found = True
    if not found:
        raise ParseError("Say how to crop, for example 'crop to 9:16', 'make it square' or 'crop 10% off the left'.",
                         ["crop to 9:16", "crop to 1:1", "crop 10% off the left"])


def _x_resize(work: Clause, params: dict, matched: str) -> None:
    def take(pattern: str):
        mm = re.search(pattern, work.low)
        if mm:
            work.blank(mm.start(), mm.end())
        return mm

    mm = take(r"(?<![\d.])(?P<w>\d{2,5})\s*(?:x|by|\*)\s*(?P<h>\d{2,5})(?!\d)")
    if mm:
        params["width"], params["height"] = int(mm.group("w")), int(mm.group("h"))
        return
    mm = take(r"(?<![\d.])(?P<h>\d{3,4})\s*p\b")
    if mm:
        params["height"] = int(mm.group("h"))
        return
    for pattern, h in ((r"\b(?:8k)\b", 4320), (r"\b(?:4k|uhd|ultra\s+hd)\b", 2160), (r"\b(?:full\s*hd|fhd)\b", 1080),
                       (r"\bhd\b", 720), (r"\bsd\b", 480)):
        if take(pattern):
            params["height"] = h
            return
    mm = take(r"\bwidth\s*(?:of|=|:|to)?\s*(?P<v>\d+)|(?P<v2>\d+)\s*(?:px\s+|pixels\s+)?wide\b")
    if mm:
        params["width"] = int(mm.group("v") or mm.group("v2"))
    mm = take(r"\bheight\s*(?:of|=|:|to)?\s*(?P<v>\d+)|(?P<v2>\d+)\s*(?:px\s+|pixels\s+)?(?:tall|high)\b")
    if mm:
        params["height"] = int(mm.group("v") or mm.group("v2"))
    if "width" in params or "height" in params:
        return
    if re.search(r"\bhalf\b", matched) or take(r"\bhalf(?:\s+the)?\s+(?:size|resolution)\b"):
        params["scale"] = 0.5
        return
    if re.search(r"\bdouble\b", matched) or take(r"\bdouble(?:\s+the)?\s+(?:size|resolution)\b"):
        params["scale"] = 2.0
        return
    q = take_quantity(work, ("", "%", "x"))
    if q is not None:
        v = q.value / 100 if q.unit == "%" else q.value
        if re.search(r"down|shrink", matched) and q.unit != "%" and v > 1:
            v = 1 / v
        params["scale"] = v
        return
    raise ParseError("Say the size, for example 'resize to 720p', 'resize to 1280x720' or 'scale to 50%'.",
                     ["resize to 720p", "resize to 1280x720", "scale to 50%"])


_CCW = re.compile(r"\b(?:left|counter[\s-]?clockwise|anti[\s-]?clockwise|ccw)\b")
_CW = re.compile(r"\b(?:right|clockwise|cw)\b")


def _x_rotate(work: Clause, params: dict, matched: str) -> None:
    q = take_quantity(work, ("", "deg"))
    ccw = bool(work.take(_CCW))
    cw = bool(work.take(_CW))
    if re.search(r"upside", matched) or work.take(re.compile(r"\bupside[\s-]down\b")):
        params["degrees"] = 180.0
        return
    sideways = bool(work.take(re.compile(r"\bsideways\b")))
    if q is not None:
        params["degrees"] = -abs(q.value) if ccw else q.value
        return
    level = take_intensity(work)
    if level or matched.startswith("tilt"):
        v = level_value("rotate", spec_for("rotate").params["degrees"], level or "small")
        params["degrees"] = -v if ccw else v
        return
    if ccw or cw or sideways:
        params["degrees"] = -90.0 if ccw else 90.0


def _x_flip(work: Clause, params: dict, matched: str) -> None:
    text = matched + " " + work.low
    if FLIP_VERTICAL.search(text):
        params["direction"] = "vertical"
        work.take(FLIP_VERTICAL)
    elif FLIP_HORIZONTAL.search(text):
        params["direction"] = "horizontal"
        work.take(FLIP_HORIZONTAL)


_POSITIONS = {"top left": (0.25, 0.25), "top right": (0.75, 0.25), "bottom left": (0.25, 0.75),
              "bottom right": (0.75, 0.75), "top": (0.5, 0.25), "bottom": (0.5, 0.75), "left": (0.25, 0.5),
              "right": (0.75, 0.5), "center": (0.5, 0.5), "centre": (0.5, 0.5), "middle": (0.5, 0.5)}


def _x_zoom(work: Clause, params: dict, matched: str) -> None:
    if "out" in matched.split():
        raise ParseError("Zoom goes in only: its factor is 1 (no zoom) to 8. To undo a zoom, say 'remove the zoom'.",
                         ["remove the zoom", "zoom in 2x"])
    mm = re.search(r"(?:\b(?:on|to|into|at|towards?)\s+)?(?:the\s+)?\b(?P<pos>(?:top|bottom|upper|lower)[\s-]+(?:left|right)|top|bottom|left|right|cent(?:er|re)|middle)\b(?:\s+(?:corner|side|edge|part))?", work.low)
    if mm:
        key = re.sub(r"[\s-]+", " ", mm.group("pos")).replace("upper", "top").replace("lower", "bottom")
        params["x"], params["y"] = _POSITIONS[key]
        work.blank(mm.start(), mm.end())
    q = take_quantity(work, ("", "x", "%"))
    if q is not None:
        params["factor"] = q.value / 100 if q.unit == "%" else q.value


_CUBE = re.compile(r"[\"']([^\"']+)[\"']|([^\s\"']+\.cube)\b", re.IGNORECASE)


def _x_lut(work: Clause, params: dict, matched: str) -> None:
    m = _CUBE.search(work.orig)
    if m:
        params["path"] = m.group(1) or m.group(2)
        work.blank(m.start(), m.end())
    else:
        q = re.search(r"(?:\bat\s+)?\d+(?:\.\d+)?\s*%|\bat\s+\d+(?:\.\d+)?", work.low)
        for mm in re.finditer(r"[^\s,]+", work.orig):
            if q and q.start() <= mm.start() < q.end():
                continue
            word = mm.group(0)
            if word.lower() in ("the", "a", "an", "lut", "look", "called", "named", "file", "at", "with", "it", "to",
                                "apply", "use", "load", "add"):
                continue
            params["path"] = word
            work.blank(mm.start(), mm.end())
            break
    if not params.get("path"):
        raise ParseError("Say which LUT, for example 'apply lut film.cube' (quote paths with spaces).",
                         ["apply lut film.cube"])
    work.take(re.compile(r"\b(?:called|named|file)\b"))


def _x_freeze(work: Clause, params: dict, matched: str) -> None:
    d = take_time(work, r"\b(?:for|lasting|during|of)\s+(?P<t>" + DURATION + "|" + BARE + r")(?![\w:])")
    if work.take(re.compile(r"\b(?:on\s+|at\s+)?the\s+(?:first|opening)\s+frame\b|\bat\s+the\s+(?:start|beginning)\b")):
        at = 0.0
    else:
        at = take_time(work, r"\b(?:at|on|from|after)\s+(?P<t>" + TIME + "|" + BARE + r")(?![\w:])")
    if d is None:
        d = take_time(work, r"(?P<t>" + DURATION + r")(?:\s+(?:long|hold|freeze))?")
    if at is None:
        raise ParseError("Say when to freeze, for example 'freeze frame at 0:03 for 2 seconds'.",
                         ["freeze frame at 0:03 for 2 seconds"])
    params["at"] = at
    if d is not None:
        params["duration"] = d


def _x_fade(work: Clause, params: dict, matched: str) -> None:
    work.take(re.compile(r"\b(?:at|from)\s+the\s+(?:start|beginning|end)(?:\s+of\s+(?:the\s+)?(?:video|clip|it))?\b"))
    d = take_time(work, r"\b(?:over|for|of|lasting|in|during|across|within)\s+(?:the\s+)?(?:first\s+|last\s+)?(?P<t>" + DURATION + "|" + BARE + r")(?![\w:])")
    if d is None:
        d = take_time(work, r"(?P<t>" + DURATION + r")(?:\s+long)?")
    if d is not None:
        params["duration"] = d
        return
    level = take_intensity(work)
    if level:
        params["duration"] = LEVELS["fade_in"][0 if level == "small" else 1]


def _x_stabilize(work: Clause, params: dict, matched: str) -> None:
    for pattern, border in ((r"\b(?:with\s+)?black\s+(?:borders?|edges?|bars?)\b", "black"),
                            (r"\b(?:with\s+)?(?:replicated?|repeated|stretched|mirrored)\s+(?:borders?|edges?)\b|\breplicate\b", "replicate"),
                            (r"\b(?:and\s+)?crop(?:ped)?(?:\s+(?:the\s+)?(?:borders?|edges?))?\b", "crop")):
        if work.take(re.compile(pattern)):
            params["border"] = border
            return


def _x_normalize(work: Clause, params: dict, matched: str) -> None:
    q = take_quantity(work, ("", "lufs", "db"))
    if q is not None:
        params["target_lufs"] = -q.value if q.value > 0 else q.value


EXTRACT = {
    "crop": _x_crop, "resize": _x_resize, "rotate": _x_rotate, "flip": _x_flip, "zoom": _x_zoom, "lut": _x_lut,
    "freeze": _x_freeze, "fade_in": _x_fade, "fade_out": _x_fade, "audio_fade_in": _x_fade,
    "audio_fade_out": _x_fade, "stabilize": _x_stabilize, "normalize": _x_normalize,
}
