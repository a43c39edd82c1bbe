"""Schema v2 edit commands: tracks, placed clips, transitions, transforms, volume, subtitle tracks.

Every command is checked the same way: undo restores the exact project JSON and redo gives exactly
what the first do gave; a refused command leaves the JSON untouched.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from t2v_desktop import keyframes as kf
from t2v_desktop.engine.layout import TimelineLayout
from t2v_desktop.engine.render import Renderer
from t2v_desktop.errors import ParamError, ProjectError
from t2v_desktop.project.history import (
    AddClip,
    AddOp,
    AddSubtitleTrack,
    AddTrack,
    AddTransition,
    Compound,
    History,
    PlaceClip,
    RemoveClip,
    RemoveSubtitleTrack,
    RemoveTrack,
    RemoveTransition,
    SetClipVolume,
    SetSubtitleTrack,
    SetTrackProps,
    SetTransform,
    SetTransition,
    SplitClip,
    TrimClip,
)
from t2v_desktop.project.model import (
    AppliedOp,
    Clip,
    ColorSource,
    Cue,
    Ducking,
    Gap,
    MediaSource,
    Project,
    SubtitleTrack,
    TitleSource,
    TitleStyle,
    Track,
    Transform,
)

LOCKED = "Track '{}' is locked; unlock it first."


def snap(p: Project) -> str:
    return json.dumps(p.to_json(), sort_keys=True)


def roundtrip(p: Project, cmd) -> str:
    """do/undo/redo through a History; returns the JSON after do."""
    h = History(p)
    before = snap(p)
    h.push(cmd)
    after = snap(p)
    assert after != before
    h.undo()
    assert snap(p) == before
    h.redo()
    assert snap(p) == after
    return after


def refused(p: Project, cmd, match: str, exc=ParamError) -> None:
    before = snap(p)
    with pytest.raises(exc, match=match) as e:
        History(p).push(cmd)
    assert "\n" not in str(e.value)
    assert snap(p) == before


def kinds(track: Track) -> list:
    return [type(i).__name__ for i in track.items]


@pytest.fixture
def three(make_clip):
    """Main track: three 2 s clips (25 fps); an upper video track "Overlays"; an audio track "Music"."""
    a = make_clip(duration=2.0)
    b = make_clip(duration=2.0, tone_hz=660)
    c = make_clip(duration=2.0, tone_hz=880)
    p = Project.from_media(str(a), str(b), str(c))
    p.tracks.append(Track("video", name="Overlays"))
    p.tracks.append(Track("audio", name="Music"))
    return p


def title(text="Hello", seconds=2.0) -> Clip:
    return Clip(TitleSource(text), 0.0, seconds, name=f"Title {text}")


def media_clip(path, name="m", **kw) -> Clip:
    return Clip(MediaSource(str(path)), name=name, **kw)


# -- tracks --------------------------------------------------------------------------------------

def test_add_track_places_video_on_top_of_video_and_audio_last(three):
    p = three
    up = AddTrack("video", name="Titles")
    after = json.loads(roundtrip(p, up))
    assert [t["name"] for t in after["tracks"]] == ["", "Overlays", "Titles", "Music"]
    assert after["tracks"][2]["id"] == up.track_id and p.tracks[2].id == up.track_id
    audio = AddTrack("audio", name="Voice", role="voice")
    History(p).push(audio)
    assert (p.tracks[-1].id, p.tracks[-1].role, p.tracks[-1].kind) == (audio.track_id, "voice", "audio")
    under = AddTrack("video", name="Under", index=1)
    History(p).push(under)
    assert p.tracks[1].id == under.track_id and p.main_track is p.tracks[0]


def test_add_track_refusals(three):
    refused(three, AddTrack("video", index=0), "A new track goes after the main track")
    refused(three, AddTrack("audio", index=0), "A new track goes after the main track")
    refused(three, AddTrack("audio", index=9), "position 9")
    with pytest.raises(ParamError, match="'video' or 'audio'"):
        AddTrack("subtitle")
    with pytest.raises(ParamError, match="role"):
        AddTrack("audio", role="drums")


def test_remove_track(three):
    p = three
    after = json.loads(roundtrip(p, RemoveTrack(p.tracks[1].id)))
    assert [t["name"] for t in after["tracks"]] == ["", "Music"]
    refused(p, RemoveTrack(p.main_track.id), "main track and cannot be removed")
    refused(p, RemoveTrack("nope"), r"No track with id 'nope'; the tracks are .*'Music'", ProjectError)
    p.tracks[1].locked = True
    refused(p, RemoveTrack(p.tracks[1].id), LOCKED.format("Music"))


def test_track_props_round_trip(three, tmp_path):
    p = three
    music = p.tracks[2]
    for props in ({"muted": True}, {"solo": True}, {"gain_db": -12.0, "pan": -0.5},
                  {"role": "music", "ducking": Ducking(amount_db=9.0)}, {"name": "Score"}, {"locked": True},
                  {"ducking": {"amount_db": 6.0, "attack": 0.05}}):
        roundtrip(p, SetTrackProps(music.id, **props))
    History(p).push(SetTrackProps(music.id, solo=True, muted=True, gain_db=-6.0, ducking=Ducking(amount_db=9.0)))
    History(p).push(SetTrackProps(p.tracks[1].id, hidden=True))
    p.save(tmp_path / "p.t2v")
    q = Project.load(tmp_path / "p.t2v")
    assert (q.tracks[2].solo, q.tracks[2].muted, q.tracks[2].gain_db, q.tracks[2].ducking.amount_db) == \
        (True, True, -6.0, 9.0)
    assert q.tracks[1].hidden and not q.tracks[0].hidden
    assert snap(q) == snap(p)
    assert SetTrackProps(music.id, muted=True).label == "Mute track"


def test_track_props_refusals(three):
    p = three
    music = p.tracks[2].id
    refused(p, SetTrackProps(music, gain_db=40.0), r"'gain_db' must be a number from -60 to 24, got 40")
    refused(p, SetTrackProps(music, pan=2), r"'pan' must be a number from -1 to 1")
    refused(p, SetTrackProps(music, ducking={"amount_db": -3}), r"'amount_db' must be a number from 0 to 60")
    refused(p, SetTrackProps(music, hidden=True), "audio track: it has no picture to hide")
    with pytest.raises(ParamError, match="must be true or false"):
        SetTrackProps(music, muted="yes")
    with pytest.raises(ParamError, match="Unknown track setting 'volume'; the settings are name, muted"):
        SetTrackProps(music, volume=3)
    # a locked track can still be unlocked (and muted): those change no item
    p.tracks[2].locked = True
    History(p).push(SetTrackProps(music, muted=True))
    History(p).push(SetTrackProps(music, locked=False))
    assert not p.tracks[2].locked and p.tracks[2].muted


# -- placing clips -------------------------------------------------------------------------------

def test_place_clip_at_3s_on_an_empty_track_makes_a_gap_then_the_clip(three):
    p = three
    over = p.tracks[1]
    t = title("Sale", 2.0)
    cmd = PlaceClip(t, over.id, 3.0)
    roundtrip(p, cmd)
    assert kinds(over) == ["Gap", "Clip"]
    assert over.items[0].duration == 3.0 and over.items[1].id == t.id == cmd.clip_id
    assert TimelineLayout(p).clip_span(t.id) == pytest.approx((3.0, 5.0))

    # a second one overlapping it is the clear error naming the first; nothing changes
    refused(p, PlaceClip(title("Other", 1.0), over.id, 4.6),
            r"'Title Other' \(4.60s to 5.60s\) would overlap 'Title Sale' \(3.00s to 5.00s\) on track 'Overlays'; "
            r"place it from 5.00s or on another track")
    refused(p, PlaceClip(title("Wide", 9.0), over.id, 0.0), "would overlap 'Title Sale'")

    # carved out of the gap before it: [Gap(1), Clip(1), Gap(1), Clip]; after it: [.., Gap(1), Clip]
    first = title("First", 1.0)
    roundtrip(p, PlaceClip(first, over.id, 1.0))
    assert kinds(over) == ["Gap", "Clip", "Gap", "Clip"]
    assert [i.duration for i in over.items if isinstance(i, Gap)] == [1.0, 1.0]
    last = title("Last", 1.0)
    History(p).push(PlaceClip(last, over.id, 6.0))
    lay = TimelineLayout(p)
    assert [lay.clip_span(c.id) for c in (first, t, last)] == [(1.0, 2.0), (3.0, 5.0), (6.0, 7.0)]
    # exactly filling a gap leaves no empty gap behind
    History(p).push(PlaceClip(title("Fill", 1.0), over.id, 5.0))
    assert kinds(over) == ["Gap", "Clip", "Gap", "Clip", "Clip", "Clip"]


def test_place_clip_refusals(three, make_clip):
    p = three
    music = p.tracks[2]
    refused(p, PlaceClip(title(), p.main_track.id, 1.0), "is the main track")
    refused(p, PlaceClip(title(), music.id, 0.0), "Track 'Music' holds sound files, not a title clip")
    refused(p, PlaceClip(title(), "zzz", 0.0), "No track with id 'zzz'", ProjectError)
    with pytest.raises(ParamError, match="start must be 0 s"):
        PlaceClip(title(), music.id, -1.0)
    with pytest.raises(ParamError, match="a title needs text of 1 to 2000 characters"):
        PlaceClip(Clip(TitleSource("x" * 10_000), 0.0, 1.0, name="long"), p.tracks[1].id, 0.0)
    with pytest.raises(ParamError, match="'opacity' must be a number from 0 to 1"):
        PlaceClip(media_clip(make_clip(), transform=Transform(opacity=1.5)), p.tracks[1].id, 0.0)
    # a sound file goes on an audio track; its length comes from the file (2 s at 25 fps)
    song = media_clip(make_clip(duration=2.0, video=False), name="song")
    roundtrip(p, PlaceClip(song, music.id, 0.4))
    assert TimelineLayout(p).clip_span(song.id) == pytest.approx((0.4, 2.4))


def test_compound_with_a_refused_placement_changes_nothing(three):
    p = three
    add = AddTrack("video", name="Titles")
    before = snap(p)
    with pytest.raises(ParamError, match="would overlap"):
        History(p).push(Compound("two titles", [add, PlaceClip(title("A"), add.track_id, 0.0),
                                                PlaceClip(title("B"), add.track_id, 1.0)]))
    assert snap(p) == before


# -- transitions ---------------------------------------------------------------------------------

def test_add_transition_between_clips(three):
    p = three
    a, b, c = (x.id for x in p.main_track.clips)
    d = AddTransition(a, "dissolve", 0.6)
    roundtrip(p, d)
    main = p.main_track
    assert kinds(main) == ["Clip", "Transition", "Clip", "Clip"]
    assert (main.items[1].id, main.items[1].kind, main.items[1].duration) == (d.transition_id, "dissolve", 0.6)
    assert TimelineLayout(p).duration == pytest.approx(5.4)  # the clips overlap by 0.6 s
    # a second one on the same join replaces the first
    w = AddTransition(a, "wipe_left", 1.0, {"softness": 0.1})
    roundtrip(p, w)
    assert kinds(main) == ["Clip", "Transition", "Clip", "Clip"]
    assert (main.items[1].id, main.items[1].kind, main.items[1].params) == (w.transition_id, "wipe_left",
                                                                          {"softness": 0.1})


def test_transition_longer_than_its_clips_is_a_clear_error(three, make_clip):
    p = three
    short_clip = media_clip(make_clip(duration=1.0, tone_hz=330), name="short.mp4")
    History(p).push(AddClip(short_clip, index=1))  # 2 s, 1 s, 2 s, 2 s
    a = p.main_track.clips[0]
    refused(p, AddTransition(a.id, "dissolve", 1.5),
            r"The 1.5 s dissolve is longer than its clips allow: '[^']+' has 2.00 s and 'short.mp4' 1.00 s for it "
            r".*Make it at most 1.00 s")
    # a transition already on the short clip's other side leaves it less room
    History(p).push(AddTransition(short_clip.id, "dip_black", 0.6))
    refused(p, AddTransition(a.id, "dissolve", 0.5), r"'short.mp4' 0.40 s for it")
    History(p).push(AddTransition(a.id, "dissolve", 0.4))  # exactly fits
    assert TimelineLayout(p).duration == pytest.approx(7.0 - 1.0)


def test_transition_refusals(three):
    p = three
    a, b, c = (x.id for x in p.main_track.clips)
    refused(p, AddTransition(c, "dissolve", 0.5), "is the last clip on track .*; a transition needs a clip after it")
    with pytest.raises(ParamError, match="Unknown transition 'fade'; the transitions are dissolve, dip_black"):
        AddTransition(a, "fade", 0.5)
    with pytest.raises(ParamError, match="more than 0 s"):
        AddTransition(a, "dissolve", 0)
    over = p.tracks[1]
    x, y = title("X", 1.0), title("Y", 1.0)
    History(p).push(PlaceClip(x, over.id, 0.0))
    History(p).push(PlaceClip(y, over.id, 1.6))
    refused(p, AddTransition(x.id, "dissolve", 0.2), r"There is a 0.60 s gap after 'Title X' on track 'Overlays'")
    History(p).push(TrimClip(y.id, 0.0, 2.0))  # stills trim freely
    z = title("Z", 1.0)
    History(p).push(PlaceClip(z, over.id, 3.6))  # right after Y: a transition is possible there
    roundtrip(p, AddTransition(y.id, "slide_left", 0.5))


def test_remove_and_set_transition(three):
    p = three
    a, b, c = (x.id for x in p.main_track.clips)
    t1, t2 = AddTransition(a, "dissolve", 0.4), AddTransition(b, "dip_white", 0.4)
    History(p).push(t1)
    History(p).push(t2)
    roundtrip(p, SetTransition(t2.transition_id, kind="wipe_up"))
    roundtrip(p, SetTransition(t2.transition_id, duration=1.6, params={"softness": 0.2}))
    t = p.main_track.items[3]
    assert (t.id, t.kind, t.duration, t.params) == (t2.transition_id, "wipe_up", 1.6, {"softness": 0.2})
    # b is 2 s with 0.4 s taken on its left: at most 1.6 s
    refused(p, SetTransition(t2.transition_id, duration=1.7), r"'[^']+' has 1.60 s and '[^']+' 2.00 s for it")
    refused(p, RemoveTransition("nope"), r"No transition with id 'nope' \(the project has 2 transitions\)",
            ProjectError)
    roundtrip(p, RemoveTransition(t1.transition_id))
    assert kinds(p.main_track) == ["Clip", "Clip", "Transition", "Clip"]
    assert TimelineLayout(p).duration == pytest.approx(6.0 - 1.6)


def test_remove_clip_with_transitions_on_both_sides(three):
    # main track: ripple, both transitions go
    p = three
    a, b, c = (x.id for x in p.main_track.clips)
    History(p).push(AddTransition(a, "dissolve", 0.5))
    History(p).push(AddTransition(b, "dissolve", 0.25))
    roundtrip(p, RemoveClip(b))
    assert [i.id for i in p.main_track.items] == [a, c]
    assert TimelineLayout(p).duration == pytest.approx(4.0)


def test_remove_clip_on_a_placed_track_leaves_a_gap(three):
    p = three
    over = p.tracks[1]
    x, y, z = title("X", 2.0), title("Y", 2.0), title("Z", 2.0)
    for clip, at in ((x, 1.0), (y, 3.0), (z, 5.0)):
        History(p).push(PlaceClip(clip, over.id, at))
    History(p).push(AddTransition(x.id, "dissolve", 0.4))
    History(p).push(AddTransition(y.id, "dissolve", 0.2))
    lay = TimelineLayout(p)
    xs, zs = lay.clip_span(x.id), lay.clip_span(z.id)
    roundtrip(p, RemoveClip(y.id))
    assert kinds(over) == ["Gap", "Clip", "Gap", "Clip"]
    assert over.items[2].duration == pytest.approx(2.0 - 0.4 - 0.2)  # what Y alone covered
    lay = TimelineLayout(p)
    assert (lay.clip_span(x.id), lay.clip_span(z.id)) == (xs, zs)  # nothing else moved
    # removing the first merges its time into the gap before it; the last one leaves no trailing gap
    History(p).push(RemoveClip(x.id))
    assert kinds(over) == ["Gap", "Clip"] and over.items[0].duration == pytest.approx(zs[0])
    assert TimelineLayout(p).clip_span(z.id) == zs
    History(p).push(RemoveClip(z.id))
    assert over.items == []


# -- split -----------------------------------------------------------------------------------------

def frames(p: Project) -> list:
    with Renderer(p) as r:
        return [f.copy() for f in r.iter_frames()]


def test_split_keeps_each_transition_on_its_side(three):
    p = three
    a, b, c = (x.id for x in p.main_track.clips)
    History(p).push(AddTransition(a, "dissolve", 0.4))
    History(p).push(AddTransition(b, "wipe_left", 0.4))
    before_frames = frames(p)
    lay = TimelineLayout(p)
    b0, b1 = lay.clip_span(b)
    assert (b0, b1) == pytest.approx((1.6, 3.6))
    # inside either overlap: refused, naming where a split may go
    refused(p, SplitClip(1.8), r"1.8s is inside a transition of '[^']+'; split it between 0.00s and 1.60s, "
            r"outside its transitions")
    refused(p, SplitClip(1.8, clip_id=b), r"split it between 2.00s and 3.20s")
    refused(p, SplitClip(3.4, clip_id=b), "inside a transition")
    split = SplitClip(2.6)
    roundtrip(p, split)
    main = p.main_track
    assert kinds(main) == ["Clip", "Transition", "Clip", "Clip", "Transition", "Clip"]
    left, right = main.items[2], main.items[3]
    assert left.id == b and (main.items[1].kind, main.items[4].kind) == ("dissolve", "wipe_left")
    lay = TimelineLayout(p)
    assert lay.clip_span(left.id) == pytest.approx((1.6, 2.6)) and lay.clip_span(right.id) == pytest.approx((2.6, 3.6))
    assert lay.clip_span(c) == pytest.approx((3.2, 5.2)) and lay.duration == pytest.approx(5.2)
    after_frames = frames(p)
    assert len(after_frames) == len(before_frames) == 130
    worst = max(int(np.abs(x.astype(int) - y.astype(int)).max()) for x, y in zip(before_frames, after_frames, strict=True))
    assert worst <= 2  # the same picture, transitions included


def test_split_on_a_placed_track_and_keyframes_continue(three, make_clip):
    p = three
    over = p.tracks[1]
    zoom = kf.Keyframes.of([(0.0, 1.0), (2.0, 2.0)])
    fade = kf.Keyframes.of([(0.0, 0.0), (0.5, 1.0)])
    clip = media_clip(make_clip(duration=2.0), name="pip", transform=Transform(scale=zoom, opacity=fade),
                      volume=kf.Keyframes.of([(0.0, 1.0), (2.0, 0.0)]))
    History(p).push(PlaceClip(clip, over.id, 1.0))
    refused(p, SplitClip(0.5, track_id=over.id), "no clip to split at 0.5s")
    roundtrip(p, SplitClip(2.0, track_id=over.id))  # 1 s into the clip
    left, right = over.clips
    assert kinds(over) == ["Gap", "Clip", "Clip"]
    assert left.transform.scale == zoom
    assert right.transform.scale == kf.Keyframes.of([(0.0, 1.5), (1.0, 2.0)])
    assert right.transform.opacity == 1.0  # the fade-in ended before the split
    assert right.volume == kf.Keyframes.of([(0.0, 0.5), (1.0, 0.0)])
    for t in (0.0, 0.3, 0.9):
        assert right.transform.at(t).scale == pytest.approx(zoom.at(1.0 + t))
    lay = TimelineLayout(p)
    assert (lay.clip_span(left.id), lay.clip_span(right.id)) == ((1.0, 2.0), (2.0, 3.0))


# -- locked tracks ---------------------------------------------------------------------------------

def test_locked_tracks_refuse_every_change_to_their_items(three, make_clip):
    p = three
    over = p.tracks[1]
    x, y = title("X", 2.0), title("Y", 2.0)
    History(p).push(PlaceClip(x, over.id, 0.0))
    History(p).push(PlaceClip(y, over.id, 2.0))
    t = AddTransition(x.id, "dissolve", 0.5)
    History(p).push(t)
    History(p).push(SetTrackProps(over.id, locked=True))
    History(p).push(SetTrackProps(p.main_track.id, locked=True, name="Main"))
    a = p.main_track.clips[0].id
    msg, main_msg = LOCKED.format("Overlays"), LOCKED.format("Main")
    for cmd in (PlaceClip(title("Z", 1.0), over.id, 5.0), RemoveClip(x.id), SplitClip(1.0, clip_id=x.id),
                AddTransition(x.id, "wipe_up", 0.3), RemoveTransition(t.transition_id),
                SetTransition(t.transition_id, kind="dip_black"), SetTransform(x.id, Transform(opacity=0.5)),
                SetClipVolume(x.id, 0.5), TrimClip(x.id, 0.0, 1.0), RemoveTrack(over.id)):
        refused(p, cmd, msg)
    for cmd in (RemoveClip(a), SplitClip(1.0), AddOp(a, AppliedOp("brightness", {"amount": 0.2})),
                AddClip(media_clip(make_clip(duration=1.0)), index=0), AddTransition(a, "dissolve", 0.5)):
        refused(p, cmd, main_msg)


# -- clip properties -------------------------------------------------------------------------------

def test_set_transform_and_volume(three):
    p = three
    a = p.main_track.clips[0].id
    tf = Transform(x=0.8, y=0.2, scale=kf.Keyframes.of([(0.0, 1.0), (2.0, 1.3, "ease")]), opacity=0.5,
                   blend="screen", fit="cover", crop_left=0.1)
    after = json.loads(roundtrip(p, SetTransform(a, tf)))
    assert after["tracks"][0]["items"][0]["transform"]["scale"] == {"keyframes": [[0.0, 1.0, "linear"],
                                                                                  [2.0, 1.3, "ease"]]}
    assert p.main_track.clips[0].transform == tf
    roundtrip(p, SetTransform(a, Transform()))
    roundtrip(p, SetClipVolume(a, 0.25))
    roundtrip(p, SetClipVolume(a, kf.Keyframes.of([(0.0, 1.0), (1.0, 0.0)])))
    with pytest.raises(ParamError, match="'opacity' must be a number from 0 to 1, got 2"):
        SetTransform(a, Transform(opacity=2.0))
    with pytest.raises(ParamError, match="crop_left \\+ crop_right must leave some picture"):
        SetTransform(a, Transform(crop_left=0.6, crop_right=0.6))
    with pytest.raises(ParamError, match="Clip volume must be a number from 0 to 16, got 20"):
        SetClipVolume(a, 20)
    with pytest.raises(ParamError, match="keyframes must be from 0 to 16"):
        SetClipVolume(a, kf.Keyframes.of([(0.0, 1.0), (1.0, 30.0)]))
    refused(p, SetTransform("nope", Transform()), "No clip with id nope", ProjectError)


# -- subtitle tracks -------------------------------------------------------------------------------

def test_subtitle_track_commands(three):
    p = three
    subs = SubtitleTrack([Cue(0.5, 1.5, "Hello"), Cue(2.0, 3.0, "world")], name="talk", language="en")
    add = AddSubtitleTrack(subs)
    roundtrip(p, add)
    assert p.subtitle_tracks[0].id == add.track_id and p.subtitle_tracks[0] is not subs
    sid = add.track_id
    roundtrip(p, SetSubtitleTrack(sid, burn_in=True))
    assert p.subtitle_tracks[0].burn_in and SetSubtitleTrack(sid, burn_in=True).label == "Burn in subtitles"
    roundtrip(p, SetSubtitleTrack(sid, cues=[(0.0, 1.0, "one"), Cue(1.0, 2.0, "two")], language="de", name="x"))
    assert [c.text for c in p.subtitle_tracks[0].cues] == ["one", "two"]
    old_style = p.subtitle_tracks[0].style
    roundtrip(p, SetSubtitleTrack(sid, style={"size": 60.0, "color": "#ffff00"}))
    st = p.subtitle_tracks[0].style
    assert (st.size, st.color, st.box, st.weight) == (60.0, "#ffff00", old_style.box, old_style.weight)
    roundtrip(p, SetSubtitleTrack(sid, style=TitleStyle(weight="bold")))
    assert p.subtitle_tracks[0].style == TitleStyle(weight="bold")
    refused(p, SetSubtitleTrack(sid, cues=[(2.0, 1.0, "backwards")]), "cue 1 must be \\[start, end, text\\] with end")
    refused(p, SetSubtitleTrack(sid, style={"size": 0}), "'size' must be a number from 4 to 1000")
    with pytest.raises(ParamError, match="Unknown subtitle setting 'font'"):
        SetSubtitleTrack(sid, font="Serif")
    with pytest.raises(ParamError, match="'soft' must be true or false"):
        SetSubtitleTrack(sid, soft=1)
    with pytest.raises(ParamError, match="cue 1 must be"):
        AddSubtitleTrack(SubtitleTrack([Cue(1.0, 1.0, "empty")]))
    refused(p, AddSubtitleTrack(p.subtitle_tracks[0]), "already in the project", ProjectError)
    roundtrip(p, RemoveSubtitleTrack(sid))
    assert p.subtitle_tracks == []
    refused(p, RemoveSubtitleTrack(sid), "No subtitle track with id", ProjectError)


def test_add_clip_to_a_new_track_undoes_exactly(three, make_clip):
    p = three
    after = roundtrip(p, AddClip(media_clip(make_clip(duration=1.0)), track=4))
    assert len(json.loads(after)["tracks"]) == 5
    refused(p, AddClip(Clip(ColorSource("#ff0000"), 0.0, 1.0), track=2), "holds sound files, not a color clip")


def test_trim_keeps_its_transitions_fitting(three):
    p = three
    a, b, c = (x.id for x in p.main_track.clips)
    History(p).push(AddTransition(a, "dissolve", 0.8))
    refused(p, TrimClip(b, 0.0, 0.6), r"The 0.8 s dissolve is longer than its clips allow: '[^']+' has 2.00 s and "
                                      r"'[^']+' 0.60 s for it")
    roundtrip(p, TrimClip(b, 0.2, 1.2))
    assert TimelineLayout(p).clip_span(c) == pytest.approx((2.2, 4.2))
    x = title("X", 1.0)
    History(p).push(PlaceClip(x, p.tracks[1].id, 0.0))
    refused(p, TrimClip(x.id, 0.0, None), "A title clip needs an out point")

