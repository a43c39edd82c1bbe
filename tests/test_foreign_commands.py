"""Commands typed in another language: a cheap language guess, translation to English by a local
model before parsing (shown in the plan), and a one-line message naming the model to fetch."""

from __future__ import annotations

from fractions import Fraction

import pytest
from tiny_marian import tiny_marian

from t2v_desktop.commands import ParseError, foreign, parse
from t2v_desktop.commands.apply import apply_text
from t2v_desktop.project.history import History
from t2v_desktop.project.model import Clip, ColorSource, Project

ENGLISH = ["make it warmer", "make it warmr", "add a title 'Hola amigos' at the start", "cut the first 5 seconds",
           "add captions", "translate the captions to Spanish", "style the captions as karaoke",
           "remove the silences", "blah blah", "add music.mp3 and fade it out", "export the captions as es.vtt",
           "make the video black and white from 0:05 to 0:12", "add a title 'Buenos días a todos'", "la la land style"]


def test_the_guess_is_sure_or_silent():
    assert foreign.guess_language("añade un título 'Hola' al principio") == "es"
    assert foreign.guess_language("haz el vídeo más cálido, por favor") == "es"
    assert foreign.guess_language("ajoute un titre 'Bonjour' au début") == "fr"
    assert foreign.guess_language("mach das Video bitte wärmer") == "de"
    assert foreign.guess_language("сделай видео теплее") == "ru"
    assert foreign.guess_language("動画を暖かくして") == "ja"
    assert [t for t in ENGLISH if foreign.guess_language(t)] == []  # quoted titles don't count


def _project() -> Project:
    p = Project(width=64, height=36, fps=Fraction(10))
    p.main_track.items[:] = [Clip(ColorSource("#202020"), out_point=4.0)]
    return p


def test_a_foreign_command_is_translated_then_parsed_and_the_plan_says_so(monkeypatch):
    seen = []

    def fake(text, source):
        seen.append((text, source))
        return "add a title 'Hello friends'"  # a real model would translate the quoted text too

    monkeypatch.setattr(foreign, "translate_to_english", fake)
    plan = parse("añade un título 'Hola amigos'", {"duration": 4.0})
    assert seen == [("añade un título 'Hola amigos'", "es")]
    assert plan.translated_from == "Spanish" and plan.translation == "add a title 'Hola amigos'"
    assert plan.explain().splitlines()[0] == "Translated from Spanish: \"add a title 'Hola amigos'\""
    assert plan.to_json()["translation"] == "add a title 'Hola amigos'"
    assert plan.steps[0].title == "Hola amigos"  # the quoted text is kept as typed
    p = _project()
    apply_text(p, "añade un título 'Hola amigos'", History(p))
    assert [c.source.text for t in p.tracks for c in t.clips if c.source.type == "title"] == ["Hola amigos"]
    seen.clear()
    assert parse("make it warmer").steps[0].op == "temperature" and seen == []  # English never translated


def test_a_translation_that_still_fails_says_what_it_read(monkeypatch):
    monkeypatch.setattr(foreign, "translate_to_english", lambda text, source: "do the thing with the stuff")
    with pytest.raises(ParseError) as e:
        parse("haz la cosa con las cosas, por favor")
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("Translated from Spanish as 'do the thing with the stuff', but:")


def test_without_a_model_the_message_names_the_model_to_fetch(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.delenv("T2V_TRANSLATE_MODEL", raising=False)
    with pytest.raises(ParseError) as e:
        parse("ajoute un titre 'Bonjour' au début")
    msg = str(e.value)
    assert "\n" not in msg and "looks like French" in msg
    assert "hf download Helsinki-NLP/opus-mt-fr-en" in msg and str(tmp_path / "hub") in msg


def test_a_real_tiny_marian_model_runs_on_the_command(tmp_path, monkeypatch):
    """Random weights can't translate; this proves the real loader and generate ran on the text."""
    folder = tmp_path / "opus-mt-es-en"
    tiny_marian(folder)
    monkeypatch.setenv("T2V_TRANSLATE_MODEL", str(folder))
    from t2v_desktop.speech import translate

    with pytest.raises(ParseError) as e:  # random output is no command (or no text at all)
        parse("la tormenta es muy fuerte, por favor")
    msg = str(e.value)
    assert "\n" not in msg and "Spanish" in msg and ("Translated from Spanish as '" in msg or "no English" in msg)
    assert str(folder) in translate._LOADED  # the real model was loaded and run


def test_the_command_bar_shows_the_translation(monkeypatch):
    pytest.importorskip("PySide6")
    from t2v_desktop.gui.command_bar import plan_html

    monkeypatch.setattr(foreign, "translate_to_english", lambda text, source: "make it warmer")
    html = plan_html(parse("haz el vídeo más cálido, por favor"), "Will do")
    assert "Translated from Spanish:" in html and "make it warmer" in html
    assert "Translated" not in plan_html(parse("make it warmer"), "Will do")
