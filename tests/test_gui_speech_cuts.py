"""Speech commands typed in the editor: the sound is analysed in a background job (progress, cancel
in Jobs), then the command applies as one undo step; "find where ... says" moves the playhead."""

from __future__ import annotations

import pytest
from speech_clips import FPS, aligned_transcriber, mux_clip, spoken_with_gaps
from speech_media import need_espeak, slow_transcriber

from t2v_desktop.commands import cut_commands
from t2v_desktop.engine.layout import TimelineLayout

WORDS = ["hello", "storm", "river", "garden"]


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    need_espeak()
    d = tmp_path_factory.mktemp("gsc")
    pcm, times = spoken_with_gaps(d, WORDS, [0.3, 1.2, 0.9])
    return mux_clip(d / "talk.mp4", pcm), times


def _open(w, qtbot, path):
    w.add_clips([str(path)])
    qtbot.waitUntil(lambda: len(w.project.main_track.clips) == 1, timeout=10000)


def _frames(w) -> int:
    return TimelineLayout(w.project).frame_count


def test_find_jumps_to_the_word_and_remove_silences_is_one_undo(main_window, qtbot, clip, monkeypatch):
    path, times = clip
    monkeypatch.setattr(cut_commands, "TRANSCRIBE", aligned_transcriber(" ".join(WORDS)))
    w = main_window
    _open(w, qtbot, path)
    assert w.apply_command("find where she says 'river'") is None  # a job first
    job = w.speech_job
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    qtbot.waitUntil(lambda: abs(w.preview.position - times[2][1]) <= 0.15, timeout=10000)
    assert w.undo_stack.count() == 1  # the clip added; find changed nothing

    frames0 = _frames(w)
    w.apply_command("cut pauses longer than 0.7 s")
    job = w.speech_job
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    qtbot.waitUntil(lambda: _frames(w) < frames0, timeout=10000)
    removed = (frames0 - _frames(w)) / FPS
    assert 0.8 < removed < 2.6  # lead 0.8, gaps 1.2 and 0.9 less their padding
    assert w.undo_stack.count() == 2
    w.undo_stack.undo()
    assert _frames(w) == frames0


def test_cancelling_the_analysis_cuts_nothing(main_window, qtbot, clip, monkeypatch):
    path, _times = clip
    slow, started = slow_transcriber()

    monkeypatch.setattr(cut_commands, "TRANSCRIBE", slow)
    w = main_window
    _open(w, qtbot, path)
    frames0 = _frames(w)
    w.apply_command("remove the filler words")
    job = w.speech_job
    assert started.wait(10)
    job.cancel()
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=5000)
    qtbot.waitUntil(lambda: "cancelled" in w.statusBar().currentMessage(), timeout=5000)
    assert _frames(w) == frames0 and w.project.main_track.clips[0].ops == []


def test_the_transcript_panel_follows_a_phrase_cut(main_window, qtbot, clip, monkeypatch):
    path, times = clip
    monkeypatch.setattr(cut_commands, "TRANSCRIBE", aligned_transcriber(" ".join(WORDS)))
    w = main_window
    _open(w, qtbot, path)
    job = w.transcript_panel.start_transcription(cut_commands.TRANSCRIBE)
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    qtbot.waitUntil(lambda: len(w.transcript_panel.transcript.words) == len(WORDS), timeout=5000)
    river = w.transcript_panel.transcript.words[2].start
    w.apply_command("cut the part where I say 'storm'")
    job = w.speech_job
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    qtbot.waitUntil(lambda: w.transcript_panel.text.toPlainText().split() == ["hello", "river", "garden"],
                    timeout=10000)
    moved = river - w.transcript_panel.transcript.words[1].start
    assert 0.3 < moved < 0.8  # "storm" (about 0.5 s) is gone, so "river" comes that much earlier
    w.undo_stack.undo()
    assert w.transcript_panel.text.toPlainText().split() == WORDS
