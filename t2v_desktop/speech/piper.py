"""Piper voices (the quality path of text to speech), from a local folder, never downloaded.

A Piper voice is ``<name>.onnx`` with its ``<name>.onnx.json`` config. We look in $T2V_PIPER_DIR,
``models_dir()/piper`` and the Hugging Face cache copy of ``rhasspy/piper-voices``; the ``piper-tts``
package runs them. Piper gives no word events, so word times come from its sentence chunks: each
sentence's words share that sentence's sound by their lengths, trimmed to the sound by
``tts.timed_words`` (exact at sentence edges and pauses, approximate inside a sentence).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from ..errors import T2VError
from ..jobs import CancelToken, check

HF_REPO = "rhasspy/piper-voices"
EXAMPLE_VOICE = "en_US-lessac-medium"


class PiperMissing(T2VError):
    """The Piper package or the named voice is not on this machine."""


def search_dirs() -> List[Path]:
    """Where Piper voices are looked for, in order."""
    from ..diffusion.models import hf_cache_dir
    from ..paths import models_dir

    dirs = []
    if os.environ.get("T2V_PIPER_DIR"):
        dirs.append(Path(os.environ["T2V_PIPER_DIR"]).expanduser())
    dirs.append(models_dir() / "piper")
    snaps = hf_cache_dir() / ("models--" + HF_REPO.replace("/", "--")) / "snapshots"
    if snaps.is_dir():
        dirs += sorted((p for p in snaps.iterdir() if p.is_dir()), key=lambda p: -p.stat().st_mtime)
    else:
        dirs.append(snaps)
    return dirs


def installed_voices() -> List[Tuple[str, Path]]:
    """(name, .onnx path) of every voice with its config, first folder wins for a name."""
    found: dict = {}
    for d in search_dirs():
        if not d.is_dir():
            continue
        for onnx in sorted(d.rglob("*.onnx")):
            if onnx.with_name(onnx.name + ".json").is_file():
                found.setdefault(onnx.stem, onnx)
    return sorted(found.items())


def voice_language(name: str) -> str:
    """"en_US-lessac-medium" -> "en"."""
    return name.split("-")[0].split("_")[0].lower()


def fetch_command(name: str = EXAMPLE_VOICE) -> str:
    lang_region, speaker, quality = (name.split("-") + ["", ""])[:3]
    lang = lang_region.split("_")[0]
    return (f"hf download {HF_REPO} --include "
            f"'{lang}/{lang_region}/{speaker}/{quality}/{name}.onnx*'")


def find_voice(name: str) -> Path:
    """The .onnx of voice ``name``; PiperMissing naming where we looked and the fetch command."""
    for voice, path in installed_voices():
        if voice == name:
            return path
    looked = "; ".join(str(d) for d in search_dirs())
    raise PiperMissing(f"No Piper voice '{name}' (looked in {looked}); fetch it with `{fetch_command(name)}` "
                       f"or put {name}.onnx and {name}.onnx.json in {search_dirs()[0]}.")


def available() -> bool:
    try:
        import piper  # noqa: F401
    except ImportError:
        return False
    return True


def best_voice(language: str) -> Optional[str]:
    """``piper:<name>`` of an installed voice for ``language`` when Piper can run it, else None."""
    if not available():
        return None
    for name, _ in installed_voices():
        if voice_language(name) == language.split("-")[0].split("_")[0].lower():
            return f"piper:{name}"
    return None


_SENTENCE = re.compile(r"[^.!?]+[.!?]*\s*")
_LOADED: dict = {}


def synth(text: str, name: str, speed: float = 1.0, cancel: Optional[CancelToken] = None):
    """(float32 samples, rate, words) of ``text`` spoken by Piper voice ``name``."""
    path = find_voice(name)
    try:
        from piper import PiperVoice
    except ImportError:
        raise PiperMissing(f"Piper voice '{name}' is installed but the Piper engine is not: "
                           "`pip install piper-tts`, or use a built-in voice such as 'en'.") from None
    from .tts import timed_words

    voice = _LOADED.get(str(path)) or PiperVoice.load(str(path))
    _LOADED[str(path)] = voice
    sentences = [m for m in _SENTENCE.finditer(text) if m.group(0).strip()]
    parts, starts, t = [], [], 0.0
    rate = 22050
    for m in sentences:
        check(cancel)
        audio, rate = _speak(voice, m.group(0), speed)
        words = [w for w in re.finditer(r"\S+", m.group(0))]
        chars = np.cumsum([0] + [len(w.group(0)) + 1 for w in words])
        for w, c in zip(words, chars[:-1], strict=True):
            starts.append((m.start() + w.start(), t + len(audio) / rate * c / chars[-1]))
        parts.append(audio)
        t += len(audio) / rate
    samples = np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)
    return samples, rate, timed_words(text, samples, rate, starts)


def _speak(voice, text: str, speed: float) -> Tuple[np.ndarray, int]:
    """One sentence through piper-tts (1.3 API: chunks of float audio; 1.2: raw 16-bit stream)."""
    try:
        from piper import SynthesisConfig

        chunks = list(voice.synthesize(text, SynthesisConfig(length_scale=1.0 / speed)))
        audio = np.concatenate([c.audio_float_array for c in chunks]) if chunks else np.zeros(0, np.float32)
        return audio, int(chunks[0].sample_rate if chunks else voice.config.sample_rate)
    except ImportError:  # piper-tts 1.2
        raw = b"".join(voice.synthesize_stream_raw(text, length_scale=1.0 / speed))
        return np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0, int(voice.config.sample_rate)
