"""Temporal consistency pieces: flow-guided fusion, deflicker and the cross-frame attention processor."""

from __future__ import annotations

import numpy as np
import pytest

from t2v_desktop.diffusion.consistency import ConsistencySettings, deflicker, flow_fuse, mean_frame_difference


def _scene(n=8, w=96, h=72, shift=2):
    """A textured picture panning right by ``shift`` px per frame."""
    rng = np.random.default_rng(3)
    big = rng.integers(0, 256, (h // 4 + 1, (w + n * shift) // 4 + 2, 3), dtype=np.uint8)
    tex = np.kron(big, np.ones((4, 4, 1), np.uint8))
    import cv2

    tex = cv2.GaussianBlur(tex, (0, 0), 1.0)
    return [np.ascontiguousarray(tex[:h, (n - i) * shift:(n - i) * shift + w]) for i in range(n)]


def test_flow_fusion_reduces_independent_noise_along_motion():
    src = _scene()
    rng = np.random.default_rng(0)
    # "edits" = the source with fresh per-frame noise, as an inconsistent generator would give
    edited = [np.clip(s.astype(np.int16) + rng.normal(0, 25, s.shape), 0, 255).astype(np.uint8) for s in src]
    fused = flow_fuse(src, edited, strength=0.5)
    assert len(fused) == len(edited) and fused[0].shape == edited[0].shape and fused[0].dtype == np.uint8
    err_before = np.mean([np.abs(e.astype(float) - s).mean() for e, s in zip(edited, src, strict=True)])
    err_after = np.mean([np.abs(f.astype(float) - s).mean() for f, s in zip(fused, src, strict=True)])
    assert err_after < 0.8 * err_before  # noise averaged along the flow, picture kept in place
    # strength 0 is a no-op
    assert all(np.array_equal(a, b) for a, b in zip(flow_fuse(src, edited, 0.0), edited, strict=True))


def test_flow_fusion_does_not_smear_a_scene_cut():
    a = np.full((48, 64, 3), 30, np.uint8)
    b = np.full((48, 64, 3), 220, np.uint8)
    fused = flow_fuse([a, b], [a, b], strength=0.9)
    assert abs(float(fused[1].mean()) - 220) < 3  # unreliable flow (photometric mismatch): fresh edit kept


def test_deflicker_flattens_brightness_pumping_but_keeps_a_slow_fade():
    base = _scene(n=24, shift=0)[0].astype(np.float32)
    pump = np.array([(-20 if i % 2 else 20) for i in range(24)], np.float32)
    fade = np.linspace(0, 40, 24, dtype=np.float32)
    frames = [np.clip(base + p + f, 0, 255).astype(np.uint8) for p, f in zip(pump, fade, strict=True)]
    out = deflicker(frames, sigma=3.0)
    assert mean_frame_difference(out) < 0.3 * mean_frame_difference(frames)
    means = [float(f.mean()) for f in out]
    assert means[-4] - means[3] > 20  # the slow fade survives


def test_mean_frame_difference():
    a, b = np.zeros((4, 4, 3), np.uint8), np.full((4, 4, 3), 10, np.uint8)
    assert mean_frame_difference([a, b, a]) == 10.0 and mean_frame_difference([a]) == 0.0


def test_settings_from_env(monkeypatch):
    monkeypatch.setenv("T2V_AI_FLOW_FUSION", "0")
    monkeypatch.setenv("T2V_AI_CHUNK_SIZE", "3")
    s = ConsistencySettings.from_env(deflicker=False)
    assert (s.flow_fusion, s.chunk_size, s.deflicker, s.shared_noise) == (False, 3, False, True)
    assert s.to_json()["cross_frame_attention"] is True


def test_cross_frame_attention_attends_to_anchor_and_previous_frame():
    torch = pytest.importorskip("torch")
    pytest.importorskip("diffusers")
    from diffusers.models.attention_processor import Attention

    from t2v_desktop.diffusion.attention import CrossFrameAttnProcessor, FrameLayout

    torch.manual_seed(0)
    attn = Attention(query_dim=16, heads=2, dim_head=8)
    layout = FrameLayout(frames=4)
    attn.set_processor(CrossFrameAttnProcessor(layout))
    x = torch.randn(2 * 4, 10, 16)  # 2 guidance groups x 4 frames, 10 tokens

    def run(inp):
        with torch.no_grad():
            return attn(inp)

    base = run(x)
    changed = x.clone()
    changed[1] += 1.0  # frame 1 of group 0
    out = run(changed)
    assert torch.allclose(out[3], base[3]) and torch.allclose(out[0], base[0])  # frame 3 and the anchor: blind to it
    assert not torch.allclose(out[2], base[2])  # frame 2 attends to its previous frame
    assert torch.allclose(out[4:], base[4:])  # other guidance group untouched
    anchor = x.clone()
    anchor[0] += 1.0
    out = run(anchor)
    assert all(not torch.allclose(out[i], base[i]) for i in range(4))  # everyone sees the anchor
    # unknown layout: plain self-attention, each frame on its own
    layout.frames = 0
    plain = run(changed)
    assert torch.allclose(plain[2], run(x)[2])
