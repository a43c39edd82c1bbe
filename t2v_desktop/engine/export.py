"""Export: stream a project's rendered frames and sound into an encoded file.

Rendering (decode + ops) runs on one thread and encoding on the caller's thread, with a bounded
queue between them, so memory stays flat however long the project is and the two overlap (PyAV
releases the GIL inside codec calls). Clips whose ops all have a YUV form skip RGB altogether:
decoded planes -> ops -> encoder (engine/yuv.py, the "fast path"; ``fast_path=False`` turns it off);
a composed project (tracks, transitions, titles) is built on the planes too (engine/yuv_compose.py).
Audio is cut on frame boundaries, sample-exact with cumulative rounding, so the sound lasts exactly
as long as the picture. The Encoder writes a temp file that only replaces the target once complete:
a failure or a cancel leaves no partial file and an existing target untouched.

Decisions (see docs/cli.md): ``max_size`` presets scale down to fit (never up, no bars);
``frame_size`` presets scale to fit and pad with black to the exact size; sizes are made even for
the video codecs; ``max_fps`` drops frames (GIF). A project whose sources have no sound gets no
audio track (rather than a silent one); the audio-only preset refuses such a project.
"""

from __future__ import annotations

import math
import os
import queue
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Optional, Tuple, Union

import numpy as np

from ..errors import EncodeError
from ..fsutil import check_writable_dir
from ..jobs import CancelToken, ProgressFn, check, no_progress

#: Items (frames or audio blocks) the renderer may run ahead of the encoder. Bounds memory:
#: at 1080p a frame is 6 MB, so the queue holds at most ~50 MB.
QUEUE_ITEMS = 8
#: Audio is fetched from the renderer in blocks of about this many seconds, cut on frame edges.
AUDIO_BLOCK_SECONDS = 0.5
#: The audio-only preset writes the sound in chunks of this many seconds.
AUDIO_ONLY_CHUNK_SECONDS = 1.0


@dataclass
class ExportResult:
    path: Path
    frames: int
    duration: float
    seconds: float  # wall time the export took
    width: int = 0
    height: int = 0
    fps: Optional[Fraction] = None
    has_audio: bool = False
    #: The most items that were ever waiting in the render->encode queue (<= QUEUE_ITEMS).
    peak_queued: int = 0
    #: Frames built on the decoder's planes, no full-frame RGB (engine/yuv.py, engine/yuv_compose.py).
    yuv_frames: int = 0


@dataclass(frozen=True)
class Layout:
    """How render frames map onto output frames: scale to (scaled_w, scaled_h), place at (x, y)
    on a (width, height) canvas (black padding around), decimate to ``fps``."""

    width: int
    height: int
    scaled_w: int
    scaled_h: int
    x: int
    y: int
    fps: Fraction
    src_fps: Fraction
    #: What the fit changed that the user did not ask for (a 1x1 picture made 2x2), one line each.
    notes: Tuple[str, ...] = ()

    @property
    def identity(self) -> bool:
        return self.x == 0 and self.y == 0 and (self.scaled_w, self.scaled_h) == (self.width, self.height)


def plan_layout(src_w: int, src_h: int, src_fps: Fraction, preset) -> Layout:
    """Fit the render size and rate to the preset (see the module docstring)."""
    even = preset.video_codec not in (None, "gif")
    if preset.frame_size:
        W, H = preset.frame_size
        s = min(W / src_w, H / src_h)
        sw, sh = max(1, round(src_w * s)), max(1, round(src_h * s))
        if even:
            W, H = _even(W), _even(H)
        sw, sh = min(sw, W), min(sh, H)
        x, y = (W - sw) // 2, (H - sh) // 2
    else:
        sw, sh = src_w, src_h
        if preset.max_size:
            mw, mh = preset.max_size
            s = min(1.0, mw / src_w, mh / src_h)
            if s < 1.0:
                sw, sh = max(1, round(src_w * s)), max(1, round(src_h * s))
        W, H = (_even(sw), _even(sh)) if even else (sw, sh)
        sw, sh, x, y = W, H, 0, 0  # odd sizes lose their last row/column rather than get bars
    fps = Fraction(src_fps)
    if preset.max_fps and fps > preset.max_fps:
        fps = Fraction(preset.max_fps)
    notes = ()
    if not preset.frame_size and (W > src_w or H > src_h):  # never silent: a tiny picture grows
        notes = (f"note: the picture is {src_w}x{src_h}, but {preset.video_codec} needs an even size of at "
                 f"least 2x2, so it is exported scaled to {W}x{H}.",)
        import logging

        logging.getLogger(__name__).warning(notes[0])
    return Layout(W, H, sw, sh, x, y, fps, Fraction(src_fps), notes)


def _even(n: int) -> int:
    return max(2, n - (n % 2))


def fit_frame(frame: np.ndarray, layout: Layout) -> np.ndarray:
    """One render frame resized/padded to the output canvas (no copy when nothing changes)."""
    h, w = frame.shape[:2]
    if layout.identity and (w, h) == (layout.width, layout.height):
        return frame
    if (layout.scaled_w, layout.scaled_h) != (w, h):
        if (layout.scaled_w, layout.scaled_h) == (w - w % 2, h - h % 2) and layout.identity:
            img = np.ascontiguousarray(frame[: layout.scaled_h, : layout.scaled_w])
        else:
            import cv2

            shrink = layout.scaled_w * layout.scaled_h < w * h
            img = cv2.resize(frame, (layout.scaled_w, layout.scaled_h),
                             interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    else:
        img = frame
    if layout.identity:
        return img
    canvas = np.zeros((layout.height, layout.width, 3), np.uint8)
    canvas[layout.y: layout.y + layout.scaled_h, layout.x: layout.x + layout.scaled_w] = img
    return canvas


def frame_sample_bounds(frame_index: int, fps: Fraction, sample_rate: int) -> int:
    """First audio sample of output frame ``frame_index``: round(i * sr / fps), exactly."""
    return int(round(Fraction(frame_index) * sample_rate / fps))


def export_project(
    project,
    out_path: Union[str, os.PathLike],
    preset=None,
    *,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    renderer=None,
    fast_path: bool = True,
    subtitles=None,
) -> ExportResult:
    """Render ``project`` into ``out_path`` with ``preset`` (a name, an ExportPreset, or None to
    pick one from the extension). Raises EncodeError for a bad target, Cancelled when ``cancel``
    is set (no file written, an existing target untouched). ``subtitles``: soft subtitle tracks
    ``[(cues [(start s, end s, text)], language, title)]`` muxed as streams, cut to the export's
    length (media/encoder.py; EncodeError for a container that carries none, e.g. GIF); None (the
    default): the project's subtitle tracks marked soft, where the container carries them."""
    from ..media.presets import get_preset, preset_for_path

    t0 = time.monotonic()
    progress = progress or no_progress
    out_path = Path(out_path)
    if preset is None:
        preset = preset_for_path(out_path)
    elif isinstance(preset, str):
        preset = get_preset(preset)
    check_target(project, out_path, preset)

    if renderer is None:
        from .render import Renderer

        renderer = Renderer(project, progress=progress, cancel=cancel)
        use_small_caches(renderer)
    prepare = getattr(renderer, "prepare", None)
    if prepare is not None:  # analyses / generative renders happen before any file is created
        prepare(progress=progress, cancel=cancel)
    check(cancel)

    want_video = preset.video_codec is not None
    want_audio = preset.audio_codec is not None and _has_sound(project, renderer)
    if not want_video and not want_audio:
        raise EncodeError(
            f"The preset '{preset.name}' writes only sound, and this project has none. "
            "Choose a video preset (e.g. h264)."
        )
    sr, ch = int(renderer.sample_rate), int(renderer.channels)
    fast = None
    if want_video:
        layout = plan_layout(int(renderer.width), int(renderer.height), Fraction(renderer.fps), preset)
        job = _VideoJob(renderer, layout, want_audio, sr, cancel)
        if fast_path:
            from .yuv import plan

            fast = plan(renderer, layout, preset)
    else:
        job = _AudioJob(renderer, sr, cancel)
        layout = None

    if subtitles is None:
        subtitles = soft_subtitles(project, preset) if want_video else ()
    if job.total <= 0:
        raise EncodeError("Nothing to export: the edit is empty (0 frames). Undo the last trim or cut.")
    from ..media.encoder import Encoder

    try:
        enc = Encoder(
            out_path,
            width=layout.width if layout else 2,
            height=layout.height if layout else 2,
            fps=layout.fps if layout else Fraction(renderer.fps),
            preset=preset,
            sample_rate=sr,
            channels=ch,
            has_video=want_video,
            has_audio=want_audio,
            matrix=fast.matrix if fast else None,
            subtitles=subtitles,
            duration=float(job.total / layout.fps) if layout else job.total_samples / sr,
        )
    except BaseException:
        if fast is not None:
            fast.close()
        raise
    if fast is not None:
        if enc.accepts_yuv:
            job.fast = fast
        else:
            fast.close()
    try:
        _pump(job, enc, progress, cancel)
        path = enc.close()
    except BaseException:
        try:
            enc.abort()
        except Exception:  # noqa: BLE001 - the original error matters more
            pass
        raise
    finally:
        if fast is not None:
            fast.close()  # the render thread has ended (_pump joins it)
    frames = job.total if want_video else 0
    duration = float(frames / layout.fps) if layout else job.total_samples / sr
    return ExportResult(
        path=Path(path) if path is not None else out_path,
        frames=frames,
        duration=duration,
        seconds=time.monotonic() - t0,
        width=layout.width if layout else 0,
        height=layout.height if layout else 0,
        fps=layout.fps if layout else None,
        has_audio=want_audio,
        peak_queued=job.peak_queued,
        yuv_frames=getattr(job, "yuv_frames", 0),
    )


def soft_subtitles(project, preset) -> list:
    """The project's subtitle tracks marked soft, as the Encoder takes them; none for a container
    that can't carry them (GIF: burn them in instead). A burned-in track is not also muxed: a
    player with subtitles on would show its words twice."""
    from ..media.encoder import subtitle_codec_for

    tracks = [s for s in getattr(project, "subtitle_tracks", ()) if s.soft and not s.burn_in and s.cues]
    if not tracks or subtitle_codec_for(preset) is None:
        return []
    return [([(c.start, c.end, c.text) for c in s.cues], s.language, s.name) for s in tracks]


def use_small_caches(renderer) -> int:
    """Let the sources of chains that are read straight through (no ops, or only FRAME and
    AUDIO ops) skip FrameSource's scrubbing caches; an export never walks back. Chains with
    timing, temporal or generative ops keep them (reverse reads backwards, analyses re-read).
    Returns how many sources were switched."""
    from .stages import AudioStage, FrameStage, SourceStage

    n = 0
    chains = renderer.all_chains() if hasattr(renderer, "all_chains") else getattr(renderer, "chains", ())
    for stage in chains:
        while isinstance(stage, (FrameStage, AudioStage)):
            stage = stage.prev
        if isinstance(stage, SourceStage) and getattr(stage, "_fs", None) is None:
            stage.small_caches = True
            n += 1
    return n


def check_target(project, out_path: Path, preset) -> None:
    """Refuse targets we must not or cannot write, before any work is done."""
    if out_path.is_dir():
        raise EncodeError(f"{out_path} is a folder; give a file name such as {out_path / ('export' + preset.extension)}.")
    if not _extension_fits(out_path, preset):
        raise EncodeError(
            f"The preset '{preset.name}' writes {preset.extension} files, but the output is named "
            f"'{out_path.name}'. Name it '{out_path.stem}{preset.extension}' or pick another preset."
        )
    for clip in project.all_clips():
        if clip.path and _same_file(out_path, Path(clip.path)):
            raise EncodeError(
                f"Exporting to {out_path} would overwrite the input {clip.path}. Choose another output name."
            )
    check_writable_dir(out_path)


def _extension_fits(out_path: Path, preset) -> bool:
    """The preset's own extension, or another that names the same container (.m4v for .mp4)."""
    suffix = out_path.suffix.lower()
    if suffix == preset.extension.lower():
        return True
    from ..media.presets import preset_for_path

    try:
        implied = preset_for_path(out_path)
    except Exception:  # noqa: BLE001 - an unknown extension simply does not fit
        return False
    fmt = getattr(preset, "container_format", None)
    return fmt is not None and getattr(implied, "container_format", None) == fmt


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def _has_sound(project, renderer) -> bool:
    """Whether any source of the project carries sound (muted tracks still count: silence is
    then what the user asked for)."""
    known = getattr(renderer, "has_audio", None)
    if isinstance(known, bool):
        return known
    from ..media.info import probe

    sources = {c.path for c in project.all_clips() if c.path and not c.source.still}
    return any(probe(s).has_audio for s in sorted(sources))


# -- the producer side: what goes into the queue ----------------------------------------------


class _VideoJob:
    """Output frames (decimated and fitted) with their audio blocks cut on frame edges."""

    def __init__(self, renderer, layout: Layout, with_audio: bool, sample_rate: int, cancel):
        self.renderer, self.layout, self.with_audio, self.sr, self.cancel = renderer, layout, with_audio, sample_rate, cancel
        n_in = int(renderer.frame_count)
        # output frame j shows render frame floor(j * src_fps / fps); keep those inside the clip
        self.total = n_in if layout.fps == layout.src_fps else math.ceil(Fraction(n_in) * layout.fps / layout.src_fps)
        self.total_samples = frame_sample_bounds(self.total, layout.fps, sample_rate) if with_audio else 0
        self.block = max(1, int(round(float(layout.fps) * AUDIO_BLOCK_SECONDS)))
        self.peak_queued = 0
        self.fast = None  # a yuv.FastPath, set by export_project when the encoder takes planes
        self.yuv_frames = 0

    def items(self) -> Iterator[Tuple[str, np.ndarray]]:
        lay = self.layout
        decimate = lay.fps != lay.src_fps
        j = 0
        want = 0  # render index of output frame j
        frames = self.fast.iter_frames(self.cancel) if self.fast is not None else self.renderer.iter_frames()
        for i, frame in enumerate(frames):
            if j >= self.total:
                break
            if decimate:
                if i < want:
                    continue
            if self.with_audio and j % self.block == 0:
                yield "audio", self._audio(j, min(self.total, j + self.block))
            if isinstance(frame, np.ndarray):
                yield "video", fit_frame(frame, lay)
            else:  # a Yuv420 from the fast path, already fitted to the layout (engine/yuv.fit_fn)
                self.yuv_frames += 1
                yield "yuv", frame.buf
            j += 1
            if decimate:
                want = int(Fraction(j) * lay.src_fps / lay.fps)
        if j < self.total:
            raise EncodeError(
                f"The render ended after {j} of {self.total} frames; the project may refer to a "
                "file that changed. Re-open the project and try again."
            )

    def _audio(self, j0: int, j1: int) -> np.ndarray:
        a = frame_sample_bounds(j0, self.layout.fps, self.sr)
        b = frame_sample_bounds(j1, self.layout.fps, self.sr)
        return _exact(self.renderer.audio(a / self.sr, b / self.sr), b - a)


class _AudioJob:
    """Sound only, in one-second chunks over the project's duration."""

    def __init__(self, renderer, sample_rate: int, cancel):
        self.renderer, self.sr, self.cancel = renderer, sample_rate, cancel
        self.total_samples = int(round(float(renderer.duration) * sample_rate))
        self.chunk = int(sample_rate * AUDIO_ONLY_CHUNK_SECONDS)
        self.total = max(1, math.ceil(self.total_samples / self.chunk))
        self.peak_queued = 0

    def items(self) -> Iterator[Tuple[str, np.ndarray]]:
        for a in range(0, self.total_samples, self.chunk):
            b = min(self.total_samples, a + self.chunk)
            yield "audio", _exact(self.renderer.audio(a / self.sr, b / self.sr), b - a)


def _exact(samples: np.ndarray, n: int) -> np.ndarray:
    """Guard against off-by-one rounding in a renderer: exactly ``n`` samples, float32."""
    samples = np.asarray(samples, dtype=np.float32)
    have = samples.shape[1]
    if have == n:
        return samples
    if have > n:
        return samples[:, :n]
    return np.pad(samples, ((0, 0), (0, n - have)))


# -- the pipeline ----------------------------------------------------------------------------

_DONE = "done"
_ERROR = "error"


def _pump(job, enc, progress: ProgressFn, cancel: Optional[CancelToken]) -> None:
    """Run ``job.items()`` on a thread into a bounded queue; encode here. Errors on either side
    stop both and are re-raised here; cancel is checked per item on both sides."""
    q: "queue.Queue[tuple]" = queue.Queue(maxsize=QUEUE_ITEMS)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in job.items():
                if stop.is_set() or (cancel is not None and cancel.cancelled):
                    return
                if not put(item):
                    return
                job.peak_queued = max(job.peak_queued, q.qsize())
            put((_DONE, None))
        except BaseException as e:  # noqa: BLE001 - handed to the encoding thread
            put((_ERROR, e))

    worker = threading.Thread(target=produce, name="t2v-export-render", daemon=True)
    total = job.total
    done = 0
    progress(0, total, "Exporting")
    worker.start()
    try:
        while True:
            check(cancel)
            try:
                kind, payload = q.get(timeout=0.1)
            except queue.Empty:
                continue
            if kind == _DONE:
                break
            if kind == _ERROR:
                raise payload
            if kind == "video" or kind == "yuv":
                (enc.write_frame if kind == "video" else enc.write_yuv)(payload)
                done += 1
                progress(done, total, "Exporting")
            else:
                enc.write_audio(payload)
                if isinstance(job, _AudioJob):
                    done += 1
                    progress(done, total, "Exporting")
        check(cancel)
    finally:
        stop.set()
        worker.join()
