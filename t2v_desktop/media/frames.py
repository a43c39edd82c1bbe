"""FrameSource: RGB frames on a constant-rate grid, frame-accurate, fast forwards and backwards.

Grid frame ``i`` is the source frame *on screen* at ``start + i/fps``: the decoded frame with the
greatest pts not after that time. For VFR footage this repeats or drops frames so downstream
(stabilize, speed, export) sees a regular timeline; for CFR footage at its own rate it is the
identity. Decoding keeps a *run*: the last decoded frames (still YUV, not converted) in pts order,
with the decoder positioned right after them. Sequential access extends the run without seeking;
a request inside the run (walking backwards, scrubbing nearby) is answered without decoding; only
a jump before the run, or far past it, seeks to the keyframe before the target and decodes forward.
Only frames that are asked for are converted to RGB.

Colour: YUV is converted with the stream's tagged matrix; untagged streams get the usual player
convention (BT.709 for HD, height >= 720; BT.601 below), the same rule the Encoder writes with, so
a decode -> encode round trip does not shift colours. The conversion is accurate (full chroma
interpolation, exact rounding): the fast path adds about one level of noise per pixel, which x264
then spends ~40% more bits and ~25% more time on; the accurate path costs a few ms per HD frame.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict, deque
from fractions import Fraction
from typing import Iterator

import av
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

from ..errors import MediaError
from . import keyindex
from .info import MediaInfo, demux_packets, open_and_probe, seek_first, video_stream

#: Memory budgets (bytes) for the decoded run (YUV) and the RGB LRU; they cap ``cache_size``
#: for big frames so 4K footage does not hold gigabytes.
RUN_BUDGET = 192 * 2**20
RGB_BUDGET = 256 * 2**20
#: At most this many decoded frames are kept in the run (about a GOP or two).
RUN_MAX_FRAMES = 120
#: Without a keyframe index, jump (seek) instead of decoding forward when this far ahead (s).
FORWARD_DECODE_LIMIT = 2.0
#: Demuxers whose packet byte positions make exact seek targets (keyindex.py); others seek by time.
BYTE_SEEK_FORMATS = frozenset({"mpegts", "mpeg", "mpegvideo", "h264", "hevc"})
#: Small caches (``FrameSource(..., small_caches=True)``) for a straight pass such as an export,
#: which never walks back: a few decoded frames instead of a GOP or two.
SMALL_RUN_FRAMES = 8

#: swscale flags for YUV -> RGB: accurate (see the module docstring); one thread, since the
#: export pipeline already keeps both cores busy and sws threads only add hand-offs there.
SWS_FLAGS = Interpolation.BILINEAR | Interpolation.FULL_CHR_H_INT | Interpolation.ACCURATE_RND
#: AVCOL_SPC_* (a stream's tag) -> swscale colorspace; anything else counts as untagged.
_SWS_CS = {1: "ITU709", 4: "FCC", 5: "ITU601", 6: "SMPTE170M", 7: "SMPTE240M", 9: "BT2020", 10: "BT2020"}
#: Pixel formats whose colour needs a YUV matrix.
_YUV_PREFIXES = ("yuv", "nv", "p0", "p2", "p4", "uyvy", "yuyv", "y2", "ayuv", "vuya", "xv")


def matrix_for(colorspace: int | None, height: int) -> str:
    """The swscale matrix for a YUV stream tagged ``colorspace`` (AVCOL_SPC_*): the tag when it
    names one, else BT.709 for HD (height >= 720) and BT.601 for SD, as players assume."""
    tagged = _SWS_CS.get(int(colorspace or 2))
    if tagged:
        return tagged
    return "ITU709" if height >= 720 else "ITU601"


class _Memo:
    """A FrameSource's own RGB LRU (when no shared budget is given): get/put/clear by index."""

    def __init__(self, max_items: int):
        self.max_items = max_items
        self._d: OrderedDict[int, np.ndarray] = OrderedDict()

    def get(self, key: int):
        v = self._d.get(key)
        if v is not None:
            self._d.move_to_end(key)
        return v

    def put(self, key: int, value: np.ndarray) -> None:
        self._d[key] = value
        self._d.move_to_end(key)
        while len(self._d) > self.max_items:
            self._d.popitem(last=False)

    def clear(self) -> None:
        self._d.clear()

    def __len__(self) -> int:
        return len(self._d)


class _MissedKeyframe(Exception):
    """A seek to an indexed keyframe landed after it."""


class FrameSource:
    """Decoded RGB frames of one file by grid index. Not thread-safe: one per consumer thread.

    Returned arrays are fresh (HxWx3 uint8, rotation applied); callers may modify them.
    """

    def __init__(self, path, *, fps: Fraction | None = None, cache_size: int = 48,
                 small_caches: bool = False, cache_budget=None, out_size: tuple | None = None):
        self._container = None
        self._container, self.info = open_and_probe(path)
        info: MediaInfo = self.info
        if not info.has_video:
            self._container.close()
            raise MediaError(f"{info.path} has no video stream (it is audio only).")
        self.fps = Fraction(fps) if fps is not None else info.fps
        if self.fps <= 0:
            raise MediaError(f"Frame rate must be positive, got {fps}.")
        self.width, self.height = info.width, info.height
        if self.fps == info.fps:
            self.frame_count = info.frame_count
        else:
            self.frame_count = max(1, int(round(info.frame_count * self.fps / info.fps)))

        self._vs = video_stream(self._container)  # probe opened its decoder with threading on
        self._cc = self._vs.codec_context
        self._tb = Fraction(self._vs.time_base)
        start = info.video_origin_pts if info.video_origin_pts is not None else self._vs.start_time
        self._origin = int(start) if start is not None else int(round(info.start_time / self._tb))
        step = 1 / (self.fps * self._tb)  # one grid frame in ticks
        self._tol = min(step / 4, max(Fraction(1), Fraction(1, 2000) / self._tb))
        if info.vfr:  # camera clocks jitter: a frame up to a quarter slot late still gets its slot
            self._tol = step / 4
        self._src_step = max(1, int(round(1 / (info.fps * self._tb))))
        entries = self._vs.index_entries
        # Trust the demuxer's keyframe index only when it lists every frame (MP4/MOV); Matroska
        # cues are sparse, so there a time threshold decides between seeking and decoding on.
        complete = len(entries) >= 0.9 * info.frame_count
        self._keyframes = sorted(e.timestamp for e in entries if e.is_keyframe) if complete else []
        # What the reformatter must produce before rotation (anamorphic pixels -> square).
        if info.rotation in (90, 270):
            self._out_w, self._out_h = info.height, info.width
        else:
            self._out_w, self._out_h = info.width, info.height
        if out_size is not None:  # a preview's proxy size (as shown, after rotation): swscale scales
            # while it converts, 3x cheaper at 1080p -> 960x540 than converting, then resizing
            self.width, self.height = ow, oh = max(2, int(out_size[0])), max(2, int(out_size[1]))
            self._out_w, self._out_h = (oh, ow) if info.rotation in (90, 270) else (ow, oh)
        self._scale = (self._out_w, self._out_h) != (info.coded_width, info.coded_height)
        self._k = (-info.rotation // 90) % 4

        yuv_bytes = max(1, info.coded_width * info.coded_height * 2)
        rgb_bytes = max(1, self.width * self.height * 3)
        self._run_max = max(8, min(RUN_MAX_FRAMES, RUN_BUDGET // yuv_bytes))
        self._cache_max = max(0, min(cache_size, RGB_BUDGET // rgb_bytes))
        if small_caches:  # a straight pass (export): no scrubbing to serve
            self._run_max, self._cache_max = SMALL_RUN_FRAMES, min(self._cache_max, 2)
        self._sws = VideoReformatter()  # one swscale context, reused frame after frame
        self._matrix: dict[tuple[int, int], str] = {}
        # the RGB LRU; ``cache_budget`` (engine/pool.py's CacheBudget: ``.memo(n)``) makes it count
        # against a byte budget shared with other decoders and stages
        self._cache = cache_budget.memo(self._cache_max) if cache_budget is not None else _Memo(self._cache_max)
        self._last_rgb: tuple = (None, None)  # (decoded frame, its RGB) of the last read_next

        self._run_pts: list[int] = []
        self._run: list[av.VideoFrame] = []
        self._run_at_start = False   # the run begins with the stream's first frame
        self._eof = False            # the decoder has nothing after the run's last frame
        self._pending: deque = deque()
        self._packets = None
        # MP4/MOV frame durations come from the sample table, so pts + duration is exactly the
        # next frame's pts; elsewhere (Matroska writes 1/fps) only decoding the next one tells.
        self._exact_durations = "mp4" in self._container.format.name.split(",")
        # Skipping non-reference frames on jumps needs a regular frame spacing (CFR).
        self._skip_ok = not info.vfr
        self._skip_upto: int | None = None
        self._skipping = False
        self._max_skipped: int | None = None
        # Exact keyframe index (keyindex.py) for files whose demuxer index is incomplete; looked
        # up on the first jump. ``_gate``: after a seek, packets before this keyframe are dropped.
        self._need_kindex = not self._keyframes
        self._kindex = None
        self._kindex_tried = False
        self._key_misses = 0  # jumps where the indexed keyframe was not found (MPEG-PS parsers)
        self._gate: int | None = None
        self._min_pts: int | None = None
        fmt = set(self._container.format.name.split(","))
        self._byte_seek = bool(fmt & BYTE_SEEK_FORMATS)
        self.seeks = 0               # how many times the decoder was repositioned (diagnostics)
        self.decoded = 0             # frames decoded so far (diagnostics)

    # ----------------------------------------------------------------------------- public API
    def frame(self, index: int) -> np.ndarray:
        """The frame on screen at ``index / fps``; past the end, the last frame."""
        index = self._check_index(index)
        hit = self._cache.get(index)
        if hit is not None:
            return hit.copy()
        arr = self._to_rgb(self._locate(self._target(index)))
        if self._cache_max:
            self._cache.put(index, arr)
            return arr.copy()
        return arr

    def read_next(self, index: int) -> np.ndarray:
        """Frame ``index`` for a straight pass (the next of a clip being played or exported, which
        may continue another clip's pass over the same file): decodes on from where the decoder
        stands, skips the LRU; a repeated source frame is converted once."""
        f = self._locate(self._target(self._check_index(index)))
        prev_f, prev_arr = self._last_rgb
        if f is prev_f:
            return prev_arr.copy()
        arr = self._to_rgb(f)
        self._last_rgb = (f, arr)
        return arr

    def frame_at(self, t: float) -> np.ndarray:
        """The frame on screen at ``t`` seconds from the file's first frame."""
        if t < -1e-6 or math.isnan(t):
            raise IndexError(f"time {t} is before the start of the clip")
        return self.frame(max(0, math.floor(t * self.fps + 1e-6)))

    def iter_frames(self, start: int = 0, end: int | None = None) -> Iterator[np.ndarray]:
        """Frames ``start..end-1`` in order: decodes straight through, no seeking, no LRU."""
        end = self.frame_count if end is None else end
        self._check_index(start)
        prev_f, prev_arr = None, None
        for i in range(int(start), end):
            f = self._locate(self._target(min(i, self.frame_count - 1)))
            if f is prev_f:
                yield prev_arr.copy()  # a repeated source frame (VFR / higher grid rate)
                continue
            arr = self._to_rgb(f)
            prev_f, prev_arr = f, arr
            yield arr

    def close(self) -> None:
        self._run.clear()
        self._run_pts.clear()
        self._pending.clear()
        self._cache.clear()
        self._last_rgb = (None, None)
        if self._container is not None:
            self._container.close()
            self._container = None

    def __enter__(self) -> "FrameSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):  # best effort; close() is the contract
        try:
            self.close()
        except Exception:
            pass

    # ----------------------------------------------------------------------------- internals
    def _check_index(self, index: int) -> int:
        index = int(index)
        if index < 0:
            raise IndexError(f"frame index {index} is negative")
        if self._container is None:
            raise MediaError("This FrameSource was closed; open the file again.")
        return min(index, self.frame_count - 1)

    def _target(self, index: int) -> int:
        """Latest pts (ticks) that counts as on screen at grid frame ``index``."""
        return math.floor(self._origin + Fraction(index) / (self.fps * self._tb) + self._tol)

    def _to_rgb(self, f: av.VideoFrame) -> np.ndarray:
        kw = {}
        # A stream that changes size mid-way (broadcast TS, screen recordings) is scaled back to
        # the probed size, so every frame a consumer gets has one size.
        if self._scale or (f.width, f.height) != (self.info.coded_width, self.info.coded_height):
            kw = {"width": self._out_w, "height": self._out_h}
        fmt = "rgb24"
        if f.format.name.startswith(_YUV_PREFIXES):
            key = (int(f.colorspace), f.height)
            cs = self._matrix.get(key)
            if cs is None:
                cs = self._matrix[key] = matrix_for(*key)
            kw["src_colorspace"] = cs
            fmt = "gbrp"  # same pixels as rgb24; swscale's accurate planar path is ~30% cheaper
        out = self._sws.reformat(f, format=fmt, interpolation=SWS_FLAGS, threads=1, **kw)
        arr = out.to_ndarray()
        if out is f:  # already RGB: the array would share the decoded frame kept in the run
            arr = arr.copy()
        if self._k:
            arr = np.ascontiguousarray(np.rot90(arr, self._k))
        return arr

    def _locate(self, t: int) -> av.VideoFrame:
        """The decoded frame on screen at pts ``t`` (ticks)."""
        pts = self._run_pts
        if pts and (pts[0] <= t or self._run_at_start):
            if t < pts[-1]:
                return self._run[max(0, bisect.bisect_right(pts, t) - 1)]
            if self._eof:
                return self._run[-1]
            if not self._jump_better(pts[-1], t):
                f = self._skipping_to(t, lambda: self._decode_until(t))
                if f is not None:
                    return f
        return self._skipping_to(t, lambda: self._seek_to(t))

    def _skipping_to(self, t: int, work):
        """Run ``work`` (decode towards ``t``) skipping non-reference frames that cannot be on
        screen at ``t`` -- unless this is sequential playback or a step back past the run, whose
        frames are worth keeping. Frames before the last skipped one are then dropped from the
        run, since it has holes there."""
        pts = self._run_pts
        near_end = bool(pts) and pts[-1] <= t <= pts[-1] + 2 * self._src_step
        walking_back = bool(pts) and pts[0] - 3 * self._src_step <= t < pts[0]
        self._max_skipped = None
        if self._skip_ok and not near_end and not walking_back:
            self._skip_upto = t - 3 * self._src_step // 2  # CFR: a later frame is still <= t
        try:
            f = work()
        finally:
            self._skip_upto = None
            self._set_skip(False)
        if self._max_skipped is not None and self._run_pts and self._run_pts[0] <= self._max_skipped:
            keep = bisect.bisect_right(self._run_pts, self._max_skipped)
            if f is not None and f in self._run:
                keep = min(keep, self._run.index(f))
            del self._run[:keep]
            del self._run_pts[:keep]
            self._run_at_start = False
        return f

    def _jump_better(self, cur: int, t: int) -> bool:
        """Whether seeking beats decoding forward from ``cur`` to ``t``."""
        if self._keyframes:
            k = bisect.bisect_right(self._keyframes, t) - 1
            return k >= 0 and self._keyframes[k] > cur + 4 * self._src_step
        return (t - cur) * self._tb > FORWARD_DECODE_LIMIT

    def _decode_until(self, t: int) -> av.VideoFrame | None:
        """Extend the run until a frame after ``t`` (or the end); return the frame at ``t``."""
        while self._run_pts[-1] <= t:
            last = self._run[-1]
            if self._exact_durations and last.duration and self._run_pts[-1] + last.duration > t:
                return last  # the next frame starts after t: no need to decode it yet
            f = self._next_frame()
            if f is None:
                self._eof = True
                return self._run[-1]
            self._append(f)
        i = bisect.bisect_right(self._run_pts, t) - 1
        return self._run[i] if i >= 0 else None

    def _append(self, f: av.VideoFrame) -> None:
        self._run_pts.append(f.pts)
        self._run.append(f)
        if len(self._run) > self._run_max:
            del self._run[0]
            del self._run_pts[0]
            self._run_at_start = False

    def _next_frame(self) -> av.VideoFrame | None:
        """Next decoded frame with increasing pts, or None at the end of the stream."""
        last = self._run_pts[-1] if self._run_pts else None
        while True:
            while not self._pending:
                if self._packets is None:
                    return None
                try:
                    pkt = next(self._packets)
                except StopIteration:
                    self._packets = None
                    return None
                except (av.FFmpegError, OSError):  # damaged tail: treat as the end
                    self._packets = None
                    pkt = None
                if pkt is not None and self._gate is not None:
                    if pkt.pts == self._gate and pkt.is_keyframe:
                        self._gate = None
                    elif pkt.size and (pkt.pts is None or pkt.pts < self._gate or not pkt.is_keyframe):
                        continue  # before the keyframe we seek to: not needed to decode from it
                    else:
                        raise _MissedKeyframe
                if pkt is not None and self._skip_upto is not None:
                    self._set_skip(pkt.pts is not None and pkt.pts <= self._skip_upto and not pkt.is_keyframe)
                    if self._skipping:
                        self._max_skipped = max(self._max_skipped or pkt.pts, pkt.pts)
                try:
                    self._pending.extend(self._cc.decode(pkt if pkt is None or pkt.size else None))
                except (av.FFmpegError, OSError):
                    continue  # a corrupt packet: skip it, keep going
            f = self._pending.popleft()
            self.decoded += 1
            if f.pts is None:
                f.pts = (last + self._src_step) if last is not None else self._origin
            if self._min_pts is not None and f.pts < self._min_pts:
                continue  # an open GOP's leading frame: it needs the previous GOP
            if last is None or f.pts > last:
                return f

    def _set_skip(self, on: bool) -> None:
        if on != self._skipping:
            self._cc.skip_frame = "NONREF" if on else "DEFAULT"
            self._skipping = on

    def _reposition(self, ts: int | None, byte_pos: int | None = None) -> None:
        self.seeks += 1
        self._pending.clear()
        self._run.clear()
        self._run_pts.clear()
        self._eof = False
        self._gate = self._min_pts = None
        if byte_pos is not None:
            self._container.seek(byte_pos, unsupported_byte_offset=True)
        else:
            seek_first(self._container, self._vs, ts)
        self._cc.flush_buffers()
        self._packets = demux_packets(self._container, self._vs)  # survives streams added mid-file

    def _key_index(self, t: int):
        """The exact keyframe index, for files whose demuxer index is incomplete (None: use
        time seeks; big files get theirs from a background scan, later)."""
        if not self._need_kindex:
            return None
        if self._kindex is None and (t - self._origin) * self._tb <= FORWARD_DECODE_LIMIT:
            return None  # the start (every reader's first read, an export's): no scan for that
        if self._kindex is None and (not self._kindex_tried or self.seeks % 8 == 0):
            self._kindex_tried = True
            self._kindex = keyindex.lookup(self.info.path, self._vs.index)
            if self._kindex is not None:
                self._keyframes = list(self._kindex.pts)
        return self._kindex

    def _seek_key(self, t: int) -> av.VideoFrame | None:
        """Seek straight to the indexed keyframe before ``t`` (by byte where the format allows,
        else by its time, dropping packets before it); None when that did not work out."""
        idx = self._key_index(t) if self._key_misses < 2 else None  # else: time seeks as before
        k = idx.before(t) if idx is not None else None
        if k is None:
            return None
        pos = idx.pos[k]
        try:
            self._reposition(idx.pts[k], pos if self._byte_seek and pos >= 0 else None)
            self._gate = self._min_pts = idx.pts[k]
            first = self._next_frame()
        except (_MissedKeyframe, av.FFmpegError, OSError):
            first = None
        finally:
            self._gate = None
        if first is None or first.pts > t:
            self._key_misses += 1
            return None
        self._key_misses = 0
        self._run_at_start = False
        self._append(first)
        f = self._decode_until(t)
        return f if f is not None else first

    def _seek_to(self, t: int) -> av.VideoFrame:
        """Seek to the keyframe before ``t`` and decode forward to it, backing off if the seek
        landed after ``t`` (B-frame files, damaged ones)."""
        f = self._seek_key(t)
        if f is not None:
            return f
        back = Fraction(0)
        second = 1 / self._tb
        while True:
            ts = t - back
            at_start = ts <= self._origin
            self._reposition(None if at_start else math.floor(ts))
            first = self._next_frame()
            if first is None or (first.pts > t and not at_start):
                if at_start:
                    raise MediaError(f"No frame of {self.info.path} can be decoded; the file is damaged.")
                back = back * 2 + second
                continue
            self._run_at_start = at_start
            self._append(first)
            if first.pts > t:  # t is before the first frame: show the first frame
                return first
            f = self._decode_until(t)
            return f if f is not None else first

    def yuv_frame(self, index: int) -> av.VideoFrame:
        """The decoded frame on screen at ``index / fps`` as it left the decoder (its own pixel
        format; rotation and aspect NOT applied), for the export's YUV fast path (engine/yuv.py).
        It is shared with the decoded run: read it, never modify it or hand it on."""
        return self._locate(self._target(self._check_index(index)))
