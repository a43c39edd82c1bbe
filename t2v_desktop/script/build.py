"""Script -> an edited, editable multi-track Project.

Tracks of the result (bottom first):
  Video 1 "Scenes"   title card, one visual per scene, end card, a transition between each pair
  Video 2 "Cards"    the words of each card (title clips) over the colour cards, fading in and out
  Audio  "Voice"     role voice: one narration clip per scene (TTS, or a span of a recorded file)
  Audio  "Music"     role music, ducked under the voice (when a music file is given)
  Subtitles "Captions" cues from the narration's exact word times (speech/captions.segment)

A scene's length is its narration's plus ``LEAD`` before (half the transition into it plus a breath)
and ``TAIL`` after; its visual is the best library shot for the scene's words (library.search, its
own span; slowed with a speed op when shorter than the scene), else a generated clip when a video
generator is given, else a colour card with the scene's heading or first words. Scenes are findable
after editing: visuals are named "Scene N · ...", narrations "Scene N narration", and a marker
"Scene N" sits where each scene starts (commands/script_commands.py replaces a scene's visual).
The project is laid out once from frames (engine.layout), so narration, cards, markers and captions
sit exactly where the visuals are.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from .. import keyframes as kf
from ..errors import MediaError, ParamError, T2VError
from ..jobs import CancelToken, ProgressFn, check, no_progress
from ..project.model import (
    CAPTION_LOOKS,
    MAX_SECONDS,
    AppliedOp,
    Clip,
    ColorSource,
    Cue,
    Ducking,
    Gap,
    ImageSource,
    Marker,
    MediaSource,
    Project,
    SubtitleTrack,
    TitleSource,
    Track,
    Transform,
    Transition,
)
from ..speech.transcript import Word
from .parse import WORDS_PER_MINUTE, Script, split_sentences
from .styles import Style, caption_style, get_style

ASPECTS = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1), "4:5": (4, 5)}
BREATH = 0.25  # silence before a narration, after the transition into its scene
TAIL = 0.35  # silence after a narration before the next scene starts
MIN_SCORE = 0.1  # a library hit scoring less is not "about" the scene
MAX_SLOWDOWN = 4.0  # a shot may be slowed to a quarter of its speed to fill its scene
SCENE_PREFIX = "Scene"
MAX_SCENES = 1500  # ~5 items a scene stays under the project's 10,000 items

#: A video generator: fn(prompt, seconds, width, height, cancel) -> path of a clip it made.
Generator = Callable[[str, float, int, int, Optional[CancelToken]], str]
MAX_GENERATED_SECONDS = 5.0  # longer scenes play the generated clip slowed (speed op), at most 4x


def video_generator(model: str = "", *, seed: int = 0, size: int = 0, fps: Optional[int] = None,
                    steps: int = 0, progress: ProgressFn = no_progress) -> Optional[Generator]:
    """A Generator over engine/generate.py (the text-to-video models of diffusion/, cached by
    content) when a local model resolves, else None: scenes then show colour cards."""
    from ..engine.generate import generate_clip, resolve_generator

    try:
        resolve_generator(model)
    except T2VError:
        return None

    def generate(prompt: str, seconds: float, width: int, height: int, cancel: Optional[CancelToken]) -> str:
        w, h = (0, 0)
        if size:  # the project's shape at ``size`` on the short side, on a 32-pixel grid
            scale = size / min(width, height)
            w, h = max(32, int(width * scale) // 32 * 32), max(32, int(height * scale) // 32 * 32)
        clip = generate_clip(prompt, seconds=min(seconds, MAX_GENERATED_SECONDS), model=model, seed=seed,
                             width=w, height=h, fps=fps, steps=steps, progress=progress, cancel=cancel)
        return str(clip.path)

    return generate


@dataclass
class BuildOptions:
    aspect: str = "16:9"
    size: int = 1080  # the short side in pixels (1080: 1920x1080, 1080x1920, 1080x1080)
    fps: int = 30
    voice: str = "en"
    rate_wpm: Optional[int] = None
    style: str = "clean"
    music: Optional[str] = None
    music_gain_db: float = -8.0
    voiceover: Optional[str] = None  # a recording of the whole script: aligned, cut per scene
    library: object = None  # a library.db.Library, a path to one, or None for no library search
    generator: Optional[Generator] = None
    max_seconds: Optional[float] = None  # narration length limit: whole scenes past it are left out
    title_seconds: float = 2.5
    end_seconds: float = 2.5
    end_text: str = "Thanks for watching"
    background: Optional[str] = None  # an image under the cards instead of the style's colours
    captions: str = "burn"  # burn | soft | none
    caption_look: Optional[str] = None  # classic | boxed | karaoke (None: the style's)
    assets_dir: Optional[str] = None  # narration WAVs are copied here (beside a saved project)


@dataclass
class ScenePlan:
    """What one scene will show and say (the plan printed before anything is built)."""

    number: int
    text: str
    visual: str = "card"  # "shot" | "generated" | "card"
    query: str = ""
    hit: object = None  # library.search.Hit
    why: str = ""

    def describe(self) -> str:
        words = self.text.split()
        first = " ".join(words[:8]) + ("…" if len(words) > 8 else "")
        if self.visual == "shot":
            h = self.hit
            return (f"Scene {self.number}: shot {os.path.basename(h.path)} {h.start:.2f}-{h.end:.2f} s "
                    f"({'; '.join(h.reasons[:2])}) - \"{first}\"")
        return f"Scene {self.number}: {self.visual} - \"{first}\""


@dataclass
class BuildPlan:
    script: Script
    options: BuildOptions
    scenes: List[ScenePlan]
    width: int
    height: int
    notes: List[str] = field(default_factory=list)
    #: each scene's narration seconds once narrated (build_project sets it, plan_build when the speech
    #: cache has it already); None: estimated
    narration_seconds: Optional[List[float]] = None
    #: the voice-over recording's length, known before it is cut per scene (plan_build probes it)
    recording_seconds: Optional[float] = None

    @property
    def estimated_seconds(self) -> float:
        """Title + each scene (lead-in, narration, tail) + end card; the transitions overlap the scenes."""
        o = self.options
        narration = (sum(self.narration_seconds) if self.narration_seconds is not None
                     else self.recording_seconds if self.recording_seconds is not None
                     else self.script.estimated_seconds())
        lead = get_style(o.style).transition_seconds / 2 + BREATH
        return narration + len(self.scenes) * (lead + TAIL) + o.title_seconds + o.end_seconds

    def length_text(self) -> str:
        """The length and how it is known: from the real narration, or estimated from the words."""
        if self.narration_seconds is not None:
            return f"{_clock(self.estimated_seconds)} as narrated"
        if self.recording_seconds is not None:
            return f"about {_clock(self.estimated_seconds)} from the recording's length"
        return f"about {_clock(self.estimated_seconds)} if spoken at {WORDS_PER_MINUTE} words a minute"

    def explain(self) -> str:
        o = self.options
        voice = f"voice-over {o.voiceover}" if o.voiceover else f"voice {o.voice}"
        lines = [f"'{self.script.title}': {len(self.scenes)} scene{'s' * (len(self.scenes) != 1)}, {self.script.words:,} words, "
                 f"{self.length_text()} ({self.width}x{self.height} {o.aspect}, {o.fps} fps, {voice}, "
                 f"style {o.style}{', music ' + os.path.basename(o.music) if o.music else ''})"]
        lines += [s.describe() for s in self.scenes[:50]]
        if len(self.scenes) > 50:
            lines.append(f"... and {len(self.scenes) - 50} more scenes")
        lines += [f"note: {n}" for n in list(self.script.notes) + self.notes]
        return "\n".join(lines)


@dataclass
class BuiltScene:
    number: int
    text: str
    start: float  # timeline seconds where the scene starts (its marker)
    end: float
    narration_start: float
    narration_seconds: float
    visual_clip_id: str
    narration_clip_id: str
    card_clip_id: str = ""
    words: Tuple[Word, ...] = ()  # on timeline time


@dataclass
class BuildResult:
    project: Project
    plan: BuildPlan
    scenes: List[BuiltScene]


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"


def frame_size(aspect: str, size: int) -> Tuple[int, int]:
    """Width and height (even) for ``aspect`` with ``size`` pixels on the short side."""
    if aspect not in ASPECTS:
        raise ParamError(f"Unknown aspect '{str(aspect)[:20]}'; use one of {', '.join(ASPECTS)}.")
    if not (isinstance(size, int) and 16 <= size <= 4320):
        raise ParamError(f"The frame's short side must be 16 to 4320 pixels, got {size}.")
    a, b = ASPECTS[aspect]
    short = size // 2 * 2
    long_ = int(round(short * max(a, b) / min(a, b))) // 2 * 2
    return (long_, short) if a >= b else (short, long_)


# -- choosing visuals ---------------------------------------------------------------------------

def scene_query(text: str, limit: int = 8) -> str:
    """The scene's content words (no stop words), most repeated first, as a library query."""
    from .summarize import _terms

    terms = _terms(text)
    counts = {t: terms.count(t) for t in dict.fromkeys(terms)}
    ranked = sorted(counts, key=lambda t: (-counts[t], terms.index(t)))
    return " ".join(ranked[:limit])


def _open_library(lib):
    if lib is None:
        return None, False
    if hasattr(lib, "conn"):
        return lib, False
    from ..library.db import open_library

    path = Path(lib)
    if not path.is_file():
        raise T2VError(f"No media library at {path}; index one with `t2v-desktop library add FOLDER`.")
    return open_library(path), True


def plan_build(script: Script, options: Optional[BuildOptions] = None) -> BuildPlan:
    """Check the options and pick each scene's visual (library search: fast, no decoding)."""
    o = options or BuildOptions()
    width, height = frame_size(o.aspect, o.size)
    get_style(o.style)
    if not (1 <= o.fps <= 120):
        raise ParamError(f"The frame rate must be 1 to 120 fps, got {o.fps}.")
    if o.captions not in ("burn", "soft", "none"):
        raise ParamError(f"Captions are 'burn', 'soft' or 'none', got '{o.captions}'.")
    if o.caption_look is not None and o.caption_look not in CAPTION_LOOKS:
        raise ParamError(f"A caption look is one of {', '.join(CAPTION_LOOKS)}, got '{o.caption_look}'.")
    for what, path in (("music", o.music), ("voice-over", o.voiceover), ("background image", o.background)):
        if path and not Path(path).is_file():
            raise MediaError(f"No {what} file at {path}.")
    if o.music:
        from ..media.info import probe

        if not probe(o.music).has_audio:
            raise MediaError(f"The music file {o.music} has no sound.")
    notes: List[str] = []
    if o.max_seconds is not None:
        if o.max_seconds <= 0:
            raise ParamError(f"The maximum length must be more than 0 s, got {o.max_seconds:g}.")
        budget = int(o.max_seconds * WORDS_PER_MINUTE / 60)
        if script.words > budget:
            from .parse import trim

            script = trim(script, max(1, budget))
    if len(script.scenes) > MAX_SCENES:
        raise ParamError(f"The script has {len(script.scenes):,} scenes ({_clock(script.estimated_seconds())} of "
                         f"narration); one video holds at most {MAX_SCENES:,}. Pass a maximum length "
                         f"(--max-length) or split the script.")
    scenes = [ScenePlan(k, sc.text, query=scene_query(sc.text)) for k, sc in enumerate(script.scenes, 1)]
    lib, close = _open_library(o.library)
    try:
        if lib is not None:
            _pick_shots(lib, scenes, notes)
    finally:
        if close:
            lib.close()
    for s in scenes:
        if s.visual == "card" and o.generator is not None:
            s.visual = "generated"
    made = sum(s.visual == "generated" for s in scenes)
    if made:
        notes.append(f"{made} scene{'s' * (made != 1)} will show a clip generated by the local video model "
                     f"(minutes each on a CPU; --no-generate shows colour cards instead)")
    if lib is None and o.generator is None:
        notes.append("no media library given: every scene shows a colour card "
                     "(index footage with `t2v-desktop library add FOLDER` and pass --library)")
    recording, spoken = None, None
    if o.voiceover:
        from ..media.info import probe

        recording = float(probe(o.voiceover).duration or 0.0) or None
    else:  # narration an earlier run made (the speech cache): its real lengths, nothing synthesized
        from ..speech.tts import cached

        made = [cached(s.text, voice=o.voice, rate_wpm=o.rate_wpm) for s in scenes]
        spoken = [m.duration for m in made] if all(m is not None for m in made) else None
    return BuildPlan(script, o, scenes, width, height, notes, narration_seconds=spoken, recording_seconds=recording)


def _pick_shots(lib, scenes: List[ScenePlan], notes: List[str]) -> None:
    """The best unused shot per scene (a shot is used once while others match); when every match
    is used, the unused rest of one (a later span) before the same picture again."""
    from dataclasses import replace

    from ..library.search import search

    used: dict = {}  # shot id -> where its unused rest starts (seconds)
    for s in scenes:
        if not s.query:
            continue
        need = len(s.text.split()) * 60.0 / WORDS_PER_MINUTE + BREATH + TAIL + 0.5  # the scene's visual, roughly
        hits = [h for h in search(lib, s.query, limit=12)
                if h.score >= MIN_SCORE and (h.end - h.start) * MAX_SLOWDOWN >= need]
        pick = next((h for h in hits if h.shot_id not in used), None)
        if pick is None:
            rest = [h for h in hits if (h.end - used[h.shot_id]) >= min(need, 1.0)
                    and (h.end - used[h.shot_id]) * MAX_SLOWDOWN >= need]
            pick = replace(rest[0], start=used[rest[0].shot_id]) if rest else None
        if pick is None and hits:
            pick = hits[0]
            first = next(o.number for o in scenes if o.hit is not None and o.hit.shot_id == pick.shot_id)
            notes.append(f"scene {s.number} shows scene {first}'s shot again (no other library shot matched)")
        if pick is not None:
            s.visual, s.hit = "shot", pick
            used[pick.shot_id] = min(pick.end, pick.start + need)
    found = sum(s.visual == "shot" for s in scenes)
    if found < len(scenes):
        notes.append(f"{len(scenes) - found} of {len(scenes)} scenes matched no library shot: colour cards")


# -- narration ------------------------------------------------------------------------------------

@dataclass
class _Narration:
    path: str
    in_point: float
    out_point: float
    words: Tuple[Word, ...]  # on the clip's own time (0 = its in point)

    @property
    def seconds(self) -> float:
        return self.out_point - self.in_point


def narration_file_name(number: int) -> str:
    """A scene's narration beside a saved project, named for people (the bin and the file manager
    show it); the content-keyed name stays in the speech cache."""
    return f"{SCENE_PREFIX} {number} narration.wav"


def _copy_asset(src: Path, folder: Optional[str], name: str) -> str:
    if not folder:
        return str(src)
    import filecmp

    from ..fsutil import temp_path_for

    dest = Path(folder) / name
    if dest.is_file() and filecmp.cmp(dest, src, shallow=False):  # a rebuild with other words rewrites it
        return str(dest.resolve())
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path_for(dest)
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    except OSError as e:
        from ..errors import EncodeError, os_error_message

        raise EncodeError(os_error_message(e, dest)) from None
    return str(dest.resolve())


def _tts(scenes: Sequence[ScenePlan], o: BuildOptions, progress: ProgressFn,
         cancel: Optional[CancelToken]) -> List[_Narration]:
    from ..speech.tts import speech_file, synthesize

    out = []
    for k, s in enumerate(scenes):
        check(cancel)
        progress(k, len(scenes), f"Narrating scene {s.number}")
        speech = synthesize(s.text, voice=o.voice, rate_wpm=o.rate_wpm, cancel=cancel)
        path = speech_file(speech)
        path = _copy_asset(path, o.assets_dir, narration_file_name(s.number))
        out.append(_Narration(path, 0.0, speech.duration, tuple(speech.words)))
    return out


def _recorded(scenes: Sequence[ScenePlan], o: BuildOptions, progress: ProgressFn,
              cancel: Optional[CancelToken]) -> List[_Narration]:
    """Spans of the user's recording, one per scene, found by aligning the script to it."""
    from ..speech.align import align, script_words

    path = str(Path(o.voiceover).resolve())
    text = "\n\n".join(s.text for s in scenes)
    transcript = align(path, text, progress=progress, cancel=cancel)
    words = list(transcript.words)
    counts = [len(script_words(s.text)) for s in scenes]
    if sum(counts) != len(words):  # pragma: no cover - align returns one word per script word
        raise T2VError("The recording's alignment did not return every word of the script.")
    out: List[_Narration] = []
    i = 0
    total = transcript.duration
    for k, n in enumerate(counts):
        ws = words[i:i + n]
        i += n
        a = max(0.0, ws[0].start - 0.08)
        b = min(total, ws[-1].end + 0.12)
        if k + 1 < len(counts) and i < len(words):
            b = min(b, max(ws[-1].end, words[i].start - 0.01))
        if out:
            a = max(a, out[-1].out_point)
        b = max(b, a + 0.1)
        local = tuple(Word(w.text, max(0.0, w.start - a), max(0.0, w.end - a), w.confidence) for w in ws)
        out.append(_Narration(path, a, b, local))
    return out


# -- the project ------------------------------------------------------------------------------------

def _fade_keys(length: float, fade: float, fade_in: bool = True) -> kf.Keyframes:
    """Opacity in and out over ``fade``; ``fade_in=False``: shown from the first frame (the video's
    title: a fade from nothing made frame 0 -- the thumbnail players show -- an empty card)."""
    fade = max(0.05, min(fade, length / 3))
    keys = [(0.0, 0.0), (fade, 1.0)] if fade_in else [(0.0, 1.0)]
    return kf.Keyframes.of(keys + [(length - fade, 1.0), (length, 0.0)])


def _card_text(scene: ScenePlan, section: str, first_in_section: bool) -> str:
    if section and first_in_section:
        return section
    first = (split_sentences(scene.text) or [scene.text])[0].rstrip(".!?…,;:")
    words = first.split()
    return " ".join(words[:9]) + ("…" if len(words) > 9 else "")


def build_project(script: Script, options: Optional[BuildOptions] = None, *, plan: Optional[BuildPlan] = None,
                  progress: ProgressFn = no_progress, cancel: Optional[CancelToken] = None) -> BuildResult:
    """The edited project for ``script`` (see the module docstring). Long work: narration (cached by
    content), generation when a generator is given; ``cancel`` stops between scenes."""
    from ..engine.layout import TimelineLayout

    o = options or BuildOptions()
    plan = plan or plan_build(script, o)
    script = plan.script
    style: Style = get_style(o.style)
    fps = Fraction(o.fps)
    d = style.transition_seconds
    lead = d / 2 + BREATH
    scenes = plan.scenes
    scene_meta = [sc for sc in script.scenes]
    narr = _recorded(scenes, o, progress, cancel) if o.voiceover else _tts(scenes, o, progress, cancel)
    check(cancel)
    plan.narration_seconds = [n.seconds for n in narr]

    frames = lambda s: max(1, int(math.ceil(s * fps - 1e-9)))  # noqa: E731
    secs = lambda n: float(Fraction(n) / fps)  # noqa: E731
    dn = frames(d)
    # each scene lasts lead + narration + tail (on the frame grid); its visual one transition longer
    scene_frames = [frames(lead + n.seconds + TAIL) for n in narr]
    main = Track(kind="video", name="Scenes")
    cards = Track(kind="video", name="Cards")
    palette = style.palette
    title_len = frames(o.title_seconds)

    def card(color: str, length_frames: int, name: str) -> Clip:
        if o.background:
            return Clip(ImageSource(str(Path(o.background).resolve())), 0.0, secs(length_frames), name=name,
                        transform=Transform(fit="cover"))
        return Clip(ColorSource(color), 0.0, secs(length_frames), name=name)

    visuals: List[Clip] = [card(palette[0], title_len + dn, "Title card")]
    for k, (s, n) in enumerate(zip(scenes, scene_frames, strict=True)):
        check(cancel)
        want = n + dn
        label = f"{SCENE_PREFIX} {s.number} · {' '.join(s.text.split()[:5])}"[:120]
        clip = None
        if s.visual == "shot":
            clip = _shot_clip(s.hit, secs(want), label)
            if clip is None:
                s.visual = "card"
                plan.notes.append(f"scene {s.number}: the shot is too short to fill the scene; a colour card instead")
        if clip is None and s.visual == "generated" and o.generator is not None:
            progress(k, len(scenes), f"Generating scene {s.number}")
            path = o.generator(s.text[:300], secs(want), plan.width, plan.height, cancel)
            clip = _generated_clip(str(path), secs(want), label)
            if clip is None:
                plan.notes.append(f"scene {s.number}: the generated clip is too short for the scene; a colour card")
        if clip is None:
            s.visual = "card"
            clip = card(palette[k % len(palette)], want, label)
        visuals.append(clip)
    visuals.append(card(palette[len(scenes) % len(palette)], frames(o.end_seconds), "End card"))
    for k, clip in enumerate(visuals):
        if k:
            main.items.append(Transition(style.transition, secs(dn)))
        main.items.append(clip)

    project = Project(tracks=[main], width=plan.width, height=plan.height, fps=fps, name=script.title[:200])
    lay = TimelineLayout(project, fps=fps)
    spans = [lay.clip_frames(c.id) for c in visuals]
    # spans[k] = (start, end) frames; scene k (1-based) is visuals[k]; its span ends where the next starts
    scene_spans = [(spans[k][0], spans[k + 1][0]) for k in range(1, len(visuals) - 1)]

    # cards' words over the colour cards (title, scenes shown as cards, end)
    placed: List[Tuple[int, Clip]] = []
    title_style, card_style = style.title, style.card
    placed.append((0, Clip(TitleSource(script.title[:500], title_style), 0.0, secs(spans[1][0]), name="Title",
                           transform=Transform(opacity=_fade_keys(secs(spans[1][0]), d, fade_in=False)))))
    seen_sections = set()
    card_ids = {}
    for k, (s, (a, b)) in enumerate(zip(scenes, scene_spans, strict=True)):
        section = scene_meta[k].section if k < len(scene_meta) else ""
        first = section not in seen_sections
        seen_sections.add(section)
        if s.visual != "card":
            continue
        length = secs(b - a)
        clip = Clip(TitleSource(_card_text(s, section, first), card_style), 0.0, length,
                    name=f"{SCENE_PREFIX} {s.number} card", transform=Transform(opacity=_fade_keys(length, d)))
        card_ids[s.number] = clip.id
        placed.append((a, clip))
    end_a = spans[-1][0]
    end_len = secs(spans[-1][1] - end_a)
    placed.append((end_a, Clip(TitleSource(o.end_text[:500] or script.title[:500], title_style), 0.0, end_len,
                               name="End", transform=Transform(opacity=_fade_keys(end_len, d)))))
    _lay_placed(cards, placed, fps)

    # narration on the voice track, captions from its words
    voice = Track(kind="audio", name="Voice", role="voice")
    lead_frames = frames(lead)
    placed_voice: List[Tuple[int, Clip]] = []
    built: List[BuiltScene] = []
    cues: List[Cue] = []
    from ..speech.captions import segment

    for s, n, (a, b) in zip(scenes, narr, scene_spans, strict=True):
        start = a + lead_frames
        clip = Clip(MediaSource(n.path), n.in_point, n.out_point, name=f"{SCENE_PREFIX} {s.number} narration")
        placed_voice.append((start, clip))
        t0 = secs(start)
        words = tuple(Word(w.text, round(t0 + w.start, 4), round(t0 + w.end, 4), w.confidence) for w in n.words)
        cues.extend(segment(list(words), max_chars=42 if plan.width >= plan.height else 28))
        visual = visuals[s.number]
        built.append(BuiltScene(s.number, s.text, secs(a), secs(b), t0, n.seconds, visual.id, clip.id,
                                card_ids.get(s.number, ""), words))
    _lay_placed(voice, placed_voice, fps)
    project.tracks += [cards, voice]

    if o.music:
        project.tracks.append(_music_track(o.music, secs(lay.frame_count), o.music_gain_db))
    if o.captions != "none" and cues:
        project.subtitle_tracks.append(SubtitleTrack(
            cues, name="Captions", language=(o.voice.split(":")[-1][:2] or "en") if not o.voiceover else "en",
            style=caption_style(style), burn_in=o.captions == "burn", soft=True,
            look=o.caption_look or style.caption_look))
    project.markers = [Marker(b.start, f"{SCENE_PREFIX} {b.number}", "#4fc3f7") for b in built]
    if secs(lay.frame_count) > MAX_SECONDS:
        raise ParamError(f"The video would last {_clock(secs(lay.frame_count))}, longer than a project can "
                         f"({_clock(MAX_SECONDS)}); pass a maximum length.")
    project = _checked(project)
    progress(len(scenes), len(scenes), "Built")
    return BuildResult(project, plan, built)


def _shot_clip(hit, seconds: float, label: str) -> Optional[Clip]:
    """The hit's own span for ``seconds``: trimmed when longer, slowed (speed op) when shorter. Its
    own sound is off (volume 0) so it never talks over the narration; raise it to hear it."""
    length = hit.end - hit.start
    if length <= 0 or length * MAX_SLOWDOWN < seconds:
        return None
    cover = Transform(fit="cover")
    if length >= seconds:
        return Clip(MediaSource(hit.path), hit.start, hit.start + seconds, name=label, transform=cover, volume=0.0)
    factor = max(1.0 / MAX_SLOWDOWN, length / seconds)
    return Clip(MediaSource(hit.path), hit.start, hit.end, name=label, transform=cover, volume=0.0,
                ops=[AppliedOp("speed", {"factor": round(factor, 6)})])


def _generated_clip(path: str, seconds: float, label: str) -> Optional[Clip]:
    from ..library.search import Hit
    from ..media.info import probe

    info = probe(path)
    clip = _shot_clip(Hit(path, 0.0, float(info.duration), 1.0), seconds, label)
    if clip is not None:
        clip.source = MediaSource(path)
    return clip


def _lay_placed(track: Track, placed: List[Tuple[int, Clip]], fps: Fraction) -> None:
    """Clips at frame positions on a placed track, with Gaps between (no overlaps by construction)."""
    from ..engine.layout import clip_timing

    pos = 0
    for start, clip in sorted(placed, key=lambda p: p[0]):
        if start > pos:
            track.items.append(Gap(float(Fraction(start - pos) / fps)))
            pos = start
        track.items.append(clip)
        pos += clip_timing(clip, fps, 48000)[0]


def _music_track(path: str, seconds: float, gain_db: float) -> Track:
    """The music under the whole video: repeated when shorter, the last piece faded out over 2 s."""
    from ..media.info import probe

    info = probe(path)
    if not info.has_audio:
        raise MediaError(f"The music file {path} has no sound.")
    length = float(info.duration or 0.0)
    if length <= 0.1:
        raise MediaError(f"The music file {path} is empty.")
    track = Track(kind="audio", name="Music", role="music", gain_db=gain_db, ducking=Ducking())
    left = seconds
    full = str(Path(path).resolve())
    while left > 1e-6 and len(track.items) < 500:
        take = min(length, left)
        clip = Clip(MediaSource(full), 0.0, take, name="Music")
        left -= take
        if left <= 1e-6:
            fade = min(2.0, take / 2)
            clip.volume = kf.Keyframes.of([(0.0, 1.0), (take - fade, 1.0), (take, 0.0)])
        track.items.append(clip)
    return track


def _checked(project: Project) -> Project:
    """The project through its own loader: every bound a saved file is held to (ProjectError)."""
    return Project.from_json(project.to_json())


__all__ = ["BuildOptions", "BuildPlan", "BuildResult", "BuiltScene", "ScenePlan", "build_project", "plan_build",
           "frame_size", "scene_query"]
