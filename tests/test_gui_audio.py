"""Preview sound: the bytes fed to the sink are the Renderer's samples for the played span.

No sound device is needed: a fake sink hands out a QBuffer as its QIODevice and reports
``processedUSecs`` as the test sets it, so the clock logic is driven step by step.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QBuffer, QIODevice  # noqa: E402
from PySide6.QtWidgets import QMainWindow  # noqa: E402

from t2v_desktop.project.model import AppliedOp, Project  # noqa: E402
from t2v_desktop.engine.render import Renderer  # noqa: E402
from t2v_desktop.gui import audio_out  # noqa: E402
from t2v_desktop.gui.audio_out import AudioFeeder, AudioOut, pcm_bytes  # noqa: E402

SR = 48000


class FakeSink:
    """Stands in for QAudioSink: push mode into a QBuffer of ``capacity`` bytes; what the device
    has consumed (room) and played (``processed_us``) are set by the test."""

    def __init__(self, capacity: int = 1 << 30, error: str = "NoError"):
        self.capacity, self.consumed, self.processed_us, self.err = capacity, 0, 0, error
        self.buf = None
        self.state, self.starts = "stopped", 0

    def start(self):
        self.buf = QBuffer()
        self.buf.open(QIODevice.WriteOnly)
        self.state, self.processed_us, self.consumed = "active", 0, 0
        self.starts += 1
        return self.buf

    def stop(self):
        self.state = "stopped"

    def suspend(self):
        self.state = "suspended"

    def resume(self):
        self.state = "active"

    def bytesFree(self):
        return self.capacity - (len(self.data()) - self.consumed)

    def processedUSecs(self):
        return self.processed_us

    def error(self):
        from PySide6.QtMultimedia import QtAudio

        return getattr(QtAudio.Error, self.err)

    def data(self) -> bytes:
        return bytes(self.buf.data())


def factory(sink, fmt="float"):
    return lambda sr, ch: (sink, fmt, ch)


def project_of(path, *ops) -> Project:
    p = Project.from_media(str(path))
    p.main_track.clips[0].ops.extend(ops)
    return p


def expected(project, s0, n, fmt="float", channels=2) -> bytes:
    """What export would play: a fresh Renderer (decoding after a seek may differ by ~1e-6)."""
    with Renderer(project) as r:
        return pcm_bytes(r.read_audio(s0, s0 + n), fmt, channels)


def wait_bytes(qtbot, out: AudioOut, sink: FakeSink, nbytes: int):
    def enough():
        out.pump()
        return len(sink.data()) >= nbytes
    qtbot.waitUntil(enough, timeout=10000)
    return sink.data()


def test_pcm_bytes_interleaves_and_converts():
    x = np.array([[0.5, -1.0, 2.0], [0.25, 0.0, -2.0]], np.float32)
    f = np.frombuffer(pcm_bytes(x, "float", 2), "<f4")
    assert f.tolist() == [0.5, 0.25, -1.0, 0.0, 2.0, -2.0]
    i = np.frombuffer(pcm_bytes(x, "int16", 2), "<i2")
    assert i.tolist() == [16384, 8192, -32767, 0, 32767, -32767]  # clipped, not wrapped
    mono = np.frombuffer(pcm_bytes(x, "float", 1), "<f4")
    assert mono.tolist() == pytest.approx([0.375, -0.5, 0.0])
    up = np.frombuffer(pcm_bytes(x[:1], "float", 2), "<f4")
    assert up.tolist() == [0.5, 0.5, -1.0, -1.0, 2.0, 2.0]


def test_feeder_writes_whole_frames_only_as_far_as_there_is_room():
    buf = QBuffer()
    buf.open(QIODevice.WriteOnly)
    f = AudioFeeder(bytes_per_frame=8)
    f.push(bytes(range(40)))
    assert f.pump(buf, 13) == 8 and f.pending == 32  # 13 bytes of room: one whole frame
    assert f.pump(buf, 100) == 32 and f.pending == 0
    assert bytes(buf.data()) == bytes(range(40)) and f.written == 40


@pytest.mark.parametrize("fmt", ["float", "int16"])
def test_feeds_exactly_the_renderers_samples_from_the_start_time(qtbot, make_clip, fmt):
    clip = make_clip(duration=1.5, clicks=True)
    project = project_of(clip, AppliedOp("volume", {"gain_db": -6.0}, range=(0.4, 0.9)))
    sink = FakeSink()
    out = AudioOut(sink_factory=factory(sink, fmt))
    try:
        out.set_project(project, 1.0, 1.5)
        assert out.start(0.3)
        s0 = round(0.3 * SR)
        assert out.start_sample == s0
        n = SR  # one second: crosses the volume range, chunk boundaries and the clicks
        bps = 2 * (2 if fmt == "int16" else 4)
        got = wait_bytes(qtbot, out, sink, n * bps)[: n * bps]
        want = expected(project, s0, n, fmt)
        if fmt == "float":
            np.testing.assert_allclose(np.frombuffer(got, "<f4"), np.frombuffer(want, "<f4"), atol=1e-5)
        else:
            assert np.abs(np.frombuffer(got, "<i2").astype(int) - np.frombuffer(want, "<i2")).max() <= 1
        # past the end of the timeline: silence (the tail that lets the clock reach the last frame)
        total = round(1.5 * SR)
        tail = wait_bytes(qtbot, out, sink, (total - s0 + int(0.2 * SR)) * bps)[(total - s0) * bps:]
        assert not any(tail)
    finally:
        out.shutdown()


def test_sink_room_bounds_what_is_written(qtbot, make_clip):
    sink = FakeSink(capacity=4096)
    out = AudioOut(sink_factory=factory(sink))
    try:
        out.set_project(project_of(make_clip(duration=1.0)), 1.0, 1.0)
        out.start(0.0)
        qtbot.waitUntil(lambda: (out.pump(), len(sink.data()))[1] == 4096, timeout=10000)
        for _ in range(5):
            out.pump()
        assert len(sink.data()) == 4096  # never more than the sink has room for
        sink.consumed = 4000  # the device took 4000 bytes: room for 500 more whole frames
        out.pump()
        assert len(sink.data()) == 8096
    finally:
        out.shutdown()


def test_muted_track_and_mute_toggle_feed_nothing(qtbot, make_clip):
    project = project_of(make_clip(duration=1.0))
    project.main_track.muted = True
    sink = FakeSink()
    out = AudioOut(sink_factory=factory(sink))
    try:
        out.set_project(project, 1.0, 1.0)
        assert not out.start(0.0) and sink.starts == 0
        project.main_track.muted = False
        out.set_project(project, 1.0, 1.0)
        out.set_muted(True)
        assert not out.start(0.0) and sink.starts == 0
        out.set_muted(False)
        assert out.start(0.0) and sink.starts == 1
    finally:
        out.shutdown()


def test_no_device_keeps_the_preview_playing_silently_with_one_note(qtbot, make_clip, monkeypatch):
    monkeypatch.setenv("T2V_PREVIEW_AUDIO", "0")
    assert audio_out._default_devices() is None
    from t2v_desktop.gui.preview import PreviewPanel

    win = QMainWindow()
    qtbot.addWidget(win)
    panel = PreviewPanel(win)
    win.setCentralWidget(panel)
    notes = []
    panel.audio.note.connect(notes.append)
    project = project_of(make_clip(duration=1.0))
    panel.set_project(project, fps=25, frame_count=25, duration=1.0, width=160, height=120)
    try:
        for _ in range(2):
            panel.play()
            assert panel.rate == 1.0 and not panel.audio_sync
            qtbot.waitUntil(lambda: not panel.rate, timeout=10000)  # played to the end, silently
            assert panel.shown_index == 24
        assert len(notes) == 1 and "silently" in notes[0]
        assert "silently" in win.statusBar().currentMessage()
    finally:
        panel.shutdown()


def test_failing_sink_falls_back_to_silence_then_finds_a_new_device(qtbot, make_clip, monkeypatch):
    sink = FakeSink(error="OpenError")
    out = AudioOut(sink_factory=factory(sink))
    notes = []
    out.note.connect(notes.append)
    try:
        out.set_project(project_of(make_clip(duration=1.0)), 1.0, 1.0)
        assert not out.start(0.0)
        assert out.available is False and len(notes) == 1
        assert not out.start(0.0) and len(notes) == 1  # said once
        monkeypatch.setattr(audio_out, "RETRY_DEVICE", 0.0)  # later: headphones plugged in
        good = FakeSink()
        out.sink_factory = factory(good)
        assert out.start(0.0) and out.available and good.starts == 1 and len(notes) == 1
    finally:
        out.shutdown()


@pytest.fixture
def panel(qtbot, make_clip):
    from t2v_desktop.gui.preview import PreviewPanel

    p = PreviewPanel()
    qtbot.addWidget(p)
    p.sink = FakeSink()
    p.audio.sink_factory = factory(p.sink)
    p.project = project_of(make_clip(duration=2.0))
    p.set_project(p.project, fps=25, frame_count=50, duration=2.0, width=160, height=120)
    yield p
    p.pause()
    p.shutdown()


def test_audio_clock_drives_the_video_and_seek_restarts_the_sound(panel, qtbot):
    panel.seek(0.4)
    panel.play()
    assert panel.audio_sync and panel.sink.starts == 1 and panel.audio.start_sample == round(0.4 * SR)
    panel._tick()
    assert panel.position == pytest.approx(0.4)  # the sound has not started: the video waits
    panel.sink.processed_us = int((0.5 + audio_out.OUTPUT_LATENCY) * 1e6)
    panel._tick()
    assert panel.position == pytest.approx(0.9)  # start + processed - output latency
    panel.seek(1.2)
    assert panel.sink.starts == 2 and panel.audio.start_sample == round(1.2 * SR)
    n = SR // 2
    got = wait_bytes(qtbot, panel.audio, panel.sink, n * 8)[: n * 8]
    np.testing.assert_allclose(np.frombuffer(got, "<f4"),
                               np.frombuffer(expected(panel.project, round(1.2 * SR), n), "<f4"), atol=1e-5)


def test_pause_suspends_and_play_resumes_the_same_span(panel):
    panel.play()
    panel.sink.processed_us = int((0.2 + audio_out.OUTPUT_LATENCY) * 1e6)
    panel._tick()
    panel.pause()
    assert panel.sink.state == "suspended" and panel.position == pytest.approx(0.2)
    panel.play()
    assert panel.sink.state == "active" and panel.sink.starts == 1  # resumed, not restarted
    panel.pause()
    panel.seek(1.0)  # moved while paused: the next play starts a new span there
    panel.play()
    assert panel.sink.starts == 2 and panel.audio.start_sample == SR


def test_shuttle_speeds_reverse_and_mute_are_silent(panel):
    panel.play()
    assert panel.audio_sync
    panel.jkl("l")  # 2x
    assert panel.rate == 2.0 and not panel.audio_sync and panel.sink.state == "stopped"
    panel.jkl("j")  # reverse
    assert panel.rate == -1.0 and not panel.audio_sync
    panel.pause()
    panel.play()
    assert panel.audio_sync and panel.sink.state == "active"
    panel.mute_btn.click()
    assert panel.audio.muted and panel.mute_btn.isChecked()
    assert not panel.audio_sync and panel.sink.state == "stopped" and panel.rate == 1.0
    panel.set_muted(False)
    assert panel.audio_sync and panel.sink.state == "active"
