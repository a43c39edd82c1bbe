"""On-disk cache of rendered generative results, so undo/redo and re-export never re-render.

Key: SHA-256 of the canonical JSON of (source key, range, op params, model id + file fingerprint, seed,
consistency settings, frame count and size, cache version). Value: an .npz of uint8 frames
(no pickle) plus a small .json with what produced it. Writes go to a temp file renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from ..fsutil import temp_path_for

CACHE_VERSION = 2


def cache_root() -> Path:
    """``$T2V_CACHE_DIR/diffusion`` or ``user_cache_dir("t2v-desktop")/diffusion``."""
    from ..paths import cache_dir

    return cache_dir() / "diffusion"


def make_key(**parts) -> str:
    blob = json.dumps({"v": CACHE_VERSION, **parts}, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


class ResultCache:
    def __init__(self, root: Optional[Path] = None, max_bytes: Optional[int] = None):
        self.root = Path(root) if root is not None else cache_root()
        gb = float(os.environ.get("T2V_DIFFUSION_CACHE_GB", "20"))
        self.max_bytes = max_bytes if max_bytes is not None else int(gb * 1e9)

    def _paths(self, key: str) -> tuple[Path, Path]:
        d = self.root / key[:2]
        return d / f"{key}.npz", d / f"{key}.json"

    def get(self, key: str, expect_frames: Optional[int] = None) -> Optional[list[np.ndarray]]:
        npz, _meta = self._paths(key)
        if not npz.is_file():
            return None
        try:
            with np.load(npz, allow_pickle=False) as data:
                names = sorted(data.files)
                if expect_frames is not None and len(names) != expect_frames:
                    return None
                frames = [data[k] for k in names]
        except (OSError, ValueError, KeyError, EOFError):
            npz.unlink(missing_ok=True)  # corrupt entry: drop it and render again
            return None
        if not frames or any(f.dtype != np.uint8 or f.ndim != 3 for f in frames):
            return None
        os.utime(npz)  # LRU by mtime
        return frames

    def put(self, key: str, frames: Sequence[np.ndarray], meta: Optional[dict] = None) -> Path:
        npz, meta_path = self._paths(key)
        npz.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path_for(npz, suffix=".npz")
        try:
            with open(tmp, "wb") as f:
                # one array per frame: no second full copy of the clip in memory
                np.savez_compressed(f, **{f"f{i:06d}": np.asarray(x, np.uint8) for i, x in enumerate(frames)})
            os.replace(tmp, npz)
        finally:
            tmp.unlink(missing_ok=True)
        info = {"key": key, "created": time.time(), "frames": len(frames), **(meta or {})}
        meta_path.write_text(json.dumps(info, indent=1, default=str))
        self.prune()
        return npz

    def prune(self) -> None:
        """Drop least recently used entries beyond ``max_bytes``."""
        entries = [(p.stat().st_mtime, p.stat().st_size, p) for p in self.root.glob("*/*.npz")]
        total = sum(e[1] for e in entries)
        for _mtime, size, p in sorted(entries):
            if total <= self.max_bytes:
                break
            p.unlink(missing_ok=True)
            p.with_suffix(".json").unlink(missing_ok=True)
            total -= size
