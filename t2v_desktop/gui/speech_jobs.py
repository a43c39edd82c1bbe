"""Transcribing the programme in the background: each main-track clip's source span is
transcribed (content-cached by speech.asr) and its words are placed on programme time.

Why programme time: the transcript panel seeks, highlights and cuts in the timeline's time, so the
words are mapped once here (source second -> clip start + offset scaled by the clip's timing, so a
speed change shortens the words with the clip) and re-mapped after a cut, never re-recognised.
"""

from __future__ import annotations

from typing import Callable, List, Optional

from ..engine.layout import TimelineLayout
from ..errors import ProjectError
from ..jobs import CancelToken
from ..project.model import Project
from ..speech.transcript import Transcript, Word
from .workers import Job

#: transcribe(path, *, progress=..., cancel=...) -> Transcript  (speech.asr.transcribe by default)
TranscribeFn = Callable[..., Transcript]


def _default_transcribe(path, **kw) -> Transcript:
    from ..speech.asr import transcribe  # lazy: the editor starts without the speech stack loaded

    return transcribe(path, **kw)


def programme_transcript(project: Project, transcribe: Optional[TranscribeFn] = None, *,
                         progress=None, cancel: Optional[CancelToken] = None) -> Transcript:
    """The words of every clip on the main track, in programme seconds (in timeline order)."""
    transcribe = transcribe or _default_transcribe
    layout = TimelineLayout(project)
    spans = [(cid, c0, c1) for cid, c0, c1 in layout.clip_spans() if project.find_clip(cid).path]
    if not spans:
        raise ProjectError("There is no clip with sound on the main track to transcribe. Add a video first.")
    words: List[Word] = []
    backend, language = "", "en"
    n = len(spans)
    for k, (cid, c0, c1) in enumerate(spans):
        if cancel is not None:
            cancel.raise_if_cancelled()
        clip = project.find_clip(cid)

        def sub(done, total, message="", _k=k):
            if progress is not None:
                frac = (done / total) if total else 0.0
                progress(_k + frac, n, message or f"Transcribing clip {_k + 1} of {n}")

        tr = transcribe(clip.path, progress=sub, cancel=cancel)
        backend, language = tr.backend or backend, tr.language or language
        src_in = float(clip.in_point)
        raw = layout.clip_duration(cid, upto_op=0)  # the source span before the clip's ops
        src_out = src_in + raw
        ratio = layout.clip_duration(cid) / raw if raw > 0 else 1.0  # a speed op scales the words
        for w in tr.between(src_in, src_out).words:
            s = c0 + (max(w.start, src_in) - src_in) * ratio
            e = c0 + (min(w.end, src_out) - src_in) * ratio
            if e > s and s < c1:
                words.append(Word(w.text, s, min(e, c1), w.confidence))
        if progress is not None:
            progress(k + 1, n, f"Transcribed clip {k + 1} of {n}")
    return Transcript(tuple(words), language, backend, layout.track_end(project.main_track))


def cut_remap(tr: Transcript, start: float, end: float) -> Transcript:
    """The transcript after [start, end) was cut from the programme: words inside it gone, later
    words earlier by its length."""
    d = end - start
    out = []
    for w in tr.words:
        if w.end <= start + 1e-6:
            out.append(w)
        elif w.start >= end - 1e-6:
            out.append(Word(w.text, w.start - d, w.end - d, w.confidence))
    return Transcript(tuple(out), tr.language, tr.backend, max(0.0, tr.duration - d))


def transcription_job(project: Project, transcribe: Optional[TranscribeFn] = None) -> Job:
    """A Job (gui/workers.py) transcribing the programme as it is now (a copy: edits meanwhile are safe)."""
    import copy

    snapshot = copy.deepcopy(project)
    return Job("Transcribe", lambda progress, cancel: programme_transcript(snapshot, transcribe,
                                                                           progress=progress, cancel=cancel))
