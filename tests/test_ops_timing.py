"""Timing ops through the real render path: frame numbers, counts, durations and A/V sync."""

from __future__ import annotations

import numpy as np
import pytest

from t2v_desktop.project.model import AppliedOp, Project
from t2v_desktop.engine.render import Renderer
from t2v_desktop.errors import ParamError
from t2v_desktop.media.synth import read_frame_number
from t2v_desktop.ops.registry import Segment
from t2v_desktop.ops.timing import cut, freeze, reverse, speed, trim

SR = 48000


def render(path, *ops):
    proj = Project.from_media(str(path))
    proj.main_track.clips[0].ops = list(ops)
    r = Renderer(proj)
    try:
        nums = [read_frame_number(f) for f in r.iter_frames()]
        audio = r.audio(0, r.duration)
        return r.frame_count, r.duration, nums, audio
    finally:
        r.close()


def clicks(audio: np.ndarray) -> list[int]:
    """Sample index where each click (0.9 bursts over a 0.3 tone) starts."""
    hot = np.flatnonzero(np.abs(audio[0]) > 0.6)
    if not len(hot):
        return []
    return [int(g[0]) for g in np.split(hot, np.flatnonzero(np.diff(hot) > 100) + 1)]


def assert_in_sync(n_frames, duration, audio, fps=25):
    assert duration == pytest.approx(n_frames / fps)
    assert audio.shape == (2, round(n_frames * SR / fps))  # sample-exact


# -- the Segment maps, no media ------------------------------------------------------------------

def test_segment_maps():
    assert trim(10.0, (2.0, 5.0)) == [Segment(2.0, 5.0, 3.0)]
    assert cut(10.0, (0.0, 3.0)) == [Segment(3.0, 10.0, 7.0)]
    assert cut(10.0, (2.0, 5.0)) == [Segment(0.0, 2.0, 2.0), Segment(5.0, 10.0, 5.0)]
    assert speed(10.0, None, factor=2.0) == [Segment(0.0, 10.0, 5.0)]
    assert speed(10.0, (2.0, 4.0), factor=0.5)[1] == Segment(2.0, 4.0, 4.0)
    assert reverse(10.0, None) == [Segment(0.0, 10.0, 10.0, reverse=True)]
    assert freeze(10.0, None, at=3.0, duration=2.0) == [
        Segment(0.0, 3.0, 3.0), Segment(3.0, 3.0, 2.0), Segment(3.0, 10.0, 7.0)]
    with pytest.raises(ParamError, match="needs a time range"):
        trim(10.0, None)
    with pytest.raises(ParamError, match="past the end"):
        freeze(10.0, None, at=12.0, duration=1.0)
    with pytest.raises(ParamError, match="whole clip"):
        cut(10.0, (0.0, 10.0))


# -- rendered --------------------------------------------------------------------------------------

def test_trim_and_cut(make_clip):
    path = make_clip(clicks=True)
    n, d, nums, audio = render(path, AppliedOp("trim", range=(0.4, 1.2)))
    assert nums == list(range(10, 30))
    assert_in_sync(n, d, audio)
    assert clicks(audio) == [pytest.approx(0.6 * SR, abs=5)]  # the 1 s click, 0.6 s into the trim

    n, d, nums, audio = render(path, AppliedOp("cut", range=(0.0, 1.0)))
    assert nums == list(range(25, 50))
    assert_in_sync(n, d, audio)
    assert clicks(audio) == [pytest.approx(0, abs=5)]

    n, d, nums, audio = render(path, AppliedOp("cut", range=(0.4, 0.8)))
    assert nums == list(range(0, 10)) + list(range(20, 50))
    assert_in_sync(n, d, audio)


def test_speed_up_and_slow_down(make_clip):
    path = make_clip(clicks=True)
    n, d, nums, audio = render(path, AppliedOp("speed", {"factor": 2.0}))
    assert n == 25 and nums == list(range(0, 50, 2))
    assert_in_sync(n, d, audio)
    assert clicks(audio) == [pytest.approx(0, abs=240), pytest.approx(0.5 * SR, abs=480)]

    n, d, nums, audio = render(path, AppliedOp("speed", {"factor": 0.5}))
    assert n == 100 and nums == [i // 2 for i in range(100)]
    assert_in_sync(n, d, audio)
    # atempo places a transient within one analysis window (~20 ms) of where it belongs
    assert clicks(audio)[:2] == [pytest.approx(0, abs=240), pytest.approx(2.0 * SR, abs=0.03 * SR)]


def test_ranged_speed(make_clip):
    n, d, nums, audio = render(make_clip(), AppliedOp("speed", {"factor": 2.0}, range=(0.4, 1.2)))
    assert n == 10 + 10 + 20
    assert nums == list(range(10)) + list(range(10, 30, 2)) + list(range(30, 50))
    assert_in_sync(n, d, audio)


def test_speed_keeps_pitch(make_clip):
    path = make_clip(tone_hz=440.0)
    n, d, _, audio = render(path, AppliedOp("speed", {"factor": 2.0}))
    spec = np.abs(np.fft.rfft(audio[0] * np.hanning(audio.shape[1])))
    assert np.argmax(spec) * SR / audio.shape[1] == pytest.approx(440.0, abs=3.0)
    # and no gap: the tone is there to the last 10 ms
    assert np.abs(audio[:, -480:]).max() > 0.2


def test_reverse_frames_and_sound(make_clip):
    n, d, nums, audio = render(make_clip(clicks=True), AppliedOp("reverse"))
    assert nums == list(range(49, -1, -1))
    assert_in_sync(n, d, audio)
    # clicks at 0 s and 1 s (480 samples long) now end at 1 s and 2 s
    assert clicks(audio) == [pytest.approx(SR - 480, abs=5), pytest.approx(2 * SR - 480, abs=5)]


def test_freeze_holds_the_frame_with_silence(make_clip):
    n, d, nums, audio = render(make_clip(clicks=True), AppliedOp("freeze", {"at": 0.4, "duration": 1.0}))
    assert n == 75
    assert nums == list(range(10)) + [10] * 25 + list(range(10, 50))
    assert_in_sync(n, d, audio)
    assert np.abs(audio[:, int(0.4 * SR):int(1.4 * SR)]).max() == 0.0
    assert clicks(audio) == [pytest.approx(0, abs=5), pytest.approx(2.0 * SR, abs=5)]

    # ranged freeze: same length, the range shows its first frame
    n, d, nums, audio = render(make_clip(), AppliedOp("freeze", range=(0.4, 0.8)))
    assert nums == list(range(10)) + [10] * 10 + list(range(20, 50))
    assert_in_sync(n, d, audio)


def test_stacked_timing_ops_stay_in_sync(make_clip):
    n, d, nums, audio = render(
        make_clip(clicks=True, fps=30, duration=1.5),
        AppliedOp("cut", range=(0.2, 0.4)), AppliedOp("speed", {"factor": 1.5}),
        AppliedOp("reverse"), AppliedOp("freeze", {"at": 0.1, "duration": 0.3}),
    )
    assert_in_sync(n, d, audio, fps=30)
    assert nums[0] >= 43 and nums[-1] == 0  # reversed (1.5x samples every 2 of 3 frames)
    assert all(a >= b for a, b in zip(nums[:-1], nums[1:], strict=True))
    assert not set(nums) & set(range(6, 12))  # the cut part never shows
    assert max(nums.count(v) for v in nums) == 1 + 9  # the freeze: 0.3 s at 30 fps


def test_audio_read_in_chunks_equals_one_read(make_clip):
    """Export reads audio in blocks cut on frame edges; blocks must join exactly, re-timed or not."""
    path = make_clip(clicks=True)
    for ops in ([AppliedOp("speed", {"factor": 0.5})], [AppliedOp("reverse"), AppliedOp("speed", {"factor": 1.5})],
                [AppliedOp("cut", range=(0.3, 0.5)), AppliedOp("freeze", {"at": 0.2, "duration": 0.3})]):
        proj = Project.from_media(str(path))
        proj.main_track.clips[0].ops = ops
        with Renderer(proj) as r1, Renderer(proj) as r2:
            whole = r1.audio(0, r1.duration)
            step = 1 / 25 * 3  # three frames
            edges = [min(k * step, r2.duration) for k in range(int(r2.duration / step) + 2)]
            parts = np.concatenate([r2.audio(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)], axis=1)
        assert parts.shape == whole.shape
        assert np.abs(parts - whole).max() < 1e-6
