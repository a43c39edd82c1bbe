"""Odd but valid footage (edit lists, FLV1 + MP3, codecs this build lacks, a 1x1 picture) and
unusable paths (too long, through a file, unsearchable, a FIFO, a device): read correctly, or
refused with one clear MediaError line; never an internal error, never a hang."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from t2v_desktop.engine.export import export_project, plan_layout
from t2v_desktop.project.model import Project
from t2v_desktop.errors import MediaError
from t2v_desktop.media.audio import AudioSource
from t2v_desktop.media.frames import FrameSource
from t2v_desktop.media.info import probe
from t2v_desktop.media.presets import get_preset
from t2v_desktop.media.synth import (
    encode_frame_number,
    make_flv_clip,
    make_numbered_clip,
    make_test_clip,
    make_unknown_sound_clip,
    pattern_frame,
    read_frame_number,
)


def one_line_media_error(fn, *args, words=()):
    with pytest.raises(MediaError) as e:
        fn(*args)
    msg = str(e.value)
    assert "\n" not in msg and len(msg) < 400, msg
    for w in words:
        assert w.lower() in msg.lower(), msg
    return msg


# ----------------------------------------------------------------------------- edit lists
def stream_copy_cut(src: Path, dst: Path, cut: float) -> Path:
    """What `ffmpeg -ss CUT -i src -c copy dst` writes, with PyAV: every packet kept (the video
    must decode from the keyframe before CUT) and shifted so CUT is time 0; the MP4 muxer turns
    the negative times into an edit list that hides the lead-in."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        streams = {s.index: out.add_stream_from_template(s) for s in inp.streams}
        for pkt in inp.demux():
            if pkt.dts is None:
                continue
            shift = int(round(cut / pkt.time_base))
            pkt.pts -= shift
            pkt.dts -= shift
            pkt.stream = streams[pkt.stream.index]
            out.mux(pkt)
    return dst


@pytest.fixture(scope="module")
def edit_list_clip(tmp_path_factory):
    d = tmp_path_factory.mktemp("editlist")
    # 90 numbered frames at 30 fps, one keyframe (GOP 60 > 0.7 s), a click at each whole second
    src = make_test_clip(d / "src.mp4", fps=30, duration=3.0, gop=60, clicks=True, tone_hz=100.0)
    dst = stream_copy_cut(src, d / "cut.mp4", 0.7)
    data = dst.read_bytes()
    assert b"elst" in data  # the muxer did write an edit list
    return dst


def test_edit_list_hides_the_lead_in(edit_list_clip):
    info = probe(edit_list_clip)
    assert info.frame_count == 69  # 90 - 21 hidden frames
    assert info.duration == pytest.approx(2.3, abs=0.02)
    assert info.start_time == 0.0
    with FrameSource(edit_list_clip) as fs:
        assert fs.frame_count == 69
        assert [read_frame_number(f) for f in fs.iter_frames()] == list(range(21, 90))
        for i in (0, 40, 5, 68, 0):
            assert read_frame_number(fs.frame(i)) == 21 + i


def test_edit_list_sound_starts_at_the_cut(edit_list_clip):
    with AudioSource(edit_list_clip) as a:
        assert a.duration == pytest.approx(2.3, abs=0.03)
        mono = a.read(0, 2.3)[0]
    clicks = np.flatnonzero(np.abs(mono) > 0.6)
    starts = clicks[np.concatenate([[True], np.diff(clicks) > 100])] / 48000
    assert starts[:2] == pytest.approx([0.3, 1.3], abs=0.01)  # source seconds 1 and 2


def test_edit_list_export_has_no_lead_in(edit_list_clip, tmp_path):
    out = tmp_path / "out.mp4"
    res = export_project(Project.from_media(str(edit_list_clip)), out, "h264")
    assert res.frames == 69
    with av.open(str(out)) as c:
        got = [read_frame_number(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    assert got == list(range(21, 90))


# ----------------------------------------------------------------------------- FLV1 + MP3
@pytest.fixture(scope="module")
def flv_clip(tmp_path_factory):
    return make_flv_clip(tmp_path_factory.mktemp("flv") / "old.flv")


def test_flv1_decodes_and_seeks(flv_clip):
    info = probe(flv_clip)
    assert info.video_codec == "flv" and info.frame_count == 50 and info.has_audio
    with FrameSource(flv_clip) as fs:
        assert [read_frame_number(f) for f in fs.iter_frames()] == list(range(50))
        idx = [30, 2, 49, 0, 13, 1, 40, 0]
        assert [read_frame_number(fs.frame(i)) for i in idx] == idx


def test_flv_sound_seeks_back_to_the_start(flv_clip):
    with AudioSource(flv_clip, sample_rate=44100) as a:
        whole = a.read(0.0, 1.9)
    with AudioSource(flv_clip, sample_rate=44100) as a:
        late = a.read(1.0, 1.2)  # forward first
        early = a.read(0.1, 0.3)  # then back before the first index entry (FLV: EPERM)
        start = a.read(0.0, 0.2)
        assert a.seeks >= 2
    assert np.abs(whole).max() > 0.2  # there is a tone to compare
    for got, t in ((late, 1.0), (early, 0.1), (start, 0.0)):
        # FLV stamps packets in whole milliseconds, so a read after a seek may sit up to half
        # a millisecond (22 samples) off the sequential one: never more, and the same sound.
        s, n = int(round(t * 44100)), got.shape[1]
        err = {k: np.abs(got - whole[:, s + k:s + k + n]).max() for k in range(-40, 41) if s + k >= 0}
        lag = min(err, key=err.get)
        assert abs(lag) <= 23 and err[lag] < 0.01, (t, lag, err[lag])


# ----------------------------------------------------------------------------- codecs we lack
def patched(src: Path, dst: Path, old: bytes, new: bytes) -> Path:
    data = src.read_bytes()
    assert old in data
    dst.write_bytes(data.replace(old, new))
    return dst


def test_video_of_an_unknown_codec_is_a_clear_error(tmp_path):
    src = make_test_clip(tmp_path / "a.mp4", duration=0.5)
    bad = patched(src, tmp_path / "unknown.mp4", b"avc1", b"zzzz")  # the sample entry's codec tag
    with av.open(str(bad)) as c:
        assert c.streams.video[0].codec_context is None  # the stream has no codec
    for fn in (probe, FrameSource, AudioSource):
        one_line_media_error(fn, bad, words=("unknown.mp4", "codec"))


def test_sound_of_an_unknown_codec_is_left_out_and_said(tmp_path):
    bad = make_unknown_sound_clip(tmp_path / "unknown-sound.avi")
    info = probe(bad)
    assert info.has_video and info.frame_count == 10 and not info.has_audio
    assert any("sound" in n and "left out" in n for n in info.notes)
    with FrameSource(bad) as fs:
        assert fs.frame(9).mean() == pytest.approx(180, abs=3)
    with AudioSource(bad) as a:
        assert not a.read(0, 0.2).any()


def test_cli_apply_says_the_sound_it_left_out(tmp_path):
    bad, out = make_unknown_sound_clip(tmp_path / "unknown-sound.avi"), tmp_path / "out.mp4"
    r = subprocess.run([sys.executable, "-m", "t2v_desktop", "apply", str(bad), "make it brighter", "-o", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert any(line.startswith("note: ") and "left out" in line for line in r.stderr.splitlines()), r.stderr
    assert probe(out).frame_count == 10


def test_audio_only_file_of_an_unknown_codec_is_a_clear_error(tmp_path):
    src = make_test_clip(tmp_path / "a.m4a", video=False, duration=0.5)
    bad = patched(src, tmp_path / "unknown.m4a", b"mp4a", b"zzzz")
    data = bytearray(bad.read_bytes())
    at = data.find(b"esds")
    data[at:at + 4] = b"zzzz"  # and its decoder description, so nothing names AAC
    bad.write_bytes(bytes(data))
    with av.open(str(bad)) as c:
        if c.streams.audio and c.streams.audio[0].codec_context is not None:
            pytest.skip("this ffmpeg still recognises the patched audio stream")
    one_line_media_error(probe, bad, words=("unknown.m4a",))


# ----------------------------------------------------------------------------- size changes
def test_mid_stream_size_change_keeps_the_probed_size(tmp_path):
    """Broadcast TS and screen recordings change resolution mid-stream; every frame FrameSource
    returns must still have the size probe reported (ops and the encoder rely on it)."""
    path = tmp_path / "switch.ts"
    with av.open(str(path), "w", format="mpegts") as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = 160, 120, "yuv420p"
        opts = {"bf": "0", "g": "10", "preset": "ultrafast"}
        vs.options = opts
        big = av.CodecContext.create("libx264", "w")
        big.width, big.height, big.pix_fmt = 320, 240, "yuv420p"
        big.time_base, big.framerate, big.options = Fraction(1, 25), 25, opts
        for i in range(40):
            size = (160, 120) if i < 20 else (320, 240)
            img = pattern_frame(i, *size)
            encode_frame_number(img, i)
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            vf.pts, vf.time_base = i, Fraction(1, 25)
            if i == 20:
                out.mux(vs.encode())
            if i < 20:
                out.mux(vs.encode(vf))
                continue
            for pkt in big.encode(vf):
                pkt.stream, pkt.time_base = vs, Fraction(1, 25)
                out.mux(pkt)
        for pkt in big.encode(None):
            pkt.stream, pkt.time_base = vs, Fraction(1, 25)
            out.mux(pkt)
    info = probe(path)
    assert (info.width, info.height, info.frame_count) == (160, 120, 40)
    with FrameSource(path) as fs:
        frames = list(fs.iter_frames())
    assert [read_frame_number(f) for f in frames] == list(range(40))
    assert {f.shape for f in frames} == {(120, 160, 3)}


# ----------------------------------------------------------------------------- 1x1 pictures
def test_one_by_one_video_is_scaled_and_says_so(tmp_path, caplog):
    src = make_numbered_clip(tmp_path / "dot.mkv", n_frames=5, width=1, height=1, codec="ffv1",
                             pix_fmt="yuv444p")
    assert (probe(src).width, probe(src).height) == (1, 1)
    lay = plan_layout(1, 1, Fraction(25), get_preset("h264"))
    assert (lay.width, lay.height) == (2, 2)
    assert lay.notes and "1x1" in lay.notes[0] and "2x2" in lay.notes[0]
    with caplog.at_level("WARNING"):
        res = export_project(Project.from_media(str(src)), tmp_path / "dot.mp4", "h264")
    assert (res.width, res.height) == (2, 2) and res.frames == 5
    assert any("1x1" in r.getMessage() and "2x2" in r.getMessage() for r in caplog.records)
    # sizes that need no growth say nothing
    assert plan_layout(160, 120, Fraction(25), get_preset("h264")).notes == ()
    assert plan_layout(1, 1, Fraction(25), get_preset("gif")).notes == ()


# ----------------------------------------------------------------------------- paths
def test_missing_file(tmp_path):
    one_line_media_error(probe, tmp_path / "gone.mp4", words=("not found", "gone.mp4"))


def test_file_name_too_long(tmp_path):
    one_line_media_error(probe, tmp_path / ("x" * 300 + ".mp4"), words=("too long", "304 bytes"))


def test_path_through_a_regular_file(clip, tmp_path):
    msg = one_line_media_error(probe, clip / "inner.mp4", words=("not found", "not a folder"))
    assert str(clip) in msg


def test_nul_in_path(tmp_path):
    one_line_media_error(probe, str(tmp_path / "a\0b.mp4"), words=("nul",))


def test_unsearchable_folder(clip, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    target = locked / "clip.mp4"
    target.write_bytes(clip.read_bytes())
    locked.chmod(0)
    try:
        if os.geteuid() != 0:
            msg = one_line_media_error(probe, target)
        else:  # root reads anything: ask as an unprivileged user in a child process
            msg = _probe_as_nobody(target)
            assert msg.startswith("MediaError:"), msg
        assert "permission denied" in msg.lower(), msg
    finally:
        locked.chmod(0o755)


def _probe_as_nobody(path: Path) -> str:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop to nobody, probe, report one line
        try:
            os.close(r)
            os.setgid(65534)
            os.setuid(65534)
            try:
                probe(path)
                msg = "OK"
            except MediaError as e:
                msg = f"MediaError: {e}"
            except BaseException as e:  # noqa: BLE001 - reported to the parent
                msg = f"{type(e).__name__}: {e}"
            os.write(w, msg.encode()[:4000])
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 4096)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode()


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    result = {}

    def run():
        try:
            probe(fifo)
        except Exception as e:  # noqa: BLE001 - inspected below
            result["e"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(20)
    if t.is_alive():  # blocked opening the FIFO: free it, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("probe blocked on a FIFO")
    assert isinstance(result.get("e"), MediaError)
    assert "not a regular file" in str(result["e"]) and "pipe" in str(result["e"])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_device_is_not_a_regular_file():
    for fn in (probe, FrameSource, AudioSource):
        one_line_media_error(fn, "/dev/zero", words=("not a regular file", "device"))


# ----------------------------------------------------------------------------- fuzz
def _bases(d: Path) -> list[Path]:
    return [
        make_test_clip(d / "base.mp4", width=64, height=48, duration=1.0, gop=5),
        make_test_clip(d / "base.mkv", width=64, height=48, duration=1.0, gop=5),
        make_test_clip(d / "base.m4a", video=False, duration=1.0),
        make_numbered_clip(d / "base.avi", n_frames=25, width=64, height=48, codec="mpeg4"),
        make_numbered_clip(d / "base.ts", n_frames=25, width=64, height=48, container_format="mpegts"),
        make_flv_clip(d / "base.flv", n_frames=25, width=64, height=48),
    ]


def _broken(base: Path, rng) -> list[tuple[str, bytes]]:
    data = base.read_bytes()
    n = len(data)
    noisy = bytearray(data)
    for at in rng.integers(n // 4, n, 40):
        noisy[at] = int(rng.integers(0, 256))
    holed = bytearray(data)
    holed[n // 3: n // 3 + n // 5] = bytes(n // 5)
    return [
        ("empty", b""),
        ("header32", data[:32]),
        ("header1k", data[:1024]),
        ("cut25", data[: n // 4]),
        ("cut60", data[: n * 6 // 10]),
        ("cut95", data[: n * 95 // 100]),
        ("noisy", bytes(noisy)),
        ("holed", bytes(holed)),
        ("magic+random", data[:16] + rng.integers(0, 256, 20_000, dtype=np.uint8).tobytes()),
        ("text", b"not a video, a shopping list\n" * 40),
    ]


def _exercise(path: Path) -> str:
    """Everything a user can make the readers do; returns what happened."""
    info = probe(path)
    if info.has_video:
        with FrameSource(path) as fs:
            n = sum(1 for _ in fs.iter_frames())
            assert n == fs.frame_count
            for i in (fs.frame_count - 1, 0, fs.frame_count // 2, 1):
                assert fs.frame(i).shape == (fs.height, fs.width, 3)
    with AudioSource(path) as a:
        a.read(0, a.duration + 0.1)
        for t in (a.duration / 2, 0.0, a.duration * 0.9):
            a.read(t, t + 0.05)
    return "read"


def test_only_media_error_escapes_on_broken_files(tmp_path):
    rng = np.random.default_rng(2026)
    outcomes = {}
    for base in _bases(tmp_path):
        for name, data in _broken(base, rng):
            p = tmp_path / f"{name}-{base.name}"
            p.write_bytes(data)
            try:
                outcomes[p.name] = _exercise(p)
            except MediaError as e:
                assert "\n" not in str(e), (p.name, str(e))
                outcomes[p.name] = "refused"
            except Exception as e:  # noqa: BLE001 - that is the failure this test looks for
                pytest.fail(f"{p.name}: {type(e).__name__}: {e}")
    assert outcomes["empty-base.mp4"] == "refused" and outcomes["text-base.mkv"] == "refused"
    assert "read" in outcomes.values()  # damaged-but-readable files are read, not refused


# ----------------------------------------------------------------------------- late first frame
def test_avi_with_b_frames_starts_at_its_first_frame(tmp_path):
    """MPEG-4 in AVI with B-frames declares a start of 0 while its first frame shows at pts 1:
    grid frame 0 must be source frame 0 (not a repeat of it), and no frame is lost at the end."""
    path = tmp_path / "bframes.avi"
    with av.open(str(path), "w") as out:
        vs = out.add_stream("mpeg4", rate=25)
        vs.width, vs.height, vs.pix_fmt = 160, 120, "yuv420p"
        vs.codec_context.max_b_frames = 2
        for i in range(20):
            img = pattern_frame(i, 160, 120, "gradient").copy()
            encode_frame_number(img, i)
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            vf.pts = i
            out.mux(vs.encode(vf))
        out.mux(vs.encode())
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert s.start_time == 0 and next(c.decode(s)).pts == 1  # the case itself
    with FrameSource(path) as fs:
        assert fs.frame_count == 20
        assert [read_frame_number(fs.frame(i)) for i in range(20)] == list(range(20))
