"""Sound files in the media bin: a waveform icon the size of a video thumbnail (their names sat
at the top of an empty cell before) and one elided line for every file name -- checked in the
bin's pixels and texts."""

from __future__ import annotations

import subprocess

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402

from t2v_desktop.gui.media_bin import GRID_SIZE, ICON_SIZE  # noqa: E402
from t2v_desktop.gui.thumbs import THUMB_H  # noqa: E402


def green_share(img, rect) -> float:
    hits = [QColor(img.pixel(x, y)) for x in range(rect.left(), rect.right()) for y in range(rect.top(), rect.bottom())
            if 0 <= x < img.width() and 0 <= y < img.height()]
    return sum(q.green() > q.red() + 20 and q.green() > q.blue() for q in hits) / max(1, len(hits))


def test_a_sound_file_gets_a_waveform_icon_like_a_video_thumbnail(main_window, qtbot, make_clip, tmp_path):
    wav = tmp_path / "Scene 1 narration with a rather long file name.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "the city wakes up early"], check=True)
    video = make_clip("bin-video", duration=1.0)
    b = main_window.bin
    assert b.add_paths([str(video), str(wav)], notify=False)
    items = {b.list.item(i).data(Qt.UserRole).rsplit("/", 1)[-1]: b.list.item(i) for i in range(b.list.count())}
    vid, snd = items[video.name], items[wav.name]
    qtbot.waitUntil(lambda: snd.data(Qt.UserRole + 1), timeout=10000)  # its waveform has arrived
    size = snd.icon().pixmap(ICON_SIZE).size()  # as high as a video thumbnail, inside the bin's icon box
    assert size.height() == THUMB_H and 0.5 * ICON_SIZE.width() < size.width() <= ICON_SIZE.width()
    qtbot.waitUntil(lambda: b.thumbs.thumb(str(video), 1 / 3) is not None, timeout=10000)
    assert b.thumbs.thumb(str(video), 1 / 3).height() == THUMB_H
    # drawn: the sound item's icon area is the audio green, where its name used to be; the icons line up
    img = b.list.viewport().grab().toImage()
    rs, rv = b.list.visualItemRect(snd), b.list.visualItemRect(vid)
    assert rs.top() == rv.top() and rs.height() == rv.height()  # one row, cells as high
    cx, top = rs.center().x(), rs.top() + (ICON_SIZE.height() - THUMB_H) // 2
    icon_area = rs.adjusted(cx - rs.left() - 30, top - rs.top() + 8, -(rs.right() - cx - 30), 0)
    icon_area.setHeight(THUMB_H - 16)
    assert green_share(img, icon_area) > 0.5
    # the name is at most two lines that fit the cell, broken at a space, the rest's middle elided
    fm = b.list.fontMetrics()
    lines = snd.text().split("\n")
    assert len(lines) == 3 and lines[2].endswith("· sound")
    assert all(fm.horizontalAdvance(line) <= GRID_SIZE.width() - 8 for line in lines[:2])
    assert wav.name.startswith(lines[0] + " ") and "…" in lines[1] and lines[1].endswith(".wav")
    from t2v_desktop.gui.media_bin import elided_name

    assert elided_name("Scene 1 narration.wav", fm, 100) == "Scene 1\nnarration.wav"  # not 'narration.' / 'wav'

    v1, v2 = vid.text().split("\n")[:2]  # no spaces: broken after a dash
    assert v1.endswith("-") and video.name.startswith(v1) and video.name.endswith(v2)
