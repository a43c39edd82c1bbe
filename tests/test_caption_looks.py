"""Caption looks burned in (classic, boxed, karaoke), checked in rendered pixels: the preview's
Renderer and the exported file, and the look saved in the project file."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from t2v_desktop.engine.captions import active_word, cue_style
from t2v_desktop.engine.export import export_project
from t2v_desktop.engine.render import Renderer
from t2v_desktop.engine.titles import layout_title, word_rects
from t2v_desktop.errors import ProjectError
from t2v_desktop.project.model import Clip, ColorSource, Cue, Project, SubtitleTrack

W, H, FPS = 640, 360, 10
GREY = "#606060"
TEXT = "alpha beta gamma"
WORDS = ((1.0, 1.4, "alpha"), (1.5, 1.9, "beta"), (2.0, 2.6, "gamma"))
YELLOW = "#ffd400"


def _project(look: str, style=None) -> Project:
    p = Project(width=W, height=H, fps=Fraction(FPS))
    p.main_track.items[:] = [Clip(ColorSource(GREY), out_point=3.0)]
    track = SubtitleTrack([Cue(1.0, 2.8, TEXT, WORDS)], burn_in=True, look=look)
    if style is not None:
        track.style = style
    p.subtitle_tracks.append(track)
    return p


def _yellow(region: np.ndarray) -> int:
    """Pixels of the highlight colour (allowing for anti-aliasing and video coding)."""
    r, g, b = (region[..., c].astype(int) for c in range(3))
    return int(np.count_nonzero((r > 200) & (g > 170) & (b < 90)))


def _white(region: np.ndarray) -> int:
    return int(np.count_nonzero(region.min(axis=2) > 220))


def _rects(track):
    lay = layout_title(TEXT, cue_style(track), (W, H), subtitle=True)
    return lay, word_rects(lay)


def _crop(frame, rect):
    x0, y0, x1, y1 = rect
    return frame[y0:y1, x0:x1]


def test_karaoke_lights_the_word_being_spoken_and_no_other():
    p = _project("karaoke")
    _, rects = _rects(p.subtitle_tracks[0])
    assert len(rects) == 3 and rects[0][2] <= rects[1][0] + 1  # three words side by side
    with Renderer(p) as r:
        before = r.frame_at(1.0 - 1 / FPS)  # no cue yet
        first = r.frame_at(1.2)  # inside word 1
        second = r.frame_at(1.7)  # inside word 2
        gap = r.frame_at(1.95)  # between words 2 and 3: word 2 stays lit
    assert _yellow(before) == 0
    assert _yellow(_crop(first, rects[0])) > 30 and _yellow(_crop(first, rects[1])) == 0
    w1, w2, w3 = (_crop(second, rc) for rc in rects)
    assert _yellow(w2) > 30, "the spoken word is not in the highlight colour"
    assert _yellow(w1) == 0 and _yellow(w3) == 0, "a word not being spoken is lit"
    assert _white(w1) > 30 and _white(w3) > 30 and _white(w2) == 0  # the others keep the text colour
    assert _yellow(second) == _yellow(w2)  # nothing lit outside word 2
    assert _yellow(_crop(gap, rects[1])) > 30


def test_classic_draws_no_highlight_and_boxed_draws_an_opaque_box():
    with Renderer(_project("classic")) as r:
        classic = r.frame_at(1.7)
    assert _yellow(classic) == 0 and _white(classic) > 100
    p = _project("boxed")
    p.subtitle_tracks[0].style.box_color = "#2040c0a0"  # translucent in the style: boxed makes it opaque
    lay, rects = _rects(p.subtitle_tracks[0])
    with Renderer(p) as r:
        boxed = r.frame_at(1.7)
    x0, y0, x1, y1 = lay.box_rect
    box = boxed[y0:y1, x0:x1].reshape(-1, 3).astype(int)
    exact = np.all(box == (0x20, 0x40, 0xc0), axis=1)
    assert exact.mean() > 0.6, "the box is not the box colour (opaque) behind the text"
    assert _white(boxed[y0:y1, x0:x1]) > 100  # the text is drawn over it
    outside = boxed[:y0 - 2].reshape(-1, 3)
    assert np.all(outside == (0x60, 0x60, 0x60))  # the picture elsewhere is untouched


def test_export_burns_the_karaoke_highlight_into_the_file(tmp_path):
    p = _project("karaoke")
    _, rects = _rects(p.subtitle_tracks[0])
    out = export_project(p, tmp_path / "k.mp4").path
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    second = frames[17]  # t = 1.7 s
    assert _yellow(_crop(second, rects[1])) > 30
    assert _yellow(_crop(second, rects[0])) < 3 and _yellow(_crop(second, rects[2])) < 3
    assert _yellow(_crop(frames[12], rects[0])) > 30 and _yellow(_crop(frames[12], rects[1])) < 3


def test_look_is_saved_and_old_projects_load_classic():
    p = _project("karaoke")
    p.subtitle_tracks[0].highlight = "#00ff00"
    d = p.subtitle_tracks[0].to_json()
    back = SubtitleTrack.from_json(d)
    assert (back.look, back.highlight) == ("karaoke", "#00ff00")
    plain = SubtitleTrack([Cue(0.0, 1.0, "x")]).to_json()
    assert "look" not in plain and "highlight" not in plain  # older readers see what they knew
    assert SubtitleTrack.from_json(plain).look == "classic"
    with pytest.raises(ProjectError, match="look"):
        SubtitleTrack.from_json({**plain, "look": "sparkly"})


def test_active_word():
    cue = Cue(1.0, 2.8, TEXT, WORDS)
    assert [active_word(cue, t) for t in (0.9, 1.0, 1.45, 1.5, 2.7)] == [None, 0, 0, 1, 2]


def test_commands_style_the_captions_in_one_undo_step():
    from t2v_desktop.commands.apply import apply_text
    from t2v_desktop.errors import ParamError
    from t2v_desktop.project.history import History

    p = _project("classic")
    p.subtitle_tracks[0].burn_in = False
    h = History(p)
    apply_text(p, "style the captions as karaoke", h)
    track = p.subtitle_tracks[0]
    assert (track.look, track.burn_in) == ("karaoke", True)  # burned in, so the look shows
    apply_text(p, "use boxed captions", h)
    assert track.look == "boxed"
    apply_text(p, "make the subtitles karaoke with the spoken word in green", h)
    assert (track.look, track.highlight) == ("karaoke", "#39e75f")
    h.undo()
    h.undo()
    assert track.look == "karaoke" and track.highlight == YELLOW
    h.undo()
    assert (track.look, track.burn_in) == ("classic", False)
    track.cues = [Cue(1.0, 2.0, "no word times")]
    with pytest.raises(ParamError, match="word times"):
        apply_text(p, "use karaoke captions", h)
    assert track.look == "classic"
