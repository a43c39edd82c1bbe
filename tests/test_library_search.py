"""Search over a library database: colour, spoken phrase, on-screen text, FTS words, CLI --json."""

import json
import sqlite3

import pytest
from tiny_clip import build_tiny_clip

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


def test_motion_words_find_moving_shots_and_say_motion(conn):
    """The indexer stores still/slow/fast and 'pan left/right' beside the colour words."""
    conn.execute("INSERT INTO shots(id, file_id, start, end, colour_words) VALUES (6, 2, 10, 14, 'grey slow pan left')")
    conn.execute("INSERT INTO shot_text(shot_id, spoken, onscreen, descr) VALUES (6, '', '', 'grey slow pan left')")
    assert parse_query("slow pan", translate=False).wanted_descriptors == ["slow", "pan"]
    hits = search(conn, "slow pan")
    assert [h.shot_id for h in hits] == [6] and hits[0].reasons == ["motion: slow, pan"]
    hits = search(conn, "red fast")
    assert hits[0].shot_id == 2 and hits[0].reasons == ["colour: red", "motion: fast"]
    assert hits[0].score == pytest.approx(1.0) and [h.shot_id for h in hits[1:]] == [5]


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
    from t2v_desktop.library import db

    monkeypatch.setattr(db, "open_library", lambda path=None: types.SimpleNamespace(conn=conn, close=lambda: None))
    args = types.SimpleNamespace(query="red", json=True, limit=1, library=str(tmp_path / "lib.db"))
    assert cli_library.cmd_search(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["query"] == "red" and len(out["hits"]) == 1
    assert set(out["hits"][0]) == {"path", "start", "end", "score", "reasons", "shot_id"}
    assert any("hf download openai/clip-vit-base-patch32" in n for n in out["notes"])


def test_cli_search_without_a_library_says_how_and_creates_nothing(tmp_path, monkeypatch, capsys):
    import types

    from t2v_desktop import cli_library

    monkeypatch.setenv("T2V_DATA_DIR", str(tmp_path / "data"))
    assert cli_library.cmd_search(types.SimpleNamespace(query="red", json=False, limit=5, library=None)) == 0
    err = capsys.readouterr().err
    assert "The media library is empty. Add footage with: t2v-desktop library add DIR" in err
    assert not (tmp_path / "data" / "library.sqlite").exists()


def test_tiny_clip_embeddings_rank_by_cosine(conn, tmp_path, monkeypatch):
    import numpy as np
    from PIL import Image

    from t2v_desktop.library import embed, vectors

    folder = tmp_path / "clip"
    build_tiny_clip(folder)
    assert list(folder.glob("*.safetensors")) and not list(folder.glob("*.bin"))
    monkeypatch.setenv("T2V_CLIP_MODEL", str(folder))
    embed._CACHE.clear()
    model = embed.find_model()
    t = model.embed_texts(["red car at night", "dog"])
    assert t.shape == (2, 8) and np.allclose(np.linalg.norm(t, axis=1), 1, atol=1e-5)
    for sid in (1, 2, 3, 4, 5):  # one keyframe per shot with a real thumbnail
        p = tmp_path / f"k{sid}.png"
        Image.new("RGB", (40, 30), (sid * 40, 20, 200 - sid * 30)).save(p)
        conn.execute("INSERT INTO keyframes(id, shot_id, time, thumb) VALUES (?,?,?,?)", (sid, sid, 0.0, str(p)))
    assert embed.embed_keyframes(conn, model) == 5
    assert embed.embed_keyframes(conn, model) == 0  # incremental
    keys, shots, mat = vectors.load_matrix(conn, model.name)
    assert mat.shape == (5, 8) and list(shots) == [1, 2, 3, 4, 5]
    # shot 3's keyframe gets exactly the query's embedding: it must rank first by cosine
    vectors.store_embedding(conn, 3, model.name, model.embed_texts(["beach dog"])[0])
    sims = vectors.shot_similarities(conn, model, "beach dog")
    assert max(sims, key=sims.get) == 3 and abs(sims[3] - 1.0) < 1e-4
    notes = []
    hits = search(conn, "beach dog", notes=notes)
    assert hits[0].shot_id == 3 and any(r.startswith("looks like: 1.00") for r in hits[0].reasons)
    assert notes == []


def test_search_on_open_library_schema(tmp_path):
    from t2v_desktop.library.db import open_library

    lib = open_library(tmp_path / "library.db")
    c = lib.conn
    c.execute("INSERT INTO files(id, path) VALUES (1, '/m/a.mp4')")
    c.execute("INSERT INTO shots(id, file_id, start, end, colour_words) VALUES (1, 1, 0, 3, 'blue bright'), "
              "(2, 1, 3, 7, 'red dark')")
    c.execute("INSERT INTO words(file_id, start, end, text) VALUES (1, 4.2, 4.6, 'welcome')")
    c.execute("INSERT INTO shot_text(shot_id, spoken, onscreen, descr) VALUES (1, '', '', 'blue bright'), "
              "(2, 'welcome', '', 'red dark')")
    c.commit()
    assert [(h.shot_id, h.reasons) for h in search(lib, "says 'welcome'")] == [(2, ["spoken: 'welcome' at 0:04"])]
    assert search(lib, "dark red")[0].shot_id == 2
