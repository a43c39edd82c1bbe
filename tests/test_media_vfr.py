"""Variable-frame-rate footage keeps every source frame: the grid runs at the source's top rate,
frames repeat only where the source holds them, and preview (Renderer) and export use that rate.

The clips are made by synth.make_vfr_clip: 60 frames at 30 fps then 30 at 15 fps (90 numbered
frames, 4 s), as a phone writes when the light drops.
"""

from __future__ import annotations

from fractions import Fraction

import av
import pytest

from t2v_desktop.engine.export import export_project
from t2v_desktop.project.model import Project
from t2v_desktop.engine.render import Renderer
from t2v_desktop.media.frames import FrameSource
from t2v_desktop.media.info import MAX_GRID_RATE, probe, vfr_grid_rate
from t2v_desktop.media.synth import make_numbered_clip, make_vfr_clip, read_frame_number

NTSC = Fraction(30000, 1001)


def runs(numbers: list[int]) -> list[tuple[int, int]]:
    """[(frame number, how many grid frames in a row show it)]."""
    out: list[tuple[int, int]] = []
    for n in numbers:
        if out and out[-1][0] == n:
            out[-1] = (n, out[-1][1] + 1)
        else:
            out.append((n, 1))
    return out


#: 30 fps frames once each, 15 fps frames twice each: nothing dropped, nothing extra.
EXPECTED_RUNS = [(n, 1) for n in range(60)] + [(n, 2) for n in range(60, 90)]


@pytest.fixture(scope="module")
def vfr_clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("vfr")
    return {ext: make_vfr_clip(d / f"phone.{ext}") for ext in ("mp4", "mkv", "mov")}


@pytest.mark.parametrize("ext", ["mp4", "mkv", "mov"])
def test_probe_gives_the_top_rate_and_the_full_length(vfr_clips, ext):
    info = probe(vfr_clips[ext])
    assert info.vfr
    assert info.fps == 30  # the top rate, not the average (22.5)
    assert info.frame_count == 120
    assert info.duration == pytest.approx(4.0, abs=0.03)
    assert info.frame_count / info.fps == pytest.approx(4.0, abs=1 / 30)


@pytest.mark.parametrize("ext", ["mp4", "mkv", "mov"])
def test_every_source_frame_is_on_the_grid_in_order(vfr_clips, ext):
    with FrameSource(vfr_clips[ext]) as fs:
        assert fs.fps == 30 and fs.frame_count == 120
        seq = [read_frame_number(f) for f in fs.iter_frames()]
        assert runs(seq) == EXPECTED_RUNS
        # random access (seeks, steps back) agrees with the straight pass
        for i in (119, 0, 75, 59, 60, 61, 100, 3, 118, 64):
            assert read_frame_number(fs.frame(i)) == seq[i], i


def test_jittery_camera_clock_still_keeps_every_frame(tmp_path):
    # Each timestamp off by up to 3 ms (a tenth of a frame), as camera clocks are.
    path = make_vfr_clip(tmp_path / "jitter.mp4", jitter=0.003, seed=7, audio=False)
    info = probe(path)
    assert info.fps == 30 and info.frame_count == 120
    with FrameSource(path) as fs:
        assert runs([read_frame_number(f) for f in fs.iter_frames()]) == EXPECTED_RUNS


def test_sixty_then_thirty_gets_a_sixty_grid(tmp_path):
    path = make_vfr_clip(tmp_path / "6030.mkv", segments=((40, 60), (20, 30)), audio=False)
    info = probe(path)
    assert info.vfr and info.fps == 60 and info.frame_count == 80
    with FrameSource(path) as fs:
        got = runs([read_frame_number(f) for f in fs.iter_frames()])
    assert got == [(n, 1) for n in range(40)] + [(n, 2) for n in range(40, 60)]


def test_preview_renderer_and_export_use_the_top_rate(vfr_clips, tmp_path):
    project = Project.from_media(str(vfr_clips["mp4"]))
    r = Renderer(project)
    try:
        assert r.fps == 30 and r.frame_count == 120
        assert runs([read_frame_number(r.frame(i)) for i in range(120)]) == EXPECTED_RUNS
    finally:
        r.close()

    out = tmp_path / "out.mp4"
    res = export_project(project, out, "h264")
    assert res.frames == 120 and res.fps == 30 and res.duration == pytest.approx(4.0)
    info = probe(out)
    assert info.fps == 30 and not info.vfr and info.frame_count == 120
    assert info.duration == pytest.approx(4.0, abs=0.05)
    assert info.audio and info.audio[0].duration == pytest.approx(4.0, abs=0.05)
    with av.open(str(out)) as c:
        got = [read_frame_number(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    assert runs(got) == EXPECTED_RUNS


@pytest.mark.parametrize("fps, ext", [(Fraction(25), "mp4"), (NTSC, "mp4"), (Fraction(24), "mkv")])
def test_cfr_clips_are_unchanged(tmp_path, fps, ext):
    path = make_numbered_clip(tmp_path / f"cfr.{ext}", n_frames=48, fps=fps)
    info = probe(path)
    assert not info.vfr and info.fps == fps and info.frame_count == 48
    with FrameSource(path) as fs:
        assert [read_frame_number(f) for f in fs.iter_frames()] == list(range(48))


# ----------------------------------------------------------------------------- the rate rule
def _ticks(rates_and_counts, tb=Fraction(1, 90000)):
    out, t = [], Fraction(0)
    for fps, n in rates_and_counts:
        for _ in range(n):
            out.append(round(t / tb))
            t += 1 / Fraction(fps)
    return out, tb


def test_rate_rule_millisecond_clock_snaps_to_sixty():
    ms = [int(i * 1000 / 60) for i in range(120)]  # 16/17 ms steps
    assert vfr_grid_rate(ms, True, Fraction(1, 1000), Fraction(40)) == 60


def test_rate_rule_ignores_a_single_timestamp_glitch():
    pts, tb = _ticks([(30, 100)])
    pts.insert(50, pts[50] - 90)  # one extra frame 1 ms before another
    assert vfr_grid_rate(pts, True, tb, Fraction(30)) == 30


def test_rate_rule_is_capped():
    pts, tb = _ticks([(1000, 40), (10, 40)])
    assert vfr_grid_rate(pts, True, tb, Fraction(20)) == MAX_GRID_RATE


def test_rate_rule_never_below_the_average():
    pts, tb = _ticks([(15, 20)])
    assert vfr_grid_rate(pts, True, tb, Fraction(24)) == 24


def test_rate_rule_rounds_an_odd_top_rate_up():
    pts, tb = _ticks([(37.5, 30), (10, 10)])
    assert vfr_grid_rate(pts, True, tb, Fraction(20)) == 38


def test_rate_drop_after_the_first_thousand_frames_is_seen(tmp_path):
    # 35 s at 30 fps, then 2 s at 15: the whole MP4 index is read, not only its start.
    path = make_vfr_clip(tmp_path / "late.mp4", segments=((1050, 30), (30, 15)), width=64, height=48,
                         audio=False)
    info = probe(path)
    assert info.vfr and info.fps == 30
    assert info.frame_count == 1110 and info.frame_count / info.fps == pytest.approx(37.0)
