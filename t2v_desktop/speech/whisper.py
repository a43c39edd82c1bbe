"""Speech recognition with Whisper through transformers: the quality path, many languages.

The model comes from a folder given by the user (``--model``, env ``T2V_WHISPER_MODEL``), a
``whisper*`` folder under the models folder, or the Hugging Face cache (openai/whisper-small and
friends), never from the network; only safetensors weights are loaded. The sound is cut into windows
of at most 28 s at quiet moments (Whisper sees 30 s at a time), so memory stays bounded on long files
and a cut rarely splits a word. The language is detected on the first window with sound unless given.
Word times come from the pipeline's cross-attention alignment (``return_timestamps="word"``).
``task="translate"`` is Whisper's own speech-to-English translation: English words timed on the
speech in whatever language it was spoken. faster-whisper (CTranslate2) is speech/fwhisper.py.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Iterator, List, Optional

from ..errors import T2VError
from ..jobs import CancelToken, ProgressFn, check, no_progress
from .audio import RATE, chunks, open_mono
from .sphinx import is_silent, utterances
from .transcript import Transcript, Word

#: Hub ids looked up in the local Hugging Face cache, best first.
KNOWN_IDS = ("openai/whisper-small", "openai/whisper-large-v3-turbo", "openai/whisper-large-v3",
             "openai/whisper-medium", "openai/whisper-base", "openai/whisper-tiny",
             "distil-whisper/distil-large-v3")
FETCH = "hf download openai/whisper-small"
TASKS = ("transcribe", "translate")
#: Longest window (s) handed to Whisper at once, and the shortest cut.
WINDOW = 28.0
MIN_WINDOW = 10.0


def faster_whisper_available() -> bool:
    return importlib.util.find_spec("faster_whisper") is not None


def find_model(model: Optional[str] = None) -> Path:
    """The folder of a usable Whisper model; T2VError says where it looked and how to fetch one."""
    looked: List[str] = []
    candidates: List[str] = [model] if model else []
    if not model:
        env = os.environ.get("T2V_WHISPER_MODEL")
        if env:
            candidates.append(env)
    for cand in candidates:
        folder = Path(cand).expanduser()
        if folder.is_dir():
            return _checked(folder)
        if folder.exists():
            raise T2VError(f"Whisper model {cand} is a file; give the model's folder (config.json, *.safetensors).")
        hit = _hub_cache(cand, looked) if "/" in cand and not cand.startswith((".", "/", "~")) else None
        if hit is not None:
            return _checked(hit)
        looked.append(str(folder))
    if not model:
        from ..paths import models_dir

        base = models_dir()
        looked.append(f"{base}/whisper*")
        if base.is_dir():
            for folder in sorted(base.glob("whisper*")):
                if (folder / "config.json").is_file():
                    return _checked(folder)
        for repo in KNOWN_IDS:
            hit = _hub_cache(repo, looked)
            if hit is not None:
                return _checked(hit)
    fetch = f"hf download {model}" if model and "/" in model and not Path(model).exists() else FETCH
    raise T2VError(f"No Whisper model found (looked in: {'; '.join(looked)}). Fetch one: {fetch} "
                   "(or pass --model FOLDER).")


def _hub_cache(repo: str, looked: List[str]) -> Optional[Path]:
    try:
        from huggingface_hub import constants, snapshot_download
    except ImportError:  # pragma: no cover - comes with transformers
        return None
    looked.append(f"the Hugging Face cache {constants.HF_HUB_CACHE} ({repo})")
    try:
        return Path(snapshot_download(repo_id=repo, local_files_only=True))
    except Exception:  # noqa: BLE001 - not in the cache (or a broken cache entry): keep looking
        return None


def _checked(folder: Path) -> Path:
    if not (folder / "config.json").is_file():
        raise T2VError(f"{folder} is not a Whisper model folder (no config.json). Fetch one: {FETCH}")
    if not any(folder.glob("*.safetensors")):
        raise T2VError(f"{folder} has no .safetensors weights (only safetensors are loaded). Fetch them: "
                       f"{FETCH} --include '*.safetensors' '*.json' '*.txt'")
    return folder


def model_identity(folder: Path) -> list:
    """What the transcript cache keys on: the folder and its weights' sizes and times."""
    files = sorted(folder.glob("*.safetensors")) + [folder / "config.json"]
    return [str(folder.resolve())] + [[f.name, f.stat().st_size, f.stat().st_mtime_ns] for f in files]


_LOADED: dict = {}
_LOAD_LOCK = threading.Lock()


def load(folder: Path):
    """(pipeline, model, processor) for ``folder``; the last one loaded is kept for the next file."""
    key = str(folder)
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key]
        try:
            import torch
            from transformers import WhisperForConditionalGeneration, WhisperProcessor, pipeline
        except ImportError as e:
            raise T2VError(f"Whisper needs torch and transformers ({e}); install the add-on: "
                           "t2v-desktop addons install diffusion") from None
        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.float16 if device == "cuda" else torch.float32
        try:
            processor = WhisperProcessor.from_pretrained(folder, local_files_only=True)
            model = WhisperForConditionalGeneration.from_pretrained(
                folder, local_files_only=True, use_safetensors=True, dtype=dtype).to(device).eval()
        except (OSError, ValueError) as e:
            raise T2VError(f"Cannot load the Whisper model in {folder}: {str(e).splitlines()[0]}") from None
        pipe = pipeline("automatic-speech-recognition", model=model, tokenizer=processor.tokenizer,
                        feature_extractor=processor.feature_extractor, device=device, dtype=dtype)
        _LOADED.clear()
        _LOADED[key] = (pipe, model, processor)
        return _LOADED[key]


def languages(model) -> List[str]:
    """The language codes the model knows ("en", "es", ...)."""
    table = getattr(model.generation_config, "lang_to_id", None) or {}
    return sorted(k.strip("<|>") for k in table)


def detect_language(model, processor, samples) -> Optional[str]:
    import torch

    known = getattr(model.generation_config, "lang_to_id", None)
    if not known:
        return None
    feats = processor(samples, sampling_rate=RATE, return_tensors="pt").input_features
    with torch.no_grad():
        token = int(model.detect_language(feats.to(model.device, model.dtype))[0])
    names = {v: k.strip("<|>") for k, v in known.items()}
    return names.get(token)


def language_code(language: str) -> str:
    """'Spanish', 'es', ' ES ' -> 'es' for Whisper; an unknown language is a one-line T2VError
    (checked before any model is looked for). Without transformers the code is passed on as given."""
    key = " ".join(str(language).split()).lower()
    try:
        from transformers.models.whisper.tokenization_whisper import LANGUAGES, TO_LANGUAGE_CODE
    except ImportError:  # the model path will say what to install
        return key
    if key in LANGUAGES:
        return key
    if key in TO_LANGUAGE_CODE:
        return TO_LANGUAGE_CODE[key]
    raise T2VError(f"Unknown language '{str(language)[:40]}'; give a code such as es or a name such as Spanish "
                   f"(Whisper knows {len(LANGUAGES)} languages: {', '.join(list(LANGUAGES)[:12])}, ...).")


def check_task(task: str) -> str:
    if task not in TASKS:
        raise T2VError(f"Unknown Whisper task '{task}'; use transcribe or translate (speech to English).")
    return task


def check_language(language: Optional[str], known, what: str, folder: Path) -> Optional[str]:
    """``language`` lower-cased (None: detect it); a one-line error when the model does not know it."""
    if language and known and language.lower() not in known:
        raise T2VError(f"The {what} model in {folder.name} does not know the language '{language}'. "
                       f"Known: {', '.join(known[:20])}{' ...' if len(known) > 20 else ''}.")
    return language.lower() if language else None


def speech_windows(src, task: str, progress: ProgressFn, cancel: Optional[CancelToken]) -> Iterator[tuple]:
    """(start, samples, seconds) of each window of ``src`` (audio.open_mono) that is not silent, cut
    at pauses (WINDOW seconds at most); progress over ``src.duration`` after each window, silent or
    not, and a cancel between windows. Both Whisper backends decode these windows."""
    total = src.duration
    progress(0.0, total, "Transcribing")
    for at, samples in utterances(chunks(src, 5.0), max_seconds=WINDOW, min_seconds=MIN_WINDOW):
        check(cancel)
        length = samples.size / RATE
        if not is_silent(samples):
            yield at, samples, length
        progress(min(total, at + length), total, "Translating" if task == "translate" else "Transcribing")


def transcribe(path, *, model: Optional[Path] = None, language: Optional[str] = None,
               progress: ProgressFn = no_progress, cancel: Optional[CancelToken] = None,
               task: str = "transcribe") -> Transcript:
    """Words with times of the speech in ``path``, in ``language`` (None: detected); with
    ``task="translate"`` the words are English whatever was spoken (the transcript's language is
    then "en")."""
    check_task(task)
    folder = model if isinstance(model, Path) else find_model(model)
    pipe, net, processor = load(folder)
    known = languages(net)
    lang = check_language(language, known, "Whisper", folder)
    words: List[Word] = []
    with open_mono(path) as src:
        total = src.duration
        for at, samples, length in speech_windows(src, task, progress, cancel):
            if lang is None and known:
                lang = detect_language(net, processor, samples)
            words.extend(_window_words(pipe, samples, at, length, lang, words[-1].end if words else 0.0, task))
    if task == "translate":
        return Transcript(tuple(words), language="en", backend=f"whisper:{folder.name}:translate:{lang or 'und'}",
                          duration=total)
    return Transcript(tuple(words), language=lang or "en", backend=f"whisper:{folder.name}", duration=total)


def _window_words(pipe, samples, at: float, length: float, lang: Optional[str], floor: float,
                  task: str = "transcribe") -> List[Word]:
    kwargs = {"task": task}
    if lang:
        kwargs["language"] = lang
    out = pipe({"raw": samples, "sampling_rate": RATE}, return_timestamps="word", generate_kwargs=kwargs)
    words = []
    for chunk in out.get("chunks", ()):
        text = str(chunk.get("text", "")).strip()
        if not text:
            continue
        s, e = chunk.get("timestamp", (None, None))
        s = min(length, max(0.0, float(s if s is not None else 0.0)))
        e = min(length, max(s, float(e if e is not None else s)))
        start = max(floor, at + s)  # times never go back, even when the alignment wobbles
        end = max(start, at + e)
        words.append(Word(text, round(start, 3), round(end, 3)))
        floor = start
    return words
