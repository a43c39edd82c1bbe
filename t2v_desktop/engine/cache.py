"""Content keys and the analysis cache of the render engine.

A stage's key hashes what its output depends on (source identity, in/out, fps, preview scale, the
ops so far), so cached work is reused while upstream is unchanged and never served stale when it
changes. Analyses (TEMPORAL motion, loudness) live in memory and as JSON files under
``paths.cache_dir()/analysis`` (env T2V_CACHE_DIR moves it); no pickle.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Optional

from ..keyframes import Keyframes

log = logging.getLogger(__name__)


def content_key(*parts: Any) -> str:
    """A stable hex digest of JSON-able parts."""
    blob = json.dumps(parts, sort_keys=True, default=_json_default, separators=(",", ":"))
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()


def source_identity(path: str) -> list:
    """(absolute path, size, mtime_ns): a changed file gets a new key."""
    st = os.stat(path)
    return [os.path.abspath(path), st.st_size, st.st_mtime_ns]


def _json_default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, (tuple, set)):
        return list(o)
    if hasattr(o, "numerator") and hasattr(o, "denominator"):
        return [o.numerator, o.denominator]
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, Keyframes):  # an animated op param: its keys are content
        return o.to_json()
    raise TypeError(f"not JSON-serialisable: {type(o).__name__}")


def to_plain_json(obj: Any) -> Any:
    """Round-trip through JSON, so a fresh analysis and a cached one look exactly alike."""
    return json.loads(json.dumps(obj, default=_json_default))


class LRU:
    """A small thread-safe in-memory cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._d: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key]
        return None

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


_ANALYSES = LRU(64)


def analysis_dir() -> Path:
    from ..paths import cache_dir

    return cache_dir() / "analysis"


def cached_analysis(key: str, compute: Callable[[], dict], *, disk: bool = True) -> dict:
    """The analysis for ``key``: from memory, else from disk, else ``compute()`` (then stored).

    A cache that cannot be written is only logged: the result is still used for this session.
    """
    hit = _ANALYSES.get(key)
    if hit is not None:
        return hit
    with _key_lock(key):  # a second renderer (preview vs. a prepare job) waits instead of redoing it
        return _cached_analysis_locked(key, compute, disk)


_LOCKS: "dict[str, threading.Lock]" = {}
_LOCKS_GUARD = threading.Lock()


def _key_lock(key: str) -> threading.Lock:
    with _LOCKS_GUARD:
        if len(_LOCKS) > 256:
            for k in [k for k, v in _LOCKS.items() if not v.locked()]:
                del _LOCKS[k]
        return _LOCKS.setdefault(key, threading.Lock())


def _cached_analysis_locked(key: str, compute: Callable[[], dict], disk: bool) -> dict:
    hit = _ANALYSES.get(key)
    if hit is not None:
        return hit
    path: Optional[Path] = analysis_dir() / f"{key}.json" if disk else None
    if path is not None and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("key") == key and isinstance(data.get("analysis"), dict):
                _ANALYSES.put(key, data["analysis"])
                return data["analysis"]
        except (OSError, ValueError):
            log.warning("ignoring unreadable analysis cache %s", path)
    result = to_plain_json(compute())
    if not isinstance(result, dict):
        raise TypeError("an analysis must be a dict")
    _ANALYSES.put(key, result)
    if path is not None:
        try:
            from ..fsutil import atomic_write_text

            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps({"key": key, "analysis": result}))
        except Exception as e:  # noqa: BLE001 - a cache is optional
            log.warning("could not write analysis cache %s: %s", path, e)
    return result


def clear_memory_caches() -> None:
    """Forget in-memory analyses (tests; the disk cache stays)."""
    _ANALYSES.clear()
