"""Many clips of one file share one decoder and one audio reader (engine/pool.py): the same frames
and samples as the file as one clip, one decoder opened, an LRU of open readers, byte budgets."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from t2v_desktop.engine import pool as pool_mod
from t2v_desktop.engine.pool import CacheBudget, SourcePool, default_pool
from t2v_desktop.engine.render import Renderer
from t2v_desktop.engine.stages import build_chain, grid_frame_count
from t2v_desktop.media.synth import read_frame_number
from t2v_desktop.project.model import Clip, Project

FPS = Fraction(25)
N_CUTS = 200


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory):
    from t2v_desktop.media.synth import make_test_clip

    path = tmp_path_factory.mktemp("pool") / "ten-seconds.mp4"
    make_test_clip(path, duration=10.0, fps=FPS, gop=25, tone_hz=330.0)
    return path


def cuts(path, n: int, order=None, repeat: int = 1) -> Project:
    """``n`` clips tiling the file on frame edges (``repeat`` times over), in ``order`` if given."""
    total = grid_frame_count(str(path), FPS)
    edges = [k * total // n for k in range(n + 1)]
    clips = [Clip(source=str(path), in_point=float(edges[k] / FPS), out_point=float(edges[k + 1] / FPS))
             for _ in range(repeat) for k in range(n)]
    if order is not None:
        clips = [clips[k] for k in order]
    p = Project.from_media(str(path))
    p.main_track.items[:] = clips
    return p


def pool_of(r: Renderer) -> SourcePool:
    """The pool a renderer's chains read through: its own, else this thread's default."""
    return getattr(r, "pool", None) or default_pool()


def test_cuts_render_the_frames_and_sound_of_the_whole_clip_with_one_decoder(long_clip):
    with Renderer(cuts(long_clip, N_CUTS)) as r:
        pool = pool_of(r)
        v0, a0 = pool.opened.get("video", 0), pool.opened.get("audio", 0)
        assert len(r.chains) == N_CUTS and r.frame_count == 250
        got = [r.frame(i) for i in range(r.frame_count)]  # in order: every clip reads on
        assert pool.opened["video"] - v0 == 1
        # every cut read on where the one before stopped: one seek (to the start) for 200 clips
        fs = r.chains[0]._fs
        assert fs is r.chains[-1]._fs and fs.seeks <= 1 and fs.decoded <= 252
        sr = r.sample_rate
        blocks = [r.read_audio(s0, s0 + sr // 2) for s0 in range(0, 10 * sr, sr // 2)]  # export's blocks
        assert pool.opened["audio"] - a0 == 1
        assert np.abs(blocks[2]).max() > 0.2  # the tone, not silence
    assert fs._container is None  # closing the renderer closed the file (nobody else used it)
    assert not [k for k in pool.stats_keys() if str(long_clip) in k[1][0]]
    assert [read_frame_number(f) for f in got] == list(range(250))
    with Renderer(Project.from_media(str(long_clip))) as one:
        for i in range(0, 250, 7):
            np.testing.assert_array_equal(got[i], one.frame(i))
        for k, s0 in enumerate(range(0, 10 * sr, sr // 2)):  # across cut edges
            np.testing.assert_allclose(blocks[k], one.read_audio(s0, s0 + sr // 2), atol=1e-6)


def test_seeking_backwards_across_clips(long_clip):
    with Renderer(cuts(long_clip, N_CUTS)) as r:
        for i in (249, 248, 200, 131, 130, 129, 3, 0, 100, 99, 60, 245, 10):
            assert read_frame_number(r.frame(i)) == i
        for i in range(150, 140, -1):  # stepping back frame by frame through several cuts
            assert read_frame_number(r.frame(i)) == i


def test_shuffled_cuts_give_each_cut_its_frames(long_clip):
    order = list(np.random.default_rng(3).permutation(50))
    total = grid_frame_count(str(long_clip), FPS)
    with Renderer(cuts(long_clip, 50, order)) as r:
        i = 0
        for k, ch in zip(order, r.chains, strict=True):
            for j in range(ch.frame_count):
                assert read_frame_number(r.frame(i)) == k * total // 50 + j
                i += 1
        assert len({id(ch._fs) for ch in r.chains}) == 1


def test_building_a_thousand_clips_opens_and_decodes_nothing(long_clip, monkeypatch):
    from t2v_desktop.media import audio, frames

    made = []
    grid_frame_count(str(long_clip), FPS)  # the per-file grid count (cached) is the one look
    monkeypatch.setattr(frames.FrameSource, "__init__", lambda *a, **k: made.append("video"))
    monkeypatch.setattr(frames.FrameSource, "_locate", lambda *a: made.append("decode"))
    monkeypatch.setattr(audio.AudioSource, "__init__", lambda *a, **k: made.append("audio"))
    project = cuts(long_clip, 250, repeat=4)
    with Renderer(project) as r:
        assert len(r.chains) == 1000 and r.frame_count == 1000
        assert made == []


def test_open_readers_are_an_lru_and_close_when_unused(make_clip):
    files = [make_clip(duration=1.0, tone_hz=200.0 + 100 * k, color=(40 * k, 90, 90), pattern="solid")
             for k in range(4)]
    pool = SourcePool(max_open=2)
    chains = [build_chain(Clip(source=str(f)), FPS, 48000, 2, pool=pool)[0] for f in files]
    assert pool.open_count() == 0
    colours = []
    for rnd in range(2):
        for ch in chains:
            colours.append(int(ch.frame(5 + 5 * rnd)[60, 80, 0]))  # (not a frame the stage holds)
            assert pool.open_count("video") <= 2
    assert pool.opened["video"] == 8 and pool.closed["video"] == 6  # each reopened on its turn
    assert colours[:4] == colours[4:] and len(set(colours[:4])) == 4  # and still the right file
    for ch in chains:
        ch.close()
    assert pool.open_count() == 0 and pool.stats["keys"] == 0


def test_frame_caches_stay_inside_their_budgets(long_clip, monkeypatch):
    frame_bytes = 160 * 120 * 3
    monkeypatch.setattr(pool_mod.STAGE_FRAMES, "max_bytes", 10 * frame_bytes)
    monkeypatch.setattr(pool_mod.STAGE_FRAMES, "biggest", 0)  # (bigger frames of other tests)
    decoded = CacheBudget(6 * frame_bytes)
    pool = SourcePool(decoded=decoded)
    project = cuts(long_clip, N_CUTS)
    chains = [build_chain(c, FPS, 48000, 2, pool=pool)[0] for c in project.main_track.clips]
    rng = np.random.default_rng(0)
    for k in rng.integers(0, N_CUTS, 120):  # random access: every read lands in both caches
        ch = chains[k]
        f = ch.frame(int(rng.integers(0, ch.frame_count)))
        assert f.shape == (120, 160, 3)
        st = pool.stats
        assert st["decoded_frames"]["bytes"] <= 6 * frame_bytes
        assert st["stage_frames"]["bytes"] <= 10 * frame_bytes
        assert st["cache_bytes"] <= st["cache_budget"]
    assert st["decoded_frames"]["evicted"] > 0 and st["stage_frames"]["evicted"] > 0
    assert st["decoded_frames"]["frames"] == 6  # full: the budget, not the clip count, bounds it
    for ch in chains:
        ch.close()
    assert pool.open_count() == 0


def test_yuv_export_of_cuts_shares_the_decoder(long_clip, tmp_path, monkeypatch):
    import av

    from t2v_desktop.engine.export import export_project
    from t2v_desktop.media import frames

    opens = []
    init = frames.FrameSource.__init__

    def counting(self, *a, **k):
        opens.append(1)
        init(self, *a, **k)

    monkeypatch.setattr(frames.FrameSource, "__init__", counting)
    res = export_project(cuts(long_clip, N_CUTS), tmp_path / "cuts.mp4", "h264")
    assert res.frames == 250 and res.yuv_frames == 250
    assert len(opens) <= 2  # the plan's look at the first frame, and the render thread's decoder
    with av.open(str(res.path)) as c:
        nums = [read_frame_number(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    assert nums == list(range(250))


def test_a_shared_audio_reader_does_not_depend_on_what_was_read_before(make_clip):
    """Clips share one AudioSource, so what one clip reads must not change what the next gets."""
    from t2v_desktop.media.audio import AudioSource

    path = make_clip(duration=2.0, clicks=True)
    with AudioSource(path) as a:
        straight = a.read(0, 2.0)
    with AudioSource(path) as a:
        a.read(1.6, 1.9)
        a.read(1.0, 1.5)  # a seek back: decoding restarts a little before 1.0
        # the samples right after the restart point (the first decoded frame lacks its predecessor)
        s = a._buf_start
        np.testing.assert_allclose(a.read(s / 48000, (s + 2048) / 48000), straight[:, s:s + 2048], atol=1e-4)
        start = a.read(0, 0.3)  # back to the start: the same samples as a fresh reader
    np.testing.assert_array_equal(start, straight[:, :14400])


def test_a_budget_keeps_room_for_a_few_of_its_biggest_frames():
    budget = CacheBudget(250, min_frames=3)
    memos = [budget.memo(2) for _ in range(3)]
    for k, m in enumerate(memos):
        m.put(0, np.zeros(100, np.uint8))
        assert budget.stats()["bytes"] == 100 * (k + 1)  # 300 > 250 bytes: room for 3 of 100
    memos[0].get(0)  # used again: the oldest is now memos[1]'s
    memos[2].put(1, np.zeros(100, np.uint8))
    assert 0 in memos[0] and 0 not in memos[1] and len(memos[2]) == 2
    assert budget.stats()["bytes"] == 300 and budget.stats()["evicted"] == 1
    del memos[2], m  # a stage that goes away takes its frames out of the budget
    assert budget.stats()["bytes"] == 100
