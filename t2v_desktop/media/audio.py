"""AudioSource: float32 planar PCM of one file, resampled, read by time with sample-exact lengths.

Time 0 is the file's first *video* frame when it has video (so sound stays in sync with
FrameSource's grid), else the first audio sample. Export reads short chunks in order, so decoded
audio is kept in a small buffer and the decoder keeps running: sequential reads never seek. Gaps
or overlaps in the stream's timestamps (dropped audio in camera files) are filled with silence or
trimmed so the audio stays in sync; reads past the end, or of a file without sound, are silence.
"""

from __future__ import annotations

import math
from fractions import Fraction

import av
import numpy as np

from ..errors import MediaError
from .info import MediaInfo, demux_packets, layout_for, open_and_probe, open_container, seek_first

#: Seek (instead of decoding on) when a read starts this far (s) after what is decoded.
SEEK_AHEAD = 2.0
#: Decode this much (s) before a seek target: codecs like AAC need a frame of warm-up, and about
#: half a second until their output matches a straight decode to the last bit (0.2 s: within 5e-6).
SEEK_MARGIN = 0.5
#: Kept before the latest read (s), so small steps back do not seek.
KEEP_BEHIND = 0.5
#: Timestamp drift (s) tolerated before silence is inserted or overlap dropped.
RESYNC = 0.04


class AudioSource:
    """Reads ``(channels, n)`` float32 audio at ``sample_rate``. Not thread-safe."""

    def __init__(self, path, *, sample_rate: int = 48000, channels: int = 2,
                 info: MediaInfo | None = None):
        if sample_rate <= 0:
            raise MediaError(f"Sample rate must be positive, got {sample_rate}.")
        self._layout = layout_for(int(channels))
        self._container = None
        if info is None:
            self._container, info = open_and_probe(path)
        self.info = info
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self.has_audio = self.info.has_audio
        self.duration = 0.0
        self._end = 0
        self.seeks = 0
        if not self.has_audio:
            if self._container is not None:
                self._container.close()
                self._container = None
            return
        if self._container is None:
            self._container = open_container(path)
        self._open_stream()
        self._tb = Fraction(self._as.time_base)
        self._origin = Fraction(self.info.start_time).limit_denominator(10**9)
        astart = self._as.start_time * self._tb if self._as.start_time is not None else self._origin
        self.duration = max(0.0, float(astart - self._origin) + self.info.audio[0].duration)
        self._end = int(round(self.duration * self.sample_rate))  # zeros from here on
        self._buf = np.zeros((self.channels, 0), np.float32)
        self._buf_start = 0
        self._at_start = False
        self._eof = False
        self._packets = None
        self._resampler = None
        self._in_shape = None  # (format, layout, rate) the resampler was set up for

    # ----------------------------------------------------------------------------- public API
    def read(self, start: float, end: float) -> np.ndarray:
        """Samples ``[round(start*sr), round(end*sr))`` as (channels, n) float32."""
        a = int(round(start * self.sample_rate))
        b = int(round(end * self.sample_rate))
        if b < a:
            raise ValueError(f"read({start}, {end}): end is before start")
        out = np.zeros((self.channels, b - a), np.float32)
        lo, hi = max(a, 0), min(b, self._end)
        if self._container is None or hi <= lo:
            if self.has_audio and self._container is None:
                raise MediaError("This AudioSource was closed; open the file again.")
            return out
        self._ensure(lo, hi)
        s = max(lo, self._buf_start)
        e = min(hi, self._buf_start + self._buf.shape[1])
        if e > s:
            out[:, s - a:e - a] = self._buf[:, s - self._buf_start:e - self._buf_start]
        self._trim(lo)
        return out

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None
        self._buf = np.zeros((self.channels, 0), np.float32)

    def __enter__(self) -> "AudioSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----------------------------------------------------------------------------- internals
    @property
    def _dec_pos(self) -> int:
        return self._buf_start + self._buf.shape[1]

    def _ensure(self, a: int, b: int) -> None:
        """Make the buffer cover ``[a, b)`` (as far as the stream goes)."""
        behind = a < self._buf_start and not self._at_start
        far_ahead = a > self._dec_pos + SEEK_AHEAD * self.sample_rate and not self._eof
        if self._packets is None or behind or far_ahead:
            self._seek(a)
        chunks = [self._buf]
        pos = self._dec_pos
        while pos < b and not self._eof:
            for block, at in self._decode_more():
                if at is not None and at > max(self._end, pos):
                    # a time past the stream's end (a damaged stamp): silence to the end, stop
                    if self._end > pos:
                        chunks.append(np.zeros((self.channels, self._end - pos), np.float32))
                        pos = self._end
                    self._eof = True
                    break
                if at is not None and abs(at - pos) > RESYNC * self.sample_rate:
                    if at > pos:  # a gap in the stream: silence
                        chunks.append(np.zeros((self.channels, at - pos), np.float32))
                        pos = at
                    else:  # overlap: drop what was already played
                        block = block[:, min(block.shape[1], pos - at):]
                chunks.append(block)
                pos += block.shape[1]
        if len(chunks) > 1:
            self._buf = np.concatenate(chunks, axis=1)

    def _trim(self, a: int) -> None:
        keep_from = a - int(KEEP_BEHIND * self.sample_rate)
        if keep_from > self._buf_start + self.sample_rate:  # trim in big steps, not every read
            self._buf = self._buf[:, keep_from - self._buf_start:].copy()
            self._buf_start = keep_from
            self._at_start = False

    def _position(self, pts) -> int | None:
        if pts is None:
            return None
        return int(round((pts * self._tb - self._origin) * self.sample_rate))

    def _decode_more(self):
        """Decode one packet: [(block, expected start position or None)], EOF flag set at end."""
        out = []
        try:
            pkt = next(self._packets)
        except StopIteration:
            pkt = None
        except (av.FFmpegError, OSError):  # damaged tail: the end
            pkt = None
        try:
            frames = self._cc.decode(pkt if pkt is not None and pkt.size else None)
        except (av.FFmpegError, OSError):
            frames = []  # corrupt packet: skip
        if pkt is None or not pkt.size:
            self._eof = True
        for fr in frames:
            at = self._position(fr.pts)
            fr.pts = None  # positions are tracked here; keep the resampler from re-timing
            shape = (fr.format.name, fr.layout.name, fr.sample_rate)
            if self._in_shape is not None and shape != self._in_shape:
                # the stream changed its format mid-way (FLV may): drain, then a fresh resampler
                for r in self._resampler.resample(None):
                    out.append((r.to_ndarray(), None))
                self._resampler = self._new_resampler()
            self._in_shape = shape
            for r in self._resampler.resample(fr):
                out.append((r.to_ndarray(), at))
                at = None
        if self._eof:
            for r in self._resampler.resample(None):
                out.append((r.to_ndarray(), None))
        return out

    def _new_resampler(self) -> av.AudioResampler:
        self._in_shape = None
        return av.AudioResampler(format="fltp", layout=self._layout, rate=self.sample_rate)

    def _open_stream(self) -> None:
        self._as = self._container.streams[self.info.audio[0].index]  # the stream probe described
        self._as.thread_type = "AUTO"
        self._cc = self._as.codec_context
        self._fresh = True  # the decoder has decoded nothing yet

    def _seek(self, a: int) -> None:
        """Restart decoding a little before sample ``a``; back off if the demuxer overshoots."""
        back = SEEK_MARGIN
        while True:
            t = self._origin + Fraction(a, self.sample_rate) - Fraction(back).limit_denominator(1000)
            at_start = t <= self._origin or a <= 0
            if at_start and not self._fresh:
                # back to the start: a flushed AAC decoder does not start as a fresh one does (its
                # first samples differ), and reads must not depend on what was read before
                self._container.close()
                self._container = open_container(self.info.path)
                self._open_stream()
            self._fresh = False
            self.seeks += 1
            seek_first(self._container, self._as, None if at_start else math.floor(t / self._tb))
            self._cc.flush_buffers()
            self._packets = demux_packets(self._container, self._as)
            self._resampler = self._new_resampler()
            self._eof = False
            first = []
            while not first and not self._eof:
                first = self._decode_more()
            pos = next((at for _, at in first if at is not None), None)
            if pos is None:
                pos = 0 if at_start else a
            blocks = [blk for blk, _ in first]
            if not at_start and blocks:
                # the first frame after a seek decodes without its predecessor (AAC's overlap), so
                # its samples are wrong: keep only what a straight decode would give, so a read
                # never depends on where the reader was before (clips share readers, engine/pool.py)
                pos += blocks[0].shape[1]
                blocks = blocks[1:]
            if pos > a and not at_start:
                back = back * 2 + 1.0
                continue
            self._buf = np.concatenate(blocks, axis=1) if blocks else np.zeros((self.channels, 0), np.float32)
            self._buf_start = pos
            self._at_start = at_start
            return
