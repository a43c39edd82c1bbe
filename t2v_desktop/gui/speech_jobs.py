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


def source_frames(clip, fps, sample_rate: int) -> List[int]:
    """For each output frame of ``clip`` (after its ops), the source frame it shows, counted from
    the clip's in point: composed through every timing op's TimeMap (cuts, speed, reverse, freeze).
    Cheap: the chain is only built (probes and maps), nothing is decoded."""
    from ..engine.stages import build_chain

    out, _inputs = build_chain(clip, fps, sample_rate, 2)
    try:
        frames = list(range(out.frame_count))
        stage = out
        while getattr(stage, "prev", None) is not None:
            m = getattr(stage, "map", None)
            if m is not None:
                frames = [m.input_frame(j) for j in frames]
            elif stage.prev.frame_count != stage.frame_count and stage.frame_count > 0:
                r = stage.prev.frame_count / stage.frame_count
                frames = [min(int(j * r), stage.prev.frame_count - 1) for j in frames]
            stage = stage.prev
        return frames
    finally:
        out.close()


def _place(words, src_in: float, frames: List[int], fps: float, c0: float, c1: float) -> List[Word]:
    """Source-time words -> programme words: each word spans the output frames that show its
    source frames (a word wholly cut is dropped; a partly cut one keeps its first shown run)."""
    import bisect

    order = sorted(range(len(frames)), key=lambda j: frames[j])
    keys = [frames[j] for j in order]
    out: List[Word] = []
    for w in words:
        a = int(round((w.start - src_in) * fps))
        b = max(a + 1, int(round((w.end - src_in) * fps)))
        lo, hi = bisect.bisect_left(keys, a), bisect.bisect_left(keys, b)
        shown = sorted(order[lo:hi])
        if not shown:
            continue
        first = last = shown[0]
        for j in shown[1:]:
            if j != last + 1:
                break
            last = j
        s, e = c0 + first / fps, min(c0 + (last + 1) / fps, c1)
        if e > s:
            out.append(Word(w.text, s, e, w.confidence))
    return out


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
    fps = float(layout.fps)
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
        src_out = src_in + layout.clip_duration(cid, upto_op=0)  # the source span before the clip's ops
        frames = source_frames(clip, layout.fps, layout.sample_rate)
        words.extend(_place(tr.between(src_in, src_out).words, src_in, frames, fps, c0, c1))
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
