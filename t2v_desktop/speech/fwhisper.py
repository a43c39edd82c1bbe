"""Whisper through faster-whisper (CTranslate2): the same model family as speech/whisper.py, several
times faster on a CPU, when the optional ``faster-whisper`` package and a CTranslate2 model folder
(model.bin + config.json, e.g. Systran/faster-whisper-small) are on this machine.

Never a hard dependency: the package is imported only here, inside functions, and a missing package
or model is a one-line T2VError saying what to install or fetch. The model is looked for before the
package is imported, so the message names what is really missing first. Sound is fed in the same
≤ 28 s windows cut at quiet moments as the transformers path, so memory stays bounded on long files.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import List, Optional

from ..errors import T2VError
from ..jobs import CancelToken, ProgressFn, no_progress
from .audio import open_mono
from .transcript import Transcript, Word
from .whisper import check_language, check_task, speech_windows

KNOWN_IDS = ("Systran/faster-whisper-small", "Systran/faster-whisper-large-v3", "Systran/faster-whisper-medium",
             "Systran/faster-whisper-base", "Systran/faster-whisper-tiny", "Systran/faster-distil-whisper-large-v3")
FETCH = "hf download Systran/faster-whisper-small"
INSTALL = "pip install faster-whisper"


def available() -> bool:
    return importlib.util.find_spec("faster_whisper") is not None


def is_model_folder(folder: Path) -> bool:
    return (folder / "model.bin").is_file() and (folder / "config.json").is_file()


def find_model(model: Optional[str] = None) -> Path:
    """A CTranslate2 Whisper folder: ``model`` (folder or Hub id), $T2V_FASTER_WHISPER_MODEL,
    models/faster-whisper*, then the Hugging Face cache. T2VError says where it looked."""
    from .whisper import _hub_cache

    looked: List[str] = []
    names = [model] if model else [os.environ.get("T2V_FASTER_WHISPER_MODEL", "")]
    for name in filter(None, names):
        folder = Path(name).expanduser()
        if folder.is_dir():
            if is_model_folder(folder):
                return folder
            raise T2VError(f"{folder} is not a CTranslate2 Whisper model (no model.bin and config.json); "
                           f"fetch one: {FETCH}")
        hit = _hub_cache(name, looked) if "/" in name and not name.startswith((".", "/", "~")) else None
        if hit is not None and is_model_folder(hit):
            return hit
        looked.append(str(folder))
    if not model:
        from ..paths import models_dir

        base = models_dir()
        looked.append(f"{base}/faster-whisper*")
        for folder in sorted(base.glob("faster-whisper*")) if base.is_dir() else ():
            if is_model_folder(folder):
                return folder
        for repo in KNOWN_IDS:
            hit = _hub_cache(repo, looked)
            if hit is not None and is_model_folder(hit):
                return hit
    fetch = f"hf download {model}" if model and "/" in model and not Path(model).exists() else FETCH
    raise T2VError(f"No faster-whisper (CTranslate2) model found (looked in: {'; '.join(looked)}). "
                   f"Fetch one: {fetch} (or pass --model FOLDER).")


_LOADED: dict = {}
_LOCK = threading.Lock()


def load(folder: Path):
    """The faster_whisper.WhisperModel of ``folder`` (the last one loaded is kept)."""
    with _LOCK:
        if str(folder) not in _LOADED:
            try:
                from faster_whisper import WhisperModel
            except ImportError:
                raise T2VError(f"The faster-whisper backend needs its package: {INSTALL} "
                               "(or use --backend whisper).") from None
            try:
                net = WhisperModel(str(folder), device="auto", compute_type="default", local_files_only=True)
            except Exception as e:  # noqa: BLE001 - CTranslate2 raises RuntimeError/ValueError for bad folders
                raise T2VError(f"Cannot load the faster-whisper model in {folder}: "
                               f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
            _LOADED.clear()
            _LOADED[str(folder)] = net
        return _LOADED[str(folder)]


def transcribe(path, *, model: Optional[Path] = None, language: Optional[str] = None, task: str = "transcribe",
               progress: ProgressFn = no_progress, cancel: Optional[CancelToken] = None) -> Transcript:
    """Words with times of the speech in ``path``; ``task="translate"``: English words."""
    check_task(task)
    folder = model if isinstance(model, Path) else find_model(model)
    net = load(folder)
    known = list(getattr(net, "supported_languages", ()) or ())
    lang = check_language(language, known, "faster-whisper", folder)
    words: List[Word] = []
    with open_mono(path) as src:
        total = src.duration
        for at, samples, length in speech_windows(src, task, progress, cancel):
            # greedy at temperature 0 like the transformers path: the same sound gives the same
            # words (the sampling fallback would not, and the transcript is cached by content)
            segments, info = net.transcribe(samples, language=lang, task=task, word_timestamps=True,
                                            beam_size=1, temperature=0.0, vad_filter=False,
                                            condition_on_previous_text=False)
            floor = words[-1].end if words else 0.0
            for seg in segments:  # a generator: decoding happens while it is read
                for w in seg.words or ():
                    text = str(w.word).strip()
                    if not text:
                        continue
                    start = max(floor, at + min(length, max(0.0, float(w.start))))
                    end = max(start, at + min(length, float(w.end)))
                    words.append(Word(text, round(start, 3), round(end, 3), float(w.probability)))
                    floor = start
            lang = lang or getattr(info, "language", None)
    backend = f"faster-whisper:{folder.name}" + (f":translate:{lang or 'und'}" if task == "translate" else "")
    return Transcript(tuple(words), language="en" if task == "translate" else (lang or "en"), backend=backend,
                      duration=total)


def model_identity(folder: Path) -> list:
    files = [folder / "model.bin", folder / "config.json"]
    return [str(folder.resolve())] + [[f.name, f.stat().st_size, f.stat().st_mtime_ns] for f in files]
