"""Forced alignment: the times of a known script's words in the sound, for exact caption timing.

pocketsphinx aligns the script's words (lower-cased, punctuation stripped) to the audio with its
English acoustic model; the transcript keeps the script's own spelling and punctuation, so captions
read as written. Words the dictionary lacks (names, numbers) cannot be aligned: they get the time
between their aligned neighbours, shared by length. Long recordings are aligned in overlapping
windows of about ``BLOCK`` words, so memory stays bounded.
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
#: Words aligned per window, and the share of them kept before the next window starts.
BLOCK = 40
KEEP = 0.7
#: Share of the last window's words that must be aligned (the rest are placed by fill_gaps).
TAIL = 0.8
#: Wider beams than recognition's (1e-48): with the words fixed the search is small, and the default
#: beams lose every path on some stretches of synthetic speech (measured on bench/transcribe.py).
BEAMS = {"beam": 1e-80, "pbeam": 1e-80, "wbeam": 1e-60}
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
    decoder = sphinx.new_decoder(**BEAMS)
    keys = [dictionary_form(w) for w in words]
    known = [i for i, k in enumerate(keys) if k and decoder.lookup_word(k) is not None]
    if not known:
        raise T2VError("None of the script's words is in the English pronunciation dictionary; "
                       "alignment needs English text.")
    with open_mono(path) as src:
        total = src.duration
        found = _align_windows(decoder, src, [keys[i] for i in known], total, progress, cancel)
    timed = {i: (w.start, w.end) for i, w in zip(known, found, strict=True) if w is not None}
    progress(total, total, "Aligning")
    out = [Word(w, s, e) for w, (s, e) in zip(words, fill_gaps(words, timed, total), strict=True)]
    return Transcript(tuple(out), language="en", backend=NAME, duration=total)


def _align_windows(decoder, src, keys: List[str], total: float, progress: ProgressFn,
                   cancel: Optional[CancelToken]) -> List[Optional[Word]]:
    """Align ``keys`` window by window, so memory and search stay bounded however long the sound.

    A window holds BLOCK words that must be said in it, followed by the next words as optional (a
    grammar ``w1 .. wN [wN+1 [wN+2 ...]]``), so speech past the block is matched by the words that
    really follow instead of stretching the block. Its length comes from the average speaking rate
    plus a margin (widened when no path is found). The first KEEP of the block's words are kept and
    the next window starts where the last kept word ends. The last window may leave its last few
    words unaligned (None: the sound ends before the decoder could fit them)."""
    per_word = total / len(keys)
    out: List[Optional[Word]] = []
    i, at = 0, 0.0
    while i < len(keys):
        check(cancel)
        progress(at, total, "Aligning")
        block = keys[i:i + BLOCK]
        for widen in (1.0, 1.6, 2.5, None):
            end = total if widen is None else min(total, at + widen * (len(block) * per_word * 1.2 + 3.0))
            last = end >= total
            required = keys[i:] if last else block
            optional = [] if last else keys[i + len(block):i + 2 * len(block)]
            _set_grammar(decoder, required, optional)
            words = sphinx.decode_segments(decoder, src.read(at, end)[0], at, strict=False)
            if words is not None and len(words) >= len(required):
                break
            if last and words and len(words) >= TAIL * len(required):
                words = words + [None] * (len(required) - len(words))
                break
        else:
            raise T2VError(f"Could not align the script to the sound near {at:.0f} s: is it the text that is "
                           "spoken there?")
        keep = len(required) if last else max(1, int(len(required) * KEEP))
        out.extend(words[:keep])
        i += keep
        at = words[keep - 1].end if words[keep - 1] is not None else total
    return out


def _set_grammar(decoder, required: Sequence[str], optional: Sequence[str]) -> None:
    tail = ""
    for w in reversed(optional):
        tail = f" [{_token(w)}{tail}]"
    body = " ".join(_token(w) for w in required) + tail
    decoder.add_jsgf_string("align", f"#JSGF V1.0;\ngrammar align;\npublic <words> = {body};\n")
    decoder.activate_search("align")


def _token(word: str) -> str:
    return word if word.isalnum() else '"' + word.replace('"', "") + '"'


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
