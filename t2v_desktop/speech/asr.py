"""Speech recognition: one entry point, ``transcribe``, over the installed backends.

``sphinx`` (pocketsphinx, embedded, English, fast) is the default that works on a fresh install;
``whisper`` (transformers, a local model folder or the Hugging Face cache) is the quality path with
language detection. ``auto`` takes pocketsphinx for English or an unknown language, Whisper for
another named language. Results are cached by the audio's content (speech.cache).
"""

from __future__ import annotations

from typing import Optional

from ..errors import T2VError
from ..jobs import CancelToken, ProgressFn, no_progress
from .cache import cached_transcript
from .transcript import Transcript

BACKENDS = ("sphinx", "whisper")


def pick_backend(backend: str, language: Optional[str]) -> str:
    name = (backend or "auto").lower()
    if name in ("pocketsphinx",):
        name = "sphinx"
    if name == "auto":
        from . import sphinx

        return "sphinx" if not language or language.lower() in sphinx.LANGUAGES else "whisper"
    if name not in BACKENDS:
        raise T2VError(f"Unknown speech backend '{backend}'. Choose one of: auto, {', '.join(BACKENDS)}.")
    return name


def transcribe(path, *, backend: str = "auto", language: Optional[str] = None, model: Optional[str] = None,
               progress: ProgressFn = no_progress, cancel: Optional[CancelToken] = None,
               use_cache: bool = True) -> Transcript:
    """Words with times of the speech in ``path`` (seconds on the file's own time).

    ``model``: a Whisper model folder or Hub id (whisper backend only). All silence gives an empty
    transcript; no audio stream, a broken file or an unknown language raise a T2VError."""
    name = pick_backend(backend, language)
    if name == "sphinx":
        from . import sphinx

        sphinx.check_language(language)

        def compute() -> Transcript:
            return sphinx.transcribe(path, language=language, progress=progress, cancel=cancel)

        params = {"language": "en"}
    else:
        from . import whisper

        found = whisper.find_model(model)  # a missing model fails before any decoding

        def compute() -> Transcript:
            return whisper.transcribe(path, model=found, language=language, progress=progress, cancel=cancel)

        params = {"language": language, "model": whisper.model_identity(found)}
    if not use_cache:
        return compute()
    from .audio import open_mono

    open_mono(path).close()  # no audio stream / broken file: the same message, cached or not
    return cached_transcript(path, name, compute, **params)
