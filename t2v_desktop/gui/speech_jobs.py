"""Transcribing the programme in the background: the Job wrapper (gui/workers.py) around
speech.programme.programme_transcript, which maps each main-track clip's words onto programme time
(core, no Qt, so typed commands and the CLI use the same mapping).
"""

from __future__ import annotations

from typing import Optional

from ..project.model import Project
from ..speech.programme import (  # noqa: F401 - re-exported: the panel and older callers import them here
    TranscribeFn,
    cut_remap,
    programme_transcript,
    source_frames,
)
from .workers import Job


def transcription_job(project: Project, transcribe: Optional[TranscribeFn] = None) -> Job:
    """A Job (gui/workers.py) transcribing the programme as it is now (a copy: edits meanwhile are safe)."""
    import copy

    snapshot = copy.deepcopy(project)
    return Job("Transcribe", lambda progress, cancel: programme_transcript(snapshot, transcribe,
                                                                           progress=progress, cancel=cancel))
