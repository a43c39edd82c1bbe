"""The Piper quality path: where voices are looked for, the missing-voice message, voice selection, and
word timing from Piper's sentence chunks (a stand-in ``piper`` module, since no voice can be fetched)."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from t2v_desktop.speech import piper, tts


@pytest.fixture(autouse=True)
def _dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("T2V_PIPER_DIR", str(tmp_path / "voices"))
    monkeypatch.setenv("T2V_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    tts.clear_memory_cache()
    yield
    tts.clear_memory_cache()


def _install_voice(tmp_path, name="en_US-lessac-medium"):
    folder = tmp_path / "voices"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.onnx").write_bytes(b"onnx")
    (folder / f"{name}.onnx.json").write_text("{}")
    return folder / f"{name}.onnx"


def test_missing_voice_says_where_and_how(tmp_path):
    with pytest.raises(piper.PiperMissing) as e:
        tts.synthesize("Hello.", voice="piper:en_US-lessac-medium")
    msg = str(e.value)
    assert str(tmp_path / "voices") in msg and str(tmp_path / "models" / "piper") in msg
    assert str(tmp_path / "hub" / "models--rhasspy--piper-voices") in msg
    assert ("hf download rhasspy/piper-voices --include "
            "'en/en_US/lessac/medium/en_US-lessac-medium.onnx*'") in msg


def test_selection(tmp_path, monkeypatch):
    monkeypatch.setattr(piper, "available", lambda: True)
    assert tts.default_voice("en") == "en"  # nothing installed: the built-in voice
    (tmp_path / "voices").mkdir()
    (tmp_path / "voices" / "fr_FR-siwis-medium.onnx").write_bytes(b"x")  # no config: not a voice
    assert piper.installed_voices() == []
    path = _install_voice(tmp_path)
    _install_voice(tmp_path, "fr_FR-siwis-medium")
    assert piper.installed_voices() == [("en_US-lessac-medium", path),
                                        ("fr_FR-siwis-medium", path.with_name("fr_FR-siwis-medium.onnx"))]
    assert tts.default_voice("en") == "piper:en_US-lessac-medium"
    assert tts.default_voice("fr") == "piper:fr_FR-siwis-medium"
    assert tts.default_voice("de") == "de"
    assert ("piper:fr_FR-siwis-medium" in dict(tts.list_voices()))
    monkeypatch.setattr(piper, "available", lambda: False)  # voices but no engine: espeak
    assert tts.default_voice("en") == "en"
    monkeypatch.setitem(sys.modules, "piper", None)
    with pytest.raises(piper.PiperMissing, match="pip install piper-tts"):
        tts.synthesize("Hello.", voice="piper:en_US-lessac-medium")


def test_words_from_sentence_chunks(tmp_path, monkeypatch):
    """A stand-in engine: each sentence is 0.1 s silence, a 440 Hz tone of 0.05 s per character, 0.1 s
    silence. The words of each sentence must sit inside its tone, in order, none across the gap."""
    _install_voice(tmp_path)
    rate = 16000

    class Chunk:
        def __init__(self, audio):
            self.audio_float_array, self.sample_rate = audio, rate

    class Voice:
        config = types.SimpleNamespace(sample_rate=rate)

        @classmethod
        def load(cls, path):
            return cls()

        def synthesize(self, text, config):
            n = int(0.05 * len(text.strip()) * rate * config.length_scale)
            tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / rate)
            pad = np.zeros(int(0.1 * rate))
            yield Chunk(np.concatenate([pad, tone, pad]).astype(np.float32))

    fake = types.ModuleType("piper")
    fake.PiperVoice = Voice
    fake.SynthesisConfig = lambda length_scale: types.SimpleNamespace(length_scale=length_scale)
    monkeypatch.setitem(sys.modules, "piper", fake)
    piper._LOADED.clear()
    sp = tts.synthesize("Stay inside. Keep calm now.", voice="piper:en_US-lessac-medium")
    assert sp.engine == "piper" and sp.sample_rate == rate
    first_tone = (0.1, 0.1 + 0.05 * len("Stay inside."))
    second_start = first_tone[1] + 0.2
    assert [w.text for w in sp.words] == ["Stay", "inside.", "Keep", "calm", "now."]
    for w in sp.words[:2]:
        assert first_tone[0] - 0.001 <= w.start < w.end <= first_tone[1] + 0.001
    for w in sp.words[2:]:
        assert second_start - 0.001 <= w.start < w.end <= sp.duration - 0.099
    assert abs(sp.words[0].start - 0.1) < 0.002 and abs(sp.words[2].start - second_start) < 0.002
    faster = tts.synthesize("Stay inside. Keep calm now.", voice="piper:en_US-lessac-medium", rate_wpm=350)
    assert faster.duration < 0.7 * sp.duration
