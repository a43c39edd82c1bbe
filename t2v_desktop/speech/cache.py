"""The transcript cache: a transcript is computed once per audio content and backend settings.

Keyed by the file's identity (path, size, mtime) and everything that changes the words (backend,
model, language, the script for an alignment, the format version); stored as JSON next to the
engine's other analyses (engine.cache), so clearing the cache folder clears transcripts too.
"""

from __future__ import annotations

from typing import Any, Callable

from ..engine.cache import cached_analysis, content_key, source_identity
from .transcript import Transcript

#: Bump when recognition or the JSON changes so that old transcripts are recomputed.
VERSION = 1


def transcript_key(path, kind: str, **params: Any) -> str:
    return content_key("transcript", VERSION, kind, source_identity(str(path)), params)


def cached_transcript(path, kind: str, compute: Callable[[], Transcript], **params: Any) -> Transcript:
    """``compute()``'s transcript for ``path``, or the stored one for the same content and params.

    A cancelled or failed computation stores nothing."""
    key = transcript_key(path, kind, **params)
    return Transcript.from_json(cached_analysis(key, lambda: compute().to_json()))
