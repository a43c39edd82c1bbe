"""Markers in the command language (commands/marker_commands.py): parsed phrasings, applied to the
project model as one undo step each, go-to-marker resolved to a playhead time, and in the editor
the playhead moving there."""

from __future__ import annotations

import pytest

from t2v_desktop.commands import parse
from t2v_desktop.commands.apply import apply_text
from t2v_desktop.commands.marker_commands import (
    AddMarkerStep,
    GoToMarker,
    RemoveMarkers,
    RenameMarkerStep,
    seek_target,
)
from t2v_desktop.errors import T2VError
from t2v_desktop.project.history import History
from t2v_desktop.project.model import Clip, Project, Track


@pytest.mark.parametrize("text, kind, fields", [
    ("add a marker at 0:05 called Intro", AddMarkerStep, {"time": 5.0, "name": "Intro"}),
    ("Add a marker named 'Big Reveal' at 1:02.5", AddMarkerStep, {"time": 62.5, "name": "Big Reveal"}),
    ("add a marker", AddMarkerStep, {"time": None, "name": ""}),
    ("put a marker at 3s", AddMarkerStep, {"time": 3.0, "name": ""}),
    ("add a marker here", AddMarkerStep, {"time": None, "name": ""}),
    ("add a marker called Here we go", AddMarkerStep, {"time": None, "name": "Here we go"}),
    ("go to the next marker", GoToMarker, {"which": "next"}),
    ("jump to the previous marker", GoToMarker, {"which": "previous"}),
    ("go to the last marker", GoToMarker, {"which": "last"}),
    ("jump to marker Intro", GoToMarker, {"name": "Intro"}),
    ("go to the Intro marker", GoToMarker, {"name": "Intro"}),
    ("remove the markers", RemoveMarkers, {"name": "", "time": None}),
    ("delete all markers", RemoveMarkers, {"name": "", "time": None}),
    ("remove the marker Intro", RemoveMarkers, {"name": "Intro"}),
    ("remove the marker at 0:05", RemoveMarkers, {"time": 5.0}),
    ("rename the marker Intro to Opening", RenameMarkerStep, {"name": "Intro", "new_name": "Opening"}),
])
def test_phrasings_parse_to_marker_steps(text, kind, fields):
    steps = parse(text, {"playhead": 1.0, "duration": 100.0}).steps
    assert len(steps) == 1 and isinstance(steps[0], kind), steps
    for k, v in fields.items():
        assert getattr(steps[0], k) == v, (k, steps[0])


def test_other_commands_are_not_taken():
    assert not any(isinstance(s, (AddMarkerStep, GoToMarker, RemoveMarkers))
                   for t in ("add a title 'Next marker'", "remove the transitions", "make it warmer")
                   for s in parse(t, {"duration": 10.0}).steps)


@pytest.fixture
def proj(make_clip):
    return Project(tracks=[Track("video", [Clip(str(make_clip("mk", duration=8.0, audio=False)))])])


def names(p):
    return [(m.time, m.name) for m in p.markers]


def test_add_rename_remove_each_one_undo_step(proj):
    h = History(proj)
    apply_text(proj, "add a marker at 0:05 called Intro", h)
    assert names(proj) == [(5.0, "Intro")]
    apply_text(proj, "add a marker", h, playhead=2.0)  # no time: at the playhead, numbered
    assert names(proj) == [(2.0, "Marker 2"), (5.0, "Intro")]
    with pytest.raises(T2VError, match="already"):
        apply_text(proj, "add a marker at 0:05 called Again", h)
    with pytest.raises(T2VError, match="0:08.00 long"):
        apply_text(proj, "add a marker at 0:30", h)
    apply_text(proj, "rename the marker Intro to Opening", h)
    assert names(proj) == [(2.0, "Marker 2"), (5.0, "Opening")]
    with pytest.raises(T2VError, match="No marker called 'Intro'.*Opening at 0:05"):
        apply_text(proj, "remove the marker Intro", h)
    apply_text(proj, "remove the marker at 0:02", h)
    assert names(proj) == [(5.0, "Opening")]
    apply_text(proj, "add a marker at 7s called End, then remove the markers", h)
    assert proj.markers == []
    h.undo()  # the last typed command was one step: both markers and the removal undone together
    assert names(proj) == [(5.0, "Opening")]
    h.undo()  # the removal at 0:02
    h.undo()  # the rename
    assert names(proj) == [(2.0, "Marker 2"), (5.0, "Intro")]
    h.redo()
    assert names(proj) == [(2.0, "Marker 2"), (5.0, "Opening")]


def test_go_to_marker_resolves_a_time_and_changes_nothing(proj):
    h = History(proj)
    apply_text(proj, "add a marker at 0:02 called Intro, then add a marker at 0:06 called Outro", h)
    before = (names(proj), h.can_undo, h.undo_label)
    assert seek_target(apply_text(proj, "go to the next marker", h, playhead=0.0)) == 2.0
    assert seek_target(apply_text(proj, "go to the next marker", h, playhead=2.0)) == 6.0
    assert seek_target(apply_text(proj, "go to the previous marker", h, playhead=7.0)) == 6.0
    assert seek_target(apply_text(proj, "jump to marker outro", h, playhead=0.0)) == 6.0
    assert seek_target(apply_text(proj, "go to the first marker", h, playhead=7.0)) == 2.0
    plan = apply_text(proj, "go to the Intro marker", h, playhead=5.0)
    assert seek_target(plan) == 2.0 and "Intro" in plan.steps[0].reason
    assert (names(proj), h.can_undo, h.undo_label) == before  # no undo step for a seek
    with pytest.raises(T2VError, match="No marker after 0:06"):
        apply_text(proj, "go to the next marker", h, playhead=6.0)


def test_the_editor_moves_the_playhead(qtbot, main_window, make_clip, tmp_path):
    pytest.importorskip("pytestqt")
    from gui_projects import open_in_window

    w = open_in_window(main_window, qtbot, Project(tracks=[Track("video", [
        Clip(str(make_clip("mk-gui", duration=6.0, audio=False)))])]), tmp_path / "m.t2v")
    assert w.apply_command("add a marker at 0:04 called Chorus") is not None
    assert names(w.project) == [(4.0, "Chorus")]
    full = w.full_refreshes
    assert w.apply_command("go to the next marker") is not None
    qtbot.waitUntil(lambda: abs(w.preview.position - 4.0) < 1e-3 and abs(w.timeline.playhead - 4.0) < 1e-3)
    assert w.full_refreshes == full  # markers and seeks never rebuild the views
    w.undo_stack.undo()
    assert w.project.markers == []
    w.undo_stack.setClean()


def test_every_example_parses_and_the_command_bar_offers_them():
    from t2v_desktop.commands.marker_commands import EXAMPLES

    for text in EXAMPLES:
        steps = parse(text, {"playhead": 1.0, "duration": 10.0}).steps
        assert len(steps) == 1 and type(steps[0]).__module__.endswith("marker_commands"), text
    pytest.importorskip("PySide6")
    from t2v_desktop.gui.command_bar import completion_words, matches

    offered = matches("mark", completion_words())
    assert "add a marker at 0:05 called Intro" in offered and "go to the next marker" in offered
