"""What playback costs the GUI thread (bench/preview.py measures the frame rates): a playhead move
repaints the timeline's playhead strips from its cached picture (no clip, thumbnail or waveform
drawn again), the bin asks a file for its duration once (also when it has none), thumbnails wait
while the preview plays, and a frame shown while playing is not copied."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")


def test_a_playhead_move_repaints_two_strips_from_the_cached_picture(main_window, make_clip, qtbot):
    w = main_window
    w.open_media(str(make_clip(duration=2.0)))
    qtbot.waitUntil(lambda: w.preview.frame is not None, timeout=10000)
    tl = w.timeline
    for _ in range(50):  # until every thumbnail and the waveform have arrived and been drawn
        n = tl.static_paints
        w.thumbs.pool.waitForDone(5000)
        qtbot.wait(100)
        if tl.static_paints == n and w.thumbs.pool.activeThreadCount() == 0:
            break
    before = tl.static_paints
    painted = []
    orig = tl.paintEvent

    def spy(ev):
        painted.extend(ev.region())
        orig(ev)

    tl.paintEvent = spy
    for t in (0.3, 0.6, 0.9, 1.2):
        tl.set_playhead(t)
        qtbot.wait(30)
    assert painted and tl.static_paints == before  # drawn from the picture
    # the old and the new playhead strips (17 px each), not the whole timeline
    assert sum(r.width() for r in painted) <= 4 * 2 * 17 + 8
    # the red playhead line is where the playhead is, on top of the cached rows
    img = tl.grab().toImage()
    x = int(round(tl.x_of(1.2)))
    c = img.pixelColor(x, tl.height() // 2)
    assert c.red() > 200 and c.green() < 120
    tl.select(w.project.all_clips()[0].id)  # a selection changes the picture: drawn again
    tl.repaint()
    assert tl.static_paints == before + 1


def test_the_bin_asks_a_file_without_a_duration_once(main_window, make_clip, monkeypatch):
    from t2v_desktop.gui import core

    calls = []
    monkeypatch.setattr(core, "source_duration", lambda p: calls.append(p) or None)
    song = str(make_clip(video=False, duration=1.0, ext="m4a"))
    for _ in range(5):
        assert main_window.bin.duration_of(song) is None
    assert calls == [song]


def test_thumbnails_wait_while_the_preview_plays(qtbot, make_clip):
    from t2v_desktop.gui.thumbs import ThumbCache

    cache = ThumbCache()
    try:
        path = str(make_clip(duration=1.0))
        cache.hold(True)
        assert cache.thumb(path, 0.5) is None
        qtbot.wait(300)
        cache.pool.waitForDone(5000)
        assert cache.thumb(path, 0.5) is None  # asked for, not loaded while held
        with qtbot.waitSignal(cache.updated, timeout=10000):
            cache.hold(False)
        img = cache.thumb(path, 0.5)
        assert img is not None and not img.isNull() and img.height() > 0
    finally:
        cache.close()


def test_a_frame_shown_while_playing_shares_its_memory_and_a_paused_one_is_copied():
    from t2v_desktop.gui.preview import to_qimage

    frame = np.zeros((4, 6, 3), np.uint8)
    frame[1, 2] = (10, 200, 30)
    shared, copied = to_qimage(frame, copy=False), to_qimage(frame)
    assert shared.pixelColor(2, 1).green() == 200 and copied.pixelColor(2, 1).green() == 200
    frame[1, 2] = (0, 0, 0)
    assert shared.pixelColor(2, 1).green() == 0 and copied.pixelColor(2, 1).green() == 200


def test_the_bin_takes_a_sound_file_and_puts_it_on_an_audio_track(main_window, make_clip, qtbot):
    """Music and voice files are listed (they were refused) and added to an audio track, where the
    mix plays them; undo takes them away in one step."""
    from t2v_desktop.engine.render import Renderer

    w = main_window
    w.open_media(str(make_clip(duration=2.0, tone_hz=440)))
    song = make_clip("song", video=False, duration=1.0, tone_hz=1000, ext="m4a")
    assert w.bin.add_paths([str(song)]) == [str(song.resolve())]
    assert "sound" in w.bin.list.item(w.bin.list.count() - 1).text()
    audio = [t for t in w.project.tracks if t.kind == "audio"]
    assert len(audio) == 1 and [c.path for c in audio[0].clips] == [str(song.resolve())]
    assert w.project.main_track.clips[0].path != str(song.resolve())  # not on the picture track
    with Renderer(w.project) as r:
        a = r.audio(0.0, 1.0)[0]  # the first second: 440 Hz clip + 1 kHz song
    spec = np.abs(np.fft.rfft(a))
    freqs = np.fft.rfftfreq(len(a), 1 / r.sample_rate)
    assert spec[np.argmin(abs(freqs - 1000))] > 20 * np.median(spec)
    w.undo_stack.undo()
    assert not any(t.kind == "audio" and t.clips for t in w.project.tracks)


@pytest.mark.parametrize("rotation", [0, 90])
def test_a_preview_decodes_straight_to_its_proxy_size_with_the_same_picture(tmp_path, rotation):
    """At a preview scale the source stage's decoder scales while converting from YUV (3x cheaper
    at 1080p than converting at full size, then resizing): the same picture as the full-size frame
    resized, rotation included."""
    from t2v_desktop.engine.render import Renderer
    from t2v_desktop.engine.stages import SourceStage, resize
    from t2v_desktop.media.synth import make_numbered_clip
    from t2v_desktop.project.model import Project

    src = make_numbered_clip(tmp_path / f"r{rotation}.mp4", n_frames=6, width=320, height=240, rotation=rotation)
    p = Project.from_media(str(src))
    with Renderer(p) as full, Renderer(p, preview_scale=0.5) as half:
        small = half.frame(3)
        want = resize(full.frame(3), (half.width, half.height))
        stage = next(st for _ch, stages in half._chains.values() for st in [_ch, *stages]
                     if isinstance(st, SourceStage))
        dec = stage.decoder()
    assert small.shape == want.shape == ((120, 160, 3) if rotation == 0 else (160, 120, 3))
    assert (dec.width, dec.height) == (small.shape[1], small.shape[0])  # decoded at the proxy size
    assert np.abs(small.astype(int) - want.astype(int)).mean() < 3.0
