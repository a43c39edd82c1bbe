"""AUDIO ops: volume, mute, audio_fade_in, audio_fade_out, normalize.

They work on (channels, n) float32 chunks; the engine passes only the part of a chunk inside
the op's range, with ``ctx.start_time`` on the stage's timeline. ``normalize`` measures the
integrated loudness (ITU-R BS.1770 / EBU R128: K-weighting + gating) once over the whole
stage audio; the engine caches that analysis.
"""

from __future__ import annotations

import math

import numpy as np

from .params import Float
from .registry import AudioContext, OpKind, operation


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


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS of (channels, n) audio; -inf for silence or < 400 ms."""
    x = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    block, step = int(round(0.4 * sample_rate)), int(round(0.1 * sample_rate))
    if x.shape[-1] < block:
        return float("-inf")
    y = _apply_k_weighting(x, sample_rate)
    csum = np.concatenate([np.zeros((y.shape[0], 1)), np.cumsum(y * y, axis=-1)], axis=-1)
    starts = np.arange(0, x.shape[-1] - block + 1, step)
    z = (csum[:, starts + block] - csum[:, starts]) / block  # (channels, blocks) mean square
    w = _channel_weights(x.shape[0])[:, None]
    power = (w * z).sum(axis=0)
    with np.errstate(divide="ignore"):
        loud = -0.691 + 10.0 * np.log10(power)
    gated = loud > -70.0
    if not gated.any():
        return float("-inf")
    rel = -0.691 + 10.0 * math.log10(power[gated].mean()) - 10.0
    gated &= loud > rel
    return float(-0.691 + 10.0 * math.log10(power[gated].mean()))


def _normalize_analyze(samples: np.ndarray, sample_rate: int, **params) -> dict:
    lufs = integrated_loudness(samples, sample_rate)
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    return {"lufs": lufs if math.isfinite(lufs) else None, "peak": peak}


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
