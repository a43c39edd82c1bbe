"""The transcript: words with times, the one data type every speech feature speaks.

Times are seconds on the audio that was transcribed (a file's own time, or the programme's time when
the timeline's mix was transcribed). JSON round-trips exactly; no pickle.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Tuple


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    confidence: float = 1.0

    def to_json(self) -> dict:
        return {"text": self.text, "start": round(self.start, 4), "end": round(self.end, 4),
                "confidence": round(self.confidence, 4)}

    @classmethod
    def from_json(cls, d: dict) -> "Word":
        return cls(str(d["text"]), float(d["start"]), float(d["end"]), float(d.get("confidence", 1.0)))


@dataclass(frozen=True)
class Transcript:
    words: Tuple[Word, ...] = ()
    language: str = "en"
    backend: str = ""  # "pocketsphinx", "whisper:<model>", "align:pocketsphinx", "espeak" ...
    duration: float = 0.0  # length of the audio it was made from

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    def between(self, start: float, end: float) -> "Transcript":
        """The words that overlap [start, end)."""
        return replace(self, words=tuple(w for w in self.words if w.end > start and w.start < end))

    def shifted(self, offset: float) -> "Transcript":
        return replace(self, words=tuple(replace(w, start=w.start + offset, end=w.end + offset)
                                         for w in self.words))

    def to_json(self) -> dict:
        return {"version": 1, "language": self.language, "backend": self.backend,
                "duration": round(self.duration, 4), "words": [w.to_json() for w in self.words]}

    @classmethod
    def from_json(cls, d: dict) -> "Transcript":
        return cls(tuple(Word.from_json(w) for w in d.get("words", ())), str(d.get("language", "en")),
                   str(d.get("backend", "")), float(d.get("duration", 0.0)))


def words_from(items: Iterable[Tuple[str, float, float]]) -> Tuple[Word, ...]:
    return tuple(Word(t, float(s), float(e)) for t, s, e in items)
