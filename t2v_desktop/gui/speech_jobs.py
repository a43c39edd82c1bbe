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


# -- typed speech commands ("remove the silences", "find where she says ...") ---------------------

def _speech_steps(win, text: str) -> list:
    from ..commands import parse
    from ..commands.cut_commands import speech_steps
    from ..errors import T2VError

    try:
        return speech_steps(parse(text, win._parse_context()))
    except T2VError:
        return []  # apply_command shows the error as for any command


def analysis_job(project: Project, steps) -> Job:
    """A Job computing what the speech steps need for every main-track clip into the content caches
    (commands.cut_commands.analyse): the command then resolves at once on the GUI thread."""
    import copy

    from ..commands.cut_commands import analyse

    snapshot = copy.deepcopy(project)
    return Job("Analyse speech", lambda progress, cancel: analyse(snapshot, steps, progress=progress, cancel=cancel))


def run_as_job(win, text: str) -> bool:
    """For a command that cuts or finds by speech: analyse the sound in the background (progress
    and cancel in Jobs), then apply the command (cached analysis: instant). True: the job decides."""
    if getattr(win, "_speech_ready", None) == text:
        win._speech_ready = None
        return False
    steps = _speech_steps(win, text)
    if not steps or not win.project.main_track.clips:
        return False
    from .command_jobs import start_then_apply

    start_then_apply(win, text, analysis_job(win.project, steps), slot="speech_job", ready="_speech_ready",
                     cancelled="Speech analysis cancelled: nothing was cut.",
                     status=f"Listening to the sound for '{text}' (see Jobs; cancel there)...")
    return True


def after_command(win, plan) -> None:
    """'find where she says ...': the playhead jumps to the first place (all are in the plan's text).
    A speech cut: the transcript panel's words follow it (re-mapped, not re-recognised), when the
    panel matched the programme before and the command did nothing else."""
    from ..commands.cut_commands import FindSpeech, speech_steps

    steps = list(getattr(plan, "steps", ()))
    for step in steps:
        hits = getattr(step, "hits", None)
        if isinstance(step, FindSpeech) and hits:
            win.preview.seek(hits[0].start)
            win.statusBar().showMessage(step.reason, 15000)
    spans = [sp for step in steps for sp in getattr(step, "spans", ())]
    panel = getattr(win, "transcript_panel", None)
    stack = getattr(panel, "undo_stack", None)
    if not spans or stack is None or len(speech_steps(plan)) != len(steps):
        return
    index = stack.index()
    before = panel._at_index.get(index - 1)
    if before is None or before is not panel.transcript:
        return
    tr = before
    for s, e in sorted(spans, reverse=True):  # latest first: earlier spans keep their times
        tr = cut_remap(tr, s, e)
    panel.set_transcript(tr)
    panel._at_index[index] = tr
