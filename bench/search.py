"""Library search at 1k / 10k / 100k shots on generated rows: insert throughput and query p50/p95.

Rows are inserted straight into a library database (files, shots, words, ocr, FTS text, 512-d unit
embeddings like CLIP ViT-B/32). Queries: text (FTS5 words + spoken phrase), colour descriptors, and
the whole search() with semantic similarity (vectors.index_for: exact numpy below EXACT_BELOW, usearch
HNSW from there). The vector index is also measured on its own at every size, forced to usearch, with
exact numpy top-k as the reference in the same run (p50/p95 and recall@10/@100):
  clustered: embeddings around n/50 topic centres (cos to the centre ~0.8), queries nearer to a centre
             than to any shot (cos ~0.5): the shape of CLIP image/text embeddings;
  random:    structureless unit vectors, HNSW's worst case (every neighbour about as far as any other).
Run: .venv/bin/python bench/search.py [--sizes 1000,10000,100000] [--no-random]
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


def unit(a: np.ndarray) -> np.ndarray:
    return (a / np.linalg.norm(a, axis=-1, keepdims=True)).astype(np.float32)


def centres(n: int) -> np.ndarray:
    return unit(np.random.default_rng(11).standard_normal((max(1, n // 50), DIM)))


def clustered(n: int, rng: np.random.Generator, spread: float = 0.75) -> np.ndarray:
    """Unit vectors around ``centres(n)``: cos to their centre ~0.8 (spread 0.75), ~0.5 at 1.7."""
    c = centres(n)
    return unit(c[rng.integers(0, len(c), n)] + spread * rng.standard_normal((n, DIM)) / np.sqrt(DIM))


class FakeModel:
    """Stands in for CLIP's text tower: a query vector near one topic centre (fixed per text)."""

    name, slug = "bench", "bench"

    def __init__(self, n: int):
        self.c = centres(n)

    def embed_texts(self, texts):
        rng = np.random.default_rng(sum(map(ord, texts[0])))
        v = self.c[rng.integers(0, len(self.c))] + 1.7 * rng.standard_normal(DIM) / np.sqrt(DIM)
        return unit(v[None, :])


def build(path: Path, n: int, rng: random.Random) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    allvecs = clustered(n, np.random.default_rng(1))
    t0 = time.perf_counter()
    shots_per_file = 10
    for start in range(0, n, 1000):
        vecs = allvecs[start:start + 1000]
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


def queries(conn, n: int, reps: int, model) -> dict:
    sem = lambda c, q: vectors.shot_similarities(c, model, q.text)  # noqa: E731
    rows = [
        ("text: 'beach market'", lambda: search(conn, "beach market", semantic=lambda c, q: {})),
        ("spoken: says 'welcome'", lambda: search(conn, "says 'welcome'")),
        ("on-screen: text 'SALE'", lambda: search(conn, "text 'SALE'")),
        ("colour: 'red at night'", lambda: search(conn, "red at night", semantic=lambda c, q: {})),
        ("full: 'red car at night'", lambda: search(conn, "red car at night", semantic=sem)),
    ]
    out = {}
    vectors.index_for(conn, "bench", "bench")  # open (and, from EXACT_BELOW on, build) the index first
    for label, fn in rows:
        out[label] = timed(fn, reps)
        print(f"{n:>7} {label:<36} {out[label][0]:>8.2f} {out[label][1]:>8.2f}")
    return out


def vector_rows(n: int, mat: np.ndarray, queries_: np.ndarray, kind: str, reps: int, sweep=(),
                built=None) -> dict:
    """usearch (forced, whatever the size) against exact numpy on the same vectors and queries.
    ``built``: (the library's own usearch VectorIndex over these vectors, its build seconds)."""
    keys = np.arange(1, n + 1, dtype=np.int64)
    t0 = time.perf_counter()
    hnsw = built[0] if built else vectors.VectorIndex(keys, keys, mat, backend="usearch")
    build = built[1] if built else time.perf_counter() - t0
    exact = vectors.VectorIndex(keys, keys, mat, backend="numpy")
    out = {"build_s": build}
    for k in (10, 100):
        rec = [len({a for a, _ in exact.search(q, k)} & {a for a, _ in hnsw.search(q, k)}) / k for q in queries_]
        out[f"recall@{k}"] = float(np.mean(rec))
    qs = iter(np.resize(np.arange(len(queries_)), reps * 3))
    out["usearch"] = timed(lambda: hnsw.search(queries_[next(qs)], 10), reps * 3)
    qs = iter(np.resize(np.arange(len(queries_)), reps * 3))
    out["numpy"] = timed(lambda: exact.search(queries_[next(qs)], 10), reps * 3)
    default_ef = vectors.EXPANSION_SEARCH
    for ef in sweep:  # the recall/latency trade-off of the search beam on this same index
        vectors.EXPANSION_SEARCH = ef
        rec = [len({a for a, _ in exact.search(q, 10)} & {a for a, _ in hnsw.search(q, 10)}) / 10 for q in queries_]
        qs = iter(np.resize(np.arange(len(queries_)), reps))
        p50, p95 = timed(lambda qs=qs: hnsw.search(queries_[next(qs)], 10), reps)
        print(f"{n:>7} {'  ef_search ' + str(vectors.beam(10)) + ' ' + kind:<36} {p50:>8.2f} {p95:>8.2f}  recall@10 {np.mean(rec):.3f}")
    vectors.EXPANSION_SEARCH = default_ef
    u, b = out["usearch"], out["numpy"]
    print(f"{n:>7} {'top10 usearch ' + kind:<36} {u[0]:>8.2f} {u[1]:>8.2f}  recall@10 {out['recall@10']:.3f} "
          f"@100 {out['recall@100']:.3f}  build {build:.1f} s ({n / build:.0f} vectors/s)")
    print(f"{n:>7} {'top10 numpy exact ' + kind:<36} {b[0]:>8.2f} {b[1]:>8.2f}  usearch {b[0] / max(u[0], 1e-9):.2f}x "
          "numpy's speed at p50")
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--no-random", action="store_true", help="skip the structureless worst case")
    ap.add_argument("--ef", default="80,1024,4096", help="ef_search values to sweep at the largest size")
    a = ap.parse_args()
    rng = random.Random(7)
    print(f"vector index: {vectors.METRIC}/{vectors.DTYPE} M={vectors.CONNECTIVITY} "
          f"ef_add={vectors.EXPANSION_ADD} ef_search={vectors.EXPANSION_SEARCH}; exact numpy below "
          f"{vectors.EXACT_BELOW} vectors in search()")
    print(f"{'shots':>7} {'query':<36} {'p50 ms':>8} {'p95 ms':>8}  note")
    table = {}
    sizes = [int(x) for x in a.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            db = Path(tmp) / f"lib{n}.db"
            rate = build(db, n, rng)
            print(f"{n:>7} {'insert (shots/s)':<36} {rate:>8.0f}")
            conn = sqlite3.connect(db)
            t0 = time.perf_counter()
            own = vectors.index_for(conn, "bench", "bench")
            own_s = time.perf_counter() - t0
            print(f"{n:>7} {'index_for open/build (ms)':<36} {own_s * 1000:>8.0f}  backend {own.backend}")
            row = queries(conn, n, a.reps, FakeModel(n))
            conn.close()
            qrng = np.random.default_rng(5)
            c = centres(n)
            q = unit(c[qrng.integers(0, len(c), 50)] + 1.7 * qrng.standard_normal((50, DIM)) / np.sqrt(DIM))
            sweep = [int(x) for x in a.ef.split(",") if x] if n == max(sizes) else []
            built = (own, own_s) if own.backend == "usearch" else None  # the same vectors: not built twice
            row["clustered"] = vector_rows(n, clustered(n, np.random.default_rng(1)), q, "clustered", a.reps, sweep,
                                           built)
            if not a.no_random:
                r = np.random.default_rng(3)
                row["random"] = vector_rows(n, unit(r.standard_normal((n, DIM))), unit(r.standard_normal((50, DIM))),
                                            "random", a.reps, sweep)
            table[n] = row
    sizes = sorted(table)
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        print(f"\ngrowth of p50 from {lo} to {hi} shots ({hi // lo}x the shots):")
        for label in table[lo]:
            if isinstance(table[lo][label], tuple):
                print(f"  {label:<36} {table[hi][label][0] / max(table[lo][label][0], 1e-9):6.1f}x")
        for kind in ("clustered", "random"):
            if kind in table[lo]:
                for b in ("usearch", "numpy"):
                    g = table[hi][kind][b][0] / max(table[lo][kind][b][0], 1e-9)
                    print(f"  {'top10 ' + b + ' ' + kind:<36} {g:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
