"""Query translation: foreign query words go through a translator (injected here, or the real local
model loader), quoted phrases stay as typed, English never reaches a model, and without a model the
search says translation was unavailable and uses the words as typed."""

import sqlite3

import pytest

from t2v_desktop.library import query as query_mod
from t2v_desktop.library.query import parse_query
from t2v_desktop.library.search import search
from t2v_desktop.speech.language import guess_language

SCHEMA = """
CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT, size INTEGER, mtime REAL, hash TEXT);
CREATE TABLE shots(id INTEGER PRIMARY KEY, file_id INTEGER, start REAL, end REAL, colour_words TEXT, thumb TEXT);
CREATE TABLE keyframes(id INTEGER PRIMARY KEY, shot_id INTEGER, time REAL, thumb TEXT);
CREATE TABLE words(file_id INTEGER, start REAL, end REAL, text TEXT);
CREATE TABLE ocr(shot_id INTEGER, time REAL, text TEXT);
CREATE TABLE embeddings(keyframe_id INTEGER, model TEXT, dim INTEGER, vector BLOB);
CREATE VIRTUAL TABLE shot_text USING fts5(shot_id UNINDEXED, spoken, onscreen, descr);
"""


@pytest.fixture(autouse=True)
def _fresh_memo():
    query_mod._MEMO.clear()
    yield
    query_mod._MEMO.clear()


class FakeTranslator:
    """Word-for-word es/fr -> en, recording what it was asked."""

    TABLE = {"coche": "car", "rojo": "red", "de": "at", "noche": "night", "dice": "says", "voiture": "car",
             "la": "the", "playa": "beach"}

    def __init__(self):
        self.calls = []

    def __call__(self, texts, target, source):
        self.calls.append((list(texts), target, source))
        return [" ".join(self.TABLE.get(w, w) for w in t.split()) for t in texts]


def test_language_guess():
    assert guess_language("coche rojo de noche") == "es"
    assert guess_language("voiture rouge la nuit") == "fr"
    assert guess_language("rotes Auto bei Nacht") == "de"
    assert guess_language("красная машина") == "ru" and guess_language("червона машина і") == "uk"
    assert guess_language("赤い車") == "ja" and guess_language("红色的车") == "zh"
    for english in ("red car at night", "the beach shot", "says 'welcome'", "SALE", ""):
        assert guess_language(english) is None


def test_foreign_words_are_translated_and_parsed():
    fake = FakeTranslator()
    q = parse_query("coche rojo de noche", translator=fake)
    assert fake.calls == [(["coche rojo de noche"], "en", "es")]
    assert q.text == "car red at night" and q.translated_from == "coche rojo de noche" and q.notes == []
    assert q.wanted_descriptors == ["red", "dark"] and q.words == ["car"]


def test_quoted_phrase_is_kept_as_said():
    fake = FakeTranslator()
    q = parse_query("la playa dice 'hola amigos'", translator=fake)
    assert fake.calls[0][0] == ["la playa dice"]  # the quoted words never reach the model
    assert q.spoken == ["hola amigos"] and q.words == ["beach"]


def test_english_never_reaches_the_translator():
    def boom(*_a):
        raise AssertionError("an English query was sent to the translator")

    q = parse_query("red car at night says 'welcome'", translator=boom)
    assert q.translated_from is None and q.notes == [] and q.spoken == ["welcome"]


def test_without_a_model_the_search_says_so_and_uses_the_words(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.delenv("T2V_TRANSLATE_MODEL", raising=False)
    conn = sqlite3.connect(tmp_path / "lib.db")
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO files VALUES (1, '/m/a.mp4', 1, 0, 'x')")
    conn.execute("INSERT INTO shots(id, file_id, start, end, colour_words) VALUES (1, 1, 0, 4, 'red dark')")
    conn.execute("INSERT INTO shot_text VALUES (1, 'el coche rojo', '', 'red dark')")
    notes = []
    hits = search(conn, "coche rojo de noche", notes=notes)
    assert [h.shot_id for h in hits] == [1]  # the words as typed still match the Spanish transcript
    notes = [n for n in notes if not n.startswith("semantic search")]
    assert len(notes) == 1 and notes[0].startswith("translation unavailable")
    assert "opus-mt-es-en" in notes[0] and str(tmp_path / "hub") in notes[0]


def test_translated_query_is_reported_in_the_notes(tmp_path):
    conn = sqlite3.connect(tmp_path / "lib.db")
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO files VALUES (1, '/m/a.mp4', 1, 0, 'x')")
    conn.execute("INSERT INTO shots(id, file_id, start, end, colour_words) VALUES (1, 1, 0, 4, 'red dark')")
    conn.execute("INSERT INTO shot_text VALUES (1, '', '', 'red dark')")
    notes = []
    hits = search(conn, parse_query("coche rojo de noche", translator=FakeTranslator()), notes=notes)
    assert [h.shot_id for h in hits] == [1] and "colour: red, dark" in hits[0].reasons
    assert notes[0] == "searched for 'car red at night' (translated from 'coche rojo de noche')"


def test_real_loader_path_with_a_tiny_marian(tmp_path, monkeypatch):
    from tiny_marian import tiny_marian

    folder = tmp_path / "opus-mt-es-en"
    tiny_marian(folder)
    monkeypatch.setenv("T2V_TRANSLATE_MODEL", str(folder))
    q = parse_query("coche rojo de noche")
    assert q.translated_from == "coche rojo de noche" and q.notes == []
    assert isinstance(q.text, str)  # random weights: some English-vocabulary output, not the input's path
