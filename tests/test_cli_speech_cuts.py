"""The command line edits by speech: `apply IN "remove the silences" -o OUT` exports a shorter video
whose sound is as long as its picture; `find-speech` prints where a word is said (within 150 ms)."""

from __future__ import annotations

import json

import pytest
from speech_clips import FPS, mux_clip, spoken_with_gaps
from speech_media import need_espeak

from t2v_desktop.cli import main
from t2v_desktop.media.info import probe

WORDS = ["hello", "storm", "river", "garden"]
GAPS = [0.3, 1.2, 0.9]


@pytest.fixture(scope="module")
def talk(tmp_path_factory):
    need_espeak()
    d = tmp_path_factory.mktemp("clicuts")
    pcm, times = spoken_with_gaps(d, WORDS, GAPS)
    (d / "talk.txt").write_text(" ".join(WORDS) + "\n", encoding="utf-8")
    return mux_clip(d / "talk.mp4", pcm), times, d / "talk.txt"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    from t2v_desktop.engine.cache import clear_memory_caches

    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    clear_memory_caches()


def _streams(path):
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = sum(1 for _ in c.decode(video=0))
        c.seek(0)
        a = c.streams.audio[0]
        samples = sum(f.samples for f in c.decode(audio=0))
        return frames, samples / a.rate, v


def test_apply_remove_the_silences_exports_a_shorter_video(talk, tmp_path, capsys):
    path, _times, _script = talk
    out = tmp_path / "out.mp4"
    assert main(["apply", str(path), "remove the silences", "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "cut_silences" in said and "cut 4 pauses" in said  # lead, 1.2, 0.9, tail (0.3 is all padding)
    f0, a0, _ = _streams(path)
    f1, a1, _ = _streams(out)
    # lead 0.8 + gaps 1.2 and 0.9 + tail 0.6, each less its padding (0.12 s a side) and the detector's
    # 20 ms pre-roll / 50 ms hangover
    expect = (0.8 - 0.14) + (1.2 - 0.31) + (0.9 - 0.31) + (0.6 - 0.17)
    assert abs((f0 - f1) / FPS - expect) <= 4 / FPS
    assert abs(a1 - f1 / FPS) < 0.05  # the sound is cut with the picture
    assert probe(out).has_audio


def test_find_speech_prints_the_times(talk, capsys):
    path, times, script = talk
    assert main(["find-speech", str(path), "river", "--script", str(script), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert len(hits) == 1 and abs(hits[0]["start"] - times[2][1]) <= 0.15
    assert main(["find-speech", str(path), "zebra", "--script", str(script)]) == 1
    assert "was not found" in capsys.readouterr().err
    # for scripts, no hit is an empty list (like search --json), not an error
    assert main(["find-speech", str(path), "zebra", "--script", str(script), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"phrase": "zebra", "hits": []}


def test_find_speech_no_audio(tmp_path, capsys):
    import numpy as np

    mute = mux_clip(tmp_path / "mute.mp4", np.zeros(22050, np.float32), audio=False)
    assert main(["find-speech", str(mute), "river"]) == 1
    assert "no audio stream" in capsys.readouterr().err
