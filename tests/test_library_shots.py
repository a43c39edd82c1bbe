"""Hard cuts, fades and dissolves found within one frame on generated clips; motion words per shot."""

from t2v_desktop.library.shots import detect_cuts
from t2v_desktop.media.synth import make_pan_clip, make_shots_clip


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


def test_fades_and_dissolves_within_one_frame(tmp_path):
    colours = [(200, 30, 30), (30, 160, 40), (30, 40, 200), (220, 210, 40), (40, 40, 40)]
    for kind, frames in (("fade", 6), ("fade", 20), ("dissolve", 10), ("dissolve", 20)):
        p = tmp_path / f"{kind}{frames}.mp4"
        truth = make_shots_clip(p, colours, frames_per_shot=40, transition=kind, transition_frames=frames)
        shots = detect_cuts(p)
        assert [s.kind for s in shots] == ["start"] + [kind] * 4, (kind, frames, shots)
        for got, want in zip([s.start for s in shots[1:]], truth, strict=True):
            assert abs(got - want) <= 1 / 25 + 1e-6, (kind, frames, got, want)


def test_motion_words_still_slow_fast_and_pan_direction(tmp_path):
    cases = {0: "still", 1: "slow pan right", 6: "fast pan right", -6: "fast pan left"}
    for v, words in cases.items():
        (shot,) = detect_cuts(make_pan_clip(tmp_path / f"p{v}.mp4", v))
        assert shot.motion_words == words, (v, shot)
        # picture content moving left (v > 0) is the camera turning right: dx < 0
        assert (shot.dx < 0) == (v > 0) and (shot.dx == 0) == (v == 0)
    make_shots_clip(tmp_path / "blocks.mp4", [(200, 30, 30), (30, 40, 200)])
    (a, b) = detect_cuts(tmp_path / "blocks.mp4")
    assert a.motion_words == "slow" and b.motion_words == "slow"  # a sliding object is not a pan


def test_memory_does_not_grow_with_the_length_of_the_file(tmp_path):
    import tracemalloc

    colours = [(200, 30, 30), (30, 160, 40), (30, 40, 200), (220, 210, 40)]
    clips = {}
    for n in (1, 4):  # 4 shots, then 16 shots of the same pictures (4x the frames)
        clips[n] = tmp_path / f"x{n}.mp4"
        make_shots_clip(clips[n], colours * n, frames_per_shot=20, transition="dissolve", transition_frames=8)
    detect_cuts(clips[1])  # imports and decoder set-up are not the detector's memory
    peaks = []
    for n, p in clips.items():
        tracemalloc.start()
        shots = detect_cuts(p)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert len(shots) == 4 * n
    assert peaks[1] < 1.3 * peaks[0], peaks  # a window of frames, not the whole file
