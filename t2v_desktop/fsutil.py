"""Atomic file writes: write a temp file beside the target, fsync, rename into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import EncodeError


def temp_path_for(target: Path, suffix: str | None = None) -> Path:
    """A fresh temp path in the target's folder (same filesystem, so rename is atomic)."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=(suffix if suffix is not None else target.suffix) + ".part",
        dir=str(target.parent),
    )
    os.close(fd)
    # mkstemp makes 0600 files; give the final file the usual permissions (0666 minus umask).
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return Path(tmp)


def check_writable_dir(target: Path) -> None:
    parent = Path(target).resolve().parent
    if not parent.is_dir():
        raise EncodeError(f"Cannot write {target}: folder {parent} does not exist.")
    if not os.access(parent, os.W_OK):
        raise EncodeError(f"Cannot write {target}: folder {parent} is not writable.")


def atomic_write_bytes(target: Path, data: bytes) -> None:
    target = Path(target)
    check_writable_dir(target)
    tmp = temp_path_for(target)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise EncodeError(f"Could not write {target}: {e.strerror or e}.") from None


def atomic_write_text(target: Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))
