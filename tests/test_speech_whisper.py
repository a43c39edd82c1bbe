"""Whisper backend through transformers, with a tiny random-weight model built offline by the test:
loading (safetensors only, local only), windows over long sound, language, times, missing model."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from speech_media import RATE, synth, write_wav
from whisper_tiny import LANGS, one_torch_thread

pytest.importorskip("transformers")
pytest.importorskip("torch")

from t2v_desktop.errors import T2VError  # noqa: E402
from t2v_desktop.speech import asr, whisper  # noqa: E402

one_thread = pytest.fixture(scope="module", autouse=True)(one_torch_thread)


@pytest.fixture(scope="session")
def speech(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wspeech")
    one = synth("Residents should stay indoors tonight. Keep away from the windows.", folder)
    gap = np.zeros(RATE // 2, np.float32)
    long = np.concatenate([one, gap] * 8)  # about 40 s: more than one 28 s window
    return write_wav(folder / "long.wav", long), long.size / RATE


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    from t2v_desktop.engine.cache import clear_memory_caches

    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    clear_memory_caches()


def test_tiny_model_transcribes_in_windows_with_monotone_times(tiny_whisper, speech):
    path, duration = speech
    seen = []
    t = whisper.transcribe(path, model=tiny_whisper, language="en", progress=lambda d, n, m: seen.append(d))
    assert t.backend == "whisper:whisper-tiny-random" and t.language == "en"
    assert abs(t.duration - duration) < 0.05
    assert t.words, "random weights still emit tokens"
    starts = [w.start for w in t.words]
    assert starts == sorted(starts)
    assert all(0.0 <= w.start <= w.end <= duration + 0.01 for w in t.words)
    assert len(seen) >= 3 and abs(seen[-1] - duration) < 0.01  # 0, then one step per window
    assert max(w.start for w in t.words) > whisper.WINDOW * 0.3  # the second window was transcribed too


def test_language_is_detected_or_refused(tiny_whisper, speech):
    net = whisper.load(tiny_whisper)[1]
    assert whisper.languages(net) == sorted(LANGS)
    path, _ = speech
    t = whisper.transcribe(path, model=tiny_whisper)
    assert t.language in LANGS
    with pytest.raises(T2VError, match="does not know the language 'xx'"):
        whisper.transcribe(path, model=tiny_whisper, language="xx")


def test_asr_entry_point_uses_and_caches_the_model_folder(tiny_whisper, speech, monkeypatch):
    path, _ = speech
    first = asr.transcribe(path, backend="whisper", model=str(tiny_whisper), language="en")
    monkeypatch.setattr(whisper, "transcribe", lambda *a, **k: pytest.fail("recomputed"))
    assert asr.transcribe(path, backend="whisper", model=str(tiny_whisper), language="en") == first
    # auto picks Whisper for a language pocketsphinx does not know
    assert asr.pick_backend("auto", "es") == "whisper" and asr.pick_backend("auto", None) == "sphinx"


def test_missing_model_says_where_it_looked_and_how_to_fetch(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("T2V_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("T2V_WHISPER_MODEL", raising=False)
    with pytest.raises(T2VError) as err:
        whisper.find_model(None)
    msg = str(err.value)
    assert "hf download openai/whisper-small" in msg
    assert str(tmp_path / "hub") in msg and str(tmp_path / "models") in msg
    with pytest.raises(T2VError, match="hf download openai/whisper-medium"):
        whisper.find_model("openai/whisper-medium")


def test_only_safetensors_are_loaded(tiny_whisper, tmp_path):
    pt = tmp_path / "whisper-pt"
    shutil.copytree(tiny_whisper, pt)
    (pt / "model.safetensors").rename(pt / "pytorch_model.bin")
    with pytest.raises(T2VError, match="no .safetensors"):
        whisper.find_model(str(pt))
    assert whisper.find_model(str(tiny_whisper)) == tiny_whisper
    with pytest.raises(T2VError, match="not a Whisper model folder"):
        whisper.find_model(str(tmp_path))


def test_cli_whisper_json_and_missing_model_line(tiny_whisper, speech, tmp_path, monkeypatch, capsys):
    import json

    from t2v_desktop.cli import main

    path, duration = speech
    out = tmp_path / "w.json"
    assert main(["transcribe", str(path), "--backend", "whisper", "--model", str(tiny_whisper), "--language", "en",
                 "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["backend"] == "whisper:whisper-tiny-random" and data["words"]
    assert all(0 <= w["start"] <= w["end"] <= duration + 0.01 for w in data["words"])
    capsys.readouterr()
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("T2V_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("T2V_WHISPER_MODEL", raising=False)
    assert main(["transcribe", str(path), "--backend", "whisper", "-o", str(tmp_path / "x.srt")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "hf download openai/whisper-small" in err[0]
    assert not (tmp_path / "x.srt").exists()
