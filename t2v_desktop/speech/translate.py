"""Text translation for captions: MarianMT / NLLB / M2M100 through transformers, offline only.

Models come from a folder the user names or the Hugging Face cache (never downloaded, safetensors
only). Cue times are kept: only the text of each cue changes, so a translated track lines up.
"""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import List, Optional, Sequence

from t2v_desktop.errors import ParamError, T2VError
from t2v_desktop.jobs import CancelToken, check

# language name -> (ISO 639-1, NLLB code)
LANGUAGES = {
    "english": ("en", "eng_Latn"), "spanish": ("es", "spa_Latn"), "french": ("fr", "fra_Latn"),
    "german": ("de", "deu_Latn"), "italian": ("it", "ita_Latn"), "portuguese": ("pt", "por_Latn"),
    "dutch": ("nl", "nld_Latn"), "russian": ("ru", "rus_Cyrl"), "chinese": ("zh", "zho_Hans"),
    "japanese": ("ja", "jpn_Jpan"), "korean": ("ko", "kor_Hang"), "arabic": ("ar", "arb_Arab"),
    "hindi": ("hi", "hin_Deva"), "turkish": ("tr", "tur_Latn"), "polish": ("pl", "pol_Latn"),
    "swedish": ("sv", "swe_Latn"), "ukrainian": ("uk", "ukr_Cyrl"), "greek": ("el", "ell_Grek"),
    "vietnamese": ("vi", "vie_Latn"), "indonesian": ("id", "ind_Latn"),
}
_BY_CODE = {iso: (iso, nllb) for iso, nllb in LANGUAGES.values()}


class ModelMissing(T2VError):
    """No translation model on this machine; the message says where we looked and how to fetch one."""


def language_code(name: str) -> str:
    """'Spanish', 'es', 'spa_Latn' -> 'es'; an unknown language is a clear error."""
    key = name.strip().lower()
    if key in LANGUAGES:
        return LANGUAGES[key][0]
    if key in _BY_CODE:
        return key
    for iso, nllb in LANGUAGES.values():
        if key == nllb.lower():
            return iso
    raise ParamError(f"Unknown language '{name}'; try one of: {', '.join(sorted(LANGUAGES))}.")


def nllb_code(name: str) -> str:
    return _BY_CODE[language_code(name)][1]


def marian_repo(source: str, target: str) -> str:
    return f"Helsinki-NLP/opus-mt-{language_code(source)}-{language_code(target)}"


def _hub_snapshot(repo: str) -> Optional[Path]:
    from t2v_desktop.diffusion.models import hf_cache_dir

    snaps = hf_cache_dir() / ("models--" + repo.replace("/", "--")) / "snapshots"
    found = sorted((p for p in snaps.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime) \
        if snaps.is_dir() else []
    return found[-1] if found else None


def find_model(source: str, target: str, model: Optional[str] = None) -> Path:
    """A local model folder for source -> target: ``model`` (folder or Hub id), $T2V_TRANSLATE_MODEL,
    the Marian pair in the HF cache, then NLLB / M2M100 in the HF cache."""
    from t2v_desktop.diffusion.models import hf_cache_dir

    looked: List[str] = []
    names = [model] if model else []
    if os.environ.get("T2V_TRANSLATE_MODEL"):
        names.append(os.environ["T2V_TRANSLATE_MODEL"])
    names += [marian_repo(source, target), "facebook/nllb-200-distilled-600M", "facebook/m2m100_418M"]
    for name in names:
        p = Path(name).expanduser()
        if p.is_dir():
            if any(p.glob("*.safetensors")):
                return p
            looked.append(f"{p} (no .safetensors)")
            continue
        snap = _hub_snapshot(name)
        if snap is not None and any(snap.glob("*.safetensors")):
            return snap
        looked.append(f"{hf_cache_dir()}/models--{name.replace('/', '--')}")
    raise ModelMissing(f"No {language_code(source)}->{language_code(target)} translation model "
                       f"(looked in {'; '.join(looked)}); fetch one with "
                       f"`hf download {marian_repo(source, target)}`.")


_LOADED: dict = {}
_LOAD_LOCK = threading.Lock()


def _load(folder: Path):
    """(tokenizer, model) of ``folder``; the last one loaded is kept (a typed command or the next
    caption batch must not reload it)."""
    key = str(folder)
    with _LOAD_LOCK:
        if key not in _LOADED:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
            except ImportError as e:
                raise T2VError(f"Translation needs torch and transformers ({e}); install the add-on: "
                               "t2v-desktop addons install diffusion") from None
            tok = AutoTokenizer.from_pretrained(key, local_files_only=True)
            net = AutoModelForSeq2SeqLM.from_pretrained(key, local_files_only=True, use_safetensors=True)
            _LOADED.clear()
            _LOADED[key] = (tok, net.eval())
        return _LOADED[key]


def translate_texts(texts: Sequence[str], target: str, *, source: str = "en", model: Optional[str] = None,
                    progress=None, cancel: Optional[CancelToken] = None, batch: int = 16) -> List[str]:
    """Each text translated (same order, same count); empty texts stay empty."""
    folder = find_model(source, target, model)
    tok, net = _load(folder)
    kind = getattr(net.config, "model_type", "")
    gen_kw = {}
    if kind in ("m2m_100", "nllb") or "nllb" in str(folder).lower():
        code = nllb_code(target) if "nllb" in str(folder).lower() else language_code(target)
        if hasattr(tok, "src_lang"):
            tok.src_lang = nllb_code(source) if "nllb" in str(folder).lower() else language_code(source)
        gen_kw["forced_bos_token_id"] = tok.convert_tokens_to_ids(code if "nllb" in str(folder).lower()
                                                                  else f"__{code}__")
    import torch

    # A model's position embeddings bound both sides: the input is cut to them and the output (after
    # the decoder's start token) may not run past them, or generate() fails with an IndexError.
    positions = int(getattr(net.config, "max_position_embeddings", 0) or 0)
    new_tokens = max(1, min(256, positions - 1)) if positions else 256
    out: List[str] = list(texts)
    todo = [i for i, t in enumerate(texts) if t.strip()]
    for k in range(0, len(todo), batch):
        check(cancel)
        idx = todo[k:k + batch]
        enc = tok([texts[i].replace("\n", " ") for i in idx], return_tensors="pt", padding=True, truncation=True,
                  max_length=positions or None)
        with torch.no_grad():
            ids = net.generate(**enc, max_new_tokens=new_tokens, num_beams=1, **gen_kw)
        for i, t in zip(idx, tok.batch_decode(ids, skip_special_tokens=True), strict=True):
            out[i] = t.strip()
        if progress is not None:
            progress(min(k + batch, len(todo)), len(todo), "translating captions")
    return out


def translate_cues(cues, target: str, **kw) -> list:
    """The cues with their text translated and their times unchanged (word timing dropped: it was
    for the other language)."""
    texts = translate_texts([c.text for c in cues], target, **kw)
    return [replace(c, text=t, words=()) for c, t in zip(cues, texts, strict=True)]
