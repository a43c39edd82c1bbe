"""Article -> script: shorten a long text to a narration of a target length.

Two ways, and the result says which was used:
- a local instruction-tuned language model (transformers, safetensors only, from a folder or the
  Hugging Face cache, never downloaded) writes the summary when one is given or found;
- otherwise a deterministic extractive summary: sentences ranked by TextRank over TF-IDF cosine
  similarity (numpy power iteration; centrality to the document's centroid past 1,500 sentences so
  memory stays linear), near-duplicates skipped, the chosen sentences kept in the article's order and
  grouped by the paragraph they came from, so each scene reads as the author wrote it.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import GenerativeUnavailableError, T2VError
from ..jobs import CancelToken, ProgressFn, check, no_progress
from .parse import (
    WORDS_PER_MINUTE,
    Scene,
    Script,
    ScriptError,
    Section,
    _blocks,
    parse_script,
    split_sentences,
)

DEFAULT_WORDS = 180  # about a minute of narration
DENSE_LIMIT = 1500  # sentences ranked by TextRank; more: centrality to the centroid
MAX_VOCAB = 8000
STOP = frozenset("""a an the and or but if of at by for with about against between into through during before after
above below to from up down in out on off over under again further then once here there when where why how all any
both each few more most other some such no nor not only own same so than too very s t can will just don should now
i me my we our you your he him his she her it its they them their what which who whom this that these those am is are
was were be been being have has had having do does did doing would could also said says may might must shall one two
new like get got make made many much even still well way""".split())
_TOKEN = re.compile(r"[^\W\d_][\w'-]*")
MODEL_ENV = "T2V_SUMMARY_MODEL"
FETCH_HINT = "hf download Qwen/Qwen2.5-0.5B-Instruct"


@dataclass
class Summary:
    """The script made from an article, and how: ``method`` is "extractive" or "model"."""

    script: Script
    method: str
    model: str = ""  # the model folder when method == "model"
    source_words: int = 0
    notes: List[str] = field(default_factory=list)

    def describe(self) -> str:
        how = (f"summarised by the local language model {self.model}" if self.method == "model" else
               "extractive summary (sentences ranked by TextRank over TF-IDF; no local language model used)")
        return f"{how}: {self.source_words:,} words -> {self.script.words:,} words"


# -- the extractive summary ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Sentence:
    text: str
    section: str
    paragraph: int
    index: int  # in the article
    first: bool  # first sentence of its paragraph


def _sentences(text: str) -> Tuple[str, List[_Sentence]]:
    """The article's title and its sentences with the paragraph and heading each belongs to."""
    blocks = _blocks(text.replace("\r\n", "\n").replace("\r", "\n"))
    title = ""
    if blocks and blocks[0].kind == "heading":
        title = blocks.pop(0).text
    elif len(blocks) > 1 and len(blocks[0].text.split()) <= 12 and blocks[0].text[-1:] not in ".!?":
        title = blocks.pop(0).text
    out: List[_Sentence] = []
    section = ""
    for p, b in enumerate(blocks):
        if b.kind == "heading":
            section = b.text
            continue
        if b.kind != "para":
            continue
        for k, s in enumerate(split_sentences(b.text)):
            out.append(_Sentence(s, section, p, len(out), k == 0))
    return title, out


def _stem(w: str) -> str:
    """Plural and possessive endings off ("hurricanes", "storm's" -> "hurricane", "storm")."""
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _terms(text: str) -> List[str]:
    return [_stem(w) for w in (t.lower().strip("'-") for t in _TOKEN.findall(text)) if len(w) > 2 and w not in STOP]


def tfidf(docs: Sequence[str]) -> np.ndarray:
    """Rows of L2-normalised TF-IDF (log tf, smooth idf) over the ``MAX_VOCAB`` commonest terms."""
    bags = [Counter(_terms(d)) for d in docs]
    df: Counter = Counter()
    for b in bags:
        df.update(b.keys())
    vocab = {t: i for i, (t, _) in enumerate(df.most_common(MAX_VOCAB))}
    n = len(docs)
    idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocab], dtype=np.float32)
    x = np.zeros((n, len(vocab)), dtype=np.float32)
    for i, b in enumerate(bags):
        for t, c in b.items():
            j = vocab.get(t)
            if j is not None:
                x[i, j] = 1.0 + math.log(c)
    x *= idf
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-9)


def rank_sentences(texts: Sequence[str], *, damping: float = 0.85, iterations: int = 60) -> np.ndarray:
    """A centrality score per sentence: TextRank over cosine similarity (dense, up to
    ``DENSE_LIMIT`` sentences), else similarity to the document centroid."""
    x = tfidf(texts)
    n = len(texts)
    if n == 0:
        return np.zeros(0)
    if n > DENSE_LIMIT or x.shape[1] == 0:
        centroid = x.mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
        return x @ centroid
    sim = x @ x.T
    np.fill_diagonal(sim, 0.0)
    sums = sim.sum(axis=1, keepdims=True)
    walk = np.where(sums > 0, sim / np.maximum(sums, 1e-9), 1.0 / n)
    r = np.full(n, 1.0 / n)
    for _ in range(iterations):
        nxt = (1 - damping) / n + damping * (walk.T @ r)
        if np.abs(nxt - r).sum() < 1e-9:
            r = nxt
            break
        r = nxt
    return r


def extractive(text: str, *, target_words: int = DEFAULT_WORDS, title: Optional[str] = None,
               cancel: Optional[CancelToken] = None) -> Summary:
    """The best-ranked sentences up to ``target_words``, in the article's order (deterministic)."""
    found_title, sents = _sentences(text)
    if not sents:
        raise ScriptError("The article has no sentences to summarise. Pass a text with sentences of words.")
    total = sum(len(s.text.split()) for s in sents)
    check(cancel)
    scores = rank_sentences([s.text for s in sents])
    check(cancel)
    lengths = np.array([len(s.text.split()) for s in sents], dtype=np.float64)
    prior = np.where([s.first for s in sents], 1.15, 1.0) * np.where(
        [s.paragraph == sents[0].paragraph for s in sents], 1.1, 1.0)
    usable = (lengths >= 4) & (lengths <= 60)  # fragments and run-ons make poor narration
    score = scores * prior * np.where(usable, 1.0, 0.3)
    order = sorted(range(len(sents)), key=lambda i: (-score[i], i))
    x = tfidf([s.text for s in sents]) if len(sents) <= DENSE_LIMIT * 4 else None
    if x is not None and len(sents) <= DENSE_LIMIT:  # a sentence sharing no word with any other is off topic
        sim = x @ x.T
        np.fill_diagonal(sim, 0.0)
        score = score * np.where(sim.max(axis=1) > 0, 1.0, 0.2)
    chosen: List[int] = []
    words = 0
    for i in order:
        if words >= target_words or score[i] < 0.3 * score[order[0]]:
            break  # long enough, or what is left is far from the article's centre
        if words and words + lengths[i] > target_words * 1.15:
            continue
        if x is not None and chosen and float(np.max(x[chosen] @ x[i])) > 0.8:
            continue  # says what a chosen sentence says
        chosen.append(i)
        words += int(lengths[i])
    if not chosen:
        chosen = [order[0]]
    chosen.sort()
    script = _group([sents[i] for i in chosen], title or found_title)
    return Summary(script, "extractive", source_words=total)


def _group(sents: Sequence[_Sentence], title: str) -> Script:
    """Sentences -> scenes (one per source paragraph) under their headings."""
    sections: List[Tuple[str, List[Scene]]] = []
    current: List[str] = []
    para = None
    section = None

    def flush() -> None:
        if current:
            if not sections or sections[-1][0] != section:
                sections.append((section or "", []))
            sections[-1][1].append(Scene(" ".join(current), section or ""))
            current.clear()

    for s in sents:
        if s.paragraph != para:
            flush()
            para, section = s.paragraph, s.section
        current.append(s.text)
    flush()
    merged: Dict[str, List[Scene]] = {}
    order: List[str] = []
    for h, scenes in sections:
        if h not in merged:
            order.append(h)
            merged[h] = []
        merged[h].extend(scenes)
    first = sents[0].text.rstrip(".!?").split()
    return Script(title=(title or " ".join(first[:8])).strip()[:200],
                  sections=tuple(Section(h, tuple(merged[h])) for h in order))


# -- the language-model summary --------------------------------------------------------------------

class SummaryModelError(GenerativeUnavailableError):
    """No usable local language model (missing, .bin only, not a causal LM)."""


def _hf_cache() -> Path:
    hub = os.environ.get("HF_HUB_CACHE")
    if hub:
        return Path(hub)
    home = os.environ.get("HF_HOME")
    return (Path(home) if home else Path.home() / ".cache" / "huggingface") / "hub"


def _snapshots(repo_dir: Path) -> List[Path]:
    snaps = repo_dir / "snapshots"
    return sorted((p for p in snaps.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True) \
        if snaps.is_dir() else []


def _check_folder(folder: Path) -> Path:
    if not (folder / "config.json").is_file():
        raise SummaryModelError(f"{folder} is not a model folder (no config.json). Pass a folder with config.json, "
                                f"tokenizer files and *.safetensors, e.g. from `{FETCH_HINT}`.")
    if not any(folder.glob("*.safetensors")):
        if any(folder.glob("*.bin")) or any(folder.glob("*.pt")):
            raise SummaryModelError(f"{folder} has only .bin/.pt weights; t2v-desktop loads safetensors only "
                                    f"(pickle files can run code). Get the safetensors version, e.g. `{FETCH_HINT}`.")
        raise SummaryModelError(f"{folder} has no *.safetensors weights. Fetch a model with `{FETCH_HINT}`.")
    return folder


def find_model(name: Optional[str] = None) -> Path:
    """The model folder: ``name`` (a folder or a Hugging Face id in the local cache), else
    $T2V_SUMMARY_MODEL, else the smallest instruction-tuned causal LM in the HF cache (it runs on CPU).
    SummaryModelError says where it looked and how to fetch one."""
    import json

    name = name or os.environ.get(MODEL_ENV) or None
    cache = _hf_cache()
    if name:
        p = Path(name).expanduser()
        if p.is_dir():
            return _check_folder(p)
        repo = cache / ("models--" + name.replace("/", "--"))
        for snap in _snapshots(repo):
            return _check_folder(snap)
        raise SummaryModelError(f"No language model '{name}': not a folder and not in the Hugging Face cache "
                                f"({cache}). Fetch it with `hf download {name}`.")
    found: List[Tuple[int, Path]] = []
    if cache.is_dir():
        for repo in cache.glob("models--*"):
            low = repo.name.lower()
            if not any(k in low for k in ("instruct", "-chat", "-it")):
                continue
            for snap in _snapshots(repo)[:1]:
                try:
                    cfg = json.loads((snap / "config.json").read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if not any(str(a).endswith("ForCausalLM") for a in cfg.get("architectures") or ()):
                    continue
                weights = list(snap.glob("*.safetensors"))
                if weights:
                    found.append((sum(w.stat().st_size for w in weights), snap))
    if not found:
        raise SummaryModelError(f"No local instruction-tuned language model found (looked in ${MODEL_ENV} and "
                                f"the Hugging Face cache {cache}). Fetch one with `{FETCH_HINT}`, or leave out "
                                f"--model to use the extractive summary.")
    return min(found)[1]


PROMPT = ("Rewrite the following article as a narration script for a short explainer video of about {words} "
          "words. Use short, clear sentences. Put each scene in its own paragraph, separated by a blank line. "
          "Write only the narration: no headings, no lists, no stage directions.\n\nArticle:\n{article}")


def with_model(text: str, *, model: Optional[str] = None, target_words: int = DEFAULT_WORDS,
               title: Optional[str] = None, progress: ProgressFn = no_progress,
               cancel: Optional[CancelToken] = None) -> Summary:
    """The summary a local instruction-tuned causal LM writes (greedy, so the same model and text
    give the same script). An article longer than the model's context is first cut to its best
    sentences (extractive) so the prompt fits."""
    folder = find_model(model)
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, StoppingCriteria, StoppingCriteriaList
    except ImportError as e:
        raise SummaryModelError(f"The language-model summary needs torch and transformers ({e}); install them "
                                f"or leave out --model to use the extractive summary.") from None
    found_title, sents = _sentences(text)
    if not sents:
        raise ScriptError("The article has no sentences to summarise. Pass a text with sentences of words.")
    total = sum(len(s.text.split()) for s in sents)
    progress(0, 1, f"Loading {folder.name}")
    try:
        tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        lm = AutoModelForCausalLM.from_pretrained(str(folder), local_files_only=True, use_safetensors=True)
    except (OSError, ValueError) as e:
        raise SummaryModelError(f"Cannot load the language model in {folder} ({str(e)[:200]}).") from None
    lm.eval()
    new_tokens = int(target_words * 1.8) + 16
    context = int(getattr(lm.config, "max_position_embeddings", 2048) or 2048)
    budget = max(64, min(context, 32768) - new_tokens - 96)
    article = "\n\n".join(s.text for s in sents)
    notes: List[str] = []
    if len(tok(article)["input_ids"]) > budget:  # keep the best sentences that fit the context
        words_fit = max(20, int(budget * 0.7))
        article = extractive(text, target_words=words_fit).script.text
        notes.append(f"the article was first cut to its {words_fit} best-ranked words to fit the model's context")
    prompt = PROMPT.format(words=target_words, article=article)
    if getattr(tok, "chat_template", None):
        ids = tok.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                      return_tensors="pt", return_dict=True)["input_ids"]
    else:
        ids = tok(prompt + "\n\nScript:\n", return_tensors="pt")["input_ids"]

    class _Watch(StoppingCriteria):
        """Cancel between tokens, and report progress per token."""

        def __call__(self, input_ids, scores, **kwargs):
            done = int(input_ids.shape[-1] - ids.shape[-1])
            progress(done, new_tokens, "Summarising")
            return bool(cancel is not None and cancel.cancelled)

    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    with torch.inference_mode():
        out = lm.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=new_tokens, do_sample=False,
                          stopping_criteria=StoppingCriteriaList([_Watch()]), pad_token_id=pad)
    check(cancel)
    written = tok.decode(out[0, ids.shape[-1]:], skip_special_tokens=True).strip()
    try:
        script = parse_script(written, title=title or found_title or None)
    except ScriptError:
        summary = extractive(text, target_words=target_words, title=title)
        summary.notes = notes + [f"the language model {folder.name} wrote no usable sentences; "
                                 f"the extractive summary was used instead"]
        return summary
    if script.words > target_words * 1.5:
        script = parse_script(written, title=script.title, max_words=int(target_words * 1.5))
    return Summary(script, "model", model=str(folder), source_words=total, notes=notes)


def summarize(text: str, *, model: Optional[str] = None, use_model: Optional[bool] = None,
              target_words: int = DEFAULT_WORDS, target_seconds: Optional[float] = None,
              title: Optional[str] = None, progress: ProgressFn = no_progress,
              cancel: Optional[CancelToken] = None) -> Summary:
    """Article -> Summary. ``model`` (a folder or HF id) forces the language model; ``use_model``
    None looks for one and falls back to the extractive summary (saying so in ``notes``); False
    never uses one. ``target_seconds`` sets the length in narration time instead of words."""
    if target_seconds is not None:
        target_words = max(10, int(target_seconds * WORDS_PER_MINUTE / 60))
    if target_words < 5:
        raise T2VError(f"A summary needs a target of at least 5 words, got {target_words}.")
    if model or use_model:
        return with_model(text, model=model, target_words=target_words, title=title, progress=progress,
                          cancel=cancel)
    if use_model is None:
        try:
            find_model(None)
        except SummaryModelError as e:
            summary = extractive(text, target_words=target_words, title=title, cancel=cancel)
            summary.notes.append(f"no local language model: {e}")
            return summary
        return with_model(text, target_words=target_words, title=title, progress=progress, cancel=cancel)
    return extractive(text, target_words=target_words, title=title, cancel=cancel)
