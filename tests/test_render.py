"""The render engine: ranged ops, sizes, conforming clips, caches of analyses and generative renders."""

from __future__ import annotations

import numpy as np
import pytest

from t2v_desktop.engine.cache import clear_memory_caches
from t2v_desktop.project.model import AppliedOp, Project
from t2v_desktop.engine.render import Renderer
from t2v_desktop.errors import Cancelled, MediaError, ParamError, ProjectError
from t2v_desktop.jobs import CancelToken
from t2v_desktop.media.synth import read_frame_number
from t2v_desktop.ops import registry
from t2v_desktop.ops.params import Float
from t2v_desktop.ops.registry import OpKind, operation

SR = 48000


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    clear_memory_caches()


@pytest.fixture
def test_op():
    """Register ops for one test only (unique "_test" names), removed afterwards."""
    names = []

    def reg(name, **kw):
        def deco(fn):
            operation(name, description="test-only op", category="test", **kw)(fn)
            names.append(name)
            return fn
        return deco

    yield reg
    for n in names:
        registry._REGISTRY.pop(n, None)
        registry._ALIASES.pop(registry._norm(n), None)


def project(path, *ops, **kw) -> Project:
    p = Project.from_media(str(path))
    p.main_track.clips[0].ops = list(ops)
    for k, v in kw.items():
        setattr(p, k, v)
    return p


def body(frame):
    """The picture below the frame-number row."""
    return frame[frame.shape[0] // 3:].astype(np.int16)


def is_grey(frame) -> bool:
    b = body(frame)
    return np.abs(b[..., 0] - b[..., 1]).mean() < 3 and np.abs(b[..., 1] - b[..., 2]).mean() < 3


def test_ranged_frame_op_changes_only_its_range(make_clip):
    path = make_clip()
    with Renderer(project(path, AppliedOp("black_and_white", range=(0.4, 1.2)))) as r, \
            Renderer(project(path)) as plain:
        frames = list(r.iter_frames())
        grey = [i for i, f in enumerate(frames) if is_grey(f)]
        assert grey == list(range(10, 30))
        for i in (0, 9, 30, 49):
            assert np.array_equal(frames[i], plain.frame(i))
        assert np.array_equal(r.audio(0, 2), plain.audio(0, 2))  # picture-only op


def test_range_follows_timing_ops_above_it(make_clip):
    # after a 2x speed-up the clip is 1 s long; a range on the next op is on that timeline
    p = project(make_clip(), AppliedOp("speed", {"factor": 2.0}), AppliedOp("black_and_white", range=(0.4, 0.8)))
    with Renderer(p) as r:
        assert r.clip_duration(p.main_track.clips[0].id, upto_op=1) == pytest.approx(1.0)
        grey = [i for i in range(r.frame_count) if is_grey(r.frame(i))]
        assert grey == list(range(10, 20))
        assert [read_frame_number(r.frame(i)) for i in (0, 9)] == [0, 18]


def test_size_changing_ops(make_clip):
    path = make_clip()
    with Renderer(project(path, AppliedOp("crop", {"aspect": "1:1"}))) as r:
        assert (r.width, r.height) == (120, 120)
        assert r.frame(0).shape == (120, 120, 3)
    with pytest.raises(ParamError, match="whole clip"):
        Renderer(project(path, AppliedOp("crop", {"aspect": "1:1"}, range=(0.0, 1.0))))


def test_preview_scale(make_clip):
    path = make_clip(width=320, height=240)
    p = project(path, AppliedOp("crop", {"aspect": "1:1"}))
    with Renderer(p) as full, Renderer(p, preview_scale=0.5) as half:
        assert (full.width, full.height) == (240, 240)
        assert (half.width, half.height) == (120, 120)
        assert half.frame_count == full.frame_count
        f = full.frame(7)
        small = f.reshape(120, 2, 120, 2, 3).mean(axis=(1, 3))
        assert np.abs(small - half.frame(7)).mean() < 6
    with pytest.raises(ParamError):
        Renderer(p, preview_scale=0)


def test_two_clips_of_different_size_and_fps_conform(make_clip):
    a = make_clip(width=160, height=120, fps=25, duration=1.0, tone_hz=440)
    b = make_clip(width=320, height=180, fps=30, duration=1.0, tone_hz=880, pattern="solid", color=(200, 40, 40))
    p = Project.from_media(str(a), str(b))
    with Renderer(p) as r:
        assert (r.width, r.height, r.fps) == (160, 120, 25)
        assert r.frame_count == 50 and r.duration == pytest.approx(2.0)
        spans = r.clip_spans()
        assert [(round(s, 3), round(e, 3)) for _, s, e in spans] == [(0, 1.0), (1.0, 2.0)]
        f = r.frame(40)  # clip b: 320x180 letterboxed to 160x90 between 15 px bars
        assert f.shape == (120, 160, 3)
        assert f[:14].max() < 10 and f[-14:].max() < 10
        assert np.abs(f[60, 80].astype(int) - (200, 40, 40)).max() < 12
        # frame numbers of b land on the 25 fps grid: output frame 25+j shows b's frame floor(j*30/25)
        assert read_frame_number(np.ascontiguousarray(f[15:105])) == (40 - 25) * 30 // 25
        audio = r.audio(0, r.duration)
        assert audio.shape == (2, 2 * SR)
        for seg, hz in ((audio[0, :SR], 440), (audio[0, SR:], 880)):
            spec = np.abs(np.fft.rfft(seg))
            assert np.argmax(spec) * SR / len(seg) == pytest.approx(hz, abs=2)
    p.width, p.height = 320, 180
    with Renderer(p) as r:
        assert (r.width, r.height) == (320, 180)
        assert r.frame(0).shape == (180, 320, 3)


def test_muted_track_is_silent_and_fades_fade_both(make_clip):
    path = make_clip()
    p = project(path)
    p.main_track.muted = True
    with Renderer(p) as r:
        assert np.abs(r.audio(0, 2)).max() == 0.0
    with Renderer(project(path, AppliedOp("fade_in", {"duration": 1.0}))) as r:
        assert body(r.frame(0)).mean() < 5 and body(r.frame(40)).mean() > 60
        a = r.audio(0, 2)
        assert np.abs(a[:, :2400]).max() < 0.02 and np.abs(a[:, SR + 100:]).max() > 0.25


def test_user_errors(make_clip, tmp_path):
    with pytest.raises(ProjectError, match="no clips"):
        Renderer(Project())
    missing = tmp_path / "moved-away.mp4"
    with pytest.raises(MediaError, match="moved-away.mp4"):
        Renderer(Project.from_media(str(missing)))
    p = project(make_clip(), AppliedOp("freeze", {"at": 9.0, "duration": 1.0}))
    with pytest.raises(ParamError, match="past the end"):
        Renderer(p)


def test_sequential_playback_decodes_forward_only(make_clip):
    path = make_clip(duration=2.0, gop=6)
    with Renderer(project(path, AppliedOp("brightness", {"amount": 0.1}))) as r:
        nums = [read_frame_number(f) for f in r.iter_frames()]
        assert len(nums) == 50
        src = r.chains[0].prev._fs
        assert src.seeks <= 1 and src.decoded <= 52


def test_temporal_analysis_runs_once_and_follows_upstream(make_clip, test_op):
    calls = []

    def analyze(frames, info, progress, cancel, k=1.0):
        means = [float(f.mean()) for f in frames]
        calls.append(len(means))
        return {"means": np.array(means), "k": k}

    @test_op("_test_temporal", kind=OpKind.TEMPORAL, analyze=analyze, analysis_params=("k",),
             params={"k": Float(min=0, max=10, default=1.0), "strength": Float(min=0, max=1, default=0.5)})
    def temporal(frame, ctx, analysis, k=1.0, strength=0.5):
        assert isinstance(analysis["means"], list)  # same shape fresh or from the JSON cache
        out = np.zeros_like(frame)
        out[..., 0] = int(analysis["means"][ctx.index]) % 256
        return out

    path = make_clip()
    op = AppliedOp("_test_temporal", {"k": 1.0, "strength": 0.5})
    with Renderer(project(path, op)) as r:
        assert r.frame(3)[0, 0, 0] == int(r.chains[0].analysis()["means"][3]) % 256
        r.frame(4)
    assert calls == [50]
    with Renderer(project(path, AppliedOp("_test_temporal", {"k": 1.0, "strength": 0.9}))) as r:
        r.prepare()  # smoothing-type param changed: analysis reused
    clear_memory_caches()
    with Renderer(project(path, op)) as r:
        r.frame(0)  # from the disk cache
    assert calls == [50]
    with Renderer(project(path, AppliedOp("_test_temporal", {"k": 2.0}))) as r:
        r.frame(0)  # analysis param changed
    with Renderer(project(path, AppliedOp("cut", range=(0.0, 0.4)), op)) as r:
        r.frame(0)  # upstream changed
    assert calls == [50, 50, 40]
    with Renderer(project(path, AppliedOp("volume", {"gain_db": -3}), op)) as r:
        r.frame(0)  # audio-only change upstream: picture unchanged, analysis reused
    assert calls == [50, 50, 40]


def test_cancel_during_analysis(make_clip, test_op):
    token = CancelToken()
    seen = []

    def analyze(frames, info, progress, cancel):
        for i, _ in enumerate(frames):
            seen.append(i)
            if i == 5:
                token.cancel()
        return {}

    @test_op("_test_slow_analysis", kind=OpKind.TEMPORAL, analyze=analyze, params={})
    def temporal(frame, ctx, analysis):
        return frame

    p = project(make_clip(), AppliedOp("_test_slow_analysis"))
    with Renderer(p) as r:
        with pytest.raises(Cancelled):
            r.prepare(cancel=token)
    assert len(seen) == 6
    with Renderer(p) as r:  # nothing half-done was cached: it runs again, to the end
        r.prepare()
    assert len(seen) == 6 + 50


def test_generative_stage_renders_range_once_at_full_size(make_clip, test_op):
    calls = []

    @test_op("_test_generative", kind=OpKind.GENERATIVE, params={})
    def gen(frames, ctx):
        calls.append((len(frames), frames[0].shape, ctx.source_key))
        return [255 - f for f in frames]

    path = make_clip()
    p = project(path, AppliedOp("_test_generative", range=(0.4, 0.8)))
    with Renderer(p, preview_scale=0.5) as r, Renderer(project(path), preview_scale=0.5) as plain:
        for i in (12, 11, 13, 30, 19, 10):
            f = r.frame(i)
            if 10 <= i < 20:
                assert np.abs(f.astype(int) - (255 - plain.frame(i).astype(int))).mean() < 4
            else:
                assert np.array_equal(f, plain.frame(i))
    assert calls == [(10, (120, 160, 3), calls[0][2])]  # once, on full-size frames
    with Renderer(p) as r:
        r.prepare()  # the export renderer reuses the result
    assert len(calls) == 1


def test_real_stabilize_analyses_once_per_upstream(make_clip, monkeypatch):
    from t2v_desktop.ops import get_op

    spec = get_op("stabilize")
    runs = []
    real = spec.analyze

    def counting(frames, *a, **kw):
        runs.append(1)
        return real(frames, *a, **kw)

    monkeypatch.setattr(spec, "analyze", counting)
    path = make_clip(duration=1.0, pattern="texture")
    for strength, border in ((0.5, "crop"), (0.9, "black"), (0.2, "replicate")):  # smoothing only
        with Renderer(project(path, AppliedOp("stabilize", {"strength": strength, "border": border}))) as r:
            r.prepare()
            assert r.frame(10).shape == (120, 160, 3)
    assert len(runs) == 1
    with Renderer(project(path, AppliedOp("contrast", {"amount": 0.3}), AppliedOp("stabilize"))) as r:
        r.frame(0)
    assert len(runs) == 2


def test_preview_scales_pixel_sized_params(make_clip):
    """A 6 px blur previews at 3 px on a half-size preview, so it looks like the export."""
    path = make_clip(width=320, height=240, pattern="texture")
    p = project(path, AppliedOp("blur", {"radius": 6.0}))
    with Renderer(p) as full, Renderer(p, preview_scale=0.5) as half:
        stage = half.chains[0]
        assert stage.fn_params["radius"] == 3.0 and stage.params["radius"] == 6.0
        small = full.frame(5).reshape(120, 2, 160, 2, 3).mean(axis=(1, 3))
        assert np.abs(small - half.frame(5)).mean() < 4


def test_two_renderers_share_one_analysis_run(make_clip, test_op):
    """The preview and a prepare job asking at once: the second waits for the first's result."""
    import threading
    import time

    started, go, calls = threading.Event(), threading.Event(), []

    def analyze(frames, info, progress, cancel):
        calls.append(1)
        started.set()
        go.wait(10)
        return {"n": sum(1 for _ in frames)}

    @test_op("_test_shared_analysis", kind=OpKind.TEMPORAL, analyze=analyze, params={})
    def temporal(frame, ctx, analysis):
        return frame

    p = project(make_clip(), AppliedOp("_test_shared_analysis"))
    results = []

    def work():
        with Renderer(p) as r:
            results.append(r.chains[0].analysis())

    threads = [threading.Thread(target=work) for _ in range(2)]
    threads[0].start()
    started.wait(10)
    threads[1].start()
    time.sleep(0.2)  # let the second reach the lock (if it is late it hits the memory cache: same outcome)
    go.set()
    for t in threads:
        t.join(30)
    assert calls == [1] and results == [{"n": 50}, {"n": 50}]
