"""Editing by speech: which programme spans to cut (silences, filler words, a said phrase), where a
phrase is said, and the one undoable command that cuts spans from the main track.

Everything is on programme time and goes through each clip's ops (speech.programme): a clip already
sped up or cut is measured where it now plays. A cut is a "cut" op on the clip (what a typed
"cut 0:02 to 0:04" and the transcript panel add), made in descending time so each range is on the
clip's timeline as it is at that point of its stack. Word cuts get short audio fades either side
of the join (a cut inside sound would click); silence cuts join padding to padding, both quiet, so
they need none (tests measure the step at each join).

The filler list lives here, in one place: ``FILLER_WORDS`` are always fillers; ``PAUSED_FILLERS``
("you know", "like") are ordinary words too, so they count only when set off by a pause.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import List, Optional, Sequence, Tuple

from ..engine.layout import TimelineLayout
from ..errors import MediaError, ParamError, ProjectError
from ..jobs import CancelToken, ProgressFn, check, no_progress
from ..project.checks import MAX_OPS_PER_CLIP
from ..project.history import AddOp, Compound, RemoveClip
from ..project.model import AppliedOp, Project
from .programme import main_clip_spans, shown_runs, source_frames
from .transcript import Transcript, Word
from .vad import VadSettings, detect_speech

Span = Tuple[float, float]

#: Words that are fillers wherever they are said.
FILLER_WORDS: Tuple[str, ...] = ("um", "uh", "erm", "er", "ah", "hmm", "mm", "uhm")
#: Fillers that are also ordinary words: cut only when a pause of ``FILLER_PAUSE`` s sets them off.
PAUSED_FILLERS: Tuple[str, ...] = ("you know", "like", "i mean")
FILLER_PAUSE = 0.15
#: Silence kept each side of a cut pause (s).
PADDING = 0.1
#: Audio fade either side of a join inside sound (s; the fade ops' shortest).
JOIN_FADE = 0.05
#: A phrase hit needs at least this similarity (0..1) to what was said.
PHRASE_CUTOFF = 0.75


def fmt(t: float) -> str:
    m, s = divmod(max(t, 0.0), 60)
    return f"{int(m)}:{s:05.2f}"


# -- silences --------------------------------------------------------------------------------------

@dataclass
class ClipSpeech:
    """One main-track clip's speech in its output frames (after its ops)."""

    clip_id: str
    label: str
    c0: float  # programme start (s)
    frames: int  # output frames
    speech: List[Tuple[int, int]]  # [j0, j1) output-frame runs with speech


def programme_speech(project: Project, *, backend: str = "energy", settings: Optional[VadSettings] = None,
                     progress: ProgressFn = no_progress, cancel: Optional[CancelToken] = None
                     ) -> Tuple[List[ClipSpeech], List[str]]:
    """The speech of each main-track clip with sound, on its output frames; notes on clips left out.
    MediaError when no clip on the main track has sound."""
    layout = TimelineLayout(project)
    fps = float(layout.fps)
    spans = main_clip_spans(project, layout)
    out: List[ClipSpeech] = []
    notes: List[str] = []
    for k, (clip, c0, c1) in enumerate(spans):
        check(cancel)

        def sub(done, total, message="", _k=k):
            progress(_k + (done / total if total else 0.0), len(spans), message or "Finding speech")

        try:
            found = detect_speech(clip.path, backend=backend, settings=settings, progress=sub, cancel=cancel)
        except MediaError:
            notes.append(f"'{clip.label[:40]}' has no sound; left as it is.")
            continue
        frames = source_frames(clip, layout.fps, layout.sample_rate)
        runs = shown_runs(found.spans, float(clip.in_point), frames, fps)
        out.append(ClipSpeech(clip.id, clip.label, c0, int(round((c1 - c0) * fps)), runs))
    if not out:
        raise MediaError("No clip on the main track has sound, so there are no silences to find. "
                         "Add a video or recording with sound first.")
    return out, notes


def silence_spans(speech: Sequence[ClipSpeech], fps: float, *, min_pause: float = 0.0,
                  padding: float = PADDING) -> List[Span]:
    """Programme spans to cut: each silence at least ``min_pause`` long, less ``padding`` on every
    side that touches speech (a clip's own start and end need none). A clip with no speech at all
    is cut whole."""
    pad = int(math.ceil(padding * fps - 1e-6))
    cuts: List[Span] = []
    for cs in speech:
        at = 0
        gaps = []
        for a, b in cs.speech:
            if a > at:
                gaps.append((at, a))
            at = max(at, b)
        if cs.frames > at:
            gaps.append((at, cs.frames))
        for a, b in gaps:
            if (b - a) / fps < min_pause - 1e-9:
                continue
            lo = a + (pad if a > 0 else 0)
            hi = b - (pad if b < cs.frames else 0)
            if hi > lo:
                cuts.append((cs.c0 + lo / fps, cs.c0 + hi / fps))
    return cuts


def programme_spans(speech: Sequence[ClipSpeech], fps: float) -> List[Span]:
    """All the speech on programme seconds, in order."""
    return [(cs.c0 + a / fps, cs.c0 + b / fps) for cs in speech for a, b in cs.speech]


def tighten(span: Span, speech: Sequence[Span]) -> Span:
    """``span`` without the silence at its edges: a recogniser's or an alignment's word often starts in
    the pause before it (measured: up to 0.4 s on espeak-ng after a pause), or in the tail of the word
    before; the sound never does."""
    s, e = span
    # the sound runs that belong to it: mostly inside it, or holding most of it (a neighbour's tail is not)
    inside = [(a, b) for a, b in speech
              if min(b, e) - max(a, s) >= 0.5 * min(b - a, e - s) and min(b, e) > max(a, s)]
    if not inside:
        return span
    return max(s, inside[0][0]), min(e, inside[-1][1])


# -- words ----------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\w']+")


def norm(text: str) -> str:
    return " ".join(t for t in _TOKEN.split(text.lower().replace("’", "'")) if t)


def filler_spans(tr: Transcript, fillers: Sequence[str] = FILLER_WORDS,
                 paused: Sequence[str] = PAUSED_FILLERS, pause: float = FILLER_PAUSE) -> List[Tuple[Span, str]]:
    """((start, end), text) of each filler in the transcript: a word of ``fillers`` anywhere, a word
    or phrase of ``paused`` only with a pause of ``pause`` s before or after it."""
    words = tr.words
    toks = [norm(w.text) for w in words]
    always = {norm(f) for f in fillers}
    phrases = sorted({tuple(norm(p).split()) for p in paused if norm(p)}, key=len, reverse=True)
    out: List[Tuple[Span, str]] = []
    i = 0
    while i < len(words):
        if toks[i] in always:
            out.append(((words[i].start, words[i].end), words[i].text))
            i += 1
            continue
        hit = 0
        for p in phrases:
            n = len(p)
            if tuple(toks[i:i + n]) == p:
                before = words[i].start - (words[i - 1].end if i > 0 else 0.0)
                after = (words[i + n].start if i + n < len(words) else tr.duration or words[i + n - 1].end) \
                    - words[i + n - 1].end
                if before >= pause - 1e-9 or after >= pause - 1e-9:
                    hit = n
                    break
        if hit:
            out.append(((words[i].start, words[i + hit - 1].end), " ".join(w.text for w in words[i:i + hit])))
            i += hit
        else:
            i += 1
    return out


@dataclass(frozen=True)
class Hit:
    """Where a phrase is said: programme seconds, the words heard there, how alike (0..1)."""

    start: float
    end: float
    text: str
    score: float

    def to_json(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "text": self.text,
                "score": round(self.score, 3)}


def _alike(a: str, b: str) -> float:
    """Similarity of two phrases, with and without spaces (a recogniser may split "hurricane" into
    "her a cane")."""
    return max(difflib.SequenceMatcher(None, a, b).ratio(),
               difflib.SequenceMatcher(None, a.replace(" ", ""), b.replace(" ", "")).ratio())


def find_phrase(tr: Transcript, phrase: str, *, cutoff: float = PHRASE_CUTOFF) -> List[Hit]:
    """Every place ``phrase`` is said, best match per place, in time order (fuzzy: windows of the
    phrase's word count, one fewer and up to two more, at least ``cutoff`` alike)."""
    query = norm(phrase)
    if not query:
        raise ParamError("Say which words to look for, e.g. find where she says 'hurricane'.")
    m = len(query.split())
    toks = [norm(w.text) for w in tr.words]
    found: List[Hit] = []
    for i in range(len(toks)):
        best: Optional[Hit] = None
        for n in sorted({max(1, m - 1), m, m + 1, m + 2}):
            if i + n > len(toks):
                continue
            cand = " ".join(t for t in toks[i:i + n] if t)
            if not cand:
                continue
            score = _alike(query, cand)
            if best is None or score > best.score + 1e-9:
                ws = tr.words[i:i + n]
                best = Hit(ws[0].start, ws[-1].end, " ".join(w.text for w in ws), score)
        if best is not None and best.score >= cutoff:
            found.append(best)
    kept: List[Hit] = []  # overlapping windows: keep the best of each place
    for h in sorted(found, key=lambda h: (-h.score, h.start)):
        if all(h.end <= k.start + 1e-6 or h.start >= k.end - 1e-6 for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: h.start)


# -- the command ------------------------------------------------------------------------------------------

def snap(spans: Sequence[Span], fps: Fraction, end: float) -> List[Span]:
    """Spans on the frame grid, sorted, overlaps merged, empty ones dropped."""
    out: List[Span] = []
    for s, e in sorted(spans):
        a = float(round(Fraction(s).limit_denominator(10**6) * fps) / fps)
        b = float(min(round(Fraction(e).limit_denominator(10**6) * fps) / fps, Fraction(end).limit_denominator(10**6)))
        if b - a < 0.5 / float(fps):
            continue
        if out and a <= out[-1][1] + 1e-9:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def cut_spans(project: Project, spans: Sequence[Span], label: str, *, fades: bool = True) -> Tuple[Compound, List[Span]]:
    """One Compound cutting programme ``spans`` from the main track, and the spans really cut (on
    the frame grid). A clip wholly inside a span is removed (ripple); ``fades``: a ``JOIN_FADE``
    audio fade out before and in after each join."""
    layout = TimelineLayout(project)
    fps = Fraction(layout.fps)
    f = float(fps)
    spans = snap(spans, fps, layout.track_end(project.main_track))
    cmds: list = []
    per_clip: dict = {}
    for cid, c0, c1 in layout.clip_spans():
        for s, e in reversed(spans):  # latest first: earlier ranges keep their place on the clip
            if s < c1 - 1e-9 and e > c0 + 1e-9:
                per_clip.setdefault(cid, []).append((max(s, c0) - c0, min(e, c1) - c0, c1 - c0))
    for cid, ranges in per_clip.items():
        clip = project.find_clip(cid)
        if any(a <= 1e-9 and b >= d - 0.5 / f for a, b, d in ranges):
            cmds.append(RemoveClip(cid))
            continue
        new = []
        dur = ranges[0][2]
        for a, b, _d in ranges:
            new.append(AppliedOp("cut", {}, (a, b)))
            dur -= b - a
            if fades and a >= JOIN_FADE - 1e-9:
                new.append(AppliedOp("audio_fade_out", {"duration": JOIN_FADE}, (a - JOIN_FADE, a)))
            if fades and a + JOIN_FADE <= dur + 1e-9 and b < _d - 1e-9:
                new.append(AppliedOp("audio_fade_in", {"duration": JOIN_FADE}, (a, a + JOIN_FADE)))
        room = MAX_OPS_PER_CLIP - len(clip.ops)
        if len(new) <= room:
            cmds.extend(AddOp(cid, op) for op in new)
            continue
        why = _no_pieces(project, clip)
        if why:
            raise ParamError(
                f"That needs {len(new)} edits on '{clip.label[:40]}', but a clip takes at most {MAX_OPS_PER_CLIP} "
                f"operations ({len(clip.ops)} there already), and it cannot be cut into pieces instead ({why}). "
                f"Cut fewer places (e.g. only longer pauses), or split the clip first.")
        cmds.extend(_pieces(project, clip, [(a, b) for a, b, _d in ranges], ranges[0][2], f))
    return Compound(label, cmds), spans


def _no_pieces(project: Project, clip) -> str:
    """Why ``clip`` cannot be replaced by pieces of its source ("" when it can): its output time
    must be its source time (no timing op, no ranged op, nothing keyframed, no transition)."""
    from ..keyframes import Keyframes
    from ..ops.registry import OpKind, find_op

    for o in clip.ops:
        spec = find_op(o.op)
        if o.range is not None or (spec is not None and spec.kind == OpKind.TIMING):
            return "it has timed edits"
    if isinstance(clip.volume, Keyframes) or clip.transform.animated or clip.source.still:
        return "it is keyframed or a still"
    items = project.main_track.items
    i = next(k for k, it in enumerate(items) if getattr(it, "id", None) == clip.id)
    if any(type(items[k]).__name__ == "Transition" for k in (i - 1, i + 1) if 0 <= k < len(items)):
        return "it has a transition"
    return ""


def _pieces(project: Project, clip, cut: List[Span], duration: float, fps: float) -> list:
    """Commands replacing ``clip`` by the pieces of its source between the ``cut`` ranges (clip
    seconds): each piece a copy with its own in and out points, so any number of cuts fits."""
    import copy

    from ..project.history import AddClip
    from ..project.model import new_id

    keep, at = [], 0.0
    for a, b in sorted(cut):
        if a - at >= 0.5 / fps:
            keep.append((at, a))
        at = max(at, b)
    if duration - at >= 0.5 / fps:
        keep.append((at, duration))
    main = project.main_track
    index = [c.id for c in main.clips].index(clip.id)
    track = project.tracks.index(main)
    cmds: list = []
    for k, (a, b) in enumerate(keep):
        piece = copy.deepcopy(clip)
        piece.id = new_id()
        piece.ops = [copy.deepcopy(o) for o in clip.ops]
        for o in piece.ops:
            o.id = new_id()
        piece.in_point, piece.out_point = float(clip.in_point) + a, float(clip.in_point) + b
        cmds.append(AddClip(piece, index=index + k, track=track))
    return cmds + [RemoveClip(clip.id)]


def no_speech_error(what: str) -> ProjectError:
    return ProjectError(f"No speech was found on the main track, so there is {what}. Nothing was cut.")


def words_text(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in words)
