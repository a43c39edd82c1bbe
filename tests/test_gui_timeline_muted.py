"""A clip at volume 0 (a from-script library shot under its narration) shows its sound lane grey,
not the green waveform of sound that is heard -- checked in the timeline's pixels."""

from __future__ import annotations

import pytest
from gui_projects import open_in_window

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QRectF  # noqa: E402

from t2v_desktop.gui.timeline_rows import SOUND_H  # noqa: E402
from t2v_desktop.keyframes import from_json as kf_from_json  # noqa: E402
from t2v_desktop.project.model import Clip, Project, Track  # noqa: E402
from tests.test_gui_timeline_tracks import colour_share  # noqa: E402


def test_a_muted_clip_draws_its_waveform_grey(qtbot, main_window, make_clip, tmp_path):
    src = make_clip("muted-tone", duration=2.0)
    project = Project(tracks=[Track("video", [Clip(source=str(src), name="heard"),
                                              Clip(source=str(src), name="muted", volume=0.0),
                                              Clip(source=str(src), name="half", volume=0.5)], name="")])
    w = open_in_window(main_window, qtbot, project, tmp_path / "muted.t2v")
    tl = w.timeline
    qtbot.waitUntil(lambda: w.thumbs.wave(str(src)) is not None)
    tl.invalidate()
    img = tl.grab().toImage()
    main = next(r for r in tl.rows if r.main)
    clips = {c.name: c for c in w.project.tracks[0].clips}

    def green(name):
        r = tl.clip_rect(clips[name].id)
        lane = QRectF(r.left(), main.sound_y, r.width(), SOUND_H)
        return colour_share(img, lane, lambda q: q.green() > 180 and q.red() < 160)

    assert green("heard") > 0.05 and green("half") > 0.05
    assert green("muted") == 0.0
    assert tl.silent_clip(clips["muted"]) and not tl.silent_clip(clips["half"])
    assert tl.silent_clip(Clip(source=str(src), volume=kf_from_json({"keyframes": [[0, 0.0], [1, 0.0]]}, "volume")))
