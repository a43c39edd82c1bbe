"""The export's YUV compositing (engine/yuv_compose.py) draws what the RGB Renderer draws.

Each case builds a composed project on generated media, takes frame i both ways -- the planes
path's yuv420p buffer, and the Renderer's RGB frame converted to yuv420p as the encoder converts it
(swscale, area filter, the same matrix, limited range) -- and holds them to conversion rounding.
The frames must come from the planes path (never the RGB fallback), except where a layer has no
plane form (a blend mode other than normal), which must fall back."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import av
import numpy as np
import pytest
from PIL import Image

from t2v_desktop.engine.export import export_project, plan_layout
from t2v_desktop.engine.render import Renderer
from t2v_desktop.engine.yuv import plan
from t2v_desktop.engine.yuv_compose import ComposePath, to_yuv_patch
from t2v_desktop.media.frames import FrameSource
from t2v_desktop.media.presets import get_preset
from t2v_desktop.project.model import (
    Clip,
    Cue,
    ImageSource,
    Project,
    SubtitleTrack,
    TitleSource,
    TitleStyle,
    Track,
    Transform,
    Transition,
)

W, H, FPS = 320, 180, 24
PRESET = get_preset("h264")
LOSSLESS = dataclasses.replace(PRESET, name="h264-lossless", video_options={"qp": "0", "preset": "ultrafast"})
MEAN, MAX = 1.5, 12


def _smooth(w, h, phase):
    """Colourful, smooth and moving: no sharp chroma edges, whose 4:2:0 chroma the RGB path's own
    round trip (chroma up- then down-sampled) would blur by itself."""

    def frame(i):
        x = np.arange(w, dtype=np.float64)[None, :] / w
        y = np.arange(h, dtype=np.float64)[:, None] / h
        r = 128 + 100 * np.sin(2 * np.pi * (x + i / 40 + phase)) + 0 * y
        g = 128 + 100 * np.sin(2 * np.pi * (y * 0.8 + 0.3 * x + phase))
        b = 128 + 100 * np.cos(2 * np.pi * (x + y) / 2 + i / 7 + phase)
        return np.rint(np.stack([r, g, b], -1)).astype(np.uint8)

    return frame


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    from t2v_desktop.media.synth import make_test_clip

    d = tmp_path_factory.mktemp("yc")
    a = make_test_clip(d / "a.mp4", width=W, height=H, fps=FPS, duration=2.0, frame_fn=_smooth(W, H, 0.0), number_frames=False)
    b = make_test_clip(d / "b.mp4", width=W, height=H, fps=FPS, duration=2.0, frame_fn=_smooth(W, H, 0.4), number_frames=False,
                       tone_hz=550.0)
    pip = make_test_clip(d / "pip.mp4", width=96, height=54, fps=FPS, duration=3.0, frame_fn=_smooth(96, 54, 0.7), number_frames=False)
    logo = tmp_path_factory.mktemp("yc") / "logo.png"
    rgba = np.zeros((40, 64, 4), np.uint8)
    rgba[4:36, 4:60] = (250, 200, 30, 180)
    rgba[14:26, 14:50] = (20, 60, 220, 255)
    rgba[..., 3] = np.minimum(rgba[..., 3], np.linspace(0, 255, 64, dtype=np.uint8)[None, :] + 40)
    Image.fromarray(rgba, "RGBA").save(logo)
    return a, b, pip, logo


def _base(media, kind="dissolve", fade=0.5):
    a, b = media[:2]
    p = Project(width=W, height=H, fps=Fraction(FPS))
    p.main_track.items[:] = [Clip(str(a)), Transition(kind, fade), Clip(str(b))]
    return p


def _rgb_to_yuv(rgb: np.ndarray, matrix: str) -> np.ndarray:
    """The encoder's conversion (media/encoder.py write_frame), packed like yuv.pack."""
    from av.video.reformatter import Interpolation, VideoReformatter

    vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    out = VideoReformatter().reformat(vf, format="yuv420p", dst_colorspace=matrix, dst_color_range=1,
                                      interpolation=Interpolation.AREA)
    h, w = rgb.shape[:2]
    return np.concatenate([np.frombuffer(pl, np.uint8).reshape(pl.height, pl.line_size)[:, :pl.width].reshape(-1)
                           for pl in out.planes]).reshape(h * 3 // 2, w)


def _diff(a: np.ndarray, b: np.ndarray):
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return float(d.mean()), int(d.max())


def _compare(project, frames, *, region=None):
    """Planes path vs RGB path for each frame index; returns the planes path's buffers."""
    with Renderer(project) as r:
        cp = plan(r, plan_layout(r.width, r.height, Fraction(FPS), PRESET), PRESET)
        assert isinstance(cp, ComposePath)
        out = []
        for i in frames:
            buf = cp.frame(i)
            assert buf is not None, f"frame {i} took the RGB fallback"
            ref = _rgb_to_yuv(r.frame(i), cp.matrix)
            if region is not None:  # the layer's own box, where a whole-frame mean would hide errors
                y0, y1, x0, x1 = region
                mean, mx = _diff(buf[y0:y1, x0:x1], ref[y0:y1, x0:x1])
                assert mean < MEAN, (i, mean)
            mean, mx = _diff(buf, ref)
            assert mean < MEAN and mx < MAX, (i, mean, mx)
            out.append((buf, ref))
        cp.close()
    return out


def test_base_only_and_transition_midpoint(media):
    p = _base(media)
    (base, _), (mid, ref), (after, _) = _compare(p, [5, 36 + 6, 60])
    # the midpoint is the mean of the two sources, on planes
    with Renderer(p) as r:
        a = r._chain(p.main_track.clips[0])
        b = r._chain(p.main_track.clips[1])
        la, lb = _sources(r, a, b, 42)
    assert np.abs(mid.astype(np.int16) - ((la.astype(np.int16) + lb) // 2)).mean() < 1.5
    assert not np.array_equal(base, after)


def _sources(r, a, b, i):
    """The two sources' frames at timeline frame i, each as the encoder would convert it (the
    generated clips are BT.601, as media/synth writes them)."""
    spans = r.layout.spans(r.project.main_track)
    fa = a.frame(min(i - spans[0].start, a.frame_count - 1))
    fb = b.frame(i - spans[2].start)
    return _rgb_to_yuv(fa, "ITU601"), _rgb_to_yuv(fb, "ITU601")


@pytest.mark.parametrize("kind", ["dissolve", "dip_black", "dip_white", "wipe_left", "wipe_down", "slide_right"])
def test_other_transitions(media, kind):
    # 12-frame overlap from frame 36; slides at even offsets only (W * 6/12 = 160, H * 6/12 = 90)
    frames = [37, 42, 45] if kind.startswith(("dip", "wipe", "dissolve")) else [42]
    _compare(_base(media, kind), frames)


def test_slide_by_an_odd_number_of_pixels_takes_the_rgb_path(media):
    p = _base(media, "slide_up")  # H * 1/12 = 15 pixels
    with Renderer(p) as r:
        cp = plan(r, plan_layout(W, H, Fraction(FPS), PRESET), PRESET)
        assert cp.frame(37) is None and cp.frame(42) is not None


@pytest.mark.parametrize("x,y", [(1.0, 1.0), (0.31, 0.57)])  # a corner on even pixels; odd, sub-pixel-free
def test_picture_in_picture(media, x, y):
    p = _base(media)
    p.tracks.append(Track(name="PIP", items=[Clip(str(media[2]), transform=Transform(
        fit="native", x=x, y=y, anchor_x=1.0, anchor_y=1.0))]))
    x1, y1 = int(round(x * W)), int(round(y * H))
    _compare(p, [3, 40, 50], region=(y1 - 54, y1, x1 - 96, x1))
    with Renderer(p) as r:
        cp = plan(r, plan_layout(W, H, Fraction(FPS), PRESET), PRESET)
        cp.frame(3)
        pasted = cp._yuv.get(("own", p.tracks[1].clips[0].id))
        # on even pixels, in the output's matrix: its own planes pasted; else drawn and converted
        assert (pasted is not None) == (x == 1.0)


def test_png_logo_with_alpha_and_opacity(media):
    p = _base(media)
    p.tracks.append(Track(name="Logo", items=[Clip(ImageSource(str(media[3])), out_point=3.0, transform=Transform(
        fit="native", x=0.9, y=0.1, anchor_x=1.0, anchor_y=0.0, opacity=0.7))]))
    out = _compare(p, [2, 3, 40], region=(18, 58, 224, 288))
    with Renderer(p) as r:
        cp = plan(r, plan_layout(W, H, Fraction(FPS), PRESET), PRESET)
        cp.frame(2)
        cp.frame(3)
        # a still layer is converted once and reused
        assert len(cp._patches) == 1
        first = next(iter(cp._patches.values()))[3]
        cp.frame(4)
        assert next(iter(cp._patches.values()))[3] is first
    assert not np.array_equal(out[0][0][18:58, 224:288], _plain(media, 2)[18:58, 224:288])


def _plain(media, i):
    """Frame i of the bare two-clip project, from the planes path."""
    with Renderer(_base(media)) as r:
        cp = plan(r, plan_layout(W, H, Fraction(FPS), PRESET), PRESET)
        return cp.frame(i)


def test_title(media):
    p = _base(media)
    style = TitleStyle(size=200, color="#ff3020", outline=6, shadow=8)
    p.tracks.append(Track(name="Title", items=[Clip(TitleSource("Summer", style), out_point=3.0)]))
    _compare(p, [1, 40])


def test_burned_in_subtitles(media):
    p = _base(media)
    p.subtitle_tracks.append(SubtitleTrack(cues=[Cue(0.0, 0.5, "Hello there"), Cue(1.5, 2.0, "Second line")],
                                           burn_in=True))
    _compare(p, [2, 20, 40])
    with Renderer(p) as r:
        cp = plan(r, plan_layout(W, H, Fraction(FPS), PRESET), PRESET)
        with_cue = cp.frame(2)
    plain = _plain(media, 2)
    assert np.abs(with_cue.astype(np.int16) - plain).max() > 50  # the cue is there


def test_non_normal_blend_takes_the_rgb_path(media):
    p = _base(media)
    p.tracks.append(Track(items=[Clip(str(media[2]), transform=Transform(fit="native", blend="screen"))]))
    with Renderer(p) as r:
        cp = plan(r, plan_layout(W, H, Fraction(FPS), PRESET), PRESET)
        assert cp.frame(3) is None


def test_patch_conversion_is_the_matrix():
    """An opaque grey box converts to Y = 16 + 219 * v / 255 and neutral chroma in both matrices."""
    P = np.full((4, 6, 3), 200, np.uint8)
    for matrix in ("ITU709", "ITU601"):
        yp = to_yuv_patch(((2, 2), P, None), 1.0, matrix, (16, 16))
        assert yp.keep_y is None and np.all(yp.Y == round(16 + 219 * 200 / 255))
        assert np.all(yp.U == 128) and np.all(yp.V == 128)


def test_export_takes_the_planes_path_and_matches_the_rgb_export(media, tmp_path):
    p = _base(media)
    p.tracks.append(Track(name="PIP", items=[Clip(str(media[2]), transform=Transform(
        fit="native", x=0.95, y=0.95, anchor_x=1.0, anchor_y=1.0))]))
    p.tracks.append(Track(name="Logo", items=[Clip(ImageSource(str(media[3])), out_point=3.0, transform=Transform(
        fit="native", x=0.9, y=0.1, anchor_x=1.0, anchor_y=0.0))]))
    fast = export_project(p, tmp_path / "fast.mp4", LOSSLESS)
    slow = export_project(p, tmp_path / "slow.mp4", LOSSLESS, fast_path=False)
    assert fast.frames == slow.frames == 84 and fast.yuv_frames == fast.frames and slow.yuv_frames == 0
    with FrameSource(fast.path) as f1, FrameSource(slow.path) as f2:
        a, b = np.stack(list(f1.iter_frames())), np.stack(list(f2.iter_frames()))
    assert a.shape == b.shape
    mean, mx = _diff(a, b)
    assert mean < MEAN, mean
    with av.open(str(fast.path)) as c1, av.open(str(slow.path)) as c2:
        s1 = np.concatenate([f.to_ndarray() for f in c1.decode(audio=0)], axis=1)
        s2 = np.concatenate([f.to_ndarray() for f in c2.decode(audio=0)], axis=1)
    assert np.array_equal(s1, s2)  # the sound is the Renderer's mixer, unchanged


def _write_709(path, w, h, frames):
    """A smooth clip whose planes were made with BT.709 and tagged so (no sound)."""
    sws = av.video.reformatter.VideoReformatter()
    fn = _smooth(w, h, 0.1)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"crf": "12", "preset": "ultrafast", "bf": "0"}
        vs.codec_context.colorspace, vs.codec_context.color_range = 1, 1
        for i in range(frames):
            vf = sws.reformat(av.VideoFrame.from_ndarray(fn(i), format="rgb24"), format="yuv420p",
                              dst_colorspace="ITU709", dst_color_range=1)
            vf.pts = i
            for pkt in vs.encode(vf):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
    return path


def test_hd_source_in_bt709_converts_layers_with_bt709(tmp_path):
    """A BT.709 source: the encoder writes BT.709 and the layers are converted with it."""
    from t2v_desktop.media.synth import make_test_clip

    w, h = 1280, 720
    a = _write_709(tmp_path / "a.mp4", w, h, 8)
    pip = make_test_clip(tmp_path / "p.mp4", width=96, height=54, fps=FPS, duration=0.5,
                         frame_fn=_smooth(96, 54, 0.5), number_frames=False)
    p = Project(width=w, height=h, fps=Fraction(FPS))
    p.main_track.items[:] = [Clip(str(a))]
    p.tracks.append(Track(items=[Clip(str(pip), transform=Transform(fit="native", x=0.2, y=0.3))]))
    with Renderer(p) as r:
        assert plan(r, plan_layout(w, h, Fraction(FPS), PRESET), PRESET).matrix == "ITU709"
    _compare(p, [3], region=(216 - 27, 216 + 27, 256 - 48, 256 + 48))


def test_transition_from_a_still_and_on_an_upper_track(media):
    """A dissolve from a colour card into a clip (the card drawn over black), and a dip between two
    picture-in-picture clips on an upper track (each drawn over the frame below)."""
    from t2v_desktop.project.model import ColorSource

    a, b, pip = media[:3]
    p = Project(width=W, height=H, fps=Fraction(FPS))
    p.main_track.items[:] = [Clip(ColorSource("#3366cc"), out_point=1.0), Transition("dissolve", 0.5), Clip(str(b))]
    tf = Transform(fit="native", x=0.25, y=0.3)
    p.tracks.append(Track(items=[Clip(str(pip), out_point=1.0, transform=tf), Transition("dip_white", 0.5),
                                 Clip(str(pip), in_point=1.0, transform=tf)]))
    _compare(p, [5, 18, 30])


def test_fading_title_converts_once(media):
    from t2v_desktop.keyframes import Keyframes

    p = _base(media)
    fade = Transform(opacity=Keyframes.of([(0.0, 0.0, "linear"), (1.0, 1.0, "linear")]))
    p.tracks.append(Track(items=[Clip(TitleSource("Fade", TitleStyle(size=150, box=True)), out_point=2.0,
                                      transform=fade)]))
    _compare(p, [6, 12, 30])
    with Renderer(p) as r:
        cp = plan(r, plan_layout(W, H, Fraction(FPS), PRESET), PRESET)
        cp.frame(6)
        first = cp._patches[p.tracks[1].clips[0].id][3]
        cp.frame(12)
        assert cp._patches[p.tracks[1].clips[0].id][3] is first


def test_preset_that_pads_and_chains_made_lazily(media, tmp_path):
    """A preset's fit (pad to 320x360) on the composed planes, as fit_frame does it in RGB; the plan
    opens one clip's chain (for the matrix) and the rest on their first frame."""
    a, b, pip = media[:3]
    p = _base(media)
    p.main_track.items += [Clip(str(a), in_point=0.5, out_point=1.0), Clip(str(b), in_point=0.2, out_point=0.6)]
    p.tracks.append(Track(items=[Clip(str(pip), transform=Transform(fit="native", x=0.9, y=0.9))]))
    with Renderer(p) as r:
        cp = plan(r, plan_layout(W, H, Fraction(FPS), PRESET), PRESET)
        assert list(cp._yuv) == [p.main_track.clips[0].id]
        for i in range(0, r.frame_count, 7):
            assert cp.frame(i) is not None
        assert all(c.id in cp._yuv for c in p.main_track.clips)
        assert cp._live and all(cp._yuv[k]._fs is None for k in cp._yuv if k not in cp._live and cp._yuv[k])
    preset = dataclasses.replace(LOSSLESS, frame_size=(320, 360))
    fast = export_project(p, tmp_path / "fast.mp4", preset)
    slow = export_project(p, tmp_path / "slow.mp4", preset, fast_path=False)
    assert fast.yuv_frames == fast.frames == slow.frames and (fast.width, fast.height) == (320, 360)
    with FrameSource(fast.path) as f1, FrameSource(slow.path) as f2:
        x, y = np.stack(list(f1.iter_frames())), np.stack(list(f2.iter_frames()))
    assert _diff(x, y)[0] < MEAN and x[:, :88].max() <= 2 and x[:, -88:].max() <= 2
