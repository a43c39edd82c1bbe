"""On-screen text of keyframes with Tesseract (through pytesseract), when the binary is installed.

Why Tesseract: offline, installed by every package manager, good on rendered titles/captions/signs,
which is what people search footage for ("text 'SALE'"). Without it the index is still built (shots,
colours, speech) and ``library status`` says how to turn OCR on; a later reindex adds the text.
Video frames are noisy: only words Tesseract is confident about (MIN_CONF) and that contain a letter
or digit are kept, so search is not flooded with texture read as letters (bigbuckbunny.mp4's grass
reads as "Wy", "ij", "W," at confidence up to 76; rendered titles read at 90+).
"""

from __future__ import annotations

import re
import shutil
from typing import List

MIN_CONF = 80.0  # real rendered text reads at 90+, texture (grass, foliage) read as letters at <= 76
INSTALL_HINT = ("on-screen text (OCR) is off: install Tesseract (Debian/Ubuntu: `sudo apt install tesseract-ocr`, "
                "macOS: `brew install tesseract`, Windows: the UB-Mannheim installer) and run "
                "`t2v-desktop library reindex`")
_WORD = re.compile(r"[\w][\w'&.,!?:%$-]*", re.UNICODE)


def available() -> bool:
    """True when pytesseract imports and the tesseract binary is on PATH."""
    if shutil.which("tesseract") is None:
        return False
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    return True


def read_words(img, *, min_conf: float = MIN_CONF, lang: str = "eng") -> List[str]:
    """Confident words in a PIL image, in reading order."""
    import pytesseract

    gray = img.convert("L")
    data = pytesseract.image_to_data(gray, lang=lang, config="--psm 11",
                                     output_type=pytesseract.Output.DICT)
    out: List[str] = []
    for text, conf in zip(data.get("text", []), data.get("conf", []), strict=False):
        word = (text or "").strip()
        try:
            c = float(conf)
        except (TypeError, ValueError):
            c = -1.0
        if c >= min_conf and len(word) >= 2 and any(ch.isalnum() for ch in word) and _WORD.fullmatch(word):
            out.append(word)
    return out


def read_text(img, **kw) -> str:
    """The confident words of ``img`` joined by spaces ('' when none)."""
    return " ".join(read_words(img, **kw))
