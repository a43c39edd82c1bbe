"""The one render path: preview, CLI and export all pull frames and audio from a Renderer.

``frame(i)``: for each visible video track, bottom to top, the TimelineLayout gives the item under
frame ``i`` (a clip's chain, a transition blending two chains, or nothing); the compositor places
it with its transform and alpha-blends it onto the canvas; burned-in subtitles go on last. A layer
that covers the canvas opaquely hides everything under it: those tracks are never decoded. A
project that is one plain track of video files (v1's shape) takes the direct path: each clip's
frame letterboxed, nothing composited, and the export may read it from the decoder's YUV planes.

``read_audio(s0, s1)``: the mixer sums every audible track sample-exactly (clip volumes and
transition crossfades per track, then track gain/pan, mute/solo and ducking).

Output size is the project's, else the first main-track clip's; fps the project's, else the first
video file's (engine/layout.py). Not thread-safe: one Renderer per thread.
"""

from __future__ import annotations

import bisect
from fractions import Fraction
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np

from ..errors import ParamError, ProjectError
from ..jobs import CancelToken, ProgressFn, check, no_progress
from ..project.model import MAX_FPS, MAX_SIZE, MIN_FPS, MIN_SIZE, Clip, Project, Track, Transition
from .layout import ItemSpan, TimelineLayout
from .source import DEFAULT_CANVAS, chain_alpha
from .stages import Stage, build_chain, chain_warnings, probe_cached, resize, scaled_size


def letterbox(frame: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """Scale ``frame`` to fit inside ``size`` keeping its aspect, centred on black."""
    w, h = size
    fh, fw = frame.shape[:2]
    if (fw, fh) == (w, h):
        return frame
    k = min(w / fw, h / fh)
    nw, nh = max(1, min(w, int(round(fw * k)))), max(1, min(h, int(round(fh * k))))
    out = np.zeros((h, w, 3), np.uint8)
    x, y = (w - nw) // 2, (h - nh) // 2
    out[y:y + nh, x:x + nw] = resize(frame, (nw, nh))
    return out


def check_output_format(project: Project) -> None:
    """The project's own fps and size within the bounds a loaded file is held to (model.py), so a
    project built in code can't ask for a never-ending export or a huge allocation either."""
    if project.fps and not MIN_FPS <= Fraction(project.fps) <= MAX_FPS:
        raise ProjectError(f"The project's frame rate {float(project.fps):g} fps is outside {MIN_FPS}..{MAX_FPS} fps.")
    for name in ("width", "height"):
        v = getattr(project, name)
        if v is not None and not MIN_SIZE <= int(v) <= MAX_SIZE:
            raise ProjectError(f"The project's {name} {v} is outside {MIN_SIZE}..{MAX_SIZE} pixels.")


def project_warnings(project: Project) -> List[str]:
    """What the Renderer notes about the project (op ranges past their clip's end, a missing font),
    for the CLI to print before an export."""
    with Renderer(project) as r:
        return r.warnings


def _simple(project: Project) -> bool:
    """One plain track of video files: v1's shape, rendered by the direct path."""
    main = project.main_track
    if project.subtitle_tracks and any(s.burn_in and s.cues for s in project.subtitle_tracks):
        return False
    if any(t is not main and t.kind == "video" and not t.hidden and t.clips for t in project.tracks):
        return False
    if any(t.kind == "audio" and t.items for t in project.tracks):
        return False
    if main.gain_db or main.pan or main.solo or main.hidden:
        return False
    return all(isinstance(it, Clip) and it.source.type == "file" and it.transform.is_identity and it.volume == 1.0
               for it in main.items)


class Renderer:
    """Frames and audio of the edited project on its output grid."""

    def __init__(self, project: Project, *, progress: Optional[ProgressFn] = None,
                 cancel: Optional[CancelToken] = None, preview_scale: float = 1.0,
                 layout: Optional[TimelineLayout] = None, pool=None):
        if not (0.0 < preview_scale <= 1.0):
            raise ParamError(f"preview_scale must be in (0, 1], got {preview_scale}.")
        self.project = project
        self.progress = progress or no_progress
        self.cancel = cancel
        self.preview_scale = float(preview_scale)
        if not project.all_clips():
            raise ProjectError("The project has no clips. Add a video first (drag it in, or File > Import).")
        self.sample_rate, self.channels = int(project.sample_rate), int(project.channels)
        check_output_format(project)
        self.layout = layout or TimelineLayout(project)
        self.fps = self.layout.fps
        from .pool import SourcePool

        #: one decoder and audio reader per file for every clip of this renderer (engine/pool.py)
        self.pool = pool if pool is not None else SourcePool()
        self._chains: Dict[str, Tuple[Stage, List[Stage]]] = {}
        self.simple = _simple(project)
        main = project.main_track
        self.clip_ids: List[str] = [c.id for c in main.clips]
        self.chains: List[Stage] = [self._chain(c) for c in main.clips]  # the main track, in order
        self.full_size = self._canvas_size()
        self.width, self.height = scaled_size(self.full_size, self.preview_scale)
        self._starts = [0]
        for ch in self.chains:
            self._starts.append(self._starts[-1] + ch.frame_count)
        self.frame_count = self._starts[-1] if self.simple else self.layout.frame_count
        if self.frame_count <= 0:
            raise ProjectError("The edit is empty (0 frames). Undo the last trim or cut.")
        self.duration = float(self.frame_count / self.fps)
        self.muted = bool(main.muted)
        self.has_audio = any(c.source.type == "file" and probe_cached(c.path).has_audio
                             for t in project.tracks for c in t.clips)
        self._video = [t for t in project.tracks if t.kind == "video" and not t.hidden]
        self._subs = [s for s in project.subtitle_tracks if s.burn_in and s.cues]
        self._mixer = None
        self._last: Tuple[int, Optional[np.ndarray]] = (-1, None)
        #: clip id -> (its Transform, animated, covers the canvas): a still layer's geometry is the
        #: same at every frame, so it is worked out once instead of per frame (_layers, _compose)
        self._still: Dict[str, tuple] = {}

    # -- chains ------------------------------------------------------------------------------
    def _chain(self, clip: Clip) -> Stage:
        hit = self._chains.get(clip.id)
        if hit is None:
            canvas = self.__dict__.get("full_size") or self._project_canvas() or DEFAULT_CANVAS
            hit = build_chain(clip, self.fps, self.sample_rate, self.channels, scale=self.preview_scale,
                              progress=self.progress, cancel=self.cancel, canvas=canvas, pool=self.pool)
            self._chains[clip.id] = hit
        return hit[0]

    def _project_canvas(self) -> Optional[Tuple[int, int]]:
        p = self.project
        return (int(p.width), int(p.height)) if p.width and p.height else None

    def _canvas_size(self) -> Tuple[int, int]:
        own = self._project_canvas()
        if own:
            return own
        for t in [self.project.main_track] + self.project.video_tracks:
            for c in t.clips:
                if c.source.type in ("file", "image"):
                    return tuple(self._chain(c).full_size)
        return DEFAULT_CANVAS

    # -- video -------------------------------------------------------------------------------
    def frame(self, index: int) -> np.ndarray:
        """The finished frame ``index``: (height, width, 3) uint8 RGB."""
        if self._last[0] == index:
            return self._last[1]
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} outside 0..{self.frame_count - 1}")
        if self.simple:
            k = bisect.bisect_right(self._starts, index) - 1
            f = letterbox(self.chains[k].frame(index - self._starts[k]), (self.width, self.height))
        else:
            f = self._compose(index)
        self._last = (index, f)
        return f

    def _layers(self, i: int) -> List[ItemSpan]:
        """The spans under frame ``i`` that show, bottom to top, after dropping what an opaque
        full-canvas layer hides (never decoded)."""
        from .compositor import covers_canvas

        out: List[ItemSpan] = []
        for track in reversed(self._video):
            span = self.layout.item_at_frame(track, i)
            if span is None:
                continue
            out.append(span)
            if isinstance(span.item, Clip):
                still = self._still_geometry(span.item)
                if still is not None:
                    if still[2]:
                        break
                    continue
                ch = self._chain(span.item)
                tf = self._tf(span.item, i - span.start)
                if covers_canvas(tf, (ch.width, ch.height), (self.width, self.height), chain_alpha(ch) is not None,
                                 preview_scale=self.preview_scale, source_size=tuple(ch.full_size),
                                 subpixel=True):
                    break
        out.reverse()
        return out

    def _still_geometry(self, clip: Clip) -> Optional[tuple]:
        """(transform, False, covers the canvas) of a clip whose transform is not keyframed (the
        same at every frame, worked out once); None for an animated one."""
        from .compositor import covers_canvas

        tf = clip.transform
        hit = self._still.get(clip.id)
        if hit is not None and hit[0] is tf:
            return hit if not hit[1] else None
        if tf.animated:
            self._still[clip.id] = (tf, True, False)
            return None
        ch = self._chain(clip)
        covers = covers_canvas(tf, (ch.width, ch.height), (self.width, self.height), chain_alpha(ch) is not None,
                               preview_scale=self.preview_scale, source_size=tuple(ch.full_size), subpixel=None)
        self._still[clip.id] = hit = (tf, False, bool(covers))
        return hit

    def _tf(self, clip: Clip, local: int):
        """The clip's transform at its frame ``local`` (a still one without any arithmetic)."""
        still = self._still_geometry(clip)
        if still is not None:
            return still[0]
        return clip.transform.at(float(local / self.fps))

    def _compose(self, i: int) -> np.ndarray:
        from .compositor import is_passthrough

        canvas: Optional[np.ndarray] = None
        owned = False
        size = (self.width, self.height)
        for span in self._layers(i):
            if isinstance(span.item, Transition):
                canvas = self._transition(span, i, canvas)
                owned = True
                continue
            clip = span.item
            ch = self._chain(clip)
            frame = ch.frame(i - span.start)
            alpha = chain_alpha(ch)
            tf = self._tf(clip, i - span.start)
            if canvas is None and is_passthrough(tf, (frame.shape[1], frame.shape[0]), size, alpha is not None,
                                                 preview_scale=self.preview_scale):
                canvas, owned = frame, False
                continue
            if canvas is None:
                canvas, owned = np.zeros((self.height, self.width, 3), np.uint8), True
            elif not owned:
                canvas, owned = canvas.copy(), True
            canvas = self._place(canvas, frame, alpha, tf, tuple(ch.full_size), self._still_geometry(clip) is None)
        if canvas is None:
            canvas = np.zeros((self.height, self.width, 3), np.uint8)
        if self._subs:
            canvas = self._burn_subtitles(canvas if owned else canvas.copy(), i)
        return canvas

    def _place(self, canvas: np.ndarray, frame: np.ndarray, alpha, tf, source_size=None,
               moving: bool = False) -> np.ndarray:
        """Composite one layer; chain frames are already at the preview scale, so a "native" fit
        measures from the source's full size. A moving (keyframed) layer is placed with sub-pixel
        precision, so a slow pan glides instead of stepping a pixel at a time; a still one snaps
        to whole pixels and stays crisp."""
        from .compositor import composite

        return composite(canvas, frame, alpha, tf, preview_scale=self.preview_scale, full_canvas=self.full_size,
                         source_size=source_size, subpixel=True if moving else None)

    def _clip_over(self, base: np.ndarray, span: ItemSpan, i: int) -> np.ndarray:
        clip = span.item
        ch = self._chain(clip)
        local = min(max(i - span.start, 0), ch.frame_count - 1)
        tf = self._tf(clip, local)
        return self._place(base.copy(), ch.frame(local), chain_alpha(ch), tf, tuple(ch.full_size),
                           clip.transform.animated)

    def _transition(self, span: ItemSpan, i: int, below: Optional[np.ndarray]) -> np.ndarray:
        """Both neighbours over what is below, blended at the transition's progress (0 at its
        first frame, (n-1)/n at its last, as ffmpeg's xfade)."""
        from .transitions import blend_transition

        spans = self.layout.spans(self._track_of(span))
        left, right = spans[span.index - 1], spans[span.index + 1]
        base = below if below is not None else np.zeros((self.height, self.width, 3), np.uint8)
        a = self._clip_over(base, left, i)
        b = self._clip_over(base, right, i)
        progress = (i - span.start) / span.frames
        return blend_transition(span.item.kind, a, b, progress, span.item.params)

    def _track_of(self, span: ItemSpan) -> Track:
        for t in self.project.tracks:
            if span.index < len(t.items) and t.items[span.index] is span.item:
                return t
        raise ProjectError("A transition is not on any track.")  # pragma: no cover

    def _burn_subtitles(self, canvas: np.ndarray, i: int) -> np.ndarray:
        from .captions import draw_cue

        t = float(i / self.fps)
        for sub in self._subs:
            for cue in sub.cues:
                if cue.start <= t < cue.end:
                    rgb, alpha = draw_cue(sub, cue, t, (self.width, self.height))
                    canvas = self._place(canvas, rgb, alpha, _FULL)
        return canvas

    def frame_at(self, t: float) -> np.ndarray:
        return self.frame(min(max(int(t * self.fps + 1e-6), 0), self.frame_count - 1))

    def iter_frames(self, start: int = 0, end: Optional[int] = None) -> Iterator[np.ndarray]:
        """Sequential frames [start, end): the export path (each stage decodes forward only)."""
        end = self.frame_count if end is None else min(end, self.frame_count)
        for i in range(start, end):
            check(self.cancel)
            yield self.frame(i)

    # -- audio -------------------------------------------------------------------------------
    def audio(self, start: float, end: float) -> np.ndarray:
        """Samples of [start, end) seconds: (channels, round(end*sr) - round(start*sr)) float32."""
        s0, s1 = int(round(start * self.sample_rate)), int(round(end * self.sample_rate))
        return self.read_audio(s0, s1)

    def read_audio(self, s0: int, s1: int) -> np.ndarray:
        if s1 <= s0:
            return np.zeros((self.channels, 0), np.float32)
        if self.simple:
            out = np.zeros((self.channels, s1 - s0), np.float32)
            if not self.muted:
                self._sum_track(self.project.main_track, s0, s1, out)
            return out
        if self._mixer is None:
            self._mixer = self._build_mixer()
        return self._mixer.read(s0, s1)

    def _build_mixer(self):
        from .mixer import Mixer, MixTrack

        tracks = []
        for t in self.project.tracks:
            if not t.clips:
                continue

            def read(s0: int, s1: int, t=t) -> np.ndarray:
                out = np.zeros((self.channels, s1 - s0), np.float32)
                self._sum_track(t, s0, s1, out)
                return out

            tracks.append(MixTrack(read=read, gain_db=t.gain_db, pan=t.pan, muted=t.muted, solo=t.solo,
                                   role=t.role, ducking=t.ducking, name=t.name))
        return Mixer(tracks, self.sample_rate, self.channels)

    def _sum_track(self, track: Track, s0: int, s1: int, out: np.ndarray) -> None:
        """Add the sound of ``track``'s clips in [s0, s1) to ``out``: clip volumes, and the
        equal-power crossfade where a transition overlaps two clips."""
        spans = self.layout.spans(track) if not self.simple else self._simple_spans(track)
        lay = self.layout
        for k, span in enumerate(spans):
            if not isinstance(span.item, Clip) or span.item.source.type != "file":
                continue
            c0, c1 = lay.samples(span.start), lay.samples(span.end)
            a, b = max(s0, c0), min(s1, c1)
            if a >= b:
                continue
            clip = span.item
            seg = self._chain(clip).read_audio(a - c0, b - c0)
            if clip.volume != 1.0:
                from .mixer import volume_envelope

                seg = seg * volume_envelope(clip.volume, (a - c0) / self.sample_rate, b - a, self.sample_rate)
            for j, fade_in in ((k - 1, True), (k + 1, False)):
                if 0 <= j < len(spans) and isinstance(spans[j].item, Transition):
                    seg = self._crossfade(seg, a, spans[j], fade_in)
            out[:, a - s0:b - s0] += seg

    def _crossfade(self, seg: np.ndarray, a: int, span: ItemSpan, fade_in: bool) -> np.ndarray:
        from .transitions import crossfade_gains

        t0, t1 = self.layout.samples(span.start), self.layout.samples(span.end)
        lo, hi = max(a, t0), min(a + seg.shape[1], t1)
        if lo >= hi:
            return seg
        p = (np.arange(lo, hi, dtype=np.float64) - t0) / max(t1 - t0, 1)
        g_out, g_in = crossfade_gains(p)
        seg = seg.copy()
        seg[:, lo - a:hi - a] *= (g_in if fade_in else g_out).astype(np.float32)
        return seg

    def _simple_spans(self, track: Track) -> List[ItemSpan]:
        return [ItemSpan(c, k, self._starts[k], self._starts[k + 1]) for k, c in enumerate(track.clips)]

    # -- structure ---------------------------------------------------------------------------
    def clip_spans(self) -> List[Tuple[str, float, float]]:
        """(clip_id, start, end) seconds of each main-track clip on the output timeline."""
        return self.layout.clip_spans()

    def clip_duration(self, clip_id: str, upto_op: Optional[int] = None) -> float:
        """Duration of a clip after its ops[:upto_op] (all ops when None): what a range on op
        ``upto_op`` is measured against."""
        self._index(clip_id)
        inputs = self._chains[clip_id][1]
        if upto_op is None or upto_op >= len(inputs):
            return self._chains[clip_id][0].duration
        return inputs[upto_op].duration

    def chain(self, clip_id: str) -> Stage:
        self._index(clip_id)
        return self._chains[clip_id][0]

    def _index(self, clip_id: str) -> Clip:
        for c in self.project.all_clips():
            if c.id == clip_id:
                self._chain(c)
                return c
        raise ProjectError(f"No clip with id {clip_id} in the project.")

    def all_chains(self) -> List[Stage]:
        """Every clip's chain (built now if not yet), all tracks."""
        return [self._chain(c) for c in self.project.all_clips()]

    @property
    def warnings(self) -> List[str]:
        """Notes about ranges that no longer fit their clip (after a later trim, or in a hand-edited
        project file): a range wholly past the end has no effect, one running past it is cut there;
        a title whose font is not installed."""
        out: List[str] = []
        for clip in self.project.all_clips():
            ch = self._chain(clip)
            notes = list(chain_warnings(ch))
            root = ch
            while getattr(root, "prev", None) is not None:
                root = root.prev
            if hasattr(root, "_draw") and root.source.type == "title":
                root._draw()
                notes += root.warnings
            out += [f"clip '{clip.label[:40]}': {w}" for w in notes]
        return out

    def prepare(self, progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None) -> None:
        """Run pending analyses and generative renders now (with progress/cancel), not mid-playback."""
        progress = progress or self.progress
        cancel = cancel if cancel is not None else self.cancel
        chains = self.all_chains()
        n = len(chains)
        for k, ch in enumerate(chains):
            check(cancel)

            def sub(done: float, total: float, message: str = "", k=k) -> None:
                frac = (done / total) if total else 0.0
                progress(k + frac, n, message)

            ch.prepare(sub, cancel)  # reports progress only where there is work to do

    def can_update_in_place(self) -> bool:
        """Whether this renderer still fits its project after a change made in place (a transform,
        a volume, track settings): False when the project's shape changed (one plain track, drawn
        by the direct path, or not): then build a new renderer."""
        return _simple(self.project) == self.simple

    def forget_sound(self) -> None:
        """Track settings (mute, solo, gain, pan, ducking) changed in place: mix them anew."""
        self._mixer = None
        self.muted = bool(self.project.main_track.muted)

    def forget_tracks(self) -> None:
        """Which tracks show changed in place (a video track hidden, subtitle cues edited, burned
        in or out): the drawn layers and cues are worked out again; chains and decoders stay."""
        self._video = [t for t in self.project.tracks if t.kind == "video" and not t.hidden]
        self._subs = [s for s in self.project.subtitle_tracks if s.burn_in and s.cues]
        self._last = (-1, None)

    def forget_clip(self, clip_id: str, *, chain: bool = False) -> None:
        """The clip changed in place in this renderer's project (its transform, its volume; with
        ``chain`` its title): what was worked out for it is dropped and made again on next use;
        every other clip keeps its chain and decoders. Never for a change of length."""
        self._still.pop(clip_id, None)
        self._last = (-1, None)
        hit = self._chains.pop(clip_id, None) if chain else None
        if hit is None:
            return
        hit[0].close()
        if clip_id in self.clip_ids:
            k = self.clip_ids.index(clip_id)
            self.chains[k] = self._chain(next(c for c in self.project.main_track.clips if c.id == clip_id))

    def close(self) -> None:
        for ch, _ in self._chains.values():
            ch.close()

    def __enter__(self) -> "Renderer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Full:
    """The identity placement: a canvas-sized layer drawn where it is."""

    x = y = anchor_x = anchor_y = 0.5
    scale, rotation, opacity = 1.0, 0.0, 1.0
    crop_left = crop_top = crop_right = crop_bottom = 0.0
    fit, blend = "contain", "normal"


_FULL = _Full()
