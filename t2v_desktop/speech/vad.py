"""Voice activity: where in a file there is speech (and so where the silences are).

Two backends give a per-window speech decision that one post-processing step turns into spans:

- ``energy`` (default, no extra package): the RMS of 10 ms windows in dBFS against an adaptive noise
  floor (follows the quietest level down at once, creeps up at ``FLOOR_RISE_DB`` per second, so a
  steady hum counts as silence but a long sentence does not become the floor). A window is sound when
  it is ``margin_db`` above the floor and above ``min_db``. This is what "silence" means for "remove
  the silences": no sound, whatever the sound is.
- ``silero`` (when the ``silero-vad`` package is installed; never required): Silero's speech
  probability on 32 ms windows, so music or noise without a voice counts as a pause.

Then: bursts shorter than ``min_speech`` are dropped (clicks), each speech run is widened by
``pre_roll`` before and ``hangover`` after (so a word's soft start and tail stay), and gaps shorter
than ``min_silence`` are closed (the stops inside words). The sound is read in 10 s blocks
(speech.audio.chunks): a 3-hour file costs one block of samples plus one float per 10 ms.
Results are cached by the file's content and the settings (engine.cache).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..engine.cache import cached_analysis, content_key, source_identity
from ..errors import T2VError
from ..jobs import CancelToken, ProgressFn, check, no_progress
from .audio import RATE, chunks, open_mono

#: Bump when detection or the JSON changes, so cached spans are recomputed.
VERSION = 1
BACKENDS = ("energy", "silero")
HOP = 0.01  # the energy backend's window (s)
#: How fast the energy backend's noise floor may rise (dB per second) while the sound stays loud.
FLOOR_RISE_DB = 1.0
Span = Tuple[float, float]


@dataclass(frozen=True)
class VadSettings:
    margin_db: float = 12.0  # energy: this far above the noise floor is sound
    min_db: float = -60.0  # energy: never sound below this level (dBFS), however quiet the floor
    threshold: float = 0.5  # silero: speech probability
    min_speech: float = 0.06  # shorter bursts are clicks, not speech (s)
    min_silence: float = 0.2  # shorter gaps are inside speech (s)
    pre_roll: float = 0.02  # speech starts this much earlier (s)
    hangover: float = 0.05  # and ends this much later (s)


@dataclass(frozen=True)
class SpeechSpans:
    """Speech spans (seconds on the file's own time, sorted, disjoint) of a sound ``duration`` long."""

    spans: Tuple[Span, ...]
    duration: float
    backend: str = "energy"

    def silences(self, min_length: float = 0.0) -> List[Span]:
        """The gaps between the speech (and before the first / after the last) at least ``min_length`` long."""
        out, at = [], 0.0
        for s, e in self.spans:
            if s - at >= max(min_length, 1e-9):
                out.append((at, s))
            at = max(at, e)
        if self.duration - at >= max(min_length, 1e-9):
            out.append((at, self.duration))
        return out

    @property
    def speech_seconds(self) -> float:
        return sum(e - s for s, e in self.spans)

    def to_json(self) -> dict:
        return {"version": VERSION, "backend": self.backend, "duration": round(self.duration, 4),
                "spans": [[round(s, 4), round(e, 4)] for s, e in self.spans]}

    @classmethod
    def from_json(cls, d: dict) -> "SpeechSpans":
        return cls(tuple((float(s), float(e)) for s, e in d.get("spans", ())), float(d.get("duration", 0.0)),
                   str(d.get("backend", "energy")))


def silero_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("silero_vad") is not None


def pick_backend(backend: str) -> str:
    name = (backend or "energy").lower()
    if name == "auto":
        return "silero" if silero_available() else "energy"
    if name not in BACKENDS:
        raise T2VError(f"Unknown voice activity backend '{backend}'. Choose one of: auto, {', '.join(BACKENDS)}.")
    if name == "silero" and not silero_available():
        raise T2VError("Silero VAD is not installed: pip install silero-vad (it needs torch). "
                       "The energy backend works without it.")
    return name


def detect_speech(path, *, backend: str = "energy", settings: Optional[VadSettings] = None,
                  progress: ProgressFn = no_progress, cancel: Optional[CancelToken] = None,
                  use_cache: bool = True) -> SpeechSpans:
    """The speech spans of ``path``'s sound. MediaError when it has no audio stream; all silence
    gives no spans (``spans == ()``), not an error: the caller says what that means."""
    name = pick_backend(backend)
    settings = settings or VadSettings()
    open_mono(path).close()  # no audio stream / broken file: the same message, cached or not

    def compute() -> dict:
        if name == "silero":
            decisions, hop, total = _silero_decisions(path, settings, progress, cancel)
        else:
            decisions, hop, total = _energy_decisions(path, settings, progress, cancel)
        spans = spans_from_decisions(decisions, hop, settings, total)
        return SpeechSpans(tuple(spans), total, name).to_json()

    if not use_cache:
        return SpeechSpans.from_json(compute())
    key = content_key("vad", VERSION, name, source_identity(str(path)), asdict(settings))
    return SpeechSpans.from_json(cached_analysis(key, compute))


# -- energy ------------------------------------------------------------------------------------------

def window_db(samples: np.ndarray, hop: int) -> np.ndarray:
    """The RMS level (dBFS) of each whole ``hop``-sample window of ``samples``."""
    n = samples.size // hop
    if n == 0:
        return np.zeros(0, np.float32)
    ms = np.square(samples[:n * hop].reshape(n, hop), dtype=np.float64).mean(axis=1)
    return (10.0 * np.log10(ms + 1e-20)).astype(np.float32)


def _levels(blocks: Iterable[Tuple[float, np.ndarray]], hop: int, total: float, progress: ProgressFn,
            cancel: Optional[CancelToken]) -> np.ndarray:
    parts, carry = [], np.zeros(0, np.float32)
    for at, block in blocks:
        check(cancel)
        x = np.concatenate([carry, block]) if carry.size else block
        n = x.size // hop
        parts.append(window_db(x, hop))
        carry = x[n * hop:]
        progress(min(total, at + block.size / RATE), total, "Finding speech")
    if carry.size:
        parts.append(window_db(np.concatenate([carry, np.zeros(hop - carry.size, np.float32)]), hop))
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def noise_floor(db: np.ndarray, hop_seconds: float = HOP, rise_db: float = FLOOR_RISE_DB) -> np.ndarray:
    """Per window: the noise floor, falling to any quieter window at once and rising slowly."""
    out = np.empty_like(db)
    if not db.size:
        return out
    start = float(np.percentile(db[: int(5.0 / hop_seconds) or 1], 10))
    rise = rise_db * hop_seconds
    floor = start
    for i, v in enumerate(db.tolist()):
        floor = v if v < floor else floor + rise
        out[i] = floor
    return out


def _energy_decisions(path, settings: VadSettings, progress: ProgressFn, cancel: Optional[CancelToken]):
    hop = int(round(HOP * RATE))
    with open_mono(path) as src:
        total = src.duration
        progress(0.0, total, "Finding speech")
        db = _levels(chunks(src, 10.0), hop, total, progress, cancel)
    threshold = np.maximum(noise_floor(db) + settings.margin_db, settings.min_db)
    return db > threshold, hop / RATE, total


# -- silero --------------------------------------------------------------------------------------------

def _silero_decisions(path, settings: VadSettings, progress: ProgressFn, cancel: Optional[CancelToken]):
    """Silero's per-window speech decision, streamed (the model keeps its state between windows)."""
    import torch  # lazy: only this backend needs it
    from silero_vad import load_silero_vad

    model = load_silero_vad()
    model.reset_states()
    win = 512  # Silero's window at 16 kHz
    out: List[np.ndarray] = []
    carry = np.zeros(0, np.float32)
    speaking = False
    low = max(0.0, settings.threshold - 0.15)  # Silero's own hysteresis
    with open_mono(path) as src, torch.inference_mode():
        total = src.duration
        progress(0.0, total, "Finding speech (Silero)")
        for at, block in chunks(src, 10.0):
            check(cancel)
            x = np.concatenate([carry, block]) if carry.size else block
            n = x.size // win
            dec = np.zeros(n, bool)
            for k in range(n):
                p = float(model(torch.from_numpy(np.ascontiguousarray(x[k * win:(k + 1) * win])), RATE).item())
                speaking = p >= settings.threshold or (speaking and p >= low)
                dec[k] = speaking
            out.append(dec)
            carry = x[n * win:]
            progress(min(total, at + block.size / RATE), total, "Finding speech (Silero)")
    return (np.concatenate(out) if out else np.zeros(0, bool)), win / RATE, total


# -- decisions -> spans --------------------------------------------------------------------------------

def runs(mask: np.ndarray) -> List[Tuple[int, int]]:
    """[start, end) index runs where ``mask`` is true."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2], strict=True)]


def spans_from_decisions(decisions: np.ndarray, hop: float, settings: VadSettings, total: float) -> List[Span]:
    """Speech spans (s) from per-window decisions: short bursts dropped, runs widened, short gaps closed."""
    min_speech = max(1, int(round(settings.min_speech / hop)))
    spans: List[Span] = []
    for a, b in runs(decisions):
        if b - a < min_speech:
            continue
        s, e = max(0.0, a * hop - settings.pre_roll), min(total, b * hop + settings.hangover)
        if spans and s - spans[-1][1] < settings.min_silence:
            spans[-1] = (spans[-1][0], max(spans[-1][1], e))
        else:
            spans.append((s, e))
    return spans


def merge(spans: Sequence[Span], gap: float = 0.0) -> List[Span]:
    """Sorted spans with overlaps (and gaps shorter than ``gap``) joined."""
    out: List[Span] = []
    for s, e in sorted(spans):
        if out and s - out[-1][1] <= gap:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def speech_in_samples(samples: np.ndarray, rate: int, settings: Optional[VadSettings] = None) -> List[Span]:
    """The energy backend on samples in memory (mono float32): for short sounds, such as checking a
    rendered programme."""
    settings = settings or VadSettings()
    hop = max(1, int(round(HOP * rate)))
    db = window_db(np.asarray(samples, np.float32), hop)
    threshold = np.maximum(noise_floor(db) + settings.margin_db, settings.min_db)
    return spans_from_decisions(db > threshold, hop / rate, settings, samples.size / rate)
