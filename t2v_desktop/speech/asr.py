"""Speech recognition: one entry point, ``transcribe``, over the installed backends.

``sphinx`` (pocketsphinx, embedded, English, fast) is the default that works on a fresh install;
``whisper`` (transformers, a local model folder or the Hugging Face cache) is the quality path with
language detection and speech-to-English translation (``task="translate"``); ``faster-whisper`` is
the same through CTranslate2 when that optional package and a CTranslate2 model are installed.
``auto`` takes pocketsphinx for English or an unknown language, Whisper for another named language
or a translation (faster-whisper when it is ready to run). Results are cached by the audio's content
(speech.cache).
"""

from __future__ import annotations

from typing import Optional

from ..errors import T2VError
from ..jobs import CancelToken, ProgressFn, no_progress
from .cache import cached_transcript
from .transcript import Transcript

BACKENDS = ("sphinx", "whisper", "faster-whisper")
_ALIASES = {"pocketsphinx": "sphinx", "faster_whisper": "faster-whisper", "ctranslate2": "faster-whisper"}


def pick_backend(backend: str, language: Optional[str], task: str = "transcribe") -> str:
    name = (backend or "auto").lower()
    name = _ALIASES.get(name, name)
    if name == "auto":
        from . import sphinx

        if task == "transcribe" and (not language or language.lower() in sphinx.LANGUAGES):
            return "sphinx"
        return "faster-whisper" if _faster_ready() else "whisper"
    if name not in BACKENDS:
        raise T2VError(f"Unknown speech backend '{backend}'. Choose one of: auto, {', '.join(BACKENDS)}.")
    if name == "sphinx" and task != "transcribe":
        raise T2VError("pocketsphinx only transcribes English; translating speech needs --backend whisper "
                       "(or faster-whisper) and a Whisper model.")
    return name


def _faster_ready() -> bool:
    from . import fwhisper

    if not fwhisper.available():
        return False
    try:
        fwhisper.find_model(None)
    except T2VError:
        return False
    return True


def transcribe(path, *, backend: str = "auto", language: Optional[str] = None, model: Optional[str] = None,
               progress: ProgressFn = no_progress, cancel: Optional[CancelToken] = None,
               use_cache: bool = True, task: str = "transcribe") -> Transcript:
    """Words with times of the speech in ``path`` (seconds on the file's own time).

    ``model``: a Whisper model folder or Hub id (whisper backends only). ``task="translate"``:
    English words whatever the spoken language (Whisper only). All silence gives an empty
    transcript; no audio stream, a broken file or an unknown language raise a T2VError."""
    from .whisper import check_task

    check_task(task)
    from . import sphinx

    if language and language.strip().lower() not in sphinx.LANGUAGES:
        from .whisper import language_code

        language = language_code(language)  # unknown: one line before any model is looked for
    name = pick_backend(backend, language, task)
    if name == "sphinx":
        sphinx.check_language(language)

        def compute() -> Transcript:
            return sphinx.transcribe(path, language=language, progress=progress, cancel=cancel)

        params = {"language": "en"}
    else:
        from . import fwhisper, whisper

        mod = fwhisper if name == "faster-whisper" else whisper
        found = mod.find_model(model)  # a missing model fails before any decoding

        def compute() -> Transcript:
            return mod.transcribe(path, model=found, language=language, progress=progress, cancel=cancel, task=task)

        params = {"language": language, "model": mod.model_identity(found)}
        if task != "transcribe":  # old cache keys stay valid for plain transcription
            params["task"] = task
    if not use_cache:
        return compute()
    from .audio import open_mono

    open_mono(path).close()  # no audio stream / broken file: the same message, cached or not
    return cached_transcript(path, name, compute, **params)
