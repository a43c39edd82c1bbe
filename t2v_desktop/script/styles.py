"""The looks a script video can have: card colours, title and caption styles, the transition.

A style is data, not code: build.py reads it, and the user edits the result like any title or
caption afterwards. Sizes are pixels on a 1080-pixel-high canvas (TitleStyle's convention).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, Tuple

from ..errors import ParamError
from ..project.model import TitleStyle, subtitle_style


@dataclass(frozen=True)
class Style:
    name: str
    palette: Tuple[str, ...]  # card backgrounds, one per scene in turn
    title: TitleStyle  # the opening and end cards
    card: TitleStyle  # a scene card's words
    caption_look: str = "classic"  # SubtitleTrack.look
    transition: str = "dissolve"
    transition_seconds: float = 0.5


def _title(**kw) -> TitleStyle:
    return replace(TitleStyle(size=96.0, weight="bold", shadow=3.0, wrap=0.85), **kw)


def _card(**kw) -> TitleStyle:
    return replace(TitleStyle(size=72.0, weight="bold", shadow=2.0, wrap=0.8, y=0.42), **kw)


STYLES: Dict[str, Style] = {
    "clean": Style("clean", ("#1f2a44", "#2d4263", "#283c3c", "#3b2f4a"), _title(), _card()),
    "bright": Style("bright", ("#e4572e", "#17bebb", "#ffc914", "#76b041", "#2e86ab"),
                    _title(outline=4.0, color="#ffffff"), _card(outline=3.0), caption_look="boxed",
                    transition="slide_left", transition_seconds=0.4),
    "news": Style("news", ("#0b1f3a", "#12284a", "#0e2440"),
                  _title(size=84.0, box=True, box_color="#c62828e0"),
                  _card(size=60.0, align="left", x=0.06, anchor_x=0.0, y=0.08, anchor_y=0.0, box=True,
                        box_color="#c62828e0"), caption_look="boxed", transition="wipe_left",
                  transition_seconds=0.4),
    "minimal": Style("minimal", ("#000000", "#111111"), _title(weight="normal", shadow=0.0),
                     _card(weight="normal", shadow=0.0, size=64.0), transition="dip_black", transition_seconds=0.6),
}


def get_style(name: str) -> Style:
    key = (name or "clean").strip().lower()
    if key not in STYLES:
        raise ParamError(f"Unknown style '{name[:40]}'; the styles are {', '.join(STYLES)}.")
    return STYLES[key]


def caption_style(style: Style) -> TitleStyle:
    return subtitle_style()
