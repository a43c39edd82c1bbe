"""stabilize on footage with intended moves, scene cuts and more shake than a 1.1x crop can hide."""

from __future__ import annotations

import math
from fractions import Fraction

import cv2
import numpy as np
import pytest

from t2v_desktop.ops import FrameContext, StreamInfo, get_op, motion
from t2v_desktop.ops import stabilize as stab

FPS = 25
W, H = 192, 144


def _texture(w, h, seed):
    rng = np.random.default_rng(seed)
    fine = cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3)).astype(np.float32), (0, 0), 1.5)
    coarse = cv2.resize(rng.integers(0, 256, (h // 16 + 1, w // 16 + 1, 3)).astype(np.float32), (w, h),
                        interpolation=cv2.INTER_CUBIC)
    img = 0.5 * fine + 0.5 * coarse
    return ((img - img.min()) / (img.max() - img.min()) * 255).astype(np.uint8)


def film(cam, seed=0, w=W, h=H):
    """Frames of a textured plane seen by a camera at ``cam`` (n, 3: x px, y px, roll rad)."""
    span = np.ptp(cam[:, :2], axis=0) if len(cam) else np.zeros(2)
    m = 40
    canvas = _texture(int(w + span[0]) + 2 * m, int(h + span[1]) + 2 * m, seed)
    origin = np.array([w / 2 + m, h / 2 + m]) - cam[:, :2].min(axis=0)
    out = []
    for x, y, a in cam:
        rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        off = -rot @ (origin + (x, y)) + (w / 2, h / 2)
        out.append(cv2.warpAffine(canvas, np.hstack([rot, off[:, None]]), (w, h), flags=cv2.INTER_LINEAR))
    return out


def pan_then_hold(n, speed, seed=1, jitter=1.2, roll=0.003):
    """A deliberate pan that starts and stops (eased over 5 frames) plus per-frame shake."""
    rng = np.random.default_rng(seed)
    v = np.zeros(n)
    a, b = n // 4, 3 * n // 4
    v[a:b] = speed
    v = np.convolve(v, np.ones(5) / 5, "same")
    intended = np.cumsum(v)
    cam = np.stack([intended + rng.normal(0, jitter, n), rng.normal(0, jitter, n), rng.normal(0, roll, n)], 1)
    return cam, intended


def info(n, w=W, h=H):
    return StreamInfo(width=w, height=h, fps=Fraction(FPS), duration=n / FPS, frame_count=n)


def run(frames, strength=0.5, border="crop", analysis=None):
    spec = get_op("stabilize")
    an = analysis or spec.analyze(iter(frames), info(len(frames)), None, None)
    n = len(frames)
    params = spec.validate({"strength": strength, "border": border})
    out = [spec.fn(f, FrameContext(i, i / FPS, n / FPS, Fraction(FPS)), an, **params) for i, f in enumerate(frames)]
    return out, an


def measured_path(frames):
    """The content's x, y path (px) in ``frames`` by KLT on the centre 70%."""
    return motion.accumulate(*np.array(motion.track(frames, roi=0.7)).T)[:, :2]


def shake(path, sigma=0.12 * FPS):
    return np.array([motion.highpass_rms(path[:, k], sigma) for k in (0, 1)])


def zoom_against(src, out):
    """Median scale of output frames against their inputs (an independent crop measurement)."""
    zs = []
    for a, b in zip(src[::4], out[::4], strict=True):
        tr = motion.MotionTracker()
        tr.push(a)
        zs.append(math.exp(tr.push(b)[3]))
    return float(np.median(zs))


@pytest.fixture(scope="module")
def panned():
    cam, intended = pan_then_hold(100, 2.5)
    frames = film(cam)
    out, an = run(frames)
    return frames, out, an, intended


def test_follows_a_deliberate_pan_and_removes_the_shake(panned):
    frames, out, an, intended = panned
    report = stab.crop_report(an, 0.5, "crop", FPS)
    # the fully smoothed path would lag the pan's start and stop by more than the cap allows ...
    assert report["needed"] > stab.MAX_CROP_ZOOM and report["zoom"] <= stab.MAX_CROP_ZOOM + 1e-9
    zoom = zoom_against(frames, out)
    assert 1.0 < zoom <= stab.MAX_CROP_ZOOM + 0.01
    # ... so it follows the pan: the output's content moves by the intended pan (times the zoom)
    p_in, p_out = measured_path(frames), measured_path(out)
    follow = p_out[:, 0] / zoom + (intended - intended[0])
    assert np.abs(follow).max() < 0.06 * W, np.abs(follow).max()
    assert abs(p_out[-1, 0] / zoom - p_in[-1, 0]) < 0.06 * W   # the whole pan survives
    # and the shake goes
    before, after = shake(p_in), shake(p_out)
    assert (after < before / 3).all(), (before, after)


def test_pan_start_is_bent_not_clipped(panned):
    """Near the pan's start the correction stays within the crop and changes smoothly (no shake
    leaks back in as a hard clip would let it)."""
    _, _, an, _ = panned
    plan = stab._plan(an, FrameContext(0, 0.0, 4.0, Fraction(FPS)), 0.5, "crop")
    corr = plan.corr[:, 0]
    raw = motion.trajectory(np.array([an[k] for k in ("dx", "dy", "da", "ds")]).T)[:, 0]
    smooth = raw + corr
    assert motion.highpass_rms(smooth, 0.12 * FPS) < motion.highpass_rms(raw, 0.12 * FPS) / 3
    assert motion.crop_zoom(plan.corr, W, H, 4.0) <= stab.MAX_CROP_ZOOM + 1e-9


def test_path_resets_at_a_hard_cut():
    cam_a, _ = pan_then_hold(40, 2.0, seed=3)
    cam_b, _ = pan_then_hold(40, -2.0, seed=4)
    a, b = film(cam_a, seed=5), film(cam_b, seed=6)
    frames = a + b
    out, an = run(frames)
    assert an["cuts"] == [40]
    assert an["dx"][40] == 0.0 and an["dy"][40] == 0.0 and an["da"][40] == 0.0
    # no smoothing across the cut: each side is exactly what stabilising that shot alone gives
    out_a, _ = run(a)
    out_b, _ = run(b)
    for i in (0, 20, 38, 39):
        assert np.abs(out[i].astype(int) - out_a[i].astype(int)).max() <= 1, i
    for i in (0, 1, 2, 20, 39):
        assert np.abs(out[40 + i].astype(int) - out_b[i].astype(int)).max() <= 1, i
    report = stab.crop_report(an, 0.5, "crop", FPS)
    assert report["cuts"] == [40 / FPS]
    notes = stab.stabilize_notes(an, FrameContext(0, 0.0, 80 / FPS, Fraction(FPS)), 0.5, "crop")
    assert "1 scene cut" in notes[0] and "crops" in notes[0]


def test_no_cuts_within_a_shot_with_fast_moves_and_a_crossing_object():
    cam, _ = pan_then_hold(60, 6.0, seed=7, jitter=2.0)
    frames = film(cam, seed=8)
    block = _texture(60, 50, 9)
    for i, f in enumerate(frames):
        f[40:90, 5 + 2 * i:65 + 2 * i] = block
    an = get_op("stabilize").analyze(iter(frames), info(len(frames)), None, None)
    assert an["cuts"] == []


def test_a_fade_to_black_is_not_smoothed_across():
    cam, _ = pan_then_hold(30, 1.0, seed=10)
    frames = film(cam, seed=11) + [np.zeros((H, W, 3), np.uint8)] * 5
    out, an = run(frames)
    assert an["cuts"] == [30]
    assert all(o.max() == 0 for o in out[30:])


def test_strength_trades_smoothness_for_crop():
    cam, _ = pan_then_hold(80, 1.0, seed=12, jitter=1.0, roll=0.002)
    frames = film(cam, seed=13)
    spec = get_op("stabilize")
    an = spec.analyze(iter(frames), info(len(frames)), None, None)
    strengths = (0.1, 0.3, 0.5, 0.7, 0.9, 1.0)
    zooms = [stab.crop_report(an, s, "crop", FPS)["zoom"] for s in strengths]
    needed = [stab.crop_report(an, s, "crop", FPS)["needed"] for s in strengths]
    assert all(b >= a - 1e-6 for a, b in zip(zooms, zooms[1:], strict=False)), zooms
    assert all(b >= a - 1e-6 for a, b in zip(needed, needed[1:], strict=False)), needed
    assert zooms[0] < zooms[-1] <= stab.MAX_CROP_ZOOM + 1e-9
    weak, strong = shake(measured_path(run(frames, 0.1, analysis=an)[0])), shake(measured_path(run(frames, 1.0, analysis=an)[0]))
    assert (strong < weak).all(), (weak, strong)


@pytest.mark.parametrize("border", ["crop", "black"])
def test_crop_cap_holds_under_violent_shake(border):
    rng = np.random.default_rng(14)
    n = 50
    cam = np.stack([rng.normal(0, 6, n), rng.normal(0, 6, n), rng.normal(0, 0.02, n)], 1)
    frames = film(cam, seed=15)
    out, an = run(frames, strength=1.0, border=border)
    report = stab.crop_report(an, 1.0, border, FPS)
    assert report["needed"] > stab.MAX_CROP_ZOOM
    plan = stab._plan(an, FrameContext(0, 0.0, n / FPS, Fraction(FPS)), 1.0, border)
    # every frame's correction fits inside the capped crop window (exact corner test) ...
    assert motion.crop_zoom(plan.corr, W, H, 4.0) <= stab.MAX_CROP_ZOOM + 1e-6
    if border == "crop":
        assert report["zoom"] <= stab.MAX_CROP_ZOOM + 1e-9
        assert zoom_against(frames, out) <= stab.MAX_CROP_ZOOM + 0.01
        notes = stab.stabilize_notes(an, FrameContext(0, 0.0, n / FPS, Fraction(FPS)), 1.0, "crop")
        assert len(notes) == 2 and "full smoothing would need" in notes[1]
    else:
        assert report["zoom"] == 1.0
        # ... so black edges never reach further in than the cap's margin
        inner = np.stack(out)[:, int(H * 0.05) + 1:-int(H * 0.05) - 1, int(W * 0.05) + 1:-int(W * 0.05) - 1]
        assert (inner.reshape(n, -1, 3).max(axis=2) > 0).mean() > 0.999
    # and it still steadies the picture (shake of 4% of the frame cannot all go in a 1.1x crop)
    assert (shake(measured_path(out)) < shake(measured_path(frames)) / 1.5).all()


def test_bounded_smoothing_is_the_constrained_optimum(monkeypatch):
    monkeypatch.setattr(motion, "BEND_REACH", 1000)  # one window: the exact QP
    rng = np.random.default_rng(0)
    n = 120
    raw = np.cumsum(np.r_[np.zeros(40), np.full(40, 3.0), np.zeros(40)]) + rng.normal(0, 1.0, n)
    smooth = motion.smooth(raw, 10)
    out = motion.bounded(smooth, raw, 6.0, 10)
    assert np.abs(out - raw).max() <= 6.0 + 1e-9
    assert np.abs(smooth - raw).max() > 6.0            # the bound was needed
    # the optimality (KKT) conditions of min |D2 c|^2 + eps |c|^2 on lo <= c <= hi hold: no force
    # on free frames, pins at the upper bound push down, at the lower bound push up
    eps = 1.0 / 10 ** 4
    d2 = np.diff(np.eye(n), 2, axis=0)
    q = d2.T @ d2 + eps * np.eye(n)
    c = out - smooth
    lo, hi = raw - 6 - smooth, raw + 6 - smooth
    force = -(q @ c)
    at_hi, at_lo = np.isclose(c, hi, atol=1e-7), np.isclose(c, lo, atol=1e-7)
    free = ~(at_hi | at_lo)
    assert at_hi.any() or at_lo.any()
    assert np.abs(force[free]).max() < 1e-6
    assert (force[at_hi] > -1e-6).all() and (force[at_lo] < 1e-6).all()
    # and it beats a long projected-gradient run on the same problem
    x = np.clip(np.zeros(n), lo, hi)
    step = 1.0 / np.linalg.eigvalsh(q).max()
    for _ in range(3000):
        x = np.clip(x - step * (q @ x), lo, hi)
    assert c @ q @ c <= x @ q @ x + 1e-9
    # where the smooth path already keeps within the bound nothing moves
    assert np.array_equal(motion.bounded(smooth, raw, 100.0, 10), smooth)


def test_edit_stack_hook_reports_the_crop_after_analysis(make_clip, monkeypatch, tmp_path):
    from t2v_desktop.project.model import AppliedOp, Project
    from t2v_desktop.engine.render import Renderer
    from t2v_desktop.engine.stages import TemporalStage

    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path))
    cam_a, _ = pan_then_hold(30, 2.0, seed=16)
    frames = film(cam_a, seed=17) + film(pan_then_hold(30, -2.0, seed=18)[0], seed=19)
    src = make_clip("cut-clip", frame_fn=lambda i: frames[i], duration=60 / FPS, fps=FPS, audio=False,
                    number_frames=False, crf=16, width=W, height=H)
    project = Project.from_media(str(src))
    op = AppliedOp("stabilize", {"strength": 0.5})
    project.main_track.clips[0].ops.append(op)
    renderer = Renderer(project)
    stage = renderer.chain(project.main_track.clips[0].id)
    while not isinstance(stage, TemporalStage):
        stage = stage.prev
    assert stage.notes() == []          # never starts an analysis by itself
    renderer.prepare()
    notes = stage.notes()
    assert len(notes) >= 1 and notes[0].startswith(("crops 1.", "no crop needed")), notes
    assert "1 scene cut" in notes[0]


def test_bends_stay_local_on_a_long_shot():
    """Ten pans in a 3000-frame shot: each bend is solved in its own window, returns to the smooth
    path between pans (continuously), and the whole path keeps within the bound."""
    rng = np.random.default_rng(3)
    n = 3000
    v = np.zeros(n)
    for k in range(0, n, 300):
        v[k + 100:k + 160] = 4.0
    raw = np.cumsum(v) + rng.normal(0, 1.0, n)
    smooth = motion.smooth(raw, 12)
    out = motion.bounded(smooth, raw, 8.0, 12)
    assert np.abs(out - raw).max() <= 8.0 + 1e-9 and np.abs(smooth - raw).max() > 8.0
    bend = out - smooth
    quiet = np.abs(smooth - raw) < 4.0          # far from any pan start or stop ...
    far = np.convolve(~quiet, np.ones(2 * 5 * 12 + 1), "same") == 0
    assert far.sum() > 300 and np.abs(bend[far]).max() < 1e-9   # ... nothing moves
    assert np.abs(np.diff(bend)).max() < 1.0     # no jumps where a window ends
    assert motion.highpass_rms(out, 3) < motion.highpass_rms(raw, 3) / 2


def test_read_ahead_keeps_order_errors_and_stops_its_thread():
    import threading

    seen_threads = set()

    def source(n, fail_at=None):
        for i in range(n):
            seen_threads.add(threading.get_ident())
            if i == fail_at:
                raise ValueError("broken frame")
            yield np.full((2, 2, 3), i, np.uint8)

    assert [int(f[0, 0, 0]) for f in stab.read_ahead(source(30))] == list(range(30))
    assert threading.get_ident() not in seen_threads and len(seen_threads) == 1   # one reading thread
    got = []
    with pytest.raises(ValueError, match="broken frame"):
        for f in stab.read_ahead(source(30, fail_at=12)):
            got.append(int(f[0, 0, 0]))
    assert got == list(range(12))                   # every frame before the error, in order
    before = threading.active_count()
    reader = stab.read_ahead(source(10_000))
    next(reader)
    reader.close()                                  # the consumer stops early (a cancel, an error)
    assert threading.active_count() <= before
    assert all(t.name != "stabilize-read-ahead" for t in threading.enumerate())
