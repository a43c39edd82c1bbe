"""Transition pictures on generated frames, and the equal-power audio crossfade."""

from __future__ import annotations

import numpy as np
import pytest

from t2v_desktop.engine.transitions import TRANSITION_KINDS, TRANSITIONS, blend_transition, crossfade_gains
from t2v_desktop.errors import ParamError

H, W = 72, 128


def frames(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (H, W, 3), dtype=np.uint8), rng.integers(0, 256, (H, W, 3), dtype=np.uint8))


def test_kinds_are_the_models_and_described():
    assert TRANSITION_KINDS == ("dissolve", "dip_black", "dip_white", "wipe_left", "wipe_right", "wipe_up",
                                "wipe_down", "slide_left", "slide_right", "slide_up", "slide_down")
    assert all(isinstance(d, str) and d for _, d in TRANSITIONS)


@pytest.mark.parametrize("kind", TRANSITION_KINDS)
def test_ends_are_a_and_b_and_inputs_untouched(kind):
    a, b = frames(1)
    a0, b0 = a.copy(), b.copy()
    assert np.array_equal(blend_transition(kind, a, b, 0.0), a)
    assert np.array_equal(blend_transition(kind, a, b, 1.0), b)
    blend_transition(kind, a, b, 0.4)
    assert np.array_equal(a, a0) and np.array_equal(b, b0)


def test_dissolve_midpoint_is_the_mean():
    a, b = frames(2)
    mid = blend_transition("dissolve", a, b, 0.5)
    assert np.abs(mid.astype(int) - (a.astype(int) + b.astype(int)) / 2).max() <= 1
    q = blend_transition("dissolve", a, b, 0.25)
    assert np.abs(q.astype(int) - (0.75 * a + 0.25 * b)).max() <= 1


def test_dips():
    a, b = frames(3)
    assert blend_transition("dip_black", a, b, 0.5).max() == 0
    assert blend_transition("dip_white", a, b, 0.5).min() == 255
    assert np.abs(blend_transition("dip_black", a, b, 0.25).astype(int) - a / 2).max() <= 1
    assert np.abs(blend_transition("dip_black", a, b, 0.75).astype(int) - b / 2).max() <= 1
    assert np.abs(blend_transition("dip_white", a, b, 0.75).astype(int) - (b / 2 + 127.5)).max() <= 1


def edge(out, axis):
    """Where the picture turns from B (255) to A (0) along ``axis``: the centre of the 50% crossing."""
    line = out[H // 2, :, 0] if axis == 1 else out[:, W // 2, 0]
    return float((line.astype(float) / 255).sum())  # width of the B part, sub-pixel


@pytest.mark.parametrize("kind", ["wipe_left", "wipe_right", "wipe_up", "wipe_down"])
@pytest.mark.parametrize("softness", [0.0, 0.02, 0.2])
def test_wipe_edge_moves_linearly(kind, softness):
    a, b = np.zeros((H, W, 3), np.uint8), np.full((H, W, 3), 255, np.uint8)
    axis = 1 if kind in ("wipe_left", "wipe_right") else 0
    n = W if axis == 1 else H
    widths = [edge(blend_transition(kind, a, b, p, {"softness": softness}), axis) for p in (0.25, 0.5, 0.75)]
    assert widths[1] == pytest.approx(n / 2, abs=1.0)
    assert widths[2] - widths[1] == pytest.approx(widths[1] - widths[0], abs=1.0)
    assert widths[2] - widths[0] == pytest.approx(n / 2 * (1 + softness), abs=1.0)
    out = blend_transition(kind, a, b, 0.5, {"softness": softness})
    line = out[H // 2, :, 0] if axis == 1 else out[:, W // 2, 0]
    # B uncovers from the side the name says the edge leaves: wipe_left/up from the right/bottom
    from_far_side = kind in ("wipe_left", "wipe_up")
    assert (line[-1] == 255) == from_far_side and (line[0] == 255) != from_far_side
    assert np.all(np.diff(line.astype(int)) * (1 if from_far_side else -1) >= 0)  # one edge, monotonic


@pytest.mark.parametrize("kind", ["slide_left", "slide_right", "slide_up", "slide_down"])
def test_slide_at_half_shows_half_of_each(kind):
    a, b = frames(4)
    out = blend_transition(kind, a, b, 0.5)
    h, w = H // 2, W // 2
    if kind == "slide_left":  # A's right half on the left, B's left half on the right
        assert np.array_equal(out[:, :w], a[:, w:]) and np.array_equal(out[:, w:], b[:, :w])
    elif kind == "slide_right":
        assert np.array_equal(out[:, w:], a[:, :w]) and np.array_equal(out[:, :w], b[:, w:])
    elif kind == "slide_up":
        assert np.array_equal(out[:h], a[h:]) and np.array_equal(out[h:], b[:h])
    else:
        assert np.array_equal(out[h:], a[:h]) and np.array_equal(out[:h], b[h:])


def test_bad_inputs():
    a, b = frames(5)
    with pytest.raises(ParamError, match="dissolve"):
        blend_transition("fade_to_purple", a, b, 0.5)
    with pytest.raises(ParamError):
        blend_transition("dissolve", a, b, 1.5)
    with pytest.raises(ParamError):
        blend_transition("dissolve", a, b[:10], 0.5)
    with pytest.raises(ParamError):
        blend_transition("wipe_left", a, b, 0.5, {"softness": -1})


def test_equal_power_gains():
    p = np.linspace(0, 1, 1001)
    g_out, g_in = crossfade_gains(p)
    assert np.allclose(g_out ** 2 + g_in ** 2, 1.0, atol=1e-12)
    assert (g_out[0], g_in[0]) == pytest.approx((1, 0)) and (g_out[-1], g_in[-1]) == pytest.approx((0, 1))
    assert g_out[500] == pytest.approx(np.sqrt(0.5)) and g_in[500] == pytest.approx(np.sqrt(0.5))
    assert np.all(np.diff(g_out) <= 0) and np.all(np.diff(g_in) >= 0)
