"""Export presets: codec, pixel format, options and size/rate limits per target.

The export layer (engine/export.py) reads ``max_size`` (scale down to fit, never up),
``frame_size`` (exact size, padded) and ``max_fps``; the Encoder reads the codec fields.
Fields after ``max_fps`` are extras with defaults, so ``dataclasses.replace`` keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..errors import ParamError


@dataclass(frozen=True)
class ExportPreset:
    name: str
    label: str
    extension: str                      # ".mp4", ".mov", ".webm", ".gif", ".m4a", ".mkv"
    video_codec: str | None
    pix_fmt: str | None
    video_options: dict
    audio_codec: str | None
    audio_bitrate: int | None
    max_size: tuple[int, int] | None = None     # scale down to fit inside, keep aspect
    frame_size: tuple[int, int] | None = None   # exact output size (fit + pad)
    max_fps: Fraction | None = None
    container_format: str = "mp4"               # ffmpeg muxer name
    container_options: dict = field(default_factory=dict)
    audio_options: dict = field(default_factory=dict)
    codec_tag: str | None = None                # e.g. "hvc1" so Apple players open H.265
    audio_sample_rate: int | None = None        # forced rate (Opus: 48000); None keeps the source's


_H264 = {"crf": "20", "preset": "medium"}
_FASTSTART = {"movflags": "+faststart"}

PRESETS: dict[str, ExportPreset] = {
    p.name: p
    for p in (
        ExportPreset("h264", "H.264 MP4 (source size)", ".mp4", "libx264", "yuv420p", dict(_H264),
                     "aac", 192_000, container_options=dict(_FASTSTART)),
        ExportPreset("youtube-1080p", "YouTube 1080p (H.264)", ".mp4", "libx264", "yuv420p",
                     {**_H264, "crf": "18", "bf": "2", "g": "60"}, "aac", 384_000,
                     max_size=(1920, 1080), container_options=dict(_FASTSTART)),
        ExportPreset("social-9x16", "Social vertical 9:16 (1080x1920)", ".mp4", "libx264", "yuv420p",
                     dict(_H264), "aac", 192_000, frame_size=(1080, 1920),
                     container_options=dict(_FASTSTART)),
        ExportPreset("h265-hq", "H.265 high quality (HEVC MP4)", ".mp4", "libx265", "yuv420p",
                     {"crf": "22", "preset": "medium", "x265-params": "log-level=error"}, "aac", 192_000,
                     codec_tag="hvc1", container_options=dict(_FASTSTART)),
        ExportPreset("vp9-webm", "VP9 WebM (web)", ".webm", "libvpx-vp9", "yuv420p",
                     {"crf": "32", "b": "0", "deadline": "good", "cpu-used": "4", "row-mt": "1"},
                     "libopus", 128_000, container_format="webm", audio_sample_rate=48000),
        ExportPreset("prores", "ProRes 422 HQ (MOV, editing)", ".mov", "prores_ks", "yuv422p10le",
                     {"profile": "3", "vendor": "apl0"}, "pcm_s16le", None, container_format="mov"),
        ExportPreset("gif", "Animated GIF (15 fps, max 640 px)", ".gif", "gif", "pal8", {}, None, None,
                     max_size=(640, 640), max_fps=Fraction(15), container_format="gif"),
        ExportPreset("audio-only", "Audio only (AAC M4A)", ".m4a", None, None, {}, "aac", 192_000,
                     container_format="ipod", container_options=dict(_FASTSTART)),
        ExportPreset("mkv", "H.264 MKV (source size)", ".mkv", "libx264", "yuv420p", dict(_H264),
                     "aac", 192_000, container_format="matroska"),
    )
}

#: Extension -> preset used when the user names a file and no preset.
BY_EXTENSION = {".mp4": "h264", ".m4v": "h264", ".mov": "prores", ".webm": "vp9-webm",
                ".gif": "gif", ".m4a": "audio-only", ".mkv": "mkv"}


def get_preset(name) -> ExportPreset:
    """The preset called ``name`` (an ExportPreset passes through)."""
    if isinstance(name, ExportPreset):
        return name
    try:
        return PRESETS[str(name).strip().lower()]
    except KeyError:
        raise ParamError(f"Unknown export preset '{name}'. Choose one of: {', '.join(PRESETS)}.") from None


def preset_for_path(path) -> ExportPreset:
    """The preset implied by a file name's extension (.mp4 -> h264, .webm -> vp9-webm, ...)."""
    ext = Path(path).suffix.lower()
    try:
        return PRESETS[BY_EXTENSION[ext]]
    except KeyError:
        known = ", ".join(sorted(BY_EXTENSION))
        raise ParamError(
            f"Cannot tell the export format from '{Path(path).name}'. Use one of {known}, or pick a preset."
        ) from None
