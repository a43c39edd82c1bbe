"""`t2v-desktop say`: a WAV read by the built-in voice, its captions on the same word times, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from t2v_desktop.cli import main
from t2v_desktop.speech import tts


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    tts.clear_memory_cache()


def test_say_writes_wav_and_captions(tmp_path, capsys):
    out, caps = tmp_path / "storm.wav", tmp_path / "storm.json"
    assert main(["say", "Restez à l'intérieur pendant la tempête.", "-o", str(out), "--voice", "fr",
                 "--captions", str(caps)]) == 0
    samples, rate = tts.read_wav(out)
    speech = tts.synthesize("Restez à l'intérieur pendant la tempête.", voice="fr")
    assert rate == speech.sample_rate and np.array_equal(samples, speech.samples)
    words = json.loads(caps.read_text())["words"]
    assert [w["text"] for w in words] == ["Restez", "à", "l'intérieur", "pendant", "la", "tempête."]
    assert [w["start"] for w in words] == [round(w.start, 4) for w in speech.words]
    assert "6 words" in capsys.readouterr().err
    # an existing output is kept unless -y
    assert main(["say", "Other words.", "-o", str(out)]) != 0
    assert "already exists" in capsys.readouterr().err
    assert np.array_equal(tts.read_wav(out)[0], samples)
    script = tmp_path / "script.txt"
    script.write_text("Stay indoors.\nKeep calm\n", encoding="utf-8")
    assert main(["say", "--file", str(script), "-o", str(out), "-y", "--captions", str(tmp_path / "s.srt")]) == 0
    import pysubs2

    subs = pysubs2.load(str(tmp_path / "s.srt"))  # a real subtitle file: numbered cues with times
    spoken = tts.synthesize("Stay indoors. Keep calm.")
    assert " ".join(e.plaintext.replace("\n", " ") for e in subs) == "Stay indoors. Keep calm."
    assert abs(subs[0].start / 1000 - spoken.words[0].start) <= 0.002
    assert abs(subs[-1].end / 1000 - spoken.words[-1].end) <= 0.002
    assert "-->" in (tmp_path / "s.srt").read_text()


def test_say_bad_input(tmp_path, capsys):
    assert main(["say", "Hi.", "-o", str(tmp_path / "x.mp3")]) != 0
    assert "writes a .wav" in capsys.readouterr().err
    assert main(["say", "Hi.", "-o", str(tmp_path / "x.wav"), "--voice", "martian"]) != 0
    assert "No voice 'martian'" in capsys.readouterr().err
    assert main(["say", "-o", str(tmp_path / "x.wav")]) != 0
    assert "Give the words" in capsys.readouterr().err
    assert not any(tmp_path.glob("x.*"))
    assert main(["say", "--list-voices"]) == 0
    assert "French" in capsys.readouterr().out
