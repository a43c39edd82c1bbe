"""Bad input to composition, through the CLI: one clear line, a non-zero exit, nothing written,
the user's files untouched. A missing font is the documented fix-up (a warning, the bundled font)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from t2v_desktop.cli import main
from t2v_desktop.project.model import Clip, ImageSource, Project, TitleSource, TitleStyle, Track, Transition


def _run(args, capsys, folder: Path) -> str:
    before = sorted(folder.iterdir())
    code = main(args)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code != 0
    assert len(lines) == 1 and lines[0].startswith("error: "), err[:500]
    assert "Traceback" not in err and len(lines[0]) < 500
    assert sorted(folder.iterdir()) == before, "nothing may be written"
    return lines[0]


@pytest.fixture
def base(tmp_path, make_clip):
    clip = tmp_path / "a.mp4"
    clip.write_bytes(make_clip(duration=2.0).read_bytes())
    return tmp_path, clip


def _export(project: Project, tmp_path: Path, capsys) -> str:
    path = tmp_path / "p.t2v"
    project.save(path)
    saved = path.read_bytes()
    line = _run(["export", str(path), "-o", str(tmp_path / "out.mp4")], capsys, tmp_path)
    assert path.read_bytes() == saved
    return line


def test_missing_image(base, capsys):
    tmp, clip = base
    p = Project.from_media(str(clip))
    p.tracks.append(Track(items=[Clip(ImageSource(str(tmp / "gone.png")), out_point=1.0)]))
    assert "gone.png" in _export(p, tmp, capsys)


def test_a_picture_that_is_not_one(base, capsys):
    tmp, clip = base
    (tmp / "fake.png").write_bytes(b"not a png at all")
    p = Project.from_media(str(clip))
    p.tracks.append(Track(items=[Clip(ImageSource(str(tmp / "fake.png")), out_point=1.0)]))
    assert "fake.png" in _export(p, tmp, capsys)


def test_transition_longer_than_its_clips(base, capsys):
    tmp, clip = base
    p = Project.from_media(str(clip), str(clip))
    p.main_track.items.insert(1, Transition("dissolve", 3.0))
    line = _export(p, tmp, capsys)
    assert "longer than its clips allow" in line and "2.00 s" in line


def test_a_10000_character_title_in_a_file(base, capsys):
    tmp, clip = base
    p = Project.from_media(str(clip))
    d = p.to_json()
    d["tracks"].append({"kind": "video", "items": [{"type": "clip", "source": {"type": "title", "text": "x" * 10_000},
                                                     "out": 2}]})
    (tmp / "p.t2v").write_text(json.dumps(d))
    line = _run(["export", str(tmp / "p.t2v"), "-o", str(tmp / "out.mp4")], capsys, tmp)
    assert "2000 characters" in line


def test_unknown_item_type_and_keys_out_of_order(base, capsys):
    tmp, clip = base
    d = Project.from_media(str(clip)).to_json()
    d["tracks"][0]["items"].append({"type": "hologram"})
    (tmp / "p.t2v").write_text(json.dumps(d))
    assert "unknown item type 'hologram'" in _run(["export", str(tmp / "p.t2v"), "-o", str(tmp / "o.mp4")], capsys, tmp)
    d["tracks"][0]["items"].pop()
    d["tracks"][0]["items"][0]["transform"] = {"scale": {"keyframes": [[2, 1.0], [1, 1.3]]}}
    (tmp / "p.t2v").write_text(json.dumps(d))
    assert "time order" in _run(["export", str(tmp / "p.t2v"), "-o", str(tmp / "o.mp4")], capsys, tmp)


def test_missing_music_file_for_apply(base, capsys):
    tmp, clip = base
    line = _run(["apply", str(clip), "--music", str(tmp / "nope.mp3"), "make it warmer", "-o", str(tmp / "o.mp4")],
                capsys, tmp)
    assert "nope.mp3" in line


def test_a_missing_font_falls_back_with_a_warning(base, capsys):
    tmp, clip = base
    p = Project.from_media(str(clip))
    p.tracks.append(Track(items=[Clip(TitleSource("Hi", TitleStyle(font="No Such Font 123")), out_point=1.0)]))
    p.save(tmp / "p.t2v")
    assert main(["export", str(tmp / "p.t2v"), "-o", str(tmp / "out.mp4")]) == 0
    err = capsys.readouterr().err
    assert "No Such Font 123" in err and "DejaVu Sans" in err
    assert (tmp / "out.mp4").stat().st_size > 0
