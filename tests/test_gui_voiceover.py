"""The editor's command bar puts a typed voice-over at the playhead, with its captions, in one undo step."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402


def test_voice_over_goes_to_the_playhead(qtbot, main_window, make_clip, tmp_path, monkeypatch):
    from t2v_desktop.engine.layout import TimelineLayout
    from t2v_desktop.speech import tts

    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    tts.clear_memory_cache()
    w = main_window
    w.open_media(str(make_clip("grey4", duration=4.0, pattern="solid", color=(120, 120, 120))))
    qtbot.waitUntil(lambda: w.preview.shown_index == 0)
    w.preview.seek(1.2)
    qtbot.waitUntil(lambda: abs(w.preview.position - 1.2) < 1e-6)
    w.command_bar.input.clear()
    qtbot.keyClicks(w.command_bar.input, "add a voice-over: 'Stay indoors.'")
    qtbot.keyClick(w.command_bar.input, Qt.Key_Return)
    qtbot.waitUntil(lambda: any(t.role == "voice" for t in w.project.tracks))
    voice = next(t for t in w.project.tracks if t.role == "voice")
    [(_, start, end)] = TimelineLayout(w.project).clip_spans(voice)
    speech = tts.synthesize("Stay indoors.", voice="en")
    assert start == pytest.approx(1.2, abs=1e-9) and end - start == pytest.approx(speech.duration, abs=0.04)
    [subs] = w.project.subtitle_tracks
    assert subs.cues[0].start == pytest.approx(1.2 + speech.words[0].start, abs=1e-3)
    assert "voice-over" in w.command_bar.plan_label.text().lower()
    w.undo_action.trigger()
    assert not any(t.role == "voice" for t in w.project.tracks) and not w.project.subtitle_tracks
