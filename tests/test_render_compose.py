"""The Renderer over several tracks, checked in pixels and samples: titles, picture in picture,
opacity, transitions, Ken Burns keyframes, hidden layers never decoded, burned-in subtitles, the
mix of tracks and ducking, and a composed export's length."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from t2v_desktop.engine.render import Renderer
from t2v_desktop.keyframes import Keyframes
from t2v_desktop.project.model import (
    Clip,
    ColorSource,
    Cue,
    Ducking,
    Gap,
    ImageSource,
    Project,
    SubtitleTrack,
    TitleSource,
    TitleStyle,
    Track,
    Transform,
    Transition,
)


def _project(w=320, h=180, fps=24, *items):
    p = Project(width=w, height=h, fps=Fraction(fps))
    p.main_track.items[:] = list(items)
    return p


def _color(c, seconds=2.0):
    return Clip(ColorSource(c), out_point=seconds)


def _write_wav(path: Path, samples: np.ndarray, sr: int = 48000) -> Path:
    """A stereo float WAV (pcm_f32le) of ``samples`` (channels, n)."""
    with av.open(str(path), "w") as out:
        st = out.add_stream("pcm_f32le", rate=sr)
        st.layout = "stereo"
        for a in range(0, samples.shape[1], 4096):
            fr = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, a:a + 4096], np.float32), format="fltp",
                                            layout="stereo")
            fr.sample_rate, fr.pts = sr, a
            for pkt in st.encode(fr):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    return path


def test_title_pixels_only_inside_its_box():
    from t2v_desktop.engine.titles import render_title

    style = TitleStyle(size=300, color="#ffffff")
    p = _project(320, 180, 24, _color("#000000"))
    p.tracks.append(Track(items=[Gap(0.5), Clip(TitleSource("HELLO", style), out_point=1.0)]))
    with Renderer(p) as r:
        before, during, after = r.frame(5), r.frame(24), r.frame(40)
    _, alpha = render_title("HELLO", style, (320, 180))
    ys, xs = np.nonzero(alpha)
    box = (ys.min(), ys.max(), xs.min(), xs.max())
    lit = np.nonzero(during.max(axis=2) > 0)
    assert len(lit[0]) > 200, "the title drew nothing"
    assert lit[0].min() >= box[0] and lit[0].max() <= box[1] and lit[1].min() >= box[2] and lit[1].max() <= box[3]
    assert during[ys, xs].max() == 255  # white text
    assert before.max() == 0 and after.max() == 0  # only during its 0.5..1.5 s on the track


def test_picture_in_picture_region_is_the_scaled_source(make_clip):
    import cv2

    src = make_clip(width=160, height=120, duration=2.0, fps=24, pattern="gradient")
    p = _project(640, 360, 24, _color("#404040"))
    p.tracks.append(Track(items=[Clip(str(src), transform=Transform(x=0.0, y=1.0, anchor_x=0.0, anchor_y=1.0,
                                                                      scale=0.3))]))
    with Renderer(p) as r:
        out = r.frame(12)
    with Renderer(Project.from_media(str(src))) as alone:
        ref = alone.frame(12)
    # contain: 160x120 into 640x360 -> 480x360; x0.3 -> 144x108 at the bottom-left corner
    want = cv2.resize(ref, (144, 108), interpolation=cv2.INTER_AREA)
    region = out[360 - 108:, :144].astype(int)
    assert np.abs(region[2:-2, 2:-2] - want[2:-2, 2:-2].astype(int)).mean() < 3
    rest = out.copy()
    rest[360 - 108:, :144] = 0x40
    assert np.all(rest == 0x40)


def test_opacity_half_over_black_halves_the_values():
    p = _project(64, 36, 24, _color("#000000", 1.0))
    p.tracks.append(Track(items=[Clip(ColorSource("#c8c8c8"), out_point=1.0, transform=Transform(opacity=0.5))]))
    with Renderer(p) as r:
        f = r.frame(3)
    assert np.all(np.abs(f.astype(int) - 100) <= 1)


def test_dissolve_midpoint_is_the_mean_of_the_two():
    red, blue = (200, 30, 10), (20, 60, 240)
    p = _project(64, 36, 24, _color("#c81e0a"), Transition("dissolve", 1.0), _color("#143cf0"))
    with Renderer(p) as r:
        assert r.frame_count == 24 * 3  # 2 + 2 - 1 s of overlap
        start = 24  # the overlap: frames 24..47
        mid = r.frame(start + 12)
        first, last = r.frame(start - 1), r.frame(start + 24)
    want = (np.array(red) + np.array(blue)) / 2
    assert np.all(np.abs(mid.reshape(-1, 3) - want) <= 2)
    assert np.all(first.reshape(-1, 3) == red) and np.all(last.reshape(-1, 3) == blue)


def test_wipe_edge_moves_linearly():
    p = _project(200, 20, 20, _color("#ffffff"), Transition("wipe_left", 1.0, {"softness": 0.0}), _color("#000000"))
    edges = []
    with Renderer(p) as r:
        start = 20
        for k in (5, 10, 15):  # progress 0.25, 0.5, 0.75
            row = r.frame(start + k)[10, :, 0]
            edges.append(int(np.sum(row < 128)))  # how much of B (black) shows
    assert edges == pytest.approx([50, 100, 150], abs=2)


def test_ken_burns_scale_keyframes(tmp_path):
    from PIL import Image

    img = np.zeros((100, 100, 3), np.uint8)
    img[40:60, 40:60] = 255  # a 20 px white square in the middle
    Image.fromarray(img).save(tmp_path / "still.png")
    zoom = Keyframes.of([(0.0, 1.0), (2.0, 2.0)])
    p = _project(100, 100, 10, Clip(ImageSource(str(tmp_path / "still.png")), out_point=2.0,
                                    transform=Transform(scale=zoom)))
    with Renderer(p) as r:
        widths = [int(np.sum(r.frame(i)[50, :, 0] > 128)) for i in (0, 10, 19)]
    assert widths[0] == pytest.approx(20, abs=1)
    assert widths[1] == pytest.approx(30, abs=2)  # t = 1 s: 1.5x
    assert widths[2] == pytest.approx(20 * 1.95, abs=2)


def test_png_alpha_is_kept(tmp_path):
    from PIL import Image

    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[5:15, 5:15] = (255, 0, 0, 255)  # an opaque red square in a transparent picture
    Image.fromarray(rgba, "RGBA").save(tmp_path / "logo.png")
    p = _project(40, 40, 10, _color("#0000ff", 1.0))
    p.tracks.append(Track(items=[Clip(ImageSource(str(tmp_path / "logo.png")), out_point=1.0,
                                      transform=Transform(fit="native"))]))
    with Renderer(p) as r:
        f = r.frame(0)
    assert tuple(f[20, 20]) == (255, 0, 0) and tuple(f[2, 2]) == (0, 0, 255)


def test_a_layer_under_an_opaque_full_frame_one_is_never_decoded(make_clip):
    src = make_clip(width=160, height=120, duration=2.0, fps=24)
    p = _project(160, 120, 24, Clip(str(src)))
    p.tracks.append(Track(items=[_color("#00ff00", 2.0)]))
    with Renderer(p) as r:
        f = r.frame(10)
        root = r.chain(p.main_track.clips[0].id)
        while getattr(root, "prev", None) is not None:
            root = root.prev
        assert np.all(f == (0, 255, 0))
        assert root._fs is None, "the hidden clip was decoded"


def test_burned_in_subtitles_only_during_their_cue():
    p = _project(320, 180, 10, _color("#000000", 3.0))
    p.subtitle_tracks.append(SubtitleTrack([Cue(1.0, 2.0, "Hello there")], burn_in=True))
    with Renderer(p) as r:
        assert r.frame(5).max() == 0 and r.frame(25).max() == 0
        f = r.frame(15)
    lit = np.nonzero(f.max(axis=2) > 0)[0]
    assert len(lit) and lit.min() > 180 * 0.6  # at the bottom


def test_mixed_audio_is_the_sum_of_the_tracks(tmp_path):
    sr = 48000
    t = np.arange(2 * sr) / sr
    a = np.stack([0.2 * np.sin(2 * np.pi * 440 * t)] * 2)
    b = np.stack([0.1 * np.sin(2 * np.pi * 660 * t)] * 2)
    pa, pb = _write_wav(tmp_path / "a.wav", a), _write_wav(tmp_path / "b.wav", b)
    p = _project(64, 36, 25, _color("#000000", 2.0))
    p.tracks += [Track("audio", [Clip(str(pa))]), Track("audio", [Clip(str(pb))])]
    with Renderer(p) as r:
        mix = r.read_audio(0, 2 * sr)
    assert np.abs(mix - (a + b)).max() < 1e-4


def test_track_gain_mute_solo_and_clip_volume(tmp_path):
    sr = 48000
    t = np.arange(sr) / sr
    a = np.stack([0.2 * np.sin(2 * np.pi * 440 * t)] * 2)
    pa = _write_wav(tmp_path / "a.wav", a)
    p = _project(64, 36, 25, _color("#000000", 1.0))
    p.tracks += [Track("audio", [Clip(str(pa), volume=Keyframes.of([(0, 1.0), (1.0, 0.0)]))], gain_db=-6.0206)]
    with Renderer(p) as r:
        x = r.read_audio(0, sr)
    env = np.clip(1 - t, 0, 1) * 0.5
    assert np.abs(x - a * env).max() < 1e-3
    p.tracks[1].muted = True
    with Renderer(p) as r:
        assert np.abs(r.read_audio(0, sr)).max() == 0


def test_ducking_lowers_the_music_during_the_voice(tmp_path):
    sr = 48000
    n = 6 * sr
    t = np.arange(n) / sr
    music = np.stack([0.2 * np.sin(2 * np.pi * 300 * t)] * 2)
    rng = np.random.default_rng(0)
    voice = np.zeros((2, n))
    voice[:, 2 * sr:3 * sr] = 0.3 * rng.standard_normal(sr)  # speech-like burst 2..3 s
    pm, pv = _write_wav(tmp_path / "m.wav", music), _write_wav(tmp_path / "v.wav", voice)
    p = _project(64, 36, 25, _color("#000000", 6.0))
    p.tracks += [Track("audio", [Clip(str(pm))], role="music", ducking=Ducking(amount_db=12)),
                 Track("audio", [Clip(str(pv))], role="voice")]
    with Renderer(p) as r:
        mix = r.read_audio(0, n)
    ducked = mix - voice  # the music as mixed
    rms = lambda x: float(np.sqrt(np.mean(x ** 2)))  # noqa: E731
    base = rms(music[:, int(0.5 * sr):int(1.5 * sr)])
    during = rms(ducked[:, int(2.4 * sr):int(2.8 * sr)])
    after = rms(ducked[:, int(4.2 * sr):int(5.2 * sr)])
    assert 20 * np.log10(during / base) == pytest.approx(-12, abs=1)
    assert 20 * np.log10(after / base) == pytest.approx(0, abs=1)


def test_crossfade_audio_is_equal_power(tmp_path):
    sr = 48000
    one = np.full((2, 2 * sr), 0.25)
    pa = _write_wav(tmp_path / "a.wav", one)
    p = _project(64, 36, 25, Clip(ColorSource("#000000"), out_point=2.0))
    p.tracks.append(Track("audio", [Clip(str(pa)), Transition("dissolve", 1.0), Clip(str(pa))]))
    with Renderer(p) as r:
        x = r.read_audio(0, 3 * sr)
    mid = x[0, int(1.5 * sr)]  # both at cos(pi/4): 0.25 * 2 * 0.7071
    assert mid == pytest.approx(0.25 * 2 * np.cos(np.pi / 4), abs=1e-3)
    assert x[0, int(0.5 * sr)] == pytest.approx(0.25, abs=1e-4)


def test_composed_export_has_the_overlapped_length(tmp_path, make_clip):
    from t2v_desktop.engine.export import export_project

    a = make_clip(width=160, height=120, duration=2.0, fps=25)
    b = make_clip(width=160, height=120, duration=2.0, fps=25, tone_hz=660.0)
    p = Project()
    p.main_track.items[:] = [Clip(str(a)), Transition("dip_black", 0.4), Clip(str(b))]
    p.tracks.append(Track(items=[Clip(TitleSource("HI"), out_point=1.0)]))
    res = export_project(p, tmp_path / "out.mp4")
    assert res.frames == 100 - 10
    with av.open(str(tmp_path / "out.mp4")) as c:
        v = c.streams.video[0]
        assert sum(1 for _ in c.decode(v)) == 90


@pytest.mark.parametrize("ext, codec", [("mp4", "mov_text"), ("mkv", "srt")])
def test_soft_subtitle_tracks_are_muxed_by_every_export(tmp_path, make_clip, ext, codec):
    from t2v_desktop.engine.export import export_project

    p = Project.from_media(str(make_clip(duration=2.0)))
    p.subtitle_tracks.append(SubtitleTrack([Cue(0.2, 0.9, "one"), Cue(1.0, 1.6, "two")], language="en"))
    out = export_project(p, tmp_path / f"out.{ext}").path
    with av.open(str(out)) as c:
        s = c.streams.subtitles[0]
        assert s.codec_context.name == codec
        got = [(round(float(pk.pts * s.time_base), 3), bytes(pk)) for pk in c.demux(s)
               if pk.size and any(ch.isalpha() for ch in bytes(pk).decode("utf-8", "ignore"))]
    assert [t for t, _ in got][:2] == [0.2, 1.0]
    assert b"one" in got[0][1] and b"two" in got[1][1]
