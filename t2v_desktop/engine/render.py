"""The one render path: preview, CLI and export all pull frames and audio from a Renderer.

The main track's clips play in sequence, each through its stage chain (engine/stages.py).
Output size is the project's, else the first clip's final size; fps the project's, else the first
clip's. Other clips are letterboxed to the output size; FrameSource resamples them onto the fps
grid. Not thread-safe: one Renderer per thread.
"""

from __future__ import annotations

import bisect
import os
from fractions import Fraction
from typing import Iterator, List, Optional, Tuple

import numpy as np

from ..errors import ParamError, ProjectError
from ..jobs import CancelToken, ProgressFn, check, no_progress
from ..project.model import MAX_FPS, MAX_SIZE, MIN_FPS, MIN_SIZE, Project
from .stages import Stage, build_chain, chain_warnings, probe_cached, resize, scaled_size
from .timemap import frames_to_samples


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
    """What the Renderer notes about the project (op ranges past their clip's end, which have no
    effect or are cut at the end), for the CLI to print before an export."""
    with Renderer(project) as r:
        return r.warnings


class Renderer:
    """Frames and audio of the edited project on its output grid."""

    def __init__(self, project: Project, *, progress: Optional[ProgressFn] = None,
                 cancel: Optional[CancelToken] = None, preview_scale: float = 1.0):
        if not (0.0 < preview_scale <= 1.0):
            raise ParamError(f"preview_scale must be in (0, 1], got {preview_scale}.")
        self.project = project
        self.progress = progress or no_progress
        self.cancel = cancel
        self.preview_scale = float(preview_scale)
        clips = project.main_track.clips
        if not clips:
            raise ProjectError("The project has no clips. Add a video first (drag it in, or File > Import).")
        self.sample_rate, self.channels = int(project.sample_rate), int(project.channels)
        check_output_format(project)
        self.fps = Fraction(project.fps) if project.fps else Fraction(probe_cached(clips[0].path).fps)
        self.clip_ids: List[str] = []
        self.chains: List[Stage] = []
        self._inputs: List[List[Stage]] = []
        for clip in clips:
            out, inputs = build_chain(clip, self.fps, self.sample_rate, self.channels, scale=self.preview_scale,
                                      progress=self.progress, cancel=cancel)
            self.clip_ids.append(clip.id)
            self.chains.append(out)
            self._inputs.append(inputs)
        if project.width and project.height:
            self.full_size = (int(project.width), int(project.height))
        else:
            self.full_size = tuple(self.chains[0].full_size)
        self.width, self.height = scaled_size(self.full_size, self.preview_scale)
        self._starts = [0]
        for ch in self.chains:
            self._starts.append(self._starts[-1] + ch.frame_count)
        self.frame_count = self._starts[-1]
        self.duration = float(self.frame_count / self.fps)
        self.muted = bool(project.main_track.muted)
        self.has_audio = any(probe_cached(c.path).has_audio for c in clips)
        self._last: Tuple[int, Optional[np.ndarray]] = (-1, None)

    # -- video -------------------------------------------------------------------------------
    def _locate(self, index: int) -> Tuple[int, int]:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} outside 0..{self.frame_count - 1}")
        k = bisect.bisect_right(self._starts, index) - 1
        return k, index - self._starts[k]

    def frame(self, index: int) -> np.ndarray:
        """The finished frame ``index``: (height, width, 3) uint8 RGB."""
        if self._last[0] == index:
            return self._last[1]
        k, local = self._locate(index)
        f = letterbox(self.chains[k].frame(local), (self.width, self.height))
        self._last = (index, f)
        return f

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
        out = np.zeros((self.channels, max(s1 - s0, 0)), np.float32)
        if self.muted or s1 <= s0:
            return out
        for k, ch in enumerate(self.chains):
            c0 = frames_to_samples(self._starts[k], self.fps, self.sample_rate)
            c1 = frames_to_samples(self._starts[k + 1], self.fps, self.sample_rate)
            a, b = max(s0, c0), min(s1, c1)
            if a < b:
                out[:, a - s0:b - s0] = ch.read_audio(a - c0, b - c0)
        return out

    # -- structure ---------------------------------------------------------------------------
    def clip_spans(self) -> List[Tuple[str, float, float]]:
        """(clip_id, start, end) seconds of each main-track clip on the output timeline."""
        return [(cid, float(self._starts[k] / self.fps), float(self._starts[k + 1] / self.fps))
                for k, cid in enumerate(self.clip_ids)]

    def clip_duration(self, clip_id: str, upto_op: Optional[int] = None) -> float:
        """Duration of a clip after its ops[:upto_op] (all ops when None): what a range on op
        ``upto_op`` is measured against."""
        k = self._index(clip_id)
        inputs = self._inputs[k]
        if upto_op is None or upto_op >= len(inputs):
            return self.chains[k].duration
        return inputs[upto_op].duration

    def chain(self, clip_id: str) -> Stage:
        return self.chains[self._index(clip_id)]

    def _index(self, clip_id: str) -> int:
        try:
            return self.clip_ids.index(clip_id)
        except ValueError:
            raise ProjectError(f"No clip with id {clip_id} on the main track.") from None

    @property
    def warnings(self) -> List[str]:
        """Notes about ranges that no longer fit their clip (after a later trim, or in a hand-edited
        project file): a range wholly past the end has no effect, one running past it is cut there."""
        names = {c.id: c.label for c in self.project.main_track.clips}
        return [f"clip '{names[cid][:40]}': {w}" for cid, ch in zip(self.clip_ids, self.chains, strict=True)
                for w in chain_warnings(ch)]

    def prepare(self, progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None) -> None:
        """Run pending analyses and generative renders now (with progress/cancel), not mid-playback."""
        progress = progress or self.progress
        cancel = cancel if cancel is not None else self.cancel
        n = len(self.chains)
        for k, ch in enumerate(self.chains):
            check(cancel)

            def sub(done: float, total: float, message: str = "", k=k) -> None:
                frac = (done / total) if total else 0.0
                progress(k + frac, n, message)

            ch.prepare(sub, cancel)  # reports progress only where there is work to do

    def close(self) -> None:
        for ch in self.chains:
            ch.close()

    def __enter__(self) -> "Renderer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
