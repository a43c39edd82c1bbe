"""`t2v-desktop transcribe`: captions and word times from real espeak-ng speech, bad input, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from speech_media import RATE, spoken_words, synth, write_wav

from t2v_desktop.cli import main
from t2v_desktop.speech.transcript import Transcript

SCRIPT = "Residents should stay indoors, and keep away from windows tonight!"


@pytest.fixture(scope="session")
def spoken(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-speech")
    path = folder / "words.wav"
    truth = spoken_words([w.strip(",!").lower() for w in SCRIPT.split()], path)
    (folder / "script.txt").write_text(SCRIPT + "\n", encoding="utf-8")
    return path, truth, folder / "script.txt"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    from t2v_desktop.engine.cache import clear_memory_caches

    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    clear_memory_caches()


def test_align_to_srt_vtt_json(spoken, tmp_path, capsys):
    path, truth, script = spoken
    srt, vtt, js = tmp_path / "a.srt", tmp_path / "a.vtt", tmp_path / "a.json"
    for out in (srt, vtt, js):
        assert main(["transcribe", str(path), "--align", str(script), "-o", str(out)]) == 0
    data = Transcript.from_json(json.loads(js.read_text()))
    assert [w.text for w in data.words] == SCRIPT.split()
    assert all(abs(w.start - s) <= 0.15 for w, (_, s, _e) in zip(data.words, truth, strict=True))
    text = srt.read_text()
    assert text.startswith("1\n00:00:00,") and "Residents should stay indoors," in text
    first_start = text.split("\n")[1].split(" --> ")[0]
    assert abs(int(first_start[-3:]) / 1000 + int(first_start[6:8]) - truth[0][1]) <= 0.15
    assert vtt.read_text().startswith("WEBVTT\n\n00:00:00.")
    assert "Wrote" in capsys.readouterr().err
    # an existing output is kept without -y
    assert main(["transcribe", str(path), "--align", str(script), "-o", str(js)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_recognise_to_stdout_and_txt(spoken, tmp_path, capsys):
    path, truth, _ = spoken
    assert main(["transcribe", str(path)]) == 0
    said = capsys.readouterr().out.split()
    assert said and len(said) <= 2 * len(truth)
    out = tmp_path / "t.txt"
    assert main(["transcribe", str(path), "-o", str(out)]) == 0
    assert out.read_text().split() == said


def test_bad_input_is_one_line(tmp_path, make_clip, capsys):
    video_only = make_clip(audio=False, duration=1.0)
    cases = [
        (["transcribe", str(video_only)], "no audio stream"),
        (["transcribe", str(tmp_path / "missing.wav")], "missing.wav"),
        (["transcribe", str(video_only), "-o", str(tmp_path / "x.doc")], ".srt, .vtt"),
        (["transcribe", str(video_only), "--backend", "sphinx", "--language", "fr"], "only knows English"),
        (["transcribe", str(video_only), "--align", str(tmp_path / "nope.txt")], "cannot read"),
    ]
    for argv, msg in cases:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error:") and msg in err[0], err
    assert not list(tmp_path.glob("x.*"))


def test_silence_writes_an_empty_srt(tmp_path):
    quiet = write_wav(tmp_path / "quiet.wav", __import__("numpy").zeros(RATE * 2, "float32"))
    out = tmp_path / "q.srt"
    assert main(["transcribe", str(quiet), "-o", str(out)]) == 0
    assert out.read_text() == ""


def test_ctrl_c_cancels_and_writes_nothing(tmp_path):
    long = synth(" ".join([SCRIPT] * 12), tmp_path)  # about 40 s of speech
    path = write_wav(tmp_path / "long.wav", long)
    out = tmp_path / "long.srt"
    env = dict(os.environ, T2V_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.Popen([sys.executable, "-m", "t2v_desktop", "transcribe", str(path), "-o", str(out)],
                            stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stderr.readline()  # "Transcribing: 0%": the work has started
    assert "Transcribing" in line, line
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130, err
    assert "cancelled" in err
    assert not out.exists() and not list(tmp_path.glob(".long*"))
