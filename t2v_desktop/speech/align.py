"""Forced alignment: the times of a known script's words in the sound, for exact caption timing.

pocketsphinx aligns the script's words (lower-cased, punctuation stripped) to the audio with its
English acoustic model; the transcript keeps the script's own spelling and punctuation, so captions
read as written. Words the dictionary lacks (names, numbers) cannot be aligned: they get the time
between their aligned neighbours, shared by length. The whole file is one utterance, so the
length is capped (``MAX_SECONDS``); longer recordings: transcribe them instead.
"""

from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

from ..errors import T2VError
from ..jobs import CancelToken, ProgressFn, check, no_progress
from . import sphinx
from .audio import open_mono
from .cache import cached_transcript
from .transcript import Transcript, Word

NAME = "align:pocketsphinx"
#: Longest sound aligned in one pass (s): alignment memory grows with sound length x script length.
MAX_SECONDS = 20 * 60.0
_EDGE = re.compile(r"^[^\w']+|[^\w']+$")


def script_words(text: str) -> List[str]:
    """The script's words as written (punctuation kept on them), in order."""
    return [w for w in text.split() if _EDGE.sub("", w)]


def dictionary_form(word: str) -> str:
    """What the pronunciation dictionary calls ``word``: lower case, no edge punctuation."""
    return _EDGE.sub("", word).lower().replace("\u2019", "'")


def align(path, text: str, *, progress: ProgressFn = no_progress, cancel: Optional[CancelToken] = None,
          use_cache: bool = True) -> Transcript:
    """The script ``text`` with each word's time in the speech of ``path``."""
    words = script_words(text)
    if not words:
        raise T2VError("The script has no words to align.")
    open_mono(path).close()  # no audio stream / broken file: one clear message first

    def compute() -> Transcript:
        return _align(path, words, progress, cancel)

    if not use_cache:
        return compute()
    return cached_transcript(path, "align", compute, words=words)


def _align(path, words: Sequence[str], progress: ProgressFn, cancel: Optional[CancelToken]) -> Transcript:
    decoder = sphinx.new_decoder()
    keys = [dictionary_form(w) for w in words]
    known = [i for i, k in enumerate(keys) if k and decoder.lookup_word(k) is not None]
    with open_mono(path) as src:
        total = src.duration
        if total > MAX_SECONDS:
            raise T2VError(f"{path} is {total / 60:.0f} minutes long; alignment handles up to "
                           f"{MAX_SECONDS / 60:.0f} minutes. Transcribe it instead, or split it.")
        progress(0.0, total, "Aligning")
        if not known:
            raise T2VError("None of the script's words is in the English pronunciation dictionary; "
                           "alignment needs English text.")
        check(cancel)
        samples = src.read(0.0, total)[0]
    decoder.set_align_text(" ".join(keys[i] for i in known))
    try:
        found = sphinx.decode_segments(decoder, samples, 0.0)
    except RuntimeError as e:
        raise T2VError(f"Could not align the script to the sound of {path} ({e}).") from None
    check(cancel)
    if len(found) != len(known):
        raise T2VError(f"Could not align the script to the sound of {path}: is it the text that is spoken?")
    timed = {i: (w.start, w.end) for i, w in zip(known, found, strict=True)}
    progress(total, total, "Aligning")
    out = [Word(w, s, e) for w, (s, e) in zip(words, fill_gaps(words, timed, total), strict=True)]
    return Transcript(tuple(out), language="en", backend=NAME, duration=total)


def fill_gaps(words: Sequence[str], timed: dict, total: float) -> List[Tuple[float, float]]:
    """Times for every word: aligned ones as found, the others share the gap around them by length."""
    spans: List[Tuple[float, float]] = [timed.get(i, (0.0, 0.0)) for i in range(len(words))]
    i = 0
    while i < len(words):
        if i in timed:
            i += 1
            continue
        j = i
        while j < len(words) and j not in timed:
            j += 1
        lo = timed[i - 1][1] if i > 0 else 0.0
        hi = timed[j][0] if j < len(words) else total
        weights = [len(w) + 1 for w in words[i:j]]
        step, at = max(0.0, hi - lo) / sum(weights), lo
        for k, wgt in zip(range(i, j), weights, strict=True):
            spans[k] = (round(at, 3), round(at + wgt * step, 3))
            at += wgt * step
        i = j
    return spans
