"""The multi-track timeline drives the real widgets: a row per track (drawn where the model says),
a clip dragged onto track 2 at 0:03 (project + rendered pixels), mute/solo from the headers (the
model's props and the mixed sound), the razor across tracks, add/remove tracks, media dropped on
an upper track at its drop time; each one undo step."""

from __future__ import annotations

import numpy as np
import pytest
from gui_projects import open_in_window

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from t2v_desktop.engine.layout import TimelineLayout  # noqa: E402
from t2v_desktop.gui.timeline_rows import HEADER_W, button_rects  # noqa: E402
from t2v_desktop.project.model import Clip, Cue, Gap, Project, SubtitleTrack, Track  # noqa: E402
from t2v_desktop.project.sources import TitleSource  # noqa: E402


@pytest.fixture
def win(qtbot, main_window, make_clip, tmp_path):
    """Main clip (black, silent, 4 s), a red PIP on track 2 at 1-2 s, a title on track 3 at 0-2 s, a
    tone on an audio track, one subtitle cue."""
    base = make_clip("tl-base", duration=4.0, pattern="solid", color=(0, 0, 0), audio=False, number_frames=False)
    pip = make_clip("tl-pip", duration=1.0, pattern="solid", color=(220, 30, 30), audio=False, number_frames=False)
    tone = make_clip("tl-tone", duration=4.0, video=False)
    project = Project(tracks=[
        Track("video", [Clip(source=str(base), name="base")], name=""),
        Track("video", [Gap(1.0), Clip(source=str(pip), name="pip")]),
        Track("video", [Clip(source=TitleSource("HELLO"), out_point=2.0, name="title")]),
        Track("audio", [Clip(source=str(tone), name="tone")]),
    ], subtitle_tracks=[SubtitleTrack([Cue(0.5, 1.5, "hi there")])])
    w = open_in_window(main_window, qtbot, project, tmp_path / "three.t2v")
    yield w
    w.undo_stack.setClean()


def ids(w):
    return {c.name: c.id for c in w.project.all_clips()}


def track_of(w, name):
    lay = TimelineLayout(w.project)
    cid = ids(w)[name]
    return w.project.tracks.index(lay.track_of(cid)), lay.clip_span(cid)


def send(widget, kind, x, y, buttons=Qt.LeftButton):
    p = QPointF(x, y)
    QApplication.sendEvent(widget, QMouseEvent(kind, p, widget.mapToGlobal(p), Qt.LeftButton, buttons, Qt.NoModifier))


def drag(widget, p0, p1):
    send(widget, QEvent.MouseButtonPress, *p0)
    send(widget, QEvent.MouseMove, (p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2)
    send(widget, QEvent.MouseMove, *p1)
    send(widget, QEvent.MouseButtonRelease, *p1, buttons=Qt.NoButton)


def click(widget, x, y):
    send(widget, QEvent.MouseButtonPress, x, y)
    send(widget, QEvent.MouseButtonRelease, x, y, buttons=Qt.NoButton)


def seek(qtbot, w, t):
    w.preview.seek(t)
    qtbot.waitUntil(lambda: abs(w.preview.position - t) < 1e-3 and abs(w.timeline.playhead - t) < 1e-3)


def colour_share(img, rect, pred) -> float:
    """Fraction of the pixels of ``rect`` (a QRectF) for which ``pred(QColor)`` holds."""
    xs = range(int(rect.left()) + 2, int(rect.right()) - 1)
    ys = range(int(rect.top()) + 2, int(rect.bottom()) - 1)
    hits = [pred(QColor(img.pixel(x, y))) for x in xs for y in ys if 0 <= x < img.width()]
    return sum(hits) / max(1, len(hits))


def test_a_row_per_track_with_its_clips_drawn_in_it(win, qtbot):
    tl = win.timeline
    p = win.project
    # top to bottom: track 3 (title), track 2 (pip), the main track, the audio track, the subtitles
    assert [r.id for r in tl.rows] == [p.tracks[2].id, p.tracks[1].id, p.tracks[0].id, p.tracks[3].id,
                                       p.subtitle_tracks[0].id]
    assert [r.kind for r in tl.rows] == ["video", "video", "video", "audio", "subtitle"]
    assert [r.main for r in tl.rows] == [False, False, True, False, False]
    assert all(tl.rows[k].bottom < tl.rows[k + 1].y for k in range(len(tl.rows) - 1))  # stacked, no overlap
    assert tl.rows[0].h > tl.rows[3].h  # video rows taller than audio
    assert tl.minimumHeight() >= tl.rows[-1].bottom
    c = ids(win)
    r = tl.clip_rect(c["pip"])
    assert r.left() == pytest.approx(tl.x_of(1.0), abs=1) and r.right() == pytest.approx(tl.x_of(2.0), abs=2)
    assert tl.rows[1].y == r.top()
    qtbot.waitUntil(lambda: win.thumbs.wave(str(p.tracks[3].clips[0].path)) is not None)
    tl.invalidate()  # the waveform's "updated" signal may still be queued: redraw the rows with it now
    img = tl.grab().toImage()
    lane = QColor("#1c1f23")
    # the title's purple block with its text, the pip's block, the audio clip's green waveform, the cue
    title = tl.clip_rect(c["title"])
    assert colour_share(img, title, lambda q: q.red() > q.green() + 20 and q.blue() > q.green() + 20) > 0.5
    assert colour_share(img, title, lambda q: min(q.red(), q.green(), q.blue()) > 200) > 0  # "HELLO" in white
    assert colour_share(img, r, lambda q: q.rgb() != lane.rgb()) > 0.9
    gap = tl.rows[1]
    assert colour_share(img, QRectF(tl.x_of(0.1), gap.y, tl.x_of(0.9) - tl.x_of(0.1), gap.h),
                        lambda q: q.rgb() == lane.rgb()) > 0.95  # the gap before the pip is empty
    audio = tl.clip_rect(c["tone"])
    assert colour_share(img, audio, lambda q: q.green() > 180 and q.red() < 160) > 0.05
    sub = tl.rows[4]
    cue = QRectF(tl.x_of(0.5), sub.y, tl.x_of(1.5) - tl.x_of(0.5), sub.h)
    assert colour_share(img, cue, lambda q: (q.red(), q.green(), q.blue()) == (0x5d, 0x6d, 0x3f)) > 0.3
    assert tl.rows[4].items[0][0].text == "hi there"


def test_drag_a_clip_to_track_2_at_3_seconds(win, qtbot):
    tl = win.timeline
    assert track_of(win, "title") == (2, (0.0, 2.0))
    assert win.renderer.frame_at(3.5).max() < 40  # nothing but the black base at 3.5 s
    seek(qtbot, win, 3.0)  # the clip's start snaps to the playhead
    src, dst = tl.rows[0], tl.rows[1]
    drag(tl, (tl.x_of(0.5), src.y + src.h / 2), (tl.x_of(3.5) + 3, dst.y + dst.h / 2))
    assert track_of(win, "title") == (1, pytest.approx((3.0, 5.0)))
    assert track_of(win, "pip") == (1, pytest.approx((1.0, 2.0)))
    assert not win.project.tracks[2].clips
    frame = win.renderer.frame_at(3.5)
    assert (frame.min(axis=2) > 200).sum() > 20  # the title's white text is drawn at 3.5 s
    assert win.undo_stack.count() == 1
    win.undo_stack.undo()
    assert track_of(win, "title") == (2, (0.0, 2.0))
    assert win.renderer.frame_at(3.5).max() < 40
    win.undo_stack.redo()
    assert track_of(win, "title") == (1, pytest.approx((3.0, 5.0)))


def test_a_locked_track_refuses_drags(win, qtbot):
    tl = win.timeline
    row = tl.rows[1]
    b = button_rects(row)["locked"]
    click(tl, b.center().x(), b.center().y())
    assert win.project.tracks[1].locked and win.undo_stack.count() == 1
    row = tl.rows[1]
    drag(tl, (tl.x_of(1.5), row.y + row.h / 2), (tl.x_of(3.2), row.y + row.h / 2))
    assert track_of(win, "pip") == (1, pytest.approx((1.0, 2.0)))  # not moved
    assert "locked" in win.statusBar().currentMessage()
    assert win.undo_stack.count() == 1


def test_mute_and_solo_from_the_headers(win, qtbot):
    tl = win.timeline
    audio = win.project.tracks[3]
    assert np.abs(win.renderer.audio(0.5, 1.0)).max() > 0.05  # the tone

    def press(track_id, prop):
        r = tl.row(track_id)
        b = button_rects(r)[prop]
        click(tl, b.center().x(), b.center().y())

    press(audio.id, "muted")
    assert audio.muted and win.undo_stack.undoText() == "Mute track"
    assert np.abs(win.renderer.audio(0.5, 1.0)).max() == 0.0  # silence
    img = tl.grab().toImage()
    b = button_rects(tl.row(audio.id))["muted"]
    assert QColor(img.pixel(int(b.left()) + 2, int(b.top()) + 2)).red() > 200  # the M lights up
    win.undo_stack.undo()
    assert not audio.muted and np.abs(win.renderer.audio(0.5, 1.0)).max() > 0.05
    main = win.project.main_track
    press(main.id, "solo")  # only the (silent) main track plays
    assert main.solo and win.undo_stack.undoText() == "Solo track"
    assert np.abs(win.renderer.audio(0.5, 1.0)).max() == 0.0
    win.undo_stack.undo()
    assert not main.solo and np.abs(win.renderer.audio(0.5, 1.0)).max() > 0.05
    win.undo_stack.redo()
    assert main.solo and np.abs(win.renderer.audio(0.5, 1.0)).max() == 0.0
    # the gain label wheels in 1 dB steps
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent

    from t2v_desktop.gui.timeline_rows import gain_rect

    g = gain_rect(tl.row(audio.id)).center()
    ev = QWheelEvent(g, tl.mapToGlobal(g), QPoint(), QPoint(0, 120), Qt.NoButton, Qt.NoModifier,
                     Qt.NoScrollPhase, False)
    QApplication.sendEvent(tl, ev)
    assert audio.gain_db == 1.0


def test_razor_splits_every_unlocked_track_under_the_playhead(win, qtbot):
    tl = win.timeline
    before = {t.id: len(t.clips) for t in win.project.tracks}
    seek(qtbot, win, 1.5)
    tl.select(None)
    tl.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tl)
    qtbot.keyClick(tl, Qt.Key_S)
    after = {t.id: len(t.clips) for t in win.project.tracks}
    assert after == {k: v + 1 for k, v in before.items()}  # main, pip, title and the sound: all split
    assert win.undo_stack.count() == 1
    lay = TimelineLayout(win.project)
    t = win.preview.position  # 1.5 s on the preview's frame grid
    assert [lay.clip_span(c.id) for c in win.project.tracks[1].clips] == [
        pytest.approx((1.0, t), abs=0.021), pytest.approx((t, 2.0), abs=0.021)]
    win.undo_stack.undo()
    assert {t.id: len(t.clips) for t in win.project.tracks} == before
    win.undo_stack.redo()
    assert {t.id: len(t.clips) for t in win.project.tracks} == after
    win.undo_stack.undo()
    # a selected clip alone; a locked track is left alone
    tl.select(ids(win)["title"])
    qtbot.keyClick(tl, Qt.Key_S)
    assert [len(t.clips) for t in win.project.tracks] == [1, 1, 2, 1]
    win.undo_stack.undo()
    win.set_track_props(win.project.tracks[3].id, {"locked": True})
    tl.select(None)
    qtbot.keyClick(tl, Qt.Key_S)
    assert [len(t.clips) for t in win.project.tracks] == [2, 2, 2, 1]


def test_header_menu_adds_and_removes_tracks(win, qtbot):
    tl = win.timeline
    n = len(win.project.tracks)
    acts = {a.text(): a for a in tl.header_menu(tl.rows[0]).actions()}
    acts["Add audio track"].trigger()
    assert len(win.project.audio_tracks) == 2 and len(tl.rows) == 6 and tl.rows[4].kind == "audio"
    acts["Add video track"].trigger()
    assert len(win.project.video_tracks) == 4 and tl.rows[0].id == win.project.video_tracks[-1].id
    main_menu = {a.text(): a for a in tl.header_menu(next(r for r in tl.rows if r.main)).actions()}
    assert not next(a for t, a in main_menu.items() if t.startswith("Remove")).isEnabled()
    top = tl.rows[0]
    next(a for a in tl.header_menu(top).actions() if a.text().startswith("Remove")).trigger()
    assert len(win.project.tracks) == n + 1 and top.id not in [t.id for t in win.project.tracks]
    for _ in range(3):
        win.undo_stack.undo()
    assert len(win.project.tracks) == n and len(tl.rows) == 5


def test_media_dropped_on_an_upper_track_lands_at_the_drop_time(win, qtbot, make_clip):
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent

    tl = win.timeline
    new = make_clip("tl-drop", duration=1.0, pattern="solid", color=(30, 200, 30), number_frames=False)
    seek(qtbot, win, 3.0)
    row = tl.rows[1]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(new))])
    ev = QDropEvent(QPointF(tl.x_of(3.0) + 3, row.y + 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    tl.dropEvent(ev)
    track, span = track_of(win, new.name)
    assert track == 1 and span == pytest.approx((3.0, 4.0))
    frame = win.renderer.frame_at(3.5)
    assert frame[..., 1].mean() > 150 and frame[..., 0].mean() < 80  # the green clip is on top
    win.undo_stack.undo()
    assert new.name not in ids(win)


def test_the_timeline_gets_a_real_share_of_the_window(win, qtbot):
    sizes = win.centre_splitter.sizes()
    assert 0.25 < sizes[1] / sum(sizes) < 0.45
    assert win.timeline.x_of(0.0) > HEADER_W


def test_a_transition_from_the_menu_lengthened_by_its_edge(win, qtbot):
    from t2v_desktop.project import history as h

    tl = win.timeline
    main = win.project.main_track
    assert win.push(h.SplitClip(2.0, track_id=main.id))
    row = next(r for r in tl.rows if r.main)
    left = main.clips[0]
    menu = tl.item_menu(row, tl.x_of(1.0), row.y + 30)
    sub = next(a.menu() for a in menu.actions() if a.text().startswith("Transition to"))
    next(a for a in sub.actions() if a.text().startswith("dissolve")).trigger()
    tr = main.items[1]
    assert type(tr).__name__ == "Transition" and tr.kind == "dissolve" and tr.duration == pytest.approx(1.0)
    assert TimelineLayout(win.project).track_end(main) == pytest.approx(3.0)  # the halves overlap by 1 s
    row = next(r for r in tl.rows if r.main)
    a, b = next((a, b) for it, a, b in row.items if it.id == tr.id)
    assert (a, b) == pytest.approx((1.0, 2.0))
    img = tl.grab().toImage()  # the hatched block over the overlap
    block = QRectF(tl.x_of(a), row.y + 16, tl.x_of(b) - tl.x_of(a), row.h - 18)
    assert colour_share(img, block, lambda q: q.red() > 200 and q.green() > 160 and q.blue() < 170) > 0.05
    seek(qtbot, win, 0.6)  # the left edge snaps to the playhead: a 1.4 s dissolve
    drag(tl, (tl.x_of(a) + 1, row.y + row.h / 2), (tl.x_of(0.6) + 3, row.y + row.h / 2))
    assert main.items[1].duration == pytest.approx(1.4)
    assert TimelineLayout(win.project).track_end(main) == pytest.approx(2.6)
    assert win.renderer.layout.track_end(main) == pytest.approx(2.6)
    assert win.undo_stack.undoText() == "Change transition"
    win.undo_stack.undo()
    assert main.items[1].duration == pytest.approx(1.0)
    menu = tl.item_menu(next(r for r in tl.rows if r.main), tl.x_of(1.5), row.y + 30)
    next(a for a in menu.actions() if a.text() == "Remove transition").trigger()
    assert len(main.items) == 2 and left.id == main.items[0].id
    win.undo_stack.undo()
    assert type(main.items[1]).__name__ == "Transition"
    win.undo_stack.undo()  # the transition added from the menu
    assert len(main.items) == 2


def test_cues_dragged_to_retime_and_double_clicked_to_edit(win, qtbot):
    tl = win.timeline
    subs = win.project.subtitle_tracks[0]
    row = tl.rows[-1]
    y = row.y + row.h / 2
    drag(tl, (tl.x_of(1.0), y), (tl.x_of(2.0), y))
    assert (subs.cues[0].start, subs.cues[0].end) == pytest.approx((1.5, 2.5), abs=0.01)
    drag(tl, (tl.x_of(2.5) - 2, y), (tl.x_of(3.0) - 2, y))  # the end edge
    assert (subs.cues[0].start, subs.cues[0].end) == pytest.approx((1.5, 3.0), abs=0.01)
    win.ask_text = lambda title, current: current + " again"
    send(tl, QEvent.MouseButtonDblClick, tl.x_of(2.0), y)
    assert subs.cues[0].text == "hi there again"
    for _ in range(3):
        win.undo_stack.undo()
    assert (subs.cues[0].start, subs.cues[0].end, subs.cues[0].text) == (0.5, 1.5, "hi there")


def test_an_upper_clip_dragged_onto_the_main_track_is_inserted(win, qtbot):
    tl = win.timeline
    src = tl.rows[1]
    main = next(r for r in tl.rows if r.main)
    drag(tl, (tl.x_of(1.2), src.y + src.h / 2), (tl.x_of(1.2), main.y + main.h / 2))
    assert [c.name for c in win.project.main_track.clips] == ["pip", "base"]
    assert not win.project.tracks[1].clips
    assert TimelineLayout(win.project).duration == pytest.approx(5.0)
    win.undo_stack.undo()
    assert [c.name for c in win.project.main_track.clips] == ["base"]
    assert track_of(win, "pip") == (1, pytest.approx((1.0, 2.0)))


def test_row_heights_drag_and_the_split_is_remembered(win, qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from t2v_desktop.gui.main_window import MainWindow

    tl = win.timeline
    r0, r1 = tl.rows[0], tl.rows[1]
    send(tl, QEvent.MouseButtonPress, 10, r0.bottom)
    send(tl, QEvent.MouseMove, 10, r0.bottom + 30)
    send(tl, QEvent.MouseButtonRelease, 10, r0.bottom + 30, buttons=Qt.NoButton)
    assert tl.rows[0].h == r0.h + 30 and tl.rows[1].y == r1.y + 30
    win.set_track_props(win.project.tracks[1].id, {"muted": True})  # an edit keeps the height
    assert tl.rows[0].h == r0.h + 30
    split = win.centre_splitter
    total = sum(split.sizes())
    split.setSizes([total - 400, 400])
    split.splitterMoved.emit(total - 400, 1)
    other = MainWindow(settings=win.settings)
    other.ask_save = lambda: "discard"
    qtbot.addWidget(other)
    other.resize(win.size())
    other.show()
    qtbot.waitUntil(lambda: other.centre_splitter.sizes()[1] > 0)
    assert other.centre_splitter.sizes()[1] == pytest.approx(400, abs=20)
    assert isinstance(win.settings, QSettings)


def test_a_sound_file_dropped_on_the_audio_track_plays_from_the_drop_time(win, qtbot, make_clip):
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent

    tl = win.timeline
    snd = make_clip("tl-snd", duration=1.0, video=False, tone_hz=880.0)
    tl.zoom(0.5)
    row = next(r for r in tl.rows if r.kind == "audio")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(snd))])
    tl.dropEvent(QDropEvent(QPointF(tl.x_of(4.0) + 3, row.y + 10), Qt.CopyAction, mime, Qt.LeftButton,
                            Qt.NoModifier))  # snaps to the tone's end
    assert track_of(win, snd.name) == (3, pytest.approx((4.0, 5.0)))
    assert win.renderer.duration == pytest.approx(5.0)
    assert np.abs(win.renderer.audio(4.2, 4.8)).max() > 0.05
    win.undo_stack.undo()
    assert snd.name not in ids(win) and win.renderer.duration == pytest.approx(4.0)


def test_an_op_range_bar_is_dragged_to_change_the_range(win, qtbot):
    tl = win.timeline
    tl.select(ids(win)["base"])
    assert win.apply_command("black and white from 0:01 to 0:02", confirm=False) is not None
    clip = win.project.main_track.clips[0]
    op = clip.ops[0]
    row = next(r for r in tl.rows if r.main)
    y = row.y + row.h - 12 + 5
    drag(tl, (tl.x_of(1.5), y), (tl.x_of(2.5), y))  # the bar's body: the range moves
    assert op.range == pytest.approx((2.0, 3.0), abs=0.01)
    drag(tl, (tl.x_of(3.0) - 1, y), (tl.x_of(3.6) - 1, y))  # its end edge
    assert op.range == pytest.approx((2.0, 3.6), abs=0.01)
    assert win.undo_stack.undoText() == "Change time range"
    win.undo_stack.undo()
    win.undo_stack.undo()
    assert op.range == pytest.approx((1.0, 2.0))
    win.apply_command("speed up 2x", confirm=False)  # a time map after it: the bar shows, not draggable
    row = next(r for r in tl.rows if r.main)
    assert tl.op_bar_at(row, tl.x_of(0.75), row.y + row.h - 12 + 5) is None


def test_a_clips_volume_line_is_dragged(win, qtbot):
    tl = win.timeline
    row = next(r for r in tl.rows if r.kind == "audio")
    tone = win.project.tracks[3].clips[0]
    lane = tl.volume_lane(row, 0.0, 4.0)
    loud = np.abs(win.renderer.audio(0.5, 1.0)).max()
    x = tl.x_of(2.0)
    send(tl, QEvent.MouseButtonPress, x, tl.volume_y(lane, 1.0))
    send(tl, QEvent.MouseMove, x, tl.volume_y(lane, 0.75))
    send(tl, QEvent.MouseMove, x, tl.volume_y(lane, 0.5))
    send(tl, QEvent.MouseButtonRelease, x, tl.volume_y(lane, 0.5), buttons=Qt.NoButton)
    assert tone.volume == pytest.approx(0.5, abs=0.03)
    assert np.abs(win.renderer.audio(0.5, 1.0)).max() == pytest.approx(loud * tone.volume, rel=0.05)
    assert track_of(win, "tone") == (3, (0.0, 4.0))  # not moved
    win.undo_stack.undo()
    assert tone.volume == 1.0


def test_ctrl_click_selects_several_clips_for_delete_and_the_razor(win, qtbot):
    tl = win.timeline
    c = ids(win)

    def ctrl_click(name):
        r = tl.clip_rect(c[name])
        p = QPointF(r.center().x(), r.top() + 20)
        for kind, buttons in ((QEvent.MouseButtonPress, Qt.LeftButton), (QEvent.MouseButtonRelease, Qt.NoButton)):
            QApplication.sendEvent(tl, QMouseEvent(kind, p, tl.mapToGlobal(p), Qt.LeftButton, buttons,
                                                   Qt.ControlModifier))

    ctrl_click("pip")
    ctrl_click("title")
    assert tl.selected_ids() == {c["pip"], c["title"]} and win.selected_clip == c["title"]
    seek(qtbot, win, 1.5)
    win.split_at_playhead()  # only the selected clips
    assert [len(t.clips) for t in win.project.tracks] == [1, 2, 2, 1]
    win.undo_stack.undo()
    tl.select(c["pip"])
    ctrl_click("title")
    ctrl_click("tone")
    ctrl_click("title")  # toggled off again
    assert tl.selected_ids() == {c["pip"], c["tone"]}
    win.delete_selected()
    assert [len(t.clips) for t in win.project.tracks] == [1, 0, 1, 0]
    assert "Remove 2 clips" in win.undo_stack.undoText() and win.undo_stack.count() == 1
    win.undo_stack.undo()
    assert [len(t.clips) for t in win.project.tracks] == [1, 1, 1, 1]
    assert track_of(win, "pip") == (1, pytest.approx((1.0, 2.0)))


def test_shift_delete_closes_the_gap_on_an_upper_track(win, qtbot, make_clip):
    from t2v_desktop.project import history as h

    tl = win.timeline
    track = win.project.tracks[1]
    extra = Clip(source=str(make_clip("tl-pip", duration=1.0, pattern="solid", color=(220, 30, 30), audio=False,
                                      number_frames=False)), name="later")
    assert win.push(h.PlaceClip(extra, track.id, 3.0))
    tl.select(ids(win)["pip"])
    tl.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tl)
    qtbot.keyClick(tl, Qt.Key_Delete, Qt.ShiftModifier)
    assert [c.name for c in track.clips] == ["later"]
    assert track_of(win, "later") == (1, pytest.approx((2.0, 3.0)))  # moved earlier by the pip's 1 s
    win.undo_stack.undo()
    assert track_of(win, "later") == (1, pytest.approx((3.0, 4.0)))
    assert track_of(win, "pip") == (1, pytest.approx((1.0, 2.0)))
    tl.select(ids(win)["pip"])
    qtbot.keyClick(tl, Qt.Key_Delete)  # plain Delete leaves the gap
    assert track_of(win, "later") == (1, pytest.approx((3.0, 4.0)))


def test_the_subtitle_header_burns_the_cues_in(win, qtbot):
    tl = win.timeline
    subs = win.project.subtitle_tracks[0]
    b = button_rects(tl.rows[-1])["burn_in"]
    before = win.renderer.frame_at(1.0)
    click(tl, b.center().x(), b.center().y())
    assert subs.burn_in and win.undo_stack.undoText() == "Burn in subtitles"
    assert np.abs(win.renderer.frame_at(1.0).astype(int) - before).max() > 100  # the cue's text is drawn
    win.undo_stack.undo()
    assert not subs.burn_in


def test_keyframes_show_as_diamonds_on_their_clip(win, qtbot):
    import dataclasses

    from t2v_desktop.keyframes import Keyframes

    tl = win.timeline
    title = win.project.tracks[2].clips[0]
    tf = dataclasses.replace(title.transform, opacity=Keyframes.of([(0.5, 0.0, "linear"), (1.5, 1.0, "linear")]))
    assert win.set_clip_transform(title.id, tf)
    assert tl.key_times(win.project.tracks[2].clips[0]) == [0.5, 1.5]
    img = tl.grab().toImage()
    row = tl.rows[0]
    y = row.y + min(row.h - 6, 24)
    for t in (0.5, 1.5):
        q = QColor(img.pixel(int(tl.x_of(t)), int(y)))
        assert (q.red(), q.green(), q.blue()) == (0xff, 0xd5, 0x4f)
    q = QColor(img.pixel(int(tl.x_of(1.0)), int(y)))
    assert (q.red(), q.green(), q.blue()) != (0xff, 0xd5, 0x4f)
    win.undo_stack.undo()
    assert tl.key_times(win.project.tracks[2].clips[0]) == []


def test_shift_drag_inserts_and_moves_the_later_clips_on(win, qtbot, make_clip):
    from t2v_desktop.project import history as h

    tl = win.timeline
    track = win.project.tracks[1]
    extra = Clip(source=str(make_clip("tl-pip", duration=1.0, pattern="solid", color=(220, 30, 30), audio=False,
                                      number_frames=False)), name="later")
    assert win.push(h.PlaceClip(extra, track.id, 3.0))
    seek(qtbot, win, 1.0)  # the pip's start: the drop snaps to it
    src, dst = tl.rows[0], tl.rows[1]
    p0, p1 = (tl.x_of(0.5), src.y + src.h / 2), (tl.x_of(1.5) + 3, dst.y + dst.h / 2)
    send(tl, QEvent.MouseButtonPress, *p0)
    send(tl, QEvent.MouseMove, *p1)
    p = QPointF(*p1)
    QApplication.sendEvent(tl, QMouseEvent(QEvent.MouseButtonRelease, p, tl.mapToGlobal(p), Qt.LeftButton,
                                           Qt.NoButton, Qt.ShiftModifier))
    assert [c.name for c in track.clips] == ["title", "pip", "later"]
    assert [track_of(win, n)[1] for n in ("title", "pip", "later")] == [
        pytest.approx((1.0, 3.0)), pytest.approx((3.0, 4.0)), pytest.approx((5.0, 6.0))]
    win.undo_stack.undo()
    assert track_of(win, "title") == (2, (0.0, 2.0)) and track_of(win, "later") == (1, pytest.approx((3.0, 4.0)))


def test_a_drop_over_another_clip_is_drawn_red_and_refused(win, qtbot):
    tl = win.timeline
    src, dst = tl.rows[0], tl.rows[1]
    send(tl, QEvent.MouseButtonPress, tl.x_of(0.5), src.y + src.h / 2)
    send(tl, QEvent.MouseMove, tl.x_of(1.2), dst.y + dst.h / 2)  # title over the pip (1-2 s)
    assert tl._drag["bad"]
    img = tl.grab().toImage()
    g = tl._drag["ghost"]
    reds = [x for x in range(int(tl.x_of(g[0])) - 2, int(tl.x_of(g[1])) + 3)
            if (lambda q: q.red() > 200 and q.green() < 120)(QColor(img.pixel(x, dst.y)))]
    assert len(reds) > 10  # the dashed outline is red
    send(tl, QEvent.MouseButtonRelease, tl.x_of(1.2), dst.y + dst.h / 2, buttons=Qt.NoButton)
    assert track_of(win, "title") == (2, (0.0, 2.0)) and win.undo_stack.count() == 0
    assert "overlap" in win.statusBar().currentMessage()


def test_tracks_move_up_and_down_and_are_renamed(win, qtbot):
    tl = win.timeline
    p = win.project
    title_track, pip_track = p.tracks[2], p.tracks[1]
    win.set_track_props(pip_track.id, {"muted": True})
    menu = {a.text(): a for a in tl.header_menu(tl.rows[1]).actions()}  # V2 (the pip), under V3
    assert menu["Move track up"].isEnabled() and not menu["Move track down"].isEnabled()  # the main is below
    menu["Move track up"].trigger()
    assert [t.clips[0].name if t.clips else None for t in p.video_tracks] == ["base", "title", "pip"]
    assert tl.rows[0].items[1][0].name == "pip" and tl.rows[0].track.muted  # on top now, settings kept
    assert track_of(win, "pip") == (2, pytest.approx((1.0, 2.0)))
    frame = win.renderer.frame_at(1.5)  # the opaque pip covers the title now
    assert frame[..., 0].mean() > 180 and frame.min(axis=2).max() < 100
    assert "Move track" in win.undo_stack.undoText()
    win.undo_stack.undo()
    assert p.tracks[1] is pip_track and p.tracks[2] is title_track
    win.ask_text = lambda title, current: "Overlays"
    r = tl.rows[1]
    send(tl, QEvent.MouseButtonDblClick, 20, r.y + 8)
    assert pip_track.name == "Overlays" and tl.rows[1].label == "Overlays"


def test_subtitle_tracks_and_cues_from_the_menus(win, qtbot):
    tl = win.timeline
    subs = win.project.subtitle_tracks
    acts = {a.text(): a for a in tl.header_menu(tl.rows[0]).actions()}
    acts["Add subtitle track"].trigger()
    assert len(subs) == 2 and tl.rows[-1].id == subs[1].id and tl.rows[-1].kind == "subtitle"
    win.ask_text = lambda title, current: "Second line"
    menu = tl.cue_menu(tl.rows[-1], tl.x_of(1.0))
    next(a for a in menu.actions() if a.text() == "Add cue here").trigger()
    assert [(c.start, c.end, c.text) for c in subs[1].cues] == [(pytest.approx(1.0, abs=0.01),
                                                                pytest.approx(3.0, abs=0.01), "Second line")]
    menu = tl.cue_menu(tl.rows[-1], tl.x_of(2.0))
    next(a for a in menu.actions() if a.text() == "Delete cue").trigger()
    assert subs[1].cues == []
    menu = tl.header_menu(tl.rows[-1])
    next(a for a in menu.actions() if a.text().startswith("Remove subtitle track")).trigger()
    assert len(subs) == 1
    for _ in range(4):
        win.undo_stack.undo()
    assert len(subs) == 1 and len(tl.rows) == 5
