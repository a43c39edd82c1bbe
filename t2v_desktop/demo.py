"""The default demo clip the app opens with when no file is given.

Not shipped as a binary: generated once with ``media.synth.make_demo_clip`` into the cache folder
(a fraction of a second), atomically, so two processes starting at once never see half a file.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from . import paths

#: Bump when make_demo_clip changes so an old cached copy is not reused.
DEMO_VERSION = 1


def demo_clip_path(create: bool = True) -> Path:
    """Path of the demo clip, generating it first if missing (unless ``create`` is False)."""
    target = paths.cache_dir() / "demo" / f"demo-v{DEMO_VERSION}.mp4"
    if create and not target.exists():
        _generate(target)
    return target


def _generate(target: Path) -> None:
    from .errors import EncodeError
    from .media.synth import make_demo_clip

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise EncodeError(f"Cannot create the demo clip in {target.parent}: {e.strerror or e}. "
                          "Set T2V_CACHE_DIR to a writable folder.") from None
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}{target.suffix}")
    try:
        make_demo_clip(tmp)
        os.replace(tmp, target)
    except OSError as e:
        raise EncodeError(f"Cannot write the demo clip {target}: {e.strerror or e}. "
                          "Set T2V_CACHE_DIR to a writable folder.") from None
    finally:
        tmp.unlink(missing_ok=True)
