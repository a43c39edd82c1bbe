"""Text to speech over the espeakng-loader library: word times match the sound, voices, cache, files."""

from __future__ import annotations

import numpy as np
import pytest

from t2v_desktop.errors import Cancelled, ParamError, T2VError
from t2v_desktop.jobs import CancelToken
from t2v_desktop.speech import tts

TEXT = "Stay indoors during the storm. Close the windows, and keep 42 candles ready — just in case."


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    tts.clear_memory_cache()
    yield
    tts.clear_memory_cache()


def _db(x: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12)


def test_words_match_the_sound():
    sp = tts.synthesize(TEXT, voice="en")
    assert sp.samples.dtype == np.float32 and sp.samples.ndim == 1 and sp.sample_rate == 22050
    assert 4.0 < sp.duration < 9.0
    # one Word per word of the text (the dash joins the word before it), in order, with the text kept
    assert [w.text for w in sp.words] == ["Stay", "indoors", "during", "the", "storm.", "Close", "the", "windows,",
                                          "and", "keep", "42", "candles", "ready —", "just", "in", "case."]
    starts = [w.start for w in sp.words]
    assert all(0 <= w.start < w.end <= sp.duration + 1e-6 for w in sp.words)
    assert all(a.end <= b.start + 1e-6 for a, b in zip(sp.words, sp.words[1:], strict=False))
    assert starts == sorted(starts)
    sr = sp.sample_rate
    inside = np.zeros(len(sp.samples), bool)
    for w in sp.words:
        seg = sp.samples[int(w.start * sr):int(w.end * sr)]
        assert _db(seg) > -35, (w, _db(seg))  # sound during each word
        inside[int(w.start * sr):int(w.end * sr)] = True
    outside = sp.samples[~inside]
    assert len(outside) > 0.3 * sr  # the pauses at the full stop, comma and dash are outside every word
    assert _db(outside) < -50, _db(outside)
    # the pause after "storm." is a real gap between words
    storm, close = sp.words[4], sp.words[5]
    assert close.start - storm.end > 0.15


def test_french_voice_and_rate():
    fr = tts.synthesize("Restez à l'intérieur pendant la tempête.", voice="fr")
    assert [w.text for w in fr.words] == ["Restez", "à", "l'intérieur", "pendant", "la", "tempête."]
    en_reading = tts.synthesize("Restez à l'intérieur pendant la tempête.", voice="en")
    assert fr.duration > 1.0 and fr.samples.shape != en_reading.samples.shape  # a different voice spoke
    slow = tts.synthesize(TEXT, voice="en", rate_wpm=120)
    fast = tts.synthesize(TEXT, voice="en", rate_wpm=300)
    assert fast.duration < 0.6 * slow.duration
    assert len(fast.words) == len(slow.words)
    with pytest.raises(ParamError, match="80..450"):
        tts.synthesize(TEXT, rate_wpm=1000)


def test_unknown_voice_is_a_clear_error():
    with pytest.raises(T2VError, match=r"No voice 'martian'.*\ben\b.*fr"):
        tts.synthesize("hello", voice="martian")
    with pytest.raises(ParamError, match="nothing to say"):
        tts.synthesize("  — ")
    voices = dict(tts.list_voices())
    assert "fr" in voices and "de" in voices and "en-US" in voices and len(voices) > 50
    assert len(tts.synthesize("Good evening.", voice="en-GB-x-rp").words) == 2  # every listed voice speaks


def test_cache_hits_in_memory_and_on_disk(monkeypatch):
    first = tts.synthesize(TEXT, voice="en")
    assert tts.synthesize(TEXT, voice="en") is first

    def boom(*a, **k):
        raise AssertionError("synthesised again")

    monkeypatch.setitem(tts._ENGINES, "espeak", boom)
    tts.clear_memory_cache()
    again = tts.synthesize(TEXT, voice="en")  # from the WAV + JSON in the cache folder
    assert again.words == first.words and np.array_equal(again.samples, first.samples)
    with pytest.raises(AssertionError, match="synthesised again"):
        tts.synthesize(TEXT + " Now.", voice="en")  # other text: not a hit


def test_save_wav_round_trip_and_cancel(tmp_path):
    sp = tts.synthesize("Hello there.", voice="en")
    (tmp_path / "out").mkdir()
    out = tts.save_wav(sp, tmp_path / "out" / "hello.wav")
    from t2v_desktop.speech.audio import load_mono

    back = load_mono(out, rate=sp.sample_rate)
    assert abs(len(back) - len(sp.samples)) <= 2
    assert np.max(np.abs(back[:len(sp.samples)] - sp.samples[:len(back)])) < 1e-3
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["hello.wav"]  # no temp left behind
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        tts.synthesize("Something new to say.", cancel=token)


def test_language_codes_without_a_voice_file_and_unspaced_text():
    zh = tts.synthesize("你好，世界。今天下雨。", voice="zh")  # no voice file is called "zh": Mandarin speaks it
    assert "".join(w.text for w in zh.words) == "你好，世界。今天下雨。" and len(zh.words) >= 4
    assert all(a.end <= b.start + 1e-6 for a, b in zip(zh.words, zh.words[1:], strict=False))


def test_threads_share_the_library_safely():
    """espeak-ng is one global C state: parallel requests are serialised, each gets its own sound (texts
    of different lengths, so sound mixed up between threads would show in the lengths and the words)."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [" ".join(["storm"] * (k + 1)) + f", line {k}." for k in range(6)]
    with ThreadPoolExecutor(3) as pool:
        parallel = list(pool.map(lambda t: tts.synthesize(t, voice="en"), texts))
    tts.clear_memory_cache()
    import shutil

    shutil.rmtree(tts.cache_folder())
    for t, got in zip(texts, parallel, strict=True):
        alone = tts.synthesize(t, voice="en")
        assert got is not alone and abs(got.duration - alone.duration) < 0.03  # espeak varies by ~10 ms
        assert [w.text for w in got.words] == [w.text for w in alone.words] == t.split()
        for a, b in zip(got.words, alone.words, strict=True):
            assert abs(a.start - b.start) < 0.03


def test_too_long_a_text_is_refused_before_any_work():
    with pytest.raises(ParamError, match="at most 50,000"):
        tts.synthesize("word " * 12_000)


def test_an_independent_aligner_agrees_with_the_word_times(tmp_path):
    """pocketsphinx's forced alignment (speech.align) of the spoken file finds each word where we say it
    starts (measured: within 46 ms; espeak-ng's own CLI voices are tested the same way at 150 ms)."""
    from t2v_desktop.speech.align import align

    text = "Residents should stay indoors tonight. The storm is coming from the west, and the river may rise."
    sp = tts.synthesize(text, voice="en-US")
    found = align(tts.save_wav(sp, tmp_path / "said.wav"), text, use_cache=False)
    assert len(found.words) == len(sp.words) == 17
    assert max(abs(a.start - b.start) for a, b in zip(found.words, sp.words, strict=True)) < 0.1
