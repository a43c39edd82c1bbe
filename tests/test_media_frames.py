"""FrameSource: frame-accurate by index (frame numbers are painted into the pixels), VFR mapped
onto a CFR grid, rotation applied, cheap sequential and backwards access."""

from __future__ import annotations

import bisect
import random
from fractions import Fraction

import av
import numpy as np
import pytest

from t2v_desktop.errors import MediaError
from t2v_desktop.media.frames import SMALL_RUN_FRAMES, FrameSource, matrix_for
from t2v_desktop.media.synth import make_numbered_clip, read_frame_number

NTSC = Fraction(30000, 1001)


@pytest.fixture(scope="module")
def bframes_clip(tmp_path_factory):
    """4 s NTSC H.264 with B-frames and a 15-frame GOP: pts != dts, seeks land before targets."""
    path = tmp_path_factory.mktemp("frames") / "bframes.mp4"
    return make_numbered_clip(path, n_frames=120, fps=NTSC,
                              options={"g": 15, "bf": 3, "preset": "veryfast", "sc_threshold": 0})


def numbers(fs, indices):
    return [read_frame_number(fs.frame(i)) for i in indices]


def test_sequential_decode_never_seeks_again(clip):
    with FrameSource(clip) as fs:
        assert (fs.frame_count, fs.width, fs.height, fs.fps) == (50, 160, 120, 25)
        frames = list(fs.iter_frames())
        assert [read_frame_number(f) for f in frames] == list(range(50))
        assert frames[0].shape == (120, 160, 3) and frames[0].dtype == np.uint8
        assert fs.seeks == 1  # the initial positioning only
        assert fs.decoded == 50


def test_sequential_frame_calls_do_not_seek(clip):
    with FrameSource(clip, cache_size=0) as fs:
        assert numbers(fs, range(50)) == list(range(50))
        assert fs.seeks == 1


def test_random_access_forwards_and_backwards(bframes_clip):
    rng = random.Random(7)
    idx = [rng.randrange(120) for _ in range(150)]
    with FrameSource(bframes_clip, cache_size=8) as fs:
        assert fs.fps == NTSC and fs.frame_count == 120
        assert numbers(fs, idx) == idx


def test_walking_backwards_decodes_each_gop_once(bframes_clip):
    with FrameSource(bframes_clip, cache_size=0) as fs:
        assert numbers(fs, range(119, -1, -1)) == list(range(119, -1, -1))
        assert fs.seeks <= 120 // 15 + 1           # one seek per GOP, not per frame
        assert fs.decoded <= 2 * 120               # not a GOP's worth of decoding per frame


def test_jump_ahead_seeks_instead_of_decoding_everything(bframes_clip):
    with FrameSource(bframes_clip) as fs:
        assert numbers(fs, [0, 110]) == [0, 110]
        assert fs.decoded < 60


def test_past_the_end_returns_last_frame(clip):
    with FrameSource(clip) as fs:
        assert numbers(fs, [49, 50, 75, 10_000]) == [49, 49, 49, 49]
        assert read_frame_number(fs.frame_at(99.0)) == 49
        assert [read_frame_number(f) for f in fs.iter_frames(48, 53)] == [48, 49, 49, 49, 49]
        assert [read_frame_number(f) for f in fs.iter_frames(60, 62)] == [49, 49]
        with pytest.raises(IndexError):
            fs.frame(-1)


def test_frame_at_uses_the_grid(clip):
    with FrameSource(clip) as fs:
        assert read_frame_number(fs.frame_at(0.0)) == 0
        assert read_frame_number(fs.frame_at(0.04)) == 1       # exactly on frame 1
        assert read_frame_number(fs.frame_at(0.079)) == 1
        assert read_frame_number(fs.frame_at(1.0)) == 25


def test_returned_frames_are_private_copies(clip):
    with FrameSource(clip) as fs:
        a = fs.frame(3)
        a[:] = 0
        assert read_frame_number(fs.frame(3)) == 3
        assert fs.frame(3).any()


def test_vfr_is_mapped_onto_a_cfr_grid(make_clip):
    pts = [0, 0.04, 0.08, 0.2, 0.24, 0.5, 0.54, 0.58, 0.62, 1.0]
    expected = [bisect.bisect_right(pts, i * 0.04 + 1e-9) - 1 for i in range(26)]
    for ext in ("mkv", "mp4"):
        path = make_clip(vfr_pts=pts, ext=ext)
        with FrameSource(path, fps=Fraction(25)) as fs:
            assert fs.frame_count == 26
            assert [read_frame_number(f) for f in fs.iter_frames()] == expected
            assert numbers(fs, range(25, -1, -1)) == expected[::-1]


def test_other_grid_rates(clip):
    with FrameSource(clip, fps=Fraction(50)) as fs:
        assert fs.frame_count == 100
        assert [read_frame_number(f) for f in fs.iter_frames(0, 8)] == [0, 0, 1, 1, 2, 2, 3, 3]
    with FrameSource(clip, fps=Fraction(25, 2)) as fs:
        assert fs.frame_count == 25
        assert [read_frame_number(f) for f in fs.iter_frames()] == list(range(0, 50, 2))


def test_ntsc_mkv_is_frame_accurate(make_clip):
    path = make_clip(fps=NTSC, duration=2.0, audio=False, ext="mkv")
    idx = [59, 3, 40, 41, 12, 0, 33]
    with FrameSource(path) as fs:
        assert fs.frame_count == 60
        assert numbers(fs, idx) == idx


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_is_applied(tmp_path, rotation):
    path = make_numbered_clip(tmp_path / f"rot{rotation}.mp4", n_frames=3, rotation=rotation)
    plain = make_numbered_clip(tmp_path / "plain.mp4", n_frames=3)
    with FrameSource(path) as fs, FrameSource(plain) as ref:
        got, upright = fs.frame(1), ref.frame(1)
        assert (fs.width, fs.height) == (got.shape[1], got.shape[0])
        expected = np.rot90(upright, -rotation // 90)  # clockwise
        assert got.shape == expected.shape
        assert np.abs(got.astype(int) - expected).mean() < 1.0


def test_odd_size_frames(tmp_path):
    path = make_numbered_clip(tmp_path / "odd.mkv", n_frames=10, width=161, height=121, codec="ffv1")
    with FrameSource(path) as fs:
        f = fs.frame(7)
        assert f.shape == (121, 161, 3)
        assert read_frame_number(f) == 7


def test_audio_only_file_is_refused(make_clip):
    with pytest.raises(MediaError, match="audio only"):
        FrameSource(make_clip(video=False, ext="m4a", duration=0.5))


def test_closed_source_says_so(clip):
    fs = FrameSource(clip)
    fs.close()
    with pytest.raises(MediaError, match="closed"):
        fs.frame(0)


def test_jumps_skip_non_reference_frames_and_stay_exact(bframes_clip):
    # A fresh source per target: every access is a jump from the keyframe before it.
    total = 0
    targets = list(range(0, 120, 7))
    for i in targets:
        with FrameSource(bframes_clip, cache_size=0) as fs:
            assert read_frame_number(fs.frame(i)) == i
            total += fs.decoded
    within_gop = sum(i % 15 + 1 for i in targets)  # frames from each keyframe to the target
    assert total < within_gop  # B-frames that cannot be on screen were never decoded


def test_matrix_follows_the_tag_else_the_size():
    assert matrix_for(1, 480) == "ITU709"      # tagged BT.709, even at SD
    assert matrix_for(6, 1080) == "SMPTE170M"  # tagged BT.601, even at HD
    assert matrix_for(2, 720) == "ITU709"      # untagged HD
    assert matrix_for(2, 576) == "ITU601"      # untagged SD
    assert matrix_for(None, 1080) == "ITU709"


def _untagged_709_clip(path, colours, w=1280, h=720):
    """An HD H.264 file converted with BT.709 but carrying no colour tags (as many cameras and
    screen recorders write them)."""
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"preset": "ultrafast", "qp": "0"}
        for i, c in enumerate(colours):
            vf = av.VideoFrame.from_ndarray(np.full((h, w, 3), c, np.uint8), format="rgb24")
            vf = vf.reformat(format="yuv420p", dst_colorspace="ITU709")
            vf.colorspace = 2  # unspecified
            vf.pts = i
            out.mux(vs.encode(vf))
        out.mux(vs.encode(None))
    return path


def test_untagged_hd_is_decoded_with_bt709(tmp_path):
    colours = [(200, 50, 30), (20, 160, 220), (240, 240, 40)]
    path = _untagged_709_clip(tmp_path / "hd.mp4", colours)
    with av.open(str(path)) as c:
        assert c.streams.video[0].codec_context.colorspace in (0, 2)  # really untagged
    with FrameSource(path) as fs:
        for i, c in enumerate(colours):
            got = fs.frame(i)[100:600, 100:1100].reshape(-1, 3).mean(0)
            assert np.abs(got - c).max() < 3, (c, got)


def test_small_caches_keep_little_and_stay_exact(clip):
    with FrameSource(clip, small_caches=True) as fs:
        assert fs._run_max == SMALL_RUN_FRAMES and fs._cache_max <= 2
        assert [read_frame_number(f) for f in fs.iter_frames()] == list(range(50))
        assert len(fs._run) <= SMALL_RUN_FRAMES
        assert numbers(fs, [40, 3, 45]) == [40, 3, 45]  # random access still right, just slower
