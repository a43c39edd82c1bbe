"""Keyframe thumbnails per shot, single-file add (a file dropped in the bin), schema migration 1 -> 2."""

import hashlib
import sqlite3

import pytest
from PIL import Image

from t2v_desktop.errors import T2VError
from t2v_desktop.library import db as dbmod
from t2v_desktop.library.db import SCHEMA_VERSION, open_library
from t2v_desktop.library.indexer import Tools, add_file
from t2v_desktop.media.synth import make_pan_clip, make_shots_clip

NO_TOOLS = Tools(ocr=False, words=False)


def test_migration_from_v1_keeps_data(tmp_path):
    p = tmp_path / "library.sqlite"
    c = sqlite3.connect(p)
    c.executescript("BEGIN;" + dbmod.MIGRATIONS[1] + "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
                    "INSERT INTO meta VALUES('schema_version', '1'), ('folders', '[\"/m\"]');COMMIT;")
    c.execute("INSERT INTO files(id, path, size, mtime, hash, status) VALUES (1, '/m/a.mp4', 10, 5.0, 'h', 'ok')")
    c.execute("INSERT INTO shots(id, file_id, idx, start, end, kind, colour_words) VALUES (4, 1, 0, 0, 2, 'start', 'red')")
    c.execute("INSERT INTO shot_text(shot_id, spoken, onscreen, descr) VALUES (4, 'hello', '', 'red')")
    c.commit()
    c.close()
    lib = open_library(p)
    c = lib.conn
    assert SCHEMA_VERSION == 2
    assert c.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "2"
    assert c.execute("SELECT value FROM meta WHERE key='folders'").fetchone()[0] == '["/m"]'
    assert c.execute("SELECT path, hash, stages FROM files").fetchall() == [("/m/a.mp4", "h", None)]
    assert c.execute("SELECT id, colour_words, motion_words, dx FROM shots").fetchall() == [(4, "red", None, None)]
    assert c.execute("SELECT shot_id FROM shot_text WHERE shot_text MATCH 'hello'").fetchone()[0] == 4
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    lib.close()
    assert open_library(p).conn.execute("SELECT count(*) FROM shots").fetchone()[0] == 1  # idempotent reopen


def test_add_file_keyframes_thumbnails_and_reuse(tmp_path):
    clip = tmp_path / "a.mp4"
    make_shots_clip(clip, [(200, 30, 30), (30, 40, 200)], width=320, height=192)
    lib = open_library(tmp_path / "library.sqlite")
    seen = []
    fid = add_file(lib, clip, progress=lambda d, t, m: seen.append(d / t), tools=NO_TOOLS)
    c = lib.conn
    assert seen[-1] == 1.0 and seen == sorted(seen)
    rows = c.execute("SELECT s.start, s.end, s.thumb, k.time, k.thumb FROM shots s JOIN keyframes k ON k.shot_id = s.id "
                     "WHERE s.file_id = ? ORDER BY s.start", (fid,)).fetchall()
    assert [(round(r[0], 2), round(r[3], 2)) for r in rows] == [(0.0, 0.4), (0.8, 1.2)]  # middle frame of each shot
    for start, _end, shot_thumb, _t, thumb in rows:
        assert shot_thumb == thumb
        path = __import__("pathlib").Path(thumb)
        assert path.parent == lib.thumbs_dir and path.parent.parent == tmp_path
        data = path.read_bytes()
        assert path.name == hashlib.sha1(data).hexdigest()[:24] + ".jpg"
        with Image.open(path) as im:
            assert im.format == "JPEG" and im.size == (160, 96)
            r, g, b = im.convert("RGB").resize((1, 1), Image.BOX).getpixel((0, 0))
        assert (r > 150 and b < 90) if start == 0 else (b > 150 and r < 90)  # the shot's own colour
    stamp = c.execute("SELECT indexed_at, stages FROM files WHERE id = ?", (fid,)).fetchone()
    assert stamp[1] == "shots keyframes motion"
    assert add_file(lib, clip, tools=NO_TOOLS) == fid  # unchanged: not analysed again
    assert c.execute("SELECT indexed_at FROM files WHERE id = ?", (fid,)).fetchone()[0] == stamp[0]


def test_add_file_errors(tmp_path):
    lib = open_library(tmp_path / "library.sqlite")
    with pytest.raises(T2VError, match="is not a file"):
        add_file(lib, tmp_path / "nope.mp4", tools=NO_TOOLS)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(T2VError, match="Cannot index .*bad.mp4"):
        add_file(lib, bad, tools=NO_TOOLS)
    assert lib.conn.execute("SELECT status FROM files WHERE path = ?", (str(bad),)).fetchone()[0] == "error"
    assert lib.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # what the bin also holds (stills, sound): not indexed, and not listed as library errors
    from t2v_desktop.library.indexer import NotIndexable
    from t2v_desktop.media.synth import make_test_clip

    Image.new("RGB", (64, 48), (200, 30, 30)).save(tmp_path / "still.png")
    make_test_clip(tmp_path / "voice.m4a", video=False, audio=True, duration=0.5)
    for name in ("still.png", "voice.m4a"):
        with pytest.raises(NotIndexable, match="indexes video files"):
            add_file(lib, tmp_path / name, tools=NO_TOOLS)
    assert lib.conn.execute("SELECT count(*) FROM files").fetchone()[0] == 1


def test_motion_words_stored_and_searchable(tmp_path):
    from t2v_desktop.library.indexer import add_folder
    from t2v_desktop.library.search import search

    media = tmp_path / "m"
    media.mkdir()
    make_pan_clip(media / "pan.mp4", -6)
    make_pan_clip(media / "still.mp4", 0)
    lib = open_library(tmp_path / "library.sqlite")
    assert add_folder(lib, media, tools=NO_TOOLS) == []
    rows = dict(lib.conn.execute("SELECT f.path, s.motion_words FROM shots s JOIN files f ON f.id = s.file_id"))
    assert rows == {str(media / "pan.mp4"): "fast pan left", str(media / "still.mp4"): "still"}
    assert search(lib, "fast pan left")[0].path == str(media / "pan.mp4")
    assert search(lib, "static")[0].path == str(media / "still.mp4")


def _two_files_indexed(tmp_path):
    """(media folder, library) with a.mp4 (red, blue shots) and b.mp4 (one green shot) indexed."""
    from t2v_desktop.library.indexer import add_folder

    media = tmp_path / "m"
    media.mkdir()
    make_shots_clip(media / "a.mp4", [(200, 30, 30), (30, 40, 200)])
    make_shots_clip(media / "b.mp4", [(30, 160, 40)])
    lib = open_library(tmp_path / "library.sqlite")
    add_folder(lib, media, tools=NO_TOOLS)
    return media, lib


def test_unused_thumbnails_pruned_once_old(tmp_path):
    import os
    import time

    from t2v_desktop.library.indexer import add_folder

    media, lib = _two_files_indexed(tmp_path)
    thumbs = {f: {r[0] for r in lib.conn.execute("SELECT k.thumb FROM keyframes k JOIN shots s ON s.id = k.shot_id "
                                                 "JOIN files f ON f.id = s.file_id WHERE f.path = ?", (str(media / f),))}
              for f in ("a.mp4", "b.mp4")}
    assert len(thumbs["a.mp4"]) == 2 and len(thumbs["b.mp4"]) == 1
    (media / "a.mp4").unlink()
    add_folder(lib, media, tools=NO_TOOLS)
    assert all(os.path.exists(t) for t in thumbs["a.mp4"])  # fresh: another indexer may be committing them
    day_ago = time.time() - 2 * 86400
    for t in lib.thumbs_dir.iterdir():
        os.utime(t, (day_ago, day_ago))
    add_folder(lib, media, tools=NO_TOOLS)
    assert sorted(str(p) for p in lib.thumbs_dir.iterdir()) == sorted(thumbs["b.mp4"])


def test_changed_file_is_reanalysed_others_untouched(tmp_path):
    from t2v_desktop.library.indexer import add_folder
    from t2v_desktop.library.search import search

    media, lib = _two_files_indexed(tmp_path)
    c = lib.conn
    stamp_b = c.execute("SELECT indexed_at FROM files WHERE path LIKE '%b.mp4'").fetchone()[0]
    make_shots_clip(media / "a.mp4", [(220, 210, 40), (30, 160, 40), (200, 30, 30)], transition="fade")
    add_folder(lib, media, tools=NO_TOOLS)
    rows = c.execute("SELECT s.kind, s.colour_words FROM shots s JOIN files f ON f.id = s.file_id "
                     "WHERE f.path LIKE '%a.mp4' ORDER BY s.start").fetchall()
    assert [k for k, _ in rows] == ["start", "fade", "fade"]
    assert [w.split()[0] for _, w in rows] == ["yellow", "green", "red"]
    assert c.execute("SELECT indexed_at FROM files WHERE path LIKE '%b.mp4'").fetchone()[0] == stamp_b
    assert not [h for h in search(lib, "blue") if h.path.endswith("a.mp4")]  # the old blue shot is gone
    assert c.execute("SELECT count(*) FROM shot_text").fetchone()[0] == c.execute("SELECT count(*) FROM shots").fetchone()[0]
