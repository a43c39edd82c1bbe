"""The transcript panel: words from espeak-ng speech, seek by word, cut words (one undo), correct a
word's caption, background transcription with cancel."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from speech_media import RATE, need_espeak, slow_transcriber, spoken_words

from t2v_desktop.speech.transcript import Transcript, words_from

WORDS = ["hello", "storm", "window", "river", "yellow", "garden"]


@pytest.fixture(scope="module")
def speech_clip(tmp_path_factory):
    """A 25 fps video whose sound is espeak-ng saying WORDS; (path, [(word, start, end)])."""
    need_espeak()
    d = tmp_path_factory.mktemp("tp")
    times = spoken_words(WORDS, d / "speech.wav")
    import wave

    with wave.open(str(d / "speech.wav")) as wf:
        pcm = np.frombuffer(wf.readframes(wf.getnframes()), np.int16).astype(np.float32) / 32768
        rate = wf.getframerate()
    assert rate == RATE
    path = d / "speech.mp4"
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        aus = out.add_stream("aac", rate=rate)
        aus.layout = "mono"
        n = int(len(pcm) / rate * 25)
        for i in range(n):
            img = np.full((48, 64, 3), (i * 5) % 255, np.uint8)
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        for a in range(0, len(pcm), 1024):
            fr = av.AudioFrame.from_ndarray(pcm[None, a:a + 1024].copy(), format="flt", layout="mono")
            fr.sample_rate, fr.pts, fr.time_base = rate, a, Fraction(1, rate)
            for p in aus.encode(fr):
                out.mux(p)
        for p in aus.encode():
            out.mux(p)
    return path, times


def _fake_transcriber(times):
    """Known word times on the file's own clock (what speech.asr.transcribe returns)."""
    def transcribe(path, *, progress=None, cancel=None, **kw):
        if progress:
            progress(1, 1, "done")
        return Transcript(words_from(times), "en", "espeak", times[-1][2] + 0.5)
    return transcribe


def _window_with(main_window, qtbot, path, times, n_clips=1):
    w = main_window
    w.add_clips([str(path)] * n_clips)
    qtbot.waitUntil(lambda: len(w.project.main_track.clips) == n_clips, timeout=10000)
    job = w.transcript_panel.start_transcription(_fake_transcriber(times))
    qtbot.waitUntil(lambda: job.state == "done", timeout=10000)
    qtbot.waitUntil(lambda: len(w.transcript_panel.transcript.words) == len(times) * n_clips, timeout=5000)
    return w, w.transcript_panel


def _duration(w) -> float:
    from t2v_desktop.engine.layout import TimelineLayout

    lay = TimelineLayout(w.project)
    return lay.frame_count, lay.fps


def test_words_shown_and_clicking_a_word_seeks(main_window, qtbot, speech_clip):
    path, times = speech_clip
    w, panel = _window_with(main_window, qtbot, path, times, n_clips=2)
    assert panel.text.toPlainText().split() == WORDS * 2
    clip_len = w.project.main_track.clips[0]
    from t2v_desktop.engine.layout import TimelineLayout

    c0, c1 = TimelineLayout(w.project).clip_span(w.project.main_track.clips[1].id)
    assert clip_len is not None
    # the second clip's words sit at its start on the programme
    assert abs(panel.transcript.words[len(WORDS) + 2].start - (c0 + times[2][1])) <= 0.5 / 25 + 1e-6
    # a real mouse click on the word "river" seeks the playhead to its start
    k = 3
    rect = panel.text.cursorRect(_cursor_at(panel, panel._offsets[k][0] + 1))
    from PySide6.QtCore import Qt

    qtbot.mouseClick(panel.text.viewport(), Qt.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: abs(w.preview.position - times[k][1]) < 1 / 25 + 1e-6, timeout=5000)
    panel.set_playhead(times[k][1] + 0.01)
    assert panel.current_word == k
    assert panel.text.extraSelections()[0].cursor.selectedText() == "river"


def _cursor_at(panel, pos):
    c = panel.text.textCursor()
    c.setPosition(pos)
    return c


def test_delete_two_words_cuts_exactly_their_span_one_undo(main_window, qtbot, speech_clip):
    path, times = speech_clip
    w, panel = _window_with(main_window, qtbot, path, times)
    frames0, fps = _duration(w)
    from PySide6.QtCore import Qt

    # select "storm window" with the mouse: click in "storm", shift-click in "window"
    a = panel.text.cursorRect(_cursor_at(panel, panel._offsets[1][0] + 1)).center()
    b = panel.text.cursorRect(_cursor_at(panel, panel._offsets[2][1] - 1)).center()
    qtbot.mouseClick(panel.text.viewport(), Qt.LeftButton, pos=a)
    qtbot.mouseClick(panel.text.viewport(), Qt.LeftButton, Qt.ShiftModifier, pos=b)
    assert panel.selected_words() == (1, 2)

    panel.text.setFocus()
    qtbot.keyClick(panel.text, Qt.Key_Delete)
    s, e = times[1][1], times[2][2]
    span_frames = round(e * fps) - round(s * fps)
    frames1, _ = _duration(w)
    assert frames0 - frames1 == span_frames > 0
    assert panel.text.toPlainText().split() == ["hello", "river", "yellow", "garden"]
    # words after the cut moved earlier by the cut's length
    river = panel.transcript.words[1]
    assert abs(river.start - (times[3][1] - span_frames / float(fps))) <= 0.5 / float(fps) + 1e-6
    # the sound: the programme is shorter by the span, and where "storm" was there is now the pause
    # after "window" (silence), then "river"
    from t2v_desktop.engine.render import Renderer

    r = Renderer(w.project)
    try:
        sr = r.sample_rate
        assert r.layout.frame_count == frames1
        quiet = r.audio(s + 0.02, s + 0.2)
        loud = r.audio(river.start + 0.05, river.end - 0.05)
    finally:
        r.close()
    assert np.sqrt(np.mean(quiet ** 2)) < 0.1 * np.sqrt(np.mean(loud ** 2))
    assert sr > 0
    w.undo_stack.undo()
    assert _duration(w)[0] == frames0
    assert panel.text.toPlainText().split() == WORDS  # undo brings the words back at their times
    assert abs(panel.transcript.words[3].start - times[3][1]) <= 0.5 / float(fps) + 1e-6
    w.undo_stack.redo()
    assert _duration(w)[0] == frames1
    assert panel.text.toPlainText().split() == ["hello", "river", "yellow", "garden"]


def test_correcting_a_word_changes_the_cue_not_the_video(main_window, qtbot, speech_clip):
    path, times = speech_clip
    w, panel = _window_with(main_window, qtbot, path, times)
    from t2v_desktop.project.history import AddSubtitleTrack
    from t2v_desktop.project.model import Cue, SubtitleTrack

    cues = [Cue(times[0][1], times[2][2], "hello storm window"), Cue(times[3][1], times[5][2], "river yellow garden")]
    assert w.push(AddSubtitleTrack(SubtitleTrack(cues=cues)))
    frames0, _ = _duration(w)
    panel.correct_word(1, "Storm!")
    assert w.project.subtitle_tracks[0].cues[0].text == "hello Storm! window"
    assert w.project.subtitle_tracks[0].cues[1].text == "river yellow garden"
    assert panel.transcript.words[1].text == "Storm!"
    assert _duration(w)[0] == frames0


def test_background_transcription_can_be_cancelled(main_window, qtbot, speech_clip):
    path, times = speech_clip
    w = main_window
    w.add_clips([str(path)])
    qtbot.waitUntil(lambda: len(w.project.main_track.clips) == 1, timeout=10000)
    slow, started = slow_transcriber()

    job = w.transcript_panel.start_transcription(slow)
    assert started.wait(5)
    job.cancel()
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=5000)
    qtbot.waitUntil(lambda: "cancelled" in w.transcript_panel.status.text(), timeout=5000)
    assert w.transcript_panel.transcript.words == ()


def test_real_transcription_lands_on_programme_time(main_window, qtbot, speech_clip):
    """speech.asr.transcribe (pocketsphinx) in the background; the words fall inside the speech."""
    path, times = speech_clip
    w = main_window
    w.add_clips([str(path)])
    qtbot.waitUntil(lambda: len(w.project.main_track.clips) == 1, timeout=10000)
    job = w.transcript_panel.start_transcription()
    qtbot.waitUntil(lambda: job.state in ("done", "failed"), timeout=60000)
    assert job.state == "done", job.error
    # the job's state turns "done" on its worker thread; the panel takes the words in a queued slot
    qtbot.waitUntil(lambda: len(w.transcript_panel.transcript.words) >= 3, timeout=5000)
    words = w.transcript_panel.transcript.words
    assert all(times[0][1] - 0.3 <= x.start < x.end <= times[-1][2] + 0.3 for x in words)
    assert w.transcript_panel.text.toPlainText().split() == [x.text for x in words]


def test_words_follow_speed_and_cut_ops_through_the_time_maps(speech_clip):
    """Re-transcribing an edited clip (speed 2x, then a cut) places each word where it now plays."""
    from t2v_desktop.engine.layout import TimelineLayout
    from t2v_desktop.project.model import AppliedOp, Clip, Project
    from t2v_desktop.speech.programme import programme_transcript

    path, times = speech_clip
    clip = Clip(str(path), in_point=0.2)
    clip.ops.append(AppliedOp("speed", {"factor": 2.0}))
    project = Project()
    project.main_track.items.append(clip)
    tr = programme_transcript(project, _fake_transcriber(times))
    fps = float(TimelineLayout(project).fps)
    assert [x.text for x in tr.words] == WORDS
    for x, (_t, s, e) in zip(tr.words, times, strict=True):
        assert abs(x.start - (s - 0.2) / 2) <= 1.5 / fps and abs(x.end - (e - 0.2) / 2) <= 1.5 / fps
    # cut "storm" (at half speed time) out: it is gone and the later words are earlier by the cut
    a, b = (times[1][1] - 0.2) / 2, (times[1][2] - 0.2) / 2 + 0.02
    clip.ops.append(AppliedOp("cut", {}, (a, b)))
    tr2 = programme_transcript(project, _fake_transcriber(times))
    assert [x.text for x in tr2.words] == [x for x in WORDS if x != "storm"]
    assert abs(tr2.words[2].start - (tr.words[3].start - (b - a))) <= 1.5 / fps
