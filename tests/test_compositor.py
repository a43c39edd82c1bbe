"""The compositor on generated pixels: placement, fit, crop, rotation, alpha, opacity, blend modes,
the passthrough and hidden-layer predicates, and v1 letterbox equivalence."""

from __future__ import annotations

from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from t2v_desktop.engine.compositor import Placement, composite, covers_canvas, is_passthrough
from t2v_desktop.errors import ParamError


def rnd(h, w, seed=0, c=3):
    shape = (h, w, c) if c else (h, w)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def v1_letterbox(frame, size):
    """engine/render.py's letterbox() as of schema v1 (frozen here: v1 projects must keep their pixels)."""
    w, h = size
    fh, fw = frame.shape[:2]
    if (fw, fh) == (w, h):
        return frame
    k = min(w / fw, h / fh)
    nw, nh = max(1, min(w, int(round(fw * k)))), max(1, min(h, int(round(fh * k))))
    out = np.zeros((h, w, 3), np.uint8)
    x, y = (w - nw) // 2, (h - nh) // 2
    shrink = nw < fw and nh < fh
    out[y:y + nh, x:x + nw] = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    return out


@pytest.mark.parametrize("src, canvas", [((1000, 562), (1920, 1080)), ((640, 480), (1920, 1080)),
                                         ((1920, 1080), (1280, 720)), ((333, 777), (640, 360)),
                                         ((1921, 1081), (1920, 1080)), ((1920, 800), (1920, 1080)),
                                         ((161, 121), (320, 180))])
def test_default_transform_is_v1_letterbox(src, canvas):
    frame = rnd(src[1], src[0])
    got = composite(np.zeros((canvas[1], canvas[0], 3), np.uint8), frame, None, None)
    assert np.array_equal(got, v1_letterbox(frame, canvas))
    assert np.array_equal(composite(np.zeros((canvas[1], canvas[0], 3), np.uint8), frame, None, Placement()), got)


def test_pip_region_is_the_scaled_source_and_the_rest_untouched():
    src = rnd(1080, 1920, 1)
    canvas = rnd(1080, 1920, 2)
    before = canvas.copy()
    out = composite(canvas, src, None, Placement(x=1.0, y=1.0, anchor_x=1.0, anchor_y=1.0, scale=1 / 3))
    expect = cv2.resize(src, (640, 360), interpolation=cv2.INTER_AREA)
    region = out[720:1080, 1280:1920].astype(int)
    assert np.abs(region - expect).max() <= 2
    mask = np.ones((1080, 1920), bool)
    mask[720:, 1280:] = False
    assert np.array_equal(out[mask], before[mask])


def test_pip_at_a_fractional_place_is_resampled_in_its_box_only():
    src = np.full((360, 640, 3), 200, np.uint8)
    canvas = np.zeros((1080, 1920, 3), np.uint8)
    out = composite(canvas, src, None, Placement(x=0.3017, y=0.4123, fit="native", scale=0.77))
    left, top = 0.3017 * 1920 - 0.5 * 640 * 0.77, 0.4123 * 1080 - 0.5 * 360 * 0.77
    x0, y0, x1, y1 = int(left), int(top), int(left + 640 * 0.77) + 1, int(top + 360 * 0.77) + 1
    assert np.all(out[y0 + 1:y1 - 1, x0 + 1:x1 - 1] == 200)  # inside: the colour exactly
    assert out[:y0].max() == 0 and out[y1:].max() == 0 and out[:, :x0].max() == 0 and out[:, x1:].max() == 0
    edge = out[y0 + 5, x0]  # the left edge pixel is partly covered: anti-aliased, not jagged
    assert 0 < edge[0] < 200


def test_subpixel_zoom_samples_the_source_at_the_mapped_position():
    ramp = np.tile(np.arange(256, dtype=np.uint8)[None, :, None], (64, 1, 3))
    out = composite(np.zeros((64, 256, 3), np.uint8), ramp, None, Placement(scale=1.3))
    left = 128 - 0.5 * 256 * 1.3
    i = np.arange(20, 236)
    expect = (i + 0.5 - left) / 1.3 - 0.5  # source column under each canvas pixel centre
    assert np.abs(out[32, i, 0].astype(float) - expect).max() <= 1.0


def test_opacity_half_over_black_halves_the_values():
    src = rnd(90, 160, 3)
    out = composite(np.zeros((90, 160, 3), np.uint8), src, None, Placement(opacity=0.5))
    assert np.abs(out.astype(int) - src.astype(int) / 2).max() <= 1
    alpha = np.full((90, 160), 255, np.uint8)  # the same through the alpha path
    out = composite(np.zeros((90, 160, 3), np.uint8), src, alpha, Placement(opacity=0.5))
    assert np.abs(out.astype(int) - src.astype(int) / 2).max() <= 1


def test_opacity_zero_draws_nothing():
    canvas = rnd(90, 160, 4)
    out = composite(canvas.copy(), rnd(90, 160, 5), None, Placement(opacity=0.0))
    assert np.array_equal(out, canvas)


def test_png_alpha_transparent_pixels_leave_the_canvas():
    h, w = 100, 200
    src = np.zeros((h, w, 3), np.uint8)
    src[...] = (255, 0, 0)  # garbage colour under the transparent part must never show
    src[30:70, 50:150] = (0, 200, 0)
    alpha = np.zeros((h, w), np.uint8)
    alpha[30:70, 50:150] = 255
    alpha[30:70, 50:60] = 128  # a half-transparent strip
    canvas = rnd(h, w, 6)
    before = canvas.copy()
    out = composite(canvas, src, alpha, Placement(fit="native"))
    outside = alpha == 0
    assert np.array_equal(out[outside], before[outside])
    assert np.all(out[35:65, 60:150] == (0, 200, 0))
    half = out[35:65, 50:60].astype(int)
    expect = (before[35:65, 50:60].astype(int) * 127 + np.array([0, 200, 0]) * 128) / 255
    assert np.abs(half - expect).max() <= 2
    # shrunk (resampled, warped or whole-pixel) the transparent red must not bleed into the edges
    for tf in (Placement(fit="native", scale=0.37, rotation=5), Placement(fit="native", scale=0.5)):
        out = composite(np.zeros((h, w, 3), np.uint8), src, alpha, tf)
        assert out[..., 0].max() <= 1 and out[..., 1].max() >= 199


@pytest.mark.parametrize("mode, expect", [
    ("normal", lambda d, s: s),
    ("screen", lambda d, s: 255 - (255 - d) * (255 - s) / 255),
    ("multiply", lambda d, s: d * s / 255),
    ("add", lambda d, s: np.minimum(255, d + s)),
])
def test_blend_modes_on_known_values(mode, expect):
    d = np.array([0, 60, 128, 200, 255], float)
    s = np.array([255, 100, 128, 90, 30], float)
    canvas = np.tile(d.astype(np.uint8)[None, :, None], (4, 1, 3))
    layer = np.tile(s.astype(np.uint8)[None, :, None], (4, 1, 3))
    out = composite(canvas.copy(), layer, None, Placement(blend=mode))
    assert np.abs(out[0, :, 0] - expect(d, s)).max() <= 1
    # at half opacity the result is half way between the canvas and the full-strength blend
    out = composite(canvas.copy(), layer, None, Placement(blend=mode, opacity=0.5))
    assert np.abs(out[0, :, 0] - (d + expect(d, s)) / 2).max() <= 1.5
    # and through alpha: alpha 0 leaves the canvas, alpha 255 is the full blend
    alpha = np.zeros((4, 5), np.uint8)
    alpha[2:] = 255
    out = composite(canvas.copy(), layer, alpha, Placement(blend=mode))
    assert np.array_equal(out[:2], canvas[:2])
    assert np.abs(out[3, :, 0] - expect(d, s)).max() <= 1


def test_rotation_90_moves_a_known_pixel():
    src = np.full((50, 100, 3), 40, np.uint8)  # 100 wide, 50 tall
    src[5:15, 5:15] = 250  # a marker near the top-left corner
    canvas = np.zeros((200, 200, 3), np.uint8)
    out = composite(canvas, src, None, Placement(fit="native", rotation=90))
    # clockwise: the top-left corner goes to the top-right; the box is now 50 wide, 100 tall
    expect = np.rot90(src, k=-1)
    region = out[50:150, 75:125].astype(int)
    assert np.abs(region - expect).max() <= 2
    ys, xs = np.nonzero(out[..., 0] > 150)
    assert (ys.mean(), xs.mean()) == pytest.approx((100 - 40, 100 + 15), abs=0.6)
    assert out[:49].max() == 0 and out[151:].max() == 0 and out[:, :74].max() == 0 and out[:, 126:].max() == 0


def test_crop_cuts_the_source_before_fitting():
    src = np.zeros((100, 200, 3), np.uint8)
    src[:, :100] = (255, 0, 0)
    src[:, 100:] = (0, 0, 255)
    canvas = np.zeros((100, 200, 3), np.uint8)
    out = composite(canvas, src, None, Placement(fit="native", crop_left=0.5))
    assert np.all(out[:, 50:150] == (0, 0, 255))  # the right half, centred, native size
    assert out[:, :50].max() == 0 and out[:, 150:].max() == 0
    out = composite(np.zeros((100, 200, 3), np.uint8), src, None, Placement(crop_left=0.5, fit="cover"))
    assert np.all(out == (0, 0, 255))  # the right half fills the canvas


def test_native_fit_with_preview_scale():
    src = rnd(120, 200, 7)
    canvas = np.zeros((180, 320, 3), np.uint8)
    out = composite(canvas, src, None, Placement(fit="native", x=0.0, y=0.0, anchor_x=0, anchor_y=0),
                    preview_scale=0.5)
    assert np.array_equal(out[:60, :100], cv2.resize(src, (100, 60), interpolation=cv2.INTER_AREA))
    assert out[60:].max() == 0 and out[:, 100:].max() == 0
    # the same layer already reduced to half: source_size says what native means
    half = cv2.resize(src, (100, 60), interpolation=cv2.INTER_AREA)
    out2 = composite(np.zeros((180, 320, 3), np.uint8), half, None,
                     Placement(fit="native", x=0.0, y=0.0, anchor_x=0, anchor_y=0),
                     preview_scale=0.5, source_size=(200, 120))
    assert np.array_equal(out2, out)


def test_off_canvas_parts_are_clipped():
    src = rnd(100, 100, 8)
    canvas = np.zeros((50, 80, 3), np.uint8)
    out = composite(canvas, src, None, Placement(fit="native", x=0.0, y=0.0))  # centre at the corner
    assert np.array_equal(out[:50, :50], src[50:, 50:])
    assert out[:, 50:].max() == 0
    out = composite(np.zeros((50, 80, 3), np.uint8), src, None, Placement(fit="native", x=5.0))
    assert out.max() == 0  # entirely off the canvas


def test_passthrough_returns_the_same_object():
    src = rnd(90, 160, 9)
    canvas = np.zeros((90, 160, 3), np.uint8)
    assert is_passthrough(Placement(), (160, 90), (160, 90), False)
    assert composite(canvas, src, None, Placement()) is src
    assert composite(canvas, src, None, Placement(fit="cover")) is src
    assert is_passthrough(Placement(fit="native"), (160, 90), (160, 90), False)
    assert not is_passthrough(Placement(fit="native"), (160, 90), (160, 90), False, preview_scale=0.5)
    assert not is_passthrough(Placement(), (160, 90), (160, 90), True)
    assert not is_passthrough(Placement(opacity=0.9), (160, 90), (160, 90), False)
    assert not is_passthrough(Placement(blend="screen"), (160, 90), (160, 90), False)
    assert not is_passthrough(Placement(x=0.51), (160, 90), (160, 90), False)
    assert not is_passthrough(Placement(crop_left=0.1), (160, 90), (160, 90), False)
    assert not is_passthrough(Placement(), (320, 180), (160, 90), False)  # fills, but needs a resample
    assert composite(np.zeros((90, 160, 3), np.uint8), src, None, Placement(x=0.51)) is not src


def test_covers_canvas():
    c = (160, 90)
    assert covers_canvas(Placement(), (320, 180), c, False)  # same aspect, contained = fills
    assert covers_canvas(Placement(fit="cover"), (100, 100), c, False)
    assert covers_canvas(Placement(scale=1.37, x=0.52), (160, 90), c, False)  # a Ken Burns zoom
    assert not covers_canvas(Placement(), (100, 100), c, False)  # letterboxed: bars show below
    assert not covers_canvas(Placement(), (160, 90), c, True)
    assert not covers_canvas(Placement(opacity=0.99), (160, 90), c, False)
    assert not covers_canvas(Placement(blend="multiply"), (160, 90), c, False)
    assert not covers_canvas(Placement(rotation=1), (160, 90), c, False)
    assert not covers_canvas(Placement(x=0.52), (160, 90), c, False)
    assert not covers_canvas(Placement(scale=0.9), (160, 90), c, False)
    assert not covers_canvas(Placement(fit="native"), (160, 90), c, False, preview_scale=0.5)


def test_read_only_canvas_is_copied_and_duck_typed_transforms_work():
    canvas = np.zeros((90, 160, 3), np.uint8)
    canvas.flags.writeable = False
    tf = SimpleNamespace(x=0.25, y=0.25, fit="native", opacity=1.0)  # missing fields default
    out = composite(canvas, np.full((10, 10, 3), 99, np.uint8), None, tf)
    assert canvas.max() == 0 and out is not canvas
    assert np.all(out[17:27, 35:45] == 99) and out.sum() == 99 * 300


@pytest.mark.parametrize("tf", [Placement(blend="overlay"), Placement(fit="stretch"), Placement(opacity=1.5),
                                Placement(scale=0.0), Placement(crop_left=0.6, crop_right=0.4),
                                Placement(crop_top=-0.1), Placement(x=float("nan"))])
def test_bad_transforms_are_param_errors(tf):
    with pytest.raises(ParamError):
        composite(np.zeros((9, 16, 3), np.uint8), np.zeros((9, 16, 3), np.uint8), None, tf)


def test_the_models_keyframed_transform_drives_it():
    """project.transform.Transform resolved at t (duck typed): a Ken Burns zoom 1x -> 2x over 2 s is
    1.5x at 1 s; a fade-in over 0.5 s is half strength at 0.25 s."""
    from t2v_desktop.keyframes import Keyframes
    from t2v_desktop.project.transform import Transform

    src = np.zeros((90, 160, 3), np.uint8)
    src[25:65, 60:100] = 255  # a 40x40 square in the middle
    assert composite(np.zeros_like(src), src, None, Transform()) is src
    zoom = Transform(scale=Keyframes.of([(0, 1.0), (2, 2.0)]))
    assert covers_canvas(zoom.at(1.0), (160, 90), (160, 90), False)
    out = composite(np.zeros_like(src), src, None, zoom.at(1.0))
    width, height = (out[45, :, 0] / 255).sum(), (out[:, 80, 0] / 255).sum()
    assert width == pytest.approx(60, abs=1.0) and height == pytest.approx(60, abs=1.0)
    fade = Transform(opacity=Keyframes.of([(0, 0.0), (0.5, 1.0)]), x=0.25, fit="native", scale=0.5)
    out = composite(np.zeros((90, 160, 3), np.uint8), src, None, fade.at(0.25))
    assert out.max() == pytest.approx(128, abs=1)
    assert np.argwhere(out[..., 0] > 0)[:, 1].mean() == pytest.approx(40, abs=0.6)  # centred at x = 0.25 * 160


def test_subpixel_choice():
    """A slow pan at scale 1 moves by fractions of a pixel when asked (smooth), snaps when not."""
    src = np.zeros((90, 160, 3), np.uint8)
    src[:, 80:] = 255  # an edge at column 80

    def edge(x, **kw):
        out = composite(np.zeros((90, 160, 3), np.uint8), src, None, Placement(x=x, fit="native"), **kw)
        return (out[45, :, 0] / 255).sum()  # width of the white part

    xs = 0.5 + np.arange(5) * 0.25 / 160  # quarter-pixel steps to the right
    smooth = [edge(x, subpixel=True) for x in xs]
    assert np.diff(smooth) == pytest.approx([-0.25] * 4, abs=0.02)
    snapped = [edge(x) for x in xs]
    assert set(snapped) <= {80.0, 79.0}
    # a static PIP at a fractional place snaps when asked, so it stays crisp
    out = composite(np.zeros((90, 160, 3), np.uint8), src, None, Placement(x=0.301, scale=0.5), subpixel=False)
    assert set(np.unique(out)) <= {0, 255}
    assert covers_canvas(Placement(x=0.501), (160, 90), (160, 90), False, subpixel=False)
    assert not covers_canvas(Placement(x=0.501), (160, 90), (160, 90), False, subpixel=True)


def test_a_big_still_zoom_matches_a_full_resize():
    """(It warps only the visible part instead of resizing the layer to 64x the canvas.)"""
    ramp = np.tile(np.arange(160, dtype=np.uint8)[None, :, None], (90, 1, 3))
    tf = Placement(scale=8.0, x=0.5, y=0.5)  # whole-pixel geometry: 1280x720, 64x the canvas
    out = composite(np.zeros((90, 160, 3), np.uint8), ramp, None, tf, subpixel=False)
    big = cv2.resize(ramp, (1280, 720), interpolation=cv2.INTER_LINEAR)[315:405, 560:720]
    assert np.abs(out.astype(int) - big).max() <= 1
