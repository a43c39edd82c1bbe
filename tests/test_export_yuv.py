"""The export's YUV fast path (engine/yuv.py): every op's YUV form against its RGB reference.

Exports go through a lossless x264 preset, so what is compared is exactly what each path handed the
encoder, decoded back to RGB the way the editor reads files (FrameSource). Both paths must give the
same frames (within the documented rounding), the same frame count and the same sound.
"""

from __future__ import annotations

import dataclasses
import threading
from fractions import Fraction

import av
import numpy as np
import pytest

from t2v_desktop.engine import yuv as fastpath
from t2v_desktop.engine.export import export_project
from t2v_desktop.project.model import AppliedOp, Project
from t2v_desktop.media.encoder import Encoder
from t2v_desktop.media.frames import FrameSource
from t2v_desktop.media.presets import get_preset
from t2v_desktop.media.synth import encode_frame_number, pattern_frame, read_frame_number
from t2v_desktop.ops.registry import get_op
from t2v_desktop.ops.yuv import YuvFormat

#: x264 lossless: the decoded output is exactly the encoder's input.
LOSSLESS = dataclasses.replace(get_preset("h264"), name="h264-lossless",
                               video_options={"qp": "0", "preset": "ultrafast"})
W, H, FPS, N = 320, 240, 25, 20


def smooth_frame(i: int) -> np.ndarray:
    """Colourful, smooth and moving: no sharp chroma edges, whose 4:2:0 chroma the RGB path's own
    round trip (chroma up- then down-sampled) would blur by itself."""
    x = np.arange(W, dtype=np.float64)[None, :] / W
    y = np.arange(H, dtype=np.float64)[:, None] / H
    r = 128 + 100 * np.sin(2 * np.pi * (x + i / N)) + 0 * y
    g = 128 + 100 * np.sin(2 * np.pi * (y * 0.8 + 0.3 * x))
    b = 128 + 100 * np.cos(2 * np.pi * (x + y) / 2 + i / 7)
    return np.rint(np.stack([r, g, b], -1)).astype(np.uint8)


def _write_clip(path, matrix: str, tag: int, frames: int = N, numbered: bool = False):
    """A clip whose planes were made with ``matrix`` and tagged ``tag`` (AVCOL_SPC), with sound;
    ``numbered``: the synth gradient with frame numbers (sharp edges), else smooth_frame."""
    sws = av.video.reformatter.VideoReformatter()
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = W, H, "yuv420p"
        vs.options = {"crf": "12", "preset": "ultrafast", "g": "10", "bf": "0"}
        vs.codec_context.colorspace, vs.codec_context.color_range = tag, 1
        aus = out.add_stream("aac", rate=48000)
        aus.layout = "stereo"
        for i in range(frames):
            if numbered:
                img = pattern_frame(i, W, H)
                encode_frame_number(img, i)
            else:
                img = smooth_frame(i)
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            vf = sws.reformat(vf, format="yuv420p", dst_colorspace=matrix, dst_color_range=1)
            vf.pts = i
            for pkt in vs.encode(vf):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
        t = np.arange(int(48000 * frames / FPS)) / 48000
        tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for k in range(0, len(tone), 1024):
            af = av.AudioFrame.from_ndarray(np.stack([tone[k:k + 1024]] * 2), format="fltp", layout="stereo")
            af.sample_rate, af.pts = 48000, k
            for pkt in aus.encode(af):
                out.mux(pkt)
        for pkt in aus.encode():
            out.mux(pkt)
    return path


@pytest.fixture(scope="module")
def clip709(tmp_path_factory):
    return _write_clip(tmp_path_factory.mktemp("yuv") / "bt709.mp4", "ITU709", 1)


@pytest.fixture(scope="module")
def clip601(tmp_path_factory):
    return _write_clip(tmp_path_factory.mktemp("yuv") / "bt601.mp4", "ITU601", 6)


@pytest.fixture(scope="module")
def numbered(tmp_path_factory):
    return _write_clip(tmp_path_factory.mktemp("yuv") / "numbered.mp4", "ITU709", 1, numbered=True)


def _export(src, out, ops, fast=True, preset=LOSSLESS, clips=1):
    project = Project.from_media(str(src))
    for _ in range(clips - 1):
        project.main_track.items.append(dataclasses.replace(project.main_track.clips[0], id=f"c{_}", ops=[]))
    for name, params, *rng in ops:
        project.main_track.clips[0].ops.append(AppliedOp(name, params, range=rng[0] if rng else None))
    return export_project(project, out, preset, fast_path=fast)


def _frames(path) -> np.ndarray:
    with FrameSource(path) as fs:
        return np.stack(list(fs.iter_frames()))


def _audio(path) -> np.ndarray:
    with av.open(str(path)) as c:
        return np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)


def _diff(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return float(d.mean()), int(d.max())


#: (ops, clip, mean, max): the largest mean / max |RGB difference| allowed between the two paths.
#: The RGB path's own round trip (chroma up- and down-sampled, rounding) already differs from the
#: source by a mean of 0.2-0.5 and a max of 3 on these clips; the ops add at most a level of
#: rounding. Boosted saturation clips in YUV where the RGB path clips per channel (max 9 measured).
#: A wrong table or a missed plane shows as a mean of 10-70.
CASES = [
    ([("brightness", {"amount": 0.3})], "709", 0.8, 6),
    ([("brightness", {"amount": -0.4})], "601", 0.8, 6),
    ([("contrast", {"amount": -0.5})], "709", 0.8, 6),
    ([("saturation", {"amount": -0.6})], "709", 0.8, 6),
    ([("saturation", {"amount": 0.3})], "709", 0.8, 12),
    ([("flip", {"direction": "horizontal"})], "709", 0.8, 6),
    ([("flip", {"direction": "vertical"})], "601", 0.8, 6),
    ([("rotate", {"degrees": 90})], "709", 0.8, 6),
    ([("rotate", {"degrees": 180})], "601", 0.8, 6),
    ([("resize", {"scale": 0.5})], "709", 0.8, 6),
    ([("resize", {"width": 480, "height": 360})], "601", 0.8, 6),
    ([("crop", {"aspect": "1:1"})], "709", 0.8, 6),
    ([("rotate", {"degrees": -7})], "709", 0.8, 6),
    ([("zoom", {"factor": 1.7, "x": 0.3, "y": 0.6})], "601", 0.8, 6),
    ([("brightness", {"amount": 0.2}), ("flip", {}), ("contrast", {"amount": -0.2}, (0.2, 0.5))], "709", 0.8, 6),
]


@pytest.mark.parametrize("ops,which,max_mean,max_abs", CASES, ids=lambda v: str(v)[:60])
def test_fast_path_equals_rgb_path(ops, which, max_mean, max_abs, clip709, clip601, tmp_path):
    src = clip709 if which == "709" else clip601
    fast = _export(src, tmp_path / "fast.mp4", ops)
    slow = _export(src, tmp_path / "rgb.mp4", ops, fast=False)
    assert fast.yuv_frames == fast.frames == N and slow.yuv_frames == 0
    a, b = _frames(fast.path), _frames(slow.path)
    assert a.shape == b.shape and len(a) == N
    mean, worst = _diff(a, b)
    assert mean <= max_mean and worst <= max_abs, (mean, worst)
    src_frames = _frames(src)
    if ops[0][0] in ("brightness", "contrast", "saturation"):  # the op really did something
        assert _diff(a, src_frames)[0] > 3
    fa, fb = _audio(fast.path), _audio(slow.path)
    assert fa.shape == fb.shape and np.array_equal(fa, fb)


def test_no_rgb_conversion_and_threads_overlap(clip709, tmp_path, monkeypatch):
    """Brightness only: no frame is converted to RGB anywhere; decoding (and the op) and encoding
    run on two different threads."""
    calls = {"rgb": 0, "write_frame": 0}
    decode_threads, encode_threads = [], set()
    monkeypatch.setattr(FrameSource, "_to_rgb", lambda *a, **k: calls.__setitem__("rgb", calls["rgb"] + 1))
    orig_yuv, orig_write = FrameSource.yuv_frame, Encoder.write_yuv

    def yuv_frame(self, i):
        decode_threads.append(threading.get_ident())
        return orig_yuv(self, i)

    def write_yuv(self, buf):
        encode_threads.add(threading.get_ident())
        return orig_write(self, buf)

    monkeypatch.setattr(FrameSource, "yuv_frame", yuv_frame)
    monkeypatch.setattr(Encoder, "write_yuv", write_yuv)
    monkeypatch.setattr(Encoder, "write_frame", lambda *a: calls.__setitem__("write_frame", 1))
    res = _export(clip709, tmp_path / "o.mp4", [("brightness", {"amount": 0.2})], preset="h264")
    assert calls == {"rgb": 0, "write_frame": 0}
    assert res.yuv_frames == res.frames == N
    assert encode_threads == {threading.get_ident()}
    # the plan reads the first frame's matrix on the caller's thread; every other frame is decoded
    # on the render thread
    main = threading.get_ident()
    assert decode_threads[0] == main and main not in decode_threads[1:] and len(decode_threads) == N + 1
    with av.open(str(res.path)) as c:
        assert c.streams.video[0].frames == N or sum(1 for _ in c.decode(video=0)) == N


@pytest.mark.parametrize("ops", [
    [("gamma", {"gamma": 1.2})],                         # not affine: no YUV form
    [("contrast", {"amount": 0.3})],                     # the S-curve
    [("brightness", {"amount": 0.2}), ("blur", {})],     # one op without a YUV form
    [("hue", {"degrees": 40})],                          # mixes channels through HSV
])
def test_chains_without_yuv_form_take_the_rgb_path(ops, clip709, tmp_path):
    fast = _export(clip709, tmp_path / "a.mp4", ops)
    slow = _export(clip709, tmp_path / "b.mp4", ops, fast=False)
    assert fast.yuv_frames == 0 and fast.frames == N
    assert np.array_equal(_frames(fast.path), _frames(slow.path))


def test_saturation_on_bt601_takes_the_rgb_path(clip601, tmp_path):
    """Saturation's grey is BT.709 luma; scaling BT.601 chroma would not keep it."""
    res = _export(clip601, tmp_path / "a.mp4", [("saturation", {"amount": -0.5})])
    assert res.yuv_frames == 0 and res.frames == N


def test_source_matrix_is_kept(clip601, tmp_path):
    """The planes go in unconverted, so the output carries the source's matrix and looks the same."""
    res = _export(clip601, tmp_path / "a.mp4", [])
    assert res.yuv_frames == N
    with av.open(str(res.path)) as c:
        assert int(c.streams.video[0].codec_context.colorspace) == 6
    mean, worst = _diff(_frames(res.path), _frames(clip601))
    assert mean == 0 and worst == 0  # lossless and untouched: the very same pictures


def test_timing_ops_pick_the_same_frames(numbered, tmp_path):
    ops = [("brightness", {"amount": 0.1}), ("speed", {"factor": 2.0}), ("reverse", {})]
    fast = _export(numbered, tmp_path / "a.mp4", ops)
    slow = _export(numbered, tmp_path / "b.mp4", ops, fast=False)
    assert fast.yuv_frames == fast.frames == slow.frames == N // 2
    a, b = _frames(fast.path), _frames(slow.path)
    assert [read_frame_number(f) for f in a] == [read_frame_number(f) for f in b] == list(range(N - 2, -1, -2))
    assert _diff(a, b)[0] <= 1.5  # sharp frame-number blocks: the RGB round trip blurs their chroma
    assert _audio(fast.path).shape == _audio(slow.path).shape


def test_mixed_clips_and_a_format_change_mid_clip(numbered, tmp_path, monkeypatch):
    """Clip 1 from planes, clip 2 (gamma) through RGB; a decoded frame the fast path cannot take
    switches its clip to the Renderer from there on, with every frame in its place."""
    project = Project.from_media(str(numbered))
    first = project.main_track.clips[0]
    second = dataclasses.replace(first, id="second", ops=[AppliedOp("gamma", {"gamma": 1.3})])
    first.ops.append(AppliedOp("brightness", {"amount": 0.1}))
    project.main_track.items.append(second)
    res = export_project(project, tmp_path / "a.mp4", LOSSLESS)
    assert res.frames == 2 * N and res.yuv_frames == N
    assert [read_frame_number(f) for f in _frames(res.path)] == list(range(N)) * 2

    usable, seen = fastpath.YuvChain._usable, []

    def flaky(self, f):
        seen.append(1)
        return None if len(seen) > 8 else usable(self, f)  # from the 8th frame on: "another format"

    monkeypatch.setattr(fastpath.YuvChain, "_usable", flaky)
    res = export_project(project, tmp_path / "b.mp4", LOSSLESS)
    assert res.frames == 2 * N and res.yuv_frames == 7
    frames = _frames(res.path)
    assert [read_frame_number(f) for f in frames] == list(range(N)) * 2
    ref = _frames(export_project(project, tmp_path / "c.mp4", LOSSLESS, fast_path=False).path)
    assert _diff(frames, ref)[0] <= 1.5


def test_env_switch_turns_it_off(clip709, tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_EXPORT_YUV", "0")
    assert _export(clip709, tmp_path / "a.mp4", []).yuv_frames == 0


@pytest.mark.parametrize("frame_size,max_size", [((240, 320), None), ((640, 360), None), (None, (160, 160))])
def test_presets_that_scale_and_pad(frame_size, max_size, clip709, tmp_path):
    """A preset's fit (scale down, pad with black) on the planes: as fit_frame does it in RGB."""
    preset = dataclasses.replace(LOSSLESS, frame_size=frame_size, max_size=max_size)
    ops = [("brightness", {"amount": 0.2})]
    fast = _export(clip709, tmp_path / "a.mp4", ops, preset=preset)
    slow = _export(clip709, tmp_path / "b.mp4", ops, preset=preset, fast=False)
    assert fast.yuv_frames == N and (fast.width, fast.height) == (slow.width, slow.height)
    a, b = _frames(fast.path), _frames(slow.path)
    mean, worst = _diff(a, b)
    # the columns/rows where picture meets bar: the RGB path resamples chroma across that edge
    assert mean <= 0.8 and worst <= 16, (mean, worst)
    if frame_size == (640, 360):  # 480x360 at x = 80
        assert _diff(a[:, :, 84:556], b[:, :, 84:556])[1] <= 6
    if frame_size == (240, 320):  # 240x180 centred: black bars of 70 rows above and below
        assert a[:, :68].max() <= 2 and a[:, -68:].max() <= 2 and a[:, 72:-72].mean() > 60


def test_presets_with_odd_offsets_or_not_yuv420_take_the_rgb_path(clip709, tmp_path):
    res = _export(clip709, tmp_path / "a.mp4", [], preset="social-9x16")  # 1080x810 at y = 555
    assert res.yuv_frames == 0 and (res.width, res.height) == (1080, 1920)
    res = _export(clip709, tmp_path / "a.gif", [], preset="gif")
    assert res.yuv_frames == 0


def test_x264_gets_frame_threads(clip709, tmp_path):
    """As the ffmpeg CLI sets it: frame threads, not PyAV's slice threads (slices cost bits and time)."""
    res = _export(clip709, tmp_path / "a.mp4", [], preset="h264")
    sei = res.path.read_bytes()
    assert b"sliced_threads=0" in sei and b"sliced_threads=1" not in sei


def test_registry_declares_yuv_forms_only_where_exact():
    fmt = YuvFormat(320, 240, "ITU709")
    has = {name: get_op(name).yuv is not None for name in
           ("brightness", "contrast", "saturation", "gamma", "exposure", "flip", "rotate", "resize", "crop",
            "zoom", "hue", "temperature", "blur")}
    assert has == {"brightness": True, "contrast": True, "saturation": True, "gamma": True, "exposure": True,
                   "flip": True, "rotate": True, "resize": True, "crop": True, "zoom": True,
                   "hue": False, "temperature": False, "blur": False}

    def form(name, **params):
        spec = get_op(name)
        return spec.yuv(fmt, **spec.validate(params))

    assert form("brightness", amount=0.5) and form("brightness", amount=-0.5)
    assert form("contrast", amount=-0.3) and form("contrast", amount=0.3) is None
    assert form("gamma", gamma=1.0) and form("gamma", gamma=1.2) is None
    assert form("exposure", stops=0.0) and form("exposure", stops=1.0) is None
    assert form("rotate", degrees=90) and form("rotate", degrees=15)
    assert form("crop", aspect="1:1") is not None           # box at x = 40: plane slices
    assert form("crop", left=0.015) is None                  # box at x = 5 would split chroma pixels
    assert get_op("saturation").yuv(YuvFormat(320, 240, "ITU601"), amount=0.3) is None


def test_brightness_tables_are_the_rgb_curve():
    """Grey levels: the YUV table gives what the RGB curve gives, to the level."""
    from t2v_desktop.ops.color import brightness_curve

    fn = get_op("brightness").yuv(YuvFormat(2, 2), amount=0.25)
    grey = np.arange(16, 236, dtype=np.uint8).reshape(-1, 1).repeat(2, 1)
    y, u, v = fn((grey, np.full((1, 1), 128, np.uint8), np.full((1, 1), 128, np.uint8)))
    rgb = (grey.astype(np.float64) - 16) / 219
    expect = 16 + 219 * np.interp(rgb, np.arange(256) / 255, brightness_curve(0.25))
    assert np.abs(y - expect).max() <= 0.5 + 1e-9 and u[0, 0] == 128 == v[0, 0]


def test_fps_fraction_is_kept(clip709, tmp_path):
    res = _export(clip709, tmp_path / "a.mp4", [("flip", {})])
    assert res.fps == Fraction(FPS) and res.yuv_frames == N


@pytest.mark.parametrize("src,dst,exact", [((1920, 1080), (1280, 720), True), ((960, 540), (480, 270), True),
                                           ((1280, 720), (850, 478), False), ((320, 240), (96, 72), False)])
def test_area_shrink_is_opencvs_area_filter(src, dst, exact):
    """The planes' shrink (swscale) against the RGB op's (cv2.INTER_AREA), on noise: the worst case."""
    import cv2

    from t2v_desktop.ops.yuv import area_shrink

    plane = np.random.default_rng(5).integers(0, 256, (src[1], src[0]), dtype=np.uint8)
    ours, ref = area_shrink(plane[:, :], dst), cv2.resize(plane, dst, interpolation=cv2.INTER_AREA)
    assert ours.shape == ref.shape == (dst[1], dst[0])
    mean, worst = _diff(ours, ref)
    assert (worst == 0) if exact else (worst <= 4 and mean < 0.5), (mean, worst)
    view = area_shrink(np.ascontiguousarray(plane[:, ::-1])[:, ::-1], dst)  # a strided view
    assert np.array_equal(view, ours)


def test_vfr_source_keeps_the_same_frames(make_clip, tmp_path):
    """Variable frame rate: the fast path reads the same grid frames (repeats, drops) as the RGB path."""
    pts = [k / 30 for k in range(30)] + [1 + k / 15 for k in range(15)]  # 30 fps, then 15 fps
    src = make_clip("vfr", vfr_pts=pts, width=160, height=120)
    fast = _export(src, tmp_path / "a.mp4", [("flip", {"direction": "vertical"})])
    slow = _export(src, tmp_path / "b.mp4", [("flip", {"direction": "vertical"})], fast=False)
    assert fast.yuv_frames == fast.frames == slow.frames > 0
    a, b = _frames(fast.path), _frames(slow.path)
    nums = [read_frame_number(f[::-1]) for f in a]
    assert nums == [read_frame_number(f[::-1]) for f in b]
    assert nums == sorted(nums) and len(set(nums)) > 30  # really the source's frames, in order
    assert _audio(fast.path).shape == _audio(slow.path).shape
