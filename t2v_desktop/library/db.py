"""The media library database: one SQLite file in the user data folder.

Why SQLite: one file, transactions (a killed indexer leaves a consistent db; WAL mode so readers —
search, the GUI — never block the writer), FTS5 for word ranking, no pickle. Foreign keys are on so
deleting a file row removes its shots, keyframes, words, OCR and embeddings.

Schema (version 2; ``meta(key, value)`` holds ``schema_version``):
  files(id PK, path UNIQUE, size, mtime, hash, duration, fps, width, height, has_audio,
        status 'ok'|'error'|'pending', error, indexed_at, stages TEXT)
        hash = sha1 of the size and the first/middle/last 1 MiB (fast; enough to find a moved file)
        stages = what was analysed ("shots keyframes motion ocr words"): a reindex redoes a file whose
        analysis is incomplete once the missing tool (tesseract) is installed
  shots(id PK, file_id -> files CASCADE, idx, start, end (seconds), kind 'start'|'cut'|'fade'|'dissolve',
        r, g, b (mean 0..255), brightness 0..1, saturation 0..1, motion 0..1,
        colour_words TEXT (descriptor words, e.g. "red dark warm slow pan left"), thumb TEXT (path),
        motion_words TEXT ("still"|"slow"|"fast" [+ "pan left"|"pan right"]), dx REAL (mean
        horizontal picture motion, fraction of the width per second; + = content moves right))
  keyframes(id PK, shot_id -> shots CASCADE, time, thumb TEXT (absolute path of a ~160 px JPEG in
        the "<db stem>-thumbs" folder beside the db, named by the sha1 of its bytes))
  words(id PK, file_id -> files CASCADE, start, end, text)      transcript words
  ocr(id PK, shot_id -> shots CASCADE, time, text)               on-screen text
  embeddings(keyframe_id PK -> keyframes CASCADE, model TEXT, dim, vector BLOB float32)
  shot_text FTS5(shot_id UNINDEXED, spoken, onscreen, descr)     kept in sync by the indexer
A database written by a newer version is refused (T2VError) and left untouched.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable, Dict, Optional, Union

from ..errors import T2VError

SCHEMA_VERSION = 2
DB_NAME = "library.sqlite"

_V1 = """
CREATE TABLE IF NOT EXISTS files(
  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, size INTEGER, mtime REAL, hash TEXT,
  duration REAL, fps REAL, width INTEGER, height INTEGER, has_audio INTEGER,
  status TEXT NOT NULL DEFAULT 'pending', error TEXT, indexed_at REAL);
CREATE INDEX IF NOT EXISTS files_hash ON files(hash);
CREATE TABLE IF NOT EXISTS shots(
  id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  idx INTEGER, start REAL, end REAL, kind TEXT, r REAL, g REAL, b REAL,
  brightness REAL, saturation REAL, motion REAL, colour_words TEXT, thumb TEXT);
CREATE INDEX IF NOT EXISTS shots_file ON shots(file_id);
CREATE TABLE IF NOT EXISTS keyframes(
  id INTEGER PRIMARY KEY, shot_id INTEGER NOT NULL REFERENCES shots(id) ON DELETE CASCADE,
  time REAL, thumb TEXT);
CREATE INDEX IF NOT EXISTS keyframes_shot ON keyframes(shot_id);
CREATE TABLE IF NOT EXISTS words(
  id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  start REAL, end REAL, text TEXT);
CREATE INDEX IF NOT EXISTS words_file ON words(file_id, start);
CREATE TABLE IF NOT EXISTS ocr(
  id INTEGER PRIMARY KEY, shot_id INTEGER NOT NULL REFERENCES shots(id) ON DELETE CASCADE,
  time REAL, text TEXT);
CREATE INDEX IF NOT EXISTS ocr_shot ON ocr(shot_id);
CREATE TABLE IF NOT EXISTS embeddings(
  keyframe_id INTEGER PRIMARY KEY REFERENCES keyframes(id) ON DELETE CASCADE,
  model TEXT, dim INTEGER, vector BLOB);
CREATE VIRTUAL TABLE IF NOT EXISTS shot_text USING fts5(shot_id UNINDEXED, spoken, onscreen, descr);
"""

# version 2: motion words and pan per shot, analysis stages per file (added columns: no data moved)
_V2 = """
ALTER TABLE shots ADD COLUMN motion_words TEXT;
ALTER TABLE shots ADD COLUMN dx REAL;
ALTER TABLE files ADD COLUMN stages TEXT;
"""

# version -> script that brings the db from version-1 to version (each runs in one transaction
# together with the version stamp, so a killed migration leaves the old version intact)
MIGRATIONS: Dict[int, str] = {1: _V1, 2: _V2}


class LibraryError(T2VError):
    """The library database cannot be used (newer version, unreadable, disk full)."""


def disk_full(exc: BaseException) -> bool:
    """True for SQLite's 'database or disk is full' and for ENOSPC/EDQUOT from a file write."""
    import errno

    if isinstance(exc, sqlite3.OperationalError):
        return "disk is full" in str(exc)
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def disk_full_message(path) -> str:
    return (f"The disk holding the media library {path} is full; indexing stopped and the library is "
            "unchanged since the last finished file. Free some space and run `t2v-desktop library reindex`.")


def default_path() -> Path:
    from ..paths import data_dir

    return Path(data_dir()) / DB_NAME


class Library:
    """An open library database; ``conn`` is the sqlite3 connection (autocommit off)."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def thumbs_dir(self) -> Path:
        """Keyframe thumbnails (JPEG, named by content) live here, beside the database."""
        return self.path.with_name(self.path.stem + "-thumbs")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def schema_version(conn: sqlite3.Connection) -> int:
    has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
    if not has_meta:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else 0


def open_library(path: Optional[Union[str, Path]] = None,
                 connect: Callable[..., sqlite3.Connection] = sqlite3.connect) -> Library:
    """Open (creating or migrating) the library database; refuse one from a newer version."""
    p = Path(path) if path else default_path()
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(str(p), timeout=30.0)
    except (OSError, sqlite3.Error) as exc:
        raise LibraryError(f"Cannot open the media library {p}: {exc}; check the folder's permissions.") from exc
    try:
        version = schema_version(conn)
        if version > SCHEMA_VERSION:
            raise LibraryError(f"The media library {p} was written by a newer t2v-desktop (schema "
                               f"{version} > {SCHEMA_VERSION}); update t2v-desktop or pass another --library.")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        for v in range(version + 1, SCHEMA_VERSION + 1):
            with conn:
                conn.executescript("BEGIN;" + MIGRATIONS[v] +
                                   "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
                                   f"INSERT OR REPLACE INTO meta VALUES('schema_version', '{v}');COMMIT;")
    except sqlite3.DatabaseError as exc:
        conn.close()
        if disk_full(exc):
            raise LibraryError(disk_full_message(p)) from exc
        raise LibraryError(f"The media library {p} cannot be read ({exc}); move it aside and run "
                           "`t2v-desktop library reindex`.") from exc
    except BaseException:
        conn.close()
        raise
    return Library(conn, p)
