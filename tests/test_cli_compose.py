"""The CLI's composition line end to end on generated clips: several inputs on the main track,
--music under them, a crossfade and a title from the command text, the output's length, the saved
project (title track, music track) re-exported by `export`; subtitles import/export round trip."""

from __future__ import annotations

import shutil

import pytest

from t2v_desktop.cli import main
from t2v_desktop.media.info import probe
from t2v_desktop.project.model import Project, TitleSource, Transition


def _structural():
    from t2v_desktop.project import history

    if not hasattr(history, "PlaceClip"):
        pytest.skip("project.history has no structural commands yet")


@pytest.fixture
def folder(tmp_path, make_clip, monkeypatch):
    """a.mp4 and b.mp4 (2 s each), m.wav (6 s), as the CLI user has them: in the current directory."""
    _structural()
    shutil.copy(make_clip(duration=2.0), tmp_path / "a.mp4")
    shutil.copy(make_clip(duration=2.0, tone_hz=660.0, pattern="solid", color=(200, 40, 40)), tmp_path / "b.mp4")
    shutil.copy(make_clip(duration=6.0, video=False, ext="wav", tone_hz=220.0), tmp_path / "m.wav")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_apply_inputs_music_crossfade_title_and_saved_project(folder, capsys):
    code = main(["apply", "a.mp4", "b.mp4", "--music", "m.wav",
                 "crossfade between the clips over 1 second, add a title 'HELLO' for the first 2 seconds",
                 "-o", "out.mp4", "--save-project", "p.t2v"])
    assert code == 0, capsys.readouterr().err
    info = probe(folder / "out.mp4")
    assert info.duration == pytest.approx(2.0 + 2.0 - 1.0, abs=0.1)  # sum - crossfade; the music is cut to it
    assert info.has_video and info.has_audio

    p = Project.load(folder / "p.t2v")
    main_items = p.main_track.items
    assert [type(i).__name__ for i in main_items] == ["Clip", "Transition", "Clip"]
    assert isinstance(main_items[1], Transition) and main_items[1].duration == 1.0
    titles = [t for t in p.video_tracks if t.name == "Titles"]
    assert len(titles) == 1 and isinstance(titles[0].clips[0].source, TitleSource)
    assert titles[0].clips[0].source.text == "HELLO"
    music = [t for t in p.audio_tracks if t.role == "music"]
    assert len(music) == 1 and music[0].clips[0].path == str(folder / "m.wav")
    from t2v_desktop.engine.layout import TimelineLayout

    layout = TimelineLayout(p)
    assert layout.duration == pytest.approx(3.0, abs=0.05)
    assert layout.clip_span(music[0].clips[0].id) == pytest.approx((0.0, 3.0), abs=0.05)
    assert layout.clip_span(titles[0].clips[0].id) == pytest.approx((0.0, 2.0), abs=0.05)

    # the saved project exports to the same length
    assert main(["export", "p.t2v", "-o", "again.mp4"]) == 0
    assert probe(folder / "again.mp4").duration == pytest.approx(info.duration, abs=0.05)


def test_apply_refuses_a_missing_file_naming_the_ones_there(folder, capsys):
    code = main(["apply", "a.mp4", "b.mp4", "add music2.wav at -6 dB", "-o", "out.mp4"])
    err = capsys.readouterr().err
    assert code == 2 and "No file 'music2.wav'" in err and "m.wav" in err
    assert not (folder / "out.mp4").exists()
    code = main(["apply", "a.mp4", "--music", "nope.wav", "make it brighter", "-o", "out.mp4"])
    assert code != 0 and "nope.wav" in capsys.readouterr().err


def test_save_project_is_not_overwritten_without_yes(folder, capsys):
    (folder / "p.t2v").write_text("keep")
    code = main(["apply", "a.mp4", "make it brighter", "-o", "out.mp4", "--save-project", "p.t2v"])
    assert code == 1 and "already exists" in capsys.readouterr().err
    assert (folder / "p.t2v").read_text() == "keep" and not (folder / "out.mp4").exists()


SRT = ("1\n00:00:00,500 --> 00:00:01,250\nHello, world\n\n"
       "2\n00:00:01,500 --> 00:00:02,750\nSecond cue\non two lines\n")


def test_subtitles_import_export_round_trip(folder, capsys):
    files = pytest.importorskip("t2v_desktop.project.subtitle_files")
    Project.from_media(str(folder / "a.mp4")).save(folder / "p.t2v")
    code = main(["subtitles", "export", "p.t2v", "out.srt"])
    assert code == 1 and "no subtitle tracks" in capsys.readouterr().err
    (folder / "talk.srt").write_text(SRT, encoding="utf-8")
    assert main(["subtitles", "import", "p.t2v", "talk.srt", "--burn-in", "--language", "en"]) == 0
    p = Project.load(folder / "p.t2v")
    (sub,) = p.subtitle_tracks
    assert sub.burn_in and sub.language == "en"
    want = [(0.5, 1.25, "Hello, world"), (1.5, 2.75, "Second cue\non two lines")]
    assert [(c.start, c.end, c.text) for c in sub.cues] == want
    for ext in ("srt", "vtt"):
        assert main(["subtitles", "export", "p.t2v", f"back.{ext}"]) == 0
        back = [(round(s, 3), round(e, 3), t) for s, e, t in files.read_subtitles(folder / f"back.{ext}")]
        assert back == want
    code = main(["subtitles", "export", "p.t2v", "back.srt", "--track", "2"])
    assert code == 1 and "No subtitle track 2" in capsys.readouterr().err
    code = main(["subtitles", "import", "p.t2v", "missing.srt"])
    assert code == 2 and "talk.srt" in capsys.readouterr().err  # names the subtitle files there
