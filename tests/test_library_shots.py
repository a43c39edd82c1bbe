"""Hard cuts found within one frame on a generated clip with known cut frames."""

import av
import numpy as np

from t2v_desktop.library.shots import detect_cuts


def _clip(path, colours, n=20, fps=25):
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = 160, 96, "yuv420p"
        rng = np.random.default_rng(0)
        for col in colours:
            for i in range(n):
                img = np.zeros((96, 160, 3), np.uint8) + np.array(col, np.uint8)
                img[40:56, (i * 4) % 140:(i * 4) % 140 + 20] = 255 - np.array(col, np.uint8)
                img = np.clip(img.astype(int) + rng.integers(-4, 5, img.shape), 0, 255).astype(np.uint8)
                for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                    c.mux(p)
        for p in s.encode():
            c.mux(p)


def test_hard_cuts_within_one_frame(tmp_path):
    p = tmp_path / "c.mp4"
    _clip(p, [(200, 30, 30), (30, 160, 40), (30, 40, 200), (220, 210, 40)])
    shots = detect_cuts(p)
    starts = [s.start for s in shots]
    assert len(starts) == 4, starts
    for got, want in zip(starts, [0.0, 0.8, 1.6, 2.4], strict=True):
        assert abs(got - want) <= 1 / 25 + 1e-6
    assert abs(shots[-1].end - 3.2) <= 0.05
