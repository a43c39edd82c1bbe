"""Dubbing: each caption cue translated, spoken in the target language and fitted to the cue's time.

A line that is shorter than its cue plays at its natural pace from the cue's start. A longer one is
sped up with ffmpeg's ``atempo`` (through PyAV's filter graph: pitch kept) up to ``max_tempo``
(1.25x by default, about where sped-up speech still sounds natural); a line that would need more is
sped up by ``max_tempo`` only and *flagged* (it runs past its cue end: shorten the translation or
give the cue more time). Word times scale with the tempo, so the dub's captions stay exact.
Translation is speech/translate (a local MarianMT/NLLB model; missing -> its ModelMissing message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from ..engine.cache import LRU, content_key
from ..errors import ParamError
from ..jobs import CancelToken, check
from .transcript import Word
from .tts import Speech, default_voice, speech_file, synthesize

MAX_TEMPO = 1.25
_TRANSLATIONS = LRU(32)  # content key -> translated lines (the editor's dub job, then its apply step)
_FITTED = LRU(4096)  # content key -> a fitted line's (tempo, flag, path, duration, words): no samples


@dataclass
class DubLine:
    index: int  # the cue's index
    cue_start: float
    cue_end: float
    text: str  # translated
    start: float = 0.0  # where the spoken line plays (programme seconds)
    end: float = 0.0
    tempo: float = 1.0  # 1.0 = natural pace; >1 sped up
    path: Optional[Path] = None  # its WAV (None when the line has no words)
    words: Tuple[Word, ...] = ()  # on programme time
    flagged: str = ""  # why the line does not fit its cue ("" = it fits)


@dataclass
class DubResult:
    target: str
    voice: str
    lines: List[DubLine] = field(default_factory=list)

    @property
    def flagged(self) -> List[DubLine]:
        return [ln for ln in self.lines if ln.flagged]

    def report(self) -> str:
        """One line for the plan: how many fit, which cues overrun and by how much."""
        bad = self.flagged
        fit = len(self.lines) - len(bad)
        text = f"{fit} of {len(self.lines)} dubbed lines fit their captions"
        if bad:
            shown = ", ".join(f"cue {ln.index + 1} ({ln.flagged})" for ln in bad[:5])
            text += f"; check {shown}{' ...' if len(bad) > 5 else ''}"
        return text


def time_stretch(samples: np.ndarray, rate: int, tempo: float) -> np.ndarray:
    """``samples`` played ``tempo`` times faster at the same pitch (ffmpeg atempo, 0.5..2 per stage),
    exactly round(len / tempo) samples long."""
    if abs(tempo - 1.0) < 1e-6 or len(samples) == 0:
        return samples.astype(np.float32, copy=True)
    import av
    import av.filter

    graph = av.filter.Graph()
    src = graph.add_abuffer(sample_rate=rate, format="flt", layout="mono", time_base=f"1/{rate}")
    node, left = src, tempo
    while left > 2.0 or left < 0.5:  # one atempo stage takes 0.5..2
        step = 2.0 if left > 2.0 else 0.5
        stage = graph.add("atempo", f"tempo={step}")
        node.link_to(stage)
        node, left = stage, left / step
    stage = graph.add("atempo", f"tempo={left:.6f}")
    node.link_to(stage)
    sink = graph.add("abuffersink")
    stage.link_to(sink)
    graph.configure()
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples, np.float32)[None, :], format="flt",
                                       layout="mono")
    frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
    graph.push(frame)
    graph.push(None)
    out = []
    while True:
        try:
            out.append(graph.pull().to_ndarray().reshape(-1))
        except (av.error.EOFError, av.error.BlockingIOError):
            break
    y = np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)
    n = int(round(len(samples) / tempo))
    return y[:n] if len(y) >= n else np.concatenate([y, np.zeros(n - len(y), np.float32)])


def fit_line(speech: Speech, cue_start: float, cue_end: float, *, max_tempo: float = MAX_TEMPO
             ) -> Tuple[Speech, float, str]:
    """(the speech as it will play, its tempo, why it overruns or "") for a cue [cue_start, cue_end)."""
    room = cue_end - cue_start
    need = speech.duration / room if room > 0 else float("inf")
    if need <= 1.0 + 1e-9:
        return speech, 1.0, ""
    tempo = min(need, max_tempo)
    samples = time_stretch(speech.samples, speech.sample_rate, tempo)
    samples = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768.0) / 32768.0  # the 16-bit grid
    words = tuple(Word(w.text, round(w.start / tempo, 4), round(w.end / tempo, 4)) for w in speech.words)
    key = content_key("dub-line", speech.key, round(tempo, 6))
    fitted = Speech(samples.astype(np.float32), speech.sample_rate, words, speech.text, speech.voice,
                    speech.engine, key)
    flag = ""
    if need > max_tempo + 1e-9:
        flag = f"{fitted.duration - room:.1f} s too long at {max_tempo:g}x"
    return fitted, tempo, flag


def translated_lines(texts: Sequence[str], code: str, *, source: str = "en", model: Optional[str] = None,
                     progress=None, cancel: Optional[CancelToken] = None) -> List[str]:
    """speech.translate's lines for ``texts``, kept by content (the texts, the languages, the model
    asked for, the cache folder): the editor translates in a background job and the command's
    apply step then takes the same lines at once instead of loading the model again (dubbing, and
    "translate the captions to ...")."""
    import os

    from ..paths import cache_dir
    from . import translate

    key = content_key("dub-translation", list(texts), code, source, model or os.environ.get("T2V_TRANSLATE_MODEL", ""),
                      str(cache_dir()))
    hit = _TRANSLATIONS.get(key)
    if hit is not None:
        return list(hit)
    kw = {"progress": progress} if progress is not None else {}
    lines = list(translate.translate_texts(texts, code, source=source, model=model, cancel=cancel, **kw))
    _TRANSLATIONS.put(key, lines)
    return list(lines)


def clear_translation_cache() -> None:
    """Forget translated lines and fitted lines (tests)."""
    _TRANSLATIONS.clear()
    _FITTED.clear()


def _fitted(speech: Speech, cue_start: float, cue_end: float, max_tempo: float) -> tuple:
    """fit_line's (tempo, flag, WAV path, duration, words) for a line, kept by content: the
    time-stretch (about 20 ms a line) is done once, in the editor's dub job, not again when the
    command applies on the GUI thread."""
    from .tts import cache_folder

    key = content_key("dub-fit", speech.key, round(cue_end - cue_start, 6), max_tempo, str(cache_folder()))
    hit = _FITTED.get(key) if speech.key else None
    if hit is not None and hit[2].exists():
        return hit
    spoken, tempo, flag = fit_line(speech, cue_start, cue_end, max_tempo=max_tempo)
    out = (tempo, flag, speech_file(spoken), spoken.duration, tuple(spoken.words))
    if speech.key:
        _FITTED.put(key, out)
    return out


def dub_cues(cues: Sequence, target: str, *, source: str = "en", voice: Optional[str] = None,
             model: Optional[str] = None, max_tempo: float = MAX_TEMPO,
             translate: Optional[Callable[[List[str]], List[str]]] = None,
             progress=None, cancel: Optional[CancelToken] = None) -> DubResult:
    """The cues (start, end, text; programme time) dubbed into ``target`` (a language name or code).

    ``translate`` (texts -> texts) replaces the model (tests, or captions already in the target)."""
    from .translate import language_code

    code = language_code(target)
    if not 1.0 <= max_tempo <= 2.0:
        raise ParamError(f"The most a dubbed line may be sped up is 1x to 2x, got {max_tempo:g}x.")
    texts = [c.text.replace("\n", " ").strip() for c in cues]
    if progress is not None:
        progress(0, len(cues), "translating")
    if translate is not None:
        lines = list(translate(texts))
    else:
        lines = translated_lines(texts, code, source=source, model=model, cancel=cancel)
    voice = voice or default_voice(code)
    result = DubResult(code, voice)
    for k, (cue, text) in enumerate(zip(cues, lines, strict=True)):
        check(cancel)
        line = DubLine(k, float(cue.start), float(cue.end), text, start=float(cue.start), end=float(cue.start))
        result.lines.append(line)
        if not any(ch.isalnum() for ch in text):
            if any(ch.isalnum() for ch in texts[k]):
                line.flagged = "no translation"
            continue
        tempo, flag, path, duration, words = _fitted(synthesize(text, voice=voice, cancel=cancel), line.cue_start,
                                                     line.cue_end, max_tempo)
        line.tempo, line.flagged, line.path = tempo, flag, path
        line.end = line.start + duration
        line.words = tuple(Word(w.text, w.start + line.start, w.end + line.start) for w in words)
        if progress is not None:
            progress(k + 1, len(cues), "dubbing")
    return result
