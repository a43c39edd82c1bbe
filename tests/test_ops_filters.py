"""Blur, sharpen, denoise and fades on real decoded frames and audio."""

from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from t2v_desktop.errors import ParamError
from t2v_desktop.ops import filters
from t2v_desktop.ops.params import Float
from t2v_desktop.ops.registry import AudioContext, FrameContext

FPS = Fraction(25)
CTX = FrameContext(index=0, time=0.0, duration=2.0, fps=FPS)
SPECS = {v.spec.name: v.spec for v in vars(filters).values() if hasattr(v, "spec")}


def first_frame(path) -> np.ndarray:
    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24")


def decode_audio(path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as c:
        chunks = [f.to_ndarray() for f in c.decode(audio=0)]
        rate = c.streams.audio[0].rate
    return np.concatenate(chunks, axis=1).astype(np.float32), rate


def run(name: str, frame: np.ndarray, ctx: FrameContext = CTX, **params) -> np.ndarray:
    spec = SPECS[name]
    out = spec.fn(frame, ctx, **spec.validate(params))
    assert out.shape == frame.shape and out.dtype == np.uint8
    return out


def hf_energy(img: np.ndarray) -> float:
    return float(cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


@pytest.fixture(scope="module")
def texture(make_clip):
    return first_frame(make_clip(pattern="texture", number_frames=False))


def test_catalogue_ops_are_all_here():
    assert set(SPECS) == {"blur", "sharpen", "denoise", "fade_in", "fade_out"}
    assert SPECS["fade_in"].audio_fn and SPECS["fade_out"].audio_fn


def test_blur_lowers_high_frequencies_more_with_radius(texture):
    base = hf_energy(texture)
    small, mid, big = (hf_energy(run("blur", texture, radius=r)) for r in (1.0, 5.0, 50.0))
    assert small < base * 0.5
    assert mid < small * 0.5
    assert big < mid
    # a big blur of a texture tends to its mean colour, not to black
    assert abs(run("blur", texture, radius=100).mean() - texture.mean()) < 5


def test_sharpen_raises_high_frequencies(make_clip):
    soft = cv2.GaussianBlur(first_frame(make_clip(pattern="texture", number_frames=False)), (0, 0), 1.5)
    assert hf_energy(run("sharpen", soft, amount=1.0)) > hf_energy(soft) * 1.5
    assert hf_energy(run("sharpen", soft, amount=2.0)) > hf_energy(run("sharpen", soft, amount=1.0))
    assert np.array_equal(run("sharpen", soft, amount=0), soft)


def test_denoise_reduces_noise_and_keeps_edges(make_clip):
    flat = first_frame(make_clip(pattern="solid", color=(120, 120, 120), number_frames=False))
    noisy = np.clip(flat + np.random.default_rng(3).normal(0, 12, flat.shape), 0, 255).astype(np.uint8)
    out = run("denoise", noisy, strength=0.6)
    assert out.astype(float).var() < noisy.astype(float).var() / 3
    assert abs(out.mean() - noisy.mean()) < 2
    assert out.astype(float).var() > run("denoise", noisy, strength=1.0).astype(float).var()
    edge = np.zeros((120, 160, 3), np.uint8)
    edge[:, 80:] = 230
    e = run("denoise", edge, strength=1.0)
    assert e[:, 78].max() < 30 and e[:, 81].min() > 200


def ctx_at(t: float, rng=None) -> FrameContext:
    return FrameContext(index=int(round(t * FPS)), time=t, duration=2.0, fps=FPS, range=rng)


def test_fade_in_black_at_start_unchanged_after(texture):
    assert run("fade_in", texture, ctx_at(0.0), duration=1.0).max() == 0
    half = run("fade_in", texture, ctx_at(0.5), duration=1.0)
    assert half.mean() == pytest.approx(texture.mean() * 0.5, rel=0.03)
    assert np.array_equal(run("fade_in", texture, ctx_at(1.0), duration=1.0), texture)
    assert np.array_equal(run("fade_in", texture, ctx_at(1.6), duration=1.0), texture)


def test_fade_out_black_on_last_frame(texture):
    last = 2.0 - 1 / FPS
    assert run("fade_out", texture, ctx_at(float(last)), duration=1.0).max() == 0
    assert np.array_equal(run("fade_out", texture, ctx_at(0.96), duration=1.0), texture)
    mid = run("fade_out", texture, ctx_at(1.46), duration=1.0)
    assert mid.mean() == pytest.approx(texture.mean() * 0.5, rel=0.03)


def test_scoped_fades_follow_the_range(texture):
    rng = (0.4, 1.2)
    assert run("fade_in", texture, ctx_at(0.4, rng), duration=0.4).max() == 0
    assert np.array_equal(run("fade_in", texture, ctx_at(0.8, rng), duration=0.4), texture)
    assert run("fade_out", texture, ctx_at(1.16, rng), duration=0.4).max() == 0
    # outside the range nothing changes
    assert np.array_equal(run("fade_out", texture, ctx_at(1.5, rng), duration=0.4), texture)
    assert np.array_equal(run("fade_in", texture, ctx_at(0.2, rng), duration=0.4), texture)


def test_audio_fades_like_the_picture(make_clip):
    samples, rate = decode_audio(make_clip(number_frames=False))
    dur = samples.shape[1] / rate
    spec_in, spec_out = SPECS["fade_in"], SPECS["fade_out"]
    before = samples.copy()
    ctx = AudioContext(start_time=0.0, sample_rate=rate, duration=dur)
    faded_in = spec_in.audio_fn(samples, ctx, duration=0.5)
    faded_out = spec_out.audio_fn(samples, ctx, duration=0.5)
    assert np.array_equal(samples, before)
    assert faded_in.dtype == np.float32 and faded_in.shape == samples.shape

    def rms(x, t0, t1):
        return float(np.sqrt(np.mean(x[:, int(t0 * rate):int(t1 * rate)] ** 2)))

    assert rms(faded_in, 0.0, 0.02) < 0.05 * rms(samples, 0.0, 0.5)
    assert rms(faded_in, 0.2, 0.3) == pytest.approx(0.5 * rms(samples, 0.2, 0.3), rel=0.1)
    assert np.array_equal(faded_in[:, int(0.6 * rate):], samples[:, int(0.6 * rate):])
    assert rms(faded_out, dur - 0.02, dur) < 0.05 * rms(samples, 1.0, 1.5)
    assert np.array_equal(faded_out[:, :int((dur - 0.55) * rate)], samples[:, :int((dur - 0.55) * rate)])
    # chunked processing gives the same result as one pass
    a = int(0.3 * rate)
    part = spec_in.audio_fn(samples[:, a:a + 4800], AudioContext(a / rate, rate, dur), duration=0.5)
    assert np.allclose(part, faded_in[:, a:a + 4800], atol=1e-6)
    # scoped: only inside the range
    scoped = spec_out.audio_fn(samples, AudioContext(0.0, rate, dur, range=(0.5, 1.0)), duration=0.25)
    assert rms(scoped, 0.98, 1.0) < 0.1 * rms(samples, 0.98, 1.0)
    assert np.array_equal(scoped[:, int(1.01 * rate):], samples[:, int(1.01 * rate):])


@pytest.mark.parametrize("spec", SPECS.values(), ids=lambda s: s.name)
def test_rejects_out_of_range_and_does_not_mutate(spec, texture):
    for pname, p in spec.params.items():
        if isinstance(p, Float):
            for bad in (p.max + 0.01, p.min - 0.01):
                with pytest.raises(ParamError):
                    spec.validate({pname: bad})
    before = texture.copy()
    out = spec.fn(texture, ctx_at(0.3), **spec.validate({}))
    assert np.array_equal(texture, before)
    assert not np.shares_memory(out, texture)


@pytest.mark.parametrize("spec", SPECS.values(), ids=lambda s: s.name)
def test_metadata(spec):
    assert spec.description and spec.examples
    assert spec.category == ("fade" if spec.name.startswith("fade") else "filter")
    assert spec.validate({}) == {k: p.default for k, p in spec.params.items()}
