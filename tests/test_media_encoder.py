"""Encoder and presets: every preset round-trips (probe, frame numbers, colour, sound), writes are
atomic (a failure leaves no temp file and an existing target untouched), errors are EncodeErrors."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from fractions import Fraction

import av
import numpy as np
import pytest

from t2v_desktop.errors import EncodeError, ParamError
from t2v_desktop.media.audio import AudioSource
from t2v_desktop.media.encoder import Encoder
from t2v_desktop.media.frames import FrameSource
from t2v_desktop.media.info import probe
from t2v_desktop.media.presets import PRESETS, get_preset, preset_for_path
from t2v_desktop.media.synth import encode_frame_number, pattern_frame, read_frame_number

W, H, FPS, N = 160, 120, Fraction(25), 25  # 1 s clips


def frame(i, w=W, h=H):
    img = pattern_frame(i, w, h)
    encode_frame_number(img, i)
    return img


def tone(i, n, hz=440.0, sr=48000):
    t = (np.arange(n) + i) / sr
    return np.repeat((0.3 * np.sin(2 * np.pi * hz * t))[None], 2, 0).astype(np.float32)


def write_clip(path, preset, *, n=N, w=W, h=H, fps=FPS, audio_chunks=(1920,), sr=48000):
    """n frames and n/fps seconds of 440 Hz in chunks of varying size."""
    has_video = preset.video_codec is not None
    with Encoder(path, width=w, height=h, fps=fps, preset=preset, sample_rate=sr,
                 has_video=has_video, has_audio=preset.audio_codec is not None) as enc:
        if has_video:
            for i in range(n):
                enc.write_frame(frame(i, w, h))
        if enc.has_audio:
            total, pos, k = int(round(n / fps * sr)), 0, 0
            while pos < total:
                m = min(audio_chunks[k % len(audio_chunks)], total - pos)
                enc.write_audio(tone(pos, m, sr=sr))
                pos, k = pos + m, k + 1
    return path


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


EXPECT = {  # preset -> (container, video codec, pix_fmt after decode, audio codec)
    "h264": ("mp4", "h264", "yuv420p", "aac"),
    "youtube-1080p": ("mp4", "h264", "yuv420p", "aac"),
    "social-9x16": ("mp4", "h264", "yuv420p", "aac"),
    "h265-hq": ("mp4", "hevc", "yuv420p", "aac"),
    "vp9-webm": ("webm", "vp9", "yuv420p", "opus"),
    "prores": ("mov", "prores", "yuv422p10le", "pcm_s16le"),
    "gif": ("gif", "gif", None, None),
    "audio-only": ("m4a", None, None, "aac"),
    "mkv": ("matroska", "h264", "yuv420p", "aac"),
}


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_round_trips(tmp_path, name):
    preset = PRESETS[name]
    out = write_clip(tmp_path / f"out{preset.extension}", preset, audio_chunks=(1000, 333, 4096, 1))
    assert leftovers(tmp_path) == []
    container, vcodec, pix_fmt, acodec = EXPECT[name]
    info = probe(out)
    assert info.container == container
    assert info.video_codec == vcodec
    assert info.has_audio == (acodec is not None)
    assert info.duration == pytest.approx(1.0, abs=0.03)
    if vcodec:
        assert (info.width, info.height, info.fps, info.frame_count) == (W, H, FPS, N)
        if pix_fmt:
            assert info.pix_fmt == pix_fmt
        with FrameSource(out) as fs:
            frames = list(fs.iter_frames())
        assert [read_frame_number(f) for f in frames] == list(range(N))
        err = np.abs(frames[10][30:].astype(int) - pattern_frame(10, W, H)[30:]).mean()
        assert err < (8 if name == "gif" else 4)
    if acodec:
        assert info.audio[0].codec == acodec and info.audio[0].channels == 2
        assert info.audio[0].sample_rate == 48000
        with AudioSource(out) as a:
            x = a.read(0.2, 0.8)[0]
        spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
        assert np.argmax(spec) * 48000 / len(x) == pytest.approx(440, abs=3)
        assert np.sqrt(np.mean(x ** 2)) == pytest.approx(0.212, rel=0.1)


def test_audio_length_survives_odd_chunks(tmp_path):
    out = write_clip(tmp_path / "a.m4a", PRESETS["audio-only"], n=50, audio_chunks=(7, 1023, 1025, 2049))
    assert probe(out).duration == pytest.approx(2.0, abs=0.025)


def test_audio_resampled_to_opus_rate(tmp_path):
    out = write_clip(tmp_path / "a.webm", PRESETS["vp9-webm"], sr=44100)
    info = probe(out)
    assert info.audio[0].sample_rate == 48000
    assert info.duration == pytest.approx(1.0, abs=0.03)


def test_colour_is_kept(tmp_path):
    # BT.709 matrix on the way in, tagged, so decoding gives the same colour back.
    colours = [(200, 50, 30), (20, 160, 220), (240, 240, 40)]
    for name in ("h264", "prores", "vp9-webm"):
        out = tmp_path / f"c{PRESETS[name].extension}"
        with Encoder(out, width=64, height=48, fps=FPS, preset=PRESETS[name], has_audio=False) as enc:
            for c in colours:
                enc.write_frame(np.full((48, 64, 3), c, np.uint8))
        with FrameSource(out) as fs:
            for i, c in enumerate(colours):
                got = fs.frame(i)[8:40, 8:56].reshape(-1, 3).mean(0)
                assert np.abs(got - c).max() < 4, (name, c, got)


def test_odd_sizes_are_refused_for_yuv420(tmp_path):
    with pytest.raises(EncodeError, match="even"):
        Encoder(tmp_path / "odd.mp4", width=161, height=120, fps=FPS, preset=PRESETS["h264"])
    with pytest.raises(EncodeError, match="even"):
        Encoder(tmp_path / "odd.mov", width=161, height=120, fps=FPS, preset=PRESETS["prores"])
    assert leftovers(tmp_path) == [] and not (tmp_path / "odd.mp4").exists()


def test_gif_accepts_odd_sizes(tmp_path):
    out = write_clip(tmp_path / "odd.gif", PRESETS["gif"], n=5, w=161, h=121)
    info = probe(out)
    assert (info.width, info.height, info.frame_count) == (161, 121, 5)


def test_unsupported_codec(tmp_path):
    bad = dataclasses.replace(PRESETS["h264"], name="bad", video_codec="no-such-codec")
    with pytest.raises(EncodeError, match="no-such-codec"):
        Encoder(tmp_path / "x.mp4", width=W, height=H, fps=FPS, preset=bad)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder(tmp_path):
    with pytest.raises(EncodeError, match="does not exist"):
        Encoder(tmp_path / "nope" / "x.mp4", width=W, height=H, fps=FPS, preset=PRESETS["h264"])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(EncodeError, match="not writable"):
            Encoder(ro / "x.mp4", width=W, height=H, fps=FPS, preset=PRESETS["h264"])
    finally:
        ro.chmod(0o700)


def test_failure_mid_encode_leaves_target_untouched(tmp_path):
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"precious old export")
    with pytest.raises(RuntimeError):
        with Encoder(target, width=W, height=H, fps=FPS, preset=PRESETS["h264"]) as enc:
            for i in range(10):
                enc.write_frame(frame(i))
            assert leftovers(tmp_path) != []   # the temp file exists while writing...
            raise RuntimeError("render crashed")
    assert leftovers(tmp_path) == []           # ...and is gone after the failure
    assert target.read_bytes() == b"precious old export"


def test_abort_and_close_twice(tmp_path):
    enc = Encoder(tmp_path / "a.mp4", width=W, height=H, fps=FPS, preset=PRESETS["h264"])
    enc.write_frame(frame(0))
    enc.abort()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(EncodeError):
        enc.close()


def test_disk_full_during_mux(tmp_path):
    """An OSError(ENOSPC) from the muxer becomes an EncodeError; the temp file is removed."""
    import errno

    target = tmp_path / "full.mp4"
    target.write_bytes(b"old")
    enc = Encoder(target, width=W, height=H, fps=FPS, preset=PRESETS["h264"])
    def failing_mux(packets):
        raise OSError(errno.ENOSPC, "No space left on device")

    enc._container = _MuxProxy(enc._container, failing_mux)
    with pytest.raises(EncodeError, match="disk space"):
        for i in range(N):
            enc.write_frame(frame(i))
        enc.close()
    assert leftovers(tmp_path) == []
    assert target.read_bytes() == b"old"


class _MuxProxy:
    """Wraps an output container so mux() can fail like a full disk."""

    def __init__(self, container, mux):
        self._c, self.mux = container, mux

    def __getattr__(self, name):
        return getattr(self._c, name)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs RLIMIT_FSIZE and SIGXFSZ")
def test_real_write_failure_with_file_size_limit(tmp_path):
    """A real failing write (RLIMIT_FSIZE makes write() fail with EFBIG, like a full disk)."""
    target = tmp_path / "big.mp4"
    target.write_bytes(b"old")
    code = textwrap.dedent(f"""
        import resource, signal, sys
        import numpy as np
        from fractions import Fraction
        from t2v_desktop.errors import EncodeError
        from t2v_desktop.media.encoder import Encoder
        from t2v_desktop.media.presets import PRESETS
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))
        rng = np.random.default_rng(0)
        try:
            with Encoder({str(target)!r}, width=160, height=120, fps=Fraction(25), preset=PRESETS["prores"],
                         has_audio=False) as enc:
                for i in range(50):
                    enc.write_frame(rng.integers(0, 256, (120, 160, 3), dtype=np.uint8))
        except EncodeError as e:
            print("ENCODEERROR", e)
            sys.exit(0)
        sys.exit(3)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ENCODEERROR" in r.stdout
    assert leftovers(tmp_path) == []
    assert target.read_bytes() == b"old"


def test_finished_file_has_normal_permissions(tmp_path):
    out = write_clip(tmp_path / "p.mp4", PRESETS["h264"], n=3)
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's private 0600


def test_get_preset_and_extensions():
    assert get_preset("h264") is PRESETS["h264"]
    assert get_preset(PRESETS["gif"]) is PRESETS["gif"]
    with pytest.raises(ParamError, match="h264"):
        get_preset("potato")
    assert preset_for_path("a.MP4").name == "h264"
    assert preset_for_path("a.webm").name == "vp9-webm"
    assert preset_for_path("a.gif").name == "gif"
    assert preset_for_path("a.m4a").name == "audio-only"
    assert preset_for_path("a.mov").name == "prores"
    with pytest.raises(ParamError):
        preset_for_path("a.doc")
    for p in PRESETS.values():
        assert p.extension.startswith(".")
        assert (p.video_codec is None) == (p.pix_fmt is None)
    assert PRESETS["gif"].max_fps == 15 and PRESETS["gif"].audio_codec is None
    assert PRESETS["social-9x16"].frame_size == (1080, 1920)
    assert PRESETS["youtube-1080p"].max_size == (1920, 1080)


@pytest.mark.parametrize("w,h,space", [(1280, 720, 1), (64, 48, 6)])
def test_matrix_and_tags_follow_the_size(tmp_path, w, h, space):
    # HD: BT.709, SD: BT.601 (what players assume of untagged files), tagged either way.
    colours = [(200, 50, 30), (20, 160, 220)]
    out = tmp_path / "t.mp4"
    with Encoder(out, width=w, height=h, fps=FPS, preset=PRESETS["h264"], has_audio=False) as enc:
        for c in colours:
            enc.write_frame(np.full((h, w, 3), c, np.uint8))
    with av.open(str(out)) as c:
        cc = c.streams.video[0].codec_context
        assert (cc.colorspace, cc.color_primaries, cc.color_trc, cc.color_range) == (space, 1, 1, 1)
        raw = [f.to_ndarray(format="yuv420p")[: h // 2, : w // 2].mean() for f in c.decode(video=0)]
    # the luma of the red frame tells the matrix: BT.709 weights red less than BT.601 does
    y709 = 16 + 219 * (0.2126 * 200 + 0.7152 * 50 + 0.0722 * 30) / 255
    y601 = 16 + 219 * (0.299 * 200 + 0.587 * 50 + 0.114 * 30) / 255
    assert raw[0] == pytest.approx(y709 if space == 1 else y601, abs=1.5)
    with FrameSource(out) as fs:
        for i, c in enumerate(colours):
            got = fs.frame(i)[h // 4: 3 * h // 4, w // 4: 3 * w // 4].reshape(-1, 3).mean(0)
            assert np.abs(got - c).max() < 4, (c, got)
