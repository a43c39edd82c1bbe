"""export_project: real files in, real files out; sizes, frame counts, sound, cancel, bounded memory."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest

from t2v_desktop.engine.export import (
    QUEUE_ITEMS,
    export_project,
    fit_frame,
    frame_sample_bounds,
    plan_layout,
)
from t2v_desktop.project.model import AppliedOp, Project
from t2v_desktop.errors import Cancelled, EncodeError
from t2v_desktop.jobs import CancelToken
from t2v_desktop.media.synth import read_frame_number


def read_output(path: Path) -> SimpleNamespace:
    """Decode a whole output: frames (RGB), audio samples per channel, codecs, size."""
    frames, audio_n, sr = [], 0, None
    with av.open(str(path)) as c:
        v = c.streams.video[0] if c.streams.video else None
        a = c.streams.audio[0] if c.streams.audio else None
        vcodec = v.codec_context.name if v else None
        acodec = a.codec_context.name if a else None
        size = (v.codec_context.width, v.codec_context.height) if v else None
        if v is not None:
            frames = [f.to_ndarray(format="rgb24") for f in c.decode(v)]
    if a is not None:
        with av.open(str(path)) as c:
            for f in c.decode(c.streams.audio[0]):
                audio_n += f.samples
                sr = f.sample_rate
    return SimpleNamespace(frames=frames, vcodec=vcodec, acodec=acodec, size=size, audio_samples=audio_n, sr=sr)


def leftovers(folder: Path, keep=()) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# -- pure helpers --------------------------------------------------------------------------


def _preset(**kw):
    base = dict(name="t", video_codec="libx264", frame_size=None, max_size=None, max_fps=None)
    base.update(kw)
    return SimpleNamespace(**base)


def test_layout_keeps_size_and_makes_it_even():
    lay = plan_layout(161, 121, Fraction(25), _preset())
    assert (lay.width, lay.height) == (160, 120) and lay.fps == 25
    lay = plan_layout(160, 120, Fraction(25), _preset(video_codec="gif"))
    assert (lay.width, lay.height) == (160, 120)


def test_layout_max_size_scales_down_only():
    lay = plan_layout(3840, 2160, Fraction(30), _preset(max_size=(1920, 1080)))
    assert (lay.width, lay.height) == (1920, 1080)
    lay = plan_layout(640, 360, Fraction(30), _preset(max_size=(1920, 1080)))
    assert (lay.width, lay.height) == (640, 360)
    lay = plan_layout(1000, 1000, Fraction(30), _preset(max_size=(480, 480)))
    assert (lay.width, lay.height) == (480, 480)


def test_layout_frame_size_pads_to_exact_size():
    lay = plan_layout(160, 120, Fraction(30), _preset(frame_size=(1080, 1920)))
    assert (lay.width, lay.height) == (1080, 1920)
    assert (lay.scaled_w, lay.scaled_h) == (1080, 810) and lay.y == (1920 - 810) // 2


def test_layout_max_fps_decimates():
    assert plan_layout(160, 120, Fraction(30), _preset(video_codec="gif", max_fps=Fraction(15))).fps == 15
    assert plan_layout(160, 120, Fraction(10), _preset(video_codec="gif", max_fps=Fraction(15))).fps == 10


def test_fit_frame_letterboxes_with_black_bars():
    frame = np.full((120, 160, 3), 200, np.uint8)
    lay = plan_layout(160, 120, Fraction(30), _preset(frame_size=(90, 160)))
    out = fit_frame(frame, lay)
    assert out.shape == (160, 90, 3)
    assert out[: lay.y].max() == 0 and out[lay.y + lay.scaled_h:].max() == 0
    assert out[lay.y + 2: lay.y + lay.scaled_h - 2].min() >= 190


def test_audio_bounds_are_cumulative_and_sample_exact():
    fps, sr = Fraction(30000, 1001), 48000
    chunks = [frame_sample_bounds(i + 1, fps, sr) - frame_sample_bounds(i, fps, sr) for i in range(3000)]
    assert sum(chunks) == round(3000 * sr / fps)
    assert set(chunks) <= {1601, 1602}


# -- real exports ----------------------------------------------------------------------------


def project_with(clip_path, *ops) -> Project:
    project = Project.from_media(str(clip_path))
    project.main_track.clips[0].ops.extend(AppliedOp(name, params) for name, params in ops)
    return project


def test_export_is_frame_accurate_with_sound_of_the_same_length(clip, tmp_path):
    out = tmp_path / "out.mp4"
    res = export_project(project_with(clip), out, "h264")
    assert res.path == out and out.exists() and res.frames == 50 and res.has_audio
    got = read_output(out)
    assert got.vcodec == "h264" and got.acodec == "aac" and got.size == (160, 120)
    assert [read_frame_number(f) for f in got.frames] == list(range(50))
    assert abs(got.audio_samples - 2.0 * 48000) <= 2048  # AAC works in 1024-sample frames
    assert leftovers(tmp_path) == ["out.mp4"]


def test_brightness_op_is_in_the_export(clip, tmp_path):
    base = read_output(export_project(project_with(clip), tmp_path / "a.mp4", "h264").path)
    bright = read_output(export_project(project_with(clip, ("brightness", {"amount": 0.4})),
                                        tmp_path / "b.mp4", "h264").path)
    assert np.mean(bright.frames[10][40:]) > np.mean(base.frames[10][40:]) + 20


EXPECT = {  # preset: (video codec, audio codec or None)
    "h264": ("h264", "aac"),
    "youtube-1080p": ("h264", "aac"),
    "social-9x16": ("h264", "aac"),
    "h265-hq": ("hevc", "aac"),
    "vp9-webm": ("vp9", "opus"),
    "prores": ("prores", None),
    "gif": ("gif", None),
    "audio-only": (None, "aac"),
}


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_every_preset_exports(name, make_clip, tmp_path):
    from t2v_desktop.media.presets import get_preset

    preset = get_preset(name)
    src = make_clip(duration=0.4)  # 10 frames: the 1080x1920 presets are slow to encode
    out = tmp_path / f"out{preset.extension}"
    res = export_project(project_with(src), out, name)
    got = read_output(out)
    vcodec, acodec = EXPECT[name]
    assert got.vcodec == vcodec
    if acodec is not None or preset.audio_codec is not None:
        assert got.acodec is not None and got.acodec.startswith(acodec or preset.audio_codec[:3])
        assert got.audio_samples > 0.9 * 0.4 * got.sr
    else:
        assert got.acodec is None
    if vcodec is None:
        assert res.frames == 0 and abs(res.duration - 0.4) < 0.02
        return
    if preset.frame_size:
        assert got.size == tuple(preset.frame_size)
    elif preset.max_size:
        assert got.size[0] <= preset.max_size[0] and got.size[1] <= preset.max_size[1]
    else:
        assert got.size == (160, 120)
    expected_frames = 10 if not preset.max_fps or preset.max_fps >= 25 else int(np.ceil(10 * preset.max_fps / 25))
    assert len(got.frames) == res.frames == expected_frames
    assert leftovers(tmp_path) == [out.name]


def test_gif_drops_frames_evenly(make_clip, tmp_path):
    from t2v_desktop.media.presets import get_preset

    fps_max = get_preset("gif").max_fps
    if not fps_max or fps_max >= 25:
        pytest.skip("gif preset has no frame-rate cap below 25")
    src = make_clip(duration=2.0)
    got = read_output(export_project(project_with(src), tmp_path / "a.gif", "gif").path)
    numbers = [read_frame_number(f) for f in got.frames]
    expected = [int(j * 25 / fps_max) for j in range(len(numbers))]
    assert len(numbers) == int(np.ceil(50 * fps_max / 25))
    assert numbers == expected


def test_no_sound_in_sources_means_no_audio_track(make_clip, tmp_path):
    silent = make_clip(name="silent", audio=False)
    res = export_project(project_with(silent), tmp_path / "s.mp4", "h264")
    got = read_output(res.path)
    assert not res.has_audio and got.acodec is None and len(got.frames) == 50
    with pytest.raises(EncodeError, match="sound"):
        export_project(project_with(silent), tmp_path / "s.m4a", "audio-only")
    assert leftovers(tmp_path) == ["s.mp4"]


def test_refuses_to_overwrite_the_input(clip, tmp_path):
    before = clip.read_bytes()
    with pytest.raises(EncodeError, match="overwrite the input"):
        export_project(project_with(clip), clip, "h264")
    assert clip.read_bytes() == before


def test_missing_folder_is_a_clean_error(clip, tmp_path):
    with pytest.raises(EncodeError, match="does not exist"):
        export_project(project_with(clip), tmp_path / "nope" / "out.mp4", "h264")
    assert not (tmp_path / "nope").exists()


def test_extension_must_match_the_preset(clip, tmp_path):
    with pytest.raises(EncodeError, match=r"\.webm"):
        export_project(project_with(clip), tmp_path / "out.mp4", "vp9-webm")
    assert leftovers(tmp_path) == []


def test_cancel_leaves_no_temp_file_and_keeps_the_existing_target(clip, tmp_path):
    target = tmp_path / "out.mp4"
    target.write_bytes(b"the user's previous export")
    token = CancelToken()
    seen = []

    def progress(done, total, message=""):
        seen.append(done)
        if done >= 10:
            token.cancel()

    with pytest.raises(Cancelled):
        export_project(project_with(clip), target, "h264", progress=progress, cancel=token)
    assert 10 <= max(seen) < 50
    assert target.read_bytes() == b"the user's previous export"
    assert leftovers(tmp_path) == ["out.mp4"]


def test_render_error_propagates_and_removes_the_temp_file(clip, tmp_path):
    from t2v_desktop.engine.render import Renderer

    class Broken(Renderer):
        def iter_frames(self, start=0, end=None):
            for i, f in enumerate(super().iter_frames(start, end)):
                if i == 7:
                    raise RuntimeError("decoder exploded")
                yield f

    project = project_with(clip)
    with pytest.raises(RuntimeError, match="exploded"):
        export_project(project, tmp_path / "out.mp4", "h264", renderer=Broken(project))
    assert leftovers(tmp_path) == []


def test_memory_is_bounded_by_the_queue(clip, tmp_path):
    """A fast renderer in front of a slow encoder never runs more than the queue bound ahead."""
    import time

    from t2v_desktop.engine.render import Renderer

    produced = [0]
    ahead = []

    class Counting(Renderer):
        def iter_frames(self, start=0, end=None):
            for f in super().iter_frames(start, end):
                produced[0] += 1
                yield f

    def slow_progress(done, total, message=""):
        ahead.append(produced[0] - done)
        time.sleep(0.005)  # a slow consumer, so the producer fills the queue

    project = project_with(clip)
    res = export_project(project, tmp_path / "out.mp4", "h264", renderer=Counting(project), progress=slow_progress)
    assert res.frames == 50
    assert res.peak_queued <= QUEUE_ITEMS
    # queued items + the one the producer holds + the one being encoded
    assert max(ahead) <= QUEUE_ITEMS + 2
    assert max(ahead) >= 3  # the producer did run ahead: the test exercised the queue


def test_straight_chains_export_with_small_caches(make_clip, tmp_path):
    from t2v_desktop.engine.export import use_small_caches
    from t2v_desktop.engine.render import Renderer
    from t2v_desktop.media.frames import SMALL_RUN_FRAMES

    src = make_clip(duration=1.0)
    straight = Project.from_media(str(src))
    straight.main_track.clips[0].ops.append(AppliedOp("brightness", {"amount": 0.1}))
    with Renderer(straight) as r:
        assert use_small_caches(r) == 1
        frames = list(r.iter_frames())
        assert [read_frame_number(f) for f in frames] == list(range(25))
        source = r.chains[0].prev
        assert source._fs._run_max == SMALL_RUN_FRAMES
    backwards = Project.from_media(str(src))
    backwards.main_track.clips[0].ops.append(AppliedOp("reverse", {}))
    with Renderer(backwards) as r:
        assert use_small_caches(r) == 0  # reverse walks back: it keeps the scrubbing run
    out = export_project(straight, tmp_path / "b.mp4", "h264")
    got = read_output(out.path)
    assert len(got.frames) == 25
    # what was rendered is what was written (colour round trip within a few levels)
    assert np.abs(got.frames[5].astype(int) - frames[5]).mean() < 3
