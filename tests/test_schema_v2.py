"""Project schema v2: typed items and sources, transforms, keyframes, track properties, subtitle
tracks; real v1 files (written by the v1 code, tests/data/v1) load migrated and save as v2; bad
files are one clear ProjectError each."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from t2v_desktop.errors import ProjectError
from t2v_desktop.keyframes import Keyframes
from t2v_desktop.project.model import (
    SCHEMA_VERSION,
    Clip,
    ColorSource,
    Cue,
    Ducking,
    Gap,
    GeneratedSource,
    ImageSource,
    MediaSource,
    Project,
    SubtitleTrack,
    TitleSource,
    TitleStyle,
    Track,
    Transform,
    Transition,
)

V1 = Path(__file__).parent / "data" / "v1"


@pytest.fixture
def v1_folder(tmp_path, make_clip):
    """The v1 files next to the media they name (media/a.mp4, media/b.mp4, relative paths)."""
    for f in V1.glob("*.t2v"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "media").mkdir()
    shutil.copy(make_clip(duration=3.0), tmp_path / "media" / "a.mp4")
    shutil.copy(make_clip(duration=2.0, tone_hz=660.0), tmp_path / "media" / "b.mp4")
    return tmp_path


def test_v1_files_are_real_v1():
    for f in V1.glob("*.t2v"):
        d = json.loads(f.read_text())
        assert d["version"] == 1 and "clips" in d["tracks"][0] and isinstance(d["tracks"][0]["clips"][0]["source"], str)


def test_v1_two_clips_migrates_and_saves_as_v2(v1_folder):
    p = Project.load(v1_folder / "two_clips.t2v")
    a, b = p.main_track.clips
    assert isinstance(a.source, MediaSource) and a.path == str((v1_folder / "media" / "a.mp4").resolve())
    assert (a.in_point, a.out_point) == (0.5, 2.0)
    assert [o.op for o in a.ops] == ["brightness", "speed"] and a.ops[0].range == (0.2, 1.0)
    assert a.ops[0].params == {"amount": 0.2} and b.ops[0].enabled is False
    assert a.transform.is_identity and a.volume == 1.0
    p.save(v1_folder / "two_clips_v2.t2v")
    raw = json.loads((v1_folder / "two_clips_v2.t2v").read_text())
    assert raw["version"] == SCHEMA_VERSION == 2
    items = raw["tracks"][0]["items"]
    assert [i["type"] for i in items] == ["clip", "clip"] and items[0]["source"] == {"type": "file", "path": "media/a.mp4"}
    q = Project.load(v1_folder / "two_clips_v2.t2v")
    assert q.to_json() == p.to_json()


def test_v1_audio_track_and_mute_migrate_and_render(v1_folder):
    from t2v_desktop.engine.render import Renderer

    p = Project.load(v1_folder / "audio_track.t2v")
    assert [t.kind for t in p.tracks] == ["video", "audio"] and p.main_track.muted
    assert p.audio_tracks[0].clips[0].path.endswith("b.mp4")
    with Renderer(p) as r:
        assert (r.width, r.height) == (640, 360) and r.frame_count == round(3.0 * 30000 / 1001)
        assert r.frame(0).shape == (360, 640, 3)


def test_everything_round_trips(tmp_path):
    title = TitleSource("Summer Sale", TitleStyle(size=90, color="#ffcc00", box=True, align="left", x=0.1))
    fade = Keyframes.of([(0, 0.0), (0.5, 1.0, "ease")])
    p = Project(width=1280, height=720)
    p.main_track.items += [Clip(str(tmp_path / "a.mp4")), Transition("wipe_left", 0.5, {"softness": 0.1}),
                           Clip(ColorSource("#102030"), out_point=2.0)]
    p.tracks.append(Track(items=[Gap(1.5), Clip(title, out_point=3.0, transform=Transform(opacity=fade)),
                                 Clip(ImageSource(str(tmp_path / "logo.png")), out_point=4.0,
                                      transform=Transform(x=0.95, y=0.05, anchor_x=1, anchor_y=0, scale=0.2,
                                                          fit="native", blend="screen", opacity=0.5))],
                          name="Overlays", locked=True))
    p.tracks.append(Track("audio", [Clip(str(tmp_path / "m.wav"), volume=Keyframes.of([(0, 1), (9, 0)]))],
                          name="Music", role="music", gain_db=-12, pan=-0.5, ducking=Ducking(amount_db=15)))
    p.tracks.append(Track(items=[Gap(2.0), Clip(GeneratedSource("waves at sunset", seed=7), out_point=4)], hidden=True))
    p.tracks.append(Track("audio", [], role="voice", solo=True))
    p.subtitle_tracks.append(SubtitleTrack([Cue(0.5, 2.0, "Hello\nworld")], language="en", burn_in=True))
    p.save(tmp_path / "p.t2v")
    q = Project.load(tmp_path / "p.t2v")
    assert q.to_json() == p.to_json()
    over = q.tracks[1]
    assert over.clips[0].transform.opacity.at(0.25) == pytest.approx(0.5)
    assert over.clips[1].transform.fit == "native" and over.locked and over.name == "Overlays"
    assert q.tracks[2].ducking.amount_db == 15 and q.tracks[2].gain_db == -12
    assert q.subtitle_tracks[0].cues[0].text == "Hello\nworld" and q.subtitle_tracks[0].burn_in


def _doc(tmp_path, items=None, **track):
    p = Project()
    p.main_track.items.append(Clip(str(tmp_path / "a.mp4")))
    d = p.to_json()
    if items is not None:
        d["tracks"][0]["items"] = items
    d["tracks"][0].update(track)
    return d


CLIP = {"type": "clip", "source": {"type": "file", "path": "/a.mp4"}}


@pytest.mark.parametrize("items, words", [
    ([CLIP, {"type": "hologram"}], "unknown item type 'hologram'"),
    ([{"type": "transition", "kind": "dissolve", "duration": 1}, CLIP], "must sit between two clips"),
    ([CLIP, {"type": "transition", "kind": "dissolve", "duration": 1}, {"type": "gap", "duration": 1}, CLIP],
     "must sit between two clips"),
    ([CLIP, {"type": "transition", "kind": "swirl", "duration": 1}, CLIP], "'kind' must be one of"),
    ([CLIP, {"type": "gap", "duration": -1}], "gap needs a 'duration'"),
    ([{"type": "clip", "source": {"type": "title", "text": "x" * 10_000}, "out": 2}], "1 to 2000 characters"),
    ([{"type": "clip", "source": {"type": "title", "text": "Hi"}}], "needs an 'out' point"),
    ([{"type": "clip", "source": {"type": "laser"}}], "unknown source type 'laser'"),
    ([{"type": "clip", "source": {"type": "color", "color": "red"}, "out": 1}], "'#rrggbb'"),
    ([dict(CLIP, transform={"opacity": {"keyframes": [[1, 0.5], [0.5, 1]]}})], "time order"),
    ([dict(CLIP, transform={"opacity": {"keyframes": [[0, 0.5], [0, 1]]}})], "time order"),
    ([dict(CLIP, transform={"opacity": 2})], "'opacity' must be a number from 0 to 1"),
    ([dict(CLIP, transform={"spin": 2})], "unknown fields ['spin']"),
    ([dict(CLIP, transform={"blend": "dodge"})], "'blend' must be one of"),
])
def test_bad_items_are_one_clear_error(tmp_path, items, words):
    with pytest.raises(ProjectError) as e:
        Project.from_json(_doc(tmp_path, items))
    msg = str(e.value)
    assert words in msg and "\n" not in msg and len(msg) < 400


def test_audio_track_holds_only_sound_files(tmp_path):
    d = _doc(tmp_path)
    d["tracks"].append({"kind": "audio", "items": [{"type": "clip", "source": {"type": "title", "text": "x"}, "out": 1}]})
    with pytest.raises(ProjectError, match="audio track holds sound files"):
        Project.from_json(d)


def test_newer_schema_is_refused(tmp_path):
    d = _doc(tmp_path)
    d["version"] = 3
    with pytest.raises(ProjectError, match="newer t2v-desktop"):
        Project.from_json(d)


def test_clips_view_is_read_only_and_items_hold_the_order(tmp_path):
    t = Track(items=[Clip("/a.mp4"), Transition(), Clip("/b.mp4")])
    assert [c.path for c in t.clips] == ["/a.mp4", "/b.mp4"] and isinstance(t.clips, tuple)
    with pytest.raises(AttributeError):
        t.clips.append(Clip("/c.mp4"))


def test_a_subtitle_style_round_trips_against_its_own_defaults():
    s = SubtitleTrack([Cue(0, 1, "x")], style=TitleStyle(weight="bold", box=False, size=64.0, y=0.5))
    p = Project()
    p.subtitle_tracks.append(s)
    back = Project.from_json(p.to_json()).subtitle_tracks[0].style
    assert (back.weight, back.box, back.size, back.y) == ("bold", False, 64.0, 0.5)
