"""Seeking: the exact keyframe index (keyindex.py) and the all-intra scrubbing proxy (proxy.py)."""

from __future__ import annotations

import gc
import random
import shutil
import threading
from fractions import Fraction

import numpy as np
import pytest

from t2v_desktop.errors import MediaError
from t2v_desktop.media import keyindex, proxy
from t2v_desktop.media.frames import FrameSource
from t2v_desktop.media.synth import make_numbered_clip, read_frame_number

GOP = {"g": 15, "keyint_min": 15, "sc_threshold": 0, "bf": 3}


@pytest.fixture(scope="module")
def ts_clip(tmp_path_factory):
    """MPEG-TS with B-frames: its demuxer seeks by bisecting timestamps (no sample table)."""
    path = tmp_path_factory.mktemp("seek") / "n.ts"
    return make_numbered_clip(path, n_frames=120, width=320, height=240, options=GOP,
                              container_format="mpegts")


@pytest.fixture(scope="module")
def mp4_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("seek") / "n.mp4"
    return make_numbered_clip(path, n_frames=90, width=320, height=240, options=GOP)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _ids(n, count=40, seed=3):
    rng = random.Random(seed)
    return [rng.randrange(n) for _ in range(count)]


# ------------------------------------------------------------------------------ keyframe index
def test_scan_lists_every_keyframe_with_its_position(ts_clip):
    idx = keyindex.scan(ts_clip, 0)
    assert idx.frames == 120
    assert len(idx.pts) == 8  # 120 frames, one keyframe every 15
    assert list(idx.pts) == sorted(idx.pts) and list(idx.pos) == sorted(idx.pos)
    assert idx.mean_gop == 15
    assert idx.before(idx.pts[3]) == 3 and idx.before(idx.pts[3] - 1) == 2
    assert idx.before(idx.pts[0] - 1) is None


def test_ts_jumps_go_straight_to_the_keyframe_and_stay_exact(ts_clip):
    keyindex.forget(ts_clip)
    with FrameSource(ts_clip, cache_size=0) as fs:
        ids = _ids(fs.frame_count)
        got = [read_frame_number(fs.frame(i)) for i in ids]
        assert got == ids
        # without the index the TS demuxer lands after the target about every other jump, and
        # each of those costs a second seek (58 seeks for these 40 calls)
        assert fs.seeks <= len(ids)
        assert fs._kindex is not None


def test_ts_backwards_walk_and_sequential_read_after_a_jump(ts_clip):
    with FrameSource(ts_clip, cache_size=0) as fs:
        assert read_frame_number(fs.frame(100)) == 100
        for i in range(99, 40, -1):
            assert read_frame_number(fs.frame(i)) == i
        seq = [read_frame_number(a) for a in fs.iter_frames(60, 80)]
        assert seq == list(range(60, 80))


def test_reading_from_the_start_does_not_scan(ts_clip):
    keyindex.forget(ts_clip)
    with FrameSource(ts_clip, small_caches=True) as fs:
        assert [read_frame_number(a) for a in fs.iter_frames(0, 30)] == list(range(30))
        assert read_frame_number(fs.frame(10)) == 10  # a jump near the start: time seek
        assert not fs._kindex_tried


def test_mp4_keeps_its_own_index(mp4_clip):
    with FrameSource(mp4_clip, cache_size=0) as fs:
        ids = _ids(fs.frame_count)
        assert [read_frame_number(fs.frame(i)) for i in ids] == ids
        assert fs._kindex is None  # the sample table is exact already: no scan


def test_unreadable_file_gives_no_index(tmp_path):
    bad = tmp_path / "x.ts"
    bad.write_bytes(b"\x00" * 1000)
    assert keyindex.scan(bad, 0) is None


# ------------------------------------------------------------------------------ proxy
def _psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255**2 / max(mse, 1e-9))


def test_proxy_size_fits_the_box_either_way_round():
    assert proxy.proxy_size(1920, 1080) == (960, 540)
    assert proxy.proxy_size(1080, 1920) == (540, 960)
    assert proxy.proxy_size(640, 360) == (640, 360)  # never scaled up
    assert proxy.proxy_size(4096, 1716) == (960, 402)


def test_proxy_frames_are_the_right_frames(mp4_clip, cache):
    job = proxy.start_proxy(mp4_clip)
    assert job.wait(120) and job.error is None
    assert job.path.exists() and job.path.parent == cache / "proxy"
    assert not list((cache / "proxy").glob(".*part"))
    with proxy.open_proxy(mp4_clip) as ps, FrameSource(mp4_clip) as fs:
        assert (ps.width, ps.height, ps.frame_count, ps.fps) == (320, 240, 90, fs.fps)
        for i in _ids(90) + [0, 89, 500]:
            a = ps.frame(i)
            assert a.shape == (240, 320, 3) and a.dtype == np.uint8
            assert read_frame_number(a) == min(i, 89)
            assert _psnr(a, fs.frame(min(i, 89))) > 30  # same picture, JPEG'd
        with pytest.raises(IndexError):
            ps.frame(-1)


def test_proxy_is_scaled_down_and_follows_another_grid(tmp_path, cache):
    src = make_numbered_clip(tmp_path / "big.mp4", n_frames=20, width=1280, height=720, fps=10,
                             options=GOP)
    path = proxy.build_proxy(src, proxy.proxy_path(src))
    with proxy.ProxySource(path, fps=Fraction(20)) as ps:
        assert (ps.width, ps.height) == (960, 540)
        assert ps.frame_count == 40
        assert [read_frame_number(ps.frame(i)) for i in range(0, 40, 3)] == [i // 2 for i in range(0, 40, 3)]


def test_proxy_is_keyed_by_content(mp4_clip, tmp_path, cache):
    copy = tmp_path / "renamed.mp4"
    shutil.copy(mp4_clip, copy)
    assert proxy.proxy_path(copy) == proxy.proxy_path(mp4_clip)
    other = make_numbered_clip(tmp_path / "other.mp4", n_frames=91, width=320, height=240, options=GOP)
    assert proxy.proxy_path(other) != proxy.proxy_path(mp4_clip)


def test_damaged_proxy_is_dropped_and_rebuilt(mp4_clip, cache):
    path = proxy.build_proxy(mp4_clip, proxy.proxy_path(mp4_clip))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="damaged"):
        proxy.ProxySource(path)
    with open(mp4_clip, "rb") as f:  # likely gets the failed reader's descriptor number
        gc.collect()  # the failed reader's __del__ must not close it
        assert len(f.read(100)) == 100
    assert proxy.open_proxy(mp4_clip) is None and not path.exists()
    job = proxy.start_proxy(mp4_clip)
    assert job.wait(120) and job.path == path and path.stat().st_size == len(data)


def test_cancelled_build_leaves_nothing(mp4_clip, cache):
    stop = threading.Event()
    stop.set()
    dest = proxy.proxy_path(mp4_clip)
    assert proxy.build_proxy(mp4_clip, dest, cancel=stop) is None
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_cache_is_trimmed_oldest_first(tmp_path, cache):
    d = proxy.proxy_dir()
    d.mkdir(parents=True, exist_ok=True)
    import os

    for n, age in (("a", 300), ("b", 200), ("c", 100)):
        p = d / f"{n}.t2vproxy"
        p.write_bytes(b"x" * 1000)
        os.utime(p, (1e9 - age, 1e9 - age))
    proxy.trim_cache(limit=2000)
    assert sorted(p.name for p in d.iterdir()) == ["b.t2vproxy", "c.t2vproxy"]


def test_only_long_gop_footage_needs_a_proxy(mp4_clip, ts_clip, tmp_path):
    assert proxy.needs_proxy(mp4_clip) and proxy.needs_proxy(ts_clip)  # GOP 15
    short = make_numbered_clip(tmp_path / "short.mp4", n_frames=30, width=160, height=120,
                               options={"g": 4, "keyint_min": 4, "sc_threshold": 0})
    intra = make_numbered_clip(tmp_path / "intra.mkv", n_frames=30, width=160, height=120,
                               codec="mjpeg", pix_fmt="yuvj420p")
    assert not proxy.needs_proxy(short) and not proxy.needs_proxy(intra)


@pytest.mark.parametrize("name, kw", [
    ("ps.mpg", dict(codec="mpeg2video", container_format="vob", options={"g": 15, "bf": 2, "b": "2M"})),
    ("m2.ts", dict(codec="mpeg2video", container_format="mpegts", options={"g": 15, "bf": 2, "b": "2M"})),
    ("f.flv", dict(codec="flv", container_format="flv", options={"g": 20})),
    ("v.webm", dict(codec="libvpx-vp9", options={"g": 15, "cpu-used": 8, "deadline": "realtime"})),
    ("h.mkv", dict(options=GOP)),
])
def test_jumps_are_exact_in_other_containers(tmp_path, name, kw):
    """The index is used (or, where a parser splits packets differently after a seek as in
    MPEG-PS, given up after two misses): either way every frame is the right one."""
    src = make_numbered_clip(tmp_path / name, n_frames=150, width=160, height=120, **kw)
    with FrameSource(src, cache_size=0) as fs:
        ids = _ids(fs.frame_count, seed=5)
        assert [read_frame_number(fs.frame(i)) for i in ids] == ids
        assert fs._kindex is not None


@pytest.mark.parametrize("rotation", [90, 270])
def test_proxy_of_a_rotated_phone_clip_is_upright(tmp_path, cache, rotation):
    src = make_numbered_clip(tmp_path / "phone.mp4", n_frames=12, width=320, height=176, rotation=rotation,
                             options=GOP)
    path = proxy.build_proxy(src, proxy.proxy_path(src))
    with proxy.ProxySource(path) as ps, FrameSource(src) as fs:
        for i in (0, 5, 11):
            a, ref = ps.frame(i), fs.frame(i)
            assert a.shape == ref.shape == (320, 176, 3)
            assert _psnr(a, ref) > 30


def test_proxy_of_an_sd_clip_keeps_its_bt601_colours(tmp_path, cache):
    """Planes go into the proxy as they are, with the matrix FrameSource uses (BT.601 for SD)."""
    src = make_numbered_clip(tmp_path / "sd.mp4", n_frames=6, width=320, height=240, options=GOP)
    path = proxy.build_proxy(src, proxy.proxy_path(src))
    with proxy.ProxySource(path) as ps, FrameSource(src) as fs:
        assert ps.meta["matrix"] == "ITU601"
        a, ref = ps.frame(3).astype(int), fs.frame(3).astype(int)
        assert np.abs(a.mean(axis=(0, 1)) - ref.mean(axis=(0, 1))).max() < 1.5  # no colour shift
