"""espeak-ng through ctypes, from the library and voices the ``espeakng-loader`` wheel ships.

No system espeak-ng is needed: the wheel carries ``libespeak-ng.so`` and ``espeak-ng-data``. We run it
synchronously (AUDIO_OUTPUT_SYNCHRONOUS) with a synth callback that collects the 16-bit samples and
the WORD events; each event's ``audio_position`` (ms) is where that word starts in the audio, so word
times are espeak's own, not a recogniser's guess. espeak is one global C state: every call goes
through ``_LOCK``. Its output also depends a little on what it said before (static state that even
re-initialising keeps: a repeat of a text can differ by ~10 ms), so tts.py caches by content: the same
request always returns the first result.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from ..errors import T2VError

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_END = 5
_EVENT_MSG_TERMINATED = 6
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE = 1
_EE_OK = 0

RATE_RANGE = (80, 450)  # words per minute espeak-ng accepts


class EspeakUnavailable(T2VError):
    """The espeak-ng library could not be loaded or initialised."""


class UnknownVoice(T2VError):
    """No espeak-ng voice of that name or language."""


class _IdUnion(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _IdUnion)]


class _Voice(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("languages", ctypes.c_void_p), ("identifier", ctypes.c_char_p),
                ("gender", ctypes.c_ubyte), ("age", ctypes.c_ubyte), ("variant", ctypes.c_ubyte),
                ("xx1", ctypes.c_ubyte), ("score", ctypes.c_int), ("spare", ctypes.c_void_p)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True)
class VoiceInfo:
    name: str  # "French (France)"
    identifier: str  # "roa/fr"
    languages: Tuple[str, ...]  # ("fr-fr", "fr")


@dataclass
class RawSynth:
    """What one espeak_Synth call produced: int16 samples and (character offset, start ms) per word."""

    samples: np.ndarray
    sample_rate: int
    words: List[Tuple[int, int, int]]  # (0-based character offset, length in characters, start ms)


_LOCK = threading.RLock()
_STATE: dict = {}


def _lib():
    """The initialised library (once per process); EspeakUnavailable when it cannot be."""
    if "lib" in _STATE:
        return _STATE["lib"]
    try:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data = espeakng_loader.get_data_path()
    except (ImportError, OSError) as e:
        raise EspeakUnavailable(f"The built-in voice (espeak-ng) is not available ({e}); "
                                "reinstall t2v-desktop or `pip install espeakng-loader`.") from None
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                 ctypes.c_uint, ctypes.POINTER(ctypes.c_uint), ctypes.c_void_p]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
    # 1 s audio blocks: 17x fewer Python callbacks than espeak's default 60 ms
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 1000, str(data).encode(), _INITIALIZE_DONT_EXIT)
    if rate <= 0:
        raise EspeakUnavailable(f"espeak-ng could not start with its voices in {data}; "
                                "reinstall t2v-desktop or `pip install --force-reinstall espeakng-loader`.")
    _STATE["rate"] = int(rate)
    _STATE["chunks"] = []
    _STATE["events"] = []

    def collect(wav, n, events):  # noqa: ANN001 - ctypes callback
        if wav and n > 0:
            _STATE["chunks"].append(np.frombuffer(ctypes.string_at(wav, 2 * n), "<i2"))
        k = 0
        while events[k].type != _EVENT_LIST_TERMINATED:
            ev = events[k]
            if ev.type == _EVENT_WORD:
                _STATE["events"].append((ev.text_position, ev.length, ev.audio_position))
            k += 1
        token = _STATE.get("cancel")
        return 1 if token is not None and token.cancelled else 0  # 1 stops the synthesis

    _STATE["callback"] = _CALLBACK(collect)  # kept alive here: espeak holds a raw pointer to it
    lib.espeak_SetSynthCallback(_STATE["callback"])
    _STATE["lib"] = lib
    return lib


def sample_rate() -> int:
    with _LOCK:
        _lib()
        return _STATE["rate"]


def _parse_languages(ptr: Optional[int]) -> Tuple[str, ...]:
    """espeak's languages field: (priority byte, NUL-terminated name) pairs ending with a 0 byte."""
    out: List[str] = []
    if not ptr:
        return ()
    pos = ptr
    while True:
        prio = ctypes.c_ubyte.from_address(pos).value
        if prio == 0:
            break
        name = ctypes.string_at(pos + 1)
        out.append(name.decode("utf-8", "replace"))
        pos += 2 + len(name)
    return tuple(out)


def voices() -> List[VoiceInfo]:
    """Every voice the shipped data holds."""
    with _LOCK:
        if "voices" not in _STATE:
            lib = _lib()
            arr = lib.espeak_ListVoices(None)
            found = []
            k = 0
            while arr and arr[k]:
                v = arr[k].contents
                found.append(VoiceInfo((v.name or b"").decode("utf-8", "replace"),
                                       (v.identifier or b"").decode("utf-8", "replace"),
                                       _parse_languages(v.languages)))
                k += 1
            _STATE["voices"] = found
        return list(_STATE["voices"])


def set_voice(name: str) -> None:
    """Select a voice by language code ("fr", "en-us"), name or identifier; UnknownVoice otherwise."""
    with _LOCK:
        lib = _lib()
        ok = bool(name) and name.isprintable() and lib.espeak_SetVoiceByName(name.encode("utf-8")) == _EE_OK
        if not ok and name:  # a language that no voice file is named after ("zh"): a voice that speaks it
            for v in voices():
                if name.lower() in v.languages:
                    ok = lib.espeak_SetVoiceByName(v.identifier.rsplit("/", 1)[-1].encode("utf-8")) == _EE_OK
                    if ok:
                        break
        if not ok:
            langs = sorted({lang for v in voices() for lang in v.languages})
            common = [x for x in ("en", "en-us", "fr", "es", "de", "it", "pt", "nl") if x in langs]
            raise UnknownVoice(f"No voice '{name}'. Use a language code such as {', '.join(common or langs[:8])} "
                               f"({len(langs)} available; `t2v-desktop say --list-voices` lists them).")


def synth(text: str, voice: str, rate_wpm: Optional[int] = None, cancel=None) -> RawSynth:
    """Speak ``text`` with ``voice``; samples at espeak's rate and each word's start. A set ``cancel``
    token (jobs.CancelToken) stops it between audio blocks and raises Cancelled."""
    from ..jobs import check

    with _LOCK:
        lib = _lib()
        set_voice(voice)
        lib.espeak_SetParameter(_RATE, int(rate_wpm or 175), 0)
        _STATE["chunks"] = []
        _STATE["events"] = []
        data = text.encode("utf-8") + b"\0"
        buf = ctypes.create_string_buffer(data, len(data))
        _STATE["cancel"] = cancel
        try:
            err = lib.espeak_Synth(buf, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        finally:
            _STATE["cancel"] = None
        check(cancel)
        if err != _EE_OK:
            raise EspeakUnavailable(f"espeak-ng could not speak this text (error {err}).")
        chunks, events = _STATE["chunks"], _STATE["events"]
        _STATE["chunks"], _STATE["events"] = [], []
        samples = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
        # text_position is 1-based and counts characters (not bytes) for UTF-8 input
        words = [(max(0, pos - 1), length, ms) for pos, length, ms in events]
        return RawSynth(samples.astype(np.int16, copy=False), _STATE["rate"], words)
