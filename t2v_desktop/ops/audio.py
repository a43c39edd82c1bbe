"""AUDIO ops: volume, mute, audio_fade_in, audio_fade_out, normalize.

They work on (channels, n) float32 chunks; the engine passes only the part of a chunk inside
the op's range, with ``ctx.start_time`` on the stage's timeline. ``normalize`` measures the
integrated loudness (ITU-R BS.1770 / EBU R128: K-weighting + gating) once over the whole
stage audio; the engine caches that analysis.
"""

from __future__ import annotations

import math

from ..lazy import lazy
from .params import Float
from .registry import AudioContext, OpKind, operation

np = lazy("numpy")


def _times(samples: np.ndarray, ctx: AudioContext) -> np.ndarray:
    """Time in seconds (stage timeline) of each sample of the chunk."""
    n = samples.shape[-1]
    return ctx.start_time + np.arange(n, dtype=np.float64) / ctx.sample_rate


@operation("volume", kind=OpKind.AUDIO, category="audio",
           params={"gain_db": Float(min=-60.0, max=24.0, default=6.0, unit="dB", small=3.0, large=12.0,
                                    description="Positive is louder, negative quieter.")},
           description="Make the sound louder or quieter.",
           synonyms=("gain", "louder", "quieter"), examples=("make it louder", "volume -6 dB"))
def volume(samples: np.ndarray, ctx: AudioContext, gain_db: float = 6.0) -> np.ndarray:
    return (samples * np.float32(10.0 ** (gain_db / 20.0))).astype(np.float32, copy=False)


@operation("mute", kind=OpKind.AUDIO, params={}, category="audio",
           description="Silence the sound.", synonyms=("silence", "no sound", "remove audio"),
           examples=("mute", "mute from 0:02 to 0:04"))
def mute(samples: np.ndarray, ctx: AudioContext) -> np.ndarray:
    return np.zeros_like(samples, dtype=np.float32)


@operation("audio_fade_in", kind=OpKind.AUDIO, category="audio",
           params={"duration": Float(min=0.05, max=60.0, default=1.0, unit="s")},
           description="Fade the sound in at the start of the clip (or range).",
           synonyms=("fade in audio", "sound fade in"), examples=("fade in the audio over 2 seconds",))
def audio_fade_in(samples: np.ndarray, ctx: AudioContext, duration: float = 1.0) -> np.ndarray:
    start = ctx.range[0] if ctx.range else 0.0
    gain = np.clip((_times(samples, ctx) - start) / duration, 0.0, 1.0).astype(np.float32)
    return samples * gain[None, :]


@operation("audio_fade_out", kind=OpKind.AUDIO, category="audio",
           params={"duration": Float(min=0.05, max=60.0, default=1.0, unit="s")},
           description="Fade the sound out at the end of the clip (or range).",
           synonyms=("fade out audio", "sound fade out"), examples=("fade out the audio",))
def audio_fade_out(samples: np.ndarray, ctx: AudioContext, duration: float = 1.0) -> np.ndarray:
    end = ctx.range[1] if ctx.range else ctx.duration
    # +1 sample so the last sample of the span is (just) silent rather than one step above.
    t_end = _times(samples, ctx) + 1.0 / ctx.sample_rate
    gain = np.clip((end - t_end) / duration, 0.0, 1.0).astype(np.float32)
    return samples * gain[None, :]


# -- loudness (ITU-R BS.1770-4) ----------------------------------------------------------------

def _k_weighting(sample_rate: int):
    """The two K-weighting biquads (high shelf + RLB high-pass) for any sample rate."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh ** 0.4996667741545416
    a0 = 1.0 + k / q + k * k
    b1 = [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    a1 = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    d = 1.0 + k / q + k * k
    b2 = [1.0, -2.0, 1.0]
    a2 = [1.0, 2.0 * (k * k - 1.0) / d, (1.0 - k / q + k * k) / d]
    return (b1, a1), (b2, a2)


def _apply_k_weighting(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Filter (channels, n) by the K-weighting cascade in the frequency domain.

    An IIR loop in Python is far too slow and scipy is not a dependency; multiplying the
    spectrum by the cascade's exact response (with zero padding against wrap-around) gives the
    same power per 400 ms block to well under 0.1 LU.
    """
    n = x.shape[-1]
    pad = n + sample_rate  # 1 s of padding: the high-pass settles within a few hundred ms
    nfft = 1 << int(math.ceil(math.log2(pad)))
    z = np.exp(-1j * np.linspace(0.0, math.pi, nfft // 2 + 1))
    h = np.ones_like(z)
    for b, a in _k_weighting(sample_rate):
        h *= (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)
    spec = np.fft.rfft(x.astype(np.float64), nfft, axis=-1)
    return np.fft.irfft(spec * h[None, :], nfft, axis=-1)[:, :n]


#: BS.1770 channel weights for up to 5 channels (L, R, C, Ls, Rs); LFE (index 3 of 5.1) excluded.
def _channel_weights(channels: int) -> np.ndarray:
    if channels == 6:
        return np.array([1.0, 1.0, 1.0, 0.0, 1.41, 1.41])
    w = np.ones(channels)
    if channels == 5:
        w[3:] = 1.41
    return w


class LoudnessMeter:
    """Integrated loudness fed chunk by chunk, so an hour of sound never sits in memory at once.

    Each chunk is K-weighted with 0.5 s of the previous input as run-in (the filters settle in a
    few ms), and its energy is summed per 100 ms step; 400 ms blocks are four steps.
    """

    def __init__(self, sample_rate: int, channels: int):
        self.sr, self.channels = sample_rate, channels
        self.step = int(round(0.1 * sample_rate))
        self.pre = sample_rate // 2
        self._tail = np.zeros((channels, 0))
        self._rem = np.zeros((channels, 0))
        self._steps: list = []
        self.peak = 0.0

    def add(self, samples: np.ndarray) -> None:
        x = np.atleast_2d(np.asarray(samples, dtype=np.float64))
        if x.shape[-1] == 0:
            return
        self.peak = max(self.peak, float(np.abs(x).max()))
        ctx = np.concatenate([self._tail, x], axis=1)
        y = _apply_k_weighting(ctx, self.sr)[:, self._tail.shape[1]:]
        self._tail = ctx[:, -self.pre:]
        y = np.concatenate([self._rem, y], axis=1)
        k = y.shape[1] // self.step
        self._steps.append(np.square(y[:, :k * self.step]).reshape(self.channels, k, self.step).sum(axis=-1))
        self._rem = y[:, k * self.step:]

    def integrated(self) -> float:
        """LUFS; -inf for silence or under 400 ms."""
        e = np.concatenate(self._steps, axis=1) if self._steps else np.zeros((self.channels, 0))
        j = e.shape[1]
        if j < 4:
            return float("-inf")
        z = (e[:, 0:j - 3] + e[:, 1:j - 2] + e[:, 2:j - 1] + e[:, 3:j]) / (4 * self.step)
        power = (_channel_weights(self.channels)[:, None] * z).sum(axis=0)
        with np.errstate(divide="ignore"):
            loud = -0.691 + 10.0 * np.log10(power)
        gated = loud > -70.0
        if not gated.any():
            return float("-inf")
        rel = -0.691 + 10.0 * math.log10(power[gated].mean()) - 10.0
        gated &= loud > rel
        return float(-0.691 + 10.0 * math.log10(power[gated].mean()))


CHUNK_SECONDS = 10.0


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS of (channels, n) audio; -inf for silence or < 400 ms."""
    x = np.atleast_2d(samples)
    meter = LoudnessMeter(sample_rate, x.shape[0])
    n = int(CHUNK_SECONDS * sample_rate)
    for a in range(0, x.shape[1], n):
        meter.add(x[:, a:a + n])
    return meter.integrated()


def _normalize_analyze(samples, sample_rate: int, **params) -> dict:
    """``samples``: the whole (channels, n) array, or an iterable of such chunks (the engine
    streams long audio: see ``streaming``)."""
    chunks = [samples] if isinstance(samples, np.ndarray) else samples
    meter = None
    for chunk in chunks:
        chunk = np.atleast_2d(chunk)
        if meter is None:
            meter = LoudnessMeter(sample_rate, chunk.shape[0])
        n = int(CHUNK_SECONDS * sample_rate)
        for a in range(0, chunk.shape[1], n):
            meter.add(chunk[:, a:a + n])
    lufs = meter.integrated() if meter is not None else float("-inf")
    return {"lufs": lufs if math.isfinite(lufs) else None, "peak": meter.peak if meter else 0.0}


#: The engine may pass an iterator of chunks instead of one array (bounded memory).
_normalize_analyze.streaming = True  # type: ignore[attr-defined]


@operation("normalize", kind=OpKind.AUDIO, category="audio",
           params={"target_lufs": Float(min=-40.0, max=-5.0, default=-16.0, unit=" LUFS",
                                        description="Integrated loudness to reach (EBU R128).")},
           description="Even out the loudness to a target (EBU R128 integrated loudness).",
           synonyms=("normalise", "normalize audio", "loudness normalize"),
           examples=("normalize the audio", "normalize to -14 LUFS"),
           analyze=_normalize_analyze, analysis_version=1)
def normalize(samples: np.ndarray, ctx: AudioContext, target_lufs: float = -16.0) -> np.ndarray:
    """One constant gain, so dynamics are untouched. Silence stays silence. Peaks above 0 dBFS are
    left to the encoder (a limiter would change the measured loudness)."""
    lufs = (ctx.analysis or {}).get("lufs")
    if lufs is None:
        return samples
    return (samples * np.float32(10.0 ** ((target_lufs - lufs) / 20.0))).astype(np.float32, copy=False)
