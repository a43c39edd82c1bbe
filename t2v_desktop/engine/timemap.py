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


class _Tempo:
    """One libavfilter ``atempo`` chain (via PyAV's filter graph, no ffmpeg CLI) fed block by block."""

    def __init__(self, factor: float, sample_rate: int, channels: int):
        import av.filter

        self.sr, self.channels = sample_rate, channels
        self.layout = _LAYOUTS.get(channels, "stereo")
        g = av.filter.Graph()
        self.src = g.add_abuffer(sample_rate=sample_rate, format="fltp", layout=self.layout,
                                 time_base=Fraction(1, sample_rate))
        nodes = [self.src] + [g.add("atempo", f"{f:.9f}") for f in _tempo_chain(factor)]
        nodes.append(g.add("aformat", "sample_fmts=fltp"))
        self.sink = g.add("abuffersink")
        nodes.append(self.sink)
        for a, b in zip(nodes[:-1], nodes[1:], strict=True):
            a.link_to(b)
        g.configure()
        self.graph = g  # the nodes do not keep their graph alive: dropping it crashes libavfilter
        self.pts = 0

    def push(self, block: np.ndarray) -> List[np.ndarray]:
        """Feed (channels, n) samples; returns whatever output the filter has ready."""
        import av

        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block, dtype=np.float32), format="fltp",
                                           layout=self.layout)
        frame.sample_rate, frame.pts, frame.time_base = self.sr, self.pts, Fraction(1, self.sr)
        self.pts += frame.samples
        self.src.push(frame)
        out = []
        while True:
            try:
                arr = self.sink.pull().to_ndarray()
            except (av.BlockingIOError, av.EOFError):
                return out
            out.append(arr.reshape(self.channels, -1))


def retime_audio(samples: np.ndarray, out_len: int, sample_rate: int) -> np.ndarray:
    """Stretch (channels, n) audio to exactly ``out_len`` samples, keeping its pitch.

    The input is followed by silence so the filter's tail latency never leaves the output short;
    the result is then cut to the exact length.
    """
    channels, n = samples.shape
    return StreamRetimer(lambda a, b: _slice(samples, a, b), n, out_len, sample_rate, channels).read(0, out_len)


def _slice(x: np.ndarray, a: int, b: int) -> np.ndarray:
    part = x[:, max(a, 0):max(min(b, x.shape[1]), 0)]
    if part.shape[1] == b - a:
        return part
    return np.concatenate([part, np.zeros((x.shape[0], b - a - part.shape[1]), np.float32)], axis=1)


class StreamRetimer:
    """Pitch-preserving re-timing of ``in_len`` input samples onto ``out_len`` output samples,
    produced on demand in blocks, so memory stays bounded however long the piece is.

    Sequential reads continue the filter; a read elsewhere restarts it at the matching input
    position. Output outside [0, out_len) is silence; input past ``in_len`` is read as silence.
    """

    BLOCK = 8192

    def __init__(self, read_input, in_len: int, out_len: int, sample_rate: int, channels: int):
        self.read_input, self.in_len, self.out_len = read_input, in_len, out_len
        self.sr, self.channels = sample_rate, channels
        self.factor = in_len / out_len if out_len > 0 else 1.0
        self._tempo: _Tempo | None = None
        self._buf = np.zeros((channels, 0), np.float32)
        self._buf_start = 0  # output sample index of _buf[:, 0]
        self._in_pos = 0

    def _restart(self, at: int) -> None:
        self._tempo = _Tempo(self.factor, self.sr, self.channels)
        self._buf = np.zeros((self.channels, 0), np.float32)
        self._buf_start = at
        self._in_pos = int(round(at * self.factor))

    def _input(self, a: int, b: int) -> np.ndarray:
        if a >= self.in_len:
            return np.zeros((self.channels, b - a), np.float32)
        x = self.read_input(a, min(b, self.in_len))
        if b > self.in_len:
            x = np.concatenate([x, np.zeros((self.channels, b - self.in_len), np.float32)], axis=1)
        return x

    def read(self, lo: int, hi: int) -> np.ndarray:
        out = np.zeros((self.channels, max(hi - lo, 0)), np.float32)
        a, b = max(lo, 0), min(hi, self.out_len)
        if a >= b or self.in_len <= 0:
            return out
        buf_end = self._buf_start + self._buf.shape[1]
        if self._tempo is None or not (self._buf_start <= a <= buf_end + self.BLOCK):
            self._restart(a)
        chunks = [self._buf]
        have = self._buf.shape[1]
        need = b - self._buf_start
        while have < need:
            block = self._input(self._in_pos, self._in_pos + self.BLOCK)
            self._in_pos += self.BLOCK
            for c in self._tempo.push(block):
                chunks.append(c)
                have += c.shape[1]
        buf = np.concatenate(chunks, axis=1) if len(chunks) > 1 else chunks[0]
        out[:, a - lo:b - lo] = buf[:, a - self._buf_start:b - self._buf_start]
        keep = b - self._buf_start  # drop what was consumed: reads go forward
        self._buf, self._buf_start = buf[:, keep:], b
        return out
