"""``probe(path) -> MediaInfo``: what a media file holds, read once with PyAV.

Beyond what the container header says, probe decodes the first video frame (rotation lives in
the display-matrix side data that ffmpeg attaches to frames, and a file whose video cannot be
decoded is better refused here than half-way through an export) and scans the timestamps of the
first packets to tell variable from constant frame rate.
"""

from __future__ import annotations

import errno
import math
import os
import stat
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import MediaError

#: Packets scanned for VFR detection (about 10 s at 25 fps; demux only, no decoding).
VFR_SCAN_PACKETS = 250

#: Index entries (decode timestamps, no data read) used for the same purpose when the file has them:
#: about 55 min at 30 fps, read in ~40 ms, so a phone clip that drops its rate late is still seen.
INDEX_SCAN = 100_000

#: Frame gaps whose total span sets a VFR file's top rate (see vfr_grid_rate).
VFR_RATE_WINDOW = 15

#: The highest grid rate a VFR file gets (its top rate, unless the average is higher still): a
#: timestamp glitch must not make a 1000 fps timeline.
MAX_GRID_RATE = 120

#: Frame rates a VFR average is snapped to when it is close (phones record "about 30").
STANDARD_RATES = (
    Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
    Fraction(48), Fraction(50), Fraction(60000, 1001), Fraction(60), Fraction(120),
)

CHANNEL_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


@dataclass(frozen=True)
class AudioStreamInfo:
    index: int          # stream index inside the container
    codec: str
    sample_rate: int
    channels: int
    duration: float


@dataclass(frozen=True)
class MediaInfo:
    path: str
    container: str
    duration: float
    has_video: bool
    width: int          # display size: rotation and non-square pixels applied
    height: int
    rotation: int       # 0/90/180/270, clockwise, to apply for display
    fps: Fraction       # exact for CFR (30000/1001 stays exact); a (snapped) average for VFR
    frame_count: int
    video_codec: str | None
    pix_fmt: str | None
    vfr: bool
    audio: tuple[AudioStreamInfo, ...]
    #: Decoded (coded) size before rotation / aspect correction; where frame readers start from.
    coded_width: int = 0
    coded_height: int = 0
    #: Time of the first video frame (or first audio sample) in seconds: timeline 0 of this file.
    start_time: float = 0.0
    #: What was left out or read in an unexpected way (a sound track of an unknown codec), one
    #: line each, for the user to see.
    notes: tuple[str, ...] = ()
    #: The first video frame's pts (stream time base) when it is later than the stream's declared
    #: start (AVI with B-frames declares 0, its first frame shows at 1): frame readers start there.
    video_origin_pts: int | None = None

    @property
    def has_audio(self) -> bool:
        return bool(self.audio)


def layout_for(channels: int) -> str:
    """The ffmpeg channel-layout name for a channel count (stereo for 2)."""
    try:
        return CHANNEL_LAYOUTS[channels]
    except KeyError:
        raise MediaError(f"{channels} audio channels are not supported; use 1 to 8.") from None


def open_container(path) -> av.container.InputContainer:
    """av.open with our error messages; the caller closes it. Only regular files are opened: a
    pipe (FIFO) would block av.open forever and a device such as /dev/zero never ends."""
    p = Path(path)
    st = _stat(p)
    if stat.S_ISDIR(st.st_mode):
        raise MediaError(f"{p} is a folder, not a video or audio file.")
    if not stat.S_ISREG(st.st_mode):
        raise MediaError(
            f"{p} is not a regular file (it is a {_file_kind(st.st_mode)}); save the media to a file first."
        )
    if st.st_size == 0:
        raise MediaError(f"{p} is empty (0 bytes); it is not a video or audio file.")
    if not os.access(p, os.R_OK):
        raise MediaError(f"Cannot read {p}: permission denied. Check the file's permissions.")
    try:
        return av.open(str(p), "r", metadata_errors="ignore")
    except OSError as e:
        if e.errno in (errno.EACCES, errno.EPERM):
            raise MediaError(f"Cannot read {p}: permission denied. Check the file's permissions.") from None
        raise MediaError(_not_media(p, e)) from None
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as e:
        raise MediaError(_not_media(p, e)) from None


def _not_media(p: Path, e: Exception) -> str:
    return (f"Cannot open {p.name}: it is not a video or audio file t2v-desktop can read, or it is "
            f"damaged ({_reason(e)}). Try re-exporting it from the app that made it.")


def _stat(p: Path) -> os.stat_result:
    """os.stat with one-line messages for every way a path can be unusable."""
    try:
        return os.stat(p)
    except ValueError:  # an embedded NUL character
        raise MediaError(f"{_shown(p)} is not a valid path (it contains a NUL character).") from None
    except OSError as e:
        raise MediaError(_path_problem(p, e)) from None


def _path_problem(p: Path, e: OSError) -> str:
    shown = _shown(p)
    if e.errno == errno.ENOENT:
        return f"File not found: {shown}. Check the path, or pick the file again."
    if e.errno == errno.ENAMETOOLONG:
        longest = max((len(os.fsencode(part)) for part in p.parts), default=0)
        return (f"The path {shown} is too long for the file system (a name of {longest} bytes; most "
                f"allow 255 per name). Rename the file or folder to something shorter.")
    if e.errno == errno.ENOTDIR:
        blocker = next((q for q in reversed(p.parents) if q.exists() and not q.is_dir()), None)
        what = f"{blocker} is a file, not a folder" if blocker else "a part of it is a file, not a folder"
        return f"File not found: {shown} ({what}). Check the path."
    if e.errno in (errno.EACCES, errno.EPERM):
        return (f"Cannot read {shown}: permission denied (a folder on the path cannot be opened, "
                f"or the file is not readable). Check the permissions.")
    if e.errno == errno.ELOOP:
        return f"Cannot open {shown}: too many symbolic links (a link loop?)."
    return f"Cannot open {shown}: {_reason(e)}."


def _shown(p: Path, limit: int = 160) -> str:
    """The path for a message: one line, and not hundreds of characters."""
    s = " ".join(str(p).replace("\0", "\\0").split())
    return s if len(s) <= limit else s[: limit // 2 - 1] + "…" + s[-(limit // 2):]


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _reason(e: Exception) -> str:
    """A short, one-line cause: the OS/ffmpeg message without the path it repeats."""
    msg = getattr(e, "strerror", None) or str(e) or type(e).__name__
    msg = " ".join(str(msg).split(": '")[0].split())
    return (msg[:120] + "…" if len(msg) > 120 else msg).rstrip(".")


def video_stream(container):
    """The main video stream, ignoring cover art (attached pictures) and streams this build has
    no decoder for (no codec context); None if there is none."""
    for s in _main_video(container):
        if s.codec_context is not None:
            return s
    return None


def _main_video(container) -> list:
    return [s for s in container.streams.video
            if not (int(s.disposition) & int(av.stream.Disposition.attached_pic))]


def audio_streams(container) -> list:
    """The audio streams this build can decode (a stream of an unknown codec has no context)."""
    return [s for s in container.streams.audio
            if s.codec_context is not None and s.codec_context.sample_rate and s.codec_context.channels]


def demux_packets(container, stream):
    """``container.demux(stream)`` that survives a stream appearing mid-file (FLV allows it; a
    damaged FLV does it): PyAV's generator dies with IndexError on such a packet, so the packet
    is dropped and demuxing resumes where the container stands."""
    while True:
        try:
            yield from container.demux(stream)
            return
        except IndexError:
            continue


def seek_first(container, stream, ts: int | None) -> None:
    """Seek ``stream`` to the keyframe at or before ``ts`` (its time base); ``None``: to its very
    first packet (encoder-priming packets included, so audio starts exactly as in a fresh open).

    Some demuxers refuse a time before their first index entry (FLV: EPERM) or have no time
    seeking at all: then back to the first byte, which they resync from; the caller decodes
    forward from wherever this lands."""
    try:
        if ts is None:
            start = stream.start_time or 0
            container.seek(start - int(10 / stream.time_base), stream=stream, backward=True)
        else:
            container.seek(ts, stream=stream, backward=True)
        return
    except (av.FFmpegError, OSError):
        pass
    try:
        container.seek(0, backward=True)
        return
    except (av.FFmpegError, OSError):
        pass
    try:
        container.seek(0, unsupported_byte_offset=True)
    except (av.FFmpegError, OSError) as e:
        name = os.path.basename(container.name or "") or "this file"
        raise MediaError(f"Cannot seek in {name} ({_reason(e)}); re-export it as MP4 to edit it.") from None


def _container_name(container, path: Path) -> str:
    names = container.format.name.split(",")
    ext = path.suffix.lower().lstrip(".")
    return ext if ext in names else names[0]


def _seconds(value, time_base) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def snap_rate(rate: Fraction) -> Fraction:
    """A VFR average close (3%) to a standard rate becomes that rate; else a tidy fraction."""
    best = min(STANDARD_RATES, key=lambda r: abs(float(r - rate)))
    if abs(float(best - rate)) <= 0.03 * float(best):
        return best
    return Fraction(rate).limit_denominator(1000)


def nice_rate(rate: Fraction) -> Fraction:
    """The standard or whole rate within 0.5% of ``rate``, else a tidy fraction of it."""
    cands = list(STANDARD_RATES) + [Fraction(n) for n in range(1, 241)]
    best = min(cands, key=lambda r: abs(float(r - rate)))
    if abs(float(best - rate)) <= 0.005 * float(best):
        return best
    return Fraction(rate).limit_denominator(1001)


def vfr_grid_rate(pts: list[int], complete: bool, time_base, average: Fraction) -> Fraction:
    """The constant rate a VFR stream is read at: its *top* rate, so every source frame gets a
    grid slot of its own (frames repeat where the source holds them, none is dropped).

    The top rate is that of the fastest run of VFR_RATE_WINDOW frame gaps, measured over the
    run's whole span so a jittery camera clock or a millisecond clock's 16/17 ms steps average
    out; a stray frame far closer to its neighbour than the gaps around it (under a third of
    their median: a duplicate, a timestamp glitch) is left out of that count. The rate is
    snapped to the nearest standard rate within 3%, else rounded up to a whole rate; never
    below the average, never above MAX_GRID_RATE unless the average is."""
    ts = np.unique(np.asarray(pts, dtype=np.int64))
    if not complete:
        ts = ts[:-16]  # B-frames of the window's end may still be missing (see _is_vfr)
    gaps = np.diff(ts)
    if gaps.size == 0:
        return average
    w = min(VFR_RATE_WINDOW, gaps.size)
    padded = np.pad(gaps, (w // 2, w - 1 - w // 2), mode="edge")
    local = np.median(np.lib.stride_tricks.sliding_window_view(padded, w), axis=1)
    ts = ts[np.concatenate([[True], gaps * 3 >= local])]
    n = min(VFR_RATE_WINDOW, ts.size - 1)
    if n < 1:
        return average
    span = int((ts[n:] - ts[:-n]).min())
    if span <= 0:
        return average
    top = min(Fraction(n) / (span * Fraction(time_base)), Fraction(MAX_GRID_RATE))
    best = min(STANDARD_RATES, key=lambda r: abs(float(r - top)))
    if abs(float(best - top)) <= 0.03 * float(best):
        top = best
    else:
        top = Fraction(math.ceil(top - Fraction(1, 100)))
    return max(top, average)


def _is_vfr(pts: list[int], complete: bool) -> bool:
    """Irregular gaps between (sorted) presentation times, beyond timestamp rounding. Packets
    come in decode order, so a partial scan lacks some B-frames just before its last packets:
    the top of the window (16 frames, H.264's deepest reordering) is left out."""
    ts = sorted(set(pts))
    if not complete:
        ts = ts[:-16]
    if len(ts) < 3:
        return False
    diffs = [ts[i + 1] - ts[i] for i in range(len(ts) - 1)]
    med = sorted(diffs)[len(diffs) // 2]
    tol = max(1.5, 0.05 * med)  # one tick of rounding (ms-based containers), plus slack
    return any(abs(d - med) > tol for d in diffs)


def _scan_video(container, vs, want_pts: bool = True) -> tuple[list[int], "av.VideoFrame | None", bool]:
    """Pts of the first packets (if ``want_pts``), the first decoded frame (None if nothing
    decodes) and whether the scan reached the end of the stream (then ``pts`` has every frame)."""
    pts: list[int] = []
    first = None
    eof = False
    vs.thread_type = "AUTO"
    try:
        for pkt in demux_packets(container, vs):
            if pkt.size == 0:
                eof = True
            elif pkt.pts is not None and not pkt.is_discard:  # discard: hidden by an edit list
                pts.append(pkt.pts)
            if first is None:
                for f in vs.codec_context.decode(pkt if pkt.size else None):
                    first = f
                    break
            if first is not None and (not want_pts or len(pts) >= VFR_SCAN_PACKETS):
                break
    except (av.FFmpegError, OSError):
        pass  # a damaged tail: what was read so far decides
    return pts, first, eof


def _index_times(vs, limit: int = INDEX_SCAN) -> tuple[list[int], bool, int] | None:
    """Frame timestamps from the demuxer's index (MP4/MOV list every sample: no data is read,
    which matters for 4K files), whether they are all of them, and how many entries were left
    out as hidden by an edit list (the lead-in of a stream-copied cut: decoded, never shown);
    None without a full index."""
    entries = vs.index_entries
    n = len(entries)
    if not n or not vs.frames or n < vs.frames:
        return None
    take = min(n, limit)
    times, hidden = [], 0
    for i in range(take):
        e = entries[i]
        if e.is_discard:
            hidden += 1
        else:
            times.append(e.timestamp)
    return times, take == n, hidden


def _tag_duration(stream) -> float | None:
    """Matroska/WebM keep per-stream length in a DURATION tag ("00:00:02.000000000")."""
    tag = (stream.metadata or {}).get("DURATION") or (stream.metadata or {}).get("duration")
    if not tag:
        return None
    try:
        h, m, s = tag.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    except ValueError:
        return None


def probe(path) -> MediaInfo:
    """Read a file's streams, duration, exact frame rate, rotation and VFR-ness."""
    container, info = open_and_probe(path)
    container.close()
    return info


def open_and_probe(path) -> tuple:
    """``(open container, MediaInfo)``: readers keep the container probe used (opening a file
    costs a decode in ffmpeg's stream-info step). The caller seeks before reading."""
    p = Path(path)
    container = open_container(p)
    try:
        return container, _probe(container, p)
    except BaseException:
        container.close()
        raise


def _probe(container, p: Path) -> MediaInfo:
    vs = video_stream(container)
    if vs is None and _main_video(container):
        raise MediaError(
            f"The video in {p.name} uses a codec this build of t2v-desktop cannot decode (unknown to "
            "its ffmpeg). Re-export it as H.264 MP4."
        )
    sound = audio_streams(container)
    if vs is None and not sound:
        if container.streams.audio:
            raise MediaError(f"The sound in {p.name} uses a codec this build of t2v-desktop cannot decode. "
                             "Convert it to WAV, MP3 or AAC.")
        raise MediaError(f"{p.name} has no video or audio stream t2v-desktop can use.")
    notes = []
    if len(sound) < len(container.streams.audio):
        notes.append(f"{p.name}: {len(container.streams.audio) - len(sound)} sound track(s) of a codec this "
                     "build cannot decode are left out.")
    cdur = container.duration / av.time_base if container.duration else None
    cstart = container.start_time / av.time_base if container.start_time is not None else 0.0

    audio = []
    for s in sound:
        cc = s.codec_context
        adur = _seconds(s.duration, s.time_base) or cdur or 0.0
        audio.append(AudioStreamInfo(index=s.index, codec=cc.name, sample_rate=cc.sample_rate or 0,
                                     channels=cc.channels or 0, duration=adur))

    if vs is None:
        a0 = sound[0]
        start = _seconds(a0.start_time, a0.time_base)
        return MediaInfo(
            path=str(p), container=_container_name(container, p), duration=cdur or audio[0].duration,
            has_video=False, width=0, height=0, rotation=0, fps=Fraction(0), frame_count=0,
            video_codec=None, pix_fmt=None, vfr=False, audio=tuple(audio), notes=tuple(notes),
            start_time=start if start is not None else cstart,
        )

    cc = vs.codec_context
    vname = cc.name
    indexed = _index_times(vs)
    pts, first, eof = _scan_video(container, vs, want_pts=indexed is None)
    hidden = 0
    if indexed is not None:
        pts, eof, hidden = indexed
    if first is None:
        raise MediaError(
            f"The video in {p.name} cannot be decoded (codec {vname}); the file is damaged or "
            "uses a format this build does not support. Try re-exporting it as H.264 MP4."
        )
    coded_w, coded_h = first.width, first.height
    rotation = (-int(round(first.rotation or 0))) % 360
    rotation = int(round(rotation / 90.0) * 90) % 360  # odd angles: nearest quarter turn
    sar = vs.sample_aspect_ratio or cc.sample_aspect_ratio
    disp_w = coded_w
    if sar and sar.numerator > 0 and sar != 1:
        disp_w = max(2, int(round(coded_w * sar / 2)) * 2)
    width, height = (coded_h, disp_w) if rotation in (90, 270) else (disp_w, coded_h)

    tb = vs.time_base
    vfr = _is_vfr(pts, eof)
    rate = vs.average_rate or vs.guessed_rate or vs.base_rate
    if vfr and rate:
        rate = snap_rate(Fraction(rate))
    if not rate or rate <= 0:
        rate = Fraction(25)
    rate = Fraction(rate)
    if vfr:
        rate = vfr_grid_rate(pts, eof, tb, rate)
    uniq = sorted(set(pts))
    if not eof:
        uniq = uniq[:-16]
    if not vfr and len(uniq) >= 10 and uniq[-1] > uniq[0]:
        # Containers with coarse clocks (GIF: 1/100 s) make ffmpeg's rate guess wrong (15 fps
        # GIF -> 50/3); the timestamps themselves say better.
        scanned = Fraction(len(uniq) - 1) / ((uniq[-1] - uniq[0]) * tb)
        if abs(scanned - rate) > rate / 100:
            rate = nice_rate(scanned)

    vstart = _seconds(vs.start_time, tb)
    if vstart is None:
        vstart = _seconds(min(pts), tb) if pts else cstart
    origin = None
    if vs.start_time is not None and first.pts is not None and first.pts > vs.start_time:
        origin = int(first.pts)  # nothing shows before the first frame: the clip starts there
        vstart = float(origin * tb)
    vdur = _seconds(vs.duration, tb) or _tag_duration(vs)
    if not vdur:
        vdur = (cdur - (vstart - cstart)) if cdur else None
    if not vdur:
        vdur = (vs.frames or 1) / float(rate)
    if vfr:
        frame_count = max(1, int(round(vdur * rate)))
    elif eof and pts:
        frame_count = len(pts)  # the scan saw every frame (none hidden by an edit list)
    else:
        frame_count = (vs.frames - hidden) if vs.frames > hidden else max(1, int(round(vdur * rate)))
    duration = cdur if cdur else max([vdur] + [a.duration for a in audio])

    return MediaInfo(
        path=str(p), container=_container_name(container, p), duration=float(duration),
        has_video=True, width=width, height=height, rotation=rotation, fps=rate,
        frame_count=int(frame_count), video_codec=vname, pix_fmt=first.format.name, vfr=vfr,
        audio=tuple(audio), coded_width=coded_w, coded_height=coded_h, start_time=float(vstart),
        video_origin_pts=origin,
        notes=tuple(notes),
    )


def video_duration(info: MediaInfo) -> float:
    """Seconds of video from its first frame (the span FrameSource's grid covers)."""
    return info.frame_count / float(info.fps) if info.has_video and info.fps else 0.0
