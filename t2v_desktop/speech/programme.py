"""The programme's speech: each main-track clip's source words (or speech spans) placed on
programme time, frame-exactly through the clip's ops (cuts, speed, reverse, freeze).

Why here and not in the GUI: the transcript panel, the typed commands ("remove the filler words",
"cut the part where I say ...") and the CLI all need the same mapping. Source second -> the output
frames that show it, so a speed change shortens the words with the clip and a cut drops them; after a
cut the words are re-mapped (``cut_remap``), never re-recognised. Nothing here decodes pictures: the
clip's op chain is only built (probes and time maps).
"""

from __future__ import annotations

import bisect
from typing import Callable, List, Optional, Sequence, Tuple

from ..engine.layout import TimelineLayout
from ..errors import ProjectError
from ..jobs import CancelToken
from ..project.model import Project
from .transcript import Transcript, Word

#: transcribe(path, *, progress=..., cancel=...) -> Transcript  (speech.asr.transcribe by default)
TranscribeFn = Callable[..., Transcript]


def _default_transcribe(path, **kw) -> Transcript:
    from .asr import transcribe  # lazy: importing this module loads no recogniser

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


def shown_runs(spans: Sequence[Tuple[float, float]], src_in: float, frames: List[int], fps: float
               ) -> List[Tuple[int, int]]:
    """Source-time spans -> every run [j0, j1) of the clip's output frames that shows a source
    frame touching one of them (unlike ``_place``, a span split by a cut keeps all its runs)."""
    import numpy as np

    if not frames:
        return []
    src = np.asarray(frames, np.int64)
    n_src = int(src.max()) + 1
    mark = np.zeros(n_src + 1, np.int32)
    for s, e in spans:
        a = max(0, int(np.floor((s - src_in) * fps + 1e-6)))
        b = min(n_src, int(np.ceil((e - src_in) * fps - 1e-6)))
        if b > a:
            mark[a] += 1
            mark[b] -= 1
    on = (np.cumsum(mark)[:n_src] > 0)[src]
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2], strict=True)]


def main_clip_spans(project: Project, layout: Optional[TimelineLayout] = None):
    """(clip, programme start, programme end) of each main-track clip that has a media file."""
    layout = layout or TimelineLayout(project)
    out = []
    for cid, c0, c1 in layout.clip_spans():
        clip = project.find_clip(cid)
        if getattr(clip, "path", None):
            out.append((clip, c0, c1))
    return out


def programme_transcript(project: Project, transcribe: Optional[TranscribeFn] = None, *,
                         progress=None, cancel: Optional[CancelToken] = None) -> Transcript:
    """The words of every clip on the main track, in programme seconds (in timeline order)."""
    transcribe = transcribe or _default_transcribe
    layout = TimelineLayout(project)
    spans = main_clip_spans(project, layout)
    if not spans:
        raise ProjectError("There is no clip with sound on the main track to transcribe. Add a video first.")
    words: List[Word] = []
    backend, language = "", "en"
    n = len(spans)
    fps = float(layout.fps)
    for k, (clip, c0, c1) in enumerate(spans):
        if cancel is not None:
            cancel.raise_if_cancelled()

        def sub(done, total, message="", _k=k):
            if progress is not None:
                frac = (done / total) if total else 0.0
                progress(_k + frac, n, message or f"Transcribing clip {_k + 1} of {n}")

        tr = transcribe(clip.path, progress=sub, cancel=cancel)
        backend, language = tr.backend or backend, tr.language or language
        src_in = float(clip.in_point)
        src_out = src_in + layout.clip_duration(clip.id, upto_op=0)  # the source span before the clip's ops
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
