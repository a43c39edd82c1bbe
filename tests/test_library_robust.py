"""Indexing under trouble: cancel between files and inside a file, unreadable files and folders, a
folder that disappears mid-way, a full disk (thumbnail write and the database itself): one clear
message each, and the database intact."""

import errno
import os
import shutil
import sqlite3

import pytest

from t2v_desktop.errors import Cancelled, T2VError
from t2v_desktop.jobs import CancelToken
from t2v_desktop.library import keyframes
from t2v_desktop.library.db import LibraryError, open_library
from t2v_desktop.library.indexer import Tools, add_file, add_folder
from t2v_desktop.media.synth import make_shots_clip

NO_TOOLS = Tools(ocr=False, words=False)
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _media(tmp_path, n=3):
    media = tmp_path / "m"
    media.mkdir()
    for i in range(n):
        make_shots_clip(media / f"c{i}.mp4", [(200, 30, 30), (30, 40, 200)], seed=i)
    return media


def _ok(lib):
    return lib.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cancel_between_files_keeps_finished_ones_and_removes_nothing(tmp_path):
    media = _media(tmp_path)
    lib = open_library(tmp_path / "library.sqlite")
    token = CancelToken()
    add_folder(lib, media, progress=lambda d, t, m: token.cancel() if d == 1 else None, cancel=token, tools=NO_TOOLS)
    assert lib.conn.execute("SELECT count(*) FROM files").fetchone()[0] == 1
    add_folder(lib, media, tools=NO_TOOLS)
    assert lib.conn.execute("SELECT count(*) FROM files WHERE status='ok'").fetchone()[0] == 3
    token = CancelToken()
    (media / "c2.mp4").unlink()
    token.cancel()
    add_folder(lib, media, cancel=token, tools=NO_TOOLS)  # cancelled: the deleted file is not handled yet
    assert lib.conn.execute("SELECT count(*) FROM files").fetchone()[0] == 3
    add_folder(lib, media, tools=NO_TOOLS)
    assert lib.conn.execute("SELECT count(*) FROM files").fetchone()[0] == 2 and _ok(lib)


def test_cancel_inside_a_file_leaves_no_trace_of_it(tmp_path):
    media = _media(tmp_path, 1)
    lib = open_library(tmp_path / "library.sqlite")
    token = CancelToken()
    with pytest.raises(Cancelled):
        add_file(lib, media / "c0.mp4", cancel=token, tools=NO_TOOLS,
                 progress=lambda d, t, m: token.cancel() if m == "keyframes" else None)
    assert lib.conn.execute("SELECT count(*) FROM files").fetchone()[0] == 0 and _ok(lib)


def test_unreadable_file_and_folder_are_reported_not_fatal(tmp_path, monkeypatch):
    media = _media(tmp_path, 2)
    sub = media / "locked"
    sub.mkdir()
    shutil.copy(media / "c0.mp4", sub / "x.mp4")
    if ROOT:  # root reads everything: the OS answers as it would to a user without the permission
        real_open, real_scandir = open, os.scandir

        def deny(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))

        monkeypatch.setattr("builtins.open", lambda p, *a, **k: deny(p) if str(p).endswith("c1.mp4") else real_open(p, *a, **k))
        monkeypatch.setattr(os, "scandir", lambda p=".": deny(p) if str(p).endswith("locked") else real_scandir(p))
    else:
        os.chmod(media / "c1.mp4", 0)
        os.chmod(sub, 0)
    try:
        lib = open_library(tmp_path / "library.sqlite")
        msgs = add_folder(lib, media, tools=NO_TOOLS)
    finally:
        os.chmod(media / "c1.mp4", 0o644)
        os.chmod(sub, 0o755)
        monkeypatch.undo()
    assert len(msgs) == 2, msgs
    assert any("c1.mp4" in m and "permission denied" in m for m in msgs)
    assert any("locked" in m and "cannot read this folder" in m for m in msgs)
    assert lib.conn.execute("SELECT count(*) FROM files WHERE status='ok'").fetchone()[0] == 1 and _ok(lib)


def test_folder_disappearing_while_indexing(tmp_path):
    media = _media(tmp_path)
    lib = open_library(tmp_path / "library.sqlite")
    add_folder(lib, media, tools=NO_TOOLS)
    (media / "c1.mp4").write_bytes((media / "c1.mp4").read_bytes() + b"\0")  # changed: analysed again

    moved = tmp_path / "unplugged"

    def unplug(done, total, msg):
        if done == 1 and media.exists():
            media.rename(moved)

    with pytest.raises(T2VError, match="disappeared while indexing.*nothing was removed"):
        add_folder(lib, media, progress=unplug, tools=NO_TOOLS)
    assert lib.conn.execute("SELECT count(*) FROM files").fetchone()[0] == 3 and _ok(lib)
    moved.rename(media)
    assert add_folder(lib, media, tools=NO_TOOLS) == []
    assert lib.conn.execute("SELECT count(*) FROM files WHERE status='ok'").fetchone()[0] == 3


def test_full_disk_on_thumbnail_write(tmp_path, monkeypatch):
    media = _media(tmp_path, 2)
    lib = open_library(tmp_path / "library.sqlite")
    add_file(lib, media / "c0.mp4", tools=NO_TOOLS)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(keyframes, "save_thumbnail", full)
    with pytest.raises(LibraryError, match="disk holding the media library .* is full.*reindex"):
        add_folder(lib, media, tools=NO_TOOLS)
    assert lib.conn.execute("SELECT count(*) FROM files").fetchone()[0] == 1 and _ok(lib)
    with pytest.raises(LibraryError, match="is full"):
        add_file(lib, media / "c1.mp4", tools=NO_TOOLS)


class _FullDisk:
    """The library's connection, answering SQLite's 'database or disk is full' to shot inserts."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql, *a):
        if sql.startswith("INSERT INTO shots"):
            raise sqlite3.OperationalError("database or disk is full")
        return self.conn.execute(sql, *a)

    def __getattr__(self, name):
        return getattr(self.conn, name)

    def __enter__(self):
        return self.conn.__enter__()

    def __exit__(self, *exc):
        return self.conn.__exit__(*exc)


def test_full_database_disk(tmp_path):
    media = _media(tmp_path, 2)
    lib = open_library(tmp_path / "library.sqlite")
    add_file(lib, media / "c0.mp4", tools=NO_TOOLS)
    real = lib.conn
    lib.conn = _FullDisk(real)
    with pytest.raises(LibraryError, match="disk holding the media library .* is full"):
        add_folder(lib, media, tools=NO_TOOLS)
    lib.conn = real
    # the failed file's transaction was rolled back whole: no file row without its shots
    assert real.execute("SELECT path FROM files").fetchall() == [(str(media / "c0.mp4"),)] and _ok(lib)
    assert add_folder(lib, media, tools=NO_TOOLS) == []
    assert real.execute("SELECT count(*) FROM shots").fetchone()[0] == 4


def test_kill9_inside_a_file_transaction(tmp_path):
    """SIGKILL while a file's rows are half written: the db opens intact without that file; a re-run completes."""
    import signal
    import subprocess
    import sys

    media = _media(tmp_path)
    db = tmp_path / "library.sqlite"
    code = ("import time, t2v_desktop.library.indexer as ix\n"
            "from t2v_desktop.library.db import open_library\n"
            "orig = ix.colour_words\n"
            "n = [0]\n"
            "def slow(*a):\n"  # called inside the write transaction, once per shot
            "    n[0] += 1\n"
            "    if n[0] == 4:\n"
            "        print('inside', flush=True); time.sleep(30)\n"
            "    return orig(*a)\n"
            "ix.colour_words = slow\n"
            f"ix.add_folder(open_library({str(db)!r}), {str(media)!r}, tools=ix.Tools(ocr=False, words=False))\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "inside"  # second file: its file row and first shot are written
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    lib = open_library(db)
    assert _ok(lib)
    assert lib.conn.execute("SELECT path FROM files").fetchall() == [(str(media / "c0.mp4"),)]
    assert lib.conn.execute("SELECT count(*) FROM shots").fetchone()[0] == 2
    assert add_folder(lib, media, tools=NO_TOOLS) == []
    assert lib.conn.execute("SELECT count(*) FROM shots").fetchone()[0] == 6 and _ok(lib)


def test_hidden_files_and_folders_are_not_footage(tmp_path):
    media = _media(tmp_path, 1)
    (media / ".Trash").mkdir()
    shutil.copy(media / "c0.mp4", media / ".Trash" / "old.mp4")
    (media / "._c0.mp4").write_bytes(b"\0\5\26\7 AppleDouble")
    lib = open_library(tmp_path / "library.sqlite")
    assert add_folder(lib, media, tools=NO_TOOLS) == []
    assert lib.conn.execute("SELECT path FROM files").fetchall() == [(str(media / "c0.mp4"),)]


def test_progress_counts_files(tmp_path):
    media = _media(tmp_path, 2)
    lib = open_library(tmp_path / "library.sqlite")
    seen = []
    add_folder(lib, media, progress=lambda d, t, m: seen.append((d, t, m.rsplit("/", 1)[-1])), tools=NO_TOOLS)
    assert seen == [(0, 1, "c0.mp4"), (1, 2, "c1.mp4"), (2, 2, "done")]
    (tmp_path / "empty").mkdir()
    seen.clear()
    add_folder(lib, tmp_path / "empty", progress=lambda d, t, m: seen.append((d, t, m)), tools=NO_TOOLS)
    assert seen == [(0, 0, "done")]
