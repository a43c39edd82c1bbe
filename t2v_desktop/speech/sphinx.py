"""Speech recognition with pocketsphinx: the embedded default (its wheel ships a US English model).

Fast (several times faster than real time on one core) and offline, but much less accurate than
Whisper, above all on unusual voices. The sound is read in order and cut into utterances of at most
``MAX_UTTERANCE`` seconds at its quietest moments, so memory stays bounded on a 3-hour file and a
cut rarely splits a word. Fillers that the model knows ("um", "uh", "ah", "er", "hmm") are kept as
words (speech.cuts removes them); silence and noise markers are dropped.
"""

from __future__ import annotations

import re
from typing import Iterator, List, Optional, Tuple

import numpy as np

from ..errors import T2VError
from ..jobs import CancelToken, ProgressFn, check, no_progress
from .audio import RATE, chunks, open_mono, to_int16
from .transcript import Transcript, Word

NAME = "pocketsphinx"
#: Longest utterance handed to the decoder at once (s); cuts fall in its quietest 0.3 s.
MAX_UTTERANCE = 20.0
#: An utterance is never cut shorter than this (s), unless the sound ends.
MIN_UTTERANCE = 6.0
#: Below this RMS (about -70 dBFS) an utterance is silence and is not decoded (nothing to hear, and
#: the decoder would invent words).
SILENCE_RMS = 3e-4
#: Fillers in the model's noise dictionary that are kept as words.
FILLERS = frozenset({"um", "uh", "ah", "er", "hmm"})
_ALT = re.compile(r"\(\d+\)$")  # "don't(2)": the second pronunciation of "don't"
LANGUAGES = ("en", "en-us", "english")


def check_language(language: Optional[str]) -> None:
    if language and language.lower() not in LANGUAGES:
        raise T2VError(f"pocketsphinx only knows English, not '{language}'. Use --backend whisper with a "
                       "multilingual model (hf download openai/whisper-small).")


def new_decoder(**options):
    """A pocketsphinx Decoder with the bundled US English model, quiet on stderr.

    Dither (fixed seed: same sound, same words) because stretches of digital silence (exact zeros,
    as in synthesised or edited sound) have no defined log energy and derail the search: alignment
    then drops the script's last words and recognition invents words."""
    try:
        from pocketsphinx import Decoder
    except ImportError as e:  # pragma: no cover - a dependency of the app
        raise T2VError("pocketsphinx is not installed: pip install pocketsphinx") from e
    return Decoder(samprate=RATE, loglevel="FATAL", dither=True, seed=1, **options)


def frame_rate(decoder) -> int:
    return int(decoder.config["frate"])


def word_text(raw: str) -> Optional[str]:
    """The word a segment stands for, or None for silence and noise markers."""
    text = _ALT.sub("", raw)
    if text in FILLERS:
        return text
    if not text or text.startswith(("<", "[", "+")):
        return None
    return text


def decode_segments(decoder, samples: np.ndarray, offset: float, *, strict: bool = True) -> Optional[List[Word]]:
    """Run one utterance through ``decoder`` (in whatever search mode it is) and return its words.

    No result (an alignment that found no path): [] or, with ``strict=False``, None."""
    decoder.start_utt()
    decoder.process_raw(to_int16(samples), full_utt=True)
    decoder.end_utt()
    rate = frame_rate(decoder)
    segs = decoder.seg()
    if segs is None:
        return [] if strict else None
    words = []
    for seg in segs:
        text = word_text(seg.word)
        if text is None:
            continue
        start = offset + seg.start_frame / rate
        end = offset + (seg.end_frame + 1) / rate
        words.append(Word(text, round(start, 3), round(end, 3), float(min(1.0, max(0.0, seg.prob)))))
    return words


def utterances(blocks: Iterator[Tuple[float, np.ndarray]], rate: int = RATE, *,
               max_seconds: float = MAX_UTTERANCE, min_seconds: float = MIN_UTTERANCE
               ) -> Iterator[Tuple[float, np.ndarray]]:
    """Regroup ordered sample blocks into utterances cut at quiet moments (at most ``max_seconds``)."""
    buf = np.zeros(0, np.float32)
    at = 0.0
    max_n, min_n = int(max_seconds * rate), int(min_seconds * rate)
    for start, block in blocks:
        if not buf.size:
            at = start
        buf = np.concatenate([buf, block])
        while buf.size >= max_n:
            cut = quietest(buf[:max_n], min_n, rate)
            yield at, buf[:cut]
            buf = buf[cut:]
            at += cut / rate
    if buf.size:
        yield at, buf


def quietest(samples: np.ndarray, lo: int, rate: int) -> int:
    """The sample index after ``lo`` at the centre of the quietest 0.3 s (on a 10 ms grid)."""
    hop = rate // 100
    base = lo - lo % hop
    n = (samples.size - base) // hop
    win = 30
    if n <= win:
        return samples.size
    energy = np.square(samples[base:base + n * hop].reshape(n, hop), dtype=np.float64).mean(axis=1)
    best = int(np.argmin(np.convolve(energy, np.ones(win), mode="valid"))) + win // 2
    return base + best * hop


def is_silent(samples: np.ndarray) -> bool:
    return samples.size == 0 or float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) < SILENCE_RMS


def transcribe(path, *, language: Optional[str] = None, progress: ProgressFn = no_progress,
               cancel: Optional[CancelToken] = None) -> Transcript:
    """Words with times of the speech in ``path`` (all silence: no words)."""
    check_language(language)
    decoder = new_decoder()
    words: List[Word] = []
    with open_mono(path) as src:
        total = src.duration
        progress(0.0, total, "Transcribing")
        for at, samples in utterances(chunks(src, 5.0)):
            check(cancel)
            if not is_silent(samples):
                words.extend(decode_segments(decoder, samples, at))
            progress(min(total, at + samples.size / RATE), total, "Transcribing")
    return Transcript(tuple(words), language="en", backend=NAME, duration=total)
