"""stabilize / deflicker on synthetic footage with a known camera path."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from t2v_desktop import jobs
from t2v_desktop.errors import Cancelled
from t2v_desktop.ops import FrameContext, StreamInfo, get_op, motion

FPS = 25
W, H = 160, 120


def _texture(w, h, seed=0):
    rng = np.random.default_rng(seed)
    fine = cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3)).astype(np.float32), (0, 0), 1.5)
    coarse = cv2.resize(rng.integers(0, 256, (h // 16 + 1, w // 16 + 1, 3)).astype(np.float32), (w, h),
                        interpolation=cv2.INTER_CUBIC)
    img = 0.5 * fine + 0.5 * coarse
    return ((img - img.min()) / (img.max() - img.min()) * 255).astype(np.uint8)


def shaky(n=60, w=W, h=H, jitter=2.5, rot=0.01, pan=0.0, seed=1, true_path=False, sway=1.0):
    """Frames of a textured scene seen by a camera on a smooth path plus per-frame jitter.

    Returns (frames, true smooth path (n, 2) in pixels), or with ``true_path`` only the
    camera's actual (n, 3) x, y, angle. No borders: a window of a larger canvas.
    """
    rng = np.random.default_rng(seed)
    m = w // 3
    canvas = _texture(w + 2 * m + int(abs(pan) * n), h + 2 * m, seed)
    t = np.arange(n) / FPS
    sx = sway * 0.06 * w * np.sin(2 * np.pi * 0.3 * t) + pan * np.arange(n)
    sy = sway * 0.05 * h * np.sin(2 * np.pi * 0.2 * t + 1)
    jx, jy, ja = rng.normal(0, jitter, n), rng.normal(0, jitter, n), rng.normal(0, rot, n)
    if true_path:
        return np.stack([sx + jx, sy + jy, ja], 1)
    cc = np.array([canvas.shape[1] / 2 - abs(pan) * n / 2, canvas.shape[0] / 2])
    frames = []
    for i in range(n):
        c, s = math.cos(ja[i]), math.sin(ja[i])
        rmat = np.array([[c, -s], [s, c]])
        off = -rmat @ (cc + (sx[i] + jx[i], sy[i] + jy[i])) + (w / 2, h / 2)
        frames.append(cv2.warpAffine(canvas, np.hstack([rmat, off[:, None]]), (w, h), flags=cv2.INTER_LINEAR))
    return frames, np.stack([sx, sy], 1)


def jitter(frames):
    """High-frequency RMS (px, px, deg) of the measured camera path of ``frames``."""
    mo = np.array(motion.track(frames, roi=0.7))
    path = motion.accumulate(*mo.T)
    sig = 0.12 * FPS
    return np.array([motion.highpass_rms(path[:, 0], sig), motion.highpass_rms(path[:, 1], sig),
                     math.degrees(motion.highpass_rms(path[:, 2], sig))])


def info(n, w=W, h=H):
    return StreamInfo(width=w, height=h, fps=Fraction(FPS), duration=n / FPS, frame_count=n)


def apply(spec, frames, analysis, rng=None, **params):
    n = len(frames)
    return [spec.fn(f, FrameContext(i, i / FPS, n / FPS, Fraction(FPS), rng), analysis, **spec.validate(params))
            for i, f in enumerate(frames)]


@pytest.fixture(scope="module")
def shaken():
    frames, path = shaky()
    spec = get_op("stabilize")
    return frames, path, spec, spec.analyze(iter(frames), info(len(frames)), None, None)


def test_registered_per_contract():
    spec = get_op("stabilise")
    assert spec.name == "stabilize" and spec.kind.value == "temporal"
    assert set(spec.params) == {"strength", "border"} and spec.analysis_params == ()
    assert get_op("deflicker").params["strength"].default == 0.5


def test_tracker_recovers_the_true_camera_motion(shaken):
    frames, _, _, an = shaken
    true = shaky(true_path=True)  # camera x, y (px) and angle (rad) of every frame, jitter included
    assert len(an["dx"]) == len(frames) and an["dx"][0] == 0.0
    # scene content shifts opposite to the camera; shaky() rotates the content itself by the angle
    assert np.abs(np.array(an["dx"][1:]) + np.diff(true[:, 0])).max() < 0.5
    assert np.abs(np.array(an["dy"][1:]) + np.diff(true[:, 1])).max() < 0.5
    assert np.abs(np.array(an["da"][1:]) - np.diff(true[:, 2])).max() < 0.004


def test_moving_foreground_and_noise_do_not_fool_the_tracker():
    n = 40
    frames, _ = shaky(n=n)
    true = shaky(n=n, true_path=True)
    rng = np.random.default_rng(9)
    block = _texture(64, 60, 7)  # a richly textured object, 20% of the frame, crossing the view
    busy = []
    for i, f in enumerate(frames):
        g = f.copy()
        g[30:90, 10 + 2 * i:74 + 2 * i] = block
        busy.append(np.clip(g + rng.normal(0, 6, g.shape), 0, 255).astype(np.uint8))
    mo = np.array(motion.track(busy))
    assert np.abs(mo[1:, 0] + np.diff(true[:, 0])).max() < 0.3
    assert np.abs(mo[1:, 1] + np.diff(true[:, 1])).max() < 0.3
    assert np.abs(mo[1:, 2] - np.diff(true[:, 2])).max() < 0.004


def test_measured_motion_matches_ground_truth():
    n = 40
    frames, _ = shaky(n=n, jitter=0.0, rot=0.0, pan=1.5)
    est = motion.accumulate(*np.array(motion.track(frames)).T)
    # a 1.5 px/frame pan plus the slow sine: content moves by minus the camera step
    t = np.arange(n) / FPS
    cam_x = 0.06 * W * np.sin(2 * np.pi * 0.3 * t) + 1.5 * np.arange(n)
    assert np.abs(-est[:, 0] - (cam_x - cam_x[0])).max() < 1.0


@pytest.mark.parametrize("border", ["crop", "black", "replicate"])
def test_jitter_is_reduced_a_lot(shaken, border):
    frames, _, spec, an = shaken
    before = jitter(frames)
    after = jitter(apply(spec, frames, an, strength=0.5, border=border))
    assert before[0] > 1.0 and before[1] > 1.0
    assert (after[:2] < before[:2] / 8).all(), (before, after)
    assert after[2] < before[2] / 4


def test_crop_hides_borders_black_shows_them(shaken):
    frames, _, spec, an = shaken
    cropped = np.stack(apply(spec, frames, an, strength=0.8, border="crop"))
    black = np.stack(apply(spec, frames, an, strength=0.8, border="black"))
    corners = [(slice(0, 2), slice(0, 2)), (slice(0, 2), slice(-2, None)),
               (slice(-2, None), slice(0, 2)), (slice(-2, None), slice(-2, None))]
    blocks = lambda v: np.stack([v[(slice(None), *c)].reshape(len(v), -1).max(axis=1) for c in corners])  # noqa: E731
    assert (blocks(black) == 0).sum() > len(frames) // 4        # many frames show a black corner
    assert (blocks(cropped) > 0).all()                          # none does after the crop
    # zoom is constant: the scene scale is the same in every cropped frame
    scales = np.array(motion.track(list(cropped)))[1:, 3]
    assert np.abs(scales).max() < 0.01


def test_strength_zero_is_a_no_op(shaken):
    frames, _, spec, an = shaken
    out = apply(spec, frames, an, strength=0.0)
    assert all(np.array_equal(a, b) for a, b in zip(out, frames, strict=True))


def test_strength_changes_result_without_reanalysis(shaken):
    frames, _, spec, an = shaken
    snapshot = json.dumps(an)
    calls = []

    def spy(*a, **k):
        calls.append(1)
        return spec.analyze(*a, **k)

    weak = jitter(apply(spec, frames, an, strength=0.15))
    strong = jitter(apply(spec, frames, an, strength=0.9))
    assert calls == [] and json.dumps(an) == snapshot
    assert strong[0] < weak[0] and strong[1] < weak[1]
    # analysis survives a JSON round trip (the render layer may cache it on disk)
    again = json.loads(snapshot)
    a = apply(spec, frames[:5], an, strength=0.5)
    b = apply(spec, frames[:5], again, strength=0.5)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_steady_pan_is_kept_to_the_last_frame():
    n = 50
    frames, _ = shaky(n=n, jitter=0.0, rot=0.0, pan=2.0, sway=0.0)
    spec = get_op("stabilize")
    an = spec.analyze(frames, info(n), None, None)
    out = apply(spec, frames, an, strength=1.0, border="black")
    # no lag: the pan survives, and the ends are not pulled towards a standstill
    for k in (0, n // 2, n - 1):
        shift, _ = cv2.phaseCorrelate(cv2.cvtColor(frames[k], cv2.COLOR_RGB2GRAY).astype(np.float64),
                                      cv2.cvtColor(out[k], cv2.COLOR_RGB2GRAY).astype(np.float64))
        assert abs(shift[0]) < 1.5 and abs(shift[1]) < 1.5, (k, shift)


def test_flat_and_single_frames():
    spec = get_op("stabilize")
    flat = [np.full((H, W, 3), 90, np.uint8) for _ in range(6)]
    an = spec.analyze(flat, info(6), None, None)
    assert an["dx"] == [0.0] * 6 and an["da"] == [0.0] * 6
    assert all(np.array_equal(o, flat[0]) for o in apply(spec, flat, an, strength=1.0))
    one = [shaky(n=1)[0][0]]
    an1 = spec.analyze(one, info(1), None, None)
    assert np.array_equal(apply(spec, one, an1, strength=1.0)[0], one[0])
    empty = spec.analyze([], info(0), None, None)
    assert empty["frames"] == 0


def test_scaled_preview_frames_get_the_same_correction(shaken):
    frames, _, spec, an = shaken
    i = 17
    full = apply(spec, frames, an, strength=0.5, border="black")[i]
    half_in = cv2.resize(frames[i], (W // 2, H // 2), interpolation=cv2.INTER_AREA)
    half = spec.fn(half_in, FrameContext(i, i / FPS, 60 / FPS, Fraction(FPS)), an, strength=0.5, border="black")
    expect = cv2.resize(full, (W // 2, H // 2), interpolation=cv2.INTER_AREA)
    inner = (slice(8, -8), slice(10, -10))
    assert np.abs(half[inner].astype(int) - expect[inner].astype(int)).mean() < 12


def test_frame_past_the_analysed_end_holds_the_last_correction(shaken):
    frames, _, spec, an = shaken
    n = len(frames)
    last = apply(spec, frames, an, strength=0.5)[-1]
    past = spec.fn(frames[-1], FrameContext(n + 1, (n + 1) / FPS, n / FPS, Fraction(FPS)), an, strength=0.5,
                   border="crop")
    assert not np.array_equal(last, frames[-1]) and np.array_equal(past, last)


def test_range_limits_the_correction(shaken):
    frames, _, spec, an = shaken
    out = apply(spec, frames, an, rng=(1.0, 2.0), strength=0.5)
    assert all(np.array_equal(out[i], frames[i]) for i in range(0, 25))
    assert sum(not np.array_equal(out[i], frames[i]) for i in range(25, 50)) > 20
    assert jitter(out[25:50])[:2].max() < jitter(frames[25:50])[:2].min() / 3


def test_progress_and_cancel(shaken):
    frames, _, spec, _ = shaken
    seen = []
    spec.analyze(frames[:10], info(10), lambda d, t, m: seen.append((d, t, m)), None)
    assert seen[-1][:2] == (10, 10) and "motion" in seen[-1][2].lower()
    token = jobs.CancelToken()

    def frames_then_cancel():
        for i, f in enumerate(frames):
            if i == 5:
                token.cancel()
            yield f

    with pytest.raises(Cancelled):
        spec.analyze(frames_then_cancel(), info(len(frames)), None, token)
    with pytest.raises(Cancelled):
        get_op("deflicker").analyze(frames_then_cancel(), info(len(frames)), None, token)


def test_stabilize_decoded_clip(make_clip):
    frames, _ = shaky(n=40, seed=3)
    path = make_clip("shaky", frame_fn=lambda i: frames[i], duration=40 / FPS, fps=FPS, audio=False,
                     number_frames=False, crf=16)
    with av.open(str(path)) as c:
        decoded = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(decoded) == 40
    spec = get_op("stabilize")
    an = spec.analyze(decoded, info(40), None, None)
    assert jitter(apply(spec, decoded, an))[:2].max() < jitter(decoded)[:2].min() / 5


# --------------------------------------------------------------------------- deflicker

def _flicker_clip(n=50, seed=0):
    rng = np.random.default_rng(seed)
    base = _texture(W, H, 5).astype(np.float32) * 0.7
    slow = np.linspace(0.8, 1.2, n)                      # a slow fade we must keep
    fast = 1 + rng.uniform(-0.12, 0.12, n)               # flicker we must remove
    return [np.clip(base * s * f, 0, 255).astype(np.uint8) for s, f in zip(slow, fast, strict=True)], slow


def _luma(frames):
    return np.array([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY).mean() for f in frames])


def test_deflicker_removes_flicker_keeps_fade():
    frames, slow = _flicker_clip()
    spec = get_op("remove flicker")
    an = spec.analyze(frames, info(len(frames)), None, None)
    json.dumps(an)
    before, after = _luma(frames), _luma(apply(spec, frames, an, strength=0.5))
    assert np.diff(after).std() < np.diff(before).std() / 4
    # the slow fade survives: first and last fifth keep their brightness ratio
    ratio = after[-10:].mean() / after[:10].mean()
    assert abs(ratio - slow[-10:].mean() / slow[:10].mean()) < 0.05
    same = apply(spec, frames, an, strength=0.0)
    assert all(np.array_equal(a, b) for a, b in zip(same, frames, strict=True))


def test_deflicker_leaves_black_frames_and_cuts_alone():
    frames = [np.zeros((H, W, 3), np.uint8)] * 5 + [np.full((H, W, 3), 200, np.uint8)] * 5
    spec = get_op("deflicker")
    an = spec.analyze(frames, info(10), None, None)
    out = apply(spec, frames, an, strength=1.0)
    assert all(o.max() == 0 for o in out[:5])
    assert all(abs(int(o.mean()) - 200) <= 200 * 0.5 for o in out[5:])


def test_through_the_renderer_strength_change_reuses_the_analysis(make_clip, monkeypatch, tmp_path):
    from t2v_desktop.project.model import AppliedOp, Project
    from t2v_desktop.engine.render import Renderer

    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path))
    frames, _ = shaky(n=40, seed=4)
    src = make_clip("shaky-render", frame_fn=lambda i: frames[i], duration=40 / FPS, fps=FPS, audio=False,
                    number_frames=False, crf=16)
    spec = get_op("stabilize")
    calls = []
    real = spec.analyze

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(spec, "analyze", spy)
    project = Project.from_media(str(src))
    op = AppliedOp("stabilize", {"strength": 0.3})
    project.main_track.clips[0].ops.append(op)
    weak = list(Renderer(project).iter_frames())
    op.params = {"strength": 0.9, "border": "black"}
    strong = list(Renderer(project).iter_frames())
    assert calls == [1]
    assert len(weak) == len(strong) == 40
    j_in, j_weak, j_strong = jitter(frames), jitter(weak), jitter(strong)
    assert j_strong[:2].max() < j_weak[:2].min() and j_weak[:2].max() < j_in[:2].min() / 3


def test_tripod_shot_with_a_moving_object_stays_still(tmp_path):
    """The app's demo clip: static camera, a sun with more corners than the background moves."""
    from t2v_desktop.media.synth import make_demo_clip

    src = make_demo_clip(tmp_path / "demo.mp4", duration=2.0)
    with av.open(str(src)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    spec = get_op("stabilize")
    an = spec.analyze(frames, info(len(frames), 640, 360), None, None)
    assert max(abs(v) for k in ("dx", "dy") for v in an[k]) < 0.3
    out = apply(spec, frames, an, strength=1.0)
    assert max(np.abs(o.astype(int) - f.astype(int)).mean() for o, f in zip(out, frames, strict=True)) < 1.0


def test_deflicker_does_not_blend_across_a_cut():
    rng = np.random.default_rng(2)
    shot_a = _texture(W, H, 11).astype(np.float32) * 0.5
    shot_b = _texture(W, H, 12).astype(np.float32) * 0.8   # a brighter second shot
    frames = [np.clip((shot_a if i < 25 else shot_b) * (1 + rng.uniform(-0.1, 0.1)), 0, 255).astype(np.uint8)
              for i in range(50)]
    spec = get_op("deflicker")
    an = spec.analyze(frames, info(50), None, None)
    assert max(an["cut"][:25]) < 0.1 and an["cut"][25] > 0.5 and max(an["cut"][26:]) < 0.1
    before, after = _luma(frames), _luma(apply(spec, frames, an, strength=0.8))
    for part in (slice(0, 25), slice(25, 50)):
        assert np.diff(after[part]).std() < np.diff(before[part]).std() / 4
    # the frames next to the cut keep their own shot's brightness
    assert abs(after[24] - before[:25].mean()) < 3 and abs(after[25] - before[25:].mean()) < 3
