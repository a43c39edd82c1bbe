"""The audio mixer: sums the audible tracks sample-exactly, with track gain/pan, mute/solo and ducking.

It knows nothing of the project model: each ``MixTrack`` is a ``read(s0, s1)`` callable that returns
the track's clips already summed (clip volume and transitions applied) for absolute samples
[s0, s1), plus the track's mixer settings. The Renderer builds them; export and preview both call
``Mixer.read``, so what you hear is what you export.

Rules (decisions, documented here because users will ask):

* **Mute/solo.** A muted track is never heard. If any track is solo, only solo (and unmuted) tracks
  are heard.
* **Gain and pan.** ``gain_db`` is a plain multiplier (-inf = silence). ``pan`` uses the
  constant-power sine law scaled so the centre is 0 dB (L = sqrt2*cos, R = sqrt2*sin of
  (pan+1)*pi/4): an unpanned mix is exactly the sum of its sources, a mono source keeps its power
  across the sweep, and a hard side is +3 dB on that side and silence on the other. On a stereo
  source it acts as a balance (left channel x L, right channel x R); channels past the second are
  untouched; a mono output ignores pan. A 1-channel track is spread to every output channel.
* **No clipping here.** Sums above 1.0 are kept as they are (the mix must equal the sum of its
  sources); the encoder's float path and its own limiter deal with peaks.
* **Ducking.** A track with ``ducking`` is lowered by ``amount_db`` while the *key* has sound. The
  key is the sum of the unmuted "voice" tracks when the mix has any voice track (a muted voice
  track therefore ducks nothing), else of every unmuted track that is not itself ducked. The key
  listens after track gain (a voice turned down may fall under the threshold) and before pan, and
  it ignores solo, so soloing the music lets you hear its ducking as it will be exported.
  Detection: power over 10 ms blocks at absolute block boundaries -> dB -> a soft knee of
  ``KNEE_DB`` around ``threshold_db`` (stateless, so no hysteresis state to break random access)
  -> the reduction smoothed in dB by a one-pole filter, ``attack`` when going down and ``release``
  when coming back, each the time to cover 95% of a step -> linearly interpolated per sample. The
  gain at a block's start already reflects that block, so the music starts to dip up to one block
  (10 ms) before the voice.
* **Random access.** ``read(s0, s1)`` gives the same samples whichever chunks and seeks led to it:
  the envelope of every period of blocks is a pure function of its absolute position, computed
  from a fixed lookback window long enough for the smoothing to converge (to < 1e-6 dB of
  gain error) and started from "no reduction" (exact before sample 0, where everything is silent).
  Key tracks are read once per period window and that window also serves their output reads.

A Mixer keeps small caches and is not thread-safe: one per reader thread.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

BLOCK_SECONDS = 0.010  # level detection block; also the envelope's time resolution
KNEE_DB = 6.0  # the reduction fades in over threshold +- KNEE_DB/2
SETTLE = 0.95  # attack/release = the time to cover this fraction of a step
_TOL_DB = 5e-6  # lookback: the smoothing state converges to within this many dB (gain error ~6e-7)
_MAX_PERIOD_SECONDS = 4.0
_MIN_PERIOD_SECONDS = 0.5

ReadFn = Callable[[int, int], np.ndarray]


def db_to_gain(db: float) -> float:
    """Amplitude multiplier for ``db`` decibels (-inf -> 0)."""
    return 0.0 if db == -math.inf else 10.0 ** (db / 20.0)


def pan_gains(pan: float) -> Tuple[float, float]:
    """(left, right) multipliers: constant power, 0 dB at the centre, +3 dB / silence at a hard side."""
    p = min(1.0, max(-1.0, float(pan)))
    theta = (p + 1.0) * math.pi / 4.0
    left, right = math.sqrt(2.0) * math.cos(theta), math.sqrt(2.0) * math.sin(theta)
    # exact values at the centre and the hard sides (cos(pi/2) is 6e-17, not 0)
    if p == 0.0:
        return 1.0, 1.0
    if p == -1.0:
        return math.sqrt(2.0), 0.0
    if p == 1.0:
        return 0.0, math.sqrt(2.0)
    return left, right


def volume_envelope(volume: Any, t0: float, n: int, sr: int) -> np.ndarray:
    """Per-sample gain (float32, length ``n``) of a clip volume that is a number or a Keyframes,
    for the samples at ``t0 + i/sr`` seconds from the clip's start."""
    from ..keyframes import Keyframes

    if isinstance(volume, Keyframes):
        times = t0 + np.arange(n, dtype=np.float64) / float(sr)
        return np.asarray(volume.sample(times), dtype=np.float32)
    return np.full(n, float(volume), dtype=np.float32)


@dataclass
class MixTrack:
    """One track as the mixer sees it. ``read(s0, s1)`` -> (channels, s1 - s0) float32 of the track's
    clips summed, for absolute samples (a 1-channel array is spread to every output channel)."""

    read: ReadFn
    gain_db: float = 0.0
    pan: float = 0.0
    muted: bool = False
    solo: bool = False
    role: str = ""  # "" | "voice" | "music"
    ducking: Optional[Any] = None  # amount_db, threshold_db, attack, release (seconds)
    name: str = ""


class Mixer:
    """Mixes ``tracks`` to ``channels`` at ``sample_rate``; see the module docstring for the rules."""

    def __init__(self, tracks: List[MixTrack], sample_rate: int, channels: int) -> None:
        self.tracks = list(tracks)
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        any_solo = any(t.solo for t in self.tracks)
        self.audible = [i for i, t in enumerate(self.tracks) if not t.muted and (t.solo or not any_solo)]
        has_voice = any(t.role == "voice" for t in self.tracks)
        self.key = [i for i, t in enumerate(self.tracks)
                    if not t.muted and t.ducking is None and (t.role == "voice" or not has_voice)]
        # every unmuted ducked track gets an envelope (computed only when read), so a GUI can draw it
        self.ducked = [i for i, t in enumerate(self.tracks) if not t.muted and t.ducking is not None] if self.key else []
        self.block = max(1, round(self.sample_rate * BLOCK_SECONDS))
        self._coef: Dict[int, Tuple[float, float, float, float]] = {}
        lookback = 1
        for i in self.ducked:
            d = self.tracks[i].ducking
            a_att, a_rel = self._alpha(float(d.attack)), self._alpha(float(d.release))
            amount = max(0.0, float(d.amount_db))
            # each block shrinks the distance between two smoothing states by at least (1 - min alpha)
            shrink = 1.0 - min(a_att, a_rel)
            if shrink > 0.0:
                n = math.ceil(math.log(max(amount, 1.0) / _TOL_DB) / -math.log(shrink))
                lookback = max(lookback, n)
            self._coef[i] = (a_att, a_rel, amount, float(d.threshold_db))
        self.lookback_blocks = lookback
        per_sec = 1.0 / BLOCK_SECONDS
        self.period_blocks = int(min(max(lookback, _MIN_PERIOD_SECONDS * per_sec), _MAX_PERIOD_SECONDS * per_sec))
        keep = math.ceil(lookback / self.period_blocks) + 3
        self._levels: "OrderedDict[int, np.ndarray]" = OrderedDict()
        self._levels_keep = max(8, keep)
        self._env: "OrderedDict[Tuple[int, int], np.ndarray]" = OrderedDict()
        self._env_keep = 8 * max(1, len(self.ducked))
        self._windows: Dict[int, List[Tuple[int, int, np.ndarray]]] = {i: [] for i in self.key}

    def _alpha(self, seconds: float) -> float:
        """Per-block one-pole coefficient that covers SETTLE of a step in ``seconds``."""
        blocks = max(seconds, 1e-4) / (self.block / self.sample_rate)
        return 1.0 - (1.0 - SETTLE) ** (1.0 / blocks)

    # -- reading ---------------------------------------------------------------------------------

    def read(self, s0: int, s1: int) -> np.ndarray:
        """(channels, s1 - s0) float32: the mix of absolute samples [s0, s1)."""
        s0, s1 = int(s0), int(s1)
        if s0 < 0 or s1 < s0:
            raise ValueError(f"Mixer.read needs 0 <= s0 <= s1, got {s0}, {s1}")
        n = s1 - s0
        out = np.zeros((self.channels, n), dtype=np.float32)
        if n == 0:
            return out
        for i in self.audible:
            t = self.tracks[i]
            g = db_to_gain(float(t.gain_db))
            if g == 0.0:
                continue
            x = self._track(i, s0, s1)
            if i in self._coef:
                x = x * self.duck_gain(i, s0, s1)[None, :]
            if self.channels >= 2 and t.pan != 0.0:
                left, right = pan_gains(t.pan)
                out[0] += x[0] * np.float32(g * left)
                out[1] += x[1] * np.float32(g * right)
                if self.channels > 2:
                    out[2:] += x[2:] * np.float32(g)
            elif g == 1.0:
                out += x
            else:
                out += x * np.float32(g)
        return out

    def duck_gain(self, index: int, s0: int, s1: int) -> np.ndarray:
        """Per-sample ducking gain (float32, linear; 1 = untouched) of track ``index`` for [s0, s1):
        what the mix applies, also for drawing the curve."""
        n = int(s1) - int(s0)
        if index not in self._coef or n <= 0:
            return np.ones(max(n, 0), dtype=np.float32)
        b = self.block
        k0, k1 = s0 // b, (s1 - 1) // b + 1  # the envelope at block starts k0..k1
        g = self._envelope(index, k0, k1 + 1)
        s = np.arange(s0, s1, dtype=np.int64)
        k = s // b
        frac = (s - k * b).astype(np.float64) / b
        lo = g[k - k0]
        db = lo + (g[k - k0 + 1] - lo) * frac
        return np.power(10.0, db / 20.0).astype(np.float32)

    def _track(self, i: int, s0: int, s1: int) -> np.ndarray:
        """A track's samples as (channels, n) float32, from a key window when one holds them."""
        for w0, w1, arr in self._windows.get(i, ()):
            if w0 <= s0 and s1 <= w1:
                return arr[:, s0 - w0:s1 - w0]
        return self._call(i, s0, s1)

    def _call(self, i: int, s0: int, s1: int) -> np.ndarray:
        x = np.asarray(self.tracks[i].read(s0, s1), dtype=np.float32)
        n = s1 - s0
        if x.ndim == 1:
            x = x[None, :]
        if x.shape[1] != n or x.shape[0] not in (1, self.channels):
            name = self.tracks[i].name or f"#{i}"
            raise ValueError(f"track {name} read({s0}, {s1}) gave shape {x.shape}, "
                             f"expected ({self.channels}, {n})")
        if x.shape[0] != self.channels:
            x = np.broadcast_to(x, (self.channels, n))
        return x

    # -- ducking envelope --------------------------------------------------------------------------

    def _envelope(self, index: int, k0: int, k1: int) -> np.ndarray:
        """Gain in dB at the starts of blocks k0..k1-1 (float64)."""
        P = self.period_blocks
        parts = []
        for p in range(k0 // P, (k1 - 1) // P + 1):
            env = self._period_env(index, p)
            a, z = max(k0, p * P) - p * P, min(k1, (p + 1) * P) - p * P
            parts.append(env[a:z])
        return np.concatenate(parts)

    def _period_env(self, index: int, p: int) -> np.ndarray:
        key = (index, p)
        env = self._env.get(key)
        if env is not None:
            self._env.move_to_end(key)
            return env
        P = self.period_blocks
        b0 = max(0, p * P - self.lookback_blocks)
        levels = self._levels_span(b0, (p + 1) * P)
        a_att, a_rel, amount, thr = self._coef[index]
        u = np.clip((levels - (thr - KNEE_DB / 2.0)) / KNEE_DB, 0.0, 1.0)
        target = (-amount * u * u * (3.0 - 2.0 * u)).tolist()
        g = 0.0
        res = [0.0] * len(target)
        for j, tg in enumerate(target):
            g += (a_att if tg < g else a_rel) * (tg - g)
            res[j] = g
        env = np.array(res[p * P - b0:], dtype=np.float64)
        self._env[key] = env
        while len(self._env) > self._env_keep:
            self._env.popitem(last=False)
        return env

    def _levels_span(self, b0: int, b1: int) -> np.ndarray:
        P = self.period_blocks
        parts = []
        for p in range(b0 // P, (b1 - 1) // P + 1):
            lv = self._period_levels(p)
            parts.append(lv[max(b0, p * P) - p * P:min(b1, (p + 1) * P) - p * P])
        return np.concatenate(parts)

    def _period_levels(self, p: int) -> np.ndarray:
        """Key power in dB of each block of period ``p``; reads each key track once for the window."""
        lv = self._levels.get(p)
        if lv is not None:
            self._levels.move_to_end(p)
            return lv
        P, b = self.period_blocks, self.block
        w0, w1 = p * P * b, (p + 1) * P * b
        key = np.zeros((self.channels, w1 - w0), dtype=np.float32)
        for i in self.key:
            x = self._call(i, w0, w1)
            wins = self._windows[i]
            wins.append((w0, w1, x))
            del wins[:-2]
            g = db_to_gain(float(self.tracks[i].gain_db))
            if g != 0.0:
                key += x * np.float32(g)
        power = np.square(key, dtype=np.float64).reshape(self.channels, P, b).mean(axis=(0, 2))
        lv = 10.0 * np.log10(power + 1e-20)
        self._levels[p] = lv
        while len(self._levels) > self._levels_keep:
            self._levels.popitem(last=False)
        return lv
