"""AudioSource: sample-exact lengths, the right tone, silence where there is no sound, and cheap
sequential chunked reads (what export does)."""

from __future__ import annotations

import numpy as np
import pytest

from t2v_desktop.media.audio import AudioSource


def peak_hz(x: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spec)) * sr / len(x)


@pytest.fixture(scope="module")
def tone(tmp_path_factory):
    from t2v_desktop.media.synth import make_test_clip

    return make_test_clip(tmp_path_factory.mktemp("audio") / "tone1k.mp4", duration=2.0, tone_hz=1000.0)


@pytest.mark.parametrize("start,end", [(0, 1), (0.5, 0.54), (1 / 3, 2 / 3), (0.12345, 1.98765), (1.0, 1.0)])
def test_lengths_are_sample_exact(tone, start, end):
    with AudioSource(tone) as a:
        x = a.read(start, end)
        assert x.dtype == np.float32
        assert x.shape == (2, round(end * 48000) - round(start * 48000))


def test_tone_frequency_and_level(tone):
    with AudioSource(tone) as a:
        assert a.duration == pytest.approx(2.0, abs=0.03)
        x = a.read(0.5, 1.5)
        assert peak_hz(x[0], 48000) == pytest.approx(1000, abs=2)
        assert np.sqrt(np.mean(x ** 2)) == pytest.approx(0.3 / np.sqrt(2), rel=0.05)
        assert np.abs(x[0] - x[1]).max() < 0.02  # same tone in both channels (AAC is lossy)


def test_resampled_and_downmixed(tone):
    with AudioSource(tone, sample_rate=44100, channels=1) as a:
        x = a.read(0.25, 1.25)
        assert x.shape == (1, 44100)
        assert peak_hz(x[0], 44100) == pytest.approx(1000, abs=2)


def test_sequential_chunks_equal_one_read_without_reseeking(tone):
    whole = AudioSource(tone).read(0, 2)
    with AudioSource(tone) as a:
        # frame-sized chunks with cumulative rounding, as export reads them (29.97 fps)
        fps = 30000 / 1001
        chunks = [a.read(i / fps, (i + 1) / fps) for i in range(int(2 * fps))]
        joined = np.concatenate(chunks, axis=1)
        assert joined.shape[1] == round(int(2 * fps) / fps * 48000)
        assert np.array_equal(joined, whole[:, : joined.shape[1]])
        assert a.seeks == 1


def test_random_reads_match_a_linear_read(tone):
    whole = AudioSource(tone).read(0, 2)
    with AudioSource(tone) as a:
        for start in (1.5, 0.3, 1.1, 0.7):
            s = round(start * 48000)
            x = a.read(start, start + 0.1)
            assert np.abs(x - whole[:, s:s + 4800]).max() < 1e-3


def test_zeros_past_the_end_and_before_the_start(tone):
    with AudioSource(tone) as a:
        x = a.read(1.9, 2.5)
        assert x.shape == (2, 28800)
        assert np.abs(x[:, :4000]).max() > 0.1          # sound until 2.0 s
        assert not x[:, 5000:].any()                     # silence after
        assert not a.read(5.0, 6.0).any()
        y = a.read(-0.1, 0.1)
        assert y.shape == (2, 9600) and not y[:, :4800].any() and np.abs(y[:, 6000:]).max() > 0.1


def test_file_without_sound_reads_silence(make_clip):
    with AudioSource(make_clip(audio=False)) as a:
        assert not a.has_audio and a.duration == 0.0
        x = a.read(0.2, 0.7)
        assert x.shape == (2, 24000) and not x.any()


def test_audio_only_file(make_clip):
    path = make_clip(video=False, ext="m4a", duration=1.0, tone_hz=660.0, channels=1)
    with AudioSource(path) as a:
        x = a.read(0.1, 0.9)
        assert x.shape == (2, 38400)                      # mono upmixed to stereo
        assert peak_hz(x[0], 48000) == pytest.approx(660, abs=2)


def test_clicks_stay_in_sync(make_clip):
    # The synth clip has a click at the start of every second: it must be at sample 48000.
    path = make_clip(clicks=True, duration=2.0, tone_hz=100.0)
    with AudioSource(path) as a:
        x = a.read(0.9, 1.1)[0]
        onset = int(np.argmax(np.abs(x) > 0.6))
        assert abs(onset - 4800) <= 48                    # within 1 ms


def test_gap_in_audio_timestamps_becomes_silence(tmp_path):
    """Camera files drop audio now and then: later sound must stay at its timestamp."""
    from fractions import Fraction

    import av

    path, sr = tmp_path / "gap.mkv", 48000
    with av.open(str(path), "w") as out:
        s = out.add_stream("pcm_s16le", rate=sr)
        s.layout = "mono"
        pos = 0
        for k in range(60):  # 60 blocks of 1024 samples at 0.5, with a 0.5 s hole after block 20
            if k == 20:
                pos += sr // 2
            f = av.AudioFrame.from_ndarray(np.full((1, 1024), 0.5, np.float32), format="fltp", layout="mono")
            f.sample_rate, f.pts, f.time_base = sr, pos, Fraction(1, sr)
            out.mux(s.encode(f))
            pos += 1024
        out.mux(s.encode())
    with AudioSource(path, channels=1) as a:
        x = a.read(0, 2)[0]
    loud = np.abs(x) > 0.1
    assert loud[:20 * 1024].all()
    hole_end = 20 * 1024 + sr // 2
    assert not loud[20 * 1024 + 50: hole_end - 50].any()       # ms timestamps: +-1 ms slack
    assert loud[hole_end + 50: hole_end + 40 * 1024 - 50].all()
