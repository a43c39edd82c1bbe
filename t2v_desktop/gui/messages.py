"""Error text for people: the first two sentences up front, the whole message behind "Details".

Core messages (an AI model that is missing, with the fetch command and the folders searched) can
run to five sentences and a path list; a status bar, overlay or dialog shows ``two_sentences``'s
short form and keeps the rest for a Details expander (``QMessageBox.setDetailedText``).
"""

from __future__ import annotations

import re

#: A sentence ends at . ! or ? followed by a space and something that starts a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`'\"“(])")
MAX_SHORT = 240


#: A long aside in parentheses (the folders searched, an alternative spelling of a command).
_LONG_ASIDE = re.compile(r"\s*\([^()]{48,}\)")


def two_sentences(message: str) -> tuple[str, str]:
    """(short, details): the first two sentences without their long asides, and the full message
    when it says more."""
    text = " ".join(str(message).split())
    parts = _SENTENCE_END.split(_LONG_ASIDE.sub("", text))
    short = " ".join(parts[:2])
    if len(short) > MAX_SHORT:
        short = short[:MAX_SHORT - 1].rstrip() + "…"
    return short, (text if short != text else "")


def show_error(parent, title: str, message: str) -> None:
    """A warning box with the short form and the full text behind "Show Details…"."""
    from PySide6.QtWidgets import QMessageBox

    short, details = two_sentences(message)
    box = QMessageBox(QMessageBox.Warning, title, short, QMessageBox.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.exec()
