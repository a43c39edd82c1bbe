"""Forced alignment of a known script: word starts within 150 ms of where espeak-ng spoke them."""

from __future__ import annotations

import pytest
from speech_media import spoken_words

from t2v_desktop.errors import MediaError, T2VError
from t2v_desktop.speech.align import align, fill_gaps

SCRIPT = "Residents should stay indoors, and keep away from windows tonight!"


@pytest.fixture(scope="session")
def spoken(tmp_path_factory):
    path = tmp_path_factory.mktemp("align") / "words.wav"
    words = [w.strip(",!").lower() for w in SCRIPT.split()]
    return path, spoken_words(words, path)


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))


def test_word_starts_within_150_ms(spoken):
    path, truth = spoken
    t = align(path, SCRIPT)
    assert [w.text for w in t.words] == SCRIPT.split()  # the script's own spelling and punctuation
    assert t.backend == "align:pocketsphinx"
    for w, (_, start, _end) in zip(t.words, truth, strict=True):
        assert abs(w.start - start) <= 0.15, (w, start)
        assert w.end > w.start
    assert [w.start for w in t.words] == sorted(w.start for w in t.words)


def test_unknown_words_get_the_time_between_their_neighbours(spoken):
    path, truth = spoken
    script = SCRIPT.replace("and", "and Zxqvbl")  # not in the dictionary, not spoken
    t = align(path, script)
    i = [w.text for w in t.words].index("Zxqvbl")
    assert t.words[i - 1].end <= t.words[i].start < t.words[i].end <= t.words[i + 1].start
    assert abs(t.words[i + 1].start - truth[i][1]) <= 0.15  # "keep" still where it was said


def test_fill_gaps_shares_by_length():
    spans = fill_gaps(["a", "xx", "yyyyy", "b"], {0: (0.0, 1.0), 3: (4.0, 5.0)}, 6.0)
    assert spans[1] == (1.0, 2.0) and spans[2] == (2.0, 4.0)  # weights: letters + 1
    assert fill_gaps(["x"], {}, 2.0) == [(0.0, 2.0)]


def test_bad_scripts_and_files(spoken, make_clip):
    path, _ = spoken
    with pytest.raises(T2VError, match="no words"):
        align(path, "  ... !! ")
    with pytest.raises(T2VError, match="dictionary"):
        align(path, "Zxqvbl Qqqwz")
    with pytest.raises(MediaError, match="no audio stream"):
        align(make_clip(audio=False, duration=1.0), SCRIPT)


def test_long_script_is_aligned_in_windows(tmp_path):
    from t2v_desktop.speech import align as align_mod

    words = [w.strip(",!").lower() for w in SCRIPT.split()] * 6  # 60 words: two windows of BLOCK
    assert len(words) > align_mod.BLOCK
    path = tmp_path / "long.wav"
    truth = spoken_words(words, path, gap=0.15)
    t = align(path, " ".join(words))
    assert len(t.words) == len(words)
    errors = [abs(w.start - s) for w, (_, s, _e) in zip(t.words, truth, strict=True)]
    assert max(errors) <= 0.15, max(errors)
