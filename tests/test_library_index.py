"""The library database: created with the documented schema, reopened, future versions refused."""

import hashlib

import pytest

from t2v_desktop.library.db import SCHEMA_VERSION, LibraryError, open_library
from t2v_desktop.media.synth import make_shots_clip


def test_create_reopen_cascade_and_fts(tmp_path):
    p = tmp_path / "lib.sqlite"
    lib = open_library(p)
    c = lib.conn
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with c:
        c.execute("INSERT INTO files(id, path, size, mtime, hash, status) VALUES (1, '/a.mp4', 1, 0, 'h', 'ok')")
        c.execute("INSERT INTO shots(id, file_id, idx, start, end, kind, colour_words) "
                  "VALUES (7, 1, 0, 0, 2, 'start', 'red dark warm')")
        c.execute("INSERT INTO keyframes(id, shot_id, time) VALUES (3, 7, 1.0)")
        c.execute("INSERT INTO embeddings VALUES (3, 'm', 2, x'0000803f00000000')")
        c.execute("INSERT INTO shot_text(shot_id, spoken, onscreen, descr) VALUES (7, 'hello', 'SALE', 'red')")
    lib.close()
    lib = open_library(p)
    c = lib.conn
    assert c.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert c.execute("SELECT shot_id FROM shot_text WHERE shot_text MATCH 'sale'").fetchone()[0] == 7
    with c:
        c.execute("DELETE FROM files WHERE id=1")
    assert c.execute("SELECT count(*) FROM shots").fetchone()[0] == 0
    assert c.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 0
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    lib.close()


def test_future_version_refused_and_untouched(tmp_path):
    p = tmp_path / "lib.sqlite"
    lib = open_library(p)
    with lib.conn:
        lib.conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 5),))
    lib.close()
    before = hashlib.sha1(p.read_bytes()).hexdigest()
    with pytest.raises(LibraryError, match="newer"):
        open_library(p)
    assert hashlib.sha1(p.read_bytes()).hexdigest() == before


def test_add_folder_incremental_move_delete(tmp_path):
    import shutil

    from t2v_desktop.library.indexer import add_folder
    from t2v_desktop.library.search import search

    media = tmp_path / "m"
    media.mkdir()
    make_shots_clip(media / "a.mp4", [(200, 30, 30), (30, 40, 200)])
    (media / "bad.mp4").write_bytes(b"not a video")
    lib = open_library(tmp_path / "lib.sqlite")
    msgs = add_folder(lib, media)
    assert len(msgs) == 1 and "bad.mp4" in msgs[0]
    c = lib.conn
    rows = c.execute("SELECT start, colour_words FROM shots ORDER BY start").fetchall()
    assert [round(r[0], 2) for r in rows] == [0.0, 0.8] and rows[0][1].startswith("red") and "blue" in rows[1][1]
    assert search(lib, "blue")[0].start == rows[1][0]
    fid = c.execute("SELECT id FROM files WHERE status='ok'").fetchone()[0]
    shutil.move(media / "a.mp4", media / "b.mp4")
    add_folder(lib, media)
    assert c.execute("SELECT id, path FROM files WHERE status='ok'").fetchall() == [(fid, str((media / "b.mp4").resolve()))]
    (media / "b.mp4").unlink()
    add_folder(lib, media)
    assert c.execute("SELECT count(*) FROM shots").fetchone()[0] == 0
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_kill9_while_indexing_leaves_consistent_db(tmp_path):
    import signal
    import subprocess
    import sys

    from t2v_desktop.library.indexer import add_folder

    media = tmp_path / "m"
    media.mkdir()
    for i in range(6):
        make_shots_clip(media / f"c{i}.mp4", [(200, 30, 30), (30, 40, 200)], frames_per_shot=40)
    db = tmp_path / "lib.sqlite"
    code = ("import sys,time;from t2v_desktop.library.db import open_library;"
            "from t2v_desktop.library.indexer import add_folder;"
            f"lib=open_library({str(db)!r});"
            f"add_folder(lib,{str(media)!r},lambda d,t,m:(print(d,flush=True),time.sleep(0.2)))")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.strip() == "2":
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    lib = open_library(db)
    assert lib.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert lib.conn.execute("SELECT count(*) FROM files").fetchone()[0] < 6
    assert add_folder(lib, media) == []
    assert lib.conn.execute("SELECT count(*) FROM files WHERE status='ok'").fetchone()[0] == 6
    assert lib.conn.execute("SELECT count(*) FROM shots").fetchone()[0] == 12
