"""Geometry ops on real decoded frames: exact sizes (even), where pixels land, declared sizes."""

from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from t2v_desktop.errors import ParamError
from t2v_desktop.ops import geometry
from t2v_desktop.ops.params import Float, Int
from t2v_desktop.ops.registry import FrameContext

CTX = FrameContext(index=0, time=0.0, duration=2.0, fps=Fraction(25))
SPECS = {v.spec.name: v.spec for v in vars(geometry).values() if hasattr(v, "spec")}


def first_frame(path) -> np.ndarray:
    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24")


def run(name: str, frame: np.ndarray, **params) -> np.ndarray:
    spec = SPECS[name]
    p = spec.validate(params)
    out = spec.fn(frame, CTX, **p)
    h, w = frame.shape[:2]
    expected = spec.output_size(w, h, **p) if spec.output_size else (w, h)
    assert out.shape == (expected[1], expected[0], 3) and out.dtype == np.uint8
    return out


@pytest.fixture(scope="module")
def frame(make_clip):
    return first_frame(make_clip(pattern="texture"))


def test_catalogue_ops_are_all_here():
    assert set(SPECS) == {"crop", "resize", "rotate", "flip", "zoom"}
    assert all(SPECS[n].output_size for n in ("crop", "resize", "rotate"))


@pytest.mark.parametrize("aspect, size", [("16:9", (160, 90)), ("9:16", (68, 120)), ("1:1", (120, 120)),
                                          ("4:5", (96, 120)), ("4:3", (160, 120)), ("21:9", (160, 68))])
def test_crop_to_aspect_is_centred_and_even(frame, aspect, size):
    out = run("crop", frame, aspect=aspect)
    w, h = size
    assert out.shape[:2] == (h, w) and w % 2 == 0 and h % 2 == 0
    a, b = (int(v) for v in aspect.split(":"))
    assert abs(w - h * a / b) <= 2
    x, y = (160 - w) // 2, (120 - h) // 2
    assert np.array_equal(out, frame[y:y + h, x:x + w])


def test_crop_margins_cut_the_right_pixels(frame):
    out = run("crop", frame, left=0.1, top=0.25)
    assert out.shape[:2] == (90, 144)
    assert np.array_equal(out, frame[30:, 16:])
    out = run("crop", frame, left=0.1, right=0.1, aspect="1:1")
    assert out.shape[:2] == (120, 120)
    assert np.array_equal(out, frame[:, 20:140])


def test_crop_odd_input_gives_even_output(frame):
    odd = np.ascontiguousarray(frame[:119, :159])
    out = run("crop", odd, right=0.1)
    assert out.shape[0] % 2 == 0 and out.shape[1] % 2 == 0


@pytest.mark.parametrize("params, size", [({"width": 80}, (80, 60)), ({"height": 60}, (80, 60)),
                                          ({"scale": 0.5}, (80, 60)), ({"scale": 1.5}, (240, 180)),
                                          ({"width": 81}, (82, 60)), ({"width": 100, "height": 100}, (100, 100))])
def test_resize_sizes(frame, params, size):
    out = run("resize", frame, **params)
    assert out.shape[:2] == (size[1], size[0])


def test_resize_keeps_the_picture(frame):
    smooth = cv2.GaussianBlur(frame, (0, 0), 3)
    back = run("resize", run("resize", smooth, scale=2.0), scale=0.5)
    assert np.abs(back.astype(int) - smooth.astype(int)).mean() < 2


@pytest.mark.parametrize("params", [{}, {"scale": 2, "width": 100}, {"scale": 8}])
def test_resize_bad_requests_raise(frame, params):
    big = np.zeros((1080, 1920, 3), np.uint8) if params.get("scale") == 8 else frame
    with pytest.raises(ParamError):
        SPECS["resize"].fn(big, CTX, **SPECS["resize"].validate(params))


def marked(w=160, h=120):
    img = np.zeros((h, w, 3), np.uint8)
    img[0:4, 0:4] = (255, 0, 0)  # red top-left corner
    return img


@pytest.mark.parametrize("degrees, where", [(90, "top-right"), (-90, "bottom-left"), (270, "bottom-left"),
                                            (180, "bottom-right"), (-270, "top-right")])
def test_rotate_quarter_turns_clockwise(degrees, where):
    out = run("rotate", marked(), degrees=degrees)
    h, w = out.shape[:2]
    assert (w, h) == ((120, 160) if degrees % 180 else (160, 120))
    ys, xs = np.nonzero(out[..., 0])
    corner = {"top-right": (0, w - 1), "bottom-left": (h - 1, 0), "bottom-right": (h - 1, w - 1)}[where]
    assert (abs(ys.mean() - corner[0]) < 3) and (abs(xs.mean() - corner[1]) < 3)


def test_rotate_full_turn_is_identity(frame):
    assert np.array_equal(run("rotate", frame, degrees=360), frame)
    assert np.array_equal(run("rotate", frame, degrees=0), frame)


def test_rotate_small_angle_keeps_size_and_fills_corners(make_clip):
    bright = first_frame(make_clip(pattern="solid", color=(200, 180, 160), number_frames=False))
    out = run("rotate", bright, degrees=7.5)
    assert out.shape == bright.shape
    assert out.min() > 60  # no black corners: zoomed to fill
    # A point right of centre moves down (clockwise)
    img = np.zeros((120, 160, 3), np.uint8)
    img[58:62, 120:124] = 255
    ys, xs = np.nonzero(run("rotate", img, degrees=20)[..., 0] > 100)
    assert ys.mean() > 62


def test_flip_is_a_mirror(frame):
    assert np.array_equal(run("flip", frame), frame[:, ::-1])
    assert np.array_equal(run("flip", frame, direction="vertical"), frame[::-1])
    assert np.array_equal(run("flip", run("flip", frame)), frame)


def test_zoom_keeps_size_and_magnifies_the_centre(frame):
    smooth = cv2.GaussianBlur(frame, (0, 0), 2)
    out = run("zoom", smooth, factor=2.0)
    ref = cv2.resize(smooth[30:90, 40:120], (160, 120), interpolation=cv2.INTER_LINEAR)
    assert np.abs(out.astype(int) - ref.astype(int)).mean() < 2
    # a corner zoom shows the corner, with no borders
    corner = run("zoom", smooth, factor=2.0, x=0.0, y=0.0)
    ref = cv2.resize(smooth[0:60, 0:80], (160, 120), interpolation=cv2.INTER_LINEAR)
    assert np.abs(corner.astype(int) - ref.astype(int)).mean() < 2
    assert np.array_equal(run("zoom", frame, factor=1.0), frame)


@pytest.mark.parametrize("spec", SPECS.values(), ids=lambda s: s.name)
def test_rejects_out_of_range_and_does_not_mutate(spec, frame):
    for pname, p in spec.params.items():
        if isinstance(p, (Float, Int)):
            for bad in (p.max + 1, p.min - 1):
                with pytest.raises(ParamError):
                    spec.validate({pname: bad})
    if "aspect" in spec.params:
        with pytest.raises(ParamError):
            spec.validate({"aspect": "3:7"})
    params = {"scale": 0.5} if spec.name == "resize" else {}
    before = frame.copy()
    out = spec.fn(frame, CTX, **spec.validate(params))
    assert np.array_equal(frame, before)
    assert not np.shares_memory(out, frame)


@pytest.mark.parametrize("spec", SPECS.values(), ids=lambda s: s.name)
def test_metadata(spec):
    assert spec.description and spec.category == "geometry" and spec.examples
    assert spec.validate({}) == {k: p.default for k, p in spec.params.items()}
