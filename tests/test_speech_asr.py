"""Speech recognition (pocketsphinx default): real espeak-ng speech, known words, times, cache, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from speech_media import RATE, synth, write_wav

from t2v_desktop.errors import Cancelled, MediaError, T2VError
from t2v_desktop.jobs import CancelToken
from t2v_desktop.speech import asr, sphinx
from t2v_desktop.speech.audio import load_mono
from t2v_desktop.speech.transcript import Transcript

TEXT = ("The storm is expected to reach the coast tonight. Residents should stay indoors, keep away from "
        "windows, and charge their phones. Emergency services will be available throughout the night. "
        "Schools will remain closed tomorrow.")


@pytest.fixture(scope="session")
def speech_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("speech")
    samples = synth(TEXT, folder)
    return write_wav(folder / "story.wav", samples), samples.size / RATE


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    from t2v_desktop.engine.cache import clear_memory_caches

    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    clear_memory_caches()
    yield
    clear_memory_caches()


def words_of(text: str) -> list:
    return [w.strip(".,!?").lower() for w in text.split()]


def wer(ref: list, hyp: list) -> float:
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[len(hyp)] / len(ref)


def test_load_mono_resamples_and_slices(speech_file):
    path, duration = speech_file
    x = load_mono(path)
    assert x.dtype == np.float32 and x.ndim == 1
    assert abs(x.size - duration * 16000) <= 2
    part = load_mono(path, 8000, start=1.0, end=2.5)
    assert part.size == 12000
    whole8k = load_mono(path, 8000)
    assert np.allclose(part, whole8k[8000:20000], atol=1e-4)


def test_recognises_known_speech_with_monotone_times(speech_file):
    path, duration = speech_file
    t = asr.transcribe(path)
    assert t.backend == "pocketsphinx" and t.language == "en"
    assert abs(t.duration - duration) < 0.05
    got = words_of(t.text)
    known = set(words_of(TEXT))
    hits = [w for w in got if w in known and len(w) > 3]  # content words, not "the"/"and"
    assert len(set(hits)) >= 4, got
    assert wer(words_of(TEXT), got) < 0.85  # pocketsphinx on a synthetic voice: loose but real
    starts = [w.start for w in t.words]
    assert starts == sorted(starts)
    assert all(0 <= w.start < w.end <= duration + 0.02 for w in t.words)
    # "tomorrow" is the last word said: it is recognised near the end
    last = [w for w in t.words if w.text == "tomorrow"]
    assert last and last[-1].end > duration - 1.5


def test_transcript_is_cached_by_content(speech_file, monkeypatch):
    path, _ = speech_file
    first = asr.transcribe(path)
    from t2v_desktop.engine.cache import clear_memory_caches

    clear_memory_caches()  # from disk this time

    def boom(*a, **k):
        raise AssertionError("recomputed")

    monkeypatch.setattr(sphinx, "transcribe", boom)
    again = asr.transcribe(path)
    assert again == first
    assert isinstance(Transcript.from_json(again.to_json()), Transcript)


def test_cancel_stops_and_caches_nothing(speech_file, monkeypatch):
    path, _ = speech_file
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        asr.transcribe(path, cancel=token)
    calls = []
    real = sphinx.transcribe
    monkeypatch.setattr(sphinx, "transcribe", lambda *a, **k: calls.append(1) or real(*a, **k))
    asr.transcribe(path)
    assert calls == [1]  # the cancelled run stored nothing


def test_progress_reaches_the_duration(speech_file):
    path, duration = speech_file
    seen = []
    asr.transcribe(path, progress=lambda d, t, m: seen.append((d, t)), use_cache=False)
    assert seen[0][0] == 0 and abs(seen[-1][0] - duration) < 0.01
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_silence_gives_an_empty_transcript(tmp_path):
    path = write_wav(tmp_path / "quiet.wav", np.zeros(RATE * 3, np.float32))
    t = asr.transcribe(path)
    assert t.words == () and abs(t.duration - 3.0) < 0.01


def test_no_audio_stream_is_a_clear_error(make_clip):
    video_only = make_clip(audio=False, duration=1.0)
    with pytest.raises(MediaError, match="no audio stream"):
        asr.transcribe(video_only)
    with pytest.raises(MediaError, match="no audio stream"):
        load_mono(video_only)


def test_broken_file_and_bad_options(tmp_path, speech_file):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00garbage" * 10)
    with pytest.raises(MediaError):
        asr.transcribe(bad)
    with pytest.raises(T2VError, match="only knows English"):
        asr.transcribe(speech_file[0], backend="sphinx", language="fr")
    with pytest.raises(T2VError, match="Unknown speech backend"):
        asr.transcribe(speech_file[0], backend="kaldi")


def test_long_sound_is_cut_into_bounded_utterances_at_pauses():
    rng = np.random.default_rng(1)
    rate = 16000
    # 70 s of "speech" (noise) with a 0.5 s pause every 9 s
    sound = rng.normal(0, 0.1, 70 * rate).astype(np.float32)
    pauses = [9.0 * k for k in range(1, 8)]
    for p in pauses:
        sound[int(p * rate):int((p + 0.5) * rate)] = 0
    blocks = ((a / rate, sound[a:a + 5 * rate]) for a in range(0, sound.size, 5 * rate))
    utts = list(sphinx.utterances(blocks))
    assert sum(u.size for _, u in utts) == sound.size
    assert all(u.size <= sphinx.MAX_UTTERANCE * rate for _, u in utts)
    for at, _ in utts[1:]:  # every cut lies inside a pause
        assert any(p <= at <= p + 0.5 for p in pauses), at
    assert [at for at, _ in utts] == sorted(at for at, _ in utts)


def test_markers_dropped_fillers_kept_as_words():
    assert [sphinx.word_text(w) for w in ("<s>", "<sil>", "</s>", "[NOISE]", "[SPEECH]", "+NSN+")] == [None] * 6
    assert [sphinx.word_text(w) for w in ("um", "uh", "ah", "er", "hmm")] == ["um", "uh", "ah", "er", "hmm"]
    assert sphinx.word_text("don't(2)") == "don't" and sphinx.word_text("storm") == "storm"
