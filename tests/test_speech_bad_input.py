"""Bad input for transcription: a 3-hour file (streamed: bounded memory, progress on the whole
length, cancel after the first chunk, nothing cached), an unknown language, a file with no sound.
Each is one clear line and nothing is lost."""

from __future__ import annotations

import struct
import tracemalloc

import numpy as np
import pytest

from t2v_desktop.errors import Cancelled, T2VError
from t2v_desktop.jobs import CancelToken
from t2v_desktop.speech import asr, sphinx
from t2v_desktop.speech.transcript import Transcript

HOURS = 3
RATE = 8000


@pytest.fixture(scope="module")
def three_hours(tmp_path_factory):
    """A 3-hour 8 kHz WAV: a second of tone, then silence. The silence is a sparse hole in the
    file (truncate), so the 173 MB file costs no disk and no time to make."""
    path = tmp_path_factory.mktemp("long") / "three-hours.wav"
    n = HOURS * 3600 * RATE
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + 2 * n) + b"WAVEfmt "
                + struct.pack("<IHHIIHH", 16, 1, 1, RATE, 2 * RATE, 2, 16) + b"data" + struct.pack("<I", 2 * n))
        t = np.arange(RATE) / RATE
        f.write((0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2").tobytes())
        f.truncate(44 + 2 * n)
    return path


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    from t2v_desktop.engine.cache import clear_memory_caches

    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    clear_memory_caches()


def test_three_hours_stream_in_bounded_memory_and_cancel_after_the_first_chunk(three_hours, monkeypatch):
    token = CancelToken()
    seen = []

    def progress(done, total, message):
        seen.append((done, total))
        if done > 0:
            token.cancel()  # the first chunk is done: stop

    tracemalloc.start()
    try:
        with pytest.raises(Cancelled):
            asr.transcribe(three_hours, backend="sphinx", progress=progress, cancel=token)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"peak traced memory {peak / 1e6:.1f} MB")
    whole = HOURS * 3600 * 16000 * 4  # the whole sound as float32 at the recogniser's rate: 691 MB
    assert peak < 40e6 and peak < whole / 15, f"peak {peak / 1e6:.0f} MB: the file was not streamed"
    assert seen[0] == (0.0, pytest.approx(HOURS * 3600, abs=0.01))  # progress over the whole length
    assert 0 < seen[-1][0] <= 25.0  # one utterance window (≤ 20 s), no more
    # nothing half-done was cached: the next run computes again
    again = Transcript(backend="computed again", duration=1.0)
    monkeypatch.setattr(sphinx, "transcribe", lambda *a, **k: again)
    assert asr.transcribe(three_hours, backend="sphinx") == again


@pytest.mark.parametrize("language", ["klingon", "xx"])
def test_an_unknown_language_is_one_line_before_any_model_is_sought(tmp_path, language, monkeypatch):
    pytest.importorskip("transformers")
    from t2v_desktop.speech import whisper

    monkeypatch.setattr(whisper, "find_model", lambda *a: pytest.fail("looked for a model"))
    with pytest.raises(T2VError) as e:
        asr.transcribe(tmp_path / "talk.wav", language=language)
    msg = str(e.value)
    assert "\n" not in msg and f"Unknown language '{language}'" in msg and "Spanish" in msg
    assert whisper.language_code("Spanish") == "es" and whisper.language_code(" ES ") == "es"


def test_no_audio_stream_is_one_line(tmp_path, make_clip):
    silent_video = make_clip(audio=False)
    with pytest.raises(T2VError) as e:
        asr.transcribe(silent_video, backend="sphinx")
    assert "\n" not in str(e.value) and "no audio stream" in str(e.value)
