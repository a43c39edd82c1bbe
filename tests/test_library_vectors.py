"""The HNSW vector index (usearch) against exact numpy: recall on clustered embeddings, the index
file saved beside the db and reused, rebuilt when the table or the index format changes, and the
automatic choice of exact search for small libraries."""

import sqlite3

import numpy as np
import pytest

from t2v_desktop.library import vectors

DIM = 64


def _unit(a):
    return (a / np.linalg.norm(a, axis=-1, keepdims=True)).astype(np.float32)


def _clustered(n, seed=1):
    rng = np.random.default_rng(seed)
    c = _unit(rng.standard_normal((n // 50, DIM)))
    x = _unit(c[rng.integers(0, len(c), n)] + 0.75 * rng.standard_normal((n, DIM)) / np.sqrt(DIM))
    q = _unit(c[rng.integers(0, len(c), 20)] + 1.7 * rng.standard_normal((20, DIM)) / np.sqrt(DIM))
    return x, q


def test_hnsw_matches_exact_search_on_clustered_vectors():
    x, queries = _clustered(2000)
    keys = np.arange(100, 2100, dtype=np.int64)
    hnsw = vectors.VectorIndex(keys, keys, x, backend="usearch")
    exact = vectors.VectorIndex(keys, keys, x, backend="numpy")
    assert hnsw._index is not None and exact._index is None
    recall = np.mean([len({k for k, _ in hnsw.search(q, 10)} & {k for k, _ in exact.search(q, 10)}) / 10
                      for q in queries])
    assert recall >= 0.95
    got, ref = hnsw.search(queries[0], 5), exact.search(queries[0], 5)
    assert [k for k, _ in got] == [k for k, _ in ref]
    assert [c for _, c in got] == pytest.approx([c for _, c in ref], abs=2e-3)  # cosine, f16 storage


def test_auto_backend_is_exact_below_the_threshold(monkeypatch):
    x, _ = _clustered(500)
    keys = np.arange(500, dtype=np.int64)
    assert vectors.VectorIndex(keys, keys, x).backend == "numpy"
    monkeypatch.setattr(vectors, "EXACT_BELOW", 100)
    assert vectors.VectorIndex(keys, keys, x).backend == "usearch"


def test_index_file_is_reused_updated_in_place_and_rebuilt_for_a_new_format(tmp_path, monkeypatch):
    x, queries = _clustered(1000)
    keys = np.arange(1000, dtype=np.int64)
    path = tmp_path / "lib.m.usearch"
    added = []
    real = vectors._new_index

    class Counting:  # counts the vectors each index is given (a full build adds all of them)
        def __init__(self, ndim):
            self._i = real(ndim)

        def add(self, k, m):
            added.append(len(k))
            return self._i.add(k, m)

        def __getattr__(self, name):
            return getattr(self._i, name)

        def __len__(self):
            return len(self._i)

    monkeypatch.setattr(vectors, "_new_index", Counting)
    a = vectors.VectorIndex(keys, keys, x, backend="usearch", path=path, stamp="(1000, 0)")
    assert added == [1000] and path.exists() and (tmp_path / "lib.m.usearch.stamp").exists()
    b = vectors.VectorIndex(keys, keys, x, backend="usearch", path=path, stamp="(1000, 0)")
    assert added == [1000] and len(b._index) == 1000  # loaded from the file, nothing added
    assert b.search(queries[0], 5) == a.search(queries[0], 5)
    # the table changed: 100 keyframes gone, 50 new, one vector replaced under the same id
    x2 = _unit(np.random.default_rng(9).standard_normal((50, DIM)))
    keys3 = np.concatenate([keys[100:], np.arange(5000, 5050)])
    x3 = np.concatenate([x[100:], x2])
    x3[0] = x2[0]
    c = vectors.VectorIndex(keys3, keys3, x3, backend="usearch", path=path, stamp="(950, 1)")
    assert added == [1000, 51] and len(c._index) == 950  # only the difference
    exact = vectors.VectorIndex(keys3, keys3, x3, backend="numpy")
    assert {k for k, _ in c.search(x2[0], 2)} == {100, 5000}  # id 100 holds its new vector now
    recall = np.mean([len({k for k, _ in c.search(q, 10)} & {k for k, _ in exact.search(q, 10)}) / 10
                      for q in queries])
    assert recall >= 0.95
    monkeypatch.setattr(vectors, "_FORMAT", "ip/f32/32/256")
    d = vectors.VectorIndex(keys3, keys3, x3, backend="usearch", path=path, stamp="(950, 1)")
    assert added[-1] == 950 and len(d._index) == 950  # a new index format: built from scratch


def test_index_for_reads_the_embeddings_table(tmp_path):
    x, queries = _clustered(200)
    conn = sqlite3.connect(tmp_path / "lib.db")
    conn.executescript("CREATE TABLE keyframes(id INTEGER PRIMARY KEY, shot_id INTEGER, time REAL, thumb TEXT);"
                       "CREATE TABLE embeddings(keyframe_id INTEGER PRIMARY KEY, model TEXT, dim INTEGER, vector BLOB);")
    for i, v in enumerate(x):
        conn.execute("INSERT INTO keyframes VALUES (?,?,?,?)", (i + 1, 1000 + i, 0.0, ""))
        vectors.store_embedding(conn, i + 1, "m", v * 3.0)  # stored unnormalised: read back as unit vectors
    idx = vectors.index_for(conn, "m", "m")
    best_shot = max(idx.shot_scores(queries[0]).items(), key=lambda kv: kv[1])[0]
    assert best_shot == 1000 + int(np.argmax(x @ queries[0]))
