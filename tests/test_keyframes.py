"""Keyframes: the value type, and animated op parameters rendered per frame on real (generated) media.

The picture is a flat grey clip, so a brightness ramp shows as a mean pixel value that moves with
time: brightness ``a <= 0`` scales every level by ``1 + a`` (ops/color.py), so frame ``i`` of a ramp
from 0 to -1 over 2 s has the mean ``m0 * (1 - i / 50)``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from t2v_desktop.engine.cache import clear_memory_caches
from t2v_desktop.engine.export import export_project
from t2v_desktop.engine.render import Renderer
from t2v_desktop.engine.stages import build_chain
from t2v_desktop.errors import ParamError, ProjectError
from t2v_desktop.keyframes import Key, Keyframes, from_json, is_keyframes_json, value_at, value_to_json
from t2v_desktop.media.frames import FrameSource
from t2v_desktop.media.presets import get_preset
from t2v_desktop.ops.registry import get_op, is_animated, resolve_params
from t2v_desktop.project.history import SetOpParams, SplitClip
from t2v_desktop.project.model import AppliedOp, Project

FPS, N = 25, 50  # the generated clip: 2 s at 25 fps
LOSSLESS = dataclasses.replace(get_preset("h264"), name="h264-lossless", video_options={"qp": "0", "preset": "ultrafast"})


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    clear_memory_caches()


@pytest.fixture
def grey(make_clip):
    return make_clip("grey", pattern="solid", color=(128, 128, 128), number_frames=False, audio=False)


def project(path, *ops) -> Project:
    p = Project.from_media(str(path))
    p.main_track.clips[0].ops = list(ops)
    return p


def means(p: Project, **kw) -> np.ndarray:
    with Renderer(p, **kw) as r:
        return np.array([r.frame(i).astype(np.float64).mean() for i in range(r.frame_count)])


RAMP = Keyframes.of([(0.0, 0.0), (2.0, -1.0)])


# -- the value type ----------------------------------------------------------------------------

def test_values_at_known_times():
    lin = Keyframes.of([(0, 10), (2, 20)])
    assert (lin.at(-1), lin.at(0), lin.at(0.5), lin.at(1), lin.at(2), lin.at(9)) == (10, 10, 12.5, 15, 20, 20)
    ease = Keyframes.of([(0, 0, "ease"), (1, 1)])
    assert ease.at(0.5) == pytest.approx(0.5) and ease.at(0.25) == pytest.approx(0.15625)
    assert Keyframes.of([(0, 0, "ease_in"), (1, 1)]).at(0.5) == pytest.approx(0.25)
    assert Keyframes.of([(0, 0, "ease_out"), (1, 1)]).at(0.5) == pytest.approx(0.75)
    hold = Keyframes.of([(0, 1, "hold"), (1, 5), (2, 9)])
    assert (hold.at(0.99), hold.at(1.0), hold.at(1.5)) == (1, 5, 7)
    assert value_at(3.0, 7) == 3.0 and value_at(lin, 1) == 15


def test_bad_keys_are_project_errors():
    with pytest.raises(ProjectError, match="time order"):
        Keyframes.of([(1, 0), (0, 1)])
    with pytest.raises(ProjectError, match="no two at one time"):
        Keyframes.of([(1, 0), (1, 1)])
    with pytest.raises(ProjectError, match="interpolation"):
        Keyframes.of([(0, 0, "bounce")])
    with pytest.raises(ProjectError, match="at least one key"):
        Keyframes(())
    with pytest.raises(ProjectError, match="Invalid project: .*time order"):
        from_json({"keyframes": [[2, 0], [1, 1]]}, "test")


def test_json_round_trip_and_sample():
    k = Keyframes.of([(0, 1.0, "ease"), (0.5, 2.0, "hold"), (1.5, -1.0, "ease_in"), (3, 4.0, "ease_out"), (4, 0)])
    d = value_to_json(k)
    assert is_keyframes_json(d) and from_json(d, "x") == k and value_to_json(2.5) == 2.5
    times = np.linspace(-1, 5, 601)
    assert np.allclose(k.sample(times), [k.at(t) for t in times], atol=1e-12)
    assert k.shifted(-1.0).at(2.0) == k.at(3.0)
    op = AppliedOp("brightness", {"amount": RAMP})
    back = AppliedOp.from_json(op.to_json())
    assert back.params["amount"] == RAMP and back.to_json() == op.to_json()


# -- op parameters: validation -----------------------------------------------------------------

def test_registry_validates_each_key_and_resolves():
    spec = get_op("brightness")
    p = spec.validate({"amount": {"keyframes": [[0, 0.5], [1, -0.5, "hold"]]}})
    assert isinstance(p["amount"], Keyframes) and is_animated(p)
    assert resolve_params(p, 0.5) == {"amount": 0.0}
    assert not is_animated(spec.validate({"amount": Keyframes.of([(0, 0.3), (1, 0.3)])}))
    with pytest.raises(ParamError, match="between -1 and 1.*keyframe at 1s"):
        spec.validate({"amount": Keyframes.of([(0, 0), (1, 3)])})
    with pytest.raises(ParamError, match="time order"):
        spec.validate({"amount": {"keyframes": [[1, 0], [0, 0.2]]}})
    with pytest.raises(ParamError, match="'flip' parameter 'direction' can't change over time"):
        get_op("flip").validate({"direction": Keyframes.of([(0, 0)])})


@pytest.mark.parametrize("name, param", [("speed", "factor"), ("volume", "gain_db"), ("stabilize", "strength"),
                                         ("fade_in", "duration"), ("ai_edit", "strength")])
def test_animated_param_on_a_non_frame_op_is_a_clear_error(name, param, grey):
    keys = Keyframes.of([(0, 0.5), (1, 0.8)])
    with pytest.raises(ParamError, match=f"'{name}' parameter '{param}' can't change over time; give one value"):
        get_op(name).validate({param: keys})
    if name == "speed":
        with pytest.raises(ParamError, match="can't change over time"):
            Renderer(project(grey, AppliedOp("speed", {"factor": keys})))


def test_geometry_op_whose_size_would_change_is_refused(grey):
    with pytest.raises(ParamError, match="'crop' would change the frame size over time"):
        Renderer(project(grey, AppliedOp("crop", {"left": Keyframes.of([(0, 0.0), (1, 0.2)])})))
    with Renderer(project(grey, AppliedOp("rotate", {"degrees": Keyframes.of([(0, 0.0), (2, 10.0)])}))) as r:
        assert r.frame(30).shape == (120, 160, 3)  # a tilt keeps the size: allowed


# -- op parameters: rendered -------------------------------------------------------------------

def test_animated_brightness_ramps_linearly(grey):
    m0 = means(project(grey))
    m = means(project(grey, AppliedOp("brightness", {"amount": RAMP})))
    assert len(m) == N
    for i in (0, N // 2, N - 1):
        assert m[i] == pytest.approx(m0[i] * (1 - i / N), abs=2), i
    assert np.all(np.diff(m) <= 0.5) and m[0] - m[-1] > 100


def test_hold_key_steps(grey):
    m0 = means(project(grey))
    keys = Keyframes.of([(0.0, 0.0, "hold"), (1.0, -0.5)])
    m = means(project(grey, AppliedOp("brightness", {"amount": keys})))
    assert m[24] == pytest.approx(m0[24], abs=1)            # t = 0.96 s: still the first value
    assert m[25] == pytest.approx(m0[25] * 0.5, abs=2)      # t = 1.00 s: the step
    assert m[49] == pytest.approx(m0[49] * 0.5, abs=2)


def test_keys_count_on_the_ops_own_timeline_and_inside_its_range(grey):
    """After a 2x speed-up, the op's timeline is the 1 s output; a ranged op keeps its keys' times."""
    m0 = means(project(grey))
    fast = means(project(grey, AppliedOp("speed", {"factor": 2.0}),
                         AppliedOp("brightness", {"amount": Keyframes.of([(0, 0), (1, -1)])})))
    assert len(fast) == 25 and fast[12] == pytest.approx(m0[0] * (1 - 12 / 25), abs=2)
    ranged = means(project(grey, AppliedOp("brightness", {"amount": RAMP}, range=(1.0, 2.0))))
    assert ranged[20] == pytest.approx(m0[20], abs=1)
    assert ranged[30] == pytest.approx(m0[30] * (1 - 30 / N), abs=2)


def test_pixel_params_scale_with_the_preview(make_clip):
    src = make_clip()  # the gradient: blur shows
    keys = Keyframes.of([(0, 2.0), (2, 6.0)])
    with Renderer(project(src, AppliedOp("blur", {"radius": keys})), preview_scale=0.5) as a, \
            Renderer(project(src, AppliedOp("blur", {"radius": 4.0})), preview_scale=0.5) as b:
        fa, fb = a.frame(25), b.frame(25)  # t = 1 s: radius 4 (2 px at half scale) in both
        assert fa.shape == fb.shape and np.array_equal(fa, fb)
        assert not np.array_equal(a.frame(5), b.frame(5))


def test_content_key_includes_the_keys(grey):
    def key(k):
        return build_chain(project(grey, AppliedOp("brightness", {"amount": k})).main_track.clips[0],
                           FPS, 48000, 2)[0].key
    assert key(RAMP) != key(Keyframes.of([(0.0, 0.0), (1.0, -1.0)]))
    assert key(RAMP) == key(Keyframes.of([(0.0, 0.0), (2.0, -1.0)]))
    # a changed animation renders anew (nothing stale from the frame cache)
    m1 = means(project(grey, AppliedOp("brightness", {"amount": RAMP})))
    m2 = means(project(grey, AppliedOp("brightness", {"amount": Keyframes.of([(0.0, 0.0), (1.0, -1.0)])})))
    assert m2[30] < m1[30] - 20


# -- edits -------------------------------------------------------------------------------------

@pytest.mark.parametrize("speed", [None, 2.0])
def test_split_keeps_the_animation_continuous(grey, speed):
    """Split mid-clip: the two halves render exactly as the unsplit clip did (keys of the right half
    shifted by the split point on the op's timeline, also below a speed change)."""
    ops = [AppliedOp("brightness", {"amount": RAMP})]
    if speed:
        ops.append(AppliedOp("speed", {"factor": speed}))
    p = project(grey, *ops)
    whole = means(p)
    SplitClip(0.6).do(p)
    assert len(p.main_track.clips) == 2
    right = p.main_track.clips[1].ops[0].params["amount"]
    assert right.keys[0].t == pytest.approx(-0.6 * (speed or 1.0))
    split = means(p)
    assert len(split) == len(whole)
    assert np.allclose(split, whole, atol=0.01)


def test_set_op_params_takes_keyframes_and_undoes(grey):
    p = project(grey, AppliedOp("brightness", {"amount": 0.0}))
    c = p.main_track.clips[0]
    cmd = SetOpParams(c.id, c.ops[0].id, {"amount": RAMP})
    cmd.do(p)
    assert c.ops[0].params["amount"] == RAMP and cmd.label == "Change brightness amount animated"
    cmd.undo(p)
    assert c.ops[0].params["amount"] == 0.0
    q = project(grey, AppliedOp("speed", {"factor": 1.0}))
    qc = q.main_track.clips[0]
    with pytest.raises(ParamError, match="can't change over time"):
        SetOpParams(qc.id, qc.ops[0].id, {"factor": Keyframes.of([(0, 1), (1, 2)])}).do(q)
    assert qc.ops[0].params == {"factor": 1.0}
    with pytest.raises(ParamError, match="keyframe at 2s"):
        SetOpParams(c.id, c.ops[0].id, {"amount": Keyframes((Key(0, 0), Key(2, 5)))}).do(p)
    assert c.ops[0].params["amount"] == 0.0


def test_saved_project_keeps_keyframes(grey, tmp_path):
    p = project(grey, AppliedOp("brightness", {"amount": RAMP}))
    path = tmp_path / "p.t2v"
    p.save(path)
    q = Project.load(path)
    assert q.main_track.clips[0].ops[0].params["amount"] == RAMP
    assert np.allclose(means(q), means(p))


# -- export ------------------------------------------------------------------------------------

def _frames(path) -> np.ndarray:
    with FrameSource(path) as fs:
        return np.stack(list(fs.iter_frames()))


def test_yuv_fast_path_export_equals_the_rgb_export(grey, tmp_path):
    """The fast path refuses keyframed params (RGB path instead); both exports give the same ramp."""
    def export(out, fast):
        return export_project(project(grey, AppliedOp("brightness", {"amount": RAMP})), out, LOSSLESS, fast_path=fast)

    fast, slow = export(tmp_path / "fast.mp4", True), export(tmp_path / "rgb.mp4", False)
    assert fast.frames == slow.frames == N and fast.yuv_frames == 0
    a, b = _frames(fast.path).astype(np.int16), _frames(slow.path).astype(np.int16)
    assert np.abs(a - b).max() <= 2
    assert a[0].mean() - a[-1].mean() > 100  # the animation is in the file
    # the constant op still takes the fast path (nothing slower for projects without keyframes)
    plain = export_project(project(grey, AppliedOp("brightness", {"amount": -0.5})), tmp_path / "c.mp4",
                           LOSSLESS)
    assert plain.yuv_frames == N
