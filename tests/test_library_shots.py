"""Hard cuts found within one frame on a generated clip with known cut frames."""

from t2v_desktop.library.shots import detect_cuts
from t2v_desktop.media.synth import make_shots_clip


def _clip(path, colours, n=20, fps=25):
    return make_shots_clip(path, colours, frames_per_shot=n, fps=fps)


def test_hard_cuts_within_one_frame(tmp_path):
    p = tmp_path / "c.mp4"
    _clip(p, [(200, 30, 30), (30, 160, 40), (30, 40, 200), (220, 210, 40)])
    shots = detect_cuts(p)
    starts = [s.start for s in shots]
    assert len(starts) == 4, starts
    for got, want in zip(starts, [0.0, 0.8, 1.6, 2.4], strict=True):
        assert abs(got - want) <= 1 / 25 + 1e-6
    assert abs(shots[-1].end - 3.2) <= 0.05
