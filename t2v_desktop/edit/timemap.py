"""Frame- and sample-exact time maps for TIMING stages, and pitch-preserving audio re-timing.

A TIMING op returns Segments in seconds; here they are quantised once to the frame grid
(``Piece``), and audio boundaries are derived from the frame boundaries, so video and audio of
every piece have the same length to the sample and A/V stays in sync through any op stack.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import List, Sequence

import numpy as np

from ..ops.registry import Segment


def frames_to_samples(n: int, fps: Fraction, sample_rate: int) -> int:
    """The sample index where frame ``n`` starts (exact rational arithmetic, then rounded)."""
    return int(round(Fraction(n) * sample_rate / fps))


def _round(x) -> int:
    """Half up, consistently (Python's round() goes to even: 12.5 -> 12 but 13.5 -> 14)."""
    return int(math.floor(float(x) + 0.5 + 1e-9))


@dataclass(frozen=True)
class Piece:
    """One quantised segment: input frames [in_a, in_b) shown over output frames [out_a, out_b).

    ``in_a == in_b`` is a freeze of frame ``hold``. Samples: [sin_a, sin_b) -> [sout_a, sout_b).
    """

    in_a: int
    in_b: int
    out_a: int
    out_b: int
    reverse: bool
    hold: int
    sin_a: int
    sin_b: int
    sout_a: int
    sout_b: int

    @property
    def freeze(self) -> bool:
        return self.in_a == self.in_b

    @property
    def direct(self) -> bool:
        """Played at speed 1: audio maps sample to sample, no re-timing."""
        return not self.freeze and (self.in_b - self.in_a) == (self.out_b - self.out_a)


class TimeMap:
    """Output frame -> input frame, and the pieces covering an output sample span."""

    def __init__(self, segments: Sequence[Segment], fps: Fraction, sample_rate: int, in_frames: int):
        self.fps, self.sample_rate = Fraction(fps), sample_rate
        pieces: List[Piece] = []
        out = 0
        for seg in segments:
            a = min(max(_round(seg.src_start * self.fps), 0), in_frames)
            b = min(max(_round(seg.src_end * self.fps), 0), in_frames)
            if seg.src_end == seg.src_start or a == b:
                n_out = _round(seg.out_duration * self.fps)
                hold = min(int(seg.src_start * self.fps + 1e-6), max(in_frames - 1, 0))
                a = b = hold
            else:
                speed = (seg.src_end - seg.src_start) / seg.out_duration
                n_out = _round((b - a) / speed)
                hold = a
            if n_out <= 0:
                continue
            pieces.append(Piece(
                in_a=a, in_b=b, out_a=out, out_b=out + n_out, reverse=seg.reverse, hold=hold,
                sin_a=frames_to_samples(a, fps, sample_rate), sin_b=frames_to_samples(b, fps, sample_rate),
                sout_a=frames_to_samples(out, fps, sample_rate),
                sout_b=frames_to_samples(out + n_out, fps, sample_rate),
            ))
            out += n_out
        self.pieces = pieces
        self.frame_count = out
        self._out_starts = [p.out_a for p in pieces]
        self._sample_starts = [p.sout_a for p in pieces]

    def input_frame(self, j: int) -> int:
        """The input frame shown at output frame ``j``."""
        p = self.pieces[bisect.bisect_right(self._out_starts, j) - 1]
        if p.freeze:
            return p.hold
        k, n_in, n_out = j - p.out_a, p.in_b - p.in_a, p.out_b - p.out_a
        off = min(k * n_in // n_out, n_in - 1)
        return p.in_b - 1 - off if p.reverse else p.in_a + off

    def pieces_for_samples(self, s0: int, s1: int) -> List[Piece]:
        if not self.pieces:
            return []
        i = max(bisect.bisect_right(self._sample_starts, s0) - 1, 0)
        found = []
        while i < len(self.pieces) and self.pieces[i].sout_a < s1:
            if self.pieces[i].sout_b > s0:
                found.append(self.pieces[i])
            i += 1
        return found


# -- pitch-preserving re-timing ------------------------------------------------------------------

_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "4.1", 6: "5.1", 7: "6.1", 8: "7.1"}


def _tempo_chain(factor: float) -> List[float]:
    """atempo accepts 0.5..2 per instance (older libavfilter); chain instances for the rest."""
    out = []
    while factor > 2.0:
        out.append(2.0)
        factor /= 2.0
    while factor < 0.5:
        out.append(0.5)
        factor /= 0.5
    out.append(factor)
    return out


def retime_audio(samples: np.ndarray, out_len: int, sample_rate: int) -> np.ndarray:
    """Stretch (channels, n) audio to exactly ``out_len`` samples, keeping its pitch.

    Uses libavfilter's ``atempo`` through PyAV's filter graph (no ffmpeg CLI). The input is padded
    with silence so the filter's tail latency never leaves the output short; the result is then
    cut to the exact length.
    """
    import av
    import av.filter

    channels, n = samples.shape
    if out_len <= 0:
        return np.zeros((channels, 0), np.float32)
    if n == 0:
        return np.zeros((channels, out_len), np.float32)
    factor = n / out_len
    layout = _LAYOUTS.get(channels, "stereo")
    g = av.filter.Graph()
    src = g.add_abuffer(sample_rate=sample_rate, format="fltp", layout=layout,
                        time_base=Fraction(1, sample_rate))
    nodes = [src] + [g.add("atempo", f"{f:.9f}") for f in _tempo_chain(factor)]
    nodes.append(g.add("aformat", "sample_fmts=fltp"))
    sink = g.add("abuffersink")
    nodes.append(sink)
    for a, b in zip(nodes[:-1], nodes[1:], strict=True):
        a.link_to(b)
    g.configure()

    pad = int(sample_rate * 0.25 * max(factor, 1.0)) + 8192
    data = np.concatenate([samples.astype(np.float32, copy=False), np.zeros((channels, pad), np.float32)], axis=1)
    out: List[np.ndarray] = []
    got = 0

    def drain() -> int:
        total = 0
        while True:
            try:
                arr = sink.pull().to_ndarray()
            except (av.BlockingIOError, av.EOFError):
                return total
            out.append(arr.reshape(channels, -1))
            total += out[-1].shape[1]

    pts, block = 0, 8192
    for a in range(0, data.shape[1], block):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data[:, a:a + block]), format="fltp", layout=layout)
        frame.sample_rate, frame.pts, frame.time_base = sample_rate, pts, Fraction(1, sample_rate)
        pts += frame.samples
        src.push(frame)
        got += drain()
        if got >= out_len:
            break
    else:
        src.push(None)
        got += drain()
    res = np.concatenate(out, axis=1) if out else np.zeros((channels, 0), np.float32)
    if res.shape[1] < out_len:
        res = np.concatenate([res, np.zeros((channels, out_len - res.shape[1]), np.float32)], axis=1)
    return np.ascontiguousarray(res[:, :out_len], dtype=np.float32)
