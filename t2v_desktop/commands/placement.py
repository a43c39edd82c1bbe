"""Where the playhead is in a command's context, and where a clip inserted there goes on the main
track: before the clip the playhead is at the start of, or after the clip under it, which is split
there (an insert edit). Shared by the area commands (library shots, generated clips, markers,
voice-over)."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple


def playhead_of(context: Any) -> Optional[float]:
    """The playhead (seconds) in a parse context (a dict or an object), None when absent or invalid."""
    if context is None:
        return None
    p = context.get("playhead") if isinstance(context, dict) else getattr(context, "playhead", None)
    return float(p) if isinstance(p, (int, float)) and not isinstance(p, bool) and p >= 0 else None


def insert_at_playhead(spans: Sequence[tuple], playhead: float, tol: float) -> Tuple[list, int, str]:
    """(history commands, main-track index, note) for ``spans`` ((clip id, start, end) in order):
    the SplitClip when the playhead is inside a clip (more than ``tol`` from its edges) and the
    note " (clip N split there)"; the index is the end when the playhead is past every clip."""
    from ..project.history import SplitClip

    cmds: List = []
    for k, (cid, a, b) in enumerate(spans):
        if playhead <= a + tol:
            return cmds, k, ""
        if playhead < b - tol:  # inside a clip: an insert edit splits it at the playhead
            cmds.append(SplitClip(playhead, clip_id=cid))
            return cmds, k + 1, f" (clip {k + 1} split there)"
    return cmds, len(spans), ""
