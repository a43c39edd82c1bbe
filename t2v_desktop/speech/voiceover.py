"""A voice-over from text: the spoken file a clip can play and its captions, timed at a programme time.

``voice_over(text, start)`` speaks the text (speech.tts, content-cached), keeps the WAV in the cache
folder under its content key (the same text and voice always give the same file), and segments its
exact word times into caption cues moved to ``start``. Placing it on tracks is the command's job
(commands/voice_commands.py); the script-to-video builder uses the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from ..errors import ParamError
from ..jobs import CancelToken
from ..project.model import Cue
from .captions import segment
from .transcript import Word
from .tts import MAX_CHARS, Speech, speech_file, synthesize


@dataclass
class VoiceOver:
    speech: Speech
    path: Path  # the WAV a clip plays
    start: float  # programme seconds where it begins
    cues: List[Cue]  # captions on programme time

    @property
    def end(self) -> float:
        return self.start + self.speech.duration

    @property
    def words(self) -> List[Word]:
        return [Word(w.text, w.start + self.start, w.end + self.start) for w in self.speech.words]


def voice_over(text: str, start: float = 0.0, *, voice: str = "en", rate_wpm: Optional[int] = None,
               cancel: Optional[CancelToken] = None) -> VoiceOver:
    speech = synthesize(text, voice=voice, rate_wpm=rate_wpm, cancel=cancel)
    path = speech_file(speech)
    words = [Word(w.text, w.start + start, w.end + start) for w in speech.words]
    return VoiceOver(speech, path, float(start), segment(words))


def script_text(path) -> str:
    """The text of a script file (plain text or Markdown read as said), or a ParamError saying why not."""
    p = Path(path)
    try:
        if p.stat().st_size > 4 * MAX_CHARS:
            raise ParamError(f"{p.name} is too long for a voice-over (at most {MAX_CHARS:,} characters).")
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ParamError(f"{p.name} is not UTF-8 text; save the script as plain UTF-8 text.") from None
    except FileNotFoundError:
        raise ParamError(f"There is no script {p}.") from None
    except OSError as e:
        raise ParamError(f"Cannot read the script {p} ({e.strerror or e}).") from None
    lines = []
    for line in text.splitlines():
        line = line.strip().lstrip("#>*-").strip()  # Markdown headings, quotes and bullets are read as text
        if line:
            lines.append(line if line[-1] in ".!?:;," else line + ".")
    said = " ".join(lines)
    if not any(ch.isalnum() for ch in said):
        raise ParamError(f"The script {p.name} has no words to read.")
    return said
