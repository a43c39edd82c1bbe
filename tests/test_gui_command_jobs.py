"""Typed commands with a slow part run it in a background job (gui/command_jobs.py): a voice-over is
spoken, a dub translated and spoken, captions transcribed, the library searched, off the GUI thread (the event loop keeps
ticking) with progress and cancel in Jobs; then the edit lands as one undo step. Cancel changes
nothing."""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QTimer  # noqa: E402

from t2v_desktop.engine.layout import TimelineLayout  # noqa: E402
from t2v_desktop.project.model import Cue, SubtitleTrack  # noqa: E402
from t2v_desktop.speech import dub, translate, tts, voiceover  # noqa: E402

SLOW = 1.0  # seconds the slowed synthesizer takes for a text it has not spoken yet


@pytest.fixture(autouse=True)
def _folders(tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("T2V_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("T2V_TRANSLATE_MODEL", raising=False)
    tts.clear_memory_cache()
    dub.clear_translation_cache()


class GapMeter:
    """The longest gap between ticks of a 10 ms QTimer: how long the GUI thread was busy."""

    def __init__(self):
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last, self.longest = None, 0.0

    def _tick(self):
        now = time.monotonic()
        if self.last is not None:
            self.longest = max(self.longest, now - self.last)
        self.last = now

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.stop()


def _slowed_synthesizer(monkeypatch, *, forever=False):
    """speech.voiceover's synthesize, taking SLOW s (cancellable) for a text it has not spoken yet,
    as the real one does on a cache miss; returns the threads that did the slow work."""
    real, seen, slow_threads = voiceover.synthesize, set(), []

    def synthesize(text, *, cancel=None, **kw):
        if text not in seen:
            slow_threads.append(threading.current_thread())
            end = time.monotonic() + (1e9 if forever else SLOW)
            while time.monotonic() < end:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                time.sleep(0.01)
            seen.add(text)
        return real(text, cancel=cancel, **kw)

    monkeypatch.setattr(voiceover, "synthesize", synthesize)
    return slow_threads


def _open(w, qtbot, make_clip, seconds=4.0):
    w.open_media(str(make_clip("grey4", duration=seconds, pattern="solid", color=(120, 120, 120))))
    qtbot.waitUntil(lambda: len(w.project.main_track.clips) == 1, timeout=10000)
    qtbot.waitUntil(lambda: w.preview.shown_index == 0)


def test_voice_over_is_spoken_in_a_job_then_lands_as_one_undo_step(main_window, qtbot, make_clip, monkeypatch):
    w = main_window
    _open(w, qtbot, make_clip)
    slow_threads = _slowed_synthesizer(monkeypatch)
    w.preview.seek(1.2)
    qtbot.waitUntil(lambda: abs(w.preview.position - 1.2) < 1e-6)
    undo0 = w.undo_stack.count()
    with GapMeter() as gap:
        assert w.apply_command("add a voice-over: 'Stay indoors.'") is None  # a job first
        job = w.command_job
        assert job is not None and job in w.jobs.jobs
        assert not any(t.role == "voice" for t in w.project.tracks)  # nothing yet
        w.preview.seek(3.0)  # moved while the job runs: the voice still goes where it was typed
        qtbot.waitUntil(lambda: any(t.role == "voice" for t in w.project.tracks), timeout=20000)
    assert job.state == "done"
    assert slow_threads and threading.main_thread() not in slow_threads  # spoken off the GUI thread
    assert gap.longest < SLOW / 2, f"the GUI thread was blocked {gap.longest * 1000:.0f} ms"
    voice = next(t for t in w.project.tracks if t.role == "voice")
    [(_, start, end)] = TimelineLayout(w.project).clip_spans(voice)
    speech = tts.synthesize("Stay indoors.", voice="en")
    assert start == pytest.approx(1.2, abs=1e-9) and end - start == pytest.approx(speech.duration, abs=0.04)
    assert w.project.subtitle_tracks[0].cues[0].start == pytest.approx(1.2 + speech.words[0].start, abs=1e-3)
    assert w.undo_stack.count() == undo0 + 1
    w.undo_stack.undo()
    assert not any(t.role == "voice" for t in w.project.tracks) and not w.project.subtitle_tracks


def test_cancelling_the_voice_over_job_changes_nothing(main_window, qtbot, make_clip, monkeypatch):
    w = main_window
    _open(w, qtbot, make_clip)
    slow_threads = _slowed_synthesizer(monkeypatch, forever=True)
    undo0, tracks0 = w.undo_stack.count(), len(w.project.tracks)
    w.apply_command("add a voice-over: 'Close the windows.'")
    job = w.command_job
    qtbot.waitUntil(lambda: bool(slow_threads), timeout=10000)
    job.cancel()
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=5000)
    qtbot.waitUntil(lambda: "nothing was changed" in w.statusBar().currentMessage(), timeout=5000)
    assert w.command_job is None
    assert len(w.project.tracks) == tracks0 and not w.project.subtitle_tracks
    assert w.undo_stack.count() == undo0


FRENCH = {"The storm is coming.": "La tempête arrive.", "Stay indoors.": "Restez à l'intérieur."}


def _fake_french(monkeypatch, delay: float = 0.0) -> list:
    """The translation model's place (FRENCH): the threads it was called on, to check it runs once,
    off the GUI thread."""
    calls = []

    def fake_translate(texts, target, **kw):
        calls.append(threading.current_thread())
        time.sleep(delay)
        return [FRENCH[t] for t in texts]

    monkeypatch.setattr(translate, "translate_texts", fake_translate)
    return calls


def _fake_captions(monkeypatch, delay: float = 0.0) -> None:
    """The recogniser's place: 'Stay indoors.' in two words."""
    from t2v_desktop.speech import programme
    from t2v_desktop.speech.transcript import Transcript, Word

    def transcribe(path, **kw):
        time.sleep(delay)
        return Transcript((Word("Stay", 0.5, 0.9), Word("indoors.", 1.0, 1.6)), "en")

    monkeypatch.setattr(programme, "_default_transcribe", transcribe)


def test_dub_translates_and_speaks_in_a_job(main_window, qtbot, make_clip, monkeypatch):
    w = main_window
    _open(w, qtbot, make_clip)
    calls = _fake_french(monkeypatch, delay=0.3)  # the model's place: slow, and must run once, off the GUI
    from t2v_desktop.project.history import AddSubtitleTrack

    w.history.push(AddSubtitleTrack(SubtitleTrack([Cue(0.2, 2.0, "The storm is coming."),
                                                   Cue(2.2, 3.8, "Stay indoors.")], name="Captions", language="en")))
    undo0 = w.undo_stack.count()
    assert w.apply_command("dub it in French") is None
    job = w.command_job
    assert job is not None and job.title == "Dub"
    qtbot.waitUntil(lambda: any(t.name.startswith("Dub") for t in w.project.tracks), timeout=30000)
    assert job.state == "done"
    assert len(calls) == 1 and calls[0] is not threading.main_thread()  # translated once, in the job
    dubbed = next(t for t in w.project.tracks if t.name.startswith("Dub"))
    spans = TimelineLayout(w.project).clip_spans(dubbed)
    assert [round(a, 2) for _, a, _b in spans] == [0.2, 2.2]  # each line at its cue
    sub = next(s for s in w.project.subtitle_tracks if s.name.startswith("Dub"))
    assert [c.text for c in sub.cues] == ["La tempête arrive.", "Restez à l'intérieur."]
    assert w.undo_stack.count() == undo0 + 1
    w.undo_stack.undo()
    assert not any(t.name.startswith("Dub") for t in w.project.tracks)


def test_library_command_searches_in_a_job(main_window, qtbot, make_clip, monkeypatch, tmp_path):
    from t2v_desktop.commands import library_commands
    from t2v_desktop.library import search as search_mod
    from t2v_desktop.library.db import default_path, open_library
    from t2v_desktop.library.indexer import add_file, find_tools
    from t2v_desktop.media.synth import make_shots_clip

    shots = tmp_path / "colours.mp4"
    make_shots_clip(shots, [(200, 30, 30), (30, 40, 200), (30, 180, 40)], frames_per_shot=20, fps=25)
    lib = open_library(default_path())
    add_file(lib, shots, tools=find_tools(ocr=False, words=False, embed=False))
    lib.close()
    library_commands.clear_search_cache()
    real, threads = search_mod.search, []

    def slow_search(*a, **kw):
        threads.append(threading.current_thread())
        time.sleep(0.3)
        return real(*a, **kw)

    monkeypatch.setattr(search_mod, "search", slow_search)
    w = main_window
    _open(w, qtbot, make_clip, seconds=2.0)
    undo0 = w.undo_stack.count()
    assert w.apply_command("add the blue shot at the end") is None
    job = w.command_job
    assert job is not None and job.title == "Search library"
    qtbot.waitUntil(lambda: len(w.project.main_track.clips) == 2, timeout=20000)
    assert job.state == "done" and len(threads) == 1 and threads[0] is not threading.main_thread()
    added = w.project.main_track.clips[1]
    assert added.name == "colours.mp4"
    assert (round(added.in_point, 2), round(added.out_point, 2)) == (0.8, 1.6)  # the blue shot's frames 20-40
    assert w.undo_stack.count() == undo0 + 1


def test_add_captions_transcribes_in_a_job(main_window, qtbot, make_clip, monkeypatch):
    from t2v_desktop.speech import programme
    from t2v_desktop.speech.transcript import Transcript, Word

    calls = []

    def transcribe(path, *, progress=None, cancel=None, **kw):  # the ASR's place: slow, cached by content
        if not calls:
            time.sleep(0.3)
        calls.append(threading.current_thread())
        return Transcript((Word("stay", 0.5, 0.9), Word("indoors", 1.0, 1.6)), "en")

    monkeypatch.setattr(programme, "_default_transcribe", transcribe)
    w = main_window
    _open(w, qtbot, make_clip)
    undo0 = w.undo_stack.count()
    assert w.apply_command("add captions") is None
    job = w.command_job
    assert job is not None and job.title == "Transcribe"
    qtbot.waitUntil(lambda: bool(w.project.subtitle_tracks), timeout=20000)
    assert calls[0] is not threading.main_thread()  # the slow first call ran in the job
    [sub] = w.project.subtitle_tracks
    [cue] = sub.cues
    assert cue.text == "stay indoors" and cue.start == pytest.approx(0.5, abs=0.04)  # within a frame
    assert w.undo_stack.count() == undo0 + 1


def test_captions_and_dub_in_one_command_translate_in_the_job(main_window, qtbot, make_clip, monkeypatch):
    _fake_captions(monkeypatch)
    calls = _fake_french(monkeypatch)
    w = main_window
    _open(w, qtbot, make_clip)
    undo0 = w.undo_stack.count()
    assert w.apply_command("add captions and dub it in French") is None
    job = w.command_job
    qtbot.waitUntil(lambda: any(t.name.startswith("Dub") for t in w.project.tracks), timeout=30000)
    assert job.state == "done"
    assert len(calls) == 1 and calls[0] is not threading.main_thread()  # the new captions, translated in the job
    assert [s.name for s in w.project.subtitle_tracks] == ["Captions", "Dub (French)"]
    assert w.project.subtitle_tracks[1].cues[0].text == "Restez à l'intérieur."
    assert w.undo_stack.count() == undo0 + 1


def test_translate_the_captions_in_a_job(main_window, qtbot, make_clip, monkeypatch):
    from t2v_desktop.project.history import AddSubtitleTrack

    calls = _fake_french(monkeypatch)
    w = main_window
    _open(w, qtbot, make_clip)
    w.history.push(AddSubtitleTrack(SubtitleTrack([Cue(0.2, 2.0, "The storm is coming.")], name="Captions",
                                                  language="en")))
    undo0 = w.undo_stack.count()
    assert w.apply_command("translate the captions to French") is None
    job = w.command_job
    assert job is not None and job.title == "Translate captions"
    qtbot.waitUntil(lambda: len(w.project.subtitle_tracks) == 2, timeout=20000)
    assert len(calls) == 1 and calls[0] is not threading.main_thread()
    fr = w.project.subtitle_tracks[1]
    assert [(c.start, c.end, c.text) for c in fr.cues] == [(0.2, 2.0, "La tempête arrive.")]
    assert w.undo_stack.count() == undo0 + 1


def test_a_second_slow_command_waits_for_the_first(main_window, qtbot, make_clip, monkeypatch):
    """'add captions' then 'dub it in French', typed one after the other: the dub's job starts when
    the captions are in, so it dubs them (translated once, in its job); two undo steps."""
    _fake_captions(monkeypatch, delay=0.3)
    calls = _fake_french(monkeypatch)
    w = main_window
    _open(w, qtbot, make_clip)
    undo0 = w.undo_stack.count()
    assert w.apply_command("add captions") is None
    first = w.command_job
    assert w.apply_command("dub it in French") is None
    assert w.command_job is first and "waits for 'add captions'" in w.statusBar().currentMessage()
    qtbot.waitUntil(lambda: any(t.name.startswith("Dub") for t in w.project.tracks), timeout=30000)
    assert first.state == "done"
    assert len(calls) == 1 and calls[0] is not threading.main_thread()
    assert [s.name for s in w.project.subtitle_tracks] == ["Captions", "Dub (French)"]
    assert w.undo_stack.count() == undo0 + 2


def test_a_job_finishing_after_another_project_is_opened_applies_nothing(main_window, qtbot, make_clip,
                                                                         monkeypatch):
    w = main_window
    _open(w, qtbot, make_clip)
    _slowed_synthesizer(monkeypatch)
    w.apply_command("add a voice-over: 'Stay indoors.'")
    job = w.command_job
    w.new_project()
    _open(w, qtbot, make_clip)  # a clip the voice-over could go over
    qtbot.waitUntil(lambda: job.state == "done", timeout=20000)
    qtbot.waitUntil(lambda: "another project is open" in w.statusBar().currentMessage(), timeout=5000)
    assert not any(t.role == "voice" for t in w.project.tracks) and not w.project.subtitle_tracks
