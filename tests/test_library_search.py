"""Search over a library database: colour, spoken phrase, on-screen text, FTS words, CLI --json."""

import json
import sqlite3

import pytest

from t2v_desktop.library.query import parse_query
from t2v_desktop.library.search import search

SCHEMA = """
CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT, size INTEGER, mtime REAL, hash TEXT);
CREATE TABLE shots(id INTEGER PRIMARY KEY, file_id INTEGER, start REAL, end REAL, r REAL, g REAL, b REAL,
  brightness REAL, saturation REAL, motion REAL, colour_words TEXT, thumb TEXT);
CREATE TABLE keyframes(id INTEGER PRIMARY KEY, shot_id INTEGER, time REAL, thumb TEXT);
CREATE TABLE words(file_id INTEGER, start REAL, end REAL, text TEXT);
CREATE TABLE ocr(shot_id INTEGER, time REAL, text TEXT);
CREATE TABLE embeddings(keyframe_id INTEGER, model TEXT, dim INTEGER, vector BLOB);
CREATE VIRTUAL TABLE shot_text USING fts5(shot_id UNINDEXED, spoken, onscreen, descr);
"""


@pytest.fixture
def conn(tmp_path):
    c = sqlite3.connect(tmp_path / "lib.db")
    c.executescript(SCHEMA)
    c.execute("INSERT INTO files VALUES (1, '/m/a.mp4', 1, 0, 'x'), (2, '/m/b.mp4', 1, 0, 'y')")
    shots = [  # id, file, start, end, colour words, spoken, onscreen
        (1, 1, 0.0, 4.0, "blue bright still", "hello there", ""),
        (2, 1, 4.0, 9.0, "red dark fast", "", ""),
        (3, 1, 9.0, 15.0, "green bright", "welcome to the beach", "SALE today"),
        (4, 2, 0.0, 6.0, "orange warm", "a car drives by", ""),
        (5, 2, 6.0, 10.0, "red bright", "", ""),
    ]
    for sid, fid, s, e, cw, spoken, onscreen in shots:
        c.execute("INSERT INTO shots(id, file_id, start, end, colour_words) VALUES (?,?,?,?,?)", (sid, fid, s, e, cw))
        c.execute("INSERT INTO shot_text(shot_id, spoken, onscreen, descr) VALUES (?,?,?,?)", (sid, spoken, onscreen, cw))
        if onscreen:
            c.execute("INSERT INTO ocr VALUES (?,?,?)", (sid, s + 1, onscreen))
        t = s + 0.5
        for w in spoken.split():
            c.execute("INSERT INTO words VALUES (?,?,?,?)", (fid, t, t + 0.3, w))
            t += 0.4
    c.commit()
    return c


def test_parse_query_parts():
    q = parse_query("red car at night says 'welcome' text \"SALE\"", translate=False)
    assert q.spoken == ["welcome"] and q.onscreen == ["SALE"]
    assert q.wanted_descriptors == ["red", "dark"] and q.words == ["car"]
    assert parse_query("sunset", translate=False).wanted_descriptors == ["orange", "warm"]


def test_colour_query_ranks_red_dark_shot_first(conn):
    hits = search(conn, "red at night")
    assert [h.shot_id for h in hits][:2] == [2, 5]
    assert hits[0].score > hits[1].score and "colour: red, dark" in hits[0].reasons


def test_spoken_phrase_finds_span(conn):
    hits = search(conn, "she says 'welcome to the'")
    assert len(hits) == 1
    h = hits[0]
    assert (h.path, h.start, h.end) == ("/m/a.mp4", 9.0, 15.0)
    assert h.reasons == ["spoken: 'welcome to the' at 0:09"]
    assert search(conn, "says 'welcome beach'") == []  # words not in a row


def test_onscreen_text_and_words(conn):
    assert [h.shot_id for h in search(conn, "text 'sale'")] == [3]
    hits = search(conn, "car", limit=5)
    assert hits[0].shot_id == 4 and hits[0].reasons[0].startswith("words: car")


def test_cli_json(conn, tmp_path, monkeypatch, capsys):
    import types

    from t2v_desktop import cli_library

    db = types.ModuleType("t2v_desktop.library.db")
    db.open_library = lambda path=None: conn
    monkeypatch.setitem(__import__("sys").modules, "t2v_desktop.library.db", db)
    args = types.SimpleNamespace(query="red", json=True, limit=1, library=None)
    assert cli_library.cmd_search(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["query"] == "red" and len(out["hits"]) == 1
    assert set(out["hits"][0]) == {"path", "start", "end", "score", "reasons", "shot_id"}
    assert any("huggingface-cli download openai/clip-vit-base-patch32" in n for n in out["notes"])
