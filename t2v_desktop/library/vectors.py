"""Vector index over keyframe embeddings: usearch HNSW (cosine), saved beside the library database.

Why usearch: it is a single small wheel with no BLAS/torch dependency, saves/loads an index file
memory-mapped, and answers top-10 in ~2 ms at 100k vectors (bench/search.py, with brute-force numpy
as the reference row). sqlite-vec is brute force inside SQLite (its cost grows
linearly, ~ the numpy row); faiss is a heavier wheel whose flat/HNSW indexes give the same answers
here.
Search is exact (numpy) below EXACT_BELOW vectors and HNSW from there. Measured by bench/search.py
(2 shared cores, other jobs running; 512-d unit vectors, top-10, exact numpy as the reference in the
same run). CLIP-like clustered vectors: 1k usearch 0.17 ms vs numpy 0.05; 10k 3.9 vs 12.1; 100k 2.1 vs
16.7 ms p50 (p95 2.7 vs 62), recall@10 0.998 (recall@100 0.96 with the beam at 8k), build 848
vectors/s (118 s at 100k; after that the file is updated in place). Structureless random vectors,
HNSW's worst case: recall@10 0.19 at ef 256, 0.90 at ef 4096 (32 ms) — every point is about as far
as any other, and usearch's default beam (64) gave the 0.15 of the first measurement; exact search
(8.9 ms at 100k) is the answer there, which is why small libraries use it.
The embeddings table stays the source of truth: the index file is updated when stale (its stamp,
the table's last rowid and the index format, differs) and rebuilt when missing or of another format.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np


def load_matrix(conn, model: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keyframe ids, shot ids, unit-length float32 vectors) for ``model`` from the embeddings table."""
    rows = conn.execute("SELECT e.keyframe_id, k.shot_id, e.dim, e.vector FROM embeddings e "
                        "JOIN keyframes k ON k.id = e.keyframe_id WHERE e.model = ? ORDER BY e.keyframe_id",
                        (model,)).fetchall()
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    mat = np.stack([np.frombuffer(r[3], dtype=np.float32, count=r[2]) for r in rows])
    mat = mat / np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
    return (np.array([r[0] for r in rows], np.int64), np.array([r[1] for r in rows], np.int64),
            mat.astype(np.float32))


# HNSW parameters, measured by bench/search.py (2 shared cores, 512-d unit vectors, top-10 against
# exact numpy). Inner product on unit vectors ranks exactly like cosine; f16 storage halves memory and
# built 3.7x faster than f32 here with the same recall. usearch's default expansion_search (64) is
# what gave recall 0.15: on structureless random vectors HNSW needs a wide beam (random 100k: see the
# module docstring), while clustered vectors like CLIP's reach 1.00 at 64.
METRIC, DTYPE, CONNECTIVITY, EXPANSION_ADD = "ip", "f16", 16, 128
EXPANSION_SEARCH = 256
EXACT_BELOW = 50_000  # fewer vectors: exact numpy (a few ms, exact, no index to build)
_FORMAT = f"{METRIC}/{DTYPE}/{CONNECTIVITY}/{EXPANSION_ADD}"  # part of the stamp: a new format rebuilds


def beam(k: int) -> int:
    """HNSW search beam for top-``k``: at 100k clustered vectors ef 256 gives recall@10 0.998 but
    recall@100 0.86; 8k (800 for k=100) gives recall@100 0.96."""
    return max(EXPANSION_SEARCH, 8 * k)


class VectorIndex:
    """Top-k cosine search over keyframes. ``backend``: "auto" (exact numpy below EXACT_BELOW vectors,
    usearch HNSW from there), "usearch" or "numpy" (the reference)."""

    def __init__(self, keys: np.ndarray, shots: np.ndarray, mat: np.ndarray, *, backend: str = "auto",
                 path: Optional[Path] = None, stamp: str = "") -> None:
        if backend == "auto":
            backend = "numpy" if len(keys) < EXACT_BELOW else "usearch"
        self.keys, self.shots, self.mat, self.backend = keys, shots, mat, backend
        self.shot_of = dict(zip(keys.tolist(), shots.tolist(), strict=True))
        self._index = None
        if backend == "usearch" and len(keys):
            self._index = _hnsw(mat, keys, path, f"{_FORMAT} {stamp}")
            self._index.expansion_search = EXPANSION_SEARCH

    def search(self, vec: np.ndarray, k: int = 100) -> List[Tuple[int, float]]:
        """(keyframe id, cosine) best first."""
        if not len(self.keys):
            return []
        v = np.asarray(vec, np.float32).ravel()
        v = v / max(float(np.linalg.norm(v)), 1e-12)
        k = min(k, len(self.keys))
        if self._index is None:
            sims = self.mat @ v
            top = np.argpartition(-sims, k - 1)[:k]
            top = top[np.argsort(-sims[top])]
            return [(int(self.keys[i]), float(sims[i])) for i in top]
        self._index.expansion_search = beam(k)
        m = self._index.search(v, k)
        return [(int(key), 1.0 - float(d)) for key, d in zip(m.keys, m.distances, strict=True)]

    def shot_scores(self, vec: np.ndarray, k: int = 100) -> Dict[int, float]:
        """Best cosine per shot over its ``k`` nearest keyframes (the semantic candidates of a search:
        top-200 needed a beam so wide that HNSW was no faster than exact numpy at 100k)."""
        out: Dict[int, float] = {}
        for key, cos in self.search(vec, k):
            s = self.shot_of.get(key)
            if s is not None and cos > out.get(s, -2.0):
                out[s] = cos
        return out


def _new_index(ndim: int):
    from usearch.index import Index

    return Index(ndim=ndim, metric=METRIC, dtype=DTYPE, connectivity=CONNECTIVITY, expansion_add=EXPANSION_ADD)


def _hnsw(mat: np.ndarray, keys: np.ndarray, path: Optional[Path], stamp: str):
    """The index file beside the db, brought up to date with the table: unchanged when its stamp
    matches; otherwise (same index format) only the difference is applied — keyframes gone are
    removed, new ones added, a vector that differs from the table (a reused keyframe id) replaced —
    so adding one file to a big library does not rebuild the whole index; built from scratch when
    there is no usable file. Saved as temp file + replace: a killed save leaves the old file."""
    meta = Path(str(path) + ".stamp") if path is not None else None
    fmt = stamp.split(" ", 1)[0]
    idx = None
    if meta is not None and Path(path).exists() and meta.exists() and meta.read_text().split(" ", 1)[0] == fmt:
        try:
            idx = _new_index(mat.shape[1])
            idx.load(str(path))
        except Exception:  # noqa: BLE001 - unreadable file: rebuilt below
            idx = None
        if idx is not None and meta.read_text() == stamp and len(idx) == len(keys):
            return idx
    changed = True
    if idx is not None and idx.ndim == mat.shape[1]:
        changed = _update(idx, keys, mat)
    else:
        idx = _new_index(mat.shape[1])
        idx.add(keys, mat)
    if path is not None and (changed or meta.read_text() != stamp):
        tmp = Path(str(path) + ".tmp")
        idx.save(str(tmp))
        tmp.replace(path)
        meta.write_text(stamp)
    return idx


def _update(idx, keys: np.ndarray, mat: np.ndarray) -> bool:
    """Make ``idx`` hold exactly ``keys`` -> ``mat``; True when anything changed."""
    wanted = set(keys.tolist())
    gone = np.array([k for k in np.asarray(idx.keys).tolist() if k not in wanted], dtype=np.int64)
    if len(gone):
        idx.remove(gone)
    present = np.asarray(idx.contains(keys), dtype=bool) if len(idx) else np.zeros(len(keys), bool)
    if present.any():
        stored = np.stack(idx.get(keys[present], dtype=np.float32))
        differs = np.abs(stored - mat[present]).max(axis=1) > 1e-2  # f16 storage: ~1e-3 for unit vectors
        if differs.any():
            idx.remove(keys[present][differs])
            present[np.flatnonzero(present)[differs]] = False
    if (~present).any():
        idx.add(keys[~present], mat[~present])
    return bool(len(gone) or (~present).any())


def refresh(conn) -> int:
    """Bring every model's index file up to date now (after indexing), so the first search after a
    new file does not pay for it. Returns the number of vectors indexed."""
    n = 0
    for (model,) in conn.execute("SELECT DISTINCT model FROM embeddings").fetchall():
        n += len(index_for(conn, model, re.sub(r"[^\w.-]+", "_", model)).keys)
    return n


def index_path(conn) -> Optional[Path]:
    row = conn.execute("PRAGMA database_list").fetchone()
    return Path(row[2] + ".usearch") if row and row[2] else None


_OPEN: Dict[tuple, VectorIndex] = {}
_GENERATION = [0]  # bumped by store_embedding: db.py keys embeddings by keyframe_id, so a replaced
# vector keeps its rowid


def index_for(conn, model_name: str, slug: str) -> VectorIndex:
    """The index for ``model_name``, kept open per process while the table's row count is unchanged."""
    path = index_path(conn)
    # max(rowid) is O(log n); count(*) would read every vector page (~200 MB at 100k) on each query
    count = conn.execute("SELECT max(rowid), ? FROM embeddings", (_GENERATION[0],)).fetchone()
    key = (str(path), model_name, tuple(count))
    if key not in _OPEN:
        keys, shots, mat = load_matrix(conn, model_name)
        if path is not None:
            path = path.with_name(path.name.replace(".usearch", f".{slug}.usearch"))
        _OPEN.clear()
        _OPEN[key] = VectorIndex(keys, shots, mat, path=path, stamp=repr(tuple(count)))
    return _OPEN[key]


def shot_similarities(conn, model, text: str) -> Dict[int, float]:
    """Cosine of ``text``'s embedding to each shot (best keyframe), via the index beside the db."""
    return index_for(conn, model.name, model.slug).shot_scores(model.embed_texts([text])[0])


def store_embedding(conn, keyframe_id: int, model_name: str, vec: np.ndarray) -> None:
    v = np.asarray(vec, np.float32).ravel()
    _GENERATION[0] += 1
    conn.execute("DELETE FROM embeddings WHERE keyframe_id = ? AND model = ?", (keyframe_id, model_name))
    conn.execute("INSERT INTO embeddings(keyframe_id, model, dim, vector) VALUES (?,?,?,?)",
                 (keyframe_id, model_name, int(v.size), v.tobytes()))
