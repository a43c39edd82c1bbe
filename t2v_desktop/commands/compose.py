"""Structural clauses -> typed steps (steps.py): titles, logos, picture in picture, music, ducking,
transitions, slow zooms and pans, layer fades, track switches, subtitles.

Tried before the history and op grammar, and only on clauses that name something structural (a
quoted title, a file, a transition word, a track), so every existing phrase keeps its meaning:
"zoom in 2x" is still the zoom op, "slowly zoom in" is a Ken Burns move; "mute" mutes the clip,
"mute track 2" the track. Files are resolved here (files.py), so a missing one fails at parse time.
Words left over that the grammar does not use are a ParseError, never ignored.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

from . import areas
from .clause import Clause
from .files import context_base, file_kind, find_file, resolve_file
from .numbers import to_float
from .plan import ParseError, Step
from .router import content_words
from .steps import (
    AddAudio,
    AddImage,
    AddPicture,
    AddSubtitles,
    AddTitle,
    AddTransitions,
    AppendClip,
    BurnSubtitles,
    ComposeStep,
    Duck,
    FadeLayer,
    KenBurns,
    RemoveAudio,
    RemoveTransitions,
    SetTrack,
)
from .timecode import TIME, parse_time, take_range

MAX_TRANSITION = 60.0
_NUM = r"(?P<v>\d+(?:\.\d+)?)"
_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
        "ninth": 9, "tenth": 10}
_ORDS = "|".join(_ORD)

# -- small extractors ------------------------------------------------------------------------------

_QUOTE = re.compile(r"(?<!\w)(?P<q>['\"])(?P<s>.+?)(?P=q)(?!\w)")


def take_quote(cl: Clause) -> Optional[str]:
    """The first quoted text (as typed), consumed."""
    m = _QUOTE.search(cl.orig)
    if not m:
        return None
    cl.blank(m.start(), m.end())
    return m.group("s")


def _take(cl: Clause, pattern: str) -> Optional["re.Match[str]"]:
    return cl.take(re.compile(pattern))


_CORNER = (r"\b(?:(?:in|at|on|to|into|near)\s+)?(?:the\s+)?(?P<c>(?:top|upper|bottom|lower)[\s-]*(?:right|left)|"
           r"(?:right|left)[\s-]+(?:top|bottom)|top|bottom|upper|lower|left|right|cent(?:er|re)|middle)"
           r"(?:[\s-]+(?:hand\s+)?(?:corner|side|edge))?(?:\s+of\s+(?:the\s+)?(?:screen|frame|picture|video))?\b")


def take_corner(cl: Clause) -> str:
    m = _take(cl, _CORNER)
    if not m:
        return ""
    words = re.findall(r"[a-z]+", m.group("c"))
    words = ["top" if w == "upper" else "bottom" if w == "lower" else "center" if w in ("centre", "middle") else w
             for w in words]
    vert = next((w for w in words if w in ("top", "bottom")), "")
    horiz = next((w for w in words if w in ("left", "right")), "")
    return "_".join(w for w in (vert, horiz) if w) or "center"


def _percent_or_fraction(v: str, pct: Optional[str]) -> float:
    x = to_float(v)
    return x / 100 if pct or x > 1 else x


def take_opacity(cl: Clause) -> Optional[float]:
    num = r"(?P<v>\d+(?:\.\d+)?)\s*(?P<pct>%|percent)?"
    m = _take(cl, r"\b(?:(?:at|with)\s+)?(?:an?\s+)?opacity\s*(?:of|at|=|:|to)?\s*" + num)
    if m:
        value = _percent_or_fraction(m.group("v"), m.group("pct"))
    else:
        m = _take(cl, r"\b(?:(?:at|with)\s+)?" + num + r"\s+(?P<w>opacity|opaque|transparen(?:t|cy))\b")
        if m is None:
            if _take(cl, r"\b(?:semi|half)[\s-]?transparent\b"):
                return 0.5
            return None
        value = _percent_or_fraction(m.group("v"), m.group("pct"))
        if m.group("w").startswith("transparen"):
            value = 1.0 - value
    if not 0.0 <= value <= 1.0:
        raise ParseError(f"Opacity goes from 0% to 100%, got {m.group(0).strip()}.", ["at 50% opacity"])
    return value


def take_size(cl: Clause) -> Optional[float]:
    num = r"(?P<v>\d+(?:\.\d+)?)\s*(?P<pct>%|percent|x)?"
    pats = (r"\b(?:(?:at|with)\s+)?(?:a\s+)?" + num + r"\s+(?:of\s+(?:the\s+)?(?:size|width|screen|frame|picture)|"
            r"size|scale|the\s+size|wide)\b",
            r"\b(?:scaled?|sized?|size|scale)\s*(?:to|at|of|=|:|down\s+to)?\s*" + num)
    for p in pats:
        m = _take(cl, p)
        if m:
            v = to_float(m.group("v"))
            value = v if m.group("pct") == "x" else _percent_or_fraction(m.group("v"), m.group("pct"))
            if not 0.01 <= value <= 10:
                raise ParseError(f"A size goes from 1% to 1000%, got {m.group(0).strip()}.", ["at 30% size"])
            return value
    if _take(cl, r"\b(?:at\s+)?half(?:\s+the)?\s+size\b"):
        return 0.5
    if _take(cl, r"\b(?:at\s+)?(?:a\s+)?quarter(?:\s+the)?\s+size\b"):
        return 0.25
    return None


def take_db(cl: Clause) -> Optional[float]:
    m = _take(cl, r"(?:\b(?:at|by|to|with|of)\s+)?(?<![\w.])(?P<v>[-+]?\d+(?:\.\d+)?)\s*(?:db|decibels?)\b")
    if not m:
        return None
    v = to_float(m.group("v"))
    if not -60 <= v <= 24:
        raise ParseError(f"A level goes from -60 dB to +24 dB, got {m.group(0).strip()}.", ["at -12 dB"])
    return v


def take_duration(cl: Clause, words: str = r"over|for|lasting|of|in|within") -> Optional[float]:
    m = _take(cl, r"\b(?:" + words + r")\s+(?:a\s+|an\s+)?(?P<t>" + TIME + r")")
    if m is None:
        m = _take(cl, r"(?<![\w.:])(?P<t>" + TIME + r")(?:\s+long)?(?=\s+(?:cross|dissolve|fade|transition|dip|wipe|slide|mix))")
    return parse_time(m.group("t")) if m else None


def take_clip_number(cl: Clause) -> Optional[int]:
    m = _take(cl, r"\b(?:on|to|for|of)\s+(?:the\s+)?(?:clip\s+(?P<n>\d+)|(?P<o>" + _ORDS + r"|last)\s+clip)\b")
    if not m:
        return None
    if m.group("o") == "last":
        return -1
    return int(m.group("n")) if m.group("n") else _ORD[m.group("o")]


_ALLOWED = set("""corner side edge screen frame picture video clip clips cut cuts shot shots all every each between
over for it its them logo watermark image overlay on top of from the a an and at in to with""".split())


def check_leftover(cl: Clause, what: str, example: str, allowed: Tuple[str, ...] = ()) -> None:
    left = [w for w in content_words(cl.words()) if w not in _ALLOWED and w not in allowed]
    stray = re.findall(r"[-+]?\d[\d.:]*\s*\S*", cl.low)
    if left or stray:
        bad = " ".join(left) or stray[0].strip()
        raise ParseError(f"I understood {what} but not '{bad}'.", [example])


def _file(cl: Clause, context: Any, said: str) -> Tuple[str, str]:
    """(absolute path, kind) of the file named in the clause, consumed; ParseError if missing."""
    found = find_file(cl)
    if found is None:
        raise ParseError("Name the file, e.g. 'put logo.png in the top right corner'.")
    name, span = found
    cl.blank(*span)
    return resolve_file(name, context_base(context), said), file_kind(name)


# -- the grammar ----------------------------------------------------------------------------------

_SUBS = r"(?:subtitles?|subs|captions?|closed\s+captions?)"
_BURN = re.compile(r"^(?:burn|hard[\s-]?code|hardcode|bake|embed)(?:\s+in)?\s+(?:the\s+|my\s+|all\s+(?:the\s+)?)?"
                   + _SUBS + r"(?:\s+in(?:to\s+(?:the\s+)?(?:picture|video))?)?$")
_UNBURN = re.compile(r"^(?:(?:don'?t|do\s+not|stop)\s+burn(?:ing)?(?:\s+in)?\s+(?:the\s+)?" + _SUBS + r"(?:\s+in)?|"
                     r"(?:unburn|un-burn)\s+(?:the\s+)?" + _SUBS + r"|make\s+(?:the\s+)?" + _SUBS + r"\s+soft)$")
_TITLE = re.compile(r"^\s*(?:(?:add|put|insert|show|create|make|place|display|overlay|write|type)\s+)?"
                    r"(?:(?:an?|the|some|my)\s+)?(?:(?P<lt>lower[\s-]?thirds?|name\s+(?:strap|tag|title)|chyron)|"
                    r"(?P<t>title(?:\s+card)?|headline|heading|caption|text))\b\s*(?:saying|that\s+says|reading|"
                    r"with\s+(?:the\s+)?text|of|:)?")
_TRANS = re.compile(
    r"^\s*(?:(?:add|put|use|insert|apply|do|make|place)\s+)?(?:(?:an?|the|some)\s+)?(?:(?P<t>" + TIME + r")\s+(?:long\s+)?)?"
    r"(?P<k>cross[\s-]?fades?|cross[\s-]?dissolves?|dissolves?|(?:dips?|fades?)\s+(?:to|through|via)\s+(?:black|white)|"
    r"(?:wipes?|slides?)(?:\s+(?:to\s+the\s+)?(?:left|right|up|down))?|transitions?)\b(?:\s+transitions?)?")
_ALL_CUTS = (r"\b(?:between|at|on|to|for|across)\s+(?:all\s+(?:of\s+)?|each\s+of\s+|every\s+|each\s+)?(?:the\s+)?"
             r"(?:clips?|shots?|cuts?|scenes?|edits?|joins?)(?:\s+on\s+the\s+main\s+track)?\b")
_PAIR = (r"\bbetween\s+(?:the\s+)?(?:(?:clips?|shots?)\s+)?(?P<a>\d+|" + _ORDS + r")(?:\s+(?:clip|shot))?\s+(?:and|&|to)\s+"
         r"(?:the\s+)?(?:(?:clip|shot)\s+)?(?P<b>\d+|" + _ORDS + r"|next)(?:\s+(?:clips?|shots?))?\b")
_KB = re.compile(r"^\s*(?:(?:add|do|apply|use|give\s+it)\s+)?(?:an?\s+|the\s+)?ken\s+burns(?:\s+(?:effect|move|zoom))?|"
                 r"^\s*(?:(?:slowly|gradually|gently|steadily|slow)\s+(?P<v>zoom|push|pan)(?:\s+(?P<d>in|out|left|right|up|down))?|"
                 r"(?P<v2>zoom|push|pan)\s+(?P<d2>in|out|left|right|up|down)\s+(?:slowly|gradually|gently|steadily)|"
                 r"(?P<v3>pan)\s+(?P<d3>left|right|up|down)|(?P<v4>zoom|push)\s+(?P<d4>in|out)(?=.*\bfrom\s+\d))\b")
_LAYERS = (r"(?P<t>titles?(?:\s+card)?|lower[\s-]?thirds?|logo|watermark|image|overlay|picture[\s-]in[\s-]picture|pip|"
           r"inset|name\s+strap)")
_FADE = re.compile(r"^\s*fade\s+(?:(?P<d1>in\s+and\s+out|in|out)\s+)?(?:the\s+|that\s+|my\s+)?" + _LAYERS
                   + r"(?:\s+(?P<d2>in\s+and\s+out|in|out))?\b")
_DUCK = re.compile(r"^\s*(?:auto[\s-]?)?duck\s+(?:the\s+)?(?P<m>music|songs?|soundtrack|background(?:\s+music)?)"
                   r"(?:\s+tracks?)?(?:\s+(?:under|below|beneath|behind|for|during|when|while|whenever|against)\s+"
                   r"(?:the\s+)?(?P<v>track\s+\d+|[\w-]+(?:\s+track)?))?")
_VOICE_WORDS = re.compile(r"^(?:voice(?:[\s-]?over)?s?|narration|narrator|speech|dialogu?e|talking|speaking|speaker|"
                          r"someone|anyone|people|words?|vo)$")
_TRACK_REF = (r"(?P<t>track\s+\d+|the\s+[\w-]+(?:\s+[\w-]+)?\s+track|[\w-]+\s+track|(?:the\s+)?(?:music|voice[\s-]?over|"
              r"voice|narration|titles?|overlays?|logo|main\s+track))")
_SWITCH = re.compile(r"^\s*(?P<v>mute|unmute|un-mute|silence|solo|unsolo|un-solo|lock|unlock|hide|unhide|show)\s+"
                     r"(?:the\s+)?" + _TRACK_REF + r"\s*$")
_GAIN = re.compile(r"^\s*(?:set|turn|put|bring)?\s*(?:the\s+)?" + _TRACK_REF
                   + r"(?:'s)?\s+(?:volume|gain|level)?\s*(?:to|at)\s+(?P<db>[-+]?\d+(?:\.\d+)?)\s*db\s*$")
_PIP = r"\b(?:picture[\s-]in[\s-]picture|pip|inset)\b\s*:?"
_MUSIC_WORDS = r"\b(?:as\s+(?:the\s+|background\s+)?)?(?:background\s+)?(?:music|song|soundtrack|score|bgm)\b"
_VOICE_FILE = r"\b(?:as\s+(?:the\s+|a\s+)?)?(?:voice[\s-]?over|voice|narration|narrator|vo)\b"
_SWITCHES = {"mute": ("muted", True), "silence": ("muted", True), "unmute": ("muted", False),
             "un-mute": ("muted", False), "solo": ("solo", True), "unsolo": ("solo", False),
             "un-solo": ("solo", False), "lock": ("locked", True), "unlock": ("locked", False),
             "hide": ("hidden", True), "unhide": ("hidden", False), "show": ("hidden", False)}
_LANGS = {"english": "eng", "french": "fra", "german": "deu", "spanish": "spa", "italian": "ita",
          "portuguese": "por", "dutch": "nld", "japanese": "jpn", "chinese": "zho", "korean": "kor",
          "russian": "rus", "arabic": "ara", "hindi": "hin", "polish": "pol", "swedish": "swe", "turkish": "tur"}

#: Does a fragment after "," / "and" start one of these clauses? (for split.py's weak separators)
STARTS = re.compile(
    r"^(?:(?:add|put|place|insert|overlay|append|import|load|use)\s+\S+|(?:slowly|gradually|gently)\s|ken\s+burns|"
    r"(?:auto[\s-]?)?duck\s|burn\s|(?:un)?mute\s+track|solo\s|unsolo\s|lock\s|unlock\s|hide\s|unhide\s|"
    r"fade\s+(?:in\s+|out\s+)?(?:the\s+)?(?:titles?|lower|logo|watermark|overlay|picture|pip)|"
    r"(?:cross[\s-]?fade|cross[\s-]?dissolve|dissolve|dip\s+to|wipe|slide)\b|picture[\s-]in[\s-]picture|pip\b|"
    r"pan\s+(?:left|right|up|down))")


def compose_step(cl: Clause, context: Any = None) -> Optional[ComposeStep]:
    """The structural step this (filler-stripped) clause asks for, or None when it is not one."""
    t = cl.text()
    if not t:
        return None
    for fn in (*areas.parsers(),
               _burn, _removal, _title, _transition, _ken_burns, _fade_layer, _duck, _switch, _with_file):
        step = fn(cl, t, context)
        if step is not None:
            step.text = step.text or cl.orig_text()
            return step
    return None


def _burn(cl: Clause, t: str, context: Any) -> Optional[ComposeStep]:
    if _BURN.match(t):
        return BurnSubtitles(burn_in=True, reason="burn the subtitles into the picture")
    if _UNBURN.match(t):
        return BurnSubtitles(burn_in=False, reason="subtitles as a soft stream only")
    return None


_REMOVE = re.compile(r"^\s*(?:remove|delete|drop|take\s+(?:out|off|away)|get\s+rid\s+of|clear)\s+(?:the\s+|that\s+|"
                     r"my\s+|all\s+(?:of\s+)?(?:the\s+)?|every\s+)?(?:(?P<tr>transitions?|cross[\s-]?fades?|dissolves?|"
                     r"dips?(?:\s+to\s+(?:black|white))?|wipes?|slides?)|(?P<m>(?:background\s+)?music|soundtrack|"
                     r"voice[\s-]?overs?|narration)(?:\s+tracks?)?)\b")


def _removal(cl: Clause, t: str, context: Any) -> Optional[ComposeStep]:
    """"remove the crossfades", "remove the transition between clip 1 and 2", "remove the music"."""
    m = _REMOVE.match(cl.low)
    if not m:
        return None
    work = cl.copy()
    work.blank(m.start(), m.end())
    if m.group("m"):
        role = "music" if re.search(r"music|soundtrack", m.group("m")) else "voice"
        check_leftover(work, f"'{m.group(0).strip()}'", "remove the music")
        return RemoveAudio(role=role, reason=f"remove the {role} tracks")
    between = None
    pm = _take(work, _PAIR)
    if pm:
        a = int(pm.group("a")) if pm.group("a").isdigit() else _ORD[pm.group("a")]
        between = (a, a + 1)
    _take(work, _ALL_CUTS)
    check_leftover(work, f"'{m.group(0).strip()}'", "remove the transitions")
    return RemoveTransitions(between=between, reason="remove transitions from the main track")


def _title(cl: Clause, t: str, context: Any) -> Optional[ComposeStep]:
    said = cl.orig_text()
    work = cl.copy()
    text = take_quote(work)
    m = _TITLE.match(work.low)
    if not m or not m.group(0).strip():
        return None
    lower = bool(m.group("lt"))
    what = "a lower third" if lower else "a title"
    if text is None:
        if m.group("t") in ("caption", "text", "heading") and not re.match(r"\s*(?:add|put|insert|show|create)", work.low):
            return None
        raise ParseError(f"Put the text of {what} in quotes, e.g. \"add {what} 'Summer Sale' for the first 3 seconds\".",
                         [f"add {what} 'Summer Sale' for the first 3 seconds"])
    if not text.strip():
        raise ParseError(f"The text of {what} is empty; type it between the quotes.")
    work.blank(m.start(), m.end())
    rng = take_range(work)
    position = ""
    pm = _take(work, r"\b(?:at|on|in)\s+(?:the\s+)?(?P<p>top|bottom|middle|cent(?:er|re))(?:\s+of\s+the\s+(?:screen|frame))?\b")
    if pm:
        position = {"middle": "center", "centre": "center"}.get(pm.group("p"), pm.group("p"))
    check_leftover(work, f"'{what[2:]} \"{text}\"'", f"add {what[2:]} 'Summer Sale' for the first 3 seconds")
    return AddTitle(range=rng, title=text, lower_third=lower, position=position, text=said,
                    reason=f"{what} on the Titles track")


def _transition(cl: Clause, t: str, context: Any) -> Optional[ComposeStep]:
    m = _TRANS.match(cl.low)
    if not m:
        return None
    work = cl.copy()
    work.blank(m.start(), m.end())
    k = re.sub(r"\s+", " ", m.group("k").replace("-", " "))
    if k.startswith(("cross", "dissolve", "transition")):
        kind = "dissolve"
    elif k.split()[0].startswith(("dip", "fade")):
        kind = "dip_white" if k.endswith("white") else "dip_black"
    else:
        verb = "wipe" if k.startswith("wipe") else "slide"
        d = re.search(r"(left|right|up|down)$", k)
        kind = f"{verb}_{d.group(1) if d else 'left'}"
    between: Optional[Tuple[int, int]] = None
    pm = _take(work, _PAIR)
    if pm:
        a = int(pm.group("a")) if pm.group("a").isdigit() else _ORD[pm.group("a")]
        b = a + 1 if pm.group("b") == "next" else int(pm.group("b")) if pm.group("b").isdigit() else _ORD[pm.group("b")]
        if a < 1 or b < 1:
            raise ParseError("Clips are numbered from 1, e.g. 'dip to black between clip 1 and 2'.")
        if b != a + 1:
            raise ParseError(f"A transition goes between two clips next to each other; clip {a} and clip {b} are not "
                             f"neighbours. Try 'between clip {a} and {a + 1}'.", [f"{k} between clip {a} and {a + 1}"])
        between = (a, b)
    else:
        found = _take(work, _ALL_CUTS)
        if not found and not re.search(r"transition", m.group(0)) and (
                k.startswith("fade") or kind.startswith(("wipe", "slide")) and content_words(work.words())):
            return None  # "fade to black" is the fade-out op; "slide the logo in" is not a transition
    duration = m.group("t") and parse_time(m.group("t"))
    duration = duration or take_duration(work) or 1.0
    if not 0 < duration <= MAX_TRANSITION:
        raise ParseError(f"A transition lasts more than 0 and up to {MAX_TRANSITION:g} seconds, got {duration:g}.")
    check_leftover(work, f"'{m.group(0).strip()}'", "crossfade between the clips over 1 second",
                   ("long", "transition", "transitions"))
    where = f"between clip {between[0]} and {between[1]}" if between else "at every cut of the main track"
    return AddTransitions(transition=kind, duration=float(duration), between=between,
                          reason=f"{kind.replace('_', ' ')} {where}")


def _ken_burns(cl: Clause, t: str, context: Any) -> Optional[ComposeStep]:
    m = _KB.match(cl.low)
    if not m:
        return None
    work = cl.copy()
    work.blank(m.start(), m.end())
    verb = m.group("v") or m.group("v2") or m.group("v3") or m.group("v4") or "zoom"
    d = m.group("d") or m.group("d2") or m.group("d3") or m.group("d4") or ("in" if verb != "pan" else "")
    if verb == "pan" and d not in ("left", "right", "up", "down"):
        raise ParseError("Say which way to pan: 'slowly pan left', 'right', 'up' or 'down'.", ["slowly pan left"])
    pan, zoom_in = (d, None) if verb == "pan" else ("", d != "out")
    if zoom_in is not None:
        more = _take(work, r"\b(?:and\s+)?pan\s+(?P<p>left|right|up|down)\b")
        pan = more.group("p") if more else ""
    num = r"(\d+(?:\.\d+)?)\s*(x|%|percent|times)?"
    fm = _take(work, r"\bfrom\s+" + num + r"\s+to\s+" + num)
    a, b = (1.0, 1.2) if zoom_in in (True, None) else (1.2, 1.0)
    if verb == "pan" and zoom_in is None:
        a = b = 1.2
    if fm:
        vals = []
        for v, unit in ((fm.group(1), fm.group(2)), (fm.group(3), fm.group(4))):
            x = to_float(v)
            vals.append(x / 100 if unit in ("%", "percent") else x)
        a, b = vals
    else:
        tm = _take(work, r"\bto\s+" + num)
        if tm:
            x = to_float(tm.group(1))
            b = x / 100 if tm.group(2) in ("%", "percent") else x
            a = 1.0 if zoom_in is not False else max(b, 1.2)
    for v in (a, b):
        if not 0.1 <= v <= 10:
            raise ParseError(f"A zoom goes from 0.1x to 10x, got {v:g}x.", ["slowly zoom in from 1x to 1.3x"])
    if zoom_in is True and b < a or zoom_in is False and b > a:
        raise ParseError(f"Zooming {'in' if zoom_in else 'out'} goes from {'a smaller to a larger' if zoom_in else 'a larger to a smaller'}"
                         f" scale; got {a:g}x to {b:g}x.", [f"slowly zoom {'in' if zoom_in else 'out'} from {min(a, b):g}x to {max(a, b):g}x"
                                                          if zoom_in else f"slowly zoom out from {max(a, b):g}x to {min(a, b):g}x"])
    clip = take_clip_number(work)
    _take(work, r"\b(?:over|across|during)\s+(?:the\s+)?(?:whole\s+|entire\s+)?(?:clip|shot|video)\b")
    check_leftover(work, f"'{m.group(0).strip()}'", "slowly zoom in from 1x to 1.3x", ("ken", "burns", "effect"))
    move = f"zoom {a:g}x -> {b:g}x" + (f", pan {pan}" if pan else "") if a != b else f"pan {pan} at {a:g}x"
    return KenBurns(scale_from=a, scale_to=b, pan=pan, clip=clip,
                    reason=f"Ken Burns: {move} from the clip's first frame to its last")


def _fade_layer(cl: Clause, t: str, context: Any) -> Optional[ComposeStep]:
    m = _FADE.match(cl.low)
    if not m:
        return None
    work = cl.copy()
    work.blank(m.start(), m.end())
    d = m.group("d1") or m.group("d2")
    if d is None:
        dm = _take(work, r"^\s*(?P<d>in\s+and\s+out|in|out)\b")
        if dm is None:
            raise ParseError("Say 'fade the title in' or 'fade the title out'.", ["fade the title in over half a second"])
        d = dm.group("d")
    direction = "both" if "and" in d else d
    word = m.group("t")
    target = ("lower_third" if word.startswith(("lower", "name")) else "title" if word.startswith("title")
              else "picture_in_picture" if word in ("picture in picture", "picture-in-picture", "pip", "inset")
              or word.startswith("picture") else "image")
    duration = take_duration(work) or 0.5
    if not 0 < duration <= 600:
        raise ParseError(f"A fade lasts more than 0 seconds, got {duration:g}.")
    _take(work, r"\b(?:at\s+the\s+(?:start|end|beginning)|at\s+its\s+(?:start|end))\b")
    check_leftover(work, f"'fade the {word} {d}'", "fade the title in over half a second")
    return FadeLayer(target=target, direction=direction, duration=float(duration),
                     reason=f"opacity keyframes: fade the {word} {d} over {duration:g}s")


def _duck(cl: Clause, t: str, context: Any) -> Optional[ComposeStep]:
    m = _DUCK.match(cl.low)
    if not m:
        return None
    work = cl.copy()
    work.blank(m.start(), m.end())
    voice = m.group("v") or ""
    if _VOICE_WORDS.match(voice.split()[0] if voice else "voice"):
        voice = ""
    else:
        voice = _track_name(voice)
        _take(work, r"^\s*(?:speaks|talks|is\s+speaking|is\s+talking)\b")
    amount = take_db(work)
    if amount is not None:
        amount = abs(amount)
        if not 0 < amount <= 60:
            raise ParseError("Duck by 1 to 60 dB, e.g. 'duck the music by 12 dB'.")
    check_leftover(work, "'duck the music'", "duck the music under the voice")
    return Duck(amount_db=12.0 if amount is None else amount, voice=voice,
                reason="lower the music tracks while the voice has sound")


def _track_name(said: str) -> str:
    s = re.sub(r"^the\s+", "", said.strip())
    m = re.fullmatch(r"track\s+(\d+)", s)
    return m.group(1) if m else s


def _switch(cl: Clause, t: str, context: Any) -> Optional[ComposeStep]:
    m = _SWITCH.match(t)
    if m:
        if m.group("v") == "show" and not re.search(r"track|titles?|overlays?|logo", m.group("t")):
            return None
        prop, value = _SWITCHES[m.group("v")]
        name = _track_name(m.group("t"))
        return SetTrack(track=name, props={prop: value}, reason=f"track switch: {prop} = {value}")
    m = _GAIN.match(t)
    if m:
        db = to_float(m.group("db"))
        if not -60 <= db <= 24:
            raise ParseError(f"A track's level goes from -60 dB to +24 dB, got {db:g} dB.")
        return SetTrack(track=_track_name(m.group("t")), props={"gain_db": db}, reason=f"track gain {db:g} dB")
    return None


def _with_file(cl: Clause, t: str, context: Any) -> Optional[ComposeStep]:
    found = find_file(cl)
    if found is None:
        return None
    said = cl.orig_text()
    work = cl.copy()
    path, kind = _file(work, context, said)
    if kind == "subtitles":
        return _subtitles(work, path, said)
    if kind == "image":
        return _image(work, path)
    pip = _take(work, _PIP)
    if kind == "video" and (pip or re.search(_CORNER + r"|\boverlay\b|\bon\s+top\b", work.low)):
        return _picture(work, path)
    if pip:
        raise ParseError("Picture in picture needs a video file, e.g. 'picture in picture: clip2.mp4 in the bottom left'.")
    voice = _take(work, _VOICE_FILE)
    music = _take(work, _MUSIC_WORDS)
    if kind == "audio" or voice or music:
        return _audio(work, path, "voice" if voice else "music")
    return _append(work, path)


def _subtitles(work: Clause, path: str, said: str) -> ComposeStep:
    _take(work, r"^\s*(?:add|import|load|use|attach|put|insert|read|open)?\s*(?:the\s+|my\s+)?(?:" + _SUBS
          + r")?\s*(?:from|in|file)?\b")
    _take(work, r"\bas\s+(?:the\s+)?(?:" + _SUBS + r")\b")
    burn = bool(_take(work, r"\b(?:and\s+)?(?:burn(?:ed|t)?|hard[\s-]?code(?:d)?)\s+(?:them\s+|it\s+)?(?:in|into\s+the\s+(?:picture|video))?\b"))
    lang = "und"
    lm = _take(work, r"\b(?:in|language)\s+(?P<l>" + "|".join(_LANGS) + r"|[a-z]{2,3})\b")
    if lm:
        lang = _LANGS.get(lm.group("l"), lm.group("l"))
    check_leftover(work, "'add subtitles from FILE'", "add subtitles from talk.srt", ("subtitles", "subtitle",
                                                                                       "captions", "file"))
    return AddSubtitles(path=path, burn_in=burn, language=lang, text=said,
                        reason="cues from the file as a subtitle track" + (", burned in" if burn else ""))


def _image(work: Clause, path: str) -> ComposeStep:
    _take(work, r"^\s*(?:put|place|add|overlay|insert|show|stamp|use|display)?\s*(?:the\s+|my\s+|a\s+|an\s+)?"
                r"(?:logo|watermark|image|picture|bug)?\b")
    _take(work, r"\bas\s+(?:a\s+|the\s+)?(?:logo|watermark)\b")
    full = _take(work, r"\b(?:full[\s-]?screen|over\s+the\s+whole\s+(?:frame|screen|picture))\b")
    opacity = take_opacity(work)
    size = take_size(work)
    corner = "full" if full else take_corner(work) or "top_right"
    rng = take_range(work)
    check_leftover(work, "'put FILE in a corner'", "put logo.png in the top right corner at 50% opacity",
                   ("logo", "watermark", "image", "picture", "bug", "whole", "programme", "program"))
    return AddImage(range=rng, path=path, corner=corner, opacity=1.0 if opacity is None else opacity,
                    scale=1.0 if size is None else size, reason=f"a still image, {corner.replace('_', ' ')}")


def _picture(work: Clause, path: str) -> ComposeStep:
    _take(work, r"^\s*(?:put|place|add|overlay|insert|show|use|display)?\s*(?:the\s+|a\s+|an\s+)?(?:video|clip)?\b")
    _take(work, r"\bas\s+(?:a\s+|an\s+)?(?:picture[\s-]in[\s-]picture|pip|inset|overlay)\b")
    opacity = take_opacity(work)
    size = take_size(work)
    corner = take_corner(work) or "bottom_right"
    rng = take_range(work)
    check_leftover(work, "'picture in picture: FILE'", "picture in picture: clip2.mp4 in the bottom left at 30% size")
    return AddPicture(range=rng, path=path, corner=corner, scale=0.3 if size is None else size,
                      opacity=1.0 if opacity is None else opacity,
                      reason=f"picture in picture, {corner.replace('_', ' ')}")


_IT = r"(?:it|that|them|the\s+(?:music|song|sound))"
_FADE_AUDIO = (r"\b(?:and\s+|with\s+(?:a\s+)?)?(?:(?P<t>" + TIME + r")\s+)?fad(?:e|es|ing)\s+(?:" + _IT
               + r"\s+)?(?P<d>in\s+and\s+out|in|out)\b(?:\s+" + _IT + r"\b)?")


def take_audio_fades(work: Clause, step: AddAudio) -> bool:
    """"fade it out at the end", "with a 3 second fade in", "fading in and out over 2 seconds"."""
    found = False
    while True:
        m = _take(work, _FADE_AUDIO)
        if not m:
            return found
        found = True
        _take(work, r"\b(?:at\s+the\s+(?:end|start|beginning)|at\s+its\s+(?:end|start))\b")
        d = parse_time(m.group("t")) if m.group("t") else take_duration(work, r"over|for|lasting|of|in") or 2.0
        if not 0 < d <= 600:
            raise ParseError(f"A fade lasts more than 0 seconds, got {d:g}.")
        if m.group("d") in ("in", "in and out"):
            step.fade_in = float(d)
        if m.group("d") in ("out", "in and out"):
            step.fade_out = float(d)


def _audio(work: Clause, path: str, role: str) -> ComposeStep:
    _take(work, r"^\s*(?:add|put|use|play|lay|insert|place|import|bring\s+in)?\s*(?:the\s+|some\s+|my\s+|a\s+)?"
                r"(?:music|song|soundtrack|audio|sound)?\s*(?:file|track)?\b")
    step = AddAudio(path=path, role=role)
    take_audio_fades(work, step)
    db = take_db(work)
    step.gain_db = 0.0 if db is None else db
    take_audio_fades(work, step)
    step.range = take_range(work)
    _take(work, r"\b(?:under|below|beneath|behind)\s+(?:the\s+|it|them|everything|(?:the\s+)?(?:video|clips?|picture))\b")
    check_leftover(work, f"'add {'a voice-over' if role == 'voice' else 'music'} FILE'",
                   "add music.mp3 at -12 dB and fade it out at the end",
                   ("music", "song", "soundtrack", "audio", "sound", "track", "file", "background", "voice"))
    step.reason = f"an audio track with role {role}" + (f" at {step.gain_db:g} dB" if step.gain_db else "")
    return step


def _append(work: Clause, path: str) -> ComposeStep:
    m = _take(work, r"^\s*(?:add|append|insert|put|place|load|import|use)\b")
    if m is None:
        raise ParseError("Say what to do with the file: 'add b.mp4 at the end', 'picture in picture: b.mp4', "
                         "'add music.mp3'.", ["add b.mp4 at the end"])
    start = bool(_take(work, r"\b(?:at|to)\s+the\s+(?:start|beginning|front)\b|\bfirst\b"))
    _take(work, r"\b(?:at|to)\s+the\s+end\b|\bafter\s+(?:the\s+)?(?:last\s+clip|clips|video)\b")
    check_leftover(work, "'add FILE'", "add b.mp4 at the end", ("clip", "video", "file", "main", "track"))
    return AppendClip(path=path, at_start=start,
                      reason=f"a clip on the main track, at the {'start' if start else 'end'}")


def merge_followup(cl: Clause, prev: List[Any]) -> bool:
    """A clause that finishes the step before it: "add music.mp3, and fade it out at the end" (the
    music's fade, not the clip's), "add subtitles from talk.srt and burn them in", "slowly zoom in
    and pan right". True when merged into ``prev[-1]``."""
    if not prev or not isinstance(prev[-1], (AddAudio, AddSubtitles, KenBurns)):
        return False
    work = cl.copy()
    from .cleanup import strip_fillers

    strip_fillers(work)
    step = prev[-1]
    if isinstance(step, KenBurns):  # "slowly zoom in and pan right"
        m = re.fullmatch(r"\s*(?:slowly\s+|gently\s+)?pan\s+(?P<p>left|right|up|down)(?:\s+(?:slowly|gently))?\s*", work.low)
        if m is None or step.pan or step.scale_from == step.scale_to:
            return False
        step.pan = m.group("p")
        step.reason += f", pan {step.pan}"
    elif isinstance(step, AddSubtitles):
        if not re.fullmatch(r"\s*(?:burn|hard[\s-]?code)\s+(?:them|it|those)\s+in(?:to\s+the\s+(?:picture|video))?\s*",
                            work.low):
            return False
        step.burn_in = True
    else:
        if not re.match(r"^\s*(?:fade|fading)\s+(?:it|that|them|the\s+(?:music|song|sound))\s+(?:in|out)\b|"
                        r"^\s*fade\s+(?:in|out)\s+(?:it|the\s+(?:music|song))\b", work.low):
            return False
        if not take_audio_fades(work, step):
            return False
        check_leftover(work, "'fade it out'", "add music.mp3 at -12 dB and fade it out at the end")
    step.text = f"{step.text}, {cl.orig_text()}"
    return True


def is_compose(step: Any) -> bool:
    return isinstance(step, ComposeStep)


__all__ = ["compose_step", "merge_followup", "is_compose", "STARTS", "Step"]
