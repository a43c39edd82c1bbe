"""probe(): real files of every shape we meet, and the broken ones refused with a clear MediaError."""

from __future__ import annotations

from fractions import Fraction

import pytest

from t2v_desktop.errors import MediaError
from t2v_desktop.media.info import probe
from t2v_desktop.media.synth import make_numbered_clip

NTSC = Fraction(30000, 1001)


def test_cfr_mp4_with_audio(clip):
    info = probe(clip)
    assert info.container == "mp4"
    assert info.has_video and info.has_audio
    assert (info.width, info.height) == (160, 120)
    assert info.fps == 25 and isinstance(info.fps, Fraction)
    assert info.frame_count == 50
    assert info.duration == pytest.approx(2.0, abs=0.03)
    assert info.video_codec == "h264" and info.pix_fmt == "yuv420p"
    assert info.rotation == 0 and not info.vfr
    (a,) = info.audio
    assert (a.codec, a.sample_rate, a.channels) == ("aac", 48000, 2)
    assert a.duration == pytest.approx(2.0, abs=0.03)


@pytest.mark.parametrize("ext", ["mp4", "mkv"])
def test_ntsc_rate_stays_exact(make_clip, ext):
    info = probe(make_clip(fps=NTSC, duration=1.0, ext=ext))
    assert info.fps == NTSC
    assert info.frame_count == 30
    assert not info.vfr


def test_vfr_detected(make_clip):
    pts = [0, 0.04, 0.08, 0.2, 0.24, 0.5, 0.54, 0.58, 0.62, 1.0]
    info = probe(make_clip(vfr_pts=pts, ext="mkv"))
    assert info.vfr
    assert info.has_video and info.fps > 0


def test_cfr_with_ms_clock_is_not_vfr(make_clip):
    # Matroska stores ms: 30000/1001 gives 33/34 ms steps, which is rounding, not VFR.
    assert not probe(make_clip(fps=NTSC, duration=1.0, audio=False, ext="mkv")).vfr


def test_no_audio(make_clip):
    info = probe(make_clip(audio=False))
    assert info.has_video and not info.has_audio and info.audio == ()


def test_audio_only(make_clip):
    info = probe(make_clip(video=False, ext="m4a", duration=1.5))
    assert not info.has_video
    assert (info.width, info.height, info.frame_count) == (0, 0, 0)
    assert info.video_codec is None
    assert info.has_audio and info.duration == pytest.approx(1.5, abs=0.03)


@pytest.mark.parametrize("codec", ["ffv1", "mpeg4"])
def test_odd_size(tmp_path, codec):
    path = make_numbered_clip(tmp_path / f"odd-{codec}.mkv", n_frames=10, width=161, height=121, codec=codec)
    info = probe(path)
    assert (info.width, info.height) == (161, 121)
    assert info.frame_count == 10


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_metadata(tmp_path, rotation):
    path = make_numbered_clip(tmp_path / f"rot{rotation}.mp4", n_frames=5, width=160, height=120,
                              rotation=rotation)
    info = probe(path)
    assert info.rotation == rotation
    expected = (120, 160) if rotation in (90, 270) else (160, 120)
    assert (info.width, info.height) == expected


def test_gif_rate_from_timestamps(tmp_path):
    # GIF clocks tick in 1/100 s, so 15 fps is stored as 7/7/6 cs delays; ffmpeg guesses 50/3.
    path = make_numbered_clip(tmp_path / "a.gif", n_frames=30, codec="gif", pix_fmt="rgb8", fps=15)
    info = probe(path)
    assert info.fps == 15 and info.frame_count == 30


# ----------------------------------------------------------------------------- broken input
def _expect_media_error(path, *words):
    with pytest.raises(MediaError) as e:
        probe(path)
    msg = str(e.value)
    for w in words:
        assert w.lower() in msg.lower(), msg
    return msg


def test_missing_file(tmp_path):
    _expect_media_error(tmp_path / "nope.mp4", "not found", "nope.mp4")


def test_folder(tmp_path):
    _expect_media_error(tmp_path, "folder")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    _expect_media_error(p, "empty")


def test_random_bytes(tmp_path):
    import numpy as np

    p = tmp_path / "noise.mp4"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    _expect_media_error(p, "noise.mp4")


def test_text_renamed_mp4(tmp_path):
    p = tmp_path / "notes.mp4"
    p.write_text("this is a shopping list, not a video\n" * 50)
    _expect_media_error(p, "notes.mp4")


def test_truncated_mp4(clip, tmp_path):
    # x264 MP4s keep the index (moov) at the end: half a file has no index at all.
    p = tmp_path / "half.mp4"
    data = clip.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    _expect_media_error(p, "half.mp4")


def test_corrupt_header(clip, tmp_path):
    p = tmp_path / "corrupt.mp4"
    data = bytearray(clip.read_bytes())
    data[:64] = bytes(64)
    p.write_bytes(bytes(data))
    _expect_media_error(p, "corrupt.mp4")


def test_no_streams(tmp_path):
    import av

    p = tmp_path / "nostreams.mkv"
    with av.open(str(p), "w", format="matroska") as out:
        out.add_stream("subrip")  # subtitles only: nothing we can use
    _expect_media_error(p)


def test_long_bframe_clip_is_not_vfr(tmp_path):
    # The VFR scan reads only the first packets, in decode order: B-frames reordered past the
    # end of that window must not look like a gap.
    path = make_numbered_clip(tmp_path / "long-b.mp4", n_frames=300, width=64, height=48, fps=NTSC,
                              options={"bf": 3, "b_strategy": 0, "g": 30, "preset": "veryfast"})
    info = probe(path)
    assert not info.vfr
    assert info.fps == NTSC and info.frame_count == 300
