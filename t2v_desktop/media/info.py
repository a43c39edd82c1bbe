"""``probe(path) -> MediaInfo``: what a media file holds, read once with PyAV.

Beyond what the container header says, probe decodes the first video frame (rotation lives in
the display-matrix side data that ffmpeg attaches to frames, and a file whose video cannot be
decoded is better refused here than half-way through an export) and scans the timestamps of the
first packets to tell variable from constant frame rate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from ..errors import MediaError

#: Packets scanned for VFR detection (about 10 s at 25 fps; demux only, no decoding).
VFR_SCAN_PACKETS = 250

#: Index entries (decode timestamps, no data read) used for the same purpose when the file has them.
INDEX_SCAN = 1000

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
    """av.open with our error messages; the caller closes it."""
    p = Path(path)
    if not p.exists():
        raise MediaError(f"File not found: {p}. Check the path, or pick the file again.")
    if p.is_dir():
        raise MediaError(f"{p} is a folder, not a video or audio file.")
    if p.stat().st_size == 0:
        raise MediaError(f"{p} is empty (0 bytes); it is not a video or audio file.")
    if not os.access(p, os.R_OK):
        raise MediaError(f"Cannot read {p}: permission denied.")
    try:
        return av.open(str(p), "r", metadata_errors="ignore")
    except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError) as e:
        raise MediaError(
            f"Cannot open {p.name}: it is not a video or audio file t2v-desktop can read, or it is "
            f"damaged ({_reason(e)}). Try re-exporting it from the app that made it."
        ) from None


def _reason(e: Exception) -> str:
    msg = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return msg.split(": '")[0].strip().rstrip(".")


def video_stream(container):
    """The main video stream, ignoring cover art (attached pictures); None if there is none."""
    for s in container.streams.video:
        if not (int(s.disposition) & int(av.stream.Disposition.attached_pic)):
            return s
    return None


def seek_first(container, stream, ts: int | None) -> None:
    """Seek ``stream`` to the keyframe at or before ``ts`` (its time base); ``None``: to its very
    first packet (encoder-priming packets included, so audio starts exactly as in a fresh open)."""
    try:
        if ts is None:
            start = stream.start_time or 0
            container.seek(start - int(10 / stream.time_base), stream=stream, backward=True)
        else:
            container.seek(ts, stream=stream, backward=True)
    except (av.FFmpegError, OSError):
        container.seek(0, backward=True)


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
        for pkt in container.demux(vs):
            if pkt.size == 0:
                eof = True
            elif pkt.pts is not None:
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


def _index_times(vs) -> tuple[list[int], bool] | None:
    """Frame timestamps from the demuxer's index (MP4/MOV list every sample: no data is read,
    which matters for 4K files), and whether they are all of them; None without a full index."""
    entries = vs.index_entries
    n = len(entries)
    if not n or not vs.frames or n < vs.frames:
        return None
    take = min(n, INDEX_SCAN)
    return [entries[i].timestamp for i in range(take)], take == n


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
    audio_streams = list(container.streams.audio)
    if vs is None and not audio_streams:
        raise MediaError(f"{p.name} has no video or audio stream t2v-desktop can use.")
    cdur = container.duration / av.time_base if container.duration else None
    cstart = container.start_time / av.time_base if container.start_time is not None else 0.0

    audio = []
    for s in audio_streams:
        cc = s.codec_context
        adur = _seconds(s.duration, s.time_base) or cdur or 0.0
        audio.append(AudioStreamInfo(index=s.index, codec=cc.name, sample_rate=cc.sample_rate or 0,
                                     channels=cc.channels or 0, duration=adur))

    if vs is None:
        a0 = audio_streams[0]
        start = _seconds(a0.start_time, a0.time_base)
        return MediaInfo(
            path=str(p), container=_container_name(container, p), duration=cdur or audio[0].duration,
            has_video=False, width=0, height=0, rotation=0, fps=Fraction(0), frame_count=0,
            video_codec=None, pix_fmt=None, vfr=False, audio=tuple(audio),
            start_time=start if start is not None else cstart,
        )

    cc = vs.codec_context
    vname = cc.name
    indexed = _index_times(vs)
    pts, first, eof = _scan_video(container, vs, want_pts=indexed is None)
    if indexed is not None:
        pts, eof = indexed
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
    vdur = _seconds(vs.duration, tb) or _tag_duration(vs)
    if not vdur:
        vdur = (cdur - (vstart - cstart)) if cdur else None
    if not vdur:
        vdur = (vs.frames or 1) / float(rate)
    if vfr:
        frame_count = max(1, int(round(vdur * rate)))
    elif eof and pts:
        frame_count = len(pts)  # the scan saw every frame
    else:
        frame_count = vs.frames or max(1, int(round(vdur * rate)))
    duration = cdur if cdur else max([vdur] + [a.duration for a in audio])

    return MediaInfo(
        path=str(p), container=_container_name(container, p), duration=float(duration),
        has_video=True, width=width, height=height, rotation=rotation, fps=rate,
        frame_count=int(frame_count), video_codec=vname, pix_fmt=first.format.name, vfr=vfr,
        audio=tuple(audio), coded_width=coded_w, coded_height=coded_h, start_time=float(vstart),
    )


def video_duration(info: MediaInfo) -> float:
    """Seconds of video from its first frame (the span FrameSource's grid covers)."""
    return info.frame_count / float(info.fps) if info.has_video and info.fps else 0.0
