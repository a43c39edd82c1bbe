"""Looks and .cube LUTs on real decoded frames."""

from __future__ import annotations

import os
from fractions import Fraction

import av
import numpy as np
import pytest

from t2v_desktop.errors import MediaError, ParamError
from t2v_desktop.ops import looks
from t2v_desktop.ops.params import Float
from t2v_desktop.ops.registry import FrameContext

CTX = FrameContext(index=0, time=0.0, duration=2.0, fps=Fraction(25))
SPECS = {v.spec.name: v.spec for v in vars(looks).values() if hasattr(v, "spec")}
LOOKS = ("black_and_white", "sepia", "vintage", "sunset", "teal_orange", "night", "high_contrast")
W709 = np.array([0.2126, 0.7152, 0.0722])


def first_frame(path) -> np.ndarray:
    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24")


def run(name: str, frame: np.ndarray, **params) -> np.ndarray:
    spec = SPECS[name]
    out = spec.fn(frame, CTX, **spec.validate(params))
    assert out.shape == frame.shape and out.dtype == np.uint8
    return out


def mean_rgb(img: np.ndarray) -> np.ndarray:
    return img.reshape(-1, 3).astype(float).mean(axis=0)


@pytest.fixture(scope="module")
def frame(make_clip):
    return first_frame(make_clip(number_frames=False))


@pytest.fixture(scope="module")
def grey(make_clip):
    return first_frame(make_clip(pattern="solid", color=(128, 128, 128), number_frames=False))


def test_catalogue_ops_are_all_here():
    assert set(SPECS) == set(LOOKS) | {"lut"}
    assert looks.black_and_white.spec.synonyms[:4] == ("grayscale", "greyscale", "monochrome", "b&w")
    assert "golden hour" in SPECS["sunset"].synonyms and "day for night" in SPECS["night"].synonyms


def test_black_and_white_gives_equal_channels_with_709_luma(frame):
    out = run("black_and_white", frame).astype(int)
    assert np.abs(out[..., 0] - out[..., 1]).max() <= 1 and np.abs(out[..., 1] - out[..., 2]).max() <= 1
    assert np.abs(out[..., 0] - frame.astype(float) @ W709).max() <= 1
    half = run("black_and_white", frame, amount=0.5).astype(int)
    assert np.abs(half - (out + frame.astype(int)) / 2).max() <= 1.5


@pytest.mark.parametrize("name", LOOKS)
def test_amount_blends_with_the_original(name, frame):
    assert np.array_equal(run(name, frame, amount=0.0), frame)
    full = run(name, frame, amount=1.0).astype(float)
    half = run(name, frame, amount=0.5).astype(float)
    d_full = np.abs(full - frame).mean()
    assert d_full > 8, "a look must visibly change the picture"
    assert np.abs(half - (full + frame) / 2).max() <= 1.0


def test_looks_go_the_right_way(frame, grey):
    r, g, b = mean_rgb(run("sepia", grey))
    assert r > g > b
    black = np.zeros((8, 8, 3), np.uint8)
    assert run("vintage", black).min() > 8  # faded blacks
    base = mean_rgb(frame)
    warm = mean_rgb(run("sunset", frame))
    assert warm[0] / warm[2] > base[0] / base[2] * 1.3
    night = mean_rgb(run("night", frame))
    assert night.sum() < base.sum() * 0.6 and night[2] > night[0]
    lum = frame.astype(float) @ W709
    assert (run("high_contrast", frame).astype(float) @ W709).std() > lum.std() * 1.05
    ramp = np.repeat(np.linspace(0, 255, 64).astype(np.uint8)[None, :, None], 3, axis=2)
    to = run("teal_orange", ramp).astype(int)
    shadows, highs = to[0, 16], to[0, 44]
    assert shadows[2] > shadows[0] and highs[0] > highs[2]


# ---------------------------------------------------------------- LUTs


def test_identity_lut_leaves_pixels(tmp_path, frame):
    for size in (17, 33):
        p = looks.write_cube(tmp_path / f"id{size}.cube", lambda x: x, size)
        out = run("lut", frame, path=str(p))
        assert np.abs(out.astype(int) - frame.astype(int)).max() <= 1


def test_lut_trilinear_is_accurate_and_channel_order_right(tmp_path, frame):
    p = looks.write_cube(tmp_path / "sq.cube", lambda x: np.stack([x[:, 2], x[:, 0] ** 2, x[:, 1]], 1), 33)
    out = run("lut", frame, path=str(p)).astype(float)
    f = frame.astype(float) / 255
    want = np.stack([f[..., 2], f[..., 0] ** 2, f[..., 1]], -1) * 255
    assert np.abs(out - want).max() <= 1.0


def test_lut_file_features_domain_comments_and_1d(tmp_path, frame):
    # 2-point cube over a 0..2 domain: input 0..1 uses half the grid, comments and keywords ignored
    lines = ["# a comment", 'TITLE "half"', "LUT_3D_SIZE 2", "LUT_IN_VIDEO_RANGE", "DOMAIN_MIN 0 0 0",
             "DOMAIN_MAX 2 2 2"]
    lines += [f"{r} {g} {b}  # entry" for b in (0, 1) for g in (0, 1) for r in (0, 1)]
    (tmp_path / "dom.cube").write_text("\n".join(lines) + "\n")
    out = run("lut", frame, path=str(tmp_path / "dom.cube")).astype(int)
    assert np.abs(out - np.rint(frame / 2.0)).max() <= 1
    inv = ["LUT_1D_SIZE 2", "1 1 1", "0 0 0"]
    (tmp_path / "inv.cube").write_text("\n".join(inv))
    assert np.abs(run("lut", frame, path=str(tmp_path / "inv.cube")).astype(int) - (255 - frame.astype(int))).max() <= 1


def test_bundled_luts_load_and_change_the_picture(frame):
    names = looks.bundled_luts()
    assert {"film", "bleach_bypass", "cross_process", "faded"} <= set(names)
    for name in names:
        lut = looks.load_cube(looks.resolve_lut_path(name))
        assert lut.dims == 3 and lut.size in (17, 33)
        out = run("lut", frame, path=name)
        assert np.abs(out.astype(float) - frame).mean() > 3
        assert np.array_equal(run("lut", frame, path=name + ".cube"), out)
    bw = run("lut", frame, path="bleach_bypass", amount=0.5).astype(float)
    full = run("lut", frame, path="bleach_bypass").astype(float)
    assert np.abs(bw - (full + frame) / 2).max() <= 1


@pytest.mark.parametrize("text, match", [
    ("LUT_3D_SIZE 2\n0 0 0\n1 1 1\n", "8 entries expected"),
    ("LUT_3D_SIZE 2\n" + "0 0 zero\n" * 8, "line 2"),
    ("0 0 0\n1 1 1\n", "no LUT_3D_SIZE"),
    ("LUT_3D_SIZE x\n", "whole number"),
    ("LUT_3D_SIZE 2\nDOMAIN_MIN 1 1 1\nDOMAIN_MAX 0 0 0\n" + "0 0 0\n" * 8, "DOMAIN_MAX"),
    ("LUT_3D_SIZE 2\n" + "0 0\n" * 8, "3"),
])
def test_broken_cube_raises_media_error(tmp_path, frame, text, match):
    p = tmp_path / "bad.cube"
    p.write_text(text)
    with pytest.raises(MediaError, match=match):
        run("lut", frame, path=str(p))


def test_missing_or_binary_lut(tmp_path, frame):
    with pytest.raises(ParamError, match="not found"):
        run("lut", frame, path=str(tmp_path / "nope.cube"))
    with pytest.raises(ParamError, match="film"):
        run("lut", frame, path="")
    (tmp_path / "bin.cube").write_bytes(b"\xff\xfe\x00\x01" * 50)
    with pytest.raises(MediaError):
        run("lut", frame, path=str(tmp_path / "bin.cube"))


def test_edited_lut_file_is_reloaded(tmp_path, frame):
    p = looks.write_cube(tmp_path / "x.cube", lambda x: x, 5)
    a = run("lut", frame, path=str(p))
    looks.write_cube(p, lambda x: 1 - x, 5)
    st = os.stat(p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    b = run("lut", frame, path=str(p))
    assert np.abs(a.astype(int) + b.astype(int) - 255).max() <= 1


# ---------------------------------------------------------------- all looks


@pytest.mark.parametrize("spec", SPECS.values(), ids=lambda s: s.name)
def test_rejects_out_of_range_and_does_not_mutate(spec, frame):
    for pname, p in spec.params.items():
        if isinstance(p, Float):
            for bad in (p.max + 0.01, p.min - 0.01):
                with pytest.raises(ParamError):
                    spec.validate({pname: bad})
    params = {"path": "film"} if spec.name == "lut" else {}
    before = frame.copy()
    out = spec.fn(frame, CTX, **spec.validate(params))
    assert np.array_equal(frame, before)
    assert not np.shares_memory(out, frame)


@pytest.mark.parametrize("spec", SPECS.values(), ids=lambda s: s.name)
def test_metadata(spec):
    assert spec.description and spec.category == "look" and spec.examples
    assert spec.validate({}) == {k: p.default for k, p in spec.params.items()}
