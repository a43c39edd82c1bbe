"""Rank SHOTS in the library against a typed query, and say why each one matched.

Score of a shot = sum of independent signals, each in [0, 1] so no single one swamps the rest:
  spoken phrase found in the transcript inside the shot   1.0 per phrase (exact, so strongest)
  on-screen phrase found in the shot's OCR text           1.0 per phrase
  FTS5 bm25 over spoken/on-screen/descriptor text          b / (1 + b), b = -bm25 (words typed)
  descriptor words (colour, dark/bright, fast/still)       fraction of the wanted words the shot has
  semantic similarity (CLIP/SigLIP keyframe embeddings)    max(0, cosine), only when a model exists
Words, descriptors and semantic similarity each contribute their best 500-1000 candidate shots.
Quoted phrases are requirements: a shot without them is not returned. Works on the schema written by
library/db.py; ``lib`` is a Library (``.conn``) or a sqlite3 connection.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

from .query import MOTION_WORDS, Query, parse_query

SEMANTIC_HINT = ("semantic search needs a CLIP/SigLIP model in {where}; fetch it with "
                 "`hf download openai/clip-vit-base-patch32`")


@dataclass
class Hit:
    """One shot that matched: the file, the span (seconds), the score and the reasons."""

    path: str
    start: float
    end: float
    score: float
    reasons: List[str] = field(default_factory=list)
    shot_id: int = 0

    def to_json(self) -> dict:
        return asdict(self)


def clock(t: float) -> str:
    t = max(0.0, float(t))
    m, s = divmod(int(t), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"


def _conn(lib) -> sqlite3.Connection:
    for name in ("conn", "db", "connection"):
        c = getattr(lib, name, None)
        if isinstance(c, sqlite3.Connection):
            return c
    if isinstance(lib, sqlite3.Connection):
        return lib
    raise TypeError("search() needs a Library or a sqlite3 connection")


def _norm(text: str) -> List[str]:
    return re.findall(r"[\w']+", text.lower())


class _Acc:
    def __init__(self) -> None:
        self.score: Dict[int, float] = {}
        self.reasons: Dict[int, List[str]] = {}

    def add(self, shot_id: int, score: float, reason: str) -> None:
        self.score[shot_id] = self.score.get(shot_id, 0.0) + score
        self.reasons.setdefault(shot_id, []).append(reason)


def search(lib, query, *, limit: int = 20, semantic=None, notes: Optional[List[str]] = None) -> List[Hit]:
    """Best ``limit`` shots for ``query`` (str or Query). ``notes`` collects what is missing
    (e.g. the semantic-search hint). ``semantic``: optional fn(conn, Query) -> {shot_id: cosine}."""
    q = query if isinstance(query, Query) else parse_query(str(query))
    conn = _conn(lib)
    if notes is not None:
        notes.extend(n for n in q.notes if n not in notes)
        if q.translated_from:
            notes.append(f"searched for '{q.text}' (translated from '{q.translated_from}')")
    acc = _Acc()
    required: List[set] = []

    pending: Dict[int, List[str]] = {}  # shot -> spoken phrases whose time is looked up for the hits only
    # one phrase and nothing else to rank by: every shot saying it scores the same, so the first
    # ``limit`` are enough (a common word said in 28k of 100k shots: 200 ms -> a few ms)
    alone = len(q.spoken) + len(q.anywhere) + len(q.onscreen) == 1 and not q.words and not q.wanted_descriptors
    for phrase in q.spoken + q.anywhere:
        ids = set()
        for shot_id in _spoken_shots(conn, phrase, limit if alone else -1):
            acc.add(shot_id, 1.0, f"spoken: '{phrase}'")
            pending.setdefault(shot_id, []).append(phrase)
            ids.add(shot_id)
        if phrase in q.anywhere:
            for shot_id in _onscreen_phrase(conn, phrase):
                if shot_id not in ids:
                    acc.add(shot_id, 1.0, f"on-screen text: {phrase}")
                    ids.add(shot_id)
        required.append(ids)
    for phrase in q.onscreen:
        ids = set(_onscreen_phrase(conn, phrase))
        for shot_id in ids:
            acc.add(shot_id, 1.0, f"on-screen text: {phrase}")
        required.append(ids)

    if q.words:
        for shot_id, b in _fts(conn, q.words):
            acc.add(shot_id, b / (1.0 + b), f"words: {', '.join(q.words)} ({b:.2f})")

    wanted = q.wanted_descriptors
    if wanted:
        for shot_id, have in _descriptor_shots(conn, wanted):
            got = [w for w in wanted if w in have]
            for label, words in (("colour", [w for w in got if w not in MOTION_WORDS]),
                                 ("motion", [w for w in got if w in MOTION_WORDS])):
                if words:  # motion words (the indexer's still/slow/fast/pan) are not colours
                    acc.add(shot_id, len(words) / len(wanted), f"{label}: {', '.join(words)}")

    if q.words or wanted:
        sims = semantic(conn, q) if semantic is not None else _semantic(conn, q, notes)
        for shot_id, cos in (sims or {}).items():
            if cos > 0:
                acc.add(shot_id, float(cos), f"looks like: {cos:.2f}")

    ids = set(acc.score)
    for must in required:
        ids &= must
    ranked = sorted(ids, key=lambda i: (-acc.score[i], i))[:max(0, int(limit))]
    hits = _hits(conn, ranked, acc)
    if q.words and hits:
        _name_matched_words(conn, hits, q.words)
    for h in hits:
        for phrase in pending.get(h.shot_id, ()):
            t = _phrase_time(conn, h.shot_id, phrase)
            if t is not None:
                h.reasons = [f"spoken: '{phrase}' at {clock(t)}" if r == f"spoken: '{phrase}'" else r
                             for r in h.reasons]
    return hits


def _name_matched_words(conn, hits: List[Hit], words: List[str]) -> None:
    """A hit's "words:" reason names the query words its text really has (it listed every query
    word, so a scene's 'why it matched' named words the shot never says): one FTS query a word,
    over the returned hits only."""
    ids = [h.shot_id for h in hits]
    marks = ",".join("?" * len(ids))
    have: Dict[int, List[str]] = {}
    for w in words:
        try:
            rows = conn.execute(f"SELECT shot_id FROM shot_text WHERE shot_text MATCH ? AND shot_id IN ({marks})",
                                ['"' + w.replace('"', "") + '"', *ids]).fetchall()
        except sqlite3.OperationalError:
            return
        for (i,) in rows:
            have.setdefault(int(i), []).append(w)
    for h in hits:
        got = have.get(h.shot_id)
        h.reasons = [(f"words: {', '.join(got)} {r[r.rindex('('):]}" if got else r) if r.startswith("words: ") else r
                     for r in h.reasons]


def _hits(conn, ids: List[int], acc: _Acc) -> List[Hit]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT s.id, f.path, s.start, s.end FROM shots s JOIN files f ON f.id = s.file_id "
                        f"WHERE s.id IN ({marks})", ids).fetchall()
    by_id = {r[0]: r for r in rows}
    return [Hit(path=by_id[i][1], start=float(by_id[i][2]), end=float(by_id[i][3]),
                score=round(acc.score[i], 4), reasons=acc.reasons[i], shot_id=int(i))
            for i in ids if i in by_id]


def _spoken_shots(conn, phrase: str, limit: int = -1) -> List[int]:
    """Shots whose transcript says the phrase's words in a row (FTS5 phrase query on the spoken
    column); the first ``limit`` in index order (-1: all)."""
    want = _norm(phrase)
    if not want:
        return []
    try:
        rows = conn.execute("SELECT shot_id FROM shot_text WHERE shot_text MATCH ? LIMIT ?",
                            ('spoken : "' + " ".join(want).replace('"', "") + '"', int(limit))).fetchall()
    except sqlite3.OperationalError:
        return []
    return [int(r[0]) for r in rows]


def _phrase_time(conn, shot_id: int, phrase: str) -> Optional[float]:
    """When the phrase starts inside the shot (its words in a row in the words table)."""
    want = _norm(phrase)
    shot = conn.execute("SELECT file_id, start, end FROM shots WHERE id = ?", (shot_id,)).fetchone()
    if not want or shot is None:
        return None
    rows = conn.execute("SELECT start, text FROM words WHERE file_id = ? AND start >= ? AND start < ? ORDER BY start",
                        shot).fetchall()
    toks = [(t, w) for t, text in rows for w in _norm(text)]
    for i in range(len(toks) - len(want) + 1):
        if [w for _, w in toks[i:i + len(want)]] == want:
            return float(toks[i][0])
    return None


def _onscreen_phrase(conn, phrase: str) -> List[int]:
    rows = conn.execute("SELECT DISTINCT shot_id FROM ocr WHERE lower(text) LIKE ?",
                        (f"%{phrase.lower()}%",)).fetchall()
    return [r[0] for r in rows]


def _fts(conn, words: List[str]) -> List[tuple]:
    expr = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
    try:
        rows = conn.execute("SELECT shot_id, bm25(shot_text) FROM shot_text WHERE shot_text MATCH ? "
                            "ORDER BY bm25(shot_text) LIMIT 500", (expr,)).fetchall()
    except sqlite3.OperationalError:
        return []
    return [(int(r[0]), max(0.0, -float(r[1]))) for r in rows]


def _descriptor_shots(conn, wanted: List[str], limit: int = 1000) -> List[tuple]:
    """The ``limit`` shots having most of the wanted descriptor words (ties: lowest id first).

    Common case first: when at least ``limit`` shots have every wanted word, FTS5's AND query (rowid
    order, stops at the limit) finds them in a few ms; otherwise one scan counts the words per shot
    (instr: cheaper than LIKE), ~70 ms at 100k shots."""
    expr = " AND ".join('descr : "' + w.replace('"', "") + '"' for w in wanted)
    try:
        ids = [r[0] for r in conn.execute("SELECT shot_id FROM shot_text WHERE shot_text MATCH ? LIMIT ?",
                                          (expr, limit))]
    except sqlite3.OperationalError:
        ids = []
    if len(ids) >= limit:
        marks = ",".join("?" * len(ids))
        have = dict(conn.execute(f"SELECT id, colour_words FROM shots WHERE id IN ({marks})", ids).fetchall())
        return [(i, set((have.get(i) or "").split())) for i in sorted(ids)]
    count = " + ".join("(instr(' ' || colour_words || ' ', ?) > 0)" for _ in wanted)
    rows = conn.execute(f"SELECT id, colour_words, {count} AS n FROM shots WHERE n > 0 ORDER BY n DESC, id LIMIT ?",
                        [f" {w} " for w in wanted] + [limit]).fetchall()
    return [(r[0], set((r[1] or "").split())) for r in rows]


def _semantic(conn, q: Query, notes: Optional[List[str]]) -> Dict[int, float]:
    """Cosine between the query's text embedding and each shot's keyframes, when a model is present."""
    try:
        from . import embed
        model = embed.find_model()
    except Exception as exc:  # no embed module / no model: words, text and descriptors still work
        if notes is not None:
            where = getattr(exc, "where", "the Hugging Face cache (HF_HOME) and T2V_CLIP_MODEL")
            notes.append(SEMANTIC_HINT.format(where=where))
        return {}
    from . import vectors
    return vectors.shot_similarities(conn, model, q.text)
