"""The audio mixer on generated signals: sums, gain, pan, mute/solo, ducking and random access."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from t2v_desktop.engine.mixer import Mixer, MixTrack, db_to_gain, pan_gains, volume_envelope
from t2v_desktop.keyframes import Keyframes

SR = 48000


class ArrayTrack:
    """A track's read(s0, s1) over a fixed array (silence outside it); counts the samples read."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = np.asarray(data, dtype=np.float32)
        if self.data.ndim == 1:
            self.data = np.stack([self.data, self.data])
        self.samples_read = 0

    def __call__(self, s0: int, s1: int) -> np.ndarray:
        self.samples_read += s1 - s0
        out = np.zeros((self.data.shape[0], s1 - s0), dtype=np.float32)
        a, z = min(s0, self.data.shape[1]), min(s1, self.data.shape[1])
        out[:, a - s0:z - s0] = self.data[:, a:z]
        return out


def sine(freq: float, seconds: float, amp: float = 0.2) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (amp * np.sin(2 * math.pi * freq * t)).astype(np.float32)


def bursts(seconds: float, spans, amp: float = 0.3, seed: int = 1) -> np.ndarray:
    """Noise bursts standing in for speech (uniform noise, RMS = amp/sqrt3), silence elsewhere."""
    rng = np.random.default_rng(seed)
    x = np.zeros(int(seconds * SR), dtype=np.float32)
    for a, z in spans:
        x[int(a * SR):int(z * SR)] = rng.uniform(-amp, amp, int(z * SR) - int(a * SR))
    return x


def rms_db(x: np.ndarray) -> float:
    return 10 * math.log10(float(np.mean(np.square(x, dtype=np.float64))) + 1e-30)


def duck(amount=12.0, threshold=-35.0, attack=0.08, release=0.35):
    return SimpleNamespace(amount_db=amount, threshold_db=threshold, attack=attack, release=release)


def sl(a: float, z: float) -> slice:
    return slice(int(a * SR), int(z * SR))


# -- sums, gain, pan, mute/solo ------------------------------------------------------------------


def test_mix_equals_sum_of_sources():
    a = sine(440, 2.0)
    b = np.stack([sine(660, 2.0, 0.3), sine(220, 2.0, 0.1)])
    c = np.random.default_rng(0).uniform(-0.4, 0.4, (2, 2 * SR)).astype(np.float32)
    m = Mixer([MixTrack(ArrayTrack(a)), MixTrack(ArrayTrack(b)), MixTrack(ArrayTrack(c))], SR, 2)
    out = m.read(0, 2 * SR)
    assert out.shape == (2, 2 * SR) and out.dtype == np.float32
    assert np.max(np.abs(out - (a[None] + b + c))) < 1e-4


def test_sums_above_one_are_not_clipped():
    x = np.full(1000, 0.8, dtype=np.float32)
    out = Mixer([MixTrack(ArrayTrack(x)), MixTrack(ArrayTrack(x))], SR, 2).read(0, 1000)
    assert np.allclose(out, 1.6, atol=1e-6)


def test_gain_minus_6_db_halves_amplitude():
    a = sine(440, 1.0, 0.5)
    out = Mixer([MixTrack(ArrayTrack(a), gain_db=-6.0)], SR, 2).read(0, SR)
    ratio = np.max(np.abs(out)) / np.max(np.abs(a))
    assert abs(ratio - 0.5) < 0.005
    assert db_to_gain(-math.inf) == 0.0
    assert not Mixer([MixTrack(ArrayTrack(a), gain_db=-math.inf)], SR, 2).read(0, SR).any()


def test_pan_hard_left_silences_the_right_and_keeps_power():
    a = sine(440, 1.0, 0.5)
    out = Mixer([MixTrack(ArrayTrack(a), pan=-1.0)], SR, 2).read(0, SR)
    assert not out[1].any()
    assert np.max(np.abs(out[0])) > 0.7
    out = Mixer([MixTrack(ArrayTrack(a), pan=1.0)], SR, 2).read(0, SR)
    assert not out[0].any()
    assert pan_gains(0.0) == (1.0, 1.0)
    for p in (-0.7, -0.2, 0.3, 0.9):
        left, right = pan_gains(p)
        assert abs(left * left + right * right - 2.0) < 1e-12  # constant power, 0 dB at the centre
    left, right = pan_gains(-0.5)
    assert left > right > 0


def test_mono_output_ignores_pan():
    a = sine(440, 0.5)
    out = Mixer([MixTrack(ArrayTrack(a[None]), pan=-1.0)], SR, 1).read(0, len(a))
    assert out.shape == (1, len(a)) and np.max(np.abs(out[0] - a)) < 1e-7


def test_mute_and_solo():
    a, b, c = sine(300, 0.5), sine(500, 0.5), sine(700, 0.5)
    n = len(a)

    def mix(*tracks):
        return Mixer(list(tracks), SR, 2).read(0, n)[0]

    assert np.allclose(mix(MixTrack(ArrayTrack(a), muted=True), MixTrack(ArrayTrack(b))), b, atol=1e-7)
    assert np.allclose(mix(MixTrack(ArrayTrack(a), solo=True), MixTrack(ArrayTrack(b)),
                           MixTrack(ArrayTrack(c), solo=True)), a + c, atol=1e-6)
    # a muted solo track is never heard, and its solo still silences the others
    assert not mix(MixTrack(ArrayTrack(a), solo=True, muted=True), MixTrack(ArrayTrack(b))).any()
    assert not mix(MixTrack(ArrayTrack(a), muted=True)).any()
    assert not Mixer([], SR, 2).read(0, 10).any()


# -- ducking -------------------------------------------------------------------------------------

VOICE_SPANS = [(2.0, 4.0), (6.0, 7.0)]


def ducking_mix(**kw):
    music = sine(220, 10.0, 0.2)
    voice = bursts(10.0, VOICE_SPANS)
    d = duck(**kw)
    tracks = [MixTrack(ArrayTrack(voice), role="voice", name="voice"),
              MixTrack(ArrayTrack(music), role="music", ducking=d, name="music")]
    return Mixer(tracks, SR, 2), music, voice, d


def test_ducking_lowers_music_during_voice_and_restores_it():
    m, music, voice, _ = ducking_mix()
    out = m.read(0, 10 * SR)
    music_out = out[0] - voice  # the voice passes untouched, so this is the ducked music
    assert np.max(np.abs(music_out[sl(0, 1.9)] - music[sl(0, 1.9)])) < 1e-6  # no ducking before
    for a, z in VOICE_SPANS:
        mid = (a + z) / 2
        drop = rms_db(music_out[sl(mid - 0.25, mid + 0.25)]) - rms_db(music[sl(mid - 0.25, mid + 0.25)])
        assert abs(drop + 12.0) < 1.0, drop
        after = rms_db(music_out[sl(z + 0.9, z + 1.1)]) - rms_db(music[sl(z + 0.9, z + 1.1)])
        assert abs(after) < 1.0, after


def test_ducking_attack_and_release_shape():
    attack, release = 0.2, 0.6
    m, music, voice, _ = ducking_mix(attack=attack, release=release)
    g = 20 * np.log10(m.duck_gain(1, 0, 10 * SR).astype(np.float64))
    on, off = VOICE_SPANS[0]

    def at(t):
        return g[int(t * SR)]

    assert at(on - 0.1) == 0.0
    assert -10.0 < at(on + attack / 4) < -1.0  # still on its way down: an envelope, not a switch
    assert abs(at(on + attack) + 12.0) < 1.0  # within 1 dB of the target after the attack
    assert abs(at(on + 1.0) + 12.0) < 0.05
    # it holds through the burst, also across a boundary of the envelope's periods (where a too
    # short lookback would restart the smoothing and let the music jump up)
    hold = g[sl(on + 2 * attack, off - 0.02)]
    period_s = m.period_blocks * m.block / SR
    assert any(on + 2 * attack < k * period_s < off - 0.02 for k in range(1, 10))
    assert np.max(np.abs(hold + 12.0)) < 0.2
    assert -11.0 < at(off + release / 4) < -3.0  # coming back gradually
    assert abs(at(off + release + 0.01)) < 1.0  # within 1 dB after the release
    rel = g[sl(off + 0.02, off + release)]
    assert np.all(np.diff(rel) >= -1e-9)  # the release only rises
    # the mix applies exactly this gain to the music
    out = m.read(0, 10 * SR)
    assert np.max(np.abs(out[0] - voice - music * m.duck_gain(1, 0, 10 * SR))) < 1e-6


def test_quiet_voice_does_not_duck():
    music = sine(220, 4.0)
    voice = bursts(4.0, [(1.0, 3.0)], amp=0.3)
    # noise RMS ~ -15 dBFS; -30 dB of track gain puts the key at -45 dBFS, under the -35 dB threshold
    m = Mixer([MixTrack(ArrayTrack(voice), role="voice", gain_db=-30.0),
               MixTrack(ArrayTrack(music), ducking=duck())], SR, 2)
    assert np.min(m.duck_gain(1, 0, 4 * SR)) == 1.0


def test_muted_voice_does_not_duck_and_key_fallback():
    music = sine(220, 4.0)
    voice = bursts(4.0, [(1.0, 3.0)])
    m = Mixer([MixTrack(ArrayTrack(voice), role="voice", muted=True),
               MixTrack(ArrayTrack(music), ducking=duck())], SR, 2)
    assert np.allclose(m.read(0, 4 * SR)[0], music, atol=1e-7)
    # no voice track at all: every unmuted, non-ducked track is the key
    m = Mixer([MixTrack(ArrayTrack(voice)), MixTrack(ArrayTrack(music), ducking=duck())], SR, 2)
    assert 20 * math.log10(float(m.duck_gain(1, 2 * SR, 2 * SR + 1)[0])) == pytest.approx(-12.0, abs=0.1)
    # soloing the music keeps its ducking: the key ignores solo
    m = Mixer([MixTrack(ArrayTrack(voice), role="voice"),
               MixTrack(ArrayTrack(music), ducking=duck(), solo=True)], SR, 2)
    out = m.read(0, 4 * SR)[0]
    assert rms_db(out[sl(1.8, 2.2)]) - rms_db(music[sl(1.8, 2.2)]) == pytest.approx(-12.0, abs=1.0)


# -- random access -------------------------------------------------------------------------------


def chunked(m: Mixer, n: int, sizes) -> np.ndarray:
    out, s, i = [], 0, 0
    while s < n:
        z = min(n, s + sizes[i % len(sizes)])
        out.append(m.read(s, z))
        s, i = z, i + 1
    return np.concatenate(out, axis=1)


def test_chunked_and_seeking_reads_equal_a_full_read():
    n = 10 * SR
    full = ducking_mix()[0].read(0, n)
    for sizes in ([1024], [4096], [997, 1, 5003, 48000, 13]):
        assert np.max(np.abs(chunked(ducking_mix()[0], n, sizes) - full)) < 1e-5, sizes
    # reverse-order seeks, each chunk from a mixer that has seen only later positions
    m = ducking_mix()[0]
    starts = list(range(0, n, 1500))[::-1]
    for s in starts:
        assert np.max(np.abs(m.read(s, min(n, s + 1500)) - full[:, s:s + 1500])) < 1e-5, s
    # a fresh mixer that seeks straight into the middle of a burst or of a release
    for s in (int(3.3 * SR), int(4.1 * SR) + 7, int(6.05 * SR), 9 * SR - 1):
        piece = ducking_mix()[0].read(s, s + 3000)
        assert np.max(np.abs(piece - full[:, s:s + 3000])) < 1e-5, s
    # random seeks
    m, rng = ducking_mix()[0], np.random.default_rng(3)
    for _ in range(40):
        s = int(rng.integers(0, n - 1))
        z = min(n, s + int(rng.integers(1, 9000)))
        assert np.max(np.abs(m.read(s, z) - full[:, s:z])) < 1e-5


def test_key_tracks_are_read_about_once_in_a_sequential_export():
    m = ducking_mix()[0]
    voice_reader = m.tracks[0].read
    chunked(m, 10 * SR, [1024])
    assert voice_reader.samples_read < 1.2 * 10 * SR + m.period_blocks * m.block


def test_bad_track_shape_is_a_clear_error():
    m = Mixer([MixTrack(lambda s0, s1: np.zeros((2, 5), np.float32), name="broken")], SR, 2)
    with pytest.raises(ValueError, match="broken"):
        m.read(0, 10)


# -- clip volume ---------------------------------------------------------------------------------


def test_keyframed_volume_fade_out_reaches_zero_at_its_end():
    fade = Keyframes.of([(0.0, 1.0), (1.0, 1.0), (2.0, 0.0)])
    env = volume_envelope(fade, 0.0, 2 * SR + 1, SR)
    assert env.dtype == np.float32 and env.shape == (2 * SR + 1,)
    assert env[0] == 1.0 and env[SR] == 1.0
    assert env[-1] == 0.0 and env[-2] < 1e-4  # the last sample of a 2 s clip is all but silent
    assert env[int(1.5 * SR)] == pytest.approx(0.5, abs=1e-6)
    assert np.all(np.diff(env[SR:]) <= 0)
    # an envelope that starts mid-clip equals the same samples of the whole one
    part = volume_envelope(fade, 1.25, 1000, SR)
    assert np.allclose(part, env[int(1.25 * SR):int(1.25 * SR) + 1000], atol=1e-6)
    assert np.all(volume_envelope(0.5, 3.0, 10, SR) == 0.5)
