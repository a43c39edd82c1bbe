"""Text to speech with exact word timing: the embedded espeak-ng voice, Piper voices when installed.

``synthesize(text, voice="fr")`` returns a ``Speech``: mono float32 samples and one ``Word`` per word
of the text whose start/end are where that word sounds in the samples (the engine's own word events,
trimmed to the sound), so captions made from it match the audio exactly. A voice is a language code or
espeak voice name ("en", "fr", "en-us"), or ``piper:<model name>`` for a local Piper voice.

Results are cached by content (engine, voice, rate, text, version): in memory, and as a 16-bit WAV plus
a JSON of the words under ``cache_dir()/tts``, which is also the file a voice-over clip plays. Samples
are always 16-bit values / 32768, so a cached result equals a fresh one sample for sample.
"""

from __future__ import annotations

import io
import json
import re
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..engine.cache import LRU, content_key
from ..errors import EncodeError, MediaError, ParamError, os_error_message
from ..jobs import CancelToken, check
from .transcript import Transcript, Word

#: Bump when synthesis or word timing changes so that cached speech is made again.
VERSION = 1
DEFAULT_RATE_WPM = 175
RATE_RANGE = (80, 450)
MAX_CHARS = 50_000  # about 50 minutes of speech: 17.7 s and 0.93 GB peak to make (measured); split longer
_SILENCE = 0.002  # |sample| at or under this (-54 dBFS) is silence when trimming a word to its sound

_MEMORY = LRU(32)


@dataclass(frozen=True, eq=False)
class Speech:
    """Spoken text: mono float32 samples at ``sample_rate`` and its words on the samples' time."""

    samples: np.ndarray
    sample_rate: int
    words: Tuple[Word, ...]
    text: str = ""
    voice: str = ""
    engine: str = "espeak"
    key: str = ""

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sample_rate)

    def transcript(self) -> Transcript:
        lang = self.voice.split(":")[-1].split("-")[0].split("_")[0] or "en"
        return Transcript(self.words, lang, f"tts:{self.engine}", self.duration)


# -- words of a text -----------------------------------------------------------------------------

_TOKEN = re.compile(r"\S+")


def text_words(text: str) -> List[Tuple[int, int, str]]:
    """The words of ``text`` as (start char, end char, text): whitespace-separated tokens with a letter
    or digit; a token of punctuation only ("—") is joined to the word before it."""
    out: List[Tuple[int, int, str]] = []
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if any(ch.isalnum() for ch in tok) or not out:
            out.append((m.start(), m.end(), tok))
        else:
            a, _, t = out[-1]
            out[-1] = (a, m.end(), f"{t} {tok}")
    return [w for w in out if any(ch.isalnum() for ch in w[2])]


def _is_unspaced(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" \
        or "\u0e00" <= ch <= "\u0eff"  # kana, CJK ideographs, hangul syllables, Thai and Lao


def _split_unspaced(words: List[Tuple[int, int, str]], positions: Sequence[int]) -> List[Tuple[int, int, str]]:
    out: List[Tuple[int, int, str]] = []
    for a, b, t in words:
        cuts = [p for p in positions if a < p < b] if any(_is_unspaced(ch) for ch in t) else []
        edges = [a] + cuts + [b]
        out += [(x, y, t[x - a:y - a]) for x, y in zip(edges, edges[1:], strict=False)]
    return out


def timed_words(text: str, samples: np.ndarray, sample_rate: int,
                starts: Sequence[Tuple[int, float]]) -> Tuple[Word, ...]:
    """Words of ``text`` timed from the engine's (character offset, start seconds) events.

    Each word spans from its first event to the next word's first event, trimmed to where there is
    sound (pauses at commas and full stops are outside every word). A word the engine gave no event
    shares the span of the word before it, split by characters. Text written without spaces (Chinese)
    is split where the engine's events start."""
    words = _split_unspaced(text_words(text), sorted({pos for pos, _ in starts}))
    if not words:
        return ()
    first: List[Optional[float]] = [None] * len(words)
    k = 0
    for pos, t in sorted(starts):
        while k + 1 < len(words) and pos >= words[k + 1][0]:
            k += 1
        if first[k] is None:
            first[k] = t
    if first[0] is None:
        first[0] = 0.0
    total = len(samples) / float(sample_rate)
    # group words without an event with the evented word before them
    groups: List[List[int]] = []
    for i, t in enumerate(first):
        if t is None:
            groups[-1].append(i)
        else:
            groups.append([i])
    out: List[Word] = []
    loud = np.abs(samples) > _SILENCE
    for g, members in enumerate(groups):
        a = float(first[members[0]])
        b = float(first[groups[g + 1][0]]) if g + 1 < len(groups) else total
        a, b = _trim(loud, sample_rate, max(a, out[-1].end if out else 0.0), max(a, min(b, total)))
        chars = [len(words[i][2]) for i in members]
        edges = np.concatenate([[0.0], np.cumsum(chars)]) / float(sum(chars))
        for j, i in enumerate(members):
            out.append(Word(words[i][2], round(float(a + (b - a) * edges[j]), 4),
                            round(float(a + (b - a) * edges[j + 1]), 4)))
    return tuple(out)


def _trim(loud: np.ndarray, rate: int, a: float, b: float) -> Tuple[float, float]:
    i0, i1 = int(round(a * rate)), int(round(b * rate))
    idx = np.flatnonzero(loud[i0:i1])
    if len(idx) == 0:
        return a, b
    return (i0 + int(idx[0])) / rate, (i0 + int(idx[-1]) + 1) / rate


# -- engines -------------------------------------------------------------------------------------


def _engine_of(voice: str) -> Tuple[str, str]:
    engine, sep, name = voice.partition(":")
    if sep and engine in ("espeak", "piper"):
        return engine, name
    return "espeak", voice


def _synth_espeak(text: str, voice: str, rate_wpm: int, cancel: Optional[CancelToken]) -> Tuple[np.ndarray, int,
                                                                                                  Tuple[Word, ...]]:
    from . import espeak

    raw = espeak.synth(text, voice, rate_wpm, cancel)
    samples = raw.samples.astype(np.float32) / 32768.0
    words = timed_words(text, samples, raw.sample_rate, [(pos, ms / 1000.0) for pos, _, ms in raw.words])
    return samples, raw.sample_rate, words


def _synth_piper(text: str, voice: str, rate_wpm: int, cancel: Optional[CancelToken]) -> Tuple[np.ndarray, int,
                                                                                                 Tuple[Word, ...]]:
    from . import piper

    samples, rate, words = piper.synth(text, voice, rate_wpm / DEFAULT_RATE_WPM, cancel)
    samples = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768.0) / 32768.0  # the 16-bit grid
    return samples.astype(np.float32), rate, words


_ENGINES = {"espeak": _synth_espeak, "piper": _synth_piper}


def synthesize(text: str, *, voice: str = "en", rate_wpm: Optional[int] = None,
               cancel: Optional[CancelToken] = None) -> Speech:
    """``text`` spoken by ``voice`` at ``rate_wpm`` words a minute (None: the voice's usual 175),
    with exact word times; the same request again is served from the cache."""
    text = (text or "").strip()
    if not any(ch.isalnum() for ch in text):
        raise ParamError("There is nothing to say: give some words for the voice to read.")
    if len(text) > MAX_CHARS:
        raise ParamError(f"That text is {len(text):,} characters; one voice-over reads at most {MAX_CHARS:,} (about 50 minutes). "
                         "Split the script.")
    rate = DEFAULT_RATE_WPM if rate_wpm is None else int(rate_wpm)
    if not RATE_RANGE[0] <= rate <= RATE_RANGE[1]:
        raise ParamError(f"A speaking rate must be {RATE_RANGE[0]}..{RATE_RANGE[1]} words a minute, got {rate_wpm}.")
    engine, name = _engine_of((voice or "en").strip())
    key = content_key("tts", VERSION, engine, name, rate, text)
    hit = _MEMORY.get(key) or _load_cached(key, text, voice)
    if hit is not None:
        _MEMORY.put(key, hit)
        return hit
    check(cancel)
    samples, sr, words = _ENGINES[engine](text, name, rate, cancel)
    speech = Speech(samples, sr, words, text, voice, engine, key)
    _store(speech)
    _MEMORY.put(key, speech)
    return speech


def list_voices() -> List[Tuple[str, str]]:
    """(voice to pass to ``synthesize``, description) for every voice on this machine."""
    from . import espeak

    out = []
    for v in espeak.voices():
        out.append((v.identifier.rsplit("/", 1)[-1], f"{v.name} (espeak-ng)"))
    try:
        from . import piper

        out += [(f"piper:{name}", f"{name} (Piper, {path.parent})") for name, path in piper.installed_voices()]
    except ImportError:  # pragma: no cover - piper.py is part of the package
        pass
    return out


# -- files ---------------------------------------------------------------------------------------


def wav_bytes(speech: Speech) -> bytes:
    pcm = np.round(np.clip(speech.samples, -1.0, 32767 / 32768) * 32768.0).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(speech.sample_rate))
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def save_wav(speech: Speech, path) -> Path:
    """Write ``speech`` as a 16-bit mono WAV (atomically: a failed write leaves no partial file)."""
    from ..fsutil import atomic_write_bytes

    path = Path(path)
    atomic_write_bytes(path, wav_bytes(speech))
    return path


def read_wav(path) -> Tuple[np.ndarray, int]:
    """A 16-bit mono WAV written by ``save_wav`` as (float32 samples, rate)."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise MediaError(f"{path} is not a 16-bit mono WAV.")
            rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    except (OSError, EOFError, wave.Error) as e:
        raise MediaError(f"Cannot read {path} ({e}).") from None
    return pcm.astype(np.float32) / 32768.0, rate


def cache_folder() -> Path:
    from ..paths import cache_dir

    return cache_dir() / "tts"


def speech_file(speech: Speech) -> Path:
    """The cached WAV of ``speech`` (written now when missing): a stable path a clip can play."""
    path = cache_folder() / f"{speech.key or content_key('tts-file', speech.text, speech.voice)}.wav"
    if not path.is_file():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_wav(speech, path)
        except OSError as e:
            raise EncodeError(os_error_message(e, path)) from None
    return path


def _store(speech: Speech) -> None:
    """Keep the WAV and words on disk; a cache that cannot be written only costs a re-synthesis."""
    try:
        folder = cache_folder()
        folder.mkdir(parents=True, exist_ok=True)
        from ..fsutil import atomic_write_text

        speech_file(speech)
        atomic_write_text(folder / f"{speech.key}.json", json.dumps(
            {"key": speech.key, "words": [w.to_json() for w in speech.words]}))
    except Exception:  # noqa: BLE001 - an optional cache
        pass


def cached(text: str, *, voice: str = "en", rate_wpm: Optional[int] = None) -> Optional[Speech]:
    """What ``synthesize`` would return when it is already made (memory or disk cache), else None;
    never synthesizes (a plan's length from speech made by an earlier run)."""
    text = (text or "").strip()
    engine, name = _engine_of((voice or "en").strip())
    rate = DEFAULT_RATE_WPM if rate_wpm is None else int(rate_wpm)
    key = content_key("tts", VERSION, engine, name, rate, text)
    return _MEMORY.get(key) or _load_cached(key, text, voice)


def _load_cached(key: str, text: str, voice: str) -> Optional[Speech]:
    folder = cache_folder()
    try:
        meta = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        if meta.get("key") != key:
            return None
        samples, rate = read_wav(folder / f"{key}.wav")
        words = tuple(Word.from_json(w) for w in meta["words"])
    except (OSError, ValueError, KeyError, TypeError, MediaError):
        return None
    return Speech(samples, rate, words, text, voice, _engine_of(voice)[0], key)


def clear_memory_cache() -> None:
    """Forget in-memory speech (tests; the disk cache stays)."""
    _MEMORY.clear()


def default_voice(language: str = "en") -> str:
    """The best voice on this machine for ``language``: an installed Piper voice when Piper can run it
    (the quality path), else the built-in espeak-ng voice of that language."""
    from . import piper

    return piper.best_voice(language) or language
