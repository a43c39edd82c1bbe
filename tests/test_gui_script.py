"""File > New from script: the dialog's choices become build options; the project is built in a
background job and opened in the editor as a new, unsaved, editable project."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from t2v_desktop.gui.script_dialog import ScriptDialog  # noqa: E402
from t2v_desktop.script.build import BuildOptions  # noqa: E402

SCRIPT = "# Storm safety\n\nThe wind is strong today.\n\nStay inside the house.\n\nThe sun comes back soon.\n"


def test_dialog_options(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("T2V_DATA_DIR", str(tmp_path / "data"))  # no library there
    d = ScriptDialog(None, SCRIPT)
    qtbot.addWidget(d)
    d.aspect.setCurrentText("9:16")
    d.style.setCurrentText("news")
    d.voice.setText("fr")
    o = d.options()
    assert (o.aspect, o.style, o.voice, o.library, o.music) == ("9:16", "news", "fr", None, None)
    assert not d.library.isEnabled()  # no library indexed yet
    assert d.text.toPlainText() == SCRIPT


def test_new_from_script_builds_in_the_background_and_opens_the_project(main_window, qtbot, tmp_path):
    w = main_window
    names = [a.text() for a in w.menuBar().actions()[0].menu().actions()]
    assert "New from &script…" in names
    job = w.new_from_script(text=SCRIPT, options=BuildOptions(size=72, fps=10, title_seconds=1.0, end_seconds=1.0))
    qtbot.waitUntil(lambda: job.state in ("done", "failed", "cancelled") and w.project.name == "Storm safety",
                    timeout=30000)
    assert job.state == "done", job.error
    p = w.project
    assert [m.name for m in p.markers] == ["Scene 1", "Scene 2", "Scene 3"]
    assert w.project_path is None and not w.undo_stack.canUndo()
    assert any(t.role == "voice" and len(t.clips) == 3 for t in p.tracks)
    assert p.subtitle_tracks and p.subtitle_tracks[0].cues
    # the narration, kept in the speech cache under content-keyed names, is named for people in the bin
    shown = [" ".join(w.bin.list.item(i).text().split("\n")[:-1]) for i in range(w.bin.list.count())]
    assert [n for n in shown if "narration" in n] == [f"Scene {k} narration.wav" for k in (1, 2, 3)], shown
    # editable like any project: a typed command is one undo step
    w.apply_command("add a title 'Hello' for the first 2 seconds")
    assert w.undo_stack.count() == 1 and any(getattr(c.source, "text", "") == "Hello" for c in w.project.all_clips())
    # a scene's visual replaced by a typed command: one undo step, shown in the editor
    from t2v_desktop.media.synth import make_shots_clip

    shot = tmp_path / "green.mp4"
    make_shots_clip(shot, [(30, 180, 40)], frames_per_shot=80)
    w.apply_command(f"use {shot} for scene 2")
    assert w.undo_stack.count() == 2
    visual = next(c for c in w.project.main_track.clips if c.name.startswith("Scene 2"))
    assert visual.path == str(shot)
    w.undo_stack.undo()
    assert next(c for c in w.project.main_track.clips if c.name.startswith("Scene 2")).path is None


def test_an_article_is_summarised_first_and_the_status_says_how(main_window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-models"))
    monkeypatch.delenv("T2V_SUMMARY_MODEL", raising=False)
    w = main_window
    article = ("Hurricane safety\n\nHurricanes bring strong winds and heavy rain to the coast.\n\n"
               "My cousin bought a new bicycle last week.\n\n"
               "Before a hurricane, store water and food for three days.")
    job = w.new_from_script(text=article, article=True,
                            options=BuildOptions(size=72, fps=10, title_seconds=1.0, end_seconds=1.0))
    qtbot.waitUntil(lambda: job.state != "queued" and job.state != "running", timeout=30000)
    assert job.state == "done", job.error
    qtbot.waitUntil(lambda: w.project.name == "Hurricane safety", timeout=5000)
    texts = " ".join(c.text for c in w.project.subtitle_tracks[0].cues)
    assert "bicycle" not in texts and "hurricane" in texts.lower()
    assert "extractive summary" in w.statusBar().currentMessage()


def test_new_from_script_saved_with_its_narration_beside_it(main_window, qtbot, tmp_path):
    w = main_window
    save = tmp_path / "storm.t2v"
    job = w.new_from_script(text=SCRIPT, save=save,
                            options=BuildOptions(size=72, fps=10, title_seconds=1.0, end_seconds=1.0))
    qtbot.waitUntil(lambda: job.state not in ("queued", "running") and w.project_path is not None, timeout=30000)
    assert job.state == "done", job.error
    assert w.project_path == save and save.is_file()
    voice = next(t for t in w.project.tracks if t.role == "voice")
    assert {Path(c.path).parent for c in voice.clips} == {tmp_path / "storm-assets"}
    d = ScriptDialog(None, SCRIPT)
    qtbot.addWidget(d)
    d.save_path.setText(str(save))
    assert d.options().assets_dir == str(tmp_path / "storm-assets")
