"""Typed model events (project/events.py): every history command kind emits what it changed when
it is pushed, undone and redone; the editor updates what changed: a clip's transform or volume
re-renders the preview (pixels checked) without rebuilding the timeline's rows or every view."""

from __future__ import annotations

import numpy as np
import pytest

from t2v_desktop.project import events as ev
from t2v_desktop.project.history import (
    AddClip,
    AddMarker,
    AddOp,
    AddSubtitleTrack,
    AddTrack,
    AddTransition,
    Compound,
    History,
    MoveClip,
    PlaceClip,
    RemoveClip,
    RemoveOp,
    RemoveSubtitleTrack,
    RemoveTrack,
    SetClipVolume,
    SetOpParams,
    SetSubtitleTrack,
    SetTitle,
    SetTrackProps,
    SetTransform,
    SplitClip,
    ToggleOp,
    TrimClip,
)
from t2v_desktop.project.model import (
    AppliedOp,
    Clip,
    Cue,
    Project,
    SubtitleTrack,
    TitleSource,
    TitleStyle,
    Track,
)
from t2v_desktop.project.transform import Transform


@pytest.fixture
def proj(make_clip):
    a, b = make_clip(duration=2.0), make_clip(duration=2.0, tone_hz=660)
    p = Project.from_media(str(a), str(b))
    p.tracks.append(Track("video", name="Overlays", items=[Clip(TitleSource("Hi"), 0.0, 1.0, name="t")]))
    p.tracks.append(Track("audio", name="Music"))
    p.subtitle_tracks.append(SubtitleTrack(name="en", cues=[Cue(0.0, 1.0, "hello")]))
    return p


def _cases(p: Project, make_clip):
    main, over, music = p.tracks[0], p.tracks[1], p.tracks[2]
    c0, c1, title = main.items[0], main.items[1], over.items[0]
    op = AppliedOp("temperature", {"amount": 0.3})
    c0.ops.append(op)
    sub = p.subtitle_tracks[0]
    new_track = AddTrack("audio", name="Voice")
    marker = AddMarker(1.0, "Intro")
    return [
        (SetTransform(c1.id, Transform(scale=0.5)), [ev.TransformChanged(c1.id)]),
        (SetClipVolume(c0.id, 0.5), [ev.VolumeChanged(c0.id)]),
        (SetTitle(title.id, "Bye", TitleStyle()), [ev.TitleChanged(title.id)]),
        (new_track, [ev.TracksChanged(frozenset({new_track.track_id}))]),
        (RemoveTrack(music.id), [ev.TracksChanged(frozenset({music.id}))]),
        (SetTrackProps(music.id, muted=True), [ev.TracksChanged(frozenset({music.id}), frozenset({"muted"}))]),
        (AddSubtitleTrack(SubtitleTrack(name="fr")), None),
        (RemoveSubtitleTrack(sub.id), [ev.SubtitlesChanged(frozenset({sub.id}))]),
        (SetSubtitleTrack(sub.id, burn_in=False), [ev.SubtitlesChanged(frozenset({sub.id}), frozenset({"burn_in"}))]),
        (AddClip(Clip(str(make_clip(duration=1.0)))), None),
        (PlaceClip(Clip(str(make_clip(duration=1.0))), music.id, 0.5), None),
        (RemoveClip(c1.id), [ev.ClipsChanged(frozenset(), frozenset({c1.id}))]),
        (MoveClip(c1.id, 0), [ev.ClipsChanged(frozenset(), frozenset({c1.id}))]),
        (TrimClip(c0.id, 0.5, None), [ev.ClipsChanged(frozenset(), frozenset({c0.id}))]),
        (SplitClip(1.0, c0.id), [ev.ClipsChanged(frozenset(), frozenset({c0.id}))]),
        (AddOp(c1.id, AppliedOp("temperature", {"amount": 0.2})), [ev.ClipsChanged(frozenset(), frozenset({c1.id}))]),
        (RemoveOp(c0.id, op.id), [ev.ClipsChanged(frozenset(), frozenset({c0.id}))]),
        (ToggleOp(c0.id, op.id, False), [ev.ClipsChanged(frozenset(), frozenset({c0.id}))]),
        (SetOpParams(c0.id, op.id, {"amount": 0.6}), [ev.ClipsChanged(frozenset(), frozenset({c0.id}))]),
        (AddTransition(c0.id, "dissolve", 0.5), [ev.ClipsChanged(frozenset(), frozenset({c0.id}))]),
        (Compound("two", [SetTransform(c1.id, Transform(scale=0.7)), SetClipVolume(c1.id, 0.2)]),
         [ev.TransformChanged(c1.id), ev.VolumeChanged(c1.id)]),
        (Compound("same twice", [SetTransform(c1.id, Transform(scale=0.7)), SetTransform(c1.id, Transform())]),
         [ev.TransformChanged(c1.id)]),
        (marker, [ev.MarkersChanged(frozenset({marker.marker_id}))]),
        (SetTrackProps(over.id, name="Titles", hidden=True),
         [ev.TracksChanged(frozenset({over.id}), frozenset({"name", "hidden"}))]),
    ]


def test_every_command_kind_emits_its_events_when_pushed_undone_and_redone(proj, make_clip):
    for k, (cmd, want) in enumerate(_cases(proj, make_clip)):
        p = Project.from_json(proj.to_json())  # the same ids, a fresh project per command
        h = History(p)
        got = []
        h.events.connect(got.append)
        h.push(cmd)
        h.undo()
        h.redo()
        assert len(got) == 3, (k, cmd)
        assert got[0] == got[1] == got[2], (k, cmd)
        if want is None:  # ids made by the command: its kind and its clip or track id
            e = got[0][0]
            if isinstance(cmd, AddSubtitleTrack):
                assert e == ev.SubtitlesChanged(frozenset({cmd.track_id}))
            else:
                assert isinstance(e, ev.ClipsChanged) and cmd.clip.id in e.clip_ids
        else:
            assert list(got[0]) == want, (k, cmd)
        assert ev.is_light(got[0]) == all(isinstance(e, ev.LIGHT) for e in got[0])


def test_a_command_the_map_does_not_know_says_everything_changed_and_a_failing_one_says_nothing(proj):
    from t2v_desktop.errors import ProjectError
    from t2v_desktop.project.history import EditCommand

    class Rename(EditCommand):
        label = "Rename"

        def do(self, project):
            self.old, project.name = project.name, "new"

        def undo(self, project):
            project.name = self.old

    h = History(proj)
    got = []
    h.events.connect(got.append)
    h.push(Rename())
    assert got == [(ev.ProjectChanged(),)] and not ev.is_light(got[0])
    with pytest.raises(ProjectError):
        h.push(RemoveClip("no-such-clip"))
    assert len(got) == 1  # nothing was done: nothing emitted
    h.events.disconnect(got.append)
    h.undo()
    assert len(got) == 1


# -- the editor ----------------------------------------------------------------------------------------

@pytest.fixture
def win(qtbot, main_window, make_clip, tmp_path):
    """A black base clip with a white picture-in-picture in the top left quarter."""
    pytest.importorskip("pytestqt")
    w = main_window
    black = make_clip("black", duration=2.0, pattern="solid", color=(0, 0, 0), width=320, height=180)
    white = make_clip("white", duration=2.0, pattern="solid", color=(255, 255, 255), width=320, height=180)
    p = Project(tracks=[Track(items=[Clip(str(black))]),
                        Track(name="pip", items=[Clip(str(white), transform=Transform(
                            scale=0.25, x=0.0, y=0.0, anchor_x=0.0, anchor_y=0.0))])], width=320, height=180)
    path = tmp_path / "pip.t2v"
    p.save(path)
    assert w.open_project(str(path))
    qtbot.waitUntil(lambda: w.preview.shown_index == 0 and w.preview.frame is not None, timeout=10000)
    qtbot.waitUntil(lambda: w.preview.frame[10:30, 10:60].min() > 200, timeout=10000)
    return w


def _white(frame, box) -> bool:
    x0, y0, x1, y1 = box
    return frame is not None and frame[y0:y1, x0:x1].min() > 200


def test_a_transform_change_re_renders_the_preview_without_rebuilding_the_timeline(win, qtbot):
    pip = win.project.tracks[1].items[0]
    rows, full, static = win.timeline.row_builds, win.full_refreshes, win.timeline.static_paints
    renderer, updates = win.renderer, win.preview.updates
    assert win.set_clip_transform(pip.id, Transform(scale=0.25, x=1.0, y=1.0, anchor_x=1.0, anchor_y=1.0))
    qtbot.waitUntil(lambda: _white(win.preview.frame, (250, 150, 310, 175)), timeout=10000)
    assert win.preview.frame[10:30, 10:60].max() < 30  # gone from the top left
    assert win.timeline.row_builds == rows and win.full_refreshes == full
    assert win.renderer is renderer and win.preview.updates == updates + 1
    qtbot.waitUntil(lambda: win.timeline.static_paints > static)  # the clip is repainted (one picture)
    win.undo_stack.undo()
    qtbot.waitUntil(lambda: _white(win.preview.frame, (10, 10, 60, 30)), timeout=10000)
    win.undo_stack.redo()
    qtbot.waitUntil(lambda: _white(win.preview.frame, (250, 150, 310, 175)), timeout=10000)
    assert win.timeline.row_builds == rows and win.full_refreshes == full and win.light_refreshes >= 3
    # a change of length (a trim) still rebuilds the rows and every view
    win.trim_clip(pip.id, 0.5, None)
    assert win.timeline.row_builds == rows + 1 and win.full_refreshes == full + 1


def test_a_volume_change_touches_the_sound_only(win, qtbot):
    base = win.project.tracks[0].items[0]
    rows, full, gen = win.timeline.row_builds, win.full_refreshes, win.preview.worker.generation
    assert win.set_clip_volume(base.id, 0.5)
    assert win.project.tracks[0].items[0].volume == 0.5
    assert win.timeline.row_builds == rows and win.full_refreshes == full
    assert win.preview.worker.generation == gen  # no frame re-rendered
    assert np.array_equal(win.preview.frame[10:30, 10:60] > 200, np.ones((20, 50, 3), bool))


def test_a_mute_or_lock_repaints_the_headers_and_remixes_the_sound_without_rebuilding_rows(win, qtbot):
    base = win.project.tracks[0]
    rows, full, gen = win.timeline.row_builds, win.full_refreshes, win.preview.worker.generation
    assert win.set_track_props(base.id, {"muted": True})
    assert win.preview.audio.worker._project.tracks[0].muted  # the preview's sound has it
    assert win.set_track_props(base.id, {"locked": True})
    assert win.timeline.row_builds == rows and win.full_refreshes == full
    assert win.preview.worker.generation == gen  # no frame re-rendered
    static = win.timeline.static_paints
    win.timeline.repaint()
    assert win.timeline.static_paints == static + 1  # the headers (M, L lit) drawn again
    win.undo_stack.undo()
    win.undo_stack.undo()
    assert not win.preview.audio.worker._project.tracks[0].muted
    # hiding the picture-in-picture's track: the picture changes, the layout does not (in place)
    # (the base at half volume: without the pip the project would be one plain clip, which the
    # renderer's direct path draws, and that needs a new renderer)
    assert win.set_clip_volume(base.items[0].id, 0.5)
    pip, renderer = win.project.tracks[1], win.renderer
    assert win.set_track_props(pip.id, {"hidden": True})
    qtbot.waitUntil(lambda: win.preview.frame[10:30, 10:60].max() < 30, timeout=10000)  # the pip is gone
    assert win.full_refreshes == full and win.timeline.row_builds == rows and win.renderer is renderer
    assert win.renderer.frame_at(0.5)[10:30, 10:60].max() < 30  # the window's renderer draws it so too
    win.undo_stack.undo()
    qtbot.waitUntil(lambda: _white(win.preview.frame, (10, 10, 60, 30)), timeout=10000)
    assert win.full_refreshes == full


def test_a_rename_relabels_the_row_and_markers_repaint_the_ruler_without_a_refresh(win, qtbot):
    pip = win.project.tracks[1]
    full, renderer, gen = win.full_refreshes, win.renderer, win.preview.worker.generation
    assert win.set_track_props(pip.id, {"name": "Inset"})
    assert next(r for r in win.timeline.rows if r.id == pip.id).label == "Inset"
    assert win.full_refreshes == full and win.renderer is renderer and win.preview.worker.generation == gen
    win.undo_stack.undo()
    assert next(r for r in win.timeline.rows if r.id == pip.id).label == "pip"
    got = []
    win.history.events.connect(got.append)
    win.push(AddMarker(1.0, "Intro"))
    assert isinstance(got[-1][0], ev.MarkersChanged) and win.project.markers[0].name == "Intro"
    assert win.full_refreshes == full and win.renderer is renderer and win.preview.worker.generation == gen
    win.undo_stack.undo()
    assert win.project.markers == [] and win.full_refreshes == full


def test_subtitle_edits_update_the_lane_and_the_burned_in_picture_in_place(win, qtbot):
    from t2v_desktop.project.history import AddSubtitleTrack as AddSubs

    full, renderer, rows = win.full_refreshes, win.renderer, win.timeline.row_builds
    subs = SubtitleTrack(name="en", cues=[Cue(0.0, 1.5, "HELLO WORLD")], burn_in=True)
    win.push(AddSubs(subs))
    lane = next(r for r in win.timeline.rows if r.kind == "subtitle")
    assert [(c.start, c.end) for c, _a, _b in lane.items] == [(0.0, 1.5)]
    # the cue is burned into the bottom of the black frame (white text pixels appear there)
    qtbot.waitUntil(lambda: win.preview.frame is not None and win.preview.frame[120:175, 40:280].max() > 200,
                    timeout=10000)
    assert win.full_refreshes == full and win.renderer is renderer and win.timeline.row_builds == rows + 1
    win.push(SetSubtitleTrack(subs.id, cues=[(1.0, 2.0, "HELLO WORLD")]))  # retimed: gone at 0:00
    lane = next(r for r in win.timeline.rows if r.kind == "subtitle")
    assert [(a, b) for _c, a, b in lane.items] == [(1.0, 2.0)]
    qtbot.waitUntil(lambda: win.preview.frame is not None and win.preview.frame[120:175, 40:280].max() < 30,
                    timeout=10000)
    assert win.full_refreshes == full and win.renderer is renderer
    win.undo_stack.undo()
    win.undo_stack.undo()
    assert not any(r.kind == "subtitle" for r in win.timeline.rows) and win.full_refreshes == full


def test_a_change_that_changes_the_projects_shape_still_rebuilds(main_window, make_clip, qtbot):
    """One plain clip is drawn by the renderer's direct path; a transform on it needs the
    compositor: a new renderer (a full refresh), not an update in place."""
    w = main_window
    w.open_media(str(make_clip(duration=1.0)))
    qtbot.waitUntil(lambda: w.preview.frame is not None, timeout=10000)
    assert w.renderer.simple
    full = w.full_refreshes
    clip = w.project.all_clips()[0]
    assert w.set_clip_transform(clip.id, Transform(scale=0.5))
    assert w.full_refreshes == full + 1 and not w.renderer.simple
