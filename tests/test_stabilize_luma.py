"""stabilize's analysis reads a bare source's luma planes instead of RGB frames (same motion)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from t2v_desktop.project.model import AppliedOp, Clip
from t2v_desktop.engine.stages import SourceStage, TemporalStage, build_chain
from t2v_desktop.jobs import no_progress
from t2v_desktop.media.frames import FrameSource
from tests.test_stabilize import FPS, shaky

W, H, N = 320, 180, 40


@pytest.fixture(scope="module")
def shaky_clip(tmp_path_factory):
    from t2v_desktop.media.synth import make_test_clip

    frames, _ = shaky(n=N, w=W, h=H, seed=7)
    return make_test_clip(tmp_path_factory.mktemp("luma") / "shaky.mp4", width=W, height=H, fps=FPS,
                          duration=N / FPS, audio=False, number_frames=False, crf=16,
                          frame_fn=lambda i: frames[i])


def _stage(path, ops, scale=1.0) -> TemporalStage:
    clip = Clip(source=str(path), ops=[AppliedOp(op, params) for op, params in ops])
    stage, _ = build_chain(clip, Fraction(FPS), 48000, 2, scale=scale)
    assert isinstance(stage, TemporalStage)
    return stage


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_luma_route_gives_the_rgb_routes_analysis(shaky_clip, monkeypatch, scale):
    stage = _stage(shaky_clip, [("stabilize", {})], scale)
    assert stage.reads_luma()
    try:
        luma = stage._run(no_progress, None)  # _run: straight to the analysis, no cache
    finally:
        stage.close()
    monkeypatch.setattr(SourceStage, "luma_ok", lambda self: False)
    stage = _stage(shaky_clip, [("stabilize", {})], scale)
    assert not stage.reads_luma()
    try:
        rgb = stage._run(no_progress, None)
    finally:
        stage.close()
    assert (luma["width"], luma["height"], luma["frames"]) == (rgb["width"], rgb["height"], rgb["frames"])
    assert luma["width"] == stage.width and luma["frames"] == N
    assert luma["cuts"] == rgb["cuts"] == []
    for f, tol in (("dx", 0.05), ("dy", 0.05), ("da", 5e-4), ("ds", 5e-4)):  # measured: 0.01, 2e-4, 1e-4
        a, b = np.array(luma[f]), np.array(rgb[f])
        assert np.abs(a - b).max() < tol, (f, np.abs(a - b).max())
    # and it is real motion, not two identities agreeing
    assert np.abs(np.array(rgb["dx"])).mean() > 1.0


def _count_rgb(monkeypatch) -> list:
    calls = []
    real = FrameSource._to_rgb

    def counting(self, f):
        calls.append(1)
        return real(self, f)

    monkeypatch.setattr(FrameSource, "_to_rgb", counting)
    return calls


def test_luma_route_taken_for_a_bare_source_only(shaky_clip, monkeypatch):
    calls = _count_rgb(monkeypatch)
    stage = _stage(shaky_clip, [("stabilize", {})])
    try:
        an = stage._run(no_progress, None)
        assert an["frames"] == N and calls == []  # no frame went through YUV -> RGB
        stage.frame(5)  # the stabilised frames themselves still are RGB
        assert calls
    finally:
        stage.close()

    calls.clear()
    stage = _stage(shaky_clip, [("brightness", {"amount": 0.1}), ("stabilize", {})])
    try:
        assert not stage.reads_luma()
        stage._run(no_progress, None)
        assert len(calls) >= N  # an op below: the analysis sees its RGB output
    finally:
        stage.close()

    calls.clear()
    stage = _stage(shaky_clip, [("stabilize", {})])
    stage.prev.scrub = True  # a scrubbing renderer's source may read the proxy: RGB route
    try:
        assert not stage.reads_luma()
    finally:
        stage.close()


def test_deflicker_keeps_the_rgb_route(shaky_clip):
    stage = _stage(shaky_clip, [("deflicker", {})])
    try:
        assert not stage.reads_luma()
    finally:
        stage.close()
