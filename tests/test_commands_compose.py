"""Structural commands: parse -> typed steps, then one resolution into the project model (tracks,
items, transforms, keyframes, volumes, subtitle tracks) as ONE undo step; unknown files, tracks and
clips are errors that name what exists. Pixels and samples of the result are the engine's tests."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from t2v_desktop.commands import parse
from t2v_desktop.commands.plan import ParseError
from t2v_desktop.commands.steps import (
    AddAudio,
    AddImage,
    AddPicture,
    AddSubtitles,
    AddTitle,
    AddTransitions,
    BurnSubtitles,
    Duck,
    FadeLayer,
    KenBurns,
    SetTrack,
)
from t2v_desktop.errors import ParamError, T2VError
from t2v_desktop.keyframes import Keyframes

# -- parse: text -> typed steps ------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path):
    """A folder with the files the phrases name (empty files: parsing only checks they exist)."""
    for name in ("logo.png", "clip2.mp4", "music.mp3", "talk.srt", "voice.wav"):
        (tmp_path / name).write_bytes(b"")
    return tmp_path


def steps(text, folder):
    return parse(text, {"base": str(folder)}).steps


def one(text, folder):
    s = steps(text, folder)
    assert len(s) == 1, s
    assert s[0].action == "compose" and s[0].route == "classic"
    return s[0]


def test_title_for_the_first_seconds(folder):
    s = one("add a title 'Summer Sale' for the first 3 seconds", folder)
    assert isinstance(s, AddTitle) and s.title == "Summer Sale" and not s.lower_third
    assert s.range.resolve(10.0) == (0.0, 3.0)


def test_lower_third_keeps_case_and_comma(folder):
    s = one("add a lower third 'Jane Doe, reporter' from 0:05 to 0:09", folder)
    assert isinstance(s, AddTitle) and s.lower_third and s.title == "Jane Doe, reporter"
    assert s.range.resolve(20.0) == (5.0, 9.0)


def test_logo_in_a_corner_at_opacity(folder):
    s = one("put logo.png in the top right corner at 50% opacity", folder)
    assert isinstance(s, AddImage) and s.path == str(folder / "logo.png")
    assert (s.corner, s.opacity, s.scale) == ("top_right", 0.5, 1.0)


def test_picture_in_picture(folder):
    s = one("picture in picture: clip2.mp4 in the bottom left at 30% size", folder)
    assert isinstance(s, AddPicture) and s.path == str(folder / "clip2.mp4")
    assert (s.corner, s.scale) == ("bottom_left", 0.3)


def test_music_with_level_and_fade_out(folder):
    s = one("add music.mp3 at -12 dB and fade it out at the end", folder)
    assert isinstance(s, AddAudio) and s.role == "music" and s.gain_db == -12.0
    assert (s.fade_in, s.fade_out) == (0.0, 2.0)
    s = one("add music.mp3 and fade it in over 3 seconds", folder)
    assert (s.fade_in, s.fade_out) == (3.0, 0.0)
    assert one("add voice.wav as the voice-over", folder).role == "voice"


def test_duck(folder):
    s = one("duck the music under the voice", folder)
    assert isinstance(s, Duck) and s.amount_db == 12.0 and s.voice == ""
    assert one("duck the music by 8 dB", folder).amount_db == 8.0
    assert one("duck the music under track 3", folder).voice == "3"


@pytest.mark.parametrize("text,kind,dur,between", [
    ("crossfade between the clips", "dissolve", 1.0, None),
    ("crossfade between the clips over 1 second", "dissolve", 1.0, None),
    ("add a 2 second crossfade between clip 1 and 2", "dissolve", 2.0, (1, 2)),
    ("dip to black between clip 1 and 2 over 1 second", "dip_black", 1.0, (1, 2)),
    ("dip to white between the first and second clip", "dip_white", 1.0, (1, 2)),
    ("wipe left between clip 2 and 3", "wipe_left", 1.0, (2, 3)),
    ("slide up between all clips over half a second", "slide_up", 0.5, None),
    ("dissolve at every cut", "dissolve", 1.0, None),
])
def test_transitions(folder, text, kind, dur, between):
    s = one(text, folder)
    assert isinstance(s, AddTransitions) and (s.transition, s.duration, s.between) == (kind, dur, between)


def test_transition_between_non_neighbours_is_an_error(folder):
    with pytest.raises(ParseError, match="not neighbours"):
        parse("crossfade between clip 1 and 3")


@pytest.mark.parametrize("text,a,b,pan", [
    ("slowly zoom in from 1x to 1.3x", 1.0, 1.3, ""),
    ("slowly zoom in", 1.0, 1.2, ""),
    ("slowly zoom out", 1.2, 1.0, ""),
    ("zoom in from 100% to 150%", 1.0, 1.5, ""),
    ("ken burns", 1.0, 1.2, ""),
    ("slowly pan left", 1.2, 1.2, "left"),
])
def test_ken_burns(folder, text, a, b, pan):
    s = one(text, folder)
    assert isinstance(s, KenBurns) and (s.scale_from, s.scale_to, s.pan) == (a, b, pan)


def test_zoom_and_pan_is_one_move(folder):
    s = one("slowly zoom in and pan right", folder)
    assert (s.scale_from, s.scale_to, s.pan) == (1.0, 1.2, "right")
    s = one("slowly zoom in from 1x to 1.5x, then pan up", folder)
    assert (s.scale_from, s.scale_to, s.pan) == (1.0, 1.5, "up")


def test_classic_zoom_and_fades_keep_their_meaning(folder):
    assert [(s.action, s.op) for s in steps("zoom in 2x", folder)] == [("apply", "zoom")]
    assert [(s.action, s.op) for s in steps("fade to black", folder)] == [("apply", "fade_out")]
    assert [(s.action, s.op) for s in steps("mute", folder)] == [("apply", "mute")]
    assert [(s.action, s.op) for s in steps("fade in and out", folder)] == [("apply", "fade_in"), ("apply", "fade_out")]


def test_fade_the_title(folder):
    s = one("fade the title in over half a second", folder)
    assert isinstance(s, FadeLayer) and (s.target, s.direction, s.duration) == ("title", "in", 0.5)
    s = one("fade the logo in and out over 1 second", folder)
    assert (s.target, s.direction, s.duration) == ("image", "both", 1.0)


def test_track_switches(folder):
    s = one("mute track 2", folder)
    assert isinstance(s, SetTrack) and (s.track, s.props) == ("2", {"muted": True})
    assert (one("solo the music", folder).track, one("solo the music", folder).props) == ("music", {"solo": True})
    assert one("unmute the titles track", folder).props == {"muted": False}
    assert one("set the music to -6 dB", folder).props == {"gain_db": -6.0}


def test_subtitles(folder):
    s = one("add subtitles from talk.srt", folder)
    assert isinstance(s, AddSubtitles) and s.path == str(folder / "talk.srt") and not s.burn_in
    assert one("add subtitles from talk.srt in french and burn them in", folder).burn_in
    assert one("add subtitles from talk.srt in french", folder).language == "fra"
    b = one("burn in the subtitles", folder)
    assert isinstance(b, BurnSubtitles) and b.burn_in


def test_removals(folder):
    assert (one("remove the crossfades", folder).kind, one("remove the crossfades", folder).between) == \
        ("remove_transition", None)
    assert one("remove the transition between clip 1 and 2", folder).between == (1, 2)
    assert (one("remove the music", folder).kind, one("remove the music", folder).role) == ("remove_audio", "music")
    assert [(s.action, s.op) for s in steps("remove the blur", folder)] == [("remove", "blur")]


def test_the_cli_example_and_json(folder):
    plan = parse("crossfade between the clips over 1 second, add a title 'HELLO' for the first 2 seconds",
                 {"base": str(folder)})
    assert [s.op for s in plan.steps] == ["transition", "title"]
    js = json.loads(json.dumps(plan.to_json()))
    assert js["steps"][1]["params"]["title"] == "HELLO" and js["steps"][0]["params"]["duration"] == 1.0
    assert "title" in plan.explain()


def test_a_missing_file_names_what_is_there(folder):
    with pytest.raises(ParseError, match=r"No file 'logo2.png' .*logo\.png") as err:
        parse("put logo2.png in the top right corner", {"base": str(folder)})
    assert err.value.suggestions == ["put logo.png in the top right corner"]


def test_titles_need_quotes_and_leftovers_are_errors(folder):
    with pytest.raises(ParseError, match="in quotes"):
        parse("add a title Summer Sale")
    with pytest.raises(ParseError, match="not 'sparkly'"):
        parse("put logo.png in the top right corner sparkly", {"base": str(folder)})


# -- resolution: steps -> the project model, one undo step -----------------------------------------

from t2v_desktop.commands.apply import apply_text  # noqa: E402
from t2v_desktop.engine.layout import TimelineLayout  # noqa: E402
from t2v_desktop.project.history import History  # noqa: E402
from t2v_desktop.project.model import ImageSource, MediaSource, Project, TitleSource, Transition  # noqa: E402


@pytest.fixture
def media(tmp_path, make_clip):
    """Two 2 s clips, a 3 s clip, a 6 s sound file and a PNG logo in one folder."""
    import cv2

    shutil.copy(make_clip(duration=2.0), tmp_path / "a.mp4")
    shutil.copy(make_clip(duration=2.0, tone_hz=660.0), tmp_path / "b.mp4")
    shutil.copy(make_clip(duration=3.0, width=96, height=72), tmp_path / "clip2.mp4")
    shutil.copy(make_clip(duration=6.0, video=False, ext="m4a"), tmp_path / "music.m4a")
    rgba = np.zeros((20, 40, 4), np.uint8)
    rgba[..., 2] = 255
    rgba[..., 3] = 200
    cv2.imwrite(str(tmp_path / "logo.png"), rgba)
    return tmp_path


@pytest.fixture
def two(media):
    from t2v_desktop.project import history

    if not hasattr(history, "PlaceClip"):  # the structural history commands are not in this tree yet
        pytest.skip("project.history has no structural commands yet")
    p = Project.from_media(str(media / "a.mp4"), str(media / "b.mp4"))
    return p, History(p)


def run(p, h, text, media, **kw):
    return apply_text(p, text, h, base=str(media), **kw)


def test_crossfade_and_title_are_one_undo_step(two, media):
    p, h = two
    before = json.dumps(p.to_json())
    run(p, h, "crossfade between the clips over 1 second, add a title 'HELLO' for the first 2 seconds", media)
    items = p.main_track.items
    assert isinstance(items[1], Transition) and (items[1].kind, items[1].duration) == ("dissolve", 1.0)
    layout = TimelineLayout(p)
    assert layout.track_end(p.main_track) == pytest.approx(3.0, abs=0.05)
    titles = [t for t in p.video_tracks if t.name == "Titles"]
    assert len(titles) == 1
    clip = titles[0].clips[0]
    assert isinstance(clip.source, TitleSource) and clip.source.text == "HELLO"
    assert layout.clip_span(clip.id) == pytest.approx((0.0, 2.0), abs=0.05)
    assert len(h.labels) == 1
    h.undo()
    assert json.dumps(p.to_json()) == before
    h.redo()
    assert isinstance(p.main_track.items[1], Transition)


def test_title_for_the_last_seconds_uses_the_finished_programme(two, media):
    p, h = two
    run(p, h, "add a title 'END' for the last 1 second, then crossfade between the clips over 1 second", media)
    clip = next(t for t in p.video_tracks if t.name == "Titles").clips[0]
    assert TimelineLayout(p).clip_span(clip.id) == pytest.approx((2.0, 3.0), abs=0.05)


def test_lower_third_logo_and_pip(two, media):
    p, h = two
    run(p, h, "add a lower third 'Jane Doe, reporter' from 0:01 to 0:03", media)
    run(p, h, "put logo.png in the top right corner at 50% opacity", media)
    run(p, h, "picture in picture: clip2.mp4 in the bottom left at 30% size", media)
    layout = TimelineLayout(p)
    lt = next(t for t in p.video_tracks if t.name == "Titles").clips[0]
    st = lt.source.style
    assert st.box and st.align == "left" and st.y == pytest.approx(0.8)
    assert layout.clip_span(lt.id) == pytest.approx((1.0, 3.0), abs=0.05)
    overlays = [t for t in p.video_tracks if t.name.startswith("Overlays")]
    logo = next(c for t in overlays for c in t.clips if isinstance(c.source, ImageSource))
    tf = logo.transform
    assert (tf.fit, tf.opacity, tf.anchor_x, tf.anchor_y) == ("native", 0.5, 1.0, 0.0)
    assert (tf.x, tf.y) == pytest.approx((0.97, 0.03))
    assert layout.clip_span(logo.id) == pytest.approx((0.0, 4.0), abs=0.05)  # the whole programme
    pip = next(c for t in overlays for c in t.clips if isinstance(c.source, MediaSource))
    assert (pip.transform.scale, pip.transform.anchor_x, pip.transform.anchor_y) == (0.3, 0.0, 1.0)
    assert layout.clip_span(pip.id) == pytest.approx((0.0, 3.0), abs=0.05)
    # the logo and the PIP overlap in time: never on one track
    assert layout.track_of(logo.id) is not layout.track_of(pip.id)
    # titles stay on top of the overlays
    names = [t.name for t in p.video_tracks]
    assert names.index("Titles") > max(names.index(t.name) for t in overlays)


def test_music_volume_fade_and_duck(two, media):
    p, h = two
    run(p, h, "add music.m4a at -12 dB and fade it out at the end", media)
    music = [t for t in p.audio_tracks if t.role == "music"]
    assert len(music) == 1 and music[0].name == "Music"
    clip = music[0].clips[0]
    g = 10 ** (-12 / 20)
    assert isinstance(clip.volume, Keyframes)
    assert TimelineLayout(p).clip_span(clip.id) == pytest.approx((0.0, 4.0), abs=0.05)  # cut to the programme
    assert clip.volume.at(0.0) == pytest.approx(g) and clip.volume.at(2.0) == pytest.approx(g)
    assert clip.volume.at(3.0) == pytest.approx(g / 2) and clip.volume.at(4.0) == 0.0
    run(p, h, "duck the music under the voice", media)
    assert music[0].ducking is not None and music[0].ducking.amount_db == 12.0
    run(p, h, "solo the music, mute track 1", media)
    assert music[0].solo and p.tracks[0].muted
    h.undo()
    assert not music[0].solo and not p.tracks[0].muted
    run(p, h, "remove the music", media)
    assert not [t for t in p.tracks if t.role == "music"]
    h.undo()
    assert [t for t in p.tracks if t.role == "music"] == music


def test_ken_burns_and_fade_title_keyframes(two, media):
    p, h = two
    run(p, h, "slowly zoom in from 1x to 1.3x on clip 2", media)
    b = p.main_track.clips[1]
    assert isinstance(b.transform.scale, Keyframes)
    assert b.transform.scale.at(0.0) == pytest.approx(1.0) and b.transform.scale.at(2.0) == pytest.approx(1.3)
    assert b.transform.scale.at(1.0) == pytest.approx(1.15)
    assert p.main_track.clips[0].transform.is_identity
    run(p, h, "slowly pan left", media, clip_id=p.main_track.clips[0].id)
    a = p.main_track.clips[0].transform
    assert a.scale == 1.2 and a.x.at(0.0) == pytest.approx(0.4) and a.x.at(2.0) == pytest.approx(0.6)
    run(p, h, "slowly zoom in from 1x to 1.4x and pan right", media, clip_id=p.main_track.clips[1].id)
    b = p.main_track.clips[1].transform
    for t in np.linspace(0.0, 2.0, 9):  # the picture's edge never shows: |x - 0.5| <= (scale - 1) / 2
        assert abs(b.x.at(t) - 0.5) <= (b.scale.at(t) - 1) / 2 + 1e-9
    assert b.x.at(0.0) == pytest.approx(0.5) and b.x.at(2.0) == pytest.approx(0.3)
    run(p, h, "add a title 'HI' for the first 2 seconds, fade the title in over half a second", media)
    title = next(t for t in p.video_tracks if t.name == "Titles").clips[0]
    op = title.transform.opacity
    assert isinstance(op, Keyframes) and op.at(0.0) == 0.0 and op.at(0.25) == pytest.approx(0.5)
    assert op.at(0.5) == 1.0 and op.at(1.9) == 1.0
    run(p, h, "fade the title out over half a second", media)
    op = title.transform.opacity
    assert op.at(0.25) == pytest.approx(0.5) and op.at(1.0) == 1.0 and op.at(2.0) == 0.0


def test_dip_between_named_clips_and_errors_name_what_exists(two, media):
    p, h = two
    run(p, h, "crossfade between the clips", media)
    run(p, h, "remove the crossfades", media)
    assert not any(isinstance(i, Transition) for i in p.main_track.items)
    run(p, h, "dip to black between clip 1 and 2 over 1 second", media)
    assert p.main_track.items[1].kind == "dip_black"
    before = json.dumps(p.to_json())
    with pytest.raises(ParamError, match=r"No clip 3; the main track has 2 clips: 1 a\.mp4, 2 b\.mp4"):
        run(p, h, "wipe left between clip 2 and 3", media)
    with pytest.raises(ParamError, match=r"No track 3; the project has: 1 Video 1"):
        run(p, h, "mute track 3", media)
    with pytest.raises(ParamError, match=r"No drums track; the project has: 1 Video 1"):
        run(p, h, "mute the drums track", media)
    with pytest.raises(ParamError, match="no music track to duck"):
        run(p, h, "duck the music", media)
    with pytest.raises(ParamError, match="no title to fade"):
        run(p, h, "fade the title in", media)
    with pytest.raises(T2VError, match="No file 'nope.m4a'.*music.m4a"):
        run(p, h, "add nope.m4a at -6 dB", media)
    with pytest.raises(T2VError, match="(?i)longer|transition"):
        run(p, h, "crossfade between the clips over 5 seconds", media)
    assert json.dumps(p.to_json()) == before and len(h.labels) == 3  # nothing changed, nothing kept


def test_subtitles_add_and_burn(two, media):
    pytest.importorskip("t2v_desktop.project.subtitle_files")
    p, h = two
    (media / "talk.srt").write_text("1\n00:00:00,500 --> 00:00:01,500\nHello there\n\n"
                                    "2\n00:00:02,000 --> 00:00:03,250\nSecond line\n", encoding="utf-8")
    run(p, h, "add subtitles from talk.srt", media)
    (sub,) = p.subtitle_tracks
    assert [(c.start, c.end, c.text) for c in sub.cues] == [(0.5, 1.5, "Hello there"), (2.0, 3.25, "Second line")]
    assert not sub.burn_in
    run(p, h, "burn in the subtitles", media)
    assert p.subtitle_tracks[0].burn_in
    h.undo()
    assert not p.subtitle_tracks[0].burn_in
