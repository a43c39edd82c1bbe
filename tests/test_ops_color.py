"""Colour ops on real decoded frames: direction and size of each change, ranges, no mutation."""

from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from t2v_desktop.errors import ParamError
from t2v_desktop.ops import color
from t2v_desktop.ops.params import Float
from t2v_desktop.ops.registry import FrameContext

CTX = FrameContext(index=0, time=0.0, duration=2.0, fps=Fraction(25))
SPECS = [v.spec for v in vars(color).values() if hasattr(v, "spec")]


def first_frame(path) -> np.ndarray:
    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24")


def luma(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float64) @ np.array([0.2126, 0.7152, 0.0722])


def run(name: str, frame: np.ndarray, **params) -> np.ndarray:
    spec = next(s for s in SPECS if s.name == name)
    out = spec.fn(frame, CTX, **spec.validate(params))
    assert out.dtype == np.uint8 and out.shape == frame.shape
    return out


@pytest.fixture(scope="module")
def frame(make_clip):
    return first_frame(make_clip(number_frames=False))


@pytest.fixture(scope="module")
def grey(make_clip):
    return first_frame(make_clip(pattern="solid", color=(128, 128, 128), number_frames=False))


def test_catalogue_ops_are_all_here():
    assert {s.name for s in SPECS} == {"brightness", "contrast", "saturation", "exposure", "gamma",
                                      "temperature", "tint", "hue"}


def test_brightness_moves_luma_both_ways(frame):
    base = luma(frame).mean()
    assert luma(run("brightness", frame, amount=0.3)).mean() > base + 20
    assert luma(run("brightness", frame, amount=-0.3)).mean() < base - 20
    assert run("brightness", frame, amount=-1).max() == 0
    assert run("brightness", frame, amount=1).min() == 255
    assert np.array_equal(run("brightness", frame, amount=0), frame)


def test_contrast_spreads_or_flattens_luma(frame):
    frame = (frame // 2 + 64).astype(np.uint8)  # mid-tones, like most footage
    base = luma(frame).std()
    assert luma(run("contrast", frame, amount=0.5)).std() > base * 1.2
    assert luma(run("contrast", frame, amount=-0.5)).std() < base * 0.6
    flat = run("contrast", frame, amount=-1)
    assert flat.min() >= 127 and flat.max() <= 128


def test_saturation_minus_one_is_grey_and_plus_adds_chroma(frame):
    grey = run("saturation", frame, amount=-1).astype(int)
    assert np.abs(grey[..., 0] - grey[..., 1]).max() <= 1
    assert np.abs(grey[..., 1] - grey[..., 2]).max() <= 1

    def chroma(img):
        return np.ptp(img.astype(int), axis=2).mean()

    assert chroma(run("saturation", frame, amount=0.5)) > chroma(frame) * 1.5
    assert chroma(run("saturation", frame, amount=-0.5)) < chroma(frame) * 0.6


def test_exposure_doubles_linear_light_per_stop(grey):
    def lin(v):
        v = v / 255.0
        return ((v + 0.055) / 1.055) ** 2.4

    up = run("exposure", grey, stops=1.0)
    assert lin(up.mean()) / lin(grey.mean()) == pytest.approx(2.0, rel=0.05)
    down = run("exposure", grey, stops=-2.0)
    assert lin(down.mean()) / lin(grey.mean()) == pytest.approx(0.25, rel=0.08)


def test_gamma_brightens_mids_keeps_black_and_white():
    ramp = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2).repeat(4, axis=0)
    out = run("gamma", ramp, gamma=2.0)
    assert out[0, 0, 0] == 0 and out[0, 255, 0] == 255
    assert out[0, 128, 0] > 170
    assert run("gamma", ramp, gamma=0.5)[0, 128, 0] < 70


def test_temperature_warmer_raises_red_over_blue(frame):
    def rb(img):
        return img[..., 0].astype(float).mean() / img[..., 2].astype(float).mean()

    assert rb(run("temperature", frame, amount=0.5)) > rb(frame) * 1.15
    assert rb(run("temperature", frame, amount=-0.5)) < rb(frame) / 1.15


def test_tint_moves_green_against_magenta(grey):
    mag = run("tint", grey, amount=0.5).astype(int)
    assert mag[..., 1].mean() < mag[..., 0].mean() - 10 and mag[..., 1].mean() < mag[..., 2].mean() - 10
    green = run("tint", grey, amount=-0.5).astype(int)
    assert green[..., 1].mean() > green[..., 0].mean() + 10


@pytest.mark.parametrize("degrees, expected_rgb", [(120, (0, 255, 0)), (-120, (0, 0, 255)), (180, (0, 255, 255))])
def test_hue_rotates_pure_red(degrees, expected_rgb):
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 255
    out = run("hue", red, degrees=degrees)
    assert np.abs(out.astype(int) - np.array(expected_rgb)).max() <= 8


def test_hue_thirty_degrees_gives_hue_thirty():
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 255
    out = run("hue", red, degrees=30)
    h = cv2.cvtColor(out, cv2.COLOR_RGB2HSV_FULL)[..., 0].mean() * 360 / 256
    assert h == pytest.approx(30, abs=2)
    # saturation and value are kept
    assert out.max() >= 250 and out.min() <= 2


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_rejects_out_of_range_and_does_not_mutate(spec, frame):
    for pname, p in spec.params.items():
        if isinstance(p, Float):
            for bad in (p.max + 0.01, p.min - 0.01):
                with pytest.raises(ParamError):
                    spec.validate({pname: bad})
    before = frame.copy()
    out = spec.fn(frame, CTX, **spec.validate({}))
    assert np.array_equal(frame, before)
    assert out is not frame and not np.shares_memory(out, frame)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_metadata(spec):
    assert spec.description and spec.category == "color" and spec.examples
    assert spec.validate({}) == {k: p.default for k, p in spec.params.items()}
