"""The operation library. Importing a module below registers its operations."""

from __future__ import annotations

import importlib

from .registry import (  # noqa: F401
    AudioContext,
    FrameContext,
    GenerativeContext,
    OperationSpec,
    OpKind,
    Segment,
    StreamInfo,
    aliases,
    all_ops,
    find_op,
    get_op,
    operation,
)

#: Modules that register operations. Order does not matter.
OP_MODULES = (
    "color",
    "looks",
    "geometry",
    "filters",
    "timing",
    "audio",
    "stabilize",
    "generative",
)

_loaded = False


def load_all() -> None:
    """Import every op module once (cheap: none of them imports torch at module level)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in OP_MODULES:
        importlib.import_module(f"{__name__}.{mod}")
