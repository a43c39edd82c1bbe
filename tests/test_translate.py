"""Caption translation through the real offline loader, with a tiny random-weight MarianMT model.

MarianTokenizer needs sentencepiece model files we cannot build offline, so the test saves a tiny
word-level `tokenizers` tokenizer as PreTrainedTokenizerFast; the loader is the generic
AutoTokenizer / AutoModelForSeq2SeqLM path used for real models.
"""

import pytest
from tiny_marian import tiny_marian

from t2v_desktop.project.model import Cue
from t2v_desktop.speech import translate as tr


def test_language_names_and_codes():
    assert tr.language_code("Spanish") == "es" and tr.language_code("fr") == "fr"
    assert tr.nllb_code("Spanish") == "spa_Latn" and tr.language_code("spa_Latn") == "es"
    assert tr.marian_repo("English", "Spanish") == "Helsinki-NLP/opus-mt-en-es"
    with pytest.raises(tr.ParamError, match="Unknown language"):
        tr.language_code("Klingon")


def test_missing_model_says_where_and_how(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.delenv("T2V_TRANSLATE_MODEL", raising=False)
    with pytest.raises(tr.ModelMissing) as e:
        tr.find_model("en", "Spanish")
    msg = str(e.value)
    assert "\n" not in msg and str(tmp_path / "hub") in msg
    assert "hf download Helsinki-NLP/opus-mt-en-es" in msg


def test_translated_track_keeps_cue_times(tmp_path):
    folder = tmp_path / "opus-mt-en-es"
    tiny_marian(folder)
    assert list(folder.glob("*.safetensors")) and not list(folder.glob("*.bin"))
    cues = [Cue(0.5, 2.0, "the storm is coming", ((0.5, 0.9, "the"),)), Cue(2.5, 4.0, "stay\nindoors"),
            Cue(4.5, 6.0, "")]
    seen = []
    out = tr.translate_cues(cues, "Spanish", model=str(folder), progress=lambda d, n, m: seen.append((d, n)))
    assert [(c.start, c.end) for c in out] == [(c.start, c.end) for c in cues]
    assert out[2].text == "" and all(c.words == () for c in out)
    assert all(isinstance(c.text, str) for c in out) and seen[-1] == (2, 2)


def test_generation_stays_within_the_models_positions(tmp_path):
    """A model with 64 positions: a long input is cut to them and the output stops at 63 new tokens
    (the decoder's start token takes one; the last is the forced end token) instead of an
    IndexError on the way to 256."""
    folder = tiny_marian(tmp_path / "opus-mt-en-es", max_positions=64, always="la")
    tr._LOADED.clear()
    long = " ".join(["the storm is coming"] * 30)  # 120 tokens
    out = tr.translate_texts(["stay indoors", long], "Spanish", model=str(folder))
    assert out == [" ".join(["la"] * 62)] * 2


def test_translate_the_captions_command_adds_a_track_with_same_times(tmp_path, monkeypatch, make_clip):
    from t2v_desktop.commands.apply import apply_text
    from t2v_desktop.project.history import History
    from t2v_desktop.project.model import Project, SubtitleTrack

    folder = tmp_path / "opus-mt-en-es"
    tiny_marian(folder)
    monkeypatch.setenv("T2V_TRANSLATE_MODEL", str(folder))
    p = Project.from_media(str(make_clip(duration=2.0)))
    p.subtitle_tracks.append(SubtitleTrack([Cue(0.2, 1.0, "the storm"), Cue(1.1, 1.9, "stay indoors")],
                                           name="Captions", language="en"))
    h = History(p)
    apply_text(p, "translate the captions to Spanish", h)
    assert len(p.subtitle_tracks) == 2
    es = p.subtitle_tracks[1]
    assert es.language == "es" and [(c.start, c.end) for c in es.cues] == [(0.2, 1.0), (1.1, 1.9)]
    h.undo()
    assert len(p.subtitle_tracks) == 1
