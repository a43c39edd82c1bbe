"""Script -> project with a media library: each scene shows the shot its words find (colour words,
on-screen text read by OCR, spoken words transcribed), cards where nothing matches; and "replace the
visual of scene 3 with the harbor shot" swaps a scene's visual in one undo step."""

from __future__ import annotations

import shutil
import subprocess
import wave

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from t2v_desktop.commands.apply import apply_text
from t2v_desktop.commands.parser import parse
from t2v_desktop.engine.layout import TimelineLayout
from t2v_desktop.engine.render import Renderer
from t2v_desktop.errors import ParamError
from t2v_desktop.library.db import DB_NAME, open_library
from t2v_desktop.library.indexer import Tools, add_file
from t2v_desktop.media.synth import make_shots_clip
from t2v_desktop.project.history import History
from t2v_desktop.project.model import ColorSource, MediaSource
from t2v_desktop.script.build import BuildOptions, build_project
from t2v_desktop.script.parse import parse_script

FONT = "t2v_desktop/resources/fonts/DejaVuSans-Bold.ttf"
SCRIPT = """# A day on the coast

The red sky glows over the water.

Boats rest in the harbor at noon.

Fresh bread comes from the bakery.

A quiet evening falls.
"""


def _sign_clip(path, word: str, frames: int = 30) -> None:
    """A card with ``word`` printed large (for OCR)."""
    font = ImageFont.truetype(FONT, 40)
    im = Image.new("RGB", (320, 180), (235, 235, 235))
    ImageDraw.Draw(im).text((20, 60), word, fill=(0, 0, 0), font=font)
    rgb = np.asarray(im)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = 320, 180, "yuv420p"
        for _ in range(frames):
            for p in s.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def _talk_clip(path, text: str, folder) -> None:
    """Grey moving frames with espeak-ng saying ``text`` (for the transcript)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed")
    wav = folder / "talk.wav"
    subprocess.run([exe, "-w", str(wav), text], check=True, capture_output=True)
    with wave.open(str(wav)) as w:
        sr = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    with av.open(str(path), "w") as c:
        vs = c.add_stream("libx264", rate=10)
        vs.width, vs.height, vs.pix_fmt = 160, 96, "yuv420p"
        a = c.add_stream("aac", rate=sr)
        a.layout = "mono"
        for i in range(int(len(pcm) / sr * 10) + 1):
            img = np.full((96, 160, 3), 120, np.uint8)
            img[:, (i * 3) % 150:(i * 3) % 150 + 10] = 200
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in vs.encode():
            c.mux(p)
        f = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        f.sample_rate = sr
        for p in a.encode(f):
            c.mux(p)
        for p in a.encode():
            c.mux(p)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed")
    d = tmp_path_factory.mktemp("lib")
    make_shots_clip(d / "red.mp4", [(200, 30, 30)], frames_per_shot=40)
    make_shots_clip(d / "green.mp4", [(30, 180, 40)], frames_per_shot=60)
    _sign_clip(d / "sign.mp4", "HARBOR")
    _talk_clip(d / "talk.mp4", "fresh bread from the bakery", d)
    lib = open_library(d / DB_NAME)  # T2V_DATA_DIR=d makes it the default library of commands
    for name, tools in (("red", Tools(ocr=False, words=False)), ("green", Tools(ocr=False, words=False)),
                        ("sign", Tools(ocr=True, words=False)), ("talk", Tools(ocr=False, words=True))):
        add_file(lib, d / f"{name}.mp4", tools=tools)
    yield lib, d
    lib.close()


@pytest.fixture(scope="module")
def built(library):
    lib, _ = library
    return build_project(parse_script(SCRIPT), BuildOptions(size=72, fps=10, title_seconds=1.0, end_seconds=1.0,
                                                            library=lib))


def test_scenes_show_the_shots_their_words_find(built, library):
    _, d = library
    main = built.project.main_track.clips
    scenes = {s.number: built.project.find_clip(s.visual_clip_id) for s in built.scenes}
    assert scenes[1].path == str(d / "red.mp4")  # colour words: "red"
    assert scenes[2].path == str(d / "sign.mp4")  # on-screen text: HARBOR
    assert scenes[3].path == str(d / "talk.mp4")  # spoken words: bread, bakery
    assert scenes[3].volume == 0.0  # a shot's own speech never talks over the narration
    assert isinstance(scenes[4].source, ColorSource)  # nothing matches: a card
    plan = built.plan.explain()
    print(plan)
    assert "Scene 1: shot red.mp4" in plan and "colour: red" in plan and "Scene 4: card" in plan
    # a shot plays its own span only: the 1.6 s red shot is slowed to fill its scene
    lay = TimelineLayout(built.project)
    red = scenes[1]
    assert red.in_point == pytest.approx(0.0) and red.out_point <= 1.6 + 1e-6
    if red.ops:
        assert red.ops[0].op == "speed" and 0.25 <= red.ops[0].params["factor"] < 1
    a, b = lay.clip_span(red.id)
    s1 = built.scenes[0]
    assert a == pytest.approx(s1.start) and b >= s1.end  # covers its scene (and the transition out)
    # the picture in scene 1 is red, in scene 2 the light sign card
    r = Renderer(built.project)
    try:
        px1 = r.frame(int((s1.start + 0.6) * 10))[2:8, 2:8].reshape(-1, 3).mean(axis=0)
        px2 = r.frame(int((built.scenes[1].start + 0.6) * 10))[2:8, 2:8].reshape(-1, 3).mean(axis=0)
    finally:
        r.close()
    assert px1[0] > 150 and px1[1] < 80
    assert px2.min() > 180
    assert len(main) == 6


def test_replace_the_visual_of_scene_three_in_one_undo_step(built, library, monkeypatch):
    import copy

    _, d = library
    monkeypatch.setenv("T2V_DATA_DIR", str(d))
    project = copy.deepcopy(built.project)
    before = project.to_json()
    lay0 = TimelineLayout(project)
    history = History(project)
    s3 = built.scenes[2]
    assert parse("replace the visual of scene 3 with the harbor shot").steps[0].kind == "replace scene visual"
    two = parse("swap the third scene's shot with the harbor and use green.mp4 for scene 4", {"base": str(d)}).steps
    assert [(s.scene, s.what) for s in two] == [(3, "the harbor"), (4, str(d / "green.mp4"))]
    apply_text(project, "replace the visual of scene 3 with the harbor shot", history)
    clip = project.find_clip(s3.visual_clip_id)
    assert isinstance(clip.source, MediaSource) and clip.path == str(d / "sign.mp4")
    assert clip.name.startswith("Scene 3 · harbor")
    lay = TimelineLayout(project)
    assert lay.clip_span(clip.id) == pytest.approx(lay0.clip_span(s3.visual_clip_id), abs=0.11)
    assert lay.clip_span(s3.narration_clip_id) == lay0.clip_span(s3.narration_clip_id)  # narration in place
    assert history.labels == ["replace the visual of scene 3 with the harbor shot"]  # one undo step
    # scene 4 was a card: replacing it drops its words card too, in the same step
    apply_text(project, "use green.mp4 for scene 4", history, base=str(d))
    assert project.find_clip(built.scenes[3].visual_clip_id).path == str(d / "green.mp4")
    assert not any(c.name == "Scene 4 card" for t in project.tracks for c in t.clips)
    history.undo()
    history.undo()
    assert project.to_json() == before


def test_unknown_scene_and_unmatched_words_are_clear_errors(built, library):
    import copy

    project = copy.deepcopy(built.project)
    with pytest.raises(ParamError, match="no scene 9; the scenes are 1, 2, 3, 4"):
        apply_text(project, "replace the visual of scene 9 with the harbor shot", History(project))
    with pytest.raises(ParamError, match="No shot in the media library matches 'zebra'"):
        from t2v_desktop.script.scenes import replace_visual

        replace_visual(project, 2, "the zebra shot", library=library[0])
