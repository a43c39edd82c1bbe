"""Audio ops through the render path, and the BS.1770 loudness meter against reference values."""

from __future__ import annotations

import numpy as np
import pytest

from t2v_desktop.project.model import AppliedOp, Project
from t2v_desktop.engine.render import Renderer
from t2v_desktop.ops.audio import integrated_loudness

SR = 48000


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))


def rendered_audio(path, *ops):
    proj = Project.from_media(str(path))
    proj.main_track.clips[0].ops = list(ops)
    with Renderer(proj) as r:
        return r.audio(0, r.duration)


def rms(x):
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def test_loudness_meter_reference_values():
    t = np.arange(5 * SR) / SR
    sine = np.sin(2 * np.pi * 997 * t)
    # BS.1770: a 0 dBFS 997 Hz sine in one channel reads -3.01 LKFS
    assert integrated_loudness(np.stack([sine, 0 * sine]), SR) == pytest.approx(-3.01, abs=0.05)
    assert integrated_loudness(np.stack([0.1 * sine, 0.1 * sine]), SR) == pytest.approx(-20.0, abs=0.05)
    assert integrated_loudness(np.zeros((2, SR)), SR) == float("-inf")
    # gating: 1 s of tone then 4 s of near-silence measures the tone's blocks alone: 7 full
    # 400 ms blocks plus 3 straddling ones holding 75/50/25 % of it (mean power 0.85)
    quiet = np.concatenate([0.1 * sine[:SR], 1e-5 * sine[:4 * SR]])
    expected = -20.0 + 10 * np.log10(0.85)
    assert integrated_loudness(np.stack([quiet, quiet]), SR) == pytest.approx(expected, abs=0.05)


def test_volume_plus_6db_doubles_amplitude(make_clip):
    path = make_clip()
    base = rendered_audio(path)
    loud = rendered_audio(path, AppliedOp("volume", {"gain_db": 6.0}))
    assert rms(loud) / rms(base) == pytest.approx(10 ** (6 / 20), rel=1e-3)  # 1.995: "twice as loud"
    quiet = rendered_audio(path, AppliedOp("volume", {"gain_db": -6.0}))
    assert rms(quiet) / rms(base) == pytest.approx(10 ** (-6 / 20), rel=1e-3)


def test_mute_whole_and_ranged(make_clip):
    path = make_clip()
    assert np.abs(rendered_audio(path, AppliedOp("mute"))).max() == 0.0
    a = rendered_audio(path, AppliedOp("mute", range=(0.5, 1.0)))
    assert np.abs(a[:, int(0.5 * SR):SR]).max() == 0.0
    assert rms(a[:, int(0.1 * SR):int(0.4 * SR)]) > 0.15  # untouched outside the range
    assert rms(a[:, int(1.1 * SR):]) > 0.15


def test_audio_fades(make_clip):
    path = make_clip()
    a = rendered_audio(path, AppliedOp("audio_fade_in", {"duration": 1.0}))
    assert rms(a[:, :int(0.1 * SR)]) < 0.03
    assert rms(a[:, int(0.45 * SR):int(0.55 * SR)]) == pytest.approx(0.5 * 0.3 / np.sqrt(2), rel=0.1)
    assert rms(a[:, int(1.2 * SR):]) == pytest.approx(0.3 / np.sqrt(2), rel=0.05)
    b = rendered_audio(path, AppliedOp("audio_fade_out", {"duration": 0.5}))
    assert rms(b[:, :SR]) == pytest.approx(0.3 / np.sqrt(2), rel=0.05)
    assert abs(b[:, -1]).max() < 1e-3 and rms(b[:, -int(0.05 * SR):]) < 0.03


def test_normalize_brings_a_quiet_clip_to_target(make_clip):
    path = make_clip(duration=2.0)
    quiet = AppliedOp("volume", {"gain_db": -20.0})
    before = integrated_loudness(rendered_audio(path, quiet), SR)
    assert before < -28
    for target in (-16.0, -23.0):
        out = rendered_audio(path, quiet, AppliedOp("normalize", {"target_lufs": target}))
        assert integrated_loudness(out, SR) == pytest.approx(target, abs=1.0)


def test_normalize_analysis_is_cached_and_follows_upstream(make_clip, tmp_path):
    from t2v_desktop.engine.cache import analysis_dir, clear_memory_caches

    path = make_clip()
    norm = AppliedOp("normalize", {"target_lufs": -16.0})
    rendered_audio(path, norm)
    n1 = len(list(analysis_dir().glob("*.json")))
    assert n1 == 1
    clear_memory_caches()
    rendered_audio(path, norm)  # served from disk
    assert len(list(analysis_dir().glob("*.json"))) == 1
    rendered_audio(path, AppliedOp("volume", {"gain_db": -3.0}), norm)  # upstream audio changed
    assert len(list(analysis_dir().glob("*.json"))) == 2


def test_silent_source_stays_silent_when_normalized(make_clip):
    path = make_clip(audio=False)
    a = rendered_audio(path, AppliedOp("normalize"))
    assert a.shape == (2, 2 * SR) and np.abs(a).max() == 0.0


def test_loudness_in_chunks_matches_one_pass(monkeypatch):
    import t2v_desktop.ops.audio as audio_ops

    rng = np.random.default_rng(3)
    t = np.arange(12 * SR) / SR
    env = 0.05 + 0.3 * (np.sin(2 * np.pi * t / 4) > 0)  # loud and quiet passages
    x = np.stack([env * np.sin(2 * np.pi * 300 * t), env * rng.standard_normal(t.size) * 0.2])
    chunked = integrated_loudness(x, SR)  # 10 s chunks
    monkeypatch.setattr(audio_ops, "CHUNK_SECONDS", 100.0)
    assert integrated_loudness(x, SR) == pytest.approx(chunked, abs=0.01)
    gen = audio_ops._normalize_analyze(iter([x[:, :SR * 3], x[:, SR * 3:]]), SR)
    assert gen["lufs"] == pytest.approx(chunked, abs=0.01)
