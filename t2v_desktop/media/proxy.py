"""All-intra scrubbing proxy: every frame a small JPEG, so any frame costs one tiny decode.

Why: a frame-exact seek in long-GOP footage must decode from the keyframe before the target
(half a GOP of full-size frames on average: 70-120 ms for 1080p GOP 30 on two cores), which is
what dragging the playhead feels like. A proxy frame is one JPEG of at most 960x540: ~3-5 ms.

The proxy is for *scrubbing only* (what the preview shows while the playhead moves): it is
scaled down and lossy (bench/seek.py reports its PSNR against the original). Playback, export,
analysis and the resting playhead use the exact original (``FrameSource``).

Proxy frame ``j`` is ``FrameSource(path).frame(j)`` (same grid, rotation, aspect, colour),
scaled to fit ``PROXY_BOX`` and stored as MJPEG. Files live in ``paths.cache_dir()/proxy``,
keyed by the source's *content* (size + sampled bytes, so a renamed or copied file keeps its
proxy, an edited one gets a new one), written atomically; the folder is kept under
``PROXY_CACHE_BYTES`` (oldest first). ``start_proxy`` builds one in a background thread at low
priority; ``open_proxy`` returns a ``ProxySource`` once it exists.

File layout (a private cache format, so a frame is one ``pread``; no container, no seeking):
``MAGIC``, the JPEGs back to back, ``offsets`` (uint64, n+1), JSON metadata, then a trailer
``<QQ8s``: where the offsets start, where the JSON starts, ``END``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct
import threading
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

from ..errors import MediaError

PROXY_VERSION = 2
MAGIC = b"T2VPRX1\n"
END = b"T2VPRXE\n"
_TRAILER = struct.Struct("<QQ8s")
#: Proxy frames fit this box (long side, short side): a preview never shows more while scrubbing.
PROXY_BOX = (960, 540)
#: MJPEG quantiser (2 best .. 31): 4 keeps ~38 dB on camera footage at ~60 KB per 540p frame.
PROXY_QUALITY = 4
#: The proxy folder is trimmed to this size, least recently used first.
PROXY_CACHE_BYTES = 8 * 2**30
#: Footage with keyframes at least this many frames apart on average gets a proxy: shorter GOPs
#: (and all-intra codecs: ProRes, DNxHD, MJPEG) seek fast enough without one.
PROXY_MIN_GOP = 8
#: Bytes read from the start, middle and end of the source for its content key.
_SAMPLE = 1 << 20

_jobs: dict[Path, "ProxyJob"] = {}
_jobs_lock = threading.Lock()


def proxy_dir() -> Path:
    from ..paths import cache_dir

    return cache_dir() / "proxy"


def content_key(path) -> str:
    """A digest of the file's size and three 1 MiB samples (cheap for any size, unlike hashing
    it whole; a changed file changes its size or a sampled byte in practice)."""
    p = Path(path)
    size = p.stat().st_size
    h = hashlib.sha1(f"t2v-proxy {PROXY_VERSION} {size}".encode())
    with open(p, "rb") as f:
        for pos in sorted({0, max(0, size // 2 - _SAMPLE // 2), max(0, size - _SAMPLE)}):
            f.seek(pos)
            h.update(f.read(_SAMPLE))
    return h.hexdigest()[:24]


def needs_proxy(path, min_gop: int = PROXY_MIN_GOP) -> bool:
    """Whether exact seeks in ``path`` decode long runs (mean GOP >= ``min_gop`` frames). Files
    whose keyframes are not known yet (a big file still being indexed) count as long-GOP."""
    from . import keyindex
    from .info import open_container, video_stream

    with open_container(Path(path)) as c:
        vs = video_stream(c)
        if vs is None:
            return False
        entries = vs.index_entries
        n = len(entries)
        if n and vs.frames and n >= 0.9 * vs.frames:  # MP4/MOV: the sample table has it all
            keys = sum(1 for e in entries if e.is_keyframe)
            return n / max(1, keys) >= min_gop
        index = vs.index
    idx = keyindex.lookup(path, index)
    return idx is None or idx.mean_gop >= min_gop


def proxy_path(path, *, box: tuple[int, int] = PROXY_BOX, quality: int = PROXY_QUALITY) -> Path:
    """Where the proxy of ``path`` lives (whether or not it exists yet)."""
    return proxy_dir() / f"{content_key(path)}-{box[0]}x{box[1]}q{quality}.t2vproxy"


def proxy_size(width: int, height: int, box: tuple[int, int] = PROXY_BOX) -> tuple[int, int]:
    """``width x height`` scaled down (never up) to fit ``box`` either way round, even sizes."""
    long_side, short_side = max(box), min(box)
    s = min(1.0, long_side / max(width, height), short_side / max(1, min(width, height)))
    return max(2, 2 * round(width * s / 2)), max(2, 2 * round(height * s / 2))


class ProxySource:
    """Frames of a built proxy by grid index (the source's grid, or ``fps``). Not thread-safe.

    ``frame(i)`` returns a fresh HxWx3 uint8 array at the proxy size (``width`` x ``height``),
    the source frame ``FrameSource(src, fps=fps).frame(i)`` shows, scaled down and JPEG'd.
    """

    def __init__(self, proxy_file, *, fps: Fraction | None = None):
        self.path = Path(proxy_file)
        self._fd = None
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except OSError as e:
            raise MediaError(f"Cannot open the proxy {self.path.name}: {e.strerror}; it is rebuilt "
                             "when the clip is opened again.") from None
        try:
            self.meta, self._offsets = _read_index(self._fd)
        except BaseException:
            fd, self._fd = self._fd, None  # __del__ must not close the number again (reused)
            os.close(fd)
            raise
        m = self.meta
        self.width, self.height = int(m["width"]), int(m["height"])
        self._matrix, self._turns = str(m["matrix"]), int(m["turns"]) % 4
        self.source_width, self.source_height = int(m["source_width"]), int(m["source_height"])
        self._grid_fps = Fraction(*m["fps"])
        self.fps = Fraction(fps) if fps is not None else self._grid_fps
        if self.fps <= 0:
            raise MediaError(f"Frame rate must be positive, got {fps}.")
        n = len(self._offsets) - 1
        self.frame_count = n if self.fps == self._grid_fps else max(1, round(n * self.fps / self._grid_fps))
        self._dec = av.CodecContext.create("mjpeg", "r")
        self._sws = VideoReformatter()
        self.decoded = 0
        try:
            os.utime(self.path)  # least recently used is evicted first
        except OSError:
            pass

    def frame(self, index: int) -> np.ndarray:
        """Proxy frame on screen at ``index / fps``; past the end, the last one."""
        index = int(index)
        if index < 0:
            raise IndexError(f"frame index {index} is negative")
        if self._fd is None:
            raise MediaError("This proxy was closed; open it again.")
        n = len(self._offsets) - 1
        j = index if self.fps == self._grid_fps else math.floor(index * self._grid_fps / self.fps + Fraction(1, 10**6))
        j = min(j, n - 1)
        a, b = int(self._offsets[j]), int(self._offsets[j + 1])
        data = os.pread(self._fd, b - a, a)
        frames = self._dec.decode(av.Packet(data))
        if not frames:
            raise MediaError(f"The proxy {self.path.name} is damaged; delete it to rebuild it.")
        self.decoded += 1
        out = self._sws.reformat(frames[0], format="rgb24", src_colorspace=self._matrix,
                                 src_color_range="JPEG", interpolation=_RGB_FLAGS, threads=1)
        arr = out.to_ndarray()
        if self._turns:
            arr = np.ascontiguousarray(np.rot90(arr, self._turns))
        return arr

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "ProxySource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


_RGB_FLAGS = Interpolation.BILINEAR | Interpolation.FULL_CHR_H_INT | Interpolation.ACCURATE_RND


def _read_index(fd: int) -> tuple[dict, np.ndarray]:
    size = os.fstat(fd).st_size
    bad = MediaError("The scrubbing proxy is damaged or from another version; it is rebuilt when "
                     "the clip is opened again.")
    if size < len(MAGIC) + _TRAILER.size or os.pread(fd, len(MAGIC), 0) != MAGIC:
        raise bad
    off_pos, json_pos, end = _TRAILER.unpack(os.pread(fd, _TRAILER.size, size - _TRAILER.size))
    if end != END or not len(MAGIC) <= off_pos <= json_pos <= size - _TRAILER.size:
        raise bad
    if (json_pos - off_pos) % 8 or json_pos - off_pos < 16:
        raise bad
    offsets = np.frombuffer(os.pread(fd, json_pos - off_pos, off_pos), dtype="<u8")
    try:
        meta = json.loads(os.pread(fd, size - _TRAILER.size - json_pos, json_pos))
    except ValueError:
        raise bad from None
    if (meta.get("version") != PROXY_VERSION or offsets[0] != len(MAGIC) or offsets[-1] != off_pos
            or np.any(np.diff(offsets.astype(np.int64)) <= 0)):
        raise bad
    return meta, offsets


def build_proxy(src, dest, *, box: tuple[int, int] = PROXY_BOX, quality: int = PROXY_QUALITY,
                cancel: threading.Event | None = None,
                progress: Callable[[float], None] | None = None) -> Path | None:
    """Write the proxy of ``src`` to ``dest`` (atomically); None if cancelled."""
    from .frames import FrameSource

    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.part")
    with FrameSource(src, cache_size=0, small_caches=True) as fs:
        w, h = proxy_size(fs.width, fs.height, box)
        turns = fs._k  # quarter turns FrameSource applies; the reader applies them too
        sw, sh = (h, w) if turns % 2 else (w, h)  # stored size: before rotation
        enc = av.CodecContext.create("mjpeg", "w")
        enc.width, enc.height, enc.pix_fmt = sw, sh, "yuvj420p"
        enc.time_base = Fraction(1, 1000)
        enc.qmin = enc.qmax = int(quality)
        sws = VideoReformatter()
        offsets = [len(MAGIC)]
        n = fs.frame_count
        matrix = None
        try:
            with open(tmp, "wb") as out:
                out.write(MAGIC)
                prev, jpeg = None, b""
                for i in range(n):
                    if cancel is not None and cancel.is_set():
                        raise _Cancelled
                    f = fs.yuv_frame(i)
                    if f is not prev:  # else a source frame held over grid slots: same JPEG
                        prev = f
                        small, matrix = _small(fs, f, sw, sh, turns, sws, matrix)
                        small.pts, small.time_base, small.color_range = i, enc.time_base, 2  # 2: JPEG range
                        packets = enc.encode(small)
                        if len(packets) != 1:
                            raise MediaError(f"The MJPEG encoder returned {len(packets)} packets for one frame.")
                        jpeg = bytes(packets[0])
                    out.write(jpeg)
                    offsets.append(out.tell())
                    if progress is not None and i % 16 == 0:
                        progress(min(1.0, (i + 1) / n))
                meta = {"version": PROXY_VERSION, "width": w, "height": h, "quality": int(quality),
                        "matrix": matrix or "ITU709", "turns": turns,
                        "fps": [fs.fps.numerator, fs.fps.denominator], "source_width": fs.width,
                        "source_height": fs.height, "source": str(Path(src).name)}
                off_pos = out.tell()
                out.write(np.asarray(offsets, dtype="<u8").tobytes())
                json_pos = out.tell()
                out.write(json.dumps(meta).encode())
                out.write(_TRAILER.pack(off_pos, json_pos, END))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, dest)
        except _Cancelled:
            tmp.unlink(missing_ok=True)
            return None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    if progress is not None:
        progress(1.0)
    return dest


class _Cancelled(Exception):
    pass


def _small(fs, f, sw: int, sh: int, turns: int, sws, matrix: str | None):
    """Decoded frame ``f`` of ``fs`` as an ``sw x sh`` yuvj420p frame (not yet rotated) and the
    YUV matrix its values are in. YUV sources are scaled straight from their planes (no full-size
    RGB: ~40% of the build time); the matrix is FrameSource's (tag, else by height), kept from
    the first frame. Other formats (RGB, palette) go through FrameSource's RGB."""
    from .frames import _YUV_PREFIXES, matrix_for

    if f.format.name.startswith(_YUV_PREFIXES):
        matrix = matrix or matrix_for(int(f.colorspace), f.height)
        return sws.reformat(f, width=sw, height=sh, format="yuvj420p", src_colorspace=matrix,
                            dst_colorspace=matrix, interpolation=Interpolation.AREA, threads=1), matrix
    rgb = fs._to_rgb(f)
    if turns:
        rgb = np.ascontiguousarray(np.rot90(rgb, -turns))
    matrix = matrix or "ITU709"
    return sws.reformat(av.VideoFrame.from_ndarray(rgb, format="rgb24"), width=sw, height=sh,
                        format="yuvj420p", dst_colorspace=matrix, interpolation=Interpolation.AREA,
                        threads=1), matrix


def open_proxy(src, *, fps: Fraction | None = None, box: tuple[int, int] = PROXY_BOX,
               quality: int = PROXY_QUALITY) -> ProxySource | None:
    """The built proxy of ``src``, or None when there is none yet (or it is damaged: then it is
    deleted, so ``start_proxy`` builds it again)."""
    p = proxy_path(src, box=box, quality=quality)
    if not p.exists():
        return None
    try:
        return ProxySource(p, fps=fps)
    except MediaError:
        p.unlink(missing_ok=True)
        return None


class ProxyJob:
    """A background proxy build. ``done`` is set when it ends; then ``path`` (None if it failed
    or was cancelled) and ``error`` (a one-line message) tell how."""

    def __init__(self, src, dest: Path, box, quality):
        self.src, self.dest, self.box, self.quality = Path(src), dest, box, quality
        self.progress = 0.0
        self.path: Path | None = None
        self.error: str | None = None
        self.done = threading.Event()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="t2v-proxy", daemon=True)

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)

    def _run(self) -> None:
        try:
            try:  # Linux: threads are tasks, so this lowers only the builder's priority
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
            except (AttributeError, OSError):
                pass
            self.path = build_proxy(self.src, self.dest, box=self.box, quality=self.quality,
                                    cancel=self._cancel, progress=self._set_progress)
            if self.path is not None:
                trim_cache(keep=self.path)
        except (MediaError, OSError, av.FFmpegError) as e:
            self.error = str(e).splitlines()[0] if str(e) else type(e).__name__
        finally:
            with _jobs_lock:
                if _jobs.get(self.dest) is self:
                    del _jobs[self.dest]
            self.done.set()

    def _set_progress(self, v: float) -> None:
        self.progress = v


def start_proxy(src, *, box: tuple[int, int] = PROXY_BOX, quality: int = PROXY_QUALITY) -> ProxyJob:
    """Build the proxy of ``src`` in a background thread unless it exists or is being built;
    returns the job (already done when the proxy exists)."""
    dest = proxy_path(src, box=box, quality=quality)
    with _jobs_lock:
        job = _jobs.get(dest)
        if job is not None:
            return job
        job = ProxyJob(src, dest, box, quality)
        if dest.exists():
            job.path, job.progress = dest, 1.0
            job.done.set()
            return job
        _jobs[dest] = job
    job._thread.start()
    return job


def trim_cache(limit: int = PROXY_CACHE_BYTES, keep: Path | None = None) -> None:
    """Delete the least recently used proxies until the folder holds at most ``limit`` bytes."""
    try:
        files = [(p.stat().st_mtime, p.stat().st_size, p) for p in proxy_dir().glob("*.t2vproxy")]
    except OSError:
        return
    total = sum(s for _, s, _ in files)
    for _, size, p in sorted(files, key=lambda x: x[0]):
        if total <= limit:
            break
        if keep is not None and p == keep:
            continue
        try:
            p.unlink()
            total -= size
        except OSError:
            pass
