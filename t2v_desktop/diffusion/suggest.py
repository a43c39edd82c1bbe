"""Map an open-ended prompt to the nearest classic look, offered when no model is installed.

The words must match what the command parser understands after ``classic:``.
"""

from __future__ import annotations

import re
from typing import Optional

#: (keywords, classic command). First match wins, so the more specific looks come first.
_LOOKS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("sepia",), "make it sepia"),
    (("black and white", "black & white", "b&w", "noir", "monochrome", "grayscale", "greyscale"),
     "make it black and white"),
    (("sunset", "golden hour", "dusk", "sunrise", "dawn", "orange sky"), "make it sunset"),
    (("night", "moon", "midnight", "dark", "evening"), "make it night"),
    (("vintage", "retro", "old film", "old photo", "70s", "80s", "faded", "polaroid", "film look"),
     "make it vintage"),
    (("cinematic", "blockbuster", "teal", "movie look", "hollywood"), "make it teal and orange"),
    (("dramatic", "punchy", "contrast", "gritty", "moody"), "make it high contrast"),
    (("warm", "autumn", "fall", "summer", "desert", "fire", "cozy"), "make it warmer"),
    (("cold", "winter", "snow", "ice", "icy", "frozen", "blue"), "make it cooler"),
    (("vivid", "colorful", "colourful", "vibrant", "saturated"), "more saturation"),
    (("washed", "pastel", "muted", "desaturated"), "less saturation"),
    (("blurry", "dreamy", "soft focus", "haze", "foggy", "fog", "mist"), "blur a bit"),
)


def classic_suggestion(prompt: str) -> Optional[str]:
    """The classic command nearest to ``prompt`` ("classic: make it sunset"), or None."""
    text = " " + re.sub(r"\s+", " ", prompt.lower()) + " "
    for words, command in _LOOKS:
        for w in words:
            if re.search(r"(?<![a-z])" + re.escape(w) + r"(?![a-z])", text):
                return f"classic: {command}"
    return None
