"""Library search at 1k / 10k / 100k shots on generated rows: insert throughput and query p50/p95.

Rows are inserted straight into a library database (files, shots, words, ocr, FTS text, random unit
embeddings, 512-d like CLIP ViT-B/32). Queries: text (FTS5 words + spoken phrase), colour descriptors,
semantic (usearch HNSW through search(); brute-force numpy top-k as the reference row, ratio printed).
Run: .venv/bin/python bench/search.py [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from t2v_desktop.library import vectors  # noqa: E402
from t2v_desktop.library.search import search  # noqa: E402

SCHEMA = """
CREATE TABLE IF NOT EXISTS files(id INTEGER PRIMARY KEY, path TEXT, size INTEGER, mtime REAL, hash TEXT);
CREATE TABLE IF NOT EXISTS shots(id INTEGER PRIMARY KEY, file_id INTEGER, start REAL, end REAL, r REAL, g REAL,
  b REAL, brightness REAL, saturation REAL, motion REAL, colour_words TEXT, thumb TEXT);
CREATE TABLE IF NOT EXISTS keyframes(id INTEGER PRIMARY KEY, shot_id INTEGER, time REAL, thumb TEXT);
CREATE TABLE IF NOT EXISTS words(file_id INTEGER, start REAL, end REAL, text TEXT);
CREATE INDEX IF NOT EXISTS words_file ON words(file_id, start);
CREATE INDEX IF NOT EXISTS shots_file ON shots(file_id, start);
CREATE TABLE IF NOT EXISTS ocr(shot_id INTEGER, time REAL, text TEXT);
CREATE TABLE IF NOT EXISTS embeddings(keyframe_id INTEGER, model TEXT, dim INTEGER, vector BLOB);
CREATE VIRTUAL TABLE IF NOT EXISTS shot_text USING fts5(shot_id UNINDEXED, spoken, onscreen, descr);
"""
VOCAB = ("welcome beach car road city night dog running water market sale people street music talk "
         "interview office kitchen garden sunset mountain bike train window light").split()
COLOURS = ("red orange yellow green blue purple pink white grey brown").split()
DIM = 512


class FakeModel:
    """Stands in for CLIP's text tower: a fixed random unit vector per query."""

    name, slug = "bench", "bench"

    def embed_texts(self, texts):
        rng = np.random.default_rng(abs(hash(texts[0])) % 2**32)
        v = rng.standard_normal((1, DIM)).astype(np.float32)
        return v / np.linalg.norm(v)


def build(path: Path, n: int, rng: random.Random) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    nrng = np.random.default_rng(1)
    t0 = time.perf_counter()
    shots_per_file = 10
    for start in range(0, n, 1000):
        vecs = nrng.standard_normal((1000, DIM)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        with conn:
            for j in range(start, min(n, start + 1000)):
                sid = j + 1
                fid = j // shots_per_file + 1
                t = (j % shots_per_file) * 6.0
                if j % shots_per_file == 0:
                    conn.execute("INSERT INTO files VALUES (?,?,?,?,?)", (fid, f"/lib/clip{fid}.mp4", 1, 0.0, str(fid)))
                cw = " ".join(rng.sample(COLOURS, 2) + [rng.choice(("dark", "bright")), rng.choice(("fast", "still"))])
                conn.execute("INSERT INTO shots(id, file_id, start, end, colour_words) VALUES (?,?,?,?,?)",
                             (sid, fid, t, t + 6.0, cw))
                spoken = [rng.choice(VOCAB) for _ in range(8)]
                for k, w in enumerate(spoken):
                    conn.execute("INSERT INTO words VALUES (?,?,?,?)", (fid, t + k * 0.5, t + k * 0.5 + 0.4, w))
                onscreen = rng.choice(VOCAB).upper() if rng.random() < 0.2 else ""
                if onscreen:
                    conn.execute("INSERT INTO ocr VALUES (?,?,?)", (sid, t + 1, onscreen))
                conn.execute("INSERT INTO shot_text(shot_id, spoken, onscreen, descr) VALUES (?,?,?,?)",
                             (sid, " ".join(spoken), onscreen, cw))
                conn.execute("INSERT INTO keyframes(id, shot_id, time, thumb) VALUES (?,?,?,?)", (sid, sid, t, ""))
                conn.execute("INSERT INTO embeddings VALUES (?,?,?,?)",
                             (sid, "bench", DIM, vecs[j - start].tobytes()))
    dt = time.perf_counter() - t0
    conn.close()
    return n / dt


def timed(fn, reps: int):
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return np.percentile(out, 50), np.percentile(out, 95)


def queries(conn, n: int, reps: int, model) -> None:
    sem = lambda c, q: vectors.shot_similarities(c, model, q.text)  # noqa: E731
    rows = [
        ("text: 'beach market'", lambda: search(conn, "beach market", semantic=lambda c, q: {})),
        ("spoken: says 'welcome'", lambda: search(conn, "says 'welcome'")),
        ("on-screen: text 'SALE'", lambda: search(conn, "text 'SALE'")),
        ("colour: 'red at night'", lambda: search(conn, "red at night", semantic=lambda c, q: {})),
        ("full: 'red car at night'", lambda: search(conn, "red car at night", semantic=sem)),
    ]
    for label, fn in rows:
        p50, p95 = timed(fn, reps)
        print(f"{n:>7} {label:<28} {p50:>8.2f} {p95:>8.2f}")
    index = vectors.index_for(conn, "bench", "bench")
    ref = vectors.VectorIndex(index.keys, index.shots, index.mat, backend="numpy")
    q = model.embed_texts(["red car"])[0]
    u50, u95 = timed(lambda: index.search(q, 100), reps * 3)
    b50, b95 = timed(lambda: ref.search(q, 100), reps * 3)
    exact = {k for k, _ in ref.search(q, 100)}
    recall = len(exact & {k for k, _ in index.search(q, 100)}) / 100
    print(f"{n:>7} {'semantic top100 usearch':<28} {u50:>8.2f} {u95:>8.2f}  recall@100 {recall:.2f}")
    print(f"{n:>7} {'semantic top100 numpy (ref)':<28} {b50:>8.2f} {b95:>8.2f}  "
          f"usearch {b50 / max(u50, 1e-9):.1f}x faster at p50")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--reps", type=int, default=30)
    a = ap.parse_args()
    rng = random.Random(7)
    model = FakeModel()
    print(f"{'shots':>7} {'query':<28} {'p50 ms':>8} {'p95 ms':>8}  note")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in a.sizes.split(",")):
            db = Path(tmp) / f"lib{n}.db"
            rate = build(db, n, rng)
            print(f"{n:>7} {'insert (shots/s)':<28} {rate:>8.0f}")
            conn = sqlite3.connect(db)
            t0 = time.perf_counter()
            vectors.index_for(conn, "bench", "bench")
            print(f"{n:>7} {'usearch build+save (ms)':<28} {(time.perf_counter() - t0) * 1000:>8.0f}")
            queries(conn, n, a.reps, model)
            conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
