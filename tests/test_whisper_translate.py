"""Whisper's speech-to-English translation (task="translate") and the faster-whisper (CTranslate2)
backend, with tiny random-weight models built offline: the task reaches the model, the transcript
is English, the CLI's --translate, and the missing package / model messages."""

from __future__ import annotations

import json

import numpy as np
import pytest
from speech_media import RATE, synth, write_wav
from whisper_tiny import build_tiny_whisper, one_torch_thread

pytest.importorskip("transformers")
pytest.importorskip("torch")

from t2v_desktop.errors import T2VError  # noqa: E402
from t2v_desktop.speech import asr, fwhisper, whisper  # noqa: E402

one_thread = pytest.fixture(scope="module", autouse=True)(one_torch_thread)


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tspeech")
    one = synth("Stay indoors tonight.", folder)
    return write_wav(folder / "s.wav", np.concatenate([one, np.zeros(RATE // 2, np.float32), one]))


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    from t2v_desktop.engine.cache import clear_memory_caches

    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    clear_memory_caches()


def _spy_tasks(monkeypatch, net) -> list:
    """The task each generate call was asked for."""
    seen = []
    real = net.generate

    def generate(*a, **k):
        seen.append(k.get("task"))
        return real(*a, **k)

    monkeypatch.setattr(net, "generate", generate)
    return seen


def test_translate_task_reaches_the_model_and_gives_english(tiny_whisper, speech, monkeypatch):
    net = whisper.load(tiny_whisper)[1]
    seen = _spy_tasks(monkeypatch, net)
    t = whisper.transcribe(speech, model=tiny_whisper, language="es", task="translate")
    assert seen and set(seen) == {"translate"}
    assert t.language == "en" and t.backend == "whisper:whisper-tiny-random:translate:es" and t.words
    seen.clear()
    plain = whisper.transcribe(speech, model=tiny_whisper, language="es")
    assert set(seen) == {"transcribe"} and plain.language == "es"
    with pytest.raises(T2VError, match="Unknown Whisper task"):
        whisper.transcribe(speech, model=tiny_whisper, task="summarise")


def test_translation_is_cached_apart_and_never_from_pocketsphinx(tiny_whisper, speech):
    a = asr.transcribe(speech, backend="whisper", model=str(tiny_whisper), language="es", task="translate")
    b = asr.transcribe(speech, backend="whisper", model=str(tiny_whisper), language="es")
    assert (a.language, b.language) == ("en", "es") and a.backend != b.backend
    assert asr.pick_backend("auto", None, "translate") in ("whisper", "faster-whisper")
    with pytest.raises(T2VError, match="pocketsphinx only transcribes English"):
        asr.transcribe(speech, backend="sphinx", task="translate")


def test_cli_translate_flag(tiny_whisper, speech, tmp_path):
    from t2v_desktop.cli import main

    out = tmp_path / "en.json"
    assert main(["transcribe", str(speech), "--backend", "whisper", "--model", str(tiny_whisper), "--language", "es",
                 "--translate", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["language"] == "en" and data["backend"].endswith(":translate:es") and data["words"]


def test_faster_whisper_missing_model_and_package_are_one_line(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("T2V_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("T2V_FASTER_WHISPER_MODEL", raising=False)
    with pytest.raises(T2VError) as e:
        asr.transcribe(tmp_path / "any.wav", backend="faster-whisper")
    msg = str(e.value)
    assert "\n" not in msg and "hf download Systran/faster-whisper-small" in msg
    assert str(tmp_path / "hub") in msg and str(tmp_path / "models") in msg
    (tmp_path / "not-ct2").mkdir()
    with pytest.raises(T2VError, match="not a CTranslate2 Whisper model"):
        fwhisper.find_model(str(tmp_path / "not-ct2"))
    fake = tmp_path / "ct2"  # a model folder, but no package to run it
    fake.mkdir()
    (fake / "model.bin").write_bytes(b"x")
    (fake / "config.json").write_text("{}")
    import builtins

    real_import = builtins.__import__

    def no_faster_whisper(name, *a, **k):
        if name.startswith("faster_whisper"):
            raise ImportError(name)
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_faster_whisper)
    fwhisper._LOADED.clear()
    with pytest.raises(T2VError, match="pip install faster-whisper"):
        fwhisper.load(fake)


def test_faster_whisper_runs_a_tiny_ctranslate2_model(tmp_path_factory, speech, monkeypatch):
    pytest.importorskip("faster_whisper")
    ct2 = pytest.importorskip("ctranslate2")
    from transformers import WhisperTokenizerFast

    root = tmp_path_factory.mktemp("ct2")
    hf = build_tiny_whisper(root / "hf", max_target_positions=448)
    WhisperTokenizerFast.from_pretrained(str(hf)).save_pretrained(str(hf))  # faster-whisper reads tokenizer.json
    folder = ct2.converters.TransformersConverter(
        str(hf), copy_files=["tokenizer.json", "preprocessor_config.json"]).convert(str(root / "faster-whisper-tiny"))
    seen = []
    t = asr.transcribe(speech, backend="faster-whisper", model=folder, language="en", task="translate",
                       progress=lambda d, n, m: seen.append(d))
    assert t.backend == "faster-whisper:faster-whisper-tiny:translate:en" and t.language == "en"
    starts = [w.start for w in t.words]
    assert t.words and starts == sorted(starts) and all(0 <= w.start <= w.end <= t.duration + 0.01 for w in t.words)
    assert seen[-1] == pytest.approx(t.duration, abs=0.01)
    monkeypatch.setenv("T2V_MODELS_DIR", str(root))  # found under the models folder by name
    assert fwhisper.find_model(None).name == "faster-whisper-tiny"


def test_add_english_captions_command_uses_the_translate_task(tiny_whisper, speech, tmp_path, monkeypatch):
    from speech_media import talk_clip

    from t2v_desktop.commands.apply import apply_text
    from t2v_desktop.project.history import History
    from t2v_desktop.project.model import Project
    from t2v_desktop.speech.audio import load_mono

    clip = talk_clip(load_mono(str(speech), RATE), tmp_path / "talk.mp4", rate=RATE)
    monkeypatch.setenv("T2V_WHISPER_MODEL", str(tiny_whisper))
    seen = _spy_tasks(monkeypatch, whisper.load(tiny_whisper)[1])
    p = Project.from_media(str(clip))
    h = History(p)
    plan = apply_text(p, "add english captions", h)
    assert plan.steps[0].translate and seen and set(seen) == {"translate"}
    (track,) = p.subtitle_tracks
    assert track.name == "Captions (English)" and track.language == "en" and track.cues
    h.undo()
    assert not p.subtitle_tracks
